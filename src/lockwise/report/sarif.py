"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run; the driver lists every rule of the catalog in use (id, title, why, the fix, a help
link to docs/rules/<id>.md); each finding is a result with its exact region. Levels: at or
above --fail-on is `error`, a safe (informational) rule is `note`, anything between `warning`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from lockwise import __version__
from lockwise.core.types import Finding, MigrationReport, Safety, Span
from lockwise.report.ci_common import (
    Located,
    SpooledFindings,
    display_path,
    finding_text,
    fingerprint,
    level,
    located_findings,
)
from lockwise.report.json_report import indented_json
from lockwise.report.rule_docs import instead_markdown
from lockwise.report.verdict import Thresholds, also_involved
from lockwise.rules.model import Rule

if TYPE_CHECKING:
    from lockwise.graph.model import Conflict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Where the repository's rule documentation is browsed; rule help links point below it.
REPOSITORY_URL = "https://github.com/lockwise/lockwise"
RULE_DOCS_URL = REPOSITORY_URL + "/blob/main/docs/rules/{id}.md"


def _generic(template: str) -> str:
    """A rule's `instead` template with its facts shown as <names> (the descriptor describes
    the rule, not one finding)."""
    return re.sub(r"\{(\w+)\}", r"<\1>", template)


def _tags(dialect: str, *tags: str) -> list[str]:
    """A descriptor's tags: the database the run judged for first, each tag once (SARIF
    wants them unique; MySQL rules carry their own "mysql" tag)."""
    return list(dict.fromkeys((dialect, "migration", *tags)))


def _rule_descriptor(rule: Rule, fail_on: Safety, dialect: str) -> dict:
    """The rule as the run's `dialect` words it: the why and fix its findings carry."""
    why = rule.why_for(dialect)
    help_text = _generic(rule.instead_for(None, dialect))
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(why.split())},
        # SQL fenced as ```sql, command lines as ```sh, advice in words as words: as the
        # rule pages show it (report/rule_docs.py).
        "help": {"text": help_text,
                 "markdown": "\n".join([f"**{rule.title}**", "", why, "", "Instead:", "",
                                        *instead_markdown(help_text)]).rstrip("\n")},
        "helpUri": RULE_DOCS_URL.format(id=rule.id),
        "defaultConfiguration": {"level": level(rule.safety, fail_on, info="note")},
        "properties": {"safety": rule.safety.label, "tags": _tags(dialect, *rule.tags)},
    }


def _conflict_descriptor(kind: str, fail_on: Safety, dialect: str) -> dict:
    """A conflict between migrations, described like a rule (docs/graph.md explains them)."""
    from lockwise.graph.model import (
        CONFLICT_NEXT_STEPS,
        CONFLICT_SAFETY,
        CONFLICT_TITLES,
        duplicate_version_effects,
    )

    title = CONFLICT_TITLES.get(kind, kind)
    step = CONFLICT_NEXT_STEPS.get(kind)
    todo = f"Next: {step}.\n\n" if step else ""
    text, markdown = todo, todo
    if kind == "duplicate-version":  # what each tool does with them
        effects = duplicate_version_effects()
        head = "What each tool does with two migrations of one version:\n"
        text += head + "".join(f"- {tool}: {effect}\n" for tool, effect in effects) + "\n"
        markdown += head + "\n" + "".join(f"- **{tool}**: {effect}\n"
                                         for tool, effect in effects) + "\n"
    safety = CONFLICT_SAFETY.get(kind, Safety.SAFE_WITH_CARE)
    return {
        "id": kind,
        "name": "".join(part.capitalize() for part in kind.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": f"{title}: a conflict between migrations, found by "
                                    f"replaying them in order."},
        "help": {"text": f"{text}See the conflict's message for the migrations involved; "
                         "docs/graph.md explains each kind and how to resolve it.",
                 "markdown": f"**{title}**\n\n{markdown}A conflict between migrations: see "
                             "the message for the migrations involved and docs/graph.md for "
                             "what to do."},
        "helpUri": REPOSITORY_URL + "/blob/main/docs/graph.md#conflicts",
        "defaultConfiguration": {"level": level(safety, fail_on, info="note")},
        "properties": {"safety": safety.label, "tags": _tags(dialect, "conflict")},
    }


def _artifact_location(path: str) -> dict:
    """A URI for the file: relative to %SRCROOT% (the working directory) when it lies below
    it, else an absolute `file://` URI, which needs no base. Either way percent-encoded as
    RFC 3986 requires (spaces, `<stdin>`, non-ASCII letters as UTF-8 octets)."""
    from pathlib import PurePath
    from urllib.parse import quote

    if PurePath(path).is_absolute():
        from pathlib import Path

        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/-._~!$&'()*+,;=@"), "uriBaseId": "%SRCROOT%"}


def _region(span: Span) -> dict:
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line,
            # SARIF's endColumn is exclusive; lockwise spans end on the last character.
            "endColumn": span.end_column + 1}


def _related_locations(f: Finding) -> list[dict]:
    """The other migrations a finding involves (a conflict's), as SARIF relatedLocations:
    those whose file is in the working tree; one only in REF (`main:db/...`, from --base)
    stays named in the message alone, as no viewer could open it. Each one's `id` is its
    place in `f.related`."""
    out: list[dict] = []
    for i, place in enumerate(f.related):
        if not place.path.is_file():
            continue
        location: dict = {"artifactLocation": _artifact_location(display_path(place.path))}
        if place.span is not None:
            location["region"] = _region(place.span)
        out.append({"id": i, "physicalLocation": location,
                    "message": {"text": f"{place.migration}, also in this conflict"}})
    return out


def _linked(f: Finding, related: list[dict]) -> Finding:
    """`f` with each other place its message names (verdict.also_involved) as an embedded
    link to its relatedLocation, `[db/1_a.sql](0)` (SARIF 2.1.0 3.11.6): GitHub code
    scanning shows a related location only where the message links it."""
    ids = {r["id"] for r in related}
    plain = also_involved([place.text() for place in f.related])
    if not ids or not f.message.endswith(plain):
        return f
    linked = [f"[{_link_text(place.text())}]({i})" if i in ids else place.text()
              for i, place in enumerate(f.related)]
    return replace(f, message=f.message[:-len(plain)] + also_involved(linked))


def _link_text(text: str) -> str:
    """`text` as a plain text message's link text: `\\`, `[` and `]` escaped with a
    backslash (SARIF 2.1.0 3.11.6)."""
    return re.sub(r"[\\\[\]]", lambda m: "\\" + m.group(), text)


def render_sarif(reports: Sequence[MigrationReport], rules: Sequence[Rule], *,
                 fail_on: Safety, thresholds: Thresholds | None = None,
                 dialect: str = "postgresql") -> str:
    """The SARIF log of the reports; `rules` are described as `dialect` words them."""
    pieces: list[str] = []
    write_sarif(reports, rules, pieces.append, fail_on=fail_on, thresholds=thresholds,
                dialect=dialect)
    return "".join(pieces)


def write_sarif(reports: Sequence[MigrationReport], rules: Sequence[Rule],
                write: Callable[[str], object], *, fail_on: Safety,
                thresholds: Thresholds | None = None, dialect: str = "postgresql") -> None:
    """The SARIF log of the reports (`render_sarif`) given to `write` in pieces as it is
    encoded: each result's dict built and dropped in turn, and no text of the whole log (the
    JSON report's writer, json_report.write_json: the text json.dumps with indent=2 gives).
    `lockwise lint` writes it through `SarifPrinter`, a report at a time."""
    from lockwise.report.json_report import Encoded, write_json

    ordered = sorted(rules, key=lambda r: r.id)
    descriptors = [_rule_descriptor(r, fail_on, dialect) for r in ordered]
    descriptors += _conflict_descriptors(reports, descriptors, fail_on, dialect)
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = Encoded(list(located_findings(reports)),
                      lambda item: _result(item, index, fail_on, thresholds))
    write_json(_log(descriptors, results), write)


def _conflict_descriptors(reports: Sequence[MigrationReport], descriptors: list[dict],
                          fail_on: Safety, dialect: str) -> list[dict]:
    """The descriptors of the kinds of conflict the reports' migration-level findings are
    of, those `descriptors` (the rules') do not describe."""
    from lockwise.graph.model import CONFLICT_TITLES

    kinds = sorted({f.rule for r in reports for f in r.findings
                    if f.rule in CONFLICT_TITLES} - {d["id"] for d in descriptors})
    return [_conflict_descriptor(kind, fail_on, dialect) for kind in kinds]


def _result(item: Located, index: dict[str, int], fail_on: Safety,
            thresholds: Thresholds | None) -> dict:
    """A finding as a SARIF result; `index`: each descriptor's place, by id."""
    f = item.finding
    location: dict = {"artifactLocation": _artifact_location(display_path(f.path))}
    if f.span is not None:
        location["region"] = _region(f.span)
    related = _related_locations(f)
    text = finding_text(_linked(f, related))
    result = {
        "ruleId": f.rule,
        "level": level(f.safety, thresholds(item.migration) if thresholds else fail_on,
                       info="note"),
        "message": {"text": text},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"lockwiseFinding/v1": fingerprint(item)},
        "properties": {"safety": f.safety.label, "migration": item.migration.migration.id},
    }
    if related:
        result["relatedLocations"] = related
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    return result


def _log(descriptors: list[dict], results: list) -> dict:
    """The log: one run, its driver describing `descriptors`, then `results` (a list
    json_report.write_json writes as it reads it)."""
    from lockwise.report.json_report import Encoded

    run = {
        "tool": {"driver": {
            "name": "lockwise",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": REPOSITORY_URL,
            "rules": descriptors,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {
            "description": {"text": "The directory lockwise ran in (the repository root)."}}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": Encoded([run], lambda r: r)}


#: Where each line of a result starts in the log `_log` lays out (json.dumps's indent=2):
#: the log's `runs`, its run's `results`, the result.
_RESULT_INDENT = "\n        "


class SarifPrinter:
    """The SARIF log of `lockwise lint` a report at a time (`add`), written by `write` once
    the conflicts are known: the reports need not be held to the end (issue 10: 285 MB at
    10,000 generated files), as the JSON report's are not (json_report.JsonPrinter). Each
    finding's result is encoded as its report comes (ci_common.SpooledFindings), each with a
    comma before it; the conflicts' results, the kinds of conflict among the descriptors and
    their `ruleIndex` are added at the end. The bytes `write_sarif` gives for the reports
    with the conflicts attached (ci_common.with_conflicts)."""

    def __init__(self, rules: Sequence[Rule], *, fail_on: Safety,
                 thresholds: Thresholds | None = None, dialect: str = "postgresql") -> None:
        self._fail_on, self._thresholds, self._dialect = fail_on, thresholds, dialect
        self._descriptors = [_rule_descriptor(r, fail_on, dialect)
                             for r in sorted(rules, key=lambda r: r.id)]
        self._index = {d["id"]: i for i, d in enumerate(self._descriptors)}
        self._findings = SpooledFindings(self._encoded)

    def _encoded(self, item: Located) -> str:
        result = _result(item, self._index, self._fail_on, self._thresholds)
        return f",{_RESULT_INDENT}{indented_json(result, _RESULT_INDENT)}"

    def add(self, report: MigrationReport) -> None:
        """Encode the results of one migration's findings (not kept: the report may go)."""
        self._findings.add(report)

    def write(self, conflicts: Sequence[Conflict], write: Callable[[str], object]) -> None:
        """Write the log, `conflicts` among the results, to `write` in pieces."""
        from lockwise.report.json_report import Written, write_json

        reports = self._findings.reports(conflicts)
        descriptors = self._descriptors + _conflict_descriptors(
            reports, self._descriptors, self._fail_on, self._dialect)
        self._index.update((d["id"], i) for i, d in enumerate(descriptors))

        def results(indent: str, out: Callable[[str], object]) -> None:
            listed = _Listed(out)
            self._findings.write(reports, listed)
            out(f"{indent}]" if listed.opened else "[]")

        write_json(_log(descriptors, Written(results)), write)


class _Listed:
    """What writes a list's elements, each given with a comma before it: the first's comma
    written as the list's opening bracket."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write, self.opened = write, False

    def __call__(self, text: str) -> None:
        if not self.opened:
            text, self.opened = "[" + text[1:], True
        self.write(text)
