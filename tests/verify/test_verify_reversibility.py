"""Up, down, up again on a real server: the reversibility verdicts and what they show."""

from __future__ import annotations

import re
from pathlib import Path

from verify_helpers import DIESEL_ONE_VERSION_TWICE, FIXTURES, write_migrations

from lockwise.core.types import LockMode
from lockwise.parse.postgres import parse_sql
from lockwise.verify.report import render_verify
from lockwise.verify.run import (
    DOWN_FAILED,
    NO_DOWN,
    NOT_REVERSIBLE,
    NOT_RUN,
    REAPPLY_FAILED,
    REVERSIBLE,
    UP_FAILED,
)


def _status(result) -> dict[str, str]:
    return {r.migration.id: r.status for r in result.results}


def test_project_fixtures(run_verify) -> None:
    result = run_verify(FIXTURES / "migrations")
    assert _status(result) == {
        "0001_create_accounts": REVERSIBLE,
        "0002_create_orders": REVERSIBLE,
        "0003_index_orders_by_account": REVERSIBLE,
        "0004_orders_account_fk": REVERSIBLE,
        "0005_accounts_email_required": REVERSIBLE,
        "0006_orders_total_bigint": NO_DOWN,
        "0007_orders_status_index": REVERSIBLE,
        "0008_drop_legacy_name": NO_DOWN,
    }
    assert not result.failed
    assert all(r.diff == [] and r.notes == [] for r in result.results)


def test_model_check_on_project_fixtures_has_no_disagreement(run_verify) -> None:
    """CI's check of the effect model against the real server, on the project's fixtures."""
    result = run_verify(FIXTURES / "migrations")
    statements = sum(len(parse_sql(r.migration.up_sql).statements) for r in result.results)
    assert len(result.checks) == statements  # every statement was observed
    problems = [(r.migration.id, c.statement.sql, d.describe())
                for r in result.results for c, d in r.disagreements]
    assert problems == []
    by_sql = {c.statement.sql.split("\n")[0]: c for c in result.checks}
    # Spot checks that the observations are real, not empty: a rewrite and a polled lock.
    retype = by_sql["ALTER TABLE orders ALTER COLUMN total TYPE bigint"]
    assert retype.observed.rewrites == {"public.orders"}
    assert retype.observed.locks == {"public.orders": LockMode.ACCESS_EXCLUSIVE}
    concurrent = next(c for c in result.checks if "CONCURRENTLY" in c.statement.sql)
    assert concurrent.observed.method == "polling"
    assert concurrent.observed.locks == {"public.orders": LockMode.SHARE_UPDATE_EXCLUSIVE}


def test_report_text(run_verify, snapshot) -> None:
    import io

    out = io.StringIO()
    render_verify(run_verify(FIXTURES / "migrations"), out, show_time=False)
    assert out.getvalue() == snapshot


def test_verbose_report_names_lock_modes_as_lint_does(run_verify) -> None:
    """`verify --verbose` names each statement's locks as lint's text report does (the
    documentation's `ACCESS EXCLUSIVE`), not by pg_locks' `AccessExclusiveLock`."""
    import io

    out = io.StringIO()
    render_verify(run_verify(FIXTURES / "migrations"), out, verbose=True, show_time=False)
    text = out.getvalue()
    assert "predicted ACCESS EXCLUSIVE on public.orders, rewrites public.orders; observed " \
        "ACCESS EXCLUSIVE on public.orders, rewrites public.orders" in text, text
    assert "SHARE UPDATE EXCLUSIVE on public.orders" in text
    assert not re.search(r"[a-z]Lock\b", text)


def test_down_that_leaves_objects_behind(tmp_path: Path, run_verify) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int PRIMARY KEY, v text);", "DROP TABLE t;"),
        ("ix", "ALTER TABLE t ADD COLUMN m int;\nCREATE INDEX IF NOT EXISTS t_v ON t (v);",
         "ALTER TABLE t DROP COLUMN m;"),
        ("mood", "CREATE TYPE mood AS ENUM ('a', 'b');\nALTER TABLE t ADD COLUMN md mood;",
         "ALTER TABLE t DROP COLUMN md;"),
    ])
    result = run_verify(root)
    assert _status(result) == {"0001_t": REVERSIBLE, "0002_ix": NOT_REVERSIBLE,
                               "0003_mood": REAPPLY_FAILED}
    assert [d.describe() for d in result.results[1].diff] == [
        "+ index public.t_v: only after down (CREATE INDEX t_v ON public.t USING btree (v))",
    ]
    mood = result.results[2]
    assert [d.describe() for d in mood.diff] == ["+ type public.mood: only after down ('a', 'b')"]
    assert (mood.phase, mood.failure.message) == ("up again", 'type "mood" already exists')


def test_up_failure_stops_the_run_with_the_statement(tmp_path: Path, run_verify) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int);", "DROP TABLE t;"),
        ("bad", "ALTER TABLE t ADD COLUMN a int;\nALTER TABLE missing ADD COLUMN b int;", None),
        ("later", "CREATE TABLE u (id int);", "DROP TABLE u;"),
    ])
    result = run_verify(root)
    assert _status(result) == {"0001_t": REVERSIBLE, "0002_bad": UP_FAILED,
                               "0003_later": NOT_RUN}
    bad = result.results[1]
    assert bad.failure.statement.span.line == 2
    assert bad.failure.message == 'relation "missing" does not exist'
    # The failed migration's transaction was rolled back: column a is not there.
    assert "column public.t.a" not in result.results[0].diff


def test_down_failure_and_reapply_failure(tmp_path: Path, run_verify) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int);", "DROP TABLE nope;"),
        ("u", "CREATE TABLE u (id int);", "SELECT 1;"),
    ])
    result = run_verify(root)
    assert _status(result) == {"0001_t": DOWN_FAILED, "0002_u": REAPPLY_FAILED}
    assert result.results[0].phase == "down"
    assert result.results[0].failure.message == 'table "nope" does not exist'
    # The down that did nothing: the diff explains why up failed again.
    assert [d.describe() for d in result.results[1].diff][0].startswith(
        "+ column public.u.id: only after down")
    assert result.results[1].failure.message == 'relation "u" already exists'


def test_creation_time_literals_are_not_differences(tmp_path: Path, run_verify) -> None:
    view = "CREATE VIEW recent AS SELECT * FROM t WHERE at > 'now'::timestamp;"
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (at timestamp);", "DROP TABLE t;"),
        ("v", view, "DROP VIEW recent;"),
        ("v2", "DROP VIEW recent;\n" + view.replace("> 'now'", ">= 'now'"),
         "DROP VIEW recent;\n" + view),
    ])
    result = run_verify(root)
    assert _status(result) == {"0001_t": REVERSIBLE, "0002_v": REVERSIBLE,
                               "0003_v2": REVERSIBLE}


def test_migration_with_its_own_transaction_and_concurrent_index(tmp_path: Path,
                                                                 run_verify) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "0001_t.up.sql").write_text("CREATE TABLE t (id int, v int);")
    (root / "0001_t.down.sql").write_text("DROP TABLE t;")
    (root / "0002_ix.up.sql").write_text(
        "-- lockwise: no-transaction\nCREATE INDEX CONCURRENTLY t_v ON t (v);\n"
        "ALTER TABLE t ADD COLUMN w int;")
    (root / "0002_ix.down.sql").write_text(
        "-- lockwise: no-transaction\nDROP INDEX CONCURRENTLY t_v;\nALTER TABLE t DROP COLUMN w;")
    result = run_verify(root)
    assert _status(result) == {"0001_t": REVERSIBLE, "0002_ix": REVERSIBLE}
    methods = [c.observed.method for c in result.results[1].checks]
    assert methods == ["polling", "transaction"]
    assert [d for _, d in result.results[1].disagreements] == []


def test_a_lone_concurrent_index_runs_as_its_tool_sends_it(tmp_path: Path, run_verify) -> None:
    """golang-migrate sends a file as one query string: one CREATE INDEX CONCURRENTLY alone
    runs outside a transaction, beside another statement it fails (as lint says)."""
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int, v int, w int);", "DROP TABLE t;"),
        ("ix", "CREATE INDEX CONCURRENTLY t_v ON t (v);", "DROP INDEX CONCURRENTLY t_v;"),
        ("ix2", "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY t_w ON t (w);",
         "DROP INDEX t_w;"),
    ])
    result = run_verify(root)
    assert _status(result) == {"0001_t": REVERSIBLE, "0002_ix": REVERSIBLE,
                               "0003_ix2": UP_FAILED}


def test_a_batched_backfill_that_commits_runs_outside_a_transaction(tmp_path: Path,
                                                                    run_verify) -> None:
    """A DO block that COMMITs between batches (as lockwise fix writes them) cannot run in a
    transaction block: verify runs it alone, as the migration says, and observes it."""
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int, v int);\nINSERT INTO t SELECT g, NULL FROM "
              "generate_series(1, 50) g;", "DROP TABLE t;"),
        ("fill", "-- lockwise: no-transaction\nDO $$ BEGIN LOOP UPDATE t SET v = 0 WHERE id IN "
                 "(SELECT id FROM t WHERE v IS NULL LIMIT 10); EXIT WHEN NOT FOUND; COMMIT; "
                 "END LOOP; END $$;", "UPDATE t SET v = NULL;"),
    ])
    result = run_verify(root)
    assert _status(result) == {"0001_t": REVERSIBLE, "0002_fill": REVERSIBLE}
    (check,) = result.results[1].checks
    assert check.observed.method == "polling"
    assert [d for _, d in result.results[1].disagreements] == []


def test_unavailable_extension_is_skipped_with_a_note(tmp_path: Path, run_verify) -> None:
    root = write_migrations(tmp_path / "m", [
        ("ext", "CREATE EXTENSION IF NOT EXISTS lockwise_no_such_extension;\n"
                "CREATE TABLE t (id int);",
         "DROP TABLE t;\nDROP EXTENSION lockwise_no_such_extension;"),
    ])
    result = run_verify(root)
    (res,) = result.results
    assert res.status == REVERSIBLE
    assert res.notes == [
        "statement 1 (line 1) skipped: extension lockwise_no_such_extension is not installed "
        "on this server",
        "down statement 2 (line 2) skipped: extension lockwise_no_such_extension is not "
        "installed on this server",
    ]


def test_report_text_for_problems(tmp_path: Path, run_verify, snapshot) -> None:
    import io

    from lockwise.verify.observe import Disagreement

    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int PRIMARY KEY, v text);", "DROP TABLE t;"),
        ("ix", "CREATE INDEX IF NOT EXISTS t_v ON t (v);", "SELECT 1;"),
        ("bad", "ALTER TABLE t ADD COLUMN w int;\nALTER TABLE t ADD COLUMN w int;", None),
        ("later", "SELECT 1;", None),
    ])
    result = run_verify(root)
    # A disagreement, as the model check would print one (the real model agrees here).
    check = result.results[1].checks[0]
    check.disagreements.append(Disagreement("lock", "public.t", "ShareLock",
                                            "AccessExclusiveLock"))
    out = io.StringIO()
    render_verify(result, out, show_time=False)
    text = out.getvalue().replace(str(root), "<root>")
    assert text == snapshot


def test_model_agrees_on_dropping_a_foreign_key_column(tmp_path: Path, run_verify) -> None:
    """Found by verify on lemmy: the referenced table is locked too (the FK goes with it)."""
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE p (id int PRIMARY KEY);\n"
              "CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p);",
         "DROP TABLE c;\nDROP TABLE p;"),
        ("drop", "ALTER TABLE c DROP COLUMN p_id;",
         "ALTER TABLE c ADD COLUMN p_id int REFERENCES p;"),
    ])
    result = run_verify(root)
    (check,) = result.results[1].checks
    assert check.observed.locks == {"public.c": LockMode.ACCESS_EXCLUSIVE,
                                    "public.p": LockMode.ACCESS_EXCLUSIVE}
    assert check.disagreements == []


def test_cascades_and_user_triggers_are_not_model_disagreements(tmp_path: Path,
                                                                 run_verify) -> None:
    """Found by verify on lemmy (224 false alarms): a DELETE that removes no row runs no
    ON DELETE CASCADE, and a statement trigger that refreshes a materialized view takes
    locks that are its function's, not the statement's."""
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE parent (id int PRIMARY KEY, note text);\n"
              "CREATE TABLE child (id int, parent_id int REFERENCES parent ON DELETE CASCADE);\n"
              "CREATE TABLE audit (n int);\n"
              "CREATE MATERIALIZED VIEW counts AS SELECT count(*) AS n FROM child;\n"
              "CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
              "INSERT INTO audit VALUES (1); REFRESH MATERIALIZED VIEW counts; RETURN NULL; "
              "END $$;\n"
              "CREATE TRIGGER parent_log AFTER UPDATE OR DELETE ON parent "
              "FOR EACH STATEMENT EXECUTE FUNCTION log_change();\n"
              "CREATE FUNCTION logged() RETURNS TABLE (n int) LANGUAGE sql "
              "AS 'SELECT n FROM audit';\n"
              "INSERT INTO parent VALUES (2, 'kept');\n",
         "DROP TABLE child;\nDROP TABLE parent;\nDROP MATERIALIZED VIEW counts;\n"
         "DROP FUNCTION logged();\nDROP TABLE audit;\nDROP FUNCTION log_change();"),
        ("cleanup", "DELETE FROM parent WHERE id = 1;\nUPDATE parent SET note = 'x';\n"
                    "DELETE FROM child WHERE parent_id = 2;\n"
                    "UPDATE child c SET id = l.n FROM logged() l WHERE c.id = l.n;\n",
         "SELECT 1;"),
    ])
    result = run_verify(root)
    checks = result.results[1].checks
    assert len(checks) == 4
    assert checks[3].observed.user_functions == ("logged",)
    assert checks[3].observed.locks.get("public.audit") == LockMode.ACCESS_SHARE
    # The trigger really did lock what the model does not claim (its function's work).
    # The trigger really did lock and rewrite what the model does not claim (its function's
    # work); the UPDATE after it found those locks already held.
    assert checks[0].observed.locks["public.counts"] == LockMode.ACCESS_EXCLUSIVE
    assert "public.counts" in checks[0].observed.rewrites
    assert [c.disagreements for c in checks] == [[], [], [], []]


def test_an_update_of_rows_written_earlier_in_its_transaction_checks_their_foreign_keys(
        tmp_path: Path, run_verify) -> None:
    """Found by verify --seed on lemmy: PostgreSQL checks a row's foreign keys again when an
    UPDATE changes a row that its own transaction inserted or updated, even if the key stays
    (ROW SHARE on the referenced table). The model follows the writes of the transaction."""
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE p (id int PRIMARY KEY);\n"
              "CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p, n int);\n"
              "INSERT INTO p VALUES (1);\nINSERT INTO c VALUES (1, 1, 0);\n",
         "DROP TABLE c;\nDROP TABLE p;"),
        ("twice", "UPDATE c SET n = 1;\nUPDATE c SET n = 2;\n", "SELECT 1;"),
    ])
    first, second = run_verify(root).results[1].checks
    assert "public.p" not in first.predicted.locks and "public.p" not in first.observed.locks
    assert second.predicted.locks["public.p"] == LockMode.ROW_SHARE
    assert second.observed.locks["public.p"] == LockMode.ROW_SHARE
    assert first.disagreements == second.disagreements == []


def test_table_settings_a_down_must_undo(tmp_path: Path, run_verify) -> None:
    # Row-level security changes which rows queries return, the replica identity what logical
    # replication sends, SET STORAGE how values are stored: a down that keeps them undid
    # nothing of them. The down that does undo them is reversible.
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int PRIMARY KEY, b text);", "DROP TABLE t;"),
        ("rls", "ALTER TABLE t ENABLE ROW LEVEL SECURITY;", "SELECT 1;"),
        ("ident", "ALTER TABLE t REPLICA IDENTITY FULL;", "SELECT 1;"),
        ("storage", "ALTER TABLE t ALTER COLUMN b SET STORAGE EXTERNAL;", "SELECT 1;"),
        ("undone", "ALTER TABLE t FORCE ROW LEVEL SECURITY;",
         "ALTER TABLE t NO FORCE ROW LEVEL SECURITY;"),
    ])
    result = run_verify(root)
    assert _status(result) == {"0001_t": REVERSIBLE, "0002_rls": NOT_REVERSIBLE,
                               "0003_ident": NOT_REVERSIBLE, "0004_storage": NOT_REVERSIBLE,
                               "0005_undone": REVERSIBLE}


def test_the_migration_of_a_version_its_tool_never_runs_is_not_run(
        run_verify, pg_conn, tmp_path: Path) -> None:
    """diesel keeps the last folder of a version by name and never runs the others
    (ONE_OF_A_VERSION_RUNS, as lint's replay and the graph's): verify runs only that one, so
    its CREATE TABLE u does not fail on the u of the folder diesel never runs (checked on
    18.6: run both, and the second stops with `relation "u" already exists`)."""
    from lockwise.verify.run import NEVER_RUNS
    from tree_helpers import write

    write(tmp_path, DIESEL_ONE_VERSION_TWICE)
    result = run_verify(tmp_path)
    assert _status(result) == {"2023-01-01-000000_setup": REVERSIBLE,
                               "2024-01-01-000000_a": NEVER_RUNS,
                               "2024-01-01-000000_b": REVERSIBLE}
    assert not result.failed
    never = result.results[1]
    assert never.notes == ["diesel runs 2024-01-01-000000_b of version 2024-01-01-000000 "
                           "instead: this one never runs"]
    import io

    out = io.StringIO()
    render_verify(result, out)
    assert "  2024-01-01-000000_a      never run by its tool\n" in out.getvalue()
    assert "2 reversible, 1 never run by its tool" in out.getvalue()
    # What was run is what diesel runs: b's u, with its bigint.
    assert pg_conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                           "WHERE attrelid = 'u'::regclass AND attname = 'id'"
                           ).fetchone()[0] == "bigint"
