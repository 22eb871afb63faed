"""A huge file parsed in pieces (issue 10): a data dump of 500,000 statements parsed whole
held every statement's tree before the first was judged (3.1 GB).

The file is cut into pieces of a few hundred statements where pglast's split, run by
PostgreSQL's scanner, starts a statement (its parser would build the whole file's tree in C
memory, 40 MB for 50,000 statements). The scanner also cuts at the semicolons inside a BEGIN
ATOMIC body or a rule's parenthesised actions: a piece ending inside one does not parse, and
the file is then parsed whole. A first pass parses each
piece, numbers its statements with their spans and comments, hands its trees to `summarize`
(lint's look-ahead: what a statement's judgement needs from the ones after it) and drops
them; `Pieces.with_trees` parses each piece again while lint judges it, so only one piece's
trees are alive at a time. Each piece is parsed at its place in the file (`_parse_chunk`'s
`base`): spans and statements are those the whole file's parse gives.

A file this route cannot give the same statements of (one the grammar rejects, psql's
`\\gexec`, template placeholders, a cut inside a statement) is parsed whole as before:
`parse_in_pieces` says None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise

from lockwise.core.types import Statement
from lockwise.parse.postgres import (
    ParsedFile,
    _Found,
    _parse_chunk,
    _strip_client_side,
    number_statements,
)
from lockwise.parse.source import LineIndex
from lockwise.parse.templates import find_placeholders

#: Called with each piece's trees and the index of its first statement.
Summarize = Callable[[list[dict], int], None]


class Pieces:
    """Where each piece of a file's server text is: (start, end) character offsets, the
    pieces in order, each ending where the next starts."""

    __slots__ = ("bounds", "lines", "parsed", "text")

    def __init__(self, text: str, bounds: list[tuple[int, int]], lines: LineIndex,
                 parsed: ParsedFile) -> None:
        self.text, self.bounds, self.lines, self.parsed = text, bounds, lines, parsed

    def parse(self, number: int) -> list[_Found]:
        """The statements of piece `number`, with their trees."""
        start, end = self.bounds[number]
        found: list[_Found] = []
        _parse_chunk(self.text[start:end], start, self.lines, self.parsed, found,
                     whole_file=False)
        return found

    def with_trees(self, statements: list[Statement], keep: bool = True
                   ) -> Iterator[Statement]:
        """`statements` in order, each given its tree as its piece comes to be judged; the
        piece's other trees are dropped with it (a caller that keeps a statement keeps its
        tree: lint's `release` does not). Not `keep`: each statement's tree is taken back
        once the caller asks for the next, for a reader that only passes through."""
        index = 0
        for number in range(len(self.bounds)):
            for found in self.parse(number):
                stmt = statements[index]
                stmt.tree = found[3]
                index += 1
                yield stmt
                if not keep:
                    stmt.tree = {}

    def passed_through(self, statements: list[Statement]) -> Sequence[Statement]:
        """`statements` for a reader that counts them and goes through them once (Flyway's
        check that every one refuses a transaction), given their trees as it reads them."""
        return _PassedThrough(self, statements)


class _PassedThrough(Sequence[Statement]):
    """`Pieces.passed_through`: each iteration parses the pieces again."""

    __slots__ = ("pieces", "statements")

    def __init__(self, pieces: Pieces, statements: list[Statement]) -> None:
        self.pieces, self.statements = pieces, statements

    def __len__(self) -> int:
        return len(self.statements)

    def __iter__(self) -> Iterator[Statement]:
        return self.pieces.with_trees(self.statements, keep=False)

    def __getitem__(self, index: object) -> Statement:  # type: ignore[override]
        # (no reader indexes it: a statement here has its tree only while it is read)
        raise TypeError("statements in pieces are read in order")


def parse_in_pieces(text: str, size: int, *, comments: bool = True,
                    summarize: Summarize | None = None) -> ParsedFile | None:
    """`parse_sql(text)` with `size` statements a piece and the statements' trees left out
    (`ParsedFile.pieces` builds them); None for a file to parse whole."""
    from lockwise.parse import libpg

    if find_placeholders(text):
        return None
    lines = LineIndex.of(text)
    parsed = ParsedFile()
    server_text, parsed.skipped, parsed.placeholders = _strip_client_side(text, lines)
    if any(s.kind == "psql-gexec" for s in parsed.skipped) or not server_text.strip():
        return None
    try:
        slices = libpg.parser.split(server_text, with_parser=False, only_slices=True)
    except libpg.parser.ParseError:
        return None
    cuts = [0, *(s.start for s in slices[size::size]), len(server_text)]
    pieces = Pieces(server_text, list(pairwise(cuts)), lines, parsed)
    found: list[_Found] = []
    for number in range(len(pieces.bounds)):
        piece = pieces.parse(number)
        if parsed.problems:  # (or a statement too deep for Python: the whole route says so)
            return None
        if summarize is not None:
            summarize([f[3] for f in piece], len(found))
        found += [(start, end, sql, {}) for start, end, sql, _tree in piece]
    number_statements(text, server_text, lines, parsed, found, comments)
    parsed.pieces = pieces
    return parsed
