"""A conflict names its object as the user writes it (fix-pg82): `function public.f(integer)`,
`view public.v`, `column public.t.c`, in the text, json, sarif, github and markdown reports;
json keeps the machine-readable key in `object` and adds `object_name`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app

F = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a';\n"
#: (first migration, second one, the object's key, how the user writes it)
CASES = {
    "function": (F + "CREATE TABLE t (id int, a int DEFAULT f(1));\n", "DROP FUNCTION f(int);",
                 "function:public.f", "function public.f(integer)"),
    # (the graph keys a view as a relation: `table:`; its name says what it is)
    "view": ("CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id FROM t;\n"
             "CREATE VIEW w AS SELECT id FROM v;\n", "DROP VIEW v;", "table:public.v",
             "view public.v"),
    "materialized_view": (
        "CREATE TABLE t (id int);\nCREATE MATERIALIZED VIEW v AS SELECT id FROM t;\n"
        "CREATE VIEW w AS SELECT id FROM v;\n", "DROP MATERIALIZED VIEW v;", "table:public.v",
        "materialized view public.v"),
    "table": ("CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id FROM t;\n",
              "DROP TABLE t CASCADE;", "table:public.t", "table public.t"),
    "column": ("CREATE TABLE t (id int, c int);\nCREATE VIEW v AS SELECT c FROM t;\n",
               "ALTER TABLE t DROP COLUMN c;", "column:public.t.c", "column public.t.c"),
}
#: A lockwise key in a message: `kind:` before a name.
KEY = re.compile(r"\b(table|column|function|view|index|type|sequence|schema):\w")


def lint(tmp_path: Path, case: str, fmt: str) -> str:
    first, second, _key, _shown = CASES[case]
    (tmp_path / "1_a.sql").write_text(first)
    (tmp_path / "2_b.sql").write_text(second + "\n")
    return CliRunner().invoke(app, ["lint", str(tmp_path), "--format", fmt,
                                    "--no-cache"]).stdout


@pytest.mark.parametrize("case", CASES)
def test_json_keeps_the_key_and_adds_the_name(tmp_path: Path, case: str) -> None:
    _first, _second, key, shown = CASES[case]
    (conflict,) = [c for c in json.loads(lint(tmp_path, case, "json"))["conflicts"]
                   if c["object"] == key]
    assert conflict["object_name"] == shown
    assert shown in conflict["explanation"]
    assert not KEY.search(conflict["explanation"]), conflict["explanation"]


@pytest.mark.parametrize("fmt", ["text", "sarif", "github", "markdown"])
@pytest.mark.parametrize("case", CASES)
def test_no_format_shows_a_key(tmp_path: Path, case: str, fmt: str) -> None:
    out = lint(tmp_path, case, fmt)
    assert CASES[case][3] in out
    assert not KEY.search(out), KEY.search(out)
