"""A rule as read from its TOML file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lockwise.core.types import Safety, Strategy, pickled_by_fields

if TYPE_CHECKING:  # a rule's examples are read by its docs and tests, never by lint
    from lockwise.rules.example import Example


# Not frozen, as the core types (see lockwise.core.types): every uncached lint builds the
# whole catalog from the cache, and a frozen dataclass sets each field through
# `object.__setattr__` (140 rules of 20 fields: 1% of a one-file lint). Never changed once
# built; the hash stays the fields' (`unsafe_hash`).
@pickled_by_fields
@dataclass(slots=True, unsafe_hash=True)
class Rule:
    """A rule of `rules/<id>.toml`: when it applies, what it says, and its safe alternative."""

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
    #: The file it was read from. A string: every lint reads the catalog back from the cache,
    #: and building a Path for each rule was half of that.
    path: str
    tags: tuple[str, ...] = field(default=())
    #: SQL dialects whose facts the rule judges.
    dialects: tuple[str, ...] = field(default=("postgresql",))
    #: Facts the rule needs that only exist for some PostgreSQL versions: documented only.
    references: tuple[str, ...] = field(default=())
    #: The safe alternative for a statement that runs outside a transaction block, where it
    #: differs (SET LOCAL does nothing there); empty: `instead` serves both.
    instead_outside_transaction: str = ""
    #: The safe alternative on MySQL and MariaDB, where it needs other SQL than PostgreSQL's;
    #: empty: `instead` serves every dialect.
    instead_mysql: str = ""
    #: The message and the *why* on MySQL and MariaDB, where PostgreSQL's name its locks or
    #: behaviour; empty: `message` / `why` serve every dialect.
    message_mysql: str = ""
    why_mysql: str = ""
    #: One finding per statement of a rule about what the statement does once for all its
    #: columns (one ALTER TABLE's type changes: one rewrite): each further column's match adds
    #: this template, filled with its facts, to the first one's message, and its alternative
    #: to the first one's; empty: a finding per column (`lint._shown_once`).
    message_further: str = ""
    #: Left out on a statement where another finding's safe alternative, run in the
    #: statement's place, would not get this finding: following that one clears this one.
    superseded_by_alternatives: bool = False
    #: The setting (lock_timeout) one SET of which clears every finding of the rule it covers:
    #: the rule is reported once for them, at the first matching statement of each
    #: transaction (or of the rest of the migration, outside one), naming the others.
    one_set_covers: str = ""
    #: One cause for the whole transaction, cured by one change to it (splitting it): the rule
    #: is reported once per transaction, at its first matching statement, naming the others.
    once_per_transaction: bool = False
    #: Which of the facts lint computes only when a rule reads them (`engine.ON_DEMAND_FACTS`)
    #: this rule reads: found once, when its file is read, and stored with it in the rule
    #: cache, so that a lint need not search every rule's texts for them.
    reads_on_demand: tuple[str, ...] = ()

    def instead_for(self, set_local_applies: object, dialect: object = "postgresql") -> str:
        """The `instead` template for a statement of `dialect` where a SET LOCAL written first
        in its migration would be in force, or (False) would do nothing."""
        if _is_mysql(dialect) and self.instead_mysql:
            return self.instead_mysql
        if set_local_applies is False and self.instead_outside_transaction:
            return self.instead_outside_transaction
        return self.instead

    def message_for(self, dialect: object) -> str:
        """The message template for a statement of `dialect`."""
        return self.message_mysql if _is_mysql(dialect) and self.message_mysql else self.message

    def why_for(self, dialect: object) -> str:
        """The *why* for a statement of `dialect`."""
        return self.why_mysql if _is_mysql(dialect) and self.why_mysql else self.why


def _is_mysql(dialect: object) -> bool:
    return dialect in ("mysql", "mariadb")
