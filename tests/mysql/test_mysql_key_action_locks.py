"""The metadata locks a write of a referenced table takes on the tables whose foreign keys point
at it, beyond a DELETE's (tests/mysql/test_mysql_replace_delete_side.py). MariaDB prelocks, for
each table a statement writes, every table referencing it: SHARED_WRITE where the key's action
for that statement's kind of write changes the referencing rows (ON DELETE CASCADE / SET NULL
for a DELETE or REPLACE, ON UPDATE CASCADE / SET NULL for an UPDATE or ON DUPLICATE KEY
UPDATE), then the tables referencing that one in turn, for the same kind of write; SHARED_READ
on the others, an INSERT's included. Whichever columns the statement sets, and whether a row
changes or not, foreign_key_checks on or off: checked on MariaDB 10.11 in
information_schema.METADATA_LOCK_INFO (sql_base.cc, prepare_fk_prelocking_list). So a SET NULL
on a DELETE locks the tables referencing the table it writes by their ON DELETE action (m1),
though no row of that table goes."""

from __future__ import annotations

import pytest

from lockwise.core.types import LockMode

W, R = LockMode.ROW_EXCLUSIVE, LockMode.ROW_SHARE

#: p, referenced by n (ON DELETE SET NULL), itself referenced by m1 (ON DELETE CASCADE), m2 (NO
#: ACTION), m3 (ON UPDATE CASCADE); p referenced by q (ON UPDATE CASCADE), itself referenced by
#: q2 (ON UPDATE CASCADE), q3 (ON DELETE CASCADE), q4 (ON UPDATE SET NULL), q5 referencing q4 (ON
#: UPDATE CASCADE). s: referenced by none.
SETUP = (
    "CREATE TABLE p (id INT PRIMARY KEY, v INT);\n"
    "CREATE TABLE n (id INT PRIMARY KEY, p_id INT,"
    " FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);\n"
    "CREATE TABLE m1 (id INT PRIMARY KEY, n_id INT,"
    " FOREIGN KEY (n_id) REFERENCES n (id) ON DELETE CASCADE);\n"
    "CREATE TABLE m2 (id INT PRIMARY KEY, n_id INT, FOREIGN KEY (n_id) REFERENCES n (id));\n"
    "CREATE TABLE m3 (id INT PRIMARY KEY, n_id INT,"
    " FOREIGN KEY (n_id) REFERENCES n (id) ON UPDATE CASCADE);\n"
    "CREATE TABLE q (id INT PRIMARY KEY, p_id INT,"
    " FOREIGN KEY (p_id) REFERENCES p (id) ON UPDATE CASCADE);\n"
    "CREATE TABLE q2 (id INT PRIMARY KEY, q_id INT,"
    " FOREIGN KEY (q_id) REFERENCES q (id) ON UPDATE CASCADE);\n"
    "CREATE TABLE q3 (id INT PRIMARY KEY, q_id INT,"
    " FOREIGN KEY (q_id) REFERENCES q (id) ON DELETE CASCADE);\n"
    "CREATE TABLE q4 (id INT PRIMARY KEY, q_id INT,"
    " FOREIGN KEY (q_id) REFERENCES q (id) ON UPDATE SET NULL);\n"
    "CREATE TABLE q5 (id INT PRIMARY KEY, q4_id INT,"
    " FOREIGN KEY (q4_id) REFERENCES q4 (id) ON UPDATE CASCADE);\n"
    "CREATE TABLE s (id INT PRIMARY KEY, v INT);\n")

#: What an UPDATE of p holds: q's chain (ON UPDATE) written, n and q3 looked at.
UPDATE_P = {"p": W, "n": R, "q": W, "q2": W, "q3": R, "q4": W, "q5": W}

#: (statement, the metadata locks MariaDB holds), each checked on MariaDB 10.11.
HELD = [
    ("INSERT INTO p VALUES (5, 5)", {"p": W, "n": R, "q": R}),
    ("INSERT IGNORE INTO p VALUES (5, 5)", {"p": W, "n": R, "q": R}),
    ("INSERT INTO p SELECT id + 10, v FROM s", {"p": W, "n": R, "q": R, "s": R}),
    ("INSERT INTO n VALUES (5, NULL)", {"n": W, "m1": R, "m2": R, "m3": R}),
    ("INSERT INTO m1 VALUES (5, NULL)", {"m1": W}),  # the table it references: no lock
    ("INSERT INTO s VALUES (5, 5)", {"s": W}),
    ("UPDATE p SET id = 3 WHERE id = 2", UPDATE_P),
    ("UPDATE p SET v = 3", UPDATE_P),  # its key unchanged: the same locks
    ("INSERT INTO p VALUES (1, 1) ON DUPLICATE KEY UPDATE v = 2", UPDATE_P),
    ("UPDATE q SET id = 2", {"q": W, "q2": W, "q3": R, "q4": W, "q5": W}),
    ("UPDATE n SET p_id = NULL", {"n": W, "m1": R, "m2": R, "m3": W}),
    ("UPDATE p JOIN n ON n.p_id = p.id SET n.id = 3",  # n's keys only: p's row unchanged
     {"p": W, "n": W, "m1": R, "m2": R, "m3": W}),
    ("UPDATE p x JOIN q ON q.id = x.id SET x.v = 2, q.p_id = 2", UPDATE_P),
    ("UPDATE s SET v = 2", {"s": W}),
    ("DELETE p, n FROM p JOIN n ON n.p_id = p.id",
     {"p": W, "n": W, "m1": W, "m2": R, "m3": R, "q": R}),
    # a SET NULL writes n: the tables referencing n are locked by their ON DELETE action
    ("DELETE FROM p WHERE id = 1", {"p": W, "n": W, "m1": W, "m2": R, "m3": R, "q": R}),
    ("REPLACE INTO p VALUES (1, 1)", {"p": W, "n": W, "m1": W, "m2": R, "m3": R, "q": R}),
]


@pytest.mark.parametrize(("sql", "held"), HELD)
def test_the_tables_a_write_reaches_are_locked(lint_change, sql: str, held: dict) -> None:
    """An INSERT or UPDATE held its own table's lock only (and its query's); a DELETE's SET
    NULL did not lock the tables referencing what it writes."""
    (statement,) = lint_change(sql + ";", "mariadb").statements
    assert statement.effect.locks == held, sql


#: What an UPDATE writes through its keys: only the tables whose key it changes.
WRITTEN = [
    ("UPDATE p SET id = 3 WHERE id = 2", {"p", "q"}),  # q sets p_id, not its id
    ("UPDATE p SET v = 3", {"p"}),
    ("UPDATE q SET id = 2", {"q", "q2", "q4"}),
    ("UPDATE q SET p_id = 1", {"q"}),
    ("DELETE FROM p WHERE id = 1", {"p", "n"}),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "written"), WRITTEN)
def test_an_update_writes_what_its_key_actions_change(lint_change, sql: str, written: set,
                                                      dialect: str) -> None:
    (statement,) = lint_change(sql + ";", dialect).statements
    assert {w.removeprefix("table:") for w in statement.effect.writes} == written, sql


def test_no_key_checks_no_writes(lint_change) -> None:
    """With foreign_key_checks off no ON UPDATE action runs; the locks are the same."""
    report = lint_change("SET foreign_key_checks = 0;\nUPDATE p SET id = 3 WHERE id = 2;",
                         "mariadb")
    updated = report.statements[1].effect
    assert updated.locks == UPDATE_P
    assert updated.writes == frozenset({"table:p"})


@pytest.mark.parametrize("sql", ["UPDATE p SET id = 3 WHERE id = 2", "UPDATE q SET id = 2"])
def test_mysql_updates_lock_the_same(lint_change, sql: str) -> None:
    """MySQL "extends metadata locks, as necessary, to tables that are related by a foreign key
    constraint" (its 8.0 manual, 15.1.20.5): an UPDATE's cascades as a DELETE's are."""
    mysql = lint_change(sql + ";", "mysql").statements[0].effect.locks
    assert mysql == lint_change(sql + ";", "mariadb").statements[0].effect.locks


def test_mysql_insert_is_not_modelled(lint_change) -> None:
    """MariaDB's SHARED_READ on an INSERT's referencing tables is its own (not checked on
    MySQL): the mysql dialect keeps the INSERT's own table."""
    (statement,) = lint_change("INSERT INTO p VALUES (5, 5);", "mysql").statements
    assert statement.effect.locks == {"p": W}


def test_the_locks_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: each statement holds exactly those metadata locks (the
    session's own, before ROLLBACK), with foreign_key_checks on and off."""
    assert mariadb.run("CREATE DATABASE key_action_locks", "mysql").returncode == 0
    assert mariadb.run(SETUP + "INSERT INTO p VALUES (1, 1), (2, 2);"
                       "INSERT INTO n VALUES (1, 1); INSERT INTO q VALUES (1, 2);"
                       "INSERT INTO s VALUES (1, 1);", "key_action_locks").returncode == 0
    mariadb.assert_key_locks(HELD, "key_action_locks")


def test_an_update_cascades_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: p's key changed, q's row follows it, q2's and q4's follow q's
    key only when it changes."""
    assert mariadb.run("CREATE DATABASE key_action_writes", "mysql").returncode == 0
    ran = mariadb.run(
        SETUP + "INSERT INTO p VALUES (1, 1); INSERT INTO q VALUES (1, 1);"
        "INSERT INTO q4 VALUES (1, 1); UPDATE p SET id = 7 WHERE id = 1;"
        "SELECT (SELECT p_id FROM q), (SELECT q_id FROM q4);", "key_action_writes")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["7", "1"]
