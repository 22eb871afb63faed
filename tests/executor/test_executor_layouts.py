"""The executor as a user meets it on a layout's folder: what the layout's tool would never
run in production is not run by `apply` either, and what `status` says is what `apply`
then does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from executor_helpers import history, lockwise, write

pytestmark = pytest.mark.postgres

LAYOUTS = Path(__file__).resolve().parents[2] / "fixtures" / "layouts"


@pytest.mark.parametrize("current", ["current.sql", "current/1-index.sql"])
def test_graphile_current_migration_is_not_applied(pg_db: str, tmp_path: Path,
                                                   current: str) -> None:
    """graphile-migrate's current.sql (or current/) is the migration being written:
    `graphile-migrate migrate` never runs it, only `watch` on a development database, and
    `commit` turns it into the next committed file. Applied, it ran unfinished SQL in
    production under the version `current`, and then again once committed."""
    folder = tmp_path / "migrations"
    shutil.copytree(LAYOUTS / "graphile-migrate", folder)
    if current != "current.sql":
        (folder / "current.sql").unlink()
        (folder / current).parent.mkdir()
        (folder / current).write_text("CREATE INDEX accounts_email_idx ON accounts (email);\n")
    applied = lockwise(pg_db, "apply", str(folder))
    assert applied.returncode == 0, applied
    assert [row["version"] for row in history(pg_db)] == ["000001", "000002", "000003"]
    assert f"{folder / current}: the migration being written" in applied.stderr
    status = lockwise(pg_db, "status", str(folder))
    assert status.returncode == 0, status
    assert "current" not in status.stdout and "pending" not in status.stdout
    assert "3 migration(s): 3 applied" in status.stdout
    plan = lockwise(pg_db, "apply", str(folder), "--dry-run")
    assert plan.returncode == 0 and "up to date" in plan.stdout + plan.stderr, plan


def test_a_baseline_over_a_rolled_back_history_counts(pg_db: str, tmp_path: Path) -> None:
    """Everything rolled back leaves nothing applied, and baseline accepts the database; it
    said "2 migration file(s) count as applied", while status kept them pending (their own
    rolled-back rows, older than the baseline, came first) and apply ran them again."""
    folder = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n", "001_a.down.sql": "DROP TABLE a;\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n", "002_b.down.sql": "DROP TABLE b;\n",
        "003_c.up.sql": "CREATE TABLE c (id int);\n", "003_c.down.sql": "DROP TABLE c;\n"})
    assert lockwise(pg_db, "apply", str(folder), "--to", "002").returncode == 0
    assert lockwise(pg_db, "rollback", str(folder), "--to", "0").returncode == 0
    done = lockwise(pg_db, "baseline", "002", str(folder))
    assert done.returncode == 0 and "2 migration file(s) count as applied" in done.stdout, done
    status = lockwise(pg_db, "status", str(folder))
    assert status.returncode == 0, status
    assert [line.split()[:2] for line in status.stdout.splitlines()[:3]] == [
        ["001", "baselined"], ["002", "baselined"], ["003", "pending"]]
    applied = lockwise(pg_db, "apply", str(folder))
    assert applied.returncode == 0 and "applied 1 migration(s)" in applied.stdout, applied
    assert [r["version"] for r in history(pg_db) if r["kind"] == "apply"][-1] == "003"


def _dbmate(folder: Path) -> Path:
    """A dbmate folder that dbmate runs as 10_b.sql, 91_c.sql, 9_a.sql (pkg/dbmate/db.go,
    FindMigrations: the names sorted as text, '1' before '_')."""
    return write(folder, {f"{n}_{t}.sql": f"-- migrate:up\nCREATE TABLE {t} (id int);\n"
                          f"-- migrate:down\nDROP TABLE {t};\n"
                          for n, t in (("9", "a"), ("10", "b"), ("91", "c"))})


def test_apply_and_rollback_to_cut_a_dbmate_folder_where_dbmate_runs_it(
        pg_db: str, tmp_path: Path) -> None:
    """`apply` runs a dbmate folder in dbmate's order, and `--to` cuts that order: `--to 91`
    stops after 91_c.sql and leaves 9_a.sql, which dbmate runs after it, pending (compared as
    numbers, 9 is below 91 and ran too). `rollback --to 91` undoes what ran after 91_c.sql:
    9_a.sql (as numbers, nothing is above 91)."""
    folder = _dbmate(tmp_path / "db")
    applied = lockwise(pg_db, "apply", str(folder), "--to", "91")
    assert applied.returncode == 0, applied
    assert [r["version"] for r in history(pg_db)] == ["10", "91"]
    assert "1 pending migration(s) after 91 not applied" in applied.stdout, applied
    assert lockwise(pg_db, "apply", str(folder)).returncode == 0
    assert [r["version"] for r in history(pg_db)] == ["10", "91", "9"]
    back = lockwise(pg_db, "rollback", str(folder), "--to", "91")
    assert back.returncode == 0, back
    assert "rolled back 1 migration(s)" in back.stdout and "rolling back 9 " in back.stdout, back
    status = lockwise(pg_db, "status", str(folder))
    assert [line.split()[:2] for line in status.stdout.splitlines()[:3]] == [
        ["10", "applied"], ["91", "applied"], ["9", "pending"]], status


def test_a_dbmate_baseline_covers_what_dbmate_runs_up_to_it(pg_db: str, tmp_path: Path) -> None:
    """A baseline at 10 says the database has what dbmate runs up to 10_b.sql: that file
    alone, the first dbmate runs; 91_c.sql and 9_a.sql are pending, as after `apply --to 10`
    on an empty database (compared as numbers, 9_a.sql counted as applied and never ran)."""
    folder = _dbmate(tmp_path / "db")
    done = lockwise(pg_db, "baseline", "10", str(folder))
    assert done.returncode == 0 and "1 migration file(s) count as applied" in done.stdout, done
    applied = lockwise(pg_db, "apply", str(folder))
    assert applied.returncode == 0 and "applied 2 migration(s)" in applied.stdout, applied
    assert [r["version"] for r in history(pg_db) if r["kind"] == "apply"] == ["91", "9"]


@pytest.mark.parametrize(("given", "ms"), [("2h", 7_200_000), ("1d", 86_400_000),
                                           ("1.5min", 90_000), ("2H", 7_200_000)])
def test_a_timeout_in_hours_or_days_is_a_duration(pg_db: str, tmp_path: Path, given: str,
                                                  ms: int) -> None:
    """PostgreSQL reads `h` and `d` in a time setting (statement_timeout = '2h'), and a long
    backfill is given hours: `--statement-timeout 2h` was "not a duration"."""
    folder = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    plan = lockwise(pg_db, "apply", str(folder), "--dry-run", "--statement-timeout", given)
    assert plan.returncode == 0, plan
    assert f"statement_timeout {ms}ms" in plan.stdout
    applied = lockwise(pg_db, "apply", str(folder), "--statement-timeout", given,
                       "--lock-timeout", given)
    assert applied.returncode == 0, applied


def test_liquibase_changesets_of_one_file_are_told_apart(pg_db: str, tmp_path: Path) -> None:
    """Two changesets of one changelog each said `applying 002-indexes.sql`: the changeset
    is named, as lint names it."""
    folder = tmp_path / "changelog"
    shutil.copytree(LAYOUTS / "liquibase", folder)
    changelog = folder / "002-indexes.sql"
    applied = lockwise(pg_db, "apply", str(folder), "--allow", "requires-downtime")
    assert applied.returncode == 0, applied
    for changeset in ("bob:index-nickname", "bob:index-email"):
        assert f"applying {changelog} (changeset {changeset})" in applied.stdout, applied
    plan = lockwise(pg_db, "rollback", str(folder), "--dry-run")
    assert plan.returncode == 0, plan
    assert f"1. bob:index-email ({changelog})" in plan.stdout, plan
