"""Split PostgreSQL migration text into statements with pglast (PostgreSQL's own grammar).

The JSON route of pglast is used: it is several times cheaper than building pglast's Python node
objects, and the effect model only needs plain dicts.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from operator import itemgetter

from lockwise.core.types import Span, Statement
from lockwise.parse.source import LineIndex

_META_LINE = re.compile(r"^[ \t]*\\([A-Za-z!?]+)[^\n]*", re.MULTILINE)
_COPY_STDIN = re.compile(r"\bCOPY\b[^;]*?\bFROM\s+STDIN\b[^;]*;[ \t]*\n", re.IGNORECASE | re.DOTALL)
_STDIN = re.compile(r"stdin", re.IGNORECASE)
_COPY_END = re.compile(r"^\\\.[ \t]*$", re.MULTILINE)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
#: The byte offset pglast gives nearly every node: unused (statements carry their own span),
#: and about a seventh of the JSON text. Dropped before decoding, it costs one regex pass
#: instead of a dict entry per node. A string value cannot match: its quotes are escaped.
_NODE_LOCATION = re.compile(r',"location":-?\d+')


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
    #: Template placeholders the SQL was linted with (parse/templates.py): each stand-in
    #: identifier and the one placeholder text it stands for.
    placeholders: dict[str, str] = field(default_factory=dict)


#: Problem message for a statement too deeply nested to analyze (Python recursion limit).
TOO_DEEP = "statement is nested too deeply for lockwise to analyze; split the expression"
_NOT_NEWLINE = re.compile(r"[^\n]")
#: Longest piece of skipped input quoted back in a finding (a data block can be megabytes).
_QUOTE_LIMIT = 120


def _blank_ranges(text: str, ranges: list[tuple[int, int]]) -> str:
    """Replace each text[start:end] by spaces, keeping newlines so offsets and lines stay true.

    Built in one pass: blanking range by range would copy the whole text once per range.
    """
    pieces, pos = [], 0
    for start, end in sorted(ranges):
        pieces.append(text[pos:start])
        pieces.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _dollar_quoted(text: str) -> list[tuple[int, int]]:
    """The $tag$ ... $tag$ bodies of `text` (an unclosed one runs to the end), in order."""
    ranges: list[tuple[int, int]] = []
    open_tag: str | None = None
    opened = 0
    for match in _DOLLAR_TAG.finditer(text):
        tag = match.group(0)
        if open_tag is None:
            open_tag, opened = tag, match.start()
        elif tag == open_tag:
            ranges.append((opened, match.end()))
            open_tag = None
    if open_tag is not None:
        ranges.append((opened, len(text)))
    return ranges


def _shorten(text: str) -> str:
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "..."


def _mentions_stdin(text: str) -> bool:
    """_STDIN.search(text), cheaper: for ASCII text (the usual case, and an O(1) test) a
    case-insensitive regex search is a lower() and a substring search in C."""
    if text.isascii():
        return "stdin" in text.lower()
    return _STDIN.search(text) is not None


def _strip_client_side(text: str, lines: LineIndex) -> tuple[str, list[Skipped]]:
    """Blank out psql meta-commands and COPY ... FROM stdin data, which the server never sees."""
    skipped: list[Skipped] = []
    # COPY data needs no backslash: it may run unterminated to the end of the file.
    if "\\" not in text and not _mentions_stdin(text):
        return text, skipped
    cuts: list[tuple[int, int]] = []
    data_end = 0
    for copy in _COPY_STDIN.finditer(text):
        if copy.start() < data_end:  # "COPY" inside the previous block's data
            continue
        end = _COPY_END.search(text, copy.end())
        data_end = end.end() if end else len(text)
        rows = text.count("\n", copy.end(), data_end)
        skipped.append(Skipped("copy-data", f"COPY data ({rows} line{'s' * (rows != 1)})",
                               lines.span(copy.end(), data_end)))
        cuts.append((copy.end(), data_end))
    if cuts:
        text = _blank_ranges(text, cuts)
        cuts = []
    quoted = _dollar_quoted(text)
    quoted_starts = [start for start, _ in quoted]
    for meta in _META_LINE.finditer(text):
        # Inside a function body a backslash line is the body's business, not psql's.
        i = bisect.bisect_right(quoted_starts, meta.start()) - 1
        if i >= 0 and quoted[i][0] < meta.start() < quoted[i][1]:
            continue
        skipped.append(Skipped("psql-meta", _shorten(meta.group(0).strip()),
                               lines.span(meta.start(), meta.end())))
        cuts.append((meta.start(), meta.end()))
    return _blank_ranges(text, cuts) if cuts else text, skipped


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


#: UTF-8 continuation bytes (10xxxxxx): every other byte starts a character.
_CONTINUATION = bytes(range(0x80, 0xC0))


class _Offsets:
    """Converts the UTF-8 byte offsets libpg_query reports into character offsets.

    A byte offset maps to the character that contains it. For non-ASCII text the characters
    are counted between the previous offset asked for and this one, with bytes.translate in C:
    offsets come in increasing order, so a file costs one pass instead of a Python table built
    character by character.
    """

    __slots__ = ("ascii", "data", "length", "byte", "chars")

    def __init__(self, text: str):
        self.ascii = text.isascii()
        if not self.ascii:
            self.data = text.encode("utf-8")
            self.length = len(text)
            self.byte = 0  # chars = number of characters starting before byte `byte`
            self.chars = 0

    def char(self, byte_offset: int) -> int:
        if self.ascii:
            return byte_offset
        if byte_offset >= len(self.data):
            return self.length
        # Characters starting at or before the offset, minus one: the one containing it.
        upto = byte_offset + 1
        if upto < self.byte:
            self.byte = self.chars = 0
        self.chars += len(self.data[self.byte:upto].translate(None, _CONTINUATION))
        self.byte = upto
        return self.chars - 1


def _error_location(exc: Exception) -> int:
    args = getattr(exc, "args", ())
    return args[1] if len(args) > 1 and isinstance(args[1], int) else 0


#: A statement found by the parser, before it is numbered: (start, end, sql, parse tree).
_Found = tuple[int, int, str, dict]


def _parse_chunk(text: str, base: int, lines: LineIndex, parsed: ParsedFile,
                 found: list[_Found], whole_file: bool) -> None:
    """Parse text (a whole file, or one statement after a failure): its statements go to
    `found`, what the grammar rejects to `parsed.problems`."""
    from pglast import parser

    try:
        raw = parser.parse_sql_json(text)
    except parser.ParseError as exc:
        if whole_file:
            _parse_statement_by_statement(text, lines, parsed, found)
            return
        message = str(exc.args[0]) if exc.args else str(exc)
        local = _error_location(exc)
        if "end of input" in message or local >= len(text):
            local = len(text.rstrip()) - 1  # point at the last character, where input ran out
        local = max(local, _skip_space_and_comments(text, 0, len(text)) if local == 0 else local)
        location = base + max(0, min(local, len(text) - 1))
        parsed.problems.append(ParseProblem(message, lines.span(location, location + 1)))
        return
    stripped = _NODE_LOCATION.sub("", raw)
    del raw  # a 6 MB file's JSON is 40 MB: not kept while its trees are built
    try:
        items = json.loads(stripped).get("stmts", [])
    except RecursionError:
        # A statement nested thousands of levels deep (e.g. `1+(1+(1+...))`) is deeper than
        # Python's stack: isolate it and report it instead of crashing.
        if whole_file:
            _parse_statement_by_statement(text, lines, parsed, found)
            return
        location = base + _skip_space_and_comments(text, 0, len(text))
        parsed.problems.append(ParseProblem(TOO_DEEP, lines.span(location, location + 1)))
        return
    offsets = _Offsets(text)
    for item in items:
        location = item.get("stmt_location", 0)
        start = offsets.char(location)
        length = item.get("stmt_len", 0)
        end = offsets.char(location + length) if length else len(text)
        start = _skip_space_and_comments(text, start, end)
        if end > start:
            sql = text[start:end].rstrip()  # exactly the characters str.isspace() accepts
            end = start + len(sql)
        else:  # a comment running past the statement's end: nothing left
            sql = ""
        found.append((base + start, base + end, sql, item["stmt"]))


def _parse_statement_by_statement(text: str, lines: LineIndex, parsed: ParsedFile,
                                  found: list[_Found]) -> None:
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
            _parse_chunk(text[start:cut], start, lines, parsed, found, whole_file=False)
        start = cut + 1


class _Comments:
    """Hands each statement, in file order, the comments just before it, inside it and after
    it on its last line; the comments no statement takes are the file's (`parsed.comments`)."""

    __slots__ = ("text", "lines", "parsed", "prev_end")

    def __init__(self, text: str, parsed: ParsedFile, lines: LineIndex) -> None:
        self.text, self.parsed, self.lines, self.prev_end = text, parsed, lines, 0

    def of(self, index: int, start: int, end: int, sql: str
           ) -> tuple[tuple[str, ...], tuple[Span, ...]]:
        """The comments of the next statement (number `index`, at text[start:end]) and
        their spans."""
        text, lines = self.text, self.lines
        # A comment on the previous statement's last line belongs to that statement.
        gap_start = self.prev_end
        if index > 0:
            newline = text.find("\n", self.prev_end, start)
            gap_start = start if newline == -1 else newline
        found = list(_COMMENT.finditer(text, gap_start, start))
        self.parsed.comments.extend((m.group(0), lines.span(m.start(), m.end())) for m in found)
        comments = [m.group(0) for m in found]
        spans = [lines.span(m.start(), m.end()) for m in found]
        if "--" in sql or "/*" in sql:
            for m in _COMMENT.finditer(sql):
                comments.append(m.group(0))
                spans.append(lines.span(start + m.start(), start + m.end()))
        # A trailing comment on the statement's last line belongs to it too.
        line_end = text.find("\n", end)
        for m in _COMMENT.finditer(text, end, len(text) if line_end == -1 else line_end):
            comments.append(m.group(0))
            spans.append(lines.span(m.start(), m.end()))
        self.prev_end = end
        return tuple(comments), tuple(spans)

    def finish(self) -> None:
        """The comments after the last statement, which are the file's."""
        for m in _COMMENT.finditer(self.text, self.prev_end):
            self.parsed.comments.append((m.group(0), self.lines.span(m.start(), m.end())))


def _has_comments(text: str) -> bool:
    return "--" in text or "/*" in text


def attach_comments(text: str, parsed: ParsedFile, lines: LineIndex) -> None:
    """Give each statement the comments just before it and inside it; keep the rest file-level."""
    if not _has_comments(text):
        return
    comments = _Comments(text, parsed, lines)
    rebuilt = []
    for stmt in parsed.statements:
        own, spans = comments.of(stmt.index, stmt.span.start_offset, stmt.span.end_offset,
                                 stmt.sql)
        rebuilt.append(Statement(stmt.index, stmt.sql, stmt.span, stmt.tree, own, spans)
                       if own or stmt.leading_comments else stmt)
    comments.finish()
    parsed.statements = rebuilt


def parse_sql(text: str, *, comments: bool = True) -> ParsedFile:
    """Parse a migration's SQL into statements; never raises for bad SQL (see `problems`).

    `comments=False` leaves comments out (no `leading_comments`, no file-level `comments`):
    for readers of the schema change alone, such as the conflict graph, which need no ignore
    directives.
    """
    lines = LineIndex.of(text)
    parsed = ParsedFile()
    server_text, parsed.skipped = _strip_client_side(text, lines)
    found: list[_Found] = []
    if server_text.strip():
        _parse_chunk(server_text, 0, lines, parsed, found, whole_file=True)
    found.sort(key=itemgetter(0))  # statements parsed alone after a failure come back later
    # Each statement is built once, with its comments: building it and then again with them
    # made a third of a migration's objects.
    taker = _Comments(text, parsed, lines) if comments and _has_comments(text) else None
    span = lines.span
    parsed.statements = [
        Statement(i, sql, span(start, end), tree,
                  *(taker.of(i, start, end, sql) if taker is not None else ()))
        for i, (start, end, sql, tree) in enumerate(found)]
    if taker is not None:
        taker.finish()
    return parsed
