"""GRANT and REVOKE, checked on the embedded server (fix-small61): on a table, a view or a
sequence they take ACCESS SHARE, on a schema or a function no relation lock; ACCESS SHARE
waits for no query, write, VACUUM or index build of another session, only for its ACCESS
EXCLUSIVE (DDL); and, as every change to a relation's pg_class row, for another transaction
that changed that row: on a materialized view, a running REFRESH ... CONCURRENTLY. So after
an ACCESS EXCLUSIVE of the transaction, a GRANT on another table (not a materialized view)
neither queues behind another session's work nor runs long: lock-accumulation says nothing.
"""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

pytestmark = pytest.mark.postgres

#: (roles are the server's: made once, by whichever test runs first)
ROLE = "DO $$ BEGIN CREATE ROLE app; EXCEPTION WHEN duplicate_object THEN END $$;\n"
SETUP = ("CREATE SCHEMA s; CREATE TABLE accounts (id int);\n"
         "CREATE TABLE orders (id int, note text); INSERT INTO orders VALUES (1, 'a');\n"
         "CREATE SEQUENCE order_seq; CREATE VIEW order_notes AS SELECT note FROM orders;\n"
         "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
         "CREATE MATERIALIZED VIEW order_ids AS SELECT id FROM orders;\n"
         "CREATE UNIQUE INDEX order_ids_id ON order_ids (id);\n")

#: GRANT / REVOKE -> the relations it locks (ACCESS SHARE each)
GRANTS = {
    "GRANT SELECT ON orders TO app": {"orders"},
    "REVOKE SELECT ON orders FROM app": {"orders"},
    "GRANT SELECT (note) ON orders TO app": {"orders"},
    "GRANT SELECT ON orders, accounts TO app": {"orders", "accounts"},
    "GRANT SELECT ON order_notes TO app": {"order_notes"},
    "GRANT USAGE ON SEQUENCE order_seq TO app": {"order_seq"},
    "GRANT USAGE ON SCHEMA s TO app": set(),
    "GRANT EXECUTE ON FUNCTION one() TO app": set(),
    "GRANT SELECT ON ALL TABLES IN SCHEMA s TO app": set(),
    "GRANT SELECT ON order_ids TO app": {"order_ids"},
}

#: another session's open work on orders -> whether a GRANT on orders waits for it
HOLDERS = {
    "SELECT * FROM orders": False,
    "SELECT * FROM orders FOR UPDATE": False,
    "UPDATE orders SET note = 'b'": False,
    "CREATE INDEX ON orders (note)": False,
    "LOCK orders IN SHARE UPDATE EXCLUSIVE MODE": False,
    "LOCK orders IN EXCLUSIVE MODE": False,
    "LOCK orders IN ACCESS EXCLUSIVE MODE": True,
    "ALTER TABLE orders ADD COLUMN tag text": True,
}


def _grant_waits(pg_db: str, holder: str, grant: str) -> bool:
    """Whether `grant` waits (200 ms) while another session's open transaction ran `holder`."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as admin:
        admin.execute(ROLE + SETUP)
    with psycopg.connect(pg_db) as other, psycopg.connect(pg_db, autocommit=True) as conn:
        other.execute(holder)
        conn.execute("SET lock_timeout = '200ms'")
        try:
            conn.execute(grant)
            waited = False
        except psycopg.errors.LockNotAvailable:
            waited = True
        other.rollback()
    return waited


@pytest.mark.parametrize(("grant", "locked"), list(GRANTS.items()))
def test_grant_locks_what_the_server_locks(pg_db: str, grant: str, locked: set[str]) -> None:
    import psycopg

    from effect_helpers import effect_after

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(ROLE + SETUP)
        with conn.transaction():
            conn.execute(grant)
            held = set(conn.execute(
                "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = pg_backend_pid() AND c.relnamespace IN "
                "('public'::regnamespace, 's'::regnamespace)").fetchall())
    assert held == {(r, "AccessShareLock") for r in locked}
    locks = effect_after(SETUP, grant).locks
    assert locks == {f"public.{r}": LockMode.ACCESS_SHARE for r in locked}


@pytest.mark.parametrize(("holder", "waits"), list(HOLDERS.items()))
def test_a_grant_waits_only_for_another_sessions_access_exclusive(
        pg_db: str, holder: str, waits: bool) -> None:
    assert _grant_waits(pg_db, holder, "GRANT SELECT ON orders TO app") is waits


def test_a_grant_on_a_materialized_view_waits_for_its_concurrent_refresh(pg_db: str) -> None:
    # the refresh holds EXCLUSIVE, which ACCESS SHARE does not conflict with: the GRANT waits
    # for its transaction, which changed the view's pg_class row
    assert _grant_waits(pg_db, "REFRESH MATERIALIZED VIEW CONCURRENTLY order_ids",
                        "GRANT SELECT ON order_ids TO app")


def _rules(sql: str) -> set[str]:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=18, assume_in_transaction=True)
    reports = lint_migrations(migrations, options, Catalog())
    return {f.rule for f in reports[-1].all_findings}


@pytest.mark.parametrize("grant", [g for g, locked in GRANTS.items()
                                   if not locked & {"accounts", "order_ids"}])
def test_a_grant_after_an_access_exclusive_is_no_lock_accumulation(grant: str) -> None:
    sql = f"SET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN note text;\n{grant};"
    assert "lock-accumulation" not in _rules(sql)


def test_an_update_after_an_access_exclusive_is_still_lock_accumulation() -> None:
    sql = ("SET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN note text;\n"
           "UPDATE orders SET note = 'x' WHERE id = 1;")
    assert "lock-accumulation" in _rules(sql)


def test_a_grant_on_a_materialized_view_after_an_access_exclusive_is_lock_accumulation() -> None:
    sql = ("SET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN note text;\n"
           "GRANT SELECT ON order_ids TO app;")
    assert "lock-accumulation" in _rules(sql)


def test_a_query_reading_another_table_after_an_access_exclusive_is_still_lock_accumulation(
        ) -> None:
    # its ACCESS SHARE waits for no routine work, but it reads the whole table meanwhile
    sql = ("SET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN note text;\n"
           "UPDATE accounts SET note = 'x' WHERE id IN (SELECT id FROM orders);")
    assert "lock-accumulation" in _rules(sql)
