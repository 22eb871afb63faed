"""A pull-request comment in GitHub-flavoured Markdown.

A heading with the verdict, a table with one row per migration (safety, strongest locks,
duration estimates when statistics were given, findings), then a collapsible `<details>`
section per migration with each statement, its locks and the safe alternative.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from lockwise.core.types import MigrationReport, Safety, StatementReport
from lockwise.effects.refused import refused_note
from lockwise.report.ci_common import display_path, next_step, strongest_locks, total
from lockwise.report.statement_lines import (
    NOT_IN_TRANSACTION,
    held_locks,
    level_from,
    rewritten,
    scanned,
)
from lockwise.report.verdict import Thresholds
from lockwise.rules.instead_lines import TEXT, instead_blocks

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


def _details(report: MigrationReport) -> list[str]:
    path = display_path(report.migration.path)
    out = ["<details>",
           f"<summary>{_ICON[report.safety]} <code>{html.escape(path)}</code>: "
           f"{report.safety.label}"
           "</summary>", ""]
    for f in report.findings:
        where = f"line {f.span.line}" if f.span else "migration"
        out.append(f"- **{f.rule}** ({f.safety.label}, {where}): {f.message}")
        if step := next_step(f):
            out.append(f"  - next: {step}")
    if report.findings:
        out.append("")
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
    out.append("</details>")
    return out


def render_markdown(reports: Sequence[MigrationReport], *, fail_on: Safety,
                    thresholds: Thresholds | None = None) -> str:
    worst = max((r.safety for r in reports), default=Safety.SAFE)
    threshold_of = thresholds or (lambda _: fail_on)
    failing = sum(1 for r in reports if r.fails(threshold_of(r)))
    level = fail_on.label
    if any(threshold_of(r) != fail_on for r in reports):
        level += " (or their path's own fail_on)"
    verdict = (f"{failing} of {len(reports)} migration(s) at or above {level}"
               if failing else f"no migration at or above {level}")
    out = [f"## {_ICON[worst]} lockwise: {worst.label}", "", verdict, ""]
    if not reports:
        out.append("No migrations to check.")
        return "\n".join(out) + "\n"
    out += ["| Migration | Safety | Locks | Estimate | Lock held | Findings |",
            "| --- | --- | --- | --- | --- | --- |"]
    for r in reports:
        rules = sorted({f.rule for f in r.all_findings})
        out.append("| " + " | ".join([
            f"`{table_cell(display_path(r.migration.path))}`",
            f"{_ICON[r.safety]} {r.safety.label}",
            _locks_cell(r),
            _seconds(total([s.estimated_seconds for s in r.statements])),
            _seconds(total([s.lock_seconds for s in r.statements])),
            ", ".join(f"`{rule}`" for rule in rules) or "–",
        ]) + " |")
    out.append("")
    details = {id(r): "\n".join(_details(r)) + "\n" for r in reports}
    # GitHub refuses comments over 65,536 characters: leave out the details of the safest
    # migrations first, and say so.
    budget = MAX_COMMENT_CHARS - len("\n".join(out)) - 200
    kept: set[int] = set()
    for r in sorted(reports, key=lambda r: -r.safety):
        if len(details[id(r)]) <= budget:
            kept.add(id(r))
            budget -= len(details[id(r)])
    out += [details[id(r)] for r in reports if id(r) in kept]
    if len(kept) < len(reports):
        out.append(f"_Details of {len(reports) - len(kept)} migration(s) left out to fit in "
                   "one comment; run `lockwise lint` for the full report._")
    return "\n".join(out)
