"""Statements MariaDB runs (checked on 10.11: test_they_run_on_mariadb) that sqlglot's MySQL
grammar cannot read: read, not a parse-error, and what the model needs of them kept (the
table a DROP drops, the columns a CREATE TABLE makes)."""

from __future__ import annotations

import pytest

from lockwise.parse.mysql import parse_mysql

SETUP = ("CREATE SEQUENCE s0; CREATE TABLE t (id INT PRIMARY KEY, n INT, KEY t_n (n)); "
         "CREATE TABLE t2 (id INT PRIMARY KEY);")

#: (statement, whether MySQL reads it too)
READ = [
    ("DROP TABLE t2 WAIT 5", False),
    ("DROP TABLE IF EXISTS t2 NOWAIT", False),
    ("DROP INDEX t_n ON t WAIT 3", False),
    ("DROP INDEX t_n ON t NOWAIT", False),
    ("CREATE TABLE sq (id INT DEFAULT NEXT VALUE FOR s0 PRIMARY KEY)", False),
    ("CREATE TABLE sq (id INT DEFAULT (NEXT VALUE FOR s0) PRIMARY KEY)", False),
    ("CREATE TABLE sv (id INT, n INT WITHOUT SYSTEM VERSIONING) WITH SYSTEM VERSIONING",
     False),
    ("CREATE TABLE sv (id INT, n INT WITH SYSTEM VERSIONING)", False),
    ("CREATE TABLE ap (id INT, d1 DATE, d2 DATE, PERIOD FOR p(d1, d2))", False),
    ("CREATE TABLE ap (id INT, d1 DATE, d2 DATE, PERIOD FOR p (d1, d2), "
     "UNIQUE (id, p WITHOUT OVERLAPS))", False),
    ("CREATE TABLE pk (a INT, b INT, PRIMARY KEY (a, b DESC))", True),
    ("CREATE TABLE sq (id INT PRIMARY KEY, c TEXT COMPRESSED=zlib NOT NULL, "
     "v VARCHAR(100) COMPRESSED DEFAULT 'x') ROW_FORMAT=COMPRESSED", False),
    ("ANALYZE TABLE t PERSISTENT FOR ALL", False),
    ("ANALYZE TABLE t PERSISTENT FOR COLUMNS (n) INDEXES (t_n)", False),
]


@pytest.mark.parametrize(("sql", "mysql"), READ)
def test_mariadb_reads_it(sql: str, mysql: bool) -> None:
    parsed = parse_mysql(sql + ";", "mariadb")
    assert parsed.problems == [] and len(parsed.statements) == 1, parsed.problems


@pytest.mark.parametrize(("sql", "mysql"), READ)
def test_mysql_reads_only_its_own(sql: str, mysql: bool) -> None:
    assert (parse_mysql(sql + ";", "mysql").problems == []) is mysql


def test_the_created_table_keeps_its_columns() -> None:
    """The rewritten CREATE TABLE still reaches the catalog: a later DROP COLUMN IF EXISTS
    of a column it lacks does nothing."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    for created, column in [(READ[4][0], "id"), (READ[7][0], "n"), (READ[8][0], "d2"),
                            (READ[10][0], "b")]:
        name = created.split()[2]
        reports = lint_migrations(
            [migration_from_text(created + ";", "1_a.sql"),
             migration_from_text(f"ALTER TABLE {name} DROP COLUMN IF EXISTS {column}, "
                                 f"DROP COLUMN IF EXISTS nope;", "2_b.sql")],
            LintOptions(dialect="mariadb"))
        operations = [a.facts["operation"] for s in reports[1].statements
                      for a in s.effect.actions if a.kind == "mysql_alter"]
        # the drop of the column it lacks does nothing (one drop, of the column it has)
        assert sum(op.startswith("drop_column") for op in operations) == 1, (created,
                                                                           operations)


def test_they_run_on_mariadb(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE false_parse", "mysql").returncode == 0
    for sql, _ in READ:
        ran = mariadb.run("DROP TABLE IF EXISTS t, t2, sq, sv, ap, pk; DROP SEQUENCE IF "
                          f"EXISTS s0; {SETUP} {sql}", "false_parse", whole=True)
        assert ran.returncode == 0, (sql, ran.stderr)
