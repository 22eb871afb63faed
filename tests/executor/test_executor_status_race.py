"""`status` tells a run in progress from a dead runner's run: a history row left unfinished
(`success` NULL) is `running` only while the runner that wrote it holds the runner lock, not
whenever some runner does; and a run that ends while status reads is not shown interrupted."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg
import pytest
from executor_helpers import (
    WAIT_FOR_TEST,
    history,
    kill_while_waiting,
    lockwise,
    popen,
    query,
    wait_for_query,
    write,
)

pytestmark = pytest.mark.postgres

_WAITS = f"-- lockwise: no-transaction\nCREATE TABLE a (id int);\n{WAIT_FOR_TEST};\n"


def _runner_lock_key() -> int:
    from lockwise.executor.history import DEFAULT_HISTORY_TABLE, HistoryTable

    return HistoryTable.parse(DEFAULT_HISTORY_TABLE).lock_key


def _no_lockwise_backend(dsn: str) -> None:
    deadline = time.monotonic() + 30
    while query(dsn, "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE "
                     "'lockwise%'")[0][0]:
        assert time.monotonic() < deadline, "the dead runner's backends never ended"
        time.sleep(0.1)


def test_a_dead_runners_run_is_interrupted_while_another_runner_holds_the_lock(
        pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": _WAITS})
    kill_while_waiting(pg_db, migrations)
    _no_lockwise_backend(pg_db)  # its backends noticed (client_connection_check_interval)
    # Another runner now holds the runner lock: a `repair`, or an `apply` about to refuse.
    with psycopg.connect(pg_db, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (_runner_lock_key(),))
        status = lockwise(pg_db, "status", str(migrations))
        found = json.loads(lockwise(pg_db, "status", str(migrations), "--format",
                                    "json").stdout)
        holder = other.info.backend_pid
    assert status.returncode == 1, status
    line = status.stdout.splitlines()[0]
    assert line.startswith("001  interrupted"), status.stdout
    assert "1 statement(s) completed; statement 2 (line 3) was running" in line
    assert f"the runner lock is held by another runner (backend PID {holder})" in line
    assert f"note: a runner holds the lock (backend PID {holder})" in status.stdout
    assert found["migrations"][0]["state"] == "interrupted"
    assert found["runner_pid"] == holder


def test_a_live_runners_run_is_running_with_its_progress(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": _WAITS})
    with psycopg.connect(pg_db, autocommit=True) as test:
        test.execute("SELECT pg_advisory_lock(4242)")
        runner = popen(pg_db, "apply", str(migrations))
        wait_for_query(pg_db, "SELECT pg_advisory_xact_lock(4242)%", runner)
        status = lockwise(pg_db, "status", str(migrations))
        found = json.loads(lockwise(pg_db, "status", str(migrations), "--format",
                                    "json").stdout)["migrations"][0]
        test.execute("SELECT pg_advisory_unlock(4242)")
    assert runner.wait(timeout=60) == 0
    assert status.returncode == 0, status
    assert "001  running" in status.stdout
    assert "1 statement(s) completed so far; statement 2 (line 3) is running" in status.stdout
    assert (found["state"], found["statement"], found["line"],
            found["statements_completed"]) == ("running", 2, 3, 1)
    assert [r["runner_pid"] is not None for r in history(pg_db)] == [True]


def test_a_run_that_ends_while_status_reads_is_not_interrupted(
        pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The interleaving of a race, made certain: status reads the history while the run is
    at statement 2, then the run ends (its row finished, the lock released), then status asks
    who holds the lock: nobody. The row it read says `success` NULL; it must not report a
    dead runner."""
    from lockwise.discover.layouts import discover
    from lockwise.executor import lock, runner
    from lockwise.executor.runner import Console, ExecOptions

    migrations = write(tmp_path / "m", {"001_a.up.sql": _WAITS})
    found = discover(migrations)
    with psycopg.connect(pg_db, autocommit=True) as test:
        test.execute("SELECT pg_advisory_lock(4242)")
        proc = popen(pg_db, "apply", str(migrations))
        wait_for_query(pg_db, "SELECT pg_advisory_xact_lock(4242)%", proc)
        real = lock.holder
        finished = []

        def run_ends_first(conn, key):
            if not finished:  # the run ends between status's reads
                test.execute("SELECT pg_advisory_unlock(4242)")
                assert proc.wait(timeout=60) == 0, proc.communicate()
                finished.append(True)
            return real(conn, key)

        monkeypatch.setattr(lock, "holder", run_ends_first)
        said: list[str] = []
        result = runner.status(pg_db, found, ExecOptions(), Console(pg_db, said.append,
                                                                    said.append))
    assert finished
    assert [(v.version, v.state) for v in result.state.versions] == [("001", "applied")]
