"""Dropping the databases of tests that are done, for the `pg_db` fixture (tests/conftest.py)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

#: The `pg_databases` fixture: makes a new database of a name, returns its URI.
NewDatabase = Callable[[str], str]


class DatabaseDropper:
    """Drops the databases of tests that are done, on a thread of its own: DROP DATABASE
    waits for a checkpoint (~60 ms each, ~1,200 tests), which the next test need not wait for.
    At most `backlog` databases wait their turn (a test's teardown waits for room beyond
    that): the server's disk stays bounded, where keeping them all took ~10 GB a session."""

    def __init__(self, admin_uri: str, backlog: int = 4) -> None:
        self.admin_uri = admin_uri
        self.pending: queue.Queue[str | None] = queue.Queue(maxsize=backlog)
        #: "name: error" of each database that could not be dropped.
        self.failures: list[str] = []
        #: The names handed over and not dropped yet.
        self.queued: set[str] = set()
        self.thread = threading.Thread(target=self._run, name="pg_db dropper", daemon=True)
        self.thread.start()

    def drop(self, name: str) -> None:
        self.queued.add(name)
        self.pending.put(name)

    def settle(self, name: str) -> None:
        """Block until database `name` is dropped if it waits its turn: a later test that
        makes a database of that name again must not have it dropped under it."""
        if name in self.queued:
            self.wait()

    def wait(self) -> None:
        """Block until every database handed over so far has been dropped."""
        self.pending.join()

    def close(self) -> None:
        self.pending.put(None)
        self.thread.join()

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
                if name is not None:
                    self.queued.discard(name)
                self.pending.task_done()
