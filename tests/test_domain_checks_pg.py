"""The CHECK constraints of domains, as the catalog keeps them (name, NOT VALID), against the
embedded PostgreSQL's pg_constraint after the same statements: unnamed ones named as the
server names them, renamed, dropped and validated."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, effect_after

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("setup", [
    "CREATE DOMAIN d AS int CHECK (VALUE > 0) CHECK (VALUE < 10)"
    " CONSTRAINT d_check2 CHECK (VALUE <> 5);"
    "ALTER DOMAIN d ADD CHECK (VALUE <> 6); ALTER DOMAIN d ADD CHECK (VALUE <> 7) NOT VALID;",
    "CREATE TABLE e_check (id int CONSTRAINT e_check CHECK (id > 0));"
    "CREATE DOMAIN e AS int CHECK (VALUE > 0);",
    "CREATE DOMAIN d AS int NOT NULL;"
    "ALTER DOMAIN d ADD CONSTRAINT pos CHECK (VALUE > 0) NOT VALID;"
    "ALTER DOMAIN d ADD CONSTRAINT small CHECK (VALUE < 9) NOT VALID;"
    "ALTER DOMAIN d VALIDATE CONSTRAINT pos; ALTER DOMAIN d RENAME CONSTRAINT small TO tiny;"
    "ALTER DOMAIN d DROP CONSTRAINT IF EXISTS nothing; ALTER DOMAIN d ADD CHECK (VALUE <> 3);",
    "CREATE SCHEMA app; CREATE DOMAIN app.d AS int CHECK (VALUE > 0);"
    "ALTER DOMAIN app.d RENAME CONSTRAINT d_check TO positive; ALTER DOMAIN app.d RENAME TO e;"
    "ALTER DOMAIN app.e ADD CHECK (VALUE < 100) NOT VALID;"
    "ALTER DOMAIN app.e DROP CONSTRAINT positive;"
    "ALTER DOMAIN app.e SET SCHEMA public; CREATE DOMAIN f AS e CHECK (VALUE <> 1);",
])
def test_domain_checks_match_server(pg_db: str, setup: str) -> None:
    import psycopg

    catalog = catalog_after(setup)
    with psycopg.connect(pg_db) as conn:
        conn.execute(setup)
        rows = conn.execute(
            "SELECT n.nspname || '.' || t.typname, c.conname, NOT c.convalidated "
            "FROM pg_constraint c JOIN pg_type t ON t.oid = c.contypid "
            "JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE c.contype = 'c' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY c.oid").fetchall()
    known = [(name, check.name, check.not_valid) for name, domain in catalog.domains.items()
             for check in domain.checks]
    assert sorted(known) == sorted(rows)


_CONTAINED = ("CREATE DOMAIN amount AS numeric; CREATE TABLE payments (id bigint, parts amount[]);"
              "ALTER DOMAIN amount ADD CHECK (VALUE > 0) NOT VALID;")


@pytest.mark.parametrize("sql", [
    "ALTER DOMAIN amount ADD CONSTRAINT below CHECK (VALUE < 1000)",
    "ALTER DOMAIN amount ADD CHECK (VALUE < 1000)",
    "ALTER DOMAIN amount SET NOT NULL",
    "ALTER DOMAIN amount VALIDATE CONSTRAINT amount_check",
])
def test_refused_domain_change_alternative_runs(pg_db: str, sql: str) -> None:
    """What alter-domain-in-container offers in place of a refused ALTER DOMAIN (`not_valid_sql`)
    runs after the same setup: a new constraint added NOT VALID under the name the statement
    would give it, and nothing added again for VALIDATE (the constraint stays NOT VALID)."""
    import psycopg

    (action,) = [a for a in effect_after(_CONTAINED, sql).actions if a.kind == "alter_domain"]
    assert action.facts["refused_by"]
    with psycopg.connect(pg_db) as conn:
        conn.execute(_CONTAINED)
        conn.execute(str(action.facts["not_valid_sql"]))
        names = {r[0] for r in conn.execute(
            "SELECT conname FROM pg_constraint WHERE contypid = 'amount'::regtype "
            "AND NOT convalidated").fetchall()}
    assert action.facts["constraint"] in names
