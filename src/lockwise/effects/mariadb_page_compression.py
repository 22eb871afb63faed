"""MariaDB's page compression table options, PAGE_COMPRESSED and PAGE_COMPRESSION_LEVEL, and
the statements the server refuses for them (checked on MariaDB 10.11, docs/mysql.md
fix-mysql54 and fix-mysql55).

A compression level means something only for a page-compressed table: InnoDB refuses a table
left with a PAGE_COMPRESSION_LEVEL and without PAGE_COMPRESSED=1, whether the statement writes
both or the table had one of them before (`ALTER TABLE t PAGE_COMPRESSED=0` of a table created
with a level). CREATE TABLE fails with error 1005 (errno 140, "Wrong create options"), ALTER
TABLE with error 1478 (1005 again when it copies into InnoDB: ENGINE=InnoDB of a MyISAM
table). The level alone on a page-compressed table is metadata: INSTANT, writes go on.

Before that the server checks the options themselves: only InnoDB has them (1911, "Unknown
option", naming the first written, on any other engine), and each value must be one it
takes (1912, "Incorrect value": PAGE_COMPRESSED 0, 1, ON, OFF, YES, NO; a level 1 to 9).
A CREATE TABLE that writes no PAGE_COMPRESSED (or `= DEFAULT`) is page compressed when the
session's `innodb_compression_default` is ON; an ALTER TABLE is not touched by it.
"""

from __future__ import annotations

import re

from lockwise.catalog.model import Table
from lockwise.parse.mysql_code import code_only

#: A page compression option and its value (`=` and quotes optional, as in the server's own
#: SHOW CREATE TABLE: `PAGE_COMPRESSED`='1'), found in the statement's code (a string or a
#: comment that says PAGE_COMPRESSED=1 sets nothing).
_OPTION = re.compile(r"(?<![\w$`])`?(PAGE_COMPRESSED|PAGE_COMPRESSION_LEVEL)`?\s*=?\s*"
                     r"('[^']*'|\"[^\"]*\"|\w+)", re.IGNORECASE)
#: The values PAGE_COMPRESSED takes (upper case), with whether each compresses.
_SWITCH = {"1": True, "ON": True, "YES": True, "0": False, "OFF": False, "NO": False}
#: The server's messages, by statement.
_ERRORS = {"CREATE": (1005, "Can't create table {table} (errno: 140 \"Wrong create options\")"),
           "ALTER": (1478, "Table storage engine 'InnoDB' does not support the create option "
                           "'PAGE_COMPRESSION_LEVEL'")}
#: SET [GLOBAL | SESSION | @@...] innodb_compression_default = ON | OFF.
_SESSION_DEFAULT = re.compile(
    r"(?:\b(GLOBAL|SESSION|LOCAL)\s+|@@(?:(GLOBAL|SESSION|LOCAL)\.)?)?"
    r"\binnodb_compression_default\s*:?=\s*['\"]?(\w+)", re.IGNORECASE)


def written(sql: str) -> list[tuple[str, str]]:
    """The page compression options the statement `sql` writes, in order: each name upper
    case, with its value as written (unquoted)."""
    if "PAGE_COMPRESS" not in sql.upper():
        return []
    code = code_only(sql)
    return [(m.group(1).upper(), sql[m.start(2):m.end(2)].strip("'\""))
            for m in _OPTION.finditer(code)]


def _is_set(name: str, value: str, default: bool = False) -> bool:
    """Whether option `name` written as `value` is on: a level but DEFAULT; PAGE_COMPRESSED
    1, ON or YES (DEFAULT: `default`)."""
    upper = value.upper()
    if upper == "DEFAULT":
        return default and name == "PAGE_COMPRESSED"
    return _SWITCH.get(upper, False) if name == "PAGE_COMPRESSED" else True


def _valid(name: str, value: str) -> bool:
    upper = value.upper()
    if upper == "DEFAULT":
        return True
    if name == "PAGE_COMPRESSED":
        return upper in _SWITCH
    return value.isdigit() and 1 <= int(value) <= 9


def written_options(sql: str, default: bool = False) -> dict[str, bool]:
    """The page compression options `sql` writes, upper case, each as whether it is set (the
    last one written counts); `default`: the session's innodb_compression_default, which a
    PAGE_COMPRESSED = DEFAULT takes."""
    return {name: _is_set(name, value, default) for name, value in written(sql)}


def session_default(sql: str, before: tuple[bool, bool]) -> tuple[bool, bool]:
    """The session's innodb_compression_default after the SET statement `sql`, and whether
    the session set its own: `before`, the same before it. SET GLOBAL changes it too while
    the session has set none of its own (MariaDB 10.11: a plugin's session value follows
    the global one until first set), never after."""
    value, own = before
    for m in _SESSION_DEFAULT.finditer(code_only(sql)):
        is_global = "GLOBAL" in ((m.group(1) or "") + (m.group(2) or "")).upper()
        if not (is_global and own):
            value = m.group(3).upper() in ("ON", "1", "TRUE", "YES")
            own = own or not is_global
    return value, own


def apply_options(table: Table, sql: str, created_compressed: bool = False) -> None:
    """Record on `table` the page compression options `sql` (its CREATE or ALTER) writes;
    `created_compressed`: a CREATE TABLE in a session whose innodb_compression_default is
    ON (the table is page compressed unless it says otherwise)."""
    options = written_options(sql, created_compressed)
    table.page_compressed = options.get("PAGE_COMPRESSED",
                                        created_compressed or table.page_compressed)
    table.page_compression_level = options.get("PAGE_COMPRESSION_LEVEL",
                                               table.page_compression_level)


def refused(sql: str, table: Table | None, statement: str, table_text: str,
            engine: str = "", session_compressed: bool = False, moved: bool = False,
            bad_options_ignored: bool | None = False) -> dict | None:
    """The facts of MariaDB's refusal of `sql`, a CREATE or ALTER (`statement`) TABLE of
    `table` (None: unknown to the replay, or new) that leaves it on `engine` (lower case, ""
    for InnoDB, the default): its options on another engine, a value the server does not
    take, a compression level and no page compression. None otherwise, or when the options
    are not known (an ALTER of a table the replay does not know writing only
    PAGE_COMPRESSED=0). `session_compressed`: innodb_compression_default is ON (a CREATE);
    `moved`: an ALTER that moves the table to `engine` (ENGINE=InnoDB of a MyISAM table);
    `bad_options_ignored`: the session's sql_mode makes the first two warnings (True), or is
    not known (None: not said; effects/mysql_sql_mode.py)."""
    options = written(sql)
    if not options:
        return None
    text = f"{statement} TABLE"
    if bad_options_ignored is not False and (engine not in ("", "innodb") or not all(
            _valid(n, v) for n, v in options)):
        return None
    if engine not in ("", "innodb"):
        return {
                "error_code": 1911, "server_error": f"Unknown option '{options[0][0]}'",
                "statement_text": text, "page_compression_problem":
                f"{options[0][0]} on a table whose engine is {engine}, not InnoDB"}
    if (bad := next(((n, v) for n, v in options if not _valid(n, v)), None)) is not None:
        return {"error_code": 1912,
                "server_error": f"Incorrect value '{bad[1]}' for option '{bad[0]}'",
                "statement_text": text, "page_compression_problem":
                f"{bad[0]}={bad[1]}, a value outside what MariaDB takes"
                + (" (a level is 1 to 9)" if bad[0] == "PAGE_COMPRESSION_LEVEL" else "")}
    default = session_compressed and statement == "CREATE"
    values = written_options(sql, default)
    before = table if statement == "ALTER" else None
    level = values.get("PAGE_COMPRESSION_LEVEL",
                       before.page_compression_level if before is not None else False)
    compressed = values.get("PAGE_COMPRESSED",
                            before.page_compressed if before is not None else default)
    if not level or compressed or statement == "ALTER" and table is None and \
            "PAGE_COMPRESSED" not in values:
        return None
    # (an ALTER that moves the table into InnoDB copies it into a new one: CREATE's error)
    code, message = _ERRORS["CREATE" if moved else statement]
    return {
            "error_code": code, "server_error": message.format(table=table_text),
            "statement_text": text, "page_compression_problem":
            "a PAGE_COMPRESSION_LEVEL without PAGE_COMPRESSED=1"}
