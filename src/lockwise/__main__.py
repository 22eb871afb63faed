from lockwise.cli.app import main

main()
