"""A partial index whose WHERE calls a function: the server keeps the function it resolved at
CREATE INDEX, not its name (pg_get_indexdef and pg_get_expr(indpred) write `app.is_live(v)` of
a `WHERE is_live(v)` made under `SET search_path = app, public`), and the planner uses the
index only for a query whose WHERE proves that condition (fix-pg74, checked on 18.6 on a
table of 100,000 rows). lockwise keeps the WHERE so, judges where-without-index by it, and
writes it so where it prints the index again."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = (
    "CREATE SCHEMA app;\n"
    "CREATE FUNCTION app.is_live(text) RETURNS boolean IMMUTABLE LANGUAGE sql "
    "AS $$SELECT $1 <> 'dead'$$;\n"
    "CREATE FUNCTION public.is_live(text) RETURNS boolean IMMUTABLE LANGUAGE sql "
    "AS $$SELECT $1 <> 'gone'$$;\n"
    "CREATE FUNCTION app.norm(text) RETURNS text IMMUTABLE LANGUAGE sql "
    "AS $$SELECT lower($1)$$;\n"
    "CREATE TABLE t (id bigint PRIMARY KEY, n int, g int, v varchar(20));\n"
    "SET search_path = app, public;\n"
    "CREATE INDEX t_live ON public.t (n) WHERE is_live(v);\n"
    "CREATE INDEX t_norm ON public.t (g) WHERE norm(v) = 'x1';\n"
    "RESET search_path;\n")

ROWS = ("INSERT INTO t SELECT i, i % 5000, i % 100, CASE WHEN i % 10 = 0 THEN 'dead' "
        "ELSE 'x' || (i % 7) END FROM generate_series(1, 100000) i; ANALYZE t")


def _findings(sql: str, setup: str = SETUP) -> list:
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql, "0002_change.sql")],
                              LintOptions(pg_version=18), Catalog())
    return [f for f in reports[-1].all_findings]


def _filled(pg_server: str, name: str, setup: str, rows: str) -> str:
    """A new database `name` on the server, after `setup` and `rows`."""
    import psycopg

    from lockwise.db.scratch import create_database

    uri = create_database(pg_server, name)
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        conn.execute(rows)
    return uri


@pytest.fixture(scope="module")
def planned(pg_server: str) -> str:
    return _filled(pg_server, "partial_index_calls", SETUP, ROWS)


def _plan(uri: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        return "\n".join(row[0] for row in conn.execute(f"EXPLAIN {sql}"))


def test_the_server_keeps_the_function_the_where_resolved(planned: str) -> None:
    import psycopg

    with psycopg.connect(planned, autocommit=True) as conn:
        (written,) = conn.execute("SELECT pg_get_indexdef('public.t_live'::regclass)").fetchone()
    assert "WHERE app.is_live((v)::text)" in written  # (a varchar as text)


@pytest.mark.parametrize(("sql", "scans"), [
    ("UPDATE t SET g = 1 WHERE n = 5 AND app.is_live(v)", False),
    ("UPDATE t SET g = 1 WHERE t.n = 5 AND app.is_live(t.v)", False),
    # another schema's is_live: another function, the index's WHERE not proven
    ("UPDATE t SET g = 1 WHERE n = 5 AND is_live(v)", True),
    ("UPDATE t SET g = 1 WHERE n = 5", True),
    ("UPDATE t SET n = 1 WHERE g = 5 AND app.norm(v) = 'x1'", False),
    ("UPDATE t SET n = 1 WHERE g = 5", True),
])
def test_a_partial_index_whose_where_calls_serves_a_where_that_holds_it(
        planned: str, sql: str, scans: bool) -> None:
    assert ("Seq Scan on t" in _plan(planned, sql)) is scans
    found = [f for f in _findings(sql + ";") if f.rule == "where-without-index"]
    assert bool(found) is scans


def test_the_finding_names_the_condition_as_the_server_keeps_it() -> None:
    (found,) = [f for f in _findings("UPDATE t SET g = 1 WHERE n = 5 AND is_live(v);")
                if f.rule == "where-without-index"]
    assert "partial index public.t_live serves only a WHERE that also holds its own " \
        "condition, app.is_live(v)" in found.message


def test_an_index_built_again_is_written_with_the_function_it_calls(pg_db: str) -> None:
    """The advice that builds the index again after a type change writes its WHERE's call
    with the schema, as pg_get_indexdef does: written bare, it would call public.is_live
    (or none) under the default search_path."""
    import psycopg

    (found,) = [f for f in _findings("ALTER TABLE t ALTER COLUMN v TYPE varchar(40);")
                if f.rule == "column-type-change-reads-table"]
    built = next(line for line in found.instead.splitlines()
                 if line.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS t_live"))
    assert " WHERE app.is_live(v);" in built
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + "DROP INDEX t_live;")
        conn.execute(built.split(";")[0])
        (written,) = conn.execute("SELECT pg_get_indexdef('public.t_live'::regclass)").fetchone()
    assert "WHERE app.is_live((v)::text)" in written  # (a varchar as text)


# fix-pg77: a bare built-in name in an index's WHERE means the migrations' function only where
# its overload runs in place of the built-in ones, chosen among them all (the indexed table's
# columns typing the arguments): `abs(g)` of a bigint g, made under `SET search_path =
# public, pg_catalog` beside a `public.abs(bigint)`, is public.abs; `abs(n)` of an int4 n the
# built-in abs(integer), an exact match.
BUILTIN_SETUP = (
    "CREATE FUNCTION public.abs(bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN $1 + 1000; END $$;\n"
    "CREATE TABLE t (id bigint PRIMARY KEY, n int, g bigint, v text);\n"
    "SET search_path = public, pg_catalog;\n"
    "CREATE INDEX t_mine ON public.t (n) WHERE abs(g) > 1005;\n"
    "CREATE INDEX t_builtin ON public.t (g) WHERE abs(n) > 4990;\n"
    "RESET search_path;\n")
BUILTIN_ROWS = "INSERT INTO t SELECT i, i % 5000, i % 100, 'x' FROM generate_series(1, 100000) i;" \
    " ANALYZE t"


@pytest.fixture(scope="module")
def planned_builtin(pg_server: str) -> str:
    return _filled(pg_server, "partial_index_builtin_calls", BUILTIN_SETUP, BUILTIN_ROWS)


def test_the_server_keeps_the_overload_chosen_among_builtins(planned_builtin: str) -> None:
    import psycopg

    with psycopg.connect(planned_builtin, autocommit=True) as conn:
        written = [row[0] for row in conn.execute(
            "SELECT pg_get_indexdef(i) FROM unnest(ARRAY['public.t_mine'::regclass, "
            "'public.t_builtin'::regclass]) i")]
    assert written == [
        "CREATE INDEX t_mine ON public.t USING btree (n) WHERE (public.abs(g) > 1005)",
        "CREATE INDEX t_builtin ON public.t USING btree (g) WHERE (abs(n) > 4990)"]


@pytest.mark.parametrize(("sql", "scans"), [
    # under the default path a bare abs(g) is pg_catalog's: not the index's condition
    ("UPDATE t SET v = 'y' WHERE n = 5 AND abs(g) > 1005", True),
    ("UPDATE t SET v = 'y' WHERE n = 5 AND public.abs(g) > 1005", False),
    ("UPDATE t SET v = 'y' WHERE g = 5 AND abs(n) > 4990", False),
])
def test_a_partial_index_on_a_builtin_name_serves_the_function_it_keeps(
        planned_builtin: str, sql: str, scans: bool) -> None:
    assert ("Seq Scan on t" in _plan(planned_builtin, sql)) is scans
    assert bool([f for f in _findings(sql + ";", BUILTIN_SETUP)
                 if f.rule == "where-without-index"]) is scans
