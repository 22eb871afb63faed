"""The statements a `LANGUAGE sql` function or procedure runs at each call: those of its AS
string, or of its `BEGIN ATOMIC ... END` body (PostgreSQL 14 and later), read from its whole
CREATE statement (catalog/routines.py keeps it so)."""

from __future__ import annotations

import re
from functools import lru_cache

from lockwise.parse.plpgsql import Embedded, routine_code

#: Where a BEGIN ATOMIC body starts, and its closing END (the statement's last word).
_ATOMIC = re.compile(r"\bbegin\s+atomic\b", re.IGNORECASE)
_END = re.compile(r"\bend\s*;?\s*$", re.IGNORECASE)


@lru_cache(maxsize=256)
def sql_body_statements(create: str) -> tuple[Embedded, ...]:
    """Each statement of the SQL routine `create` (its CREATE statement) runs, in order, with
    its line in the CREATE; none when the body does not parse."""
    code, before = routine_code(create)
    if not code:
        start = _ATOMIC.search(create)
        end = _END.search(create)
        if start is None or end is None or end.start() < start.end():
            return ()
        code, before = create[start.end():end.start()], create.count("\n", 0, start.end())
    from lockwise.parse.postgres import parse_sql

    parsed = parse_sql(code, comments=False)
    if parsed.problems:
        return ()
    return tuple(Embedded(s.sql, s.tree, before + s.span.line) for s in parsed.statements)

