"""Catalog snapshots: what they capture, how differences read, what they deliberately ignore."""

from __future__ import annotations

from datetime import datetime

from lockwise.verify.report import compact_diff
from lockwise.verify.snapshot import (
    CREATION_TIME,
    Difference,
    _mask_creation_times,
    diff_snapshots,
    take_snapshot,
)

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('a', 'b');
CREATE DOMAIN app.pos AS integer CHECK (VALUE > 0);
CREATE TABLE app.t (id serial PRIMARY KEY, m app.mood, n app.pos NOT NULL DEFAULT 1,
                    g int GENERATED ALWAYS AS (n * 2) STORED);
CREATE INDEX t_m ON app.t (m) WHERE m IS NOT NULL;
CREATE VIEW app.v AS SELECT id, m FROM app.t;
CREATE FUNCTION app.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tr BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.f();
"""


def test_snapshot_covers_every_kind_and_ignores_extension_objects(pg_conn) -> None:
    empty = take_snapshot(pg_conn)
    pg_conn.execute(SCHEMA)
    snap = take_snapshot(pg_conn)
    kinds = {key.split(" ", 1)[0] for key in snap.objects}
    assert kinds == {"schema", "extension", "relation", "column", "constraint", "index", "type",
                     "function", "sequence", "trigger"}
    assert snap.objects["column app.t.n"] == {"type": "app.pos", "nullable": "NOT NULL",
                                              "default": "1"}
    assert snap.objects["column app.t.g"]["generated"] == "((n)::integer * 2)"
    assert snap.objects["type app.mood"] == {"kind": "enum", "labels": "'a', 'b'"}
    assert snap.objects["sequence app.t_id_seq"]["owned by"] == "app.t.id"
    # pg_trgm's own functions and types belong to the extension, not to the migration.
    assert not any("similarity" in key for key in snap.objects)
    assert len(diff_snapshots(empty, snap)) == len(snap.objects)


def test_differences_read_like_sql(pg_conn) -> None:
    pg_conn.execute(SCHEMA)
    before = take_snapshot(pg_conn)
    pg_conn.execute("ALTER TABLE app.t ALTER COLUMN n DROP DEFAULT; DROP INDEX app.t_m; "
                    "ALTER TYPE app.mood ADD VALUE 'c'; CREATE INDEX t_n ON app.t (n)")
    after = take_snapshot(pg_conn)
    assert [d.describe() for d in diff_snapshots(before, after)] == [
        "~ column app.t.n: default 1 (before up) -> (none) (after down)",
        "- index app.t_m: missing after down (CREATE INDEX t_m ON app.t USING btree (m) WHERE "
        "(m IS NOT NULL))",
        "+ index app.t_n: only after down (CREATE INDEX t_n ON app.t USING btree (n))",
        "~ type app.mood: labels 'a', 'b' (before up) -> 'a', 'b', 'c' (after down)",
    ]


def test_long_values_show_where_they_differ() -> None:
    cols = ", ".join(f"c{i}" for i in range(60))
    d = Difference("relation public.v", {"definition": f"SELECT {cols} FROM t"},
                   {"definition": f"SELECT {cols}, extra FROM t"})
    assert d.describe() == ("~ relation public.v: definition ..., c55, c56, c57, c58, c59 FROM t "
                            "(before up) -> ..., c55, c56, c57, c58, c59, extra FROM t "
                            "(after down)")


def test_creation_time_literals_are_masked_only_within_the_run() -> None:
    since, until = datetime(2026, 1, 2, 10, 0), datetime(2026, 1, 2, 10, 5)
    text = ("WHERE at > ('2026-01-02 10:01:02.5'::timestamp - '1 mon'::interval) "
            "AND at < '2020-01-01 00:00:00'::timestamp")
    assert _mask_creation_times(text, since, until) == (
        f"WHERE at > ({CREATION_TIME}::timestamp - '1 mon'::interval) "
        "AND at < '2020-01-01 00:00:00'::timestamp")


def test_children_of_a_changed_relation_are_folded() -> None:
    diff = [Difference("column public.v.a", {"type": "int"}, None),
            Difference("column public.w.b", None, {"type": "int"}),
            Difference("relation public.v", {"definition": "x"}, {"definition": "y"})]
    assert compact_diff(diff) == [
        "+ column public.w.b: only after down (int)",
        "~ relation public.v: definition x (before up) -> y (after down)",
        "    (and 1 of its columns/constraints/triggers)",
    ]
