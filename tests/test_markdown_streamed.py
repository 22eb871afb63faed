"""`lint -f markdown` takes each migration's part of the pull-request comment as lint makes its
report (`MarkdownPrinter`), its statements' lines spooled only while they could still fit in
the comment, and writes the comment once the conflicts are known (issue 10: it held every
report to the end, as SARIF and GitHub did before fix-speed73). The comment is the very text
`render_markdown` gives for every report with the conflicts attached, whatever the comment's
limit leaves out."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import lockwise.report.json_report as json_report
import lockwise.report.markdown as markdown
from lockwise.cli.app import EXIT_INPUT
from lockwise.core.types import MigrationReport, Safety
from lockwise.graph.model import Conflict, Location
from lockwise.report.ci_common import with_conflicts
from test_ci_streamed import MIGRATIONS, _linted, _report, _run
from test_json_streamed import _live_reports, _varied


def _echoed(text: str) -> str:
    """`text` as the command wrote it before `MarkdownPrinter` (typer.echo of the whole)."""
    echo = typer.Typer()

    @echo.command()
    def whole() -> None:
        typer.echo(text)

    return CliRunner().invoke(echo, []).stdout


def _whole(paths: list[str]) -> str:
    """The comment as written before `MarkdownPrinter`: every report made and held, the
    conflicts attached, then `render_markdown` of them all."""
    reports, conflicts = _linted(paths)
    return _echoed(markdown.render_markdown(with_conflicts(reports, conflicts),
                                            fail_on=Safety.REQUIRES_DOWNTIME))


def _kept(comment: str) -> int:
    return comment.count("<details>")


def test_the_comment_is_the_whole_reports_comment_at_any_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Conflicts, a missing object, non-ASCII names, a file that does not parse: under
    limits of the comment that keep every migration's details, some, or none, the spool in
    a file, the command writes what `render_markdown` of every report does."""
    monkeypatch.setattr(json_report, "SPOOL_CHARS", 1)
    monkeypatch.setattr(json_report, "CHUNK_CHARS", 7)
    monkeypatch.chdir(tmp_path)
    paths = _varied(tmp_path)
    reports, _ = _linted(paths)
    full = _whole(paths)
    assert "non-commuting" in full and "missing-object" in full and _kept(full) == len(reports)
    kept = set()
    for limit in [*range(0, len(full), max(1, len(full) // 12)), len(full) + 300]:
        monkeypatch.setattr(markdown, "MAX_COMMENT_CHARS", limit)
        code, out = _run("markdown", "--no-cache", *paths)
        assert code == EXIT_INPUT
        assert out == _whole(paths), limit
        kept.add(_kept(out))
    assert len(kept) >= 4 and 0 in kept and len(reports) in kept


def _conflict(kind: str, *paths: str) -> Conflict:
    return Conflict(kind, tuple(Location(Path(p).stem, p, 1, 1) for p in paths),
                    "table:public.t", f"{kind} between {', '.join(paths)}")


def test_conflicts_that_change_a_row_and_its_details_are_placed_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Conflicts that add findings to a report without any, to one with migration-level
    findings, that raise a report's level to one with a shorter name (requires-downtime to
    destructive: its row and details get shorter), and that point at no migration linted (a
    row of their own, last): at every limit of the comment, the printer writes what
    `render_markdown` does for the reports with the conflicts attached."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(json_report, "SPOOL_CHARS", 1)
    reports = [_report("0001_a.sql", ()), _report("0002_b.sql", ("duplicate-version",)),
               _report("0003_c.sql", ()), _report("0004_d.sql", ())]
    reports[3] = replace(reports[3], safety=Safety.REQUIRES_DOWNTIME)
    conflicts = [_conflict("non-commuting", "0003_c.sql", "0001_a.sql"),
                 _conflict("duplicate-version", "0001_a.sql", "0002_b.sql"),
                 _conflict("drop-column", "0001_a.sql", "0004_d.sql"),
                 _conflict("deleted-applied", "0008_x.sql", "0009_gone.sql")]
    for given in (conflicts, []):
        attached = with_conflicts(reports, given)
        assert not given or attached[3].safety == Safety.DESTRUCTIVE
        full = markdown.render_markdown(attached, fail_on=Safety.SAFE_WITH_CARE)
        kept = set()
        for limit in [*range(0, len(full), 25), len(full) + 300]:
            monkeypatch.setattr(markdown, "MAX_COMMENT_CHARS", limit)
            printer = markdown.MarkdownPrinter(fail_on=Safety.SAFE_WITH_CARE)
            for report in reports:
                printer.add(report)
            pieces: list[str] = []
            printer.write(given, pieces.append)
            expected = markdown.render_markdown(attached, fail_on=Safety.SAFE_WITH_CARE)
            assert "".join(pieces) == expected + "\n", limit
            kept.add(_kept(expected))
        assert len(kept) >= 3 and {0, len(attached)} <= kept
        if given:
            assert "`0009_gone.sql`" in full.split("<details>")[0].splitlines()[-2]


def test_no_details_are_made_once_the_rows_leave_no_room(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The statements' lines of a migration are made only while the rows so far leave room
    for them: under a limit the table alone fills, none are (counted), and the comment is
    still the whole reports'."""
    shutil.copytree(MIGRATIONS, tmp_path / "migrations")
    monkeypatch.chdir(tmp_path)
    made: list[str] = []
    statements = markdown._statements

    def counted(report: MigrationReport) -> str:
        made.append(report.migration.path.name)
        return statements(report)

    monkeypatch.setattr(markdown, "_statements", counted)
    count = len(list((tmp_path / "migrations").glob("*.up.sql")))
    for limit, expected in ((markdown.MAX_COMMENT_CHARS, count), (200, 0)):
        monkeypatch.setattr(markdown, "MAX_COMMENT_CHARS", limit)
        made.clear()
        code, out = _run("markdown", "--no-cache", "migrations")
        assert len(made) == expected
        made.clear()
        assert code == 1 and out == _whole(["migrations"])
        assert _kept(out) == expected


def test_each_report_is_taken_and_dropped_before_the_next_is_linted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As for SARIF and GitHub: when a migration's part is taken, only its report is alive;
    when the comment is written, none is."""
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target)
    alive: list[int] = []
    add, write = markdown.MarkdownPrinter.add, markdown.MarkdownPrinter.write

    def taken(self: markdown.MarkdownPrinter, report: MigrationReport) -> None:
        alive.append(_live_reports(target))
        add(self, report)

    def written(self: markdown.MarkdownPrinter, *args: object) -> None:
        alive.append(_live_reports(target))
        write(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown.MarkdownPrinter, "add", taken)
    monkeypatch.setattr(markdown.MarkdownPrinter, "write", written)
    code, out = _run("markdown", "--no-cache", str(target))
    assert alive == [1] * len(list(target.glob("*.up.sql"))) + [0]
    assert code == 1 and out == _whole([str(target)]) and "<details>" in out


def test_cached_and_single_file_runs_write_the_same_comment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From a fresh cache, from the cache, and without it; a file linted with its directory
    as context: the same comment and exit code."""
    shutil.copytree(MIGRATIONS, tmp_path / "migrations")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    first = _run("markdown", "migrations")
    assert first == _run("markdown", "migrations") == _run("markdown", "--no-cache",
                                                           "migrations")
    one = "migrations/0003_index_orders_by_account.up.sql"
    assert _run("markdown", one) == _run("markdown", "--no-cache", one) == \
        _run("markdown", one)


def test_no_migration() -> None:
    """Nothing linted: the comment of no migration, as before."""
    pieces: list[str] = []
    markdown.MarkdownPrinter(fail_on=Safety.REQUIRES_DOWNTIME).write([], pieces.append)
    assert "".join(pieces) == markdown.render_markdown(
        [], fail_on=Safety.REQUIRES_DOWNTIME) + "\n"
    assert "No migrations to check." in pieces[0]
