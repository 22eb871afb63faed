"""`lockwise fix`: print (or write) the zero-downtime version of unsafe migrations."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated

import typer

from lockwise.cli.app import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INPUT,
    ConfigOption,
    DialectOption,
    LayoutOption,
    TemplatesMode,
    _pg_version,
    app,
    command_config,
    fail_input,
    require_postgresql,
    say_no_migrations,
)
from lockwise.options import INPUT_ERROR_RULES
from lockwise.parse.source import InputError


def _duration(value: str) -> str:
    """The --lock-timeout written into the SQL: a duration PostgreSQL reads, nothing else."""
    from lockwise.effects.session import is_duration, parse_duration_ms, timeout_problem

    if not is_duration(value):
        raise typer.BadParameter(f"{value!r} is not a PostgreSQL duration; write e.g. 5s, "
                                 "500ms, 1min")
    # The migrations written would fail at that SET, or run with no timeout.
    problem = timeout_problem(value, parse_duration_ms(value) or 0)
    if problem is not None:
        raise typer.BadParameter(problem)
    return value.strip()


@app.command()
def fix(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Migration directories or files (default: current directory).",
        readable=False)] = None,
    write: Annotated[bool, typer.Option(
        "--write", help="Write the files instead of printing a diff.")] = False,
    layout: LayoutOption = None,
    pg_version: Annotated[int, typer.Option(
        help="Target PostgreSQL major version (11-18).", callback=_pg_version)] = 16,
    lock_timeout: Annotated[str, typer.Option(
        help="lock_timeout set at the top of each transactional step (a PostgreSQL "
             "duration: 5s, 500ms, 1min).", callback=_duration)] = "5s",
    config_file: ConfigOption = None,
    dialect: DialectOption = "postgresql",
) -> None:
    """Rewrite unsafe migrations into safe sequences; prints a diff, --write writes them.

    The sequences: CONCURRENTLY, NOT VALID + VALIDATE, batched backfills, NOT NULL via CHECK.
    PostgreSQL only. Exit 0 when nothing needs rewriting or --write wrote it, 1 when a diff
    was printed (something to rewrite), 2 on usage or input errors."""
    from lockwise.cli.inputs import collect
    from lockwise.config import (
        given,
        lint_options,
        path_setting,
        rules_dirs_setting,
        setting,
    )
    from lockwise.discover.versions import history_starts
    from lockwise.fix.guard import without_new_conflicts
    from lockwise.fix.plan import Unrewritable
    from lockwise.fix.settle import plan_migrations
    from lockwise.fix.write import VersionAllocator, encoded_like, render_plan

    cfg = command_config(ctx, config_file)
    # A MySQL file read as PostgreSQL came back with SQL MySQL refuses.
    require_postgresql(ctx, cfg, "its rewrites are PostgreSQL's: CONCURRENTLY, SET LOCAL "
                       "lock_timeout, NOT VALID", dialect=dialect,
                       lint_gives="gives each finding's safe alternative (ALGORITHM= / LOCK= "
                                  "clauses, gh-ost, batched statements)")
    layout = setting(ctx, cfg, "layout", layout)
    pg_version = setting(ctx, cfg, "pg_version", pg_version)
    try:
        # What lint would report is what fix rewrites: the same rules, read the same way, of
        # the same target (the config's collation, statistics ...).
        options = lint_options(
            cfg, pg_version=pg_version,
            pg_version_stated=given(ctx, "pg_version") or cfg.pg_version is not None,
            assume_in_transaction=setting(ctx, cfg, "assume_in_transaction", None),
            select=frozenset(setting(ctx, cfg, "select", None) or ()),
            ignore=frozenset(setting(ctx, cfg, "ignore", None) or ()),
            templates=TemplatesMode(
                setting(ctx, cfg, "templates", TemplatesMode.substitute)).value)
        paths = path_setting(ctx, cfg, "paths", paths)
        # A typo in the config's select or ignore: rewritten by no rule of it.
        options.rules_dirs = rules_dirs_setting(ctx, cfg)
        collected = collect(list(paths or [Path(".")]), layout)
        migrations, only = collected.migrations, collected.only
        options.only = frozenset(only) if only is not None else None
        planned = plan_migrations(migrations, options, history_starts(collected.histories),
                                  lock_timeout, pg_version, cfg)
        outputs = []
        unrewritable: list[str] = []
        versions = VersionAllocator(migrations, [p.report for p in planned])
        for p in planned:
            reason = p.unrewritable
            if p.plan is not None and not p.plan.fixed_rules:
                # Each rewrite declined: the file would only gain a header (a second one, on
                # a first run's output), so it is left as it is, with the reasons.
                unrewritable += [f"{p.report.migration.path}: "
                                 f"{'' if note.startswith('not rewritten') else 'note: '}{note}"
                                 for note in dict.fromkeys(p.plan.notes)]
            elif p.plan is not None:
                try:
                    files, notes = render_plan(p.plan, versions)
                    outputs.append((p.plan, files, notes))
                except Unrewritable as exc:
                    reason = str(exc)
            if reason is not None:
                unrewritable.append(f"{p.report.migration.path}: not rewritten: {reason}")
        outputs, left_out = without_new_conflicts(outputs, collected.directories, layout,
                                                  pg_version)
        left_out = unrewritable + left_out
    except InputError as exc:
        fail_input(exc)
        return
    for note in left_out:
        typer.echo(f"# {note}", err=True)
    # SQL that does not parse is an input error, as for lint: the rest is still rewritten,
    # but a `lockwise fix` check must not pass over it.
    input_errors = [f for p in planned for f in p.report.findings if f.rule in INPUT_ERROR_RULES]
    for f in input_errors:
        where = f"{f.path}:{f.span.line}:{f.span.column}" if f.span else str(f.path)
        typer.echo(f"lockwise: error: {where}: {f.message}", err=True)
    done = EXIT_INPUT if input_errors else EXIT_CLEAN
    if not migrations:
        say_no_migrations(paths or [Path(".")], cfg)
        raise typer.Exit(EXIT_CLEAN)
    if not outputs:
        typer.echo("lockwise fix: nothing to rewrite", err=True)
        raise typer.Exit(done)
    for plan, files, notes in outputs:
        typer.echo(f"# {plan.migration.path}: fixes {', '.join(plan.fixed_rules)} "
                   f"in {len(plan.parts)} step(s)", err=True)
        for note in notes:
            typer.echo(f"#   note: {note}", err=True)
        for out in files:
            if write:
                out.path.parent.mkdir(parents=True, exist_ok=True)
                out.path.write_bytes(encoded_like(
                    out.text, out.path if out.before else plan.migration.path))
                typer.echo(f"wrote {out.path}", err=True)
            else:
                typer.echo("".join(difflib.unified_diff(
                    out.before.splitlines(keepends=True), out.text.splitlines(keepends=True),
                    fromfile=str(out.path) if out.before else "/dev/null",
                    tofile=str(out.path))))
    raise typer.Exit(done if write or done else EXIT_FINDINGS)
