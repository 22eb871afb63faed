"""What a lint run is told (LintOptions) and how its reports are read back (has_input_errors).

Kept apart from the lint pipeline (lockwise.lint: parser, effect model, rules) so the command
line can build its options, look up a cached result and judge the reports without importing
the pipeline: a cached run never executes it, and importing it is a tenth of a cold start.
lockwise.lint re-exports both names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lockwise.core.types import Migration, MigrationReport, Safety
from lockwise.effects.versions import DEFAULT_PG_VERSION

#: How --dialect, the config's `dialect` and a rule's `dialects` may spell each dialect
#: lockwise reads (any case).
_SPELLINGS = {"postgresql": "postgresql", "postgres": "postgresql", "pg": "postgresql",
              "mysql": "mysql", "mariadb": "mariadb"}
#: The spellings, as an error lists them.
DIALECT_CHOICES = "postgresql (or postgres, pg), mysql or mariadb"


def dialect_named(value: object) -> str | None:
    """The dialect lockwise reads that `value` spells (`postgres` -> `postgresql`), or None."""
    return _SPELLINGS.get(value.strip().lower()) if isinstance(value, str) else None



@dataclass(slots=True)
class LintOptions:
    """What a lint run was asked for (command line and config): dialect, versions, rules."""

    #: "postgresql", "mysql" or "mariadb"; MySQL-family servers also take `server_version`.
    dialect: str = "postgresql"
    server_version: str | None = None
    #: The MySQL/MariaDB server's character_set_server as the config's
    #: `character_set_server` names it (None: the version's default, server_default_charset).
    character_set_server: str | None = None
    pg_version: int = DEFAULT_PG_VERSION
    #: Whether the user said which version the server runs (`--pg-version`, `pg_version` in
    #: the config) or lockwise knows it (`apply`): `pg_version` is then a fact, not a default,
    #: and syntax older servers lack is reported (rule syntax-newer-than-pg-version).
    pg_version_stated: bool = False
    #: The database's default collation as the config's `collation` names it (None: not
    #: said; the statistics of a live database may say it: `default_collation`).
    collation: str | None = None
    fail_on: Safety = Safety.REQUIRES_DOWNTIME
    #: None: follow the layout (most tools run each migration in a transaction).
    assume_in_transaction: bool | None = None
    rules_dirs: tuple[Path, ...] = ()
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    #: Migrations whose reports are wanted (None: all); the others only feed the catalog.
    only: frozenset[str] | None = None
    max_lock_seconds: float | None = None
    stats: object | None = None  # lockwise.cost stats, when given
    #: lockwise.cost.profile.MachineProfile from `lockwise calibrate` (None: the defaults).
    profile: object | None = None
    session_timezone_utc: bool = False
    #: Template placeholders ({{ }}, {% %}, ${}): substitute, skip or error (parse/templates.py).
    templates: str = "substitute"
    extra: dict = field(default_factory=dict)

    @property
    def default_collation(self) -> str | None:
        """The database's default collation: the config's, else the one the statistics read
        from a live database (`lockwise stats`), else None (not known)."""
        return self.collation or getattr(self.stats, "collation", None) or None

    def wants(self, migration: Migration) -> bool:
        """Whether `migration` is reported (and judged), not only replayed for context."""
        return self.only is None or named_in(migration, self.only)


def named_in(migration: Migration, names: Collection[str]) -> bool:
    """Whether `names` (migration ids or paths, as `LintOptions.only` holds them) has it."""
    return migration.id in names or str(migration.path) in names


#: Rules that report the input rather than a finding about it (SQL the parser rejects): no
#: --select, --ignore, config or ignore directive leaves them out, so the run still exits 2.
INPUT_ERROR_RULES = frozenset({"parse-error"})


def has_input_errors(reports: Iterable[MigrationReport]) -> bool:
    return any(f.rule in INPUT_ERROR_RULES for r in reports for f in r.findings)
