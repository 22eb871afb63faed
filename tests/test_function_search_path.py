"""A function called by its bare name under a search_path the migration set is the one the
server finds through the path (`routines.named_overloads`), for whether an index serves a
WHERE (where_index) and whether the call is volatile (volatility), as for the calls whose
bodies run (test_routine_search_path). Each shape checked against the embedded server
(fix-small69)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE t (id int PRIMARY KEY, a int, c int);\n"
         "CREATE FUNCTION public.f(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
         "$$ BEGIN RETURN x; END $$;\n"
         "CREATE INDEX t_f ON t (public.f(c));\nCREATE SCHEMA other;\n")
PATH = "SET search_path = other, public;\n"
#: An other.f of the same argument types, which the path finds first: the index (on
#: public.f) does not serve a WHERE on other.f.
OTHER_F = ("CREATE FUNCTION other.f(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
           "$$ BEGIN RETURN x + 1; END $$;\n")
UPDATE = "UPDATE t SET a = 1 WHERE f(c) = 1"

#: (what runs before the UPDATE, whether its WHERE reads all of t)
WHERE_SCANS = [
    (PATH, False),  # public.f through the path: its index serves it
    (OTHER_F + PATH, True),  # other.f comes first: no index on it
    ("SET search_path = other;\n", True),  # (the server: function f(integer) does not exist)
]


def _facts(before: str, sql: str, setup: str = SETUP) -> dict:
    """The facts of the first action of `sql`, the last statement, after `setup` (its own
    migration) and `before`."""
    reports = lint_migrations([migration_from_text(setup, "0001_m.sql"),
                               migration_from_text(before + sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    return reports[-1].statements[-1].effect.actions[0].facts


@pytest.mark.parametrize(("before", "scans"), WHERE_SCANS[:2])
def test_a_bare_function_in_a_where_is_the_one_the_path_finds(before: str,
                                                              scans: bool) -> None:
    assert _facts(before, UPDATE)["where_scans_table"] is scans


def _plan(uri: str, before: str, sql: str, setup: str = SETUP) -> str:
    """EXPLAIN of `sql` on the server at `uri` (sequential scans off), after `setup` and
    `before`; "" when the server refuses it."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        conn.execute(before + "SET enable_seqscan = off;")
        try:
            rows = conn.execute(f"EXPLAIN {sql}").fetchall()
        except psycopg.Error:
            return ""
    return "\n".join(str(r[0]) for r in rows)


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "scans"), WHERE_SCANS)
def test_the_server_uses_the_index_so(pg_db: str, before: str, scans: bool) -> None:
    plan = _plan(pg_db, before, UPDATE)
    if before == WHERE_SCANS[2][0]:
        assert plan == ""
        return
    assert (" t_f " not in f"{plan} ") is scans, plan  # (an index or bitmap index scan)


def _g(schema: str, volatility: str, sql: bool = False) -> str:
    """CREATE FUNCTION `schema`.g() of `volatility`, returning 1: a PL/pgSQL body, or (`sql`)
    one the planner inlines (`SELECT 1`)."""
    body = "LANGUAGE sql AS $$ SELECT 1 $$" if sql else \
        "LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$"
    return f"CREATE FUNCTION {schema}.g() RETURNS int {volatility} {body};\n"


LOOKUP = "UPDATE t SET a = 1 WHERE id = g()"
#: (what runs before the UPDATE, whether its WHERE reads all of t: a volatile g() is no
#: index condition)
VOLATILE_WHERE = [
    (_g("public", "VOLATILE") + PATH, True),  # public.g through the path
    (_g("public", "IMMUTABLE") + _g("other", "VOLATILE") + PATH, True),  # other.g first
    (_g("public", "VOLATILE") + _g("other", "IMMUTABLE") + PATH, False),
]


@pytest.mark.parametrize(("before", "scans"), VOLATILE_WHERE)
def test_a_bare_function_is_volatile_as_the_one_the_path_finds(before: str,
                                                               scans: bool) -> None:
    assert _facts(before, LOOKUP)["where_scans_table"] is scans


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "scans"), VOLATILE_WHERE)
def test_the_server_looks_up_the_key_so(pg_db: str, before: str, scans: bool) -> None:
    plan = _plan(pg_db, before, LOOKUP)
    assert (" t_pkey " not in f"{plan} ") is scans, plan


ADD = "ALTER TABLE t ADD COLUMN d int DEFAULT g()"
#: (what runs before the ADD COLUMN, whether its default is volatile once the planner has
#: inlined g(): the table is rewritten)
VOLATILE_DEFAULT = [
    (_g("public", "VOLATILE", sql=True) + PATH, False),  # public.g, inlined as 1
    (_g("public", "VOLATILE") + _g("other", "VOLATILE", sql=True) + PATH, False),
    (_g("public", "VOLATILE", sql=True) + _g("other", "VOLATILE") + PATH, True),
]


@pytest.mark.parametrize(("before", "rewrites"), VOLATILE_DEFAULT)
def test_a_bare_default_is_inlined_as_the_one_the_path_finds(before: str,
                                                             rewrites: bool) -> None:
    assert _facts(before, ADD)["default_volatile"] is rewrites


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "rewrites"), VOLATILE_DEFAULT)
def test_the_server_rewrites_so(pg_db: str, before: str, rewrites: bool) -> None:
    import psycopg

    file = "SELECT relfilenode FROM pg_class WHERE oid = 'public.t'::regclass"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute(before)
        (was,) = conn.execute(file).fetchone() or (None,)
        conn.execute(ADD)
        (now,) = conn.execute(file).fetchone() or (None,)
    assert (now != was) is rewrites


#: An index made under a path (fix-pg71): the server keeps the function its expression
#: calls, not the name (pg_get_indexdef writes `other.f(c)`), so a later path changes
#: nothing of it; an index made under the default path keeps public's.
MADE_UNDER_PATH = (OTHER_F + "CREATE TABLE u (id int PRIMARY KEY, a int, c int);\n"
                   "SET search_path = other, public;\n"
                   "CREATE INDEX u_other_f ON public.u (f(c));\n"
                   "RESET search_path;\n"
                   "CREATE INDEX u_public_f ON u (f(a));\n")
#: (what runs before the UPDATE, its WHERE, the index that serves it: None when none does)
INDEX_PATHS = [
    ("", "f(c) = 1", None),  # public.f: the index is of other.f
    ("", "other.f(c) = 1", "u_other_f"),
    ("", "public.f(c) = 1", None),
    ("", "f(a) = 1", "u_public_f"),
    (PATH, "f(a) = 1", None),  # other.f now: the index is of public.f
    (PATH, "f(c) = 1", "u_other_f"),
    (PATH, "public.f(a) = 1", "u_public_f"),
]


@pytest.mark.parametrize(("before", "where", "index"), INDEX_PATHS)
def test_an_index_expression_keeps_the_function_of_the_path_at_its_creation(
        before: str, where: str, index: str | None) -> None:
    facts = _facts(before, f"UPDATE public.u SET id = id WHERE {where}",
                   SETUP + MADE_UNDER_PATH)
    assert facts["where_scans_table"] is (index is None)


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "where", "index"), INDEX_PATHS)
def test_the_server_keeps_the_function_of_an_index_expression(
        pg_db: str, before: str, where: str, index: str | None) -> None:
    plan = _plan(pg_db, before, f"UPDATE public.u SET id = id WHERE {where}",
                 SETUP + MADE_UNDER_PATH)
    used = [name for name in ("u_other_f", "u_public_f") if f" {name} " in f"{plan} "]
    assert used == ([index] if index else []), plan


@pytest.mark.postgres
def test_the_server_writes_the_schema_of_the_function_the_index_keeps(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + MADE_UNDER_PATH)
        (definition,) = conn.execute(
            "SELECT pg_get_indexdef('public.u_other_f'::regclass)").fetchone() or ("",)
    assert "(other.f(c))" in definition
