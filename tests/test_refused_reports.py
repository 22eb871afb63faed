"""A statement PostgreSQL refuses does none of its work: every report says it is refused
instead of listing the locks, rewrites and scans it would have had, and the cost model adds
none of its time to the migration's (docs/effect-model.md, "Refused statements")."""

from __future__ import annotations

import io
import json

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import MigrationReport, Safety
from lockwise.cost.stats import stats_from_dict
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.report.ci_common import render_ci
from lockwise.report.json_report import render_json
from lockwise.report.text import render_text
from lockwise.rules.loader import load_rules

SETUP = """CREATE TABLE orders (id bigint PRIMARY KEY, note text);
CREATE INDEX orders_note_idx ON orders (note);
CREATE TABLE accounts (id bigint PRIMARY KEY, note text);
"""
#: Refused (the index's name is taken: "relation ... already exists", the `name_taken`
#: family's server tests), then a statement that runs.
CHANGE = ("CREATE INDEX orders_note_idx ON orders (id);\n"
          "ALTER TABLE accounts ADD COLUMN flag int;\n")
#: A big table: the index build, were it taken, would scan it for a long time.
STATS = {"tables": {
    "public.orders": {"rows": 50_000_000, "heap_bytes": 8_000_000_000},
    "public.accounts": {"rows": 1000, "heap_bytes": 100_000}}}


def lint(change: str = CHANGE) -> MigrationReport:
    options = LintOptions(stats=stats_from_dict(STATS))
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(change, "0002_change.sql")]
    return lint_migrations(migrations, options, Catalog())[-1]


@pytest.fixture(scope="module")
def report() -> MigrationReport:
    return lint()


def statement_lines(text: str, number: int) -> list[str]:
    """The lines of the text report under statement `number`'s head."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if f"] statement {number} (" in line)
    end = next((i for i in range(start + 1, len(lines)) if "] statement " in lines[i]),
               len(lines))
    return lines[start + 1:end]


def test_the_text_report_says_refused_instead_of_the_locks(report: MigrationReport) -> None:
    out = io.StringIO()
    render_text([report], out, verbose=True, color=False)
    refused = statement_lines(out.getvalue(), 1)
    assert not [line for line in refused if line.lstrip().startswith(
        ("lock:", "scans:", "rewrites:", "estimate:"))], refused
    assert any(line.strip().startswith("refused: PostgreSQL refuses this statement")
               for line in refused), refused
    # The statement that runs keeps its lock.
    assert any("lock: ACCESS EXCLUSIVE on public.accounts" in line
               for line in statement_lines(out.getvalue(), 2))


def test_the_json_report_says_refused_instead_of_the_locks(report: MigrationReport) -> None:
    doc = json.loads(render_json([report], options=LintOptions()))
    refused, runs = doc["migrations"][0]["statements"]
    assert refused["refused"] == "name_taken"
    assert (refused["locks"], refused["blocks"], refused["rewrites"], refused["scans"]) == \
        ({}, {}, [], {})
    assert not refused["scans_table"] and not refused["rewrites_table"]
    assert runs["refused"] is None
    assert runs["locks"] == {"public.accounts": "AccessExclusiveLock"}


def test_the_markdown_report_says_refused_instead_of_the_locks(report: MigrationReport) -> None:
    text = render_ci("markdown", [report], load_rules(), fail_on=Safety.REQUIRES_DOWNTIME)
    assert "public.orders" not in text.split("<details>")[0]  # the table's Locks column
    assert "`ACCESS EXCLUSIVE` on `public.accounts`" in text.split("<details>")[0]
    first = text.split("**Statement 1**")[1].split("**Statement 2**")[0]
    assert "- lock:" not in first and "- scans" not in first and "- estimate" not in first
    assert "- refused: PostgreSQL refuses this statement" in first


def test_the_ci_formats_give_the_refusal_alone(report: MigrationReport) -> None:
    # They list findings only: the refused statement's is its refusal, no advice on its
    # index build (CONCURRENTLY, a lock_timeout).
    sarif = json.loads(render_ci("sarif", [report], load_rules(),
                                 fail_on=Safety.REQUIRES_DOWNTIME))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]
            if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 1] == \
        ["object-already-exists"]
    github = render_ci("github", [report], load_rules(), fail_on=Safety.REQUIRES_DOWNTIME)
    assert [line.split("title=lockwise ")[1].split(" ")[0] for line in github.splitlines()
            if ",line=1," in line] == ["object-already-exists"]


def test_the_cost_model_adds_nothing_for_a_refused_statement(report: MigrationReport) -> None:
    refused, runs = report.statements
    assert refused.estimated_seconds == 0 and refused.lock_seconds == 0
    assert runs.estimated_seconds is not None and runs.estimated_seconds > 0
    doc = json.loads(render_json([report], options=LintOptions()))
    assert doc["migrations"][0]["estimated_seconds"] == round(runs.estimated_seconds, 3)
    # Under a free name, the build is long.
    assert lint(CHANGE.replace("orders_note_idx", "orders_id_idx")).statements[0] \
        .estimated_seconds > 10



@pytest.mark.parametrize("change", [
    CHANGE,
    # A DO block whose statement alone is refused: the block's other work still happens.
    "DO $$ BEGIN CREATE INDEX orders_note_idx ON orders (id); "
    "ALTER TABLE accounts ADD COLUMN flag int; END $$;\n",
])
def test_the_released_reports_the_cli_prints_still_say_the_refusal(change: str) -> None:
    """`lockwise lint` lets the facts go once the rules are done (`release`): what says a
    statement is refused stays, so the printed reports still say it."""
    from lockwise.effects.refused import statement_refusal

    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(change, "0002_change.sql")]
    full = lint_migrations(migrations, LintOptions(), Catalog())[-1]
    released = lint_migrations(migrations, LintOptions(), Catalog(), release=True)[-1]
    assert [statement_refusal(s.effect) for s in released.statements] == \
        [statement_refusal(s.effect) for s in full.statements]
    assert statement_refusal(full.statements[0].effect) == ("name_taken" if change == CHANGE
                                                            else "")
