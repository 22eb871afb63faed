"""What INSERT's and REPLACE's grammar refuses that sqlglot reads (parse/mysql.py reads a
REPLACE as the INSERT it is written as), as the server says it: error 1064 at the word it
stops at (both servers' grammar: the MySQL 8.4 manual, 15.2.7 "INSERT Statement" and 15.2.12
"REPLACE Statement"; each checked on MariaDB 10.11):

* a priority out of its place: REPLACE takes `LOW_PRIORITY | DELAYED`, INSERT
  `HIGH_PRIORITY` too, one, right after the verb (`INSERT IGNORE LOW_PRIORITY` stops at
  `LOW_PRIORITY`, `INSERT DELAYED HIGH_PRIORITY` at `HIGH_PRIORITY`);
* REPLACE's `IGNORE` and `ON DUPLICATE KEY UPDATE`, which only INSERT has (REPLACE deletes
  the row whose key is taken);
* a column list with an empty place (`(id,)`: at its `)`), or before `SET`, which names its
  columns itself;
* an INTO clause in its query (`INSERT INTO t SELECT 1, 2 INTO @v`, INTO OUTFILE too: at that
  INTO): a SELECT ... INTO is a statement of its own (parse/mysql_files.py's without_into
  reads it there).
"""

from __future__ import annotations

_PRIORITIES = {"INSERT": ("LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY"),
               "REPLACE": ("LOW_PRIORITY", "DELAYED")}
_ALL_PRIORITIES = frozenset(_PRIORITIES["INSERT"])
#: What begins a query in parentheses after the table (`INSERT INTO t (SELECT ...)`), not a
#: column list.
_QUERY_WORDS = frozenset({"SELECT", "WITH", "(", "VALUES", "TABLE"})


def refused_insert(tokens: list, words: list[str]) -> tuple[str, int, int] | None:
    """Where the server stops in the INSERT or REPLACE of `tokens` (`words`, upper case), as
    (message, offset, length); None when its grammar takes it."""
    from lockwise.parse.mysql import _stops_at

    verb, i = words[0], 1
    if i < len(words) and words[i] in _ALL_PRIORITIES:
        if words[i] not in _PRIORITIES[verb]:
            return _stops_at(tokens[i], "REPLACE takes LOW_PRIORITY or DELAYED")
        i += 1
    if i < len(words) and words[i] == "IGNORE":
        if verb == "REPLACE":
            return _stops_at(tokens[i], "REPLACE has no IGNORE: it replaces the row whose key "
                                        "is taken, where INSERT IGNORE keeps it")
        i += 1
    if i < len(words) and words[i] in _ALL_PRIORITIES:
        return _stops_at(tokens[i], f"one priority, right after {verb}: {verb} "
                                    f"{words[i]} {'IGNORE ' if words[i - 1] == 'IGNORE' else ''}"
                                    "INTO ...")
    if (refused := _column_list(tokens, words, i)) is not None:
        return refused
    if (into := _query_into(words, i)) is not None:
        return _stops_at(tokens[into], f"the query of an {verb} has no INTO: the rows go into "
                                       "the table; SELECT ... INTO is a statement of its own")
    if verb == "REPLACE":
        depth = 0
        for j, word in enumerate(words):
            depth += (word == "(") - (word == ")")
            if depth == 0 and word == "ON" and words[j + 1:j + 2] == ["DUPLICATE"]:
                return _stops_at(tokens[j], "REPLACE has no ON DUPLICATE KEY UPDATE: it deletes "
                                            "the row whose key is taken and inserts the new one; "
                                            "to update that row, write INSERT ... ON DUPLICATE "
                                            "KEY UPDATE")
    return None


def _column_list(tokens: list, words: list[str], i: int) -> tuple[str, int, int] | None:
    """The refusal of the column list after the table named from `words[i]` on (INTO, the
    name, a PARTITION (...) list), if it has an empty place or SET follows it."""
    from lockwise.parse.mysql import _stops_at

    i += words[i:i + 1] == ["INTO"]
    i += 1  # the table's name
    while i + 1 < len(words) and words[i] == ".":
        i += 2
    if words[i:i + 2] == ["PARTITION", "("]:
        i = _closing(words, i + 1) + 1
    if words[i:i + 1] != ["("] or words[i + 1:i + 2] and words[i + 1] in _QUERY_WORDS:
        return None
    close = _closing(words, i)
    if words[close] == ")" and words[close - 1] == ",":
        return _stops_at(tokens[close], "a column list names a column after each comma")
    if words[close + 1:close + 2] == ["SET"]:
        return _stops_at(tokens[close + 1], f"{words[0]} ... SET names its columns itself: "
                                            "write the list with VALUES, or SET alone")
    return None


def _query_into(words: list[str], i: int) -> int | None:
    """The index of the INTO of the query the INSERT or REPLACE inserts (after its own INTO
    at `words[i]`, if it has one, and the table's name), outside parentheses; None if none."""
    depth = 0
    for j in range(i + 1 + (words[i:i + 1] == ["INTO"]), len(words)):
        depth += (words[j] == "(") - (words[j] == ")")
        if depth == 0 and words[j] == "INTO":
            return j
    return None


def _closing(words: list[str], open_at: int) -> int:
    """The index of the `)` that closes the `(` at `open_at` (the last word when none)."""
    depth = 0
    for j in range(open_at, len(words)):
        depth += (words[j] == "(") - (words[j] == ")")
        if depth == 0:
            return j
    return len(words) - 1
