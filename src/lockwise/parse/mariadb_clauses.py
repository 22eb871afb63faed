"""Clauses MariaDB runs that sqlglot's MySQL grammar cannot read, and the effect model does
not need, rewritten (offsets kept) so the rest of the statement is read (checked on MariaDB
10.11; the knowledge base's DROP TABLE, DROP INDEX, CREATE SEQUENCE, System-Versioned Tables
and Application-Time Periods; MariaDB's lock wait, `WAIT n` | `NOWAIT`, is blanked before,
parse/mysql.py's without_lock_wait):

* a column's `DEFAULT NEXT VALUE FOR s`: read as `NEXTVAL(s)`, which sqlglot reads;
* a column's `WITH SYSTEM VERSIONING` / `WITHOUT SYSTEM VERSIONING`;
* an application-time period, `PERIOD FOR p (start, end)`, and a key's `p WITHOUT OVERLAPS`;
* a column's `COMPRESSED[=zlib]` (its storage, not its type; blanked on MySQL too, where
  parse/mysql.py's _other_servers_syntax then refuses it at its word);
* ANALYZE TABLE's `PERSISTENT FOR ALL | COLUMNS (...) INDEXES (...)` (which statistics);

and on both servers, INSERT's priority, `LOW_PRIORITY | DELAYED | HIGH_PRIORITY`, and
REPLACE's, `LOW_PRIORITY | DELAYED` (their grammar: the MySQL 8.4 manual, 15.2.7 "INSERT
Statement" and 15.2.12 "REPLACE Statement"; they change the table locks of engines such as
MyISAM, not the metadata locks, checked on MariaDB 10.11; parse/mysql_insert_syntax.py
refuses one out of its place), a primary key's `ASC` / `DESC` column (MySQL 8.0's
descending keys), and MySQL's column attributes that the effect model does not need:
`COLUMN_FORMAT FIXED | DYNAMIC | DEFAULT` and `STORAGE DISK | MEMORY` (NDB's),
`[SECONDARY_]ENGINE_ATTRIBUTE [=] 'json'` (8.0.21) and `VISIBLE` (8.0.23; the default); its
manual, 15.1.20 "CREATE TABLE Statement", column_definition. MariaDB refuses them
(parse/mysql.py's _other_servers_syntax). Only tried on text sqlglot refuses, on ALTER
TABLEs it keeps as commands and on a REPLACE read as its INSERT (parse/mysql.py's
_parse_statement, _replace_as_insert).

MariaDB's column types INET4 and INET6, which sqlglot does not know, are read as its INET,
each column keeping the type written (`meta["type"]`), and a CREATE TABLE's table-level
`WITH SYSTEM VERSIONING` is read without it: parse/mysql.py's _readable_definition.
"""

from __future__ import annotations

import re

_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)(?:\.(?:`(?:[^`]|``)+`|[\w$]+))?"
_NEXT_VALUE = re.compile(rf"\bNEXT\s+VALUE\s+FOR\s+({_NAME})", re.IGNORECASE)
_COLUMN_VERSIONING = re.compile(r"\bWITH(?:OUT)?\s+SYSTEM\s+VERSIONING(?=\s*[,)])",
                                re.IGNORECASE)
_PERIOD = re.compile(rf",\s*PERIOD\s+FOR\s+(?!SYSTEM_TIME\b){_NAME}\s*\([^()]*\)",
                     re.IGNORECASE)
_WITHOUT_OVERLAPS = re.compile(rf",\s*{_NAME}\s+WITHOUT\s+OVERLAPS\b", re.IGNORECASE)
#: A BLOB / TEXT / VARCHAR column's COMPRESSED[=zlib], before the column's end (the
#: statement's, in an ALTER TABLE), its position or another attribute (ROW_FORMAT=COMPRESSED,
#: after `=`, is a table option sqlglot reads).
_COMPRESSED = re.compile(r"(?<=[\w)])(?<!\bROW_FORMAT)(\s+)COMPRESSED(?:\s*=\s*\w+)?"
                         r"(?=\s*[,)]|\s*;?\s*$|\s+(?:NOT|NULL|DEFAULT|COMMENT|CHARACTER"
                         r"|CHARSET|COLLATE|INVISIBLE|FIRST|AFTER)\b)", re.IGNORECASE)
#: A CREATE TABLE's `WITH SYSTEM VERSIONING`, after its definitions (a column's is followed by
#: `,` or `)`).
TABLE_VERSIONING = re.compile(r"\bWITH\s+SYSTEM\s+VERSIONING\b(?!\s*[,)])", re.IGNORECASE)
#: MySQL's column attributes above, after a type, a closing parenthesis or a literal (a column
#: named `visible` comes after `,`, `(` or a word such as COLUMN, DROP, AFTER, CHANGE).
_MYSQL_ATTRIBUTE_WORDS = ("COLUMN_FORMAT", "STORAGE", "ENGINE_ATTRIBUTE", "VISIBLE")
_MYSQL_ATTRIBUTES = re.compile(
    r"(?<=[\w)'])(?<!\bCOLUMN)(?<!\bDROP)(?<!\bAFTER)(?<!\bFIRST)(?<!\bKEY)(?<!\bINDEX)"
    r"(?<!\bCHANGE)(?<!\bMODIFY)(?<!\bADD)(?<!\bBY)(?<!\bTO)"
    r"\s+(?:COLUMN_FORMAT\s+(?:FIXED|DYNAMIC|DEFAULT)\b|STORAGE\s+(?:DISK|MEMORY)\b"
    r"|(?:SECONDARY_)?ENGINE_ATTRIBUTE\s*=?\s*'(?:[^'\\]|\\.|'')*'|VISIBLE\b(?=\s*[,)]|\s+\w))",
    re.IGNORECASE)
#: INSERT's or REPLACE's priority, right after its verb.
_PRIORITY = re.compile(r"(?<=^INSERT\s)(\s*)(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY)\b",
                       re.IGNORECASE)
_ANALYZE = re.compile(r"\s*ANALYZE\b", re.IGNORECASE)
#: ANALYZE TABLE's engine-independent statistics (which columns and indexes).
_PERSISTENT_FOR = re.compile(r"\bPERSISTENT\s+FOR\s+(?:ALL\b|COLUMNS\s*\([^()]*\)\s*"
                             r"INDEXES\s*\([^()]*\))", re.IGNORECASE)
_PRIMARY_KEY = re.compile(r"\bPRIMARY\s+KEY\s*\(", re.IGNORECASE)
_ORDER = re.compile(r"\s(?:ASC|DESC)\b", re.IGNORECASE)


def blank(match: re.Match) -> str:
    """The text `match` matched, as spaces (offsets kept)."""
    return " " * len(match.group(0))


def _next_value(match: re.Match) -> str:
    read = f"NEXTVAL({match.group(1)})"
    return read + " " * (len(match.group(0)) - len(read))


def _primary_key_order(text: str) -> str:
    """`text` with ASC / DESC blanked inside each PRIMARY KEY (...) list."""
    for found in list(_PRIMARY_KEY.finditer(text)):
        depth, end = 1, found.end()
        while end < len(text) and depth:
            depth += (text[end] == "(") - (text[end] == ")")
            end += 1
        text = text[:found.end()] + _ORDER.sub(blank, text[found.end():end]) + text[end:]
    return text


def without_mysql_attributes(body: str) -> str | None:
    """`body` with MySQL's column attributes above blanked; None when it has none."""
    upper = body.upper()
    if not any(word in upper for word in _MYSQL_ATTRIBUTE_WORDS):  # cheap: most have none
        return None
    text = _MYSQL_ATTRIBUTES.sub(blank, body)
    return None if text == body else text


def without_priority(insert: str) -> str | None:
    """`insert`, an INSERT (REPLACE as parse/mysql.py reads it: as INSERT, offsets kept),
    with its priority blanked; None when it has none."""
    text = _PRIORITY.sub(blank, insert, count=1)
    return None if text == insert else text


def readable_text(body: str, mariadb: bool) -> str | None:
    """`body` with the clauses above rewritten (MariaDB's only for `mariadb`); None when it
    has none."""
    text = _COMPRESSED.sub(blank, _primary_key_order(body))
    text = without_priority(text) or text
    text = without_mysql_attributes(text) or text
    if mariadb:
        text = _NEXT_VALUE.sub(_next_value, text)
        text = _COLUMN_VERSIONING.sub(blank, text)
        text = _WITHOUT_OVERLAPS.sub(blank, _PERIOD.sub(blank, text))
        if _ANALYZE.match(text):
            text = _PERSISTENT_FOR.sub(blank, text)
    return None if text == body else text


def mark_compressed(tree, body: str) -> None:
    """Note on each column definition of `tree` (read from `body` with its COMPRESSED
    attributes blanked, offsets kept) whether `body` gives it one (`meta["compressed"]`):
    MariaDB stores such a column's values compressed, and changing that copies the table
    (checked on 10.11: "Cannot change column type")."""
    from bisect import bisect_left

    from sqlglot import exp

    at = [found.start() for found in _COMPRESSED.finditer(body)]
    if not at:
        return
    columns = sorted((c for c in tree.find_all(exp.ColumnDef)
                      if isinstance(c.this, exp.Identifier) and "start" in c.this.meta),
                     key=lambda c: c.this.meta["start"])
    starts = [c.this.meta["start"] for c in columns]
    for place in at:
        # (the last column defined before the attribute: one search, not a scan per place)
        before = bisect_left(starts, place)
        if before:
            columns[before - 1].meta["compressed"] = True


def inet_as_read(text: str) -> tuple[str, list[str]]:
    """`text` with each INET4 / INET6 column type written as sqlglot's INET (offsets kept),
    and the types written, in order."""
    from sqlglot.errors import TokenError

    from lockwise.parse.mysql import mariadb_types, mysql_tokens

    try:
        tokens = mysql_tokens(text)
    except TokenError:
        return text, []
    words = [tok.text.upper() for tok in tokens]
    typed = [i for i in mariadb_types(tokens, words) if words[i] != "UUID"]
    for i in reversed(typed):
        text = text[:tokens[i].start] + "INET " + text[tokens[i].end + 1:]
    return text, [words[i].lower() for i in typed]


def keep_types(tree, written: list[str]) -> None:
    """Note on each INET column of `tree` the type `written` for it, in order (nothing when
    the counts differ)."""
    from sqlglot import exp

    columns = [c for c in tree.find_all(exp.ColumnDef)
               if (kind := c.args.get("kind")) is not None and kind.this == exp.DataType.Type.INET]
    if written and len(columns) == len(written):
        for column, name in zip(columns, written, strict=True):
            column.meta["type"] = name
