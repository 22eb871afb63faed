"""An ALTER TABLE's table options (COMMENT=, AUTO_INCREMENT=, the default CHARACTER SET /
COLLATE) set apart from its other clauses, as the user wrote both (fix-mysql66): on MySQL 8
such an option beside ADD / DROP COLUMN makes InnoDB rebuild the table, and on MariaDB it
keeps a RENAME COLUMN or a VARCHAR widening from being instant (docs/mysql.md, fix-mysql64
and fix-mysql65); run in two ALTERs, neither does."""

from __future__ import annotations

#: The words that name one of those options: `[DEFAULT] {CHARSET | CHARACTER SET | CHAR SET
#: | COLLATE | COMMENT | AUTO_INCREMENT} [=] value` (MySQL 8's sql_yacc.yy,
#: create_table_option; MariaDB's the same).
_OPTION_WORDS = frozenset({"CHARSET", "COLLATE", "COMMENT", "AUTO_INCREMENT"})


def _option_length(words: list[str], i: int) -> int:
    """How many words the table option at `words[i]` spans with its value (0: none is
    there, or it has no value)."""
    at = i + (words[i] == "DEFAULT")
    if at < len(words) and words[at] in _OPTION_WORDS:
        at += 1
    elif at + 1 < len(words) and words[at] in ("CHARACTER", "CHAR") and words[at + 1] == "SET":
        at += 2
    else:
        return 0
    at += at < len(words) and words[at] == "="
    return at + 1 - i if at < len(words) else 0


def _only_options(words: list[str]) -> bool | None:
    """Whether a clause is table options only (they may follow each other with no comma),
    None when it starts with one and goes on with something else (not split)."""
    i = 0
    while i < len(words):
        length = _option_length(words, i)
        if not length:
            return None if i else False
        i += length
    return True


def split_table_options(operations_sql: str) -> tuple[str, str] | None:
    """The ALTER's clauses `operations_sql` (without its ALGORITHM= / LOCK=) as two lists,
    each joined by commas as written: the other clauses and the table options; None when
    either is empty or a clause mixes them."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import mysql_tokens

    # (read as an ALTER's: alone, a first RENAME would make the rest one command's text)
    head = "ALTER TABLE t "
    try:
        tokens = mysql_tokens(head + operations_sql)[3:]
    except TokenError:
        return None
    clauses: list[list] = [[]]
    depth = 0
    for tok in tokens:
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        if depth == 0 and tok.token_type == TokenType.COMMA:
            clauses.append([])
        else:
            clauses[-1].append(tok)
    sides: tuple[list[str], list[str]] = ([], [])
    for clause in clauses:
        if not clause:
            return None
        options = _only_options([
            "=" if tok.token_type == TokenType.EQ else tok.text.upper()
            if tok.token_type not in (TokenType.STRING, TokenType.IDENTIFIER) else "value"
            for tok in clause])
        if options is None:
            return None
        sides[options].append(operations_sql[clause[0].start - len(head):
                                             clause[-1].end + 1 - len(head)])
    others, options = sides
    return (", ".join(others), ", ".join(options)) if others and options else None
