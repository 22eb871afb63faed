"""Flyway's own config files, as its command line loads them in the folder it runs in.

Flyway 10 loads `flyway.toml` and then `flyway.user.toml` (the per-user file kept out of
version control) from the folder it runs in, then the files `FLYWAY_CONFIG_FILES` and
`-configFiles` name; every setting of a later file replaces the same setting of an earlier one
(tables merge key by key). The legacy `flyway.conf` is read the same way (the folder's, then
the named `.conf` files). lockwise cannot see Flyway's command line: it reads
`FLYWAY_CONFIG_FILES` from its own environment (a run in the folder lockwise runs in), and its
config's `flyway_config_files` as the `-configFiles` of a run in the config's folder (read
from that run's working directory when one is set, as Flyway reads them), its `flyway_args`
as that run's command line. Flyway's environment variables for the settings lockwise reads
(`FLYWAY_LOCATIONS`, `FLYWAY_MIXED`, ...; with TOML files also the lower-case `flyway_*`,
`flyway_environment` among them) win over every file, the command line over them; the .conf
files are read in `FLYWAY_CONFIG_FILE_ENCODING` (fix-layouts18). The url (`flyway.url`, the
selected environment's `url`, `FLYWAY_URL`, `-url=`) is read for the kind of database it
names, and `flyway_args`' `-environments.<name>.<key>=` set the selected environment's
`url`, `initSql` and `flyway.<setting>` overrides over every file (fix-layouts20).

Resolvers in a value (`${env.NAME}` in TOML, `${NAME}` in a conf) are replaced from the
environment lockwise runs in; one lockwise cannot resolve is an input error at the file and
line that sets the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path

from lockwise.core.lazy_re import lazy_compile
from lockwise.discover.properties import flyway_lines, property_entries
from lockwise.parse.source import InputError, parse_toml, path_error

#: The TOML files Flyway loads from the folder it runs in, in the order it loads them.
TOML_FILES = ("flyway.toml", "flyway.user.toml")
#: The legacy properties file it loads from there.
CONF_FILE = "flyway.conf"
#: Every config file Flyway's command line reads in the folder it runs in.
CONFIG_FILES = (*TOML_FILES, CONF_FILE)
#: The environment variable that names more config files (comma-separated), loaded after the
#: folder's; relative paths are read from the folder Flyway (here: lockwise) runs in.
CONFIG_FILES_VARIABLE = "FLYWAY_CONFIG_FILES"
#: The environment Flyway runs when its configuration names none.
DEFAULT_ENVIRONMENT = "default"

#: Before the parser's message for a flyway.toml that does not parse.
_NOT_FLYWAY_TOML = "Flyway does not start with this file (fix it, or remove it): "


class Setting:
    """A setting's value, with the file that sets it last and that file's text (to point at
    its line); or, set by one of Flyway's environment variables, that `variable` (`path`
    then the folder of the run it configures, `toml` whether that run reads TOML files).
    (A plain class: making a NamedTuple at import costs every lint's start.)"""

    __slots__ = ("path", "text", "toml", "value", "variable")

    def __init__(self, value: object, path: Path, text: str, variable: str | None = None,
                 toml: bool | None = None) -> None:
        self.value = value
        self.path = path
        self.text = text
        self.variable = variable
        self.toml = path.suffix == ".toml" if toml is None else toml


#: Flyway's environment variables for the settings lockwise reads, by the setting each sets
#: (its `ConfigUtils.convertKey`; upper case, read by both kinds of configuration).
SETTING_VARIABLES = {"FLYWAY_LOCATIONS": "locations", "FLYWAY_MIXED": "mixed",
                     "FLYWAY_EXECUTE_IN_TRANSACTION": "executeInTransaction",
                     "FLYWAY_INIT_SQL": "initSql", "FLYWAY_URL": "url",
                     # what placeholders are and the built-in ones' values (fix-layouts23)
                     "FLYWAY_PLACEHOLDER_REPLACEMENT": "placeholderReplacement",
                     "FLYWAY_PLACEHOLDER_PREFIX": "placeholderPrefix",
                     "FLYWAY_PLACEHOLDER_SUFFIX": "placeholderSuffix",
                     "FLYWAY_DEFAULT_SCHEMA": "defaultSchema", "FLYWAY_SCHEMAS": "schemas",
                     "FLYWAY_USER": "user", "FLYWAY_TABLE": "table"}
#: The settings of the same names a command line's arguments give (`-mixed=`, ...), and the
#: prefix of a placeholder's value (`-placeholders.<name>=`, `flyway.placeholders.<name>`,
#: `FLYWAY_PLACEHOLDERS_<NAME>`: Flyway takes the name in lower case).
ARGUMENT_SETTINGS = ("environment", *SETTING_VARIABLES.values())
PLACEHOLDERS = "placeholders."
_PLACEHOLDER_VARIABLE = "FLYWAY_PLACEHOLDERS_"
#: The settings of an environment (`[environments.<name>]`), not of `[flyway]`: one given
#: by a variable or argument goes to the selected environment, over its own.
ENVIRONMENT_SETTINGS = ("initSql", "url")
#: The prefix of a command-line argument that sets one environment's setting
#: (`-environments.<name>.url=`, `-environments.<name>.flyway.mixed=`).
ENVIRONMENTS_ARGUMENT = "-environments."
#: The prefix of the lower-case variables a TOML configuration reads besides
#: (`flyway_environment`, `flyway_locations`: the rest of the name, `_` read as `.`).
TOML_VARIABLE_PREFIX = "flyway_"
#: The variable naming the encoding of the .conf files (UTF-8 when unset; TOML files are
#: always read as UTF-8).
ENCODING_VARIABLE = "FLYWAY_CONFIG_FILE_ENCODING"


def variable_settings(toml: bool, folder: Path | None = None) -> dict[str, Setting]:
    """The settings Flyway's environment variables give a run in `folder` (None: a folder
    without config files), as its command line reads them over every config file: the
    upper-case ones (`SETTING_VARIABLES`), and for a run that reads TOML files (`toml`) the
    lower-case `flyway_<setting>` ones too (`flyway_environment` selects the environment;
    one of these wins over its upper-case twin, as Flyway's warning says). Upper-case
    `FLYWAY_ENVIRONMENT` is no variable of Flyway's: not read."""
    where = Path(os.path.abspath(folder)) if folder is not None else Path(os.getcwd())
    out = {key: Setting(os.environ[name], where, "", name, toml)
           for name, key in SETTING_VARIABLES.items() if name in os.environ}
    out |= {PLACEHOLDERS + name[len(_PLACEHOLDER_VARIABLE):].lower():
            Setting(value, where, "", name, toml) for name, value in os.environ.items()
            if name.startswith(_PLACEHOLDER_VARIABLE) and len(name) > len(_PLACEHOLDER_VARIABLE)}
    if toml:
        lower = f"{TOML_VARIABLE_PREFIX}{PLACEHOLDERS[:-1]}_"
        out |= {PLACEHOLDERS + name[len(lower):].lower() if name.startswith(lower) else
                name[len(TOML_VARIABLE_PREFIX):].replace("_", "."):
                Setting(value, where, "", name, toml) for name, value in os.environ.items()
                if name.startswith(TOML_VARIABLE_PREFIX)}
    return out


def argument_settings(folder: Path | None, toml: bool) -> dict[str, Setting]:
    """The settings the command line of the Flyway run in `folder` gives (lockwise's
    `flyway_args`, for the run in the config's folder), over its environment variables and
    config files, by setting name (`environments.<name>.<key>` for an argument
    `-environments.<name>.<key>=`, read by `toml_settings`); `toml`: whether that run reads
    TOML files."""
    configured = _configured()
    if folder is None or not configured.arguments or \
            os.path.abspath(folder) != configured.run_folder:
        return {}
    return {name[1:]: Setting(value, Path(configured.run_folder), "",
                              f"{name} (flyway_args)", toml)
            for name, value in configured.arguments.items()
            if name[1:] in ARGUMENT_SETTINGS or name.startswith(ENVIRONMENTS_ARGUMENT)} | \
        {PLACEHOLDERS + name[len(PLACEHOLDERS) + 1:].lower():
         Setting(value, Path(configured.run_folder), "", f"{name} (flyway_args)", toml)
         for name, value in configured.arguments.items()
         if name.startswith("-" + PLACEHOLDERS)}


def given_by(variable: str) -> str:
    """What a message calls the source of a Setting given by `variable` (its `variable`): an
    environment variable, or an argument of `flyway_args`."""
    return variable if variable.startswith("-") else f"the environment variable {variable}"


def _location_variable() -> bool:
    """Whether an environment variable sets Flyway's locations: the run in the folder
    lockwise runs in is then configured, config files or not."""
    return any(name in os.environ for name in ("FLYWAY_LOCATIONS",
                                               f"{TOML_VARIABLE_PREFIX}locations"))


def named_files() -> tuple[Path, ...]:
    """The config files `FLYWAY_CONFIG_FILES` names in the environment lockwise runs in,
    absolute (a relative one is read from the current folder, as Flyway reads it from the
    folder it runs in). Raises InputError for one that does not exist: the variable says the
    run reads it, and lint would otherwise read a configuration Flyway's run does not."""
    out = []
    for name, path in _variable_paths():
        if not path.is_file():
            raise path_error(f"{CONFIG_FILES_VARIABLE} names {name}, which is not a file here "
                             "(a relative path is read from the folder lockwise runs in, or "
                             "the working directory lockwise's config gives the Flyway run "
                             "there, as Flyway reads it): run lockwise where Flyway runs, or "
                             f"set {CONFIG_FILES_VARIABLE} for it", path)
        out.append(path)
    return tuple(out)


def _variable_paths() -> list[tuple[str, Path]]:
    """Each file `FLYWAY_CONFIG_FILES` names, as written and absolute: a relative one from
    the folder of the run it configures, its working directory when lockwise's config gives
    it one (`_variable_folder`), as Flyway resolves it."""
    folder = _variable_folder()
    return [(name, Path(os.path.abspath(os.path.join(folder, name))))
            for item in os.environ.get(CONFIG_FILES_VARIABLE, "").split(",")
            if (name := item.strip())]


class _Configured:
    """What lockwise's own config says of a Flyway run (discover/flyway_config.py): the
    folder of that config, where the run is executed; the files it names
    (`flyway_config_files`: `-configFiles`); the run's `-workingDirectory`
    (`flyway_working_directory`) and Flyway's install folder (`flyway_install_dir`), each
    absolute or None; the settings its command line gives (`flyway_args`: `-environment`,
    `-mixed`, ..., by Flyway's name). (A plain class, as `Setting`.)"""

    __slots__ = ("arguments", "files", "folder", "install_dir", "working_directory")

    def __init__(self, folder: str = "", files: tuple[Path, ...] = (),
                 working_directory: str | None = None, install_dir: str | None = None,
                 arguments: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.files = files
        self.working_directory = working_directory
        self.install_dir = install_dir
        self.arguments = arguments or {}

    @property
    def run_folder(self) -> str:
        """The folder the configured run works in: its working directory, else the config's
        folder."""
        return self.working_directory or self.folder


#: What lockwise's config says of Flyway's run (`configure`); a `lint --base` tree's own
#: while it is read (`in_tree`).
_CONFIGURED: ContextVar[_Configured | None] = ContextVar("lockwise_flyway_config_files",
                                                         default=None)
#: What an unconfigured run is told: nothing.
_UNCONFIGURED = _Configured()


def _configured() -> _Configured:
    return _CONFIGURED.get() or _UNCONFIGURED
#: The folder lockwise is taken to run in, and the files `FLYWAY_CONFIG_FILES` names, while a
#: `lint --base` tree is read (`in_tree`): None outside one.
_TREE_RUN: ContextVar[tuple[str, tuple[Path, ...]] | None] = ContextVar(
    "lockwise_flyway_tree_run", default=None)


def configure(folder: Path, files: list[Path], *, working_directory: Path | None = None,
              install_dir: Path | None = None, arguments: dict[str, str] | None = None
              ) -> None:
    """Take `files` (lockwise's `flyway_config_files`) as the `-configFiles` of a Flyway run
    executed in `folder` (the folder of lockwise's config), `working_directory` as its
    `-workingDirectory`, `install_dir` as the folder Flyway is installed in and `arguments`
    as the settings its command line gives (`flyway_args`), for the discovery that
    follows."""
    _CONFIGURED.set(_Configured(
        os.path.abspath(folder), tuple(files),
        None if working_directory is None else os.path.abspath(working_directory),
        None if install_dir is None else os.path.abspath(install_dir), arguments))


def _current_folder() -> str:
    """The folder lockwise runs in, as the Flyway run `FLYWAY_CONFIG_FILES` configures does
    (in a `lint --base` tree: its place there)."""
    tree = _TREE_RUN.get()
    return os.getcwd() if tree is None else tree[0]


def _variable_set() -> bool:
    """Whether environment variables configure the Flyway run in the folder lockwise runs
    in: FLYWAY_CONFIG_FILES names files, or a variable sets the locations."""
    tree = _TREE_RUN.get()
    return _location_variable() or (bool(os.environ.get(CONFIG_FILES_VARIABLE)) if tree is None
                                    else bool(tree[1]))


def _variable_folder() -> str:
    """The folder of the run the variable's files configure: the one lockwise runs in, or the
    working directory configured for a run there."""
    configured, here = _configured(), _current_folder()
    return configured.working_directory if configured.working_directory and \
        here == configured.folder else here


def configured_runs() -> list[Path]:
    """The folders of the Flyway runs that named files or a working directory configure
    (`named_here`), absolute."""
    configured = _configured()
    out = [configured.run_folder] if configured.files or configured.working_directory or \
        "-locations" in configured.arguments else []
    return [Path(folder) for folder in out + ([_variable_folder()] if _variable_set() else [])]


def _within(path: str, top: str) -> bool:
    return (path + os.sep).startswith(top.rstrip(os.sep) + os.sep)


def tree_files(top: Path) -> list[str]:
    """The files inside the git work tree `top` that the Flyway runs configured by lockwise's
    config and by `FLYWAY_CONFIG_FILES` read besides a history's own settings files: the
    named files, and the config files of the config's folder, of the working directory and
    of the install folder's `conf/`. Paths relative to `top`, whether each exists or not:
    what `lint --base` unpacks of another revision with the history (`in_tree`)."""
    configured = _configured()
    folders = [folder for folder in (configured.folder, configured.working_directory,
                                     configured.install_dir and
                                     os.path.join(configured.install_dir, "conf")) if folder]
    paths = [str(path) for path in (*(path for _, path in _variable_paths()), *configured.files)]
    paths += [os.path.join(folder, name) for folder in folders for name in CONFIG_FILES]
    where = os.path.abspath(top)
    return sorted({Path(os.path.relpath(path, where)).as_posix() for path in paths
                   if _within(os.path.abspath(path), where)})


@contextmanager
def in_tree(top: Path, tree: Path) -> Iterator[None]:
    """While a copy of the git work tree `top` at another revision, unpacked in `tree`, is
    read (`lint --base`): the folder lockwise runs in, the files `FLYWAY_CONFIG_FILES` and
    lockwise's config name and the folders that config names are taken at their place in
    `tree` when they are inside `top` (a named file the revision lacks is not read: that
    revision's run did not have it); those outside `top` are read as they are."""
    where, inside = os.path.abspath(top), os.path.abspath(tree)

    def moved(path: str) -> str:
        path = os.path.abspath(path)
        return os.path.normpath(os.path.join(inside, os.path.relpath(path, where))) \
            if _within(path, where) else path

    def kept(paths: Iterable[Path]) -> tuple[Path, ...]:
        return tuple(Path(moved(str(path))) for path in paths
                     if not _within(moved(str(path)), inside) or os.path.isfile(moved(str(path))))

    configured = _configured()
    run = _TREE_RUN.set((moved(os.getcwd()), kept(path for _, path in _variable_paths())))
    token = _CONFIGURED.set(_Configured(
        moved(configured.folder) if configured.folder else "", kept(configured.files),
        configured.working_directory and moved(configured.working_directory),
        configured.install_dir and moved(configured.install_dir), configured.arguments))
    try:
        yield
    finally:
        _CONFIGURED.reset(token)
        _TREE_RUN.reset(run)


def named_here(folder: Path | str) -> bool:
    """Whether config files are named for a Flyway run in `folder`: `FLYWAY_CONFIG_FILES`
    when it is the folder lockwise runs in, lockwise's `flyway_config_files` when it is the
    folder of lockwise's config; or lockwise's config makes it the working directory of
    Flyway's run (`flyway_working_directory`)."""
    where = os.path.abspath(folder)
    configured = _configured()
    return (bool(configured.files) or configured.working_directory is not None or
            "-locations" in configured.arguments) and where == configured.run_folder or \
        _variable_set() and where == _variable_folder()


def _named(folder: Path) -> tuple[list[Path], list[Path]]:
    """The files named for a run in `folder` (`named_here`), each list in the order Flyway
    loads them: the environment's, then lockwise's config's (as `-configFiles`)."""
    where = os.path.abspath(folder)
    configured = _configured()
    variable = []
    if _variable_set() and where == _variable_folder():
        tree = _TREE_RUN.get()
        variable = list(named_files() if tree is None else tree[1])
    return variable, list(configured.files) if where == configured.run_folder else []


def _own(folder: Path | str) -> list[Path]:
    """The config files Flyway loads from `folder` by default that exist there, in load
    order."""
    return [Path(folder, name) for name in CONFIG_FILES if os.path.isfile(Path(folder, name))]


def _base_files() -> list[Path]:
    """The config files every run of Flyway's command line loads first, that exist: those of
    its install folder's `conf/` (`flyway_install_dir`: lockwise cannot see where Flyway is
    installed) and then of the user's home folder."""
    folders = []
    if (install := _configured().install_dir) is not None:
        folders.append(os.path.join(install, "conf"))
    with suppress(RuntimeError):  # no home folder known: none read
        folders.append(str(Path.home()))
    return [path for folder in folders for path in _own(folder)]


def _split(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """`paths` as (TOML files, conf files): a `.toml` one is TOML, any other conf."""
    return [p for p in paths if p.suffix == ".toml"], [p for p in paths if p.suffix != ".toml"]


def mixed_kinds(paths: list[Path], source: str, shown: Callable[[Path], str] = str
                ) -> str | None:
    """Why Flyway refuses the config files `paths`, named together by `source`: TOML and conf
    files (it reads one kind); None when they are of one kind. `shown`: how a path is
    written in the message."""
    tomls, confs = _split(paths)
    if not tomls or not confs:
        return None
    return (f"{source} names TOML and .conf config files together ({shown(tomls[0])} and "
            f"{shown(confs[0])}): Flyway refuses to start (\"Using both TOML configuration "
            "and CONF configuration is not supported\"); name files of one kind (`flyway "
            "init -init.fromType=conf` converts a .conf file to TOML)")


def config_files(folder: Path | None) -> tuple[list[Path], list[Path]]:
    """The (TOML, conf) files Flyway's command line run in `folder` loads, each in load
    order, of the one kind it reads (it never merges the two): the install folder's and the
    home folder's (`_base_files`), then, for a run with a working directory, the files of
    the folder it is executed in, then `folder`'s own, the files `FLYWAY_CONFIG_FILES` names
    (when lockwise runs in `folder`) and lockwise's `flyway_config_files` (when `folder` is
    its run's). Flyway picks the kind as it does: by the `-configFiles`, else by the
    variable's files, else TOML when any default file is TOML; TOML and conf files named
    together at one of the first two is an InputError (Flyway stops). Nothing when `folder`
    holds no config of its own and none is named for it: no run is configured there.
    `folder` None: a run in a folder that holds none, which loads the first two alone."""
    run = _run_files(folder)
    if run is None:
        return [], []
    toml, every = run
    return (_split(every)[0], []) if toml else ([], _split(every)[1])


def _run_files(folder: Path | None) -> tuple[bool, list[Path]] | None:
    """Whether the run of `config_files` reads TOML files, and every config file it may
    load, of both kinds, in load order; None when no run is configured in `folder`."""
    if folder is None:
        variable, key, own, executed = [], [], [], []
    else:
        variable, key = _named(folder)
        own = _own(folder)
        if not runs_here(folder, [path.name for path in own]):
            return None
        configured = _configured()
        executed = _own(configured.folder) if configured.working_directory and \
            os.path.abspath(folder) == configured.working_directory else []
    defaults = list(dict.fromkeys([*_base_files(), *executed, *own]))
    modern = None
    for named, source in ((key, "flyway_config_files (Flyway's -configFiles)"),
                          (variable, CONFIG_FILES_VARIABLE)):
        if (why := mixed_kinds(named, source)) is not None:
            raise path_error(why, _split(named)[1][0])
        if named:
            modern = bool(_split(named)[0])
            break
    if modern is None:
        modern = bool(_split(defaults)[0]) or not _split(defaults)[1]
    return modern, [*defaults, *variable, *key]


def has_config(folder: Path) -> bool:
    """Whether Flyway's command line finds config files when run in `folder`: its own, or
    named ones (whether they exist is said where their settings are read, for Flyway's
    migrations only: a named file that is missing stops no other tool's lint)."""
    return runs_here(folder, [name for name in CONFIG_FILES if os.path.isfile(folder / name)])


def run_folder(folder: Path, names: Iterable[str]) -> Path | None:
    """The folder of the Flyway run configured in `folder`, whose entries are `names`:
    `folder` itself (`runs_here`), or, for the folder of lockwise's config when that config
    gives its run a working directory elsewhere, that directory (spelt relative when
    `folder` is); None when no run is configured there."""
    configured = _configured()
    if configured.working_directory not in (None, configured.folder) and \
            os.path.abspath(folder) == configured.folder:
        working = configured.working_directory
        return Path(working if folder.is_absolute() else os.path.relpath(working))
    return folder if runs_here(folder, names) else None


def runs_here(folder: Path | str, names: Iterable[str]) -> bool:
    """Whether a Flyway run is configured in `folder`, whose entries are `names`: it holds
    config files, or files are named for it (`named_here`). Not the folder of lockwise's
    config when that config gives the run there a working directory elsewhere
    (`flyway_working_directory`): its files configure that run, in that directory."""
    configured = _configured()
    lent = configured.working_directory not in (None, configured.folder) and \
        os.path.abspath(folder) == configured.folder
    return not lent and any(name in names for name in CONFIG_FILES) or named_here(folder)


def _read(path: Path, encoding: str = "utf-8") -> str:
    try:
        data = path.read_bytes()
    except OSError:  # unreadable: as if empty (Flyway would not start; nothing to lint)
        return ""
    try:
        return data.decode(encoding, errors="replace")
    except UnicodeError:
        # Python's UTF-16 and UTF-32 refuse text without a byte order mark; Java's read it
        # big-endian, as the Charset documentation says.
        import codecs

        return data.decode(f"{codecs.lookup(encoding).name}-be", errors="replace")


def conf_encoding(folder: Path | None = None) -> str:
    """The encoding Flyway's command line run in `folder` reads .conf files in:
    `FLYWAY_CONFIG_FILE_ENCODING`, else its `-configFileEncoding` (`flyway_args`, for the
    run in lockwise's config's folder: Flyway asks the variable first), else UTF-8. Raises
    InputError for a name that is no encoding: Flyway cannot load the files and stops."""
    configured = _configured()
    name = os.environ.get(ENCODING_VARIABLE)
    if name is None and folder is not None and \
            os.path.abspath(folder) == configured.run_folder:
        name = configured.arguments.get("-configFileEncoding")
    if name is None:
        return "utf-8"
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        source = ENCODING_VARIABLE if ENCODING_VARIABLE in os.environ else \
            "-configFileEncoding (flyway_args)"
        raise InputError(f"{source}={name!r} names no encoding lockwise knows, and "
                         "Flyway stops (\"Unable to load config file\") when it names none it "
                         "knows: set it to the encoding of the .conf files (UTF-8, ISO-8859-1, "
                         "windows-1252, ...), or unset it for UTF-8") from None
    return name


def _merged(base: dict, other: dict) -> dict:
    """`other` over `base`: a table merged key by key, any other value replaced whole (a list
    is the later file's), as Flyway merges its configuration models."""
    out = dict(base)
    for key, value in other.items():
        old = out.get(key)
        out[key] = _merged(old, value) if isinstance(old, dict) and isinstance(value, dict) \
            else value
    return out


def table(document: dict, key: object) -> dict:
    """The TOML table `document` holds at `key`; empty when it holds none (or no table)."""
    found = document.get(key) if isinstance(key, str) else None
    return found if isinstance(found, dict) else {}


def toml_settings(folder: Path | None) -> dict[str, Setting]:
    """The Flyway settings the TOML files of `folder` (`config_files`; None: a run in a
    folder without config files of its own) give, merged, for the environment they select:
    `[flyway]`'s settings, each setting of the environment's `flyway` table
    (`[environments.<name>.flyway]`, Flyway 10's overrides) in its place, and the
    environment's own `initSql`. The environment is the one `[flyway]`'s `environment` names
    (its resolvers replaced, as Flyway replaces them in every `[flyway]` string), `default`
    when it names none; `flyway_environment` in the environment, and `-environment=` of
    `flyway_args` over it, choose it over the files. Each with the file that sets it last;
    over the files' `[flyway]` settings and initSql, those of Flyway's environment variables
    and command line (`variable_settings`, `argument_settings`), which the environment's own
    `flyway` table still overrides. Raises InputError for a file that does not parse (Flyway
    does not start) and for an environment name lockwise cannot resolve."""
    run = _run_files(folder)
    if run is None or not run[0]:
        return {}
    files = [(path, _read(path)) for path in _split(run[1])[0]]
    documents = [(path, text, parse_toml(text, path, _NOT_FLYWAY_TOML)) for path, text in files]
    arguments = argument_settings(folder, True)
    variables = variable_settings(True, folder) | arguments
    merged: dict = {}
    chosen = None
    for path, text, document in documents:
        merged = _merged(merged, document)
        if "environment" in table(document, "flyway"):
            chosen = (path, text)
    flyway = table(merged, "flyway")
    name = flyway.get("environment", DEFAULT_ENVIRONMENT)
    if "environment" in variables:
        name = resolved(variables["environment"], "environment")
    elif chosen is not None:
        name = resolved(Setting(name, *chosen), "environment")

    def places(document: dict) -> list[dict]:
        """Where a file may set a setting, the strongest last."""
        environment = table(table(document, "environments"), name)
        own = {key: environment[key] for key in ENVIRONMENT_SETTINGS if key in environment}
        return [table(document, "flyway"), table(environment, "flyway"), own]

    out: dict[str, Setting] = {}
    for rank in range(3):  # [flyway], the environment's overrides, its initSql and url
        for path, text, document in documents:
            for key, value in places(document)[rank].items():
                out[key] = Setting(value, path, text)
    # the merged value (a table of several files is theirs together), from the last setter
    out = {key: Setting(_final(merged, name, key, setting.value), setting.path, setting.text)
           for key, setting in out.items()}
    # A variable is merged over `[flyway]` (its initSql and url over the environment's):
    # the environment's own `flyway` overrides still win over it. The command line's
    # `-environments.<name>.` arguments for the selected environment win over all: its
    # `flyway.<setting>` as an override, its initSql and url as the environment's own.
    overrides = table(table(table(merged, "environments"), name), "flyway")
    chosen_prefix = f"environments.{name}."
    given = {key[len(chosen_prefix):]: setting for key, setting in arguments.items()
             if key.startswith(chosen_prefix)}
    return out | {key: setting for key, setting in variables.items()
                  if not key.startswith("environments.") and
                  (key in ENVIRONMENT_SETTINGS or key not in overrides)} | \
        {key.removeprefix("flyway."): setting for key, setting in given.items()
         if key.startswith("flyway.") or key in ENVIRONMENT_SETTINGS}


def _final(merged: dict, name: object, key: str, value: object) -> object:
    """The merged value of `key` (see `toml_settings`)."""
    environment = table(table(merged, "environments"), name)
    if key in ENVIRONMENT_SETTINGS and key in environment:
        return environment[key]
    override = table(environment, "flyway")
    base = table(merged, "flyway").get(key, value)
    if key in override:  # (a table, `placeholders`, merged key by key)
        return _merged(base, override[key]) \
            if isinstance(base, dict) and isinstance(override[key], dict) else override[key]
    return base


def conf_settings(folder: Path | None, keys: tuple[str, ...]) -> dict[str, Setting]:
    """The value of each of `keys` that the conf files of `folder` (`config_files`; None: as
    `toml_settings`) set, read
    as Flyway reads them (`flyway_lines`, then `property_entries`; the last of a key counts,
    a later file's over an earlier one's)."""
    out: dict[str, Setting] = {}
    run = _run_files(folder)
    if run is None or run[0]:
        return out
    encoding = conf_encoding(folder)
    for path in _split(run[1])[1]:
        text = _read(path, encoding)
        for key, value in property_entries(flyway_lines(text)):
            if wanted(key, keys):
                out[placeholder_key(key)] = Setting(value, path, text)
    # the environment's variables over every file (read as written: no `${NAME}` expanded)
    given = variable_settings(False, folder) | argument_settings(folder, False)
    return out | {f"flyway.{key}": setting for key, setting in given.items()
                  if wanted(f"flyway.{key}", keys)}


def wanted(key: str, keys: tuple[str, ...]) -> bool:
    """Whether setting `key` is one of `keys`, where `<prefix>.*` stands for every key that
    starts with `<prefix>.` (`flyway.placeholders.*`: each placeholder's value)."""
    return key in keys or any(k.endswith(".*") and key.startswith(k[:-1]) for k in keys)


def placeholder_key(key: str) -> str:
    """`key` with a placeholder's name in lower case (`flyway.placeholders.Schema`: Flyway
    compares placeholder names without case)."""
    head, found, name = key.partition(PLACEHOLDERS)
    return f"{head}{PLACEHOLDERS}{name.lower()}" if found else key


def setting_line(text: str, key: str) -> int:
    """The line of `text` (a flyway.conf, a script config or a flyway.toml) where `key` is
    last set: the last line that starts with it (bare, quoted or after a dotted `flyway.`),
    then `=`, `:` or whitespace; else, for a key of a table (`placeholders.<name>`), the last
    line that sets its last part inside that table (`[flyway.placeholders]`,
    `[environments.<name>.flyway.placeholders]`) or in an inline table on the line that sets
    the table (`placeholders = { <name> = ... }`). A placeholder's name matches in any case,
    as Flyway compares them. 1 when no line does."""
    head, _, last = key.removeprefix("flyway.").rpartition(".")
    name = f"(?i:{re.escape(last)})" if head.endswith(PLACEHOLDERS[:-1]) else re.escape(last)
    pattern = re.compile(r'\s*(?:flyway\.)?"?' + (re.escape(head) + r"\." if head else "")
                         + name + r'"?\s*[=:\s]')
    lines = text.splitlines()
    found = [number for number, line in enumerate(lines, 1) if pattern.match(line)]
    if not found and head:
        entry = re.compile(r'\s*["\']?' + name + r'["\']?\s*=')
        inline = re.compile(r'\s*(?:flyway\.)?"?' + re.escape(head)
                            + r'"?\s*=\s*\{(?:.*?,)?\s*["\']?' + name + r'["\']?\s*=')
        table = ""
        for number, line in enumerate(lines, 1):
            if header := _TOML_HEADER.match(line):
                table = re.sub(r"""[\s"']""", "", header.group(1))
            elif (table == head or table.endswith("." + head)) and entry.match(line) or \
                    inline.match(line):
                found.append(number)
    return found[-1] if found else 1


#: A TOML table's header line, `[name]` (the name as written, with its quotes and spaces).
_TOML_HEADER = lazy_compile(r"\s*\[([^\[\]]*)\]")


# --- resolvers ----------------------------------------------------------------------------

#: A TOML value's resolver, as Flyway's PropertyResolverContextImpl finds one: `${name.key}`
#: (`$${...}` escapes it), the key optionally followed by `:` and a filter.
_TOML_RESOLVER = lazy_compile(r"\${1,2}\{[^.]+\.[^.]+\}")
#: A whole TOML value Flyway takes as written: `!{...}`.
_VERBATIM = lazy_compile(r"!\{.*\}", re.DOTALL)
#: An environment variable in a conf file, as Flyway's ConfigUtils expands them: `${NAME}`.
_CONF_VARIABLE = lazy_compile(r"\$\{([A-Za-z0-9_]+)\}")


def resolved(setting: Setting, key: str) -> object:
    """The value of `setting` with its resolvers replaced (a string, or each string of a
    list): `${env.NAME}` in a TOML file, `${NAME}` in a conf file, from the environment
    lockwise runs in. Raises InputError at the file and line that sets `key` for a variable
    that is not set, and for a resolver other than `env` (a secrets store lockwise does not
    read)."""
    value = setting.value
    if isinstance(value, list):
        return [_resolved_text(item, setting, key) if isinstance(item, str) else item
                for item in value]
    return _resolved_text(value, setting, key) if isinstance(value, str) else value


#: Java's text of a double that has no digits to write (`Double.toString`).
_JAVA_FLOATS = {float("inf"): "Infinity", float("-inf"): "-Infinity"}


def java_text(value: object) -> str | None:
    """The text Java gives a boolean or a number read from a config file (`String.valueOf`:
    `true`, `1`, `1.5`, `NaN`), which is what a map of strings binds; None for another
    value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "NaN" if value != value else _JAVA_FLOATS.get(value, repr(value))
    return None


#: Flyway's schema history table when `table` is not set.
_DEFAULT_TABLE = "flyway_schema_history"
#: The database a JDBC url names: the path after the host (`jdbc:postgresql://h:5432/shop`).
_URL_DATABASE = lazy_compile(r"jdbc:[^:/]+(?::[^:/]+)*://[^/]*/([^?;/]+)")


def built_in_placeholders(default_schema: object, schemas: object, user: object, url: object,
                          table: object, working_directory: Path | None) -> dict[str, str]:
    """The values lint can tell of Flyway's built-in placeholders (Redgate's "Flyway
    Placeholders Namespace"), by name in lower case, from a run's settings as written
    (whoever configures it: Flyway's own files, Spring Boot's or Micronaut's):
    `flyway:defaultSchema` is `defaultSchema`, else the first of `schemas` (a list, or a
    comma-separated string); `flyway:user`; `flyway:database`, the database of the JDBC
    `url`; `flyway:table`, else `flyway_schema_history`; `flyway:workingDirectory`. A
    setting that is no string (unset, unresolved) gives no value: the placeholder keeps its
    stand-in."""
    first = schemas[0] if isinstance(schemas, (list, tuple)) and schemas and \
        isinstance(schemas[0], str) else schemas.split(",")[0].strip() \
        if isinstance(schemas, str) and schemas.strip() else None
    match = _URL_DATABASE.match(url) if isinstance(url, str) else None
    found = {"flyway:defaultschema": default_schema if isinstance(default_schema, str) and
             default_schema else first,
             "flyway:user": user if isinstance(user, str) else None,
             "flyway:database": match.group(1) if match else None,
             "flyway:table": table if isinstance(table, str) and table else _DEFAULT_TABLE,
             "flyway:workingdirectory": str(working_directory)
             if working_directory is not None else None}
    return {name: text for name, text in found.items() if text}


def placeholder_text(setting: Setting, name: str) -> str | None:
    """The value of placeholder `name` that a flyway.toml's `placeholders` table (`setting`)
    gives, as Flyway binds it to its map of strings (`FlywayModel.placeholders`, read by
    Jackson): a string with its resolvers replaced (`resolved`), a number or a boolean as
    its text (`1`, `1.5`, `true`); None for another scalar (a date). Raises InputError at
    the value's file, line and column for an array or a table, which Flyway refuses (it
    does not start)."""
    item = setting.value
    key = f"{PLACEHOLDERS}{name}"
    if isinstance(item, str):
        return str(resolved(setting, key))
    if (text := java_text(item)) is not None or not isinstance(item, list | dict):
        return text
    kind = "an array" if isinstance(item, list) else "a table"
    message = (f"placeholder {name} is {kind}: Flyway reads each placeholder's value as one "
               "string and stops before it migrates anything: give it a string, a number "
               "or a boolean")
    if setting.variable is not None:
        return None
    line = setting_line(setting.text, key)
    lines = setting.text.splitlines()
    found = re.search(r'(?i:' + re.escape(name) + r')["\']?\s*=\s*',
                      lines[line - 1]) if line <= len(lines) else None
    raise InputError(message, setting.path, line, found.end() + 1 if found else 1)


def _resolved_text(value: str, setting: Setting, key: str) -> str:
    if setting.variable is not None and not setting.toml:
        return value  # (a conf run expands `${NAME}` in its files' text only)
    if not setting.toml:
        return _CONF_VARIABLE.sub(lambda m: _variable(m.group(1), m.group(0), setting, key),
                                  value)
    if _VERBATIM.fullmatch(value.strip()):
        return value.strip()[2:-1]
    if "${" not in value:
        return value
    return _TOML_RESOLVER.sub(lambda m: _toml_resolver(m.group(0), setting, key), value.strip())


def _toml_resolver(found: str, setting: Setting, key: str) -> str:
    """The text Flyway puts for one `${name.key}` of a TOML value."""
    if found.startswith("$$"):
        return found[1:]
    name, _, rest = found[2:-1].partition(".")
    variable, _, kept = rest.partition(":")
    if name.strip() != "env":
        raise _unresolved(f"{found} names resolver `{name.strip()}`, which lockwise does not "
                          f"read (only `env`, the environment's variables): lockwise cannot "
                          f"tell what {key} is. Write the value itself, or take it from an "
                          "environment variable with ${env.NAME}", setting, key, found)
    text = _variable(variable.strip(), found, setting, key)
    return _filtered(text, kept.strip()) if ":" in rest else text


def _variable(name: str, found: str, setting: Setting, key: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise _unresolved(f"{found}: the environment variable {name} is not set where lockwise "
                          f"runs, so lockwise cannot tell what {key} is: set {name} for "
                          "lockwise as for Flyway", setting, key, found)
    return value


def _filtered(text: str, kept: str) -> str:
    """`text` with only the characters a resolver's filter keeps: `D` digits, `d` ASCII
    digits, `A` letters, `a` ASCII letters."""
    return "".join(char for char in text if
                   ("D" in kept and char.isdecimal()) or ("A" in kept and char.isalpha()) or
                   (char.isascii() and (("d" in kept and char.isdecimal()) or
                                        ("a" in kept and char.isalpha()))))


def _unresolved(message: str, setting: Setting, key: str, found: str) -> InputError:
    """The input error of the resolver `found` in the value of `key`: at the file, line and
    column where it is written (the line that sets `key`; its first column when the value
    goes on past that line), or naming the variable or argument that gives it."""
    if setting.variable is not None:
        return InputError(f"{given_by(setting.variable)}: {message}")
    line = setting_line(setting.text, key)
    lines = setting.text.splitlines()
    at = lines[line - 1].find(found) if line <= len(lines) else -1
    return InputError(message, setting.path, line, at + 1 if at >= 0 else 1)
