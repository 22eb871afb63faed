"""Out-of-order migrations: a pending migration older than one already applied (a branch merged
late). Refused by default, as Flyway (outOfOrder=false) and goose (without allow-missing) do;
run only when asked for (`--allow-out-of-order`, `allow_out_of_order = true`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from executor_helpers import history, lockwise, relation_exists, write

pytestmark = pytest.mark.postgres


def _late_branch(dsn: str, tmp_path: Path) -> Path:
    """001 and 003 applied; then 002 (a branch merged late) and 004 appear."""
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "003_c.up.sql": "CREATE TABLE c (id int);\n"})
    assert lockwise(dsn, "apply", str(migrations)).returncode == 0
    return write(migrations, {"002_b.up.sql": "CREATE TABLE b (id int);\n",
                              "004_d.up.sql": "CREATE TABLE d (id int);\n"})


def test_an_out_of_order_migration_is_refused_by_default(pg_db: str, tmp_path: Path) -> None:
    migrations = _late_branch(pg_db, tmp_path)
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert "002_b.up.sql (version 002) is older than 003, already applied" in result.stderr
    assert "--allow-out-of-order" in result.stderr
    # Nothing runs, not even 004, which is in order: the run is one decision.
    assert not relation_exists(pg_db, "b") and not relation_exists(pg_db, "d")
    assert [r["version"] for r in history(pg_db)] == ["001", "003"]
    dry = lockwise(pg_db, "apply", str(migrations), "--dry-run")
    assert dry.returncode == 1 and "older than 003" in dry.stderr, dry
    # --to does not step around it.
    assert lockwise(pg_db, "apply", str(migrations), "--to", "002").returncode == 1
    assert not relation_exists(pg_db, "b")


def test_status_shows_an_out_of_order_migration(pg_db: str, tmp_path: Path) -> None:
    migrations = _late_branch(pg_db, tmp_path)
    status = lockwise(pg_db, "status", str(migrations))
    # Not a failure to repair: status exits 0, but says apply will not run it as it is.
    assert status.returncode == 0, status
    line = next(x for x in status.stdout.splitlines() if x.startswith("002"))
    assert "out-of-order" in line and "older than 003" in line, status.stdout
    assert "--allow-out-of-order" in line
    assert "004  pending" in status.stdout
    found = {m["version"]: m for m in json.loads(lockwise(
        pg_db, "status", str(migrations), "--format", "json").stdout)["migrations"]}
    assert found["002"]["state"] == "out-of-order"
    assert found["002"]["applied_after"] == "003"
    assert found["004"]["state"] == "pending" and found["004"]["applied_after"] is None


def test_allow_out_of_order_applies_it_with_a_warning(pg_db: str, tmp_path: Path) -> None:
    migrations = _late_branch(pg_db, tmp_path)
    result = lockwise(pg_db, "apply", str(migrations), "--allow-out-of-order")
    assert result.returncode == 0, result
    assert "002_b.up.sql is older than 003, already applied; applying it out of order" \
        in result.stderr
    assert [r["version"] for r in history(pg_db)] == ["001", "003", "002", "004"]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0 and "out-of-order" not in status.stdout, status


def test_allow_out_of_order_from_the_config(pg_db: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _late_branch(pg_db, tmp_path)
    (tmp_path / "lockwise.toml").write_text("allow_out_of_order = true\n")
    monkeypatch.chdir(tmp_path)
    # The command line overrides the file.
    refused = lockwise(pg_db, "apply", "m", "--no-allow-out-of-order")
    assert refused.returncode == 1 and "older than 003" in refused.stderr, refused
    result = lockwise(pg_db, "apply", "m")
    assert result.returncode == 0, result
    assert relation_exists(pg_db, "b") and relation_exists(pg_db, "d")


def test_a_bad_allow_out_of_order_value_is_an_input_error(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    config = tmp_path / "lockwise.toml"
    config.write_text("allow_out_of_order = \"yes\"\n")
    result = lockwise(pg_db, "apply", str(migrations), "--config", str(config))
    assert result.returncode == 2, result
    assert "allow_out_of_order" in result.stderr and "true or false" in result.stderr


def test_the_file_of_an_applied_version_deleted_still_counts(pg_db: str,
                                                             tmp_path: Path) -> None:
    # 003 is applied but its file is gone (missing): the database still has it, so 002 is
    # older than what the database has.
    migrations = _late_branch(pg_db, tmp_path)
    (migrations / "003_c.up.sql").unlink()
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1 and "older than 003" in result.stderr, result


def test_a_rolled_back_newer_migration_does_not_count(pg_db: str, tmp_path: Path) -> None:
    # 003 applied then rolled back: the database is at 001, so 002 runs in order.
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "003_c.up.sql": "CREATE TABLE c (id int);\n",
                                        "003_c.down.sql": "DROP TABLE c;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 0
    write(migrations, {"002_b.up.sql": "CREATE TABLE b (id int);\n"})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0 and "out of order" not in result.stderr, result
    assert [r["version"] for r in history(pg_db)][-2:] == ["002", "003"]
