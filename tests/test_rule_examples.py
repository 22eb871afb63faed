"""Every rule's examples are its tests: a bad example must trigger the rule, a good one not."""

from __future__ import annotations

import dataclasses
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


def findings_for(example, rule) -> list:
    options = LintOptions(
        dialect=example.dialect or rule.dialects[0],
        server_version=example.server_version,
        pg_version=example.pg_version or 16,
        # An example that names a version says it as a user would (--pg-version).
        pg_version_stated=example.pg_version is not None,
        # An example of a layout is run as that layout's tool runs it.
        assume_in_transaction=(None if example.layout else True)
        if example.in_transaction is None else example.in_transaction,
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
    migration = migration_from_text(example.sql, "0002_example.sql")
    if example.layout:
        migration = dataclasses.replace(migration, layout=example.layout)
    migrations.append(migration)
    reports = lint_migrations(migrations, options, catalog)
    return [f for f in reports[-1].all_findings if f.rule == rule.id]


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_rule_example(rule, example) -> None:
    found = findings_for(example, rule)
    if example.bad:
        assert found, f"{rule.id} should fire on:\n{example.sql}"
        texts = [text for f in found for text in (f.message, f.instead)]
        assert all("{" not in t for t in texts), f"unrendered placeholder in {texts}"
    else:
        messages = [f.message for f in found]
        assert not found, f"{rule.id} should not fire on:\n{example.sql}\n{messages}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_bad_and_good_examples(rule) -> None:
    assert any(e.bad for e in rule.examples), f"{rule.id} has no bad example"
    assert any(not e.bad for e in rule.examples), f"{rule.id} has no good example"
    assert rule.why and rule.instead and rule.message


def test_rule_ids_match_file_names() -> None:
    for rule in RULES:
        assert Path(rule.path).stem == rule.id


@pytest.mark.parametrize(("in_transaction", "layout", "advice"), [
    (True, "file", "SET LOCAL lock_timeout = '5s';"),
    (False, "file", "SET lock_timeout = '5s';"),
    (None, "plain", "SET lock_timeout = '5s';"),
    (None, "diesel", "SET LOCAL lock_timeout = '5s';"),
    # Alone in a file sent as one string it runs outside a transaction, but with a SET added
    # the two share PostgreSQL's implicit one: SET LOCAL is what applies.
    (None, "golang-migrate", "SET LOCAL lock_timeout = '5s';"),
])
def test_instead_follows_the_transaction(in_transaction: bool | None, layout: str,
                                         advice: str) -> None:
    """SET LOCAL does nothing outside a transaction block: a rule may give other advice there."""
    options = LintOptions(assume_in_transaction=in_transaction)
    migrations = [dataclasses.replace(migration_from_text(sql, name), layout=layout)
                  for sql, name in (("CREATE TABLE accounts (id bigint);", "0001_a.sql"),
                                    ("ALTER TABLE accounts ADD COLUMN note text;",
                                     "0002_b.sql"))]
    reports = lint_migrations(migrations, options, Catalog())
    (finding,) = [f for f in reports[-1].all_findings if f.rule == "missing-lock-timeout"]
    assert finding.instead.splitlines()[0].startswith(advice)


def test_instead_outside_a_transaction_is_documented() -> None:
    from lockwise.report.rule_docs import rule_markdown

    rule = next(r for r in RULES if r.id == "missing-lock-timeout")
    assert rule.instead_outside_transaction
    page = rule_markdown(rule)
    assert "Outside a transaction block:" in page
    assert rule.instead_outside_transaction in page
    plain = next(r for r in RULES if not r.instead_outside_transaction)
    assert "Outside a transaction block:" not in rule_markdown(plain)


def _advice_cases() -> list:
    """Bad examples whose rendered safe alternative is whole SQL for the same migration (no
    placeholder, no later-migration step) and whose rule is not about destroying data."""
    from lockwise.core.types import Safety
    from lockwise.parse.postgres import parse_sql

    cases = []
    for rule in RULES:
        if rule.safety == Safety.DESTRUCTIVE or rule.dialects[0] != "postgresql":
            continue
        for i, example in enumerate(rule.examples):
            if not example.bad or example.stats or example.in_transaction is not None:
                continue
            found = findings_for(example, rule)
            if not found or any(f.statement_index is None for f in found):
                continue  # about the migration as a whole: nothing to replace
            instead = found[0].instead
            if "<" in instead.replace("<=", "") or "..." in instead or any(
                    later in instead for later in ("next migration", "later migration",
                                                   "own migration")):
                continue
            parsed = parse_sql(instead)
            if parsed.problems or not parsed.statements:
                continue
            cases.append(pytest.param(rule, example, instead, id=f"{rule.id}-{i}"))
    return cases


@pytest.mark.parametrize(("rule", "example", "instead"), _advice_cases())
def test_the_safe_alternative_passes_its_own_rule(rule, example, instead: str) -> None:
    """Following a rule's advice silences it: the offending statement replaced by the rendered
    alternative, the rule does not fire again."""
    from lockwise.parse.postgres import parse_sql

    statements = [s.sql for s in parse_sql(example.sql).statements]
    found = findings_for(example, rule)
    flagged = {f.statement_index for f in found}
    rewritten = ";\n".join(instead if i in flagged else sql
                           for i, sql in enumerate(statements)) + ";"
    again = findings_for(dataclasses.replace(example, sql=rewritten), rule)
    assert not again, f"{rule.id} fires on its own alternative:\n{rewritten}"
