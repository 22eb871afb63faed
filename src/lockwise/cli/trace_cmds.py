"""`lockwise trace`: run migrations on a scratch PostgreSQL and show what each statement did
(see lockwise.verify.trace)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from lockwise.cli.app import EXIT_CLEAN, EXIT_FINDINGS, ConfigOption, LayoutOption, app
from lockwise.cli.verify_cmds import (
    on_scratch_database,
    progress_line,
    scratch_inputs,
    up_to_last_named,
)

#: Name of the database trace creates on the embedded server.
_SCRATCH_DB = "lockwise_trace"


class TraceFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
def trace(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(
        help="Migration directory (every migration traced), or one migration file (the ones "
             "before it applied first, untraced). Default: current directory.",
        readable=False)] = None,
    dsn: Annotated[str | None, typer.Option(
        help="Connection URL of an empty scratch database to use instead of the embedded "
             "server (the migrations are applied to it).",
        envvar="LOCKWISE_VERIFY_DSN", show_envvar=True)] = None,
    seed: Annotated[int, typer.Option(
        min=0, help="Insert N synthetic rows into each table a migration creates, so that "
                    "rewrites, scans and index builds run on data and their times mean "
                    "something.")] = 0,
    layout: LayoutOption = None,
    output_format: Annotated[TraceFormat, typer.Option(
        "--format", "-f", help="Report format.")] = TraceFormat.text,
    config_file: ConfigOption = None,
) -> None:
    """Apply migrations on a scratch PostgreSQL and show what each statement really did.

    For every statement: the locks PostgreSQL took (and what they block), whether the table
    was rewritten, whether it ran in a transaction, rows affected and time, next to lockwise's
    prediction. Exit 1 when a statement fails or the prediction disagrees."""
    migrations, only = scratch_inputs(ctx, config_file, path, layout,
                                      "it runs them on a scratch PostgreSQL server")
    migrations = up_to_last_named(migrations, only)

    def work(conn: Any, uri: str, server: str) -> int:
        from lockwise.verify import trace_report
        from lockwise.verify.trace import TraceOptions, trace_migrations

        with progress_line() as progress:
            result = trace_migrations(migrations, conn, uri,
                                      TraceOptions(seed=seed, only=only, progress=progress),
                                      server)
        render = {TraceFormat.json: trace_report.render_json,
                  TraceFormat.markdown: trace_report.render_markdown}.get(
                      output_format, trace_report.render_text)
        render(result, sys.stdout)
        reason = trace_report.exit_reason(result)
        if reason is None:
            return EXIT_CLEAN
        typer.echo(f"lockwise: exit 1: {reason}", err=True)
        return EXIT_FINDINGS

    raise typer.Exit(on_scratch_database(dsn, _SCRATCH_DB, "trace applies migrations to it",
                                         work))
