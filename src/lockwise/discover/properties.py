"""Java properties files, as the JVM tools whose settings lockwise reads take them (Flyway's
flyway.conf and script configs, Spring Boot's application.properties).

`property_entries` reads lines as `java.util.Properties.load` does (Spring Boot's loader reads
them the same way): a line that ends in an odd number of backslashes goes on in the next one,
whose leading whitespace is dropped; `#` and `!` start a comment line (never continued); the
key ends at the first `=`, `:` or whitespace not escaped; `\\t`, `\\n`, `\\r`, `\\f` and
`\\uXXXX` are escapes, and a backslash before any other character stands for that character
(`\\=`, `\\:`, `\\ `, `\\\\`). A value's trailing whitespace is dropped, as Flyway (which trims
each line) and Spring Boot do. `flyway_lines` first does to a flyway.conf what Flyway does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

#: Whitespace as a properties file has it.
_WHITESPACE = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_HEX = frozenset("0123456789abcdefABCDEF")


class MalformedProperties(ValueError):
    """A `\\u` not followed by four hexadecimal digits: Java refuses the whole file."""


def property_entries(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Each (key, value) that `lines` set, in order (a later one of a key overrides an earlier
    one), as `java.util.Properties.load` reads them (see the module's text). Raises
    `MalformedProperties` for a malformed `\\u` escape, at the line that has it."""
    for line in _logical_lines(lines):
        key, end = _unescape(line, 0, separators=True)
        while end < len(line) and line[end] in _WHITESPACE:
            end += 1
        if end < len(line) and line[end] in "=:":
            end += 1
        while end < len(line) and line[end] in _WHITESPACE:
            end += 1
        yield key, _unescape(line, end, separators=False)[0]


def _logical_lines(lines: Iterable[str]) -> Iterator[str]:
    """The lines that hold a property: each without its leading whitespace, with the lines
    that continue it (their own leading whitespace and its trailing backslash dropped);
    comment and blank lines left out."""
    pending: str | None = None
    for line in lines:
        text = line.lstrip(_WHITESPACE)
        if pending is None and (not text or text[0] in "#!"):
            continue
        if (len(text) - len(text.rstrip("\\"))) % 2:
            pending = (pending or "") + text[:-1]
            continue
        yield (pending or "") + text
        pending = None
    if pending is not None:
        yield pending


def _unescape(line: str, start: int, separators: bool) -> tuple[str, int]:
    """The text of `line` from `start` with its escapes read, and where it ended: for a key
    (`separators`), at the first `=`, `:` or whitespace not escaped; for a value, at the end
    of the line, less its trailing whitespace (an escaped one is kept)."""
    out: list[str] = []
    kept = 0  # the length of `out` up to its last character that is no bare whitespace
    i = start
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line):
            code = line[i + 1]
            if code == "u":
                digits = line[i + 2:i + 6]
                if len(digits) < 4 or not _HEX.issuperset(digits):
                    raise MalformedProperties(line)
                out.append(chr(int(digits, 16)))
                i += 6
            else:
                out.append(_ESCAPES.get(code, code))
                i += 2
            kept = len(out)
            continue
        if separators and (char in "=:" or char in _WHITESPACE):
            break
        if char != "\\":  # (a lone backslash at the very end stands for nothing)
            out.append(char)
            if char not in _WHITESPACE:
                kept = len(out)
        i += 1
    return "".join(out if separators else out[:kept]), i


def flyway_lines(text: str) -> list[str]:
    """The lines of a flyway.conf (or a script config) as Flyway hands them to
    `java.util.Properties.load`: each trimmed, every backslash doubled (a backslash stands for
    itself: no escapes, Windows paths as written), except the one that ends a line when the
    next line is not empty nor a new `flyway.` property (a `flyway.` line with a `=`): that
    line goes on in the next one."""
    lines = text.replace("\r\n", "\n").split("\n")
    out = []
    for i, line in enumerate(lines):
        line = line.strip().replace("\\", "\\\\")
        if line.endswith("\\") and i < len(lines) - 1 and (following := lines[i + 1]) and \
                not (following.strip().startswith("flyway.") and "=" in following):
            line = line[:-1]
        out.append(line)
    return out
