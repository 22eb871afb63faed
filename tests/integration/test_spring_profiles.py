"""Spring Boot's profiles (fix-layouts20): the active ones (`SPRING_PROFILES_ACTIVE`, else
`spring.profiles.active` of the base files, else `default`) bring their
`application-<profile>.*` files over the base files and the documents that
`spring.config.activate.on-profile` activates, for `spring.flyway.*` and `spring.liquibase.*`
alike, as Spring Boot reads them when the application starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover, discover_histories
from lockwise.lint import LintOptions, lint_migrations
from tree_helpers import assert_stops_at, write

_RESOURCES = "src/main/resources"
_PROPERTIES = f"{_RESOURCES}/application.properties"
_YML = f"{_RESOURCES}/application.yml"
_PROD_PROPERTIES = f"{_RESOURCES}/application-prod.properties"
_PROD_YML = f"{_RESOURCES}/application-prod.yml"
#: Two migrations in Spring Boot's default location, the second mixing a statement that
#: takes a transaction with one that refuses it: flagged unless `mixed` is on.
_MIXED = {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
          f"{_RESOURCES}/db/migration/V2__i.sql": "ALTER TABLE t ADD COLUMN note text;\n"
                                                   "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"}


def _flagged(root: Path) -> bool:
    """Whether the mixed migration is reported as run in a transaction."""
    report = lint_migrations(discover(root / _RESOURCES / "db" / "migration"),
                             LintOptions())[-1]
    return "concurrently-in-transaction" in {f.rule for f in report.all_findings}


@pytest.mark.parametrize(("config", "variable", "flagged"), [
    ({_PROPERTIES: "spring.profiles.active=prod\n",
      _PROD_PROPERTIES: "spring.flyway.mixed=true\n"}, None, False),
    ({_PROPERTIES: "spring.flyway.mixed=false\n",
      _PROD_PROPERTIES: "spring.flyway.mixed=true\n"}, "prod", False),
    ({_PROPERTIES: "spring.profiles.active=prod\nspring.flyway.mixed=true\n",
      _PROD_YML: "spring.flyway.mixed: false\n"}, None, True),
    ({_PROPERTIES: "spring.profiles.active=prod\n",
      _PROD_PROPERTIES: "spring.flyway.mixed=true\n"}, "dev", True),
    ({_PROPERTIES: "spring.profiles.active=prod,eu\n",
      _PROD_PROPERTIES: "spring.flyway.mixed=true\n",
      f"{_RESOURCES}/application-eu.properties": "spring.flyway.mixed=false\n"}, None, True),
    ({_PROPERTIES: "spring.profiles.active=eu,prod\n",
      _PROD_PROPERTIES: "spring.flyway.mixed=true\n",
      f"{_RESOURCES}/application-eu.properties": "spring.flyway.mixed=false\n"}, None, False),
    ({f"{_RESOURCES}/application-default.properties": "spring.flyway.mixed=true\n",
      _PROPERTIES: "spring.application.name=shop\n"}, None, False),
    ({f"{_RESOURCES}/application-default.properties": "spring.flyway.mixed=true\n",
      _PROPERTIES: "spring.application.name=shop\n"}, "prod", True),
    ({f"{_RESOURCES}/config/application-prod.properties": "spring.flyway.mixed=true\n",
      _PROPERTIES: "spring.profiles.active=prod\n"}, None, False),
    ({_PROD_PROPERTIES: "spring.flyway.mixed=true\n"}, "prod", False),
    ({_PROPERTIES: "spring.flyway.mixed=false\n#---\n"
                   "spring.config.activate.on-profile=prod\nspring.flyway.mixed=true\n"},
     "prod", False),
    ({_YML: "spring:\n  profiles:\n    active: prod\n  flyway:\n    mixed: false\n---\n"
            "spring:\n  config:\n    activate:\n      on-profile: prod\n"
            "  flyway:\n    mixed: true\n"}, None, False),
    ({_YML: "spring.flyway.mixed: false\n---\nspring.profiles: prod\n"
            "spring.flyway.mixed: true\n"}, "prod", False),
    ({_YML: "spring.flyway.mixed: false\n---\n"
            "spring.config.activate.on-profile: '!prod'\nspring.flyway.mixed: true\n"},
     "prod", True),
    ({_YML: "spring.flyway.mixed: false\n---\n"
            "spring.config.activate.on-profile: prod & (eu | us)\nspring.flyway.mixed: true\n"},
     "us,prod", False),
    ({_YML: "spring.flyway.mixed: false\n---\n"
            "spring.config.activate.on-profile: [dev, prod]\nspring.flyway.mixed: true\n"},
     "prod", False),
    ({_YML: "spring.flyway.mixed: false\n---\n"
            "spring.config.activate.on-profile: prod\n"
            "spring.config.activate.on-cloud-platform: kubernetes\n"
            "spring.flyway.mixed: true\n"}, "prod", True),
    ({_PROPERTIES: "spring.profiles.active=prod\n",
      _PROD_PROPERTIES: "spring.flyway.mixed=false\n",
      f"{_RESOURCES}/application-prod.yml": "spring.flyway.mixed: true\n"}, None, True),
], ids=["active-in-base-file", "variable", "profile-file-wins", "variable-over-file",
        "last-profile-wins", "last-profile-wins-reversed", "default-profile",
        "default-profile-only-without-active", "config-folder-profile-file",
        "profile-file-without-base", "properties-document", "yml-document",
        "legacy-spring-profiles", "negated", "expression", "list", "cloud-platform-not-read",
        "properties-over-yml"])
def test_active_profiles_decide_spring_flyway_mixed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: dict[str, str],
        variable: str | None, flagged: bool) -> None:
    """The active profiles' files win over the base files (the last profile's first), and
    the documents they activate are read in their place; SPRING_PROFILES_ACTIVE wins over
    the files' `spring.profiles.active`; `default` is active when no profile is."""
    if variable is None:
        monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    else:
        monkeypatch.setenv("SPRING_PROFILES_ACTIVE", variable)
    write(tmp_path, {**_MIXED, **config})
    assert _flagged(tmp_path) is flagged


_TWO_LOCATIONS = {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
                  f"{_RESOURCES}/db/seed/V2__s.sql": "CREATE TABLE s (a int);\n"}


@pytest.mark.parametrize("profile", [None, "prod"])
def test_a_profile_s_locations_replace_the_base_file_s(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str | None) -> None:
    """`spring.flyway.locations` of the active profile's file is the run's: both folders
    are one history with it, two without."""
    monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    if profile is not None:
        monkeypatch.setenv("SPRING_PROFILES_ACTIVE", profile)
    write(tmp_path, {**_TWO_LOCATIONS,
                     _PROPERTIES: "spring.flyway.locations=classpath:db/migration\n",
                     _PROD_YML: "spring:\n  flyway:\n    locations:\n"
                                "      - classpath:db/migration\n      - classpath:db/seed\n"})
    found = [[m.path.name for m in migrations] for _, migrations in
             discover_histories(tmp_path, notes=[], dialect="postgresql")]
    assert sorted(found) == ([["V1__t.sql", "V2__s.sql"]] if profile else
                             [["V1__t.sql"], ["V2__s.sql"]])


def test_a_profile_turns_spring_s_flyway_off(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`spring.flyway.enabled=false` in the active profile's file: Spring runs no Flyway,
    and the flyway.conf of the project decides (here: mixed)."""
    monkeypatch.setenv("SPRING_PROFILES_ACTIVE", "prod")
    write(tmp_path, {**_MIXED, "flyway.conf": "flyway.mixed=true\n",
                     _PROPERTIES: "spring.application.name=shop\n",
                     _PROD_PROPERTIES: "spring.flyway.enabled=false\n"})
    assert not _flagged(tmp_path)
    monkeypatch.setenv("SPRING_PROFILES_ACTIVE", "dev")
    assert _flagged(tmp_path)


_HEADER = "--liquibase formatted sql\n"
_USERS = _HEADER + "--changeset a:users\nCREATE TABLE users (id int PRIMARY KEY, email text);\n"
_INDEX = _HEADER + "--changeset a:index\nCREATE INDEX users_email ON users (email);\n"
_MAIN = ("databaseChangeLog:\n  - include:\n      file: changes/b-users.sql\n"
         "      relativeToChangelogFile: true\n  - include:\n      file: changes/a-index.sql\n"
         "      relativeToChangelogFile: true\n")
_SEED = "databaseChangeLog:\n  - include:\n      file: changes/a-index.sql\n" \
    "      relativeToChangelogFile: true\n"


@pytest.mark.parametrize(("variable", "ids"), [
    (None, [["a:index"]]), ("prod", [["a:users", "a:index"]])])
def test_a_profile_chooses_the_liquibase_master(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str | None,
        ids: list[list[str]]) -> None:
    """`spring.liquibase.change-log` of the active profile's document names the master."""
    monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    if variable is not None:
        monkeypatch.setenv("SPRING_PROFILES_ACTIVE", variable)
    root = tmp_path / _RESOURCES
    write(root, {"application.yml": "spring.liquibase.change-log: classpath:db/changelog/"
                                    "seed.yaml\n---\nspring.config.activate.on-profile: prod\n"
                                    "spring.liquibase.change-log: classpath:db/changelog/"
                                    "main.yaml\n",
                 "db/changelog/main.yaml": _MAIN, "db/changelog/seed.yaml": _SEED,
                 "db/changelog/changes/b-users.sql": _USERS,
                 "db/changelog/changes/a-index.sql": _INDEX})
    assert [[m.id for m in migrations] for _, migrations in discover_histories(
        root / "db" / "changelog", notes=[], dialect="postgresql")] == ids


@pytest.mark.parametrize("variable", [None, "prod"])
def test_a_profile_turns_liquibase_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       variable: str | None) -> None:
    """`spring.liquibase.enabled=false` in the active profile's file: noted as off."""
    monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    if variable is not None:
        monkeypatch.setenv("SPRING_PROFILES_ACTIVE", variable)
    root = tmp_path / _RESOURCES
    write(root, {"application.properties": "spring.application.name=shop\n",
                 "application-prod.properties": "spring.liquibase.enabled=false\n",
                 "db/changelog/db.changelog-master.yaml": _MAIN,
                 "db/changelog/changes/b-users.sql": _USERS,
                 "db/changelog/changes/a-index.sql": _INDEX})
    notes: list[str] = []
    discover_histories(root, notes=notes, dialect="postgresql")
    assert any("spring.liquibase.enabled is false" in note for note in notes) is \
        (variable is not None)


@pytest.mark.parametrize(("files", "bad", "line"), [
    ({_YML: "spring.flyway.mixed: false\n---\n"
            "spring.config.activate.on-profile: prod & | eu\nspring.flyway.mixed: true\n"},
     _YML, 3),
    ({_PROPERTIES: "spring.flyway.mixed=false\n#---\n"
                   "spring.config.activate.on-profile=(prod\nspring.flyway.mixed=true\n"},
     _PROPERTIES, 3),
    ({_PROPERTIES: "spring.flyway.mixed=false\n#---\n"
                   "spring.config.activate.on-profile=prod & eu | us\n"},
     _PROPERTIES, 3),
    ({_PROPERTIES: "spring.profiles.active=prod\n",
      _PROD_YML: "spring:\n  flyway:\n    mixed: [true\n"}, _PROD_YML, 4),
    ({_PROPERTIES: "spring.profiles.active=prod\n",
      _PROD_PROPERTIES: "spring.flyway.mixed=\\u12\n"}, _PROD_PROPERTIES, 1),
], ids=["yml-expression", "unclosed-parenthesis", "and-or-unbracketed", "profile-yml-broken",
        "profile-properties-escape"])
def test_a_malformed_profile_file_or_expression_is_an_input_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], bad: str,
        line: int) -> None:
    """A profile expression Spring refuses, or an active profile's file that does not load:
    the application does not start; lint stops at the file and line (exit 2)."""
    monkeypatch.setenv("SPRING_PROFILES_ACTIVE", "prod")
    write(tmp_path, {**_MIXED, **files})
    assert_stops_at(tmp_path, tmp_path / _RESOURCES / "db" / "migration", bad, line)
