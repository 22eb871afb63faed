"""The executor on layouts whose tool leaves some of the folder's files alone: what that tool
would never run in production is not run by `apply` either, and `status` does not list it
as pending."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from executor_helpers import history, lockwise

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
