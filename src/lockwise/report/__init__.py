"""Reports: printing MigrationReports for people (text) and machines (json, sarif, ...)."""
