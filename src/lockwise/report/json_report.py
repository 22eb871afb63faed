"""The JSON report, a documented and versioned schema (docs/json-schema.md).

Schema version 1:
{ "schema_version": 1, "tool": {"name", "version"}, "dialect",
  "pg_version" (PostgreSQL) or "server_version" (MySQL, MariaDB), "fail_on", "safety",
  "migrations": [ { "id", "version", "name", "path", "layout", "safety", "reason",
                    "estimated_seconds", "lock_seconds", "findings": [...],
                    "statements": [ { "index", "line", "column", "end_line", "end_column",
                                      "sql", "action", "actions", "refused",
                                      "locks": {relation: mode},
                                      "blocks": {relation: [reads|writes|ddl]},
                                      "rewrites_table", "rewrites", "scans_table", "scans",
                                      "transactional", "in_transaction", "lock_timeout_ms",
                                      "safety", "reason", "strategy", "estimated_seconds",
                                      "lock_seconds", "findings": [...] } ] } ],
  "findings_count", "conflicts": [...] }
A finding: { "rule", "safety", "title", "message", "why", "instead", "path", "line", "column",
             "end_line", "end_column" }.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence

from lockwise import __version__
from lockwise.core.types import Finding, MigrationReport, Safety, StatementReport
from lockwise.effects.body_writes import every_call
from lockwise.effects.locks import blocked_work, lock_name
from lockwise.effects.refused import refused_work
from lockwise.options import LintOptions
from lockwise.report.ci_common import total

SCHEMA_VERSION = 1


def finding_dict(f: Finding) -> dict:
    span = f.span
    return {
        "rule": f.rule, "safety": f.safety.label, "title": f.title, "message": f.message,
        "why": f.why, "instead": f.instead, "path": str(f.path),
        "line": span.line if span else None, "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
    }


def statement_dict(s: StatementReport) -> dict:
    refused, e = refused_work(s.effect)  # a refused statement's: no work, its refusal instead
    return {
        "index": s.statement.index,
        "line": s.statement.span.line, "column": s.statement.span.column,
        "end_line": s.statement.span.end_line, "end_column": s.statement.span.end_column,
        "sql": s.statement.sql,
        "action": e.action,
        # (each call's body, also a run the effect holds once for several calls: each runs it)
        "actions": [a.kind for a in every_call(e.actions)],
        "refused": refused or None,
        "locks": {rel: lock_name(e, mode, rel) for rel, mode in sorted(e.locks.items())},
        "blocks": {rel: list(what) for rel, what in sorted(blocked_work(e).items())},
        "rewrites_table": bool(e.rewrites), "rewrites": sorted(e.rewrites),
        "scans_table": bool(e.scans), "scans": dict(sorted(e.scans.items())),
        "transactional": e.transactional, "in_transaction": s.in_transaction,
        "lock_timeout_ms": s.lock_timeout_ms,
        "safety": s.safety.label, "reason": s.reason, "strategy": s.strategy.value,
        "estimated_seconds": s.estimated_seconds, "lock_seconds": s.lock_seconds,
        "findings": [finding_dict(f) for f in s.findings],
    }


def _sum(values: list[float | None]) -> float | None:
    """The sum of the known values, to the millisecond (None when none is known)."""
    known = total(values)
    return None if known is None else round(known, 3)


class _Encoded(list):
    """A list the JSON encoder reads one element at a time: each statement's dict is built
    as it is encoded and dropped after, never the whole report's at once (a data dump of
    500,000 statements). Only for `json.JSONEncoder(indent=...)`, whose pure-Python encoder
    iterates it; the C encoder (indent None) reads a list's storage, which is empty here."""

    def __init__(self, items: Sequence, build: Callable[[object], dict]) -> None:
        super().__init__()
        self.items, self.build = items, build

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[dict]:  # type: ignore[override]
        return map(self.build, self.items)


def migration_dict(r: MigrationReport, *, streamed: bool = False) -> dict:
    m = r.migration
    return {
        "id": m.id, "version": m.version, "name": m.name, "path": str(m.path),
        "layout": m.layout, "down_path": str(m.down_path) if m.down_path else None,
        "no_transaction": m.no_transaction,
        "safety": r.safety.label, "reason": r.reason,
        "estimated_seconds": _sum([s.estimated_seconds for s in r.statements]),
        "lock_seconds": _sum([s.lock_seconds for s in r.statements]),
        "findings": [finding_dict(f) for f in r.findings],
        "statements": _Encoded(r.statements, statement_dict) if streamed
        else [statement_dict(s) for s in r.statements],
    }


def render_json(reports: Sequence[MigrationReport], *, options: LintOptions,
                conflicts: Sequence[dict] = ()) -> str:
    return json_with_conflicts(json_before_conflicts(reports, options=options), conflicts)


def target_fields(options: LintOptions) -> dict:
    """The database the run judged for: its dialect and the version of that dialect
    (`pg_version` for PostgreSQL; `server_version`, given or the default, for MySQL and
    MariaDB, which no PostgreSQL version says anything about)."""
    if options.dialect == "postgresql":
        return {"dialect": options.dialect, "pg_version": options.pg_version}
    from lockwise.lint_mysql import server_version

    return {"dialect": options.dialect,
            "server_version": ".".join(map(str, server_version(options)))}


def json_before_conflicts(reports: Sequence[MigrationReport], *, options: LintOptions) -> str:
    """The document up to its last member, `conflicts`: lint renders it while the conflict
    graph is still being built beside it (json.dumps with an indent runs in pure Python: a
    quarter of a second for lemmy and documenso)."""
    safety = max((r.safety for r in reports), default=Safety.SAFE)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "lockwise", "version": __version__},
        **target_fields(options), "fail_on": options.fail_on.label, "safety": safety.label,
        "migrations": _Encoded(reports, lambda r: migration_dict(r, streamed=True)),
        "findings_count": sum(len(r.all_findings) for r in reports),
    }
    # Encoded member by member, piece by piece, into one buffer: neither the document's
    # dicts nor json.dumps's list of its pieces are ever whole, and the text is never cut
    # (a copy). Each member's pieces indented one level deeper are json.dumps's own: no
    # string holds a raw newline.
    encoder = json.JSONEncoder(indent=2)
    out = io.StringIO()
    out.write("{")
    for i, (key, value) in enumerate(doc.items()):
        out.write(f'{"," if i else ""}\n  {json.dumps(key)}: ')
        for piece in encoder.iterencode(value):
            out.write(piece.replace("\n", "\n  "))
    return out.getvalue()


def json_with_conflicts(head: str, conflicts: Sequence[dict]) -> str:
    """`head` (from `json_before_conflicts`) completed: the text json.dumps gives for the
    whole document."""
    return head + json_conflicts_tail(conflicts)


def json_conflicts_tail(conflicts: Sequence[dict]) -> str:
    """What completes `head` (from `json_before_conflicts`): printed after it, rather than
    joined to it, a long report is not copied once more (the list indented one level deeper;
    no string holds a raw newline)."""
    listed = json.dumps(list(conflicts), indent=2).replace("\n", "\n  ")
    return f',\n  "conflicts": {listed}\n}}'
