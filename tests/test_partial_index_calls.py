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


def _findings(sql: str) -> list:
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql, "0002_change.sql")],
                              LintOptions(pg_version=18), Catalog())
    return [f for f in reports[-1].all_findings]


@pytest.fixture(scope="module")
def planned(pg_server: str) -> str:
    import psycopg

    from lockwise.db.scratch import create_database

    uri = create_database(pg_server, "partial_index_calls")
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute(ROWS)
    return uri


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
