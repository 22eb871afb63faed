"""A PL/pgSQL body PostgreSQL's PL/pgSQL grammar rejects: a DO block fails where it runs, and
CREATE FUNCTION / PROCEDURE fails where it is created while check_function_bodies is on (its
default; pg_dump's `SET check_function_bodies = false` creates it, to fail at its first call).
lockwise judged such statements safe, reading nothing in the body. A routine so refused (a
`LANGUAGE sql` one too, whose AS string the core grammar rejects) is not replayed."""

from __future__ import annotations

import itertools

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

DO_BAD = "DO $$ BEGIN IF THEN END IF; END $$;\n"
FUNCTION_BAD = ("CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$\n"
                "BEGIN\n  ALTER TABLE t ADD COLUMN z int;\n$$;\n")
PROCEDURE_BAD = ("CREATE PROCEDURE q() LANGUAGE plpgsql AS $$\n"
                 "BEGIN\n  PERFORM 1 +;\nEND $$;\n")
# psql reads no meta-command inside a dollar quote: the line is the body's, and PL/pgSQL's
# syntax error.
BACKSLASH_BAD = ("CREATE FUNCTION b() RETURNS void LANGUAGE plpgsql AS $$\n"
                 "BEGIN\n\\set x 1\nEND $$;\n")
GOOD = ("CREATE FUNCTION ok() RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  ALTER TABLE t ADD COLUMN z int;\nEND $$;\n"
        "DO $$ BEGIN IF true THEN RAISE NOTICE 'x'; END IF; END $$;\n")
OFF = "SET check_function_bodies = off;\n"


def _parse_errors(sql: str) -> list[tuple[int, str]]:
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions())[0]
    findings = report.findings + [f for s in report.statements for f in s.findings]
    return [(f.span.line, f.message) for f in findings if f.rule == "parse-error"]


@pytest.mark.parametrize(("sql", "said"), [
    (DO_BAD, 'missing expression at or near "THEN"'),
    (FUNCTION_BAD, "syntax error at end of input"),
    (PROCEDURE_BAD, "syntax error"),
    (BACKSLASH_BAD, "syntax error"),
])
def test_a_body_plpgsql_rejects_is_a_parse_error_in_its_statement(sql: str, said: str) -> None:
    errors = _parse_errors("CREATE TABLE t (id int);\n" + sql)
    assert len(errors) == 1, errors
    line, message = errors[0]
    # (in the body: test_plpgsql_error_position.py says where)
    assert 2 <= line <= 1 + sql.count("\n")
    assert message.startswith("PL/pgSQL's parser rejects this SQL:"), message
    assert said in message


def test_good_bodies_and_bodies_created_unchecked_are_no_parse_error() -> None:
    assert _parse_errors(GOOD) == []
    assert _parse_errors(OFF + FUNCTION_BAD + PROCEDURE_BAD) == []
    # check_function_bodies does not spare a DO block: it is compiled to run.
    assert len(_parse_errors(OFF + DO_BAD)) == 1
    assert len(_parse_errors(OFF + "RESET check_function_bodies;\n" + FUNCTION_BAD)) == 1


#: PL/pgSQL functions with a VARIADIC parameter, unnamed (read as $1) or named, that the
#: server creates (checked on 18.6); pglast's PL/pgSQL parser rejected every one ("VARIADIC
#: parameter must be an array").
VARIADIC_GOOD = [
    "CREATE FUNCTION va(VARIADIC int[]) RETURNS int LANGUAGE plpgsql AS $$\n"
    "BEGIN\n  RETURN array_length($1, 1);\nEND $$;\n",
    "CREATE FUNCTION vb(VARIADIC xs int[]) RETURNS int LANGUAGE plpgsql AS $$\n"
    "BEGIN\n  RETURN xs[1];\nEND $$;\n",
    "CREATE FUNCTION vc(a text, VARIADIC integer ARRAY) RETURNS int LANGUAGE plpgsql AS $$\n"
    "BEGIN\n  RETURN $2[1];\nEND $$;\n",
    "CREATE FUNCTION vd(VARIADIC _int4) RETURNS int LANGUAGE plpgsql AS $$\n"
    "BEGIN\n  RETURN $1[1];\nEND $$;\n",
]
#: A VARIADIC parameter of no array type: refused at CREATE, whatever the language.
VARIADIC_BAD = ("CREATE FUNCTION ve(VARIADIC int) RETURNS int LANGUAGE plpgsql AS $$\n"
                "BEGIN\n  RETURN 1;\nEND $$;\n")


@pytest.mark.parametrize("sql", VARIADIC_GOOD)
def test_a_variadic_parameter_is_no_parse_error(sql: str) -> None:
    assert _parse_errors(sql) == []


def test_a_variadic_parameter_of_no_array_type_is_still_refused() -> None:
    (error,) = _parse_errors(VARIADIC_BAD)
    assert "VARIADIC parameter must be an array" in error[1]


@pytest.mark.postgres
def test_the_server_creates_variadic_plpgsql_functions(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for sql in VARIADIC_GOOD:
            conn.execute(sql)
        assert conn.execute("SELECT va(1, 2, 3), vb(4, 5), vc('x', 6), vd(VARIADIC '{7}')"
                            ).fetchone() == (3, 4, 6, 7)
        with pytest.raises(psycopg.errors.InvalidFunctionDefinition) as refused:
            conn.execute(VARIADIC_BAD)
        assert refused.value.diag.message_primary == "VARIADIC parameter must be an array"


@pytest.mark.postgres
def test_the_server_agrees(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int)")
        for sql in (DO_BAD, FUNCTION_BAD, PROCEDURE_BAD, BACKSLASH_BAD):
            with pytest.raises(psycopg.errors.SyntaxError):
                conn.execute(sql)
        conn.execute(GOOD)
        conn.execute(OFF + FUNCTION_BAD + PROCEDURE_BAD)  # created, unchecked
        with pytest.raises(psycopg.errors.SyntaxError):
            conn.execute(OFF + DO_BAD)


#: h, which locks t; then a CREATE OR REPLACE of h whose body PL/pgSQL's grammar rejects.
LOCKING_H = ("CREATE TABLE t (id int);\n"
             "CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$\n"
             "BEGIN\n  LOCK TABLE t;\nEND $$;\n")
REPLACE_BAD = ("CREATE OR REPLACE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$\n"
               "BEGIN\n  PERFORM 1 +;\nEND $$;\n")
#: The same in `LANGUAGE sql`.
SQL_LOCKING_H = ("CREATE TABLE t (id int);\n"
                 "CREATE FUNCTION h() RETURNS void LANGUAGE sql AS $$ LOCK TABLE t $$;\n")
SQL_REPLACE_BAD = ("CREATE OR REPLACE FUNCTION h() RETURNS void LANGUAGE sql AS $$\n"
                   "  SELECT 1 +; $$;\n")
#: (h, its replacement)
REPLACED = [(LOCKING_H, REPLACE_BAD), (SQL_LOCKING_H, SQL_REPLACE_BAD)]


@pytest.mark.parametrize(("before", "refused"), [("", True), (OFF, False)])
@pytest.mark.parametrize(("locking_h", "replace_bad"), REPLACED)
def test_a_routine_refused_for_its_body_changes_no_catalog(before: str, refused: bool,
                                                           locking_h: str,
                                                           replace_bad: str) -> None:
    """Refused (check_function_bodies on), the CREATE OR REPLACE leaves h as it was: a call
    runs the body that locks t; created unchecked, it replaces h (checked on 18.6)."""
    from lockwise.effects.refused import statement_refusal

    sql = locking_h + before + replace_bad + "SELECT h();\n"
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions())[0]
    *_, replace, call = report.statements
    assert statement_refusal(replace.effect) == ("refused_body_syntax" if refused else "")
    assert ("public.t" in call.effect.locks) == refused


@pytest.mark.postgres
def test_the_server_keeps_the_routine_a_refused_body_would_replace(pg_db: str) -> None:
    import psycopg

    for (locking_h, replace_bad), (before, refused) in itertools.product(
            REPLACED, (("", True), (OFF, False))):
        with psycopg.connect(pg_db) as conn:
            conn.execute(locking_h)
            if before:
                conn.execute(before)
            if refused:
                with pytest.raises(psycopg.errors.SyntaxError), conn.transaction():
                    conn.execute(replace_bad)
                conn.execute("SELECT h()")
                assert conn.execute(
                    "SELECT mode FROM pg_locks WHERE relation = 't'::regclass "
                    "AND pid = pg_backend_pid()").fetchall() == [("AccessExclusiveLock",)]
            else:
                conn.execute(replace_bad)
                with pytest.raises(psycopg.errors.SyntaxError):
                    conn.execute("SELECT h()")
            conn.rollback()
