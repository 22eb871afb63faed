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

from lockwise.core.types import Finding, Migration, MigrationReport, Safety, StatementReport
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
    migrations change: its migration, level and migration-level findings only (the
    conflicts attached to it at the end change those: `MarkdownPrinter.write`), the rest
    read from its statements as it comes. No report is kept (`report` makes one to ask a
    threshold of). `size`: the length of its statements' lines in its details (`text`, or
    `at` in a printer's spool), -1 when they were left out as too long to ever fit in the
    comment (`MarkdownPrinter.add`)."""

    migration: Migration
    safety: Safety
    findings: tuple[Finding, ...]
    path: str
    #: The locks, estimate and lock held cells of its row, joined as the row joins them.
    cells: str
    #: The rules of its statements' findings, and the strongest of those findings' levels.
    rules: frozenset[str]
    worst: Safety | None
    size: int = -1
    text: str = ""
    at: int = 0

    def report(self) -> MigrationReport:
        """A report of its migration, level and migration-level findings (made when asked,
        for a threshold or `with_conflicts`: not kept)."""
        return MigrationReport(self.migration, [], list(self.findings), self.safety, "")

    def fails(self, threshold: Safety) -> bool:
        """`MigrationReport.fails` of the whole report."""
        return any(f.safety >= threshold for f in self.findings) or (
            self.worst is not None and self.worst >= threshold)


def _part(report: MigrationReport,
          rule_sets: dict[frozenset[str], frozenset[str]] | None = None) -> _Part:
    """`report`'s part, its statements' lines not made (see `_statements`); its rule set
    the equal one in `rule_sets` when there is one (put there when not)."""
    found = [f for s in report.statements for f in s.findings]
    rules = frozenset(f.rule for f in found)
    if rule_sets is not None:
        rules = rule_sets.setdefault(rules, rules)
    return _Part(
        report.migration, report.safety, tuple(report.findings),
        display_path(report.migration.path),
        _CELLS.join([_locks_cell(report),
                     _seconds(total([s.estimated_seconds for s in report.statements])),
                     _seconds(total([s.lock_seconds for s in report.statements]))]),
        rules, max((f.safety for f in found), default=None))


#: What joins a row's cells.
_CELLS = " | "


def _row(p: _Part) -> str:
    rules = sorted(p.rules.union(f.rule for f in p.findings))
    return "| " + _CELLS.join([
        f"`{table_cell(p.path)}`", f"{_ICON[p.safety]} {p.safety.label}", p.cells,
        ", ".join(f"`{rule}`" for rule in rules) or "–",
    ]) + " |"


def _details_head(p: _Part) -> str:
    """A migration's `<details>` up to its statements: its level and its migration-level
    findings (each line with its newline)."""
    out = ["<details>",
           f"<summary>{_ICON[p.safety]} <code>{html.escape(p.path)}</code>: "
           f"{p.safety.label}"
           "</summary>", ""]
    for f in p.findings:
        where = f"line {f.span.line}" if f.span else "migration"
        out.append(f"- **{f.rule}** ({f.safety.label}, {where}): {f.message}")
        if step := next_step(f):
            out.append(f"  - next: {step}")
    if p.findings:
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
    pieces: list[str] = []
    _comment(parts, fail_on=fail_on, thresholds=thresholds, statements=lambda p: p.text,
             write=pieces.append)
    return "".join(pieces)[:-1]  # (its newline is the printer's)


def _verdict(parts: Sequence[_Part], fail_on: Safety, thresholds: Thresholds | None) -> str:
    """The comment's verdict: how many of `parts` fail at their threshold (their path's own
    `fail_on` where `thresholds` gives one, else `fail_on`), and at which level."""
    failing, own = 0, False
    for p in parts:
        threshold = thresholds(p.report()) if thresholds else fail_on
        failing += p.fails(threshold)
        own = own or threshold != fail_on
    level = fail_on.label + (" (or their path's own fail_on)" if own else "")
    return (f"{failing} of {len(parts)} migration(s) at or above {level}"
            if failing else f"no migration at or above {level}")


def _comment(parts: Sequence[_Part], *, fail_on: Safety, thresholds: Thresholds | None,
             statements: Callable[[_Part], str], write: Callable[[str], object]) -> None:
    """Give `write` the comment from each migration's part and a newline, whole lines about
    CHUNK_CHARS at a time, never the whole: the rows as they are made (the room left for
    details needs only their length), then the details that fit. `statements` gives the
    statements' lines of each part whose details are shown, in order."""
    from lockwise.report.json_report import Gathered

    worst = max((p.safety for p in parts), default=Safety.SAFE)
    out = Gathered(write)
    written = 0  # what `line` gave so far, newlines included

    def line(text: str) -> None:
        """Give `text` and the newline that follows it, counted in `written`."""
        nonlocal written
        out(text + "\n")
        written += len(text) + 1

    for text in (f"## {_ICON[worst]} lockwise: {worst.label}", "",
                 _verdict(parts, fail_on, thresholds), ""):
        line(text)
    if not parts:
        out("No migrations to check.\n\n")
        out.flush()
        return
    line("| Migration | Safety | Locks | Estimate | Lock held | Findings |")
    line("| --- | --- | --- | --- | --- | --- |")
    for p in parts:
        line(_row(p))
    out("\n")
    # GitHub refuses comments over 65,536 characters: leave out the details of the safest
    # migrations first, and say so. (The elements so far joined by newlines are `written`
    # long; a part whose statements were left out would not fit: `MarkdownPrinter.add`.)
    budget = MAX_COMMENT_CHARS - written - 200
    heads: dict[int, str] = {}
    for p in sorted((p for p in parts if p.size >= 0), key=lambda p: -p.safety):
        head = _details_head(p)
        size = len(head) + p.size + len(_DETAILS_END)
        if size <= budget:
            heads[id(p)] = head
            budget -= size
    for p in parts:
        if id(p) in heads:
            out(heads[id(p)] + statements(p) + _DETAILS_END + "\n")
    if len(heads) < len(parts):
        out(f"_Details of {len(parts) - len(heads)} migration(s) left out to fit in "
            "one comment; run `lockwise lint` for the full report._\n")
    out.flush()


#: How much shorter a row or a migration's details can get when conflicts are attached to
#: its migration: its level's name may change (to a stronger level's, which may be
#: shorter; findings and rules are only added).
_SHORTER = max(len(s.label) for s in Safety)


class MarkdownPrinter:
    """The comment of `lockwise lint` a report at a time (`add`), written by `write` once the
    conflicts are known: the text `render_markdown` gives for the reports with the conflicts
    attached (ci_common.with_conflicts), without holding them. Of each report it keeps what
    its row and its details' head need (`_Part`: its migration, level, migration-level
    findings, path, cells and rules; the rule sets shared among migrations with the same);
    its statements' lines go to a spool (json_report.Spool), and only while they could still
    fit in the comment: every row is in it, so once the rows alone leave no room (a few
    hundred migrations) no details are made at all. The comment is written as it is made,
    never held whole (`_comment`)."""

    def __init__(self, *, fail_on: Safety, thresholds: Thresholds | None = None) -> None:
        from lockwise.report.json_report import Spool

        self._fail_on, self._thresholds = fail_on, thresholds
        self._spool = Spool()
        self._parts: list[_Part] = []
        #: Each set of rules found, once (10,000 generated migrations have a few dozen).
        self._rule_sets: dict[frozenset[str], frozenset[str]] = {}
        #: What the rows take of the comment at least, whatever the conflicts change.
        self._rows = 0

    def add(self, report: MigrationReport) -> None:
        """Take one migration's part of the comment (not kept: the report may go)."""
        part = _part(report, self._rule_sets)
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
        """Give `write` the comment with `conflicts` among its findings, and a newline, whole
        lines about CHUNK_CHARS at a time."""
        parts = self._parts
        if conflicts:
            reports = [p.report() for p in parts]
            attached = with_conflicts(reports, conflicts)
            for part, report, given in zip(parts, attached, reports, strict=False):
                if report is not given:
                    part.findings, part.safety = tuple(report.findings), report.safety
            for report in attached[len(parts):]:  # (conflicts pointing at no migration linted)
                part = _part(report)
                part.size = 0
                parts.append(part)
            del reports, attached
        try:
            _comment(parts, fail_on=self._fail_on, thresholds=self._thresholds,
                     statements=self._statements, write=write)
        finally:
            self._spool.close()

    def _statements(self, part: _Part) -> str:
        """A part's statements' lines from the spool (asked in order)."""
        spool, pieces = self._spool, []
        spool.copy(lambda _: None, part.at)
        spool.copy(pieces.append, part.at + part.size)
        return "".join(pieces)
