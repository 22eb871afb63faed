"""An application's Flyway run (fix-layouts26): Micronaut's environment variables
(`FLYWAY_DATASOURCES_<NAME>_...`, each `_` of the name a `.` or a `-`, as Micronaut's
environment property source reads them), a YAML list given as a placeholder's value (each
item its own key, `list.0`, as Spring Boot binds a map of strings, and a note at the list's
file:line), Flyway's built-in placeholders from the application's own settings, and a
turned-off tool's folder (linted all the same, with a note at the setting's file:line)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover, discover_histories
from lockwise.lint import LintOptions, lint_migrations
from tree_helpers import clean_tool_environment, write

_RESOURCES = "src/main/resources"
_LOCATION = f"{_RESOURCES}/db/migration"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_tool_environment(monkeypatch, tmp_path)


def _created(root: Path, location: str = _LOCATION) -> list[str]:
    """The table each statement of the location's migrations creates."""
    reports = lint_migrations(discover(root / location), LintOptions())
    return [next((c.removeprefix("table:") for c in sorted(s.effect.creates)
                  if c.startswith("table:")), "") for r in reports for s in r.statements]


def _notes(root: Path) -> list[str]:
    notes: list[str] = []
    discover_histories(root, notes=notes, dialect="postgresql")
    return notes


# --- Micronaut's environment variables -----------------------------------------------------

_MICRONAUT = ("flyway:\n  datasources:\n    default:\n      placeholders:\n"
              "        schema: other\n")


def test_a_micronaut_variable_gives_a_placeholder_its_value(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`FLYWAY_DATASOURCES_DEFAULT_PLACEHOLDERS_SCHEMA` is the property
    `flyway.datasources.default.placeholders.schema`, over the application file's."""
    write(tmp_path, {f"{_RESOURCES}/application.yml": _MICRONAUT,
                     f"{_LOCATION}/V1__t.sql": "CREATE TABLE ${schema}.accounts (id bigint);\n"})
    assert _created(tmp_path) == ["other.accounts"]
    monkeypatch.setenv("FLYWAY_DATASOURCES_DEFAULT_PLACEHOLDERS_SCHEMA", "billing")
    assert _created(tmp_path) == ["billing.accounts"]


def test_a_micronaut_variable_s_underscores_are_dots_or_dashes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Micronaut generates every spelling of `MY_SCHEMA`: `my.schema` and `my-schema`."""
    write(tmp_path, {f"{_RESOURCES}/application.yml": _MICRONAUT,
                     f"{_LOCATION}/V1__t.sql": "CREATE TABLE ${my.schema}.a (id bigint);\n"
                                               "CREATE TABLE ${my-schema}.b (id bigint);\n"
                                               "CREATE TABLE ${my_schema}.c (id bigint);\n"})
    monkeypatch.setenv("FLYWAY_DATASOURCES_DEFAULT_PLACEHOLDERS_MY_SCHEMA", "billing")
    created = _created(tmp_path)
    assert created[:2] == ["billing.a", "billing.b"], created
    assert created[2].startswith("tpl"), created  # no variable spells `my_schema`


def test_micronaut_variables_set_a_data_source_s_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`FLYWAY_DATASOURCES_DEFAULT_MIXED` and `_LOCATIONS` are the data source's settings: a
    run only the environment configures is Micronaut's too."""
    write(tmp_path, {f"{_RESOURCES}/application.yml": "micronaut:\n  application:\n"
                                                      "    name: shop\n",
                     f"{_RESOURCES}/db/other/V1__i.sql":
                         "CREATE TABLE t (id bigint);\nCREATE INDEX CONCURRENTLY t_i ON t (id);\n"})
    monkeypatch.setenv("FLYWAY_DATASOURCES_DEFAULT_LOCATIONS", "classpath:db/other")
    folder = tmp_path / _RESOURCES / "db/other"
    rules = {f.rule for r in lint_migrations(discover(folder), LintOptions())
             for f in r.all_findings}
    assert "concurrently-in-transaction" in rules
    monkeypatch.setenv("FLYWAY_DATASOURCES_DEFAULT_MIXED", "true")
    rules = {f.rule for r in lint_migrations(discover(folder), LintOptions())
             for f in r.all_findings}
    assert "concurrently-in-transaction" not in rules, rules


def _apply(dsn: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lockwise", "apply", *args, "--dsn", dsn],
                          capture_output=True, text=True, timeout=180)


def _micronaut_schema(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write(root, {f"{_RESOURCES}/application.yml": _MICRONAUT,
                 f"{_LOCATION}/V1__t.sql": "CREATE SCHEMA ${schema};\n"
                                           "CREATE TABLE ${schema}.accounts (id bigint);\n"})
    monkeypatch.setenv("FLYWAY_DATASOURCES_DEFAULT_PLACEHOLDERS_SCHEMA", "billing")
    return root / _LOCATION


def test_apply_runs_a_micronaut_variable_s_value(
        pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _apply(pg_db, str(_micronaut_schema(tmp_path, monkeypatch)))
    assert result.returncode == 0, result.stderr
    with psycopg.connect(pg_db, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('billing.accounts')").fetchone()[0] is not None
        assert conn.execute("SELECT to_regnamespace('other')").fetchone()[0] is None


@pytest.mark.parametrize(("command", "said"), [
    ("verify", "0 disagreements"), ("trace", "lock: SHARE on billing.accounts")])
def test_verify_and_trace_run_a_micronaut_variable_s_value(
        pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str,
        said: str) -> None:
    folder = _micronaut_schema(tmp_path, monkeypatch)
    write(folder, {"V2__i.sql": "CREATE INDEX accounts_id ON ${schema}.accounts (id);\n"})
    result = CliRunner().invoke(app, [command, str(folder), "--dsn", pg_db])
    assert result.exit_code == 0, result.output
    assert said in result.output, result.output
    assert "other.accounts" not in result.output, result.output


# --- a YAML list as a placeholder's value ----------------------------------------------------

@pytest.mark.parametrize("files", [
    {"application.yml": "spring:\n  flyway:\n    placeholders:\n      regions:\n"
                        "        - eu\n        - us\n"},
    {"application.properties": "spring.flyway.placeholders.regions[0]=eu\n"
                               "spring.flyway.placeholders.regions[1]=us\n"},
], ids=["yaml", "properties"])
def test_a_list_s_items_are_placeholders_of_their_own(tmp_path: Path,
                                                      files: dict[str, str]) -> None:
    """Spring Boot flattens the list to `regions[0]`, `regions[1]`; binding the map of
    strings makes each its own key, `regions.0` and `regions.1` (MapBinder joins the name's
    elements with `.`): `${regions}` has none, and lint says so at the list's line."""
    write(tmp_path, {**{f"{_RESOURCES}/{name}": text for name, text in files.items()},
                     f"{_LOCATION}/V1__t.sql": "CREATE TABLE ${regions.0}.a (id bigint);\n"
                                               "CREATE TABLE ${regions.1}.b (id bigint);\n"
                                               "CREATE TABLE ${regions}.c (id bigint);\n"})
    created = _created(tmp_path)
    assert created[:2] == ["eu.a", "us.b"], created
    assert created[2].startswith("tpl"), created
    name, = files
    line = 4 if name.endswith(".yml") else 1
    said = [note for note in _notes(tmp_path / _LOCATION)
            if f"{tmp_path / _RESOURCES / name}:{line}: spring.flyway.placeholders.regions "
               f"is a list" in note]
    assert said and "${regions} has no value" in said[0], _notes(tmp_path / _LOCATION)


def test_apply_stops_at_a_list_s_placeholder(pg_db: str, tmp_path: Path) -> None:
    write(tmp_path, {f"{_RESOURCES}/application.yml":
                     "spring:\n  flyway:\n    placeholders:\n      schema: [a, b]\n",
                     f"{_LOCATION}/V1__t.sql": "CREATE TABLE ${schema}.t (id bigint);\n"})
    result = _apply(pg_db, str(tmp_path / _LOCATION))
    assert result.returncode == 2, result
    assert "V1__t.sql:1:14: Flyway placeholder ${schema} has no value" in result.stderr, \
        result.stderr
    assert "Traceback" not in result.stderr


# --- Flyway's built-in placeholders in an application's run ----------------------------------

_BUILT_INS = ("CREATE TABLE ${flyway:defaultSchema}.a (id bigint);\n"
              "CREATE TABLE ${flyway:user}.b (id bigint);\n"
              "CREATE TABLE ${flyway:database}.c (id bigint);\n"
              "CREATE TABLE ${flyway:table}.d (id bigint);\n")


@pytest.mark.parametrize(("files", "expected"), [
    ({"application.properties": "spring.datasource.url=jdbc:postgresql://db:5432/shop\n"
                                "spring.datasource.username=app\n"
                                "spring.flyway.schemas=tenant,other\n"},
     ["tenant.a", "app.b", "shop.c", "flyway_schema_history.d"]),
    ({"application.yml": "spring:\n  datasource:\n    url: jdbc:postgresql://db/shop\n"
                         "    username: app\n  flyway:\n    default-schema: billing\n"
                         "    schemas: [tenant]\n    user: migrator\n"
                         "    url: jdbc:postgresql://db/admin\n    table: history\n"},
     ["billing.a", "migrator.b", "admin.c", "history.d"]),
    ({"application.yml": "datasources:\n  default:\n    url: jdbc:postgresql://db/shop\n"
                         "    username: app\nflyway:\n  datasources:\n    default:\n"
                         "      default-schema: billing\n      table: history\n"},
     ["billing.a", "app.b", "shop.c", "history.d"]),
], ids=["spring-datasource", "spring-flyway-own", "micronaut"])
def test_built_ins_come_from_the_application_s_settings(
        tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    write(tmp_path, {**{f"{_RESOURCES}/{name}": text for name, text in files.items()},
                     f"{_LOCATION}/V1__t.sql": _BUILT_INS})
    assert _created(tmp_path) == expected


def test_built_ins_from_spring_variables_and_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`SPRING_FLYWAY_DEFAULT_SCHEMA` and `DATASOURCES_DEFAULT_USERNAME` (Micronaut's) over
    the files; `flyway:workingDirectory` is the project's folder, where the build runs the
    application."""
    write(tmp_path / "spring", {
        f"{_RESOURCES}/application.properties": "spring.flyway.default-schema=other\n",
        f"{_LOCATION}/V1__t.sql": "CREATE TABLE ${flyway:defaultSchema}.a (id bigint);\n"
                                  "COMMENT ON TABLE a IS '${flyway:workingDirectory}';\n"})
    monkeypatch.setenv("SPRING_FLYWAY_DEFAULT_SCHEMA", "billing")
    reports = lint_migrations(discover(tmp_path / "spring" / _LOCATION), LintOptions())
    assert reports[0].migration.tool_placeholders is not None
    values = dict(reports[0].migration.tool_placeholders.values)
    assert values["flyway:defaultschema"] == "billing"
    assert values["flyway:workingdirectory"] == str(tmp_path / "spring")
    write(tmp_path / "mn", {f"{_RESOURCES}/application.yml": _MICRONAUT,
                            f"{_LOCATION}/V1__t.sql": "CREATE TABLE ${flyway:user}.b (id int);\n"})
    monkeypatch.setenv("DATASOURCES_DEFAULT_USERNAME", "app")
    assert _created(tmp_path / "mn") == ["app.b"]


# --- a turned-off tool's folder --------------------------------------------------------------

_INDEX = "CREATE TABLE t (id bigint);\nCREATE INDEX CONCURRENTLY t_i ON t (id);\n"


@pytest.mark.parametrize(("files", "variable", "said"), [
    ({"application.properties": "spring.flyway.enabled=false\n"}, None,
     "spring.flyway.enabled is false at {root}/application.properties:1"),
    ({"application.yml": "flyway:\n  datasources:\n    default:\n      enabled: false\n"},
     None, "flyway.datasources.default.enabled is false at {root}/application.yml:4"),
    ({"application.yml": "flyway:\n  enabled: false\n  datasources:\n    default:\n"
                         "      mixed: true\n"},
     None, "flyway.enabled is false at {root}/application.yml:2"),
    ({"application.yml": "flyway:\n  datasources:\n    default:\n      mixed: true\n"},
     "FLYWAY_DATASOURCES_DEFAULT_ENABLED",
     "the environment variable FLYWAY_DATASOURCES_DEFAULT_ENABLED is false"),
], ids=["spring", "micronaut-data-source", "micronaut-all", "micronaut-variable"])
def test_a_turned_off_flyway_run_s_folder_is_linted_and_noted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str],
        variable: str | None, said: str) -> None:
    """The application runs no Flyway: its migrations are linted all the same (Flyway's
    command line or build plugin may run them, with Flyway's own settings), and a note says
    where the run is turned off."""
    if variable is not None:
        monkeypatch.setenv(variable, "false")
    root = write(tmp_path, {**{f"{_RESOURCES}/{name}": text for name, text in files.items()},
                            f"{_LOCATION}/V1__i.sql": _INDEX})
    folder = root / _LOCATION
    reports = lint_migrations(discover(folder), LintOptions())
    assert [r.migration.path.name for r in reports] == ["V1__i.sql"]
    notes = [n for n in _notes(folder) if "runs no Flyway" in n]
    assert len(notes) == 1, _notes(folder)
    assert said.format(root=root / _RESOURCES) in notes[0], notes
    assert "linted all the same" in notes[0]


def test_an_enabled_run_gets_no_such_note(tmp_path: Path) -> None:
    root = write(tmp_path, {f"{_RESOURCES}/application.properties":
                            "spring.flyway.enabled=true\n",
                            f"{_LOCATION}/V1__i.sql": _INDEX})
    assert not [n for n in _notes(root / _LOCATION) if "runs no Flyway" in n]


_MASTER = "databaseChangeLog:\n  - include:\n      file: db/changelog/1.sql\n"
_CHANGESET = "--liquibase formatted sql\n--changeset a:1\nCREATE INDEX a_i ON a (id);\n"


def test_micronaut_liquibase_turned_off_is_noted_and_still_linted(tmp_path: Path) -> None:
    root = write(tmp_path / _RESOURCES, {
        "application.yml": "liquibase:\n  datasources:\n    default:\n"
                           "      change-log: classpath:db/changelog/db.changelog-master.yaml\n"
                           "      enabled: false\n",
        "db/changelog/db.changelog-master.yaml": _MASTER, "db/changelog/1.sql": _CHANGESET})
    notes: list[str] = []
    histories = discover_histories(root / "db/changelog", notes=notes, dialect="postgresql")
    assert [[m.id for m in migrations] for _, migrations in histories] == [["a:1"]]
    said = [n for n in notes if "liquibase.datasources.default.enabled is false at "
            f"{root}/application.yml:5" in n]
    assert said and "runs no Liquibase" in said[0], notes


def test_a_bad_application_file_is_an_error_at_its_line_not_a_traceback(tmp_path: Path) -> None:
    write(tmp_path, {f"{_RESOURCES}/application.yml": "flyway:\n  enabled: false\n"
                                                      "  datasources: [\n",
                     f"{_LOCATION}/V1__i.sql": _INDEX})
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(tmp_path / _LOCATION)])
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / _RESOURCES}/application.yml:4" in result.output, result.output
    assert "Traceback" not in result.output


# --- Spring Boot or Micronaut, by the project's markers (fix-layouts27) ---------------------

_MIXED = "CREATE TABLE t (id bigint);\nCREATE INDEX CONCURRENTLY t_i ON t (id);\n"


def _rules(folder: Path) -> set[str]:
    return {f.rule for r in lint_migrations(discover(folder), LintOptions())
            for f in r.all_findings}


@pytest.mark.parametrize("files", [
    {f"{_RESOURCES}/application.properties": "spring.application.name=shop\n"},
    {f"{_RESOURCES}/application.properties": "server.port=8080\n",
     "build.gradle": "plugins {\n  id 'org.springframework.boot' version '3.3.0'\n}\n"},
    {f"{_RESOURCES}/application.yml": "server:\n  port: 8080\n",
     "pom.xml": "<project><parent><groupId>org.springframework.boot</groupId>"
                "<artifactId>spring-boot-starter-parent</artifactId></parent></project>\n"},
], ids=["spring-key", "gradle-plugin", "maven-parent"])
def test_a_spring_application_is_not_read_as_micronaut_for_its_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> None:
    """`FLYWAY_DATASOURCES_DEFAULT_MIXED` in a Spring Boot application's environment (a
    shared CI environment, a sibling Micronaut service's) made lockwise read it as a
    Micronaut one: its run became `flyway.datasources.default`, its `mixed` on. Spring Boot
    does not read the variable; the application's key, or its build file, says Spring."""
    write(tmp_path, {**files, f"{_LOCATION}/V1__i.sql": _MIXED})
    monkeypatch.setenv("FLYWAY_DATASOURCES_DEFAULT_MIXED", "true")
    assert "concurrently-in-transaction" in _rules(tmp_path / _LOCATION)
    monkeypatch.setenv("SPRING_FLYWAY_MIXED", "true")
    assert "concurrently-in-transaction" not in _rules(tmp_path / _LOCATION)


@pytest.mark.parametrize("files", [
    {f"{_RESOURCES}/application.yml": "micronaut:\n  application:\n    name: shop\n"},
    {f"{_RESOURCES}/application.yml": "server:\n  port: 8080\n",
     "build.gradle.kts": 'plugins {\n  id("io.micronaut.application") version "4.4.0"\n}\n'},
    {f"{_RESOURCES}/application.yml": "server:\n  port: 8080\n",
     "micronaut-cli.yml": "applicationType: default\n"},
], ids=["micronaut-key", "gradle-plugin", "micronaut-cli"])
def test_a_micronaut_application_reads_its_variables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> None:
    write(tmp_path, {**files, f"{_LOCATION}/V1__i.sql": _MIXED})
    assert "concurrently-in-transaction" in _rules(tmp_path / _LOCATION)
    monkeypatch.setenv("FLYWAY_DATASOURCES_DEFAULT_MIXED", "true")
    assert "concurrently-in-transaction" not in _rules(tmp_path / _LOCATION)
