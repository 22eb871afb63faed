"""MySQL's and MariaDB's statements that move rows between a table and a file, which sqlglot
cannot read, read as what they do to the tables (each checked on MariaDB 10.11 in
information_schema.METADATA_LOCK_INFO, and under LOCK TABLES):

* `LOAD {DATA | XML} [LOW_PRIORITY | CONCURRENT] [LOCAL] INFILE 'file' [REPLACE | IGNORE]
  INTO TABLE t ...`: the INSERT into t it is (REPLACE: REPLACE INTO t, its delete side too),
  holding what that INSERT holds (SHARED_WRITE on t, the locks on the tables whose keys
  reference t), judged by the rules that judge an INSERT (error 1100 / 1099 under LOCK
  TABLES). What follows the table's name (its options, columns and SET) is not read.
* `SELECT ... INTO {OUTFILE 'file' [export options] | DUMPFILE 'file'}` (before FROM, after
  the query or after its locking clause): the SELECT it is without that clause, holding what
  it holds. Before a UNION, or in another statement's query (INSERT ... SELECT ... INTO
  OUTFILE), the server refuses it (error 1064): left to sqlglot's parse error there.
* `SELECT ... INTO @v [, @w | local ...]` after FROM / WHERE / LIMIT, a UNION's last query or
  its locking clause (MySQL 8 and MariaDB; sqlglot reads INTO before FROM only): the SELECT
  it is without that clause, as the INTO OUTFILE one (before a UNION refused, error 1064).

Only tried on text sqlglot refuses (parse/mysql.py's _parse_statement).
"""

from __future__ import annotations

import re

_LOAD = re.compile(r"\s*LOAD\s+(?:DATA|XML)\b", re.IGNORECASE)
_INTO = re.compile(r"\bINTO\b", re.IGNORECASE)
#: The words of INTO OUTFILE's export options (CHARACTER SET name; FIELDS | COLUMNS
#: [OPTIONALLY] ENCLOSED / TERMINATED / ESCAPED BY 'x'; LINES STARTING / TERMINATED BY 'x').
_EXPORT_WORDS = frozenset({"CHARACTER", "SET", "CHARSET", "FIELDS", "COLUMNS", "TERMINATED",
                           "OPTIONALLY", "ENCLOSED", "ESCAPED", "BY", "LINES", "STARTING"})
_SET_OPERATORS = frozenset({"UNION", "EXCEPT", "INTERSECT", "MINUS"})


def _tokens(body: str) -> tuple[list, list[str]] | None:
    from sqlglot.errors import TokenError

    from lockwise.parse.mysql import mysql_tokens

    try:
        tokens = mysql_tokens(body)
    except TokenError:
        return None
    return tokens, [tok.text.upper() for tok in tokens]


def load_as_insert(body: str):
    """`body`, a LOAD DATA or LOAD XML, as the INSERT into its table it is (sqlglot's tree,
    marked REPLACE for REPLACE, `ignore` for IGNORE); None for another statement, or one
    whose words up to its table's name are not the server's."""
    from sqlglot import exp
    from sqlglot.tokens import TokenType

    if not _LOAD.match(body) or (read := _tokens(body)) is None:
        return None
    tokens, words = read
    i = 2 + (words[2:3] in (["LOW_PRIORITY"], ["CONCURRENT"]))
    i += words[i:i + 1] == ["LOCAL"]
    if words[i:i + 1] != ["INFILE"] or len(tokens) <= i + 1 or \
            tokens[i + 1].token_type != TokenType.STRING:
        return None
    i += 2
    mode = words[i] if words[i:i + 1] in (["REPLACE"], ["IGNORE"]) else ""
    i += bool(mode)
    if words[i:i + 2] != ["INTO", "TABLE"] or len(tokens) <= i + 2:
        return None
    last = i + 4 if words[i + 3:i + 4] == ["."] and len(tokens) > i + 4 else i + 2
    try:
        table = exp.to_table(body[tokens[i + 2].start:tokens[last].end + 1], dialect="mysql")
    except Exception:  # noqa: BLE001 (sqlglot's errors for a name it cannot read)
        return None
    tree = exp.Insert(this=table, ignore=mode == "IGNORE")
    if mode == "REPLACE":
        tree.set("alternative", "REPLACE")
    return tree


def without_into(body: str) -> str | None:
    """`body`, a SELECT, with its INTO clause (OUTFILE / DUMPFILE 'file' and its export
    options, or variables: @v, a program's local v) blanked (offsets kept); None when it has
    none, or the server refuses where it stands (before a UNION; in a statement that is not a
    SELECT)."""
    if not _INTO.search(body) or (read := _tokens(body)) is None:
        return None
    tokens, words = read
    if words[:1] not in (["SELECT"], ["WITH"], ["("]):
        return None
    for i in range(len(tokens) - 1):
        if words[i] != "INTO" or (end := _file_end(tokens, words, i) or
                                  _variables_end(tokens, i)) is None:
            continue
        if words[end:end + 1] and words[end] in _SET_OPERATORS:
            return None
        stop = tokens[end - 1].end + 1
        return body[:tokens[i].start] + " " * (stop - tokens[i].start) + body[stop:]
    return None


def _file_end(tokens: list, words: list[str], i: int) -> int | None:
    """Where the INTO OUTFILE / DUMPFILE 'file' clause at token `i`, its export options
    included, ends (the index of the token after it); None when it is not one."""
    from sqlglot.tokens import TokenType

    if words[i + 1] not in ("OUTFILE", "DUMPFILE") or len(tokens) <= i + 2 or \
            tokens[i + 2].token_type != TokenType.STRING:
        return None
    end = i + 3
    while end < len(tokens) and (words[end] in _EXPORT_WORDS or words[end - 1] in (
            "SET", "CHARSET") or tokens[end].token_type == TokenType.STRING):
        end += 1
    return end


def _variables_end(tokens: list, i: int) -> int | None:
    """Where the INTO clause at token `i` that names variables (@v, @`v`, @'v', a
    program's local v, comma-separated) ends; None when it is not one."""
    from sqlglot.tokens import TokenType

    names = (TokenType.VAR, TokenType.IDENTIFIER, TokenType.STRING)
    end = i + 1
    while True:
        user = end < len(tokens) and tokens[end].token_type == TokenType.PARAMETER
        end += user
        if end >= len(tokens) or tokens[end].token_type not in (
                names if user else names[:2]):
            return None
        end += 1
        if end >= len(tokens) or tokens[end].token_type != TokenType.COMMA:
            return end
        end += 1
