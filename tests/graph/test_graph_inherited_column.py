"""ALTER TABLE ... DROP COLUMN of a column a table inherits (from an INHERITS parent, or as
a partition) that another migration made: PostgreSQL refuses it, with or without CASCADE
("cannot drop inherited column", 42P16; checked on 18.6). The graph says so, and how the
column goes instead; the column stays for the migrations after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph

CHILD = "CREATE TABLE p (id int, a int);\nCREATE TABLE c (b int) INHERITS (p);\n"
PARTITION = ("CREATE TABLE p (id int, a int) PARTITION BY RANGE (id);\n"
             "CREATE TABLE c PARTITION OF p FOR VALUES FROM (0) TO (10);\n")

#: (setup, what the table is of its parent, the statements the next step gives).
CASES = {
    "child": (CHILD, "a child of public.p",
              ["ALTER TABLE public.p DROP COLUMN a;", "ALTER TABLE public.c NO INHERIT public.p;"]),
    "partition": (PARTITION, "a partition of public.p", ["ALTER TABLE public.p DROP COLUMN a;"]),
}


def conflicts(tmp_path: Path, setup: str, *later: str) -> list[tuple[str, str, str]]:
    (tmp_path / "1_a.sql").write_text(setup)
    for number, sql in enumerate(later, start=2):
        (tmp_path / f"{number}_m.sql").write_text(sql + "\n")
    return [(c.kind, c.explanation, c.next_step)
            for c in build_graph(discover(tmp_path)).conflicts]


@pytest.mark.parametrize("cascade", ["", " CASCADE"])
@pytest.mark.parametrize("case", CASES)
def test_the_drop_of_an_inherited_column_is_refused(tmp_path: Path, case: str,
                                                    cascade: str) -> None:
    setup, what, steps = CASES[case]
    ((kind, text, step),) = conflicts(tmp_path, setup, f"ALTER TABLE c DROP COLUMN a{cascade};",
                                      "INSERT INTO c (a) VALUES (1);")
    assert kind == "dependency-dropped"
    assert text == (f"2_m drops column public.c.a, which public.c (created in 1_a), {what}, "
                    'inherits: PostgreSQL refuses it with or without CASCADE ("cannot drop '
                    'inherited column "a"")')
    assert all(f"({sql})" in step for sql in steps)


def test_a_column_of_its_own_is_no_conflict(tmp_path: Path) -> None:
    assert conflicts(tmp_path, CHILD, "ALTER TABLE c DROP COLUMN b;") == []


@pytest.mark.postgres
def test_the_server_refuses_and_each_step_lets_the_column_go(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for setup, _what, steps in CASES.values():
            for step in steps:
                conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                conn.execute(setup)
                for drop in ("ALTER TABLE c DROP COLUMN a", "ALTER TABLE c DROP COLUMN a CASCADE"):
                    with pytest.raises(psycopg.errors.InvalidTableDefinition,
                                       match='cannot drop inherited column "a"'):
                        conn.execute(drop)
                conn.execute(step)
                conn.execute("ALTER TABLE c DROP COLUMN IF EXISTS a")
                assert conn.execute(
                    "SELECT count(*) FROM pg_attribute WHERE attrelid = 'c'::regclass "
                    "AND attname = 'a' AND NOT attisdropped").fetchall() == [(0,)]
