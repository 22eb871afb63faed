"""Spring Boot's environment variables (fix-layouts23): `SPRING_FLYWAY_LOCATIONS`,
`SPRING_FLYWAY_MIXED`, `SPRING_LIQUIBASE_CHANGE_LOG` (or `..._CHANGELOG`), ... win over the
application files, as the system environment's property source does; `SPRING_PROFILES_INCLUDE`
adds profiles as `spring.profiles.include` does. Micronaut's
`liquibase.datasources.<name>.change-log` names the master changelog its data source runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover, discover_histories
from lockwise.lint import LintOptions, lint_migrations
from tree_helpers import write

_RESOURCES = "src/main/resources"
_PROPERTIES = f"{_RESOURCES}/application.properties"
_TWO_LOCATIONS = {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
                  f"{_RESOURCES}/db/seed/V2__s.sql": "CREATE TABLE s (a int);\n",
                  f"{_RESOURCES}/db/migration/V3__u.sql": "CREATE TABLE u (a int);\n",
                  f"{_RESOURCES}/db/other/V1__o.sql": "CREATE TABLE o (a int);\n"}
_MIXED = {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
          f"{_RESOURCES}/db/migration/V2__i.sql": "ALTER TABLE t ADD COLUMN note text;\n"
                                                   "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SPRING_PROFILES_ACTIVE", "SPRING_PROFILES_INCLUDE", "SPRING_FLYWAY_LOCATIONS",
                 "SPRING_FLYWAY_MIXED", "SPRING_LIQUIBASE_CHANGE_LOG",
                 "SPRING_LIQUIBASE_CHANGELOG"):
        monkeypatch.delenv(name, raising=False)


def _histories(root: Path) -> list[tuple[str, list[str]]]:
    return [(folder.relative_to(root).as_posix(),
             [m.path.relative_to(root).as_posix() for m in migrations])
            for folder, migrations in discover_histories(root, notes=[], dialect="postgresql")]


def _flagged(root: Path) -> bool:
    """Whether the mixed migration is reported as run in a transaction."""
    report = lint_migrations(discover(root / _RESOURCES / "db" / "migration"),
                             LintOptions())[-1]
    return "concurrently-in-transaction" in {f.rule for f in report.all_findings}


@pytest.mark.parametrize("variables", [
    {"SPRING_FLYWAY_LOCATIONS": "classpath:db/migration,classpath:db/seed"},
    {"SPRING_FLYWAY_LOCATIONS_0": "classpath:db/migration",
     "SPRING_FLYWAY_LOCATIONS_1": "classpath:db/seed"},
], ids=["comma-separated", "indexed"])
def test_spring_flyway_locations_variable_wins_over_the_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> None:
    write(tmp_path, {**_TWO_LOCATIONS,
                     _PROPERTIES: "spring.flyway.locations=classpath:db/other\n"})
    seed = tmp_path / _RESOURCES / "db" / "seed"
    assert [m.path.name for m in discover(seed)] == ["V2__s.sql"]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    # named alone, a location is read with the others of the run the variable configures
    assert [m.path.name for m in discover(seed)] == ["V1__t.sql", "V2__s.sql", "V3__u.sql"]
    assert ("src/main/resources/db/migration",
            ["src/main/resources/db/migration/V1__t.sql",
             "src/main/resources/db/seed/V2__s.sql",
             "src/main/resources/db/migration/V3__u.sql"]) in _histories(tmp_path)


def test_spring_flyway_mixed_variable_wins_over_the_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {**_MIXED, _PROPERTIES: "spring.flyway.mixed=false\n"})
    assert _flagged(tmp_path)
    monkeypatch.setenv("SPRING_FLYWAY_MIXED", "true")
    assert not _flagged(tmp_path)


def test_spring_profiles_include_variable_adds_a_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {**_MIXED, _PROPERTIES: "spring.application.name=shop\n",
                     f"{_RESOURCES}/application-prod.properties": "spring.flyway.mixed=true\n"})
    assert _flagged(tmp_path)
    monkeypatch.setenv("SPRING_PROFILES_INCLUDE", "prod")
    assert not _flagged(tmp_path)


_HEADER = "--liquibase formatted sql\n"
_CHANGELOGS = {
    "db/changelog/main.yaml": "databaseChangeLog:\n  - include:\n      file: changes/users.sql\n"
                              "      relativeToChangelogFile: true\n",
    "db/changelog/seed.yaml": "databaseChangeLog:\n  - include:\n      file: seed/orders.sql\n"
                              "      relativeToChangelogFile: true\n",
    "db/changelog/changes/users.sql": _HEADER + "--changeset a:users\nCREATE TABLE u (a int);\n",
    "db/changelog/seed/orders.sql": _HEADER + "--changeset a:orders\nCREATE TABLE o (a int);\n"}


def _ids(root: Path) -> list[list[str]]:
    return [[m.id for m in migrations] for _, migrations in
            discover_histories(root / "db" / "changelog", notes=[], dialect="postgresql")]


@pytest.mark.parametrize("variable", ["SPRING_LIQUIBASE_CHANGE_LOG",
                                      "SPRING_LIQUIBASE_CHANGELOG"])
def test_spring_liquibase_change_log_variable_chooses_the_master(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    root = tmp_path / _RESOURCES
    write(root, {**_CHANGELOGS, "application.properties":
                 "spring.liquibase.change-log=classpath:db/changelog/seed.yaml\n"})
    assert _ids(root) == [["a:orders"]]
    monkeypatch.setenv(variable, "classpath:db/changelog/main.yaml")
    assert _ids(root) == [["a:users"]]


@pytest.mark.parametrize("application", [
    {"application.yml": "liquibase:\n  datasources:\n    default:\n"
                        "      change-log: 'classpath:db/changelog/main.yaml'\n"},
    {"application.properties":
     "liquibase.datasources.default.change-log=classpath:db/changelog/main.yaml\n"},
], ids=["yml", "properties"])
def test_micronaut_liquibase_change_log_chooses_the_master(
        tmp_path: Path, application: dict[str, str]) -> None:
    """Micronaut runs, for each data source, the changelog its
    `liquibase.datasources.<name>.change-log` names: of two masters in the folder, that one;
    before, lockwise took neither and read the SQL folders on their own."""
    root = tmp_path / _RESOURCES
    write(root, {**_CHANGELOGS, **application})
    assert _ids(root) == [["a:users"]]
