"""A version folder of several files (temporal's versioned/v1.1/*.sql) as the one migration
the executor runs: its tool applies a version as one unit and records it once, so lockwise
records one history row for it, with one checksum over all its files in their order, and runs
them in one transaction when every statement can run in one.

The files are joined, each from a line of its own; positions in the joined text are turned
back into the file and line they came from (`position`). Each file is parsed on its own
(`parse_by_part`), as its tool reads them."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from lockwise.core.types import Migration, Span
    from lockwise.executor.plan import Plan
    from lockwise.parse.postgres import ParsedFile


def join_version_folders(migrations: list[Migration]) -> list[Migration]:
    """`migrations` with the files of each version folder joined into one migration."""
    from lockwise.discover.versions import version_folder_runs

    return [run[0] if len(run) == 1 else _joined(run)
            for run in version_folder_runs(migrations)]


def _joined(run: list[Migration]) -> Migration:
    texts, parts, line = [], [], 1
    for m in run:
        text = m.up_sql if m.up_sql.endswith("\n") or not m.up_sql else m.up_sql + "\n"
        texts.append(text)
        parts.append((m.path, line))
        line += text.count("\n")
    first = run[0]
    # No down: a version's files are undone by no single file (temporal has none).
    return replace(first, name="", path=first.path.parent, up_sql="".join(texts),
                   down_sql=None, down_path=None, parts=tuple(parts),
                   no_transaction=any(m.no_transaction for m in run))


def located(migration: Migration, path: Path | str, line: int) -> tuple[Path | str, int]:
    """The file and line that `line` of `path` is: in a joined version folder, the file of
    the version that holds it and the line in that file."""
    if migration.parts and str(path) == str(migration.path):  # a finding's path is text
        part, start = next((p for p in reversed(migration.parts) if p[1] <= line),
                           migration.parts[0])
        return part, line - start + 1
    return path, line


def position(migration: Migration, path: Path | str, line: int, column: int) -> str:
    """`path:line:column`, as lint names a place (in a joined version folder, its file's)."""
    where, line = located(migration, path, line)
    return f"{where}:{line}:{column}"


def line_label(migration: Migration, line: int) -> str:
    """`line N` of the migration's text, as a plan shows it: `a.sql line N` in a joined
    version folder."""
    if not migration.parts:
        return f"line {line}"
    where, line = located(migration, migration.path, line)
    return f"{os.path.basename(where)} line {line}"


def why_statement_by_statement(plan: Plan) -> str | None:
    """For a joined version folder that cannot run in one transaction: the note that says
    which file is why (the plan otherwise names only the folder)."""
    m = plan.migration
    if not m.parts or plan.transactional or plan.path != m.path:
        return None
    files = ", ".join(p.name for p, _ in m.parts)
    runs = (f"version {m.version} ({files}) runs statement by statement, not in one "
            "transaction: what committed before a failure stays")
    from lockwise.discover.layouts import _no_transaction_marker

    marked = next((p for p, text in _part_texts(m) if _no_transaction_marker(text)), None)
    if marked is not None:
        return f"{marked}: marked to run without a transaction: {runs}"
    s = next((s for s in plan.statements if not s.transactional or s.batch is not None), None)
    if s is None:
        return None
    why = "runs in batches" if s.transactional else "cannot run inside a transaction block"
    return f"{position(m, plan.path, s.line, s.column)}: statement {s.index + 1} {why}: {runs}"


def _part_texts(joined: Migration, text: str | None = None) -> list[tuple[Path, str]]:
    """Each file of a joined version folder and its text (its part of `text`, a text with
    the lines of the joined one: by default that text itself)."""
    lines = (joined.up_sql if text is None else text).split("\n")
    ends = [start for _, start in joined.parts[1:]] + [len(lines) + 1]
    return [(path, "\n".join(lines[start - 1:end - 1]))
            for (path, start), end in zip(joined.parts, ends, strict=True)]


def parse_by_part(migration: Migration, text: str,
                  parse: Callable[[str], ParsedFile]) -> ParsedFile:
    """`parse(text)`; for a joined version folder, each file's part parsed on its own (as its
    tool runs each file: a quote left open in one file is that file's error, and does not
    run on into the next), with the places moved to where the part sits in `text`."""
    if not migration.parts:
        return parse(text)
    from dataclasses import replace as moved

    from lockwise.parse.postgres import ParsedFile

    whole = ParsedFile()
    place = (0, 0)  # the lines before the part in `text`, and its first character's offset

    def at(span: Span) -> Span:
        line, offset = place
        return moved(span, line=span.line + line, end_line=span.end_line + line,
                     start_offset=span.start_offset + offset,
                     end_offset=span.end_offset + offset)

    for place, (_, part) in zip(_part_places(migration, text),  # noqa: B007 - read by at
                                _part_texts(migration, text), strict=True):
        parsed = parse(part)
        whole.statements += [moved(s, index=len(whole.statements) + i, span=at(s.span),
                                   comment_spans=tuple(at(c) for c in s.comment_spans))
                             for i, s in enumerate(parsed.statements)]
        whole.skipped += [moved(s, span=at(s.span)) for s in parsed.skipped]
        whole.problems += [moved(p, span=at(p.span)) for p in parsed.problems]
        whole.comments += [(c, at(span)) for c, span in parsed.comments]
        whole.placeholders.update(parsed.placeholders)
    return whole


def part_starts(migration: Migration, text: str) -> list[int]:
    """Where each file of a joined version folder starts in `text` (its joined text, or one
    with its lines); none for a migration of one file."""
    return [offset for _, offset in _part_places(migration, text)] if migration.parts else []


def _part_places(migration: Migration, text: str) -> list[tuple[int, int]]:
    """For each file of a joined version folder, the lines before it in `text` and the
    offset of its first character, from the line it starts at (an empty file holds no line:
    the next file starts on the same one)."""
    places, offset, line = [], 0, 0
    for _, start in migration.parts:
        if start - 1 > line:
            offset = _line_offset(text, start - 1, line, offset)
            line = start - 1
        places.append((line, offset))
    return places


def _line_offset(text: str, lines: int, known_lines: int, known_offset: int) -> int:
    """Where line `lines` + 1 of `text` starts, counting on from line `known_lines` + 1, which
    starts at `known_offset`."""
    for _ in range(lines - known_lines):
        known_offset = text.index("\n", known_offset) + 1
    return known_offset
