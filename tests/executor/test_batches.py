"""Batched backfills in `lockwise apply`: key-range batches, one short transaction each,
resumable after SIGKILL without redoing finished batches (real PostgreSQL, 1M rows)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Collection
from pathlib import Path

import pytest
from executor_helpers import history, lockwise, popen, query, relation_exists, write

from lockwise.effects.nodes import walk
from lockwise.executor.batches import BatchError, BatchSpec, parse_batch_directive

ROWS = 1_000_000
BATCH = 50_000
SETUP = (f"CREATE TABLE big (id bigint PRIMARY KEY, flag boolean);\n"
         f"INSERT INTO big SELECT g, NULL FROM generate_series(1, {ROWS}) g;\n")


def _progress(dsn: str) -> tuple[int, int, int] | None:
    rows = query(dsn, "SELECT to_regclass('lockwise.schema_history_batches') IS NOT NULL")
    if not rows[0][0]:
        return None
    found = query(dsn, "SELECT batches_done, rows_done, next_key "
                       "FROM lockwise.schema_history_batches")
    return found[0] if found else None


def _migrations(tmp_path: Path, sleep_ms: int) -> Path:
    return write(tmp_path / "m", {
        "001_big.up.sql": SETUP,
        "002_backfill.up.sql": f"-- lockwise: batch size={BATCH} sleep={sleep_ms}\n"
                               "UPDATE big SET flag = true;\n",
    })


def test_directive_parsing() -> None:
    assert parse_batch_directive(["-- lockwise: batch size=500 sleep=20"]) == BatchSpec(500, 20)
    assert parse_batch_directive(["-- just a comment"]) is None
    with pytest.raises(BatchError):
        parse_batch_directive(["-- lockwise: batch size=0"])
    with pytest.raises(BatchError):
        parse_batch_directive(["-- lockwise: batch rows=10"])


@pytest.mark.postgres
def test_backfill_never_holds_row_locks_beyond_one_batch(pg_db: str, tmp_path: Path) -> None:
    migrations = _migrations(tmp_path, sleep_ms=50)
    query(pg_db, "CREATE EXTENSION pgrowlocks")
    proc = popen(pg_db, "apply", str(migrations))
    most_locked, polls = 0, 0
    while proc.poll() is None:
        if _progress(pg_db) is not None:
            # Rows locked right now by anyone (the backfill is the only writer).
            locked = query(pg_db, "SELECT count(*) FROM pgrowlocks('big')")[0][0]
            most_locked, polls = max(most_locked, locked), polls + 1
        time.sleep(0.05)
    out, err = proc.communicate()
    assert proc.returncode == 0, (out, err)
    assert polls > 0
    assert most_locked <= BATCH
    assert query(pg_db, "SELECT count(*) FROM big WHERE flag IS NOT TRUE") == [(0,)]
    batches, rows, _ = _progress(pg_db)
    assert (batches, rows) == (ROWS // BATCH, ROWS)
    assert f"{ROWS} rows in {ROWS // BATCH} batches" in out + err


@pytest.mark.postgres
def test_backfill_resumes_after_sigkill_without_redoing_batches(pg_db: str,
                                                                tmp_path: Path) -> None:
    migrations = _migrations(tmp_path, sleep_ms=300)
    proc = popen(pg_db, "apply", str(migrations))
    deadline = time.monotonic() + 120
    while (_progress(pg_db) or (0,))[0] < 3:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done_before, rows_before, next_key = _progress(pg_db)
    assert 3 <= done_before < ROWS // BATCH
    assert rows_before == done_before * BATCH  # exactly the committed batches are recorded
    updated = query(pg_db, "SELECT count(*) FROM big WHERE flag")[0][0]
    assert updated == rows_before

    status = lockwise(pg_db, "status", str(migrations))
    assert "interrupted" in status.stdout
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    # Mark the rows the killed run finished, to prove the second run does not touch them.
    query(pg_db, "UPDATE big SET flag = false WHERE id < %s", (next_key,))
    resumed = lockwise(pg_db, "apply", str(migrations))
    assert resumed.returncode == 0, resumed
    assert f"resuming batched statement 1 at id = {next_key}" in resumed.stdout + resumed.stderr
    batches, rows, _ = _progress(pg_db)
    assert (batches, rows) == (ROWS // BATCH, ROWS)
    assert query(pg_db, "SELECT count(*) FROM big WHERE flag IS NULL") == [(0,)]
    assert query(pg_db, "SELECT count(*) FROM big WHERE NOT flag") == [(next_key - 1,)]


@pytest.mark.postgres
def test_batched_statement_needs_an_integer_key(pg_db: str, tmp_path: Path) -> None:
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (name text, flag boolean);\n",
        "002_fill.up.sql": "-- lockwise: batch size=10\nUPDATE t SET flag = true;\n",
    })
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode != 0
    assert "no single-column integer primary key" in result.stderr


def test_a_batched_statement_that_does_not_parse_is_a_batch_error() -> None:
    from lockwise.executor.batches import _target

    with pytest.raises(BatchError, match="does not parse"):
        _target("UPDATE {{ .Schema }}.accounts SET note = ''")
    with pytest.raises(BatchError, match="only UPDATE and DELETE"):
        _target("SELECT 1")


@pytest.mark.parametrize("sql", [
    "UPDATE accounts SET note = '' RETURNING id",
    "DELETE FROM accounts RETURNING *",
    "WITH x AS (SELECT 1) DELETE FROM accounts",
])
def test_a_batched_statement_with_returning_or_with_is_refused(sql: str) -> None:
    # Each batch would return its own rows, and the runner reads none of them.
    from lockwise.executor.batches import _target

    with pytest.raises(BatchError, match="cannot use WITH or RETURNING"):
        _target(sql)


def test_lint_offers_apply_batches_only_to_a_statement_without_returning() -> None:
    # (lockwise apply refuses to batch RETURNING: the alternative must not offer it)
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = "CREATE TABLE accounts (id bigint PRIMARY KEY, note text);"

    def instead(sql: str) -> str:
        migrations = [migration_from_text(setup, "0001_setup.sql"),
                      migration_from_text(sql, "0002_change.sql")]
        found = lint_migrations(migrations, LintOptions(), Catalog())[-1].all_findings
        (backfill,) = [f for f in found if f.rule == "unbatched-backfill"]
        return backfill.instead or ""

    assert "-- lockwise: batch" in instead("UPDATE accounts SET note = '';")
    returning = instead("UPDATE accounts SET note = '' RETURNING id;")
    assert "-- lockwise: batch" not in returning
    assert "repeat until no rows are updated" in returning


#: A function whose body updates every row of t (a whole-table backfill a call runs).
BUMP = ("CREATE FUNCTION bump() RETURNS void LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE t SET n = n + 1; END $$")


def _small_backfill(tmp_path: Path, down: str | None = None) -> Path:
    files = {
        "001_t.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, n integer NOT NULL DEFAULT 0);\n"
                        "INSERT INTO t (id) SELECT g FROM generate_series(1, 1000) g;\n",
        "002_bump.up.sql": "-- lockwise: batch size=100\nUPDATE t SET n = n + 1;\n",
    }
    if down is not None:
        files["002_bump.down.sql"] = down
    return write(tmp_path / "m", files)


@pytest.mark.postgres
def test_progress_recorded_under_checksum_v1_resumes(pg_db: str, tmp_path: Path) -> None:
    """A runner killed half-way by a lockwise that wrote checksum algorithm 1, resumed by this
    one: the batches done before the crash are not run again."""
    from psycopg import sql

    from lockwise.executor.batches import PROGRESS_DDL, progress_table
    from lockwise.executor.checksum import checksum

    migrations = _small_backfill(tmp_path)
    text = (migrations / "002_bump.up.sql").read_text()
    assert checksum(text, 1) != checksum(text, 2)
    (migrations / "002_bump.up.sql").rename(tmp_path / "later.sql")
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    (tmp_path / "later.sql").rename(migrations / "002_bump.up.sql")
    (version,) = {r[0] for r in query(pg_db, "SELECT version FROM lockwise.schema_history")}
    version = version[:-1] + "2"  # the next file's version, spelled as 001 is
    # What the old runner left: an interrupted row, 5 batches committed and recorded.
    query(pg_db, "INSERT INTO lockwise.schema_history (version, description, checksum, "
                 "checksum_version, success, statements_completed, transactional) "
                 "VALUES (%s, 'bump', %s, 1, NULL, 0, false)", (version, checksum(text, 1)))
    progress = progress_table("lockwise", "schema_history")
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(sql.SQL(PROGRESS_DDL).format(table=progress))
        conn.execute(sql.SQL("INSERT INTO {} (version, checksum, statement_index, next_key, "
                             "last_key, rows_done, batches_done) VALUES "
                             "(%s, %s, 0, 501, 1000, 500, 5)").format(progress),
                     (version, checksum(text, 1)))
    query(pg_db, "UPDATE t SET n = 1 WHERE id < 501")

    assert "interrupted" in lockwise(pg_db, "status", str(migrations)).stdout
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    resumed = lockwise(pg_db, "apply", str(migrations))
    assert resumed.returncode == 0, resumed
    assert "resuming batched statement 1 at id = 501" in resumed.stdout
    assert query(pg_db, "SELECT n, count(*) FROM t GROUP BY n") == [(1, 1000)]


@pytest.mark.postgres
def test_reapply_after_rollback_runs_the_batches_again(pg_db: str, tmp_path: Path) -> None:
    """The progress of a finished run belongs to that run: after a rollback, applying the
    migration again runs its backfill again instead of calling it already finished."""
    migrations = _small_backfill(tmp_path, down="UPDATE t SET n = n - 1;\n")
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT n, count(*) FROM t GROUP BY n") == [(1, 1000)]
    assert lockwise(pg_db, "rollback", str(migrations)).returncode == 0
    assert query(pg_db, "SELECT n, count(*) FROM t GROUP BY n") == [(0, 1000)]
    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 0, again
    assert "already finished" not in again.stdout
    assert query(pg_db, "SELECT n, count(*) FROM t GROUP BY n") == [(1, 1000)]


@pytest.mark.postgres
def test_the_backfill_lockwise_fix_writes_is_applied(pg_db: str, tmp_path: Path) -> None:
    """`lockwise fix` writes a volatile default's backfill as a self-committing DO block marked
    `-- lockwise: batch pages=100` (so lint sees it batched). `lockwise apply` took the mark
    for its own key-range batches and refused the block ("only UPDATE and DELETE"), leaving
    the fixed history failed half-way: the block runs as written, on its own."""
    migrations = write(tmp_path / "m", {
        "001_t.sql": "CREATE TABLE t (id bigint PRIMARY KEY);\n"
                     "INSERT INTO t SELECT generate_series(1, 1000);\n",
        "002_uid.sql": "ALTER TABLE t ADD COLUMN uid uuid DEFAULT gen_random_uuid();\n"})
    fixed = lockwise(None, "fix", str(migrations), "--write")
    assert fixed.returncode == 0, fixed.stderr
    assert "batch pages=" in "".join(p.read_text() for p in migrations.iterdir())
    applied = lockwise(pg_db, "apply", str(migrations))
    assert applied.returncode == 0, applied.stderr
    assert query(pg_db, "SELECT count(*) FROM t WHERE uid IS NULL") == [(0,)]


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE t SET n = s.n FROM src s WHERE s.id = t.id",
    "UPDATE t AS x SET n = s.n FROM src s WHERE s.id = x.id",
    "UPDATE app.t SET n = s.n FROM src s WHERE s.id = app.t.id",
    # another table of the same name, in another schema: only schema.table.key tells them apart
    "UPDATE app.t SET n = o.n + 1 FROM public.t o WHERE o.id = app.t.id",
    "DELETE FROM t USING src s WHERE s.id = t.id AND s.n > 0",
])
def test_batch_key_is_the_target_tables_when_another_table_has_the_column(
        pg_db: str, tmp_path: Path, statement: str) -> None:
    """UPDATE ... FROM and DELETE ... USING join a table that has a column of the key's
    name too: each batch's bound names the target's (by its alias, or its name as written)."""
    target = "app.t" if "app.t" in statement else "t"
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE SCHEMA app;\n"
                        "CREATE TABLE t (id bigint PRIMARY KEY, n integer NOT NULL DEFAULT 0);\n"
                        "CREATE TABLE app.t (id bigint PRIMARY KEY, n integer NOT NULL "
                        "DEFAULT 0);\n"
                        "CREATE TABLE src (id bigint PRIMARY KEY, n integer NOT NULL);\n"
                        "INSERT INTO t (id) SELECT g FROM generate_series(1, 250) g;\n"
                        "INSERT INTO app.t (id) SELECT g FROM generate_series(1, 250) g;\n"
                        "INSERT INTO src SELECT g, g * 2 FROM generate_series(1, 250) g;\n",
        "002_fill.up.sql": f"-- lockwise: batch size=100\n{statement};\n",
    })
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result.stderr
    assert "in 3 batches" in result.stdout + result.stderr
    if statement.startswith("DELETE"):
        assert query(pg_db, f"SELECT count(*) FROM {target}") == [(0,)]
    elif "public.t o" in statement:
        assert query(pg_db, "SELECT min(n), max(n) FROM app.t") == [(1, 1)]
    else:
        assert query(pg_db, f"SELECT count(*) FROM {target} WHERE n = id * 2") == [(250,)]


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "left"), [
    ("UPDATE t SET n = t.n + 1 FROM src s WHERE s.t_id = t.id", [(1, 1000)]),
    ("UPDATE t AS x SET n = x.n + 1 FROM src WHERE src.t_id = x.id", [(1, 1000)]),
    ("DELETE FROM t USING src s WHERE s.t_id = t.id", []),
])
def test_a_batched_join_follows_the_advice(pg_db: str, tmp_path: Path, statement: str,
                                           left: list) -> None:
    """An UPDATE ... FROM or DELETE ... USING of every row of t, src beside it with a column of
    t's key's name and two rows for each of t's: lint offers apply's batch directive (apply
    names the key through the target, test_batch_key_is_the_target_tables_...); marked as
    offered, apply runs it in key-range batches, recorded as they commit, and changes each row
    once, as the one statement does (checked on 18.6); the marked statement is reported no
    more."""
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, n integer NOT NULL DEFAULT 0);\n"
                        "CREATE TABLE src (id bigint PRIMARY KEY, t_id bigint NOT NULL);\n"
                        "INSERT INTO t (id) SELECT g FROM generate_series(1, 1000) g;\n"
                        "INSERT INTO src SELECT g, (g + 1) / 2 FROM generate_series(1, 2000) g;\n",
        "002_fill.up.sql": f"{statement};\n",
    })
    advised = lockwise(None, "lint", str(migrations))
    assert "unbatched-backfill" in advised.stdout, advised
    assert "\n      -- lockwise: batch size=5000 sleep=50\n" in advised.stdout, advised.stdout
    (migrations / "002_fill.up.sql").write_text(f"-- lockwise: batch size=100\n{statement};\n")
    marked = lockwise(None, "lint", str(migrations))
    assert "unbatched-backfill" not in marked.stdout, marked.stdout
    assert "misplaced-batch-directive" not in marked.stdout, marked.stdout
    applied = lockwise(pg_db, "apply", str(migrations))
    assert applied.returncode == 0, applied
    assert "1000 rows in 10 batches" in applied.stdout + applied.stderr
    assert _progress(pg_db)[:2] == (10, 1000)
    assert query(pg_db, "SELECT n, count(*) FROM t GROUP BY n") == left


@pytest.mark.postgres
def test_a_table_of_the_targets_name_beside_it_is_not_batched(pg_db: str) -> None:
    """`UPDATE t ... FROM app.t`: the statement runs, but `t.id`, the key bound apply would add
    (the target as written), is ambiguous between public.t and app.t (checked on 18.6). apply
    refuses the directive (test_a_batch_directive_apply_cannot_follow_...) and lint offers
    none; with the target's schema written, or an alias, its bound names it alone."""
    import psycopg

    from lockwise.executor.batches import _batched_sql, _target

    statement = "UPDATE t SET n = 1 FROM app.t WHERE app.t.id = public.t.id"
    query(pg_db, "CREATE SCHEMA app; CREATE TABLE t (id bigint PRIMARY KEY, n integer); "
                 "CREATE TABLE app.t (id bigint PRIMARY KEY); INSERT INTO t VALUES (1, 0); "
                 "INSERT INTO app.t VALUES (1)")
    query(pg_db, statement)
    with pytest.raises(psycopg.errors.AmbiguousAlias):
        query(pg_db, f"{statement} AND t.id >= 1 AND t.id < 101")
    with pytest.raises(BatchError, match="ambiguous"):
        _target(statement)
    for named in ("UPDATE public.t SET n = 2 FROM app.t WHERE app.t.id = public.t.id",
                  "UPDATE t AS x SET n = 2 FROM app.t WHERE app.t.id = x.id"):
        query(pg_db, _batched_sql(_target(named), "id", 1, 101))
    assert query(pg_db, "SELECT n FROM t") == [(2,)]
    found = _lint_last("CREATE SCHEMA app;\nCREATE TABLE app.t (id bigint PRIMARY KEY);\n"
                       "UPDATE t SET n = 1 FROM app.t;")
    (advice,) = [f.instead or "" for f in found if f.rule == "unbatched-backfill"]
    assert "lockwise: batch" not in advice
    assert "ambiguous" in advice


def test_batch_bound_qualifies_the_key_as_the_statement_names_its_target() -> None:
    from lockwise.executor.batches import _batched_sql, _target

    assert _batched_sql(_target("UPDATE t AS x SET n = 1 FROM s WHERE s.id = x.id"),
                        "id", 1, 101).endswith("AND (x.id >= 1 AND x.id < 101)")
    assert _batched_sql(_target('DELETE FROM app."T" USING s'), "Id", 1, 101).endswith(
        'WHERE app."T"."Id" >= 1 AND app."T"."Id" < 101')


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "line"), [
    ("INSERT INTO t (id) SELECT g FROM generate_series(1001, 1010) g", 3),
    ("PREPARE bump AS UPDATE t SET n = n + 1;\n-- lockwise: batch size=100\nEXECUTE bump", 4),
    ("ALTER TABLE t ADD COLUMN note text", 3),
    ("UPDATE t SET n = n + 1 RETURNING id", 3),
    (f"{BUMP};\n-- lockwise: batch size=100\nSELECT bump()", 4),
    ("CREATE SCHEMA app;\nCREATE TABLE app.t (id bigint PRIMARY KEY);\n"
     "-- lockwise: batch size=100\nUPDATE t SET n = n + 1 FROM app.t WHERE app.t.id = public.t.id",
     5),
    ("UPDATE t SET n = t.n + s.m FROM (SELECT max(n) AS m FROM t) s WHERE t.id > 0", 3),
    ("DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY n DESC LIMIT 10)", 3),
])
def test_a_batch_directive_apply_cannot_follow_is_refused_before_anything_runs(
        pg_db: str, tmp_path: Path, statement: str, line: int) -> None:
    """A batch directive on a statement apply cannot batch (checked on 18.6): refused when the
    migration is planned, at the statement's file:line:column, with exit code 2 and nothing of
    the migration run; it used to be found only when the run reached it, after the statements
    before it had committed."""
    migrations = _small_backfill(tmp_path)
    (migrations / "002_bump.up.sql").unlink()
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    before = history(pg_db)
    body = statement if statement.startswith(("PREPARE", "CREATE")) else \
        f"-- lockwise: batch size=100\n{statement}"
    path = migrations / "002_more.up.sql"
    path.write_text(f"CREATE TABLE earlier (id bigint PRIMARY KEY);\n{body};\n")
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 2, refused
    assert f"{path}:{line}:1:" in refused.stderr
    assert "cannot run in batches" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not relation_exists(pg_db, "earlier")
    assert history(pg_db) == before
    # The directive on the UPDATE itself runs.
    path.write_text("CREATE TABLE earlier (id bigint PRIMARY KEY);\n"
                    "-- lockwise: batch size=100\nUPDATE t SET n = n + 1;\n")
    applied = lockwise(pg_db, "apply", str(migrations))
    assert applied.returncode == 0, applied
    assert relation_exists(pg_db, "earlier")
    assert query(pg_db, "SELECT n, count(*) FROM t GROUP BY n") == [(1, 1000)]
    assert len(history(pg_db)) == len(before) + 1


def test_lint_reports_a_batch_directive_apply_cannot_follow(tmp_path: Path) -> None:
    path = tmp_path / "0001_fill.sql"
    path.write_text("CREATE TABLE t (id bigint PRIMARY KEY, n integer);\n"
                    "-- lockwise: batch size=100\nINSERT INTO t VALUES (1, 0);\n"
                    "-- lockwise: batch size=100\nUPDATE t SET n = 1;\n")
    result = lockwise(None, "lint", str(path))
    found = [line for line in result.stdout.splitlines() if "misplaced-batch-directive" in line]
    assert len(found) == 1, result.stdout
    assert f"{path}:2:1" in found[0]


def _lint_last(sql: str, dialect: str = "postgresql", rules_dirs: tuple[Path, ...] = ()):
    """The findings of migration `sql`, linted after t and bump() were made."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = "CREATE TABLE t (id bigint PRIMARY KEY, n integer NOT NULL DEFAULT 0);\n"
    if dialect == "postgresql":
        setup += f"{BUMP};\n"
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(dialect=dialect, rules_dirs=rules_dirs)
    return lint_migrations(migrations, options, Catalog())[-1].all_findings


@pytest.mark.parametrize("statement", [
    "UPDATE t SET n = n + 1 RETURNING id",
    "WITH one AS (SELECT 1) UPDATE t SET n = n + 1",
    "SELECT bump()",
])
def test_a_batch_directive_apply_refuses_does_not_silence_unbatched_backfill(
        statement: str) -> None:
    """apply refuses the directive (test_a_batch_directive_apply_cannot_follow_is_refused_...):
    it batches nothing, so the whole-table UPDATE is still reported, beside the directive."""
    found = {f.rule for f in _lint_last(f"-- lockwise: batch size=100\n{statement};")}
    assert {"unbatched-backfill", "misplaced-batch-directive"} <= found


@pytest.mark.parametrize("statement", [
    "DO $$ BEGIN UPDATE t SET n = n + 1; END $$",
    "SELECT bump()",
    "DO $$ BEGIN UPDATE t SET n = n + 1 WHERE n = 5; END $$",
])
def test_a_body_is_not_offered_a_directive_apply_cannot_follow(statement: str) -> None:
    """The UPDATE a DO block or a function runs: a directive in the body is no statement's,
    one on the call stops the run, one on the block batches nothing (apply runs it as
    written): the advice says to write the statement out and mark that, and writes it out,
    marked; it marks neither the block nor the call."""
    (advice,) = [f.instead or "" for f in _lint_last(f"{statement};")
                 if f.rule in ("unbatched-backfill", "where-without-index")]
    if "WHERE" in statement:  # (where-without-index's batches by key need no apply)
        assert "lockwise: batch" not in advice
        return
    assert "DO block or a function runs" in advice
    assert "write it out" in advice
    assert "\n-- lockwise: batch size=5000 sleep=50\nUPDATE t SET n = n + 1;\n" in advice
    assert advice.count("lockwise: batch") == 1


@pytest.mark.postgres
def test_a_marked_do_block_runs_as_written_and_is_still_reported(pg_db: str,
                                                                  tmp_path: Path) -> None:
    """A DO block marked `-- lockwise: batch` (as lockwise fix marks its self-committing
    backfill) is neither refused nor batched by apply: it runs as written, here one UPDATE of
    every row in one transaction (checked on 18.6). Lint reports that UPDATE, and its advice,
    the UPDATE written out and marked, is what apply batches."""
    migrations = _small_backfill(tmp_path)
    block = "-- lockwise: batch size=100\nDO $$ BEGIN UPDATE t SET n = n + 1; END $$;\n"
    (migrations / "002_bump.up.sql").write_text(block)
    applied = lockwise(pg_db, "apply", str(migrations))
    assert applied.returncode == 0, applied
    assert "batches" not in applied.stdout + applied.stderr
    assert query(pg_db, "SELECT n, count(*) FROM t GROUP BY n") == [(1, 1000)]
    assert _progress(pg_db) is None

    found = _lint_last(block)
    assert "misplaced-batch-directive" not in {f.rule for f in found}
    (backfill,) = [f for f in found if f.rule == "unbatched-backfill"]
    # (the directive it prints marks the UPDATE written out, not the block)
    assert "-- lockwise: batch size=5000 sleep=50\nUPDATE t SET n = n + 1;\n" in \
        (backfill.instead or "")
    # The advice followed: the UPDATE out of the block, marked, runs in batches.
    (migrations / "003_bump.up.sql").write_text("-- lockwise: batch size=100\n"
                                                "UPDATE t SET n = n + 1;\n")
    assert not [f for f in _lint_last((migrations / "003_bump.up.sql").read_text())
                if f.rule == "unbatched-backfill"]
    batched = lockwise(pg_db, "apply", str(migrations))
    assert batched.returncode == 0, batched
    assert "in 10 batches" in batched.stdout + batched.stderr
    assert query(pg_db, "SELECT n, count(*) FROM t GROUP BY n") == [(2, 1000)]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("statement", ["UPDATE t SET n = n + 1", "DELETE FROM t WHERE n > 5",
                                       "INSERT INTO t (id) VALUES (1)"])
def test_a_batch_directive_in_a_mysql_migration_is_reported(dialect: str,
                                                           statement: str) -> None:
    """`lockwise apply` runs PostgreSQL migrations only: in a MySQL or MariaDB migration a
    batch directive batches nothing, on any statement, and misplaced-batch-directive says so,
    at the directive."""
    found = [f for f in _lint_last(f"CREATE TABLE s (id bigint PRIMARY KEY);\n"
                                   f"-- lockwise: batch size=100\n{statement};", dialect)
             if f.rule == "misplaced-batch-directive"]
    assert len(found) == 1, found
    assert "does not run MySQL or MariaDB migrations" in found[0].message
    assert found[0].span.line == 2
    assert not [f for f in _lint_last(f"{statement};", dialect)
                if f.rule == "misplaced-batch-directive"]


def test_the_batch_directive_fact_is_what_apply_batches(tmp_path: Path) -> None:
    """`batch_directive` (which a team rule may read) is true only where apply runs the
    statement in batches: not on a statement it refuses to batch, not on a DO block, and
    never on MySQL or MariaDB, which apply does not run."""
    from lockwise.rules.loader import load_rules

    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "team-batched.toml").write_text(
        'id = "team-batched"\ntitle = "batched"\nsafety = "safe-with-care"\n'
        'dialects = ["postgresql", "mysql", "mariadb"]\n'
        'when = { action = ["update", "do_block", "select"], batch_directive = true }\n'
        'message = "batched"\nwhy = "team policy"\ninstead = "-- none"\n')
    load_rules.cache_clear()
    try:
        def batched(sql: str, dialect: str = "postgresql") -> bool:
            found = _lint_last(f"-- lockwise: batch size=100\n{sql};", dialect, (rules_dir,))
            return "team-batched" in {f.rule for f in found}

        assert batched("UPDATE t SET n = n + 1")
        assert not batched("UPDATE t SET n = n + 1 RETURNING id")
        assert not batched("SELECT bump()")
        assert not batched("DO $$ BEGIN UPDATE t SET n = n + 1; END $$")
        assert not batched("UPDATE t SET n = n + 1", "mysql")
        assert not batched("UPDATE t SET n = n + 1", "mariadb")
    finally:
        load_rules.cache_clear()


#: The tables the advice tests change: t with an integer key, its rows stored in shuffled key
#: order (a batch statement cut again by key range would miss rows: the order a LIMIT picks
#: them in is not the key's); src with one match for each; nokey with a text key.
ADVICE_ROWS = 12_000
ADVICE_SETUP = (
    "CREATE TABLE t (id bigint PRIMARY KEY, n integer NOT NULL DEFAULT 0, plan text);\n"
    "CREATE TABLE src (id bigint PRIMARY KEY, t_id bigint NOT NULL);\n"
    "CREATE TABLE nokey (code text PRIMARY KEY, n integer NOT NULL DEFAULT 0);\n"
    "CREATE TABLE log (id bigint PRIMARY KEY, line text);\n"
    f"INSERT INTO t (id) SELECT g FROM generate_series(1, {ADVICE_ROWS}) g ORDER BY random();\n"
    f"INSERT INTO src SELECT g, g FROM generate_series(1, {ADVICE_ROWS}) g ORDER BY random();\n"
    f"INSERT INTO nokey SELECT 'k' || g FROM generate_series(1, {ADVICE_ROWS}) g "
    "ORDER BY random();\n"
    "CREATE FUNCTION free_all() RETURNS void LANGUAGE plpgsql AS "
    "$$ BEGIN UPDATE t SET plan = 'free'; END $$;\n")
#: How many rows of each table are left unchanged (the count each shape must bring to 0).
LEFT = {"t": "SELECT count(*) FROM t WHERE plan IS DISTINCT FROM 'free'",
        "deleted": "SELECT count(*) FROM t",
        "joined": "SELECT count(*) FROM t WHERE n <> 1",
        "nokey": "SELECT count(*) FROM nokey WHERE n <> 1"}


def _findings(migrations: Path) -> list[dict]:
    """The findings `lockwise lint -f json` gives the migrations."""
    import json

    result = lockwise(None, "lint", str(migrations), "-f", "json", "--no-cache")
    return [f for m in json.loads(result.stdout)["migrations"] for s in m["statements"]
            for f in s["findings"]]


def _advice(migrations: Path, rule: str = "unbatched-backfill") -> str:
    """The `instead` text of the one finding of `rule`, as `lockwise lint -f json` gives it."""
    (advice,) = [f["instead"] for f in _findings(migrations) if f["rule"] == rule]
    return advice


def _rules_reported(migrations: Path) -> set[str]:
    return {f["rule"] for f in _findings(migrations)}


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "statement", "left"), [
    ("", "UPDATE t SET plan = 'free'", "t"),
    ("", "DELETE FROM t", "deleted"),
    ("", "UPDATE t SET n = s.id - s.t_id + 1 FROM src s WHERE s.t_id = t.id", "joined"),
    ("", "DELETE FROM t USING src s WHERE s.t_id = t.id", "deleted"),
    ("", "DO $$ BEGIN UPDATE t SET plan = 'free'; END $$", "t"),
    ("", "SELECT free_all()", "t"),
    ("PREPARE free_all_plans AS UPDATE t SET plan = 'free';\n", "EXECUTE free_all_plans", "t"),
])
def test_the_advice_to_mark_a_statement_pasted_whole_is_applied_in_batches(
        pg_db: str, tmp_path: Path, before: str, statement: str, left: str) -> None:
    """Each shape apply can batch (written out of its DO block, function or EXECUTE): lint's
    alternative, pasted whole in place of the statement, is the statement itself marked, the
    batch statement of other runners a comment after it. Linted, nothing is reported; applied,
    every row is changed in key-range batches of 5000, recorded as they commit, and the
    migration's history is written. (Marked above the batch statement, as the advice used to
    print it, apply cut that statement again by key range: of 12,000 rows in shuffled order,
    5,300 were left, and lint reported nothing; checked on 18.6.)"""
    migrations = write(tmp_path / "m", {"001_t.up.sql": ADVICE_SETUP,
                                        "002_fill.up.sql": f"{before}{statement};\n"})
    advice = _advice(migrations)
    assert "\n-- lockwise: batch size=5000 sleep=50\n" in advice
    (migrations / "002_fill.up.sql").write_text(f"{before}{advice}\n")
    assert not _rules_reported(migrations) & {
        "unbatched-backfill", "where-without-index", "misplaced-batch-directive"}
    applied = lockwise(pg_db, "apply", str(migrations))
    assert applied.returncode == 0, applied
    assert f"{ADVICE_ROWS} rows in 3 batches" in applied.stdout + applied.stderr
    assert _progress(pg_db)[:2] == (3, ADVICE_ROWS)
    assert query(pg_db, LEFT[left]) == [(0,)]
    assert [(h["version"], h["success"]) for h in history(pg_db)] == [
        ("001", True), ("002", True)]


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "statement", "left"), [
    ("", "UPDATE nokey SET n = 1", "nokey"),
    ("CREATE TABLE inserted AS SELECT id FROM log WITH NO DATA;\n"
     "WITH logged AS (INSERT INTO log VALUES (1, 'free') RETURNING id)\n"
     "INSERT INTO inserted SELECT id FROM logged;\n",
     "WITH inserted AS (INSERT INTO log VALUES (1, 'free') RETURNING id)\n"
     "UPDATE t SET plan = 'free'", "t"),
])
def test_the_advice_to_repeat_a_statement_changes_every_row(
        pg_db: str, tmp_path: Path, before: str, statement: str, left: str) -> None:
    """A shape apply cannot batch (no integer key; a WITH query that writes rows, which the
    advice says to run once first, into a table of its name): the alternative is the batch
    statement to repeat. Pasted in place of the statement (after that WITH query, run once as
    the advice says), nothing is reported; applied, it changes one batch, recorded in the
    history; repeated, each time in its own transaction, until it changes no row, it has
    changed every row (the WITH query's rows written once), in 3 batches of 5000."""
    import psycopg

    statement_only = write(tmp_path / "m", {"001_t.up.sql": ADVICE_SETUP,
                                            "002_fill.up.sql": f"{statement};\n"})
    advice = _advice(statement_only)
    assert "lockwise: batch" not in advice and "not_yet_updated" not in advice, advice
    (statement_only / "002_fill.up.sql").write_text(f"{before}{advice}\n")
    assert "unbatched-backfill" not in _rules_reported(statement_only)
    applied = lockwise(pg_db, "apply", str(statement_only))
    assert applied.returncode == 0, applied
    assert [(h["version"], h["success"]) for h in history(pg_db)] == [
        ("001", True), ("002", True)]
    assert query(pg_db, LEFT[left]) == [(ADVICE_ROWS - 5000,)]
    batch = [line for line in advice.splitlines() if not line.startswith("--")]
    changed = []
    with psycopg.connect(pg_db, autocommit=True) as conn:
        while not changed or changed[-1]:
            changed.append(conn.execute("\n".join(batch)).rowcount)
    assert changed == [5000, 2000, 0]
    assert query(pg_db, LEFT[left]) == [(0,)]
    assert query(pg_db, "SELECT count(*) FROM log") == [(1 if before else 0,)]


@pytest.mark.postgres
def test_where_without_index_advice_pasted_whole_is_applied_in_batches(
        pg_db: str, tmp_path: Path) -> None:
    """where-without-index's alternative for a statement apply batches: the statement as
    written, marked, then the first key-range batch of other runners as a comment. Pasted
    whole, nothing is reported and apply changes every row it picks in 3 batches. (The
    directive used to end in `sleep=50):`, which apply refuses, above the first batch's
    statement, which it would have cut again by key range.)"""
    statement = "UPDATE t SET plan = 'free' WHERE plan IS NULL;\n"
    migrations = write(tmp_path / "m", {"001_t.up.sql": ADVICE_SETUP,
                                        "002_fill.up.sql": statement})
    advice = _advice(migrations, "where-without-index")
    assert f"\n-- lockwise: batch size=5000 sleep=50\n{statement}-- " in advice, advice
    (migrations / "002_fill.up.sql").write_text(f"{advice}\n")
    assert not _rules_reported(migrations) & {"where-without-index", "misplaced-batch-directive"}
    applied = lockwise(pg_db, "apply", str(migrations))
    assert applied.returncode == 0, applied
    assert f"{ADVICE_ROWS} rows in 3 batches" in applied.stdout + applied.stderr
    assert query(pg_db, LEFT["t"]) == [(0,)]


#: UPDATEs that read a column they set of their table's other rows: a FROM subquery, a
#: subquery of the SET list or of the WHERE, the table again beside it (under an alias).
_READ_WHAT_IT_SETS = [
    "UPDATE t SET n = t.n + s.m FROM (SELECT max(n) AS m FROM t) s WHERE t.id > 0",
    "UPDATE t SET n = s.r FROM (SELECT id, row_number() OVER (ORDER BY n DESC, id) AS r "
    "FROM t) s WHERE s.id = t.id",
    "UPDATE t SET n = (SELECT max(n) FROM t) + n WHERE id > 0",
    "UPDATE t SET n = n * 10 WHERE n < (SELECT avg(n) FROM t)",
    "UPDATE t SET n = prev.n + t.n FROM t AS prev WHERE prev.id = t.id - 1",
    "UPDATE t AS cur SET n = t.n + cur.n FROM t WHERE t.id = cur.id - 1",
    "UPDATE t SET n = s.n FROM (SELECT * FROM t) s WHERE s.id = t.id - 1",
    # every column of the table again, under its alias (`prev.*`)
    "UPDATE t SET n = t.n + (row_to_json(prev.*) ->> 'n')::int FROM t AS prev "
    "WHERE prev.id = t.id - 1",
]



def _rows_after(dsn: str, statement: str, batches: int = 0, n: str = "g") -> list[tuple]:
    """The rows of a new t of ids 1 to 1000 (n = id, or the expression `n` of the id `g`)
    after `statement` ran whole, or as `batches` key-range batches of 100 ids, each committed
    on its own, as apply runs them. Beside it, `other` holds ids 1 to 1000 with n = 7."""
    import psycopg
    from pglast import parse_sql

    from lockwise.executor.batches import _batched_sql

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS t, other; CREATE TABLE t (id bigint PRIMARY KEY, "
                     f"n integer NOT NULL); INSERT INTO t SELECT g, {n} FROM "
                     "generate_series(1, 1000) g; CREATE TABLE other (id bigint PRIMARY KEY, "
                     "n integer NOT NULL); INSERT INTO other SELECT g, 7 FROM "
                     "generate_series(1, 1000) g")
        if not batches:
            conn.execute(statement)
        (raw,) = parse_sql(statement)
        for batch in range(batches):
            conn.execute(_batched_sql(raw.stmt, "id", 1 + 100 * batch, 101 + 100 * batch))
        return conn.execute("SELECT id, n FROM t ORDER BY id").fetchall()


@pytest.mark.postgres
@pytest.mark.parametrize("statement", _READ_WHAT_IT_SETS)
def test_batches_of_an_update_reading_what_it_sets_change_other_values(
        pg_db: str, statement: str) -> None:
    """Why apply refuses to batch such an UPDATE (checked on 18.6): the one statement reads
    every row as it was before it, while each batch reads what the batches before it wrote,
    and the table ends with other values."""
    assert _rows_after(pg_db, statement, batches=10) != _rows_after(pg_db, statement)
    assert "reads a column it sets" in (_refusal(statement) or "")


def _refusal(statement: str, aggregates: Collection[str] = (),
             unique: Callable[[str], frozenset[str] | None] | None = None) -> str | None:
    import json

    from pglast.parser import parse_sql_json

    from lockwise.executor.batches import batch_refusal

    return batch_refusal(json.loads(parse_sql_json(statement))["stmts"][0]["stmt"], aggregates,
                         unique)


@pytest.mark.parametrize("statement", [
    "UPDATE t SET n = t.n + s.m FROM (SELECT max(id) AS m FROM t) s WHERE t.id > 0",
    "UPDATE t SET n = s.n FROM (SELECT id, n FROM other) s WHERE s.id = t.id",
    "UPDATE t SET n = (SELECT max(id) FROM t) + n",
    "UPDATE t SET n = prev.id FROM t AS prev WHERE prev.id = t.id - 1",
    "UPDATE t SET n = n + 1 WHERE id IN (SELECT id FROM t WHERE id > 5)",
])
def test_an_update_reading_other_columns_of_its_table_is_batched(statement: str) -> None:
    """Columns it does not set, or another table's, read the same in every batch: batched."""
    assert _refusal(statement) is None


def test_a_from_list_naming_the_table_thousands_of_times_is_read_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The names the table goes by again in the FROM list are gathered first and the
    statement walked once for them all (fix-robust14: a walk per alias took minutes for a
    FROM list of 5,000 of them); the first alias read is found among the others."""
    from lockwise.executor import batches

    walks = []

    def counted(node: object):
        walks.append(node)
        return walk(node)

    monkeypatch.setattr(batches, "walk", counted)
    aliases = ", ".join(f"t AS p{i}" for i in range(1000))
    assert "reads a column it sets" in (
        _refusal(f"UPDATE t SET n = p0.n FROM {aliases} WHERE p1.id = t.id") or "")
    assert len(walks) < 10
    assert _refusal(f"UPDATE t SET n = p0.id FROM {aliases} WHERE p1.id = t.id") is None


def test_lint_reports_a_directive_on_an_update_reading_what_it_sets() -> None:
    """The directive on such an UPDATE (apply refuses it: test_a_batch_directive_apply_cannot_
    follow_is_refused_before_anything_runs): lint reports the directive and, apply batching
    nothing, the whole-table UPDATE too; its alternative reads a snapshot, no directive."""
    statement = "UPDATE t SET n = t.n + s.m FROM (SELECT max(n) AS m FROM t) s"
    found = _lint_last(f"-- lockwise: batch size=100\n{statement};\n")
    (misplaced,) = [f for f in found if f.rule == "misplaced-batch-directive"]
    assert "reads a column it sets" in misplaced.message
    (backfill,) = [f.instead or "" for f in found if f.rule == "unbatched-backfill"]
    assert "lockwise: batch" not in backfill
    assert "that query's rows in a table first" in backfill


#: The id's image under a shuffle: rows of every n in each batch.
_SHUFFLED = "(g * 7919) % 1000"

#: DELETEs whose WHERE decides by an aggregate, an ordering or a count over the table's rows:
#: each batch reads what is left after the batches before it deleted rows.
_DELETES_COUNTING_WHAT_THEY_DELETE = [
    ("DELETE FROM t WHERE n > (SELECT avg(n) FROM t)", _SHUFFLED),
    # (an aggregate of the server's list, `volatility.builtin_aggregates`: avg(n) here)
    ("DELETE FROM t WHERE n > (SELECT regr_avgy(n, id) FROM t)", _SHUFFLED),
    ("DELETE FROM t WHERE id IN (SELECT id FROM t ORDER BY n DESC LIMIT 500)", _SHUFFLED),
    ("DELETE FROM t a WHERE (SELECT count(*) FROM t b WHERE b.n % 37 = a.n % 37) > 20",
     _SHUFFLED),
    ("DELETE FROM t WHERE id IN (SELECT min(id) FROM t GROUP BY n % 500)", "g"),
    ("DELETE FROM t WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER (ORDER BY n) "
     "AS r FROM t) s WHERE r <= 100)", _SHUFFLED),
]

#: De-duplications: the row each keeps is one no batch deletes, so every batch decides alike.
_DEDUPLICATIONS = [
    "DELETE FROM t a USING t b WHERE a.id < b.id AND a.n % 37 = b.n % 37",
    "DELETE FROM t a USING t b WHERE a.id > b.id AND a.n % 37 = b.n % 37",
    "DELETE FROM t WHERE id NOT IN (SELECT min(id) FROM t GROUP BY n % 37)",
    "DELETE FROM t WHERE t.id NOT IN (SELECT max(t2.id) FROM t t2 GROUP BY t2.n % 37)",
    "DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.n % 37 = a.n % 37 "
    "AND b.id < a.id)",
]


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "n"), _DELETES_COUNTING_WHAT_THEY_DELETE)
def test_batches_of_a_delete_counting_its_table_delete_other_rows(
        pg_db: str, statement: str, n: str) -> None:
    """Why apply refuses to batch such a DELETE (checked on 18.6): an average, a LIMIT, a
    count, a group's min() or a row number over the rows left changes as batches delete."""
    assert _rows_after(pg_db, statement, 10, n) != _rows_after(pg_db, statement, n=n)
    assert "rows the batches before it deleted" in (_refusal(statement) or "")


@pytest.mark.postgres
@pytest.mark.parametrize("statement", _DEDUPLICATIONS)
def test_a_deduplicating_delete_is_batched(pg_db: str, statement: str) -> None:
    """A de-duplication deletes the same rows in batches as whole (checked on 18.6): batched."""
    whole = _rows_after(pg_db, statement, n=_SHUFFLED)
    assert len(whole) == 37
    assert _rows_after(pg_db, statement, 10, _SHUFFLED) == whole
    assert _refusal(statement) is None


#: UPDATEs reading of their table's other rows no column they set: the row itself, through
#: a correlated scalar subquery on the same column, or a column of another table.
_READING_ITS_OWN_ROW = [
    "UPDATE t SET n = (SELECT t2.n FROM t t2 WHERE t2.id = t.id) + 1",
    "UPDATE t AS cur SET n = (SELECT x.n * 2 FROM t x WHERE cur.id = x.id)",
    "UPDATE t SET n = t.n + s.m FROM (SELECT max(o.n) AS m FROM other o JOIN t x "
    "ON x.id = o.id) s",
    "UPDATE t SET n = n + 1 WHERE id IN (SELECT o.id FROM other o JOIN t x ON x.id = o.id "
    "WHERE o.n > 5)",
]


@pytest.mark.postgres
@pytest.mark.parametrize("statement", _READING_ITS_OWN_ROW)
def test_an_update_reading_its_own_row_or_another_tables_column_is_batched(
        pg_db: str, statement: str) -> None:
    """The same values batched as whole (checked on 18.6), and not refused."""
    assert _rows_after(pg_db, statement, 10, _SHUFFLED) == \
        _rows_after(pg_db, statement, n=_SHUFFLED)
    assert _refusal(statement) is None


@pytest.mark.parametrize("statement", [
    "UPDATE t SET n = (SELECT sum(t2.n) FROM t t2 WHERE t2.id <= t.id)",
    "UPDATE t SET n = (SELECT t2.n FROM t t2 WHERE t2.id = t.id - 1) + t.n",
    "UPDATE t SET n = (SELECT t2.n FROM t t2 WHERE t2.id = t.id AND t2.n > 500) + t.n",
    "UPDATE t SET n = (SELECT max(t2.n) FROM t t2 WHERE t2.id = t.id OR t2.id = 1000) + 1",
])
def test_an_update_reading_another_row_of_what_it_sets_is_refused(statement: str) -> None:
    """Not pinned to the row it changes by one equality of a column alone: refused (with
    another condition beside it, another row may be the one that matches)."""
    assert "reads a column it sets" in (_refusal(statement) or "")


def test_an_update_pinned_by_a_column_it_sets_is_refused() -> None:
    """Pinned by `n`, which it sets: rows earlier batches changed match too (a scalar
    subquery returning two rows fails)."""
    assert "reads a column it sets" in (_refusal(
        "UPDATE t SET n = (SELECT t2.n FROM t t2 WHERE t2.n = t.n) + 1") or "")


@pytest.mark.parametrize(("statement", "end"), [
    ("INSERT INTO t VALUES (1)", "(mark the UPDATE or DELETE itself, or remove the directive)"),
    ("UPDATE t SET n = 1 RETURNING id", "(drop the WITH or RETURNING clause, or remove the "
     "directive to run the statement whole)"),
    ("UPDATE t SET n = t.n + s.m FROM (SELECT max(n) AS m FROM t) s",
     "(or remove the directive to run the statement whole)"),
    ("DELETE FROM t WHERE n > (SELECT avg(n) FROM t)",
     "(or remove the directive to run the statement whole)"),
])
def test_apply_says_per_refusal_what_to_do(tmp_path: Path, statement: str, end: str) -> None:
    """The end of apply's refusal fits its cause: marking the UPDATE itself is no help to an
    UPDATE that reads what it sets."""
    from lockwise.discover import discover
    from lockwise.executor.plan import plan_sql

    (tmp_path / "1_a.up.sql").write_text(f"-- lockwise: batch size=10\n{statement};\n")
    (migration,) = discover(tmp_path)
    (problem,) = plan_sql(migration, migration.up_sql, migration.path, 18).problems
    assert problem.endswith(end), problem


def test_a_whole_table_delete_counting_its_rows_is_advised_a_snapshot() -> None:
    """Lint offers no batch directive for such a DELETE of every row (apply refuses it):
    its alternative reads a snapshot of what it counts."""
    found = _lint_last("DELETE FROM t WHERE n < (SELECT avg(n) FROM t) OR n IS NOT NULL;\n")
    (backfill,) = [f.instead or "" for f in found if f.rule == "unbatched-backfill"]
    assert "lockwise: batch" not in backfill
    assert "the rows the batches before it left" in backfill


@pytest.mark.postgres
def test_apply_batches_a_deduplication_to_the_rows_run_whole_deletes(
        pg_db: str, tmp_path: Path) -> None:
    """Through `lockwise apply`, in ten batches: the same rows left as the statement run
    whole (checked on 18.6)."""
    statement = "DELETE FROM t WHERE id NOT IN (SELECT min(id) FROM t GROUP BY n % 37)"
    whole = _rows_after(pg_db, statement, n=_SHUFFLED)
    _rows_after(pg_db, "SELECT 1", 0, _SHUFFLED)  # t filled again
    migrations = write(tmp_path / "m", {
        "001_dedupe.up.sql": f"-- lockwise: batch size=100\n{statement};\n"})
    applied = lockwise(pg_db, "apply", str(migrations))
    assert applied.returncode == 0, applied
    assert "in 10 batches" in applied.stdout + applied.stderr
    assert query(pg_db, "SELECT id, n FROM t ORDER BY id") == whole


#: Aggregates a migration makes, and a window function (LANGUAGE internal: the server's own
#: row_number, made again under another name).
_USER_AGGREGATES = (
    "CREATE AGGREGATE my_sum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');\n"
    "CREATE SCHEMA IF NOT EXISTS app;\n"
    "CREATE AGGREGATE app.my_total(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');\n"
    "CREATE FUNCTION my_row_number() RETURNS bigint WINDOW LANGUAGE internal "
    "AS 'window_row_number';\n")

#: DELETEs computing over their table by an aggregate (or window function) of the migrations:
#: refused with the catalog's aggregates (`None`: refused without them too).
_DELETES_BY_USER_AGGREGATES = [
    ("DELETE FROM t WHERE n * 1000 > (SELECT my_sum(n) FROM t)", {"public.my_sum"}),
    ("DELETE FROM t WHERE n * 1000 > (SELECT app.my_total(n) FROM t)", {"app.my_total"}),
    ("DELETE FROM t WHERE id IN (SELECT id FROM (SELECT id, my_row_number() OVER (ORDER BY n) "
     "AS r FROM t) s WHERE r <= 100)", None),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "aggregates"), _DELETES_BY_USER_AGGREGATES)
def test_batches_of_a_delete_by_a_user_defined_aggregate_delete_other_rows(
        pg_db: str, statement: str, aggregates: set[str] | None) -> None:
    """An aggregate CREATE AGGREGATE made computes over the rows left in each batch, as a
    built-in one does (checked on 18.6: 500 rows left whole, 313 in ten batches): refused when
    the catalog knows it. A window function the migrations made is called with OVER (without,
    the server refuses the call), which is refused already."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_USER_AGGREGATES)
        with pytest.raises(psycopg.errors.WrongObjectType):
            conn.execute("SELECT my_row_number() FROM generate_series(1, 3)")
    assert _rows_after(pg_db, statement, 10, _SHUFFLED) != \
        _rows_after(pg_db, statement, n=_SHUFFLED)
    if aggregates is not None:
        # (a plain function, were it not known: refused as a value of another row)
        assert "an aggregate" not in (_refusal(statement) or "an aggregate")
        assert _refusal(statement, {"public.other", *aggregates}) is not None
        assert "an aggregate" not in (
            _refusal(statement.replace("my_", "other_"), aggregates) or "")
    assert "rows the batches before it deleted" in (
        _refusal(statement, aggregates or ()) or "")


def _lint_rules(*migrations: str) -> list[str]:
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    made = [migration_from_text(sql, f"000{i}_m.sql") for i, sql in enumerate(migrations)]
    reports = lint_migrations(made, LintOptions(pg_version=18), Catalog())
    return [f.rule for f in reports[-1].all_findings]


_TABLE = "CREATE TABLE t (id bigint PRIMARY KEY, n integer NOT NULL);\n"
_MY_SUM_BIGINT = "CREATE AGGREGATE my_sum(bigint) (SFUNC = int8pl, STYPE = bigint);\n"
#: (each row's own: were my_sum no aggregate, the subquery would read the row deleted alone)
_BY_MY_SUM = ("-- lockwise: batch size=100\nDELETE FROM t WHERE n > (SELECT my_sum(t2.n) FROM t t2 "
              "WHERE t2.id = t.id);\n")


#: Migrations making aggregates, with whether a bare my_sum is one after them.
_AGGREGATE_HISTORIES = [
    (_USER_AGGREGATES, "", True),
    ("", _USER_AGGREGATES, True),
    (_USER_AGGREGATES + "ALTER AGGREGATE my_sum(int) SET SCHEMA app;\n", "", True),
    (_USER_AGGREGATES + "DROP AGGREGATE my_sum(int);\n", "", False),
    (_USER_AGGREGATES.replace("my_sum", "my_total") + "ALTER AGGREGATE my_total(int) "
     "RENAME TO my_sum;\n", "", True),
    ("CREATE FUNCTION my_sum(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';\n", "",
     False),
    # Overloads by their argument types (checked on 18.6: DROP AGGREGATE my_sum(int) leaves
    # my_sum(bigint), DROP SCHEMA ... CASCADE takes the schema's aggregates).
    (_USER_AGGREGATES + _MY_SUM_BIGINT + "DROP AGGREGATE my_sum(int);\n", "", True),
    (_USER_AGGREGATES + _MY_SUM_BIGINT + "DROP AGGREGATE my_sum(bigint);\n", "", True),
    (_USER_AGGREGATES + _MY_SUM_BIGINT + "DROP AGGREGATE my_sum(int), my_sum(bigint);\n", "",
     False),
    (_USER_AGGREGATES + _MY_SUM_BIGINT + "ALTER AGGREGATE my_sum(int) RENAME TO my_other;\n",
     "", True),
    (_USER_AGGREGATES + _MY_SUM_BIGINT + "ALTER AGGREGATE my_sum(int) SET SCHEMA app;\n"
     "ALTER AGGREGATE my_sum(bigint) RENAME TO my_other;\n", "", True),
    (_USER_AGGREGATES + "ALTER AGGREGATE my_sum(int) SET SCHEMA app;\n"
     "DROP SCHEMA app CASCADE;\n", "", False),
    (_USER_AGGREGATES + "CREATE SCHEMA other;\nCREATE AGGREGATE other.my_sum(int) (SFUNC = "
     "int4pl, STYPE = int);\nDROP SCHEMA other CASCADE;\n", "", True),
    ("CREATE AGGREGATE my_sum (BASETYPE = int, SFUNC = int4pl, STYPE = int);\n"
     + _MY_SUM_BIGINT + "DROP AGGREGATE my_sum(int);\n", "", True),
    ("CREATE AGGREGATE my_sum (BASETYPE = int, SFUNC = int4pl, STYPE = int);\n"
     "DROP AGGREGATE my_sum(int);\n", "", False),
]


@pytest.mark.parametrize(("earlier", "same", "refused"), _AGGREGATE_HISTORIES)
def test_lint_knows_the_migrations_aggregates_in_a_batched_delete(
        earlier: str, same: str, refused: bool) -> None:
    """The replayed catalog follows CREATE AGGREGATE (DROP, RENAME, SET SCHEMA): a batched
    DELETE computing one over its table is a misplaced directive, whichever migration made
    it; a plain function of the name is not."""
    rules = _lint_rules(_TABLE + earlier, same + _BY_MY_SUM)
    assert ("misplaced-batch-directive" in rules) is refused, rules


@pytest.mark.postgres
@pytest.mark.parametrize(("earlier", "same", "refused"), _AGGREGATE_HISTORIES)
def test_the_server_has_an_aggregate_my_sum_after_the_same_history(
        pg_db: str, earlier: str, same: str, refused: bool) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_TABLE + earlier + same)
        (count,) = conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'my_sum' "
                                "AND prokind = 'a'").fetchone()
    assert (count > 0) is refused


@pytest.mark.postgres
@pytest.mark.parametrize("same_migration", [False, True])
def test_apply_refuses_to_batch_a_delete_by_an_aggregate_of_the_migrations(
        pg_db: str, tmp_path: Path, same_migration: bool) -> None:
    """apply plans with the aggregates the migrations before made (and the migration's own):
    refused before anything of the migration runs, as for a built-in aggregate."""
    aggregate = _USER_AGGREGATES.split("\n")[0] + "\n"
    files = {"001_t.up.sql": _TABLE + "INSERT INTO t SELECT g, g FROM generate_series(1, 10) g;\n"
             + ("" if same_migration else aggregate),
             "002_prune.up.sql": "CREATE TABLE earlier (id bigint PRIMARY KEY);\n"
             + (aggregate if same_migration else "") + _BY_MY_SUM}
    migrations = write(tmp_path / "m", files)
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 2, refused
    assert "cannot run in batches" in refused.stderr
    assert "an aggregate" in refused.stderr
    assert not relation_exists(pg_db, "earlier")


#: DELETEs pairing a row with another of their table by an inequality: the partner may be
#: one an earlier batch deleted. Each key twice (n % 500, n = id: ids i and i + 500).
_DELETES_PAIRING_BY_INEQUALITY = [
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND a.id <> b.id",
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND a.id != b.id",
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND a.id IS DISTINCT FROM b.id",
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND NOT (a.id = b.id)",
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND a.n <> b.n",
    "DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.n % 500 = a.n % 500 "
    "AND b.id <> a.id)",
    "DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE n % 500 = a.n % 500 AND id <> a.id)",
]


@pytest.mark.postgres
@pytest.mark.parametrize("statement", _DELETES_PAIRING_BY_INEQUALITY)
def test_batches_of_a_delete_pairing_rows_by_an_inequality_delete_other_rows(
        pg_db: str, statement: str) -> None:
    """Whole, every row has its partner (all 1,000 deleted); in ten batches by id, the rows
    of ids 501 to 1000 find theirs deleted by batches 1 to 5 and stay (checked on 18.6)."""
    assert _rows_after(pg_db, statement) == []
    assert len(_rows_after(pg_db, statement, 10)) == 500
    assert "differs from it" in (_refusal(statement) or "")


#: De-duplications ordered by `<` or `>` (with `<>` beside one too): the row each pair keeps
#: is one no batch deletes.
_ORDERED_DEDUPLICATIONS = [
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND a.id < b.id",
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND a.id > b.id",
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND b.id < a.id",
    "DELETE FROM t a USING t b WHERE a.n % 500 = b.n % 500 AND a.id <> b.id AND a.n > b.n",
    "DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.n % 500 = a.n % 500 "
    "AND b.id > a.id)",
]


@pytest.mark.postgres
@pytest.mark.parametrize("statement", _ORDERED_DEDUPLICATIONS)
def test_an_ordered_deduplication_of_pairs_is_batched(pg_db: str, statement: str) -> None:
    """The same 500 rows left whole and in ten batches (checked on 18.6): batched."""
    whole = _rows_after(pg_db, statement)
    assert len(whole) == 500
    assert _rows_after(pg_db, statement, 10) == whole
    assert _refusal(statement) is None


#: DELETEs of a row when another row of their table exists, picked by a value of the row
#: (the row before it, its parent: n = id / 2), with the `n` each t is filled with: the
#: row picked may be one an earlier batch deleted.
_DELETES_PICKING_A_ROW_BY_VALUE = [
    ("DELETE FROM t a USING t b WHERE b.id = a.id - 1 AND a.n = b.n", "1"),
    ("DELETE FROM t a USING t b WHERE b.id = a.id - 1", "g"),
    ("DELETE FROM t a USING t b WHERE a.id - 1 = b.id", "g"),
    ("DELETE FROM t USING t AS prev WHERE prev.id = t.id - 1", "g"),
    ("DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.id = a.id - 1)", "g"),
    ("DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t WHERE id = a.id - 1)", "g"),
    ("DELETE FROM t a USING t b WHERE a.n = b.id", "g / 2"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "n"), _DELETES_PICKING_A_ROW_BY_VALUE)
def test_batches_of_a_delete_picking_another_row_by_value_delete_other_rows(
        pg_db: str, statement: str, n: str) -> None:
    """Whole, one row is left (the first, without a row before it or a parent); in ten
    batches by id, each batch's first row finds the one it needs deleted by the batch
    before it and stays (checked on 18.6): refused."""
    assert len(_rows_after(pg_db, statement, n=n)) == 1
    assert len(_rows_after(pg_db, statement, 10, n=n)) > 1
    assert "a value of the row picks" in (_refusal(statement) or "")


#: Self-joins by the same expression of both rows (a group, or the row itself): each batch
#: finds what the statement finds.
_DELETES_BY_THE_SAME_VALUE = [
    "DELETE FROM t a USING t b WHERE a.n % 37 = b.n % 37 AND a.id < b.id",
    "DELETE FROM t a USING t b WHERE a.id = b.id AND b.n > 500",
    "DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.n % 37 = a.n % 37 "
    "AND b.id > a.id)",
]


@pytest.mark.postgres
@pytest.mark.parametrize("statement", _DELETES_BY_THE_SAME_VALUE)
def test_a_self_join_by_the_same_value_of_both_rows_is_batched(pg_db: str,
                                                              statement: str) -> None:
    """The same rows left whole and in ten batches (checked on 18.6): batched."""
    whole = _rows_after(pg_db, statement)
    assert 0 < len(whole) < 1000
    assert _rows_after(pg_db, statement, 10) == whole
    assert _refusal(statement) is None


@pytest.mark.postgres
def test_a_self_join_filtering_the_other_row_is_refused(pg_db: str) -> None:
    """`b.n > 990` names the rows of a group that delete it; stored first (n = 1001 - id),
    the first batch deletes them with their own, and the later batches keep the rest of
    their groups (fix-executor13, on 18.6; stored last, as with n = id, the same rows
    went, which is why it passed for batched): refused."""
    statement = "DELETE FROM t a USING t b WHERE a.n % 37 = b.n % 37 AND b.n > 990"
    assert _rows_after(pg_db, statement, 10, n="1001 - g") != \
        _rows_after(pg_db, statement, n="1001 - g")
    assert "decides a row by other rows" in (_refusal(statement) or "")

def test_the_row_after_it_is_refused_as_the_batch_key_may_be_another_column() -> None:
    """`b.id = a.id + 1` left the same rows in ascending batches by id, but a batch key
    other than the column paired (`b.n = a.n + 1`) would not: refused either way."""
    assert _refusal("DELETE FROM t a USING t b WHERE b.id = a.id + 1") is not None
    assert _refusal("DELETE FROM t a USING other b WHERE b.id = a.id - 1") is None


def test_a_delete_pairing_with_another_tables_row_by_an_inequality_is_batched() -> None:
    """Another table's rows are not the ones the batches delete."""
    assert _refusal("DELETE FROM t a USING other b WHERE a.n = b.n AND a.id <> b.id") is None
    assert _refusal("DELETE FROM t WHERE n <> 5") is None


#: The n of a chain across the batches: n = 1 at id 1, n = 2 at id 101, ..., n = 11 at id 2.
_CHAIN = "((g - 1) % 100) * 10 + (g - 1) / 100 + 1"

#: DELETEs testing a value of the row against the rows of a subquery over their own table by
#: IN, = ANY or NOT IN, the value not that row's own output (fix-pg71), with the `n` each t
#: is filled with: the row matched may be one an earlier batch deleted.
_DELETES_TESTING_OTHER_ROWS = [
    ("DELETE FROM t WHERE id - 1 IN (SELECT id FROM t)", "g"),
    ("DELETE FROM t WHERE id IN (SELECT id + 1 FROM t)", "g"),
    ("DELETE FROM t WHERE id - 1 = ANY (SELECT id FROM t)", "g"),
    ("DELETE FROM t a WHERE a.id - 1 IN (SELECT b.id FROM t b)", "g"),
    ("DELETE FROM t a WHERE a.n IN (SELECT b.id FROM t b)", "g / 2"),
    ("DELETE FROM t WHERE n - 1 NOT IN (SELECT n FROM t)", _CHAIN),
    ("DELETE FROM t WHERE 5 IN (SELECT n FROM t)", "g"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "n"), _DELETES_TESTING_OTHER_ROWS)
def test_batches_of_a_delete_testing_other_rows_values_delete_other_rows(
        pg_db: str, statement: str, n: str) -> None:
    """Whole and in ten batches by id, other rows are left (checked on 18.6: `id - 1 IN
    (SELECT id FROM t)` 1 and 10, the chain's NOT IN 999 and 990): refused."""
    assert _rows_after(pg_db, statement, n=n) != _rows_after(pg_db, statement, 10, n=n)
    assert "a value of the row picks" in (_refusal(statement) or "")


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "DELETE FROM t WHERE id IN (SELECT id FROM t WHERE n > 500)",
    "DELETE FROM t a WHERE a.id IN (SELECT b.id FROM t b WHERE b.n > 500)",
    "DELETE FROM t WHERE (id, n) IN (SELECT id, n FROM t WHERE n > 500)",
])
def test_a_delete_testing_each_row_against_itself_is_batched(pg_db: str,
                                                             statement: str) -> None:
    """The row's own value tested against the subquery's output for it: the same rows
    left both ways (checked on 18.6): batched."""
    whole = _rows_after(pg_db, statement, n=_SHUFFLED)
    assert len(whole) == 501  # (n of 0 to 999: 499 over 500)
    assert _rows_after(pg_db, statement, 10, n=_SHUFFLED) == whole
    assert _refusal(statement) is None


@pytest.mark.postgres
def test_a_delete_testing_a_column_that_is_not_unique_against_its_table_is_refused(
        pg_db: str) -> None:
    """`n IN (SELECT n FROM t WHERE ...)` of an n ten rows have: the row of a value the
    subquery keeps may be one an earlier batch deleted (checked on 18.6, fix-pg74: whole, the
    1,000 rows deleted; in ten batches, 100). Refused where the table's unique columns are
    known and n is none of them; the key tested is the row itself (batched)."""
    statement = "DELETE FROM t WHERE n IN (SELECT n FROM t WHERE id <= 100)"
    assert _rows_after(pg_db, statement, n="g % 100") == []
    assert len(_rows_after(pg_db, statement, 10, n="g % 100")) == 900
    keys = {"public.t": frozenset({"id"})}
    assert "a value of the row picks" in (_refusal(statement, unique=keys.get) or "")
    assert _refusal(statement) is None  # (the table not known: as before)
    assert _refusal("DELETE FROM t WHERE id IN (SELECT id FROM t WHERE n > 5)",
                    unique=keys.get) is None
    assert _refusal("DELETE FROM t WHERE n NOT IN (SELECT n FROM t WHERE id <= 100)",
                    unique=keys.get) is None


@pytest.mark.postgres
def test_a_delete_not_in_its_own_tables_values_of_a_function_is_refused(pg_db: str) -> None:
    """`id NOT IN (SELECT f(id) FROM t)`, f a plain function of the migrations (not an
    aggregate, not set-returning): a row a batch deletes takes its f(id) out of the
    subquery, and a later batch deletes the row of that id (checked on 18.6, fix-pg74):
    refused, rightly."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION plus_300(bigint) RETURNS bigint IMMUTABLE "
                     "LANGUAGE sql AS 'SELECT $1 + 300'")
    statement = "DELETE FROM t WHERE id NOT IN (SELECT plus_300(id) FROM t)"
    assert len(_rows_after(pg_db, statement)) == 700
    assert _rows_after(pg_db, statement, 10) == []
    assert "a value of the row picks" in (_refusal(statement) or "")


#: Aggregates a migration makes that keep the largest or smallest value of their rows (a
#: built-in `*larger` / `*smaller` state function), and others that do not.
_EXTREME_AGGREGATES = (
    "CREATE SCHEMA IF NOT EXISTS app;\n"
    "CREATE AGGREGATE app.my_max(int) (SFUNC = int4larger, STYPE = int);\n"
    "CREATE AGGREGATE my_min(int) (SFUNC = pg_catalog.int4smaller, STYPE = int);\n"
    "CREATE AGGREGATE app.my_sum(int) (SFUNC = int4pl, STYPE = int);\n"
    "CREATE FUNCTION app.half(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 / 2';\n"
    "CREATE AGGREGATE app.my_half_max(int) (SFUNC = int4larger, STYPE = int, "
    "FINALFUNC = app.half);\n")


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "batched"), [
    ("DELETE FROM t WHERE n NOT IN (SELECT app.my_max(n) FROM t GROUP BY n % 37)", True),
    ("DELETE FROM t WHERE n NOT IN (SELECT my_min(n) FROM t GROUP BY n % 37)", True),
    ("DELETE FROM t WHERE n NOT IN (SELECT app.my_max(n) FROM t)", True),
    ("DELETE FROM t WHERE n NOT IN (SELECT app.my_sum(n) / 100 FROM t GROUP BY n % 37)",
     False),
    ("DELETE FROM t WHERE n NOT IN (SELECT app.my_half_max(n) FROM t GROUP BY n % 37)",
     False),
])
def test_a_delete_keeping_the_rows_an_extreme_aggregate_of_the_migrations_names(
        pg_db: str, statement: str, batched: bool) -> None:
    """`c NOT IN (SELECT agg(c) ... GROUP BY ...)` by an aggregate made with a built-in
    `*larger` / `*smaller` state function and no final function keeps the rows max() or
    min() would, which no batch deletes: the same rows left whole and in ten batches
    (checked on 18.6: 37 both ways), batched as with max() (lint, the plan's aggregates
    made in the same migration); another aggregate of the migrations is refused as before."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_EXTREME_AGGREGATES)
    whole = _rows_after(pg_db, statement, n=_SHUFFLED)
    if batched:
        assert _rows_after(pg_db, statement, 10, n=_SHUFFLED) == whole
    rules = _lint_rules(_TABLE + _EXTREME_AGGREGATES,
                        f"-- lockwise: batch size=100\n{statement};\n")
    assert ("misplaced-batch-directive" not in rules) is batched, rules
    import json

    from pglast.parser import parse_sql_json

    from lockwise.executor.batches import with_aggregates_made

    made = with_aggregates_made({"public.other"}, (
        s["stmt"] for s in json.loads(parse_sql_json(_EXTREME_AGGREGATES))["stmts"]))
    assert (_refusal(statement, made) is None) is batched
    assert _refusal(statement, {"app.my_max", "public.my_min", "app.my_sum"}) is not None
