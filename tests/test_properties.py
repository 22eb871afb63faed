"""Java properties files as the JVM tools whose settings lockwise reads load them
(discover/properties.py): java.util.Properties.load (Spring Boot's application.properties)
and Flyway's flyway.conf, which doubles every backslash before loading, but one that ends a
line continued by the next."""

from __future__ import annotations

import pytest

from lockwise.discover.properties import MalformedProperties, flyway_lines, property_entries


def _entries(text: str) -> list[tuple[str, str]]:
    return list(property_entries(text.splitlines()))


@pytest.mark.parametrize(("text", "expected"), [
    ("a=b\n", [("a", "b")]),
    ("  a : b  \n", [("a", "b")]),
    ("a b\n", [("a", "b")]),
    ("a\n", [("a", "")]),
    ("# a=b\n! c=d\n\n", []),
    ("a=one \\\n    two\n", [("a", "one two")]),  # continued: its indentation dropped
    ("a=one\\\n\\\n  two\n", [("a", "onetwo")]),
    ("a=one\\\\\nb=two\n", [("a", "one\\"), ("b", "two")]),  # even: an escaped backslash
    ("a=one\\\\\\\n two\n", [("a", "one\\two")]),  # odd: continued
    ("a=one\\\n\nb=two\n", [("a", "one"), ("b", "two")]),  # an empty line ends it
    ("a=one\\\n# not a comment\n", [("a", "one# not a comment")]),
    ("# comment \\\na=b\n", [("a", "b")]),  # a comment is never continued
    ("a=one\\", [("a", "one")]),  # continued at the end of the file
    ("a=\\u0041\\tB\\nC\\x\n", [("a", "A\tB\nCx")]),
    ("a\\=b\\:c = d\n", [("a=b:c", "d")]),
    ("a\\ b = c\n", [("a b", "c")]),
    ("a = \\ b\n", [("a", " b")]),  # an escaped space is kept
    ("a==b\n", [("a", "=b")]),
    ("a=b\na=c\n", [("a", "b"), ("a", "c")]),
], ids=["equals", "colon-spaces", "space", "no-value", "comments", "continued",
        "continued-twice", "even-backslashes", "odd-backslashes", "empty-line-ends",
        "continuation-not-comment", "comment-not-continued", "at-end", "escapes",
        "escaped-separators-in-key", "escaped-space-in-key", "escaped-space-in-value",
        "second-equals", "repeated"])
def test_entries_as_java_properties_load_reads_them(
        text: str, expected: list[tuple[str, str]]) -> None:
    assert _entries(text) == expected


@pytest.mark.parametrize("text", ["a=\\u00\n", "a=\\uZZZZ\n", "a\\u12=b\n"])
def test_a_malformed_unicode_escape_is_refused(text: str) -> None:
    """java.util.Properties.load (and Spring Boot's loader) refuse the whole file."""
    with pytest.raises(MalformedProperties):
        _entries(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("flyway.initSql=SET a = 1;\\\n  SET b = 2;\n", [("flyway.initSql", "SET a = 1;SET b = 2;")]),
    ("flyway.locations=filesystem:C:\\sql\\tables\n",
     [("flyway.locations", "filesystem:C:\\sql\\tables")]),  # no escapes: a backslash is one
    ("flyway.a=x\\tz\\u0041\n", [("flyway.a", "x\\tz\\u0041")]),
    ("flyway.a=x\\\nflyway.b=y\n", [("flyway.a", "x\\"), ("flyway.b", "y")]),
    ("flyway.a=x\\\n\nflyway.b=y\n", [("flyway.a", "x\\"), ("flyway.b", "y")]),
    ("flyway.a=x\\\n   \n", [("flyway.a", "x")]),  # continued onto a blank line: ended
    ("flyway.a=x\\\nflyway.b\n", [("flyway.a", "xflyway.b")]),  # no `=`: not a property
    ("flyway.a=x \\  \n   y\n", [("flyway.a", "x y")]),  # lines trimmed first
    ("flyway.a=x\\", [("flyway.a", "x\\")]),  # the last line: not continued
], ids=["continued", "windows-path", "no-escapes", "next-is-property", "next-is-empty",
        "next-is-blank", "next-has-no-equals", "trimmed", "last-line"])
def test_flyway_conf_entries_as_flyway_reads_them(
        text: str, expected: list[tuple[str, str]]) -> None:
    assert list(property_entries(flyway_lines(text))) == expected
