"""`lockwise verify`: run migrations up, down and up again on a scratch PostgreSQL.

For each migration, in order: snapshot the schema, apply up (observing every statement's locks
and rewrites), snapshot, apply down, check the schema is back to the first snapshot, apply up
again. Observations are compared with lockwise's own static prediction for the same statement,
so the effect model is checked against the real server on every run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockwise.core.types import Effect, Migration, Statement
from lockwise.effects.session import is_utc_zone
from lockwise.parse.source import InputError
from lockwise.verify.observe import Disagreement, Observation, compare
from lockwise.verify.runner import Runner, StatementFailure
from lockwise.verify.snapshot import Difference, Snapshot, diff_snapshots, take_snapshot

if TYPE_CHECKING:
    from lockwise.config import Config

REVERSIBLE = "reversible"
NOT_REVERSIBLE = "not-reversible"
NO_DOWN = "no-down"
UP_FAILED = "up-failed"
DOWN_FAILED = "down-failed"
REAPPLY_FAILED = "reapply-failed"
NOT_RUN = "not-run"
#: Its tool runs another migration of its version, never this one (`never_run`).
NEVER_RUNS = "never-runs"
#: Statuses that make `verify` exit 1.
FAILING = frozenset({NOT_REVERSIBLE, UP_FAILED, DOWN_FAILED, REAPPLY_FAILED})


#: The bookkeeping table each migration tool creates before it runs anything. Migrations may
#: refer to it (lemmy puts a trigger on diesel's), so verify creates it the same way.
_TOOL_TABLES = {
    "diesel": "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations ("
              "version VARCHAR(50) PRIMARY KEY NOT NULL, "
              "run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    "golang-migrate": "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)",
}


class NotScratch(RuntimeError):
    """The database given with --dsn already holds tables: verify refuses to touch it."""


@dataclass(slots=True)
class VerifyOptions:
    #: Rows to insert into each table a migration creates, before the next migration runs.
    seed: int = 0
    #: Compare observed locks and rewrites with the effect model.
    observe: bool = True
    progress: Callable[[int, int, Migration], None] | None = None
    #: lint's --assume-in-transaction / --assume-no-transaction (None: as each layout's tool
    #: runs a migration).
    assume_in_transaction: bool | None = None
    #: `never_run` of the whole history, when the migrations run are the start of it (a file
    #: named: a later migration of its version may be the one its tool runs); None: of them.
    not_run: Mapping[int, Migration] | None = None
    #: The lockwise.toml in force: the migrations are read with its settings, as lint reads
    #: them (`config.lint_options`).
    config: Config | None = None


@dataclass(slots=True)
class StatementCheck:
    """One statement of an up migration: lockwise's prediction and what PostgreSQL did."""

    statement: Statement
    predicted: Effect
    observed: Observation
    disagreements: list[Disagreement]


@dataclass(slots=True)
class MigrationResult:
    migration: Migration
    status: str
    #: Schema objects that differ between "before up" and "after down".
    diff: list[Difference] = field(default_factory=list)
    failure: StatementFailure | None = None
    #: "up", "down" or "up again": where `failure` happened.
    phase: str = ""
    checks: list[StatementCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Table -> rows inserted by --seed after this migration.
    seeded: dict[str, int] = field(default_factory=dict)
    #: `failure` most likely comes from an extension the server lacks, not the migration:
    #: the history could not be checked here (Runner.missing_extension_cause).
    server_lacks: bool = False

    @property
    def disagreements(self) -> list[tuple[StatementCheck, Disagreement]]:
        return [(c, d) for c in self.checks for d in c.disagreements]


@dataclass(slots=True)
class VerifyResult:
    results: list[MigrationResult]
    server: str
    server_version: int
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """A migration is not reversible or failed, for a reason of its own."""
        return any(r.status in FAILING and not r.server_lacks for r in self.results)

    @property
    def server_lacks(self) -> bool:
        """The run stopped at a failure that the server, lacking an extension, caused."""
        return any(r.server_lacks for r in self.results)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def checks(self) -> list[StatementCheck]:
        return [c for r in self.results for c in r.checks]


def check_parses(migrations: Sequence[Migration], *, downs: bool = True) -> None:
    """Raise InputError (file:line:column) for the first up or down file (up file, when
    `downs` is false: trace, which never runs a down) that does not parse or holds what only
    psql runs, before anything runs: a half-understood file cannot be run statement by
    statement. What cannot run is `apply`'s judgement (`unrunnable`): what only psql runs
    would fail on the server, or (COPY data from the client) leave the connection unusable."""
    from lockwise.executor.plan import first_unrunnable, unrunnable

    for m in migrations:
        files = ((m.path, m.up_sql), (m.down_path, m.down_sql)) if downs else ((m.path, m.up_sql),)
        for path, text in files:
            if text is None:
                continue
            problem = first_unrunnable(unrunnable(m, text, path))
            if problem is not None:
                where = None if problem.path is None else Path(problem.path)
                raise InputError(problem.message, where, problem.line, problem.column)


def psql_setting_notes(m: Migration) -> list[str]:
    """The notes on the psql settings of `m`'s up file that a run passes over (as `apply`
    does: `psql_settings_skipped`), each at its file:line:column."""
    from lockwise.executor.plan import psql_settings_skipped
    from lockwise.parse.postgres import parse_sql

    if "\\" not in m.up_sql:  # the common case: no meta-command to find
        return []
    return [f"{m.path}:{span.line}:{span.column}: {note}"
            for span, note in psql_settings_skipped(parse_sql(m.up_sql))]


def _predictions(migrations: Sequence[Migration], pg_version: int, utc: bool,
                 assume_in_transaction: bool | None = None, collation: str | None = None,
                 config: Config | None = None) -> list[list[tuple[Statement, Effect]]]:
    """Per migration, its up statements with lockwise's predicted effect for each, on a
    server of `pg_version` whose database's default collation is `collation`, read as lint
    reads them with `config` (the lockwise.toml in force: its `templates`)."""
    from lockwise.config import lint_options
    from lockwise.effects.context import SUPPORTED_PG_VERSIONS
    from lockwise.lint import lint_migrations

    version = min(max(pg_version, SUPPORTED_PG_VERSIONS.start), SUPPORTED_PG_VERSIONS.stop - 1)
    # Judged as lint judges them (each migration run as its tool runs it, see
    # `in_transaction`), with lint's options builder, on a session whose time zone is known,
    # of the scratch database itself: its collation is said, over the config's (which
    # describes the target database, not this one); no costs are estimated.
    reports = lint_migrations(migrations, lint_options(
        config, collation=collation, pg_version=version, costs=False,
        templates=(config.templates if config is not None else None) or "substitute",
        assume_in_transaction=assume_in_transaction, session_timezone_utc=utc))
    # Run as the tool sends them: with the values it puts in their placeholders (Flyway's).
    return [[(_as_sent(s.statement, r.migration), s.effect) for s in r.statements]
            for r in reports]


def _as_sent(statement: Statement, m: Migration) -> Statement:
    """`statement` of `m`'s up or down file as its tool sends it (`as_sent`): what the
    server runs."""
    if m.tool_placeholders is None:
        return statement
    from dataclasses import replace

    from lockwise.parse.templates import as_sent

    return replace(statement, sql=as_sent(statement.sql, m.tool_placeholders))


def _down_statements(m: Migration) -> list[Statement]:
    """`m`'s down statements as its tool sends them: with the values it puts in their
    placeholders (Flyway's undo file), each at its place in the file as written."""
    from lockwise.executor.plan import parsed_as_run

    return [_as_sent(s, m) for s in parsed_as_run(m, m.down_sql or "").statements]


def in_transaction(m: Migration, statements: Sequence[Statement],
                   assume_in_transaction: bool | None = None) -> bool:
    """Whether the migration's tool opens a transaction (or PostgreSQL's implicit block for a
    string of statements) around `statements`, exactly as lint assumes when it judges them: a
    plain file runs as `psql -f` runs it, each statement on its own unless it says BEGIN."""
    from lockwise.lint import LintOptions, starts_in_transaction

    return starts_in_transaction(m, LintOptions(assume_in_transaction=assume_in_transaction),
                                 statements)


def _down_in_transaction(m: Migration, statements: Sequence[Statement],
                         assume_in_transaction: bool | None) -> bool:
    from lockwise.discover.tools import down_runs_without_transaction

    down = dataclasses.replace(m, no_transaction=down_runs_without_transaction(m))
    return in_transaction(down, statements, assume_in_transaction)


def server_version(conn: Any) -> int:
    """The server's major version (e.g. 18)."""
    return int(conn.info.server_version) // 10000


def ensure_scratch(conn: Any, why: str = "verify runs down migrations") -> None:
    """Refuse a --dsn database that already has tables (`why`: what the command would do to
    it)."""
    snap = take_snapshot(conn)
    tables = sorted(snap.names("relation"))
    if tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise NotScratch(f"the database given with --dsn is not empty ({len(tables)} relations: "
                         f"{shown}); {why}, so it needs a scratch database")


def prepare_run(migrations: Sequence[Migration], conn: Any, uri: str,
                assume_in_transaction: bool | None = None, config: Config | None = None
                ) -> tuple[int, list[list[tuple[Statement, Effect]]], Runner]:
    """Ready `conn` (autocommit, on the scratch database behind `uri`) to run `migrations`:
    the server's major version, each migration's up statements with lockwise's prediction for
    this server and session (read as lint reads them with `config`), and the runner; the
    migration tools' own tables are created."""
    version = server_version(conn)
    zone = conn.execute("SHOW TimeZone").fetchone()[0]
    from lockwise.cost.collect import database_collation_of

    predictions = _predictions(migrations, version, is_utc_zone(str(zone)),
                               assume_in_transaction, database_collation_of(conn), config)
    runner = Runner(conn, uri)
    for layout in sorted({m.layout for m in migrations} & set(_TOOL_TABLES)):
        conn.execute(_TOOL_TABLES[layout])
    return version, predictions, runner


def verify_migrations(migrations: Sequence[Migration], conn: Any, uri: str,
                      options: VerifyOptions | None = None, server: str = "") -> VerifyResult:
    """Run every migration up, down and up again on `conn` (autocommit psycopg connection to
    the scratch database behind `uri`) and report on each."""
    options = options or VerifyOptions()
    started = time.monotonic()
    version, predictions, runner = prepare_run(migrations, conn, uri,
                                               options.assume_in_transaction, options.config)
    result = VerifyResult([], server, version)
    before = take_snapshot(conn, runner.since)
    stopped = False
    from lockwise.discover.versions import never_run

    # Of a version its tool runs one migration of, only that one runs, as lint replays it.
    not_run = never_run(migrations) if options.not_run is None else options.not_run
    for number, (m, predicted) in enumerate(zip(migrations, predictions, strict=True), start=1):
        if stopped:
            result.results.append(MigrationResult(m, NOT_RUN))
            continue
        if id(m) in not_run:
            result.results.append(MigrationResult(m, NEVER_RUNS,
                                                  notes=[never_runs_note(m, not_run[id(m)])]))
            continue
        if options.progress is not None:
            options.progress(number, len(migrations), m)
        res, before, stopped = _verify_one(m, predicted, runner, before, options)
        result.results.append(res)
    result.seconds = time.monotonic() - started
    return result


def never_runs_note(m: Migration, runs: Migration) -> str:
    """What verify and trace say of `m`, which its tool never runs as it runs `runs`, of its
    version, instead (`never_run`)."""
    return f"{m.layout} runs {runs.id} of version {runs.version} instead: this one never runs"


def _verify_one(m: Migration, predicted: list[tuple[Statement, Effect]], runner: Runner,
                before: Snapshot, options: VerifyOptions) -> tuple[MigrationResult, Snapshot,
                                                                  bool]:
    """One migration's up / down / up again. Returns its result, the schema it leaves, and
    whether the run must stop (the database is no longer where later migrations expect it)."""
    conn = runner.conn
    statements = [s for s, _ in predicted]
    up_tx = in_transaction(m, statements, options.assume_in_transaction)
    outcome = runner.run(statements, transactional=up_tx, observe=options.observe)
    res = MigrationResult(m, REVERSIBLE, notes=psql_setting_notes(m))
    res.notes += [f"statement {s.index + 1} (line {s.span.line}) skipped: {why}"
                  for s, why in outcome.skipped]
    effects = dict((s.index, e) for s, e in predicted)
    for s in statements:
        obs = outcome.observations.get(s.index)
        if obs is not None:
            res.checks.append(StatementCheck(s, effects[s.index], obs,
                                             compare(effects[s.index], obs)))
    if outcome.failure is not None:
        res.status, res.failure, res.phase = UP_FAILED, outcome.failure, "up"
        _blame_the_server(res, runner)
        return res, take_snapshot(conn, runner.since), True
    after_up = take_snapshot(conn, runner.since)
    if m.down_sql is None:
        res.status = NO_DOWN
        _seed(res, runner, before, after_up, options)
        return res, after_up, False

    down = _down_statements(m)
    down_tx = _down_in_transaction(m, down, options.assume_in_transaction)
    outcome = runner.run(down, transactional=down_tx, observe=False)
    res.notes += [f"down statement {s.index + 1} (line {s.span.line}) skipped: {why}"
                  for s, why in outcome.skipped]
    if outcome.failure is not None:
        res.status, res.failure, res.phase = DOWN_FAILED, outcome.failure, "down"
        _blame_the_server(res, runner)
        now = take_snapshot(conn, runner.since)
        # A down file that failed inside its transaction left the schema as up made it.
        if now != after_up:
            res.diff = diff_snapshots(after_up, now)
            return res, now, True
        _seed(res, runner, before, after_up, options)
        return res, after_up, False
    after_down = take_snapshot(conn, runner.since)
    res.diff = diff_snapshots(before, after_down)
    if res.diff:
        res.status = NOT_REVERSIBLE

    outcome = runner.run(statements, transactional=up_tx, observe=False)
    if outcome.failure is not None:
        res.status, res.failure, res.phase = REAPPLY_FAILED, outcome.failure, "up again"
        _blame_the_server(res, runner)
        return res, take_snapshot(conn, runner.since), True
    again = take_snapshot(conn, runner.since)
    if again != after_up:
        changed = diff_snapshots(after_up, again)
        res.notes.append(f"applying up again gave a different schema than the first time "
                         f"({len(changed)} objects differ, e.g. {changed[0].key})")
    _seed(res, runner, before, again, options)
    return res, again, False


def _blame_the_server(res: MigrationResult, runner: Runner) -> None:
    assert res.failure is not None
    cause = runner.missing_extension_cause(res.failure)
    if cause is not None:
        res.server_lacks = True
        res.notes.append(cause)


def _seed(res: MigrationResult, runner: Runner, before: Snapshot, after: Snapshot,
          options: VerifyOptions) -> None:
    if options.seed <= 0:
        return
    from lockwise.verify.seed import seed_tables

    created = sorted(after.names("relation") - before.names("relation"))
    tables = [t for t in created if after.objects[f"relation {t}"].get("kind") in ("r", "p")]
    if tables:
        res.seeded, notes = seed_tables(runner.conn, tables, options.seed)
        res.notes += notes
