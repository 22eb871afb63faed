"""The `lockwise lint` command: reports, exit codes and input errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from lockwise.cli.app import app

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = "fixtures/migrations"


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def run(*args: str, stdin: str | bytes | None = None):
    return CliRunner().invoke(app, list(args), input=stdin)


def test_examples_json_report_snapshot(snapshot) -> None:
    result = run("lint", EXAMPLES, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    doc["tool"]["version"] = "<version>"
    assert doc == snapshot


def test_examples_text_report_snapshot(snapshot) -> None:
    result = run("lint", EXAMPLES, "--no-color")
    assert result.exit_code == 1
    assert result.stdout == snapshot


def test_json_statement_fields() -> None:
    doc = json.loads(run("lint", EXAMPLES, "--format", "json").stdout)
    by_id = {m["id"]: m for m in doc["migrations"]}
    index = by_id["0003_index_orders_by_account"]
    assert index["safety"] == "requires-downtime"
    (stmt,) = index["statements"]
    assert stmt["line"] == 2 and stmt["column"] == 1
    assert stmt["action"] == "create_index"
    assert stmt["locks"] == {"public.orders": "ShareLock"}
    assert stmt["blocks"] == {"public.orders": ["writes", "ddl"]}
    assert stmt["scans_table"] is True and stmt["rewrites_table"] is False
    assert stmt["findings"][0]["rule"] == "index-without-concurrently"
    assert "CREATE INDEX CONCURRENTLY" in stmt["findings"][0]["instead"]
    rewrite = by_id["0006_orders_total_bigint"]["statements"][1]
    assert rewrite["rewrites_table"] is True and rewrite["rewrites"] == ["public.orders"]


def test_exit_code_follows_fail_on() -> None:
    assert run("lint", EXAMPLES, "--fail-on", "destructive").exit_code == 0
    assert run("lint", EXAMPLES, "--fail-on", "safe-with-care").exit_code == 1


def test_clean_migration_exits_zero() -> None:
    result = run("lint", "--stdin", stdin="CREATE TABLE t (id bigint);")
    assert result.exit_code == 0, result.output


def test_stdin_filename_is_reported() -> None:
    result = run("lint", "--stdin", "--stdin-filename", "db/0042_x.sql", "--format", "json",
                 stdin="CREATE INDEX i ON t (a);")
    doc = json.loads(result.stdout)
    assert doc["migrations"][0]["path"] == "db/0042_x.sql"
    assert result.exit_code == 1


@pytest.mark.parametrize(("args", "option", "what"), [
    (["--stdin", EXAMPLES], "--stdin", "give no paths with it"),
    ([EXAMPLES, "--stdin-filename", "db/x.sql"], "--stdin-filename", "--stdin, which is not"),
    ([EXAMPLES, "--server-version", "8.0.28"], "--server-version", "use --pg-version"),
    (["--stdin", "--base", "main"], "--base", "compares directories"),
    (["--stdin", "--stdin-filename", " "], "--stdin-filename", "is empty"),
])
def test_flags_that_would_be_dropped_are_usage_errors(args: list[str], option: str,
                                                      what: str) -> None:
    """--stdin with a path ignored the path, --stdin-filename without --stdin and
    --server-version with PostgreSQL were ignored, an empty --stdin-filename named the input
    `.`: each is a usage error now."""
    result = run("lint", *args, stdin="CREATE INDEX i ON t (a);")
    assert result.exit_code == 2
    message = " ".join(result.stderr.replace("│", " ").split())
    assert f"Invalid value for '{option}'" in message and what in message


@pytest.mark.parametrize(("args", "option"), [
    (["--pg-version", "12"], "--pg-version"),
    (["--stats", "stats.json"], "--stats"),
    (["--max-lock-seconds", "5"], "--max-lock-seconds"),
    (["--profile", "profile.json"], "--profile"),
    (["--assume-no-transaction"], "--assume-in-transaction / --assume-no-transaction"),
    (["--templates", "skip"], "--templates"),
])
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_postgresql_flags_with_a_mysql_dialect_are_usage_errors(args: list[str], option: str,
                                                                dialect: str) -> None:
    """The MySQL/MariaDB pipeline reads none of them (no cost model, DDL that commits
    implicitly, no template placeholders): each was dropped in silence, as --server-version
    with PostgreSQL was before it became a usage error."""
    result = run("lint", "--stdin", "--dialect", dialect, *args,
                 stdin="ALTER TABLE t ADD COLUMN c int;")
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.replace("│", " ").split())
    assert f"Invalid value for '{option}'" in message and "PostgreSQL" in message, message


TWO_CONCURRENT_BUILDS = ("CREATE INDEX CONCURRENTLY t_a ON t (a);\n"
                         "CREATE INDEX CONCURRENTLY t_b ON t (b);\n")


@pytest.mark.parametrize(("layout", "fails"), [
    ([], False), (["--layout", "golang-migrate"], True), (["--layout", "diesel"], True)])
def test_stdin_is_judged_as_the_layouts_tool_runs_it(layout: list[str], fails: bool) -> None:
    """golang-migrate sends the file as one string (an implicit transaction for two
    statements), diesel wraps it in a transaction: CREATE INDEX CONCURRENTLY fails in both.
    --layout was dropped in silence for --stdin, which judged the file as psql -f runs it."""
    result = run("lint", "--stdin", "--stdin-filename", "0003_idx.up.sql", "-f", "json",
                 *layout, stdin=TWO_CONCURRENT_BUILDS)
    doc = json.loads(result.stdout)
    rules = {f["rule"] for m in doc["migrations"] for s in m["statements"]
             for f in s["findings"]}
    assert ("concurrently-in-transaction" in rules) is fails
    assert result.exit_code == (1 if fails else 0), result.output


def test_the_flags_still_work_where_they_apply() -> None:
    piped = run("lint", "--stdin", "--stdin-filename", "db/x.sql", "-f", "json",
                stdin="CREATE TABLE t (id bigint);")
    assert piped.exit_code == 0 and json.loads(piped.stdout)["migrations"][0]["path"] == \
        "db/x.sql"
    mysql = run("lint", "--stdin", "--dialect", "mysql", "--server-version", "8.0.28",
                stdin="CREATE TABLE t (id bigint);")
    assert mysql.exit_code == 0, mysql.output


def test_single_file_is_linted_with_its_directory_as_context() -> None:
    result = run("lint", f"{EXAMPLES}/0006_orders_total_bigint.up.sql", "--format", "json")
    doc = json.loads(result.stdout)
    assert [m["id"] for m in doc["migrations"]] == ["0006_orders_total_bigint"]
    stmt = doc["migrations"][0]["statements"][1]
    # The column type is known from 0002 (integer), so the rewrite is a fact, not a guess.
    assert "integer -> bigint" in stmt["findings"][0]["message"]


def test_files_of_one_directory_are_linted_with_it_read_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit's files (pre-commit passes them all at once) share their directory: it is
    discovered once, and each file is reported."""
    from lockwise.cli import inputs

    read: list[Path] = []
    real = inputs.discover

    def counted(path: Path, layout: str | None = None) -> list:
        read.append(path)
        return real(path, layout)

    monkeypatch.setattr(inputs, "discover", counted)
    files = [f"{EXAMPLES}/{name}.sql" for name in (
        "0006_orders_total_bigint.up", "0002_create_orders.up", "0007_orders_status_index.down")]
    doc = json.loads(run("lint", *files, "--format", "json", "--no-cache").stdout)
    assert [m["id"] for m in doc["migrations"]] == [
        "0002_create_orders", "0006_orders_total_bigint", "0007_orders_status_index"]
    assert read == [Path(EXAMPLES)]


@pytest.mark.parametrize("layout", ["plain", "diesel"])
def test_a_down_file_named_alone_stands_for_its_migration(tmp_path: Path, layout: str) -> None:
    """pre-commit passes an edited down file too: lockwise reports its migration, with the
    directory as context, and checks that the down still undoes the up."""
    ups = {"1_accounts": "CREATE TABLE accounts (id bigint PRIMARY KEY);\n",
           "2_accounts_email": "ALTER TABLE accounts ADD COLUMN email text;\n"}
    downs = {"1_accounts": "DROP TABLE accounts;\n", "2_accounts_email": "SELECT 1;\n"}
    for name in ups:
        if layout == "diesel":
            (tmp_path / name).mkdir()
            (tmp_path / name / "up.sql").write_text(ups[name])
            (tmp_path / name / "down.sql").write_text(downs[name])
        else:
            (tmp_path / f"{name}.up.sql").write_text(ups[name])
            (tmp_path / f"{name}.down.sql").write_text(downs[name])
    down = tmp_path / ("2_accounts_email/down.sql" if layout == "diesel"
                       else "2_accounts_email.down.sql")
    doc = json.loads(run("lint", str(down), "--format", "json", "--no-cache").stdout)
    assert [m["id"] for m in doc["migrations"]] == ["2_accounts_email"]
    assert [(c["kind"], c["object"]) for c in doc["conflicts"]] == [
        ("down-mismatch", "column:public.accounts.email")]


def _monorepo(root: Path) -> Path:
    """Two services, two databases: a drops its users table; b alters its own."""
    for folder, name, sql in [
            ("services/a/migrations", "0001_users", "CREATE TABLE users (id int);\n"),
            ("services/a/migrations", "0002_drop_users", "DROP TABLE users;\n"),
            ("services/b/migrations", "0001_orders", "CREATE TABLE orders (id int);\n"),
            ("services/b/migrations", "0002_users_note",
             "ALTER TABLE users ADD COLUMN note text;\n")]:
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / f"{name}.sql").write_text(sql)
    return root


def test_a_monorepo_root_is_linted_as_one_history_per_migration_directory(
        tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    doc = json.loads(run("lint", str(root), "--format", "json", "--no-cache").stdout)
    assert [m["id"] for m in doc["migrations"]] == [
        "0001_users", "0002_drop_users", "0001_orders", "0002_users_note"]
    # Read as one history, b's ALTER TABLE users came after a dropped it: missing-object.
    assert doc["conflicts"] == []
    # As when each directory is named.
    named = json.loads(run("lint", str(root / "services/a/migrations"),
                           str(root / "services/b/migrations"), "--format", "json",
                           "--no-cache").stdout)
    assert named["migrations"] == doc["migrations"]
    assert named["conflicts"] == doc["conflicts"]
    # --layout reads the folder as one history, as asked.
    one = json.loads(run("lint", str(root), "--layout", "plain", "--format", "json",
                         "--no-cache").stdout)
    assert [c["kind"] for c in one["conflicts"]] == ["missing-object"]


def test_graph_verify_and_apply_take_one_history_and_name_a_monorepos_directories(
        tmp_path: Path) -> None:
    root = _monorepo(tmp_path)
    for args in (["graph", str(root)], ["verify", str(root)], ["trace", str(root)],
                 ["apply", str(root), "--dsn", "postgresql://nobody@127.0.0.1:9/none"]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert "holds 2 separate migration directories" in result.output
        assert "services/a/migrations" in result.output
        assert "services/b/migrations" in result.output
        assert "Traceback" not in result.output
    assert run("graph", str(root / "services/b/migrations")).exit_code == 0
    assert run("graph", str(root), "--layout", "plain").exit_code == 1  # the conflict


def test_a_file_in_a_version_folder_is_linted_with_the_versions_before_it(
        tmp_path: Path) -> None:
    """Version folders holding unnumbered files (temporal: versioned/v1.5/executions.sql):
    a file named alone (pre-commit) has the whole versioned history as context, as when
    the folder above is linted, not only the files beside it."""
    versioned = tmp_path / "versioned"
    for folder, name, sql in [
            ("v1.0", "schema", "CREATE TABLE members (rpc_address varchar(15));\n"),
            ("v1.1", "members", "ALTER TABLE members ALTER COLUMN rpc_address "
                                "TYPE varchar(128);\n"),
            ("v1.1", "events", "CREATE TABLE events (id bigint);\n")]:
        (versioned / folder).mkdir(parents=True, exist_ok=True)
        (versioned / folder / f"{name}.sql").write_text(sql)
    alone = json.loads(run("lint", str(versioned / "v1.1" / "members.sql"), "--format",
                           "json", "--no-cache").stdout)
    whole = json.loads(run("lint", str(versioned), "--format", "json", "--no-cache").stdout)
    assert [m["id"] for m in alone["migrations"]] == ["v1.1_members"]
    assert alone["migrations"] == [m for m in whole["migrations"]
                                   if m["path"].endswith("members.sql")]
    # The old type is known: widening a varchar neither rewrites nor scans.
    assert alone["migrations"][0]["safety"] != "requires-downtime"
    # A version-named folder among others (a project's v1/ beside src/) is not a history of
    # versions: the folder above is not read whole.
    (tmp_path / "project" / "v1").mkdir(parents=True)
    (tmp_path / "project" / "src").mkdir()
    (tmp_path / "project" / "src" / "other.sql").write_text("DROP TABLE other;\n")
    (tmp_path / "project" / "v1" / "schema.sql").write_text("CREATE TABLE a (id int);\n")
    project = json.loads(run("lint", str(tmp_path / "project" / "v1" / "schema.sql"),
                             "--format", "json", "--no-cache").stdout)
    assert [m["id"] for m in project["migrations"]] == ["schema"]
    # So do folders named by a version and a name, one per migration.
    for folder, sql in [("0001_init", "CREATE TABLE members (rpc_address varchar(15));\n"),
                        ("0002_widen", "ALTER TABLE members ALTER COLUMN rpc_address "
                                       "TYPE varchar(128);\n")]:
        (tmp_path / "per-folder" / folder).mkdir(parents=True)
        (tmp_path / "per-folder" / folder / "migration.up.sql").write_text(sql)
    per_folder = json.loads(run("lint", str(tmp_path / "per-folder" / "0002_widen" /
                                            "migration.up.sql"),
                                "--format", "json", "--no-cache").stdout)
    assert [m["id"] for m in per_folder["migrations"]] == ["0002_widen_migration.up"]
    assert per_folder["migrations"][0]["safety"] != "requires-downtime"
    # A numbered file in a plain folder keeps its folder as context.
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "001_a.sql").write_text("CREATE TABLE a (id int);\n")
    flat = json.loads(run("lint", str(tmp_path / "flat" / "001_a.sql"), "--format", "json",
                          "--no-cache").stdout)
    assert [m["id"] for m in flat["migrations"]] == ["001_a"]


@pytest.mark.parametrize("args", [["--select", "add-colum-volatile-default"],
                                  ["--ignore", "missing-lock-timout"],
                                  ["--ignore", "opt-in"]])  # ignore takes rule ids only
def test_an_unknown_rule_on_the_command_line_is_a_usage_error(args: list[str]) -> None:
    """A typo in --select would lint with no rule at all and pass; in --ignore, ignore
    nothing. Both are refused, as the same typo in the config file is."""
    result = run("lint", EXAMPLES, *args)
    assert result.exit_code == 2
    assert f"unknown rule {args[1]!r}" in result.stderr
    assert args[0] in result.stderr


@pytest.mark.parametrize(("args", "meant"), [
    (["lint", EXAMPLES, "--select", "set-not-nul"], "set-not-null"),
    (["lint", EXAMPLES, "--ignore", "prefer_bigint"], "prefer-bigint"),
    (["explain", "index-without-concurently"], "index-without-concurrently"),
    (["explain", "SET-NOT-NULL"], "set-not-null"),
])
def test_an_unknown_rule_names_the_rule_meant(args: list[str], meant: str) -> None:
    """A misspelt rule id says which rule it is closest to, as a misspelt config key does."""
    result = run(*args)
    assert result.exit_code == 2
    assert f"(did you mean `{meant}`?)" in " ".join(result.stderr.replace("│", " ").split())


def test_select_and_ignore_take_comma_separated_lists() -> None:
    """`--ignore a,b` (ruff's and squawk's way) is `--ignore a --ignore b`, not an unknown
    rule named 'a,b'."""
    def rules(*args: str) -> tuple[int, list[str]]:
        result = run("lint", EXAMPLES, "--format", "json", "--no-cache", *args)
        return result.exit_code, sorted(f["rule"] for m in json.loads(result.stdout)["migrations"]
                                        for s in m["statements"] for f in s["findings"])

    repeated = rules("--ignore", "missing-statement-timeout", "--ignore", "missing-lock-timeout")
    assert rules("--ignore", "missing-statement-timeout,missing-lock-timeout") == repeated
    assert rules("--ignore", "missing-statement-timeout, missing-lock-timeout,") == repeated
    assert "missing-lock-timeout" in rules()[1] and "missing-lock-timeout" not in repeated[1]
    selected = rules("--select", "set-not-null,index-without-concurrently")
    assert selected == rules("--select", "set-not-null", "--select", "index-without-concurrently")
    assert set(selected[1]) == {"set-not-null", "index-without-concurrently"}


def test_an_unknown_fail_on_level_names_the_option() -> None:
    result = run("lint", EXAMPLES, "--fail-on", "sometimes")
    assert result.exit_code == 2
    assert "Invalid value for '--fail-on': unknown safety level 'sometimes'" in result.stderr


def test_ignore_leaves_a_kind_of_conflict_out(tmp_path: Path) -> None:
    """`--ignore KIND` (or `ignore` in the config) silences a kind of conflict, such as a
    duplicate version an old history must keep; the exit code follows. Per-path overrides
    and --select take rules only."""
    fixture = "fixtures/conflicts/duplicate-version"
    assert run("lint", fixture, "--no-cache").exit_code == 1
    ignored = run("lint", fixture, "--no-cache", "--ignore", "duplicate-version",
                  "--format", "json")
    assert ignored.exit_code == 0 and json.loads(ignored.stdout)["conflicts"] == []
    (tmp_path / "lockwise.toml").write_text('ignore = ["duplicate-version"]\n')
    configured = run("lint", fixture, "--no-cache", "--config", str(tmp_path / "lockwise.toml"))
    assert configured.exit_code == 0
    (tmp_path / "lockwise.toml").write_text(
        '[[overrides]]\npath = "**"\nignore = ["duplicate-version"]\n')
    per_path = run("lint", fixture, "--config", str(tmp_path / "lockwise.toml"))
    assert per_path.exit_code == 2 and "unknown rule 'duplicate-version'" in per_path.stderr
    selected = run("lint", fixture, "--select", "duplicate-version")
    assert selected.exit_code == 2 and "unknown rule 'duplicate-version'" in selected.stderr


def test_known_rules_and_tags_on_the_command_line_are_accepted() -> None:
    assert run("lint", EXAMPLES, "--select", "opt-in", "--select",
               "add-column-volatile-default", "--ignore", "missing-lock-timeout"
               ).exit_code == 1


def test_a_merged_rule_id_names_the_rule_that_judges_it_now(tmp_path: Path) -> None:
    """trigger-without-lock-timeout was merged into missing-lock-timeout: configs and command
    lines written for it keep working, and ignore what it reported."""
    sql = tmp_path / "0002_trigger.sql"
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE accounts (id bigint);\n")
    sql.write_text("CREATE TRIGGER t BEFORE UPDATE ON accounts "
                   "FOR EACH ROW EXECUTE FUNCTION f();\n")
    assert "missing-lock-timeout" in run("lint", str(tmp_path), "--no-cache").stdout
    ignored = run("lint", str(tmp_path), "--no-cache", "--ignore", "trigger-without-lock-timeout")
    assert ignored.exit_code == 0 and "missing-lock-timeout" not in ignored.stdout
    config = tmp_path / "lockwise.toml"
    config.write_text('ignore = ["trigger-without-lock-timeout"]\n')
    configured = run("lint", str(tmp_path), "--no-cache", "--config", str(config))
    assert configured.exit_code == 0 and "missing-lock-timeout" not in configured.stdout


def test_files_named_from_two_directories_report_exactly_those_files(tmp_path: Path) -> None:
    """Two services' directories may use the same ids: naming a/001_init.sql does not report
    b/001_init.sql."""
    for service in ("a", "b"):
        (tmp_path / service).mkdir()
        (tmp_path / service / "001_init.sql").write_text("CREATE TABLE t (id bigint);\n")
        (tmp_path / service / "002_more.sql").write_text("ALTER TABLE t ADD COLUMN n text;\n")
    doc = json.loads(run("lint", str(tmp_path / "a" / "001_init.sql"),
                         str(tmp_path / "b" / "002_more.sql"), "--format", "json",
                         "--no-cache").stdout)
    assert [m["path"] for m in doc["migrations"]] == [
        str(tmp_path / "a" / "001_init.sql"), str(tmp_path / "b" / "002_more.sql")]


def _two_histories(root: Path) -> tuple[Path, Path]:
    """m1 (a table, then a blocking index) and m3 (two safe tables)."""
    (root / "m1").mkdir()
    (root / "m3").mkdir()
    (root / "m1" / "001_init.sql").write_text("CREATE TABLE t (a int);\n")
    (root / "m1" / "002_bad.sql").write_text("CREATE INDEX i ON t (a);\n")
    (root / "m3" / "001_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    (root / "m3" / "002_b.sql").write_text("CREATE TABLE b (id bigint);\n")
    return root / "m1", root / "m3"


@pytest.mark.parametrize("order", ["dir-first", "file-first"])
def test_a_directory_named_is_reported_whole_whatever_the_order(
        tmp_path: Path, order: str) -> None:
    """A directory named reports all its migrations, also when a file named comes after it."""
    m1, m3 = _two_histories(tmp_path)
    paths = [str(m3), str(m1 / "001_init.sql")]
    doc = json.loads(run("lint", *(paths if order == "dir-first" else paths[::-1]),
                         "--format", "json", "--no-cache").stdout)
    assert sorted(m["path"] for m in doc["migrations"]) == sorted(
        [str(m1 / "001_init.sql"), str(m3 / "001_a.sql"), str(m3 / "002_b.sql")])


def test_a_directory_and_one_of_its_files_report_the_directory(tmp_path: Path) -> None:
    m1, _ = _two_histories(tmp_path)
    result = run("lint", str(m1), str(m1 / "001_init.sql"), "--format", "json", "--no-cache")
    assert result.exit_code == 1  # 002_bad.sql is reported
    assert len(json.loads(result.stdout)["migrations"]) == 2


@pytest.mark.parametrize(("sql", "args", "config"), [
    ("SELEC 1;\n", ["--select", "drop-column"], ""),
    ("SELEC 1;\n", ["--ignore", "parse-error"], ""),
    ("SELEC 1;\n", [], 'ignore = ["parse-error"]\n'),
    ("SELEC 1;\n", [], 'select = ["drop-column"]\n'),
    ("-- lockwise: ignore-file reason: legacy\nSELEC 1;\n", [], ""),
    ("-- lockwise: ignore-file[parse-error] reason: legacy\nSELEC 1;\n", [], ""),
    ("-- squawk-ignore-file\nSELEC 1;\n", [], ""),
    ("-- lockwise: ignore[parse-error] reason: legacy\nSELEC 1;\n", [], ""),
])
def test_a_parse_error_is_never_filtered_away(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              sql: str, args: list[str], config: str) -> None:
    """Unparsable SQL is an input error, not a finding to select or waive: exit 2, reported."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.sql").write_text(sql)
    (tmp_path / "lockwise.toml").write_text(config)
    result = run("lint", "p.sql", "--no-cache", *args)
    assert result.exit_code == 2, result.output
    assert "parse-error" in result.stdout


@pytest.mark.parametrize("color", ["--color", "--no-color"])
def test_control_characters_from_sql_are_shown_not_sent_to_the_terminal(
        tmp_path: Path, color: str) -> None:
    """An ESC in an identifier would drive the terminal (colours, cursor, title): the text
    report shows it as \\x1b, coloured or not."""
    (tmp_path / "001_a.sql").write_text("CREATE TABLE t (a int);\n")
    (tmp_path / "002_b.sql").write_text('CREATE INDEX "a\x1b]0;pwned\x07b" ON t (a);\n')
    out = run("lint", str(tmp_path), color, "--no-cache").stdout
    assert "a\\x1b]0;pwned\\x07b" in out
    assert "\x1b]" not in out and "\x07" not in out


def test_missing_path_is_exit_2_with_the_path() -> None:
    result = run("lint", "no/such/dir")
    assert result.exit_code == 2
    assert "no/such/dir" in result.stderr and "no such file" in result.stderr


def test_invalid_sql_is_exit_2_with_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "001_bad.sql"
    bad.write_text("CREATE TABLE a (id int);\nALTER TABLEX a ADD b int;\n")
    result = run("lint", str(bad), "--format", "json")
    assert result.exit_code == 2
    finding = json.loads(result.stdout)["migrations"][0]["findings"][0]
    assert (finding["rule"], finding["line"], finding["column"]) == ("parse-error", 2, 7)


def test_non_utf8_file_is_exit_2_naming_file_line_column(tmp_path: Path) -> None:
    bad = tmp_path / "001_latin1.sql"
    bad.write_bytes("SELECT 1;\nSELECT 'caf\xe9';\n".encode("latin-1"))
    result = run("lint", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2:12" in result.stderr and "UTF-8" in result.stderr


def test_empty_file_is_clean(tmp_path: Path) -> None:
    empty = tmp_path / "001_empty.sql"
    empty.write_text("")
    assert run("lint", str(empty)).exit_code == 0


@pytest.mark.parametrize("args", [["--pg-version", "9"], ["--fail-on", "sometimes"],
                                  ["--layout", "nope"], ["--format", "yaml"],
                                  ["--max-lock-seconds", "nan"],
                                  ["--max-lock-seconds", "inf"],
                                  ["--max-lock-seconds", "-1"]])
def test_bad_option_values_are_exit_2(args: list[str]) -> None:
    result = run("lint", EXAMPLES, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_rules_and_explain() -> None:
    listing = run("rules")
    assert listing.exit_code == 0 and "index-without-concurrently" in listing.stdout
    doc = run("explain", "set-not-null")
    assert doc.exit_code == 0 and "## Why is this bad?" in doc.stdout
    assert run("explain", "no-such-rule").exit_code == 2


@pytest.mark.parametrize("kind", ["missing-object", "down-mismatch", "duplicate-version"])
def test_explain_a_conflict_kind(kind: str) -> None:
    """A conflict's kind is the rule id of its finding in every report format (and
    `--ignore` takes it): explain says what it is instead of calling it an unknown rule."""
    from lockwise.graph.model import CONFLICT_SAFETY, CONFLICT_TITLES

    doc = run("explain", kind)
    assert doc.exit_code == 0, doc.output
    assert CONFLICT_TITLES[kind] in doc.stdout and CONFLICT_SAFETY[kind].label in doc.stdout
    assert "docs/graph.md" in doc.stdout


def test_module_entry_point_runs() -> None:
    import subprocess
    import sys

    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "lockwise", "lint", EXAMPLES, "-f", "json"],
                          capture_output=True, text=True, env=env, cwd=REPO)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["schema_version"] == 1


#: Every command of the program (importing the app registers them all).
ALL_COMMANDS = tuple(typer.main.get_command(app).commands)


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_help_is_readable_at_80_columns(command: str) -> None:
    """At 80 columns (a laptop's terminal, a CI log) each option's name shows whole and its
    help beside it: rich's table cut `--assume-in-transaction` to `--assume-in-tran…`,
    `--max-lock-seconds` to `--max-lock-secon…` and squeezed the help into a column of one
    or two words a line."""
    import re

    import typer

    import lockwise.cli.executor_cmds  # noqa: F401 - registers the commands
    import lockwise.cli.fix_cmds  # noqa: F401
    import lockwise.cli.graph_cmds  # noqa: F401
    import lockwise.cli.verify_cmds  # noqa: F401

    shown = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    assert "\u2026" not in shown.stdout
    assert max(map(len, shown.stdout.splitlines())) <= 80
    words = set(re.findall(r"--[a-z][a-z-]*", shown.stdout))
    params = typer.main.get_command(app).commands[command].params
    names = {name for param in params for name in (*param.opts, *param.secondary_opts)
             if name.startswith("--")}
    assert names <= words
    # Each option's help starts on a line of its own words, not one or two words a line.
    starts = [" ".join(param.help.split()[:4]) for param in params if param.help]
    lines = [" ".join(line.split()) for line in shown.stdout.splitlines()]
    assert [start for start in starts if not any(start in line for line in lines)] == []
    # Help is not rich markup: text in brackets shows as written, with no escapes.
    assert "\\[" not in shown.stdout


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_every_option_says_what_it_does(command: str) -> None:
    """`lockwise CMD --help` explains each option: `lint --color/--no-color` was listed bare."""
    import lockwise.cli.executor_cmds  # noqa: F401 - registers the commands
    import lockwise.cli.fix_cmds  # noqa: F401
    import lockwise.cli.graph_cmds  # noqa: F401
    import lockwise.cli.verify_cmds  # noqa: F401

    params = typer.main.get_command(app).commands[command].params
    bare = [param.opts for param in params
            if param.param_type_name == "option" and not (param.help or "").strip()]
    assert bare == []


def test_help_shows_bracketed_text() -> None:
    shown = CliRunner().invoke(app, ["lint", "--help"], env={"COLUMNS": "300"})
    assert "pyproject.toml with [tool.lockwise]" in shown.stdout


@pytest.mark.parametrize("columns", ["80", "200"])
def test_the_command_list_shows_each_summary_whole(columns: str) -> None:
    """`lockwise --help` gives each command its first paragraph whole, wrapped to the
    terminal: click's list cut them to fit one line (`Run migrations up, down and up again on
    a scratch...`)."""
    import typer

    import lockwise.cli.executor_cmds  # noqa: F401 - registers the commands
    import lockwise.cli.fix_cmds  # noqa: F401
    import lockwise.cli.graph_cmds  # noqa: F401
    import lockwise.cli.verify_cmds  # noqa: F401

    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": columns})
    assert shown.exit_code == 0
    assert "..." not in shown.stdout.split("Commands:")[1]
    assert max(map(len, shown.stdout.splitlines())) <= int(columns)
    flat = " ".join(shown.stdout.split())
    summaries = {name: " ".join(command.help.split("\n\n")[0].split())
                 for name, command in typer.main.get_command(app).commands.items()}
    assert len(summaries) == len(ALL_COMMANDS) >= 13
    assert {name: s for name, s in summaries.items() if f"{name} {s}" not in flat} == {}


def test_each_command_is_summed_up_in_one_line_in_the_command_list() -> None:
    """`lockwise --help` lists each command with the first paragraph of its help, line
    breaks kept: a docstring's wrapped first paragraph showed there as a sentence cut in two
    (`NOT VALID + VALIDATE,` / `batched backfills, ...`)."""
    import typer

    import lockwise.cli.executor_cmds  # noqa: F401 - registers the commands
    import lockwise.cli.fix_cmds  # noqa: F401
    import lockwise.cli.graph_cmds  # noqa: F401
    import lockwise.cli.verify_cmds  # noqa: F401

    group = typer.main.get_command(app)
    wrapped = {name: command.help for name, command in group.commands.items()
               if "\n" in (command.short_help or command.help or "").split("\n\n")[0]}
    assert wrapped == {}


def test_every_layout_option_names_every_layout() -> None:
    import typer

    import lockwise.cli.executor_cmds  # noqa: F401 - registers the commands
    import lockwise.cli.fix_cmds  # noqa: F401
    import lockwise.cli.graph_cmds  # noqa: F401
    import lockwise.cli.verify_cmds  # noqa: F401
    from lockwise.discover.layouts import LAYOUTS

    group = typer.main.get_command(app)
    helps = {name: param.help for name, command in group.commands.items()
             for param in command.params if param.name == "layout"}
    assert {"lint", "apply", "status", "graph", "verify", "trace", "fix"} <= set(helps)
    for name, text in helps.items():
        assert all(layout in (text or "") for layout in LAYOUTS), name


@pytest.mark.parametrize(("up", "down"), [
    ("-- +goose Up", "-- +goose Down"),
    ("-- migrate:up", "-- migrate:down"),
    ("-- +migrate Up", "-- +migrate Down"),
])
def test_stdin_with_up_and_down_sections_lints_the_up(up: str, down: str) -> None:
    """A goose, dbmate or sql-migrate file piped on stdin: its down section is not the
    migration, and its lines keep their numbers."""
    text = f"{up}\nALTER TABLE users ADD COLUMN email text;\n\n{down}\nDROP TABLE users;\n"
    result = run("lint", "--stdin", "--format", "json", stdin=text)
    doc = json.loads(result.stdout)
    (migration,) = doc["migrations"]
    assert [s["action"] for s in migration["statements"]] == ["add_column"]
    assert migration["statements"][0]["line"] == 2
    assert migration["safety"] != "destructive"


def test_stdin_no_transaction_marker_above_the_up_section() -> None:
    """Read from stdin as from its directory: the marker above `-- +goose Up` counts."""
    from lockwise.discover import migration_from_text

    text = ("-- lockwise: no-transaction\n-- +goose Up\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"
            "-- +goose Down\nDROP INDEX t_a;\n")
    assert migration_from_text(text).no_transaction
    assert migration_from_text("-- atlas:txmode none\nSELECT 1;").no_transaction


def test_a_schema_dump_beside_migrations_is_not_linted_and_says_so(tmp_path: Path) -> None:
    """Found by an audit: `lockwise lint` at a root holding schema.sql linted the dump alone
    and passed, while migrations/ held a blocking type change."""
    (tmp_path / "migrations").mkdir()
    users = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n"
    (tmp_path / "schema.sql").write_text(users)
    (tmp_path / "migrations" / "001_users.sql").write_text(users)
    (tmp_path / "migrations" / "002_type.sql").write_text(
        "ALTER TABLE users ALTER COLUMN email TYPE varchar(10);\n")
    result = run("lint", str(tmp_path), "--no-cache")
    assert result.exit_code == 1
    assert "002_type.sql" in result.stdout and "2 migration(s)" in result.stdout
    assert "schema.sql not linted" in result.stderr
    # pre-commit passes the dump on its own: a note, not a one-file history.
    alone = run("lint", str(tmp_path / "schema.sql"), "--no-cache")
    assert alone.exit_code == 0 and "not linted" in alone.stderr
    assert "schema.sql" not in alone.stdout
    # --layout says it is a migration.
    forced = run("lint", "--layout", "plain", str(tmp_path / "schema.sql"), "--no-cache")
    assert forced.exit_code == 0 and "1 migration(s)" in forced.stdout


def test_a_sqitch_verify_script_passed_alone_is_not_linted() -> None:
    fixture = Path(__file__).parent.parent / "fixtures/layouts/sqitch"
    script = next((fixture / "verify").glob("*.sql"))
    result = run("lint", str(script), "--no-cache")
    assert result.exit_code == 0
    assert "sqitch verify script" in result.stderr and "0 migration(s)" in result.stdout


def test_the_pre_commit_pattern_takes_sqitch_reverts_at_the_root() -> None:
    import re

    import yaml

    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml")
                           .read_text())
    pattern = re.compile(hooks[0]["files"])
    for path in ("revert/add_users.sql", "db/revert/x.sql", "deploy/add_users.sql",
                 "db/migrations/001.sql", "src/main/resources/db/migration/V1__x.sql",
                 # drizzle-kit's default output folder
                 "drizzle/0000_init.sql", "packages/api/drizzle/0001_users.sql"):
        assert pattern.search(path), path
    assert not pattern.search("docs/example.sql")


MYSQL_HINT = "lint it with --dialect mysql"


@pytest.mark.parametrize(("sql", "hinted"), [
    ("CREATE TABLE `users` (id INT PRIMARY KEY);", True),  # the backquote is the error
    ("CREATE TABLE users (id INT PRIMARY KEY) ENGINE=InnoDB;", True),
    ("CREATE TABLE users (id INT UNSIGNED PRIMARY KEY);", True),
    ("CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY);", True),
    ("/*!40101 SET NAMES utf8 */;\nCREATE TABLE users (id INT PRIMARY KEY,);", True),
    ("DELIMITER ;;\nCREATE TABLE users (id INT PRIMARY KEY,);", True),
    # MySQL's online DDL clauses and column changes
    ("ALTER TABLE a ADD INDEX idx (id), ALGORITHM=INPLACE, LOCK=NONE;", True),
    ("ALTER TABLE a DROP COLUMN b, LOCK = SHARED;", True),
    ("ALTER TABLE a MODIFY COLUMN b VARCHAR(20) NOT NULL;", True),
    ("ALTER TABLE a CHANGE COLUMN b c INT;", True),
    # PostgreSQL syntax errors with no MySQL about them get no hint
    ("CREATE TABLE users (id INT PRIMARY KEY,);", False),
    ("ALTER TABLEX users ADD COLUMN engine_name text;", False),
    ("UPDATE jobs SET lock = true, algorithm = 'x' WHERE id = 1,;", False),
    ("CREATE TABLE engines (id INT PRIMARY KEY,);\n-- the unsigned values", False),
    # a marker in another statement is not the failing statement's
    ("INSERT INTO notes VALUES ('UNSIGNED');\nCREATE TABLE t (a INT,);", False),
])
def test_a_postgresql_parse_error_on_mysql_sql_hints_at_the_dialect(sql: str,
                                                                     hinted: bool) -> None:
    result = run("lint", "--stdin", "--stdin-filename", "db/001_x.sql", "--no-color",
                 stdin=sql)
    assert result.exit_code == 2
    assert "parse-error" in result.stdout and "db/001_x.sql:" in result.stdout
    assert (MYSQL_HINT in " ".join(result.stdout.split())) == hinted, result.stdout


def test_mysql_sql_linted_as_mysql_gets_no_hint() -> None:
    result = run("lint", "--stdin", "--dialect", "mysql", "--no-color",
                 stdin="CREATE TABLE `users` (id INT PRIMARY KEY) ENGINE=InnoDB;\nALTER TABLEX x;")
    assert MYSQL_HINT not in " ".join(result.stdout.split())


@pytest.mark.parametrize("command", ["apply", "rollback", "repair", "baseline"])
def test_a_negative_wait_is_a_usage_error(tmp_path: Path, command: str) -> None:
    # `--wait -1` was taken as 0: a deployer asking for a wait got none, silently. Refused
    # before any connection is tried (the DSN below answers nothing).
    result = run(command, str(tmp_path), "--dsn", "postgresql://nobody@127.0.0.1:9/none",
                 "--wait", "-1")
    assert result.exit_code == 2, result.output
    assert "--wait" in result.output


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_mysql_reports_name_mysql_locks_snapshot(snapshot, fmt: str) -> None:
    """A MySQL history's reports name MySQL's metadata locks, with an ALTER's ALGORITHM= and
    LOCK=; they named PostgreSQL's lock modes (ShareUpdateExclusiveLock, ShareLock)."""
    result = run("lint", "fixtures/mysql", "--dialect", "mysql", "--format", fmt, "--no-color")
    assert result.exit_code == 1
    out = result.stdout.replace(
        f'"version": "{__import__("lockwise").__version__}"', '"version": "<version>"')
    for pg_name in ("ShareUpdateExclusiveLock", "ShareLock", "AccessExclusiveLock",
                    "RowExclusiveLock"):
        assert pg_name not in out
    assert out == snapshot


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "markdown",
                                           "junit", "gitlab"])
@pytest.mark.parametrize("from_config", [False, True])
def test_paths_are_shown_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output_format: str,
        from_config: bool) -> None:
    """As ruff shows them: the migrations named in lockwise.toml (relative to the file, which
    made them absolute) are shown as those named on the command line are, in every format."""
    (tmp_path / "db" / "m").mkdir(parents=True)
    (tmp_path / "db" / "m" / "1_a.sql").write_text("CREATE TABLE t (id bigint, a int);\n"
                                                   "ALTER TABLE t DROP COLUMN a;\n")
    if from_config:
        (tmp_path / "lockwise.toml").write_text('migrations = ["db/m"]\n')
    monkeypatch.chdir(tmp_path)
    args = ["lint", "-f", output_format, "--no-cache"] + ([] if from_config else ["db/m"])
    result = CliRunner().invoke(app, args)
    assert "1_a.sql" in result.stdout, result.output
    assert str(tmp_path) not in result.stdout
    assert "db/m/1_a.sql" in result.stdout


_MYSQL_HISTORY = {"1_users.sql": "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100));\n",
                  "2_email.sql": "ALTER TABLE users ADD INDEX users_email (email);\n"}


@pytest.mark.parametrize("command", [
    ["graph"], ["verify"], ["trace"], ["apply", "--dsn", "postgresql://nobody@127.0.0.1:9/none"],
    ["status", "--dsn", "postgresql://nobody@127.0.0.1:9/none"]])
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_postgresql_only_commands_refuse_a_configured_mysql_dialect(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str],
        dialect: str) -> None:
    """`dialect = "mysql"` in lockwise.toml was ignored: graph replayed the MySQL history as
    PostgreSQL (a table `public.users`), verify ran it on PostgreSQL and reported MySQL's ADD
    INDEX as a failed migration. They work on PostgreSQL only: they say so, exit 2."""
    for name, sql in _MYSQL_HISTORY.items():
        (tmp_path / name).write_text(sql)
    (tmp_path / "lockwise.toml").write_text(f'dialect = "{dialect}"\n')
    monkeypatch.chdir(tmp_path)
    result = run(*command)
    assert result.exit_code == 2, result.output
    assert f"{command[0]} works on PostgreSQL migrations only" in result.stderr
    assert f'dialect = "{dialect}"' in result.stderr and "lockwise.toml" in result.stderr
    assert f"lockwise lint --dialect {dialect}" in result.stderr
    assert "Traceback" not in result.output


def test_version_is_printed_before_any_command() -> None:
    from lockwise import __version__

    result = run("--version")
    assert result.exit_code == 0, result.output
    assert result.output == f"lockwise {__version__}\n"
    assert run("--version", "lint", "no/such/folder").exit_code == 0  # eager: nothing read
    assert "--version" in run("--help").output


@pytest.mark.parametrize("command", ["lint", "graph"])
def test_base_outside_a_git_work_tree_says_so(tmp_path: Path, command: str) -> None:
    """--base compares with git history: a folder that is not in a repository gets that
    said, not git's own "fatal: not a git repository (or any of the parent directories)"."""
    (tmp_path / "001_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    result = run(command, str(tmp_path), "--base", "main")
    assert result.exit_code == 2
    assert result.stderr == (f"lockwise: error: {tmp_path}: --base main compares with git "
                             f"history, and {tmp_path} is not in a git work tree\n")


@pytest.mark.parametrize(("spelling", "dialect"), [
    ("postgres", "postgresql"), ("pg", "postgresql"), ("PostgreSQL", "postgresql"),
    ("mysql", "mysql"), ("MariaDB", "mariadb")])
def test_common_dialect_spellings_are_accepted(tmp_path: Path, spelling: str,
                                               dialect: str) -> None:
    """`--dialect postgres` was refused (only `postgresql`): every common spelling is read,
    on the command line and in the config, as the dialect it names."""
    sql = "ALTER TABLE t ADD COLUMN c int;\n"
    by_option = run("lint", "--stdin", "--dialect", spelling, "--format", "json", stdin=sql)
    assert by_option.exit_code in (0, 1), by_option.output
    (tmp_path / "lockwise.toml").write_text(f'dialect = "{spelling}"\n')
    by_config = run("lint", "--stdin", "--config", str(tmp_path / "lockwise.toml"),
                    "--format", "json", stdin=sql)
    assert by_config.exit_code in (0, 1), by_config.output
    for result in (by_option, by_config):
        assert json.loads(result.stdout)["dialect"] == dialect


def test_an_unknown_dialect_lists_the_choices(tmp_path: Path) -> None:
    result = run("lint", "--stdin", "--dialect", "sqlite", stdin="SELECT 1;\n")
    assert result.exit_code == 2
    assert "sqlite" in result.output
    for choice in ("postgresql", "postgres", "pg", "mysql", "mariadb"):
        assert choice in result.output
    (tmp_path / "lockwise.toml").write_text('dialect = "oracle"\n')
    result = run("lint", "--stdin", "--config", str(tmp_path / "lockwise.toml"),
                 stdin="SELECT 1;\n")
    assert result.exit_code == 2
    assert "lockwise.toml" in result.stderr and "oracle" in result.stderr
    assert "postgres," in result.stderr and "mariadb" in result.stderr
    assert "Traceback" not in result.output


def test_a_named_file_that_is_not_utf8_is_reported_once(tmp_path: Path) -> None:
    """It was said twice: as the reason its folder could not be read (so it "is linted
    alone"), then as the input error it is."""
    (tmp_path / "001_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    bad = tmp_path / "002_b.sql"
    bad.write_bytes(b"SELECT 'caf\xe9';\n")
    result = run("lint", str(bad))
    assert result.exit_code == 2
    assert result.stderr.count("not valid UTF-8") == 1, result.stderr
    assert f"{bad}:1:" in result.stderr and "linted alone" not in result.stderr


@pytest.mark.parametrize("args", [
    ("apply", "--wait"), ("apply", "--retry-delay"), ("rollback", "--wait"),
    ("repair", "--wait"), ("baseline", "001", "--wait"), ("verify", "--preflight", "--timeout"),
])
@pytest.mark.parametrize("value", ["nan", "inf", "1e12"])
def test_seconds_options_take_finite_seconds(tmp_path: Path, args: tuple[str, ...],
                                             value: str) -> None:
    """A number of seconds that is not one (nan, inf) or that no server takes (1e12 s as a
    statement_timeout) is the option's usage error, before anything connects: `verify
    --preflight --timeout nan` ended in a traceback, `apply --wait nan` in 'waited nans'."""
    (tmp_path / "001_t.sql").write_text("CREATE TABLE t (id bigint);\n")
    *command, option = args
    result = run(*command, str(tmp_path), "--dsn", f"host={tmp_path / 'no-server'} dbname=x",
                 option, value)
    assert result.exit_code == 2, result.output
    assert f"'{option}'" in result.output and "seconds" in result.output, result.output
    assert "Traceback" not in result.output and "connect" not in result.output


@pytest.mark.parametrize("how", ["nearest", "--config"])
def test_rules_and_explain_know_the_configs_rule_files(tmp_path: Path, how: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """lint reports a team rule from the config's `rules_dir`; `lockwise explain` on its id
    said 'unknown rule; `lockwise rules` lists them', and `lockwise rules` did not list it."""
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "team-no-truncate.toml").write_text(
        'id = "team-no-truncate"\ntitle = "No TRUNCATE here"\nsafety = "requires-downtime"\n'
        'when = { action = "truncate" }\nmessage = "TRUNCATE is banned."\n'
        'why = "Team policy."\ninstead = "DELETE in batches."\n')
    (tmp_path / "lockwise.toml").write_text('rules_dir = ["ops"]\n')
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(tmp_path if how == "nearest" else work)
    config = [] if how == "nearest" else ["--config", str(tmp_path / "lockwise.toml")]
    listed = run("rules", *config)
    assert listed.exit_code == 0 and "team-no-truncate" in listed.stdout, listed.output
    explained = run("explain", "team-no-truncate", *config)
    assert explained.exit_code == 0, explained.output
    assert "No TRUNCATE here" in explained.stdout


@pytest.mark.parametrize("option", [("--profile", "PROFILE"), ("--max-lock-seconds", "5")])
def test_a_cost_option_without_stats_says_it_does_nothing(tmp_path: Path,
                                                         option: tuple[str, str]) -> None:
    """The cost model needs table sizes: --max-lock-seconds without --stats warned so, while
    --profile without --stats was ignored without a word."""
    (tmp_path / "001_t.sql").write_text("CREATE TABLE t (id bigint);\n")
    profile = tmp_path / "profile.json"
    profile.write_text('{"format": "lockwise-profile", "version": 1}\n')
    name, value = option
    result = run("lint", str(tmp_path), name, str(profile) if value == "PROFILE" else value)
    assert result.exit_code == 0, result.output
    assert f"warning: {name} needs table sizes: pass --stats FILE" in result.stderr


def test_a_self_inherit_of_an_unknown_table_says_the_same_through_the_cli(
        tmp_path: Path) -> None:
    # One file, b made outside the migrations: the CLI (computed, then read back from its
    # cache) says what `lint_migrations` says, each message the server may give for what b
    # may be (checked on 18.6: partitioned, a partition, else circular; an absent b would be
    # "does not exist", which an ALTER TABLE of a table made elsewhere does not expect).
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    sql = "ALTER TABLE b INHERIT b;\n"
    (tmp_path / "0001_inherit.sql").write_text(sql)
    (direct,) = [f.message for f in lint_migrations(
        [migration_from_text(sql, "0001_inherit.sql")], LintOptions())[0].all_findings
        if f.rule == "inheritance-cycle-refused"]
    for message in ("cannot change inheritance of partitioned table",
                    "cannot change inheritance of a partition", "circular inheritance"):
        assert message in direct, direct
    for _ in range(2):
        doc = json.loads(run("lint", str(tmp_path / "0001_inherit.sql"), "--format",
                             "json").stdout)
        said = [f["message"] for m in doc["migrations"] for s in m["statements"]
                for f in s["findings"] if f["rule"] == "inheritance-cycle-refused"]
        assert said == [direct]


@pytest.mark.parametrize("spelling", ["mysql", "MariaDB"])
def test_graph_takes_lint_s_dialect_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           spelling: str) -> None:
    """`lockwise graph --dialect` reads the dialect as lint does: MySQL or MariaDB is refused
    (the graph replays PostgreSQL's catalog) naming the option, exit 2."""
    for name, sql in _MYSQL_HISTORY.items():
        (tmp_path / name).write_text(sql)
    monkeypatch.chdir(tmp_path)
    result = run("graph", "--dialect", spelling)
    assert result.exit_code == 2, result.output
    assert "graph works on PostgreSQL migrations only" in result.stderr
    assert f"--dialect {spelling.lower()}" in result.stderr


def test_graph_s_dialect_option_wins_over_the_config_s(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As lint's: `--dialect postgres` on the command line reads the history as PostgreSQL's
    whatever the config's `dialect` says."""
    (tmp_path / "001_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    (tmp_path / "002_b.sql").write_text("CREATE TABLE b (a_id bigint REFERENCES a (id));\n")
    (tmp_path / "lockwise.toml").write_text('dialect = "mysql"\n')
    monkeypatch.chdir(tmp_path)
    assert run("graph").exit_code == 2
    result = run("graph", "--dialect", "postgres", "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["migrations"]) == 2
