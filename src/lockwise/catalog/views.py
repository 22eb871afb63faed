"""The replay of views and materialized views (CREATE VIEW, CREATE TABLE AS, SELECT INTO):
their columns, the relations and columns their query reads, and whether they write
through.

Split from `catalog.replay` with the modules only they need (`query_columns`, `updatable`),
loaded with the first such statement.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Column, Table
from lockwise.catalog.query_columns import result_columns, result_names
from lockwise.catalog.replay import _names, _on_commit
from lockwise.catalog.scopes import ColumnReads
from lockwise.catalog.updatable import (
    has_updatable_column,
    kept_rows_filter,
    not_updatable,
    written_through_to,
)
from lockwise.effects.nodes import (
    expression_uses,
    range_var,
    relations_in,
    strings,
    view_var,
)


def _create_view(catalog: Catalog, stmt: dict, migration_id: str,
                 views: dict[str, set[str]] | None, reads: bool) -> None:
    name, _ = view_var(stmt)
    if name not in catalog.tables:  # (OR REPLACE keeps the view, and its place)
        catalog.made_now(f"relation:{name}")
        catalog.place_array(name)
    view = catalog.tables.setdefault(name, Table(name, kind="view", created_by=migration_id))
    catalog.filed(name)
    # OR REPLACE: the query reads the view as it was; its reads are found without columns.
    columns = _query_columns(catalog, stmt.get("query"), strings(stmt.get("aliases")))
    # The names, known more often than the types (the effect model's walk, when it looked
    # for a name twice: `query_columns.result_names`).
    view.column_names = tuple(columns) if columns else result_names(
        catalog, stmt.get("query"), strings(stmt.get("aliases")))
    view.not_updatable = not_updatable(catalog, stmt.get("query"))
    view.updatable_columns = has_updatable_column(stmt.get("query"))
    view.where = kept_rows_filter(stmt.get("query"))
    view.columns = {}
    if reads:
        # OR REPLACE: the new query's. The relation a write through the view reaches comes
        # first, before what its subqueries read.
        through = written_through_to(stmt.get("query"))
        view.sources = tuple(sorted(relations_in(stmt.get("query")),
                                    key=lambda rel: rel != through))
        view.uses = expression_uses(stmt.get("query"))
        view.names = _names(stmt.get("query"))
        view.operators = _operators(catalog, stmt.get("query"))
        catalog.note_sources(view)
        _read_query(catalog, view, stmt.get("query"), views)
    view.columns = columns
    catalog.note_uses(name)


def _operators(catalog: Catalog, query: object) -> tuple:
    """The operators of the migrations `query` surely runs (`operators.operators_in`)."""
    if not catalog.operators:
        return ()
    from lockwise.catalog.operators import operators_in

    return tuple(operators_in(catalog, query, None))


def _read_query(catalog: Catalog, view: Table, query: object,
                views: dict[str, set[str]] | None) -> None:
    """Set the column reads of `view` (a view or materialized view) defined by `query`, and
    with `views`, record there what it depends on ("table:s.t", "column:s.t.c"; not itself).
    The view is in the catalog already: it has no columns there, so resolving against it
    gives what the catalog from before the statement gives."""
    resolver = ColumnReads(catalog, views is not None)
    if isinstance(query, dict):
        resolver._select(query, [])
    view.column_reads = tuple(resolver.reads)
    catalog.note_column_reads(view)
    if views is not None:
        resolver.deps.discard(f"table:{view.name}")
        views[view.name] = resolver.deps


def _query_columns(catalog: Catalog, query: object, names: list[str]) -> dict[str, Column]:
    """The columns of a view or materialized view defined by `query` (`names` renaming the
    first ones), when the catalog knows each one's type for sure (`result_columns`: plain
    column references, casts, constants); none otherwise, nothing guessed. A materialized
    view stores them: ALTER DOMAIN checks them, ALTER TYPE of a composite one is refused."""
    return {c.name: c for c in result_columns(catalog, query, names) or ()}


def _create_table_as(catalog: Catalog, stmt: dict, migration_id: str,
                     views: dict[str, set[str]] | None, reads: bool) -> None:
    # pglast's JSON inlines the IntoClause (no {"IntoClause": ...} wrapper); accept both.
    into = stmt.get("into") or {}
    into = into.get("IntoClause", into)
    name, _ = range_var(into.get("rel"), create=True)
    if catalog.skips_creating(stmt, name):
        return  # the server skips it (a notice): what exists keeps its query and sources
    kind = "matview" if stmt.get("objtype") == "OBJECT_MATVIEW" else "table"
    if name not in catalog.tables:
        catalog.made_now(f"relation:{name}")
        catalog.place_array(name)
    table = catalog.tables.setdefault(name, Table(
        name, kind=kind, created_by=migration_id,
        tablespace=into.get("tableSpaceName") or catalog.default_tablespace))
    catalog.filed(name)
    if kind == "table":
        catalog.made(name)  # created now: its columns are the query's
        table.unlogged = (into.get("rel") or {}).get("relpersistence") == "u"
        _on_commit(catalog, table, into.get("onCommit"))
        table.columns = {c.name: c for c in result_columns(
            catalog, stmt.get("query"), strings(into.get("colNames"))) or ()}
        table.columns_partial = not table.columns
    if kind == "matview" and reads:
        table.sources = tuple(relations_in(stmt.get("query")))
        table.uses = expression_uses(stmt.get("query"))
        table.names = _names(stmt.get("query"))
        table.operators = _operators(catalog, stmt.get("query"))
        catalog.note_sources(table)
        _read_query(catalog, table, stmt.get("query"), views)
    if kind == "matview":
        table.columns = _query_columns(catalog, stmt.get("query"), strings(into.get("colNames")))
    catalog.note_uses(name)
