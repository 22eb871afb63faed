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


@pytest.mark.parametrize("no_transaction", [False, True])
def test_the_session_runs_in_the_encoding_after_it(pg_db: str, tmp_path: Path,
                                                   no_transaction: bool) -> None:
    # psql sets client_encoding to X at `\encoding X` (checked with psql 15:
    # current_setting('client_encoding') is LATIN1 after it): what reads it (a COPY from a
    # server file without ENCODING, current_setting) sees X; the statements before it and
    # the next migration (a psql run of its own) see UTF8.
    folder = tmp_path / "m"
    folder.mkdir()
    marker = b"-- lockwise: no-transaction\n" if no_transaction else b""
    (folder / "001_names.sql").write_bytes(
        marker + b"CREATE TABLE names (v text, encoding text);\n"
        b"INSERT INTO names VALUES ('before', current_setting('client_encoding'));\n"
        b"\\encoding LATIN1\n"
        b"INSERT INTO names VALUES ('\xe9t\xe9', current_setting('client_encoding'));\n"
        b"\\encoding UTF8\n"
        b"INSERT INTO names VALUES ('after', current_setting('client_encoding'));\n")
    (folder / "002_next.sql").write_bytes(
        b"INSERT INTO names VALUES ('next', current_setting('client_encoding'));\n")
    applied = lockwise(pg_db, "apply", str(folder))
    assert applied.returncode == 0, applied
    assert query(pg_db, "SELECT v, encoding FROM names ORDER BY 1") == [
        ("after", "UTF8"), ("before", "UTF8"), ("next", "UTF8"), ("été", "LATIN1")]
