"""`lint -f json` writes its document in pieces as it is encoded (issue 10: built whole, the
document of 10,000 files peaked at 885 MB): the pieces are the very text json.dumps gives for
the whole document, and no piece is the whole of it."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lockwise.cli.lint_run
import lockwise.lint
import lockwise.report.json_report as json_report
from lockwise.cli.app import EXIT_INPUT, app
from lockwise.cli.inputs import collect
from lockwise.cli.lint_run import lint_with_conflicts
from lockwise.core.types import MigrationReport
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.report.said_once import conflicts_not_said

REPO = Path(__file__).resolve().parent.parent
CONFLICTS = REPO / "fixtures" / "conflicts"
MIGRATIONS = REPO / "fixtures" / "migrations"


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


@pytest.mark.parametrize(("chunk", "spool"), [(json_report.CHUNK_CHARS, json_report.SPOOL_CHARS),
                                               (1, 1), (300, 1), (300, 1000)])
def test_the_streamed_report_is_the_text_json_dumps_gives(
        chunk: int, spool: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written in pieces of any size (one a token at 1), the migrations spooled in memory or
    in a temporary file (at once, or past 1,000 characters), the output is json.dumps's text
    of the document it holds, its totals before `migrations` those of the migrations after."""
    monkeypatch.setattr(json_report, "CHUNK_CHARS", chunk)
    monkeypatch.setattr(json_report, "SPOOL_CHARS", spool)
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
    statement = max(len(json_report.indented_json(json_report.statement_dict(s), "\n      "))
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


def _json(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", "-f", "json", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _buffered(paths: list[Path], config: Path | None = None) -> str:
    """The document as written before `JsonPrinter`: every report made, then written whole
    (a config's overrides applied to all, the conflicts it says already left out)."""
    from lockwise.config import apply_overrides, load_config

    collected = collect(paths, None)
    options = LintOptions()
    result = lint_with_conflicts(collected.migrations, collected.histories, options,
                                 conflicts=True, use_cache=False)
    reports = result.reports if config is None else apply_overrides(result.reports,
                                                                     load_config(config))
    conflicts = conflicts_not_said(result.conflicts, reports)
    return json_report.render_json(reports, options=options,
                                   conflicts=[c.to_dict() for c in conflicts]) + "\n"


def _live_reports(under: Path) -> int:
    """Full reports (with their statements) of migrations below `under` still alive."""
    return sum(1 for o in gc.get_objects() if isinstance(o, MigrationReport)
               and o.statements and str(o.migration.path).startswith(str(under)))


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target)
    return target


@pytest.mark.parametrize("beside", [False, True], ids=["graph-in-process", "graph-beside"])
def test_each_report_is_encoded_and_dropped_before_the_next_is_linted(
        migrations_dir: Path, monkeypatch: pytest.MonkeyPatch, beside: bool) -> None:
    """Linting a migration and encoding its JSON alternate, and when a migration is encoded
    the reports encoded before it are gone: only the one being encoded is alive (issue 10:
    the 10,000 generated files' reports were held for `findings_count`). The document is the
    one written from every report at once."""
    if beside:
        monkeypatch.setattr(lockwise.cli.lint_run, "PARALLEL_MIN_CHARS", 0)
    events: list[str] = []
    analyze, add = lockwise.lint.analyze_migration, json_report.JsonPrinter.add

    def analyzed(migration, *args, **kwargs):  # type: ignore[no-untyped-def]
        events.append(f"lint {migration.path.name}")
        return analyze(migration, *args, **kwargs)

    def encoded(self: json_report.JsonPrinter, report: MigrationReport) -> None:
        events.append(f"encode {report.migration.path.name}")
        events.append(f"alive {_live_reports(migrations_dir)}")
        add(self, report)

    monkeypatch.setattr(lockwise.lint, "analyze_migration", analyzed)
    monkeypatch.setattr(json_report.JsonPrinter, "add", encoded)
    code, out = _json("--no-cache", str(migrations_dir))
    names = sorted(p.name for p in migrations_dir.glob("*.up.sql"))
    assert events == [e for name in names
                      for e in (f"lint {name}", f"encode {name}", "alive 1")]
    assert code == 1 and out == _buffered([migrations_dir])
    assert json.loads(out)["findings_count"] > 0


def test_overrides_apply_to_each_encoded_migration(migrations_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A config's override ignoring the findings of one file and raising the threshold of
    all: each migration is encoded with it applied, the totals counted after it, as the
    whole document was; the exit code follows the threshold."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "lockwise.toml"
    config.write_text('[[overrides]]\npath = "migrations/0003_*"\n'
                      'ignore = ["index-without-concurrently", "missing-lock-timeout"]\n'
                      '[[overrides]]\npath = "migrations/**"\nfail_on = "destructive"\n')
    code, out = _json("--no-cache", "--config", str(config), "migrations")
    assert out == _buffered([Path("migrations")], config)
    doc = json.loads(out)
    (third,) = [m for m in doc["migrations"] if m["name"].startswith("index_orders")]
    assert third["safety"] == "safe" and not third["findings"]
    assert code == (1 if any(m["safety"] == "destructive" for m in doc["migrations"]) else 0)


def test_cached_resumed_and_only_runs_write_the_same_bytes(
        migrations_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The result cache still stores every report though each was encoded as it came: a
    second run writes the same document from it, as does a run that resumes from it (a
    migration appended), and a file linted with its directory as context (`--only`'s path)
    is the same with the cache or without."""
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    first = _json(str(migrations_dir))
    assert first == _json("--no-cache", str(migrations_dir))
    assert _json(str(migrations_dir)) == first
    (migrations_dir / "0099_more.up.sql").write_text("CREATE INDEX o_x ON orders (id);\n")
    resumed = _json(str(migrations_dir))
    assert resumed == _json("--no-cache", str(migrations_dir))
    assert resumed != first and json.loads(resumed[1])["migrations"][-1]["name"] == "more"
    one = migrations_dir / "0003_index_orders_by_account.up.sql"
    only = _json(str(one))
    assert only == _json("--no-cache", str(one)) == _json(str(one))
    assert [m["name"] for m in json.loads(only[1])["migrations"]] == ["index_orders_by_account"]


def test_the_printer_writes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`end` writes the document before its conflicts once (lint may call it while the graph
    finishes, the command again after): no migration, `[]` and a count of 0."""
    pieces: list[str] = []
    printer = json_report.JsonPrinter(pieces.append, options=LintOptions())
    printer.end()
    printer.end()
    text = "".join(pieces)
    assert text == json_report.json_before_conflicts([], options=LintOptions())
    assert json.loads(text + "\n}")["findings_count"] == 0
