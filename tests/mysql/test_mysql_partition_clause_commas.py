"""Where the commas go around a partition operation, PARTITION BY and REMOVE PARTITIONING
(fix-mysql52).

MySQL 8 reads ALGORITHM= / LOCK= / {WITH | WITHOUT} VALIDATION before a partition operation
only with a comma after them (sql/sql_yacc.yy: `standalone_alter_table_action:
standalone_alter_commands | alter_commands_modifier_list ',' standalone_alter_commands`), and
PARTITION BY / REMOVE PARTITIONING after the other clauses with none (`opt_alter_table_actions:
opt_alter_command_list alter_table_partition_options`; the manual, "ALTER TABLE Statement",
Partitioning Options: they "must be specified last after any other specifications"). Not
checked on a MySQL server. MariaDB 10.11 refuses the same commas before PARTITION BY and REMOVE
PARTITIONING, and an ALGORITHM= / LOCK= before a partition operation however it is written
(checked below)."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE t (id INT NOT NULL, v INT, PRIMARY KEY (id))
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100),
                           PARTITION p1 VALUES LESS THAN (200),
                           PARTITION p2 VALUES LESS THAN MAXVALUE);
CREATE TABLE x (id INT NOT NULL, v INT, PRIMARY KEY (id));
"""
OPERATIONS = ["DROP PARTITION p0", "TRUNCATE PARTITION p0", "OPTIMIZE PARTITION p0",
              "REBUILD PARTITION p0", "ANALYZE PARTITION p0",
              "EXCHANGE PARTITION p2 WITH TABLE x"]
#: (an ALTER TABLE t's clauses MySQL refuses, the word it stops at): a modifier with no comma
#: before the operation.
MYSQL_REFUSED = [(f"{clause} {operation}", operation.split()[0])
                 for operation in OPERATIONS
                 for clause in ("LOCK=NONE", "ALGORITHM=INPLACE", "LOCK = SHARED")] + [
    ("ALGORITHM=INPLACE, LOCK=NONE DROP PARTITION p0", "DROP"),
    ("WITHOUT VALIDATION EXCHANGE PARTITION p2 WITH TABLE x", "EXCHANGE"),
    ("ADD COLUMN z INT, LOCK=NONE DROP PARTITION p0", "DROP"),
]
#: What MySQL reads: the modifiers, each followed by a comma.
MYSQL_READ = [f"LOCK=NONE, {operation}" for operation in OPERATIONS] + [
    "ALGORITHM=INPLACE, LOCK=NONE, DROP PARTITION p0",
    "WITHOUT VALIDATION, EXCHANGE PARTITION p2 WITH TABLE x",
    "LOCK=SHARED REMOVE PARTITIONING", "ADD COLUMN z INT REMOVE PARTITIONING",
    "ALGORITHM=COPY PARTITION BY HASH (id) PARTITIONS 2",
]
#: (clauses both servers refuse, the word they stop at): a comma before PARTITION BY or
#: REMOVE PARTITIONING.
REPARTITION_REFUSED = [
    ("LOCK=SHARED, REMOVE PARTITIONING", "REMOVE"),
    ("ADD COLUMN z INT, REMOVE PARTITIONING", "REMOVE"),
    ("ALGORITHM=COPY, PARTITION BY HASH (id) PARTITIONS 2", "PARTITION"),
    ("LOCK=SHARED, PARTITION BY HASH (id) PARTITIONS 2", "PARTITION"),
    ("ADD COLUMN z INT, PARTITION BY HASH (id) PARTITIONS 2", "PARTITION"),
    ("ADD COLUMN z INT,\n  partition /* x */ by HASH (id) PARTITIONS 2", "partition"),
]
#: (clauses MariaDB refuses, the word it stops at): ALGORITHM= / LOCK= after a comma, right
#: before the operation (fix-mysql50 read the first clause only).
MARIADB_REFUSED = [
    ("ALGORITHM=INPLACE, LOCK=NONE DROP PARTITION p0", "DROP"),
    ("ADD COLUMN z INT, LOCK=NONE DROP PARTITION p0", "DROP"),
    ("ALGORITHM=COPY, LOCK=SHARED TRUNCATE PARTITION p0", "TRUNCATE"),
]


def _errors(report) -> list[str]:
    return [f.message for f in report.all_findings if f.rule == "parse-error"]


@pytest.mark.parametrize(("sql", "near"), MYSQL_REFUSED)
def test_mysql_wants_a_comma_after_the_modifiers(lint_change, sql: str, near: str) -> None:
    (error,) = _errors(lint_change(f"ALTER TABLE t {sql};", "mysql"))
    assert f"error 1064 near '{near}" in error, error
    assert "only with a comma after them" in error


@pytest.mark.parametrize("sql", MYSQL_READ)
def test_mysql_reads_the_modifiers_with_their_comma(lint_change, sql: str) -> None:
    assert _errors(lint_change(f"ALTER TABLE t {sql};", "mysql")) == []


@pytest.mark.parametrize(("sql", "near"), REPARTITION_REFUSED)
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_no_comma_before_a_repartitioning(lint_change, sql: str, near: str, dialect: str
                                          ) -> None:
    (error,) = _errors(lint_change(f"ALTER TABLE t {sql};", dialect))
    assert f"error 1064 near '{near}" in error, error
    assert "with no comma before it" in error


@pytest.mark.parametrize(("sql", "near"), MARIADB_REFUSED)
def test_mariadb_refuses_a_modifier_after_a_comma_before_the_operation(
        lint_change, sql: str, near: str) -> None:
    (error,) = _errors(lint_change(f"ALTER TABLE t {sql};", "mariadb"))
    assert f"error 1064 near '{near}" in error, error


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS pcomma; CREATE DATABASE pcomma", "mysql"
                       ).returncode == 0
    assert mariadb.run(SETUP, "pcomma").returncode == 0


@pytest.mark.parametrize(("sql", "near"), REPARTITION_REFUSED + MARIADB_REFUSED)
def test_mariadb_refuses_it(mariadb, sql: str, near: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"ALTER TABLE t {sql}", "pcomma", whole=True, comments=True)
    assert "ERROR 1064" in ran.stderr and f"near '{near}" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", ["LOCK=SHARED REMOVE PARTITIONING",
                                 "ADD COLUMN z INT REMOVE PARTITIONING",
                                 "ALGORITHM=COPY PARTITION BY HASH (id) PARTITIONS 2"])
def test_mariadb_runs_it_without_the_comma(mariadb, lint_change, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"ALTER TABLE t {sql}", "pcomma")
    assert ran.returncode == 0, (sql, ran.stderr)
    assert _errors(lint_change(f"ALTER TABLE t {sql};", "mariadb")) == []


# --- the operations before a PARTITION BY / REMOVE PARTITIONING (fix-small72) ----------------

#: (clauses, the operations lockwise reads, the columns after them, partitions after them):
#: what MariaDB 10.11 did with each on SETUP's t (checked below), MySQL's grammar alike.
BEFORE_REPARTITIONING = [
    ("ADD COLUMN z INT PARTITION BY HASH (id) PARTITIONS 4",
     ("add_column_last", "repartition"), "id,v,z", 4),
    ("ADD COLUMN z INT, ADD INDEX iz (z) PARTITION BY HASH (id) PARTITIONS 4",
     ("add_column_last", "add_index", "repartition"), "id,v,z", 4),
    ("ADD COLUMN z INT REMOVE PARTITIONING", ("add_column_last", "repartition"), "id,v,z", 0),
    ("DROP COLUMN v REMOVE PARTITIONING", ("drop_column", "repartition"), "id", 0),
]


@pytest.mark.parametrize(("sql", "operations", "columns", "partitions"),
                         BEFORE_REPARTITIONING)
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_operations_before_a_repartitioning_are_read(
        sql: str, operations: tuple[str, ...], columns: str, partitions: int,
        dialect: str) -> None:
    """The clause before PARTITION BY / REMOVE PARTITIONING, with no comma between, is an
    operation of its own: it was read as the repartitioning only (no column added)."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    report = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                              migration_from_text(f"ALTER TABLE t {sql};", "2_change.sql")],
                             LintOptions(dialect=dialect), catalog)[1]
    (statement,) = report.statements
    assert statement.effect.actions[0].facts["operations"] == operations
    table = catalog.tables[next(k for k in catalog.tables if k.endswith("t"))]
    assert ",".join(table.columns) == columns
    assert (table.kind == "partitioned") == bool(partitions)


@pytest.mark.parametrize(("sql", "operations", "columns", "partitions"),
                         BEFORE_REPARTITIONING)
def test_mariadb_runs_both_operations(mariadb, sql: str, operations: tuple[str, ...],
                                      columns: str, partitions: int) -> None:
    _fresh(mariadb)
    ran = mariadb.run(
        f"ALTER TABLE t {sql}; SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'pcomma' AND TABLE_NAME = 't'; "
        "SELECT COUNT(PARTITION_NAME) FROM information_schema.PARTITIONS "
        "WHERE TABLE_SCHEMA = 'pcomma' AND TABLE_NAME = 't'", "pcomma")
    assert ran.returncode == 0, (sql, ran.stderr)
    assert ran.stdout.split() == [columns, str(partitions)]
