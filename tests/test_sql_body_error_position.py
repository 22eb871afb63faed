"""A `LANGUAGE sql` routine whose AS string PostgreSQL's grammar rejects is refused at CREATE
(while check_function_bodies is on, as for PL/pgSQL): the parse-error points inside the body,
where the server's caret is, through the body's quoting (parse/sql_body.py)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

HEAD = "CREATE TABLE t (id int);\n"

# (statement, (line, column) in the file HEAD + statement, the text there), as PostgreSQL
# 18.6 reports them (checked below).
CASES = [
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 +; $$;\n", (2, 62), ";"),
    ("CREATE FUNCTION f() RETURNS int\n  LANGUAGE sql AS $b$\nSELECT 1;\n"
     "SELECT 2 FROM FROM;\n$b$;\n", (5, 15), "FROM;"),
    ("CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT ''é'' ||| FROM';\n",
     (2, 68), "FROM'"),
    ("CREATE PROCEDURE p() LANGUAGE sql AS $$ INSERT INTO t VALUES (1 $$;\n", (2, 65), "$$;"),
    ("CREATE FUNCTION f(anyelement) RETURNS text LANGUAGE sql AS $$\n"
     "  SELECT 'éé' 1 $$;\n", (3, 15), "1 $$"),
]


def _parse_errors(sql: str) -> list[tuple[int, int, str]]:
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions())[0]
    findings = report.findings + [f for s in report.statements for f in s.findings]
    return [(f.span.line, f.span.column, f.message) for f in findings
            if f.rule == "parse-error"]


def _at(text: str, line: int, column: int) -> str:
    return text.split("\n")[line - 1][column - 1:]


@pytest.mark.parametrize(("sql", "where", "token"), CASES)
def test_the_parse_error_points_inside_the_sql_body(sql: str, where: tuple[int, int],
                                                    token: str) -> None:
    errors = _parse_errors(HEAD + sql)
    assert len(errors) == 1, errors
    line, column, message = errors[0]
    assert message.startswith("PostgreSQL's parser rejects this SQL: syntax error"), message
    assert (line, column) == where, (_at(HEAD + sql, line, column), message)
    assert _at(HEAD + sql, line, column).startswith(token)


def test_the_body_is_not_checked_with_check_function_bodies_off() -> None:
    sql = "SET check_function_bodies = off;\n" + CASES[0][0]
    assert _parse_errors(HEAD + sql) == []


@pytest.mark.parametrize("sql", [
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; SELECT 2 $$;\n",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n",
    "CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'lib', 'SELECT 1 +;';\n",
])
def test_a_body_that_parses_is_no_parse_error(sql: str) -> None:
    assert _parse_errors(HEAD + sql) == []


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
        conn.execute("SET check_function_bodies = off")
        conn.execute(CASES[0][0])  # created: its body is checked when it is called


#: A body nested deeper than lockwise's parse of it analyzes (a problem it notes), which the
#: server's grammar takes: no syntax error, so the routine is created (checked on 18.6).
DEEP = ("CREATE FUNCTION d() RETURNS int LANGUAGE sql AS $$ SELECT "
        + "1+(" * 800 + "1" + ")" * 800 + " $$;\n")


def test_a_body_too_deep_for_lockwise_is_no_refusal() -> None:
    from lockwise.effects.refused import statement_refusal

    report = lint_migrations([migration_from_text(HEAD + DEEP, "0001_m.sql")],
                             LintOptions())[0]
    assert statement_refusal(report.statements[-1].effect) == ""
    assert _parse_errors(HEAD + DEEP) == []


@pytest.mark.postgres
def test_the_server_creates_a_body_too_deep_for_lockwise(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(DEEP)
        assert conn.execute("SELECT d()").fetchone() == (801,)
        conn.execute("DROP FUNCTION d")
