"""A config file's `[[overrides]]`: settings for the migrations under some paths. Imported by
the first config that has them: a lint of any other config (most) defines no Override, a
dataclass that costs about 1 M instructions to make."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockwise.core.globs import Glob
    from lockwise.core.types import Safety


@dataclass(frozen=True, slots=True)
class Override:
    """Settings for the migrations whose path (relative to the config file) matches a glob."""

    path: str
    pattern: Glob
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    fail_on: Safety | None = None

    def matches(self, relative: str) -> bool:
        """True for the file itself, or any folder above it, matching the glob."""
        parts = relative.split("/")
        return any(self.pattern.fullmatch("/".join(parts[:n])) for n in range(len(parts), 0, -1))
