"""TEMPORARY tables: visible to the session that made them only, so nothing another session
does waits for them, and the server alters them by copying (MySQL manual, "Online DDL
Limitations", 17.12.8 in 8.4: "The table is copied when creating an index on a TEMPORARY
TABLE"; MySQL refuses ALGORITHM=INPLACE and INSTANT for them; MariaDB refuses INPLACE and
takes INSTANT and NOCOPY as no demand, checked on 10.11)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE orders (id INT PRIMARY KEY, total INT);"
TEMP = "CREATE TEMPORARY TABLE tmp_ids (id INT PRIMARY KEY, n INT);"


def _reports(change: str, dialect: str = "mysql") -> list:
    version = "10.11" if dialect == "mariadb" else "8.4.0"
    return lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                            migration_from_text(change, "2_change.sql")],
                           LintOptions(dialect=dialect, server_version=version))


def _alter(statement) -> dict:
    return next(a.facts for a in statement.effect.actions if a.kind == "mysql_alter_table")


@pytest.mark.parametrize("operation", ["ADD COLUMN x INT", "ADD INDEX tmp_n (n)",
                                       "RENAME COLUMN n TO m", "ALTER COLUMN n SET DEFAULT 3",
                                       "MODIFY n BIGINT", "DROP COLUMN n"])
def test_an_alter_of_a_temporary_table_copies_it_and_blocks_no_one(operation: str) -> None:
    report = _reports(f"{TEMP}\nALTER TABLE tmp_ids {operation};")[1]
    alter = report.statements[1]
    assert _alter(alter)["algorithm"] == "COPY"
    assert "tmp_ids" not in alter.effect.locks
    assert report.all_findings == []


@pytest.mark.parametrize(("clause", "dialect", "refused"), [
    ("ALGORITHM=INSTANT", "mysql", True),
    ("ALGORITHM=INPLACE", "mysql", True),
    ("ALGORITHM=COPY", "mysql", False),
    ("ALGORITHM=INSTANT", "mariadb", False),
    ("ALGORITHM=NOCOPY", "mariadb", False),
    ("ALGORITHM=INPLACE", "mariadb", True),
    ("LOCK=NONE", "mariadb", False),
])
def test_the_algorithm_clauses_a_temporary_table_takes(clause: str, dialect: str,
                                                       refused: bool) -> None:
    report = _reports(f"{TEMP}\nALTER TABLE tmp_ids ADD COLUMN x INT, {clause};", dialect)[1]
    found = [f.rule for f in report.all_findings]
    assert ("mysql-algorithm-not-supported" in found) == refused, found
    if refused:  # the same ALTER without the clause, not an online schema change tool
        (finding,) = report.all_findings
        assert "TEMPORARY table" in finding.message
        assert finding.instead.splitlines()[-1] == "ALTER TABLE tmp_ids ADD COLUMN x INT;"


def test_drop_temporary_table_drops_no_data_anyone_else_has() -> None:
    """DROP TEMPORARY TABLE never drops a permanent table, and what it drops would go at
    the session's end anyway: not a destructive drop, and no lock."""
    report = _reports("DROP TEMPORARY TABLE IF EXISTS tmp_ids;\nDROP TEMPORARY TABLE orders;")[1]
    assert report.all_findings == []
    assert all(not s.effect.locks for s in report.statements)


def test_a_permanent_table_is_still_judged() -> None:
    report = _reports(f"{TEMP}\nALTER TABLE orders MODIFY total BIGINT;\nDROP TABLE orders;")[1]
    rules = {f.rule for f in report.all_findings}
    assert {"mysql-table-copy", "drop-table"} <= rules
    assert "orders" in report.statements[1].effect.locks


OPERATIONS = ["ADD COLUMN x INT", "ADD INDEX tmp_n (n)", "MODIFY n BIGINT", "DROP COLUMN n",
              "RENAME COLUMN n TO m"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("algorithm", ["INSTANT", "NOCOPY", "INPLACE", "COPY"])
def test_mariadb_takes_the_clauses_lockwise_says(mariadb, operation: str,
                                                 algorithm: str) -> None:
    statement = f"ALTER TABLE tmp_ids {operation}, ALGORITHM={algorithm};"
    # one client run is one session: the temporary table is there for the ALTER
    result = mariadb.run(TEMP.replace(";", " ENGINE=InnoDB;")
                         + statement)
    refused = "ERROR 1845" in result.stderr
    assert refused or result.returncode == 0, result.stderr
    report = _reports(f"{TEMP}\n{statement}", "mariadb")[1]
    found = "mysql-algorithm-not-supported" in [f.rule for f in report.all_findings]
    assert found == refused, (statement, result.stderr)


def test_statements_on_a_temporary_table_take_no_metadata_lock() -> None:
    """The server takes no metadata lock for a TEMPORARY table (MySQL manual, "Metadata
    Locking": they are the session's own); the permanent table read from keeps its lock."""
    report = _reports(f"{TEMP}\nINSERT INTO tmp_ids SELECT id, total FROM orders;\n"
                      "UPDATE tmp_ids SET n = 0;\nDELETE FROM tmp_ids;\nTRUNCATE TABLE tmp_ids;")[1]
    for statement in report.statements[1:]:
        assert "tmp_ids" not in statement.effect.locks, statement.sql
    assert report.all_findings == []


@pytest.mark.parametrize("rename", ["RENAME TABLE tmp_ids TO tmp_done;",
                                    "ALTER TABLE tmp_ids RENAME TO tmp_done;"])
def test_a_renamed_temporary_table_stays_temporary(rename: str) -> None:
    """MySQL renames a TEMPORARY table with either statement (RENAME TABLE from 8.0.13): the
    new name is the session's table, the old one no longer is."""
    report = _reports(f"{TEMP}\n{rename}\nALTER TABLE tmp_done MODIFY n BIGINT;\n"
                      "CREATE TABLE tmp_ids (id INT PRIMARY KEY, n INT);")[1]
    alter = report.statements[2]
    assert _alter(alter)["algorithm"] == "COPY" and not alter.effect.locks
    assert report.all_findings == []
    again = _reports(f"{TEMP}\n{rename}\nALTER TABLE tmp_ids ADD COLUMN x INT;")[1]
    assert "tmp_ids" in again.statements[2].effect.locks  # a permanent table of that name


FULLTEXT_RULE = "mysql-fulltext-on-temporary-table"


@pytest.mark.parametrize(("change", "refused"), [
    (f"{TEMP}\nALTER TABLE tmp_ids ADD COLUMN body TEXT, ADD FULLTEXT INDEX tmp_body (body);",
     True),
    ("CREATE TEMPORARY TABLE tmp_docs (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY tb (body));",
     True),
    ("CREATE TEMPORARY TABLE tmp_docs (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB;\n"
     "CREATE FULLTEXT INDEX tb ON tmp_docs (body);", True),
    # another engine takes FULLTEXT indexes on a temporary table
    ("CREATE TEMPORARY TABLE tmp_docs (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY tb (body))"
     " ENGINE=MyISAM;", False),
    ("CREATE TABLE docs (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY tb (body));", False),
])
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_fulltext_index_on_a_temporary_innodb_table_is_refused(change: str, refused: bool,
                                                                 dialect: str) -> None:
    """InnoDB keeps no FULLTEXT index on a temporary table (error 1796, "Cannot create
    FULLTEXT index on temporary InnoDB table"; checked on MariaDB 10.11)."""
    rules = [f.rule for f in _reports(change, dialect)[1].all_findings]
    assert (FULLTEXT_RULE in rules) == refused, rules


@pytest.mark.parametrize("statement", [
    "ALTER TABLE tmp_docs ADD FULLTEXT INDEX tb (body)",
    "CREATE FULLTEXT INDEX tb ON tmp_docs (body)",
])
@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM"])
def test_mariadb_refuses_fulltext_on_temporary_tables_where_the_rule_says(
        mariadb, statement: str, engine: str) -> None:
    create = f"CREATE TEMPORARY TABLE tmp_docs (id INT PRIMARY KEY, body TEXT) ENGINE={engine};"
    result = mariadb.run(create + statement + ";")
    refused = "ERROR 1796" in result.stderr
    assert refused or result.returncode == 0, result.stderr
    rules = [f.rule for f in _reports(f"{create}\n{statement};", "mariadb")[1].all_findings]
    assert (FULLTEXT_RULE in rules) == refused, (rules, result.stderr)


def test_a_temporary_table_ends_with_its_migration() -> None:
    """lockwise keeps one session per migration file: the schema after it has no temporary
    table (it was replayed as a permanent one, which later files then judged as such)."""
    from lockwise.catalog.model import Catalog

    catalog = Catalog()
    lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                     migration_from_text(f"{TEMP}\nALTER TABLE tmp_ids ADD COLUMN x INT;",
                                         "2_change.sql")],
                    LintOptions(dialect="mysql"), catalog)
    assert "tmp_ids" not in catalog.tables and "orders" in catalog.tables
