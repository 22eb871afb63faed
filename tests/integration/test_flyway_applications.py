"""Flyway run by a JVM application (discover/spring_boot.py): Spring Boot's
`spring.flyway.locations` and list properties (indexed, YAML sequences, comma-separated),
Micronaut's `flyway.datasources.<name>.*`, and application files that do not load."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover, discover_histories, spring_boot
from lockwise.discover.spring_boot import _glob_matches, _glob_tokens, wildcard_folders
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.source import InputError
from tree_helpers import write

#: A Maven or Gradle project's classpath root, where the application files are.
_RESOURCES = "src/main/resources"
_PROPERTIES = f"{_RESOURCES}/application.properties"
_YML = f"{_RESOURCES}/application.yml"
#: A migration mixing a statement that takes a transaction with one that refuses it: Flyway
#: refuses it in a transaction unless `mixed` is on (or executeInTransaction off).
_MIXED = "ALTER TABLE t ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"
_TIMEOUTS = {"missing-lock-timeout", "missing-statement-timeout"}


def _histories(root: Path) -> list[tuple[str, list[str]]]:
    """Each history found below `root`: its folder and its migrations' paths, relative."""
    return [(folder.relative_to(root).as_posix(),
             [m.path.relative_to(root).as_posix() for m in migrations])
            for folder, migrations in discover_histories(root, notes=[], dialect="postgresql")]


def _rules(migrations: list) -> set[str]:
    return {f.rule for f in lint_migrations(migrations, LintOptions())[-1].all_findings}


def _all_rules(migrations: list) -> set[str]:
    """The rules reported on any of `migrations` (`_rules`: on the last one)."""
    return {f.rule for report in lint_migrations(migrations, LintOptions())
            for f in report.all_findings}


def _lint(target: Path) -> tuple[int, dict, str]:
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", str(target)])
    report = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    return result.exit_code, report, result.stderr


# --- Spring Boot's locations ------------------------------------------------------------------

#: Three migrations in two classpath locations, their versions interleaved.
_TWO_LOCATIONS = {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
                  f"{_RESOURCES}/db/seed/V2__s.sql": "CREATE TABLE s (a int);\n",
                  f"{_RESOURCES}/db/migration/V3__u.sql": "CREATE TABLE u (a int);\n"}
_ONE_HISTORY = [("src/main/resources/db/migration",
                 ["src/main/resources/db/migration/V1__t.sql",
                  "src/main/resources/db/seed/V2__s.sql",
                  "src/main/resources/db/migration/V3__u.sql"])]


@pytest.mark.parametrize("config", [
    {_PROPERTIES: "spring.flyway.locations=classpath:db/migration,classpath:db/seed\n"},
    {_PROPERTIES: "spring.flyway.locations = db/migration , classpath:/db/seed/\n"},
    {_PROPERTIES: "spring.flyway.locations[0]=classpath:db/migration\n"
                  "spring.flyway.locations[1]=classpath:db/seed\n"},
    {_PROPERTIES: "spring.flyway.locations[1]=classpath:db/seed\n"
                  "spring.flyway.locations[0]=classpath:db/migration\n"},
    {_YML: "spring:\n  flyway:\n    locations:\n      - classpath:db/migration\n"
           "      - classpath:db/seed\n"},
    {_YML: "spring.flyway.locations: [classpath:db/migration, classpath:db/seed]\n"},
    {_YML: "spring:\n  flyway:\n    locations: classpath:db/migration,classpath:db/seed\n"},
    {_PROPERTIES: "spring.flyway.locations=classpath:db/migration,classpath:db/seed\n"
                  "spring.flyway.locations[0]=classpath:db/other\n"},
    {_PROPERTIES: "spring.flyway.locations=classpath:db/other\n#---\n"
                  "spring.flyway.locations[0]=classpath:db/migration\n"
                  "spring.flyway.locations[1]=classpath:db/seed\n"},
    {_PROPERTIES: "spring.flyway.locations=classpath:db/migration,classpath:db/seed\n",
     _YML: "spring.flyway.locations: [classpath:db/other]\n"},
], ids=["comma-separated", "no-prefix-spaces-slashes", "indexed", "indexed-any-order",
        "yml-sequence", "yml-flow-sequence", "yml-comma-separated", "property-over-elements",
        "later-document-whole", "properties-over-yml-whole"])
def test_the_locations_of_a_spring_boot_run_are_one_history(
        tmp_path: Path, config: dict[str, str]) -> None:
    """Flyway reads all the locations of a run as one history, in version order whatever the
    folder: `lockwise lint` of the project reads the configured locations as one (not one
    history per folder), however the list is written."""
    write(tmp_path, {**_TWO_LOCATIONS, **config})
    assert _histories(tmp_path) == _ONE_HISTORY
    # named alone, a location is read with the others of its run
    assert [m.path.name for m in discover(tmp_path / _RESOURCES / "db" / "seed")] == \
        ["V1__t.sql", "V2__s.sql", "V3__u.sql"]


def test_a_version_in_two_locations_of_a_run_is_a_duplicate(tmp_path: Path) -> None:
    """Flyway refuses a version used in two locations of one run: `lockwise lint` of the
    project reports it (read as two histories, each had its own version 1)."""
    write(tmp_path, {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
                     f"{_RESOURCES}/db/seed/V1__s.sql": "CREATE TABLE s (a int);\n",
                     _PROPERTIES: "spring.flyway.locations=db/migration,db/seed\n"})
    exit_code, report, _ = _lint(tmp_path)
    assert exit_code == 1
    assert [c["kind"] for c in report["conflicts"]] == ["duplicate-version"]


def test_elements_after_a_missing_index_are_not_read(tmp_path: Path) -> None:
    """Spring binds `locations[0]`, `[1]`, ... up to the first missing index."""
    write(tmp_path, {**_TWO_LOCATIONS,
                     _PROPERTIES: "spring.flyway.locations[0]=classpath:db/migration\n"
                                  "spring.flyway.locations[2]=classpath:db/seed\n"})
    found = dict(_histories(tmp_path))
    assert found["src/main/resources/db/migration"] == [
        "src/main/resources/db/migration/V1__t.sql", "src/main/resources/db/migration/V3__u.sql"]


def test_a_filesystem_location_follows_the_application_settings(tmp_path: Path) -> None:
    """`filesystem:` names a folder relative to the project (where the build runs the
    application): its migrations are read with the classpath ones, and the application's
    `mixed` decides how they run; without the setting Flyway refuses the mixed migration."""
    write(tmp_path, {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
                     "sql/V2__i.sql": _MIXED,
                     _PROPERTIES: "spring.flyway.locations[0]=classpath:db/migration\n"
                                  "spring.flyway.locations[1]=filesystem:sql\n"
                                  "spring.flyway.mixed=true\n"})
    [(root, paths)] = _histories(tmp_path)
    assert (root, paths) == ("src/main/resources/db/migration", [
        "src/main/resources/db/migration/V1__t.sql", "sql/V2__i.sql"])
    assert "concurrently-in-transaction" not in _rules(discover(tmp_path / "sql"))
    write(tmp_path, {_PROPERTIES: "spring.flyway.locations=db/migration,filesystem:sql\n"})
    assert "concurrently-in-transaction" in _rules(discover(tmp_path / "sql"))


#: Migrations in release folders below db/, and one folder that no wildcard below names.
_RELEASES = {f"{_RESOURCES}/db/r1/migration/V1__a.sql": "CREATE TABLE a (x int);\n",
             f"{_RESOURCES}/db/migration/V2__b.sql": "CREATE TABLE b (x int);\n",
             f"{_RESOURCES}/db/r2/x/migration/V3__c.sql": "CREATE TABLE c (x int);\n",
             f"{_RESOURCES}/db/r22/migration/V4__d.sql": "CREATE TABLE d (x int);\n",
             "sql/s1/V5__e.sql": "CREATE TABLE e (x int);\n",
             "sql/s2/V6__f.sql": "CREATE TABLE f (x int);\n"}


@pytest.mark.parametrize(("locations", "versions"), [
    ("classpath:db/**/migration", ["1", "2", "3", "4"]),
    ("classpath:db/*/migration", ["1", "4"]),
    ("classpath:db/r?/migration,db/migration", ["1", "2"]),
    ("classpath:db/r*/migration,filesystem:sql/*", ["1", "4", "5", "6"]),
    ("filesystem:sql/s?,classpath:db/**/x/migration", ["3", "5", "6"]),
], ids=["double-star", "star-one-folder", "question-mark", "star-and-filesystem",
        "filesystem-question-mark"])
def test_location_wildcards_name_the_folders_flyway_expands_them_to(
        tmp_path: Path, locations: str, versions: list[str]) -> None:
    """Flyway's location wildcards (6.4 and later): `**` stands for any number of folders,
    none too; `*` for any characters but `/`; `?` for one. Every folder they match is a
    location of the run, all read as one history."""
    write(tmp_path, {**_RELEASES, _PROPERTIES: f"spring.flyway.locations={locations}\n"})
    [run] = [[m.version for m in migrations] for _, migrations in discover_histories(
        tmp_path, notes=[], dialect="postgresql") if migrations[0].version == versions[0]]
    assert run == versions


@pytest.mark.parametrize("config", [
    {_PROPERTIES: "flyway.locations=classpath:db/migration,classpath:db/seed\n"},
    {_YML: "flyway:\n  locations:\n    - classpath:db/migration\n    - classpath:db/seed\n"},
], ids=["properties", "yml"])
def test_spring_boot_1_flyway_locations(tmp_path: Path, config: dict[str, str]) -> None:
    """Spring Boot 1.x bound the same properties without `spring.` (`flyway.locations`,
    `flyway.mixed`, ...): read so when the files name no `spring.flyway` property."""
    write(tmp_path, {**_TWO_LOCATIONS, **config})
    assert _histories(tmp_path) == _ONE_HISTORY


def test_spring_boot_1_flyway_enabled_false_leaves_flyway_s_own_files(tmp_path: Path) -> None:
    """`flyway.enabled=false` (1.x) turns Spring's run off: flyway.conf decides again."""
    write(tmp_path, {f"{_RESOURCES}/db/migration/V1__i.sql": _MIXED,
                     _PROPERTIES: "flyway.mixed=true\n"})
    assert "concurrently-in-transaction" not in _rules(
        discover(tmp_path / _RESOURCES / "db" / "migration"))
    write(tmp_path, {_PROPERTIES: "flyway.enabled=false\nflyway.mixed=true\n"})
    assert "concurrently-in-transaction" in _rules(
        discover(tmp_path / _RESOURCES / "db" / "migration"))
    write(tmp_path, {_PROPERTIES: "spring.flyway.enabled=true\nflyway.mixed=true\n"})
    assert "concurrently-in-transaction" in _rules(  # 2.x's names: `flyway.*` not read
        discover(tmp_path / _RESOURCES / "db" / "migration"))


def test_unread_names_are_noted_in_every_location_of_a_run(tmp_path: Path) -> None:
    """A file Flyway does not take is named whichever location of the run holds it."""
    write(tmp_path, {**_TWO_LOCATIONS,
                     f"{_RESOURCES}/db/seed/v4__lower.sql": "SELECT 1;\n",
                     f"{_RESOURCES}/db/migration/V5_x.sql": "SELECT 1;\n",
                     _PROPERTIES: "spring.flyway.locations=db/migration,db/seed\n"})
    notes: list[str] = []
    discover_histories(tmp_path, notes=notes, dialect="postgresql")
    assert len(notes) == 1, notes
    assert "V5_x.sql" in notes[0] and "db/seed/v4__lower.sql" in notes[0]


def test_a_run_whose_first_location_is_empty_is_found(tmp_path: Path) -> None:
    """The history is found where the run's Flyway files are: an empty first location does
    not hide the others."""
    (tmp_path / _RESOURCES / "db" / "migration").mkdir(parents=True)
    write(tmp_path, {"sql/V1__t.sql": "CREATE TABLE t (a int);\n",
                     _PROPERTIES: "spring.flyway.locations=db/migration,filesystem:sql\n"})
    assert _histories(tmp_path) == [("sql", ["sql/V1__t.sql"])]


def test_explicit_locations_leave_other_folders_to_flyway(tmp_path: Path) -> None:
    """A Flyway folder below the classpath root that the configured locations leave out is
    not run by Spring Boot: its settings do not apply there (Flyway's own do)."""
    write(tmp_path, {f"{_RESOURCES}/db/changes/V1__t.sql": "CREATE TABLE t (a int);\n",
                     f"{_RESOURCES}/db/other/V1__t.sql": "CREATE TABLE t (a int);\n",
                     f"{_RESOURCES}/db/other/V2__i.sql": _MIXED,
                     f"{_RESOURCES}/db/changes/V2__i.sql": _MIXED,
                     _PROPERTIES: "spring.flyway.locations=classpath:db/changes\n"
                                  "spring.flyway.mixed=true\n"})
    assert "concurrently-in-transaction" not in _rules(
        discover(tmp_path / _RESOURCES / "db" / "changes"))
    assert "concurrently-in-transaction" in _rules(
        discover(tmp_path / _RESOURCES / "db" / "other"))


@pytest.mark.parametrize(("dialect", "linted", "left_out"), [
    ("postgresql", "postgresql", {"h2", "mysql"}),
    ("mysql", "mysql", {"h2", "postgresql"}),
])
def test_a_vendor_location_lints_the_dialect_s_folder(
        tmp_path: Path, dialect: str, linted: str, left_out: set[str]) -> None:
    """Spring Boot puts the database's name for `{vendor}`: each folder in its place is the
    history of one database; those of another database than the dialect in force are left
    out with a note (not read as one location holding every database's migrations)."""
    write(tmp_path, {**{f"{_RESOURCES}/db/migration/{vendor}/V1__t.sql":
                        "CREATE TABLE t (a int);\n" for vendor in ("postgresql", "h2", "mysql")},
                     # no database's name: no vendor's folder, a location of every run
                     f"{_RESOURCES}/db/migration/common/R__v.sql": "CREATE VIEW v AS SELECT 1;\n",
                     _YML: "spring:\n  flyway:\n    locations:\n"
                           "      - classpath:db/migration/{vendor}\n"
                           "      - classpath:db/migration/common\n"})
    # the project, or the folder of the vendors' folders, named
    for named in (tmp_path, tmp_path / _RESOURCES / "db" / "migration"):
        notes: list[str] = []
        found = discover_histories(named, notes=notes, dialect=dialect)
        assert [(root.name, [m.path.parent.name for m in migrations])
                for root, migrations in found] == [(linted, [linted, "common"])]
        assert {note.split(": ")[0].rsplit("/", 1)[1] for note in notes} == left_out
    # one named is read, whatever its name says (as any folder named)
    [(_, migrations)] = discover_histories(tmp_path / _RESOURCES / "db" / "migration" / "h2",
                                           notes=[], dialect=dialect)
    assert [m.path.parent.name for m in migrations] == ["h2", "common"]


def test_spring_boot_list_of_init_sqls_by_index(tmp_path: Path) -> None:
    """`spring.flyway.init-sqls[0]`, `[1]`: Flyway's initSql, the elements joined."""
    write(tmp_path, {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
                     f"{_RESOURCES}/db/migration/V2__c.sql":
                         "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0;\n",
                     _PROPERTIES: "spring.flyway.init-sqls[0]=SET lock_timeout = '5s';\n"
                                  "spring.flyway.init-sqls[1]=SET statement_timeout = '1min';\n"})
    assert not _rules(discover(tmp_path / _RESOURCES / "db" / "migration")) & _TIMEOUTS


# --- Micronaut --------------------------------------------------------------------------------

#: A Micronaut project's migrations, in the folder its guide names.
_MICRONAUT_MIXED = {f"{_RESOURCES}/databasemigrations/V1__t.sql": "CREATE TABLE t (a int);\n",
                    f"{_RESOURCES}/databasemigrations/V2__i.sql": _MIXED}


@pytest.mark.parametrize(("config", "flagged"), [
    ({_YML: "flyway:\n  datasources:\n    default:\n"
            "      locations: classpath:databasemigrations\n"}, True),
    ({_YML: "flyway:\n  datasources:\n    default:\n"
            "      locations: classpath:databasemigrations\n      mixed: true\n"}, False),
    ({_PROPERTIES: "flyway.datasources.default.locations=classpath:databasemigrations\n"
                   "flyway.datasources.default.mixed=true\n"}, False),
    ({_PROPERTIES: "flyway.datasources.default.locations[0]=classpath:databasemigrations\n"
                   "flyway.datasources.default.execute-in-transaction=false\n"}, False),
    ({_YML: "flyway:\n  datasources:\n    default:\n"
            "      locations: classpath:databasemigrations\n      mixed: true\n"
            "      enabled: false\n"}, True),
    ({_YML: "flyway:\n  enabled: false\n  datasources:\n    default:\n"
            "      locations: classpath:databasemigrations\n      mixed: true\n"}, True),
    ({_YML: "flyway:\n  datasources:\n    default:\n"
            "      locations: classpath:databasemigrations\n      enabled: false\n",
      "flyway.conf": "flyway.mixed=true\n"}, False),
    ({_YML: "flyway:\n  datasources:\n    default:\n"
            "      locations: classpath:databasemigrations\n",
      "flyway.conf": "flyway.mixed=true\n"}, True),
    ({_YML: "flyway.datasources.default.locations: classpath:databasemigrations\n",
      f"{_RESOURCES}/application-dev.yml": "flyway.datasources.default.mixed: true\n"}, True),
    ({_YML: "flyway:\n  datasources:\n    other:\n"
            "      locations: classpath:elsewhere\n      mixed: true\n"}, True),
    ({_YML: "flyway:\n  enabled: false\n  datasources:\n    default:\n"
            "      url: jdbc:postgresql://db/app\n",
      "flyway.conf": "flyway.mixed=true\n"}, False),
], ids=["default", "mixed", "properties", "indexed-no-transaction", "data-source-disabled",
        "flyway-disabled", "disabled-flyway-conf-decides", "flyway-conf-not-read",
        "environment-file-not-read", "other-locations", "any-property-names-the-source"])
def test_micronaut_flyway_settings_of_the_data_source(
        tmp_path: Path, config: dict[str, str], flagged: bool) -> None:
    """Micronaut runs Flyway for each data source of `flyway.datasources.<name>` with that
    data source's settings (`mixed`, `execute-in-transaction`), from the locations it names;
    it reads no flyway.conf, nor an environment's file. Turned off (its `enabled`, or
    `flyway.enabled`), Flyway's own configuration decides."""
    write(tmp_path, {**_MICRONAUT_MIXED, **config})
    migrations = discover(tmp_path / _RESOURCES / "databasemigrations")
    assert migrations[-1].layout == "flyway"
    assert ("concurrently-in-transaction" in _rules(migrations)) is flagged


def test_micronaut_data_sources_are_histories_of_their_own(tmp_path: Path) -> None:
    """Two data sources are two databases: each its own history, from its own locations,
    with its own settings and init-sql."""
    write(tmp_path, {f"{_RESOURCES}/db/main/V1__t.sql": "CREATE TABLE t (a int);\n",
                     f"{_RESOURCES}/db/main/V2__i.sql": _MIXED,
                     f"{_RESOURCES}/db/audit/V1__t.sql": "CREATE TABLE t (a int);\n",
                     f"{_RESOURCES}/db/audit/V2__i.sql": _MIXED,
                     f"{_RESOURCES}/db/audit-seed/V3__s.sql": "CREATE TABLE s (a int);\n",
                     _YML: "flyway:\n  datasources:\n"
                           "    default:\n      locations: classpath:db/main\n"
                           "      mixed: true\n"
                           "      init-sql: SET lock_timeout = '5s'\n"
                           "    audit:\n"
                           "      locations:\n        - classpath:db/audit\n"
                           "        - classpath:db/audit-seed\n"})
    assert _histories(tmp_path) == [
        ("src/main/resources/db/audit", ["src/main/resources/db/audit/V1__t.sql",
                                         "src/main/resources/db/audit/V2__i.sql",
                                         "src/main/resources/db/audit-seed/V3__s.sql"]),
        ("src/main/resources/db/main", ["src/main/resources/db/main/V1__t.sql",
                                        "src/main/resources/db/main/V2__i.sql"])]
    main = lint_migrations(discover(tmp_path / _RESOURCES / "db" / "main"), LintOptions())
    assert "concurrently-in-transaction" not in {f.rule for f in main[-1].all_findings}
    assert "missing-lock-timeout" not in {f.rule for r in main for f in r.all_findings}
    audit = lint_migrations(discover(tmp_path / _RESOURCES / "db" / "audit"), LintOptions())
    assert "concurrently-in-transaction" in {f.rule for f in audit[1].all_findings}


def test_lint_of_a_micronaut_project(tmp_path: Path) -> None:
    """`lockwise lint` of the project: the data source's location linted with its `mixed`
    (exit 0), and as Flyway's default refuses it without (exit 1)."""
    for mixed, code in (("true", 0), ("false", 1)):
        write(tmp_path, {**_MICRONAUT_MIXED,
                         _YML: "flyway:\n  datasources:\n    default:\n"
                               f"      locations: classpath:databasemigrations\n"
                               f"      mixed: {mixed}\n"})
        exit_code, report, _ = _lint(tmp_path)
        assert exit_code == code
        assert [m["path"].rsplit("/", 1)[1] for m in report["migrations"]] == \
            ["V1__t.sql", "V2__i.sql"]


# --- application files that do not load -------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "line"), [
    ("application.yml", "spring:\n  flyway:\n    mixed: [true\n", 4),
    ("application.yml", "spring: flyway: mixed: true\n", 1),
    ("application.yml", "spring:\n\tflyway:\n\t\tmixed: true\n", 2),
    ("application.yml", "a: 1\n\x00\n", 2),
    ("application.yml", "[" * 5000 + "]" * 5000 + "\n", 1),  # deeper than the parser recurses
    ("application.yaml", "flyway:\n  datasources:\n    default:\n      mixed: 'true\n", 5),
    ("application.properties", "spring.application.name=shop\nspring.flyway.mixed=\\u12\n", 2),
    ("config/application.properties", "a=b\nb=\\uZZZZ\n", 2),
], ids=["unclosed", "nested-on-one-line", "tabs", "binary", "deep", "unclosed-quote",
        "properties-escape", "config-properties-escape"])
def test_an_application_file_that_does_not_load_is_an_input_error(
        tmp_path: Path, name: str, text: str, line: int) -> None:
    """The application would not start with it: discovery raises an input error at the file
    and line (`lockwise lint` exits 2 with the message, no traceback)."""
    write(tmp_path, {**_MICRONAUT_MIXED, f"{_RESOURCES}/{name}": text})
    with pytest.raises(InputError) as error:
        discover(tmp_path / _RESOURCES / "databasemigrations")
    assert error.value.path == tmp_path / _RESOURCES / name
    assert error.value.line == line
    exit_code, _, stderr = _lint(tmp_path)
    assert exit_code == 2
    assert f"{tmp_path / _RESOURCES / name}:{line}:" in stderr
    assert "Traceback" not in stderr


def test_a_broken_application_file_without_flyway_does_not_stop_lint(tmp_path: Path) -> None:
    """Nothing to lint needs the settings of a classpath root without Flyway migrations
    below it: the project's other histories are linted."""
    write(tmp_path, {f"app/{_YML}": "spring: flyway: mixed: true\n",
                     f"app/{_RESOURCES}/seed.sql": "INSERT INTO t VALUES (1);\n",
                     "migrations/001_t.sql": "CREATE TABLE t (a int);\n"})
    exit_code, report, _ = _lint(tmp_path)
    assert exit_code == 0
    assert "001_t.sql" in [m["path"].rsplit("/", 1)[1] for m in report["migrations"]]


# --- each migration in one history --------------------------------------------------------

@pytest.mark.parametrize("locations", ["filesystem:sql/*", "filesystem:sql/r1,filesystem:sql/r2"])
def test_a_folder_holding_another_run_s_locations_reads_its_own_files_only(
        tmp_path: Path, locations: str) -> None:
    """`sql/V8__x.sql` beside `sql/r1/`, which the application's run reads: Flyway scans a
    location's folders, but `r1`'s migrations are that run's, so the folder's own history
    holds its own files, and each migration is in one history."""
    write(tmp_path, {"sql/r1/V1__t.sql": "CREATE TABLE t (a int);\n",
                     "sql/r2/V2__u.sql": "CREATE TABLE u (a int);\n",
                     "sql/V8__x.sql": "CREATE TABLE x (a int);\n",
                     _PROPERTIES: f"spring.flyway.locations={locations}\n"})
    assert _histories(tmp_path) == [("sql/r1", ["sql/r1/V1__t.sql", "sql/r2/V2__u.sql"]),
                                    ("sql", ["sql/V8__x.sql"])]
    assert [m.path.name for m in discover(tmp_path / "sql")] == ["V8__x.sql"]


# --- Flyway's own config files' locations ------------------------------------------------

#: Three migrations in two folders, their versions interleaved, the second mixing a
#: statement a transaction refuses with another.
_CONF_LOCATIONS = {"db/a/V1__t.sql": "CREATE TABLE t (a int);\n", "db/b/V2__i.sql": _MIXED,
                   "db/a/V3__u.sql": "CREATE TABLE u (a int);\n"}


@pytest.mark.parametrize("config", [
    {"flyway.conf": "flyway.locations=filesystem:db/a,filesystem:db/b\nflyway.mixed=true\n"},
    {"flyway.conf": "flyway.mixed=true\nflyway.locations=filesystem:db/*\n"},
    {"flyway.toml": '[flyway]\nlocations = ["filesystem:db/a", "filesystem:db/b"]\n'
                    "mixed = true\n"},
    {"flyway.toml": '[flyway]\nlocations = "filesystem:db/a, filesystem:./db/b"\n'
                    "mixed = true\n"},
    {"flyway.toml": '[flyway]\nmixed = true\nlocations = ["filesystem:db/**"]\n'},
], ids=["conf", "conf-wildcard", "toml-list", "toml-string", "toml-any-depth"])
def test_flyway_config_locations_are_one_history(tmp_path: Path, config: dict) -> None:
    """`flyway.locations` in flyway.conf, or `locations` in flyway.toml's `[flyway]` table,
    names the folders Flyway's command line, run in the config's folder, reads as one
    history: relative to that folder, wildcards expanded; its other settings apply."""
    write(tmp_path, {**_CONF_LOCATIONS, **config})
    one = [["db/a/V1__t.sql", "db/b/V2__i.sql", "db/a/V3__u.sql"]]
    assert [paths for _, paths in _histories(tmp_path)] == one
    assert [[m.path.relative_to(tmp_path).as_posix() for m in found]
            for _, found in discover_histories(tmp_path / "db", notes=[])] == one
    named = discover(tmp_path / "db" / "b")
    assert [m.path.name for m in named] == ["V1__t.sql", "V2__i.sql", "V3__u.sql"]
    assert "concurrently-in-transaction" not in _all_rules(named)


def test_flyway_config_classpath_locations_are_the_project_s_resources(tmp_path: Path) -> None:
    """A `classpath:` location of a Maven or Gradle project's flyway.conf is below its
    `src/main/resources` (the build puts it on the classpath)."""
    write(tmp_path, {f"{_RESOURCES}/{path}": sql for path, sql in _CONF_LOCATIONS.items()})
    write(tmp_path, {"flyway.conf": "flyway.locations=classpath:db/a,db/b\n"})
    assert _histories(tmp_path) == [(f"{_RESOURCES}/db/a", [
        f"{_RESOURCES}/db/a/V1__t.sql", f"{_RESOURCES}/db/b/V2__i.sql",
        f"{_RESOURCES}/db/a/V3__u.sql"])]


@pytest.mark.parametrize("config", [
    {"flyway.toml": "[flyway]\nlocations = 5\n"},
    {"flyway.toml": "[flyway]\nlocations = [1, 2]\n"},
    {"flyway.conf": "flyway.url=jdbc:postgresql://localhost/db\n"},
], ids=["toml-number", "toml-numbers", "conf-without"])
def test_flyway_config_without_string_locations_leaves_each_folder_its_own(
        tmp_path: Path, config: dict) -> None:
    """No locations (or none as strings): each Flyway folder is a history, as before."""
    write(tmp_path, {**_CONF_LOCATIONS, **config})
    assert [folder for folder, _ in _histories(tmp_path)] == ["."]
    assert len(discover(tmp_path / "db" / "b")) == 1


def test_a_flyway_toml_with_locations_that_does_not_parse_is_an_input_error(
        tmp_path: Path) -> None:
    """Flyway does not start with it: lint says where, exit 2, no traceback."""
    write(tmp_path, {**_CONF_LOCATIONS,
                     "flyway.toml": '[flyway]\nlocations = ["filesystem:db/a",\n'})
    code, _, stderr = _lint(tmp_path)
    assert code == 2, stderr
    assert "flyway.toml" in stderr and "Traceback" not in stderr


# --- a folder named outside the classpath root ----------------------------------------------

@pytest.mark.parametrize("locations", ["filesystem:sql/*", "filesystem:sql/r1,filesystem:sql/r2",
                                       "filesystem:sql/{vendor}"])
def test_a_folder_above_filesystem_locations_reads_the_project_s_application(
        tmp_path: Path, locations: str) -> None:
    """`lockwise lint sql/` in a project whose `src/main/resources/application.properties`
    names folders below `sql/` (`filesystem:` locations, outside the classpath root): the
    run's locations are one history, with the application's `mixed` and `init-sqls`
    (without them, the mixed migration fails in a transaction and no lock_timeout is set)."""
    folders = ("postgresql", "postgresql") if "{vendor}" in locations else ("r1", "r2")
    write(tmp_path, {f"sql/{folders[0]}/V1__t.sql": "CREATE TABLE t (a int);\n",
                     f"sql/{folders[1]}/V2__i.sql": _MIXED,
                     "sql/h2/V1__h.sql": "CREATE TABLE h (a int);\n",
                     _PROPERTIES: f"spring.flyway.locations={locations}\n"
                                  "spring.flyway.mixed=true\n"
                                  "spring.flyway.init-sqls=SET lock_timeout = '5s';\n"})
    if "{vendor}" not in locations:
        (tmp_path / "sql" / "h2" / "V1__h.sql").unlink()
    notes: list[str] = []
    histories = discover_histories(tmp_path / "sql", notes=notes, dialect="postgresql")
    assert [[m.path.relative_to(tmp_path).as_posix() for m in found]
            for _, found in histories] == [[f"sql/{folders[0]}/V1__t.sql",
                                            f"sql/{folders[1]}/V2__i.sql"]]
    assert ("h2" in " ".join(notes)) == ("{vendor}" in locations)
    rules = _rules(histories[0][1])
    assert "concurrently-in-transaction" not in rules
    assert "missing-lock-timeout" not in rules
    code, report, stderr = _lint(tmp_path / "sql")
    assert code in (0, 1) and report["migrations"], stderr


# --- flyway.toml's environments ------------------------------------------------------------

@pytest.mark.parametrize(("toml", "mixed"), [
    ('[flyway]\nenvironment = "prod"\nlocations = ["filesystem:db/x"]\n'
     '[environments.prod]\nurl = "jdbc:postgresql://db/app"\n'
     '[environments.prod.flyway]\nlocations = ["filesystem:db/a", "filesystem:db/b"]\n'
     "mixed = true\n", True),
    ('[environments.default.flyway]\nlocations = "filesystem:db/a,filesystem:db/b"\n'
     "mixed = true\n", True),
    ('[flyway]\nlocations = ["filesystem:db/a", "filesystem:db/b"]\n'
     "[environments.default]\nflyway = { mixed = true }\n", True),
    ('[flyway]\nlocations = ["filesystem:db/a", "filesystem:db/b"]\n'
     '[environments.prod.flyway]\nlocations = ["filesystem:db/x"]\nmixed = true\n', False),
    ('[flyway]\nenvironment = "dev"\nlocations = ["filesystem:db/a", "filesystem:db/b"]\n'
     "mixed = true\n[environments.dev.flyway]\nmixed = false\n", False),
], ids=["selected-overrides", "default-environment", "inline-table", "unselected-ignored",
        "override-wins"])
def test_flyway_toml_environment_overrides(tmp_path: Path, toml: str, mixed: bool) -> None:
    """Flyway 10's `[environments.<name>.flyway]` table overrides `[flyway]`'s settings for
    the environment `[flyway]`'s `environment` selects (`default` when it names none);
    another environment's table is not read."""
    write(tmp_path, {**_CONF_LOCATIONS, "flyway.toml": toml})
    assert [paths for _, paths in _histories(tmp_path)] == \
        [["db/a/V1__t.sql", "db/b/V2__i.sql", "db/a/V3__u.sql"]]
    named = discover(tmp_path / "db" / "b")
    assert ("concurrently-in-transaction" in _all_rules(named)) is not mixed


@pytest.mark.parametrize(("toml", "timeout"), [
    ('[environments.default]\ninitSql = "SET lock_timeout = \'5s\';"\n', True),
    ('[flyway]\nenvironment = "ci"\n[environments.ci]\n'
     'initSql = "SET lock_timeout = \'5s\';"\n', True),
    ('[flyway]\nenvironment = "ci"\n[environments.default]\n'
     'initSql = "SET lock_timeout = \'5s\';"\n', False),
    ('[flyway]\ninitSql = "SET lock_timeout = \'5s\';"\n[environments.default]\n'
     'initSql = "SELECT 1;"\n', False),
], ids=["default", "selected", "unselected", "environment-over-flyway"])
def test_flyway_toml_environment_init_sql(tmp_path: Path, toml: str, timeout: bool) -> None:
    """`initSql` is an environment's setting in Flyway 10's TOML (`[environments.<name>]`):
    the selected environment's runs on each connection, so its lock_timeout is in force."""
    write(tmp_path, {"db/V1__t.sql": "ALTER TABLE t ADD COLUMN note text;\n",
                     "flyway.toml": toml})
    assert ("missing-lock-timeout" not in _rules(discover(tmp_path / "db"))) is timeout


@pytest.mark.parametrize("toml", [
    '[environments.default.flyway]\nmixed = "yes"\n',
    '[flyway]\nenvironment = "ci"\n[environments.ci]\ninitSql = 5\n',
], ids=["override-not-boolean", "init-sql-not-string"])
def test_a_refused_environment_setting_is_an_input_error(tmp_path: Path, toml: str) -> None:
    """Flyway stops on a value it refuses in the environment it runs: exit 2, no traceback,
    the file named."""
    write(tmp_path, {**_CONF_LOCATIONS, "flyway.toml": toml})
    code, _, stderr = _lint(tmp_path)
    assert code == 2, stderr
    assert "flyway.toml" in stderr and "Traceback" not in stderr


# --- odd settings (fix-robust16's fuzz campaign) ---------------------------------------------


def test_an_index_of_other_digits_is_no_element(tmp_path: Path) -> None:
    """`locations[²]`: a superscript is no decimal digit (Java's Character.isDigit), so the
    name is a map key, no element of the list; the list is `[0]`'s alone (it was a
    traceback: int('²'))."""
    write(tmp_path, {**_TWO_LOCATIONS,
                     _PROPERTIES: "spring.flyway.locations[0]=classpath:db/migration\n"
                                  "spring.flyway.locations[²]=classpath:db/seed\n"})
    found = dict(_histories(tmp_path))
    assert found["src/main/resources/db/migration"] == [
        "src/main/resources/db/migration/V1__t.sql", "src/main/resources/db/migration/V3__u.sql"]


@pytest.mark.parametrize("location", [
    "classpath:d\\u0000b/*", "filesystem:s\\u0000/{vendor}", "classpath:db/{vendor}\\u0000",
], ids=["wildcard", "vendor-folder", "vendor"])
def test_a_location_with_a_nul_names_no_folder(tmp_path: Path, location: str) -> None:
    """A NUL (`\\u0000`) can be in no folder's name: the location names none, and the run's
    other locations are read (it was a traceback: embedded null byte)."""
    write(tmp_path, {**_TWO_LOCATIONS, _PROPERTIES: "spring.flyway.locations=classpath:"
                     f"db/migration,{location},classpath:db/seed\n"})
    assert _histories(tmp_path) == _ONE_HISTORY
    assert _lint(tmp_path)[0] == 0


def test_a_star_names_the_folders_one_level_down_without_walking_below(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`filesystem:sql/*` names the folders in sql/: a folder deeper than the wildcards
    reach is never listed (a `*` location of a folder high up walked all below it)."""
    write(tmp_path, {"sql/s1/V1__a.sql": "CREATE TABLE a (x int);\n",
                     "sql/s1/deep/deeper/V9__z.sql": "CREATE TABLE z (x int);\n",
                     _PROPERTIES: "spring.flyway.locations=filesystem:sql/*\n"})
    walked: list[str] = []
    walk = os.walk

    def recording(top: object, *args: object, **kwargs: object) -> Iterator:
        for entry in walk(top, *args, **kwargs):  # type: ignore[call-overload]
            walked.append(entry[0])
            yield entry

    monkeypatch.setattr(os, "walk", recording)
    wildcard_folders(tmp_path / "sql" / "*")
    assert walked == [str(tmp_path / "sql"), str(tmp_path / "sql" / "s1")]


def test_a_glob_of_many_stars_is_matched_in_time_linear_in_the_name() -> None:
    """`db/*a*a*a...*ab` against a long folder name: each place of the name is looked at
    once per wildcard (a regular expression tried every way of placing the `a`s: 36 s for
    twelve stars and a 40-letter folder). Counted, not timed: the characters read grow
    with the name's length, not faster."""

    class Counted(str):
        reads = 0

        def __getitem__(self, key: object) -> str:  # type: ignore[override]
            Counted.reads += 1
            return str.__getitem__(self, key)  # type: ignore[index]

        def startswith(self, *args: object) -> bool:  # type: ignore[override]
            Counted.reads += 1
            return str.startswith(self, *args)  # type: ignore[arg-type]

        def find(self, *args: object) -> int:  # type: ignore[override]
            Counted.reads += 1
            return str.find(self, *args)  # type: ignore[arg-type]

    tokens = _glob_tokens("*a" * 12 + "b")
    reads = []
    for size in (100, 200, 400):
        Counted.reads = 0
        assert not _glob_matches(tokens, Counted("a" * size))
        reads.append(Counted.reads)
    assert _glob_matches(tokens, "a" * 40 + "b")
    assert reads[2] < 5 * reads[0], reads


def test_a_run_of_many_wildcard_locations_finds_its_folders_a_few_times(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of 40 wildcard locations: lint expands the run's locations a few times, not
    once per location (each location looked for the folders below it by expanding all of
    them again: 400 such locations took minutes)."""
    files = {f"{_RESOURCES}/db/a{i}/V{i + 1}__x.sql": "CREATE TABLE t{i} (x int);\n"
             for i in range(40)}
    files[_PROPERTIES] = "spring.flyway.locations=" + ",".join(
        f"classpath:db/*{i}" for i in range(40)) + "\n"
    write(tmp_path, files)
    calls = []
    expand = spring_boot.location_folders

    def counting(*args: object) -> object:
        calls.append(args)
        return expand(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(spring_boot, "location_folders", counting)
    [(_, migrations)] = _histories(tmp_path)
    assert len(migrations) == 40
    assert len(calls) < 10, len(calls)
