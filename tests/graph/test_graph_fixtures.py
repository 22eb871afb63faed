"""Each fixtures/conflicts/<kind> directory produces exactly its conflict; clean produces none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.graph.model import CONFLICT_NEXT_STEPS
from lockwise.lint import lint_migrations

REPO = Path(__file__).resolve().parents[2]
CONFLICTS = REPO / "fixtures" / "conflicts"
SINGLE_HISTORY = ["duplicate-version", "ambiguous-order", "missing-object",
                  "dependency-dropped", "down-mismatch"]


@pytest.mark.parametrize("kind", SINGLE_HISTORY)
def test_fixture_produces_exactly_its_conflict(kind: str) -> None:
    graph = build_graph(discover(CONFLICTS / kind))
    assert [c.kind for c in graph.conflicts] == [kind]
    conflict = graph.conflicts[0]
    assert conflict.explanation
    assert all(loc.path.startswith(str(CONFLICTS / kind)) for loc in conflict.locations)
    assert len(conflict.locations) == 2


def test_clean_history_has_no_conflicts() -> None:
    migrations = discover(CONFLICTS / "clean")
    graph = build_graph(migrations)
    assert graph.conflicts == []
    assert graph.downs_checked == len(migrations) == 5


def test_conflict_objects_and_locations() -> None:
    by_kind = {k: build_graph(discover(CONFLICTS / k)).conflicts[0] for k in SINGLE_HISTORY}
    assert by_kind["missing-object"].object == "table:public.legacy_sessions"
    assert [(Path(loc.path).name, loc.line) for loc in by_kind["missing-object"].locations] == [
        ("002_drop_legacy_sessions.sql", 1), ("003_backfill_sessions.sql", 2)]
    assert by_kind["dependency-dropped"].object == "column:public.users.email"
    assert "view public.user_emails" in by_kind["dependency-dropped"].explanation
    assert by_kind["duplicate-version"].object == "version:001"
    assert by_kind["ambiguous-order"].migrations == ("9_create_invoices", "10_create_payments")
    assert by_kind["down-mismatch"].object == "index:public.accounts (email)"
    assert by_kind["down-mismatch"].locations[1].path.endswith(".down.sql")


def test_effects_from_lint_reports_are_reused_with_the_same_result() -> None:
    migrations = discover(CONFLICTS / "dependency-dropped")
    reports = lint_migrations(migrations)
    reused = build_graph(migrations, reports=reports)
    computed = build_graph(migrations)
    assert reused.conflicts == computed.conflicts
    assert reused.edges == computed.edges


def _lint(*args: str):
    return CliRunner().invoke(app, ["lint", *args])


def test_lint_json_lists_conflicts() -> None:
    result = _lint(str(CONFLICTS / "missing-object"), "--format", "json")
    doc = json.loads(result.stdout)
    assert [c["kind"] for c in doc["conflicts"]] == ["missing-object"]
    conflict = doc["conflicts"][0]
    assert set(conflict) == {"kind", "safety", "migrations", "object", "object_name",
                             "explanation", "next"}
    assert conflict["next"] == CONFLICT_NEXT_STEPS["missing-object"]
    assert conflict["safety"] == "requires-downtime"
    assert [m["id"] for m in conflict["migrations"]] == ["002_drop_legacy_sessions",
                                                         "003_backfill_sessions"]
    assert result.exit_code == 1


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "markdown",
                                 "junit"])
def test_every_format_says_what_to_do_next_about_a_conflict(fmt: str) -> None:
    """The text report's `next:` line, in each format: once per conflict (a rule's finding
    has its `instead`, not a next step)."""
    result = _lint(str(CONFLICTS / "duplicate-version"), "--format", fmt, "--no-cache",
                   "--no-color")
    step = CONFLICT_NEXT_STEPS["duplicate-version"]
    if fmt == "sarif":
        run = json.loads(result.stdout)["runs"][0]
        (rule,) = [r for r in run["tool"]["driver"]["rules"] if r["id"] == "duplicate-version"]
        assert step in rule["help"]["text"] and step in rule["help"]["markdown"]
        texts = [r["message"]["text"] for r in run["results"]]
        assert [t.endswith(f"\nNext: {step}") for t in texts] == [
            r["ruleId"] == "duplicate-version" for r in run["results"]]
    else:
        # JSON escapes nothing in it; GitHub's annotations keep it on one line (no comma).
        assert result.stdout.count(step) == 1
    assert result.exit_code == 1


def test_a_conflict_at_fail_on_sets_the_exit_code() -> None:
    result = _lint(str(CONFLICTS / "duplicate-version"), "--format", "json")
    doc = json.loads(result.stdout)
    # Every statement is safe on its own: exit 1 comes from the conflict alone.
    assert doc["safety"] == "safe"
    assert [c["kind"] for c in doc["conflicts"]] == ["duplicate-version"]
    assert result.exit_code == 1
    relaxed = _lint(str(CONFLICTS / "duplicate-version"), "--fail-on", "destructive")
    assert relaxed.exit_code == 0


def test_conflicts_below_fail_on_do_not_fail_lint() -> None:
    result = _lint(str(CONFLICTS / "ambiguous-order"), "--no-color")
    assert "conflict ambiguous-order [safe-with-care]" in result.stdout
    assert result.exit_code == 0
    strict = _lint(str(CONFLICTS / "ambiguous-order"), "--fail-on", "safe-with-care")
    assert strict.exit_code == 1


def test_lint_of_one_file_reports_only_its_conflicts() -> None:
    target = CONFLICTS / "missing-object" / "003_backfill_sessions.sql"
    assert "conflict missing-object" in _lint(str(target), "--no-color").stdout
    other = CONFLICTS / "missing-object" / "001_create_tables.sql"
    assert "conflict missing-object" not in _lint(str(other), "--no-color").stdout


def test_each_directory_named_is_its_own_history() -> None:
    # Both directories have a 001 migration: that is no duplicate version, they are separate
    # histories; each keeps its own conflict.
    result = _lint(str(CONFLICTS / "missing-object"), str(CONFLICTS / "duplicate-version"),
                   "--format", "json")
    doc = json.loads(result.stdout)
    assert sorted(c["kind"] for c in doc["conflicts"]) == ["duplicate-version",
                                                           "missing-object"]
    (dup,) = [c for c in doc["conflicts"] if c["kind"] == "duplicate-version"]
    assert all("duplicate-version" in m["path"] for m in dup["migrations"])


def test_a_file_named_stands_for_its_migration_directory(tmp_path: Path) -> None:
    """`lockwise graph DIR/0002_x.sql` (as `lint FILE` takes one) graphs the history the
    file belongs to, as `graph --base` did: read alone, the file was a history of one
    migration, with no dependency and no conflict to show."""
    (tmp_path / "0001_t.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY, a text);\n")
    (tmp_path / "0002_x.sql").write_text("CREATE INDEX t_a ON t (a);\n")
    by_file = CliRunner().invoke(app, ["graph", str(tmp_path / "0002_x.sql"), "-f", "json"])
    assert by_file.exit_code == 0, by_file.output
    by_directory = CliRunner().invoke(app, ["graph", str(tmp_path), "-f", "json"])
    assert json.loads(by_file.stdout) == json.loads(by_directory.stdout)
    assert len(json.loads(by_file.stdout)["migrations"]) == 2
