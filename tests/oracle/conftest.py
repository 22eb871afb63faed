"""The oracle harness: run a statement on the real server and compare with the effect model.

For each case the setup SQL is committed in a schema of its own (one database for the whole
oracle run: a schema is much cheaper than a database), and replayed into a lockwise Catalog so the
static model knows what the server knows. Then the statement runs:

* inside `BEGIN ... ROLLBACK` when it can: the backend's own relation locks are read from
  `pg_locks`, relfilenodes from `pg_class` and sequential scans from
  `pg_stat_get_xact_numscans()`, all before the rollback;
* on a second connection when it cannot run in a transaction block (CONCURRENTLY, VACUUM): a
  third connection holds a lock chosen per case (the "blocker") that makes the statement wait
  at its last lock acquisition; while it waits, its granted and awaited locks are read from
  `pg_locks`, then the blocker lets go and the statement finishes.

Names: the case's schema stands in for `public` (the model qualifies unqualified names with
`public`), so server relation `o12.orders` is compared with model relation `public.orders`.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.catalog.search_path import PathInForce
from lockwise.core.types import Effect, LockMode
from lockwise.effects.context import Context
from lockwise.effects.postgres import compute_effect
from lockwise.effects.session import Session
from lockwise.parse.postgres import parse_sql

#: Relation kinds compared: ordinary, partitioned and foreign tables, views, matviews.
_USER_RELKINDS = ("r", "p", "m", "v", "f")
#: Indexes are observed apart: their locks are not table locks, but an ACCESS EXCLUSIVE one
#: stops every query that plans with the table.
_INDEX_RELKINDS = ("i", "I")
#: Sequences are observed apart too, and compared only for the cases that ask (`sequences`):
#: every nextval() (an INSERT into a serial column) takes a lock on one.
_SEQUENCE_RELKINDS = ("S",)
#: A role the OWNER TO cases can hand tables to (roles are cluster-wide).
ORACLE_ROLE = "lockwise_oracle_owner"
#: A tablespace besides pg_default for the SET TABLESPACE cases (cluster-wide too), in a
#: directory inside the server's data directory, which goes with it.
ORACLE_TABLESPACE = "lockwise_oracle_ts"
#: Upper bound on waiting for a non-transactional statement to block: a safety net against a
#: hung test, not a measurement (the statement normally blocks within milliseconds).
_BLOCK_WAIT_SECONDS = 30.0

_case_ids = itertools.count()


@dataclass(slots=True)
class Observation:
    """What the server did, on the relations that existed before the statement."""

    locks: dict[str, LockMode] = field(default_factory=dict)
    rewrites: set[str] = field(default_factory=set)
    scans: set[str] | None = None  # None: not observable (statement ran outside our backend)
    transactional: bool = True
    #: Model names of the user relations that existed before the statement.
    relations: set[str] = field(default_factory=set)
    #: Strongest lock per index that existed before the statement.
    index_locks: dict[str, LockMode] = field(default_factory=dict)
    #: Strongest lock per sequence that existed before the statement.
    sequence_locks: dict[str, LockMode] = field(default_factory=dict)
    #: Model names of the sequences that existed before the statement.
    sequences: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Prediction:
    locks: dict[str, LockMode]
    rewrites: set[str]
    scans: set[str]
    transactional: bool
    effect: Effect


class Oracle:
    """One database on the session's server; each `check` runs one case in a fresh schema."""

    def __init__(self, uri: str) -> None:
        import psycopg

        self.uri = uri
        with psycopg.connect(uri, autocommit=True) as conn:
            row = conn.execute("SHOW server_version_num").fetchone()
            assert row is not None
            self.server_major = int(row[0]) // 10000
            conn.execute(
                "DO $$ BEGIN CREATE ROLE " + ORACLE_ROLE + "; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
            self.has_tablespace = _make_tablespace(conn)

    # --- the model side -------------------------------------------------------------------

    def predict(self, setup: str, sql: str, context: dict, session: str = "") -> Prediction:
        catalog = Catalog()
        for stmt in _parse(setup):
            apply_statement(catalog, stmt.tree, "setup")
        (stmt,) = _parse(sql)
        ctx = Context(catalog=catalog, pg_version=self.server_major, new_tables=set(), **context)
        followed = _followed(session.format(public="public"), catalog)
        ctx.prepared = followed.prepared  # (what the session PREPAREd, EXECUTE runs)
        with PathInForce(catalog) as path:
            path.use(followed.search_path)
            effect = compute_effect(stmt.tree, ctx)
        return Prediction(dict(effect.locks), set(effect.rewrites), set(effect.scans),
                          effect.transactional, effect)

    # --- the server side ------------------------------------------------------------------

    def _connect(self, schema: str, session: str = ""):  # -> psycopg.Connection
        import psycopg

        conn = psycopg.connect(self.uri, autocommit=True)
        # A fixed non-UTC zone: timestamp -> timestamptz rewrites unless a case says otherwise,
        # which is what the model assumes when it does not know the session's TimeZone.
        conn.execute(f"SET search_path TO {schema}; SET TimeZone = 'America/New_York'")
        if session:  # `{public}` in a session stands for the case's stand-in for public
            conn.execute(session.format(public=schema))
        return conn

    def observe(self, setup: str, sql: str, *, session: str = "", blocker: str = "",
                schemas: tuple[str, ...] = (),
                interrupted: tuple[str, str] = ()) -> Observation:
        """`schemas`: schemas besides the case's that the setup creates, observed under their
        own names (dropped before and after: they are the database's, not the case's).
        `interrupted`: (statement, holder): after the setup, the statement is cancelled while
        it waits for `holder`, held open in another session (a DETACH ... CONCURRENTLY left
        pending, for FINALIZE)."""
        import psycopg

        schema = f"o{next(_case_ids)}"
        with psycopg.connect(self.uri, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
            for extra in schemas:
                admin.execute(f"DROP SCHEMA IF EXISTS {extra} CASCADE")
        try:
            if interrupted:
                self._setup_and_interrupt(schema, setup, *interrupted)
                setup = ""
            return self._observe(schema, setup, sql, session, blocker, schemas)
        finally:
            with psycopg.connect(self.uri, autocommit=True) as admin:
                for extra in schemas:
                    admin.execute(f"DROP SCHEMA IF EXISTS {extra} CASCADE")

    def _setup_and_interrupt(self, schema: str, setup: str, statement: str,
                             holder_sql: str) -> None:
        """Run `setup`, then `statement` on a connection of its own until it waits for
        `holder_sql` (held in an open transaction), and cancel it there."""
        import psycopg

        with self._connect(schema) as setup_conn:
            setup_conn.execute(setup)
        with self._connect(schema) as holder, self._connect(schema) as runner, \
                self._connect(schema) as monitor:
            holder.autocommit = False
            holder.execute(holder_sql)
            errors: list[BaseException] = []

            def run() -> None:
                try:
                    runner.execute(statement)
                except psycopg.errors.QueryCanceled:
                    pass
                except BaseException as exc:  # reported by the main thread
                    errors.append(exc)

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            try:
                _locks_while_blocked(monitor, runner.info.backend_pid, holder.info.backend_pid,
                                     [], worker)
                monitor.execute("SELECT pg_cancel_backend(%s)", (runner.info.backend_pid,))
                worker.join(_BLOCK_WAIT_SECONDS)
            finally:
                holder.rollback()
            assert not worker.is_alive() and not errors, f"not interrupted: {errors}"

    def _observe(self, schema: str, setup: str, sql: str, session: str, blocker: str,
                 schemas: tuple[str, ...]) -> Observation:
        import psycopg

        # The setup runs on a connection of its own: a backend keeps unflushed table statistics
        # across transactions, and the statement's connection must start with none so that
        # pg_stat_get_xact_numscans() counts the statement's scans only.
        with self._connect(schema) as setup_conn:
            if setup.strip():
                setup_conn.execute(setup)
        with self._connect(schema, session) as conn:
            relations = _relations(conn, schema, _USER_RELKINDS, schemas)
            indexes = _relations(conn, schema, _INDEX_RELKINDS, schemas)
            # Indexes and sequences: locks on them are read, apart from the tables'.
            apart = {"index": indexes,
                     "sequence": _relations(conn, schema, _SEQUENCE_RELKINDS, schemas)}
            try:
                obs = self._observe_in_transaction(conn, sql, relations, apart)
            except psycopg.errors.ActiveSqlTransaction:
                # Refused inside a transaction block: watch it from outside instead.
                assert blocker, f"no blocker given for a non-transactional statement: {sql}"
                obs = self._observe_blocked(schema, session, sql, blocker, relations, apart,
                                            conn)
                obs.transactional = False
        obs.relations = {name for name, _ in relations.values()}
        obs.sequences = {name for name, _ in apart["sequence"].values()}
        return obs

    def _observe_in_transaction(self, conn, sql: str, relations: dict,
                                apart: dict[str, dict]) -> Observation:
        oids = list(relations)
        conn.autocommit = False
        try:
            conn.execute(sql)
            locks = conn.execute(
                "SELECT relation::oid, mode FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND locktype = 'relation' AND relation = ANY(%s)",
                (oids + [oid for rels in apart.values() for oid in rels],)).fetchall()
            after = dict(conn.execute(
                "SELECT oid, relfilenode FROM pg_class WHERE oid = ANY(%s)", (oids,)).fetchall())
            scanned = conn.execute(
                "SELECT oid FROM pg_class WHERE oid = ANY(%s) "
                "AND pg_stat_get_xact_numscans(oid) > 0", (oids,)).fetchall()
        finally:
            conn.rollback()
            conn.autocommit = True
        return Observation(locks=_strongest(locks, relations),
                           rewrites=_rewritten(relations, after),
                           scans={relations[oid][0] for (oid,) in scanned},
                           index_locks=_strongest(locks, apart["index"]),
                           sequence_locks=_strongest(locks, apart["sequence"]))

    def _observe_blocked(self, schema: str, session: str, sql: str, blocker: str,
                         relations: dict, apart: dict[str, dict], conn) -> Observation:
        """Run `sql` on its own connection while `blocker` (in an open transaction) holds it."""
        oids = list(relations)
        with self._connect(schema, session) as holder, self._connect(schema, session) as runner:
            holder.autocommit = False
            holder.execute(blocker)
            pid = runner.info.backend_pid
            errors: list[BaseException] = []

            def run() -> None:
                try:
                    runner.execute(sql)
                except BaseException as exc:  # reported by the main thread
                    errors.append(exc)

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            try:
                locks = _locks_while_blocked(conn, pid, holder.info.backend_pid,
                                             oids + [oid for rels in apart.values()
                                                     for oid in rels], worker)
            finally:
                holder.rollback()
                worker.join(_BLOCK_WAIT_SECONDS)
            assert not worker.is_alive(), f"statement never finished: {sql}"
            if errors:
                raise errors[0]
        after = dict(conn.execute(
            "SELECT oid, relfilenode FROM pg_class WHERE oid = ANY(%s)", (oids,)).fetchall())
        return Observation(locks=_strongest(locks, relations),
                           rewrites=_rewritten(relations, after), scans=None,
                           index_locks=_strongest(locks, apart["index"]),
                           sequence_locks=_strongest(locks, apart["sequence"]))


def _make_tablespace(conn) -> bool:  # conn: psycopg.Connection
    """Create ORACLE_TABLESPACE unless it exists; False when this process cannot make a
    directory the server's user owns (the server runs as another user and we are not root)."""
    import os

    import psycopg

    if conn.execute("SELECT 1 FROM pg_tablespace WHERE spcname = %s",
                    (ORACLE_TABLESPACE,)).fetchone():
        return True
    row = conn.execute("SHOW data_directory").fetchone()
    assert row is not None
    location = os.path.join(row[0], ORACLE_TABLESPACE)
    try:
        os.makedirs(location, exist_ok=True)
        owner = os.stat(row[0])
        if os.stat(location).st_uid != owner.st_uid:
            os.chown(location, owner.st_uid, owner.st_gid)
        conn.execute(f"CREATE TABLESPACE {ORACLE_TABLESPACE} LOCATION '{location}'")
    except (OSError, psycopg.Error):
        return False
    return True


def _parse(sql: str) -> list:
    parsed = parse_sql(sql)
    assert not parsed.problems, parsed.problems
    return parsed.statements


def _relations(conn, schema: str, kinds: tuple[str, ...],
               others: tuple[str, ...] = ()) -> dict[int, tuple[str, int]]:
    """oid -> (model name, relfilenode) of the relations of `schema` (the model's public)
    and of the `others` schemas, of the given kinds."""
    rows = conn.execute(
        "SELECT c.oid, n.nspname, c.relname, c.relfilenode FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind = ANY(%s)",
        ([schema, *others], list(kinds))).fetchall()
    return {oid: (f"{'public' if nsp == schema else nsp}.{name}", node)
            for oid, nsp, name, node in rows}


def _followed(session: str, catalog: Catalog) -> Session:
    """The session SQL followed as lint's session follows it: the search_path it leaves in
    force, the statements it PREPAREs."""
    state = Session(implicit_transaction=False)
    for stmt in _parse(session) if session.strip() else ():
        state.after(compute_effect(stmt.tree, Context(catalog=catalog)), stmt.index)
    return state


def _strongest(rows: list, relations: dict) -> dict[str, LockMode]:
    out: dict[str, LockMode] = {}
    for oid, mode in rows:
        if oid not in relations:
            continue
        name = relations[oid][0]
        out[name] = max(out.get(name, LockMode.ACCESS_SHARE), LockMode.from_pg_name(mode))
    return out


def _rewritten(relations: dict, after: dict) -> set[str]:
    # Partitioned tables and views have no storage (relfilenode 0); dropped relations are gone.
    return {name for oid, (name, node) in relations.items()
            if node and oid in after and after[oid] != node}


def _locks_while_blocked(conn, pid: int, holder: int, oids: list[int],
                         worker: threading.Thread) -> list:
    """Poll until backend `pid` waits for backend `holder` (the blocker); return its relation
    locks at that moment. Any other wait is passed over: a CONCURRENTLY statement also waits a
    moment for the snapshots of this poll's own queries."""
    import time

    deadline = time.monotonic() + _BLOCK_WAIT_SECONDS
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT %s = ANY(pg_blocking_pids(%s))", (holder, pid)).fetchone()
        if waiting and waiting[0]:
            return conn.execute(
                "SELECT relation::oid, mode FROM pg_locks WHERE pid = %s "
                "AND locktype = 'relation' AND relation = ANY(%s)", (pid, oids)).fetchall()
        if not worker.is_alive():
            break
        time.sleep(0.01)
    raise AssertionError("the statement never waited on the blocker: choose a blocker that "
                         "conflicts with its last lock")


@pytest.fixture(scope="module")
def oracle(pg_server: str) -> Iterator[Oracle]:
    from lockwise.db.scratch import create_database

    yield Oracle(create_database(pg_server, "lockwise_oracle"))
