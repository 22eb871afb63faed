"""Spring Boot's profiles that other profiles bring in (fix-layouts21):
`spring.profiles.include` adds profiles before the active ones, `spring.profiles.group.<name>`
follows a profile with its group's (depth first, each once), as Spring Boot 2.4+ orders them
(the last wins); and `spring.profiles.active` / `.include` / `.default` in a profile's file or
document, which Spring Boot refuses (the application does not start), is an input error."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.lint import LintOptions, lint_migrations
from tree_helpers import assert_stops_at, write

_RESOURCES = "src/main/resources"
_PROPERTIES = f"{_RESOURCES}/application.properties"
_YML = f"{_RESOURCES}/application.yml"
_MIXED = {f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
          f"{_RESOURCES}/db/migration/V2__i.sql": "ALTER TABLE t ADD COLUMN note text;\n"
                                                   "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"}


def _file(profile: str, mixed: bool) -> dict[str, str]:
    return {f"{_RESOURCES}/application-{profile}.properties":
            f"spring.flyway.mixed={'true' if mixed else 'false'}\n"}


def _flagged(root: Path) -> bool:
    report = lint_migrations(discover(root / _RESOURCES / "db" / "migration"),
                             LintOptions())[-1]
    return "concurrently-in-transaction" in {f.rule for f in report.all_findings}


@pytest.mark.parametrize(("config", "variable", "flagged"), [
    # an included profile's file is read (none active otherwise: not `default` either)
    ({_PROPERTIES: "spring.profiles.include=db\n", **_file("db", True),
      **_file("default", False)}, None, False),
    # included profiles come before the active ones: the active one's file wins
    ({_PROPERTIES: "spring.profiles.include=db\nspring.profiles.active=prod\n",
      **_file("db", True), **_file("prod", False)}, None, True),
    ({_PROPERTIES: "spring.profiles.include=db\nspring.profiles.active=prod\n",
      **_file("db", False), **_file("prod", True)}, None, False),
    # the variable replaces the files' active profiles, not their included ones
    ({_PROPERTIES: "spring.profiles.include=db\n", **_file("db", True)}, "prod", False),
    # a group brings its members in after it: the last member wins
    ({_PROPERTIES: "spring.profiles.active=prod\n"
                   "spring.profiles.group.prod=proddb,prodmq\n",
      **_file("prod", False), **_file("proddb", False), **_file("prodmq", True)},
     None, False),
    ({_PROPERTIES: "spring.profiles.active=prod\n"
                   "spring.profiles.group.prod=prodmq,proddb\n",
      **_file("prod", True), **_file("proddb", False), **_file("prodmq", True)},
     None, True),
    # groups nest, depth first; YAML's list
    ({_YML: "spring:\n  profiles:\n    group:\n      prod: [db, mq]\n      db: [pool]\n",
      **_file("pool", True), **_file("mq", False)}, "prod", True),
    ({_YML: "spring:\n  profiles:\n    group:\n      prod: [mq, db]\n      db: [pool]\n",
      **_file("pool", True), **_file("mq", False)}, "prod", False),
    # a group activates the documents its members name
    ({_PROPERTIES: "spring.profiles.group.prod[0]=eu\nspring.flyway.mixed=false\n#---\n"
                   "spring.config.activate.on-profile=eu\nspring.flyway.mixed=true\n"},
     "prod", False),
    # the default profile's group too
    ({_PROPERTIES: "spring.profiles.group.default=local\n", **_file("local", True)},
     None, False),
    # without the group, its member is not active (guard)
    ({_PROPERTIES: "spring.profiles.active=prod\n", **_file("proddb", True)}, None, True),
], ids=["include-alone", "include-before-active", "active-over-include", "include-and-variable",
        "group-last-member-wins", "group-order", "nested-group", "nested-group-order",
        "group-activates-document", "default-group", "no-group-guard"])
def test_included_and_grouped_profiles_are_read_in_spring_s_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: dict[str, str],
        variable: str | None, flagged: bool) -> None:
    """`spring.profiles.include` and `spring.profiles.group.<name>` activate profiles as
    Spring Boot does: the included first, then each active one followed by its group's."""
    monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    write(tmp_path, {**_MIXED, **config})
    with monkeypatch.context() as scope:
        if variable is not None:
            scope.setenv("SPRING_PROFILES_ACTIVE", variable)
        assert _flagged(tmp_path) is flagged


@pytest.mark.parametrize(("files", "bad", "line"), [
    ({_PROPERTIES: "spring.profiles.active=prod\n",
      f"{_RESOURCES}/application-prod.properties":
      "spring.flyway.mixed=true\nspring.profiles.active=metrics\n"},
     f"{_RESOURCES}/application-prod.properties", 2),
    ({_PROPERTIES: "spring.profiles.active=prod\nspring.flyway.mixed=false\n#---\n"
                   "spring.config.activate.on-profile=prod\nspring.profiles.active=metrics\n"},
     _PROPERTIES, 5),
    ({_YML: "spring.profiles.active: prod\n---\nspring:\n  config:\n    activate:\n"
            "      on-profile: prod\n  profiles:\n    include: metrics\n"},
     _YML, 8),
    ({_PROPERTIES: "spring.profiles.active=prod\n",
      f"{_RESOURCES}/application-prod.yml": "spring:\n  profiles:\n    default: [x]\n"},
     f"{_RESOURCES}/application-prod.yml", 3),
], ids=["active-in-profile-file", "active-in-profile-document", "include-in-yml-document",
        "default-in-profile-yml"])
def test_profiles_set_in_a_profile_s_document_are_an_input_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], bad: str,
        line: int) -> None:
    """Spring Boot refuses `spring.profiles.active`, `.include` and `.default` in a
    profile-specific file or a document a profile activates: the application does not start;
    lint stops at the file and line (exit 2)."""
    monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    write(tmp_path, {**_MIXED, **files})
    assert_stops_at(tmp_path, tmp_path / _RESOURCES / "db" / "migration", bad, line)


def test_a_document_no_active_profile_activates_may_set_the_active_profiles(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: a document for an inactive profile is not read, nor refused here."""
    monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    write(tmp_path, {**_MIXED, _PROPERTIES: "spring.flyway.mixed=true\n#---\n"
                     "spring.config.activate.on-profile=other\nspring.profiles.active=x\n"})
    assert _flagged(tmp_path) is False
