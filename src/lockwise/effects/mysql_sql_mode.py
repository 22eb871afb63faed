"""The session's sql_mode, as a migration's SET statements leave it.

A migration tool runs a migration on one connection: `SET [SESSION] sql_mode = ...` holds for
the statements after it in that migration, and not for the next one (another session, the
server's default again). `SET GLOBAL sql_mode` changes new sessions only, not the one that runs
it (checked on MariaDB 10.11: `@@session.sql_mode` is unchanged after it). The defaults are
the servers': MariaDB 10.11's (checked) and MySQL 8.0 / 8.4's (its manual, "Server SQL
Modes"). A value lockwise cannot compute (a subquery, a user variable, @@GLOBAL.sql_mode)
leaves the mode unknown (None): what depends on it is not said.
"""

from __future__ import annotations

import re

#: The modes each server starts a session with.
DEFAULT_MODES = {
    "mariadb": frozenset({"STRICT_TRANS_TABLES", "ERROR_FOR_DIVISION_BY_ZERO",
                          "NO_AUTO_CREATE_USER", "NO_ENGINE_SUBSTITUTION"}),
    "mysql": frozenset({"ONLY_FULL_GROUP_BY", "STRICT_TRANS_TABLES", "NO_ZERO_IN_DATE",
                        "NO_ZERO_DATE", "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION"}),
}
#: The combination modes, as both servers' manuals list them (TRADITIONAL's members that
#: matter here are the same on both).
_COMBINATIONS = {
    "TRADITIONAL": {"STRICT_TRANS_TABLES", "STRICT_ALL_TABLES", "NO_ZERO_IN_DATE",
                    "NO_ZERO_DATE", "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION"},
    "ANSI": {"REAL_AS_FLOAT", "PIPES_AS_CONCAT", "ANSI_QUOTES", "IGNORE_SPACE"},
}
#: `SET ... sql_mode =` for the session: SESSION / LOCAL / @@ / @@SESSION. / @@LOCAL., not
#: GLOBAL nor @@GLOBAL.
_ASSIGNED = re.compile(
    r"(?<![\w.@])(?P<scope>GLOBAL\s+|SESSION\s+|LOCAL\s+|@@GLOBAL\.|@@SESSION\.|@@LOCAL\.|@@)?"
    r"sql_mode\s*:?=\s*", re.I)
_CURRENT = re.compile(r"@@(?:SESSION\.|LOCAL\.)?sql_mode\b", re.I)
_STRING = re.compile(r"'((?:[^'\\]|''|\\.)*)'|\"((?:[^\"\\]|\"\"|\\.)*)\"")


def _modes(text: str) -> frozenset[str]:
    """The modes a sql_mode string names, combinations spread out."""
    names = {name.strip().upper() for name in text.split(",") if name.strip()}
    for name in list(names):
        names |= _COMBINATIONS.get(name, set())
    return frozenset(names)


def _argument(text: str, current: frozenset[str]) -> frozenset[str] | str | None:
    """A string argument's value: @@sql_mode's modes, a string constant's text."""
    text = text.strip()
    if _CURRENT.fullmatch(text):
        return current
    if m := _STRING.fullmatch(text):
        return m.group(1) if m.group(1) is not None else m.group(2)
    return None


def _split(args: str) -> list[str]:
    """Top-level comma-separated arguments (commas inside strings kept)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, c in enumerate(args):
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(args[start:i])
            start = i + 1
    return [*parts, args[start:]]


def _as_text(value: frozenset[str] | str) -> str:
    return ",".join(sorted(value)) if isinstance(value, frozenset) else value


def _value(expr: str, current: frozenset[str] | None, flavour: str) -> frozenset[str] | None:
    """The modes `expr` sets: a string, DEFAULT, @@sql_mode, CONCAT(...) or REPLACE(...) of
    those (the idioms that add or remove one mode); None for another expression."""
    expr = expr.strip()
    if expr.upper() == "DEFAULT":
        return DEFAULT_MODES[flavour]
    if current is None and _CURRENT.search(expr):
        return None
    known = current if current is not None else frozenset()
    if (m := re.fullmatch(r"(CONCAT|REPLACE)\s*\((.*)\)", expr, re.I | re.S)):
        args = [_argument(a, known) or _value(a, current, flavour)
                for a in _split(m.group(2))]
        if any(a is None for a in args):
            return None
        texts = [_as_text(a) for a in args]  # type: ignore[arg-type]
        if m.group(1).upper() == "CONCAT":
            return _modes(",".join(texts))
        if len(texts) != 3:
            return None
        return _modes(texts[0].replace(texts[1], texts[2]))
    value = _argument(expr, known)
    return None if value is None else value if isinstance(value, frozenset) else _modes(value)


def after_set(sql: str, current: frozenset[str] | None, flavour: str
              ) -> frozenset[str] | None:
    """The session's sql_mode after SET statement `sql` (`current` before it; None when
    unknown)."""
    for m in _ASSIGNED.finditer(sql):
        scope = (m.group("scope") or "").strip().upper()
        if scope.startswith(("GLOBAL", "@@GLOBAL")):
            continue  # new sessions only
        rest = sql[m.end():]
        value = _split(rest)[0]
        current = _value(value, current, flavour)
    return current


def ignores_bad_table_options(modes: frozenset[str] | None) -> bool | None:
    """Whether MariaDB answers an unknown table option or a bad value of one (1911, 1912)
    with a warning and makes the table: IGNORE_BAD_TABLE_OPTIONS without a strict mode
    (STRICT_TRANS_TABLES or STRICT_ALL_TABLES keep them errors: checked on 10.11). None:
    the mode is not known."""
    if modes is None:
        return None
    return "IGNORE_BAD_TABLE_OPTIONS" in modes and not strict(modes)


def strict(modes: frozenset[str] | None) -> bool | None:
    """Whether a strict mode is on (STRICT_TRANS_TABLES or STRICT_ALL_TABLES); None: not
    known."""
    return None if modes is None else bool(modes & {"STRICT_TRANS_TABLES", "STRICT_ALL_TABLES"})


#: A zero date written as a string: '0000-00-00', with a zero time and fraction or not.
_ZERO_DATE = re.compile(r"0{4}-0{2}-0{2}(?:[ T]0{2}:0{2}:0{2}(?:\.0*)?)?")
#: A date whose month or day is zero, its year (group 1) not: NO_ZERO_IN_DATE's.
_ZERO_IN_DATE = re.compile(r"(\d{4})-(?:00-\d{2}|\d{2}-00)(?:[ T][\d:.]*)?")
_DATE_TYPES = frozenset({"date", "datetime", "timestamp", "timestamptz"})  # (sqlglot: TIMESTAMPTZ)
_CHAR_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar"})


def invalid_date_default(type_name: str, default: str | int | None,
                         modes: frozenset[str] | None, flavour: str) -> str | None:
    """Why the server refuses DEFAULT `default` (a string constant's text, an integer) for a
    DATE / DATETIME / TIMESTAMP column under `modes` (error 1067), None when it takes it or
    the mode is not known. A zero date (a string of zeros or the number 0) where NO_ZERO_DATE
    is set, a date with a zero month or day ('2020-00-10') where NO_ZERO_IN_DATE is: refused
    on MariaDB 10.11 strict or not (checked); MySQL 8's manual ("Server SQL Modes",
    NO_ZERO_DATE, NO_ZERO_IN_DATE: "If this mode and strict mode are enabled, ... not
    permitted") with a strict mode too, as its default mode has. The same holds for a
    default stored earlier, at each later ALTER of its table (`stored_default_refused`)."""
    if modes is None or default is None or type_name not in _DATE_TYPES or not (
            flavour == "mariadb" or strict(modes)):
        return None
    tail = ")" if flavour == "mariadb" else " with a strict mode)"
    if "NO_ZERO_DATE" in modes and (
            default == 0 or isinstance(default, str) and _ZERO_DATE.fullmatch(default)):
        return "a zero date, which the session's sql_mode refuses (NO_ZERO_DATE" + tail
    if "NO_ZERO_IN_DATE" in modes and isinstance(default, str) and \
            (m := _ZERO_IN_DATE.fullmatch(default)) and m.group(1) != "0000":
        return "a date with a zero month or day, which the session's sql_mode refuses " \
            "(NO_ZERO_IN_DATE" + tail
    return None


def invalid_default(type_name: str, length: int | None, default: str | int | None,
                    modes: frozenset[str] | None, flavour: str) -> str | None:
    """Why the server refuses a column of `type_name` (`length` characters for a CHAR or
    VARCHAR) with DEFAULT `default` (a string constant's text, an integer, None for another
    default) under `modes` (error 1067, "Invalid default value"): None when it takes it, or
    when the mode is not known. A date the mode refuses (`invalid_date_default`); a string
    longer than a CHAR / VARCHAR's length: refused on MariaDB in any mode (checked), on MySQL
    in a strict mode (its manual's strict mode; not checked)."""
    if modes is None or default is None:
        return None
    if why := invalid_date_default(type_name, default, modes, flavour):
        return why
    if type_name in _CHAR_TYPES and length is not None and isinstance(default, str) and \
            len(default) > length and (flavour == "mariadb" or strict(modes)):
        return f"{len(default)} characters, longer than the column's {length}"
    return None
