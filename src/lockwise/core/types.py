"""Core types of lockwise.

A migration flows one way: discover -> parse -> effects (facts) -> rules (policy) -> report.
Every stage speaks in the types defined here.

The types built for every statement (Span, Statement, Action, Effect, Finding) are treated as
values: nothing changes one after it is built. They are not declared `frozen`, though: a
frozen dataclass sets each field through `object.__setattr__`, which makes building one 3-5
times slower, and lint builds about ten per statement (8% of its time). Those compared as
values keep a hash from their fields (`unsafe_hash`), as frozen ones had.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T", bound=type)


def pickled_by_fields(cls: _T) -> _T:
    """Pickle instances as (class, field values), rebuilt through `__init__`.

    Frozen slotted dataclasses otherwise pickle through a generic `__getstate__`/`__setstate__`
    that looks the fields up again for every object: twice as slow, and lint's result cache
    pickles hundreds of thousands of them. Only for classes whose fields are all `__init__`
    arguments and that have no `__post_init__`.
    """
    names = [f.name for f in fields(cls)]
    get = attrgetter(*names)
    if len(names) == 1:
        def __reduce__(self: object) -> tuple:
            return cls, (get(self),)
    else:
        def __reduce__(self: object) -> tuple:
            return cls, get(self)
    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls


class Safety(enum.IntEnum):
    """How dangerous a statement is for a live production database, from best to worst."""

    SAFE = 0
    SAFE_WITH_CARE = 1
    REQUIRES_DOWNTIME = 2
    DESTRUCTIVE = 3

    @property
    def label(self) -> str:
        """As users write it: `safe-with-care`."""
        return _SAFETY_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Safety:
        """Read a safety level as users write it (`safe-with-care`, `SAFE_WITH_CARE`)."""
        key = text.strip().upper().replace("-", "_")
        try:
            return cls[key]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown safety level {text!r}; choose one of {choices}") from None


#: Each level's `label`, spelled once: every printed finding and statement asks for it.
_SAFETY_LABELS = {level: level.name.lower().replace("_", "-") for level in Safety}


class LockMode(enum.IntEnum):
    """PostgreSQL table-level lock modes, weakest first, named as in `pg_locks.mode`."""

    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def pg_name(self) -> str:
        """The name PostgreSQL shows in `pg_locks.mode`, e.g. `AccessExclusiveLock`."""
        return _LOCK_NAMES[self]

    @property
    def sql_name(self) -> str:
        """The name PostgreSQL's documentation ("Table-Level Locks") and `LOCK TABLE ... IN
        ... MODE` give it, e.g. `ACCESS EXCLUSIVE`: as messages and reports name it."""
        return _LOCK_SQL_NAMES[self]

    @classmethod
    def from_pg_name(cls, name: str) -> LockMode:
        for mode in cls:
            if mode.pg_name == name:
                return mode
        raise ValueError(f"unknown lock mode {name!r}")


#: Each mode's `pg_name`, spelled once: reports and facts ask for it for every statement.
_LOCK_NAMES = {mode: "".join(part.capitalize() for part in mode.name.split("_")) + "Lock"
               for mode in LockMode}
_LOCK_SQL_NAMES = {mode: mode.name.replace("_", " ") for mode in LockMode}


class Strategy(enum.Enum):
    """How a statement should be executed to stay online."""

    TRANSACTIONAL = "transactional"
    NON_TRANSACTIONAL = "non-transactional"
    BATCHED = "batched"
    ONLINE = "online"


@pickled_by_fields
@dataclass(slots=True, unsafe_hash=True)
class Span:
    """Where a piece of SQL sits in its file: 1-based line and column, inclusive start."""

    line: int
    column: int
    end_line: int
    end_column: int
    start_offset: int = 0
    end_offset: int = 0


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ToolPlaceholders:
    """How a migration's tool replaces its placeholders before it sends the SQL (Flyway's
    placeholders, fix-layouts23): `prefix` + name + `suffix`, names compared in lower case;
    `values` gives each name used in the migration whose value lint knows (lower case);
    `replace` False: the tool sends the text as written."""

    prefix: str = "${"
    suffix: str = "}"
    replace: bool = True
    values: tuple[tuple[str, str], ...] = ()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Migration:
    """One migration as found on disk: its identity and its SQL."""

    version: str
    name: str
    path: Path
    up_sql: str
    down_sql: str | None = None
    down_path: Path | None = None
    #: True when the layout or a marker says the migration must run outside a transaction.
    no_transaction: bool = False
    layout: str = "plain"
    #: Sort key computed from the version by discovery; versions compare as numbers where they can.
    sort_key: tuple = ()
    #: Flyway-style repeatable migrations run after all versioned ones, whenever they change.
    repeatable: bool = False
    #: SQL the runner runs on the migration's connection just before it, in its transaction
    #: if it has one (Flyway's beforeEachMigrate callbacks): the settings it makes count.
    prelude: str = ""
    #: SQL the runner runs once before the whole run, in a transaction of its own, on the
    #: connection the migrations then run on (Flyway's beforeMigrate callbacks): the session
    #: settings it makes (a plain SET; not SET LOCAL, nor the role and search_path, which
    #: Flyway sets again before each migration) count for every migration.
    run_prelude: str = ""
    #: SQL the tool runs on each connection it opens, outside a transaction, before any
    #: migration (Flyway's initSql, Spring Boot's spring.flyway.init-sqls): its session
    #: settings count for every migration, as `run_prelude`'s do.
    init_sql: str = ""
    #: A version folder's files joined into this one migration (executor/parts.py): each
    #: file and the line of `up_sql` it starts at, so positions name the file.
    parts: tuple[tuple[Path, int], ...] = ()
    #: Further down files of its version beside `down_path`, which its tool refuses (two
    #: Flyway undo files of one version): the graph reports them as a duplicate version.
    other_down_paths: tuple[Path, ...] = ()
    #: Further files of its version that its tool runs and lockwise does not read (goose's Go
    #: migrations), which the tool refuses beside it: the graph reports a duplicate version.
    same_version_paths: tuple[Path, ...] = ()
    #: Its tool runs it whole without a transaction when one of its statements refuses a
    #: transaction block, whatever the others (Flyway's `mixed = true`); without it, Flyway
    #: refuses a migration that mixes such statements with others.
    mixed_without_transaction: bool = False
    #: Its tool runs it in a transaction whatever its statements, even one a transaction block
    #: refuses (a Flyway script config's `executeInTransaction=true`).
    forced_transaction: bool = False
    #: How its tool replaces placeholders in its text (Flyway's), None for a tool that
    #: replaces none lint knows of: template placeholders are then read by --templates.
    tool_placeholders: ToolPlaceholders | None = None

    @property
    def id(self) -> str:
        return f"{self.version}_{self.name}" if self.name else self.version

    @property
    def where(self) -> str:
        """Its file, and its changeset when the file holds several (Liquibase), as reports
        and the executor name it."""
        if self.layout == "liquibase" and self.version != self.path.stem:
            return f"{self.path} (changeset {self.id})"
        return str(self.path)


@pickled_by_fields
@dataclass(slots=True)
class Statement:
    """One SQL statement of a migration, with its exact source span and parse tree."""

    index: int
    sql: str
    span: Span
    #: The statement's parse tree as plain dicts (pglast's JSON route, the cheapest to build);
    #: None once lint released it (`lint.release_details`): a report keeps no tree.
    tree: dict | None
    #: Comments directly preceding the statement (for ignore directives).
    leading_comments: tuple[str, ...] = ()
    #: Where each of `leading_comments` is, in the same order (findings about a directive
    #: point at its comment, not at the statement).
    comment_spans: tuple[Span, ...] = ()


@pickled_by_fields
@dataclass(slots=True)
class Action:
    """One thing a statement does (a statement like ALTER TABLE may do several).

    `facts` is a flat mapping from fact names to values; rules match on it and render their
    messages with it, so every fact a rule needs must be stated here, by the effect model.
    """

    kind: str
    facts: dict = field(default_factory=dict)


@pickled_by_fields
@dataclass(slots=True)
class Effect:
    """What PostgreSQL will do when it runs one statement: the facts, before any judgement."""

    actions: tuple[Action, ...]
    #: Lock taken on each relation, keyed by qualified name (`public.orders`).
    locks: dict[str, LockMode]
    #: Relations whose heap is rewritten (new relfilenode).
    rewrites: frozenset[str] = frozenset()
    #: Relations read in full, with why (validation, index build, rewrite, ...).
    scans: dict[str, str] = field(default_factory=dict)
    #: False when PostgreSQL refuses to run the statement inside a transaction block.
    transactional: bool = True
    creates: frozenset[str] = frozenset()
    drops: frozenset[str] = frozenset()
    alters: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    #: String constants the statement uses (e.g. to spot an enum value used too early).
    literals: frozenset[str] = frozenset()
    #: The server whose facts these are: "postgresql", or "mysql" / "mariadb", whose locks
    #: the reports name in their own terms (effects/locks.py, lock_name).
    dialect: str = "postgresql"

    @property
    def action(self) -> str:
        return self.actions[0].kind if self.actions else "other"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class RelatedLocation:
    """Another place a finding involves: the other migration of a conflict between
    migrations, its file and, when known, where its statement starts."""

    migration: str
    path: Path
    span: Span | None = None

    def text(self) -> str:
        """`path:line:column`, or the path alone when the line is not known."""
        return place_text(str(self.path), *((self.span.line, self.span.column) if self.span
                                            else (None, None)))


def place_text(path: str, line: int | None, column: int | None) -> str:
    """How reports name a place: `path:line:column` (column 1 when not known), or the path
    alone when the line is not known."""
    return path if line is None else f"{path}:{line}:{column or 1}"


@pickled_by_fields
@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """A rule's judgement on a statement (or a whole migration)."""

    rule: str
    safety: Safety
    message: str
    path: Path
    span: Span | None
    why: str = ""
    instead: str = ""
    statement_index: int | None = None
    title: str = ""
    #: The other places it involves (a conflict's other migrations).
    related: tuple[RelatedLocation, ...] = ()
    #: What to do next about a conflict shown as a finding (its `next_step`); "" for a rule's.
    next_step: str = ""


@pickled_by_fields
@dataclass(slots=True)
class StatementReport:
    """Everything lockwise says about one statement: the facts and the judgement."""

    statement: Statement
    effect: Effect
    findings: list[Finding]
    safety: Safety
    reason: str
    strategy: Strategy
    in_transaction: bool = False
    lock_timeout_ms: int | None = None
    statement_timeout_ms: int | None = None
    estimated_seconds: float | None = None
    lock_seconds: float | None = None
    #: Why the cost model gave no estimate (a table missing from the stats file, ...).
    cost_note: str = ""
    #: Findings reported at an earlier statement that speak for this one too (one SET LOCAL
    #: lock_timeout covers a transaction): not listed under it, but its level counts them.
    covered_by: tuple[Finding, ...] = ()


@pickled_by_fields
@dataclass(slots=True)
class MigrationReport:
    """The judgement on one migration: its statements and its worst safety level."""

    migration: Migration
    statements: list[StatementReport]
    findings: list[Finding]
    safety: Safety
    reason: str
    #: Each stand-in identifier the migration was linted with and the template placeholder
    #: or psql variable it replaced (parse/templates.py).
    placeholders: dict[str, str] = field(default_factory=dict)

    @property
    def all_findings(self) -> list[Finding]:
        return self.findings + [f for s in self.statements for f in s.findings]

    def fails(self, threshold: Safety) -> bool:
        """Whether a finding is at or above `threshold` (--fail-on). A statement judged safe
        is no finding: a migration without findings never fails, even at `safe`."""
        return any(f.safety >= threshold for f in self.all_findings)
