"""Java properties files, as the JVM tools whose settings lockwise reads take them (Flyway's
flyway.conf and script configs, Spring Boot's application.properties)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lockwise.core.lazy_re import lazy_compile

#: A line of a Java properties file: the key ends at `=`, `:` or whitespace.
_PROPERTY = lazy_compile(r"([^=:\s]*)\s*[=:]?\s*(.*)")


def property_entries(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Each (key, value) that `lines` set, in order (a later one of a key overrides an earlier
    one): each line trimmed, then as a Java properties file (`#` and `!` start comments; `=`,
    `:` or whitespace between key and value)."""
    for line in lines:
        line = line.strip()
        if line and line[0] not in "#!" and (match := _PROPERTY.match(line)):
            yield match.group(1), match.group(2)
