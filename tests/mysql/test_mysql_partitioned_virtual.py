"""Partitioned tables: a CREATE TABLE ... PARTITION BY reaches the catalog, and a VIRTUAL
generated column's ADD / DROP, instant elsewhere, copies a partitioned table. MySQL manual,
"ALTER TABLE and Generated Columns" (13.1.9.2 in 8.0, 15.1.9.2 in 8.4): "For partitioned
tables, ADD COLUMN and DROP COLUMN are not in-place operations for virtual columns"; MariaDB
10.11 the same (test_mariadb_truth.py)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

PARTITIONED = ("CREATE TABLE events (id INT NOT NULL, n INT, v INT AS (n + 1) VIRTUAL, "
               "PRIMARY KEY (id)) PARTITION BY HASH (id) PARTITIONS 4;")
PLAIN = "CREATE TABLE events (id INT NOT NULL, n INT, v INT AS (n + 1) VIRTUAL, PRIMARY KEY (id));"


def lint(setup: str, sql: str, dialect: str) -> list:
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect))
    return reports


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("create", [
    PARTITIONED,
    "CREATE TABLE events (id INT NOT NULL, d DATE NOT NULL, PRIMARY KEY (id, d)) "
    "PARTITION BY RANGE (YEAR(d)) (PARTITION p0 VALUES LESS THAN (2020), "
    "PARTITION p1 VALUES LESS THAN MAXVALUE);",
    "CREATE TABLE events (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB\n"
    "/*!50100 PARTITION BY KEY (id) PARTITIONS 2 */;",
])
def test_a_partitioned_create_table_is_read(create: str, dialect: str) -> None:
    (report,) = lint_migrations([migration_from_text(create, "1_setup.sql")],
                                LintOptions(dialect=dialect))
    assert not report.findings and len(report.statements) == 1


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("setup", "sql", "algorithm"), [
    (PARTITIONED, "ALTER TABLE events ADD COLUMN w INT AS (n + 2) VIRTUAL;", "COPY"),
    (PARTITIONED, "ALTER TABLE events DROP COLUMN v;", "COPY"),
    (PARTITIONED, "ALTER TABLE events ADD COLUMN x INT;", "INSTANT"),
    (PLAIN, "ALTER TABLE events ADD COLUMN w INT AS (n + 2) VIRTUAL;", "INSTANT"),
    (PLAIN, "ALTER TABLE events DROP COLUMN v;", "INSTANT"),
    # partitioned later, and no longer
    (PLAIN + "\nALTER TABLE events PARTITION BY HASH (id) PARTITIONS 2;",
     "ALTER TABLE events DROP COLUMN v;", "COPY"),
    (PARTITIONED + "\nALTER TABLE events REMOVE PARTITIONING;",
     "ALTER TABLE events DROP COLUMN v;", "INSTANT"),
])
def test_a_virtual_column_on_a_partitioned_table_copies_it(setup: str, sql: str,
                                                          algorithm: str, dialect: str) -> None:
    (statement,) = lint(setup, sql, dialect)[1].statements
    summary = next(a.facts for a in statement.effect.actions if a.kind == "mysql_alter_table")
    assert summary["algorithm"] == algorithm
    assert ("mysql-table-copy" in [f.rule for f in statement.findings]) == (algorithm == "COPY")


@pytest.mark.parametrize(("default", "mariadb", "mysql"), [
    ("(n + 1)", "COPY", "COPY"),          # reads another column of the row
    ("(UUID())", "COPY", "COPY"),         # a new value for each row
    ("(UUID_SHORT())", "COPY", "COPY"),
    ("(NOW())", "INSTANT", "INPLACE"),    # one value for the whole statement
    ("(RAND())", "INSTANT", "INPLACE"),
    ("('x')", "INSTANT", "INPLACE"),      # a literal written as an expression
    ("5", "INSTANT", "INSTANT"),
])
def test_a_default_computed_for_each_row_copies_the_table(default: str, mariadb: str,
                                                          mysql: str) -> None:
    """MariaDB: checked on 10.11 (test_mariadb_truth.py). MySQL refuses ALGORITHM=INSTANT for
    any expression DEFAULT (error 1845; vitessio/vitess#16024): mysql_ddl.py says why."""
    sql = f"ALTER TABLE events ADD COLUMN x VARCHAR(40) DEFAULT {default};"
    for dialect, expected in (("mariadb", mariadb), ("mysql", mysql)):
        (statement,) = lint(PLAIN, sql, dialect)[1].statements
        summary = next(a.facts for a in statement.effect.actions
                       if a.kind == "mysql_alter_table")
        assert summary["algorithm"] == expected, dialect


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("setup", "sql", "algorithm"), [
    # an integer's display width is not its type (the manual's "Numeric Data Type Syntax":
    # it "does not constrain the range of values"; deprecated from 8.0.17)
    ("CREATE TABLE t (id INT PRIMARY KEY, a INT);", "ALTER TABLE t MODIFY a INT(11);",
     "INSTANT"),
    ("CREATE TABLE t (id INT PRIMARY KEY, a INT(11) UNSIGNED);",
     "ALTER TABLE t CHANGE a a INT UNSIGNED DEFAULT NULL;", "INSTANT"),
    ("CREATE TABLE t (id INT PRIMARY KEY, a BIGINT(20));", "ALTER TABLE t MODIFY a BIGINT;",
     "INSTANT"),
    ("CREATE TABLE t (id INT PRIMARY KEY, a INT(11));", "ALTER TABLE t MODIFY a BIGINT(20);",
     "COPY"),
    ("CREATE TABLE t (id INT PRIMARY KEY, a TINYINT(1));", "ALTER TABLE t MODIFY a TINYINT(4);",
     "INSTANT"),
])
def test_an_integer_display_width_is_not_a_type_change(setup: str, sql: str, algorithm: str,
                                                       dialect: str) -> None:
    (statement,) = lint(setup, sql, dialect)[1].statements
    summary = next(a.facts for a in statement.effect.actions if a.kind == "mysql_alter_table")
    assert summary["algorithm"] == algorithm


@pytest.mark.parametrize(("sql", "mysql", "mariadb"), [
    # MySQL: "adding or dropping a virtual column cannot be performed in place in combination
    # with other ALTER TABLE operations" (the manual's "ALTER TABLE and Generated Columns"),
    # but for ADD INDEX and DROP INDEX, which InnoDB runs beside them in place
    # (handler0alter.cc, check_if_supported_inplace_alter: ADD_INDEX and DROP_INDEX are masked
    # out with the virtual column flags; ADD_UNIQUE_INDEX is not)
    ("ALTER TABLE events ADD COLUMN w INT AS (n + 2) VIRTUAL, ADD INDEX events_n (n);",
     ("INPLACE", True), ("NOCOPY", True)),
    ("ALTER TABLE events DROP COLUMN v, ADD INDEX events_n (n);",
     ("INPLACE", True), ("NOCOPY", True)),
    # (checked on MariaDB 10.11: "INPLACE ADD or DROP of virtual columns cannot be combined
    # with other ALTER TABLE actions. Try ALGORITHM=COPY", for ADD and for DROP)
    ("ALTER TABLE events ADD COLUMN w INT AS (n + 2) VIRTUAL, ADD UNIQUE INDEX events_n (n);",
     ("COPY", False), ("COPY", False)),
    ("ALTER TABLE events DROP COLUMN v, ADD UNIQUE INDEX events_n (n);",
     ("COPY", False), ("COPY", False)),
    ("ALTER TABLE events ADD COLUMN w INT AS (n + 2) VIRTUAL, MODIFY n BIGINT;",
     ("COPY", False), ("COPY", False)),
    # the index on the new VIRTUAL column: both build it with writes waiting (InnoDB: a key
    # part on an added virtual column turns LOCK=NONE off)
    ("ALTER TABLE events ADD COLUMN w INT AS (n + 2) VIRTUAL, ADD INDEX events_w (w);",
     ("INPLACE", False), ("NOCOPY", False)),
    # MySQL: instant beside instant operations; MariaDB copies to add a VIRTUAL column
    # beside a stored one
    ("ALTER TABLE events ADD COLUMN w INT AS (n + 2) VIRTUAL, ADD COLUMN x INT;",
     ("INSTANT", True), ("COPY", False)),
])
def test_a_virtual_column_beside_other_operations(sql: str, mysql: tuple,
                                                  mariadb: tuple) -> None:
    for dialect, expected in (("mysql", mysql), ("mariadb", mariadb)):
        (statement,) = lint(PLAIN, sql, dialect)[1].statements
        summary = next(a.facts for a in statement.effect.actions
                       if a.kind == "mysql_alter_table")
        assert (summary["algorithm"], summary["permits_dml"]) == expected, dialect
