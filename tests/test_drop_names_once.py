"""A DROP's objects are named once a statement (fix-speed90, issue 10): each table, view or
type of a DROP asked for the qualified names of all the statement drops (whether another
named goes with it), and a DROP INDEX read them for its finding and again for its objects, so
a DROP of n objects read the n names n + 1 times. What the effect model says of them stays."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.postgres import drops

SETUP = """CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
CREATE TABLE c (id int);
CREATE VIEW v AS SELECT * FROM a;
CREATE VIEW w AS SELECT * FROM v;
CREATE TYPE mood AS ENUM ('x');
CREATE INDEX a_i ON a (id);
CREATE INDEX b_i ON b (a_id);"""

#: DROPs of one and of several objects of each kind that reads all the names it drops.
DROPS = ["DROP TABLE a CASCADE", "DROP TABLE a, b, c CASCADE", "DROP VIEW v, w CASCADE",
         "DROP TYPE _mood", "DROP TYPE mood, _mood", "DROP INDEX IF EXISTS gone_i, b_i",
         "DROP INDEX a_i, b_i", "DROP SEQUENCE IF EXISTS s1, s2"]


@pytest.mark.parametrize("sql", DROPS)
def test_a_drop_reads_the_names_it_drops_once(monkeypatch: pytest.MonkeyPatch,
                                              sql: str) -> None:
    read: list[dict] = []
    names_of = drops.drop_object_names

    def counted(stmt: dict) -> list[list[str]]:
        read.append(stmt)
        return names_of(stmt)

    monkeypatch.setattr(drops, "drop_object_names", counted)
    effect_after(SETUP, sql)
    assert len(read) == 1, f"{sql}: the objects' names read {len(read)} times"


def _facts(sql: str, key: str) -> list[object]:
    return [a.facts.get(key) for a in effect_after(SETUP, sql).actions]


def test_a_table_dropped_beside_one_it_cascades_to_is_not_named_among_its_dependents() -> None:
    # b's foreign key to a goes with b, which the statement drops itself
    assert _facts("DROP TABLE a CASCADE", "callers_dropped") == [
        ("the view v", "the view w", "the foreign key b_a_id_fkey on b")]
    assert _facts("DROP TABLE a, b CASCADE", "callers_dropped") == [
        ("the view v", "the view w"), ()]
    assert _facts("DROP VIEW v CASCADE", "callers_dropped") == [("the view w",)]
    assert _facts("DROP VIEW v, w CASCADE", "callers_dropped") == [(), ()]


def test_an_array_type_dropped_beside_its_element_is_not_refused() -> None:
    assert _facts("DROP TYPE _mood", "refused_array_type") == [True]
    assert _facts("DROP TYPE mood, _mood", "refused_array_type") == [None, None]


def test_a_drop_index_finding_names_the_indexes_known_else_all() -> None:
    assert _facts("DROP INDEX IF EXISTS gone_i, b_i", "dropped_indexes_text") == \
        ["public.b_i"] * 2
    assert _facts("DROP INDEX a_i, b_i", "dropped_indexes_text") == \
        ["public.a_i, public.b_i"] * 2
    assert _facts("DROP INDEX IF EXISTS gone_i, gone_j", "dropped_indexes_text") == \
        ["public.gone_i, public.gone_j"] * 2
