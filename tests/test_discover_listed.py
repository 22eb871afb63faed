"""Layouts whose tool runs migrations in the order of a list: drizzle (its journal) and
Liquibase (a formatted SQL changelog, a migration per changeset)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover
from lockwise.discover.layouts import detect_layout
from lockwise.discover.liquibase import _formatted_file, is_formatted, runs_on_postgresql
from lockwise.graph.api import history_conflicts
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.source import InputError
from tree_helpers import write

LAYOUTS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"


def rules_of(migrations: list) -> list[set[str]]:
    return [{f.rule for f in r.all_findings}
            for r in lint_migrations(migrations, LintOptions())]


# --- drizzle --------------------------------------------------------------------------------

def journal(*entries: tuple[str, int]) -> str:
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": [
        {"idx": i, "version": "7", "when": when, "tag": tag, "breakpoints": True}
        for i, (tag, when) in enumerate(entries)]}, indent=2)


def drizzle(root: Path, files: dict[str, str], *entries: tuple[str, int]) -> Path:
    return write(root, {**files, "meta/_journal.json": journal(*entries)})


def test_drizzle_runs_in_the_journal_order_not_the_names(tmp_path: Path) -> None:
    drizzle(tmp_path, {"0000_b.sql": "CREATE TABLE b (id bigint);",
                       "0001_a.sql": "CREATE TABLE a (id bigint);"},
            ("0001_a", 100), ("0000_b", 200))
    assert detect_layout(tmp_path) == "drizzle"
    migrations = discover(tmp_path)
    assert [(m.id, m.layout) for m in migrations] == [("0001_a", "drizzle"),
                                                      ("0000_b", "drizzle")]


def test_without_a_journal_the_same_files_are_plain(tmp_path: Path) -> None:
    write(tmp_path, {"0000_b.sql": "SELECT 1;", "0001_a.sql": "SELECT 1;"})
    assert detect_layout(tmp_path) == "plain"


def test_drizzle_runs_every_migration_in_its_transaction(tmp_path: Path) -> None:
    """Alone in its file, CREATE INDEX CONCURRENTLY still fails: drizzle's migrator opens one
    transaction around every pending migration. lockwise's own marker says it is run by
    hand."""
    index = "CREATE INDEX CONCURRENTLY t_a ON t (a);"
    drizzle(tmp_path, {"0000_t.sql": "CREATE TABLE t (a int);", "0001_i.sql": index,
                       "0002_j.sql": "-- lockwise: no-transaction\n" + index.replace("t_a", "t_b")},
            ("0000_t", 1), ("0001_i", 2), ("0002_j", 3))
    got = rules_of(discover(tmp_path))
    assert "concurrently-in-transaction" in got[1]
    assert "concurrently-in-transaction" not in got[2]
    # Plain files run as written: the same statement is not flagged there.
    (tmp_path / "meta" / "_journal.json").unlink()
    assert not any("concurrently-in-transaction" in rules for rules in rules_of(
        discover(tmp_path)))


def test_drizzle_breakpoints_keep_the_lines_of_the_file(tmp_path: Path) -> None:
    drizzle(tmp_path, {"0000_t.sql": "CREATE TABLE t (a int);\n--> statement-breakpoint\n"
                                     "CREATE INDEX t_a ON t (a);\n"}, ("0000_t", 1))
    [report] = lint_migrations(discover(tmp_path), LintOptions())
    assert [s.statement.span.line for s in report.statements] == [1, 3]


@pytest.mark.parametrize(("files", "entries", "line", "says"), [
    # At the file the journal lacks, which has no line to point at.
    ({"0000_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"}, [("0000_a", 1)], None,
     "0001_b.sql is not in drizzle's journal"),
    ({"0000_a.sql": "SELECT 1;"}, [("0000_a", 1), ("0001_gone", 2)], 16,
     "entry 0001_gone has no file 0001_gone.sql"),
    ({"0000_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 1;"}, [("0000_a", 5), ("0001_b", 5)], 16,
     "skips 0001_b on every database where 0000_a was applied first"),
])
def test_a_broken_drizzle_journal_is_an_input_error_at_its_line(
        tmp_path: Path, files: dict[str, str], entries: list, line: int | None,
        says: str) -> None:
    drizzle(tmp_path, files, *entries)
    with pytest.raises(InputError) as err:
        discover(tmp_path)
    assert says in err.value.message
    assert err.value.line == line


def test_drizzle_journal_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    write(tmp_path, {"0000_a.sql": "SELECT 1;",
                     "meta/_journal.json": '{\n  "entries": [\n    {"tag": }\n  ]\n}\n'})
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(tmp_path)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{tmp_path / 'meta' / '_journal.json'}:3:" in result.output
    assert "not valid JSON" in result.output


def test_drizzle_names_share_prefixes_without_a_version_conflict(tmp_path: Path) -> None:
    """drizzle tells migrations apart by their journal entry: two branches' `0001_` files are
    no duplicate version to it."""
    drizzle(tmp_path, {"0000_t.sql": "CREATE TABLE t (a int);",
                       "0001_x.sql": "ALTER TABLE t ADD COLUMN x int;",
                       "0001_y.sql": "ALTER TABLE t ADD COLUMN y int;"},
            ("0000_t", 1), ("0001_x", 2), ("0001_y", 3))
    assert history_conflicts([discover(tmp_path)], pg_version=16) == []


# --- Liquibase ------------------------------------------------------------------------------

CHANGELOG = """\
--liquibase formatted sql

--changeset alice:1
CREATE TABLE accounts (id bigint PRIMARY KEY);
--rollback DROP TABLE accounts;

--changeset alice:2 runInTransaction:false
CREATE INDEX CONCURRENTLY accounts_id_idx ON accounts (id);
--rollback DROP INDEX CONCURRENTLY accounts_id_idx;

--changeset bob:3 dbms:mysql
ALTER TABLE accounts MODIFY id bigint;

--changeset "Bob Smith":4 ignore:true
SELECT broken(;

--changeset bob:5 context:prod labels:v2
ALTER TABLE accounts ADD COLUMN note text;
ALTER TABLE accounts ADD COLUMN nick text;
--rollback ALTER TABLE accounts
--rollback   DROP COLUMN note;

--changeset bob:6
CREATE TABLE t6 (id int);
--rollback not required
"""


def test_liquibase_changesets_are_migrations_in_file_order(tmp_path: Path) -> None:
    write(tmp_path, {"changelog.sql": CHANGELOG})
    assert detect_layout(tmp_path) == "liquibase"
    migrations = discover(tmp_path)
    assert [m.id for m in migrations] == ["alice:1", "alice:2", "bob:5", "bob:6"]
    assert {m.layout for m in migrations} == {"liquibase"}
    assert [m.no_transaction for m in migrations] == [False, True, False, False]
    # The changelog named alone reads the same way.
    assert [m.id for m in discover(tmp_path / "changelog.sql")] == [m.id for m in migrations]


def test_liquibase_sql_and_rollback_keep_their_place_in_the_file(tmp_path: Path) -> None:
    write(tmp_path, {"changelog.sql": CHANGELOG})
    migrations = discover(tmp_path)
    lines = CHANGELOG.splitlines()
    bob5 = migrations[2]
    assert bob5.up_sql.splitlines()[17] == lines[17] == "ALTER TABLE accounts ADD COLUMN note text;"
    assert "CREATE TABLE" not in bob5.up_sql and "MODIFY" not in bob5.up_sql
    assert bob5.down_sql is not None and bob5.down_path == tmp_path / "changelog.sql"
    assert bob5.down_sql.splitlines()[19].strip() == "ALTER TABLE accounts"
    assert bob5.down_sql.splitlines()[20].strip() == "DROP COLUMN note;"
    assert migrations[0].down_sql is not None and "DROP TABLE accounts" in migrations[0].down_sql
    assert migrations[3].down_sql is None  # `not required`: nothing to run, nothing to check
    report = lint_migrations(migrations, LintOptions())[2]
    assert [s.statement.span.line for s in report.statements] == [18, 19]


def test_liquibase_rollback_is_checked_as_the_down_migration(tmp_path: Path) -> None:
    write(tmp_path, {"changelog.sql": CHANGELOG})
    conflicts = history_conflicts([discover(tmp_path)], pg_version=16)
    assert [(c.kind, c.object) for c in conflicts] == [
        ("down-mismatch", "column:public.accounts.nick")]


def test_liquibase_rollback_block_and_reference(tmp_path: Path) -> None:
    write(tmp_path, {"c.sql": "--liquibase formatted sql\n"
                              "--changeset a:1\nCREATE TABLE t (id int);\n"
                              "/* liquibase rollback\nDROP TABLE t;\n*/\n"
                              "--changeset a:2\nDROP TABLE t;\n"
                              "--rollback changesetId:1 changesetAuthor:a\n"})
    first, second = discover(tmp_path)
    assert first.down_sql is not None and first.down_sql.splitlines()[4] == "DROP TABLE t;"
    assert second.down_sql == first.up_sql
    assert history_conflicts([[first, second]], pg_version=16) == []


def test_a_changeset_id_used_twice_in_a_changelog_is_a_duplicate_version(tmp_path: Path) -> None:
    text = ("--liquibase formatted sql\n--changeset a:1\nCREATE TABLE t (id int);\n"
            "--changeset a:1\nCREATE TABLE u (id int);\n")
    write(tmp_path, {"one/c.sql": text, "two/c1.sql": text.split("--changeset a:1\nCREATE "
                                                                "TABLE u")[0],
                     "two/c2.sql": "--liquibase formatted sql\n--changeset a:1\n"
                                   "CREATE TABLE u (id int);\n"})
    [conflict] = history_conflicts([discover(tmp_path / "one")], pg_version=16)
    assert conflict.kind == "duplicate-version"
    assert [loc.line for loc in conflict.locations] == [2, 4]
    # The same id in two changelogs is two changesets to Liquibase.
    assert history_conflicts([discover(tmp_path / "two")], pg_version=16) == []


@pytest.mark.parametrize(("dbms", "runs"), [
    (None, True), ("postgresql", True), ("h2,postgresql", True), ("all", True),
    ("!mysql", True), ("mysql", False), ("!postgresql", False), ("none", False),
    ("all,!postgresql", False),
])
def test_liquibase_dbms_lists(dbms: str | None, runs: bool) -> None:
    assert runs_on_postgresql(dbms) is runs


@pytest.mark.parametrize(("text", "line", "says"), [
    ("--changeset a:1\nSELECT 1;\n--changeset a\nSELECT 2;\n", 4, "not a changeset header"),
    ("--changeset a: 1\nSELECT 1;\n", 2, "not a changeset header"),
    ("--changeset a:1\n--comment: empty\n--changeset a:2\nSELECT 2;\n", 2,
     "changeset a:1 has no SQL"),
    ("--changeset a:1\nSELECT 1;\n/* liquibase rollback\nDROP TABLE t;\n", 4, "never closed"),
    ("--comment: stray\n--changeset a:1\nSELECT 1;\n", 2, "outside any changeset"),
    ("--changeset a:1\nSELECT 1;\n--rollback changesetId:9 changesetAuthor:a\n", 4,
     "names changeset a:9"),
])
def test_a_broken_changelog_is_an_input_error_at_its_line(tmp_path: Path, text: str,
                                                          line: int, says: str) -> None:
    path = tmp_path / "c.sql"
    path.write_text("--liquibase formatted sql\n" + text)
    with pytest.raises(InputError) as err:
        discover(path)
    assert says in err.value.message and err.value.line == line
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(path)])
    assert result.exit_code == 2 and f"{path}:{line}:1: " in result.output


def test_liquibase_end_delimiter_and_ignored_lines(tmp_path: Path) -> None:
    write(tmp_path, {"c.sql": "--liquibase formatted sql\n"
                              "--changeset a:1 endDelimiter:GO\n"
                              "CREATE TABLE t (id int)\nGO\n"
                              "--ignoreLines:start\nthis is no SQL\n--ignoreLines:end\n"
                              "CREATE INDEX t_id ON t (id)\n--ignoreLines:1\nnor this\n"})
    [migration] = discover(tmp_path)
    [report] = lint_migrations([migration], LintOptions())
    assert [s.statement.span.line for s in report.statements] == [3, 8]
    assert not any(f.rule == "parse-error" for f in report.all_findings)


def test_a_folder_of_changelogs_reads_files_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, {"b.sql": "--liquibase formatted sql\n--changeset a:2\nSELECT 2;\n",
                     "a.sql": "\n-- Liquibase formatted SQL\n--changeset a:1\nSELECT 1;\n",
                     "c_raw.sql": "SELECT 3;\n"})
    migrations = discover(tmp_path)
    assert [(m.id, m.path.name) for m in migrations] == [
        ("a:1", "a.sql"), ("a:2", "b.sql"), ("c_raw", "c_raw.sql")]


def test_a_header_that_is_not_the_first_line_is_no_changelog(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.sql": "SELECT 1;\n--liquibase formatted sql\n"})
    assert detect_layout(tmp_path) == "plain"
    assert [m.id for m in discover(tmp_path / "001_a.sql")] == ["001_a"]


def test_lint_names_the_changeset_of_each_report(tmp_path: Path) -> None:
    write(tmp_path, {"changelog.sql": CHANGELOG})
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(tmp_path / "changelog.sql")])
    assert f"{tmp_path / 'changelog.sql'} (changeset bob:5)  [" in result.output
    assert "4 migration(s)" in result.output


def test_liquibase_fixture_named_alone_lints_its_changesets() -> None:
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json",
                                      str(LAYOUTS / "liquibase" / "002-indexes.sql")])
    got = [m["id"] for m in json.loads(result.stdout)["migrations"]]
    assert got == ["bob:index-nickname", "bob:index-email"]


@pytest.mark.parametrize("head", [
    "--liquibase formatted sql\n--changeset a:1\nSELECT 1;\n",
    "\n\n  -- Liquibase Formatted SQL\n",
    "\ufeff--liquibase formatted sql\n",
    "\r\n--liquibase formatted sql\r\n",
    "SELECT 1;\n--liquibase formatted sql\n",
    "-- a comment first\n--liquibase formatted sql\n",
    "--\nliquibase formatted sql\n",
    "",
])
def test_detection_reads_the_header_as_the_reader_does(tmp_path: Path, head: str) -> None:
    # Detection tests each file's bytes; the reader, its text: they must agree.
    path = tmp_path / "changelog.sql"
    path.write_bytes(head.encode())
    assert _formatted_file(path) == is_formatted(head)
    assert is_formatted(head) == head.lstrip().lstrip("\ufeff").startswith(
        ("--liquibase", "-- Liquibase"))
