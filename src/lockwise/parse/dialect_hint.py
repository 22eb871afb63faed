"""A hint for a MySQL file linted as PostgreSQL: PostgreSQL's parser stops at the first
backquote with a bare "syntax error", which does not say the dialect is the problem."""

from __future__ import annotations

import re
from functools import lru_cache

from lockwise.core.lazy_re import lazy_compile

#: What a MySQL dump or migration writes and PostgreSQL SQL does not, in the statement that
#: failed: table options, column attributes, online DDL clauses (ALGORITHM=, LOCK=), ALTER
#: TABLE's MODIFY / CHANGE COLUMN.
_STATEMENT_MARKERS = lazy_compile(
    r"\bENGINE\s*=|\bAUTO_INCREMENT\b|\bUNSIGNED\b"
    r"|\bALGORITHM\s*=\s*(INPLACE|INSTANT|COPY|NOCOPY|DEFAULT)\b"
    r"|\bLOCK\s*=\s*(NONE|SHARED|EXCLUSIVE|DEFAULT)\b"
    r"|\b(MODIFY|CHANGE)\s+COLUMN\b", re.I)
#: What only MySQL files hold, anywhere in the file: mysqldump's version-gated comments and
#: the mysql client's DELIMITER command.
_FILE_MARKERS = lazy_compile(r"/\*!\d{5}|^\s*DELIMITER\s+\S", re.I | re.M)

HINT = (" This looks like MySQL or MariaDB SQL: lint it with --dialect mysql (or mariadb), or "
        "set dialect = \"mysql\" in lockwise.toml ([tool.lockwise] in pyproject.toml).")


def mysql_hint(text: str, offset: int) -> str:
    """HINT when the PostgreSQL parse error at `offset` of `text` is on SQL with clear MySQL
    markers (a backquote at the error, or one of the markers above); "" otherwise."""
    if text[offset:offset + 1] == "`" or _holds(_FILE_MARKERS, text):
        return HINT
    start = text.rfind(";", 0, offset) + 1
    end = text.find(";", offset)
    statement = text[start:end if end >= 0 else len(text)]
    return HINT if _STATEMENT_MARKERS.search(statement) else ""


#: What PostgreSQL files hold and MySQL ones do not: `::` casts, a dollar-quoted body (not the
#: mysql client's `DELIMITER $$`), CONCURRENTLY, ALTER COLUMN ... TYPE / SET NOT NULL / SET
#: STATISTICS, NOT VALID, COMMENT ON, ALTER TABLE ONLY, IDENTITY columns, RENAME CONSTRAINT,
#: SET [UN]LOGGED, PostgreSQL-only types (MySQL has SERIAL too) and psql meta-commands.
_POSTGRES_MARKERS = lazy_compile(
    r"\w::\w|\b(AS|DO)\s+\$\w*\$|\bCONCURRENTLY\b"
    r"|\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b"
    r"|\bALTER\s+(COLUMN\s+)?\S+\s+(SET|DROP)\s+NOT\s+NULL\b|\bSET\s+STATISTICS\b"
    r"|\bNOT\s+VALID\b|^\s*COMMENT\s+ON\b|\bALTER\s+TABLE\s+ONLY\b|\bAS\s+IDENTITY\b"
    r"|\bRENAME\s+CONSTRAINT\b|\bSET\s+(UN)?LOGGED\b"
    r"|\b(JSONB|BIGSERIAL|TIMESTAMPTZ|BYTEA)\b|^\\\w", re.I | re.M)

POSTGRES_HINT = (" This looks like PostgreSQL SQL: lint it without --dialect mysql (PostgreSQL "
                 "is the default), or set dialect = \"postgresql\" in lockwise.toml.")


def postgres_hint(text: str, offset: int) -> str:
    """POSTGRES_HINT when a MySQL parse error is in a file with clear PostgreSQL markers;
    `offset` is unused (the markers may be anywhere), kept to match mysql_hint."""
    del offset
    return POSTGRES_HINT if _holds(_POSTGRES_MARKERS, text) else ""


@lru_cache(maxsize=4)
def _holds(markers: re.Pattern[str], text: str) -> bool:
    """Whether `markers` occur in the file `text`: searched once per file, not once per
    parse error in it (each asks; a file of thousands of errors made lint quadratic)."""
    return markers.search(text) is not None
