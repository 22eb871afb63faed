"""DROP SCHEMA of a schema whose types tables elsewhere use (checked on 18.6): without
CASCADE it is refused (2BP01: "type app.mood depends on schema app", "column m of table u
depends on type app.mood"); with it the server drops, besides the type, the columns of it
elsewhere with their data, the typed tables of it, the views over those columns, and the
defaults calling its functions. The graph names each, with the user's names."""

from __future__ import annotations

from pathlib import Path

import pytest

from effect_helpers import effect_after
from lockwise.discover import discover
from lockwise.graph.build import build_graph
from server_helpers import refused_until_steps, server_error

SETUP = ("CREATE SCHEMA app;\nCREATE TYPE app.mood AS ENUM ('a');\n"
         "CREATE DOMAIN app.pos AS int;\nCREATE TYPE app.addr AS (city text);\n"
         "CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
         "CREATE TABLE u (id int, m app.mood, p app.pos, ms app.mood[], k int DEFAULT app.f(1));\n"
         "CREATE TABLE w OF app.addr;\nCREATE VIEW uv AS SELECT id, m FROM u;\n")

#: What the first migration makes that the server drops with DROP SCHEMA app CASCADE, as
#: its conflicts name it.
CASCADED = ["typed table public.w and its rows", "column public.u.m and its data",
            "column public.u.ms and its data", "column public.u.p and its data",
            "the default of column public.u.k", "view public.uv"]

#: Each type, with what has it elsewhere and the statements that let it go by name.
REFUSED = {
    "app.addr": ("typed table public.w", "ALTER TABLE public.w NOT OF;\nDROP TYPE app.addr;"),
    # (fix-pg82: the view reading m first, else the DROP COLUMN is refused)
    "app.mood": ("column public.u.m, column public.u.ms",
                 "-- the views that read those columns go first; create them again after, "
                 "without them: public.uv\nDROP VIEW public.uv;\n"
                 "ALTER TABLE public.u DROP COLUMN m;\nALTER TABLE public.u DROP COLUMN ms;\n"
                 "DROP TYPE app.mood;"),
    "app.pos": ("column public.u.p", "ALTER TABLE public.u DROP COLUMN p;\nDROP TYPE app.pos;"),
}


def conflicts(tmp_path: Path, drop: str) -> list[tuple[str, str]]:
    (tmp_path / "1_a.sql").write_text(SETUP)
    (tmp_path / "2_b.sql").write_text(drop + "\n")
    return [(c.explanation, c.next_step) for c in build_graph(discover(tmp_path)).conflicts
            if c.kind == "dependency-dropped"]


def test_a_cascade_names_what_its_types_and_functions_take_along(tmp_path: Path) -> None:
    found = [text for text, _step in conflicts(tmp_path, "DROP SCHEMA app CASCADE;")]
    assert len(found) == len(CASCADED), found
    for named in CASCADED:
        assert any(f"silently drops {named} (created in 1_a)" in text for text in found), named


def test_a_cascade_that_makes_them_again_is_no_conflict(tmp_path: Path) -> None:
    again = ("DROP SCHEMA app CASCADE;\n" + SETUP.replace("CREATE TABLE u (", "DROP TABLE u "
             "CASCADE;\nCREATE TABLE u (").replace("CREATE TABLE w ", "DROP TABLE IF EXISTS w;\n"
                                                   "CREATE TABLE w "))
    assert conflicts(tmp_path, again) == []


@pytest.mark.parametrize("type_name", REFUSED)
def test_without_cascade_each_type_says_what_has_it(tmp_path: Path, type_name: str) -> None:
    held, steps = REFUSED[type_name]
    found = conflicts(tmp_path, "DROP SCHEMA app;")
    (text, step), = [(t, s) for t, s in found if f"type {type_name} " in t]
    assert f"is still in it, the type of {held}: PostgreSQL refuses the drop (drop them " \
        "first, or the schema with CASCADE, which drops those too, with their data)" in text
    assert f"({steps})" in step


@pytest.mark.postgres
def test_the_server_drops_them_and_the_steps_free_the_schema(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute("DROP SCHEMA app")
        conn.execute("DROP SCHEMA app CASCADE")
        assert conn.execute(
            "SELECT attname, atthasdef FROM pg_attribute WHERE attrelid = 'u'::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum").fetchall() == [
            ("id", False), ("k", False)]
        assert conn.execute("SELECT to_regclass('w'), to_regclass('uv')").fetchall() == [
            (None, None)]
        conn.execute("DROP TABLE u")
        conn.execute(SETUP.replace("CREATE FUNCTION", "--").replace(", k int DEFAULT app.f(1)",
                                                                     ""))
        for _held, steps in REFUSED.values():
            conn.execute(steps)
        conn.execute("DROP SCHEMA app")  # (refused were a step missing)


#: A schema holding a function and a procedure nothing calls, and a type a table elsewhere has.
ROUTINES = ("CREATE SCHEMA app;\nCREATE TYPE app.mood AS ENUM ('a');\n"
            "CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
            "CREATE PROCEDURE app.p() LANGUAGE sql AS 'SELECT 1';\n"
            "CREATE TABLE u (id int, m app.mood);\n")
#: (what the refusal names, the statement that drops it by name first).
ROUTINES_REFUSED = [("function app.f(int4)", "DROP FUNCTION app.f(int4);"),
                    ("procedure app.p()", "DROP PROCEDURE app.p();")]


def test_without_cascade_the_schemas_routines_are_named(tmp_path: Path) -> None:
    (tmp_path / "1_a.sql").write_text(ROUTINES)
    (tmp_path / "2_b.sql").write_text("DROP SCHEMA app;\n")
    found = [(c.explanation, c.next_step) for c in build_graph(discover(tmp_path)).conflicts
             if c.kind == "dependency-dropped"]
    for named, step in ROUTINES_REFUSED:
        (text, next_step), = [(t, s) for t, s in found if f" {named} " in t]
        assert f"while {named} (created in 1_a) is still in it: PostgreSQL refuses the " \
            "drop" in text
        assert f"({step})" in next_step


def test_lint_names_the_columns_elsewhere_a_cascade_drops() -> None:
    effect = effect_after(SETUP, "DROP SCHEMA app CASCADE;")
    assert effect.actions[0].facts["dropped_outside_text"] == (
        " Outside it, CASCADE also drops the typed table public.w (of type app.addr), the "
        "column public.u.m (of type app.mood), the column public.u.ms (of type app.mood), the "
        "column public.u.p (of type app.pos), with their data.")
    assert {"public.u", "public.w"} <= effect.locks.keys()
    assert effect_after(SETUP, "DROP SCHEMA app;").actions[0].facts[
        "dropped_outside_text"] == ""


@pytest.mark.postgres
def test_the_server_names_the_routines_and_the_steps_free_the_schema(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(ROUTINES)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist) as refused:
            conn.execute("DROP SCHEMA app")
        detail = refused.value.diag.message_detail or ""
        assert "function app.f(integer) depends on schema app" in detail
        assert "function app.p() depends on schema app" in detail
        conn.execute("ALTER TABLE public.u DROP COLUMN m;\nDROP TYPE app.mood;")
        for _named, step in ROUTINES_REFUSED:
            conn.execute(step)
        conn.execute("DROP SCHEMA app")  # (refused were a step missing)


#: The types of SETUP with what has them elsewhere, and nothing else in the schema.
TYPES_ONLY = ("CREATE SCHEMA app;\nCREATE TYPE app.mood AS ENUM ('a');\n"
              "CREATE DOMAIN app.pos AS int;\nCREATE TYPE app.addr AS (city text);\n"
              "CREATE TABLE u (id int, m app.mood, p app.pos, ms app.mood[]);\n"
              "CREATE TABLE w OF app.addr;\n")


def test_lint_drops_what_has_the_schemas_types_before_restrict() -> None:
    # (fix-pg80: drop-schema's RESTRICT advice was refused while a column elsewhere had one)
    for drop in ("DROP SCHEMA app CASCADE;", "DROP SCHEMA app;"):
        assert effect_after(TYPES_ONLY, drop).actions[0].facts[
            "dropped_outside_sql"].split("\n") == [
                step for _type, (_named, steps) in sorted(REFUSED.items())
                for step in steps.split("\n") if "public.uv" not in step]


#: Views reading a column of the schema's type, one over the other (and comparing it with a
#: label, which ties it to the type too): DROP COLUMN is refused while they are there
#: ("view uv depends on column m of table u", checked on 18.6).
VIEWS = ("CREATE SCHEMA app;\nCREATE TYPE app.mood AS ENUM ('a', 'b');\n"
         "CREATE TABLE u (id int, m app.mood, n int);\n"
         "CREATE VIEW uv AS SELECT id, m FROM u;\n"
         "CREATE VIEW uw AS SELECT id FROM uv WHERE m = 'a';\n"
         "CREATE MATERIALIZED VIEW um AS SELECT count(*) FROM uw;\n"
         "CREATE VIEW un AS SELECT n FROM u;\n")
VIEW_STEPS = ["-- the views that read those columns go first; create them again after, without "
              "them: public.uv, public.uw, public.um", "DROP MATERIALIZED VIEW public.um;",
              "DROP VIEW public.uw;", "DROP VIEW public.uv;",
              "ALTER TABLE public.u DROP COLUMN m;", "DROP TYPE app.mood;"]


def test_the_views_reading_such_a_column_go_first_in_lint_and_graph(tmp_path: Path) -> None:
    facts = effect_after(VIEWS, "DROP SCHEMA app;").actions[0].facts
    assert facts["dropped_outside_sql"].split("\n") == VIEW_STEPS
    (tmp_path / "1_a.sql").write_text(VIEWS)
    (tmp_path / "2_b.sql").write_text("DROP SCHEMA app;\n")
    (found,) = [c for c in build_graph(discover(tmp_path)).conflicts
                if c.kind == "dependency-dropped"]
    assert f"({chr(10).join(VIEW_STEPS)})" in found.next_step


@pytest.mark.postgres
def test_the_server_runs_those_steps_and_then_drop_schema_restrict(pg_db: str) -> None:
    import psycopg

    # (the advice before fix-pg82 dropped the column first)
    refused, after = refused_until_steps(
        pg_db, VIEWS, "ALTER TABLE u DROP COLUMN m", "\n".join(VIEW_STEPS),
        "DROP SCHEMA app RESTRICT",
        "DROP SCHEMA app CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    assert isinstance(refused, psycopg.errors.DependentObjectsStillExist)
    assert after is None
    # (a view of another column of the table stays)
    assert server_error(pg_db, None, "SELECT 'un'::regclass") is None


@pytest.mark.postgres
def test_the_server_drops_the_schema_restrict_after_those_steps(pg_db: str) -> None:
    import psycopg

    steps = effect_after(TYPES_ONLY, "DROP SCHEMA app;").actions[0].facts["dropped_outside_sql"]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(TYPES_ONLY)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute("DROP SCHEMA app RESTRICT")
        for step in steps.split("\n"):
            conn.execute(step)
        conn.execute("DROP SCHEMA app RESTRICT")
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'app'"
                            ).fetchone() == (0,)
