"""A deployer's checks of `apply` and `rollback` on a real server: what runs, in which order,
and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import history, lockwise, relation_exists, write

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("how", [("--steps", "1"), ("--to", "001")])
def test_rollback_does_not_skip_an_applied_migration_whose_file_is_gone(
        pg_db: str, tmp_path: Path, how: tuple[str, str]) -> None:
    # 003 is the latest applied migration; its files were deleted. Undoing 002 under it would
    # replay the history out of order (003 may depend on 002), and `--to 001` would leave 003
    # applied while saying the database is back at 001.
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n", "001_a.down.sql": "DROP TABLE a;\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n", "002_b.down.sql": "DROP TABLE b;\n",
        "003_c.up.sql": "CREATE TABLE c (id int);\n", "003_c.down.sql": "DROP TABLE c;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    (migrations / "003_c.up.sql").unlink()
    (migrations / "003_c.down.sql").unlink()
    result = lockwise(pg_db, "rollback", str(migrations), *how)
    assert result.returncode == 2, result  # as any missing down file: docs/executor.md
    assert "version 003 has no down migration" in result.stderr, result
    assert all(relation_exists(pg_db, t) for t in ("a", "b", "c"))
    assert not any(r["rolled_back"] for r in history(pg_db))


def _status_json(dsn: str, migrations: Path) -> dict:
    import json

    result = lockwise(dsn, "status", str(migrations), "--format", "json")
    assert result.returncode == 1, result
    return {m["version"]: m for m in json.loads(result.stdout)["migrations"]}


def test_a_failed_statement_is_named_alike_by_apply_status_and_json(pg_db: str,
                                                                   tmp_path: Path) -> None:
    # Statement 3 (1-based, as lint and the plan number them) is on line 5; two completed.
    migrations = write(tmp_path / "m", {"001_a.up.sql": (
        "-- lockwise: no-transaction\nCREATE TABLE a (id int);\n\nINSERT INTO a VALUES (1);\n"
        "INSERT INTO nosuch VALUES (1);\n")})
    result = lockwise(pg_db, "apply", str(migrations))
    assert "failed at statement 3 (line 5)" in result.stderr, result
    assert "the first 2 statement(s) stay applied" in result.stderr
    status = lockwise(pg_db, "status", str(migrations))
    assert "statement 3 (line 5): relation \"nosuch\"" in status.stdout, status
    found = _status_json(pg_db, migrations)["001"]
    assert (found["statement"], found["line"], found["statements_completed"]) == (3, 5, 2)
    assert found["file"] == str(migrations / "001_a.up.sql")
    # The history column stays 0-based, as documented.
    assert history(pg_db)[0]["failed_statement_index"] == 2


def test_a_failed_down_migration_names_the_down_file(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "001_a.down.sql": "-- lockwise: no-transaction\nDROP TABLE a;\nDROP TABLE nosuch;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    result = lockwise(pg_db, "rollback", str(migrations))
    assert "failed at statement 2 (line 3)" in result.stderr, result
    found = _status_json(pg_db, migrations)["001"]
    assert found["state"] == "failed"
    assert (found["statement"], found["line"], found["statements_completed"]) == (2, 3, 1)
    assert found["file"] == str(migrations / "001_a.down.sql")
    assert "statement 2 (line 3)" in found["detail"]


def test_dry_run_of_a_resumed_migration_shows_only_what_would_run(pg_db: str,
                                                                  tmp_path: Path) -> None:
    # After a failure and `repair`, apply resumes at statement 3: a plan listing the two
    # INSERTs as to run would announce them inserted twice.
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_i.up.sql": "-- lockwise: no-transaction\nINSERT INTO a VALUES (1);\n"
                        "INSERT INTO a VALUES (2);\nINSERT INTO nosuch VALUES (3);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    (migrations / "002_i.up.sql").write_text(
        "-- lockwise: no-transaction\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\n"
        "INSERT INTO a VALUES (3);\n")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    plan = lockwise(pg_db, "apply", str(migrations), "--dry-run")
    assert plan.returncode == 0, plan
    assert "INSERT INTO a VALUES (1)" not in plan.stdout, plan.stdout
    assert "INSERT INTO a VALUES (2)" not in plan.stdout
    assert "statements 1 to 2: completed by the cleared run, not run again" in plan.stdout
    assert "statement 3 (line 4)" in plan.stdout and "INSERT INTO a VALUES (3)" in plan.stdout
    assert "resuming" not in plan.stdout
    run = lockwise(pg_db, "apply", str(migrations))
    assert run.returncode == 0 and "resuming at statement 3" in run.stdout, run
    from executor_helpers import query

    assert query(pg_db, "SELECT id FROM a ORDER BY id") == [(1,), (2,), (3,)]


def test_rollback_dry_run_of_a_resumed_down_migration_shows_only_what_would_run(
        pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n",
        "001_a.down.sql": "-- lockwise: no-transaction\nDROP TABLE a;\nDROP TABLE nosuch;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 1
    (migrations / "001_a.down.sql").write_text(
        "-- lockwise: no-transaction\nDROP TABLE a;\nDROP TABLE b;\n")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    plan = lockwise(pg_db, "rollback", str(migrations), "--dry-run")
    assert plan.returncode == 0, plan
    assert "DROP TABLE a" not in plan.stdout, plan.stdout
    assert "statements 1 to 1: completed by the cleared run, not run again" in plan.stdout
    assert "DROP TABLE b" in plan.stdout
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 0
    assert not relation_exists(pg_db, "b")


def test_apply_to_a_version_stops_there(pg_db: str, tmp_path: Path) -> None:
    # Flyway's -target, goose's up-to, golang-migrate's goto for going up.
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n",
        # Judged only when it would run: above the target, it does not block the run.
        "003_c.up.sql": "DROP TABLE a;\n"})
    plan = lockwise(pg_db, "apply", str(migrations), "--to", "2", "--dry-run")
    assert plan.returncode == 0, plan
    # the migration's file, not "003": the scratch database's name may hold those digits
    assert "003_c.up.sql" not in plan.stdout and "002_b.up.sql" in plan.stdout
    result = lockwise(pg_db, "apply", str(migrations), "--to", "2")
    assert result.returncode == 0, result
    assert "applied 2 migration(s)" in result.stdout
    assert "1 pending migration(s) after 002 not applied" in result.stdout
    assert [r["version"] for r in history(pg_db)] == ["001", "002"]
    again = lockwise(pg_db, "apply", str(migrations), "--to", "002")
    assert again.returncode == 0 and "nothing to apply up to 002" in again.stdout, again
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1  # the gate: 003 drops


@pytest.mark.parametrize("target", ["20240301", "garbage", "4"])
def test_apply_to_an_unknown_version_is_an_input_error(pg_db: str, tmp_path: Path,
                                                       target: str) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    result = lockwise(pg_db, "apply", str(migrations), "--to", target)
    assert result.returncode == 2, result
    assert f"no migration has version {target!r}" in result.stderr
    assert not relation_exists(pg_db, "a")


def test_rollback_steps_beyond_what_is_applied_is_refused(pg_db: str, tmp_path: Path) -> None:
    # After `baseline 2`, only 003 ran here: `--steps 2` cannot reach version 1, and undoing
    # 003 alone while exiting 0 would leave a deploy script believing the database is at 001.
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n", "001_a.down.sql": "DROP TABLE a;\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n", "002_b.down.sql": "DROP TABLE b;\n",
        "003_c.up.sql": "CREATE TABLE c (id int);\n", "003_c.down.sql": "DROP TABLE c;\n"})
    assert lockwise(pg_db, "baseline", "2", str(migrations)).returncode == 0
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    result = lockwise(pg_db, "rollback", str(migrations), "--steps", "2")
    assert result.returncode == 2, result
    assert "--steps 2, but only 1 applied migration(s) can be rolled back" in result.stderr
    assert relation_exists(pg_db, "c")
    assert lockwise(pg_db, "rollback", str(migrations), "--steps", "1").returncode == 0
    assert not relation_exists(pg_db, "c")
    assert "nothing to roll back" in lockwise(pg_db, "rollback", str(migrations)).stdout
    # Only the baseline is left: `--steps 1` asked for the database at 001, and it stays at
    # 002; exiting 0 ("nothing to roll back") told the deploy script it went back.
    asked = lockwise(pg_db, "rollback", str(migrations), "--steps", "1")
    assert asked.returncode == 2, asked
    assert "--steps 1, but only 0 applied migration(s) can be rolled back" in asked.stderr


_UP = "CREATE TABLE {t} (id int);\n"
_DOWN = "CREATE TABLE down_ran_{t} (id int);\nDROP TABLE {t};\n"
#: Two migrations (`a`, `b`) in each tool's layout, the down part leaving a trace if it runs.
_LAYOUTS = {
    "golang-migrate": lambda t, n: {f"00{n}_{t}.up.sql": _UP.format(t=t),
                                    f"00{n}_{t}.down.sql": _DOWN.format(t=t)},
    "goose": lambda t, n: {f"2024010{n}000000_{t}.sql": "-- +goose Up\n" + _UP.format(t=t)
                           + "-- +goose Down\n" + _DOWN.format(t=t)},
    "dbmate": lambda t, n: {f"db/migrations/2024010{n}000000_{t}.sql":
                            "-- migrate:up\n" + _UP.format(t=t) + "\n-- migrate:down\n"
                            + _DOWN.format(t=t)},
    "flyway": lambda t, n: {f"V{n}__{t}.sql": _UP.format(t=t),
                            f"U{n}__{t}.sql": _DOWN.format(t=t)},
}


@pytest.mark.parametrize("layout", sorted(_LAYOUTS))
def test_apply_never_runs_a_down_part_and_rollback_runs_each_once(
        pg_db: str, tmp_path: Path, layout: str) -> None:
    files = _LAYOUTS[layout]("a", 1) | _LAYOUTS[layout]("b", 2)
    for name in files:
        (tmp_path / "m" / name).parent.mkdir(parents=True, exist_ok=True)
    migrations = write(tmp_path / "m", files)
    if layout == "dbmate":
        migrations = migrations / "db" / "migrations"
    applied = lockwise(pg_db, "apply", str(migrations))
    assert applied.returncode == 0, applied
    assert relation_exists(pg_db, "a") and relation_exists(pg_db, "b")
    assert not relation_exists(pg_db, "down_ran_a") and not relation_exists(pg_db, "down_ran_b")
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "a") and not relation_exists(pg_db, "b")
    assert relation_exists(pg_db, "down_ran_b") and not relation_exists(pg_db, "down_ran_a")
    assert lockwise(pg_db, "rollback", str(migrations), "--to", "0").returncode == 0
    assert not relation_exists(pg_db, "a") and relation_exists(pg_db, "down_ran_a")
    # Applied again: only the up parts run (the traces of the downs are still the only ones).
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "a") and relation_exists(pg_db, "b")
    kinds = [(r["kind"], r["success"]) for r in history(pg_db)]
    assert kinds == [("apply", True)] * 2 + [("rollback", True)] * 2 + [("apply", True)] * 2


@pytest.mark.parametrize("config", [
    'ignore = ["index-without-concurrently"]\n',
    '[[overrides]]\npath = "m/002_*"\nignore = ["index-without-concurrently"]\n'])
def test_the_gate_judges_with_the_configs_rules_as_lint_does(pg_db: str, tmp_path: Path,
                                                             config: str) -> None:
    # The team's lockwise.toml ignores a rule: lint passes, so must the gate (else the only way
    # through is --allow requires-downtime, which lets every such finding through).
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id bigint);\n",
                                        "002_i.up.sql": "CREATE INDEX a_i ON a (id);\n"})
    assert lockwise(pg_db, "apply", str(migrations), "--to", "1").returncode == 0
    (tmp_path / "lockwise.toml").write_text(config)
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 1 and "index-without-concurrently" in refused.stderr, refused
    with_config = ("--config", str(tmp_path / "lockwise.toml"))
    lint = lockwise(None, "lint", str(migrations), *with_config)
    assert lint.returncode == 0, lint
    result = lockwise(pg_db, "apply", str(migrations), *with_config)
    assert result.returncode == 0, result
    assert relation_exists(pg_db, "a_i")


@pytest.mark.parametrize("config", [
    'ignore = ["drop-table"]\n', 'select = ["index-without-concurrently"]\n',
    '[[overrides]]\npath = "m/*"\nignore = ["drop-table"]\n'])
def test_a_config_never_lets_a_destructive_migration_through(pg_db: str, tmp_path: Path,
                                                             config: str) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id bigint);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    write(migrations, {"002_drop.up.sql": "DROP TABLE a;\n"})
    (tmp_path / "lockwise.toml").write_text(config)
    result = lockwise(pg_db, "apply", str(migrations), "--config", str(tmp_path / "lockwise.toml"))
    assert result.returncode == 1, result
    assert "drop-table [destructive]" in result.stderr, result
    assert relation_exists(pg_db, "a")
