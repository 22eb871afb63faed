"""A connection of the runner terminated (pg_terminate_backend) in the middle of a run: what
committed is recorded, nothing is recorded as applied that did not finish, and the next
`status`, `repair` and `apply` say what happened and run nothing twice.

Each migration waits on an advisory lock the test holds, so the backend is terminated at a
known point, then the lock is released."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from executor_helpers import history, lockwise, popen, query, wait_for_query, write

pytestmark = pytest.mark.postgres

_WAIT = "SELECT pg_advisory_xact_lock(4242)"
_LOCK_CONNECTION = "application_name = 'lockwise'"
_MIGRATION_CONNECTION = "application_name LIKE 'lockwise migrations%'"


def _terminate_while_waiting(dsn: str, migrations: Path, which: str, running: str = _WAIT,
                             command: tuple[str, ...] = ("apply",)
                             ) -> subprocess.CompletedProcess:
    """Run `command` (`apply`); once it waits on the advisory lock (in the statement
    `running`), terminate the backend `which` selects, then let the migration go on."""
    with psycopg.connect(dsn, autocommit=True) as test:
        test.execute("SELECT pg_advisory_lock(4242)")
        proc = popen(dsn, *command[:1], str(migrations), *command[1:])
        wait_for_query(dsn, running + "%", proc)
        (killed,) = test.execute(f"SELECT count(pg_terminate_backend(pid)) FROM "
                                 f"pg_stat_activity WHERE {which}").fetchone()
        assert killed == 1
        test.execute("SELECT pg_advisory_unlock(4242)")
        out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _rows(dsn: str) -> list[tuple]:
    return [(r["version"], r["success"], r["statements_completed"]) for r in history(dsn)]


def test_lock_connection_lost_after_the_last_statement_committed(pg_db: str,
                                                                 tmp_path: Path) -> None:
    # Every statement commits with its progress on the migration connection; the run's end,
    # which the lock connection would write, is written there too: the migration connection
    # still holds the statement lock, so no other runner reads the history in between.
    migrations = write(tmp_path / "m", {"001_t.up.sql": (
        "-- lockwise: no-transaction\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n"
        f"{_WAIT};\nINSERT INTO t VALUES (2);\n")})
    result = _terminate_while_waiting(pg_db, migrations, _LOCK_CONNECTION)
    assert "database error" not in result.stderr and "Traceback" not in result.stderr
    assert "lost the connection that holds the runner lock" in result.stderr, result
    # Nothing was left to run: everything is applied and recorded.
    assert result.returncode == 0, result
    assert _rows(pg_db) == [("001", True, 4)]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0, status
    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 0 and "up to date" in again.stdout, again
    assert query(pg_db, "SELECT id FROM t ORDER BY id") == [(1,), (2,)]


def test_lock_connection_lost_stops_before_the_next_migration(pg_db: str,
                                                             tmp_path: Path) -> None:
    # The runner lock is gone with its connection: the migration running commits with its row,
    # and nothing more runs without the lock (a transactional migration never writes on the
    # lock connection, so the runner checks it before each migration).
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (id int);\n",
        "002_i.up.sql": f"INSERT INTO t VALUES (1);\n{_WAIT};\n",
        "003_j.up.sql": "INSERT INTO t VALUES (3);\n"})
    result = _terminate_while_waiting(pg_db, migrations, _LOCK_CONNECTION)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    assert "lost the connection that holds the runner lock before 003_j.up.sql" in \
        result.stderr.replace(str(migrations) + "/", ""), result
    assert "run `lockwise apply` again" in result.stderr
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [
        ("001", True), ("002", True)]
    assert query(pg_db, "SELECT id FROM t ORDER BY id") == [(1,)]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0 and "pending" in status.stdout, status
    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 0, again
    assert query(pg_db, "SELECT id FROM t ORDER BY id") == [(1,), (3,)]


def test_lock_connection_lost_during_a_rollback_stops_before_the_next_one(
        pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n", "001_a.down.sql": "DROP TABLE a;\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n",
        "002_b.down.sql": f"-- lockwise: no-transaction\n{_WAIT};\nDROP TABLE b;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    result = _terminate_while_waiting(pg_db, migrations, _LOCK_CONNECTION,
                                      command=("rollback", "--to", "0"))
    assert result.returncode == 1, result
    assert "lost the connection that holds the runner lock before" in result.stderr, result
    assert "001_a.down.sql" in result.stderr and "check `lockwise status`" in result.stderr
    rows = history(pg_db)
    assert [(r["version"], r["kind"], r["success"], r["rolled_back"]) for r in rows] == [
        ("001", "apply", True, False), ("002", "apply", True, True),
        ("002", "rollback", True, False)]
    assert query(pg_db, "SELECT to_regclass('b') IS NULL, to_regclass('a') IS NOT NULL") == [
        (True, True)]
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT to_regclass('a') IS NULL") == [(True,)]


def test_lock_connection_lost_then_a_statement_fails(pg_db: str, tmp_path: Path) -> None:
    # The failure is recorded on the migration connection, and the user reads the statement's
    # own error, not the lost connection's.
    migrations = write(tmp_path / "m", {"001_t.up.sql": (
        "-- lockwise: no-transaction\nCREATE TABLE t (id int);\n"
        f"{_WAIT};\nINSERT INTO nosuch VALUES (1);\n")})
    result = _terminate_while_waiting(pg_db, migrations, _LOCK_CONNECTION)
    assert result.returncode == 1, result
    assert 'relation "nosuch" does not exist' in result.stderr, result
    assert "lost the connection that holds the runner lock" in result.stderr
    assert _rows(pg_db) == [("001", False, 2)]
    assert history(pg_db)[0]["failed_statement_index"] == 2
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0


def test_migration_connection_lost_mid_statement_by_statement(pg_db: str,
                                                              tmp_path: Path) -> None:
    # Statement 3 runs in a transaction with its progress: terminated, neither commits.
    migrations = write(tmp_path / "m", {"001_t.up.sql": (
        "-- lockwise: no-transaction\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n"
        f"INSERT INTO t VALUES (2);\n{_WAIT};\nINSERT INTO t VALUES (3);\n")})
    result = _terminate_while_waiting(pg_db, migrations, _MIGRATION_CONNECTION)
    assert result.returncode == 1, result
    assert "failed at statement 4 (line 5): terminating connection" in result.stderr
    assert "may have taken effect" not in result.stderr
    assert "the first 3 statement(s) stay applied" in result.stderr
    assert _rows(pg_db) == [("001", False, 3)]
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 0 and "resuming at statement 4" in again.stdout, again
    assert query(pg_db, "SELECT id FROM t ORDER BY id") == [(1,), (2,), (3,)]


@pytest.mark.parametrize(("which", "third", "error"), [
    # The migration's own connection: the transaction is rolled back with it.
    (_MIGRATION_CONNECTION, "INSERT INTO t VALUES (2)", "terminating connection"),
    # The lock connection: the migration's own error is reported, and its failure recorded
    # on the migration connection.
    (_LOCK_CONNECTION, "INSERT INTO nosuch VALUES (2)", 'relation "nosuch" does not exist')])
def test_a_connection_lost_in_a_transactional_migration(pg_db: str, tmp_path: Path,
                                                        which: str, third: str,
                                                        error: str) -> None:
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (id int);\n",
        "002_i.up.sql": f"INSERT INTO t VALUES (1);\n{_WAIT};\n{third};\n"})
    result = _terminate_while_waiting(pg_db, migrations, which)
    assert result.returncode == 1, result
    assert error in result.stderr, result
    assert "the database has none of this migration's changes" in result.stderr
    assert query(pg_db, "SELECT count(*) FROM t") == [(0,)]
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [
        ("001", True), ("002", False)]
    (migrations / "002_i.up.sql").write_text(
        "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT id FROM t ORDER BY id") == [(1,), (2,)]


def test_migration_connection_lost_in_a_statement_that_commits_on_its_own(
        pg_db: str, tmp_path: Path) -> None:
    # The procedure commits its INSERT, then waits: the statement "fails", yet took effect.
    migrations = write(tmp_path / "m", {
        "001_p.up.sql": "CREATE TABLE t (id int);\n" + _FILL,
        "002_call.up.sql": "-- lockwise: no-transaction\nCALL fill();\n"})
    result = _terminate_while_waiting(pg_db, migrations, _MIGRATION_CONNECTION, "CALL fill()")
    assert result.returncode == 1, result
    assert "the connection was lost while it ran on its own" in result.stderr
    assert "may have taken effect" in result.stderr
    assert query(pg_db, "SELECT id FROM t") == [(1,)]
    status = lockwise(pg_db, "status", str(migrations))
    assert "may have taken effect" in status.stdout


_FILL = ("CREATE PROCEDURE fill() LANGUAGE plpgsql AS $$ BEGIN "
         f"INSERT INTO t VALUES (1); COMMIT; PERFORM {_WAIT[7:]}; END $$;\n")


@pytest.mark.parametrize("statement", [
    "CALL fill();",
    f"DO $$ BEGIN INSERT INTO t VALUES (1); COMMIT; PERFORM {_WAIT[7:]}; END $$;"])
def test_a_lock_timeout_after_a_partial_commit_is_not_retried(pg_db: str, tmp_path: Path,
                                                             statement: str) -> None:
    # The INSERT committed before the lock_timeout: a retry would insert it again, each time.
    migrations = write(tmp_path / "m", {
        "001_p.up.sql": "CREATE TABLE t (id int);\n" + _FILL,
        "002_run.up.sql": f"-- lockwise: no-transaction\n{statement}\n"})
    with psycopg.connect(pg_db, autocommit=True) as test:
        test.execute("SELECT pg_advisory_lock(4242)")
        result = lockwise(pg_db, "apply", str(migrations), "--lock-timeout", "200ms",
                          "--retry-delay", "0.1")
    assert result.returncode == 1, result
    assert "retrying" not in result.stderr
    assert "may have taken effect, or part of it" in result.stderr
    assert "so it was not retried" in result.stderr
    assert query(pg_db, "SELECT id FROM t") == [(1,)]
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [
        ("001", True), ("002", False)]


def test_status_while_a_runner_that_lost_its_lock_connection_finishes(pg_db: str,
                                                                      tmp_path: Path) -> None:
    # The runner lock is gone with its connection, but the runner lives and its migration
    # connection is still running statement 2: `status` must not call the run interrupted (it
    # needs no repair: the runner records its end), nor say that the runner died.
    migrations = write(tmp_path / "m", {"001_t.up.sql": (
        f"-- lockwise: no-transaction\nCREATE TABLE t (id int);\n{_WAIT};\n"
        "INSERT INTO t VALUES (2);\n")})
    with psycopg.connect(pg_db, autocommit=True) as test:
        test.execute("SELECT pg_advisory_lock(4242)")
        proc = popen(pg_db, "apply", str(migrations))
        wait_for_query(pg_db, _WAIT + "%", proc)
        test.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     f"WHERE {_LOCK_CONNECTION}")
        during = lockwise(pg_db, "status", str(migrations))
        test.execute("SELECT pg_advisory_unlock(4242)")
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, (out, err)
    assert during.returncode == 0, during
    assert "001  running" in during.stdout, during
    assert "statement 2 (line 3)" in during.stdout
    assert "001  interrupted" not in during.stdout and "runner died" not in during.stdout
    assert "records the end" in during.stdout
    after = lockwise(pg_db, "status", str(migrations))
    assert after.returncode == 0 and "001  applied" in after.stdout, after
