"""ALTER OPERATOR FAMILY ... DROP of a member an operator class of the family requires
(fix-pg104, checked on 18.6): the server refuses it (2BP01 "cannot drop operator 1 (integer,
integer) of operator family f for access method btree: <(integer,integer) because operator
class oc for access method btree requires it", HINT "You can drop operator class oc for
access method btree instead."). Lint says so (rule operator-family-member-refused, fact
refused_member_drop) with the server's message and hint, and its steps (the class's indexes,
then the class) run. A cross-type member, an optional support function, a member added by
ALTER OPERATOR FAMILY ... ADD, and a member of another type than the class's are not said
(they go). One whose class was dropped is refused as missing (object-missing since fix-pg108:
tests/test_operator_class_names.py)."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import refusal
from server_helpers import server_error

RESET = "DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS app CASCADE"
BTREE = ("CREATE OPERATOR FAMILY f USING btree;\n"
         "CREATE OPERATOR CLASS oc FOR TYPE int USING btree FAMILY f AS OPERATOR 1 <, "
         "OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 btint4cmp(int, "
         "int), OPERATOR 1 < (int, bigint), FUNCTION 1 btint48cmp(int, bigint), "
         "FUNCTION 2 btint4sortsupport(internal);\n")
HASH = ("CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 =, "
        "FUNCTION 1 hashint4(int);\n")
INDEX = "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t USING hash (a oc);\n"
USER = ("CREATE FUNCTION sb(a int, b int) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT a / 10 = b / 10';\n"
        "CREATE OPERATOR === (FUNCTION = sb, LEFTARG = int, RIGHTARG = int);\n"
        "CREATE FUNCTION bh(int) RETURNS int LANGUAGE sql IMMUTABLE "
        "AS 'SELECT hashint4($1 / 10)';\n"
        "CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 ===, "
        "FUNCTION 1 bh(int);\n")
ALTER_BTREE = "ALTER OPERATOR FAMILY f USING btree DROP "
ALTER_HASH = "ALTER OPERATOR FAMILY oc USING hash DROP "
CLAUSE = "cannot drop {} ({}) of operator family {} for access method {}: {} because " \
    "operator class {} for access method {} requires it"


def _said(what: str, family: str, member: str, cls: str = "oc", method: str = "btree",
          types: str = "integer, integer") -> str:
    return CLAUSE.format(what, types, family, method, member, cls, method)


#: (setup, the ALTER, the server's message, the class the hint names, the steps' DROP INDEXes)
REFUSED = {
    "an_operator": (BTREE, ALTER_BTREE + "OPERATOR 1 (int, int);",
                    _said("operator 1", "f", "<(integer,integer)"), "oc", []),
    "one_type_for_both": (BTREE, ALTER_BTREE + "OPERATOR 3 (int);",
                          _said("operator 3", "f", "=(integer,integer)"), "oc", []),
    "support_function_1": (BTREE, ALTER_BTREE + "FUNCTION 1 (int, int);",
                           _said("function 1", "f", "btint4cmp(integer,integer)"), "oc", []),
    "the_second_item": (
        BTREE + "ALTER OPERATOR FAMILY f USING btree ADD OPERATOR 1 < (int, smallint);\n",
        ALTER_BTREE + "OPERATOR 1 (int, smallint), OPERATOR 5 (int, int);",
        _said("operator 5", "f", ">(integer,integer)"), "oc", []),
    "a_class_s_own_family_and_its_index": (
        HASH + INDEX, ALTER_HASH + "OPERATOR 1 (int, int);",
        _said("operator 1", "oc", "=(integer,integer)", method="hash"), "oc",
        ["DROP INDEX t_a;"]),
    "user_operator_and_function": (
        USER, ALTER_HASH + "FUNCTION 1 (int, int);",
        _said("function 1", "oc", "bh(integer)", method="hash"), "oc", []),
    "user_operator": (USER, ALTER_HASH + "OPERATOR 1 (int, int);",
                      _said("operator 1", "oc", "===(integer,integer)", method="hash"), "oc",
                      []),
    "in_another_schema": (
        "CREATE SCHEMA app;\nCREATE OPERATOR FAMILY app.f USING hash;\n"
        + HASH.replace("CLASS oc", "CLASS app.oc").replace("hash AS", "hash FAMILY app.f AS"),
        "ALTER OPERATOR FAMILY app.f USING hash DROP OPERATOR 1 (int, int);",
        _said("operator 1", "app.f", "=(integer,integer)", "app.oc", "hash"), "app.oc", []),
    "the_class_renamed": (HASH + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n",
                          ALTER_HASH + "OPERATOR 1 (int, int);",
                          _said("operator 1", "oc", "=(integer,integer)", "od", "hash"), "od",
                          []),
}

#: (setup, the ALTER): it runs.
NOT_SAID = {
    "cross_type_operator": (BTREE, ALTER_BTREE + "OPERATOR 1 (int, bigint);"),
    "cross_type_function": (BTREE, ALTER_BTREE + "FUNCTION 1 (int, bigint);"),
    "sortsupport": (BTREE, ALTER_BTREE + "FUNCTION 2 (int, int);"),
    "added_by_alter": ("CREATE OPERATOR FAMILY f USING btree;\n"
                       "ALTER OPERATOR FAMILY f USING btree ADD OPERATOR 1 < (int, int);\n",
                       ALTER_BTREE + "OPERATOR 1 (int, int);"),
    "of_another_type_than_the_class_s": (
        "CREATE OPERATOR FAMILY f USING hash;\nCREATE OPERATOR CLASS oc FOR TYPE varchar "
        "USING hash FAMILY f AS OPERATOR 1 = (text, text), FUNCTION 1 hashtext(text);\n",
        "ALTER OPERATOR FAMILY f USING hash DROP FUNCTION 1 (text, text);"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_lint_says_the_refusal(case: str) -> None:
    setup, sql, message, cls, indexes = REFUSED[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "refused_member_drop"
    facts = effect.actions[0].facts
    assert facts["refused_member_drop_error"] == message
    method = sql.split("USING ")[1].split()[0]
    assert facts["refused_member_drop_hint"] == \
        f"You can drop operator class {cls} for access method {method} instead."
    assert facts["refused_member_drop_sql"].splitlines() == \
        [*indexes, f"DROP OPERATOR CLASS {cls} USING {method};"]


@pytest.mark.parametrize("case", NOT_SAID)
def test_nothing_is_said_otherwise(case: str) -> None:
    assert refusal(effect_after(*NOT_SAID[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_so_and_the_steps_run(pg_db: str) -> None:
    for setup, sql, message, cls, _ in REFUSED.values():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "2BP01"
        assert error.diag.message_primary == message
        method = sql.split("USING ")[1].split()[0]
        assert error.diag.message_hint == \
            f"You can drop operator class {cls} for access method {method} instead."
        steps = effect_after(setup, sql).actions[0].facts["refused_member_drop_sql"]
        assert server_error(pg_db, [RESET, setup], steps) is None
    for case, (setup, sql) in NOT_SAID.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case
