"""Array types by their pg_type names (fix-pg107), held against the embedded server.

A type, domain or relation with a row type `x` has an array type `_x`, which `x[]` names
too. It belongs to `x`: DROP TYPE `_x` and ALTER TYPE `_x` RENAME / OWNER TO / SET SCHEMA
are refused (rule array-type-refused, fact `refused_array_type`, with the server's message
and hint); DROP TYPE `x` drops it, and renaming `x` to `y` renames it `_y`. A column of type
`_x` (or `_int4`, `_text`) is an `x[]` column: the replay keeps it so, and the type-change
rules read `_int4` and `integer[]` as one type."""

from __future__ import annotations

import psycopg
import pytest

from effect_helpers import catalog_after, effect_after, refusal_facts
from lockwise.effects.nodes import format_type
from lockwise.effects.types import _cast_data, builtin_array_element
from server_helpers import server_error

#: (the setup, one statement after it): the server refuses some, runs the others.
STATEMENTS = [
    # an array type alone: refused, IF EXISTS and CASCADE or not
    ("CREATE TYPE x AS ENUM ('a')", "DROP TYPE _x"),
    ("CREATE TYPE x AS ENUM ('a')", "DROP TYPE IF EXISTS _x"),
    ("CREATE TYPE x AS ENUM ('a')", "DROP TYPE _x CASCADE"),
    ("CREATE TYPE x AS ENUM ('a')", "DROP TYPE public._x"),
    ("CREATE TABLE x (a int)", "DROP TYPE _x"),
    ("CREATE VIEW x AS SELECT 1 AS a", "DROP TYPE _x"),
    ("CREATE DOMAIN x AS int", "DROP TYPE _x"),
    ("CREATE TYPE x AS (a int)", "DROP TYPE _x"),
    ("CREATE SCHEMA o; CREATE TYPE o.x AS ENUM ('a')", "DROP TYPE o._x"),
    ("CREATE TYPE \"X\" AS ENUM ('a')", "DROP TYPE \"_X\""),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TYPE y AS ENUM ('b')", "DROP TYPE y, _x"),
    ("", "DROP TYPE _int4"),
    ("", "DROP TYPE IF EXISTS pg_catalog._text"),
    ("CREATE TYPE x AS ENUM ('a')", "ALTER TYPE _x RENAME TO y"),
    ("CREATE TYPE x AS ENUM ('a')", "ALTER TYPE _x OWNER TO CURRENT_USER"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE SCHEMA o", "ALTER TYPE _x SET SCHEMA o"),
    ("CREATE TABLE x (a int)", "ALTER TYPE _x RENAME TO y"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TYPE y AS ENUM ('b')", "ALTER TYPE _x RENAME TO y"),
    ("", "ALTER TYPE _int4 RENAME TO y"),
    # renaming x renames its array type: `_y` is x's now, `_x` nothing
    ("CREATE TYPE x AS ENUM ('a'); ALTER TYPE x RENAME TO y", "DROP TYPE _y"),
    ("CREATE TABLE x (a int); ALTER TABLE x RENAME TO y", "ALTER TYPE _y RENAME TO z"),
    ("CREATE TYPE x AS ENUM ('a'); ALTER TYPE x RENAME TO y", "DROP TYPE IF EXISTS _x"),
    # ... and nothing else: the element type dropped too, a type of its own named `_x`, an
    # array type gone with its element type, a sequence's (it has no row type)
    ("CREATE TYPE x AS ENUM ('a')", "DROP TYPE x, _x"),
    ("CREATE TYPE x AS ENUM ('a')", "DROP TYPE _x, x"),
    ("CREATE TYPE x AS ENUM ('a')", "DROP TYPE x"),
    ("CREATE TYPE _x AS ENUM ('a')", "DROP TYPE _x"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TYPE _x AS ENUM ('b')", "DROP TYPE _x"),
    ("CREATE TYPE _x AS ENUM ('a'); CREATE TYPE x AS ENUM ('b')", "ALTER TYPE _x RENAME TO y"),
    ("CREATE TYPE x AS ENUM ('a'); DROP TYPE x", "DROP TYPE IF EXISTS _x"),
    ("CREATE SEQUENCE x", "DROP TYPE IF EXISTS _x"),
    ("CREATE TYPE x AS ENUM ('a')", "ALTER TYPE x RENAME TO y"),
]


@pytest.mark.parametrize(("setup", "sql"), STATEMENTS)
def test_an_array_type_alone_is_refused_as_the_server_refuses_it(
        pg_db: str, setup: str, sql: str) -> None:
    refused = server_error(pg_db, setup, sql)
    facts = refusal_facts(setup, sql, "refused_array_type")
    if refused is None or refused.sqlstate not in ("2BP01", "42809"):
        assert facts == {}
    else:
        assert facts["refused_array_type_text"] == refused.diag.message_primary
        assert facts["refused_array_type_hint"] == (
            refused.diag.message_hint or facts["refused_array_type_hint"])
        assert facts["refused_array_type_hint"]


def _server_column(uri: str, setup: str) -> str:
    """format_type of column `t.c` once `setup` has run on the server."""
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        row = conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                           "WHERE attrelid = 't'::regclass AND attname = 'c'").fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.parametrize("setup", [
    "CREATE TABLE t (c _int4)",
    "CREATE TABLE t (c _text)",
    "CREATE TABLE t (c pg_catalog._int8)",
    "CREATE TABLE t (c _varchar(10))",
    "CREATE TABLE t (c _timestamptz)",
    "CREATE TYPE x AS ENUM ('a'); CREATE TABLE t (c _x)",
    "CREATE TABLE x (a int); CREATE TABLE t (c _x)",
    "CREATE DOMAIN x AS int; CREATE TABLE t (c _x)",
    "CREATE TYPE x AS ENUM ('a'); ALTER TYPE x RENAME TO y; CREATE TABLE t (c _y)",
    "CREATE TYPE x AS ENUM ('a'); CREATE TABLE t (c _x); ALTER TYPE x RENAME TO y",
    "CREATE TYPE x AS ENUM ('a'); CREATE TYPE _x AS ENUM ('b'); CREATE TABLE t (c _x)",
    "CREATE TYPE _x AS ENUM ('b'); CREATE TYPE x AS ENUM ('a'); CREATE TABLE t (c _x)",
    "CREATE SCHEMA o; CREATE TYPE o.x AS ENUM ('a'); CREATE TABLE t (c o._x)",
    "CREATE TABLE t (c int4[])",
])
def test_a_column_of_an_array_type_by_its_pg_type_name_is_kept_as_the_server_keeps_it(
        pg_db: str, setup: str) -> None:
    column = catalog_after(setup).tables["public.t"].columns["c"]
    said = format_type(column.type_name, column.typmods, column.array)
    assert said == _server_column(pg_db, setup)


def _relfilenode_kept(uri: str, setup: str, sql: str) -> bool:
    """Whether `sql` leaves table t's relfilenode as `setup` made it (no rewrite)."""
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        before = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = 't'").fetchone()
        conn.execute(sql)
        after = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = 't'").fetchone()
    return before == after


@pytest.mark.parametrize(("setup", "sql"), [
    ("CREATE TABLE t (c integer[])", "ALTER TABLE t ALTER c TYPE _int4"),
    ("CREATE TABLE t (c _int4)", "ALTER TABLE t ALTER c TYPE int[]"),
    ("CREATE TABLE t (c text[])", "ALTER TABLE t ALTER c TYPE _text"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TABLE t (c x[])", "ALTER TABLE t ALTER c TYPE _x"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TABLE t (c _x)", "ALTER TABLE t ALTER c TYPE x[]"),
    ("CREATE TABLE t (c _int4)", "ALTER TABLE t ALTER c TYPE _int8"),
    ("CREATE TABLE t (c integer[])", "ALTER TABLE t ALTER c TYPE bigint[]"),
    ("CREATE TABLE t (c _int4)", "ALTER TABLE t ALTER c TYPE text"),
])
def test_a_type_change_between_names_of_one_array_type_rewrites_nothing(
        pg_db: str, setup: str, sql: str) -> None:
    full = f"{setup}; INSERT INTO t SELECT NULL"
    assert (not effect_after(setup, sql).rewrites) == _relfilenode_kept(pg_db, full, sql)


def test_every_builtin_array_type_name_is_the_servers(pg_server: str) -> None:
    names = sorted(_cast_data()["type_categories"])
    with psycopg.connect(pg_server) as conn:
        arrays = dict(conn.execute(
            "SELECT t.typname, a.typname FROM pg_type t LEFT JOIN pg_type a ON a.oid = t.typarray"
            " WHERE t.typnamespace = 'pg_catalog'::regnamespace AND t.typname = ANY(%s)",
            (names,)).fetchall())
    assert sorted(arrays) == names
    for name in names:
        array = arrays[name]
        assert (builtin_array_element(f"_{name}") == name) == (array == f"_{name}"), name
    assert builtin_array_element("_nosuch") is None
    assert builtin_array_element("int4") is None


def test_a_refused_drop_of_an_array_type_drops_nothing_that_drop_object_would_say() -> None:
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text("CREATE TYPE x AS ENUM ('a');", "0001.sql"),
                               migration_from_text("DROP TYPE _x;", "0002.sql")],
                              LintOptions(), Catalog())
    rules = {f.rule for f in reports[-1].all_findings}
    assert "array-type-refused" in rules
    assert "drop-object" not in rules
