"""Flyway's config files beyond flyway.toml and flyway.conf: flyway.user.toml, the files
FLYWAY_CONFIG_FILES names, and the resolvers in a setting's value (`${env.NAME}`)."""

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
from lockwise.discover.layouts import flyway_locations
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.source import InputError
from tree_helpers import write

#: A migration mixing a statement that takes a transaction with one that refuses it: Flyway
#: refuses it in a transaction unless `mixed` is on.
_MIXED = "ALTER TABLE t ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"
#: Three migrations in two folders, their versions interleaved, the second mixed.
_TWO_FOLDERS = {"db/a/V1__t.sql": "CREATE TABLE t (a int);\n", "db/b/V2__i.sql": _MIXED,
                "db/a/V3__u.sql": "CREATE TABLE u (a int);\n"}
_ONE_HISTORY = [["db/a/V1__t.sql", "db/b/V2__i.sql", "db/a/V3__u.sql"]]
_TWO_LOCATIONS = 'locations = ["filesystem:db/a", "filesystem:db/b"]\n'


@pytest.fixture(autouse=True)
def _no_named_files(monkeypatch: pytest.MonkeyPatch,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The tests set the variables they read; the ones of the shell running them do not
    count, nor a lockwise config an earlier command read, nor the Flyway config files of the
    home folder of whoever runs them (an empty one stands for it)."""
    for name in ("FLYWAY_CONFIG_FILES", "MIGRATIONS", "MIXED", "LOCK_TIMEOUT", "FLYWAY_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    yield
    configure(Path("."), [])


def _histories(root: Path) -> list[list[str]]:
    return [[m.path.relative_to(root).as_posix() for m in migrations]
            for _, migrations in discover_histories(root, notes=[], dialect="postgresql")]


def _all_rules(migrations: list) -> set[str]:
    return {f.rule for report in lint_migrations(migrations, LintOptions())
            for f in report.all_findings}


def _mixed(root: Path) -> bool:
    """Whether the history of `db/b` runs the mixed migration with `mixed` on."""
    return "concurrently-in-transaction" not in _all_rules(discover(root / "db" / "b"))


def _lint(target: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", str(target)])
    if result.exit_code != 2:
        json.loads(result.stdout)
    return result.exit_code, result.stderr


# --- flyway.user.toml -----------------------------------------------------------------------

@pytest.mark.parametrize(("files", "mixed"), [
    ({"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}",
      "flyway.user.toml": "[flyway]\nmixed = true\n"}, True),
    ({"flyway.toml": '[flyway]\nlocations = ["filesystem:db/a"]\nmixed = true\n',
      "flyway.user.toml": f"[flyway]\n{_TWO_LOCATIONS}"}, True),
    ({"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}mixed = true\n",
      "flyway.user.toml": "[flyway]\nmixed = false\n"}, False),
    ({"flyway.user.toml": f"[flyway]\n{_TWO_LOCATIONS}mixed = true\n"}, True),
    ({"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}"
                     "[environments.dev.flyway]\nmixed = true\n",
      "flyway.user.toml": '[flyway]\nenvironment = "dev"\n'}, True),
    ({"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}"
                     "[environments.default.flyway]\nmixed = true\n",
      "flyway.user.toml": "[environments.default]\nurl = \"jdbc:postgresql://db/app\"\n"}, True),
], ids=["user-adds", "user-locations-replace", "user-wins", "user-alone",
        "user-selects-environment", "environment-tables-merge"])
def test_flyway_user_toml_is_merged_over_flyway_toml(
        tmp_path: Path, files: dict[str, str], mixed: bool) -> None:
    """Flyway 10 loads flyway.user.toml after flyway.toml from the folder it runs in: each
    setting of the user's file replaces flyway.toml's, tables merge key by key."""
    write(tmp_path, {**_TWO_FOLDERS, **files})
    assert _histories(tmp_path) == _ONE_HISTORY
    assert _mixed(tmp_path) is mixed


@pytest.mark.parametrize(("user", "line"), [
    ("[flyway]\nmixed = true\nmixed = false\n", 3),
    ("[flyway]\n\nmixed = \"yes\"\n", 3),
], ids=["does-not-parse", "refused-value"])
def test_a_flyway_user_toml_flyway_refuses_is_an_input_error(
        tmp_path: Path, user: str, line: int) -> None:
    """Flyway stops on it: lint names flyway.user.toml and the line, exit 2."""
    write(tmp_path, {**_TWO_FOLDERS, "flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}",
                     "flyway.user.toml": user})
    with pytest.raises(InputError) as caught:
        discover(tmp_path / "db" / "b")
    assert caught.value.path == tmp_path / "flyway.user.toml"
    assert caught.value.line == line
    code, stderr = _lint(tmp_path)
    assert code == 2 and "flyway.user.toml" in stderr and "Traceback" not in stderr


# --- resolvers ------------------------------------------------------------------------------

@pytest.mark.parametrize("files", [
    {"flyway.toml": '[flyway]\nlocations = ["filesystem:${env.MIGRATIONS}/a", '
                    '"filesystem:${env.MIGRATIONS}/b"]\nmixed = "${env.MIXED}"\n'},
    {"flyway.toml": '[flyway]\nlocations = "filesystem:${ env.MIGRATIONS }/a,'
                    'filesystem:${env.MIGRATIONS}/b"\n'
                    '[environments.default.flyway]\nmixed = "${env.MIXED}"\n'},
    {"flyway.conf": "flyway.locations=filesystem:${MIGRATIONS}/a,filesystem:${MIGRATIONS}/b\n"
                    "flyway.mixed=${MIXED}\n"},
], ids=["toml", "toml-string-and-override", "conf"])
def test_environment_variables_in_settings_are_resolved(
        tmp_path: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`${env.NAME}` in flyway.toml (Flyway's environment variable resolver) and `${NAME}`
    in flyway.conf are replaced by the variable of the environment lockwise runs in."""
    monkeypatch.setenv("MIGRATIONS", "db")
    monkeypatch.setenv("MIXED", "true")
    write(tmp_path, {**_TWO_FOLDERS, **files})
    assert _histories(tmp_path) == _ONE_HISTORY
    assert _mixed(tmp_path)


def test_an_init_sql_from_the_environment_sets_the_lock_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment's initSql, resolved, runs before each migration."""
    monkeypatch.setenv("LOCK_TIMEOUT", "5s")
    write(tmp_path, {"db/V1__t.sql": "ALTER TABLE t ADD COLUMN note text;\n",
                     "flyway.toml": "[environments.default]\n"
                                    "initSql = \"SET lock_timeout = '${env.LOCK_TIMEOUT}';\"\n"})
    [migration] = discover(tmp_path / "db")
    assert migration.init_sql == "SET lock_timeout = '5s';"


@pytest.mark.parametrize(("text", "locations"), [
    ('[flyway]\nlocations = ["filesystem:$${env.MIGRATIONS}"]\n',
     ["filesystem:${env.MIGRATIONS}"]),
    ('[flyway]\nlocations = ["!{filesystem:${env.MIGRATIONS}}"]\n',
     ["filesystem:${env.MIGRATIONS}"]),
    ('[flyway]\nlocations = ["filesystem:db/v${env.MIGRATIONS:d}"]\n', ["filesystem:db/v12"]),
    ('[flyway]\nlocations = ["filesystem:db/${env.MIGRATIONS:a}"]\n', ["filesystem:db/dbv"]),
], ids=["escaped", "verbatim", "digits-filter", "letters-filter"])
def test_resolver_escapes_and_filters(tmp_path: Path, text: str, locations: list[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """As Flyway reads them: `$${...}` and a whole `!{...}` are taken as written; a filter
    after `:` keeps ASCII digits (`d`) or letters (`a`) of the variable's value."""
    monkeypatch.setenv("MIGRATIONS", "db-v1.2")
    write(tmp_path, {"flyway.toml": text})
    assert flyway_locations(tmp_path) == locations


@pytest.mark.parametrize(("files", "name", "line", "named"), [
    ({"flyway.toml": '[flyway]\n\nlocations = ["filesystem:${env.MIGRATIONS}/a"]\n'},
     "flyway.toml", 3, "MIGRATIONS"),
    ({"flyway.conf": "flyway.url=jdbc:postgresql://db/app\n"
                     "flyway.locations=filesystem:db/a,filesystem:${MIGRATIONS}/b\n"},
     "flyway.conf", 2, "MIGRATIONS"),
    ({"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}",
      "flyway.user.toml": '[flyway]\nmixed = "${env.MIXED}"\n'},
     "flyway.user.toml", 2, "MIXED"),
    ({"flyway.toml": '[flyway]\nlocations = ["filesystem:${vault.migrations}"]\n'},
     "flyway.toml", 2, "vault"),
], ids=["toml-unset", "conf-unset", "user-toml-unset", "other-resolver"])
def test_an_unresolvable_setting_is_an_input_error(
        tmp_path: Path, files: dict[str, str], name: str, line: int, named: str) -> None:
    """A variable not set where lockwise runs (or a secrets store it does not read) leaves
    the setting unknown: an input error at the file and line, naming the variable, exit 2;
    not a location read as empty."""
    write(tmp_path, {**_TWO_FOLDERS, **files})
    with pytest.raises(InputError) as caught:
        discover(tmp_path / "db" / "b")
    assert (caught.value.path, caught.value.line) == (tmp_path / name, line)
    assert named in caught.value.message
    code, stderr = _lint(tmp_path)
    assert code == 2 and f"{name}:{line}" in stderr and named in stderr, stderr


# --- FLYWAY_CONFIG_FILES --------------------------------------------------------------------

@pytest.mark.parametrize(("files", "named", "mixed"), [
    ({"conf/flyway.conf": "flyway.locations=filesystem:db/a,filesystem:db/b\n"
                          "flyway.mixed=true\n"}, "conf/flyway.conf", True),
    ({"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}",
      "conf/ci.toml": "[flyway]\nmixed = true\n"}, "conf/ci.toml", True),
    ({"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}mixed = true\n",
      "flyway.user.toml": "[flyway]\nmixed = true\n",
      "conf/ci.toml": "[flyway]\nmixed = false\n"}, " conf/none.toml , conf/ci.toml", False),
    ({"conf/a.toml": f"[flyway]\n{_TWO_LOCATIONS}",
      "conf/b.toml": "[flyway]\nmixed = true\n"}, "conf/a.toml,conf/b.toml", True),
], ids=["conf-alone", "toml-over-flyway-toml", "last-named-wins", "two-named"])
def test_flyway_config_files_are_read_in_the_folder_lockwise_runs_in(
        tmp_path: Path, files: dict[str, str], named: str, mixed: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """FLYWAY_CONFIG_FILES, set for lockwise as for the Flyway run it checks, names config
    files loaded after the folder's own (flyway.toml, flyway.user.toml), relative to the
    folder both run in; their locations are relative to it too."""
    write(tmp_path, {**_TWO_FOLDERS, **files, "conf/none.toml": ""})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLYWAY_CONFIG_FILES", named)
    assert _histories(tmp_path) == _ONE_HISTORY
    assert [m.path.name for m in discover(tmp_path / "db" / "b")] == \
        ["V1__t.sql", "V2__i.sql", "V3__u.sql"]
    assert _mixed(tmp_path) is mixed
    code, _ = _lint(Path("db"))
    assert code in (0, 1)


def test_flyway_config_files_are_not_read_for_a_run_elsewhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The named files configure a run in the folder lockwise runs in (and the locations
    below it), not one in a folder beside it (a project linted from outside it)."""
    write(tmp_path, {"project/" + path: sql for path, sql in _TWO_FOLDERS.items()})
    write(tmp_path, {"project/flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}",
                     "ci/ci.toml": "[flyway]\nmixed = true\n"})
    monkeypatch.chdir(tmp_path / "ci")
    monkeypatch.setenv("FLYWAY_CONFIG_FILES", "ci.toml")
    assert not _mixed(tmp_path / "project")
    monkeypatch.chdir(tmp_path / "project")
    monkeypatch.setenv("FLYWAY_CONFIG_FILES", "../ci/ci.toml")
    assert _mixed(tmp_path / "project")


def test_a_named_config_file_that_does_not_exist_is_an_input_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run would read a file lockwise cannot: exit 2, naming the variable and file."""
    write(tmp_path, _TWO_FOLDERS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLYWAY_CONFIG_FILES", "conf/flyway.conf")
    code, stderr = _lint(Path("db"))
    assert code == 2, stderr
    assert "FLYWAY_CONFIG_FILES" in stderr and "conf/flyway.conf" in stderr
    assert "Traceback" not in stderr


def test_lockwise_config_names_flyway_config_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`flyway_config_files` in lockwise's config names the files a Flyway run in the
    config's folder is given (`-configFiles`), relative to the config, wherever lint runs."""
    write(tmp_path, {**_TWO_FOLDERS, "lockwise.toml": 'flyway_config_files = "conf/ci.conf"\n',
                     "conf/ci.conf": "flyway.locations=filesystem:db/a,filesystem:db/b\n"
                                     "flyway.mixed=true\n"})
    monkeypatch.chdir(tmp_path / "db")
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", "."])
    report = json.loads(result.stdout)
    assert [Path(os.path.normpath(tmp_path / "db" / m["path"])).relative_to(tmp_path).as_posix()
            for m in report["migrations"]] == _ONE_HISTORY[0]
    rules = {f["rule"] for m in report["migrations"] for f in m["findings"]}
    assert "concurrently-in-transaction" not in rules


def test_a_missing_named_file_stops_no_other_tool_s_lint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The variable is Flyway's: a file it names that is missing is said for Flyway's
    migrations only, not for a project of another tool linted where it is set."""
    write(tmp_path, {"db/migrations/001_t.up.sql": "CREATE TABLE t (a int);\n",
                     "db/migrations/001_t.down.sql": "DROP TABLE t;\n"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLYWAY_CONFIG_FILES", "conf/flyway.conf")
    code, stderr = _lint(Path("db/migrations"))
    assert code in (0, 1), stderr
    code, stderr = _lint(Path("db"))
    assert code in (0, 1), stderr


def test_a_setting_a_nearer_folder_sets_is_not_resolved_above(tmp_path: Path) -> None:
    """Each setting comes from the nearest folder that sets it: the same setting in a folder
    above is not read, so its variable need not be set."""
    write(tmp_path, {"flyway.toml": '[flyway]\nmixed = "${env.MIXED}"\n',
                     "project/flyway.toml": "[flyway]\nmixed = true\n",
                     "project/db/V1__i.sql": _MIXED})
    assert "concurrently-in-transaction" not in _all_rules(discover(tmp_path / "project" / "db"))


# --- the home folder, the install folder, -workingDirectory (fix-layouts17) -----------------

def _home() -> Path:
    return Path(os.environ["HOME"])


@pytest.mark.parametrize(("home", "project", "mixed"), [
    ({"flyway.toml": "[flyway]\nmixed = true\n"}, {"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}"},
     True),
    ({"flyway.toml": "[flyway]\nmixed = true\n"},
     {"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}mixed = false\n"}, False),
    ({"flyway.toml": "[flyway]\nmixed = false\n", "flyway.user.toml": "[flyway]\nmixed = true\n"},
     {"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}"}, True),
    ({"flyway.conf": "flyway.mixed=true\n"},
     {"flyway.conf": "flyway.locations=filesystem:db/a,filesystem:db/b\n"}, True),
    ({"flyway.toml": '[flyway]\nenvironment = "ci"\n'},
     {"flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}[environments.ci.flyway]\nmixed = true\n"},
     True),
], ids=["home-adds", "project-wins", "home-user-file", "home-conf", "home-selects-environment"])
def test_the_home_folder_s_config_files_are_read_first(
        tmp_path: Path, home: dict[str, str], project: dict[str, str], mixed: bool) -> None:
    """Flyway's command line loads the user's home folder's flyway.toml and flyway.user.toml
    (or flyway.conf) before those of the folder it runs in: a setting the project leaves
    unset comes from there, one it sets wins."""
    write(_home(), home)
    write(tmp_path, {**_TWO_FOLDERS, **project})
    assert _histories(tmp_path) == _ONE_HISTORY
    assert _mixed(tmp_path) is mixed


def test_the_home_folder_s_settings_apply_without_project_config(tmp_path: Path) -> None:
    """A Flyway run in a folder holding no config file still loads the home folder's."""
    write(_home(), {"flyway.toml": "[flyway]\nmixed = true\n"})
    write(tmp_path, {"sql/V1__t.sql": "CREATE TABLE t (a int);\n", "sql/V2__i.sql": _MIXED})
    assert "concurrently-in-transaction" not in _all_rules(discover(tmp_path / "sql"))
    (_home() / "flyway.toml").unlink()
    assert "concurrently-in-transaction" in _all_rules(discover(tmp_path / "sql"))


def test_lockwise_config_names_flyway_s_install_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`flyway_install_dir` names the folder Flyway is installed in (lockwise cannot see it):
    its `conf/` files are loaded first, the home folder's over them."""
    write(tmp_path, {**_TWO_FOLDERS, "flyway.toml": f"[flyway]\n{_TWO_LOCATIONS}",
                     "lockwise.toml": 'flyway_install_dir = "tools/flyway"\n',
                     "tools/flyway/conf/flyway.toml": "[flyway]\nmixed = true\n"})
    monkeypatch.chdir(tmp_path)
    assert "concurrently-in-transaction" not in _lint_rules(Path("db/b"))
    write(_home(), {"flyway.toml": "[flyway]\nmixed = false\n"})
    assert "concurrently-in-transaction" in _lint_rules(Path("db/b"))


def test_lockwise_config_names_flyway_s_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`flyway_working_directory` is the `-workingDirectory` of a Flyway run in the config's
    folder: that folder's config files, then the working directory's, configure it, and its
    locations are read from the working directory."""
    write(tmp_path, {**_TWO_FOLDERS, "lockwise.toml": 'flyway_working_directory = "db"\n',
                     "flyway.toml": '[flyway]\nlocations = ["filesystem:a", "filesystem:b"]\n',
                     "db/flyway.user.toml": "[flyway]\nmixed = true\n"})
    monkeypatch.chdir(tmp_path)
    report = _lint_report(Path("."))
    assert [m["path"] for m in report["migrations"]] == _ONE_HISTORY[0]
    assert "concurrently-in-transaction" not in _rules_of(report)
    (tmp_path / "db" / "flyway.user.toml").unlink()
    assert "concurrently-in-transaction" in _lint_rules(Path("."))


def _lint_report(target: Path) -> dict:
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", str(target)])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def _rules_of(report: dict) -> set[str]:
    """The rules of the findings of `report` (lint's JSON), a migration's or a statement's."""
    return {f["rule"] for m in report["migrations"]
            for f in [*m["findings"], *(f for s in m["statements"] for f in s["findings"])]}


def _lint_rules(target: Path) -> set[str]:
    return _rules_of(_lint_report(target))


# --- the environment's name (fix-layouts17) ---------------------------------------------------

def test_the_environment_s_name_is_resolved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`[flyway]`'s `environment` is a `[flyway]` string like the others: `${env.NAME}` in it
    is replaced before the environment is selected."""
    write(tmp_path, {**_TWO_FOLDERS, "flyway.toml": (
        f'[flyway]\n{_TWO_LOCATIONS}environment = "${{env.FLYWAY_ENV}}"\n'
        "[environments.ci.flyway]\nmixed = true\n")})
    monkeypatch.setenv("FLYWAY_ENV", "ci")
    assert _mixed(tmp_path)
    monkeypatch.setenv("FLYWAY_ENV", "dev")
    assert not _mixed(tmp_path)


def test_an_environment_name_lockwise_cannot_resolve_is_an_input_error(tmp_path: Path) -> None:
    """An unset variable in the environment's name: which environment runs is not known."""
    write(tmp_path, {**_TWO_FOLDERS, "flyway.toml": (
        f'[flyway]\n{_TWO_LOCATIONS}\nenvironment = "${{env.FLYWAY_ENV}}"\n')})
    with pytest.raises(InputError) as caught:
        discover(tmp_path / "db" / "b")
    assert (caught.value.path, caught.value.line) == (tmp_path / "flyway.toml", 4)
    assert "FLYWAY_ENV" in caught.value.message


# --- TOML or conf, never both (fix-layouts17) -------------------------------------------------

_TOML_LOCATIONS = f"[flyway]\n{_TWO_LOCATIONS}"
_CONF_LOCATIONS = "flyway.locations=filesystem:db/a,filesystem:db/b\n"


@pytest.mark.parametrize(("files", "variable", "mixed"), [
    ({"flyway.toml": _TOML_LOCATIONS, "flyway.conf": "flyway.mixed=true\n"}, None, False),
    ({"flyway.toml": "[flyway]\nmixed = true\n", "flyway.conf": _CONF_LOCATIONS}, None, None),
    ({"flyway.conf": _CONF_LOCATIONS + "flyway.mixed=true\n", "ci.toml": _TOML_LOCATIONS},
     "ci.toml", False),
    ({"flyway.toml": _TOML_LOCATIONS + "mixed = false\n",
      "ci.conf": _CONF_LOCATIONS + "flyway.mixed=true\n"}, "ci.conf", True),
], ids=["toml-beside-conf", "conf-locations-unread", "named-toml", "named-conf"])
def test_flyway_reads_toml_or_conf_files_never_both(
        tmp_path: Path, files: dict[str, str], variable: str | None, mixed: bool | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Flyway reads one kind of config file: the kind the named files are (FLYWAY_CONFIG_FILES
    here), else TOML when any TOML file it loads by default exists, the conf files then left
    unread (and TOML files when a conf is named). None: the conf's locations are not read, so
    `db/b` is a history of its own."""
    write(tmp_path, {**_TWO_FOLDERS, **files})
    monkeypatch.chdir(tmp_path)
    if variable:
        monkeypatch.setenv("FLYWAY_CONFIG_FILES", variable)
    if mixed is None:
        assert [m.path.name for m in discover(tmp_path / "db" / "b")] == ["V2__i.sql"]
        return
    assert _histories(tmp_path) == _ONE_HISTORY
    assert _mixed(tmp_path) is mixed


def test_a_home_toml_leaves_the_project_s_conf_unread(tmp_path: Path) -> None:
    """The home folder's flyway.toml is one of the files Flyway loads by default: with it,
    the run reads TOML files only, and the project's flyway.conf is not read."""
    write(tmp_path, {**_TWO_FOLDERS,
                     "flyway.conf": _CONF_LOCATIONS.replace("\n", ",") + "\nflyway.mixed=true\n"})
    assert _mixed(tmp_path)
    write(_home(), {"flyway.toml": "[flyway]\nconnectRetries = 3\n"})
    assert [m.path.name for m in discover(tmp_path / "db" / "b")] == ["V2__i.sql"]


@pytest.mark.parametrize("how", ["variable", "config"])
def test_named_toml_and_conf_files_together_are_an_input_error(
        tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flyway stops when the files named for it (-configFiles, or else FLYWAY_CONFIG_FILES)
    are of both kinds ("Using both TOML configuration and CONF configuration is not
    supported"): exit 2, naming both files."""
    write(tmp_path, {**_TWO_FOLDERS, "conf/a.toml": _TOML_LOCATIONS,
                     "conf/b.conf": "flyway.mixed=true\n"})
    monkeypatch.chdir(tmp_path)
    if how == "variable":
        monkeypatch.setenv("FLYWAY_CONFIG_FILES", "conf/a.toml,conf/b.conf")
    else:
        write(tmp_path, {"lockwise.toml": 'flyway_config_files = ["conf/a.toml", "conf/b.conf"]\n'})
    code, stderr = _lint(Path("db"))
    assert code == 2, stderr
    assert "a.toml" in stderr and "b.conf" in stderr and "Traceback" not in stderr


# --- Flyway's environment variables (fix-layouts18) -------------------------------------------

@pytest.fixture
def _no_flyway_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of Flyway's own variables of the shell running the tests counts."""
    for name in list(os.environ):
        if name.upper().startswith("FLYWAY_"):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("_no_flyway_variables")
@pytest.mark.parametrize("files", [
    {}, {"flyway.toml": "[flyway]\nconnectRetries = 3\n"},
    {"flyway.conf": "flyway.connectRetries=3\n"},
    {"flyway.toml": _TOML_LOCATIONS}, {"flyway.conf": _CONF_LOCATIONS}],
    ids=["no-config", "toml", "conf", "over-toml-locations", "over-conf-locations"])
def test_flyway_locations_variable_configures_the_run_lockwise_runs_in(
        tmp_path: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """FLYWAY_LOCATIONS sets the locations of a Flyway run in the folder lockwise runs in
    (over its config files' and with none): `db/a` alone is that run's history, `db/b`
    another (without the variable, `db` is one Flyway folder of releases, or the files'
    locations make one history)."""
    write(tmp_path, {**_TWO_FOLDERS, **files})
    monkeypatch.chdir(tmp_path)
    assert _histories(tmp_path) == _ONE_HISTORY
    monkeypatch.setenv("FLYWAY_LOCATIONS", "filesystem:db/a")
    assert sorted(_histories(tmp_path)) == [["db/a/V1__t.sql", "db/a/V3__u.sql"],
                                            ["db/b/V2__i.sql"]]


@pytest.mark.usefixtures("_no_flyway_variables")
@pytest.mark.parametrize(("files", "variable", "value", "mixed"), [
    ({"flyway.toml": _TOML_LOCATIONS}, "FLYWAY_MIXED", "true", True),
    ({"flyway.toml": _TOML_LOCATIONS + "mixed = true\n"}, "FLYWAY_MIXED", "false", False),
    ({"flyway.conf": _CONF_LOCATIONS + "flyway.mixed=false\n"}, "FLYWAY_MIXED", "true", True),
    ({"flyway.toml": _TOML_LOCATIONS}, "flyway_mixed", "true", True),
    ({"flyway.conf": _CONF_LOCATIONS}, "flyway_mixed", "true", False),
    ({"flyway.toml": _TOML_LOCATIONS + "[environments.ci.flyway]\nmixed = true\n"},
     "flyway_environment", "ci", True),
    ({"flyway.toml": _TOML_LOCATIONS + 'environment = "ci"\n'
      "[environments.ci.flyway]\nmixed = true\n"}, "flyway_environment", "dev", False),
    ({"flyway.toml": _TOML_LOCATIONS + "[environments.ci.flyway]\nmixed = true\n"},
     "FLYWAY_ENVIRONMENT", "ci", False),
    ({"flyway.toml": _TOML_LOCATIONS + 'environment = "ci"\n'
      "[environments.ci.flyway]\nmixed = true\n"}, "FLYWAY_MIXED", "false", True),
    ({"flyway.toml": _TOML_LOCATIONS}, "FLYWAY_EXECUTE_IN_TRANSACTION", "false", True),
], ids=["mixed", "over-the-file", "conf", "lower-case-toml", "lower-case-not-for-conf",
        "environment-selected", "environment-over-the-file", "upper-case-environment-unread",
        "environment-override-wins", "execute-in-transaction"])
def test_flyway_s_environment_variables_set_its_settings(
        tmp_path: Path, files: dict[str, str], variable: str, value: str, mixed: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Flyway's command line reads FLYWAY_MIXED, FLYWAY_EXECUTE_IN_TRANSACTION, ... over its
    config files; a TOML configuration also the lower-case `flyway_<setting>` variables,
    `flyway_environment` selecting the environment (FLYWAY_ENVIRONMENT is none of its); an
    environment's own `flyway` override wins over a variable."""
    write(tmp_path, {**_TWO_FOLDERS, **files})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    assert _histories(tmp_path) == _ONE_HISTORY
    assert _mixed(tmp_path) is mixed


@pytest.mark.usefixtures("_no_flyway_variables")
def test_an_init_sql_variable_sets_the_lock_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FLYWAY_INIT_SQL runs on the connection before the migrations, as a file's initSql."""
    write(tmp_path, {"flyway.toml": "[flyway]\nlocations = [\"filesystem:db\"]\n",
                     "db/V1__t.sql": "CREATE TABLE t (a int);\n",
                     "db/V2__i.sql": "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 0;\n"})
    monkeypatch.chdir(tmp_path)
    before = [m.init_sql for m in discover(tmp_path / "db")]
    monkeypatch.setenv("FLYWAY_INIT_SQL", "SET lock_timeout = '5s'")
    assert before == ["", ""]
    assert [m.init_sql for m in discover(tmp_path / "db")] == ["SET lock_timeout = '5s'"] * 2


@pytest.mark.usefixtures("_no_flyway_variables")
@pytest.mark.parametrize("variable", ["FLYWAY_MIXED", "flyway_mixed"])
def test_a_variable_flyway_refuses_is_an_input_error(
        tmp_path: Path, variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`FLYWAY_MIXED=yes`: Flyway stops; lint exits 2 naming the variable."""
    write(tmp_path, {**_TWO_FOLDERS, "flyway.toml": _TOML_LOCATIONS})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, "yes")
    code, stderr = _lint(Path("db"))
    assert code == 2, stderr
    assert f"{variable}=yes" in stderr and "Traceback" not in stderr


@pytest.mark.usefixtures("_no_flyway_variables")
def test_flyway_config_file_encoding_reads_the_conf_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FLYWAY_CONFIG_FILE_ENCODING is the encoding of the .conf files (UTF-8 without it): a
    Latin-1 flyway.conf naming a folder `bé` is read right with it only."""
    write(tmp_path, {"db/a/V1__t.sql": "CREATE TABLE t (a int);\n", "db/bé/V2__i.sql": _MIXED})
    (tmp_path / "flyway.conf").write_bytes(
        "flyway.locations=filesystem:db/a,filesystem:db/bé\nflyway.mixed=true\n"
        .encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    assert len(_histories(tmp_path)) == 2
    monkeypatch.setenv("FLYWAY_CONFIG_FILE_ENCODING", "ISO-8859-1")
    assert _histories(tmp_path) == [["db/a/V1__t.sql", "db/bé/V2__i.sql"]]
    monkeypatch.setenv("FLYWAY_CONFIG_FILE_ENCODING", "no-such-encoding")
    code, stderr = _lint(Path("db"))
    assert code == 2, stderr
    assert "FLYWAY_CONFIG_FILE_ENCODING" in stderr and "Traceback" not in stderr


@pytest.mark.usefixtures("_no_flyway_variables")
@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-32"])
def test_a_wide_conf_encoding_without_byte_order_mark_is_read_big_endian(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    """Java's UTF-16 and UTF-32 decoders read a file without a byte order mark as big-endian
    (fix-layouts19): Python's refuse it (a traceback before)."""
    write(tmp_path, _TWO_FOLDERS)
    (tmp_path / "flyway.conf").write_bytes(
        "flyway.locations=filesystem:db/a,filesystem:db/b\nflyway.mixed=true\n"
        .encode(f"{encoding}-BE"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLYWAY_CONFIG_FILE_ENCODING", encoding)
    assert _histories(tmp_path) == _ONE_HISTORY


# --- -configFiles from the working directory (fix-layouts18) ----------------------------------

@pytest.mark.usefixtures("_no_flyway_variables")
@pytest.mark.parametrize("how", ["key", "variable"])
def test_named_files_are_read_from_flyway_s_working_directory(
        tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flyway resolves a relative `-configFiles` (and FLYWAY_CONFIG_FILES) path from its
    `-workingDirectory` when one is set: with `flyway_working_directory = "db"`,
    `ci.toml` is `db/ci.toml`, not the config folder's."""
    write(tmp_path, {**_TWO_FOLDERS, "db/ci.toml": '[flyway]\nlocations = ["filesystem:a", '
                     '"filesystem:b"]\nmixed = true\n'})
    config = 'flyway_working_directory = "db"\n'
    if how == "key":
        config += 'flyway_config_files = "ci.toml"\n'
    else:
        monkeypatch.setenv("FLYWAY_CONFIG_FILES", "ci.toml")
    write(tmp_path, {"lockwise.toml": config})
    monkeypatch.chdir(tmp_path)
    report = _lint_report(Path("."))
    assert [m["path"] for m in report["migrations"]] == _ONE_HISTORY[0]
    assert "concurrently-in-transaction" not in _rules_of(report)


def test_a_named_file_missing_from_the_working_directory_is_placed_at_the_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is looked for where Flyway looks: beside lockwise.toml it is not the one
    named; the error is at the key and says where names are read from."""
    write(tmp_path, {**_TWO_FOLDERS, "ci.toml": "[flyway]\nmixed = true\n",
                     "lockwise.toml": 'flyway_config_files = "ci.toml"\n'
                                      'flyway_working_directory = "db"\n'})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint", "--no-cache", "db"])
    assert result.exit_code == 2, result.stderr
    assert "lockwise.toml:1:1" in result.stderr and "working directory" in result.stderr


@pytest.mark.usefixtures("_no_flyway_variables")
@pytest.mark.parametrize(("name", "text", "line"), [
    ("flyway.conf", "# CI\nflyway.locations=filesystem:db/a,filesystem:" + "x" * 300 + "\n", 2),
    ("flyway.toml", '[flyway]\nmixed = true\nlocations = ["filesystem:db/a", '
                    '"filesystem:' + "x" * 300 + '/sql"]\n', 3),
], ids=["conf", "toml"])
def test_a_location_too_long_for_the_system_is_an_error_at_the_setting(
        tmp_path: Path, name: str, text: str, line: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A location whose name the system refuses (longer than it allows) was an OS error at
    the path: it is an input error at the line of the setting naming it, exit 2."""
    write(tmp_path, {**_TWO_FOLDERS, name: text})
    monkeypatch.chdir(tmp_path)
    code, stderr = _lint(Path("db"))
    assert code == 2, stderr
    assert stderr.startswith(f"lockwise: error: {name}:{line}:1: "), stderr
    assert "File name too long" in stderr and "Traceback" not in stderr
    monkeypatch.setenv("FLYWAY_LOCATIONS", "filesystem:" + "y" * 300)
    code, stderr = _lint(Path("db"))
    assert code == 2 and "the environment variable FLYWAY_LOCATIONS" in stderr, stderr


# --- Flyway's command line: flyway_args (fix-layouts18) ----------------------------------------

@pytest.mark.usefixtures("_no_flyway_variables")
@pytest.mark.parametrize(("files", "args", "variables", "mixed"), [
    ({"flyway.toml": _TOML_LOCATIONS + "[environments.ci.flyway]\nmixed = true\n"},
     ["migrate", "-environment=ci", "-X"], {}, True),
    ({"flyway.toml": _TOML_LOCATIONS + 'environment = "ci"\n[environments.ci.flyway]\n'
      "mixed = true\n"}, ["-environment=dev"], {"flyway_environment": "ci"}, False),
    ({"flyway.toml": _TOML_LOCATIONS}, ["-mixed=true"], {"FLYWAY_MIXED": "false"}, True),
    ({"flyway.conf": _CONF_LOCATIONS + "flyway.mixed=false\n"}, ["-mixed=true"], {}, True),
    ({"flyway.toml": _TOML_LOCATIONS}, ["-executeInTransaction=false", "-url=jdbc:x"], {},
     True),
    ({"conf/ci.toml": _TOML_LOCATIONS + "mixed = true\n"}, ["-configFiles=conf/ci.toml"], {},
     True),
    ({"db/ci.toml": '[flyway]\nlocations = ["filesystem:a", "filesystem:b"]\nmixed = true\n'},
     ["-workingDirectory=db", "-configFiles=ci.toml"], {}, True),
], ids=["environment", "over-the-variable", "mixed-over-the-variable", "conf", "other-args",
        "config-files", "working-directory"])
def test_flyway_args_are_the_command_line_of_the_config_s_run(
        tmp_path: Path, files: dict[str, str], args: list[str], variables: dict[str, str],
        mixed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """`flyway_args` in lockwise's config is the command line of the Flyway run in the
    config's folder: `-environment=` selects the environment (over `flyway_environment`),
    `-mixed=` and the like win over the variables and the files, `-configFiles=` and
    `-workingDirectory=` are read as the keys of those names; other arguments say nothing."""
    write(tmp_path, {**_TWO_FOLDERS, **files,
                     "lockwise.toml": f"flyway_args = {json.dumps(args)}\n"})
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    report = _lint_report(Path("."))
    assert [m["path"] for m in report["migrations"]] == _ONE_HISTORY[0]
    assert ("concurrently-in-transaction" not in _rules_of(report)) is mixed


@pytest.mark.usefixtures("_no_flyway_variables")
def test_flyway_args_locations_configure_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-locations=` configures the run in the config's folder, config files or not."""
    write(tmp_path, {**_TWO_FOLDERS,
                     "lockwise.toml": 'flyway_args = ["-locations=filesystem:db/a"]\n'})
    monkeypatch.chdir(tmp_path)
    assert sorted(m["path"] for m in _lint_report(Path("."))["migrations"]) == \
        sorted(_ONE_HISTORY[0])
    report = _lint_report(Path("db/a"))
    assert [m["path"] for m in report["migrations"]] == ["db/a/V1__t.sql", "db/a/V3__u.sql"]


@pytest.mark.usefixtures("_no_flyway_variables")
def test_flyway_args_config_file_encoding_comes_after_the_variable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-configFileEncoding=` reads the .conf files in that encoding, unless
    FLYWAY_CONFIG_FILE_ENCODING is set: Flyway asks the variable first."""
    write(tmp_path, {"db/a/V1__t.sql": "CREATE TABLE t (a int);\n", "db/bé/V2__i.sql": _MIXED,
                     "lockwise.toml": 'flyway_args = ["-configFileEncoding=ISO-8859-1"]\n'})
    (tmp_path / "flyway.conf").write_bytes(
        "flyway.locations=filesystem:db/a,filesystem:db/bé\n".encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    assert [m["path"] for m in _lint_report(Path("."))["migrations"]] == \
        ["db/a/V1__t.sql", "db/bé/V2__i.sql"]
    monkeypatch.setenv("FLYWAY_CONFIG_FILE_ENCODING", "UTF-8")
    assert len(_histories(tmp_path)) == 2
