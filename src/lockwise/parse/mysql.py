"""Split MySQL / MariaDB migration text into statements with sqlglot.

sqlglot's tokenizer finds the statement boundaries (it knows MySQL quoting and comments) and
its parser builds each statement's tree. Statements sqlglot only understands as an opaque
`Command` are kept (the effect model reads their tokens); a statement that is not SQL at all
becomes a positioned parse problem.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lockwise.core.types import Statement
from lockwise.parse.mysql_blocks import (
    COMPOUND_FROM,
    DEFINER,
    GAP,
    OBJECT_OPTIONS,
    VIEW_WITH_OPTIONS,
    Blocks,
    body_statements,
    definer_stop,
    expression_calls,
    expression_queries,
    program,
)
from lockwise.parse.mysql_blocks import STORED_PROGRAM as _STORED_PROGRAM
from lockwise.parse.mysql_blocks import TOP_LEVEL_COMPOUND as _TOP_LEVEL_COMPOUND
from lockwise.parse.mysql_code import after_quoted as _after_quoted
from lockwise.parse.mysql_program_syntax import database_syntax, program_syntax
from lockwise.parse.mysql_server_syntax import other_servers_statement, version_statement
from lockwise.parse.postgres import ParsedFile, ParseProblem, Skipped, attach_comments
from lockwise.parse.source import LineIndex

#: First words of statements MySQL accepts; a Command starting otherwise is a syntax error.
_STATEMENT_WORDS = {
    "ALTER", "ANALYZE", "BEGIN", "CALL", "CHECK", "COMMIT", "CREATE", "DELETE", "DESCRIBE",
    "DO", "DROP", "EXPLAIN", "FLUSH", "GRANT", "INSERT", "KILL", "LOAD", "LOCK", "OPTIMIZE",
    "PREPARE", "RELEASE", "RENAME", "REPAIR", "REPLACE", "RESET", "REVOKE", "ROLLBACK",
    "SAVEPOINT", "SELECT", "SET", "SHOW", "START", "TRUNCATE", "UNLOCK", "UPDATE", "USE", "WITH",
    "XA", "EXECUTE", "DEALLOCATE", "HANDLER", "INSTALL", "UNINSTALL", "CHANGE", "PURGE",
    "CHECKSUM", "HELP", "SHUTDOWN", "RESTART", "BINLOG", "VALUES", "TABLE",
}
_OBJECT_WORDS = {
    "TABLE", "VIEW", "DATABASE", "SCHEMA", "EVENT", "FUNCTION", "PROCEDURE", "USER", "TRIGGER",
    "INDEX", "UNIQUE", "FULLTEXT", "SPATIAL", "ONLINE", "OFFLINE", "IGNORE", "ALGORITHM",
    "DEFINER", "SQL", "OR", "TEMPORARY", "LOGFILE", "SERVER", "TABLESPACE", "ROLE", "INSTANCE",
    "RESOURCE", "AGGREGATE", "SEQUENCE", "PACKAGE", "PREPARE",
}
#: The partition operations, written `<word> PARTITION`.
_PARTITION_OPERATION = (r"(ADD|DROP|TRUNCATE|COALESCE|REORGANIZE|EXCHANGE|ANALYZE|CHECK|OPTIMIZE"
                        r"|REBUILD|REPAIR|DISCARD|IMPORT|CONVERT)\s+PARTITION\b")
#: One after another clause (`ADD COLUMN x INT, ADD PARTITION (...)`: sqlglot stops at its
#: list; kept as a command, where mariadb_refusals says where the server stops).
_LATER_PARTITION_OPERATION = re.compile(rf",\s*{_PARTITION_OPERATION}", re.IGNORECASE)
#: `ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] name `, up to the first operation (IF EXISTS:
#: MariaDB's; _other_servers_syntax refuses it where the server has none).
_ALTER_TABLE_NAMED = r"ALTER\s+(ONLINE\s+)?(IGNORE\s+)?TABLE\s+(IF\s+EXISTS\s+)?\S+\s+"
#: Valid statements sqlglot cannot parse: partition maintenance, DROP INDEX with an
#: ALGORITHM= / LOCK= clause, MariaDB's ALTER INDEX ... IGNORED, LOCK TABLE, CREATE INDEX with
#: its index type before ON. Kept as commands
#: (effects/mysql.py reads their text).
_SQLGLOT_GAPS = re.compile(
    rf"\s*({_ALTER_TABLE_NAMED}{_PARTITION_OPERATION}"
    r"|DROP\s+INDEX\s+\S+\s+ON\s+\S+\s+(ALGORITHM|LOCK)\b"
    # MariaDB's ALTER INDEX i [NOT] IGNORED (MySQL's VISIBLE / INVISIBLE sqlglot reads)
    rf"|{_ALTER_TABLE_NAMED}ALTER\s+(INDEX|KEY)\s+\S+\s+(NOT\s+)?IGNORED\b"
    r"|LOCK\s+TABLES?\s"  # LOCK TABLE (sqlglot knows LOCK TABLES only as a command)
    # CREATE INDEX i USING {BTREE | HASH} ON t (...): sqlglot reads the index type only after
    # the columns, and keeps that form as a command too (effects/mysql.py reads both)
    r"|CREATE\s+((UNIQUE|FULLTEXT|SPATIAL)\s+)?INDEX\s+\S+\s+USING\s+\w+\s+ON\s"
    # stored programs (mysqldump writes them with a DEFINER): their bodies are not linted
    rf"|CREATE{GAP}+({DEFINER}{GAP}+)?(AGGREGATE{GAP}+)?(PROCEDURE|FUNCTION|TRIGGER|EVENT)\b"
    # statements sqlglot has no grammar for that touch no table's definition: the end of
    # the prepared-statement idiom that runs DDL only when needed, DO, CHECKSUM TABLE,
    # HANDLER, XA, CHECK and REPAIR TABLE (MySQL 8.4 manual, 15.5 "Prepared Statements",
    # 15.2.3 "DO Statement", 15.2.5 "HANDLER Statement", 15.3.8 "XA Transactions", 15.7.3
    # "Table Maintenance Statements"; each run on MariaDB 10.11)
    r"|(DEALLOCATE|DROP)\s+PREPARE\s|DO\s|HANDLER\s|XA\s"
    r"|(CHECKSUM|CHECK|REPAIR)\s+((NO_WRITE_TO_BINLOG|LOCAL)\s+)?TABLES?\s"
    # statements that administer the server, not a table's definition (MySQL 8.4 manual,
    # 15.3.5 LOCK INSTANCE FOR BACKUP, 15.7.5 CLONE, 15.7.4 plugin and component statements,
    # 15.7.8 other administrative statements, 15.7.2 resource groups, 15.1.5 ALTER INSTANCE,
    # 15.2.6 IMPORT TABLE, 15.4 replication statements, 15.6.7 diagnostics, 15.1.x UNDO
    # TABLESPACE; MariaDB's BACKUP STAGE / LOCK / UNLOCK): read by effects/mysql_server.py
    r"|(LOCK|UNLOCK)\s+INSTANCE\b|CLONE\s+(LOCAL|INSTANCE)\s|(UN)?INSTALL\s+(PLUGIN|COMPONENT"
    r"|SONAME)\s|RESTART\s*$|SHUTDOWN\b|SET\s+RESOURCE\s+GROUP\s"
    r"|(CREATE|ALTER|DROP)\s+(RESOURCE\s+GROUP|UNDO\s+TABLESPACE)\s|ALTER\s+INSTANCE\s"
    r"|IMPORT\s+TABLE\s+FROM\s|PURGE\s+(BINARY|MASTER)\s+LOGS\s"
    r"|CHANGE\s+(REPLICATION\s+(SOURCE|FILTER)|MASTER)\s"
    r"|(START|STOP)\s+(ALL\s+(REPLICAS|SLAVES)|REPLICA|SLAVE|GROUP_REPLICATION)\b|RESET\s+\w|CACHE\s+INDEX\s"
    r"|LOAD\s+INDEX\s+INTO\s+CACHE\s|FLUSH\s+((NO_WRITE_TO_BINLOG|LOCAL)\s+)?(TABLES?\b(?!\s+WITH"
    r"\s*$)|(BINARY|ENGINE|ERROR|GENERAL|RELAY|SLOW)\s+LOGS\b|QUERY\s+CACHE\b|LOGS\b"
    r"|PRIVILEGES\b|STATUS\b|HOSTS\b|OPTIMIZER_COSTS\b|USER_RESOURCES\b)"
    r"|GET\s+((CURRENT|STACKED)\s+)?DIAGNOSTICS\s|(RE)?SIGNAL\b|BACKUP\s+(STAGE\s|LOCK\s|UNLOCK\b))",
    re.IGNORECASE)
#: What sqlglot cannot read in a column or table definition, and what the effect model and
#: the catalog do not need: spatial types but GEOMETRY (read as GEOMETRY), a column's SRID
#: (MySQL's `SRID n`, MariaDB's `REF_SYSTEM_ID = n`: kept in the column's meta), and the
#: partitioning of a CREATE TABLE (from its PARTITION BY on; only the fact that the table is
#: partitioned is kept, in the tree's meta).
_SPATIAL_TYPES = re.compile(
    r"\b(?:MULTI)?(?:POINT|LINESTRING|POLYGON)\b|\bGEOM(?:ETRY)?COLLECTION\b", re.IGNORECASE)
_SRID = re.compile(r"\b(?:SRID\s+|REF_SYSTEM_ID\s*=?\s*)(\d+)", re.IGNORECASE)
#: `FLOAT [(M,D)] UNSIGNED` (and REAL, FLOAT4): valid MySQL (deprecated in 8.0.17) that
#: sqlglot refuses ("Cannot convert FLOAT to unsigned"); the UNSIGNED is read aside, by the
#: column name before the type, and put back on the column (`meta["unsigned"]`).
_UNSIGNED_FLOAT = re.compile(
    r"(?:`((?:[^`]|``)+)`|\b([\w$]+))(\s+(?:FLOAT4?|REAL)\b\s*(?:\(\s*\d+\s*(?:,\s*\d+\s*)?\))?"
    r"\s+)(UNSIGNED)\b", re.IGNORECASE)
#: A spatial column type as written (GEOMETRY too), for the catalog: sqlglot reads them all as
#: GEOMETRY, but POINT -> POLYGON or a new SRID is a type change (a table copy).
_SPATIAL_TYPE_NAMES = re.compile(
    r"\b((?:MULTI)?(?:POINT|LINESTRING|POLYGON)|GEOM(?:ETRY)?COLLECTION|GEOMETRY)\b",
    re.IGNORECASE)
_CREATE_TABLE = re.compile(r"\s*CREATE\s+(TEMPORARY\s+)?TABLE\b", re.IGNORECASE)
#: How a table is partitioned: RANGE, LIST (COLUMNS or not), HASH or KEY (LINEAR or not).
PARTITION_KIND = re.compile(r"\bPARTITION\s+BY\s+(?:LINEAR\s+)?(RANGE|LIST|HASH|KEY)\b",
                             re.IGNORECASE)
_ALTER_TABLE = re.compile(r"\s*ALTER\s+(ONLINE\s+)?(IGNORE\s+)?TABLE\b", re.IGNORECASE)
#: Spellings sqlglot does not know, and the ones it reads that mean the same to the effect
#: model, padded to keep offsets: MariaDB's ALTER ONLINE TABLE (its LOCK=NONE is read from the
#: original text) and PERSISTENT generated columns (STORED); ALTER TABLE's `RENAME AS new`
#: (both servers' grammar: `RENAME [TO | AS] new_tbl_name`).
_SYNONYMS = ((re.compile(r"^(\s*ALTER\s+)ONLINE(\s)", re.IGNORECASE), r"\1      \2"),
             (re.compile(r"\bPERSISTENT\b", re.IGNORECASE), "STORED    "),
             (re.compile(r"(\bRENAME\s+)AS\b", re.IGNORECASE), r"\1TO"))
_DELIMITER = re.compile(r"^[ \t]*DELIMITER[ \t]+(\S+)[ \t]*$", re.IGNORECASE | re.MULTILINE)
#: `DELIMITER` with nothing after it, and what the mysql client (MySQL's and MariaDB's) says of
#: it: it prints this, skips the line and goes on with the delimiter it had.
_BARE_DELIMITER = re.compile(r"^[ \t]*(DELIMITER)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_BARE_DELIMITER_ERROR = "DELIMITER must be followed by a 'delimiter' character or string"
#: Who refuses what the mysql client reads itself (ParseProblem.by).
MYSQL_CLIENT = "the mysql client"
#: Who refuses what sqlglot reads but the dialect's server rejects (_refused_by_mysql): the
#: server, whose error the message is (ParseProblem.by).
SERVERS = {"mysql": "MySQL", "mariadb": "MariaDB"}
#: How lockwise's refusals begin, and how the server says it: ER_PARSE_ERROR, quoting the
#: statement from the word it stops at, 80 characters at most (the first 77 and `...` when
#: longer; checked on MariaDB 10.11, MySQL's message is the same).
_SYNTAX_ERROR = 'syntax error at or near "'
_PARSE_ERROR, _NEAR_LIMIT = 1064, 80


def _dialect(name: str):
    from sqlglot.dialects.dialect import Dialect

    return Dialect.get_or_raise("mysql" if name == "mysql" else "mysql")


def mysql_tokens(text: str) -> list:
    """`text` as sqlglot's MySQL tokenizer reads it (TokenError when it cannot)."""
    return _dialect("mysql").tokenize(text)


def _is_expression(tree) -> bool:
    """Whether sqlglot read a statement as an expression (`foo`, `NOW()`, `x = 1`), which
    MySQL and MariaDB refuse unless a statement's word begins it (`FLUSH PRIVILEGES`)."""
    from sqlglot import exp

    return isinstance(tree, exp.Condition | exp.Alias | exp.Identifier | exp.Interval)


def _plausible_command(text: str) -> bool:
    if _SQLGLOT_GAPS.match(text):  # a valid statement sqlglot keeps as a command
        return True
    # (the words as the server reads them: `ALTER /* x */ DEFINER = u EVENT`)
    words = [word for word in re.split(rf"{GAP}+", text.strip(), maxsplit=2) if word]
    if not words or words[0].upper() not in _STATEMENT_WORDS:
        return False
    if words[0].upper() in ("ALTER", "CREATE", "DROP") and len(words) > 1:
        second = words[1].upper().strip("`")
        # (`ALTER ALGORITHM=MERGE VIEW`, `CREATE DEFINER=u EVENT`: the option's word)
        return second.partition("=")[0] in _OBJECT_WORDS
    return True


def _statement_ends(text: str, tokens: list, custom: list[tuple[int, int]]
                    ) -> tuple[list[int], list]:
    """The offsets of the semicolons that end statements in `text` (tokenized as `tokens`),
    and the tokens opening compound statements that no END closes.

    A semicolon in a region with a custom DELIMITER ends nothing; nor does one inside the
    compound statement (BEGIN ... END, IF ... END IF ...) of a stored program written without
    DELIMITER (parse/mysql_blocks.py): the server reads the program whole when a tool sends
    the file as one string. A program left open ends at each of its semicolons, so that what
    follows is still linted.
    """
    from sqlglot.tokens import TokenType

    ends: list[int] = []
    unclosed: list = []
    inner: list[int] = []  # the semicolons inside the open blocks
    blocks: Blocks | None = None  # the statement being read, from its first token

    def left_open() -> None:
        if blocks is not None and blocks.opened:
            unclosed.append(blocks.opened[0][0])
            ends.extend(inner)
        inner.clear()

    for i, tok in enumerate(tokens):
        if any(a <= tok.start < b for a, b in custom):
            left_open()
            blocks = None
            continue
        if tok.token_type == TokenType.SEMICOLON:
            if blocks is not None and blocks.opened:
                inner.append(tok.start)
                blocks.semicolon(i)
                continue
            inner.clear()
            ends.append(tok.start)
            blocks = None
            continue
        if blocks is None:
            blocks = Blocks(text, tokens, i)
        blocks.read(i)
    left_open()
    return sorted(ends), unclosed


def _strip_delimiters(
    text: str, lines: LineIndex, problems: list[ParseProblem]
) -> tuple[str, list[Skipped], list[tuple[int, int]], list[int]]:
    """Handle the mysql client's `DELIMITER $$`: blank the commands and custom delimiters
    (a bare `DELIMITER` too, after adding the client's error to `problems`).

    Returns the server text, the skipped commands, the regions where a custom delimiter is in
    force (semicolons there are inside routine bodies) and the offsets where statements end.
    """
    skipped: list[Skipped] = []
    regions: list[tuple[int, int]] = []
    cuts: list[int] = []
    if "DELIMITER" not in text.upper():
        return text, skipped, regions, cuts
    text = _skip_bare_delimiters(text, lines, problems)
    chars = list(text)
    delimiter = ";"
    region_start = 0
    matches = list(_DELIMITER.finditer(text))
    for i, match in enumerate(matches):
        skipped.append(Skipped("client-command", match.group(0).strip(),
                               lines.span(match.start(), match.end())))
        chars[match.start():match.end()] = " " * (match.end() - match.start())
        if delimiter != ";":
            regions.append((region_start, match.start()))
        delimiter = match.group(1)
        region_start = match.end()
        if delimiter != ";":
            stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            for pos in _delimiters(text, delimiter, region_start, stop):
                chars[pos:pos + len(delimiter)] = " " * len(delimiter)
                cuts.append(pos)
    if delimiter != ";":
        regions.append((region_start, len(text)))
    return "".join(chars), skipped, regions, cuts


def _skip_bare_delimiters(text: str, lines: LineIndex, problems: list[ParseProblem]) -> str:
    """`text` with each bare `DELIMITER` line blanked, as the client skips it, and its error
    in `problems` at the word (sqlglot's would be a generic one at the next statement)."""
    bare = list(_BARE_DELIMITER.finditer(text))
    if not bare:
        return text
    problems += [ParseProblem(_BARE_DELIMITER_ERROR, lines.span(m.start(1), m.end(1)),
                              by=MYSQL_CLIENT) for m in bare]
    for m in bare:
        text = text[:m.start(1)] + " " * len(m.group(1)) + text[m.end(1):]
    return text


def _delimiters(text: str, delimiter: str, start: int, stop: int) -> Iterator[int]:
    """Where `delimiter` ends a statement in text[start:stop], as the mysql client finds it:
    not inside a quoted string or identifier, nor a comment (`-- `, `#`, `/* */`). Checked
    with MariaDB's client: `SELECT 'a$$b'` inside a `DELIMITER $$` body is the body's."""
    pos = start
    while pos < stop:
        char = text[pos]
        if text.startswith(delimiter, pos):
            yield pos
            pos += len(delimiter)
        elif char in "'\"`":
            pos = _after_quoted(text, pos)
        elif char == "#" or (text.startswith("--", pos) and text[pos + 2:pos + 3] in
                             (" ", "\t", "\n", "")):
            end = text.find("\n", pos, stop)
            pos = stop if end == -1 else end
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2, stop)
            pos = stop if end == -1 else end + 2
        else:
            pos += 1


#: What opens an executable comment: `/*!` (MySQL and MariaDB) or `/*M!` (MariaDB only),
#: with the server version it needs, if any (80016 is 8.0.16; 100100 MariaDB 10.1.0).
_EXECUTABLE = re.compile(r"/\*(M?)!(\d{5,6})?")


def _runs_executable_comment(mariadb_only: str, needed: str | None, dialect: str,
                             version: tuple[int, ...]) -> bool:
    """Whether the server runs the text of `/*!needed ... */` (`/*M!` when mariadb_only).

    Checked on MariaDB 10.11: it runs `/*!100100` and `/*!50699`, but no five-digit version
    from 50700 on (MySQL 5.7 and 8 syntax: `/*!80016 DEFAULT ENCRYPTION='N' */`)."""
    if mariadb_only and dialect != "mariadb":
        return False  # a plain comment to MySQL
    if needed is None:
        return True
    major, minor, patch = (*version, 0, 0)[:3]
    number = int(needed)
    if dialect == "mariadb" and len(needed) == 5 and number >= 50700:
        return False
    return number <= major * 10000 + minor * 100 + patch


def _unwrap_executable_comments(text: str, dialect: str, version: tuple[int, ...]) -> str:
    """`/*!40101 SET NAMES utf8mb4 */`, which mysqldump writes around most statements, as the
    statement the server runs: the markers blanked (offsets kept for line:column). A comment
    whose version the server does not reach stays a comment."""
    if "/*" not in text or "!" not in text:
        return text
    chars = list(text)
    pos, opened = 0, False
    while pos < len(text):
        char = text[pos]
        if char in "'\"`":
            pos = _after_quoted(text, pos)
        elif text.startswith("--", pos) or char == "#":
            end = text.find("\n", pos)
            pos = len(text) if end == -1 else end
        elif opened and text.startswith("*/", pos):
            chars[pos:pos + 2] = "  "
            opened, pos = False, pos + 2
        elif (match := _EXECUTABLE.match(text, pos)) and not opened and \
                _runs_executable_comment(match.group(1), match.group(2), dialect, version) and \
                text.find("*/", match.end()) != -1:  # left open: the tokenizer's error
            chars[pos:match.end()] = " " * (match.end() - pos)
            opened, pos = True, match.end()
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            pos = len(text) if end == -1 else end + 2
        else:
            pos += 1
    return "".join(chars)


def parse_mysql(text: str, dialect: str = "mysql",
                version: tuple[int, ...] | None = None) -> ParsedFile:
    """Parse MySQL/MariaDB migration text for `version` of the server (its default when None:
    it decides which executable comments run); never raises for bad SQL (see `problems`)."""
    from sqlglot import exp
    from sqlglot.errors import ParseError, TokenError

    from lockwise.effects import mysql_sql_mode as sql_modes
    from lockwise.effects.mysql import DEFAULT_VERSIONS

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    lines = LineIndex.of(text)
    parsed = ParsedFile()
    server_text, parsed.skipped, custom, custom_cuts = _strip_delimiters(text, lines,
                                                                         parsed.problems)
    server_text = _unwrap_executable_comments(
        server_text, dialect, version or DEFAULT_VERSIONS.get(dialect, DEFAULT_VERSIONS["mysql"]))
    reader = _dialect(dialect)
    tokenizer = reader.tokenizer()
    try:
        tokens = tokenizer.tokenize(server_text)
    except TokenError as exc:
        parsed.problems.append(_token_problem(server_text, exc, tokenizer, lines))
        return parsed
    ends, unclosed = _statement_ends(server_text, tokens, custom)
    parsed.problems.extend(
        ParseProblem(f"{tok.text.upper()} is not closed by an END: the statements after it "
                     "would run as part of its program", lines.span(tok.start, tok.end + 1))
        for tok in unclosed)
    cuts = sorted(ends + custom_cuts)
    start = 0
    # the session's sql_mode as the SETs read so far leave it: under ANSI_QUOTES a
    # double-quoted name is a name (effects/mysql_sql_mode.py follows the same SETs)
    mode: frozenset[str] | None = sql_modes.DEFAULT_MODES.get(dialect, frozenset())
    for cut in [*cuts, len(server_text)]:
        chunk = server_text[start:cut]
        lead = len(chunk) - len(chunk.lstrip())
        body = chunk.strip()
        chunk_start = start + lead
        start = cut + 1
        if not body or not _has_code(body):
            continue
        first_code = _first_code_offset(body)
        body, chunk_start = body[first_code:], chunk_start + first_code
        if mode is not None and "ANSI_QUOTES" in mode:
            body = ansi_quoted_names(body)
        if _SETS_SQL_MODE.match(body):
            mode = sql_modes.after_set(body, mode, dialect)
        span = lines.span(chunk_start, chunk_start + len(body))
        # (MariaDB's lock wait, WAIT n | NOWAIT, read without it: without_lock_wait; the
        # refusal below judges the same one, in the same tokens)
        tokens, wait = lock_wait(body)
        readable = without_lock_wait(body, wait) if wait is not None else body
        server = version or DEFAULT_VERSIONS.get(dialect, DEFAULT_VERSIONS["mysql"])
        try:
            tree = _parse_statement(readable, reader, dialect == "mariadb")
        except (ParseError, TokenError, RecursionError, ValueError) as exc:
            parsed.problems.append(
                _unread_problem(body, exc, tokens, dialect, server, chunk_start, lines))
            continue
        if (refused := _refused_by_mysql(tree, body, dialect, server, tokens, wait)) is not None:
            parsed.problems.append(_refusal_problem(refused, body, chunk_start, lines, dialect))
            continue
        if (isinstance(tree, exp.Command) or _is_expression(tree)) and \
                not _plausible_command(body) and not _TOP_LEVEL_COMPOUND.match(body):
            words = body.split(None, 2)
            # a command's first word is a statement's (_plausible_command looks further)
            second = len(words) > 1 and isinstance(tree, exp.Command)
            near = words[1] if second else words[0]
            at = body.find(near, len(words[0])) if second else 0
            # a statement neither server has: the server's error 1064 there
            parsed.problems.append(ParseProblem(
                _server_error(f'syntax error at or near "{near}"', body, at),
                lines.span(chunk_start + at, chunk_start + at + len(near)), by=SERVERS[dialect]))
            continue
        if isinstance(tree, exp.Command) and (left_open := _name_left_open(body)) is not None:
            at, end = left_open
            near = server_text[chunk_start + at:chunk_start + at + 40].split("\n", 1)[0]
            parsed.problems.append(ParseProblem(
                f'a quoted name runs on past ";" and a line break at or near "{near}": its '
                "closing quote is missing? The server reads the statements up to the next "
                "quote as part of the name, and none of them runs: close the quote",
                lines.span(chunk_start + at, chunk_start + end)))
            continue
        tree_dict = {"sqlglot": {"expr": tree, "sql": readable}}
        if _STORED_PROGRAM.match(body) or _TOP_LEVEL_COMPOUND.match(body):
            tree_dict["program"], unread = _program_statements(body, reader)
            if unread:  # the server refuses the whole statement (error 1064)
                parsed.problems.extend(
                    _unread_problem(sql, exc, None, dialect, server, chunk_start + at, lines)
                    for at, sql, exc in unread)
                continue
        parsed.statements.append(Statement(len(parsed.statements), body, span, tree_dict))
    attach_comments(text, parsed, lines)
    return parsed


#: A SET statement that may change the session's sql_mode.
_SETS_SQL_MODE = re.compile(r"SET\b[^;]*\bsql_mode\b", re.IGNORECASE | re.DOTALL)


#: The end of a statement, then a line break: inside a quoted name, a sign its quote is open.
_STATEMENT_END_IN_NAME = re.compile(r";[ \t]*\r?\n")


def _name_left_open(body: str) -> tuple[int, int] | None:
    """The offsets (start, end) of a backquoted name in `body` (a double-quoted one under
    ANSI_QUOTES is backquoted by now) that runs past a `;` and a line break, as a name whose
    closing quote is missing runs on to the next quote of the file; None when none does.
    (Asked only of a statement sqlglot keeps as a command: a name holding `;` and a line
    break in a statement it parses is the name written.)"""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    if "`" not in body or not _STATEMENT_END_IN_NAME.search(body):
        return None
    try:
        tokens = mysql_tokens(body)
    except TokenError:
        return None
    return next(((tok.start, tok.end + 1) for tok in tokens
                 if tok.token_type == TokenType.IDENTIFIER
                 and _STATEMENT_END_IN_NAME.search(tok.text)), None)


def ansi_quoted_names(body: str) -> str:
    """`body` as the server reads it under sql_mode ANSI_QUOTES, where `"name"` quotes a
    name: each double-quoted text becomes a backquoted one, of the same length (the spans
    still point into the file). Single-quoted strings, backquoted names and comments are
    kept; a double-quoted name holding a quote or a backquote is left as written."""
    out, i, n = list(body), 0, len(body)
    while i < n:
        char = body[i]
        if char == "'":  # a string: '' and \' do not end it
            i += 1
            while i < n and (body[i] != "'" or body[i + 1:i + 2] == "'"):
                i += 2 if body[i] in "\\'" else 1
        elif char == "`":
            end = body.find("`", i + 1)
            while end >= 0 and body[end:end + 2] == "``":
                end = body.find("`", end + 2)
            i = n if end < 0 else end
        elif body.startswith(("--", "#"), i):
            end = body.find("\n", i)
            i = n if end < 0 else end
        elif body.startswith("/*", i):
            end = body.find("*/", i + 2)
            i = n if end < 0 else end + 1
        elif char == '"':
            end = body.find('"', i + 1)
            if end < 0:
                break
            if body[end:end + 2] != '""' and "`" not in body[i:end]:
                out[i] = out[end] = "`"
            else:  # ("" inside: a name with a quote, kept as written)
                while end >= 0 and body[end:end + 2] == '""':
                    end = body.find('"', end + 2)
                if end < 0:
                    break
            i = end
        i += 1
    return "".join(out)


def _unread_problem(body: str, failure: Exception, tokens: list | None, dialect: str,
                    server: tuple[int, ...], start: int, lines: LineIndex) -> ParseProblem:
    """The problem of the statement `body` (at offset `start` of the file; `tokens`: its
    tokens, None: read here) that sqlglot could not read (`failure`): two options of a locking
    read, or an INSERT's priority out of its place, as the server says it; else sqlglot's
    error at the offending token (a tokenizer's at the statement)."""
    from sqlglot.errors import ParseError

    from lockwise.parse.postgres import TOO_DEEP

    span = lines.span(start, start + len(body))
    if isinstance(failure, RecursionError):  # its message reads as lockwise's own crash
        return ParseProblem(TOO_DEEP, span)
    if not isinstance(failure, ParseError):
        return ParseProblem(_readable(str(failure).splitlines()[0]), span)
    refused = _locking_read(body, tokens, dialect, server) or _insert_syntax(body, tokens)
    if refused is not None:
        return _refusal_problem(refused, body, start, lines, dialect)
    err = failure.errors[0] if failure.errors else {}
    line = span.line + (err.get("line", 1) or 1) - 1
    # sqlglot's column is where the offending token ends: the finding goes at its start.
    end_col = max((err.get("col", 1) or 1) - len(err.get("highlight") or "x") + 1, 1)
    col = end_col if line != span.line else span.column + end_col - 1
    offset = lines.starts[min(line, len(lines.starts)) - 1] + max(col - 1, 0)
    return ParseProblem(_readable(err.get("description") or str(failure).splitlines()[0]),
                        lines.span(offset, offset + 1))


def _refusal_problem(refused: tuple[str, int, int], body: str, start: int, lines: LineIndex,
                     dialect: str) -> ParseProblem:
    """The server's refusal (message, offset, length) of the statement `body`, at offset
    `start` of the file, as its problem."""
    message, at, length = refused
    return ParseProblem(_server_error(message, body, at),
                        lines.span(start + at, start + at + length), by=SERVERS[dialect])


def _server_error(message: str, body: str, at: int) -> str:
    """A refusal of _refused_by_mysql (`message`, at offset `at` of the statement `body`) as
    the server says it: error 1064 near the statement from there, then why, as lockwise
    explains it. A message already the server's own (`error 1193 ...`) is kept."""
    if message.startswith("error "):
        return message
    why = message
    if message.startswith(_SYNTAX_ERROR):
        close = message.find('"', message.find('"') + 2)  # the word may be `"`
        why = message[close + 1:].strip()
        why = why[1:-1] if why.startswith("(") and why.endswith(")") else why
    # (one line, as a report prints it; the server keeps the statement's line breaks)
    near = " ".join(body[at:].rstrip().splitlines())
    if len(near) > _NEAR_LIMIT:
        near = near[:_NEAR_LIMIT - 3] + "..."
    return f"error {_PARSE_ERROR} near '{near}'" + (f" ({why})" if why else "")


def _program_statements(body: str, reader: object) -> tuple[dict, list]:
    """What the stored program `body` defines runs: its kind and name (mysql_blocks.program),
    each simple statement of its body that sqlglot reads, as (offset in `body`, text, tree),
    the queries its expressions hold likewise (`queries`: mysql_blocks.expression_queries),
    and the names its expressions call (`calls`: mysql_blocks.expression_calls); and the
    simple statements it cannot read, as (offset in `body`, text, sqlglot's error): the
    server refuses the program (error 1064, checked on MariaDB 10.11)."""
    from sqlglot.errors import ParseError, TokenError

    defined = program(body)
    statements: list = []
    unread: list = []
    try:
        tokens = mysql_tokens(body)
    except TokenError:
        tokens = []
    spans = body_statements(body, tokens)
    for begin, end in spans:
        sql = body[begin:end].strip()
        sql = without_lock_wait(sql) or sql  # read as it is without it, as at the top level
        try:
            tree = _parse_statement(sql, reader)
        except (ParseError, TokenError, RecursionError, ValueError) as exc:
            unread.append((begin, sql, exc))
            continue
        statements.append((begin, sql, tree))
    # the queries of its expressions, which only LOCK TABLES's prelocking reads (one
    # sqlglot cannot read is left out: the server reads it, lockwise does not follow it)
    queries = []
    for begin, sql in expression_queries(body, tokens, spans):
        try:
            queries.append((begin, sql, _parse_statement(sql, reader)))
        except (ParseError, TokenError, RecursionError, ValueError):
            continue
    return {**defined, "statements": statements, "queries": queries,
            "calls": expression_calls(body, tokens, spans)}, unread


#: What may follow `ALTER TABLE name`: the operations and table options of MySQL 8.4 and
#: MariaDB 11 (a word outside this list is a syntax error on both servers).
_ALTER_TABLE_WORDS = {
    "ADD", "ALGORITHM", "ALTER", "ANALYZE", "AUTOEXTEND_SIZE", "AUTO_INCREMENT",
    "AVG_ROW_LENGTH", "CHANGE", "CHARACTER", "CHARSET", "CHECK", "CHECKSUM", "COALESCE",
    "COLLATE", "COMMENT", "COMPRESSION", "CONNECTION", "CONVERT", "DATA", "DEFAULT",
    "DELAY_KEY_WRITE", "DISABLE", "DISCARD", "DROP", "ENABLE", "ENCRYPTED", "ENCRYPTION",
    "ENCRYPTION_KEY_ID", "ENGINE", "ENGINE_ATTRIBUTE", "EXCHANGE", "FORCE", "IETF_QUOTES",
    "IMPORT", "INDEX", "INSERT_METHOD", "KEY_BLOCK_SIZE", "LOCK", "MAX_ROWS", "MIN_ROWS",
    "MODIFY", "OPTIMIZE", "ORDER", "PACK_KEYS", "PAGE_CHECKSUM", "PAGE_COMPRESSED",
    "PAGE_COMPRESSION_LEVEL", "PARTITION", "PASSWORD", "REBUILD", "REMOVE", "RENAME",
    "REORGANIZE", "REPAIR", "ROW_FORMAT", "SECONDARY_ENGINE", "SECONDARY_ENGINE_ATTRIBUTE",
    "SECONDARY_LOAD", "SECONDARY_UNLOAD", "SEQUENCE", "STATS_AUTO_RECALC", "STATS_PERSISTENT",
    "STATS_SAMPLE_PAGES", "STORAGE", "TABLESPACE", "TRANSACTIONAL", "TRUNCATE", "UNION",
    "UPGRADE", "WITH", "WITHOUT", "WAIT", "NOWAIT", "IF", "DETACH", "ATTACH",
}


def _refused_by_mysql(tree, body: str, dialect: str, version: tuple[int, ...],
                      tokens: list | None, wait: LockWait | None
                      ) -> tuple[str, int, int] | None:
    """What sqlglot reads but MySQL and MariaDB refuse, as (message, offset in `body`, length),
    `body`'s tokens and lock wait as lock_wait found them (tokens None: read here):
    PostgreSQL's `::` cast, CREATE INDEX CONCURRENTLY and ALTER COLUMN ... TYPE (a PostgreSQL
    file linted with --dialect mysql), an ALTER TABLE operation neither server knows, and the
    other server's syntax (_other_servers_syntax, mysql_server_syntax's statements; MariaDB's
    compound statements outside a stored program; MySQL's clauses in a command MariaDB
    refuses, and a partition operation beside another clause: mariadb_refusals)."""
    from sqlglot import exp
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    if compound := _TOP_LEVEL_COMPOUND.match(body):
        if dialect != "mariadb":
            why = ("MariaDB's compound statement outside a stored program: MySQL runs it only "
                   "inside one")
        elif (*version, 0, 0)[:3] < COMPOUND_FROM:
            why = ("a compound statement outside a stored program arrived in MariaDB 10.1.1; "
                   "before it, write it in a procedure (CREATE PROCEDURE ... BEGIN ... END) "
                   "and CALL it")
        else:
            return None
        return why, 0, len(compound.group(1).split()[0])
    if _STORED_PROGRAM.match(body) and \
            (refused := program_syntax(body, dialect, version)) is not None:
        return refused  # CREATE OR REPLACE PROCEDURE on MySQL, or before MariaDB 10.1.3
    if body[:6].upper() == "CREATE" and \
            (refused := database_syntax(body, dialect, version)) is not None:
        return refused  # CREATE OR REPLACE DATABASE on MySQL, or before MariaDB 10.1.3
    if (server := other_servers_statement(body, dialect)) is not None:
        return server  # LOCK INSTANCE, SET PERSIST ... on MariaDB; BACKUP STAGE on MySQL
    if (server := version_statement(body, dialect, version)) is not None:
        return server  # RESET MASTER on MySQL 8.4, START REPLICA on MariaDB 10.4
    if body[:4].upper() in ("CREA", "DROP"):
        from lockwise.parse.mariadb_early_syntax import early_statement, mysql_statement

        if (early := early_statement(body, version) if dialect == "mariadb" else
                mysql_statement(body)) is not None:
            return early  # CREATE OR REPLACE TABLE before MariaDB 10.0.8, INDEX on MySQL
    if body[:4].upper() == "LOCK":
        from lockwise.effects.mysql import read_lock_tables

        if (read := read_lock_tables(body))[1]:  # 0: not LOCK TABLES (LOCK INSTANCE ...)
            return _lock_tables_syntax(read, body, dialect == "mariadb", version)
    if (stop := definer_stop(body)) is not None:
        near = body[stop:].split(maxsplit=1)[0] if body[stop:].strip() else body[stop - 1]
        return (f'syntax error at or near "{near}" (a DEFINER user is user@host, no space '
                "after the @, or CURRENT_USER; quote a user or host that holds other "
                "characters than letters, digits, _ and $, or is a number: 'app-user'@'%')",
                stop, len(near))
    if (missing := _names_nothing(body)) is not None:
        near = body.split()[-1]
        return (f'syntax error at or near "{near}" ({missing})',
                len(body.rstrip()) - len(near), len(near))
    try:
        tokens = mysql_tokens(body) if tokens is None else tokens
    except TokenError:
        return None
    words = [tok.text.upper() for tok in tokens]
    if (refused := _lock_wait(wait, dialect, version)) is not None:
        return refused  # DROP TABLE t WAIT n on MySQL, or before MariaDB 10.3.0
    if (refused := _locking_read(body, tokens, dialect, version)) is not None:
        return refused  # SELECT ... FOR UPDATE WAIT n on MySQL, FOR SHARE on MariaDB
    if (other := _other_servers_syntax(tokens, words, dialect, version, wait)) is not None:
        return other
    if (other := _rename_if_exists(body, tokens, words, dialect, version)) is not None:
        return other
    if (refused := _insert_syntax(body, tokens)) is not None:
        return refused  # REPLACE ... ON DUPLICATE KEY UPDATE, INSERT INTO t (a) SET ...
    if (refused := _string_as_name(tree, body, *command_tokens(body, tokens, words))) \
            is not None:
        return refused  # CREATE TABLE "t" ("id" INT): SQLite's and PostgreSQL's names
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.DCOLON:
            return 'syntax error at or near "::" (a PostgreSQL cast)', tok.start, 2
        if dialect == "mariadb" and tok.token_type in (TokenType.ARROW, TokenType.DARROW):
            # MariaDB reads the `-` as a minus and stops at the `>` after it (10.11, fix-mysql53)
            unquote = "JSON_UNQUOTE(JSON_EXTRACT(c, path))" if tok.text == "->>" \
                else "JSON_EXTRACT(c, path)"
            return (f'syntax error at or near "{tok.text[1:]}" (MySQL\'s JSON operator '
                    f'{tok.text}; MariaDB has none: write {unquote})', tok.start + 1,
                    len(tok.text) - 1)
        if dialect == "mariadb" and words[i] == "JSON" and \
                (cast := _casts_to(tokens, words, i)):
            # MariaDB's JSON is LONGTEXT with a JSON_VALID check, no type to cast to (10.11)
            written = "CAST(... AS JSON)" if cast == "CAST" else "CONVERT(..., JSON)"
            return (f'syntax error at or near "{tok.text}" (MySQL\'s {written}; MariaDB has '
                    "no JSON type to cast to: write the expression without the cast, a JSON "
                    "column checks its text with JSON_VALID)", tok.start, len(tok.text))
        if isinstance(tree, exp.Create) and words[i] == "CONCURRENTLY":
            return ('syntax error at or near "CONCURRENTLY" (PostgreSQL\'s CREATE INDEX '
                    'CONCURRENTLY)', tok.start, len(tok.text))
    if isinstance(tree, exp.Alter) and any(
            isinstance(a, exp.AlterColumn) and a.args.get("dtype") is not None
            for a in tree.args.get("actions") or ()):
        return _alter_column_type(tokens, words, dialect, version)
    if (incomplete := _incomplete_clause(tokens, words)) is not None:
        return incomplete
    if (partitioning := _incomplete_partitioning(tokens, words)) is not None:
        return partitioning
    if (postgresql := _postgresql_syntax(tokens, words, dialect, version)) is not None:
        return postgresql
    if (refused := _refused_alter(tree, tokens, words, dialect)) is not None:
        return refused
    return _unknown_alter_operation(tokens, words) \
        if isinstance(tree, exp.Command) else None


def _casts_to(tokens: list, words: list[str], i: int) -> str:
    """The function, CAST or CONVERT, whose target type is the word at `i` (`CAST(x AS
    JSON)`, `CONVERT(x, JSON)`), or ''."""
    from sqlglot.tokens import TokenType

    if words[i - 1:i] not in (["AS"], [","]) or tokens[i].token_type == TokenType.IDENTIFIER \
            or i + 1 >= len(tokens) or tokens[i + 1].token_type != TokenType.R_PAREN:
        return ""
    depth = 0
    for j in range(i - 1, 0, -1):
        kind = tokens[j].token_type
        depth += (kind == TokenType.R_PAREN) - (kind == TokenType.L_PAREN)
        if depth < 0:
            function = words[j - 1]
            return function if (function, words[i - 1]) in (("CAST", "AS"),
                                                            ("CONVERT", ",")) else ""
    return ""


def _refused_alter(tree, tokens: list, words: list[str], dialect: str
                   ) -> tuple[str, int, int] | None:
    """The first place the server stops in an ALTER TABLE's list of clauses: a partition
    operation beside another clause, MySQL's clauses in a command MariaDB refuses
    (mariadb_refusals), a clause beside another with no comma or a word after PARTITION BY
    (mysql_alter_list); None when there is none."""
    from sqlglot import exp

    refused = None
    # (`DROP COLUMN n, DROP PARTITION p0` sqlglot reads into a tree)
    if dialect == "mariadb" and (isinstance(tree, exp.Command) or
                                 isinstance(tree, exp.Alter) and runs_alone(words)):
        from lockwise.parse.mariadb_refusals import refused_command

        refused = refused_command(tokens, words)  # DROP INDEX ... ALGORITHM=, ADD PARTITION
    elif words[:1] == ["ALTER"] and (runs_alone(words) or _repartitions(words)):
        from lockwise.parse.mariadb_refusals import refused_partition_operation

        refused = refused_partition_operation(tokens, words)  # ADD COLUMN c INT, DROP PARTITION
    if words[:1] == ["ALTER"]:
        from lockwise.parse.mysql_alter_list import refused_alter_list

        server = "MariaDB" if dialect == "mariadb" else "MySQL"
        if (beside := refused_alter_list(tokens, words, server)) is not None and \
                (refused is None or beside[1] < refused[1]):
            return beside  # ALGORITHM=INPLACE LOCK=NONE; PARTITION BY ... ALGORITHM=INPLACE
    return refused


def _insert_syntax(body: str, tokens: list | None) -> tuple[str, int, int] | None:
    """Where the server stops in `body` when it is an INSERT or a REPLACE its grammar refuses
    (parse/mysql_insert_syntax.py; `tokens` None: read here; a REPLACE's are read from its
    INSERT, as sqlglot's tokenizer keeps the rest of a command as one string); None for any
    other."""
    from sqlglot.errors import TokenError

    replace = body[:7].upper() == "REPLACE"
    if body[:6].upper() != "INSERT" and not replace:
        return None
    from lockwise.parse.mysql_insert_syntax import refused_insert

    try:
        if replace:
            tokens = mysql_tokens("INSERT " + body[len("REPLACE"):])  # (offsets kept)
        elif tokens is None:
            tokens = mysql_tokens(body)
    except TokenError:
        return None
    words = [tok.text.upper() for tok in tokens]
    return refused_insert(tokens, ["REPLACE", *words[1:]] if replace else words) \
        if tokens else None


def runs_alone(words: list[str]) -> bool:
    """Whether the ALTER TABLE `words` (upper-case) may have an operation that runs alone
    (parse/mariadb_refusals.py): a partition operation, or DISCARD | IMPORT TABLESPACE."""
    return "PARTITION" in words or "TABLESPACE" in words


def _repartitions(words: list[str]) -> bool:
    """Whether the ALTER TABLE `words` (upper-case) may have a PARTITION BY or REMOVE
    PARTITIONING (sqlglot's tokenizer makes one token of `PARTITION BY`)."""
    return "PARTITIONING" in words or any(word.split() == ["PARTITION", "BY"] for word in words)


def _alter_column_type(tokens: list, words: list[str], dialect: str, version: tuple[int, ...]
                       ) -> tuple[str, int, int]:
    """The error of an ALTER COLUMN that sqlglot read as a type change, as (message, offset,
    length): PostgreSQL's `ALTER COLUMN x [SET DATA] TYPE t`, or a clause neither server
    knows (`ALTER COLUMN x SET`, whose SET sqlglot takes for the SET type; `ALTER COLUMN x t`),
    at the word after the column."""
    if "TYPE" in words:
        at = tokens[words.index("TYPE")]
        return ('syntax error at or near "TYPE" (PostgreSQL\'s ALTER COLUMN ... TYPE; MySQL '
                'changes a type with MODIFY)', at.start, len(at.text))
    # ALTER [COLUMN] name <clause>: the ALTER after ALTER TABLE's, or the first token's.
    start = next((i for i in range(1, len(words)) if words[i] == "ALTER"), 0)
    at_index = start + (3 if words[start + 1:start + 2] == ["COLUMN"] else 2)
    at = tokens[min(at_index, len(tokens) - 1)]
    return (f'syntax error at or near "{at.text}" ({_alter_column_forms(dialect, version)}; '
            'a type changes with MODIFY)', at.start, len(at.text))


def _alter_column_forms(dialect: str, version: tuple[int, ...]) -> str:
    """What the server's ALTER [COLUMN] col_name takes. MySQL 8.4 manual, 15.1.9 ALTER TABLE
    Statement: {SET DEFAULT ... | SET {VISIBLE | INVISIBLE} | DROP DEFAULT} (VISIBLE /
    INVISIBLE since 8.0.23); MariaDB knowledge base, ALTER TABLE: SET DEFAULT ... | DROP
    DEFAULT."""
    forms = ("SET DEFAULT, DROP DEFAULT, SET VISIBLE or SET INVISIBLE"
             if dialect != "mariadb" and version >= (8, 0, 23) else "SET DEFAULT or DROP DEFAULT")
    server = "MariaDB" if dialect == "mariadb" else "MySQL"
    return f"{server}'s ALTER COLUMN takes {forms}"


def _postgresql_syntax(tokens: list, words: list[str], dialect: str, version: tuple[int, ...]
                       ) -> tuple[str, int, int] | None:
    """PostgreSQL-only SQL that sqlglot's MySQL grammar reads, where MySQL and MariaDB stop,
    as (message, offset, length): COMMENT ON, ALTER TABLE ONLY, an IDENTITY column, DROP
    INDEX CONCURRENTLY, a partial index (WHERE) or an index method other than BTREE / HASH,
    and ALTER TABLE clauses neither server has (ALTER COLUMN ... SET NOT NULL, SET
    STATISTICS; RENAME CONSTRAINT; NOT VALID; SET LOGGED, SET (...)). MySQL 8.4 manual: 15.1.9
    "ALTER TABLE Statement", 15.1.15 "CREATE INDEX Statement" (index_type: USING {BTREE |
    HASH}), 15.1.20 "CREATE TABLE Statement", 15.1.27 "DROP INDEX Statement"."""
    from sqlglot.tokens import TokenType

    def stop(i: int, why: str) -> tuple[str, int, int]:
        return _postgresql_stop(tokens[i], why)

    if words[:2] == ["COMMENT", "ON"]:
        return stop(1, "COMMENT ON; MySQL writes a COMMENT clause in CREATE / ALTER TABLE")
    if words[:3] == ["ALTER", "TABLE", "ONLY"]:
        return stop(2, "ALTER TABLE ONLY; MySQL has no inheritance")
    if words[:3] == ["DROP", "INDEX", "CONCURRENTLY"]:
        return stop(2, "DROP INDEX CONCURRENTLY")
    for i, word in enumerate(words):
        if word == "IDENTITY" and words[i - 1] == "AS" and "GENERATED" in words[max(0, i - 4):i]:
            return stop(i, "identity column; MySQL writes AUTO_INCREMENT")
    if words[:1] == ["CREATE"] and "INDEX" in words[1:4]:
        depth = 0
        for i, tok in enumerate(tokens):
            depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
            if depth == 0 and words[i] == "WHERE":
                return stop(i, "partial index; MySQL indexes every row")
            if depth == 0 and words[i] == "USING" and i + 1 < len(words) and \
                    words[i + 1] not in ("BTREE", "HASH", "("):
                return stop(i + 1, "index method; MySQL's are BTREE and HASH")
    for clause, _comma in alter_table_clauses(tokens, words):
        names = [t.text.upper() for t in clause]
        if not names:
            continue
        if names[0] == "SET":  # SET LOGGED, SET (storage parameters), SET SCHEMA...
            return _postgresql_stop(clause[0], "ALTER TABLE ... SET; MySQL has no such clause")
        if names[:2] == ["RENAME", "CONSTRAINT"]:
            return _postgresql_stop(clause[1], "RENAME CONSTRAINT; MySQL cannot rename a "
                                                "constraint")
        if any(names[j:j + 2] == ["NOT", "VALID"] for j in range(len(names))):
            j = next(j for j in range(len(names)) if names[j:j + 2] == ["NOT", "VALID"])
            return _postgresql_stop(clause[j + 1], "NOT VALID; MySQL checks every row when "
                                                    "it adds a constraint")
        if names[0] == "ALTER" and names[1:2] and names[1] not in (
                "INDEX", "KEY", "CHECK", "CONSTRAINT"):
            rest = names[3:] if names[1] == "COLUMN" else names[2:]
            at = len(names) - len(rest)
            visibility = ("VISIBLE", "INVISIBLE") if dialect != "mariadb" and \
                version >= (8, 0, 23) else ()
            if rest[:1] in (["SET"], ["DROP"]) and len(rest) > 1 and \
                    rest[1] not in ("DEFAULT", *visibility):
                return _stops_at(clause[at + 1], _alter_column_forms(dialect, version))
    return None


def _postgresql_stop(tok, why: str) -> tuple[str, int, int]:
    """The parse problem at `tok`: PostgreSQL's `why`, which MySQL does not have."""
    return _stops_at(tok, f"PostgreSQL's {why}")


#: ALTER TABLE operations that need what follows them (a name, a definition): a clause that
#: stops after these words is a syntax error on both servers (checked on MariaDB 10.11).
_NEEDS_OPERAND = {
    ("ADD",), ("ADD", "COLUMN"), ("ADD", "INDEX"), ("ADD", "KEY"), ("ADD", "UNIQUE"),
    ("ADD", "CONSTRAINT"), ("DROP",), ("DROP", "COLUMN"), ("DROP", "INDEX"), ("DROP", "KEY"),
    ("DROP", "FOREIGN KEY"), ("DROP", "CONSTRAINT"), ("DROP", "CHECK"), ("MODIFY",),
    ("MODIFY", "COLUMN"), ("CHANGE",), ("CHANGE", "COLUMN"), ("RENAME",), ("RENAME", "TO"),
    ("RENAME", "AS"), ("RENAME", "COLUMN"), ("RENAME", "INDEX"), ("RENAME", "KEY"),
    ("ALTER",), ("ALTER", "COLUMN"), ("ALTER", "INDEX"),
}
#: Words of an ALTER TABLE clause that adds an index, whose column list cannot be empty.
_INDEX_WORDS = {"INDEX", "KEY", "UNIQUE", "PRIMARY KEY", "FULLTEXT", "SPATIAL", "FOREIGN KEY"}


def _incomplete_clause(tokens: list, words: list[str]) -> tuple[str, int, int] | None:
    """An ALTER TABLE operation without its operand (`DROP COLUMN;`), or an index with an
    empty column list (`ADD INDEX i ()`, `CREATE INDEX i ON t ()`), as (message, offset,
    length): sqlglot reads them, MySQL and MariaDB refuse them (error 1064)."""
    from sqlglot.tokens import TokenType

    if words[:1] == ["CREATE"] and "INDEX" in words[1:4]:
        return _incomplete_index(tokens, words)
    for clause, comma in alter_table_clauses(tokens, words):
        if not clause and comma is not None:  # `DROP COLUMN a,` or `a,, b`
            return _stops_at(comma, "an operation is missing after the comma")
        # a quoted name is no keyword: DROP `check` drops the column `check`
        names = tuple(f"`{t.text}`" if t.token_type == TokenType.IDENTIFIER else t.text.upper()
                      for t in clause)
        if (missing := _missing_operand(names)) is not None:
            return _stops_at(clause[-1], missing)
        if clause[:1] and clause[0].text.upper() == "ADD" and \
                _INDEX_WORDS.intersection(t.text.upper() for t in clause) and \
                (empty := _empty_column_list(clause)) is not None:
            return empty
    return None


def alter_table_name_at(words: list[str]) -> int | None:
    """Where the table's name starts in `words`, an `ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS]
    name ...`'s tokens (IF EXISTS: MariaDB's); None for another statement."""
    i = 1
    while words[i:i + 1] in (["ONLINE"], ["IGNORE"]):
        i += 1
    if words[:1] != ["ALTER"] or words[i:i + 1] != ["TABLE"]:
        return None
    return i + 3 if words[i + 1:i + 3] == ["IF", "EXISTS"] else i + 1


def _after_name(tokens: list, i: int) -> int:
    """The index of the token after the (dotted) name that starts at `i` of `tokens`."""
    from sqlglot.tokens import TokenType

    i += 1
    while i + 1 < len(tokens) and tokens[i].token_type == TokenType.DOT:
        i += 2
    return i


def alter_table_clauses(tokens: list, words: list[str]) -> Iterator[tuple[list, object]]:
    """An `ALTER TABLE name ...`'s clauses (the tokens between commas outside parentheses),
    each with the comma before it (None for the first); nothing for another statement."""
    from sqlglot.tokens import TokenType

    if (name := alter_table_name_at(words)) is None or name >= len(tokens):
        return
    i = _after_name(tokens, name)
    clause: list = []
    depth = 0
    comma = None
    for tok in [*tokens[i:], None]:
        kind = tok.token_type if tok is not None else None
        depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
        if tok is not None and not (depth == 0 and kind == TokenType.COMMA):
            clause.append(tok)
            continue
        yield clause, comma
        clause, comma = [], tok


#: The partitioning types after PARTITION BY [LINEAR]; MariaDB's SYSTEM_TIME is left alone.
_PARTITION_TYPES = {"HASH", "KEY", "RANGE", "LIST"}


def _incomplete_partitioning(tokens: list, words: list[str]) -> tuple[str, int, int] | None:
    """A CREATE / ALTER TABLE's `PARTITION BY` cut off (no type, no parenthesised expression
    or column list, `PARTITIONS` without its number, a statement ending inside parentheses),
    or RANGE / LIST partitioning without its partition definitions, as (message, offset,
    length). Both servers refuse them: error 1064, and 1492 ("For RANGE partitions each
    partition must be defined") for the latter (checked on MariaDB 10.11; MySQL 8.4 manual,
    15.1.20 "CREATE TABLE Statement", partition_options, and 26.2.1 "RANGE Partitioning")."""
    from sqlglot.tokens import TokenType

    if words[:1] not in (["CREATE"], ["ALTER"]):
        return None
    depth, start = 0, None
    for i, tok in enumerate(tokens):
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        if depth == 0 and tok.token_type == TokenType.PARTITION_BY:  # one token
            start = i + 1
            break
    if start is None:
        return None
    i = start + (words[start:start + 1] == ["LINEAR"])
    if i >= len(words) or words[i] not in _PARTITION_TYPES:
        if words[i:i + 1] == ["SYSTEM_TIME"]:
            return None
        return _stops_at(tokens[min(i, len(tokens)) - 1],
                         "PARTITION BY needs HASH, KEY, RANGE or LIST")
    kind, i = words[i], i + 1
    if kind in ("RANGE", "LIST") and words[i:i + 1] == ["COLUMNS"]:
        i += 1
    if kind == "KEY" and words[i:i + 1] == ["ALGORITHM"]:
        i += 3  # ALGORITHM = 1 | 2
    if i >= len(tokens) or tokens[i].token_type != TokenType.L_PAREN:
        return _stops_at(tokens[min(i, len(tokens)) - 1],
                         f"{kind} partitioning needs its expression or columns in parentheses")
    definitions = False
    depth = 0
    for j in range(i, len(tokens)):
        kind_j = tokens[j].token_type
        if kind_j == TokenType.L_PAREN and depth == 0 and j > i:
            definitions = True
        depth += (kind_j == TokenType.L_PAREN) - (kind_j == TokenType.R_PAREN)
        if depth == 0 and words[j] in ("PARTITIONS", "SUBPARTITIONS") and (
                j + 1 >= len(tokens) or tokens[j + 1].token_type != TokenType.NUMBER):
            return _stops_at(tokens[j], f"{words[j]} needs a number")
    if depth > 0:
        return _stops_at(tokens[-1], "the statement ends inside parentheses")
    if kind in ("RANGE", "LIST") and not definitions:
        return _stops_at(tokens[-1], f"{kind} partitioning needs its partitions defined: error "
                                     f"1492, For {kind} partitions each partition must be "
                                     "defined")
    return None


def _names_nothing(body: str) -> str | None:
    """What `LOCK TABLES` without a table, or `RENAME TABLE a` without `TO`, lacks (the
    tokenizer keeps each whole, as one command); None for any other statement."""
    words = body.upper().split()
    if words in (["LOCK", "TABLES"], ["LOCK", "TABLE"]):
        return "LOCK TABLES names no table"
    if words[:2] in (["RENAME", "TABLE"], ["RENAME", "TABLES"]) and \
            not re.search(r"\bTO\b", body, re.IGNORECASE):
        return "RENAME TABLE needs old TO new"
    return None


def _missing_operand(names: tuple[str, ...]) -> str | None:
    """What an ALTER TABLE clause (its words, upper case) lacks, or None: `DROP COLUMN` a
    name, `MODIFY n` a definition, `CHANGE n n2` a definition, `RENAME COLUMN n TO` a name."""
    if names in _NEEDS_OPERAND:
        return f"{' '.join(names)} names nothing"
    rest = names[2:] if names[1:2] == ("COLUMN",) else names[1:]
    if names[:1] == ("MODIFY",) and len(rest) < 2:
        return "MODIFY needs the column's whole definition"
    if names[:1] == ("CHANGE",) and len(rest) < 3:
        return "CHANGE needs the old name, the new name and the whole definition"
    if names[:2] == ("RENAME", "COLUMN") and len(rest) < 3:
        return "RENAME COLUMN needs old TO new"
    return None


#: The words a table's name follows (`CREATE TABLE [IF NOT EXISTS] t`, `INSERT INTO t`,
#: `UPDATE t`; `ON t` in CREATE INDEX).
_BEFORE_TABLE_NAME = {"TABLE", "INTO", "UPDATE"}
_QUOTED_NAME = ("a quoted string is no name: write names in backquotes (`name`); double "
                "quotes quote names only under sql_mode ANSI_QUOTES")


def _string_as_name(tree, body: str, tokens: list, words: list[str]
                    ) -> tuple[str, int, int] | None:
    """A string where a table's or a column's name goes (`CREATE TABLE "t" ("id" INT)`,
    `RENAME TABLE a TO "x"`, as SQLite and PostgreSQL quote names): sqlglot reads it as the
    name, MySQL and MariaDB stop at it (error 1064) unless sql_mode holds ANSI_QUOTES, which
    neither sets by default."""
    from sqlglot import exp
    from sqlglot.tokens import TokenType

    # the column names sqlglot read from a string: a definition's, an INSERT's column list
    columns = {d.this.name for d in tree.find_all(exp.ColumnDef)
               if isinstance(d.this, exp.Literal)} if isinstance(tree, exp.Expression) else set()
    if isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema):
        columns |= {e.name for e in tree.this.expressions if isinstance(e, exp.Literal)}
    index = words[:1] == ["CREATE"] and "INDEX" in words
    altered = words[:2] == ["ALTER", "TABLE"]
    for i, tok in enumerate(tokens[1:], 1):
        if tok.token_type != TokenType.STRING or body[tok.start:tok.start + 1] not in "\"'":
            continue
        before = words[i - 1]
        table = before in _BEFORE_TABLE_NAME or index and before == "ON" or \
            before == "EXISTS" and "TABLE" in words[max(0, i - 4):i]
        # ALTER TABLE's RENAME [TO | AS] "x" (RENAME COLUMN / INDEX a TO "b"), CHANGE [COLUMN]
        # "a" b
        renamed = altered and (before in ("TO", "AS", "RENAME", "CHANGE")
                               or words[i - 2:i] == ["CHANGE", "COLUMN"])
        # RENAME TABLE a TO "x", b TO c: each pair's names (after TABLE, TO, a comma)
        renamed = renamed or words[:2] == ["RENAME", "TABLE"] and before in ("TO", ",")
        if table or renamed or tok.text in columns and before in _BEFORE_COLUMN_NAME:
            end = body.find(body[tok.start], tok.start + 1 + len(tok.text))
            return (f'syntax error at or near "{tok.text}" ({_QUOTED_NAME})',
                    tok.start, end + 1 - tok.start)
    return None


def _stops_at(tok, why: str) -> tuple[str, int, int]:
    """The parse problem at `tok`, as (message, offset, length)."""
    return f'syntax error at or near "{tok.text}" ({why})', tok.start, len(tok.text)


def _incomplete_index(tokens: list, words: list[str]) -> tuple[str, int, int] | None:
    """CREATE INDEX without its name (`CREATE INDEX ON t`) or its column list."""
    at = words.index("INDEX")
    if at + 1 < len(words) and words[at + 1] == "ON":
        return _stops_at(tokens[at + 1], "CREATE INDEX needs the index's name")
    if not any(w == "(" for w in words):
        return _stops_at(tokens[-1], "an index needs its columns")
    return _empty_column_list(tokens)


def _empty_column_list(tokens: list) -> tuple[str, int, int] | None:
    """The `)` of an index's column list written `()`: the first parentheses of the clause."""
    from sqlglot.tokens import TokenType

    for tok, following in zip(tokens, tokens[1:], strict=False):
        if tok.token_type == TokenType.L_PAREN:
            if following.token_type != TokenType.R_PAREN:
                return None
            return _stops_at(following, "an index needs at least one column")
    return None


#: MariaDB's column types MySQL has none of, and the release that brought each (the knowledge
#: base's INET6, UUID and INET4: "added in MariaDB 10.5.0", "10.7.0", "10.10.0"; checked on
#: 10.11), with what MySQL stores the value in instead.
MARIADB_TYPES = {"INET6": ((10, 5, 0), "VARBINARY(16), through INET6_ATON()"),
                 "UUID": ((10, 7, 0), "BINARY(16), through UUID_TO_BIN()"),
                 "INET4": ((10, 10, 0), "INT UNSIGNED, through INET_ATON()")}
#: The words right before a column's name, where its type follows the name (`ADD [COLUMN]
#: [IF NOT EXISTS] name type`, `MODIFY name type`, a definition list's `(name type` / `, name
#: type`); CHANGE's two names are counted apart.
_BEFORE_COLUMN_NAME = {"(", ",", "ADD", "COLUMN", "MODIFY", "EXISTS"}


def mariadb_types(tokens: list, words: list[str]) -> list[int]:
    """The tokens (by index) that name one of MARIADB_TYPES as a column's type: after the
    column's name, not a call (`DEFAULT UUID()`) nor a name itself (a column `uuid`)."""
    from sqlglot.tokens import TokenType

    found: list[int] = []
    for i, word in enumerate(words):
        if word not in MARIADB_TYPES or i < 2 or tokens[i].token_type in (
                TokenType.IDENTIFIER, TokenType.STRING) or words[i + 1:i + 2] == ["("] or \
                words[i - 1] in _BEFORE_COLUMN_NAME:
            continue
        if words[i - 2] in _BEFORE_COLUMN_NAME or (i >= 3 and words[i - 3] == "CHANGE") or \
                (i >= 4 and words[i - 4] == "CHANGE" and words[i - 3] == "COLUMN"):
            found.append(i)
    return found


#: ALTER TABLE's ADD / DROP SYSTEM VERSIONING (MariaDB's system-versioned tables, 10.3.4 on:
#: the knowledge base's "System-Versioned Tables"; MySQL has none), and a CREATE TABLE's or a
#: column's WITH / WITHOUT SYSTEM VERSIONING.
_SYSTEM_VERSIONING = re.compile(r"\b(?:ADD|DROP)\s+SYSTEM\s+VERSIONING\b", re.IGNORECASE)
_VERSIONING_AFTER = {"ADD", "DROP", "WITH", "WITHOUT"}
_SYSTEM_VERSIONING_FROM = (10, 3, 4)
#: A word of MARIADB_TYPES in a statement's words (the tokens are looked at only then).
MARIADB_TYPE_WORDS = re.compile(rf"\b(?:{'|'.join(MARIADB_TYPES)})\b")
#: A column's VISIBLE / INVISIBLE: MySQL 8.0.23 (its 8.0 manual, "Invisible Columns"), MariaDB
#: 10.3.3 (the knowledge base's "Invisible Columns"; MySQL's VISIBLE it refuses).
_COLUMN_VISIBILITY_FROM = {"mysql": (8, 0, 23), "mariadb": (10, 3, 3)}
#: MySQL's [SECONDARY_]ENGINE_ATTRIBUTE of a column, an index or a table arrived in 8.0.21 (its
#: 8.0 manual, "CREATE TABLE Statement"; the COLUMNS_EXTENSIONS table's "available as of").
_ENGINE_ATTRIBUTE_FROM = (8, 0, 21)
#: MariaDB's CONVERT PARTITION p TO TABLE t / CONVERT TABLE t TO PARTITION p ... (the
#: knowledge base's ALTER TABLE).
_CONVERT_FROM = (10, 7)
#: MariaDB's index visibility, ALTER INDEX i [NOT] IGNORED, arrived in 10.6.
_IGNORED_INDEX_FROM = (10, 6)
#: MariaDB's IF [NOT] EXISTS on a column, index, foreign key or partition of an ALTER TABLE
#: arrived in 10.0.2 (MDEV-318; the knowledge base's ALTER TABLE).
_ALTER_IF_EXISTS_FROM = (10, 0, 2)
#: MariaDB's ALTER TABLE IF EXISTS name (and RENAME TABLE IF EXISTS) arrived in 10.5.2 (the
#: knowledge base's "MariaDB 10.5.2 Release Notes"); MySQL 8 has none (its manual's grammar,
#: "ALTER TABLE Statement", 15.1.9 in 8.4).
_ALTER_TABLE_IF_EXISTS_FROM = (10, 5, 2)
#: After these words of an ALTER TABLE (or CREATE INDEX), IF [NOT] EXISTS is MariaDB's alone
#: (the tokenizer reads `PRIMARY KEY` and `FOREIGN KEY` as one token each).
IF_EXISTS_AFTER = frozenset({"ADD", "DROP", "COLUMN", "INDEX", "KEY", "CHANGE", "MODIFY",
                             "PARTITION", "CONSTRAINT", "UNIQUE", "FULLTEXT", "SPATIAL",
                             "PRIMARY KEY", "FOREIGN KEY", "RENAME", "ALTER"})


def _table_if_exists(statement: str, mariadb: bool, version: tuple[int, ...]) -> str:
    """Why the server refuses IF EXISTS before the table's name of an ALTER or RENAME TABLE
    (`statement` its first word): MariaDB's since 10.5.2, MySQL's never; "" when it reads
    it."""
    if mariadb and (*version, 0, 0)[:3] >= _ALTER_TABLE_IF_EXISTS_FROM:
        return ""
    written = f"{statement} TABLE"
    return (f"{written} IF EXISTS arrived in MariaDB 10.5.2" if mariadb else
            f"MariaDB's {written} IF EXISTS; MySQL has none") + \
        f": write {written} without it, where the table is known to exist"


def _rename_if_exists(body: str, tokens: list, words: list[str], dialect: str,
                      version: tuple[int, ...]) -> tuple[str, int, int] | None:
    """MariaDB's `RENAME TABLE IF EXISTS a TO b` (10.5.2 on: the knowledge base's "MariaDB
    10.5.2 Release Notes" and RENAME TABLE page) where the server has none, as (message,
    offset, length) at IF: MySQL 8's grammar has none ("RENAME TABLE Statement", 15.1.36 in
    8.4). None for any other statement."""
    from sqlglot.tokens import TokenType

    if words[:1] != ["RENAME"]:
        return None
    tokens, words = command_tokens(body, tokens, words)
    if words[1:2] not in (["TABLE"], ["TABLES"]) or words[2:4] != ["IF", "EXISTS"] or \
            tokens[2].token_type == TokenType.IDENTIFIER:
        return None
    if not (found := _table_if_exists("RENAME", dialect == "mariadb", version)):
        return None
    return f'syntax error at or near "{tokens[2].text}" ({found})', tokens[2].start, 2


def _other_servers_syntax(tokens: list, words: list[str], dialect: str,
                          version: tuple[int, ...], wait: LockWait | None
                          ) -> tuple[str, int, int] | None:
    """Syntax the other server of the two has and `dialect` refuses, as (message, offset,
    length): MariaDB's ALTER INDEX ... [NOT] IGNORED, IF [NOT] EXISTS on columns and indexes,
    ALTER ONLINE, ALTER TABLE's lock wait (`wait`: WAIT n | NOWAIT before its operations),
    PERSISTENT columns and the COMPRESSED and REF_SYSTEM_ID column attributes on MySQL (its
    manual's grammar, "ALTER TABLE Statement", 13.1.9 in 8.0, 15.1.9 in 8.4);
    MySQL's ALTER INDEX ... VISIBLE / INVISIBLE and SRID column attribute on MariaDB, a
    REF_SYSTEM_ID not right after a spatial type, and a FULLTEXT index's WITH PARSER ngram or
    mecab, MySQL's parsers (error 1128 there; checked on MariaDB 10.11)."""
    from sqlglot.tokens import TokenType

    mariadb = dialect == "mariadb"
    if words[:1] not in (["ALTER"], ["CREATE"]):
        return None
    functional = functional_key_parts(tokens, words)
    # (the IF of ALTER TABLE IF EXISTS name: two words before alter_table_name_at's name)
    name = alter_table_name_at(words) or 0
    table_if = name - 2 if words[name - 2:name] == ["IF", "EXISTS"] else -1
    typed = mariadb_types(tokens, words) if MARIADB_TYPE_WORDS.search(" ".join(words)) else []
    for i, (tok, word) in enumerate(zip(tokens, words, strict=True)):
        previous = words[i - 1] if i else ""
        found = ""
        if i >= 3 and words[i - 3] == "ALTER" and words[i - 2] in ("INDEX", "KEY"):
            if word in ("VISIBLE", "INVISIBLE") and mariadb:
                found = (f"MySQL's index visibility; MariaDB writes ALTER INDEX ... "
                         f"{'NOT ' * (word == 'VISIBLE')}IGNORED (10.6 and later)")
            elif word in ("IGNORED", "NOT") and not mariadb:
                found = "MariaDB's index visibility; MySQL writes ALTER INDEX ... INVISIBLE"
            elif word in ("IGNORED", "NOT") and version < _IGNORED_INDEX_FROM:
                found = "ALTER INDEX ... IGNORED arrived in MariaDB 10.6"
        elif mariadb and word == "INVISIBLE" and _is_index_option(tokens, words, i):
            found = "MySQL's invisible index; MariaDB writes the index's IGNORED (10.6 and later)"
        elif word == "IGNORED" and _is_index_option(tokens, words, i - (previous == "NOT")):
            if not mariadb:
                found = "MariaDB's ignored index; MySQL writes the index's INVISIBLE"
            elif version < _IGNORED_INDEX_FROM:
                found = "IGNORED indexes arrived in MariaDB 10.6"
        elif mariadb and word == "CHECK" and previous == "DROP" and \
                tok.token_type != TokenType.IDENTIFIER:
            found = "MySQL's DROP CHECK; MariaDB writes DROP CONSTRAINT"
        elif not mariadb and previous == "DROP" and word in _ALTER_CHECK_FROM and \
                tok.token_type != TokenType.IDENTIFIER and version < _ALTER_CHECK_FROM[word]:
            found = f"DROP {word} arrived in MySQL " + ".".join(
                map(str, _ALTER_CHECK_FROM[word])) + _DROP_BEFORE[word]
        elif mariadb and word == "SRID" and i + 1 < len(tokens) and \
                tokens[i + 1].token_type == TokenType.NUMBER:
            found = "MySQL's SRID column attribute; MariaDB writes REF_SYSTEM_ID = n"
        elif tok.token_type != TokenType.IDENTIFIER and (
                word == "REF_SYSTEM_ID" and
                (refused := _reference_system(tokens, words, i, mariadb)) is not None or
                mariadb and word in _MYSQL_COLUMN_ATTRIBUTES and
                (refused := _mysql_column_attribute(tokens, words, i)) is not None):
            return refused  # MySQL's COLUMN_FORMAT ... on MariaDB
        elif mariadb and word == "PARSER" and previous == "WITH" and \
                words[i + 1:i + 2] in (["NGRAM"], ["MECAB"]):
            parser = tokens[i + 1]  # (MariaDB 10.11 checks it before the table: error 1128)
            return (f"error 1128: \"Function '{parser.text.lower()}' is not defined\" (MySQL's "
                    f"{parser.text.lower()} full-text parser; MariaDB has no such plugin: leave "
                    "WITH PARSER out, its own parser splitting words at spaces and punctuation)",
                    parser.start, len(parser.text))
        elif word == "COMPRESSED" and not mariadb and _follows_type(tokens, i):
            found = ("MariaDB's compressed column; MySQL compresses whole tables: "
                     "ROW_FORMAT=COMPRESSED, or COMPRESSION='zlib'")
        elif enforcement := _check_enforcement(words, i, mariadb, version):
            found = enforcement
        elif word == "SYSTEM" and previous in _VERSIONING_AFTER and \
                words[i + 1:i + 2] == ["VERSIONING"] and (
                    not mariadb or (*version, 0, 0)[:3] < _SYSTEM_VERSIONING_FROM):
            found = ("system-versioned tables arrived in MariaDB 10.3.4" if mariadb else
                     "MariaDB's system-versioned tables; MySQL has none")
        elif i in typed:
            since, instead = MARIADB_TYPES[word]
            if not mariadb:
                found = f"MariaDB's {word} type; MySQL stores the value in {instead}"
            elif (*version, 0, 0)[:3] < since:
                found = f"the {word} type arrived in MariaDB {'.'.join(map(str, since))}"
        elif i in functional and mariadb:
            found = ("a functional key part, MySQL 8.0.13's; MariaDB has none: index a "
                     "generated column instead")
        elif i in functional and version < FUNCTIONAL_KEY_PARTS_FROM:
            found = "functional key parts arrived in MySQL 8.0.13"
        elif i == table_if and (refused_if := _table_if_exists("ALTER", mariadb, version)):
            found = refused_if
        elif mariadb and word == "IF" and previous in IF_EXISTS_AFTER and \
                words[0] == "ALTER" and (*version, 0, 0)[:3] < _ALTER_IF_EXISTS_FROM:
            found = ("ALTER TABLE's IF [NOT] EXISTS arrived in MariaDB 10.0.2; before it, "
                     "write the clause without it")
        elif word in ("VISIBLE", "INVISIBLE") and (*version, 0, 0)[:3] < (
                since := _COLUMN_VISIBILITY_FROM[dialect]) and \
                _column_visibility(tokens, words, i):
            found = (f"invisible columns arrived in {'MariaDB' if mariadb else 'MySQL'} "
                     + ".".join(map(str, since)))
        elif mariadb and previous == "CONVERT" and word in ("PARTITION", "TABLE") and \
                tokens[i - 1].token_type != TokenType.IDENTIFIER and version < _CONVERT_FROM:
            found = ("CONVERT PARTITION ... TO TABLE / CONVERT TABLE ... TO PARTITION arrived "
                     "in MariaDB 10.7; before it, EXCHANGE PARTITION ... WITH TABLE")
        elif wait is not None and tok.start == wait.start:  # (ALTER TABLE's: lock_wait)
            found = lock_wait_refused("ALTER", mariadb, version)
        elif mariadb:
            continue
        elif word.endswith("ENGINE_ATTRIBUTE") and tok.token_type != TokenType.IDENTIFIER and \
                (*version, 0, 0)[:3] < _ENGINE_ATTRIBUTE_FROM and i + 1 < len(tokens) and \
                tokens[i + 1].token_type in (TokenType.EQ, TokenType.STRING):
            found = f"{word} arrived in MySQL 8.0.21: leave it out"
        elif word == "IF" and previous in IF_EXISTS_AFTER:
            found = "MariaDB's IF [NOT] EXISTS; MySQL has none for columns and indexes"
        elif word == "ONLINE" and i == 1:
            found = "MariaDB's ALTER ONLINE TABLE; MySQL writes ALGORITHM=INPLACE, LOCK=NONE"
        elif word == "IGNORE" and i == 1 and words[0] == "ALTER":
            # (MySQL 5.7.4 took it away: WL#7395; its manual's ALTER TABLE has none since)
            found = ("MariaDB's ALTER IGNORE TABLE; MySQL has had none since 5.7.4: leave "
                     "IGNORE out, after deleting the rows a new unique key would find twice")
        elif word == "PERSISTENT" and previous == ")":
            found = "MariaDB's PERSISTENT generated column; MySQL writes STORED"
        elif previous == "CONVERT" and word in ("PARTITION", "TABLE") and \
                tokens[i - 1].token_type != TokenType.IDENTIFIER:
            found = ("MariaDB's CONVERT PARTITION ... TO TABLE / CONVERT TABLE ... TO "
                     "PARTITION (10.7); MySQL writes EXCHANGE PARTITION ... WITH TABLE")
        if found:
            return f'syntax error at or near "{tok.text}" ({found})', tok.start, len(tok.text)
    return None


#: MariaDB's lock wait, `WAIT n | NOWAIT`, arrived in 10.3.0 (MDEV-11379; the knowledge
#: base's "WAIT and NOWAIT").
_LOCK_WAIT_FROM = (10, 3, 0)
#: The statements besides ALTER TABLE and LOCK TABLES that MariaDB gives a lock wait (the
#: knowledge base's "WAIT and NOWAIT"; SELECT ... FOR UPDATE is left out: MySQL has NOWAIT).
_LOCK_WAIT_STATEMENTS = re.compile(
    r"(?:DROP\s+(?:TEMPORARY\s+)?TABLES?|DROP\s+INDEX|TRUNCATE|RENAME\s+TABLES?|OPTIMIZE|"
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:UNIQUE|FULLTEXT|SPATIAL)\s+)?INDEX)\b", re.I)
#: Words after which WAIT / NOWAIT is a name (after `(`, a key's first column), not a lock wait.
_NAME_AFTER = frozenset({"TABLE", "TABLES", "INDEX", "ON", "EXISTS", "TO", ",", ".", "("})


def lock_wait_refused(statement: str, mariadb: bool, version: tuple[int, ...]) -> str:
    """Why the server refuses MariaDB's lock wait (WAIT n | NOWAIT) in `statement` (its first
    word): MySQL has none (its manual's grammar, 8.0 and 8.4: ALTER TABLE, DROP TABLE, DROP
    INDEX, CREATE INDEX, TRUNCATE TABLE, RENAME TABLE, OPTIMIZE TABLE and LOCK TABLES take no
    such clause), MariaDB before 10.3.0 neither; "" when the server reads it."""
    instead = f"SET SESSION lock_wait_timeout = n before the {statement}"
    if not mariadb:
        return f"MariaDB's lock wait, WAIT n | NOWAIT; MySQL has none: {instead}"
    if (*version, 0, 0)[:3] < _LOCK_WAIT_FROM:
        return f"the lock wait, WAIT n | NOWAIT, arrived in MariaDB 10.3.0; before it, {instead}"
    return ""


@dataclass(frozen=True, slots=True)
class LockWait:
    """The lock wait (WAIT n | NOWAIT) of a statement, found once (lock_wait): where it is, as
    offsets of the statement's text (`start` at WAIT / NOWAIT, `end` past its number), the
    statement's first word, and the word after it (RENAME TABLE takes it before TO)."""

    start: int
    end: int
    text: str
    statement: str
    after: str


def lock_wait(body: str) -> tuple[list | None, LockWait | None]:
    """The lock wait (WAIT n | NOWAIT) of the ALTER TABLE (before its operations), DROP TABLE,
    DROP INDEX, CREATE INDEX, TRUNCATE, RENAME TABLE or OPTIMIZE `body`, and the tokens it
    was looked for in: (tokens, None) when it has none, (None, None) for a statement that
    cannot have one (cheap: most statements), or that the tokenizer cannot read. Both the
    reading without it (without_lock_wait) and the refusal (_refused_by_mysql) use what is
    found here, so they never disagree; the tokens serve the refusal's other checks."""
    from sqlglot.errors import TokenError

    if "WAIT" not in body.upper() or not (_ALTER_TABLE.match(body) or
                                          _LOCK_WAIT_STATEMENTS.match(body)):
        return None, None
    try:
        tokens = mysql_tokens(body)
    except TokenError:
        return None, None
    words = [tok.text.upper() for tok in tokens]
    if (found := _lock_wait_at(body, tokens, words)) is None:
        return tokens, None
    at, at_words, i = found
    last = at[i + (at_words[i] == "WAIT")]
    return tokens, LockWait(at[i].start, last.end + 1, body[at[i].start:last.end + 1],
                            words[0], "".join(at_words[i + 1 + (at_words[i] == "WAIT"):][:1]))


def _lock_wait(wait: LockWait | None, dialect: str, version: tuple[int, ...]
               ) -> tuple[str, int, int] | None:
    """The lock wait `wait` of a DROP TABLE, DROP INDEX, CREATE INDEX, TRUNCATE, RENAME TABLE
    or OPTIMIZE the server refuses, as (message, offset, length): on MySQL, and on MariaDB
    before 10.3.0; on MariaDB, RENAME TABLE's after the new name (it takes one after the old
    name only: checked on MariaDB 10.11). None for another statement."""
    if wait is None or wait.statement == "ALTER":
        return None  # (ALTER TABLE's: _other_servers_syntax, in the order of its clauses)
    refused = lock_wait_refused(wait.statement, dialect == "mariadb", version)
    if not refused and wait.statement == "RENAME" and wait.after != "TO":
        refused = "RENAME TABLE takes its lock wait after the old name: RENAME TABLE a WAIT n TO b"
    word = wait.text.split()[0]
    return (f'syntax error at or near "{word}" ({refused})', wait.start, len(word)) \
        if refused else None


def _lock_wait_at(body: str, tokens: list, words: list[str]
                  ) -> tuple[list, list[str], int] | None:
    """Where the lock wait (WAIT n | NOWAIT) of an ALTER TABLE (before its operations), DROP
    TABLE, DROP INDEX, CREATE INDEX, TRUNCATE, RENAME TABLE or OPTIMIZE is, as (tokens, words,
    index of WAIT / NOWAIT): `tokens` and `words` as given, or RENAME's and OPTIMIZE's, which
    the tokenizer keeps as a string, read again (offsets kept). None when it has none."""
    from sqlglot.tokens import TokenType

    def is_lock_wait(i: int) -> bool:
        return tokens[i].token_type != TokenType.IDENTIFIER and (
            words[i] == "NOWAIT" or words[i] == "WAIT" and i + 1 < len(tokens) and
            tokens[i + 1].token_type == TokenType.NUMBER)

    if words[:1] == ["ALTER"]:
        first = _first_alter_token(tokens, words)
        i = next((i for i, tok in enumerate(tokens) if tok is first), None)
        return (tokens, words, i) if i is not None and is_lock_wait(i) else None
    tokens, words = command_tokens(body, tokens, words)
    return next(((tokens, words, i) for i in range(1, len(tokens))
                 if words[i - 1] not in _NAME_AFTER and is_lock_wait(i)), None)


def command_tokens(body: str, tokens: list, words: list[str]) -> tuple[list, list[str]]:
    """`body`'s `tokens` and `words`, or, for RENAME and OPTIMIZE, which the tokenizer keeps
    as commands (their first word, then the rest as one string), the rest read again as
    tokens (offsets kept; the first token None, its word kept)."""
    from sqlglot.tokens import TokenType

    if len(tokens) != 2 or tokens[1].token_type != TokenType.STRING:
        return tokens, words
    rest = tokens[0].end + 1  # (the string token's start is not where its text starts)
    read = mysql_tokens(" " * rest + body[rest:])
    return [None, *read], [words[0], *(tok.text.upper() for tok in read)]


def without_lock_wait(body: str, wait: LockWait | None = None) -> str | None:
    """`body` with its lock wait (`wait`, else lock_wait's) blanked, offsets kept, so sqlglot
    and the effect model read the statement as it is without it; None when it has none. The
    lock wait only bounds how long the statement waits for its metadata lock (the knowledge
    base's "WAIT and NOWAIT"): what it locks, and for how long once it holds the lock, stay
    the same. Where the server refuses it, _refused_by_mysql says so from the text as
    written."""
    if wait is None and (wait := lock_wait(body)[1]) is None:
        return None
    return body[:wait.start] + " " * (wait.end - wait.start) + body[wait.end:]


#: A locking read's clause (cheap test before the tokens are looked at).
_LOCKING_READ = re.compile(r"\b(?:FOR\s+(?:UPDATE|SHARE)|LOCK\s+IN\s+SHARE\s+MODE)\b", re.I)
#: MySQL's FOR SHARE, FOR ... OF, NOWAIT and SKIP LOCKED arrived in 8.0.1 (its 8.0 manual,
#: "Locking Reads", Locking Read Concurrency with NOWAIT and SKIP LOCKED).
_LOCKING_READ_OPTIONS_FROM = (8, 0, 1)
#: MariaDB's SKIP LOCKED arrived in 10.6.0 (MDEV-13115; the knowledge base's SELECT).
_SKIP_LOCKED_FROM = (10, 6, 0)


def _locking_read(body: str, tokens: list | None, dialect: str, version: tuple[int, ...]
                  ) -> tuple[str, int, int] | None:
    """Where the server stops in a locking read's clause, as (message, offset, length); None
    when it reads every one. MySQL (its manual's "SELECT Statement", 15.2.13 in 8.4): FOR
    {UPDATE | SHARE} [OF t, ...] [NOWAIT | SKIP LOCKED] | LOCK IN SHARE MODE, the latter with
    no option, FOR SHARE, OF and the options from 8.0.1. MariaDB (checked on 10.11): FOR
    UPDATE | LOCK IN SHARE MODE, then [WAIT n | NOWAIT | SKIP LOCKED] (its lock wait from
    10.3.0, SKIP LOCKED from 10.6), no FOR SHARE, no OF. One option at most on both.
    `tokens`: `body`'s, None to read them here."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    if not _LOCKING_READ.search(body):
        return None
    try:
        tokens = mysql_tokens(body) if tokens is None else tokens
    except TokenError:
        return None
    words = [tok.text.upper() for tok in tokens]
    mariadb = dialect == "mariadb"
    old = not mariadb and (*version, 0, 0)[:3] < _LOCKING_READ_OPTIONS_FROM

    def keyword(i: int) -> bool:
        return i < len(tokens) and tokens[i].token_type != TokenType.IDENTIFIER

    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.FOR and words[i + 1:i + 2] in (["UPDATE"], ["SHARE"]) \
                and keyword(i + 1):
            clause, j = f"FOR {words[i + 1]}", i + 2
        elif tok.token_type == TokenType.LOCK and words[i + 1:i + 4] == ["IN", "SHARE", "MODE"]:
            clause, j = "LOCK IN SHARE MODE", i + 4
        else:
            continue
        found, at = "", j
        if clause == "FOR SHARE" and (mariadb or old):
            found, at = ("MySQL's FOR SHARE; MariaDB writes LOCK IN SHARE MODE" if mariadb else
                         "FOR SHARE arrived in MySQL 8.0.1; before it, LOCK IN SHARE MODE"), i + 1
        elif words[j:j + 1] == ["OF"] and keyword(j) and clause != "LOCK IN SHARE MODE":
            if mariadb or old:
                found = ("MySQL's FOR UPDATE OF; MariaDB locks the rows it reads of every table: "
                         "leave OF out" if mariadb else "FOR ... OF arrived in MySQL 8.0.1")
            j += 2  # OF name [, name ...], each name maybe qualified
            while words[j:j + 1] in ([","], ["."]):
                j += 2
        options = 0
        while not found and keyword(j):
            option, width = (("WAIT n", 2) if words[j] == "WAIT" and j + 1 < len(tokens) and
                             tokens[j + 1].token_type == TokenType.NUMBER else
                             ("NOWAIT", 1) if words[j] == "NOWAIT" else
                             ("SKIP LOCKED", 2) if words[j:j + 2] == ["SKIP", "LOCKED"] else
                             ("", 0))
            if not option:
                break
            found, at = _locking_read_option(option, clause, options, mariadb, version), j
            options, j = options + 1, j + width
        if found:
            return (f'syntax error at or near "{tokens[at].text}" ({found})', tokens[at].start,
                    len(tokens[at].text))
    return None


def _locking_read_option(option: str, clause: str, before: int, mariadb: bool,
                         version: tuple[int, ...]) -> str:
    """Why the server refuses a locking read's `option` (WAIT n, NOWAIT, SKIP LOCKED) after
    `clause` and `before` other options (_locking_read); "" when it reads it."""
    instead = "SET SESSION innodb_lock_wait_timeout = n before the SELECT"
    if before:
        return "one of WAIT n, NOWAIT and SKIP LOCKED at most"
    if mariadb and option != "SKIP LOCKED" and (*version, 0, 0)[:3] < _LOCK_WAIT_FROM:
        return f"WAIT n / NOWAIT arrived in MariaDB 10.3.0; before it, {instead}"
    if mariadb and option == "SKIP LOCKED" and (*version, 0, 0)[:3] < _SKIP_LOCKED_FROM:
        return "SKIP LOCKED arrived in MariaDB 10.6"
    if mariadb:
        return ""
    if option == "WAIT n":
        return f"MariaDB's WAIT n; MySQL has NOWAIT (8.0.1), or {instead}"
    if (*version, 0, 0)[:3] < _LOCKING_READ_OPTIONS_FROM:
        return f"{option} arrived in MySQL 8.0.1"
    if clause == "LOCK IN SHARE MODE":
        return f"MySQL's LOCK IN SHARE MODE takes no option: write FOR SHARE {option}"
    return ""


def _first_alter_token(tokens: list, words: list[str]):
    """The first token after `ALTER [ONLINE] [IGNORE] TABLE name` (where MariaDB takes its
    lock wait, WAIT n | NOWAIT); None for another statement."""
    clause, _ = next(alter_table_clauses(tokens, words), ([], None))
    return clause[0] if clause else None


#: MySQL's column attributes MariaDB refuses (parse/mariadb_clauses.py reads them on MySQL).
_MYSQL_COLUMN_ATTRIBUTES = frozenset({"COLUMN_FORMAT", "STORAGE", "ENGINE_ATTRIBUTE",
                                      "SECONDARY_ENGINE_ATTRIBUTE", "VISIBLE"})


def _mysql_column_attribute(tokens: list, words: list[str], i: int
                            ) -> tuple[str, int, int] | None:
    """Where MariaDB stops at MySQL's column attribute at word `i`, as (message, offset,
    length); None when it is not one (checked on MariaDB 10.11): error 1064 at COLUMN_FORMAT's
    value, at STORAGE DISK | MEMORY, at an *ENGINE_ATTRIBUTE's string written without `=`, at
    a column's VISIBLE (an index's it reads); with `=`, an *ENGINE_ATTRIBUTE is an option of
    the engine's own, which InnoDB does not know (error 1911, a column's, an index's or the
    table's: said as the server says it, not as a 1064)."""
    from sqlglot.tokens import TokenType

    word, after = words[i], tokens[i + 1] if i + 1 < len(tokens) else None
    if word == "COLUMN_FORMAT" and after is not None and \
            words[i + 1] in ("FIXED", "DYNAMIC", "DEFAULT"):
        return _stops_at(after, "MySQL's COLUMN_FORMAT column attribute (NDB's); MariaDB has "
                                "none: leave it out")
    if word == "STORAGE" and after is not None and words[i + 1] in ("DISK", "MEMORY"):
        return _stops_at(tokens[i], "MySQL's STORAGE column attribute (NDB's); MariaDB has "
                                    "none: leave it out")
    if word.endswith("ENGINE_ATTRIBUTE") and after is not None:
        if after.token_type == TokenType.EQ:
            return (f"error 1911: \"Unknown option '{tokens[i].text}'\" (MySQL's {word}; "
                    "MariaDB's InnoDB has no such option: leave it out)", tokens[i].start,
                    len(tokens[i].text))
        if after.token_type == TokenType.STRING:  # the token's text is without its quotes
            return (f"syntax error at or near \"'{after.text}'\" (MySQL's {word}; MariaDB has "
                    "none: leave it out)", after.start, after.end + 1 - after.start)
    if word == "VISIBLE" and _column_visibility(tokens, words, i):
        return _stops_at(tokens[i], "MySQL's VISIBLE column (8.0.23); MariaDB's columns are "
                                    "visible unless INVISIBLE: leave it out")
    return None


def _column_visibility(tokens: list, words: list[str], i: int) -> bool:
    """Whether the VISIBLE or INVISIBLE at word `i` is a column's attribute (after its type,
    another attribute or a literal, before the next attribute or the definition's end), not
    an index's option nor a name."""
    from sqlglot.tokens import TokenType

    after = tokens[i + 1] if i + 1 < len(tokens) else None
    return i > 1 and tokens[i].token_type != TokenType.IDENTIFIER and (
        _follows_type(tokens, i) or words[i - 1] in _COLUMN_ATTRIBUTE_ENDS or
        tokens[i - 1].token_type in (TokenType.STRING, TokenType.NUMBER)) and \
        not _is_index_option(tokens, words, i) and \
        (after is None or after.token_type in (TokenType.COMMA, TokenType.R_PAREN) or
         words[i + 1] in _COLUMN_ATTRIBUTE_WORDS)


#: Words that end a column attribute (what may come before a column's VISIBLE, besides its
#: type and a literal; a column named `visible` comes after `(`, `,`, COLUMN, DROP, AFTER ...).
_COLUMN_ATTRIBUTE_ENDS = frozenset({"NULL", "AUTO_INCREMENT", "KEY", "UNIQUE", "INVISIBLE",
                                    "FIXED", "DYNAMIC", "DISK", "MEMORY", "STORED", "VIRTUAL",
                                    "CURRENT_TIMESTAMP", "TRUE", "FALSE"})
#: Words that begin a column attribute (what may follow a column's VISIBLE).
_COLUMN_ATTRIBUTE_WORDS = frozenset({"NOT", "NULL", "DEFAULT", "COMMENT", "AUTO_INCREMENT",
                                     "UNIQUE", "PRIMARY", "KEY", "COLLATE", "CHECK",
                                     "REFERENCES", "COLUMN_FORMAT", "STORAGE",
                                     "ENGINE_ATTRIBUTE", "SECONDARY_ENGINE_ATTRIBUTE",
                                     "FIRST", "AFTER"})


def _reference_system(tokens: list, words: list[str], i: int, mariadb: bool
                      ) -> tuple[str, int, int] | None:
    """Where the server stops at the REF_SYSTEM_ID at word `i`, as (message, offset, length);
    None when it reads it. MySQL has none (its manual, 15.1.20 "CREATE TABLE Statement": SRID
    n); MariaDB reads `= n` right after a spatial type, before the column's other attributes
    (checked on MariaDB 10.11: error 1064 at REF_SYSTEM_ID after NOT NULL or INT, at n
    without `=`)."""
    if not mariadb:
        return _stops_at(tokens[i], "MariaDB's REF_SYSTEM_ID column attribute; MySQL writes "
                                    "SRID n")
    if not _SPATIAL_TYPE_NAMES.fullmatch(words[i - 1]):
        return _stops_at(tokens[i], "MariaDB reads REF_SYSTEM_ID = n right after a spatial "
                                    "type, before the column's NOT NULL, DEFAULT and other "
                                    "attributes")
    if words[i + 1:i + 2] != ["="] and i + 1 < len(tokens):
        return _stops_at(tokens[i + 1], "MariaDB writes REF_SYSTEM_ID = n")
    return None


def _follows_type(tokens: list, i: int) -> bool:
    """Whether the token at `i` comes right after a column's type (`BLOB`, `VARCHAR(100)`)."""
    from sqlglot.dialects.mysql import MySQL
    from sqlglot.tokens import TokenType

    j = i - 1
    if j > 0 and tokens[j].token_type == TokenType.R_PAREN:  # a length: VARCHAR(100)
        while j > 0 and tokens[j].token_type != TokenType.L_PAREN:
            j -= 1
        j -= 1
    return j >= 0 and tokens[j].token_type in MySQL.Parser.TYPE_TOKENS


#: The words that come right before an index's column list, or before the name in front of it
#: (`KEY k (...)`, `UNIQUE (...)`, `FULLTEXT (...)`, `CREATE INDEX i ON t (...)`); a column's
#: type never does.
_BEFORE_INDEX_COLUMNS = {"KEY", "INDEX", "UNIQUE", "FULLTEXT", "SPATIAL", "ON"}
#: The index options written `NAME [=] value` (MySQL 8.4 manual, 15.1.15 "CREATE INDEX
#: Statement", index_option; MariaDB knowledge base, "CREATE INDEX": CLUSTERING = YES | NO).
_VALUED_INDEX_OPTIONS = {"COMMENT", "KEY_BLOCK_SIZE", "ENGINE_ATTRIBUTE",
                         "SECONDARY_ENGINE_ATTRIBUTE", "CLUSTERING"}


def _is_index_option(tokens: list, words: list[str], at: int) -> bool:
    """Whether the word at `at` is an option of an index definition: after its column list,
    with only other index options between (`(a) USING BTREE COMMENT 'x' INVISIBLE`); a
    column's attributes (`VARCHAR(10) COMMENT 'x' INVISIBLE`) are not."""
    from sqlglot.tokens import TokenType

    j = at - 1
    while j >= 0:
        if words[j] == ")":
            return _closes_index_columns(tokens, words, j)
        if words[j] in ("VISIBLE", "INVISIBLE", "IGNORED"):
            j -= 1 + (words[j] == "IGNORED" and j > 0 and words[j - 1] == "NOT")
        elif j > 0 and words[j - 1] == "USING":
            j -= 2
        elif j > 1 and words[j - 2:j] == ["WITH", "PARSER"]:
            j -= 3
        elif tokens[j].token_type in (TokenType.STRING, TokenType.NUMBER) or \
                words[j] in ("YES", "NO"):
            j -= 1 + (j > 0 and words[j - 1] == "=")
            if j < 0 or words[j] not in _VALUED_INDEX_OPTIONS:
                return False
            j -= 1
        else:
            return False
    return False


def _closes_index_columns(tokens: list, words: list[str], close: int) -> bool:
    """Whether the `)` at `close` ends an index's column list, not a column type's length
    (`VARCHAR(10) INVISIBLE` is MariaDB's invisible column too)."""
    from sqlglot.tokens import TokenType

    depth = 0
    for j in range(close, -1, -1):
        kind = tokens[j].token_type
        depth += (kind == TokenType.R_PAREN) - (kind == TokenType.L_PAREN)
        if depth == 0:
            before = j - 1 - 2 * (j > 1 and words[j - 2] == "USING")  # `KEY k USING BTREE (`
            return any(k >= 0 and words[k] in _BEFORE_INDEX_COLUMNS and
                       tokens[k].token_type != TokenType.IDENTIFIER for k in (before, before - 1))
    return False


#: MySQL's functional key parts (an index on an expression); MySQL 8.4 manual, 15.1.15 "CREATE
#: INDEX Statement", "Functional Key Parts" (8.0.13 and later).
FUNCTIONAL_KEY_PARTS_FROM = (8, 0, 13)
#: The words after which a parenthesized list is an index's key parts (a name, or USING
#: BTREE, may come between): ADD INDEX i (...), UNIQUE KEY (...), CREATE INDEX i ON t (...).
_KEY_LIST_AFTER = {"INDEX", "KEY", "UNIQUE", "ON"}


def functional_key_parts(tokens: list, words: list[str]) -> list[int]:
    """The positions, in `tokens`, of the opening parentheses of an index's functional key
    parts: `((lower(email)))`, the `(b * 2)` of `(a, (b * 2))`."""
    from sqlglot.tokens import TokenType

    found: list[int] = []
    lists: list[bool] = []  # for each open parenthesis: whether it opens a key part list
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            before = [w for w in words[max(0, i - 3):i]]
            if before[-2:-1] == ["USING"]:
                before = before[:-2]
            key_list = bool(before) and (before[-1] in _KEY_LIST_AFTER or (
                len(before) > 1 and before[-2] in _KEY_LIST_AFTER)) and \
                "FOREIGN" not in before and "PRIMARY" not in before
            if lists and lists[-1] and tokens[i - 1].token_type in (TokenType.L_PAREN,
                                                                   TokenType.COMMA):
                found.append(i)
            lists.append(key_list)
        elif tok.token_type == TokenType.R_PAREN and lists:
            lists.pop()
    return found


#: MySQL's CHECK enforcement: ALTER CHECK ... [NOT] ENFORCED, DROP CHECK and [NOT] ENFORCED
#: after a CHECK (8.0.16), ALTER CONSTRAINT ... [NOT] ENFORCED and DROP CONSTRAINT (8.0.19);
#: MySQL 8.0 manual, 15.1.9 "ALTER TABLE Statement" (Foreign Keys and Other Constraints) and
#: 15.1.20.6 "CHECK Constraints".
_ALTER_CHECK_FROM = {"CHECK": (8, 0, 16), "CONSTRAINT": (8, 0, 19)}
#: What to write instead on a MySQL without DROP CHECK / DROP CONSTRAINT.
_DROP_BEFORE = {"CHECK": "; before it a CHECK is parsed and ignored: there is none to drop",
                "CONSTRAINT": ": write DROP CHECK, DROP FOREIGN KEY, DROP INDEX or DROP "
                              "PRIMARY KEY"}


def _check_enforcement(words: list[str], i: int, mariadb: bool,
                       version: tuple[int, ...]) -> str:
    """Why the server refuses the CHECK enforcement at word `i` ("" when it does not or there
    is none): MariaDB enforces every CHECK constraint and has no [NOT] ENFORCED (checked on
    MariaDB 10.11, error 1064 at ALTER's CHECK / CONSTRAINT and at the words after a CHECK's
    expression); MySQL has it from the versions above."""
    word, previous = words[i], words[i - 1] if i else ""
    if previous == "ALTER" and word in _ALTER_CHECK_FROM and \
            words[i + 2:i + 3] in (["ENFORCED"], ["NOT"]):
        if mariadb:
            return ("MySQL's ALTER " + word + " ... [NOT] ENFORCED; MariaDB enforces every "
                    "CHECK constraint: DROP CONSTRAINT, or ADD it again")
        since = _ALTER_CHECK_FROM[word]
        if version < since:
            return f"ALTER {word} ... [NOT] ENFORCED arrived in MySQL " + \
                ".".join(map(str, since))
        return ""
    enforced = word == "ENFORCED" or (word == "NOT" and words[i + 1:i + 2] == ["ENFORCED"])
    if enforced and previous == ")" and mariadb:
        return "MySQL's [NOT] ENFORCED; MariaDB enforces every CHECK constraint"
    if enforced and previous == ")" and version < _ALTER_CHECK_FROM["CHECK"]:
        return "a CHECK's [NOT] ENFORCED arrived in MySQL " + \
            ".".join(map(str, _ALTER_CHECK_FROM["CHECK"])) + ", which began enforcing them"
    return ""


def _lock_tables_syntax(read: tuple[list, int], body: str, mariadb: bool,
                        version: tuple[int, ...]) -> tuple[str, int, int] | None:
    """A LOCK TABLES entry without a lock type (both servers refuse it), or, on MySQL,
    MariaDB's WRITE CONCURRENT and WAIT n / NOWAIT (the manual's "LOCK TABLES and UNLOCK TABLES
    Statements", 13.3.6 in 8.0, 15.3.6 in 8.4); WAIT n / NOWAIT before MariaDB 10.3.0 too."""
    entries, stopped = read
    rest = body[stopped:]
    if rest.strip():
        at = stopped + len(rest) - len(rest.lstrip())
        near = rest.split(None, 1)[0].rstrip(",")
        return (f'syntax error at or near "{near}" (LOCK TABLES needs a lock type for each '
                f'table: READ [LOCAL] or [LOW_PRIORITY] WRITE)', at, len(near))
    for entry in entries:
        option = re.search(r"\b(?:CONCURRENT|(?:NO)?WAIT)\b", body[entry.start("kind"):], re.I)
        if option is None:
            continue
        at, near = entry.start("kind") + option.start(), option.group(0)
        if near.upper() != "CONCURRENT":
            if found := lock_wait_refused("LOCK TABLES", mariadb, version):
                return f'syntax error at or near "{near}" ({found})', at, len(near)
        elif not mariadb:
            return (f'syntax error at or near "{near}" (MariaDB\'s LOCK TABLES option: MySQL '
                    f'has none)', at, len(near))
    return None


#: Clauses that take a list of names, whose later names follow a comma outside parentheses:
#: DROP / TRUNCATE / ANALYZE ... PARTITION p1, p2 and ORDER BY a, b.
_LISTING = re.compile(r"^(?:\w+\s+PARTITION|ORDER\s+BY|ORDER)\b", re.I)


def _partitioning_apart(clause: list) -> list[list]:
    """The tokens of an ALTER TABLE clause, with a PARTITION BY or REMOVE PARTITIONING
    after an operation (outside parentheses) a clause of its own: both servers' grammar
    takes them after the other operations with no comma (`ADD COLUMN z INT PARTITION BY
    HASH (id) PARTITIONS 4` adds the column and partitions; with a comma it is 1064)."""
    from sqlglot.tokens import TokenType

    depth = 0
    for i, tok in enumerate(clause):
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        if i and depth == 0 and (tok.token_type == TokenType.PARTITION_BY or (
                tok.token_type == TokenType.VAR and tok.text.upper() == "REMOVE" and
                clause[i + 1:i + 2] and clause[i + 1].text.upper() == "PARTITIONING")):
            return [clause[:i], clause[i:]]
    return [clause] if clause else []


def alter_operations_text(sql: str) -> list[str]:
    """An ALTER TABLE's operations as written, one text each (split at the commas outside
    parentheses and quotes; a list of partitions or of ORDER BY columns stays one); [] for
    another statement or text the tokenizer cannot read."""
    from sqlglot.errors import TokenError

    try:
        tokens = mysql_tokens(sql)
    except TokenError:
        return []
    words = [tok.text.upper() for tok in tokens]
    found: list[str] = []
    for clause in (part for whole, _ in alter_table_clauses(tokens, words)
                   for part in _partitioning_apart(whole)):
        text = sql[clause[0].start:clause[-1].end + 1].rstrip("; \t\r\n")
        if not text:
            continue
        if found and first_word(clause[0].text) not in _ALTER_TABLE_WORDS and \
                _LISTING.match(found[-1]):
            found[-1] += ", " + text
        else:
            found.append(text)
    return found


def first_word(text: str) -> str:
    """The first word of a token's `text`, upper case: the tokenizer reads some keyword pairs
    as one token (`PARTITION BY`); "" for a quoted name of spaces alone (`` `\n` ``)."""
    return (text.upper().split() or [""])[0]


def _unknown_alter_operation(tokens: list, words: list[str]) -> tuple[str, int, int] | None:
    """The first word of an operation of `ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] name ...`
    that neither server knows (sqlglot keeps any ALTER it cannot parse as a command): the
    first one's, or one after a comma (not a name in a list of partitions or ORDER BY
    columns)."""
    from sqlglot.tokens import TokenType

    if (name := alter_table_name_at(words)) is None or name >= len(words):
        return None
    i = _after_name(tokens, name)
    if i >= len(tokens) or tokens[i].token_type in (TokenType.COMMA, TokenType.SEMICOLON):
        return None
    if first_word(words[i]) not in _ALTER_TABLE_WORDS:
        near = tokens[i].text
        return f'syntax error at or near "{near}"', tokens[i].start, len(near)
    previous = ""
    for clause, comma in alter_table_clauses(tokens, words):
        if not clause or clause[0].token_type == TokenType.SEMICOLON:
            continue
        word = first_word(clause[0].text)
        if comma is not None and word not in _ALTER_TABLE_WORDS and \
                not _LISTING.match(previous):
            return f'syntax error at or near "{clause[0].text}"', clause[0].start, \
                len(clause[0].text)
        if word in _ALTER_TABLE_WORDS:
            previous = " ".join(t.text for t in clause[:2])
    return None


def _parse_statement(body: str, reader: object, mariadb: bool = False):
    """One statement's sqlglot tree (`mariadb`: as MariaDB reads it); ParseError for text
    that is not MySQL."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    if compound := _TOP_LEVEL_COMPOUND.match(body):
        # its body is not linted, as a stored program's is not
        return exp.Command(this=compound.group(1).split()[0].upper(),
                           expression=body[len(compound.group(1).split()[0]):].lstrip())
    if body[:4].upper() == "LOAD":  # (LOAD DATA sqlglot refuses, LOAD XML keeps a command)
        from lockwise.parse.mysql_files import load_as_insert

        if (loaded := load_as_insert(body)) is not None:
            return loaded  # LOAD DATA INFILE 'f' INTO TABLE t: the INSERT into t it is
    try:
        tree = sqlglot.parse_one(body, read=reader)
    except ParseError:
        from lockwise.parse.mysql_files import without_into

        if (text := without_into(body)) is not None and \
                (query := _reparsed(text, body, reader)) is not None:
            return query  # SELECT ... INTO OUTFILE 'f', SELECT ... FROM t INTO @v: the SELECT
        if (if_exists := _without_if_exists(body, reader)) is not None:
            return if_exists  # MariaDB's ADD INDEX IF NOT EXISTS ...
        from lockwise.parse.mariadb_clauses import mark_compressed, readable_text

        if (text := readable_text(body, mariadb)) is not None:
            if (rewritten := _read_rewritten(text, body, reader)) is not None:
                mark_compressed(rewritten, body)
                return rewritten  # DEFAULT NEXT VALUE FOR s, WITH SYSTEM VERSIONING ...
            try:  # read as a command, as the statement is without the clauses
                if isinstance(sqlglot.parse_one(text, read=reader), exp.Command):
                    first, _, rest = body.partition(" ")
                    return exp.Command(this=first.upper(), expression=rest)
            except ParseError:
                pass
        if (definition := _readable_definition(body, reader)) is not None:
            return definition
        if (synonyms := _with_synonyms(body, reader)) is not None:
            return synonyms  # a CREATE TABLE with a MariaDB PERSISTENT column
        if not _SQLGLOT_GAPS.match(body) and not (
                "PARTITION" in body.upper() and _ALTER_TABLE.match(body) and
                _LATER_PARTITION_OPERATION.search(body)):
            raise
        first, _, rest = body.partition(" ")
        return exp.Command(this=first.upper(), expression=rest)
    if _is_expression(tree) and _SQLGLOT_GAPS.match(body):
        # SHUTDOWN, STOP REPLICA: read by sqlglot as a column (and its alias)
        first, _, rest = body.partition(" ")
        return exp.Command(this=first.upper(), expression=rest)
    if isinstance(tree, exp.Create) and _parsed_partitioning(tree) and \
            (definition := _readable_definition(body, reader)) is not None:
        # CREATE TABLE ... PARTITION BY RANGE / LIST, which sqlglot parses: read without it
        # as the HASH and KEY ones are, so the catalog knows the table is partitioned
        return definition
    if isinstance(tree, exp.Alter) and (_parsed_partitioning(tree) or
                                        _SYSTEM_VERSIONING.search(body)):
        # ALTER TABLE ... PARTITION BY RANGE / LIST, which sqlglot parses (HASH and KEY it
        # keeps as commands): read from its text as those are (it was read as doing nothing);
        # DROP SYSTEM VERSIONING, a command inside the tree that takes the clauses after it
        first, _, rest = body.partition(" ")
        return exp.Command(this=first.upper(), expression=rest)
    if isinstance(tree, exp.Command) and _ALTER_TABLE.match(body) and \
            (if_exists := _without_if_exists(body, reader)) is not None:
        return if_exists  # MariaDB's ADD UNIQUE KEY IF NOT EXISTS ...
    if isinstance(tree, exp.Command) and _ALTER_TABLE.match(body):
        from lockwise.parse.mariadb_clauses import mark_compressed, readable_text

        if (text := readable_text(body, mariadb)) is not None and \
                (rewritten := _read_rewritten(text, body, reader)) is not None:
            mark_compressed(rewritten, body)
            return rewritten  # ADD COLUMN x INT COLUMN_FORMAT FIXED; MariaDB's z TEXT COMPRESSED
    if isinstance(tree, exp.Command) and (_CREATE_TABLE.match(body) or _ALTER_TABLE.match(body)) \
            and \
            (definition := _readable_definition(body, reader)) is not None:
        return definition
    if isinstance(tree, exp.Command) and tree.this == "REPLACE" and \
            (replace := _replace_as_insert(body, reader)) is not None:
        return replace
    if isinstance(tree, exp.Command) and (synonyms := _with_synonyms(body, reader)) is not None:
        return synonyms
    if isinstance(tree, exp.Command) and (view := VIEW_WITH_OPTIONS.match(body)):
        # CREATE DEFINER = u VIEW, ALTER ALGORITHM = x VIEW ...: sqlglot reads the view
        # without its options, which tell nothing about the tables it names
        start, end = view.span("options")
        text = body[:start] + OBJECT_OPTIONS.sub(lambda m: " " * len(m.group(0)),
                                                 body[start:end]) + body[end:]
        if (plain := _reparsed(text, body, reader)) is not None:
            return plain
    return tree


def _replace_as_insert(body: str, reader: object):
    """`body`, a REPLACE statement (which sqlglot keeps as a command), read as the INSERT it
    is written as (its priority too, LOW_PRIORITY or DELAYED: mariadb_clauses), marked with
    sqlglot's INSERT OR REPLACE (`alternative`): its grammar is INSERT's without IGNORE and ON
    DUPLICATE KEY UPDATE, and it holds INSERT's locks and DELETE's for its delete side (checked
    on MariaDB 10.11). ParseError where that INSERT is one; None when sqlglot reads what
    REPLACE does not have: it stays a command, which _refused_by_mysql refuses."""
    import sqlglot
    from sqlglot import exp

    from lockwise.parse.mariadb_clauses import without_priority

    insert = "INSERT " + body[len("REPLACE"):]  # (as long: offsets kept)
    tree = sqlglot.parse_one(without_priority(insert) or insert, read=reader)
    if not isinstance(tree, exp.Insert) or tree.args.get("ignore") or \
            tree.args.get("conflict") is not None:
        return None
    tree.set("alternative", "REPLACE")
    return tree


def _parsed_partitioning(tree) -> bool:
    """Whether sqlglot read a PARTITION BY in `tree`, a CREATE or an ALTER (its RANGE / LIST
    partitioning with the partitions defined; HASH and KEY it keeps as commands)."""
    options = tree.args.get("options") or []
    if (properties := tree.args.get("properties")) is not None:
        options = [*options, *properties.expressions]
    return any(type(option).__name__.startswith("PartitionBy") for option in options)


def _without_if_exists(body: str, reader: object):
    """`body`, an ALTER TABLE, read without the IF [NOT] EXISTS of its clauses that sqlglot
    cannot read (MariaDB's: parse/mariadb_alter_if_exists.py), each action marked that had
    one; None when there is none, or the rest is still unreadable."""
    from lockwise.parse.mariadb_alter_if_exists import mark_if_exists, without_if_exists

    if (text := without_if_exists(body)) is None:
        return None
    if (tree := _read_rewritten(text, body, reader)) is not None:
        mark_if_exists(tree, body)
    return tree


def _read_rewritten(text: str, body: str, reader: object):
    """The tree of `text`, `body` rewritten for sqlglot, as it is or with what
    _readable_definition leaves out; None when still unreadable."""
    if (tree := _reparsed(text, body, reader)) is not None:
        return tree
    return _readable_definition(text, reader)


def _with_synonyms(body: str, reader: object):
    """`body` read with MariaDB's spellings replaced by those sqlglot reads (_SYNONYMS, and
    an index's [NOT] IGNORED); None when there are none, or sqlglot still cannot read it."""
    plain = body
    for pattern, replacement in _SYNONYMS:
        plain = pattern.sub(replacement, plain)
    return _reparsed(_ignored_as_visibility(plain), body, reader)


def _ignored_as_visibility(text: str) -> str:
    """`text` with each index definition's [NOT] IGNORED (MariaDB 10.6+) written as MySQL's
    [IN]VISIBLE, which sqlglot reads and means the same to the effect model."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = mysql_tokens(text)
    except TokenError:
        return text
    words = [tok.text.upper() for tok in tokens]
    for i in reversed(range(len(tokens))):  # from the end: earlier offsets stay right
        negated = i > 0 and words[i - 1] == "NOT"
        if words[i] != "IGNORED" or tokens[i].token_type == TokenType.IDENTIFIER or \
                not _is_index_option(tokens, words, i - negated):
            continue
        start = tokens[i - negated].start
        text = text[:start] + ("VISIBLE" if negated else "INVISIBLE") + text[tokens[i].end + 1:]
    return text


def _reparsed(text: str, body: str, reader: object):
    """The tree of `text`, `body` rewritten for sqlglot; None when nothing was rewritten or
    sqlglot still cannot read it (a parse error, or a command)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    if text == body:
        return None
    try:
        tree = sqlglot.parse_one(text, read=reader)
    except ParseError:
        return None
    return None if isinstance(tree, exp.Command) else tree


def _readable_definition(body: str, reader: object):
    """`body` read without what sqlglot cannot parse and lockwise does not need (see
    _SPATIAL_TYPES): a POINT column or a partitioned CREATE TABLE must still reach the catalog.
    None when it is still not readable, or nothing was left out."""
    from sqlglot import exp

    from lockwise.parse.mariadb_clauses import TABLE_VERSIONING, blank, inet_as_read, keep_types

    unsigned = {(quoted or bare).replace("``", "`").lower()
                for quoted, bare, _, _ in _UNSIGNED_FLOAT.findall(body)}
    text = _UNSIGNED_FLOAT.sub(lambda m: m.group(0)[:m.start(4) - m.start(0)] + " " * 8,
                               _SRID.sub("", _SPATIAL_TYPES.sub("GEOMETRY", body)))
    text, inet_types = inet_as_read(text) if "INET" in text.upper() else (text, [])
    partitioned = False
    if _CREATE_TABLE.match(text):
        text = TABLE_VERSIONING.sub(blank, text)  # MariaDB's system-versioned table
        whole, text = text, _before_partitioning(text)
        partitioned = text != whole
    text, not_enforced = _without_check_enforcement(text)
    # `[CONSTRAINT [symbol]] CHECK (expr)`: sqlglot reads an unnamed CHECK that ALTER TABLE
    # adds only after a bare CONSTRAINT, which MySQL and MariaDB take as the same
    text = _ADD_UNNAMED_CHECK.sub(r"\1 CONSTRAINT CHECK", text)
    if (tree := _reparsed(text, body, reader)) is not None:
        _keep_spatial_types(tree, body)
        keep_types(tree, inet_types)
        checks = list(tree.find_all(exp.CheckColumnConstraint, bfs=False))
        if len(checks) == len(not_enforced):  # else unmarked: enforced, as by default
            for check, suspended in zip(checks, not_enforced, strict=True):
                check.meta["not_enforced"] = suspended
        for column in tree.find_all(exp.ColumnDef) if unsigned else ():
            if column.name.lower() in unsigned:
                column.meta["unsigned"] = True
        if partitioned:  # the catalog knows the table is partitioned, and how (effects/mysql.py)
            by = PARTITION_KIND.search(whole[len(text):])
            tree.meta["partitioned"] = by.group(1).lower() if by else "unknown"
            tree.meta["partition_key"] = partition_key(whole[len(text):])
            tree.meta["partitioning"] = whole[len(text):]
    return tree


#: An ALTER TABLE's `ADD CHECK (`, without CONSTRAINT.
_ADD_UNNAMED_CHECK = re.compile(r"\b(ADD)\s+CHECK(?=\s*\()", re.IGNORECASE)


def _without_check_enforcement(text: str) -> tuple[str, list[bool]]:
    """`text` with the `[NOT] ENFORCED` after each CHECK (...) blanked out (sqlglot's grammar
    stops at NOT ENFORCED; offsets are kept), and for each CHECK, in order, whether it is NOT
    ENFORCED (MySQL 8.0.16+, the manual's "CHECK Constraints": a constraint created so is
    not checked, the rows already there neither)."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    try:
        tokens = mysql_tokens(text)
    except TokenError:
        return text, []
    not_enforced: list[bool] = []
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.IDENTIFIER or tok.text.upper() != "CHECK" or \
                tokens[i + 1:i + 2] == [] or tokens[i + 1].text != "(":
            continue
        depth, end = 0, i + 1
        for end in range(i + 1, len(tokens)):
            depth += (tokens[end].text == "(") - (tokens[end].text == ")")
            if depth == 0:
                break
        after = [t.text.upper() for t in tokens[end + 1:end + 3]]
        words = 2 if after == ["NOT", "ENFORCED"] else 1 if after[:1] == ["ENFORCED"] else 0
        not_enforced.append(words == 2)
        if words:
            start, stop = tokens[end + 1].start, tokens[end + words].end + 1
            text = text[:start] + " " * (stop - start) + text[stop:]
    return text, not_enforced


_PARTITION_BY = re.compile(
    r"\bPARTITION\s+BY\s+(?:LINEAR\s+)?(?:RANGE|LIST|HASH|KEY)(?:\s+ALGORITHM\s*=\s*\d+)?"
    r"(?:\s+COLUMNS)?\s*\(", re.IGNORECASE)
_KEY_PART = re.compile(r"`((?:[^`]|``)+)`|([A-Za-z_$][\w$]*)(\s*\()?")


def partition_key(text: str) -> tuple[str, ...]:
    """The columns the `PARTITION BY` in `text` names, lower case, in order (none for
    `KEY ()`, which partitions by the primary key, nor when `text` has no PARTITION BY)."""
    found = _PARTITION_BY.search(text)
    if found is None:
        return ()
    depth, end = 1, found.end()
    while end < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        end += 1
    return tuple(dict.fromkeys(
        (quoted or bare).replace("``", "`").lower()
        for quoted, bare, call in _KEY_PART.findall(text[found.end():end - 1]) if not call))


#: A partition definition's start: `PARTITION name` after the list's `(` or a `,`.
_PARTITION_DEFINITION = re.compile(r"\s*PARTITION\s+(`(?:[^`]|``)+`|[\w$]+)", re.IGNORECASE)
_PARTITION_COUNT = re.compile(r"\bPARTITIONS\s+(\d+)", re.IGNORECASE)


#: A SUBPARTITION BY clause up to its expression's opening parenthesis.
_SUBPARTITION_BY = re.compile(r"\s*SUBPARTITION\s+BY\s+(?:LINEAR\s+)?(?:HASH|KEY)"
                              r"(?:\s+ALGORITHM\s*=\s*\d+)?\s*\(", re.IGNORECASE)


def _past_parentheses(text: str, end: int) -> int:
    """Where the parenthesised text opened just before `end` closes (after its `)`)."""
    depth = 1
    while end < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        end += 1
    return end


def subpartitioned(text: str) -> bool:
    """Whether the partitioning clause `text` sub-partitions its partitions."""
    return re.search(r"\bSUBPARTITION\s+BY\b", text, re.IGNORECASE) is not None


def partition_names(text: str) -> tuple[str, ...] | None:
    """The names, lower case and in order, of the partitions the partitioning clause `text`
    (`PARTITION BY ... [PARTITIONS n] [(PARTITION p ..., ...)]`) defines: those its list
    names, else p0 .. p<n-1> (the server's names for HASH / KEY `PARTITIONS n`, one when no
    count is written; checked on MariaDB 10.11). A sub-partitioned table's are its
    partitions' (its list's), not the sub-partitions' (fix-mysql61). None when it cannot
    tell: a list it does not read."""
    found = _PARTITION_BY.search(text)
    if found is None:
        return None
    end = _past_parentheses(text, found.end())  # past the partitioning expression
    if sub := _SUBPARTITION_BY.match(text, end):
        end = _past_parentheses(text, sub.end())
        return partition_list_names(text[end:]) if "(" in text[end:] else None
    rest = text[end:]
    if "(" not in rest:
        count = _PARTITION_COUNT.search(rest)
        return tuple(f"p{i}" for i in range(int(count.group(1)) if count else 1))
    return partition_list_names(rest)


def partition_list_names(rest: str) -> tuple[str, ...] | None:
    """The names, lower case and in order, of the partition definitions in the first
    parenthesized list of `rest` (`(PARTITION p0 VALUES ..., PARTITION p1 ...)`, as
    PARTITION BY and ADD PARTITION write it); None when it cannot read them."""
    start = rest.find("(")
    if start < 0:
        return None
    names, depth = [], 0
    for i in range(start, len(rest)):
        char = rest[i]
        if char in "'\"":  # (a string holding a parenthesis or a comma: not read)
            return None
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if depth == 1 and char in "(,":
            definition = _PARTITION_DEFINITION.match(rest, i + 1)
            if definition is None:
                return None
            names.append(definition.group(1).strip("`").replace("``", "`").lower())
        if depth == 0:
            break
    return tuple(names) if names and depth == 0 else None


def _keep_spatial_types(tree, body: str) -> None:
    """Note on each GEOMETRY column definition of `tree` the spatial type and SRID `body`
    wrote for it (`meta["spatial"]`: ("point", 4326)), matched in order; nothing when the
    text names spatial types elsewhere too (a column called `point`, a default), which would
    make the order ambiguous."""
    from sqlglot import exp

    columns = [c for c in tree.find_all(exp.ColumnDef)
               if (kind := c.args.get("kind")) is not None
               and kind.this == exp.DataType.Type.GEOMETRY]
    found = list(_SPATIAL_TYPE_NAMES.finditer(body))
    if not columns or len(found) != len(columns):
        return
    for column, match, following in zip(columns, found, [*found[1:], None], strict=True):
        rest = body[match.end():following.start() if following else len(body)].split(",")[0]
        srid = _SRID.search(rest)
        column.meta["spatial"] = (match.group(1).lower(), int(srid.group(1)) if srid else None)


def _before_partitioning(sql: str) -> str:
    """A CREATE TABLE without its partitioning clause: the text before the first PARTITION BY
    outside parentheses and quotes."""
    from sqlglot.errors import TokenError

    try:
        tokens = mysql_tokens(sql)
    except TokenError:
        return sql
    depth = 0
    for tok in tokens:
        depth += (tok.text == "(") - (tok.text == ")")
        # The tokenizer reads `PARTITION BY` as one token (whatever the space between).
        if depth == 0 and re.fullmatch(r"PARTITION\s+BY", tok.text, re.IGNORECASE):
            return sql[:tok.start].rstrip()
    return sql


#: sqlglot's reprs in its messages: a token (`<Token token_type: TokenType.USING, text: USING,
#: line: 1, ...>`) and a class (`<class 'sqlglot.expressions.query.Where'>`).
_TOKEN_REPR = re.compile(r"<Token token_type: TokenType\.(\w+), text: (.*?), line: \d+, "
                         r"col: \d+, start: \d+, end: \d+, comments: \[.*?\]>", re.S)
_CLASS_REPR = re.compile(r"<class '(?:\w+\.)*(\w+)'>")


def _readable(message: str) -> str:
    """sqlglot's `message` with the text of the token it names instead of the token's repr
    (the end of the statement for its sentinel), and a class's name instead of its repr."""
    if "<" not in message:
        return message
    message = _TOKEN_REPR.sub(lambda m: "the end of the statement" if m.group(1) == "SENTINEL"
                              else m.group(2), message)
    return _CLASS_REPR.sub(r"\1", message)


#: What the text where sqlglot's tokenizer stopped opens, as PostgreSQL words the same error.
_UNTERMINATED = (("/*", "unterminated /* comment"), ("'", "unterminated quoted string"),
                 ('"', "unterminated quoted string"), ("`", "unterminated quoted identifier"))


def _token_problem(text: str, exc: Exception, tokenizer: object, lines: LineIndex
                   ) -> ParseProblem:
    """A file sqlglot cannot tokenize, placed at the token it could not finish (a quote or a
    comment left open) rather than the file's start. sqlglot's message only quotes the
    text around it, and its own `line:col` is where it gave up, so the token's start is read
    from the tokenizer's state; when a sqlglot version keeps it elsewhere, line 1 it is."""
    start = getattr(getattr(tokenizer, "_core", tokenizer), "_start", None)
    if not isinstance(start, int) or not 0 <= start < len(text):
        return ParseProblem(_readable(str(exc).splitlines()[0]), lines.span(0, 1))
    what = next((message for opening, message in _UNTERMINATED
                 if text.startswith(opening, start)),
                _readable(str(exc.__cause__ or exc).splitlines()[0]))
    near = text[start:start + 40].split("\n", 1)[0]
    return ParseProblem(f'{what} at or near "{near}"', lines.span(start, start + 1))


def _first_code_offset(body: str) -> int:
    pos = 0
    while pos < len(body):
        if body[pos].isspace():
            pos += 1
        elif body.startswith("--", pos) or body.startswith("#", pos):
            nl = body.find("\n", pos)
            pos = len(body) if nl == -1 else nl + 1
        elif body.startswith("/*", pos):  # `/*!` too: the markers of those run are blanked
            close = body.find("*/", pos + 2)
            pos = len(body) if close == -1 else close + 2
        else:
            break
    return pos


def _has_code(body: str) -> bool:
    return _first_code_offset(body) < len(body)
