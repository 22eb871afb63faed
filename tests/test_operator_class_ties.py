"""Operator classes tied to their family's members, their support function and their schema
(fix-pg110, each case checked on the embedded PostgreSQL 18.6 too).

- CREATE OPERATOR CLASS (without FAMILY, or FAMILY f) in a family a kept class of which
  requires one of its members (a class renamed away leaves its family and members behind)
  fails on the catalog's unique index (23505 "duplicate key value violates unique constraint
  "pg_amop_fam_strat_index"", "pg_amproc_fam_proc_index" for a support function): lint
  says so (object-already-exists). Another type, a class dropped since, or an empty family
  is no obstacle.
- A class's support function 1 renamed or moved (ALTER FUNCTION RENAME / SET SCHEMA, ALTER
  SCHEMA RENAME) is the class's still, by oid: DROP FUNCTION of the new name is refused
  (2BP01 "operator class oc for access method hash depends on function bx(integer)", the
  indexes using the class after it), and ALTER OPERATOR FAMILY ... DROP FUNCTION's refusal
  names it by its new name. A cross-type support function goes alone; CASCADE drops the
  class.
- ALTER SCHEMA ... RENAME keeps the members gone from a family: ALTER OPERATOR FAMILY ...
  DROP of one by the new schema's name fails (42704).
- ALTER OPERATOR CLASS ... RENAME TO a kept class's name (or its own), or SET SCHEMA where
  one of its name is, is refused (42710); SET SCHEMA to the schema it is in runs (a class's
  or a family's).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.discover import discover
from lockwise.effects.refused import refusal
from lockwise.graph.build import build_graph
from server_helpers import server_error
from tree_helpers import write

RESET = ("DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS app CASCADE; "
         "DROP SCHEMA IF EXISTS lib CASCADE")
HASH = ("CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 =, "
        "FUNCTION 1 hashint4(int);\n")
AWAY = HASH + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n"
APP = "CREATE SCHEMA app;\n"
AMOP = 'duplicate key value violates unique constraint "pg_amop_fam_strat_index"'
AMPROC = 'duplicate key value violates unique constraint "pg_amproc_fam_proc_index"'

#: (setup, the CREATE, what lint names as there already, the server's message).
MEMBER_TAKEN = {
    "its_family_left_by_a_class_renamed_away": (
        AWAY, HASH, "operator 1(integer,integer) of operator family public.oc for access "
        "method hash", AMOP),
    "a_support_function_only": (
        AWAY, "CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS FUNCTION 1 hashint4(int);",
        "function 1(integer,integer) of operator family public.oc for access method hash",
        AMPROC),
    "a_family_named": (
        "CREATE OPERATOR FAMILY f USING hash;\n" + HASH.replace("hash AS", "hash FAMILY f AS"),
        HASH.replace("CLASS oc", "CLASS ob").replace("hash AS", "hash FAMILY f AS"),
        "operator 1(integer,integer) of operator family public.f for access method hash", AMOP),
    "btree_the_operators_first": (
        "CREATE OPERATOR CLASS oc FOR TYPE int USING btree AS OPERATOR 1 <, OPERATOR 3 =, "
        "FUNCTION 1 btint4cmp(int, int);\nALTER OPERATOR CLASS oc USING btree RENAME TO od;\n",
        "CREATE OPERATOR CLASS oc FOR TYPE int USING btree AS FUNCTION 1 btint4cmp(int, int), "
        "OPERATOR 3 =;",
        "operator 3(integer,integer) of operator family public.oc for access method btree",
        AMOP),
    "in_another_schema": (
        APP + AWAY.replace("CLASS oc", "CLASS app.oc"), HASH.replace("CLASS oc", "CLASS app.oc"),
        "operator 1(integer,integer) of operator family app.oc for access method hash", AMOP),
}

#: (setup, the CREATE): it runs.
MEMBER_FREE = {
    "another_type": (AWAY, "CREATE OPERATOR CLASS oc FOR TYPE bigint USING hash AS "
                           "OPERATOR 1 =, FUNCTION 1 hashint8(bigint);"),
    "the_class_dropped": (HASH + "DROP OPERATOR CLASS oc USING hash;\n", HASH),
    "an_empty_family": ("CREATE OPERATOR FAMILY oc USING hash;\n", HASH),
    "renamed_away_with_its_family": (
        AWAY + "ALTER OPERATOR FAMILY oc USING hash RENAME TO od;\n", HASH),
}


@pytest.mark.parametrize("case", MEMBER_TAKEN)
def test_a_member_the_family_holds_is_said(case: str) -> None:
    setup, sql, holder, _ = MEMBER_TAKEN[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "name_taken"
    assert effect.actions[0].facts["existing_object"] == holder


@pytest.mark.parametrize("case", MEMBER_FREE)
def test_a_member_the_family_lacks_is_not(case: str) -> None:
    assert refusal(effect_after(*MEMBER_FREE[case])) == ""


def test_the_refused_class_is_not_kept() -> None:
    catalog = catalog_after(AWAY + HASH.replace("FOR TYPE int", "DEFAULT FOR TYPE int"))
    assert ("public.oc", "hash") not in catalog.operator_classes


@pytest.mark.postgres
def test_the_server_refuses_a_member_the_family_holds(pg_db: str) -> None:
    for case, (setup, sql, _, message) in MEMBER_TAKEN.items():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "23505", case
        assert error.diag.message_primary == message, case
    for case, (setup, sql) in MEMBER_FREE.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case


SUPPORT = ("CREATE FUNCTION bh(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';\n"
           "CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 =, "
           "FUNCTION 1 bh(int);\n")
RENAMED = SUPPORT + "ALTER FUNCTION bh(int) RENAME TO bx;\n"
MOVED = APP + SUPPORT + "ALTER FUNCTION bh(int) SET SCHEMA app;\n"
SCHEMA_RENAMED = (APP + SUPPORT.replace("bh", "app.bh") + "ALTER SCHEMA app RENAME TO lib;\n")
INDEX = "CREATE TABLE t (n int);\nCREATE INDEX ti ON t USING hash (n {});\n"
DEPENDS = "operator class {} for access method {} depends on function {}"

#: (setup, the DROP FUNCTION, the server's DETAIL lines).
FUNCTION_REFUSED = {
    "its_class": (SUPPORT, "DROP FUNCTION bh(int);", [DEPENDS.format("oc", "hash", "bh(integer)")]),
    "renamed": (RENAMED, "DROP FUNCTION bx(int);", [DEPENDS.format("oc", "hash", "bx(integer)")]),
    "moved": (MOVED, "DROP FUNCTION app.bh(int);",
              [DEPENDS.format("oc", "hash", "app.bh(integer)")]),
    "its_schema_renamed": (SCHEMA_RENAMED, "DROP FUNCTION lib.bh(int);",
                           [DEPENDS.format("oc", "hash", "lib.bh(integer)")]),
    "btree_renamed_no_argument_types": (
        "CREATE FUNCTION bc(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 0';\n"
        "CREATE OPERATOR CLASS oc FOR TYPE int USING btree AS OPERATOR 1 <, OPERATOR 3 =, "
        "FUNCTION 1 bc(int, int);\nALTER FUNCTION bc RENAME TO bd;\n", "DROP FUNCTION bd;",
        [DEPENDS.format("oc", "btree", "bd(integer,integer)")]),
    "with_an_index": (RENAMED + INDEX.format("oc"), "DROP FUNCTION bx;",
                      [DEPENDS.format("oc", "hash", "bx(integer)"),
                       "index ti depends on operator class oc for access method hash"]),
    "two_classes": (
        SUPPORT.replace("CLASS oc", "CLASS oa") + SUPPORT.split("\n", 1)[1].replace(
            "CLASS oc", "CLASS ob") + INDEX.format("ob"), "DROP FUNCTION bh(int);",
        [DEPENDS.format("oa", "hash", "bh(integer)"), DEPENDS.format("ob", "hash", "bh(integer)"),
         "index ti depends on operator class ob for access method hash"]),
    "each_class_then_its_indexes": (
        SUPPORT + INDEX.format("oc") + "CREATE INDEX tj ON t USING hash (n oc);\n"
        + SUPPORT.split("\n", 1)[1].replace("CLASS oc", "CLASS oa")
        + "CREATE INDEX tk ON t USING hash (n oa);\n", "DROP FUNCTION bh(int);",
        [DEPENDS.format("oc", "hash", "bh(integer)"),
         "index ti depends on operator class oc for access method hash",
         "index tj depends on operator class oc for access method hash",
         DEPENDS.format("oa", "hash", "bh(integer)"),
         "index tk depends on operator class oa for access method hash"]),
}

#: (setup, the DROP FUNCTION): it runs.
FUNCTION_FREE = {
    "the_old_name_made_again": (
        RENAMED + SUPPORT.split("\n", 1)[0] + "\n", "DROP FUNCTION bh(int);"),
    "a_cross_type_support_function": (
        "CREATE FUNCTION bc(int, bigint) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 0';\n"
        "CREATE OPERATOR FAMILY f USING btree;\nCREATE OPERATOR CLASS oc FOR TYPE int USING "
        "btree FAMILY f AS OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 btint4cmp(int, int), "
        "FUNCTION 1 (int, bigint) bc(int, bigint);\n", "DROP FUNCTION bc(int, bigint);"),
    "its_class_dropped": (RENAMED + "DROP OPERATOR CLASS oc USING hash;\n",
                          "DROP FUNCTION bx(int);"),
    "made_again_after_cascade": (
        SUPPORT + "DROP FUNCTION bh(int) CASCADE;\n" + SUPPORT.split("\n", 1)[0] + "\n",
        "DROP FUNCTION bh(int);"),
}


def _refused_facts(setup: str, sql: str) -> dict:
    effect = effect_after(setup, sql)
    assert refusal(effect) == "refused_function_drop", sql
    return dict(effect.actions[0].facts)


@pytest.mark.parametrize("case", FUNCTION_REFUSED)
def test_a_class_s_support_function_drop_is_refused(case: str) -> None:
    setup, sql, detail = FUNCTION_REFUSED[case]
    assert _refused_facts(setup, sql)["refused_function_drop_text"] == "; ".join(detail)


@pytest.mark.parametrize("case", FUNCTION_FREE)
def test_a_support_function_no_class_requires_is_not(case: str) -> None:
    assert refusal(effect_after(*FUNCTION_FREE[case])) == ""


def test_the_steps_drop_the_index_then_the_class() -> None:
    setup, sql, _ = FUNCTION_REFUSED["with_an_index"]
    assert _refused_facts(setup, sql)["refused_function_drop_sql"] == (
        "DROP INDEX ti;\nDROP OPERATOR CLASS oc USING hash;\nDROP FUNCTION bx(int4);")


def test_the_graph_says_the_class_in_another_migration(tmp_path: Path) -> None:
    root = write(tmp_path, {"1_a.sql": RENAMED, "2_b.sql": "DROP FUNCTION bx(int);\n"})
    (said,) = [c.explanation for c in build_graph(discover(root)).conflicts
               if c.kind == "dependency-dropped"]
    assert "operator class public.oc USING hash requires it as its support function" in said


@pytest.mark.postgres
def test_the_server_refuses_a_class_s_support_function_drop(pg_db: str) -> None:
    for case, (setup, sql, detail) in FUNCTION_REFUSED.items():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "2BP01", case
        assert error.diag.message_detail == "\n".join(detail), case
        steps = _refused_facts(setup, sql)["refused_function_drop_sql"].rsplit("\n", 1)[0]
        assert server_error(pg_db, [RESET, setup, steps], sql) is None, case
    for case, (setup, sql) in FUNCTION_FREE.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case


#: (setup, the ALTER, the member the server names): refused, the class requires it.
MEMBER_NAMED = {
    "renamed": (RENAMED, "bx(integer)"),
    "moved": (MOVED, "app.bh(integer)"),
    "its_schema_renamed": (SCHEMA_RENAMED, "lib.bh(integer)"),
}
MEMBER_DROP = "ALTER OPERATOR FAMILY oc USING hash DROP FUNCTION 1 (int);"


def _member_error(member: str) -> str:
    return (f"cannot drop function 1 (integer, integer) of operator family oc for access method "
            f"hash: {member} because operator class oc for access method hash requires it")


@pytest.mark.parametrize("case", MEMBER_NAMED)
def test_the_member_drop_names_the_function_by_its_new_name(case: str) -> None:
    setup, member = MEMBER_NAMED[case]
    effect = effect_after(setup, MEMBER_DROP)
    assert refusal(effect) == "refused_member_drop"
    assert effect.actions[0].facts["refused_member_drop_error"] == _member_error(member)


@pytest.mark.postgres
def test_the_server_names_the_member_by_its_new_name(pg_db: str) -> None:
    for case, (setup, member) in MEMBER_NAMED.items():
        error = server_error(pg_db, [RESET, setup], MEMBER_DROP)
        assert error is not None and error.sqlstate == "2BP01", case
        assert error.diag.message_primary == _member_error(member), case


GONE_THEN_RENAMED = (
    APP + "CREATE OPERATOR FAMILY app.f USING btree;\n"
    "CREATE OPERATOR CLASS app.oc FOR TYPE int USING btree FAMILY app.f AS OPERATOR 1 <, "
    "OPERATOR 3 =, FUNCTION 1 btint4cmp(int, int);\nDROP OPERATOR CLASS app.oc USING btree;\n"
    "ALTER SCHEMA app RENAME TO lib;\n",
    "ALTER OPERATOR FAMILY lib.f USING btree DROP OPERATOR 1 (int, int);",
    'operator 1(integer,integer) does not exist in operator family "lib.f"')


def test_a_member_gone_stays_gone_when_its_schema_is_renamed() -> None:
    setup, sql, message = GONE_THEN_RENAMED
    effect = effect_after(setup, sql)
    assert refusal(effect) == "object_missing"
    assert effect.actions[0].facts["missing_object_error"] == message


@pytest.mark.postgres
def test_the_server_keeps_the_member_gone(pg_db: str) -> None:
    setup, sql, message = GONE_THEN_RENAMED
    error = server_error(pg_db, [RESET, setup], sql)
    assert error is not None and error.sqlstate == "42704"
    assert error.diag.message_primary == message


OD = "CREATE OPERATOR CLASS od FOR TYPE bigint USING hash AS OPERATOR 1 =, " \
     "FUNCTION 1 hashint8(bigint);\n"
TAKEN = 'operator class "{}" for access method "hash" already exists in schema "{}"'

#: (setup, the ALTER, what lint names as holding the name, the server's message).
CLASS_MOVED_ONTO = {
    "renamed_onto_a_class": (HASH + OD, "ALTER OPERATOR CLASS oc USING hash RENAME TO od;",
                             "operator class public.od for access method hash",
                             TAKEN.format("od", "public")),
    "renamed_to_its_own_name": (HASH, "ALTER OPERATOR CLASS oc USING hash RENAME TO oc;",
                                "operator class public.oc for access method hash",
                                TAKEN.format("oc", "public")),
    "moved_onto_a_class": (APP + HASH + OD.replace("CLASS od", "CLASS app.oc"),
                           "ALTER OPERATOR CLASS oc USING hash SET SCHEMA app;",
                           "operator class app.oc for access method hash",
                           TAKEN.format("oc", "app")),
}

#: (setup, the ALTER): it runs.
CLASS_MOVED_FREE = {
    "onto_another_access_method": (
        HASH + "CREATE OPERATOR CLASS od FOR TYPE int USING btree AS OPERATOR 1 <, "
        "OPERATOR 3 =, FUNCTION 1 btint4cmp(int, int);\n",
        "ALTER OPERATOR CLASS oc USING hash RENAME TO od;"),
    "a_class_to_its_own_schema": (HASH, "ALTER OPERATOR CLASS oc USING hash SET SCHEMA public;"),
    "a_family_to_its_own_schema": (HASH, "ALTER OPERATOR FAMILY oc USING hash SET SCHEMA public;"),
}


@pytest.mark.parametrize("case", CLASS_MOVED_ONTO)
def test_a_class_moved_onto_a_taken_name_is_said(case: str) -> None:
    setup, sql, holder, message = CLASS_MOVED_ONTO[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "name_taken"
    facts = effect.actions[0].facts
    assert facts["existing_object"] == holder
    assert facts.get("set_schema_refused_text", message) == message


@pytest.mark.parametrize("case", CLASS_MOVED_FREE)
def test_a_class_moved_onto_a_free_name_is_not(case: str) -> None:
    assert refusal(effect_after(*CLASS_MOVED_FREE[case])) == ""


def test_the_refused_rename_moves_nothing() -> None:
    catalog = catalog_after(HASH + OD + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n")
    assert catalog.operator_class_families[("public.od", "hash")] == "public.od"
    assert ("public.oc", "hash") in catalog.operator_classes


@pytest.mark.postgres
def test_the_server_refuses_a_class_moved_onto_a_taken_name(pg_db: str) -> None:
    for case, (setup, sql, _, message) in CLASS_MOVED_ONTO.items():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "42710", case
        assert error.diag.message_primary == message, case
    for case, (setup, sql) in CLASS_MOVED_FREE.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case
