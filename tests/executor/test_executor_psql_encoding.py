"""`lockwise apply` of a file that says `\\encoding LATIN1` and is saved in it: the server gets
the characters psql would send (é, not a refusal of the file as not UTF-8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import lockwise, query

pytestmark = pytest.mark.postgres


def test_apply_runs_the_characters_the_encoding_means(pg_db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_names.sql").write_bytes(
        b"\\encoding LATIN1\nCREATE TABLE names (v text);\n"
        b"INSERT INTO names VALUES ('\xe9t\xe9');\n")
    applied = lockwise(pg_db, "apply", str(folder))
    assert applied.returncode == 0, applied
    assert query(pg_db, "SELECT v FROM names") == [("été",)]
    assert "\\encoding LATIN1" in applied.stderr and "LATIN1" in applied.stderr
