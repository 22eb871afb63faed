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
    assert result.exit_code == 2  # an input error, as in lint (and said at its line:column)


def _long_history(folder: Path, tables: int) -> None:
    """Each table gets a foreign key to the first; the last migration drops a column a view
    still uses (a conflict at the end)."""
    for i in range(tables):
        fk = ", first bigint REFERENCES t0 (id)" if i else ""
        (folder / f"{i + 1:04d}_t{i}.sql").write_text(
            f"CREATE TABLE t{i} (id bigint PRIMARY KEY, note text{fk});\n")
    (folder / f"{tables + 1:04d}_view.sql").write_text("CREATE VIEW v AS SELECT note FROM t0;\n")
    (folder / f"{tables + 2:04d}_drop.sql").write_text("ALTER TABLE t0 DROP COLUMN note;\n")


def _edges(mermaid: str) -> int:
    return sum(1 for line in mermaid.splitlines() if "-->" in line or "-.->" in line
               or "==>" in line)


def test_mermaid_stays_within_mermaids_limits(tmp_path: Path) -> None:
    """Mermaid draws nothing beyond 500 edges or 50,000 characters: version order goes
    first, then the oldest dependencies, the conflicts stay, and a node says so."""
    _long_history(tmp_path, 300)  # 301 version-order edges, 300 dependencies
    out = graph(str(tmp_path), "--format", "mermaid").stdout
    assert _edges(out) <= 500 and len(out) <= 50_000
    assert '==>|"conflict: dependency-dropped"|' in out
    # The version order went first: every dependency is there, not every order edge.
    assert out.count("-->|") >= 300 and 0 < out.count("-.->") < 301
    assert 'omitted["' in out and "edges and" in out
    assert 'm301["0302_drop"]' in out  # the newest migrations are kept


def test_mermaid_text_limit_drops_the_oldest_dependencies(tmp_path: Path) -> None:
    from lockwise.discover import discover
    from lockwise.graph.build import build_graph
    from lockwise.graph.render import render_mermaid

    _long_history(tmp_path, 40)
    built = build_graph(discover(tmp_path))
    whole = render_mermaid(built)
    assert "omitted" not in whole and _edges(whole) > 60  # within the limits: everything
    small = render_mermaid(built, max_edges=1000, max_text=1500)
    assert len(small) <= 1500 and "omitted" in small
    assert '==>|"conflict: dependency-dropped"|' in small
    assert '"0042_drop"' in small and '"0001_t0"' in small  # the conflict's migrations
    assert '"0005_t4"' not in small  # an old one without a conflict


def test_every_conflict_kind_says_what_to_do_next() -> None:
    from lockwise.graph.model import CONFLICT_NEXT_STEPS, CONFLICT_SAFETY, CONFLICT_TITLES

    assert CONFLICT_NEXT_STEPS.keys() == CONFLICT_SAFETY.keys() == CONFLICT_TITLES.keys()


def test_the_text_report_of_a_conflict_ends_with_the_next_step() -> None:
    lines = graph(FIXTURE).stdout.splitlines()
    at = lines.index(next(line for line in lines if line.startswith("conflict ")))
    assert lines[at + 4] == "  next: say first what becomes of it (DROP VIEW " \
        "public.user_emails;), then drop without CASCADE; or create it again in the same " \
        "migration after the drop"
