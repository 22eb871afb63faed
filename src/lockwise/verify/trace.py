"""`lockwise trace`: apply migrations on a scratch PostgreSQL and record what each statement of
the targeted ones really did (locks, rewrite, transaction, rows, time), next to lockwise's
prediction for it.

The history before a targeted migration is applied first, unobserved, as `lint FILE` replays
its directory; with --seed, each table a migration creates is filled before the next one runs,
so that rewrites, scans and index builds work on rows and their times mean something.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lockwise.core.types import Effect, LockMode, Migration, Statement
from lockwise.verify.observe import Disagreement, Observation, compare
from lockwise.verify.runner import StatementFailure

if TYPE_CHECKING:
    from lockwise.config import Config


@dataclass(slots=True)
class TracedStatement:
    """One statement of a traced migration: what lockwise predicted and what PostgreSQL did."""

    statement: Statement
    predicted: Effect
    #: None when nothing was observed: a transaction control statement, or one skipped.
    observed: Observation | None
    disagreements: list[Disagreement] = field(default_factory=list)
    #: Why the statement was not sent to the server, when it was not.
    skipped: str = ""

    @property
    def relations(self) -> list[str]:
        """The relations that existed before the statement and that it locked, or that
        lockwise predicts it locks (those it created itself nobody could wait for)."""
        obs = self.observed
        if obs is None:
            return []
        return sorted(r for r in set(self.predicted.locks) | set(obs.locks) if r in obs.existed)

    def held_before(self, relation: str) -> LockMode | None:
        """The strongest mode held on `relation` before the statement, taken by an earlier
        statement of its transaction."""
        held = self.observed.held_before.get(relation) if self.observed is not None else None
        return max(held) if held else None

    def already_held(self, relation: str) -> bool:
        """Whether the predicted lock on `relation` was held before the statement, by an
        earlier statement of its transaction (PostgreSQL lists a mode once: no new entry)."""
        want, held = self.predicted.locks.get(relation), self.held_before(relation)
        return (want is not None and held is not None and self.observed is not None
                and relation not in self.observed.locks and held >= want)


@dataclass(slots=True)
class TracedFile:
    """One migration's up file, run and observed statement by statement."""

    migration: Migration
    #: Whether its tool runs it in one transaction.
    in_transaction: bool
    statements: list[TracedStatement] = field(default_factory=list)
    failure: StatementFailure | None = None
    #: False for a migration of the history before the targeted ones (applied, not traced):
    #: listed only when it failed.
    traced: bool = True
    #: Table -> synthetic rows inserted after the migration (--seed).
    seeded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: `failure` most likely comes from an extension the server lacks, not the migration
    #: (Runner.missing_extension_cause).
    server_lacks: bool = False
    #: Its tool runs another migration of its version instead (`never_run`): not applied.
    never_runs: bool = False

    @property
    def seconds(self) -> float:
        return sum(s.observed.seconds for s in self.statements if s.observed is not None)

    @property
    def longest(self) -> TracedStatement | None:
        return max((s for s in self.statements if s.observed is not None), default=None,
                   key=lambda s: s.observed.seconds if s.observed is not None else 0.0)

    @property
    def strongest_lock(self) -> tuple[str, LockMode] | None:
        """The strongest lock mode the file took and the relation it held it on (the first,
        in statement order, for a tie): in a transaction it is held until the end."""
        best: tuple[str, LockMode] | None = None
        for s in self.statements:
            for rel, mode in sorted((s.observed.locks if s.observed else {}).items()):
                if best is None or mode > best[1]:
                    best = (rel, mode)
        return best

    def failure_position(self) -> tuple[int, int]:
        """Line and column of the failure in the file: where the server placed the error,
        else where the failing statement starts."""
        assert self.failure is not None
        return statement_position(self.failure.statement, self.failure.position)


@dataclass(slots=True)
class TraceResult:
    files: list[TracedFile]
    #: Both None when no server was started: there was no migration to trace.
    server: str | None
    server_version: int | None
    seed: int = 0
    #: Migrations to trace, and migrations of the history to apply before them, untraced.
    targeted: int = 0
    history: int = 0

    @property
    def failed(self) -> TracedFile | None:
        """The migration that failed (the run stops there), if one did."""
        return next((f for f in self.files if f.failure is not None), None)

    @property
    def disagreements(self) -> list[tuple[TracedFile, TracedStatement, Disagreement]]:
        return [(f, s, d) for f in self.files for s in f.statements for d in s.disagreements]


def statement_position(stmt: Statement, position: int | None) -> tuple[int, int]:
    """The file line and column of the 1-based character `position` of `stmt`'s text (the
    server's error position); the statement's start without one."""
    if not position or position > len(stmt.sql) + 1:
        return stmt.span.line, stmt.span.column
    head = stmt.sql[:position - 1]
    newlines = head.count("\n")
    if not newlines:
        return stmt.span.line, stmt.span.column + len(head)
    return stmt.span.line + newlines, len(head) - head.rindex("\n")


@dataclass(slots=True)
class TraceOptions:
    #: Synthetic rows for each table a migration creates, before the next migration runs.
    seed: int = 0
    #: Which migrations to trace (paths, from `collect`); None: all of them.
    only: set[str] | None = None
    progress: Callable[[int, int, Migration], None] | None = None
    #: lint's --assume-in-transaction / --assume-no-transaction (None: as each layout's tool
    #: runs a migration).
    assume_in_transaction: bool | None = None
    #: `never_run` of the whole history, when the migrations applied are the start of it (a
    #: file named: a later migration of its version may be the one its tool runs); None: of
    #: them.
    not_run: Mapping[int, Migration] | None = None
    #: The lockwise.toml in force (read as lint reads the migrations, see VerifyOptions).
    config: Config | None = None


def trace_migrations(migrations: Sequence[Migration], conn: Any, uri: str,
                     options: TraceOptions | None = None, server: str = "") -> TraceResult:
    """Apply `migrations` in order on `conn` (autocommit psycopg connection to the scratch
    database behind `uri`), tracing those `options.only` names; stops at the first failure."""
    from lockwise.discover.versions import never_run
    from lockwise.options import named_in
    from lockwise.verify.run import (
        in_transaction,
        never_runs_note,
        prepare_run,
        psql_setting_notes,
    )

    options = options or TraceOptions()
    version, predictions, runner = prepare_run(migrations, conn, uri,
                                               options.assume_in_transaction, options.config)
    targeted = sum(options.only is None or named_in(m, options.only) for m in migrations)
    result = TraceResult([], server, version, options.seed, targeted,
                         len(migrations) - targeted)
    # Of a version its tool runs one migration of, only that one is applied, as lint replays it.
    not_run = never_run(migrations) if options.not_run is None else options.not_run
    for number, (m, predicted) in enumerate(zip(migrations, predictions, strict=True), start=1):
        if options.progress is not None:
            options.progress(number, len(migrations), m)
        traced = options.only is None or named_in(m, options.only)
        if id(m) in not_run:
            if traced:
                result.files.append(TracedFile(m, False, never_runs=True, notes=[
                    never_runs_note(m, not_run[id(m)])]))
            continue
        before = runner.relations() if options.seed else {}
        statements = [s for s, _ in predicted]
        tx = in_transaction(m, statements, options.assume_in_transaction)
        outcome = runner.run(statements, transactional=tx, observe=traced)
        out = TracedFile(m, tx, failure=outcome.failure, traced=traced,
                         notes=psql_setting_notes(m))
        skipped = {s.index: why for s, why in outcome.skipped}
        # A failure at COMMIT (a deferred constraint) comes after every statement ran.
        failed_at = outcome.failure.statement.index \
            if outcome.failure and not outcome.failure.at_commit else None
        for stmt, effect in predicted if traced else ():
            if stmt.index == failed_at:
                break
            obs = outcome.observations.get(stmt.index)
            out.statements.append(TracedStatement(
                stmt, effect, obs, compare(effect, obs) if obs is not None else [],
                skipped.get(stmt.index, "")))
        if outcome.failure is not None:
            cause = runner.missing_extension_cause(outcome.failure)
            if cause is not None:
                out.server_lacks = True
                out.notes.append(cause)
            result.files.append(out)
            break
        if options.seed:
            out.seeded, notes = _seed_created(runner, before, options.seed)
            out.notes += notes
        if traced:
            result.files.append(out)
    return result


def _seed_created(runner: Any, before: dict[int, tuple[str, str, int]],
                  rows: int) -> tuple[dict[str, int], list[str]]:
    """Fill the tables created since `before` (the runner's relations then)."""
    from lockwise.verify.seed import seed_tables

    tables = sorted(name for oid, (name, kind, _) in runner.relations().items()
                    if oid not in before and kind in ("r", "p"))
    return seed_tables(runner.conn, tables, rows) if tables else ({}, [])
