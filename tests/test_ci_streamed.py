"""`lint -f sarif` (and `-f github`) encodes each migration's results as lint makes its report
and keeps them in a spool, not the report (issue 10: the 10,000 generated files' log held every
report, 285 MB); the conflicts' results go among them at the end. The log is the very text the
whole-document encoding (`render_sarif` of every report, the conflicts attached) gives."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lockwise.cli.lint_run
import lockwise.lint
import lockwise.report.json_report as json_report
import lockwise.report.sarif as sarif
from lockwise.cli.app import EXIT_INPUT, app
from lockwise.cli.inputs import collect
from lockwise.cli.lint_run import lint_with_conflicts
from lockwise.config import Config, apply_overrides, load_config, threshold_for
from lockwise.core.types import MigrationReport, Safety
from lockwise.graph.model import Conflict, Location
from lockwise.lint import LintOptions, rule_index
from lockwise.report.ci_common import with_conflicts
from lockwise.report.said_once import conflicts_not_said
from test_json_streamed import _live_reports, _varied

REPO = Path(__file__).resolve().parent.parent
MIGRATIONS = REPO / "fixtures" / "migrations"


def _sarif(*args: str) -> tuple[int, str]:
    return _run("sarif", *args)


def _run(fmt: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", "-f", fmt, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _whole(paths: list[str], config: Path | None = None,
           fail_on: Safety = Safety.REQUIRES_DOWNTIME) -> str:
    """The log as written before `SarifPrinter`: every report made, the config's overrides
    applied to all, the conflicts attached, then encoded whole (`render_sarif`)."""
    cfg = load_config(config) if config is not None else None
    reports, conflicts = _linted(paths, cfg)

    def thresholds(report: MigrationReport) -> Safety:
        return fail_on if cfg is None else threshold_for(report, cfg, fail_on)

    return sarif.render_sarif(with_conflicts(reports, conflicts),
                              rule_index(LintOptions()).rules,
                              fail_on=fail_on, thresholds=thresholds) + "\n"


def _linted(paths: list[str], cfg: Config | None = None
            ) -> tuple[list[MigrationReport], list[Conflict]]:
    """Every report (the config's overrides applied) and the conflicts the command shows."""
    collected = collect([Path(p) for p in paths], None)
    result = lint_with_conflicts(collected.migrations, collected.histories, LintOptions(),
                                 conflicts=True, use_cache=False)
    reports = result.reports if cfg is None else apply_overrides(result.reports, cfg)
    return reports, conflicts_not_said(result.conflicts, reports)


@pytest.mark.parametrize(("chunk", "spool"), [(json_report.CHUNK_CHARS, json_report.SPOOL_CHARS),
                                               (1, 1), (300, 1000)])
def test_the_log_is_the_whole_documents_encoding(
        chunk: int, spool: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Conflicts, a missing object, non-ASCII names, a file that does not parse: copied in
    pieces of any size from a spool in memory or in a file (at once, or past 1,000
    characters), the log is `render_sarif`'s, which json.dumps's text of it is too."""
    monkeypatch.setattr(json_report, "CHUNK_CHARS", chunk)
    monkeypatch.setattr(json_report, "SPOOL_CHARS", spool)
    monkeypatch.chdir(tmp_path)
    paths = _varied(tmp_path)
    code, out = _sarif("--no-cache", *paths)
    assert code == EXIT_INPUT
    assert out == _whole(paths)
    log = json.loads(out)
    assert out == json.dumps(log, indent=2) + "\n"
    (run,) = log["runs"]
    kinds = {r["ruleId"] for r in run["results"]} & {"non-commuting", "missing-object"}
    assert kinds, "conflicts are among the results"
    ids = [d["id"] for d in run["tool"]["driver"]["rules"]]
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"] if "ruleIndex" in r)


def test_overrides_and_thresholds_apply_to_each_encoded_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A config ignoring some findings below one path and raising the threshold of all: the
    results (their levels too) and the exit code are the whole document's."""
    shutil.copytree(MIGRATIONS, tmp_path / "migrations")
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "lockwise.toml"
    config.write_text('[[overrides]]\npath = "migrations/0003_*"\n'
                      'ignore = ["index-without-concurrently", "missing-lock-timeout"]\n'
                      '[[overrides]]\npath = "migrations/0002_*"\nfail_on = "destructive"\n')
    code, out = _sarif("--no-cache", "--config", str(config), "migrations")
    assert out == _whole(["migrations"], config)
    levels = {r["level"] for r in json.loads(out)["runs"][0]["results"]}
    assert "error" in levels and levels - {"error"}
    assert code == 1


@pytest.mark.parametrize("beside", [False, True], ids=["graph-in-process", "graph-beside"])
def test_each_report_is_encoded_and_dropped_before_the_next_is_linted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, beside: bool) -> None:
    """Linting a migration and encoding its results alternate, and when a migration is
    encoded the reports encoded before it are gone: only the one being encoded is alive; the
    log is written with none alive (the conflicts' results added then)."""
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target)
    if beside:
        monkeypatch.setattr(lockwise.cli.lint_run, "PARALLEL_MIN_CHARS", 0)
    events: list[str] = []
    analyze, add, write = (lockwise.lint.analyze_migration, sarif.SarifPrinter.add,
                           sarif.SarifPrinter.write)

    def analyzed(migration, *args, **kwargs):  # type: ignore[no-untyped-def]
        events.append(f"lint {migration.path.name}")
        return analyze(migration, *args, **kwargs)

    def encoded(self: sarif.SarifPrinter, report: MigrationReport) -> None:
        events.append(f"encode {report.migration.path.name}")
        events.append(f"alive {_live_reports(target)}")
        add(self, report)

    def written(self: sarif.SarifPrinter, *args: object) -> None:
        events.append(f"write, alive {_live_reports(target)}")
        write(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(lockwise.lint, "analyze_migration", analyzed)
    monkeypatch.setattr(sarif.SarifPrinter, "add", encoded)
    monkeypatch.setattr(sarif.SarifPrinter, "write", written)
    monkeypatch.chdir(tmp_path)
    code, out = _sarif("--no-cache", str(target))
    names = sorted(p.name for p in target.glob("*.up.sql"))
    assert events == [e for name in names
                      for e in (f"lint {name}", f"encode {name}", "alive 1")] + [
        "write, alive 0"]
    assert code == 1 and out == _whole([str(target)])
    assert json.loads(out)["runs"][0]["results"]


def test_cached_and_single_file_runs_write_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From a fresh cache, from the cache, and without it; a file linted with its directory
    as context: the same log and exit code."""
    shutil.copytree(MIGRATIONS, tmp_path / "migrations")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    first = _sarif("migrations")
    assert first == _sarif("migrations") == _sarif("--no-cache", "migrations")
    one = "migrations/0003_index_orders_by_account.up.sql"
    assert _sarif(one) == _sarif("--no-cache", one) == _sarif(one)


def _report(path: str, rules: tuple[str, ...]) -> MigrationReport:
    """A report of one statement whose migration-level findings are of `rules` (a copy of a
    real finding each), then that statement's findings."""
    from lockwise.discover import migration_from_text

    (report,) = lockwise.lint.lint_migrations(
        [migration_from_text("CREATE INDEX i ON t (a);\n", path)], LintOptions(), release=True)
    (finding,) = report.statements[0].findings[:1]
    own = [replace(finding, rule=rule, statement_index=None, span=None) for rule in rules]
    return replace(report, findings=own + report.findings)


def test_conflicts_of_a_kind_found_in_a_report_and_of_no_report_are_placed_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report with a finding of a conflict's kind (kept whole, its results encoded at the
    end), conflicts pointing at a report with findings, at one of a kind found already, and
    at a migration not linted (a report of its own, last): the printer writes what
    `render_sarif` does for the reports with the conflicts attached, in any spool."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(json_report, "SPOOL_CHARS", 1)
    reports = [_report("0001_a.sql", ()), _report("0002_b.sql", ("duplicate-version",)),
               _report("0003_c.sql", ()), _report("0004_d.sql", ("missing-object",))]

    def conflict(kind: str, *paths: str) -> Conflict:
        return Conflict(kind, tuple(Location(Path(p).stem, p, 1, 1) for p in paths),
                        "table:public.t", f"{kind} between {', '.join(paths)}")

    conflicts = [conflict("non-commuting", "0003_c.sql", "0001_a.sql"),
                 conflict("duplicate-version", "0001_a.sql", "0002_b.sql"),
                 conflict("duplicate-version", "0001_a.sql", "0002_b.sql"),
                 conflict("deleted-applied", "0004_d.sql", "0009_gone.sql"),
                 conflict("deleted-applied", "0008_x.sql", "0009_gone.sql")]
    rules = rule_index(LintOptions()).rules
    for given in (conflicts, []):
        printer = sarif.SarifPrinter(rules, fail_on=Safety.SAFE_WITH_CARE)
        for report in reports:
            printer.add(report)
        pieces: list[str] = []
        printer.write(given, pieces.append)
        expected = sarif.render_sarif(with_conflicts(reports, given), rules,
                                      fail_on=Safety.SAFE_WITH_CARE)
        assert "".join(pieces) == expected
        results = json.loads(expected)["runs"][0]["results"]
        assert len(results) == sum(len(r.all_findings) for r in reports) + len(given)
        if given:  # (the last one's report of its own, last)
            assert results[-1]["locations"][0]["physicalLocation"]["artifactLocation"][
                "uri"] == "0009_gone.sql"


def test_no_report_no_result() -> None:
    """Nothing linted: the log of no result, as the whole document's."""
    rules = rule_index(LintOptions()).rules
    pieces: list[str] = []
    sarif.SarifPrinter(rules, fail_on=Safety.REQUIRES_DOWNTIME).write([], pieces.append)
    text = "".join(pieces)
    assert text == sarif.render_sarif([], rules, fail_on=Safety.REQUIRES_DOWNTIME)
    assert json.loads(text)["runs"][0]["results"] == []


def _github(*args: str) -> tuple[int, str]:
    return _run("github", *args)


def _whole_github(paths: list[str]) -> str:
    """The annotations as written before `GithubPrinter` (`render_github` of every report,
    the conflicts attached), through click as the command wrote them."""
    import typer

    from lockwise.report.github import render_github

    reports, conflicts = _linted(paths)
    echo = typer.Typer()

    @echo.command()
    def whole() -> None:
        typer.echo(render_github(with_conflicts(reports, conflicts),
                                 fail_on=Safety.REQUIRES_DOWNTIME))

    return CliRunner().invoke(echo, []).stdout


@pytest.mark.parametrize("chunk", [json_report.CHUNK_CHARS, 1])
def test_the_annotations_are_the_whole_lists(chunk: int, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """GitHub's annotations too are made as each report comes and spooled: copied in pieces
    of any size, the lines are those of `render_github` with the conflicts attached, escape
    sequences in a name stripped by click as from the whole text, and the summary counts
    every migration and finding."""
    monkeypatch.setattr(json_report, "CHUNK_CHARS", chunk)
    monkeypatch.setattr(json_report, "SPOOL_CHARS", 1)
    monkeypatch.chdir(tmp_path)
    paths = _varied(tmp_path)
    (tmp_path / "données" / "004_échappé.sql").write_text(
        'CREATE INDEX "i\x1b[31mx" ON "t\x1b[1mz" (a);\n', encoding="utf-8")
    code, out = _github("--no-cache", *paths)
    assert code == EXIT_INPUT
    assert out == _whole_github(paths)
    assert '"tz"' in out and "\x1b" not in out
    assert "::error file=non-commuting/" in out or "non-commuting" in out
    summary = out.splitlines()[-1]
    assert summary.startswith("lockwise: ") and f"{out.count('::') // 2} finding(s)" in summary


def test_each_report_is_annotated_and_dropped_before_the_next_is_linted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As for SARIF: when a migration's annotations are made, only its report is alive."""
    from lockwise.report.github import GithubPrinter

    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target)
    alive: list[int] = []
    add = GithubPrinter.add

    def annotated(self: GithubPrinter, report: MigrationReport) -> None:
        alive.append(_live_reports(target))
        add(self, report)

    monkeypatch.setattr(GithubPrinter, "add", annotated)
    code, out = _github("--no-cache", str(target))
    assert alive == [1] * len(list(target.glob("*.up.sql")))
    assert code == 1 and out == _whole_github([str(target)])
