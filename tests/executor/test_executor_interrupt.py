"""Ctrl-C (SIGINT) in the middle of `lockwise apply`: the runner says where it stopped, what
stays applied and what to do, and exits 130."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from executor_helpers import history, lockwise, relation_exists, wait_for_query, write

pytestmark = pytest.mark.postgres


def _interrupted_apply(dsn: str, migrations: Path, running: str) -> subprocess.CompletedProcess:
    """Run apply, send SIGINT (as Ctrl-C does) once a query like `running` runs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lockwise", "apply", str(migrations), "--dsn", dsn],
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
    assert [(r["version"], r["success"], r["statements_completed"]) for r in rows] == [
        ("001", True, 3), ("002", None, 1)]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1 and "interrupted" in status.stdout
