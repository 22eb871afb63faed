"""The cost model's behaviour: what grows with what, what is unknown, what the rule sees.

No timings here: the model is pure arithmetic over a stats file and a machine profile.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from lockwise.catalog.model import Catalog
from lockwise.cost.calibrate import solve
from lockwise.cost.model import Estimate, estimate_statement
from lockwise.cost.profile import DEFAULT_PROFILE, load_profile, profile_from_dict
from lockwise.cost.stats import (
    ColumnStats,
    IndexStats,
    Stats,
    TableStats,
    load_stats,
    stats_from_dict,
)
from lockwise.discover import migration_from_text
from lockwise.effects.context import Context
from lockwise.effects.postgres import compute_effect
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.postgres import parse_sql
from lockwise.parse.source import InputError

GB = 1024 ** 3


def table(rows: float = 1_000_000, heap: int = 150_000_000, indexes: int = 1,
          toast: int = 0, name: str = "public.orders", **columns: ColumnStats) -> TableStats:
    idx = tuple(IndexStats(f"public.orders_idx{i}", (f"c{i}",), int(rows * 25), i == 0)
                for i in range(indexes))
    return TableStats(name, rows, heap, toast, idx, dict(columns))


def estimate(sql: str, *tables: TableStats, profile=DEFAULT_PROFILE) -> Estimate:
    stats = Stats({t.name: t for t in tables})
    (stmt,) = parse_sql(sql).statements
    effect = compute_effect(stmt.tree, Context(catalog=Catalog(), pg_version=16))
    return estimate_statement(effect, stats, profile, tree=stmt.tree)


REWRITE = "ALTER TABLE orders ALTER COLUMN flag TYPE bigint"
SCAN = "ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0)"
INDEX = "CREATE INDEX orders_created_idx ON orders (created_at)"
UPDATE = "UPDATE orders SET flag = 0"
DELETE = "DELETE FROM orders"
CLASSES = [REWRITE, SCAN, INDEX, UPDATE, DELETE, "VACUUM FULL orders",
           "CLUSTER orders USING orders_idx0", "REINDEX TABLE orders",
           "CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at)"]


@pytest.mark.parametrize("sql", CLASSES)
def test_more_rows_and_bytes_never_cost_less(sql: str) -> None:
    sizes = [(10_000, 1_500_000), (1_000_000, 150_000_000), (50_000_000, 7_500_000_000)]
    seconds = [estimate(sql, table(rows, heap)).seconds for rows, heap in sizes]
    assert all(s is not None for s in seconds)
    assert seconds[0] < seconds[1] < seconds[2]
    # Bytes alone (same rows, wider rows) matter for everything that reads or writes the heap.
    wide = estimate(sql, table(1_000_000, 600_000_000)).seconds
    if sql not in (DELETE,):
        assert wide > seconds[1]


@pytest.mark.parametrize("sql", [REWRITE, UPDATE, "VACUUM FULL orders", "REINDEX TABLE orders"])
def test_index_count_matters(sql: str) -> None:
    one, three = (estimate(sql, table(indexes=n)) for n in (1, 3))
    assert three.seconds > one.seconds
    if sql == REWRITE:
        (op,) = one.operations
        assert op.drivers["indexes_rebuilt"] == 1
        assert three.operations[0].drivers["indexes_rebuilt"] == 3


def test_unknown_table_gets_no_estimate_and_says_so() -> None:
    est = estimate(REWRITE, table(name="public.customers"))
    assert est.seconds is None and est.lock_seconds is None
    assert est.unknown_tables == ("public.orders",)
    assert "public.orders is not in the stats file" in est.note


def test_statements_whose_size_is_unknowable_get_no_estimate() -> None:
    for sql in ("REINDEX INDEX nowhere_idx", "VACUUM", "DO $$ BEGIN PERFORM 1; END $$",
                "INSERT INTO orders SELECT * FROM staging"):
        est = estimate(sql, table())
        assert est.seconds is None and est.note, sql
    # An index the catalog does not know is found in the stats file.
    assert estimate("REINDEX INDEX orders_idx0", table()).seconds is not None


def test_insert_select_of_a_whole_table_is_estimated_from_its_size() -> None:
    """INSERT ... SELECT without WHERE copies the rows it reads in full: its cost grows with
    what it reads, as CREATE TABLE AS's does; with a WHERE its rows are unknown."""
    sql = "INSERT INTO orders SELECT * FROM staging"
    small, big = (estimate(sql, table(), table(rows=rows, heap=heap, name="public.staging"))
                  for rows, heap in ((1000, 150_000), (10_000_000, 1_500_000_000)))
    assert small.seconds is not None and big.seconds is not None
    assert big.seconds > 100 * small.seconds
    assert [op.kind for op in big.operations] == ["insert_select"]
    assert big.operations[0].drivers["rows"] == 10_000_000
    filtered = estimate(sql + " WHERE id > 5", table(), table(name="public.staging"))
    assert filtered.seconds is None and filtered.note


def test_update_from_a_joined_table_reads_it_in_full() -> None:
    """UPDATE ... FROM (DELETE ... USING) whose WHERE only joins reads the table beside the
    target in full: its cost grows with that table's size, as INSERT ... SELECT's does."""
    for sql in ("UPDATE orders SET flag = s.flag FROM staging s WHERE s.id = orders.id",
                "DELETE FROM orders USING staging WHERE staging.id = orders.id"):
        small, big = (estimate(sql, table(), table(rows=rows, heap=heap, name="public.staging"))
                      for rows, heap in ((1000, 150_000), (10_000_000, 1_500_000_000)))
        assert small.seconds is not None and big.seconds is not None
        assert big.seconds > small.seconds + 1
        scans = [op for op in big.operations if op.kind == "full_scan"]
        assert [op.table for op in scans] == ["public.staging"]
        assert scans[0].drivers["rows"] == 10_000_000
        missing = estimate(sql, table())
        assert missing.seconds is None and "public.staging" in missing.note


def test_a_condition_on_a_joined_table_does_not_bound_the_targets_rows() -> None:
    """`s.flag = 0` is not a condition on orders' own flag column, nor is `s.id = orders.id`
    an equality with a constant: neither says how many of orders' rows change."""
    t = table(flag=ColumnStats(n_distinct=2), id=ColumnStats(n_distinct=-1))
    est = estimate("UPDATE orders SET note = '' FROM staging s WHERE s.id = orders.id "
                   "AND s.flag = 0", t, table(name="public.staging"))
    assert est.seconds is None and "WHERE" in est.note
    own = estimate("UPDATE orders SET note = '' FROM staging s WHERE s.id = orders.id "
                   "AND orders.flag = 0", t, table(name="public.staging"))
    assert own.operations[0].drivers["rows"] == pytest.approx(500_000)


def test_a_write_through_a_view_counts_the_rows_its_where_keeps() -> None:
    """UPDATE / DELETE through a view changes only the rows the view's WHERE keeps: without
    a WHERE of its own the view's bounds the rows, with one the smaller bound holds; a view
    without WHERE reaches every row."""
    from lockwise.catalog.replay import apply_statement

    catalog = Catalog()
    for stmt in parse_sql("CREATE VIEW open_orders AS SELECT * FROM orders o "
                          "WHERE o.note IS NULL;\n"
                          "CREATE VIEW every_order AS SELECT * FROM orders;").statements:
        apply_statement(catalog, stmt.tree, "0001")
    stats = Stats({"public.orders": table(note=ColumnStats(null_frac=0.25))})

    def rows(sql: str) -> float:
        (stmt,) = parse_sql(sql).statements
        effect = compute_effect(stmt.tree, Context(catalog=catalog, pg_version=16))
        est = estimate_statement(effect, stats, tree=stmt.tree, catalog=catalog)
        assert est.seconds is not None, est.note
        return est.operations[0].drivers["rows"]

    assert rows("UPDATE open_orders SET flag = 1") == pytest.approx(250_000)
    # Without a WHERE of its own the table is read in full to find them: at least a scan.
    (stmt,) = parse_sql("DELETE FROM open_orders").statements
    effect = compute_effect(stmt.tree, Context(catalog=catalog, pg_version=16))
    through_view = estimate_statement(effect, stats, tree=stmt.tree, catalog=catalog)
    scan = estimate(SCAN, table())
    assert through_view.seconds > scan.seconds
    assert through_view.operations[0].drivers["found_by"] == "a full read of the table"
    assert rows("DELETE FROM open_orders") == pytest.approx(250_000)
    assert rows("UPDATE open_orders SET flag = 1 WHERE id BETWEEN 1 AND 5000") == 5000
    assert rows("UPDATE every_order SET flag = 1") == 1_000_000


def test_a_delete_reading_an_unindexed_referencing_table_per_row_is_not_estimated() -> None:
    """Deleting from a table whose referencing table has no index on its key reads that
    table once per row deleted: no single scan stands for it, so no estimate."""
    from lockwise.catalog.replay import apply_statement

    catalog = Catalog()
    for stmt in parse_sql("CREATE TABLE orders (id bigint PRIMARY KEY, flag int);\n"
                          "CREATE TABLE lines (id bigint, order_id bigint REFERENCES orders "
                          "ON DELETE CASCADE);").statements:
        apply_statement(catalog, stmt.tree, "0001")
    stats = Stats({"public.orders": table(), "public.lines": table(name="public.lines")})
    (stmt,) = parse_sql("DELETE FROM orders WHERE id BETWEEN 1 AND 5000").statements
    effect = compute_effect(stmt.tree, Context(catalog=catalog, pg_version=16))
    est = estimate_statement(effect, stats, tree=stmt.tree, catalog=catalog)
    assert est.seconds is None and "public.lines" in est.note


def test_foreign_key_needs_both_tables() -> None:
    sql = ("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
           "REFERENCES customers (id)")
    assert estimate(sql, table()).unknown_tables == ("public.customers",)
    both = estimate(sql, table(), table(100_000, 10_000_000, name="public.customers"))
    assert both.seconds is not None
    assert {o.kind for o in both.operations} == {"fk_validation", "fk_validation_referenced"}
    # SHARE ROW EXCLUSIVE on both tables for the whole validation: writes wait.
    assert both.lock_seconds == pytest.approx(both.seconds)
    # The anti-join hashes every referenced key: a bigger referenced table costs more beyond
    # reading it (measured: 2M referencing rows and 1M referenced ones took 1.2 s, of which
    # 0.15 s were the two scans).
    small_parent = both.operations[0].seconds
    big = estimate(sql, table(), table(10_000_000, 10_000_000, name="public.customers"))
    assert big.operations[0].seconds - small_parent == pytest.approx(
        9_900_000 / DEFAULT_PROFILE.fk_check_rows_s)  # same bytes: only the rows differ


def test_catalog_only_change_costs_only_the_overhead() -> None:
    est = estimate("ALTER TABLE orders ADD COLUMN note text", table())
    assert est.operations == [] and est.seconds == DEFAULT_PROFILE.statement_overhead_s


def test_a_not_null_column_without_a_default_reads_no_further_than_its_first_row() -> None:
    # the statement fails at the table's first row: no pass over the table to cost
    est = estimate("ALTER TABLE orders ADD COLUMN note text NOT NULL", table())
    assert est.operations == [] and est.seconds == DEFAULT_PROFILE.statement_overhead_s


def test_concurrently_blocks_nobody_plain_blocks_writes_for_the_whole_build() -> None:
    plain = estimate(INDEX, table())
    online = estimate("CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at)",
                      table())
    assert plain.lock_seconds == pytest.approx(plain.seconds)
    assert plain.operations[0].lock == "SHARE"
    assert online.lock_seconds == 0 and online.seconds > plain.seconds


def test_rewrite_needs_disk_and_wal_for_heap_toast_and_indexes() -> None:
    t = table(heap=2 * GB, toast=GB, indexes=2)
    est = estimate(REWRITE, t)
    assert est.disk_bytes == 3 * GB + t.index_bytes
    assert est.wal_bytes == 3 * GB + t.index_bytes
    summary = est.summary()
    assert "free disk" in summary and "WAL" in summary and "indexes rebuilt 2" in summary


def test_set_tablespace_moves_heap_and_toast_but_rebuilds_no_index() -> None:
    # ALTER TABLE SET TABLESPACE copies the heap and its TOAST table block by block; the
    # indexes stay where they are (tests/cost/test_stats_pg.py checks both on the server).
    t = table(heap=GB, toast=2 * GB, indexes=3)
    est = estimate("ALTER TABLE orders SET TABLESPACE fast", t)
    (op,) = est.operations
    assert op.drivers["indexes_rebuilt"] == 0 and op.drivers["toast_bytes"] == 2 * GB
    assert est.disk_bytes == est.wal_bytes == 3 * GB
    copy_only = 3 * GB / (DEFAULT_PROFILE.copy_mb_s * 1024 * 1024)
    assert op.seconds == pytest.approx(copy_only)


def test_wider_key_costs_more_and_uses_pg_stats_width() -> None:
    narrow = estimate(INDEX, table(created_at=ColumnStats(avg_width=8)))
    wide = estimate(INDEX, table(created_at=ColumnStats(avg_width=64)))
    assumed = estimate(INDEX, table())
    assert wide.seconds > narrow.seconds
    assert "(assumed)" in assumed.operations[0].drivers["key_bytes"]


def test_presorted_input_builds_faster() -> None:
    random = estimate(INDEX, table(created_at=ColumnStats(correlation=0.02)))
    ordered = estimate(INDEX, table(created_at=ColumnStats(correlation=-0.99)))
    assert ordered.seconds < random.seconds
    assert ordered.operations[0].drivers["correlation"] == -0.99


def test_scattered_rows_write_more_pages_than_a_key_range() -> None:
    t = table(note=ColumnStats(null_frac=0.1))
    scattered = estimate("UPDATE orders SET note = '' WHERE note IS NULL", t)
    packed = estimate("UPDATE orders SET flag = 1 WHERE id BETWEEN 1 AND 100000", t)
    assert scattered.operations[0].drivers["rows"] == packed.operations[0].drivers["rows"]
    assert scattered.operations[0].drivers["pages_written"] > \
        5 * packed.operations[0].drivers["pages_written"]
    assert scattered.seconds > packed.seconds


def test_where_clause_rows_from_null_frac_between_limit() -> None:
    t = table(note=ColumnStats(null_frac=0.25, n_distinct=-0.5))
    nulls = estimate("UPDATE orders SET note = '' WHERE note IS NULL", t)
    assert nulls.operations[0].drivers["rows"] == pytest.approx(250_000)
    batch = estimate("UPDATE orders SET flag = 1 WHERE id BETWEEN 1 AND 5000", t)
    assert batch.operations[0].drivers["rows"] == 5000
    limit = estimate("DELETE FROM orders WHERE id IN (SELECT id FROM orders LIMIT 100)", t)
    assert limit.operations[0].drivers["rows"] == 100
    whole = estimate(UPDATE, t)
    assert batch.seconds < nulls.seconds < whole.seconds


def test_partial_index_sorts_only_the_rows_its_predicate_keeps() -> None:
    """A partial index reads the whole heap but sorts and stores only the rows its WHERE
    keeps (on the embedded server, 3 M rows: the full build 1.8 s, one of 1,000 rows 0.28 s,
    a count(*) 0.17 s); a predicate that cannot be bounded counts every row."""
    t = table(status=ColumnStats(n_distinct=4))
    full = estimate(INDEX, t)
    few = estimate(INDEX + " WHERE id BETWEEN 1 AND 1000", t)
    quarter = estimate(INDEX + " WHERE status = 'open'", t)
    unbounded = estimate(INDEX + " WHERE created_at > now()", t)
    assert few.operations[0].drivers["rows_indexed"] == 1000
    assert quarter.operations[0].drivers["rows_indexed"] == pytest.approx(250_000)
    assert few.seconds < quarter.seconds < full.seconds == unbounded.seconds
    assert few.operations[0].disk_bytes < full.operations[0].disk_bytes / 100
    scan_only = estimate("ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0)", t)
    assert few.seconds == pytest.approx(scan_only.seconds, rel=0.05)


def test_unbounded_where_gets_no_estimate() -> None:
    est = estimate("UPDATE orders SET flag = 1 WHERE created_at < now()", table())
    assert est.seconds is None and "WHERE" in est.note


def test_table_created_in_the_same_migration_is_empty() -> None:
    options = LintOptions(stats=Stats({}), assume_in_transaction=True)
    sql = "CREATE TABLE fresh (id bigint, v int);\nCREATE INDEX fresh_v ON fresh (v);"
    (report,) = lint_migrations([migration_from_text(sql, "0001_fresh.sql")], options)
    index = report.statements[1]
    assert index.estimated_seconds is not None and index.estimated_seconds < 0.1


@pytest.mark.parametrize("fill", [
    "CREATE TABLE fresh AS SELECT id, flag AS v FROM orders;",
    "CREATE TABLE fresh (id bigint, v int);\nINSERT INTO fresh SELECT id, flag FROM orders;",
])
def test_table_filled_from_an_older_table_has_no_size(fill: str) -> None:
    """A new table filled from an older one holds its rows: how many, no stats file says."""
    options = LintOptions(stats=BIG, assume_in_transaction=True)
    sql = f"{fill}\nCREATE INDEX fresh_v ON fresh (v);"
    (report,) = lint_migrations([migration_from_text(sql, "0001_fresh.sql")], options)
    index = report.statements[-1]
    assert index.estimated_seconds is None
    assert "public.fresh was created by this migration and filled" in index.cost_note


def test_table_filled_with_values_stays_cheap() -> None:
    options = LintOptions(stats=BIG, assume_in_transaction=True)
    sql = ("CREATE TABLE fresh (id bigint, v int);\nINSERT INTO fresh VALUES (1, 2);\n"
           "CREATE INDEX fresh_v ON fresh (v);")
    (report,) = lint_migrations([migration_from_text(sql, "0001_fresh.sql")], options)
    assert report.statements[-1].estimated_seconds is not None


def lint(sql: str, stats: Stats, limit: float | None, in_transaction: bool = True):
    options = LintOptions(stats=stats, max_lock_seconds=limit,
                          assume_in_transaction=in_transaction)
    (report,) = lint_migrations([migration_from_text(sql, "0002_change.sql")], options)
    return report


BIG = Stats({"public.orders": table(20_000_000, 3 * GB, indexes=2)})


def test_lock_held_too_long_fires_with_a_small_limit_not_a_large_one() -> None:
    small = lint(REWRITE + ";", BIG, 5)
    large = lint(REWRITE + ";", BIG, 100_000)
    assert "lock-held-too-long" in [f.rule for f in small.all_findings]
    assert "lock-held-too-long" not in [f.rule for f in large.all_findings]
    stmt = small.statements[0]
    assert stmt.estimated_seconds == stmt.lock_seconds and stmt.estimated_seconds > 5
    (finding,) = [f for f in small.all_findings if f.rule == "lock-held-too-long"]
    assert "ACCESS EXCLUSIVE on public.orders" in finding.message
    assert "20.0 M rows" in finding.message


def test_lock_held_too_long_quotes_a_table_name_that_needs_it() -> None:
    """Prisma's `"Order"` is not `public.order` (a reserved word): the message and its cost
    summary name it quoted, as SQL reads it back."""
    stats = Stats({"public.Order": table(20_000_000, 3 * GB, indexes=2)})
    report = lint('ALTER TABLE "Order" ALTER COLUMN flag TYPE bigint;', stats, 5)
    (finding,) = [f for f in report.all_findings if f.rule == "lock-held-too-long"]
    assert 'ACCESS EXCLUSIVE on public."Order" for' in finding.message
    assert 'rewrite of public."Order" ~' in finding.message


def test_no_limit_or_no_stats_never_fires() -> None:
    assert "lock-held-too-long" not in [f.rule for f in lint(REWRITE + ";", BIG, None)
                                        .all_findings]
    report = lint(REWRITE + ";", Stats({}), 1)
    assert report.statements[0].estimated_seconds is None
    assert "not in the stats file" in report.statements[0].cost_note


def test_lock_from_an_earlier_statement_is_held_until_commit() -> None:
    sql = ("ALTER TABLE orders ADD COLUMN plan text;\n"
           "UPDATE orders SET plan = 'free' WHERE id BETWEEN 1 AND 2000000;")
    in_tx = lint(sql, BIG, 2)
    autocommit = lint(sql, BIG, 2, in_transaction=False)
    flagged = [f for f in in_tx.all_findings if f.rule == "lock-held-too-long"]
    assert [f.statement_index for f in flagged] == [1] and "ACCESS EXCLUSIVE" in \
        flagged[0].message
    # Without the transaction the ADD COLUMN's lock is gone, but 2M rows stay row-locked
    # for the whole UPDATE: writes to them wait that long.
    alone = [f for f in autocommit.all_findings if f.rule == "lock-held-too-long"]
    assert [f.statement_index for f in alone] == [1] and "row locks" in alone[0].message
    batch = lint("UPDATE orders SET plan = 'free' WHERE id BETWEEN 1 AND 5000;", BIG, 2,
                 in_transaction=False)
    assert "lock-held-too-long" not in [f.rule for f in batch.all_findings]


def test_a_weaker_lock_after_access_exclusive_on_its_table_still_blocks_reads() -> None:
    """CREATE INDEX (SHARE) after an ADD COLUMN of the same table in one transaction: the
    ACCESS EXCLUSIVE is held until commit, so reads wait for the whole build too. The
    statement's own weaker lock on that table hid it ("SHARE ... (writes wait)")."""
    in_tx = lint("ALTER TABLE orders ADD COLUMN plan text;\n" + INDEX + ";", BIG, 2)
    (finding,) = [f for f in in_tx.all_findings if f.rule == "lock-held-too-long"]
    assert finding.statement_index == 1
    assert "ACCESS EXCLUSIVE on public.orders" in finding.message
    assert "(reads and writes wait)" in finding.message


def test_concurrently_does_not_trip_the_limit() -> None:
    report = lint("CREATE INDEX CONCURRENTLY orders_x ON orders (created_at);", BIG, 1,
                  in_transaction=False)
    assert report.statements[0].lock_seconds == 0
    assert "lock-held-too-long" not in [f.rule for f in report.all_findings]


def test_json_report_sums_migration_estimates() -> None:
    from lockwise.report.json_report import render_json

    report = lint(f"{REWRITE};\n{SCAN};", BIG, None)
    doc = json.loads(render_json([report], options=LintOptions()))
    m = doc["migrations"][0]
    per = [s["estimated_seconds"] for s in m["statements"]]
    assert all(p is not None for p in per)
    assert m["estimated_seconds"] == pytest.approx(sum(per), abs=0.01)
    assert m["lock_seconds"] == pytest.approx(sum(s["lock_seconds"] for s in m["statements"]),
                                              abs=0.01)


def test_stats_round_trip_and_errors(tmp_path: Path) -> None:
    stats = Stats({"public.orders": table(note=ColumnStats(0.5, -0.2, 33))}, "18.1", "now")
    path = tmp_path / "stats.json"
    path.write_text(stats.to_json())
    assert load_stats(path) == stats
    bad = tmp_path / "bad.json"
    bad.write_text('{"tables": {"t": {"rows": -1, "heap_bytes": 1}}}')
    with pytest.raises(InputError, match="tables.t.rows must be a non-negative number"):
        load_stats(bad)
    bad.write_text("{not json")
    with pytest.raises(InputError) as info:
        load_stats(bad)
    assert str(info.value).startswith(f"{bad}:1:2: stats file is not valid JSON")
    with pytest.raises(InputError, match="needs \"rows\""):
        stats_from_dict({"tables": {"t": {"heap_bytes": 5}}})
    # Unqualified names mean the public schema.
    assert stats_from_dict({"tables": {"t": {"rows": 1, "heap_bytes": 8192}}}).table("t")


def test_stats_file_that_cannot_be_read_says_why_in_words(tmp_path: Path) -> None:
    for path, message in [
            (tmp_path / "missing.json", "no such file or directory"),
            (tmp_path, "is a directory, expected a stats file")]:
        with pytest.raises(InputError) as info:
            load_stats(path)
        assert str(info.value) == f"{path}: {message}"  # a path has no line or column
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes('{"tables": {}}'.encode("utf-16"))
    with pytest.raises(InputError, match=r"stats file is not UTF-8 text \(byte 0\)"):
        load_stats(utf16)


def test_profile_file_overrides_defaults_and_rejects_nonsense(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(replace(DEFAULT_PROFILE, scan_mb_s=10.0, source="test").to_json())
    slow = load_profile(path)
    assert slow.scan_mb_s == 10.0
    assert estimate(SCAN, table(), profile=slow).seconds > estimate(SCAN, table()).seconds
    with pytest.raises(InputError, match="scan_mb_s must be a positive number"):
        profile_from_dict({"scan_mb_s": 0})
    with pytest.raises(InputError, match="unknown profile keys: scan_speed"):
        profile_from_dict({"scan_speed": 3})


@pytest.mark.parametrize(("field", "value"), [
    ("rows", "1e400"), ("rows", "NaN"), ("rows", "-Infinity"), ("rows", "1e17"),
    ("heap_bytes", "Infinity"), ("heap_bytes", "NaN"), ("toast_bytes", "1e400"),
])
def test_stats_reject_non_finite_and_absurd_sizes(tmp_path: Path, field: str,
                                                  value: str) -> None:
    """JSON's NaN/Infinity and 1e400 (read as infinity) are input errors naming the field,
    not an OverflowError or ValueError from int()."""
    entry = {"rows": "1", "heap_bytes": "8192", field: value}
    bad = tmp_path / "stats.json"
    bad.write_text('{"tables": {"t": {' + ", ".join(f'"{k}": {v}' for k, v in entry.items())
                   + "}}}")
    with pytest.raises(InputError, match=f"tables.t.{field} must be a non-negative number"):
        load_stats(bad)


@pytest.mark.parametrize("column", ['"n_distinct": NaN', '"null_frac": NaN',
                                    '"correlation": NaN', '"avg_width": Infinity'])
def test_stats_reject_non_finite_column_statistics(column: str) -> None:
    with pytest.raises(InputError, match="tables.t.columns.c."):
        stats_from_dict(json.loads('{"tables": {"t": {"rows": 1, "heap_bytes": 1, '
                                   '"columns": {"c": {' + column + "}}}}}"))


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e-320", "1e400", "1e13"])
def test_profile_rejects_non_finite_and_absurd_rates(value: str) -> None:
    with pytest.raises(InputError, match="scan_mb_s must be a positive number from"):
        profile_from_dict(json.loads('{"scan_mb_s": ' + value + "}"))
    assert profile_from_dict({"scan_mb_s": 1e-9}).scan_mb_s == 1e-9  # the bound is allowed


def test_calibration_inverts_the_model() -> None:
    """Timings generated by the model from a known profile solve back to that profile."""
    truth = replace(DEFAULT_PROFILE, scan_mb_s=700, rewrite_mb_s=45, index_build_rows_s=2e6,
                    index_build_sorted_rows_s=5e6, copy_mb_s=120,
                    index_key_mb_s=12, update_rows_s=150_000, index_insert_rows_s=120_000,
                    index_insert_key_mb_s=6, delete_rows_s=900_000, lookup_rows_s=2e6,
                    fk_check_rows_s=3e6, volatile_default_rows_s=250_000,
                    concurrent_index_factor=1.5, statement_overhead_s=0.002)
    rows, heap, wide_key, b_bytes = 200_000.0, 30e6, 33.0, 200_000 * (12 + 40) / 0.9
    mb, o = 1024 * 1024, truth.statement_overhead_s
    scan = heap / (truth.scan_mb_s * mb)
    narrow = o + scan + rows / truth.index_build_rows_s
    presorted = o + scan + rows / truth.index_build_sorted_rows_s
    wide = narrow + rows * (wide_key - 8) / (truth.index_key_mb_s * mb)
    rewrite = heap / (truth.rewrite_mb_s * mb)
    batch = rows / 20  # UPDATEs of key ranges: rows stored together, found by the index
    pages = batch / (rows / (heap / 8192))
    u1 = (batch / truth.update_rows_s + pages * 8192 / (truth.rewrite_mb_s * mb)
          + batch / truth.lookup_rows_s)
    u2 = u1 + batch / truth.index_insert_rows_s
    u3 = u2 + batch / truth.index_insert_rows_s + batch * (b_bytes * 0.9 / rows - 12 - 8) / (
        truth.index_insert_key_mb_s * mb)
    m = {"rows": rows, "heap_bytes": heap, "b_width": wide_key, "overhead": o,
         "scan": o + scan, "index_narrow": narrow, "index_wide": wide,
         "index_sorted": presorted,
         "vacuum_full": presorted + heap / (truth.copy_mb_s * mb),
         "index_concurrently": o + (narrow - o) * truth.concurrent_index_factor,
         "rewrite": o + rewrite, "rewrite_volatile": o + rewrite + rows /
         truth.volatile_default_rows_s, "update_heap_bytes": heap,
         "update_1": o + u1, "update_2": o + u2, "update_3": o + u3, "index_b_bytes": b_bytes,
         "update_rows": batch,
         "parent_heap_bytes": heap / 4, "parent_rows": rows,
         "fk": o + scan + (heap / 4) / (truth.scan_mb_s * mb) + 2 * rows / truth.fk_check_rows_s,
         "delete_rows": rows, "delete": o + rows / truth.delete_rows_s,
         "delete_batch_rows": rows / 10,
         "delete_batch": o + rows / 10 * (1 / truth.delete_rows_s + 1 / truth.lookup_rows_s)}
    solved = solve(m)
    for name in ("scan_mb_s", "rewrite_mb_s", "index_build_rows_s", "index_key_mb_s",
                 "index_build_sorted_rows_s", "copy_mb_s",
                 "update_rows_s", "index_insert_rows_s", "index_insert_key_mb_s",
                 "delete_rows_s", "lookup_rows_s", "fk_check_rows_s",
                 "volatile_default_rows_s", "concurrent_index_factor"):
        assert getattr(solved, name) == pytest.approx(getattr(truth, name), rel=0.01), name


def test_lint_path_does_not_import_psycopg() -> None:
    code = ("import sys\nfrom lockwise.discover import migration_from_text\n"
            "from lockwise.lint import LintOptions, lint_migrations\n"
            "from lockwise.cost.stats import Stats\n"
            "lint_migrations([migration_from_text('CREATE INDEX i ON t (a);', '1_x.sql')],"
            " LintOptions(stats=Stats({})))\n"
            "assert 'psycopg' not in sys.modules, 'psycopg imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_text_report_prints_estimates_and_why_not() -> None:
    import io

    from lockwise.report.text import render_text

    stats = Stats({"public.orders": table(20_000_000, 3 * GB, indexes=2)})
    sql = f"{REWRITE};\nALTER TABLE customers ADD CONSTRAINT c CHECK (id > 0);"
    report = lint(sql, stats, None)
    out = io.StringIO()
    render_text([report], out, verbose=True, color=False)
    text = out.getvalue()
    assert "estimate: ~" in text and "blocks others ~" in text
    assert "estimate: none (public.customers is not in the stats file)" in text
    header = text.splitlines()[0]
    assert "blocks others" in header and "1 statement(s) not estimated" in header


def test_indexes_built_by_earlier_migrations_are_rebuilt_too() -> None:
    # The stats file describes the database before these migrations: indexes the replay
    # knows were built since are rebuilt by a later rewrite too.
    from lockwise.catalog.replay import apply_statement

    stats = Stats({"public.orders": table(indexes=1)})
    catalog = Catalog()
    for stmt in parse_sql("CREATE INDEX CONCURRENTLY orders_c1 ON orders (c1);\n"
                          "CREATE INDEX CONCURRENTLY orders_c2 ON orders (c2);").statements:
        apply_statement(catalog, stmt.tree)
    (vacuum,) = parse_sql("VACUUM FULL orders").statements
    effect = compute_effect(vacuum.tree, Context(catalog=catalog, pg_version=16))
    alone = estimate_statement(effect, stats)
    replayed = estimate_statement(effect, stats, catalog=catalog)
    assert alone.operations[0].drivers["indexes_rebuilt"] == 1  # the stats file alone
    assert replayed.operations[0].drivers["indexes_rebuilt"] == 3
    assert replayed.seconds > alone.seconds
    # lint hands the estimator the catalog replayed so far
    options = LintOptions(stats=stats)
    later = lint_migrations([migration_from_text(
        "CREATE INDEX CONCURRENTLY orders_c1 ON orders (c1);", "0002_index.sql"),
        migration_from_text("VACUUM FULL orders;", "0003_vacuum.sql")], options)
    first = lint_migrations([migration_from_text("VACUUM FULL orders;", "0003_vacuum.sql")],
                            options)
    assert later[-1].statements[0].estimated_seconds > first[0].statements[0].estimated_seconds


def test_the_referenced_tables_rows_read_like_every_row_count() -> None:
    """A foreign key's validation names the referenced table's rows as the other row counts
    of the stats wording do (human_rows: "5.0 M rows"), not as a float ("5000000.0")."""
    from lockwise.cost.model import drivers_text

    child, parent = table(20e6), table(5e6, name="public.customers")  # as read from a file
    got = estimate("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (c0) "
                   "REFERENCES customers (id)", child, parent)
    (op,) = [o for o in got.operations if o.kind == "fk_validation"]
    assert "referenced 5.0 M rows" in drivers_text(op.drivers)
    assert "5000000" not in got.summary()


# --- rows a statement makes itself (generate_series) and work a routine's body does


def test_insert_from_generate_series_is_priced_by_its_rows() -> None:
    """The rows of generate_series with constant bounds are known: ten million inserted rows
    take seconds, a thousand far less (the same per-row work)."""
    many = estimate("INSERT INTO orders (id) SELECT g FROM generate_series(1, 10000000) g",
                    table())
    few = estimate("INSERT INTO orders (id) SELECT generate_series(1, 1000)", table())
    assert many.seconds is not None and few.seconds is not None
    assert many.seconds > 10 * few.seconds and many.seconds > 1.0
    assert any(o.drivers.get("rows") == 10_000_000 for o in many.operations)
    # a step counts: every other number of 1..1000
    stepped = estimate("INSERT INTO orders (id) SELECT generate_series(1, 1000, 2)", table())
    assert any(o.drivers.get("rows") == 500 for o in stepped.operations)


def test_generate_series_without_constant_bounds_is_not_estimated() -> None:
    """Bounds lockwise cannot read give no row count: no estimate, so nothing calls it brief."""
    est = estimate("INSERT INTO orders (id) SELECT g FROM generate_series(1, $1) g", table())
    assert est.seconds is None and "generate_series" in est.note


def _lint_with_settings(sql: str, rule: str) -> list:
    setup = ("CREATE TABLE settings (id bigint PRIMARY KEY, note text);\n"
             "CREATE FUNCTION log_note(i bigint) RETURNS text LANGUAGE sql AS $$ INSERT INTO "
             "settings (id) SELECT g FROM generate_series(i * 1000, i * 1000 + 999) g "
             "RETURNING 'x' $$;")
    stats = stats_from_dict({"tables": {"public.settings": {"rows": 3, "heap_bytes": 8192}}})
    options = LintOptions(pg_version=16, assume_in_transaction=True, stats=stats)
    reports = lint_migrations([migration_from_text(setup, "0001.sql"),
                               migration_from_text(sql, "0002.sql")], options, Catalog())
    return [f for f in reports[-1].all_findings if f.rule == rule]


def test_a_series_inserted_while_the_table_is_held_is_not_brief() -> None:
    """Three rows of stats, but the statement's CTE adds ten million more while the ALTER's
    ACCESS EXCLUSIVE is held: not over before anyone waits (lock-accumulation)."""
    sql = ("SET LOCAL lock_timeout = '5s';\nALTER TABLE settings ADD COLUMN tag text;\n"
           "WITH added AS (INSERT INTO settings (id) SELECT g FROM generate_series(10, "
           "10000000) g RETURNING id) UPDATE settings SET note = 'on';")
    assert _lint_with_settings(sql, "lock-accumulation")


def test_a_routine_body_that_writes_is_never_brief() -> None:
    """log_note inserts a thousand rows at each call, once per row updated: how much work
    that is no stats file tells, so the UPDATE is not called brief (unbatched-backfill,
    lock-accumulation), nor its WHERE's scan (where-without-index)."""
    held = ("SET LOCAL lock_timeout = '5s';\nALTER TABLE settings ADD COLUMN tag text;\n"
            "UPDATE settings SET note = log_note(id);")
    assert _lint_with_settings(held, "lock-accumulation")
    assert _lint_with_settings("UPDATE settings SET note = log_note(id);",
                               "unbatched-backfill")
    assert _lint_with_settings("UPDATE settings SET note = log_note(id) WHERE note = 'x';",
                               "where-without-index")
    est = estimate("SELECT log_note(1)", table())
    assert est.seconds is not None  # (no catalog: the body is unknown, the SELECT is cheap)


#: orders, whose row trigger logs each updated row, and a function that fills events.
_BODIES = ("CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n"
           "CREATE TABLE events (id bigint, kind text);\n"
           "CREATE FUNCTION log_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           "INSERT INTO events (id) VALUES (NEW.id); RETURN NEW; END $$;\n"
           "CREATE FUNCTION fill(n int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
           "INSERT INTO events (id) SELECT g FROM generate_series(1, {rows}) g; END $$;\n"
           "CREATE FUNCTION fill_looping() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
           "FOR i IN 1..1000 LOOP INSERT INTO events (id) VALUES (i); END LOOP; END $$;\n")


def _lint_bodies(sql: str, trigger: str = "", rows: int = 1000,
                 order_rows: int = 1_000_000) -> list:
    stats = stats_from_dict({"tables": {
        "public.orders": {"rows": order_rows, "heap_bytes": order_rows * 60},
        "public.events": {"rows": 3, "heap_bytes": 8192}}})
    options = LintOptions(pg_version=16, assume_in_transaction=True, stats=stats)
    setup = _BODIES.format(rows=rows) + trigger
    return lint_migrations([migration_from_text(setup, "0001.sql"),
                            migration_from_text(sql, "0002.sql")], options,
                           Catalog())[-1].statements


_ROW_TRIGGER = ("CREATE TRIGGER orders_log AFTER UPDATE ON orders FOR EACH ROW "
                "EXECUTE FUNCTION log_order();")


def test_a_row_trigger_body_is_priced_once_per_row_the_statement_changes() -> None:
    """A FOR EACH ROW trigger runs at each row the UPDATE changes: its body's INSERT, one row
    each time, is a million rows for an UPDATE of every row of orders, and more work than
    the same UPDATE without the trigger."""
    (plain,) = _lint_bodies("UPDATE orders SET note = 'x';")
    (fired,) = _lint_bodies("UPDATE orders SET note = 'x';", _ROW_TRIGGER)
    assert plain.estimated_seconds is not None and fired.estimated_seconds is not None
    assert fired.estimated_seconds > plain.estimated_seconds
    (few,) = _lint_bodies("UPDATE orders SET note = 'x';", _ROW_TRIGGER, order_rows=1000)
    assert few.estimated_seconds is not None
    assert fired.estimated_seconds > 100 * few.estimated_seconds


def test_a_statement_trigger_body_runs_once() -> None:
    trigger = _ROW_TRIGGER.replace("FOR EACH ROW", "FOR EACH STATEMENT").replace(
        "log_order", "log_once").replace("CREATE TRIGGER", (
            "CREATE FUNCTION log_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO events (id) VALUES (0); RETURN NULL; END $$;\nCREATE TRIGGER"))
    (row,) = _lint_bodies("UPDATE orders SET note = 'x';", _ROW_TRIGGER)
    (once,) = _lint_bodies("UPDATE orders SET note = 'x';", trigger)
    assert once.estimated_seconds is not None and row.estimated_seconds is not None
    assert once.estimated_seconds < row.estimated_seconds


def test_a_called_routine_body_is_priced_by_its_statements() -> None:
    """SELECT fill(...) runs fill's body once: its generate_series INSERT's rows price it."""
    (small,) = _lint_bodies("SELECT fill(1);", rows=1000)
    (large,) = _lint_bodies("SELECT fill(1);", rows=10_000_000)
    assert small.estimated_seconds is not None and large.estimated_seconds is not None
    assert large.estimated_seconds > 1.0 > small.estimated_seconds


@pytest.mark.parametrize("work", ["UPDATE orders SET note = 'y'", "ANALYZE orders"])
def test_a_body_the_effect_holds_once_is_priced_at_each_call(
        monkeypatch: pytest.MonkeyPatch, work: str) -> None:
    """`twice()` runs bump()'s body twice under the same context: the effect holds its
    actions at the first call alone (effects/postgres/body_runs.py), and the second call
    runs them too: the estimate is the one of every body run again, above one call's (a
    body that writes, priced by its runs; one that does not, with the statement's own)."""
    from lockwise.effects.postgres import body_runs

    kind = work.split()[0].lower()
    bodies = ("CREATE FUNCTION bump() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
              f"{work}; END $$;\n"
              "CREATE FUNCTION once() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
              "PERFORM bump(); END $$;\n"
              "CREATE FUNCTION twice() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
              "PERFORM bump(); PERFORM bump(); END $$;\n")
    (one,) = _lint_bodies("SELECT once();", bodies)
    (held,) = _lint_bodies("SELECT twice();", bodies)
    assert sum(a.kind == kind for a in held.effect.actions) == 1
    monkeypatch.setattr(body_runs.BodyRuns, "find", lambda self, *asked: None)
    (again,) = _lint_bodies("SELECT twice();", bodies)
    assert sum(a.kind == kind for a in again.effect.actions) == 2
    assert one.estimated_seconds is not None and held.estimated_seconds is not None
    assert held.estimated_seconds == again.estimated_seconds > 1.5 * one.estimated_seconds


@pytest.mark.parametrize("sql", [
    "SELECT fill_looping();",  # a loop: how often its INSERT runs, the body's data says
    "UPDATE orders SET note = fill(id::int)::text;",  # once per row, in the SET list
])
def test_a_body_whose_runs_are_unknown_is_not_estimated(sql: str) -> None:
    (stmt,) = _lint_bodies(sql, _ROW_TRIGGER)
    assert stmt.estimated_seconds is None and stmt.cost_note


def test_a_priced_routine_body_may_be_brief() -> None:
    """With statistics, a call whose body inserts a thousand rows is over in milliseconds:
    it holds the ALTER's lock no longer than a settings table's scan (lock-accumulation);
    ten million rows are seconds."""
    def accumulates(rows: int) -> bool:
        statements = _lint_bodies("SET LOCAL lock_timeout = '5s';\n"
                                  "ALTER TABLE events ADD COLUMN note text;\n"
                                  "SELECT fill(1);", rows=rows)
        return any(f.rule == "lock-accumulation" for s in statements for f in s.findings)
    assert not accumulates(1000)
    assert accumulates(10_000_000)


def test_an_execute_is_priced_as_the_statement_it_runs() -> None:
    """An EXECUTE runs the statement PREPAREd under its name: its WHERE bounds the rows
    changed as the statement's own would (tests/test_prepared_statements.py)."""
    options = LintOptions(stats=Stats({"public.orders": table()}), assume_in_transaction=True)
    update = "UPDATE orders SET flag = 1 WHERE id BETWEEN 1 AND 5000"
    migrations = [migration_from_text("CREATE TABLE orders (id bigint, flag int);", "0001_a.sql"),
                  migration_from_text(f"PREPARE p AS {update};\nEXECUTE p;\n{update};",
                                      "0002_b.sql")]
    report = lint_migrations(migrations, options, Catalog())[-1]
    executed, direct = report.statements[1], report.statements[2]
    assert executed.estimated_seconds is not None
    assert executed.estimated_seconds == direct.estimated_seconds
    assert executed.lock_seconds == direct.lock_seconds
