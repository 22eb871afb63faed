"""MariaDB's INSERT / REPLACE DELAYED refused beyond an InnoDB or Aria table's (error 1616,
tests/mysql/test_mysql_insert_priority.py), whatever the table's engine, by VALUES or SET:
into a TEMPORARY table, which the delayed insert looks for among the permanent tables and does
not find (error 1146, "Table 'db.t' doesn't exist"; ON DUPLICATE KEY UPDATE too; a query's rows
run), and into a table the session holds under LOCK TABLES, READ or WRITE (error 1165, "INSERT
DELAYED can't be used with table 't' because it is locked with LOCK TABLES"; before 1616, on an
InnoDB table too; a query's rows and ON DUPLICATE KEY UPDATE run). Both are rule
mariadb-delayed-insert-refused, each checked on MariaDB 10.11. MySQL 8 ignores DELAYED."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, a INT);\n"
         "CREATE TABLE m (id INT PRIMARY KEY, a INT) ENGINE=MyISAM;")

TEMPORARY = "CREATE TEMPORARY TABLE tt (id INT PRIMARY KEY, a INT);\n"
TEMPORARY_MYISAM = "CREATE TEMPORARY TABLE tt (id INT PRIMARY KEY, a INT) ENGINE=MyISAM;\n"

#: (migration, the server's error for its last statement), each checked on MariaDB 10.11.
REFUSED = [
    (TEMPORARY + "INSERT DELAYED INTO tt VALUES (1, 1);", 1146),
    (TEMPORARY_MYISAM + "INSERT DELAYED INTO tt VALUES (1, 1);", 1146),
    (TEMPORARY_MYISAM + "REPLACE DELAYED tt SET id = 1, a = 1;", 1146),
    (TEMPORARY + "INSERT DELAYED INTO tt VALUES (1, 1) ON DUPLICATE KEY UPDATE a = 2;", 1146),
    ("LOCK TABLES m WRITE;\nINSERT DELAYED INTO m VALUES (9, 1);", 1165),
    ("LOCK TABLES m READ;\nINSERT DELAYED INTO m VALUES (9, 1);", 1165),
    ("LOCK TABLES m WRITE;\nREPLACE DELAYED INTO m VALUES (9, 1);", 1165),
    ("LOCK TABLES t WRITE;\nINSERT DELAYED INTO t VALUES (9, 1);", 1165),  # not 1616
]

#: And the DELAYED MariaDB runs there (each checked on 10.11).
RUN = [
    TEMPORARY + "INSERT DELAYED INTO tt SELECT id, a FROM m;",
    # a TEMPORARY table shadowing a permanent one: the rows go into the permanent m
    "CREATE TEMPORARY TABLE m (id INT PRIMARY KEY, a INT);\nINSERT DELAYED INTO m VALUES (9, 1);",
    "LOCK TABLES m WRITE, t READ;\nINSERT DELAYED INTO m SELECT id + 30, a FROM t;",
    "LOCK TABLES m WRITE;\nUNLOCK TABLES;\nINSERT DELAYED INTO m VALUES (9, 1);",
    "LOCK TABLES m WRITE;\nINSERT DELAYED INTO m VALUES (9, 1) ON DUPLICATE KEY UPDATE a = 2;",
    "LOCK TABLES t WRITE;\nINSERT DELAYED INTO t VALUES (9, 1) ON DUPLICATE KEY UPDATE a = 2;",
]


def _delayed(report) -> list:
    return [f for f in report.all_findings if f.rule == "mariadb-delayed-insert-refused"]


@pytest.mark.parametrize(("sql", "code"), REFUSED)
def test_refused_on_mariadb(lint_change, sql: str, code: int) -> None:
    """It was an INSERT that runs (a TEMPORARY table's left alone; a locked table's judged by
    its engine: a MyISAM one's ran, an InnoDB one's said 1616)."""
    (refused,) = _delayed(lint_change(sql, "mariadb"))
    assert f"error {code}" in refused.message, refused.message
    assert refused.span.line == sql.count("\n") + 1


@pytest.mark.parametrize("sql", RUN)
def test_runs_on_mariadb(lint_change, sql: str) -> None:
    assert _delayed(lint_change(sql, "mariadb")) == []


@pytest.mark.parametrize("sql", [sql for sql, _ in REFUSED] + RUN)
def test_ignored_on_mysql(lint_change, sql: str) -> None:
    assert _delayed(lint_change(sql, "mysql")) == []


def test_each_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: each refused statement fails with its error, each other
    runs (each migration in one session, as the client runs a file)."""
    assert mariadb.run("CREATE DATABASE delayed_refusals", "mysql").returncode == 0
    assert mariadb.run(SETUP, "delayed_refusals").returncode == 0
    for sql, code in REFUSED:
        ran = mariadb.run(sql, "delayed_refusals")
        assert f"ERROR {code}" in ran.stderr, (sql, ran.stderr)
    for sql in RUN:
        ran = mariadb.run(sql, "delayed_refusals")
        assert ran.returncode == 0, (sql, ran.stderr)
