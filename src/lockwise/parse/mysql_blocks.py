"""The compound statements of a MySQL / MariaDB stored program, read token by token.

A program written without DELIMITER is one statement with semicolons inside: the splitter
must know which BEGIN, IF, CASE, LOOP, WHILE, REPEAT (and MariaDB's FOR) open a block and
which END closes one. Only a word where a statement starts opens a block (`SET end = 1`,
`SELECT begin` and `IF(a, 1, 0)` do not: END and BEGIN are not reserved words, and IF in
statement position is the IF statement, whatever parentheses follow it), and an END closes
one only where a statement starts, before the block's own word (END IF), or after the operand
that ends a CASE expression. The same reading finds the body's simple statements (an ALTER
TABLE inside IF ... END IF), which the effect model lints where the program runs. MySQL 8.4
manual, 15.6 "Compound Statement Syntax"; MariaDB knowledge base, "Programmatic & Compound
Statements" (FOR ... END FOR since 10.3).
"""

from __future__ import annotations

import re

#: What the server skips between two words: spaces and comments (`/* ... */`, an executable
#: one it does not run too; `-- ` and `#` up to the line's end; `--` needs a space or control
#: character after it, `--c` is two minus signs). A comment found is skipped whole, as the
#: server skips it: a line comment only as far as its line's end (`(?![^\n])`), a block one
#: only at its first `*/` (a `-- ` comment ended early let a word inside it be read, and on
#: `DEFINER -- -- -- ...` the ways to split the line doubled with each `-- `: fix-robust17).
#: Each character starts one kind of gap at most, so the pattern has one way through, as an
#: atomic group would give it (those need Python 3.11).
GAP = r"(?:\s|/\*(?:[^*]|\*(?!/))*\*/|(?:--(?=\s|$)|#)[^\n]*(?![^\n]))"
#: One part of a user as DEFINER = names it, quoted or not ('my user', `a b`, "u", u; each
#: quote doubled or, in a string, escaped inside), and its host (h.example.com unquoted).
#: Unquoted, a user is letters, digits, _ and $ (app-user and a.b are 1064 near `-user`,
#: `.b`), but not a number (123, 1e5, 0x41: 1064 near it; 1e, 12ab, 0X41 are users); a host may
#: hold dots too (checked on MariaDB 10.11).
_QUOTED = r"""'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`"""
_NUMBER = r"(?:\d+|(?-i:0x[0-9a-fA-F]+|0b[01]+))(?![\w$])|\d+(?:\.\d*)?e[+-]?\d"
_USER_PART = rf"(?:{_QUOTED}|(?!CURRENT_(?:USER|ROLE)\b|{_NUMBER})[\w$]+)"
_HOST_PART = rf"(?:{_QUOTED}|[\w$.]+)"
_CURRENT = rf"CURRENT_(?:USER|ROLE)(?:{GAP}*\({GAP}*\))?"
#: The DEFINER = user clause of a view or a stored program: a user and its host, the @ right
#: before the host ('u'@'%', `a b`@`localhost`, u @localhost, 'u'), CURRENT_USER [( )] or
#: MariaDB's CURRENT_ROLE [( )], a comment wherever a space may be (DEFINER /* x */ = u,
#: u /* x */ @h). Checked on MariaDB 10.11: each of those is read (quotes, spaces and @
#: inside a quoted part too); a space or a comment after the @, CURRENT_USER()@'%' and
#: u@my-host are 1064 (_DEFINER_READ says where the server stops).
DEFINER = (rf"DEFINER{GAP}*={GAP}*(?:{_CURRENT}(?![\w$@.])"
           rf"|{_USER_PART}(?:{GAP}*@{_HOST_PART})?)")
#: As far as the server reads a DEFINER clause, and the spaces and comments after it.
_DEFINER_READ = re.compile(
    rf"\s*(?:CREATE{GAP}+(?:OR{GAP}+REPLACE{GAP}+)?|ALTER{GAP}+)"
    rf"(?:ALGORITHM{GAP}*={GAP}*\w+{GAP}+)?(?P<clause>DEFINER){GAP}*={GAP}*"
    rf"(?:{_CURRENT}|{_USER_PART}(?:{GAP}*@(?:{_HOST_PART})?)?)?{GAP}*",
    re.I)
#: A DEFINER clause the server reads, up to the word after it (VIEW, EVENT, SQL SECURITY ...).
_DEFINER_CLAUSE = re.compile(rf"{DEFINER}{GAP}*(?=[A-Z])", re.I)


def definer_stop(body: str) -> int | None:
    """Where MariaDB stops in `body`'s DEFINER clause when it cannot read the user there (a
    space after its @, CURRENT_USER()@'%', app-user), None when it reads it or there is
    none."""
    read = _DEFINER_READ.match(body)
    if read is None:
        return None
    clause = _DEFINER_CLAUSE.match(body, read.start("clause"))
    return None if clause is not None and clause.end() == read.end() else read.end()


#: A statement whose body may be a compound statement, with semicolons inside: a stored
#: program (MySQL 8.4 manual, 15.1.17 "CREATE PROCEDURE and CREATE FUNCTION", 15.1.22 "CREATE
#: TRIGGER", 15.1.13 "CREATE EVENT"; ALTER EVENT ... DO).
STORED_PROGRAM = re.compile(
    rf"(CREATE{GAP}+(OR{GAP}+REPLACE{GAP}+)?({DEFINER}{GAP}+)?(AGGREGATE{GAP}+)?"
    rf"(?P<kind>PROCEDURE|FUNCTION|TRIGGER|EVENT)|ALTER{GAP}+({DEFINER}{GAP}+)?EVENT)\b",
    re.IGNORECASE)
#: The options written between CREATE [OR REPLACE] / ALTER and the kind of object: a view's
#: ALGORITHM = x and SQL SECURITY x, and DEFINER = user (a view's or a stored program's),
#: each with the spaces and comments after it.
OBJECT_OPTIONS = re.compile(
    rf"(?:ALGORITHM{GAP}*={GAP}*\w+|{DEFINER}|SQL{GAP}+SECURITY{GAP}+\w+){GAP}+", re.I)
#: CREATE [OR REPLACE] / ALTER, then those options (one at least) and VIEW.
VIEW_WITH_OPTIONS = re.compile(
    rf"\s*(?:CREATE{GAP}+(?:OR{GAP}+REPLACE{GAP}+)?|ALTER{GAP}+)"
    rf"(?P<options>(?:{OBJECT_OPTIONS.pattern})+)"
    r"VIEW\b", re.I)
#: A compound statement outside a stored program, which MariaDB runs (10.1.1 on; "Using
#: Compound Statements Outside of Stored Programs"; 10.11 refuses one with a label) and MySQL
#: refuses.
TOP_LEVEL_COMPOUND = re.compile(r"(BEGIN\s+NOT\s+ATOMIC|IF|CASE|LOOP|WHILE|REPEAT)\b",
                                re.IGNORECASE)
#: The first MariaDB version that runs them (an older one stops at their first word).
COMPOUND_FROM = (10, 1, 1)
#: The words that open a block where a statement starts.
_OPENERS = {"BEGIN", "IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR"}
#: Blocks that close with END <word> (END IF, END LOOP ...); BEGIN and a CASE expression close
#: with END alone.
COMPOUND_WORDS = {"IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR"}
#: Words of a compound statement's own syntax where a statement starts (ELSE, WHEN, UNTIL) and
#: statements that only steer the program: none is a statement the effect model reads.
_CONTROL_WORDS = {"ELSE", "ELSEIF", "WHEN", "UNTIL", "END", "DECLARE", "LEAVE", "ITERATE",
                  "RETURN", "OPEN", "CLOSE", "FETCH", "SIGNAL", "RESIGNAL", "GET", "SET"}
#: Words that may begin a procedure's or function's body (after its parameters, RETURNS type
#: and characteristics, none of which is one of these but a type's SET).
_BODY_WORDS = _OPENERS | _CONTROL_WORDS | {
    "ALTER", "ANALYZE", "CALL", "CHECK", "COMMIT", "CREATE", "DELETE", "DO", "DROP", "EXECUTE",
    "FLUSH", "GRANT", "INSERT", "KILL", "LOAD", "LOCK", "OPTIMIZE", "PREPARE", "DEALLOCATE",
    "RENAME", "REPAIR", "REPLACE", "RESET", "REVOKE", "ROLLBACK", "SAVEPOINT", "SELECT",
    "SHOW", "START", "TRUNCATE", "UNLOCK", "UPDATE", "WITH", "XA", "VALUES", "TABLE", "HANDLER",
    "PURGE", "CHANGE", "RELEASE", "INSTALL", "UNINSTALL"}
#: What an operand follows: after these a CASE expression cannot end (`THEN end` is a column).
_TAKES_OPERAND = {
    "(", ",", "=", "<", ">", "<=", ">=", "<>", "!=", "<=>", "+", "-", "*", "/", "%", "&", "|",
    "^", "~", "!", "&&", "||", "<<", ">>", ":=", "->", "->>", "WHEN", "THEN", "ELSE", "CASE",
    "AND", "OR", "XOR", "NOT", "LIKE", "IN", "BETWEEN", "DIV", "MOD", "REGEXP", "RLIKE", "IS",
    "SELECT", "WHERE", "BY", "ON", "HAVING", "RETURN", "INTERVAL", "DISTINCT", "BINARY",
    "ESCAPE"}


def word(tokens: list, i: int) -> str:
    """Token `i`'s keyword or unquoted name, upper-cased; "" for a string, a quoted name (a
    string 'END' closes nothing) or a name after a dot (NEW.end, t.begin)."""
    from sqlglot.tokens import TokenType

    if not 0 <= i < len(tokens):
        return ""
    tok = tokens[i]
    name = tok.token_type.name
    if name in ("STRING", "IDENTIFIER") or name.endswith("_STRING") or \
            i and tokens[i - 1].token_type == TokenType.DOT:
        return ""
    return tok.text.upper()


def body_start(text: str, tokens: list, first: int) -> int | None:
    """The index of the first token of the body of the program whose statement begins at token
    `first` (a compound statement outside a program is its own body); None for another
    statement, or a program without one (a loadable function's SONAME, ALTER EVENT without
    DO)."""
    from sqlglot.tokens import TokenType

    start = tokens[first].start
    if TOP_LEVEL_COMPOUND.match(text, start):
        return first
    program = STORED_PROGRAM.match(text, start)
    if program is None:
        return None
    kind = (program.group("kind") or "EVENT").upper()
    end = next((i for i in range(first, len(tokens))
                if tokens[i].token_type == TokenType.SEMICOLON), len(tokens))
    words = [word(tokens, i) for i in range(end)]
    # the kind's token, found by its offset: the DEFINER before it may hold any word, and
    # the tokenizer reads some hosts in pieces (`u@1. PROCEDURE`: 1, a dot, then PROCEDURE)
    named = next((i for i in range(first, end)
                  if tokens[i].start >= program.end() - len(kind)), end)
    if kind == "EVENT":  # ... ON SCHEDULE ... [COMMENT '...'] DO body
        return next((i + 1 for i in range(named, end) if words[i] == "DO"), None)
    if kind == "TRIGGER":  # ... FOR EACH ROW [{FOLLOWS | PRECEDES} other_trigger] body
        row = next((i for i in range(named + 2, end)
                    if words[i - 2:i + 1] == ["FOR", "EACH", "ROW"]), None)
        if row is None:
            return None
        at = row + 1
        if at < end and words[at] in ("FOLLOWS", "PRECEDES"):
            at += 2
            while at + 1 < end and tokens[at].token_type == TokenType.DOT:
                at += 2
        return at if at < end else None
    # PROCEDURE / FUNCTION name (parameters) [RETURNS type] [characteristic ...] body
    depth, closed = 0, None
    for i in range(named, end):
        kind_i = tokens[i].token_type
        depth += (kind_i == TokenType.L_PAREN) - (kind_i == TokenType.R_PAREN)
        if kind_i == TokenType.R_PAREN and depth == 0:
            closed = i
            break
    if closed is None:
        return None
    for i in range(closed + 1, end):
        if words[i] == "SET" and words[i - 1] in ("RETURNS", "CHARACTER", "CHAR"):
            continue  # RETURNS SET('a', 'b'), CHARACTER SET utf8mb4: the return type's
        # (sqlglot's tokenizer makes one token of `LOCK TABLES`: its first word counts)
        if words[i].split(" ", 1)[0] in _BODY_WORDS or (
                i + 1 < end and tokens[i + 1].token_type == TokenType.COLON and words[i]):
            return i
    return None


class Blocks:
    """The blocks of one statement's program, read token by token (`read`, `semicolon`, then
    `finish` at the statement's end): the blocks open (`opened`: first token and kind,
    outermost first) and its body's simple statements (`simple`)."""

    def __init__(self, text: str, tokens: list, first: int):
        self.tokens = tokens
        body = body_start(text, tokens, first)
        self.body = body
        self.first = first
        self.opened: list[tuple[object, str]] = []
        self.statement_at: set[int] = {body} if body is not None else set()
        #: the body's simple statements, as offsets in the text: (start, end)
        self.simple: list[tuple[int, int]] = []
        self.pending: int | None = None  # the start of the simple statement being read
        self.closing_word = -1  # the IF of END IF: it opens nothing

    def semicolon(self, i: int) -> None:
        """Token `i` is a semicolon inside the program: a statement may start after it."""
        self.statement_at.add(i + 1)
        self.finish(self.tokens[i].start)

    def finish(self, end: int) -> None:
        """The simple statement being read, if any, ends at offset `end`."""
        if self.pending is not None:
            self.simple.append((self.pending, end))
            self.pending = None

    def read(self, i: int) -> None:
        """Take token `i` (not a semicolon) into account."""
        if self.body is None or i < self.body or i == self.closing_word:
            return
        from sqlglot.tokens import TokenType

        tokens, opened = self.tokens, self.opened
        here, following = word(tokens, i), word(tokens, i + 1)
        starts = i in self.statement_at
        innermost = opened[-1][1] if opened else ""
        if here in ("THEN", "ELSE") and innermost in ("IF", "CASE") or \
                here == "DO" and innermost in ("WHILE", "FOR") or \
                here in ("LOOP", "REPEAT") and starts or \
                here == "ATOMIC" and word(tokens, i - 1) == "NOT":
            self.statement_at.add(i + 1)  # the block's statements follow
        if tokens[i].token_type == TokenType.COLON and i - 1 in self.statement_at:
            self.statement_at.add(i + 1)  # `label: LOOP`
            return
        if here == "END" and opened and (
                starts or following in COMPOUND_WORDS or
                innermost == "CASE EXPRESSION" and word(tokens, i - 1) not in _TAKES_OPERAND):
            opened.pop()
            if following in COMPOUND_WORDS:
                self.closing_word = i + 1
            return
        if starts and here in _OPENERS:
            opened.append((tokens[i], here))
            if here == "BEGIN" and following != "NOT":
                self.statement_at.add(i + 1)
        elif here == "CASE":
            opened.append((tokens[i], "CASE EXPRESSION"))
        elif starts and here == "DECLARE":
            if (handler := _handler_body(tokens, i)) is not None:
                self.statement_at.add(handler)
        elif starts and here and here not in _CONTROL_WORDS and not (
                i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.COLON):
            self.pending = tokens[i].start  # (a label's name is none)


def expression_calls(text: str, tokens: list, simple: list[tuple[int, int]]
                     ) -> list[tuple[int, str]]:
    """The names called as functions (`name (`) in the body of the one program statement
    `text` outside its simple statements `simple` (body_statements): in its SET, RETURN,
    DECLARE ... DEFAULT, IF / WHILE / CASE conditions, as (offset, name as written: `db.f`
    with its database when it has one). Built-in functions are among them: the caller keeps
    the stored functions it knows."""
    from sqlglot.tokens import TokenType

    start = body_start(text, tokens, 0) if tokens else None
    if start is None:
        return []
    called = []
    for i, tok in enumerate(tokens[start:-1], start):
        if tokens[i + 1].token_type != TokenType.L_PAREN or not _named(tok) or \
                any(begin <= tok.start < end for begin, end in simple):
            continue
        # `db.f(`: the function of database db (written `db . f` or quoted, too)
        first = tokens[i - 2] if i - 2 >= start and \
            tokens[i - 1].token_type == TokenType.DOT and _named(tokens[i - 2]) else tok
        called.append((first.start, text[first.start:tok.end + 1]))
    return called


def expression_queries(text: str, tokens: list, simple: list[tuple[int, int]]
                       ) -> list[tuple[int, str]]:
    """The queries in parentheses (`(SELECT ...)`, `(WITH ...)`) of the body of the one
    program statement `text` outside its simple statements `simple`: those of its SET,
    RETURN, DECLARE ... DEFAULT and IF / WHILE / CASE conditions, as (offset, text without
    the parentheses), an outer one only (its own subqueries are in its text). The server
    prelocks the tables they read as it does a statement's (checked on MariaDB 10.11)."""
    from sqlglot.tokens import TokenType

    start = body_start(text, tokens, 0) if tokens else None
    if start is None:
        return []
    found: list[tuple[int, str]] = []
    end = -1  # (the offset the last query found ends at: one inside it is part of it)
    for i, tok in enumerate(tokens[start:-1], start):
        if tok.token_type != TokenType.L_PAREN or tok.start < end or \
                tokens[i + 1].token_type not in (TokenType.SELECT, TokenType.WITH) or \
                any(begin <= tok.start < stop for begin, stop in simple):
            continue
        depth = 0
        for closing in tokens[i:]:
            depth += (closing.token_type == TokenType.L_PAREN) - \
                (closing.token_type == TokenType.R_PAREN)
            if depth == 0:
                break
        else:
            continue  # (unbalanced: the server refuses the program)
        first = tokens[i + 1].start
        found.append((first, text[first:closing.start].strip()))
        end = closing.end
    return found


def _named(token) -> bool:
    """Whether `token` may name a function or its database: quoted, or a plain word."""
    from sqlglot.tokens import TokenType

    return token.token_type == TokenType.IDENTIFIER or bool(_NAME.fullmatch(token.text))


#: A token that may name a function unquoted.
_NAME = re.compile(r"[\w$]+")


def body_statements(text: str, tokens: list) -> list[tuple[int, int]]:
    """The simple statements (start and end offsets) of the body of the one program statement
    `text` (tokenized as `tokens`, without its own final semicolon or delimiter)."""
    from sqlglot.tokens import TokenType

    if not tokens:
        return []
    blocks = Blocks(text, tokens, 0)
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.SEMICOLON:
            blocks.semicolon(i)
        else:
            blocks.read(i)
    blocks.finish(len(text))
    return blocks.simple


#: A name as written, bare or in backquotes, with its database's before a dot or not.
QUALIFIED_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`|[\w$]+))?"
#: The name of the program a statement defines (`kind` and `name`; MariaDB's and MySQL
#: 8.0.29's IF NOT EXISTS before it), whether it is CREATE or ALTER, and a trigger's table.
PROGRAM_NAME = re.compile(
    rf"\s*(?P<verb>CREATE|ALTER)\b(?P<between>.*?)\b(?P<kind>PROCEDURE|FUNCTION|TRIGGER|EVENT)"
    rf"\s+(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?P<name>{QUALIFIED_NAME})"
    rf"(?:\s+(?:BEFORE|AFTER)\s+(?P<event>\w+)\s+ON\s+(?P<table>{QUALIFIED_NAME}))?",
    re.IGNORECASE | re.DOTALL)


def program(text: str) -> dict:
    """What the program statement `text` defines: its `kind` (procedure, function, trigger,
    event; compound for a MariaDB compound statement outside a program) and `name` as
    written; `create`: "create", "replace" (CREATE OR REPLACE), "if_not_exists" or "alter"
    (ALTER EVENT), which decide what a name already taken does; a trigger's `table` as
    written, and its `event` (insert, update, delete; "" for another program)."""
    found = PROGRAM_NAME.match(text)
    if found is None or TOP_LEVEL_COMPOUND.match(text):
        return {"kind": "compound", "name": "", "create": "create", "table": "", "event": ""}
    create = "alter" if found.group("verb").upper() == "ALTER" else \
        "replace" if re.match(r"\s*OR\s+REPLACE\b", found.group("between"), re.I) else \
        "if_not_exists" if found.group("exists") else "create"
    return {"kind": found.group("kind").lower(), "name": found.group("name"), "create": create,
            "table": found.group("table") or "", "event": (found.group("event") or "").lower()}


def routine_key(name: str, fold: bool = True) -> str:
    """A procedure's or function's name as CALL (or a call of the function), CREATE and DROP
    all key it (`name` as written): unquoted, lower case (routine names are not
    case-sensitive; `fold` False keeps a trigger's case), without its database."""
    bare = re.split(r"`?\s*\.\s*`?", name.strip())[-1].strip("`").replace("``", "`")
    return bare.lower() if fold else bare


def _handler_body(tokens: list, at: int) -> int | None:
    """The index of the statement of `DECLARE {CONTINUE | EXIT | UNDO} HANDLER FOR condition
    [, condition] ... statement` at `at` (None for another DECLARE): after the conditions
    (SQLSTATE [VALUE] 'state', NOT FOUND, SQLWARNING, SQLEXCEPTION, an error code, a name)."""
    from sqlglot.tokens import TokenType

    if [word(tokens, j) for j in range(at + 2, at + 4)] != ["HANDLER", "FOR"]:
        return None
    j = at + 4
    while j < len(tokens):
        if word(tokens, j) == "SQLSTATE":
            j += 3 if word(tokens, j + 1) == "VALUE" else 2
        else:
            j += 2 if [word(tokens, j), word(tokens, j + 1)] == ["NOT", "FOUND"] else 1
        if j < len(tokens) and tokens[j].token_type == TokenType.COMMA:
            j += 1
            continue
        return j
    return None
