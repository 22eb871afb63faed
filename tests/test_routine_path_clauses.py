"""The search_path a routine's body runs under, and the one it leaves (fix-pg70): its own
`SET search_path FROM CURRENT` (the path in force at its CREATE), one ALTER FUNCTION sets or
resets, a `set_config('search_path', ...)` in a body (as a SET: `false`, or a SET LOCAL:
`true`), and a path one routine of a statement sets, in force for the routines the
statement runs after it (`SELECT f(), g()`). What the replay files where (a table a body
makes) and what the effect model locks (a column a body adds) are each held against the
embedded server."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE SCHEMA other;\nCREATE TABLE accounts (id int);\n"
         "CREATE TABLE other.accounts (id int);\n")


def _fn(name: str, body: str, clause: str = "") -> str:
    return (f"CREATE FUNCTION {name}() RETURNS int LANGUAGE plpgsql {clause} AS "
            f"$$ BEGIN {body}; RETURN 1; END $$;\n")


MAKES_X = "CREATE TABLE x (id int)"
G = _fn("g", MAKES_X)
#: (the migration after SETUP, the schema its routine's table x is made in)
CASES = [
    # a body's set_config, then a table made in the same body
    ("DO $$ BEGIN PERFORM set_config('search_path', 'other', false); "
     f"{MAKES_X}; END $$;\n", "other"),
    (_fn("f", f"PERFORM set_config('search_path', 'other', true); {MAKES_X}")
     + "SELECT f();\n", "other"),
    (_fn("f", f"PERFORM set_config('search_path', 'other', false); {MAKES_X}")
     + "SELECT f();\n", "other"),
    # FROM CURRENT: the path at CREATE, whatever the path at the call
    ("SET search_path = other;\n" + _fn("public.f", MAKES_X, "SET search_path FROM CURRENT")
     + "RESET search_path;\nSELECT public.f();\n", "other"),
    (_fn("public.f", MAKES_X, "SET search_path FROM CURRENT")
     + "SET search_path = other, public;\nSELECT f();\n", "public"),
    # ALTER FUNCTION ... SET / RESET search_path
    (_fn("f", MAKES_X) + "ALTER FUNCTION f() SET search_path = other;\nSELECT f();\n",
     "other"),
    (_fn("f", MAKES_X, "SET search_path = other") + "ALTER FUNCTION f() RESET search_path;\n"
     "SELECT f();\n", "public"),
    (_fn("f", MAKES_X, "SET search_path = other") + "ALTER FUNCTION f() RESET ALL;\n"
     "SELECT f();\n", "public"),
    # a path one routine sets holds for the next one the statement runs
    (_fn("f", "SET search_path = other") + G + "SELECT f(), g();\n", "other"),
    (_fn("f", "SET LOCAL search_path = other") + G + "SELECT f(), g();\n", "other"),
    (_fn("f", "PERFORM set_config('search_path', 'other', false)") + G
     + "SELECT f(), g();\n", "other"),
    (_fn("f", "SET search_path = other", "SET search_path = public") + G
     + "SELECT f(), g();\n", "other"),  # a plain SET overrides the clause
    (_fn("f", "SET LOCAL search_path = other", "SET search_path = public") + G
     + "SELECT f(), g();\n", "public"),  # a SET LOCAL ends with the clause's call
    (_fn("f", "SET search_path = other") + G + "SELECT g(), f();\n", "public"),
]


def _schema_of_x(sql: str) -> str | None:
    catalog = Catalog()
    lint_migrations([migration_from_text(SETUP, "0001_m.sql"),
                     migration_from_text(sql, "0002_m.sql")], LintOptions(), catalog)
    return next((name.split(".")[0] for name in catalog.tables if name.endswith(".x")), None)


@pytest.mark.parametrize(("sql", "schema"), CASES)
def test_the_replay_makes_the_table_where_the_path_puts_it(sql: str, schema: str) -> None:
    assert _schema_of_x(sql) == schema


def _on_server(uri: str, sql: str, query: str) -> list[tuple]:
    """The rows of `query` once the server at `uri` has run SETUP and `sql`."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(SETUP + sql)
        return conn.execute(query).fetchall()


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "schema"), CASES)
def test_the_server_makes_the_table_there(pg_db: str, sql: str, schema: str) -> None:
    assert _on_server(pg_db, sql, "SELECT relnamespace::regnamespace::text FROM pg_class "
                                  "WHERE relname = 'x'") == [(schema,)]


ADDS_Z = "ALTER TABLE accounts ADD COLUMN z int"
#: (the migration after SETUP, its last statement the call; the accounts table whose column
#: z it adds)
LOCKS = [
    (_fn("f", "SET search_path = other") + _fn("g", ADDS_Z) + "SELECT f(), g();\n",
     "other.accounts"),
    (_fn("f", "SET search_path = other") + _fn("g", ADDS_Z) + "SELECT g(), f();\n",
     "public.accounts"),
    (_fn("f", "PERFORM set_config('search_path', 'other', false)") + _fn("g", ADDS_Z)
     + "SELECT f(), g();\n", "other.accounts"),
    (_fn("f", "SET LOCAL search_path = other", "SET search_path = public")
     + _fn("g", ADDS_Z) + "SELECT f(), g();\n", "public.accounts"),
    ("SET search_path = other;\n" + _fn("public.g", ADDS_Z, "SET search_path FROM CURRENT")
     + "RESET search_path;\nSELECT public.g();\n", "other.accounts"),
]


@pytest.mark.parametrize(("sql", "table"), LOCKS)
def test_the_body_run_locks_the_table_the_path_finds(sql: str, table: str) -> None:
    reports = lint_migrations([migration_from_text(SETUP, "0001_m.sql"),
                               migration_from_text(sql, "0002_m.sql")], LintOptions(),
                              Catalog())
    added = {a.facts.get("table") for a in reports[-1].statements[-1].effect.actions
             if a.kind == "add_column"}
    assert added == {table}


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "table"), LOCKS)
def test_the_server_adds_the_column_there(pg_db: str, sql: str, table: str) -> None:
    assert _on_server(pg_db, sql, "SELECT table_schema || '.' || table_name FROM "
                                  "information_schema.columns WHERE column_name = 'z'"
                      ) == [(table,)]
