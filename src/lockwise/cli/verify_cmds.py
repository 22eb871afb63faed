"""`lockwise verify`: run migrations on a real scratch PostgreSQL (see lockwise.verify)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from lockwise.cli.app import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INPUT,
    ConfigOption,
    LayoutOption,
    app,
    command_config,
    fail_input,
    require_postgresql,
    say_no_migrations,
)
from lockwise.parse.source import InputError

#: Name of the database verify creates on the embedded server.
_SCRATCH_DB = "lockwise_verify"


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
        help="Migration directory, or one migration file (default: current directory).",
        readable=False)] = None,
    dsn: Annotated[str | None, typer.Option(
        help="Connection URL of a scratch database to use instead of the embedded server; "
             "with --preflight, the real database to check (read-only).",
        envvar="LOCKWISE_VERIFY_DSN", show_envvar=True)] = None,
    preflight: Annotated[bool, typer.Option(
        "--preflight", help="Only check the data pending migrations depend on, read-only "
        "(duplicates, NULLs, orphans, CHECK and type violations). Needs --dsn.")] = False,
    seed: Annotated[int, typer.Option(
        min=0, help="Insert N synthetic rows into each table a migration creates.")] = 0,
    layout: LayoutOption = None,
    timeout: Annotated[float, typer.Option(
        min=0.1, help="Pre-flight: seconds each read-only query may run.")] = 10.0,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Every difference, every statement's observed locks.")] = False,
    config_file: ConfigOption = None,
) -> None:
    """Run migrations up, down and up again on a scratch PostgreSQL; or data pre-flight.

    Checks reversibility and the locks each statement really takes, against lockwise's model.
    --preflight: read-only data checks on the database given with --dsn."""
    from lockwise.cli.inputs import collect, require_one
    from lockwise.config import setting
    from lockwise.options import named_in
    from lockwise.verify.run import check_parses

    if preflight and not dsn:
        raise typer.BadParameter("checks a real database: give it with --dsn",
                                 param_hint="'--preflight'")
    if preflight and seed:
        raise typer.BadParameter("writes rows: it cannot be used with --preflight",
                                 param_hint="'--seed'")
    cfg = command_config(config_file)
    require_postgresql(ctx, cfg, "it runs them on a scratch PostgreSQL server")
    path = setting(ctx, cfg, "path", path)
    layout = setting(ctx, cfg, "layout", layout)
    try:
        collected = collect([path or Path(".")], layout)
        # One scratch database: the histories of several databases cannot share it.
        require_one(path or Path("."), collected.directories)
        migrations, only = collected.migrations, collected.only
        check_parses(migrations)
    except InputError as exc:
        fail_input(exc)
        return
    if not migrations:
        say_no_migrations([path or Path(".")])
        raise typer.Exit(EXIT_CLEAN)
    if preflight:
        assert dsn is not None
        raise typer.Exit(_preflight(migrations, only, dsn, timeout))
    if only is not None:
        # A single file: run everything up to it (it needs the earlier ones), report all.
        last = max(i for i, m in enumerate(migrations) if named_in(m, only))
        migrations = migrations[: last + 1]
    raise typer.Exit(_verify(migrations, dsn, seed, verbose))


def _verify(migrations: list, dsn: str | None, seed: int, verbose: bool) -> int:
    """Run the reversibility check; returns the exit code."""
    from lockwise.db.scratch import ScratchUnavailable, create_database, scratch_server

    if dsn is not None:
        return _verify_on(migrations, dsn, seed, verbose, scratch=False)
    code = EXIT_INPUT
    try:
        with scratch_server() as admin_uri:
            # Errors are handled inside: an exception escaping this block would be reported
            # by scratch_server as a failure to start the server.
            try:
                uri = create_database(admin_uri, _SCRATCH_DB)
            except Exception as exc:  # psycopg.Error, OSError: the server is not usable
                return _error(f"could not create the scratch database: {exc}")
            code = _verify_on(migrations, uri, seed, verbose, scratch=True)
    except ScratchUnavailable as exc:
        return _error(f"{exc} (or give a scratch database with --dsn)")
    return code


def _verify_on(migrations: list, uri: str, seed: int, verbose: bool, *, scratch: bool) -> int:
    import psycopg

    from lockwise.db.dsn import CONNECT_TIMEOUT, mask_dsn, redact
    from lockwise.verify.report import render_verify
    from lockwise.verify.run import NotScratch, VerifyOptions, ensure_scratch, verify_migrations

    try:
        conn = psycopg.connect(uri, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        return _error(f"cannot connect to {mask_dsn(uri)}: {redact(str(exc).strip(), uri)}")
    progress = _progress if sys.stderr.isatty() else None
    try:
        with conn:
            version = conn.info.server_version
            major, minor = version // 10000, version % 10000
            if scratch:
                server = f"the embedded PostgreSQL {major}.{minor} (temporary)"
            else:
                ensure_scratch(conn)
                server = f"{mask_dsn(uri)} (PostgreSQL {major}.{minor})"
            result = verify_migrations(migrations, conn, uri,
                                       VerifyOptions(seed=seed, progress=progress), server)
    except NotScratch as exc:
        return _error(str(exc))
    except psycopg.Error as exc:
        return _error(f"database error: {redact(str(exc).strip(), uri)}")
    finally:
        if progress is not None:
            sys.stderr.write("\r\x1b[K")
    render_verify(result, sys.stdout, verbose=verbose)
    return EXIT_FINDINGS if result.failed else EXIT_CLEAN


def _preflight(migrations: list, only: set[str] | None, dsn: str, timeout: float) -> int:
    import psycopg

    from lockwise.db.dsn import CONNECT_TIMEOUT, mask_dsn, redact
    from lockwise.verify.preflight import pending_migrations, preflight
    from lockwise.verify.report import render_preflight

    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        return _error(f"cannot connect to {mask_dsn(dsn)}: {redact(str(exc).strip(), dsn)}")
    try:
        with conn:
            pending, how = pending_migrations(conn, migrations, only)
            result = preflight(conn, pending, timeout_ms=int(timeout * 1000),
                               server_version=conn.info.server_version // 10000)
    except psycopg.Error as exc:
        return _error(f"database error: {redact(str(exc).strip(), dsn)}")
    render_preflight(result, how, mask_dsn(dsn), sys.stdout)
    return EXIT_FINDINGS if result.problems else EXIT_CLEAN
