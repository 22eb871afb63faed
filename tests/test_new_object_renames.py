"""rename-object speaks of an object running code uses by name: a schema, type, domain,
function, procedure, aggregate or sequence. One the same migration, or the same DO block,
created is used by nothing yet (a DO block is one transaction: no other session ever sees its
old name), so its rename breaks nothing; one that was there before, replaced (CREATE OR
REPLACE) or overloaded, keeps its callers, which the rename breaks."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE t (id bigint PRIMARY KEY);\n"


def do(body: str) -> str:
    return f"DO $$\nBEGIN\n{body}\nEND\n$$;\n"


def renames_reported(sql: str, setup: str = SETUP) -> list[str]:
    """The messages of rename-object's findings on `sql`, run after `setup`."""
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    report = lint_migrations(migrations, LintOptions(pg_version=18), Catalog())[-1]
    return [f.message for f in report.all_findings if f.rule == "rename-object"]


#: Each kind rename-object covers: made, then renamed, by the same statements.
MADE_THEN_RENAMED = [
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
    "ALTER FUNCTION f() RENAME TO g;",
    "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';\nALTER PROCEDURE p() RENAME TO q;",
    "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a';\n"
    "ALTER ROUTINE f RENAME TO g;",
    "CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int);\n"
    "ALTER AGGREGATE total(int) RENAME TO sum_of;",
    "CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood RENAME TO feeling;",
    "CREATE DOMAIN positive AS int CHECK (VALUE > 0);\nALTER DOMAIN positive RENAME TO pos;",
    "CREATE SCHEMA reporting;\nALTER SCHEMA reporting RENAME TO analytics;",
    "CREATE SEQUENCE numbers;\nALTER SEQUENCE numbers RENAME TO invoice_numbers;",
    # renamed twice: the second rename's old name is the first one's new name
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
    "ALTER FUNCTION f() RENAME TO g;\nALTER FUNCTION g() RENAME TO h;",
]


@pytest.mark.parametrize("body", MADE_THEN_RENAMED)
def test_a_do_block_renaming_what_it_made_breaks_nothing(body: str) -> None:
    assert renames_reported(do(body)) == []


@pytest.mark.parametrize("body", MADE_THEN_RENAMED)
def test_a_migration_renaming_what_it_made_breaks_nothing(body: str) -> None:
    assert renames_reported(f"BEGIN;\n{body}\nCOMMIT;\n") == []


#: What the setup made, renamed by a DO block or a migration (with the statements before the
#: rename that do not make it new): each rename is reported.
MADE_BEFORE = [
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
     "ALTER FUNCTION f() RENAME TO g;"),
    # replaced, not made: its callers are there
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
     "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';\n"
     "ALTER FUNCTION f() RENAME TO g;"),
    # an overload made beside the one renamed, which was there
    ("CREATE FUNCTION f(a text) RETURNS int LANGUAGE sql AS 'SELECT 1';",
     "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 2';\n"
     "ALTER FUNCTION f(text) RENAME TO g;"),
    ("CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';",
     "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 2';\n"
     "ALTER PROCEDURE p() RENAME TO q;"),
    # ALTER ROUTINE names a function or a procedure as well
    ("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a';",
     "ALTER ROUTINE f RENAME TO g;"),
    ("CREATE SCHEMA reporting;", "CREATE SCHEMA IF NOT EXISTS reporting;\n"
                                 "ALTER SCHEMA reporting RENAME TO analytics;"),
    ("CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int);",
     "ALTER AGGREGATE total(int) RENAME TO sum_of;"),
    ("CREATE SEQUENCE numbers;", "CREATE SEQUENCE IF NOT EXISTS numbers;\n"
                                 "ALTER SEQUENCE numbers RENAME TO invoice_numbers;"),
]


@pytest.mark.parametrize(("setup", "sql"), MADE_BEFORE)
def test_a_do_block_renaming_what_was_there_is_reported(setup: str, sql: str) -> None:
    assert len(renames_reported(do(sql), SETUP + setup)) == 1


@pytest.mark.parametrize(("setup", "sql"), MADE_BEFORE)
def test_a_migration_renaming_what_was_there_is_reported(setup: str, sql: str) -> None:
    assert len(renames_reported(f"BEGIN;\n{sql}\nCOMMIT;\n", SETUP + setup)) == 1


def test_a_routine_made_by_an_earlier_migration_is_not_new() -> None:
    setup = SETUP + do("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';")
    assert len(renames_reported(do("ALTER FUNCTION f() RENAME TO g;"), setup)) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("body", MADE_THEN_RENAMED)
def test_no_other_session_sees_the_old_name(pg_db: str, body: str) -> None:
    """(checked on 18.6) The block runs in one transaction: before it commits, another
    session finds neither name; after, only the new one. No running code ever used the old
    name."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn, \
            psycopg.connect(pg_db, autocommit=True) as other:
        conn.execute(SETUP)
        before = _names(other)
        conn.execute("BEGIN")
        conn.execute(do(body))
        assert _names(other) == before  # the block's transaction is not committed yet
        conn.execute("COMMIT")
        made = _names(other) - before
        assert made and not any(name in made for name in ("f", "p", "total", "mood",
                                                           "positive", "reporting",
                                                           "numbers"))


def _names(conn: object) -> set[str]:
    """The names of the routines, types, schemas and sequences of the database."""
    return {name for (name,) in conn.execute(  # type: ignore[attr-defined]
        "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
        "UNION SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace "
        "UNION SELECT nspname FROM pg_namespace "
        "UNION SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
    ).fetchall()}
