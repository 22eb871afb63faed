"""A DO block that renames a table away, makes a new one under its name, fills it from the old
one and drops the old one (a table swap): the block locks the renamed table once, whatever it
is called when a later statement of the block takes its lock, and its findings point at the
statement that does what they say."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE a (id bigint PRIMARY KEY, v text);\n"

SWAP = """DO $$
BEGIN
  ALTER TABLE a RENAME TO a_old;
  CREATE TABLE a (id bigint PRIMARY KEY, v text);
  INSERT INTO a SELECT * FROM a_old;
  DROP TABLE a_old;
END
$$"""

#: The line of SWAP's INSERT ... SELECT, the one statement of it that reads a table.
INSERT_LINE = 5

ORDER = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
         "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]


def server_locks_by_name_before(uri: str, setup: str, sql: str) -> dict[str, str]:
    """The strongest lock `sql`, run in a transaction after `setup`, holds on each table of
    schema public that was there before it, named as it was before it ran."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        names = dict(conn.execute(
            "SELECT oid, 'public.' || relname FROM pg_class WHERE relkind IN ('r', 'p') "
            "AND relnamespace = 'public'::regnamespace").fetchall())
        conn.autocommit = False
        conn.execute(sql)
        rows = conn.execute("SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid() "
                            "AND relation IS NOT NULL").fetchall()
        conn.rollback()
    strongest: dict[str, str] = {}
    for oid, mode in rows:
        if oid in names and ORDER.index(mode) >= ORDER.index(strongest.get(names[oid], mode)):
            strongest[names[oid]] = mode
    return strongest


def test_the_renamed_table_is_locked_once_under_its_name_before_the_block() -> None:
    locks = {rel: mode.pg_name for rel, mode in effect_after(SETUP, SWAP).locks.items()}
    assert locks == {"public.a": "AccessExclusiveLock"}


@pytest.mark.postgres
def test_the_model_locks_what_the_server_locks(pg_db: str) -> None:
    """(checked on 18.6) The old table, renamed and dropped, holds ACCESS EXCLUSIVE: one
    relation; the new `a` no other session sees before the block commits."""
    locks = {rel: mode.pg_name for rel, mode in effect_after(SETUP, SWAP).locks.items()}
    assert locks == server_locks_by_name_before(pg_db, SETUP, SWAP)


def test_missing_statement_timeout_points_at_the_statement_that_reads() -> None:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(SWAP + ";\n", "0002_swap.sql")]
    (statement,) = lint_migrations(migrations, LintOptions(pg_version=18),
                                   Catalog())[-1].statements
    (finding,) = [f for f in statement.findings if f.rule == "missing-statement-timeout"]
    assert finding.span.line == INSERT_LINE
    # the table read, renamed a_old by then, under its name where the block first locks it
    assert "reads or rewrites public.a while holding ACCESS EXCLUSIVE on public.a," in \
        finding.message
