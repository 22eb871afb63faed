"""Identifiers longer than PostgreSQL keeps: a lexical fact, read from the statement's text.

PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes (with only a NOTICE), and so
does the parser lockwise uses: the parse tree already holds the truncated name, so the
original length can only be seen in the SQL text itself.
"""

from __future__ import annotations

import re
from functools import cache

from lockwise.parse.quoting import MAX_IDENTIFIER_BYTES, truncate_identifier


def _identifier(text: str) -> str:
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return text[1:-1].replace('""', '"')
    # Unquoted identifiers are folded to lower case (ASCII only, as PostgreSQL does).
    return "".join(c.lower() if c.isascii() else c for c in text)


#: A run of characters an unquoted identifier may hold, long enough to exceed 63 bytes: 64
#: ASCII characters, or 16 characters of up to 4 bytes each. In ASCII text the non-ASCII
#: range can never match, and leaving it out of the class makes the pattern ~20x cheaper to
#: compile: that compile was the largest single cost of importing this module.
_ASCII_RUN = re.compile(r"[A-Za-z0-9_$]{64,}")


@cache
def _unicode_run() -> re.Pattern[str]:
    """Compiled at the first non-ASCII statement long enough to need it."""
    return re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]{16,}")


def _may_hold_long_identifier(sql: str) -> bool:
    """A cheap exact pre-check: False only when no identifier in `sql` can exceed 63 bytes.

    Running pglast's scanner over every statement cost more than parsing it.
    """
    ascii_only = sql.isascii()
    need = 64 if ascii_only else 16
    if '"' in sql:
        # With "" escapes folded to one character, a quoted identifier is the text between two
        # consecutive quotes; gaps between other quotes only cause a needless scan.
        gaps = sql.replace('""', "x").split('"')[1:-1]
        if any(len(gap) >= need for gap in gaps):
            return True
    return (_ASCII_RUN if ascii_only else _unicode_run()).search(sql) is not None


def long_identifiers(sql: str) -> list[str]:
    """Identifiers in `sql` longer than 63 bytes, in order, each once."""
    if len(sql.encode()) <= MAX_IDENTIFIER_BYTES or not _may_hold_long_identifier(sql):
        return []  # too short to hold one: skip the scanner
    from pglast import parser

    try:
        tokens = parser.scan(sql)
    except Exception:  # noqa: BLE001 - the scanner rejects text the parser already reported
        return []
    out: dict[str, None] = {}
    for token in tokens:
        if token.name != "IDENT":
            continue
        name = _identifier(sql[token.start:token.end + 1])
        if len(name.encode()) > MAX_IDENTIFIER_BYTES:
            out.setdefault(name, None)
    return list(out)


def identifier_facts(sql: str) -> dict:
    """Statement facts: whether it names an identifier PostgreSQL will truncate, and to what."""
    names = long_identifiers(sql)
    first = names[0] if names else ""
    return {
        "long_identifier": bool(names),
        "long_identifiers": tuple(names),
        "long_identifier_bytes": len(first.encode()),
        "long_identifier_truncated": truncate_identifier(first),
    }
