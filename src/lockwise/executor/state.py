"""Where each migration stands on a database: files on disk compared with the history table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.types import Migration
from lockwise.discover.versions import (
    run_key,
    run_positions,
    version_identity,
    version_sort_key,
)
from lockwise.executor.checksum import checksum, known_version, statements_checksum
from lockwise.executor.history import (
    KIND_BASELINE,
    KIND_ROLLBACK,
    LOCK_TIMEOUT_NOTE,
    HistoryRow,
    baseline_row,
    latest_by_version,
)
from lockwise.executor.lock import Holder
from lockwise.executor.plan import Plan, own_transaction, resume_point

if TYPE_CHECKING:
    from lockwise.config import Config

APPLIED, PENDING, FAILED, INTERRUPTED, CHANGED, BASELINED, MISSING, RENAMED = (
    "applied", "pending", "failed", "interrupted", "changed", "baselined", "missing", "renamed")
#: An unfinished run whose runner still holds the runner lock (only `status` sees one).
RUNNING = "running"


@dataclass(slots=True)
class VersionStatus:
    version: str
    description: str
    state: str
    migration: Migration | None = None
    row: HistoryRow | None = None
    detail: str = ""
    #: A failed or interrupted run: the statement that failed or was running, 1-based as lint
    #: and the plan number them, its line, and the file it is in (the down file for a
    #: rollback); None when not known (a COMMIT failure, the file gone or shorter now).
    statement: int | None = None
    line: int | None = None
    file: Path | None = None
    #: A pending migration older than a version the database has: the newest such version
    #: (`apply` runs it only with --allow-out-of-order); None otherwise.
    applied_after: str | None = None


@dataclass(slots=True)
class DatabaseState:
    versions: list[VersionStatus] = field(default_factory=list)
    baseline: HistoryRow | None = None

    def having(self, *states: str) -> list[VersionStatus]:
        return [v for v in self.versions if v.state in states]

    @property
    def pending(self) -> list[Migration]:
        return [v.migration for v in self.versions if v.state == PENDING and v.migration]

    @property
    def out_of_order(self) -> list[VersionStatus]:
        """Pending migrations older than a version the database has (a branch merged late)."""
        return [v for v in self.versions if v.state == PENDING and v.applied_after]


def compute_state(migrations: Sequence[Migration], rows: list[HistoryRow],
                  holder: Holder | None = None, config: Config | None = None) -> DatabaseState:
    """Classify every migration file and every version the history knows about. `holder`:
    the backend holding the runner lock, read after `rows` (`status`): an unfinished run it
    wrote is RUNNING, not INTERRUPTED. `config`: the lockwise.toml in force, whose settings
    of the target the plans of unfinished runs are read with (`run_plan`)."""
    # Versions are told apart as the layout's runner does: a row recorded as `1` is the
    # file `01_x.up.sql` of a golang-migrate directory.
    layout = migrations[0].layout if migrations else ""
    latest: dict[str, HistoryRow] = {}
    for row in latest_by_version(rows).values():
        identity = version_identity(row.version, layout)
        if identity not in latest or row.id > latest[identity].id:
            latest[identity] = row
    baseline = baseline_row(rows)
    state = DatabaseState(baseline=baseline)
    # What the baseline covers: the migrations its runner runs up to its version's.
    limit = version_sort_key(baseline.version, layout, run_positions(migrations)) \
        if baseline is not None else None
    on_disk = set()
    for m in migrations:
        identity = version_identity(m.version, m.layout)
        on_disk.add(identity)
        state.versions.append(_classify(m, latest.get(identity), baseline, limit, holder,
                                        config))
    for identity, row in latest.items():
        if identity in on_disk:
            continue
        version = row.version
        if row.success and not row.rolled_back:
            state.versions.append(VersionStatus(
                version, row.description, MISSING, None, row,
                "applied to the database, but its file is not in the migrations directory"))
        elif (blocked := _blocked(VersionStatus(version, row.description, PENDING, None, row),
                                  row, holder, config)) is not None:
            # Its file was deleted or renamed since: the database may still be half-way
            # through it, which must keep blocking apply and rollback until repair.
            blocked.detail += "; its file is no longer in the migrations directory"
            state.versions.append(blocked)
    _renamed(state)
    state.versions.sort(key=lambda v: status_key(v, layout))
    _out_of_order(state)
    return state


def unrelated_directory(state: DatabaseState, migrations: Sequence[Migration],
                        table: str) -> str | None:
    """Why the migration files cannot be this database's history, or None: the history
    (`table`, as displayed) records applied migrations and not one of them has its file here.
    Flyway's validate fails on any applied migration it cannot resolve locally; lockwise warns
    about some gone (squashed, deleted on purpose), but none at all is the wrong directory or
    layout, whose files `apply` would otherwise run on top of another history."""
    missing = state.having(MISSING)
    if not missing or any(v.migration is not None and v.row is not None
                          for v in state.versions):
        return None
    if not migrations:
        head = f"no migration files, but {table} records {len(missing)} applied migration(s)"
    else:
        head = (f"none of the {len(missing)} applied migration(s) that {table} records "
                f"(the newest {missing[-1].version}) is among the {len(migrations)} "
                "migration(s) of this directory")
    return f"{head}: is this the migrations directory (and the layout: --layout)?"


def status_key(v: VersionStatus, layout: str) -> tuple:
    """Where `v` is in the order `layout`'s runner runs the migrations: its file's place, or,
    for a version whose file is gone, where its version sorts."""
    return run_key(v.migration) if v.migration else version_sort_key(v.version, layout)


def _out_of_order(state: DatabaseState) -> None:
    """Set `applied_after` on each pending migration older than the newest version the
    database has (applied, its file gone, or edited since: it ran all the same). It was
    written before that version and may assume a schema the later one changed."""
    newest: VersionStatus | None = None
    for v in reversed(state.versions):  # sorted: the first one found is the newest
        if v.state in (APPLIED, MISSING, CHANGED):
            newest = v
            break
    if newest is None:
        return
    for v in state.versions:
        if v is newest:
            return
        if v.state == PENDING and v.migration is not None:
            v.applied_after = newest.version


def _renamed(state: DatabaseState) -> None:
    """Mark RENAMED each migration never run under its version whose text is that of an applied
    version whose file is gone: the file was renumbered (another branch took its version), and
    the database has it already; run again, an INSERT would insert twice."""
    gone = [v.row for v in state.versions if v.state == MISSING and v.row is not None
            and v.row.checksum is not None and known_version(v.row.checksum_version or 0)]
    for v in state.versions:
        if v.state != PENDING or v.row is not None or v.migration is None:
            continue
        row = next((r for r in gone if checksum(v.migration.up_sql, r.checksum_version)
                    == r.checksum), None)
        if row is not None:
            v.state, v.row = RENAMED, row
            v.detail = (f"the text of version {row.version} ({row.description}), applied "
                        f"{row.executed_at:%Y-%m-%d %H:%M:%S%z}, whose file is gone: renumbered, "
                        "it ran already. `lockwise repair` records it as applied under its new "
                        "version; to run it again, change its text")


def run_plan(m: Migration | None, row: HistoryRow, config: Config | None = None
             ) -> Plan | None:
    """How the file of `row`'s run (the down file for a rollback) runs now: its statements as
    the executor runs them (a BEGIN/COMMIT wrapper its transaction replaces left out), each
    with its number and line in the file; None when there is no such file. Read with
    `config`'s settings of the target, as apply's and rollback's plans are."""
    if m is None or (row.kind == KIND_ROLLBACK and m.down_sql is None):
        return None
    from lockwise.effects.context import SUPPORTED_PG_VERSIONS
    from lockwise.executor.plan import down_plan, plan_sql, reading_collation

    # Which statements run outside a transaction block hardly depends on the version.
    pg_version = SUPPORTED_PG_VERSIONS.stop - 1
    if row.kind == KIND_ROLLBACK:
        return down_plan(m, pg_version, config)
    return plan_sql(m, m.up_sql, m.path, pg_version,
                    default_collation=reading_collation(config, pg_version))


def _point_at(status: VersionStatus, row: HistoryRow, index: int | None,
              plan: Plan | None = None, config: Config | None = None) -> str:
    """Set the statement `index` (0-based, in the file) of `row`'s run on `status`; returns
    how the messages of apply and the plan name it: `statement N (line L)`, or
    `statement N`."""
    if index is None:
        return ""
    status.statement = index + 1
    m = status.migration
    plan = plan or run_plan(m, row, config)
    found = next((s for s in plan.statements if s.index == index), None) if plan else None
    if found is None or m is None:
        return f"statement {index + 1}"
    status.line = found.line
    status.file = m.down_path if row.kind == KIND_ROLLBACK else m.path
    return f"statement {index + 1} (line {status.line})"


def resumes_at(m: Migration | None, row: HistoryRow, config: Config | None = None) -> str:
    """Where a run that continues `row`'s (after its `statements_completed`) starts, named
    as the file numbers it now: `statement N (line L)`."""
    done = row.statements_completed or 0
    plan = run_plan(m, row, config)
    next_one = resume_point(plan, done) if plan is not None else None
    if next_one is None:
        return f"statement {done + 1}"
    return f"statement {next_one.index + 1} (line {next_one.line})"


def all_completed(m: Migration | None, row: HistoryRow, config: Config | None = None
                  ) -> int | None:
    """How many statements the file of `row`'s run has, when the run's recorded progress
    covers every one of them, unchanged: a statement-by-statement run that stopped (its
    runner killed, its lock connection lost) after its last statement committed, before it
    was recorded as finished. None otherwise."""
    if m is None or not row.statements_completed or row.completed_checksum is None:
        return None
    plan = run_plan(m, row, config)
    if plan is None:
        return None
    statements = [s.sql for s in plan.statements]
    if len(statements) != row.statements_completed or \
            statements_checksum(statements) != row.completed_checksum:
        return None
    return len(statements)


def _stopped_at(status: VersionStatus, row: HistoryRow, config: Config | None = None
                ) -> tuple[str, bool]:
    """The statement an unfinished run was at (after its `statements_completed`), set on
    `status`, and whether it is the BEGIN of the file's own transaction: then the text names
    the whole transaction, which committed nothing (its progress is written in it, just
    before its COMMIT)."""
    done = row.statements_completed or 0
    plan = run_plan(status.migration, row, config)
    next_one = resume_point(plan, done) if plan is not None else None
    if plan is None or next_one is None:
        return _point_at(status, row, done, plan), False
    where = _point_at(status, row, next_one.index, plan)
    commit = own_transaction(plan, next_one)
    if commit is None:
        return where, False
    return (f"statements {next_one.index + 1} to {commit.index + 1} (the file's own "
            f"transaction, from its BEGIN at line {next_one.line} to its COMMIT at line "
            f"{commit.line})"), True


def runs_now(row: HistoryRow, holder: Holder | None) -> bool:
    """Whether the unfinished run of `row` is in progress: its runner holds the runner lock.
    A row of an older lockwise does not say which runner wrote it: any holder counts."""
    if holder is None:
        return False
    return row.runner_pid is None or holder.wrote(row.runner_pid, row.executed_at)


def _blocked(status: VersionStatus, row: HistoryRow, holder: Holder | None = None,
             config: Config | None = None) -> VersionStatus | None:
    """`status` made FAILED or INTERRUPTED when `row` is a run that failed or never finished
    and that repair has not cleared (RUNNING when its runner, `holder`, is still at it); None
    otherwise (`status` unchanged)."""
    if row.success is None and row.repaired_at is None and runs_now(row, holder):
        assert holder is not None
        status.state = RUNNING
        done = row.statements_completed or 0
        running, block = _stopped_at(status, row, config)
        status.detail = (f"a runner holds the lock (pid {holder.pid}) and is running it, "
                         f"started {row.executed_at:%Y-%m-%d %H:%M:%S%z}: {done} statement(s) "
                         f"completed so far; {running} {'are' if block else 'is'} running")
    elif row.success is None and row.repaired_at is None:
        status.state = INTERRUPTED
        done = row.statements_completed or 0
        if all_completed(status.migration, row, config) is not None:
            status.detail = (f"started {row.executed_at:%Y-%m-%d %H:%M:%S%z}: all {done} "
                             "statement(s) completed (their progress is recorded), but the "
                             "runner stopped before recording the run as finished; `lockwise "
                             "repair`, then the next run records it without running anything")
            return _rollback_note(status, row)
        # A statement that commits on its own (CONCURRENTLY...) may be done but not counted;
        # one that commits with its progress is not (the history cannot tell them apart).
        running, block = _stopped_at(status, row, config)
        status.detail = (f"started {row.executed_at:%Y-%m-%d %H:%M:%S%z} and never finished: "
                         f"{done} statement(s) completed; " + (
                             f"{running} did not commit: the runner stopped before its COMMIT"
                             if block else f"{running} was running when the runner stopped "
                             "and may have taken effect"))
        if holder is not None:
            status.detail += (f"; the runner lock is held by another runner (backend PID "
                              f"{holder.pid}): a `repair`, or a run that will refuse until one")
    elif row.success is False and row.repaired_at is None:
        status.state = FAILED
        where = _point_at(status, row, row.failed_statement_index, config=config)
        status.detail = f"{where}{': ' if where else ''}{row.error_message or 'failed'}"
        if row.transactional and row.kind != KIND_ROLLBACK:
            kept = (f" beyond the {row.statements_completed} statement(s) an earlier, cleared "
                    "run committed") if row.statements_completed else ""
            then = ("nothing in the file needs fixing: `lockwise repair`, then `apply` once "
                    "the table is quieter" if LOCK_TIMEOUT_NOTE in (row.error_message or "")
                    else "fix it, then `lockwise repair` and `apply`")
            status.detail += (f"; its transaction was rolled back: nothing of it{kept} is in "
                              f"the database ({then})")
    else:
        return None
    return _rollback_note(status, row)


def still_running(status: VersionStatus, backend_pid: int, config: Config | None = None
                  ) -> None:
    """Make the INTERRUPTED `status` RUNNING: its run's own migration connection, the backend
    `backend_pid`, still runs its statement (it holds the statement lock), although its runner
    no longer holds the runner lock. Either the runner lost only its lock connection (an
    operator or a role's limit terminated it): it finishes the statement and records the run;
    or the runner died and the backend outlived it: the statement may still commit, and the run
    is interrupted once it ends. Neither needs, nor allows, a repair yet (repair and apply wait
    for that statement), and the server cannot tell them apart."""
    row = status.row
    assert row is not None
    done = row.statements_completed or 0
    running, block = _stopped_at(status, row, config)
    status.state = RUNNING
    status.detail = (f"started {row.executed_at:%Y-%m-%d %H:%M:%S%z}: {done} statement(s) "
                     f"completed so far; {running} {'are' if block else 'is'} still running on "
                     f"its migration connection (backend PID {backend_pid}), but its runner no "
                     "longer holds the runner lock: a runner that lost only its lock connection "
                     "records the end when the statement ends; one that died records nothing, "
                     "and the run is interrupted then. Run `lockwise status` again once it ends")
    _rollback_note(status, row)


def _rollback_note(status: VersionStatus, row: HistoryRow) -> VersionStatus:
    if row.kind == KIND_ROLLBACK:  # the up migration may be partly undone
        status.detail = f"its down migration (rollback) {status.state}: {status.detail}"
    return status


def another_migration(m: Migration, row: HistoryRow) -> bool:
    """Whether the file `m` of a version is named otherwise than the migration `row` recorded
    under it: another migration (another branch's) may have taken the version. A version
    folder whose files are joined (executor/parts.py) is the same version when the file it
    was applied as is still one of them: a file was added to it."""
    if m.parts:
        return bool(row.description) and \
            row.description not in {path.stem for path, _ in m.parts}
    return bool(row.description) and row.description != m.name


def took_the_version(m: Migration) -> str:
    """Why the file of an applied version may be another migration, and what to do."""
    if m.layout == "sqitch":
        # lockwise's sqitch versions are plan positions (discover/tools.py).
        return ("a change was inserted in sqitch.plan before changes already deployed, "
                "shifting the position lockwise numbers each change by; sqitch itself deploys "
                "only the changes after the last deployed one, so add new changes at the end "
                "of sqitch.plan")
    return "another migration took the version?"


def _classify(m: Migration, row: HistoryRow | None, baseline: HistoryRow | None,
              limit: tuple | None, holder: Holder | None, config: Config | None = None
              ) -> VersionStatus:
    """`m`'s state; `limit`: where the baseline's version runs (version_sort_key), None
    without a baseline."""
    status = VersionStatus(m.version, m.name, PENDING, m, row)
    covered = limit is not None and run_key(m) <= limit
    if row is None or row.kind == KIND_BASELINE:
        if covered:
            status.state, status.detail = BASELINED, "at or below the baseline"
        return status
    if _blocked(status, row, holder, config) is not None:
        return status
    if covered and baseline is not None and row.id < baseline.id:
        # Run and undone (rolled back, or a failed run repair cleared) before the baseline,
        # which is recorded only while no migration is applied: the baseline says the
        # database has it now.
        status.state, status.detail = BASELINED, "at or below the baseline"
        return status
    if row.success is None or row.success is False:
        status.detail = "a failed run was cleared by repair"
        if row.statements_completed:
            status.detail += (f"; apply resumes at {resumes_at(m, row, config)} if the statements "
                              "before it are unchanged")
    elif row.rolled_back:
        status.detail = f"rolled back {row.rolled_back_at:%Y-%m-%d %H:%M:%S%z}"
    else:
        status.state = APPLIED
        status.detail = f"applied {row.executed_at:%Y-%m-%d %H:%M:%S%z}"
        if row.checksum is not None and row.checksum_version is not None:
            if not known_version(row.checksum_version):
                status.state = CHANGED
                status.detail = (f"recorded with checksum version {row.checksum_version}, "
                                 "which this lockwise does not know")
            else:
                now = checksum(m.up_sql, row.checksum_version)
                if now != row.checksum:
                    status.state = CHANGED
                    status.detail = (f"{m.path} changed since it was applied: recorded "
                                     f"checksum {row.checksum[:12]}, file now {now[:12]}")
                    if another_migration(m, row):
                        now_named = (f"the files are now {', '.join(p.name for p, _ in m.parts)}"
                                     if m.parts else f"the file is now {m.name}")
                        status.detail += (f"; applied as {row.description}, {now_named}: "
                                          f"{took_the_version(m)}")
    return status
