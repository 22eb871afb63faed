"""`lockwise stats`: read table sizes from a live database's catalog, never its rows.

Queries only pg_class, pg_namespace, pg_index, pg_indexes, pg_stats and pg_stat_user_tables,
the database's own row of pg_database (its default collation), plus the size functions
(pg_relation_size and friends), which read file sizes. psycopg is imported here and only
here, so `lockwise lint` never loads it.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from lockwise.cost.stats import ColumnStats, IndexStats, Stats, TableStats
from lockwise.db.dsn import CONNECT_TIMEOUT, redact

if TYPE_CHECKING:
    from lockwise.executor.history import HistoryTable


class CollectError(Exception):
    """Connecting or querying failed; the message never contains the DSN's password."""


_TABLES = """
SELECT n.nspname, c.relname, c.relkind, c.reltuples::float8,
       COALESCE(s.n_live_tup, 0)::float8,
       pg_relation_size(c.oid), COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY 1, 2
"""

# pg_indexes names the index; pg_index gives uniqueness and the key columns (expressions too).
_INDEXES = """
SELECT ix.schemaname, ix.tablename, ix.indexname, i.indisunique,
       pg_relation_size(i.indexrelid),
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k)
FROM pg_indexes ix
JOIN pg_namespace n ON n.nspname = ix.schemaname
JOIN pg_class ic ON ic.relname = ix.indexname AND ic.relnamespace = n.oid
JOIN pg_index i ON i.indexrelid = ic.oid
WHERE ix.schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2, 3
"""

# Partitioned tables and indexes have no storage of their own: their size is their
# partitions'. pg_inherits links both a partition to its table and an index partition to its
# partitioned index.
_PARTITIONS = """
SELECT pn.nspname, p.relname, cn.nspname, c.relname, p.relkind = 'I'
FROM pg_inherits i
JOIN pg_class p ON p.oid = i.inhparent AND p.relkind IN ('p', 'I')
JOIN pg_namespace pn ON pn.oid = p.relnamespace
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace cn ON cn.oid = c.relnamespace
"""

# The database's default collation: its row as JSON, whose columns differ by version
# (datlocprovider from 15, daticulocale 15-16, datlocale from 17).
_DATABASE = "SELECT to_jsonb(d) FROM pg_database d WHERE d.datname = current_database()"

_COLUMNS = """
SELECT schemaname, tablename, attname, null_frac::float8, n_distinct::float8, avg_width,
       correlation::float8
FROM pg_stats
WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND NOT inherited
ORDER BY 1, 2, 3
"""


def collect_stats(dsn: str, history: HistoryTable | None = None) -> Stats:
    """Stats for every user table, partitioned table and materialized view behind `dsn`;
    the executor's own tables for the history table `history` are left out (no migration of
    the user's touches them)."""
    try:
        import psycopg
    except ImportError as exc:
        raise CollectError("psycopg is not installed: pip install 'lockwise[postgres]'") from exc
    try:
        with psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.read_only = True
            version = conn.execute("SHOW server_version").fetchone()[0]
            collation = database_collation_of(conn)
            tables = conn.execute(_TABLES).fetchall()
            indexes = conn.execute(_INDEXES).fetchall()
            columns = conn.execute(_COLUMNS).fetchall()
            partitions = conn.execute(_PARTITIONS).fetchall()
            own = set() if history is None else _own_tables(conn, history)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one clean, redacted line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CollectError(redact(f"cannot read statistics: {message}", dsn)) from None

    by_table: dict[str, list[IndexStats]] = {}
    for schema, table, name, unique, size, cols in indexes:
        by_table.setdefault(f"{schema}.{table}", []).append(
            IndexStats(f"{schema}.{name}", tuple(cols), int(size), bool(unique)))
    col_stats: dict[str, dict[str, ColumnStats]] = {}
    for schema, table, col, null_frac, n_distinct, width, correlation in columns:
        col_stats.setdefault(f"{schema}.{table}", {})[col] = ColumnStats(
            null_frac=round(null_frac, 6), n_distinct=round(n_distinct, 6),
            avg_width=int(width) if width is not None else None,
            correlation=round(correlation, 6) if correlation is not None else None)
    out: dict[str, TableStats] = {}
    for schema, name, relkind, reltuples, live, heap, toast in tables:
        qualified = f"{schema}.{name}"
        if qualified in own:
            continue
        # reltuples is -1 until the first VACUUM/ANALYZE (PostgreSQL 14+; 0 before): fall back
        # to the statistics collector's live-tuple count, which inserts keep up to date.
        rows = reltuples if reltuples > 0 else live
        out[qualified] = TableStats(
            name=qualified, rows=float(round(rows)), heap_bytes=int(heap),
            toast_bytes=int(toast), indexes=tuple(by_table.get(qualified, ())),
            columns=col_stats.get(qualified, {}),
            kind={"r": "table", "p": "partitioned", "m": "materialized_view"}[relkind])
    _sum_partitions(out, partitions)
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    return Stats(out, server_version=str(version), collected_at=now, collation=collation or "")


def database_collation_of(conn: Any) -> str | None:
    """The default collation of the database `conn` (psycopg's) is connected to, from its row
    of pg_database (`effects.collations.database_collation`): what `lockwise stats` writes,
    and what `apply` and `verify` judge by on the server they run on."""
    from lockwise.effects.collations import database_collation

    return database_collation(conn.execute(_DATABASE).fetchone()[0])


def _own_tables(conn, history: HistoryTable) -> set[str]:
    from lockwise.executor.history import own_relations

    return {f"{schema}.{name}" for schema, name in own_relations(conn, history)}


def _sum_partitions(tables: dict[str, TableStats], edges: list[tuple]) -> None:
    """Give each partitioned table the rows and bytes of its partitions (any depth), and the
    indexes a rewrite of it rebuilds: its own, each sized as the index partitions below it,
    and those its partitions have on their own."""
    from dataclasses import replace

    children: dict[str, list[str]] = {}
    index_children: dict[str, list[str]] = {}
    for ps, pt, cs, ct, is_index in edges:
        (index_children if is_index else children).setdefault(f"{ps}.{pt}", []).append(
            f"{cs}.{ct}")
    attached = {i for kids in index_children.values() for i in kids}
    index_bytes = {i.name: i.bytes for t in tables.values() for i in t.indexes}
    own_indexes = {name: t.indexes for name, t in tables.items()}

    def below(name: str, seen: frozenset[str]) -> list[str]:
        """`name` and every partition under it."""
        if name in seen or name not in tables:
            return []
        return [name] + [d for c in children.get(name, ()) for d in below(c, seen | {name})]

    def stored(index: str, seen: frozenset[str]) -> int:
        if index in seen:
            return 0
        kids = index_children.get(index)
        if not kids:
            return index_bytes.get(index, 0)
        return sum(stored(k, seen | {index}) for k in kids)

    for name, t in list(tables.items()):
        if t.kind != "partitioned":
            continue
        parts = below(name, frozenset())
        leaves = [tables[p] for p in parts if tables[p].kind != "partitioned"]
        indexes = [replace(i, bytes=stored(i.name, frozenset())) for p in parts
                   for i in own_indexes[p] if p == name or i.name not in attached]
        tables[name] = replace(t, rows=sum(x.rows for x in leaves),
                               heap_bytes=sum(x.heap_bytes for x in leaves),
                               toast_bytes=sum(x.toast_bytes for x in leaves),
                               indexes=tuple(indexes))
