"""The gate judges the pending migrations of one run together: a table an earlier pending
migration creates is new (empty, unknown to the application) for the later ones too, as it
would be in one file. A table an applied migration created is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import history, lockwise, write

from lockwise.core.types import Safety

_CREATE = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
_INDEX = "CREATE INDEX accounts_email_idx ON accounts (email);\n"


def _plans(directory: Path, pending: int):
    """The gate's plans when the last `pending` migrations of `directory` are pending."""
    from lockwise.discover import discover
    from lockwise.executor.plan import build_plans

    migrations = discover(directory)
    return build_plans(migrations, migrations[-pending:], 18, lock_timeout_set=True)


def test_index_on_a_table_an_earlier_pending_migration_creates_is_safe(tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_idx.up.sql": _INDEX})
    plans = _plans(tmp_path, pending=2)
    assert [p.safety for p in plans] == [Safety.SAFE, Safety.SAFE]


def test_index_on_a_table_an_applied_migration_created_needs_downtime(tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_idx.up.sql": _INDEX})
    (plan,) = _plans(tmp_path, pending=1)
    assert plan.safety == Safety.REQUIRES_DOWNTIME
    assert [f.rule for f in plan.report.all_findings] == ["index-without-concurrently"]


def test_new_tables_carry_through_a_renaming_migration(tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE,
                     "002_rename.up.sql": "ALTER TABLE accounts RENAME TO users;\n",
                     "003_idx.up.sql": "CREATE INDEX users_email_idx ON users (email);\n"})
    assert [p.safety for p in _plans(tmp_path, pending=3)] == [Safety.SAFE] * 3
    # Renamed after it was applied, it is still the same old table.
    assert [p.safety for p in _plans(tmp_path, pending=2)] == [
        Safety.REQUIRES_DOWNTIME, Safety.REQUIRES_DOWNTIME]


@pytest.mark.postgres
def test_apply_runs_the_index_on_a_table_created_in_the_same_run(pg_db: str,
                                                                tmp_path: Path) -> None:
    from executor_helpers import relation_exists

    migrations = write(tmp_path / "m", {"001_accounts.up.sql": _CREATE,
                                        "002_idx.up.sql": _INDEX})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    assert relation_exists(pg_db, "accounts_email_idx")
    assert [(r["version"], r["safety"]) for r in history(pg_db)] == [
        ("001", "safe"), ("002", "safe")]


@pytest.mark.postgres
def test_apply_refuses_the_index_on_a_table_an_earlier_run_created(pg_db: str,
                                                                  tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_accounts.up.sql": _CREATE})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    write(migrations, {"002_idx.up.sql": _INDEX})
    # 001 is applied: production has had the table since, 002 locks it against writes.
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 1, refused
    assert "index-without-concurrently" in refused.stderr
    assert [r["version"] for r in history(pg_db)] == ["001"]
