"""MariaDB's IF [NOT] EXISTS inside ALTER TABLE where sqlglot's grammar has none.

MariaDB (10.0.2 on, MDEV-318; checked on 10.11) reads IF NOT EXISTS after ADD INDEX / KEY,
UNIQUE, FULLTEXT, SPATIAL, PRIMARY KEY, FOREIGN KEY and ADD CONSTRAINT (`ADD CONSTRAINT IF NOT
EXISTS c CHECK (...)`, `ADD CONSTRAINT f FOREIGN KEY IF NOT EXISTS (...)`), and IF EXISTS
after the DROP and rename clauses: when what it names is there already (or is not there to
drop), the clause does nothing and the server leaves a note (1061 "Duplicate key name", 1091
"Can't DROP ...; check that it exists"). sqlglot reads the column clauses' and DROP INDEX's,
not the others': this module blanks those words out (offsets kept) so that the clause is read
as it would run, and marks the clauses that had them (effects/mysql_if_exists.py decides
which do nothing against the catalog). The words it follows are parse/mysql.py's
IF_EXISTS_AFTER, which on MySQL (none of this) make IF a parse error.
"""

from __future__ import annotations

import re

#: A clause's IF [NOT] EXISTS, as the mark's test reads it.
_IF_EXISTS = re.compile(r"\bIF\s+(?:NOT\s+)?EXISTS\b", re.IGNORECASE)
_ALTER_TABLE = re.compile(r"\s*ALTER\s+(?:ONLINE\s+)?(?:IGNORE\s+)?TABLE\b", re.IGNORECASE)


def without_if_exists(body: str) -> str | None:
    """`body`, an ALTER TABLE, with each IF [NOT] EXISTS after one of IF_EXISTS_AFTER's
    words blanked out; None for another statement or one without any."""
    from sqlglot.errors import TokenError

    from lockwise.parse.mysql import IF_EXISTS_AFTER, mysql_tokens

    if not _ALTER_TABLE.match(body) or not _IF_EXISTS.search(body):
        return None
    try:
        tokens = mysql_tokens(body)
    except TokenError:
        return None
    words = [tok.text.upper() for tok in tokens]
    text = body
    for i in range(1, len(tokens) - 1):
        if words[i] != "IF" or words[i - 1] not in IF_EXISTS_AFTER:
            continue
        last = i + 2 if words[i + 1] == "NOT" else i + 1
        if last < len(words) and words[last] == "EXISTS":
            start, stop = tokens[i].start, tokens[last].end + 1
            text = text[:start] + " " * (stop - start) + text[stop:]
    return None if text == body else text


def mark_if_exists(tree, body: str) -> None:
    """Mark each action of the ALTER `tree` read from `body` without its IF [NOT] EXISTS
    (`meta["if_exists"]`), matched to `body`'s clauses in order; none when they do not pair
    up (then each clause is read as if it had none: it runs)."""
    from lockwise.parse.mysql import alter_operations_text

    actions = tree.args.get("actions") or []
    clauses = [c for c in alter_operations_text(body)
               if not re.match(r"(ALGORITHM|LOCK)\b", c, re.IGNORECASE)]
    if len(clauses) != len(actions):
        return
    for action, clause in zip(actions, clauses, strict=True):
        if _IF_EXISTS.search(clause):
            action.meta["if_exists"] = True
