"""Operator families and classes taken or gone (fix-pg104, checked on 18.6).

CREATE OPERATOR FAMILY of a name and access method a family has (one CREATE OPERATOR FAMILY
made, or a CREATE OPERATOR CLASS without FAMILY) is refused (42710), and so is ALTER
OPERATOR FAMILY ... RENAME TO such a name: lint says so (object-already-exists,
rename-onto-taken-name). An ALTER (ADD, DROP, RENAME, OWNER, SET SCHEMA) or DROP of a family
an earlier migration dropped or renamed away is refused (42704), and a DROP OPERATOR CLASS
of a class that went with its family: the conflict graph says so (missing-object), keyed by
the access method (`btree operator family public.f`), so a family made again, a class's
family left after its class went, or one of another access method is no obstacle. Each case
runs on the embedded server too."""

from __future__ import annotations

from pathlib import Path

import pytest

from effect_helpers import effect_after
from lockwise.discover import discover
from lockwise.effects.refused import refusal
from lockwise.graph.build import build_graph
from server_helpers import server_error, server_message
from tree_helpers import write

RESET = "DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS app CASCADE"
FAM = "CREATE OPERATOR FAMILY f USING btree;\n"
CLASS = ("CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 =, "
         "FUNCTION 1 hashint4(int);\n")
EXISTS = 'operator family "{}" for access method "{}" already exists'

#: (setup, the statement, what lint names as holding the name, the server's message).
TAKEN = {
    "create_again": (FAM, FAM, "operator family public.f for access method btree",
                     EXISTS.format("f", "btree")),
    "the_family_of_a_class": (CLASS, "CREATE OPERATOR FAMILY oc USING hash;",
                              "operator family public.oc for access method hash",
                              EXISTS.format("oc", "hash")),
    "renamed_onto": (FAM + "CREATE OPERATOR FAMILY g USING btree;\n",
                     "ALTER OPERATOR FAMILY f USING btree RENAME TO g;",
                     "operator family public.g for access method btree",
                     EXISTS.format("g", "btree") + ' in schema "public"'),
}

#: (setup, the statement): it runs, nothing said.
FREE = {
    "another_access_method": (FAM, "CREATE OPERATOR FAMILY f USING hash;"),
    "another_schema": ("CREATE SCHEMA app;\nCREATE OPERATOR FAMILY app.f USING btree;\n", FAM),
    "dropped_since": (FAM + "DROP OPERATOR FAMILY f USING btree;\n", FAM),
    "renamed_away": (FAM + "ALTER OPERATOR FAMILY f USING btree RENAME TO g;\n", FAM),
    "renamed_onto_another_access_method": (
        FAM + "CREATE OPERATOR FAMILY g USING hash;\n",
        "ALTER OPERATOR FAMILY f USING btree RENAME TO g;"),
}


@pytest.mark.parametrize("case", TAKEN)
def test_a_taken_family_name_is_said(case: str) -> None:
    setup, sql, holder, _ = TAKEN[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "name_taken"
    assert effect.actions[0].facts["existing_object"] == holder


@pytest.mark.parametrize("case", FREE)
def test_a_free_family_name_is_not(case: str) -> None:
    assert refusal(effect_after(*FREE[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_the_taken_names_only(pg_db: str) -> None:
    for setup, sql, _, message in TAKEN.values():
        error = server_error(pg_db, [RESET, setup], sql)
        assert error is not None and error.sqlstate == "42710"
        assert error.diag.message_primary == message
    for setup, sql in FREE.values():
        assert server_error(pg_db, [RESET, setup], sql) is None


GONE = 'operator family "f" does not exist for access method "btree"'
DROPPED = "CREATE SCHEMA app;\n" + FAM + "DROP OPERATOR FAMILY f USING btree;\n"
IN_FAMILY = ("CREATE OPERATOR FAMILY fam USING hash;\n"
             + CLASS.replace("hash AS", "hash FAMILY fam AS"))

#: (the earlier migration, the later one, the server's message): the later one fails.
MISSING = {
    "add_after_drop": (DROPPED, "ALTER OPERATOR FAMILY f USING btree ADD OPERATOR 1 < (int, int);",
                       GONE),
    "rename_after_drop": (DROPPED, "ALTER OPERATOR FAMILY f USING btree RENAME TO g;", GONE),
    "owner_after_drop": (DROPPED, "ALTER OPERATOR FAMILY f USING btree OWNER TO CURRENT_USER;",
                         GONE),
    "set_schema_after_drop": (DROPPED, "ALTER OPERATOR FAMILY f USING btree SET SCHEMA app;",
                              GONE),
    "drop_after_drop": (DROPPED, "DROP OPERATOR FAMILY f USING btree;", GONE),
    "alter_after_rename": (FAM + "ALTER OPERATOR FAMILY f USING btree RENAME TO g;\n",
                           "ALTER OPERATOR FAMILY f USING btree DROP OPERATOR 1 (int, int);",
                           GONE),
    "class_gone_with_its_family": (IN_FAMILY + "DROP OPERATOR FAMILY fam USING hash;\n",
                                   "DROP OPERATOR CLASS oc USING hash;",
                                   'operator class "oc" does not exist for access method "hash"'),
}

#: (the earlier migration, the later one): it runs, no conflict.
THERE = {
    "made_again": (DROPPED + FAM, "DROP OPERATOR FAMILY f USING btree;"),
    "the_family_stays_after_its_class": (CLASS + "DROP OPERATOR CLASS oc USING hash;\n",
                                         "DROP OPERATOR FAMILY oc USING hash;"),
    "if_exists": (DROPPED, "DROP OPERATOR FAMILY IF EXISTS f USING btree;"),
    "another_access_method_dropped": (
        FAM + "CREATE OPERATOR FAMILY f USING hash;\nDROP OPERATOR FAMILY f USING hash;\n",
        "ALTER OPERATOR FAMILY f USING btree OWNER TO CURRENT_USER;"),
    "moved_and_named_so": (
        "CREATE SCHEMA app;\n" + FAM + "ALTER OPERATOR FAMILY f USING btree SET SCHEMA app;\n",
        "ALTER OPERATOR FAMILY app.f USING btree RENAME TO g;"),
}


def _missing(tmp_path: Path, earlier: str, later: str) -> list[str]:
    root = write(tmp_path, {"1_earlier.sql": earlier, "2_later.sql": later})
    return [c.explanation for c in build_graph(discover(root)).conflicts
            if c.kind == "missing-object"]


@pytest.mark.parametrize("case", MISSING)
def test_a_gone_family_or_class_is_said(tmp_path: Path, case: str) -> None:
    earlier, later, _ = MISSING[case]
    (said,) = _missing(tmp_path, earlier, later)
    kind = "class public.oc" if "CLASS" in later else "family public.f"
    assert f"operator {kind}, which was" in said, said


@pytest.mark.parametrize("case", THERE)
def test_one_that_is_there_is_not(tmp_path: Path, case: str) -> None:
    assert _missing(tmp_path, *THERE[case]) == []


@pytest.mark.postgres
def test_the_server_refuses_the_gone_ones_only(pg_db: str) -> None:
    for earlier, later, message in MISSING.values():
        assert server_message(pg_db, [RESET, earlier], later) == message
    for earlier, later in THERE.values():
        assert server_error(pg_db, [RESET, earlier], later) is None
