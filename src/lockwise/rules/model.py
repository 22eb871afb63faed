"""A rule as read from its TOML file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lockwise.core.types import Safety, Strategy


@dataclass(frozen=True, slots=True)
class Example:
    sql: str
    bad: bool
    #: SQL of earlier migrations, replayed into the catalog first.
    setup: str = ""
    pg_version: int | None = None
    in_transaction: bool | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    safety: Safety
    #: Alternatives (OR); each is a mapping of fact -> required value (AND).
    when: tuple[dict, ...]
    message: str
    why: str
    instead: str
    strategy: Strategy | None
    examples: tuple[Example, ...]
    path: Path
    tags: tuple[str, ...] = field(default=())
    #: Facts the rule needs that only exist for some PostgreSQL versions: documented only.
    references: tuple[str, ...] = field(default=())
