"""`lint -f json` writes its document in pieces as it is encoded (issue 10: built whole, the
document of 10,000 files peaked at 885 MB): the pieces are the very text json.dumps gives for
the whole document, and no piece is the whole of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lockwise.report.json_report as json_report
from lockwise.cli.app import EXIT_INPUT, app
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

REPO = Path(__file__).resolve().parent.parent
CONFLICTS = REPO / "fixtures" / "conflicts"


def _varied(tmp: Path) -> list[str]:
    """Three histories: one of branches that conflict, one with a missing object, and one
    with non-ASCII names and text, a file that does not parse and an empty one."""
    for name in ("non-commuting", "missing-object"):
        shutil.copytree(CONFLICTS / name, tmp / name)
    own = tmp / "données"
    own.mkdir()
    (own / "001_crée_tâche.sql").write_text(
        "CREATE TABLE tâche (id int PRIMARY KEY, nom text DEFAULT 'é\u2028\"\\');\n"
        "CREATE INDEX tâche_nom ON tâche (nom);\n"
        "ALTER TABLE tâche ADD COLUMN prêt boolean NOT NULL DEFAULT now() IS NULL;\n",
        encoding="utf-8")
    (own / "002_cassé.sql").write_text("CREATE TABLE (;\n", encoding="utf-8")
    (own / "003_vide.sql").write_text("", encoding="utf-8")
    return [str(tmp / "non-commuting"), str(tmp / "missing-object"), str(own)]


@pytest.mark.parametrize("chunk", [json_report.CHUNK_CHARS, 1, 300])
def test_the_streamed_report_is_the_text_json_dumps_gives(
        chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written in pieces of any size (one a token at 1), the output is json.dumps's text of
    the document it holds, its totals before `migrations` those of the migrations after."""
    monkeypatch.setattr(json_report, "CHUNK_CHARS", chunk)
    paths = _varied(tmp_path)
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", *paths])
    assert result.exit_code == EXIT_INPUT, result.output  # (the file that does not parse)
    doc = json.loads(result.stdout)
    assert result.stdout == json.dumps(doc, indent=2) + "\n"
    assert list(doc)[-3:] == ["migrations", "findings_count", "conflicts"]
    migrations = doc["migrations"]
    assert {Path(m["path"]).parent.name for m in migrations} >= {
        "base", "main", "branch", "missing-object", "données"}
    assert doc["conflicts"], "the branches' conflict is listed"
    broken = next(m for m in migrations if m["name"].startswith("cass"))
    assert broken["findings"] and broken["safety"] != "safe"
    assert any("tâche" in s["sql"] for m in migrations for s in m["statements"])
    assert doc["findings_count"] == sum(
        len(m["findings"]) + sum(len(s["findings"]) for s in m["statements"])
        for m in migrations)


def test_the_cli_does_not_build_the_whole_report(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The command writes the document as it is encoded: the function that returns it as
    one text is not what it calls."""
    def whole(*args: object, **kwargs: object) -> str:
        raise AssertionError("the whole document was built at once")

    monkeypatch.setattr(json_report, "json_before_conflicts", whole)
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json",
                                      *_varied(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert json.loads(result.stdout)["migrations"]


def test_no_piece_holds_more_than_a_chunk_and_a_statement(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A long migration among others: the writer gets many pieces, none above the size it
    gathers plus one statement's text, and joined they are the document."""
    monkeypatch.setattr(json_report, "CHUNK_CHARS", 4000)
    long = "CREATE TABLE t (a int, b text);\n" + "".join(
        f"INSERT INTO t (a, b) VALUES ({i}, 'é{i}');\n" for i in range(400))
    options = LintOptions()
    reports = lint_migrations(
        [migration_from_text(long, "0001_long.sql"),
         migration_from_text("CREATE INDEX t_a ON t (a);\n", "0002_index.sql"),
         migration_from_text("ALTER TABLE t ADD COLUMN c int;\n", "0003_ñ.sql")],
        options, release=True)
    pieces: list[str] = []
    json_report.write_json_before_conflicts(reports, pieces.append, options=options)
    text = "".join(pieces)
    assert text == json_report.json_before_conflicts(reports, options=options)
    assert text + "\n}" == json.dumps(json.loads(text + "\n}"), indent=2)
    # (a statement's text as the document indents it, and its line's start)
    statement = max(len(json_report._indented(json_report.statement_dict(s), "\n      "))
                    for r in reports for s in r.statements) + 8
    assert len(text) > 10 * 4000
    assert len(pieces) > 10
    assert max(map(len, pieces)) < 4000 + statement + 200


@pytest.mark.parametrize("chunk", [json_report.CHUNK_CHARS, 1])
def test_the_streamed_sarif_log_is_the_text_json_dumps_gives(
        chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SARIF is written as it is encoded too: the same text json.dumps gives for its log,
    results of conflicts and of a file that does not parse among them."""
    import lockwise.report.sarif as sarif

    monkeypatch.setattr(json_report, "CHUNK_CHARS", chunk)
    monkeypatch.setattr(sarif, "render_sarif", lambda *args, **kwargs: pytest.fail(
        "the whole log was built at once"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "sarif", *_varied(tmp_path)])
    assert result.exit_code == EXIT_INPUT, result.output
    log = json.loads(result.stdout)
    assert result.stdout == json.dumps(log, indent=2) + "\n"
    (run,) = log["runs"]
    rules = {r["ruleId"] for r in run["results"]}
    assert "non-commuting" in rules or any("conflict" in r.get("properties", {}).get(
        "tags", []) for r in run["tool"]["driver"]["rules"] if r["id"] in rules)
    assert any("donn%C3%A9es" in r["locations"][0]["physicalLocation"]["artifactLocation"]
               ["uri"] for r in run["results"])


def test_the_sarif_log_is_written_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many results: the writer gets them in pieces of about the size gathered (the rules'
    descriptors, of a size fixed by the catalog, come before them), the same text as
    render_sarif's."""
    import lockwise.report.sarif as sarif
    from lockwise.lint import rule_index

    monkeypatch.setattr(json_report, "CHUNK_CHARS", 4000)
    options = LintOptions()
    reports = lint_migrations(
        [migration_from_text(f"CREATE INDEX i{i} ON t (a);\nALTER TABLE t ADD b{i} int "
                             "NOT NULL DEFAULT random()::int;\n", f"{i:04}_ñ.sql")
         for i in range(60)], options, release=True)
    rules = rule_index(options).rules
    pieces: list[str] = []
    sarif.write_sarif(reports, rules, pieces.append, fail_on=options.fail_on)
    text = "".join(pieces)
    assert text == sarif.render_sarif(reports, rules, fail_on=options.fail_on)
    assert len(json.loads(text)["runs"][0]["results"]) >= 60
    first = next(i for i, piece in enumerate(pieces) if '"results": [' in piece)
    results = pieces[first + 1:]
    assert len(results) > 10
    assert max(map(len, results)) < 4000 + 3000  # (and a result's text)
