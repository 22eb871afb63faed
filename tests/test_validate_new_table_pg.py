"""VALIDATE CONSTRAINT of a constraint added NOT VALID to a table made in the same transaction,
checked on the embedded server (fix-precision42). `supabase db diff` writes every new table's
foreign keys so: `create table`, then `add constraint ... not valid` and `validate constraint`
in the same file, which the CLI runs as one transaction. The new table has no row to check,
and the referenced table's SHARE ROW EXCLUSIVE lock is the ADD CONSTRAINT's, held until the
commit with or without the VALIDATE: validate-in-same-transaction says nothing then. Filled
from an older table, the new table's rows are each looked up in the referenced table while its
writes wait: reported, as for a table that was there.
"""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import rows_read

pytestmark = pytest.mark.postgres

RULE = "validate-in-same-transaction"
SETUP = "CREATE TABLE users (id int PRIMARY KEY, name text);\n"
USERS = "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100000) g"
NEW = "CREATE TABLE apps (id int PRIMARY KEY, created_by int)"
FILL = "INSERT INTO apps SELECT id, id FROM users"
ADD = ("ALTER TABLE apps ADD CONSTRAINT apps_created_by_fkey FOREIGN KEY (created_by) "
       "REFERENCES users (id) NOT VALID")
VALIDATE = "ALTER TABLE apps VALIDATE CONSTRAINT apps_created_by_fkey"


def _rules(sql: str, setup: str = "") -> set[str]:
    migrations = [migration_from_text(SETUP + setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=18, assume_in_transaction=True)
    reports = lint_migrations(migrations, options, Catalog())
    return {f.rule for f in reports[-1].all_findings}


def _users_locks(conn, pid: int) -> set[str]:
    return {mode for (mode,) in conn.execute(
        "SELECT l.mode FROM pg_locks l WHERE l.pid = %s AND l.granted "
        "AND l.relation = 'users'::regclass", (pid,)).fetchall()}


def _validate(pg_db: str, fill: bool) -> tuple[int, set[str], set[str]]:
    """The rows of apps the VALIDATE reads, the locks on users held before it, and those it
    adds; checks that writes to users wait from the ADD CONSTRAINT on."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as admin, psycopg.connect(pg_db) as tx, \
            psycopg.connect(pg_db, autocommit=True) as other:
        pid = tx.execute("SELECT pg_backend_pid()").fetchone()[0]
        tx.execute(NEW)
        if fill:
            tx.execute(FILL)
        tx.execute(ADD)
        other.execute("SET lock_timeout = '100ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("INSERT INTO users VALUES (0, 'x')")
        before = _users_locks(admin, pid)
        read = rows_read(tx, "apps")
        tx.execute(VALIDATE)
        rows = rows_read(tx, "apps") - read
        added = _users_locks(admin, pid) - before
        tx.rollback()
    return rows, before, added


def test_validating_a_new_tables_foreign_key_reads_no_row_and_adds_no_wait(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as admin:
        admin.execute(SETUP + USERS)
    rows, before, added = _validate(pg_db, fill=False)
    # The ADD CONSTRAINT's lock makes the writes wait, until the commit, VALIDATE or not.
    assert "ShareRowExclusiveLock" in before
    assert added <= {"RowShareLock"}  # weaker than the one held: it waits for no one
    filled_rows, _, _ = _validate(pg_db, fill=True)
    assert rows == 0 and filled_rows >= 100000  # each of the filled table's rows is looked up
    assert RULE not in _rules(f"{NEW};\n{ADD};\n{VALIDATE};")
    assert RULE in _rules(f"{NEW};\n{FILL};\n{ADD};\n{VALIDATE};")
    # A table that was there before the migration: reported as before.
    assert RULE in _rules(f"{ADD};\n{VALIDATE};", setup=f"{NEW};\n")
