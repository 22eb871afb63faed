"""The command line: thin wrappers that read options, call the pipeline and print reports."""
