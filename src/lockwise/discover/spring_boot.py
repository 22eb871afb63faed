"""Spring Boot's and Micronaut's Flyway configuration: what a JVM application's files say about
where Flyway finds the migrations it runs at start-up, whether it runs them, how it runs a
migration's transaction, and what it runs on each connection first.

Both frameworks run Flyway when the application starts, configured from properties read from
`application.properties`, `application.yml` and `application.yaml` at the root of the
classpath (in a Maven or Gradle project, `src/main/resources/`, which holds Flyway's default
location `db/migration`; for Spring Boot also the `config/` folder there); neither reads
flyway.conf or flyway.toml.

- Spring Boot runs Flyway once, from `spring.flyway.*` (its names for Flyway's:
  `spring.flyway.locations`, `.enabled`, `.mixed`, `.execute-in-transaction`, `.init-sqls`).
- Micronaut runs it once per data source configured under `flyway.datasources.<name>.*`
  (`.locations`, `.enabled`, `.mixed`, `.execute-in-transaction`, `.init-sql`), none when
  `flyway.enabled` is false. A file that names any `flyway.datasources.<name>` property is
  read as Micronaut's; any other, as Spring Boot's.

Read here as the frameworks read them:
- names bound relaxed: each `.`-separated part compared in lower case, letters and digits only
  (`spring.flyway.execute-in-transaction`, `spring.flyway.executeInTransaction` and
  `SPRING.FLYWAY.EXECUTE_IN_TRANSACTION` are one), YAML's nested keys joined with `.`;
- a boolean as Spring converts one: `true`, `on`, `yes`, `1` or `false`, `off`, `no`, `0`, any
  case (YAML's booleans too); anything else (a `${...}` placeholder, a YAML number) sets
  nothing, as the application would not start or lockwise cannot know its value;
- a list (`locations`, Spring's `init-sqls`) as Spring binds one: the property itself, a string
  split at its commas (each part trimmed), or else its indexed elements (`locations[0]`,
  `locations[1]`, ...; a YAML sequence is the same), from index 0 up to the first missing one;
  the property wins over elements of the same document, and the list comes whole from the one
  document (or file) that wins, never merged. Spring's `init-sqls` are joined with line breaks
  into Flyway's `initSql`; Micronaut's `init-sql` is one string;
- files of one folder by precedence: `config/` over the root, `.properties` over `.yml` over
  `.yaml`; in a file the later document (`#---` / `---`) and the later line count;
- Spring's profiles (fix-layouts20): the active ones are `SPRING_PROFILES_ACTIVE` in the
  environment lockwise runs in (set it for lint as for the application), else the base
  files' `spring.profiles.active` (comma-separated, the last wins), else
  `spring.profiles.default`, else `default`. Each active profile's files
  (`application-<profile>.properties|yml|yaml`, in the root and `config/`) win over the base
  files, a later profile's over an earlier one's; in any file a document activated by
  `spring.config.activate.on-profile` (or the older `spring.profiles`: a name, a list, or an
  expression with `!`, `&`, `|` and parentheses) is read when an active profile matches it,
  in its place among the file's documents. The profiles `spring.profiles.include` adds
  (fix-layouts21) come before the active ones, and each profile is followed by its group's
  (`spring.profiles.group.<name>`, depth first, each once), as Spring Boot 2.4+ orders them;
  `spring.profiles.active`, `.include` or `.default` in a profile's file or in a document a
  profile activates is refused (Spring Boot does not start). A document for a cloud platform
  (`...on-cloud-platform`) is not read, nor are Micronaut's environment files
  (`application-<env>.yml`);
- a file the framework refuses to load (YAML that does not parse, a malformed `\\u` escape in
  a properties file) is an input error naming its line: the application would not start.
- the environment's variables (fix-layouts23) over every file, as Spring Boot's system
  environment property source: `SPRING_FLYWAY_LOCATIONS` (comma-separated, or indexed
  `SPRING_FLYWAY_LOCATIONS_0`, `_1`, ...), `SPRING_FLYWAY_MIXED`, ...,
  `SPRING_LIQUIBASE_CHANGE_LOG` (or `SPRING_LIQUIBASE_CHANGELOG`), `SPRING_PROFILES_ACTIVE`,
  `SPRING_PROFILES_DEFAULT`; `SPRING_PROFILES_INCLUDE`'s profiles come before the files'.
  Micronaut's `liquibase.datasources.<name>.change-log` names each data source's master
  changelog (`liquibase_change_logs`).
- Flyway's placeholders (fix-layouts24): `spring.flyway.placeholders.<name>` (Micronaut's
  `flyway.datasources.<name>.placeholders.<name>`, as its configuration reference lists
  them), a map whose keys Spring Boot binds as written but for the characters other than
  letters, digits and `-` (a key in brackets whole; `SPRING_FLYWAY_PLACEHOLDERS_<NAME>`
  too), `placeholder-replacement`, `placeholder-prefix` and `placeholder-suffix`
  (`FlywayRun.placeholders`); a value that is a YAML number or boolean is its text as
  Spring binds it (fix-layouts25: `1`, `1.1` for `1.10`, `true` for `yes`).
- fix-layouts26: Micronaut's environment variables over every file
  (`_micronaut_environment_values`: `FLYWAY_ENABLED`, `FLYWAY_DATASOURCES_<NAME>_<SETTING>`,
  `LIQUIBASE_DATASOURCES_<NAME>_CHANGE_LOG` / `_ENABLED`, `DATASOURCES_<NAME>_URL` /
  `_USERNAME`; each `_` a `.` or a `-`, as Micronaut reads a variable); a list given as a
  placeholder's value binds each item as its own key (`regions.0`, ...) and is noted at its
  line (`placeholder_lists`); Flyway's built-in placeholders get their values from the
  run's settings (`_built_ins`: `default-schema`, `schemas`, `table`, `url` and `user`
  over the data source's); a run the files turn off is noted where (`flyway_turned_off`,
  `liquibase_turned_off`).

Locations (`location_folders`): `classpath:` (or no prefix) names a folder below the
classpath root, `filesystem:` one relative to the project's folder (the one that holds `src/`,
where `mvn spring-boot:run` or `gradle run` starts the application) or absolute; Spring Boot
replaces `{vendor}` with the database's name (`postgresql`, `mysql`, `mariadb`, ...), each
folder found in its place being one database's history. Flyway's wildcards (6.4 and later)
name every folder they match (`wildcard_folders`): `**` any number of folders (none too), `*`
any characters but a separator, `?` one such character. Other kinds (`s3:`, `gcs:`) are not
read. Spring Boot 1.x bound the same properties as `flyway.*` (`flyway.locations`, ...): read
so when a classpath root's files name no `spring.flyway.*` property.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.globs import WILDCARDS
from lockwise.core.lazy_re import lazy_compile
from lockwise.discover.dialects import database_named
from lockwise.discover.flyway_config import has_config, java_text
from lockwise.discover.properties import MalformedProperties, property_entries
from lockwise.parse.source import InputError

if TYPE_CHECKING:
    import yaml

#: A property's name as relaxed binding compares it: its `.`-separated parts, an index
#: (`[0]`) a part of its own.
Name = tuple[str, ...]
#: A property's value as a document sets it: a string, a list of strings (the elements of a
#: list property), None for a value that is neither.
Value = str | tuple[str, ...] | None

#: Spring Boot's prefix (from 2.0), and Micronaut's before a data source's name.
_SPRING: Name = ("spring", "flyway")
#: Spring Boot 1.x's prefix for the same properties (`flyway.locations`, `flyway.enabled`,
#: ...), read when a file set names none of 2.x's.
_SPRING_1: Name = ("flyway",)
_MICRONAUT: Name = ("flyway", "datasources")
#: Micronaut's switch for all of its Flyway runs.
_MICRONAUT_ENABLED: Name = ("flyway", "enabled")
#: The boolean settings that change what lockwise decides, by Flyway's names: `mixed` and
#: `executeInTransaction` (how a migration's transaction runs), `enabled` (false: the
#: framework does not run Flyway, whose own configuration then counts).
_BOOLEANS_READ = {"mixed": "mixed", "executeintransaction": "executeInTransaction",
                  "enabled": "enabled"}
#: How Flyway replaces placeholders (fix-layouts24): `placeholder-replacement` (a boolean),
#: `placeholder-prefix` and `-suffix`, and the map of values `placeholders.<name>`.
_REPLACEMENT, _PREFIX, _SUFFIX = "placeholderreplacement", "placeholderprefix", \
    "placeholdersuffix"
_PLACEHOLDERS = "placeholders"
#: The maps read: the names below one are its keys (`_name` keeps them as Spring binds them).
_MAPS: tuple[Name, ...] = (("spring", "flyway", _PLACEHOLDERS), ("flyway", _PLACEHOLDERS),
                           ("flyway", "datasources", "*", _PLACEHOLDERS))
#: Spring Boot's `init-sqls` (a list), Micronaut's `init-sql` (a string): Flyway's initSql.
_SPRING_INIT_SQL, _MICRONAUT_INIT_SQL = "initsqls", "initsql"
_LOCATIONS = "locations"
#: Properties that make a document apply only in some runs: for some profiles (and the
#: older spelling of the same), on a cloud platform.
_ON_PROFILE: Name = ("spring", "config", "activate", "onprofile")
_LEGACY_PROFILES: Name = ("spring", "profiles")
_CLOUD_PLATFORM: Name = ("spring", "config", "activate", "oncloudplatform")
_CONDITIONS: frozenset[Name] = frozenset({_ON_PROFILE, _CLOUD_PLATFORM, _LEGACY_PROFILES})
#: The profiles a run activates (the environment's variable over the files'), and those it
#: activates when none is.
_ACTIVE_PROFILES: Name = ("spring", "profiles", "active")
_DEFAULT_PROFILES: Name = ("spring", "profiles", "default")
#: Profiles added to the active ones (Spring Boot puts them first), and the groups: a
#: profile's name for the profiles it brings in after it (`spring.profiles.group.<name>`).
_INCLUDE_PROFILES: Name = ("spring", "profiles", "include")
_GROUPS: Name = ("spring", "profiles", "group")
#: What Spring Boot refuses in a profile-specific file or a document a profile activates
#: (InvalidConfigDataPropertyException): the application does not start.
_NOT_IN_PROFILE_DOCUMENTS = (_ACTIVE_PROFILES, _INCLUDE_PROFILES, _DEFAULT_PROFILES)
#: The parts of names read here that Spring writes with dashes (`execute-in-transaction`):
#: the environment's variable may spell the dashes as `_` (`SPRING_LIQUIBASE_CHANGE_LOG`),
#: the legacy name Spring's SystemEnvironmentPropertyMapper also looks for.
_DASHED = {"executeintransaction": "execute_in_transaction", "initsqls": "init_sqls",
           "changelog": "change_log", _REPLACEMENT: "placeholder_replacement",
           _PREFIX: "placeholder_prefix", _SUFFIX: "placeholder_suffix",
           "defaultschema": "default_schema"}
#: Spring Boot's `spring.liquibase.change-log` as relaxed binding reads it, and its default.
_CHANGE_LOG: Name = ("spring", "liquibase", "changelog")
#: Micronaut's master changelog of each data source (`liquibase.datasources.<name>.change-log`).
_MICRONAUT_LIQUIBASE: Name = ("liquibase", "datasources")
_DEFAULT_CHANGE_LOG = "classpath:/db/changelog/db.changelog-master.yaml"
#: `spring.liquibase.enabled`: false, and Spring Boot runs no Liquibase at all.
_LIQUIBASE_ENABLED: Name = ("spring", "liquibase", "enabled")
#: The database the application's data source connects to, and each tool's own url over it
#: (`spring.flyway.url`, `spring.liquibase.url`): the database a history is run on.
_DATASOURCE_URL: Name = ("spring", "datasource", "url")
_TOOL_URLS: dict[str, Name] = {"flyway": _SPRING + ("url",),
                               "liquibase": ("spring", "liquibase", "url")}
#: A run's settings that Flyway's built-in placeholders read (fix-layouts26), below its
#: prefix: `default-schema`, `schemas`, `table`, and its own connection's `url` and `user`.
_BUILT_IN_SETTINGS = ("defaultschema", "schemas", "table", "url", "user")
#: The data source a run connects with when it sets no url or user of its own: Spring
#: Boot's `spring.datasource.*`, Micronaut's `datasources.<name>.*` (Micronaut Flyway runs
#: on the data source of its name).
_DATASOURCE_USER: Name = ("spring", "datasource", "username")
_MICRONAUT_DATASOURCES: Name = ("datasources",)
#: Micronaut's settings read from its environment variables (fix-layouts26), by the words of
#: a variable's name after the data source's: a data source's Flyway run's
#: (`FLYWAY_DATASOURCES_DEFAULT_EXECUTE_IN_TRANSACTION`), its Liquibase run's, its own.
_MICRONAUT_VARIABLES: dict[Name, dict[tuple[str, ...], str]] = {
    _MICRONAUT: {("locations",): _LOCATIONS, ("enabled",): "enabled", ("mixed",): "mixed",
                 ("execute", "in", "transaction"): "executeintransaction",
                 ("init", "sql"): _MICRONAUT_INIT_SQL,
                 ("placeholder", "replacement"): _REPLACEMENT,
                 ("placeholder", "prefix"): _PREFIX, ("placeholder", "suffix"): _SUFFIX,
                 **{tuple(words.split("_")): key for key, words in (
                     ("defaultschema", "default_schema"), ("schemas", "schemas"),
                     ("table", "table"), ("url", "url"), ("user", "user"))}},
    _MICRONAUT_LIQUIBASE: {("change", "log"): "changelog", ("enabled",): "enabled"},
    _MICRONAUT_DATASOURCES: {("url",): "url", ("username",): "username"},
}


#: The application's name, in each framework's words: a marker of which it is.
_APPLICATION_NAMES: tuple[Name, ...] = (("spring", "application", "name"),
                                        ("micronaut", "application", "name"))
#: The names read (`*`: any one part, a Micronaut data source's name).
_PATTERNS: tuple[Name, ...] = (
    *(prefix + (key,) for key in (*_BOOLEANS_READ, _SPRING_INIT_SQL, _LOCATIONS,
                                  _REPLACEMENT, _PREFIX, _SUFFIX, *_BUILT_IN_SETTINGS)
      for prefix in (_SPRING, _SPRING_1)),
    *(name + ("*",) for name in _MAPS),
    # any property of a data source's says Micronaut runs Flyway for it
    _MICRONAUT + ("*", "*"), _MICRONAUT_ENABLED, *_CONDITIONS, _CHANGE_LOG,
    _MICRONAUT_LIQUIBASE + ("*", "changelog"), _MICRONAUT_LIQUIBASE + ("*", "enabled"),
    _LIQUIBASE_ENABLED, _ACTIVE_PROFILES, _DATASOURCE_USER,
    *(_MICRONAUT_DATASOURCES + ("*", key) for key in ("url", "username")),
    _DEFAULT_PROFILES, _INCLUDE_PROFILES,
    _GROUPS + ("*",), _DATASOURCE_URL, *_TOOL_URLS.values(),
    # which framework the application is (`_spring_application`)
    *_APPLICATION_NAMES)

#: Flyway's default location, where both frameworks leave it.
DEFAULT_LOCATIONS = ("classpath:db/migration",)

#: A classpath root's application files, the one that wins first.
APPLICATION_FILES = ("config/application.properties", "config/application.yml",
                     "config/application.yaml", "application.properties", "application.yml",
                     "application.yaml")

#: The words Spring's StringToBooleanConverter takes (trimmed, in lower case).
_BOOLEANS = {"true": True, "on": True, "yes": True, "1": True,
             "false": False, "off": False, "no": False, "0": False}
#: The YAML tags of scalars the frameworks bind as such: strings and booleans.
_SCALAR_TAGS = frozenset({"tag:yaml.org,2002:str", "tag:yaml.org,2002:bool"})
_NOT_ALPHANUMERIC = lazy_compile(r"[^a-z0-9]+")
#: What Spring Boot drops of a map's key written without brackets.
_NOT_KEY = lazy_compile(r"[^A-Za-z0-9-]+")
#: A name's parts: an index in brackets, or the text between dots and brackets.
_PARTS = lazy_compile(r"\[[^\]]*\]|[^.\[\]]+")
#: A `\u` escape that is not followed by four hexadecimal digits (after an even number of
#: backslashes): the line a properties loader refuses.
_BAD_UNICODE_ESCAPE = lazy_compile(r"(?<!\\)(?:\\\\)*\\u(?![0-9a-fA-F]{4})")


class FlywayRun:
    """One Flyway run an application configures: Spring Boot's (`spring.flyway`) or one
    Micronaut data source's (`flyway.datasources.<name>`). (A plain class, as the layouts'.)"""

    __slots__ = ("config", "enabled", "locations", "name", "placeholders", "root", "settings")

    def __init__(self, name: str, locations: tuple[str, ...] | None,
                 settings: dict[str, bool | str], enabled: bool,
                 config: Path | None = None, root: Path | None = None) -> None:
        #: The properties' prefix, as a message names the run.
        self.name = name
        #: The locations as configured, None when left to Flyway's default (DEFAULT_LOCATIONS).
        self.locations = locations
        #: `mixed`, `executeInTransaction` and `initSql`, those the files set.
        self.settings = settings
        #: Whether the application runs it at start-up.
        self.enabled = enabled
        #: Flyway's own config file (flyway.toml, flyway.conf) that sets the locations, None
        #: for an application's run: its folder and those above it set the other settings.
        self.config = config
        #: The classpath root whose application files configure it (an application's run).
        self.root = root
        #: How it replaces placeholders, as the files set it: prefix, suffix, whether it
        #: does, and each value by name in lower case (an application's run).
        self.placeholders: tuple[str, str, bool, dict[str, str]] = ("${", "}", True, {})

    @property
    def spring(self) -> bool:
        """Whether Spring Boot 2 or later runs it (which replaces `{vendor}` in its locations;
        1.x did not)."""
        return self.name == "spring.flyway"


def application_runs(folder: Path) -> list[FlywayRun] | None:
    """The Flyway runs the application files of the classpath root `folder` configure (one for
    Spring Boot, one per data source for Micronaut), enabled or not; None when `folder` holds
    no application file. Raises InputError for a file the framework refuses to load."""
    values = _application_values(folder)
    if values is None:
        return None
    sources = sorted({name[2] for name in values if len(name) > 3 and name[:2] == _MICRONAUT})
    if not sources:
        # Spring Boot 1.x's `flyway.*`, when the files name no `spring.flyway.*` property
        old = not any(name[:2] == _SPRING for name in values) and \
            any(name[:1] == _SPRING_1 for name in values)
        runs = [_run(values, _SPRING_1 if old else _SPRING, _SPRING_INIT_SQL, True)]
    else:
        enabled = _boolean(values.get(_MICRONAUT_ENABLED)) is not False
        runs = [_run(values, _MICRONAUT + (source,), _MICRONAUT_INIT_SQL, enabled)
                for source in sources]
    for run in runs:
        run.root = folder
        run.placeholders[3].update(_built_ins(values, run, folder))
    return runs


def _application_values(folder: Path) -> dict[Name, Value] | None:
    """What the application files of the classpath root `folder` set (`_application_sources`),
    None when it holds none."""
    found = _application_sources(folder)
    return None if found is None else {name: value for name, (value, _, _) in found.items()}


def _application_sources(folder: Path) -> dict[Name, tuple[Value, Path | None, int]] | None:
    """What the application files of the classpath root `folder` set, by precedence, for
    the profiles active (`_active_profiles`): the environment's variables
    (`_environment_values`: Spring Boot's system environment, over every file), then each
    active profile's files (`application-<profile>.*`, the last profile's first) over the
    base files, and in each file its unconditional documents and those activated by an
    active profile; each value with the file and the document (from 0) that set it (None
    and 0 for a variable's). None when it holds neither. Raises InputError for a file the
    framework refuses to load."""
    files = [path for name in APPLICATION_FILES if os.path.isfile(path := folder / name)]
    read = {path: _file_documents(path) for path in files}
    active = _active_profiles(read)
    profiled = [path for profile in reversed(active) for name in APPLICATION_FILES
                if os.path.isfile(path := folder / _profile_file(name, profile))]
    if not files and not profiled:
        return None
    in_files: dict[Name, tuple[Value, Path | None, int]] = {}
    for path in profiled + files:
        documents = read[path] if path in read else _file_documents(path)
        for name, (value, document) in _active_values(documents, active, path,
                                                      path not in read).items():
            in_files.setdefault(name, (value, path, document))
    variables = _environment_values()
    if not _spring_application(folder, in_files):
        variables |= _micronaut_environment_values()
    values: dict[Name, tuple[Value, Path | None, int]] = {
        name: (value, None, 0) for name, value in variables.items()}
    for name, entry in in_files.items():
        values.setdefault(name, entry)
    return values


#: Build files and Micronaut's project file, looked for in the classpath root's folder and
#: those above it (`_spring_application`).
_BUILD_FILES = ("pom.xml", "build.gradle", "build.gradle.kts", "micronaut-cli.yml")
#: The words of a build file that name each framework: its Gradle plugins and Maven parents
#: or dependencies (`io.micronaut.application`, `io.micronaut.platform`;
#: `org.springframework.boot`).
_MICRONAUT_BUILD, _SPRING_BUILD = b"io.micronaut", b"org.springframework.boot"


def _spring_application(folder: Path, in_files: dict[Name, object]) -> bool:
    """Whether the classpath root `folder` is a Spring Boot application's and no Micronaut
    one's, by the project's own markers (fix-layouts27): its application files' keys
    (`spring.*`; Micronaut's `micronaut.*`, `flyway.datasources.*`, `datasources.*`,
    `liquibase.datasources.*`), else the nearest build file above it (Maven's or Gradle's
    naming `org.springframework.boot` or `io.micronaut`; `micronaut-cli.yml` is Micronaut's).
    Micronaut's variables (`FLYWAY_DATASOURCES_<NAME>_...`) are not read for a Spring Boot
    application, where they would have made it Micronaut's; a project that shows neither
    reads them, as before."""
    heads = {name[:2] for name in in_files} | {name[:1] for name in in_files}
    if heads & {("micronaut",), _MICRONAUT, _MICRONAUT_DATASOURCES, _MICRONAUT_LIQUIBASE}:
        return False
    if ("spring",) in heads:
        return True
    for candidate in (folder, *list(folder.parents)[:3]):
        found = [name for name in _BUILD_FILES if os.path.isfile(candidate / name)]
        if found:
            from lockwise.discover.layouts import file_head

            texts = [file_head(candidate / name) or b"" for name in found]
            micronaut = "micronaut-cli.yml" in found or any(_MICRONAUT_BUILD in t for t in texts)
            return not micronaut and any(_SPRING_BUILD in text for text in texts)
    return False


def application_database(classpath_root: Path, tool: str) -> tuple[str, str] | None:
    """The database Spring Boot runs `tool` (`flyway`, `liquibase`) on for the application
    files of `classpath_root`, by the kind of its JDBC url (`dialects.url_database`), with
    where the url is set: the tool's own url (`spring.flyway.url`, `spring.liquibase.url`)
    over the data source's (`spring.datasource.url`), each from the environment's variable
    (`SPRING_FLYWAY_URL`, ...) over the files. None when no url is set or its kind is none
    lockwise knows (a `${...}` placeholder Spring resolves at start-up decides nothing, unless
    the kind is written: `jdbc:mysql://${DB_HOST}/app`). Raises InputError for a file the
    framework refuses to load."""
    from lockwise.discover.dialects import url_database

    found = _application_sources(classpath_root)
    if found is None:
        return None
    for name in (_TOOL_URLS[tool], _DATASOURCE_URL):
        if name not in found or not isinstance(url := found[name][0], str):
            continue
        where = _setting_place(found, name)
        database = url_database(url)
        return None if database is None else (database, where)
    return None


#: A profile-specific twin of an application file (`application-<profile>.yml`).
_PROFILE_FILE = lazy_compile(r"application-.+\.(?:properties|yml|yaml)")


def is_profile_file(name: str) -> bool:
    """Whether the file `name` (no folder) may be an application file of some profile (what
    `lint --base` unpacks at another revision beside the base files: the profiles active
    there are known only once that revision's files are read)."""
    return _PROFILE_FILE.fullmatch(name) is not None


def _profile_file(name: str, profile: str) -> str:
    """The profile-specific twin of the application file `name`: `application-<profile>`
    with the same folder and extension."""
    head, _, extension = name.rpartition(".")
    return f"{head}-{profile}.{extension}"


def _active_profiles(base: dict[Path, list[dict[Name, Value]]]) -> list[str]:
    """The profiles Spring Boot runs with, in order (the last wins): SPRING_PROFILES_ACTIVE
    from the environment over `spring.profiles.active` of the base files' unconditional
    documents (the file of highest precedence, its last document), after the profiles
    `spring.profiles.include` adds (SPRING_PROFILES_INCLUDE's, then every base file's);
    without either, `spring.profiles.default` (SPRING_PROFILES_DEFAULT over the files'),
    else `default`, as Spring Boot activates when none is. Each
    is followed by its group's (`spring.profiles.group.<name>`), depth first, a profile met
    again not repeated (Spring Boot's Profiles.expandProfiles)."""
    variables = _environment_values()
    first: dict[Name, Value] = {}
    included = _profile_list(variables.get(_INCLUDE_PROFILES))
    for documents in base.values():
        merged: dict[Name, Value] = {}
        for found in documents:
            if _CONDITIONS.isdisjoint(found):
                merged.update(found)
        for name, value in merged.items():
            first.setdefault(name, value)
        included += _profile_list(merged.get(_INCLUDE_PROFILES))
    chosen = variables[_ACTIVE_PROFILES] if _ACTIVE_PROFILES in variables else \
        first.get(_ACTIVE_PROFILES)
    profiles = list(dict.fromkeys([*included, *_profile_list(chosen)]))
    if not profiles:
        default = variables.get(_DEFAULT_PROFILES, first.get(_DEFAULT_PROFILES))
        profiles = _profile_list(default) or ["default"]
    return _with_groups(profiles, first)


def _variable_names(name: Name) -> tuple[str, ...]:
    """The environment variables that set Spring Boot's property `name`, the one Spring
    asks first first: its parts in upper case joined by `_` (`SPRING_FLYWAY_LOCATIONS`), and
    for a name Spring writes with dashes, the legacy spelling with `_` for each dash
    (`SPRING_LIQUIBASE_CHANGE_LOG` beside `SPRING_LIQUIBASE_CHANGELOG`)."""
    uniform = "_".join(name).upper()
    legacy = "_".join(_DASHED.get(part, part) for part in name).upper()
    return (uniform,) if legacy == uniform else (uniform, legacy)


def _environment_values() -> dict[Name, Value]:
    """The Spring Boot properties read here (`spring.*` of `_PATTERNS`, but the conditions
    of a document) that the environment lockwise runs in sets, as Spring Boot's system
    environment property source binds them over every application file: the variable
    itself (a list's elements comma-separated), else a list's indexed variables
    (`SPRING_FLYWAY_LOCATIONS_0`, `_1`, ... up to the first missing); a map's keys from
    the variables named after it (`SPRING_FLYWAY_PLACEHOLDERS_MY_SCHEMA`: the key
    `my.schema`, each `_` a dot, as Spring's SystemEnvironmentPropertyMapper maps it). Set
    them for lint as for the application."""
    out: dict[Name, Value] = {}
    for name in _MAPS:
        if name[0] == "spring":
            start = "_".join(name).upper() + "_"
            for variable, given in os.environ.items():
                if variable.upper().startswith(start) and len(variable) > len(start):
                    key = tuple(part for part in variable[len(start):].lower().split("_")
                                if part)
                    out[name + key] = given
    for name in _PATTERNS:
        if name[0] != "spring" or "*" in name or name in _CONDITIONS:
            continue
        variables = _variable_names(name)
        given = next((os.environ[v] for v in variables if v in os.environ), None)
        if given is not None:
            out[name] = given
            continue
        items: list[str] = []
        while (item := os.environ.get(f"{variables[0]}_{len(items)}")) is not None:
            items.append(item)
        if items:
            out[name] = tuple(items)
    return out


def _micronaut_environment_values() -> dict[Name, Value]:
    """The Micronaut properties read here that the environment lockwise runs in sets
    (fix-layouts26), over every application file, as Micronaut's environment property
    source reads a variable (its guide's "Property Value Binding"): the name in lower case,
    each `_` a `.` or a `-`. `FLYWAY_ENABLED`, and a data source's settings
    (`FLYWAY_DATASOURCES_<NAME>_<SETTING>`, `LIQUIBASE_DATASOURCES_<NAME>_CHANGE_LOG` or
    `_ENABLED`, `DATASOURCES_<NAME>_URL` or `_USERNAME`): the data source's name is the
    words before the first that spell a setting (joined as relaxed binding compares
    names). A placeholder's (`FLYWAY_DATASOURCES_DEFAULT_PLACEHOLDERS_MY_SCHEMA`) sets each
    key its words may spell (`my.schema`, `my-schema`). A list (`locations`) is a
    comma-separated value. Set them for lint as for the application."""
    out: dict[Name, Value] = {}
    for variable, given in os.environ.items():
        words = variable.lower().split("_")
        if "" in words:
            continue
        if words == ["flyway", "enabled"]:
            out[_MICRONAUT_ENABLED] = given
            continue
        for head, settings in _MICRONAUT_VARIABLES.items():
            if tuple(words[:len(head)]) == head:
                out |= dict.fromkeys(_micronaut_names(head, words[len(head):], settings),
                                     given)
                break
    return out


def _micronaut_names(head: Name, words: list[str], settings: dict[tuple[str, ...], str]
                     ) -> list[Name]:
    """The properties below `head` that a Micronaut variable whose name's other words are
    `words` sets (`_micronaut_environment_values`): none when they spell no setting read."""
    for at in range(1, len(words)):
        source, rest = "".join(words[:at]), tuple(words[at:])
        if rest in settings:
            return [head + (source, settings[rest])]
        if head == _MICRONAUT and rest[0] == _PLACEHOLDERS and 1 < len(rest) <= 8:
            # each `_` of the key a `.` or a `-`, as Micronaut generates them
            keys: list[Name] = [(rest[1],)]
            for word in rest[2:]:
                keys = [option for key in keys for option in (
                    key + (word,), key[:-1] + (f"{key[-1]}-{word}",))]
            return [head + (source, _PLACEHOLDERS) + key for key in keys]
    return []


def _setting_place(found: dict[Name, tuple[Value, Path | None, int]], name: Name,
                   said: str = "") -> str:
    """Where the property `name` of `found` (`_application_sources`) is set, as a message
    says it: `<name>[ <said>] at <file>:<line>`, or `the environment variable <variable>[
    <said>]`."""
    _, path, document = found[name]
    said = f" {said}" if said else ""
    if path is not None:
        return f"{'.'.join(name)}{said} at {path}:{_property_line(path, document, name)}"
    variable = _given_variable(name) if name[0] == "spring" else "_".join(name).upper()
    return f"the environment variable {variable}{said}"


def placeholder_lists(run: FlywayRun) -> list[str]:
    """What to say of each list the application files give as a placeholder's value in the
    application's `run` (fix-layouts26: `placeholders: {regions: [eu, us]}`, or
    `placeholders.regions[0]=eu`): Spring Boot binds a map of strings from its items, each
    its own key (`regions.0`, `regions.1`), and `${regions}` has no value (Flyway stops at
    it). Said at the file and line of the list's key; Micronaut's run is read the same way
    (how Micronaut binds a list to a map of strings is not checked)."""
    found = _application_sources(run.root) if run.root is not None else None
    if not found:
        return []
    start = (*run.name.split("."), _PLACEHOLDERS)
    lists: dict[Name, list[Name]] = {}
    for name in found:
        if len(name) > len(start) + 1 and name[:len(start)] == start and \
                name[-1].isdecimal() and name[:-1] not in found and found[name][1] is not None:
            lists.setdefault(name[:-1], []).append(name)
    out = []
    for key, items in lists.items():
        _, path, document = found[items[0]]
        assert path is not None
        shown = ".".join(key[len(start):])
        keys = ", ".join("${" + ".".join(name[len(start):]) + "}"
                         for name in sorted(items, key=lambda n: int(n[-1]))[:3])
        binds = "Spring Boot binds each item as a placeholder of its own" if \
            start[:2] != _MICRONAUT else "lockwise reads each item as a placeholder of its " \
            "own, as Spring Boot binds them (Micronaut's binding of it is not checked)"
        out.append(f"{path}:{_property_line(path, document, key)}: {'.'.join(key)} is a list: "
                   f"{binds} ({keys}), and ${{{shown}}} has no value (Flyway stops at it): "
                   f"give it one string (items joined with commas, if the migration wants "
                   f"them so)")
    return out


def _given_variable(name: Name) -> str:
    """The environment variable that gives the property `name` (`_environment_values`)."""
    variables = _variable_names(name)
    return next((v for v in variables if v in os.environ), f"{variables[0]}_0")


def _profile_list(value: Value) -> list[str]:
    """The profiles a list property names (empty items left out)."""
    return [item for item in _list(value) if item]


def _with_groups(profiles: list[str], values: dict[Name, Value]) -> list[str]:
    """`profiles`, each followed by the members of its group in `values` (and theirs)."""
    out: dict[str, None] = {}
    stack = list(reversed(profiles))
    while stack:
        current = stack.pop()
        if current not in out:
            out[current] = None
            stack += reversed(_profile_list(values.get(_GROUPS + _name(current))))
    return list(out)


def _refuse_profile_settings(found: dict[Name, Value], path: Path, document: int) -> None:
    """Raise InputError when the document `found` (the `document`th of `path`), read as a
    profile's, sets what Spring Boot refuses there (`spring.profiles.active`, `.include`,
    `.default`)."""
    for name in _NOT_IN_PROFILE_DOCUMENTS:
        if name in found:
            raise InputError(
                f"`{'.'.join(name)}` in a profile-specific document: Spring Boot refuses it "
                "there and the application does not start (set it in a document that no "
                "profile activates, of application.properties or application.yml)",
                path, _property_line(path, document, name))


def _property_line(path: Path, document: int, name: Name) -> int:
    """The line of the `document`th document of `path` (from 0) where the property `name` (or
    an element of it) is set, its first; else 1."""
    text = _read_text(path)
    if path.suffix != ".properties":
        return _yaml_line(text, document, name)
    at = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line in ("#---", "!---"):  # as `_properties` splits the documents
            at += 1
        elif at == document:
            # (its key alone: a continued value's lines are not looked at again)
            key = next(iter(property_entries([line])), ("", ""))[0] \
                if not _BAD_UNICODE_ESCAPE.search(line) else ""
            if _name(key)[:len(name)] == name:
                return number
    return 1


def _yaml_line(text: str, document: int, name: Name) -> int:
    """`_property_line` of an application.yml's `text` (which parses: it was read)."""
    import yaml

    nodes = list(yaml.compose_all(text, yaml.SafeLoader))
    node = nodes[document] if document < len(nodes) else None
    prefix: Name = ()
    while isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            full = prefix + _name(key.value, prefix)
            if full[:len(name)] == name:
                return key.start_mark.line + 1
            if len(full) < len(name) and name[:len(full)] == full:
                node, prefix = value, full
                break
        else:
            break
    return 1


def _active_values(documents: list[dict[Name, Value]], active: list[str],
                   path: Path, profiled: bool) -> dict[Name, tuple[Value, int]]:
    """What one file sets for the `active` profiles: its documents in order, the later's
    values first, each unconditional or activated by a profile (`on-profile`, or the older
    `spring.profiles`), with the document (from 0) that sets each; one that applies on a
    cloud platform only is not read. Raises InputError when a profile's document (any of
    a `profiled` file, one a profile activates) sets the active, included or default
    profiles, which Spring Boot refuses."""
    values: dict[Name, tuple[Value, int]] = {}
    for document, found in enumerate(documents):
        if _CONDITIONS.isdisjoint(found):
            if profiled:
                _refuse_profile_settings(found, path, document)
        elif _activated(found, active, path):
            _refuse_profile_settings(found, path, document)
        else:
            continue
        values.update((name, (value, document)) for name, value in found.items())
    return values


def _activated(found: dict[Name, Value], active: list[str], path: Path) -> bool:
    """Whether the document whose values are `found` applies with the `active` profiles."""
    if _CLOUD_PLATFORM in found:
        return False
    expression = found.get(_ON_PROFILE, found.get(_LEGACY_PROFILES))
    if expression is None:
        return False
    items = [item for item in _list(expression) if item]
    return any(_profiles_match(item, set(active), path) for item in items)


def liquibase_change_logs(directory: Path) -> list[Path]:
    """The master changelogs the application of the classpath root nearest above
    `directory` (the first folder, `directory` itself included, that holds application
    files) runs: Micronaut's, one per data source (`liquibase.datasources.<name>.change-log`,
    by name), when the files name any; else Spring Boot's `spring.liquibase.change-log`
    (`SPRING_LIQUIBASE_CHANGE_LOG` over it), by default
    `classpath:/db/changelog/db.changelog-master.yaml`. A `classpath:` path (or one without
    prefix) is below the classpath root, a `file:` one from the project's folder. None
    without application files; another kind of resource is left out."""
    found = _nearest_application(directory)
    if found is None:
        return []
    candidate, values = found
    micronaut = [value.strip() for name, value in sorted(values.items())
                 if len(name) == 4 and name[:2] == _MICRONAUT_LIQUIBASE and
                 name[3] == "changelog" and isinstance(value, str) and value.strip()]
    if not micronaut:
        named = values.get(_CHANGE_LOG)
        micronaut = [named.strip() if isinstance(named, str) and named.strip() else
                     _DEFAULT_CHANGE_LOG]
    return [path for named in micronaut
            if (path := _resource_path(named, candidate)) is not None]


def _resource_path(named: str, candidate: Path) -> Path | None:
    """The file of resource `named` for the application whose classpath root is
    `candidate` (see `liquibase_change_logs`), None for a kind lockwise does not read."""
    kind, sep, rest = named.partition(":")
    if not sep or kind in ("classpath", "classpath*"):
        return candidate / (rest if sep else named).lstrip("/")
    if kind == "file":
        return Path(rest) if os.path.isabs(rest) else _project_folder(candidate) / rest
    return None


def liquibase_turned_off(directory: Path) -> str | None:
    """Where the application files of the classpath root nearest above `directory` (itself
    included) turn Liquibase off, as a message says it (`_setting_place`): Spring Boot's
    `spring.liquibase.enabled` false, or (fix-layouts26) Micronaut's
    `liquibase.datasources.<name>.enabled` false for every data source it names (its
    environment's variables too): the application then runs none of its changelogs. None
    where they leave it on."""
    found = _nearest_sources(directory)
    if found is None:
        return None
    values = found[1]
    sources = sorted({name[2] for name in values
                      if len(name) == 4 and name[:2] == _MICRONAUT_LIQUIBASE})
    off = [_MICRONAUT_LIQUIBASE + (source, "enabled") for source in sources]
    if sources and all(_boolean(values.get(name, (None,))[0]) is False for name in off):
        return "; ".join(_setting_place(values, name, "is false") for name in off)
    if not sources and _boolean(values.get(_LIQUIBASE_ENABLED, (None,))[0]) is False:
        return _setting_place(values, _LIQUIBASE_ENABLED, "is false")
    return None


def flyway_turned_off(directory: Path) -> str | None:
    """Where the application whose Flyway run would read the location `directory` turns
    that run off (fix-layouts26), as a message says it (`_setting_place`): Spring Boot's
    `spring.flyway.enabled` false, Micronaut's `flyway.datasources.<name>.enabled` or
    `flyway.enabled` false. The nearest classpath root above `directory` decides, as
    `application_run` reads it; None when its enabled runs read `directory`, when none of
    its runs would, or when Flyway's own config files are met first."""
    folder = Path(os.path.abspath(directory))
    for candidate in folder.parents:
        runs = application_runs(candidate)
        if runs is not None:
            if _claim(runs, candidate, directory, fallback=True) is not None:
                return None
            off = [run for run in runs if not run.enabled]
            for run in off:
                run.enabled = True  # (as it would run: these runs are this call's own)
            claim = _claim(off, candidate, directory, fallback=True)
            found = _application_sources(candidate)
            if claim is None or found is None:
                return None
            prefix = tuple(claim[0].name.split("."))
            named = prefix + ("enabled",)
            if _boolean(found.get(named, (None,))[0]) is not False:
                named = _MICRONAUT_ENABLED
            return _setting_place(found, named, "is false")
        if has_config(candidate):
            return None
    return None


#: What a note says of a turned-off tool's folder: what the application then leaves unrun,
#: and who may run it instead (with what settings).
_TURNED_OFF = {
    "flyway": ("Flyway at start-up", "migrations", "with Flyway's own settings, as its "
               "command line or build plugin would run them"),
    "liquibase": ("Liquibase", "changesets", "as the Liquibase command line would run them"),
}


def turned_off_note(directory: Path, tool: str) -> str | None:
    """What to say of the folder `directory` of `tool` (`flyway`, `liquibase`) when its
    application turns that tool off (`flyway_turned_off`, `liquibase_turned_off`): the
    application applies none of it, and it is linted all the same, as another runner may
    run it (fix-layouts26). None when the application runs it, or none is found; a file the
    framework refuses is said where it is read, not here."""
    try:
        where = (flyway_turned_off if tool == "flyway" else liquibase_turned_off)(directory)
    except (InputError, OSError):
        return None
    if where is None:
        return None
    runs, items, instead = _TURNED_OFF[tool]
    return (f"{directory}: {where}: the application runs no {runs}, so it applies none of "
            f"these {items} (linted all the same, {instead}; remove the setting if the "
            f"application should run them)")


def nearest_classpath_root(directory: Path) -> Path | None:
    """The first folder from `directory` up that holds application files (see
    `_nearest_application`), None when none does."""
    found = _nearest_application(directory)
    return None if found is None else found[0]


def _nearest_application(directory: Path) -> tuple[Path, dict[Name, Value]] | None:
    """The first folder from `directory` up that holds application files (the classpath root
    of the application whose resources `directory` is among), and what they set."""
    found = _nearest_sources(directory)
    return None if found is None else \
        (found[0], {name: value for name, (value, _, _) in found[1].items()})


def _nearest_sources(directory: Path
                     ) -> tuple[Path, dict[Name, tuple[Value, Path | None, int]]] | None:
    """`_nearest_application`, each value with where it is set (`_application_sources`)."""
    folder = Path(os.path.abspath(directory))
    for candidate in (folder, *folder.parents):
        found = _application_sources(candidate)
        if found is not None:
            return candidate, found
    return None


def _run(values: dict[Name, Value], prefix: Name, init_sql: str, enabled: bool) -> FlywayRun:
    """The run of the properties below `prefix`; `enabled`: unless they turn it off."""
    settings: dict[str, bool | str] = {}
    for key, setting in _BOOLEANS_READ.items():
        if (value := _boolean(values.get(prefix + (key,)))) is not None:
            settings[setting] = value
    sqls = values.get(prefix + (init_sql,))
    if init_sql == _SPRING_INIT_SQL and sqls is not None:
        settings["initSql"] = "\n".join(_list(sqls))
    elif isinstance(sqls, str):
        settings["initSql"] = sqls
    locations = values.get(prefix + (_LOCATIONS,))
    on = enabled and settings.pop("enabled", True) is not False
    run = FlywayRun(".".join(prefix), None if locations is None else tuple(
        item for item in _list(locations) if item), settings, on)
    run.placeholders = _placeholders(values, prefix)
    return run


def _built_ins(values: dict[Name, Value], run: FlywayRun, root: Path) -> dict[str, str]:
    """The values of Flyway's built-in placeholders lint can tell for the application's
    `run` (fix-layouts26), read from its own settings as Flyway's are
    (`flyway_config.built_in_placeholders`): its `default-schema` and `schemas`, its
    `table`, its own `url` and `user` over its data source's (`spring.datasource.url` and
    `.username`; Micronaut's `datasources.<name>.url` and `.username`), and the folder the
    application runs in (`_project_folder` of the classpath `root`) as the working
    directory."""
    from lockwise.discover.flyway_config import built_in_placeholders

    prefix = tuple(run.name.split("."))
    if prefix[:2] == _MICRONAUT:
        url_name, user_name = (_MICRONAUT_DATASOURCES + prefix[2:] + (key,)
                               for key in ("url", "username"))
    else:
        url_name, user_name = _DATASOURCE_URL, _DATASOURCE_USER
    schemas = values.get(prefix + ("schemas",))
    return built_in_placeholders(
        values.get(prefix + ("defaultschema",)), _list(schemas) if schemas else None,
        values.get(prefix + ("user",), values.get(user_name)),
        values.get(prefix + ("url",), values.get(url_name)),
        values.get(prefix + ("table",)), _project_folder(root))


def _placeholders(values: dict[Name, Value], prefix: Name
                  ) -> tuple[str, str, bool, dict[str, str]]:
    """How the run of the properties below `prefix` replaces placeholders (fix-layouts24):
    `placeholder-prefix` and `-suffix` (Flyway's `${` and `}` when unset or empty),
    `placeholder-replacement` (true unless a boolean says false: a value Spring cannot
    convert, a `${...}` it resolves at start-up, decides nothing), and the values of the
    map `placeholders.<name>`, by name in lower case (a key of several parts joined with
    `.`, as Spring binds a map of strings)."""
    given = {key: value for key in (_PREFIX, _SUFFIX)
             if isinstance(value := values.get(prefix + (key,)), str) and value}
    start = prefix + (_PLACEHOLDERS,)
    found = {".".join(name[len(start):]): value for name, value in values.items()
             if len(name) > len(start) and name[:len(start)] == start
             and isinstance(value, str)}
    return (given.get(_PREFIX, "${"), given.get(_SUFFIX, "}"),
            _boolean(values.get(prefix + (_REPLACEMENT,))) is not False, found)


def _boolean(value: Value) -> bool | None:
    """A boolean property's value as Spring converts it; None for one it does not."""
    return _BOOLEANS.get(value.strip().lower()) if isinstance(value, str) else None


def _list(value: Value) -> tuple[str, ...]:
    """A list property's elements: a string's comma-separated parts, trimmed."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(","))
    return tuple(item.strip() for item in value) if value is not None else ()


def _file_documents(path: Path) -> list[dict[Name, Value]]:
    """What each document of one application file sets, in order (its conditions among
    them)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:  # unreadable: as if it said nothing
        return []
    documents = _properties(text, path) if path.suffix == ".properties" else _yaml(text, path)
    return [_document_values(document) for document in documents]


#: A profile expression's parts: a name, `!`, `&`, `|` or a parenthesis.
_PROFILE_TOKENS = lazy_compile(r"\s*([!&|()]|[^!&|()\s]+)")


def _profiles_match(expression: str, active: set[str], path: Path) -> bool:
    """Whether Spring's profile expression `expression` (`prod`, `!test`, `prod & eu`,
    `(a | b) & !c`) holds for the `active` profiles. Raises InputError at the file for a
    malformed one, which Spring refuses (the application does not start)."""
    tokens = _PROFILE_TOKENS.findall(expression)
    at = 0

    def malformed() -> InputError:
        text = _read_text(path)
        line = next((n for n, row in enumerate(text.splitlines(), 1) if expression in row), 1)
        return InputError(f"profile expression {expression!r} is malformed: Spring Boot "
                          "refuses it and the application does not start (write profile "
                          "names joined by `&` or `|`, a `!` before one to negate it, and "
                          "parentheses to mix the two)", path, line)

    def operand() -> bool:
        nonlocal at
        if at >= len(tokens):
            raise malformed()
        token = tokens[at]
        at += 1
        if token == "!":
            return not operand()
        if token == "(":
            value = either()
            if at >= len(tokens) or tokens[at] != ")":
                raise malformed()
            at += 1
            return value
        if token in "&|)":
            raise malformed()
        return token in active

    def either() -> bool:
        nonlocal at
        value = operand()
        joiner = None
        while at < len(tokens) and tokens[at] in "&|":
            if joiner not in (None, tokens[at]):  # Spring refuses `a & b | c` unbracketed
                raise malformed()
            joiner = tokens[at]
            at += 1
            other = operand()
            value = value and other if joiner == "&" else value or other
        return value

    result = either()
    if at != len(tokens):
        raise malformed()
    return result


def _read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _document_values(entries: Iterable[tuple[Name, str | None]]) -> dict[Name, Value]:
    """The values one document sets: the last of a name; a list from the property itself, or
    else from its elements `[0]`, `[1]`, ... up to the first missing one (one that is no
    string makes the list set nothing)."""
    values: dict[Name, Value] = {}
    elements: dict[Name, dict[int, str | None]] = {}
    for name, value in entries:
        if name[-1].startswith("["):
            # an index of decimal digits, as Java's Character.isDigit reads one (`[²]` is a
            # map key: no element)
            if name[-1][1:-1].isdecimal():
                elements.setdefault(name[:-1], {})[int(name[-1][1:-1])] = value
        else:
            values[name] = value
    for name, items in elements.items():
        if name not in values:
            found: list[str | None] = []
            while len(found) in items:
                found.append(items[len(found)])
            values[name] = _strings(found)
    return values


def _strings(items: list[str | None]) -> tuple[str, ...] | None:
    """`items`, when every one is a string."""
    strings = [item for item in items if item is not None]
    return tuple(strings) if len(strings) == len(items) else None


def _name(name: str, prefix: Name = ()) -> Name:
    """`name`'s parts (below `prefix`, a YAML key's) as relaxed binding compares them (empty
    parts left out, an index kept as `[n]`). A map's key (below one of `_MAPS`) as Spring
    Boot binds it: a part in brackets whole, another without the characters other than
    letters, digits and `-` (`my_schema` is `myschema`); in lower case, as Flyway compares
    placeholders' names."""
    parts: list[str] = []
    for part in _PARTS.findall(name):
        if _in_map(prefix + tuple(parts)):
            if kept := (part[1:-1] if part.startswith("[") else _NOT_KEY.sub("", part)):
                parts.append(kept.lower())
        elif part.startswith("["):
            parts.append("[" + part[1:-1].strip().lower() + "]")
        elif kept := _NOT_ALPHANUMERIC.sub("", part.lower()):
            parts.append(kept)
    return tuple(parts)


def _in_map(name: Name) -> bool:
    """Whether `name` is one of `_MAPS` or below one: what follows is its key."""
    return any(len(name) >= len(m) and _matches(name[:len(m)], m) for m in _MAPS)


def _matches(name: Name, pattern: Name) -> bool:
    return len(name) == len(pattern) and \
        all(p in ("*", n) for n, p in zip(name, pattern, strict=True))


def _read(name: Name) -> bool:
    """Whether `name` is a property read here, or an element of one (a map's key)."""
    return any(_matches(name, p) or (name[-1:] and name[-1].startswith("[") and
                                     _matches(name[:-1], p)) for p in _PATTERNS) or \
        (len(name) > 1 and _in_map(name[:-1]))


def _towards(name: Name) -> bool:
    """Whether a YAML key at `name` may lead to a property read here."""
    return any(len(name) < len(p) and _matches(name, p[:len(name)]) for p in _PATTERNS)


def _properties(text: str, path: Path) -> list[list[tuple[Name, str | None]]]:
    """The documents of an application.properties (`#---` or `!---` alone on a line between
    them), each the (name, value) of its properties read here, in order. Raises InputError
    for a malformed `\\u` escape, for which Java refuses the whole file."""
    documents: list[list[str]] = [[]]
    for line in text.splitlines():
        if line in ("#---", "!---"):
            documents.append([])
        else:
            documents[-1].append(line)
    try:
        return [[(name, value) for key, value in property_entries(lines)
                 if _read(name := _name(key))] for lines in documents]
    except MalformedProperties:
        line = next((number for number, line in enumerate(text.splitlines(), 1)
                     if _BAD_UNICODE_ESCAPE.search(line)), 1)
        raise InputError("a `\\u` escape without four hexadecimal digits: Java's properties "
                         "loader refuses the file and the application does not start (write "
                         "the character itself, or `\\\\u` for a backslash and a u)",
                         path, line) from None


def _yaml(text: str, path: Path) -> list[list[tuple[Name, str | None]]]:
    """The documents of an application.yml, as `_properties` gives them. Composed, not
    constructed: only the keys towards the names read here are looked at, their scalars as
    written (no Python object is built, no alias expanded). Raises InputError for a file
    that does not parse."""
    import yaml  # only an application with YAML settings needs it

    try:
        return [list(_yaml_entries(node, ())) for node in yaml.compose_all(text, yaml.SafeLoader)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(_NOT_YAML.format(exc.problem or exc.context), path,
                         mark.line + 1 if mark else 1, mark.column + 1 if mark else 1) from None
    except yaml.YAMLError as exc:  # a character YAML does not allow
        raise InputError(_NOT_YAML.format(str(exc).splitlines()[0]), path,
                         text.count("\n", 0, getattr(exc, "position", 0)) + 1) from None
    except RecursionError:
        raise InputError(_NOT_YAML.format("nested deeper than lockwise can read"),
                         path) from None


#: The message of an application file that does not parse as YAML.
_NOT_YAML = "does not parse as YAML: {} (the application does not start with it: fix the file)"


def _yaml_entries(node: yaml.Node | None, prefix: Name) -> Iterator[tuple[Name, str | None]]:
    """The (name, value) of the properties read here below `node`, the mapping at `prefix`:
    YAML's nested keys joined as the frameworks flatten them, a sequence's items as the
    elements `[0]`, `[1]`, ...; a value that is no string or boolean scalar is None."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                name = prefix + _name(key.value, prefix)
                # only towards a name read here, each key a step (no alias loops)
                if len(name) > len(prefix) and (_towards(name) or _read(name)):
                    yield from _yaml_entries(value, name)
    elif isinstance(node, yaml.SequenceNode) and _in_map(prefix[:-1]):
        # a list as a map's value: Spring Boot's loader flattens it to `key[0]`, `key[1]`,
        # ... and binding a map of strings makes each its own key, `key.0`, `key.1`
        # (MapBinder's key name joins the name's elements with `.`): no value for `key`
        for index, item in enumerate(node.value):
            yield from _yaml_entries(item, prefix + (str(index),))
    elif isinstance(node, yaml.SequenceNode) and _read(prefix):
        for index, item in enumerate(node.value):
            yield prefix + (f"[{index}]",), _yaml_scalar(item)
    elif _read(prefix):
        yield prefix, _yaml_text(node) if _PLACEHOLDERS in prefix[:-1] else _yaml_scalar(node)


def _yaml_scalar(node: yaml.Node | None) -> str | None:
    """A scalar as written, when it is a string or a boolean; None for any other node."""
    import yaml

    return node.value if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_TAGS \
        else None


def _yaml_text(node: yaml.Node | None) -> str | None:
    """A placeholder's value (a map of strings) as Spring Boot binds a YAML scalar: SnakeYAML
    builds the Java object (YAML 1.1: `yes`, `on` are booleans, `010` octal), and the
    binder converts it to its text (`true`, `8`, `1.5`; `1.10` is the Double `1.1`). None for
    a null or a node that is no scalar."""
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        return None
    if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
        return node.value  # (Spring Boot's loader reads no timestamp: a string)
    return java_text(yaml.SafeLoader("").construct_object(node))


# --- where a run's locations are -------------------------------------------------------------

#: A location's kind, before its first `:` (Flyway reads one without as classpath:).
_CLASSPATH, _FILESYSTEM = "classpath", "filesystem"


def _project_folder(classpath_root: Path) -> Path:
    """The folder a Maven or Gradle build runs the application in: the one holding
    `src/main/resources` (the classpath root), else the classpath root itself."""
    parts = classpath_root.parts
    return classpath_root.parents[2] if parts[-3:] == ("src", "main", "resources") \
        else classpath_root


def location_path(location: str, classpath_root: Path) -> Path | None:
    """The folder a Flyway location names (a `{vendor}` or a wildcard still in it), or None
    for one lockwise does not read: another kind than classpath: or filesystem:."""
    if "\0" in location:  # no folder's name holds one: the JVM finds nothing there
        return None
    kind, sep, rest = location.strip().partition(":")
    if not sep:
        kind, rest = _CLASSPATH, location.strip()
    if kind not in (_CLASSPATH, _FILESYSTEM):
        return None
    if kind == _CLASSPATH:
        return classpath_root / rest.strip("/")
    return Path(rest) if os.path.isabs(rest) else _project_folder(classpath_root) / rest


def location_folders(run: FlywayRun, classpath_root: Path) -> list[tuple[str | None,
                                                                          list[Path]]]:
    """The folders of `run`'s locations that exist, as (vendor, folders): one entry, vendor
    None, when no location names `{vendor}`; else one per folder found in its place (each a
    database Spring Boot may run the locations on), with that vendor in every location."""
    locations = DEFAULT_LOCATIONS if run.locations is None else run.locations
    named = [path for location in locations
             if (path := location_path(location, classpath_root)) is not None]
    paths = [found for folders in wildcard_folders_of(named) for found in folders]
    templates = [str(path) for path in paths]
    vendors = sorted({vendor for template in templates if "{vendor}" in template
                      for vendor in _vendors(template)}) if run.spring else []
    if not vendors:
        return [(None, [path for path in paths if path.is_dir()])]
    return [(vendor, [Path(folder) for template in templates
                      if os.path.isdir(folder := template.replace("{vendor}", vendor))])
            for vendor in vendors]


def fixed_part(path: Path) -> Path:
    """The folders of a location's `path` before its first wildcard or `{vendor}`: where the
    folders it may name are (all of `path` when it has neither)."""
    parts = path.parts
    cut = next((i for i, part in enumerate(parts) if "{vendor}" in part or
                WILDCARDS.search(part)), len(parts))
    return Path(*parts[:cut]) if cut else Path(".")


def wildcard_folders(path: Path) -> list[Path]:
    """The folders a location's `path` names, as Flyway expands its wildcards (by name, the
    folders below `fixed_part` that match); `path` itself when it has none."""
    return wildcard_folders_of([path])[0]


def wildcard_folders_of(paths: list[Path]) -> list[list[Path]]:
    """`wildcard_folders` of each of a run's location `paths`. The folders below a
    `fixed_part` are listed once, and read once against all the locations' globs below it
    together (`GlobSet`): fifty locations over ten thousand folders matched each location
    against each folder, half a million matches."""
    from lockwise.core.globs import GlobSet

    out: list[list[Path]] = [[path] for path in paths]
    # (base, depth) -> the locations below base: their places in `paths` and globs
    groups: dict[tuple[Path, int | None], list[tuple[int, str]]] = {}
    for at, path in enumerate(paths):
        base = fixed_part(path)
        rest = path.relative_to(base).as_posix() if base != path else ""
        if not WILDCARDS.search(rest) or "{vendor}" in rest:
            continue
        # without `**` a match is as many folders deep as the glob: no need to look deeper
        depth = None if "**" in rest else rest.rstrip("/").count("/") + 1
        groups.setdefault((base, depth), []).append((at, rest))
    for (base, depth), members in groups.items():
        globs = GlobSet([rest.rstrip("/") for _, rest in members])
        found: list[list[Path]] = [[] for _ in members]
        # the state each folder's path ended in, by its path: a folder's is read on from
        # its parent's (os.walk lists a folder before those in it)
        states: dict[str, int | None] = {}
        for relative in _folders_below(base, depth):
            parent, _, name = relative.rpartition("/")
            state = globs.read(states[parent], f"/{name}" if parent else name) \
                if relative else globs.start
            states[relative] = state
            for index in globs.ends(state, relative):
                # the folder before the wildcards only for `**` (none or more folders):
                # `sql/*` names the folders in sql/, not sql/ itself
                if relative or members[index][1].startswith("**"):
                    found[index].append(base / relative if relative else base)
        for (at, _), folders in zip(members, found, strict=True):
            out[at] = folders
    return out


def _folders_below(base: Path, depth: int | None) -> list[str]:
    """`base` (as "") and the folders below it, at most `depth` deep (None: any), by name,
    relative to it, `/`-separated."""
    top = len(str(base).rstrip(os.sep)) + 1
    found = []
    for folder, subfolders, _ in os.walk(base):
        subfolders.sort()
        # (by its text: a Path made for each folder of each location was most of the time)
        relative = folder[top:].replace(os.sep, "/")
        if depth is not None and relative and relative.count("/") + 1 >= depth:
            subfolders.clear()
        found.append(relative)
    return found


def _vendors(template: str) -> set[str]:
    """The databases' names that, put for `{vendor}` in the path `template`, name a folder that
    exists (`postgresql`, `h2`: a name lockwise knows for a database, as Spring Boot puts one
    of its drivers' ids there, never `static` or `templates`)."""
    head, _, tail = template.partition("{vendor}")
    parent, _, start = head.rpartition(os.sep)
    end = tail.split(os.sep, 1)[0]
    pattern = re.compile(re.escape(start) + r"(.+)" + re.escape(end))
    try:
        names = os.listdir(parent or ".")
    except OSError:
        return set()
    return {match.group(1) for name in names if (match := pattern.fullmatch(name))
            and database_named(match.group(1)) is not None
            and os.path.isdir(template.replace("{vendor}", match.group(1)))}


def location_roots(classpath_root: Path, runs: list[FlywayRun] | None = None) -> list[Path]:
    """The folders where the locations of every Flyway run that the application files of
    `classpath_root` configure (or of `runs`, read below it) are, enabled or not: each
    location's `fixed_part` (the folder itself when it has no wildcard nor `{vendor}`),
    whether it exists or not."""
    runs = application_runs(classpath_root) or [] if runs is None else runs
    return [fixed_part(path) for run in runs
            for location in (DEFAULT_LOCATIONS if run.locations is None else run.locations)
            if (path := location_path(location, classpath_root)) is not None]


def flyway_config_run(folder: Path) -> FlywayRun | None:
    """The run of Flyway's command line in `folder` when its flyway.toml (`[flyway]`'s
    `locations`, a list of strings or one comma-separated string) or else its flyway.conf
    (`flyway.locations`, comma-separated) sets the locations; None when neither does. Read as
    an application's locations, relative to `folder` (Flyway's working directory, where it
    finds those files): `filesystem:` below it, `classpath:` below its `src/main/resources`
    (a Maven or Gradle project's, which the build puts on the classpath). The other settings
    are read from the files by the folder (`layouts._flyway_settings`). Raises InputError for
    a flyway.toml that does not parse."""
    from lockwise.discover.layouts import flyway_locations

    locations = flyway_locations(folder)
    if locations is None:
        return None
    return FlywayRun("flyway", tuple(item.strip() for item in locations if item.strip()), {},
                     True, config=folder)


def config_classpath_root(folder: Path) -> Path:
    """The classpath root a `classpath:` location of Flyway's own config file in `folder` is
    read below (see `flyway_config_run`)."""
    return folder / "src" / "main" / "resources"


def classpath_root_of(application_file: Path) -> Path:
    """The classpath root an application file (one of APPLICATION_FILES) belongs to."""
    return application_file.parent.parent if application_file.parent.name == "config" \
        else application_file.parent


def holds_application_files(folder: Path, names: Iterable[str]) -> bool:
    """Whether a folder whose entries are `names` may be a classpath root: it holds an
    application file, or a `config/` folder that may."""
    return any(name.startswith(("application.", "application-")) or name == "config"
               for name in names)


def mixed_setting(directory: Path) -> str:
    """What sets Flyway's `mixed` for the migrations of the location `directory`, as a
    message names it (fix-layouts27): the property of the application run that runs it and
    its environment variable (Spring Boot's `spring.flyway.mixed`, `SPRING_FLYWAY_MIXED`;
    a Micronaut data source's `flyway.datasources.<name>.mixed`,
    `FLYWAY_DATASOURCES_<NAME>_MIXED`), else Flyway's own files and variable. An application
    file the framework refuses names Flyway's (discovery said what is wrong with it)."""
    try:
        claim = application_run(directory)
    except (InputError, OSError):
        claim = None
    if claim is None or claim[0].config is not None:
        return "flyway.conf's flyway.mixed, flyway.toml's mixed, or FLYWAY_MIXED"
    prefix = claim[0].name
    variable = re.sub(r"[.\-]", "_", prefix).upper() + "_MIXED"
    return f"{prefix}.mixed, or the environment variable {variable}"


def application_run(directory: Path) -> tuple[FlywayRun, list[Path]] | None:
    """The Flyway run of a Spring Boot or Micronaut application that runs the location
    `directory`, with the folders that run reads as one history (all of its locations when
    `directory` is one of them, `directory` alone when it is a folder below one); None when
    no application runs it, or Flyway's own configuration decides.

    Looked for in the folders above `directory`, nearest first: one that holds application
    files (a classpath root) decides, by the run whose locations hold `directory`, or else by
    the one run that leaves its locations to Flyway's default (a location below the classpath
    root is taken to be one it runs, as `mixed` was read before locations were); a project's
    folder whose `src/main/resources` holds them decides when one of its runs names
    `directory` (a `filesystem:` location outside the classpath root). A flyway.toml or
    flyway.conf met first (nearer the location) leaves it to Flyway's own tools. Raises
    InputError for an application file the framework refuses to load."""
    folder = Path(os.path.abspath(directory))
    for candidate in (folder, *folder.parents):
        runs = application_runs(candidate) if candidate != folder else None
        if runs is not None:
            return _claim(runs, candidate, directory, fallback=True)
        project = candidate / "src" / "main" / "resources"
        if candidate != folder and os.path.isdir(project) and \
                (runs := application_runs(project)) is not None and \
                (claim := _claim(runs, project, directory, fallback=False)) is not None:
            return claim
        if has_config(candidate):
            # Flyway's command line, run in this folder: its `locations` when it sets them
            run = flyway_config_run(candidate)
            return None if run is None else \
                _claim([run], config_classpath_root(candidate), directory, fallback=False)
    return None


def locations_below(directories: Iterable[Path]) -> list[Path]:
    """The folders strictly below any of the locations `directories` that a Flyway run
    configured above it (or in it) reads as its own locations: for each, the nearest folder
    whose application files or Flyway config files configure runs decides. Flyway scans a
    location's folders too, but those are another run's history (`sql/r1` named by `sql/*`),
    each migration run once. A folder with Flyway's config files that set no locations ends
    the search. (Each deciding folder's runs are read and their locations found once for all
    of `directories`: a run of a thousand locations is one run's, not a thousand.)"""
    from bisect import bisect_left

    # deciding folder -> its runs' folders, sorted with their places in the order found:
    # those below a directory are a run of the sorted list (a look at each of them for each
    # directory was quadratic in a run of thousands of wildcard matches)
    configured: dict[Path, list[tuple[str, int]] | None] = {}
    out: list[Path] = []
    for directory in directories:
        folder = Path(os.path.abspath(directory))
        for candidate in (folder, *folder.parents):
            if candidate not in configured:
                found = _configured_folders(candidate)
                configured[candidate] = None if found is None else \
                    sorted((path, at) for at, path in enumerate(found))
            if (ordered := configured[candidate]) is not None:
                prefix = str(folder).rstrip(os.sep) + os.sep
                below = []
                for path, at in ordered[bisect_left(ordered, (prefix, -1)):]:
                    if not path.startswith(prefix):
                        break
                    below.append((at, path))
                out += [Path(path) for _, path in sorted(below)]
                break
    return out


def _configured_folders(candidate: Path) -> list[str] | None:
    """The existing folders of the locations of the enabled runs that the application files
    (in `candidate` or its `src/main/resources`) or Flyway's config files of `candidate`
    configure, absolute; empty when Flyway's config files there set no locations; None when
    `candidate` configures nothing (the search goes on above it)."""
    configured = [(run, root) for root in (candidate, candidate / "src" / "main" / "resources")
                  for run in application_runs(root) or []]
    if (run := flyway_config_run(candidate)) is not None:
        configured.append((run, config_classpath_root(candidate)))
    if not configured:
        if has_config(candidate):
            return []  # Flyway's own files without locations: as `application_run`
        return None
    return [os.path.abspath(found) for run, root in configured if run.enabled
            for _, folders in location_folders(run, root) for found in folders]


def _claim(runs: list[FlywayRun], classpath_root: Path, directory: Path,
           fallback: bool) -> tuple[FlywayRun, list[Path]] | None:
    """The enabled run of `runs` that reads `directory`, with the folders it reads with it
    (see `application_run`): spelt as `directory` is, relative when it is."""
    real = os.path.realpath(directory)
    enabled = [run for run in runs if run.enabled]
    for run in enabled:
        for _, folders in location_folders(run, classpath_root):
            # a location itself first: `db/**` names `db/` and `db/b/`, `db/b/` is one
            for location in folders:
                if real == os.path.realpath(location):
                    return run, [directory if other == location else _spelt(other, directory)
                                 for other in folders]
            for location in folders:
                if real.startswith(os.path.realpath(location).rstrip(os.sep) + os.sep):
                    return run, [directory]
    defaults = [run for run in enabled if run.locations is None]
    return (defaults[0], [directory]) if fallback and len(defaults) == 1 else None


def _spelt(folder: Path, like: Path) -> Path:
    """The absolute `folder`, relative to the working directory when `like` is relative."""
    return folder if like.is_absolute() else Path(os.path.relpath(folder))
