"""Ctrl-C (SIGINT) in the middle of `lockwise apply`: the runner says where it stopped, what
stays applied and what to do, and exits 130."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from executor_helpers import (
    history,
    lockwise,
    query,
    relation_exists,
    wait_for_query,
    write,
)

pytestmark = pytest.mark.postgres


def _interrupted_apply(dsn: str, migrations: Path, running: str,
                       *args: str) -> subprocess.CompletedProcess:
    """Run apply, send SIGINT (as Ctrl-C does) once a query like `running` runs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lockwise", "apply", str(migrations), "--dsn", dsn, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell's background job ignores SIGINT: a terminal's Ctrl-C does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_for_query(dsn, running, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_ctrl_c_in_a_transactional_migration_says_it_was_rolled_back(pg_db: str,
                                                                      tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\nSELECT pg_sleep(30);\n"})
    result = _interrupted_apply(pg_db, migrations, "SELECT pg_sleep(30)%")
    assert result.returncode == 130, result
    assert "interrupted during" in result.stderr and "002_b.up.sql" in result.stderr
    assert "its transaction was rolled back" in result.stderr
    assert relation_exists(pg_db, "a") and not relation_exists(pg_db, "b")
    assert lockwise(pg_db, "status", str(migrations)).returncode == 0  # 002 pending


def test_ctrl_c_during_a_concurrent_build_names_the_invalid_index(pg_db: str,
                                                                  tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (id int);\n"
                        "INSERT INTO t SELECT generate_series(1, 300);\n"
                        "CREATE FUNCTION slow(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
                        "$$ BEGIN PERFORM pg_sleep(0.1); RETURN $1; END $$;\n",
        "002_ix.up.sql": "-- lockwise: no-transaction\nINSERT INTO t VALUES (0);\n"
                         "CREATE INDEX CONCURRENTLY t_slow ON t (slow(id));\n"})
    result = _interrupted_apply(pg_db, migrations, "CREATE INDEX CONCURRENTLY%")
    assert result.returncode == 130, result
    assert "interrupted during" in result.stderr and "statement 2 (line 3)" in result.stderr
    assert "the next run resumes at statement 2" in result.stderr
    assert "index public.t_slow is INVALID" in result.stderr
    rows = history(pg_db)
    # Recorded where it stopped: it ran on its own, so it may have completed before the cancel.
    assert [(r["version"], r["success"], r["statements_completed"],
             r["failed_statement_index"]) for r in rows] == [
        ("001", True, 3, None), ("002", False, 1, 1)]
    assert "interrupted (Ctrl-C)" in rows[1]["error_message"]
    assert "may have completed" in rows[1]["error_message"]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1 and "002  failed" in status.stdout, status
    assert "statement 2 (line 3): interrupted (Ctrl-C)" in status.stdout


def test_ctrl_c_in_a_statement_run_with_its_progress_records_it_rolled_back(
        pg_db: str, tmp_path: Path) -> None:
    # Statement 2 runs in a transaction with its progress: cancelled, neither commits, and the
    # history says so exactly (not "may have taken effect").
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "-- lockwise: no-transaction\nCREATE TABLE t (id int);\n"
                        "INSERT INTO t SELECT 1 FROM pg_sleep(30);\nINSERT INTO t VALUES (2);\n"})
    result = _interrupted_apply(pg_db, migrations, "INSERT INTO t SELECT 1 FROM pg_sleep%")
    assert result.returncode == 130, result
    assert "Traceback" not in result.stderr
    assert "statement 2 (line 3) was cancelled and rolled back" in result.stderr, result
    assert "may have" not in result.stderr
    (row,) = history(pg_db)
    assert (row["success"], row["statements_completed"], row["failed_statement_index"]) == (
        False, 1, 1)
    assert "interrupted (Ctrl-C)" in row["error_message"]
    assert "rolled back" in row["error_message"]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1 and "001  failed" in status.stdout, status
    assert "may have taken effect" not in status.stdout
    assert query(pg_db, "SELECT count(*) FROM t") == [(0,)]
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 0 and "resuming at statement 2" in again.stdout, again
    assert query(pg_db, "SELECT id FROM t ORDER BY id") == [(1,), (2,)]


def test_ctrl_c_while_waiting_for_the_runner_lock_exits_cleanly(pg_db: str,
                                                               tmp_path: Path) -> None:
    # Another deployer holds the lock; Ctrl-C on the waiting one: a message, exit 130, nothing
    # run and nothing recorded (not even the history table, created under the lock).
    import psycopg

    from lockwise.executor.history import HistoryTable

    migrations = write(tmp_path / "m", {"001_t.up.sql": "CREATE TABLE t (id int);\n"})
    key = HistoryTable.parse("lockwise.schema_history").lock_key
    with psycopg.connect(pg_db, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (key,))
        holder = other.info.backend_pid
        result = _interrupted_apply(pg_db, migrations, "SELECT pg_try_advisory_lock%",
                                    "--wait", "60")
    assert result.returncode == 130, result
    assert "Traceback" not in result.stderr
    assert "interrupted while waiting for the runner lock" in result.stderr, result
    assert f"held by backend pid {holder}" in result.stderr
    assert "nothing was run" in result.stderr
    assert not relation_exists(pg_db, "t")
    assert query(pg_db, "SELECT to_regclass('lockwise.schema_history')") == [(None,)]
