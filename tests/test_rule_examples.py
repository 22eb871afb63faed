"""Every rule's examples are its tests: a bad example must trigger the rule, a good one not."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.catalog.model import Catalog
from lockwise.cost.stats import stats_from_dict
from lockwise.discover import migration_from_text
from lockwise.lint import OPT_IN_TAG, LintOptions, lint_migrations
from lockwise.rules.loader import load_rules

RULES = load_rules()
CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{i}-{'bad' if example.bad else 'good'}")
    for rule in RULES for i, example in enumerate(rule.examples)
]


def findings_for(example, rule) -> list[str]:
    options = LintOptions(
        dialect=example.dialect or rule.dialects[0],
        server_version=example.server_version,
        pg_version=example.pg_version or 16,
        assume_in_transaction=True if example.in_transaction is None else example.in_transaction,
        # Opt-in rules run only when selected; selecting one by id leaves the others out,
        # so select the whole catalog plus this rule.
        select=frozenset({rule.id, *(r.id for r in RULES if OPT_IN_TAG not in r.tags)}),
        stats=stats_from_dict(example.stats) if example.stats is not None else None,
        max_lock_seconds=example.max_lock_seconds,
    )
    catalog = Catalog()
    migrations = []
    if example.setup:
        migrations.append(migration_from_text(example.setup, "0001_setup.sql"))
    migrations.append(migration_from_text(example.sql, "0002_example.sql"))
    reports = lint_migrations(migrations, options, catalog)
    return [f.message for f in reports[-1].all_findings if f.rule == rule.id]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example(rule, example) -> None:
    found = findings_for(example, rule)
    if example.bad:
        assert found, f"{rule.id} should fire on:\n{example.sql}"
        assert all("{" not in m for m in found), f"unrendered placeholder in {found}"
    else:
        assert not found, f"{rule.id} should not fire on:\n{example.sql}\n{found}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_bad_and_good_examples(rule) -> None:
    assert any(e.bad for e in rule.examples), f"{rule.id} has no bad example"
    assert any(not e.bad for e in rule.examples), f"{rule.id} has no good example"
    assert rule.why and rule.instead and rule.message


def test_rule_ids_match_file_names() -> None:
    for rule in RULES:
        assert Path(rule.path).stem == rule.id
