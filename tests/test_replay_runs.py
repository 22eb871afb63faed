"""The catalog replay follows a called routine only when its run may change the catalog
(`replay._changes_nothing`): a chain of bodies that only query and write rows is not
followed at all, while a body anywhere in the chain that creates, alters, selects into or
replaces a routine makes its callers followed as before, found again on the catalog each
change leaves. Counted (bodies the replay reads), never timed."""

from __future__ import annotations

import pytest

from lockwise.catalog import replay
from lockwise.catalog.model import Catalog
from lockwise.parse.postgres import parse_sql


def chain(size: int, fan: int, last: str = "") -> str:
    """`size` functions, f_i writing `log` and calling f_{i+1} .. f_{i+fan}; the last one
    also runs `last`."""
    out = ["CREATE TABLE log (id int);"]
    for i in range(size):
        calls = "".join(f"  PERFORM f_{j}();\n" for j in range(i + 1, min(i + fan, size - 1) + 1))
        extra = f"  {last}\n" if i == size - 1 and last else ""
        out.append(f"CREATE FUNCTION f_{i}() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
                   f"  INSERT INTO log VALUES ({i});\n{calls}{extra}END $$;")
    return "\n".join(out) + "\n"


def replayed(sql: str, catalog: Catalog | None = None) -> Catalog:
    catalog = Catalog() if catalog is None else catalog
    parsed = parse_sql(sql)
    assert not parsed.problems, parsed.problems
    for stmt in parsed.statements:
        replay.apply_statement(catalog, stmt.tree, "0001", sql=stmt.sql)
    return catalog


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The routines whose bodies the replay reads from now on, once per read."""
    # (not read again to check what `_changes_nothing` kept: `CHECK_CALLERS`, as tests run)
    monkeypatch.setattr(replay, "CHECK_CALLERS", False, raising=False)
    reads: list[str] = []

    def counting(read):
        def counted_read(catalog, routine):
            reads.append(routine.name)
            return read(catalog, routine)
        return counted_read

    # (`_changes_nothing` reads the trees, a run the statements with their text)
    for name in ("routine_trees", "routine_statements"):
        monkeypatch.setattr(replay, name, counting(getattr(replay, name)))
    return reads


def followed_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every called body is followed, as before (`_changes_nothing` never says so)."""
    monkeypatch.setattr(replay, "_changes_nothing", lambda catalog, routine, levels: False)


def test_a_chain_that_changes_nothing_reads_each_body_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = replayed(chain(30, 10))
    reads = counted(monkeypatch)
    replayed("SELECT f_0();", catalog)
    # (the replay follows three levels of calls: f_0, f_1 .. f_10, f_2 .. f_20; 1 + 10 + 100
    # runs when each was followed at every call)
    assert sorted(reads) == sorted(f"public.f_{i}" for i in range(21))


def test_a_trigger_calling_a_chain_reads_each_body_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = replayed(chain(30, 10) + """CREATE TABLE events (id int);
CREATE FUNCTION on_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM f_0(); RETURN NEW; END $$;
CREATE TRIGGER on_event AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION on_event();
""")
    reads = counted(monkeypatch)
    replayed("INSERT INTO events VALUES (1);", catalog)
    assert sorted(reads) == sorted(["public.on_event", *(f"public.f_{i}" for i in range(11))])


@pytest.mark.parametrize("last, made", [
    ("CREATE TABLE deep (id int);", "public.deep"),
    ("CREATE INDEX log_id ON log (id);", "public.log_id"),
    ("CREATE TEMP TABLE deep (id int);", "pg_temp.deep"),
])
def test_a_change_deep_in_the_chain_is_still_replayed(
        monkeypatch: pytest.MonkeyPatch, last: str, made: str) -> None:
    """f_3 is reached three calls deep (f_0 -> f_1 -> f_2 -> f_3 is one call too many, but
    f_0 -> f_3 is direct): its change is made, as when every body is followed."""
    for before in (False, True):
        if before:
            followed_every_time(monkeypatch)
        catalog = replayed(chain(4, 3, last) + "SELECT f_0();")
        assert made in catalog.tables or made in catalog.indexes, (before, last)


def test_a_body_that_changes_the_catalog_is_followed_beside_one_that_does_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """f calls the chain (nothing changed: not followed) and h (creates a table: followed,
    f with it); then after h's change the chain is asked again, still not followed."""
    setup = chain(5, 3) + """CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$
BEGIN CREATE TABLE made_by_h (id int); END $$;
CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM f_0(); PERFORM h(); PERFORM f_0(); END $$;
"""
    catalog = replayed(setup)
    reads = counted(monkeypatch)
    replayed("SELECT f();", catalog)
    assert "public.made_by_h" in catalog.tables
    assert reads.count("public.h") == 3  # (asked with f, asked at its call, followed)
    # f_3, reached two levels under f_0, is read at most by each of the three asks (with f,
    # at f_0's calls before h ran and after), not at each of its call paths
    assert 1 <= reads.count("public.f_3") <= 3


def test_a_second_statement_sees_what_the_first_changed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """g changes nothing, then its callee is replaced (between statements) by one that does."""
    catalog = replayed(chain(3, 2) + """CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql
AS $$ BEGIN PERFORM f_0(); END $$;
SELECT g();
""")
    assert "public.later" not in catalog.tables
    reads = counted(monkeypatch)
    replayed("""CREATE OR REPLACE FUNCTION f_2() RETURNS void LANGUAGE plpgsql AS $$
BEGIN CREATE TABLE later (id int); END $$;
SELECT g();""", catalog)
    assert "public.later" in catalog.tables
    assert "public.f_2" in reads


def test_a_routine_with_its_own_search_path_is_followed_where_its_calls_resolve() -> None:
    # f's SET clause makes its bare `g()` other.g, which creates a table; public.g, which the
    # caller's path finds, writes rows only (checked on 18.6: `SELECT f()` creates other.made)
    catalog = replayed("""CREATE SCHEMA other;
CREATE TABLE log (id int);
CREATE FUNCTION public.g() RETURNS void LANGUAGE plpgsql AS $$
BEGIN INSERT INTO log VALUES (1); END $$;
CREATE FUNCTION other.g() RETURNS void LANGUAGE plpgsql AS $$
BEGIN CREATE TABLE other.made (id int); END $$;
CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql SET search_path = other AS $$
BEGIN PERFORM g(); END $$;
""")
    replayed("SELECT f();", catalog)
    assert "other.made" in catalog.tables
