"""Each server's grammar for the CREATE of a stored program, and of a database: the clauses
one server, or an early version of it, does not have.

MySQL has no CREATE OR REPLACE for a procedure, function, trigger, event or database: its
parser reads OR REPLACE as a view's (CREATE OR REPLACE [ALGORITHM = ...] [DEFINER = ...] [SQL
SECURITY ...] VIEW) and stops at the word that is not VIEW (MySQL 8.4 manual, 15.1.17 "CREATE
PROCEDURE and CREATE FUNCTION Statements", 15.1.22 "CREATE TRIGGER Statement", 15.1.13 "CREATE
EVENT Statement", 15.1.12 "CREATE DATABASE Statement": none has OR REPLACE). IF NOT EXISTS
arrived in 8.0.29 for procedures, functions and triggers (the 8.0 manual's same pages:
"supported ... beginning with MySQL 8.0.29"); an event's is older. Before it the parser stops
at IF, a reserved word that cannot start the name. MariaDB has both since 10.1.3 for routines
(MDEV-7282) and 10.1.4 for triggers and events (its knowledge base, CREATE TRIGGER and CREATE
EVENT: "MariaDB starting with 10.1.4"; an event's IF NOT EXISTS is older), CREATE OR REPLACE
DATABASE since 10.1.3 (CREATE DATABASE: "The OR REPLACE clause was added in MariaDB 10.1.3");
an older version stops where MySQL does.
"""

from __future__ import annotations

import re

from lockwise.parse.mysql_blocks import PROGRAM_NAME

#: The first MySQL version with CREATE PROCEDURE / FUNCTION / TRIGGER IF NOT EXISTS.
IF_NOT_EXISTS_FROM = (8, 0, 29)
#: Per kind of program (and DATABASE), the first MariaDB version with CREATE OR REPLACE and
#: the first with IF NOT EXISTS (None: every version has it).
_MARIADB_FROM: dict[str, tuple[tuple[int, ...], tuple[int, ...] | None]] = {
    "PROCEDURE": ((10, 1, 3), (10, 1, 3)), "FUNCTION": ((10, 1, 3), (10, 1, 3)),
    "TRIGGER": ((10, 1, 4), (10, 1, 4)), "EVENT": ((10, 1, 4), None),
    "DATABASE": ((10, 1, 3), None), "SCHEMA": ((10, 1, 3), None)}
#: CREATE OR REPLACE {DATABASE | SCHEMA} name.
_REPLACE_DATABASE = re.compile(r"\s*CREATE\s+OR\s+REPLACE\s+(?P<kind>DATABASE|SCHEMA)\s+"
                               r"(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>`(?:[^`]|``)+`|[\w$]+)", re.I)


def program_syntax(body: str, dialect: str, version: tuple[int, ...]
                   ) -> tuple[str, int, int] | None:
    """The CREATE of a stored program `body` as `dialect`'s server at `version` refuses it
    (error 1064), as (message, offset of the word it stops at, its length); None when the
    server reads it."""
    found = PROGRAM_NAME.match(body)
    if found is None or found.group("verb").upper() != "CREATE":
        return None
    kind, name = found.group("kind").upper(), found.group("name")
    version = (*version, 0, 0)[:3]  # 10.1 is 10.1.0
    if re.match(r"\s*OR\s+REPLACE\b", found.group("between"), re.I):
        if (since := _replace_since(dialect, kind)) is not None and version >= since:
            return None
        return _replace_refused(dialect, kind, name, since), found.start("kind"), len(kind)
    if found.group("exists"):
        since = _MARIADB_FROM[kind][1] if dialect == "mariadb" else \
            None if kind == "EVENT" else IF_NOT_EXISTS_FROM
        if since is not None and version < since:
            why = (f"CREATE {kind} IF NOT EXISTS arrived in {_server(dialect)} "
                   f"{_dotted(since)}; before it, write DROP {kind} IF EXISTS {name}; then "
                   f"CREATE {kind} {name} ... (which replaces it)")
            return f'syntax error at or near "IF" ({why})', found.start("exists"), 2
    return None


def database_syntax(body: str, dialect: str, version: tuple[int, ...]
                    ) -> tuple[str, int, int] | None:
    """CREATE OR REPLACE DATABASE `body` as `dialect`'s server at `version` refuses it, as
    program_syntax does; None for another statement, or when the server reads it."""
    found = _REPLACE_DATABASE.match(body)
    if found is None:
        return None
    kind = found.group("kind").upper()
    since = _replace_since(dialect, kind)
    if since is not None and (*version, 0, 0)[:3] >= since:
        return None
    return _replace_refused(dialect, kind, found.group("name"), since), found.start("kind"), \
        len(kind)


def _replace_since(dialect: str, kind: str) -> tuple[int, ...] | None:
    """The first version of `dialect`'s server with CREATE OR REPLACE `kind`; None: none."""
    return _MARIADB_FROM[kind][0] if dialect == "mariadb" else None


def _replace_refused(dialect: str, kind: str, name: str, since: tuple[int, ...] | None
                     ) -> str:
    """The parse error of CREATE OR REPLACE `kind` `name` on a server without it (`since`:
    the first version of it that has it; None when no version does)."""
    instead = f"write DROP {kind} IF EXISTS {name}; then CREATE {kind} {name} ..."
    why = (f"MariaDB's CREATE OR REPLACE {kind}; MySQL has it for views only: {instead}"
           if since is None else
           f"CREATE OR REPLACE {kind} arrived in MariaDB {_dotted(since)}; before it, "
           f"{instead}")
    return f'syntax error at or near "{kind}" ({why})'


def _server(dialect: str) -> str:
    return "MariaDB" if dialect == "mariadb" else "MySQL"


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))
