"""CREATE OPERATOR CLASS ... DEFAULT FOR TYPE of a user type the migrations already made a
default class for, for the same access method (fix-pg116, each case checked on the embedded
PostgreSQL 18.6 too): the server refuses it (42710 "could not make operator class "ob" be
default for type mood", DETAIL "Operator class "oa" already is the default."), and lint says
so (object-already-exists). The first class renamed or moved is the default still; dropped,
made without DEFAULT, of another access method or another type, it is no obstacle.
"""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import refusal
from server_helpers import server_error

RESET = "DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS app CASCADE"
MOOD = "CREATE TYPE mood AS ENUM ('sad', 'ok');\n"
CLASS = ("CREATE OPERATOR CLASS {name} DEFAULT FOR TYPE {type} USING hash AS "
         "OPERATOR 1 = (anyenum, anyenum), FUNCTION 1 hashenum(anyenum);\n")
OA = MOOD + CLASS.format(name="oa", type="mood")
OB = CLASS.format(name="ob", type="mood")
BTREE = ("CREATE OPERATOR CLASS {name} DEFAULT FOR TYPE mood USING btree AS "
         "OPERATOR 1 < (anyenum, anyenum), OPERATOR 3 = (anyenum, anyenum), "
         "FUNCTION 1 enum_cmp(anyenum, anyenum);\n")

#: (setup, the CREATE, the class lint names, the server's message, its DETAIL).
REFUSED = {
    "a_default_made": (
        OA, OB, "default operator class public.oa for access method hash of type mood",
        'could not make operator class "ob" be default for type mood',
        'Operator class "oa" already is the default.'),
    "btree": (
        MOOD + BTREE.format(name="oa"), BTREE.format(name="ob"),
        "default operator class public.oa for access method btree of type mood",
        'could not make operator class "ob" be default for type mood',
        'Operator class "oa" already is the default.'),
    "the_first_renamed": (
        OA + "ALTER OPERATOR CLASS oa USING hash RENAME TO oz;\n", OB,
        "default operator class public.oz for access method hash of type mood",
        'could not make operator class "ob" be default for type mood',
        'Operator class "oz" already is the default.'),
    "the_first_moved": (
        OA + "CREATE SCHEMA app;\nALTER OPERATOR CLASS oa USING hash SET SCHEMA app;\n", OB,
        "default operator class app.oa for access method hash of type mood",
        'could not make operator class "ob" be default for type mood',
        'Operator class "oa" already is the default.'),
    "the_type_renamed": (
        OA + "ALTER TYPE mood RENAME TO feeling;\n", CLASS.format(name="ob", type="feeling"),
        "default operator class public.oa for access method hash of type feeling",
        'could not make operator class "ob" be default for type feeling',
        'Operator class "oa" already is the default.'),
    "the_type_in_another_schema": (
        "CREATE SCHEMA app;\n" + OA.replace("mood", "app.mood"),
        OB.replace("mood", "app.mood"),
        "default operator class public.oa for access method hash of type app.mood",
        'could not make operator class "ob" be default for type app.mood',
        'Operator class "oa" already is the default.'),
    "its_name_taken_first": (
        OA, CLASS.format(name="oa", type="mood"),
        "operator class public.oa for access method hash",
        'operator class "oa" for access method "hash" already exists',
        None),
}

#: (setup, the CREATE): it runs.
FREE = {
    "the_first_dropped": (OA + "DROP OPERATOR CLASS oa USING hash;\n", OB),
    "the_first_not_default": (MOOD + CLASS.format(name="oa", type="mood").replace(
        " DEFAULT", ""), OB),
    "this_one_not_default": (OA, OB.replace(" DEFAULT", "")),
    "another_access_method": (OA, BTREE.format(name="ob")),
    "another_type": (OA + "CREATE TYPE hue AS ENUM ('red');\n",
                     CLASS.format(name="ob", type="hue")),
    "no_class_made": (MOOD, OB),
    # (the refused second default is not made: its name is free once the first is gone)
    "the_refused_one_made_again": (OA + OB + "DROP OPERATOR CLASS oa USING hash;\n", OB),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_second_default_is_said(case: str) -> None:
    setup, sql, holder, _, _ = REFUSED[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "name_taken"
    assert effect.actions[0].facts["existing_object"] == holder


@pytest.mark.parametrize("case", FREE)
def test_no_default_in_the_way_is_not(case: str) -> None:
    assert refusal(effect_after(*FREE[case])) == ""


def test_a_built_in_type_s_default_is_not_guessed() -> None:
    # (int4_ops is hash's default for int; the catalog does not know built-in defaults, so
    # the first class, refused on the server, is what lint keeps and nothing more is said)
    made = ("CREATE OPERATOR CLASS oa DEFAULT FOR TYPE int USING hash AS OPERATOR 1 =, "
            "FUNCTION 1 hashint4(int);\n")
    assert refusal(effect_after(made, made.replace("oa", "ob"))) == ""


@pytest.mark.postgres
def test_the_server_refuses_a_second_default(pg_db: str) -> None:
    for case, (setup, sql, _, message, detail) in REFUSED.items():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "42710", case
        assert error.diag.message_primary == message, case
        assert error.diag.message_detail == detail, case
    for case, (setup, sql) in FREE.items():
        # (a setup's refused CREATE is run apart, as a migration's error would stop it)
        first, *rest = setup.split(OB)
        steps = [RESET, first]
        for step in rest:
            assert server_error(pg_db, steps, OB) is not None, case
            steps.append(step)
        assert server_error(pg_db, steps, sql) is None, case
