"""trigger-refreshes-matview's advice runs REFRESH ... CONCURRENTLY, which the server refuses
on a materialized view without a UNIQUE index on plain columns (55000, "Create a unique index
with no WHERE clause on one or more columns of the materialized view"): the advice builds that
index first when the migrations made none, and names the one they made otherwise."""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

VIEW = (
    "CREATE TABLE user_certs (user_id bigint, cert_id bigint);\n"
    "CREATE MATERIALIZED VIEW unlocked AS SELECT user_id, count(*) AS n FROM user_certs "
    "GROUP BY user_id;\n")
FUNCTION = (
    "CREATE FUNCTION refresh_unlocked() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n  REFRESH MATERIALIZED VIEW unlocked;\n  RETURN NULL;\nEND;\n$$;\n")
TRIGGER = ("CREATE TRIGGER certs_changed AFTER INSERT ON user_certs FOR EACH STATEMENT "
           "EXECUTE FUNCTION refresh_unlocked();")


def _advice(setup: str) -> str:
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(TRIGGER, "0002_trigger.sql")],
                              LintOptions(pg_version=18), Catalog())
    found = [f for f in reports[-1].all_findings if f.rule == "trigger-refreshes-matview"]
    assert len(found) == 1
    return found[0].instead


def test_a_view_without_a_unique_index_gets_one_built_before_the_concurrent_refresh() -> None:
    advice = _advice(VIEW + FUNCTION)
    index = advice.index("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS")
    assert "ON unlocked (unique_key_columns)" in advice
    assert index < advice.index("REFRESH MATERIALIZED VIEW CONCURRENTLY unlocked;")


def test_a_view_with_a_unique_index_is_refreshed_concurrently_without_another() -> None:
    advice = _advice(VIEW + "CREATE UNIQUE INDEX unlocked_user ON unlocked (user_id);\n"
                     + FUNCTION)
    assert "CREATE UNIQUE INDEX" not in advice
    assert "-- public.unlocked_user is the UNIQUE index CONCURRENTLY needs" in advice
    assert "REFRESH MATERIALIZED VIEW CONCURRENTLY unlocked;" in advice
