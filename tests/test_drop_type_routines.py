"""DROP TYPE / DOMAIN of a type a function takes or returns (checked on 18.6, fix-pg89):
with CASCADE the server drops the function ("drop cascades to function f(mood)", and what
calls it after it), so rule cascade-drops-dependents names it and the replay forgets it
(a later call is refused: "function f(unknown) does not exist"); without CASCADE it refuses
the DROP (2BP01, DETAIL "function f(mood) depends on type mood"), which rule
drop-type-in-use says naming the function. A function whose body merely declares a
variable of the type does not depend on it: the DROP runs."""

from __future__ import annotations

import re

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import cascade_notices, server_error

MOOD = "CREATE TYPE mood AS ENUM ('a');\n"

#: (setup, the DROP ... CASCADE, what the server's NOTICE lists, in its order).
CASCADES = {
    "argument_and_a_default_calling_it": (
        MOOD + "CREATE TABLE t (id int CHECK ('a'::mood IS NOT NULL));\n"
        "CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "CREATE TABLE u (b int DEFAULT f('a'));\n",
        "DROP TYPE mood CASCADE;",
        ["constraint t_check on table t", "function f(mood)",
         "default value for column b of table u"]),
    "a_domain_over_it_and_a_caller": (
        MOOD + "CREATE DOMAIN dm AS mood;\n"
        "CREATE FUNCTION f(m dm) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "CREATE FUNCTION h(x int) RETURNS int LANGUAGE sql RETURN f('a');\n",
        "DROP TYPE mood CASCADE;", ["type dm", "function f(dm)", "function h(integer)"]),
    "renamed_type": (
        MOOD + "CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "ALTER TYPE mood RENAME TO feeling;\n", "DROP TYPE feeling CASCADE;",
        ["function f(feeling)"]),
    "result_of_a_domain": (
        "CREATE DOMAIN d AS int;\nCREATE FUNCTION g() RETURNS d LANGUAGE sql AS 'SELECT 1';\n",
        "DROP DOMAIN d CASCADE;", ["function g()"]),
}

#: (setup, DROP without CASCADE, the server's DETAIL lines).
REFUSED = {
    "argument": (MOOD + "CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
                 "DROP TYPE mood;", ["function f(mood) depends on type mood"]),
    "array_argument": (
        MOOD + "CREATE FUNCTION f(m mood[]) RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
        "DROP TYPE mood;", ["function f(mood[]) depends on type mood[]"]),
    "setof_result": (
        MOOD + "CREATE FUNCTION f(x int) RETURNS SETOF mood LANGUAGE sql "
        "AS $$SELECT 'a'::mood$$;\n",
        "DROP TYPE mood;", ["function f(integer) depends on type mood"]),
    "table_result": (
        MOOD + "CREATE FUNCTION f(x int) RETURNS TABLE (m mood) LANGUAGE sql "
        "AS $$SELECT 'a'::mood$$;\n",
        "DROP TYPE mood;", ["function f(integer) depends on type mood"]),
    "procedure": (MOOD + "CREATE PROCEDURE p(m mood) LANGUAGE sql AS 'SELECT 1';\n",
                  "DROP TYPE mood;", ["function p(mood) depends on type mood"]),
    # the server names the type by oid: renamed, the function takes the new name (fix-pg90)
    "renamed_type": (MOOD + "CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql "
                     "AS 'SELECT 1';\nALTER TYPE mood RENAME TO feeling;\n",
                     "DROP TYPE feeling;", ["function f(feeling) depends on type feeling"]),
    "renamed_array_argument": (
        MOOD + "CREATE FUNCTION f(m mood[]) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "ALTER TYPE public.mood RENAME TO feeling;\n",
        "DROP TYPE feeling;", ["function f(feeling[]) depends on type feeling[]"]),
    "renamed_result": (
        MOOD + "CREATE FUNCTION f(x int) RETURNS mood LANGUAGE sql AS $$SELECT 'a'::mood$$;\n"
        "ALTER TYPE mood RENAME TO feeling;\n",
        "DROP TYPE feeling;", ["function f(integer) depends on type feeling"]),
}

#: The DROP runs: nothing the server records depends on the type.
TAKEN = {
    "a_variable_in_the_body": (
        MOOD + "CREATE FUNCTION f(x int) RETURNS int LANGUAGE plpgsql "
        "AS $$DECLARE m mood; BEGIN RETURN 1; END$$;\n", "DROP TYPE mood;"),
    "the_function_dropped_by_its_renamed_type": (
        MOOD + "CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "ALTER TYPE mood RENAME TO feeling;\nDROP FUNCTION f(feeling);\n",
        "DROP TYPE feeling;"),
    "another_type": (MOOD + "CREATE TYPE other AS ENUM ('b');\n"
                     "CREATE FUNCTION f(m other) RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
                     "DROP TYPE mood;"),
}

_KIND = re.compile(r"the (function|procedure) ")


def _named(setup: str, drop: str) -> list[str]:
    """What cascade-drops-dependents' list names, as the server names it."""
    text = effect_after(setup, drop).actions[0].facts["callers_dropped_text"]
    out = []
    for named in text.split(", "):
        named = _KIND.sub("function ", named.removeprefix("the "))
        named = re.sub(r"DEFAULT of (\w+)\.(\w+)", r"default value for column \2 of table \1",
                       named)
        named = re.sub(r"constraint (\w+) on (\w+)", r"constraint \1 on table \2", named)
        out.append(named.replace("int4", "integer"))
    return out


@pytest.mark.parametrize("case", CASCADES)
def test_the_cascade_names_the_functions_in_the_servers_order(case: str) -> None:
    setup, drop, notices = CASCADES[case]
    # (columns and domains are named by drop-column and the dependents list, not here)
    assert _named(setup, drop) == [n for n in notices if not n.startswith(("column", "type"))]


@pytest.mark.parametrize("case", REFUSED)
def test_without_cascade_the_function_is_a_dependent(case: str) -> None:
    setup, drop, detail = REFUSED[case]
    facts = effect_after(setup, drop).actions[0].facts
    function = detail[0].split(" depends on ")[0].removeprefix("function ")
    name = function.split("(")[0]
    assert any(d.endswith(f" {name}({', '.join(_args(detail[0]))})")
               for d in facts["dependents"]), facts["dependents"]


def _args(line: str) -> list[str]:
    """The argument types of the function a DETAIL line names, as lockwise spells them."""
    inner = line.split("(", 1)[1].split(")", 1)[0]
    return [{"integer": "int4"}.get(a, a) for a in inner.split(",") if a]


@pytest.mark.parametrize("case", TAKEN)
def test_nothing_is_said_where_nothing_depends(case: str) -> None:
    setup, drop = TAKEN[case]
    assert not effect_after(setup, drop).actions[0].facts["dependents"]


def test_the_rule_says_the_refusal() -> None:
    setup, drop, _ = REFUSED["argument"]
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(drop, "0002_drop.sql")],
                              LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    found = {f.rule: f for f in stmt.findings}
    assert "drop-type-in-use" in found
    assert "function f(mood)" in found["drop-type-in-use"].message


def test_the_replay_forgets_the_function_so_a_later_call_is_missing() -> None:
    setup = MOOD + "CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';\n" \
        "CREATE FUNCTION f(m int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
    catalog = catalog_after(setup + "DROP TYPE mood CASCADE;\n")
    assert [r.args for r in catalog.kept_routines["public.f"]] == [("int4",)]
    gone = catalog_after(MOOD + "CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql "
                         "AS 'SELECT 1';\nDROP TYPE mood CASCADE;\n")
    assert "public.f" not in gone.kept_routines


def test_a_renamed_type_s_functions_take_its_new_name() -> None:
    """ALTER TYPE ... RENAME TO: the functions taking or returning it name the new one, so
    DROP FUNCTION of the new signature finds the overload (the old name is no type now)."""
    setup = MOOD + "CREATE FUNCTION f(m mood[]) RETURNS mood LANGUAGE sql " \
        "AS $$SELECT 'a'::mood$$;\nALTER TYPE mood RENAME TO feeling;\n"
    (routine,) = catalog_after(setup).kept_routines["public.f"]
    assert (routine.args, routine.returns, routine.relations) == \
        (("feeling[]",), "feeling", ("public.feeling",))
    assert "public.f" not in catalog_after(setup + "DROP FUNCTION f(feeling[]);\n").kept_routines


@pytest.mark.postgres
def test_the_server_does_so(pg_db: str) -> None:
    import psycopg

    reset = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for setup, drop, notices in CASCADES.values():
            conn.execute(reset)
            conn.execute(setup)
            assert cascade_notices(conn, drop) == notices
    for setup, drop, detail in REFUSED.values():
        error = server_error(pg_db, [reset, setup], drop)
        assert error is not None and error.sqlstate == "2BP01"
        assert (error.diag.message_detail or "").splitlines() == detail
    for setup, drop in TAKEN.values():
        assert server_error(pg_db, [reset, setup], drop) is None
    # the replay's verdict: the function is gone, its call refused
    error = server_error(pg_db, [reset, MOOD + "CREATE FUNCTION f(m mood) RETURNS int "
                                 "LANGUAGE sql AS 'SELECT 1';\nDROP TYPE mood CASCADE;"],
                         "SELECT f('a')")
    assert error is not None and error.sqlstate == "42883"
