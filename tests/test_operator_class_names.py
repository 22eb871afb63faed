"""Operator classes taken, families gone, members gone with their class, and a class's type
renamed (fix-pg108, each case checked on the embedded PostgreSQL 18.6 too).

- CREATE OPERATOR CLASS of a name and access method a kept class has is refused (42710
  "operator class "oc" for access method "hash" already exists"), whatever FAMILY it names:
  lint says so (object-already-exists). Another access method or schema, or a class dropped
  or renamed away since, is free.
- CREATE OPERATOR CLASS ... FAMILY f of a family an earlier statement dropped fails (42704
  "operator family "f" does not exist for access method "hash""): the conflict graph says so
  (missing-object), as for ALTER OPERATOR FAMILY (fix-pg104).
- ALTER OPERATOR FAMILY ... DROP of a member a class required, once DROP OPERATOR CLASS took
  it along, fails (42704 "operator 1(integer,integer) does not exist in operator family
  "f"", the family as written): lint says so (object-missing). Items go in order: the
  first one gone, or required by a class still there (2BP01), is the error. A cross-type
  member or sortsupport stays; a member added back, or a class made in the family since,
  may be there: nothing said.
- After ALTER TYPE mood RENAME TO feel, a class's members are of feel: DROP of a required
  one by the new name is refused (2BP01, "===(feel,feel)"), and one gone is missing by it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from effect_helpers import effect_after
from lockwise.discover import discover
from lockwise.effects.refused import refusal
from lockwise.graph.build import build_graph
from server_helpers import server_error
from tree_helpers import write

RESET = "DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS app CASCADE"
HASH = ("CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 =, "
        "FUNCTION 1 hashint4(int);\n")
BTREE = ("CREATE OPERATOR FAMILY f USING btree;\n"
         "CREATE OPERATOR CLASS oc FOR TYPE int USING btree FAMILY f AS OPERATOR 1 <, "
         "OPERATOR 3 =, FUNCTION 1 btint4cmp(int, int), OPERATOR 1 < (int, bigint), "
         "FUNCTION 2 btint4sortsupport(internal);\n")
BIGINT = ("CREATE OPERATOR CLASS ob FOR TYPE bigint USING btree FAMILY f AS OPERATOR 1 <, "
          "OPERATOR 3 =, FUNCTION 1 btint8cmp(bigint, bigint);\n")
DROPPED = "DROP OPERATOR CLASS oc USING btree;\n"
ENUM = ("CREATE TYPE mood AS ENUM ('a');\n"
        "CREATE FUNCTION mh(mood) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
        "CREATE FUNCTION me(mood, mood) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT $1 = $2';\n"
        "CREATE OPERATOR === (FUNCTION = me, LEFTARG = mood, RIGHTARG = mood);\n"
        "CREATE OPERATOR CLASS oc FOR TYPE mood USING hash AS OPERATOR 1 ===, "
        "FUNCTION 1 mh(mood);\n")
RENAMED = "ALTER TYPE mood RENAME TO feel;\n"
ALTER = "ALTER OPERATOR FAMILY f USING btree DROP "
TAKEN = 'operator class "oc" for access method "hash" already exists'

#: (setup, the CREATE, what lint names as holding the name)
CLASS_TAKEN = {
    "made_again": (HASH, HASH, "operator class public.oc for access method hash"),
    "made_again_in_its_own_family": (HASH, HASH.replace("hash AS", "hash FAMILY oc AS"),
                                     "operator class public.oc for access method hash"),
    "in_another_schema": ("CREATE SCHEMA app;\n" + HASH.replace("CLASS oc", "CLASS app.oc"),
                          HASH.replace("CLASS oc", "CLASS app.oc"),
                          "operator class app.oc for access method hash"),
}

#: (setup, the CREATE): it runs.
CLASS_FREE = {
    "another_access_method": (HASH, BTREE.split("\n", 1)[1].replace("FAMILY f ", "")),
    "another_schema": ("CREATE SCHEMA app;\n" + HASH, HASH.replace("CLASS oc", "CLASS app.oc")),
    "dropped_since": (HASH + "DROP OPERATOR CLASS oc USING hash;\n", HASH),
    "renamed_away": (HASH + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n"
                     "ALTER OPERATOR FAMILY oc USING hash RENAME TO od;\n", HASH),
}


@pytest.mark.parametrize("case", CLASS_TAKEN)
def test_a_taken_class_name_is_said(case: str) -> None:
    setup, sql, holder = CLASS_TAKEN[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "name_taken"
    assert effect.actions[0].facts["existing_object"] == holder


@pytest.mark.parametrize("case", CLASS_FREE)
def test_a_free_class_name_is_not(case: str) -> None:
    assert refusal(effect_after(*CLASS_FREE[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_the_taken_class_names_only(pg_db: str) -> None:
    for setup, sql, _ in CLASS_TAKEN.values():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "42710"
        assert error.diag.message_primary == TAKEN
    for case, (setup, sql) in CLASS_FREE.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case


FAMILY_GONE = ("CREATE OPERATOR FAMILY f USING hash;\nDROP OPERATOR FAMILY f USING hash;\n",
               HASH.replace("hash AS", "hash FAMILY f AS"))
FAMILY_BACK = (FAMILY_GONE[0] + "CREATE OPERATOR FAMILY f USING hash;\n", FAMILY_GONE[1])


def _missing(tmp_path: Path, earlier: str, later: str) -> list[str]:
    root = write(tmp_path, {"1_earlier.sql": earlier, "2_later.sql": later})
    return [c.explanation for c in build_graph(discover(root)).conflicts
            if c.kind == "missing-object"]


def test_a_class_in_a_family_dropped_before_is_said(tmp_path: Path) -> None:
    (said,) = _missing(tmp_path, *FAMILY_GONE)
    assert "hash operator family public.f, which was dropped" in said, said
    assert _missing(tmp_path / "back", *FAMILY_BACK) == []


@pytest.mark.postgres
def test_the_server_refuses_a_class_in_a_family_gone(pg_db: str) -> None:
    error = server_error(pg_db, [RESET, FAMILY_GONE[0]], FAMILY_GONE[1])
    assert error is not None and error.sqlstate == "42704"
    assert error.diag.message_primary == \
        'operator family "f" does not exist for access method "hash"'
    assert server_error(pg_db, [RESET, FAMILY_BACK[0]], FAMILY_BACK[1]) is None


#: (setup, the ALTER, the server's message): lint says object-missing with it.
MEMBER_GONE = {
    "an_operator": (BTREE + DROPPED, ALTER + "OPERATOR 1 (int, int);",
                    'operator 1(integer,integer) does not exist in operator family "f"'),
    "one_type_for_both": (BTREE + DROPPED, ALTER + "OPERATOR 3 (int);",
                          'operator 3(integer,integer) does not exist in operator family "f"'),
    "support_function_1": (BTREE + DROPPED, ALTER + "FUNCTION 1 (int, int);",
                           'function 1(integer,integer) does not exist in operator family "f"'),
    "a_hash_function_and_its_own_family": (
        HASH + "DROP OPERATOR CLASS oc USING hash;\n",
        "ALTER OPERATOR FAMILY oc USING hash DROP FUNCTION 1 (int);",
        'function 1(integer,integer) does not exist in operator family "oc"'),
    "after_a_member_that_stays": (
        BTREE + DROPPED, ALTER + "OPERATOR 1 (int, bigint), OPERATOR 1 (int, int);",
        'operator 1(integer,integer) does not exist in operator family "f"'),
    "before_one_another_class_requires": (
        BTREE + BIGINT + DROPPED, ALTER + "OPERATOR 1 (int, int), OPERATOR 1 (bigint, bigint);",
        'operator 1(integer,integer) does not exist in operator family "f"'),
    "the_family_written_qualified": (
        "CREATE SCHEMA app;\n" + BTREE.replace("FAMILY f", "FAMILY app.f") + DROPPED,
        "ALTER OPERATOR FAMILY app.f USING btree DROP OPERATOR 1 (int, int);",
        'operator 1(integer,integer) does not exist in operator family "app.f"'),
    "its_type_renamed_since": (
        ENUM + "DROP OPERATOR CLASS oc USING hash;\n" + RENAMED,
        "ALTER OPERATOR FAMILY oc USING hash DROP OPERATOR 1 (feel, feel);",
        'operator 1(feel,feel) does not exist in operator family "oc"'),
}

#: (setup, the ALTER): it runs.
MEMBER_THERE = {
    "cross_type": (BTREE + DROPPED, ALTER + "OPERATOR 1 (int, bigint);"),
    "sortsupport": (BTREE + DROPPED, ALTER + "FUNCTION 2 (int, int);"),
    "added_back": (BTREE + DROPPED + "ALTER OPERATOR FAMILY f USING btree ADD "
                   "OPERATOR 1 < (int, int);\n", ALTER + "OPERATOR 1 (int, int);"),
}
#: A class made in the family again: it requires the member (2BP01).
MADE_AGAIN = BTREE + DROPPED + BTREE.split("\n", 1)[1].split(", OPERATOR 1 < (int, bigint)")[0] \
    + ";\n"


@pytest.mark.parametrize("case", MEMBER_GONE)
def test_a_member_gone_with_its_class_is_said(case: str) -> None:
    setup, sql, message = MEMBER_GONE[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "object_missing"
    assert effect.actions[0].facts["missing_object_error"] == message


@pytest.mark.parametrize("case", MEMBER_THERE)
def test_a_member_there_is_not(case: str) -> None:
    assert refusal(effect_after(*MEMBER_THERE[case])) == ""


def test_a_member_of_a_class_made_again_is_required_again() -> None:
    assert refusal(effect_after(MADE_AGAIN, ALTER + "OPERATOR 1 (int, int);")) == \
        "refused_member_drop"


def test_the_required_member_written_first_is_the_error() -> None:
    setup = BTREE + BIGINT + DROPPED
    effect = effect_after(setup, ALTER + "OPERATOR 1 (bigint, bigint), OPERATOR 1 (int, int);")
    assert refusal(effect) == "refused_member_drop"


#: (setup, the ALTER, the member the server names): refused, the class requires it.
RENAMED_REQUIRED = {
    "its_operator": (ENUM + RENAMED,
                     "ALTER OPERATOR FAMILY oc USING hash DROP OPERATOR 1 (feel, feel);",
                     "operator 1 (feel, feel)", "===(feel,feel)"),
    "its_function": (ENUM + RENAMED, "ALTER OPERATOR FAMILY oc USING hash DROP FUNCTION 1 (feel);",
                     "function 1 (feel, feel)", "mh(feel)"),
}
#: The old name, made anew: not the class's type (the server: 42704, not said).
OLD_NAME = (ENUM + RENAMED + "CREATE TYPE mood AS ENUM ('b');\n",
            "ALTER OPERATOR FAMILY oc USING hash DROP FUNCTION 1 (mood);")


@pytest.mark.parametrize("case", RENAMED_REQUIRED)
def test_a_renamed_type_s_member_is_required_by_its_new_name(case: str) -> None:
    setup, sql, item, member = RENAMED_REQUIRED[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "refused_member_drop"
    assert effect.actions[0].facts["refused_member_drop_error"] == (
        f"cannot drop {item} of operator family oc for access method hash: {member} "
        "because operator class oc for access method hash requires it")
    assert refusal(effect_after(*OLD_NAME)) == ""


@pytest.mark.postgres
def test_the_server_agrees_on_members(pg_db: str) -> None:
    for setup, sql, message in MEMBER_GONE.values():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "42704", sql
        assert error.diag.message_primary == message
    for case, (setup, sql) in MEMBER_THERE.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case
    error = server_error(pg_db, [RESET, MADE_AGAIN], ALTER + "OPERATOR 1 (int, int);")
    assert error is not None and error.sqlstate == "2BP01"
    error = server_error(pg_db, [RESET, BTREE + BIGINT + DROPPED],
                         ALTER + "OPERATOR 1 (bigint, bigint), OPERATOR 1 (int, int);")
    assert error is not None and error.sqlstate == "2BP01"
    for setup, sql, item, member in RENAMED_REQUIRED.values():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "2BP01"
        assert error.diag.message_primary == (
            f"cannot drop {item} of operator family oc for access method hash: {member} "
            "because operator class oc for access method hash requires it")
    error = server_error(pg_db, [RESET, OLD_NAME[0]], OLD_NAME[1])
    assert error is not None and error.sqlstate == "42704"
