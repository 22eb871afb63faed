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
         "CREATE TABLE m (id INT PRIMARY KEY, a INT) ENGINE=MyISAM;\n"
         "CREATE TABLE ar (id INT PRIMARY KEY, a INT) ENGINE=Aria;\n"
         "CREATE TABLE h (id INT PRIMARY KEY, a INT) ENGINE=MEMORY;")

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
    ("LOCK TABLES t READ LOCAL;\nINSERT DELAYED INTO t VALUES (9, 1);", 1165),
    ("LOCK TABLES ar READ;\nINSERT DELAYED INTO ar VALUES (9, 1);", 1165),
    ("LOCK TABLES h LOW_PRIORITY WRITE;\nINSERT DELAYED INTO h VALUES (9, 1);", 1165),
    ("LOCK TABLES m WRITE CONCURRENT;\nINSERT DELAYED INTO m VALUES (9, 1);", 1165),
    # a table not locked: the engine's refusal, not LOCK TABLES' 1100
    ("LOCK TABLES m WRITE;\nINSERT DELAYED INTO t VALUES (9, 1);", 1616),
    ("LOCK TABLES m READ;\nINSERT DELAYED INTO ar VALUES (9, 1);", 1616),
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
    # a table not locked whose engine queues DELAYED rows: the delayed insert's own thread
    # writes them, LOCK TABLES or not
    "LOCK TABLES t WRITE;\nINSERT DELAYED INTO m VALUES (21, 1);",
    "LOCK TABLES t READ;\nREPLACE DELAYED INTO h VALUES (22, 1);",
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


#: Under LOCK TABLES a DELAYED VALUES row into a table not locked is not refused for it (error
#: 1100 is for the statements that run in the session: a query's rows, ON DUPLICATE KEY
#: UPDATE, MySQL's INSERT, which ignores DELAYED); each checked on MariaDB 10.11.
NOT_LOCKED = [
    ("LOCK TABLES m WRITE;\nINSERT DELAYED INTO t VALUES (9, 1);", "mariadb", False),
    ("LOCK TABLES t WRITE;\nINSERT DELAYED INTO m VALUES (21, 1);", "mariadb", False),
    ("LOCK TABLES t READ;\nREPLACE DELAYED INTO h VALUES (22, 1);", "mariadb", False),
    ("LOCK TABLES t WRITE;\nINSERT DELAYED INTO m VALUES (21, 1) ON DUPLICATE KEY UPDATE a = 2;",
     "mariadb", True),
    ("LOCK TABLES t WRITE;\nINSERT DELAYED INTO m SELECT 23, 1;", "mariadb", True),
    ("LOCK TABLES t WRITE;\nINSERT DELAYED INTO m VALUES (21, 1);", "mysql", True),
]


@pytest.mark.parametrize(("sql", "dialect", "refused"), NOT_LOCKED)
def test_a_delayed_row_into_a_table_not_locked(lint_change, sql: str, dialect: str,
                                               refused: bool) -> None:
    """It was error 1100 whatever the engine (MyISAM's rows run; InnoDB's are 1616)."""
    found = [f for f in lint_change(sql, dialect).all_findings
             if f.rule == "mysql-table-not-locked"]
    assert bool(found) == refused, sql
    assert all("error 1100" in f.message for f in found)


def test_the_lock_the_refusal_names(lint_change) -> None:
    """The message says which lock, taken where (it said only "under LOCK TABLES")."""
    (refused,) = _delayed(lint_change(
        "LOCK TABLES m READ, t WRITE;\nINSERT DELAYED INTO m VALUES (9, 1);", "mariadb"))
    assert "which the session holds READ under the LOCK TABLES at line 1" in refused.message, \
        refused.message
    assert "myisam" in refused.message, refused.message


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
    for sql, dialect, refused in NOT_LOCKED:
        if dialect == "mariadb" and refused:
            ran = mariadb.run(sql, "delayed_refusals")
            assert "ERROR 1100" in ran.stderr, (sql, ran.stderr)
