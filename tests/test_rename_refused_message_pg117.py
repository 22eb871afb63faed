"""The message of rename-onto-taken-name quotes the server's own refusal where the effect
knows it (fix-pg117): ALTER FUNCTION / PROCEDURE / AGGREGATE ... RENAME TO a signature the
schema holds, held against the embedded server; the other renames keep "already exists"."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from server_helpers import server_message

_AGG = "(sfunc = int4pl, stype = int)"


def _message(setup: str, sql: str) -> str:
    """The message of the statement's rename-onto-taken-name finding, `setup` an earlier
    migration."""
    from lockwise.lint import lint_migrations
    from lockwise.options import LintOptions

    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql, "0002_rename.sql")],
                              LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    (found,) = [f for f in stmt.findings if f.rule == "rename-onto-taken-name"]
    return found.message


#: (the setup; a rename of a function, procedure or aggregate the server refuses).
ROUTINE_RENAMES = [
    ("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION g(int) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER FUNCTION f(int) RENAME TO g"),
    ("CREATE PROCEDURE p(int, text) LANGUAGE sql AS 'SELECT 1'; "
     "CREATE PROCEDURE q(int, text) LANGUAGE sql AS 'SELECT 2'",
     "ALTER PROCEDURE p(int, text) RENAME TO q"),
    (f"CREATE AGGREGATE a(int) {_AGG}; CREATE AGGREGATE b(int) {_AGG}",
     "ALTER AGGREGATE a(int) RENAME TO b"),
]


@pytest.mark.parametrize(("setup", "sql"), ROUTINE_RENAMES)
def test_a_routine_renamed_onto_a_taken_signature_is_told_with_the_servers_message(
        pg_db: str, setup: str, sql: str) -> None:
    said = server_message(pg_db, setup, sql)
    assert said.endswith('already exists in schema "public"')
    assert f'with "{said}" and the migration fails here' in _message(setup, sql)


#: (the setup; a rename of another kind onto a taken name, and what the server says).
OTHER_RENAMES = [
    ("CREATE TABLE a (id int); CREATE TABLE b (id int)", "ALTER TABLE a RENAME TO b",
     'relation "b" already exists'),
    ("CREATE TABLE a (x int, y int)", "ALTER TABLE a RENAME COLUMN x TO y",
     'column "y" of relation "a" already exists'),
    ("CREATE TYPE e AS ENUM ('a'); CREATE DOMAIN d AS int", "ALTER TYPE e RENAME TO d",
     'type "d" already exists'),
]


@pytest.mark.parametrize(("setup", "sql", "text"), OTHER_RENAMES)
def test_other_renames_keep_already_exists(pg_db: str, setup: str, sql: str,
                                           text: str) -> None:
    assert server_message(pg_db, setup, sql) == text
    assert 'with "already exists" and the migration fails here' in _message(setup, sql)
