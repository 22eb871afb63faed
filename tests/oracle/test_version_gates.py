"""Version-gated facts of the effect model, taken from the PostgreSQL documentation.

The oracle (test_effect_oracle.py) can only check the server it runs (PostgreSQL 18); these
facts changed in earlier majors and are checked here on both sides of the version where they
changed. Each one is listed in docs/effect-model.md.
"""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.core.types import Effect, LockMode
from lockwise.effects.context import Context
from lockwise.effects.postgres import compute_effect
from lockwise.parse.postgres import parse_sql

L = LockMode


def effect(setup: str, sql: str, pg: int, **context: object) -> Effect:
    catalog = Catalog()
    for stmt in parse_sql(setup).statements:
        apply_statement(catalog, stmt.tree, "setup")
    (stmt,) = parse_sql(sql).statements
    return compute_effect(stmt.tree, Context(catalog=catalog, pg_version=pg, **context))


T = "CREATE TABLE t (id bigint PRIMARY KEY, n int, ts timestamp);"
PART = """
CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);
CREATE TABLE events_2025 (id bigint, day date);
"""


@pytest.mark.parametrize(("pg", "rewrites"), [(10, True), (11, False), (18, False)])
def test_constant_default_stops_rewriting_in_11(pg: int, rewrites: bool) -> None:
    eff = effect(T, "ALTER TABLE t ADD COLUMN c int DEFAULT 0", pg)
    assert ("public.t" in eff.rewrites) is rewrites


@pytest.mark.parametrize(("pg", "scans"), [(11, True), (12, False), (18, False)])
def test_validated_check_proves_not_null_from_12(pg: int, scans: bool) -> None:
    setup = T + "ALTER TABLE t ADD CONSTRAINT n_nn CHECK (n IS NOT NULL);"
    eff = effect(setup, "ALTER TABLE t ALTER COLUMN n SET NOT NULL", pg)
    assert ("public.t" in eff.scans) is scans


@pytest.mark.parametrize(("pg", "mode"), [(11, L.ACCESS_EXCLUSIVE),
                                          (12, L.SHARE_UPDATE_EXCLUSIVE)])
def test_attach_partition_locks_parent_less_from_12(pg: int, mode: LockMode) -> None:
    eff = effect(PART, "ALTER TABLE events ATTACH PARTITION events_2025 "
                       "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')", pg)
    assert eff.locks["public.events"] == mode
    assert eff.locks["public.events_2025"] == L.ACCESS_EXCLUSIVE


@pytest.mark.parametrize(("pg", "transactional"), [(11, False), (12, True)])
def test_enum_add_value_in_a_transaction_from_12(pg: int, transactional: bool) -> None:
    eff = effect("CREATE TYPE mood AS ENUM ('sad');", "ALTER TYPE mood ADD VALUE 'ok'", pg)
    assert eff.transactional is transactional


@pytest.mark.parametrize(("pg", "rewrites"), [(11, True), (12, False)])
def test_timestamptz_under_utc_stops_rewriting_in_12(pg: int, rewrites: bool) -> None:
    eff = effect(T, "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz", pg,
                 session_timezone_utc=True)
    assert ("public.t" in eff.rewrites) is rewrites


def test_timestamptz_rewrites_when_the_session_zone_is_not_known_to_be_utc() -> None:
    eff = effect(T, "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz", 18)
    assert "public.t" in eff.rewrites


def test_detach_concurrently_is_not_transactional() -> None:
    eff = effect(PART + "ALTER TABLE events ATTACH PARTITION events_2025 "
                        "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
                 "ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY", 14)
    assert not eff.transactional
    assert eff.locks["public.events"] == L.SHARE_UPDATE_EXCLUSIVE


@pytest.mark.parametrize(("pg", "rewrites"), [(16, True), (17, False)])
def test_set_access_method_to_the_current_one(pg: int, rewrites: bool) -> None:
    eff = effect(T, "ALTER TABLE t SET ACCESS METHOD heap", pg)
    assert ("public.t" in eff.rewrites) is rewrites


FK_NOT_ENFORCED = """
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE other (id bigint, parent_id bigint);
ALTER TABLE other ADD CONSTRAINT op FOREIGN KEY (parent_id) REFERENCES parent (id) NOT ENFORCED;
"""


@pytest.mark.parametrize(("pg", "reaches_parent"), [(17, False), (18, True)])
def test_enforcing_a_foreign_key_validates_it_from_18(pg: int, reaches_parent: bool) -> None:
    eff = effect(FK_NOT_ENFORCED, "ALTER TABLE other ALTER CONSTRAINT op ENFORCED", pg)
    assert ("public.parent" in eff.locks) is reaches_parent
    assert ("public.other" in eff.scans) is reaches_parent


def test_enforcing_an_enforced_foreign_key_changes_nothing() -> None:
    setup = FK_NOT_ENFORCED + "ALTER TABLE other ALTER CONSTRAINT op ENFORCED;"
    eff = effect(setup, "ALTER TABLE other ALTER CONSTRAINT op ENFORCED", 18)
    assert set(eff.locks) == {"public.other"} and not eff.scans
    eff = effect(setup, "ALTER TABLE other ALTER CONSTRAINT op NOT ENFORCED", 18)
    assert eff.locks["public.parent"] == L.ACCESS_EXCLUSIVE


INH = "CREATE TABLE base (id int); CREATE TABLE sub () INHERITS (base);"


@pytest.mark.parametrize(("pg", "reaches_child"), [(17, False), (18, True)])
def test_vacuum_processes_inheritance_children_from_18(pg: int, reaches_child: bool) -> None:
    eff = effect(INH, "VACUUM FULL base", pg)
    assert ("public.sub" in eff.locks) is reaches_child
    assert ("public.sub" in eff.rewrites) is reaches_child
    assert "public.base" in eff.rewrites


@pytest.mark.parametrize(("pg", "mode"), [(17, L.ACCESS_SHARE), (18, L.SHARE_UPDATE_EXCLUSIVE)])
def test_analyze_of_an_inheritance_parent_analyzes_its_children_from_18(
        pg: int, mode: LockMode) -> None:
    # Before 18 the children are only sampled for the parent's inherited statistics.
    eff = effect(INH, "ANALYZE base", pg)
    assert eff.locks["public.sub"] == mode
    assert eff.locks["public.base"] == L.SHARE_UPDATE_EXCLUSIVE


@pytest.mark.parametrize(("pg", "reached"), [(13, False), (14, True)])
@pytest.mark.parametrize("sql", ["REINDEX TABLE events", "REINDEX TABLE CONCURRENTLY events"])
def test_reindex_of_a_partitioned_table_is_skipped_before_14(pg: int, reached: bool,
                                                             sql: str) -> None:
    """Before 14, REINDEX TABLE of a partitioned table warns "REINDEX of partitioned tables
    is not yet implemented, skipping" and does nothing: no partition locked or read, and a
    plain one runs in a transaction block; from 14 each partition is reindexed in turn."""
    setup = PART + ("CREATE INDEX ON events (day);"
                    "ALTER TABLE events ATTACH PARTITION events_2025 "
                    "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');")
    eff = effect(setup, sql, pg)
    assert ("public.events_2025" in eff.locks) is reached
    assert ("public.events_2025" in eff.scans) is reached
    if "CONCURRENTLY" not in sql:
        assert eff.transactional is not reached
