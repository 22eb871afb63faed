"""DROP FUNCTION, PROCEDURE or AGGREGATE of a routine of another kind (fix-pg98): 42809
whatever IF EXISTS and CASCADE say. Said where the migrations made the routine, with the
server's own message, and the DROP of the right kind (which then runs); a routine not made
by the migrations, or a DROP the server looks among its own kind for, is not said. Each
case runs on the embedded server (checked on 18.6)."""

from __future__ import annotations

import pytest

from effect_helpers import refusal_facts
from server_helpers import server_error

ADD_TO = "CREATE FUNCTION add_to(s integer, v integer) RETURNS integer LANGUAGE sql " \
    "AS 'SELECT s + v';\n"
TOTAL = ADD_TO + "CREATE AGGREGATE total(integer) (SFUNC = add_to, STYPE = integer);\n"
PROC = "CREATE PROCEDURE pr(a integer) LANGUAGE sql AS 'SELECT 1';\n"
APP = "CREATE SCHEMA app;\nCREATE FUNCTION app.f(a integer, b text) RETURNS integer " \
    "LANGUAGE sql AS 'SELECT a';\n"

#: (the migrations before, the DROP): refused for the routine's kind.
REFUSED = [
    (ADD_TO, "DROP AGGREGATE add_to(int, int)"),
    (ADD_TO, "DROP AGGREGATE IF EXISTS add_to(int, int) CASCADE"),
    (PROC, "DROP AGGREGATE pr(int)"),
    (APP, "DROP AGGREGATE app.f(int, text)"),
    (TOTAL, "DROP FUNCTION total(int)"),
    (TOTAL, "DROP FUNCTION IF EXISTS total(int)"),
    (TOTAL, "DROP FUNCTION total"),
    (TOTAL + "CREATE PROCEDURE total(text) LANGUAGE sql AS 'SELECT 1';\n",
     "DROP FUNCTION total"),
    (TOTAL, "DROP PROCEDURE total(int)"),
    (ADD_TO, "DROP PROCEDURE add_to(int, int)"),
    (APP, "DROP PROCEDURE app.f(integer, text)"),
    (PROC, "DROP FUNCTION pr(int)"),
    (PROC, "DROP FUNCTION IF EXISTS pr(int) CASCADE"),
    (ADD_TO + PROC, "DROP FUNCTION add_to(int, int), pr(int)"),
    ("CREATE SCHEMA app;\n" + ADD_TO.replace("add_to", "app.add_to") +
     "CREATE AGGREGATE app.total(integer) (SFUNC = app.add_to, STYPE = integer);\n",
     "DROP FUNCTION app.total(integer)"),
]

#: (the migrations before, the DROP): not said.
NOT_REPORTED = [
    # the right kind
    (TOTAL, "DROP AGGREGATE total(int)"),
    (ADD_TO, "DROP FUNCTION add_to(int, int)"),
    (PROC, "DROP PROCEDURE pr(int)"),
    (TOTAL, "DROP ROUTINE total(int)"),
    # not among the kind it looks for: "could not find a function named" (not this rule)
    (PROC, "DROP FUNCTION pr"),
    (ADD_TO, "DROP PROCEDURE add_to"),
    # the overload another kind has is not the one named
    (ADD_TO, "DROP AGGREGATE IF EXISTS add_to(int)"),
    # the function dropped, an aggregate made in its place
    ("CREATE FUNCTION plain(a int) RETURNS int LANGUAGE sql AS 'SELECT a';\n"
     "DROP FUNCTION plain(int);\n"
     "CREATE AGGREGATE plain(int) (SFUNC = int4pl, STYPE = int);\n",
     "DROP AGGREGATE plain(int)"),
    # the routine not made by the migrations: one of the right kind may exist
    ("", "DROP AGGREGATE IF EXISTS plain(int)"),
]


@pytest.mark.parametrize(("setup", "sql"), REFUSED)
def test_a_drop_of_a_routine_of_another_kind_is_refused_with_the_server_s_message(
        pg_db: str, setup: str, sql: str) -> None:
    error = server_error(pg_db, setup, sql)
    assert error is not None and error.sqlstate == "42809"
    facts = refusal_facts(setup, sql + ";", "refused_routine_kind_drop")
    assert facts["refused_routine_kind_drop_text"] == error.diag.message_primary
    # the DROP of the routine's own kind runs
    fix = facts["refused_routine_kind_drop_sql"]
    assert server_error(pg_db, ["DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA public "
                                "CASCADE; CREATE SCHEMA public", setup], fix) is None


@pytest.mark.parametrize(("setup", "sql"), NOT_REPORTED)
def test_a_drop_the_server_may_run_or_refuses_otherwise_is_not_said(
        pg_db: str, setup: str, sql: str) -> None:
    error = server_error(pg_db, setup, sql)
    # (runs, or is refused for another reason: "could not find a function named")
    assert error is None or error.sqlstate == "42883"
    assert refusal_facts(setup, sql + ";", "refused_routine_kind_drop") == {}


#: (fix-pg102) A DROP of several routines: the server looks each up, in the order written,
#: before it looks at what depends on any, so the first of another kind is the error,
#: whatever depends on the others. (setup, the DROP).
DEFAULT_CALLS = "CREATE TABLE t (id int, d int DEFAULT add_to(1, 2));\n"
SEVERAL = [
    (ADD_TO + PROC + DEFAULT_CALLS, "DROP FUNCTION add_to(int, int), pr(int)"),
    (ADD_TO + PROC + DEFAULT_CALLS, "DROP FUNCTION pr(int), add_to(int, int)"),
    (TOTAL + DEFAULT_CALLS, "DROP FUNCTION add_to(int, int), total(int)"),
    (ADD_TO + PROC + DEFAULT_CALLS, "DROP FUNCTION IF EXISTS add_to(int, int), pr(int) CASCADE"),
    (TOTAL + PROC, "DROP FUNCTION total(int), pr(int)"),
    (TOTAL + PROC, "DROP FUNCTION pr(int), total(int)"),
    (TOTAL + PROC + "CREATE VIEW v AS SELECT total(1);\n", "DROP AGGREGATE total(int), pr(int)"),
    (ADD_TO + PROC + DEFAULT_CALLS, "DROP PROCEDURE pr(int), add_to(int, int)"),
]

#: (setup, the DROP): several routines, none of another kind: what depends on them is the
#: error (2BP01), as before.
SEVERAL_OF_THEIR_KIND = [
    (ADD_TO + PROC + DEFAULT_CALLS, "DROP ROUTINE add_to(int, int), pr(int)"),
    (ADD_TO + PROC + DEFAULT_CALLS + "CREATE FUNCTION c(x int) RETURNS int LANGUAGE sql "
     "IMMUTABLE AS 'SELECT x';\nALTER TABLE t ADD COLUMN e int DEFAULT c(1);\n",
     "DROP FUNCTION add_to(int, int), c(int)"),
]


def _refusals(setup: str, sql: str) -> list[str]:
    from effect_helpers import effect_after
    from lockwise.effects.refused import REFUSAL_FACTS

    return [name for action in effect_after(setup, sql + ";").actions
            for name in REFUSAL_FACTS if action.facts.get(name)]


@pytest.mark.parametrize(("setup", "sql"), SEVERAL)
def test_of_several_routines_the_first_of_another_kind_is_the_error(
        pg_db: str, setup: str, sql: str) -> None:
    error = server_error(pg_db, setup, sql)
    assert error is not None and error.sqlstate == "42809"
    facts = refusal_facts(setup, sql + ";", "refused_routine_kind_drop")
    assert facts["refused_routine_kind_drop_text"] == error.diag.message_primary
    # said once: not the dependents of another routine, nor a second one of another kind
    assert _refusals(setup, sql) == ["refused_routine_kind_drop"]


@pytest.mark.parametrize(("setup", "sql"), SEVERAL_OF_THEIR_KIND)
def test_of_several_routines_of_their_kind_the_dependents_are_the_error(
        pg_db: str, setup: str, sql: str) -> None:
    error = server_error(pg_db, setup, sql)
    assert error is not None and error.sqlstate == "2BP01"
    assert "refused_function_drop" in _refusals(setup, sql)
    assert "refused_routine_kind_drop" not in _refusals(setup, sql)
