"""MariaDB's `ALTER TABLE IF EXISTS name ...` (fix-mysql48): MariaDB 10.5.2 and later take it
(the knowledge base's "MariaDB 10.5.2 Release Notes": "ALTER TABLE and RENAME TABLE now support
IF EXISTS"), MySQL 8 has none (its manual's ALTER TABLE grammar). Before 10.5.2 and on MySQL the
statement is a 1064 at IF, whichever way lockwise reads it: a tree sqlglot parses (ADD COLUMN),
a command read from its text (CONVERT TO), or a partition operation or MariaDB's ALTER INDEX
... IGNORED, which sqlglot cannot parse (_SQLGLOT_GAPS). Checked on MariaDB 10.11 (10.11.19):
each statement of FORMS runs there, and `ALTER TABLE IF EXISTS t DROP PARTITION p1` drops p1."""

from __future__ import annotations

import pytest

SETUP = """CREATE DATABASE shop;
USE shop;
CREATE TABLE t (id INT PRIMARY KEY, v INT, KEY kv (v))
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10),
                           PARTITION p1 VALUES LESS THAN (20),
                           PARTITION p2 VALUES LESS THAN MAXVALUE);
"""

#: (statement, the finding it gives on MariaDB where it runs)
FORMS = [
    ("ALTER TABLE IF EXISTS t ADD COLUMN z INT", None),
    # (t has no string column: only its default changes, INSTANT on MariaDB 10.11; it read as
    # a copy while IF EXISTS was taken for the operations, fix-precision53)
    ("ALTER TABLE IF EXISTS t CONVERT TO CHARACTER SET utf8mb4", None),
    ("ALTER TABLE IF EXISTS t DROP PARTITION p1", "mysql-drop-partition"),
    ("ALTER ONLINE IGNORE TABLE IF EXISTS t TRUNCATE PARTITION p0", "mysql-drop-partition"),
    ("ALTER TABLE IF EXISTS t ALTER INDEX kv IGNORED", None),
]


def _rules(report) -> set[str]:
    return {f.rule for f in report.all_findings}


@pytest.mark.parametrize(("sql", "rule"), FORMS)
@pytest.mark.parametrize("version", [None, "10.6"])
def test_mariadb_from_10_5_2_reads_it(lint_change, sql: str, rule: str | None,
                                      version: str | None) -> None:
    rules = _rules(lint_change(f"USE shop;\n{sql};", "mariadb", version))
    assert "parse-error" not in rules, sql
    assert rule is None or rule in rules, (sql, rules)


@pytest.mark.parametrize("sql", [sql for sql, _ in FORMS if "IGNORED" not in sql])
def test_mariadb_10_5_2_reads_it(lint_change, sql: str) -> None:
    assert "parse-error" not in _rules(lint_change(f"USE shop;\n{sql};", "mariadb", "10.5.2"))


@pytest.mark.parametrize("sql", [sql for sql, _ in FORMS])
@pytest.mark.parametrize(("dialect", "version", "why"), [
    ("mariadb", "10.5.1", "ALTER TABLE IF EXISTS arrived in MariaDB 10.5.2"),
    ("mariadb", "10.4", "ALTER TABLE IF EXISTS arrived in MariaDB 10.5.2"),
    ("mysql", None, "MariaDB's ALTER TABLE IF EXISTS; MySQL has none"),
    ("mysql", "8.0.30", "MariaDB's ALTER TABLE IF EXISTS; MySQL has none"),
])
def test_a_server_without_it_stops_at_if(lint_change, sql: str, dialect: str,
                                         version: str | None, why: str) -> None:
    if dialect == "mysql" and "ONLINE" in sql:
        sql = sql.replace("ONLINE IGNORE ", "")  # (MySQL stops at ONLINE first)
    report = lint_change(f"USE shop;\n{sql};", dialect, version)
    (error,) = [f for f in report.all_findings if f.rule == "parse-error"]
    near = sql[sql.index("IF EXISTS"):]
    assert f"error 1064 near '{near}' ({why}" in error.message, error.message
    assert _rules(report) == {"parse-error"}, sql


@pytest.mark.parametrize("sql", ["ALTER TABLE t DROP COLUMN IF EXISTS v",
                                 "ALTER TABLE t DROP PARTITION p1",
                                 "ALTER TABLE `if` ADD COLUMN z INT"])
def test_an_alter_without_it_is_not_refused_for_it(lint_change, sql: str) -> None:
    """The IF of a clause's IF EXISTS (MariaDB's since 10.0.2), or a table named `if`."""
    setup = SETUP + "CREATE TABLE `if` (id INT);\n"
    assert "parse-error" not in _rules(lint_change(f"USE shop;\n{sql};", "mariadb", "10.5.1",
                                                   setup))


def test_a_partition_operation_of_a_table_gone_is_skipped(lint_change) -> None:
    """With IF EXISTS, MariaDB does nothing when the table is missing (checked below)."""
    report = lint_change("USE shop;\nDROP TABLE t;\nALTER TABLE IF EXISTS t DROP PARTITION p1;",
                         "mariadb")
    assert _rules(report) == {"drop-table"}


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS shop", "mysql").returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0


@pytest.mark.parametrize("sql", [sql for sql, _ in FORMS])
def test_mariadb_runs_it(mariadb, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(sql, "shop")
    assert ran.returncode == 0, (sql, ran.stderr)


def test_mariadb_drops_the_partition(mariadb) -> None:
    _fresh(mariadb)
    assert mariadb.run("ALTER TABLE IF EXISTS t DROP PARTITION p1", "shop").returncode == 0
    partitions = mariadb.run("SELECT PARTITION_NAME FROM information_schema.PARTITIONS WHERE "
                             "TABLE_SCHEMA = 'shop' AND TABLE_NAME = 't'", "shop").stdout.split()
    assert partitions == ["p0", "p2"], partitions


def test_mariadb_skips_a_table_gone(mariadb) -> None:
    _fresh(mariadb)
    ran = mariadb.run("DROP TABLE t; ALTER TABLE IF EXISTS t DROP PARTITION p1", "shop")
    assert ran.returncode == 0, ran.stderr
    assert "ERROR 1146" in mariadb.run("ALTER TABLE t DROP PARTITION p1", "shop").stderr
