"""Whether the server takes the text of an untyped string constant as input of a built-in
type, as it reads such a constant when it analyzes a statement (`'1.5'::int`, an untyped
constant among the VALUES rows of an integer column, a call's argument): a constant that is
no input of its type refuses the whole statement then ("invalid input syntax for type
integer: "1.5"", "value "99999999999" is out of range for type integer", "date/time field
value out of range: "2024-13-45"").

Decided only where it is cheap and certain (checked on 18.6: tests/test_type_input.py):
integers (int2, int4, int8: blanks around, a sign, decimal digits or a 0x / 0o / 0b
prefix, `_` between digits, and the type's range), numeric (the same, a decimal point and
an exponent, NaN and infinity), floats (a digit, or NaN or infinity, and no brace),
boolean (boolin's spellings), uuid (32 hex digits, a `-` after any four, braces around),
date, timestamp and timestamptz (an ISO date `YYYY-MM-DD` and a time `HH:MM[:SS[.f]]`, or
one word: the special values are taken, any other word refused). Anything else is unknown
(None): never said to be refused.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog

#: What C's isspace() skips around a number's or boolean's input (not Unicode's blanks).
_BLANKS = " \t\n\r\v\f"
#: The ranges of the integer types.
_INTEGER_BITS = {"int2": 16, "int4": 32, "int8": 64}
_BASES = {"0x": 16, "0o": 8, "0b": 2}
_DIGITS = "0123456789abcdef"
#: A numeric's integer of a base's prefix (decimal ones are read as `_DECIMAL`).
_PREFIXED = re.compile(r"[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+)")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)"
                      r"(?:[eE][+-]?(\d+(?:_\d+)*))?")
#: The words numeric takes (NaN without a sign; infinity with one or not).
_NUMERIC_WORDS = re.compile(r"nan|[+-]?(?:inf|infinity)", re.IGNORECASE)
#: The words a float's input takes without a digit (a sign before them).
_FLOAT_WORDS = frozenset({"nan", "inf", "infinity"})
#: What boolin takes, in lower case (parse_bool_with_len): a prefix of true, false, yes or
#: no, `on`, a prefix of `off` of two letters or more, 1 or 0.
_BOOLEAN_INPUTS = frozenset(
    {word[:n] for word in ("true", "false", "yes", "no") for n in range(1, len(word) + 1)} |
    {"on", "of", "off", "1", "0"})
_UUID = re.compile(r"(\{)?(?:[0-9a-fA-F]{4}-?){7}[0-9a-fA-F]{4}(?(1)\})")
#: An ISO date and an optional time, as written most often (other spellings: unknown).
_ISO_DATE_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})"
                            r"(?:[ Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?")
#: The special values the date and timestamp types take as one word.
_DATE_WORDS = re.compile(r"epoch|[+-]?infinity|now|today|tomorrow|yesterday", re.IGNORECASE)
_DATE_TYPES = frozenset({"date", "timestamp", "timestamptz"})
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def no_input_of(type_name: str, text: str) -> bool:
    """Whether an untyped string constant of `text` is certainly no input of `type_name`
    (`input_verdict` gives the server's message); False when it is, or lockwise cannot
    tell."""
    return bool(input_verdict(type_name, text))


def input_verdict(type_name: str, text: str) -> str | None:
    """What the server says reading `text` as input of built-in type `type_name` (as
    `column_type` names it, without typmods): "" when it takes it, the message it refuses
    it with, None when lockwise cannot tell cheaply (a type or spelling not followed)."""
    if type_name in _INTEGER_BITS:
        return _integer(type_name, text)
    if type_name == "numeric":
        return _numeric(text)
    if type_name in ("float4", "float8"):
        word = text.strip(_BLANKS).lower().lstrip("+-")
        number = any(c.isdigit() for c in text) or word in _FLOAT_WORDS
        return None if number and "{" not in text else _syntax(type_name, text)
    if type_name == "bool":
        return "" if text.strip(_BLANKS).lower() in _BOOLEAN_INPUTS else \
            _syntax(type_name, text)
    if type_name == "uuid":
        return "" if _UUID.fullmatch(text) else _syntax(type_name, text)
    if type_name in _DATE_TYPES:
        return _date_time(type_name, text)
    return None


#: The parts of a SelectStmt in the order the server analyzes them (transformSelectStmt,
#: transformValuesClause, transformSetOperationStmt; checked on 18.6): WITH, FROM, the select
#: list, WHERE, HAVING, VALUES rows, a set operation's arms; then (its VALUES' or set
#: operation's common types resolved) ORDER BY before GROUP BY, DISTINCT ON, OFFSET, LIMIT.
_ANALYZED = ("withClause", "fromClause", "targetList", "whereClause", "havingClause",
             "valuesLists")
_ARMS = ("larg", "rarg")
_ANALYZED_AFTER = ("sortClause", "groupClause", "distinctClause", "limitOffset", "limitCount",
                   "windowClause")
#: The steps of `refused_input`'s walk: a node to enter, a SelectStmt's body to enter, a
#: TypeCast's body to read once its argument is, a place `InputRefused` names once its
#: parts are entered.
_ENTER, _SELECT, _CAST, _RESOLVED = range(4)


def refused_input(catalog: Catalog, query: object) -> str:
    """The server's message for the first string constant of `query` it reads as input of a
    type that it is certainly no input of, or "" when there is none: one cast to the type
    (`'1.5'::int`, `int '1.5'`, `CAST('x' AS uuid)`, anywhere in the query: the server reads
    each as it analyzes the query, a branch never taken too), or an untyped one among an
    ARRAY's elements, VALUES rows or a set operation's sides, no input of their common type
    where the typing of the query works it out (`query_columns.input_refusal`). Of several,
    the one the server meets first as it analyzes the query, parts in its order (`_ANALYZED`;
    an expression's left to right, a cast's or a common type's after what is inside it);
    checked on 18.6. An array type's constant (its elements) is not read."""
    from lockwise.catalog.query_columns import input_refusal

    resolving = input_refusal(catalog, query)
    stack: list[tuple[int, Any]] = [(_ENTER, query)]
    while stack:
        step, node = stack.pop()
        if step == _CAST:
            message = _cast_verdict(catalog, node)
            if message:
                return message
            continue
        if step == _RESOLVED:
            if resolving is not None and node is resolving.where:
                return resolving.message
            continue
        steps: list[tuple[int, Any]] = []
        if step == _SELECT:
            steps += [(_ENTER, node[part]) for part in _ANALYZED if node.get(part)]
            steps += [(_SELECT, node[part]) for part in _ARMS if node.get(part)]
            steps.append((_RESOLVED, node))
            steps += [(_ENTER, node[part]) for part in _ANALYZED_AFTER if node.get(part)]
        elif type(node) is list:
            steps = [(_ENTER, item) for item in node]
        elif type(node) is dict:
            for key, value in node.items():
                if key == "SelectStmt":
                    steps.append((_SELECT, value))
                elif key == "TypeCast":
                    steps += [(_ENTER, value), (_CAST, value)]
                elif key == "A_ArrayExpr":
                    steps += [(_ENTER, value), (_RESOLVED, value)]
                elif type(value) in (dict, list):
                    steps.append((_ENTER, value))
        else:
            continue
        stack.extend(reversed(steps))
    return resolving.message if resolving is not None else ""


def _cast_verdict(catalog: Catalog, cast: dict) -> str | None:
    """The message the server refuses TypeCast body `cast` with: a string constant that is
    certainly no input of the type it is cast to (not an array type's)."""
    from lockwise.effects.nodes import unwrap

    arg_kind, arg = unwrap(cast.get("arg"))
    if arg_kind != "A_Const" or "sval" not in arg:
        return None
    name, _, array = catalog.column_type(cast.get("typeName"))
    return None if array else input_verdict(name, str(arg["sval"].get("sval", "")))


def _syntax(type_name: str, text: str) -> str:
    from lockwise.effects.nodes import format_type

    name = format_type(type_name, ()).removesuffix(" without time zone")
    return f'invalid input syntax for type {name}: "{text}"'


def _integer(type_name: str, text: str) -> str:
    """int2in / int4in / int8in (pg_strtoint*_safe): blanks, a sign, a base's prefix, its
    digits (`_` between two, or after the prefix), blanks; out of range as soon as the
    digits read so far pass a tenth (a base's part) of its range, else at the end."""
    at = len(text) - len(text.lstrip(_BLANKS))
    negative = text[at:at + 1] == "-"
    at += text[at:at + 1] in ("-", "+")
    base = _BASES.get(text[at:at + 2].lower(), 10)
    at += 2 if base != 10 else 0
    bound = 2 ** (_INTEGER_BITS[type_name] - 1)
    first, value = at, 0
    while at < len(text):
        digit = _DIGITS.find(text[at].lower(), 0, base)
        if digit >= 0:
            if value > bound // base:
                return _out_of_range(type_name, text)
            value, at = value * base + digit, at + 1
        elif text[at] == "_" and (base != 10 or at > first) and \
                _DIGITS.find(text[at + 1:at + 2].lower() or "_", 0, base) >= 0:
            at += 1
        else:
            break
    if at == first or text[at:].strip(_BLANKS):
        return _syntax(type_name, text)
    return "" if value <= bound - (not negative) else _out_of_range(type_name, text)


def _out_of_range(type_name: str, text: str) -> str:
    from lockwise.effects.nodes import format_type

    return f'value "{text}" is out of range for type {format_type(type_name, ())}'


def _numeric(text: str) -> str | None:
    """numeric_in: a word, an integer with a prefix, or a decimal with an exponent; one
    whose exponent or length may overflow numeric's format is left unknown."""
    word = text.strip(_BLANKS)
    if _NUMERIC_WORDS.fullmatch(word):
        return ""
    if _PREFIXED.fullmatch(word):
        return ""
    found = _DECIMAL.fullmatch(word)
    if found is None:
        return _syntax("numeric", text)
    exponent = found.group(1)
    return "" if len(word) < 1000 and (exponent is None or len(exponent) < 4) else None


def _date_time(type_name: str, text: str) -> str | None:
    """date_in / timestamp_in / timestamptz_in for the spellings `_ISO_DATE_TIME` and one
    word or none (the special values taken, any other word refused: no date without
    digits)."""
    written = text.strip(_BLANKS)
    if not written or written.isalpha() or written[1:].isalpha() and written[:1] in "+-":
        return "" if _DATE_WORDS.fullmatch(written) else _syntax(type_name, text)
    # (a long text overflows the server's buffer for the fields, MAXDATELEN: not followed)
    found = _ISO_DATE_TIME.fullmatch(written) if len(text) <= 64 else None
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(f or 0) for f in found.groups()[:6])
    fraction = (found.group(7) or "").strip("0")
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = _DAYS[month - 1] + (month == 2 and leap) if 1 <= month <= 12 else 0
    # (ValidateDate, DecodeTime: 24:00:00 is taken, a leap second 60 too)
    if year and 1 <= day <= days and minute < 60 and second <= 60 and (
            hour < 24 or hour == 24 and not (minute or second or fraction)):
        return ""
    return f'date/time field value out of range: "{text}"'
