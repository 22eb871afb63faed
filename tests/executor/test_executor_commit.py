"""A migration that fails at its COMMIT (a deferred constraint): reported as the COMMIT's
failure, with the cause, and recorded as not applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import history, lockwise, relation_exists, write

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
