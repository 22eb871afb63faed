"""Property-based robustness: generated and mutated migrations never crash lockwise.

Whatever the input, `lint_migrations` returns reports (findings, parse problems) and the CLI
exits 0, 1 or 2 with a clear message; an uncaught exception fails the test, and the profile's
per-example deadline fails a hang or a blow-up. Profiles: see fuzzkit.py and docs/robustness.md.
"""

from __future__ import annotations

import json
import tempfile
import traceback
from pathlib import Path

import pytest
from fuzzkit import (
    corpus_files,
    lint_bytes,
    lint_text,
    migration_sql,
    mutated,
    scaled,
)
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from corpus_paths import ABSENT
from lockwise.cli.app import app
from lockwise.core.types import Safety
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

CORPUS = corpus_files()


@scaled(1000)
@given(migration_sql())
def test_generated_migration_never_crashes(sql: str) -> None:
    lint_text(sql)


@scaled(200)
@given(st.lists(migration_sql(), min_size=2, max_size=4),
       st.sampled_from(range(11, 19)), st.sampled_from([None, True, False]),
       st.sampled_from(["substitute", "skip", "error"]),
       st.sampled_from(["postgresql", "postgresql", "mysql", "mariadb"]))
def test_generated_history_never_crashes(texts: list[str], pg_version: int,
                                         in_tx: bool | None, templates: str,
                                         dialect: str) -> None:
    """Several migrations in a row: the catalog replay sees every statement shape (the MySQL
    and MariaDB pipelines get the same input, as foreign SQL they must survive)."""
    from lockwise.parse.source import InputError

    migrations = [migration_from_text(sql, f"{i:04d}_step.sql") for i, sql in enumerate(texts)]
    options = LintOptions(pg_version=pg_version, assume_in_transaction=in_tx)
    if hasattr(options, "dialect"):
        options.dialect = dialect
    if hasattr(options, "templates"):
        options.templates = templates
    try:
        reports = lint_migrations(migrations, options)
    except InputError as exc:  # `--templates error` refuses placeholders by design
        assert templates == "error" and exc.line >= 1
        return
    assert [r.migration for r in reports] == migrations


@scaled(300)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    lint_bytes(data)


@pytest.mark.skipif(not CORPUS, reason=ABSENT)
@scaled(600)
@given(st.data())
def test_mutated_corpus_file_never_crashes(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(CORPUS), label="corpus file")
    mutant = data.draw(mutated(path.read_bytes()), label="mutant")
    lint_bytes(mutant, path.name)


def _check_cli(result, what: str) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"lockwise crashed on {what}:\n{tb}")
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        # Exit 2 is an input or usage error: either said on stderr, or a parse problem in the
        # report itself.
        said = "lockwise: error:" in result.stderr or "Usage:" in result.stderr
        assert said or "parse-error" in result.stdout, (result.stdout, result.stderr)


@scaled(100)
@given(st.one_of(migration_sql().map(lambda s: s.encode("utf-8")), st.binary(max_size=500)),
       st.sampled_from(["json", "text"]))
def test_cli_on_fuzzed_file_exits_cleanly(data: bytes, fmt: str) -> None:
    import os

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "0001_fuzz.sql"
        path.write_bytes(data)
        os.chdir(tmp)  # no lockwise.toml / pyproject.toml of the repository applies
        try:
            result = CliRunner().invoke(app, ["lint", str(path), "--format", fmt])
        finally:
            os.chdir(cwd)
    _check_cli(result, repr(data[:200]))
    if fmt == "json" and result.exit_code in (0, 1):
        doc = json.loads(result.stdout)
        assert len(doc["migrations"]) == 1
        levels = [Safety.parse(doc["safety"])] + [
            Safety.parse(c["safety"]) for c in doc.get("conflicts", ()) if "safety" in c]
        assert (result.exit_code == 1) == (max(levels) >= Safety.REQUIRES_DOWNTIME)


_FLAG_VALUES = {
    "--pg-version": st.one_of(st.integers(-5, 40).map(str), st.sampled_from(["x", "", "16.2"])),
    "--fail-on": st.one_of(st.sampled_from([s.label for s in Safety]),
                           st.text(max_size=12)),
    "--format": st.sampled_from(["json", "text", "xml", "", "JSON"]),
    "--layout": st.sampled_from(["plain", "diesel", "prisma", "flyway", "golang-migrate",
                                 "sqlx", "nope", ""]),
    "--select": st.sampled_from(["drop-column", "opt-in", "no-such-rule", ""]),
    "--ignore": st.sampled_from(["drop-column", "no-such-rule", ""]),
    "--rules-dir": st.sampled_from(["/nonexistent/rules", "fixtures", "."]),
    "--templates": st.sampled_from(["substitute", "skip", "error", "bogus"]),
    "--stdin-filename": st.text(max_size=10),
    "--dialect": st.sampled_from(["postgresql", "mysql", "mariadb", "sqlite", ""]),
    "--server-version": st.sampled_from(["8.0.28", "10.11", "5", "x", ""]),
}


@scaled(120)
@given(st.lists(st.sampled_from(sorted(_FLAG_VALUES)), max_size=4, unique=True).flatmap(
    lambda flags: st.tuples(*(st.tuples(st.just(f), _FLAG_VALUES[f]) for f in flags))),
    st.sampled_from([[], ["--verbose"], ["--no-color"], ["--bogus-flag"], ["-x"]]))
def test_cli_flag_values_never_crash(pairs: tuple, extra: list[str]) -> None:
    argv = ["lint", "fixtures/migrations", *extra]
    for flag, value in pairs:
        argv += [flag, value]
    repo = Path(__file__).resolve().parents[2]
    import os

    cwd = os.getcwd()
    os.chdir(repo)
    try:
        result = CliRunner().invoke(app, argv)
    finally:
        os.chdir(cwd)
    _check_cli(result, " ".join(argv))


@scaled(150)
@given(st.lists(migration_sql(), min_size=1, max_size=4))
def test_catalog_lookup_indexes_agree_with_full_scans(texts: list[str]) -> None:
    """The catalog's by-table index filing and foreign-key source sets (kept for speed) give
    exactly what scanning every index and constraint gives, after any replayed history."""
    from lockwise.catalog.model import Catalog

    catalog = Catalog()
    migrations = [migration_from_text(sql, f"{i:04d}_step.sql") for i, sql in enumerate(texts)]
    reports = lint_migrations(migrations, LintOptions(), catalog)
    names = set(catalog.tables) | {i.table for i in catalog.indexes.values()} | {
        c.references for t in catalog.tables.values() for c in t.constraints.values()
        if c.references}
    for name in names:
        assert sorted(i.name for i in catalog.indexes_on(name)) == sorted(
            i.name for i in catalog.indexes.values() if i.table == name)
        assert [(t, c.name) for t, c in catalog.referencing(name)] == [
            (t.name, c.name) for t in catalog.tables.values() for c in t.constraints.values()
            if c.kind == "foreign" and c.references == name]
    for migration, report in zip(migrations, reports, strict=True):
        expected = [(t.name, c.name) for t in catalog.tables.values() if t.created_by
                    for c in t.constraints.values()
                    if c.kind == "foreign" and c.created_by == migration.id and c.columns
                    and not catalog.has_index_leading_with(t.name, c.columns)]
        assert [(t, c.name) for t, c in catalog.unindexed_foreign_keys(migration.id)] == \
            expected, report


_CONFIG_KEYS = ["migrations", "layout", "pg_version", "fail_on", "select", "ignore", "stats",
                "max_lock_seconds", "assume_in_transaction", "rules_dir", "templates",
                "no_such_key", "pgversion"]
_toml_scalar = st.one_of(st.integers(-5, 40), st.booleans(),
                         st.floats(allow_nan=False, allow_infinity=False, width=32),
                         st.sampled_from(["safe", "destructive", "plain", "skip", "16", "",
                                          "nowhere/dir", "drop-column", "x" * 50]),
                         st.text(max_size=8))
_toml_value = st.one_of(_toml_scalar, st.lists(_toml_scalar, max_size=3))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # then a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


@scaled(100)
@given(st.dictionaries(st.sampled_from(_CONFIG_KEYS), _toml_value, max_size=3),
       st.sampled_from(["lockwise.toml", "pyproject.toml"]),
       st.one_of(st.just(""), st.sampled_from(["[[tool.lockwise.overrides]]\npath = 3\n",
                                               "x = [unclosed\n", "[tool.lockwise\n"])))
def test_config_file_values_never_crash(settings_: dict, filename: str, tail: str) -> None:
    """A bad value in the configuration is a clear error naming the key (issue 9)."""
    import os

    table = "[tool.lockwise]\n" if filename == "pyproject.toml" else ""
    body = table + "".join(f"{k} = {_toml(v)}\n" for k, v in settings_.items()) + tail
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / filename
        config.write_text(body)
        sql = Path(tmp) / "0001_ok.sql"
        sql.write_text("ALTER TABLE t ADD COLUMN c int;\n")
        os.chdir(tmp)
        try:
            result = CliRunner().invoke(app, ["lint", "--config", str(config), str(sql)])
        finally:
            os.chdir(cwd)
    _check_cli(result, body)
    if result.exit_code == 2 and "config:" in result.stderr:
        assert str(config) in result.stderr
        if not tail and "invalid TOML" not in result.stderr:
            assert any(key in result.stderr for key in settings_), result.stderr


def _mysql_gap_end(text: str) -> int:
    """Where the spaces and comments at the start of `text` end, as the server reads them: a
    `/* */` comment to its first `*/`, a `-- ` (or `--` before a control character or the
    end) and a `#` comment to the line's end."""
    at = 0
    while at < len(text):
        if text[at].isspace():
            at += 1
        elif text.startswith("/*", at) and (close := text.find("*/", at + 2)) >= 0:
            at = close + 2
        elif text[at] == "#" or text.startswith("--", at) and (
                at + 2 == len(text) or text[at + 2].isspace()):
            newline = text.find("\n", at)
            at = len(text) if newline < 0 else newline
        else:
            break
    return at


@scaled(300)
@given(st.lists(st.sampled_from([" ", "\n", "\t", "--", "-- ", "#", "/*", "*/", "/* x */", "x",
                                 "EVENT", "=", "-"]), max_size=30))
def test_the_mysql_gap_ends_where_the_server_reads_a_word(pieces: list[str]) -> None:
    """fix-robust17: the gap between two words of a MySQL statement (`mysql_blocks.GAP`) is
    what the server skips, never less: a word inside a comment is no word (the old pattern
    ended a `-- ` comment early to find one, and tried every way to on `-- -- -- ...`)."""
    import re

    from lockwise.parse.mysql_blocks import GAP

    text = "".join(pieces)
    word = re.compile(rf"(?:{GAP})*(?=[A-Za-z=])").match(text)
    at = _mysql_gap_end(text)
    assert (word.end() if word else None) == (at if text[at:at + 1].isalpha()
                                              or text[at:at + 1] == "=" else None)


@scaled(300)
@given(st.lists(st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", "{", "}", "-", " ", "\n",
                                 "'", "a", ".x", "$", "if ", "${", "1", "{{ .y }}", "%"]),
                max_size=40))
def test_template_placeholders_are_ordered_and_apart(pieces: list[str]) -> None:
    """fix-robust17: the placeholders found are in order, do not overlap, and each is a
    control (`{%`, `{#`, a Go action) or a value that starts with its marker."""
    from lockwise.parse.templates import find_placeholders

    text = "".join(pieces)
    found = find_placeholders(text)
    for before, after in zip(found, found[1:], strict=False):
        assert before.end <= after.start
    for p in found:
        assert text[p.start:p.end] == p.text
        assert p.text.startswith(("{{", "{%", "{#") if p.control else ("{{", "${"))
