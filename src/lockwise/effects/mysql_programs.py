"""The CREATE and DROP of MySQL / MariaDB stored programs: what the server refuses at the
CREATE, and which programs the replay keeps.

A procedure, function, trigger or event whose name is taken is refused (without OR REPLACE,
MariaDB's, or IF NOT EXISTS, which keeps the old one with a note): the old program stays,
its body runs at the later CALLs. Procedures and functions have a namespace each; routine
and event names ignore case, trigger names do not (checked on MariaDB 10.11, Linux; MySQL
8.4 manual, 11.2.3 "Identifier Case Sensitivity"). A trigger goes with its table's DROP
TABLE and follows its rename. LOCK TABLES and UNLOCK TABLES may not stand in any program's
body, nor in a MariaDB compound statement: the server refuses the CREATE (error 1314,
"LOCK is not allowed in stored procedures", for each kind; MySQL 8.4 manual, 27.8
"Restrictions on Stored Programs"), nor LOAD DATA and LOAD XML (error 1314, "LOAD DATA is
not allowed in stored procedures", checked on MariaDB 10.11). A stored function's or
trigger's body may not commit, explicitly or by DDL: the server refuses the CREATE (error
1422; MariaDB 10.11 too, when it reads the CREATE, not when the body runs).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lockwise.parse.mysql_blocks import DEFINER, GAP, routine_key

#: The catalog's field for each kind of program: each kind has a namespace of its own.
NAMESPACES = {"procedure": "mysql_procedures", "function": "mysql_functions",
              "trigger": "mysql_triggers", "event": "mysql_events"}
#: The server's error when the name is taken: its number and text (`name` as written,
#: `qualified` with its database; MariaDB 10.11's texts, checked; MySQL's numbers are the
#: same: ER_SP_ALREADY_EXISTS, ER_TRG_ALREADY_EXISTS, ER_EVENT_ALREADY_EXISTS).
EXISTS = {"procedure": (1304, "PROCEDURE {name} already exists"),
          "function": (1304, "FUNCTION {name} already exists"),
          "trigger": (1359, "Trigger '{qualified}' already exists"),
          "event": (1537, "Event '{name}' already exists")}
#: A statement no program's body may hold (ER_SP_BADSTATEMENT): LOCK / UNLOCK TABLES, and
#: LOAD DATA / LOAD XML (`word` as the server's error names it: LOCK, LOAD DATA).
_NOT_ALLOWED = re.compile(r"\s*(?:(?P<word>(?:UN)?LOCK)\s+TABLES?|(?P<load>LOAD\s+(?:DATA|XML)))\b",
                          re.I)
#: A statement that commits, explicitly or implicitly, which no stored function's or
#: trigger's body may hold (ER_COMMIT_NOT_ALLOWED_IN_SF_OR_TRG, checked on MariaDB 10.11 for
#: each: COMMIT, ROLLBACK but to a savepoint, START TRANSACTION, GRANT, REVOKE, DDL but on a
#: TEMPORARY table; a routine's DDL there is refused with errors of its own, 1303 and 1357,
#: CREATE EVENT with 1576, ALTER and DROP EVENT with 1422 (_EVENT_DDL); MySQL 8.4 manual,
#: 15.3.3 "Statements That Cause an Implicit Commit").
_COMMITS = re.compile(
    r"\s*(?P<word>COMMIT|ROLLBACK(?!\s+(?:WORK\s+)?TO\b)|START\s+TRANSACTION|GRANT|REVOKE"
    r"|(?:ALTER|CREATE|DROP|RENAME|TRUNCATE)(?:\s+(?:OR\s+REPLACE|UNIQUE|FULLTEXT|SPATIAL"
    r"|ONLINE|IGNORE))*(?=\s+(?!(?:TEMPORARY|PROCEDURE|FUNCTION|EVENT|DEFINER|AGGREGATE)\b)\w))"
    r"(?:\s+(?P<object>TABLE|INDEX|VIEW|DATABASE|SCHEMA|TRIGGER|USER|ROLE|SEQUENCE|SERVER"
    r"|TABLESPACE)\b)?", re.I)
#: ALTER EVENT and DROP EVENT, which commit too (1422 in a function's or trigger's body, checked
#: on MariaDB 10.11, DEFINER = ... or not; CREATE EVENT there is refused with 1576).
_EVENT_DDL = re.compile(rf"\s*(?P<word>ALTER|DROP){GAP}+(?:{DEFINER}{GAP}+)?(?P<object>EVENT)\b",
                        re.I)
#: The kinds of program whose body may not commit: they run inside another statement.
_NO_COMMIT = {"function", "trigger"}
#: A name, or one part of a qualified name: `quoted` (`` a quote doubled) or bare.
NAME_PART = r"(?:`(?:[^`]|``)+`|[\w$]+)"
#: DROP PROCEDURE / FUNCTION / TRIGGER / EVENT [IF EXISTS] name (one name each).
_DROP = re.compile(rf"\s*DROP\s+(?P<kind>PROCEDURE|FUNCTION|TRIGGER|EVENT)\s+(?:IF\s+EXISTS\s+)?"
                   rf"(?P<name>{NAME_PART}(?:\s*\.\s*{NAME_PART})?)\s*$", re.I)


#: DROP {DATABASE | SCHEMA} [IF EXISTS] name, and USE name: the database a statement names.
_DATABASE = re.compile(rf"\s*(?:DROP\s+(?P<drop>DATABASE|SCHEMA)\s+(?:IF\s+EXISTS\s+)?|USE\s+)"
                       rf"(?P<name>{NAME_PART})\s*$", re.I)


#: ALTER EVENT's RENAME TO clause (MySQL 8.4 manual, 15.1.3 "ALTER EVENT Statement").
_RENAME_TO = re.compile(rf"\bRENAME\s+TO\s+(?P<name>{NAME_PART}(?:\s*\.\s*{NAME_PART})?)", re.I)


def program_key(kind: str, name: str, database: str | None = None) -> str:
    """A program's name (as written) as CREATE, DROP and CALL all key it: unquoted, in lower
    case but for a trigger's, after its database (`db.name`: the one the name gives, else
    `database`, the session's; the bare name when neither is known): each database has its
    namespaces (MySQL 8.4 manual, 15.1.17 "CREATE PROCEDURE": a routine is in a database)."""
    bare = routine_key(name, fold=kind != "trigger")
    in_database = qualifier(name) or database
    return f"{in_database}.{bare}" if in_database else bare


def qualifier(name: str) -> str | None:
    """The database a qualified name (`db`.`name`, as written) gives, as the catalog keys
    it (unquoted, lower case); None for a bare name."""
    parts = re.split(r"`?\s*\.\s*`?", name.strip())
    return parts[0].strip("`").replace("``", "`").lower() if len(parts) > 1 else None


def lookup(programs: dict, kind: str, name: str, database: str | None) -> dict | None:
    """The program of `kind` that `name`, called or named in database `database`, is: keyed
    in that database, else one created where the database was unknown (which may be it)."""
    key = program_key(kind, name, database)
    found = programs.get(key)
    if found is None and "." in key:
        found = programs.get(routine_key(name, fold=kind != "trigger"))
    return found


def _database_of(program: dict, database: str | None) -> str | None:
    """The database `program` is created in: its name's, a trigger's table's, else the
    session's `database`."""
    return qualifier(program["name"]) or qualifier(program.get("table") or "") or database


def act_refusals(b, program: dict, catalog, database: str | None = None) -> None:
    """Act (on the effect builder `b`) what the server refuses of the statement that defines
    `program` (parse/mysql.py's `program`): LOCK / UNLOCK TABLES in its body, or a statement
    that commits or returns a result set in a function's or trigger's (error 1415 at the
    CREATE, checked on MariaDB 10.11), else a name taken."""
    for offset, sql, _ in program["statements"]:
        if found := _NOT_ALLOWED.match(sql):
            group = "word" if found.group("word") else "load"
            word = " ".join(found.group(group).upper().split())
            b.act("mysql_program_statement_not_allowed", {
                "statement": word if group == "load" else f"{word} TABLES",
                "program": _described(program),
                "error_code": 1314, "server_error": f"{word} is not allowed in stored procedures",
                "at": (offset + found.start(group), len(found.group(group).split()[0]))})
            return
        if program["kind"] in _NO_COMMIT and (found := commits(sql)):
            b.act("mysql_program_commits", {
                "statement": found[0], "program": _described(program),
                "kind": program["kind"], "error_code": 1422, "server_error": COMMIT_REFUSED,
                "at": (offset + found[1], found[2])})
            return
        if program["kind"] in _NO_COMMIT and (found := result_set(sql)):
            code, error = REFUSED_INSIDE["result_set"]
            b.act("mysql_program_result_set", {
                "statement": found[0], "program": _described(program),
                "kind": program["kind"], "error_code": code,
                "server_error": error.format(kind=program["kind"]),
                "at": (offset + found[1], found[2])})
            return
    kind = program["kind"]
    if program["create"] != "create" or kind not in NAMESPACES or program_key(
            kind, program["name"], _database_of(program, database)) not in getattr(
            catalog, NAMESPACES[kind]):
        return
    code, text = EXISTS[kind]
    name = program_key(kind, program["name"])
    qualified = ".".join(part.strip("`") for part in re.split(r"\s*\.\s*", program["name"]))
    b.act("mysql_program_exists", {
        "kind": kind, "keyword": kind.upper(), "name": name, "program": _described(program),
        "error_code": code,
        # (the server names it as this statement writes it)
        "server_error": text.format(name=(written := routine_key(program["name"], fold=False)),
                                    qualified=qualified if "." in qualified
                                    else f"<database>.{written}")})


#: The server's text for error 1422 (MariaDB 10.11's; MySQL's is the same).
COMMIT_REFUSED = "Explicit or implicit commit is not allowed in stored function or trigger"


def commits(sql: str) -> tuple[str, int, int] | None:
    """Whether the body statement `sql` commits, explicitly or implicitly: its words
    (`ALTER TABLE`, `COMMIT`) and where its first word starts and how long it is; None when
    it does not."""
    found = _EVENT_DDL.match(sql) or _COMMITS.match(sql)
    if found is None:
        return None
    words = " ".join(found.group("word", "object") if found.group("object")
                     else (found.group("word"),)).upper()
    return " ".join(words.split()), found.start("word"), len(found.group("word").split()[0])


#: A statement that returns a result set to the client, which nothing a stored function or
#: trigger runs may (ER_SP_NO_RETSET; checked on MariaDB 10.11 for each: SELECT, WITH ...
#: SELECT and (SELECT ...) without INTO, VALUES, SHOW, EXPLAIN, CHECKSUM TABLE; MySQL 8.4
#: manual, 27.8 "Restrictions on Stored Programs": "statements that return a result set").
_RESULT_SET = re.compile(r"[\s(]*(?P<word>SELECT|WITH|VALUES|TABLE|SHOW|EXPLAIN|DESCRIBE"
                         r"|DESC|CHECKSUM\s+TABLE)\b", re.I)
#: The statements of _RESULT_SET that INTO turns into assignments (SELECT ... INTO var).
_QUERIES = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})
#: Quoted text, left out when looking for INTO.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`]|``)*`")
#: The server's errors for what a function's or trigger's calls may not run, by what it is
#: (MariaDB 10.11's texts, checked; MySQL's numbers are the same); `{kind}` is `function` or
#: `trigger`, where the refused statement runs.
REFUSED_INSIDE = {"commits": (1422, COMMIT_REFUSED),
                  "result_set": (1415, "Not allowed to return a result set from a {kind}")}


def result_set(sql: str) -> tuple[str, int, int] | None:
    """Whether the body statement `sql` returns a result set to the client, as `commits`
    says: its words, where its first word starts and how long it is; None when not."""
    found = _RESULT_SET.match(sql)
    if found is None:
        return None
    words = " ".join(found.group("word").upper().split())
    if words in _QUERIES and re.search(r"\bINTO\b", _QUOTED.sub("", sql), re.I):
        return None  # SELECT ... INTO: no subquery may hold one, so it is the statement's
    return words, found.start("word"), len(found.group("word").split()[0])


@lru_cache(maxsize=1024)
def refused_inside(sql: str) -> tuple[str, str] | None:
    """What makes the body statement `sql` refused when a stored function or trigger runs
    it (REFUSED_INSIDE's key) and its words; None when nothing does. Kept by text: a walk
    from a trigger asks it of each body statement at every path that reaches the body."""
    if found := commits(sql):
        return "commits", found[0]
    if found := result_set(sql):
        return "result_set", found[0]
    return None


def _described(program: dict) -> str:
    """`procedure widen`, or `a compound statement` for MariaDB's outside a program."""
    if program["kind"] == "compound":
        return "a compound statement"
    return f"{program['kind']} {program_key(program['kind'], program['name'])}"


def remember(catalog, program: dict, sql: str, table_key, database: str | None
             ) -> dict | None:
    """The catalog after the statement `sql` defining `program` ran: CREATE [OR REPLACE]
    keeps it under its name (IF NOT EXISTS only when the name is free), with its database
    (the one its name, or a trigger's table, gives; else `database`, the session's USE, None
    when unknown), ALTER EVENT ... RENAME TO moves it; `table_key` keys a trigger's table as
    the catalog does. What the catalog now keeps of a program created; None for another."""
    kind = program["kind"]
    if kind not in NAMESPACES:
        return None
    programs = getattr(catalog, NAMESPACES[kind])
    in_database = _database_of(program, database)
    key = program_key(kind, program["name"], in_database)
    if program["create"] == "alter":
        if (renamed := renamed_to(program, sql)) and key in programs:
            new_key = program_key(kind, renamed, in_database)
            programs[new_key] = {**programs.pop(key), "key": new_key,
                                 "database": new_key.rpartition(".")[0] or None}
        return None
    if program["create"] == "if_not_exists" and key in programs:
        return None  # skipped with a note: the old program stays
    kept = programs[key] = {**program, "database": in_database, "key": key, **(
        {"table": table_key(program["table"])} if kind == "trigger" else {})}
    return kept


def renamed_to(program: dict, sql: str) -> str:
    """The new name, as written, of ALTER EVENT ... RENAME TO `sql` (`program` its parsed
    head); "" for another statement."""
    if program.get("create") != "alter":
        return ""
    clauses = re.split(r"\bDO\b", sql, maxsplit=1, flags=re.I)[0]  # (its body follows)
    return renamed.group("name") if (renamed := _RENAME_TO.search(clauses)) else ""


def dropped_event(sql: str) -> str:
    """The name, as written, of the event DROP EVENT [IF EXISTS] `sql` drops; "" for another
    statement."""
    found = _DROP.match(sql)
    return found.group("name") if found and found.group("kind").upper() == "EVENT" else ""


def database_statement(catalog, session, sql: str, clean) -> bool:
    """The catalog and `session` after USE or DROP DATABASE / SCHEMA `sql` (`clean` keys a
    name as the catalog does): USE sets the session's database; DROP DATABASE drops the
    programs in it (checked on MariaDB 10.11: its procedures, functions, triggers and events
    go) and the tables in it (qualified, or created unqualified after USE), and leaves the
    session in none if it was the session's. False for another statement."""
    found = _DATABASE.match(sql)
    if found is None:
        return False
    name = clean(found.group("name"))
    if not found.group("drop"):
        session.database, session.database_dropped = name, None
        return True
    for kind in NAMESPACES.values():
        programs = getattr(catalog, kind)
        for key in [k for k, program in programs.items() if program.get("database") == name]:
            del programs[key]
    # its tables, with their indexes and triggers: those the replay knows are in it (named
    # `name.table`, or created unqualified after USE name, which are keyed without it)
    for table in [key for key, table in catalog.tables.items()
                  if (key.rpartition(".")[0] or table.database) == name]:
        del catalog.tables[table]
        table_dropped(catalog, table)
        # (certainly missing now, a CREATE DATABASE of the name again too: it starts empty)
        catalog.mysql_dropped_tables |= {f"{name}.{table.rpartition('.')[2]}"}
    if session.database == name:
        session.database, session.database_dropped = None, name
    from lockwise.effects.mysql_database_charsets import forget_database

    forget_database(catalog, name)
    return True


def forget(catalog, sql: str, database: str | None = None) -> bool:
    """The catalog after DROP PROCEDURE / FUNCTION / TRIGGER / EVENT `sql` (in the session's
    `database`); False for another statement."""
    found = _DROP.match(sql)
    if found is None:
        return False
    kind = found.group("kind").lower()
    programs = getattr(catalog, NAMESPACES[kind])
    if (dropped := lookup(programs, kind, found.group("name"), database)) is not None:
        del programs[dropped["key"]]
    return True


def table_dropped(catalog, table: str) -> None:
    """DROP TABLE `table` (as the catalog keys it) drops its triggers."""
    for name in [n for n, t in catalog.mysql_triggers.items() if t["table"] == table]:
        del catalog.mysql_triggers[name]


def table_renamed(catalog, old: str, new: str) -> None:
    """A renamed table keeps its triggers."""
    for name, trigger in list(catalog.mysql_triggers.items()):
        if trigger["table"] == old:
            catalog.mysql_triggers[name] = {**trigger, "table": new}
