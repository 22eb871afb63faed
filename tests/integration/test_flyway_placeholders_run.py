"""A Flyway migration whose placeholders have values (fix-layouts24): `apply`, `verify` and
`trace` run it with the values put in, as Flyway sends it; the history's checksum is the
file's as written. A placeholder without a value still stops the run, at its file:line:column,
naming what would give it one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.executor.checksum import checksum
from tree_helpers import clean_tool_environment, write

_SCHEMA = "CREATE SCHEMA ${schema};\nCREATE TABLE ${schema}.accounts (id bigint, email text);\n"
_INDEX = "SELECT 1; CREATE INDEX accounts_email ON ${Schema}.accounts (email);\n"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_tool_environment(monkeypatch, tmp_path)


def _project(root: Path, index: str = _INDEX) -> Path:
    return write(root, {"flyway.conf": "flyway.locations=filesystem:db/migration\n"
                                       "flyway.placeholders.schema=billing\n",
                        "db/migration/V1__schema.sql": _SCHEMA,
                        "db/migration/V2__index.sql": index})


def _apply(dsn: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lockwise", "apply", *args, "--dsn", dsn],
                          capture_output=True, text=True, timeout=180)


def test_apply_runs_the_migrations_with_their_values(pg_db: str, tmp_path: Path) -> None:
    root = _project(tmp_path)
    result = _apply(pg_db, str(root / "db/migration"), "--allow", "requires-downtime")
    assert result.returncode == 0, result.stderr
    with psycopg.connect(pg_db, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('billing.accounts_email')").fetchone()[0] \
            is not None
        rows = conn.execute("SELECT version, checksum FROM lockwise.schema_history "
                            "ORDER BY id").fetchall()
    # the history records the file as written, placeholders and all
    assert [(str(v), c) for v, c in rows] == [
        ("1", checksum(_SCHEMA)), ("2", checksum(_INDEX))]


def test_apply_stops_at_a_placeholder_without_a_value(pg_db: str, tmp_path: Path) -> None:
    root = _project(tmp_path, "CREATE INDEX accounts_email ON ${other}.accounts (email);\n")
    result = _apply(pg_db, str(root / "db/migration"))
    assert result.returncode == 2, result
    assert "V2__index.sql:1:32: Flyway placeholder ${other} has no value" in result.stderr, \
        result.stderr
    assert "flyway.placeholders.other" in result.stderr
    with psycopg.connect(pg_db, autocommit=True) as conn:
        assert conn.execute("SELECT to_regnamespace('billing')").fetchone()[0] is None


def test_replacement_off_sends_the_text_as_written(pg_db: str, tmp_path: Path) -> None:
    """With placeholderReplacement=false Flyway sends `${schema}`: the server's parser
    refuses it, and apply says so at its place (not that it has no value)."""
    root = _project(tmp_path)
    (root / "flyway.conf").write_text("flyway.placeholderReplacement=false\n")
    result = _apply(pg_db, str(root / "db/migration"))
    assert result.returncode == 2, result
    assert "V1__schema.sql:1:15: PostgreSQL's parser rejects this SQL" in result.stderr, \
        result.stderr


@pytest.mark.parametrize(("command", "said"), [
    ("verify", "4 statements observed, 0 disagreements"),
    ("trace", "lock: SHARE on billing.accounts")])
def test_verify_and_trace_run_the_values(pg_db: str, tmp_path: Path, command: str,
                                         said: str) -> None:
    """The statements run with `billing` put in: the index build's lock is observed on
    billing.accounts, as lint predicts it."""
    root = _project(tmp_path)
    result = CliRunner().invoke(app, [command, str(root / "db/migration"), "--dsn", pg_db])
    assert result.exit_code == 0, result.output
    assert said in result.output, result.output
    assert "template placeholder" not in result.output


@pytest.mark.parametrize("command", ["verify", "trace"])
def test_verify_and_trace_stop_at_an_unknown_one(pg_db: str, tmp_path: Path,
                                                 command: str) -> None:
    root = _project(tmp_path, "SELECT 1;\nCREATE INDEX accounts_email ON ${other}.accounts "
                              "(email);\n")
    result = CliRunner().invoke(app, [command, str(root / "db/migration"), "--dsn", pg_db])
    assert result.exit_code == 2, result.output
    assert "V2__index.sql:2:32: Flyway placeholder ${other} has no value" in result.stderr


#: Undo files (Flyway's downs) with placeholders: Flyway puts the values in them as in the
#: versioned ones.
_UNDO_SCHEMA = "DROP TABLE ${schema}.accounts;\nDROP SCHEMA ${schema};\n"
_UNDO_INDEX = "SELECT 1;\n  DROP INDEX ${schema}.accounts_email;\n"


def _with_undo(root: Path, undo_index: str = _UNDO_INDEX) -> Path:
    return write(_project(root), {"db/migration/U1__schema.sql": _UNDO_SCHEMA,
                                  "db/migration/U2__index.sql": undo_index})


def _relations(dsn: str) -> tuple:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT to_regnamespace('billing') IS NOT NULL, "
                            "to_regclass('billing.accounts_email') IS NOT NULL").fetchone()


def test_rollback_runs_the_undo_files_with_their_values(pg_db: str, tmp_path: Path) -> None:
    root = _with_undo(tmp_path)
    folder = str(root / "db/migration")
    assert _apply(pg_db, folder, "--allow", "requires-downtime").returncode == 0
    assert _relations(pg_db) == (True, True)
    result = subprocess.run([sys.executable, "-m", "lockwise", "rollback", folder, "--dsn",
                             pg_db, "--steps", "1"], capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr
    assert _relations(pg_db) == (True, False)
    result = subprocess.run([sys.executable, "-m", "lockwise", "rollback", folder, "--dsn",
                             pg_db], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert _relations(pg_db) == (False, False)


def test_rollback_stops_at_an_undo_placeholder_without_a_value(pg_db: str,
                                                                tmp_path: Path) -> None:
    root = _with_undo(tmp_path, "SELECT 1;\n  DROP INDEX ${other}.accounts_email;\n")
    folder = str(root / "db/migration")
    assert _apply(pg_db, folder, "--allow", "requires-downtime").returncode == 0
    result = subprocess.run([sys.executable, "-m", "lockwise", "rollback", folder, "--dsn",
                             pg_db], capture_output=True, text=True, timeout=180)
    assert result.returncode == 2, result
    assert "U2__index.sql:2:14: Flyway placeholder ${other} has no value" in result.stderr, \
        result.stderr
    assert "flyway.placeholders.other" in result.stderr
    assert _relations(pg_db) == (True, True)


def test_verify_runs_the_undo_files_with_their_values(pg_db: str, tmp_path: Path) -> None:
    root = _with_undo(tmp_path)
    result = CliRunner().invoke(app, ["verify", str(root / "db/migration"), "--dsn", pg_db])
    assert result.exit_code == 0, result.output
    assert "4 statements observed, 0 disagreements" in result.output, result.output
    assert "placeholder" not in result.output
    assert "not reversible" not in result.output.lower()


def test_verify_stops_at_an_undo_placeholder_without_a_value(pg_db: str,
                                                             tmp_path: Path) -> None:
    root = _with_undo(tmp_path, "SELECT 1;\n  DROP INDEX ${other}.accounts_email;\n")
    result = CliRunner().invoke(app, ["verify", str(root / "db/migration"), "--dsn", pg_db])
    assert result.exit_code == 2, result.output
    assert "U2__index.sql:2:14: Flyway placeholder ${other} has no value" in result.stderr


#: fix-pg92: the graph's down check parsed an undo file with `${schema}` left in (a stand-in
#: identifier), so an undo that undoes its version read as one that does not
#: (down-mismatch), and a refused undo statement was not seen. Each verdict is held against
#: the server's, the values put in as Flyway puts them.
_UNDO_ONE_SCHEMA = "DROP TABLE ${schema}.accounts;\nDROP SCHEMA ${schema};\n"


def _graph_conflicts(root: Path, undo_index: str) -> list[tuple[str, str, int | None]]:
    from lockwise.discover import discover
    from lockwise.graph.build import build_graph

    write(_project(root), {"db/migration/U1__schema.sql": _UNDO_ONE_SCHEMA,
                           "db/migration/U2__index.sql": undo_index})
    graph = build_graph(discover(root / "db/migration"))
    return [(c.kind, Path(c.locations[-1].path).name, c.locations[-1].line)
            for c in graph.conflicts]


def _first_refused_undo_line(dsn: str, undo: str) -> int | None:
    """The line of the undo's first statement the server refuses after both versioned
    files ran, the values put in; None when it runs (then the first undo runs too)."""
    from lockwise.parse.postgres import parse_sql

    def put_in(sql: str) -> str:
        return sql.replace("${schema}", "billing").replace("${Schema}", "billing")

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(put_in(_SCHEMA + _INDEX))
        for stmt in parse_sql(put_in(undo)).statements:
            try:
                conn.execute(stmt.sql)
            except psycopg.Error:
                return stmt.span.line
        conn.execute(put_in(_UNDO_ONE_SCHEMA))
    return None


def test_undo_files_that_undo_their_versions_say_nothing(tmp_path: Path, pg_db: str) -> None:
    undo = "DROP INDEX ${schema}.accounts_email;\n"
    assert _first_refused_undo_line(pg_db, undo) is None
    assert _graph_conflicts(tmp_path, undo) == []


def test_a_refused_undo_statement_is_found_with_the_values_put_in(tmp_path: Path,
                                                                  pg_db: str) -> None:
    undo = "DROP INDEX ${schema}.accounts_email;\nDROP INDEX ${schema}.accounts_email;\n"
    assert _first_refused_undo_line(pg_db, undo) == 2
    assert _graph_conflicts(tmp_path, undo) == [("missing-object", "U2__index.sql", 2)]
