"""GitLab Code Quality report (a subset of the Code Climate issue format), shown in merge
request widgets: description, check_name, fingerprint, severity, location.path/lines.begin."""

from __future__ import annotations

import json
from collections.abc import Sequence

from lockwise.core.types import MigrationReport, Safety
from lockwise.report.ci_common import fingerprint, located_findings, next_step, repository_path

#: GitLab's severities are info, minor, major, critical and blocker.
SEVERITY = {
    Safety.SAFE: "info",
    Safety.SAFE_WITH_CARE: "minor",
    Safety.REQUIRES_DOWNTIME: "major",
    Safety.DESTRUCTIVE: "critical",
}


def render_gitlab(reports: Sequence[MigrationReport]) -> str:
    issues = []
    for item in located_findings(reports):
        f = item.finding
        step = next_step(f)
        issues.append({
            "type": "issue",
            "description": f"{f.message} [{f.safety.label}]" + (f" Next: {step}" if step else ""),
            "check_name": f.rule,
            "fingerprint": fingerprint(item),
            "severity": SEVERITY[f.safety],
            "categories": ["Bug Risk"],
            "location": {
                "path": repository_path(f.path, "CI_PROJECT_DIR"),
                "lines": {"begin": f.span.line if f.span else 1,
                          "end": f.span.end_line if f.span else 1},
            },
        })
    return json.dumps(issues, indent=2)
