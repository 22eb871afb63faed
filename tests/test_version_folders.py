"""Folders-per-version layouts (temporal's schema/postgresql/v12/temporal/versioned/v1.N/, each
folder a version holding a manifest.json and its .sql files): each file is a migration whose id
names its version once, and the files of one version are one migration in parts, never a
duplicate-version conflict, whichever folder lockwise is pointed at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover_histories
from tree_helpers import write


def _manifest(version: str, *files: str) -> str:
    return json.dumps({"CurrVersion": version, "MinCompatibleVersion": "1.0",
                       "Description": "test", "SchemaUpdateCqlFiles": list(files)})


#: A small copy of temporal's layout, written for these tests: two databases (temporal,
#: visibility) per server version folder (v12), a schema dump beside each `versioned/`.
TREE = {
    "schema/postgresql/v12/temporal/schema.sql": "CREATE TABLE namespaces (id int);\n",
    "schema/postgresql/v12/temporal/versioned/v1.0/manifest.json": _manifest("1.0", "schema.sql"),
    "schema/postgresql/v12/temporal/versioned/v1.0/schema.sql":
        "CREATE TABLE namespaces (id int);\nCREATE TABLE queue (id int);\n",
    "schema/postgresql/v12/temporal/versioned/v1.1/manifest.json":
        _manifest("1.1", "cluster_metadata.sql", "queue.sql"),
    "schema/postgresql/v12/temporal/versioned/v1.1/cluster_metadata.sql":
        "CREATE TABLE cluster_metadata (id int);\n",
    "schema/postgresql/v12/temporal/versioned/v1.1/queue.sql":
        "CREATE INDEX CONCURRENTLY queue_id ON queue (id);\n",
    "schema/postgresql/v12/temporal/versioned/v1.10/manifest.json":
        _manifest("1.10", "more.sql"),
    "schema/postgresql/v12/temporal/versioned/v1.10/more.sql":
        "ALTER TABLE queue ADD COLUMN note text;\n",
    "schema/postgresql/v12/visibility/versioned/v1.0/manifest.json":
        _manifest("1.0", "schema.sql"),
    "schema/postgresql/v12/visibility/versioned/v1.0/schema.sql":
        "CREATE TABLE executions_visibility (id int);\n",
    "schema/postgresql/v12/visibility/versioned/v1.1/manifest.json":
        _manifest("1.1", "a.sql", "b.sql"),
    "schema/postgresql/v12/visibility/versioned/v1.1/a.sql":
        "ALTER TABLE executions_visibility ADD COLUMN a int;\n",
    "schema/postgresql/v12/visibility/versioned/v1.1/b.sql":
        "ALTER TABLE executions_visibility ADD COLUMN b int;\n",
}

TEMPORAL_IDS = ["v1.0_schema", "v1.1_cluster_metadata", "v1.1_queue", "v1.10_more"]


def _cli(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    return write(tmp_path, TREE) / "schema" / "postgresql" / "v12"


def test_each_file_of_a_version_folder_names_its_version_once(schema: Path) -> None:
    (root, found), = discover_histories(schema / "temporal" / "versioned")
    assert [m.id for m in found] == TEMPORAL_IDS
    assert [(m.version, m.name) for m in found][:2] == [("v1.0", "schema"),
                                                        ("v1.1", "cluster_metadata")]


@pytest.mark.parametrize("where", ["temporal/versioned", "temporal", "visibility"])
def test_the_files_of_one_version_are_no_duplicate_version(schema: Path, where: str) -> None:
    code, doc = _cli("graph", str(schema / where), "--format", "json")
    assert code == 0, doc
    assert doc["conflicts"] == []
    ids = [m["id"] for m in doc["migrations"]]
    assert len(ids) == len(set(ids))
    assert not [i for i in ids if i.count("v1.") > 1]  # the version is not repeated


def test_lint_of_the_server_folder_reports_both_histories_by_sensible_ids(schema: Path) -> None:
    code, doc = _cli("lint", str(schema), "--format", "json", "--no-cache")
    assert code in (0, 1)
    ids = [m["id"] for m in doc["migrations"]]
    assert ids == TEMPORAL_IDS + ["v1.0_schema", "v1.1_a", "v1.1_b"]
    assert doc["conflicts"] == []


def test_one_file_named_alone_keeps_its_sensible_id(schema: Path) -> None:
    code, doc = _cli("lint", str(schema / "temporal/versioned/v1.1/queue.sql"), "--format",
                     "json", "--no-cache")
    assert code in (0, 1)
    assert [m["id"] for m in doc["migrations"]] == ["v1.1_queue"]


def test_a_forced_plain_layout_gives_the_same_ids(schema: Path) -> None:
    code, doc = _cli("graph", str(schema / "temporal" / "versioned"), "--layout", "plain",
                     "--format", "json")
    assert code == 0 and doc["conflicts"] == []
    assert [m["id"] for m in doc["migrations"]] == TEMPORAL_IDS


def test_the_executor_runs_a_version_folder_as_one_migration(schema: Path,
                                                             tmp_path: Path) -> None:
    """A version of several files is one migration to `lockwise apply` (it exited 2, saying
    it records one migration per version): with no server, the only error is the missing
    database (tests/executor/test_executor_version_folders.py runs them)."""
    result = CliRunner().invoke(app, ["apply", str(schema / "temporal" / "versioned"),
                                      "--dsn", f"host={tmp_path / 'no-server'} dbname=x"])
    assert result.exit_code == 2
    assert "is used twice" not in result.stderr
    assert "one migration per version" not in result.stderr
    assert "database error" in result.stderr or "connect" in result.stderr, result.stderr


# --- manifest.json: the order of a version's files -------------------------------------------

def _ordered_tree(tmp_path: Path, manifest: str) -> Path:
    """A version folder whose manifest lists its files against name order (b.sql first: it
    creates the table a.sql alters)."""
    return write(tmp_path, {
        "versioned/v1.0/manifest.json": _manifest("1.0", "base.sql"),
        "versioned/v1.0/base.sql": "CREATE TABLE base (id int);\n",
        "versioned/v1.1/manifest.json": manifest,
        "versioned/v1.1/b_create.sql": "CREATE TABLE t (id int);\n",
        "versioned/v1.1/a_alter.sql": "ALTER TABLE t ADD COLUMN note text;\n",
    }) / "versioned"


def _lint(path: Path) -> tuple[int, dict, str]:
    result = CliRunner().invoke(app, ["lint", str(path), "--format", "json", "--no-cache"])
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_the_manifest_orders_the_files_of_its_version(tmp_path: Path) -> None:
    versioned = _ordered_tree(tmp_path, _manifest("1.1", "b_create.sql", "a_alter.sql"))
    (_, found), = discover_histories(versioned)
    assert [m.id for m in found] == ["v1.0_base", "v1.1_b_create", "v1.1_a_alter"]
    code, doc, err = _lint(versioned)
    assert [m["id"] for m in doc["migrations"]] == ["v1.0_base", "v1.1_b_create",
                                                     "v1.1_a_alter"]
    # In this order the ALTER meets the table the version created just before it.
    assert "warning" not in err


@pytest.mark.parametrize(("manifest", "why"), [
    (_manifest("1.1", "b_create.sql"), "does not list a_alter.sql"),
    (_manifest("1.1", "b_create.sql", "a_alter.sql", "gone.sql"), "lists gone.sql"),
    ('{"CurrVersion": "1.1", "SchemaUpdateCqlFiles": ["b_create.sql",', "not valid JSON"),
    ('{"CurrVersion": "1.1"}', "no SchemaUpdateCqlFiles"),
    # Not an object; nested past what json can read (it raised RecursionError: a traceback).
    ('["b_create.sql", "a_alter.sql"]', "no SchemaUpdateCqlFiles"),
    ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
    # A name outside the folder is never read: the manifest only orders the folder's files.
    (_manifest("1.1", "b_create.sql", "../v1.0/base.sql", "a_alter.sql"),
     "lists ../v1.0/base.sql, not a .sql file of the folder"),
    (_manifest("1.1", "b_create.sql", "/etc/passwd", "a_alter.sql"), "lists /etc/passwd"),
])
def test_a_manifest_that_cannot_order_its_version_falls_back_to_name_order(
        tmp_path: Path, manifest: str, why: str) -> None:
    versioned = _ordered_tree(tmp_path, manifest)
    code, doc, err = _lint(versioned)
    assert code in (0, 1)
    assert [m["id"] for m in doc["migrations"]] == ["v1.0_base", "v1.1_a_alter",
                                                     "v1.1_b_create"]
    where = versioned / "v1.1" / "manifest.json"
    assert f"lockwise: warning: {where}:" in err and why in err
    assert "name order" in err
