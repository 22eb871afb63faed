"""Project configuration: `lockwise.toml`, or `[tool.lockwise]` in `pyproject.toml`.

Found by walking up from the working directory (the first directory holding either file with
lockwise settings wins; in one directory `lockwise.toml` wins), or named with `--config FILE`.
Relative paths in it are relative to the file. Command-line flags override it. Every problem
is an InputError naming the file, the key and, when it can be found, the line.

    [tool.lockwise]
    migrations = ["db/migrations"]
    layout = "golang-migrate"
    pg_version = 15
    collation = "C"
    fail_on = "safe-with-care"
    select = []
    ignore = ["missing-lock-timeout"]
    stats = "ops/table-stats.json"
    max_lock_seconds = 2.0
    assume_in_transaction = true
    rules_dir = ["ops/lockwise-rules"]
    templates = "substitute"

    [[tool.lockwise.overrides]]
    path = "db/migrations/legacy/**"
    ignore = ["drop-column"]
    fail_on = "destructive"
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockwise.core.lazy_re import lazy_compile
from lockwise.core.numbers import MAX_SECONDS, number_in
from lockwise.core.types import MigrationReport, Safety
from lockwise.options import INPUT_ERROR_RULES, LintOptions
from lockwise.parse.source import (
    InputError,
    missing_path_error,
    os_input_error,
    parse_toml,
    path_error,
    read_text_file,
)
from lockwise.rules.directives import current_rule_ids

if TYPE_CHECKING:
    from lockwise.config.overrides import Override
    from lockwise.core.globs import Glob

CONFIG_FILE = "lockwise.toml"
PYPROJECT = "pyproject.toml"

#: Each key and a description of the value it takes, for error messages.
KEYS: dict[str, str] = {
    "migrations": "a path or a list of paths",
    "layout": "a layout name",
    "pg_version": "a PostgreSQL major version (integer)",
    "collation": "the database's default collation, such as \"C\" or \"en_US.UTF-8\"",
    "fail_on": "a safety level",
    "select": "a list of rule ids or tags",
    "ignore": "a list of rule ids",
    "overrides": "an array of tables, each with a `path` glob",
    "stats": "a path to a statistics file",
    "max_lock_seconds": "a positive number of seconds, at most a year",
    "assume_in_transaction": "true or false",
    "rules_dir": "a path or a list of paths",
    "templates": "substitute, skip or error",
    "dialect": "postgresql (or postgres, pg), mysql or mariadb",
    "server_version": "a MySQL/MariaDB server version such as \"8.0.29\"",
    "character_set_server": "the MySQL/MariaDB server's default character set, such as "
                            "\"utf8mb4\"",
    "profile": "a path to a machine profile from `lockwise calibrate`",
    "allow_out_of_order": "true or false",
    "history_table": "the executor's history table, `table` or `schema.table`",
    "flyway_config_files": "a path or a list of paths of Flyway config files",
    "flyway_working_directory": "the path of the -workingDirectory of Flyway's run",
    "flyway_install_dir": "the path of the folder Flyway is installed in",
    "flyway_args": "the arguments of Flyway's command line run in the config's folder, "
                   "such as [\"-environment=ci\", \"-mixed=true\"]",
}
OVERRIDE_KEYS = {"path", "select", "ignore", "fail_on"}

#: The keys only PostgreSQL's pipeline and commands read, and what each is for: beside a
#: `dialect` of MySQL or MariaDB they would be read by nothing (lint's flags of the same
#: names are refused with `--dialect mysql` for that reason).
POSTGRESQL_ONLY_KEYS: dict[str, str] = {
    "pg_version": "is the PostgreSQL major version (MySQL's and MariaDB's is the server "
                  "version)",
    "collation": "is the PostgreSQL database's default collation",
    "stats": "estimates PostgreSQL's durations and lock holds",
    "max_lock_seconds": "judges PostgreSQL's estimated lock holds",
    "profile": "calibrates PostgreSQL's duration estimates",
    "assume_in_transaction": "says whether PostgreSQL runs each migration in a transaction "
                             "(MySQL commits implicitly around every DDL statement)",
    "templates": "reads template placeholders in PostgreSQL migrations",
    "history_table": "names the history table of `lockwise apply`, which runs PostgreSQL "
                     "migrations only",
    "allow_out_of_order": "is read by `lockwise apply`, which runs PostgreSQL migrations only",
}
#: The keys only MySQL's and MariaDB's pipeline reads: beside `dialect = "postgresql"`, read
#: by nothing.
MYSQL_ONLY_KEYS: dict[str, str] = {
    "server_version": "is the MySQL/MariaDB server version (PostgreSQL's is `pg_version`)",
    "character_set_server": "is the MySQL/MariaDB server's default character set",
}


@dataclass(slots=True)
class Config:
    """The settings of a `lockwise.toml` or `[tool.lockwise]` table (None: not set)."""

    path: Path | None = None
    migrations: list[Path] = field(default_factory=list)
    layout: str | None = None
    pg_version: int | None = None
    #: The database's default collation (`Context.default_collation`): "C", "POSIX",
    #: "pg_c_utf8" ... make a plain B-tree serve a pattern's prefix (effects/collations.py).
    collation: str | None = None
    fail_on: Safety | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    stats: Path | None = None
    max_lock_seconds: float | None = None
    assume_in_transaction: bool | None = None
    rules_dir: list[Path] = field(default_factory=list)
    templates: str | None = None
    dialect: str | None = None
    server_version: str | None = None
    #: The MySQL/MariaDB server's character_set_server, where it is not the version's
    #: default (a string column no character set was named for has it).
    character_set_server: str | None = None
    profile: Path | None = None
    #: `lockwise apply` runs pending migrations older than an applied one (docs/executor.md).
    allow_out_of_order: bool | None = None
    #: The executor's history table, as --history-table names it (validated).
    history_table: str | None = None
    #: The config files Flyway's command line, run in the config's folder, is given
    #: (`-configFiles`): read after that folder's own (discover/flyway_config.py).
    flyway_config_files: list[Path] = field(default_factory=list)
    #: That run's `-workingDirectory`: its config files are read after the config folder's,
    #: its locations from there.
    flyway_working_directory: Path | None = None
    #: The folder Flyway is installed in: its `conf/` files are read first by every run.
    flyway_install_dir: Path | None = None
    #: The settings `flyway_args` gives that run (`-environment`, `-locations`, `-mixed`,
    #: ...), by Flyway's name: over its config files and environment variables.
    flyway_arguments: dict[str, str] = field(default_factory=dict)
    #: Each path above as the config wrote it (it is resolved from the config's folder):
    #: what an error placed at its key names.
    written: dict[Path, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def _relative(self, path: Path) -> str | None:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, OSError):
            return None

    @contextlib.contextmanager
    def reading(self, key: str, configured: bool = True) -> Iterator[None]:
        """Around reading the file the config's `key` names: an InputError about it is placed
        at that key in the config (nothing on the command line names the file). Passes it on
        as it is when the file was not the config's (`configured` False)."""
        try:
            yield
        except InputError as exc:
            if not configured or self.path is None:
                raise
            raise InputError(f"config: `{key}` names {self._as_written(exc)}", self.path,
                             _line_of(self.path, key)) from None

    def _as_written(self, error: InputError) -> InputError:
        """`error` about a path the config names (or a file in that folder) with that path as
        the config wrote it: from another working directory than the config's folder, the
        path lockwise opened (`../db/x`, `/repo/db/x`) is not what the key says."""
        if error.path is None:
            return error
        opened = Path(error.path)
        for path, text in self.written.items():
            if opened == path or path in opened.parents:
                return InputError(error.message, Path(text) / opened.relative_to(path),
                                  error.line, error.column)
        return error

    def as_written(self, path: Path) -> str:
        """`path` as the config wrote it when it is one the config names (the very object a
        setting took from it: the same path given on the command line is not), else as it
        is: a note about it then names what the key says, as an error at the key does."""
        return next((text for named, text in self.written.items() if named is path),
                    str(path))

    def overrides_for(self, path: Path) -> list[Override]:
        relative = self._relative(path)
        if relative is None:
            return []
        return [o for o in self.overrides if o.matches(relative)]

    def check_rule_names(self, rule_ids: Iterable[str], tags: Iterable[str],
                         conflict_kinds: Iterable[str] = ()) -> None:
        """Unknown rule ids in select/ignore are typos that would silently do nothing. The
        top-level `ignore` may also name kinds of conflict (`down-mismatch`), which it leaves
        out of the report."""
        ids, known_tags = set(rule_ids), set(tags)
        lists: list[tuple[int | None, str, Iterable[str], set[str]]] = [
            (None, "select", self.select, known_tags),
            (None, "ignore", self.ignore, set(conflict_kinds))]
        for i, o in enumerate(self.overrides, 1):
            lists += [(i, "select", o.select, known_tags), (i, "ignore", o.ignore, set())]
        for entry, key, names, also in lists:
            name = unknown_rule(names, ids, also)
            if name is not None:
                reader = _Reader(self.path, entry=entry)
                raise reader.fail(key, unknown_rule_message(
                    name, ids | also, f" in `{reader.name(key)}`"))


def unknown_rule(names: Iterable[str], ids: set[str], also: set[str]) -> str | None:
    """The first of `names` that is neither a rule id nor one of `also` (tags, kinds of
    conflict): a typo in a select or ignore list, which would silently lint with no rule,
    or ignore nothing."""
    return next((n for n in names if n not in ids and n not in also), None)


_OVERRIDE_HEADER = lazy_compile(r"^[ \t]*\[\[[ \t]*(?:tool\.lockwise\.)?overrides[ \t]*\]\]",
                                re.MULTILINE)
_TABLE_HEADER = lazy_compile(r"^[ \t]*\[", re.MULTILINE)


def _line_of(path: Path | None, key: str, entry: int | None = None) -> int:
    """The line where `key` is set in the file, for the error message (1 when not found);
    with `entry`, the key of that `[[overrides]]` table (its header line when the key is not
    written in it, the `overrides` line when the entries are inline tables)."""
    if path is None:
        return 1
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 1
    start, end = 0, len(text)
    if entry is not None:
        headers = list(_OVERRIDE_HEADER.finditer(text))
        if len(headers) < entry:
            return _line_of(path, "overrides")
        header = headers[entry - 1]
        start = header.end()
        following = _TABLE_HEADER.search(text, start)
        end = following.start() if following else len(text)
    pattern = re.compile(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=", re.MULTILINE)
    # or a table of that name (`[overrides]`, one pair of brackets short of an array's)
    table = re.compile(rf"^[ \t]*\[[ \t]*(?:tool\.lockwise\.)?{re.escape(key)}[ \t]*[\].]",
                       re.MULTILINE)
    match = pattern.search(text, start, end) or (
        table.search(text, start, end) if entry is None else None)
    if match is None:
        return 1 if entry is None else text.count("\n", 0, header.start()) + 1
    return text.count("\n", 0, match.start()) + 1


def glob_pattern(glob: str) -> Glob:
    """A glob over `/`-separated paths: `*` and `?` stay within a folder, `**` crosses them,
    `**/` is any number of folders. Matched in time linear in the path (`core.globs`): as a
    regular expression, a glob of many `*` tried each way of placing them against a long
    path."""
    from lockwise.core.globs import Glob

    return Glob(glob.strip("/"))


def _glob_matching_nothing_meant(glob: str) -> str | None:
    """Why an override's `glob` would match none of the migrations it means (None: it may):
    glob_pattern reads `[` and `{` as themselves, and the paths it matches are those below
    the config's folder."""
    for sign, what in (("[", "a character class `[...]`"), ("{", "alternatives `{a,b}`")):
        if sign in glob:
            return (f"`{sign}` is no glob syntax here (lockwise's globs have `*`, `?` and "
                    f"`**`, not {what}): give one override per path instead")
    if ".." in glob.split("/"):
        return ("`..` leaves the config's folder, and overrides match the migrations below "
                "it (their paths relative to the config file)")
    return None


class _Reader:
    """Checks values key by key, naming the file and the key in every error; with `entry`,
    the keys of that `[[overrides]]` table (numbered from 1), named and placed as such."""

    def __init__(self, path: Path | None, entry: int | None = None):
        self.path = path
        self.entry = entry

    def name(self, key: str) -> str:
        return key if self.entry is None else f"overrides[{self.entry}].{key}"

    def fail(self, key: str, message: str) -> InputError:
        return InputError(f"config: {message}", self.path,
                          _line_of(self.path, key, self.entry), 1)

    def bad(self, key: str, value: object, what: str) -> InputError:
        return self.fail(key, f"`{self.name(key)}` must be {what}, not {value!r}")

    def strings(self, key: str, value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        raise self.bad(key, value, "a string or a list of strings")

    def paths(self, key: str, value: object, written: dict[Path, str],
              base: Path | None = None) -> list[Path]:
        """The paths `value` names, resolved from `base` (the config's folder when None);
        each is kept in `written` with its text as the config has it, for errors about it."""
        base = base or (self.path.parent if self.path else Path.cwd())
        out = []
        for text in self.strings(key, value):
            if not text.strip() or "\0" in text:  # the config's own folder; no path at all
                raise self.fail(key, f"`{self.name(key)}` must name paths, not {text!r}: "
                                     "give each relative to the config file (`.` for its "
                                     "folder)")
            path = _from_working_directory(base / text)
            written[path] = text
            out.append(path)
        return out

    def safety(self, key: str, value: object) -> Safety:
        if not isinstance(value, str):
            raise self.bad(key, value, "a safety level as a string")
        try:
            return Safety.parse(value)
        except ValueError as exc:
            raise self.fail(key, f"`{self.name(key)}`: {exc}") from None

    def unknown(self, raw: dict, known: Iterable[str], where: str) -> None:
        for key in raw:
            if key not in known:
                hint = close_match(key.replace("-", "_"), known)
                raise self.fail(key, f"unknown key `{key}` in {where}{hint}; known keys: "
                                     f"{', '.join(sorted(known))}")


def _from_working_directory(path: Path) -> Path:
    """`path` (absolute: the config file's folder joined) relative to the working directory
    when it lies there, as a path named on the command line is: reports show a migration's
    path as it was given (relative, as ruff shows them), whichever named it."""
    try:
        return path.relative_to(Path.cwd().resolve())
    except (ValueError, OSError):  # elsewhere (a config file above it), or no cwd
        return path


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to a misspelt `name`, if one is close."""
    import difflib

    match = difflib.get_close_matches(name, list(known), n=1)
    return match[0] if match else None


def close_match(name: str, known: Iterable[str]) -> str:
    """` (did you mean `x`?)` for the known name closest to a misspelt `name`, else ""."""
    meant = closest(name, known)
    return f" (did you mean `{meant}`?)" if meant else ""


def unknown_rule_message(name: str, known: Iterable[str], where: str = "") -> str:
    """The error for `name`, which is no rule id (nor tag or kind the list takes): the closest
    of `known` (rule ids are lower case, with hyphens), and where the rules are listed."""
    meant = close_match(name.lower().replace("_", "-"), known)
    return f"unknown rule {name!r}{where}{meant}; `lockwise rules` lists them"


def parse_config(raw: dict, path: Path | None, table: str = "[tool.lockwise]") -> Config:
    """Validate a settings table into a Config."""
    from lockwise.discover.layouts import LAYOUTS
    from lockwise.effects.context import SUPPORTED_PG_VERSIONS
    from lockwise.effects.mysql import parse_server_version
    from lockwise.options import DIALECT_CHOICES, dialect_named
    from lockwise.parse.templates import MODES

    r = _Reader(path)
    r.unknown(raw, KEYS, table)
    config = Config(path=path)
    for key, value in raw.items():
        if key in ("migrations", "rules_dir"):
            setattr(config, key, r.paths(key, value, config.written))
        elif key in ("select", "ignore"):
            setattr(config, key, current_rule_ids(r.strings(key, value)))
        elif key == "layout":
            if not isinstance(value, str) or value not in LAYOUTS:
                raise r.bad(key, value, f"one of {', '.join(LAYOUTS)}")
            config.layout = value
        elif key == "pg_version":
            if isinstance(value, bool) or not isinstance(value, int) or \
                    value not in SUPPORTED_PG_VERSIONS:
                raise r.bad(key, value, f"an integer from {SUPPORTED_PG_VERSIONS.start} to "
                                        f"{SUPPORTED_PG_VERSIONS.stop - 1}")
            config.pg_version = value
        elif key == "collation":
            if not isinstance(value, str) or not value.strip():
                raise r.bad(key, value, KEYS[key])
            config.collation = value.strip()
        elif key == "fail_on":
            config.fail_on = r.safety(key, value)
        elif key == "stats":
            if not isinstance(value, str):
                raise r.bad(key, value, "a path (string)")
            config.stats = r.paths(key, value, config.written)[0]
        elif key == "max_lock_seconds":
            seconds = number_in(value, 0, MAX_SECONDS, above_low=True)
            if seconds is None:
                raise r.bad(key, value, KEYS[key])
            config.max_lock_seconds = seconds
        elif key in ("assume_in_transaction", "allow_out_of_order"):
            if not isinstance(value, bool):
                raise r.bad(key, value, "true or false")
            setattr(config, key, value)
        elif key == "templates":
            if value not in MODES:
                raise r.bad(key, value, f"one of {', '.join(MODES)}")
            config.templates = value
        elif key == "overrides":
            config.overrides = _overrides(r, value, table)
        elif key == "dialect":
            dialect = dialect_named(value)
            if dialect is None:
                raise r.bad(key, value, DIALECT_CHOICES)
            config.dialect = dialect
        elif key == "server_version":
            try:
                parse_server_version(value if isinstance(value, str) else "")
            except ValueError:
                raise r.bad(key, value, "a version string such as \"8.0.29\" or \"10.11\"")\
                    from None
            config.server_version = value
        elif key == "character_set_server":
            if not isinstance(value, str) or not re.fullmatch(r"\s*\w+\s*", value):
                raise r.bad(key, value, KEYS[key])
            config.character_set_server = value.strip().lower()
            _check_charset(r, config.character_set_server, None)
        elif key == "history_table":
            from lockwise.executor.history import HistoryNameError, HistoryTable

            if not isinstance(value, str):
                raise r.bad(key, value, "a table name, `table` or `schema.table`")
            try:
                HistoryTable.parse(value)
            except HistoryNameError as exc:
                raise r.fail(key, f"`{r.name(key)}`: {exc}") from None
            config.history_table = value.strip()
        elif key == "profile":
            if not isinstance(value, str):
                raise r.bad(key, value, "a path (string)")
            config.profile = r.paths(key, value, config.written)[0]
        elif key == "flyway_config_files":
            r.strings(key, value)  # (read once the working directory is known)
        elif key in ("flyway_working_directory", "flyway_install_dir"):
            if not isinstance(value, str):
                raise r.bad(key, value, "a path (string)")
            folder = r.paths(key, value, config.written)[0]
            if (why := _not_a(folder, folder=True)) is not None:
                raise r.fail(key, f"`{key}` names {value}, {why}: name it relative to the "
                                  "config file")
            setattr(config, key, folder)
    if "flyway_args" in raw:
        _flyway_args(r, raw, config)
    if "flyway_config_files" in raw or "-configFiles" in config.flyway_arguments:
        _flyway_config_files(r, raw, config)
    if config.dialect is not None:
        _check_dialect_keys(r, raw, config.dialect)
    return config


def _check_charset(r: _Reader, name: str, flavour: str | None) -> None:
    """An error at `character_set_server` when the server (`flavour`'s, else either) does
    not know the character set `name` (its bytes would be counted as utf8mb4's)."""
    from lockwise.effects.mysql import CHARSET_BYTES, unknown_charset

    why = unknown_charset(name, flavour)
    if why is not None:
        meant = "" if name in CHARSET_BYTES else close_match(name, CHARSET_BYTES)
        raise r.fail("character_set_server", f"`character_set_server` = {name!r} is {why}"
                     f"{meant}: name one that SHOW CHARACTER SET lists, such as \"utf8mb4\" "
                     "or \"latin1\"")


def _not_a(path: Path, *, folder: bool) -> str | None:
    """Why `path` is not a folder (`folder`) or a file, as a message at the key naming it
    says it; None when it is one. The system's refusal to look (a name longer than it
    allows) is said too: an OSError escaping would name the path, not the key."""
    try:
        if path.is_dir() if folder else path.is_file():
            return None
    except OSError as exc:
        return f"which the system refuses to look at ({exc.strerror or exc}; a name longer " \
            "than 255 bytes, or a path longer than the system allows, is refused)"
    return "which is not a folder" if folder else "which is not a file"


#: The arguments of Flyway's command line `flyway_args` reads (`-name=value`): the settings
#: lockwise reads of a run (`-url=`: the database it migrates, whose kind decides the
#: dialect), the environment it selects, how it finds its config files, and any
#: `-environments.<name>.<key>=` (one environment's setting); the other arguments
#: (`-user=`, `migrate`, `-X`) say nothing lint reads.
FLYWAY_ARGUMENTS = ("environment", "locations", "mixed", "executeInTransaction", "initSql",
                    "configFiles", "workingDirectory", "configFileEncoding", "url",
                    # placeholders and the built-in ones' values (fix-layouts23)
                    "placeholderReplacement", "placeholderPrefix", "placeholderSuffix",
                    "defaultSchema", "schemas", "user", "table")
#: Those `flyway_args` takes as another key of the config does.
_ARGUMENT_KEYS = {"-configFiles": "flyway_config_files",
                  "-workingDirectory": "flyway_working_directory"}


def _flyway_args(r: _Reader, raw: dict, config: Config) -> None:
    """Read `flyway_args`, the arguments of the Flyway run in the config's folder, as
    Flyway's command line reads them (`-name=value`, the first of a name counts): the
    settings of FLYWAY_ARGUMENTS into `flyway_arguments`; `-workingDirectory` as
    `flyway_working_directory` (`-configFiles` is read by `_flyway_config_files`). A
    boolean other than `true` or `false`, or a name the config also sets by its own key, is
    an error at the key."""
    key = "flyway_args"
    arguments: dict[str, str] = {}
    for argument in r.strings(key, raw[key]):
        name, equals, value = argument.strip().partition("=")
        if equals and name.startswith("-") and (name[1:] in FLYWAY_ARGUMENTS or
                                                name.startswith(("-environments.",
                                                                 "-placeholders."))):
            arguments.setdefault(name, value)
    for name, value in arguments.items():
        if (own := _ARGUMENT_KEYS.get(name)) is not None and own in raw:
            raise r.fail(key, f"`{key}` gives {name} and `{own}` sets it too: give it once")
        if _flyway_boolean(name) and value not in ("true", "false"):
            raise r.fail(key, f"`{key}` gives {name}={value}: Flyway takes only true or false "
                              "there and stops before it migrates anything")
    if "-workingDirectory" in arguments:
        folder = r.paths(key, arguments["-workingDirectory"], config.written)[0]
        if (why := _not_a(folder, folder=True)) is not None:
            raise r.fail(key, f"`{key}` gives -workingDirectory={arguments['-workingDirectory']}"
                              f", {why}: give it relative to the config file")
        config.flyway_working_directory = folder
    config.flyway_arguments = arguments


def _flyway_boolean(name: str) -> bool:
    """Whether the `flyway_args` argument `name` sets one of the booleans lockwise reads:
    `-mixed`, `-executeInTransaction`, or one environment's override of them
    (`-environments.<name>.flyway.mixed`)."""
    setting = name.removeprefix("-")
    if setting.startswith("environments."):
        setting = setting.partition(".flyway.")[2]
    return setting in ("mixed", "executeInTransaction", "placeholderReplacement")


def _flyway_config_files(r: _Reader, raw: dict, config: Config) -> None:
    """Read `flyway_config_files` (or `flyway_args`' `-configFiles`, comma-separated): the
    `-configFiles` of the Flyway run in the config's folder, each relative to the folder
    Flyway resolves it from, its `-workingDirectory` (`flyway_working_directory`) when one
    is set, else the folder it runs in (the config's). Each must be a file, all of one kind
    (Flyway refuses TOML and conf files named together)."""
    key = "flyway_config_files" if "flyway_config_files" in raw else "flyway_args"
    value = raw[key] if key == "flyway_config_files" else \
        [name for name in config.flyway_arguments["-configFiles"].split(",") if name.strip()]
    config.flyway_config_files = r.paths(key, value, config.written,
                                         config.flyway_working_directory)
    where = "the working directory (`flyway_working_directory`), as Flyway reads it from " \
        "there" if config.flyway_working_directory is not None else "the config file"
    for path in config.flyway_config_files:
        if (why := _not_a(path, folder=False)) is not None:
            raise r.fail(key, f"`{key}` names {config.written[path]}, {why}: name each "
                              f"Flyway config file relative to {where}")
    from lockwise.discover.flyway_config import mixed_kinds

    why = mixed_kinds(config.flyway_config_files, f"`{key}`", lambda path: config.written[path])
    if why is not None:
        raise r.fail(key, why)


def _check_dialect_keys(r: _Reader, raw: dict, dialect: str) -> None:
    """An error at the first key that the config's own `dialect` leaves unread (`pg_version`
    beside `dialect = "mysql"`): it was accepted in silence, and a command-line `--dialect`
    cannot make both halves of the config true."""
    foreign = MYSQL_ONLY_KEYS if dialect == "postgresql" else POSTGRESQL_ONLY_KEYS
    key = next((k for k in raw if k in foreign), None)
    if key is not None:
        raise r.fail(key, f"`{key}` {foreign[key]}, and `dialect = \"{dialect}\"` says these "
                          "are not such migrations: nothing reads it; remove it, or the "
                          "`dialect`")


def _overrides(r: _Reader, value: object, table: str) -> list[Override]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        header = "[[tool.lockwise.overrides]]" if table.startswith("[tool.") else \
            "[[overrides]]"
        raise r.bad("overrides", value, f"an array of tables ({header})")
    # Its own module: a lint of a config without overrides (most) defines no Override.
    from lockwise.config.overrides import Override

    out = []
    for i, item in enumerate(value, 1):
        entry = _Reader(r.path, entry=i)
        entry.unknown(item, OVERRIDE_KEYS, f"{table} overrides[{i}]")
        glob = item.get("path")
        if not isinstance(glob, str) or not glob.strip():
            raise entry.fail("path", f"overrides[{i}] needs `path`, a glob such as "
                                     "\"db/legacy/**\"")
        unmatched = _glob_matching_nothing_meant(glob)
        if unmatched is not None:
            raise entry.fail("path", f"`{entry.name('path')}` = {glob!r}: {unmatched}")
        out.append(Override(
            path=glob, pattern=glob_pattern(glob),
            select=frozenset(current_rule_ids(entry.strings("select", item.get("select", [])))),
            ignore=frozenset(current_rule_ids(entry.strings("ignore", item.get("ignore", [])))),
            fail_on=entry.safety("fail_on", item["fail_on"]) if "fail_on" in item else None,
        ))
    return out


def _read_toml(path: Path) -> dict:
    return parse_toml(read_text_file(path, "config file"), path, "config: ")


def load_file(path: Path) -> Config:
    """Read one config file: `lockwise.toml` (keys at the top) or a pyproject.toml. `path`
    is kept as given: errors, and the config's own path, name it so."""
    if not path.is_file():
        raise path_error("config: not a regular file" if path.exists() else
                         "config: no such file", path)
    raw = _read_toml(path)
    tool = _tool_table(raw)
    if path.name == PYPROJECT or "lockwise" in tool:
        section = tool.get("lockwise")
        if section is None:
            raise InputError("config: no [tool.lockwise] table in this file", path)
        if not isinstance(section, dict):
            raise _Reader(path).fail("lockwise", "`tool.lockwise` must be a table")
        return parse_config(section, path)
    return parse_config(raw, path, path.name)  # lockwise.toml, or --config's


def find_config(start: Path | None = None) -> Path | None:
    """The nearest lockwise.toml, or pyproject.toml with [tool.lockwise], from `start` up."""
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _has_lockwise_table(pyproject):
            return pyproject
    return None


def _has_lockwise_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    # Cheap test first; a broken pyproject.toml that mentions lockwise is then an error.
    if "tool.lockwise" not in text:
        return False
    return "lockwise" in _tool_table(_read_toml(pyproject))


def _tool_table(document: dict) -> dict:
    """The `[tool]` table of a TOML document; empty when it has none, or `tool` is no table
    (`tool = 5` is nobody's config)."""
    tool = document.get("tool")
    return tool if isinstance(tool, dict) else {}


def load_config(explicit: Path | None = None, start: Path | None = None) -> Config:
    """The config in force: `explicit` (--config), else the nearest one, else defaults."""
    if explicit is not None:
        return load_file(explicit)
    found = find_config(start)
    # Named from the working directory when found below it, as a path given there would be.
    return load_file(_from_working_directory(found)) if found else Config()


# --- applying per-path overrides to reports -------------------------------------------------

def apply_overrides(reports: Sequence[MigrationReport], config: Config,
                    tags: dict[str, tuple[str, ...]] | None = None) -> list[MigrationReport]:
    """The reports with the findings that the overrides of each migration's path ignore (or
    do not select) dropped; `tags` (rule id -> tags) lets `select` name tags. The reports
    given are not changed (the overridden ones are copies): they may be what the result
    cache stores, which holds what was computed, not what a config shows of it."""
    if not config.overrides:
        return list(reports)
    from dataclasses import replace

    from lockwise.lint import migration_reason, statement_reason

    tags = tags or {}
    out = []
    for report in reports:
        matching = config.overrides_for(report.migration.path)
        ignore = frozenset().union(*(o.ignore for o in matching))
        select = frozenset().union(*(o.select for o in matching))
        if not ignore and not select:
            out.append(report)
            continue

        def keep(rule: str, ignore: frozenset = ignore, select: frozenset = select) -> bool:
            if rule in INPUT_ERROR_RULES:  # a parse error must still fail the run
                return True
            return rule not in ignore and (not select or rule in select or
                                           any(t in select for t in tags.get(rule, ())))

        statements = []
        for s in report.statements:
            findings = [f for f in s.findings if keep(f.rule)]
            statements.append(replace(
                s, findings=findings, safety=max((f.safety for f in findings),
                                                 default=Safety.SAFE),
                reason=statement_reason(findings, s.effect)))
        kept = replace(report, findings=[f for f in report.findings if keep(f.rule)],
                       statements=statements)
        kept.safety = max((f.safety for f in kept.all_findings), default=Safety.SAFE)
        kept.reason = migration_reason(kept.statements, kept.findings, kept.safety)
        out.append(kept)
    return out


def threshold_for(report: MigrationReport, config: Config, default: Safety) -> Safety:
    """--fail-on for one migration: the last matching override with fail_on, else default."""
    chosen = default
    for o in config.overrides_for(report.migration.path):
        if o.fail_on is not None:
            chosen = o.fail_on
    return chosen


#: The command-line option (parameter name) each setting of the config stands for, and how
#: the config's value reads as that option's (None: not set there). Every command takes the
#: ones that mean something to it through `setting`.
OPTION_SOURCES: dict[str, Callable[[Config], object]] = {
    "paths": lambda c: c.migrations or None,
    # A command that reads one directory takes the config's when it names exactly one.
    "path": lambda c: c.migrations[0] if len(c.migrations) == 1 else None,
    "layout": lambda c: c.layout,
    "pg_version": lambda c: c.pg_version,
    "fail_on": lambda c: c.fail_on.label if c.fail_on is not None else None,
    "select": lambda c: c.select or None,
    "ignore": lambda c: c.ignore or None,
    "rules_dir": lambda c: c.rules_dir or None,
    "assume_in_transaction": lambda c: c.assume_in_transaction,
    "templates": lambda c: c.templates,
    "dialect": lambda c: c.dialect,
    "server_version": lambda c: c.server_version,
    "profile_file": lambda c: c.profile,
    "allow_out_of_order": lambda c: c.allow_out_of_order,
    "history_table": lambda c: c.history_table,
}


def setting(ctx: object, config: Config, name: str, value: Any) -> Any:
    """The option `name` of a command: the command line's `value` when the flag was given,
    else the config's, else `value` (the flag's default). The one precedence of every
    command."""
    return pick(ctx, name, value, OPTION_SOURCES[name](config))


#: The options that name paths, by the config key that sets them.
PATH_KEYS = {"paths": "migrations", "path": "migrations", "rules_dir": "rules_dir"}


def path_setting(ctx: object, config: Config, name: str, value: Any,
                 check: Callable[[Path], None] | None = None) -> Any:
    """`setting` for an option that names paths (PATH_KEYS): when the config's are in force,
    each is checked first (`check`, else that it exists), and one in error is an InputError
    placed at the config key that names it, with the path as the config gave it (nothing on
    the command line names it). Every command reads such an option through here."""
    chosen = setting(ctx, config, name, value)
    configured = OPTION_SOURCES[name](config)
    if configured is None or chosen is not configured:
        return chosen
    with config.reading(PATH_KEYS[name]):
        for path in [chosen] if isinstance(chosen, Path) else chosen:
            (check or _check_exists)(path)
    return chosen


def rules_dirs_setting(ctx: object, config: Config, value: list[Path] | None = None,
                       ) -> tuple[Path, ...]:
    """The rules folders of a command (`--rules-dir`'s `value` when given, else the config's
    `rules_dir`), checked as `lockwise lint` checks them: each a folder (a configured one in
    error placed at its key), their rule files well formed, and the config's `select`,
    `ignore` and overrides naming rules of them. Every command that reads the config checks
    these, whether it reads rules or not: a config is broken for every command or for none."""
    from lockwise.rules.loader import check_config_rule_names, check_rule_dir

    dirs = tuple(path_setting(ctx, config, "rules_dir", value, check_rule_dir) or ())
    if dirs or config.select or config.ignore or config.overrides:  # else nothing to check
        check_config_rule_names(config, dirs)
    return dirs


def check_mysql_only_keys(ctx: object, config: Config, dialect: str) -> None:
    """An InputError at the config's first MYSQL_ONLY_KEYS key set (`server_version`,
    `character_set_server`) when the `dialect` in force is PostgreSQL and the command line
    gave neither the dialect nor that key: such a key is MySQL's or MariaDB's, read by
    nothing then, and the config most likely forgot `dialect` (as `--server-version` alone
    is refused). `dialect = "postgresql"` beside one is refused as the config is read."""
    if dialect != "postgresql" or given(ctx, "dialect"):
        return
    for key, what in MYSQL_ONLY_KEYS.items():
        if getattr(config, key) is not None and not given(ctx, key):
            raise _Reader(config.path).fail(
                key, f"`{key}` {what}, and these migrations are read as PostgreSQL's (no "
                "`dialect` says otherwise): set `dialect = \"mysql\"` or `\"mariadb\"` beside "
                "it, or remove it")


def check_charset_in_force(ctx: object, config: Config) -> None:
    """An InputError at `character_set_server` when it is not a set of the MySQL or MariaDB
    dialect in force: `--dialect` where it overrides the config's (`gb18030`, MySQL's, is
    refused for MariaDB; with `dialect = "mariadb"` and `--dialect mysql` it is taken). A name
    neither server knows is refused as the config is read."""
    if config.character_set_server is None:
        return
    forced = given(ctx, "dialect")
    said = ctx.params.get("dialect") if forced else None  # type: ignore[attr-defined]
    in_force = getattr(said, "value", said) if forced else config.dialect
    if in_force in ("mysql", "mariadb"):
        _check_charset(_Reader(config.path), config.character_set_server, in_force)


def _check_exists(path: Path) -> None:
    try:
        there = path.exists()
    except OSError as exc:  # (a name too long): an InputError, placed at the key naming it
        raise os_input_error(exc, path) from None
    if not there:
        raise missing_path_error(path)


def pick(ctx: object, name: str, value: object, configured: object) -> object:
    """The command-line value when the flag was given, else the configured one, else the
    flag's default. `ctx` is the click/typer context of the command."""
    if configured is None:
        return value
    return value if given(ctx, name) else configured


def lint_options(config: Config | None, server_collation: str | None = None, *,
                 costs: bool = True, **said: Any) -> LintOptions:
    """The LintOptions of a command that lints (lint, fix, apply's gate, verify's
    predictions) or reads the migrations as lint does (graph, apply's and status's plans):
    what the command says (`said`: LintOptions' fields), with what the config says of the
    target database for each it leaves unsaid: its default collation (for PostgreSQL; else
    `server_collation`, read from the server the command runs on), its statistics (read
    only when the command estimates `costs`) and the longest lock hold allowed. The one
    place each command gets them from, so that a setting of the target reaches every
    command."""
    options = LintOptions(**said)
    if options.dialect == "postgresql":  # (MySQL's collations are not modelled)
        options.collation = options.collation or (config.collation if config is not None
                                                  else None) or server_collation
    if config is None:
        return options
    if options.dialect != "postgresql" and options.character_set_server is None:
        options.character_set_server = config.character_set_server
    if costs and options.stats is None and config.stats is not None:
        from lockwise.cost.stats import load_stats

        with config.reading("stats"):
            options.stats = load_stats(config.stats)
    if options.max_lock_seconds is None:
        options.max_lock_seconds = config.max_lock_seconds
    return options


def given(ctx: object, name: str) -> bool:
    """Whether the flag was given, on the command line or in its environment variable."""
    # Compared by name: typer may vendor click, so its ParameterSource enum is not importable
    # from one fixed place.
    source = ctx.get_parameter_source(name)  # type: ignore[attr-defined]
    return getattr(source, "name", None) in ("COMMANDLINE", "ENVIRONMENT")
