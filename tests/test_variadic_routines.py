"""VARIADIC parameters as the server takes them (checked on 18.6).

A call spreads its arguments over a variadic overload's element type unless it writes
VARIADIC: an array passed positionally at a variadic position matches no overload whose
element type is a scalar one ("function f(integer[]) does not exist"), and a call in named
notation never matches a variadic overload without VARIADIC, a default or not ("function
f(a => integer[]) does not exist"): lockwise has such a call run none of them. And a VARIADIC
parameter whose type is no array is refused at CREATE, whatever the language and
check_function_bodies ("VARIADIC parameter must be an array"), at the parameter."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from test_routine_calls import _lint


def _setup(params: str) -> str:
    """Table o0, and one function o of parameters `params` that locks it when it runs."""
    return ("CREATE TABLE o0 (id int);\n"
            f"CREATE FUNCTION o({params}) RETURNS int LANGUAGE sql AS $$\n"
            "  LOCK TABLE o0;\n  SELECT 0;\n$$;\n")


#: (o's parameters, the call's arguments, whether the server runs o: 18.6)
CALLS = [
    ("VARIADIC a int[]", "ARRAY[1]", False),
    ("VARIADIC a int[]", "'{1}'::int[]", False),
    ("VARIADIC a int[]", "ARRAY[1], ARRAY[2]", False),
    ("VARIADIC a text[]", "ARRAY['x']", False),
    ("x int, VARIADIC a int[]", "1, ARRAY[2]", False),
    ("x int, VARIADIC a int[]", "1, 2, ARRAY[3]", False),
    ("VARIADIC a int[]", "a => ARRAY[1]", False),
    ("VARIADIC a int[]", "a => 1", False),
    ("x int, VARIADIC a int[] DEFAULT '{}'", "x => 1", False),
    ("x int, VARIADIC a int[]", "1, a => ARRAY[2]", False),
    ("x int, VARIADIC a int[]", "x => 1, a => ARRAY[2]", False),
    # what runs
    ("VARIADIC a int[]", "VARIADIC ARRAY[1]", True),
    ("VARIADIC a int[]", "VARIADIC a => ARRAY[1]", True),
    ("VARIADIC a int[]", "1, 2", True),
    ("VARIADIC a int[]", "NULL", True),
    ("x int, VARIADIC a int[] DEFAULT '{}'", "1", True),
    ("VARIADIC a int[] DEFAULT '{}'", "", True),
    # an untyped string constant at a variadic position is an element, spread: an array
    # literal is no number's or boolean's input, refused before any body runs ("invalid
    # input syntax for type integer"); a string element's it is
    ("VARIADIC a int[]", "'{1}'", False),
    ("x int, VARIADIC a int[]", "1, '{2}'", False),
    ("VARIADIC a numeric[]", "NULL, '{1}'", False),
    ("VARIADIC a bool[]", "'{t}'", False),
    ("VARIADIC a int[]", "'1'", True),
    ("VARIADIC a text[]", "'{1}'", True),
    ("VARIADIC a int[]", "VARIADIC '{1}'", True),
]


@pytest.mark.parametrize(("params", "args", "runs"), CALLS)
def test_a_call_runs_a_variadic_function_only_as_the_server_matches_it(
        params: str, args: str, runs: bool) -> None:
    reports, _ = _lint(_setup(params), f"SELECT o({args});")
    assert ("public.o0" in reports[-1].statements[-1].effect.locks) == runs


@pytest.mark.postgres
def test_the_server_matches_each_call_so(pg_db: str) -> None:
    import psycopg

    seen = []
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for params, args, _ in CALLS:
            conn.execute(_setup(params))
            try:
                conn.execute(f"SELECT o({args})")
                seen.append(True)
            except (psycopg.errors.UndefinedFunction,
                    psycopg.errors.InvalidTextRepresentation) as exc:
                assert exc.diag.message_primary.startswith(
                    ("function o(", "invalid input syntax for type ")), args
                seen.append(False)
            conn.execute("DROP TABLE o0; DROP FUNCTION o")
    assert seen == [runs for _, _, runs in CALLS]
    # the server's words for the first case
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_setup("VARIADIC a int[]"))
        with pytest.raises(psycopg.errors.UndefinedFunction) as refused:
            conn.execute("SELECT o(ARRAY[1])")
        assert refused.value.diag.message_primary == "function o(integer[]) does not exist"


#: (CREATE statement, the line and column of the parameter the server points at)
NOT_ARRAYS = [
    ("CREATE FUNCTION g(VARIADIC a int) RETURNS int LANGUAGE sql AS 'SELECT 1';", 1, 19),
    ("CREATE FUNCTION g(x text,\n  VARIADIC a int) RETURNS int LANGUAGE sql AS 'SELECT 1';",
     2, 3),
    ("CREATE PROCEDURE g(VARIADIC a text) LANGUAGE sql AS 'SELECT 1';", 1, 20),
    ("CREATE FUNCTION g(VARIADIC a varchar(10)) RETURNS int LANGUAGE sql "
     "BEGIN ATOMIC SELECT 1; END;", 1, 19),
    ("CREATE FUNCTION g(VARIADIC a int) RETURNS int LANGUAGE plpgsql AS "
     "'BEGIN RETURN 1; END';", 1, 19),
    # refused before the body is looked at, and when it is not
    ("CREATE FUNCTION g(VARIADIC a int) RETURNS int LANGUAGE sql AS 'SELECT nosuch';", 1, 19),
    ("SET check_function_bodies = off;\n"
     "CREATE FUNCTION g(VARIADIC uuid) RETURNS int LANGUAGE sql AS 'SELECT 1';", 2, 19),
]
#: VARIADIC parameters the server takes (or that lockwise cannot tell: a type it does not
#: know may be a domain over an array, which the server refuses too).
ARRAYS = [
    "CREATE FUNCTION g(VARIADIC a int[]) RETURNS int LANGUAGE sql AS 'SELECT 1';",
    "CREATE FUNCTION g(VARIADIC integer ARRAY) RETURNS int LANGUAGE sql AS 'SELECT 1';",
    "CREATE FUNCTION g(VARIADIC _int4) RETURNS int LANGUAGE sql AS 'SELECT 1';",
    "CREATE FUNCTION g(VARIADIC a anyarray) RETURNS int LANGUAGE sql AS 'SELECT 1';",
]


def _errors(sql: str) -> list[tuple[int, int, str]]:
    report = lint_migrations([migration_from_text(sql + "\n", "0001_m.sql")], LintOptions())[0]
    findings = report.findings + [f for s in report.statements for f in s.findings]
    return [(f.span.line, f.span.column, f.message) for f in findings
            if f.rule == "parse-error"]


@pytest.mark.parametrize(("sql", "line", "column"), NOT_ARRAYS)
def test_a_variadic_parameter_of_no_array_type_is_refused_at_it(sql: str, line: int,
                                                                column: int) -> None:
    ((at_line, at_column, message),) = _errors(sql)
    assert (at_line, at_column) == (line, column)
    assert "VARIADIC parameter must be an array" in message


@pytest.mark.parametrize("sql", ARRAYS)
def test_a_variadic_array_parameter_is_no_error(sql: str) -> None:
    assert _errors(sql) == []


@pytest.mark.postgres
def test_the_server_refuses_each_at_its_parameter(pg_db: str) -> None:
    import psycopg

    for sql, line, column in NOT_ARRAYS:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            *before, create = sql.split(";\n")
            for setting in before:
                conn.execute(setting)
            with pytest.raises(psycopg.errors.InvalidFunctionDefinition) as refused:
                conn.execute(create)
            diag = refused.value.diag
            assert diag.message_primary == "VARIADIC parameter must be an array"
            at = int(diag.statement_position or 0) - 1
            assert (create.count("\n", 0, at) + 1 + len(before),
                    at - create.rfind("\n", 0, at)) == (line, column), sql
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for sql in ARRAYS:
            conn.execute(sql)
            conn.execute("DROP FUNCTION g")


#: (what runs first, the CREATE refused for its VARIADIC parameter of no array type, a call
#: after them, what the call returns on the server: None when no o exists). The refused
#: CREATE changes nothing: the call runs no body of it, no o at all or the o a refused
#: CREATE OR REPLACE would have replaced (checked on 18.6).
_LOCKING_O = ("FUNCTION o(VARIADIC a int) RETURNS int LANGUAGE sql AS $$\n"
              "  LOCK TABLE o0;\n  SELECT 1;\n$$;\n")
REFUSED_CREATES = [
    ("", "CREATE " + _LOCKING_O, "SELECT o(1);", None),
    ("CREATE FUNCTION o(a int) RETURNS int LANGUAGE sql AS 'SELECT 0';\n",
     "CREATE OR REPLACE " + _LOCKING_O, "SELECT o(1);", 0),
]


@pytest.mark.parametrize(("before", "refused", "call", "server"), REFUSED_CREATES)
def test_a_routine_refused_for_its_variadic_parameter_changes_no_catalog(
        before: str, refused: str, call: str, server: int | None) -> None:
    from lockwise.effects.refused import statement_refusal

    reports, catalog = _lint("CREATE TABLE o0 (id int);\n" + before + refused, call)
    assert statement_refusal(reports[-2].statements[-1].effect) == "refused_variadic_parameter"
    assert "public.o0" not in reports[-1].statements[-1].effect.locks
    kept = catalog.kept_routines.get("public.o", ())
    assert [r.variadic for r in kept] == ([] if server is None else [False])


@pytest.mark.postgres
def test_the_server_keeps_no_routine_it_refused_for_its_variadic_parameter(pg_db: str) -> None:
    import psycopg

    for before, refused, call, server in REFUSED_CREATES:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute("CREATE TABLE o0 (id int)")
            if before:
                conn.execute(before)
            with pytest.raises(psycopg.errors.InvalidFunctionDefinition):
                conn.execute(refused)
            if server is None:
                with pytest.raises(psycopg.errors.UndefinedFunction):
                    conn.execute(call)
            else:
                assert conn.execute(call).fetchone() == (server,)
            conn.execute("DROP TABLE o0; DROP FUNCTION IF EXISTS o(int)")
