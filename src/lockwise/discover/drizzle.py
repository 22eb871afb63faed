"""Drizzle's layout (drizzle-kit): `<out>/<tag>.sql` files listed by `<out>/meta/_journal.json`.

As drizzle-orm reads and runs them (src/migrator.ts `readMigrationFiles`, and the PostgreSQL
dialect's `migrate` in src/pg-core/dialect.ts, which node-postgres, postgres-js and the other
pooled drivers call):

- the journal's `entries` are the migrations, in the journal's order (not the files' names);
  each is the file `<tag>.sql`, split at `--> statement-breakpoint` lines, and an entry
  without its file stops the migrator. A .sql file no entry names is never run.
- a migration is pending when its `when` is later than the `created_at` (the `when`) of the
  newest migration applied: one whose `when` is not later than an earlier entry's is skipped
  on every database where that earlier one was applied before it.
- every pending migration runs inside one transaction, opened before the first and committed
  after the last, with no per-migration opt-out: a statement that refuses a transaction block
  (CREATE INDEX CONCURRENTLY) fails. (Neon's HTTP driver has its own migrator, with no
  transaction: `--assume-no-transaction` says so.)

The helpers of layouts.py are imported inside the functions: layouts.py imports this module
while it builds its LAYOUTS table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from lockwise.core.types import Migration
from lockwise.parse.source import InputError, parse_json, path_error, read_text_file

JOURNAL = Path("meta") / "_journal.json"


@dataclass(frozen=True)
class _Entry:
    tag: str
    when: int
    #: The journal line that names the entry's tag (where messages about it point).
    line: int


def _line_of(text: str, needle: str, default: int = 1) -> int:
    at = text.find(needle)
    return default if at < 0 else text.count("\n", 0, at) + 1


def _journal_entries(journal: Path) -> list[_Entry]:
    """The journal's entries, each checked to be what drizzle's migrator reads."""
    text = read_text_file(journal, "drizzle journal")
    data = parse_json(text, journal, "drizzle's journal")
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise InputError("drizzle's journal has no `entries` list", journal)
    entries_line = _line_of(text, '"entries"')
    out = []
    for number, item in enumerate(raw, 1):
        tag = item.get("tag") if isinstance(item, dict) else None
        when = item.get("when") if isinstance(item, dict) else None
        if not isinstance(tag, str) or not tag:
            raise InputError(f"drizzle's journal entry {number} has no `tag` (the migration's "
                             "file name without .sql)", journal, entries_line)
        line = _line_of(text, json.dumps(tag), entries_line)
        # bool is an int to Python, not a number to drizzle.
        if not isinstance(when, int) or isinstance(when, bool):
            raise InputError(f"drizzle's journal entry {tag} has no numeric `when` (drizzle "
                             "orders applied migrations by it)", journal, line)
        out.append(_Entry(tag, when, line))
    return out


def _check_when_order(entries: list[_Entry], journal: Path) -> None:
    """Each entry's `when` must be later than every earlier entry's: drizzle runs a migration
    only when its `when` is later than the newest applied migration's."""
    latest: _Entry | None = None
    for entry in entries:
        if latest is not None and entry.when <= latest.when:
            raise InputError(
                f"drizzle's journal entry {entry.tag} has `when` {entry.when}, not later than "
                f"that of {latest.tag} ({latest.when}): drizzle's migrator runs a migration "
                f"only when its `when` is later than the newest applied one's, so it skips "
                f"{entry.tag} on every database where {latest.tag} was applied first; give it "
                f"a `when` after {latest.when} (regenerate it after merging)", journal,
                entry.line)
        if latest is None or entry.when > latest.when:
            latest = entry


def read_drizzle(directory: Path) -> list[Migration]:
    from lockwise.discover.layouts import (
        _LOCKWISE_NO_TX,
        _is_file,
        _read,
        _split_version,
        _sql_files,
    )
    from lockwise.discover.versions import version_key

    journal = directory / JOURNAL
    if not _is_file(journal):  # only with --layout drizzle, which then finds nothing here
        return []
    entries = _journal_entries(journal)
    listed = {f"{entry.tag}.sql" for entry in entries}
    for path in _sql_files(directory):
        if path.name not in listed:
            raise path_error(f"{path.name} is not in drizzle's journal ({JOURNAL}): drizzle's "
                             "migrator never runs it. Add it as a journal entry (`drizzle-kit "
                             "generate --custom` writes one) or delete it", path)
    _check_when_order(entries, journal)
    out = []
    width = max(4, len(str(len(entries))))
    for position, entry in enumerate(entries, 1):
        path = directory / f"{entry.tag}.sql"
        if not _is_file(path):
            raise InputError(f"drizzle's journal entry {entry.tag} has no file {entry.tag}.sql "
                             "beside meta/: drizzle's migrator stops there", journal, entry.line)
        up_sql = _read(path)
        version, name = _split_version(entry.tag)
        out.append(Migration(
            version=version or entry.tag, name=name if version else "", path=path,
            up_sql=up_sql,
            # Only lockwise's own marker: drizzle runs every migration in its transaction, so
            # the marker says the statement is run by hand, outside drizzle's migrator.
            no_transaction=_LOCKWISE_NO_TX.search(up_sql[:4096]) is not None,
            layout="drizzle", sort_key=version_key(str(position).zfill(width))))
    return out
