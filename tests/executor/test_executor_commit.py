"""A migration that fails at its COMMIT (a deferred constraint): reported as the COMMIT's
failure, with the cause, and recorded as not applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import (
    CutAfterCommitProxy,
    CutClientAtCommitProxy,
    history,
    lockwise,
    query,
    read_stderr_until,
    relation_exists,
    wait_until_seen,
    write,
)

pytestmark = pytest.mark.postgres

_DEFERRED_FK = (
    "CREATE TABLE parents (id int PRIMARY KEY);\n"
    "CREATE TABLE children (id int PRIMARY KEY, parent_id int REFERENCES parents (id) "
    "DEFERRABLE INITIALLY DEFERRED);\n"
    "INSERT INTO children VALUES (1, 42);\n"
)


def test_deferred_constraint_failing_at_commit_is_the_commits_failure(
        pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_fk.up.sql": _DEFERRED_FK})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "recording its history row" not in result.stderr
    assert "failed at COMMIT" in result.stderr
    assert "violates foreign key constraint" in result.stderr
    assert "rolled back" in result.stderr
    assert not relation_exists(pg_db, "children")
    rows = history(pg_db)
    assert [(r["version"], r["success"]) for r in rows] == [("001", False)]
    assert rows[0]["error_message"].startswith("COMMIT failed: ")
    assert rows[0]["failed_statement_index"] is None
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1
    assert "failed" in status.stdout


def test_deferred_constraint_failing_at_the_files_own_commit(pg_db: str,
                                                             tmp_path: Path) -> None:
    # A statement-by-statement migration: the file's own COMMIT fails; statements before its
    # BEGIN stay applied, the ones inside are not counted.
    migrations = write(tmp_path / "m", {
        "001_fk.up.sql": "-- lockwise: no-transaction\nCREATE TABLE before_it (id int);\n"
                         "BEGIN;\n" + _DEFERRED_FK + "COMMIT;\n"})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "violates foreign key constraint" in result.stderr
    assert relation_exists(pg_db, "before_it")
    assert not relation_exists(pg_db, "children")
    rows = history(pg_db)
    assert [(r["version"], r["success"], r["statements_completed"]) for r in rows] == [
        ("001", False, 1)]


def test_the_files_own_commit_failing_names_the_commit_and_what_rolled_back(
        pg_db: str, tmp_path: Path) -> None:
    # Statements 3 to 6 ran in the file's transaction; its COMMIT (statement 7, line 8) checks
    # the deferred foreign key and fails: the message names the COMMIT, not an INSERT, and says
    # which statements rolled back and where the resume starts.
    migrations = write(tmp_path / "m", {"001_fk.up.sql": (
        "-- lockwise: no-transaction\n"
        "CREATE TABLE parents (id int PRIMARY KEY);\n"
        "CREATE TABLE children (id int PRIMARY KEY, parent_id int REFERENCES parents (id) "
        "DEFERRABLE);\n"
        "BEGIN;\n"
        "SET CONSTRAINTS ALL DEFERRED;\n"
        "INSERT INTO children VALUES (1, 42);\n"
        "INSERT INTO parents VALUES (1);\n"
        "COMMIT;\n")})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "failed at its COMMIT (statement 7, line 8)" in result.stderr
    assert "deferred" in result.stderr
    assert "statements 3 to 7 (from its BEGIN at line 4) were rolled back" in result.stderr
    assert "the first 2 statement(s) stay applied" in result.stderr
    assert "resumes at statement 3" in result.stderr
    assert relation_exists(pg_db, "children")
    assert query(pg_db, "SELECT count(*) FROM children")[0][0] == 0
    (row,) = history(pg_db)
    assert (row["success"], row["statements_completed"], row["failed_statement_index"]) == (
        False, 2, 6)
    assert row["error_message"].startswith("COMMIT failed: ")
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1
    assert "statement 7 (line 8): COMMIT failed: " in status.stdout


def test_a_deferred_constraint_failing_at_a_statements_own_commit(pg_db: str,
                                                                  tmp_path: Path) -> None:
    # Without a BEGIN of the file's, each statement commits in a transaction of its own with
    # its progress: the INSERT (statement 3) fails when that transaction commits.
    migrations = write(tmp_path / "m", {"001_fk.up.sql": "-- lockwise: no-transaction\n"
                                        + _DEFERRED_FK + "CREATE TABLE after_it (id int);\n"})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "failed at statement 3 (line 4), at the COMMIT of its transaction" in result.stderr
    assert "deferred" in result.stderr
    assert "violates foreign key constraint" in result.stderr
    assert "the first 2 statement(s) stay applied" in result.stderr
    assert query(pg_db, "SELECT count(*) FROM children")[0][0] == 0
    assert not relation_exists(pg_db, "after_it")
    (row,) = history(pg_db)
    assert (row["success"], row["statements_completed"], row["failed_statement_index"]) == (
        False, 2, 2)
    assert row["error_message"].startswith("COMMIT failed: ")


def test_connection_lost_at_commit_before_it_committed_is_a_failure(pg_db: str,
                                                                   tmp_path: Path) -> None:
    # A deferred constraint trigger ends its own backend during COMMIT: nothing committed, and
    # the history (checked on the lock connection) says so.
    migrations = write(tmp_path / "m", {"001_dies.up.sql": (
        "CREATE TABLE t (id int);\n"
        "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;\n"
        "CREATE CONSTRAINT TRIGGER t_dies AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION die();\n"
        "INSERT INTO t VALUES (1);\n")})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "failed at COMMIT" in result.stderr
    assert not relation_exists(pg_db, "t")
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [("001", False)]


def test_a_failure_and_an_edited_applied_file_are_both_named(pg_db: str,
                                                            tmp_path: Path) -> None:
    # `repair` clears the one and accepts the other: the refusal says so before it does.
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "002_fk.up.sql": _DEFERRED_FK})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    write(migrations, {"001_a.up.sql": "CREATE TABLE a (id bigint);\n"})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "(version 002) is failed" in result.stderr
    assert "version 001: " in result.stderr and "changed since it was applied" in result.stderr
    assert "also accepts the edited applied files" in result.stderr


# --- the connection lost right after the server committed -------------------------------------
# CutAfterCommitProxy lets a COMMIT reach the server and cuts the connection before its reply:
# the server committed, the runner only sees its connection gone.


def test_a_transaction_committed_before_its_connection_dropped_is_applied_once(
        pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (id int, note text);\n"
                        "INSERT INTO t VALUES (1, 'cut-here');\n",
        "002_u.up.sql": "CREATE TABLE u (id int);\n"})
    with CutAfterCommitProxy(pg_db, b"cut-here") as proxy:
        result = lockwise(proxy.dsn, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "the server committed the migration and its history row" in result.stderr
    assert "database error" not in result.stderr and "Traceback" not in result.stderr
    assert "run `lockwise apply` again" in result.stderr
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [("001", True)]
    assert not relation_exists(pg_db, "u")
    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 0, again
    assert query(pg_db, "SELECT id FROM t") == [(1,)]
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [
        ("001", True), ("002", True)]


def test_a_statement_committed_before_its_connection_dropped_is_counted(
        pg_db: str, tmp_path: Path) -> None:
    # Statement 2 commits with its progress; the runner never hears it. The failure it records
    # must not take the progress back (the resume would insert the row a second time).
    migrations = write(tmp_path / "m", {"001_t.up.sql": (
        "-- lockwise: no-transaction\n"
        "CREATE TABLE t (id int, note text);\n"
        "INSERT INTO t VALUES (1, 'cut-here');\n"
        "INSERT INTO t VALUES (2, '');\n")})
    with CutAfterCommitProxy(pg_db, b"cut-here") as proxy:
        result = lockwise(proxy.dsn, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "the server committed it" in result.stderr
    assert "the first 2 statement(s) stay applied" in result.stderr
    assert "resumes at statement 3" in result.stderr
    (row,) = history(pg_db)
    assert (row["success"], row["statements_completed"]) == (False, 2)
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 0, again
    assert "resuming at statement 3" in again.stdout
    assert query(pg_db, "SELECT id FROM t ORDER BY id") == [(1,), (2,)]


def test_a_commit_that_completes_after_its_connection_dropped_is_applied(
        pg_db: str, tmp_path: Path) -> None:
    # The COMMIT waits in a deferred trigger (as for a synchronous standby) when the runner's
    # connection drops: the transaction, and its success row, are not visible yet. Recorded
    # as failed then, the history would call an applied migration failed (and `repair` +
    # `apply` would run it twice): the runner waits for the backend to end first.
    import psycopg
    from executor_helpers import popen

    migrations = write(tmp_path / "m", {"001_t.up.sql": (
        "CREATE TABLE t (id int, note text);\n"
        "CREATE FUNCTION wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$;\n"
        "CREATE CONSTRAINT TRIGGER t_waits AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION wait_at_commit();\n"
        "INSERT INTO t VALUES (1, 'cut-here');\n")})
    with CutClientAtCommitProxy(pg_db, b"cut-here") as proxy, \
            psycopg.connect(pg_db, autocommit=True) as test:
        test.execute("SELECT pg_advisory_lock(4242)")
        proc = popen(proxy.dsn, "apply", str(migrations))
        wait_until_seen(pg_db, "SELECT count(*) FROM pg_stat_activity WHERE query = 'COMMIT' "
                        "AND wait_event_type = 'Lock'", (), proc, "the COMMIT waiting")
        # The runner saw its connection drop, found no success row, and waits for the
        # backend: only now may the COMMIT complete (before, it proves nothing).
        seen = read_stderr_until(proc, "was lost at a COMMIT: waiting")
        test.execute("SELECT pg_advisory_unlock(4242)")
        out, err = proc.communicate(timeout=120)
        err = seen + err
    assert "Traceback" not in err, err
    assert "the server committed the migration and its history row" in err, (out, err)
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [("001", True)]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0 and "001  applied" in status.stdout, status
    assert query(pg_db, "SELECT id FROM t") == [(1,)]
