"""A character set or collation the server refuses in a CREATE / ALTER TABLE or DATABASE
(fix-mysql71): error 1115 (Unknown character set), 1273 (Unknown collation) and 1253 (a
COLLATE not of the CHARACTER SET written with it). Read from the statement's tokens, so a
name in a comment or a COMMENT string is none, and a quoted name (`'latin1'`, `` `latin1` ``)
is the bare one. Checked on MariaDB 10.11: tests/mysql/test_mysql_charset_refused.py."""

from __future__ import annotations

import re

from lockwise.effects.mysql_ddl import Version

#: A statement whose character sets and collations are read here.
_DEFINITION = re.compile(r"^\s*(?:CREATE|ALTER)\s+(?:(?:ONLINE|IGNORE|OR\s+REPLACE|"
                         r"TEMPORARY)\s+)*(TABLE|DATABASE|SCHEMA)\b", re.I)
#: The character sets MariaDB 10.10's collations of no set (`uca1400_ai_ci`) go with; any
#: other is 1253 (checked on 10.11: utf16le, ascii, latin1, sjis refused).
_UCA1400_SETS = frozenset({"utf8mb3", "utf8mb4", "ucs2", "utf16", "utf32"})
#: MariaDB took MySQL 8's `utf8mb4_0900_*` collations as aliases in 11.4.5 (its release
#: notes, "Character sets and collations"); before, 1273 (checked on 10.11.19). Reported
#: below 11.4 only, the releases between not known.
_MARIADB_0900_FROM = (11, 4)


def charset_refusal(sql: str, flavour: str, version: Version, utf8: str,
                    database_set: str) -> dict | None:
    """The first character set or collation the server refuses in the statement `sql` (a
    CREATE / ALTER TABLE, DATABASE or SCHEMA; None for another, or when it takes them all):
    the facts `error_code`, `server_error`, `why_text`, `name`. `utf8`: the set `utf8`
    names on the server (utf8_alias); `database_set`: the database's, which a table's
    `CHARACTER SET DEFAULT` (an option, or CONVERT TO's) names."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import mysql_tokens

    if not (definition := _DEFINITION.match(sql)):
        return None
    try:
        tokens = mysql_tokens(sql)
    except TokenError:
        return None
    on_table = definition.group(1).upper() == "TABLE"
    default = database_set if on_table else None  # (a database's DEFAULT: not followed)
    options = _table_options(tokens, sql.lstrip()[:6].upper() == "CREATE") if on_table \
        else frozenset()
    named: list[tuple[int, bool, str]] = []  # (token, names a set, the name written)
    for i, tok in enumerate(tokens):
        word = tok.text.upper()
        names_set = tok.token_type == TokenType.CHARACTER_SET or (
            word == "CHARACTER" and i + 1 < len(tokens) and tokens[i + 1].text.upper() == "SET")
        if not names_set and word != "COLLATE":
            continue
        at = i + 1 + (word == "CHARACTER")
        at += at < len(tokens) and tokens[at].token_type == TokenType.EQ
        if at < len(tokens) and tokens[at].token_type not in (TokenType.L_PAREN,
                                                              TokenType.COMMA):
            named.append((i, names_set, tokens[at].text))

    def own_set(name: str) -> str | None:
        return default if name.upper() == "DEFAULT" else _own(name.lower(), utf8)

    # The table's options pair whatever their order and the commas between them (checked on
    # 10.11: `CHARACTER SET latin1, ADD COLUMN x INT, COLLATE utf8mb4_bin` is 1253); two
    # sets written among them are not paired.
    table_sets = {own_set(name) for i, names_set, name in named if names_set and i in options}
    table_set = next(iter(table_sets)) if len(table_sets) == 1 else None
    charset: str | None = None  # the CHARACTER SET this definition named before its COLLATE
    ends = (TokenType.COMMA, TokenType.L_PAREN, TokenType.R_PAREN)
    last = 0
    for i, names_set, name in named:
        if any(tok.token_type in ends for tok in tokens[last:i]):
            charset = None  # (another column, option or expression)
        last = i
        if names_set:
            named_set = own_set(name)
            # (a table's set is table_set's: a COLLATE after it in the same run of tokens is
            # another option, or an expression's, as in a CREATE's SELECT)
            charset = None if i in options else named_set
            if named_set is not None and (refusal := _unknown_set(name, named_set, flavour)):
                return refusal
        elif name.upper() != "DEFAULT" and (refusal := _collation_refusal(
                name, table_set if i in options else charset, flavour, version, utf8)):
            return refusal
    return None


#: The words an ALTER TABLE's table options begin with (an operation that begins otherwise,
#: ADD, MODIFY, CHANGE, CONVERT..., names its own sets).
_OPTION_WORDS = frozenset({"DEFAULT", "CHARACTER", "CHARSET", "COLLATE", "ENGINE", "COMMENT",
                           "ROW_FORMAT", "AUTO_INCREMENT", "KEY_BLOCK_SIZE", "AVG_ROW_LENGTH",
                           "CHECKSUM", "PAGE_CHECKSUM", "PACK_KEYS", "STATS_PERSISTENT",
                           "STATS_AUTO_RECALC", "STATS_SAMPLE_PAGES", "PAGE_COMPRESSED",
                           "PAGE_COMPRESSION_LEVEL", "ENCRYPTED", "ENCRYPTION_KEY_ID",
                           "TRANSACTIONAL", "MIN_ROWS", "MAX_ROWS", "DELAY_KEY_WRITE",
                           "INSERT_METHOD", "SEQUENCE", "COMPRESSION", "ENCRYPTION"})
#: Where a CREATE TABLE's options end (its SELECT, its partitions).
_OPTIONS_END = frozenset({"SELECT", "AS", "WITH", "PARTITION", "IGNORE", "REPLACE", "LIKE",
                          "VALUES", "TABLE"})


def _table_options(tokens: list, create: bool) -> frozenset[int]:
    """The tokens of a CREATE / ALTER TABLE that are among the table's options: a CREATE's
    after its column list, up to a SELECT or PARTITION; an ALTER's in the operations that
    begin with an option's word (`DEFAULT CHARSET x`, `ENGINE=InnoDB COLLATE y`)."""
    from sqlglot.tokens import TokenType

    out: set[int] = set()
    depth = 0
    listed = False  # (a CREATE: its column list read)
    start = _after_table_name(tokens)
    in_options = False
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
            continue
        if tok.token_type == TokenType.R_PAREN:
            depth -= 1
            listed = listed or depth == 0
            continue
        if depth or i < start:
            continue
        word = tok.text.upper()
        if create:
            if word in _OPTIONS_END:
                break
            if listed:
                out.add(i)
            continue
        if i == start or tokens[i - 1].token_type == TokenType.COMMA:
            in_options = word in _OPTION_WORDS or tok.token_type == TokenType.CHARACTER_SET
        if in_options:
            out.add(i)
    return frozenset(out)


def _after_table_name(tokens: list) -> int:
    """The first token after a CREATE / ALTER TABLE's table name (and MariaDB's WAIT n or
    NOWAIT after it)."""
    from sqlglot.tokens import TokenType

    at = next((i for i, tok in enumerate(tokens) if tok.token_type == TokenType.TABLE),
              len(tokens)) + 1
    while at < len(tokens) and tokens[at].text.upper() in ("IF", "NOT", "EXISTS"):
        at += 1
    at += 1  # the name
    while at + 1 < len(tokens) and tokens[at].token_type == TokenType.DOT:
        at += 2
    if at < len(tokens) and tokens[at].text.upper() == "NOWAIT":
        at += 1
    elif at < len(tokens) and tokens[at].text.upper() == "WAIT":
        at += 2
    return at


def _own(name: str, utf8: str) -> str:
    """A character set by its own name: `utf8` is `utf8` (utf8mb3, or utf8mb4 on MariaDB
    13.1)."""
    return utf8 if name == "utf8" else name


def _unknown_set(written: str, charset: str, flavour: str) -> dict | None:
    from lockwise.effects.mysql import unknown_charset

    if charset == "binary" or not (why := unknown_charset(charset, flavour)):
        return None
    return {"error_code": 1115, "server_error": f"Unknown character set: '{written}'",
            "name": written, "why_text": f"{written} is {why.split(' (error')[0]}"}


def _collation_refusal(written: str, charset: str | None, flavour: str, version: Version,
                       utf8: str) -> dict | None:
    """1273 for a collation the server does not know (one of a character set it does not
    know, or, on MariaDB before 11.4, one of MySQL 8's `_0900_` collations); 1253 for one
    not of `charset`, the CHARACTER SET written with it."""
    from lockwise.effects.mysql import unknown_charset

    name = written.lower()
    prefix = name.split("_")[0]
    if prefix == "uca1400":  # (MariaDB 10.10's, of the set it goes with; not read on MySQL)
        if flavour != "mariadb" or version < (10, 10) or charset is None or \
                charset in _UCA1400_SETS:
            return None
        return _not_of(written, charset)
    own = "binary" if name == "binary" else _own(prefix, utf8)
    mysql_only = flavour == "mariadb" and version < _MARIADB_0900_FROM and "_0900_" in f"{name}_"
    if (own != "binary" and unknown_charset(own, flavour)) or mysql_only:
        why = "MySQL 8's, a collation MariaDB does not know before 11.4" if mysql_only else \
            "a collation of a character set the server does not know"
        return {"error_code": 1273, "server_error": f"Unknown collation: '{written}'",
                "name": written, "why_text": f"{written} is {why}"}
    return _not_of(written, charset) if charset is not None and own != charset else None


def _not_of(written: str, charset: str) -> dict:
    return {"error_code": 1253, "name": written,
            "server_error": f"COLLATION '{written}' is not valid for CHARACTER SET '{charset}'",
            "why_text": f"the collation {written} is not one of the character set {charset} "
                        "written with it"}
