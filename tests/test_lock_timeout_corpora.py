"""missing-lock-timeout on a real project: reported next to the statements that keep their
write-blocking lock, left out where another finding's alternative takes none. Skips when the
corpora are absent."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lockwise.catalog.model import Catalog
from lockwise.discover import discover
from lockwise.lint import LintOptions, lint_migrations


def _reports(directory: Path) -> list:
    return lint_migrations(discover(directory), LintOptions(pg_version=16), Catalog())


def _rules_per_statement(directory: Path) -> list[set[str]]:
    return [{f.rule for f in s.findings} for r in _reports(directory) for s in r.statements]


def test_lemmy_gets_one_lock_timeout_finding_per_migration(corpora: Path) -> None:
    """diesel runs each migration in one transaction: one SET LOCAL covers all of it."""
    per_migration = [sum(f.rule == "missing-lock-timeout" for f in r.all_findings)
                     for r in _reports(corpora / "lemmy")]
    assert max(per_migration) == 1
    assert sum(per_migration) > 200


def test_lemmy_lock_timeout_findings_leave_out_only_the_concurrent_alternatives(
        corpora: Path) -> None:
    per_statement = _rules_per_statement(corpora / "lemmy")
    beside = Counter(rule for rules in per_statement if "missing-lock-timeout" in rules
                     for rule in rules)
    # Their alternatives (CONCURRENTLY) take SHARE UPDATE EXCLUSIVE: never both.
    assert beside["index-without-concurrently"] == 0
    assert beside["drop-index-without-concurrently"] == 0
    assert beside["reindex-without-concurrently"] == 0
    # Theirs keep ACCESS EXCLUSIVE or SHARE ROW EXCLUSIVE: still reported (once a migration,
    # at its first such statement).
    assert beside["rename-column"] > 10
    assert beside["add-foreign-key-validated"] > 0
    alone = sum(1 for rules in per_statement if "index-without-concurrently" in rules)
    assert alone > 300  # the plain CREATE INDEX statements are still reported, once each
