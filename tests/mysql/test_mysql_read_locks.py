"""The tables a MySQL / MariaDB statement reads hold a metadata lock until the transaction
ends (under autocommit, the statement's end): a plain SELECT, the query of INSERT ... SELECT
and CREATE TABLE ... AS SELECT, the tables an UPDATE or DELETE joins, and subqueries in DML
hold SHARED_READ; a locking subquery's FOR UPDATE holds SHARED_WRITE on the tables of its
FROM list, as DML does; a multi-table UPDATE holds SHARED_WRITE on every table of its list,
a multi-table DELETE on the tables it deletes from only; a REPLACE holds what INSERT holds.
Each checked on MariaDB 10.11 in information_schema.METADATA_LOCK_INFO (the session's own,
inside BEGIN ... ROLLBACK; a CREATE TABLE ... AS SELECT, which commits, from a second session
while it runs). They were
read as "other", or as the written table's lock alone."""

from __future__ import annotations

import pytest
from mariadb_lock_helpers import PATIENCE, start_in_phase, state_of

from lockwise.effects.mysql_locks import metadata_lock

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, a INT); CREATE TABLE u (id INT PRIMARY KEY, b INT);"

R, W = "SHARED_READ", "SHARED_WRITE"

#: (statement, the metadata lock it holds on t and on u, None: none), checked on MariaDB 10.11
HELD = [
    ("SELECT * FROM t", R, None),
    ("SELECT * FROM t JOIN u ON t.id = u.id", R, R),
    ("SELECT * FROM t WHERE id IN (SELECT id FROM u)", R, R),
    ("SELECT * FROM (SELECT * FROM u) x", None, R),
    ("WITH x AS (SELECT * FROM u) SELECT * FROM x", None, R),
    ("SELECT * FROM t UNION SELECT * FROM u", R, R),
    ("SELECT (SELECT 1 FROM u LIMIT 1), t.* FROM t", R, R),
    ("SELECT * FROM t WHERE id IN (SELECT id FROM u) FOR UPDATE", W, R),
    ("SELECT * FROM t WHERE id IN (SELECT id FROM u FOR UPDATE)", R, W),
    ("INSERT INTO t SELECT id, b FROM u", W, R),
    ("INSERT INTO t (id) SELECT id FROM u FOR UPDATE", W, W),
    ("INSERT INTO t (id) SELECT id FROM u LOCK IN SHARE MODE", W, R),
    ("INSERT INTO t VALUES (1, 1) ON DUPLICATE KEY UPDATE a = (SELECT MAX(id) FROM u)", W, R),
    # REPLACE, as INSERT (it was "other", with no lock)
    ("REPLACE INTO t VALUES (1, 1)", W, None),
    ("REPLACE t SET id = 1, a = (SELECT MAX(b) FROM u)", W, R),
    ("REPLACE INTO t SELECT id, b FROM u", W, R),
    ("REPLACE INTO t (id) SELECT id FROM u FOR UPDATE", W, W),
    ("UPDATE t JOIN u ON t.id = u.id SET t.a = u.b", W, W),
    ("UPDATE t, u SET t.a = u.b WHERE t.id = u.id", W, W),
    ("UPDATE t SET a = (SELECT MAX(b) FROM u)", W, R),
    ("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM u)", W, R),
    ("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM u FOR UPDATE)", W, W),
    ("DELETE FROM t WHERE id IN (SELECT id FROM u)", W, R),
    ("DELETE t FROM t JOIN u ON t.id = u.id", W, R),
    ("DELETE a FROM t AS a JOIN u ON a.id = u.id", W, R),
    ("DELETE t, u FROM t JOIN u ON t.id = u.id", W, W),
    ("DELETE FROM t USING t JOIN u ON t.id = u.id", W, R),
]

#: CREATE TABLE ... AS SELECT: the lock on u while it runs (its new table aside)
CREATED = [("CREATE TABLE v AS SELECT id FROM u", R),
           ("CREATE TABLE v AS SELECT id FROM u FOR UPDATE", W)]


def _held(effect) -> dict[str, str]:
    return {table: metadata_lock(effect, mode) for table, mode in effect.locks.items()}


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "on_t", "on_u"), HELD)
def test_the_tables_read_hold_their_lock(lint_change, sql: str, on_t, on_u, dialect) -> None:
    report = lint_change(sql + ";", dialect)
    assert [f for f in report.findings if f.rule == "parse-error"] == []
    (statement,) = report.statements
    assert _held(statement.effect) == \
        {table: lock for table, lock in (("t", on_t), ("u", on_u)) if lock}, sql


@pytest.mark.parametrize(("sql", "on_u"), CREATED)
def test_create_table_as_select_holds_the_lock_of_its_query(lint_change, sql, on_u) -> None:
    (statement,) = lint_change(sql + ";", "mariadb").statements
    assert _held(statement.effect) == {"u": on_u}


@pytest.mark.parametrize("sql", ["SELECT * FROM t", "SELECT a FROM t JOIN u ON t.id = u.id"])
def test_a_plain_select_is_a_select(lint_change, sql: str) -> None:
    """It was "other", no lock."""
    (statement,) = lint_change(sql + ";", "mysql").statements
    assert [a.kind for a in statement.effect.actions] == ["select"]


@pytest.mark.parametrize("sql", [
    "SELECT 1", "SELECT 1 FROM DUAL", "SELECT NOW()",
    # INFORMATION_SCHEMA's views hold no metadata lock (checked on MariaDB 10.11)
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'd'"])
def test_a_select_of_no_table_takes_no_lock(lint_change, sql: str) -> None:
    (statement,) = lint_change(sql + ";", "mysql").statements
    assert statement.effect.locks == {}


def test_the_locks_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: each statement holds exactly the metadata locks said on t
    and u (information_schema.METADATA_LOCK_INFO, the session's own, before ROLLBACK)."""
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    assert mariadb.run("CREATE DATABASE read_locks", "mysql").returncode == 0
    assert mariadb.run(SETUP, "read_locks").returncode == 0
    for sql, on_t, on_u in HELD:
        ran = mariadb.run(
            f"BEGIN; {sql}; SELECT TABLE_NAME, LOCK_MODE FROM information_schema."
            "METADATA_LOCK_INFO WHERE TABLE_SCHEMA = 'read_locks' AND THREAD_ID = "
            "CONNECTION_ID() AND TABLE_NAME IN ('t', 'u') ORDER BY 1; ROLLBACK;", "read_locks")
        assert ran.returncode == 0, (sql, ran.stderr)
        held = [line.split("\t") for line in ran.stdout.splitlines() if "\tMDL_" in line]
        assert {table: mode for table, mode in held} == \
            {table: f"MDL_{lock}" for table, lock in (("t", on_t), ("u", on_u)) if lock}, sql


def test_create_table_as_select_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: while CREATE TABLE ... AS SELECT runs (its SLEEP keeps it
    running), a second session sees the lock it holds on the table it reads. Read once the
    processlist shows it in its SLEEP, not after a fixed time; then it is killed (no v)."""
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    assert mariadb.run("CREATE DATABASE read_locks_ctas", "mysql").returncode == 0
    assert mariadb.run(SETUP + " INSERT INTO u VALUES (1, 1);", "read_locks_ctas")\
        .returncode == 0
    asleep = frozenset({"User sleep"})
    for sql, on_u in CREATED:
        slow = sql.replace("SELECT id", f"SELECT id, SLEEP({PATIENCE * 4}) AS z")
        running, running_id = start_in_phase(mariadb, "read_locks_ctas", slow, "CREATE TABLE v",
                                             asleep)
        try:
            assert running_id is not None, (sql, "never seen in its SLEEP")
            seen = mariadb.run(
                "SELECT TABLE_NAME, LOCK_MODE FROM information_schema.METADATA_LOCK_INFO "
                f"WHERE TABLE_SCHEMA = 'read_locks_ctas' AND TABLE_NAME = 'u' AND THREAD_ID = "
                f"{running_id}", "mysql")
            held = [line.split("\t") for line in seen.stdout.splitlines() if "\tMDL_" in line]
            assert state_of(mariadb, running_id) in asleep, "it ended its SLEEP before the read"
            assert held == [["u", f"MDL_{on_u}"]], (sql, held)
        finally:
            if running_id is not None:
                mariadb.run(f"KILL {running_id}", "mysql")
            running.kill()
            running.wait(timeout=PATIENCE)
        assert mariadb.run("DROP TABLE IF EXISTS v", "read_locks_ctas").returncode == 0


@pytest.mark.parametrize(("sql", "lock", "waits"), [
    ("UPDATE t SET a = 1 WHERE id = 1", "SHARED_WRITE metadata lock on t",
     "(blocks LOCK=SHARED / EXCLUSIVE and COPY DDL, the exclusive step of every ALTER, and "
     "LOCK TABLES)"),
    ("INSERT INTO t SELECT id, b FROM u", "SHARED_WRITE metadata lock on t",
     "(blocks LOCK=SHARED / EXCLUSIVE and COPY DDL, "),
    ("SELECT * FROM t", "SHARED_READ metadata lock on t",
     "(blocks the exclusive step of every ALTER, DROP, TRUNCATE and RENAME TABLE, and LOCK "
     "TABLES ... WRITE)"),
])
def test_the_reason_says_how_long_the_lock_is_held_once(lint_change, sql, lock, waits) -> None:
    """Held until the transaction ends, the statement's end under autocommit: the reason
    said "briefly" and "until it commits" at once."""
    (statement,) = lint_change(sql + ";", "mysql").statements
    reason = statement.reason
    assert reason.startswith(f"takes {lock} until its transaction ends, the statement's end "
                             f"under autocommit ("), reason
    assert waits in reason, reason
    assert "briefly" not in reason and "until it commits" not in reason, reason


@pytest.mark.parametrize(("sql", "refused"), [
    # the UPDATE's joined table is only read: READ suffices, its SHARED_WRITE aside
    ("LOCK TABLES t WRITE, u READ; UPDATE t JOIN u ON t.id = u.id SET t.a = u.b", None),
    ("LOCK TABLES t WRITE, u READ; INSERT INTO t SELECT id, b FROM u", None),
    ("LOCK TABLES t WRITE, u READ; DELETE t FROM t JOIN u ON t.id = u.id", None),
    ("LOCK TABLES t WRITE, u READ; REPLACE INTO t SELECT id, b FROM u", None),
    ("LOCK TABLES t READ, u READ; REPLACE INTO t SELECT id, b FROM u", "t"),
    # FOR UPDATE asks a write lock: error 1099
    ("LOCK TABLES t READ; SELECT * FROM t FOR UPDATE", "t"),
    ("LOCK TABLES t WRITE, u READ; INSERT INTO t (id) SELECT id FROM u FOR UPDATE", "u"),
    ("LOCK TABLES t WRITE, u READ; DELETE FROM t WHERE id IN (SELECT id FROM u FOR UPDATE)",
     "u"),
])
def test_a_read_needs_only_lock_tables_read(lint_change, mariadb, sql: str, refused) -> None:
    """Under LOCK TABLES a table read needs a READ lock, one a locking read's FOR UPDATE
    reads a WRITE lock (error 1099 otherwise): checked on MariaDB 10.11 (the read tables'
    locks made every one of them a write)."""
    report = lint_change(sql.replace("; ", ";\n") + ";\nUNLOCK TABLES;", "mariadb")
    found = [f.message for s in report.statements for f in s.findings
             if f.rule == "mysql-table-not-locked"]
    assert [m.split(" ", 1)[0] for m in found] == ([refused] if refused else []), found
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS read_locks_held", "mysql")\
        .returncode == 0
    assert mariadb.run("CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT); CREATE "
                       "TABLE IF NOT EXISTS u (id INT PRIMARY KEY, b INT)", "read_locks_held")\
        .returncode == 0
    ran = mariadb.run(f"{sql}; UNLOCK TABLES", "read_locks_held")
    assert ("ERROR 1099" in ran.stderr) == bool(refused), (sql, ran.stderr)
