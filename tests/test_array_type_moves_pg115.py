"""A move onto a schema holding its array type's name (fix-pg115), held against the embedded
server.

ALTER TYPE / DOMAIN / TABLE / VIEW ... SET SCHEMA moves the object's array type with it,
under the name it has (`_x`, or `_x_1` where the server named it so): a type of that name in
the new schema refuses the move (42710 `type "_x" already exists in schema "o"`, rule
set-schema-onto-taken-name), after the object's own names and before its indexes' and
sequences' (`catalog.renames.moved_names`), and the replay moves nothing."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, refusal_facts
from lockwise.catalog.model import Catalog
from server_helpers import server_error


def _type(name: str) -> str:
    return f'type "{name}" already exists in schema "o"'


def _relation(name: str) -> str:
    return f'relation "{name}" already exists in schema "o"'


_ENUM = "CREATE TYPE o._x AS ENUM ('b')"

#: (the setup, after CREATE SCHEMA o; a SET SCHEMA; what the server says refusing it, or "").
MOVES = [
    (f"CREATE TYPE x AS ENUM ('a'); {_ENUM}", "ALTER TYPE x SET SCHEMA o", _type("_x")),
    (f"CREATE DOMAIN x AS int; {_ENUM}", "ALTER DOMAIN x SET SCHEMA o", _type("_x")),
    ("CREATE TYPE x AS (a int); CREATE DOMAIN o._x AS int", "ALTER TYPE x SET SCHEMA o",
     _type("_x")),
    (f"CREATE TYPE x AS RANGE (subtype = int); {_ENUM}", "ALTER TYPE x SET SCHEMA o",
     _type("_x")),
    (f"CREATE TABLE x (a int); {_ENUM}", "ALTER TABLE x SET SCHEMA o", _type("_x")),
    ("CREATE TABLE x (a int); CREATE TABLE o._x (b int)", "ALTER TABLE x SET SCHEMA o",
     _type("_x")),
    (f"CREATE VIEW x AS SELECT 1 AS a; {_ENUM}", "ALTER VIEW x SET SCHEMA o", _type("_x")),
    (f"CREATE MATERIALIZED VIEW x AS SELECT 1 AS a; {_ENUM}",
     "ALTER MATERIALIZED VIEW x SET SCHEMA o", _type("_x")),
    (f"CREATE SCHEMA p; CREATE TYPE p.x AS ENUM ('a'); {_ENUM}", "ALTER TYPE p.x SET SCHEMA o",
     _type("_x")),
    # the array type named otherwise: `_x_1`, which it keeps; `_y` once renamed
    ("CREATE TYPE _x AS ENUM ('c'); CREATE TYPE x AS ENUM ('a'); "
     "CREATE TYPE o._x_1 AS ENUM ('b')", "ALTER TYPE x SET SCHEMA o", _type("_x_1")),
    ("CREATE TYPE x AS ENUM ('a'); ALTER TYPE x RENAME TO y; CREATE TYPE o._y AS ENUM ('b')",
     "ALTER TYPE y SET SCHEMA o", _type("_y")),
    # the server's order: the type (and a composite type's relation) first, the array type
    # after the table's row type and before its indexes'
    (f"CREATE TYPE x AS ENUM ('a'); {_ENUM}; CREATE DOMAIN o.x AS int",
     "ALTER TYPE x SET SCHEMA o", _type("x")),
    (f"CREATE TYPE x AS (a int); {_ENUM}; CREATE SEQUENCE o.x", "ALTER TYPE x SET SCHEMA o",
     _relation("x")),
    (f"CREATE TABLE x (a int); {_ENUM}; CREATE TABLE o.x (a int)",
     "ALTER TABLE x SET SCHEMA o", _relation("x")),
    (f"CREATE TABLE x (a int PRIMARY KEY); {_ENUM}; CREATE SEQUENCE o.x_pkey",
     "ALTER TABLE x SET SCHEMA o", _type("_x")),
    # ... and runs: a relation of the name (pg_class: no type), a sequence's move (it has
    # no array type), the name freed, another array name, a move home
    ("CREATE TYPE x AS ENUM ('a'); CREATE SEQUENCE o._x", "ALTER TYPE x SET SCHEMA o", ""),
    ("CREATE TABLE x (a int); CREATE SEQUENCE o._x", "ALTER TABLE x SET SCHEMA o", ""),
    (f"CREATE SEQUENCE x; {_ENUM}", "ALTER SEQUENCE x SET SCHEMA o", ""),
    (f"CREATE SEQUENCE x; {_ENUM}", "ALTER TABLE x SET SCHEMA o", ""),
    (f"CREATE TYPE x AS ENUM ('a'); {_ENUM}; DROP TYPE o._x", "ALTER TYPE x SET SCHEMA o", ""),
    (f"CREATE TYPE _x AS ENUM ('c'); CREATE TYPE x AS ENUM ('a'); {_ENUM}",
     "ALTER TYPE x SET SCHEMA o", ""),
    (f"CREATE TYPE x AS ENUM ('a'); ALTER TYPE x RENAME TO y; {_ENUM}",
     "ALTER TYPE y SET SCHEMA o", ""),
    ("CREATE TYPE x AS ENUM ('a')", "ALTER TYPE x SET SCHEMA public", ""),
]

def _kept(catalog: Catalog) -> tuple:
    """What a move changes in the catalog: the relations and types by name, and the arrays."""
    return (sorted(catalog.tables), sorted(catalog.sequences), sorted(catalog.types),
            sorted(catalog.enums), sorted(catalog.domains), sorted(catalog.composites),
            sorted(catalog.arrays.items()))


@pytest.mark.parametrize(("setup", "sql", "said"), MOVES)
def test_a_move_onto_its_array_types_name_is_refused_as_the_server_refuses_it(
        pg_db: str, setup: str, sql: str, said: str) -> None:
    setup = f"CREATE SCHEMA o; {setup}"
    refused = server_error(pg_db, setup, sql)
    assert (refused.diag.message_primary if refused is not None else "") == said
    facts = refusal_facts(setup, sql, "name_taken")
    assert facts.get("set_schema_refused_text", "") == said
    if refused is not None:
        assert refused.sqlstate == ("42P07" if said.startswith("relation") else "42710")
        # (and the replay moves nothing: the statements after it see what was there)
        assert _kept(catalog_after(f"{setup}; {sql}")) == _kept(catalog_after(setup))

