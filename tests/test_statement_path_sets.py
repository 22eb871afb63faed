"""The order a statement runs the routines it calls in, and the search_path their bodies see
when the statement's own output columns set it (fix-pg72). The server finds every name of a
statement, a called function's own among them, at parse analysis (under the path before the
statement), then runs the clauses in their order (LIMIT, WITH, FROM, WHERE, GROUP BY,
HAVING, ORDER BY, then the output columns left to right; a call's arguments before it); a
PL/pgSQL body, or a SQL one read at the call, resolves its own names when it runs, so after
`set_config('search_path', ...)` in an earlier output column it resolves them under the new
path, while a BEGIN ATOMIC body keeps the names bound at its CREATE. Each held against the
embedded server."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE SCHEMA other;\nCREATE TABLE accounts (id int);\n"
         "CREATE TABLE other.accounts (id int);\n")
SET_OTHER = "set_config('search_path', 'other', false)"


def _fn(name: str, body: str, language: str = "plpgsql") -> str:
    """CREATE FUNCTION `name`, running `body`: its arguments optional (`g(f())`)."""
    head = f"CREATE FUNCTION {name}(a int = 0, b int = 0) RETURNS int LANGUAGE {language}"
    if language == "sql":
        return f"{head} AS $$ {body}; SELECT 1 $$;\n"
    return f"{head} AS $$ BEGIN {body}; RETURN 1; END $$;\n"


def _lint(sql: str, catalog: Catalog | None = None) -> list:
    """The statements of migration `sql`, linted after SETUP."""
    return lint_migrations([migration_from_text(SETUP, "0001_m.sql"),
                            migration_from_text(sql, "0002_m.sql")], LintOptions(),
                           catalog or Catalog())[-1].statements


def _on_server(uri: str, sql: str, query: str) -> list[tuple]:
    """The rows of `query` once the server at `uri` has run SETUP and `sql`."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute(sql)
        return conn.execute(query).fetchall()


MAKES_X = "CREATE TABLE x (id int)"
#: (the migration after SETUP, the schema its routine's table x is made in)
MADE = [
    # g's body runs after the set_config of an earlier column: under the new path
    (_fn("g", MAKES_X) + f"SELECT {SET_OTHER}, g();\n", "other"),
    # g's own name was found before: public.g runs, though other has a g too
    (_fn("g", MAKES_X) + _fn("other.g", "NULL") + f"SELECT {SET_OTHER}, g();\n", "other"),
    # a SQL body read at the call
    (_fn("g", MAKES_X, "sql") + f"SELECT {SET_OTHER}, g();\n", "other"),
    # a SET LOCAL's is in force within the statement too
    (_fn("g", MAKES_X) + "SELECT set_config('search_path', 'other', true), g();\n", "other"),
    # every row's output columns run after the FROM list
    (_fn("g", MAKES_X) + f"SELECT {SET_OTHER}, g() FROM (VALUES (1)) v;\n", "other"),
    # g runs first: under the path before
    (_fn("g", MAKES_X) + f"SELECT g(), {SET_OTHER};\n", "public"),
    # WHERE runs before the output columns
    (_fn("g", MAKES_X) + f"SELECT {SET_OTHER} FROM (VALUES (1)) v WHERE g() > 0;\n",
     "public"),
    # in a statement of its own (already so before fix-pg72)
    (_fn("g", MAKES_X) + "SELECT set_config('search_path', 'other, public', false);\n"
     "SELECT g();\n", "other"),
    # a body that sets the path, run by WHERE before the column whose body makes x
    (_fn("f", "SET search_path = other") + _fn("g", MAKES_X)
     + "SELECT g() FROM (VALUES (1)) v WHERE f() > 0;\n", "other"),
    (_fn("f", "SET search_path = other") + _fn("g", MAKES_X)
     + "SELECT g() FROM (VALUES (1)) v ORDER BY f();\n", "other"),
    (_fn("f", "SET search_path = other") + _fn("g", MAKES_X)
     + "SELECT g() FROM (SELECT f()) v;\n", "other"),
    (_fn("f", "SET search_path = other") + _fn("g", MAKES_X) + "SELECT g(f());\n",
     "other"),
    (_fn("f", "SET search_path = other") + _fn("g", MAKES_X) + "SELECT f(), g();\n",
     "other"),
    (_fn("f", "SET search_path = other") + _fn("g", MAKES_X) + "SELECT g(), f();\n",
     "public"),
]


def _schema_of_x(sql: str) -> str | None:
    catalog = Catalog()
    _lint(sql, catalog)
    return next((name.split(".")[0] for name in catalog.tables if name.endswith(".x")), None)


@pytest.mark.parametrize(("sql", "schema"), MADE)
def test_the_replay_makes_the_table_where_the_path_is_when_the_body_runs(
        sql: str, schema: str) -> None:
    assert _schema_of_x(sql) == schema


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "schema"), MADE)
def test_the_server_makes_the_table_there(pg_db: str, sql: str, schema: str) -> None:
    assert _on_server(pg_db, sql, "SELECT relnamespace::regnamespace::text FROM pg_class "
                                  "WHERE relname = 'x'") == [(schema,)]


INSERTS = "INSERT INTO accounts VALUES (1)"
ATOMIC = ("CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC "
          f"{INSERTS}; SELECT 1; END;\n")
#: (the migration after SETUP, its last statement the call; the accounts table its routine
#: writes)
WRITES = [
    (_fn("g", INSERTS) + f"SELECT {SET_OTHER}, g();", "other.accounts"),
    (_fn("g", INSERTS, "sql") + f"SELECT {SET_OTHER}, g();", "other.accounts"),
    (_fn("g", INSERTS) + f"SELECT g(), {SET_OTHER};", "public.accounts"),
    # a BEGIN ATOMIC body's names were bound at its CREATE
    (ATOMIC + f"SELECT {SET_OTHER}, g();", "public.accounts"),
    # ... and the set goes on to the routine after it
    (ATOMIC + _fn("h", INSERTS) + f"SELECT {SET_OTHER}, g(), h();", "other.accounts"),
    # ... in a statement of its own too, and bound under the path of the CREATE
    (ATOMIC + "SET search_path = other, public;\nSELECT g();", "public.accounts"),
    ("SET search_path = other, public;\n" + ATOMIC + "RESET search_path;\nSELECT other.g();",
     "other.accounts"),
    (_fn("f", "SET search_path = other") + _fn("g", INSERTS) + "INSERT INTO accounts "
     "VALUES (0);\nUPDATE accounts SET id = g() WHERE f() > 0;", "other.accounts"),
]


@pytest.mark.parametrize(("sql", "table"), WRITES)
def test_the_body_run_writes_the_table_the_path_finds_when_it_runs(sql: str,
                                                                   table: str) -> None:
    written = [a.facts.get("table") for a in _lint(sql)[-1].effect.actions
               if a.kind == "insert"]
    assert written[-1] == table


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "table"), WRITES)
def test_the_server_writes_that_table_last(pg_db: str, sql: str, table: str) -> None:
    import psycopg

    *head, call = sql.rstrip(";").split(";\n")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + ";\n".join(head) + ";")
        conn.execute("ALTER TABLE public.accounts ADD COLUMN at timestamptz "
                     "DEFAULT clock_timestamp()")
        conn.execute("ALTER TABLE other.accounts ADD COLUMN at timestamptz "
                     "DEFAULT clock_timestamp()")
        conn.execute(call)
        rows = conn.execute("SELECT s FROM (SELECT 'public.accounts' s, at FROM "
                            "public.accounts UNION ALL SELECT 'other.accounts', at FROM "
                            "other.accounts) w ORDER BY at").fetchall()
    assert rows[-1] == (table,)


def _notices(name: str) -> str:
    return _fn(name, f"RAISE NOTICE '{name}'")


ORDER_SETUP = "".join(_notices(n) for n in "fgk") + (
    "CREATE FUNCTION s() RETURNS SETOF int LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE NOTICE 's'; RETURN NEXT 1; END $$;\n")
#: (a statement calling f, g, k or s, the order the server runs their bodies in)
ORDERS = [
    ("SELECT k(f(), g())", "fgk"),
    ("SELECT g() FROM (VALUES (1)) v WHERE f() > 0", "fg"),
    ("SELECT g() FROM s()", "sg"),
    ("SELECT g() FROM (VALUES (1)) v WHERE f() > 0 ORDER BY k()", "fkg"),
    ("SELECT g() FROM accounts WHERE f() > 0 LIMIT k()", "kfg"),
    ("WITH w AS (SELECT g() AS z) SELECT f() FROM w", "gf"),
    ("UPDATE accounts SET id = g() FROM (SELECT k() AS z) q WHERE f() > 0", "kfg"),
    ("DELETE FROM accounts WHERE f() > 0 RETURNING g()", "fg"),
    ("SELECT g(), f() FROM (VALUES (1)) v GROUP BY v.column1 HAVING k() > 0", "kgf"),
]


@pytest.mark.parametrize(("sql", "order"), ORDERS)
def test_the_bodies_run_in_the_order_the_server_runs_them(sql: str, order: str) -> None:
    calls = [a.facts["routine"] for a in _lint(f"{ORDER_SETUP}{sql};")[-1].effect.actions
             if a.kind == "routine_call"]
    assert "".join(c.rsplit(".", 1)[-1] for c in calls) == order


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "order"), ORDERS)
def test_the_server_runs_them_so(pg_db: str, sql: str, order: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + ORDER_SETUP + "INSERT INTO accounts VALUES (1);")
        raised: list[str] = []
        conn.add_notice_handler(lambda d: raised.append(d.message_primary or ""))
        conn.execute("BEGIN")
        conn.execute(sql)
        conn.execute("ROLLBACK")
    assert "".join(raised) == order
