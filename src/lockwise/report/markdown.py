"""A pull-request comment in GitHub-flavoured Markdown.

A heading with the verdict, a table with one row per migration (safety, strongest locks,
duration estimates when statistics were given, findings), then a collapsible `<details>`
section per migration with each statement, its locks and the safe alternative.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lockwise.core.types import MigrationReport, Safety, StatementReport
from lockwise.effects.refused import refused_note
from lockwise.report.ci_common import (
    display_path,
    next_step,
    strongest_locks,
    total,
    with_conflicts,
)
from lockwise.report.statement_lines import (
    NOT_IN_TRANSACTION,
    held_locks,
    level_from,
    rewritten,
    scanned,
)
from lockwise.report.verdict import Thresholds
from lockwise.rules.instead_lines import TEXT, instead_blocks

if TYPE_CHECKING:
    from lockwise.graph.model import Conflict

#: GitHub's limit for one comment is 65,536 characters; keep a margin.
MAX_COMMENT_CHARS = 60_000

_ICON = {
    Safety.SAFE: "🟢",
    Safety.SAFE_WITH_CARE: "🟡",
    Safety.REQUIRES_DOWNTIME: "🔴",
    Safety.DESTRUCTIVE: "🟣",
}


def table_cell(text: str) -> str:
    """Text safe inside a table cell: pipes escaped, on one line."""
    return " ".join(text.replace("|", "\\|").split())


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def _fence(text: str, lang: str = "sql") -> str:
    # A fence longer than any backtick run inside, so SQL with ``` cannot close it early.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def _locks_cell(report: MigrationReport) -> str:
    locks = strongest_locks(report)
    if not locks:
        return "none"
    return "<br>".join(f"`{name}` on `{table_cell(rel)}`" for rel, name in locks.items())


def _code(name: str) -> str:
    return f"`{name}`"


def _work(s: StatementReport) -> list[str]:
    """The locks, rewrites, scans and estimate of a statement that runs."""
    e = s.effect
    out = [f"- lock: {held}, {what}" for held, what in held_locks(e, _code)]
    out.extend(f"- rewrites `{rel}`" for rel in rewritten(e))
    out.extend(f"- scans `{rel}` ({why})" for rel, why in scanned(e))
    if s.estimated_seconds is not None:
        out.append(f"- estimate: {_seconds(s.estimated_seconds)}, lock held "
                   f"{_seconds(s.lock_seconds)}")
    if not e.transactional:
        out.append(f"- {NOT_IN_TRANSACTION}")
    return out


@dataclass(slots=True)
class _Part:
    """What the comment says of one migration, apart from what the conflicts between
    migrations change: `report` is its migration, level and migration-level findings only
    (the conflicts attached to it at the end change those), the rest is read from its
    statements as it comes. `size`: the length of its statements' lines in its details
    (`text`, or `at` in a printer's spool), -1 when they were left out as too long to ever
    fit in the comment (`MarkdownPrinter.add`)."""

    report: MigrationReport
    path: str
    #: The locks, estimate and lock held cells of its row.
    cells: list[str]
    #: The rules of its statements' findings, and the strongest of those findings' levels.
    rules: frozenset[str]
    worst: Safety | None
    size: int = -1
    text: str = ""
    at: int = 0

    def fails(self, threshold: Safety) -> bool:
        """`MigrationReport.fails` of the whole report."""
        return self.report.fails(threshold) or (self.worst is not None
                                                and self.worst >= threshold)


def _part(report: MigrationReport) -> _Part:
    """`report`'s part, its statements' lines not made (see `_statements`)."""
    found = [f for s in report.statements for f in s.findings]
    return _Part(
        MigrationReport(report.migration, [], list(report.findings), report.safety, ""),
        display_path(report.migration.path),
        [_locks_cell(report), _seconds(total([s.estimated_seconds for s in report.statements])),
         _seconds(total([s.lock_seconds for s in report.statements]))],
        frozenset(f.rule for f in found), max((f.safety for f in found), default=None))


def _row(p: _Part) -> str:
    r = p.report
    rules = sorted(p.rules.union(f.rule for f in r.findings))
    return "| " + " | ".join([
        f"`{table_cell(p.path)}`", f"{_ICON[r.safety]} {r.safety.label}", *p.cells,
        ", ".join(f"`{rule}`" for rule in rules) or "–",
    ]) + " |"


def _details_head(p: _Part) -> str:
    """A migration's `<details>` up to its statements: its level and its migration-level
    findings (each line with its newline)."""
    r = p.report
    out = ["<details>",
           f"<summary>{_ICON[r.safety]} <code>{html.escape(p.path)}</code>: "
           f"{r.safety.label}"
           "</summary>", ""]
    for f in r.findings:
        where = f"line {f.span.line}" if f.span else "migration"
        out.append(f"- **{f.rule}** ({f.safety.label}, {where}): {f.message}")
        if step := next_step(f):
            out.append(f"  - next: {step}")
    if r.findings:
        out.append("")
    return "".join(line + "\n" for line in out)


#: What ends a migration's `<details>`, after its statements' lines.
_DETAILS_END = "</details>\n"


def _statements(report: MigrationReport) -> str:
    """The lines of a migration's `<details>` about its statements (each with its newline)."""
    out: list[str] = []
    for s in report.statements:
        head = (f"**Statement {s.statement.index + 1}** (line {s.statement.span.line}), "
                f"{s.safety.label}{level_from(s)}: {s.reason}")
        out += [head, "", _fence(s.statement.sql), ""]
        if refused := refused_note(s.effect):
            out.append(f"- refused: {refused}")
        else:
            out += _work(s)
        for f in s.findings:
            out.append(f"- **{f.rule}** ({f.safety.label}): {f.message}")
        out.append("")
        for f in s.findings:
            if f.instead:
                out += [f"Instead ({f.rule}):", ""]
                for kind, block in instead_blocks(f.instead):
                    out += [block if kind == TEXT else _fence(block, kind), ""]
    return "".join(line + "\n" for line in out)


def render_markdown(reports: Sequence[MigrationReport], *, fail_on: Safety,
                    thresholds: Thresholds | None = None) -> str:
    """The comment for `reports` (the conflicts attached already: ci_common.with_conflicts).
    `lockwise lint` writes it through `MarkdownPrinter`, a report at a time."""
    parts = []
    for r in reports:
        part = _part(r)
        part.text = _statements(r)
        part.size = len(part.text)
        parts.append(part)
    return _comment(parts, fail_on=fail_on, thresholds=thresholds,
                    statements=lambda p: p.text)


def _comment(parts: Sequence[_Part], *, fail_on: Safety, thresholds: Thresholds | None,
             statements: Callable[[_Part], str]) -> str:
    """The comment from each migration's part; `statements` gives the statements' lines of
    each whose details are shown, in order."""
    reports = [p.report for p in parts]
    worst = max((r.safety for r in reports), default=Safety.SAFE)
    threshold_of = thresholds or (lambda _: fail_on)
    failing = sum(1 for p in parts if p.fails(threshold_of(p.report)))
    level = fail_on.label
    if any(threshold_of(r) != fail_on for r in reports):
        level += " (or their path's own fail_on)"
    verdict = (f"{failing} of {len(reports)} migration(s) at or above {level}"
               if failing else f"no migration at or above {level}")
    out = [f"## {_ICON[worst]} lockwise: {worst.label}", "", verdict, ""]
    if not parts:
        out.append("No migrations to check.")
        return "\n".join(out) + "\n"
    out += ["| Migration | Safety | Locks | Estimate | Lock held | Findings |",
            "| --- | --- | --- | --- | --- | --- |"]
    out += [_row(p) for p in parts]
    out.append("")
    # (a part whose statements were left out would not fit: see `MarkdownPrinter.add`)
    heads = {id(p): _details_head(p) for p in parts if p.size >= 0}
    # GitHub refuses comments over 65,536 characters: leave out the details of the safest
    # migrations first, and say so.
    budget = MAX_COMMENT_CHARS - len("\n".join(out)) - 200
    kept: set[int] = set()
    for p in sorted((p for p in parts if p.size >= 0), key=lambda p: -p.report.safety):
        size = len(heads[id(p)]) + p.size + len(_DETAILS_END)
        if size <= budget:
            kept.add(id(p))
            budget -= size
    out += [heads[id(p)] + statements(p) + _DETAILS_END for p in parts if id(p) in kept]
    if len(kept) < len(parts):
        out.append(f"_Details of {len(parts) - len(kept)} migration(s) left out to fit in "
                   "one comment; run `lockwise lint` for the full report._")
    return "\n".join(out)


#: How much shorter a row or a migration's details can get when conflicts are attached to
#: its migration: its level's name may change (to a stronger level's, which may be
#: shorter; findings and rules are only added).
_SHORTER = max(len(s.label) for s in Safety)


class MarkdownPrinter:
    """The comment of `lockwise lint` a report at a time (`add`), written by `write` once the
    conflicts are known: the text `render_markdown` gives for the reports with the conflicts
    attached (ci_common.with_conflicts), without holding them. Of each report it keeps its
    row's parts and its migration-level findings (`_Part`: what the conflicts change is made
    at the end); its statements' lines go to a spool (json_report.Spool), and only while they
    could still fit in the comment: every row is in it, so once the rows alone leave no room
    (a few hundred migrations) no details are made at all."""

    def __init__(self, *, fail_on: Safety, thresholds: Thresholds | None = None) -> None:
        from lockwise.report.json_report import Spool

        self._fail_on, self._thresholds = fail_on, thresholds
        self._spool = Spool()
        self._parts: list[_Part] = []
        #: What the rows take of the comment at least, whatever the conflicts change.
        self._rows = 0

    def add(self, report: MigrationReport) -> None:
        """Take one migration's part of the comment (not kept: the report may go)."""
        part = _part(report)
        self._parts.append(part)
        self._rows += len(_row(part)) + 1 - _SHORTER
        room = MAX_COMMENT_CHARS - 200 - self._rows + _SHORTER
        if room < 0:
            return
        text = _statements(report)
        if len(_details_head(part)) + len(text) + len(_DETAILS_END) <= room:
            part.size, part.at = len(text), self._spool.size
            self._spool(text)

    def write(self, conflicts: Sequence[Conflict], write: Callable[[str], object]) -> None:
        """Give `write` the comment with `conflicts` among its findings, and a newline."""
        parts = self._parts
        attached = with_conflicts([p.report for p in parts], conflicts)
        for part, report in zip(parts, attached, strict=False):
            part.report = report
        for report in attached[len(parts):]:  # (conflicts pointing at no migration linted)
            part = _part(report)
            part.size = 0
            parts.append(part)
        spool = self._spool
        text = _comment(parts, fail_on=self._fail_on, thresholds=self._thresholds,
                        statements=self._statements)
        spool.close()
        write(text + "\n")

    def _statements(self, part: _Part) -> str:
        """A part's statements' lines from the spool (asked in order)."""
        spool, pieces = self._spool, []
        spool.copy(lambda _: None, part.at)
        spool.copy(pieces.append, part.at + part.size)
        return "".join(pieces)
