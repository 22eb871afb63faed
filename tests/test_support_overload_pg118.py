"""DROP FUNCTION ... CASCADE of one overload of a class's support function (fix-pg118, each
case checked on the embedded PostgreSQL 18.6 too).

The server ties an operator class to its support function by oid: the class, and the indexes
using it, go with that one overload, whichever others of the name stay, and whether the
migrations made it or not. The effect (the statement's drops the conflict graph reads) and the
replay (the catalog later statements see) both ask `operators.classes_running`; on main the
replay asked instead whether an overload it still kept took the class's types, so with the
class's overload made outside the migrations the two disagreed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.discover import discover
from lockwise.effects.refused import refusal
from lockwise.graph.build import build_graph
from server_helpers import server_error

RESET = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
INT = "CREATE FUNCTION bh(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';\n"
TEXT = "CREATE FUNCTION bh(text) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 0';\n"
CLASS = ("CREATE OPERATOR CLASS oc FOR TYPE int USING hash AS OPERATOR 1 =, "
         "FUNCTION 1 bh(int);\nCREATE TABLE t (n int);\n"
         "CREATE INDEX ti ON t USING hash (n oc);\n")
AGAIN = "CREATE INDEX ti ON t USING hash (n);"
DROP = "DROP INDEX ti;"

BOTH = INT + TEXT + CLASS
#: (the migrations up to a statement the server refuses, that statement or "", the
#: migrations after it, whether the class and its index go).
CASES = {
    # (on main the replay dropped the class: the refused DROP had it forget bh(int), and no
    # overload it kept took the class's type; the effect named the overload dropped)
    "other_after_a_refused_drop": (BOTH, "DROP FUNCTION bh(int);",
                                   "DROP FUNCTION bh(text) CASCADE;\n", False),
    # (on main the effect read the first object of the name only, bh(text))
    "its_overload_second": (BOTH, "", "DROP FUNCTION bh(text), bh(int) CASCADE;\n", True),
    "its_overload_first": (BOTH, "", "DROP FUNCTION bh(int), bh(text) CASCADE;\n", True),
    "the_other_overload": (BOTH, "", "DROP FUNCTION bh(text) CASCADE;\n", False),
    "its_overload": (BOTH, "", "DROP FUNCTION bh(int) CASCADE;\n", True),
    "its_overload_left_alone": (BOTH, "", "ALTER FUNCTION bh(text) RENAME TO bx;\n"
                                "DROP FUNCTION bh CASCADE;\n", True),
}


def _script(case: str) -> str:
    before, refused, after, _ = CASES[case]
    return before + (refused + "\n" if refused else "") + after


def _missing(tmp_path: Path, setup: str) -> list[str]:
    """The objects the conflict graph says a later migration's DROP INDEX ti finds gone (the
    effect's drops)."""
    (tmp_path / "1_setup.sql").write_text(setup)
    (tmp_path / "2_drop.sql").write_text(DROP + "\n")
    return [c.object for c in build_graph(discover(tmp_path)).conflicts
            if c.kind == "missing-object"]


@pytest.mark.parametrize("case", CASES)
def test_the_replay_keeps_the_class_as_the_server_does(case: str) -> None:
    setup, gone = _script(case), CASES[case][3]
    catalog = catalog_after(setup)
    assert (("public.oc", "hash") not in catalog.operator_classes) is gone
    assert ("public.ti" not in catalog.indexes) is gone
    assert refusal(effect_after(setup, AGAIN)) == ("" if gone else "name_taken")


@pytest.mark.parametrize("case", CASES)
def test_the_effect_drops_what_the_replay_drops(case: str, tmp_path: Path) -> None:
    setup, gone = _script(case), CASES[case][3]
    assert _missing(tmp_path, setup) == (["index:public.ti"] if gone else [])


@pytest.mark.postgres
def test_the_server_drops_the_class_with_its_own_overload(pg_db: str) -> None:
    for case, (before, refused, after, gone) in CASES.items():
        for sql in (AGAIN, DROP):
            # (the server's state after each script stays: a refused one changes nothing)
            error = server_error(pg_db, [RESET, before], refused or "SELECT 1")
            assert error is None if not refused else error.sqlstate == "2BP01", case
            error = server_error(pg_db, after, sql)
            if sql == AGAIN:
                assert (error is None) is gone, case
                assert error is None or error.sqlstate == "42P07", case
            else:
                assert (error is not None) is gone, case
                assert error is None or error.sqlstate == "42704", case
