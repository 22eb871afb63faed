"""Dropping the databases of tests that are done, for the `pg_db` fixture (tests/conftest.py)."""

from __future__ import annotations

import queue
import threading


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
        self.thread = threading.Thread(target=self._run, name="pg_db dropper", daemon=True)
        self.thread.start()

    def drop(self, name: str) -> None:
        self.pending.put(name)

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
                self.pending.task_done()
