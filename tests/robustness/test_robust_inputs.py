"""Known hard inputs, each handled on purpose, and regression tests for every crash the fuzz
suite or the corpus run found. Documented in docs/robustness.md."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from fuzzkit import lint_text
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.parse.source import MAX_FILE_BYTES


@pytest.fixture(autouse=True)
def _outside_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit codes below are lockwise's defaults: no lockwise.toml of the checkout applies."""
    monkeypatch.chdir(tmp_path)


def run(*args: str, stdin: bytes | None = None):
    result = CliRunner().invoke(app, ["lint", *args], input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    return result


def lint_json(path: Path, *args: str) -> tuple[int, dict]:
    result = run(str(path), "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def findings(doc: dict, rule: str | None = None) -> list[dict]:
    out = []
    for m in doc["migrations"]:
        out += m["findings"]
        for s in m.get("statements", []):
            out += s.get("findings", [])
    return [f for f in out if rule is None or f["rule"] == rule]


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


# --- client-side input: psql meta-commands and COPY data ---------------------------------------

def test_psql_meta_commands_are_skipped_with_an_info_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "0001_meta.sql",
                 "\\connect app\n\\set ON_ERROR_STOP on\n\\i shared.sql\n"
                 "ALTER TABLE users DROP COLUMN email;\n")
    code, doc = lint_json(path)
    meta = findings(doc, "psql-meta-command")
    assert [(f["line"], f["column"]) for f in meta] == [(1, 1), (2, 1), (3, 1)]
    assert "\\connect app" in meta[0]["message"]
    # The SQL after them is still linted, at its real line.
    drop = findings(doc, "drop-column")
    assert drop and drop[0]["line"] == 4
    assert code == 1
    assert all(f["safety"] == "safe" for f in meta)


def test_copy_from_stdin_data_is_not_parsed_as_sql(tmp_path: Path) -> None:
    path = write(tmp_path, "0001_copy.sql",
                 "COPY users (id, note) FROM stdin;\n1\tDROP TABLE users;\n2\t\\N\n\\.\n"
                 "CREATE INDEX CONCURRENTLY ix_note ON users (note);\n")
    code, doc = lint_json(path, "--assume-no-transaction")
    assert not findings(doc, "drop-table") and not findings(doc, "parse-error")
    copy = findings(doc, "psql-meta-command")
    assert len(copy) == 1 and copy[0]["line"] == 2 and "2 lines" in copy[0]["message"]
    statements = doc["migrations"][0]["statements"]
    assert [s["line"] for s in statements] == [1, 5]
    assert code == 0


def test_copy_data_without_terminator_runs_to_end_of_file(tmp_path: Path) -> None:
    path = write(tmp_path, "0001_copy.sql", "COPY t FROM stdin;\n1\n2\n")
    code, doc = lint_json(path)
    assert code == 0 and not findings(doc, "parse-error")


def test_dollar_quoted_bodies_are_parsed_not_linted_as_migration(tmp_path: Path) -> None:
    body = ("CREATE FUNCTION trim_users() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
            "BEGIN\n  ALTER TABLE users DROP COLUMN email;\n"
            "  RAISE NOTICE 'one line,\n\\set not_a_meta_command 1';\n  RETURN NEW;\nEND\n$fn$;\n"
            "DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$;\n")
    code, doc = lint_json(write(tmp_path, "0001_fn.sql", body))
    # A function's body runs when it is called, not now: nothing in it is judged. Its
    # backslash line is a string's second line, valid PL/pgSQL, not a psql command (a bare
    # `\set` line in the body is PL/pgSQL's syntax error: tests/test_plpgsql_body_errors.py).
    assert not findings(doc, "drop-column")
    assert not findings(doc, "psql-meta-command") and not findings(doc, "parse-error")
    assert len(doc["migrations"][0]["statements"]) == 2
    # A DO block runs now, and what it EXECUTEs with it (docs/effect-model.md).
    assert [f["line"] for f in findings(doc, "drop-table")] == [9]
    assert code == 1


# --- empty, comments, encodings ----------------------------------------------------------------

@pytest.mark.parametrize("content", ["", "\n\n  \n", "-- only a comment\n/* and a block */\n",
                                     ";;;\n"])
def test_empty_and_comment_only_files(tmp_path: Path, content: str) -> None:
    code, doc = lint_json(write(tmp_path, "0001_empty.sql", content))
    assert code == 0
    assert len(doc["migrations"]) == 1 and doc["migrations"][0]["statements"] == []
    assert not findings(doc, "parse-error")


def test_bom_and_crlf_keep_true_positions(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfCREATE TABLE b (id int);\r\n\r\nALTER TABLE users DROP COLUMN x;\r\n"
    code, doc = lint_json(write(tmp_path, "0001_bom.sql", data))
    statements = doc["migrations"][0]["statements"]
    assert [(s["line"], s["column"]) for s in statements] == [(1, 1), (3, 1)]
    assert findings(doc, "drop-column")[0]["line"] == 3
    assert code == 1


def test_non_utf8_is_a_clear_error_with_position(tmp_path: Path) -> None:
    path = write(tmp_path, "0001_latin1.sql", "CREATE TABLE t (id int);\n-- café\n".encode(
        "latin-1"))
    result = run(str(path))
    assert result.exit_code == 2
    assert f"{path}:2:7: not valid UTF-8" in result.stderr


@pytest.mark.parametrize(("encoding", "name"), [
    ("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")])
def test_utf16_file_is_a_clear_error(tmp_path: Path, encoding: str, name: str) -> None:
    """A file with a UTF-16 or UTF-32 byte order mark is text in the wrong encoding, not
    "binary" (its NUL bytes): the error names the encoding and the fix."""
    text = "CREATE TABLE t (id int);"
    data = text.encode(encoding) if encoding != "utf-16-be" else b"\xfe\xff" + text.encode(
        encoding)
    path = write(tmp_path, "0001_utf16.sql", data)
    result = run(str(path))
    assert result.exit_code == 2
    assert f"{path}:1:1: the file looks like {name}" in result.stderr
    assert "re-save it as UTF-8" in result.stderr and "binary" not in result.stderr


@pytest.mark.parametrize(("data", "position"), [
    ("SELECT 'éé' ".encode() + b"\xff;\n", "1:13"),
    (b"SELECT 1;\r\rSELECT '\xc3\xa9' \xff;\n", "3:12"),
    (b"\xef\xbb\xbfSELECT '\xe2\x82\xac' \xff;\n", "1:12"),
])
def test_an_invalid_utf8_byte_is_placed_in_characters(tmp_path: Path, data: bytes,
                                                     position: str) -> None:
    """The column counts characters, as every other position does (it counted bytes: 1:15
    for the 13th character), and lone CR line ends count as the lines they are."""
    path = write(tmp_path, "0001_bad.sql", data)
    result = run(str(path))
    assert result.exit_code == 2
    assert f"{path}:{position}: not valid UTF-8 (byte 0xff)" in result.stderr


def test_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "0001_blob.sql", bytes(range(256)) * 4)
    result = run(str(path))
    assert result.exit_code == 2
    assert f"{path}:1:1: binary file" in result.stderr


def test_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "0001_dump.sql"
    with path.open("wb") as fh:  # sparse: costs no disk and is never read
        fh.truncate(MAX_FILE_BYTES + 1)
    result = run(str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr and "limit" in result.stderr


def test_the_size_message_is_true(tmp_path: Path) -> None:
    """20.98 MiB is not "20 MiB, over the 20 MiB limit"; one byte over is not "20.0 MiB"."""
    path = tmp_path / "0001_dump.sql"
    for size, shown in ((int(20.98 * 1024 * 1024), "file is 21.0 MiB,"),
                        (MAX_FILE_BYTES + 1, f"file is {MAX_FILE_BYTES + 1:,} bytes,"),
                        (25 * 1024 * 1024, "file is 25.0 MiB,")):
        with path.open("wb") as fh:
            fh.truncate(size)
        result = run(str(path))
        assert result.exit_code == 2
        assert f"{shown} over the 20 MiB limit for a migration" in result.stderr


@pytest.mark.parametrize("extra", [0, 1])
def test_stdin_has_the_size_limit_of_a_file(extra: int) -> None:
    """Piped input over the limit is refused like a file that size (it was linted for a
    minute and passed); at the limit it is read."""
    data = b"-- " + b"x" * (MAX_FILE_BYTES - 4 + extra) + b"\n"
    result = run("--stdin", "--stdin-filename", "db/dump.sql", stdin=data)
    if extra:
        assert result.exit_code == 2
        assert "db/dump.sql: input is over the 20 MiB limit for a migration" in \
            result.stderr
    else:
        assert result.exit_code == 0, result.output


# --- directories and paths ---------------------------------------------------------------------

def test_symlink_loop_in_directory_terminates(tmp_path: Path) -> None:
    root = tmp_path / "migrations"
    write(root / "v1", "0001_init.sql", "CREATE TABLE t (id int);\n")
    (root / "v1" / "again").symlink_to(root, target_is_directory=True)
    (root / "self").symlink_to(root, target_is_directory=True)
    code, doc = lint_json(root)
    assert code == 0
    assert len(doc["migrations"]) >= 1


def test_a_dangling_symlink_migration_is_an_input_error_naming_it(tmp_path: Path) -> None:
    """A migration that is a symbolic link to a file not there (moved, or not checked out) is
    a migration the tool that runs them cannot read: an input error naming the link and where
    it points. It was left out in silence, and the history linted without it passed."""
    root = tmp_path / "migrations"
    write(root, "0001_init.sql", "CREATE TABLE t (id int);\n")
    (root / "0002_gone.sql").symlink_to(tmp_path / "missing.sql")
    result = run(str(root))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"lockwise: error: {root / '0002_gone.sql'}: "), \
        result.stderr
    assert f"a symbolic link to {tmp_path / 'missing.sql'}, which does not exist" in \
        result.stderr
    named = run(str(root / "0002_gone.sql"))
    assert named.exit_code == 2 and "which does not exist" in named.stderr


def make_unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`chmod 000` on `path`; as root, which reads through it, the kernel's refusal
    simulated: at access() (the command-line parser's check), at open and at read."""
    if os.geteuid() != 0:
        path.chmod(0)
        return
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if Path(
        os.fsdecode(p)).name == path.name and mode & os.R_OK else real_access(
        p, mode, *a, **k))
    for method in ("read_bytes", "open", "read_text"):
        original = getattr(Path, method)

        def refuse(self: Path, *args: object, _original=original, **kwargs: object):  # noqa: ANN202
            if self.name == path.name:
                raise PermissionError(13, "Permission denied", str(self))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Path, method, refuse)
    real_open = os.open  # input files are opened with os.open, then checked (read_regular_file)

    def refuse_open(file: object, flags: int, *args: object, **kwargs: object) -> int:
        if Path(os.fsdecode(file)).name == path.name:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", os.fsdecode(file))  # type: ignore[arg-type]
        return real_open(file, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse_open)


def test_unreadable_file_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, "0001_secret.sql", "CREATE TABLE t (id int);\n")
    make_unreadable(path, monkeypatch)
    result = run(str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr and "permission denied" in result.stderr


@pytest.mark.parametrize("command", [
    ["lint", "{file}"], ["lint", "{dir}", "--stats", "{file}"], ["lint", "{dir}", "--config",
                                                                 "{file}"],
    ["graph", "{dir}", "--applied", "{file}"], ["fix", "{file}"],
])
def test_a_file_the_user_may_not_read_is_named_by_lockwise_as_any_input_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    """The same `FILE: permission denied` whatever the option (docs/robustness.md),
    not the command-line parser's own refusal (`Invalid value for 'paths': Path ... is not
    readable`, in a usage box), which a user who is not root got for every path option."""
    folder = tmp_path / "db"
    write(folder, "0001_init.sql", "CREATE TABLE t (id int);\n")
    path = write(tmp_path, "0002_secret.sql", "CREATE INDEX i ON t (id);\n")
    make_unreadable(path, monkeypatch)
    argv = [a.format(file=path, dir=folder) for a in command]
    result = CliRunner().invoke(app, argv)
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    assert f"lockwise: error: {path}: permission denied" in result.stderr, result.stderr


def test_directory_without_migrations_says_so_and_exits_0(tmp_path: Path) -> None:
    """Documented choice (docs/robustness.md): an existing directory with nothing to lint is a
    clean run (a new project has no migrations yet), with a message on stderr."""
    (tmp_path / "README.md").write_text("no sql here")
    result = run(str(tmp_path))
    assert result.exit_code == 0
    assert "no migrations found" in result.stderr


@pytest.mark.parametrize("args", [
    ["lint"], ["lint", "-f", "json"], ["lint", "-f", "sarif"], ["lint", "-f", "github"],
    ["graph"], ["fix"], ["verify"], ["trace"]])
def test_every_command_and_format_names_the_directory_without_migrations(
        tmp_path: Path, args: list[str]) -> None:
    """A CI job pointed at the wrong folder passes (exit 0, as documented): stderr says so,
    naming the folder, whatever the format. JSON, SARIF and GitHub output said nothing at
    all, graph printed an empty graph and fix "nothing to rewrite"."""
    wrong = tmp_path / "src"
    wrong.mkdir()
    (wrong / "README.md").write_text("no sql here")
    result = CliRunner().invoke(app, [*args, str(wrong)])
    assert result.exit_code == 0, result.output
    assert f"lockwise: no migrations found in {wrong}" in result.stderr


def test_missing_path_exits_2(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope'}" in result.stderr and "no such file" in result.stderr


@pytest.mark.parametrize(("argv", "named"), [
    (["--pg-version", "99"], "--pg-version"),
    (["--pg-version", "sixteen"], "--pg-version"),
    (["--fail-on", "critical"], "critical"),
    (["--format", "xml"], "--format"),
    (["--layout", "rails"], "rails"),
    (["--no-such-flag"], "--no-such-flag"),
])
def test_bad_flag_values_exit_2_naming_the_flag(tmp_path: Path, argv: list[str],
                                                named: str) -> None:
    path = write(tmp_path, "0001_ok.sql", "SELECT 1;\n")
    result = run(str(path), *argv)
    assert result.exit_code == 2
    assert named in result.stderr, result.stderr


# --- sizes and shapes --------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["1+(", "(SELECT ", "ARRAY[", "coalesce("])
def test_deep_nesting_is_a_finding_not_a_crash(shape: str) -> None:
    """Regression: json.loads and the effect walkers hit Python's recursion limit."""
    closer = {"1+(": ")", "(SELECT ": ")", "ARRAY[": "]", "coalesce(": ")"}[shape]
    sql = ("CREATE TABLE ok (id int);\nSELECT " + shape * 3000 + "1" + closer * 3000 +
           ";\nALTER TABLE ok ADD COLUMN c int;\n")
    reports = lint_text(sql)
    problems = [f for f in reports[0].findings if f.rule == "parse-error"]
    assert problems and problems[0].span.line == 2
    # The statements around it are still judged.
    assert [s.statement.span.line for s in reports[0].statements] == [1, 3]


def test_moderately_deep_expression_is_analyzed() -> None:
    """Just below the JSON decoder's limit the effect walkers must not overflow either."""
    for depth in (300, 450, 490):
        sql = "ALTER TABLE t ADD COLUMN c int DEFAULT " + "1+(" * depth + "1" + ")" * depth
        lint_text(sql + ";\n")


def test_huge_single_line_is_linted() -> None:
    sql = "INSERT INTO t VALUES " + ",".join(["(1, 'x')"] * 20_000) + ";\n"
    reports = lint_text(sql)
    assert len(reports[0].statements) == 1


def test_many_meta_commands_and_skipped_text_is_quoted_short() -> None:
    sql = "\\set x " + "y" * 5000 + "\n" + "\\echo hi\n" * 3000 + "SELECT 1;\n"
    reports = lint_text(sql)
    skipped = [f for f in reports[0].findings if f.rule == "psql-meta-command"]
    assert len(skipped) == 3001
    assert len(skipped[0].message) < 300


# --- regressions found by the corpus run and the fuzz suite ------------------------------------

def test_create_materialized_view_regression() -> None:
    """lemmy 2020-01-13: IndexError on an empty table name (pglast inlines the IntoClause)."""
    reports = lint_text("CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;\n"
                        "CREATE TABLE t2 AS SELECT * FROM mv;\n")
    assert [s.effect.actions[0].facts.get("table") for s in reports[0].statements] == [
        "public.mv", "public.t2"]


def test_select_into_regression() -> None:
    """Fuzz: `SELECT * INTO t FROM u` raised ValueError in the effect model. It creates a
    table as CREATE TABLE ... AS does, and is modelled as one."""
    reports = lint_text("SELECT * INTO users_bak FROM users;\n")
    assert "create_table_as" in [a.kind for a in reports[0].statements[0].effect.actions]


def test_stdin_with_binary_input_is_a_clear_error() -> None:
    result = run("--stdin", "--stdin-filename", "piped.sql", stdin=b"\x00\x01\x02")
    assert result.exit_code == 2 and "piped.sql:1:1: binary file" in result.stderr


def test_mysql_lockwise_comment_is_not_a_lock_clause_regression() -> None:
    """Fuzz: in the MySQL pipeline `-- lockwise: ignore[...]` inside a statement was read as a
    `LOCK=WISE` clause and crashed with ValueError."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    sql = "ALTER TABLE users DROP COLUMN id\n-- lockwise: ignore[drop-column] reason: unused;\n"
    for dialect in ("mysql", "mariadb"):
        reports = lint_migrations([migration_from_text(sql, "0001_x.sql")],
                                  LintOptions(dialect=dialect))
        assert len(reports[0].statements) == 1


def test_a_template_placeholder_beside_a_deep_expression_regression() -> None:
    """Fuzz (fix-robust13): a placeholder in a statement nested 100 CASEs or 300 `1+(` deep
    crashed with RecursionError: the copy of the parse tree that names the placeholder
    recursed two frames a level, deeper than the walkers that analyze such a statement."""
    for sql in ("ALTER TABLE {{ .Schema }}.t ALTER COLUMN c TYPE int USING "
                + "CASE WHEN true THEN " * 100 + "1" + " END" * 100 + ";\n",
                "SELECT {{ .Schema }}, " + "1+(" * 300 + "1" + ")" * 300 + ";\n"):
        reports = lint_text(sql)
        assert [f.rule for f in reports[0].findings] == ["template-placeholder"]
        assert "tpl" in json.dumps(reports[0].statements[0].statement.tree)


@pytest.mark.parametrize("command", ["lint", "graph"])
def test_an_index_on_a_deep_expression_regression(tmp_path: Path, command: str) -> None:
    """Fuzz (fix-robust13): CREATE INDEX on an expression 150 CASEs deep crashed `lint` and
    `graph` with RecursionError: the catalog keeps the index's definition with its column
    references rewritten, by a copy that recursed two frames a level (lint's own replay
    caught it; the conflict graph's did not)."""
    write(tmp_path, "m/0001_x.sql", "CREATE TABLE t (c int);\nCREATE INDEX i ON t (("
          + "CASE WHEN true THEN " * 150 + "c" + " END" * 150 + "));\n")
    write(tmp_path, "m/0002_y.sql", "ALTER TABLE t RENAME COLUMN c TO d;\n")
    result = CliRunner().invoke(app, [command, str(tmp_path / "m")])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == (1 if command == "lint" else 0), result.output


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_mysql_statement_on_a_long_name_is_linted(dialect: str) -> None:
    """Fuzz (fix-robust13): `ALTER TABLE <a name 100,000 characters long> ADD COLUMN c ;`
    took minutes (timed in the campaign, docs/robustness.md, not here)."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    for sql in ("ALTER TABLE " + "t" * 3_000 + " ADD COLUMN c ;",
                "ALTER TABLE `" + "t" * 3_000 + "` ADD COLUMN c ;"):
        reports = lint_migrations([migration_from_text(sql, "0001_x.sql")],
                                  LintOptions(dialect=dialect))
        assert len(reports[0].statements) == 1


@pytest.mark.parametrize(("name", "after"), [
    ("tttt", "t"), ("db.tttt", "t"), ("`a``t`", "`t`"), ("`d`.`a``t`", "`t`")])
def test_a_mysql_name_pattern_never_gives_back_part_of_a_name(name: str, after: str) -> None:
    """Why the long name took minutes: the patterns that read ALTER TABLE's clauses the parser
    leaves as text matched a name or any of its prefixes, and a pattern failing after the name
    tried each prefix again, each with a scan of the rest. A name is now matched whole: no
    pattern can end it early to let what follows take its last part."""
    import re

    from lockwise.effects.mysql import _NAME

    assert re.fullmatch(_NAME, name) is not None
    assert re.fullmatch(rf"{_NAME}{re.escape(after)}", name) is None


def test_a_file_of_many_parse_errors_is_searched_for_dialect_markers_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fuzz (fix-robust13): each parse error searched the whole file again for MySQL's
    markers (for the hint at --dialect mysql): a 2 MB file of 2,000 errors took minutes."""
    from lockwise.parse import dialect_hint

    searched: list[int] = []

    class Counting:
        def search(self, text: str) -> None:
            searched.append(len(text))

    monkeypatch.setattr(dialect_hint, "_FILE_MARKERS", Counting())
    sql = "SELECT 1 +;\nSELECT (;\n" * 200
    reports = lint_text(sql)
    assert len([f for f in reports[0].findings if f.rule == "parse-error"]) == 400
    assert searched == [len(sql)]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("files", [1, 300], ids=["flushed-at-exit", "written-while-printing"])
def test_a_report_into_a_full_disk_is_a_clear_error(tmp_path: Path, files: int) -> None:
    import subprocess
    import sys

    for i in range(files):
        (tmp_path / f"{i:04d}_index.sql").write_text(f"CREATE INDEX i{i} ON t (a);\n")
    env = {**os.environ, "LOCKWISE_CACHE_DIR": "off"}
    with open("/dev/full", "w") as full:  # every write fails: No space left on device
        result = subprocess.run([sys.executable, "-m", "lockwise", "lint", "."], cwd=tmp_path,
                                env=env, stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "lockwise: error: No space left on device" in result.stderr


def test_golang_migrate_files_it_does_not_read_are_named(tmp_path: Path) -> None:
    """In a golang-migrate folder, a .sql file that is no `N_name.up.sql` (the `.up` left out)
    or a down file without its up is not read, by golang-migrate nor by lockwise: a note
    names each, instead of a migration missing from the report without a word."""
    root = tmp_path / "migrations"
    write(root, "1_a.up.sql", "CREATE TABLE a (id bigint);\n")
    write(root, "1_a.down.sql", "DROP TABLE a;\n")
    write(root, "2_b.down.sql", "DROP TABLE b;\n")
    write(root, "3_c.sql", "CREATE TABLE c (id bigint);\n")
    result = run(str(root))
    assert result.exit_code == 0
    assert (f"lockwise: note: {root}: 2_b.down.sql, 3_c.sql not read: golang-migrate reads "
            "N_name.up.sql files (N an unsigned 64-bit integer, `up` as written) and the "
            "N_*.down.sql of each version") in result.stderr, result.stderr
    assert "1_a" not in result.stderr


def test_each_statement_of_a_long_do_block_is_placed_at_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding of a DO block's statement points at its line of the body; the block's text
    is searched for its body and lines once, not once per statement (fix-robust14: a block of
    20,000 statements took a minute, searching its whole text for each)."""
    import lockwise.parse.plpgsql as plpgsql

    searched = []
    body_of = plpgsql.plpgsql_body
    monkeypatch.setattr(plpgsql, "plpgsql_body", lambda node: searched.append(1) or body_of(node))
    count = 1500
    path = write(tmp_path, "0001_drops.sql", "DO $$\nBEGIN\n" + "".join(
        f"  DROP TABLE t{i};\n" for i in range(count)) + "END $$;\n")
    _, doc = lint_json(path)
    drops = findings(doc, "drop-table")
    assert [(f["line"], f["column"]) for f in drops] == [(3 + i, 3) for i in range(count)]
    assert len(searched) < count / 10


def test_many_expression_indexes_and_updates_each_normalize_an_index_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each UPDATE of a table looks its WHERE up among the table's indexes; an index's
    expression is normalized once, not once per statement (fix-robust14: 2,000 expression
    indexes and 2,000 UPDATEs took minutes). Each UPDATE served by its own index is not
    reported; the one whose expression no index holds is."""
    from lockwise.effects.postgres import where_index

    normalized = []
    normalize = where_index._normalized
    monkeypatch.setattr(where_index, "_normalized",
                        lambda *args: normalized.append(1) or normalize(*args))
    count = 60
    write(tmp_path, "m/0001_indexes.sql",
          "CREATE TABLE t (id bigint PRIMARY KEY, b int, a varchar(20));\n" + "".join(
              f"CREATE INDEX i{i} ON t ((lower(a::text) || '{i}'));\n" for i in range(count)))
    write(tmp_path, "m/0002_updates.sql", "".join(
        f"UPDATE t SET b = 1 WHERE lower(a) || '{i}' = 'x';\n" for i in range(count))
        + "UPDATE t SET b = 1 WHERE upper(a) = 'X';\n")
    _, doc = lint_json(tmp_path / "m")
    assert [f["line"] for f in findings(doc, "where-without-index")] == [count + 1]
    assert len(normalized) < count * count / 4


def _procedure_web(count: int, fan: int, trigger_last: bool = False) -> str:
    """A trigger created first (`trigger_last`: after them), then `count` procedures, each
    calling the next `fan` (the last ones calling back to the first: cycles): the benchmark's
    input (bench/call_chains.py), smaller."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from call_chains import mysql_web

    return mysql_web(count, fan, trigger_last)


def _counted(monkeypatch: pytest.MonkeyPatch, module: object, name: str):
    """`module.name` replaced by a wrapper that counts its calls: the count (a list of one)
    and the wrapper."""
    count = [0]
    original = getattr(module, name)

    def counting(*args):
        count[0] += 1
        return original(*args)

    monkeypatch.setattr(module, name, counting)
    return count, counting


def test_a_trigger_walk_reads_each_body_statements_calls_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A walk from a trigger through procedures that call each other (cycles too) looks up
    what each body statement calls once, not once per path that reaches it: 300 procedures
    each calling 40 others took 15 s. The findings are those of the walk that looks each up
    at every path."""
    from lockwise import lint_mysql_programs

    path = write(tmp_path, "V1__web.sql", _procedure_web(30, 6))
    looked_up, counting = _counted(monkeypatch, lint_mysql_programs, "called_routines")
    _, kept = lint_json(path, "--dialect", "mariadb", "--no-cache")
    fewer = looked_up[0]
    # (the same walk, each statement's calls looked up again at every path)
    monkeypatch.setattr(lint_mysql_programs, "_calls", lambda walk, sql, tree, database:
                        counting(sql, tree, walk.catalog, database))
    looked_up[0] = 0
    _, again = lint_json(path, "--dialect", "mariadb", "--no-cache")
    assert kept == again
    assert fewer * 5 < looked_up[0]
    assert fewer < 40 * 31 * 8


def test_a_trigger_walk_classifies_each_body_statement_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trigger created after 30 procedures that call each other (cycles too) judges each
    body statement it reaches at its CREATE: each is classified (`compute_mysql_effect`) once
    while the catalog stays as it is, not once per path that reaches it. The findings are
    those of the walk that classifies each at every path."""
    from lockwise import lint_mysql_programs

    path = write(tmp_path, "V1__web.sql", _procedure_web(30, 6, trigger_last=True))
    classified, counting = _counted(monkeypatch, lint_mysql_programs, "compute_mysql_effect")
    _, kept = lint_json(path, "--dialect", "mariadb", "--no-cache")
    fewer = classified[0]
    # (the same walk, each statement classified again at every path)
    monkeypatch.setattr(lint_mysql_programs, "_effect", lambda walk, inner:
                        counting(inner, walk.catalog, walk.session))
    classified[0] = 0
    _, again = lint_json(path, "--dialect", "mariadb", "--no-cache")
    assert kept == again
    assert fewer * 5 < classified[0]
    assert fewer <= 31 * 7


def test_a_long_inheritance_chain_walks_up_only_where_a_cycle_may_be(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each CREATE TABLE ... INHERITS and ALTER TABLE ... INHERIT looks for a cycle above the
    parent, but only when the table is some table's parent already (fix-robust16: a chain
    of 4,000 walked the whole chain above each new table, 5 s). The cycle that closes the
    chain is still refused; counted, not timed."""
    from lockwise.catalog.model import Catalog

    walked = []
    ancestors = Catalog.ancestors
    monkeypatch.setattr(Catalog, "ancestors",
                        lambda self, table: walked.append(found := ancestors(self, table))
                        or found)
    count = 150
    write(tmp_path, "m/0001_chain.sql", "CREATE TABLE t0 (id int);\n" + "".join(
        f"CREATE TABLE t{i} () INHERITS (t{i - 1});\n" for i in range(1, count)) + "".join(
        f"CREATE TABLE u{i} (id int);\n" for i in range(count)) + "".join(
        f"ALTER TABLE u{i} INHERIT u{i - 1};\n" for i in range(1, count)))
    write(tmp_path, "m/0002_cycle.sql", f"ALTER TABLE t0 INHERIT t{count - 1};\n")
    _, doc = lint_json(tmp_path / "m")
    assert [f["line"] for f in findings(doc, "inheritance-cycle-refused")] == [1]
    assert sum(len(found) for found in walked) < 10 * count


def test_a_batch_directive_in_a_file_read_in_pieces_is_judged(tmp_path: Path) -> None:
    """A file over 256 KiB is parsed in pieces, its statements given their trees as lint
    reads them: a batch directive on a statement apply refuses to batch is still reported
    at its line (fix-robust16: a traceback, the statement judged without its tree)."""
    filler = "".join(f"UPDATE t SET w = {i} WHERE id = {i};\n" for i in range(9000))
    write(tmp_path, "m/0001_t.sql", "CREATE TABLE t (id bigint PRIMARY KEY, v int, w int);\n")
    write(tmp_path, "m/0002_big.sql", filler + "-- lockwise: batch size=10\n"
          "UPDATE t SET v = v + 1 WHERE v > (SELECT min(v) FROM t);\n")
    assert (tmp_path / "m/0002_big.sql").stat().st_size > 256 * 1024
    _, doc = lint_json(tmp_path / "m")
    assert [f["line"] for f in findings(doc, "misplaced-batch-directive")] == [9001]


def test_line_comments_in_a_mysql_definer_clause_regression() -> None:
    """fix-robust17: `CREATE DEFINER -- -- -- ...` (a line comment holding `-- `s, no `=`
    after it) took time doubling with each `-- `: the gap between two words could end a line
    comment anywhere and start another inside it (16: 21 s; 30: never ended). A comment now
    runs to its line's end, as the server reads it, so a word inside one is no keyword."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations
    from lockwise.parse.mysql_blocks import STORED_PROGRAM, definer_stop

    assert STORED_PROGRAM.match("CREATE -- EVENT e\nTABLE t (a int)") is None
    assert STORED_PROGRAM.match("CREATE # DEFINER = u\nEVENT e")["kind"] == "EVENT"
    hostile = "CREATE DEFINER " + "-- " * 40
    assert definer_stop(hostile + "x") is None and STORED_PROGRAM.match(hostile) is None
    sql = ("CREATE TABLE t (a int);\n" + hostile + "\n= u PROCEDURE p() SELECT 1;\n"
           + "CREATE " + "# " * 40 + "\nVIEW v AS SELECT 1;\n")
    for dialect in ("mysql", "mariadb"):
        reports = lint_migrations([migration_from_text(sql, "0001_x.sql")],
                                  LintOptions(dialect=dialect))
        assert len(reports[0].statements) == 3


def test_open_template_markers_are_read_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """fix-robust17: a line of `{%` or `{#` left open, or a `{{aaa...` never closed, took
    time growing with the square of its length (each marker read the rest of the file, two
    lazy runs tried every split; 10,000 of each in a file: 55 s); each `{{name}}` of a string
    of many looked at every placeholder found before it, and searched its string for a space
    again. Now each open kind is looked for once and a string's space once (counted)."""
    from lockwise.parse import templates

    count = 20_000
    assert templates.find_placeholders("SELECT '{{" + "a" * count + "';") == []
    for marker in ("{%", "{#"):
        assert templates.find_placeholders("SELECT '" + marker * count + "';") == []
    closed = templates.find_placeholders("{%" * count + " x %}{# y #}{{ .z }}")
    assert [(p.start, p.text[-4:], p.control) for p in closed] == [  # (the first to its end)
        (0, "x %}", True), (2 * count + 5, "y #}", True), (2 * count + 12, ".z }}"[-4:], False)]
    searches = []
    space = templates._SPACE
    monkeypatch.setattr(templates, "_SPACE", type("Counted", (), {
        "search": staticmethod(lambda *a: searches.append(a) or space.search(*a))}))
    names = templates.find_placeholders("SELECT 'a b " + "{{n}}" * 2000 + "';\n"
                                        + "SELECT '{{x}}.y';\n" * 2000)
    assert [p.text for p in names] == ["{{x}}"] * 2000
    assert len(searches) <= 2001


@pytest.mark.parametrize("command", ["lint", "graph", "fix"])
@pytest.mark.parametrize("execute", [
    "format('ALTER TABLE %I.t ALTER COLUMN c SET DEFAULT {deep}', s)",
    "'ALTER TABLE ' || quote_ident(s) || '.t ALTER COLUMN c SET DEFAULT {deep}'"])
def test_a_tenant_loop_running_a_deep_statement_regression(tmp_path: Path, command: str,
                                                           execute: str) -> None:
    """fix-robust17: a tenant loop's format string (or concatenation) holding an expression
    900 `1+(` deep crashed `lint`, `graph` and `fix` with RecursionError: the string is below
    the depth check of the statement around it, and the parse of each way to fill it in was
    read with json's recursive reader. Such a string is now not read: the block may reshape
    any table, as with any run-time SQL lockwise cannot read."""
    deep = "1+(" * 900 + "1" + ")" * 900
    write(tmp_path, "m/0001_x.sql", "CREATE TABLE t (c int);\nDO $$ DECLARE s text; BEGIN "
          "FOR s IN SELECT 'a' LOOP EXECUTE " + execute.format(deep=deep) + "; END LOOP; "
          "END $$;\nALTER TABLE t ADD COLUMN d int;\n")
    result = CliRunner().invoke(app, [command, str(tmp_path / "m")])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
    if command == "lint":
        assert "dynamic-sql-not-linted" in result.output
