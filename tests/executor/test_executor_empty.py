"""A migrations directory with no migration in it: every command says "no migrations found"
on stderr and exits 0, as `lockwise lint` does; `apply` exits 2 when the database's history
records applied migrations (a wrong directory or layout, not an up-to-date database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import lockwise, write

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("command", [
    ("lint",), ("apply",), ("apply", "--dry-run"), ("status",), ("rollback",), ("repair",)])
def test_an_empty_directory_is_nothing_to_do_and_says_so(pg_db: str, tmp_path: Path,
                                                         command: tuple[str, ...]) -> None:
    empty = tmp_path / "migrations"
    empty.mkdir()
    (empty / "README.md").write_text("no SQL here\n")
    result = lockwise(None if command == ("lint",) else pg_db, *command, str(empty))
    assert result.returncode == 0, result
    assert "no migrations found" in result.stderr
    assert "Traceback" not in result.stderr


def test_apply_with_no_files_over_an_applied_history_is_an_input_error(pg_db: str,
                                                                      tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    wrong = tmp_path / "elsewhere"
    wrong.mkdir()
    result = lockwise(pg_db, "apply", str(wrong))
    assert result.returncode == 2, result
    assert "no migrations found" in result.stderr
    assert "records 1 applied migration(s)" in result.stderr
    assert "is up to date" not in result.stdout


def test_baseline_with_its_arguments_swapped_says_which_comes_first(pg_db: str,
                                                                    tmp_path: Path) -> None:
    """`lockwise baseline DIR VERSION` (the order of `apply DIR`) read the folder as the
    version and the version as a folder: "0042:1:1: no such file or directory"."""
    migrations = write(tmp_path / "m", {"0042_a.up.sql": "CREATE TABLE a (id int);\n"})
    result = lockwise(pg_db, "baseline", str(migrations), "0042")
    assert result.returncode == 2, result
    assert result.stderr == (
        f"lockwise: error: 0042:1:1: no such file or directory ({migrations} is a directory: "
        "the version comes first, `lockwise baseline VERSION DIR`)\n")
