"""The run's verdict (exit code 1 or 0), shared by the exit code and the CI formats so they
cannot disagree: which findings fail, against which migration's --fail-on threshold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.types import Finding, MigrationReport, Safety

if TYPE_CHECKING:
    from lockwise.graph.model import Conflict

#: The --fail-on threshold of each migration (a per-path override's `fail_on`, else the
#: run's).
Thresholds = Callable[[MigrationReport], Safety]


def attach_conflicts(reports: Sequence[MigrationReport], conflicts: Sequence[Conflict]
                     ) -> list[MigrationReport]:
    """The reports with each conflict between migrations added as a finding (rule id: the
    conflict's kind) of the migration it points at last, so CI formats show conflicts where
    they show findings: a conflict that fails the run gets its annotation. A conflict that
    points at none of the reports (a migration the branch deleted) gets a report of its own,
    for the file it points at last, after the others."""
    if not conflicts:
        return list(reports)
    from dataclasses import replace

    from lockwise.core.types import Migration, RelatedLocation, Span
    from lockwise.graph.model import Location

    def span(loc: Location) -> Span | None:
        column = loc.column or 1
        return Span(loc.line, column, loc.line, column) if loc.line is not None else None

    out = list(reports)
    by_path: dict[str, int] = {}
    for i, r in enumerate(reports):
        by_path[str(r.migration.path)] = i
        if r.migration.down_path is not None:
            by_path.setdefault(str(r.migration.down_path), i)
    extra: dict[int, list[Finding]] = {}
    for c in conflicts:
        at = next((loc for loc in reversed(c.locations) if loc.path in by_path), None)
        if at is None:
            at = c.locations[-1]
            by_path[at.path] = len(out)
            out.append(MigrationReport(
                Migration(version=at.migration, name="", path=Path(at.path), up_sql=""),
                statements=[], findings=[], safety=Safety.SAFE, reason=c.explanation))
        title = c.title
        related = tuple(RelatedLocation(loc.migration, Path(loc.path), span(loc))
                        for loc in c.locations if loc is not at)
        message = c.explanation + also_involved([r.text() for r in related])
        extra.setdefault(by_path[at.path], []).append(Finding(
            rule=c.kind, safety=c.safety, message=message, path=Path(at.path), span=span(at),
            why=title, title=title, next_step=c.next_step, related=related))
    for i, found in extra.items():
        r = out[i]
        out[i] = replace(r, findings=[*r.findings, *found],
                         safety=max(r.safety, *(f.safety for f in found)))
    return out


def also_involved(places: Sequence[str]) -> str:
    """The end of a conflict's message shown as a finding, naming its other places
    (RelatedLocation.text, or SARIF's links to them): ` (also: a.sql:3:1; b.sql)`."""
    return f" (also: {'; '.join(places)})" if places else ""


def verdict_part(report: MigrationReport) -> MigrationReport:
    """What the run's verdict (`verdict_fails`), `has_input_errors` and `conflicts_not_said`
    read of `report`, kept when the report itself is printed and dropped (the text report,
    migration by migration): its migration and level, the migration's own input errors, its
    worst finding (`fails` at any threshold as the report does), and the statements that a
    finding of object-missing is about (rarely any)."""
    from lockwise.options import INPUT_ERROR_RULES
    from lockwise.report.said_once import says_missing

    findings = [f for f in report.findings if f.rule in INPUT_ERROR_RULES]
    worst = max(report.all_findings, key=lambda f: f.safety, default=None)
    if worst is not None and all(f is not worst for f in findings):
        findings.append(worst)
    return MigrationReport(report.migration, [s for s in report.statements if says_missing(s)],
                           findings, report.safety, "")


def verdict_fails(reports: Sequence[MigrationReport], conflicts: Sequence[Conflict],
                  fail_on: Safety, thresholds: Thresholds | None = None) -> bool:
    """The run's verdict, as the CI formats show it: a finding at or above its migration's
    threshold (a conflict counts for the migration it points at last, as CI formats place
    it, or for a report of its own: see `attach_conflicts`)."""
    threshold_of = thresholds or (lambda _: fail_on)
    return any(r.fails(threshold_of(r)) for r in attach_conflicts(reports, conflicts))
