"""LOCK TABLES and triggers (effects/mysql.py's `_trigger_tables`): a table locked WRITE (any
form) locks the tables its triggers use too, until UNLOCK TABLES: SHARED_WRITE on those a
trigger writes, SHARED_READ on those it only reads, following the triggers of the tables they
write; READ locks none. The session may then name those tables as it names the tables it
listed (by their own name): read each, write those a trigger writes (1099 for the others), and
a table listed READ that a trigger writes is written. Under LOCK TABLES, a write of a table
needs the tables the triggers it fires use: not locked, the statement is refused (1100) for
the first of them before a READ lock refuses the write (1099). Each checked on MariaDB 10.11
in METADATA_LOCK_INFO and by the server's errors; MySQL's manual ("LOCK TABLES and Triggers")
says the same of the locks (a read lock or a write lock), not checked."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE t (id INT PRIMARY KEY, v INT);
CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, tid INT);
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, tid INT);
CREATE TABLE lkp (id INT, v INT);
CREATE TABLE deep (id INT);
CREATE TABLE del (id INT);
CREATE TABLE other (id INT);
CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW INSERT INTO log (tid) VALUES (NEW.id);
CREATE TRIGGER t_au AFTER UPDATE ON t FOR EACH ROW
  INSERT INTO audit (tid) SELECT id FROM lkp WHERE id = NEW.id;
CREATE TRIGGER t_bd BEFORE DELETE ON t FOR EACH ROW DELETE FROM del WHERE id = OLD.id;
CREATE TRIGGER log_ai AFTER INSERT ON log FOR EACH ROW INSERT INTO deep VALUES (NEW.id);
CREATE TABLE counted (id INT);
CREATE TRIGGER counted_bi BEFORE INSERT ON counted FOR EACH ROW BEGIN
  DECLARE n INT DEFAULT 0;
  SELECT COUNT(*) INTO n FROM lkp;
  SET NEW.id = NEW.id + n;
END;
"""

W, R = "MDL_SHARED_WRITE", "MDL_SHARED_READ"
#: (LOCK TABLES, the metadata locks it holds on the tables it does not list)
LOCKED = [
    ("LOCK TABLES t WRITE", {"log": W, "deep": W, "audit": W, "del": W, "lkp": R}),
    ("LOCK TABLES t LOW_PRIORITY WRITE", {"log": W, "deep": W, "audit": W, "del": W, "lkp": R}),
    ("LOCK TABLES t WRITE CONCURRENT", {"log": W, "deep": W, "audit": W, "del": W, "lkp": R}),
    ("LOCK TABLES t READ", {}),
    ("LOCK TABLES t READ LOCAL", {}),
    ("LOCK TABLES log WRITE", {"deep": W}),
    ("LOCK TABLES counted WRITE", {"lkp": R}),  # (SELECT ... INTO a variable: no table n)
]

#: (statements, the table the first refusal names, the server's error), each run on MariaDB.
FIRST = [
    ("LOCK TABLES t WRITE; INSERT INTO t VALUES (1, 1)", None, None),
    ("LOCK TABLES t WRITE; UPDATE t SET v = 2", None, None),
    ("LOCK TABLES t WRITE; DELETE FROM t", None, None),
    ("LOCK TABLES t WRITE; SELECT * FROM log", None, None),
    ("LOCK TABLES t WRITE; INSERT INTO log (tid) VALUES (9)", None, None),
    ("LOCK TABLES t WRITE; INSERT INTO deep VALUES (2)", None, None),
    ("LOCK TABLES t WRITE; SELECT * FROM lkp", None, None),
    ("LOCK TABLES t AS x WRITE; SELECT * FROM log", None, None),
    ("LOCK TABLES t WRITE CONCURRENT; SELECT * FROM log", None, None),
    ("LOCK TABLES t WRITE, log READ; INSERT INTO log (tid) VALUES (1)", None, None),
    ("LOCK TABLES t WRITE; INSERT INTO lkp VALUES (2, 2)", "lkp", "ERROR 1099"),
    ("LOCK TABLES t WRITE; SELECT * FROM log AS l", "l", "ERROR 1100"),
    ("LOCK TABLES t WRITE; SELECT * FROM other", "other", "ERROR 1100"),
    ("LOCK TABLES t READ; SELECT * FROM log", "log", "ERROR 1100"),
    ("LOCK TABLES t READ; INSERT INTO t VALUES (2, 1)", "log", "ERROR 1100"),
    ("LOCK TABLES t READ; DELETE FROM t", "del", "ERROR 1100"),
    ("LOCK TABLES t READ, log WRITE; INSERT INTO t VALUES (9, 9)", "t", "ERROR 1099"),
    ("LOCK TABLES t READ, audit WRITE, lkp READ; UPDATE t SET v = 1", "t", "ERROR 1099"),
]


def _refused(report) -> list[tuple[str, int]]:
    """The tables mysql-table-not-locked names, with the server's error code."""
    return [(a.facts["table"], a.facts["error_code"]) for s in report.statements
            for a in s.effect.actions if a.kind == "mysql_table_not_locked"]


@pytest.mark.parametrize(("sql", "refused", "error"), FIRST)
def test_what_the_session_may_use(lint_change, sql: str, refused, error) -> None:
    """It refused every table a trigger uses but that LOCK TABLES did not list (1100), and
    missed the 1100 a write that fires a trigger gets under READ."""
    report = lint_change(sql.replace("; ", ";\n") + ";\nUNLOCK TABLES;", "mariadb")
    assert _refused(report) == ([(refused, int(error.split()[1]))] if error else []), sql


@pytest.mark.parametrize(("sql", "held"), LOCKED)
def test_the_tables_the_triggers_use_are_locked(lint_change, sql: str, held: dict) -> None:
    """It held the listed tables' locks only."""
    from lockwise.effects.mysql_locks import metadata_lock

    effect = lint_change(sql + ";\nUNLOCK TABLES;", "mariadb").statements[0].effect
    listed = sql.split()[2]
    assert {t: "MDL_" + metadata_lock(effect, m) for t, m in effect.locks.items()
            if t != listed} == held


def test_the_message_names_them(lint_change) -> None:
    (message,) = [f.message for f in lint_change("LOCK TABLES t WRITE;\nUNLOCK TABLES;",
                                                 "mariadb").all_findings
                  if f.rule == "mysql-lock-tables"]
    assert message.startswith(
        "LOCK TABLES holds t (WRITE: their reads and writes wait), and for its triggers "
        "SHARED_WRITE on log, deep, audit, del (blocks LOCK=SHARED / EXCLUSIVE and COPY DDL, "
        "the exclusive step of every ALTER, and LOCK TABLES) and SHARED_READ on lkp "), message


def test_mysql_takes_the_manuals_read_and_write_locks(lint_change) -> None:
    """MySQL's manual: a read lock for a table a trigger only reads, else a write lock."""
    from lockwise.effects.mysql_locks import metadata_lock

    effect = lint_change("LOCK TABLES t WRITE;\nUNLOCK TABLES;", "mysql").statements[0].effect
    assert {t: metadata_lock(effect, m) for t, m in effect.locks.items() if t != "t"} == {
        "log": "SHARED_NO_READ_WRITE", "deep": "SHARED_NO_READ_WRITE",
        "audit": "SHARED_NO_READ_WRITE", "del": "SHARED_NO_READ_WRITE",
        "lkp": "SHARED_READ_ONLY"}


def test_a_dropped_trigger_locks_nothing(lint_change) -> None:
    report = lint_change("DROP TRIGGER t_ai;\nLOCK TABLES t READ;\nINSERT INTO t VALUES (2, 1);"
                         "\nUNLOCK TABLES;", "mariadb")
    assert _refused(report) == [("t", 1099)]


# --- checked on MariaDB ----------------------------------------------------------------------

def _setup(mariadb, database: str) -> None:
    assert mariadb.run(f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}",
                       "mysql").returncode == 0
    ran = mariadb.run(SETUP, database, whole=True)
    assert ran.returncode == 0, ran.stderr


@pytest.mark.parametrize(("sql", "refused", "error"), FIRST)
def test_what_the_session_may_use_on_mariadb(mariadb, sql: str, refused, error) -> None:
    database = "lock_tables_triggers"
    _setup(mariadb, database)
    ran = mariadb.run(f"{sql}; UNLOCK TABLES", database)
    assert (error in ran.stderr and f"'{refused}'" in ran.stderr) if error else \
        ran.returncode == 0, (sql, ran.stderr)


@pytest.mark.parametrize(("sql", "held"), LOCKED)
def test_the_locks_on_mariadb(mariadb, sql: str, held: dict) -> None:
    database = "lock_tables_triggers_mdl"
    _setup(mariadb, database)
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    ran = mariadb.run(f"{sql}; SELECT TABLE_NAME, LOCK_MODE FROM information_schema."
                      f"METADATA_LOCK_INFO WHERE TABLE_SCHEMA = '{database}' AND THREAD_ID = "
                      "CONNECTION_ID(); UNLOCK TABLES", database)
    listed = sql.split()[2]
    found = dict(line.split("\t") for line in ran.stdout.splitlines()
                 if "\tMDL_" in line and not line.startswith((f"{listed}\t", "\t")))
    assert found == held, (sql, ran.stdout)
