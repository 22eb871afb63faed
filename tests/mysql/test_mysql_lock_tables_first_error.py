"""Under LOCK TABLES, the server's first error for a statement it refuses: it opens every
table the statement needs, and refuses the first one not locked (error 1100) before it checks
the lock types (error 1099, a write of a table locked READ). On MariaDB the tables whose
foreign keys reference a written table are among those it needs (prelocked as the write's
metadata locks say: effects/mysql.py's _key_action_locks), unless a table the session locked
WRITE prelocked them at its LOCK TABLES, foreign_key_checks on or off. Each checked on MariaDB
10.11 (checked on 10.11.19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_mysql_load_data import SETUP

#: (statements, the table named by the first refusal lockwise reports, the server's error),
#: each run on MariaDB 10.11 too; {csv} names a data file.
FIRST = [
    ("LOCK TABLES t READ; LOAD DATA INFILE '{csv}' INTO TABLE t FIELDS TERMINATED BY ','",
     "c", "ERROR 1100"),
    ("LOCK TABLES t READ; INSERT INTO t VALUES (5, 5)", "c", "ERROR 1100"),
    ("LOCK TABLES t READ; REPLACE INTO t VALUES (5, 5)", "c", "ERROR 1100"),
    ("LOCK TABLES t READ; DELETE FROM t WHERE id = 9", "c", "ERROR 1100"),
    ("SET foreign_key_checks = 0; LOCK TABLES t READ; INSERT INTO t VALUES (5, 5)", "c",
     "ERROR 1100"),
    ("LOCK TABLES u READ, t READ; UPDATE u, t SET u.b = 1, t.a = 1 WHERE u.id = t.id", "c",
     "ERROR 1100"),
    ("LOCK TABLES t READ; INSERT INTO t SELECT * FROM u", "u", "ERROR 1100"),
    ("LOCK TABLES u READ; INSERT INTO t VALUES (5, 5)", "t", "ERROR 1100"),
    ("LOCK TABLES t READ, c READ; INSERT INTO t VALUES (5, 5)", "t", "ERROR 1099"),
    ("LOCK TABLES t READ, u READ; INSERT INTO u SELECT * FROM t", "u", "ERROR 1099"),
    ("LOCK TABLES t WRITE; INSERT INTO t VALUES (5, 5)", None, None),
    ("LOCK TABLES t WRITE; DELETE FROM t WHERE id = 9", None, None),
    ("LOCK TABLES t WRITE; LOAD DATA INFILE '{csv}' INTO TABLE t FIELDS TERMINATED BY ','",
     None, None),
    ("LOCK TABLES c WRITE, t WRITE; DELETE FROM t WHERE id = 9", None, None),
]


def _refused(report) -> list[str]:
    """The tables the findings of mysql-table-not-locked name, with their error codes."""
    return [f.message.split(" ", 1)[0] for s in report.statements for f in s.findings
            if f.rule == "mysql-table-not-locked"]


@pytest.mark.parametrize(("sql", "refused", "error"), FIRST)
def test_the_first_error_is_the_servers(lint_change, mariadb, tmp_path: Path, sql: str,
                                        refused, error) -> None:
    """It reported 1099 for t where the server refuses c, not locked, first."""
    (tmp_path / "rows.csv").write_text("1,1\n")
    tmp_path.chmod(0o777)
    sql = sql.format(csv=tmp_path / "rows.csv")
    report = lint_change(sql.replace("; ", ";\n") + ";\nUNLOCK TABLES;", "mariadb")
    assert _refused(report) == ([refused] if refused else []), sql
    codes = [a.facts["error_code"] for s in report.statements for a in s.effect.actions
             if a.kind == "mysql_table_not_locked"]
    assert [f"ERROR {c}" for c in codes] == ([error] if error else []), sql
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS first_error", "mysql").returncode == 0
    assert mariadb.run(SETUP.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"),
                       "first_error").returncode == 0
    ran = mariadb.run(f"{sql}; UNLOCK TABLES", "first_error")
    assert (error in ran.stderr and f"'{refused}'" in ran.stderr) if error else \
        ran.returncode == 0, (sql, ran.stderr)


def test_mysql_locks_the_related_tables_itself(lint_change) -> None:
    """MySQL 8's LOCK TABLES opens and locks the tables related by a foreign key implicitly
    (its 8.0 manual, 15.3.6; not checked on a MySQL server): the write of t is refused for
    t's READ lock, not for c."""
    report = lint_change("LOCK TABLES t READ;\nINSERT INTO t VALUES (5, 5);\nUNLOCK TABLES;",
                         "mysql")
    assert _refused(report) == ["t"]


@pytest.mark.parametrize(("sql", "error"), [
    ("LOCK TABLES u READ; INSERT DELAYED INTO t VALUES (11, 1)", "ERROR 1616"),
    ("LOCK TABLES t READ; INSERT DELAYED INTO t VALUES (11, 1)", "ERROR 1165"),
])
def test_a_refused_delayed_insert_is_refused_first(lint_change, mariadb, sql: str,
                                                   error: str) -> None:
    """MariaDB refuses DELAYED rows into an InnoDB table (1616), or into one the session
    locked (1165), before LOCK TABLES' 1100 for c or 1099 for t: mariadb-delayed-insert-
    refused says it, mysql-table-not-locked nothing (it said 1100 for c, or 1099 for t)."""
    report = lint_change(sql.replace("; ", ";\n") + ";\nUNLOCK TABLES;", "mariadb")
    rules = [f.rule for f in report.all_findings]
    assert "mariadb-delayed-insert-refused" in rules and _refused(report) == [], rules
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS first_error", "mysql").returncode == 0
    assert mariadb.run(SETUP.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"),
                       "first_error").returncode == 0
    ran = mariadb.run(f"{sql}; UNLOCK TABLES", "first_error")
    assert error in ran.stderr and "1100" not in ran.stderr, ran.stderr
