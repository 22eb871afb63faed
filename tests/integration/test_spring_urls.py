"""A Spring Boot application's url (fix-layouts21): `spring.flyway.url` /
`spring.liquibase.url` over `spring.datasource.url` (each from its environment variable over
the files, the active profile's files over the base ones) names the database the application
runs its history on, as Flyway's own url does (fix-layouts20): below a folder linted, another
database's history is left out and noted; a history named is read and noted; a folder of
nothing else is an input error (exit 2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tree_helpers import (
    assert_left_out_by_url,
    assert_named_history_noted,
    found_histories,
    write,
)

_T = "CREATE TABLE t (a int);\n"
_A, _B = "s/a/src/main/resources", "s/b/src/main/resources"
#: Two Spring Boot services, each with Flyway's default location.
_SERVICES = {f"{_A}/db/migration/V1__t.sql": _T, f"{_B}/db/migration/V1__t.sql": _T,
             f"{_B}/application.properties": "spring.application.name=b\n"}
_A_HISTORY, _B_HISTORY = f"{_A}/db/migration", f"{_B}/db/migration"
_LIQUIBASE = {f"{_A}/db/changelog/db.changelog-master.yaml":
              "databaseChangeLog:\n  - include:\n      file: db/changelog/t.sql\n",
              f"{_A}/db/changelog/t.sql":
              "--liquibase formatted sql\n--changeset me:1\nCREATE TABLE t (a int);\n"}


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shell's Spring and Flyway variables do not count."""
    for name in list(os.environ):
        if name.upper().startswith(("SPRING_", "FLYWAY_")):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(("files", "variables", "postgresql", "mysql"), [
    ({f"{_A}/application.properties": "spring.datasource.url=jdbc:mysql://db/app\n"}, {},
     [_B_HISTORY], [_A_HISTORY, _B_HISTORY]),
    ({f"{_A}/application.yml": "spring:\n  datasource:\n    url: jdbc:mariadb://db/app\n"}, {},
     [_B_HISTORY], [_B_HISTORY]),
    ({f"{_A}/application.properties": "spring.datasource.url=jdbc:mysql://db/app\n"
                                      "spring.flyway.url=jdbc:postgresql://db/app\n"}, {},
     [_A_HISTORY, _B_HISTORY], [_B_HISTORY]),
    ({f"{_A}/application.properties": "spring.datasource.url=jdbc:postgresql://db/app\n"},
     # (the environment's variable is every application's)
     {"SPRING_DATASOURCE_URL": "jdbc:mysql://ci/app"}, None, [_A_HISTORY, _B_HISTORY]),
    ({f"{_A}/application.properties": "spring.datasource.url=jdbc:postgresql://db/app\n",
      f"{_A}/application-prod.properties": "spring.datasource.url=jdbc:mysql://db/app\n"},
     {"SPRING_PROFILES_ACTIVE": "prod"}, [_B_HISTORY], [_A_HISTORY, _B_HISTORY]),
    ({f"{_A}/application.properties":
      "spring.datasource.url=jdbc:tc:mysql:8.0:///app\n"}, {},
     [_B_HISTORY], [_A_HISTORY, _B_HISTORY]),
    ({f"{_A}/application.properties": "spring.datasource.url=${JDBC_URL}\n"}, {},
     [_A_HISTORY, _B_HISTORY], [_A_HISTORY, _B_HISTORY]),
    ({f"{_A}/application.properties": "spring.datasource.url=jdbc:mysql://${HOST}/app\n",
      f"{_B}/application.properties": "spring.datasource.url=jdbc:mysql://db/app\n"}, {},
     None, [_A_HISTORY, _B_HISTORY]),
], ids=["datasource", "yml-mariadb", "flyway-url-over-datasource", "variable-over-file",
        "profile-s-url", "testcontainers", "placeholder-decides-nothing", "all-left-out"])
def test_spring_s_url_decides_the_dialect_of_its_flyway_history(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str],
        variables: dict[str, str], postgresql: list[str] | None,
        mysql: list[str] | None) -> None:
    """The application's url names the database its Flyway run migrates: another database's
    history is left out below a folder linted, with the `--dialect` that reads it."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    write(tmp_path, {**_SERVICES, **files})
    assert_left_out_by_url(tmp_path, {"postgresql": postgresql, "mysql": mysql}, 2)


def test_the_note_names_the_url_s_file_and_line(tmp_path: Path) -> None:
    """The note says which property, in which file, at which line, sets the url."""
    write(tmp_path, {**_SERVICES, f"{_A}/application.yml":
                     "spring:\n  application:\n    name: a\n  flyway:\n"
                     "    url: jdbc:sqlserver://db\n"})
    found, notes = found_histories(tmp_path, "postgresql")
    assert found == [_B_HISTORY]
    assert any(f"spring.flyway.url at {tmp_path / _A / 'application.yml'}:5" in n and
               "PostgreSQL, MySQL and MariaDB only" in n for n in notes), notes


@pytest.mark.parametrize(("properties", "left_out"), [
    ("spring.datasource.url=jdbc:mysql://db/app\n", True),
    ("spring.datasource.url=jdbc:mysql://db/app\n"
     "spring.liquibase.url=jdbc:postgresql://db/app\n", False),
    ("spring.liquibase.url=jdbc:mariadb://db/app\n", True),
    ("spring.application.name=a\n", False),
], ids=["datasource", "liquibase-url-over-datasource", "liquibase-url", "no-url"])
def test_spring_s_url_decides_the_dialect_of_its_liquibase_history(
        tmp_path: Path, properties: str, left_out: bool) -> None:
    """The application's Liquibase history too: `spring.liquibase.url` over the data
    source's."""
    write(tmp_path, {**_SERVICES, **_LIQUIBASE, f"{_A}/application.properties": properties})
    found, notes = found_histories(tmp_path, "postgresql")
    assert (f"{_A}/db/changelog" not in found) is left_out, (found, notes)
    assert any("Liquibase's url, spring." in n and "not linted" in n for n in notes) is \
        left_out


def test_a_spring_history_named_is_read_and_noted(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Named on the command line, it is read with the dialect in force and noted; the
    application's folder alone, an input error (exit 2); with its dialect, linted."""
    write(tmp_path, {**_SERVICES, f"{_A}/application.properties":
                     "spring.application.name=a\nspring.datasource.url=jdbc:mysql://db/app\n"})
    monkeypatch.chdir(tmp_path)
    assert_named_history_noted(_A_HISTORY, "s/a", [
        "migrated on MySQL (Flyway's url, spring.datasource.url at",
        "application.properties:2)", f"`lockwise lint --dialect mysql {_A_HISTORY}`"])
