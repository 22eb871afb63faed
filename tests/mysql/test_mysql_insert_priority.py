"""INSERT's and REPLACE's priority modifier, `LOW_PRIORITY | DELAYED | HIGH_PRIORITY` (REPLACE
takes the first two), which sqlglot does not read: each was a false `parse-error` (INSERT)
or an "other" statement with no lock (REPLACE). They are the INSERT they modify, with its
locks (checked on MariaDB 10.11 in information_schema.METADATA_LOCK_INFO: SHARED_WRITE on the
table, as without the modifier). A modifier out of its place is refused where the server stops
(checked on 10.11: error 1064), as the other refused MySQL statements are.

DELAYED: MySQL 8 reads and ignores it ("The server recognizes but ignores the DELAYED
keyword, handles the insert as a nondelayed insert": the 8.0 manual, 13.2.6.3 "INSERT DELAYED
Statement"); MariaDB queues the rows of a MyISAM, MEMORY, ARCHIVE or BLACKHOLE table and
refuses it for an InnoDB or Aria table's VALUES or SET (error 1616, "DELAYED option not
supported for table 't'"; checked on 10.11): on MariaDB that is rule
mariadb-delayed-insert-refused, where the replay knows the table's engine."""

from __future__ import annotations

import pytest

from lockwise.core.types import LockMode

SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, a INT);\n"
         "CREATE TABLE m (id INT PRIMARY KEY, a INT) ENGINE=MyISAM;")

#: Each form, with the table it writes, each run by MariaDB 10.11 (test_each_form_runs).
FORMS = [
    ("INSERT LOW_PRIORITY INTO t VALUES (1, 1)", "t"),
    ("INSERT HIGH_PRIORITY INTO t VALUES (2, 1)", "t"),
    ("insert low_priority ignore into t (id) values (3)", "t"),
    ("INSERT HIGH_PRIORITY IGNORE t SET id = 4, a = 1", "t"),
    ("INSERT LOW_PRIORITY INTO t SELECT id + 10, a FROM m", "t"),
    ("INSERT LOW_PRIORITY INTO t VALUES (1, 1) ON DUPLICATE KEY UPDATE a = 2", "t"),
    ("INSERT DELAYED INTO m VALUES (1, 1)", "m"),
    ("INSERT DELAYED IGNORE INTO m (id, a) VALUES (2, 1), (3, 1)", "m"),
    ("REPLACE LOW_PRIORITY INTO t VALUES (1, 1)", "t"),
    ("REPLACE LOW_PRIORITY t SET id = 5, a = 1", "t"),
    ("REPLACE DELAYED INTO m VALUES (1, 2)", "m"),
    ("REPLACE LOW_PRIORITY INTO t (id) SELECT id FROM m", "t"),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "table"), FORMS)
def test_a_modified_insert_is_an_insert(lint_change, sql: str, table: str,
                                        dialect: str) -> None:
    """INSERT's was a parse-error, REPLACE's "other" with no lock."""
    report = lint_change(sql + ";", dialect)
    assert [f.rule for f in report.all_findings if f.rule == "parse-error"] == [], sql
    (statement,) = report.statements
    assert [(a.kind, a.facts.get("table")) for a in statement.effect.actions] == \
        [("insert", table)], sql
    assert statement.effect.locks.get(table) == LockMode.ROW_EXCLUSIVE, sql


def test_each_form_runs(mariadb) -> None:
    """Checked on MariaDB 10.11: each form runs, holding SHARED_WRITE on its table."""
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    assert mariadb.run("CREATE DATABASE insert_priority", "mysql").returncode == 0
    assert mariadb.run(SETUP, "insert_priority").returncode == 0
    for sql, table in FORMS:
        ran, held = mariadb.metadata_locks(sql, "insert_priority")
        assert ran.returncode == 0, (sql, ran.stderr)
        assert held[table] == "MDL_SHARED_WRITE", (sql, held)


#: DELAYED rows MariaDB refuses (error 1616): into an InnoDB table (the default engine) or
#: an Aria one, by VALUES or SET, in a transaction or not.
DELAYED_REFUSED = [
    "INSERT DELAYED INTO t VALUES (1, 1)",
    "INSERT DELAYED IGNORE INTO t (id) VALUE (2)",
    "REPLACE DELAYED INTO t SET id = 3, a = 1",
    "INSERT DELAYED INTO i VALUES (1, 1)",
    "INSERT DELAYED INTO r VALUES (1, 1)",
]
#: And the DELAYED that MariaDB runs: into a MyISAM table, or ignored (a query's rows, ON
#: DUPLICATE KEY UPDATE).
DELAYED_RUN = [
    "INSERT DELAYED INTO m VALUES (7, 1)",
    "REPLACE DELAYED m SET id = 8, a = 1",
    "INSERT DELAYED INTO t SELECT id + 20, a FROM m",
    "INSERT DELAYED INTO t VALUES (1, 1) ON DUPLICATE KEY UPDATE a = 2",
]
DELAYED_SETUP = (SETUP + "\nCREATE TABLE i (id INT PRIMARY KEY, a INT) ENGINE=InnoDB;"
                 "\nCREATE TABLE r (id INT PRIMARY KEY, a INT) ENGINE=Aria;")


@pytest.mark.parametrize("sql", DELAYED_REFUSED)
def test_delayed_into_innodb_is_refused_on_mariadb(lint_change, sql: str) -> None:
    """It was an INSERT that runs."""
    report = lint_change(sql + ";", "mariadb", setup=DELAYED_SETUP)
    (refused,) = [f for f in report.all_findings if f.rule == "mariadb-delayed-insert-refused"]
    assert "error 1616" in refused.message, refused.message


@pytest.mark.parametrize("sql", DELAYED_RUN + DELAYED_REFUSED)
def test_delayed_is_ignored_on_mysql(lint_change, sql: str) -> None:
    """MySQL 8 ignores DELAYED whatever the table (its 8.0 manual, 13.2.6.3)."""
    report = lint_change(sql + ";", "mysql", setup=DELAYED_SETUP)
    assert [f.rule for f in report.all_findings if "delayed" in f.rule] == []


@pytest.mark.parametrize("sql", [*DELAYED_RUN, "INSERT DELAYED INTO elsewhere VALUES (1)"])
def test_delayed_that_runs_on_mariadb(lint_change, sql: str) -> None:
    """A MyISAM table, a query's rows, ON DUPLICATE KEY UPDATE; a table the migrations did
    not create, whose engine is not known: no refusal."""
    report = lint_change(sql + ";", "mariadb", setup=DELAYED_SETUP)
    assert [f.rule for f in report.all_findings if "delayed" in f.rule] == []


def test_delayed_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: DELAYED is the storage engine's to take; InnoDB's and Aria's
    VALUES and SET are refused (error 1616), in a transaction too; a query's rows and ON
    DUPLICATE KEY UPDATE ignore it."""
    assert mariadb.run("CREATE DATABASE insert_delayed", "mysql").returncode == 0
    assert mariadb.run(DELAYED_SETUP, "insert_delayed").returncode == 0
    for sql in DELAYED_REFUSED:
        for ran in (mariadb.run(sql, "insert_delayed"),
                    mariadb.run(f"BEGIN; {sql}; ROLLBACK;", "insert_delayed")):
            assert "ERROR 1616" in ran.stderr and "DELAYED option not supported" in \
                ran.stderr, sql
    for sql in DELAYED_RUN:
        ran = mariadb.run(sql, "insert_delayed")
        assert ran.returncode == 0, (sql, ran.stderr)


#: Modifiers the server does not take there: (statement, the word it stops at), each checked
#: on MariaDB 10.11 (error 1064 near that word).
MISPLACED = [
    ("REPLACE HIGH_PRIORITY INTO t VALUES (1, 1)", "HIGH_PRIORITY"),
    ("INSERT IGNORE LOW_PRIORITY INTO t VALUES (1, 1)", "LOW_PRIORITY"),
    ("INSERT DELAYED HIGH_PRIORITY INTO t VALUES (1, 1)", "HIGH_PRIORITY"),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "word"), MISPLACED)
def test_a_misplaced_modifier_is_refused_there(lint_change, sql: str, word: str,
                                               dialect: str) -> None:
    report = lint_change(sql + ";", dialect)
    (error,) = [f for f in report.all_findings if f.rule == "parse-error"]
    assert f"error 1064 near '{word} INTO" in error.message, error.message
    assert error.span.column == sql.index(word) + 1


def test_each_misplaced_modifier_is_refused_by_mariadb(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE insert_misplaced", "mysql").returncode == 0
    assert mariadb.run(SETUP, "insert_misplaced").returncode == 0
    for sql, word in MISPLACED:
        ran = mariadb.run(sql, "insert_misplaced")
        assert "ERROR 1064" in ran.stderr and f"near '{word} INTO" in ran.stderr, sql
