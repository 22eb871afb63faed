"""MySQL's grammar for the CREATE of a stored program, where it differs from MariaDB's.

MySQL has no CREATE OR REPLACE for a procedure, function, trigger or event: its parser reads
OR REPLACE as a view's (CREATE OR REPLACE [ALGORITHM = ...] [DEFINER = ...] [SQL SECURITY ...]
VIEW) and stops at the word that is not VIEW (MySQL 8.4 manual, 15.1.17 "CREATE PROCEDURE and
CREATE FUNCTION Statements", 15.1.22 "CREATE TRIGGER Statement", 15.1.13 "CREATE EVENT
Statement": none has OR REPLACE). IF NOT EXISTS arrived in 8.0.29 for procedures, functions
and triggers (the 8.0 manual's same pages: "supported ... beginning with MySQL 8.0.29"); an
event's is older. Before it the parser stops at IF, a reserved word that cannot start the
name. MariaDB has both since 10.1.3 (routines) and 10.1.4 (triggers, events).
"""

from __future__ import annotations

import re

from lockwise.parse.mysql_blocks import PROGRAM_NAME

#: The first MySQL version with CREATE PROCEDURE / FUNCTION / TRIGGER IF NOT EXISTS.
IF_NOT_EXISTS_FROM = (8, 0, 29)


def mysql_program_syntax(body: str, version: tuple[int, ...]) -> tuple[str, int, int] | None:
    """The CREATE of a stored program `body` as MySQL `version` refuses it (error 1064), as
    (message, offset of the word it stops at, its length); None when MySQL reads it."""
    found = PROGRAM_NAME.match(body)
    if found is None or found.group("verb").upper() != "CREATE":
        return None
    kind, name = found.group("kind").upper(), found.group("name")
    replace = re.match(r"\s*OR\s+REPLACE\b", found.group("between"), re.I)
    if replace:
        why = (f"MariaDB's CREATE OR REPLACE {kind}; MySQL has it for views only: write DROP "
               f"{kind} IF EXISTS {name}; then CREATE {kind} {name} ...")
        return f'syntax error at or near "{found.group("kind")}" ({why})', \
            found.start("kind"), len(kind)
    if found.group("exists") and kind != "EVENT" and (*version, 0, 0)[:3] < IF_NOT_EXISTS_FROM:
        why = (f"CREATE {kind} IF NOT EXISTS arrived in MySQL 8.0.29; before it, write DROP "
               f"{kind} IF EXISTS {name}; then CREATE {kind} {name} ... (which replaces it)")
        return f'syntax error at or near "IF" ({why})', found.start("exists"), 2
    return None
