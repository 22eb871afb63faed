"""DISCARD / IMPORT TABLESPACE: the lock they take, checked on MariaDB 10.11, and what the
report says of it. The server asks for an EXCLUSIVE metadata lock from the start (not an
online ALTER's SHARED_UPGRADABLE upgraded at its end: mysql_discard_or_import_tablespace sets
the request to MDL_EXCLUSIVE before it opens the table), so while it waits a second session's
SELECT and INSERT wait behind it too. It is neither instant, in place nor a copy: the
tablespace file is deleted or attached, and the report said ALGORITHM=INPLACE."""

from __future__ import annotations

import subprocess

import pytest
from mariadb_lock_helpers import PATIENCE, client, holding, waits_or_ends

from lockwise.effects.locks import lock_label
from lockwise.effects.mysql_locks import metadata_lock

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, a INT);"
STATEMENTS = ["ALTER TABLE t DISCARD TABLESPACE", "ALTER TABLE t IMPORT TABLESPACE"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("sql", STATEMENTS)
def test_the_report_says_the_exclusive_lock_and_no_algorithm(lint_change, sql: str,
                                                              dialect: str) -> None:
    (statement,) = lint_change(sql + ";", dialect).statements
    effect = statement.effect
    assert {table: metadata_lock(effect, mode) for table, mode in effect.locks.items()} == \
        {"t": "EXCLUSIVE"}
    label = lock_label(effect, "t", effect.locks["t"])
    assert label == ("EXCLUSIVE metadata lock (no ALGORITHM: neither instant, in place nor a "
                     "copy; a tablespace file deleted or attached)"), label
    (summary,) = [a.facts for a in effect.actions if a.kind == "mysql_alter_table"]
    assert (summary["algorithm"], summary["rebuilds_table"], summary["permits_dml"]) == \
        ("", False, False)
    assert [f.rule for f in statement.findings] == ["mysql-tablespace-transport"]



@pytest.mark.parametrize(("sql", "dialect"), [
    *((sql, dialect) for sql in STATEMENTS for dialect in ("mysql", "mariadb")),
    # MySQL's grammar reads the clause, its server ignores it (MariaDB refuses it: 1064)
    ("ALTER TABLE t ALGORITHM=COPY, DISCARD TABLESPACE", "mysql")])
def test_no_algorithm_to_suggest_instead(lint_change, sql: str, dialect: str) -> None:
    """A statement run on no algorithm has no ALGORITHM= clause to suggest instead: the
    suggestion was built anyway, malformed ("the operation needs ALGORITHM=; ..."), though
    no rule showed it."""
    (statement,) = lint_change(sql + ";", dialect).statements
    (summary,) = [a.facts for a in statement.effect.actions if a.kind == "mysql_alter_table"]
    assert summary["algorithm_instead_sql"] == ""


def _held_while_waiting(mariadb, statement: str) -> tuple[list[str], bool, bool]:
    """With a session holding t open (HANDLER: SHARED_READ), `statement` waits: (the locks
    on t its session holds meanwhile, whether a SELECT of t waits behind it, whether an
    INSERT does). Decided from the processlist and INNODB_TRX (mariadb_lock_helpers), never a
    clock; each session started here is killed before the holder is, so none runs after."""
    started: list[tuple[subprocess.Popen, int | None]] = []
    with holding(mariadb, "transport_lock", "HANDLER t OPEN") as (holder_id, _):
        try:
            for sql in (statement, "SELECT COUNT(*) FROM t", "INSERT INTO t VALUES (9, 9)"):
                session = client(mariadb, "transport_lock", sql)
                waited, waiting_id = waits_or_ends(
                    mariadb, "transport_lock", session, holder_id,
                    [holder_id, *(known for _, known in started if known is not None)])
                started.append((session, waiting_id))
                assert waited or sql != statement, f"{statement} did not wait for HANDLER"
                if sql == statement:
                    held = mariadb.run(
                        "SELECT LOCK_MODE FROM information_schema.METADATA_LOCK_INFO WHERE "
                        f"TABLE_SCHEMA = 'transport_lock' AND TABLE_NAME = 't' AND "
                        f"THREAD_ID = {waiting_id}", "mysql").stdout.split()
        finally:
            for session, waiting_id in reversed(started):
                if waiting_id is not None:
                    mariadb.run(f"KILL {waiting_id}", "mysql")
                session.wait(timeout=PATIENCE)
    return held, started[1][1] is not None, started[2][1] is not None


def test_mariadb_asks_for_the_exclusive_lock_from_the_start(mariadb) -> None:
    """Checked on MariaDB 10.11: while DISCARD / IMPORT TABLESPACE waits for the table, its
    session holds no lock on it (it asks for EXCLUSIVE at once; an online ALTER holds
    SHARED_UPGRADABLE meanwhile, the contrast), and a SELECT and an INSERT of another
    session wait behind it (seen waiting in the processlist)."""
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    assert mariadb.run("CREATE DATABASE transport_lock", "mysql").returncode == 0
    assert mariadb.run(SETUP, "transport_lock").returncode == 0
    assert _held_while_waiting(mariadb, "ALTER TABLE t ADD INDEX t_a (a)")[0] == \
        ["MDL_SHARED_UPGRADABLE"]
    assert _held_while_waiting(mariadb, "ALTER TABLE t DISCARD TABLESPACE") == ([], True, True)
    assert mariadb.run("ALTER TABLE t DISCARD TABLESPACE", "transport_lock").returncode == 0
    # (IMPORT without a file fails once it holds the lock: error 1030, tablespace missing)
    assert _held_while_waiting(mariadb, "ALTER TABLE t IMPORT TABLESPACE") == ([], True, True)
