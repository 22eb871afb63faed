"""Dropping the databases of tests that are done, for the fixtures of tests/conftest.py."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable

#: The names databases are renamed to, to wait for their turn to be dropped.
_RENAMED = (f"lockwise_dropped_{n}" for n in itertools.count())

#: The `pg_databases` fixture: makes a new database of a name, returns its URI.
NewDatabase = Callable[[str], str]


class DatabaseDropper:
    """Drops the databases of tests that are done, on a thread of its own: DROP DATABASE
    waits for a checkpoint (~60 ms each, ~1,200 tests), which the next test need not wait for.
    A database is renamed first (a catalog update), so that a later test may make one of the
    same name at once. At most `backlog` databases wait their turn (a test's teardown waits for
    room beyond that): the server's disk stays bounded, where keeping them all took ~10 GB."""

    def __init__(self, admin_uri: str, backlog: int = 4) -> None:
        import psycopg

        self.admin_uri = admin_uri
        #: The main thread's connection: lists and renames databases.
        self.conn = psycopg.connect(admin_uri, autocommit=True)
        self.pending: queue.Queue[str | None] = queue.Queue(maxsize=backlog)
        #: "name: error" of each database that could not be dropped.
        self.failures: list[str] = []
        self.thread = threading.Thread(target=self._run, name="pg_db dropper", daemon=True)
        self.thread.start()

    def names(self) -> set[str]:
        """The databases on the server, but those waiting to be dropped."""
        return {row[0] for row in self.conn.execute(
            "SELECT datname FROM pg_database WHERE datname NOT LIKE 'lockwise\\_dropped\\_%'")}

    def take(self, name: str) -> None:
        """Drop database `name`: renamed at once and dropped in the background; dropped here
        when a session still uses it (ALTER DATABASE RENAME refuses), ending that session."""
        import psycopg
        from psycopg import sql

        from lockwise.db.scratch import drop_database

        renamed = next(_RENAMED)
        try:
            self.conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(name), sql.Identifier(renamed)))
        except psycopg.errors.UndefinedObject:  # the test dropped it itself
            return
        except psycopg.errors.ObjectInUse:
            drop_database(self.admin_uri, name)
            return
        self.pending.put(renamed)

    def wait(self) -> None:
        """Block until every database handed over so far has been dropped."""
        self.pending.join()

    def close(self) -> None:
        self.pending.put(None)
        self.thread.join()
        self.conn.close()

    def _run(self) -> None:
        from lockwise.db.scratch import drop_database

        while True:
            name = self.pending.get()
            try:
                if name is None:
                    return
                drop_database(self.admin_uri, name)
            except Exception as exc:  # the server is gone, or the database is held
                self.failures.append(f"{name}: {exc}")
            finally:
                self.pending.task_done()
