"""`lockwise trace`: every statement of the targeted migrations run on a scratch PostgreSQL,
with the locks, rewrites, rows and time observed next to lockwise's prediction."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner
from verify_helpers import DIESEL_ONE_VERSION_TWICE, FIXTURES, write_migrations

from lockwise.cli.app import app


def run(*args: str):
    return CliRunner().invoke(app, ["trace", *args])


def masked(text: str) -> str:
    """The report without what changes from run to run or place to place: times (and so which
    statement took longest), the server's address, the checkout's path."""
    text = text.replace(str(FIXTURES), "fixtures")
    text = re.sub(r"\d+(\.\d+)? ms", "<t> ms", text)
    text = re.sub(r"longest \d+:\d+", "longest <line>:<col>", text)
    return re.sub(r" on .* \(PostgreSQL [\d.]+\)", " on <dsn>", text)


def test_text_report_of_the_fixtures(pg_db: str, snapshot) -> None:
    result = run(str(FIXTURES / "migrations"), "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    assert masked(result.stdout) == snapshot


def test_json_report_shape(pg_db: str) -> None:
    result = run(str(FIXTURES / "migrations"), "--dsn", pg_db, "-f", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["version"] == 1
    assert report["disagreements"] == 0 and report["failed"] is False
    assert [f["migration"] for f in report["files"]][:2] == ["0001_create_accounts",
                                                               "0002_create_orders"]
    orders = report["files"][5]
    assert orders["path"].endswith("0006_orders_total_bigint.up.sql")
    stmt = orders["statements"][1]
    assert stmt["line"] == 2 and stmt["column"] == 1
    assert stmt["sql"] == "ALTER TABLE orders ALTER COLUMN total TYPE bigint"
    assert stmt["observed"]["rewrites"] == ["public.orders"]
    assert stmt["predicted"]["rewrites"] == ["public.orders"]
    lock = stmt["locks"][0]
    assert lock == {"relation": "public.orders", "observed": "AccessExclusiveLock",
                    "predicted": "AccessExclusiveLock",
                    "blocks": ["reads", "writes", "ddl"], "already_held": False,
                    "held_before": None}
    assert stmt["run"] == "transaction" and stmt["rows"] is None
    assert isinstance(stmt["ms"], float) and stmt["ms"] >= 0
    assert stmt["disagreements"] == []
    summary = orders["summary"]
    assert summary["strongest_lock"] == {"relation": "public.orders",
                                         "mode": "AccessExclusiveLock"}
    assert summary["longest"]["line"] in (1, 2, 3)
    assert summary["ms"] >= summary["longest"]["ms"]


def test_a_type_change_shows_the_rewrite(pg_db: str, tmp_path: Path) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int, n int);", None),
        ("widen", "ALTER TABLE t ALTER COLUMN n TYPE bigint;", None)])
    result = run(str(root), "--dsn", pg_db, "--seed", "50")
    assert result.exit_code == 0, result.output
    widen = result.stdout.split("0002_widen.up.sql")[1]
    assert "rewrote public.t (new relfilenode)" in widen
    assert "ACCESS EXCLUSIVE on public.t, blocks reads, writes and other DDL" in widen


def test_create_index_concurrently_runs_outside_a_transaction(pg_db: str) -> None:
    result = run(str(FIXTURES / "migrations" / "0007_orders_status_index.up.sql"),
                 "--dsn", pg_db, "-f", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # The history before the file was applied, not traced.
    assert [f["migration"] for f in report["files"]] == ["0007_orders_status_index"]
    assert (report["targeted"], report["history"]) == (1, 6)
    (stmt,) = report["files"][0]["statements"]
    assert stmt["run"] == "non-transactional"
    assert stmt["observed"]["method"] == "polling"
    assert [(lk["relation"], lk["observed"]) for lk in stmt["locks"]] == [
        ("public.orders", "ShareUpdateExclusiveLock")]


def test_rows_affected_with_seeded_data(pg_db: str, tmp_path: Path) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int, n int);", None),
        ("fill", "UPDATE t SET n = 1;", None)])
    result = run(str(root), "--dsn", pg_db, "--seed", "30", "-f", "json")
    assert result.exit_code == 0, result.output
    (stmt,) = json.loads(result.stdout)["files"][1]["statements"]
    assert stmt["rows"] == 30


def test_a_disagreement_exits_1_and_says_which(pg_db: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The model agrees with PostgreSQL on every statement the tests know, so its prediction
    # for a real rewrite is made wrong here: what is compared is the server's observation.
    from lockwise.verify import run as verify_run

    predict = verify_run._predictions

    def without_rewrites(*args: object) -> list:
        return [[(s, replace(e, rewrites=frozenset())) for s, e in m] for m in predict(*args)]

    monkeypatch.setattr(verify_run, "_predictions", without_rewrites)
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int, n int);", None),
        ("widen", "ALTER TABLE t ALTER COLUMN n TYPE bigint;", None)])
    result = run(str(root), "--dsn", pg_db)
    assert result.exit_code == 1, result.output
    assert "ALTER TABLE t ALTER COLUMN n TYPE bigint  DISAGREES" in result.stdout
    assert "0002_widen.up.sql:1:1: model-disagreement: public.t: lockwise predicts no " \
           "rewrite, PostgreSQL rewrote it (new relfilenode)" in result.stdout
    assert "model disagreed with the server 1 time" in result.stderr


def test_a_failing_statement_gives_its_place_and_exit_1(pg_db: str, tmp_path: Path) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int);", None),
        ("bad", "ALTER TABLE t ADD COLUMN a int;\nUPDATE t\n   SET a = nosuch + 1;\n", None)])
    result = run(str(root), "--dsn", pg_db)
    assert result.exit_code == 1, result.output
    # The server's error position, mapped into the file.
    assert "0002_bad.up.sql:3:12: failed: column \"nosuch\" does not exist" in result.stdout
    assert "a statement failed on the server" in result.stderr
    assert "Traceback" not in result.output


def test_input_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    root = write_migrations(tmp_path / "syntax", [("bad", "SELECT 1;\nCREATE TABLE t (id int;\n",
                                                   None)])
    result = run(str(root))
    assert result.exit_code == 2
    assert "0001_bad.up.sql:2:" in result.output and "Traceback" not in result.output

    result = run(str(FIXTURES / "migrations"), "-f", "yaml")
    assert result.exit_code == 2 and "'yaml' is not one of" in result.output

    result = run(str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "nowhere" in result.output and "Traceback" not in result.output

    binary = tmp_path / "latin1"
    binary.mkdir()
    (binary / "0001_x.sql").write_bytes("SELECT 'caf\xe9';\n".encode("latin-1"))
    result = run(str(binary))
    assert result.exit_code == 2
    assert "0001_x.sql" in result.output and "UTF-8" in result.output
    assert "Traceback" not in result.output


def test_markdown_report(pg_db: str) -> None:
    result = run(str(FIXTURES / "migrations" / "0006_orders_total_bigint.up.sql"),
                 "--dsn", pg_db, "-f", "markdown")
    assert result.exit_code == 0, result.output
    assert "| 2:1 | `ALTER TABLE orders ALTER COLUMN total TYPE bigint` |" in result.stdout
    assert "rewritten" in result.stdout


def test_help_names_the_options() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for option in ("--dsn", "--seed", "--layout", "--format", "--config"):
        assert option in result.stdout


def test_a_deferred_constraint_fails_at_commit_after_every_statement(pg_db: str,
                                                                     tmp_path: Path) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (p int REFERENCES p "
              "DEFERRABLE INITIALLY DEFERRED);", None),
        ("orphan", "INSERT INTO c VALUES (1);\nINSERT INTO c VALUES (2);\n", None)])
    result = run(str(root), "--dsn", pg_db, "-f", "json")
    assert result.exit_code == 1, result.output
    orphan = json.loads(result.stdout)["files"][-1]
    assert [(s["line"], s["rows"]) for s in orphan["statements"]] == [(1, 1), (2, 1)]
    assert orphan["failure"]["message"].startswith("at COMMIT: insert or update on table")
    assert (orphan["failure"]["line"], orphan["failure"]["column"]) == (2, 1)


def test_a_failure_in_the_history_before_the_file_is_reported(pg_db: str,
                                                              tmp_path: Path) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int);", None),
        ("broken", "ALTER TABLE missing ADD COLUMN a int;", None),
        ("later", "ALTER TABLE t ADD COLUMN b int;", None)])
    result = run(str(root / "0003_later.up.sql"), "--dsn", pg_db)
    assert result.exit_code == 1, result.output
    assert "0002_broken.up.sql (history, applied before the traced migrations)" in result.stdout
    assert "lockwise trace: 1 migration (2 before it applied first, untraced)" in result.stdout
    assert "0002_broken.up.sql:1:1: failed: relation \"missing\" does not exist" \
        in result.stdout
    assert "0003_later" not in result.stdout


def test_a_files_own_transaction_control_is_run_as_written(pg_db: str, tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "0001_t.sql").write_text(
        "CREATE TABLE t (id int);\nBEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;\n")
    result = run(str(tmp_path / "m"), "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("transaction control, run as written") == 2
    assert "3:1  ALTER TABLE t ADD COLUMN a int\n      lock: ACCESS EXCLUSIVE on public.t" \
        in result.stdout


def test_each_migration_starts_from_the_sessions_defaults(pg_db: str, tmp_path: Path) -> None:
    """lint judges each migration from the default search_path, role and settings (a SET is
    not carried to the next migration, as sqitch's psql per change and lockwise apply run
    them): the trace runs them so, on its one connection, and agrees."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "0001_app.sql").write_text(
        "CREATE SCHEMA app;\nCREATE TABLE app.t (id int);\nCREATE TABLE public.t (id int);\n"
        "BEGIN;\nSET search_path TO app, public;\nSET lock_timeout = '1s';\n"
        "CREATE TEMP TABLE scratch (id int);\nCOMMIT;\n")
    (tmp_path / "m" / "0002_add.sql").write_text(
        "ALTER TABLE t ADD COLUMN a int;\nCREATE TEMP TABLE scratch (id int);\n")
    result = run(str(tmp_path / "m"), "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    assert "0 disagreements" in result.stdout
    assert "1:1  ALTER TABLE t ADD COLUMN a int\n      lock: ACCESS EXCLUSIVE on public.t" \
        in result.stdout


def test_lock_and_rewrite_lines_quote_a_table_name_that_needs_it(pg_db: str,
                                                                  tmp_path: Path) -> None:
    """Prisma's `"Booking"` is not `public.booking`: the trace's lock, rewrite and strongest
    lock lines name it quoted, as SQL reads it back (run on 18.6)."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "0001_t.sql").write_text(
        'CREATE TABLE "Booking" (id int);\nALTER TABLE "Booking" ALTER COLUMN id TYPE bigint;\n')
    result = run(str(tmp_path / "m"), "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    assert 'lock: ACCESS EXCLUSIVE on public."Booking", blocks' in result.stdout, \
        result.stdout
    assert 'rewrote public."Booking" (new relfilenode)' in result.stdout
    assert 'strongest lock: ACCESS EXCLUSIVE on public."Booking" (blocks' in result.stdout


def test_refuses_a_database_that_is_not_empty(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE precious (id int)")
    result = run(str(FIXTURES / "migrations"), "--dsn", pg_db)
    assert result.exit_code == 2
    assert "not empty (1 relations: public.precious); trace applies migrations to it, so it " \
           "needs a scratch database" in result.output


def test_a_failure_from_an_extension_the_server_lacks_exits_2_and_says_so(
        pg_server: str, pg_db: str, tmp_path: Path) -> None:
    """As in verify: a function missing after a CREATE EXTENSION the server could not run
    (documenso: pgcrypto's gen_random_bytes()) is the server's lack, named, exit 2; not a
    statement of the migrations failing (exit 1)."""
    root = write_migrations(tmp_path / "m", [
        ("ext", "CREATE EXTENSION IF NOT EXISTS lockwise_no_such_extension;", None),
        ("use", "SELECT lockwise_no_such_function(16);", None),
    ])
    result = run(str(root), "--dsn", pg_db)
    assert result.exit_code == 2, result.output
    assert "lockwise_no_such_extension" in result.stdout.split("0002_use", 1)[1]
    assert "--dsn" in result.stderr
    from lockwise.db.scratch import create_database

    # The first run left golang-migrate's own table: a database of its own.
    as_json = run(str(root), "--dsn", create_database(pg_server, "trace_extension_json"),
                  "--format", "json")
    assert as_json.exit_code == 2
    assert any("lockwise_no_such_extension" in note
               for f in json.loads(as_json.stdout)["files"] for note in f["notes"])
    # The markdown report showed no notes at all, and stderr pointed at "the note above".
    as_markdown = run(str(root), "--dsn", create_database(pg_server, "trace_extension_md"),
                      "--format", "markdown")
    assert as_markdown.exit_code == 2
    assert "lockwise_no_such_extension" in as_markdown.stdout.split("0002_use", 1)[1]


def test_json_of_a_folder_without_migrations_is_an_empty_report(tmp_path: Path) -> None:
    """lint, graph and status print an empty document for a folder with no migration (a new
    project); trace printed nothing, which a JSON reader refuses. No server is started: the
    report names none."""
    (tmp_path / "m").mkdir()
    result = run(str(tmp_path / "m"), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "no migrations found" in result.stderr
    doc = json.loads(result.stdout)
    assert doc == {"version": 1, "server": None, "server_version": None, "seed": 0,
                   "targeted": 0, "history": 0, "files": [], "disagreements": 0,
                   "failed": False}


def test_the_migration_of_a_version_its_tool_never_runs_is_not_applied(
        pg_db: str, tmp_path: Path) -> None:
    """diesel keeps the last folder of a version by name and never runs the others
    (ONE_OF_A_VERSION_RUNS, as lint, graph and verify decide): trace applies only that one,
    so its CREATE TABLE u does not fail on the u of the other (checked on 18.6: applied both,
    the second stops with `relation "u" already exists`); the other is listed, not run."""
    from tree_helpers import write

    write(tmp_path, {"2023-01-01-000000_setup/up.sql": "CREATE TABLE t (id int);\n",
                     "2024-01-01-000000_a/up.sql": "CREATE TABLE u (id int);\n",
                     "2024-01-01-000000_b/up.sql": "CREATE TABLE u (id bigint);\n"})
    result = run(str(tmp_path), "--dsn", pg_db, "-f", "json")
    assert result.exit_code == 0, result.output
    files = {f["migration"]: f for f in json.loads(result.stdout)["files"]}
    never = files["2024-01-01-000000_a"]
    assert never["never_runs"] is True and never["statements"] == []
    assert never["notes"] == ["diesel runs 2024-01-01-000000_b of version 2024-01-01-000000 "
                              "instead: this one never runs"]
    assert files["2024-01-01-000000_b"]["never_runs"] is False
    assert len(files["2024-01-01-000000_b"]["statements"]) == 1
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:  # (trace wants an empty database)
        conn.execute("DROP TABLE t, u, __diesel_schema_migrations")
    text = run(str(tmp_path), "--dsn", pg_db).stdout
    assert "2024-01-01-000000_a/up.sql (never run by its tool)\n" in text


def test_a_file_named_never_runs_when_a_later_file_of_its_version_does(
        pg_db: str, tmp_path: Path) -> None:
    """`trace FILE` applies the migrations up to FILE only, but which of a version's
    migrations its tool runs is decided over the whole directory, as lint and graph decide
    it: diesel runs the last folder of a version by name, which comes after the file named,
    so the file named never runs (it was applied as if it were the one that runs)."""
    from tree_helpers import write

    write(tmp_path, DIESEL_ONE_VERSION_TWICE)
    named = tmp_path / "2024-01-01-000000_a" / "up.sql"
    result = run(str(named), "--dsn", pg_db, "-f", "json")
    assert result.exit_code == 0, result.output
    (only,) = json.loads(result.stdout)["files"]
    assert only["migration"] == "2024-01-01-000000_a"
    assert only["never_runs"] is True and only["statements"] == []
    assert only["notes"] == ["diesel runs 2024-01-01-000000_b of version 2024-01-01-000000 "
                             "instead: this one never runs"]


@pytest.mark.parametrize("mixed", [True, False])
def test_a_flyway_migration_runs_as_flyway_mixed_says(
        mixed: bool, pg_db: str, tmp_path: Path) -> None:
    """With `flyway.mixed=true` (flyway.conf above the migrations, where Flyway runs),
    Flyway runs a migration that mixes CREATE INDEX CONCURRENTLY with other statements
    without a transaction: trace applies it so, and the index is built (checked on 18.6).
    Without it the migration runs in a transaction as lint judges it (Flyway refuses it),
    where the server refuses CONCURRENTLY."""
    from tree_helpers import write

    write(tmp_path, {"sql/V1__t.sql": "CREATE TABLE t (a int);\n",
                     "sql/V2__i.sql": "ALTER TABLE t ADD COLUMN note text;\n"
                                      "CREATE INDEX CONCURRENTLY t_a ON t (a);\n",
                     "flyway.conf": f"flyway.mixed={str(mixed).lower()}\n"})
    result = run(str(tmp_path / "sql"), "--dsn", pg_db, "-f", "json")
    files = json.loads(result.stdout)["files"]
    if mixed:
        assert result.exit_code == 0, result.output
        assert files[1]["transaction"] is False
        assert [s["run"] for s in files[1]["statements"]] == ["autocommit", "non-transactional"]
    else:
        assert result.exit_code == 1
        assert files[1]["transaction"] is True
        assert "cannot run inside a transaction block" in result.stdout


def test_a_down_that_does_not_parse_does_not_stop_the_trace(pg_db: str, tmp_path: Path) -> None:
    """trace runs the ups only: a down file PostgreSQL's parser rejects (a clause left out of
    an ALTER COLUMN, as a goose Down section of a sweep had it) is no reason to refuse the
    history, as apply, which reads a down only to roll back, does not. lint reports that down
    (down-mismatch), and verify, which runs it, still refuses it before anything runs."""
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int, n int);", "DROP TABLE t;"),
        ("not_null", "ALTER TABLE t ALTER COLUMN n SET NOT NULL;",
         "ALTER TABLE t ALTER COLUMN n DEFAULT NULL;\n")])
    result = run(str(root), "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    assert "ALTER TABLE t ALTER COLUMN n SET NOT NULL" in result.stdout
    assert "every statement ran" in result.stdout

    verified = CliRunner().invoke(app, ["verify", str(root), "--dsn", pg_db])
    assert verified.exit_code == 2, verified.output
    assert "0002_not_null.down.sql:1:" in verified.output
    assert "Traceback" not in verified.output
