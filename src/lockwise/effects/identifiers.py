"""Identifiers longer than PostgreSQL keeps: a lexical fact, read from the statement's text.

PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes (with only a NOTICE), and so
does the parser lockwise uses: the parse tree already holds the truncated name, so the
original length can only be seen in the SQL text itself.
"""

from __future__ import annotations

from collections.abc import Collection

from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import Effect
from lockwise.effects.nodes import bodies_of_kind
from lockwise.parse.quoting import MAX_IDENTIFIER_BYTES, truncate_identifier


def _identifier(text: str) -> str:
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return text[1:-1].replace('""', '"')
    # Unquoted identifiers are folded to lower case (ASCII only, as PostgreSQL does).
    return "".join(c.lower() if c.isascii() else c for c in text)


#: Each byte of UTF-8 text as "a" when an unquoted identifier may hold it (A-Z, a-z, 0-9, _,
#: $ and every byte of a non-ASCII character, as PostgreSQL's scanner reads them), else " ".
_IDENTIFIER_BYTES = bytes(
    0x61 if byte >= 0x80 or chr(byte) in
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$" else 0x20
    for byte in range(256))
#: An unquoted identifier longer than 63 bytes, as `_IDENTIFIER_BYTES` writes it.
_LONG_RUN = b"a" * (MAX_IDENTIFIER_BYTES + 1)


def _may_hold_long_identifier(sql: str, data: bytes) -> bool:
    """A cheap exact pre-check: False only when no identifier in `sql` (`data`: its UTF-8
    bytes) can exceed 63 bytes.

    Running pglast's scanner over every statement cost more than parsing it; so did a regular
    expression for a run of identifier characters (the regex engine steps through every
    character), where translating the bytes and searching them runs in C.
    """
    if _LONG_RUN in data.translate(_IDENTIFIER_BYTES):
        return True
    if '"' in sql:
        # With "" escapes folded to one character, a quoted identifier is the text between two
        # consecutive quotes; gaps between other quotes only cause a needless scan. A name of
        # over 63 bytes has at least 64 characters, or 16 of up to 4 bytes each.
        need = 64 if len(data) == len(sql) else 16
        gaps = sql.replace('""', "x").split('"')[1:-1]
        return any(len(gap) >= need for gap in gaps) and _long_quoted_name(sql)
    return False


#: Where something that may hold a double quote starts: a quoted name, a string, a comment,
#: or a `$` (a dollar-quoted string, or a character of a name or a parameter).
_QUOTING = lazy_compile(r"[\"'$]|--|/\*")
_LINE_END = lazy_compile(r"[\n\r]")


def _long_quoted_name(sql: str) -> bool:
    """Whether a quoted identifier of `sql` may be over 63 bytes, the quoted names told apart
    from the text between them as PostgreSQL's scanner does: strings ('' doubled) and
    comments (-- to the line's end, /* */ nested) skipped. What a short lexer cannot be
    sure of answers True (the scanner decides): a `$` outside names, strings and comments (a
    dollar-quoted body, or part of a name), a string with a backslash (an E'' string's \'
    escapes its quote), and text that ends inside a name, string or comment. A U&"" name's
    escapes only shorten it, so its text as written bounds it."""
    at = 0
    while (found := _QUOTING.search(sql, at)) is not None:
        start, token = found.start(), found.group()
        if token == '"' or token == "'":
            close = start + 1
            while True:  # a doubled quote escapes itself
                close = sql.find(token, close)
                if close < 0:
                    return True
                if not sql.startswith(token, close + 1):
                    break
                close += 2
            body = sql[start + 1:close]
            if token == "'" and "\\" in body:
                return True
            if token == '"' and len(body) > MAX_IDENTIFIER_BYTES // 4 and len(
                    body.replace('""', '"').encode()) > MAX_IDENTIFIER_BYTES:
                return True
            at = close + 1
        elif token == "--":  # to the line's end (\n or \r)
            found = _LINE_END.search(sql, start)
            if found is None:
                return False
            at = found.end()
        elif token == "/*":
            depth, at = 1, start + 2
            while depth:
                close = sql.find("*/", at)
                if close < 0:
                    return True
                # The first of the two, as the scanner meets them ("/*/" opens one more).
                opened = sql.find("/*", at, close + 1)
                depth, at = (depth + 1, opened + 2) if opened >= 0 else (depth - 1, close + 2)
        else:  # "$"
            return True
    return False


def may_hold_long_identifier(text: str) -> bool:
    """False only when no identifier in `text`, nor in any part of it, can exceed 63 bytes:
    it has no double quote and no run of 64 bytes an unquoted identifier may hold. Asked
    once of a migration's file, it spares each statement `long_identifiers`' own look."""
    return '"' in text or _LONG_RUN in text.encode().translate(_IDENTIFIER_BYTES)


def long_identifiers(sql: str) -> list[str]:
    """Identifiers in `sql` longer than 63 bytes, in order, each once."""
    data = sql.encode()
    if len(data) <= MAX_IDENTIFIER_BYTES or not _may_hold_long_identifier(sql, data):
        return []  # too short to hold one: skip the scanner
    return scanned_long_identifiers(sql)


def scanned_long_identifiers(sql: str) -> list[str]:
    """`long_identifiers` read from every token of pglast's scanner, without the pre-check."""
    from lockwise.parse import libpg
    parser = libpg.parser

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


#: `identifier_facts` of a statement that names no long identifier (callers copy it).
_NO_LONG_IDENTIFIER = {"long_identifier": False, "long_identifiers": (),
                       "long_identifier_bytes": 0, "long_identifier_truncated": ""}


def defined_names(effect: Effect, tree: dict | None) -> set[str]:
    """The (unqualified) names a statement gives to what it creates or renames, as PostgreSQL
    stores them (already truncated): the objects it creates, and every constraint it names
    (a CREATE TABLE's own constraints are no objects of the effect)."""
    names = {obj.partition(":")[2].rsplit(".", 1)[-1] for obj in effect.creates}
    names.update(str(a.facts["new_name"]) for a in effect.actions if a.facts.get("new_name"))
    names.update(body["conname"] for body in bodies_of_kind(tree, "Constraint")
                 if body.get("conname"))
    return names


def identifier_facts(sql: str, defined: Collection[str] | None = None,
                     names: list[str] | None = None) -> dict:
    """Statement facts: whether it names an identifier PostgreSQL will truncate, and to what.

    With `defined` (see `defined_names`), only the long names the statement defines count.
    A statement that only refers to an object by a long name finds it: PostgreSQL truncates
    the name in the reference exactly as it did in the definition (a NOTICE each time), so the
    finding belongs where the name was written first. Two long names cut to the same 63 bytes
    collide where the second is defined ("already exists", a definition this rule reports).
    `names`: `long_identifiers(sql)`, when the caller has them already."""
    if names is None:
        names = long_identifiers(sql)
    if names and defined is not None:
        names = [name for name in names if truncate_identifier(name) in defined]
    if not names:
        return _NO_LONG_IDENTIFIER
    first = names[0]
    return {
        "long_identifier": True,
        "long_identifiers": tuple(names),
        "long_identifier_bytes": len(first.encode()),
        "long_identifier_truncated": truncate_identifier(first),
    }
