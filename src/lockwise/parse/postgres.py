"""Split PostgreSQL migration text into statements with pglast (PostgreSQL's own grammar).

The JSON route of pglast is used: it is several times cheaper than building pglast's Python node
objects, and the effect model only needs plain dicts.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from lockwise.core.deferred import bound_on_use
from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import Span, Statement
from lockwise.parse.source import LineIndex

if TYPE_CHECKING:
    from lockwise.parse.pieces import Pieces

#: The literals and comments a search must step over (a quote or dollar tag opens one), and
#: the word COPY (not psql's `\copy`) or a semicolon: the tokens of the COPY data finder.
#: A file of more characters than this is parsed in pieces of `PIECE_STATEMENTS` statements
#: (parse/pieces.py), by lint and by the conflict graph, so that its trees are not all alive
#: at once (issue 10). The route parses each piece twice in lint (once to look ahead): a file
#: below it pays nothing. (Read at each use: tests and bench/pieces_identical.py set them.)
PIECES_FROM = 256 * 1024
PIECE_STATEMENTS = 500

#: Imported at their first use (an import statement in a function runs at each call: the
#: parser's at each file and each statement parsed alone).
_libpg = bound_on_use(globals(), "_libpg", "lockwise.parse.libpg")
_invisible = bound_on_use(globals(), "_invisible", "lockwise.parse.invisible")

_COPY_TOKEN = lazy_compile(r"[Ee]?'|\"|--|/\*|(?<![\w$])\$(?:[A-Za-z_]\w*)?\$|(?<![\w$\\])COPY\b|;",
                           re.IGNORECASE)
_FROM_STDIN = lazy_compile(r"\bFROM\s+STDIN\b", re.IGNORECASE)
_STDIN = lazy_compile(r"stdin", re.IGNORECASE)
_COPY_END = lazy_compile(r"^\\\.[ \t]*$", re.MULTILINE)
_COMMENT = lazy_compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
#: The byte offset pglast gives nearly every node: unused (statements carry their own span),
#: and about a seventh of the JSON text. Dropped before decoding, it costs one regex pass
#: instead of a dict entry per node. A string value cannot match: its quotes are escaped.
#: `[0-9]`, not `\d`: the JSON's numbers are ASCII, and `\d` asks Unicode of each digit.
_NODE_LOCATION = lazy_compile(r',"location":-?[0-9]+')


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
    #: Who rejects it, when not the dialect's parser (the mysql client, for its own commands).
    by: str = ""


class ParsedFile:
    """A file's statements, what was skipped in it, its parse problems and loose comments.
    (Not a dataclass: one is made per file and read in place, and making a dataclass costs
    every lint about 1 M instructions.)"""

    __slots__ = ("comments", "pieces", "placeholders", "problems", "skipped", "statements")

    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self.skipped: list[Skipped] = []
        self.problems: list[ParseProblem] = []
        #: Comments not attached to a statement (file-level directives live here).
        self.comments: list[tuple[str, Span]] = []
        #: Template placeholders and psql variables the SQL was linted with
        #: (parse/templates.py, `_variable_stand_in`): each stand-in identifier and the one
        #: text it stands for.
        self.placeholders: dict[str, str] = {}
        #: For a file parsed in pieces (parse/pieces.py), what builds its statements' trees
        #: piece by piece; None when `statements` have theirs.
        self.pieces: Pieces | None = None


#: Problem message for a statement too deeply nested to analyze (Python recursion limit).
TOO_DEEP = "statement is nested too deeply for lockwise to analyze; split the expression"
_NOT_NEWLINE = lazy_compile(r"[^\n]")
#: The text PostgreSQL's parser quotes where it stopped (`at or near "..."`): up to the end of
#: the input for an unterminated quote or comment, line ends included.
_NEAR = lazy_compile(r'(at or near ")(.*)("\s*)$', re.DOTALL)
_SPACES = lazy_compile(r"\s+")
#: What the parser's stack (10,000 levels: bison's default) says when a statement nests past
#: it; PostgreSQL's server says the same and refuses the statement.
_STACK_FULL = "memory exhausted"


def parser_message(exc: BaseException) -> str:
    """The message of PostgreSQL's parser for `exc`, on one line: the quoted text it stopped
    at has its line ends and runs of spaces folded to one space (reports print a finding a
    line), and a full parser stack says it is the statement's nesting."""
    message = str(exc.args[0]) if getattr(exc, "args", None) else str(exc)
    message = _NEAR.sub(lambda m: m.group(1) + _SPACES.sub(" ", m.group(2)).strip() + '"',
                        message.rstrip())
    if message.startswith(_STACK_FULL):
        message += (" (the statement is nested too deeply for PostgreSQL's parser, the "
                    "server's too: split the expression)")
    return message
def quoting(message: str, text: str) -> str:
    """`message` quoting `text` (folded to one line as `parser_message` folds it) where it
    quotes the text the parser stopped at (`at or near "..."`); as it is when it quotes
    none."""
    near = _NEAR.search(message)
    if near is None:
        return message
    return message[:near.start(2)] + _SPACES.sub(" ", text).strip() + message[near.end(2):]


def near_text(message: str) -> str | None:
    """The text `message` quotes where the parser stopped (`at or near "..."`), or None."""
    near = _NEAR.search(message)
    return near.group(2) if near else None


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


def _shorten(text: str) -> str:
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "..."


def _mentions_stdin(text: str) -> bool:
    """_STDIN.search(text), cheaper: for ASCII text (the usual case, and an O(1) test) a
    case-insensitive regex search is a lower() and a substring search in C."""
    if text.isascii():
        return "stdin" in text.lower()
    return _STDIN.search(text) is not None


#: A colon that can start a psql variable (`:name`, `:'name'`, `:"name"`; not the second colon
#: of a `::` cast). Written to start with the colon, which the regex engine then finds by a
#: fast character scan: a 1.5 MB file full of casts costs about a millisecond.
_VARIABLE_HINT = lazy_compile(r":(?=['\"A-Za-z_])(?<!::)")
#: What the psql lexer must look at: quotes, comments, dollar-quote tags, backslashes, colons
#: and brackets (a colon inside `[...]` is an array slice). A dollar tag is no tag right after
#: an identifier character (`a$b$` is one identifier).
_PSQL_TOKEN = lazy_compile(r"[Ee]?'|\"|--|/\*|(?<![\w$])\$(?:[A-Za-z_]\w*)?\$|\\|:|\[|\]")
_ESCAPE_STRING_END = lazy_compile(r"(?:[^'\\]|\\.|'')*'", re.DOTALL)
_META_NAME = lazy_compile(r"[A-Za-z!?]+")
_VARIABLE = lazy_compile(r":(?:'\w+'|\"\w+\"|[A-Za-z_]\w*)")
#: Meta-commands that send the query buffer to the server: they end the statement before
#: them as a semicolon would.
_SENDS_BUFFER = frozenset({"g", "gx", "gset", "gexec", "gdesc", "crosstabview", "watch"})
#: Meta-commands whose argument is the rest of the line: no other command can follow them.
_WHOLE_LINE = frozenset({"!", "copy", "ef", "ev", "sf", "sv", "h", "help"})
#: On a meta-command's line, a single-quoted argument (skipped) or a further command's name.
_LATER_META = lazy_compile(r"'(?:[^'\\]|\\.|'')*'|\\([A-Za-z!?]+)")


class _ClientSide:
    """What the psql lexer found outside literals and comments, as text ranges. (Not a
    dataclass: one module's scratch record, and making a dataclass costs about 1 M
    instructions at every start.)"""

    __slots__ = ("metas", "separators", "variables")

    def __init__(self) -> None:
        #: (start, end, name) of each meta-command: from its backslash to the end of its line.
        self.metas: list[tuple[int, int, str]] = []
        #: (start, end) of each `\;`, psql's separator of statements sent together.
        self.separators: list[tuple[int, int]] = []
        #: (start, end) of each variable interpolation.
        self.variables: list[tuple[int, int]] = []


def _literal_end(text: str, token: str, start: int) -> int:
    """Where the string, quoted identifier, comment or dollar-quoted body opened by `token`
    at `start` ends (the end of the text when it is not closed)."""
    size = len(text)
    after = start + len(token)
    if token in ("'", '"'):
        close = text.find(token, after)
        return size if close == -1 else close + 1
    if token in ("E'", "e'"):
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_$"):
            close = text.find("'", after)  # `name'...'`: the E ends an identifier
            return size if close == -1 else close + 1
        match = _ESCAPE_STRING_END.match(text, after)
        return match.end() if match else size
    if token == "--":
        close = text.find("\n", after)
        return size if close == -1 else close
    if token == "/*":
        depth, pos = 1, after
        while depth:  # block comments nest in PostgreSQL
            close = text.find("*/", pos)
            if close == -1:
                return size
            nested = text.find("/*", pos, close)
            depth, pos = (depth + 1, nested + 2) if nested != -1 else (depth - 1, close + 2)
        return pos
    close = text.find(token, after)  # a dollar tag
    return size if close == -1 else close + len(token)


#: What opens a string, a quoted name, a comment or a dollar-quoted body (`_literal_end`).
_LITERAL_START = lazy_compile(r"[Ee]?'|\"|--|/\*|(?<![\w$])\$(?:[A-Za-z_]\w*)?\$")


def string_constants(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each single-quoted string constant of `text` (E'' ones too, quotes
    included; `'it''s'` as two), in order: not the strings inside a comment, a quoted name or
    a dollar-quoted body, which is code of its own."""
    found = []
    pos = 0
    while (match := _LITERAL_START.search(text, pos)) is not None:
        token, start = match.group(0), match.start()
        pos = max(_literal_end(text, token, start), match.end())
        if token.endswith("'"):
            found.append((start, pos))
    return found


def _scan_client_side(text: str) -> _ClientSide:
    """Find psql's meta-commands and variables the way psql's lexer does: never inside a
    string, quoted identifier, dollar-quoted body or comment."""
    found = _ClientSide()
    brackets = 0
    pos = 0
    search = _PSQL_TOKEN.search
    while (match := search(text, pos)) is not None:
        token, start = match.group(0), match.start()
        pos = match.end()
        if token == "\\":
            name = _META_NAME.match(text, pos)
            if text.startswith(";", pos):
                found.separators.append((start, pos + 1))
                pos += 1
            elif name is not None:
                end = text.find("\n", pos)
                end = len(text) if end == -1 else end
                found.metas.append((start, end, name.group(0)))
                pos = end
        elif token == ":":
            variable = None if brackets or text.startswith((":", "="), pos) or \
                (start > 0 and text[start - 1] == ":") else _VARIABLE.match(text, start)
            if variable is not None:
                found.variables.append(variable.span())
                pos = variable.end()
        elif token == "[":
            brackets += 1
        elif token == "]":
            brackets = max(0, brackets - 1)
        else:
            pos = _literal_end(text, token, start)
    return found


def _sends_buffer(name: str, command: str) -> bool:
    """Whether a meta-command line sends the query buffer: its first command does, or one
    after it on the line (psql runs `\\bind 'a' \\g` as two commands)."""
    if name in _SENDS_BUFFER:
        return True
    if name in _WHOLE_LINE or command.count("\\") < 2:
        return False
    return any(m.group(1) in _SENDS_BUFFER
               for m in _LATER_META.finditer(command, 1 + len(name)))


def _variable_stand_in(variable: str) -> str:
    """Same-length SQL for a psql variable: `:'v'` a string constant `':v'`, `:"v"` a quoted
    identifier `":v"`, and `:v` (whose value may be a name, a number or more SQL) the
    identifier `_v`."""
    if variable[1] in "'\"":
        return variable[1] + ":" + variable[2:]
    return "_" + variable[1:]


def _replace(text: str, edits: list[tuple[int, int, str]]) -> str:
    """`text` with each text[start:end] replaced by a string of the same length."""
    pieces, pos = [], 0
    for start, end, new in sorted(edits):
        pieces.append(text[pos:start])
        pieces.append(new)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _copy_statement_end(text: str, pos: int) -> int:
    """Where the statement going on at `pos` ends: its semicolon outside literals and comments
    (-1 when the text ends first)."""
    search = _COPY_TOKEN.search
    while (match := search(text, pos)) is not None:
        token = match.group(0)
        if token == ";":
            return match.start()
        pos = match.end() if token.upper() == "COPY" else _literal_end(text, token, match.start())
    return -1


def _copy_data_blocks(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each block of COPY ... FROM stdin data. psql reads the data from the
    line after the statement's semicolon (whatever follows it on its line, e.g. a comment, is
    read after the data) up to a line `\\.`. A COPY inside a comment, a string or a dollar-quoted
    body is no statement, and a semicolon in a quoted option (DELIMITER ';') ends none."""
    pos = 0
    search = _COPY_TOKEN.search
    while (match := search(text, pos)) is not None:
        token = match.group(0)
        if token == ";":
            pos = match.end()
            continue
        if token.upper() != "COPY":
            pos = _literal_end(text, token, match.start())
            continue
        end = _copy_statement_end(text, match.end())
        if end == -1:
            return
        pos = end + 1
        if _FROM_STDIN.search(text, match.end(), end) is None:
            continue
        newline = text.find("\n", end)
        if newline == -1:
            return
        close = _COPY_END.search(text, newline + 1)
        pos = close.end() if close else len(text)
        yield newline + 1, pos


def _strip_copy_data(text: str, lines: LineIndex, skipped: list[Skipped]) -> str:
    """Blank out COPY ... FROM stdin data, which psql sends as data, not SQL."""
    cuts: list[tuple[int, int]] = []
    for start, end in _copy_data_blocks(text):
        rows = text.count("\n", start, end)
        skipped.append(Skipped("copy-data", f"COPY data ({rows} line{'s' * (rows != 1)})",
                               lines.span(start, end)))
        cuts.append((start, end))
    return _blank_ranges(text, cuts) if cuts else text


def _client_side_edits(text: str, lines: LineIndex, skipped: list[Skipped]
                       ) -> tuple[list[tuple[int, int, str]], dict[str, str]]:
    """The same-length replacements that turn psql input into SQL for the server, and the
    identifier stand-ins of the psql variables (stand-in -> variable)."""
    found = _scan_client_side(text)
    edits: list[tuple[int, int, str]] = []
    for start, end, name in found.metas:
        command = text[start:end]
        skipped.append(Skipped("psql-meta", _shorten(command.strip()), lines.span(start, end)))
        # A command that sends the buffer ends the statement before it, like a semicolon.
        first = ";" if _sends_buffer(name, command) else " "
        edits.append((start, end, first + " " * (end - start - 1)))
        if name == "gexec":
            skipped.append(Skipped("psql-gexec", "\\gexec", lines.span(start, end)))
    for start, end in found.separators:
        skipped.append(Skipped("psql-meta", "\\;", lines.span(start, end)))
        edits.append((start, end, "; "))
    stand_ins: dict[str, str] = {}
    for start, end in found.variables:
        variable = text[start:end]
        stand_in = _variable_stand_in(variable)
        edits.append((start, end, stand_in))
        stand_ins[stand_in] = variable
    if found.variables:
        names = sorted({text[start:end] for start, end in found.variables})
        start, end = found.variables[0]
        skipped.append(Skipped(
            "psql-variables",
            f"{len(found.variables)} psql variable(s) ({', '.join(names[:5])}"
            f"{', ...' if len(names) > 5 else ''}) linted as same-length stand-ins "
            "(a string, a quoted name or a name, as the variable is written)",
            lines.span(start, end)))
    return edits, stand_ins


def _may_hold_psql_input(text: str) -> bool:
    """Whether `text` may hold a meta-command or a psql variable (the rare case)."""
    return "\\" in text or (":" in text and _VARIABLE_HINT.search(text) is not None)


def _strip_client_side(text: str, lines: LineIndex
                       ) -> tuple[str, list[Skipped], dict[str, str]]:
    """Blank out psql meta-commands and COPY ... FROM stdin data, which the server never sees,
    and put same-length stand-ins in place of psql variables. Returns the server's text, what
    was skipped, and the variables' identifier stand-ins."""
    skipped: list[Skipped] = []
    if not _may_hold_client_side_input(text):
        return text, skipped, {}
    text = _strip_copy_data(text, lines, skipped)
    edits, stand_ins = _client_side_edits(text, lines, skipped)
    return _replace(text, edits) if edits else text, skipped, stand_ins


def _may_hold_client_side_input(text: str) -> bool:
    """Whether `text` may hold input the server never sees: psql's, or COPY data (which needs
    no backslash: it may run unterminated to the end of the file)."""
    return _may_hold_psql_input(text) or _mentions_stdin(text)


def client_side_stand_ins(sql: str) -> str:
    """`sql` as the server would be sent it and lockwise parses it: psql meta-commands
    blanked, variables replaced by their stand-ins (the same length)."""
    if not _may_hold_client_side_input(sql):  # the common case: no line index to build
        return sql
    return _strip_client_side(sql, LineIndex.of(sql))[0]


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


#: How many times a file that failed to parse is cut anew after a statement with an unbalanced
#: parenthesis or body (see _parse_pieces) before every semicolon cuts: each time may walk the
#: rest of the file's tokens.
_NESTED_RESTARTS = 32

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


def error_location(exc: Exception) -> int:
    args = getattr(exc, "args", ())
    return args[1] if len(args) > 1 and isinstance(args[1], int) else 0


#: A statement found by the parser, before it is numbered: (start, end, sql, parse tree).
_Found = tuple[int, int, str, dict]


def _parse_chunk(text: str, base: int, lines: LineIndex, parsed: ParsedFile,
                 found: list[_Found], whole_file: bool) -> None:
    """Parse text (a whole file, or one statement after a failure): its statements go to
    `found`, what the grammar rejects to `parsed.problems`. `whole_file`: a text rejected is
    parsed again statement by statement (`parse_sql`'s `salvage`)."""
    parser = _libpg.parser

    try:
        raw = parser.parse_sql_json(text)
    except parser.ParseError as exc:
        if whole_file:
            _parse_statement_by_statement(text, lines, parsed, found)
            return
        message = parser_message(exc)
        local = error_location(exc)
        if "end of input" in message or local >= len(text):
            local = len(text.rstrip()) - 1  # point at the last character, where input ran out
        local = max(local, _skip_space_and_comments(text, 0, len(text)) if local == 0 else local)
        location = base + max(0, min(local, len(text) - 1))
        message += _invisible_before(text, 0, local, message, base, lines)
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


def _invisible_before(text: str, start: int, local: int, message: str, base: int,
                      lines: LineIndex) -> str:
    """The note naming an invisible character of `text` (at `base` in the file) from `start`
    up to where the parser stopped (`local`, then the text it quotes), "" when there is
    none."""
    near = _NEAR.search(message)
    found = _invisible.first_invisible(text, start,
                                       local + 1 + (len(near.group(2)) if near else 0))
    if found is None:
        return ""
    span = lines.span(base + found[0], base + found[0] + 1)
    return _invisible.invisible_note(span.line, span.column, found[1])


def _parse_statement_by_statement(text: str, lines: LineIndex, parsed: ParsedFile,
                                  found: list[_Found]) -> None:
    """After a file fails to parse, parse each statement alone so the good ones are still judged.

    Statements are cut at the top-level semicolon tokens; pglast's own splitter is not used here
    because it gives up at the first unbalanced parenthesis, which is exactly the broken input.
    A statement whose semicolons are inside a BEGIN ATOMIC body or parentheses (a rule's
    actions) is parsed whole; when it fails so, it is cut at those semicolons too.
    """
    parser = _libpg.parser

    try:
        tokens = parser.scan(text)
    except Exception as exc:  # the scanner itself failed: unterminated quote or comment
        location = error_location(exc)
        message = parser_message(exc)
        if not message.startswith("unterminated"):  # (trailing junk: in the word it quotes)
            message += _invisible_before(text, location, location, message, 0, lines)
        # The statements ended before the quote or comment that never ends still scan.
        _parse_ended_before(text, location, lines, parsed, found)
        parsed.problems.append(ParseProblem(message, lines.span(location, location + 1)))
        return
    pos: int = 0
    first: int | None = 0
    restarts = 0
    while first is not None:
        # Each restart may walk the rest of the file: past a few, every semicolon cuts.
        restarts += 1
        pos, first = _parse_pieces(text, tokens, pos, first, lines, parsed, found,
                                   nested=restarts <= _NESTED_RESTARTS)


def _parse_ended_before(text: str, location: int, lines: LineIndex, parsed: ParsedFile,
                        found: list[_Found]) -> None:
    """Parse, statement by statement, the statements that end (at a top-level semicolon)
    before `location`, where the scanner failed; the statement holding it is the error's."""
    if location <= 0:
        return
    try:
        tokens = _libpg.parser.scan(text[:location])
    except Exception:  # noqa: BLE001 - no earlier statement to save
        return
    pieces = list(_statement_pieces(tokens, 0, 0, location, True))
    if len(pieces) > 1:  # the last piece runs into the failure
        _parse_statement_by_statement(text[:pieces[-1][0]], lines, parsed, found)


def _parse_pieces(text: str, tokens: list, pos: int, first: int, lines: LineIndex,
                  parsed: ParsedFile, found: list[_Found], nested: bool
                  ) -> tuple[int, int | None]:
    """Parse the pieces from `tokens[first]` (at text offset `pos`) on. A piece with inner
    semicolons that fails to parse is cut at its first one: the text before it is parsed alone,
    and (pos, token index) of the rest is returned to be cut anew, since an unbalanced
    parenthesis in one statement must not join the ones after it. (pos, None) when done."""
    for start, end, inner in _statement_pieces(tokens, first, pos, len(text), nested):
        if not text[start:end].strip():
            continue
        if inner and not _parses(text[start:end]):
            cut, after = inner[0]
            if text[start:cut].strip():
                _parse_chunk(text[start:cut], start, lines, parsed, found, whole_file=False)
            return cut + 1, after
        _parse_chunk(text[start:end], start, lines, parsed, found, whole_file=False)
    return pos, None


def _statement_pieces(tokens: list, first: int, start: int, size: int, nested: bool
                      ) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
    """(start, end, inner semicolons) of each piece of the text between top-level semicolons,
    from `tokens[first]` (at offset `start`) on; token offsets are characters. A semicolon is
    inner inside parentheses or a BEGIN ATOMIC body (where CASE ... END nests too); each inner
    one is given as (offset, index of the token after it). Not `nested`: every semicolon cuts."""
    parens, bodies, previous = 0, 0, ""
    inner: list[tuple[int, int]] = []
    for i in range(first, len(tokens)):
        tok = tokens[i]
        name = tok.name
        if name == "ASCII_59":
            if nested and (parens or bodies):
                inner.append((tok.start, i + 1))
            else:
                yield start, tok.start, inner
                start, inner = tok.start + 1, []
        elif name == "ASCII_40":
            parens += 1
        elif name == "ASCII_41":
            parens = max(0, parens - 1)
        elif name == "ATOMIC" and previous == "BEGIN_P" or name == "CASE" and bodies:
            bodies += 1
        elif name == "END_P" and bodies:
            bodies -= 1
        previous = name
    yield start, size, inner


def plain_parse_json(text: str) -> str | None:
    """The parser's JSON of `text` when `parse_sql` would find statements in it and nothing
    else: no input only psql or the client reads (meta-commands, variables, COPY data), no SQL
    the grammar rejects, no statement nested too deep to build. None when it may hold one of
    these (`parse_sql` says what). For a reader that asks only whether a file is plain SQL:
    no tree is built, a seventh of `parse_sql`'s time."""
    parser = _libpg.parser

    if _may_hold_client_side_input(text):
        return None
    try:
        raw = parser.parse_sql_json(text)
    except parser.ParseError:
        return None
    # Building a tree fails (TOO_DEEP) only past the recursion limit; a tree is nested at most
    # as deep as its JSON has objects and lists, counted cheaply. Half the limit leaves room
    # for the stack the parse is called from.
    if raw.count("{") + raw.count("[") >= sys.getrecursionlimit() // 2:
        return None
    return raw


def _parses(text: str) -> bool:
    parser = _libpg.parser

    try:
        parser.parse_sql_json(text)
    except parser.ParseError:
        return False
    return True


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
        comments, spans = [], []
        for m in _COMMENT.finditer(text, gap_start, start):
            comments.append(m.group(0))
            spans.append(lines.span(m.start(), m.end()))
        # A comment before the statement is the file's too (with the same Span object: no
        # one changes a span once made).
        self.parsed.comments.extend(zip(comments, spans, strict=True))
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


def _gexec_query(gexec: Skipped, found: list[_Found], lines: LineIndex) -> Skipped:
    """`\\gexec` spanning the query whose result it runs: the last statement before it, which
    psql sends again when a semicolon has already sent it."""
    at = gexec.span.start_offset
    before = [start for start, _end, _sql, _tree in found if start < at]
    if not before:
        return gexec
    return Skipped(gexec.kind, gexec.text, lines.span(before[-1], gexec.span.end_offset))


def parse_sql(text: str, *, comments: bool = True, salvage: bool = True) -> ParsedFile:
    """Parse a migration's SQL into statements; never raises for bad SQL (see `problems`).

    `comments=False` leaves comments out (no `leading_comments`, no file-level `comments`):
    for readers of the schema change alone, such as the conflict graph, which need no ignore
    directives. `salvage=False` gives a text the grammar rejects one problem, where it
    stopped, and no statement, instead of parsing it again statement by statement to keep
    the good ones: for a reader that only asks whether the text parses.
    """
    lines = LineIndex.of(text)
    parsed = ParsedFile()
    server_text, parsed.skipped, parsed.placeholders = _strip_client_side(text, lines)
    found: list[_Found] = []
    if server_text.strip():
        _parse_chunk(server_text, 0, lines, parsed, found, whole_file=salvage)
    found.sort(key=itemgetter(0))  # statements parsed alone after a failure come back later
    if any(s.kind == "psql-gexec" for s in parsed.skipped):
        parsed.skipped = [_gexec_query(s, found, lines) if s.kind == "psql-gexec" else s
                          for s in parsed.skipped]
    number_statements(text, server_text, lines, parsed, found, comments)
    return parsed


def number_statements(text: str, server_text: str, lines: LineIndex, parsed: ParsedFile,
                      found: list[_Found], comments: bool) -> None:
    """`parsed.statements`: the statements `found` in `server_text` (`text` as the server
    reads it), numbered, with their comments when asked for."""
    # Each statement is built once, with its comments: building it and then again with them
    # made a third of a migration's objects.
    taker = _Comments(text, parsed, lines) if comments and _has_comments(text) else None
    if server_text is not text:
        # The stand-ins are as long as the variables they replace: each statement is shown
        # as written (`:"schema"`, not its stand-in `":schema"`); `client_side_stand_ins`
        # gives its text as parsed back.
        found = [(start, end, text[start:end], tree) for start, end, _sql, tree in found]
    span = lines.span
    parsed.statements = [
        Statement(i, sql, span(start, end), tree,
                  *(taker.of(i, start, end, sql) if taker is not None else ()))
        for i, (start, end, sql, tree) in enumerate(found)]
    if taker is not None:
        taker.finish()
