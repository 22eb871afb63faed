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


def test_a_batched_statement_runs_in_the_encoding_after_it(pg_db: str, tmp_path: Path) -> None:
    """A `-- lockwise: batch` statement ran its batches in UTF8 after `\\encoding LATIN1`,
    where psql runs the statement (unbatched) with client_encoding LATIN1; the statements
    around it were run in the encoding meant."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_t.sql").write_bytes(
        b"CREATE TABLE t (id bigint PRIMARY KEY, v text, encoding text);\n"
        b"INSERT INTO t SELECT g, NULL, NULL FROM generate_series(1, 25) g;\n")
    (folder / "002_fill.sql").write_bytes(
        b"\\encoding LATIN1\n-- lockwise: batch size=10\n"
        b"UPDATE t SET v = '\xe9t\xe9', encoding = current_setting('client_encoding');\n"
        b"INSERT INTO t VALUES (0, 'after', current_setting('client_encoding'));\n")
    applied = lockwise(pg_db, "apply", str(folder))
    assert applied.returncode == 0, applied
    assert query(pg_db, "SELECT DISTINCT v, encoding FROM t ORDER BY 1") == [
        ("after", "LATIN1"), ("été", "LATIN1")]
    assert query(pg_db, "SHOW client_encoding") == [("UTF8",)]


def test_an_encoding_stays_in_its_file_of_a_version_folder(pg_db: str,
                                                          tmp_path: Path) -> None:
    """The files of a version folder are one migration, but each is a psql run of its own
    (psql -f a.sql, then psql -f b.sql): an `\\encoding` in one file is not in force in the
    next, whose bytes are read as UTF-8 (lint reads each file so too). apply ran the next
    file's statements with the first file's client_encoding."""
    import json

    version = tmp_path / "versioned" / "v1.0"
    version.mkdir(parents=True)
    (version / "manifest.json").write_text(json.dumps({
        "CurrVersion": "1.0", "MinCompatibleVersion": "1.0", "Description": "test",
        "SchemaUpdateCqlFiles": ["a.sql", "b.sql"]}))
    (version / "a.sql").write_bytes(
        b"CREATE TABLE names (v text, encoding text);\n\\encoding LATIN1\n"
        b"INSERT INTO names VALUES ('\xe9t\xe9', current_setting('client_encoding'));\n")
    (version / "b.sql").write_bytes(
        "INSERT INTO names VALUES ('ça', current_setting('client_encoding'));\n"
        .encode())
    applied = lockwise(pg_db, "apply", str(tmp_path / "versioned"))
    assert applied.returncode == 0, applied
    assert query(pg_db, "SELECT v, encoding FROM names ORDER BY 1") == [
        ("ça", "UTF8"), ("été", "LATIN1")]
