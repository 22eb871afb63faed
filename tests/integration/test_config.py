"""Configuration files: discovery, every key, per-path overrides, precedence of flags, and
clear errors (exit 2) naming the file and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.config import find_config, load_config, load_file
from lockwise.core.types import Safety
from lockwise.parse.source import InputError

TABLE = "CREATE TABLE t (id int, v text);\n"
INDEX = "CREATE INDEX t_v ON t (v);\n"
DROP = "ALTER TABLE t DROP COLUMN v;\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with migrations in db/migrations; the working directory is its root."""
    migrations = tmp_path / "db" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "001_t.sql").write_text(TABLE)
    (migrations / "002_index.sql").write_text(INDEX)
    (migrations / "003_drop.sql").write_text(DROP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(*args: str):
    return CliRunner().invoke(app, ["lint", *args])


def rules_in(result) -> set[str]:
    doc = json.loads(result.stdout)
    return {f["rule"] for m in doc["migrations"]
            for f in m["findings"] + [f for s in m["statements"] for f in s["findings"]]}


def test_found_by_walking_up_from_the_working_directory(project: Path, monkeypatch) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[tool.lockwise]\nmigrations = ["db/migrations"]\n'
        'fail_on = "destructive"\n')
    nested = project / "src" / "app"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert find_config() == project / "pyproject.toml"
    result = lint("-f", "json")  # no path: the configured migrations, relative to the file
    doc = json.loads(result.stdout)
    assert [m["id"] for m in doc["migrations"]] == ["001_t", "002_index", "003_drop"]
    assert doc["fail_on"] == "destructive"
    assert result.exit_code == 1  # DROP COLUMN is destructive


def test_lockwise_toml_wins_over_pyproject_and_pyproject_without_table_is_skipped(
        project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert find_config(project) is None
    (project / "pyproject.toml").write_text('[tool.lockwise]\npg_version = 12\n')
    (project / "lockwise.toml").write_text("pg_version = 13\n")
    assert find_config(project) == project / "lockwise.toml"
    assert load_config(start=project).pg_version == 13


def test_every_key(project: Path) -> None:
    (project / "rules").mkdir()
    (project / "lockwise.toml").write_text("""
migrations = "db/migrations"
layout = "plain"
pg_version = 14
fail_on = "safe-with-care"
select = ["index-without-concurrently"]
ignore = ["drop-column"]
stats = "stats.json"
max_lock_seconds = 2.5
assume_in_transaction = true
rules_dir = ["rules"]
templates = "skip"

[[overrides]]
path = "db/migrations/003_*.sql"
ignore = ["missing-lock-timeout"]
fail_on = "destructive"
""")
    cfg = load_config(start=project)
    # Relative to the working directory (the project's root), as on the command line.
    assert cfg.migrations == [Path("db/migrations")]
    assert (project / cfg.migrations[0]).is_dir()
    assert (cfg.layout, cfg.pg_version, cfg.fail_on) == ("plain", 14, Safety.SAFE_WITH_CARE)
    assert (cfg.select, cfg.ignore) == (["index-without-concurrently"], ["drop-column"])
    assert cfg.stats == Path("stats.json") and cfg.max_lock_seconds == 2.5
    assert cfg.assume_in_transaction is True and cfg.rules_dir == [Path("rules")]
    assert cfg.templates == "skip"
    [override] = cfg.overrides
    assert override.matches("db/migrations/003_drop.sql")
    assert not override.matches("db/migrations/002_index.sql")
    assert override.fail_on == Safety.DESTRUCTIVE


def test_config_applies_and_flags_override_it(project: Path) -> None:
    (project / "lockwise.toml").write_text(
        'migrations = ["db/migrations"]\nignore = ["drop-column"]\nfail_on = "destructive"\n'
        "pg_version = 12\n")
    configured = lint("-f", "json")
    assert "drop-column" not in rules_in(configured)
    assert json.loads(configured.stdout)["pg_version"] == 12
    assert configured.exit_code == 0  # nothing destructive left, fail_on destructive
    flagged = lint("-f", "json", "--ignore", "index-without-concurrently", "--pg-version", "16",
                   "--fail-on", "requires-downtime")
    assert "drop-column" in rules_in(flagged)
    assert "index-without-concurrently" not in rules_in(flagged)
    assert json.loads(flagged.stdout)["pg_version"] == 16
    assert flagged.exit_code == 1
    explicit_path = lint("db/migrations/002_index.sql", "-f", "json")
    assert [m["id"] for m in json.loads(explicit_path.stdout)["migrations"]] == ["002_index"]


def test_per_path_overrides(project: Path) -> None:
    (project / "lockwise.toml").write_text(
        'migrations = ["db/migrations"]\n\n[[overrides]]\npath = "db/migrations/003_drop.sql"\n'
        'ignore = ["drop-column"]\n')
    result = lint("-f", "json")
    doc = json.loads(result.stdout)
    by_id = {m["id"]: m for m in doc["migrations"]}
    assert by_id["003_drop"]["safety"] != "destructive"
    assert "index-without-concurrently" in rules_in(result)
    assert result.exit_code == 1  # the index in 002 still fails
    (project / "lockwise.toml").write_text(
        'migrations = ["db/migrations"]\n\n[[overrides]]\npath = "db/**"\n'
        'fail_on = "destructive"\n')
    assert lint().exit_code == 1  # 003 is destructive
    (project / "lockwise.toml").write_text(
        'migrations = ["db/migrations"]\n\n[[overrides]]\npath = "db/**"\n'
        'fail_on = "destructive"\nignore = ["drop-column"]\n')
    assert lint().exit_code == 0  # the index (requires-downtime) is below the override's level
    (project / "lockwise.toml").write_text(
        'migrations = ["db/migrations"]\n\n[[overrides]]\npath = "db/**"\n'
        'select = ["index-without-concurrently"]\n')
    assert rules_in(lint("-f", "json")) == {"index-without-concurrently"}


def test_an_override_gives_the_migration_the_reason_a_global_ignore_gives(
        project: Path) -> None:
    """The reason shown for a migration is that of the findings left, never an ignored one's."""
    by_id = {m["id"]: m for m in json.loads(lint("-f", "json", "--ignore", "drop-column")
                                            .stdout)["migrations"]}
    (project / "lockwise.toml").write_text(
        'migrations = ["db/migrations"]\n\n[[overrides]]\npath = "db/migrations/003_drop.sql"\n'
        'ignore = ["drop-column"]\n')
    overridden = {m["id"]: m for m in json.loads(lint("-f", "json").stdout)["migrations"]}
    assert "column" not in overridden["003_drop"]["reason"]
    assert (overridden["003_drop"]["safety"], overridden["003_drop"]["reason"]) == \
        (by_id["003_drop"]["safety"], by_id["003_drop"]["reason"])


def test_an_override_selects_by_tag(project: Path) -> None:
    """`select` in an override names tags as the top-level `select` and --select do."""
    (project / "lockwise.toml").write_text(
        'migrations = ["db/migrations"]\n\n[[overrides]]\npath = "db/**"\n'
        'select = ["index"]\n')
    result = lint("-f", "json")
    assert rules_in(result) == {"index-without-concurrently"}
    assert result.exit_code == 1


def test_configured_fail_on_safe_is_applied(project: Path) -> None:
    """`safe` is the lowest level (0): it is a level set, not an unset one."""
    (project / "lockwise.toml").write_text('migrations = ["db/migrations"]\nfail_on = "safe"\n')
    assert json.loads(lint("-f", "json").stdout)["fail_on"] == "safe"


def test_stdin_filename_is_matched_by_overrides(project: Path) -> None:
    (project / "lockwise.toml").write_text(
        '[[overrides]]\npath = "db/legacy/*.sql"\nignore = ["drop-column"]\n')
    sql = DROP
    legacy = CliRunner().invoke(app, ["lint", "--stdin", "--stdin-filename",
                                      "db/legacy/003.sql", "-f", "json"], input=sql)
    assert "drop-column" not in rules_in(legacy)
    other = CliRunner().invoke(app, ["lint", "--stdin", "--stdin-filename",
                                     "db/migrations/003.sql", "-f", "json"], input=sql)
    assert "drop-column" in rules_in(other)
    assert json.loads(other.stdout)["migrations"][0]["path"] == "db/migrations/003.sql"


@pytest.mark.parametrize(("text", "key", "line", "fragment"), [
    ("pg_version = 16\nfail-on = 'safe'\n", "fail-on", 2,
     "unknown key `fail-on` in lockwise.toml (did you mean `fail_on`?)"),
    ("pg_version = 9\n", "pg_version", 1, "`pg_version` must be an integer from 11 to 18"),
    ("pg_version = '16'\n", "pg_version", 1, "`pg_version` must be"),
    ("fail_on = 'risky'\n", "fail_on", 1, "unknown safety level 'risky'"),
    ("\nlayout = 'rails'\n", "layout", 2, "`layout` must be one of"),
    ("select = 3\n", "select", 1, "`select` must be a string or a list of strings"),
    ("ignore = ['drop-colum']\n", "ignore", 1, "unknown rule 'drop-colum' in `ignore`"),
    ("max_lock_seconds = -1\n", "max_lock_seconds", 1, "a positive number"),
    ("max_lock_seconds = nan\n", "max_lock_seconds", 1, "a positive number"),
    ("max_lock_seconds = inf\n", "max_lock_seconds", 1, "a positive number"),
    ("assume_in_transaction = 'yes'\n", "assume_in_transaction", 1, "true or false"),
    ("templates = 'render'\n", "templates", 1, "one of substitute, skip, error"),
    ("overrides = { path = 'x' }\n", "overrides", 1, "an array of tables ([[overrides]])"),
    # One pair of brackets too few: a table, written on its header's line.
    ("fail_on = 'safe'\n\n[overrides]\npath = 'x'\n", "overrides", 3,
     "an array of tables ([[overrides]])"),
    ("fail_on = 'safe'\n[ overrides.db ]\npath = 'x'\n", "overrides", 2,
     "an array of tables ([[overrides]])"),
    ("select = ['set-not-nul']\n", "select", 1,
     "unknown rule 'set-not-nul' in `select` (did you mean `set-not-null`?)"),
    ("[[overrides]]\nignore = ['drop-column']\n", "path", 1, "overrides[1] needs `path`"),
    ("[[overrides]]\npath = 'a'\nfail = 'x'\n", "fail", 3,
     "unknown key `fail` in lockwise.toml overrides[1]"),
    ("pg_version = \n", None, 1, "invalid TOML"),
    # A path no file system takes (a traceback), or none at all (the config's own folder:
    # its lockwise.toml was read as a rule file).
    ("pg_version = 16\nmigrations = ['db', \"a\\u0000b\"]\n", "migrations", 2,
     "`migrations` must name paths, not 'a\\x00b'"),
    ("rules_dir = ''\n", "rules_dir", 1, "`rules_dir` must name paths, not ''"),
    ("stats = ' '\n", "stats", 1, "`stats` must name paths, not ' '"),
    ("profile = \"\\u0000\"\n", "profile", 1, "`profile` must name paths, not '\\x00'"),
    ("pg_version = 16\nflyway_config_files = ['conf/none.conf']\n", "flyway_config_files", 2,
     "`flyway_config_files` names conf/none.conf, which is not a file"),
    ("pg_version = 16\n\nflyway_working_directory = 'none'\n", "flyway_working_directory", 3,
     "`flyway_working_directory` names none, which is not a folder"),
    ("flyway_install_dir = ['tools']\n", "flyway_install_dir", 1,
     "`flyway_install_dir` must be a path (string)"),
    ("pg_version = 16\nflyway_args = ['migrate', '-mixed=yes']\n", "flyway_args", 2,
     "`flyway_args` gives -mixed=yes: Flyway takes only true or false"),
    ("flyway_working_directory = 'db'\nflyway_args = ['-workingDirectory=db']\n",
     "flyway_args", 2, "`flyway_args` gives -workingDirectory and `flyway_working_directory` "
     "sets it too"),
    ("flyway_args = ['-configFiles=conf/none.toml']\n", "flyway_args", 1,
     "`flyway_args` names conf/none.toml, which is not a file"),
    ("flyway_args = 3\n", "flyway_args", 1, "`flyway_args` must be a string or a list"),
    # A name longer than the system allows: the key, not an OSError at the path
    # (fix-layouts18).
    (f"pg_version = 16\nflyway_working_directory = '{'w' * 300}'\n",
     "flyway_working_directory", 2, "which the system refuses to look at (File name too long"),
    (f"flyway_install_dir = '{'i' * 300}'\n", "flyway_install_dir", 1,
     "which the system refuses to look at (File name too long"),
    (f"\nflyway_config_files = '{'c' * 300}.toml'\n", "flyway_config_files", 2,
     "which the system refuses to look at (File name too long"),
    # An override's key is placed in its own table and named as the entry's, not taken for
    # the top-level key of the same name.
    ("fail_on = 'safe'\n\n[[overrides]]\npath = 'db/*'\nfail_on = 'x'\n", "fail_on", 5,
     "`overrides[1].fail_on`: unknown safety level 'x'"),
    ("select = []\n[[overrides]]\npath = 'a'\nselect = ['x']\n[[overrides]]\npath = 'b'\n"
     "\nselect = 3\n", "select", 8, "`overrides[2].select` must be a string or a list"),
    ("ignore = []\n[[overrides]]\npath = 'a'\n[[overrides]]\npath = 'b'\n"
     "ignore = ['drop-colum']\n", "ignore", 6,
     "unknown rule 'drop-colum' in `overrides[2].ignore`"),
    ("fail_on = 'safe'\n[[overrides]]\npath = 'a'\n[[overrides]]\nselect = []\n", "path", 4,
     "overrides[2] needs `path`"),
    ("fail_on = 'safe'\noverrides = [{path = 'a'}, {path = 'b', fail_on = 'x'}]\n", "fail_on",
     2, "`overrides[2].fail_on`: unknown safety level"),
])
def test_bad_config_is_a_clear_error(project: Path, text: str, key: str | None, line: int,
                                     fragment: str) -> None:
    (project / "lockwise.toml").write_text(text)
    result = lint("db/migrations")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith(f"lockwise: error: lockwise.toml:{line}:"), message
    assert fragment in message
    assert "Traceback" not in result.output


def test_flyway_config_files_of_both_kinds_are_an_error_at_the_key(project: Path) -> None:
    """Flyway refuses `-configFiles` naming TOML and conf files together: the config says so
    at its key, whatever is linted."""
    (project / "conf").mkdir()
    (project / "conf" / "a.toml").write_text("[flyway]\n")
    (project / "conf" / "b.conf").write_text("flyway.mixed=true\n")
    (project / "lockwise.toml").write_text(
        "pg_version = 16\nflyway_config_files = ['conf/a.toml', 'conf/b.conf']\n")
    result = lint("db/migrations")
    assert result.exit_code == 2
    assert result.stderr.startswith("lockwise: error: lockwise.toml:2:")
    assert "names TOML and .conf config files together (conf/a.toml and conf/b.conf)" in \
        result.stderr


def test_pyproject_errors_name_the_table(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.lockwise]\nfail_on = 'x'\nbogus = 1\n")
    with pytest.raises(InputError) as err:
        load_file(project / "pyproject.toml")
    assert "unknown key `bogus` in [tool.lockwise]" in err.value.message
    assert err.value.line == 3


def test_pyproject_overrides_written_as_a_table_name_the_pyproject_header(
        project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.lockwise]\nfail_on = 'safe'\n\n[tool.lockwise.overrides]\npath = 'a'\n")
    with pytest.raises(InputError) as err:
        load_file(project / "pyproject.toml")
    assert "an array of tables ([[tool.lockwise.overrides]])" in err.value.message
    assert err.value.line == 4


def test_pyproject_override_errors_point_at_the_entry(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.lockwise]\nfail_on = 'safe'\n\n[[tool.lockwise.overrides]]\npath = 'a'\n"
        "fail_on = 'nope'\n")
    with pytest.raises(InputError) as err:
        load_file(project / "pyproject.toml")
    assert "`overrides[1].fail_on`" in err.value.message
    assert err.value.line == 6


def test_explicit_config_file(project: Path) -> None:
    (project / "ci.toml").write_text("fail_on = 'destructive'\nmigrations = 'db/migrations'\n")
    (project / "lockwise.toml").write_text("fail_on = 'safe'\n")
    result = lint("--config", "ci.toml", "-f", "json")
    assert json.loads(result.stdout)["fail_on"] == "destructive"
    missing = lint("--config", "nope.toml")
    assert missing.exit_code == 2 and "nope.toml" in missing.stderr
    assert "no such file" in missing.stderr
    (project / "a-folder.toml").mkdir()
    folder = lint("--config", "a-folder.toml")
    assert folder.exit_code == 2 and "a-folder.toml: config: not a regular file" in \
        folder.stderr
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    no_table = lint("--config", "pyproject.toml")
    assert no_table.exit_code == 2 and "no [tool.lockwise] table" in no_table.stderr
    # Another name: its errors name that file, not lockwise.toml.
    (project / "ci-strict.toml").write_text("fail_on = 'safe'\nfail-on = 'x'\n\n[overrides]\n")
    other = lint("--config", "ci-strict.toml")
    assert other.exit_code == 2
    assert "unknown key `fail-on` in ci-strict.toml (did you mean `fail_on`?)" in other.stderr
    (project / "ci-strict.toml").write_text("[overrides]\npath = 'x'\n")
    table = lint("--config", "ci-strict.toml")
    assert "ci-strict.toml:1:1: config: `overrides` must be an array of tables " \
        "([[overrides]])" in table.stderr


def test_configured_stats_and_max_lock_seconds_reach_the_cost_model(project: Path) -> None:
    from lockwise.cost.stats import Stats, TableStats

    stats = Stats({"public.t": TableStats(name="public.t", rows=50_000_000,
                                          heap_bytes=8_000_000_000)})
    (project / "stats.json").write_text(stats.to_json())
    (project / "lockwise.toml").write_text(
        'migrations = "db/migrations"\nstats = "stats.json"\nmax_lock_seconds = 1\n')
    doc = json.loads(lint("-f", "json").stdout)
    index = next(m for m in doc["migrations"] if m["id"] == "002_index")
    assert index["estimated_seconds"] is not None and index["estimated_seconds"] > 1
    assert "lock-held-too-long" in rules_in(lint("-f", "json"))
    (project / "lockwise.toml").write_text('migrations = "db/migrations"\nstats = "none.json"\n')
    missing = lint()
    assert missing.exit_code == 2 and "none.json" in missing.stderr


# --- every command reads the config (found by an audit: only lint did) ----------------------

REPO = Path(__file__).resolve().parent.parent.parent


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_fix_plans_for_the_configured_pg_version(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL 11 scans for SET NOT NULL even with a validated CHECK: the configured
    version must reach the plan, and --pg-version still wins over it."""
    import shutil

    shutil.copytree(REPO / "fixtures/fix/set-not-null", tmp_path / "db")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lockwise.toml").write_text('pg_version = 11\nmigrations = ["db"]\n')
    configured = run("fix")
    assert configured.exit_code == 1
    assert "PostgreSQL 11 scans the table for SET NOT NULL" in configured.stderr
    assert "+ALTER TABLE accounts ALTER COLUMN email SET NOT NULL" not in configured.stdout
    flag = run("fix", "--pg-version", "16")
    assert "PostgreSQL 11" not in flag.stderr
    assert "+ALTER TABLE accounts ALTER COLUMN email SET NOT NULL" in flag.stdout
    # The configured `ignore` leaves the rule's finding, so nothing is rewritten.
    (tmp_path / "lockwise.toml").write_text('migrations = ["db"]\nignore = ["set-not-null"]\n')
    ignored = run("fix")
    assert "fixes set-not-null" not in ignored.stderr


def test_graph_reads_the_configured_directory_ignore_and_fail_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    shutil.copytree(REPO / "fixtures/conflicts/duplicate-version", tmp_path / "db")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lockwise.toml").write_text('migrations = ["db"]\nfail_on = "safe"\n')
    found = run("graph")
    assert found.exit_code == 1 and "have version 001" in found.stdout
    (tmp_path / "lockwise.toml").write_text(
        'migrations = ["db"]\nfail_on = "safe"\nignore = ["duplicate-version"]\n')
    ignored = run("graph")
    assert ignored.exit_code == 0 and "have version 001" not in ignored.stdout
    # The command line wins: another --fail-on; --ignore of a typo is a usage error.
    assert run("graph", "--fail-on", "destructive", "--ignore", "missing-object",
               ).exit_code == 0
    assert run("graph", "--ignore", "duplicate-versoin").exit_code == 2


@pytest.mark.parametrize("command", [
    ["verify"], ["status", "--dsn", "postgresql://nobody@127.0.0.1:1/none"],
    ["apply", "--dsn", "postgresql://nobody@127.0.0.1:1/none"],
    ["rollback", "--dsn", "postgresql://nobody@127.0.0.1:1/none"],
])
def test_verify_and_the_executor_read_the_configured_directory_and_layout(
        project: Path, command: list[str]) -> None:
    (project / "lockwise.toml").write_text('migrations = ["db/migrations"]\nlayout = "flyway"\n')
    result = run(*command)
    assert result.exit_code == 2
    assert "no flyway migrations found" in result.stderr
    # A folder has no line or column to point at.
    assert "db/migrations: no flyway migrations found" in result.stderr
    # A broken config is an input error for every command, not ignored.
    (project / "lockwise.toml").write_text('layout = "nope"\n')
    broken = run(*command)
    assert broken.exit_code == 2 and "lockwise.toml" in broken.stderr
    # --layout on the command line wins over the config.
    (project / "lockwise.toml").write_text('migrations = ["db/migrations"]\nlayout = "flyway"\n')
    flag = run(*command, "--layout", "golang-migrate")
    assert flag.exit_code == 2 and "no golang-migrate migrations found" in flag.stderr


@pytest.mark.parametrize("key", ["stats", "profile"])
def test_a_configured_file_that_cannot_be_read_names_the_config_key(project: Path,
                                                                    key: str) -> None:
    """`stats = "ops/stats.json"` whose file is missing said only `ops/stats.json:1:1: no such
    file or directory`: nothing on the command line names that file, so the error says which
    config key does, and where."""
    (project / "lockwise.toml").write_text(f'migrations = ["db/migrations"]\n{key} = '
                                           '"ops/missing.json"\n')
    result = lint()
    assert result.exit_code == 2, result.output
    assert f"lockwise.toml:2:1: config: `{key}`" in result.stderr, result.stderr
    assert "missing.json" in result.stderr and "no such file" in result.stderr


#: Every command that reads rules, as run in `project` (no database: each fails before one).
RULE_READERS = [("lint",), ("rules",), ("explain", "drop-table"), ("graph",), ("fix",),
                ("apply", "--dry-run"), ("status",), ("rollback",)]
#: Every command that reads migrations from the config's `migrations` when given no path.
MIGRATION_READERS = [("lint",), ("graph",), ("fix",), ("verify",), ("trace",),
                     ("apply", "--dry-run"), ("status",), ("rollback",)]


@pytest.mark.parametrize("command", RULE_READERS, ids=" ".join)
def test_every_command_names_the_config_key_of_a_missing_rules_dir(
        project: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    """`graph` and `fix` said only `nosuch: no such file or directory` where lint said which
    config key names that folder: every command says it the same way, with the path as the
    config wrote it."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (project / "lockwise.toml").write_text('migrations = ["db/migrations"]\n'
                                           'rules_dir = "nosuch"\n')
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == ("lockwise: error: lockwise.toml:2:1: config: `rules_dir` "
                                     "names nosuch: no such file or directory"), result.stderr


@pytest.mark.parametrize("command", MIGRATION_READERS, ids=" ".join)
def test_every_command_names_the_config_key_of_a_missing_migrations_folder(
        project: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    """`migrations = ["nosuch"]` said only `nosuch: no such file or directory` in every command:
    nothing on the command line names that path, so the error says which config key does."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (project / "lockwise.toml").write_text('pg_version = 16\nmigrations = ["nosuch"]\n')
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == ("lockwise: error: lockwise.toml:2:1: config: "
                                     "`migrations` names nosuch: no such file or directory"), \
        result.stderr


@pytest.mark.parametrize("made", ["", "file"])
def test_a_configured_rules_dir_that_is_no_folder_names_the_config_key(project: Path,
                                                                       made: str) -> None:
    """`rules_dir = "ops/rules"` that is missing (or a file) said only `ops/rules: no such file
    or directory`: nothing on the command line names that folder, so the error says which
    config key does, and where; given with --rules-dir, the path alone is the message."""
    if made:
        (project / "ops").mkdir()
        (project / "ops" / "rules").write_text("")
    (project / "lockwise.toml").write_text('migrations = ["db/migrations"]\n'
                                           'rules_dir = "ops/rules"\n')
    for result in (lint(), run("rules"), run("explain", "drop-table")):
        assert result.exit_code == 2, result.output
        assert "lockwise.toml:2:1: config: `rules_dir` names " in result.stderr, result.stderr
        assert "rules" in result.stderr and result.stdout == ""
    flag = lint("--rules-dir", "ops/rules")
    assert flag.exit_code == 2 and "lockwise.toml" not in flag.stderr, flag.stderr


@pytest.mark.parametrize(("key", "written"), [
    ("migrations", '["db/nosuch"]'), ("rules_dir", '"db/nosuch"'), ("stats", '"db/nosuch"'),
    ("profile", '"./db/nosuch"')])
@pytest.mark.parametrize("how", ["nearest", "--config"])
def test_a_configured_path_is_named_as_written_from_a_subfolder(
        project: Path, monkeypatch: pytest.MonkeyPatch, key: str, written: str,
        how: str) -> None:
    """Run from `db/`, `migrations = ["db/nosuch"]` was said as `names nosuch` (the path from
    the working directory), which is not what the config says nor where it looks: the error
    at the config's key names the path as the key wrote it, resolved from the config file."""
    prefix = "" if key == "migrations" else 'migrations = ["db/migrations"]\n'
    (project / "lockwise.toml").write_text(f"{prefix}{key} = {written}\n")
    monkeypatch.chdir(project / "db")
    config = ["--config", "../lockwise.toml"] if how == "--config" else []
    result = lint(*config)
    assert result.exit_code == 2, result.output
    shown = "../lockwise.toml" if how == "--config" else str(project / "lockwise.toml")
    line = 1 if key == "migrations" else 2
    assert result.stderr.strip() == (
        f"lockwise: error: {shown}:{line}:1: config: `{key}` names db/nosuch: no such file or "
        "directory"), result.stderr
    # Resolved from the config file all the same: there, it is read.
    (project / "db" / "nosuch").mkdir()
    if key in ("stats", "profile"):
        return
    found = lint(*config)
    assert found.exit_code in (0, 1) and "no such file" not in found.stderr, found.output


#: Every command that reads the config, as run in `project`, each stopped before a database
#: (an address nothing listens at: what is said first is the config's error).
NOWHERE = ("--dsn", "postgresql://nobody@127.0.0.1:1/none")
CONFIG_READERS = [*RULE_READERS, ("repair", *NOWHERE), ("baseline", "001", *NOWHERE),
                  ("stats", *NOWHERE), ("verify", *NOWHERE), ("trace", *NOWHERE)]


@pytest.mark.parametrize("command", CONFIG_READERS, ids=lambda c: c[0])
@pytest.mark.parametrize(("made", "said"), [
    ("", "config: `rules_dir` names ops/rules: no such file or directory"),
    ("file", "config: `rules_dir` names ops/rules: not a directory"),
    ("broken", "ops/rules/mine.toml:1:1: rule file is missing 'title'")],
    ids=["missing", "file", "broken"])
def test_every_command_that_reads_the_config_refuses_a_bad_rules_dir(
        project: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], made: str,
        said: str) -> None:
    """`verify`, `trace` (and `stats`, `repair`, `baseline`) read no rules, and ran with a
    `rules_dir` that lint refuses: a config is broken for every command or for none."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if made == "file":
        (project / "ops").mkdir()
        (project / "ops" / "rules").write_text("")
    elif made == "broken":
        (project / "ops" / "rules").mkdir(parents=True)
        (project / "ops" / "rules" / "mine.toml").write_text('id = "mine"\n')
    (project / "lockwise.toml").write_text('migrations = ["db/migrations"]\n'
                                           'rules_dir = "ops/rules"\n')
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert said in result.stderr.strip().splitlines()[-1], result.stderr
    assert "Traceback" not in result.output and "connect" not in result.stderr


@pytest.mark.parametrize("command", CONFIG_READERS, ids=lambda c: c[0])
@pytest.mark.parametrize(("text", "line", "said"), [
    ("select = ['set-not-nul']\n", 2, "unknown rule 'set-not-nul' in `select` (did you mean "
                                      "`set-not-null`?)"),
    ("ignore = ['drop-colum']\n", 2, "unknown rule 'drop-colum' in `ignore`"),
    ("\n[[overrides]]\npath = 'db/**'\nignore = ['nope']\n", 5,
     "unknown rule 'nope' in `overrides[1].ignore`")], ids=["select", "ignore", "override"])
def test_every_command_that_reads_the_config_refuses_an_unknown_rule_in_it(
        project: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], text: str,
        line: int, said: str) -> None:
    """`rules`, `explain`, `status`, `verify`, `trace` ... ran with a config whose `select`
    lint refuses (a typo there selects nothing): the same error, exit 2, in each."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (project / "lockwise.toml").write_text(f'migrations = ["db/migrations"]\n{text}')
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"lockwise: error: lockwise.toml:{line}:1: config: {said}"), result.stderr


@pytest.mark.parametrize(("glob", "said"), [
    ("db/migrations/00[12]*", "`[`"), ("db/{migrations,legacy}/**", "`{`"),
    ("../db/migrations/**", "`..`")])
@pytest.mark.parametrize("command", [("lint",), ("graph",), ("fix",), ("status", *NOWHERE)],
                         ids=lambda c: c[0])
def test_an_override_glob_that_can_match_nothing_meant_is_refused(
        project: Path, monkeypatch: pytest.MonkeyPatch, glob: str, said: str,
        command: tuple[str, ...]) -> None:
    """A character class or alternatives (which lockwise's globs do not have) were matched
    as the text itself, and a path above the config's folder matched no migration: the
    override silently did nothing, and the migrations it meant to relax failed the run."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (project / "lockwise.toml").write_text(
        f'migrations = ["db/migrations"]\n\n[[overrides]]\npath = "{glob}"\n'
        'ignore = ["drop-column"]\n')
    result = run(*command)
    assert result.exit_code == 2, result.output
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("lockwise: error: lockwise.toml:4:1: config: "
                              "`overrides[1].path`"), message
    assert said in message, message


def test_an_override_glob_of_stars_is_read(project: Path) -> None:
    (project / "lockwise.toml").write_text(
        'migrations = ["db/migrations"]\n\n[[overrides]]\npath = "db/*/00?_drop.sql"\n'
        'ignore = ["drop-column"]\n')
    result = lint("-f", "json")
    assert result.exit_code == 1, result.output  # the index build still counts
    assert "drop-column" not in rules_in(result)


#: The config keys only the MySQL/MariaDB pipeline reads, each with a value and the start of
#: what the error says it is.
MYSQL_ONLY_KEYS = [("server_version", '"8.0.29"',
                    "is the MySQL/MariaDB server version (PostgreSQL's is `pg_version`)"),
                   ("character_set_server", '"latin1"',
                    "is the MySQL/MariaDB server's default character set")]


@pytest.mark.parametrize(("key", "value", "what"), MYSQL_ONLY_KEYS,
                         ids=[k for k, _, _ in MYSQL_ONLY_KEYS])
@pytest.mark.parametrize("command", CONFIG_READERS, ids=lambda c: c[0])
def test_a_mysql_only_key_for_postgresql_migrations_is_refused(
        project: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], key: str,
        value: str, what: str) -> None:
    """`server_version` and `character_set_server` are MySQL's or MariaDB's: with the
    dialect left to PostgreSQL they were read by nothing (`character_set_server` in silence
    after `server_version` was refused), and the MySQL migrations they were written for were
    linted as PostgreSQL's, the dialect the config forgot. As `--server-version` alone is
    refused. Every command that reads the config says it alike (fix-mysql68: `rules`,
    `explain`, `stats` ... ran with it), before it reaches a database."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (project / "lockwise.toml").write_text(f'migrations = ["db/migrations"]\n{key} = {value}\n')
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert "connect" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"lockwise: error: lockwise.toml:2:1: config: `{key}` {what}, and these migrations "
        "are read as PostgreSQL's"), result.stderr
    assert "Traceback" not in result.output
    # Said with the dialect, it is read.
    (project / "lockwise.toml").write_text(f'migrations = ["db/migrations"]\n{key} = {value}\n'
                                           'dialect = "mysql"\n')
    assert key not in run("lint").stderr
    if command[0] == "lint":  # the dialect given for this run
        (project / "lockwise.toml").write_text(f"{key} = {value}\n")
        assert run("lint", "--dialect", "mysql", "db/migrations").exit_code in (0, 1)


def test_graph_refuses_an_unknown_rule_in_the_config_when_ignore_is_given(
        project: Path) -> None:
    """`graph --ignore KIND` skipped the check of the config's rule names (its own copy of it
    did): the config whose `ignore` lint refuses ran. The same error at the key as without
    the flag, and as every other command says it."""
    (project / "lockwise.toml").write_text('migrations = ["db/migrations"]\n'
                                           "ignore = ['drop-colum']\n")
    for result in (run("graph"), run("graph", "--ignore", "duplicate-version")):
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().splitlines()[-1].startswith(
            "lockwise: error: lockwise.toml:2:1: config: unknown rule 'drop-colum' in "
            "`ignore`"), result.stderr


#: The config keys only the PostgreSQL pipeline (or PostgreSQL-only command) reads.
POSTGRESQL_ONLY_KEYS = [("pg_version", "15"), ("stats", '"stats.json"'),
                        ("max_lock_seconds", "2.0"), ("profile", '"profile.json"'),
                        ("assume_in_transaction", "true"), ("templates", '"skip"'),
                        ("history_table", '"lockwise.history"'),
                        ("allow_out_of_order", "true")]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb", "MySQL"])
@pytest.mark.parametrize(("key", "value"), POSTGRESQL_ONLY_KEYS, ids=[k for k, _ in
                                                                     POSTGRESQL_ONLY_KEYS])
def test_a_postgresql_only_key_beside_a_mysql_dialect_is_refused(
        project: Path, key: str, value: str, dialect: str) -> None:
    """`dialect = "mysql"` with `pg_version = 15` (or `stats`, `templates` ...) was accepted
    in silence: nothing reads those keys for MySQL or MariaDB migrations (lint refuses the
    same flags with --dialect mysql). An error at the key, for every command."""
    (project / "lockwise.toml").write_text(f'dialect = "{dialect}"\n{key} = {value}\n'
                                           'migrations = ["db/migrations"]\n')
    for result in (lint(), run("rules")):
        assert result.exit_code == 2, result.output
        message = result.stderr.strip().splitlines()[-1]
        assert message.startswith(f"lockwise: error: lockwise.toml:2:1: config: `{key}` "), \
            message
        assert f'dialect = "{dialect.lower()}"' in message, message
    # Without the dialect (or with PostgreSQL's), the key is read.
    (project / "lockwise.toml").write_text(f'dialect = "pg"\n{key} = {value}\n')
    assert load_config().dialect == "postgresql"


@pytest.mark.parametrize(("key", "value", "what"), MYSQL_ONLY_KEYS,
                         ids=[k for k, _, _ in MYSQL_ONLY_KEYS])
def test_a_mysql_only_key_beside_the_postgresql_dialect_is_refused(
        project: Path, key: str, value: str, what: str) -> None:
    """`dialect = "postgresql"` said, `server_version` (or `character_set_server`) is read by
    nothing: an error at that key for every command, `rules` too (the command line cannot
    make it MySQL's then)."""
    (project / "lockwise.toml").write_text(f'dialect = "postgresql"\n{key} = {value}\n')
    for result in (lint("--dialect", "mysql", "db/migrations"), run("rules")):
        assert result.exit_code == 2, result.output
        message = result.stderr.strip().splitlines()[-1]
        assert message.startswith("lockwise: error: lockwise.toml:2:1: config: "
                                  f"`{key}` {what}"), message
        assert 'dialect = "postgresql"' in message, message


@pytest.mark.parametrize("command", [("lint",), ("graph",), ("fix",)], ids=lambda c: c[0])
def test_no_migrations_in_a_configured_folder_names_it_as_written(
        project: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    """Run from `db/`, `migrations = ["db/empty"]` with nothing in it was noted `no migrations
    found in empty` (the path from the working directory): named as the config wrote it, as
    the errors at its key are; a folder given on the command line is named as given."""
    (project / "db" / "empty").mkdir()
    (project / "lockwise.toml").write_text('migrations = ["db/empty"]\n')
    monkeypatch.chdir(project / "db")
    result = run(*command)
    assert result.exit_code == 0, result.output
    assert "lockwise: no migrations found in db/empty" in result.stderr, result.stderr
    flag = run(*command, "empty")
    assert "lockwise: no migrations found in empty\n" in flag.stderr, flag.stderr


def test_a_configured_migrations_path_too_long_for_the_system_is_an_error_at_the_key(
        project: Path) -> None:
    """Was an OS error at the path (exit 2 without the config's place): now at the key."""
    (project / "lockwise.toml").write_text(f"pg_version = 16\nmigrations = ['{'m' * 300}']\n")
    result = CliRunner().invoke(app, ["lint"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("lockwise: error: lockwise.toml:2:1: config: `migrations` "
                                    "names "), result.stderr
    assert "File name too long" in result.stderr and "Traceback" not in result.output
