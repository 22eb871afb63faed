"""`lockwise` command line (typer). Exit codes: 0 clean, 1 findings at or above --fail-on,
2 usage or input error."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lockwise.parse.source import InputError

app = typer.Typer(
    name="lockwise",
    help="Static safety analyzer for database migrations: locks, rewrites, durations, fixes.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def fail_input(error: Exception) -> None:
    """Print an input error as `lockwise: error: file:line:col: message` and exit 2."""
    typer.echo(f"lockwise: error: {error}", err=True)
    raise typer.Exit(EXIT_INPUT)


def _safety(value: str):
    from lockwise.core.types import Safety

    try:
        return Safety.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _pg_version(value: int) -> int:
    from lockwise.effects.context import SUPPORTED_PG_VERSIONS

    if value not in SUPPORTED_PG_VERSIONS:
        raise typer.BadParameter(
            f"{value} is not supported; choose {SUPPORTED_PG_VERSIONS.start} to "
            f"{SUPPORTED_PG_VERSIONS.stop - 1}")
    return value


@app.command()
def lint(
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Migration directories or files (default: current directory).")] = None,
    layout: Annotated[Optional[str], typer.Option(
        help="Force a layout: plain, golang-migrate, diesel, sqlx, flyway, prisma.")] = None,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="Report format.")] = OutputFormat.text,
    pg_version: Annotated[int, typer.Option(
        help="Target PostgreSQL major version (11-18).", callback=_pg_version)] = 16,
    fail_on: Annotated[str, typer.Option(
        help="Exit 1 when a migration is at or above this level.")] = "requires-downtime",
    rules_dir: Annotated[Optional[list[Path]], typer.Option(
        help="Extra folder of rule files (repeatable).")] = None,
    select: Annotated[Optional[list[str]], typer.Option(
        help="Only these rule ids or tags (repeatable).")] = None,
    ignore: Annotated[Optional[list[str]], typer.Option(
        help="Skip these rule ids (repeatable).")] = None,
    assume_in_transaction: Annotated[Optional[bool], typer.Option(
        "--assume-in-transaction/--assume-no-transaction",
        help="Whether the runner wraps each migration in a transaction (default: by layout).",
    )] = None,
    stdin: Annotated[bool, typer.Option("--stdin", help="Read one migration from stdin.")] = False,
    stdin_filename: Annotated[str, typer.Option(
        help="File name to report for --stdin.")] = "<stdin>",
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Show every statement's locks, not only those with findings.")
    ] = False,
    color: Annotated[Optional[bool], typer.Option("--color/--no-color")] = None,
) -> None:
    """Lint migrations: safety level, locks, rewrites and safe alternatives per statement."""
    from lockwise.cli.inputs import collect, read_stdin
    from lockwise.lint import LintOptions, has_input_errors, lint_migrations, worst_safety

    threshold = _safety(fail_on)
    try:
        if stdin:
            migrations, only = read_stdin(stdin_filename), None
        else:
            migrations, only = collect(list(paths or [Path(".")]), layout)
        options = LintOptions(
            pg_version=pg_version, fail_on=threshold,
            assume_in_transaction=assume_in_transaction,
            rules_dirs=tuple(rules_dir or ()), select=frozenset(select or ()),
            ignore=frozenset(ignore or ()),
            only=frozenset(only) if only is not None else None,
        )
        reports = lint_migrations(migrations, options)
    except InputError as exc:
        fail_input(exc)
        return
    if output_format is OutputFormat.json:
        from lockwise.report.json_report import render_json

        typer.echo(render_json(reports, pg_version=pg_version, fail_on=threshold))
    else:
        from lockwise.report.text import render_text

        if not migrations:
            typer.echo("lockwise: no migrations found", err=True)
        render_text(reports, sys.stdout, verbose=verbose, color=color)
    if has_input_errors(reports):
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_FINDINGS if worst_safety(reports) >= threshold else EXIT_CLEAN)


@app.command("rules")
def list_rules(
    rules_dir: Annotated[Optional[list[Path]], typer.Option(help="Extra rule folders.")] = None,
) -> None:
    """List the rule catalog."""
    from lockwise.rules.loader import load_rules

    try:
        rules = load_rules(tuple(rules_dir or ()))
    except InputError as exc:
        fail_input(exc)
        return
    for rule in sorted(rules, key=lambda r: r.id):
        typer.echo(f"{rule.id:<40} {rule.safety.label:<18} {rule.title}")


@app.command()
def explain(rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. set-not-null.")],
            rules_dir: Annotated[Optional[list[Path]], typer.Option()] = None) -> None:
    """Print a rule's documentation and examples."""
    from lockwise.report.rule_docs import rule_markdown
    from lockwise.rules.loader import load_rules

    try:
        rules = {r.id: r for r in load_rules(tuple(rules_dir or ()))}
    except InputError as exc:
        fail_input(exc)
        return
    if rule_id not in rules:
        typer.echo(f"lockwise: error: unknown rule {rule_id!r}; `lockwise rules` lists them",
                   err=True)
        raise typer.Exit(EXIT_INPUT)
    typer.echo(rule_markdown(rules[rule_id]))


def main() -> None:
    """Console entry point: typer, with usage errors mapped to exit code 2."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("lockwise: interrupted", err=True)
        sys.exit(130)
