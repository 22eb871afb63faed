"""LOCK TABLE on a view of pg_catalog locks the relations it reads, as the server lists them
(pg_roles: pg_authid and pg_db_role_setting); in ACCESS EXCLUSIVE mode on the catalogs a login
reads, no new connection gets in until the transaction ends: lock-blocks-logins (windmill's
first migrations lock pg_roles before CREATE ROLE, fix-precision44).
"""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

pytestmark = pytest.mark.postgres


def _report(sql: str):  # noqa: ANN202 (a lint report)
    reports = lint_migrations([migration_from_text(sql, "0001_lock.sql")],
                              LintOptions(pg_version=18, assume_in_transaction=True), Catalog())
    return reports[-1]


def _server_locks(pg_db: str, statement: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(pg_db) as tx:
        tx.execute(statement)
        # The lock's own mode only (the query's catalog lookups take ACCESS SHARE).
        mode = "ShareUpdateExclusiveLock"
        oids = [r[0] for r in tx.execute(
            "SELECT relation FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND locktype = 'relation' AND mode = %s", (mode,))]
        names = [r[0] for r in tx.execute(
            "SELECT 'pg_catalog.' || relname FROM pg_class WHERE oid = ANY(%s::oid[])",
            (oids,))]
        tx.rollback()
    return dict.fromkeys(names, mode)


@pytest.mark.parametrize("view", ["pg_roles", "pg_user", "pg_group", "pg_tables"])
def test_lock_of_a_system_view_locks_what_the_server_locks(pg_db: str, view: str) -> None:
    statement = f"LOCK TABLE pg_catalog.{view} IN SHARE UPDATE EXCLUSIVE MODE"
    predicted = {t: m.pg_name for t, m in _report(statement + ";").statements[0]
                 .effect.locks.items()}
    assert predicted == _server_locks(pg_db, statement)


@pytest.mark.parametrize(("statement", "logins_wait"), [
    ("LOCK TABLE pg_catalog.pg_roles", True),
    ("LOCK TABLE pg_catalog.pg_database IN ACCESS EXCLUSIVE MODE NOWAIT", True),
    ("LOCK TABLE pg_catalog.pg_roles IN EXCLUSIVE MODE", False),
])
def test_a_login_waits_while_a_login_catalog_is_locked_access_exclusive(
        pg_db: str, statement: str, logins_wait: bool) -> None:
    import psycopg

    with psycopg.connect(pg_db) as tx:
        tx.execute(statement)
        try:
            with psycopg.connect(pg_db, connect_timeout=1):
                got_in = True
        except psycopg.OperationalError:
            got_in = False
        tx.rollback()
    assert got_in is not logins_wait
    findings = {f.rule for f in _report(statement + ";").all_findings}
    assert ("lock-blocks-logins" in findings) is logins_wait
    locks = _report(statement + ";").statements[0].effect.locks
    assert (locks.get("pg_catalog.pg_authid") is LockMode.ACCESS_EXCLUSIVE) is (
        logins_wait and "pg_roles" in statement)
