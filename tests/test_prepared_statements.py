"""PREPARE, EXECUTE and DEALLOCATE within one migration, as PostgreSQL runs them on one
session (checked on 18.6): an EXECUTE runs the statement its name was PREPAREd with (its
locks, writes and scans, judged at the EXECUTE); a name never prepared, DEALLOCATEd, forgotten
by DISCARD ALL or whose PREPARE was refused is refused (26000), and so is a PREPARE of a name
already prepared (42P05). Neither PREPARE nor DEALLOCATE is undone by a ROLLBACK. A migration
follows only its own PREPAREs: the session of another migration file is not followed."""

from __future__ import annotations

from contextlib import suppress

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode, MigrationReport
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE accounts (id bigint PRIMARY KEY, plan text);\n"

#: Statements of one migration (psql -f: each commits on its own) and the SQLSTATE the server
#: refuses the last one with (None: it runs), each checked on 18.6 below.
SCENARIOS = [
    # the name was never prepared
    (["EXECUTE p"], "26000"),
    (["EXECUTE p (1, 'x')"], "26000"),
    (["DEALLOCATE p"], "26000"),
    (["DEALLOCATE PREPARE p"], "26000"),
    # prepared, then forgotten
    (["PREPARE p AS SELECT 1", "DEALLOCATE p", "EXECUTE p"], "26000"),
    (["PREPARE p AS SELECT 1", "DEALLOCATE p", "DEALLOCATE p"], "26000"),
    (["PREPARE p AS SELECT 1", "PREPARE q AS SELECT 2", "DEALLOCATE ALL", "EXECUTE q"],
     "26000"),
    (["PREPARE p AS SELECT 1", "DISCARD ALL", "EXECUTE p"], "26000"),
    # a PREPARE the server refused prepared nothing
    (["PREPARE p AS WITH a AS (SELECT id FROM accounts) SELECT * FROM a FOR UPDATE OF a",
      "EXECUTE p"], "26000"),
    # a name is an identifier: folded to lower case unless quoted
    (['PREPARE "P" AS SELECT 1', "EXECUTE p"], "26000"),
    (["PREPARE P AS SELECT 1", "EXECUTE p"], None),
    (['PREPARE "P" AS SELECT 1', 'EXECUTE "P"'], None),
    # prepared, and still there
    (["PREPARE p AS SELECT 1", "EXECUTE p"], None),
    (["PREPARE p (bigint) AS UPDATE accounts SET plan = 'x' WHERE id = $1", "EXECUTE p (1)"],
     None),
    (["PREPARE p AS SELECT 1", "DISCARD PLANS", "EXECUTE p"], None),
    (["PREPARE p AS SELECT 1", "DEALLOCATE ALL", "DEALLOCATE ALL"], None),
    (["PREPARE p AS SELECT 1", "DEALLOCATE p", "PREPARE p AS SELECT 2"], None),
    # a ROLLBACK undoes neither PREPARE nor DEALLOCATE
    (["BEGIN", "PREPARE p AS SELECT 1", "ROLLBACK", "EXECUTE p"], None),
    (["PREPARE p AS SELECT 1", "BEGIN", "DEALLOCATE p", "ROLLBACK", "EXECUTE p"], "26000"),
    # EXPLAIN EXECUTE and CREATE TABLE ... AS EXECUTE look the name up as EXECUTE does
    (["EXPLAIN EXECUTE p"], "26000"),
    (["EXPLAIN ANALYZE EXECUTE p"], "26000"),
    (["CREATE TABLE copied AS EXECUTE p"], "26000"),
    (["PREPARE p AS SELECT 1", "DEALLOCATE p", "CREATE TABLE copied AS EXECUTE p"], "26000"),
    # (the new table's name is looked at first: taken, "already exists"; IF NOT EXISTS skips)
    (["CREATE TABLE accounts AS EXECUTE p"], "42P07"),
    (["CREATE TABLE IF NOT EXISTS accounts AS EXECUTE p"], None),
    (["PREPARE p AS SELECT id FROM accounts", "EXPLAIN EXECUTE p"], None),
    (["PREPARE p AS SELECT id FROM accounts", "CREATE TABLE copied_ids AS EXECUTE p"], None),
    # CREATE TABLE ... AS EXECUTE of a prepared statement that is not a SELECT (nor VALUES,
    # TABLE, or a SELECT over a WITH query that writes): refused, after its name is looked at
    (["PREPARE p AS UPDATE accounts SET plan = 'x'", "CREATE TABLE copied AS EXECUTE p"],
     "42809"),
    (["PREPARE p AS INSERT INTO accounts VALUES (1) RETURNING id",
      "CREATE TABLE copied AS EXECUTE p"], "42809"),
    (["PREPARE p AS DELETE FROM accounts", "CREATE TABLE copied AS EXECUTE p WITH NO DATA"],
     "42809"),
    (["PREPARE p AS SELECT id INTO copied FROM accounts", "CREATE TABLE c2 AS EXECUTE p"],
     "42809"),
    (["PREPARE p AS DELETE FROM accounts", "CREATE TABLE IF NOT EXISTS copied AS EXECUTE p"],
     "42809"),
    (["PREPARE p AS DELETE FROM accounts", "CREATE TABLE IF NOT EXISTS accounts AS EXECUTE p"],
     None),
    (["PREPARE p AS VALUES (1)", "CREATE TABLE copied_values AS EXECUTE p"], None),
    (["PREPARE p AS TABLE accounts", "CREATE TABLE copied_table AS EXECUTE p"], None),
    (["PREPARE p AS WITH w AS (UPDATE accounts SET plan = 'x' RETURNING id) SELECT * FROM w",
      "CREATE TABLE copied_with AS EXECUTE p"], None),
    # a name already prepared
    (["PREPARE p AS SELECT 1", "PREPARE p AS SELECT 2"], "42P05"),
    (["PREPARE p AS SELECT 1", "PREPARE P (int) AS SELECT $1"], "42P05"),
    (["BEGIN", "PREPARE p AS SELECT 1", "ROLLBACK", "PREPARE p AS SELECT 2"], "42P05"),
]

#: The rule reporting each refusal.
RULE_OF = {"26000": "prepared-statement-missing", "42P05": "prepared-statement-exists",
           "42809": "prepared-statement-not-select", "42P07": "object-already-exists"}


def lint(*migrations: str) -> list[MigrationReport]:
    texts = [SETUP, *migrations]
    return lint_migrations([migration_from_text(sql, f"{i + 1:04}_m.sql")
                            for i, sql in enumerate(texts)], LintOptions(), Catalog())


def lint_replayed(sql: str) -> tuple[MigrationReport, Catalog]:
    """The report of migration `sql` after SETUP, and the catalog replayed past it."""
    catalog = Catalog()
    report = lint_migrations([migration_from_text(SETUP, "0001_a.sql"),
                              migration_from_text(sql, "0002_b.sql")], LintOptions(), catalog)
    return report[-1], catalog


def rules_of(report: MigrationReport, statement: int) -> set[str]:
    return {f.rule for f in report.statements[statement].findings}


@pytest.mark.parametrize(("statements", "sqlstate"), SCENARIOS)
def test_the_model_refuses_what_the_server_refuses(statements: list[str],
                                                   sqlstate: str | None) -> None:
    report = lint(";\n".join(statements) + ";")[-1]
    found = rules_of(report, len(statements) - 1) & set(RULE_OF.values())
    assert found == ({RULE_OF[sqlstate]} if sqlstate else set())
    # (only the last statement is refused)
    for i in range(len(statements) - 1):
        assert not rules_of(report, i) & set(RULE_OF.values()), statements[i]


@pytest.mark.postgres
def test_the_server_refuses_them_so(pg_db: str) -> None:
    # checked on 18.6
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
    for statements, sqlstate in SCENARIOS:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            *before, last = statements
            for sql in before:
                with suppress(psycopg.Error):  # the refused PREPARE of a scenario
                    conn.execute(sql)
            try:
                conn.execute(last)
                got = None
            except psycopg.Error as exc:
                got = exc.sqlstate
            assert got == sqlstate, statements


def test_an_execute_of_a_whole_table_update_is_judged_as_the_update_at_its_line() -> None:
    report = lint("PREPARE reset_plans AS UPDATE accounts SET plan = 'free';\n"
                  "SELECT 1;\n"
                  "EXECUTE reset_plans;")[-1]
    assert "unbatched-backfill" not in rules_of(report, 0)  # PREPARE runs nothing
    (finding,) = [f for f in report.statements[2].findings if f.rule == "unbatched-backfill"]
    assert finding.span.line == 3
    assert "prepared statement reset_plans" in finding.message
    assert "statement 1" in finding.message  # the PREPARE that made it
    effect = report.statements[2].effect
    assert effect.locks == {"public.accounts": LockMode.ROW_EXCLUSIVE}
    assert "table:public.accounts" in effect.writes


def test_an_execute_of_a_limited_update_is_no_backfill() -> None:
    report = lint("PREPARE set_plan (bigint) AS "
                  "UPDATE accounts SET plan = 'free' WHERE id = $1;\n"
                  "EXECUTE set_plan (7);")[-1]
    assert "unbatched-backfill" not in rules_of(report, 1)
    assert report.statements[1].effect.locks == {"public.accounts": LockMode.ROW_EXCLUSIVE}


def test_an_execute_runs_the_first_prepare_when_the_second_is_refused() -> None:
    report = lint("PREPARE p AS UPDATE accounts SET plan = 'free';\n"
                  "PREPARE p AS SELECT 1;\n"
                  "EXECUTE p;")[-1]
    assert "prepared-statement-exists" in rules_of(report, 1)
    assert "unbatched-backfill" in rules_of(report, 2)


def test_an_execute_after_a_prepare_of_another_migration_is_reported() -> None:
    # A prepared statement lasts for its session only: each migration is followed alone.
    first, second = lint("PREPARE p AS SELECT 1;", "EXECUTE p;")[-2:]
    assert not rules_of(first, 0) & set(RULE_OF.values())
    assert "prepared-statement-missing" in rules_of(second, 0)


def test_an_execute_reads_the_catalog_of_its_own_moment() -> None:
    # A table renamed after the PREPARE makes the server analyze the statement again by its
    # names (checked on 18.6: "relation "t" does not exist", or the new table of that name).
    report = lint("PREPARE p AS UPDATE accounts SET plan = 'free';\n"
                  "ALTER TABLE accounts RENAME TO old_accounts;\n"
                  "CREATE TABLE accounts (id bigint, plan text);\n"
                  "EXECUTE p;")[-1]
    assert "unbatched-backfill" not in rules_of(report, 3)  # the new table: empty
    assert report.statements[3].effect.locks == {"public.accounts": LockMode.ROW_EXCLUSIVE}


@pytest.mark.postgres
def test_the_server_analyzes_an_execute_again_after_a_rename(pg_db: str) -> None:
    # checked on 18.6
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + "INSERT INTO accounts VALUES (1, 'paid');")
        conn.execute("PREPARE p AS UPDATE accounts SET plan = 'free'")
        conn.execute("ALTER TABLE accounts RENAME TO old_accounts")
        conn.execute("CREATE TABLE accounts (id bigint, plan text)")
        assert conn.execute("EXECUTE p").rowcount == 0  # the new, empty table
        assert conn.execute("SELECT plan FROM old_accounts").fetchone() == ("paid",)


def test_an_execute_of_select_into_makes_its_table_in_the_replay() -> None:
    catalog = Catalog()
    lint_migrations([migration_from_text(SETUP, "0001_a.sql"),
                     migration_from_text("PREPARE p AS SELECT id INTO copied FROM accounts;\n"
                                         "EXECUTE p;", "0002_b.sql")], LintOptions(), catalog)
    assert "public.copied" in catalog.tables
    unrun = Catalog()
    lint_migrations([migration_from_text("PREPARE p AS SELECT 1 AS a INTO copied;",
                                         "0001_a.sql")], LintOptions(), unrun)
    assert "public.copied" not in unrun.tables  # PREPARE alone makes nothing


@pytest.mark.postgres
def test_the_server_makes_the_table_of_a_prepared_select_into_at_execute(pg_db: str) -> None:
    # checked on 18.6
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("PREPARE p AS SELECT 1 AS a INTO copied")
        assert conn.execute("SELECT to_regclass('copied')").fetchone() == (None,)
        conn.execute("EXECUTE p")
        assert conn.execute("SELECT a FROM copied").fetchall() == [(1,)]


def test_an_execute_of_a_whole_table_update_is_not_offered_a_batch_directive() -> None:
    # `lockwise apply` batches an UPDATE or DELETE written out: on an EXECUTE the directive
    # stops the run ("only UPDATE and DELETE statements can run in batches"). The directive
    # offered marks the prepared statement written out in its place, not the EXECUTE.
    report = lint("PREPARE reset_plans AS UPDATE accounts SET plan = 'free';\n"
                  "EXECUTE reset_plans;")[-1]
    (finding,) = [f for f in report.statements[1].findings if f.rule == "unbatched-backfill"]
    assert "-- lockwise: batch size=5000 sleep=50\nUPDATE accounts SET plan = 'free';\n" in \
        finding.instead
    assert "EXECUTE reset_plans" not in finding.instead
    assert "EXECUTE" in finding.instead  # says why, and what to batch instead
    # the batch, written from the prepared statement's own text
    assert "UPDATE accounts SET plan = 'free' WHERE id IN (SELECT id FROM accounts" in \
        finding.instead


def test_a_batch_directive_on_an_execute_does_not_silence_unbatched_backfill() -> None:
    report = lint("PREPARE reset_plans AS UPDATE accounts SET plan = 'free';\n"
                  "-- lockwise: batch size=5000 sleep=50\n"
                  "EXECUTE reset_plans;")[-1]
    assert "unbatched-backfill" in rules_of(report, 1)
    written = lint("-- lockwise: batch size=5000 sleep=50\n"
                   "UPDATE accounts SET plan = 'free';")[-1]
    assert "unbatched-backfill" not in rules_of(written, 0)


def test_apply_cannot_batch_an_execute() -> None:
    from lockwise.executor.batches import BatchError, _target

    with pytest.raises(BatchError, match="only UPDATE and DELETE"):
        _target("EXECUTE reset_plans")


def test_create_table_as_execute_reads_the_prepared_query_and_makes_its_table() -> None:
    report, catalog = lint_replayed(
        "PREPARE p (text) AS SELECT id, plan FROM accounts WHERE plan <> $1;\n"
        "CREATE TABLE copied AS EXECUTE p ('free');")
    effect = report.statements[1].effect
    assert effect.locks["public.accounts"] == LockMode.ACCESS_SHARE  # (pg_locks: the oracle)
    assert "public.accounts" in effect.scans
    assert "table:public.copied" in effect.creates
    assert list(catalog.tables["public.copied"].columns) == ["id", "plan"]


@pytest.mark.parametrize("with_lint", [False, True])
def test_the_graph_follows_what_an_execute_runs(with_lint: bool) -> None:
    # `lockwise graph` alone computes the effects itself: it follows the file's PREPAREs as
    # lint does, and replays the statement an EXECUTE runs (a SELECT INTO makes its table).
    from lockwise.graph.build import build_graph

    history = [migration_from_text(sql, f"{i + 1:04}_m.sql") for i, sql in enumerate([
        SETUP,
        "PREPARE p AS SELECT id INTO copied FROM accounts;\nEXECUTE p;",
        "ALTER TABLE copied ADD COLUMN b int;"])]
    reports = lint_migrations(history, LintOptions(), Catalog()) if with_lint else ()
    graph = build_graph(history, reports=reports)
    assert graph.edges[("0002_m", "0003_m")]["created-by"] == ["table:public.copied"]
    assert graph.edges[("0001_m", "0002_m")]["created-by"] == ["table:public.accounts"]
    assert not graph.conflicts


def test_create_table_as_execute_of_an_update_runs_nothing_and_makes_nothing() -> None:
    # (checked on 18.6: "prepared statement is not a SELECT", 42809; no table made, no row
    # changed: test_the_server_refuses_them_so)
    report, catalog = lint_replayed("PREPARE p AS UPDATE accounts SET plan = 'free';\n"
                                    "CREATE TABLE copied AS EXECUTE p;")
    (finding,) = [f for f in report.statements[1].findings
                  if f.rule == "prepared-statement-not-select"]
    assert "prepared statement is not a SELECT" in finding.message
    assert "statement 1" in finding.message  # the PREPARE that made it
    assert "unbatched-backfill" not in rules_of(report, 1)
    assert not report.statements[1].effect.writes
    assert "public.copied" not in catalog.tables


def test_create_table_as_execute_of_a_name_taken_is_refused_for_the_name_first() -> None:
    # (checked on 18.6: the name is looked at first, 42P07 "already exists")
    report = lint("PREPARE p AS DELETE FROM accounts;\n"
                  "CREATE TABLE accounts AS EXECUTE p;")[-1]
    found = rules_of(report, 1)
    assert "object-already-exists" in found
    assert "prepared-statement-not-select" not in found


@pytest.mark.postgres
def test_the_server_looks_at_the_name_before_the_prepared_statement(pg_db: str) -> None:
    # checked on 18.6
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute("PREPARE p AS DELETE FROM accounts")
        with pytest.raises(psycopg.errors.DuplicateTable):
            conn.execute("CREATE TABLE accounts AS EXECUTE p")



#: CREATE TABLE ... AS EXECUTE whose new table's name is taken: refused (42P07) or skipped
#: (IF NOT EXISTS) before the prepared statement is looked at, so its relations are neither
#: locked nor read (checked on 18.6 below, by pg_locks); with the name free, they are.
NAME_TAKEN = [("CREATE TABLE taken AS EXECUTE p", False),
              ("CREATE TABLE IF NOT EXISTS taken AS EXECUTE p", False),
              ("CREATE TABLE fresh AS EXECUTE p", True)]


@pytest.mark.parametrize(("create", "reads"), NAME_TAKEN)
def test_create_table_as_execute_of_a_name_taken_locks_nothing_the_statement_reads(
        create: str, reads: bool) -> None:
    report = lint("CREATE TABLE taken (x int);\n"
                  f"PREPARE p AS SELECT id, plan FROM accounts;\n{create};")[-1]
    effect = report.statements[2].effect
    assert ("public.accounts" in effect.locks) == reads, effect.locks
    assert ("public.accounts" in effect.scans) == reads


@pytest.mark.postgres
def test_the_server_locks_nothing_of_a_prepared_statement_for_a_name_taken(
        pg_server: str) -> None:
    # checked on 18.6
    import psycopg

    from lockwise.db.scratch import create_database

    for i, (create, reads) in enumerate(NAME_TAKEN):
        uri = create_database(pg_server, f"name_taken_{i}")
        with psycopg.connect(uri, autocommit=True) as conn, \
                psycopg.connect(uri, autocommit=True) as watcher:
            conn.execute(SETUP)
            conn.execute("CREATE TABLE taken (x int)")
            conn.execute("PREPARE p AS SELECT id, plan FROM accounts")
            conn.execute("BEGIN")
            with suppress(psycopg.errors.DuplicateTable):
                conn.execute(create)
            # (seen from another session: a refused statement leaves its transaction failed,
            # holding what it locked until the ROLLBACK)
            locked = watcher.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = %s "
                "AND relation = 'public.accounts'::regclass", (conn.info.backend_pid,)
            ).fetchone()
            conn.execute("ROLLBACK")
        assert bool(locked and locked[0]) == reads, create


#: What runs between `SET search_path = app, public; PREPARE p AS UPDATE accounts ...` and
#: `EXECUTE p` (`before`: ahead of the SET), and the schema of the accounts table the EXECUTE
#: updates (checked on 18.6 below, by pg_locks): PREPARE binds the statement to the relations
#: it found; a table made later earlier in the path is not seen, until something has the
#: server analyze the statement again by its names (a change to a relation it opened, another
#: search_path, a schema of the path made since), and an EXECUTE then binds it anew.
BINDING = [
    # bound to what PREPARE found
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)"], "public"),
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)",
          "COMMENT ON TABLE public.accounts IS 'x'"], "public"),
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)",
          "SET search_path = app, public"], "public"),
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)",
          "BEGIN", "LOCK TABLE public.accounts IN ACCESS EXCLUSIVE MODE", "COMMIT"], "public"),
    # analyzed again by its names
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)",
          "ALTER TABLE public.accounts ADD COLUMN note text"], "app"),
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)", "ANALYZE public.accounts"],
     "app"),
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)",
          "CREATE INDEX ON public.accounts (plan)"], "app"),
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)", "TRUNCATE public.accounts"],
     "app"),
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)",
          "GRANT SELECT ON public.accounts TO PUBLIC"], "app"),
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)", "SET search_path = app"], "app"),
    (["DROP SCHEMA app"], ["CREATE SCHEMA app", "CREATE TABLE app.accounts (id bigint, plan text)"],
     "app"),
    # the session's first temporary object makes its temporary schema, which joins the
    # path: analyzed again; once it is there, another temporary object changes nothing
    ([], ["CREATE TABLE app.accounts (id bigint, plan text)", "CREATE TEMP TABLE scratch (x int)"],
     "app"),
    (["CREATE TEMP TABLE scratch (x int)"], ["CREATE TABLE app.accounts (id bigint, plan text)",
                                             "CREATE TEMP TABLE other (x int)"], "public"),
    (["CREATE TEMP SEQUENCE scratch"], ["CREATE TABLE app.accounts (id bigint, plan text)",
                                        "CREATE TEMP TABLE other (x int)"], "public"),
    (["CREATE TEMP TABLE scratch (x int)", "DROP TABLE scratch"],
     ["CREATE TABLE app.accounts (id bigint, plan text)", "CREATE TEMP TABLE other (x int)"],
     "public"),
    # (a ROLLBACK undoes the schema the transaction made, and the next one makes it again)
    (["BEGIN", "CREATE TEMP TABLE scratch (x int)", "ROLLBACK"],
     ["CREATE TABLE app.accounts (id bigint, plan text)", "CREATE TEMP TABLE other (x int)"],
     "app"),
    (["BEGIN", "SAVEPOINT s", "CREATE TEMP TABLE scratch (x int)", "ROLLBACK TO SAVEPOINT s",
      "COMMIT"],
     ["CREATE TABLE app.accounts (id bigint, plan text)", "CREATE TEMP TABLE other (x int)"],
     "app"),
    (["BEGIN", "SAVEPOINT s", "CREATE TEMP TABLE scratch (x int)", "RELEASE SAVEPOINT s",
      "COMMIT"],
     ["CREATE TABLE app.accounts (id bigint, plan text)", "CREATE TEMP TABLE other (x int)"],
     "public"),
    # analyzed again, and bound anew by the EXECUTE that did
    ([], ["ALTER TABLE public.accounts ADD COLUMN note text", "EXECUTE p",
          "CREATE TABLE app.accounts (id bigint, plan text)"], "public"),
]


def _binding_statements(before: list[str], after: list[str]) -> list[str]:
    return ["CREATE SCHEMA app", *before, "SET search_path = app, public",
            "PREPARE p AS UPDATE accounts SET plan = 'free'", *after, "EXECUTE p"]


@pytest.mark.parametrize(("before", "after", "schema"), BINDING)
def test_an_execute_updates_the_table_its_prepare_bound(before: list[str], after: list[str],
                                                          schema: str) -> None:
    statements = _binding_statements(before, after)
    report = lint(";\n".join(statements) + ";")[-1]
    effect = report.statements[len(statements) - 1].effect
    assert effect.locks.get(f"{schema}.accounts") == LockMode.ROW_EXCLUSIVE, effect.locks
    other = "app" if schema == "public" else "public"
    assert f"{other}.accounts" not in effect.locks
    # a whole-table UPDATE of the table there before is a backfill; of the new one, none
    assert ("unbatched-backfill" in rules_of(report, len(statements) - 1)) == \
        (schema == "public")


@pytest.mark.postgres
def test_the_server_updates_the_table_its_prepare_bound(pg_server: str) -> None:
    # checked on 18.6
    import psycopg

    from lockwise.db.scratch import create_database

    for i, (before, after, schema) in enumerate(BINDING):
        uri = create_database(pg_server, f"binding_{i}")
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute(SETUP)
            *statements, last = _binding_statements(before, after)
            for sql in statements:
                conn.execute(sql)
            conn.execute("BEGIN")
            conn.execute(last)
            locked = conn.execute(
                "SELECT n.nspname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid()"
                " AND c.relname = 'accounts'").fetchall()
            conn.execute("ROLLBACK")
        assert locked == [(schema,)], (before, after)


#: A procedure whose body makes a temporary table whenever it runs.
MAKES_SCRATCH = ("CREATE PROCEDURE mk() LANGUAGE plpgsql AS $$ BEGIN"
                 " CREATE TEMP TABLE scratch (x int); END $$")

#: A function whose body makes a temporary table whenever it runs.
SCRATCH_FUNCTION = ("CREATE FUNCTION mkf() RETURNS int LANGUAGE plpgsql AS $$ BEGIN"
                    " CREATE TEMP TABLE scratch (x int); RETURN 1; END $$")

#: Statements of a migration under the default search_path, ending in `EXECUTE p`, and the
#: schema of the accounts table it updates (checked on 18.6 below, by pg_locks): the
#: temporary schema is searched first, and the session's first temporary object makes it,
#: which has the server analyze the prepared statement again; once it is there, a temporary
#: table made later under the name is not seen.
DEFAULT_PATH = [
    (["PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    (["CREATE TEMP TABLE scratch (x int)", "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["CREATE TEMP VIEW scratch AS SELECT 1", "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    # (the EXECUTE that analyzed it again binds it anew)
    (["PREPARE p AS UPDATE accounts SET plan = 'free'", "CREATE TEMP TABLE scratch (x int)",
      "EXECUTE p", "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    # DISCARD TEMP and DISCARD ALL drop the temporary objects, not the temporary schema:
    # a temporary object made after them changes no resolution either
    (["CREATE TEMP TABLE scratch (x int)", "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "DISCARD TEMP", "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["CREATE TEMP TABLE scratch (x int)", "DISCARD ALL",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    # the temporary table a statement was bound to, dropped by DISCARD: analyzed again
    (["CREATE TEMP TABLE accounts (id bigint, plan text)",
      "PREPARE p AS UPDATE accounts SET plan = 'free'", "DISCARD TEMP"], "public"),
    (["CREATE TEMP TABLE accounts (id bigint, plan text)",
      "PREPARE p AS UPDATE accounts SET plan = 'free'", "DISCARD TEMP",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    # a DO block that makes a temporary object whenever it runs makes the temporary schema
    # too (dropped again in the block, the schema stays); one in a branch that may not run
    # is not counted, and a ROLLBACK (TO SAVEPOINT) undoes the block's schema
    (["DO $$ BEGIN CREATE TEMP TABLE scratch (x int); END $$",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["PREPARE p AS UPDATE accounts SET plan = 'free'",
      "DO $$ BEGIN CREATE TEMP TABLE scratch (x int); END $$",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    (["PREPARE p AS UPDATE accounts SET plan = 'free'",
      "DO $$ BEGIN CREATE TEMP TABLE scratch (x int); END $$", "EXECUTE p",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["DO $$ BEGIN CREATE TEMP VIEW scratch AS SELECT 1; END $$",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["DO $$ BEGIN CREATE TEMP SEQUENCE scratch; END $$",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["DO $$ BEGIN CREATE TABLE pg_temp.scratch (x int); DROP TABLE scratch; END $$",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["DO $$ BEGIN IF false THEN CREATE TEMP TABLE scratch (x int); END IF; END $$",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    (["BEGIN", "DO $$ BEGIN CREATE TEMP TABLE scratch (x int); END $$", "ROLLBACK",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    (["BEGIN", "SAVEPOINT s", "DO $$ BEGIN CREATE TEMP TABLE scratch (x int); END $$",
      "ROLLBACK TO SAVEPOINT s", "COMMIT", "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    (["BEGIN", "DO $$ BEGIN CREATE TEMP TABLE scratch (x int); END $$", "COMMIT",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    # so does a procedure or function the migration calls, when the call runs its body for
    # sure (CALL, a SELECT of the call alone) and the body makes one whenever it runs
    ([MAKES_SCRATCH, "CALL mk()", "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    ([MAKES_SCRATCH, "PREPARE p AS UPDATE accounts SET plan = 'free'", "CALL mk()",
      "EXECUTE p", "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["CREATE FUNCTION mk() RETURNS int LANGUAGE plpgsql AS $$ BEGIN"
      " CREATE TEMP TABLE scratch (x int); RETURN 1; END $$", "SELECT mk()",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["CREATE FUNCTION mk() RETURNS int LANGUAGE sql AS $$ CREATE TEMP TABLE scratch (x int);"
      " SELECT 1 $$", "SELECT mk()", "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "public"),
    (["CREATE PROCEDURE mk() LANGUAGE plpgsql AS $$ BEGIN IF false THEN"
      " CREATE TEMP TABLE scratch (x int); END IF; END $$", "CALL mk()",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    (["CREATE FUNCTION mk() RETURNS int LANGUAGE plpgsql AS $$ BEGIN"
      " CREATE TEMP TABLE scratch (x int); RETURN 1; END $$",
      "SELECT mk() FROM accounts WHERE false", "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    (["BEGIN", MAKES_SCRATCH, "CALL mk()", "ROLLBACK",
      "PREPARE p AS UPDATE accounts SET plan = 'free'",
      "CREATE TEMP TABLE accounts (id bigint, plan text)"], "pg_temp"),
    # and a call of such a routine that runs for sure from a DO block or from another
    # routine's body, however deep (CALL, PERFORM f(), `v := f()`, a SQL body's SELECT f());
    # not one in a branch that may not run, nor a PERFORM whose rows may not call it
    *(([*routines, run, "PREPARE p AS UPDATE accounts SET plan = 'free'",
        "CREATE TEMP TABLE accounts (id bigint, plan text)"], schema)
      for routines, run, schema in [
          ([MAKES_SCRATCH], "DO $$ BEGIN CALL mk(); END $$", "public"),
          ([SCRATCH_FUNCTION], "DO $$ BEGIN PERFORM mkf(); END $$", "public"),
          ([SCRATCH_FUNCTION], "DO $$ DECLARE v int; BEGIN v := mkf(); END $$", "public"),
          ([SCRATCH_FUNCTION], "DO $$ BEGIN IF random() > 2 THEN PERFORM mkf(); END IF; END $$",
           "pg_temp"),
          ([SCRATCH_FUNCTION], "DO $$ BEGIN PERFORM mkf() FROM accounts WHERE false; END $$",
           "pg_temp"),
          ([SCRATCH_FUNCTION, "CREATE PROCEDURE outer_p() LANGUAGE plpgsql AS $$ BEGIN"
            " PERFORM mkf(); END $$"], "CALL outer_p()", "public"),
          ([MAKES_SCRATCH, "CREATE PROCEDURE outer_p() LANGUAGE plpgsql AS $$ BEGIN"
            " CALL mk(); END $$"], "CALL outer_p()", "public"),
          ([MAKES_SCRATCH, "CREATE PROCEDURE outer_p() LANGUAGE plpgsql AS $$ BEGIN"
            " IF random() > 2 THEN CALL mk(); END IF; END $$"], "CALL outer_p()", "pg_temp"),
          ([SCRATCH_FUNCTION, "CREATE FUNCTION outer_f() RETURNS int LANGUAGE sql AS"
            " $$ SELECT mkf() $$"], "SELECT outer_f()", "public"),
          ([SCRATCH_FUNCTION, "CREATE FUNCTION outer_f() RETURNS int LANGUAGE plpgsql AS"
            " $$ BEGIN RETURN mkf(); END $$"], "SELECT outer_f()", "public"),
          ([MAKES_SCRATCH,
            "CREATE PROCEDURE o2() LANGUAGE plpgsql AS $$ BEGIN CALL mk(); END $$",
            "CREATE PROCEDURE o3() LANGUAGE plpgsql AS $$ BEGIN CALL o2(); END $$"],
           "DO $$ BEGIN CALL o3(); END $$", "public"),
          # (a routine that calls itself, or two that call each other: followed no deeper
          # than routines.MAX_DEPTH)
          (["CREATE PROCEDURE r(n int) LANGUAGE plpgsql AS $$ BEGIN"
            "\n CREATE TEMP TABLE IF NOT EXISTS scratch (x int);"
            "\n IF n > 0 THEN CALL r(n - 1); END IF; END $$"], "CALL r(3)", "public"),
          (["CREATE PROCEDURE b(n int) LANGUAGE plpgsql AS $$ BEGIN"
            "\n IF n > 0 THEN CALL a(n - 1); END IF;"
            "\n CREATE TEMP TABLE IF NOT EXISTS scratch (x int); END $$",
            "CREATE PROCEDURE a(n int) LANGUAGE plpgsql AS $$ BEGIN CALL b(n); END $$"],
           "DO $$ BEGIN CALL a(4); END $$", "public"),
      ]),
]


@pytest.mark.parametrize(("statements", "schema"), DEFAULT_PATH)
def test_only_the_first_temporary_object_has_an_execute_analyzed_again(statements: list[str],
                                                                      schema: str) -> None:
    statements = [*statements, "EXECUTE p"]
    effect = lint(";\n".join(statements) + ";")[-1].statements[len(statements) - 1].effect
    # (a temporary table's lock is not shown: no other session waits on it)
    assert [a.facts["table"] for a in effect.actions if a.kind == "update"] == \
        [f"{schema}.accounts"]
    assert ("public.accounts" in effect.locks) == (schema == "public")


@pytest.mark.postgres
def test_the_server_analyzes_it_again_for_the_first_temporary_object_only(
        pg_server: str) -> None:
    # checked on 18.6
    import psycopg

    from lockwise.db.scratch import create_database

    for i, (statements, schema) in enumerate(DEFAULT_PATH):
        uri = create_database(pg_server, f"temporary_{i}")
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute(SETUP)
        with psycopg.connect(uri, autocommit=True) as conn:  # (a session with no pg_temp)
            for sql in statements:
                conn.execute(sql)
            conn.execute("BEGIN")
            conn.execute("EXECUTE p")
            locked = conn.execute(
                "SELECT n.nspname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid()"
                " AND c.relname = 'accounts'").fetchall()
            conn.execute("ROLLBACK")
        assert [("pg_temp" if n.startswith("pg_temp_") else n,) for n, in locked] == \
            [(schema,)], statements
