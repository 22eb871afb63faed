"""REPLACE's delete side: a row whose key is taken is deleted before the new one goes in,
which fires the foreign keys that reference the table as a DELETE does (ON DELETE CASCADE
deletes the referencing rows, and the keys that reference those in turn; SET NULL sets their
key; InnoDB's). The server takes its metadata locks for all that it may do, whether a row is
replaced or not: checked on MariaDB 10.11 in information_schema.METADATA_LOCK_INFO, DELETE and
REPLACE hold SHARED_WRITE on each table they may write through a key's action and SHARED_READ
on each table a key of which only looks (NO ACTION, RESTRICT, an ON UPDATE-only action). MySQL
does the same ("MySQL extends metadata locks, as necessary, to tables that are related by a
foreign key constraint": the 8.0 manual, 15.1.20.5 "FOREIGN KEY Constraints", Foreign Key
Locking).

And the REPLACE forms its grammar has not (IGNORE, ON DUPLICATE KEY UPDATE, a column list
before SET, an empty place in the column list) are refused where the server stops, as the
other refused MySQL statements are (error 1064; checked on MariaDB 10.11): they were read as
"other", with no lock and no finding."""

from __future__ import annotations

import pytest

from lockwise.core.types import LockMode

W, R = LockMode.ROW_EXCLUSIVE, LockMode.ROW_SHARE

#: p, referenced by c (ON DELETE CASCADE), itself referenced by g (ON DELETE CASCADE); by n
#: (ON DELETE SET NULL); by r (NO ACTION); by u (ON UPDATE CASCADE only). s: referenced by none.
SETUP = (
    "CREATE TABLE p (id INT PRIMARY KEY, v INT);\n"
    "CREATE TABLE c (id INT PRIMARY KEY, p_id INT,"
    " FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE);\n"
    "CREATE TABLE g (id INT PRIMARY KEY, c_id INT,"
    " FOREIGN KEY (c_id) REFERENCES c (id) ON DELETE CASCADE);\n"
    "CREATE TABLE n (id INT PRIMARY KEY, p_id INT,"
    " FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);\n"
    "CREATE TABLE r (id INT PRIMARY KEY, p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n"
    "CREATE TABLE u (id INT PRIMARY KEY, p_id INT,"
    " FOREIGN KEY (p_id) REFERENCES p (id) ON UPDATE CASCADE);\n"
    "CREATE TABLE s (id INT PRIMARY KEY, v INT);\n")

#: What p's delete holds: itself and what its keys' actions write, SHARED_WRITE; r and u,
#: whose keys only look, SHARED_READ.
FROM_P = {"p": W, "c": W, "g": W, "n": W, "r": R, "u": R}

#: (statement, the metadata locks it holds), each checked on MariaDB 10.11.
HELD = [
    ("REPLACE INTO p VALUES (1, 5)", FROM_P),  # a row replaced
    ("REPLACE INTO p VALUES (9, 5)", FROM_P),  # none: the same locks
    ("REPLACE p SET id = 1, v = 2", FROM_P),
    ("REPLACE INTO p SELECT id, v FROM s", {**FROM_P, "s": R}),
    ("REPLACE LOW_PRIORITY INTO p VALUES (1, 5)", FROM_P),
    ("DELETE FROM p WHERE id = 1", FROM_P),
    ("DELETE FROM c WHERE id = 1", {"c": W, "g": W}),  # from the middle of the chain
    ("REPLACE INTO g VALUES (1, 1)", {"g": W}),  # referenced by none
    ("REPLACE INTO s VALUES (1, 1)", {"s": W}),
    ("DELETE FROM s", {"s": W}),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "held"), HELD)
def test_the_tables_a_delete_side_writes_are_locked(lint_change, sql: str, held: dict,
                                                    dialect: str) -> None:
    """It held its own table's lock only (and its query's)."""
    (statement,) = lint_change(sql + ";", dialect).statements
    assert statement.effect.locks == held, sql
    target = next(iter(held))  # (INSERT's own table is its action's, not in `writes`)
    assert {w.removeprefix("table:") for w in statement.effect.writes} - {target} == \
        {t for t, mode in held.items() if mode == W} - {target}, sql


def test_no_key_checks_no_writes(lint_change) -> None:
    """With foreign_key_checks off no key's action runs (the locks are taken all the same,
    checked on 10.11): the referencing tables are not written."""
    report = lint_change("SET foreign_key_checks = 0;\nREPLACE INTO p VALUES (1, 5);",
                         "mariadb")
    replaced = report.statements[1].effect
    assert replaced.locks == FROM_P
    assert replaced.writes <= frozenset({"table:p"})


def test_the_locks_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: each statement holds exactly those metadata locks (the
    session's own, before ROLLBACK), with foreign_key_checks on and off."""
    assert mariadb.run("CREATE DATABASE replace_delete_side", "mysql").returncode == 0
    assert mariadb.run(SETUP + "INSERT INTO p VALUES (1, 1), (2, 2);"
                       "INSERT INTO c VALUES (1, 1); INSERT INTO s VALUES (1, 1);",
                       "replace_delete_side").returncode == 0
    mariadb.assert_key_locks(HELD, "replace_delete_side")


def test_a_replaced_row_cascades_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: the REPLACE of p's row 1 deletes c's row that references it
    (and g's that references that), and sets n's key to NULL."""
    assert mariadb.run("CREATE DATABASE replace_cascades", "mysql").returncode == 0
    ran = mariadb.run(
        SETUP + "INSERT INTO p VALUES (1, 1); INSERT INTO c VALUES (1, 1);"
        "INSERT INTO g VALUES (1, 1); INSERT INTO n VALUES (1, 1);"
        "REPLACE INTO p VALUES (1, 2);"
        "SELECT (SELECT COUNT(*) FROM c), (SELECT COUNT(*) FROM g),"
        " (SELECT COUNT(*) FROM n WHERE p_id IS NULL);", "replace_cascades")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["0", "0", "1"]


#: (REPLACE the server refuses, the word it stops at), each checked on MariaDB 10.11.
REFUSED = [
    ("REPLACE INTO p VALUES (1, 2) ON DUPLICATE KEY UPDATE v = 3", "ON"),
    ("REPLACE p (id) SELECT id FROM s ON DUPLICATE KEY UPDATE v = 1", "ON"),
    ("REPLACE IGNORE INTO p VALUES (1, 2)", "IGNORE"),
    ("REPLACE LOW_PRIORITY IGNORE INTO p VALUES (1, 2)", "IGNORE"),
    ("REPLACE INTO p (id) SET v = 1", "SET"),
    ("REPLACE INTO p (id,) VALUES (1)", ")"),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "word"), REFUSED)
def test_an_invalid_replace_is_refused_there(lint_change, sql: str, word: str,
                                             dialect: str) -> None:
    """It was "other", with no finding."""
    report = lint_change(sql + ";", dialect)
    (error,) = [f for f in report.all_findings if f.rule == "parse-error"]
    at = sql.index(word) if word != ")" else sql.index(",)") + 1
    assert f"error 1064 near '{sql[at:]}'" in error.message, error.message
    assert error.span.column - 1 == at


@pytest.mark.parametrize("sql", ["INSERT INTO p (id) SET v = 1",
                                 "INSERT INTO p (id,) VALUES (1)"])
def test_an_insert_with_that_column_list_is_refused_too(lint_change, sql: str) -> None:
    """INSERT's grammar is the same there (checked on 10.11: error 1064)."""
    report = lint_change(sql + ";", "mariadb")
    assert [f.rule for f in report.all_findings if f.rule == "parse-error"] == ["parse-error"]


def test_each_invalid_replace_is_refused_by_mariadb(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE replace_refused", "mysql").returncode == 0
    assert mariadb.run(SETUP, "replace_refused").returncode == 0
    for sql, word in [*REFUSED, ("INSERT INTO p (id) SET v = 1", "SET"),
                      ("INSERT INTO p (id,) VALUES (1)", ")")]:
        ran = mariadb.run(sql, "replace_refused")
        at = sql.index(word) if word != ")" else sql.index(",)") + 1
        assert "ERROR 1064" in ran.stderr and f"near '{sql[at:]}'" in ran.stderr, sql


#: Under LOCK TABLES the tables a key's action reaches need no lock of their own.
LOCKED = "LOCK TABLES p WRITE;\nDELETE FROM p WHERE id = 1;\nREPLACE INTO p VALUES (2, 3);\n" \
         "UNLOCK TABLES;"


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_lock_tables_needs_no_lock_of_the_cascades(lint_change, dialect: str) -> None:
    """(mysql-table-not-locked finds a table the statement itself names unlocked:
    tests/mysql/test_mysql_replace.py)"""
    report = lint_change(LOCKED, dialect)
    assert [f.rule for f in report.all_findings if f.rule == "mysql-table-not-locked"] == []
    assert report.statements[1].effect.locks["c"] == W  # what the model says, held


def test_lock_tables_cascades_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: both run, and cascade into c, with p alone locked."""
    assert mariadb.run("CREATE DATABASE replace_locked", "mysql").returncode == 0
    ran = mariadb.run(SETUP + "INSERT INTO p VALUES (1, 1), (2, 2);"
                      "INSERT INTO c VALUES (1, 1), (2, 2);" + LOCKED.replace("\n", " ") +
                      " SELECT COUNT(*) FROM c;", "replace_locked")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["0"]
