"""gobuffalo/pop's and Ory popx's layout: one folder of `{version}_{name}[.{database}].up.sql`
files, read as the history of the database of the dialect in force; the other databases'
files, `.fizz` migrations and names pop ignores are left out with a note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover_histories
from lockwise.discover.layouts import detect_layout
from lockwise.discover.pop import pop_file
from lockwise.graph.api import history_conflicts
from tree_helpers import write

#: Versions of popx's 20 digits (a 14-digit timestamp and a 6-digit step).
V1, V2, V3, V4 = ("20200101000000000000", "20200101000000000001", "20200202000000000000",
                  "20200303000000000000")

PG_TABLE = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
MYSQL_TABLE = "CREATE TABLE accounts (id BIGINT PRIMARY KEY, email VARCHAR(255));\n"
#: Neutral SQL every database runs, a blocking index build on PostgreSQL.
INDEX = "CREATE INDEX accounts_email_idx ON accounts (email);\n"

TREE = {
    f"{V1}_accounts.postgres.up.sql": PG_TABLE,
    f"{V1}_accounts.postgres.down.sql": "DROP TABLE accounts;\n",
    f"{V1}_accounts.mysql.up.sql": MYSQL_TABLE,
    f"{V1}_accounts.mysql.down.sql": "DROP TABLE accounts;\n",
    f"{V1}_accounts.cockroach.up.sql": PG_TABLE,
    f"{V1}_accounts.sqlite3.up.sql": "CREATE TABLE accounts (id INTEGER PRIMARY KEY);\n",
    f"{V2}_email.up.sql": INDEX,
    f"{V2}_email.down.sql": "DROP INDEX accounts_email_idx;\n",
    f"{V3}_nick.up.fizz": 'add_column("accounts", "nick", "string", {})\n',
    f"{V3}_nick.down.fizz": 'drop_column("accounts", "nick")\n',
}


def read(root: Path, dialect: str | None, notes: list[str] | None = None) -> list[str]:
    """The file names of the migrations read, in order."""
    (history, migrations), = discover_histories(root, notes=notes, dialect=dialect)
    assert history == root
    return [m.path.name for m in migrations]


def test_postgresql_reads_its_files_and_the_neutral_ones_in_version_order(
        tmp_path: Path) -> None:
    write(tmp_path, TREE)
    assert detect_layout(tmp_path) == "pop"
    notes: list[str] = []
    assert read(tmp_path, "postgresql", notes) == [f"{V1}_accounts.postgres.up.sql",
                                                   f"{V2}_email.up.sql"]
    mysql, = (n for n in notes if "named for MySQL" in n)
    assert f"`lockwise lint --dialect mysql {tmp_path}` lints them" in mysql
    assert "2 file(s)" in mysql
    for title in ("CockroachDB", "SQLite"):
        other, = (n for n in notes if f"named for {title}" in n)
        assert "lockwise lints PostgreSQL, MySQL and MariaDB only" in other
    fizz, = (n for n in notes if "fizz" in n)
    assert f"{V3}_nick.up.fizz" in fizz and "does not read" in fizz


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_mysql_and_mariadb_read_the_mysql_files(tmp_path: Path, dialect: str) -> None:
    write(tmp_path, TREE)
    notes: list[str] = []
    assert read(tmp_path, dialect, notes) == [f"{V1}_accounts.mysql.up.sql",
                                              f"{V2}_email.up.sql"]
    assert any("named for PostgreSQL" in n and "--dialect postgresql" in n for n in notes)


def test_a_file_named_for_the_database_replaces_the_neutral_one_of_its_version(
        tmp_path: Path) -> None:
    """popx's SortAndFilter: of a version, the files named for the database, or when there
    are none those named for no database; each direction on its own."""
    write(tmp_path, {f"{V1}_a.up.sql": "CREATE TABLE a (id bigint);\n",
                     f"{V1}_a.down.sql": "DROP TABLE a;\n",
                     f"{V1}_a.postgres.up.sql": "CREATE TABLE a (id bigint, b text);\n",
                     f"{V2}_b.up.sql": "SELECT 1;\n",
                     f"{V2}_b.down.sql": "SELECT 2;\n",
                     f"{V2}_b.postgres.down.sql": "SELECT 3;\n"})
    (_, pg), = discover_histories(tmp_path, dialect="postgresql")
    assert [(m.path.name, m.down_path.name if m.down_path else None) for m in pg] == [
        (f"{V1}_a.postgres.up.sql", f"{V1}_a.down.sql"),
        (f"{V2}_b.up.sql", f"{V2}_b.postgres.down.sql")]
    assert pg[1].down_sql == "SELECT 3;\n"
    assert read(tmp_path, "mysql") == [f"{V1}_a.up.sql", f"{V2}_b.up.sql"]


def test_versions_run_in_text_order_and_every_migration_in_a_transaction(
        tmp_path: Path) -> None:
    """popx compares versions as strings: `10` runs before `9`; 20+ digits are no number
    limit. `.autocommit` (popx) runs the migration without a transaction."""
    long = "2" * 24
    write(tmp_path, {"9_a.postgres.up.sql": "SELECT 1;\n", "10_b.postgres.up.sql": "SELECT 2;\n",
                     f"{long}_c.autocommit.up.sql": "SELECT 3;\n",
                     f"{V4}_d.postgres.autocommit.up.sql": "SELECT 4;\n"})
    (_, found), = discover_histories(tmp_path, dialect="postgresql")
    assert [m.version for m in found] == ["10", V4, long, "9"]
    assert [m.no_transaction for m in found] == [False, True, True, False]
    assert {m.layout for m in found} == {"pop"}


def test_two_files_of_a_version_for_one_database_are_a_duplicate_version(
        tmp_path: Path) -> None:
    write(tmp_path, {f"{V1}_a.postgres.up.sql": "CREATE TABLE a (id bigint);\n",
                     f"{V1}_b.postgres.up.sql": "CREATE TABLE b (id bigint);\n",
                     f"{V2}_c.mysql.up.sql": "CREATE TABLE c (id bigint);\n",
                     f"{V2}_d.sqlite3.up.sql": "CREATE TABLE d (id integer);\n"})
    (_, pg), = discover_histories(tmp_path, dialect="postgresql")
    conflicts = history_conflicts([pg], pg_version=16)
    assert [(c.kind, len(c.locations)) for c in conflicts] == [("duplicate-version", 2)]
    assert "pop runs one of" in conflicts[0].explanation
    # Another database's file of a version is no second migration of it.
    (_, mysql), = discover_histories(tmp_path, dialect="mysql")
    assert history_conflicts([mysql], pg_version=16) == []


def test_golang_migrate_folders_stay_golang_migrate(tmp_path: Path) -> None:
    """Without a file named for a database or a .fizz one, `N_name.up.sql` is golang-migrate's
    layout (pop would read it the same)."""
    write(tmp_path, {"1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "SELECT 2;\n"})
    assert detect_layout(tmp_path) == "golang-migrate"


@pytest.mark.parametrize(("name", "parts"), [
    (f"{V1}_a.postgres.up.sql", (V1, "a", "postgres", False, "up", False)),
    ("1_a.pg.down.sql", ("1", "a", "postgres", False, "down", False)),
    ("1_a.crdb.up.sql", ("1", "a", "cockroach", False, "up", False)),
    ("1_a.mariadb.up.sql", ("1", "a", "mysql", False, "up", False)),
    ("1_a.sqlite.up.sql", ("1", "a", "sqlite3", False, "up", False)),
    ("1_a.up.fizz", ("1", "a", "all", False, "up", True)),
    ("1_a.autocommit.up.sql", ("1", "a", "all", True, "up", False)),
    ("1_a.oracle.up.sql", ("1", "a", "oracle", False, "up", False)),
    ("1_a.b.c.up.sql", None), ("a_b.postgres.up.sql", None), ("1_.up.sql", None),
    ("1_a.POSTGRES.up.sql", None), ("1_a.postgres.UP.sql", None), ("1_a.postgres.sql", None),
])
def test_file_names_as_pop_reads_them(name: str, parts: tuple | None) -> None:
    parsed = pop_file(Path(name))
    assert (parsed.parts() if parsed else None) == parts


def test_odd_names_are_noted_not_fatal(tmp_path: Path) -> None:
    write(tmp_path, {f"{V1}_a.postgres.up.sql": "CREATE TABLE a (id bigint);\n",
                     f"{V2}_b.oracle.up.sql": "CREATE TABLE b (id number);\n",
                     f"{V2}_b.c.d.up.sql": "SELECT 1;\n",
                     "x_b.postgres.up.sql": "SELECT 1;\n",
                     f"{V3}_c.postgres.up.fizz": "SELECT 1;\n",
                     "schema.sql": "SELECT 1;\n"})
    result = CliRunner().invoke(app, ["lint", "--no-cache", "--format", "json", str(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 0, result.stderr
    assert [Path(m["path"]).name for m in json.loads(result.stdout)["migrations"]] == [
        f"{V1}_a.postgres.up.sql"]
    assert f"{V2}_b.oracle.up.sql not read: named for a database pop does not know" in \
        result.stderr
    assert f"{V2}_b.c.d.up.sql, schema.sql, x_b.postgres.up.sql not read" in result.stderr
    assert f"{V3}_c.postgres.up.fizz: pop refuses a fizz migration named for a database" in \
        result.stderr


def test_lint_a_pop_folder_for_each_dialect(tmp_path: Path) -> None:
    """PostgreSQL: the neutral index build on the table of the postgres file blocks writes
    (exit 1); MySQL's reading of the same folder parses and passes. A file named on the
    command line is read with its folder for the dialect in force."""
    write(tmp_path, TREE)
    runner = CliRunner()
    pg = runner.invoke(app, ["lint", "--no-cache", "--format", "json", str(tmp_path)])
    assert pg.exit_code == 1, pg.stderr
    mysql = runner.invoke(app, ["lint", "--no-cache", "--format", "json", "--dialect", "mysql",
                                str(tmp_path / f"{V2}_email.up.sql")])
    assert mysql.exit_code == 0, mysql.stderr
    assert [Path(m["path"]).name for m in json.loads(mysql.stdout)["migrations"]] == [
        f"{V2}_email.up.sql"]


def test_pop_runs_each_migration_in_a_transaction_unless_autocommit(tmp_path: Path) -> None:
    """pop sends the file whole in the transaction that records its version (CREATE INDEX
    CONCURRENTLY fails there); popx's `.autocommit` sends it alone, outside any."""
    write(tmp_path, {"1_a.postgres.up.sql": "CREATE TABLE a (id bigint, b text);\n",
                     "2_b.postgres.up.sql": "CREATE INDEX CONCURRENTLY a_b ON a (b);\n",
                     "3_c.postgres.autocommit.up.sql":
                         "CREATE INDEX CONCURRENTLY IF NOT EXISTS a_c ON a (b);\n"})
    result = CliRunner().invoke(app, ["lint", "--no-cache", "--format", "json", str(tmp_path)])
    rules = {Path(m["path"]).name: {f["rule"] for s in m["statements"] for f in s["findings"]}
             for m in json.loads(result.stdout)["migrations"]}
    assert "concurrently-in-transaction" in rules["2_b.postgres.up.sql"]
    assert "concurrently-in-transaction" not in rules["3_c.postgres.autocommit.up.sql"]


def test_subfolders_are_read_with_the_folder_in_version_order(tmp_path: Path) -> None:
    """pop's FileMigrator (filepath.Walk) and popx's MigrationBox (fs.WalkDir) walk the whole
    folder: a migration in a subfolder is one of the history, sorted by version with the
    others, its down paired with it; no history of its own."""
    write(tmp_path, {f"{V1}_accounts.postgres.up.sql": PG_TABLE,
                     f"2020/{V3}_email.up.sql": INDEX,
                     f"2020/{V3}_email.down.sql": "DROP INDEX accounts_email_idx;\n",
                     f"2020/deep/{V2}_nick.postgres.up.sql":
                         "ALTER TABLE accounts ADD COLUMN nick text;\n",
                     f"2020/deep/{V2}_nick.mysql.up.sql": "SELECT 1;\n",
                     "2020/notes.sql": "SELECT 1;\n"})
    notes: list[str] = []
    (root, migrations), = discover_histories(tmp_path, notes=notes, dialect="postgresql")
    assert root == tmp_path
    assert [m.path.relative_to(tmp_path).as_posix() for m in migrations] == [
        f"{V1}_accounts.postgres.up.sql", f"2020/deep/{V2}_nick.postgres.up.sql",
        f"2020/{V3}_email.up.sql"]
    assert migrations[2].down_path == tmp_path / "2020" / f"{V3}_email.down.sql"
    assert any("2020/notes.sql not read" in note for note in notes), notes
    assert any(f"2020/deep/{V2}_nick.mysql.up.sql" in note and "MySQL" in note
               for note in notes), notes


def test_lint_reads_a_subfolder_migration_of_a_pop_folder(tmp_path: Path) -> None:
    """What a user sees: the blocking index build kept in a subfolder is linted against the
    table of the top folder's migration."""
    write(tmp_path, {f"{V1}_accounts.postgres.up.sql": PG_TABLE,
                     f"more/{V2}_email.postgres.up.sql": INDEX})
    result = CliRunner().invoke(app, ["lint", "--no-cache", "--format", "json", str(tmp_path)])
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)["migrations"]
    assert [Path(m["path"]).name for m in report] == [f"{V1}_accounts.postgres.up.sql",
                                                      f"{V2}_email.postgres.up.sql"]
    assert "index-without-concurrently" in {f["rule"] for s in report[1]["statements"]
                                            for f in s["findings"]}


def test_a_folder_of_pop_subfolders_only_is_one_history(tmp_path: Path) -> None:
    """A `migrations` folder whose migrations all sit in subfolders (one per module) is the
    folder pop is pointed at, and walks whole: one history in version order, the index build
    judged against the table a sibling subfolder made (before, one history per subfolder,
    the table unknown to the other)."""
    write(tmp_path / "migrations", {
        f"accounts/{V1}_accounts.postgres.up.sql": PG_TABLE,
        f"accounts/{V1}_accounts.postgres.down.sql": "DROP TABLE accounts;\n",
        f"email/{V2}_email.postgres.up.sql": INDEX,
        "README.md": "one folder per module\n"})
    notes: list[str] = []
    (root, migrations), = discover_histories(tmp_path, notes=notes, dialect="postgresql")
    assert root == tmp_path / "migrations"
    assert [m.path.relative_to(root).as_posix() for m in migrations] == [
        f"accounts/{V1}_accounts.postgres.up.sql", f"email/{V2}_email.postgres.up.sql"]
    assert {m.layout for m in migrations} == {"pop"}


def test_a_project_root_stays_no_pop_folder(tmp_path: Path) -> None:
    """A folder with files of its own (a Go module's root), or a subfolder that holds no pop
    migration, is not the folder pop walks: each pop folder below it is its own history."""
    write(tmp_path, {"go.mod": "module example.com/app\n",
                     f"a/{V1}_accounts.postgres.up.sql": PG_TABLE,
                     f"b/{V2}_email.postgres.up.sql": INDEX})
    found = discover_histories(tmp_path, notes=[], dialect="postgresql")
    assert [root.relative_to(tmp_path).as_posix() for root, _ in found] == ["a", "b"]
    write(tmp_path / "other", {f"a/{V1}_accounts.postgres.up.sql": PG_TABLE,
                               "cmd/main.go": "package main\n"})
    found = discover_histories(tmp_path / "other", notes=[], dialect="postgresql")
    assert [root.relative_to(tmp_path).as_posix() for root, _ in found] == ["other/a"]


def test_lint_takes_the_dialect_of_the_config_for_a_popx_tree(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """fix-layouts26 looked again at an Ory popx tree (14- and 20-digit versions, files
    shared by every database beside `.postgres.`, `.cockroach.`, `.mysql.`, `.sqlite3.`
    ones): the dialect of lockwise.toml, as --dialect, picks its files, ups with their
    downs. (A regression guard: main read it so already.)"""
    write(tmp_path, {"lockwise.toml": 'dialect = "mysql"\n',
                     "migrations/20200101000000_a.up.sql": "CREATE TABLE a (id bigint);\n",
                     "migrations/20200101000000_a.down.sql": "DROP TABLE a;\n",
                     **{f"migrations/{V2}_i.{db}.{d}.sql": "SELECT 1;\n"
                        for db in ("postgres", "cockroach", "mysql", "sqlite3")
                        for d in ("up", "down")}})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", "migrations"])
    report = json.loads(result.stdout)
    assert [(Path(m["path"]).name, Path(m["down_path"]).name if m.get("down_path") else None)
            for m in report["migrations"]] == [
        ("20200101000000_a.up.sql", "20200101000000_a.down.sql"),
        (f"{V2}_i.mysql.up.sql", f"{V2}_i.mysql.down.sql")]
