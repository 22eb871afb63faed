"""LOCK TABLES and the stored routines a trigger calls (effects/mysql.py's `_trigger_tables`):
the server prelocks the tables of a procedure a trigger's body CALLs (and of the procedures
that one CALLs), and of a stored function it calls, as it does the tables the body names.
Under `LOCK TABLES t WRITE` the session holds SHARED_WRITE on those written and SHARED_READ on
those read, and may name them; under `LOCK TABLES t READ` a write of t is refused (1100) for
one of them that is not listed, before the READ lock refuses it (1099). Each checked on
MariaDB 10.11 (10.11.19) in METADATA_LOCK_INFO and by the server's errors. Which one the 1100
names when several are missing is not the body's order: it follows the hash of the routine's
table set, whose keys hold the database's name (the same migration names log in a database
`t`, lkp in `shop`); lockwise names the first its reading of the bodies finds, one of those the
server may name."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE t (id INT PRIMARY KEY, v INT);
CREATE TABLE log (id INT);
CREATE TABLE lkp (id INT);
CREATE TABLE deep (id INT);
CREATE TABLE other (id INT);
CREATE TABLE unused (id INT);
DELIMITER $$
CREATE PROCEDURE q() INSERT INTO deep VALUES (1)$$
CREATE PROCEDURE p() BEGIN INSERT INTO log SELECT id FROM lkp; CALL q(); END$$
CREATE PROCEDURE r() INSERT INTO unused VALUES (1)$$
CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW CALL p()$$
CREATE FUNCTION f() RETURNS INT READS SQL DATA BEGIN
  DECLARE n INT DEFAULT 0;
  SELECT COUNT(*) INTO n FROM other;
  RETURN n;
END$$
CREATE TRIGGER t_au AFTER UPDATE ON t FOR EACH ROW SET @x = f()$$
DELIMITER ;
"""

W, R = "MDL_SHARED_WRITE", "MDL_SHARED_READ"
#: (LOCK TABLES, the metadata locks it holds on the tables it does not list)
LOCKED = [
    ("LOCK TABLES t WRITE", {"log": W, "lkp": R, "deep": W, "other": R}),
    ("LOCK TABLES t READ", {}),
]

#: (statements, the table the first refusal names, the server's error), each run on MariaDB;
#: with several tables missing, those the server may name (lockwise names the first).
FIRST = [
    ("LOCK TABLES t WRITE; INSERT INTO t VALUES (1, 1)", None, None),
    ("LOCK TABLES t WRITE; UPDATE t SET v = 1", None, None),
    ("LOCK TABLES t WRITE; INSERT INTO log VALUES (1)", None, None),
    ("LOCK TABLES t WRITE; SELECT * FROM lkp", None, None),
    ("LOCK TABLES t WRITE; INSERT INTO deep VALUES (1)", None, None),
    ("LOCK TABLES t WRITE; SELECT * FROM other", None, None),
    ("LOCK TABLES t WRITE; INSERT INTO lkp VALUES (1)", "lkp", "ERROR 1099"),
    ("LOCK TABLES t WRITE; SELECT * FROM unused", "unused", "ERROR 1100"),
    ("LOCK TABLES t READ; INSERT INTO t VALUES (1, 1)", ("log", "lkp", "deep"), "ERROR 1100"),
    ("LOCK TABLES t READ; UPDATE t SET v = 1", "other", "ERROR 1100"),
    ("LOCK TABLES t READ, log WRITE; INSERT INTO t VALUES (1, 1)", ("lkp", "deep"),
     "ERROR 1100"),
    ("LOCK TABLES t READ, log WRITE, lkp READ; INSERT INTO t VALUES (1, 1)", "deep",
     "ERROR 1100"),
    ("LOCK TABLES t READ, lkp READ, deep WRITE; INSERT INTO t VALUES (1, 1)", "log",
     "ERROR 1100"),
    ("LOCK TABLES t READ, lkp READ; INSERT INTO t VALUES (1, 1)", ("log", "deep"),
     "ERROR 1100"),
    ("LOCK TABLES t READ, log WRITE, lkp READ, deep WRITE; INSERT INTO t VALUES (1, 1)", "t",
     "ERROR 1099"),
    ("LOCK TABLES t READ, other READ; UPDATE t SET v = 1", "t", "ERROR 1099"),
]


def _refused(report) -> list[tuple[str, int]]:
    """The tables mysql-table-not-locked names, with the server's error code."""
    return [(a.facts["table"], a.facts["error_code"]) for s in report.statements
            for a in s.effect.actions if a.kind == "mysql_table_not_locked"]


@pytest.mark.parametrize(("sql", "refused", "error"), FIRST)
def test_what_the_session_may_use(lint_change, sql: str, refused, error) -> None:
    """It did not follow the trigger's CALL p() (nor f()): it refused log, deep and other
    under t WRITE, and let the writes of t under READ reach the 1099 for t."""
    report = lint_change(sql.replace("; ", ";\n") + ";\nUNLOCK TABLES;", "mariadb")
    first = refused[0] if isinstance(refused, tuple) else refused
    assert _refused(report) == ([(first, int(error.split()[1]))] if error else []), sql


def _locked(lint_change, lock: str, listed: str, setup: str | None = None) -> dict[str, str]:
    """The metadata locks lockwise says `lock` takes on the tables but `listed`."""
    from lockwise.effects.mysql_locks import metadata_lock

    effect = lint_change(f"{lock};\nUNLOCK TABLES;", "mariadb", setup=setup).statements[0].effect
    return {t: "MDL_" + metadata_lock(effect, m) for t, m in effect.locks.items()
            if t != listed}


@pytest.mark.parametrize(("sql", "held"), LOCKED)
def test_the_tables_the_routines_use_are_locked(lint_change, sql: str, held: dict) -> None:
    assert _locked(lint_change, sql, "t") == held


def test_a_routine_called_twice_or_recursively_is_read_once(lint_change) -> None:
    """A procedure that calls itself (refused at run time past max_sp_recursion_depth) and
    one called from two places are followed once: the walk ends."""
    setup = SETUP + ("DELIMITER $$\nCREATE PROCEDURE loop_p() BEGIN CALL loop_p(); "
                     "INSERT INTO unused VALUES (1); CALL q(); CALL q(); END$$\n"
                     "CREATE TRIGGER t_bd BEFORE DELETE ON t FOR EACH ROW CALL loop_p()$$\n"
                     "DELIMITER ;\n")
    effect = lint_change("LOCK TABLES t WRITE;\nUNLOCK TABLES;", "mariadb",
                         setup=setup).statements[0].effect
    assert {"unused", "deep"} <= set(effect.locks)


def test_a_dropped_procedure_locks_nothing(lint_change) -> None:
    report = lint_change("DROP PROCEDURE p;\nLOCK TABLES t READ;\nINSERT INTO t VALUES (2, 1);"
                         "\nUNLOCK TABLES;", "mariadb")
    assert _refused(report) == [("t", 1099)]


# --- checked on MariaDB ----------------------------------------------------------------------

def _setup(mariadb, database: str, setup: str = SETUP) -> None:
    """`setup` run in a new `database`, each statement sent whole (no DELIMITER)."""
    assert mariadb.run(f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}",
                       "mysql").returncode == 0
    body = setup.replace("DELIMITER $$\n", "").replace("DELIMITER ;\n", "").replace(
        "$$\n", ";\n")
    ran = mariadb.run(body, database, whole=True)
    assert ran.returncode == 0, ran.stderr


def _held(mariadb, database: str, lock: str, listed: str) -> dict[str, str]:
    """The metadata locks the session holds after `lock` on the tables but `listed` (the
    routines' own, MDL_SHARED on p, q, f, and the schema's left out)."""
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    ran = mariadb.run(
        f"{lock}; SELECT TABLE_NAME, LOCK_MODE FROM information_schema.METADATA_LOCK_INFO "
        f"WHERE TABLE_SCHEMA = '{database}' AND THREAD_ID = CONNECTION_ID(); UNLOCK TABLES",
        database)
    assert ran.returncode == 0, ran.stderr
    found = dict(line.split("\t") for line in ran.stdout.splitlines())
    return {t: m for t, m in found.items() if t and t != listed and m != "MDL_SHARED"}


@pytest.mark.parametrize(("sql", "refused", "error"), FIRST)
def test_what_the_session_may_use_on_mariadb(mariadb, sql: str, refused, error) -> None:
    database = "trigger_routine_locks"
    _setup(mariadb, database)
    ran = mariadb.run(f"{sql}; UNLOCK TABLES", database)
    named = refused if isinstance(refused, tuple) else (refused,)
    assert (error in ran.stderr and any(f"'{t}'" in ran.stderr for t in named)) if error \
        else ran.returncode == 0, (sql, ran.stderr)


def test_the_table_the_1100_names_depends_on_the_database_on_mariadb(mariadb) -> None:
    """The same tables, routines and trigger in two databases: the 1100 for a write of t
    under `LOCK TABLES t READ` names log in one and lkp in the other (the server's hash
    order of p's tables, keyed with the database's name): not the body's order, and not
    known to lockwise, which seldom knows the database's name."""
    named = set()
    for database in ("t", "shop"):
        _setup(mariadb, database)
        ran = mariadb.run("LOCK TABLES t READ; INSERT INTO t VALUES (1, 1)", database)
        assert "ERROR 1100" in ran.stderr, ran.stderr
        named.add(ran.stderr.split("Table '")[1].split("'")[0])
    assert named == {"log", "lkp"}


@pytest.mark.parametrize(("sql", "held"), LOCKED)
def test_the_tables_the_routines_use_are_locked_on_mariadb(mariadb, sql: str,
                                                          held: dict) -> None:
    database = "trigger_routine_locks"
    _setup(mariadb, database)
    assert _held(mariadb, database, sql, "t") == held


#: A trigger whose body reads tables in its expressions' queries only (DECLARE ... DEFAULT, SET,
#: IF), and a function whose RETURN reads one: the server prelocks those too.
QUERIES = """CREATE TABLE q_t (id INT PRIMARY KEY, v INT);
CREATE TABLE q_default (id INT);
CREATE TABLE q_set (id INT);
CREATE TABLE q_cond (id INT);
CREATE TABLE q_written (id INT);
CREATE TABLE q_returned (id INT);
DELIMITER $$
CREATE FUNCTION q_count() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM q_returned)$$
CREATE TRIGGER q_t_bi BEFORE INSERT ON q_t FOR EACH ROW BEGIN
  DECLARE d INT DEFAULT (SELECT COUNT(*) FROM q_default);
  SET NEW.v = (SELECT COUNT(*) FROM q_set) + q_count();
  IF EXISTS (SELECT 1 FROM q_cond WHERE id = (SELECT MAX(id) FROM q_cond)) THEN
    INSERT INTO q_written VALUES (1);
  END IF;
END$$
DELIMITER ;
"""
#: what `LOCK TABLES q_t WRITE` holds on the tables it does not list
QUERIES_HELD = {"q_default": R, "q_set": R, "q_cond": R, "q_written": W, "q_returned": R}


def test_the_tables_of_the_bodies_expressions_are_locked(lint_change) -> None:
    """It locked q_written alone: the queries of DEFAULT, SET, IF and RETURN were not read."""
    assert _locked(lint_change, "LOCK TABLES q_t WRITE", "q_t", QUERIES) == QUERIES_HELD


def test_the_tables_of_the_bodies_expressions_are_locked_on_mariadb(mariadb) -> None:
    database = "trigger_routine_queries"
    _setup(mariadb, database, QUERIES)
    assert _held(mariadb, database, "LOCK TABLES q_t WRITE", "q_t") == QUERIES_HELD
