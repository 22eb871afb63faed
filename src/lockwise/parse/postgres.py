"""Split PostgreSQL migration text into statements with pglast (PostgreSQL's own grammar).

The JSON route of pglast is used: it is several times cheaper than building pglast's Python node
objects, and the effect model only needs plain dicts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from lockwise.core.types import Span, Statement
from lockwise.parse.source import LineIndex

_META_LINE = re.compile(r"^[ \t]*\\([A-Za-z!?]+)[^\n]*", re.MULTILINE)
_COPY_STDIN = re.compile(r"\bCOPY\b[^;]*?\bFROM\s+STDIN\b[^;]*;[ \t]*\n", re.IGNORECASE | re.DOTALL)
_COPY_END = re.compile(r"^\\\.[ \t]*$", re.MULTILINE)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


@dataclass(frozen=True, slots=True)
class Skipped:
    """A piece of the file that is not SQL for the server (a psql meta-command or COPY data)."""

    kind: str
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A statement PostgreSQL's grammar rejects."""

    message: str
    span: Span


@dataclass(slots=True)
class ParsedFile:
    statements: list[Statement] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    #: Comments not attached to a statement (file-level directives live here).
    comments: list[tuple[str, Span]] = field(default_factory=list)


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces, keeping newlines so offsets and lines stay true."""
    piece = text[start:end]
    return text[:start] + re.sub(r"[^\n]", " ", piece) + text[end:]


def _inside_dollar_quote(text: str, offset: int) -> bool:
    """Cheap check whether `offset` falls inside a $tag$ ... $tag$ body."""
    open_tag: str | None = None
    for match in _DOLLAR_TAG.finditer(text, 0, offset):
        tag = match.group(0)
        if open_tag is None:
            open_tag = tag
        elif tag == open_tag:
            open_tag = None
    return open_tag is not None


def _strip_client_side(text: str, lines: LineIndex) -> tuple[str, list[Skipped]]:
    """Blank out psql meta-commands and COPY ... FROM stdin data, which the server never sees."""
    skipped: list[Skipped] = []
    if "\\" not in text:
        return text, skipped
    for copy in list(_COPY_STDIN.finditer(text)):
        end = _COPY_END.search(text, copy.end())
        stop = end.end() if end else len(text)
        skipped.append(Skipped("copy-data", text[copy.end():stop], lines.span(copy.end(), stop)))
        text = _blank(text, copy.end(), stop)
    for meta in list(_META_LINE.finditer(text)):
        if _inside_dollar_quote(text, meta.start()):
            continue
        skipped.append(Skipped("psql-meta", meta.group(0).strip(), lines.span(meta.start(),
                                                                               meta.end())))
        text = _blank(text, meta.start(), meta.end())
    return text, skipped


def _skip_space_and_comments(text: str, pos: int, end: int) -> int:
    while pos < end:
        ch = text[pos]
        if ch.isspace() or ch == ";":
            pos += 1
        elif text.startswith("--", pos):
            nl = text.find("\n", pos)
            pos = end if nl == -1 else nl + 1
        elif text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            pos = end if close == -1 else close + 2
        else:
            break
    return pos


class _Offsets:
    """Converts the UTF-8 byte offsets libpg_query reports into character offsets."""

    def __init__(self, text: str):
        self.ascii = text.isascii()
        if not self.ascii:
            self.table: list[int] = []
            for i, ch in enumerate(text):
                self.table.extend([i] * len(ch.encode("utf-8")))
            self.table.append(len(text))

    def char(self, byte_offset: int) -> int:
        if self.ascii:
            return byte_offset
        return self.table[min(byte_offset, len(self.table) - 1)]


def _error_location(exc: Exception) -> int:
    args = getattr(exc, "args", ())
    return args[1] if len(args) > 1 and isinstance(args[1], int) else 0


def _parse_chunk(
    text: str, base: int, lines: LineIndex, parsed: ParsedFile, whole_file: bool
) -> None:
    """Parse text (a whole file, or one statement after a failure) and append what it yields."""
    from pglast import parser

    try:
        raw = parser.parse_sql_json(text)
    except parser.ParseError as exc:
        if whole_file:
            _parse_statement_by_statement(text, lines, parsed)
            return
        message = str(exc.args[0]) if exc.args else str(exc)
        local = _error_location(exc)
        if "end of input" in message or local >= len(text):
            local = len(text.rstrip()) - 1  # point at the last character, where input ran out
        local = max(local, _skip_space_and_comments(text, 0, len(text)) if local == 0 else local)
        location = base + max(0, min(local, len(text) - 1))
        parsed.problems.append(ParseProblem(message, lines.span(location, location + 1)))
        return
    offsets = _Offsets(text)
    for item in json.loads(raw).get("stmts", []):
        start = offsets.char(item.get("stmt_location", 0))
        length = item.get("stmt_len", 0)
        end = offsets.char(item.get("stmt_location", 0) + length) if length else len(text)
        start = _skip_space_and_comments(text, start, end)
        while end > start and text[end - 1].isspace():
            end -= 1
        parsed.statements.append(
            Statement(
                index=len(parsed.statements),
                sql=text[start:end],
                span=lines.span(base + start, base + end),
                tree=item["stmt"],
            )
        )


def _parse_statement_by_statement(text: str, lines: LineIndex, parsed: ParsedFile) -> None:
    """After a file fails to parse, parse each statement alone so the good ones are still judged.

    Statements are cut at every top-level semicolon token; pglast's own splitter is not used here
    because it gives up at the first unbalanced parenthesis, which is exactly the broken input.
    """
    from pglast import parser

    try:
        tokens = parser.scan(text)
    except Exception as exc:  # the scanner itself failed: unterminated quote or comment
        location = _error_location(exc)
        message = str(exc.args[0]) if getattr(exc, "args", None) else str(exc)
        parsed.problems.append(ParseProblem(message, lines.span(location, location + 1)))
        return
    cuts = [tok.start for tok in tokens if tok.name == "ASCII_59"]  # token offsets are chars
    start = 0
    for cut in [*cuts, len(text)]:
        if text[start:cut].strip():
            _parse_chunk(text[start:cut], start, lines, parsed, whole_file=False)
        start = cut + 1


def attach_comments(text: str, parsed: ParsedFile, lines: LineIndex) -> None:
    """Give each statement the comments just before it and inside it; keep the rest file-level."""
    if "--" not in text and "/*" not in text:
        return
    prev_end = 0
    rebuilt = []
    for stmt in parsed.statements:
        # A comment on the previous statement's last line belongs to that statement.
        gap_start = prev_end
        if stmt.index > 0:
            newline = text.find("\n", prev_end, stmt.span.start_offset)
            gap_start = stmt.span.start_offset if newline == -1 else newline
        gap = text[gap_start:stmt.span.start_offset]
        comments = []
        for m in _COMMENT.finditer(gap):
            comments.append(m.group(0))
            parsed.comments.append((m.group(0), lines.span(gap_start + m.start(),
                                                           gap_start + m.end())))
        if "--" in stmt.sql or "/*" in stmt.sql:
            comments.extend(m.group(0) for m in _COMMENT.finditer(stmt.sql))
        # A trailing comment on the statement's last line belongs to it too.
        line_end = text.find("\n", stmt.span.end_offset)
        tail = text[stmt.span.end_offset: len(text) if line_end == -1 else line_end]
        comments.extend(m.group(0) for m in _COMMENT.finditer(tail))
        rebuilt.append(Statement(stmt.index, stmt.sql, stmt.span, stmt.tree, tuple(comments)))
        prev_end = stmt.span.end_offset
    for m in _COMMENT.finditer(text, prev_end):
        parsed.comments.append((m.group(0), lines.span(m.start(), m.end())))
    parsed.statements = rebuilt


def parse_sql(text: str) -> ParsedFile:
    """Parse a migration's SQL into statements; never raises for bad SQL (see `problems`)."""
    lines = LineIndex.of(text)
    parsed = ParsedFile()
    server_text, parsed.skipped = _strip_client_side(text, lines)
    if server_text.strip():
        _parse_chunk(server_text, 0, lines, parsed, whole_file=True)
    parsed.statements.sort(key=lambda s: s.span.start_offset)
    parsed.statements = [
        Statement(i, s.sql, s.span, s.tree) for i, s in enumerate(parsed.statements)
    ]
    attach_comments(text, parsed, lines)
    return parsed
