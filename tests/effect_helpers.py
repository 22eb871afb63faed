"""lockwise's effect of a statement after a setup replayed into a fresh catalog (what the
server does with it: server_helpers.py)."""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.core.types import Effect
from lockwise.effects.context import Context
from lockwise.effects.postgres import compute_effect
from lockwise.parse.postgres import parse_sql


def catalog_after(setup: str) -> Catalog:
    """The catalog `setup` leaves, replayed as one migration."""
    catalog = Catalog()
    for stmt in parse_sql(setup).statements:
        apply_statement(catalog, stmt.tree, "0001")
    return catalog


def effect_after(setup: str, sql: str, pg_version: int = 18) -> Effect:
    """lockwise's effect of the one statement `sql` after replaying `setup`."""
    (stmt,) = parse_sql(sql).statements
    return compute_effect(stmt.tree, Context(catalog=catalog_after(setup), pg_version=pg_version))

