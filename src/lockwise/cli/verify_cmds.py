"""`lockwise verify` and `lockwise trace`: run migrations on a real scratch PostgreSQL (see
lockwise.verify)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lockwise.cli.app import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INPUT,
    AssumeTransactionOption,
    ConfigOption,
    LayoutOption,
    app,
    command_config,
    fail_input,
    require_postgresql,
    say_no_migrations,
    seconds_between,
)
from lockwise.core.numbers import MAX_TIMEOUT_MS
from lockwise.parse.source import InputError

if TYPE_CHECKING:
    from lockwise.config import Config
    from lockwise.executor.history import HistoryTable

#: Names of the databases verify and trace create on the embedded server.
_SCRATCH_DB = "lockwise_verify"
_TRACE_DB = "lockwise_trace"

#: The most rows `--seed` inserts into a table: 100 million rows of a few columns are some
#: gigabytes on the scratch server's disk. More is a typo (zeros too many), which filled the
#: disk with no end in sight.
MOST_SEEDED = 100_000_000


def _error(message: str) -> int:
    typer.echo(f"lockwise: error: {message}", err=True)
    return EXIT_INPUT


def _progress(number: int, total: int, migration: Any) -> None:
    sys.stderr.write(f"\r\x1b[K[{number}/{total}] {migration.id}"[:200])
    sys.stderr.flush()


@app.command()
def verify(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(
        help="Migration directory (every migration verified), or one migration file (it and "
             "every migration before it verified up, down and up, not it alone as trace does; "
             "the ones after it not run; with --preflight, it alone checked). Default: current "
             "directory.",
        readable=False)] = None,
    dsn: Annotated[str | None, typer.Option(
        help="Connection URL of a scratch database to use instead of the embedded server; "
             "with --preflight, the real database to check (read-only).",
        envvar="LOCKWISE_VERIFY_DSN", show_envvar=True)] = None,
    preflight: Annotated[bool, typer.Option(
        "--preflight", help="Only check the data pending migrations depend on, read-only "
        "(duplicates, NULLs, orphans, CHECK and type violations). Needs --dsn.")] = False,
    seed: Annotated[int, typer.Option(
        min=0, max=MOST_SEEDED,
        help="Insert N synthetic rows into each table a migration creates.")] = 0,
    layout: LayoutOption = None,
    timeout: Annotated[float, typer.Option(
        help="Pre-flight: seconds each read-only query may run.",
        callback=seconds_between(0.1, MAX_TIMEOUT_MS / 1000,
                                 "PostgreSQL's largest statement_timeout"))] = 10.0,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Every difference, every statement's observed locks.")] = False,
    assume_in_transaction: AssumeTransactionOption = None,
    config_file: ConfigOption = None,
) -> None:
    """Run migrations up, down and up again on a scratch PostgreSQL; or data pre-flight.

    Checks reversibility and the locks each statement really takes, against lockwise's model.
    --preflight: read-only data checks on the database given with --dsn."""
    if preflight and not dsn:
        raise typer.BadParameter("checks a real database: give it with --dsn",
                                 param_hint="'--preflight'")
    if preflight and seed:
        raise typer.BadParameter("writes rows: it cannot be used with --preflight",
                                 param_hint="'--seed'")
    migrations, only, assume, cfg = _scratch_inputs(
        ctx, config_file, path, layout, assume_in_transaction,
        "it runs them on a scratch PostgreSQL server", "checked" if preflight else "verified")
    if not migrations:
        raise typer.Exit(EXIT_CLEAN)
    if preflight:
        from lockwise.cli.executor_cmds import history_table_named
        from lockwise.config import setting
        from lockwise.executor.history import DEFAULT_HISTORY_TABLE

        assert dsn is not None
        # What `lockwise apply` recorded says what is pending, when it runs the migrations.
        history = history_table_named(setting(ctx, cfg, "history_table", None)
                                      or DEFAULT_HISTORY_TABLE)
        raise typer.Exit(_preflight(migrations, only, dsn, timeout, history, cfg))
    migrations, not_run = _up_to_last_named(migrations, only)

    def work(conn: Any, uri: str, server: str) -> int:
        from lockwise.verify.report import render_verify
        from lockwise.verify.run import VerifyOptions, verify_migrations

        with _progress_line() as progress:
            result = verify_migrations(migrations, conn, uri,
                                       VerifyOptions(seed=seed, progress=progress,
                                                     assume_in_transaction=assume,
                                                     not_run=not_run, config=cfg), server)
        render_verify(result, sys.stdout, verbose=verbose)
        if result.failed:
            return EXIT_FINDINGS
        if result.server_lacks:
            return _server_lacks_extension()
        return EXIT_CLEAN

    raise typer.Exit(_on_scratch_database(dsn, _SCRATCH_DB, "verify runs down migrations", work))


#: `trace --format` values; a string checked here rather than an Enum, whose class would be
#: built on every run of every other command (lint's cold start).
_TRACE_FORMATS = ("text", "json", "markdown")


def _trace_format(value: str) -> str:
    if value not in _TRACE_FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(_TRACE_FORMATS)}")
    return value


@app.command()
def trace(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(
        help="Migration directory (every migration traced), or one migration file (it alone "
             "traced, after the ones before it are applied untraced, unlike verify, which "
             "verifies them too; the ones after it not run). Default: current directory.",
        readable=False)] = None,
    dsn: Annotated[str | None, typer.Option(
        help="Connection URL of an empty scratch database to use instead of the embedded "
             "server (the migrations are applied to it).",
        envvar="LOCKWISE_VERIFY_DSN", show_envvar=True)] = None,
    seed: Annotated[int, typer.Option(
        min=0, max=MOST_SEEDED,
        help="Insert N synthetic rows into each table a migration creates, so that "
             "rewrites, scans and index builds run on data and their times mean "
             "something.")] = 0,
    layout: LayoutOption = None,
    output_format: Annotated[str, typer.Option(
        "--format", "-f", help="Report format: text, json or markdown.",
        callback=_trace_format)] = "text",
    assume_in_transaction: AssumeTransactionOption = None,
    config_file: ConfigOption = None,
) -> None:
    """Apply migrations on a scratch PostgreSQL and show what each statement really did.

    For every statement: the locks PostgreSQL took (and what they block), whether the table
    was rewritten, whether it ran in a transaction, rows affected and time, next to lockwise's
    prediction. Exit 1 when a statement fails or the prediction disagrees."""
    from lockwise.verify import trace_report

    migrations, only, assume, cfg = _scratch_inputs(
        ctx, config_file, path, layout, assume_in_transaction,
        "it runs them on a scratch PostgreSQL server", "traced", downs=False)
    if not migrations:
        if output_format == "json":  # a document still, as lint, graph and status print
            from lockwise.verify.trace import TraceResult

            trace_report.render_json(TraceResult([], None, None), sys.stdout)
        raise typer.Exit(EXIT_CLEAN)
    migrations, not_run = _up_to_last_named(migrations, only)

    def work(conn: Any, uri: str, server: str) -> int:
        from lockwise.verify.trace import TraceOptions, trace_migrations

        with _progress_line() as progress:
            result = trace_migrations(migrations, conn, uri,
                                      TraceOptions(seed=seed, only=only, progress=progress,
                                                   assume_in_transaction=assume,
                                                   not_run=not_run, config=cfg),
                                      server)
        render = {"json": trace_report.render_json,
                  "markdown": trace_report.render_markdown}.get(output_format,
                                                                trace_report.render_text)
        render(result, sys.stdout)
        reason = trace_report.exit_reason(result)
        if reason is not None:
            typer.echo(f"lockwise: exit 1: {reason}", err=True)
            return EXIT_FINDINGS
        if result.failed is not None:  # the server's lack, not a statement's failure
            return _server_lacks_extension()
        return EXIT_CLEAN

    raise typer.Exit(_on_scratch_database(dsn, _TRACE_DB, "trace applies migrations to it",
                                         work))


def _server_lacks_extension() -> int:
    """A run stopped by an extension the server lacks: not the migrations' failure, and no
    verdict on them either."""
    typer.echo("lockwise: error: the migrations could not all run on this server: it lacks an "
               "extension they create (see the note above); pass --dsn with an empty database "
               "on a server that has it", err=True)
    return EXIT_INPUT


def _scratch_inputs(ctx: typer.Context, config_file: Path | None, path: Path | None,
                   layout: str | None, assume_in_transaction: bool | None,
                   why: str, done: str, *, downs: bool = True,
                   ) -> tuple[list, set[str] | None, bool | None, Config]:
    """The migrations of one history that a command runs on a server (`why`: for the error
    with another dialect), parsed whole first, the paths of those named (None: all), as
    `collect` reads them (`done`: what the command does to them, as its warnings say it),
    whether to assume each runs in a transaction (the option, else the config's, as lint
    reads them), and the config in force (the migrations are read with it, as lint does).
    Exits 2 on an input error (in a down file too, unless `downs` is false: trace never runs
    one); no migration is said on stderr, and is an empty list."""
    from lockwise.cli.inputs import collect, require_one
    from lockwise.config import path_setting, rules_dirs_setting, setting
    from lockwise.verify.run import check_parses

    cfg = command_config(ctx, config_file)
    require_postgresql(ctx, cfg, why)
    layout = setting(ctx, cfg, "layout", layout)
    assume = setting(ctx, cfg, "assume_in_transaction", assume_in_transaction)
    try:
        path = path_setting(ctx, cfg, "path", path)
        rules_dirs_setting(ctx, cfg)  # read by lint, which judges what runs in a transaction
        collected = collect([path or Path(".")], layout, done=done)
        # One scratch database: the histories of several databases cannot share it.
        require_one(path or Path("."), collected.directories)
        check_parses(collected.migrations, downs=downs)
    except InputError as exc:
        fail_input(exc)
        raise  # unreachable: fail_input exits
    if not collected.migrations:
        say_no_migrations([path or Path(".")], cfg)
    return collected.migrations, collected.only, assume, cfg


def _up_to_last_named(migrations: list, only: set[str] | None) -> tuple[list, dict]:
    """The migrations up to the last one named: the ones before it are needed, the ones after
    it are not. verify runs each of these up, down and up in turn and reports on each (one
    that fails stops the run before the file named); trace traces only those named. With
    them, which of them their tool never runs (`never_run`), decided over all `migrations`,
    as lint and graph decide it: a later migration of a named one's version may be the one
    its tool runs (diesel's last of a version)."""
    from lockwise.discover.versions import never_run
    from lockwise.options import named_in

    not_run = never_run(migrations)
    if only is None:
        return migrations, not_run
    last = max(i for i, m in enumerate(migrations) if named_in(m, only))
    return migrations[: last + 1], not_run


@contextlib.contextmanager
def _progress_line() -> Iterator[Callable[[int, int, Any], None] | None]:
    """A progress callback drawing one line on a terminal's stderr (None elsewhere), the line
    cleared at the end."""
    progress = _progress if sys.stderr.isatty() else None
    try:
        yield progress
    finally:
        if progress is not None:
            sys.stderr.write("\r\x1b[K")


def _on_scratch_database(dsn: str | None, name: str, why: str,
                        work: Callable[[Any, str, str], int]) -> int:
    """Run `work(conn, uri, server)` on an autocommit connection to a scratch database: the
    one `dsn` names (refused when it holds tables: `why` says what would be done to it), else
    database `name` on the embedded server, started for it; `server` describes it for a
    report. Returns work's exit code, or 2 when no database could be had."""
    from lockwise.db.scratch import ScratchUnavailable, create_database, scratch_server

    if dsn is not None:
        return _work_on(dsn, why, work, scratch=False)
    code = EXIT_INPUT
    try:
        with scratch_server() as admin_uri:
            # Errors are handled inside: an exception escaping this block would be reported
            # by scratch_server as a failure to start the server.
            try:
                uri = create_database(admin_uri, name)
            except Exception as exc:  # psycopg.Error, OSError: the server is not usable
                return _error(f"could not create the scratch database: {exc}")
            code = _work_on(uri, why, work, scratch=True)
    except ScratchUnavailable as exc:
        return _error(f"{exc} (or give a scratch database with --dsn)")
    return code


def _work_on(uri: str, why: str, work: Callable[[Any, str, str], int], *, scratch: bool) -> int:
    import psycopg

    from lockwise.db.dsn import CONNECT_TIMEOUT, mask_dsn, redact
    from lockwise.verify.run import NotScratch, ensure_scratch

    try:
        conn = psycopg.connect(uri, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        return _error(f"cannot connect to {mask_dsn(uri)}: {redact(str(exc).strip(), uri)}")
    try:
        with conn:
            version = conn.info.server_version
            major, minor = version // 10000, version % 10000
            if scratch:
                server = f"the embedded PostgreSQL {major}.{minor} (temporary)"
            else:
                ensure_scratch(conn, why)
                server = f"{mask_dsn(uri)} (PostgreSQL {major}.{minor})"
            return work(conn, uri, server)
    except (NotScratch, InputError) as exc:  # (InputError: read as the config says, refused)
        return _error(str(exc))
    except psycopg.Error as exc:
        return _error(f"database error: {redact(str(exc).strip(), uri)}")


def _preflight(migrations: list, only: set[str] | None, dsn: str, timeout: float,
               history: HistoryTable, config: Config | None = None) -> int:
    import psycopg

    from lockwise.db.dsn import CONNECT_TIMEOUT, mask_dsn, redact
    from lockwise.executor.history import HistorySchemaError
    from lockwise.verify.preflight import pending_migrations, preflight
    from lockwise.verify.report import render_preflight

    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        return _error(f"cannot connect to {mask_dsn(dsn)}: {redact(str(exc).strip(), dsn)}")
    try:
        with conn:
            pending, how = pending_migrations(conn, migrations, only, history, config)
            result = preflight(conn, pending, timeout_ms=int(timeout * 1000),
                               server_version=conn.info.server_version // 10000)
    except psycopg.Error as exc:
        return _error(f"database error: {redact(str(exc).strip(), dsn)}")
    except HistorySchemaError as exc:
        return _error(str(exc))
    render_preflight(result, how, mask_dsn(dsn), sys.stdout)
    return EXIT_FINDINGS if result.problems else EXIT_CLEAN
