"""A CREATE [OR REPLACE] FUNCTION that a body runs (a DO block's statement or constant
EXECUTE, a routine the migration calls, PL/pgSQL or SQL) is replayed with its text: its body
is followed at a later call, as one the migration wrote itself (fix-pg70). Each shape run on
the embedded server too: the later call adds the column."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE accounts (id int);\n"
G = ("CREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $g$ BEGIN "
     "ALTER TABLE accounts ADD COLUMN z int; RETURN 1; END $g$")
CALL_G = "SELECT g();\n"

#: Migrations whose body makes g (then call it): the call runs g's ALTER TABLE.
MADE_IN_A_BODY = [
    f"DO $do$ BEGIN {G}; END $do$;\n",
    "DO $do$ BEGIN EXECUTE '" + G.replace("'", "''") + "'; END $do$;\n",
    f"DO $do$ BEGIN EXECUTE $q${G}$q$; END $do$;\n",
    f"CREATE FUNCTION mk() RETURNS void LANGUAGE plpgsql AS $mk$ BEGIN {G}; END $mk$;\n"
    "SELECT mk();\n",
    f"CREATE FUNCTION mk() RETURNS void LANGUAGE plpgsql AS $mk$ BEGIN EXECUTE $q${G}$q$; "
    "END $mk$;\nSELECT mk();\n",
    f"CREATE FUNCTION mk() RETURNS void LANGUAGE sql AS $mk$ {G} $mk$;\nSELECT mk();\n",
    # replacing one the migration made before, whose body did nothing
    "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
    f"DO $do$ BEGIN {G}; END $do$;\n",
]


def _added(sql: str) -> set[str]:
    """The tables whose column z the last statement of `sql` (after SETUP) adds."""
    reports = lint_migrations([migration_from_text(SETUP, "0001_m.sql"),
                               migration_from_text(sql, "0002_m.sql")], LintOptions(),
                              Catalog())
    return {a.facts.get("table") for a in reports[-1].statements[-1].effect.actions
            if a.kind == "add_column"}


@pytest.mark.parametrize("sql", MADE_IN_A_BODY)
def test_a_routine_a_body_makes_is_followed_at_its_call(sql: str) -> None:
    assert _added(sql + CALL_G) == {"public.accounts"}


def test_a_routine_made_by_sql_computed_at_run_time_is_not_guessed() -> None:
    sql = "DO $do$ BEGIN EXECUTE 'CREATE ' || '" + G.removeprefix("CREATE ").replace(
        "'", "''") + "'; END $do$;\n"
    assert _added(sql + CALL_G) == set()


@pytest.mark.postgres
@pytest.mark.parametrize("sql", MADE_IN_A_BODY)
def test_the_server_runs_the_body_a_body_made(pg_db: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + sql + CALL_G)
        rows = conn.execute("SELECT table_schema || '.' || table_name FROM "
                            "information_schema.columns WHERE column_name = 'z'").fetchall()
    assert rows == [("public.accounts",)]


VOLATILE_G = ("CREATE OR REPLACE FUNCTION g() RETURNS int VOLATILE LANGUAGE plpgsql AS "
              "$g$ BEGIN RETURN 1; END $g$")


IMMUTABLE_G = ("CREATE FUNCTION g() RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
               "$g$ BEGIN RETURN 1; END $g$;\n")
ADD_D = "ALTER TABLE accounts ADD COLUMN d int DEFAULT g();\n"
REPLACED = [("", False), (f"DO $do$ BEGIN {VOLATILE_G}; END $do$;\n", True)]


@pytest.mark.parametrize(("sql", "rewrites"), REPLACED)
def test_a_function_replaced_in_a_do_block_has_the_new_volatility(sql: str,
                                                                  rewrites: bool) -> None:
    reports = lint_migrations([migration_from_text(SETUP + IMMUTABLE_G, "0001_m.sql"),
                               migration_from_text(sql + ADD_D, "0002_m.sql")],
                              LintOptions(), Catalog())
    assert reports[-1].statements[-1].effect.actions[0].facts["rewrites"] is rewrites


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "rewrites"), REPLACED)
def test_the_server_rewrites_for_the_replaced_function(pg_db: str, sql: str,
                                                       rewrites: bool) -> None:
    import psycopg

    file = "SELECT relfilenode FROM pg_class WHERE oid = 'public.accounts'::regclass"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + "INSERT INTO accounts VALUES (1);\n" + IMMUTABLE_G + sql)
        (was,) = conn.execute(file).fetchone() or (None,)
        conn.execute(ADD_D)
        (now,) = conn.execute(file).fetchone() or (None,)
    assert (now != was) is rewrites
