"""Data-safety guarantees of the executor on the embedded PostgreSQL: failed or killed down
migrations, open transactions, invalid indexes, one lock per history table, baselines,
checksums and rollback order."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from executor_helpers import (
    cancel_orphaned,
    history,
    lockwise,
    popen,
    query,
    relation_exists,
    wait_for_query,
    wait_until_seen,
    write,
)

pytestmark = pytest.mark.postgres

ACCOUNTS = {
    "001_accounts.up.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, "
                           "name text);\n",
    "002_idx.up.sql": "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_uq ON accounts (email);\n"
                      "CREATE INDEX CONCURRENTLY accounts_name ON accounts (name);\n",
}


def _states(dsn: str, migrations: Path) -> list[str]:
    out = lockwise(dsn, "status", str(migrations)).stdout.splitlines()
    return [line.split()[1] for line in out[:-1]]


def test_failed_nontransactional_rollback_is_recorded_and_blocks(pg_db: str,
                                                                  tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        **ACCOUNTS,
        "002_idx.down.sql": "DROP INDEX CONCURRENTLY accounts_email_uq;\n"
                            "DROP INDEX CONCURRENTLY nonexistent_idx;\n",
    })
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    result = lockwise(pg_db, "rollback", str(migrations))
    assert result.returncode == 1
    assert "the first 1 statement(s) stay applied" in result.stderr
    assert "the next run resumes at statement 2" in result.stderr
    assert not relation_exists(pg_db, "accounts_email_uq")

    row = history(pg_db)[-1]
    assert (row["version"], row["kind"], row["success"], row["failed_statement_index"],
            row["statements_completed"]) == ("002", "rollback", False, 1, 1)
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1
    assert "002  failed" in status.stdout and "its down migration (rollback) failed" in \
        status.stdout
    for command in ("apply", "rollback"):
        refused = lockwise(pg_db, command, str(migrations))
        assert refused.returncode == 1 and "lockwise repair" in refused.stderr, refused

    # Cleared, the version is applied again, and a fixed down file finishes the rollback.
    repaired = lockwise(pg_db, "repair", str(migrations))
    assert "002: failed rollback cleared; it counts as applied again" in repaired.stdout
    assert _states(pg_db, migrations) == ["applied", "applied"]
    (migrations / "002_idx.down.sql").write_text(
        "DROP INDEX CONCURRENTLY IF EXISTS accounts_email_uq;\n"
        "DROP INDEX CONCURRENTLY accounts_name;\n")
    done = lockwise(pg_db, "rollback", str(migrations))
    assert done.returncode == 0, done
    assert not relation_exists(pg_db, "accounts_name")
    assert _states(pg_db, migrations) == ["applied", "pending"]
    assert history(pg_db)[-1]["kind"] == "rollback" and history(pg_db)[-1]["success"]


def test_failed_transactional_rollback_is_recorded(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n",
        "002_b.down.sql": "DROP TABLE b;\nDROP TABLE nonexistent;\n",
    })
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 1
    assert relation_exists(pg_db, "b")  # the down's transaction was rolled back
    row = history(pg_db)[-1]
    assert (row["kind"], row["success"], row["failed_statement_index"]) == (
        "rollback", False, 1)
    assert lockwise(pg_db, "status", str(migrations)).returncode == 1
    # --mark-applied: the human finished the rollback by hand.
    query(pg_db, "DROP TABLE b")
    repaired = lockwise(pg_db, "repair", str(migrations), "--mark-applied")
    assert "002: failed rollback cleared, marked rolled back" in repaired.stdout
    assert _states(pg_db, migrations) == ["applied", "pending"]
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "b")


def test_sigkill_during_nontransactional_rollback_is_interrupted(pg_db: str,
                                                                 tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        **ACCOUNTS,
        "002_idx.down.sql": "-- lockwise: no-transaction\n"
                            "DROP INDEX CONCURRENTLY accounts_email_uq;\n"
                            "SELECT pg_sleep(30);\n"
                            "DROP INDEX CONCURRENTLY accounts_name;\n",
    })
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    proc = popen(pg_db, "rollback", str(migrations))
    wait_for_query(pg_db, "SELECT pg_sleep(30)%", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    cancel_orphaned(pg_db, "SELECT pg_sleep(30)%")  # if it has not noticed its client died
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1, status
    assert "002  interrupted" in status.stdout and "1 statement(s) completed" in status.stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1


@pytest.mark.parametrize("later", [True, False])
def test_nontransactional_migration_leaving_begin_open_fails(pg_db: str, tmp_path: Path,
                                                             later: bool) -> None:
    files = {"001_a.up.sql": "-- lockwise: no-transaction\nCREATE TABLE x1 (id bigint);\n"
                             "BEGIN;\nCREATE TABLE x2 (id bigint);\n"}
    if later:  # the next migration's session reset used to roll x2 back silently
        files["002_b.up.sql"] = "CREATE TABLE x3 (id bigint);\n"
    migrations = write(tmp_path / "m", files)
    result = lockwise(pg_db, "apply", str(migrations), "--allow", "requires-downtime")
    assert result.returncode == 1, result
    assert "left a transaction open (a BEGIN without COMMIT)" in result.stderr
    # Whatever the history says matches the database: x1 committed, x2 rolled back.
    assert relation_exists(pg_db, "x1")
    assert not relation_exists(pg_db, "x2") and not relation_exists(pg_db, "x3")
    rows = history(pg_db)
    assert [(r["version"], r["success"]) for r in rows] == [("001", False)]
    assert "001  failed" in lockwise(pg_db, "status", str(migrations)).stdout

    (migrations / "001_a.up.sql").write_text(
        "-- lockwise: no-transaction\nCREATE TABLE IF NOT EXISTS x1 (id bigint);\n"
        "BEGIN;\nCREATE TABLE x2 (id bigint);\nCOMMIT;\n")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    fixed = lockwise(pg_db, "apply", str(migrations), "--allow", "requires-downtime")
    assert fixed.returncode == 0, fixed
    assert relation_exists(pg_db, "x2") and relation_exists(pg_db, "x3") == later


def _leave_invalid_index(dsn: str) -> None:
    """What a killed or failed `CREATE INDEX CONCURRENTLY big_v_idx` leaves: an INVALID index
    under that name (here from a UNIQUE build over duplicates, deterministic)."""
    import psycopg

    query(dsn, "CREATE TABLE big (id bigint, v int); "
               "INSERT INTO big SELECT g, g % 10 FROM generate_series(1, 1000) g")
    with pytest.raises(psycopg.errors.UniqueViolation):
        query(dsn, "CREATE UNIQUE INDEX CONCURRENTLY big_v_idx ON big (v)")
    assert query(dsn, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_v_idx'::regclass"
                 ) == [(False,)]


@pytest.mark.parametrize("drop", [False, True])
def test_if_not_exists_over_an_invalid_index_fails(pg_db: str, tmp_path: Path,
                                                   drop: bool) -> None:
    _leave_invalid_index(pg_db)
    migrations = write(tmp_path / "m", {
        "001_ix.up.sql": "CREATE INDEX CONCURRENTLY IF NOT EXISTS big_v_idx ON big (v);\n"})
    result = lockwise(pg_db, "apply", str(migrations), *(["--drop-invalid"] if drop else []))
    if drop:
        # The leftover of that name on that table is dropped before the build, which then
        # builds it afresh.
        assert result.returncode == 0, result
        assert "dropped invalid index public.big_v_idx" in result.stderr
    else:
        assert result.returncode == 1, result
        assert "statement 1 left invalid index public.big_v_idx" in result.stderr
        assert history(pg_db)[-1]["success"] is False
        assert "DROP INDEX CONCURRENTLY public.big_v_idx;" in result.stderr
        query(pg_db, "DROP INDEX CONCURRENTLY big_v_idx")
        assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
        assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_v_idx'::regclass"
                 ) == [(True,)]


def test_if_not_exists_over_a_valid_index_succeeds(pg_db: str, tmp_path: Path) -> None:
    query(pg_db, "CREATE TABLE big (v int); CREATE INDEX big_v_idx ON big (v)")
    migrations = write(tmp_path / "m", {
        "001_ix.up.sql": "CREATE INDEX CONCURRENTLY IF NOT EXISTS big_v_idx ON big (v);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0


_REINDEX_SETUP = (
    "CREATE FUNCTION f(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$BEGIN {body} END$$; "
    "CREATE TABLE t (id bigint PRIMARY KEY, x int); "
    "INSERT INTO t SELECT g, g FROM generate_series(1, 100) g; "
    "CREATE INDEX t_fx ON t (f(x))")
_RAISES = "IF $1 = 50 THEN RAISE EXCEPTION 'boom'; END IF; RETURN $1;"


def _invalid_names(dsn: str) -> list[str]:
    return [r[0] for r in query(dsn, "SELECT c.relname FROM pg_index i JOIN pg_class c "
                                     "ON c.oid = i.indexrelid WHERE NOT i.indisvalid ORDER BY 1")]


def test_failed_reindex_concurrently_reports_its_ccnew_leftover_and_the_rerun_too(
        pg_db: str, tmp_path: Path) -> None:
    """REINDEX CONCURRENTLY that fails while building (here the index expression raises for
    one row) leaves `<index>_ccnew` INVALID; the rerun after repair rebuilds the index and
    succeeds without touching that leftover, which must not be recorded as success."""
    query(pg_db, _REINDEX_SETUP.format(body="RETURN $1;"))
    query(pg_db, "CREATE OR REPLACE FUNCTION f(int) RETURNS int IMMUTABLE LANGUAGE plpgsql "
                 f"AS $$BEGIN {_RAISES} END$$")
    migrations = write(tmp_path / "m", {"001_re.up.sql": "REINDEX INDEX CONCURRENTLY t_fx;\n"})
    failed = lockwise(pg_db, "apply", str(migrations))
    assert failed.returncode == 1, failed
    assert _invalid_names(pg_db) == ["t_fx_ccnew"]
    assert "left invalid index public.t_fx_ccnew" in failed.stderr
    assert "a failed REINDEX CONCURRENTLY" in failed.stderr
    assert "DROP INDEX CONCURRENTLY public.t_fx_ccnew;" in failed.stderr

    query(pg_db, "CREATE OR REPLACE FUNCTION f(int) RETURNS int IMMUTABLE LANGUAGE plpgsql "
                 "AS $$BEGIN RETURN $1; END$$")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    rerun = lockwise(pg_db, "apply", str(migrations))
    assert rerun.returncode == 1, rerun
    assert "statement 1 left invalid index public.t_fx_ccnew" in rerun.stderr
    assert history(pg_db)[-1]["success"] is False

    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    dropped = lockwise(pg_db, "apply", str(migrations), "--drop-invalid")
    assert "dropped invalid index public.t_fx_ccnew" in dropped.stderr
    assert _invalid_names(pg_db) == []
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0


def test_reindex_concurrently_timed_out_before_dropping_the_old_index(pg_db: str,
                                                                      tmp_path: Path) -> None:
    """Swapped but not yet dropped: the original, renamed `<index>_ccold`, stays INVALID. The
    test holds a reader's lock on the table, so the REINDEX waits before marking it dead."""
    import psycopg

    query(pg_db, _REINDEX_SETUP.format(body="RETURN $1;"))
    migrations = write(tmp_path / "m", {"001_re.up.sql": "REINDEX INDEX CONCURRENTLY t_fx;\n"})
    with psycopg.connect(pg_db) as reader:
        reader.execute("SELECT 1 FROM t LIMIT 1")  # AccessShareLock until the rollback
        result = lockwise(pg_db, "apply", str(migrations), "--lock-timeout", "1s",
                          "--retries", "0")
        reader.rollback()
    assert result.returncode == 1, result
    assert _invalid_names(pg_db) == ["t_fx_ccold"]
    assert "left invalid index public.t_fx_ccold" in result.stderr
    assert "replaced but did not drop" in result.stderr
    assert "DROP INDEX CONCURRENTLY public.t_fx_ccold;" in result.stderr


@pytest.mark.parametrize("statement", ["REINDEX TABLE CONCURRENTLY big",
                                       "REINDEX SCHEMA CONCURRENTLY public",
                                       "REINDEX (VERBOSE, CONCURRENTLY) DATABASE"])
def test_reindex_concurrently_skipping_an_invalid_index_fails(pg_db: str, tmp_path: Path,
                                                              statement: str) -> None:
    """REINDEX TABLE/SCHEMA/DATABASE CONCURRENTLY skips invalid indexes with a WARNING and
    succeeds: the invalid index is still there."""
    _leave_invalid_index(pg_db)
    migrations = write(tmp_path / "m", {"001_re.up.sql": f"{statement};\n"})
    result = lockwise(pg_db, "apply", str(migrations), "--allow", "requires-downtime")
    assert result.returncode == 1, result
    assert "statement 1 left invalid index public.big_v_idx" in result.stderr
    assert history(pg_db)[-1]["success"] is False


@pytest.mark.parametrize("statement", ["REINDEX INDEX CONCURRENTLY big_id",
                                       "REINDEX TABLE CONCURRENTLY other"])
def test_reindex_concurrently_does_not_answer_for_other_invalid_indexes(
        pg_db: str, tmp_path: Path, statement: str) -> None:
    """An invalid index beside the reindexed one, or on another table, is not this
    statement's doing."""
    _leave_invalid_index(pg_db)
    query(pg_db, "CREATE INDEX big_id ON big (id); CREATE TABLE other (id int PRIMARY KEY)")
    migrations = write(tmp_path / "m", {"001_re.up.sql": f"{statement};\n"})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result


def test_one_history_table_spelled_two_ways_shares_one_lock(pg_db: str, tmp_path: Path) -> None:
    import psycopg

    migrations = write(tmp_path / "m", {
        "001_counter.up.sql": "CREATE TABLE counter (n int);\n",
        # Blocks on a lock the test holds, so the first runner is mid-migration for as long as
        # the test needs.
        "002_count.up.sql": "INSERT INTO counter VALUES (1);\n"
                            "SELECT pg_advisory_xact_lock(4242);\n",
    })
    with psycopg.connect(pg_db, autocommit=True) as gate:
        gate.execute("SELECT pg_advisory_lock(4242)")
        first = popen(pg_db, "apply", str(migrations), "--history-table", "hist")
        wait_until_seen(pg_db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                               "AND NOT granted AND objid = %s", (4242,), first,
                        "a wait for advisory lock 4242")
        # Without one lock key it would apply 002 too (and then time out on 4242).
        second = lockwise(pg_db, "apply", str(migrations), "--history-table", "public.hist",
                          "--wait", "0.5", "--lock-timeout", "300ms", "--retries", "0")
        gate.execute("SELECT pg_advisory_unlock(4242)")
    assert first.wait(timeout=120) == 0, first.communicate()
    assert second.returncode == 2, second
    assert "another lockwise runner holds the migration lock" in second.stderr
    assert query(pg_db, "SELECT count(*) FROM counter") == [(1,)]
    assert [(r["version"], r["success"]) for r in history(pg_db, "public.hist")] == [
        ("001", True), ("002", True)]
    again = lockwise(pg_db, "apply", str(migrations), "--history-table", "public.hist")
    assert again.returncode == 0 and "is up to date" in again.stdout


def test_history_table_follows_the_search_path(pg_db: str, tmp_path: Path) -> None:
    query(pg_db, "CREATE SCHEMA ops")
    dsn = f"{pg_db} options='-c search_path=ops'"
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE public.a (id int);\n"})
    assert lockwise(dsn, "apply", str(migrations), "--history-table", "hist").returncode == 0
    assert relation_exists(pg_db, "ops.hist") and not relation_exists(pg_db, "public.hist")
    status = lockwise(pg_db, "status", str(migrations), "--history-table", "ops.hist")
    assert status.returncode == 0 and "001  applied" in status.stdout
    nowhere = lockwise(f"{pg_db} options='-c search_path=nosuch'", "status", str(migrations),
                       "--history-table", "hist")
    assert nowhere.returncode == 2 and "no schema to live in" in nowhere.stderr


THREE = {
    "001_a.up.sql": "CREATE TABLE a (id int);\n",
    "002_b.up.sql": "CREATE TABLE b (id int);\n",
    "003_c.up.sql": "CREATE TABLE c (id int);\n",
}


@pytest.mark.parametrize("version", ["garbage", "99", "2020-02-01", "0001a"])
def test_baseline_refuses_a_version_no_file_has(pg_db: str, tmp_path: Path,
                                                version: str) -> None:
    migrations = write(tmp_path / "m", THREE)
    result = lockwise(pg_db, "baseline", version, str(migrations))
    assert result.returncode == 2, result
    assert f"refusing to baseline at '{version}': no migration file has that version " \
           "(the files have 001 to 003)" in result.stderr
    assert not relation_exists(pg_db, "lockwise.schema_history")
    assert _states(pg_db, migrations) == ["pending"] * 3


def test_baseline_unknown_version_on_request_and_undo(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", THREE)
    forced = lockwise(pg_db, "baseline", "99", str(migrations), "--allow-unknown-version")
    assert forced.returncode == 0, forced
    assert _states(pg_db, migrations) == ["baselined"] * 3

    undone = lockwise(pg_db, "repair", str(migrations), "--undo-baseline")
    assert undone.returncode == 0 and "baseline at 99 undone" in undone.stdout
    assert _states(pg_db, migrations) == ["pending"] * 3
    assert lockwise(pg_db, "baseline", "1", str(migrations)).returncode == 0
    assert [r["version"] for r in history(pg_db) if r["kind"] == "baseline"] == ["99", "001"]
    assert _states(pg_db, migrations) == ["baselined", "pending", "pending"]
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    # Once migrations ran on top of it, withdrawing it would make 001 pending again.
    refused = lockwise(pg_db, "repair", str(migrations), "--undo-baseline")
    assert refused.returncode == 1 and "2 migration(s) were applied on top" in refused.stderr
    assert _states(pg_db, migrations) == ["baselined", "applied", "applied"]
    nothing = lockwise(pg_db, "repair", str(tmp_path / "m"), "--undo-baseline",
                       "--history-table", "other")
    assert nothing.returncode == 1 and "no baseline to undo" in nothing.stderr


def test_whitespace_inside_a_literal_is_an_edit(pg_db: str, tmp_path: Path) -> None:
    from lockwise.executor.checksum import checksum

    original = "CREATE TABLE s (t text);\nINSERT INTO s VALUES ('line1\nline2');\n"
    migrations = write(tmp_path / "m", {"001_s.up.sql": original})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert history(pg_db)[0]["checksum_version"] == 2
    (migrations / "001_s.up.sql").write_text(original.replace("line1", "line1    "))
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1 and "001  changed" in status.stdout
    (migrations / "001_s.up.sql").write_text(original.replace("\n", "  \r\n") + "\n\n")
    assert "001  changed" in lockwise(pg_db, "status", str(migrations)).stdout  # CR in literal
    (migrations / "001_s.up.sql").write_text(original.replace(" (t", "(t").replace(";\n", "; \n"))
    assert lockwise(pg_db, "status", str(migrations)).returncode == 0

    # A row an earlier lockwise wrote with algorithm 1 is still compared with algorithm 1.
    query(pg_db, "UPDATE lockwise.schema_history SET checksum = %s, checksum_version = 1",
          (checksum(original, 1),))
    (migrations / "001_s.up.sql").write_text(original + "   \n\n")
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0 and "001  applied" in status.stdout


def test_rollback_steps_follow_application_order(pg_db: str, tmp_path: Path) -> None:
    first = {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "001_a.down.sql": "DROP TABLE a;\n",
        "003_t3.up.sql": "CREATE TABLE t3 (id int PRIMARY KEY);\n",
        "003_t3.down.sql": "DROP TABLE t3;\n",
    }
    migrations = write(tmp_path / "m", first)
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    # Applied out of order, on top of 003, and depending on it.
    write(migrations, {"002_t2.up.sql": "CREATE TABLE t2 (id int REFERENCES t3 (id));\n",
                       "002_t2.down.sql": "DROP TABLE t2;\n"})
    out_of_order = lockwise(pg_db, "apply", str(migrations), "--allow-out-of-order")
    assert out_of_order.returncode == 0 and "out of order" in out_of_order.stderr

    dry = lockwise(pg_db, "rollback", str(migrations), "--steps", "2", "--dry-run")
    assert dry.stdout.index("1. 002 t2") < dry.stdout.index("2. 003 t3"), dry.stdout
    one = lockwise(pg_db, "rollback", str(migrations))
    assert one.returncode == 0 and "rolling back 002" in one.stdout, one
    assert not relation_exists(pg_db, "t2") and relation_exists(pg_db, "t3")
    # 002 is older than 003, which stays applied: applying it again is out of order too.
    assert _states(pg_db, migrations) == ["applied", "out-of-order", "applied"]
    assert lockwise(pg_db, "apply", str(migrations), "--allow-out-of-order").returncode == 0
    every = lockwise(pg_db, "rollback", str(migrations), "--to", "001")
    assert every.returncode == 0, every
    assert every.stdout.index("rolling back 002") < every.stdout.index("rolling back 003")
    assert _states(pg_db, migrations) == ["applied", "pending", "pending"]


def test_rollback_to_a_version_no_migration_has_is_refused(pg_db: str, tmp_path: Path) -> None:
    # `--to 20240301` meant the March migration: read as a version below every timestamp, it
    # would undo all three. As golang-migrate's `goto`, an unknown target is an input error.
    files = {}
    for v in ("20240101120000", "20240301090000", "20240415170000"):
        files |= {f"{v}_t.up.sql": f"CREATE TABLE t{v} (id int);\n",
                  f"{v}_t.down.sql": f"DROP TABLE t{v};\n"}
    migrations = write(tmp_path / "m", files)
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    for target in ("20240301", "garbage"):
        result = lockwise(pg_db, "rollback", str(migrations), "--to", target)
        assert result.returncode == 2, result
        assert f"no migration has version {target!r}" in result.stderr
    assert all(relation_exists(pg_db, f"t{v}") for v in
               ("20240101120000", "20240301090000", "20240415170000"))
    assert lockwise(pg_db, "rollback", str(migrations), "--to", "20240301090000").returncode == 0
    assert not relation_exists(pg_db, "t20240415170000")
    assert relation_exists(pg_db, "t20240301090000")
    assert lockwise(pg_db, "rollback", str(migrations), "--to", "0").returncode == 0
    assert not relation_exists(pg_db, "t20240101120000")


def test_failed_unique_build_recovers_in_one_rerun_with_drop_invalid(pg_db: str,
                                                                    tmp_path: Path) -> None:
    """A UNIQUE build over duplicates fails and leaves its index INVALID. Once the duplicates
    are fixed and the failure repaired, `apply --drop-invalid` drops the leftover before the
    build, which then succeeds: not "already exists" and another repair."""
    migrations = write(tmp_path / "m", {
        "001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    })
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    query(pg_db, "INSERT INTO users VALUES (1, 'a'), (2, 'a')")
    write(migrations, {"002_uniq.up.sql":
                       "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n"})
    failed = lockwise(pg_db, "apply", str(migrations))
    assert failed.returncode == 1, failed
    assert "DROP INDEX CONCURRENTLY public.users_email_key;" in failed.stderr
    assert "--drop-invalid (after `lockwise repair`)" in failed.stderr
    query(pg_db, "DELETE FROM users WHERE id = 2")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    rerun = lockwise(pg_db, "apply", str(migrations), "--drop-invalid")
    assert rerun.returncode == 0, rerun
    assert "dropped invalid index public.users_email_key" in rerun.stderr
    assert _invalid_names(pg_db) == []
    assert relation_exists(pg_db, "users_email_key")
