"""The executor against the embedded PostgreSQL, through the real CLI in subprocesses."""

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
    schema_snapshot,
    wait_for_query,
    write,
)

pytestmark = pytest.mark.postgres


def test_five_concurrent_runners_apply_each_migration_once(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        # The sleep keeps the first runner busy while the others start and queue on the lock.
        "001_runs.up.sql": "CREATE TABLE runs (n int);\nSELECT pg_sleep(1);\n",
        "002_count.up.sql": "INSERT INTO runs VALUES (2);\n",
        "003_more.up.sql": "INSERT INTO runs VALUES (3);\nCREATE TABLE other (id int);\n",
    })
    procs = [popen(pg_db, "apply", str(migrations), "--wait", "120") for _ in range(5)]
    results = [(p.wait(timeout=180), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0] * 5, results
    assert sorted(query(pg_db, "SELECT n FROM runs")) == [(2,), (3,)]
    rows = history(pg_db)
    assert [(r["version"], r["success"]) for r in rows] == [
        ("001", True), ("002", True), ("003", True)]
    # Exactly one runner applied them; the other four found the database up to date.
    applied = [out for _, out, _ in results if "applied 3 migration(s)" in out]
    up_to_date = [out for _, out, _ in results if "is up to date" in out]
    assert len(applied) == 1 and len(up_to_date) == 4


def test_second_runner_gives_up_after_wait(pg_db: str, tmp_path: Path) -> None:
    import psycopg

    from lockwise.executor.history import HistoryTable

    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    key = HistoryTable.parse("lockwise.schema_history").lock_key
    with psycopg.connect(pg_db, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (key,))
        pid = holder.info.backend_pid
        result = lockwise(pg_db, "apply", str(migrations), "--wait", "0.5")
    assert result.returncode == 2
    assert "another lockwise runner holds the migration lock" in result.stderr
    assert f"pid {pid}" in result.stderr
    assert not relation_exists(pg_db, "a")
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "a")


def test_sigkill_mid_transaction_leaves_no_partial_schema(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\nALTER TABLE a ADD COLUMN note text;\n"
                        "SELECT pg_sleep(30);\n",
    })
    proc = popen(pg_db, "apply", str(migrations))
    wait_for_query(pg_db, "SELECT pg_sleep(30)%", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert relation_exists(pg_db, "a")
    assert not relation_exists(pg_db, "b")
    assert query(pg_db, "SELECT count(*) FROM information_schema.columns "
                        "WHERE table_name = 'a' AND column_name = 'note'") == [(0,)]
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0, status
    lines = status.stdout.splitlines()
    assert lines[0].split()[:2] == ["001", "applied"]
    assert lines[1].split()[:2] == ["002", "pending"]
    assert [r["version"] for r in history(pg_db)] == ["001"]

    # The lock died with the runner: the next run (without the sleep) goes through.
    (migrations / "002_b.up.sql").write_text(
        "CREATE TABLE b (id int);\nALTER TABLE a ADD COLUMN note text;\n")
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    assert relation_exists(pg_db, "b")


NON_TX = {
    "001_t.up.sql": "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1), (1);\n",
    "002_ix.up.sql": "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n"
                     "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_key ON t (a);\n"
                     "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_desc ON t (a DESC);\n",
    "003_after.up.sql": "CREATE TABLE after_ix (id int);\n",
}


def test_nontransactional_failure_is_recorded_and_blocks_until_repair(
        pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", NON_TX)
    first = lockwise(pg_db, "apply", str(migrations))
    assert first.returncode == 1, first
    assert "002_ix.up.sql:2:1: failed at statement 2 (line 2)" in first.stderr
    assert "could not create unique index" in first.stderr
    # The failed CONCURRENTLY build is detected as invalid, and reported.
    assert "index public.t_a_key is INVALID" in first.stderr
    assert query(pg_db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a_key'::regclass"
                 ) == [(False,)]
    assert relation_exists(pg_db, "t_a") and not relation_exists(pg_db, "t_a_desc")
    failed = history(pg_db)[-1]
    assert (failed["version"], failed["success"], failed["failed_statement_index"],
            failed["statements_completed"], failed["transactional"]) == ("002", False, 1, 1,
                                                                         False)
    assert "could not create unique index" in failed["error_message"]

    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 1
    assert "refusing to apply" in again.stderr and "lockwise repair" in again.stderr
    assert not relation_exists(pg_db, "after_ix")
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1
    assert "002  failed" in status.stdout and "statement 2 (line 2):" in status.stdout

    # A human fixes the data and removes the invalid index, then clears the failure.
    query(pg_db, "DELETE FROM t WHERE ctid <> (SELECT min(ctid) FROM t)")
    query(pg_db, "DROP INDEX CONCURRENTLY t_a_key")
    repaired = lockwise(pg_db, "repair", str(migrations))
    assert repaired.returncode == 0 and "002: failed run cleared" in repaired.stdout
    final = lockwise(pg_db, "apply", str(migrations))
    assert final.returncode == 0, final
    assert query(pg_db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a_key'::regclass"
                 ) == [(True,)]
    assert relation_exists(pg_db, "after_ix")
    assert lockwise(pg_db, "status", str(migrations)).returncode == 0


def test_drop_invalid_removes_the_failed_index(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", NON_TX)
    result = lockwise(pg_db, "apply", str(migrations), "--drop-invalid")
    assert result.returncode == 1
    assert "dropped invalid index public.t_a_key" in result.stderr
    assert not relation_exists(pg_db, "t_a_key")
    assert relation_exists(pg_db, "t_a")


def test_transactional_failure_rolls_back_and_is_recorded(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_bad.up.sql": "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n"
                          "INSERT INTO missing VALUES (1);\n",
    })
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1
    assert "002_bad.up.sql:3:13: failed at statement 3 (line 3)" in result.stderr
    assert "relation \"missing\" does not exist" in result.stderr
    assert relation_exists(pg_db, "a") and not relation_exists(pg_db, "b")
    row = history(pg_db)[-1]
    assert (row["version"], row["success"], row["failed_statement_index"],
            row["transactional"]) == ("002", False, 2, True)
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    (migrations / "002_bad.up.sql").write_text("CREATE TABLE b (id int);\n")
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "b")


def test_lock_timeout_is_retried_then_fails_cleanly(pg_db: str, tmp_path: Path) -> None:
    import psycopg

    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_col.up.sql": "ALTER TABLE a ADD COLUMN note text;\n",
    })
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    (migrations / "003_more.up.sql").write_text("ALTER TABLE a ADD COLUMN more int;\n")
    with psycopg.connect(pg_db) as blocker:
        blocker.execute("SELECT * FROM a")  # holds ACCESS SHARE until the end of the block
        result = lockwise(pg_db, "apply", str(migrations), "--lock-timeout", "100ms",
                          "--retries", "2", "--retry-delay", "0.05")
        blocker.rollback()
    assert result.returncode == 1
    assert result.stderr.count("lockwise: lock_timeout on") == 2
    assert "canceling statement due to lock timeout" in result.stderr
    # Nothing in the file is wrong: the user is told what to change instead (when, or the
    # options), not left to look for an error in the SQL.
    assert "nothing in 003_more.up.sql needs fixing" in result.stderr
    assert "--lock-timeout" in result.stderr and "--retries" in result.stderr
    # status said "(fix it, then `lockwise repair` and `apply`)" of the same failure.
    status = lockwise(pg_db, "status", str(migrations))
    assert "003  failed" in status.stdout and "fix it" not in status.stdout, status
    assert "nothing in the file needs fixing" in status.stdout
    assert query(pg_db, "SELECT count(*) FROM information_schema.columns WHERE "
                        "table_name = 'a' AND column_name = 'more'") == [(0,)]
    assert history(pg_db)[-1]["success"] is False


def _release_after_a_wait(uri: str, blocker, table: str) -> None:
    """Roll `blocker` back once another session has been seen waiting for a lock on `table`,
    and a little longer than the runner's lock_timeout has passed."""
    import time

    import psycopg

    with psycopg.connect(uri, autocommit=True) as watcher:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass",
                (table,)).fetchone()[0]:
            time.sleep(0.02)
    time.sleep(0.4)
    blocker.rollback()


def test_lock_timeout_retry_of_a_statement_run_with_its_progress(pg_db: str,
                                                                  tmp_path: Path) -> None:
    """Statement by statement, a statement that times out waiting for its lock is rolled back
    with its progress update and retried alone: the statements before it are not run again,
    and the history counts each once."""
    import threading

    import psycopg

    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\nCREATE TABLE log (n int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    (migrations / "002_more.up.sql").write_text(
        "-- lockwise: no-transaction\nINSERT INTO log VALUES (1);\n"
        "ALTER TABLE a ADD COLUMN more int;\n")
    with psycopg.connect(pg_db) as blocker:
        blocker.execute("SELECT * FROM a")  # ACCESS SHARE until released below
        # Released once the runner has waited for it past its lock_timeout, not after a fixed
        # time: on a busy machine the runner may start later than any fixed time.
        releaser = threading.Thread(target=_release_after_a_wait, args=(pg_db, blocker, "a"))
        releaser.start()
        result = lockwise(pg_db, "apply", str(migrations), "--lock-timeout", "200ms",
                          "--retries", "6", "--retry-delay", "0.3")
        releaser.join()
    assert result.returncode == 0, result
    assert "lockwise: lock_timeout on" in result.stderr
    assert query(pg_db, "SELECT n FROM log") == [(1,)]
    assert query(pg_db, "SELECT count(*) FROM information_schema.columns WHERE "
                        "table_name = 'a' AND column_name = 'more'") == [(1,)]
    last = history(pg_db)[-1]
    assert (last["success"], last["statements_completed"]) == (True, 2)


def test_edited_applied_migration_is_refused(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    # Whitespace-only edits keep the checksum.
    (migrations / "001_a.up.sql").write_text("CREATE TABLE a (id int);   \r\n\r\n")
    (migrations / "002_b.up.sql").write_text("CREATE TABLE b (id int);\n")
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0

    (migrations / "001_a.up.sql").write_text("CREATE TABLE a (id bigint);\n")
    (migrations / "003_c.up.sql").write_text("CREATE TABLE c (id int);\n")
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 1
    assert f"version 001: {migrations / '001_a.up.sql'} changed since it was applied" in \
        result.stderr
    recorded = history(pg_db)[0]["checksum"]
    assert f"recorded checksum {recorded[:12]}" in result.stderr
    assert not relation_exists(pg_db, "c")
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1 and "001  changed" in status.stdout

    repaired = lockwise(pg_db, "repair", str(migrations))
    assert "001: accepted the new checksum" in repaired.stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "c")


def test_destructive_migration_needs_explicit_allowance(pg_db: str, tmp_path: Path) -> None:
    # The table is older than the run: dropping a column of a table an earlier migration of
    # the same run created would lose nothing of production's (tests/executor/test_gate_run.py).
    migrations = write(tmp_path / "m",
                       {"000_pre.up.sql": "CREATE TABLE pre (id int, legacy text);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    write(migrations, {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_drop.up.sql": "ALTER TABLE pre DROP COLUMN legacy;\n",
    })
    for allow in ([], ["--allow", "requires-downtime"]):
        result = lockwise(pg_db, "apply", str(migrations), *allow)
        assert result.returncode == 1
        assert "002_drop.up.sql is destructive" in result.stderr
        assert "drop-column [destructive]" in result.stderr
        # Nothing runs when the gate refuses, not even the safe migration before it.
        assert not relation_exists(pg_db, "a")
    dry = lockwise(pg_db, "apply", str(migrations), "--dry-run")
    assert dry.returncode == 1 and "REFUSED" in dry.stdout
    result = lockwise(pg_db, "apply", str(migrations), "--allow", "destructive")
    assert result.returncode == 0, result
    assert [r["safety"] for r in history(pg_db)] == ["safe", "safe", "destructive"]


def test_ignored_rules_are_recorded_with_reasons(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int, legacy text);\n",
        "002_drop.up.sql": "-- lockwise: ignore[drop-column] reason: unused since 4.2\n"
                           "ALTER TABLE a DROP COLUMN legacy;\n",
    })
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    row = history(pg_db)[-1]
    assert row["ignored_rules"] == [{"rules": ["drop-column"], "reason": "unused since 4.2",
                                     "file_level": False, "line": 1}]


def test_dry_run_prints_the_plan_and_changes_nothing(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "BEGIN;\nCREATE TABLE a (id int, email text);\nCOMMIT;\n",
        "002_ix.up.sql": "CREATE INDEX CONCURRENTLY a_email ON a (email);\n",
    })
    result = lockwise(pg_db, "apply", str(migrations), "--dry-run")
    assert result.returncode == 0, result
    out = result.stdout
    assert "2 pending migration(s), allowed up to safe-with-care" in out
    assert out.index("1. 001 a") < out.index("2. 002 ix")
    assert "[safe] one transaction" in out
    assert "statement by statement, no transaction" in out
    assert "locks: SHARE UPDATE EXCLUSIVE on public.a" in out  # as lint's report names it
    assert "CREATE INDEX CONCURRENTLY a_email ON a (email)" in out
    assert "the file's own BEGIN/COMMIT, replaced by lockwise's transaction" in out
    assert not relation_exists(pg_db, "a")
    assert not relation_exists(pg_db, "lockwise.schema_history")
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "a_email")


_FLYWAY_MIXED_IX = "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY a_email ON a (email);\n"


@pytest.mark.parametrize(("files", "code", "note"), [
    ({"sql/V2__ix.sql": _FLYWAY_MIXED_IX, "flyway.conf": "flyway.mixed=true\n"}, 0, False),
    ({"sql/V2__ix.sql": _FLYWAY_MIXED_IX}, 0, True),
    ({"sql/V2__ix.sql": "CREATE INDEX CONCURRENTLY a_email ON a (email);\n",
      "sql/V2__ix.sql.conf": "executeInTransaction=true\n"}, 1, False),
    ({"sql/V2__ix.sql": _FLYWAY_MIXED_IX, "application.yml": "spring.flyway.mixed: true\n"},
     0, False),
    ({"sql/V2__ix.sql": _FLYWAY_MIXED_IX, "flyway.conf": "flyway.mixed=true\n",
      "application.properties": "spring.application.name=shop\n"}, 0, True),
], ids=["mixed", "not-mixed", "script-in-transaction", "spring-mixed", "spring-not-mixed"])
def test_a_flyway_migration_is_applied_knowing_what_flyway_does(
        pg_db: str, tmp_path: Path, files: dict[str, str], code: int, note: bool) -> None:
    """apply runs a migration with CREATE INDEX CONCURRENTLY beside another statement
    statement by statement, as Flyway does with `flyway.mixed=true` (in the flyway.conf above
    the migrations); without it Flyway refuses the migration, which apply notes, running it
    all the same (checked on 18.6: the index is built). In a Spring Boot project (its
    application file in the folder above the location, its classpath root) only
    `spring.flyway.mixed` counts, not flyway.conf, which Spring Boot does not read. A script
    config's
    `executeInTransaction=true` makes Flyway run it in a transaction, where the server
    refuses CONCURRENTLY: apply plans it so and refuses it, and nothing of it runs."""
    from tree_helpers import write as write_tree

    write_tree(tmp_path, {"sql/V1__a.sql": "CREATE TABLE a (id int, email text);\n", **files})
    result = lockwise(pg_db, "apply", str(tmp_path / "sql"))
    assert result.returncode == code, result
    out = result.stdout + result.stderr
    assert relation_exists(pg_db, "a_email") is (code == 0)
    assert ("Flyway refuses this migration" in out) is note
    if code:
        assert "cannot run inside a transaction block" in out


@pytest.mark.parametrize(("files", "named"), [
    ({}, "flyway.conf's flyway.mixed, flyway.toml's mixed, or FLYWAY_MIXED"),
    ({"application.properties": "spring.application.name=shop\n"},
     "spring.flyway.mixed, or the environment variable SPRING_FLYWAY_MIXED"),
    ({"application.yml": "flyway:\n  datasources:\n    default:\n      enabled: true\n"},
     "flyway.datasources.default.mixed, or the environment variable "
     "FLYWAY_DATASOURCES_DEFAULT_MIXED"),
], ids=["flyway", "spring", "micronaut"])
def test_the_refused_mixed_migration_names_the_setting_of_its_run(
        pg_db: str, tmp_path: Path, files: dict[str, str], named: str) -> None:
    """apply's note on a migration Flyway refuses (`mixed` off) names the setting that turns
    it on for the run that runs the folder (fix-layouts27): a Micronaut data source's, not
    Spring Boot's, where the application is Micronaut."""
    from tree_helpers import write as write_tree

    write_tree(tmp_path, {"sql/V1__a.sql": "CREATE TABLE a (id int, email text);\n",
                          "sql/V2__ix.sql": _FLYWAY_MIXED_IX, **files})
    result = lockwise(pg_db, "apply", "--dry-run", str(tmp_path / "sql"))
    out = " ".join((result.stdout + result.stderr).split())
    assert f"Flyway's `mixed` is off ({named})" in out, out


@pytest.mark.parametrize("allow", ["safe-with-care", "destructive"])
def test_dry_run_of_sql_that_does_not_parse_is_the_input_error_the_run_is(
        pg_db: str, tmp_path: Path, allow: str) -> None:
    """`apply` exits 2 on a file that does not parse, before anything runs; its dry run
    printed a plan without the statement, the DROP TABLE after it marked safe, and exited 1,
    as for a gate refusal: the dry run says what the run would do, so it is the same input
    error, at the parser's file:line:column."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY);\n",
        "002_b.up.sql": "ALTER TABLE t ADD COLUMN x int;\n"
                        "ALTER TABLE t ADD COLUMN y int NOT NULL DEFAULT 1 FROM;\n"
                        "DROP TABLE t;\n",
    })
    run = lockwise(pg_db, "apply", str(migrations), "--allow", allow)
    dry = lockwise(pg_db, "apply", str(migrations), "--allow", allow, "--dry-run")
    assert run.returncode == dry.returncode == 2, (run, dry)
    assert "002_b.up.sql:2:51: PostgreSQL's parser rejects this SQL: syntax error" in \
        dry.stderr
    assert "Plan for" not in dry.stdout and "DROP TABLE" not in dry.stdout


def test_a_template_placeholder_is_named_as_such(pg_db: str, tmp_path: Path) -> None:
    """supabase-auth's migrations hold Go template placeholders: apply said `syntax error at
    or near "{"` three times per file; it names the placeholder and what to do, as verify
    does, and runs nothing (exit 2)."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE IF NOT EXISTS {{ index .Options \"Namespace\" }}.users "
                        "(id uuid);\nCREATE INDEX ON {{ index .Options \"Namespace\" }}.users "
                        "(id);\n"})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 2, result
    assert ('001_a.up.sql:1:28: template placeholder {{ index .Options "Namespace" }} cannot '
            "be run") in result.stderr
    assert "syntax error" not in result.stderr
    assert history(pg_db) == []


def test_rollback_restores_previous_schema(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int PRIMARY KEY);\n",
        "001_a.down.sql": "DROP TABLE a;\n",
        "002_col.up.sql": "ALTER TABLE a ADD COLUMN email text;\n",
        "002_col.down.sql": "ALTER TABLE a DROP COLUMN email;\n",
        "003_ix.up.sql": "CREATE INDEX CONCURRENTLY a_email ON a (email);\n",
        "003_ix.down.sql": "DROP INDEX CONCURRENTLY a_email;\n",
    })
    empty = schema_snapshot(pg_db)
    only_first = {"001_a.up.sql": "CREATE TABLE a (id int PRIMARY KEY);\n"}
    assert lockwise(pg_db, "apply", str(write(tmp_path / "first", only_first))).returncode == 0
    after_first = schema_snapshot(pg_db)
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert schema_snapshot(pg_db) != after_first

    dry = lockwise(pg_db, "rollback", str(migrations), "--steps", "2", "--dry-run")
    assert dry.returncode == 0, dry
    assert dry.stdout.index("1. 003 ix") < dry.stdout.index("2. 002 col")
    assert "DROP INDEX CONCURRENTLY a_email" in dry.stdout and "no transaction" in dry.stdout
    assert schema_snapshot(pg_db) != after_first
    result = lockwise(pg_db, "rollback", str(migrations), "--steps", "2")
    assert result.returncode == 0, result
    assert result.stdout.index("rolling back 003") < result.stdout.index("rolling back 002")
    assert schema_snapshot(pg_db) == after_first
    rows = {r["version"]: r for r in history(pg_db) if r["kind"] == "apply"}
    assert rows["003"]["rolled_back"] and rows["002"]["rolled_back"]
    assert not rows["001"]["rolled_back"]
    status = lockwise(pg_db, "status", str(migrations)).stdout.splitlines()
    assert [line.split()[1] for line in status[:3]] == ["applied", "pending", "pending"]

    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert lockwise(pg_db, "rollback", str(migrations), "--to", "0").returncode == 0
    assert schema_snapshot(pg_db) == empty
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert [r["version"] for r in history(pg_db)
            if r["kind"] == "apply" and not r["rolled_back"]] == ["001", "002", "003"]


def test_rollback_refuses_without_down_files(pg_db: str, tmp_path: Path) -> None:
    """A missing down file is neither a finding nor a failed migration: nothing ran, and the
    fix is in the migrations directory. docs/executor.md's table makes that an input error,
    exit 2, as a down file that cannot be run is; 1 would tell a deploy script that a
    migration failed and the history needs `repair`."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n",
        "002_b.down.sql": "DROP TABLE b;\n",
    })
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    result = lockwise(pg_db, "rollback", str(migrations), "--steps", "2")
    assert result.returncode == 2, result
    assert "001_a.up.sql has no down migration" in result.stderr
    assert relation_exists(pg_db, "a") and relation_exists(pg_db, "b")


def _existing_database(pg_db: str, tmp_path: Path) -> Path:
    """A database lockwise never ran on, with the tables of migrations 001 and 002 of the
    directory returned (003 is new)."""
    query(pg_db, "CREATE TABLE a (id int); CREATE TABLE b (id int)")
    return write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n",
        "003_c.up.sql": "CREATE TABLE c (id int);\n",
    })


def test_baseline_marks_existing_database(pg_db: str, tmp_path: Path) -> None:
    migrations = _existing_database(pg_db, tmp_path)
    assert lockwise(pg_db, "baseline", "002", str(migrations)).returncode == 0
    status = lockwise(pg_db, "status", str(migrations)).stdout.splitlines()
    assert [line.split()[1] for line in status[:3]] == ["baselined", "baselined", "pending"]
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    assert "applied 1 migration(s)" in result.stdout
    again = lockwise(pg_db, "baseline", "003", str(migrations))
    assert again.returncode == 1 and "refusing to baseline" in again.stderr


def test_custom_history_table(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    result = lockwise(pg_db, "apply", str(migrations), "--history-table", "ops.Migrations")
    assert result.returncode == 0, result
    assert [r["version"] for r in history(pg_db, 'ops."Migrations"')] == ["001"]
    assert not relation_exists(pg_db, "lockwise.schema_history")
    bad = lockwise(pg_db, "apply", str(migrations), "--history-table", "x; DROP TABLE a")
    assert bad.returncode == 2 and "invalid history table name" in bad.stderr
    assert relation_exists(pg_db, "a")


def test_password_never_appears_in_output(pg_db: str, tmp_path: Path) -> None:
    secret = "Zx9-not-for-logs"
    dsn = f"{pg_db} password={secret}"  # the embedded server trusts local sockets
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_bad.up.sql": "INSERT INTO nowhere VALUES (1);\n",
    })
    outputs = [
        lockwise(dsn, "apply", str(migrations), "--dry-run"),
        lockwise(dsn, "apply", str(migrations)),
        lockwise(dsn, "status", str(migrations)),
        lockwise(dsn, "status", str(migrations), "--format", "json"),
        lockwise(f"postgresql://app:{secret}@127.0.0.1:1/nodb?connect_timeout=2", "status",
                 str(migrations)),
        lockwise(f"host=127.0.0.1 port=1 user=app password={secret} connect_timeout=2",
                 "apply", str(migrations)),
    ]
    assert [o.returncode for o in outputs] == [0, 1, 1, 1, 2, 2]
    for out in outputs:
        assert secret not in out.stdout + out.stderr
    assert "postgresql://app:****@127.0.0.1:1/nodb" in outputs[4].stderr
    assert "password=****" in outputs[5].stderr
    env_run = _with_env({"DATABASE_URL": dsn}, migrations)
    assert env_run.returncode == 1 and secret not in env_run.stdout + env_run.stderr


def _with_env(extra: dict[str, str], migrations: Path):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "lockwise", "status", str(migrations)],
                          capture_output=True, text=True, env={**os.environ, **extra},
                          timeout=120)


def test_missing_dsn_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run([sys.executable, "-m", "lockwise", "apply", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert "pass --dsn or set DATABASE_URL" in result.stderr


def test_statement_timeout_is_set_in_the_transaction(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_slow.up.sql": "CREATE TABLE a (id int);\nSELECT pg_sleep(20);\n"})
    result = lockwise(pg_db, "apply", str(migrations), "--statement-timeout", "200ms")
    assert result.returncode == 1
    assert "canceling statement due to statement timeout" in result.stderr
    assert "retrying" not in result.stderr  # only lock timeouts are retried
    assert not relation_exists(pg_db, "a")


@pytest.mark.parametrize("text, where", [
    ("CREATE TABLE b (;\n", "002_bad.up.sql:1:"),
    ("\\i other.sql\nCREATE TABLE b (id int);\n",
     "002_bad.up.sql:1:1: `\\i other.sql` is a psql meta-command"),
    ("CREATE TABLE b (id int);\nCOMMIT;\nCREATE TABLE c (id int);\n",
     "002_bad.up.sql:2:1: the migration controls its own transactions"),
    # COPY through the client: psycopg's execute() cannot run it, and it left the connection
    # unusable mid-transaction. FROM STDIN without a data block, at the end of the file or on
    # one line with more SQL, is not seen as psql's copy-data.
    ("CREATE TABLE b (id int);\nCOPY b TO STDOUT;\n", "002_bad.up.sql:2:1: COPY ... TO STDOUT"),
    ("CREATE TABLE b (id int);\nCOPY (SELECT 1) TO STDOUT WITH (FORMAT csv);\n",
     "002_bad.up.sql:2:1: COPY ... TO STDOUT"),
    ("CREATE TABLE b (id int); COPY b FROM STDIN;", "002_bad.up.sql:1:26: COPY ... FROM STDIN"),
])
def test_unrunnable_migrations_are_input_errors(pg_db: str, tmp_path: Path, text: str,
                                                where: str) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "002_bad.up.sql": text})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 2, result
    assert where in result.stderr
    assert "Traceback" not in result.stderr
    assert not relation_exists(pg_db, "a")


def test_a_psql_setting_is_skipped_with_a_note(pg_db: str, tmp_path: Path) -> None:
    """`\\set ON_ERROR_STOP on` changes nothing the server runs: apply runs the rest of the
    file and says, at its file:line:column, that it skipped it (as verify and trace do)."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "\\set ON_ERROR_STOP on\n\\timing on\nCREATE TABLE a (id int);\n"})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    assert "001_a.up.sql:1:1: `\\set ON_ERROR_STOP on` only sets psql's own behaviour" \
        in result.stderr
    assert "001_a.up.sql:2:1: `\\timing on` only sets" in result.stderr
    assert relation_exists(pg_db, "a")


def test_plan_and_history_carry_duration_estimates(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int, email text);\n"
                        "INSERT INTO a SELECT g, g::text FROM generate_series(1, 50000) g;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    query(pg_db, "ANALYZE a")
    (migrations / "002_ix.up.sql").write_text("CREATE INDEX CONCURRENTLY a_email ON a (email);\n")
    dry = lockwise(pg_db, "apply", str(migrations), "--dry-run")
    assert dry.returncode == 0, dry
    assert "no transaction, estimated" in dry.stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    row = history(pg_db)[-1]
    assert row["version"] == "002" and row["predicted_seconds"] is not None
    assert row["predicted_seconds"] > 0


def test_sigkill_mid_nontransactional_migration_is_interrupted(pg_db: str,
                                                               tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_ix.up.sql": "-- lockwise: no-transaction\n"
                         "CREATE INDEX CONCURRENTLY a_id ON a (id);\nSELECT pg_sleep(30);\n",
        "003_b.up.sql": "CREATE TABLE b (id int);\n",
    })
    proc = popen(pg_db, "apply", str(migrations))
    wait_for_query(pg_db, "SELECT pg_sleep(30)%", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    # Until the dead runner's backend notices (client_connection_check_interval, 1s) the run
    # shows as running (test_executor_attacks covers that); once it has ended, interrupted.
    cancel_orphaned(pg_db, "SELECT pg_sleep(30)%")

    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 1, status
    line = status.stdout.splitlines()[1]
    assert line.split()[:2] == ["002", "interrupted"]
    assert "1 statement(s) completed" in line
    assert relation_exists(pg_db, "a_id")  # the first statement committed on its own
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 1 and "002_ix.up.sql (version 002) is interrupted" in \
        refused.stderr
    assert not relation_exists(pg_db, "b")

    # The human finished it by hand (the sleep needs no finishing) and says so. repair calls
    # the run what status called it (it said "failed run" of an interrupted one).
    repaired = lockwise(pg_db, "repair", str(migrations), "--mark-applied")
    assert "002: interrupted run cleared, marked applied" in repaired.stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert relation_exists(pg_db, "b")
    states = [line.split()[1] for line in
              lockwise(pg_db, "status", str(migrations)).stdout.splitlines()[:3]]
    assert states == ["applied", "applied", "applied"]


def test_a_part_of_a_history_is_refused(pg_db: str, tmp_path: Path) -> None:
    # A file, or one diesel migration's folder, is not the history: read alone, `rollback` on
    # the oldest file undid it under the newer migrations applied on top of it, and a diesel
    # folder's up.sql and down.sql were read as two migrations, "down" running first.
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n", "001_a.down.sql": "DROP TABLE a;\n",
        "002_b.up.sql": "CREATE TABLE b (a_id int);\n", "002_b.down.sql": "DROP TABLE b;\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    for command in ("rollback", "apply", "status"):
        result = lockwise(pg_db, command, str(migrations / "001_a.up.sql"))
        assert result.returncode == 2, result
        assert f"name its migrations directory ({migrations})" in result.stderr
    assert relation_exists(pg_db, "a") and relation_exists(pg_db, "b")

    diesel = tmp_path / "diesel"
    for name, table in (("2020-01-01-000000_a", "da"), ("2020-01-02-000000_b", "db")):
        write(diesel / name, {"up.sql": f"CREATE TABLE {table} (id int);\n",
                              "down.sql": f"DROP TABLE {table};\n"})
    # Another history than the one above: its own history table (over the other one's,
    # a directory holding none of its applied migrations is refused).
    result = lockwise(pg_db, "apply", str(diesel / "2020-01-02-000000_b"), "--allow",
                      "destructive", "--history-table", "diesel_log")
    assert result.returncode == 2, result
    assert f"name its migrations directory ({diesel})" in result.stderr
    assert not relation_exists(pg_db, "db")
    assert lockwise(pg_db, "apply", str(diesel), "--history-table",
                    "diesel_log").returncode == 0
    assert relation_exists(pg_db, "da") and relation_exists(pg_db, "db")


def test_status_says_a_failed_transactional_migration_left_nothing(pg_db: str,
                                                                  tmp_path: Path) -> None:
    # It still needs `repair` (docs/executor.md), but the user reads that there is nothing
    # to undo; a statement-by-statement failure does not say so (its first statements stay).
    migrations = write(tmp_path / "m", {
        "001_tx.up.sql": "CREATE TABLE a (id int);\nINSERT INTO nosuch VALUES (1);\n",
        "002_nt.up.sql": "-- lockwise: no-transaction\nCREATE TABLE b (id int);\n"
                         "INSERT INTO nosuch VALUES (1);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    status = lockwise(pg_db, "status", str(migrations))
    line = next(x for x in status.stdout.splitlines() if x.startswith("001"))
    assert "001  failed" in line and "statement 2 (line 2)" in line, status
    assert "its transaction was rolled back: nothing of it is in the database" in line
    assert not relation_exists(pg_db, "a")
    write(migrations, {"001_tx.up.sql": "CREATE TABLE a (id int);\n"})
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1  # 002 fails now
    status = lockwise(pg_db, "status", str(migrations))
    line = next(x for x in status.stdout.splitlines() if x.startswith("002"))
    assert "002  failed" in line and "rolled back" not in line, status


def test_baseline_run_again_at_the_same_version_is_a_no_op(pg_db: str, tmp_path: Path) -> None:
    # A deploy script that baselines on every run: the same baseline again changes nothing
    # and exits 0 (`2` is `002`); another version is refused, naming the baseline in force.
    migrations = _existing_database(pg_db, tmp_path)
    assert lockwise(pg_db, "baseline", "002", str(migrations)).returncode == 0
    again = lockwise(pg_db, "baseline", "2", str(migrations))
    assert again.returncode == 0, again
    assert "already baselined at 002" in again.stdout
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert lockwise(pg_db, "baseline", "002", str(migrations)).returncode == 0
    assert len(history(pg_db)) == 2
    other = lockwise(pg_db, "baseline", "001", str(migrations))
    assert other.returncode == 1, other
    assert "has a baseline at 002" in other.stderr
    assert "repair --undo-baseline" in other.stderr


def test_repair_names_the_invalid_index_the_resumed_build_would_trip_on(
        pg_db: str, tmp_path: Path) -> None:
    # The failed UNIQUE build left its index INVALID: the resume after `repair` fails with
    # "already exists" unless it is dropped, so `repair` says so, not only the failed run.
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (email text);\nINSERT INTO t VALUES ('x'), ('x');\n",
        "002_ix.up.sql": "-- lockwise: no-transaction\n"
                         "CREATE UNIQUE INDEX CONCURRENTLY t_email ON t (email);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    query(pg_db, "DELETE FROM t WHERE ctid = (SELECT min(ctid) FROM t)")
    repaired = lockwise(pg_db, "repair", str(migrations))
    assert repaired.returncode == 0, repaired
    assert "index public.t_email is INVALID" in repaired.stderr, repaired
    assert "--drop-invalid" in repaired.stderr
    applied = lockwise(pg_db, "apply", str(migrations), "--drop-invalid")
    assert applied.returncode == 0, applied
    assert "INVALID" not in lockwise(pg_db, "status", str(migrations)).stdout


def test_mark_applied_after_a_rolled_back_transaction_warns(pg_db: str, tmp_path: Path) -> None:
    # Nothing of a failed transactional migration is in the database: marked applied, it is
    # applied only if the user ran it by hand, and `repair` says so.
    migrations = write(tmp_path / "m", {
        "001_tx.up.sql": "CREATE TABLE a (id int);\nINSERT INTO nosuch VALUES (1);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    repaired = lockwise(pg_db, "repair", str(migrations), "--mark-applied")
    assert repaired.returncode == 0, repaired
    assert "marked applied" in repaired.stdout
    assert "its transaction was rolled back" in repaired.stderr, repaired


def test_status_lines_up_each_migrations_detail(pg_db: str, tmp_path: Path) -> None:
    """`status` is a table: the detail of each migration (when it was applied, what changed)
    starts in one column whatever the length of the names before it."""
    migrations = write(tmp_path / "m", {
        "001_a.up.sql": "CREATE TABLE a (id int);\n",
        "002_a_much_longer_name.up.sql": "CREATE TABLE b (id int);\n",
        "003_c.up.sql": "CREATE TABLE c (id int);\n"})
    assert lockwise(pg_db, "apply", str(migrations), "--to", "002").returncode == 0
    status = lockwise(pg_db, "status", str(migrations))
    assert status.returncode == 0, status
    lines = status.stdout.splitlines()[:3]
    assert [line.split()[:3] for line in lines] == [
        ["001", "applied", "a"], ["002", "applied", "a_much_longer_name"], ["003", "pending", "c"]]
    assert lines[0].index(" applied 20") == lines[1].index(" applied 20"), lines


def test_history_table_from_the_config(pg_db: str, tmp_path: Path) -> None:
    """`history_table` in lockwise.toml, as --history-table says it: every executor command
    reads the same history, and `stats` leaves it out; the command line still wins."""
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n",
                                        "001_a.down.sql": "DROP TABLE a;\n"})
    config = tmp_path / "lockwise.toml"
    config.write_text('history_table = "ops.migration_log"\n')
    result = lockwise(pg_db, "apply", str(migrations), "--config", str(config))
    assert result.returncode == 0, result
    assert [r["version"] for r in history(pg_db, "ops.migration_log")] == ["001"]
    assert not relation_exists(pg_db, "lockwise.schema_history")
    status = lockwise(pg_db, "status", str(migrations), "--config", str(config))
    assert status.returncode == 0 and "applied" in status.stdout, status
    stats = lockwise(pg_db, "stats", "--config", str(config))
    assert stats.returncode == 0, stats
    assert "ops.migration_log" not in stats.stdout and "public.a" in stats.stdout
    # The option wins over the config: this history is empty, so 001 is pending there.
    other = lockwise(pg_db, "status", str(migrations), "--config", str(config),
                     "--history-table", "other_log")
    assert other.returncode == 0 and "pending" in other.stdout, other
    result = lockwise(pg_db, "rollback", str(migrations), "--config", str(config))
    assert result.returncode == 0, result
    assert not relation_exists(pg_db, "a")


@pytest.mark.parametrize("value", ['"a.b.c"', '"x; DROP TABLE a"', "7", '""'])
def test_a_bad_history_table_in_the_config_is_an_input_error(pg_db: str, tmp_path: Path,
                                                             value: str) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": "CREATE TABLE a (id int);\n"})
    config = tmp_path / "lockwise.toml"
    config.write_text(f'layout = "golang-migrate"\nhistory_table = {value}\n')
    for command in ("apply", "status"):
        result = lockwise(pg_db, command, str(migrations), "--config", str(config))
        assert result.returncode == 2, result
        assert f"{config}:2:1" in result.stderr and "history_table" in result.stderr
        assert "schema.table" in result.stderr and "Traceback" not in result.stderr
    assert not relation_exists(pg_db, "a")
