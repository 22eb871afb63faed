"""What the server ties to a routine besides a view (pg_depend, checked on 18.6 with the
NOTICEs of DROP FUNCTION ... CASCADE and the 2BP01 of a drop without it): a column DEFAULT, a
generated column, a CHECK constraint, an index's expression or WHERE, a policy. A later
migration dropping the routine takes each along with CASCADE and is refused without it: the
graph says so with the user's names, and the statement that drops each by name first."""

from __future__ import annotations

from pathlib import Path

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.graph.model import Conflict
from server_helpers import refused_until_steps

F = "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';\n"
#: A trigger function (it takes no arguments: a DROP FUNCTION f(int) is not of it).
TF = "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';\n"

#: (setup, what the conflict names, the statement that drops it by name first, a query on
#: what is left after DROP FUNCTION ... CASCADE and its answer on the server).
CALLERS = {
    "default": (
        F + "CREATE TABLE t (id int, a int DEFAULT f(1));\n",
        "the default of column public.t.a", "ALTER TABLE public.t ALTER COLUMN a DROP DEFAULT;",
        "SELECT atthasdef FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a'",
        [(False,)]),
    "check": (
        F + "CREATE TABLE t (id int, a int CONSTRAINT t_a CHECK (f(a) > 0));\n",
        "constraint t_a on public.t", "ALTER TABLE public.t DROP CONSTRAINT t_a;",
        "SELECT count(*) FROM pg_constraint WHERE conname = 't_a'", [(0,)]),
    "generated": (
        F + "CREATE TABLE t (id int, a int GENERATED ALWAYS AS (f(id)) STORED);\n",
        "the generated column public.t.a and its data", "ALTER TABLE public.t DROP COLUMN a;",
        "SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 "
        "AND NOT attisdropped", [("id",)]),
    "index": (
        F + "CREATE TABLE t (id int);\nCREATE INDEX t_i ON t (f(id));\n",
        "index public.t_i", "DROP INDEX public.t_i;", "SELECT to_regclass('t_i')", [(None,)]),
    "partial_index": (
        F + "CREATE TABLE t (id int);\nCREATE INDEX t_i ON t (id) WHERE f(id) > 0;\n",
        "index public.t_i", "DROP INDEX public.t_i;", "SELECT to_regclass('t_i')", [(None,)]),
    "policy": (
        F + "CREATE TABLE t (id int);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY t_p ON t USING (f(id) > 0);\n",
        "policy t_p on public.t", "DROP POLICY t_p ON public.t;",
        "SELECT count(*) FROM pg_policy", [(0,)]),
    "trigger_when": (
        F + "CREATE TABLE t (id int, a int);\n" + TF + "CREATE TRIGGER tr BEFORE INSERT ON t "
        "FOR EACH ROW WHEN (f(NEW.a) > 0) EXECUTE FUNCTION tf();\n",
        "trigger tr on public.t", "DROP TRIGGER tr ON public.t;",
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'tr'", [(0,)]),
}

DROP = "DROP FUNCTION f(int)"


def found_conflicts(tmp_path: Path, setup: str, drop: str) -> list[Conflict]:
    """The dependency-dropped conflicts of migration 1 (`setup`), then 2 (`drop`)."""
    (tmp_path / "1_a.sql").write_text(setup)
    (tmp_path / "2_b.sql").write_text(drop + "\n")
    graph = build_graph(discover(tmp_path))
    return [c for c in graph.conflicts if c.kind == "dependency-dropped"]


@pytest.mark.parametrize("case", CALLERS)
def test_a_cascade_drops_what_calls_the_routine(tmp_path: Path, case: str) -> None:
    setup, named, first, _query, _left = CALLERS[case]
    (found,) = found_conflicts(tmp_path, setup, DROP + " CASCADE;")
    assert found.explanation.startswith(
        f"2_b drops function public.f(integer) with CASCADE, which silently drops {named} "
        "(created in 1_a) too")
    assert f"({first})" in found.next_step


@pytest.mark.parametrize("case", CALLERS)
def test_without_cascade_the_drop_is_refused_for_what_calls_it(tmp_path: Path,
                                                                case: str) -> None:
    setup, named, first, _query, _left = CALLERS[case]
    (found,) = found_conflicts(tmp_path, setup, DROP + ";")
    subject = named.removesuffix(" and its data")  # (the data goes with CASCADE only)
    assert f"while {subject} (created in 1_a) still calls it: PostgreSQL refuses the drop" \
        in found.explanation
    assert f"({first})" in found.next_step


#: What makes each caller again after the drop, in the dropping migration.
AGAIN = {
    "default": "ALTER TABLE t ALTER COLUMN a SET DEFAULT f(1);",
    "check": "ALTER TABLE t ADD CONSTRAINT t_a CHECK (f(a) > 0);",
    "generated": "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS (f(id)) STORED;",
    "index": "CREATE INDEX t_i ON t (f(id));",
    "partial_index": "CREATE INDEX t_i ON t (id) WHERE f(id) > 0;",
    "policy": "CREATE POLICY t_p ON t USING (f(id) > 0);",
    "trigger_when": "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW WHEN (f(NEW.a) > 0) "
                    "EXECUTE FUNCTION tf();",
}


@pytest.mark.parametrize("case", CALLERS)
def test_a_caller_the_migration_makes_again_is_no_conflict(tmp_path: Path, case: str) -> None:
    setup, *_rest = CALLERS[case]
    assert found_conflicts(tmp_path, setup, f"{DROP} CASCADE;\n{F}{AGAIN[case]}") == []


#: A routine that goes with DROP TABLE ... CASCADE (its SQL-standard body reads the table)
#: takes along the default that calls it, as DROP FUNCTION ... CASCADE would.
BUILT_ON = ("CREATE TABLE s (id int);\nCREATE FUNCTION g() RETURNS bigint LANGUAGE sql STABLE "
            "RETURN (SELECT count(*) FROM s);\nCREATE TABLE t (id int, n bigint DEFAULT g());\n")


def test_a_routine_dropped_with_a_table_takes_its_callers(tmp_path: Path) -> None:
    found = [c.explanation for c in found_conflicts(tmp_path, BUILT_ON, "DROP TABLE s CASCADE;")]
    assert any("silently drops the default of column public.t.n (created in 1_a)" in text
               for text in found), found
    assert any("silently drops function public.g()" in text for text in found), found


@pytest.mark.postgres
def test_the_server_ties_each_to_the_routine(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, _named, first, query, left) in CALLERS.items():
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(setup)
            with pytest.raises(psycopg.errors.DependentObjectsStillExist):
                conn.execute(DROP)
            conn.execute(DROP + " CASCADE")
            assert conn.execute(query).fetchall() == left, case
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(setup)
            conn.execute(first)
            conn.execute(DROP)  # (refused were the step wrong)
            conn.execute(F + AGAIN[case])
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(BUILT_ON)
        conn.execute("DROP TABLE s CASCADE")
        assert conn.execute("SELECT atthasdef FROM pg_attribute WHERE attrelid = 't'::regclass "
                            "AND attname = 'n'").fetchall() == [(False,)]
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(VIEWS)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute(DROP)
        conn.execute("DROP VIEW public.w;\nDROP VIEW public.v;")
        conn.execute(DROP)


VIEWS = F + "CREATE VIEW v AS SELECT f(1) AS x;\nCREATE VIEW w AS SELECT x FROM v;\n"


def test_lint_drops_the_trigger_whose_when_calls_the_routine() -> None:
    setup = CALLERS["trigger_when"][0]
    effect = effect_after(setup, DROP + " CASCADE;")
    assert effect.actions[0].facts["callers_dropped"] == ("the trigger tr on t",)
    assert effect.actions[0].facts["callers_dropped_sql"] == "DROP TRIGGER tr ON t;"
    assert "trigger:public.t.tr" in effect.drops and "public.t" in effect.locks
    assert catalog_after(setup + DROP + " CASCADE;").tables["public.t"].triggers == {}
    assert catalog_after(setup + "DROP FUNCTION g(int) CASCADE;").tables["public.t"].triggers


def test_a_view_calling_the_routine_refuses_the_drop(tmp_path: Path) -> None:
    (found,) = found_conflicts(tmp_path, VIEWS, DROP + ";")
    assert "while view public.v (created in 1_a) still calls it" in found.explanation
    assert "(DROP VIEW public.w;\nDROP VIEW public.v;)" in found.next_step


#: The routine moved before the drop (fix-small75): the server ties its callers to it by oid
#: (pg_get_triggerdef writes `WHEN (g(new.a) > 0)`, `s.f(new.a)`), so the drop under its new
#: name takes them (or is refused for them) as under the old one: (move, the drop, its name).
MOVES = {
    "rename": ("ALTER FUNCTION f(int) RENAME TO g;\n", "DROP FUNCTION g(int)", "public.g"),
    "set_schema": ("CREATE SCHEMA s;\nALTER FUNCTION f(int) SET SCHEMA s;\n",
                   "DROP FUNCTION s.f(int)", "s.f"),
    "both": ("CREATE SCHEMA s;\nALTER FUNCTION f(int) SET SCHEMA s;\n"
             "ALTER FUNCTION s.f(int) RENAME TO g;\n", "DROP FUNCTION s.g(int)", "s.g"),
}


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("case", CALLERS)
def test_a_moved_routine_still_takes_what_calls_it(tmp_path: Path, case: str,
                                                   move: str) -> None:
    setup, named, first, _query, _left = CALLERS[case]
    moving, drop, function = MOVES[move]
    (found,) = found_conflicts(tmp_path, setup + moving, drop + " CASCADE;")
    assert found.explanation.startswith(
        f"2_b drops function {function}(integer) with CASCADE, which silently drops {named} "
        "(created in 1_a) too")
    assert f"({first})" in found.next_step


@pytest.mark.parametrize("move", MOVES)
def test_a_moved_routine_still_refuses_the_drop_for_a_view(tmp_path: Path, move: str) -> None:
    moving, drop, _function = MOVES[move]
    (found,) = found_conflicts(tmp_path, VIEWS + moving, drop + ";")
    assert "while view public.v (created in 1_a) still calls it" in found.explanation


def test_a_bare_call_keeps_the_old_name_while_an_overload_of_it_is_left() -> None:
    setup = (F + "CREATE FUNCTION f(text) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
             "CREATE TABLE t (id int, a int DEFAULT f(1));\n"
             "ALTER FUNCTION f(int) RENAME TO g;\n")
    assert catalog_after(setup).tables["public.t"].columns["a"].uses == ("f", "public.g")


@pytest.mark.postgres
def test_the_server_ties_each_to_the_moved_routine(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, _named, _first, query, left) in CALLERS.items():
            for move, (moving, drop, _function) in MOVES.items():
                conn.execute("DROP SCHEMA IF EXISTS s CASCADE")
                conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                conn.execute(setup + moving)
                with pytest.raises(psycopg.errors.DependentObjectsStillExist):
                    conn.execute(drop)
                conn.execute(drop + " CASCADE")
                assert conn.execute(query).fetchall() == left, (case, move)


#: A function of schema app, called by a default and a trigger's WHEN of a table elsewhere,
#: then the schema renamed: the function goes with it, and they keep calling it (fix-small75).
SCHEMA_MOVED = (
    "CREATE SCHEMA app;\n"
    "CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';\n"
    + TF + "CREATE TABLE t (id int, a int DEFAULT app.f(1));\n"
    "CREATE TABLE u (id int, a int);\n"
    "CREATE TRIGGER tr BEFORE INSERT ON u FOR EACH ROW WHEN (app.f(NEW.a) > 0) "
    "EXECUTE FUNCTION tf();\n"
    "ALTER SCHEMA app RENAME TO app2;\n")


def test_a_renamed_schema_takes_its_functions_and_their_callers_follow() -> None:
    effect = effect_after(SCHEMA_MOVED, "DROP FUNCTION app2.f(int) CASCADE;")
    assert {"public.t", "public.u"} <= set(effect.locks)
    assert "app2.f" in catalog_after(SCHEMA_MOVED).kept_routines


@pytest.mark.postgres
def test_the_server_ties_them_to_the_function_of_the_renamed_schema(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SCHEMA_MOVED)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute("DROP FUNCTION app2.f(int)")
        conn.execute("DROP FUNCTION app2.f(int) CASCADE")
        assert conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'tr'").fetchall() \
            == [(0,)]
        assert conn.execute("SELECT atthasdef FROM pg_attribute WHERE attrelid = 't'::regclass "
                            "AND attname = 'a'").fetchall() == [(False,)]


#: A generated column calling f, read by a view (and a view over that one): the step that
#: drops the column is refused while they are there ("view gv depends on column a of table
#: t", checked on 18.6), so the refused DROP FUNCTION's step drops them first (fix-pg82).
GENERATED_READ = (F + "CREATE TABLE t (id int, a int GENERATED ALWAYS AS (f(id)) STORED);\n"
                  "CREATE VIEW gv AS SELECT id, a FROM t;\nCREATE VIEW gw AS SELECT a FROM gv;\n")
GENERATED_STEPS = ("-- the views that read those columns go first; create them again after, "
                   "without them: public.gv, public.gw\nDROP VIEW public.gw;\n"
                   "DROP VIEW public.gv;\nALTER TABLE public.t DROP COLUMN a;")


def test_the_views_reading_a_generated_column_go_before_it(tmp_path: Path) -> None:
    (found,) = found_conflicts(tmp_path, GENERATED_READ, DROP + ";")
    assert f"({GENERATED_STEPS})" in found.next_step


@pytest.mark.postgres
def test_the_server_drops_the_function_after_those_steps(pg_db: str) -> None:
    import psycopg

    refused, after = refused_until_steps(pg_db, GENERATED_READ,
                                         "ALTER TABLE public.t DROP COLUMN a", GENERATED_STEPS,
                                         DROP)
    assert isinstance(refused, psycopg.errors.DependentObjectsStillExist)
    assert after is None


def test_without_cascade_the_drop_is_refused_for_an_operator_running_it(
        tmp_path: Path) -> None:
    """An operator made with CREATE OPERATOR runs its function: DROP FUNCTION without CASCADE
    is refused, "operator ===(integer,integer) depends on function f(integer,integer)"
    (checked on 18.6, tests/test_drop_function_refused.py; fix-pg88)."""
    setup = ("CREATE FUNCTION f(int, int) RETURNS bool LANGUAGE sql IMMUTABLE "
             "AS 'SELECT $1 = $2';\n"
             "CREATE OPERATOR === (leftarg = int, rightarg = int, function = f);\n")
    (found,) = found_conflicts(tmp_path, setup, "DROP FUNCTION f(int, int);")
    assert "while operator public.=== (integer, integer) runs it: PostgreSQL refuses" \
        in found.explanation
    assert "(DROP OPERATOR public.=== (integer, integer);)" in found.next_step
    assert found_conflicts(tmp_path, setup, "DROP FUNCTION f(int, int) CASCADE;") == []
