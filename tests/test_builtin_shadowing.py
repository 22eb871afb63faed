"""A migration's function of the name and argument types of a built-in one: the server
searches pg_catalog first unless the search_path names it, so a bare call runs the built-in
function (its volatility, no body of the migrations) unless the path puts pg_catalog after
the migration's schema; a call written with that schema always runs the migration's
(fix-pg72). Each held against the embedded server."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE SCHEMA app;\nCREATE TABLE t (id int PRIMARY KEY, c int);\n"


def _fn(name: str, args: str, returns: str, value: str, volatility: str = "VOLATILE") -> str:
    """CREATE FUNCTION `name`, whose body adds column z to t."""
    return (f"CREATE FUNCTION {name}({args}) RETURNS {returns} {volatility} LANGUAGE plpgsql "
            f"AS $$ BEGIN ALTER TABLE public.t ADD COLUMN z int; RETURN {value}; END $$;\n")


APP_LOWER = _fn("app.lower", "x text", "text", "x")
PUBLIC_RANDOM = _fn("public.random", "", "float8", "-1")
#: (the migration's function, the statements after it, the last one calling the name;
#: whether that runs the migration's body)
CALLS = [
    (APP_LOWER, "SET search_path = app, public;\nSELECT lower('A');", False),
    (APP_LOWER, "SET search_path = app, pg_catalog;\nSELECT lower('A');", True),
    (APP_LOWER, "SET search_path = pg_catalog, app;\nSELECT lower('A');", False),
    (APP_LOWER, "SET search_path = app, pg_catalog;\nSELECT pg_catalog.lower('A');", False),
    (APP_LOWER, "SELECT app.lower('A');", True),
    (_fn("public.lower", "x text", "text", "x"), "SELECT lower('A');", False),
    # other argument types: no built-in overload of them to hide it
    (_fn("public.lower", "x int", "text", "'x'"), "SELECT lower(1);", True),
    (PUBLIC_RANDOM, "SELECT random();", False),
    (PUBLIC_RANDOM, "SET search_path = public, pg_catalog;\nSELECT random();", True),
    (_fn("app.now", "", "timestamptz", "'2000-01-01'"),
     "SELECT set_config('search_path', 'app, pg_catalog', false);\nSELECT now();", True),
]


def _last(sql: str) -> dict:
    """The effect of the last statement of migration `sql`, linted after SETUP."""
    reports = lint_migrations([migration_from_text(SETUP, "0001_m.sql"),
                               migration_from_text(sql, "0002_m.sql")], LintOptions(),
                              Catalog())
    return reports[-1].statements[-1].effect


@pytest.mark.parametrize(("create", "sql", "runs"), CALLS)
def test_a_bare_builtin_name_runs_the_migrations_body_only_before_pg_catalog(
        create: str, sql: str, runs: bool) -> None:
    effect = _last(create + sql)
    assert any(a.kind == "add_column" for a in effect.actions) is runs


def _server(uri: str, sql: str, *queries: str) -> list[list[tuple]]:
    """The rows of each of `queries` once the server at `uri` has run SETUP, then each
    statement of `sql` in turn (a SET lasts for the session)."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(SETUP)
        head, *rest = sql.split(";\n")
        conn.execute(head)
        for statement in rest:
            if statement.strip():
                conn.execute(statement)
        return [cur.fetchall() if (cur := conn.execute(query)).description else []
                for query in queries]


@pytest.mark.postgres
@pytest.mark.parametrize(("create", "sql", "runs"), CALLS)
def test_the_server_runs_the_body_so(pg_db: str, create: str, sql: str, runs: bool) -> None:
    (added,) = _server(pg_db, create + sql, "SELECT attname FROM pg_attribute WHERE "
                                            "attrelid = 'public.t'::regclass AND attname = 'z'")
    assert bool(added) is runs


PUBLIC_NOW = _fn("public.now", "", "timestamptz", "'2000-01-01'")
LOOKUP = "UPDATE t SET c = 1 WHERE id = extract(epoch from {now}())::int"
#: (the statements before the UPDATE, the now() it calls, whether its WHERE reads all of t:
#: the migration's VOLATILE now() is no index condition, the built-in stable one is)
LOOKUPS = [
    ("", "now", False),
    ("SET search_path = public, pg_catalog;\n", "now", True),
    ("", "public.now", True),
    ("SET search_path = public, pg_catalog;\n", "pg_catalog.now", False),
]


@pytest.mark.parametrize(("before", "now", "scans"), LOOKUPS)
def test_the_where_is_as_volatile_as_the_now_the_server_runs(before: str, now: str,
                                                             scans: bool) -> None:
    effect = _last(PUBLIC_NOW + before + LOOKUP.format(now=now) + ";")
    assert effect.actions[0].facts["where_scans_table"] is scans


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "now", "scans"), LOOKUPS)
def test_the_server_looks_the_key_up_so(pg_db: str, before: str, now: str,
                                        scans: bool) -> None:
    (plan,) = _server(pg_db, f"{PUBLIC_NOW}{before}SET enable_seqscan = off;\n",
                      "EXPLAIN " + LOOKUP.format(now=now))
    assert (" t_pkey " not in " ".join(f" {r[0]} " for r in plan)) is scans, plan


ADD = "ALTER TABLE t ADD COLUMN d timestamptz DEFAULT now()"
#: (the statements before the ADD COLUMN, whether it rewrites t: a volatile default does)
DEFAULTS = [("", False), ("SET search_path = public, pg_catalog;\n", True)]


@pytest.mark.parametrize(("before", "rewrites"), DEFAULTS)
def test_a_default_is_as_volatile_as_the_now_the_server_runs(before: str,
                                                             rewrites: bool) -> None:
    effect = _last(PUBLIC_NOW + before + ADD + ";")
    assert next(a for a in effect.actions if a.kind == "add_column"
                ).facts["default_volatile"] is rewrites


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "rewrites"), DEFAULTS)
def test_the_server_rewrites_so(pg_db: str, before: str, rewrites: bool) -> None:
    file = "SELECT relfilenode FROM pg_class WHERE oid = 'public.t'::regclass"
    was, now = _server(pg_db, PUBLIC_NOW + before, file, ADD, file)[::2]
    assert (now != was) is rewrites


# fix-pg77: the server chooses among the built-in overloads and the migration's together,
# those the path makes visible (one hides another of the same argument types searched later).
PUBLIC_ABS = _fn("public.abs", "x bigint", "bigint", "x")
PUBLIC_LOWER_INT = _fn("public.lower", "x int", "text", "'x'")
BEFORE_BUILTINS = "SET search_path = public, pg_catalog;\n"
#: (the migration's function, the statements after it, whether the last runs its body)
CHOICES = [
    # an int4 argument: pg_catalog.abs(integer) is an exact match
    (PUBLIC_ABS, BEFORE_BUILTINS + "SELECT abs(-3);", False),
    # a bigint one: public.abs(bigint) hides pg_catalog's, searched after it
    (PUBLIC_ABS, BEFORE_BUILTINS + "SELECT abs(-3::bigint);", True),
    (PUBLIC_ABS, BEFORE_BUILTINS + "SELECT abs(3000000000);", True),
    (PUBLIC_ABS, "SELECT abs(3000000000);", False),
    # an untyped constant goes to the string category: lower(text)
    (PUBLIC_LOWER_INT, "SELECT lower('A');", False),
    (PUBLIC_LOWER_INT, "SELECT lower(1);", True),
]
CALLS += CHOICES  # (each judged, and run on the server, by the tests above)


def _volatile(name: str, args: str, returns: str, value: str) -> str:
    """CREATE FUNCTION `name`, VOLATILE, returning `value`."""
    return (f"CREATE FUNCTION {name}({args}) RETURNS {returns} VOLATILE LANGUAGE plpgsql "
            f"AS $$ BEGIN RETURN {value}; END $$;\n")


VOLATILE_ABS = _volatile("public.abs", "x bigint", "bigint", "x")
VOLATILE_LOWER = _volatile("public.lower", "x int", "text", "'x'")
#: (the migration's function and path, the column added, whether its default is volatile:
#: the table is rewritten)
CHOSEN_DEFAULTS = [
    (VOLATILE_ABS + BEFORE_BUILTINS, "d int8 DEFAULT abs(-3)", False),
    (VOLATILE_ABS + BEFORE_BUILTINS, "d int8 DEFAULT abs(-3::bigint)", True),
    (VOLATILE_LOWER, "d text DEFAULT lower('A')", False),
    (VOLATILE_LOWER, "d text DEFAULT lower(1)", True),
]


@pytest.mark.parametrize(("before", "column", "rewrites"), CHOSEN_DEFAULTS)
def test_a_default_is_as_volatile_as_the_overload_chosen(before: str, column: str,
                                                         rewrites: bool) -> None:
    effect = _last(f"{before}ALTER TABLE t ADD COLUMN {column};")
    assert next(a for a in effect.actions if a.kind == "add_column"
                ).facts["default_volatile"] is rewrites


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "column", "rewrites"), CHOSEN_DEFAULTS)
def test_the_server_rewrites_for_the_overload_chosen(pg_db: str, before: str, column: str,
                                                     rewrites: bool) -> None:
    file = "SELECT relfilenode FROM pg_class WHERE oid = 'public.t'::regclass"
    was, now = _server(pg_db, before, file, f"ALTER TABLE t ADD COLUMN {column}", file)[::2]
    assert (now != was) is rewrites
