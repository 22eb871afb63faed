"""`lockwise graph`: the migration dependency graph and the conflicts between migrations."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lockwise.cli.app import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INPUT,
    ConfigOption,
    DialectOption,
    LayoutOption,
    _pg_version,
    _safety,
    app,
    comma_separated,
    command_config,
    fail_input,
    require_postgresql,
    say_no_migrations,
)
from lockwise.parse.source import InputError

if TYPE_CHECKING:
    from lockwise.core.types import Migration


class GraphFormat(str, Enum):
    text = "text"
    dot = "dot"
    mermaid = "mermaid"
    json = "json"


@app.command()
def graph(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(
        help="Migration directory (a file stands for its directory).",
        readable=False)] = Path("."),
    output_format: Annotated[GraphFormat, typer.Option(
        "--format", "-f", help="text, dot (Graphviz), mermaid (PR comments) or json.")
    ] = GraphFormat.text,
    layout: LayoutOption = None,
    base: Annotated[str | None, typer.Option(
        "--base", help="Git ref the branch will merge into: also report migrations added on "
        "both sides that conflict, and new ones that sort before REF's newest.")] = None,
    applied: Annotated[Path | None, typer.Option(
        "--applied", readable=False,
        help="File of versions already applied (one per line, e.g. exported "
        "from the runner's history table): report new migrations that sort before the "
        "newest applied one.")] = None,
    pg_version: Annotated[int, typer.Option(
        help="Target PostgreSQL major version (11-18).", callback=_pg_version)] = 16,
    fail_on: Annotated[str, typer.Option(
        help="Exit 1 when a conflict is at or above this level.")] = "requires-downtime",
    check_downs: Annotated[bool, typer.Option(
        "--check-downs/--no-check-downs",
        help="Replay each down migration and compare with the schema before its up.")] = True,
    ignore: Annotated[list[str] | None, typer.Option(
        help="Leave this kind of conflict out (repeatable, or comma-separated), e.g. "
        "duplicate-version.", callback=comma_separated)] = None,
    config_file: ConfigOption = None,
    dialect: DialectOption = "postgresql",
) -> None:
    """Show which migration depends on which, and the conflicts between migrations.

    Dependencies: created-by, FK target, view over, dropped after use, version order."""
    from lockwise.cli.inputs import one_history
    from lockwise.config import lint_options, path_setting, rules_dirs_setting, setting
    from lockwise.graph.build import build_graph
    from lockwise.graph.render import RENDERERS

    cfg = command_config(ctx, config_file)
    # --dialect as lint's (over the config's `dialect`): the graph is PostgreSQL's only.
    require_postgresql(ctx, cfg, "it replays them on a model of PostgreSQL's catalog",
                       dialect=dialect)
    layout = setting(ctx, cfg, "layout", layout)
    pg_version = setting(ctx, cfg, "pg_version", pg_version)
    threshold = _safety(setting(ctx, cfg, "fail_on", fail_on))
    try:
        path = path_setting(ctx, cfg, "path", path)
        # The config's rule names are checked whatever --ignore says: an error at its key.
        rules_dirs = rules_dirs_setting(ctx, cfg)
        ignored = _conflict_kinds(setting(ctx, cfg, "ignore", ignore), rules_dirs)
    except InputError as exc:  # a configured path in error, a broken rule file
        fail_input(exc)
        return
    if base is not None and applied is not None:
        typer.echo("lockwise: error: --base and --applied are alternatives; give one",
                   err=True)
        raise typer.Exit(EXIT_INPUT)
    try:
        # The migrations are read as lint reads them: the config's templates, the database's
        # collation (the one builder of lint's options); the graph estimates no costs.
        options = lint_options(cfg, pg_version=pg_version, costs=False,
                               templates=cfg.templates or "substitute")
        read_as = {"templates": options.templates,
                   "default_collation": options.default_collation}
        if base is not None:
            from lockwise.graph.git import compare_with_base

            # One history, as without --base; a folder with none yet is compared as it is.
            directory, history = _named_history(path, layout)
            comparison = compare_with_base(directory, history, base, layout)
            result = build_graph(comparison.history, pg_version=pg_version,
                                 check_downs=check_downs, branch=comparison.branch, **read_as)
            result.conflicts += comparison.applied_changes
        else:
            migrations = _named_history(path, layout)[1] if path.is_file() else \
                one_history(path, layout)
            if not migrations:
                say_no_migrations([path], cfg)
            branch = None
            if applied is not None:
                from lockwise.graph.git import applied_history

                branch = applied_history(migrations, applied)
            result = build_graph(migrations, pg_version=pg_version, check_downs=check_downs,
                                 branch=branch, **read_as)
    except InputError as exc:
        fail_input(exc)
        return
    # As lint does: the rule ids an `ignore` also names are not conflicts, and pass by.
    result.conflicts = [c for c in result.conflicts if c.kind not in ignored]
    typer.echo(RENDERERS[output_format.value](result), nl=False)
    if result.rejected:  # as lint: what cannot be parsed cannot be judged, an input error
        for error in result.rejected:
            typer.echo(f"lockwise: error: {error}", err=True)
        raise typer.Exit(EXIT_INPUT)
    worst = result.worst_conflict()
    raise typer.Exit(EXIT_FINDINGS if worst is not None and worst >= threshold else EXIT_CLEAN)


def _named_history(path: Path, layout: str | None) -> tuple[Path, list[Migration]]:
    """The migration directory `path` names and its history: a file stands for its
    directory, found as `lint FILE` finds it (its folder when it holds none yet)."""
    from lockwise.cli.inputs import collect, require_one

    collected = collect([path], layout, done="drawn")
    require_one(path, collected.directories)
    if collected.directories:
        return collected.directories[0], collected.histories[0]
    return (path if path.is_dir() else path.parent), []


def _conflict_kinds(names: list[str] | None, rules_dirs: tuple[Path, ...]) -> frozenset[str]:
    """The kinds of conflict to leave out; a name that is neither a kind nor a rule id (which
    a shared config's `ignore` holds for lint) is a typo, a usage error."""
    if not names:
        return frozenset()
    from lockwise.config import unknown_rule
    from lockwise.graph.model import CONFLICT_TITLES
    from lockwise.rules.loader import load_rules

    unknown = unknown_rule(names, {r.id for r in load_rules(rules_dirs)}, set(CONFLICT_TITLES))
    if unknown is not None:
        raise typer.BadParameter(f"unknown kind of conflict {unknown!r}; choose from "
                                 f"{', '.join(sorted(CONFLICT_TITLES))}",
                                 param_hint="'--ignore'")
    return frozenset(names)
