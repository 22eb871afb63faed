"""Writing identifiers back into SQL the way PostgreSQL reads them."""

from __future__ import annotations

import re

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


def quote_ident(name: str) -> str:
    """`name` as SQL: bare when PostgreSQL would read it back unchanged (lower case, not a
    reserved word), double-quoted otherwise."""
    from pglast.keywords import RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

    if _PLAIN.fullmatch(name) and name not in RESERVED_KEYWORDS \
            and name not in TYPE_FUNC_NAME_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'
