"""`lockwise apply / status / rollback / repair / baseline`: the executor's commands.

Exit codes: 0 done (or nothing to do), 1 refused by the gate, a failed migration, or a history
that needs `repair`, 2 usage, input or connection error, or the runner lock stayed busy,
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lockwise.cli.app import (
    EXIT_INPUT,
    ConfigOption,
    LayoutOption,
    app,
    command_config,
    fail_input,
    require_postgresql,
    say_no_migrations,
    seconds_between,
)
from lockwise.core.lazy_re import lazy_compile
from lockwise.core.numbers import MAX_SECONDS
from lockwise.parse.source import InputError, missing_path_error, path_error

if TYPE_CHECKING:
    from lockwise.core.types import Migration
    from lockwise.executor.history import HistoryTable

DsnOption = Annotated[str | None, typer.Option(
    "--dsn", help="PostgreSQL connection URI or key=value string (default: $DATABASE_URL).",
    show_default=False)]
PathArg = Annotated[Path, typer.Argument(help="Migrations directory (default: current).",
                                          readable=False)]
HistoryOption = Annotated[str, typer.Option(
    "--history-table", help="History table, `table` or `schema.table` (config: "
    "history_table).")]
WaitOption = Annotated[float, typer.Option(
    "--wait", help="Seconds to wait for another runner to finish before giving up.",
    callback=seconds_between(0, MAX_SECONDS, "a year"))]
DEFAULT_TABLE = "lockwise.schema_history"


class AllowLevel(str, Enum):
    safe_with_care = "safe-with-care"
    requires_downtime = "requires-downtime"
    destructive = "destructive"


#: How `status` labels a pending migration older than an applied one (not a state of its own
#: in the executor: it is pending, and `apply --allow-out-of-order` runs it).
OUT_OF_ORDER = "out-of-order"


class StatusFormat(str, Enum):
    text = "text"
    json = "json"


_DURATION = lazy_compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def _duration_ms(value: str) -> int:
    """`5s`, `500ms`, `2min`, `2h` (PostgreSQL's units, in any case) or a number of seconds
    -> milliseconds (0 turns it off)."""
    from lockwise.effects.session import DURATION_UNITS_MS, timeout_problem

    match = _DURATION.match(value)
    unit = (match.group(2) or "s").lower() if match else ""
    if match is None or unit not in DURATION_UNITS_MS:
        raise typer.BadParameter(f"{value!r} is not a duration; write e.g. 5s, 500ms, 2min, "
                                 "2h")
    ms = int(float(match.group(1)) * DURATION_UNITS_MS[unit])
    # Found here, not by the SET at the first migration's start, which would record that
    # migration as failed.
    problem = timeout_problem(value, ms)
    if problem is not None:
        raise typer.BadParameter(problem)
    return ms


def _duration_option(value: str) -> str:
    """Checks an option given as a duration as it is read (the error names the option)."""
    _duration_ms(value)
    return value


def _console(dsn: str):
    from lockwise.executor.runner import Console

    return Console(dsn, out=typer.echo, err=lambda text: typer.echo(text, err=True))


def history_table_named(text: str) -> HistoryTable:
    """The `--history-table` given; a malformed name is an input error (exit 2)."""
    from lockwise.executor.history import HistoryNameError, HistoryTable

    try:
        return HistoryTable.parse(text)
    except HistoryNameError as exc:
        typer.echo(f"lockwise: error: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT) from None


def _prepare(ctx: typer.Context, dsn: str | None, path: Path, layout: str | None,
             history_table: str, config_file: Path | None, swapped_with: str | None = None,
             gate_rules_dirs: list[Path] | None = None):
    """The DSN, the migrations to run and the ExecOptions seed (the config's migrations
    folder, layout and rules folders where the command line leaves them); exits 2 on bad
    input. `swapped_with`: baseline's VERSION, which may be the directory meant.
    `gate_rules_dirs`: apply's `--rules-dir` (an empty list when not given), else the
    config's `rules_dir`: read and checked here, before connecting, by every command (the
    others run no gate, but a config is broken for every command or for none)."""
    from lockwise.cli.inputs import one_history
    from lockwise.config import path_setting, rules_dirs_setting, setting
    from lockwise.db.dsn import resolve_dsn
    from lockwise.discover.layouts import history_of_part
    from lockwise.executor.runner import ExecOptions

    cfg = command_config(ctx, config_file)
    # The runner, its history table and its gate are PostgreSQL's.
    require_postgresql(ctx, cfg, "it runs them on PostgreSQL through psycopg")
    try:
        path = path_setting(ctx, cfg, "path", path)
        # The gate of `apply` judges with the rules lint uses (`status` says what it refuses).
        rules_dirs = rules_dirs_setting(ctx, cfg, gate_rules_dirs or None)
    except InputError as exc:
        fail_input(exc)
        raise  # unreachable: fail_input exits
    layout = setting(ctx, cfg, "layout", layout)
    history_table = setting(ctx, cfg, "history_table", history_table)
    table = history_table_named(history_table)
    if not path.exists():
        error = missing_path_error(path)
        if swapped_with is not None and Path(swapped_with).is_dir():
            # `baseline DIR VERSION`, in the order of the other commands' `apply DIR`
            error = path_error(f"{error.message} ({swapped_with} is a directory: the version "
                               "comes first, `lockwise baseline VERSION DIR`)", path)
        fail_input(error)
    history = history_of_part(path)
    if history is not None:
        # Read alone it would be a history of its own: a rollback undoing the oldest file under
        # newer ones, diesel's down.sql applied as a migration.
        fail_input(path_error(f"part of a history, not the whole of it: name its migrations "
                              f"directory ({history})", path))
    try:
        found = one_history(path, layout)
    except InputError as exc:
        fail_input(exc)
        raise  # unreachable: fail_input exits
    from lockwise.discover.graphile import being_written

    migrations = []
    for m in found:
        if m.repeatable:
            typer.echo(f"lockwise: warning: {m.path}: repeatable migrations are not run by "
                       "lockwise apply; skipped", err=True)
        elif being_written(m):
            typer.echo(f"lockwise: note: {m.path}: the migration being written, which "
                       "graphile-migrate's `migrate` never runs either; skipped until "
                       "`graphile-migrate commit` makes it a committed migration", err=True)
        else:
            migrations.append(m)
    if not migrations:
        # As `lockwise lint` says it: nothing to do is no error (a new project), but say so
        # (a wrong directory or --layout would otherwise look like an up-to-date database).
        say_no_migrations([path], cfg)
    from lockwise.executor.parts import join_version_folders

    # temporal's versioned/v1.1/*.sql: one version, run and recorded as one migration
    migrations = join_version_folders(migrations)
    _refuse_shared_versions(migrations)
    # Last: every local input above is checked without a database, so a user with none at
    # hand (or one that is down) learns first what they can fix here.
    resolved = resolve_dsn(dsn)
    if resolved is None:
        typer.echo("lockwise: error: no database given: pass --dsn or set DATABASE_URL",
                   err=True)
        raise typer.Exit(EXIT_INPUT)
    return resolved, migrations, ExecOptions(table=table, rules_dirs=rules_dirs, config=cfg)


def _refuse_shared_versions(migrations: list[Migration]) -> None:
    """Exit 2 when two migrations have one version: the history records one migration per
    version. One version to the layout's own runner (`1` and `01` to golang-migrate) is one
    here too: applied as two, the tool would then refuse the history."""
    from lockwise.discover.versions import version_identity

    seen: dict[str, list[Migration]] = {}
    for m in migrations:
        seen.setdefault(version_identity(m.version, m.layout), []).append(m)
    for group in seen.values():
        if len(group) > 1:
            typer.echo(f"lockwise: error: version {group[0].version} is used twice: "
                       f"{group[0].path} and {group[1].path}", err=True)
            raise typer.Exit(EXIT_INPUT)


def _run(dsn: str, action: Callable[[], int]) -> None:
    """Run an executor action, turning its failures into a message and an exit code."""
    import psycopg

    from lockwise.db.dsn import redact
    from lockwise.executor.runner import EXIT_INTERRUPTED, ExecutorError

    try:
        code = action()
    except ExecutorError as exc:
        typer.echo(redact(f"lockwise: error: {exc}", dsn), err=True)
        raise typer.Exit(exc.exit_code) from None
    except InputError as exc:
        fail_input(exc)
        return
    except psycopg.Error as exc:
        # A migration's own failure is reported and recorded by the runner (exit 1); what
        # reaches here is the database lockwise was pointed at (a privilege, the history
        # table, a lock it could not take), which the user fixes as a usage error.
        text = " ".join(str(exc).split())
        typer.echo(redact(f"lockwise: error: database error: {text}", dsn), err=True)
        raise typer.Exit(EXIT_INPUT) from None
    except KeyboardInterrupt:
        # Where a migration was running, the runner said what stays applied before this;
        # typer would otherwise exit 130 without a word.
        typer.echo("lockwise: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(code)


@app.command()
def apply(
    ctx: typer.Context,
    path: PathArg = Path("."),
    dsn: DsnOption = None,
    allow: Annotated[AllowLevel, typer.Option(
        help="Highest safety level to run; destructive needs to be named explicitly.")
    ] = AllowLevel.safe_with_care,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the plan (order, safety, locks, SQL) and change nothing.")
    ] = False,
    to: Annotated[str | None, typer.Option(
        "--to", help="Apply the pending migrations up to this version only.")] = None,
    history_table: HistoryOption = DEFAULT_TABLE,
    layout: LayoutOption = None,
    wait: WaitOption = 60.0,
    lock_timeout: Annotated[str, typer.Option(
        help="lock_timeout for every statement (SET LOCAL in each transaction); 0 = off.",
        callback=_duration_option)] = "5s",
    statement_timeout: Annotated[str, typer.Option(
        help="statement_timeout for every statement; 0 = no limit.",
        callback=_duration_option)] = "0",
    retries: Annotated[int, typer.Option(
        min=0, help="Retries after a lock_timeout, with exponential backoff.")] = 3,
    retry_delay: Annotated[float, typer.Option(
        help="Seconds before the first retry (doubling each time).",
        callback=seconds_between(0, MAX_SECONDS, "a year"))] = 1.0,
    drop_invalid: Annotated[bool, typer.Option(
        "--drop-invalid", help="Drop indexes a failed CONCURRENTLY build left INVALID.")
    ] = False,
    rules_dir: Annotated[list[Path] | None, typer.Option(
        help="Extra folder of rule files for the gate (repeatable).", readable=False)] = None,
    allow_out_of_order: Annotated[bool, typer.Option(
        "--allow-out-of-order/--no-allow-out-of-order",
        help="Run pending migrations older than one already applied (refused by default).")
    ] = False,
    config_file: ConfigOption = None,
) -> None:
    """Apply pending migrations that pass the safety gate, one runner at a time."""
    from lockwise.config import setting
    from lockwise.core.types import Safety
    from lockwise.executor import runner

    url, migrations, options = _prepare(ctx, dsn, path, layout, history_table, config_file,
                                        gate_rules_dirs=rules_dir or [])
    if options.config is not None:
        allow_out_of_order = setting(ctx, options.config, "allow_out_of_order",
                                     allow_out_of_order)
    options.allow_out_of_order = allow_out_of_order
    options.allow = Safety.parse(allow.value)
    options.dry_run = dry_run
    options.wait_seconds = wait
    options.lock_timeout_ms = _duration_ms(lock_timeout)
    options.statement_timeout_ms = _duration_ms(statement_timeout)
    options.retries = retries
    options.retry_delay = retry_delay
    options.drop_invalid = drop_invalid
    _run(url, lambda: runner.apply(url, migrations, options, _console(url), to=to))


@app.command()
def status(
    ctx: typer.Context,
    path: PathArg = Path("."),
    dsn: DsnOption = None,
    history_table: HistoryOption = DEFAULT_TABLE,
    layout: LayoutOption = None,
    output_format: Annotated[StatusFormat, typer.Option(
        "--format", "-f", help="Report format.")] = StatusFormat.text,
    config_file: ConfigOption = None,
) -> None:
    """List applied, pending, failed and changed migrations (exit 1 if repair is needed).

    Exits 2 when a pending migration is one `apply` refuses (it does not parse, or holds
    what only psql runs), or when not one migration the history table records as applied
    has its file here (the wrong directory or layout)."""
    from lockwise.executor import runner
    from lockwise.executor.state import (
        CHANGED,
        FAILED,
        INTERRUPTED,
        RENAMED,
        RUNNING,
        unrelated_directory,
    )

    url, migrations, options = _prepare(ctx, dsn, path, layout, history_table, config_file)

    def show() -> int:
        from lockwise.executor.plan import run_problems

        found = runner.status(url, migrations, options, _console(url))
        state, holder, stray = found.state, found.runner_pid, found.stray
        # A pending migration `apply` would refuse (it does not parse, holds what only psql
        # runs, a batch directive apply cannot read, its own BEGIN or COMMIT in apply's
        # transaction): listed, pending as it is, with why; the exit code says it (2, as apply).
        refused = {m.id: problems for m in state.pending
                   if (problems := run_problems(m, found.pg_version))}
        rows = []
        for v in state.versions:
            label, detail = v.state, v.detail
            if v.migration is not None and v.migration.id in refused:
                problems = refused[v.migration.id]
                detail = "; ".join(filter(None, (
                    detail, f"apply refuses it: {problems[0]}" + (
                        f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))))
            if v.state == INTERRUPTED and stray is not None:
                # A row that does not name its runner (an older lockwise): its runner died,
                # or another runner's statement runs; final only once that ends.
                detail += (f"; a statement is still running on backend PID {stray.pid}, "
                           "whose runner no longer holds the runner lock")
            elif v.applied_after:
                label = OUT_OF_ORDER
                detail = (f"older than {v.applied_after}, already applied: `lockwise apply` "
                          "runs it only with --allow-out-of-order (or `allow_out_of_order = "
                          "true` in lockwise.toml)" + (f"; {detail}" if detail else ""))
            rows.append({"version": v.version, "name": v.description, "state": label,
                         "path": str(v.migration.path) if v.migration else None,
                         "detail": detail, "applied_after": v.applied_after, **_run_json(v)})
        if output_format is StatusFormat.json:
            import json  # here: every `lockwise` run imports this module

            typer.echo(json.dumps({"migrations": rows, "runner_pid": holder,
                                   "stray_statement": _stray_json(stray),
                                   "baseline": state.baseline.version if state.baseline
                                   else None, "invalid_indexes": found.invalid_indexes},
                                  indent=2))
        else:
            width = max((len(r["version"]) for r in rows), default=7)
            # Details start in one column; a name longer than most does not push it far.
            names = min(max((len(r["name"] or "") for r in rows), default=0), 40)
            for r in rows:
                name = f" {r['name'] or '':<{names}}" if names else ""
                line = f"{r['version']:<{width}}  {r['state']:<12}{name}"
                typer.echo(f"{line}  {r['detail']}" if r["detail"] else line.rstrip())
            counts: dict[str, int] = {}
            for r in rows:
                counts[r["state"]] = counts.get(r["state"], 0) + 1
            summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "no migrations"
            typer.echo(f"{len(rows)} migration(s): {summary}")
            for advice in found.invalid_indexes:
                typer.echo(f"warning: {advice}")
            if stray is not None:
                typer.echo(f"warning: {_stray_advice(stray)}")
            if holder is not None and not any(r["state"] == RUNNING for r in rows):
                # A transactional migration shows nothing until it commits.
                typer.echo(f"note: a runner holds the lock (backend PID {holder}): a run in "
                           "progress (a migration running in one transaction is pending "
                           "until it commits), or a repair or baseline")
        unrelated = unrelated_directory(state, migrations, options.table.display)
        if unrelated is not None:
            typer.echo(f"lockwise: error: {unrelated}", err=True)
            return EXIT_INPUT
        for problems in refused.values():
            for problem in problems:
                typer.echo(f"lockwise: error: {problem}", err=True)
        if refused:
            return EXIT_INPUT
        needs_repair = [r for r in rows if r["state"] in (FAILED, INTERRUPTED, CHANGED, RENAMED)]
        return 1 if needs_repair else 0

    _run(url, show)


def _run_json(v) -> dict:
    """Where a failed or interrupted run stopped (or a running one is): the statement
    (1-based, as `apply` and lint number them), its line and file (the down file for a
    rollback), and how many statements completed; null when not known, or for the other
    states."""
    from lockwise.executor.state import FAILED, INTERRUPTED, RUNNING

    stopped = v.state in (FAILED, INTERRUPTED, RUNNING) and v.row is not None
    return {"statement": v.statement, "line": v.line,
            "file": str(v.file) if v.file is not None else None,
            "statements_completed": (v.row.statements_completed or 0) if stopped else None}


def _stray_advice(stray) -> str:
    return (f"a previous runner's statement is still running on {stray.describe()}. Its "
            "runner no longer holds the runner lock (it died, or lost the connection holding "
            "it and records the end itself), and it may still commit; the next runner waits "
            f"for it. Cancel it with `SELECT pg_cancel_backend({stray.pid})` if it must not.")


def _stray_json(stray) -> dict | None:
    if stray is None:
        return None
    return {"pid": stray.pid, "state": stray.state, "wait_event_type": stray.wait_event_type,
            "wait_event": stray.wait_event, "seconds": stray.seconds, "query": stray.query}


@app.command()
def rollback(
    ctx: typer.Context,
    path: PathArg = Path("."),
    dsn: DsnOption = None,
    to: Annotated[str | None, typer.Option(
        "--to", help="Roll back every applied migration newer than this version.")] = None,
    steps: Annotated[int | None, typer.Option(
        "--steps", min=1, help="Roll back this many migrations (default 1).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
    history_table: HistoryOption = DEFAULT_TABLE,
    layout: LayoutOption = None,
    wait: WaitOption = 60.0,
    lock_timeout: Annotated[str, typer.Option(help="lock_timeout per statement; 0 = off.",
                                              callback=_duration_option)] = "5s",
    statement_timeout: Annotated[str, typer.Option(
        help="statement_timeout per statement; 0 = no limit.",
        callback=_duration_option)] = "0",
    retries: Annotated[int, typer.Option(
        min=0, help="Retries after a lock_timeout, with exponential backoff.")] = 3,
    config_file: ConfigOption = None,
) -> None:
    """Run down migrations in reverse order and mark them rolled back."""
    from lockwise.executor import runner

    if to is not None and steps is not None:
        typer.echo("lockwise: error: give --to or --steps, not both", err=True)
        raise typer.Exit(EXIT_INPUT)
    url, migrations, options = _prepare(ctx, dsn, path, layout, history_table, config_file)
    options.dry_run, options.wait_seconds, options.retries = dry_run, wait, retries
    options.lock_timeout_ms = _duration_ms(lock_timeout)
    options.statement_timeout_ms = _duration_ms(statement_timeout)
    _run(url, lambda: runner.rollback(url, migrations, options, _console(url), to=to,
                                      steps=steps))


@app.command()
def repair(
    ctx: typer.Context,
    path: PathArg = Path("."),
    dsn: DsnOption = None,
    mark_applied: Annotated[bool, typer.Option(
        "--mark-applied", help="Record failed migrations as applied (you completed them by "
        "hand) instead of pending.")] = False,
    undo_baseline: Annotated[bool, typer.Option(
        "--undo-baseline", help="Withdraw the baseline (only while nothing was applied on top "
        "of it), to record the right one. Does nothing else.")] = False,
    history_table: HistoryOption = DEFAULT_TABLE,
    layout: LayoutOption = None,
    wait: WaitOption = 60.0,
    config_file: ConfigOption = None,
) -> None:
    """Clear failed or interrupted runs and accept new checksums of edited applied files."""
    from lockwise.executor import runner

    if undo_baseline and mark_applied:
        # --undo-baseline does that alone: the failed runs would stay as they are.
        raise typer.BadParameter("withdraws the baseline and does nothing else: run "
                                 "`lockwise repair --mark-applied` on its own",
                                 param_hint="'--undo-baseline' with '--mark-applied'")
    url, migrations, options = _prepare(ctx, dsn, path, layout, history_table, config_file)
    options.wait_seconds = wait
    if undo_baseline:
        _run(url, lambda: runner.undo_baseline(url, options, _console(url)))
    else:
        _run(url, lambda: runner.repair(url, migrations, options, _console(url),
                                        mark_applied=mark_applied))


@app.command()
def baseline(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="The version the database is already at.")],
    path: PathArg = Path("."),
    dsn: DsnOption = None,
    allow_unknown_version: Annotated[bool, typer.Option(
        "--allow-unknown-version", help="Accept a VERSION that no migration file has.")
    ] = False,
    history_table: HistoryOption = DEFAULT_TABLE,
    layout: LayoutOption = None,
    wait: WaitOption = 60.0,
    config_file: ConfigOption = None,
) -> None:
    """Mark an existing database as already at VERSION (migrations up to it count as applied)."""
    from lockwise.executor import runner

    url, migrations, options = _prepare(ctx, dsn, path, layout, history_table, config_file,
                                        swapped_with=version)
    options.wait_seconds = wait
    _run(url, lambda: runner.baseline(url, version, migrations, options, _console(url),
                                      allow_unknown=allow_unknown_version))


__all__ = ["apply", "status", "rollback", "repair", "baseline"]
