"""Where MySQL and MariaDB stop in an ALTER TABLE whose clauses are not separated as their
grammar wants (error 1064; checked on MariaDB 10.11, fix-mysql53):

* an ALGORITHM= or LOCK= clause is a clause of its own: written after another clause (or
  another ALGORITHM= / LOCK=) with no comma, the server stops at its first word
  (`ADD COLUMN c INT ALGORITHM=INPLACE` near 'ALGORITHM=INPLACE', `ALGORITHM=INPLACE
  LOCK=NONE` near 'LOCK=NONE', `ENGINE=InnoDB ALGORITHM=INPLACE` near 'ALGORITHM=INPLACE');
  written first, at the first word after it (`ALGORITHM=INPLACE DROP COLUMN a` near 'DROP
  COLUMN a'). Only PARTITION BY and REMOVE PARTITIONING follow a clause with no comma;
* PARTITION BY ends the ALTER TABLE: after its partitioning type, PARTITIONS n, SUBPARTITION
  BY, SUBPARTITIONS n and its partitions' definitions, the server stops at the next word
  (`PARTITION BY HASH(id) PARTITIONS 2 ALGORITHM=INPLACE` near 'ALGORITHM=INPLACE'; after a
  comma, at the word after it, as MariaDB's message names it);
* ORDER BY's list of columns (`name [ASC | DESC]`, joined by commas) ends the ALTER TABLE
  too: after a comma, a word is read as a column (`ORDER BY n, ALGORITHM=COPY` near '=COPY';
  a reserved word, `ORDER BY n, LOCK=SHARED`, near itself); with no comma, the next word
  (`ORDER BY n ADD COLUMN c INT` near 'ADD COLUMN c INT'; checked on MariaDB 10.11,
  fix-mysql54).

MySQL 8's grammar says the same (sql/sql_yacc.yy: `alter_list` joins its items with ',', but
for the table options of `create_table_options_space_separated`; `opt_alter_table_actions:
opt_alter_command_list alter_table_partition_options`, and `partition_clause` ends with
`opt_part_defs`; `alter_order_item: simple_ident_nospvar opt_ordering_direction`)."""

from __future__ import annotations

#: The clauses that stand alone in an ALTER TABLE's list (their value may follow `=` or not).
_MODIFIERS = {"ALGORITHM": frozenset({"DEFAULT", "INSTANT", "NOCOPY", "INPLACE", "COPY"}),
              "LOCK": frozenset({"DEFAULT", "NONE", "SHARED", "EXCLUSIVE"})}
#: The words after which ALGORITHM / LOCK is a name (a column's, an index's) or PARTITION BY
#: KEY's ALGORITHM = 1 | 2.
_NAMING = frozenset({"ADD", "COLUMN", "CHANGE", "MODIFY", "DROP", "ALTER", "KEY", "INDEX",
                     "TO", "AS", "AFTER", "RENAME", "CONSTRAINT", "CHECK"})
#: What may follow a clause with no comma: the partitioning that ends the ALTER TABLE.
_ENDINGS = (["PARTITION", "BY"], ["REMOVE", "PARTITIONING"])


def refused_alter_list(tokens: list, words: list[str], server: str
                       ) -> tuple[str, int, int] | None:
    """Where `server` ("MySQL" or "MariaDB") stops in the ALTER TABLE `tokens` (`words`:
    their upper-case text) for a clause written beside another with no comma, or for a word
    after its PARTITION BY clause, as (message, offset, length); the first of them, or None
    when it has neither."""
    found = [stop for stop in (_modifier_beside(tokens, words, server),
                               _after_partitioning(tokens, words, server),
                               _after_order_by(tokens, words, server)) if stop is not None]
    return min(found, key=lambda stop: stop[1]) if found else None


def _modifier_at(clause: list, i: int) -> int:
    """How many tokens the ALGORITHM [=] x or LOCK [=] x clause at `clause[i]` spans; 0 when
    none starts there (a name, or a value the server does not take without `=`)."""
    from sqlglot.tokens import TokenType

    tok = clause[i]
    values = _MODIFIERS.get(tok.text.upper())
    if values is None or tok.token_type == TokenType.IDENTIFIER or \
            i and clause[i - 1].text.upper() in _NAMING:
        return 0
    equals = clause[i + 1:i + 2] != [] and clause[i + 1].token_type == TokenType.EQ
    value = clause[i + 1 + equals:i + 2 + equals]
    return 2 + equals if value and (equals or value[0].text.upper() in values) else 0


def _modifier_beside(tokens: list, words: list[str], server: str
                     ) -> tuple[str, int, int] | None:
    """The first ALGORITHM= / LOCK= clause written beside another clause with no comma: at
    its first word when it comes after one, at the word after it when it comes first."""
    from sqlglot.tokens import TokenType

    from lockwise.parse.mariadb_refusals import without_wait_tokens
    from lockwise.parse.mysql import _stops_at, alter_table_clauses

    for n, (clause, _) in enumerate(alter_table_clauses(tokens, words)):
        clause = without_wait_tokens(clause) if n == 0 else clause
        depth = 0
        for i, tok in enumerate(clause):
            depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
            if depth or not (span := _modifier_at(clause, i)):
                continue
            word = f"{tok.text.upper()}="
            if i:
                return _stops_at(tok, f"{server} reads {word} as an ALTER TABLE clause of its "
                                      "own: put a comma before it")
            rest = clause[span:]
            if rest and " ".join(t.text.upper() for t in rest[:2]).split()[:2] not in _ENDINGS:
                return _stops_at(rest[0], f"{server} reads {word} as an ALTER TABLE clause of "
                                          "its own: put a comma after it")
    return None


def _after_partitioning(tokens: list, words: list[str], server: str
                        ) -> tuple[str, int, int] | None:
    """The first word after the ALTER TABLE's PARTITION BY clause (after a comma, the word
    after it); None without one, when it begins after a comma (an error at PARTITION:
    mariadb_refusals), or for a form not known here (MariaDB's SYSTEM_TIME)."""
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import _stops_at, alter_table_clauses

    for clause, comma in alter_table_clauses(tokens, words):
        at = next((i for i, tok in enumerate(clause)
                   if tok.token_type == TokenType.PARTITION_BY), None)
        if at is None:
            continue
        if comma is not None and at == 0:
            return None
        end = _partitioning_end(clause, at + 1)
        if end is None:
            return None
        whole = tokens.index(clause[end - 1]) + 1 if end else 0
        whole += words[whole:whole + 1] == [","]
        if whole >= len(tokens):
            return None
        return _stops_at(tokens[whole], f"{server} reads PARTITION BY as its ALTER TABLE's "
                                        "last clause: write the others before it, without a "
                                        "comma")
    return None


def _partitioning_end(clause: list, i: int) -> int | None:
    """The index in `clause` after the PARTITION BY clause whose type starts at `i`:
    [LINEAR] HASH (...) | KEY [ALGORITHM = n] (...) | RANGE | LIST [COLUMNS] (...), then
    PARTITIONS n, SUBPARTITION BY [LINEAR] HASH | KEY ... and SUBPARTITIONS n, and the
    partitions' definitions in parentheses, each if written; None for another form."""
    from lockwise.parse.mariadb_refusals import group_end

    words = [tok.text.upper() for tok in clause]
    i = _typed_expression(clause, words, i, ("HASH", "KEY", "RANGE", "LIST"))
    if i is None:
        return None
    if words[i:i + 1] == ["PARTITIONS"]:
        i += 2
    if words[i:i + 2] == ["SUBPARTITION", "BY"]:
        i = _typed_expression(clause, words, i + 2, ("HASH", "KEY"))
        if i is None:
            return None
        if words[i:i + 1] == ["SUBPARTITIONS"]:
            i += 2
    if words[i:i + 1] == ["("]:
        i = group_end(clause, i)
    return None if i is None or i > len(clause) else i


def _typed_expression(clause: list, words: list[str], i: int, kinds: tuple[str, ...]
                      ) -> int | None:
    """The index after `[LINEAR] kind [COLUMNS | ALGORITHM = n] (...)` at `i`; None when
    none is there."""
    from lockwise.parse.mariadb_refusals import group_end

    i += words[i:i + 1] == ["LINEAR"]
    if words[i:i + 1] == [] or words[i] not in kinds:
        return None
    kind, i = words[i], i + 1
    if kind in ("RANGE", "LIST") and words[i:i + 1] == ["COLUMNS"]:
        i += 1
    if kind == "KEY" and words[i:i + 1] == ["ALGORITHM"]:
        i += 3  # ALGORITHM = 1 | 2
    return group_end(clause, i) if words[i:i + 1] == ["("] else None


def _after_order_by(tokens: list, words: list[str], server: str
                    ) -> tuple[str, int, int] | None:
    """The first token after the ALTER TABLE's ORDER BY list that is no part of it: a word
    after a comma that is no column's name (a reserved one, or the `=` after a name), or what
    follows the list with no comma; None without ORDER BY, or when it ends the statement."""
    from sqlglot.tokens import TokenType

    from lockwise.parse.mariadb_refusals import _MYSQL_RESERVED, _RESERVED
    from lockwise.parse.mysql import _stops_at

    reserved = _RESERVED if server == "MariaDB" else _MYSQL_RESERVED
    depth, at = 0, None
    for i, tok in enumerate(tokens):
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        if not depth and tok.token_type == TokenType.ORDER_BY:
            at = i
            break
    if at is None:
        return None
    why = (f"{server} reads ORDER BY's list of columns as its ALTER TABLE's last clause: "
           "write the others before it")
    i = at + 1
    while i < len(tokens):
        if words[i] in reserved and tokens[i].token_type != TokenType.IDENTIFIER or \
                tokens[i].token_type in (TokenType.EQ, TokenType.L_PAREN, TokenType.R_PAREN):
            return _stops_at(tokens[i], why)
        i += 1
        while words[i:i + 1] == ["."] and i + 1 < len(tokens):  # (db.t.column)
            i += 2
        i += words[i:i + 1] in (["ASC"], ["DESC"])
        if i >= len(tokens):
            return None
        if tokens[i].token_type != TokenType.COMMA:
            return _stops_at(tokens[i], why)
        i += 1
    return None
