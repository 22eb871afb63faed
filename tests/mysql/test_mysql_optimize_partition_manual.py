"""OPTIMIZE PARTITION on InnoDB as the MySQL 8 manual describes it (fix-mysql52; not checked on
a MySQL server): "ALGORITHM and LOCK clauses are ignored. Rebuilds the entire table" (8.0 / 8.4
manual, "Online DDL Operations", Online DDL Support for Partitioning Operations: In Place No,
Permits DML No), and InnoDB "analyzes and rebuilds the entire table ... Use ALTER TABLE ...
REBUILD PARTITION and ALTER TABLE ... ANALYZE PARTITION instead" (26.3.4 "Maintenance of
Partitions"). MariaDB's in-place rebuild (measured, fix-mysql50) is kept; the advice is checked
on MariaDB 10.11 below."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE t (id INT NOT NULL, v INT, PRIMARY KEY (id))
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100),
                           PARTITION p1 VALUES LESS THAN (200),
                           PARTITION p2 VALUES LESS THAN MAXVALUE);
"""
#: The clauses MySQL ignores before OPTIMIZE PARTITION (each with its comma).
CLAUSES = ["LOCK=NONE", "LOCK=SHARED", "ALGORITHM=INPLACE", "ALGORITHM=INSTANT",
           "ALGORITHM=COPY", "ALGORITHM=INPLACE, LOCK=NONE"]
#: (OPTIMIZE PARTITION as written, the REBUILD and ANALYZE PARTITION the advice gives)
WRITTEN = [
    ("OPTIMIZE PARTITION p0", "REBUILD PARTITION p0", "ANALYZE PARTITION p0"),
    ("OPTIMIZE PARTITION p0, p1", "REBUILD PARTITION p0, p1", "ANALYZE PARTITION p0, p1"),
    ("OPTIMIZE PARTITION NO_WRITE_TO_BINLOG p0", "REBUILD PARTITION NO_WRITE_TO_BINLOG p0",
     "ANALYZE PARTITION NO_WRITE_TO_BINLOG p0"),
    ("optimize partition ALL", "REBUILD partition ALL", "ANALYZE partition ALL"),
]
_REFUSALS = {"mysql-lock-not-supported", "mysql-algorithm-not-supported", "parse-error"}


def _rules(report) -> set[str]:
    return {f.rule for f in report.all_findings}


@pytest.mark.parametrize("clause", CLAUSES)
def test_mysql_ignores_the_clauses(lint_change, clause: str) -> None:
    """They were refused (LOCK=NONE "needs at least LOCK=SHARED", ALGORITHM=INPLACE "the
    cheapest is COPY"), and ALGORITHM=COPY was said to be what made it copy. It is still a
    copy that blocks writes (the manual's table; tests/mysql/test_mysql_model.py)."""
    report = lint_change(f"ALTER TABLE t {clause}, OPTIMIZE PARTITION p0;", "mysql")
    assert _rules(report) & _REFUSALS == set(), report.all_findings
    (copy,) = [f for f in report.all_findings if f.rule == "mysql-table-copy"]
    assert "can only run as ALGORITHM=COPY" in copy.message


@pytest.mark.parametrize(("dialect", "rule"), [("mysql", "mysql-table-copy"),
                                               ("mariadb", "mysql-table-rebuild")])
@pytest.mark.parametrize(("written", "rebuild", "analyze"), WRITTEN)
def test_it_says_the_whole_table_is_rebuilt_and_gives_the_manuals_advice(
        lint_change, dialect: str, rule: str, written: str, rebuild: str, analyze: str) -> None:
    """The advice was an online schema change tool's --alter 'OPTIMIZE PARTITION p0' (which
    no tool runs) on MySQL, and `OPTIMIZE PARTITION p0, ALGORITHM=INPLACE, LOCK=NONE` (a 1064)
    on MariaDB."""
    report = lint_change(f"ALTER TABLE t {written};", dialect)
    (finding,) = [f for f in report.all_findings if f.rule == rule]
    assert "rebuilds and analyzes every partition" in finding.message
    assert f"ALTER TABLE t {rebuild};\nALTER TABLE t {analyze};" in finding.instead, \
        finding.instead
    assert "gh-ost" not in finding.instead and "ALGORITHM=" not in finding.instead


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_advice_quotes_a_reserved_name(lint_change, dialect: str) -> None:
    setup = SETUP.replace("CREATE TABLE t ", "CREATE TABLE `order` ")
    report = lint_change("ALTER TABLE `order` OPTIMIZE PARTITION p0;", dialect, setup=setup)
    (finding,) = [f for f in report.all_findings if f.rule.startswith("mysql-table-")]
    assert "ALTER TABLE `order` REBUILD PARTITION p0;\nALTER TABLE `order` ANALYZE PARTITION " \
        "p0;" in finding.instead, finding.instead


def test_another_rebuild_keeps_its_advice(lint_change) -> None:
    report = lint_change("ALTER TABLE t FORCE;", "mariadb")
    (finding,) = [f for f in report.all_findings if f.rule == "mysql-table-rebuild"]
    assert "ALTER TABLE t FORCE, ALGORITHM=INPLACE, LOCK=NONE;" in finding.instead
    assert "every partition" not in finding.message


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS popt; CREATE DATABASE popt", "mysql"
                       ).returncode == 0
    assert mariadb.run(SETUP, "popt").returncode == 0


@pytest.mark.parametrize(("written", "rebuild", "analyze"), WRITTEN)
def test_mariadb_runs_the_advice(mariadb, lint_change, written: str, rebuild: str,
                                 analyze: str) -> None:
    _fresh(mariadb)
    (finding,) = [f for f in lint_change(f"ALTER TABLE t {written};", "mariadb").all_findings
                  if f.rule == "mysql-table-rebuild"]
    ran = mariadb.run(finding.instead, "popt")
    assert ran.returncode == 0 and "error" not in ran.stdout.lower(), (finding.instead,
                                                                        ran.stdout, ran.stderr)


def test_mariadb_refused_the_old_advice(mariadb) -> None:
    _fresh(mariadb)
    ran = mariadb.run("ALTER TABLE t OPTIMIZE PARTITION p0, ALGORITHM=INPLACE, LOCK=NONE",
                      "popt")
    assert "ERROR 1064" in ran.stderr, ran.stderr
