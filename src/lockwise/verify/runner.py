"""A minimal statement runner for `verify`: one psycopg connection, statement by statement.

A migration runs in one transaction when its tool opens one (as lint judges it: a plain file
runs statement by statement, as psql does), and the runner looks at pg_locks and pg_class
between statements from inside that transaction, which is exact; a statement outside one is
wrapped in its own, which takes the same locks as autocommit. A statement that
PostgreSQL refuses to run in a transaction block (CREATE INDEX CONCURRENTLY, ...) is observed by
a second connection that polls pg_locks while it runs; a third connection holds a snapshot open
meanwhile, so that a concurrent index build waits for it with its locks taken and the poller
cannot miss them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lockwise.core.types import LockMode, Statement
from lockwise.effects.nodes import function_names, unwrap
from lockwise.verify.observe import Observation, RelationState, observation_between

_USER_NS = ("n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
            "AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'")
_RELATIONS = f"""
    SELECT c.oid::bigint, n.nspname || '.' || c.relname, c.relkind::text, c.relfilenode::bigint
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_NS}"""
_LOCKS = """
    SELECT l.relation::bigint, l.mode FROM pg_locks l
    WHERE l.pid = %s AND l.locktype = 'relation' AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
_WAITING = "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted"
#: Relations with triggers of their own (foreign keys' triggers are internal).
_TRIGGERED = "SELECT DISTINCT tgrelid::bigint FROM pg_trigger WHERE NOT tgisinternal"
#: Which of some names are functions of the user's (not PostgreSQL's own).
_USER_FUNCTIONS = f"""
    SELECT DISTINCT lower(p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE {_USER_NS.replace("%", "%%")} AND lower(p.proname) = ANY(%s)"""
#: SQLSTATE 25001: "... cannot run inside a transaction block".
_ACTIVE_SQL_TRANSACTION = "25001"
#: Refused inside a transaction block: CONCURRENTLY and the like (25001), a DO block that
#: COMMITs (2D000, invalid transaction termination).
_REFUSED_IN_TRANSACTION = frozenset({_ACTIVE_SQL_TRANSACTION, "2D000"})
_POLL_INTERVAL = 0.002
#: What a migration misses when an extension it created is not there: a function (42883), a
#: type (42704). Not a relation: an extension seldom provides one, and a missing table is far
#: more often the history's own mistake.
_UNDEFINED = frozenset({"42883", "42704"})


@dataclass(slots=True)
class StatementFailure:
    """A statement PostgreSQL rejected."""

    statement: Statement
    message: str
    sqlstate: str | None = None
    #: Where in the statement's text the server placed the error (1-based character), if it
    #: said.
    position: int | None = None
    #: The transaction failed at its COMMIT (a deferred constraint), after its last statement.
    at_commit: bool = False

    @classmethod
    def of(cls, statement: Statement, exc: Exception, *,
           at_commit: bool = False) -> StatementFailure:
        """The failure psycopg's `exc` reports for `statement` (or at the COMMIT after it)."""
        diag = getattr(exc, "diag", None)
        position = getattr(diag, "statement_position", None) if diag is not None else None
        return cls(statement, ("at COMMIT: " if at_commit else "") + _error_text(exc),
                   getattr(exc, "sqlstate", None),
                   int(position) if position and not at_commit else None, at_commit)


@dataclass(slots=True)
class RunOutcome:
    """The result of running one SQL file."""

    #: Statement index -> what it was seen to do (only when observing).
    observations: dict[int, Observation] = field(default_factory=dict)
    failure: StatementFailure | None = None
    #: Statements not sent to the server, with why.
    skipped: list[tuple[Statement, str]] = field(default_factory=list)


def _kind(stmt: Statement) -> str:
    return unwrap(stmt.tree)[0]


def _error_text(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    if primary:
        return primary
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Runner:
    """Runs statements on `conn` (an autocommit psycopg connection) and observes them."""

    def __init__(self, conn: Any, uri: str) -> None:
        self.conn = conn
        self.uri = uri  # for the observer connections
        self.pid: int = conn.info.backend_pid
        self._available: set[str] | None = None
        #: Extensions a migration created that this server does not have (their CREATE was
        #: skipped): what a later migration misses may be theirs.
        self.missing_extensions: list[str] = []
        #: The server's clock when the run started (see snapshot._mask_creation_times).
        self.since = conn.execute("SELECT localtimestamp").fetchone()[0]

    # --- reading state ----------------------------------------------------------------------

    def relations(self) -> dict[int, tuple[str, str, int]]:
        return {oid: (name, kind, node)
                for oid, name, kind, node in self.conn.execute(_RELATIONS).fetchall()}

    def _held(self, conn: Any) -> dict[int, set[LockMode]]:
        held: dict[int, set[LockMode]] = {}
        for oid, mode in conn.execute(_LOCKS, (self.pid,)).fetchall():
            held.setdefault(oid, set()).add(LockMode.from_pg_name(mode))
        return held

    def state(self) -> RelationState:
        """The user relations and the backend's relation locks, now."""
        return RelationState(self.relations(),
                             {k: frozenset(v) for k, v in self._held(self.conn).items()},
                             frozenset(r[0] for r in self.conn.execute(_TRIGGERED).fetchall()))

    def user_functions(self, stmt: Statement) -> tuple[str, ...]:
        """The functions of the user's that `stmt` calls, as they exist now: their bodies,
        which lockwise does not read, may lock any relation."""
        names = sorted(set(function_names(stmt.tree)))
        if not names:
            return ()
        return tuple(sorted(r[0] for r in self.conn.execute(_USER_FUNCTIONS, (names,))))

    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.conn.info.transaction_status != TransactionStatus.IDLE

    # --- running ------------------------------------------------------------------------------

    def skip_reason(self, stmt: Statement) -> str | None:
        """Why a statement cannot be run on this server at all, or None.

        The embedded server ships PostgreSQL's contrib extensions but not all of them (pgcrypto
        needs OpenSSL). Creating or dropping one that is not installed is skipped with a note,
        so the rest of the history can still be checked.
        """
        kind, body = unwrap(stmt.tree)
        names: list[str] = []
        if kind == "CreateExtensionStmt":
            names = [body.get("extname", "")]
        elif kind == "DropStmt" and body.get("removeType") == "OBJECT_EXTENSION":
            names = [unwrap(o)[1].get("sval", "") for o in body.get("objects") or ()]
        if not names:
            return None
        if self._available is None:
            self._available = {r[0] for r in self.conn.execute(
                "SELECT name FROM pg_available_extensions").fetchall()}
        missing = [n for n in names if n not in self._available]
        if missing:
            if kind == "CreateExtensionStmt":
                self.missing_extensions += [n for n in missing
                                            if n not in self.missing_extensions]
            return f"extension {', '.join(missing)} is not installed on this server"
        return None

    def missing_extension_cause(self, failure: StatementFailure) -> str | None:
        """What `failure` most likely comes from when it is a missing function or type
        after a skipped CREATE EXTENSION: that extension, which this server lacks
        (not the migrations); None otherwise."""
        if failure.sqlstate not in _UNDEFINED or not self.missing_extensions:
            return None
        names = ", ".join(self.missing_extensions)
        return (f"this server lacks extension {names}, whose CREATE EXTENSION was skipped: "
                f"what the statement misses is most likely {names}'s, not your migrations' "
                "fault; run them on a server that has it with --dsn")

    def run(self, statements: list[Statement], *, transactional: bool,
            observe: bool) -> RunOutcome:
        """Run statements in order: in one transaction when `transactional`, else one by one,
        from the connection's defaults (`db.session.reset_session`: each file as a session of
        its own, as lint judges it).

        On failure the transaction is rolled back and the failing statement is reported.
        """
        import psycopg

        from lockwise.db.session import reset_session

        reset_session(self.conn)
        outcome = RunOutcome()
        state: RelationState | None = None
        if transactional:
            self.conn.execute("BEGIN")
        try:
            for stmt in statements:
                reason = self.skip_reason(stmt)
                if reason is not None:
                    outcome.skipped.append((stmt, reason))
                    continue
                if _kind(stmt) == "TransactionStmt":
                    # The file's own BEGIN / COMMIT: run as written, nothing to observe.
                    self.conn.execute(stmt.sql)
                    state = None
                    continue
                if self.in_transaction():
                    if observe and state is None:
                        state = self.state()
                    called = self.user_functions(stmt) if observe else ()
                    started = time.perf_counter()
                    cur = self.conn.execute(stmt.sql)
                    seconds = time.perf_counter() - started
                    if observe:
                        after = self.state()
                        obs = observation_between(state, after)
                        obs.rows, obs.user_functions, obs.seconds = cur.rowcount, called, seconds
                        outcome.observations[stmt.index] = obs
                        state = after
                else:
                    obs = self._run_alone(stmt, observe)
                    if obs is not None:
                        outcome.observations[stmt.index] = obs
        except psycopg.Error as exc:
            outcome.failure = StatementFailure.of(stmt, exc)
            if self.in_transaction():
                self.conn.execute("ROLLBACK")
            return outcome
        if self.in_transaction():
            try:
                self.conn.execute("COMMIT")
            except psycopg.Error as exc:  # deferred constraints are checked here
                outcome.failure = StatementFailure.of(statements[-1], exc, at_commit=True)
        return outcome

    def _run_alone(self, stmt: Statement, observe: bool) -> Observation | None:
        """A statement outside any transaction block: wrapped in its own transaction when
        PostgreSQL allows it (same locks as autocommit, observed exactly), else polled."""
        import psycopg

        if not observe:
            self.conn.execute(stmt.sql)
            return None
        self.conn.execute("BEGIN")
        try:
            before = self.state()
            called = self.user_functions(stmt)
            started = time.perf_counter()
            cur = self.conn.execute(stmt.sql)
            seconds = time.perf_counter() - started
            after = self.state()
            self.conn.execute("COMMIT")
            obs = observation_between(before, after)
            obs.rows, obs.user_functions, obs.seconds = cur.rowcount, called, seconds
            obs.in_block = False
            return obs
        except psycopg.Error as exc:
            self.conn.execute("ROLLBACK")
            if getattr(exc, "sqlstate", None) not in _REFUSED_IN_TRANSACTION:
                raise
        return self._run_polled(stmt)

    def _run_polled(self, stmt: Statement) -> Observation:
        """Run a non-transactional statement while a second connection samples its locks."""
        import psycopg

        before = self.relations()
        seen: dict[int, set[LockMode]] = {}
        done = threading.Event()
        errors: list[BaseException] = []
        with psycopg.connect(self.uri, autocommit=True) as holder, \
                psycopg.connect(self.uri, autocommit=True) as poller:
            # An open snapshot: concurrent index builds wait for it, with their locks held.
            holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            holder.execute("SELECT 1")
            holder_open = True

            def poll() -> None:
                nonlocal holder_open
                try:
                    while not done.is_set():
                        for oid, modes in self._held(poller).items():
                            seen.setdefault(oid, set()).update(modes)
                        waiting = poller.execute(_WAITING, (self.pid,)).fetchone()[0]
                        if waiting and holder_open:
                            # Blocked on the snapshot, the statement holds its locks right
                            # now: read them before letting it go (the sample above may
                            # predate them, and after the commit it can finish at once).
                            for oid, modes in self._held(poller).items():
                                seen.setdefault(oid, set()).update(modes)
                            holder.execute("COMMIT")
                            holder_open = False
                        time.sleep(_POLL_INTERVAL)
                except BaseException as exc:  # reported by the main thread
                    errors.append(exc)

            thread = threading.Thread(target=poll, daemon=True)
            thread.start()
            started = time.perf_counter()
            try:
                self.conn.execute(stmt.sql)
            finally:
                seconds = time.perf_counter() - started
                done.set()
                thread.join()
                if holder_open:
                    holder.execute("COMMIT")
        if errors:
            raise errors[0]
        after = self.relations()
        existed = {name for name, _, _ in before.values()}
        rewrites = {name for oid, (name, kind, node) in before.items()
                    if kind in ("r", "m") and oid in after and after[oid][2] != node}
        return Observation(locks={before[oid][0]: max(m) for oid, m in seen.items()
                                  if oid in before},
                           rewrites=frozenset(rewrites), existed=frozenset(existed),
                           method="polling", transactional=False, in_block=False,
                           seconds=seconds)

