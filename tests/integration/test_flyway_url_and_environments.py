"""Flyway's url, FLYWAY_URL and `-url=` (the database a run migrates, whose kind decides the
dialect its history is read with), the command line's `-environments.<name>.<key>=`, and the
place of a resolver lockwise cannot resolve (fix-layouts20)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover, discover_histories
from lockwise.discover.flyway_config import configure
from lockwise.parse.source import InputError
from tree_helpers import assert_left_out_by_url, assert_named_history_noted, write

_T = "CREATE TABLE t (a int);\n"
_MIXED = "ALTER TABLE t ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"
#: Two services, each a Flyway project of its own.
_SERVICES = {"s/a/db/migration/V1__t.sql": _T, "s/b/db/migration/V1__t.sql": _T}


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Flyway's variables of the shell running the tests do not count, nor the home folder's
    config files, nor a lockwise config an earlier test read."""
    for name in list(os.environ):
        if name.upper().startswith("FLYWAY_") or name in ("KIND", "LOCK", "MIGRATIONS"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    yield
    configure(Path("."), [])


def _found(root: Path, dialect: str = "postgresql") -> tuple[list[str], list[str]]:
    """The histories found below `root` (relative), and the notes."""
    notes: list[str] = []
    histories = discover_histories(root, notes=notes, dialect=dialect)
    return [folder.relative_to(root).as_posix() for folder, _ in histories], notes


_A, _B = "s/a/db/migration", "s/b/db/migration"


@pytest.mark.parametrize(("files", "variables", "postgresql", "mysql"), [
    ({"s/a/flyway.conf": "flyway.url=jdbc:mysql://db:3306/app\n"}, {}, [_B], [_A, _B]),
    ({"s/a/flyway.toml": '[environments.default]\nurl = "jdbc:mariadb://db/app"\n'}, {},
     [_B], [_B]),
    ({"s/a/flyway.toml": '[flyway]\nenvironment = "prod"\n'
                         '[environments.prod]\nurl = "jdbc:mysql://db/app"\n'
                         '[environments.default]\nurl = "jdbc:postgresql://db/app"\n'}, {},
     [_B], [_A, _B]),
    ({"s/a/flyway.conf": "flyway.url=jdbc:mysql://db:3306/app\n",
      "s/b/flyway.conf": "flyway.url=jdbc:mysql://db/app\n"},
     {"FLYWAY_URL": "jdbc:postgresql://ci/app"}, [_A, _B], None),
    ({"s/a/flyway.conf": "flyway.url=jdbc:postgresql://db/app\n"},
     {"FLYWAY_URL": "jdbc:mysql://ci/app"}, None, [_A, _B]),
    ({"s/a/flyway.toml": '[environments.default]\nurl = "jdbc:postgresql://db/app"\n',
      "s/b/flyway.conf": "flyway.url=jdbc:postgresql://db/app\n"},
     {"flyway_url": "jdbc:mysql://ci/app"}, [_B], [_A]),
    ({"s/a/flyway.conf": "flyway.url=jdbc:tc:mysql:8.0:///app\n"}, {}, [_B], [_A, _B]),
    ({"s/a/flyway.conf": "flyway.url=jdbc:aws-wrapper:postgresql://db/app\n",
      "s/b/flyway.conf": "flyway.url=jdbc:mysql://${DB_HOST}/app\n"}, {}, [_A], [_B]),
    ({"s/a/flyway.toml": '[environments.default]\nurl = "jdbc:${env.KIND}://db/app"\n'},
     {"KIND": "mysql"}, [_B], [_A, _B]),
    ({"s/a/flyway.toml": '[environments.default]\nurl = "${vault.url}"\n'}, {},
     [_A, _B], [_A, _B]),
    ({"s/a/flyway.conf": "flyway.url=jdbc:redshift://db/app\n"}, {}, [_A, _B], [_A, _B]),
], ids=["conf", "toml-default-environment", "toml-selected-environment", "variable-over-files",
        "variable-over-conf", "lower-case-variable-for-toml-only", "testcontainers",
        "wrapper-and-host", "resolved-kind", "unresolvable-decides-nothing", "unknown-kind"])
def test_flyway_s_url_decides_the_dialect_of_its_history(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str],
        variables: dict[str, str], postgresql: list[str] | None,
        mysql: list[str] | None) -> None:
    """A Flyway run's url names the database it migrates: below a folder linted, its history
    is left out (noted, with the `--dialect` that reads it) when that database is not the
    dialect's, as a folder named for another database is; FLYWAY_URL (and, for a TOML run,
    `flyway_url`) wins over the files. None: every history left out, an input error."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    write(tmp_path, {**_SERVICES, **files})
    assert_left_out_by_url(tmp_path, {"postgresql": postgresql, "mysql": mysql}, 2)


def test_a_database_lockwise_does_not_read_is_noted_so(tmp_path: Path) -> None:
    """A run on SQL Server: left out, and the note says lockwise reads none of it."""
    write(tmp_path, {**_SERVICES, "s/a/flyway.conf": "flyway.url=jdbc:sqlserver://db\n"})
    found, notes = _found(tmp_path)
    assert found == ["s/b/db/migration"]
    assert any("SQL Server" in n and "PostgreSQL, MySQL and MariaDB only" in n for n in notes)


def test_a_history_named_is_read_and_noted(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming the run's location reads it with the dialect in force (naming it is a
    choice), with a note that says how to read it as its database; a folder holding only
    that history is an input error, as one holding only another database's folder."""
    write(tmp_path, {**_SERVICES, "s/a/flyway.conf": "flyway.url=jdbc:mysql://db/app\n"})
    monkeypatch.chdir(tmp_path)
    assert_named_history_noted("s/a/db/migration", "s/a", [
        "migrated on MySQL (Flyway's url, flyway.url at", "flyway.conf:1)",
        "`lockwise lint --dialect mysql s/a/db/migration`"])


# --- the command line: -url= and -environments.<name>.<key>= ---------------------------------

#: One Flyway project of two locations, the second migration mixed.
_PROJECT = {"db/a/V1__t.sql": _T, "db/b/V2__i.sql": _MIXED,
            "flyway.toml": '[flyway]\nlocations = ["filesystem:db/a", "filesystem:db/b"]\n'}


def _lint(root: Path, args: list[str], *options: str) -> tuple[int, dict, str]:
    (root / "lockwise.toml").write_text(f"flyway_args = {json.dumps(args)}\n")
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", *options, "."])
    report = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    return result.exit_code, report, result.stderr


def _rules(report: dict) -> set[str]:
    return {f["rule"] for m in report["migrations"] for s in m["statements"]
            for f in s["findings"]}


@pytest.mark.parametrize(("args", "variables", "database"), [
    (["-url=jdbc:mysql://db/app"], {"FLYWAY_URL": "jdbc:postgresql://db/app"}, "MySQL"),
    (["-environment=ci", "-environments.ci.url=jdbc:mariadb://db/app"], {}, "MariaDB"),
    (["-environments.default.url=jdbc:mysql://db/app"],
     {"FLYWAY_URL": "jdbc:postgresql://db/app"}, "MySQL"),
    (["-environments.ci.url=jdbc:mysql://db/app"], {}, None),
    (["-url=jdbc:postgresql://db/app"], {"FLYWAY_URL": "jdbc:mysql://db/app"}, None),
], ids=["url-over-variable", "selected-environment", "environment-over-variable",
        "another-environment-not-read", "url-over-mysql-variable"])
def test_the_command_line_s_url_wins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
        variables: dict[str, str], database: str | None) -> None:
    """`-url=` and the selected environment's `-environments.<name>.url=` of `flyway_args`
    win over FLYWAY_URL and the files (Flyway: command line over environment over config
    files): a run on MySQL below the folder linted is left out, nothing else linted."""
    write(tmp_path, _PROJECT)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    code, report, stderr = _lint(tmp_path, args)
    if database is None:
        assert code == 1 and len(report["migrations"]) == 2, stderr
    else:
        assert code == 2 and "no PostgreSQL migrations here" in stderr, stderr
        assert f"a {database} history (Flyway's url, -" in stderr


@pytest.mark.parametrize(("files", "args", "mixed"), [
    ({}, ["-environments.default.flyway.mixed=true"], True),
    ({"flyway.toml": _PROJECT["flyway.toml"] + "[environments.ci.flyway]\nmixed = false\n"},
     ["-environment=ci", "-environments.ci.flyway.mixed=true"], True),
    ({}, ["-environments.ci.flyway.mixed=true"], False),
    ({"flyway.toml": _PROJECT["flyway.toml"] + 'environment = "ci"\n'},
     ["-environments.ci.flyway.executeInTransaction=false"], True),
], ids=["default-environment", "over-the-file-s-override", "another-environment",
        "file-selects-environment"])
def test_environments_arguments_override_the_selected_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str],
        args: list[str], mixed: bool) -> None:
    """`-environments.<name>.flyway.<setting>=` overrides that setting for the environment
    `<name>` when it is the one selected, over the files' own overrides."""
    write(tmp_path, {**_PROJECT, **files})
    monkeypatch.chdir(tmp_path)
    code, report, stderr = _lint(tmp_path, args)
    assert code in (0, 1), stderr
    assert ("concurrently-in-transaction" not in _rules(report)) is mixed


def test_an_environment_s_init_sql_argument_sets_the_lock_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-environments.default.initSql=` is the environment's initSql, run on each
    connection first: its lock_timeout holds for every migration."""
    write(tmp_path, {"db/a/V1__t.sql": _T, "db/a/V2__c.sql": "ALTER TABLE t ADD COLUMN b int;\n",
                     "flyway.toml": '[flyway]\nlocations = ["filesystem:db/a"]\n'
                                    '[environments.default]\ninitSql = "SELECT 1"\n'})
    monkeypatch.chdir(tmp_path)
    _, report, _ = _lint(tmp_path, [])
    assert "missing-lock-timeout" in _rules(report)
    monkeypatch.setenv("LOCK", "5s")
    _, report, stderr = _lint(tmp_path, [
        "-environments.default.initSql=SET lock_timeout = '${env.LOCK}'"])
    assert "missing-lock-timeout" not in _rules(report), stderr


@pytest.mark.parametrize(("args", "said"), [
    (["-environments.default.flyway.mixed=maybe"], "-environments.default.flyway.mixed=maybe"),
    (["-environments.default.initSql=SET lock_timeout = '${env.LOCK}'"],
     "-environments.default.initSql (flyway_args): ${env.LOCK}: the environment variable LOCK"),
], ids=["not-a-boolean", "unset-variable"])
def test_a_refused_environments_argument_is_an_input_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str) -> None:
    """A boolean Flyway refuses, or a variable that is not set: exit 2, naming the
    argument, no traceback."""
    write(tmp_path, _PROJECT)
    monkeypatch.chdir(tmp_path)
    code, _, stderr = _lint(tmp_path, args)
    assert code == 2 and said in stderr, stderr
    assert "Traceback" not in stderr


# --- where a resolver lockwise cannot resolve is -----------------------------------------------

@pytest.mark.parametrize(("files", "name", "line", "column"), [
    ({"flyway.toml": '[flyway]\nlocations = ["filesystem:db/a", "filesystem:${env.MIGRATIONS}"]\n'},
     "flyway.toml", 2, 45),
    ({"flyway.conf": "flyway.locations=filesystem:db/a,filesystem:${MIGRATIONS}\n"},
     "flyway.conf", 1, 45),
    ({"flyway.toml": '[flyway]\nmixed = "${vault.mixed}"\n'
                     'locations = ["filesystem:db/a", "filesystem:db/b"]\n'},
     "flyway.toml", 2, 10),
], ids=["toml", "conf", "other-resolver"])
def test_an_unresolvable_resolver_is_placed_at_its_column(
        tmp_path: Path, files: dict[str, str], name: str, line: int, column: int) -> None:
    """An input error at the file, line and column where the resolver is written."""
    write(tmp_path, {"db/a/V1__t.sql": _T, "db/b/V2__i.sql": _MIXED, **files})
    with pytest.raises(InputError) as caught:
        discover(tmp_path / "db" / "a")
    assert (caught.value.path, caught.value.line, caught.value.column) == \
        (tmp_path / name, line, column)
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path / name}:{line}:{column}: " in result.stderr, result.stderr
