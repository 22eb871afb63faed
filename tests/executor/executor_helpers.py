"""Helpers for the executor tests: run the CLI in a subprocess, write migration directories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def lockwise(dsn: str | None, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m lockwise ARGS --dsn DSN`, captured."""
    cmd = [sys.executable, "-m", "lockwise", *args]
    if dsn is not None:
        cmd += ["--dsn", dsn]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def popen(dsn: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lockwise", *args, "--dsn", dsn],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def write(directory: Path, files: dict[str, str]) -> Path:
    """Write golang-migrate files (`001_x.up.sql`, `001_x.down.sql`) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def query(dsn: str, sql: str, params: tuple | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def history(dsn: str, table: str = "lockwise.schema_history") -> list[dict]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def wait_until_seen(dsn: str, sql: str, params: tuple, proc: subprocess.Popen,
                    what: str) -> None:
    """Block until `sql` (a count) finds something, or fail once the runner `proc` ended or
    two minutes passed: `what` says what never showed up."""
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if query(dsn, sql, params)[0][0]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} never showed up; runner output: {proc.communicate()}")


def wait_for_query(dsn: str, pattern: str, proc: subprocess.Popen) -> None:
    """Block until a backend runs a query matching `pattern`."""
    wait_until_seen(dsn, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s "
                         "AND pid <> pg_backend_pid()", (pattern,), proc,
                    f"a query like {pattern!r}")


def cancel_orphaned(dsn: str, pattern: str) -> None:
    """Cancel the backends running a query matching `pattern` that a SIGKILLed runner left
    behind, and wait until they are gone: until then `status` shows such a run as running (the
    server cannot tell a dead runner from one that lost only its lock connection). The backend
    may have ended already: it checks for its client every second, so whether `status` still
    sees it right after the kill depends on the machine's load."""
    import time

    query(dsn, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE %s "
               "AND pid <> pg_backend_pid()", (pattern,))
    deadline = time.monotonic() + 60
    while query(dsn, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s "
                     "AND pid <> pg_backend_pid()", (pattern,))[0][0]:
        assert time.monotonic() < deadline, f"a query like {pattern!r} outlived its cancel"
        time.sleep(0.1)


def read_stderr_until(proc: subprocess.Popen, needle: str, timeout: float = 120) -> str:
    """Read the runner `proc`'s stderr (a pipe, not read before) as it comes, until it has
    said `needle`: the runner reached that point, however slow the machine. What it said so
    far; `proc.communicate()` gives the rest. Fails once it ended, or `timeout` passed,
    without saying it."""
    import os
    import selectors
    import time

    seen = b""
    fd = proc.stderr.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while needle.encode() not in seen:
            left = deadline - time.monotonic()
            chunk = os.read(fd, 65536) if left > 0 and selector.select(left) else b""
            if not chunk:  # it ended, or is stuck: what it said, then
                if proc.poll() is None:
                    proc.kill()
                out, err = proc.communicate(timeout=60)
                raise AssertionError(f"the runner never said {needle!r}; it said "
                                     f"{(seen.decode(errors='replace') + err)!r}, {out!r}")
            seen += chunk
    return seen.decode(errors="replace")


#: A statement of a migration that waits until the test lets it go (`kill_while_waiting`).
WAIT_FOR_TEST = "SELECT pg_advisory_xact_lock(4242)"


def kill_while_waiting(dsn: str, migrations: Path) -> None:
    """Run `apply` on `migrations` and SIGKILL it once a migration runs WAIT_FOR_TEST (held
    by the test meanwhile): a runner dying mid-statement, not after a sleep that a loaded
    machine outlasts."""
    import os
    import signal

    import psycopg

    with psycopg.connect(dsn, autocommit=True) as test:
        test.execute("SELECT pg_advisory_lock(4242)")
        runner = popen(dsn, "apply", str(migrations))
        wait_for_query(dsn, WAIT_FOR_TEST + "%", runner)
        os.kill(runner.pid, signal.SIGKILL)
        runner.communicate()


def relation_exists(dsn: str, name: str) -> bool:
    return query(dsn, "SELECT to_regclass(%s) IS NOT NULL", (name,))[0][0]


def schema_snapshot(dsn: str) -> list[tuple]:
    """Tables, columns and indexes of the public schema: enough to compare two schemas."""
    columns = query(dsn, "SELECT table_name, column_name, data_type, is_nullable FROM "
                         "information_schema.columns WHERE table_schema = 'public' "
                         "ORDER BY 1, 2")
    indexes = query(dsn, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                         "'public' ORDER BY 1")
    return columns + indexes


class _Proxy:
    """A TCP proxy to the server of a DSN (its Unix socket); `dsn` connects through it.
    Subclasses say how the bytes of one client connection go (`_relay`)."""

    def __init__(self, dsn: str):
        import socket
        import threading

        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(dsn)
        self._upstream = f"{params['host']}/.s.PGSQL.{params.get('port') or 5432}"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: list = []
        self.dsn = make_conninfo(dsn, host="127.0.0.1", port=str(self._listener.getsockname()[1]),
                                 sslmode="disable", gssencmode="disable")
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            server = socket.socket(socket.AF_UNIX)
            server.connect(self._upstream)
            self._sockets += [client, server]
            self._relay(client, server)

    def _relay(self, client, server) -> None:
        """Two threads per connection, one per direction, sharing a state of the subclass's."""
        import threading

        state = self._initial_state()
        threading.Thread(target=self._from_client, args=(client, server, state),
                         daemon=True).start()
        threading.Thread(target=self._from_server, args=(client, server, state),
                         daemon=True).start()

    def _initial_state(self) -> dict:
        raise NotImplementedError

    def _from_client(self, client, server, state: dict) -> None:
        raise NotImplementedError

    def _from_server(self, client, server, state: dict) -> None:
        raise NotImplementedError

    def close(self) -> None:
        _close(self._listener)
        for sock in self._sockets:
            _close(sock)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class DeafProxy(_Proxy):
    """For a connection whose startup packet contains `hold`, the server side stays open after
    the client goes away, until the backend next sends something (the end of the statement it
    runs): the backend of a client that died without the server noticing (its host crashed,
    the network dropped, a pooler in between, no client_connection_check_interval), which runs
    its statement to the end. `client_gone` is set once such a client went away."""

    def __init__(self, dsn: str, hold: bytes):
        import threading

        self._hold = hold
        self.client_gone = threading.Event()
        super().__init__(dsn)

    def _initial_state(self) -> dict:
        return {"client_gone": False}

    def _from_client(self, client, server, state: dict) -> None:
        held = False
        while True:
            data = _recv(client)
            if not data:
                state["client_gone"] = True
                if held:
                    self.client_gone.set()
                else:
                    _close(server)
                return
            held = held or self._hold in data
            server.sendall(data)

    def _from_server(self, client, server, state: dict) -> None:
        while True:
            data = _recv(server)
            if not data or state["client_gone"]:
                _close(server)  # the backend spoke: now it learns its client is gone
                return
            try:
                client.sendall(data)
            except OSError:
                state["client_gone"] = True
                _close(server)
                return


class CutAfterCommitProxy(_Proxy):
    """On a connection that sent `marker` (in a statement), the first `COMMIT` sent after it
    reaches the server, which commits; then the connection is cut before the client hears the
    reply: the network dropped right after a commit (both sides see the connection closed)."""

    def __init__(self, dsn: str, marker: bytes):
        self._marker = marker
        super().__init__(dsn)

    def _initial_state(self) -> dict:
        return {"armed": False, "cut": False}

    def _from_client(self, client, server, state: dict) -> None:
        while True:
            data = _recv(client)
            if not data:
                _close(server)
                return
            if state["armed"] and b"COMMIT" in data.upper():
                state["cut"] = True
            state["armed"] = state["armed"] or self._marker in data
            try:
                server.sendall(data)
            except OSError:
                _close(client)
                return

    def _from_server(self, client, server, state: dict) -> None:
        while True:
            data = _recv(server)
            if not data or state["cut"]:
                # The server's reply to the COMMIT (it committed) never reaches the client.
                _close(client)
                _close(server)
                return
            try:
                client.sendall(data)
            except OSError:
                _close(server)
                return


class CutClientAtCommitProxy(CutAfterCommitProxy):
    """As CutAfterCommitProxy, but the client side is cut as soon as the `COMMIT` reached the
    server, whose side stays open until the backend replies: a COMMIT that takes its time (a
    deferred trigger, a synchronous standby) completes after the runner saw its connection
    drop."""

    def _from_client(self, client, server, state: dict) -> None:
        while True:
            data = _recv(client)
            if not data:
                if not state["cut"]:
                    _close(server)
                return
            commit = state["armed"] and b"COMMIT" in data.upper()
            state["armed"] = state["armed"] or self._marker in data
            try:
                server.sendall(data)
            except OSError:
                _close(client)
                return
            if commit:
                state["cut"] = True
                _close(client)
                return


def _recv(sock) -> bytes:
    """The next bytes from `sock`; empty once it is closed (by the peer or by us)."""
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _close(sock) -> None:
    import contextlib
    import socket

    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
