"""The conflict graph's explanations name objects as SQL reads them back, quoted where they
need it (`table:public."Booking"`, `column:public."Booking"."userId"`, `view
public."BookingView"`): bare, `public.Booking` is another table, lower-cased. Lower-case
names that are not reserved stay bare, as the explanations always wrote them; the conflict's
`object` keys stay as the facts hold them (docs/graph.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph

BOOKING = ('CREATE TABLE "Booking" (id bigint PRIMARY KEY, "userId" bigint);\n'
           'CREATE VIEW "BookingView" AS SELECT id, "userId" FROM "Booking";\n'
           'CREATE TYPE "Mood" AS ENUM (\'calm\');\n'
           'CREATE TABLE "user" (id bigint, mood "Mood");\n')


def explanations(tmp_path: Path, *later: str) -> list[tuple[str, str]]:
    """(object, explanation) of each conflict of a history: BOOKING, then `later`."""
    for n, sql in enumerate((BOOKING, *later), start=1):
        (tmp_path / f"{n}_m.sql").write_text(sql + "\n")
    graph = build_graph(discover(tmp_path))
    return [(c.object, c.explanation) for c in graph.conflicts]


@pytest.mark.parametrize(("later", "obj", "shown"), [
    (('DROP VIEW "BookingView";\nDROP TABLE "Booking";', 'ALTER TABLE "Booking" ADD x int;'),
     "table:public.Booking",
     '3_m alters table public."Booking", which was dropped in 2_m'),
    (('ALTER TABLE "Booking" ALTER COLUMN "Nope" SET NOT NULL;',), "column:public.Booking.Nope",
     'column public."Booking"."Nope", but table public."Booking" (created in 1_m) never has'),
    (('DROP TABLE "Booking";',), "table:public.Booking",
     '2_m drops table public."Booking" while view public."BookingView" (created in 1_m) '
     'still depends on it'),
    (('DROP TABLE "Booking" CASCADE;',), "table:public.Booking",
     '2_m drops table public."Booking" with CASCADE, which silently drops view '
     'public."BookingView" (created in 1_m) too'),
    (('DROP TYPE "Mood";',), "type:public.Mood",
     '2_m drops type public."Mood" while column public."user".mood (created in 1_m) still '
     'uses it'),
])
def test_an_explanation_quotes_the_names_that_need_it(tmp_path: Path, later: tuple[str, ...],
                                                      obj: str, shown: str) -> None:
    found = explanations(tmp_path, *later)
    assert any(o == obj and shown in text for o, text in found), found


def test_lower_case_names_stay_bare(tmp_path: Path) -> None:
    found = explanations(tmp_path, "CREATE TABLE plain (id int);\n"
                                   "CREATE VIEW plain_view AS SELECT id FROM plain;",
                         "DROP TABLE plain;")
    assert any("drops table public.plain while view public.plain_view" in text
               for _, text in found), found
