"""DROP OPERATOR without CASCADE of an operator something runs (checked on 18.6, fix-pg89):
the server refuses it (2BP01 "cannot drop operator ~~~(integer,integer) because other
objects depend on it"), its DETAIL naming each dependent ("default value for column d of
table t depends on operator ...", "column g of table t depends on operator ...", and a
view reading such a column). Another operator's COMMUTATOR does not stand in the way.
Lint says the refusal (rule drop-operator-refused) for a DEFAULT or a generated column that
surely runs it, and (fix-pg90) an index expression or WHERE ("index t_x depends on ..."), a
CHECK ("constraint t_c on table t ..."), a view ("view v ...") and a SQL-standard body
("function h(integer) ..."); its steps run on the server. A body written as a string
records no dependency (the DROP runs). (fix-pg95) An operator class listing it ("operator
class oc for access method hash depends on ..."), with the indexes naming the class; not
when the class was dropped, or code lockwise cannot follow ran since.
DROP FUNCTION of the operator's function: its steps drop the operator's
users before the operator."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import refusal
from server_helpers import refused_until_steps, server_error

OP = ("CREATE FUNCTION oe(a int, b int) RETURNS boolean LANGUAGE sql IMMUTABLE "
      "AS 'SELECT a = b';\n"
      "CREATE OPERATOR ~~~ (FUNCTION = oe, LEFTARG = int, RIGHTARG = int);\n")
DROP = "DROP OPERATOR ~~~ (int, int);"

CLASS = ("CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 ~~~, "
         "FUNCTION 1 hashint4(int);\n")
CLASS_USES = "operator class oc for access method hash depends on operator ~~~(integer,integer)"

#: (setup, the server's DETAIL lines): refused, and lint says so.
REFUSED = {
    "generated_column": (
        OP + "CREATE TABLE t (id int, g boolean GENERATED ALWAYS AS (id ~~~ 1) STORED);\n",
        {"column g of table t depends on operator ~~~(integer,integer)"}),
    "default": (OP + "CREATE TABLE t (id int, d boolean DEFAULT 1 ~~~ 1);\n",
                {"default value for column d of table t depends on operator "
                 "~~~(integer,integer)"}),
    "a_view_over_the_column": (
        OP + "CREATE TABLE t (id int, g boolean GENERATED ALWAYS AS (id ~~~ 1) STORED);\n"
        "CREATE VIEW v AS SELECT g FROM t;\n",
        {"column g of table t depends on operator ~~~(integer,integer)",
         "view v depends on column g of table t"}),
    # (fix-pg90) the users the catalog keeps an expression of, or binds at CREATE
    "index": (OP + "CREATE TABLE t (id int);\nCREATE INDEX t_x ON t ((id ~~~ 1));\n",
              {"index t_x depends on operator ~~~(integer,integer)"}),
    "index_where": (OP + "CREATE TABLE t (id int);\nCREATE INDEX t_w ON t (id) "
                    "WHERE id ~~~ 1;\n", {"index t_w depends on operator ~~~(integer,integer)"}),
    "check": (OP + "CREATE TABLE t (id int, n int, CONSTRAINT t_c CHECK (id ~~~ n));\n",
              {"constraint t_c on table t depends on operator ~~~(integer,integer)"}),
    "view": (OP + "CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id ~~~ 1 AS x FROM t;\n",
             {"view v depends on operator ~~~(integer,integer)"}),
    "begin_atomic_body": (
        OP + "CREATE FUNCTION h(x int) RETURNS boolean LANGUAGE sql "
        "BEGIN ATOMIC SELECT x ~~~ 1; END;\n",
        {"function h(integer) depends on operator ~~~(integer,integer)"}),
    "return_body": (
        OP + "CREATE FUNCTION h2(x int) RETURNS boolean LANGUAGE sql RETURN x ~~~ 1;\n",
        {"function h2(integer) depends on operator ~~~(integer,integer)"}),
    # (fix-pg95) an operator class listing it, and the indexes naming the class
    "an_operator_class": (OP + CLASS, {CLASS_USES}),
    "an_index_naming_the_class": (
        OP + CLASS + "CREATE TABLE t (id int);\nCREATE INDEX t_h ON t USING hash (id oc);\n",
        {CLASS_USES, "index t_h depends on operator class oc for access method hash"}),
    "a_class_in_a_family_of_its_own": (
        OP + "CREATE OPERATOR FAMILY fam USING hash;\n"
        + CLASS.replace("USING hash AS", "USING hash FAMILY fam AS"), {CLASS_USES}),
    "a_class_renamed": (OP + CLASS + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n",
                        {CLASS_USES.replace("class oc", "class od")}),
    # (fix-pg99) an index naming the class before it was renamed or moved names it so now
    "an_index_naming_a_class_renamed_since": (
        OP + CLASS + "CREATE TABLE t (id int);\nCREATE INDEX t_h ON t USING hash (id oc);\n"
        "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n",
        {CLASS_USES.replace("class oc", "class od"),
         "index t_h depends on operator class od for access method hash"}),
    "an_index_naming_a_class_moved_since": (
        OP + CLASS + "CREATE TABLE t (id int);\nCREATE INDEX t_h ON t USING hash (id oc);\n"
        "CREATE SCHEMA IF NOT EXISTS app;\nALTER OPERATOR CLASS oc USING hash SET SCHEMA app;\n",
        {CLASS_USES.replace("class oc", "class app.oc"),
         "index t_h depends on operator class app.oc for access method hash"}),
    "a_class_in_another_schema": (
        OP + "CREATE SCHEMA IF NOT EXISTS app;\n" + CLASS.replace("CLASS oc", "CLASS app.oc"),
        {CLASS_USES.replace("class oc", "class app.oc")}),
    "a_btree_class_with_operand_types": (
        OP + "CREATE OPERATOR CLASS ob FOR TYPE int USING btree AS "
        "OPERATOR 3 ~~~ (int, int), FUNCTION 1 btint4cmp(int, int);\n",
        {"operator class ob for access method btree depends on operator ~~~(integer,integer)"}),
    # (fix-pg101) DROP OPERATOR FAMILY drops the classes of that family only
    "a_class_of_another_family_dropped": (
        OP + "CREATE OPERATOR FAMILY fa USING hash;\nCREATE OPERATOR FAMILY fb USING hash;\n"
        + CLASS.replace("USING hash AS", "USING hash FAMILY fa AS")
        + "DROP OPERATOR FAMILY fb USING hash;\n", {CLASS_USES}),
    "a_class_whose_family_was_renamed": (
        OP + "CREATE OPERATOR FAMILY fa USING hash;\n"
        + CLASS.replace("USING hash AS", "USING hash FAMILY fa AS")
        + "ALTER OPERATOR FAMILY fa USING hash RENAME TO fb;\n"
        "DROP OPERATOR FAMILY IF EXISTS fa USING hash;\n", {CLASS_USES}),
}

#: Refused by the server too, but the catalog does not tie these users: nothing said.
UNSAID = {
    # code lockwise cannot follow may have dropped the class (here it did not)
    "an_operator_class_after_execute": (
        OP + "CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 ~~~, "
        "FUNCTION 1 hashint4(int);\nDO $$ BEGIN EXECUTE 'SELECT 1'; END $$;\n"),
}

#: The DROP runs.
TAKEN = {
    "commutator": OP + "CREATE OPERATOR ^^^ (FUNCTION = oe, LEFTARG = int, RIGHTARG = int, "
                  "COMMUTATOR = ~~~);\n",
    "nothing_uses_it": OP + "CREATE TABLE t (id int, g boolean GENERATED ALWAYS AS "
                       "(id = 1) STORED);\n",
    # a body written as a string records no dependency (fix-pg90)
    "a_string_sql_body": OP + "CREATE FUNCTION h3(x int) RETURNS boolean LANGUAGE sql "
                         "AS 'SELECT x ~~~ 1';\n",
    "a_plpgsql_body": OP + "CREATE FUNCTION h4(x int) RETURNS boolean LANGUAGE plpgsql "
                      "AS $$BEGIN RETURN x ~~~ 1; END$$;\n",
    "an_index_of_a_built_in_operator": OP + "CREATE TABLE t (id int);\n"
                                       "CREATE INDEX t_x ON t ((id = 1));\n",
    # (fix-pg95) the class gone first, or the operator only a family's loose member
    "the_class_dropped": OP + CLASS + "DROP OPERATOR CLASS oc USING hash;\n",
    "its_family_dropped": OP + CLASS + "DROP OPERATOR FAMILY oc USING hash;\n",
    "the_class_in_a_schema_dropped": OP + "CREATE SCHEMA lib;\n"
    + CLASS.replace("CLASS oc", "CLASS lib.oc") + "DROP SCHEMA lib CASCADE;\n",
    # (fix-pg101) its family dropped, by its name after ALTER OPERATOR FAMILY, or with its
    # schema (the class elsewhere)
    "its_own_family_dropped": OP + "CREATE OPERATOR FAMILY fa USING hash;\n"
    + CLASS.replace("USING hash AS", "USING hash FAMILY fa AS")
    + "DROP OPERATOR FAMILY fa USING hash;\n",
    "its_family_renamed_and_dropped": OP + "CREATE OPERATOR FAMILY fa USING hash;\n"
    + CLASS.replace("USING hash AS", "USING hash FAMILY fa AS")
    + "CREATE SCHEMA IF NOT EXISTS app;\nALTER OPERATOR FAMILY fa USING hash SET SCHEMA app;\n"
    "ALTER OPERATOR FAMILY app.fa USING hash RENAME TO fb;\n"
    "DROP OPERATOR FAMILY app.fb USING hash;\n",
    "its_family_schema_dropped": OP + "CREATE SCHEMA lib;\n"
    "CREATE OPERATOR FAMILY lib.fa USING hash;\n"
    + CLASS.replace("USING hash AS", "USING hash FAMILY lib.fa AS")
    + "DROP SCHEMA lib CASCADE;\n",
    "a_family_member_only": OP + "CREATE OPERATOR FAMILY f1 USING hash;\n"
                            "ALTER OPERATOR FAMILY f1 USING hash ADD OPERATOR 1 ~~~ (int, int);\n",
    "dropped_by_execute": OP + CLASS + "DO $$ BEGIN EXECUTE 'DROP OPERATOR CLASS ' || "
                          "'oc USING hash'; END $$;\n",
}

RESET = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"

#: (fix-pg97) An operator class made DEFAULT FOR TYPE mood (an enum: int has its own
#: default hash class already): an index on a mood column that names no class uses it.
MOOD = ("CREATE TYPE mood AS ENUM ('a', 'b');\n"
        "CREATE FUNCTION me(a mood, b mood) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT a = b';\n"
        "CREATE OPERATOR ~~~ (FUNCTION = me, LEFTARG = mood, RIGHTARG = mood);\n"
        "CREATE OPERATOR CLASS oc DEFAULT FOR TYPE mood USING hash AS OPERATOR 1 ~~~, "
        "FUNCTION 1 hashenum(anyenum);\n"
        "CREATE TABLE t (m mood, n mood[], k int);\n")
DROP_MOOD = "DROP OPERATOR ~~~ (mood, mood);"
MOOD_USES = "operator class oc for access method hash depends on operator ~~~(mood,mood)"
MOOD_INDEX = "index {} depends on operator class oc for access method hash"
DOMAIN = "CREATE DOMAIN dm AS mood;\nCREATE TABLE u (d dm);\n"

#: (fix-pg99) A composite type with a DEFAULT hash class of its own.
PAIR = ("CREATE TYPE pair AS (a int, b int);\n"
        "CREATE FUNCTION pe(a pair, b pair) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT a = b';\n"
        "CREATE FUNCTION ph(pair) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
        "CREATE OPERATOR ~~~ (FUNCTION = pe, LEFTARG = pair, RIGHTARG = pair);\n"
        "CREATE OPERATOR CLASS pc DEFAULT FOR TYPE pair USING hash AS OPERATOR 1 ~~~, "
        "FUNCTION 1 ph(pair);\n"
        "CREATE TABLE p (a int, b int);\n")
PAIR_USES = "operator class pc for access method hash depends on operator ~~~(pair,pair)"

#: (setup, the server's DETAIL lines of DROP_MOOD).
REFUSED_DEFAULT = {
    "an_index_of_a_column_of_the_type": (MOOD + "CREATE INDEX t_h ON t USING hash (m);\n",
                                         {MOOD_USES, MOOD_INDEX.format("t_h")}),
    "one_naming_it_one_not": (
        MOOD + "CREATE INDEX t_h ON t USING hash (m);\nCREATE INDEX t_n ON t USING hash (m oc);\n",
        {MOOD_USES, MOOD_INDEX.format("t_h"), MOOD_INDEX.format("t_n")}),
    "the_class_renamed": (
        MOOD + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n"
        "CREATE INDEX t_h ON t USING hash (m);\n",
        {MOOD_USES.replace("class oc", "class od"),
         MOOD_INDEX.format("t_h").replace("class oc", "class od")}),
    # another access method, another column's type, an array: the class is not theirs
    "a_btree_index": (MOOD + "CREATE INDEX t_b ON t (m);\n", {MOOD_USES}),
    "an_index_of_another_type": (MOOD + "CREATE INDEX t_k ON t USING hash (k);\n",
                                 {MOOD_USES}),
    "an_index_of_an_array": (MOOD + "CREATE INDEX t_a ON t USING hash (n);\n", {MOOD_USES}),
    # not DEFAULT: an int column's index uses int's own default class
    "a_class_not_default": (
        OP + CLASS + "CREATE TABLE t (id int);\nCREATE INDEX t_h ON t USING hash (id);\n",
        {CLASS_USES}),
    # (fix-pg99) an expression of the type, the catalog knowing its type for sure
    "an_expression_that_is_the_column": (MOOD + "CREATE INDEX t_e ON t USING hash ((m));\n",
                                         {MOOD_USES, MOOD_INDEX.format("t_e")}),
    "a_function_of_the_migrations_returning_the_type": (
        MOOD + "CREATE FUNCTION to_mood(k int) RETURNS mood LANGUAGE sql IMMUTABLE "
        "AS 'SELECT ''a''::public.mood';\nCREATE INDEX t_f ON t USING hash ((to_mood(k)));\n",
        {MOOD_USES, MOOD_INDEX.format("t_f")}),
    # a domain's values take its base type's default class: a column or a cast
    "a_column_of_a_domain_over_the_type": (
        MOOD + DOMAIN + "CREATE INDEX u_d ON u USING hash (d);\n",
        {MOOD_USES, MOOD_INDEX.format("u_d")}),
    "a_cast_to_a_domain_over_the_type": (
        MOOD + DOMAIN + "CREATE INDEX t_c ON t USING hash ((m::dm));\n",
        {MOOD_USES, MOOD_INDEX.format("t_c")}),
    # expressions of another type: the class is not theirs
    "an_expression_of_another_type": (
        MOOD + "CREATE INDEX t_k ON t USING hash ((k + 1));\n"
        "CREATE INDEX t_t ON t USING hash ((k::text));\n", {MOOD_USES}),
    "an_expression_of_an_array": (MOOD + "CREATE INDEX t_a ON t USING hash ((n));\n",
                                  {MOOD_USES}),
    # a composite type's DEFAULT class and a row cast to it
    "a_row_cast_to_a_composite_type": (
        PAIR + "CREATE INDEX p_r ON p USING hash ((row(a, b)::pair));\n",
        {PAIR_USES, "index p_r depends on operator class pc for access method hash"}),
}

#: (fix-pg99) The server ties these indexes to the DEFAULT class too, but the catalog does
#: not know the expression's type (COALESCE, a subscript): only the class is said.
UNSURE_DEFAULT = {
    "coalesce": MOOD + "CREATE INDEX t_o ON t USING hash ((coalesce(m, 'a')));\n",
    "a_subscript": MOOD + "CREATE INDEX t_s ON t USING hash ((n[1]));\n",
}


def _drop(setup: str) -> str:
    """The DROP OPERATOR of the operator `setup` makes (`~~~` for int, mood or pair)."""
    return DROP_MOOD if setup.startswith(MOOD) else \
        "DROP OPERATOR ~~~ (pair, pair);" if setup.startswith(PAIR) else DROP


@pytest.mark.parametrize("case", REFUSED_DEFAULT)
def test_an_index_using_a_default_class_without_naming_it_is_said(case: str) -> None:
    setup, detail = REFUSED_DEFAULT[case]
    facts = effect_after(setup, _drop(setup)).actions[0].facts
    assert set(facts["refused_operator_drop_text"].split("; ")) == detail
    steps = facts["refused_operator_drop_sql"].splitlines()
    for index in [line.split()[1] for line in detail if line.startswith("index ")]:
        assert steps.index(f"DROP INDEX {index};") < \
            next(i for i, step in enumerate(steps) if step.startswith("DROP OPERATOR CLASS"))


@pytest.mark.parametrize("case", UNSURE_DEFAULT)
def test_an_expression_of_a_type_not_known_is_not_tied_to_the_default_class(case: str) -> None:
    facts = effect_after(UNSURE_DEFAULT[case], DROP_MOOD).actions[0].facts
    assert facts["refused_operator_drop_text"] == MOOD_USES


@pytest.mark.parametrize("case", REFUSED)
def test_lint_says_the_refusal_naming_what_the_server_names(case: str) -> None:
    setup, detail = REFUSED[case]
    effect = effect_after(setup, DROP)
    assert refusal(effect) == "refused_operator_drop"
    assert set(effect.actions[0].facts["refused_operator_drop_text"].split("; ")) == detail


@pytest.mark.parametrize("case", [*UNSAID, *TAKEN])
def test_nothing_is_said_otherwise(case: str) -> None:
    assert refusal(effect_after({**UNSAID, **TAKEN}[case], DROP)) == ""


def test_drop_function_steps_drop_the_operators_users_first() -> None:
    setup = REFUSED["a_view_over_the_column"][0]
    facts = effect_after(setup, "DROP FUNCTION oe(int, int);").actions[0].facts
    assert "column g of table t depends on operator ~~~(integer,integer)" in \
        facts["refused_function_drop_text"].split("; ")
    steps = facts["refused_function_drop_sql"].splitlines()
    assert steps.index("ALTER TABLE t DROP COLUMN g;") < \
        steps.index("DROP OPERATOR public.~~~ (integer, integer);")


@pytest.mark.postgres
def test_the_server_refuses_so_and_the_steps_run(pg_db: str) -> None:
    for setup, detail in [*REFUSED.values(), *REFUSED_DEFAULT.values()]:
        steps = effect_after(setup, _drop(setup)).actions[0].facts["refused_operator_drop_sql"]
        refused, after = refused_until_steps(pg_db, f"{RESET};\n{setup}", _drop(setup), steps,
                                             "SELECT 1")
        assert refused is not None and refused.sqlstate == "2BP01"
        assert set((refused.diag.message_detail or "").splitlines()) == detail
        assert after is None
    for setup in UNSAID.values():
        error = server_error(pg_db, [RESET, setup], DROP)
        assert error is not None and error.sqlstate == "2BP01"
    for setup in UNSURE_DEFAULT.values():  # (the server does tie the index)
        error = server_error(pg_db, [RESET, setup], DROP_MOOD)
        assert error is not None and len((error.diag.message_detail or "").splitlines()) == 2
    for setup in TAKEN.values():
        assert server_error(pg_db, [RESET, setup], DROP) is None
    # DROP FUNCTION: its steps run, then the DROP FUNCTION does
    setup = REFUSED["a_view_over_the_column"][0]
    sql = "DROP FUNCTION oe(int, int);"
    facts = effect_after(setup, sql).actions[0].facts
    refused, after = refused_until_steps(pg_db, f"{RESET};\n{setup}", sql,
                                         facts["refused_function_drop_sql"], "SELECT 1")
    assert refused is not None and set(
        (refused.diag.message_detail or "").splitlines()) == set(
        facts["refused_function_drop_text"].split("; "))
    assert after is None
