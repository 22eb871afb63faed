"""apply names a failure as file:line:column, as lint names a finding: the failing statement's
start, or, where PostgreSQL reports a position inside the statement, that position."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import lockwise, write

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(("text", "where"), [
    # The server points at the unknown column: line 4, column 8 of the file.
    ("CREATE TABLE a (id int);\n-- a comment\nSELECT id,\n       nosuch FROM a;\n",
     "4:8: failed at statement 2 (line 3)"),
    # Division by zero has no position: the statement's start, after another on its line.
    ("CREATE TABLE a (id int);   SELECT 1 / 0;\n", "1:28: failed at statement 2 (line 1)"),
    # The position is counted from the statement's start column on its first line.
    ("CREATE TABLE a (id int);  SELECT nosuch FROM a;\n",
     "1:34: failed at statement 2 (line 1)"),
])
def test_a_transactional_failure_names_file_line_column(
        pg_db: str, tmp_path: Path, text: str, where: str) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": text})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert f"lockwise: error: {migrations / '001_a.up.sql'}:{where}: " in result.stderr, result


@pytest.mark.parametrize(("second", "where"), [
    # PostgreSQL gives no position for a column an index names: the statement's start.
    ("CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON t (nosuch);\n", "2:1"),
    ("SELECT a,\n  nosuch FROM t;\n", "3:3"),
])
def test_a_statement_by_statement_failure_names_file_line_column(
        pg_db: str, tmp_path: Path, second: str, where: str) -> None:
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (a int);\n",
        "002_ix.up.sql": "CREATE INDEX CONCURRENTLY t_a ON t (a);\n" + second})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1, result
    assert (f"lockwise: error: {migrations / '002_ix.up.sql'}:{where}: failed at statement 2 "
            "(line 2): column \"nosuch\" does not exist") in result.stderr, result
