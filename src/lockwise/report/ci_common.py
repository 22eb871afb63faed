"""What the CI report formats (SARIF, GitHub, GitLab, JUnit, Markdown) share: paths as the
repository names them, stable fingerprints, and a flat list of findings with their statement."""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.types import Finding, LockMode, MigrationReport, Safety, StatementReport
from lockwise.report.verdict import Thresholds, attach_conflicts

if TYPE_CHECKING:
    from lockwise.graph.model import Conflict


def display_path(path: Path) -> str:
    """The path relative to the working directory (the repository root in CI), POSIX style;
    absolute when the file lies elsewhere (a relative `../x` would be read against the root)."""
    return _display_path(path, os.getcwd())


def repository_path(path: Path, root_variable: str) -> str:
    """The path as a CI service names it: relative to the checkout its environment variable
    names (GITHUB_WORKSPACE, CI_PROJECT_DIR), so annotations land on the right file even when
    lockwise runs in a subdirectory; relative to the working directory outside CI; absolute
    when the file lies outside that root."""
    return _display_path(path, os.environ.get(root_variable) or os.getcwd())


@functools.lru_cache(maxsize=1024)
def _display_path(path: Path, root: str) -> str:
    # Asked once per finding, and resolving a path walks it link by link (a system call
    # per part): on lemmy+documenso that was half of a cached `--format sarif` run.
    try:
        resolved, base = path.resolve(), Path(root).resolve()
    except (ValueError, OSError):  # a loop of links, a NUL in a --stdin-filename
        return Path(os.path.abspath(path)).as_posix()
    return resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) \
        else resolved.as_posix()


@dataclass(frozen=True, slots=True)
class Located:
    """A finding with the migration and (when it has one) the statement it belongs to."""

    finding: Finding
    migration: MigrationReport
    statement: StatementReport | None
    #: How many findings with the same rule, file and text came before this one, so two
    #: identical findings in one file still get distinct fingerprints.
    occurrence: int


def located_findings(reports: Sequence[MigrationReport]) -> Iterator[Located]:
    """Every finding of every migration, migration-level ones first, in file order."""
    for report in reports:
        seen: dict[tuple, int] = {}
        by_index = {s.statement.index: s for s in report.statements}
        for f in report.all_findings:
            statement = by_index.get(f.statement_index) if f.statement_index is not None else None
            key = (f.rule, str(f.path), _normal(statement.statement.sql) if statement
                   else f.message)
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            yield Located(f, report, statement, occurrence)


def _normal(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().lower()


def next_step(f: Finding) -> str:
    """What to do next about a conflict between migrations shown as a finding (see
    `attach_conflicts`): the conflict's step, as the text report's `next:` gives it; "" for a
    rule's finding."""
    return f.next_step


def finding_text(f: Finding) -> str:
    """A finding's message with what to write instead (a rule's) or what to do next (a
    conflict's), for the formats that give each finding one text (SARIF, GitHub)."""
    text = f.message if not f.instead else f"{f.message}\nInstead:\n{f.instead}"
    step = next_step(f)
    return f"{text}\nNext: {step}" if step else text


def fingerprint(item: Located) -> str:
    """A hash that survives edits elsewhere in the file: rule, file, the statement's SQL
    (whitespace and case folded) and the occurrence; no line numbers."""
    f = item.finding
    subject = _normal(item.statement.statement.sql) if item.statement else f.message
    raw = "\x1f".join((f.rule, display_path(f.path), subject, str(item.occurrence)))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def strongest_locks(report: MigrationReport) -> dict[str, str]:
    """The strongest lock each relation (as `relation_named` names it: a MySQL table as the
    statement taking that lock wrote it) sees over the whole migration, by the name its server
    gives it (effects/locks.py, lock_shown); none of a statement PostgreSQL refuses."""
    from lockwise.effects.locks import lock_shown, relation_named
    from lockwise.effects.refused import work_done

    out: dict[str, tuple[LockMode, str, str]] = {}
    for s in report.statements:
        for rel, mode in work_done(s.effect).locks.items():
            if rel not in out or mode > out[rel][0]:
                out[rel] = (mode, lock_shown(s.effect, mode, rel), relation_named(s.effect, rel))
    return {shown: name for _, (_, name, shown) in sorted(out.items())}


def level(safety: Safety, fail_on: Safety, *, info: str) -> str:
    """How loudly a CI format reports a finding: `error` at or above the threshold, `info`
    (each format's own word for it) for safe findings, `warning` in between."""
    if safety >= fail_on:
        return "error"
    return info if safety == Safety.SAFE else "warning"


def total(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def with_conflicts(reports: Sequence[MigrationReport], conflicts: Sequence[Conflict]
                   ) -> list[MigrationReport]:
    """The reports with each conflict between migrations added as a finding (rule id: the
    conflict's kind) of the migration it points at last, so CI formats show conflicts where
    they show findings: a conflict that fails the run gets its annotation."""
    return attach_conflicts(reports, conflicts)


class SpooledFindings:
    """The findings of `lockwise lint`'s reports, for a format that lists them one by one
    (SARIF's results, GitHub's annotations), each given its text by `encode` as lint makes
    its report (`add`) and kept in a spool (json_report.Spool), not the report. The
    conflicts between migrations, known at the end, go where `with_conflicts` puts them
    (after their migration's own migration-level findings, before its statements'): `write`
    puts them into the spool's text as it copies it. A report with a finding of a conflict's
    kind (rare: its findings' texts would depend on the conflicts, as `located_findings`
    counts the occurrences of a kind and SARIF indexes the kinds found) is kept whole and
    encoded in its place at the end."""

    def __init__(self, encode: Callable[[Located], str]) -> None:
        from lockwise.graph.model import CONFLICT_TITLES
        from lockwise.report.json_report import Spool

        self._encode, self._kinds = encode, CONFLICT_TITLES
        self._spool = Spool()
        #: What `reports` attaches the conflicts to: each report's migration and level (its
        #: findings encoded already), or the report kept whole.
        self._left: list[MigrationReport] = []
        #: Where in the spool the findings `reports` adds to each of `_left` go.
        self._marks: list[int] = []
        #: How many findings were encoded.
        self.count = 0

    def add(self, report: MigrationReport) -> None:
        spool = self._spool
        if any(f.rule in self._kinds for f in report.all_findings):
            self._marks.append(spool.size)
            self._left.append(report)
            return
        items = located_findings([report])
        for item in itertools.islice(items, len(report.findings)):
            spool(self._encode(item))
        self._marks.append(spool.size)
        for item in items:
            spool(self._encode(item))
        self.count += len(report.all_findings)
        self._left.append(MigrationReport(report.migration, [], [], report.safety, ""))

    def reports(self, conflicts: Sequence[Conflict]) -> list[MigrationReport]:
        """The reports as `with_conflicts` gives them, without the findings encoded already
        (every migration and its level, every finding of a conflict's kind): for `write`."""
        return with_conflicts(self._left, conflicts)

    def write(self, reports: list[MigrationReport], write: Callable[[str], object]) -> None:
        """Every finding's text in order, given to `write`: the spool's, and in their places
        those of `reports` (from `reports`), a conflict's own report last."""
        spool = self._spool
        for report, mark in zip(reports, self._marks, strict=False):  # (then their own)
            if report.findings or report.statements:
                spool.copy(write, mark)
                self._write(report, write)
        spool.copy(write)
        spool.close()
        for report in reports[len(self._marks):]:
            self._write(report, write)

    def _write(self, report: MigrationReport, write: Callable[[str], object]) -> None:
        for item in located_findings([report]):
            write(self._encode(item))
            self.count += 1


#: The formats rendered by `render_ci`, as named by `--format`.
CI_FORMATS = ("sarif", "github", "markdown", "junit", "gitlab")


def render_ci(name: str, reports: Sequence[MigrationReport], rules: Sequence, *,
              fail_on: Safety, conflicts: Sequence[Conflict] = (),
              thresholds: Thresholds | None = None, dialect: str = "postgresql") -> str:
    """Render one of CI_FORMATS, conflicts between migrations included; the format modules
    are imported only when used. `thresholds`: each migration's own --fail-on (per-path
    overrides), `fail_on` for all when None; `dialect`: the run's, which words the rules.
    (`lockwise lint` writes SARIF, GitHub's annotations and Markdown a report at a time:
    sarif.SarifPrinter, github.GithubPrinter, markdown.MarkdownPrinter.)"""
    reports = with_conflicts(reports, conflicts)
    if name == "sarif":
        from lockwise.report.sarif import render_sarif

        return render_sarif(reports, rules, fail_on=fail_on, thresholds=thresholds,
                            dialect=dialect)
    if name == "github":
        from lockwise.report.github import render_github

        return render_github(reports, fail_on=fail_on, thresholds=thresholds)
    if name == "markdown":
        from lockwise.report.markdown import render_markdown

        return render_markdown(reports, fail_on=fail_on, thresholds=thresholds)
    if name == "junit":
        from lockwise.report.junit import render_junit

        return render_junit(reports, fail_on=fail_on, thresholds=thresholds)
    if name == "gitlab":
        from lockwise.report.gitlab import render_gitlab

        return render_gitlab(reports)
    raise ValueError(f"not a CI format: {name}")
