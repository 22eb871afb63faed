"""Checksums of migration files, normalized so that an editor's whitespace does not count.

A checksum is stored with its algorithm version (`checksum_version`), so the normalization can
evolve later without every existing history row suddenly reading as "changed".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

#: The algorithm new history rows are written with.
CHECKSUM_VERSION = 1


def normalize_v1(text: str) -> str:
    """Drop a BOM, turn CRLF/CR into LF, strip trailing whitespace on every line and trailing
    blank lines: edits that cannot change what PostgreSQL runs do not change the checksum."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _checksum_v1(text: str) -> str:
    return hashlib.sha256(normalize_v1(text).encode("utf-8")).hexdigest()


_ALGORITHMS: dict[int, Callable[[str], str]] = {1: _checksum_v1}


def checksum(text: str, version: int = CHECKSUM_VERSION) -> str:
    """The checksum of a migration's text under algorithm `version` (sha256 hex)."""
    try:
        return _ALGORITHMS[version](text)
    except KeyError:
        raise ValueError(f"unknown checksum version {version}; this lockwise knows "
                         f"{sorted(_ALGORITHMS)}") from None


def known_version(version: int) -> bool:
    return version in _ALGORITHMS
