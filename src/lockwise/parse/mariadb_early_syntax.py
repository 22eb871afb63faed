"""MariaDB's DDL statements and clauses that arrived in a later release: a server older than
--server-version's release stops at the word it does not know (error 1064), as at any syntax
error. Its knowledge base's versions: CREATE OR REPLACE TABLE in 10.0.8 (CREATE TABLE: "MariaDB
starting with 10.0.8"), CREATE INDEX IF NOT EXISTS, CREATE OR REPLACE INDEX and DROP INDEX IF
EXISTS in 10.1.4 (CREATE INDEX, DROP INDEX), CREATE SEQUENCE in 10.3.0 and its AS int_type in
11.5.1 (CREATE SEQUENCE, MDEV-28152; 10.11 stops at AS). An ALTER TABLE's IF [NOT] EXISTS on
a column, index, foreign key or partition (10.0.2, MDEV-318) is read token by token with the
ALTER's other clauses (parse/mysql.py). MySQL (8.0, 8.4) has neither CREATE OR REPLACE INDEX
nor DROP INDEX IF EXISTS (its manual's CREATE INDEX and DROP INDEX grammars): a 1064 there too,
with its own advice (`mysql_statement`). Imported when a statement begins with CREATE or DROP
only."""

from __future__ import annotations

import re

from lockwise.parse.mysql_blocks import QUALIFIED_NAME

_INDEX = r"(?:(?:UNIQUE|FULLTEXT|SPATIAL)\s+)?"
#: A pattern whose group `at` is the word an older server stops at, the statement, the first
#: release that reads it, and what to write before it.
_EARLY: list[tuple[re.Pattern, str, tuple[int, int, int], str]] = [
    (re.compile(pattern, re.I), statement, since, instead)
    for pattern, statement, since, instead in [
        (r"\s*CREATE\s+OR\s+REPLACE\s+(?:TEMPORARY\s+)?(?P<at>TABLE)\b",
         "CREATE OR REPLACE TABLE", (10, 0, 8),
         "write DROP TABLE IF EXISTS, then CREATE TABLE"),
        (rf"\s*CREATE\s+OR\s+REPLACE\s+{_INDEX}(?P<at>INDEX)\b", "CREATE OR REPLACE INDEX",
         (10, 1, 4), "write ALTER TABLE ... DROP INDEX IF EXISTS, then CREATE INDEX"),
        (rf"\s*CREATE\s+{_INDEX}INDEX\s+(?P<at>IF)\s+NOT\s+EXISTS\b",
         "CREATE INDEX IF NOT EXISTS", (10, 1, 4),
         "write ALTER TABLE ... ADD INDEX IF NOT EXISTS (10.0.2 on)"),
        (r"\s*DROP\s+INDEX\s+(?P<at>IF)\s+EXISTS\b", "DROP INDEX IF EXISTS", (10, 1, 4),
         "write ALTER TABLE ... DROP INDEX IF EXISTS (10.0.2 on)"),
        (r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?(?P<at>SEQUENCE)\b",
         "CREATE SEQUENCE", (10, 3, 0),
         "keep the numbers in a table's AUTO_INCREMENT column"),
        (rf"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?SEQUENCE\s+"
         rf"(?:IF\s+NOT\s+EXISTS\s+)?{QUALIFIED_NAME}\s+(?P<at>AS)\b",
         "CREATE SEQUENCE ... AS", (11, 5, 1),
         "a sequence is a BIGINT: leave AS out, and bound it with MINVALUE and MAXVALUE"),
    ]]
#: The index statements MySQL has no form of, the word it stops at, and what to write there
#: (CREATE INDEX IF NOT EXISTS: parse/mysql.py's IF [NOT] EXISTS, with ALTER TABLE's).
_MARIADB_ONLY: list[tuple[re.Pattern, str, str]] = [
    (re.compile(pattern, re.I), statement, instead) for pattern, statement, instead in [
        (rf"\s*CREATE\s+(?P<at>OR)\s+REPLACE\s+{_INDEX}INDEX\b", "CREATE OR REPLACE INDEX",
         "write DROP INDEX, then CREATE INDEX"),
        (r"\s*DROP\s+INDEX\s+(?P<at>IF)\s+EXISTS\b", "DROP INDEX IF EXISTS",
         "write DROP INDEX, which fails when the index is not there"),
    ]]
#: The first words of those statements: any other statement is not looked at further.
_FIRST_WORDS = re.compile(r"\s*(?:CREATE|DROP)\b", re.I)


def early_statement(body: str, version: tuple[int, ...]) -> tuple[str, int, int] | None:
    """The statement `body` as MariaDB at `version` refuses it when that release does not
    read it yet, as (message, offset of the word it stops at, its length); None when it
    reads it, or for another statement."""
    if not _FIRST_WORDS.match(body):
        return None
    version = (*version, 0, 0)[:3]  # 10.1 is 10.1.0
    for pattern, statement, since, instead in _EARLY:
        if (found := pattern.match(body)) is not None and version < since:
            word = found.group("at")
            why = f"{statement} arrived in MariaDB {'.'.join(map(str, since))}; before it, " \
                  f"{instead}"
            return f'syntax error at or near "{word}" ({why})', found.start("at"), len(word)
    return None


def mysql_statement(body: str) -> tuple[str, int, int] | None:
    """MariaDB's index statement `body` as MySQL refuses it (_MARIADB_ONLY), as (message,
    offset of the word it stops at, its length); None for another statement."""
    if not _FIRST_WORDS.match(body):
        return None
    for pattern, statement, instead in _MARIADB_ONLY:
        if (found := pattern.match(body)) is not None:
            word = found.group("at")
            return (f'syntax error at or near "{word}" (MariaDB\'s {statement}; MySQL has '
                    f'none: {instead})', found.start("at"), len(word))
    return None
