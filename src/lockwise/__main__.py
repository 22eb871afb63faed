from lockwise.cli.app import run

run()
