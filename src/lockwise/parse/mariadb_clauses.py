"""Clauses MariaDB runs that sqlglot's MySQL grammar cannot read, and the effect model does
not need, rewritten (offsets kept) so the rest of the statement is read (checked on MariaDB
10.11; the knowledge base's DROP TABLE, DROP INDEX, CREATE SEQUENCE, System-Versioned Tables
and Application-Time Periods):

* DROP TABLE / DROP INDEX ... `WAIT n` | `NOWAIT`: how long to wait for the metadata lock;
* a column's `DEFAULT NEXT VALUE FOR s`: read as `NEXTVAL(s)`, which sqlglot reads;
* a column's `WITH SYSTEM VERSIONING` / `WITHOUT SYSTEM VERSIONING`;
* an application-time period, `PERIOD FOR p (start, end)`, and a key's `p WITHOUT OVERLAPS`;
* a column's `COMPRESSED[=zlib]` (its storage, not its type; blanked on MySQL too, where
  parse/mysql.py's _other_servers_syntax then refuses it at its word);
* ANALYZE TABLE's `PERSISTENT FOR ALL | COLUMNS (...) INDEXES (...)` (which statistics);

and on both servers, a primary key's `ASC` / `DESC` column (MySQL 8.0's descending keys), and
MySQL's column attributes that the effect model does not need: `COLUMN_FORMAT FIXED | DYNAMIC
| DEFAULT` and `STORAGE DISK | MEMORY` (NDB's), `[SECONDARY_]ENGINE_ATTRIBUTE [=] 'json'`
(8.0.21) and `VISIBLE` (8.0.23; the default); its manual, 15.1.20 "CREATE TABLE Statement",
column_definition. MariaDB refuses them (parse/mysql.py's _other_servers_syntax).
Only tried on text sqlglot refuses, and on ALTER TABLEs it keeps as commands (parse/mysql.py's
_parse_statement).
"""

from __future__ import annotations

import re

_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)(?:\.(?:`(?:[^`]|``)+`|[\w$]+))?"
_DROP = re.compile(r"\s*DROP\s+(?:TEMPORARY\s+)?(?:TABLE|INDEX)\b", re.IGNORECASE)
_WAIT = re.compile(r"\b(?:WAIT\s+\d+|NOWAIT)\b", re.IGNORECASE)
_NEXT_VALUE = re.compile(rf"\bNEXT\s+VALUE\s+FOR\s+({_NAME})", re.IGNORECASE)
_COLUMN_VERSIONING = re.compile(r"\bWITH(?:OUT)?\s+SYSTEM\s+VERSIONING(?=\s*[,)])",
                                re.IGNORECASE)
_PERIOD = re.compile(rf",\s*PERIOD\s+FOR\s+(?!SYSTEM_TIME\b){_NAME}\s*\([^()]*\)",
                     re.IGNORECASE)
_WITHOUT_OVERLAPS = re.compile(rf",\s*{_NAME}\s+WITHOUT\s+OVERLAPS\b", re.IGNORECASE)
#: A BLOB / TEXT / VARCHAR column's COMPRESSED[=zlib], before the column's end or another
#: attribute (ROW_FORMAT=COMPRESSED, after `=`, is a table option sqlglot reads).
_COMPRESSED = re.compile(r"(?<=[\w)])(\s+)COMPRESSED(?:\s*=\s*\w+)?(?=\s*[,)]|\s+(?:NOT|NULL"
                         r"|DEFAULT|COMMENT|CHARACTER|CHARSET|COLLATE|INVISIBLE)\b)",
                         re.IGNORECASE)
#: MySQL's column attributes above, after a type, a closing parenthesis or a literal (a column
#: named `visible` comes after `,`, `(` or a word such as COLUMN, DROP, AFTER, CHANGE).
_MYSQL_ATTRIBUTE_WORDS = ("COLUMN_FORMAT", "STORAGE", "ENGINE_ATTRIBUTE", "VISIBLE")
_MYSQL_ATTRIBUTES = re.compile(
    r"(?<=[\w)'])(?<!\bCOLUMN)(?<!\bDROP)(?<!\bAFTER)(?<!\bFIRST)(?<!\bKEY)(?<!\bINDEX)"
    r"(?<!\bCHANGE)(?<!\bMODIFY)(?<!\bADD)(?<!\bBY)(?<!\bTO)"
    r"\s+(?:COLUMN_FORMAT\s+(?:FIXED|DYNAMIC|DEFAULT)\b|STORAGE\s+(?:DISK|MEMORY)\b"
    r"|(?:SECONDARY_)?ENGINE_ATTRIBUTE\s*=?\s*'(?:[^'\\]|\\.|'')*'|VISIBLE\b(?=\s*[,)]|\s+\w))",
    re.IGNORECASE)
_ANALYZE = re.compile(r"\s*ANALYZE\b", re.IGNORECASE)
#: ANALYZE TABLE's engine-independent statistics (which columns and indexes).
_PERSISTENT_FOR = re.compile(r"\bPERSISTENT\s+FOR\s+(?:ALL\b|COLUMNS\s*\([^()]*\)\s*"
                             r"INDEXES\s*\([^()]*\))", re.IGNORECASE)
_PRIMARY_KEY = re.compile(r"\bPRIMARY\s+KEY\s*\(", re.IGNORECASE)
_ORDER = re.compile(r"\s(?:ASC|DESC)\b", re.IGNORECASE)


def _blank(match: re.Match) -> str:
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
        text = text[:found.end()] + _ORDER.sub(_blank, text[found.end():end]) + text[end:]
    return text


def without_mysql_attributes(body: str) -> str | None:
    """`body` with MySQL's column attributes above blanked; None when it has none."""
    upper = body.upper()
    if not any(word in upper for word in _MYSQL_ATTRIBUTE_WORDS):  # cheap: most have none
        return None
    text = _MYSQL_ATTRIBUTES.sub(_blank, body)
    return None if text == body else text


def readable_text(body: str, mariadb: bool) -> str | None:
    """`body` with the clauses above rewritten (MariaDB's only for `mariadb`); None when it
    has none."""
    text = _COMPRESSED.sub(_blank, _primary_key_order(body))
    text = without_mysql_attributes(text) or text
    if mariadb:
        if _DROP.match(text):
            text = _WAIT.sub(_blank, text)
        text = _NEXT_VALUE.sub(_next_value, text)
        text = _COLUMN_VERSIONING.sub(_blank, text)
        text = _WITHOUT_OVERLAPS.sub(_blank, _PERIOD.sub(_blank, text))
        if _ANALYZE.match(text):
            text = _PERSISTENT_FOR.sub(_blank, text)
    return None if text == body else text
