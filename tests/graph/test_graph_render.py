"""`lockwise graph` output formats (syrupy snapshots, reviewed) and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app

REPO = Path(__file__).resolve().parents[2]
FIXTURE = "fixtures/conflicts/dependency-dropped"


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def graph(*args: str):
    return CliRunner().invoke(app, ["graph", *args])


@pytest.mark.parametrize("fmt", ["text", "dot", "mermaid", "json"])
def test_graph_formats(fmt: str, snapshot) -> None:
    result = graph(FIXTURE, "--format", fmt)
    assert result.exit_code == 1  # dependency-dropped is at the default --fail-on
    assert result.stdout == snapshot


def test_graph_json_shape() -> None:
    doc = json.loads(graph(FIXTURE, "--format", "json").stdout)
    assert doc["schema_version"] == 1
    assert [m["id"] for m in doc["migrations"]] == [
        "001_create_users", "002_user_emails_view", "003_drop_email"]
    reasons = {(e["from"], e["to"]): {r["reason"] for r in e["reasons"]} for e in doc["edges"]}
    assert reasons[("001_create_users", "002_user_emails_view")] == {"view-over", "order"}
    assert reasons[("001_create_users", "003_drop_email")] == {"created-by"}
    assert reasons[("002_user_emails_view", "003_drop_email")] == {"dropped-after-use",
                                                                   "order"}
    assert [c["kind"] for c in doc["conflicts"]] == ["dependency-dropped"]


def test_mermaid_labels_are_quoted_and_escaped(tmp_path: Path) -> None:
    (tmp_path / "1_a.sql").write_text('CREATE TABLE "we|ird" (id int);\n')
    (tmp_path / "2_b.sql").write_text('ALTER TABLE "we|ird" ADD COLUMN x int;\n')
    out = graph(str(tmp_path), "--format", "mermaid").stdout
    assert out.startswith("graph TD\n")
    assert "we#124;ird" in out and "we|ird" not in out


def test_clean_graph_exits_zero_and_missing_path_exits_two() -> None:
    assert graph("fixtures/conflicts/clean").exit_code == 0
    missing = graph("fixtures/conflicts/no-such-dir")
    assert missing.exit_code == 2
    assert "no-such-dir" in missing.stderr


def test_sql_that_does_not_parse_is_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "1_a.sql").write_text("CREATE TABLE a (id int);\n")
    (tmp_path / "2_b.sql").write_text("ALTER TABLE a ADD COLUMN;\n")
    result = graph(str(tmp_path))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 0
