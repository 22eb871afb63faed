"""A foreign key names its referenced table and columns by oid and number on the server: a
rename of them (or a move of the table to another schema) leaves the key pointing at the
same columns, which the replay follows (`Constraint.references`, `Constraint.ref_columns`),
and what depends on the key follows with it."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode

#: A key naming its referenced columns, one naming none (the primary key), one pointing at
#: its own table, and one at a partitioned table whose partitions rename the column too.
_KEYS = (
    "CREATE TABLE parent (id int PRIMARY KEY, u int UNIQUE);"
    "CREATE TABLE child (id int, pid int REFERENCES parent (id), pu int REFERENCES parent (u),"
    " pk int REFERENCES parent);"
    "CREATE TABLE tree (id int PRIMARY KEY, up int REFERENCES tree (id));"
    "CREATE TABLE parts (k int, n int, PRIMARY KEY (k, n)) PARTITION BY LIST (k);"
    "CREATE TABLE parts1 PARTITION OF parts FOR VALUES IN (1);"
    "CREATE TABLE uses (k int, n int, FOREIGN KEY (k, n) REFERENCES parts (k, n));"
)

_CASES = {
    "column renames": _KEYS + "ALTER TABLE parent RENAME COLUMN id TO pk;"
    "ALTER TABLE parent RENAME COLUMN u TO unique_u; ALTER TABLE tree RENAME id TO node;"
    "ALTER TABLE parts RENAME COLUMN n TO m;",
    "table renames and moves": _KEYS + "CREATE SCHEMA s; CREATE SCHEMA old;"
    "ALTER TABLE parent RENAME TO elder; ALTER TABLE elder SET SCHEMA s;"
    "ALTER TABLE s.elder RENAME COLUMN id TO pk; ALTER TABLE tree SET SCHEMA old;"
    "ALTER SCHEMA old RENAME TO forest;",
}


def _server_targets(uri: str) -> set[tuple]:
    """(table, key, referenced table, referenced columns in order) of each foreign key but the
    rows a key to a partitioned table has per partition."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT k.conrelid::regclass::text, k.conname, r.relnamespace::regnamespace::text"
            " || '.' || r.relname, (SELECT array_agg(a.attname ORDER BY u.i) FROM"
            " unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON"
            " a.attrelid = k.confrelid AND a.attnum = u.n) FROM pg_constraint k JOIN pg_class r"
            " ON r.oid = k.confrelid WHERE k.contype = 'f' AND NOT k.conparentid IN"
            " (SELECT oid FROM pg_constraint WHERE conrelid = k.conrelid)").fetchall()
    return {(t if "." in t else f"public.{t}", name, ref, tuple(cols))
            for t, name, ref, cols in rows}


def _catalog_targets(catalog: Catalog) -> set[tuple]:
    return {(t.name, c.name, c.references,
             c.ref_columns or catalog.primary_key(c.references or ""))
            for t in catalog.tables.values() for c in t.constraints.values()
            if c.kind == "foreign"}


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(_CASES))
def test_foreign_keys_point_where_the_server_says_after_renames(pg_db: str, case: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_CASES[case])
    assert _catalog_targets(catalog_after(_CASES[case])) == _server_targets(pg_db)


#: Only keys naming their columns: one naming none would follow the primary key anyway.
_RENAMED = ("CREATE TABLE parent (id int PRIMARY KEY, u int UNIQUE);"
            "CREATE TABLE child (pid int REFERENCES parent (id));"
            "CREATE TABLE other (pu int REFERENCES parent (u));"
            "ALTER TABLE parent RENAME COLUMN id TO pk;")


def test_dropping_a_renamed_referenced_column_reaches_the_key() -> None:
    # The server refuses without CASCADE ("constraint child_pid_fkey on table child depends
    # on column pk"); with it, drops the key: the referencing table is locked either way.
    effect = effect_after(_RENAMED, "ALTER TABLE parent DROP COLUMN pk CASCADE;")
    assert effect.locks.get("public.child") == LockMode.ACCESS_EXCLUSIVE


def test_dropping_a_renamed_referenced_column_with_cascade_drops_the_key() -> None:
    catalog = catalog_after(_RENAMED + "ALTER TABLE parent DROP COLUMN pk CASCADE;")
    assert "child_pid_fkey" not in catalog.tables["public.child"].constraints
    assert "other_pu_fkey" in catalog.tables["public.other"].constraints


def test_a_type_change_of_a_renamed_referenced_column_rechecks_the_key() -> None:
    effect = effect_after(_RENAMED, "ALTER TABLE parent ALTER COLUMN pk TYPE bigint;")
    assert effect.locks.get("public.child") == LockMode.ACCESS_EXCLUSIVE


def test_an_update_of_a_renamed_referenced_column_fires_the_key() -> None:
    # The key's RI trigger on parent checks child for rows still pointing at the old value.
    effect = effect_after(_RENAMED, "UPDATE parent SET pk = pk + 1;")
    assert effect.locks.get("public.child") == LockMode.ROW_SHARE
    assert "public.other" not in effect.locks  # (its key's column does not change)


def test_a_self_referencing_key_follows_its_own_column_rename() -> None:
    catalog = catalog_after(_KEYS + "ALTER TABLE tree RENAME COLUMN id TO node;")
    assert catalog.tables["public.tree"].constraints["tree_up_fkey"].ref_columns == ("node",)
