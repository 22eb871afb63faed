"""`lockwise verify` on the command line: exit codes, errors without tracebacks or passwords,
the embedded server's cleanup on Ctrl-C, and a prefix of a real corpus."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner
from verify_helpers import DIESEL_ONE_VERSION_TWICE, FIXTURES, write_migrations

from lockwise.cli.app import app
from lockwise.discover import discover
from lockwise.verify.run import NOT_REVERSIBLE, REVERSIBLE


def run(*args: str):
    return CliRunner().invoke(app, ["verify", *args])


def test_fixtures_on_a_given_scratch_database(pg_db: str, snapshot) -> None:
    result = run(str(FIXTURES / "migrations"), "--dsn", pg_db)
    assert result.exit_code == 0
    text = re.sub(r" in \d+\.\d+s$", " in <time>", result.stdout.rstrip())
    text = re.sub(r"migrations on .* \(PostgreSQL [\d.]+\)", "migrations on <dsn>", text)
    assert text == snapshot


def test_embedded_server_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """...and nothing of it is left in the temporary folder once the run ends."""
    root = write_migrations(tmp_path / "m", [("t", "CREATE TABLE t (id int);", "DROP TABLE t;")])
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    result = run(str(root))
    assert result.exit_code == 0, result.output
    assert "on the embedded PostgreSQL" in result.stdout
    assert "1 reversible" in result.stdout
    assert list(tmp.iterdir()) == []


def test_a_file_is_verified_with_the_migrations_before_it(pg_db: str) -> None:
    """A file named on its own runs everything up to it (it needs the earlier ones)."""
    result = run(str(FIXTURES / "migrations" / "0003_index_orders_by_account.up.sql"),
                 "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    assert "0003_index_orders_by_account" in result.stdout
    assert "0004" not in result.stdout
    assert "3 reversible" in result.stdout


def test_a_file_named_is_not_run_when_a_later_file_of_its_version_runs(
        pg_db: str, tmp_path: Path) -> None:
    """Which of a version's migrations its tool runs is decided over the whole directory (as
    lint and graph decide it), not over the migrations up to the file named: diesel runs the
    last folder of a version by name, here the one after the file named, which so never
    runs (it was verified as if it ran)."""
    from tree_helpers import write

    write(tmp_path, DIESEL_ONE_VERSION_TWICE)
    result = run(str(tmp_path / "2024-01-01-000000_a" / "up.sql"), "--dsn", pg_db)
    assert result.exit_code == 0, result.output
    assert "2024-01-01-000000_a      never run by its tool" in result.stdout
    assert "1 reversible, 1 never run by its tool" in result.stdout
    assert "2024-01-01-000000_b" in result.stdout  # named as the one diesel runs


@pytest.mark.parametrize(("command", "says"), [
    ("verify", "one migration file (it and every migration before it verified up, down and "
               "up, not it alone as trace does; the ones after it not run; with --preflight, "
               "it alone checked)"),
    ("trace", "one migration file (it alone traced, after the ones before it are applied "
              "untraced, unlike verify, which verifies them too; the ones after it not run)"),
])
def test_the_help_says_what_a_file_named_runs(command: str, says: str) -> None:
    """`verify FILE` verifies the migrations before FILE as well (the test above), `trace
    FILE` traces FILE alone: the same argument, two scopes, which the help of each says, so
    that a user reading one is not surprised by the other."""
    import lockwise.cli.verify_cmds  # noqa: F401 - registers the commands

    shown = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "300"})
    assert shown.exit_code == 0, shown.output
    assert says in " ".join(shown.stdout.split())


def test_refuses_a_database_that_is_not_empty(pg_db: str) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE precious (id int)")
    result = run(str(FIXTURES / "migrations"), "--dsn", pg_db)
    assert result.exit_code == 2
    assert "not empty (1 relations: public.precious)" in result.output


def test_connection_error_never_shows_the_password() -> None:
    dsn = "postgresql://someone:Sup3rSecretPw@127.0.0.1:1/nowhere?connect_timeout=2"
    for args in ([str(FIXTURES / "migrations"), "--dsn", dsn],
                 [str(FIXTURES / "migrations"), "--dsn", dsn, "--preflight"]):
        result = run(*args)
        assert result.exit_code == 2
        assert "cannot connect to postgresql://someone:****@127.0.0.1:1/nowhere" in result.output
        assert "Sup3rSecretPw" not in result.output


@pytest.mark.parametrize(("args", "said"), [
    (["--preflight"], "Invalid value for '--preflight': checks a real database: give it with "
                      "--dsn"),
    (["--preflight", "--dsn", "postgresql://x@127.0.0.1:1/x", "--seed", "3"],
     "Invalid value for '--seed': writes rows: it cannot be used with --preflight")])
def test_option_errors_name_the_option_once(args: list[str], said: str) -> None:
    result = run(str(FIXTURES / "migrations"), *args)
    assert result.exit_code == 2
    assert said in result.stderr


def test_usage_and_input_errors(tmp_path: Path) -> None:
    result = run(str(FIXTURES / "migrations"), "--preflight")
    assert result.exit_code == 2 and "--dsn" in result.output
    root = write_migrations(tmp_path / "m", [("bad", "CREATE TABLE t (id int;\n", None)])
    result = run(str(root))
    assert result.exit_code == 2
    assert "0001_bad.up.sql:1:" in result.output
    assert "Traceback" not in result.output
    root = write_migrations(tmp_path / "tpl", [
        ("tpl", "CREATE TABLE t (id int);\nCREATE SCHEMA {{ index .Options \"Namespace\" }};",
         None)])
    result = run(str(root))
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        '0001_tpl.up.sql:2:15: template placeholder {{ index .Options "Namespace" }} cannot be '
        "run: render the migrations with their tool first")


def test_preflight_command(pg_db: str, tmp_path: Path) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id int, email text);"
                     "INSERT INTO users VALUES (1, 'a'), (2, 'a'), (3, NULL)")
    root = write_migrations(tmp_path / "m", [(
        "uniq", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n"
                "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", None)])
    result = run(str(root), "--dsn", pg_db, "--preflight")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[2].endswith("0001_uniq.up.sql:1:1: duplicates: 1 duplicate value(s) of (email) "
                             "in public.users: the unique constraint users_email_key cannot be "
                             "built")
    assert lines[3] == ("      see them: SELECT email, count(*) AS copies FROM public.users "
                        "WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1 ORDER BY "
                        "copies DESC LIMIT 20;")
    assert "nulls: 1 row(s) of public.users have email NULL" in lines[4]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("UPDATE users SET email = 'b' WHERE id = 2; "
                     "UPDATE users SET email = 'c' WHERE id = 3")
    result = run(str(root), "--dsn", pg_db, "--preflight")
    assert result.exit_code == 0
    assert "no data problems found by 2 read-only checks" in result.stdout


def _running_postmaster(tmp: Path) -> int | None:
    """The pid of the server once it accepts connections (initdb's standalone backends write
    a postmaster.pid too, with a negative pid, and remove it again)."""
    for pid_file in tmp.glob("lockwise-pg-*/postmaster.pid"):
        try:
            lines = pid_file.read_text().splitlines()
        except FileNotFoundError:
            continue
        if len(lines) >= 8 and int(lines[0]) > 0 and lines[7].strip() == "ready":
            return int(lines[0])
    return None


def _run_database_made(tmp: Path) -> bool:
    """Whether the verify run's server (its postmaster.pid names its socket folder and port)
    has a database besides its own: the run is past the server's start. Each look on a
    connection of its own, closed at once (a server stopping waits for no client of ours)."""
    for pid_file in tmp.glob("lockwise-pg-*/postmaster.pid"):
        try:
            lines = pid_file.read_text().splitlines()
            with psycopg.connect(host=lines[4], port=lines[3], user="postgres",
                                 dbname="postgres", connect_timeout=10) as conn:
                return bool(conn.execute(
                    "SELECT count(*) FROM pg_database WHERE datname NOT IN "
                    "('postgres', 'template0', 'template1')").fetchone()[0])
        except (OSError, IndexError, psycopg.Error):
            return False
    return False


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_ctrl_c_stops_the_server_and_removes_its_directory(tmp_path: Path) -> None:
    """Interrupted mid-run, verify stops the embedded server and deletes its data directory."""
    root = write_migrations(tmp_path / "m", [
        (f"m{i}", f"CREATE TABLE t{i} (id int PRIMARY KEY, v text);\n"
                  f"CREATE INDEX t{i}_v ON t{i} (v);", f"DROP TABLE t{i};")
        for i in range(400)])
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lockwise", "verify", str(root)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        # A terminal's Ctrl-C: SIGINT with Python's default handler (not inherited as ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        postmaster = None
        while postmaster is None and proc.poll() is None:
            postmaster = _running_postmaster(tmp)
            time.sleep(0.05)
        assert postmaster is not None, proc.communicate()
        # Inside the run: its database made, its migrations running.
        deadline = time.monotonic() + 120
        while not _run_database_made(tmp):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    # 130 from lockwise's own handler; killed by the SIGINT itself (-2) when it lands where
    # Python re-raises it on the way out: a shell shows both as 130.
    assert proc.returncode in (130, -signal.SIGINT), proc.returncode
    assert list(tmp.glob("lockwise-pg-*")) == []
    # pg_ctl stop returns once the pid file is gone; the process itself may take a moment
    # more to exit (and, orphaned, stays a zombie until init reaps it).
    deadline = time.monotonic() + 30
    while _alive(postmaster) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(postmaster)


def test_lemmy_prefix_up_down_up(corpora: Path, run_verify) -> None:
    """The first 45 lemmy migrations: two genuinely irreversible ones, nothing else wrong."""
    migrations = discover(corpora / "lemmy")[:45]
    result = run_verify(migrations)
    statuses = {r.migration.id: r.status for r in result.results}
    assert [m for m, s in statuses.items() if s != REVERSIBLE] == [
        "2020-04-14-163701_update_views_for_activitypub",
        "2020-06-30-135809_remove_mat_views",
    ]
    assert {statuses[m] for m in statuses if statuses[m] != REVERSIBLE} == {NOT_REVERSIBLE}
    # Its views embed 'now'::timestamp: re-created by down and up, they are still equal.
    assert statuses["2020-03-06-202329_add_post_iframely_data"] == REVERSIBLE
    assert len(result.checks) > 300
    # The model agrees with PostgreSQL on every statement. (2020-02-02's DELETE FROM user_
    # fires statement triggers that refresh materialized views, and deletes no row: no
    # cascade runs. Both were reported as model bugs.)
    assert [(c.statement.sql[:40], d.describe()) for c in result.checks
            for d in c.disagreements] == []


@pytest.mark.parametrize(("text", "place", "said"), [
    ("CREATE TABLE a (id int);\nCOPY a (id) FROM stdin;\n1\n\\.\n", "2:1", "COPY ... FROM STDIN"),
    ("\\set tbl 'c'\nCREATE TABLE :tbl (id int);\n", "2:14", "psql variable"),
    ("CREATE TABLE x (id int);\n\\i other.sql\n", "2:1", "\\i other.sql"),
    ("SELECT 1 \\gexec\n", "1:10", "\\gexec"),
])
@pytest.mark.parametrize("command", ["verify", "trace"])
def test_psql_client_input_is_an_input_error(pg_db: str, tmp_path: Path, command: str,
                                             text: str, place: str, said: str) -> None:
    """What only psql can run (COPY data from the client, variables, an included file,
    \\gexec) was sent to the server: a false failure, or a broken connection reported as a
    database error without a place. It is an input error at its line and column."""
    root = tmp_path / "m"
    root.mkdir()
    (root / "001_psql.sql").write_text(text)
    result = CliRunner().invoke(app, [command, str(root), "--dsn", pg_db])
    assert result.exit_code == 2, result.output
    assert f"001_psql.sql:{place}:" in result.stderr and said in result.stderr, result.stderr
    assert "Traceback" not in result.output and "database error" not in result.output


@pytest.mark.parametrize("command", ["verify", "trace"])
def test_psql_settings_that_change_nothing_on_the_server_are_passed_over(
        pg_db: str, tmp_path: Path, command: str) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "001_psql.sql").write_text("\\set ON_ERROR_STOP on\n\\echo creating\n"
                                       "CREATE TABLE a (id int);\n")
    result = CliRunner().invoke(app, [command, str(root), "--dsn", pg_db])
    assert result.exit_code == 0, result.output
    # skipped as apply skips it, and said so at its place
    assert "001_psql.sql:1:1: `\\set ON_ERROR_STOP on` only sets psql's own behaviour" \
        in result.output, result.output


def test_a_failure_from_an_extension_the_server_lacks_is_not_the_migrations(
        pg_db: str, tmp_path: Path) -> None:
    """documenso creates pgcrypto, which the embedded server lacks, and calls its
    gen_random_bytes() in the next migration: the skipped CREATE EXTENSION made that one fail,
    and verify exited 1 as if the history were broken. The failure now names the extension it
    most likely comes from and the way to check it (a server that has it), and exits 2, as
    for a server verify cannot use; the migrations before it are still reported."""
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int);", "DROP TABLE t;"),
        ("ext", "CREATE EXTENSION IF NOT EXISTS lockwise_no_such_extension;", None),
        ("use", "SELECT lockwise_no_such_function(16);", None),
    ])
    result = run(str(root), "--dsn", pg_db)
    assert result.exit_code == 2, result.output
    assert "lockwise_no_such_extension" in result.stdout.split("0003_use", 1)[1]
    assert "--dsn" in result.output and "1 reversible" in result.stdout


@pytest.mark.parametrize("second", [
    "ALTER TABLE t ADD COLUMN id int;",  # a duplicate column
    "INSERT INTO nosuch VALUES (1);",    # a table the history never created
])
def test_a_failure_after_a_skipped_extension_that_is_the_migrations_own_still_fails(
        pg_db: str, tmp_path: Path, second: str) -> None:
    """Only a missing function or type is what an extension most often provides: a
    migration failing for another reason (a duplicate column, a missing table, which is far
    more often the history's own mistake) fails as before, exit 1."""
    root = write_migrations(tmp_path / "m", [
        ("ext", "CREATE EXTENSION IF NOT EXISTS lockwise_no_such_extension;\n"
                "CREATE TABLE t (id int);", None),
        ("dup", second, None),
    ])
    result = run(str(root), "--dsn", pg_db)
    assert result.exit_code == 1, result.output
    assert "lockwise_no_such_extension" not in result.stdout.split("0002_dup", 1)[1]
