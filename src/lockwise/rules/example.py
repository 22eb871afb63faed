"""A rule's example, as read from its TOML file: apart from `Rule`, which lint builds at every
uncached start, as lint reads no example (`load_rules(examples=False)`)."""

from __future__ import annotations

from dataclasses import dataclass

from lockwise.core.types import pickled_by_fields


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Example:
    """One of a rule's examples (`bad` or `good`), which are its tests."""

    sql: str
    bad: bool
    #: SQL of earlier migrations, replayed into the catalog first.
    setup: str = ""
    pg_version: int | None = None
    in_transaction: bool | None = None
    note: str = ""
    #: A stats document (lockwise.cost.stats format) for rules about predicted durations.
    stats: dict | None = None
    max_lock_seconds: float | None = None
    #: "postgresql" (default), "mysql" or "mariadb", and that server's version for MySQL.
    dialect: str | None = None
    server_version: str | None = None
    #: The migration tool's layout (how it runs the file: in a transaction, as one string).
    layout: str | None = None
