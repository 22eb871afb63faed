"""How close is the cost model? Predicted vs measured duration per operation class.

    python bench/cost_accuracy.py                    # 100k and 1M rows, calibrating first
    python bench/cost_accuracy.py --rows 1000000 --profile profile.json
    python bench/cost_accuracy.py --with-5m          # adds a 5M-row run (slow)

On the embedded PostgreSQL: builds the tables once per size (a template database),
calibrates (`lockwise calibrate`, unless --profile), then for every operation copies the
template, collects stats with `lockwise stats`'
code, predicts through the normal lint pipeline (the schema replayed as earlier migrations),
runs the statement(s) for real in autocommit and compares. Prints a Markdown table per size and
the share of operations predicted within 2x.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from lockwise.cost.calibrate import DEFAULT_ROWS, run_calibration  # noqa: E402
from lockwise.cost.collect import collect_stats  # noqa: E402
from lockwise.cost.profile import MachineProfile, load_profile  # noqa: E402
from lockwise.discover import migration_from_text  # noqa: E402
from lockwise.lint import LintOptions, lint_migrations  # noqa: E402

SCHEMA = """
CREATE TABLE customers (id bigint PRIMARY KEY, name text);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    ref bigint,
    amount numeric(12,2),
    status text,
    note text,
    created_at timestamptz,
    flag int
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE TABLE events (id bigint NOT NULL, payload text) PARTITION BY RANGE (id);
CREATE TABLE events_part (id bigint NOT NULL, payload text);
"""

LOAD = """
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, {customers}) AS g;
INSERT INTO orders
SELECT g, 1 + (g::bigint * 7919) % {customers}, g, (g % 100000) / 100.0,
       (ARRAY['new', 'paid', 'shipped'])[1 + g % 3],
       CASE WHEN g % 10 < 3 THEN NULL ELSE md5(g::text) END,
       timestamptz '2024-01-01' + g * interval '1 second', g % 100
FROM generate_series(1, {rows}) AS g;
INSERT INTO events_part SELECT g, md5(g::text) FROM generate_series(1, {rows}) AS g;
VACUUM ANALYZE customers;
VACUUM ANALYZE orders;
VACUUM ANALYZE events_part;
"""


@dataclass(frozen=True)
class Op:
    name: str
    kind: str
    #: The statements timed (each its own autocommit transaction), with {rows} etc.
    sql: str
    setup: str = ""


def _batches(table: str, rows: int, n: int, verb: str) -> str:
    size = rows // n
    return "\n".join(
        f"{verb} {table}{' SET flag = flag + 1' if verb == 'UPDATE' else ''} "
        f"WHERE id BETWEEN {i * size + 1} AND {(i + 1) * size};" for i in range(n))


def operations(rows: int) -> list[Op]:
    return [
        Op("ALTER COLUMN TYPE int -> bigint", "table rewrite",
           "ALTER TABLE orders ALTER COLUMN flag TYPE bigint;"),
        Op("ADD COLUMN volatile DEFAULT", "table rewrite",
           "ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();"),
        Op("SET UNLOGGED", "table rewrite", "ALTER TABLE orders SET UNLOGGED;"),
        Op("VACUUM FULL", "VACUUM FULL", "VACUUM FULL orders;"),
        Op("CLUSTER", "CLUSTER", "CLUSTER orders USING orders_customer_idx;"),
        Op("SET NOT NULL", "full scan", "ALTER TABLE orders ALTER COLUMN created_at SET NOT NULL;"),
        Op("ADD CHECK", "full scan",
           "ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount >= 0);"),
        Op("VALIDATE CHECK", "validation",
           "ALTER TABLE orders VALIDATE CONSTRAINT orders_amount_check;",
           setup="ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount >= 0) "
                 "NOT VALID;"),
        Op("CREATE INDEX (timestamptz)", "index build",
           "CREATE INDEX orders_created_idx ON orders (created_at);"),
        Op("CREATE INDEX (text)", "index build", "CREATE INDEX orders_note_idx ON orders (note);"),
        Op("CREATE UNIQUE INDEX (2 columns)", "index build",
           "CREATE UNIQUE INDEX orders_ref_created_idx ON orders (ref, created_at);"),
        Op("CREATE INDEX CONCURRENTLY", "index build concurrently",
           "CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);"),
        Op("ADD UNIQUE constraint", "index build",
           "ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);"),
        Op("REINDEX TABLE", "index rebuild", "REINDEX TABLE orders;"),
        Op("ADD FOREIGN KEY", "FK validation",
           "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
           "REFERENCES customers (id);"),
        Op("VALIDATE FOREIGN KEY", "FK validation",
           "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;",
           setup="ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY "
                 "(customer_id) REFERENCES customers (id) NOT VALID;"),
        Op("UPDATE all rows", "UPDATE backfill", "UPDATE orders SET flag = flag + 1;"),
        Op("UPDATE WHERE col IS NULL", "UPDATE backfill",
           "UPDATE orders SET note = 'n/a' WHERE note IS NULL;"),
        Op("UPDATE in 10 batches", "UPDATE batched", _batches("orders", rows, 10, "UPDATE")),
        Op("DELETE all rows", "DELETE backfill", "DELETE FROM orders;"),
        Op("DELETE in 10 batches", "DELETE batched", _batches("orders", rows, 10, "DELETE FROM")),
        Op("ATTACH PARTITION", "partition attach",
           f"ALTER TABLE events ATTACH PARTITION events_part FOR VALUES FROM (0) TO ({rows + 1});"),
        Op("ATTACH PARTITION + index build", "partition attach",
           f"ALTER TABLE events ATTACH PARTITION events_part FOR VALUES FROM (0) TO ({rows + 1});",
           setup="CREATE INDEX events_id_idx ON events (id);"),
    ]


def _template(admin_uri: str, rows: int) -> None:
    """Build the tables once per size, as a template database copied for every operation."""
    import psycopg

    from lockwise.db.scratch import create_database

    uri = create_database(admin_uri, "cost_template")
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(SCHEMA)
        for stmt in LOAD.format(rows=rows, customers=max(rows // 10, 1)).split(";"):
            if stmt.strip():
                conn.execute(stmt)


def _fresh_database(admin_uri: str) -> str:
    """A copy of the template: every operation starts from the same, freshly vacuumed tables."""
    import psycopg

    from lockwise.db.scratch import with_database

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS cost_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE cost_bench TEMPLATE cost_template STRATEGY FILE_COPY")
    uri = with_database(admin_uri, "cost_bench")
    with psycopg.connect(uri, autocommit=True) as conn:
        # Read the tables once so they are cached, like a table in use; start from a
        # checkpoint, as the calibration does.
        for table in ("orders", "customers", "events_part"):
            conn.execute(f"SELECT count(*) FROM {table}")
        conn.execute("CHECKPOINT")
    return uri


def _predict(op: Op, uri: str, profile: MachineProfile) -> tuple[float | None, float | None, str]:
    stats = collect_stats(uri)
    migrations = [migration_from_text(SCHEMA, "0001_schema.sql")]
    if op.setup:
        migrations.append(migration_from_text(op.setup, "0002_setup.sql"))
    migrations.append(migration_from_text(op.sql, "0003_op.sql"))
    options = LintOptions(stats=stats, profile=profile, assume_in_transaction=False)
    report = lint_migrations(migrations, options)[-1]
    secs = [s.estimated_seconds for s in report.statements]
    locks = [s.lock_seconds for s in report.statements]
    if any(s is None for s in secs):
        return None, None, "no estimate"
    return sum(secs), sum(locks), ""


def _measure(op: Op, uri: str) -> float:
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        total = 0.0
        for stmt in op.sql.split(";"):
            if stmt.strip():
                start = time.perf_counter()
                conn.execute(stmt)
                total += time.perf_counter() - start
    return total


def run_size(admin_uri: str, rows: int, profile: MachineProfile, repeat: int) -> list[dict]:
    import psycopg

    _template(admin_uri, rows)
    out = []
    for op in operations(rows):
        runs = []
        for _ in range(repeat):
            uri = _fresh_database(admin_uri)
            if op.setup:
                with psycopg.connect(uri, autocommit=True) as conn:
                    conn.execute(op.setup)
            predicted, lock, note = _predict(op, uri, profile)
            runs.append(_measure(op, uri))
        # The fastest run: other load on the machine only ever slows a run down.
        measured = min(runs)
        ratio = predicted / measured if predicted else None
        out.append({"name": op.name, "kind": op.kind, "rows": rows, "predicted": predicted,
                    "lock": lock, "measured": measured, "ratio": ratio, "note": note})
        print(f"  {op.name:<34} predicted {predicted if predicted is not None else 'n/a':>8}"
              f" measured {measured:8.3f}", file=sys.stderr, flush=True)
    return out


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def report(results: list[dict], profile: MachineProfile, rows: int) -> str:
    lines = [f"### {rows:,} rows", "",
             "| operation | class | predicted s | lock s | measured s | predicted / measured |",
             "|---|---|---:|---:|---:|---:|"]
    for r in results:
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(f"| {r['name']} | {r['kind']} | {_fmt(r['predicted'])} | "
                     f"{_fmt(r['lock'])} | {r['measured']:.2f} | {ratio} |")
    ratios = [r["ratio"] for r in results if r["ratio"]]
    within = sum(1 for x in ratios if 0.5 <= x <= 2.0)
    worst = max((max(x, 1 / x) for x in ratios), default=float("nan"))
    lines += ["", f"{within} of {len(results)} operations within 2x "
                  f"({100 * within / len(results):.0f}%); worst off by {worst:.2f}x.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append",
                        help="table size (repeatable; default 100000 and 1000000)")
    parser.add_argument("--with-5m", action="store_true", help="also run at 5,000,000 rows")
    parser.add_argument("--profile", type=Path, help="machine profile (default: calibrate)")
    parser.add_argument("--calibrate-rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--save-profile", type=Path, help="write the calibrated profile here")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs per operation, the fastest counts (default 2)")
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    if args.with_5m:
        sizes.append(5_000_000)

    from lockwise.db.scratch import scratch_server

    with scratch_server(durable=True) as admin:
        if args.profile:
            profile = load_profile(args.profile)
        else:
            print("calibrating ...", file=sys.stderr, flush=True)
            calibration = run_calibration(admin, args.calibrate_rows)
            profile = calibration.profile
            if args.save_profile:
                args.save_profile.write_text(calibration.to_json())
        print(f"## Cost model accuracy\n\nMachine: {platform.machine()}, {os.cpu_count()} CPUs, "
              f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
              f"embedded PostgreSQL (default settings). Profile: {profile.source}.\n")
        for rows in sizes:
            print(f"{rows} rows ...", file=sys.stderr, flush=True)
            results = run_size(admin, rows, profile, args.repeat)
            print(report(results, profile, rows), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
