"""DROP OPERATOR CLASS without CASCADE while an index uses the class (checked on 18.6,
fix-pg100): the server refuses it (2BP01 "cannot drop operator class oc for access method
hash because other objects depend on it", IF EXISTS or RESTRICT alike), its DETAIL naming
each index ("index t_h depends on operator class oc for access method hash"). Lint says so
(rule drop-operator-refused, fact refused_operator_drop) for a class the catalog keeps and
the indexes it ties to the class (naming it, or of its type when the class is DEFAULT), and
the steps (DROP INDEX, then the class) run. IF EXISTS of a missing class, CASCADE, a class
no index uses and one whose index was dropped first: the DROP runs, nothing said.

DROP OPERATOR FAMILY likewise (fix-pg101): refused while an index uses a class of the
family ("cannot drop operator family fam for access method hash ...", DETAIL "index t_h
depends on operator class oc for access method hash"); its classes go with it, CASCADE or
not. A class without FAMILY is in the family of its own name. A class listing built-in
operators only is kept too."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after, refusal_facts
from lockwise.effects.refused import refusal
from server_helpers import refused_until_steps, server_error
from test_drop_operator_refused import CLASS, MOOD, OP, RESET

TABLE = "CREATE TABLE t (id int);\n"
INDEX = "CREATE INDEX t_h ON t USING hash (id oc);\n"
DROP = "DROP OPERATOR CLASS oc USING hash;"
USES = "index {} depends on operator class {} for access method hash"
#: (fix-pg101) A class of built-in operators only, in family `fam` (made first).
FAM = ("CREATE OPERATOR FAMILY fam USING hash;\n"
       "CREATE OPERATOR CLASS oc FOR TYPE int USING hash FAMILY fam AS OPERATOR 1 =, "
       "FUNCTION 1 hashint4(int);\n")
BUILT_IN = FAM.split("\n", 1)[1].replace(" FAMILY fam", "")
DROP_FAM = "DROP OPERATOR FAMILY fam USING hash;"
#: (the server test runs each case in one database: `app` may be there from another)
FRESH_APP = "DROP SCHEMA IF EXISTS app CASCADE;\nCREATE SCHEMA app;\n"

#: (setup, the DROP, the server's message, its DETAIL lines): refused, and lint says so.
REFUSED = {
    "an_index_naming_it": (OP + CLASS + TABLE + INDEX, DROP, "oc", {USES.format("t_h", "oc")}),
    "two_indexes": (
        OP + CLASS + TABLE + INDEX + "CREATE INDEX t_g ON t USING hash (id oc);\n", DROP, "oc",
        {USES.format("t_h", "oc"), USES.format("t_g", "oc")}),
    "if_exists": (OP + CLASS + TABLE + INDEX, "DROP OPERATOR CLASS IF EXISTS oc USING hash;",
                  "oc", {USES.format("t_h", "oc")}),
    "restrict": (OP + CLASS + TABLE + INDEX, "DROP OPERATOR CLASS oc USING hash RESTRICT;",
                 "oc", {USES.format("t_h", "oc")}),
    "in_another_schema": (
        OP + "CREATE SCHEMA IF NOT EXISTS app;\n" + CLASS.replace("CLASS oc", "CLASS app.oc")
        + TABLE + INDEX.replace("oc)", "app.oc)"), "DROP OPERATOR CLASS app.oc USING hash;",
        "app.oc", {USES.format("t_h", "app.oc")}),
    "renamed_since": (OP + CLASS + TABLE + INDEX
                      + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n",
                      "DROP OPERATOR CLASS od USING hash;", "od", {USES.format("t_h", "od")}),
    # a DEFAULT class: an index of a column of its type naming no class uses it
    "a_default_class": (MOOD + "CREATE INDEX t_h ON t USING hash (m);\n", DROP, "oc",
                        {USES.format("t_h", "oc")}),
    # (fix-pg101) a class of built-in operators only; DROP OPERATOR FAMILY
    "built_in_operators_only": (BUILT_IN + TABLE + INDEX, DROP, "oc", {USES.format("t_h", "oc")}),
    "its_family": (FAM + TABLE + INDEX, DROP_FAM, "family fam", {USES.format("t_h", "oc")}),
    "its_implicit_family": (OP + CLASS + TABLE + INDEX, "DROP OPERATOR FAMILY oc USING hash;",
                            "family oc", {USES.format("t_h", "oc")}),
    "family_if_exists": (FAM + TABLE + INDEX, "DROP OPERATOR FAMILY IF EXISTS fam USING hash;",
                         "family fam", {USES.format("t_h", "oc")}),
    "two_classes_of_the_family": (
        FAM + "CREATE OPERATOR CLASS od FOR TYPE bigint USING hash FAMILY fam AS OPERATOR 1 =, "
        "FUNCTION 1 hashint8(bigint);\nCREATE TABLE t (id int, b bigint);\n" + INDEX
        + "CREATE INDEX t_g ON t USING hash (b od);\n", DROP_FAM, "family fam",
        {USES.format("t_h", "oc"), USES.format("t_g", "od")}),
    "family_renamed_and_moved": (
        FAM + TABLE + INDEX + "ALTER OPERATOR FAMILY fam USING hash RENAME TO fb;\n"
        + FRESH_APP + "ALTER OPERATOR FAMILY fb USING hash SET SCHEMA app;\n",
        "DROP OPERATOR FAMILY app.fb USING hash;", "family app.fb", {USES.format("t_h", "oc")}),
    "family_of_a_class_renamed": (
        BUILT_IN + TABLE + INDEX + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n",
        "DROP OPERATOR FAMILY oc USING hash;", "family oc", {USES.format("t_h", "od")}),
    "family_schema_renamed": (
        FRESH_APP + FAM.replace("fam", "app.fam").replace(
            "CLASS oc", "CLASS app.oc") + TABLE + INDEX.replace("oc)", "app.oc)")
        + "DROP SCHEMA IF EXISTS lib CASCADE;\nALTER SCHEMA app RENAME TO lib;\n",
        "DROP OPERATOR FAMILY lib.fam USING hash;", "family lib.fam",
        {USES.format("t_h", "lib.oc")}),
    "a_default_class_of_built_in_operators": (
        MOOD.replace("1 ~~~", "1 = (anyenum, anyenum)") + "CREATE INDEX t_h ON t USING hash (m);\n",
        "DROP OPERATOR FAMILY oc USING hash;", "family oc", {USES.format("t_h", "oc")}),
}

#: (setup, the DROP): it runs.
TAKEN = {
    "if_exists_of_a_missing_class": (OP + CLASS + TABLE + INDEX,
                                     "DROP OPERATOR CLASS IF EXISTS nope USING hash;"),
    "cascade": (OP + CLASS + TABLE + INDEX, "DROP OPERATOR CLASS oc USING hash CASCADE;"),
    "no_index_uses_it": (OP + CLASS + TABLE + "CREATE INDEX t_i ON t USING hash (id);\n", DROP),
    "the_index_dropped_first": (OP + CLASS + TABLE + INDEX + "DROP INDEX t_h;\n", DROP),
    "a_btree_index_naming_none": (MOOD + "CREATE INDEX t_b ON t (m);\n", DROP),
    # (fix-pg101) DROP OPERATOR FAMILY
    "family_cascade": (FAM + TABLE + INDEX, "DROP OPERATOR FAMILY fam USING hash CASCADE;"),
    "family_if_exists_of_a_missing_one": (
        FAM + TABLE + INDEX, "DROP OPERATOR FAMILY IF EXISTS nope USING hash;"),
    "family_of_another_access_method": (
        FAM + TABLE + INDEX, "DROP OPERATOR FAMILY IF EXISTS fam USING btree;"),
    "family_no_index_uses": (FAM + TABLE, DROP_FAM),
    "family_index_dropped_first": (FAM + TABLE + INDEX + "DROP INDEX t_h;\n", DROP_FAM),
    "another_family": (FAM + "CREATE OPERATOR FAMILY fb USING hash;\n" + TABLE + INDEX,
                       "DROP OPERATOR FAMILY fb USING hash;"),
    "family_dropped_and_made_again": (
        FAM + TABLE + INDEX + "DROP OPERATOR FAMILY fam USING hash CASCADE;\n"
        "CREATE OPERATOR FAMILY fam USING hash;\n" + INDEX.replace("id oc", "id"), DROP_FAM),
    "family_old_name_after_rename": (
        FAM + TABLE + INDEX + "ALTER OPERATOR FAMILY fam USING hash RENAME TO fb;\n",
        "DROP OPERATOR FAMILY IF EXISTS fam USING hash;"),
    "class_dropped_family_stays": (BUILT_IN + TABLE + "DROP OPERATOR CLASS oc USING hash;\n"
                                   + BUILT_IN + INDEX.replace("id oc", "id"),
                                   "DROP OPERATOR FAMILY oc USING hash;"),
}


def _kind_name(name: str) -> tuple[str, str]:
    """"family fam" -> ("family", "fam"); a bare name is a class's."""
    return ("family", name.split()[1]) if name.startswith("family ") else ("class", name)


@pytest.mark.parametrize("case", REFUSED)
def test_lint_says_the_refusal_naming_the_indexes(case: str) -> None:
    setup, sql, name, detail = REFUSED[case]
    kind, name = _kind_name(name)
    effect = effect_after(setup, sql)
    assert refusal(effect) == "refused_operator_drop"
    facts = effect.actions[0].facts
    assert facts["operators_text"] == f"{kind} {name} for access method hash"
    assert set(facts["refused_operator_drop_text"].split("; ")) == detail
    steps = facts["refused_operator_drop_sql"].splitlines()
    assert steps[-1] == f"DROP OPERATOR {kind.upper()} {name} USING hash;"
    # (an index is qualified when the class was: `app.oc`, `public.t_h`)
    assert {s.replace("public.", "") for s in steps[:-1]} == \
        {f"DROP INDEX {line.split()[1]};" for line in detail}


@pytest.mark.parametrize("case", TAKEN)
def test_nothing_is_said_otherwise(case: str) -> None:
    assert refusal(effect_after(*TAKEN[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_so_and_the_steps_run(pg_db: str) -> None:
    for setup, sql, name, detail in REFUSED.values():
        steps = effect_after(setup, sql).actions[0].facts["refused_operator_drop_sql"]
        refused, after = refused_until_steps(pg_db, f"{RESET};\n{setup}", sql, steps, "SELECT 1")
        assert refused is not None and refused.sqlstate == "2BP01"
        kind, name = _kind_name(name)
        assert refused.diag.message_primary == (
            f"cannot drop operator {kind} {name} for access method hash because other objects "
            "depend on it")
        assert set((refused.diag.message_detail or "").splitlines()) == detail
        assert after is None
    for setup, sql in TAKEN.values():
        assert server_error(pg_db, [RESET, setup], sql) is None


#: (fix-pg101) An index using two classes of one family: the DETAIL names it once, as
#: depending on the class made last (the server visits the newest oid first).
BTREE_FAM = "CREATE OPERATOR FAMILY fam USING btree;\n"
BTREE_CLASSES = {
    "oc": "CREATE OPERATOR CLASS oc FOR TYPE int USING btree FAMILY fam AS OPERATOR 1 <, "
          "OPERATOR 3 =, FUNCTION 1 btint4cmp(int, int);\n",
    "od": "CREATE OPERATOR CLASS od FOR TYPE bigint USING btree FAMILY fam AS OPERATOR 1 <, "
          "OPERATOR 3 =, FUNCTION 1 btint8cmp(bigint, bigint);\n",
}
BOTH = "CREATE TABLE t (a int, b bigint);\nCREATE INDEX t_ab ON t (a oc, b od);\n"


def _both_classes(last: str) -> str:
    """The family, its two classes (`last` made last), and an index using both."""
    first = next(name for name in BTREE_CLASSES if name != last)
    return BTREE_FAM + BTREE_CLASSES[first] + BTREE_CLASSES[last] + BOTH


@pytest.mark.parametrize("last", BTREE_CLASSES)
def test_an_index_using_two_classes_of_the_family_is_named_once(last: str) -> None:
    facts = effect_after(_both_classes(last), "DROP OPERATOR FAMILY fam USING btree;"
                         ).actions[0].facts
    assert facts["refused_operator_drop_text"] == \
        f"index t_ab depends on operator class {last} for access method btree"
    assert facts["refused_operator_drop_sql"].splitlines() == [
        "DROP INDEX t_ab;", "DROP OPERATOR FAMILY fam USING btree;"]


@pytest.mark.postgres
def test_the_server_names_the_index_once_by_the_class_made_last(pg_db: str) -> None:
    for last in BTREE_CLASSES:
        error = server_error(pg_db, [RESET, _both_classes(last)],
                             "DROP OPERATOR FAMILY fam USING btree;")
        assert error is not None and error.diag.message_detail == \
            f"index t_ab depends on operator class {last} for access method btree"


#: (fix-pg101) FAMILY fam, bare, is the one found along the search_path (a migration's SET
#: search_path, which lint follows).
ON_PATH = (FRESH_APP + "CREATE OPERATOR FAMILY app.fam USING hash;\n"
           "SET search_path = public, app;\n" + FAM.split("\n", 1)[1] + TABLE + INDEX)
ON_PATH_DROP = "DROP OPERATOR FAMILY app.fam USING hash;"


def test_a_family_found_along_the_search_path() -> None:
    facts = refusal_facts(ON_PATH, ON_PATH_DROP, "refused_operator_drop")
    assert facts["operators_text"] == "family app.fam for access method hash"
    assert facts["refused_operator_drop_text"] == USES.format("t_h", "oc")


@pytest.mark.postgres
def test_the_server_finds_the_family_along_the_search_path(pg_db: str) -> None:
    error = server_error(pg_db, [RESET, ON_PATH], ON_PATH_DROP)
    assert error is not None and error.diag.message_detail == USES.format("t_h", "oc")
