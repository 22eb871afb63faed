"""The replay of operator families and of what a support function's CASCADE takes (fix-pg113,
each case checked on the embedded PostgreSQL 18.6 too).

- ALTER OPERATOR FAMILY ... RENAME TO / SET SCHEMA onto a kept family's name is refused
  (42710): the catalog keeps the family where it was, so a later CREATE OPERATOR FAMILY of its
  name is still refused, and one of the name it did not take runs.
- DROP FUNCTION ... CASCADE of a class's support function drops the indexes using the class
  with it: a later CREATE INDEX of such a name runs, and a DROP INDEX of it fails (42704).
- DROP OPERATOR CLASS / FAMILY ... CASCADE likewise drops the indexes using the class, or a
  class of the family (fix-pg114): the conflict graph says a later DROP INDEX of one fails
  (missing-object), and lint takes DROP INDEX IF EXISTS of it for a NOTICE.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.discover import discover
from lockwise.effects.refused import refusal
from lockwise.graph.build import build_graph
from server_helpers import server_error

RESET = "DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS app CASCADE"
TWO = "CREATE OPERATOR FAMILY f USING hash;\nCREATE OPERATOR FAMILY g USING hash;\n"
RENAMED = TWO + "ALTER OPERATOR FAMILY f USING hash RENAME TO g;\n"
MOVED = ("CREATE SCHEMA app;\nCREATE OPERATOR FAMILY f USING hash;\n"
         "CREATE OPERATOR FAMILY app.f USING hash;\nALTER OPERATOR FAMILY f USING hash "
         "SET SCHEMA app;\n")
TAKEN = 'operator family "{}" for access method "hash" already exists in schema "{}"'

#: (the setup ending in a refused move, what the move would have made, its message).
REFUSED_MOVES = {
    "renamed_onto_a_family": (RENAMED, TAKEN.format("g", "public")),
    "moved_onto_a_family": (MOVED, TAKEN.format("f", "app")),
}
STAYS = "CREATE OPERATOR FAMILY f USING hash;"


@pytest.mark.parametrize("case", REFUSED_MOVES)
def test_a_refused_family_move_keeps_the_family_where_it_was(case: str) -> None:
    setup, _ = REFUSED_MOVES[case]
    assert ("public.f", "hash") in catalog_after(setup).operator_families
    effect = effect_after(setup, STAYS)
    assert refusal(effect) == "name_taken"
    assert effect.actions[0].facts["existing_object"] == \
        "operator family public.f for access method hash"


@pytest.mark.postgres
def test_the_server_refuses_the_move_and_keeps_the_family(pg_db: str) -> None:
    for case, (setup, message) in REFUSED_MOVES.items():
        last = setup.rstrip("\n").rsplit("\n", 1)
        error = server_error(pg_db, [RESET, last[0]], last[1])
        assert error is not None and error.sqlstate == "42710", case
        assert error.diag.message_primary == message, case
        error = server_error(pg_db, [RESET, last[0]], STAYS)
        assert error is not None and error.sqlstate == "42710", case


SUPPORT = ("CREATE FUNCTION bh(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';\n"
           "CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 =, "
           "FUNCTION 1 bh(int);\nCREATE TABLE t (n int);\n")
CASCADED = {
    "named": SUPPORT + "CREATE INDEX ti ON t USING hash (n oc);\n"
                       "DROP FUNCTION bh(int) CASCADE;\n",
    "by_default": (
        "CREATE TYPE mood AS ENUM ('a');\nCREATE FUNCTION bh(mood) RETURNS int LANGUAGE sql "
        "IMMUTABLE AS 'SELECT 0';\nCREATE OPERATOR CLASS oc DEFAULT FOR TYPE mood USING hash "
        "AS OPERATOR 1 = (anyenum, anyenum), FUNCTION 1 bh(mood);\nCREATE TABLE t (n mood);\n"
        "CREATE INDEX ti ON t USING hash (n);\nDROP FUNCTION bh(mood) CASCADE;\n"),
}
AGAIN = "CREATE INDEX ti ON t USING hash (n);"
DROP = "DROP INDEX ti;"


def _missing(tmp_path: Path, setup: str) -> list[str]:
    """The objects the conflict graph says a later migration's DROP INDEX ti finds gone."""
    (tmp_path / "1_setup.sql").write_text(setup)
    (tmp_path / "2_drop.sql").write_text(DROP + "\n")
    return [c.object for c in build_graph(discover(tmp_path)).conflicts
            if c.kind == "missing-object"]


def _index_missing(setup: str) -> bool:
    """Whether lint takes DROP INDEX IF EXISTS ti after `setup` for a NOTICE, nothing
    locked (the replay dropped the index)."""
    effect = effect_after(setup, "DROP INDEX IF EXISTS ti;")
    return bool(effect.actions[0].facts.get("index_missing")) and not effect.locks


@pytest.mark.parametrize("case", CASCADED)
def test_the_cascade_drops_the_indexes_using_the_class(case: str) -> None:
    catalog = catalog_after(CASCADED[case])
    assert "public.ti" not in catalog.indexes
    assert "public.t" in catalog.tables
    assert refusal(effect_after(CASCADED[case], AGAIN)) == ""


@pytest.mark.parametrize("case", CASCADED)
def test_the_graph_knows_the_cascade_dropped_the_index(case: str, tmp_path: Path) -> None:
    assert _missing(tmp_path, CASCADED[case]) == ["index:public.ti"]
    assert _index_missing(CASCADED[case])


def test_an_index_on_another_class_stays(tmp_path: Path) -> None:
    setup = SUPPORT + "CREATE INDEX ti ON t USING hash (n);\nDROP FUNCTION bh(int) CASCADE;\n"
    assert "public.ti" in catalog_after(setup).indexes
    assert _missing(tmp_path, setup) == []


@pytest.mark.postgres
def test_the_server_drops_the_indexes_with_the_class(pg_db: str) -> None:
    for case, setup in CASCADED.items():
        assert server_error(pg_db, [RESET, setup], AGAIN) is None, case
        error = server_error(pg_db, [RESET, setup], DROP)
        assert error is not None and error.sqlstate == "42704", case
    setup = SUPPORT + "CREATE INDEX ti ON t USING hash (n);\nDROP FUNCTION bh(int) CASCADE;\n"
    error = server_error(pg_db, [RESET, setup], AGAIN)
    assert error is not None and error.sqlstate == "42P07"


#: DROP OPERATOR CLASS / FAMILY ... CASCADE of a class an index uses (naming it, or by its
#: DEFAULT for the column's type), or of its family (fix-pg114).
DEFAULT = ("CREATE TYPE mood AS ENUM ('a');\nCREATE OPERATOR CLASS oc DEFAULT FOR TYPE mood "
           "USING hash AS OPERATOR 1 = (anyenum, anyenum), FUNCTION 1 hashenum(anyenum);\n"
           "CREATE TABLE t (n mood);\nCREATE INDEX ti ON t USING hash (n);\n")
NAMED = SUPPORT + "CREATE INDEX ti ON t USING hash (n oc);\n"
IN_FAMILY = ("CREATE OPERATOR FAMILY f USING hash;\n" + NAMED.replace(
    "USING hash AS", "USING hash FAMILY f AS"))
CLASS_CASCADED = {
    "class_named": NAMED + "DROP OPERATOR CLASS oc USING hash CASCADE;\n",
    "class_by_default": DEFAULT + "DROP OPERATOR CLASS oc USING hash CASCADE;\n",
    "its_own_family": NAMED + "DROP OPERATOR FAMILY oc USING hash CASCADE;\n",
    "family_by_default": DEFAULT + "DROP OPERATOR FAMILY oc USING hash CASCADE;\n",
    "family_named": IN_FAMILY + "DROP OPERATOR FAMILY f USING hash CASCADE;\n",
}
#: The same of another class or family than the index's: it stays (42P07 for its name).
CLASS_KEPT = {
    "another_class": NAMED + "CREATE OPERATOR CLASS od FOR TYPE int USING hash AS "
                             "OPERATOR 1 =, FUNCTION 1 hashint4(int);\n"
                             "DROP OPERATOR CLASS od USING hash CASCADE;\n",
    "another_family": IN_FAMILY + "CREATE OPERATOR FAMILY g USING hash;\n"
                                  "DROP OPERATOR FAMILY g USING hash CASCADE;\n",
}


@pytest.mark.parametrize("case", CLASS_CASCADED)
def test_a_class_or_family_cascade_drops_the_indexes_using_it(case: str, tmp_path: Path
                                                              ) -> None:
    catalog = catalog_after(CLASS_CASCADED[case])
    assert "public.ti" not in catalog.indexes
    assert "public.t" in catalog.tables
    assert refusal(effect_after(CLASS_CASCADED[case], AGAIN)) == ""
    assert _index_missing(CLASS_CASCADED[case])
    assert _missing(tmp_path, CLASS_CASCADED[case]) == ["index:public.ti"]


@pytest.mark.parametrize("case", CLASS_KEPT)
def test_a_cascade_of_another_class_or_family_keeps_the_index(case: str, tmp_path: Path
                                                              ) -> None:
    assert "public.ti" in catalog_after(CLASS_KEPT[case]).indexes
    assert not _index_missing(CLASS_KEPT[case])
    assert _missing(tmp_path, CLASS_KEPT[case]) == []


@pytest.mark.postgres
def test_the_server_drops_the_indexes_with_the_class_or_family(pg_db: str) -> None:
    for case, setup in CLASS_CASCADED.items():
        assert server_error(pg_db, [RESET, setup], AGAIN) is None, case
        error = server_error(pg_db, [RESET, setup], DROP)
        assert error is not None and error.sqlstate == "42704", case
        assert error.diag.message_primary == 'index "ti" does not exist', case
        # (without CASCADE the server refuses: the index depends on the class)
        last = setup.rstrip("\n").rsplit("\n", 1)
        error = server_error(pg_db, [RESET, last[0]], last[1].replace(" CASCADE", ""))
        assert error is not None and error.sqlstate == "2BP01", case
    for case, setup in CLASS_KEPT.items():
        error = server_error(pg_db, [RESET, setup], AGAIN)
        assert error is not None and error.sqlstate == "42P07", case
        assert server_error(pg_db, [RESET, setup], DROP) is None, case


F = "CREATE OPERATOR FAMILY f USING hash;\n"
ADD = ("ALTER OPERATOR FAMILY f USING hash ADD OPERATOR 1 = (int, int), "
       "FUNCTION 1 hashint4(int);\n")
BTREE = ("CREATE OPERATOR FAMILY f USING btree;\nALTER OPERATOR FAMILY f USING btree ADD "
         "OPERATOR 1 < (int, int), FUNCTION 1 btint4cmp(int, int);\n")
LIB = ("CREATE SCHEMA app;\nCREATE OPERATOR FAMILY app.f USING hash;\n"
       + ADD.replace("FAMILY f", "FAMILY app.f") + "ALTER SCHEMA app RENAME TO lib;\n")
OP1 = "operator 1(integer,integer)"
FN1 = "function 1(integer,integer)"
OF_F = " of operator family public.f for access method hash"
HAS = ' already exists in operator family "{}"'

#: (setup, the ADD, what lint names as there already, the server's message).
ADD_TAKEN = {
    "an_operator_added_again": (
        F + ADD, "ALTER OPERATOR FAMILY f USING hash ADD OPERATOR 1 = (int, int);",
        OP1 + OF_F, OP1 + HAS.format("f")),
    "a_function_added_again": (
        F + ADD, "ALTER OPERATOR FAMILY f USING hash ADD FUNCTION 1 hashint4(int);",
        FN1 + OF_F, FN1 + HAS.format("f")),
    "a_function_with_its_types": (
        F + ADD, "ALTER OPERATOR FAMILY f USING hash ADD FUNCTION 1 (int, int) hashint4(int);",
        FN1 + OF_F, FN1 + HAS.format("f")),
    "the_second_item": (
        BTREE, "ALTER OPERATOR FAMILY f USING btree ADD OPERATOR 2 <= (int, int), "
        "OPERATOR 1 < (int, int);",
        OP1 + OF_F.replace("hash", "btree"), OP1 + HAS.format("f")),
    "a_cross_type_operator": (
        "CREATE OPERATOR FAMILY f USING btree;\nALTER OPERATOR FAMILY f USING btree ADD "
        "OPERATOR 1 < (int, bigint);\n",
        "ALTER OPERATOR FAMILY f USING btree ADD OPERATOR 1 < (int, bigint);",
        "operator 1(integer,bigint)" + OF_F.replace("hash", "btree"),
        "operator 1(integer,bigint)" + HAS.format("f")),
    "a_class_s_member": (
        "CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 =, "
        "FUNCTION 1 hashint4(int);\n",
        "ALTER OPERATOR FAMILY oc USING hash ADD OPERATOR 1 = (int, int);",
        OP1 + OF_F.replace("public.f", "public.oc"), OP1 + HAS.format("oc")),
    "its_family_renamed": (
        F + ADD + "ALTER OPERATOR FAMILY f USING hash RENAME TO g;\n",
        "ALTER OPERATOR FAMILY g USING hash ADD OPERATOR 1 = (int, int);",
        OP1 + OF_F.replace("public.f", "public.g"), OP1 + HAS.format("g")),
    "its_schema_renamed": (
        LIB, "ALTER OPERATOR FAMILY lib.f USING hash ADD OPERATOR 1 = (int, int);",
        OP1 + OF_F.replace("public.f", "lib.f"), OP1 + HAS.format("lib.f")),
}

#: (setup, the ADD): it runs.
ADD_FREE = {
    "another_type": (F + ADD, "ALTER OPERATOR FAMILY f USING hash ADD OPERATOR 1 = "
                              "(bigint, bigint);"),
    "dropped_since": (F + ADD + "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int);\n",
                      "ALTER OPERATOR FAMILY f USING hash ADD OPERATOR 1 = (int, int);"),
    "the_family_made_again": (
        F + ADD + "DROP OPERATOR FAMILY f USING hash;\n" + F,
        "ALTER OPERATOR FAMILY f USING hash ADD OPERATOR 1 = (int, int);"),
    "the_family_renamed_away": (
        F + ADD + "ALTER OPERATOR FAMILY f USING hash RENAME TO g;\n" + F,
        "ALTER OPERATOR FAMILY f USING hash ADD OPERATOR 1 = (int, int);"),
}


@pytest.mark.parametrize("case", ADD_TAKEN)
def test_an_add_of_a_member_the_family_holds_is_said(case: str) -> None:
    setup, sql, holder, _ = ADD_TAKEN[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "name_taken"
    assert effect.actions[0].facts["existing_object"] == holder


@pytest.mark.parametrize("case", ADD_FREE)
def test_an_add_of_a_member_the_family_lacks_is_not(case: str) -> None:
    assert refusal(effect_after(*ADD_FREE[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_an_add_of_a_member_held(pg_db: str) -> None:
    for case, (setup, sql, _, message) in ADD_TAKEN.items():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "42710", case
        assert error.diag.message_primary == message, case
    for case, (setup, sql) in ADD_FREE.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case


AMOP = 'duplicate key value violates unique constraint "pg_amop_fam_strat_index"'
AMPROC = 'duplicate key value violates unique constraint "pg_amproc_fam_proc_index"'

#: (setup, the CREATE OPERATOR CLASS, what lint names as there already, the server's message).
CLASS_TAKEN = {
    "an_added_operator": (
        F + ADD, "CREATE OPERATOR CLASS oc FOR TYPE int USING hash FAMILY f AS OPERATOR 1 =, "
        "FUNCTION 1 hashint4(int);", OP1 + OF_F, AMOP),
    "an_added_function": (
        BTREE, "CREATE OPERATOR CLASS oc FOR TYPE int USING btree FAMILY f AS OPERATOR 3 =, "
        "FUNCTION 1 btint4cmp(int, int);", FN1 + OF_F.replace("hash", "btree"), AMPROC),
}

#: (setup, the CREATE OPERATOR CLASS): it runs.
CLASS_FREE = {
    "another_type_added": (
        F + ADD.replace("(int, int)", "(bigint, bigint)").replace("hashint4(int)",
                                                                 "hashint8(bigint)"),
        CLASS_TAKEN["an_added_operator"][1]),
    "the_members_dropped": (
        F + ADD + "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int), "
        "FUNCTION 1 (int);\n", CLASS_TAKEN["an_added_operator"][1]),
}


@pytest.mark.parametrize("case", CLASS_TAKEN)
def test_a_class_repeating_an_added_member_is_said(case: str) -> None:
    setup, sql, holder, _ = CLASS_TAKEN[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "name_taken"
    assert effect.actions[0].facts["existing_object"] == holder


@pytest.mark.parametrize("case", CLASS_FREE)
def test_a_class_of_members_not_added_is_not(case: str) -> None:
    assert refusal(effect_after(*CLASS_FREE[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_a_class_repeating_an_added_member(pg_db: str) -> None:
    for case, (setup, sql, _, message) in CLASS_TAKEN.items():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "23505", case
        assert error.diag.message_primary == message, case
    for case, (setup, sql) in CLASS_FREE.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case


NOT_IN = ' does not exist in operator family "{}"'

#: (setup, the DROP, the server's message, which lint repeats).
DROP_ABSENT = {
    "an_operator_never_added": (F, "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int, int);",
                                OP1 + NOT_IN.format("f")),
    "a_function_never_added": (F, "ALTER OPERATOR FAMILY f USING hash DROP FUNCTION 1 (int);",
                               FN1 + NOT_IN.format("f")),
    "dropped_already": (
        F + ADD + "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int);\n",
        "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int);", OP1 + NOT_IN.format("f")),
    "another_number": (BTREE, "ALTER OPERATOR FAMILY f USING btree DROP OPERATOR 2 (int, int);",
                       "operator 2(integer,integer)" + NOT_IN.format("f")),
    "the_second_item": (
        F + ADD, "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int), "
        "OPERATOR 1 (bigint);", "operator 1(bigint,bigint)" + NOT_IN.format("f")),
    "its_schema_renamed": (
        LIB, "ALTER OPERATOR FAMILY lib.f USING hash DROP OPERATOR 1 (bigint);",
        "operator 1(bigint,bigint)" + NOT_IN.format("lib.f")),
}

#: (setup, the DROP): it runs.
DROP_FREE = {
    "an_added_operator": (F + ADD, "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int);"),
    "an_added_function": (F + ADD, "ALTER OPERATOR FAMILY f USING hash DROP FUNCTION 1 "
                                   "(int, int);"),
    "its_family_renamed": (
        F + ADD + "ALTER OPERATOR FAMILY f USING hash RENAME TO g;\n",
        "ALTER OPERATOR FAMILY g USING hash DROP OPERATOR 1 (int);"),
    "a_class_s_cross_type_member": (
        "CREATE OPERATOR FAMILY f USING btree;\nCREATE OPERATOR CLASS oc FOR TYPE int USING "
        "btree FAMILY f AS OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 btint4cmp(int, int), "
        "OPERATOR 1 < (int, bigint);\n",
        "ALTER OPERATOR FAMILY f USING btree DROP OPERATOR 1 (int, bigint);"),
}


@pytest.mark.parametrize("case", DROP_ABSENT)
def test_a_drop_of_a_member_not_there_is_said(case: str) -> None:
    setup, sql, message = DROP_ABSENT[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "object_missing"
    assert effect.actions[0].facts["missing_object_error"] == message


@pytest.mark.parametrize("case", DROP_FREE)
def test_a_drop_of_a_member_there_is_not(case: str) -> None:
    assert refusal(effect_after(*DROP_FREE[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_a_drop_of_a_member_not_there(pg_db: str) -> None:
    for case, (setup, sql, message) in DROP_ABSENT.items():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "42704", case
        assert error.diag.message_primary == message, case
    for case, (setup, sql) in DROP_FREE.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case


GONE = ("CREATE OPERATOR FAMILY f USING hash;\nCREATE OPERATOR CLASS oc FOR TYPE int USING hash "
        "FAMILY f AS OPERATOR 1 =, FUNCTION 1 hashint4(int);\n"
        "DROP OPERATOR CLASS oc USING hash;\n")
#: (setup: the class's members gone, then an ADD of others; the DROP of one still gone, the
#: server's message): an ADD brings back only what it adds (fix-pg114).
STILL_GONE = {
    "the_function_after_the_operator": (
        GONE + "ALTER OPERATOR FAMILY f USING hash ADD OPERATOR 1 = (int, int);\n",
        "ALTER OPERATOR FAMILY f USING hash DROP FUNCTION 1 (int, int);",
        'function 1(integer,integer) does not exist in operator family "f"'),
    "the_operator_after_the_function": (
        GONE + "ALTER OPERATOR FAMILY f USING hash ADD FUNCTION 1 hashint4(int);\n",
        "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int, int);",
        'operator 1(integer,integer) does not exist in operator family "f"'),
    "the_operator_after_a_cross_type_one": (
        GONE + "ALTER OPERATOR FAMILY f USING hash ADD OPERATOR 1 = (int, bigint);\n",
        "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int, int);",
        'operator 1(integer,integer) does not exist in operator family "f"'),
}
#: (setup, the DROP of a member the ADD brought back): it runs.
BACK = {
    "the_operator": (STILL_GONE["the_function_after_the_operator"][0],
                     "ALTER OPERATOR FAMILY f USING hash DROP OPERATOR 1 (int, int);"),
    "the_function": (STILL_GONE["the_operator_after_the_function"][0],
                     "ALTER OPERATOR FAMILY f USING hash DROP FUNCTION 1 (int, int);"),
}


@pytest.mark.parametrize("case", STILL_GONE)
def test_an_add_brings_back_only_what_it_adds(case: str) -> None:
    setup, sql, message = STILL_GONE[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "object_missing"
    assert effect.actions[0].facts["missing_object_error"] == message


@pytest.mark.parametrize("case", BACK)
def test_a_member_added_back_may_be_dropped(case: str) -> None:
    assert refusal(effect_after(*BACK[case])) == ""


@pytest.mark.postgres
def test_the_server_keeps_gone_what_no_add_brought_back(pg_db: str) -> None:
    for case, (setup, sql, message) in STILL_GONE.items():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "42704", case
        assert error.diag.message_primary == message, case
    for case, (setup, sql) in BACK.items():
        assert server_error(pg_db, [RESET, setup], sql) is None, case
