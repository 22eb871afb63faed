"""The replay of operator families and of what a support function's CASCADE takes (fix-pg113,
each case checked on the embedded PostgreSQL 18.6 too).

- ALTER OPERATOR FAMILY ... RENAME TO / SET SCHEMA onto a kept family's name is refused
  (42710): the catalog keeps the family where it was, so a later CREATE OPERATOR FAMILY of its
  name is still refused, and one of the name it did not take runs.
- DROP FUNCTION ... CASCADE of a class's support function drops the indexes using the class
  with it: a later CREATE INDEX of such a name runs, and a DROP INDEX of it fails (42704).
"""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.effects.refused import refusal
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


@pytest.mark.parametrize("case", CASCADED)
def test_the_cascade_drops_the_indexes_using_the_class(case: str) -> None:
    catalog = catalog_after(CASCADED[case])
    assert "public.ti" not in catalog.indexes
    assert "public.t" in catalog.tables
    assert refusal(effect_after(CASCADED[case], AGAIN)) == ""


def test_an_index_on_another_class_stays() -> None:
    setup = SUPPORT + "CREATE INDEX ti ON t USING hash (n);\nDROP FUNCTION bh(int) CASCADE;\n"
    assert "public.ti" in catalog_after(setup).indexes


@pytest.mark.postgres
def test_the_server_drops_the_indexes_with_the_class(pg_db: str) -> None:
    for case, setup in CASCADED.items():
        assert server_error(pg_db, [RESET, setup], AGAIN) is None, case
        error = server_error(pg_db, [RESET, setup], DROP)
        assert error is not None and error.sqlstate == "42704", case
    setup = SUPPORT + "CREATE INDEX ti ON t USING hash (n);\nDROP FUNCTION bh(int) CASCADE;\n"
    error = server_error(pg_db, [RESET, setup], AGAIN)
    assert error is not None and error.sqlstate == "42P07"
