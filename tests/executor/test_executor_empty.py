"""A migrations directory with no migration in it: every command says "no migrations found"
on stderr and exits 0, as `lockwise lint` does; `apply` exits 2 when the database's history
records applied migrations (a wrong directory or layout, not an up-to-date database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import lockwise, query, write

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


@pytest.mark.parametrize("command", ["apply", "status"])
def test_no_files_over_an_applied_history_is_an_input_error(pg_db: str, tmp_path: Path,
                                                            command: str) -> None:
    """As Flyway's validate fails on applied migrations it cannot resolve locally: a directory
    without one file of the history is the wrong directory, not an up-to-date database."""
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    wrong = tmp_path / "elsewhere"
    wrong.mkdir()
    result = lockwise(pg_db, command, str(wrong))
    assert result.returncode == 2, result
    assert "no migrations found" in result.stderr
    assert "records 1 applied migration(s)" in result.stderr
    assert "is this the migrations directory" in result.stderr
    assert "is up to date" not in result.stdout and "Traceback" not in result.stderr


def test_baseline_with_its_arguments_swapped_says_which_comes_first(pg_db: str,
                                                                    tmp_path: Path) -> None:
    """`lockwise baseline DIR VERSION` (the order of `apply DIR`) read the folder as the
    version and the version as a folder: "0042: no such file or directory"."""
    migrations = write(tmp_path / "m", {"0042_a.up.sql": "CREATE TABLE a (id int);\n"})
    result = lockwise(pg_db, "baseline", str(migrations), "0042")
    assert result.returncode == 2, result
    assert result.stderr == (
        f"lockwise: error: 0042: no such file or directory ({migrations} is a directory: "
        "the version comes first, `lockwise baseline VERSION DIR`)\n")


def test_a_directory_holding_none_of_the_applied_migrations_is_the_wrong_one(
        pg_db: str, tmp_path: Path) -> None:
    """Another history's files over this database: status and apply refuse (exit 2), apply
    runs none of them; a history that lost only some files is a warning, as before."""
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "002_b.up.sql": "CREATE TABLE b (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    other = write(tmp_path / "other", {"003_x.up.sql": "CREATE TABLE x (id int);\n"})
    for command in ("status", "apply"):
        result = lockwise(pg_db, command, str(other))
        assert result.returncode == 2, result
        assert "none of the 2 applied migration(s)" in result.stderr, result.stderr
        assert "is this the migrations directory" in result.stderr
    assert query(pg_db, "SELECT to_regclass('x') IS NULL") == [(True,)]
    (migrations / "001_a.up.sql").unlink()
    result = lockwise(pg_db, "status", str(migrations))
    assert result.returncode == 0, result
    assert "001" in result.stdout and "missing" in result.stdout
