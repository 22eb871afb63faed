"""lockwise's effect of a statement after a setup replayed into a fresh catalog (what the
server does with it: server_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

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



def watch_session_ends(monkeypatch: pytest.MonkeyPatch, module: ModuleType,
                       seen: Callable[[Catalog], set[str]]) -> list[set[str]]:
    """What `seen` finds in the catalog each time `module` ends a session, just before it ends
    (the list fills as the caller lints or builds a graph)."""
    left: list[set[str]] = []
    ended = module.end_session

    def checked(catalog: Catalog) -> None:
        left.append(seen(catalog))
        ended(catalog)

    monkeypatch.setattr(module, "end_session", checked)
    return left


def columns_made(sql: str, name: str) -> list[tuple[str, str]] | None:
    """The columns (name, type as format_type() prints it) lockwise gives relation `name`
    once `sql` is linted as one migration; None when it gives none (not made, or a column's
    type not known)."""
    from lockwise.discover import migration_from_text
    from lockwise.effects.nodes import format_type
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions(), catalog)
    table = catalog.tables.get(name)
    if table is None or not table.columns:
        return None
    return [(c.name, format_type(c.type_name, c.typmods, c.array))
            for c in table.columns.values()]
