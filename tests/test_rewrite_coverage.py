"""No rewrite or full read of a live table under a lock that blocks its writes goes unjudged.

Rules are written for particular actions, so a statement whose action no rule names could
rewrite a big table under ACCESS EXCLUSIVE and be reported only for its missing lock_timeout.
Every statement whose facts the server vouches for (the oracle cases of
tests/oracle/test_effect_oracle.py) and every rule example is linted here as a migration on
tables that exist already: wherever the effect model says it rewrites or reads in full such a
table while holding SHARE or stronger on it, some finding at `requires-downtime` or worse must
name that table. No server is needed: the effect model's facts are what is judged.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode, Safety, StatementReport
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.rules.loader import load_rules

sys.path.insert(0, str(Path(__file__).parent / "oracle"))
from test_effect_oracle import CASES  # noqa: E402

#: The server version the oracle runs on: the facts of its cases are checked there.
PG_VERSION = 18

def _exempt(report: StatementReport, catalog: Catalog) -> set[str]:
    """Tables read under a write-blocking lock that are judged below `requires-downtime` on
    purpose. The table being attached as a partition (and its own partitions) is not part of
    the parent yet, so no query through the parent reaches it, and
    attach-partition-without-check already asks for the CHECK that skips its scan (a DEFAULT
    partition or a referenced table the same statement reads is a live one: not exempt).
    A table emptied earlier in the migration's transaction (TRUNCATE) has nothing to read, and
    the lookups that validate the foreign keys of a new table's rows are bounded by those few
    rows. A CONCURRENTLY statement reads in transactions of their own, under SHARE UPDATE
    EXCLUSIVE: the stronger lock of its first one (REINDEX TABLE CONCURRENTLY of a partitioned
    table holds its partitions SHARE) is held only while it lists what to rebuild."""
    actions = report.effect.actions
    if any(a.facts.get("concurrently") for a in actions):
        return set(report.effect.scans)
    empty = {str(a.facts.get("table")) for a in actions if a.facts.get("table_is_empty")}
    if any(a.facts.get("table_is_new") for a in actions):
        empty |= {rel for rel, why in report.effect.scans.items() if "foreign key" in why}
    attached = {str(a.facts.get("partition", "")) for a in actions
                if a.kind == "attach_partition"}
    return empty | {rel for part in attached for rel in (part, *catalog.partitions(part))}


#: Gaps found by this test and not closed yet: id -> what is missing. Each is expected to
#: fail (strictly: closing one makes its entry fail until it is removed).
KNOWN_GAPS: dict[str, str] = {}


def _pairs() -> list:
    """(id, setup, migration SQL) for every oracle case and every PostgreSQL rule example."""
    out = []
    for case in CASES:
        if case.min_pg > PG_VERSION:
            continue
        session = f"{case.session.format(public='public')};\n" if case.session else ""
        marks = [pytest.mark.xfail(reason=KNOWN_GAPS[case.id], strict=True)] \
            if case.id in KNOWN_GAPS else []
        out.append(pytest.param(case.setup, f"{session}{case.sql};", id=case.id, marks=marks))
    for rule in load_rules():
        if rule.dialects[0] != "postgresql":
            continue
        for i, example in enumerate(rule.examples):
            if example.layout or (example.pg_version or PG_VERSION) > PG_VERSION:
                continue
            out.append(pytest.param(example.setup or "", example.sql,
                                    id=f"{rule.id}-{i}"))
    return out


def _heavy(report: StatementReport, existing: set[str]) -> set[str]:
    """The tables of `existing` the statement rewrites or reads in full while holding at least
    SHARE on them (the weakest lock that blocks writes)."""
    effect = report.effect
    return {rel for rel in (*effect.rewrites, *effect.scans)
            if rel in existing and effect.locks.get(rel, LockMode.ACCESS_SHARE) >= LockMode.SHARE}


@pytest.mark.parametrize(("setup", "sql"), _pairs())
def test_heavy_statement_on_a_live_table_is_judged(setup: str, sql: str) -> None:
    options = LintOptions(pg_version=PG_VERSION, assume_in_transaction=None)
    catalog = Catalog()
    if setup:
        lint_migrations([migration_from_text(setup, "0001_setup.sql")], options, catalog)
    # Materialized views are written by nothing but their own refresh: a lock that blocks
    # writes to one blocks no application query.
    existing = {name for name, table in catalog.tables.items() if table.kind != "matview"}
    (report,) = lint_migrations([migration_from_text(sql, "0002_change.sql")], options, catalog)
    for stmt in report.statements:
        heavy = _heavy(stmt, existing) - _exempt(stmt, catalog)
        if not heavy:
            continue
        strong = [f for f in (*stmt.findings, *report.findings)
                  if f.safety >= Safety.REQUIRES_DOWNTIME
                  and f.statement_index in (None, stmt.statement.index)]
        assert strong, (
            f"statement {stmt.statement.index + 1} rewrites or reads {sorted(heavy)} under a "
            f"lock that blocks writes, and no finding at requires-downtime or worse says so: "
            f"{[(f.rule, f.safety.label) for f in stmt.findings]}")



def test_known_gaps_are_oracle_cases() -> None:
    assert set(KNOWN_GAPS) <= {case.id for case in CASES}
