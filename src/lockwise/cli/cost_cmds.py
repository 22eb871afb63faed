"""`lockwise stats` and `lockwise calibrate`: the inputs of the cost model (docs/cost-model.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lockwise.cli.app import EXIT_INPUT, ConfigOption, app, command_config, fail_input
from lockwise.cli.executor_cmds import DEFAULT_TABLE, HistoryOption


def _cannot_write(output: Path, what: str, why: str) -> typer.Exit:
    typer.echo(f"lockwise: error: {output}: cannot write {what}: {why}", err=True)
    return typer.Exit(EXIT_INPUT)


def _check_writable(output: Path | None, what: str) -> None:
    """Refuse an output file that cannot be written before the work that fills it (a
    calibration measures for minutes): its folder missing, or a folder in its place. A
    refusal the system makes only at the write is still reported by `_write`."""
    if output is None:
        return
    if output.is_dir():
        raise _cannot_write(output, what, "is a directory")
    if not output.parent.is_dir():
        raise _cannot_write(output, what, f"no such file or directory ({output.parent} does "
                            "not exist)")


def _write(text: str, output: Path | None, what: str) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _cannot_write(output, what, exc.strerror or str(exc)) from None
    typer.echo(f"lockwise: wrote {what} to {output}", err=True)


_STATS = "statistics"
_PROFILE = "machine profile"


def _dsn_or_env(dsn: str | None) -> str | None:
    from lockwise.db.dsn import resolve_dsn

    return resolve_dsn(dsn)


@app.command("stats")
def stats_command(
    ctx: typer.Context,
    dsn: Annotated[str | None, typer.Option(
        help="Database to read (default: $DATABASE_URL). Only catalog views are read.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the stats file here (default: stdout).")] = None,
    history_table: HistoryOption = DEFAULT_TABLE,
    config_file: ConfigOption = None,
) -> None:
    """Write table statistics (rows, bytes, indexes) for the cost model, from the catalog.

    The history table of `lockwise apply` (--history-table, or history_table in the config)
    is lockwise's, not one of the tables migrations change: it is left out, with its batch
    progress table."""
    from lockwise.cli.executor_cmds import history_table_named
    from lockwise.config import rules_dirs_setting, setting
    from lockwise.cost.collect import CollectError, collect_stats
    from lockwise.parse.source import InputError

    cfg = command_config(ctx, config_file)
    try:
        rules_dirs_setting(ctx, cfg)  # unread here, but a config broken for lint is broken
    except InputError as exc:
        fail_input(exc)
    history_table = setting(ctx, cfg, "history_table", history_table)
    _check_writable(output, _STATS)

    resolved = _dsn_or_env(dsn)
    if not resolved:
        typer.echo("lockwise: error: give --dsn URL or set DATABASE_URL", err=True)
        raise typer.Exit(EXIT_INPUT)
    try:
        stats = collect_stats(resolved, history_table_named(history_table))
    except CollectError as exc:
        typer.echo(f"lockwise: error: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    _write(stats.to_json(), output, f"{_STATS} of {len(stats.tables)} table(s)")


@app.command("calibrate")
def calibrate_command(
    dsn: Annotated[str | None, typer.Option(
        help="Server to benchmark (it creates and drops a schema lockwise_calibrate). "
             "Default: a throw-away embedded PostgreSQL.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the machine profile here (default: stdout).")] = None,
    rows: Annotated[int, typer.Option(
        min=10_000, max=50_000_000, help="Rows of the benchmark table (about 140 bytes "
        "each; make it larger than shared_buffers).")] = 1_000_000,
) -> None:
    """Measure scan, rewrite, index build and update throughput; write a machine profile."""
    from lockwise.cost.calibrate import CalibrationError, run_calibration

    _check_writable(output, _PROFILE)

    def say(msg: str) -> None:
        typer.echo(f"lockwise: calibrate: {msg}", err=True)

    try:
        if dsn:
            result = run_calibration(dsn, rows, say)
        else:
            from lockwise.db.scratch import ScratchUnavailable, scratch_server

            failure: CalibrationError | None = None
            try:
                with scratch_server(durable=True) as uri:
                    say("started an embedded PostgreSQL")
                    try:
                        result = run_calibration(uri, rows, say)
                    except CalibrationError as exc:
                        # scratch_server reports errors of its body as start failures: keep
                        # ours apart.
                        failure = exc
            except ScratchUnavailable as exc:
                raise CalibrationError(str(exc)) from None
            if failure is not None:
                raise failure
    except CalibrationError as exc:
        typer.echo(f"lockwise: error: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    _write(result.to_json(), output, _PROFILE)
