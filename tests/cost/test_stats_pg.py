"""`lockwise stats` and `lockwise calibrate` against the embedded PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.cost.profile import load_profile
from lockwise.cost.stats import load_stats

TABLE_KEYS = {"kind", "rows", "heap_bytes", "toast_bytes", "indexes", "columns"}
INDEX_KEYS = {"name", "columns", "bytes", "unique"}


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_stats_writes_the_documented_schema(pg_db: str, tmp_path: Path) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, email text, "
                     "note text, plan int)")
        conn.execute("CREATE INDEX accounts_lower_email ON accounts (lower(email), plan)")
        conn.execute("INSERT INTO accounts SELECT g, 'u' || g || '@example.com', "
                     "CASE WHEN g % 4 = 0 THEN NULL ELSE repeat('n', 3000) END, g % 3 "
                     "FROM generate_series(1, 2000) AS g")
        conn.execute("ANALYZE accounts")
    out = tmp_path / "stats.json"
    result = run("stats", "--dsn", pg_db, "-o", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["format"] == "lockwise-stats" and doc["version"] == 1
    assert doc["server_version"].startswith("18")
    t = doc["tables"]["public.accounts"]
    assert set(t) == TABLE_KEYS
    assert t["kind"] == "table" and t["rows"] == 2000
    assert t["heap_bytes"] > 0 and t["heap_bytes"] % 8192 == 0
    indexes = {i["name"]: i for i in t["indexes"]}
    assert set(indexes) == {"public.accounts_pkey", "public.accounts_lower_email"}
    assert all(set(i) == INDEX_KEYS for i in indexes.values())
    assert indexes["public.accounts_pkey"]["columns"] == ["id"]
    assert indexes["public.accounts_pkey"]["unique"] is True
    assert indexes["public.accounts_lower_email"]["columns"] == ["lower(email)", "plan"]
    assert t["columns"]["note"]["null_frac"] == 0.25
    assert t["columns"]["plan"]["n_distinct"] == 3
    # Stats files read back, and lint uses them.
    stats = load_stats(out)
    assert stats.table("accounts").rows == 2000
    migration = tmp_path / "0001_type.sql"
    migration.write_text("ALTER TABLE accounts ALTER COLUMN plan TYPE bigint;\n")
    lint = run("lint", str(migration), "--stats", str(out), "--format", "json")
    statement = json.loads(lint.output)["migrations"][0]["statements"][0]
    assert statement["estimated_seconds"] is not None
    assert statement["lock_seconds"] == statement["estimated_seconds"]


def test_stats_to_stdout_reads_only_the_catalog(pg_db: str) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int)")
        conn.execute("CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one")
        conn.execute("CREATE TABLE ev (id int) PARTITION BY RANGE (id)")
        conn.execute("CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM (0) TO (100)")
        conn.execute("CREATE TABLE ev_2 PARTITION OF ev FOR VALUES FROM (100) TO (1000) "
                     "PARTITION BY RANGE (id)")
        conn.execute("CREATE TABLE ev_2a PARTITION OF ev_2 FOR VALUES FROM (100) TO (1000)")
        conn.execute("INSERT INTO ev SELECT g FROM generate_series(0, 999) AS g")
        conn.execute("ANALYZE ev")
    result = run("stats", "--dsn", pg_db)
    assert result.exit_code == 0
    tables = json.loads(result.stdout)["tables"]
    assert tables["public.t"]["rows"] == 0
    assert tables["public.mv"]["kind"] == "materialized_view"
    # A partitioned table has no storage: it gets its partitions' rows and bytes, any depth.
    assert tables["public.ev"]["kind"] == "partitioned"
    assert tables["public.ev"]["rows"] == 1000 == (tables["public.ev_1"]["rows"] +
                                                   tables["public.ev_2a"]["rows"])
    assert tables["public.ev"]["heap_bytes"] == (tables["public.ev_1"]["heap_bytes"] +
                                                 tables["public.ev_2a"]["heap_bytes"]) > 0


def test_partitioned_table_counts_every_partition_index_it_rebuilds(pg_db: str) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE ev (id int, body text) PARTITION BY RANGE (id)")
        conn.execute("CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM (0) TO (100)")
        conn.execute("CREATE TABLE ev_2 PARTITION OF ev FOR VALUES FROM (100) TO (1000) "
                     "PARTITION BY RANGE (id)")
        conn.execute("CREATE TABLE ev_2a PARTITION OF ev_2 FOR VALUES FROM (100) TO (1000)")
        conn.execute("CREATE INDEX ev_id ON ev (id)")
        conn.execute("CREATE INDEX ev_1_body ON ev_1 (body)")  # one partition's own index
        conn.execute("INSERT INTO ev SELECT g, md5(g::text) FROM generate_series(0, 999) AS g")
        conn.execute("ANALYZE ev")
        leaf_bytes = dict(conn.execute(
            "SELECT relname, pg_relation_size(oid) FROM pg_class "
            "WHERE relname IN ('ev_1_id_idx', 'ev_2a_id_idx', 'ev_1_body')").fetchall())
    result = run("stats", "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    tables = json.loads(result.stdout)["tables"]
    # A partitioned index has no storage either: its size is its partitions' indexes', and
    # a rewrite of the parent rebuilds a partition's own indexes too.
    parent = {i["name"]: i for i in tables["public.ev"]["indexes"]}
    assert set(parent) == {"public.ev_id", "public.ev_1_body"}
    assert parent["public.ev_id"]["bytes"] == (leaf_bytes["ev_1_id_idx"]
                                               + leaf_bytes["ev_2a_id_idx"]) > 0
    assert parent["public.ev_1_body"]["bytes"] == leaf_bytes["ev_1_body"] > 0
    assert parent["public.ev_id"]["columns"] == ["id"]
    middle = {i["name"]: i["bytes"] for i in tables["public.ev_2"]["indexes"]}
    assert middle == {"public.ev_2_id_idx": leaf_bytes["ev_2a_id_idx"]}


def test_what_a_rewrite_and_set_tablespace_copy(pg_db: str, tmp_path: Path) -> None:
    """The cost model's premises, on the server: a rewrite writes a new heap, a new TOAST
    table and every index; SET TABLESPACE moves the heap and TOAST but no index; the stats
    file's toast_bytes is the TOAST table with its index, apart from heap_bytes."""
    def files(conn: psycopg.Connection) -> dict[str, int]:
        return dict(conn.execute(
            "SELECT CASE WHEN c.oid = t.reltoastrelid THEN 'toast' ELSE c.relname END, "
            "c.relfilenode FROM pg_class t JOIN pg_class c ON c.oid = t.oid "
            "OR c.oid = t.reltoastrelid OR c.oid IN (SELECT indexrelid FROM pg_index "
            "WHERE indrelid = t.oid) WHERE t.relname = 'docs'").fetchall())

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE docs (id bigint PRIMARY KEY, n int, body text)")
        conn.execute("CREATE INDEX docs_n ON docs (n)")
        conn.execute("INSERT INTO docs SELECT g, g, (SELECT string_agg(md5(g::text || i::text),"
                     " '') FROM generate_series(1, 100) AS i) FROM generate_series(1, 500) AS g")
        conn.execute("VACUUM ANALYZE docs")
        toast_total = conn.execute("SELECT pg_total_relation_size(reltoastrelid) FROM pg_class "
                                   "WHERE relname = 'docs'").fetchone()[0]
        heap = conn.execute("SELECT pg_relation_size('docs')").fetchone()[0]
        out = tmp_path / "stats.json"
        assert run("stats", "--dsn", pg_db, "-o", str(out)).exit_code == 0
        t = json.loads(out.read_text())["tables"]["public.docs"]
        assert (t["heap_bytes"], t["toast_bytes"]) == (heap, toast_total)
        assert toast_total > 10 * heap

        before = files(conn)
        assert set(before) == {"docs", "toast", "docs_pkey", "docs_n"}
        conn.execute("ALTER TABLE docs ALTER COLUMN n TYPE bigint")
        after = files(conn)
        assert all(after[r] != before[r] for r in before)

        conn.execute("SET allow_in_place_tablespaces = on")
        conn.execute("CREATE TABLESPACE lockwise_moved LOCATION ''")
        try:
            conn.execute("ALTER TABLE docs SET TABLESPACE lockwise_moved")
            moved = files(conn)
            assert moved["docs"] != after["docs"] and moved["toast"] != after["toast"]
            assert (moved["docs_pkey"], moved["docs_n"]) == (after["docs_pkey"], after["docs_n"])
        finally:
            conn.execute("DROP TABLE docs")
            conn.execute("DROP TABLESPACE lockwise_moved")


def test_password_never_appears_in_errors() -> None:
    dsn = "postgresql://alice:Sup3r-Secret-pw@127.0.0.1:1/app"
    result = run("stats", "--dsn", dsn)
    assert result.exit_code == 2
    assert "cannot read statistics" in result.output
    assert "Sup3r-Secret-pw" not in result.output
    garbled = run("stats", "--dsn", "host=/nonexistent password=Sup3r-Secret-pw port=x")
    assert garbled.exit_code == 2 and "Sup3r-Secret-pw" not in garbled.output


def test_calibrate_writes_a_profile_the_model_reads(pg_db: str, tmp_path: Path) -> None:
    out = tmp_path / "profile.json"
    result = run("calibrate", "--dsn", pg_db, "--rows", "10000", "-o", str(out))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["format"] == "lockwise-profile"
    assert set(doc["measured"]) >= {"scan", "rewrite", "index_narrow", "update_1", "delete"}
    profile = load_profile(out)
    assert "10000 rows" in profile.source
    # The scratch schema is gone again.
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace "
                            "WHERE nspname = 'lockwise_calibrate'").fetchone()[0] == 0


def test_stats_leaves_out_lockwise_s_own_history_table(pg_db: str, tmp_path: Path) -> None:
    """`lockwise apply` keeps its history in the database it migrates: that table (and its
    batch progress table) is lockwise's, not one of the user's tables to estimate. A user's
    table of the same name in another schema is still the user's."""
    from lockwise.executor.batches import PROGRESS_DDL, progress_table

    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_accounts.sql").write_text(
        "CREATE TABLE IF NOT EXISTS accounts (id bigint);\n")
    for history in ("lockwise.schema_history", "ops.migrations"):
        applied = run("apply", str(migrations), "--dsn", pg_db, "--history-table", history)
        assert applied.exit_code == 0, applied.output
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.schema_history (id int)")
        for schema, table in (("lockwise", "schema_history"), ("ops", "migrations")):
            conn.execute(psycopg.sql.SQL(PROGRESS_DDL).format(
                table=progress_table(schema, table)))
    tables = json.loads(run("stats", "--dsn", pg_db).stdout)["tables"]
    assert set(tables) == {"public.accounts", "public.schema_history", "ops.migrations",
                           "ops.migrations_batches"}
    other = run("stats", "--dsn", pg_db, "--history-table", "ops.migrations")
    assert other.exit_code == 0, other.output
    assert set(json.loads(other.stdout)["tables"]) == {
        "public.accounts", "public.schema_history", "lockwise.schema_history",
        "lockwise.schema_history_batches"}


@pytest.mark.parametrize("command", [["calibrate", "--rows", "10000"], ["stats"]])
@pytest.mark.parametrize("where", ["missing-folder", "a-folder"])
def test_an_output_that_cannot_be_written_is_refused_before_measuring(
        pg_db: str, tmp_path: Path, command: list[str], where: str) -> None:
    """`calibrate -o` into a folder that does not exist measured for minutes (1M rows by
    default) and then failed to write; the output is checked first, and named without a
    position, as every path lockwise cannot use."""
    output = tmp_path / "nope" / "profile.json" if where == "missing-folder" else tmp_path
    result = run(*command, "--dsn", pg_db, "-o", str(output))
    assert result.exit_code == 2
    assert "lockwise: calibrate:" not in result.stderr  # nothing was measured
    reason = "no such file or directory" if where == "missing-folder" else "is a directory"
    assert result.stderr.startswith(f"lockwise: error: {output}: cannot write "), result.stderr
    assert reason in result.stderr
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace "
                            "WHERE nspname = 'lockwise_calibrate'").fetchone()[0] == 0


@pytest.mark.parametrize(("each", "runs"), [("ROW", 500), ("STATEMENT", 1)])
def test_a_trigger_body_runs_as_often_as_the_cost_model_prices_it(pg_db: str, each: str,
                                                                   runs: int) -> None:
    """An UPDATE of 500 rows runs a FOR EACH ROW trigger's body 500 times, a FOR EACH
    STATEMENT one's once (counted on the server): the cost model prices the body's INSERT
    that many times (`body_runs`), with stats that say the table has those 500 rows."""
    from lockwise.catalog.model import Catalog
    from lockwise.cost.model import estimate_statement
    from lockwise.cost.stats import stats_from_dict
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations
    from lockwise.parse.postgres import parse_sql

    setup = ("CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n"
             "CREATE TABLE events (id bigint);\n"
             "CREATE FUNCTION log_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
             "INSERT INTO events (id) VALUES (1); RETURN NULL; END $$;\n"
             f"CREATE TRIGGER orders_log AFTER UPDATE ON orders FOR EACH {each} "
             "EXECUTE FUNCTION log_order();")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        conn.execute("INSERT INTO orders SELECT g FROM generate_series(1, 500) g")
        conn.execute("UPDATE orders SET note = 'x'")
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (runs,)
    stats = stats_from_dict({"tables": {
        "public.orders": {"rows": 500, "heap_bytes": 40960},
        "public.events": {"rows": 0, "heap_bytes": 0}}})
    options = LintOptions(pg_version=18, assume_in_transaction=True, stats=stats)
    reports = lint_migrations([migration_from_text(setup, "0001.sql"),
                               migration_from_text("UPDATE orders SET note = 'x';", "0002.sql")],
                              options, Catalog())
    (stmt,) = reports[-1].statements
    tree = parse_sql("UPDATE orders SET note = 'x'").statements[0].tree
    est = estimate_statement(stmt.effect, stats, tree=tree)
    assert [o.drivers.get("body_runs") for o in est.operations
            if o.table == "public.events"] == [runs]
