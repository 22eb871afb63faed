"""Attacks on the executor's promises (never lose data, never leave a half-applied migration
unrecorded, one runner at a time) on the embedded PostgreSQL: killed runners, server-side
timeouts, sessions changed by a migration, resumed statement-by-statement runs, history tables
changed by hand."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest
from executor_helpers import (
    history,
    lockwise,
    popen,
    query,
    relation_exists,
    wait_for_query,
    wait_until_seen,
    write,
)

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


# --- one runner at a time ----------------------------------------------------------------------

def test_idle_session_timeout_does_not_hand_the_lock_to_a_second_runner(
        pg_db: str, tmp_path: Path) -> None:
    """The lock connection sits idle while a migration runs: a database's idle_session_timeout
    used to close it, releasing the lock, and a second runner applied the same migration."""
    query(pg_db, f'ALTER DATABASE "{_dbname(pg_db)}" SET idle_session_timeout = \'1s\'')
    migrations = write(tmp_path / "m", {
        "001_runs.up.sql": "CREATE TABLE runs (n int);\n",
        "002_count.up.sql": "INSERT INTO runs VALUES (2);\nSELECT pg_sleep(4);\n",
    })
    first = popen(pg_db, "apply", str(migrations))
    wait_for_query(pg_db, "SELECT pg_sleep(4)%", first)
    time.sleep(1.5)  # past the idle timeout of the first runner's lock connection
    second = lockwise(pg_db, "apply", str(migrations), "--wait", "60")
    assert first.wait(timeout=60) == 0, first.communicate()
    assert second.returncode == 0, second
    assert "is up to date" in second.stdout
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
        time.sleep(1)
        assert waiter.poll() is None  # queued on the runner lock
        _kill(holder)
    # The waiter got the lock, found 001 pending (the killed transaction left nothing) and ran
    # it once.
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, (out, err)
    assert "applied 1 migration(s)" in out
    assert query(pg_db, "SELECT count(*) FROM blocker") == [(1,)]
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [("001", True)]


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
        # A backend waiting for a lock does not notice its dead client: it would go on and
        # build the index once the writer ends. Cancelled, it leaves the index INVALID (what
        # a killed server process, or a cancel by an operator, leaves too).
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
    assert "statement 2 was running" in status.stdout
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
    assert "resuming at statement 2 (1 statement(s) completed before)" in done.stdout
    assert query(pg_db, "SELECT count(*) FROM t WHERE id = -1") == [(1,)]
    assert query(pg_db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass"
                 ) == [(True,)]
    assert relation_exists(pg_db, "after_ix")
    last = history(pg_db)[-1]
    assert (last["success"], last["statements_completed"]) == (True, 3)


def test_statement_committed_but_not_recorded_is_said_to_be_uncertain(
        pg_db: str, tmp_path: Path) -> None:
    """A kill between a statement's commit and its progress update: the history cannot know;
    status must not claim the statement did not run."""
    query(pg_db, "CREATE TABLE t (id int)")
    migrations = write(tmp_path / "m", {
        "001_fill.up.sql": "-- lockwise: no-transaction\n"
                           "INSERT INTO t SELECT 1 FROM pg_sleep(1);\n"
                           "CREATE TABLE later (id int);\n",
    })
    proc = popen(pg_db, "apply", str(migrations))
    wait_for_query(pg_db, "INSERT INTO t SELECT%", proc)  # its running row is committed
    with psycopg.connect(pg_db) as locker:  # holds the progress update back
        locker.execute("SELECT * FROM lockwise.schema_history FOR UPDATE")
        wait_until_seen(pg_db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type "
                               "= 'Lock' AND query LIKE 'UPDATE%%schema_history%%'", (), proc,
                        "the blocked progress update")
        _kill(proc)
        # Else the orphan update would go on once the lock is free (a lock wait does not
        # notice a dead client) and record the statement after all.
        query(pg_db, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE "
                     "wait_event_type = 'Lock' AND query LIKE 'UPDATE%schema_history%'")
    assert query(pg_db, "SELECT count(*) FROM t") == [(1,)]  # it did commit
    status = lockwise(pg_db, "status", str(migrations))
    assert "0 statement(s) completed" in status.stdout
    assert "statement 1 was running when the runner stopped and may have taken effect" in \
        status.stdout


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
        # CONCURRENTLY: statement by statement (a down file's own no-transaction marker is not
        # read; the up file's is).
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
    """Written before `completed_checksum` existed: status reads it as it is, apply adds it."""
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "002_b.up.sql": "CREATE TABLE b (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    query(pg_db, "ALTER TABLE lockwise.schema_history DROP COLUMN completed_checksum")
    (migrations / "003_c.up.sql").write_text("CREATE TABLE c (id int);\n")
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0 and "3 migration(s): 2 applied, 1 pending" in status.stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                        "'lockwise' AND column_name = 'completed_checksum'") == [(1,)]


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
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    assert "version 001: applied to the database, but its file is not" in result.stderr
    assert "002_b.up.sql is older than the latest applied version" in result.stderr
    assert [r["version"] for r in history(pg_db)] == ["001", "003", "002"]
