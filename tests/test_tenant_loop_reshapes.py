"""A DO block that repeats a change in every tenant's schema with dynamic SQL
(`EXECUTE format('ALTER TABLE %I.enrollments ...', s)`): what it runs is not read, but its
format strings name the table it changes. Only tables of that name (in any schema) become
unknown to the replay; the other tables stay known, and the checks that read their columns
speak again. A format string whose table is one of the values, or SQL built any other way,
still makes every table unknown. Compared with the embedded server (checked on 18.6)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import do_block_reshapes
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.postgres import parse_sql
from server_helpers import server_message

SETUP = ("CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
         "CREATE TABLE enrollments (id bigint PRIMARY KEY, note text);\n"
         "CREATE SCHEMA t1;\n"
         "CREATE TABLE t1.enrollments (id bigint PRIMARY KEY, note text);\n")

LOOP = ("DO $$ DECLARE s text; BEGIN\n"
        "  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname IN ('public', 't1') LOOP\n"
        "    EXECUTE {execute};\n"
        "  END LOOP;\n"
        "END $$;\n")

FORMAT = "format('ALTER TABLE %I.enrollments ADD COLUMN status text', s)"


def _findings(execute: str, sql: str) -> list[str]:
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(LOOP.format(execute=execute) + sql + ";",
                                                   "0002_tenants.sql")],
                              LintOptions(), Catalog())
    return [f.rule for s in reports[-1].statements if s.statement.index == 1
            for f in s.findings]


def _reshaped(execute: str) -> set[str]:
    catalog = Catalog()
    lint_migrations([migration_from_text(SETUP, "0001_setup.sql")], LintOptions(), catalog)
    tree = parse_sql(LOOP.format(execute=execute)).statements[0].tree
    return do_block_reshapes(catalog, tree["DoStmt"])


@pytest.mark.parametrize("execute", [
    FORMAT,
    # the format string dollar-quoted, or the text a concatenation
    "format($q$ALTER TABLE %I.enrollments ADD COLUMN status text$q$, s)",
    "'ALTER TABLE ' || quote_ident(s) || '.enrollments ADD COLUMN status text'",
])
def test_a_tenant_loop_leaves_unknown_only_the_tables_it_names(execute: str) -> None:
    assert _reshaped(execute) == {"public.enrollments", "t1.enrollments"}


@pytest.mark.parametrize("execute", [
    # the table is one of the values, or part of one
    "format('ALTER TABLE %I.%I ADD COLUMN status text', s, 'enrollments')",
    "format('ALTER TABLE %I ADD COLUMN status text', s || '_log')",
    # a command whose table is not in its text (an index's), SQL built otherwise
    "format('DROP INDEX %I.enrollments_pkey', s)",
    "lower(format('ALTER TABLE %I.enrollments ADD COLUMN status text', s))",
])
def test_sql_whose_tables_are_not_written_leaves_every_table_unknown(execute: str) -> None:
    assert _reshaped(execute) == {"*"}


def test_the_unrelated_tables_finding_comes_back() -> None:
    # (every table was unknown after the loop: no index known, no finding)
    assert "where-without-index" in _findings(FORMAT, "DELETE FROM accounts WHERE email = 'x'")


def test_a_table_the_loop_alters_stays_unknown(pg_db: str) -> None:
    sql = "ALTER TABLE enrollments ALTER COLUMN status SET NOT NULL"
    assert server_message(pg_db, SETUP + LOOP.format(execute=FORMAT), sql) == ""
    assert "object-missing" not in _findings(FORMAT, sql)


def test_a_column_the_loop_did_not_add_to_another_table_is_missing(pg_db: str) -> None:
    sql = "ALTER TABLE accounts ALTER COLUMN status SET NOT NULL"
    assert server_message(pg_db, SETUP + LOOP.format(execute=FORMAT), sql) == \
        'column "status" of relation "accounts" does not exist'
    assert "object-missing" in _findings(FORMAT, sql)
    # ... and when the loop's SQL could change any table, lockwise says nothing of it
    assert "object-missing" not in _findings(
        "format('ALTER TABLE %I.%I ADD COLUMN status text', s, 'enrollments')", sql)


#: A loop that only reads each tenant's rows (fix-small73).
COUNT = "format('SELECT count(*) FROM %I.enrollments', s)"


@pytest.mark.parametrize("execute", [
    COUNT,
    "format('SELECT count(*) FROM %I.enrollments WHERE note = %L', s, 'x')",
    # ... with a PL/pgSQL PERFORM beside it
    COUNT + "; PERFORM pg_catalog.pg_sleep(0)",
])
def test_a_loop_that_only_selects_reshapes_no_table(execute: str) -> None:
    assert _reshaped(execute) == set()


def test_a_create_table_as_reshapes_the_table_it_names() -> None:
    execute = "format('CREATE TABLE %I.enrollments AS SELECT * FROM accounts', s)"
    assert _reshaped(execute) == {"public.enrollments", "t1.enrollments"}


#: SELECT ... INTO a table, run by EXECUTE (fix-pg74).
SELECT_INTO = [
    "format('SELECT * INTO %I.enrollments_copy FROM accounts', s)",
    "format('SELECT * INTO %I.%I FROM accounts', s, 'enrollments_copy')",
    "'SELECT * INTO enrollments_copy FROM accounts'",
]


@pytest.mark.parametrize("execute", SELECT_INTO)
def test_a_select_into_a_table_run_by_execute_makes_no_table(pg_db: str,
                                                             execute: str) -> None:
    """EXECUTE refuses a SELECT ... INTO (checked on 18.6): the block stops, no table is
    made or changed, whichever table it names (into a table that exists, the SELECT INTO's
    own "already exists" comes first)."""
    assert server_message(pg_db, SETUP, LOOP.format(execute=execute)) == \
        "EXECUTE of SELECT ... INTO is not implemented"
    assert _reshaped(execute) == set()


def test_a_select_into_a_table_of_the_migration_itself_makes_it(pg_db: str) -> None:
    """The same statement written in the migration (no EXECUTE) makes its table (checked on
    18.6), new to the migration: rewriting it waits on no one. One EXECUTE ran made none:
    the table of that name is an older one, whose rewrite is reported."""
    sql = "ALTER TABLE enrollments_copy ADD COLUMN z int DEFAULT random()::int"
    made = "SELECT * INTO enrollments_copy FROM accounts;\n"
    assert server_message(pg_db, SETUP + made, sql) == ""
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(made + sql + ";", "0002_copy.sql")],
                              LintOptions(), Catalog())
    assert "add-column-volatile-default" not in [f.rule for r in reports
                                                 for f in r.all_findings]
    executed = f"DO $$ BEGIN EXECUTE {SELECT_INTO[2]}; END $$;\n"
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(executed + sql + ";", "0002_copy.sql")],
                              LintOptions(), Catalog())
    assert "add-column-volatile-default" in [f.rule for r in reports for f in r.all_findings]
    assert "add-column-volatile-default" in _findings(SELECT_INTO[2], sql)


@pytest.mark.parametrize("execute", [
    # a function that is not a built-in may run any DDL; a data-modifying WITH
    "format('SELECT %I.add_status()', s)",
    "format('SELECT add_status(%L)', s)",
    "format('WITH d AS (DELETE FROM %I.enrollments RETURNING id) SELECT count(*) FROM d', s)",
])
def test_a_select_that_may_do_more_leaves_every_table_unknown(execute: str) -> None:
    assert _reshaped(execute) == {"*"}


def test_after_a_selecting_loop_a_missing_column_is_said(pg_db: str) -> None:
    sql = "ALTER TABLE accounts ALTER COLUMN status SET NOT NULL"
    assert server_message(pg_db, SETUP + LOOP.format(execute=COUNT), sql) == \
        'column "status" of relation "accounts" does not exist'
    assert "object-missing" in _findings(COUNT, sql)
    assert "where-without-index" in _findings(COUNT, "DELETE FROM accounts WHERE email = 'x'")


def test_a_table_a_loop_makes_from_a_query_is_not_said_missing(pg_db: str) -> None:
    execute = "format('CREATE TABLE %I.enrollments_copy AS SELECT * FROM %I.enrollments', s, s)"
    sql = "ALTER TABLE enrollments_copy ALTER COLUMN note SET NOT NULL"
    assert server_message(pg_db, SETUP + LOOP.format(execute=execute), sql) == ""
    assert "object-missing" not in _findings(execute, sql)


def test_plpgsql_refuses_to_execute_a_select_into(pg_db: str) -> None:
    # (the table SELECT ... INTO names is taken as made all the same: it changes a shape)
    execute = "format('SELECT * INTO %I.enrollments_copy FROM %I.enrollments', s, s)"
    assert server_message(pg_db, SETUP, LOOP.format(execute=execute)) == \
        "EXECUTE of SELECT ... INTO is not implemented"
