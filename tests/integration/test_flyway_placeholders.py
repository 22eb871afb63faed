"""Flyway's placeholders (fix-layouts23): the values a Flyway run gives them
(`flyway.placeholders.<name>` in flyway.conf, `[flyway.placeholders]` or the selected
environment's `[environments.<name>.flyway.placeholders]` in flyway.toml, the
`FLYWAY_PLACEHOLDERS_<NAME>` variables, `-placeholders.<name>=` of `flyway_args`) and its
built-in ones (`${flyway:table}`, ...) are put in before the migration is parsed, as Flyway
does, names compared without case; an unknown one keeps its same-length stand-in. Positions
stay those of the file as written. `placeholderReplacement=false` replaces nothing; a custom
`placeholderPrefix` / `placeholderSuffix` is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.source import InputError
from tree_helpers import write

_TABLE = "CREATE TABLE ${schema}.accounts (id bigint PRIMARY KEY, email text);\n"
#: The index build on the second line, after a placeholder on the same line: its finding
#: must point at the column of `CREATE INDEX` in the file as written.
_INDEX = ("SET lock_timeout = '1s';\n"
          "SELECT 1 FROM ${SCHEMA}.accounts; CREATE INDEX accounts_email ON "
          "${Schema}.accounts (email);\n")
_INDEX_COLUMN = len("SELECT 1 FROM ${SCHEMA}.accounts; ") + 1


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    import os

    for name in list(os.environ):
        if name.upper().startswith("FLYWAY_"):
            monkeypatch.delenv(name)


def _index_finding(root: Path, location: str = "db/migration"):
    reports = lint_migrations(discover(root / location), LintOptions())
    return next(f for f in reports[-1].all_findings if f.rule == "index-without-concurrently")


def _project(root: Path, config: dict[str, str]) -> Path:
    return write(root, {"db/migration/V1__t.sql": _TABLE, "db/migration/V2__i.sql": _INDEX,
                        **config})


@pytest.mark.parametrize("config", [
    {"flyway.conf": "flyway.locations=filesystem:db/migration\n"
                    "flyway.placeholders.schema=billing\n"},
    {"flyway.conf": "flyway.placeholders.SCHEMA = billing\n"},
    {"flyway.toml": "[flyway]\nlocations = ['filesystem:db/migration']\n"
                    "[flyway.placeholders]\nschema = 'billing'\n"},
    {"flyway.toml": "[flyway]\nlocations = ['filesystem:db/migration']\n"
                    "[flyway.placeholders]\nschema = 'other'\n"
                    "[environments.default.flyway.placeholders]\nschema = 'billing'\n"},
], ids=["conf", "conf-upper-case-name", "toml", "toml-environment-override"])
def test_configured_values_are_put_in_and_positions_stay_true(
        tmp_path: Path, config: dict[str, str]) -> None:
    finding = _index_finding(_project(tmp_path, config))
    assert "billing.accounts" in finding.message, finding.message
    assert "${" not in finding.message and "tpl" not in finding.message
    assert (finding.span.line, finding.span.column) == (2, _INDEX_COLUMN)
    # the suggestion, written from the statement as the file spells it, names it so too
    assert "ON ${Schema}.accounts" in finding.instead and "tpl" not in finding.instead


def test_a_variable_gives_a_value_its_name_in_lower_case(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, {"flyway.conf": "flyway.placeholders.schema=other\n"})
    monkeypatch.setenv("FLYWAY_PLACEHOLDERS_SCHEMA", "billing")
    assert "billing.accounts" in _index_finding(tmp_path).message


def test_flyway_args_give_a_value(tmp_path: Path) -> None:
    _project(tmp_path, {"flyway.conf": "flyway.placeholders.schema=other\n",
                        "lockwise.toml": "flyway_args = ['-placeholders.schema=billing']\n"})
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", "."])
    report = json.loads(result.stdout)
    messages = [f["message"] for m in report["migrations"] for s in m["statements"]
                for f in s["findings"] if f["rule"] == "index-without-concurrently"]
    assert messages and "billing.accounts" in messages[0], result.stderr


def test_an_unknown_placeholder_keeps_its_stand_in(tmp_path: Path) -> None:
    finding = _index_finding(_project(tmp_path, {"flyway.conf": "flyway.placeholders.x=1\n"}))
    assert "${Schema}.accounts" in finding.message
    assert (finding.span.line, finding.span.column) == (2, _INDEX_COLUMN)


def test_built_in_placeholders(tmp_path: Path) -> None:
    write(tmp_path, {
        "flyway.conf": "flyway.url=jdbc:postgresql://db:5432/shop?ssl=true\n"
                       "flyway.user=deployer\nflyway.defaultSchema=app\n"
                       "flyway.table=history\n",
        "db/migration/V1__t.sql": "CREATE TABLE ${flyway:defaultSchema}.accounts (id int);\n"
                                  "CREATE TABLE ${flyway:table}_copy (id int);\n",
        "db/migration/V2__i.sql":
            "SET lock_timeout = '1s';\n"
            "COMMENT ON TABLE ${flyway:defaultSchema}.accounts IS "
            "'${flyway:user} ${flyway:database} ${flyway:filename}';\n"
            "CREATE INDEX i ON ${flyway:defaultSchema}.accounts (id);\n"
            "CREATE INDEX j ON ${FLYWAY:TABLE}_copy (id);\n"})
    reports = lint_migrations(discover(tmp_path / "db/migration"), LintOptions())
    comment = reports[-1].statements[1].statement
    assert comment.sql.startswith("COMMENT ON TABLE ${flyway:defaultSchema}")  # as written
    messages = [f.message for f in reports[-1].all_findings
                if f.rule == "index-without-concurrently"]
    assert any("app.accounts" in m for m in messages), messages
    assert any("history_copy" in m for m in messages), messages


def test_the_built_in_values_flyway_gives(tmp_path: Path) -> None:
    """What each built-in placeholder stands for, read where lint reads the run."""
    from lockwise.discover.layouts import flyway_placeholder_values

    write(tmp_path, {"flyway.conf": "flyway.url=jdbc:postgresql://db:5432/shop?ssl=true\n"
                                    "flyway.user=deployer\nflyway.schemas=app,other\n",
                     "db/migration/V1__t.sql": "SELECT 1;\n"})
    values = flyway_placeholder_values(tmp_path / "db/migration",
                                       tmp_path / "db/migration/V1__t.sql")
    assert values is not None
    assert values["flyway:defaultschema"] == "app"
    assert values["flyway:user"] == "deployer"
    assert values["flyway:database"] == "shop"
    assert values["flyway:table"] == "flyway_schema_history"
    assert values["flyway:filename"] == "V1__t.sql"
    assert len(values["flyway:timestamp"]) == len("2026-01-01 00:00:00")


def test_placeholder_replacement_off_replaces_nothing(tmp_path: Path) -> None:
    """Flyway sends `${schema}` as written: PostgreSQL refuses it, and so does lint."""
    _project(tmp_path, {"flyway.conf": "flyway.placeholders.schema=billing\n"
                                       "flyway.placeholderReplacement=false\n"})
    reports = lint_migrations(discover(tmp_path / "db/migration"), LintOptions())
    rules = {f.rule for r in reports for f in r.all_findings}
    assert "parse-error" in rules, rules
    assert not any("billing" in f.message for r in reports for f in r.all_findings)


def test_a_custom_prefix_and_suffix(tmp_path: Path) -> None:
    write(tmp_path, {
        "flyway.conf": "flyway.placeholders.schema=billing\nflyway.placeholderPrefix=#[\n"
                       "flyway.placeholderSuffix=]\n",
        "db/migration/V1__t.sql": _TABLE.replace("${schema}", "#[schema]"),
        "db/migration/V2__i.sql": _INDEX.replace("${SCHEMA}", "#[SCHEMA]")
                                        .replace("${Schema}", "#[unknown_name]")})
    finding = _index_finding(tmp_path)
    assert "#[unknown_name].accounts" in finding.message, finding.message
    column = len("SELECT 1 FROM #[SCHEMA].accounts; ") + 1
    assert (finding.span.line, finding.span.column) == (2, column)
    reports = lint_migrations(discover(tmp_path / "db/migration"), LintOptions())
    assert not {f.rule for r in reports for f in r.all_findings} & {"parse-error"}


def test_a_placeholder_replacement_flyway_refuses_is_an_error_at_its_line(
        tmp_path: Path) -> None:
    _project(tmp_path, {"flyway.conf": "flyway.placeholders.schema=billing\n"
                                       "flyway.placeholderReplacement=maybe\n"})
    with pytest.raises(InputError) as caught:
        discover(tmp_path / "db/migration")
    assert caught.value.path == tmp_path / "flyway.conf"
    assert caught.value.line == 2
    assert "placeholderReplacement" in str(caught.value)


# --- an application's run: Spring Boot's and Micronaut's placeholders (fix-layouts24) ------

_RESOURCES = "src/main/resources"


def _application(root: Path, files: dict[str, str]) -> Path:
    return write(root, {f"{_RESOURCES}/db/migration/V1__t.sql": _TABLE,
                        f"{_RESOURCES}/db/migration/V2__i.sql": _INDEX,
                        **{f"{_RESOURCES}/{name}": text for name, text in files.items()}})


@pytest.mark.parametrize("files", [
    {"application.properties": "spring.flyway.placeholders.schema=billing\n"},
    {"application.properties": "spring.flyway.placeholders.SCHEMA=billing\n"},
    {"application.yml": "spring:\n  flyway:\n    placeholders:\n      schema: billing\n"},
    {"application.properties": "spring.flyway.placeholders.schema=other\n"
                               "spring.profiles.active=prod\n",
     "application-prod.yml": "spring.flyway.placeholders.schema: billing\n"},
    {"application.yml": "flyway:\n  datasources:\n    default:\n      placeholders:\n"
                        "        schema: billing\n"},
], ids=["properties", "upper-case-key", "yaml", "profile", "micronaut"])
def test_an_application_gives_values(tmp_path: Path, files: dict[str, str]) -> None:
    finding = _index_finding(_application(tmp_path, files), f"{_RESOURCES}/db/migration")
    assert "billing.accounts" in finding.message, finding.message
    assert (finding.span.line, finding.span.column) == (2, _INDEX_COLUMN)


def test_a_spring_variable_gives_a_value(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _application(tmp_path, {"application.properties":
                            "spring.flyway.placeholders.schema=other\n"})
    monkeypatch.setenv("SPRING_FLYWAY_PLACEHOLDERS_SCHEMA", "billing")
    finding = _index_finding(tmp_path, f"{_RESOURCES}/db/migration")
    assert "billing.accounts" in finding.message, finding.message


def test_a_spring_map_key_keeps_its_dashes_and_loses_its_underscores(tmp_path: Path) -> None:
    """Spring Boot binds a map key as written but for the characters other than letters,
    digits and `-` (kept whole in brackets): `my_schema` is the key `myschema`."""
    write(tmp_path, {
        f"{_RESOURCES}/application.properties":
            "spring.flyway.placeholders.my-schema=billing\n"
            "spring.flyway.placeholders.other_schema=shop\n"
            "spring.flyway.placeholders.[kept_name]=app\n",
        f"{_RESOURCES}/db/migration/V1__t.sql":
            "CREATE TABLE ${my-schema}.a (id int);\nCREATE TABLE ${otherschema}.b (id int);\n"
            "CREATE TABLE ${kept_name}.c (id int);\nCREATE TABLE ${other_schema}.d (id int);\n"})
    statements = lint_migrations(discover(tmp_path / _RESOURCES / "db/migration"),
                                 LintOptions())[0].statements
    created = [sorted(c for c in s.effect.creates if c.startswith("table:"))
               for s in statements]
    assert created[:3] == [["table:billing.a"], ["table:shop.b"], ["table:app.c"]], created
    # `other_schema` has no value: the key was `otherschema`
    assert created[3][0].startswith("table:tpl"), created


def test_spring_replacement_off_and_a_custom_prefix(tmp_path: Path) -> None:
    _application(tmp_path, {"application.properties":
                            "spring.flyway.placeholders.schema=billing\n"
                            "spring.flyway.placeholder-replacement=false\n"})
    reports = lint_migrations(discover(tmp_path / _RESOURCES / "db/migration"), LintOptions())
    assert "parse-error" in {f.rule for r in reports for f in r.all_findings}
    write(tmp_path / "custom", {
        f"{_RESOURCES}/application.yml":
            "spring:\n  flyway:\n    placeholders:\n      schema: billing\n"
            "    placeholder-prefix: '#['\n    placeholderSuffix: ']'\n",
        f"{_RESOURCES}/db/migration/V1__t.sql": _TABLE.replace("${schema}", "#[schema]"),
        f"{_RESOURCES}/db/migration/V2__i.sql": _INDEX.replace("${SCHEMA}", "#[SCHEMA]")
                                                      .replace("${Schema}", "#[schema]")})
    finding = _index_finding(tmp_path / "custom", f"{_RESOURCES}/db/migration")
    assert "billing.accounts" in finding.message, finding.message


# --- a Flyway project on MySQL (fix-layouts24) ---------------------------------------------

def _mysql_findings(root: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", "--dialect", "mysql",
                                      str(root / "db/migration")])
    report = json.loads(result.stdout)
    return [f for m in report["migrations"] for s in m["statements"] for f in s["findings"]] + \
        [f for m in report["migrations"] for f in m["findings"]]


def test_a_mysql_project_gets_its_values_with_positions_kept(tmp_path: Path) -> None:
    drop = "SELECT 1 FROM ${SCHEMA}.accounts; ALTER TABLE ${Schema}.accounts DROP COLUMN email;\n"
    write(tmp_path, {"flyway.conf": "flyway.url=jdbc:mysql://db:3306/app\n"
                                    "flyway.placeholders.schema=billing\n",
                     "db/migration/V1__t.sql": "CREATE TABLE ${schema}.accounts "
                                               "(id bigint PRIMARY KEY, email varchar(100));\n",
                     "db/migration/V2__d.sql": drop})
    findings = _mysql_findings(tmp_path)
    assert not [f for f in findings if f["rule"] == "parse-error"], findings
    dropped = next(f for f in findings if f["rule"] == "drop-column")
    assert "billing.accounts" in dropped["message"], dropped
    column = len("SELECT 1 FROM ${SCHEMA}.accounts; ") + 1
    assert (dropped["line"], dropped["column"]) == (1, column)
    assert not [f for f in findings if f["rule"] == "template-placeholder"]


def test_a_mysql_placeholder_without_a_value_has_a_same_length_stand_in(tmp_path: Path) -> None:
    text = ("CREATE TABLE ${other}.accounts (id bigint PRIMARY KEY, email varchar(100));\n"
            "ALTER TABLE ${other}.accounts DROP COLUMN email;\n")
    write(tmp_path, {"flyway.conf": "flyway.url=jdbc:mysql://db:3306/app\n",
                     "db/migration/V1__t.sql": text})
    findings = _mysql_findings(tmp_path)
    assert not [f for f in findings if f["rule"] == "parse-error"], findings
    # both stand-ins name one table, new in this migration: dropping its column loses nothing
    assert not [f for f in findings if f["rule"] == "drop-column"], findings
    assert [(f["line"], f["column"]) for f in findings if f["rule"] == "template-placeholder"] \
        == [(1, 14)]
