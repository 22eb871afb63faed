"""What `lint -f markdown` holds (issue 10, fix-speed84): of each migration only what its
row and its details' head need (no report, the rule sets shared), and the comment is written
as it is made, a row at a time, never built whole (10,000 generated files: a table of 4.5
million characters, held four times over before)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import lockwise.report.json_report as json_report
import lockwise.report.markdown as markdown
from lockwise.core.types import Finding, Migration, MigrationReport, Safety, StatementReport
from lockwise.report.ci_common import with_conflicts
from test_ci_streamed import _report
from test_markdown_streamed import _conflict

#: What a migration's part may refer to: nothing of its report but its migration and its
#: migration-level findings.
_HELD = (Migration, Safety, tuple, str, frozenset, int, type(None))


def _reports(count: int) -> list[MigrationReport]:
    """`count` reports of one statement each, every third with a migration-level finding."""
    return [_report(f"{i:04}_m{i}.sql", ("duplicate-version",) if i % 3 == 0 else ())
            for i in range(count)]


def _reachable(root: object) -> list[object]:
    """The objects `root` refers to, and those they refer to, not entering a migration or a
    finding (which the part shares with the command's verdict)."""
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, type):
            continue
        seen[id(item)] = item
        if not isinstance(item, (Migration, Finding)):
            todo.extend(gc.get_referents(item))
    return list(seen.values())


def test_each_migration_keeps_what_its_row_needs_and_no_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After every report is taken, the printer holds no report and no statement; each part
    refers only to its migration, level, findings, texts and rule set, and migrations with
    the same rules share one set."""
    monkeypatch.chdir(tmp_path)
    reports = _reports(12)
    printer = markdown.MarkdownPrinter(fail_on=Safety.REQUIRES_DOWNTIME)
    for report in reports:
        printer.add(report)
    parts = printer._parts
    assert len(parts) == len(reports)
    for part in parts:
        held = [item for item in gc.get_referents(part) if not isinstance(item, type)]
        assert held and all(isinstance(item, _HELD) for item in held), held
        assert all(isinstance(f, Finding) for f in part.findings)
    reachable = _reachable(printer)
    assert not [item for item in reachable
                if isinstance(item, (MigrationReport, StatementReport))]
    assert len({id(p.rules) for p in parts}) == len({p.rules for p in parts}) == 1
    assert [len(p.findings) for p in parts] == [i % 3 == 0 for i in range(len(parts))]
    assert {id(p.findings) for p in parts if not p.findings} == {id(())}


def test_the_rows_are_written_as_they_are_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each piece handed on one element at a time (CHUNK_CHARS 1): when a row is written,
    the rows after it are not made yet, and no piece holds more than one row; the pieces
    joined are `render_markdown`'s comment for the reports with the conflicts attached."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(json_report, "CHUNK_CHARS", 1)
    reports = _reports(9)
    conflicts = [_conflict("non-commuting", "0002_m2.sql", "0001_m1.sql"),
                 _conflict("deleted-applied", "0100_x.sql", "0101_gone.sql")]
    made: list[str] = []
    row = markdown._row

    def counted(part: markdown._Part) -> str:
        made.append(part.path)
        return row(part)

    expected = markdown.render_markdown(with_conflicts(reports, conflicts),
                                        fail_on=Safety.REQUIRES_DOWNTIME) + "\n"
    monkeypatch.setattr(markdown, "_row", counted)
    printer = markdown.MarkdownPrinter(fail_on=Safety.REQUIRES_DOWNTIME)
    for report in reports:
        printer.add(report)
    made.clear()
    pieces: list[str] = []
    rows_when_written: list[int] = []

    def write(piece: str) -> None:
        pieces.append(piece)
        if piece.startswith("| `"):
            rows_when_written.append(len(made))

    printer.write(conflicts, write)
    assert "".join(pieces) == expected
    assert rows_when_written == list(range(1, len(reports) + 2))  # (and the conflict's own)
    assert all(piece.count("\n| `") == 0 for piece in pieces)
    assert all(piece.endswith("\n") for piece in pieces)


def test_pieces_are_whole_lines_of_about_a_chunk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a comment limit that keeps every migration's details and one that keeps none,
    the comment goes in pieces of whole lines (click strips colour line by line), each under
    a chunk and one element, more than one of them: the same text as `render_markdown`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(json_report, "CHUNK_CHARS", 400)
    reports = _reports(10)
    for limit in (markdown.MAX_COMMENT_CHARS, 0):
        monkeypatch.setattr(markdown, "MAX_COMMENT_CHARS", limit)
        printer = markdown.MarkdownPrinter(fail_on=Safety.SAFE)
        for report in reports:
            printer.add(report)
        pieces: list[str] = []
        printer.write([], pieces.append)
        text = "".join(pieces)
        assert text == markdown.render_markdown(reports, fail_on=Safety.SAFE) + "\n"
        assert text.count("<details>") == (len(reports) if limit else 0)
        details = [d.partition("</details>")[0] for d in text.split("<details>")[1:]]
        longest = max([len(line) + 1 for line in text.splitlines()]
                      + [len(d) + 23 for d in details])
        assert len(pieces) > 2
        assert all(p.endswith("\n") and len(p) < 400 + longest for p in pieces)
