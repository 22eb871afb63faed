"""The statements a DO block runs, read from its PL/pgSQL body."""

from __future__ import annotations

import pytest

from lockwise.effects.nodes import unwrap
from lockwise.parse.plpgsql import embedded_statements, embedded_steps, fully_read


def _kinds(body: str) -> list[str]:
    return [unwrap(e.tree)[0] for e in embedded_statements(body)]


def test_statements_in_branches_and_handlers_are_found_in_order() -> None:
    body = """
    DECLARE r record;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'c') THEN
        ALTER TABLE users ADD CONSTRAINT c UNIQUE (token);
      END IF;
      FOR r IN SELECT id FROM users LOOP
        UPDATE users SET n = 0 WHERE id = r.id;
      END LOOP;
      CREATE INDEX IF NOT EXISTS users_parent_idx ON users (parent);
    EXCEPTION WHEN duplicate_object THEN
      DELETE FROM audit;
    END"""
    assert _kinds(body) == ["AlterTableStmt", "UpdateStmt", "IndexStmt", "DeleteStmt"]


def test_execute_of_a_constant_is_read_and_of_a_computed_string_is_not() -> None:
    body = ("DECLARE t text := 'q'; BEGIN EXECUTE 'CREATE INDEX i ON t (a) WHERE b = ''y'''; "
            "EXECUTE format('DROP TABLE %I', t); EXECUTE 'DROP TABLE ' || t; END")
    trees = embedded_statements(body)
    assert [(sql, unwrap(tree)[0]) for sql, tree, _ in trees] == [
        ("CREATE INDEX i ON t (a) WHERE b = 'y'", "IndexStmt")]
    assert not fully_read(body)


@pytest.mark.parametrize(("call", "sql"), [
    ("format('DROP TABLE %I', 'q')", "DROP TABLE q"),
    ("format('ALTER TABLE %I ADD COLUMN %I text DEFAULT %L', 'Users', 'note', 'it''s')",
     """ALTER TABLE "Users" ADD COLUMN note text DEFAULT 'it''s'"""),
    ("FORMAT('ALTER TABLE %s SET (fillfactor = %s)', 'users', 70)",
     "ALTER TABLE users SET (fillfactor = 70)"),
    ("format('CREATE INDEX %2$I ON %1$I (id) -- 100%%', 'users', 'users_id')",
     "CREATE INDEX users_id ON users (id) -- 100%"),
    ("pg_catalog.format('ALTER TABLE users ALTER note SET DEFAULT %L', NULL)",
     "ALTER TABLE users ALTER note SET DEFAULT NULL"),
])
def test_execute_of_format_with_constant_arguments_is_read(call: str, sql: str) -> None:
    """format() of a constant format and constant arguments is known before the block runs:
    %I quotes a name as quote_ident does, %L a value as quote_literal (NULL unquoted), %s
    puts the text in, %% a percent sign, `n$` takes the n-th argument."""
    body = f"BEGIN EXECUTE {call}; END"
    assert [found for found, _, _ in embedded_statements(body)] == [sql]
    assert fully_read(body)


@pytest.mark.parametrize("call", [
    "format('DROP TABLE %I', name)",  # a variable
    "format('DROP TABLE %10I', 'q')",  # a width: not followed
    "format('DROP TABLE %I')",  # too few arguments: the server raises
    "format('DROP TABLE %I', NULL)",  # a NULL name: the server raises
    "format(template, 'q')",
])
def test_execute_of_format_not_known_before_it_runs(call: str) -> None:
    body = f"DECLARE name text; template text; BEGIN EXECUTE {call}; END"
    assert embedded_statements(body) == ()
    assert not fully_read(body)


@pytest.mark.parametrize("body", [
    "BEGIN RAISE NOTICE 'nothing to change'; END",  # no statement word: not even parsed
    "BEGIN ALTER TABLE ( END",  # a body PL/pgSQL rejects
    "BEGIN FOR r IN SELECT 1 LOOP UPDATE t SET a = 1; END LOOP; END",  # r undeclared
    "BEGIN EXECUTE 'ALTER TABLE ('; END",  # a constant that is not SQL
])
def test_bodies_without_known_statements(body: str) -> None:
    assert embedded_statements(body) == ()


def test_perform_and_call_are_read_for_the_routines_they_may_run() -> None:
    """A PL/pgSQL routine's body runs at its call (effects/postgres/routines.py): a block
    that only PERFORMs or CALLs is read, even where nothing else is."""
    assert [sql for sql, _, _ in embedded_statements("BEGIN PERFORM pg_sleep(0); END")] == [
        "SELECT pg_sleep(0)"]
    assert [sql for sql, _, _ in embedded_statements("BEGIN CALL p(); END")] == ["CALL p()"]


def test_perform_runs_its_query() -> None:
    """PERFORM runs a SELECT and throws its rows away: its locks (a table read, a sequence's
    nextval, a session-level advisory lock) are the block's."""
    assert [sql for sql, _, _ in embedded_statements(
        "BEGIN PERFORM pg_advisory_lock(1);\nUPDATE t SET a = 1; END")] == [
        "SELECT pg_advisory_lock(1)", "UPDATE t SET a = 1"]


def test_a_body_holding_the_quoting_tag_is_still_read() -> None:
    assert _kinds("BEGIN UPDATE t SET note = '$lockwise$'; END") == ["UpdateStmt"]


def test_findings_of_a_blocks_statements_point_at_them() -> None:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = migration_from_text("CREATE TABLE users (id bigint, token text, n int);",
                                "0001_users.sql")
    sql = ("SELECT 1;\n"
           "DO $$\nBEGIN\n  IF true THEN\n    CREATE INDEX users_token ON users (token);\n"
           "  END IF;\nEND $$;\n"
           "DO $$ BEGIN UPDATE users SET n = 0; END $$;\n")
    report = lint_migrations([setup, migration_from_text(sql, "0002_x.sql")],
                             LintOptions())[-1]
    where = {f.rule: (f.span.line, f.span.column) for f in report.all_findings}
    assert where["index-without-concurrently"] == (5, 5)
    assert where["unbatched-backfill"] == (8, 13)
    assert (report.statements[1].statement.span.line, report.statements[2].statement.span.line) \
        == (2, 8)  # the statements themselves stay where the blocks are


def test_steps_put_plpgsql_expressions_between_the_statements_as_selects() -> None:
    steps = embedded_steps("DECLARE v mood;\nBEGIN\n  ALTER TYPE mood ADD VALUE 'calm';\n"
                           "  v := 'calm';\n  IF v = 'calm'::mood THEN\n"
                           "    UPDATE people SET mood = v;\n  END IF;\nEND")
    assert [(step.sql, step.line, expression) for step, expression in steps] == [
        ("ALTER TYPE mood ADD VALUE 'calm'", 3, False), ("SELECT 'calm'", 4, True),
        ("SELECT v = 'calm'::mood", 5, True), ("UPDATE people SET mood = v", 6, False)]


def test_steps_read_declared_defaults_as_the_variables_type_where_each_block_starts() -> None:
    # PL/pgSQL sets a block's variables when the block is entered: before its statements,
    # after the statements of the enclosing block written before it.
    steps = embedded_steps("DECLARE\n  v CONSTANT mood NOT NULL := 'a';\n  n int;\n"
                           "  t public.mood DEFAULT $q$b$q$;\nBEGIN\n"
                           "  ALTER TYPE mood ADD VALUE 'c';\n  <<inner>>\n  DECLARE\n"
                           "    w orders.m%TYPE = 'c';\n    s text := f(1, ';');\n"
                           "  BEGIN\n    UPDATE people SET mood = w;\n  END;\nEND")
    assert [(step.sql, step.line, expression) for step, expression in steps] == [
        ("SELECT ('a')::mood", 2, True), ("SELECT ($q$b$q$)::public.mood", 4, True),
        ("ALTER TYPE mood ADD VALUE 'c'", 6, False), ("SELECT 'c'", 9, True),
        ("SELECT (f(1, ';'))::text", 10, True), ("UPDATE people SET mood = w", 12, False)]


def test_a_statement_format_makes_of_constants_is_linted() -> None:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = migration_from_text("CREATE TABLE users (id bigint, token text);", "0001_u.sql")
    sql = ("DO $$\nBEGIN\n  EXECUTE format('CREATE INDEX %I ON %I (token)', "
           "'users_token_idx', 'users');\nEND $$;\n")
    report = lint_migrations([setup, migration_from_text(sql, "0002_x.sql")],
                             LintOptions())[-1]
    where = {f.rule: (f.span.line, f.span.column) for f in report.all_findings}
    assert where["index-without-concurrently"] == (3, 3)
    assert "dynamic-sql-not-linted" not in where


@pytest.mark.parametrize(("body", "found"), [
    ("DECLARE t text; BEGIN\nEXECUTE 'ALTER TABLE ' || quote_ident(t) || ' ADD x int'; END",
     ((2, "'ALTER TABLE ' || quote_ident(t) || ' ADD x int'"),)),
    ("DECLARE r record; BEGIN FOR r IN SELECT relname FROM pg_class LOOP\n"
     "  EXECUTE format('ALTER TABLE %I SET (fillfactor = 70)', r.relname);\nEND LOOP; END",
     ((2, "format('ALTER TABLE %I SET (fillfactor = 70)', r.relname)"),)),
    ("DECLARE s text := 'TRUNCATE t'; BEGIN EXECUTE s; END", ((1, "s"),)),
    # queries: they change nothing
    ("DECLARE n int; t text; BEGIN EXECUTE format('SELECT count(*) FROM %I', t) INTO n; END",
     ()),
    ("DECLARE r record; t text; BEGIN FOR r IN EXECUTE 'SELECT * FROM ' || t LOOP END LOOP; "
     "END", ()),
    # known before it runs: linted as the statement it is
    ("BEGIN EXECUTE format('ALTER TABLE %I ADD x int', 'users'); END", ()),
])
def test_dynamic_sql_that_may_change_tables_is_found(body: str, found: tuple) -> None:
    from lockwise.parse.plpgsql import dynamic_sql

    assert dynamic_sql(body) == found
