"""An operator and its classes are tied to their types and their function by oid (checked on
18.6, fix-pg102), so the catalog follows the renames:

- ALTER TYPE ... RENAME TO / SET SCHEMA of an operator's operand type: DROP OPERATOR of the
  new name is refused while a class lists it, and an index of the type naming no class uses
  the class made DEFAULT FOR it, made before the rename or after (ALTER DOMAIN ... RENAME
  of a domain over it too); a new type of the old name is not the class's.
- ALTER FUNCTION / ROUTINE ... RENAME TO / SET SCHEMA of an operator's function: DROP
  FUNCTION of the new name is refused while the operator is there; the old name finds
  nothing, and a function made under it again is none of the operator's.

Each case runs on the embedded server too: its DETAIL is the one lint says."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import refusal
from server_helpers import refused_until_steps, server_error
from test_drop_operator_refused import MOOD, OP

RESET = "DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public"
FEEL = "ALTER TYPE mood RENAME TO feel;\n"
DROP_FEEL = "DROP OPERATOR ~~~ (feel, feel);"
FEEL_USES = "operator class oc for access method hash depends on operator ~~~(feel,feel)"
INDEX = "index {} depends on operator class oc for access method hash"
APP = "CREATE SCHEMA app;\n"
OF = "ALTER FUNCTION oe(int, int) RENAME TO of;\n"
OF_USES = "operator ~~~(integer,integer) depends on function {}(integer,integer)"

#: (setup, the DROP, the fact saying the refusal, the server's DETAIL lines): refused, and
#: lint says so.
REFUSED = {
    # (a) the operand type renamed or moved
    "the_type_renamed_after_the_index": (
        MOOD + "CREATE INDEX t_h ON t USING hash (m);\n" + FEEL, DROP_FEEL,
        "refused_operator_drop", {FEEL_USES, INDEX.format("t_h")}),
    "an_index_made_after_the_rename": (
        MOOD + FEEL + "CREATE INDEX t_h ON t USING hash (m);\nCREATE TABLE u (f feel);\n"
        "CREATE INDEX u_h ON u USING hash (f);\n", DROP_FEEL, "refused_operator_drop",
        {FEEL_USES, INDEX.format("t_h"), INDEX.format("u_h")}),
    "a_new_type_of_the_old_name_is_not_the_class_s": (
        MOOD + FEEL + "CREATE TYPE mood AS ENUM ('x');\nCREATE TABLE w (m mood);\n"
        "CREATE INDEX w_h ON w USING hash (m);\n", DROP_FEEL, "refused_operator_drop",
        {FEEL_USES}),
    "the_type_moved": (
        MOOD + "CREATE INDEX t_h ON t USING hash (m);\n" + APP
        + "ALTER TYPE mood SET SCHEMA app;\nCREATE TABLE u (f app.mood);\n"
        "CREATE INDEX u_h ON u USING hash (f);\n", "DROP OPERATOR ~~~ (app.mood, app.mood);",
        "refused_operator_drop",
        {"operator class oc for access method hash depends on operator "
         "~~~(app.mood,app.mood)", INDEX.format("t_h"), INDEX.format("u_h")}),
    "a_domain_over_the_type_renamed": (
        MOOD + "CREATE DOMAIN dm AS mood;\nALTER DOMAIN dm RENAME TO dn;\n"
        "CREATE TABLE w (d dn);\nCREATE INDEX w_h ON w USING hash (d);\n",
        "DROP OPERATOR ~~~ (mood, mood);", "refused_operator_drop",
        {"operator class oc for access method hash depends on operator ~~~(mood,mood)",
         INDEX.format("w_h")}),
    "the_class_dropped_after_the_rename": (
        MOOD + FEEL + "CREATE INDEX t_h ON t USING hash (m);\n",
        "DROP OPERATOR CLASS oc USING hash;", "refused_operator_drop", {INDEX.format("t_h")}),
    # (b) the operator's function renamed or moved
    "the_function_renamed": (OP + OF, "DROP FUNCTION of(int, int);", "refused_function_drop",
                             {OF_USES.format("of")}),
    "the_function_renamed_dropped_by_its_bare_name": (
        OP + "ALTER FUNCTION oe RENAME TO of;\n", "DROP FUNCTION of;",
        "refused_function_drop", {OF_USES.format("of")}),
    "a_routine_renamed": (OP + "ALTER ROUTINE oe(int, int) RENAME TO of;\n",
                          "DROP ROUTINE of(int, int);", "refused_function_drop",
                          {OF_USES.format("of")}),
    "the_function_moved": (OP + APP + "ALTER FUNCTION oe(int, int) SET SCHEMA app;\n",
                           "DROP FUNCTION app.oe(int, int);", "refused_function_drop",
                           {OF_USES.format("app.oe")}),
    "the_function_renamed_and_a_column_running_the_operator": (
        OP + "CREATE TABLE t (id int, g boolean GENERATED ALWAYS AS (id ~~~ 1) STORED);\n" + OF,
        "DROP FUNCTION of(int, int);", "refused_function_drop",
        {OF_USES.format("of"), "column g of table t depends on operator ~~~(integer,integer)"}),
    "the_function_renamed_and_a_class_listing_the_operator": (
        OP + "CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 ~~~, "
        "FUNCTION 1 hashint4(int);\n" + OF, "DROP FUNCTION of(int, int);",
        "refused_function_drop",
        {OF_USES.format("of"),
         "operator class oc for access method hash depends on operator ~~~(integer,integer)"}),
    "another_overload_renamed": (
        OP + "CREATE FUNCTION oe(a text, b text) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT a = b';\nALTER FUNCTION oe(text, text) RENAME TO of;\n",
        "DROP FUNCTION oe(int, int);", "refused_function_drop", {OF_USES.format("oe")}),
}

#: (setup, the DROP): runs, or is refused for something else than dependents (the old name
#: finds nothing): nothing said.
NOT_SAID = {
    "the_type_s_old_name": (MOOD + FEEL, "DROP OPERATOR ~~~ (mood, mood);"),
    "the_function_s_old_name": (OP + OF, "DROP FUNCTION oe(int, int);"),
    "a_new_function_of_the_old_name": (
        OP + OF + "CREATE FUNCTION oe(a int, b int) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT a = b';\n", "DROP FUNCTION oe(int, int);"),
    "the_renamed_function_with_cascade": (OP + OF, "DROP FUNCTION of(int, int) CASCADE;"),
    # CASCADE of the new name took the operator along
    "a_new_function_of_the_old_name_after_the_cascade": (
        OP + OF + "DROP FUNCTION of(int, int) CASCADE;\nCREATE FUNCTION oe(a int, b int) "
        "RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT a = b';\n",
        "DROP FUNCTION oe(int, int);"),
    "the_other_overload_renamed": (
        OP + "CREATE FUNCTION oe(a text, b text) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT a = b';\nALTER FUNCTION oe(text, text) RENAME TO of;\n",
        "DROP FUNCTION of(text, text);"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_lint_says_the_refusal_after_the_rename(case: str) -> None:
    setup, sql, fact, detail = REFUSED[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == fact
    assert set(effect.actions[0].facts[f"{fact}_text"].split("; ")) == detail


@pytest.mark.parametrize("case", NOT_SAID)
def test_nothing_is_said_of_the_old_names(case: str) -> None:
    assert refusal(effect_after(*NOT_SAID[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_so_and_the_steps_run(pg_db: str) -> None:
    for setup, sql, fact, detail in REFUSED.values():
        steps = effect_after(setup, sql).actions[0].facts[f"{fact}_sql"]
        refused, after = refused_until_steps(pg_db, f"{RESET};\n{setup}", sql, steps,
                                             "SELECT 1", reset=RESET)
        assert refused is not None and refused.sqlstate == "2BP01", sql
        assert set((refused.diag.message_detail or "").splitlines()) == detail, sql
        assert after is None, steps
    for setup, sql in NOT_SAID.values():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is None or error.sqlstate in ("42883", "42704"), sql
