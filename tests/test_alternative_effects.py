"""How many effects judging the findings' suggested rewrites computes (`lint._alternative_clears`):
a rewrite that cannot do the statement's work, known from its parse trees, costs none."""

from __future__ import annotations

import pytest

import lockwise.lint as lint
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.postgres import action_kinds
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.postgres import parse_sql

#: Outside a transaction block (a plain .sql file): each SET NOT NULL gets missing-lock-timeout,
#: missing-statement-timeout (its rewrite: a SET statement_timeout before, a RESET after) and
#: set-not-null (its rewrite: a CHECK ... NOT VALID, validated, then SET NOT NULL). One a
#: migration: in one, a finding at the first statement speaks for the others' lock_timeout
#: (`OncePerTransaction`), whose rewrites are then not judged.
MIGRATIONS = 5


def _lint(monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[tuple[str, str, str | None]]]:
    """The effects computed linting the migrations, and their findings (rule, message,
    instead)."""
    computed = lint.compute_effect
    calls = 0

    def counting(tree: dict, ctx: object) -> object:
        nonlocal calls
        calls += 1
        return computed(tree, ctx)  # type: ignore[arg-type]

    monkeypatch.setattr(lint, "compute_effect", counting)
    reports = lint_migrations(
        [migration_from_text(f"ALTER TABLE accounts ALTER COLUMN c{i} SET NOT NULL;\n",
                             f"000{i}_not_null.sql") for i in range(MIGRATIONS)],
        LintOptions(), Catalog())
    found = [(f.rule, f.message, f.instead) for r in reports for s in r.statements
             for f in s.findings]
    return calls, found


def test_a_set_and_reset_around_the_statement_compute_no_effect(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Per migration: its statement's effect and the first statement of set-not-null's rewrite (an
    ADD CONSTRAINT, which holds the table ACCESS EXCLUSIVE with no lock_timeout: it clears
    nothing); the SET / RESET rewrite of missing-statement-timeout does no SET NOT NULL, so
    it supersedes nothing either, and its two effects are not computed."""
    calls, found = _lint(monkeypatch)
    rules = [rule for rule, _message, _instead in found]
    assert rules.count("missing-statement-timeout") == MIGRATIONS
    assert rules.count("missing-lock-timeout") == MIGRATIONS
    assert calls == 2 * MIGRATIONS


def test_the_findings_are_those_of_the_effects_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judged with every rewrite's effects computed (the shortcut off), the findings and their
    text are the same, and the SET / RESET cost two effects a migration more."""
    calls, found = _lint(monkeypatch)
    monkeypatch.setattr(lint, "_never_does", lambda kinds, statements: False)
    all_calls, all_found = _lint(monkeypatch)
    assert all_found == found
    assert all_calls == calls + 2 * MIGRATIONS


@pytest.mark.parametrize(("sql", "kinds"), [
    ("SET statement_timeout = '30s';", frozenset({"set"})),
    ("RESET statement_timeout;", frozenset({"set"})),
    ("SET LOCAL lock_timeout = '5s';", frozenset({"set"})),
    ("SET CONSTRAINTS ALL DEFERRED;", frozenset({"set"})),
    ("BEGIN;", frozenset({"transaction"})),
    ("SAVEPOINT a;", frozenset({"transaction"})),
    ("DISCARD ALL;", frozenset({"discard"})),
    ("ALTER TABLE t ALTER COLUMN c SET NOT NULL;", None),
    ("CREATE INDEX CONCURRENTLY i ON t (c);", None),
    ("SELECT f();", None),  # (it may call a routine whose body does anything)
])
def test_the_kinds_known_from_the_tree_are_the_effects(sql: str, kinds: frozenset | None) -> None:
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect

    (statement,) = parse_sql(sql).statements
    assert action_kinds(statement.tree) == kinds
    if kinds is not None:
        for in_transaction in (False, True):
            effect = compute_effect(statement.tree, Context(in_transaction=in_transaction))
            assert {a.kind for a in effect.actions} == kinds


def test_a_rewrite_is_judged_unless_every_statement_is_known_apart() -> None:
    statements = [(s.sql, s.tree) for s in parse_sql(
        "SET statement_timeout = '30s'; ALTER TABLE t ALTER COLUMN c SET NOT NULL; "
        "RESET statement_timeout;").statements]
    assert lint._never_does({"set_not_null"}, [statements[0], statements[2]])
    assert not lint._never_does({"set"}, [statements[0]])  # (a SET may do a SET's work)
    assert not lint._never_does({"set_not_null"}, statements)
    assert lint._never_does({"set_not_null"}, [])  # (nothing to run does nothing)
