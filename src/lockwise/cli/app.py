"""`lockwise` command line (typer). Exit codes: 0 clean, 1 findings at or above --fail-on,
2 usage or input error.

Annotations here are evaluated where they are written (no `from __future__ import
annotations`): typer reads every parameter's type of the command it builds, and from strings
it would compile each one twice (`inspect.signature(eval_str=True)`, then `get_type_hints`),
about 3% of a one-file `lockwise lint`. Names imported only for type checkers stay quoted.
"""

import contextlib
import copy
import os
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Annotated, TextIO

from lockwise.cli import collector_paused
from lockwise.core.code_store import keep_compiled
from lockwise.core.deferred import defer
from lockwise.core.numbers import MAX_SECONDS

#: Modules typer imports at its own import, for work of its that lockwise's commands do not
#: ask for (finding the user's shell for `--install-completion`, running it; wrapping help
#: text; shutil's archive formats), with the extensions they need: bound unexecuted, each
#: runs at its first use. They were 4.5% of the instructions of a one-file `lockwise lint`
#: (subprocess with locale, signal and selectors).
TYPER_ONLY = {"subprocess": (), "shellingham": (), "textwrap": (), "bz2": ("_bz2",),
              "lzma": ("_lzma",),
              # urllib.parse's, for URLs with a bracketed host (typer and lockwise import
              # pathlib, which imports urllib.parse): 1.7% of a one-file lint.
              "ipaddress": ()}

# Importing typer (with its click) and the modules below builds objects that live as long as
# the process and makes no garbage: the cyclic collector's passes over them meanwhile were
# about 2% of a one-file `lockwise lint`.
with collector_paused():
    defer(TYPER_ONLY)
    from pathlib import Path  # (not before `defer`: pathlib imports ipaddress)

    import typer

    from lockwise.discover.layouts import LAYOUTS
    from lockwise.parse.source import InputError

if TYPE_CHECKING:
    from lockwise.config import Config
    from lockwise.core.types import MigrationReport, Safety
    from lockwise.rules.model import Rule

class _CommandGroup(typer.core.TyperGroup):
    """The program's commands, each listed in `lockwise --help` with the whole first
    paragraph of its help, wrapped (click cuts it to fit one line, ending in `...`)."""

    def format_commands(self, ctx, formatter) -> None:  # noqa: ANN001 - click's signature
        rows = [(name, " ".join((command.short_help or command.help or "")
                                .split("\n\n")[0].split()))
                for name in self.list_commands(ctx)
                if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class _Program(typer.Typer):
    """The program: the commands `cli.app` defines, and those of the modules named in
    `more_commands`, which are imported (and so register theirs) at the first read of
    `registered_commands`: the whole list for help, completion and "did you mean", while
    `app_for` finds a command of this module without them."""

    #: Modules that register more commands when imported; emptied as they are.
    more_commands: tuple[str, ...] = ()

    @property  # type: ignore[override]
    def registered_commands(self) -> list[typer.models.CommandInfo]:
        if self.more_commands:
            import importlib

            modules, self.more_commands = self.more_commands, ()
            with collector_paused():
                for module in modules:
                    importlib.import_module(module)
        return self.defined_here

    @registered_commands.setter
    def registered_commands(self, commands: list[typer.models.CommandInfo]) -> None:
        self.defined_here = commands


app = _Program(
    name="lockwise",
    cls=_CommandGroup,
    help="Static safety analyzer for database migrations: locks, rewrites, durations, fixes.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # Click's own help and errors, not rich's: rich lays options out as a table of five
    # columns, which at 80 columns cut long option names (`--assume-in-tran…`) and left the
    # help a word or two a line; click puts a long option on its own line and wraps the
    # help beside the others. Help text is therefore plain, not rich markup.
    rich_markup_mode=None,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


def _print_version(asked: bool) -> None:
    if asked:
        from lockwise import __version__

        typer.echo(f"lockwise {__version__}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _program(version: Annotated[bool, typer.Option(  # noqa: ARG001 - read by its callback
        "--version", help="Print lockwise's version and exit.", callback=_print_version,
        is_eager=True)] = False) -> None:
    # Options of the program itself, before any command (`lockwise --version`).
    pass

#: `--layout` of every command that reads a migration directory.
LayoutOption = Annotated[str | None, typer.Option(
    "--layout", help="Force a layout: " + ", ".join(sorted(LAYOUTS)) + ".")]


#: `--config` of every command that reads migrations.
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", readable=False,
    help="Config file (default: nearest lockwise.toml or pyproject.toml with "
    "[tool.lockwise], from the working directory up).")]

#: `--rules-dir` of the commands that read the rule catalog.
RulesDirOption = Annotated[list[Path] | None, typer.Option(
    "--rules-dir", readable=False, help="Extra folder of rule files (repeatable).")]


def command_config(ctx: typer.Context, config_file: Path | None) -> "Config":
    """The config in force for a command (`--config`, else the nearest one); a broken one is
    an input error (exit 2), for every command that reads it alike: a MySQL-only key
    (`server_version`, `character_set_server`) without a MySQL/MariaDB dialect included
    (check_mysql_only_keys), unless the command line gave the dialect or that key; a
    `character_set_server` the dialect in force lacks (check_charset_in_force)."""
    from lockwise.config import check_charset_in_force, check_mysql_only_keys, load_config

    try:
        config = load_config(config_file)
        check_charset_in_force(ctx, config)
        check_mysql_only_keys(ctx, config, config.dialect or "postgresql")
    except InputError as exc:
        fail_input(exc)
        raise  # unreachable: fail_input exits
    # Flyway's config module is loaded only to name files (or to forget the ones an earlier
    # command of this process named): a plain SQL folder's lint needs none of it.
    if config.flyway_config_files or config.flyway_working_directory or \
            config.flyway_install_dir or config.flyway_arguments or \
            "lockwise.discover.flyway_config" in sys.modules:
        from lockwise.discover.flyway_config import configure

        configure(config.root, config.flyway_config_files,
                  working_directory=config.flyway_working_directory,
                  install_dir=config.flyway_install_dir, arguments=config.flyway_arguments)
    return config


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"
    junit = "junit"
    gitlab = "gitlab"


class TemplatesMode(str, Enum):
    substitute = "substitute"
    skip = "skip"
    error = "error"


def say_no_migrations(paths: "Sequence[Path]", config: "Config") -> None:
    """The note of a run that found no migration in the `paths` named: no error (a new
    project has none yet), but said on stderr whatever the format, or a CI job pointed at
    the wrong folder would pass on nothing without a word. A path the `config` names is
    said as it wrote it (from `db/`, its `db/empty` is not `empty`)."""
    typer.echo(f"lockwise: no migrations found in {', '.join(map(config.as_written, paths))}",
               err=True)


def fail_input(error: Exception) -> None:
    """Print an input error as `lockwise: error: file:line:col: message` and exit 2."""
    typer.echo(f"lockwise: error: {error}", err=True)
    raise typer.Exit(EXIT_INPUT)


def _safety(value: str):
    """--fail-on's level, as given or configured (a configured one was checked already)."""
    from lockwise.core.types import Safety

    try:
        return Safety.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--fail-on'") from None


def comma_separated(values: list[str] | None) -> list[str] | None:
    """A repeatable option's values with each `a,b` split in two, as ruff and squawk take
    their rule lists (no rule id holds a comma)."""
    if values is None:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _pg_version(value: int) -> int:
    from lockwise.effects.versions import SUPPORTED_PG_VERSIONS

    if value not in SUPPORTED_PG_VERSIONS:
        raise typer.BadParameter(
            f"{value} is not supported; choose {SUPPORTED_PG_VERSIONS.start} to "
            f"{SUPPORTED_PG_VERSIONS.stop - 1}")
    return value


class SqlDialect(str, Enum):
    postgresql = "postgresql"
    mysql = "mysql"
    mariadb = "mariadb"


#: `--assume-in-transaction/--assume-no-transaction`: lint judges, and verify and trace run,
#: each migration so.
AssumeTransactionOption = Annotated[bool | None, typer.Option(
    "--assume-in-transaction/--assume-no-transaction",
    help="Whether the runner wraps each migration in a transaction (default: by layout).")]


def _dialect(value: str) -> str:
    from lockwise.options import DIALECT_CHOICES, dialect_named

    dialect = dialect_named(value)
    if dialect is None:
        raise typer.BadParameter(f"{value!r} is not a dialect lockwise reads: choose "
                                 f"{DIALECT_CHOICES}")
    return dialect


#: `--dialect` of the commands that read migrations (a string checked by `_dialect`, which
#: reads the common spellings, not the Enum itself).
DialectOption = Annotated[str, typer.Option(
    help="SQL dialect of the migrations: postgresql (or postgres, pg), mysql or mariadb.",
    callback=_dialect)]


#: What `lockwise lint` offers a MySQL/MariaDB history that a PostgreSQL-only command refuses.
LINT_CHECKS_MYSQL = ("checks them statement by statement, with the metadata locks each ALTER "
                     "takes and the ALGORITHM= / LOCK= clauses that avoid them")


def require_postgresql(ctx: typer.Context, cfg: "Config", why: str, *,
                       dialect: str = "postgresql",
                       lint_gives: str = LINT_CHECKS_MYSQL) -> None:
    """Exit 2 unless the command's dialect (its --dialect, else the config's `dialect`) is
    PostgreSQL: the command works on PostgreSQL only (`why`), and a MySQL file read as
    PostgreSQL is misjudged (MySQL's `ADD INDEX name (col)` reads as a column named `index`).
    The message names where the dialect was set and what `lint` does instead."""
    from lockwise.config import given, setting

    chosen = SqlDialect(setting(ctx, cfg, "dialect", dialect))
    if chosen is SqlDialect.postgresql:  # (its MySQL-only keys were refused: command_config)
        return
    source = f"--dialect {chosen.value}" if given(ctx, "dialect") else \
        f'dialect = "{chosen.value}" in {cfg.path}'
    name = "MySQL" if chosen is SqlDialect.mysql else "MariaDB"
    typer.echo(f"lockwise: error: {ctx.info_name} works on PostgreSQL migrations only "
               f"({why}), and {source} says these are {name} migrations; "
               f"`lockwise lint --dialect {chosen.value} PATH` {lint_gives}", err=True)
    raise typer.Exit(EXIT_INPUT)


def seconds_between(low: float, high: float, what: str) -> Callable[[float | None], float | None]:
    """A callback for an option of seconds: a finite number from `low` to `high` (`what` says
    what `high` is), else a usage error naming the option. The command line takes `nan` and
    `inf` as floats, which went on to crash int() or print `waited nans`."""
    def check(value: float | None) -> float | None:
        from lockwise.core.numbers import number_in

        if value is not None and number_in(value, low, high) is None:
            raise typer.BadParameter(f"{value} is not a number of seconds from {low:g} to "
                                     f"{high:g} ({what})")
        return value
    return check


_max_lock_seconds = seconds_between(0, MAX_SECONDS, "a year")


def _server_version(value: str | None) -> str | None:
    if value is None:
        return None
    from lockwise.effects.mysql import parse_server_version

    try:
        parse_server_version(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def _check_input_flags(ctx: typer.Context, stdin: bool, paths: bool, dialect: SqlDialect,
                       server_version: str | None, base: str | None = None) -> None:
    """Flags that would otherwise be dropped in silence: the user meant something else."""
    if stdin and paths:
        raise typer.BadParameter("reads one migration from stdin: give no paths with it "
                                 "(name the input with --stdin-filename)",
                                 param_hint="'--stdin'")
    if stdin and base is not None:
        raise typer.BadParameter("compares directories with a git ref, and --stdin reads one "
                                 "migration: lint the migration directory instead",
                                 param_hint="'--base'")
    from lockwise.config import given

    if not stdin and given(ctx, "stdin_filename"):
        raise typer.BadParameter("names the input of --stdin, which is not given",
                                 param_hint="'--stdin-filename'")
    if not ctx.params.get("stdin_filename", "<stdin>").strip():
        # (an unset variable in `--stdin-filename "$FILE"`): reports would name the input `.`
        raise typer.BadParameter("is empty: give the file name the report should use",
                                 param_hint="'--stdin-filename'")
    if server_version is not None and dialect is SqlDialect.postgresql:
        raise typer.BadParameter("is the MySQL/MariaDB server version (with --dialect mysql "
                                 "or mariadb); for PostgreSQL use --pg-version",
                                 param_hint="'--server-version'")
    if dialect is not SqlDialect.postgresql:
        from lockwise.config import POSTGRESQL_ONLY_KEYS

        for name, (hint, key) in _POSTGRESQL_ONLY_FLAGS.items():
            if given(ctx, name):
                raise typer.BadParameter(f"{POSTGRESQL_ONLY_KEYS[key]}: it means nothing to "
                                         f"--dialect {dialect.value}", param_hint=hint)


#: lint's flags that only the PostgreSQL pipeline reads (parameter name -> the option as
#: shown, and the config key it stands for, whose POSTGRESQL_ONLY_KEYS says what it is for):
#: with MySQL or MariaDB they would be dropped in silence.
_POSTGRESQL_ONLY_FLAGS = {
    "pg_version": ("'--pg-version'", "pg_version"),
    "stats_file": ("'--stats'", "stats"),
    "max_lock_seconds": ("'--max-lock-seconds'", "max_lock_seconds"),
    "profile_file": ("'--profile'", "profile"),
    "assume_in_transaction": ("'--assume-in-transaction / --assume-no-transaction'",
                              "assume_in_transaction"),
    "templates": ("'--templates'", "templates"),
}


@app.command()
def lint(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Migration directories or files (default: current directory).",
        readable=False)] = None,
    layout: LayoutOption = None,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="Report format.")] = OutputFormat.text,
    pg_version: Annotated[int, typer.Option(
        help="Target PostgreSQL major version (11-18).", callback=_pg_version)] = 16,
    dialect: DialectOption = "postgresql",
    server_version: Annotated[str | None, typer.Option(
        help="MySQL/MariaDB server version, e.g. 8.0.28 or 10.11 (default 8.4 / 10.11).",
        callback=_server_version)] = None,
    fail_on: Annotated[str, typer.Option(
        help="Exit 1 when a migration is at or above this level.")] = "requires-downtime",
    rules_dir: RulesDirOption = None,
    select: Annotated[list[str] | None, typer.Option(
        help="Only these rule ids or tags (repeatable, or comma-separated).",
        callback=comma_separated)] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        help="Skip these rule ids (repeatable, or comma-separated).",
        callback=comma_separated)] = None,
    assume_in_transaction: AssumeTransactionOption = None,
    stdin: Annotated[bool, typer.Option("--stdin", help="Read one migration from stdin.")] = False,
    stdin_filename: Annotated[str, typer.Option(
        help="File name to report for --stdin.")] = "<stdin>",
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Show every statement's locks, not only those with findings.")
    ] = False,
    color: Annotated[bool | None, typer.Option(
        "--color/--no-color", help="Colour the text report (default: only on a terminal, "
        "or with FORCE_COLOR set).")] = None,
    config_file: ConfigOption = None,
    templates: Annotated[TemplatesMode, typer.Option(
        help="Template placeholders ({{ }}, {% %}, ${}): substitute same-length identifiers, "
             "skip their statements, or error.")] = TemplatesMode.substitute,
    base: Annotated[str | None, typer.Option(
        "--base", help="Git ref (e.g. origin/main): lint only migrations added or changed "
        "since REF, with the full history replayed; also report conflicts with migrations "
        "added on REF since the branch point.")] = None,
    stats_file: Annotated[Path | None, typer.Option(
        "--stats", readable=False,
        help="Table statistics from `lockwise stats`: estimate each statement's "
        "duration and lock hold.")] = None,
    max_lock_seconds: Annotated[float | None, typer.Option(
        help="With --stats: a statement predicted to block reads or writes longer "
        "than this is requires-downtime (rule lock-held-too-long).",
        callback=_max_lock_seconds)] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Compute everything again instead of reusing the result of an "
        "earlier run on the same migrations and options (LOCKWISE_CACHE_DIR=off: never "
        "cache).")] = False,
    profile_file: Annotated[Path | None, typer.Option(
        "--profile", readable=False,
        help="Machine profile from `lockwise calibrate` (default: built-in "
        "constants).")] = None,
) -> None:
    """Lint migrations: safety level, locks, rewrites and safe alternatives per statement."""
    # These modules live as long as the process: the collector's pass over what importing
    # them made, before the dialect decides whether it pauses, would find nothing.
    with collector_paused():
        from lockwise.cli.inputs import collect, read_stdin
        from lockwise.cli.lint_run import cache_written_beside, lint_with_conflicts
        from lockwise.cli.lint_run import collector_paused as paused_for
        from lockwise.config import (
            apply_overrides,
            given,
            lint_options,
            path_setting,
            setting,
            threshold_for,
            unknown_rule,
            unknown_rule_message,
        )
        from lockwise.options import has_input_errors
        from lockwise.rules.directives import current_rule_ids

    cfg = command_config(ctx, config_file)  # it supplies what the command line leaves unsaid
    layout = setting(ctx, cfg, "layout", layout)
    pg_version = setting(ctx, cfg, "pg_version", pg_version)
    fail_on = setting(ctx, cfg, "fail_on", fail_on)
    select = setting(ctx, cfg, "select", select)
    ignore = setting(ctx, cfg, "ignore", ignore)
    if select or ignore:
        select, ignore = current_rule_ids(select or ()), current_rule_ids(ignore or ())
    assume_in_transaction = setting(ctx, cfg, "assume_in_transaction", assume_in_transaction)
    templates = TemplatesMode(setting(ctx, cfg, "templates", templates))
    dialect = SqlDialect(setting(ctx, cfg, "dialect", dialect))
    ctx.with_resource(paused_for(dialect.value))  # reading and printing too
    ctx.with_resource(cache_written_beside())  # the cache is written while the report prints
    _check_input_flags(ctx, stdin, bool(paths), dialect, server_version, base)
    server_version = setting(ctx, cfg, "server_version", server_version)
    profile_file = setting(ctx, cfg, "profile_file", profile_file)
    threshold = _safety(fail_on)
    try:
        from lockwise.rules.loader import check_rule_dir

        paths = path_setting(ctx, cfg, "paths", paths)
        rules_dir = path_setting(ctx, cfg, "rules_dir", rules_dir, check_rule_dir)
        if stdin:
            migrations, only = read_stdin(stdin_filename, layout), None
            histories, directories = [migrations], []
        else:
            # Chosen on the command line or in the config: a path named in a mysql/ folder
            # gets no note then.
            chosen = given(ctx, "dialect") or cfg.dialect is not None
            collected = collect(list(paths or [Path(".")]), layout, dialect.value, chosen)
            migrations, only, histories, directories = collected.migrations, collected.only, \
                collected.histories, collected.directories
            if not migrations:
                say_no_migrations(paths or [Path(".")], cfg)
        requests = None
        if base is not None and not stdin:
            from lockwise.graph.api import base_requests

            # REF's migrations are read from each directory the working ones were found in,
            # beside lint (the requests say what changed now; reading the trees is slow).
            requests = base_requests(directories, histories, base, layout, only)
            only = {path for r in requests for path in r.changed}
        stats = None
        if stats_file is not None:  # the cost model (docs/cost-model.md)
            from lockwise.cost.stats import load_stats

            stats = load_stats(stats_file)
        # The config's settings of the target (collation, stats ...) where none is given here.
        options = lint_options(
            cfg, dialect=dialect.value, server_version=server_version,
            pg_version=pg_version, fail_on=threshold,
            # Said, not the default: syntax that version lacks is reported.
            pg_version_stated=given(ctx, "pg_version") or cfg.pg_version is not None,
            assume_in_transaction=assume_in_transaction,
            rules_dirs=tuple(rules_dir or ()), select=frozenset(select or ()),
            ignore=frozenset(ignore or ()),
            only=frozenset(only) if only is not None else None,
            templates=templates.value, stats=stats, max_lock_seconds=max_lock_seconds,
        )
        if profile_file is not None:
            from lockwise.cost.profile import load_profile

            with cfg.reading("profile", configured=not given(ctx, "profile_file")):
                options.profile = load_profile(profile_file)
        rule_tags: dict[str, tuple[str, ...]] = {}  # what an override's `select` may name
        if select or ignore or cfg.overrides:
            from lockwise.graph.model import CONFLICT_TITLES
            from lockwise.rules.loader import load_rules, one_listing, rule_names
            from lockwise.rules.loader import rule_tags as tags_of

            # The catalog lint reads (no examples, the files listed once for the command).
            ctx.with_resource(one_listing())
            loaded = load_rules(tuple(rules_dir or ()), examples=False)
            rule_tags = tags_of(loaded)
            ids, tags = rule_names(loaded)
            cfg.check_rule_names(ids, tags, CONFLICT_TITLES)
            # What the config did not set came from the command line.
            for option, names, also in (("--select", select, tags),
                                        ("--ignore", ignore, set(CONFLICT_TITLES))):
                name = unknown_rule(names or (), ids, also)
                if name is not None:
                    raise typer.BadParameter(unknown_rule_message(name, ids | also),
                                             param_hint=f"'{option}'")
            # Both said for this run: that rule would report nothing (a tag selected and one
            # of its rules ignored is what both are for).
            both = sorted(set(select or ()) & set(ignore or ())) if given(ctx, "select") \
                and given(ctx, "ignore") else []
            if both:
                raise typer.BadParameter(f"{', '.join(both)} is given to --select too: a rule "
                                         "both selected and ignored reports nothing; give it "
                                         "to one of them", param_hint="'--ignore'")
        # Said on the command line for this run, without what makes it count (the config may
        # leave the stats to CI).
        for option, said in (("--max-lock-seconds", max_lock_seconds is not None),
                             ("--profile", given(ctx, "profile_file"))):
            if said and options.stats is None:
                typer.echo(f"lockwise: warning: {option} needs table sizes: pass --stats "
                           "FILE (written by `lockwise stats`)", err=True)
        shown: list[MigrationReport] | None = None

        def reports_ready(computed: "list[MigrationReport]") -> "list[MigrationReport]":
            """The reports as shown (the config's overrides applied), for the formats
            rendered from all of them at once."""
            nonlocal shown
            shown = apply_overrides(computed, cfg, rule_tags)
            return shown

        def thresholds(report: "MigrationReport") -> "Safety":
            return threshold_for(report, cfg, threshold)

        # The text, JSON, SARIF, GitHub and Markdown reports are given the reports migration
        # by migration as lint makes them: what the verdict reads of each is kept, not the
        # report (120 MB at 10,000 generated files).
        printer = None  # a TextPrinter, JsonPrinter, SarifPrinter, GithubPrinter, ...
        # (SARIF's, GitHub's or Markdown's: written once the conflicts are known)
        ci_printer = None
        parts: list[MigrationReport] = []
        ready: Callable[[list[MigrationReport]], object] | None = reports_ready
        if output_format is OutputFormat.text:
            from lockwise.report.text import TextPrinter

            printer, ready = TextPrinter(sys.stdout, verbose=verbose, color=color), None
        elif output_format is OutputFormat.json:
            from lockwise.report.json_report import JsonPrinter

            # Written to sys.stdout itself, not through click (ASCII only, so the bytes
            # click.echo would give); the tail too, after it: click could wrap the stream.
            # The document before its conflicts is written while the graph beside finishes.
            json_printer = JsonPrinter(sys.stdout.write, options=options)
            printer, ready = json_printer, lambda _: json_printer.end()
        elif output_format is OutputFormat.sarif:
            from lockwise.lint import rule_index
            from lockwise.report.sarif import SarifPrinter

            printer = ci_printer = SarifPrinter(rule_index(options).rules, fail_on=threshold,
                                                thresholds=thresholds, dialect=options.dialect)
            ready = None
        elif output_format is OutputFormat.github:
            from lockwise.report.github import GithubPrinter

            printer = ci_printer = GithubPrinter(fail_on=threshold, thresholds=thresholds)
            ready = None
        elif output_format is OutputFormat.markdown:
            from lockwise.report.markdown import MarkdownPrinter

            printer = ci_printer = MarkdownPrinter(fail_on=threshold, thresholds=thresholds)
            ready = None
        each_report = None
        if printer is not None:
            from lockwise.report.verdict import verdict_part

            def each_report(computed: "MigrationReport") -> None:
                shown_one = apply_overrides([computed], cfg, rule_tags)[0]
                printer.add(shown_one)
                parts.append(verdict_part(shown_one))

        # The object graph is built from PostgreSQL facts; MySQL gets per-statement checks.
        result = lint_with_conflicts(
            migrations, histories, options, base_requests=requests, use_cache=not no_cache,
            conflicts=not stdin and dialect is SqlDialect.postgresql,
            reports_ready=ready, each_report=each_report)
        if printer is not None:
            if printer is not ci_printer:
                printer.end()
            reports = parts
        else:  # not yet shown when the conflicts were known as soon as the reports
            reports = shown if shown is not None else reports_ready(result.reports)
        from lockwise.report.said_once import conflicts_not_said

        # A kind of conflict named in --ignore (or `ignore`) is left out of the report, and
        # what a finding says already (every format and the exit code read these).
        conflicts = conflicts_not_said(
            [c for c in result.conflicts if c.kind not in options.ignore], reports)
    except InputError as exc:
        fail_input(exc)
        return
    from lockwise.report.verdict import verdict_fails

    if output_format is OutputFormat.sarif and ci_printer is not None:
        # Written as it is encoded (ASCII only, so the bytes click.echo would give)
        ci_printer.write(conflicts, sys.stdout.write)
        sys.stdout.write("\n")
        sys.stdout.flush()
    elif ci_printer is not None:  # GitHub's or Markdown's, through click as the others
        ci_printer.write(conflicts, lambda text: typer.echo(text, nl=False))
    elif output_format.value in ("junit", "gitlab"):
        from lockwise.lint import rule_index
        from lockwise.report.ci_common import render_ci

        typer.echo(render_ci(output_format.value, reports, rule_index(options).rules,
                             fail_on=threshold, conflicts=conflicts, thresholds=thresholds,
                             dialect=options.dialect))
    elif output_format is OutputFormat.json:
        from lockwise.report.json_report import json_conflicts_tail

        # (after the head, written to sys.stdout itself: click may wrap it)
        sys.stdout.write(json_conflicts_tail([c.to_dict() for c in conflicts]) + "\n")
        sys.stdout.flush()
    elif conflicts:  # text: the reports are printed
        from lockwise.graph.render import render_conflicts_text

        render_conflicts_text(conflicts, sys.stdout, color=color)
    if has_input_errors(reports):
        raise typer.Exit(EXIT_INPUT)
    failing = verdict_fails(reports, conflicts, threshold, thresholds)
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_CLEAN)


def _command_rules(ctx: typer.Context, rules_dir: list[Path] | None,
                   config_file: Path | None) -> tuple["Rule", ...]:
    """The rules of a command that reads rules only, with those of --rules-dir, else of the
    config's `rules_dir`, so a team rule lint reports is one `rules` and `explain` know. A
    folder or rule file in error, or a config naming no rule, ends the command (exit 2)."""
    from lockwise.config import rules_dirs_setting
    from lockwise.rules.loader import load_rules

    cfg = command_config(ctx, config_file)
    try:
        return load_rules(rules_dirs_setting(ctx, cfg, rules_dir))
    except InputError as exc:
        fail_input(exc)
        raise  # (fail_input exits)


@app.command("rules")
def list_rules(
    ctx: typer.Context,
    rules_dir: RulesDirOption = None,
    config_file: ConfigOption = None,
) -> None:
    """List the rule catalog."""
    for rule in sorted(_command_rules(ctx, rules_dir, config_file), key=lambda r: r.id):
        typer.echo(f"{rule.id:<40} {rule.safety.label:<18} {rule.title}")


@app.command()
def explain(ctx: typer.Context,
            rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. set-not-null.")],
            rules_dir: RulesDirOption = None,
            config_file: ConfigOption = None,
            ) -> None:
    """Print a rule's documentation and examples."""
    from lockwise.report.rule_docs import rule_markdown
    from lockwise.rules.directives import RENAMED_RULES

    rules = {r.id: r for r in _command_rules(ctx, rules_dir, config_file)}
    rule_id = RENAMED_RULES.get(rule_id, rule_id)
    if rule_id not in rules:
        from lockwise.graph.model import CONFLICT_SAFETY, CONFLICT_TITLES

        if rule_id in CONFLICT_TITLES:  # the rule id of a conflict's finding in every report
            typer.echo(f"# {rule_id}\n\n**{CONFLICT_TITLES[rule_id]}** — safety: "
                       f"`{CONFLICT_SAFETY[rule_id].label}`\n\nA conflict between migrations, "
                       "found by replaying them in order (`lockwise lint`, `lockwise graph`): "
                       "its message names the migrations and the object involved. "
                       "docs/graph.md#conflicts says what each kind means and how to resolve "
                       f"it; `--ignore {rule_id}` leaves it out.")
            return
        from lockwise.config import unknown_rule_message

        typer.echo(f"lockwise: error: {unknown_rule_message(rule_id, rules)}", err=True)
        raise typer.Exit(EXIT_INPUT)
    typer.echo(rule_markdown(rules[rule_id]))


def command_name(info: typer.models.CommandInfo) -> str:
    """The name a registered command is invoked by (typer's own naming rule)."""
    return info.name or typer.main.get_command_name(info.callback.__name__)


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app `main()` runs for these command-line arguments.

    Typer turns every registered command into a click command (signature and type-hint
    introspection) before it parses a single argument: ~17 ms for all 13 commands, ~4 ms
    for `lint` alone, in a ~100 ms `lockwise lint` of one file. When the first argument names
    a command, only that command is built; any other invocation (`lockwise`, `--help`, an
    unknown or misspelt command, shell completion) gets the whole `app`, so top-level help,
    "did you mean" suggestions and completion see every command. A command defined in this
    module (`lint`, `rules`, `explain`) is found without importing the others' modules.
    """
    if not args or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return app
    chosen = [info for info in app.defined_here if command_name(info) == args[0]] or \
        [info for info in app.registered_commands if command_name(info) == args[0]]
    if len(chosen) != 1:
        return app
    narrowed = copy.copy(app)  # same settings; the registry lists of `app` stay untouched
    narrowed.more_commands = ()
    narrowed.registered_commands = chosen
    narrowed.registered_groups = []
    # Typer makes a lone command the whole program (`lockwise [OPTIONS]`, no subcommand
    # name). An empty callback record (every setting left at its default, so nothing
    # changes) keeps it a group: usage, help and errors read `lockwise lint ...` as before.
    narrowed.registered_callback = typer.models.TyperInfo()
    return narrowed


def main() -> None:
    """The command line in this process: typer, with usage errors mapped to exit code 2.
    Ends with SystemExit, as a typer app does."""
    _usable_streams()
    try:
        app_for(sys.argv[1:])()
    except KeyboardInterrupt:
        typer.echo("lockwise: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:
        # Input problems are InputErrors, reported with their file:line:column; this is the
        # machine refusing something else, such as the report going to a full disk. (A reader
        # that went away, `lockwise lint | head`, is click's: a quiet exit 1.)
        _report_os_error(exc)
        sys.exit(EXIT_INPUT)


def _usable_streams() -> None:
    """Output streams every report can be written to. Python has None for one the shell
    closed (`>&-`, `2>&-`): what would go there is discarded, as into /dev/null. One whose
    encoding lacks characters of a report (PYTHONIOENCODING=ascii, a legacy locale) gets
    them escaped (`\\xe9`) instead of failing on the first."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
            continue
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if not encoding.startswith("utf") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
        if not isinstance(stream, _ReaderMayLeave):
            setattr(sys, name, _ReaderMayLeave(stream))


class _ReaderMayLeave:
    """An output stream whose reader may stop reading (`lockwise rules | head -1`, a pager
    quit early): what is written after that is discarded, as into a closed stream, and the
    command runs to its end. Click turned the broken pipe into exit 1 wherever it came, so
    `rules | head` failed and a clean `lint` read by `head` said "findings"; the exit code
    is now the command's own. Everything else is the stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._reader_left()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_left()

    def _reader_left(self) -> None:
        # The stream's descriptor now writes to /dev/null: what its buffer still holds, and
        # Python's flush at exit, go there instead of failing again.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


#: Commands that hold nothing open once they return (no server, connection, child process or
#: file left to close), so their process may end without Python's own shutdown.
LEAVE_NOTHING_OPEN = frozenset({"lint", "graph", "rules", "explain"})


def run() -> None:
    """Console entry point (`lockwise`, `python -m lockwise`): `main()`, then, for a command
    in LEAVE_NOTHING_OPEN, the process ends at once with main's exit status.

    Python's shutdown tears down every module and object one by one: 18 ms of a 105 ms
    `lockwise lint` of one file (pglast's AST classes and enums, the rule catalog), for
    nothing, since the process is ending. Output is flushed first; a reader that stopped
    early (`lockwise lint | head`) is not an error.
    """
    args = sys.argv[1:]
    try:
        main()
    except SystemExit as exc:
        keep_compiled()  # the report's dataclasses too, defined after lint kept its code
        if not args or args[0] not in LEAVE_NOTHING_OPEN:
            raise
        os._exit(_flushed_exit_status(exc.code))


def _flushed_exit_status(code: object) -> int:
    """What Python makes of `sys.exit(code)`, with stdout and stderr flushed first."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass  # a closed pipe or stream: nobody is left to read it
        except OSError as exc:  # the end of the report is lost (a full disk)
            if stream is sys.stdout:
                _report_os_error(exc)
                status = EXIT_INPUT
    return status


def _report_os_error(exc: OSError) -> None:
    where = f"{exc.filename}: " if exc.filename else ""
    with contextlib.suppress(OSError, ValueError):
        typer.echo(f"lockwise: error: {where}{exc.strerror or exc}", err=True)
# The other commands, in the order `lockwise --help` lists them (cost_cmds imports
# executor_cmds first). Importing them was 1.4% of a one-file `lockwise lint`.
app.more_commands = ("lockwise.cli.cost_cmds", "lockwise.cli.executor_cmds",
                     "lockwise.cli.fix_cmds", "lockwise.cli.graph_cmds",
                     "lockwise.cli.verify_cmds")
