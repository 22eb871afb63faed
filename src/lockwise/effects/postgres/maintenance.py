"""VACUUM / ANALYZE, CLUSTER, REFRESH MATERIALIZED VIEW and LOCK TABLE."""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import generated_name
from lockwise.core.types import LockMode
from lockwise.effects.nodes import options_on, range_var, unwrap
from lockwise.effects.postgres.builder import (
    NO_TABLE,
    Builder,
    L,
    descendants,
    refused_if_partitioned,
    table_facts,
    view_reads,
)
from lockwise.effects.system_catalog import LOGIN_CATALOGS, view_locks
from lockwise.parse.quoting import OWN_MIGRATION, quote_ident, quote_qualified, relation_sql


def vacuum(b: Builder, stmt: dict) -> None:
    on = options_on(stmt.get("options"))
    full = "full" in on
    is_vacuum = bool(stmt.get("is_vacuumcmd"))
    # PROCESS_MAIN false leaves the table itself alone (FULL rewrites its TOAST table only),
    # still under the table's lock (checked on the server).
    written = {unwrap(o)[1].get("defname") for o in stmt.get("options") or ()}
    main = "process_main" in on or "process_main" not in written
    tables: list[str] = []
    reached: list[str] = []
    sampled: list[str] = []
    for rel in stmt.get("rels") or ():
        _, vr = unwrap(rel)
        table = range_var(vr.get("relation"))[0]
        tables.append(table)
        reached += _processed_with(b, table, bool((vr.get("relation") or {}).get("inh")))
        if not is_vacuum or "analyze" in on:
            # A parent's inherited statistics sample every table under it, ONLY or not.
            sampled += descendants(b, table)
    if not stmt.get("rels"):  # the whole database: each table the catalog knows, in turn
        reached = known_tables(b.ctx.catalog, _WHOLE_DATABASE)
    for table in tables + reached:
        if full:
            b.lock(table, L.ACCESS_EXCLUSIVE)
            if main:
                b.rewrite(table, "VACUUM FULL rewrites the table")
            else:  # its TOAST data is all read and written again, the table held meanwhile
                b.scan(table, "VACUUM FULL rewrites the table's TOAST table")
        else:
            b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
            if is_vacuum and main:  # ANALYZE reads a random sample of pages, not the table
                b.scan(table, "vacuum")
    for table in sampled:
        b.lock(table, L.ACCESS_SHARE)
    if is_vacuum:
        b.transactional = False
    b.act("vacuum" if is_vacuum else "analyze", tables=tuple(tables), full=full,
          tables_text=", ".join(map(quote_qualified, tables)) or "every table of the database",
          table=tables[0] if tables else "",
          table_name=tables[0].split(".", 1)[-1] if tables else "",
          table_is_new=bool(tables) and all(b.ctx.table_is_new(t) for t in tables))


#: What VACUUM or ANALYZE without a table list processes (checked on the server): not views,
#: not foreign tables.
_WHOLE_DATABASE = ("table", "partitioned", "matview")


def known_tables(catalog: Catalog, kinds: tuple[str, ...], schema: str = "") -> list[str]:
    """The relations of the given kinds the catalog knows (of `schema` only, if given): those a
    statement over a whole database or schema processes in turn (VACUUM, REINDEX)."""
    prefix = f"{schema}."
    return [t.name for t in catalog.tables.values()
            if t.kind in kinds and (not schema or t.name.startswith(prefix))]


def _processed_with(b: Builder, table: str, inh: bool) -> list[str]:
    """The tables VACUUM or ANALYZE of `table` processes besides it (not with ONLY): its
    partitions, and from PostgreSQL 18 on its inheritance children too (before, a parent was
    processed alone, its children only sampled by ANALYZE)."""
    if not inh:
        return []
    if b.ctx.pg_version >= 18:
        return descendants(b, table)
    return b.ctx.catalog.partitions(table)


def partition_by_partition(b: Builder, table: str, mode: LockMode, *,
                           leaves_only: bool = False) -> bool:
    """REINDEX and CLUSTER of a partitioned table (or of an index on one) work through its
    partitions one transaction each, so PostgreSQL refuses them in a transaction block; each
    partition is held in `mode` while its turn lasts (checked on the server). CLUSTER
    (`leaves_only`) visits the partitions with storage only, never locking a partitioned
    partition between them. Whether `table` is such a table."""
    if _kind(b, table) != "partitioned":
        return False
    b.transactional = False
    for part in b.ctx.catalog.partitions(table):
        if not (leaves_only and _kind(b, part) == "partitioned"):
            b.lock(part, mode)
    return True


def _kind(b: Builder, table: str) -> str:
    return (b.ctx.catalog.tables.get(table) or NO_TABLE).kind


def cluster(b: Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"))
    if table:
        b.lock(table, L.ACCESS_EXCLUSIVE)
        b.rewrite(table, "CLUSTER rewrites the table in index order")
        if partition_by_partition(b, table, L.ACCESS_EXCLUSIVE, leaves_only=True):
            for part in b.ctx.catalog.partitions(table):
                b.rewrite(part, "CLUSTER rewrites each partition in index order")
    else:
        b.transactional = False
    b.act("cluster", **(table_facts(b, table, qualified) if table else {"table": ""}),
          **(refused_if_partitioned(b, table, "cluster") if table else {}))


def refresh_matview(b: Builder, stmt: dict) -> None:
    view, qualified = range_var(stmt.get("relation"))
    concurrently = bool(stmt.get("concurrent"))
    # Its contents are replaced: the view is looked up, and one that is gone fails (the
    # conflict graph's `missing-object`).
    b.writes.add(f"view:{view}")
    b.lock(view, L.EXCLUSIVE if concurrently else L.ACCESS_EXCLUSIVE)
    if concurrently:  # diffs new contents against the old and updates rows in place
        b.scan(view, "REFRESH CONCURRENTLY compares old and new contents")
    else:
        b.rewrite(view, "REFRESH MATERIALIZED VIEW rebuilds it")
    catalog = b.ctx.catalog
    # (a DO block's own, made by an earlier statement, too; NO DATA: no query)
    for source in b.ctx.read_by(view) if not stmt.get("skipData") else ():
        b.reads.add(f"table:{source}")
        for rel in (source, *descendants(b, source)):
            b.lock(rel, L.ACCESS_SHARE)
            if (known := catalog.tables.get(rel)) is None or known.kind != "view":
                b.scan(rel, "REFRESH MATERIALIZED VIEW runs the view's query")
    facts = table_facts(b, view, qualified)
    b.act("refresh_materialized_view", facts, concurrently=concurrently,
          unique_index_sql=matview_unique_index_sql(
              catalog, view, relation_sql(view, view, qualified)))


def matview_unique_index_sql(catalog: Catalog, view: str, written: str) -> str:
    """What REFRESH ... CONCURRENTLY needs first: nothing when the catalog knows a UNIQUE
    index of the view on plain columns without WHERE (a comment says so), else the index to
    build once, on a named stand-in for the columns only the user knows identify a row."""
    for idx in catalog.indexes_on(view):
        if idx.unique and idx.valid and not idx.partial and idx.columns and not idx.reads:
            return f"-- {idx.name} is the UNIQUE index CONCURRENTLY needs"
    name = quote_ident(generated_name(view.split(".", 1)[1], None, "key"))
    return (f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {written} "
            f"(unique_key_columns);{OWN_MIGRATION}, once; replace unique_key_columns with "
            "the view's columns that identify a row")


_LOCK_MODES = {1: L.ACCESS_SHARE, 2: L.ROW_SHARE, 3: L.ROW_EXCLUSIVE, 4: L.SHARE_UPDATE_EXCLUSIVE,
               5: L.SHARE, 6: L.SHARE_ROW_EXCLUSIVE, 7: L.EXCLUSIVE, 8: L.ACCESS_EXCLUSIVE}


def lock_table(b: Builder, stmt: dict) -> None:
    mode = _LOCK_MODES.get(stmt.get("mode", 8), L.ACCESS_EXCLUSIVE)
    tables = [range_var(r)[0] for r in stmt.get("relations") or ()]
    for rel, table in zip(stmt.get("relations") or (), tables, strict=True):
        for locked in (table, *descendants(b, table, bool(unwrap(rel)[1].get("inh")))):
            b.lock(locked, mode)
        # A view's relations are locked in the same mode, recursively (checked on the server);
        # a view of pg_catalog's as the server listed them.
        for base in (*view_reads(b, table), *view_locks(table)):
            for locked in (base, *descendants(b, base)):
                b.lock(locked, mode)
    login_catalogs = tuple(sorted(
        {r for t in tables for r in (t, *view_locks(t)) if r in LOGIN_CATALOGS}
        if mode is L.ACCESS_EXCLUSIVE else ()))
    b.act("lock_table", tables=tuple(tables), table=tables[0] if tables else "",
          login_catalogs=login_catalogs, locks_login_catalog=bool(login_catalogs),
          mode=mode.pg_name, nowait=bool(stmt.get("nowait")),
          transaction_only=True, command="LOCK TABLE",
          mode_sql=mode.sql_name)
