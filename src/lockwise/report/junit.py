"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure, CircleCI).

A testsuite per migration, a testcase per statement; findings at or above --fail-on are
failures (a parse error is an error), findings below it are listed in the case's system-out.
Findings on the migration as a whole (parse errors, an unclosed transaction, ignore comments)
belong to an extra `migration` testcase, present only when there are some.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from lockwise.core.types import Finding, MigrationReport, Safety
from lockwise.report.ci_common import display_path, next_step
from lockwise.report.verdict import Thresholds

#: Characters XML 1.0 forbids even as references (control characters from a migration's SQL
#: or identifiers): a report holding one is no XML, and CI systems reject it whole.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escaped(match: re.Match) -> str:
    return f"\\x{ord(match.group()):02x}" if match.group() < "\x80" else \
        f"\\u{ord(match.group()):04x}"


def _finding_text(f: Finding) -> str:
    where = display_path(f.path)
    if f.span is not None:
        where += f":{f.span.line}:{f.span.column}"
    text = f"{where}: {f.rule} [{f.safety.label}] {f.message}"
    if f.instead:
        text += "\ninstead:\n" + f.instead
    if step := next_step(f):
        text += "\nnext: " + step
    return text


def _case(suite: ET.Element, classname: str, name: str, path: str, line: int | None,
          findings: list[Finding], fail_on: Safety) -> tuple[int, int]:
    """Add a testcase; returns (failures, errors) it counts."""
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, file=path)
    if line is not None:
        case.set("line", str(line))
    failing = [f for f in findings if f.safety >= fail_on]
    below = [f for f in findings if f.safety < fail_on]
    failures = errors = 0
    if failing:
        # One element per testcase (the JUnit schema allows one): the worst finding names it,
        # the text lists them all.
        worst = max(failing, key=lambda f: f.safety)
        tag = "error" if any(f.rule == "parse-error" for f in failing) else "failure"
        element = ET.SubElement(case, tag, message=f"{worst.rule}: {worst.message}",
                                type=worst.rule)
        element.text = "\n\n".join(_finding_text(f) for f in failing)
        errors, failures = (1, 0) if tag == "error" else (0, 1)
    if below:
        ET.SubElement(case, "system-out").text = "\n".join(_finding_text(f) for f in below)
    return failures, errors


def render_junit(reports: Sequence[MigrationReport], *, fail_on: Safety,
                 thresholds: Thresholds | None = None) -> str:
    root = ET.Element("testsuites", name="lockwise")
    totals = [0, 0, 0]  # tests, failures, errors
    for r in reports:
        threshold = thresholds(r) if thresholds else fail_on
        path = display_path(r.migration.path)
        suite = ET.SubElement(root, "testsuite", name=path)
        counts = [0, 0, 0]
        if r.findings:
            failed, errored = _case(suite, r.migration.id, "migration", path, None, r.findings,
                                    threshold)
            counts = [counts[0] + 1, counts[1] + failed, counts[2] + errored]
        for s in r.statements:
            name = (f"statement {s.statement.index + 1} (line {s.statement.span.line}): "
                    f"{s.effect.action.replace('_', ' ')}")
            failed, errored = _case(suite, r.migration.id, name, path, s.statement.span.line,
                                    s.findings, threshold)
            counts = [counts[0] + 1, counts[1] + failed, counts[2] + errored]
        suite.set("tests", str(counts[0]))
        suite.set("failures", str(counts[1]))
        suite.set("errors", str(counts[2]))
        suite.set("skipped", "0")
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    ET.indent(root)
    # ElementTree writes them as they are, never as markup: replaced in one pass.
    xml = _NOT_XML.sub(_escaped, ET.tostring(root, encoding="unicode"))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml
