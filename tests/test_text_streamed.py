"""The text report of `lockwise lint` is printed migration by migration, as lint makes each
report, and the reports printed are not held to the end (cli/app.py, `TextPrinter`): at
10,000 generated files they were 120 MB of the run's peak (docs/performance.md, fix-speed63).

The bytes printed are those of the report printed whole at the end: for several histories,
with conflicts, with a config's overrides, from the result cache and from a run that resumes
from it. What the exit code reads of each report (`verdict_part`) decides as the report does.
"""

from __future__ import annotations

import gc
import shutil
from io import StringIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lockwise.cli.lint_run
import lockwise.lint
from lockwise.cli.app import app
from lockwise.cli.inputs import collect
from lockwise.cli.lint_run import lint_with_conflicts
from lockwise.core.types import MigrationReport, Safety
from lockwise.lint import LintOptions
from lockwise.options import has_input_errors
from lockwise.report.said_once import conflicts_not_said
from lockwise.report.text import TextPrinter, render_text
from lockwise.report.verdict import verdict_fails, verdict_part

REPO = Path(__file__).resolve().parent.parent
MIGRATIONS = REPO / "fixtures" / "migrations"
CONFLICTS = REPO / "fixtures" / "conflicts"


def _lint(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", "--no-color", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _buffered(paths: list[Path]) -> str:
    """The report as printed before: every report made, then printed at once."""
    collected = collect(paths, None)
    result = lint_with_conflicts(collected.migrations, collected.histories, LintOptions(),
                                 conflicts=True, use_cache=False)
    out = StringIO()
    render_text(result.reports, out, color=False)
    return out.getvalue()


def _live_reports(under: Path) -> int:
    """Full reports (with their statements) of migrations below `under` still alive."""
    return sum(1 for o in gc.get_objects() if isinstance(o, MigrationReport)
               and o.statements and str(o.migration.path).startswith(str(under)))


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target)
    return target


@pytest.mark.parametrize("cached", [False, True], ids=["no-cache", "cache"])
@pytest.mark.parametrize("beside", [False, True], ids=["graph-in-process", "graph-beside"])
def test_each_migration_is_printed_before_the_next_is_linted(
        migrations_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, beside: bool,
        cached: bool) -> None:
    """Linting a migration and printing it alternate, and when a migration is printed the
    reports printed before it are gone: only the one printed is alive (the graph fed in this
    process, or built in a forked one beside lint; the result cache written too: its reports
    are pickled as they come, not kept for it, the pickler's memo holding a batch of them,
    here of one)."""
    import lockwise.cache

    if beside:
        monkeypatch.setattr(lockwise.cli.lint_run, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(lockwise.cache, "_MEMO_BATCH", 1)
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    events: list[str] = []
    analyze, add = lockwise.lint.analyze_migration, TextPrinter.add

    def analyzed(migration, *args, **kwargs):  # type: ignore[no-untyped-def]
        events.append(f"lint {migration.path.name}")
        return analyze(migration, *args, **kwargs)

    def printed(self: TextPrinter, report: MigrationReport) -> None:
        events.append(f"print {report.migration.path.name}")
        events.append(f"alive {_live_reports(migrations_dir)}")
        add(self, report)

    monkeypatch.setattr(lockwise.lint, "analyze_migration", analyzed)
    monkeypatch.setattr(TextPrinter, "add", printed)
    code, out = _lint(*() if cached else ("--no-cache",), str(migrations_dir))
    names = sorted(p.name for p in migrations_dir.glob("*.up.sql"))
    assert events == [e for name in names
                      for e in (f"lint {name}", f"print {name}", "alive 1")]
    assert code == 1 and out == _buffered([migrations_dir])
    assert len(list((tmp_path / "cache").glob("lint-*"))) == cached
    if cached:  # read back (every report at once): the same report
        monkeypatch.setattr(lockwise.lint, "analyze_migration", analyze)
        assert _lint(str(migrations_dir)) == (code, out)


def test_several_histories_print_as_before(tmp_path: Path) -> None:
    """Several directories, conflicts between their migrations: the same bytes, in the same
    order, then the conflicts."""
    paths = [CONFLICTS / "missing-object", CONFLICTS / "down-mismatch", CONFLICTS / "clean"]
    code, out = _lint("--no-cache", *map(str, paths))
    before = _buffered(paths)
    assert out.startswith(before) and "conflict" in out[len(before):]
    assert code == 1


def test_overrides_apply_to_each_printed_migration(migrations_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A config's override ignoring the findings of one file and raising the threshold of
    all: each migration is printed with it applied, as the whole report was, and the exit
    code follows the threshold."""
    from lockwise.config import apply_overrides, load_config

    monkeypatch.chdir(tmp_path)
    config = tmp_path / "lockwise.toml"
    config.write_text('[[overrides]]\npath = "migrations/0003_*"\n'
                      'ignore = ["index-without-concurrently", "missing-lock-timeout"]\n'
                      '[[overrides]]\npath = "migrations/**"\nfail_on = "destructive"\n')
    code, out = _lint("--no-cache", "--config", str(config), "migrations")
    assert "0003_index_orders_by_account.up.sql  [safe]" in out
    collected = collect([Path("migrations")], None)
    reports = lint_with_conflicts(collected.migrations, collected.histories, LintOptions(),
                                  conflicts=True, use_cache=False).reports
    before = StringIO()
    render_text(apply_overrides(reports, load_config(config)), before, color=False)
    assert out.startswith(before.getvalue())
    assert code == (1 if "[destructive]" in out else 0)


def test_cached_and_resumed_runs_print_the_same_bytes(
        migrations_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The result cache stores every report though they were printed as they came: a second
    run prints the same bytes from it, and a run that resumes from it (a migration appended)
    prints what a run without the cache prints."""
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    first = _lint(str(migrations_dir))
    assert first == _lint("--no-cache", str(migrations_dir))
    calls: list[object] = []
    analyze = lockwise.lint.analyze_migration

    def analyzed(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[0])
        return analyze(*args, **kwargs)

    monkeypatch.setattr(lockwise.lint, "analyze_migration", analyzed)
    assert _lint(str(migrations_dir)) == first
    assert calls == []  # served from the cache
    (migrations_dir / "0099_more.up.sql").write_text("CREATE INDEX o_x ON orders (id);\n")
    resumed = _lint(str(migrations_dir))
    assert len(calls) == 1  # resumed: only the new migration linted
    assert resumed == _lint("--no-cache", str(migrations_dir))
    assert resumed[1].startswith(first[1].rsplit("\n", 2)[0])


def test_verdict_part_decides_as_the_report(tmp_path: Path) -> None:
    """What the exit code reads of each printed report (`verdict_part`) gives the verdict at
    every threshold, the input errors and the conflicts a finding says already as the whole
    reports do."""
    from tree_helpers import write

    said = write(tmp_path / "said", {
        "1_t.up.sql": "CREATE TABLE t (a int);\n",
        "2_drop.up.sql": "ALTER TABLE t DROP COLUMN nope;\n",
        "3_bad.up.sql": "SELEC 1;\n"})
    paths = [said, MIGRATIONS, CONFLICTS / "duplicate-version"]
    collected = collect(paths, None)
    result = lint_with_conflicts(collected.migrations, collected.histories, LintOptions(),
                                 conflicts=True, use_cache=False)
    reports, conflicts = result.reports, result.conflicts
    parts = [verdict_part(r) for r in reports]
    assert any(s.statements for s in parts)  # missing-object: a statement kept
    assert conflicts_not_said(conflicts, parts) == conflicts_not_said(conflicts, reports)
    assert conflicts_not_said(conflicts, parts) != conflicts  # one said by a finding
    errors = [has_input_errors([r]) for r in reports]
    assert [has_input_errors([p]) for p in parts] == errors and errors.count(True) == 1
    for threshold in Safety:
        for with_conflicts in ([], conflicts):
            assert verdict_fails(parts, with_conflicts, threshold) == verdict_fails(
                reports, with_conflicts, threshold)
    assert {verdict_fails(parts, [], t) for t in Safety} == {True, False}
