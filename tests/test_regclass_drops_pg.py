"""DROP TABLE / SEQUENCE ... CASCADE of a relation that stored regclass constants name: the
server drops each default, CHECK, generated column, index and view naming it. The catalog the
replay leaves must hold what the embedded PostgreSQL's catalogs hold after the same
statements."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after

pytestmark = pytest.mark.postgres

SETUP = """
CREATE TABLE w (id int);
CREATE SEQUENCE s;
CREATE TABLE c (id int, r regclass DEFAULT 'w'::regclass CONSTRAINT c_w CHECK (r <> 'w'::regclass),
                n bigint DEFAULT nextval('s') CONSTRAINT c_s CHECK (n::regclass <> 's'::regclass));
CREATE TABLE d (n bigint DEFAULT pg_relation_size('w'), m int);
CREATE TABLE g (r regclass, b bool GENERATED ALWAYS AS (r = 'w'::regclass) STORED);
CREATE TABLE i (r regclass);
CREATE INDEX i_w ON i ((r = 'w'::regclass));
CREATE INDEX i_r ON i (r);
CREATE VIEW vw AS SELECT 'w'::regclass AS x;
CREATE VIEW vvw AS SELECT x FROM vw;
CREATE VIEW vs AS SELECT pg_sequence_last_value('s') AS x;
CREATE VIEW calm AS SELECT 1 AS x;
"""


def _server_state(uri: str, sql: str) -> tuple[set, set, set, set, set]:
    import psycopg

    with psycopg.connect(uri) as conn:
        conn.execute(SETUP + sql)
        defaults = set(conn.execute(
            "SELECT 'public.' || c.relname, a.attname FROM pg_attrdef d JOIN pg_class c "
            "ON c.oid = d.adrelid JOIN pg_attribute a ON a.attrelid = d.adrelid "
            "AND a.attnum = d.adnum WHERE NOT a.attgenerated <> ''").fetchall())
        checks = set(conn.execute(
            "SELECT 'public.' || conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE contype = 'c' AND connamespace = 'public'::regnamespace").fetchall())
        columns = set(conn.execute(
            "SELECT 'public.' || c.relname, a.attname FROM pg_attribute a JOIN pg_class c "
            "ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped").fetchall())
        indexes = {r[0] for r in conn.execute(
            "SELECT 'public.' || relname FROM pg_class WHERE relkind = 'i' "
            "AND relnamespace = 'public'::regnamespace")}
        views = {r[0] for r in conn.execute(
            "SELECT 'public.' || relname FROM pg_class WHERE relkind = 'v' "
            "AND relnamespace = 'public'::regnamespace")}
    return defaults, checks, columns, indexes, views


@pytest.mark.parametrize("sql", ["DROP TABLE w CASCADE;", "DROP SEQUENCE s CASCADE;",
                                 "DROP TABLE w, d CASCADE;"])
def test_cascade_drops_what_names_the_relation_as_the_server_does(pg_db: str,
                                                                   sql: str) -> None:
    catalog = catalog_after(SETUP + sql)
    tables = [t for t in catalog.tables.values() if t.kind == "table"]
    defaults = {(t.name, c.name) for t in tables for c in t.columns.values()
                if c.default is not None and not c.generated}
    checks = {(t.name, n) for t in tables for n, con in t.constraints.items()
              if con.kind == "check"}
    columns = {(t.name, c) for t in tables for c in t.columns}
    views = {t.name for t in catalog.tables.values() if t.kind == "view"}
    assert (defaults, checks, columns, set(catalog.indexes), views) == \
        _server_state(pg_db, sql)
