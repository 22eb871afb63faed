"""Which texts of an untyped string constant the server takes as input of a built-in type
(checked on 18.6): lockwise says "" (taken), the server's message (refused) or None (not
decided: a spelling it does not follow cheaply), and never refuses what the server takes."""

from __future__ import annotations

import pytest

from lockwise.catalog.type_input import input_verdict

#: A verdict lockwise leaves open: the server's answer is in the third place all the same.
UNKNOWN = None
INT = 'invalid input syntax for type integer: "{}"'
RANGE = 'value "{}" is out of range for type {}'
DATE_RANGE = 'date/time field value out of range: "{}"'

#: (type, text, what the server says: "" when it takes it, else its message; lockwise's
#: verdict when it differs from the server's: UNKNOWN)
CASES = [
    ("int4", "12", ""),
    ("int4", "  12  ", ""),
    ("int4", "\t12\n", ""),
    ("int4", "+5", ""),
    ("int4", "-0", ""),
    ("int4", "00012", ""),
    ("int4", "1_000", ""),
    ("int4", "0x1F", ""),
    ("int4", "0x_1F", ""),
    ("int4", "0O17", ""),
    ("int4", "0b101", ""),
    ("int4", "2147483647", ""),
    ("int4", "-2147483648", ""),
    ("int4", "-0x80000000", ""),
    ("int4", "1.5", INT.format("1.5")),
    ("int4", " 12x", INT.format(" 12x")),
    ("int4", "1e3", INT.format("1e3")),
    ("int4", "12 3", INT.format("12 3")),
    ("int4", "- 5", INT.format("- 5")),
    ("int4", "_1000", INT.format("_1000")),
    ("int4", "+_1", INT.format("+_1")),
    ("int4", "1_", INT.format("1_")),
    ("int4", "1__0", INT.format("1__0")),
    ("int4", "0x", INT.format("0x")),
    ("int4", "0x1F_", INT.format("0x1F_")),
    ("int4", "", INT.format("")),
    ("int4", " ", INT.format(" ")),
    ("int4", "NaN", INT.format("NaN")),
    ("int4", "\u00a012", INT.format("\u00a012")),  # (no C blank)
    ("int4", "2147483648", RANGE.format("2147483648", "integer")),
    ("int4", "99999999999", RANGE.format("99999999999", "integer")),
    ("int4", "-2147483649", RANGE.format("-2147483649", "integer")),
    ("int4", "0x80000000", RANGE.format("0x80000000", "integer")),
    # the digits pass a tenth of the range before the x is read: out of range, not syntax
    ("int4", "99999999999x", RANGE.format("99999999999x", "integer")),
    ("int4", "2147483649x", INT.format("2147483649x")),
    ("int2", "32767", ""),
    ("int2", "-32768", ""),
    ("int2", "32768", RANGE.format("32768", "smallint")),
    ("int2", "1.5", 'invalid input syntax for type smallint: "1.5"'),
    ("int8", "9223372036854775807", ""),
    ("int8", "-9223372036854775808", ""),
    ("int8", "9223372036854775808", RANGE.format("9223372036854775808", "bigint")),
    ("int8", "0xFFFFFFFFFFFFFFFF", RANGE.format("0xFFFFFFFFFFFFFFFF", "bigint")),
    ("int8", "1.5", 'invalid input syntax for type bigint: "1.5"'),
    ("numeric", "1.5", ""),
    ("numeric", "1e3", ""),
    ("numeric", " -1.5E-3 ", ""),
    ("numeric", "1.", ""),
    ("numeric", ".5_0", ""),
    ("numeric", "1_000.5", ""),
    ("numeric", "1e1_0", ""),
    ("numeric", "-0x1F", ""),
    ("numeric", " nan ", ""),
    ("numeric", "+Infinity", ""),
    ("numeric", "-inf", ""),
    ("numeric", "99999999999999999999999", ""),
    ("numeric", "1e100000", "", UNKNOWN),  # (a long exponent may overflow: not decided)
    ("numeric", "-NaN", 'invalid input syntax for type numeric: "-NaN"'),
    ("numeric", ".", 'invalid input syntax for type numeric: "."'),
    ("numeric", "1e", 'invalid input syntax for type numeric: "1e"'),
    ("numeric", "1_.5", 'invalid input syntax for type numeric: "1_.5"'),
    ("numeric", "0x1.8", 'invalid input syntax for type numeric: "0x1.8"'),
    ("numeric", " 12x", 'invalid input syntax for type numeric: " 12x"'),
    ("numeric", "{1}", 'invalid input syntax for type numeric: "{1}"'),
    ("float8", "1e3", "", UNKNOWN),  # (floats: only what has no digit, or a brace)
    ("float8", "-Infinity", "", UNKNOWN),
    ("float8", "x", 'invalid input syntax for type double precision: "x"'),
    ("bool", " t ", ""),
    ("bool", "tr", ""),
    ("bool", "OF", ""),
    ("bool", "1", ""),
    ("bool", "o", 'invalid input syntax for type boolean: "o"'),
    ("bool", "01", 'invalid input syntax for type boolean: "01"'),
    ("bool", "\u00a0t", 'invalid input syntax for type boolean: "\u00a0t"'),
    ("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", ""),
    ("uuid", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", ""),
    ("uuid", "A0EEBC999C0B4EF8BB6D6BB9BD380A11", ""),
    ("uuid", "a0ee-bc99-9c0b4ef8-bb6d6bb9-bd380a11", ""),
    ("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
     'invalid input syntax for type uuid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"'),
    ("uuid", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
     'invalid input syntax for type uuid: " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"'),
    ("uuid", "a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
     'invalid input syntax for type uuid: "a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11"'),
    ("uuid", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
     'invalid input syntax for type uuid: "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"'),
    ("date", "2024-01-01", ""),
    ("date", " 2024-02-29 ", ""),
    ("date", "2000-02-29", ""),
    ("date", "2024-01-01 24:00", ""),
    ("date", "2024-01-01T10:00:60.5", ""),
    ("date", "today", ""),
    ("date", " TODAY ", ""),
    ("date", "tomorrow", ""),
    ("date", "yesterday", ""),
    ("date", "now", ""),
    ("date", "epoch", ""),
    ("date", "Infinity", ""),
    ("date", "-infinity", ""),
    ("date", "2024-13-45", DATE_RANGE.format("2024-13-45")),
    ("date", "2024-02-30", DATE_RANGE.format("2024-02-30")),
    ("date", "2023-02-29", DATE_RANGE.format("2023-02-29")),
    ("date", "1900-02-29", DATE_RANGE.format("1900-02-29")),
    ("date", "0000-01-01", DATE_RANGE.format("0000-01-01")),
    ("date", "2024-01-01 25:00", DATE_RANGE.format("2024-01-01 25:00")),
    ("date", "2024-01-01 24:00:01", DATE_RANGE.format("2024-01-01 24:00:01")),
    ("date", "2024-01-01 10:00:61", DATE_RANGE.format("2024-01-01 10:00:61")),
    ("date", "yesterdayish", 'invalid input syntax for type date: "yesterdayish"'),
    ("date", "allballs", 'invalid input syntax for type date: "allballs"'),
    ("date", "monday", 'invalid input syntax for type date: "monday"'),
    ("date", "EST", 'invalid input syntax for type date: "EST"'),
    ("date", " ", 'invalid input syntax for type date: " "'),
    ("date", "Jan 5 2024", "", UNKNOWN),  # (other spellings: not decided)
    ("date", "1/2/2024", "", UNKNOWN),
    ("date", "today at", "", UNKNOWN),
    ("date", "13/13/2024", DATE_RANGE.format("13/13/2024"), UNKNOWN),
    ("date", "1.5", 'invalid input syntax for type date: "1.5"', UNKNOWN),
    ("timestamp", "2024-01-01 10:00", ""),
    ("timestamp", "2024-01-01T10:00:00.1234567", ""),
    ("timestamp", "2024-01-01 24:00:00", ""),
    ("timestamp", "epoch", ""),
    # a text longer than the server's buffer for the fields (MAXDATELEN): not decided
    ("timestamp", "2024-01-01 10:00:00." + "1" * 5000,
     'invalid input syntax for type timestamp: "2024-01-01 10:00:00.' + "1" * 5000 + '"',
     UNKNOWN),
    ("timestamp", "2024-01-01 24:00:00.5", DATE_RANGE.format("2024-01-01 24:00:00.5")),
    ("timestamp", "2024-01-01 10:60", DATE_RANGE.format("2024-01-01 10:60")),
    ("timestamp", "2023-02-29 10:00", DATE_RANGE.format("2023-02-29 10:00")),
    ("timestamp", "yesterdayish", 'invalid input syntax for type timestamp: "yesterdayish"'),
    ("timestamp", "2024-01-01 10:00:00+02", "", UNKNOWN),
    ("timestamptz", "2024-01-01 10:00:00", ""),
    ("timestamptz", "now", ""),
    ("timestamptz", "2024-04-31", DATE_RANGE.format("2024-04-31")),
    ("timestamptz", "yesterdayish",
     'invalid input syntax for type timestamp with time zone: "yesterdayish"'),
    ("text", "anything", "", UNKNOWN),  # (a type not followed)
]


def _verdict(case: tuple) -> str | None:
    """What lockwise is to say of `case`: the server's word, unless the case says UNKNOWN."""
    return case[3] if len(case) > 3 else case[2]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}:{c[1]!r}")
def test_lockwise_reads_a_constant_as_the_server_does(case: tuple) -> None:
    assert input_verdict(case[0], case[1]) == _verdict(case)


@pytest.mark.postgres
def test_the_server_reads_each_constant_so(pg_db: str) -> None:
    import psycopg

    seen = []
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for type_name, text, *_ in CASES:
            try:  # (the text passed as a parameter: any character, no quoting)
                conn.execute(f"SELECT %s::text::{type_name}", (text,))
                seen.append("")
            except psycopg.Error as exc:
                seen.append(exc.diag.message_primary)
    assert seen == [case[2] for case in CASES]

