"""Discovery below a folder that keeps one migration history per database (temporal's
schema/mysql/, schema/postgresql/, schema/sqlite/): the histories of another database than the
dialect in force are left out with a note, and a path named is read whatever its folders say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover_histories
from lockwise.discover.dialects import database_named, named_path_note, other_database
from lockwise.parse.source import InputError
from tree_helpers import write

PG_TABLE = "CREATE TABLE t (id bigint);\n"
#: On the table of an earlier migration: a blocking index build (exit 1 under PostgreSQL).
PG_INDEX = "CREATE INDEX t_id ON t (id);\n"
MYSQL_TABLE = "CREATE TABLE t (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY);\n"
SQLITE_TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n"
MYSQL_INDEX = "ALTER TABLE t ADD INDEX t_id (id), ALGORITHM=INPLACE, LOCK=NONE;\n"
SQLITE_INDEX = "CREATE INDEX IF NOT EXISTS t_id ON t (id);\n"

#: temporal's shape: <database>/<server version>/<schema>/versioned/<version>/*.sql (two
#: schemas, two databases), beside a service of the monorepo named for no database.
TREE = {
    **{f"{database}/{schema}/versioned/{version}/{name}": text
       for database, (table, index) in {"postgresql/v12": (PG_TABLE, PG_INDEX),
                                        "mysql/v8": (MYSQL_TABLE, MYSQL_INDEX),
                                        "sqlite/v3": (SQLITE_TABLE, SQLITE_INDEX)}.items()
       for schema in ("main", "visibility")
       for version, name, text in (("v1.0", "schema.sql", table), ("v1.1", "index.sql", index))},
    "services/billing/migrations/001_t.sql": PG_TABLE,
    "services/billing/migrations/002_index.sql": PG_INDEX,
}


def histories(root: Path, dialect: str | None, notes: list[str] | None = None) -> list[str]:
    return [path.relative_to(root).as_posix() or "."
            for path, _ in discover_histories(root, notes=notes, dialect=dialect)]


@pytest.mark.parametrize(("name", "database"), [
    ("postgres", "postgresql"), ("PostgreSQL", "postgresql"), ("pg", "postgresql"),
    ("psql", "postgresql"), ("pgsql", "postgresql"), ("pg14", "postgresql"),
    ("postgres16", "postgresql"), ("mysql", "mysql"), ("MySQL8", "mysql"),
    ("mysql57", "mysql"), ("mariadb", "mariadb"), ("sqlite", "sqlite"), ("sqlite3", "sqlite"),
    ("mssql", "sqlserver"), ("SqlServer", "sqlserver"), ("cockroach", "cockroachdb"),
    ("oracle", "oracle"), ("h2", "h2"), ("db2", "db2"), ("hsqldb", "hsqldb"),
    ("tidb", "tidb"), ("clickhouse", "clickhouse"),
    # Not a whole name of a database: no database.
    ("mysql-8", None), ("mysqlx", None), ("my_sql", None), ("pgadmin", None), ("v8", None),
    ("db", None), ("h22", None), ("migrations", None), ("oracle2", None), ("sql", None),
])
def test_folder_names_that_name_a_database(name: str, database: str | None) -> None:
    assert database_named(name) == database


@pytest.mark.parametrize(("folder", "dialect", "siblings", "other"), [
    ("mysql", "postgresql", ["mysql", "pg"], "mysql"),
    ("pg", "postgresql", ["mysql", "pg"], None),
    ("postgres", "mysql", [], "postgresql"),
    ("sqlite", "mysql", [], "sqlite"),
    ("services", "mysql", [], None),
    # MariaDB reads mysql/, a history for both, unless MariaDB has a folder of its own beside.
    ("mysql", "mariadb", ["mysql", "postgres"], None),
    ("mysql", "mariadb", ["mariadb", "mysql"], "mysql"),
    ("mariadb", "mysql", ["mariadb", "mysql"], "mariadb"),
    ("mariadb", "mysql", ["mariadb"], "mariadb"),
])
def test_which_folders_another_dialect_leaves_out(folder: str, dialect: str,
                                                  siblings: list[str], other: str | None) -> None:
    assert other_database(folder, dialect, siblings) == other


def test_below_a_root_only_the_dialects_histories_are_read(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    notes: list[str] = []
    assert histories(tmp_path, "postgresql", notes) == [
        "postgresql/v12/main/versioned", "postgresql/v12/visibility/versioned",
        "services/billing/migrations"]
    assert len(notes) == 4
    main_note, visibility_note, sqlite_note, _ = sorted(notes)
    history = tmp_path / "mysql/v8/main/versioned"
    assert main_note == (f"{history}: not linted: a MySQL history (its folder `mysql/` says "
                         f"so), and the dialect in force is PostgreSQL: `lockwise lint "
                         f"--dialect mysql {history}` lints it")
    assert visibility_note.startswith(f"{tmp_path / 'mysql/v8/visibility/versioned'}: ")
    assert sqlite_note.startswith(f"{tmp_path / 'sqlite/v3/main/versioned'}: not linted")
    assert "PostgreSQL, MySQL and MariaDB only" in sqlite_note
    # The mirror: MySQL's histories, the neutral service, and PostgreSQL's noted.
    notes = []
    assert histories(tmp_path, "mysql", notes) == [
        "mysql/v8/main/versioned", "mysql/v8/visibility/versioned",
        "services/billing/migrations"]
    assert sum("a PostgreSQL history" in note and "--dialect postgresql" in note
               for note in notes) == 2
    # Without a dialect (the library's default), every history, as before.
    assert len(histories(tmp_path, None)) == 7


def test_mariadb_reads_mysql_folders_unless_mariadb_has_its_own(tmp_path: Path) -> None:
    write(tmp_path / "shared", {"mysql/001_t.sql": MYSQL_TABLE, "pg/001_t.sql": PG_INDEX})
    assert histories(tmp_path / "shared", "mariadb") == ["mysql"]
    write(tmp_path / "split", {"mysql/001_t.sql": MYSQL_TABLE, "mariadb/001_t.sql": MYSQL_TABLE})
    notes: list[str] = []
    assert histories(tmp_path / "split", "mariadb", notes) == ["mariadb"]
    assert len(notes) == 1 and "--dialect mysql" in notes[0]
    notes = []
    assert histories(tmp_path / "split", "mysql", notes) == ["mysql"]
    assert len(notes) == 1 and "--dialect mariadb" in notes[0]


def test_a_path_named_is_read_whatever_its_folders_say(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    assert histories(tmp_path / "mysql", "postgresql") == ["v8/main/versioned",
                                                           "v8/visibility/versioned"]
    assert histories(tmp_path / "sqlite/v3/main/versioned", "postgresql") == ["."]
    # Only whole folder names name a database.
    write(tmp_path / "other", {"mysql-tools/migrations/001_t.sql": PG_INDEX})
    assert histories(tmp_path / "other", "postgresql") == ["mysql-tools/migrations"]


def test_a_root_whose_every_history_is_another_databases_is_an_input_error(
        tmp_path: Path) -> None:
    write(tmp_path, {"mysql/001_t.sql": MYSQL_TABLE, "sqlite/001_t.sql": SQLITE_TABLE})
    notes: list[str] = []
    with pytest.raises(InputError, match="no PostgreSQL migrations here"):
        discover_histories(tmp_path, notes=notes, dialect="postgresql")
    assert len(notes) == 2
    # A folder without any migration is still no error: a new project has none yet.
    write(tmp_path / "empty", {"docs/readme.txt": "no SQL"})
    assert histories(tmp_path / "empty", "postgresql") == ["."]


def test_a_dump_beside_another_databases_migrations_is_still_a_dump(tmp_path: Path) -> None:
    """schema.sql beside mysql/migrations/: left out as before (not taken for the history
    because the migrations beside it are MySQL's), and the folder lints nothing."""
    write(tmp_path, {"schema.sql": PG_INDEX, "mysql/migrations/001_t.sql": MYSQL_TABLE})
    notes: list[str] = []
    with pytest.raises(InputError):
        discover_histories(tmp_path, notes=notes, dialect="postgresql")
    assert any("schema.sql not linted: no version in the name" in note for note in notes)


def lint(*args: str):
    result = CliRunner().invoke(app, ["lint", "--no-cache", "--format", "json", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def linted(result, root: Path) -> set[str]:
    """The folders of `root` whose migrations were linted."""
    return {Path(m["path"]).relative_to(root).parts[0]
            for m in json.loads(result.stdout)["migrations"]}


def test_lint_a_root_lints_the_dialects_histories_and_notes_the_others(tmp_path: Path) -> None:
    write(tmp_path, {name: text for name, text in TREE.items() if "services" not in name})
    result = lint(str(tmp_path))
    assert result.exit_code == 1, result.stderr  # the blocking CREATE INDEX, no parse error
    assert linted(result, tmp_path) == {"postgresql"}
    notes = [line for line in result.stderr.splitlines() if "not linted" in line]
    assert len(notes) == 4 and all(line.startswith("lockwise: note: ") for line in notes)
    mirror = lint(str(tmp_path), "--dialect", "mysql")
    assert mirror.exit_code == 0, mirror.stderr
    assert linted(mirror, tmp_path) == {"mysql"}
    assert "a PostgreSQL history" in mirror.stderr


def test_lint_a_root_of_other_databases_only_fails(tmp_path: Path) -> None:
    write(tmp_path, {"mysql/001_t.sql": MYSQL_TABLE})
    result = lint(str(tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    note, error = result.stderr.splitlines()
    assert note.startswith("lockwise: note: ") and "--dialect mysql" in note
    assert error.startswith("lockwise: error: ") and "no PostgreSQL migrations" in error
    assert lint(str(tmp_path), "--dialect", "mysql").exit_code == 0


def test_a_path_named_in_a_mysql_folder_is_noted_when_the_dialect_is_the_default(
        tmp_path: Path) -> None:
    write(tmp_path, {"db/mysql/migrations/001_t.sql": PG_TABLE,
                     "db/mysql/migrations/002_index.sql": PG_INDEX})
    named = tmp_path / "db/mysql/migrations"
    result = lint(str(named))
    assert result.exit_code == 1  # linted, as PostgreSQL: the dialect is not changed
    assert f"note: {tmp_path / 'db/mysql'}: named for MySQL" in result.stderr
    assert "--dialect mysql" in result.stderr
    # A dialect chosen, on the command line or in the config: no note.
    assert "note" not in lint(str(named), "--dialect", "postgresql").stderr
    config = write(tmp_path, {"lockwise.toml": 'dialect = "postgresql"\n'}) / "lockwise.toml"
    assert "note" not in lint(str(named), "--config", str(config)).stderr


@pytest.mark.parametrize(("cwd", "named", "folder"), [
    ("db", "mysql/migrations", "mysql"),  # as written
    ("db/mysql/migrations", ".", "{root}/db/mysql"),  # above what is written: absolute
    ("db/mysql", "../mysql/migrations", "{root}/db/mysql"),
])
def test_the_note_names_the_folder_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              cwd: str, named: str, folder: str) -> None:
    write(tmp_path, {"db/mysql/migrations/001_t.sql": PG_TABLE})
    monkeypatch.chdir(tmp_path / cwd)
    note = named_path_note(Path(named), "postgresql")
    assert note is not None
    assert note.startswith(f"{folder.format(root=tmp_path)}: named for MySQL, but read as "
                           f"PostgreSQL, the default dialect")
    assert named_path_note(Path(named), "mysql") is None
    # The nearest folder named for a database wins.
    write(tmp_path, {"db/mysql/pg/001_t.sql": PG_TABLE})
    assert named_path_note(tmp_path / "db/mysql/pg", "postgresql") is None


def test_config_paths_are_roots_like_the_command_lines(tmp_path: Path) -> None:
    write(tmp_path, {name: text for name, text in TREE.items() if "services" not in name})
    config = write(tmp_path, {"lockwise.toml": f'migrations = ["{tmp_path}"]\n'})
    result = lint("--config", str(config / "lockwise.toml"))
    assert linted(result, tmp_path) == {"postgresql"}
    assert result.stderr.count("not linted: a ") == 4


def test_graph_and_verify_offer_only_postgresql_histories(tmp_path: Path) -> None:
    write(tmp_path / "one", {"pg/001_t.sql": PG_INDEX, "mysql/001_t.sql": MYSQL_TABLE})
    graph = CliRunner().invoke(app, ["graph", str(tmp_path / "one"), "--format", "json"])
    assert graph.exit_code == 0, graph.stderr
    assert "a MySQL history" in graph.stderr
    write(tmp_path / "two", {"pg/001_t.sql": PG_INDEX, "postgres/001_t.sql": PG_INDEX,
                             "mysql/001_t.sql": MYSQL_TABLE})
    verify = CliRunner().invoke(app, ["verify", str(tmp_path / "two")])
    assert verify.exit_code == 2
    error = verify.stderr.splitlines()[-1]
    assert "holds 2 separate migration directories" in error and "mysql" not in error
