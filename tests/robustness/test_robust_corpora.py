"""The corpus run: every migration of every real project in ../shared/corpora is linted without a
crash and reported. Skips when the corpora are absent.

temporal/mysql is linted with `--dialect mysql`. SQLite has no dialect: temporal/sqlite (and
temporal/mysql too) are also run through the PostgreSQL pipeline to prove that foreign SQL ends
as parse-error findings (exit 2), never as a crash.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app


def _temporal_migrations(directory: Path) -> list[Path]:
    """temporal's SQL but the schema dumps (database.sql, schema.sql) kept beside each
    database's `versioned/` upgrades: those are no history (lockwise notes them)."""
    return sorted(p for p in directory.rglob("*.sql")
                  if "versioned" in p.parts or not (p.parent / "versioned").is_dir())


#: corpus folder -> the files that are its migrations, found independently of lockwise.
POSTGRES_CORPORA = {
    "lemmy": lambda d: sorted(d.glob("*/up.sql")),
    "documenso": lambda d: sorted(d.glob("*/migration.sql")),
    "supabase-auth": lambda d: sorted(d.glob("*.up.sql")),
    "temporal/postgresql": _temporal_migrations,
}
FOREIGN_DIALECTS = ["temporal/mysql", "temporal/sqlite"]


def lint_dir(directory: Path, *flags: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(app, ["lint", str(directory), "--format", "json", *flags])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, json.loads(result.stdout), result.stderr


def all_findings(doc: dict) -> list[dict]:
    out = []
    for m in doc["migrations"]:
        out += m["findings"]
        for s in m["statements"]:
            out += s["findings"]
    return out


@pytest.mark.parametrize("name", sorted(POSTGRES_CORPORA))
def test_corpus_lints_every_migration_without_error(corpora: Path, name: str) -> None:
    directory = corpora / name
    if not directory.is_dir():
        pytest.skip(f"{name} is not in the corpora")
    expected = {str(p) for p in POSTGRES_CORPORA[name](directory)}
    code, doc, stderr = lint_dir(directory)
    assert code in (0, 1), stderr
    assert {m["path"] for m in doc["migrations"]} == expected
    # Real PostgreSQL projects: every file parses (templates substituted), statements found.
    assert [f for f in all_findings(doc) if f["rule"] == "parse-error"] == []
    assert sum(len(m["statements"]) for m in doc["migrations"]) >= len(expected)


@pytest.mark.parametrize("name", FOREIGN_DIALECTS)
def test_foreign_dialect_corpus_is_parse_errors_not_crashes(corpora: Path, name: str) -> None:
    directory = corpora / name
    if not directory.is_dir():
        pytest.skip(f"{name} is not in the corpora")
    code, doc, _ = lint_dir(directory)
    assert code == 2
    assert {m["path"] for m in doc["migrations"]} == {str(p) for p in
                                                      _temporal_migrations(directory)}
    assert any(f["rule"] == "parse-error" for f in all_findings(doc))


@pytest.mark.parametrize("name", sorted(POSTGRES_CORPORA))
def test_single_files_lint_with_their_directory_replayed(corpora: Path, name: str) -> None:
    """Pre-commit passes single files: the first, a middle and the last of each corpus."""
    directory = corpora / name
    if not directory.is_dir():
        pytest.skip(f"{name} is not in the corpora")
    files = POSTGRES_CORPORA[name](directory)
    for path in {files[0], files[len(files) // 2], files[-1]}:
        result = CliRunner().invoke(app, ["lint", str(path), "--format", "json"])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code in (0, 1), result.stderr
        assert [m["path"] for m in json.loads(result.stdout)["migrations"]] == [str(path)]


def test_mysql_corpus_with_its_dialect(corpora: Path) -> None:
    directory = corpora / "temporal" / "mysql"
    if not directory.is_dir():
        pytest.skip("temporal/mysql is not in the corpora")
    code, doc, stderr = lint_dir(directory, "--dialect", "mysql")
    assert code in (0, 1), stderr
    assert {m["path"] for m in doc["migrations"]} == {str(p) for p in
                                                      _temporal_migrations(directory)}
    assert [f for f in all_findings(doc) if f["rule"] == "parse-error"] == []


@pytest.mark.parametrize(("dialect", "linted", "left_out"), [
    ("postgresql", "postgresql", ("mysql", "sqlite")),
    ("mysql", "mysql", ("postgresql", "sqlite")),
])
def test_temporal_root_lints_the_histories_of_the_dialect_only(
        corpora: Path, dialect: str, linted: str, left_out: tuple[str, ...]) -> None:
    """temporal keeps one history per database side by side: at its root, those of the
    dialect in force are linted (no parse error, no PostgreSQL rule on MySQL DDL), the others
    are left out with a note naming each."""
    directory = corpora / "temporal"
    if not all((directory / name).is_dir() for name in (linted, *left_out)):
        pytest.skip("temporal is not in the corpora")
    code, doc, stderr = lint_dir(directory, "--dialect", dialect, "--no-cache")
    assert code in (0, 1), stderr
    assert {m["path"] for m in doc["migrations"]} == {
        str(p) for p in _temporal_migrations(directory / linted)}
    assert [f for f in all_findings(doc) if f["rule"] == "parse-error"] == []
    notes = [line for line in stderr.splitlines() if "not linted: a " in line]
    for name in left_out:
        below = [note for note in notes if note.startswith(f"lockwise: note: {directory / name}/")]
        assert len(below) == 2, notes  # temporal's two schemas (sqlite's visibility: a dump)
