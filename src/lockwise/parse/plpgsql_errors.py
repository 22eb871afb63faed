"""Where PL/pgSQL's grammar rejects a body, as an offset in the DO or CREATE statement.

pglast's PL/pgSQL parser says what it rejects (`missing expression at or near "THEN"`) but
not where: libpg_query keeps a position for the core grammar's errors only, and PL/pgSQL's
are placed in the body (the server's `internalerrposition`). The server maps that position
back into the statement when it finds the body there (psql's `LINE n:` and caret). lockwise
finds the position by parsing prefixes of the body, then maps it through the quoting of the
body's string constant: a dollar quote, `''` doubling, an E'' string's escapes, a string
continued on the next line. Only the error path pays for this.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Appended to a prefix of a body: `)` leaves no SQL statement or expression open at the end
#: of the text (PostgreSQL's parser rejects it where it stands), `;` ends it, and the last `)`
#: is rejected by PL/pgSQL where a statement may start. A prefix that stops before what the
#: body is rejected for is rejected for one of these instead.
_CUT = "\n);)"
#: `_CUT` without a `;`, for a message about a `;` (the cut's own would be mistaken for it).
_CUT_NO_SEMICOLON = "\n))"
_NEAR = re.compile(r' at or near "(.*)"\Z', re.DOTALL)
#: The name a message quotes (`"x" is not a known variable`, `no label "m" ...`).
_NAMED = re.compile(r'"([^"]+)"')
_AT_END = " at end of input"
_ESCAPE = re.compile(r"\\(?:[0-7]{1,3}|x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)",
                     re.DOTALL)
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def rejected_at(sql: str, body: str, message: str, routine: bool) -> tuple[int, int] | None:
    """Where in statement `sql` (a DO block, or a routine's CREATE when `routine`) PL/pgSQL's
    grammar rejects `body` with `message`: the offset and length of the rejected token, or
    of the character the text ran out at (the body's closing quote, or the `;` ending the
    SQL statement cut short); None when the body's string constant is not found in `sql`
    (a placeholder in it) or the place cannot be told."""
    from lockwise.parse.plpgsql import dollar_tag

    literal = body_literal(sql, body)
    if literal is None:
        return None
    start, end, offsets = literal

    def compile_prefix(text: str) -> str:
        tag = dollar_tag(text)
        code = f"{sql[:start]}{tag}{text}{tag}{sql[end:]}" if routine else \
            f"DO {tag}{text}{tag}"
        return _message(code)

    found = _body_offset(body, message, compile_prefix)
    if found is None:
        return None
    at, length = found
    return offsets[at], max(1, offsets[min(at + length, len(body))] - offsets[at])


def _message(code: str) -> str:
    """PL/pgSQL's message for `code`, "" when it parses."""
    from lockwise.parse.plpgsql import parse_plpgsql

    return parse_plpgsql(code)[1]


def _body_offset(body: str, message: str, compile_prefix: Callable[[str], str]
                 ) -> tuple[int, int] | None:
    """The offset and length in `body` of what PL/pgSQL rejects it for with `message`
    (`compile_prefix` gives the message for a text in its place, "" when it parses).

    The parser reads the body in order and stops at the first thing it cannot take: a prefix
    that reaches it, then `_CUT`, is rejected with the same message; a shorter one is
    rejected at the cut (or at a statement the cut left unfinished) instead. The shortest
    such prefix ends at the token rejected (`at or near "X"`, or the name a message quotes:
    `"x" is not a known variable`), or at the `;` ending the SQL statement whose text ran
    out (`at end of input`). A body whose own end is too early (a missing END) is rejected
    so only whole. Other messages are not placed (None)."""
    from lockwise.parse import libpg

    at_end = message.endswith(_AT_END)
    near = _NEAR.search(message)
    named = near or (None if at_end else _NAMED.search(message))
    if named is None and not at_end:
        return None
    cut = _CUT_NO_SEMICOLON if named and ";" in named.group(1) else _CUT
    if named is None and compile_prefix(body + cut) != message:
        return len(body), 1  # (the body ended too early, not a statement in it)
    try:
        tokens = libpg.parser.scan(body)
    except Exception:  # noqa: BLE001 - a body the scanner cannot read is not placed
        return None
    low, high = 0, len(tokens)
    while low < high:
        middle = (low + high) // 2
        if compile_prefix(body[:tokens[middle].end + 1] + cut) == message:
            high = middle
        else:
            low = middle + 1
    if low == len(tokens):
        return None
    if named is None:
        return tokens[low].start, 1
    # the rejected token: the last one spelled as the message quotes it, up to the prefix's
    # end (a statement rejected at its start is found only at its `;`); a name is quoted
    # as PostgreSQL folds it (`X` is "x")
    wanted = named.group(1)
    for token in reversed(tokens[:low + 1]):
        text = body[token.start:token.end + 1]
        if text == wanted or not near and _folded(text) == wanted:
            return token.start, len(text)
    return None


def _folded(word: str) -> str:
    """A name as PostgreSQL reads it: a quoted one as written, else in lower case."""
    return word[1:-1].replace('""', '"') if word[:1] == '"' == word[-1:] else word.lower()


def body_literal(sql: str, body: str) -> tuple[int, int, list[int]] | None:
    """The string constant of `sql` whose value is `body`: its start and end offsets and the
    offset in `sql` of each character of `body`, then of the closing quote."""
    from lockwise.parse import libpg

    try:
        tokens = libpg.parser.scan(sql)
    except Exception:  # noqa: BLE001 - a statement the scanner cannot read is not placed
        return None
    for token in tokens:
        if token.name != "SCONST":
            continue
        decoded = _decoded(sql[token.start:token.end + 1], token.start)
        if decoded is not None and decoded[0] == body:
            return token.start, token.end + 1, decoded[1]
    return None


def _decoded(raw: str, at: int) -> tuple[str, list[int]] | None:
    """The value of string constant `raw`, written at offset `at`, and the offset of each of
    its characters, then of its closing quote; None for a form not read (U&'...')."""
    if raw.startswith("$"):
        opening = raw.index("$", 1) + 1
        value = raw[opening:len(raw) - opening]
        return value, [at + opening + i for i in range(len(value) + 1)]
    escapes = raw[:1] in ("e", "E")
    i = 1 + escapes
    if raw[i - 1:i] != "'":
        return None
    chars: list[str] = []
    offsets: list[int] = []
    while i < len(raw):
        char = raw[i]
        if char == "'" and raw[i + 1:i + 2] == "'":
            chars.append("'")
            offsets.append(at + i)
            i += 2
        elif char == "'":  # the end of the constant, or of a line it continues after
            following = raw.find("'", i + 1)
            if following < 0:
                break
            i = following + 1
        elif escapes and char == "\\":
            escape = _ESCAPE.match(raw, i)
            if escape is None:
                return None
            try:
                chars.append(_unescaped(escape.group()))
            except ValueError:  # (past the last code point: the server rejects it too)
                return None
            offsets.append(at + i)
            i = escape.end()
        else:
            chars.append(char)
            offsets.append(at + i)
            i += 1
    offsets.append(at + len(raw) - 1)
    return "".join(chars), offsets


def _unescaped(escape: str) -> str:
    """The character an E'' string's backslash escape stands for."""
    kind, digits = escape[1], escape[2:]
    if kind in "01234567":
        return chr(int(escape[1:], 8))
    if kind in "xuU" and digits:
        return chr(int(digits, 16))
    return _SIMPLE_ESCAPES.get(kind, kind)
