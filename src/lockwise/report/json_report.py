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

import json
from collections.abc import Callable, Iterator, Sequence
from json.encoder import INFINITY
from json.encoder import encode_basestring_ascii as _string

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


class Encoded(list):
    """A list `indented_json` reads one element at a time: each statement's dict is built as it
    is encoded and dropped after, never the whole report's at once (a data dump of 500,000
    statements). (json's C encoder reads a list's storage, which is empty here.)"""

    def __init__(self, items: Sequence, build: Callable[[object], dict]) -> None:
        super().__init__()
        self.items, self.build = items, build

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[dict]:  # type: ignore[override]
        return map(self.build, self.items)


class Written(Encoded):
    """A list that writes its own text (`write_to(indent, write)`: its elements encoded
    before, `sarif.SarifPrinter`'s results from their spool) where `_write_indented` meets
    it, `indent` the newline and spaces of its level."""

    def __init__(self, write_to: Callable[[str, Callable[[str], object]], None]) -> None:
        super().__init__((), dict)
        self.write_to = write_to


def indented_json(value: object, indent: str) -> str:
    """`value` as `json.dumps(value, indent=2)` writes it, nested where each of its lines
    starts with `indent` (a newline and the spaces of its level). json's own encoder runs
    in pure Python when it indents, a generator per container and a piece per token: for
    lemmy and documenso a quarter of a second after lint, on the critical path of `lint -f
    json` (docs/performance.md, ninety-second round). The same text from one call per
    container, the strings escaped by json's C function."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _number(value)
    inner = indent + "  "
    # (strings, most of the leaves, and keys escaped here: a call less for each)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return f"[{inner}" + (',' + inner).join(
            [_string(v) if v.__class__ is str else indented_json(v, inner) for v in value]) + \
            f"{indent}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return f"{{{inner}" + (',' + inner).join(
            [f"{_string(k) if k.__class__ is str else _key(k)}: "
             f"{_string(v) if v.__class__ is str else indented_json(v, inner)}"
             for k, v in value.items()]) + f"{indent}}}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _number(value: float) -> str:
    """A float as json writes it (its repr; NaN and the infinities as JavaScript names)."""
    if value != value:
        return "NaN"
    if value in (INFINITY, -INFINITY):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: object) -> str:
    """A dict's key as json writes it: a string, or a scalar turned into one."""
    if isinstance(key, str):
        return _string(key)
    if isinstance(key, float):
        return _string(_number(key))
    if key is True or key is False or key is None:
        return f'"{json.dumps(key)}"'
    if isinstance(key, int):
        return _string(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


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
        "statements": Encoded(r.statements, statement_dict) if streamed
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


#: About how many characters `write_json_before_conflicts` gathers before each write: a
#: write a migration or so, not one a token, and never the whole document at once.
CHUNK_CHARS = 1 << 16


def json_before_conflicts(reports: Sequence[MigrationReport], *, options: LintOptions) -> str:
    """The document up to its last member, `conflicts`, as one text (see
    `write_json_before_conflicts`)."""
    pieces: list[str] = []
    write_json_before_conflicts(reports, pieces.append, options=options)
    return "".join(pieces)


def write_json_before_conflicts(reports: Sequence[MigrationReport],
                                write: Callable[[str], object], *,
                                options: LintOptions) -> None:
    """The document up to its last member, `conflicts`, given to `write` in pieces of about
    CHUNK_CHARS as it is encoded. Each migration's dict is built, encoded and dropped before
    the next, and no text holds the whole document: built whole it was 250 MB on 10,000
    files, joined and then encoded once more (885 MB at the peak, docs/performance.md's
    ninety-sixth round). The text json.dumps with indent=2 gives, in pieces (`indented_json`).
    `lockwise lint` writes it through `JsonPrinter`, a report at a time."""
    safety = max((r.safety for r in reports), default=Safety.SAFE)
    out = Gathered(write)
    out(_head(options, safety))
    for i, report in enumerate(reports):
        _write_migration(report, i, out)
    out(_after_migrations(len(reports), sum(len(r.all_findings) for r in reports)))
    out.flush()


#: Where each line of a member of the document starts.
_MEMBER = "\n  "


def _head(options: LintOptions, safety: Safety) -> str:
    """The document's members before `migrations`, up to that member's name."""
    head = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "lockwise", "version": __version__},
        **target_fields(options), "fail_on": options.fail_on.label, "safety": safety.label,
    }
    return "{" + "".join(f'\n  {_string(key)}: {indented_json(value, _MEMBER)},'
                         for key, value in head.items()) + '\n  "migrations": '


def _write_migration(report: MigrationReport, i: int, write: Callable[[str], object]) -> None:
    """The `i`th element of `migrations` (its dict built, encoded and dropped)."""
    write(f"{',' if i else '['}\n    ")
    _write_indented(migration_dict(report, streamed=True), "\n    ", write)


def _after_migrations(count: int, findings: int) -> str:
    """What follows `count` migrations written by `_write_migration`: the list's end and
    `findings_count` (no end: `conflicts` comes after)."""
    end = "\n  ]" if count else "[]"
    return f'{end},\n  "findings_count": {findings}'


#: Characters of encoded text a `Spool` holds in memory before it moves them to a temporary
#: file (lemmy's and documenso's reports are smaller; 10,000 generated files, 245 MB).
SPOOL_CHARS = 1 << 23


class Spool:
    """Text encoded now and written later, in order: gathered (`Gathered`) into memory up to
    SPOOL_CHARS, then an unnamed temporary file, so the reports it was encoded from need not
    be held (`JsonPrinter`, `sarif.SarifPrinter`). Called to write; `size` counts the
    characters written, `copy` hands them on in pieces of about CHUNK_CHARS, and `close`
    drops the file (a run that fails first drops it too: it has no name)."""

    def __init__(self) -> None:
        from tempfile import SpooledTemporaryFile

        self._file = SpooledTemporaryFile(  # noqa: SIM115 - open until `close`
            max_size=SPOOL_CHARS, mode="w+", encoding="utf-8", newline="")
        self._out = Gathered(self._file.write)
        self.size = 0
        self._copied: int | None = None  # characters handed on by `copy`, once it began

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __call__(self, text: str) -> None:
        self._out(text)
        self.size += len(text)

    def copy(self, write: Callable[[str], object], upto: int | None = None) -> None:
        """Hand on to `write` what was written after what was copied before, up to the
        `upto`th character (all of it when None); nothing is written to it afterwards."""
        if self._copied is None:
            self._out.flush()
            self._file.seek(0)
            self._copied = 0
        end = self.size if upto is None else upto
        while self._copied < end and (piece := self._file.read(
                min(CHUNK_CHARS, end - self._copied))):
            self._copied += len(piece)
            write(piece)

    def close(self) -> None:
        self._file.close()


class JsonPrinter:
    """The JSON report of `lockwise lint` a report at a time (`add`), written by `end`: the
    reports need not be held to the end, as the text report's are not (`TextPrinter`).
    `findings_count` and the run's `safety` precede `migrations` in the document, so each
    migration is encoded as it comes into a `Spool` while they are counted; `end` writes the
    members before `migrations`, copies the spool and writes `findings_count`. The bytes
    `write_json_before_conflicts` gives."""

    def __init__(self, write: Callable[[str], object], *, options: LintOptions) -> None:
        self._write, self._options = write, options
        self._spool = Spool()  # (closed by `end`)
        self.count, self.findings, self.safety = 0, 0, Safety.SAFE

    def add(self, report: MigrationReport) -> None:
        """Encode one migration's part of the document (not kept: the report may go)."""
        self.findings += len(report.all_findings)
        self.safety = max(self.safety, report.safety)
        _write_migration(report, self.count, self._spool)
        self.count += 1

    def end(self) -> None:
        """Write the document up to its last member, `conflicts` (once: again, nothing)."""
        spool = self._spool
        if spool.closed:
            return
        self._write(_head(self._options, self.safety))
        spool.copy(self._write)
        spool.close()
        self._write(_after_migrations(self.count, self.findings))


def write_json(value: object, write: Callable[[str], object]) -> None:
    """`json.dumps(value, indent=2)` given to `write` in pieces of about CHUNK_CHARS as it is
    encoded: a list built as it is read (`Encoded`) an element at a time."""
    out = Gathered(write)
    _write_indented(value, "\n", out)
    out.flush()


class Gathered:
    """Pieces of text handed on to `write` joined, about CHUNK_CHARS at a time."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.pieces: list[str] = []
        self.size = 0

    def __call__(self, text: str) -> None:
        self.pieces.append(text)
        self.size += len(text)
        if self.size >= CHUNK_CHARS:
            self.flush()

    def flush(self) -> None:
        if self.pieces:
            self.write("".join(self.pieces))
            self.pieces, self.size = [], 0


def _write_indented(value: object, indent: str, write: Callable[[str], object]) -> None:
    """`indented_json(value, indent)` given to `write` in pieces: a list built as it is read
    (`Encoded`) an element at a time, one that writes itself (`Written`) as it does, a dict
    holding one member by member, anything else whole."""
    inner = indent + "  "
    if isinstance(value, Written):
        value.write_to(indent, write)
    elif isinstance(value, Encoded) and value:
        for i, item in enumerate(value):
            write(f"{',' if i else '['}{inner}")
            _write_indented(item, inner, write)
        write(f"{indent}]")
    elif isinstance(value, dict) and any(isinstance(v, Encoded) for v in value.values()):
        for i, (key, item) in enumerate(value.items()):
            name = _string(key) if key.__class__ is str else _key(key)
            write(f"{',' if i else '{'}{inner}{name}: ")
            _write_indented(item, inner, write)
        write(f"{indent}}}")
    else:
        write(indented_json(value, indent))


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
