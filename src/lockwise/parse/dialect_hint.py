"""A hint for a MySQL file linted as PostgreSQL: PostgreSQL's parser stops at the first
backquote with a bare "syntax error", which does not say the dialect is the problem."""

from __future__ import annotations

import re

#: What a MySQL dump or migration writes and PostgreSQL SQL does not, in the statement that
#: failed: table options, column attributes.
_STATEMENT_MARKERS = re.compile(r"\bENGINE\s*=|\bAUTO_INCREMENT\b|\bUNSIGNED\b", re.I)
#: What only MySQL files hold, anywhere in the file: mysqldump's version-gated comments and
#: the mysql client's DELIMITER command.
_FILE_MARKERS = re.compile(r"/\*!\d{5}|^\s*DELIMITER\s+\S", re.I | re.M)

HINT = (" This looks like MySQL or MariaDB SQL: lint it with --dialect mysql (or mariadb), or "
        "set dialect = \"mysql\" in lockwise.toml ([tool.lockwise] in pyproject.toml).")


def mysql_hint(text: str, offset: int) -> str:
    """HINT when the PostgreSQL parse error at `offset` of `text` is on SQL with clear MySQL
    markers (a backquote at the error, or one of the markers above); "" otherwise."""
    if text[offset:offset + 1] == "`" or _FILE_MARKERS.search(text):
        return HINT
    start = text.rfind(";", 0, offset) + 1
    end = text.find(";", offset)
    statement = text[start:end if end >= 0 else len(text)]
    return HINT if _STATEMENT_MARKERS.search(statement) else ""
