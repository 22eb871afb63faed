"""DROP INDEX of a unique index a foreign key depends on, and of the index of a key or
unique constraint (checked on 18.6): the first is refused without CASCADE ("constraint c_p
on table c depends on index p_u", 2BP01) and drops the key with it; the second is refused
with or without CASCADE ("cannot drop index p_u because constraint p_u on table p requires
it"). A later migration's drop of one made earlier is a dependency-dropped conflict that says
which, and what to run instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.graph.model import Conflict

#: A unique index of its own, which the foreign key c_p uses.
OWN = ("CREATE TABLE p (id int);\nCREATE UNIQUE INDEX p_u ON p (id);\n"
       "CREATE TABLE c (p_id int CONSTRAINT c_p REFERENCES p (id));\n")
#: The index of a unique constraint, which the foreign key c_p uses.
CONSTRAINT = ("CREATE TABLE p (id int CONSTRAINT p_u UNIQUE);\n"
              "CREATE TABLE c (p_id int CONSTRAINT c_p REFERENCES p (id));\n")
#: Two unique indexes over the same column: the key uses the first made.
TWO = ("CREATE TABLE p (id int);\nCREATE UNIQUE INDEX p_u ON p (id);\n"
       "CREATE UNIQUE INDEX p_v ON p (id);\n"
       "CREATE TABLE c (p_id int CONSTRAINT c_p REFERENCES p (id));\n")


def found_conflicts(tmp_path: Path, setup: str, drop: str) -> list[Conflict]:
    """The dependency-dropped conflicts of migration 1 (`setup`), then 2 (`drop`)."""
    (tmp_path / "1_a.sql").write_text(setup)
    (tmp_path / "2_b.sql").write_text(drop + "\n")
    graph = build_graph(discover(tmp_path))
    return [c for c in graph.conflicts if c.kind == "dependency-dropped"]


def test_dropping_the_index_a_key_uses_is_refused(tmp_path: Path) -> None:
    (found,) = found_conflicts(tmp_path, OWN, "DROP INDEX p_u;")
    assert "while foreign key c_p on public.c (created in 1_a) depends on it: PostgreSQL " \
        "refuses the drop" in found.explanation
    assert "(ALTER TABLE public.c DROP CONSTRAINT c_p;)" in found.next_step


def test_with_cascade_the_key_goes(tmp_path: Path) -> None:
    (found,) = found_conflicts(tmp_path, OWN, "DROP INDEX p_u CASCADE;")
    assert found.explanation == (
        "2_b drops index public.p_u with CASCADE, which silently drops foreign key c_p on "
        "public.c (created in 1_a) too, and the migration does not recreate it (the table "
        "stays: its rows are no longer checked against public.p)")


def test_a_key_made_again_is_no_conflict(tmp_path: Path) -> None:
    assert found_conflicts(tmp_path, OWN, "DROP INDEX p_u CASCADE;\nCREATE UNIQUE INDEX p_u "
                           "ON p (id);\nALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) "
                           "REFERENCES p (id);") == []


def test_the_key_uses_the_first_index_over_its_columns(tmp_path: Path) -> None:
    assert found_conflicts(tmp_path, TWO, "DROP INDEX p_v;") == []
    (found,) = found_conflicts(tmp_path, TWO, "DROP INDEX p_u;")
    assert "foreign key c_p on public.c" in found.explanation


@pytest.mark.parametrize("cascade", ["", " CASCADE"])
def test_a_constraint_index_is_refused_with_or_without_cascade(tmp_path: Path,
                                                               cascade: str) -> None:
    (found,) = found_conflicts(tmp_path, CONSTRAINT, f"DROP INDEX p_u{cascade};")
    assert found.explanation == (
        "2_b drops index public.p_u while constraint p_u on public.p (created in 1_a) requires "
        "it (its index): PostgreSQL refuses the drop (with or without CASCADE; drop the "
        "constraint instead, which drops its index: ALTER TABLE public.p DROP CONSTRAINT p_u "
        "(foreign key c_p on public.c depends on it: without CASCADE that is refused too, with "
        "CASCADE it drops it))")
    assert found.next_step == (
        "drop the constraint instead, which drops its index, saying first what becomes of "
        "what depends on it (ALTER TABLE public.c DROP CONSTRAINT c_p;\nALTER TABLE public.p "
        "DROP CONSTRAINT p_u;); or keep the index")


@pytest.mark.postgres
def test_the_server_ties_the_key_to_the_index(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        def fresh(setup: str) -> None:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(setup)

        def keys() -> list[tuple[str]]:
            return conn.execute("SELECT conname FROM pg_constraint WHERE contype = 'f'"
                                ).fetchall()

        fresh(OWN)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist,
                           match="constraint c_p on table c depends on index p_u"):
            conn.execute("DROP INDEX p_u")
        conn.execute("DROP INDEX p_u CASCADE")
        assert keys() == []
        fresh(TWO)
        conn.execute("DROP INDEX p_v")  # (the key does not use it)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute("DROP INDEX p_u")
        fresh(CONSTRAINT)
        for drop in ("DROP INDEX p_u", "DROP INDEX p_u CASCADE"):
            with pytest.raises(psycopg.errors.DependentObjectsStillExist,
                               match="because constraint p_u on table p requires it"):
                conn.execute(drop)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute("ALTER TABLE public.p DROP CONSTRAINT p_u")
        conn.execute("ALTER TABLE public.c DROP CONSTRAINT c_p;\n"
                     "ALTER TABLE public.p DROP CONSTRAINT p_u;")
        assert conn.execute("SELECT to_regclass('p_u')").fetchall() == [(None,)]
