"""ALGORITHM= and LOCK= clauses with a partition operation on MariaDB (fix-mysql50). Checked on
MariaDB 10.11 (10.11.19) for every operation and every value (NONE, SHARED, EXCLUSIVE,
DEFAULT; INPLACE, COPY, DEFAULT, INSTANT, NOCOPY): a partition operation takes none, after it
(`DROP PARTITION p0, LOCK=NONE`), before it with a comma or before it with none
(`LOCK=NONE DROP PARTITION p0`, which stops at DROP): 1064 each time. PARTITION BY and REMOVE
PARTITIONING take them before them with no comma, and answer as for any copy: LOCK=NONE is
1846, ALGORITHM=INPLACE 1845, LOCK=SHARED and ALGORITHM=COPY run."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE t (id INT NOT NULL, v INT, PRIMARY KEY (id))
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100),
                           PARTITION p1 VALUES LESS THAN (200),
                           PARTITION p2 VALUES LESS THAN MAXVALUE);
CREATE TABLE x (id INT NOT NULL, v INT, PRIMARY KEY (id));
"""

OPERATIONS = [
    "ANALYZE PARTITION p0", "CHECK PARTITION p0", "OPTIMIZE PARTITION p0",
    "REPAIR PARTITION p0", "TRUNCATE PARTITION p0", "REBUILD PARTITION p0",
    "DROP PARTITION p0",
    "EXCHANGE PARTITION p2 WITH TABLE x", "CONVERT PARTITION p0 TO TABLE c0",
    "REORGANIZE PARTITION p2 INTO (PARTITION p2 VALUES LESS THAN (300), "
    "PARTITION p3 VALUES LESS THAN MAXVALUE)",
]
CLAUSES = ["LOCK=NONE", "LOCK=SHARED", "LOCK = EXCLUSIVE", "LOCK=DEFAULT", "ALGORITHM=INPLACE",
           "ALGORITHM=COPY"]
#: (the clauses and the operation as written, where the server stops)
REFUSED = [(f"{clause} {operation}", operation.split()[0])
           for operation in OPERATIONS for clause in CLAUSES] + [
    (f"{operation}, LOCK=NONE", None) for operation in OPERATIONS[:2]] + [
    (f"LOCK=SHARED, {operation}", None) for operation in OPERATIONS[:2]]
#: (clauses and a repartitioning, the rule that says the server refuses it, or None)
REPARTITIONED = [
    ("LOCK=SHARED REMOVE PARTITIONING", None),
    ("ALGORITHM=COPY REMOVE PARTITIONING", None),
    ("LOCK=EXCLUSIVE PARTITION BY HASH (id) PARTITIONS 2", None),
    ("ALGORITHM=COPY PARTITION BY HASH (id) PARTITIONS 2", None),
    ("LOCK=NONE REMOVE PARTITIONING", "mysql-lock-not-supported"),
    ("LOCK=NONE PARTITION BY HASH (id) PARTITIONS 2", "mysql-lock-not-supported"),
    ("ALGORITHM=INPLACE REMOVE PARTITIONING", "mysql-algorithm-not-supported"),
]
_SERVER_ERRORS = {None: None, "mysql-lock-not-supported": "ERROR 1846",
                  "mysql-algorithm-not-supported": "ERROR 1845"}


def _findings(report, rule: str) -> list:
    return [f for f in report.all_findings if f.rule == rule]


@pytest.mark.parametrize(("sql", "near"), REFUSED)
def test_a_partition_operation_takes_no_clause(lint_change, sql: str, near: str | None
                                               ) -> None:
    (error,) = _findings(lint_change(f"ALTER TABLE t {sql};", "mariadb"), "parse-error")
    assert "1064" in error.message
    assert near is None or f"near '{near}" in error.message, error.message


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_operation_alone_is_no_parse_error(lint_change, operation: str) -> None:
    assert _findings(lint_change(f"ALTER TABLE t {operation};", "mariadb"), "parse-error") == []


@pytest.mark.parametrize(("sql", "rule"), REPARTITIONED)
def test_a_repartitioning_takes_them_before_it(lint_change, sql: str, rule: str | None) -> None:
    report = lint_change(f"ALTER TABLE t {sql};", "mariadb")
    rules = {f.rule for f in report.all_findings}
    assert "parse-error" not in rules and "mysql-table-copy" in rules, rules
    refusals = {"mysql-lock-not-supported", "mysql-algorithm-not-supported"} & rules
    assert refusals == ({rule} if rule else set()), report.all_findings


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS plock; CREATE DATABASE plock", "mysql"
                       ).returncode == 0
    assert mariadb.run(SETUP, "plock").returncode == 0


@pytest.mark.parametrize(("sql", "near"), REFUSED)
def test_mariadb_refuses_it(mariadb, sql: str, near: str | None) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"ALTER TABLE t {sql}", "plock")
    assert "ERROR 1064" in ran.stderr, (sql, ran.stderr)
    assert near is None or f"near '{near}" in ran.stderr, ran.stderr


@pytest.mark.parametrize(("sql", "rule"), REPARTITIONED)
def test_mariadb_answers_a_repartitioning(mariadb, sql: str, rule: str | None) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"ALTER TABLE t {sql}", "plock")
    if (error := _SERVER_ERRORS[rule]) is None:
        assert ran.returncode == 0, (sql, ran.stderr)
    else:
        assert error in ran.stderr, (sql, ran.stderr)
