"""A `DELIMITER` line with nothing after it: the mysql client refuses the command with its own
message ("DELIMITER must be followed by a 'delimiter' character or string"), skips the line
and goes on with the delimiter it had. lockwise gave sqlglot's generic "Invalid expression /
Unexpected token" at the next statement instead."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lockwise.parse.mysql import parse_mysql

CLIENT = "DELIMITER must be followed by a 'delimiter' character or string"
FILE = "SELECT 1;\nDELIMITER\nSELECT 2;\n"


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("line", ["DELIMITER", "  delimiter \t"])
def test_a_bare_delimiter_is_the_clients_error_at_its_line(dialect: str, line: str) -> None:
    parsed = parse_mysql(FILE.replace("DELIMITER", line), dialect)
    assert [(p.span.line, p.span.column) for p in parsed.problems] == \
        [(2, line.index(line.strip()) + 1)]
    assert CLIENT in parsed.problems[0].message
    # The client skips the line: the statements around it are read as they are.
    assert [s.span.line for s in parsed.statements] == [1, 3]


def test_lint_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "001_bare.sql"
    path.write_text(FILE)
    linted = subprocess.run([sys.executable, "-m", "lockwise", "lint", "--dialect", "mariadb",
                             str(path)], capture_output=True, text=True, timeout=120)
    assert linted.returncode == 2, linted
    assert f"{path}:2:1: parse-error" in linted.stdout, linted.stdout
    assert f"the mysql client rejects this SQL: {CLIENT}" in linted.stdout, linted.stdout
    assert "Unexpected token" not in linted.stdout


def test_the_client_says_so_and_goes_on(mariadb) -> None:
    ran = mariadb.run(FILE, "truth")
    assert f"ERROR at line 2: {CLIENT}" in ran.stderr, ran
    assert ran.stdout.split() == ["1", "2"]
