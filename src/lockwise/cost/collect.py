"""`lockwise stats`: read table sizes from a live database's catalog, never its rows.

Queries only pg_class, pg_namespace, pg_index, pg_indexes, pg_stats and pg_stat_user_tables,
plus the size functions (pg_relation_size and friends), which read file sizes. psycopg is
imported here and only here, so `lockwise lint` never loads it.
"""

from __future__ import annotations

import datetime as _dt

from lockwise.cost.stats import ColumnStats, IndexStats, Stats, TableStats
from lockwise.db.dsn import CONNECT_TIMEOUT, redact


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

# Partitioned tables have no storage of their own: their size is their partitions'.
_PARTITIONS = """
SELECT pn.nspname, p.relname, cn.nspname, c.relname
FROM pg_inherits i
JOIN pg_class p ON p.oid = i.inhparent AND p.relkind = 'p'
JOIN pg_namespace pn ON pn.oid = p.relnamespace
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace cn ON cn.oid = c.relnamespace
"""

_COLUMNS = """
SELECT schemaname, tablename, attname, null_frac::float8, n_distinct::float8, avg_width,
       correlation::float8
FROM pg_stats
WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND NOT inherited
ORDER BY 1, 2, 3
"""


def collect_stats(dsn: str) -> Stats:
    """Stats for every user table, partitioned table and materialized view behind `dsn`."""
    try:
        import psycopg
    except ImportError as exc:
        raise CollectError("psycopg is not installed: pip install 'lockwise[postgres]'") from exc
    try:
        with psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.read_only = True
            version = conn.execute("SHOW server_version").fetchone()[0]
            tables = conn.execute(_TABLES).fetchall()
            indexes = conn.execute(_INDEXES).fetchall()
            columns = conn.execute(_COLUMNS).fetchall()
            partitions = conn.execute(_PARTITIONS).fetchall()
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
    return Stats(out, server_version=str(version), collected_at=now)


def _sum_partitions(tables: dict[str, TableStats], edges: list[tuple]) -> None:
    """Give each partitioned table the rows and bytes of its partitions (any depth)."""
    from dataclasses import replace

    children: dict[str, list[str]] = {}
    for ps, pt, cs, ct in edges:
        children.setdefault(f"{ps}.{pt}", []).append(f"{cs}.{ct}")

    def total(name: str, seen: frozenset[str]) -> tuple[float, int, int]:
        t = tables.get(name)
        if name in seen or t is None:
            return 0.0, 0, 0
        if t.kind != "partitioned":
            return t.rows, t.heap_bytes, t.toast_bytes
        sums = [total(c, seen | {name}) for c in children.get(name, ())]
        return (sum(x[0] for x in sums), sum(x[1] for x in sums), sum(x[2] for x in sums))

    for name, t in list(tables.items()):
        if t.kind == "partitioned":
            rows, heap, toast = total(name, frozenset())
            tables[name] = replace(t, rows=rows, heap_bytes=heap, toast_bytes=toast)
