"""Characters an editor does not show that PostgreSQL reads as part of a word.

A no-break space pasted from a web page, a zero-width space, or a byte order mark where two
files were joined is no space to PostgreSQL's scanner: it is a character of the word beside
it (`t<NBSP>ADD` is one name). The parser then stops at a word that looks right (`syntax
error at or near "COLUMN"`, the server's words too), and the character that is wrong cannot
be seen. A parse error names the first such character before where it stopped.
"""

from __future__ import annotations

import re

#: Spaces other than PostgreSQL's (space, tab, line ends, form feed, vertical tab),
#: zero-width and direction characters, and the byte order mark.
_INVISIBLE = re.compile("[\u00a0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
                        "\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\u3164"
                        "\ufeff\uffa0]")


def first_invisible(text: str, start: int, end: int) -> tuple[int, str] | None:
    """The offset of the first invisible character in text[start:end] that PostgreSQL reads
    as part of a word (not one in a comment or a string constant), and how to name it
    (`U+00A0 NO-BREAK SPACE`); None when there is none."""
    found = [m.start() for m in _INVISIBLE.finditer(text, start, end)]
    if not found:
        return None
    from lockwise.parse import libpg

    try:
        tokens = libpg.parser.scan(text[:end])
    except Exception:  # noqa: BLE001 - (the scanner stopped at the character itself)
        words = None
    else:
        words = [(t.start, t.end) for t in tokens if t.name not in _CONSTANTS]
    at = next((i for i in found if words is None or any(a <= i <= b for a, b in words)), None)
    if at is None:
        return None
    import unicodedata

    return at, f"U+{ord(text[at]):04X} {unicodedata.name(text[at], 'an invisible character')}"


#: Tokens whose characters are their value, and comments: an invisible one there is the
#: user's to keep.
_CONSTANTS = frozenset({"SCONST", "USCONST", "BCONST", "XCONST", "SQL_COMMENT", "C_COMMENT"})


def invisible_note(line: int, column: int, name: str) -> str:
    """What a parse error's message adds for an invisible character at `line`:`column`."""
    return (f" (line {line}, column {column} holds {name}, which the editor may not show and "
            "PostgreSQL reads as part of a word, not as a space: replace it with a space or "
            "remove it)")
