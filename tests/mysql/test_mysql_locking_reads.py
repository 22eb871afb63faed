"""A locking read in a migration, `SELECT ... FOR UPDATE` / `FOR SHARE` / `LOCK IN SHARE MODE`
with MySQL's `NOWAIT` / `SKIP LOCKED` (8.0.1) or MariaDB's `WAIT n` / `NOWAIT` (10.3.0) and
`SKIP LOCKED` (10.6): refused where the server refuses it, at the word it stops at, and
otherwise read as the lock it takes: FOR UPDATE holds a SHARED_WRITE metadata lock on the
tables it locks rows of, as DML does, and a shared read SHARED_READ (checked on MariaDB 10.11
in information_schema.METADATA_LOCK_INFO; MySQL's sql/table.h, mdl_type_for_dml, the same).
MySQL's grammar (its manual's "SELECT Statement", 15.2.13 in 8.4): `FOR {UPDATE | SHARE}
[OF t, ...] [NOWAIT | SKIP LOCKED] | LOCK IN SHARE MODE`, the latter with no option."""

from __future__ import annotations

import pytest

from lockwise.effects.mysql_locks import metadata_lock

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, a INT); CREATE TABLE u (id INT PRIMARY KEY);"

#: (statement, dialect, server version or None for the default, the word the server stops at)
REFUSED = [
    ("SELECT * FROM t FOR UPDATE WAIT 5", "mysql", None, "WAIT"),
    ("SELECT * FROM t LOCK IN SHARE MODE WAIT 5", "mysql", None, "WAIT"),
    ("SELECT * FROM t LOCK IN SHARE MODE NOWAIT", "mysql", None, "NOWAIT"),
    ("SELECT * FROM t LOCK IN SHARE MODE SKIP LOCKED", "mysql", None, "SKIP"),
    ("SELECT * FROM t FOR UPDATE NOWAIT SKIP LOCKED", "mysql", None, "SKIP"),
    ("INSERT INTO u SELECT id FROM t FOR UPDATE WAIT 2", "mysql", None, "WAIT"),
    ("SELECT * FROM t FOR UPDATE NOWAIT", "mysql", "8.0.0", "NOWAIT"),
    ("SELECT * FROM t FOR UPDATE SKIP LOCKED", "mysql", "5.7", "SKIP"),
    ("SELECT * FROM t FOR SHARE", "mysql", "8.0.0", "SHARE"),
    ("SELECT * FROM t FOR UPDATE OF t", "mysql", "5.7", "OF"),
    # MariaDB 10.11 (checked): no FOR SHARE, no OF, one option at most
    ("SELECT * FROM t FOR SHARE", "mariadb", None, "SHARE"),
    ("SELECT * FROM t FOR SHARE NOWAIT", "mariadb", None, "SHARE"),
    ("SELECT * FROM t FOR UPDATE OF t", "mariadb", None, "OF"),
    ("SELECT * FROM t FOR UPDATE NOWAIT SKIP LOCKED", "mariadb", None, "SKIP"),
    ("SELECT * FROM t FOR UPDATE WAIT 2 SKIP LOCKED", "mariadb", None, "SKIP"),
    ("SELECT * FROM t FOR UPDATE SKIP LOCKED NOWAIT", "mariadb", None, "NOWAIT"),
    ("SELECT * FROM t LOCK IN SHARE MODE NOWAIT WAIT 3", "mariadb", None, "WAIT"),
    ("SELECT * FROM t FOR UPDATE WAIT 5", "mariadb", "10.2", "WAIT"),
    ("SELECT * FROM t LOCK IN SHARE MODE NOWAIT", "mariadb", "10.2", "NOWAIT"),
    ("SELECT * FROM t FOR UPDATE SKIP LOCKED", "mariadb", "10.5", "SKIP"),
    ("SELECT * FROM t LOCK IN SHARE MODE SKIP LOCKED", "mariadb", "10.5", "SKIP"),
]

#: (statement, dialect, server version, the metadata lock on t and on u, None: none modelled)
READ = [
    ("SELECT * FROM t FOR UPDATE", "mysql", None, "SHARED_WRITE", None),
    ("SELECT * FROM t FOR UPDATE NOWAIT", "mysql", None, "SHARED_WRITE", None),
    ("SELECT * FROM t WHERE a = 1 FOR UPDATE SKIP LOCKED", "mysql", None, "SHARED_WRITE", None),
    ("SELECT * FROM t FOR SHARE", "mysql", None, "SHARED_READ", None),
    ("SELECT * FROM t FOR SHARE SKIP LOCKED", "mysql", None, "SHARED_READ", None),
    ("SELECT * FROM t LOCK IN SHARE MODE", "mysql", "5.7", "SHARED_READ", None),
    # (u is read: SHARED_READ, as a plain SELECT's tables; test_mysql_read_locks.py)
    ("SELECT * FROM t JOIN u ON t.id = u.id FOR UPDATE OF t NOWAIT", "mysql", None,
     "SHARED_WRITE", "SHARED_READ"),
    ("SELECT * FROM t JOIN u ON t.id = u.id FOR UPDATE OF u FOR SHARE OF t", "mysql", None,
     "SHARED_READ", "SHARED_WRITE"),
    ("SELECT * FROM t FOR UPDATE", "mariadb", None, "SHARED_WRITE", None),
    ("SELECT * FROM t FOR UPDATE WAIT 5", "mariadb", None, "SHARED_WRITE", None),
    ("SELECT * FROM t FOR UPDATE WAIT 1.5", "mariadb", None, "SHARED_WRITE", None),
    ("SELECT * FROM t FOR UPDATE NOWAIT", "mariadb", None, "SHARED_WRITE", None),
    ("SELECT * FROM t FOR UPDATE SKIP LOCKED", "mariadb", None, "SHARED_WRITE", None),
    ("SELECT * FROM t JOIN u ON t.id = u.id FOR UPDATE", "mariadb", None,
     "SHARED_WRITE", "SHARED_WRITE"),
    ("SELECT * FROM t LOCK IN SHARE MODE", "mariadb", None, "SHARED_READ", None),
    ("SELECT * FROM t LOCK IN SHARE MODE WAIT 3", "mariadb", None, "SHARED_READ", None),
    ("SELECT * FROM t LOCK IN SHARE MODE NOWAIT", "mariadb", None, "SHARED_READ", None),
    ("SELECT * FROM t LOCK IN SHARE MODE SKIP LOCKED", "mariadb", None, "SHARED_READ", None),
    ("SELECT * FROM t FOR UPDATE NOWAIT", "mariadb", "10.3", "SHARED_WRITE", None),
]


@pytest.mark.parametrize(("sql", "dialect", "version", "word"), REFUSED)
def test_refused_where_the_server_refuses_it(lint_change, sql, dialect, version, word) -> None:
    report = lint_change(f"SELECT 1;\n  {sql};\n", dialect, version)
    (problem,) = [f for f in report.findings if f.rule == "parse-error"]
    at = sql.index(f" {word}", sql.index(" FOR ") if " FOR " in sql else sql.index(" LOCK "))
    assert (problem.span.line, problem.span.column) == (2, at + 4), problem.message
    assert f"error 1064 near '{word}" in problem.message, problem.message


@pytest.mark.parametrize(("sql", "dialect", "version", "on_t", "on_u"), READ)
def test_read_as_the_lock_it_takes(lint_change, sql, dialect, version, on_t, on_u) -> None:
    report = lint_change(sql + ";", dialect, version)
    assert [f for f in report.findings if f.rule == "parse-error"] == []
    (statement,) = report.statements
    effect = statement.effect
    assert [a.kind for a in effect.actions] == ["select"]
    assert {table: metadata_lock(effect, mode) for table, mode in effect.locks.items()} == \
        {table: lock for table, lock in (("t", on_t), ("u", on_u)) if lock}


def test_the_locks_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: each statement read runs, and holds the metadata lock said
    (information_schema.METADATA_LOCK_INFO, the session's own); each one refused stops
    with error 1064 at the word said."""
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    assert mariadb.run("CREATE DATABASE locking_reads", "mysql").returncode == 0
    assert mariadb.run(SETUP, "locking_reads").returncode == 0
    for sql, dialect, version, on_t, on_u in READ:
        if dialect != "mariadb" or version is not None:
            continue
        ran = mariadb.run(
            f"BEGIN; {sql}; SELECT TABLE_NAME, LOCK_MODE FROM information_schema."
            "METADATA_LOCK_INFO WHERE TABLE_SCHEMA = 'locking_reads' AND THREAD_ID = "
            "CONNECTION_ID() AND TABLE_NAME IN ('t', 'u') ORDER BY 1; ROLLBACK;",
            "locking_reads")
        assert ran.returncode == 0, (sql, ran.stderr)
        held = [line.split("\t") for line in ran.stdout.splitlines()[-2:] if "\tMDL_" in line]
        assert {table: mode for table, mode in held} == \
            {table: f"MDL_{lock}" for table, lock in (("t", on_t), ("u", on_u)) if lock}, sql
    for sql, dialect, version, word in REFUSED:
        if dialect != "mariadb" or version is not None:
            continue
        ran = mariadb.run(sql, "locking_reads")
        assert "ERROR 1064" in ran.stderr and f"near '{word}" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize(("sql", "waits"), [
    ("UPDATE t SET a = 1 WHERE id = 1", "(blocks LOCK=SHARED / EXCLUSIVE and COPY DDL, the "
                                        "exclusive step of every ALTER, and LOCK TABLES)"),
    ("SELECT * FROM t FOR UPDATE", "(blocks LOCK=SHARED / EXCLUSIVE and COPY DDL, "),
    ("SELECT * FROM t LOCK IN SHARE MODE", "(blocks the exclusive step of every ALTER, DROP, "
                                           "TRUNCATE and RENAME TABLE, and LOCK TABLES ... "
                                           "WRITE)"),
])
def test_the_reason_says_what_waits_in_mysqls_words(lint_change, sql: str, waits: str) -> None:
    """A safe statement's reason names what waits behind its lock as the lock lines do, in
    MySQL's words: it said PostgreSQL's (CREATE INDEX without CONCURRENTLY, REFRESH
    MATERIALIZED VIEW CONCURRENTLY)."""
    (statement,) = lint_change(sql + ";", "mysql").statements
    assert waits in statement.reason
    assert "CONCURRENTLY" not in statement.reason
