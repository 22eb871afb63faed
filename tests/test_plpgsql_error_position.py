"""Where PL/pgSQL rejects a body, the parse-error points inside the body, at the line and
column the server names (psql's `LINE n:` and caret), through the quoting of the body: a
dollar quote, a '...' string with its quotes doubled, an E'...' string with backslash escapes.
pglast's PL/pgSQL parser gives no position, so lockwise finds it (parse/plpgsql_errors.py)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

HEAD = "CREATE TABLE t (id int);\n"

# (statement, (line, column) in the file HEAD + statement, the token there), as psql reports
# them against PostgreSQL 18.6 (the E'' case aside: the server cannot find its body in the
# statement, and reports a position in the body alone).
CASES = [
    ("DO $$ BEGIN\n  IF THEN END IF; END $$;\n", (3, 6), "THEN"),
    ("CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$\n"
     "BEGIN\n  ALTER TABLE t ADD COLUMN z int;\n$$;\n", (5, 1), "$$"),
    ("CREATE PROCEDURE q() LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1 +;\nEND $$;\n",
     (4, 14), ";"),
    ("CREATE FUNCTION d() RETURNS void LANGUAGE plpgsql AS 'BEGIN\n"
     "  PERFORM ''a''; x y;\nEND';\n", (3, 18), "x"),
    ("CREATE FUNCTION f() RETURNS void\n  LANGUAGE plpgsql AS $f$\nBEGIN\n"
     "  SELECT 1 FROM;\nEND $f$;\n", (5, 16), ";"),
    ("DO $$ BEGIN RAISE NOTICE 'éé' 1; END $$;\n", (2, 31), "1"),
    ("DO LANGUAGE plpgsql 'BEGIN\n  PERFORM ''é''; RAISE NOTICE ''x'' 1;\nEND';\n",
     (3, 37), "1"),
    # messages that quote a name, not a token "at or near"
    ("DO $$ BEGIN\n  x := 1; END $$;\n", (3, 3), "x"),
    ("DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT 1 LOOP CONTINUE lbl; END LOOP;"
     " END $$;\n", (3, 35), "lbl"),
    ("DO $$ BEGIN GET DIAGNOSTICS X = ROW_COUNT; END $$;\n", (2, 29), "X"),
    # an unnamed VARIADIC parameter (its body uses $1) takes the body's own error
    ("CREATE FUNCTION v(VARIADIC int[]) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
     "  PERFORM $1[1] +;\nEND $$;\n", (4, 18), ";"),
]
E_STRING = ("CREATE FUNCTION e() RETURNS void LANGUAGE plpgsql AS\n"
            "  E'BEGIN\\n  PERFORM \\'a\\'; x y;\\nEND';\n")


def _parse_errors(sql: str) -> list[tuple[int, int, str]]:
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions())[0]
    findings = report.findings + [f for s in report.statements for f in s.findings]
    return [(f.span.line, f.span.column, f.message) for f in findings
            if f.rule == "parse-error"]


def _at(text: str, line: int, column: int) -> str:
    return text.split("\n")[line - 1][column - 1:]


@pytest.mark.parametrize(("sql", "where", "token"), CASES)
def test_the_parse_error_points_inside_the_body(sql: str, where: tuple[int, int],
                                                token: str) -> None:
    errors = _parse_errors(HEAD + sql)
    assert len(errors) == 1, errors
    line, column, message = errors[0]
    assert message.startswith("PL/pgSQL's parser rejects this SQL:"), message
    assert (line, column) == where, (_at(HEAD + sql, line, column), message)
    assert _at(HEAD + sql, line, column).startswith(token)


def test_an_escape_string_body_is_mapped_through_its_escapes() -> None:
    # the body's line 2 is `  PERFORM 'a'; x y;`: the file's `\'a\'` is two characters
    # longer than the body's `'a'`, and `\n` is one character of the body
    [(line, column, message)] = _parse_errors(HEAD + E_STRING)
    assert 'at or near "x"' in message
    assert (line, column) == (3, 29)
    assert _at(HEAD + E_STRING, line, column).startswith("x y;")


@pytest.mark.postgres
def test_the_server_reports_the_same_positions(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(HEAD)
        for sql, where, _ in CASES:
            with pytest.raises(psycopg.errors.SyntaxError) as caught:
                conn.execute(sql)
            position = int(caught.value.diag.statement_position or 0)
            assert position, sql
            before = sql[:position - 1]
            assert (before.count("\n") + 2, position - before.rfind("\n") - 1) == where, sql
