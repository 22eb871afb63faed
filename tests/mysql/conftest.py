"""A real MariaDB server for the MySQL truth suite (Debian's mariadb-server, installed by
.ci/run). Started once per session on a Unix socket in a temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lockwise.core.types import MigrationReport


def _binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/sbin")


class MariaDB:
    def __init__(self, socket: Path):
        self.socket = socket
        self.client = _binary("mariadb") or _binary("mysql")

    def run(self, sql: str, database: str = "truth", whole: bool = False,
            comments: bool = False) -> subprocess.CompletedProcess:
        """Run `sql` through the client; `whole` sends it as one multi-statement string (as
        golang-migrate and Flyway do), not split at the client's `;` delimiter; `comments`
        sends its comments too (the client drops them otherwise; a migration tool does not)."""
        # a delimiter the SQL does not contain: the client sends the text as it is
        delimiter = ["--delimiter=\x01"] if whole else []
        kept = ["--comments"] if comments else []
        return subprocess.run(
            [self.client, "--no-defaults", *kept, "-S", str(self.socket), "-uroot", "-N", "-B",
             *delimiter, database, "-e", sql],
            capture_output=True, text=True, timeout=60)

    def metadata_locks(self, sql: str, database: str, before: str = ""
                       ) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
        """Run `sql` in a transaction (after `before`, outside it) and read the metadata locks
        the session then holds in `database` (information_schema.METADATA_LOCK_INFO, whose
        plugin `INSTALL SONAME 'metadata_lock_info'` loads), by table; rolled back."""
        ran = self.run(
            f"{before} BEGIN; {sql}; SELECT TABLE_NAME, LOCK_MODE FROM information_schema."
            f"METADATA_LOCK_INFO WHERE TABLE_SCHEMA = '{database}' AND THREAD_ID = "
            "CONNECTION_ID(); ROLLBACK;", database)
        return ran, dict(line.split("\t") for line in ran.stdout.splitlines()
                         if "\tMDL_" in line)

    def assert_key_locks(self, held: list[tuple[str, dict]], database: str) -> None:
        """Assert that each statement of `held` holds exactly its metadata locks (by table,
        SHARED_WRITE for ROW_EXCLUSIVE, SHARED_READ for ROW_SHARE), foreign_key_checks on and
        off (the plugin that shows them installed first)."""
        from lockwise.core.types import LockMode

        assert self.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
        names = {LockMode.ROW_EXCLUSIVE: "MDL_SHARED_WRITE", LockMode.ROW_SHARE: "MDL_SHARED_READ"}
        for checks in (1, 0):
            for sql, locks in held:
                ran, found = self.metadata_locks(sql, database,
                                                 before=f"SET foreign_key_checks = {checks};")
                assert ran.returncode == 0, (sql, ran.stderr)
                assert found == {t: names[mode] for t, mode in locks.items()}, (sql, checks)

    def fresh(self, database: str, setup: str) -> None:
        """Drop and create `database`, and run `setup` in it."""
        assert self.run(f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}",
                        "mysql").returncode == 0
        assert self.run(setup, database).returncode == 0

    def assert_copies(self, database: str, setup: str, change: str, copies: bool) -> None:
        """Assert that `change`, run after `setup` in a fresh `database`, is refused without a
        copy (ALGORITHM=NOCOPY: "Cannot change column type") when `copies`, and runs so
        (instant or in place) otherwise."""
        self.fresh(database, setup)
        done = self.run(f"{change}, ALGORITHM=NOCOPY", database)
        assert (done.returncode != 0) == copies, done.stderr
        if copies:
            assert "Cannot change column type" in done.stderr

    def assert_cheapest(self, database: str, setup: str, change: str, expected: str) -> None:
        """Assert that `change`, run after `setup` in a fresh `database`, runs with
        ALGORITHM=`expected` and is refused ("is not supported") with the one before it, of
        INSTANT, NOCOPY, INPLACE, COPY."""
        order = ["INSTANT", "NOCOPY", "INPLACE", "COPY"]
        self.fresh(database, setup)
        if expected != "COPY":
            done = self.run(f"{change}, ALGORITHM={expected}", database)
            assert done.returncode == 0, done.stderr
        if expected != "INSTANT":
            self.fresh(database, setup)
            refused = self.run(f"{change}, ALGORITHM={order[order.index(expected) - 1]}",
                               database)
            assert refused.returncode != 0 and "is not supported" in refused.stderr, change

    def version(self) -> str:
        return self.run("SELECT VERSION()", "mysql").stdout.strip()


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDB]:
    server, install = _binary("mariadbd") or _binary("mysqld"), _binary("mariadb-install-db")
    if not server or not install:
        if os.environ.get("CI"):
            pytest.fail("mariadb-server is not installed; .ci/run installs it")
        pytest.skip("mariadb-server is not installed (apt-get install mariadb-server)")
    root = Path(tempfile.mkdtemp(prefix="lockwise-mariadb-"))
    data, socket = root / "data", root / "mysqld.sock"
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([install, "--no-defaults", f"--datadir={data}", *user,
                    "--auth-root-authentication-method=normal", "--skip-test-db"],
                   check=True, capture_output=True, timeout=120)
    proc = subprocess.Popen(
        [server, "--no-defaults", f"--datadir={data}", f"--socket={socket}", "--skip-networking",
         f"--log-error={root / 'error.log'}", f"--pid-file={root / 'mysqld.pid'}", *user],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = MariaDB(socket)
    try:
        for _ in range(300):
            if socket.exists() and db.run("CREATE DATABASE IF NOT EXISTS truth", "mysql")\
                    .returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"MariaDB did not start: {(root / 'error.log').read_text()[-2000:]}")
        yield db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def lint_change(request: pytest.FixtureRequest) -> Callable[..., MigrationReport]:
    """Lint `change` as the migration after `setup` (the test module's SETUP unless given),
    for `dialect` at `version` (its default when None): the change's report."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    def lint(change: str, dialect: str = "mysql", version: str | None = None,
             setup: str | None = None) -> MigrationReport:
        first = request.module.SETUP if setup is None else setup
        reports = lint_migrations([migration_from_text(first, "1_setup.sql"),
                                   migration_from_text(change, "2_change.sql")],
                                  LintOptions(dialect=dialect, server_version=version))
        return reports[1]

    return lint


@pytest.fixture
def assert_algorithms(lint_change: Callable[..., MigrationReport],
                      alter_algorithm: Callable[[MigrationReport], str]) -> Callable[..., None]:
    """Assert the algorithm lint gives `change` after `setup` on each of MySQL and MariaDB
    (`on_mysql`, `on_mariadb`), and that it reports mysql-table-copy exactly for COPY."""
    def check(setup: str, change: str, on_mysql: str, on_mariadb: str) -> None:
        for dialect, expected in (("mysql", on_mysql), ("mariadb", on_mariadb)):
            report = lint_change(change + ";", dialect, setup=setup)
            assert alter_algorithm(report) == expected, dialect
            copies = "mysql-table-copy" in [f.rule for f in report.all_findings]
            assert copies == (expected == "COPY"), dialect

    return check


@pytest.fixture
def alter_algorithm() -> Callable[[MigrationReport], str]:
    """The algorithm lint gives the one ALTER TABLE of a report (as `lint_change` returns)."""
    def algorithm(report: MigrationReport) -> str:
        (found,) = [a.facts["algorithm"] for s in report.statements for a in s.effect.actions
                    if a.kind == "mysql_alter_table"]
        return found

    return algorithm
