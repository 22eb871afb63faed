r"""psql input in the middle of SQL: meta-commands ending a line (`\gexec`, `\g`...), the `\;`
separator and client-side variables (`:'v'`, `:"v"`, `:v`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.parse.postgres import parse_sql
from lockwise.parse.templates import linted_text

GEXEC = "SELECT format('ALTER TABLE %I ADD COLUMN x int', 'accounts') \\gexec\n"


def kinds(text: str) -> list[str]:
    return [s.kind for s in parse_sql(text).skipped]


def test_gexec_after_sql_is_blanked_and_reported_with_its_query() -> None:
    parsed = parse_sql(GEXEC + "CREATE TABLE b (id int);\n")
    assert not parsed.problems
    assert [s.sql[:6] for s in parsed.statements] == ["SELECT", "CREATE"]
    meta, gexec = parsed.skipped
    assert (meta.kind, meta.text, meta.span.column) == ("psql-meta", "\\gexec", 62)
    # The \gexec finding covers the query whose result psql runs.
    assert gexec.kind == "psql-gexec"
    assert (gexec.span.start_offset, gexec.span.end_offset) == (0, len(GEXEC) - 1)


def test_gexec_on_its_own_line_after_a_semicolon_points_at_the_query() -> None:
    parsed = parse_sql("SELECT 1;\nSELECT 'CREATE TABLE a ()';\n\\gexec\n")
    assert not parsed.problems and len(parsed.statements) == 2
    gexec = next(s for s in parsed.skipped if s.kind == "psql-gexec")
    assert (gexec.span.line, gexec.span.end_line) == (2, 3)


@pytest.mark.parametrize("command", ["\\g", "\\gx", "\\gset", "\\gdesc", "\\crosstabview",
                                     "\\g out.txt", "\\gset prefix_"])
def test_buffer_sending_commands_end_the_statement(command: str) -> None:
    parsed = parse_sql(f"SELECT 1 AS a {command}\nSELECT 2;")
    assert not parsed.problems and len(parsed.statements) == 2
    assert kinds(f"SELECT 1 {command}\n") == ["psql-meta"]
    assert parsed.skipped[0].text == command


def test_other_meta_commands_after_sql_are_blanked() -> None:
    parsed = parse_sql("SELECT 1 \\echo hi\n;")
    assert not parsed.problems and len(parsed.statements) == 1
    assert parsed.skipped[0].text == "\\echo hi"


def test_semicolon_separator_splits_statements() -> None:
    parsed = parse_sql("SELECT 1 \\; SELECT 2;")
    assert not parsed.problems and len(parsed.statements) == 2
    assert kinds("SELECT 1 \\; SELECT 2;") == ["psql-meta"]


@pytest.mark.parametrize("text", [
    "SELECT 'a \\gexec';",
    "SELECT E'it\\'s \\gexec';",
    "SELECT E'\\\\';\n",
    "SELECT $$ \\gexec $$;",
    "SELECT $tag$ \\g $$ \\g $tag$;",
    'SELECT 1 AS "a\\g";',
    "SELECT 1; -- \\gexec",
    "SELECT 1; /* \\g /* nested */ \\g */",
])
def test_backslash_in_strings_and_comments_is_no_meta_command(text: str) -> None:
    parsed = parse_sql(text)
    assert not parsed.skipped and not parsed.problems


def test_escape_string_does_not_end_at_an_escaped_quote() -> None:
    # Read as a standard string, E'\'' would end early and `\g` would look like a command.
    assert kinds("SELECT E'\\' \\g ';") == []
    # A standard string ends at its quote: the backslash before it is a plain character.
    assert kinds("SELECT 'x\\' \\g\n") == ["psql-meta"]


def test_psql_variables_get_same_length_stand_ins() -> None:
    text = ("CREATE SCHEMA :\"schema\";\nCREATE TABLE :tbl (id int);\n"
            "ALTER TABLE t ALTER COLUMN c SET DEFAULT :'val';\n")
    parsed = parse_sql(text)
    assert not parsed.problems
    # Parsed with the stand-ins, shown as written; linted_text gives the parsed text back.
    assert [s.sql for s in parsed.statements] == [
        'CREATE SCHEMA :"schema"', "CREATE TABLE :tbl (id int)",
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT :'val'"]
    assert [linted_text(s.sql) for s in parsed.statements] == [
        'CREATE SCHEMA ":schema"', "CREATE TABLE _tbl (id int)",
        "ALTER TABLE t ALTER COLUMN c SET DEFAULT ':val'"]
    assert parsed.statements[1].tree["CreateStmt"]["relation"]["relname"] == "_tbl"
    assert parsed.statements[2].span.column == 1
    assert parsed.placeholders == {'":schema"': ':"schema"', "_tbl": ":tbl", "':val'": ":'val'"}
    (note,) = parsed.skipped
    assert note.kind == "psql-variables" and note.span.line == 1
    assert ":\"schema\", :'val', :tbl" in note.text


def test_alternatives_write_psql_variables_as_written(tmp_path: Path) -> None:
    # The safe alternative is rewritten from the statement as parsed (with the stand-ins),
    # then written with the variables back: `:"schema"`, not the quoted name `":schema"`.
    (tmp_path / "0001_t.sql").write_text("CREATE TABLE t (id int, c text);\n")
    (tmp_path / "0002_a.sql").write_text(
        "CREATE INDEX i ON :\"schema\".t (id);\n"
        "ALTER TABLE :\"schema\".t ADD CONSTRAINT k UNIQUE (:col);\n")
    code, doc = lint_json(tmp_path)
    found = {f["rule"]: f for f in all_findings(doc)}
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON :\"schema\".t (id);" in \
        found["index-without-concurrently"]["instead"]
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS k ON :\"schema\".t (:col);" in \
        found["add-unique-constraint"]["instead"]
    shown = [s["sql"] for m in doc["migrations"] for s in m["statements"]]
    assert 'CREATE INDEX i ON :"schema".t (id)' in shown
    assert not any('":schema"' in text
                   for text in [*shown, *(f["instead"] for f in all_findings(doc))])


@pytest.mark.parametrize("text", [
    "SELECT 1::int, now()::date;",
    "SELECT (ARRAY[1, 2, 3])[1:2], (ARRAY[1, 2])[1:n] FROM t;",
    "DO $$ BEGIN x := 1; END $$;",
    "SELECT ':v', ':\"v\"' AS \":v\";",
    "SELECT 1; -- :v",
    "SELECT '10:30'::time;",
])
def test_casts_slices_assignments_and_quoted_colons_are_no_variables(text: str) -> None:
    parsed = parse_sql(text)
    assert not parsed.skipped and not parsed.problems and not parsed.placeholders


def test_function_named_argument_is_no_variable() -> None:
    assert kinds("SELECT f(a := 1);") == []


# --- the CLI ------------------------------------------------------------------------------------

def lint_json(path: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(app, ["lint", str(path), "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def all_findings(doc: dict) -> list[dict]:
    return [f for m in doc["migrations"]
            for f in [*m["findings"], *(x for s in m["statements"] for x in s["findings"])]]


def rules_of(doc: dict) -> list[str]:
    return sorted(f["rule"] for f in all_findings(doc))


def test_cli_lints_gexec_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "0001_gexec.sql"
    path.write_text(GEXEC)
    code, doc = lint_json(path)
    assert code == 0  # safe-with-care: not an error, and no longer an input error (2)
    assert rules_of(doc) == ["psql-gexec", "psql-meta-command"]


def test_cli_writes_psql_variables_back_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "0001_vars.sql"
    path.write_text("ALTER TABLE users DROP COLUMN :col;\n")
    code, doc = lint_json(path)
    assert code == 1
    drop = next(f for f in all_findings(doc) if f["rule"] == "drop-column")
    assert ":col" in drop["message"] and "_col" not in drop["message"]
    assert "template-placeholder" in rules_of(doc)


@pytest.mark.parametrize("line", ["\\bind 'a' \\g", "\\bind \\gx", "\\bind 'x;y' \\gset p_",
                                  "\\echo hi \\g"])
def test_a_buffer_sending_command_later_on_the_line_ends_the_statement(line: str) -> None:
    """`SELECT $1 \\bind 'a' \\g`: psql runs several meta-commands on one line; the `\\g`
    after `\\bind` sends the query as a semicolon would."""
    parsed = parse_sql(f"SELECT $1 {line}\nSELECT 2;\n")
    assert not parsed.problems and len(parsed.statements) == 2


def test_a_quoted_backslash_g_argument_does_not_end_the_statement() -> None:
    parsed = parse_sql("SELECT 1 \\echo '\\g'\nAS one;\n")
    assert not parsed.problems and len(parsed.statements) == 1
