"""`lockwise calibrate`: measure this server's throughput and write a machine profile.

Runs short micro-benchmarks in a scratch schema (created and dropped again): a validation scan,
a table rewrite (with and without a volatile default), VACUUM FULL, b-tree builds on a random,
a presorted and a wide text key (plain and CONCURRENTLY), UPDATEs of key ranges with one, two
and three indexes, DELETE of key ranges and of the whole table, a foreign key validation and a
catalog-only ALTER. Each
profile constant is solved from those timings the same way the model uses it
(lockwise.cost.model), so the model reproduces the calibration run exactly at its size.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lockwise.cost.profile import DEFAULT_PROFILE, MachineProfile

MB = 1024 * 1024
#: Large enough that the table (~140 MB) exceeds a default 128 MB shared_buffers: migrations
#: hurt on tables bigger than the buffer cache, and small cached tables run 2-3x faster.
DEFAULT_ROWS = 1_000_000


#: A rate for work the benchmark could not tell apart from zero.
NO_MEASURABLE_COST = 1e9


class CalibrationError(Exception):
    """The benchmark could not run; the message never contains the DSN's password."""


@dataclass(slots=True)
class Calibration:
    profile: MachineProfile
    #: Raw timings in seconds and the table sizes they were measured on.
    measured: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        import json

        doc = json.loads(self.profile.to_json())
        doc["measured"] = {k: round(v, 4) for k, v in self.measured.items()}
        return json.dumps(doc, indent=2) + "\n"


def _positive(value: float, fallback: float) -> float:
    # A difference of two timings can come out negative on a noisy machine: keep the default.
    return value if value > 0 and value == value else fallback


def run_calibration(dsn: str, rows: int = DEFAULT_ROWS,
                    progress: Callable[[str], None] | None = None) -> Calibration:
    """Benchmark the server behind `dsn` with tables of `rows` rows."""
    from lockwise.db.dsn import CONNECT_TIMEOUT, redact

    try:
        import psycopg
    except ImportError as exc:
        raise CalibrationError("psycopg is not installed: pip install 'lockwise[postgres]'") \
            from exc
    schema = "lockwise_calibrate"
    say = progress or (lambda _msg: None)
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
            try:
                conn.execute(f"SET search_path = {schema}")
                version = conn.execute("SHOW server_version").fetchone()[0]
                m = _benchmarks(conn, rows, say)
            finally:
                conn.execute("RESET search_path")
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    except CalibrationError:
        raise
    except Exception as exc:  # noqa: BLE001 - one clean, redacted line for the user
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CalibrationError(redact(f"calibration failed: {message}", dsn)) from None
    profile = solve(m, source=f"lockwise calibrate: PostgreSQL {version}, {rows} rows")
    return Calibration(profile, m)


def _timed(conn, sql: str) -> float:
    start = time.perf_counter()
    conn.execute(sql)
    return time.perf_counter() - start


def _checkpoint(conn) -> None:
    """Start from a checkpoint, as a migration on a live server effectively does: the first
    change to each page after one writes the whole page to WAL, a large part of DML cost."""
    # Needs superuser or pg_checkpoint; without it, measure as things are.
    with contextlib.suppress(Exception):
        conn.execute("CHECKPOINT")


def _best(conn, sql: str, undo: str | None, repeats: int = 3, dml: bool = False) -> float:
    """The fastest of `repeats` runs: other load on the machine only ever slows a run down."""
    times = []
    for _ in range(repeats):
        if dml:
            _checkpoint(conn)
        times.append(_timed(conn, sql))
        if undo:
            conn.execute(undo)
    return min(times)


def _fastest(conn, statements: list[str]) -> float:
    """The fastest of equivalent DML statements (each on its own rows), from a checkpoint."""
    times = []
    for sql in statements:
        _checkpoint(conn)
        times.append(_timed(conn, sql))
    return min(times)


def _size(conn, rel: str) -> float:
    return float(conn.execute("SELECT pg_relation_size(%s::regclass)", (rel,)).fetchone()[0])


def _benchmarks(conn, rows: int, say: Callable[[str], None]) -> dict[str, float]:
    m: dict[str, float] = {"rows": float(rows)}
    say(f"loading {rows} rows")
    # CREATE TABLE AS writes through a small ring buffer, not shared_buffers: like a big table
    # at rest, the benchmarks read it from the OS cache (INSERT ... SELECT would leave most
    # of it in shared_buffers and make every scan look 2-3x faster).
    conn.execute(
        "CREATE TABLE cal AS SELECT g::bigint AS id, (random() * 1e15)::bigint AS a, "
        "md5(g::text) AS b, (g %% 1000)::int AS c, repeat('x', 40) AS pad "
        "FROM generate_series(1, %s) AS g", (rows,))
    conn.execute("ALTER TABLE cal ALTER COLUMN id SET NOT NULL")
    conn.execute("VACUUM ANALYZE cal")
    _checkpoint(conn)
    m["heap_bytes"] = _size(conn, "cal")
    m["b_width"] = float(conn.execute(
        "SELECT avg_width FROM pg_stats WHERE tablename = 'cal' AND attname = 'b' "
        "AND schemaname = current_schema()").fetchone()[0])

    say("validation scan")
    m["scan"] = _best(conn, "ALTER TABLE cal ADD CONSTRAINT cal_c CHECK (c >= 0)",
                      "ALTER TABLE cal DROP CONSTRAINT cal_c")

    say("index builds")
    m["index_narrow"] = _best(conn, "CREATE INDEX cal_a ON cal (a)", "DROP INDEX cal_a")
    m["index_wide"] = _best(conn, "CREATE INDEX cal_b ON cal (b)", "DROP INDEX cal_b")
    m["index_sorted"] = _best(conn, "CREATE INDEX cal_id ON cal (id)", "DROP INDEX cal_id")
    m["index_concurrently"] = _best(conn, "CREATE INDEX CONCURRENTLY cal_a ON cal (a)",
                                    "DROP INDEX cal_a")

    say("catalog-only ALTER")
    m["overhead"] = _best(conn, "ALTER TABLE cal ADD COLUMN extra int",
                          "ALTER TABLE cal DROP COLUMN extra", repeats=5)
    conn.execute("VACUUM FULL cal")  # drop the dropped columns' slots: the next size is exact

    say("table rewrite")
    m["heap_bytes"] = _size(conn, "cal")
    # Alternate int -> bigint -> int: every run is a full rewrite of the same table.
    m["rewrite"] = min(_timed(conn, f"ALTER TABLE cal ALTER COLUMN c TYPE {t}")
                       for t in ("bigint", "int", "bigint"))
    # A volatile default is computed row by row during the rewrite; gen_random_uuid() is the
    # usual one in migrations (PostgreSQL 13+).
    with contextlib.suppress(Exception):  # no gen_random_uuid(): keep the default constant
        m["rewrite_volatile"] = _best(
            conn, "ALTER TABLE cal ADD COLUMN u uuid DEFAULT gen_random_uuid()",
            "ALTER TABLE cal DROP COLUMN u", repeats=1)
    conn.execute("VACUUM FULL cal")

    say("UPDATE of 5% key ranges with one, two and three indexes")
    conn.execute("ALTER TABLE cal ADD PRIMARY KEY (id)")
    conn.execute("CHECKPOINT")
    # Measures the copy path of a rewrite (and the primary key rebuild); also compacts the
    # table, so updated rows find no free space in their page (no HOT: every index is hit).
    m["vacuum_full"] = _best(conn, "VACUUM FULL cal", None, repeats=2)
    conn.execute("ANALYZE cal")
    m["update_heap_bytes"] = _size(conn, "cal")
    batch = max(rows // 20, 1)
    ranges = iter(range(12))

    def next_ranges(verb: str) -> list[str]:
        out = []
        for _ in range(3):
            k = next(ranges)
            out.append(f"{verb} WHERE id BETWEEN {k * batch + 1} AND {(k + 1) * batch}")
        return out

    # Three different key ranges per configuration, the fastest counts.
    m["update_1"] = _fastest(conn, next_ranges("UPDATE cal SET c = c + 1"))
    conn.execute("CREATE INDEX cal_a ON cal (a)")
    m["update_2"] = _fastest(conn, next_ranges("UPDATE cal SET c = c + 1"))
    conn.execute("CREATE INDEX cal_b ON cal (b)")
    m["index_b_bytes"] = _size(conn, "cal_b")
    m["update_3"] = _fastest(conn, next_ranges("UPDATE cal SET c = c + 1"))
    m["update_rows"] = float(batch)
    conn.execute("DROP INDEX cal_a, cal_b")
    conn.execute("VACUUM FULL ANALYZE cal")  # back to the original size for what follows

    say("foreign key validation")
    # A referenced table as big as the referencing one, its keys stored in random order: the
    # validation's anti-join hashes every referenced key (a parent of a few thousand keys, all
    # in cache, made it look several times faster than on real tables).
    conn.execute("CREATE TABLE cal_parent AS SELECT id FROM cal ORDER BY random()")
    conn.execute("ALTER TABLE cal_parent ADD PRIMARY KEY (id)")
    conn.execute("VACUUM ANALYZE cal_parent")
    m["parent_heap_bytes"] = _size(conn, "cal_parent")
    m["parent_rows"] = float(rows)
    m["fk"] = _best(conn, "ALTER TABLE cal ADD CONSTRAINT cal_fk FOREIGN KEY (id) "
                          "REFERENCES cal_parent (id)", "ALTER TABLE cal DROP CONSTRAINT cal_fk")

    say("DELETE of 5% key ranges and of the whole table")
    m["delete_batch"] = _fastest(conn, next_ranges("DELETE FROM cal"))
    m["delete_batch_rows"] = float(batch)
    # The last benchmark: it empties the table.
    live = conn.execute("SELECT count(*) FROM cal").fetchone()[0]
    _checkpoint(conn)
    m["delete"], m["delete_rows"] = _timed(conn, "DELETE FROM cal"), float(live)
    return m


def solve(m: dict[str, float], source: str = "calibration") -> MachineProfile:
    """Profile constants from the timings of `_benchmarks`, inverting the model's formulas."""
    d = DEFAULT_PROFILE
    rows, heap = m["rows"], m["heap_bytes"]
    overhead = _positive(min(m["overhead"], 0.05), d.statement_overhead_s)

    def net(key: str) -> float:
        return max(m[key] - overhead, 1e-6)

    scan_mb_s = _positive(heap / MB / net("scan"), d.scan_mb_s)
    scan = heap / (scan_mb_s * MB)
    rewrite_mb_s = _positive(heap / MB / net("rewrite"), d.rewrite_mb_s)
    volatile_default_rows_s = d.volatile_default_rows_s
    if "rewrite_volatile" in m:
        extra = net("rewrite_volatile") - net("rewrite")
        volatile_default_rows_s = _positive(rows / extra if extra > 0 else 0,
                                            d.volatile_default_rows_s)
    # Two builds that differ only in key width: t = scan + rows/R + rows*(key - 8)/K.
    wide_key = max(m["b_width"], 9.0)
    sort_narrow = max(net("index_narrow") - scan, 1e-6)
    sort_wide = max(net("index_wide") - scan, 1e-6)
    index_build_rows_s = _positive(rows / sort_narrow, d.index_build_rows_s)
    # id is stored in key order (correlation 1): the presorted case.
    sort_sorted = net("index_sorted") - scan
    index_build_sorted_rows_s = _positive(rows / sort_sorted if sort_sorted > 0 else 0,
                                          d.index_build_sorted_rows_s)
    # VACUUM FULL = copy of the heap + rebuild of the primary key (id: stored in key order).
    copy_mb_s = d.copy_mb_s
    if "vacuum_full" in m:
        pk = scan + rows / index_build_sorted_rows_s
        rest = net("vacuum_full") - pk
        copy_mb_s = _positive(heap / MB / rest if rest > 0 else 0, d.copy_mb_s)
    per_byte = (sort_wide - sort_narrow) / (rows * (wide_key - 8))
    index_key_mb_s = _positive(1 / per_byte / MB if per_byte > 0 else 0, d.index_key_mb_s)
    concurrent = _positive(net("index_concurrently") / net("index_narrow"),
                           d.concurrent_index_factor)
    delete_rows_s = _positive(m["delete_rows"] / net("delete"), d.delete_rows_s)
    # A batch finds its rows through an index: the extra time per row over a plain DELETE.
    # When batches are as fast per row as the whole table, finding rows costs nothing
    # measurable: say so rather than fall back to the default.
    lookup = net("delete_batch") / m["delete_batch_rows"] - 1 / delete_rows_s
    lookup_rows_s = 1 / lookup if lookup > 0 else NO_MEASURABLE_COST
    # UPDATE of a key range of b rows: b/U + pages*8192/rewrite + b/lookup + per further
    # index b*(1/I + (key-8)/IK); with the primary key only, + an 8-byte key, + a text key.
    b = m["update_rows"]
    pages = b / (rows / (m["update_heap_bytes"] / 8192))
    fixed = pages * 8192 / (rewrite_mb_s * MB) + b / lookup_rows_s
    update_rows_s = _positive(b / max(net("update_1") - fixed, 1e-6), d.update_rows_s)
    per_index = (net("update_2") - net("update_1")) / b
    index_insert_rows_s = _positive(1 / per_index if per_index > 0 else 0,
                                    d.index_insert_rows_s)
    # The key width the model will infer from the index's size, not the column's avg_width.
    wide = max(m["index_b_bytes"] * 0.9 / rows - 12, 9.0)
    per_byte = ((net("update_3") - net("update_2")) / b - 1 / index_insert_rows_s) / (wide - 8)
    index_insert_key_mb_s = _positive(1 / per_byte / MB if per_byte > 0 else 0,
                                      d.index_insert_key_mb_s)
    fk_scan = (m["update_heap_bytes"] + m["parent_heap_bytes"]) / (scan_mb_s * MB)
    fk_rest = net("fk") - fk_scan
    fk_check_rows_s = _positive((rows + m["parent_rows"]) / fk_rest if fk_rest > 0 else 0,
                                d.fk_check_rows_s)
    return replace(
        d, scan_mb_s=round(scan_mb_s, 1), rewrite_mb_s=round(rewrite_mb_s, 1),
        index_build_rows_s=round(index_build_rows_s), index_key_mb_s=round(index_key_mb_s, 2),
        index_build_sorted_rows_s=round(index_build_sorted_rows_s),
        concurrent_index_factor=round(max(concurrent, 1.0), 3),
        update_rows_s=round(update_rows_s), index_insert_rows_s=round(index_insert_rows_s),
        index_insert_key_mb_s=round(index_insert_key_mb_s, 2),
        delete_rows_s=round(delete_rows_s), lookup_rows_s=round(lookup_rows_s),
        fk_check_rows_s=round(fk_check_rows_s),
        volatile_default_rows_s=round(volatile_default_rows_s), copy_mb_s=round(copy_mb_s, 1),
        statement_overhead_s=round(overhead, 5), source=source)
