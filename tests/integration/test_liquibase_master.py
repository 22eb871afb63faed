"""A Liquibase master changelog (XML, YAML or JSON `databaseChangeLog`) that includes SQL
changelogs (`include` of a file, `includeAll` of a folder) is one history, in the order it
runs them (fix-layouts18): before, each folder of SQL files was a history of its own, in
name order, and the graph refused a folder holding several."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover, discover_histories
from lockwise.parse.source import InputError
from tree_helpers import write

_HEADER = "--liquibase formatted sql\n"
_USERS = _HEADER + "--changeset a:users\nCREATE TABLE users (id int PRIMARY KEY, email text);\n"
_ORDERS = _HEADER + "--changeset a:orders\nCREATE TABLE orders (id int, user_id int);\n"
_INDEX = _HEADER + "--changeset a:index\nCREATE INDEX users_email ON users (email);\n"

_YAML_INCLUDE_ALL = """databaseChangeLog:
  - includeAll:
      path: changes/release-1/
      relativeToChangelogFile: true
  - includeAll:
      path: changes/release-2/
      relativeToChangelogFile: true
"""
_XML_INCLUDE = """<?xml version="1.0" encoding="UTF-8"?>
<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">
  <include file="changes/v1.9.sql" relativeToChangelogFile="true"/>
  <include file="changes/v1.10.sql" relativeToChangelogFile="true"/>
</databaseChangeLog>
"""


def _ids(root: Path) -> list[list[str]]:
    return [[m.id for m in migrations]
            for _, migrations in discover_histories(root, notes=[], dialect="postgresql")]


def test_include_all_folders_are_one_history_in_the_master_s_order(tmp_path: Path) -> None:
    write(tmp_path / "db", {"master.yaml": _YAML_INCLUDE_ALL,
                            "changes/release-1/001-users.sql": _USERS,
                            "changes/release-1/002-orders.sql": _ORDERS,
                            "changes/release-2/001-index.sql": _INDEX})
    assert _ids(tmp_path / "db") == [["a:users", "a:orders", "a:index"]]
    result = CliRunner().invoke(app, ["graph", "-f", "json", str(tmp_path / "db")])
    assert result.exit_code == 0, result.output
    edges = json.loads(result.stdout)["edges"]
    assert any(e["from"] == "a:users" and e["to"] == "a:index" or
               e["to"] == "a:users" and e["from"] == "a:index" for e in edges), edges


@pytest.mark.parametrize("master", ["db.changelog-master.xml", "changelog.json"])
def test_included_files_run_in_the_master_s_order_not_by_name(
        tmp_path: Path, master: str) -> None:
    """`v1.10.sql` sorts before `v1.9.sql` by name; the master runs 1.9 first."""
    text = _XML_INCLUDE if master.endswith(".xml") else json.dumps({"databaseChangeLog": [
        {"include": {"file": "changes/v1.9.sql", "relativeToChangelogFile": True}},
        {"include": {"file": "changes/v1.10.sql", "relativeToChangelogFile": True}}]})
    write(tmp_path / "db", {master: text, "changes/v1.9.sql": _USERS,
                            "changes/v1.10.sql": _INDEX})
    assert [m.id for m in discover(tmp_path / "db")] == ["a:users", "a:index"]


def test_a_path_of_the_search_path_is_read_below_the_classpath_root(tmp_path: Path) -> None:
    """Without relativeToChangelogFile a path is on Liquibase's search path (Spring Boot's
    classpath root, `src/main/resources`): `db/changelog/changes/x.sql`, `classpath:` or
    not, from the master in `src/main/resources/db/changelog/` (in its order: by name the
    index would come first)."""
    root = tmp_path / "src/main/resources"
    write(root, {"db/changelog/db.changelog-master.yaml": (
        "databaseChangeLog:\n  - include:\n      file: db/changelog/changes/b-users.sql\n"
        "  - include:\n      file: classpath:/db/changelog/changes/a-index.sql\n"),
        "db/changelog/changes/b-users.sql": _USERS,
        "db/changelog/changes/a-index.sql": _INDEX})
    assert _ids(root / "db" / "changelog") == [["a:users", "a:index"]]


def test_a_missing_included_file_is_an_input_error_at_its_line(tmp_path: Path) -> None:
    write(tmp_path / "db", {"master.yaml": "databaseChangeLog:\n  - include:\n"
                                           "      file: changes/none.sql\n"
                                           "      relativeToChangelogFile: true\n"
                                           "  - include:\n      file: changes/a.sql\n"
                                           "      relativeToChangelogFile: true\n",
                            "changes/a.sql": _USERS})
    with pytest.raises(InputError) as caught:
        discover(tmp_path / "db")
    assert (caught.value.path, caught.value.line) == (tmp_path / "db" / "master.yaml", 3)
    assert "changes/none.sql" in caught.value.message


def test_a_changelog_including_no_sql_changes_nothing(tmp_path: Path) -> None:
    """An XML changelog of XML changesets (no SQL lockwise reads) beside SQL folders: they
    stay histories of their own, as before."""
    write(tmp_path / "db", {"master.xml": '<databaseChangeLog><include file="a.xml"/>'
                                          "</databaseChangeLog>",
                            "a.xml": "<databaseChangeLog><changeSet id='1' author='a'/>"
                                     "</databaseChangeLog>",
                            "one/001.sql": _USERS, "two/001.sql": _INDEX})
    assert sorted(_ids(tmp_path / "db")) == [["a:index"], ["a:users"]]


# --- robustness (fix-layouts19) ---------------------------------------------------------------

def _error(root: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        discover(root)
    return caught.value


@pytest.mark.parametrize(("name", "text", "position"), [
    ("master.xml", '<databaseChangeLog>\n  <include file="changes/a.sql">\n'
                   "</databaseChangeLog>\n", (3, 3)),
    ("master.yaml", "databaseChangeLog:\n  - include:\n      file: changes/a.sql\n"
                    "     relativeToChangelogFile: [true\n", (4, 6)),
    ("master.json", '{"databaseChangeLog": [\n  {"include": {"file": "changes/a.sql", }]\n}\n',
     (2, 42)),
])
def test_a_changelog_that_does_not_parse_is_an_error_at_its_line_and_column(
        tmp_path: Path, name: str, text: str, position: tuple[int, int]) -> None:
    write(tmp_path / "db", {name: text, "changes/a.sql": _USERS})
    error = _error(tmp_path / "db")
    assert (error.path, error.line, error.column) == (tmp_path / "db" / name, *position)
    assert "\n" not in error.message


@pytest.mark.parametrize("files", [
    {"master.yaml": "databaseChangeLog:\n  - include:\n      file: changes/a.sql\n"
                    "      relativeToChangelogFile: true\n  - include:\n"
                    "      file: master.yaml\n      relativeToChangelogFile: true\n"},
    {"master.yaml": "databaseChangeLog:\n  - include:\n      file: changes/a.sql\n"
                    "      relativeToChangelogFile: true\n  - include:\n"
                    "      file: more.xml\n      relativeToChangelogFile: true\n",
     "more.xml": '<databaseChangeLog>\n  <include file="master.yaml"\n'
                 '     relativeToChangelogFile="true"/>\n</databaseChangeLog>\n'},
])
def test_a_changelog_that_includes_itself_is_an_error_at_the_include(
        tmp_path: Path, files: dict[str, str]) -> None:
    """Liquibase's `include` has no guard against a cycle (its parsing recurses until the
    stack overflows): before, lockwise took no master and read the folder in name order."""
    write(tmp_path / "db", {**files, "changes/a.sql": _USERS})
    error = _error(tmp_path / "db")
    closing = "more.xml" if "more.xml" in files else "master.yaml"
    assert (error.path, error.line) == (tmp_path / "db" / closing,
                                        2 if closing == "more.xml" else 6)
    assert "master.yaml" in error.message and "cycle" in error.message


@pytest.mark.parametrize(("entry", "line", "said"), [
    ("  - include:\n      file: [changes/a.sql]\n", 3, "`file`"),
    ("  - include:\n      relativeToChangelogFile: true\n", 2, "No 'file' attribute"),
    ("  - includeAll:\n      relativeToChangelogFile: true\n", 2, "No path attribute"),
    ("  - includeAll:\n      path: empty/\n      relativeToChangelogFile: true\n", 3,
     "empty"),
])
def test_an_include_liquibase_refuses_is_an_error_at_its_line(
        tmp_path: Path, entry: str, line: int, said: str) -> None:
    write(tmp_path / "db", {"master.yaml": "databaseChangeLog:\n" + entry +
                            "  - include:\n      file: changes/a.sql\n"
                            "      relativeToChangelogFile: true\n",
                            "changes/a.sql": _USERS})
    (tmp_path / "db" / "empty").mkdir()
    error = _error(tmp_path / "db")
    assert (error.path, error.line) == (tmp_path / "db" / "master.yaml", line)
    assert said in error.message


def test_error_if_missing_false_skips_what_is_not_there(tmp_path: Path) -> None:
    """`errorIfMissing: false` (include) and `errorIfMissingOrEmpty: false` (includeAll):
    Liquibase goes on without them; lockwise stopped with "not there"."""
    write(tmp_path / "db", {"master.yaml": (
        "databaseChangeLog:\n  - include:\n      file: changes/none.sql\n"
        "      relativeToChangelogFile: true\n      errorIfMissing: false\n"
        "  - includeAll:\n      path: none/\n      relativeToChangelogFile: true\n"
        "      errorIfMissingOrEmpty: false\n"
        "  - include:\n      file: changes/b.sql\n      relativeToChangelogFile: true\n"
        "  - include:\n      file: changes/a.sql\n      relativeToChangelogFile: true\n"),
        "changes/a.sql": _USERS, "changes/b.sql": _ORDERS})
    assert [m.id for m in discover(tmp_path / "db")] == ["a:orders", "a:users"]


def test_yaml_aliases_in_attributes_do_not_blow_up(tmp_path: Path) -> None:
    """A YAML master whose unused attribute is an alias of aliases (a "billion laughs"): only
    scalar attributes are read, so it costs nothing (lockwise turned it into text before)."""
    lines = ["x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    write(tmp_path / "db", {"master.yaml": "\n".join(lines) + (
        "\ndatabaseChangeLog:\n  - include:\n      file: changes/a.sql\n"
        "      relativeToChangelogFile: true\n      comment: *a11\n"),
        "changes/a.sql": _USERS})
    assert [m.id for m in discover(tmp_path / "db")] == ["a:users"]


def test_a_folder_linted_alone_is_read_in_the_order_of_the_master_above_it(
        tmp_path: Path) -> None:
    """`lockwise lint db/changes` (a pre-commit hook on the folder that changed): the master
    changelog above it includes v1.9 before v1.10, so its changesets are read in that order,
    not by name, and a note names the master whose history they belong to (fix-layouts19)."""
    write(tmp_path / "db", {"master.xml": _XML_INCLUDE, "changes/v1.9.sql": _USERS,
                            "changes/v1.10.sql": _INDEX, "changes/zz-stray.sql": _ORDERS})
    notes: list[str] = []
    histories = discover_histories(tmp_path / "db" / "changes", notes=notes,
                                   dialect="postgresql")
    assert [[m.id for m in migrations] for _, migrations in histories] == \
        [["a:users", "a:index", "a:orders"]]
    assert any("master.xml" in note and "zz-stray.sql" in note for note in notes), notes


def test_a_folder_no_master_above_includes_is_read_by_name(tmp_path: Path) -> None:
    write(tmp_path / "db", {"master.xml": _XML_INCLUDE, "changes/v1.9.sql": _USERS,
                            "changes/v1.10.sql": _INDEX, "other/v1.10.sql": _INDEX,
                            "other/v1.9.sql": _USERS})
    notes: list[str] = []
    assert [[m.id for m in migrations] for _, migrations in discover_histories(
        tmp_path / "db" / "other", notes=notes, dialect="postgresql")] == \
        [["a:index", "a:users"]]
    assert not notes


_MAIN = ("databaseChangeLog:\n  - include:\n      file: changes/b-users.sql\n"
         "      relativeToChangelogFile: true\n  - include:\n      file: changes/a-index.sql\n"
         "      relativeToChangelogFile: true\n")
_SEED = ("databaseChangeLog:\n  - include:\n      file: seed/orders.sql\n"
         "      relativeToChangelogFile: true\n")


@pytest.mark.parametrize(("application", "master"), [
    ({"application.yml": "spring:\n  liquibase:\n"
                         "    change-log: classpath:db/changelog/main.yaml\n"}, "main.yaml"),
    ({"config/application.properties":
      "spring.liquibase.changeLog=classpath:/db/changelog/main.yaml\n"}, "main.yaml"),
    ({"application.properties": "spring.datasource.url=jdbc:postgresql://db/app\n"},
     "db.changelog-master.yaml"),
])
def test_spring_boot_s_change_log_property_chooses_the_master(
        tmp_path: Path, application: dict[str, str], master: str) -> None:
    """Two changelogs that nothing includes (the application's and a seed one for tests):
    Spring Boot runs the one `spring.liquibase.change-log` names (by default
    db/changelog/db.changelog-master.yaml below the classpath root), in its order; before,
    lockwise took neither and read the SQL folders by name (fix-layouts19)."""
    root = tmp_path / "src/main/resources"
    write(root, {**application, f"db/changelog/{master}": _MAIN, "db/changelog/seed.yaml": _SEED,
                 "db/changelog/changes/b-users.sql": _USERS,
                 "db/changelog/changes/a-index.sql": _INDEX,
                 "db/changelog/seed/orders.sql": _ORDERS})
    assert _ids(root / "db" / "changelog") == [["a:users", "a:index"]]


@pytest.mark.parametrize(("application", "off"), [
    ({"application.properties": "spring.liquibase.enabled=false\n"}, True),
    ({"application.yml": "spring:\n  liquibase:\n    enabled: false\n"}, True),
    ({"config/application.properties": "spring.liquibase.enabled = off\n"}, True),
    ({"application.properties": "spring.liquibase.enabled=true\n"}, False),
    ({"application.properties": "spring.datasource.url=jdbc:postgresql://db/app\n"}, False),
])
@pytest.mark.parametrize("linted", ["", "db/changelog"])
def test_spring_liquibase_turned_off_is_noted_and_still_linted(
        tmp_path: Path, application: dict[str, str], off: bool, linted: str) -> None:
    """`spring.liquibase.enabled=false`: Spring Boot runs no Liquibase, so the master is no
    history the application applies. lockwise lints its changesets all the same (the
    Liquibase command line runs them) and says so (fix-small74)."""
    root = tmp_path / "src/main/resources"
    write(root, {**application, "db/changelog/db.changelog-master.yaml": _MAIN,
                 "db/changelog/changes/b-users.sql": _USERS,
                 "db/changelog/changes/a-index.sql": _INDEX})
    notes: list[str] = []
    histories = discover_histories(root / linted if linted else root, notes=notes,
                                   dialect="postgresql")
    assert [[m.id for m in migrations] for _, migrations in histories] == \
        [["a:users", "a:index"]]
    said = [note for note in notes if "spring.liquibase.enabled is false" in note]
    assert bool(said) is off, notes
    assert all(str(root) in note for note in said)
