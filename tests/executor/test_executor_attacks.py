"""Attacks on the executor's promises (never lose data, never leave a half-applied migration
unrecorded, one runner at a time) on the embedded PostgreSQL: killed runners, server-side
timeouts, sessions changed by a migration, resumed statement-by-statement runs, history tables
changed by hand."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import psycopg
import pytest
from executor_helpers import (
    WAIT_FOR_TEST,
    DeafProxy,
    history,
    lockwise,
    popen,
    query,
    read_stderr_until,
    relation_exists,
    wait_for_query,
    wait_until_seen,
    write,
)

from lockwise.executor.history import HistoryTable
from lockwise.executor.lock import APPLICATION_NAME

pytestmark = pytest.mark.postgres


def _dbname(dsn: str) -> str:
    return query(dsn, "SELECT current_database()")[0][0]


def _eventually(dsn: str, sql: str) -> None:
    deadline = time.monotonic() + 30
    while not query(dsn, sql)[0][0]:
        assert time.monotonic() < deadline, f"never true: {sql}"
        time.sleep(0.1)


def _kill(proc) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _runner_lock_sql(key: int) -> str:
    """A pg_locks condition: the advisory lock `key` (a signed bigint, split in two)."""
    key &= 0xFFFFFFFFFFFFFFFF
    return (f"l.locktype = 'advisory' AND l.classid::bigint = {key >> 32} "
            f"AND l.objid::bigint = {key & 0xFFFFFFFF}")


_RUNNER_LOCK = _runner_lock_sql(HistoryTable.parse("lockwise.schema_history").lock_key)


def _runner_lock_holder(dsn: str) -> int:
    """The backend holding the runner lock (the lock connection of the runner at work); 0
    when none does."""
    found = query(dsn, f"SELECT l.pid FROM pg_locks l WHERE {_RUNNER_LOCK} AND l.granted")
    return found[0][0] if found else 0


def _tried_the_runner_lock(dsn: str, proc, other_than: int) -> None:
    """Block until the runner `proc` (not the one whose lock connection is `other_than`) has
    asked for the runner lock: from then on it polls for it, or holds it."""
    wait_until_seen(dsn, "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                         "AND query LIKE 'SELECT pg_try_advisory_lock%%' AND pid <> %s",
                    (APPLICATION_NAME, other_than), proc, "a second runner's lock request")


# --- one runner at a time ----------------------------------------------------------------------

def test_idle_session_timeout_does_not_hand_the_lock_to_a_second_runner(
        pg_db: str, tmp_path: Path) -> None:
    """The lock connection sits idle while a migration runs: a database's idle_session_timeout
    used to close it, releasing the lock, and a second runner applied the same migration."""
    query(pg_db, f'ALTER DATABASE "{_dbname(pg_db)}" SET idle_session_timeout = \'500ms\'')
    migrations = write(tmp_path / "m", {
        "001_runs.up.sql": "CREATE TABLE runs (n int);\n",
        "002_count.up.sql": f"INSERT INTO runs VALUES (2);\n{WAIT_FOR_TEST};\n",
    })
    with psycopg.connect(pg_db, autocommit=True) as test:
        test.execute("SET idle_session_timeout = 0")
        test.execute("SELECT pg_advisory_lock(4242)")
        first = popen(pg_db, "apply", str(migrations))
        wait_for_query(pg_db, WAIT_FOR_TEST + "%", first)
        # Past the idle timeout of the first runner's lock connection: idle for twice as
        # long, or already closed by it (the runner lock gone with it).
        _eventually(pg_db, "SELECT coalesce(bool_and(clock_timestamp() - a.state_change > "
                           "interval '1s' AND a.state = 'idle'), true) FROM pg_locks l JOIN "
                           f"pg_stat_activity a USING (pid) WHERE {_RUNNER_LOCK} AND l.granted")
        holder = _runner_lock_holder(pg_db)
        second = popen(pg_db, "apply", str(migrations), "--wait", "60")
        _tried_the_runner_lock(pg_db, second, holder)
        test.execute("SELECT pg_advisory_unlock(4242)")
    assert first.wait(timeout=60) == 0, first.communicate()
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, (out, err)
    assert "is up to date" in out
    assert query(pg_db, "SELECT n FROM runs") == [(2,)]
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [
        ("001", True), ("002", True)]


def test_a_killed_runner_releases_the_lock_to_a_waiting_one(pg_db: str, tmp_path: Path) -> None:
    query(pg_db, "CREATE TABLE blocker (id int)")
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\nINSERT INTO blocker VALUES (1);\n",
    })
    with psycopg.connect(pg_db) as test:
        test.execute("LOCK TABLE blocker IN SHARE MODE")
        holder = popen(pg_db, "apply", str(migrations), "--lock-timeout", "0")
        wait_for_query(pg_db, "INSERT INTO blocker%", holder)
        waiter = popen(pg_db, "apply", str(migrations), "--lock-timeout", "0", "--wait", "60")
        _tried_the_runner_lock(pg_db, waiter, _runner_lock_holder(pg_db))
        assert waiter.poll() is None  # queued on the runner lock
        _kill(holder)
    # The waiter got the lock, found 001 pending (the killed transaction left nothing) and ran
    # it once.
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, (out, err)
    assert "applied 1 migration(s)" in out
    assert query(pg_db, "SELECT count(*) FROM blocker") == [(1,)]
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [("001", True)]


def _stray_pid(dsn: str, pattern: str) -> int:
    """The pid of the backend running `pattern`, once it waits for a lock."""
    sql = ("SELECT pid FROM pg_stat_activity WHERE query LIKE %s AND wait_event_type = 'Lock' "
           "AND pid <> pg_backend_pid()")
    deadline = time.monotonic() + 30
    while not (found := query(dsn, sql, (pattern,))):
        assert time.monotonic() < deadline, f"no backend waits in {pattern!r}"
        time.sleep(0.1)
    return found[0][0]


def _running(dsn: str, pattern: str) -> int:
    """How many backends run a statement like `pattern`."""
    return query(dsn, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND "
                      "state = 'active' AND pid <> pg_backend_pid()", (pattern,))[0][0]


def _runner_lock_taken(dsn: str) -> None:
    _eventually(dsn, f"SELECT count(*) = 1 FROM pg_locks l WHERE {_RUNNER_LOCK} AND l.granted")


def _kill_while_waiting(proxy: DeafProxy, migrations: Path, pattern: str) -> int:
    """Start a runner through `proxy`, SIGKILL it once its statement like `pattern` waits for a
    lock; the pid of that backend, which goes on (its client's death unseen)."""
    first = popen(proxy.dsn, "apply", str(migrations), "--lock-timeout", "0")
    stray = _stray_pid(proxy.dsn, pattern)
    _kill(first)
    # The proxy saw the runner go; its backend, which cannot, goes on (the next runner finds
    # it, and waits for it: checked there).
    assert proxy.client_gone.wait(60)
    assert _running(proxy.dsn, pattern) == 1
    return stray


#: What the migration connection's startup packet says (lock.statement_connection_name).
_MIGRATION_CONNECTION = b"lockwise migrations"


def test_next_runner_waits_for_a_dead_runners_statement(pg_db: str, tmp_path: Path) -> None:
    """A runner killed while its INSERT waits for a lock, its backend none the wiser: it holds
    the statement lock until the INSERT ends. The next runner waits for it, then applies what
    is left (all of it: the dead runner's transaction never got its COMMIT)."""
    query(pg_db, "CREATE TABLE blocker (id int)")
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\nINSERT INTO blocker VALUES (1);\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n",
    })
    with DeafProxy(pg_db, _MIGRATION_CONNECTION) as proxy, psycopg.connect(pg_db) as test:
        test.execute("LOCK TABLE blocker IN SHARE MODE")
        stray = _kill_while_waiting(proxy, migrations, "INSERT INTO blocker%")
        second = popen(pg_db, "apply", str(migrations), "--lock-timeout", "0", "--wait", "60")
        _runner_lock_taken(pg_db)
        status = lockwise(pg_db, "status", str(migrations), "--format", "json")
        seen = read_stderr_until(second, f"still running on backend PID {stray}: waiting")
        assert second.poll() is None, second.communicate()
        # It did not run 001 beside the dead runner's statement.
        assert _running(pg_db, "INSERT INTO blocker%") == 1
    assert json.loads(status.stdout)["stray_statement"]["pid"] == stray
    assert json.loads(status.stdout)["stray_statement"]["query"].startswith("INSERT INTO blocker")
    out, err = second.communicate(timeout=60)
    err = seen + err
    assert second.returncode == 0, (out, err)
    assert f"a previous runner's statement is still running on backend PID {stray}: waiting" \
        in err
    assert "applied 2 migration(s)" in out
    assert query(pg_db, "SELECT count(*) FROM blocker") == [(1,)]
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [
        ("001", True), ("002", True)]
    assert "still running" not in lockwise(pg_db, "status", str(migrations)).stdout


def test_next_runner_gives_up_on_a_dead_runners_statement_after_wait(
        pg_db: str, tmp_path: Path) -> None:
    query(pg_db, "CREATE TABLE blocker (id int)")
    migrations = write(tmp_path / "m", {"001_a.up.sql": "INSERT INTO blocker VALUES (1);\n"})
    with DeafProxy(pg_db, _MIGRATION_CONNECTION) as proxy, psycopg.connect(pg_db) as test:
        test.execute("LOCK TABLE blocker IN SHARE MODE")
        stray = _kill_while_waiting(proxy, migrations, "INSERT INTO blocker%")
        second = lockwise(pg_db, "apply", str(migrations), "--wait", "1")
        # repair must not judge a history row the statement may still change.
        repair = lockwise(pg_db, "repair", str(migrations), "--wait", "1")
        test.rollback()
        assert repair.returncode == 2, repair.stderr
        assert f"still running on backend PID {stray}" in repair.stderr
        assert second.returncode == 2, second.stderr
        # What is left of --wait after the runner lock: 0.9s on a loaded machine.
        assert re.search(rf"still running on backend PID {stray}; waited (1|0\.\d)s",
                         second.stderr), second.stderr
        assert f"pg_cancel_backend({stray})" in second.stderr
        _eventually(pg_db, f"SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = {stray}")
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT count(*) FROM blocker") == [(1,)]


_LOGGED = "-- lockwise: no-transaction\nINSERT INTO log VALUES (1);\n"


def _dead_runner_statement(pg_db: str, tmp_path: Path, outcome: str) -> tuple[Path, str]:
    """Statement by statement, a runner dies in its statement 2, an INSERT waiting behind the
    test's uncommitted duplicate; a second runner waits for it. The test then commits (the
    INSERT fails) or rolls back (it commits). The migrations, and the second runner's stderr."""
    query(pg_db, "CREATE TABLE log (n int); CREATE TABLE uniq (n int PRIMARY KEY)")
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": _LOGGED + "INSERT INTO uniq VALUES (1);\nCREATE TABLE after_a (id int);\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n",
    })
    with DeafProxy(pg_db, _MIGRATION_CONNECTION) as proxy, psycopg.connect(pg_db) as test:
        test.execute("INSERT INTO uniq (n) VALUES (1)")
        stray = _kill_while_waiting(proxy, migrations, "INSERT INTO uniq VALUES%")
        second = popen(pg_db, "apply", str(migrations), "--wait", "60")
        _runner_lock_taken(pg_db)
        status = lockwise(pg_db, "status", str(migrations))
        seen = read_stderr_until(second, f"still running on backend PID {stray}: waiting")
        assert second.poll() is None, second.communicate()
        getattr(test, outcome)()
        out, err = second.communicate(timeout=60)
        err = seen + err
    # Its statement still runs: not interrupted yet (the runner, for all the server can tell,
    # may only have lost its lock connection and record the end itself).
    assert "001  running" in status.stdout, status
    assert f"still running on its migration connection (backend PID {stray})" in status.stdout
    assert f"warning: a previous runner's statement is still running on backend PID {stray} " \
        in status.stdout
    # It read the history once the statement ended: the run is interrupted.
    assert second.returncode == 1, (out, err)
    assert f"still running on backend PID {stray}: waiting" in err
    assert "refusing to apply" in err
    status = lockwise(pg_db, "status", str(migrations))
    assert "1 statement(s) completed; statement 2 (line 3) was running when the runner " \
        "stopped and may have taken effect" in status.stdout
    assert "still running" not in status.stdout
    return migrations, err


def test_a_failing_statement_of_a_dead_runner_is_waited_for(pg_db: str,
                                                            tmp_path: Path) -> None:
    """The dead runner's statement fails once the test commits its duplicate: the resume after
    repair runs statements 2 and 3 once, statement 1 not again."""
    migrations, _ = _dead_runner_statement(pg_db, tmp_path, "commit")
    assert query(pg_db, "SELECT n FROM uniq") == [(1,)]
    (migrations / "001_a.up.sql").write_text(
        _LOGGED + "INSERT INTO uniq VALUES (2);\nCREATE TABLE after_a (id int);\n")
    assert "apply resumes at statement 2" in lockwise(pg_db, "repair", str(migrations)).stdout
    done = lockwise(pg_db, "apply", str(migrations))
    assert done.returncode == 0, done
    assert query(pg_db, "SELECT n FROM log") == [(1,)]
    assert query(pg_db, "SELECT n FROM uniq ORDER BY n") == [(1,), (2,)]
    assert relation_exists(pg_db, "after_a") and relation_exists(pg_db, "b")
    rows = [(r["version"], r["success"], r["statements_completed"]) for r in history(pg_db)]
    assert rows == [("001", None, 1), ("001", True, 3), ("002", True, 1)]


def test_a_dead_runners_statement_that_ends_does_not_commit_uncounted(
        pg_db: str, tmp_path: Path) -> None:
    """The test rolls back: the dead runner's INSERT ends well after its runner died, but it
    ran in a transaction with its progress update, whose COMMIT no one sent: it did not take
    effect. The resume after repair runs it once (it used to commit uncounted, and the resume
    inserted a second time)."""
    migrations, _ = _dead_runner_statement(pg_db, tmp_path, "rollback")
    assert query(pg_db, "SELECT n FROM uniq") == []
    assert not relation_exists(pg_db, "after_a") and not relation_exists(pg_db, "b")
    assert "apply resumes at statement 2" in lockwise(pg_db, "repair", str(migrations)).stdout
    done = lockwise(pg_db, "apply", str(migrations))
    assert done.returncode == 0, done
    assert query(pg_db, "SELECT n FROM log") == [(1,)]
    assert query(pg_db, "SELECT n FROM uniq") == [(1,)]
    assert relation_exists(pg_db, "after_a") and relation_exists(pg_db, "b")


# --- the session a migration leaves behind -----------------------------------------------------

def test_set_role_in_a_migration_does_not_leak_or_break_its_history_row(
        pg_db: str, tmp_path: Path) -> None:
    role = f"weak_{_dbname(pg_db)}"
    query(pg_db, f'CREATE ROLE "{role}" NOLOGIN')
    query(pg_db, f'GRANT CREATE ON SCHEMA public TO "{role}"')
    migrations = write(tmp_path / "m", {
        # Its success row is written in its transaction, after its SET ROLE.
        "001_a.up.sql": f'SET ROLE "{role}";\nCREATE TABLE a (id int);\n',
        "002_b.up.sql": f'-- lockwise: no-transaction\nSET ROLE "{role}";\n'
                        "CREATE TABLE b (id int);\n",
        "003_c.up.sql": "CREATE TABLE c (id int);\n",
    })
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    owners = dict(query(pg_db, "SELECT relname, pg_get_userbyid(relowner) FROM pg_class "
                               "WHERE relname IN ('a', 'b', 'c')"))
    assert owners["a"] == role and owners["b"] == role
    assert owners["c"] == query(pg_db, "SELECT current_user")[0][0]
    assert {r["applied_by"] for r in history(pg_db)} == {query(pg_db, "SELECT current_user")[0][0]}


# --- killed runners: status says what happened, repair resumes ---------------------------------

def test_interrupted_concurrent_index_is_reported_and_the_run_resumes(
        pg_db: str, tmp_path: Path) -> None:
    query(pg_db, "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 1000)")
    migrations = write(tmp_path / "m", {
        "001_ix.up.sql": "-- lockwise: no-transaction\n"
                         "INSERT INTO t VALUES (-1);\n"
                         "CREATE INDEX CONCURRENTLY t_id ON t (id);\n"
                         "CREATE TABLE after_ix (id int);\n",
    })
    with psycopg.connect(pg_db) as writer:
        writer.execute("INSERT INTO t VALUES (0)")  # CREATE INDEX CONCURRENTLY waits for it
        proc = popen(pg_db, "apply", str(migrations))
        wait_for_query(pg_db, "CREATE INDEX CONCURRENTLY%", proc)
        _kill(proc)
        # Its backend notices the dead client within client_connection_check_interval (or,
        # when it cannot see it, the next runner waits for it: see the dead-runner tests);
        # cancelled here at once. It leaves the index INVALID (what a killed server process,
        # or a cancel by an operator, leaves too).
        query(pg_db, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE "
                     "'CREATE INDEX CONCURRENTLY%' AND pid <> pg_backend_pid()")
        _eventually(pg_db, "SELECT count(*) = 0 FROM pg_stat_activity WHERE query LIKE "
                           "'CREATE INDEX CONCURRENTLY%' AND pid <> pg_backend_pid()")
        writer.rollback()
    assert query(pg_db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass"
                 ) == [(False,)]

    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1
    assert "001  interrupted" in status.stdout
    assert "1 statement(s) completed" in status.stdout
    assert "statement 2 (line 3) was running" in status.stdout
    assert "index public.t_id is INVALID" in status.stdout
    assert "DROP INDEX CONCURRENTLY public.t_id" in status.stdout

    # The operator drops the invalid index and clears the run: apply goes on at statement 2,
    # without inserting -1 a second time.
    query(pg_db, "DROP INDEX CONCURRENTLY t_id")
    repaired = lockwise(pg_db, "repair", str(migrations))
    assert "apply resumes at statement 2" in repaired.stdout, repaired
    status = lockwise(pg_db, "status", str(migrations))
    assert "resumes at statement 2" in status.stdout
    assert "INVALID" not in status.stdout
    done = lockwise(pg_db, "apply", str(migrations))
    assert done.returncode == 0, done
    assert "resuming at statement 2 (line 3), after the 1 statement(s) completed before" \
        in done.stdout
    assert query(pg_db, "SELECT count(*) FROM t WHERE id = -1") == [(1,)]
    assert query(pg_db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass"
                 ) == [(True,)]
    assert relation_exists(pg_db, "after_ix")
    last = history(pg_db)[-1]
    assert (last["success"], last["statements_completed"]) == (True, 3)


def test_a_runner_killed_before_recording_a_statement_leaves_it_uncommitted(
        pg_db: str, tmp_path: Path) -> None:
    """A kill after a statement ran but before its progress was recorded: the two share one
    transaction, so the statement did not commit either, and the resume runs it once (it used
    to commit on its own, uncounted, and the resume inserted a second time)."""
    query(pg_db, "CREATE TABLE t (id int)")
    migrations = write(tmp_path / "m", {
        "001_fill.up.sql": "-- lockwise: no-transaction\n"
                           "INSERT INTO t SELECT 1 FROM pg_advisory_xact_lock(4242);\n"
                           "CREATE TABLE later (id int);\n",
    })
    with psycopg.connect(pg_db, autocommit=True) as test, psycopg.connect(pg_db) as locker:
        test.execute("SELECT pg_advisory_lock(4242)")  # holds the INSERT back
        proc = popen(pg_db, "apply", str(migrations))
        wait_for_query(pg_db, "INSERT INTO t SELECT%", proc)  # its running row is committed
        # Holds the progress update back, then lets the INSERT end.
        locker.execute("SELECT * FROM lockwise.schema_history FOR UPDATE")
        test.execute("SELECT pg_advisory_unlock(4242)")
        wait_until_seen(pg_db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type "
                               "= 'Lock' AND query LIKE 'UPDATE%%schema_history%%'", (), proc,
                        "the blocked progress update")
        assert query(pg_db, "SELECT count(*) FROM t") == [(0,)]  # not committed yet
        _kill(proc)
    # The orphaned backend may get its update through once the lock is free: still no COMMIT.
    _eventually(pg_db, "SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name "
                       "LIKE 'lockwise%'")
    assert query(pg_db, "SELECT count(*) FROM t") == [(0,)]
    status = lockwise(pg_db, "status", str(migrations))
    assert "0 statement(s) completed; statement 1 (line 2) was running" in status.stdout
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    done = lockwise(pg_db, "apply", str(migrations))
    assert done.returncode == 0, done
    assert query(pg_db, "SELECT count(*) FROM t") == [(1,)]
    assert relation_exists(pg_db, "later")


#: Refuses the history write that records `002` reaching `{n}` statements (a failure at the
#: progress step, on the server), and lets the failure be recorded.
_REFUSE_PROGRESS = """
CREATE FUNCTION refuse_progress() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'progress write refused'; END $$;
CREATE TRIGGER refuse_progress BEFORE UPDATE ON lockwise.schema_history FOR EACH ROW
WHEN (NEW.version = '002' AND NEW.success IS NULL AND NEW.statements_completed = {n})
EXECUTE FUNCTION refuse_progress();
"""


@pytest.mark.parametrize(("text", "refused_at", "kept"), [
    ("INSERT INTO t VALUES (1);\nCREATE TABLE later (id int);\n", 1, 0),
    # The file's own transaction: its progress is written just before its COMMIT.
    ("CREATE TABLE before_block (id int);\nBEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;\n"
     "CREATE TABLE later (id int);\n", 4, 1),
])
def test_a_failed_progress_write_rolls_its_statement_back(pg_db: str, tmp_path: Path,
                                                           text: str, refused_at: int,
                                                           kept: int) -> None:
    migrations = write(tmp_path / "m", {"001_t.up.sql": "CREATE TABLE t (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    query(pg_db, _REFUSE_PROGRESS.format(n=refused_at))
    write(migrations, {"002_fill.up.sql": "-- lockwise: no-transaction\n" + text})
    failed = lockwise(pg_db, "apply", str(migrations), "--allow", "requires-downtime")
    assert failed.returncode == 1, failed
    assert f"failed at statement {refused_at}" in failed.stderr
    assert "recording its progress failed, so the statement was rolled back with it: " \
        "progress write refused" in failed.stderr
    assert query(pg_db, "SELECT count(*) FROM t") == [(0,)]
    last = history(pg_db)[-1]
    assert (last["success"], last["statements_completed"]) == (False, kept)
    assert not relation_exists(pg_db, "later")

    query(pg_db, "DROP TRIGGER refuse_progress ON lockwise.schema_history")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    done = lockwise(pg_db, "apply", str(migrations), "--allow", "requires-downtime")
    assert done.returncode == 0, done
    assert query(pg_db, "SELECT id FROM t") == [(1,)]
    assert relation_exists(pg_db, "later")
    assert history(pg_db)[-1]["statements_completed"] == len(text.splitlines())


def test_session_state_of_statements_run_with_their_progress(pg_db: str,
                                                             tmp_path: Path) -> None:
    """Each statement runs in a transaction with its progress update: a SET lasts as it did in
    autocommit, a SET LOCAL still ends with its statement, and a statement PostgreSQL refuses
    in a transaction block that the effect model does not know (a CALL of a procedure that
    commits) runs again on its own."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "-- lockwise: no-transaction\n"
                        "CREATE SCHEMA s1;\n"
                        "CREATE TABLE public.log (n int);\n"
                        "CREATE PROCEDURE public.fill() LANGUAGE plpgsql AS $$ BEGIN "
                        "INSERT INTO public.log VALUES (1); COMMIT; "
                        "INSERT INTO public.log VALUES (2); END $$;\n"
                        "SET search_path = s1, public;\n"
                        "CREATE TABLE in_s1 (id int);\n"
                        "SET LOCAL search_path = public;\n"
                        "CREATE TABLE also_in_s1 (id int);\n"
                        "CALL public.fill();\n",
    })
    done = lockwise(pg_db, "apply", str(migrations), "--allow", "requires-downtime")
    assert done.returncode == 0, done
    assert "statement 8 cannot run in a transaction block; running it on its own" in done.stderr
    assert relation_exists(pg_db, "s1.in_s1") and relation_exists(pg_db, "s1.also_in_s1")
    assert query(pg_db, "SELECT n FROM log ORDER BY n") == [(1,), (2,)]
    last = history(pg_db)[-1]
    assert (last["success"], last["statements_completed"]) == (True, 8)


def test_a_statement_refused_in_the_files_own_transaction_fails_it(pg_db: str,
                                                                   tmp_path: Path) -> None:
    """Inside the file's own BEGIN, a statement refused in a transaction block is not run again
    on its own: the failure rolled back the statements before it since the BEGIN too."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "-- lockwise: no-transaction\n"
                        "CREATE TABLE log (n int);\n"
                        "CREATE PROCEDURE fill() LANGUAGE plpgsql AS $$ BEGIN "
                        "INSERT INTO log VALUES (1); COMMIT; END $$;\n"
                        "BEGIN;\nINSERT INTO log VALUES (0);\nCALL fill();\nCOMMIT;\n",
    })
    failed = lockwise(pg_db, "apply", str(migrations), "--allow", "requires-downtime")
    assert failed.returncode == 1, failed
    assert "failed at statement 5" in failed.stderr
    assert "invalid transaction termination" in failed.stderr
    assert "running it on its own" not in failed.stderr
    assert query(pg_db, "SELECT n FROM log") == []
    assert history(pg_db)[-1]["statements_completed"] == 2


def test_repair_resumes_a_failed_statement_by_statement_migration(pg_db: str,
                                                                  tmp_path: Path) -> None:
    query(pg_db, "CREATE TABLE ledger (n int)")
    first = ("-- lockwise: no-transaction\nINSERT INTO ledger VALUES (1);\n"
             "CREATE INDEX CONCURRENTLY ledger_n ON ledger (n);\n")
    migrations = write(tmp_path / "m", {"001_l.up.sql": first + "SELECT 1 / 0;\n"})
    failed = lockwise(pg_db, "apply", str(migrations))
    assert failed.returncode == 1 and "division by zero" in failed.stderr
    assert history(pg_db)[-1]["statements_completed"] == 2

    # The failing statement fixed, the ones that committed untouched (reformatted only).
    (migrations / "001_l.up.sql").write_text(
        first.replace("VALUES (1)", "VALUES   (1)") + "SELECT 1;\n")
    assert "apply resumes at statement 3" in lockwise(pg_db, "repair", str(migrations)).stdout
    done = lockwise(pg_db, "apply", str(migrations))
    assert done.returncode == 0, done
    assert query(pg_db, "SELECT n FROM ledger") == [(1,)]


def test_edited_statements_that_ran_restart_the_migration(pg_db: str, tmp_path: Path) -> None:
    """Rewriting a statement that already ran (made idempotent, say) is the operator's call: the
    run starts again from the first statement, with a warning."""
    migrations = write(tmp_path / "m", {
        "001_l.up.sql": "-- lockwise: no-transaction\nCREATE TABLE a (id int);\n"
                        "SELECT 1 / 0;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    (migrations / "001_l.up.sql").write_text(
        "-- lockwise: no-transaction\nCREATE TABLE IF NOT EXISTS a (id int);\n"
        "CREATE TABLE b (id int);\n")
    lockwise(pg_db, "repair", str(migrations))
    done = lockwise(pg_db, "apply", str(migrations))
    assert done.returncode == 0, done
    assert "changed since the failed run" in done.stderr
    assert "from its first statement" in done.stderr
    assert relation_exists(pg_db, "b")


def test_failed_down_migration_resumes_after_repair(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\nCREATE TABLE log (n int);\n",
        # CONCURRENTLY: statement by statement.
        "001_a.down.sql": "INSERT INTO log VALUES (1);\nDROP INDEX CONCURRENTLY a_id;\n"
                          "DROP TABLE a;\n",
    })
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 1
    query(pg_db, "CREATE INDEX a_id ON a (id)")
    assert "rollback resumes at statement 2" in lockwise(pg_db, "repair",
                                                         str(migrations)).stdout
    done = lockwise(pg_db, "rollback", str(migrations))
    assert done.returncode == 0, done
    assert query(pg_db, "SELECT n FROM log") == [(1,)]
    assert not relation_exists(pg_db, "a")


def test_a_live_runners_statement_is_not_a_stray(pg_db: str, tmp_path: Path) -> None:
    """While a runner lives, status shows its migration as running, not as a dead runner's
    statement: its migration connection is named after its lock connection's backend."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "-- lockwise: no-transaction\nSELECT pg_advisory_xact_lock(4242);\n"})
    # The migration waits for the test's lock (not a sleep, which a loaded machine outlasts).
    with psycopg.connect(pg_db, autocommit=True) as test:
        test.execute("SELECT pg_advisory_lock(4242)")
        runner = popen(pg_db, "apply", str(migrations))
        wait_for_query(pg_db, "SELECT pg_advisory_xact_lock(4242)%", runner)
        status = lockwise(pg_db, "status", str(migrations))
        found = json.loads(lockwise(pg_db, "status", str(migrations), "--format", "json").stdout)
        test.execute("SELECT pg_advisory_unlock(4242)")
    assert runner.wait(timeout=60) == 0
    assert "001  running" in status.stdout and "a runner holds the lock (pid" in status.stdout
    assert "still running" not in status.stdout
    assert found["stray_statement"] is None and found["runner_pid"] is not None


def test_down_file_of_its_own_marked_no_transaction(pg_db: str, tmp_path: Path) -> None:
    """A down file's own `-- lockwise: no-transaction` counts (not only the up file's); a down
    file without one, of a transactional up file, runs in one transaction."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE log (n int);\n",
        "001_a.down.sql": "-- lockwise: no-transaction\nINSERT INTO log VALUES (1);\n"
                          "SELECT 1 / 0;\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n",
        "002_b.down.sql": "INSERT INTO log VALUES (2);\nSELECT 1 / 0;\n",
    })
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    plan = lockwise(pg_db, "rollback", str(migrations), "--steps", "2", "--dry-run").stdout
    assert "002 b (" in plan and "002_b.down.sql) one transaction" in plan
    assert "001_a.down.sql) no transaction" in plan
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 1
    assert query(pg_db, "SELECT n FROM log") == []  # 002's down: rolled back as a whole
    (migrations / "002_b.down.sql").write_text("DROP TABLE b;\n")
    lockwise(pg_db, "repair", str(migrations))
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 0
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 1
    assert query(pg_db, "SELECT n FROM log") == [(1,)]  # 001's: its first statement stays
    assert history(pg_db)[-1]["statements_completed"] == 1


# --- the history table -------------------------------------------------------------------------

def test_history_table_altered_by_hand_is_a_clear_error(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    query(pg_db, "ALTER TABLE lockwise.schema_history DROP COLUMN kind, "
                 "ALTER COLUMN success TYPE text")
    for command in ("status", "apply", "repair"):
        result = lockwise(pg_db, command, str(migrations))
        assert result.returncode == 2, result
        assert "lockwise.schema_history is not a lockwise history table" in result.stderr
        assert "kind (missing)" in result.stderr
        assert "success (text, expected boolean)" in result.stderr
        assert "Traceback" not in result.stderr and "database error" not in result.stderr


def test_an_unrelated_table_named_as_history_is_refused(pg_db: str, tmp_path: Path) -> None:
    query(pg_db, "CREATE TABLE users (id int, version text)")
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    result = lockwise(pg_db, "apply", str(migrations), "--history-table", "users")
    assert result.returncode == 2, result
    assert "public.users is not a lockwise history table" in result.stderr
    assert not relation_exists(pg_db, "a")


def test_history_table_of_an_older_lockwise_is_upgraded(pg_db: str, tmp_path: Path) -> None:
    """Written before `completed_checksum` and `runner_pid` existed: status reads it as it
    is, apply adds them."""
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "002_b.up.sql": "CREATE TABLE b (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    query(pg_db, "ALTER TABLE lockwise.schema_history DROP COLUMN completed_checksum, "
                 "DROP COLUMN runner_pid")
    (migrations / "003_c.up.sql").write_text("CREATE TABLE c (id int);\n")
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0 and "3 migration(s): 2 applied, 1 pending" in status.stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                        "'lockwise' AND column_name IN ('completed_checksum', 'runner_pid')"
                 ) == [(2,)]


# --- guards: what held ---------------------------------------------------------------------------

def test_runtime_error_in_third_statement_leaves_nothing(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n"
                        "SELECT 1 / 0;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    assert not relation_exists(pg_db, "a")
    row = history(pg_db)[-1]
    assert (row["success"], row["failed_statement_index"], row["statements_completed"]) == (
        False, 2, 0)
    # Nothing ran, so repair has nothing to resume: the rerun starts at statement 1.
    (migrations / "001_a.up.sql").write_text("CREATE TABLE a (id int);\n"
                                             "INSERT INTO a VALUES (1);\n")
    assert "resumes" not in lockwise(pg_db, "repair", str(migrations)).stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT id FROM a") == [(1,)]


def test_deleted_and_inserted_migrations(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "003_c.up.sql": "CREATE TABLE c (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    (migrations / "001_a.up.sql").unlink()
    (migrations / "002_b.up.sql").write_text("CREATE TABLE b (id int);\n")
    result = lockwise(pg_db, "apply", str(migrations), "--allow-out-of-order")
    assert result.returncode == 0, result
    assert "version 001: applied to the database, but its file is not" in result.stderr
    assert "002_b.up.sql is older than 003, already applied" in result.stderr
    assert [r["version"] for r in history(pg_db)] == ["001", "003", "002"]


def test_a_failed_run_whose_file_was_renamed_still_blocks(pg_db: str, tmp_path: Path) -> None:
    # 002 fails half-way (its INSERT committed, its index did not build); the author then
    # renumbers it to 003 (another branch took 002). The failed run must stay visible and
    # keep blocking: the renamed file would run its INSERT a second time.
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE t (id int, v text);\n",
        "002_b.up.sql": "INSERT INTO t VALUES (1, 'x'), (2, 'x');\n"
                        "CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    (migrations / "002_b.up.sql").rename(migrations / "003_b.up.sql")
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1, status
    assert "002" in status.stdout and "failed" in status.stdout
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "refusing to apply" in result.stderr
    assert query(pg_db, "SELECT count(*) FROM t") == [(2,)]
    # Once a human has looked, repair clears it like any failed run.
    query(pg_db, "DROP INDEX t_v")
    query(pg_db, "DELETE FROM t")
    (migrations / "003_b.up.sql").write_text("INSERT INTO t VALUES (1, 'x'), (2, 'y');\n"
                                             "CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v);\n")
    assert "002: failed run cleared" in lockwise(pg_db, "repair", str(migrations)).stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT v FROM t ORDER BY id") == [("x",), ("y",)]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0 and "002" not in status.stdout, status


def test_an_applied_migration_renumbered_is_not_run_again(pg_db: str, tmp_path: Path) -> None:
    # 002 is applied; another branch took 002 first, so its author renumbers it to 003. The
    # database has it already: running "003" would insert a second row.
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE plans (name text);\n",
        "002_seed.up.sql": "INSERT INTO plans VALUES ('free');\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    (migrations / "002_seed.up.sql").rename(migrations / "003_seed.up.sql")
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1, status
    assert "renamed" in status.stdout
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "003_seed.up.sql has the text of version 002" in result.stderr
    assert query(pg_db, "SELECT count(*) FROM plans") == [(1,)]
    # repair records it under its new version, without running it.
    assert "003: recorded as applied" in lockwise(pg_db, "repair", str(migrations)).stdout
    assert "is up to date" in lockwise(pg_db, "apply", str(migrations)).stdout
    assert query(pg_db, "SELECT count(*) FROM plans") == [(1,)]
    assert lockwise(pg_db, "status", str(migrations)).returncode == 0


def test_repair_does_not_accept_another_migration_under_an_applied_version(
        pg_db: str, tmp_path: Path) -> None:
    # 002_seed is applied; main's 002_other wins the version and 002_seed is renumbered to 003.
    # Accepting 002_other's checksum would record it as applied without running it.
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE plans (name text);\n",
        "002_seed.up.sql": "INSERT INTO plans VALUES ('free');\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    (migrations / "002_seed.up.sql").rename(migrations / "003_seed.up.sql")
    (migrations / "002_other.up.sql").write_text("CREATE TABLE other (id int);\n")
    assert "applied as seed" in lockwise(pg_db, "status", str(migrations)).stdout
    refused = lockwise(pg_db, "repair", str(migrations))
    assert refused.returncode == 1, refused
    assert "002_other.up.sql is another migration than the one applied as 002" in \
        refused.stderr
    assert not [r for r in history(pg_db) if r["version"] == "002" and r["repaired_at"]]
    # Given a version of its own, it runs; the renumbered seed is recorded, not run again.
    (migrations / "002_other.up.sql").rename(migrations / "004_other.up.sql")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "other")
    assert query(pg_db, "SELECT count(*) FROM plans") == [(1,)]


@pytest.mark.parametrize("table", ["public.hist", "lockwise.schema_history"])
def test_a_deploy_role_without_create_on_the_database_can_apply(pg_db: str, tmp_path: Path,
                                                                table: str) -> None:
    """A least-privilege deploy role: CREATE on its schema (the DBA made `lockwise` for the
    history too), none on the database. CREATE SCHEMA IF NOT EXISTS checks the database
    privilege before it looks for the schema, so apply failed on 'permission denied for
    database' for a schema that was there all along."""
    from psycopg.conninfo import make_conninfo

    role = f"deployer_{_dbname(pg_db)}"
    query(pg_db, f'CREATE ROLE "{role}" LOGIN')
    query(pg_db, f'GRANT CREATE, USAGE ON SCHEMA public TO "{role}"')
    query(pg_db, "CREATE SCHEMA IF NOT EXISTS lockwise")
    query(pg_db, f'GRANT CREATE, USAGE ON SCHEMA lockwise TO "{role}"')
    deployer = make_conninfo(pg_db, user=role)
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    result = lockwise(deployer, "apply", str(migrations), "--history-table", table)
    assert result.returncode == 0, result
    assert relation_exists(pg_db, "a") and relation_exists(pg_db, table)
    status = lockwise(deployer, "status", str(migrations), "--history-table", table)
    assert status.returncode == 0 and "001  applied" in status.stdout, status


def test_a_history_schema_the_role_may_not_create_says_what_to_do(pg_db: str,
                                                                   tmp_path: Path) -> None:
    """Without the schema, and without CREATE on the database, apply said only `database
    error: permission denied for database ...` (exit 1): it names the schema it needs and
    the ways out, as an input error."""
    from psycopg.conninfo import make_conninfo

    role = f"deployer_{_dbname(pg_db)}"
    query(pg_db, f'CREATE ROLE "{role}" LOGIN')
    query(pg_db, f'GRANT CREATE, USAGE ON SCHEMA public TO "{role}"')
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    result = lockwise(make_conninfo(pg_db, user=role), "apply", str(migrations))
    assert result.returncode == 2, result
    assert "cannot create schema lockwise for the history table" in result.stderr
    assert "--history-table" in result.stderr
    assert not relation_exists(pg_db, "a")


@pytest.mark.parametrize("command", [("apply",), ("status",), ("rollback",), ("repair",),
                                     ("baseline", "1")])
def test_a_history_table_the_role_may_not_read_is_an_environment_error(
        pg_db: str, tmp_path: Path, command: tuple[str, ...]) -> None:
    """The history table is there, but the deploy role was not granted SELECT on it: no
    migration ran, so it is not a failed migration (1) but the database lockwise was
    pointed at that is not usable as is (2), said in one line naming the table."""
    from psycopg.conninfo import make_conninfo

    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "001_a.down.sql": "DROP TABLE a;\n",
                                        "002_b.up.sql": "CREATE TABLE b (id int);\n"})
    (migrations / "002_b.up.sql").rename(tmp_path / "002_b.up.sql")
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    (tmp_path / "002_b.up.sql").rename(migrations / "002_b.up.sql")
    role = f"deployer_{_dbname(pg_db)}"
    query(pg_db, f'CREATE ROLE "{role}" LOGIN')
    query(pg_db, f'GRANT CREATE, USAGE ON SCHEMA public, lockwise TO "{role}"')
    # `baseline VERSION PATH`: the version comes first.
    result = lockwise(make_conninfo(pg_db, user=role), *command, str(migrations))
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert "permission denied for table schema_history" in result.stderr, result
    assert not relation_exists(pg_db, "b")
