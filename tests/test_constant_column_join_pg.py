"""An UPDATE ... FROM joined on a column of its own table that the same migration just added
with a constant default: every row holds that one value, so the join matches every row or
none (hyperswitch's `2023-01-20-113235_add_attempt_id_to_payment_intent`). Checked on the
embedded server; lint says so, as a likely mistake (fix-precision41)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE intents (id bigint PRIMARY KEY, payment_id text);\n"
         "CREATE TABLE attempts (attempt_id text, payment_id text);\n")
ADD = "ALTER TABLE intents ADD COLUMN active_attempt_id text NOT NULL DEFAULT 'xxx';\n"
JOIN = ("UPDATE intents SET active_attempt_id = attempts.attempt_id FROM attempts "
        "WHERE intents.active_attempt_id = attempts.payment_id;")


def _findings(sql: str) -> list[tuple[str, str]]:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(pg_version=18), Catalog())
    return [(f.rule, f.message) for f in reports[-1].all_findings
            if f.rule == "unbatched-backfill"]


@pytest.mark.postgres
def test_a_join_on_a_just_added_constant_column_updates_every_row_or_none(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + "INSERT INTO intents SELECT g, 'p' || g FROM generate_series(1, "
                     "1000) g; INSERT INTO attempts SELECT 'a' || g, 'p' || g FROM "
                     "generate_series(1, 1000) g;")
        conn.execute(ADD)
        updated = []
        for extra in ("", "INSERT INTO attempts VALUES ('a0', 'xxx')"):
            if extra:
                conn.execute(extra)
            with conn.transaction():
                updated.append(conn.execute(JOIN).rowcount)
                raise psycopg.Rollback()
        assert updated == [0, 1000]
    [(_, message)] = _findings(ADD + JOIN)
    assert "every row or none" in message and "intents.active_attempt_id" in message


def test_a_join_on_a_column_written_since_or_of_another_migration_is_no_constant() -> None:
    for sql in (ADD + "UPDATE intents SET active_attempt_id = payment_id;\n" + JOIN,
                JOIN.replace("active_attempt_id = attempts", "payment_id = attempts"),
                ADD.replace("'xxx'", "gen_random_uuid()::text") + JOIN):
        found = _findings(sql)
        assert found and all("every row or none" not in m for _, m in found), sql
    # In a migration of its own, code deployed in between may have written the column.
    assert all("every row or none" not in m for _, m in _findings(JOIN))


def test_a_join_that_also_matches_another_column_of_the_table_is_no_constant() -> None:
    sql = ADD + JOIN.replace(";", " AND intents.payment_id = attempts.payment_id;")
    assert all("every row or none" not in m for _, m in _findings(sql))
