"""Running migrations against PostgreSQL: apply, rollback, repair, baseline, status.

Connections: one dedicated autocommit connection holds the runner lock and writes the history
rows that must survive a failed migration; a second one runs the migrations and holds the
statement lock, which outlives a dead runner as long as its last statement runs (lock.py). A
transactional migration and its success row commit together, and so does each statement of a
statement-by-statement migration and its progress, where PostgreSQL allows it in a transaction
block: a crash at any point leaves either both or neither.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.types import Migration, Safety
from lockwise.db.dsn import CONNECT_TIMEOUT, mask_dsn, redact
from lockwise.discover.versions import (
    run_key,
    run_positions,
    version_identity,
    version_key,
    version_sort_key,
)
from lockwise.executor import history, lock
from lockwise.executor.batches import ServerTables
from lockwise.executor.checksum import CHECKSUM_VERSION, checksum, statements_checksum
from lockwise.executor.history import (
    KIND_APPLY,
    KIND_BASELINE,
    KIND_REPAIR,
    KIND_ROLLBACK,
    HistoryTable,
)
from lockwise.executor.parts import line_label
from lockwise.executor.parts import position as file_position
from lockwise.executor.plan import (
    Plan,
    PlannedStatement,
    build_plans,
    down_plan,
    refuse_batches_by,
    resume_point,
)
from lockwise.executor.state import (
    APPLIED,
    CHANGED,
    FAILED,
    INTERRUPTED,
    MISSING,
    RENAMED,
    DatabaseState,
    VersionStatus,
    all_completed,
    another_migration,
    compute_state,
    resumes_at,
    runs_now,
    status_key,
    still_running,
    took_the_version,
    unrelated_directory,
)

if TYPE_CHECKING:
    from lockwise.config import Config

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
#: Ctrl-C (SIGINT), as a shell reports a command it interrupted (128 + 2).
EXIT_INTERRUPTED = 130

Say = Callable[[str], None]


class ExecutorError(Exception):
    """A failure to report as one clear message, with the exit code to use."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(slots=True)
class ExecOptions:
    table: HistoryTable = field(
        default_factory=lambda: HistoryTable.parse(history.DEFAULT_HISTORY_TABLE))
    allow: Safety = Safety.SAFE_WITH_CARE
    dry_run: bool = False
    wait_seconds: float = 60.0
    lock_timeout_ms: int = 5000
    #: 0: no limit (set explicitly so a role's default cannot cut a long migration short).
    statement_timeout_ms: int = 0
    retries: int = 3
    retry_delay: float = 1.0
    drop_invalid: bool = False
    rules_dirs: tuple[Path, ...] = ()
    #: Read table sizes from the target database for duration estimates (lockwise.cost).
    estimate: bool = True
    #: The lockwise.toml in force: the gate chooses its rules with its `select`, `ignore` and
    #: `overrides`, as `lockwise lint` does.
    config: Config | None = None
    #: Run pending migrations older than a version the database has (refused otherwise).
    allow_out_of_order: bool = False


@dataclass(slots=True)
class Console:
    """Where messages go; everything passes through `redact` with the run's DSN."""

    dsn: str
    out: Say
    err: Say

    def say(self, text: str) -> None:
        self.out(redact(text, self.dsn))

    def warn(self, text: str) -> None:
        self.err(redact(text, self.dsn))


# --- connections ---------------------------------------------------------------------------

def connect(dsn: str, application_name: str = lock.APPLICATION_NAME):
    """An autocommit connection, or ExecutorError (exit 2) with the DSN masked."""
    import psycopg

    try:
        conn = psycopg.connect(dsn, autocommit=True, application_name=application_name,
                               connect_timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - bad DSN syntax raises several types
        raise ExecutorError(f"cannot connect to {mask_dsn(dsn)}: "
                            f"{redact(str(exc).strip(), dsn)}", EXIT_INPUT) from None
    _session_defaults(conn)
    return conn


def _session_defaults(conn) -> None:
    """Make a long statement notice that its client died (PostgreSQL 14+): without it, a killed
    runner's backend keeps its transaction and locks until the statement ends by itself.

    And no server-side session limit from the role or database: the lock connection sits idle
    while a migration runs, and an idle_session_timeout closing it would release the runner
    lock to a second runner in the middle of the run (a transaction_timeout would cut a long
    migration short, as a statement_timeout would)."""
    version = conn.info.server_version
    settings = {"idle_in_transaction_session_timeout": 0}
    if version >= 140000:
        settings |= {"client_connection_check_interval": "1s", "idle_session_timeout": 0}
    if version >= 170000:
        settings["transaction_timeout"] = 0
    for name, value in settings.items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, str(value)))


def _server_major(conn) -> int:
    from lockwise.effects.context import SUPPORTED_PG_VERSIONS

    major = conn.info.server_version // 10000
    return min(max(major, SUPPORTED_PG_VERSIONS.start), SUPPORTED_PG_VERSIONS.stop - 1)


def _error_text(exc: BaseException, dsn: str) -> str:
    return redact(" ".join(str(exc).split()) or type(exc).__name__, dsn)


class _Runner:
    """Holds the lock connection for the length of one command, and with `runs_migrations` the
    connection that runs them (`work`)."""

    def __init__(self, dsn: str, options: ExecOptions, console: Console, take_lock: bool,
                 runs_migrations: bool = False):
        self.dsn, self.options, self.console = dsn, options, console
        self.take_lock = take_lock
        self.runs_migrations = runs_migrations
        self.conn = None
        self.lock_pid = 0
        self.work = None
        #: The lock connection's error once it was lost mid-run: the runner lock went with it.
        self.lock_lost: BaseException | None = None

    def __enter__(self) -> _Runner:
        self.conn = connect(self.dsn)
        #: The backend of the lock connection: the runner lock's holder, named in the rows
        #: this runner writes (and in its migration connection's application_name).
        self.lock_pid: int = self.conn.info.backend_pid
        try:
            # Before the lock key is derived from it: `hist` and `public.hist` are one table.
            self.options.table = history.resolve(self.conn, self.options.table)
            if self.take_lock:
                self._lock()
                history.ensure_table(self.conn, self.options.table)
        except (history.HistoryNameError, history.HistorySchemaError, lock.LockBusy) as exc:
            self._close()  # releases the locks
            raise ExecutorError(str(exc), EXIT_INPUT) from None
        except BaseException:
            self._close()
            raise
        return self

    def _lock(self) -> None:
        """The runner lock, then the statement lock: on the migration connection, opened here,
        or (repair, baseline: nothing runs but their history writes) on the lock connection.
        Both before the history is read: a dead runner's statement may still change it."""
        table, wait = self.options.table, self.options.wait_seconds
        deadline = time.monotonic() + max(0.0, wait)
        with _interrupted_waiting(self.conn, table.lock_key, "the runner lock"):
            lock.acquire(self.conn, table.lock_key, wait)
        holder = self.conn
        if self.runs_migrations:
            self.work = connect(self.dsn, lock.statement_connection_name(self.lock_pid))
            holder = self.work
        with _interrupted_waiting(holder, table.statement_lock_key,
                                  "a previous runner's statement to end"):
            lock.await_statement(holder, table.statement_lock_key,
                                 max(0.0, deadline - time.monotonic()), self.console.warn)

    def __exit__(self, *exc_info) -> None:
        self._close()

    def _close(self) -> None:
        # The migration connection first: its statement lock goes with its session.
        if self.work is not None and not self.work.closed:
            self.work.close()
        # Closing the session releases the advisory locks, also if the unlock itself fails.
        if self.conn is not None and not self.conn.closed:
            if self.take_lock:
                with contextlib.suppress(Exception):
                    lock.release(self.conn, self.options.table.lock_key)
            self.conn.close()

    def record(self, write: Callable[..., object], *args, **kwargs) -> None:
        """A history write that must outlive the migration's own transaction (a failure, the
        end of a statement-by-statement run), on the lock connection. When that connection is
        lost (its backend terminated), on the migration connection, in a transaction of its own
        and as the user that connected: it still holds the statement lock, so no other runner
        reads the history before the write, and what committed is recorded (docs/executor.md,
        "Failures"). The run then stops before its next migration (`check_lock`).

        `write(conn, *args, **kwargs)` makes the write on the connection it is given."""
        import psycopg

        if self.lock_lost is None:
            try:
                write(self.conn, *args, **kwargs)
                return
            except psycopg.OperationalError as exc:
                if not self.conn.closed or self.work is None or self.work.closed:
                    raise
                self.lock_lost = exc
                self.console.warn("lockwise: warning: lost the connection that holds the runner "
                                  f"lock: {_error_text(exc, self.dsn)}; recording this "
                                  "migration on the migration connection; nothing more runs "
                                  "without the lock")
        with self.work.transaction():
            self.work.execute(_CONNECTED_USER_LOCAL)
            write(self.work, *args, **kwargs)

    def check_lock(self, plan: Plan, command: str) -> None:
        """Before `plan` runs: stop when the lock connection, and the runner lock with it, is
        gone. A transactional migration never writes on it, so without this check a run would
        go on without the runner lock."""
        import psycopg

        if self.lock_lost is None:
            try:
                self.conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if not self.conn.closed:
                    raise
                self.lock_lost = exc
        raise ExecutorError(
            f"lost the connection that holds the runner lock before {plan.path}: "
            f"{_error_text(self.lock_lost, self.dsn)}. Every migration before it is "
            f"recorded; nothing more was run without the lock: {_rest(command)}")

    def state(self, migrations: Sequence[Migration]) -> DatabaseState:
        try:
            rows = history.read_rows(self.conn, self.options.table)
        except history.HistorySchemaError as exc:
            raise ExecutorError(str(exc), EXIT_INPUT) from None
        return compute_state(migrations, rows, config=self.options.config)


@contextlib.contextmanager
def _interrupted_waiting(conn, key: int, what: str):
    """Ctrl-C while a runner waits for `what` (the advisory lock `key`, on `conn`): nothing
    ran and nothing was recorded yet (the history is read and written only under both
    locks), so it is an ExecutorError saying so, exit 130, never a silent exit."""
    try:
        yield
    except KeyboardInterrupt:
        pid = None
        with contextlib.suppress(Exception):  # the interrupted poll may have left it unusable
            pid = lock.holder_pid(conn, key)
        held = f" (held by backend pid {pid})" if pid is not None else ""
        raise ExecutorError(f"interrupted while waiting for {what}{held}: nothing was run or "
                            "recorded", EXIT_INTERRUPTED) from None


# --- status ----------------------------------------------------------------------------------

@dataclass(slots=True)
class Status:
    state: DatabaseState
    #: The backend pid of a runner holding the lock, if one is.
    runner_pid: int | None
    #: Advice on each INVALID index of the database: what a CONCURRENTLY build that failed or
    #: was killed (with its runner) leaves behind.
    invalid_indexes: list[str]
    #: A statement a dead runner left running: it holds the statement lock, may still commit,
    #: and the next runner waits for it.
    stray: lock.Backend | None = None
    #: The server's major version, as `apply` plans for it (`_server_major`).
    pg_version: int = 16


def status(dsn: str, migrations: Sequence[Migration], options: ExecOptions,
           console: Console) -> Status:
    """The state of every migration, the lock holder, and the invalid indexes."""
    with _Runner(dsn, options, console, take_lock=False) as runner:
        table = options.table
        rows, holder = _rows_and_holder(runner)
        state = compute_state(migrations, rows, holder, options.config)
        invalid = [_invalid_advice(name) for name in _invalid_indexes(runner.conn).values()]
        stray = lock.stray_statement(runner.conn, table.statement_lock_key, table.lock_key)
        pg_version = _server_major(runner.conn)
    if stray is not None:
        for v in state.having(INTERRUPTED):
            if v.row is not None and v.row.runner_pid is not None and \
                    stray.application_name == lock.statement_connection_name(v.row.runner_pid):
                still_running(v, stray.pid, options.config)
    return Status(state, holder.pid if holder else None, invalid, stray, pg_version)


def _rows_and_holder(runner: _Runner, attempts: int = 5
                     ) -> tuple[list[history.HistoryRow], lock.Holder | None]:
    """The history, and the runner lock's holder read after it, as one consistent view: an
    unfinished row whose runner does not hold the lock is a dead runner's only if it is still
    unfinished when read again (its runner may have finished it, and released the lock,
    between the two reads). A runner holds the lock from before it writes a row until after
    it finishes it, so one reading of the history that is the same before and after the
    holder was read shows every unfinished row of a live runner with that runner holding the
    lock."""
    conn, table = runner.conn, runner.options.table
    try:
        rows = history.read_rows(conn, table)
        for _ in range(attempts):
            holder = lock.holder(conn, table.lock_key)
            if all(runs_now(r, holder) for r in rows if r.success is None
                   and r.repaired_at is None and r.kind != KIND_BASELINE):
                return rows, holder
            again = history.read_rows(conn, table)
            if again == rows:
                return rows, holder
            rows = again
    except history.HistorySchemaError as exc:
        raise ExecutorError(str(exc), EXIT_INPUT) from None
    return rows, lock.holder(conn, table.lock_key)


# --- apply ------------------------------------------------------------------------------------

def _check_blockers(state: DatabaseState, console: Console, action: str) -> None:
    blocked = state.having(FAILED, INTERRUPTED)
    changed = state.having(CHANGED)
    for v in blocked:
        path = v.migration.path if v.migration else v.version
        console.warn(f"lockwise: error: {path} (version {v.version}) is {v.state}: {v.detail}")
    # Listed with a failure too: the `repair` it asks for accepts these checksums as well.
    for v in changed:
        console.warn(f"lockwise: error: version {v.version}: {v.detail}")
    if blocked:
        also = (" It also accepts the edited applied files listed: restore those first if "
                "the edit was not meant to be deployed.") if changed else ""
        raise ExecutorError(
            f"refusing to {action}: a migration failed or was interrupted, so the database may "
            "be in between two versions. Check it, fix it by hand if needed, then run "
            "`lockwise repair` (or `lockwise repair --mark-applied` if you completed it)."
            + also)
    if changed:
        raise ExecutorError(
            f"refusing to {action}: applied migration files were edited. Restore them, or run "
            "`lockwise repair` to accept the new checksums if the edit does not change the "
            "schema.")


def apply(dsn: str, migrations: Sequence[Migration], options: ExecOptions,
          console: Console, to: str | None = None) -> int:
    """Apply pending migrations that pass the gate (with `to`, those up to that version
    only); returns the exit code."""
    lock_timeout_set = options.lock_timeout_ms > 0
    with _Runner(dsn, options, console, take_lock=not options.dry_run,
                 runs_migrations=True) as runner:
        state = runner.state(migrations)
        _check_blockers(state, console, "apply")
        renamed = state.having(RENAMED)
        if renamed:
            for v in renamed:
                console.warn(f"lockwise: error: {v.migration.path} has {v.detail}")
            raise ExecutorError("refusing to apply: a migration that ran already would run again "
                                "under a new version")
        unrelated = unrelated_directory(state, migrations, options.table.display)
        if unrelated is not None:
            raise ExecutorError(f"{unrelated} Nothing was applied", EXIT_INPUT)
        for v in state.having(MISSING):
            console.warn(f"lockwise: warning: version {v.version}: {v.detail}")
        pending, later = state.pending, []
        if to is not None:
            limit, to = _target(state, to, "apply", "or leave --to out to apply them all")
            later = [m for m in pending if run_key(m) > limit]
            pending = [m for m in pending if run_key(m) <= limit]
            if not pending:
                console.say(f"lockwise: nothing to apply up to {to}"
                            f"{_not_applied(later, to)}")
                return EXIT_OK
        if not pending:
            console.say(f"lockwise: {mask_dsn(dsn)} is up to date "
                        f"({len(state.having(APPLIED))} applied)")
            return EXIT_OK
        _check_order(state, pending, options, console)
        pg_version = _server_major(runner.conn)
        stats = _live_stats(dsn, console) if options.estimate else None
        plans = build_plans(migrations, pending, pg_version, lock_timeout_set,
                            options.rules_dirs, stats, options.config)
        # What the server holds of the tables they batch, beside what the migrations made.
        refuse_batches_by(plans, ServerTables(runner.conn))
        refused = _gate(plans, options, console)
        if refused == EXIT_INPUT:  # a file that cannot be run: no plan of it either
            return refused
        # Before the plan is printed: a dry run shows what the run would run, not the
        # statements a cleared run completed.
        _resume_points(runner, plans, KIND_APPLY, announce=not (options.dry_run or refused))
        if options.dry_run:
            _print_plan(plans, options, console, dsn)
            return refused
        if refused:
            return refused
        for plan in plans:
            runner.check_lock(plan, "apply")
            with _connection_lost(runner, plan):
                if not _run_up(runner, runner.work, plan):
                    return EXIT_FAILED
            _stop_if_disconnected(runner, plan, "apply")
        console.say(f"lockwise: applied {len(plans)} migration(s){_not_applied(later, to)}")
    return EXIT_OK


def _check_order(state: DatabaseState, pending: Sequence[Migration], options: ExecOptions,
                 console: Console) -> None:
    """Refuse to run a pending migration older than a version the database has, unless
    `options.allow_out_of_order` (then warn). It was written before that version, and may
    assume a schema the later one changed (a column it renamed, a table it dropped): Flyway
    (outOfOrder=false) and goose (without allow-missing) refuse it too."""
    to_run = {m.id for m in pending}
    early = [v for v in state.out_of_order if v.migration is not None and v.migration.id in to_run]
    if not early:
        return
    for v in early:
        assert v.migration is not None
        if options.allow_out_of_order:
            console.warn(f"lockwise: warning: {v.migration.path} is older than "
                         f"{v.applied_after}, already applied; applying it out of order")
        else:
            console.warn(f"lockwise: error: {v.migration.path} (version {v.version}) is older "
                         f"than {v.applied_after}, already applied")
    if options.allow_out_of_order:
        return
    newest = early[0].applied_after
    raise ExecutorError(
        f"refusing to apply: {len(early)} pending migration(s) are older than {newest}, which "
        "the database already has (a branch merged late?). Each was written before the "
        "migrations applied after it and may assume a schema they changed; nothing was "
        "applied. Check that it does not depend on what came after it, then run again with "
        "--allow-out-of-order (or `allow_out_of_order = true` in lockwise.toml); or, if it "
        f"was never applied to any database, give it a version after {newest}.")


def _not_applied(later: Sequence[Migration], to: str | None) -> str:
    return f"; {len(later)} pending migration(s) after {to} not applied" if later else ""


@contextlib.contextmanager
def _connection_lost(runner: _Runner, plan: Plan):
    """The lock connection (the runner lock, the history writes that must survive a failed
    migration) lost while `plan` runs (the server restarted, a backend terminated): an
    ExecutorError saying what the history can and cannot show, never a bare database error."""
    import psycopg

    try:
        yield
    except psycopg.OperationalError as exc:
        if not runner.conn.closed:
            raise
        raise ExecutorError(
            f"lost the connection that holds the runner lock and writes the history while "
            f"running {plan.path}: {_error_text(exc, runner.dsn)}. Nothing more was run. What "
            "committed is recorded with it (a migration and its history row, a statement and "
            "its progress commit together), except the end of a statement-by-statement run or "
            "a statement that commits on its own: `lockwise status` says how far it got, "
            "then `lockwise repair`.") from None


def _stop_if_disconnected(runner: _Runner, plan: Plan, command: str) -> None:
    """After `plan` succeeded: stop when the migration connection is gone (the server committed
    before the connection dropped), instead of failing on it with the next migration."""
    if runner.work is not None and runner.work.closed:
        raise ExecutorError(
            f"the connection running the migrations was lost after {plan.path} committed; "
            f"nothing after it ran: {_rest(command)}")


def _rest(command: str) -> str:
    """What to do about the migrations a stopped `command` did not run."""
    if command == "apply":
        return "run `lockwise apply` again for the rest"
    # --steps counts from the latest applied migration: rerun as it was, it undoes more.
    return ("check `lockwise status` before rolling back the rest (`--steps` counts from the "
            "latest migration still applied)")


def _live_stats(dsn: str, console: Console) -> object | None:
    """Table sizes of the target database, so the gate and the plan get duration estimates
    (catalog reads only); without them the run goes on with no estimates."""
    try:
        from lockwise.cost.collect import collect_stats

        return collect_stats(dsn)
    except Exception as exc:  # noqa: BLE001 - estimates are a bonus, never a reason to stop
        console.warn(f"lockwise: warning: no duration estimates: {exc}")
        return None


def _say_notes_and_problems(plan: Plan, console: Console) -> bool:
    """Say `plan`'s notes and the problems that keep it from running; whether it has any."""
    for note in plan.notes:
        console.warn(f"lockwise: note: {note}")
    for problem in plan.problems:
        console.warn(f"lockwise: error: {problem}")
    return bool(plan.problems)


def _gate(plans: list[Plan], options: ExecOptions, console: Console) -> int:
    """0 when every plan may run; else the exit code, after saying why."""
    code = 0
    for plan in plans:
        if _say_notes_and_problems(plan, console):
            code = EXIT_INPUT
    if code:
        return code
    for plan in plans:
        if plan.safety > options.allow:
            code = EXIT_FAILED
            console.warn(f"lockwise: refused: {plan.path} is {plan.safety.label}, above "
                         f"--allow {options.allow.label}")
            for f in plan.report.all_findings if plan.report else []:
                if f.safety > options.allow:
                    where = file_position(plan.migration, f.path, f.span.line, f.span.column) \
                        if f.span else str(f.path)
                    console.warn(f"  {where}: {f.rule} [{f.safety.label}] {f.message}")
        elif plan.refused_statements:
            # It would fail on the server: a failed run to repair, and in a migration run
            # statement by statement the work before it committed. No --allow lets that in.
            code = EXIT_FAILED
            s = plan.refused_statements[0]
            at = file_position(plan.migration, plan.path, s.line, s.column)
            console.warn(f"lockwise: refused: {at}: PostgreSQL "
                         f"refuses statement {s.index + 1} ({s.refused}): the migration would "
                         "fail there, whatever --allow")
    if code:
        console.warn("lockwise: nothing was applied. Fix the migrations, or allow the level "
                     "explicitly with --allow (destructive changes need --allow destructive).")
    return code


def _print_plan(plans: list[Plan], options: ExecOptions, console: Console, dsn: str) -> None:
    lt = f"{options.lock_timeout_ms}ms" if options.lock_timeout_ms else "off"
    st = f"{options.statement_timeout_ms}ms" if options.statement_timeout_ms else "off"
    console.say(f"Plan for {mask_dsn(dsn)}: {len(plans)} pending migration(s), allowed up to "
                f"{options.allow.label}; lock_timeout {lt}, statement_timeout {st}")
    for n, plan in enumerate(plans, 1):
        mode = "one transaction" if plan.transactional else "statement by statement, no " \
            "transaction"
        verdict = "" if plan.safety <= options.allow and not plan.refused_statements \
            else "  REFUSED"
        estimate = (f", estimated {plan.predicted_seconds:.1f}s"
                    if plan.predicted_seconds is not None else "")
        named = " ".join(filter(None, (plan.migration.version, plan.migration.name)))
        console.say(f"{n}. {named} ({plan.path}) "
                    f"[{plan.safety.label}] {mode}{estimate}{verdict}")
        _say_skipped(plan, console)
        for s in plan.statements[plan.resume_at:]:
            # modes by the documentation's names, as lint's report gives them
            locks = ", ".join(f"{mode.sql_name} on {rel}" for rel, mode in s.locks.items())
            timing = ""
            if s.refused:
                timing = f" refused: PostgreSQL refuses this statement ({s.refused}): the " \
                    "migration would fail here"
            elif s.estimated_seconds is not None:
                timing = f", estimated {s.estimated_seconds:.1f}s"
                if s.lock_seconds is not None and s.locks:
                    timing += f" (lock held {s.lock_seconds:.1f}s)"
            console.say(f"   statement {s.index + 1} ({line_label(plan.migration, s.line)}) "
                        f"[{s.safety.label}]"
                        f"{' locks: ' + locks if locks else ''}{timing}")
            for line in s.sql.splitlines():
                console.say(f"     {line}")
        for i in plan.dropped:
            console.say(f"   statement {i + 1}: the file's own BEGIN/COMMIT, replaced by "
                        "lockwise's transaction")


def _say_skipped(plan: Plan, console: Console) -> None:
    """In a plan: the statements a failed run, cleared by repair, completed, which the run
    resumes after."""
    if plan.resume_at:
        last = plan.statements[plan.resume_at - 1].index + 1  # as the file numbers it
        console.say(f"   statements 1 to {last}: completed by the cleared run, not run again")


def _timeouts(conn, options: ExecOptions, local: bool) -> None:
    conn.execute("SELECT set_config('lock_timeout', %s, %s), "
                 "set_config('statement_timeout', %s, %s)",
                 (f"{options.lock_timeout_ms}ms", local,
                  f"{options.statement_timeout_ms}ms", local))


def _is_lock_timeout(exc: BaseException) -> bool:
    import psycopg.errors

    return isinstance(exc, psycopg.errors.LockNotAvailable)


#: Back to the user that connected (`db.session.CONNECTED_USER`) until the end of the
#: transaction, for lockwise's own history write in it: the migration's SET ROLE comes back
#: at COMMIT (checked on the server), and a role the migration switched to may not write the
#: history.
_CONNECTED_USER_LOCAL = "SET LOCAL SESSION AUTHORIZATION DEFAULT"


def _reset_session(work) -> None:
    """Each migration starts from the connection's defaults: no search_path, timeout or role
    left over from the previous one, and no temporary table (the gate judged it in a session
    of its own: `replay.end_session`)."""
    from lockwise.db.session import reset_session

    reset_session(work)
    _session_defaults(work)


def _row_values(runner: _Runner, plan: Plan, **extra) -> dict:
    """A history row of `plan`'s run; `runner_pid` names the runner lock's backend, which
    `status` checks to tell this run in progress from a dead runner's."""
    return {"runner_pid": runner.lock_pid,
            "version": plan.migration.version, "description": plan.migration.name,
            "checksum": plan.checksum, "checksum_version": CHECKSUM_VERSION,
            "safety": plan.safety.label, "ignored_rules": plan.ignored_rules,
            "predicted_seconds": plan.predicted_seconds, "transactional": plan.transactional,
            "kind": KIND_APPLY, **extra}


def _resume_points(runner: _Runner, plans: Sequence[Plan], kind: str,
                   announce: bool = True) -> None:
    """Set where each plan starts: after the statements a failed or interrupted run of it,
    cleared by repair, committed, so they are not run twice (an INSERT would insert twice).
    `announce`: say so (a dry run's plan shows it instead)."""
    rows = history.read_rows(runner.conn, runner.options.table)
    for plan in plans:
        plan.resume_at = _resume_at(rows, plan, kind, runner.console, announce)


def _resume_at(rows: list[history.HistoryRow], plan: Plan, kind: str, console: Console,
               announce: bool) -> int:
    row = history.resumed_run(rows, plan.migration.version, kind)
    done = (row.statements_completed or 0) if row is not None else 0
    if not done:
        return 0
    # Rows written before completed_checksum existed: the whole text must be unchanged.
    same = done <= len(plan.statements) and (
        row.completed_checksum == statements_checksum([s.sql for s in plan.statements[:done]])
        if row.completed_checksum is not None else row.checksum in plan.checksums)
    if not same:
        console.warn(f"lockwise: warning: {plan.path}: statements 1 to {done}, which the "
                     "failed run completed, changed since the failed run; running it from its "
                     "first statement, as edited")
        return 0
    # Named as the file numbers it: a BEGIN/COMMIT wrapper lockwise replaces counts there.
    next_one = resume_point(plan, done)
    if announce and next_one is None:
        console.say(f"lockwise: {plan.path}: all {done} statement(s) completed before: "
                    "recording it as applied without running any")
    elif announce:
        console.say(f"lockwise: {plan.path}: resuming at statement {next_one.index + 1} (line "
                    f"{next_one.line}), after the {done} statement(s) completed before")
    return done


def _run_up(runner: _Runner, work, plan: Plan) -> bool:
    console = runner.console
    console.say(f"lockwise: applying {plan.migration.where} ({plan.safety.label}, "
                f"{'one transaction' if plan.transactional else 'no transaction'})")
    run = _run_transactional if plan.transactional else _run_statements
    return run(runner, work, plan, KIND_APPLY)


def _backoff(runner: _Runner, attempt: int, what: str) -> None:
    delay = runner.options.retry_delay * (2 ** attempt)
    runner.console.warn(f"lockwise: lock_timeout on {what}; retrying in {delay:g}s "
                        f"({attempt + 1}/{runner.options.retries})")
    time.sleep(delay)


def _run_transactional(runner: _Runner, work, plan: Plan, kind: str,
                       on_success: Callable[[object], None] | None = None) -> bool:
    """Run the plan in one transaction (retrying the whole of it on lock_timeout); its
    history row, of `kind`, commits with it, or records the failure after the rollback."""
    options, console, table = runner.options, runner.console, runner.options.table
    attempt = 0
    while True:
        _reset_session(work)
        started = time.monotonic()
        current = None
        # Where it failed when no statement did: its history row, or the COMMIT (a deferred
        # constraint or trigger, a serialization failure), which rolls everything back.
        phase, row_id = "recording its history row", None
        try:
            with work.transaction():
                _timeouts(work, options, local=True)
                for stmt in plan.statements[plan.resume_at:]:
                    current = stmt
                    _run_sql(work, stmt)
                current = None
                elapsed = int((time.monotonic() - started) * 1000)
                # The history is lockwise's, written as the user that connected, not as a role
                # the migration switched to (which may not write it).
                work.execute(_CONNECTED_USER_LOCAL)
                row_id = history.insert_row(work, table, **_row_values(
                    runner, plan, kind=kind, success=True, execution_time_ms=elapsed,
                    statements_completed=len(plan.statements)))
                if on_success is not None:
                    on_success(work)
                phase = "COMMIT"
            return True
        except KeyboardInterrupt:
            if phase == "COMMIT":
                console.warn(f"lockwise: interrupted at the COMMIT of {plan.path}: "
                             "`lockwise status` says whether it committed")
            else:
                console.warn(f"lockwise: interrupted during {plan.path}: its transaction was "
                             "rolled back, the database has none of its changes (the "
                             "migrations before it stay applied)")
            raise
        except Exception as exc:  # noqa: BLE001 - any failure is reported and recorded
            if phase == "COMMIT" and work.closed:
                outcome = _commit_outcome(runner, plan, lambda row=row_id: _committed(runner, row))
                if outcome:
                    # The connection went away, but the server committed: it is applied.
                    console.warn(f"lockwise: warning: {plan.path}: the connection was lost "
                                 "at COMMIT, but the server committed the migration and its "
                                 "history row")
                    return True
                if outcome is None:
                    raise ExecutorError(
                        f"the connection was lost at the COMMIT of {plan.path}, and the "
                        "backend running it had not ended after --wait: it may still commit. "
                        "Nothing is recorded for it: `lockwise status` shows it applied once "
                        "it commits, pending if it does not") from None
            if _is_lock_timeout(exc) and attempt < options.retries and not work.closed:
                _backoff(runner, attempt, f"{plan.path} statement {current.index + 1}"
                         if current else str(plan.path))
                attempt += 1
                continue
            message = _error_text(exc, runner.dsn)
            elapsed = int((time.monotonic() - started) * 1000)
            where = f"statement {current.index + 1} (line {current.line})" if current else phase
            recorded = f"COMMIT failed: {message}" if current is None and phase == "COMMIT" \
                else message
            if _is_lock_timeout(exc):
                recorded += f" ({history.LOCK_TIMEOUT_NOTE})"
            # After the rollback, in its own transaction on the lock connection.
            runner.record(history.insert_row, table, **_row_values(
                runner, plan, kind=kind, success=False, error_message=recorded,
                execution_time_ms=elapsed,
                failed_statement_index=current.index if current else None,
                statements_completed=plan.resume_at))
            at = _failure_position(plan, current, exc) if current else str(plan.path)
            console.warn(f"lockwise: error: {at}: failed at {where}: {message}")
            _lock_timeout_hint(exc, plan, console)
            kept = (f" (beyond the {plan.resume_at} statement(s) an earlier, cleared run "
                    "committed)") if plan.resume_at else ""
            console.warn("lockwise: the transaction was rolled back: the database has none of "
                         f"this migration's changes{kept}.")
            console.warn("lockwise: later applies and rollbacks will refuse until "
                         "`lockwise repair` clears the failure.")
            return False


def _lock_timeout_hint(exc: BaseException, plan: Plan, console: Console) -> None:
    """After a failure on lock_timeout: what failed is the wait for other sessions' locks, not
    the SQL, so say what to change instead of leaving the user to look for an error in the
    file."""
    if not _is_lock_timeout(exc):
        return
    console.warn(f"lockwise: nothing in {plan.path.name} needs fixing: other sessions held a "
                 "lock it needs for longer than its lock_timeout. After `lockwise repair`, "
                 "apply it when they are done (a quieter time), or with a longer "
                 "--lock-timeout or more --retries.")


def _commit_outcome(runner: _Runner, plan: Plan, committed: Callable[[], bool]
                    ) -> bool | None:
    """Whether a COMMIT whose connection was lost committed (`committed` reads it on the lock
    connection). Read again once the backend that ran it has ended (its statement lock is
    free): a COMMIT still at work (a deferred trigger, a wait for a synchronous standby) is
    not visible yet, and may still commit. None when it still runs after --wait."""
    if committed():
        return True
    wait = runner.options.wait_seconds
    runner.console.warn(f"lockwise: the connection running {plan.path} was lost at a COMMIT: "
                        f"waiting (up to {wait:g}s) for its backend to end, to read whether "
                        "it committed")
    if not lock.ended(runner.conn, runner.options.table.statement_lock_key, wait):
        return None
    return committed()


def _committed(runner: _Runner, row_id: int | None) -> bool:
    """Whether the success row `row_id`, written in a transaction whose COMMIT lost its
    connection, is in the history: the server committed that transaction after all."""
    from psycopg import sql

    if row_id is None:
        return False
    query = sql.SQL("SELECT 1 FROM {} WHERE id = %s AND success").format(
        runner.options.table.ident())
    return runner.conn.execute(query, (row_id,)).fetchone() is not None


_INVALID_FROM = """
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid
"""
_QUALIFIED = "quote_ident(n.nspname) || '.' || quote_ident(c.relname)"
_INVALID_INDEXES = f"SELECT c.oid, {_QUALIFIED} {_INVALID_FROM}"


def _invalid_indexes(conn) -> dict[int, str]:
    return {oid: name for oid, name in conn.execute(_INVALID_INDEXES).fetchall()}


#: The tables whose indexes an IndexCheck looks at, before adding their TOAST tables.
_CHECKED_TABLES = {
    "create": "SELECT to_regclass(%(name)s)",
    "index": "SELECT indrelid FROM pg_index WHERE indexrelid IN ({targets})",
    "table": "SELECT to_regclass(%(name)s) UNION SELECT relid FROM "
             "pg_partition_tree(to_regclass(%(name)s))",
    "schema": "SELECT oid FROM pg_class WHERE relnamespace = to_regnamespace(%(name)s)",
    "database": "SELECT oid FROM pg_class",
}
#: The index a REINDEX INDEX names, and its partitions' indexes when it is partitioned.
_REINDEX_TARGETS = ("SELECT to_regclass(%(name)s) UNION "
                    "SELECT relid FROM pg_partition_tree(to_regclass(%(name)s))")
_CC_LEFTOVER = re.compile(r"_cc(?:new|old)[0-9]*$")
#: NAMEDATALEN - 1: PostgreSQL truncates the stem of a longer `<index>_ccnew` name.
_MAX_NAME = 63


def reindex_leftover(index: str, candidate: str) -> bool:
    """Whether `candidate` is a name REINDEX CONCURRENTLY gives the copies of `index`:
    `<index>_ccnew` (the new build) or `<index>_ccold` (the swapped-out original), with a number
    when taken, the stem cut to fit 63 bytes (by whole characters)."""
    match = _CC_LEFTOVER.search(candidate)
    if match is None:
        return False
    stem = candidate[:match.start()]
    if stem == index:
        return True
    # Cut by whole characters, so up to 3 bytes short of the limit.
    return bool(stem) and index.startswith(stem) and \
        len(candidate.encode()) > _MAX_NAME - 4


def _named_invalid(conn, stmt) -> dict[int, str]:
    """Invalid indexes a CONCURRENTLY statement that reported success may still leave (see
    plan.IndexCheck), which the before/after comparison misses since they existed before.
    Resolved in the session that ran the statement, so its search_path applies."""
    from psycopg import sql

    check = None if stmt is None else stmt.index_check
    if check is None:
        return {}
    name = (sql.Identifier(check.schema, check.name) if check.schema
            else sql.Identifier(check.name)).as_string(conn) if check.name else ""
    tables = _CHECKED_TABLES[check.scope].format(targets=_REINDEX_TARGETS)
    query = (f"SELECT c.oid, c.relname, {_QUALIFIED} {_INVALID_FROM}"
             " AND c.relkind = 'i' AND i.indrelid IN (SELECT t.oid FROM pg_class t WHERE "
             f"t.oid IN ({tables}) UNION SELECT t.reltoastrelid FROM pg_class t WHERE t.oid IN "
             f"({tables}))")
    found = conn.execute(query, {"name": name}).fetchall()
    if check.scope == "create":
        return {oid: qualified for oid, relname, qualified in found if relname == check.index}
    if check.scope != "index":
        return {oid: qualified for oid, _, qualified in found}
    targets = {oid: relname for oid, relname in conn.execute(
        "SELECT oid, relname FROM pg_class WHERE oid IN (" + _REINDEX_TARGETS + ")",
        {"name": name}).fetchall()}
    return {oid: qualified for oid, relname, qualified in found
            if oid in targets or any(reindex_leftover(t, relname) for t in targets.values())}


def _why_invalid(name: str) -> str:
    """What most likely left the INVALID index `name` (quoted, schema-qualified)."""
    stem = name.rstrip('"')
    if re.search(r"_ccold[0-9]*$", stem):
        return "the original index a REINDEX CONCURRENTLY replaced but did not drop"
    if re.search(r"_ccnew[0-9]*$", stem):
        return "the new copy a failed REINDEX CONCURRENTLY was building"
    return "a CONCURRENTLY build failed or was cancelled"


def _handle_invalid(runner: _Runner, work, before: dict[int, str], drop: bool,
                    stmt=None) -> list[str]:
    """Indexes a non-transactional statement left INVALID (a failed CONCURRENTLY build or
    REINDEX, or a leftover a successful one kept or skipped); reported, and dropped when asked.
    Returns their names."""
    from psycopg import sql

    new = {oid: name for oid, name in _invalid_indexes(work).items() if oid not in before}
    new.update(_named_invalid(work, stmt))
    for name in new.values():
        if drop:
            work.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(sql.SQL(name)))
            runner.console.warn(f"lockwise: dropped invalid index {name}")
        else:
            runner.console.warn(f"lockwise: {_invalid_advice(name)} or let the next apply "
                                "drop it with --drop-invalid (after `lockwise repair`).")
    return list(new.values())


def _invalid_advice(name: str) -> str:
    return (f"index {name} is INVALID ({_why_invalid(name)}): queries do not use it but writes "
            f"still maintain it. Drop it with `DROP INDEX CONCURRENTLY {name};`")


def _run_batched(runner: _Runner, work, plan: Plan, stmt) -> None:
    """A `-- lockwise: batch` statement: key-range batches, progress kept beside the history."""
    from lockwise.executor.batches import progress_table, run_batched
    from lockwise.executor.session_encoding import running_in

    table = runner.options.table
    # Its batches (and their progress rows) in the client_encoding psql would run it in.
    with running_in(work, stmt.client_encoding):
        run_batched(work, stmt.sql, stmt.batch,
                    progress=progress_table(table.schema, table.table),
                    version=plan.migration.version, checksums=plan.checksums,
                    statement_index=stmt.index, lock_timeout_ms=runner.options.lock_timeout_ms,
                    report=runner.console.say)


def _forget_stale_batches(runner: _Runner, plan: Plan, kind: str) -> None:
    """Before a run that does not continue a cleared failure, drop batch progress an earlier
    run of the same text left (finished, or cleared by a rollback): it must not be resumed.
    Read before this run's own history row is added."""
    from lockwise.executor.batches import forget_progress, progress_table

    if all(s.batch is None for s in plan.statements):
        return
    table = runner.options.table
    if not history.resumes(history.read_rows(runner.conn, table), plan.migration.version, kind):
        forget_progress(runner.conn, progress_table(table.schema, table.table),
                        plan.migration.version, plan.checksums)


def _progress(plan: Plan, count: int) -> dict:
    """The history columns saying the first `count` statements of `plan` are committed."""
    return {"statements_completed": count, "completed_checksum": statements_checksum(
        [s.sql for s in plan.statements[:count]])}


#: SQLSTATEs of a statement PostgreSQL refuses in a transaction block, which the effect model
#: took for one it accepts: active_sql_transaction ("DISCARD ALL cannot run inside a
#: transaction block") and invalid_transaction_termination (a CALL of a procedure that
#: commits). Raised before anything of it commits: it is run again on its own.
_REFUSED_IN_BLOCK = frozenset({"25001", "2D000"})


@dataclass(slots=True)
class _Step:
    """One statement of a statement-by-statement run, as far as it got."""

    #: It ran in a transaction of its own, with its progress.
    alone_in_block: bool = False
    #: Its progress was written in the transaction that committed it.
    recorded: bool = False
    #: It failed in that progress write, not in the statement (both rolled back).
    recording: bool = False
    #: Its transaction (its own, or the file's at the file's COMMIT) was committing: a failure
    #: now is PostgreSQL's check of deferred constraints and triggers, which rolls it back.
    committing: bool = False


def _run_sql(work, stmt) -> None:
    """Send one statement of the migration, in the client_encoding a psql `\\encoding`
    before it names."""
    from lockwise.executor.session_encoding import running_in

    with running_in(work, stmt.client_encoding):
        work.execute(stmt.sql)


def _execute(work, stmt, step: _Step, record: Callable[[object], None], alone: bool) -> None:
    """Run one statement of a statement-by-statement run on `work` (autocommit). When it can,
    its progress is written (`record`) in the transaction that commits it, so a runner killed
    or failing in between leaves neither, never a statement committed but not counted (which
    the resume would run a second time): a statement PostgreSQL accepts in a transaction block
    runs as BEGIN; statement; progress; COMMIT (unless `alone`), and the file's own COMMIT gets
    the progress of its transaction just before it."""
    from psycopg.pq import TransactionStatus

    idle = work.info.transaction_status == TransactionStatus.IDLE
    if idle and stmt.runs_in_block and not alone:
        step.alone_in_block = True
        with work.transaction():
            _run_sql(work, stmt)
            _record_in(work, step, record)
            step.committing = True  # the COMMIT runs as the block exits
    elif not idle and stmt.closes_block:
        _record_in(work, step, record)
        step.committing = True
        _run_sql(work, stmt)
    else:
        _run_sql(work, stmt)
        return
    step.recorded = True


def _record_in(work, step: _Step, record: Callable[[object], None]) -> None:
    step.recording = True
    work.execute(_CONNECTED_USER_LOCAL)
    record(work)
    step.recording = False


def _run_statements(runner: _Runner, work, plan: Plan, kind: str,
                    on_success: Callable[[object], None] | None = None) -> bool:
    """Run the plan statement by statement, recording progress in a history row of `kind` as
    it goes: in each statement's own transaction where PostgreSQL allows one (`_execute`),
    else on the lock connection once the statement committed."""
    options, console, table = runner.options, runner.console, runner.options.table
    started = time.monotonic()
    _forget_stale_batches(runner, plan, kind)
    # `committed`: statements whose effects are committed (those a cleared run this one resumes
    # completed, then ours), the count a later run resumes after. Not one inside the file's own
    # BEGIN until its COMMIT: a kill or a failure before that rolls them back.
    committed = plan.resume_at

    def progress() -> dict:
        return _progress(plan, committed)

    # Committed at once: if this process dies half-way, the row says so (success NULL).
    row_id = history.insert_row(runner.conn, table, **_row_values(
        runner, plan, kind=kind, success=None, **progress()))
    _reset_session(work)
    _timeouts(work, options, local=False)
    for done, stmt in enumerate(plan.statements):
        if done < plan.resume_at:
            continue

        def record(conn, count: int = done + 1) -> None:
            history.update_row(conn, table, row_id, **_progress(plan, count))

        if options.drop_invalid and stmt.index_check is not None and \
                stmt.index_check.scope == "create":
            # The INVALID leftover of an earlier failed build of this index (a rerun after
            # repair): without it, the build fails with "already exists" (or IF NOT EXISTS
            # skips it), and the rerun would only drop it afterwards.
            _handle_invalid(runner, work, _invalid_indexes(work), drop=True, stmt=stmt)
        attempt, alone = 0, False
        while True:
            before = _invalid_indexes(work)
            step = _Step()
            try:
                if stmt.batch is not None:
                    _run_batched(runner, work, plan, stmt)
                else:
                    _execute(work, stmt, step, record, alone)
            except KeyboardInterrupt:
                _interrupted(runner, work, plan, stmt, step, committed, before, row_id,
                             int((time.monotonic() - started) * 1000))
                raise
            except Exception as exc:  # noqa: BLE001 - any failure is reported and recorded
                from psycopg.pq import TransactionStatus

                if not work.closed and work.info.transaction_status != TransactionStatus.IDLE:
                    work.execute("ROLLBACK")  # the file's own BEGIN, if it had one
                # Not inside the file's own BEGIN: its rollback undid more than the statement.
                if step.alone_in_block and not step.recording and not work.closed and \
                        getattr(exc, "sqlstate", None) in _REFUSED_IN_BLOCK:
                    console.warn(f"lockwise: {plan.path} statement {stmt.index + 1} cannot run "
                                 "in a transaction block; running it on its own (its progress "
                                 "is recorded after it commits)")
                    alone = True
                    continue
                # Run on its own, a DO block or CALL may have committed part of its work.
                partway = stmt.commits_partway and (alone or not stmt.runs_in_block)
                if _is_lock_timeout(exc) and attempt < options.retries and not work.closed \
                        and not partway:
                    # A CONCURRENTLY build that timed out leaves an invalid index behind, which
                    # would make the retry fail with "already exists".
                    # Only its own leftovers: not the ones a REINDEX TABLE found and skipped.
                    retried = stmt if stmt.index_check and \
                        stmt.index_check.scope == "create" else None
                    _handle_invalid(runner, work, before, drop=True, stmt=retried)
                    _backoff(runner, attempt, f"{plan.path} statement {stmt.index + 1}")
                    attempt += 1
                    continue
                message = _error_text(exc, runner.dsn)
                if step.recording:
                    message = (f"recording its progress failed, so the statement was rolled "
                               f"back with it: {message}")
                outcome = _commit_outcome(
                    runner, plan, lambda done=committed: _recorded_count(runner, row_id) > done) \
                    if work.closed and step.committing else False
                if outcome is None:
                    # Its progress commits with it: the row says what committed once it ends.
                    console.warn(f"lockwise: error: {plan.path}: the connection was lost at the "
                                 f"COMMIT of statement {stmt.index + 1}, and the backend running "
                                 "it had not ended after --wait: it may still commit. The run "
                                 "stays interrupted with the progress that commits; check "
                                 "`lockwise status` once it ends, then `lockwise repair`.")
                    return False
                if outcome:
                    recorded = _recorded_count(runner, row_id)
                    # The server committed the statement (and its progress with it) before the
                    # connection went: the failure recorded below must not take it back, or
                    # the resume would run it a second time.
                    committed = recorded
                    step.committing = False
                    message = (f"the connection was lost at the COMMIT of statement "
                               f"{stmt.index + 1}, but the server committed it (its progress is "
                               f"recorded): {message}")
                elif partway or (work.closed and (alone or not stmt.runs_in_block)):
                    # It commits on its own (CONCURRENTLY, VACUUM, a procedure that commits):
                    # its effects, or part of them, may be there although it "failed".
                    lost = "the connection was lost while it ran" if work.closed else "it ran"
                    message += (f" ({lost} on its own, outside a transaction block: it may have "
                                "taken effect, or part of it; check before `lockwise repair`, "
                                "which runs it again"
                                + (", so it was not retried" if partway and _is_lock_timeout(exc)
                                   else "") + ")")
                invalid = [] if work.closed else _handle_invalid(
                    runner, work, before, options.drop_invalid, stmt)
                if invalid and not options.drop_invalid:
                    message += f" (left invalid index {', '.join(invalid)})"
                error = f"COMMIT failed: {message}" if step.committing else message
                runner.record(history.update_row, table, row_id, success=False,
                              error_message=error, failed_statement_index=stmt.index,
                              **progress(),
                              execution_time_ms=int((time.monotonic() - started) * 1000))
                console.warn(f"lockwise: error: {_failure_position(plan, stmt, exc)}: failed "
                             f"at {_failed_where(plan, stmt, step, committed)}: {message}")
                _lock_timeout_hint(exc, plan, console)
                console.warn(f"lockwise: this migration runs without a transaction: the first "
                             f"{committed} statement(s) stay applied; after `lockwise repair` "
                             f"the next run resumes at statement {committed + 1}.")
                console.warn("lockwise: later applies and rollbacks will refuse until you check "
                             "the database and run `lockwise repair`.")
                return False
            break
        if not stmt.transactional:
            invalid = _handle_invalid(runner, work, before, options.drop_invalid, stmt)
            # Also with --drop-invalid: the statement "succeeded" without building its index.
            if invalid:
                message = f"statement {stmt.index + 1} left invalid index {', '.join(invalid)}"
                if options.drop_invalid:
                    message += " (dropped: rerun the migration to build it)"
                runner.record(history.update_row, table, row_id, success=False,
                              error_message=message, failed_statement_index=stmt.index,
                              **progress())
                console.warn(f"lockwise: error: {plan.path}: {message}")
                return False
        from psycopg.pq import TransactionStatus

        if step.recorded or work.info.transaction_status == TransactionStatus.IDLE:
            committed = done + 1
            if not step.recorded:
                # Committed on its own (CONCURRENTLY, a batch...): a runner killed before
                # this update leaves it uncounted, and the resume runs it again.
                runner.record(record)
    if _left_open(runner, work, plan, row_id):
        return False
    elapsed = int((time.monotonic() - started) * 1000)

    def finish(conn) -> None:
        # Together: a crash in between must not leave a rollback done but its row running.
        with conn.transaction():
            if on_success is not None:
                on_success(conn)
            history.update_row(conn, table, row_id, success=True, execution_time_ms=elapsed)

    runner.record(finish)
    return True


def _recorded_count(runner: _Runner, row_id: int) -> int:
    """The statements the history row `row_id` counts as completed, as committed on the
    server (read on the lock connection)."""
    from psycopg import sql

    found = runner.conn.execute(sql.SQL("SELECT statements_completed FROM {} WHERE id = %s")
                                .format(runner.options.table.ident()), (row_id,)).fetchone()
    return (found[0] or 0) if found else 0


def _failure_position(plan: Plan, stmt: PlannedStatement, exc: BaseException) -> str:
    """`file:line:column` of a failed statement, as lint names a finding: where PostgreSQL
    points inside the statement (an unknown column), else the statement's start."""
    line, column = stmt.line, stmt.column
    position = getattr(getattr(exc, "diag", None), "statement_position", None)
    # A batched statement runs as other SQL than the file's: its positions are not the file's.
    if position and stmt.batch is None and 0 < int(position) <= len(stmt.sql):
        # PostgreSQL counts characters from 1 in the text sent, which is the file's own text
        # of the statement (what Python's str indexes too, also past non-ASCII).
        before = stmt.sql[:int(position) - 1]
        newlines = before.count("\n")
        if newlines:
            line, column = line + newlines, len(before) - before.rfind("\n")
        else:
            column += len(before)
    return file_position(plan.migration, plan.path, line, column)


def _failed_where(plan: Plan, stmt, step: _Step, committed: int) -> str:
    """Where a statement-by-statement run failed, as the user should read it. A failure at a
    COMMIT is PostgreSQL's check of the deferred constraints and triggers (or a serialization
    failure) of the whole transaction: the statement that broke it is not known, and every
    statement of that transaction rolled back with it."""
    at = f"statement {stmt.index + 1} (line {stmt.line})"
    if not step.committing:
        return at
    if not stmt.closes_block:
        return (f"{at}, at the COMMIT of its transaction (deferred constraints and triggers "
                "are checked then): the statement was rolled back")
    opened = plan.statements[committed]  # the file's BEGIN: nothing of it counted yet
    if any(s.chain for s in plan.statements[committed:stmt.index]):
        # The statements before a COMMIT AND CHAIN committed, uncounted (docs/executor.md).
        return (f"its COMMIT (statement {stmt.index + 1}, line {stmt.line}), where PostgreSQL "
                "checks deferred constraints and triggers: the transaction since the last "
                "COMMIT AND CHAIN was rolled back")
    return (f"its COMMIT (statement {stmt.index + 1}, line {stmt.line}), where PostgreSQL checks "
            "the deferred constraints and triggers of the file's transaction: statements "
            f"{opened.index + 1} to {stmt.index + 1} (from its BEGIN at line {opened.line}) "
            "were rolled back")


def _interrupted(runner: _Runner, work, plan: Plan, stmt, step: _Step, committed: int,
                 before: dict[int, str], row_id: int, elapsed_ms: int) -> None:
    """Ctrl-C during a statement-by-statement run: its row records a failure at the statement
    that was running, saying what became of it, and the terminal says the same. psycopg
    cancelled the statement. One that runs in a transaction (with its progress, or in the
    file's own) was rolled back with it, unless the Ctrl-C came at its COMMIT: its progress,
    read back, says whether that committed. One that runs on its own (CONCURRENTLY, VACUUM, a
    DO block that commits) may have completed just before the cancel arrived."""
    from psycopg.pq import TransactionStatus

    console, table = runner.console, runner.options.table
    at = f"statement {stmt.index + 1} (line {stmt.line})"
    own_block = not work.closed and not step.alone_in_block and \
        work.info.transaction_status != TransactionStatus.IDLE
    with contextlib.suppress(Exception):  # a second Ctrl-C, a connection gone: said below
        if own_block:
            work.execute("ROLLBACK")  # the file's own transaction, cancelled with its statement
    recorded = None
    if step.committing:
        with contextlib.suppress(Exception):
            recorded = _recorded_count(runner, row_id)
    failed_index: int | None = stmt.index
    if recorded is not None and recorded > committed:
        committed, failed_index = recorded, None
        outcome = f"{at} committed (its progress is recorded) just before the interrupt"
    elif step.committing and recorded is None:
        outcome = (f"{at} was interrupted at its COMMIT, which may have completed: "
                   "`lockwise status` reads its progress")
    elif stmt.batch is not None:
        outcome = (f"{at} (batched) was cancelled: the batches that committed stay, and the "
                   "resume continues after them")
    elif step.alone_in_block or own_block:
        began = plan.statements[committed]
        outcome = f"{at} was cancelled and rolled back" + (
            f", with statements {began.index + 1} to {stmt.index + 1} of the file's own "
            f"transaction (from its BEGIN at line {began.line})"
            if own_block and began.index < stmt.index else "")
    else:
        outcome = (f"{at} was cancelled, or may have completed just before the cancel "
                   "arrived (it runs on its own, outside a transaction block): check it before "
                   "`lockwise repair`, which runs it again")
    console.warn(f"lockwise: interrupted during {plan.path}: {outcome}. The first {committed} "
                 "statement(s) stay applied. Check it (`lockwise status`), then `lockwise "
                 f"repair`: the next run resumes at statement {committed + 1}.")
    try:
        runner.record(history.update_row, table, row_id, success=False,
                      error_message=f"interrupted (Ctrl-C): {outcome}",
                      failed_statement_index=failed_index, execution_time_ms=elapsed_ms,
                      **_progress(plan, committed))
    except (Exception, KeyboardInterrupt):  # noqa: BLE001 - the row stays "interrupted"
        console.warn("lockwise: warning: the interruption could not be recorded: `lockwise "
                     "status` shows the run as interrupted")
    if stmt.transactional or work.closed:
        return
    with contextlib.suppress(Exception):  # advice only
        _handle_invalid(runner, work, before, drop=False, stmt=stmt)


def _left_open(runner: _Runner, work, plan: Plan, row_id: int) -> bool:
    """A no-transaction migration whose own BEGIN has no COMMIT: its changes since the BEGIN
    would be thrown away by the next migration's reset (or committed by the close). Rolled
    back and recorded as a failure, never as a success; True when that happened."""
    from psycopg.pq import TransactionStatus

    if work.info.transaction_status == TransactionStatus.IDLE:
        return False
    work.execute("ROLLBACK")
    message = ("the migration left a transaction open (a BEGIN without COMMIT): its changes "
               "since that BEGIN were rolled back")
    runner.record(history.update_row, runner.options.table, row_id, success=False,
                  error_message=message)
    runner.console.warn(f"lockwise: error: {plan.path}: {message}; add the COMMIT. Statements "
                        "before the BEGIN stay applied; later applies refuse until `lockwise "
                        "repair`.")
    return True


# --- rollback ---------------------------------------------------------------------------------

def rollback(dsn: str, migrations: Sequence[Migration], options: ExecOptions, console: Console,
             to: str | None = None, steps: int | None = None) -> int:
    """Run down migrations of the most recently applied migrations, the latest first."""
    with _Runner(dsn, options, console, take_lock=not options.dry_run,
                 runs_migrations=True) as runner:
        state = runner.state(migrations)
        _check_blockers(state, console, "roll back")
        # Application order, not version order: a migration applied out of order ran on top of
        # newer versions (and may depend on them), so only undoing the latest application
        # first replays the history backwards. An applied migration whose file is gone counts
        # too: skipped, a rollback would undo what it was built on (and `--to` would leave it
        # applied); it has no down file, so the rollback is refused instead.
        applied = sorted(state.having(APPLIED, MISSING), key=lambda v: v.row.id)
        if to is not None:
            limit, _ = _target(state, to, "roll back", "`--to 0` to undo every migration, or "
                               "use --steps N")
            layout = migrations[0].layout if migrations else ""
            targets = [v for v in applied if status_key(v, layout) > limit]
        else:
            # With only a baseline left, an explicit --steps asks for a version the database
            # cannot go back to either; without --steps, there is simply nothing to undo.
            asked = applied or (steps is not None and state.baseline is not None)
            if asked and (steps or 1) > len(applied):
                # Doing less than asked, and exiting 0, would leave a deploy script believing
                # the database went back that far.
                why = (" (baselined migrations never ran here and have no history to undo)"
                       if state.baseline is not None else "")
                raise ExecutorError(
                    f"refusing to roll back: --steps {steps}, but only {len(applied)} applied "
                    f"migration(s) can be rolled back{why}; nothing was rolled back", EXIT_INPUT)
            targets = applied[-(steps or 1):] if applied else []
        targets.reverse()
        if not targets:
            console.say("lockwise: nothing to roll back")
            return EXIT_OK
        no_down = [v for v in targets if v.migration is None or v.migration.down_sql is None]
        if no_down:
            for v in no_down:
                where = v.migration.path if v.migration else f"version {v.version}"
                console.warn(f"lockwise: error: {where} has no down migration")
            # Nothing ran and the fix is a file: an input error, not the failed migration
            # (exit 1) that a deploy script would send to `repair`.
            raise ExecutorError("refusing to roll back: every migration to undo needs a down "
                                "file; nothing was rolled back", EXIT_INPUT)
        pg_version = _server_major(runner.conn)
        plans = []
        for v in targets:
            plan = down_plan(v.migration, pg_version, options.config)
            if _say_notes_and_problems(plan, console):
                raise ExecutorError("refusing to roll back: a down file cannot be run",
                                    EXIT_INPUT)
            plans.append((v, plan))
        _resume_points(runner, [plan for _, plan in plans], KIND_ROLLBACK,
                       announce=not options.dry_run)
        if options.dry_run:
            console.say(f"Rollback plan for {mask_dsn(dsn)}: {len(plans)} migration(s)")
            for n, (v, plan) in enumerate(plans, 1):
                mode = "one transaction" if plan.transactional else "no transaction"
                named = " ".join(filter(None, (v.version, v.description)))
                console.say(f"{n}. {named} ({plan.path}) {mode}")
                _say_skipped(plan, console)
                for s in plan.statements[plan.resume_at:]:
                    console.say(f"   statement {s.index + 1} (line {s.line})")
                    for line in s.sql.splitlines():
                        console.say(f"     {line}")
            return EXIT_OK
        for v, plan in plans:
            row_id = v.row.id

            def mark(conn, row_id: int = row_id) -> None:
                conn.execute(_mark_rolled_back(options.table), (row_id,))

            runner.check_lock(plan, "rollback")
            console.say(f"lockwise: rolling back {v.version} with {plan.path}")
            run = _run_transactional if plan.transactional else _run_statements
            with _connection_lost(runner, plan):
                if not run(runner, runner.work, plan, KIND_ROLLBACK, on_success=mark):
                    return EXIT_FAILED
            _stop_if_disconnected(runner, plan, "rollback")
        console.say(f"lockwise: rolled back {len(plans)} migration(s)")
    return EXIT_OK


def _target(state: DatabaseState, to: str, action: str, otherwise: str) -> tuple[tuple, str]:
    """Where `--to`'s version (`apply`, `rollback`) is in the order the layout's runner runs
    the migrations (a migration is past it when its run key is greater: dbmate runs 9_a.sql
    after 91_c.sql), and its spelling in the files: `0`, or a version a migration file or the
    history has, as its runner tells versions apart (else as a number: `2` for `002`).
    Anything else is an input error: `--to 20240301` for the timestamp version
    `20240301090000` sorts below every migration (rollback would undo them all, apply would
    apply none) and golang-migrate's `goto` refuses an unknown version too."""
    files = [v.migration for v in state.versions if v.migration is not None]
    layout = files[0].layout if files else ""
    known = [v.version for v in state.versions]
    if state.baseline is not None:
        known.append(state.baseline.version)
    same = [v for v in known if version_identity(v, layout) == version_identity(to, layout)] \
        or [v for v in known if version_key(v) == version_key(to)]
    if same:
        return version_sort_key(same[0], layout, run_positions(files)), same[0]
    if to and set(to) == {"0"}:
        return (), to  # before every migration
    raise ExecutorError(
        f"refusing to {action}: no migration has version {to!r}. Name the version as its file "
        f"has it (`lockwise status` lists them), {otherwise}.", EXIT_INPUT)


def _mark_rolled_back(table: HistoryTable):
    from psycopg import sql

    return sql.SQL("UPDATE {} SET rolled_back = true, rolled_back_at = now() "
                   "WHERE id = %s").format(table.ident())


# --- repair and baseline ----------------------------------------------------------------------

def repair(dsn: str, migrations: Sequence[Migration], options: ExecOptions, console: Console,
           mark_applied: bool = False) -> int:
    """Clear failed or interrupted runs and accept the checksums of edited applied files."""
    with _Runner(dsn, options, console, take_lock=True) as runner:
        table, conn = options.table, runner.conn
        rows = history.read_rows(conn, table)
        state = compute_state(migrations, rows, config=options.config)
        done, code = 0, EXIT_OK
        with conn.transaction():
            for v in state.having(FAILED, INTERRUPTED):
                history.update_row(conn, table, v.row.id, repaired_at=_now(conn))
                if v.row.kind == KIND_ROLLBACK:
                        _repair_rollback(conn, table, rows, v, mark_applied, console,
                                         options.config)
                elif mark_applied and v.migration is not None:
                    history.insert_row(conn, table, version=v.version, description=v.description,
                                       checksum=checksum(v.migration.up_sql),
                                       checksum_version=CHECKSUM_VERSION, success=True,
                                       kind=KIND_REPAIR, transactional=v.row.transactional,
                                       error_message="marked applied by `lockwise repair`")
                    console.say(f"lockwise: {v.version}: {v.state} run cleared, marked applied")
                    if v.row.transactional and v.state == FAILED:
                        console.warn(f"lockwise: warning: {v.version}: its transaction was "
                                     "rolled back, so none of it was in the database: it is "
                                     "applied only if you ran it by hand")
                elif v.migration is None:
                    console.say(f"lockwise: {v.version}: {v.state} run cleared; its file is no "
                                "longer in the migrations directory, so nothing runs it again")
                else:
                    console.say(f"lockwise: {v.version}: {v.state} run cleared; it is pending again"
                                f"{_resumes_note(v.row, 'apply', v.migration, options.config)}")
                done += 1
            for v in state.having(RENAMED):
                assert v.migration is not None and v.row is not None
                history.insert_row(
                    conn, table, version=v.version, description=v.description,
                    checksum=checksum(v.migration.up_sql), checksum_version=CHECKSUM_VERSION,
                    success=True, kind=KIND_REPAIR, transactional=v.row.transactional,
                    error_message=f"recorded by `lockwise repair`: version {v.row.version} "
                                  "renumbered, applied under that version")
                console.say(f"lockwise: {v.version}: recorded as applied: it is version "
                            f"{v.row.version}, renumbered (not run again)")
                done += 1
            for v in state.having(CHANGED):
                assert v.migration is not None and v.row is not None
                if another_migration(v.migration, v.row):
                    # Accepted, it would count as applied without ever having run.
                    fix = (took_the_version(v.migration) if v.migration.layout == "sqitch" else
                           "Give it a version of its own (a migration renumbered away from "
                           f"{v.version} is then recorded by repair), or restore the file's "
                           "name if it is the same migration")
                    console.warn(
                        f"lockwise: error: {v.migration.path} is another migration than the one "
                        f"applied as {v.version} ({v.row.description}): accepting its checksum "
                        f"would record it as applied without running it. {fix}")
                    code = EXIT_FAILED
                    continue
                history.update_row(conn, table, v.row.id, checksum=checksum(v.migration.up_sql),
                                   checksum_version=CHECKSUM_VERSION, repaired_at=_now(conn))
                console.say(f"lockwise: {v.version}: accepted the new checksum of "
                            f"{v.migration.path}")
                done += 1
        if state.having(FAILED, INTERRUPTED):
            # What a failed or killed CONCURRENTLY build left: the resumed statement would
            # fail on it with "already exists" (or IF NOT EXISTS skip it).
            for name in _invalid_indexes(conn).values():
                console.warn(f"lockwise: warning: {_invalid_advice(name)} or let the next "
                             "apply drop it with --drop-invalid, before a resumed build of it "
                             "runs.")
        if not done and not code:
            console.say("lockwise: nothing to repair")
    return code


def _repair_rollback(conn, table: HistoryTable, rows: list[history.HistoryRow],
                     cleared: VersionStatus, completed: bool, console: Console,
                     config: Config | None = None) -> None:
    """A cleared down migration: the version counts as applied again (rerun `rollback`), or,
    when the human completed the rollback by hand, as rolled back."""
    failed = cleared.row
    assert failed is not None
    version = failed.version
    undone = history.applied_row(rows, version)
    if completed and undone is not None:
        conn.execute(_mark_rolled_back(table), (undone.id,))
        console.say(f"lockwise: {version}: {cleared.state} rollback cleared, marked rolled back")
    else:
        console.say(f"lockwise: {version}: {cleared.state} rollback cleared; it counts as applied "
                    "again (run `lockwise rollback` to finish undoing it)"
                    f"{_resumes_note(failed, 'rollback', cleared.migration, config)}")


def _resumes_note(row: history.HistoryRow, command: str, m: Migration | None,
                  config: Config | None = None) -> str:
    """What the next run of a cleared run does: resume after its committed statements (the
    file's plan read with `config`'s settings of the target)."""
    if not row.statements_completed:
        return ""
    if all_completed(m, row, config) is not None:
        return (f"; all {row.statements_completed} of its statements ran: {command} records it "
                "as finished without running any, if they are unchanged")
    return (f"; {command} resumes at {resumes_at(m, row, config)}, after the "
            f"{row.statements_completed} statement(s) it ran, if they are unchanged")


def _now(conn):
    return conn.execute("SELECT now()").fetchone()[0]


def _live_rows(rows: list[history.HistoryRow]) -> list[history.HistoryRow]:
    """Rows that say the database has a migration (or a baseline) now."""
    return [r for r in rows if r.kind != KIND_ROLLBACK and not r.rolled_back
            and r.success is not False]


def baseline(dsn: str, version: str, migrations: Sequence[Migration], options: ExecOptions,
             console: Console, allow_unknown: bool = False) -> int:
    """Record that the database already has every migration up to `version`."""
    known = [m.version for m in migrations]
    layout = migrations[0].layout if migrations else ""
    # `2` for `002`: the file's own spelling goes into the history (the exact version first,
    # where the runner tells `2` and `002` apart).
    same = [v for v in known if version_identity(v, layout) == version_identity(version, layout)] \
        or [v for v in known if version_key(v) == version_key(version)]
    if same:
        version = same[0]
    elif not allow_unknown:
        have = f"the files have {known[0]} to {known[-1]}" if known else "there are none"
        raise ExecutorError(
            f"refusing to baseline at {version!r}: no migration file has that version "
            f"({have}). Check the version (and the argument order: `lockwise baseline VERSION "
            "DIR`), or pass --allow-unknown-version if the database really is at it.",
            EXIT_INPUT)
    with _Runner(dsn, options, console, take_lock=True) as runner:
        rows = history.read_rows(runner.conn, options.table)
        live = _live_rows(rows)
        current = history.baseline_row(rows)
        if current is not None and version_key(current.version) == version_key(version):
            # A deploy script that baselines on every run: nothing to change.
            console.say(f"lockwise: already baselined at {current.version}; nothing to do")
            return EXIT_OK
        if current is not None:
            raise ExecutorError(
                f"refusing to baseline at {version}: {options.table.display} has a baseline at "
                f"{current.version}. If it is wrong, `lockwise repair --undo-baseline` "
                "withdraws it (as long as nothing was applied on top of it)")
        if live:
            raise ExecutorError(
                f"refusing to baseline: {options.table.display} already records "
                f"{len(live)} migration(s); baseline is for a database lockwise never ran on")
        # What its runner runs up to the version: as `apply --to` on an empty database.
        limit = version_sort_key(version, layout, run_positions(migrations))
        covered = [m for m in migrations if run_key(m) <= limit]
        history.insert_row(runner.conn, options.table, version=version,
                           description="baseline", success=True, kind=KIND_BASELINE,
                           ignored_rules=[])
        console.say(f"lockwise: baselined at {version}: {len(covered)} migration file(s) count "
                    "as applied (`lockwise repair --undo-baseline` undoes it)")
    return EXIT_OK


def undo_baseline(dsn: str, options: ExecOptions, console: Console) -> int:
    """Withdraw the baseline (marked rolled back, kept as audit), as long as nothing was applied
    on top of it: then a wrong baseline can be replaced by the right one."""
    with _Runner(dsn, options, console, take_lock=True) as runner:
        rows = history.read_rows(runner.conn, options.table)
        found = history.baseline_row(rows)
        if found is None:
            raise ExecutorError(f"no baseline to undo in {options.table.display}")
        applied = [r for r in _live_rows(rows) if r.kind != KIND_BASELINE]
        if applied:
            raise ExecutorError(
                f"refusing to undo the baseline: {len(applied)} migration(s) were applied on "
                "top of it; roll them back first")
        runner.conn.execute(_mark_rolled_back(options.table), (found.id,))
        console.say(f"lockwise: baseline at {found.version} undone; `lockwise baseline` can "
                    "record the right one")
    return EXIT_OK


__all__ = ["ExecOptions", "ExecutorError", "Console", "apply", "status", "rollback", "repair",
           "baseline", "undo_baseline"]
