"""Spring Boot's Flyway settings: what a Spring Boot project's application files say about how
Flyway runs a migration's transaction, and what it runs on each connection first.

Spring Boot runs Flyway when the application starts, configured from the `spring.flyway.*`
properties it binds (its names for Flyway's: `spring.flyway.mixed`,
`spring.flyway.execute-in-transaction`, `spring.flyway.init-sqls`), read from
`application.properties`, `application.yml` and `application.yaml` at the root of its
classpath (in a Maven or Gradle project, `src/main/resources/`, which holds Flyway's default
location `db/migration`) and in the `config/` folder there; it never reads flyway.conf or
flyway.toml.

Read here as Spring Boot reads them:
- names bound relaxed: each `.`-separated part compared in lower case, letters and digits only
  (`spring.flyway.execute-in-transaction`, `spring.flyway.executeInTransaction` and
  `SPRING.FLYWAY.EXECUTE_IN_TRANSACTION` are one), YAML's nested keys joined with `.`;
- a boolean as Spring converts one: `true`, `on`, `yes`, `1` or `false`, `off`, `no`, `0`, any
  case (YAML's booleans too); anything else (a `${...}` placeholder, a YAML number) sets
  nothing, as the application would not start or lockwise cannot know its value;
- `init-sqls`, a list, as Spring converts one: a YAML sequence of strings, or a string split
  at its commas (each part trimmed), joined with line breaks into Flyway's `initSql`;
- files of one folder by precedence: `config/` over the root, `.properties` over `.yml` over
  `.yaml`; in a file the later document (`#---` / `---`) and the later line count;
- a document that applies only in a profile or on a cloud platform
  (`spring.config.activate.on-profile`, `...on-cloud-platform`, the older `spring.profiles`)
  is not read, nor are profile-specific files (`application-prod.properties`): the profile is
  chosen where the application runs, and lockwise judges what every run shares;
- a file that does not parse sets nothing (as a flyway.toml that does not parse).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.lazy_re import lazy_compile
from lockwise.discover.properties import MalformedProperties, property_entries

if TYPE_CHECKING:
    import yaml

#: A property's name as Spring Boot's relaxed binding compares it: its `.`-separated parts.
Name = tuple[str, ...]

#: The `spring.flyway.*` properties that change what lockwise decides, by Flyway's names:
#: `mixed` and `executeInTransaction` (how a migration's transaction runs), `enabled` (false:
#: Spring Boot does not run Flyway, whose own configuration then counts).
_SETTINGS: dict[Name, str] = {("spring", "flyway", "mixed"): "mixed",
                              ("spring", "flyway", "executeintransaction"): "executeInTransaction",
                              ("spring", "flyway", "enabled"): "enabled"}
#: Properties that make a document apply only in some runs.
_CONDITIONS: frozenset[Name] = frozenset({("spring", "config", "activate", "onprofile"),
                                          ("spring", "config", "activate", "oncloudplatform"),
                                          ("spring", "profiles")})
#: `spring.flyway.init-sqls`: SQL Flyway runs on each connection (its `initSql`).
_INIT_SQLS: Name = ("spring", "flyway", "initsqls")
_NAMES = frozenset({*_SETTINGS, *_CONDITIONS, _INIT_SQLS})
#: A property's value as written: a string, a YAML sequence of strings, None for another.
Value = str | tuple[str, ...] | None

#: A Spring Boot classpath root's application files, the one that wins first.
APPLICATION_FILES = ("config/application.properties", "config/application.yml",
                     "config/application.yaml", "application.properties", "application.yml",
                     "application.yaml")

#: The words Spring's StringToBooleanConverter takes (trimmed, in lower case).
_BOOLEANS = {"true": True, "on": True, "yes": True, "1": True,
             "false": False, "off": False, "no": False, "0": False}
#: The YAML tags of scalars Spring Boot binds as such: strings and booleans.
_SCALAR_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:bool"})
_NOT_ALPHANUMERIC = lazy_compile(r"[^a-z0-9]+")


def spring_flyway_settings(folder: Path) -> dict[str, bool | str] | None:
    """The Flyway settings (`mixed`, `executeInTransaction`, `enabled`, `initSql`) that the
    application files of a Spring Boot classpath root `folder` set, by Flyway's names; None
    when `folder` holds none of them (no Spring Boot classpath root)."""
    files = [path for name in APPLICATION_FILES if os.path.isfile(path := folder / name)]
    if not files:
        return None
    settings: dict[str, bool | str] = {}
    for path in files:
        for key, value in _file_settings(path).items():
            settings.setdefault(key, value)
    return settings


def _file_settings(path: Path) -> dict[str, bool | str]:
    """What one application file sets: its unconditional documents', the later's first."""
    try:
        text = path.read_text(errors="replace")
    except OSError:  # unreadable: as if it said nothing
        return {}
    documents = _properties(text) if path.suffix == ".properties" else _yaml(text)
    settings: dict[str, bool | str] = {}
    for document in documents:
        values = dict(document)  # the last of a name counts
        if not _CONDITIONS.isdisjoint(values):
            continue
        for name, key in _SETTINGS.items():
            text = values.get(name)
            value = _BOOLEANS.get(text.strip().lower()) if isinstance(text, str) else None
            if value is not None:
                settings[key] = value
        if (sqls := values.get(_INIT_SQLS)) is not None:
            parts = [part.strip() for part in sqls.split(",")] if isinstance(sqls, str) else sqls
            settings["initSql"] = "\n".join(parts)
    return settings


def _name(name: str) -> Name:
    """`name`'s parts as relaxed binding compares them (empty parts left out)."""
    return tuple(part for part in (_NOT_ALPHANUMERIC.sub("", p.lower()) for p in name.split("."))
                 if part)


def _properties(text: str) -> list[list[tuple[Name, Value]]]:
    """The documents of an application.properties (`#---` or `!---` alone on a line between
    them), each the (name, value) of its properties that lockwise reads, in order; none when
    a malformed `\\u` escape makes Spring Boot refuse the file."""
    documents: list[list[str]] = [[]]
    for line in text.splitlines():
        if line in ("#---", "!---"):
            documents.append([])
        else:
            documents[-1].append(line)
    try:
        return [[(name, value) for key, value in property_entries(lines)
                 if (name := _name(key)) in _NAMES] for lines in documents]
    except MalformedProperties:  # Spring Boot refuses the whole file
        return []


def _yaml(text: str) -> list[list[tuple[Name, Value]]]:
    """The documents of an application.yml, as `_properties` gives them; none when it does not
    parse. Composed, not constructed: only the keys lockwise reads are looked at, their
    scalars as written (no Python object is built, no alias expanded)."""
    import yaml  # only a Spring Boot project with YAML settings needs it

    try:
        return [list(_yaml_entries(node, ())) for node in yaml.compose_all(text, yaml.SafeLoader)]
    except (yaml.YAMLError, RecursionError):  # RecursionError: nested deeper than it recurses
        return []


def _yaml_entries(node: yaml.Node | None, prefix: Name) -> Iterator[tuple[Name, Value]]:
    """The (name, value) of the properties lockwise reads below `node`, the mapping at
    `prefix`: YAML's nested keys joined as Spring Boot flattens them; a value that is no
    string or boolean scalar, nor a sequence of string scalars, is None."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                name = prefix + _name(key.value)
                # only towards a name lockwise reads, each key a step (no alias loops)
                if len(name) > len(prefix) and any(n[:len(name)] == name for n in _NAMES):
                    yield from _yaml_entries(value, name)
    elif prefix in _NAMES:
        yield prefix, _yaml_value(node)


def _yaml_value(node: yaml.Node | None) -> Value:
    """A property's YAML value as `_yaml_entries` gives it."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag in _SCALAR_TAGS else None
    if isinstance(node, yaml.SequenceNode):
        items = [item.value for item in node.value if isinstance(item, yaml.ScalarNode)
                 and item.tag == "tag:yaml.org,2002:str"]
        return tuple(items) if len(items) == len(node.value) else None
    return None
