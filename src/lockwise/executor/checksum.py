"""Checksums of migration files, normalized so that edits PostgreSQL cannot see do not count.

A checksum is stored with its algorithm version (`checksum_version`), and a history row is
always compared with the algorithm it was written with: a new normalization never makes an
existing row read as "changed".

    1  line-based: BOM, line endings, trailing whitespace on every line and trailing blank
       lines dropped. Also drops trailing whitespace inside multi-line string literals, which
       PostgreSQL does see; kept only to verify rows written with it.
    2  token-based (PostgreSQL's own lexer, through pglast's scanner): the sequence of tokens,
       so whitespace between tokens is dropped while literals (quoted identifiers, strings,
       dollar-quoted bodies) count byte for byte. Comments count, since lockwise reads
       directives from them, with their line endings and trailing whitespace normalized.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

#: The algorithm new history rows are written with.
CHECKSUM_VERSION = 2

_COMMENTS = {"SQL_COMMENT", "C_COMMENT"}


def normalize_v1(text: str) -> str:
    """Drop a BOM, turn CRLF/CR into LF, strip trailing whitespace on every line and trailing
    blank lines."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def normalize_v2(text: str) -> str:
    """The file's tokens, each length-prefixed (so no two token sequences join alike), one per
    line. A file the lexer rejects (an unterminated literal) cannot run; it falls back to the
    line-based normalization, marked so it never equals a token list."""
    from pglast.parser import ParseError, scan

    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        tokens = scan(text)
    except ParseError:
        return "unscannable\n" + normalize_v1(text)
    parts = []
    for token in tokens:  # offsets are in characters, end inclusive
        piece = text[token.start:token.end + 1]
        if token.name in _COMMENTS:
            piece = normalize_v1(piece)
        parts.append(f"{len(piece)}:{piece}")
    return "\n".join(parts)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_ALGORITHMS: dict[int, Callable[[str], str]] = {
    1: lambda text: _sha256(normalize_v1(text)),
    2: lambda text: _sha256(normalize_v2(text)),
}


def checksum(text: str, version: int = CHECKSUM_VERSION) -> str:
    """The checksum of a migration's text under algorithm `version` (sha256 hex)."""
    try:
        return _ALGORITHMS[version](text)
    except KeyError:
        raise ValueError(f"unknown checksum version {version}; this lockwise knows "
                         f"{sorted(_ALGORITHMS)}") from None


def all_checksums(text: str) -> tuple[str, ...]:
    """The checksum of `text` under every known algorithm, the current one first: what an
    earlier lockwise may have recorded for the same text."""
    order = [CHECKSUM_VERSION, *sorted(v for v in _ALGORITHMS if v != CHECKSUM_VERSION)]
    return tuple(checksum(text, v) for v in order)


def known_version(version: int) -> bool:
    return version in _ALGORITHMS


def statements_checksum(statements: Sequence[str]) -> str:
    """The checksum of a sequence of statements (the current algorithm, each statement's text
    length-prefixed): what a statement-by-statement run records of the statements it completed,
    so a resumed run can tell they are still the same."""
    return _sha256("\n".join(f"{len(n)}:{n}" for n in
                             (normalize_v2(text) for text in statements)))
