"""A function, procedure or routine named as an object (ALTER, DROP, RENAME, COMMENT ON,
GRANT ON) is found as the server finds it: a bare name along the search_path (never in
pg_temp), FUNCTION counting no procedure and PROCEDURE no function, an overload hiding one
of the same argument types in a later schema; without an argument list, several found is a
refusal ("function name "f" is not unique", 42725), IF EXISTS or not. Each case is checked
on the server (18.6)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE SCHEMA app;\n"
F_INT = "CREATE FUNCTION public.f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
F_TEXT = "CREATE FUNCTION app.f(text) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
APP_F_INT = "CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 2';\n"
P_TEXT = "CREATE PROCEDURE public.f(text) LANGUAGE sql AS 'SELECT 1';\n"
PATH = "SET search_path = app, public;\n"

#: (the routines made, the statements run after, whether the last is refused as not
#: unique, the routines left as `schema.name(types):volatility` (a procedure's `p`))
CASES = [
    # public's only f, found along the path (lockwise looked in app, the path's first)
    (F_INT, PATH + "ALTER FUNCTION f STABLE;", False, {"public.f(int4):s"}),
    (F_INT, PATH + "DROP FUNCTION f;", False, set()),
    (F_INT, PATH + "ALTER FUNCTION f RENAME TO g;", False, {"public.g(int4):i"}),
    (F_INT, PATH + "ALTER FUNCTION f(int) VOLATILE;", False, {"public.f(int4):v"}),
    # one in each schema of the path, of other argument types: not unique
    (F_INT + F_TEXT, PATH + "ALTER FUNCTION f STABLE;", True,
     {"public.f(int4):i", "app.f(text):i"}),
    (F_INT + F_TEXT, PATH + "DROP FUNCTION IF EXISTS f;", True,
     {"public.f(int4):i", "app.f(text):i"}),
    (F_INT + F_TEXT, PATH + "COMMENT ON FUNCTION f IS 'x';", True,
     {"public.f(int4):i", "app.f(text):i"}),
    (F_INT + F_TEXT, PATH + "GRANT EXECUTE ON FUNCTION f TO PUBLIC;", True,
     {"public.f(int4):i", "app.f(text):i"}),
    (F_INT + F_TEXT, PATH + "DROP FUNCTION f(int);", False, {"app.f(text):i"}),
    # app's off the path: public's alone
    (F_INT + F_TEXT, "ALTER FUNCTION f STABLE;", False, {"public.f(int4):s", "app.f(text):i"}),
    # the same argument types: app's hides public's
    (F_INT + APP_F_INT, PATH + "ALTER FUNCTION f VOLATILE;", False,
     {"public.f(int4):i", "app.f(int4):v"}),
    (F_INT + APP_F_INT, PATH + "DROP FUNCTION f;", False, {"public.f(int4):i"}),
    # FUNCTION finds no procedure, PROCEDURE no function, ROUTINE both
    (F_INT + P_TEXT, "DROP FUNCTION f;", False, {"public.f(text):p"}),
    (F_INT + P_TEXT, "DROP PROCEDURE f;", False, {"public.f(int4):i"}),
    (F_INT + P_TEXT, "DROP ROUTINE f;", True, {"public.f(int4):i", "public.f(text):p"}),
    (F_INT + F_TEXT.replace("app.", "public."), "ALTER FUNCTION f RENAME TO g;", True,
     {"public.f(int4):i", "public.f(text):i"}),
]


def _kept(catalog: Catalog) -> set[str]:
    return {f"{r.name}({', '.join(r.args)}):{'p' if r.procedure else r.volatility}"
            for overloads in catalog.kept_routines.values() for r in overloads}


@pytest.mark.parametrize(("made", "run", "refused", "left"), CASES,
                         ids=[run.splitlines()[-1] for _, run, _, _ in CASES])
def test_a_routine_named_as_an_object_is_found_as_the_server_finds_it(
        made: str, run: str, refused: bool, left: set[str]) -> None:
    catalog = Catalog()
    reports = lint_migrations([migration_from_text(SETUP + made, "0001_made.sql"),
                               migration_from_text(run, "0002_run.sql")],
                              LintOptions(), catalog)
    last = reports[-1].statements[-1]
    assert bool(last.effect.actions[0].facts.get("refused_routine_not_unique")) is refused
    assert ("routine-name-not-unique-refused" in {f.rule for f in last.findings}) is refused
    assert _kept(catalog) == left


_TYPES = {"integer": "int4", "text": "text", "IN text": "text"}  # (a procedure says IN)


@pytest.mark.postgres
def test_the_server_finds_each_routine_so(pg_db: str) -> None:
    """18.6: what each case leaves, and whether its last statement is refused as not
    unique."""
    import psycopg

    seen = []
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for made, run, _, _ in CASES:
            conn.execute("DROP SCHEMA IF EXISTS app CASCADE; RESET search_path;"
                         "DROP ROUTINE IF EXISTS f(int), f(text), g(int)")
            conn.execute(SETUP + made)
            *before, last = [s for s in run.split(";\n") if s.strip()]
            for statement in before:
                conn.execute(statement)
            try:
                conn.execute(last)
                refused = False
            except psycopg.errors.AmbiguousFunction:
                refused = True
            rows = conn.execute(
                "SELECT pronamespace::regnamespace::text, proname, "
                "pg_get_function_identity_arguments(oid), prokind, provolatile FROM pg_proc "
                "WHERE proname IN ('f', 'g')").fetchall()
            seen.append((refused, {
                f"{schema}.{name}({', '.join(_TYPES[a] for a in args.split(', ') if a)}):"
                f"{'p' if kind == 'p' else volatility}"
                for schema, name, args, kind, volatility in rows}))
    assert seen == [(refused, left) for _, _, refused, left in CASES]
