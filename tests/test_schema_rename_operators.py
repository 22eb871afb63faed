"""ALTER SCHEMA ... RENAME TO of the schema holding operators, operator classes and their
functions (checked on 18.6, fix-pg99): the server ties them to one another and to the
indexes naming a class by oid, so its messages name them in the new schema ("operator class
lib.oc for access method hash depends on operator lib.~~~(integer,integer)"), DROP OPERATOR
by the new name is refused while the class is there, and the old name finds nothing
(42883). The catalog moves them as it moves the schema's tables and functions."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import refusal
from server_helpers import refused_until_steps, server_error

SETUP = (
    "CREATE SCHEMA app;\n"
    "CREATE FUNCTION app.oe(a int, b int) RETURNS boolean LANGUAGE sql IMMUTABLE "
    "AS 'SELECT a = b';\n"
    "CREATE OPERATOR app.~~~ (FUNCTION = app.oe, LEFTARG = int, RIGHTARG = int);\n"
    "CREATE OPERATOR CLASS app.oc FOR TYPE int USING hash AS OPERATOR 1 app.~~~, "
    "FUNCTION 1 hashint4(int);\n"
    "CREATE TABLE t (id int);\n"
    "CREATE INDEX t_h ON t USING hash (id app.oc);\n"
    "ALTER SCHEMA app RENAME TO lib;\n")
RESET = "DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA IF EXISTS lib CASCADE; " \
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
CLASS_USES = "operator class lib.{} for access method hash depends on operator " \
             "lib.~~~(integer,integer)"
INDEX_USES = "index t_h depends on operator class lib.{} for access method hash"

#: (what runs after SETUP, the refused statement, the facts' prefix, the server's DETAIL)
REFUSED = {
    "drop_operator_by_the_new_name": (
        "", "DROP OPERATOR lib.~~~ (int, int);", "refused_operator_drop",
        {CLASS_USES.format("oc"), INDEX_USES.format("oc")}),
    "drop_function_by_the_new_name": (
        "", "DROP FUNCTION lib.oe(int, int);", "refused_function_drop",
        {"operator lib.~~~(integer,integer) depends on function lib.oe(integer,integer)",
         CLASS_USES.format("oc"), INDEX_USES.format("oc")}),
    "the_class_renamed_by_its_new_qualified_name": (
        "ALTER OPERATOR CLASS lib.oc USING hash RENAME TO od;\n",
        "DROP OPERATOR lib.~~~ (int, int);", "refused_operator_drop",
        {CLASS_USES.format("od"), INDEX_USES.format("od")}),
}

#: (what runs after SETUP, a statement the server runs): lint says no refusal.
RUNS = {
    "the_class_dropped_by_its_new_name": (
        "DROP INDEX t_h;\nDROP OPERATOR CLASS lib.oc USING hash;\n",
        "DROP OPERATOR lib.~~~ (int, int);"),
    "the_index_and_class_dropped_by_cascade": ("DROP SCHEMA lib CASCADE;\n",
                                               "SELECT 1"),
}

#: (fix-pg99) A DEFAULT class of a type of the schema: the class's type follows the
#: schema, as the column's does, and the index on the column still uses the class.
MOOD = (
    "CREATE SCHEMA app;\n"
    "CREATE TYPE app.mood AS ENUM ('a', 'b');\n"
    "CREATE FUNCTION app.me(a app.mood, b app.mood) RETURNS boolean LANGUAGE sql IMMUTABLE "
    "AS 'SELECT a = b';\n"
    "CREATE OPERATOR app.~~~ (FUNCTION = app.me, LEFTARG = app.mood, RIGHTARG = app.mood);\n"
    "CREATE OPERATOR CLASS app.oc DEFAULT FOR TYPE app.mood USING hash AS "
    "OPERATOR 1 app.~~~, FUNCTION 1 hashenum(anyenum);\n"
    "CREATE TABLE t (m app.mood);\n"
    "ALTER SCHEMA app RENAME TO lib;\n"
    "CREATE INDEX t_h ON t USING hash (m);\n")
DROP_MOOD = "DROP OPERATOR lib.~~~ (lib.mood, lib.mood);"
MOOD_DETAIL = {"operator class lib.oc for access method hash depends on operator "
               "lib.~~~(lib.mood,lib.mood)", INDEX_USES.format("oc")}


@pytest.mark.parametrize("case", REFUSED)
def test_the_refusal_names_the_objects_in_the_new_schema(case: str) -> None:
    more, sql, fact, detail = REFUSED[case]
    effect = effect_after(SETUP + more, sql)
    assert refusal(effect) == fact
    assert set(effect.actions[0].facts[f"{fact}_text"].split("; ")) == detail


def test_the_old_name_finds_nothing() -> None:
    assert refusal(effect_after(SETUP, "DROP OPERATOR app.~~~ (int, int);")) == ""


@pytest.mark.parametrize("case", RUNS)
def test_nothing_is_said_once_the_users_are_gone(case: str) -> None:
    more, sql = RUNS[case]
    assert refusal(effect_after(SETUP + more, sql)) == ""


def test_a_default_class_follows_its_type_into_the_new_schema() -> None:
    facts = effect_after(MOOD, DROP_MOOD).actions[0].facts
    assert set(facts["refused_operator_drop_text"].split("; ")) == MOOD_DETAIL


@pytest.mark.postgres
def test_the_server_says_so_and_the_steps_run(pg_db: str) -> None:
    cases = [(SETUP + more, sql, fact, detail) for more, sql, fact, detail in REFUSED.values()]
    cases.append((MOOD, DROP_MOOD, "refused_operator_drop", MOOD_DETAIL))
    for setup, sql, fact, detail in cases:
        facts = effect_after(setup, sql).actions[0].facts
        refused, after = refused_until_steps(pg_db, f"{RESET};\n{setup}", sql,
                                             facts[f"{fact}_sql"], "SELECT 1", RESET)
        assert refused is not None and refused.sqlstate == "2BP01"
        assert set((refused.diag.message_detail or "").splitlines()) == detail
        assert after is None
    error = server_error(pg_db, [RESET, SETUP], "DROP OPERATOR app.~~~ (int, int);")
    assert error is not None and error.sqlstate == "42883"
    for more, sql in RUNS.values():
        assert server_error(pg_db, [RESET, SETUP + more], sql) is None
