"""Flyway's own config files, as its command line loads them in the folder it runs in.

Flyway 10 loads `flyway.toml` and then `flyway.user.toml` (the per-user file kept out of
version control) from the folder it runs in, then the files `FLYWAY_CONFIG_FILES` and
`-configFiles` name; every setting of a later file replaces the same setting of an earlier one
(tables merge key by key). The legacy `flyway.conf` is read the same way (the folder's, then
the named `.conf` files). lockwise cannot see Flyway's command line: it reads
`FLYWAY_CONFIG_FILES` from its own environment (a run in the folder lockwise runs in), and its
config's `flyway_config_files` as the `-configFiles` of a run in the config's folder.

Resolvers in a value (`${env.NAME}` in TOML, `${NAME}` in a conf) are replaced from the
environment lockwise runs in; one lockwise cannot resolve is an input error at the file and
line that sets the value.
"""

from __future__ import annotations

import os
import re
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
    its line). (A plain class: making a NamedTuple at import costs every lint's start.)"""

    __slots__ = ("path", "text", "value")

    def __init__(self, value: object, path: Path, text: str) -> None:
        self.value = value
        self.path = path
        self.text = text


def named_files() -> tuple[Path, ...]:
    """The config files `FLYWAY_CONFIG_FILES` names in the environment lockwise runs in,
    absolute (a relative one is read from the current folder, as Flyway reads it from the
    folder it runs in). Raises InputError for one that does not exist: the variable says the
    run reads it, and lint would otherwise read a configuration Flyway's run does not."""
    value = os.environ.get(CONFIG_FILES_VARIABLE, "")
    out = []
    for item in value.split(","):
        if not (name := item.strip()):
            continue
        path = Path(os.path.abspath(name))
        if not path.is_file():
            raise path_error(f"{CONFIG_FILES_VARIABLE} names {name}, which is not a file here "
                             "(a relative path is read from the folder lockwise runs in, as "
                             "Flyway reads it from the folder it runs in): run lockwise where "
                             f"Flyway runs, or set {CONFIG_FILES_VARIABLE} for it", path)
        out.append(path)
    return tuple(out)


#: The Flyway config files lockwise's own config names (`flyway_config_files`), with the
#: folder of that config, where the Flyway run they configure runs: (folder, files).
_CONFIGURED: ContextVar[tuple[str, tuple[Path, ...]]] = ContextVar(
    "lockwise_flyway_config_files", default=("", ()))


def configure(folder: Path, files: list[Path]) -> None:
    """Take `files` (lockwise's `flyway_config_files`) as the `-configFiles` of a Flyway run
    in `folder` (the folder of lockwise's config), for the discovery that follows."""
    _CONFIGURED.set((os.path.abspath(folder), tuple(files)))


def named_here(folder: Path | str) -> bool:
    """Whether config files are named for a Flyway run in `folder`: `FLYWAY_CONFIG_FILES`
    when it is the folder lockwise runs in, lockwise's `flyway_config_files` when it is the
    folder of lockwise's config."""
    where = os.path.abspath(folder)
    configured, files = _CONFIGURED.get()
    return bool(files) and where == configured or \
        bool(os.environ.get(CONFIG_FILES_VARIABLE)) and where == os.getcwd()


def _named(folder: Path) -> list[Path]:
    """The files named for a run in `folder` (`named_here`), in the order Flyway loads them:
    the environment's, then lockwise's config's (as `-configFiles`, after the variable's)."""
    where = os.path.abspath(folder)
    configured, files = _CONFIGURED.get()
    out = list(named_files()) if os.environ.get(CONFIG_FILES_VARIABLE) and \
        where == os.getcwd() else []
    return out + (list(files) if where == configured else [])


def config_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The (TOML, conf) files Flyway's command line run in `folder` loads, each in load order:
    the folder's own that exist, then, when lockwise runs in `folder`, the ones
    `FLYWAY_CONFIG_FILES` names (a `.toml` among the TOML files, any other among the
    conf files)."""
    tomls = [folder / name for name in TOML_FILES if os.path.isfile(folder / name)]
    confs = [folder / CONF_FILE] if os.path.isfile(folder / CONF_FILE) else []
    if named_here(folder):
        for path in _named(folder):
            (tomls if path.suffix == ".toml" else confs).append(path)
    return tomls, confs


def has_config(folder: Path) -> bool:
    """Whether Flyway's command line finds config files when run in `folder`: its own, or
    named ones (whether they exist is said where their settings are read, for Flyway's
    migrations only: a named file that is missing stops no other tool's lint)."""
    return any(os.path.isfile(folder / name) for name in CONFIG_FILES) or named_here(folder)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:  # unreadable: as if empty (Flyway would not start; nothing to lint)
        return ""


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


def toml_settings(folder: Path) -> dict[str, Setting]:
    """The Flyway settings the TOML files of `folder` (`config_files`) give, merged, for the
    environment they select: `[flyway]`'s settings, each setting of the environment's `flyway`
    table (`[environments.<name>.flyway]`, Flyway 10's overrides) in its place, and the
    environment's own `initSql`. The environment is the one `[flyway]`'s `environment` names,
    `default` when it names none (the command line's `-environment` is set where Flyway runs:
    not read). Each with the file that sets it last. Raises InputError for a file that does
    not parse: Flyway does not start."""
    files = [(path, _read(path)) for path in config_files(folder)[0]]
    documents = [(path, text, parse_toml(text, path, _NOT_FLYWAY_TOML)) for path, text in files]
    merged: dict = {}
    for _, _, document in documents:
        merged = _merged(merged, document)
    flyway = table(merged, "flyway")
    name = flyway.get("environment", DEFAULT_ENVIRONMENT)

    def places(document: dict) -> list[dict]:
        """Where a file may set a setting, the strongest last."""
        environment = table(table(document, "environments"), name)
        init = {"initSql": environment["initSql"]} if "initSql" in environment else {}
        return [table(document, "flyway"), table(environment, "flyway"), init]

    out: dict[str, Setting] = {}
    for rank in range(3):  # [flyway], then the environment's overrides, then its initSql
        for path, text, document in documents:
            for key, value in places(document)[rank].items():
                out[key] = Setting(value, path, text)
    # the merged value (a table of several files is theirs together), from the last setter
    return {key: Setting(_final(merged, name, key, setting.value), setting.path, setting.text)
            for key, setting in out.items()}


def _final(merged: dict, name: object, key: str, value: object) -> object:
    """The merged value of `key` (see `toml_settings`)."""
    environment = table(table(merged, "environments"), name)
    if key == "initSql" and "initSql" in environment:
        return environment["initSql"]
    override = table(environment, "flyway")
    if key in override:
        return override[key]
    return table(merged, "flyway").get(key, value)


def conf_settings(folder: Path, keys: tuple[str, ...]) -> dict[str, Setting]:
    """The value of each of `keys` that the conf files of `folder` (`config_files`) set, read
    as Flyway reads them (`flyway_lines`, then `property_entries`; the last of a key counts,
    a later file's over an earlier one's)."""
    out: dict[str, Setting] = {}
    for path in config_files(folder)[1]:
        text = _read(path)
        for key, value in property_entries(flyway_lines(text)):
            if key in keys:
                out[key] = Setting(value, path, text)
    return out


def setting_line(text: str, key: str) -> int:
    """The line of `text` (a flyway.conf, a script config or a flyway.toml) where `key` is
    last set: the last line that starts with it (bare, quoted or after a dotted `flyway.`),
    then `=`, `:` or whitespace; 1 when none does."""
    pattern = re.compile(r'\s*(?:flyway\.)?"?' + re.escape(key.removeprefix("flyway."))
                         + r'"?\s*[=:\s]')
    lines = [number for number, line in enumerate(text.splitlines(), 1) if pattern.match(line)]
    return lines[-1] if lines else 1


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


def _resolved_text(value: str, setting: Setting, key: str) -> str:
    if setting.path.suffix != ".toml":
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
                          "environment variable with ${env.NAME}", setting, key)
    text = _variable(variable.strip(), found, setting, key)
    return _filtered(text, kept.strip()) if ":" in rest else text


def _variable(name: str, found: str, setting: Setting, key: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise _unresolved(f"{found}: the environment variable {name} is not set where lockwise "
                          f"runs, so lockwise cannot tell what {key} is: set {name} for "
                          "lockwise as for Flyway", setting, key)
    return value


def _filtered(text: str, kept: str) -> str:
    """`text` with only the characters a resolver's filter keeps: `D` digits, `d` ASCII
    digits, `A` letters, `a` ASCII letters."""
    return "".join(char for char in text if
                   ("D" in kept and char.isdecimal()) or ("A" in kept and char.isalpha()) or
                   (char.isascii() and (("d" in kept and char.isdecimal()) or
                                        ("a" in kept and char.isalpha()))))


def _unresolved(message: str, setting: Setting, key: str) -> InputError:
    return InputError(message, setting.path, setting_line(setting.text, key))
