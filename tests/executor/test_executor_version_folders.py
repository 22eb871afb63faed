"""`lockwise apply` / `status` on a folder per version (temporal's versioned/v1.N/, a
manifest.json and several .sql files): a version is one migration made of its files in the
manifest's order, one history row, one checksum over all its files, one transaction when
every file can run in one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from executor_helpers import history, lockwise, query

from tree_helpers import write

pytestmark = pytest.mark.postgres


def _manifest(version: str, *files: str) -> str:
    return json.dumps({"CurrVersion": version, "MinCompatibleVersion": "1.0",
                       "Description": "test", "SchemaUpdateCqlFiles": list(files)})


def _tree(tmp_path: Path, **extra: str) -> Path:
    """v1.0 one file; v1.1 two files whose manifest runs b_create.sql before a_alter.sql
    (name order would ALTER a table not yet there)."""
    files = {
        "versioned/v1.0/manifest.json": _manifest("1.0", "base.sql"),
        "versioned/v1.0/base.sql": "CREATE TABLE base (id int);\n",
        "versioned/v1.1/manifest.json": _manifest("1.1", "b_create.sql", "a_alter.sql"),
        "versioned/v1.1/b_create.sql": "CREATE TABLE t (id int);\n",
        "versioned/v1.1/a_alter.sql": "ALTER TABLE t ADD COLUMN note text;\n",
    }
    return write(tmp_path, {**files, **extra}) / "versioned"


def _columns(dsn: str, table: str) -> list[str]:
    return [r[0] for r in query(dsn, "SELECT column_name FROM information_schema.columns "
                                     "WHERE table_name = %s ORDER BY ordinal_position",
                                (table,))]


def test_a_version_folder_is_one_migration(pg_db: str, tmp_path: Path) -> None:
    versioned = _tree(tmp_path)
    applied = lockwise(pg_db, "apply", str(versioned))
    assert applied.returncode == 0, applied
    assert _columns(pg_db, "t") == ["id", "note"]
    rows = history(pg_db)
    assert [r["version"] for r in rows] == ["v1.0", "v1.1"]
    assert all(r["success"] for r in rows)

    again = lockwise(pg_db, "apply", str(versioned))
    assert again.returncode == 0 and "up to date" in again.stdout + again.stderr, again
    assert len(history(pg_db)) == 2
    status = lockwise(pg_db, "status", str(versioned))
    assert status.returncode == 0, status
    assert "2 migration(s): 2 applied" in status.stdout

    # Any file of the version counts in its checksum.
    (versioned / "v1.1" / "a_alter.sql").write_text("ALTER TABLE t ADD COLUMN other text;\n")
    status = lockwise(pg_db, "status", str(versioned))
    assert status.returncode == 1 and "v1.1  changed" in status.stdout, status
    refused = lockwise(pg_db, "apply", str(versioned))
    assert refused.returncode == 1
    assert "version v1.1:" in refused.stderr and "changed since it was applied" in \
        refused.stderr
    assert _columns(pg_db, "t") == ["id", "note"]


def test_the_files_of_a_version_run_in_one_transaction(pg_db: str, tmp_path: Path) -> None:
    """The second file fails: the first file's table is rolled back with it, and the failure
    is named by its file and line, not by the folder."""
    versioned = _tree(tmp_path, **{
        "versioned/v1.1/a_alter.sql": "-- the table\n\nALTER TABLE nothing_here ADD x int;\n"})
    applied = lockwise(pg_db, "apply", str(versioned))
    assert applied.returncode == 1, applied
    assert f"{versioned / 'v1.1' / 'a_alter.sql'}:3:" in applied.stderr
    assert _columns(pg_db, "t") == []
    assert [r["version"] for r in history(pg_db) if r["success"]] == ["v1.0"]


def test_a_version_with_a_file_that_cannot_run_in_a_transaction(pg_db: str,
                                                                tmp_path: Path) -> None:
    """CREATE INDEX CONCURRENTLY in one file: the version runs statement by statement, and the
    plan says which file's statement is why."""
    versioned = _tree(tmp_path, **{
        "versioned/v1.1/manifest.json": _manifest("1.1", "b_create.sql", "a_alter.sql",
                                                  "c_index.sql"),
        "versioned/v1.1/c_index.sql": "CREATE INDEX CONCURRENTLY t_id ON t (id);\n"})
    plan = lockwise(pg_db, "apply", str(versioned), "--dry-run")
    assert plan.returncode == 0, plan
    out = plan.stdout + plan.stderr
    assert "statement by statement" in out
    assert f"{versioned / 'v1.1' / 'c_index.sql'}:1:1" in out
    applied = lockwise(pg_db, "apply", str(versioned))
    assert applied.returncode == 0, applied
    assert query(pg_db, "SELECT count(*) FROM pg_indexes WHERE indexname = 't_id'") == [(1,)]
    assert [r["version"] for r in history(pg_db)] == ["v1.0", "v1.1"]


def test_a_file_added_to_an_applied_version_is_that_version_changed(pg_db: str,
                                                                    tmp_path: Path) -> None:
    """v1.0 applied as one file (recorded under its name), then given a second file: the
    version changed; it said "applied as base, the file is now : another migration took the
    version?", naming nothing."""
    versioned = _tree(tmp_path)
    assert lockwise(pg_db, "apply", str(versioned)).returncode == 0
    (versioned / "v1.0" / "more.sql").write_text("CREATE TABLE more (id int);\n")
    (versioned / "v1.0" / "manifest.json").write_text(_manifest("1.0", "base.sql", "more.sql"))
    status = lockwise(pg_db, "status", str(versioned))
    assert status.returncode == 1 and "v1.0  changed" in status.stdout, status
    assert "another migration" not in status.stdout
    assert "the file is now :" not in status.stdout


def test_an_unterminated_quote_stays_in_its_file(pg_db: str, tmp_path: Path) -> None:
    """A version's files are parsed each on its own: a quote left open in the first file is
    that file's error, at its place, and the next file's SQL is neither swallowed into it nor
    quoted in the message (the joined text ran it on into b_create.sql)."""
    versioned = _tree(tmp_path, **{
        "versioned/v1.1/manifest.json": _manifest("1.1", "a_alter.sql", "b_create.sql"),
        "versioned/v1.1/a_alter.sql": "INSERT INTO base VALUES (1, 'oops);\n",
        "versioned/v1.1/b_create.sql": "CREATE TABLE t (id int);\nCREATE TABLE u (id int);\n"})
    applied = lockwise(pg_db, "apply", str(versioned))
    assert applied.returncode == 2, applied
    assert f"{versioned / 'v1.1' / 'a_alter.sql'}:1:" in applied.stderr, applied.stderr
    assert "CREATE TABLE" not in applied.stderr, applied.stderr
    assert "b_create.sql" not in applied.stderr, applied.stderr
    assert [r["version"] for r in history(pg_db) if r["success"]] == []
    assert _columns(pg_db, "t") == []


def test_an_empty_file_moves_no_place_in_the_next(pg_db: str, tmp_path: Path) -> None:
    """An empty file of a version holds no line: the error in the file after it is at its own
    line (it was one line further down)."""
    versioned = _tree(tmp_path, **{
        "versioned/v1.1/manifest.json": _manifest("1.1", "a_alter.sql", "b_create.sql"),
        "versioned/v1.1/a_alter.sql": "",
        "versioned/v1.1/b_create.sql": "CREATE TABLE t (id int);\nSELECT 'x;\n"})
    plan = lockwise(pg_db, "apply", str(versioned), "--dry-run")
    assert plan.returncode == 2, plan
    assert f"{versioned / 'v1.1' / 'b_create.sql'}:2:8:" in plan.stderr, plan.stderr


def test_a_version_whose_files_are_all_new_names_them(pg_db: str, tmp_path: Path) -> None:
    """v1.0 applied as base.sql, now two other files: the status names them (it said "the
    file is now :", the joined version having no name of its own)."""
    versioned = _tree(tmp_path)
    assert lockwise(pg_db, "apply", str(versioned)).returncode == 0
    (versioned / "v1.0" / "base.sql").unlink()
    (versioned / "v1.0" / "x.sql").write_text("CREATE TABLE x (id int);\n")
    (versioned / "v1.0" / "y.sql").write_text("CREATE TABLE y (id int);\n")
    (versioned / "v1.0" / "manifest.json").write_text(_manifest("1.0", "x.sql", "y.sql"))
    status = lockwise(pg_db, "status", str(versioned))
    assert status.returncode == 1 and "v1.0  changed" in status.stdout, status
    assert "applied as base, the files are now x.sql, y.sql:" in status.stdout, status.stdout
