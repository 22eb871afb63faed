"""`Catalog.callers` through its index (`Catalog.uses_tables`): what DROP FUNCTION / TYPE /
SCHEMA ... CASCADE finds using the object is the scan of every table's answer, in its order,
after each replay step that gives a table a use, takes one away, or gives the table holding
one a new name.

Each case replays SQL, asks the index, asks the scan (the index set aside), and checks both
against what the case expects: a step the replay does not file leaves the index short of the
scan and fails here (and in any test, through `LOCKWISE_CHECK_CALLERS`, which conftest sets).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lockwise.catalog import model
from lockwise.catalog.model import Callers, Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.effects.nodes import calls_function, casts_to
from lockwise.parse.postgres import parse_sql

_F = "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x';"
_MOOD = "CREATE TYPE mood AS ENUM ('a', 'b');"


def replayed(sql: str, asked: bool = False) -> Catalog:
    """The catalog `sql` leaves; `asked`: with `callers` asked after each statement (what
    was noted is filed then, not all at the end)."""
    catalog = Catalog()
    parsed = parse_sql(sql)
    assert not parsed.problems, parsed.problems
    for stmt in parsed.statements:
        apply_statement(catalog, stmt.tree, "0001")
        if asked:
            catalog.callers(lambda uses: False)
            assert not catalog.uses_pending
    return catalog


def _function(name: str) -> Callable[[tuple[str, ...]], bool]:
    return lambda uses: calls_function(uses, name)


def _type(name: str) -> Callable[[tuple[str, ...]], bool]:
    return lambda uses: casts_to(uses, frozenset({name}))


def _schema(schema: str) -> Callable[[tuple[str, ...]], bool]:
    return lambda uses: any(u.removeprefix("::").startswith(schema + ".") for u in uses)


def indexed_and_scanned(catalog: Catalog,
                        reached: Callable[[tuple[str, ...]], bool]) -> tuple[Callers, Callers]:
    """`callers` through the index (checked against the scan or not, as the flag says) and
    by the scan of every table."""
    assert catalog.uses_tables is not None  # the replay started it
    indexed = catalog.callers(reached)
    held, catalog.uses_tables = catalog.uses_tables, None
    try:
        scanned = catalog.callers(reached)
    finally:
        catalog.uses_tables = held
    return indexed, scanned


@pytest.fixture(params=[False, True], ids=["index", "checked"])
def check_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case runs with the index alone, and with its answer checked against the scan."""
    monkeypatch.setattr(model, "CHECK_CALLERS", request.param)


#: (replayed SQL, what is dropped, the Callers expected as fields).
CASES = [
    # CREATE TABLE: a default, a generated column, a CHECK, an exclusion-free table beside.
    pytest.param(
        _F + "CREATE TABLE a (x int DEFAULT f(1), y int GENERATED ALWAYS AS (f(x)) STORED,"
        " z int CHECK (f(z) > 0)); CREATE TABLE b (x int DEFAULT 1);",
        _function("public.f"),
        {"defaults": (("public.a", "x"),), "generated": (("public.a", "y"),),
         "constraints": (("public.a", "a_z_check"),)}, id="create-table"),
    # A table renamed, its column renamed: found under the new names.
    pytest.param(
        _F + "CREATE TABLE a (x int DEFAULT f(1)); ALTER TABLE a RENAME TO b;"
        "ALTER TABLE b RENAME COLUMN x TO w;",
        _function("public.f"), {"defaults": (("public.b", "w"),)}, id="rename-table-column"),
    # Moved to another schema, then the schema renamed (its index of an expression too).
    pytest.param(
        _F + "CREATE SCHEMA s; CREATE TABLE a (x int DEFAULT f(1));"
        "CREATE INDEX a_f ON a (f(x)); ALTER TABLE a SET SCHEMA s; ALTER SCHEMA s RENAME TO r;",
        _function("public.f"),
        {"defaults": (("r.a", "x"),), "indexes": ("r.a_f",)}, id="set-schema-rename-schema"),
    # SET DEFAULT, on a column added later; DROP DEFAULT of another; ALTER COLUMN TYPE.
    pytest.param(
        _F + "CREATE TABLE a (x int DEFAULT f(1), y int); ALTER TABLE a ADD COLUMN z int;"
        "ALTER TABLE a ALTER COLUMN z SET DEFAULT f(2), ALTER COLUMN x DROP DEFAULT;"
        "ALTER TABLE a ALTER COLUMN z TYPE bigint; ALTER TABLE a ALTER COLUMN y SET DEFAULT 3;",
        _function("public.f"), {"defaults": (("public.a", "z"),)}, id="set-drop-default"),
    # SET EXPRESSION of a generated column, ADD COLUMN with a default and a CHECK.
    pytest.param(
        _F + "CREATE TABLE a (x int, y int GENERATED ALWAYS AS (x + 1) STORED);"
        "ALTER TABLE a ALTER COLUMN y SET EXPRESSION AS (f(x));"
        "ALTER TABLE a ADD COLUMN z int DEFAULT f(3) CONSTRAINT z_ok CHECK (f(z) > 0);",
        _function("f"),
        {"defaults": (("public.a", "z"),), "generated": (("public.a", "y"),),
         "constraints": (("public.a", "z_ok"),)}, id="set-expression-add-column"),
    # A view that casts to a type, dropped; another kept; a view over the kept one.
    pytest.param(
        _MOOD + "CREATE TABLE t (m text); CREATE VIEW v1 AS SELECT m::mood FROM t;"
        "CREATE VIEW v2 AS SELECT 'a'::mood AS m; CREATE VIEW v3 AS SELECT * FROM v2;"
        "DROP VIEW v1;",
        _type("public.mood"), {"views": ("public.v2", "public.v3")}, id="drop-view-of-type"),
    # CREATE OR REPLACE VIEW: the new query's uses (one that did not use f now does).
    pytest.param(
        _F + "CREATE TABLE t (x int); CREATE VIEW v AS SELECT x FROM t;"
        "CREATE OR REPLACE VIEW v AS SELECT x, f(x) AS y FROM t;",
        _function("public.f"), {"views": ("public.v",)}, id="create-or-replace-view"),
    # A materialized view, renamed; CREATE TABLE AS keeps no use (PostgreSQL copies no
    # default).
    pytest.param(
        _F + "CREATE TABLE t (x int DEFAULT f(0)); CREATE MATERIALIZED VIEW m AS "
        "SELECT f(x) FROM t; ALTER MATERIALIZED VIEW m RENAME TO m2;"
        "CREATE TABLE c AS SELECT * FROM t;",
        _function("public.f"),
        {"defaults": (("public.t", "x"),), "views": ("public.m2",)}, id="matview-table-as"),
    # Partitions and inheritance children get a parent's new default and CHECK.
    pytest.param(
        _F + "CREATE TABLE p (k int, x int) PARTITION BY LIST (k);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1); CREATE TABLE q (x int);"
        "CREATE TABLE q1 () INHERITS (q);"
        "ALTER TABLE p ADD COLUMN y int DEFAULT f(1), ADD CONSTRAINT p_ok CHECK (f(x) > 0);"
        "ALTER TABLE q ADD CONSTRAINT q_ok CHECK (f(x) > 0);"
        "ALTER TABLE q ALTER COLUMN x SET DEFAULT f(2);",
        _function("public.f"),
        {"defaults": (("public.p", "y"), ("public.p1", "y"), ("public.q", "x"),
                      ("public.q1", "x")),
         "constraints": (("public.p", "p_ok"), ("public.p1", "p_ok"), ("public.q", "q_ok"),
                         ("public.q1", "q_ok"))}, id="below-parents"),
    # A table attached as a partition, or made to INHERIT, gets the parent's CHECK; a
    # partition created afterwards its default and CHECK.
    pytest.param(
        _F + "CREATE TABLE p (k int, x int DEFAULT f(0) CHECK (f(x) > 0)) PARTITION BY "
        "LIST (k); CREATE TABLE p1 (k int, x int); ALTER TABLE p ATTACH PARTITION p1 FOR "
        "VALUES IN (1); CREATE TABLE p2 PARTITION OF p FOR VALUES IN (2);"
        "CREATE TABLE q (x int CONSTRAINT q_ok CHECK (f(x) > 0)); CREATE TABLE c (x int);"
        "ALTER TABLE c INHERIT q;",
        _function("public.f"),
        {"defaults": (("public.p", "x"), ("public.p2", "x")),
         "constraints": (("public.c", "q_ok"), ("public.p", "p_x_check"),
                         ("public.p1", "p_x_check"), ("public.p2", "p_x_check"),
                         ("public.q", "q_ok"))}, id="attach-inherit-partition-of"),
    # LIKE ... INCLUDING ALL copies the default, the CHECK and the index of an expression.
    pytest.param(
        _F + "CREATE TABLE a (x int DEFAULT f(1) CHECK (f(x) > 0)); CREATE INDEX ON a (f(x));"
        "CREATE TABLE b (LIKE a INCLUDING ALL); CREATE TABLE c (LIKE a);",
        _function("public.f"),
        {"defaults": (("public.a", "x"), ("public.b", "x")),
         "constraints": (("public.a", "a_x_check"), ("public.b", "a_x_check")),
         "indexes": ("public.a_f_idx", "public.b_f_idx")}, id="like"),
    # Indexes of an expression, and of a predicate casting to a type: on a plain table,
    # on a partitioned one (its partitions' parts use nothing), ON ONLY one; a
    # materialized view.
    pytest.param(
        _F + _MOOD + "CREATE TABLE t (x int, m text); CREATE INDEX t_f ON t (f(x));"
        "CREATE TABLE p (k int, x int) PARTITION BY LIST (k);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1); CREATE INDEX p_f ON p (f(x));"
        "CREATE INDEX p_m ON ONLY p (x) WHERE f(k) > 0;"
        "CREATE INDEX t_m ON t (x) WHERE m::mood = 'a'; CREATE MATERIALIZED VIEW mv AS "
        "SELECT f(x) AS y FROM t;",
        _function("public.f"),
        {"indexes": ("public.p_f", "public.p_m", "public.t_f"), "views": ("public.mv",)},
        id="indexes-matview"),
    pytest.param(
        _F + _MOOD + "CREATE TABLE t (x int, m text); CREATE INDEX t_f ON t (f(x));"
        "CREATE INDEX t_m ON t (x) WHERE m::mood = 'a';"
        "CREATE TABLE p (k int, m text) PARTITION BY LIST (k);"
        "CREATE INDEX p_m ON ONLY p (k) WHERE m::mood = 'a';",
        _type("public.mood"), {"indexes": ("public.p_m", "public.t_m")}, id="index-casting"),
    # An index of an expression on a table the migrations did not create, in a schema
    # renamed after.
    pytest.param(
        _F + "CREATE SCHEMA s; CREATE INDEX i ON s.outside (f(x)); ALTER SCHEMA s RENAME TO r;",
        _function("public.f"), {"indexes": ("r.i",)}, id="index-of-unknown-table"),
    # DROP SCHEMA ... CASCADE of the schema of the function used.
    pytest.param(
        "CREATE SCHEMA s; CREATE FUNCTION s.g(x int) RETURNS int LANGUAGE sql AS 'SELECT x';"
        "CREATE TABLE a (x int DEFAULT s.g(1)); CREATE TABLE b (x int DEFAULT g(1));",
        _schema("s"), {"defaults": (("public.a", "x"),)}, id="schema"),
    # What a DO block and CREATE SCHEMA's elements do.
    pytest.param(
        _F + "CREATE TABLE a (x int); DO $$ BEGIN ALTER TABLE a ALTER COLUMN x SET DEFAULT "
        "f(1); END $$; CREATE SCHEMA s CREATE TABLE b (x int DEFAULT f(2));",
        _function("public.f"),
        {"defaults": (("public.a", "x"), ("s.b", "x"))}, id="do-block-create-schema"),
    # A cast in a default, a CHECK and an index, then the table dropped and one made again.
    pytest.param(
        _MOOD + "CREATE TABLE a (m text DEFAULT 'a'::mood::text CHECK (m::mood <> 'b'));"
        "CREATE INDEX a_m ON a ((m::mood)); DROP TABLE a; CREATE TABLE a (m text);"
        "CREATE TABLE z (m text DEFAULT 'a'::mood::text);",
        _type("public.mood"), {"defaults": (("public.z", "m"),)}, id="dropped-and-made-again"),
]


@pytest.mark.parametrize("asked", [False, True], ids=["asked-at-end", "asked-each"])
@pytest.mark.parametrize(("sql", "reached", "expected"), CASES)
def test_callers_index_is_the_scan(check_mode: None, sql: str,
                                   reached: Callable[[tuple[str, ...]], bool],
                                   expected: dict, asked: bool) -> None:
    catalog = replayed(sql, asked)
    indexed, scanned = indexed_and_scanned(catalog, reached)
    assert scanned == Callers(**expected)
    assert indexed == scanned


def test_the_index_skips_tables_without_the_use() -> None:
    catalog = replayed(_F + "CREATE TABLE a (x int DEFAULT f(1)); CREATE TABLE b (x int);"
                       "CREATE TABLE c (x int DEFAULT now()); ALTER TABLE a RENAME TO a2;")
    assert catalog.uses_tables == {}  # filed when `callers` is first asked
    assert catalog.uses_pending == {"public.a", "public.a2", "public.b", "public.c"}
    assert catalog.callers(_function("public.f")).defaults == (("public.a2", "x"),)
    assert not catalog.uses_pending
    assert catalog.uses_tables["f"] == {"public.a2"}  # (public.a was gone when filed)
    assert catalog.uses_tables["now"] == {"public.c"}


def test_the_check_mode_finds_a_use_the_index_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = replayed(_F + "CREATE TABLE a (x int); CREATE TABLE b (x int DEFAULT f(1));")
    catalog.callers(_function("public.f"))  # a and b filed
    catalog.tables["public.a"].columns["x"].uses = ("f",)  # not filed, as a missed site
    monkeypatch.setattr(model, "CHECK_CALLERS", False)
    assert catalog.callers(_function("public.f")).defaults == (("public.b", "x"),)
    monkeypatch.setattr(model, "CHECK_CALLERS", True)
    with pytest.raises(AssertionError, match="Catalog.callers"):
        catalog.callers(_function("public.f"))
