"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's
diff at the statement's lines.

`::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=T::message`. Findings at or above
--fail-on are errors, safe (informational) ones notices, the rest warnings.
"""

from __future__ import annotations

from collections.abc import Sequence

from lockwise.core.types import MigrationReport, Safety
from lockwise.report.ci_common import finding_text, level, located_findings, repository_path
from lockwise.report.verdict import Thresholds


def _escape_data(text: str) -> str:
    """Escaping of a workflow command's message (as in @actions/core)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(reports: Sequence[MigrationReport], *, fail_on: Safety,
                  thresholds: Thresholds | None = None) -> str:
    lines = []
    for item in located_findings(reports):
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
        lines.append(f"::{command} {head}::{_escape_data(message)}")
    worst = max((r.safety for r in reports), default=Safety.SAFE)
    summary = (f"lockwise: {len(reports)} migration(s), {len(lines)} finding(s), worst "
               f"{worst.label} (fail on {fail_on.label})")
    # A plain line (not a command) so the job log says what was checked even when all is well.
    lines.append(summary)
    return "\n".join(lines)
