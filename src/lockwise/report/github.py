"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's
diff at the statement's lines.

`::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=T::message`. Findings at or above
--fail-on are errors, safe (informational) ones notices, the rest warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from lockwise.core.types import MigrationReport, Safety
from lockwise.report.ci_common import (
    Located,
    SpooledFindings,
    finding_text,
    level,
    located_findings,
    repository_path,
)
from lockwise.report.verdict import Thresholds

if TYPE_CHECKING:
    from lockwise.graph.model import Conflict


def _escape_data(text: str) -> str:
    """Escaping of a workflow command's message (as in @actions/core)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(reports: Sequence[MigrationReport], *, fail_on: Safety,
                  thresholds: Thresholds | None = None) -> str:
    lines = [_annotation(item, fail_on, thresholds) for item in located_findings(reports)]
    worst = max((r.safety for r in reports), default=Safety.SAFE)
    lines.append(_summary(len(reports), len(lines), worst, fail_on))
    return "\n".join(lines)


def _annotation(item: Located, fail_on: Safety, thresholds: Thresholds | None) -> str:
    """A finding's workflow command."""
    f = item.finding
    props = [("file", repository_path(f.path, "GITHUB_WORKSPACE"))]
    if f.span is not None:
        props += [("line", str(f.span.line)), ("col", str(f.span.column)),
                  ("endLine", str(f.span.end_line)),
                  ("endColumn", str(f.span.end_column))]
    props.append(("title", f"lockwise {f.rule} [{f.safety.label}]"))
    message = finding_text(f)
    head = ",".join(f"{key}={_escape_property(value)}" for key, value in props)
    command = level(f.safety, thresholds(item.migration) if thresholds else fail_on,
                    info="notice")
    return f"::{command} {head}::{_escape_data(message)}"


def _summary(migrations: int, findings: int, worst: Safety, fail_on: Safety) -> str:
    # A plain line (not a command) so the job log says what was checked even when all is well.
    return (f"lockwise: {migrations} migration(s), {findings} finding(s), worst "
            f"{worst.label} (fail on {fail_on.label})")


class GithubPrinter:
    """The annotations of `lockwise lint` a report at a time (`add`), written by `write` once
    the conflicts are known: each finding's command is made as its report comes and kept in
    a spool (ci_common.SpooledFindings), not the report. The lines `render_github` gives for
    the reports with the conflicts attached (ci_common.with_conflicts)."""

    def __init__(self, *, fail_on: Safety, thresholds: Thresholds | None = None) -> None:
        self._fail_on = fail_on
        self._findings = SpooledFindings(
            lambda item: _annotation(item, fail_on, thresholds) + "\n")

    def add(self, report: MigrationReport) -> None:
        """Make the annotations of one migration's findings (not kept: the report may go)."""
        self._findings.add(report)

    def write(self, conflicts: Sequence[Conflict], write: Callable[[str], object]) -> None:
        """Give `write` the annotations, `conflicts` among them, then the summary, each
        line whole with its newline."""
        reports = self._findings.reports(conflicts)
        self._findings.write(reports, _WholeLines(write))
        worst = max((r.safety for r in reports), default=Safety.SAFE)
        write(_summary(len(reports), self._findings.count, worst, self._fail_on) + "\n")


class _WholeLines:
    """What hands on text to `write` a run of whole lines at a time (the spool's pieces end
    anywhere): click.echo, which writes them, strips ANSI escapes line by line as it would
    from the whole text."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write, self.rest = write, ""

    def __call__(self, text: str) -> None:
        lines, newline, self.rest = (self.rest + text).rpartition("\n")
        if newline:
            self.write(lines + newline)
