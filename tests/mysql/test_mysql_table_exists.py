"""CREATE TABLE of a table the replay has (fix-mysql62): the server answers 1050, "Table 't'
already exists", before it reads the definition, so a definition it would refuse too (1060,
1072, an invalid default, the engine's limits) is not what it says; with IF NOT EXISTS it
makes nothing and checks nothing (a note), and the old table stays. Checked on MariaDB 10.11
(`test_the_server_answers_1050_first`)."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE kept (id INT NOT NULL, v INT);\n"

#: definitions the server refuses when the table is new, each with its own error
REFUSED_DEFINITIONS = [
    ("kept (id INT, id INT)", 1060),
    ("kept (a INT, KEY (nope))", 1072),
    ("kept (id INT NOT NULL, v INT) ENGINE=CSV", 1178),
]


def _rules(report, index: int = 0) -> list[str]:
    return [f.rule for f in report.all_findings if f.statement_index == index]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("definition", "error"), REFUSED_DEFINITIONS)
def test_the_existing_table_is_what_the_server_says(lint_change, dialect: str,
                                                    definition: str, error: int) -> None:
    report = lint_change(f"CREATE TABLE {definition};", dialect)
    (finding,) = [f for f in report.all_findings if f.rule == "mysql-table-exists"]
    assert '(error 1050: "Table \'kept\' already exists")' in finding.message
    assert _rules(report) == ["mysql-table-exists"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("definition", "error"), REFUSED_DEFINITIONS)
def test_the_same_definition_of_a_new_table_is_still_refused(
        lint_change, dialect: str, definition: str, error: int) -> None:
    report = lint_change(f"CREATE TABLE {definition.replace('kept', 'fresh', 1)};", dialect)
    assert "mysql-table-exists" not in _rules(report)
    assert any(f"(error {error}:" in f.message for f in report.all_findings
               if f.statement_index == 0)


def _columns_after(change: str, dialect: str) -> list[str]:
    """The replayed columns of `kept` after SETUP and `change`."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                     migration_from_text(change, "2_change.sql")],
                    LintOptions(dialect=dialect), catalog)
    return list(catalog.tables["kept"].columns)


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_if_not_exists_checks_nothing_and_keeps_the_old_table(lint_change,
                                                              dialect: str) -> None:
    change = "CREATE TABLE IF NOT EXISTS kept (id INT, id INT, w INT);"
    assert _rules(lint_change(change, dialect)) == []
    assert _columns_after(change, dialect) == ["id", "v"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_refused_create_keeps_the_old_table(lint_change, dialect: str) -> None:
    change = "CREATE TABLE kept (id INT, w INT);"
    assert _rules(lint_change(change, dialect)) == ["mysql-table-exists"]
    assert _columns_after(change, dialect) == ["id", "v"]


@pytest.mark.parametrize(("change", "dialect"), [
    ("DROP TABLE kept;\nCREATE TABLE kept (id INT);", "mysql"),
    ("CREATE TEMPORARY TABLE kept (id INT);", "mysql"),
    ("CREATE OR REPLACE TABLE kept (id INT);", "mariadb"),
])
def test_no_existing_table_in_the_way(lint_change, change: str, dialect: str) -> None:
    report = lint_change(change, dialect)
    assert "mysql-table-exists" not in [f.rule for f in report.all_findings]


@pytest.mark.parametrize(("definition", "error"), REFUSED_DEFINITIONS)
def test_the_server_answers_1050_first(mariadb, definition: str, error: int) -> None:
    mariadb.fresh("table_exists", SETUP)
    assert f"ERROR {error} " in mariadb.run(
        f"CREATE TABLE {definition.replace('kept', 'fresh', 1)}", "table_exists").stderr
    ran = mariadb.run(f"CREATE TABLE {definition}", "table_exists")
    assert "ERROR 1050 " in ran.stderr and "Table 'kept' already exists" in ran.stderr
    quiet = mariadb.run(f"CREATE TABLE IF NOT EXISTS {definition}; SHOW WARNINGS", "table_exists")
    assert quiet.returncode == 0 and "1050" in quiet.stdout, quiet
    columns = mariadb.run("SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "
                          "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'table_exists' AND "
                          "TABLE_NAME = 'kept'", "table_exists")
    assert columns.stdout.strip() == "id,v"
