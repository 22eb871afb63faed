"""An ALTER TABLE's ALGORITHM= / LOCK= clauses written beside another clause with no comma, and
words after its PARTITION BY clause (fix-mysql53) or its ORDER BY list (fix-mysql54): the
server answers 1064 at the word its message names (checked on MariaDB 10.11 below; MySQL 8's
sql/sql_yacc.yy joins alter_list's items with ',' and ends the ALTER TABLE with
partition_clause or alter_order_clause). lockwise reported the operations' algorithm
(mysql-algorithm-not-supported) or nothing, or, before a partition operation, the
operation's first word instead of the second modifier's."""

from __future__ import annotations

import re

import pytest

SETUP = """CREATE TABLE t (id INT NOT NULL, v INT, PRIMARY KEY (id));
CREATE TABLE r (id INT NOT NULL, PRIMARY KEY (id))
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100),
                           PARTITION p1 VALUES LESS THAN MAXVALUE);
"""
#: (an ALTER TABLE the server refuses, the text its 1064 is near, without a leading space).
REFUSED = [
    # a modifier after another clause, or before one, with no comma
    ("t ADD COLUMN c INT ALGORITHM=INPLACE LOCK=NONE", "ALGORITHM=INPLACE LOCK=NONE"),
    ("t ADD COLUMN c INT, ALGORITHM=INPLACE LOCK=NONE", "LOCK=NONE"),
    ("t ALGORITHM=INPLACE LOCK=NONE ADD COLUMN c INT", "LOCK=NONE ADD COLUMN c INT"),
    ("t ALGORITHM=INPLACE, LOCK=NONE ADD COLUMN c INT", "ADD COLUMN c INT"),
    ("t ADD COLUMN c INT LOCK=NONE", "LOCK=NONE"),
    ("t ADD COLUMN c INT LOCK NONE", "LOCK NONE"),
    ("t ENGINE=InnoDB ALGORITHM=INPLACE", "ALGORITHM=INPLACE"),
    ("t FORCE LOCK=NONE", "LOCK=NONE"),
    ("t LOCK=NONE ALGORITHM=INPLACE", "ALGORITHM=INPLACE"),
    ("t ADD INDEX iv (v) ALGORITHM=INPLACE", "ALGORITHM=INPLACE"),
    ("t ALGORITHM=INPLACE DROP COLUMN v", "DROP COLUMN v"),
    # two modifiers before a partition operation: at the second (it was the operation)
    ("r ALGORITHM=INPLACE LOCK=NONE DROP PARTITION p0", "LOCK=NONE DROP PARTITION p0"),
    ("r LOCK=SHARED ALGORITHM=COPY TRUNCATE PARTITION p0",
     "ALGORITHM=COPY TRUNCATE PARTITION p0"),
    ("r ALGORITHM=INPLACE LOCK=NONE REMOVE PARTITIONING", "LOCK=NONE REMOVE PARTITIONING"),
    # a word after PARTITION BY's clause (after a comma, the word after it)
    ("t PARTITION BY HASH (id) PARTITIONS 2 ALGORITHM=INPLACE", "ALGORITHM=INPLACE"),
    ("t PARTITION BY HASH (id) PARTITIONS 2, ALGORITHM=INPLACE", "ALGORITHM=INPLACE"),
    ("t PARTITION BY KEY ALGORITHM=2 (id) PARTITIONS 2 LOCK=NONE", "LOCK=NONE"),
    ("t PARTITION BY HASH (id) PARTITIONS 2 ADD COLUMN c INT", "ADD COLUMN c INT"),
    ("t PARTITION BY HASH (id) ENGINE=InnoDB", "ENGINE=InnoDB"),
    ("t PARTITION BY HASH (id) REMOVE PARTITIONING", "REMOVE PARTITIONING"),
    ("t ADD COLUMN c INT PARTITION BY HASH (id) PARTITIONS 2, ALGORITHM=INPLACE",
     "ALGORITHM=INPLACE"),
    ("t PARTITION BY RANGE (id) SUBPARTITION BY HASH (id) SUBPARTITIONS 2 (PARTITION a "
     "VALUES LESS THAN (10), PARTITION b VALUES LESS THAN MAXVALUE), ADD COLUMN c INT",
     "ADD COLUMN c INT"),
    # the comma before PARTITION BY comes first (mariadb_refusals, fix-mysql52)
    ("t ADD COLUMN c INT, PARTITION BY HASH (id) PARTITIONS 2, ALGORITHM=INPLACE",
     "PARTITION BY HASH (id) PARTITIONS 2, ALGORITHM=INPLACE"),
    # ORDER BY's columns end the ALTER TABLE: after a comma a word is a column, and the `=`
    # after it the error; a reserved word the error itself (fix-mysql54)
    ("t ORDER BY v, ALGORITHM=COPY", "=COPY"),
    ("t ORDER BY v DESC, id, LOCK=SHARED", "LOCK=SHARED"),
    ("t ORDER BY v ADD COLUMN c INT", "ADD COLUMN c INT"),
    ("t ORDER BY v ASC, id ALGORITHM=COPY", "ALGORITHM=COPY"),
    ("t ORDER BY v, DROP COLUMN v", "DROP COLUMN v"),
]
#: MariaDB's: after its lock wait (WAIT n | NOWAIT), which MySQL refuses first.
MARIADB_REFUSED = [
    ("t NOWAIT ALGORITHM=INPLACE LOCK=NONE, ADD COLUMN c INT", "LOCK=NONE, ADD COLUMN c INT"),
    ("t WAIT 5 LOCK=NONE ALGORITHM=INPLACE", "ALGORITHM=INPLACE"),
]
#: ALTER TABLEs the server runs: a clause of its own after each comma, PARTITION BY last with
#: no comma before it, KEY's ALGORITHM= inside it, ALGORITHM / LOCK as a name.
READ = [
    "t ALGORITHM=INPLACE, LOCK=NONE, ADD COLUMN c INT",
    "t ADD COLUMN c INT, ENGINE=InnoDB ROW_FORMAT=DYNAMIC",
    "t ADD COLUMN algorithm INT, ALGORITHM=INPLACE",
    "t CHANGE v algorithm INT, LOCK=SHARED",
    "t ADD COLUMN `lock` INT",
    "t ALGORITHM=COPY PARTITION BY KEY ALGORITHM=2 (id) PARTITIONS 2",
    "t PARTITION BY LINEAR KEY ALGORITHM=1 (id) PARTITIONS 2",
    "t ADD COLUMN c INT PARTITION BY RANGE (id) SUBPARTITION BY HASH (id) SUBPARTITIONS 2 "
    "(PARTITION a VALUES LESS THAN (10), PARTITION b VALUES LESS THAN MAXVALUE)",
    "r LOCK=SHARED REMOVE PARTITIONING",
    "t ADD COLUMN c INT, ORDER BY v",
    "t ALGORITHM=COPY, LOCK=SHARED, ORDER BY v DESC, id",
    "t ORDER BY t.v, `id` DESC",
]


def _errors(report) -> list:
    return [f for f in report.all_findings if f.rule == "parse-error"]


@pytest.mark.parametrize(("sql", "near", "dialect"),
                         [(*case, dialect) for case in REFUSED for dialect in ("mysql", "mariadb")]
                         + [(*case, "mariadb") for case in MARIADB_REFUSED])
def test_the_error_names_the_word_the_server_stops_at(lint_change, sql: str, near: str,
                                                      dialect: str) -> None:
    change = f"ALTER TABLE {sql};"
    (error,) = _errors(lint_change(change, dialect))
    assert f"error 1064 near '{near}'" in error.message, error.message
    assert error.span is not None and error.span.line == 1
    assert error.span.column == change.index(near) + 1


@pytest.mark.parametrize("sql", READ)
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_server_s_forms_read_without_error(lint_change, sql: str, dialect: str) -> None:
    assert _errors(lint_change(f"ALTER TABLE {sql};", dialect)) == []


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_partition_by_key_algorithm_is_no_alter_algorithm(lint_change, dialect: str) -> None:
    """PARTITION BY KEY ALGORITHM=2 picks the key's hash function: it was read as the ALTER's
    ALGORITHM=2, which the server 'refuses'."""
    report = lint_change("ALTER TABLE t PARTITION BY KEY ALGORITHM=2 (id) PARTITIONS 2;",
                         dialect)
    rules = {f.rule for f in report.all_findings}
    assert "mysql-algorithm-not-supported" not in rules and "mysql-table-copy" in rules


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize(("sql", "near"), REFUSED + MARIADB_REFUSED)
def test_mariadb_stops_there(mariadb, sql: str, near: str) -> None:
    mariadb.fresh("alist", SETUP)
    ran = mariadb.run(f"ALTER TABLE {sql}", "alist", whole=True)
    found = re.search(r"ERROR 1064 .* near '(.*)' at line", ran.stderr)
    assert found is not None and found.group(1).lstrip() == near, (sql, ran.stderr)


@pytest.mark.parametrize("sql", READ)
def test_mariadb_runs_it(mariadb, sql: str) -> None:
    mariadb.fresh("alist", SETUP)
    ran = mariadb.run(f"ALTER TABLE {sql}", "alist")
    assert ran.returncode == 0, (sql, ran.stderr)
