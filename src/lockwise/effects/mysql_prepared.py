"""The text a MySQL / MariaDB prepared statement runs, where the migration writes it.

`SET @s = 'ALTER TABLE ...'; PREPARE st FROM @s; EXECUTE st;` runs the ALTER TABLE at the
EXECUTE: the server reads the text at PREPARE (a text of two statements is refused there,
1064) and runs it at each EXECUTE; a later `SET @s` does not change what `st` runs, and
DEALLOCATE PREPARE forgets `st` (EXECUTE is then refused, 1243). A user variable set to a
string constant, to constants written side by side ('a' 'b') or to CONCAT of constants holds
a text known before the migration runs; any other value (IF(...), a subquery, SELECT ... INTO)
is known only when it runs. Checked on MariaDB 10.11; the MySQL 8.4 manual says the same
("PREPARE Statement", 15.5.1). MariaDB also takes an expression after FROM (`PREPARE st FROM
CONCAT(...)`); MySQL takes a string constant or a user variable only.

Each character of a known text keeps its place in the migration's file (`Held.offsets`), so a
finding about the statement it holds points into the string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lockwise.core.types import Span, Statement

_VARIABLE = r"@(?:`(?:[^`]|``)+`|'(?:[^']|'')+'|\"(?:[^\"]|\"\")+\"|[\w$.]+)"
_ASSIGNMENT = re.compile(rf"\s*(?P<name>{_VARIABLE})\s*:?=\s*", re.I)
_SELECT_INTO = re.compile(rf"\bINTO\s+(?P<names>{_VARIABLE}(?:\s*,\s*{_VARIABLE})*)", re.I)
_EXECUTE = re.compile(r"^\s*EXECUTE\s+(?P<name>`(?:[^`]|``)+`|[\w$]+)", re.I)
_DEALLOCATE = re.compile(r"^\s*(?:DEALLOCATE|DROP)\s+PREPARE\s+(?P<name>`(?:[^`]|``)+`|[\w$]+)",
                         re.I)
#: The escapes a backslash makes in a string constant (the manual's "String Literals"); any
#: other character after it stands for itself.
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


@dataclass(frozen=True, slots=True)
class Held:
    """A statement's text known before the migration runs: `text`, and the file offset of
    each of its characters (`offsets`); `at`, the PREPARE's statement (1 for the first)."""

    text: str
    offsets: tuple[int, ...]
    at: int = 0


def _key(name: str) -> str:
    """A user variable's or prepared statement's name as the server compares it: without
    its quotes, in any case."""
    name = name.lstrip("@")
    if name[:1] in "`'\"" and name[-1:] == name[:1]:
        name = name[1:-1].replace(name[0] * 2, name[0])
    return name.lower()


def _literal(sql: str, at: int, base: int) -> tuple[str, list[int], int] | None:
    """The string constant starting at `sql[at]` (a quote): its value, each character's file
    offset (`base` is the file offset of `sql[0]`), and where the constant ends."""
    quote, i, value, offsets = sql[at], at + 1, [], []
    while i < len(sql):
        c = sql[i]
        if c == "\\" and i + 1 < len(sql):
            value.append(_ESCAPES.get(sql[i + 1], sql[i + 1]))
            offsets.append(base + i + 1)
            i += 2
        elif c == quote and sql[i + 1:i + 2] == quote:
            value.append(quote)
            offsets.append(base + i)
            i += 2
        elif c == quote:
            return "".join(value), offsets, i + 1
        else:
            value.append(c)
            offsets.append(base + i)
            i += 1
    return None


def _skip(sql: str, at: int) -> int:
    while at < len(sql) and sql[at].isspace():
        at += 1
    return at


def _value(sql: str, at: int, base: int) -> tuple[str, list[int], int] | None:
    """The text the expression starting at `sql[at]` evaluates to when it is made of string
    constants only (side by side, in parentheses, or CONCAT's arguments), and where it
    ends; None for any other expression."""
    at = _skip(sql, at)
    if at < len(sql) and sql[at] in "'\"":
        text, offsets, end = "", [], at
        while end < len(sql) and sql[end] in "'\"":  # 'a' 'b' is 'ab'
            if (piece := _literal(sql, end, base)) is None:
                return None
            text, offsets, end = text + piece[0], offsets + piece[1], _skip(sql, piece[2])
        return text, offsets, end
    if sql[at:at + 1] == "(":
        inner = _value(sql, at + 1, base)
        if inner is None or sql[_skip(sql, inner[2]):][:1] != ")":
            return None
        return inner[0], inner[1], _skip(sql, _skip(sql, inner[2]) + 1)
    if m := re.compile(r"CONCAT\s*\(", re.I).match(sql, at):
        text, offsets, end = "", [], m.end()
        while True:
            arg = _value(sql, end, base)
            if arg is None:
                return None
            text, offsets, end = text + arg[0], offsets + arg[1], _skip(sql, arg[2])
            if sql[end:end + 1] == ")":
                return text, offsets, _skip(sql, end + 1)
            if sql[end:end + 1] != ",":
                return None
            end += 1
    return None


def _held(sql: str, at: int, base: int) -> Held | None:
    """The text of the expression at `sql[at]` when it is known and ends the statement."""
    value = _value(sql, at, base)
    return None if value is None or value[2] != len(sql) else Held(value[0], tuple(value[1]))


def assign(variables: dict[str, Held | None], sql: str, base: int) -> None:
    """Follow SET `sql` (at file offset `base`): each user variable it sets holds the text
    its value makes, or an unknown text (None) for any other value. System variables are
    not followed here."""
    if not (m := re.match(r"\s*SET\b", sql, re.I)):
        return
    at = m.end()
    while m := _ASSIGNMENT.match(sql, at):
        value = _value(sql, m.end(), base)
        if value is None or not (value[2] == len(sql) or sql[value[2]] == ","):
            break
        variables[_key(m.group("name"))] = Held(value[0], tuple(value[1]))
        if value[2] == len(sql):
            return
        at = value[2] + 1
    # an expression not read (or a system variable): what it and the rest set is unknown
    for name in re.finditer(rf"(?<![@\w])({_VARIABLE})\s*:?=", sql[at:]):
        variables[_key(name.group(1))] = None


def select_into(variables: dict[str, Held | None], sql: str) -> None:
    """SELECT ... INTO @a, @b sets those variables to values known only when it runs."""
    if m := _SELECT_INTO.search(sql):
        for name in re.findall(_VARIABLE, m.group("names")):
            variables[_key(name)] = None


def prepare(variables: dict[str, Held | None], source: str, sql: str, base: int,
            at: int) -> Held | None:
    """The text PREPARE ... FROM `source` (the end of `sql`, at file offset `base`) takes,
    when it is known: a variable's known text, or a string constant's (CONCAT and
    parentheses are MariaDB's)."""
    if source.startswith("@"):
        held = variables.get(_key(source))
    else:
        held = _held(sql, len(sql) - len(source), base)
    return None if held is None else Held(held.text, held.offsets, at)


def executed(sql: str) -> str | None:
    """The prepared statement's name EXECUTE `sql` runs (None: not an EXECUTE)."""
    return _key(m.group("name")) if (m := _EXECUTE.match(sql)) else None


def deallocated(sql: str) -> str | None:
    """The prepared statement's name DEALLOCATE PREPARE `sql` forgets."""
    return _key(m.group("name")) if (m := _DEALLOCATE.match(sql)) else None


def name_key(name: str) -> str:
    """A prepared statement's name as the session keys it."""
    return _key(name)


def span_in_file(held: Held, start: int, length: int, text: str) -> Span:
    """Where the `length` characters of `held.text` from `start` are in the file `text`."""
    first = held.offsets[min(start, len(held.offsets) - 1)]
    last = held.offsets[min(start + max(length, 1), len(held.offsets)) - 1]

    def position(offset: int) -> tuple[int, int]:
        line_start = text.rfind("\n", 0, offset) + 1
        return text.count("\n", 0, offset) + 1, offset - line_start + 1

    (line, column), (end_line, end_column) = position(first), position(last)
    return Span(line, column, end_line, end_column, first, last + 1)


def statement_of(held: Held, flavour: str, version: tuple[int, ...]) -> Statement | None:
    """The one statement `held`'s text is, as parse/mysql.py reads it; None for a text it
    does not read whole, or of several statements (the server refuses those at PREPARE,
    1064)."""
    from lockwise.parse.mysql import parse_mysql

    parsed = parse_mysql(held.text, flavour, version)
    return parsed.statements[0] if not parsed.problems and len(parsed.statements) == 1 \
        else None
