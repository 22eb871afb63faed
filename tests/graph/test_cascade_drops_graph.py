"""DROP SEQUENCE / FUNCTION / TYPE / DOMAIN / SCHEMA ... CASCADE of what a later migration
drops, taking along what an earlier one made (checked on 18.6: each refused without CASCADE,
and with it the server drops the default only, the trigger only, the column, the typed table,
the schema's table; DROP TABLE ... CASCADE a column of its row type): a dependency-dropped
conflict unless the migration makes it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.graph.model import Conflict

SEQUENCE = "CREATE SEQUENCE s;\nCREATE TABLE u (id int DEFAULT nextval('s'), b int);\n"
TRIGGER_FUNCTION = ("CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql "
                    "AS 'BEGIN RETURN NEW; END';\n")
TRIGGER = "CREATE TRIGGER tr BEFORE INSERT ON u FOR EACH ROW EXECUTE FUNCTION tf();\n"
FUNCTION = "CREATE TABLE u (id int);\n" + TRIGGER_FUNCTION + TRIGGER
ENUM = "CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE u (id int, m mood);\n"
DOMAIN = "CREATE DOMAIN pos AS int CHECK (VALUE > 0);\nCREATE TABLE u (id int, p pos);\n"
COMPOSITE = "CREATE TYPE addr AS (city text);\nCREATE TABLE u OF addr;\n"
SCHEMA = "CREATE SCHEMA app;\nCREATE TABLE app.x (id int);\n"

#: (setup, the DROP ... CASCADE, what the conflict names, a query on what is left after it
#: and its answer on the server).
CASES = {
    "sequence_default": (
        SEQUENCE, "DROP SEQUENCE s CASCADE;", "the default of column public.u.id",
        "SELECT attname, atthasdef FROM pg_attribute WHERE attrelid = 'u'::regclass "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [("id", False), ("b", False)]),
    "function_trigger": (
        FUNCTION, "DROP FUNCTION tf() CASCADE;", "trigger tr on public.u",
        "SELECT to_regclass('u') IS NOT NULL, (SELECT count(*) FROM pg_trigger "
        "WHERE tgname = 'tr')", [(True, 0)]),
    "enum_column": (
        ENUM, "DROP TYPE mood CASCADE;", "column public.u.m and its data",
        "SELECT attname FROM pg_attribute WHERE attrelid = 'u'::regclass AND attnum > 0 "
        "AND NOT attisdropped", [("id",)]),
    "domain_column": (
        DOMAIN, "DROP DOMAIN pos CASCADE;", "column public.u.p and its data",
        "SELECT attname FROM pg_attribute WHERE attrelid = 'u'::regclass AND attnum > 0 "
        "AND NOT attisdropped", [("id",)]),
    "typed_table": (
        COMPOSITE, "DROP TYPE addr CASCADE;", "typed table public.u and its rows",
        "SELECT to_regclass('u') IS NULL", [(True,)]),
    "schema_table": (
        SCHEMA, "DROP SCHEMA app CASCADE;", "table app.x and its rows",
        "SELECT to_regclass('app.x') IS NULL", [(True,)]),
    "row_type_column": (
        "CREATE TABLE t (id int);\nCREATE TABLE u (id int, r t);\n", "DROP TABLE t CASCADE;",
        "column public.u.r and its data",
        "SELECT attname FROM pg_attribute WHERE attrelid = 'u'::regclass AND attnum > 0 "
        "AND NOT attisdropped", [("id",)]),
    "sql_standard_body": (
        "CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
        "RETURN (SELECT count(*) FROM t);\n", "DROP TABLE t CASCADE;",
        "function public.f()",
        "SELECT count(*) FROM pg_proc WHERE proname = 'f'", [(0,)]),
    "row_type_argument": (
        "CREATE TABLE t (id int);\nCREATE FUNCTION h(r t) RETURNS int LANGUAGE sql "
        "AS 'SELECT 1';\n", "DROP TABLE t CASCADE;", "function public.h(t)",
        "SELECT count(*) FROM pg_proc WHERE proname = 'h'", [(0,)]),
}


#: What each case's conflict says to run first, with the names of the setup: after it the
#: drop runs without CASCADE (on the server too).
FIRST = {
    "sequence_default": "ALTER TABLE public.u ALTER COLUMN id DROP DEFAULT;",
    "function_trigger": "DROP TRIGGER tr ON public.u;",
    "enum_column": "ALTER TABLE public.u DROP COLUMN m;",
    "domain_column": "ALTER TABLE public.u DROP COLUMN p;",
    "typed_table": "ALTER TABLE public.u NOT OF;",
    "schema_table": "DROP TABLE app.x;",
    "row_type_column": "ALTER TABLE public.u DROP COLUMN r;",
    "sql_standard_body": "DROP FUNCTION public.f();",
    "row_type_argument": "DROP FUNCTION public.h(t);",
}


def found_conflicts(tmp_path: Path, setup: str, drop: str) -> list[Conflict]:
    """The dependency-dropped conflicts of migration 1 (`setup`), then 2 (`drop`)."""
    (tmp_path / "1_a.sql").write_text(setup)
    (tmp_path / "2_b.sql").write_text(drop + "\n")
    graph = build_graph(discover(tmp_path))
    return [c for c in graph.conflicts if c.kind == "dependency-dropped"]


def conflicts(tmp_path: Path, setup: str, drop: str) -> list[str]:
    """The dependency-dropped conflicts' texts of migration 1 (`setup`), then 2 (`drop`)."""
    return [c.explanation for c in found_conflicts(tmp_path, setup, drop)]


@pytest.mark.parametrize("case", CASES)
def test_the_next_step_drops_that_dependent_by_name(tmp_path: Path, case: str) -> None:
    setup, drop, _named, _query, _left = CASES[case]
    (found,) = found_conflicts(tmp_path, setup, drop)
    assert f"({FIRST[case]})" in found.next_step
    assert "DROP VIEW, DROP CONSTRAINT" not in found.next_step


#: (setup, the DROP, what the conflict's next step says to run first).
VIEWS_AND_KEYS = {
    "view": ("CREATE TABLE t (id int PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM t;\n",
             "DROP TABLE t CASCADE;", "DROP VIEW public.v;"),
    "matview": ("CREATE TABLE t (id int PRIMARY KEY);\n"
                "CREATE MATERIALIZED VIEW m AS SELECT id FROM t;\n",
                "DROP TABLE t CASCADE;", "DROP MATERIALIZED VIEW public.m;"),
    "foreign_key": ("CREATE TABLE t (id int PRIMARY KEY);\n"
                    "CREATE TABLE o (t_id int CONSTRAINT o_t REFERENCES t);\n",
                    "DROP TABLE t CASCADE;", "ALTER TABLE public.o DROP CONSTRAINT o_t;"),
    "refused_view": ("CREATE TABLE t (id int PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM t;\n",
                     "DROP TABLE t;", "DROP VIEW public.v;"),
    "rule": ("CREATE TABLE t (id int);\nCREATE TABLE a (id int);\n"
             "CREATE RULE a_log AS ON INSERT TO a DO ALSO INSERT INTO t VALUES (NEW.id);\n",
             "DROP TABLE t CASCADE;", "DROP RULE a_log ON public.a;"),
}


@pytest.mark.parametrize("case", VIEWS_AND_KEYS)
def test_the_next_step_of_a_view_key_or_rule_names_it(tmp_path: Path, case: str) -> None:
    setup, drop, first = VIEWS_AND_KEYS[case]
    (found,) = found_conflicts(tmp_path, setup, drop)
    assert f"({first})" in found.next_step


@pytest.mark.postgres
def test_after_the_next_step_the_drop_runs_without_cascade(pg_db: str) -> None:
    import psycopg

    steps = {**{case: (setup, drop, FIRST[case])
                for case, (setup, drop, *_rest) in CASES.items()}, **VIEWS_AND_KEYS}
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, drop, first) in steps.items():
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public; "
                         "DROP SCHEMA IF EXISTS app CASCADE")
            conn.execute(setup)
            conn.execute(first)
            conn.execute(drop.replace(" CASCADE", ""))  # (refused were the step wrong)
            assert case


@pytest.mark.parametrize("case", CASES)
def test_a_cascade_dropping_what_another_migration_made_is_a_conflict(
        tmp_path: Path, case: str) -> None:
    setup, drop, named, _query, _left = CASES[case]
    found = conflicts(tmp_path, setup, drop)
    assert len(found) == 1, found
    assert f"with CASCADE, which silently drops {named} (created in 1_a)" in found[0]


def test_a_function_with_a_string_body_is_kept(tmp_path: Path) -> None:
    assert conflicts(tmp_path, "CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS bigint "
                     "LANGUAGE sql AS 'SELECT count(*) FROM t';\n", "DROP TABLE t CASCADE;") == []


def test_a_function_dropped_with_the_table_is_missing_later(tmp_path: Path) -> None:
    (tmp_path / "3_c.sql").write_text("SELECT f();\n")
    setup, drop, *_rest = CASES["sql_standard_body"]
    graph_kinds = [c.kind for c in found_conflicts(tmp_path, setup, drop)]
    assert graph_kinds == ["dependency-dropped"]
    everything = build_graph(discover(tmp_path)).conflicts
    assert [c.object for c in everything if c.kind == "missing-object"] == ["function:public.f"]


@pytest.mark.parametrize("case", CASES)
def test_without_cascade_the_drop_is_refused_not_silent(tmp_path: Path, case: str) -> None:
    setup, drop, _named, _query, _left = CASES[case]
    found = conflicts(tmp_path, setup, drop.replace(" CASCADE", ""))
    assert not any("silently" in text for text in found), found


#: (setup, a migration that drops with CASCADE and makes the dependent again).
MADE_AGAIN = {
    "sequence_default": (SEQUENCE, "DROP SEQUENCE s CASCADE;\nCREATE SEQUENCE s;\n"
                                   "ALTER TABLE u ALTER COLUMN id SET DEFAULT nextval('s');"),
    "function_trigger": (FUNCTION, "DROP FUNCTION tf() CASCADE;\n" + TRIGGER_FUNCTION + TRIGGER),
    "enum_column": (ENUM, "DROP TYPE mood CASCADE;\nCREATE TYPE mood AS ENUM ('a', 'b');\n"
                          "ALTER TABLE u ADD COLUMN m mood;"),
    "schema_table": (SCHEMA, "DROP SCHEMA app CASCADE;\nCREATE SCHEMA app;\n"
                             "CREATE TABLE app.x (id int);"),
    "row_type_column": ("CREATE TABLE t (id int);\nCREATE TABLE u (id int, r t);\n",
                        "DROP TABLE t CASCADE;\nCREATE TABLE t (id int);\n"
                        "ALTER TABLE u ADD COLUMN r t;"),
    "sql_standard_body": ("CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS bigint "
                          "LANGUAGE sql RETURN (SELECT count(*) FROM t);\n",
                          "DROP TABLE t CASCADE;\nCREATE TABLE t (id int);\n"
                          "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                          "RETURN (SELECT count(*) FROM t);"),
}


@pytest.mark.parametrize("case", MADE_AGAIN)
def test_a_dependent_the_migration_makes_again_is_no_conflict(tmp_path: Path,
                                                              case: str) -> None:
    setup, migration = MADE_AGAIN[case]
    assert conflicts(tmp_path, setup, migration) == []


def test_a_dependent_the_dropping_migration_made_is_no_conflict(tmp_path: Path) -> None:
    assert conflicts(tmp_path, "CREATE SEQUENCE s;\n",
                     "CREATE TABLE u (id int DEFAULT nextval('s'));\n"
                     "DROP SEQUENCE s CASCADE;") == []


def test_a_cascade_with_nothing_of_another_migration_is_no_conflict(tmp_path: Path) -> None:
    assert conflicts(tmp_path, "CREATE SEQUENCE s;\nCREATE TABLE u (id int);\n",
                     "DROP SEQUENCE s CASCADE;") == []


@pytest.mark.postgres
def test_the_server_refuses_without_cascade_and_drops_what_the_graph_names(
        pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, drop, _named, query, left) in CASES.items():
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public; "
                         "DROP SCHEMA IF EXISTS app CASCADE")
            conn.execute(setup)
            with pytest.raises(psycopg.errors.DependentObjectsStillExist):
                conn.execute(drop.replace(" CASCADE", ""))
            conn.execute(drop)
            assert conn.execute(query).fetchall() == left, case


def test_each_function_of_one_drop_names_its_own_triggers(tmp_path: Path) -> None:
    other = TRIGGER_FUNCTION.replace("tf()", "tg()") + TRIGGER.replace("tr ", "tr2 ").replace(
        "tf()", "tg()")
    found = conflicts(tmp_path, FUNCTION + other, "DROP FUNCTION tf, tg CASCADE;")
    assert sorted(found) == sorted(
        f"2_b drops function public.{f}() with CASCADE, which silently drops trigger {t} on "
        "public.u (created in 1_a) too, and the migration does not recreate it (the table "
        "stays: the trigger no longer runs)" for f, t in (("tf", "tr"), ("tg", "tr2")))


def test_each_table_of_one_drop_names_its_own_dependents_once(tmp_path: Path) -> None:
    setup = ("CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);\n"
             "CREATE VIEW va AS SELECT id FROM a;\nCREATE VIEW vb AS SELECT id FROM b;\n"
             "CREATE VIEW vab AS SELECT a.id FROM a JOIN b USING (id);\n"
             "CREATE TABLE o (id int, a_id int REFERENCES a, b_id int REFERENCES b, r b);\n")
    found = [c.next_step for c in found_conflicts(tmp_path, setup, "DROP TABLE a, b CASCADE;")]
    steps = [step[step.index("(") + 1:step.index(")")] for step in found]
    assert sorted(steps) == sorted([
        "DROP VIEW public.va;", "DROP VIEW public.vab;", "DROP VIEW public.vb;",
        "ALTER TABLE public.o DROP CONSTRAINT o_a_id_fkey;",
        "ALTER TABLE public.o DROP CONSTRAINT o_b_id_fkey;",
        "ALTER TABLE public.o DROP COLUMN r;"])


#: A drop without CASCADE the server refuses for what another migration made
#: (`_refused_drops`): (setup, the DROP, each conflict's step, in the graph's order).
REFUSED = {
    "sequence_default": (SEQUENCE, "DROP SEQUENCE s;",
                         ["ALTER TABLE public.u ALTER COLUMN id DROP DEFAULT;"]),
    "regclass_default": ("CREATE TABLE t (id int);\n"
                         "CREATE TABLE u (id int, r regclass DEFAULT 't'::regclass);\n",
                         "DROP TABLE t;", ["ALTER TABLE public.u ALTER COLUMN r DROP DEFAULT;"]),
    "regclass_generated": ("CREATE TABLE t (id int);\nCREATE TABLE u (id int, r regclass "
                           "GENERATED ALWAYS AS ('t'::regclass) STORED);\n", "DROP TABLE t;",
                           ["ALTER TABLE public.u ALTER COLUMN r DROP EXPRESSION;"]),
    "regclass_check": ("CREATE TABLE t (id int);\nCREATE TABLE u (id int, r regclass "
                       "CONSTRAINT u_r CHECK (r <> 't'::regclass));\n", "DROP TABLE t;",
                       ["ALTER TABLE public.u DROP CONSTRAINT u_r;"]),
    "regclass_index": ("CREATE TABLE t (id int);\nCREATE TABLE u (id int, r regclass);\n"
                       "CREATE INDEX u_i ON u ((r = 't'::regclass));\n", "DROP TABLE t;",
                       ["DROP INDEX public.u_i;"]),
    "regclass_view": ("CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT 't'::regclass AS r;\n",
                      "DROP TABLE t;", ["DROP VIEW public.v;"]),
    "rule": ("CREATE TABLE t (id int);\nCREATE TABLE a (id int);\nCREATE RULE a_log AS "
             "ON INSERT TO a DO ALSO INSERT INTO t VALUES (NEW.id);\n", "DROP TABLE t;",
             ["DROP RULE a_log ON public.a;"]),
    "policy": ("CREATE TABLE t (id int);\nCREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW "
               "LEVEL SECURITY;\nCREATE POLICY a_p ON a USING (EXISTS (SELECT 1 FROM t));\n",
               "DROP TABLE t;", ["DROP POLICY a_p ON public.a;"]),
    "enum_column": (ENUM, "DROP TYPE mood;", ["ALTER TABLE public.u DROP COLUMN m;"]),
    "typed_table": (COMPOSITE, "DROP TYPE addr;", ["ALTER TABLE public.u NOT OF;"]),
    "trigger": (FUNCTION, "DROP FUNCTION tf();", ["DROP TRIGGER tr ON public.u;"]),
    "sql_standard_caller": ("CREATE FUNCTION g(int) RETURNS int LANGUAGE sql RETURN 1;\n"
                            "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN g(1) + 1;\n",
                            "DROP FUNCTION g(int);", ["DROP FUNCTION public.f();"]),
    "schema": (SCHEMA + "CREATE SEQUENCE app.s;\nCREATE VIEW app.v AS SELECT id FROM app.x;\n",
               "DROP SCHEMA app;", ["DROP VIEW app.v;", "DROP TABLE app.x;",
                                    "DROP SEQUENCE app.s;"]),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_drop_says_what_to_drop_first_by_name(tmp_path: Path, case: str) -> None:
    setup, drop, firsts = REFUSED[case]
    found = found_conflicts(tmp_path, setup, drop)
    assert all("PostgreSQL refuses the drop" in c.explanation for c in found)
    assert [c.next_step for c in found] == [
        f"say first what becomes of it ({first}), then drop without CASCADE; or create it "
        "again in the same migration after the drop" for first in firsts]


def test_a_refused_drop_without_a_step_by_name_keeps_the_generic_one(tmp_path: Path) -> None:
    (found,) = found_conflicts(tmp_path, "CREATE TABLE u (id int GENERATED ALWAYS AS IDENTITY);\n",
                               "DROP SEQUENCE u_id_seq;")
    assert "say first" not in found.next_step  # (DROP IDENTITY takes the sequence along)


@pytest.mark.postgres
def test_the_server_refuses_each_and_drops_after_the_steps(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, drop, firsts) in REFUSED.items():
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public; "
                         "DROP SCHEMA IF EXISTS app CASCADE")
            conn.execute(setup)
            with pytest.raises(psycopg.errors.DependentObjectsStillExist):
                conn.execute(drop)
            for first in firsts:
                conn.execute(first)
            conn.execute(drop)  # (refused were a step wrong)
            assert case
