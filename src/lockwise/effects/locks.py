"""The PostgreSQL table-lock conflict matrix and what each mode blocks, in one place.

Source: PostgreSQL documentation, "Explicit Locking", table 13.2 (Conflicting Lock Modes).
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from functools import cache, lru_cache
from types import MappingProxyType

from lockwise.core.types import Effect, LockMode
from lockwise.parse.quoting import quote_qualified

M = LockMode

#: For each mode, the modes it conflicts with.
CONFLICTS: dict[LockMode, frozenset[LockMode]] = {
    M.ACCESS_SHARE: frozenset({M.ACCESS_EXCLUSIVE}),
    M.ROW_SHARE: frozenset({M.EXCLUSIVE, M.ACCESS_EXCLUSIVE}),
    M.ROW_EXCLUSIVE: frozenset({M.SHARE, M.SHARE_ROW_EXCLUSIVE, M.EXCLUSIVE, M.ACCESS_EXCLUSIVE}),
    M.SHARE_UPDATE_EXCLUSIVE: frozenset(
        {M.SHARE_UPDATE_EXCLUSIVE, M.SHARE, M.SHARE_ROW_EXCLUSIVE, M.EXCLUSIVE, M.ACCESS_EXCLUSIVE}
    ),
    M.SHARE: frozenset(
        {M.ROW_EXCLUSIVE, M.SHARE_UPDATE_EXCLUSIVE, M.SHARE_ROW_EXCLUSIVE, M.EXCLUSIVE,
         M.ACCESS_EXCLUSIVE}
    ),
    M.SHARE_ROW_EXCLUSIVE: frozenset(
        {M.ROW_EXCLUSIVE, M.SHARE_UPDATE_EXCLUSIVE, M.SHARE, M.SHARE_ROW_EXCLUSIVE, M.EXCLUSIVE,
         M.ACCESS_EXCLUSIVE}
    ),
    M.EXCLUSIVE: frozenset(
        {M.ROW_SHARE, M.ROW_EXCLUSIVE, M.SHARE_UPDATE_EXCLUSIVE, M.SHARE, M.SHARE_ROW_EXCLUSIVE,
         M.EXCLUSIVE, M.ACCESS_EXCLUSIVE}
    ),
    M.ACCESS_EXCLUSIVE: frozenset(LockMode),
}

# The weakest lock taken by each kind of concurrent work; a mode blocks the work when it
# conflicts with that lock.
_READ = M.ACCESS_SHARE  # SELECT
_WRITE = M.ROW_EXCLUSIVE  # INSERT / UPDATE / DELETE
_DDL = M.SHARE_UPDATE_EXCLUSIVE  # VACUUM, ANALYZE, CREATE INDEX CONCURRENTLY, most ALTER TABLE


def conflicts(a: LockMode, b: LockMode) -> bool:
    """True when a lock in mode `a` and one in mode `b` cannot be held at once."""
    return b in CONFLICTS[a]


#: The modes other sessions' routine work holds for as long as it runs: reads, SELECT FOR
#: UPDATE, writes, VACUUM / ANALYZE / CREATE INDEX CONCURRENTLY, CREATE INDEX, REFRESH
#: MATERIALIZED VIEW CONCURRENTLY. Not ACCESS EXCLUSIVE: another migration's DDL.
_ROUTINE_WORK = frozenset({M.ACCESS_SHARE, M.ROW_SHARE, M.ROW_EXCLUSIVE,
                           M.SHARE_UPDATE_EXCLUSIVE, M.SHARE, M.EXCLUSIVE})


def waits_for_routine_work(mode: LockMode) -> bool:
    """Whether a request in `mode` may queue behind another session's routine work. ACCESS
    SHARE conflicts with none: it waits only for another session's ACCESS EXCLUSIVE, held or
    queued (a GRANT on a table waits for an ALTER TABLE of it, not for a running SELECT,
    UPDATE, SELECT FOR UPDATE or CREATE INDEX: checked on 18.6, tests/test_grant_lock_pg.py)."""
    return any(conflicts(mode, held) for held in _ROUTINE_WORK)


#: The modes whose request makes INSERT, UPDATE and DELETE queue behind it while it waits
#: (SHARE and stronger: a queued request is granted before later ones).
_BLOCKING_WRITES = frozenset(mode for mode in M if conflicts(mode, _WRITE))


def blocks(mode: LockMode) -> tuple[str, ...]:
    """What concurrent work waits while `mode` is held: a subset of reads, writes, ddl."""
    out = []
    if conflicts(mode, _READ):
        out.append("reads")
    if conflicts(mode, _WRITE):
        out.append("writes")
    if conflicts(mode, _DDL):
        out.append("ddl")
    return tuple(out)


def blocked_work(effect: Effect) -> dict[str, tuple[str, ...]]:
    """What concurrent work waits on each relation while the statement holds its locks: what
    its lock blocks, and every query on a table one of whose indexes it holds ACCESS
    EXCLUSIVE (REINDEX, ALTER INDEX ... SET TABLESPACE: planning opens all the table's
    indexes, so even a SELECT that uses another index waits; checked on the server)."""
    out = {rel: blocks(mode) for rel, mode in effect.locks.items()}
    for table in index_held_exclusive(effect):
        out[table] = blocks(M.ACCESS_EXCLUSIVE)
    return out


def _index_held_tables(facts: dict) -> tuple[str, ...]:
    """The tables whose queries wait for an index an action holds ACCESS EXCLUSIVE: its
    table's, or (REINDEX of a partitioned table) each partition's in turn, and the parent's
    queries, which open them (`index_exclusive_tables`)."""
    return facts.get("index_exclusive_tables") or (facts.get("table") or "",)


def index_held_exclusive(effect: Effect) -> frozenset[str]:
    """The tables one of whose indexes (or of whose partitions') the statement holds ACCESS
    EXCLUSIVE."""
    return frozenset(t for a in effect.actions if a.facts.get("index_access_exclusive")
                     for t in _index_held_tables(a.facts)) - {""}


# Cached: every statement's locks are shown in its facts, and a history locks the same few
# tables thousands of times.
@lru_cache(maxsize=4096)
def relation_shown(name: str, dialect: str = "postgresql") -> str:
    """How messages and reports name the relation `name` (`schema.name`, as the facts hold
    it): quoted where PostgreSQL needs it (`public."Booking"`: bare, `public.Booking` is
    another table, and `public.user` no SQL at all). A MySQL or MariaDB relation is shown as
    the facts hold it, and so is one whose template placeholder or psql variable a report
    writes back (`{{ .Schema }}.users`, `:schema.users`: the template's text, not a name)."""
    if dialect != "postgresql" or not name or "{" in name or ":" in name:
        return name
    return quote_qualified(name)


def relation_named(effect: Effect, name: str) -> str:
    """`relation_shown` of the relation `effect` locks, rewrites or scans as `name`: a MySQL
    or MariaDB table as its statement wrote it (`Posts`, which the catalog keys `posts`:
    table names are case-sensitive on Linux)."""
    if effect.dialect == "postgresql":
        return relation_shown(name)
    from lockwise.effects.mysql_locks import table_as_written

    return table_as_written(effect, name)


def relation_is_new(new: Container[str], relation: str) -> bool:
    """Whether `relation` (qualified, as locks name it) is among `new` (Context.new_tables):
    a table, view or materialized view (filed by its name alone), sequence (a serial's and
    an identity's too) or index (filed under their object keys, "sequence:public.s") made
    earlier in the migration, or given its name by a rename or move of one. No application
    uses it yet, so no one waits on its locks (another session does not even see it before
    the migration's transaction commits: checked on 18.6)."""
    return relation in new or f"sequence:{relation}" in new or f"index:{relation}" in new


def queued_locks(effect: Effect, new: Container[str] = ()) -> dict[str, LockMode]:
    """The locks queries queue behind while the statement waits for them, by what messages
    name (`relation_shown`): its table locks, but not on the relations `new` holds
    (Context.new_tables: created earlier in the migration, no query of the application uses
    them: `relation_is_new`), and ACCESS EXCLUSIVE on each index it holds so (REINDEX, ALTER
    INDEX ... SET TABLESPACE, DEPENDS ON EXTENSION): planning any query on the table opens all
    its indexes, so reads and writes queue behind the waiting request as behind one on the
    table (checked on the server). Such an index is named with its table, in place of the
    table's own weaker lock; one created in the migration, or of a new table, counts for
    nothing."""
    locks = {relation_shown(t, effect.dialect): m for t, m in effect.locks.items()
             if not new or not relation_is_new(new, t)}
    held = [a.facts for a in effect.actions if a.facts.get("index_access_exclusive")]
    for facts in held:  # (nearly every statement holds no index so)
        index = facts.get("index") or ""
        for table in _index_held_tables(facts):
            shown = relation_shown(table, effect.dialect)
            if (table and relation_is_new(new, table)) or \
                    (index and relation_is_new(new, index)) or \
                    locks.get(shown) is M.ACCESS_EXCLUSIVE:
                continue
            locks.pop(shown, None)
            locks[_held_index_name(facts, table)] = M.ACCESS_EXCLUSIVE
    return locks


def _held_index_name(facts: Mapping[str, object], table: str) -> str:
    """How messages name the index(es) an action holds ACCESS EXCLUSIVE on `table`."""
    index = facts.get("index") or ""
    name = f"index {quote_qualified(str(index))}" if index and \
        not facts.get("index_exclusive_tables") \
        else "the indexes"
    return f"{name} of {relation_shown(table)}" if table else name


def inserts_pass(effect: Effect) -> frozenset[str]:
    """The partitioned indexes `effect` holds ACCESS EXCLUSIVE alone (ALTER INDEX ... SET
    TABLESPACE of one), as `queued_locks` names them: behind the waiting request a plain
    INSERT through the parent goes on (it opens only the partition's indexes), while reads,
    UPDATE, DELETE, MERGE, COPY FROM and an INSERT whose ON CONFLICT target infers the index
    wait (checked on the server)."""
    return frozenset(_held_index_name(a.facts, str(a.facts.get("table") or ""))
                     for a in effect.actions
                     if a.facts.get("index_access_exclusive") and a.facts.get("index_partitioned"))


def _indexes_held_text(effect: Effect) -> dict[str, str]:
    """For each table one of whose indexes (or of whose partitions') the statement holds
    ACCESS EXCLUSIVE, what the reports say is held so: "its index(es)"; for REINDEX of a
    partitioned table or index, which works one partition a transaction (checked on the
    server), the parent's partitions' indexes in turn (its own SHARE only while they are
    listed; its partitioned index never for REINDEX TABLE, only while the partitions are
    listed for REINDEX INDEX of it) and each partition's in its own turn."""
    out: dict[str, str] = {}
    for facts in (a.facts for a in effect.actions if a.facts.get("index_access_exclusive")):
        in_turn = facts.get("index_exclusive_tables") or ()
        for table in _index_held_tables(facts):
            if not in_turn:
                out[table] = "its index(es)"
            elif table == facts.get("table") and facts.get("target") == "index":
                out[table] = (f"index {quote_qualified(str(facts.get('index')))} while its "
                              "partitions are listed (its own lock too), then its partitions' "
                              "indexes one partition at a time")
            elif table == facts.get("table"):
                out[table] = ("its partitions' indexes, one partition at a time (its own lock is "
                              "held only while its partitions are listed)")
            else:
                out[table] = "its index(es) in its own turn"
    out.pop("", None)
    return out


def lock_lines(effect: Effect) -> list[tuple[str, LockMode | None, str, str]]:
    """One line per relation for the reports, by name: (relation, its lock or None, what of
    its indexes is held ACCESS EXCLUSIVE as a phrase, "" for none, what waits as a phrase)."""
    work = blocked_work(effect)
    if effect.dialect != "postgresql":
        # a MySQL lock that blocks no read, write nor online DDL: MySQL's words for what waits
        return [(rel, effect.locks.get(rel), "", work_text(work[rel]) if work[rel]
                 else _weak_lock_text(effect, effect.locks.get(rel))) for rel in sorted(work)]
    held = _indexes_held_text(effect)
    # a table whose index alone is held has no lock of its own, and its work is never empty
    return [(rel, effect.locks.get(rel), held.get(rel, ""),
             work_text(work[rel], effect.locks.get(rel, M.ACCESS_SHARE)))
            for rel in sorted(work)]


def lock_name(effect: Effect, mode: LockMode, relation: str = "") -> str:
    """How the reports name the lock `mode` that `effect` takes (on `relation`, when given):
    PostgreSQL's mode name, or a MySQL / MariaDB statement's metadata lock kind, or the InnoDB
    table lock a MariaDB DDL takes on a table referencing its own (effects/mysql_locks.py)."""
    if effect.dialect == "postgresql":
        return mode.pg_name
    from lockwise.effects.mysql_locks import metadata_lock, relation_lock

    return relation_lock(effect, relation, mode) if relation else metadata_lock(effect, mode)


def lock_shown(effect: Effect, mode: LockMode, relation: str = "") -> str:
    """`lock_name` as a report's reader sees it: a PostgreSQL mode by the documentation's
    name (`ACCESS EXCLUSIVE`), as messages name it; pg_locks' name (`AccessExclusiveLock`)
    stays what JSON and the facts carry."""
    if effect.dialect == "postgresql":
        return mode.sql_name
    return lock_name(effect, mode, relation)


def lock_label(effect: Effect, relation: str, mode: LockMode) -> str:
    """`lock_shown`, with, for a MySQL ALTER's table, the ALGORITHM= and LOCK= it runs
    with."""
    if effect.dialect == "postgresql":
        return lock_shown(effect, mode)
    from lockwise.effects.mysql_locks import lock_label as mysql_lock_label

    return mysql_lock_label(effect, relation, mode)


@cache
def blocks_text(mode: LockMode) -> str:
    """A human phrase for what `mode` blocks, e.g. 'blocks reads and writes'."""
    return work_text(blocks(mode), mode)


def held_text(effect: Effect, mode: LockMode) -> str:
    """How long the lock `mode` that `effect` takes is held, then what waits behind it:
    "briefly (blocks ...)"; for a MySQL lock that blocks no read, write nor DDL (DML's, a
    read's), held until the transaction ends, that and what waits in MySQL's words
    (effects/mysql_locks.py)."""
    if effect.dialect == "postgresql" or blocks(mode):
        return f"briefly ({blocks_text(mode)})"
    from lockwise.effects.mysql_locks import HELD_UNTIL_TRANSACTION_END, weak_lock_blocks

    return f"{HELD_UNTIL_TRANSACTION_END} ({weak_lock_blocks(mode)})"


def _weak_lock_text(effect: Effect, mode: LockMode | None) -> str:
    from lockwise.effects.mysql_locks import weak_lock_text

    return weak_lock_text(effect, mode)


#: What waits behind a lock that blocks no read, write or SHARE UPDATE EXCLUSIVE work, by the
#: weakest mode it conflicts with (every stronger one conflicts too).
_WEAK_LOCK_TEXT = {
    M.SHARE: "blocks SHARE and stronger locks (CREATE INDEX without CONCURRENTLY, CREATE "
             "TRIGGER, ADD FOREIGN KEY, most ALTER TABLE)",
    M.EXCLUSIVE: "blocks EXCLUSIVE and stronger locks (REFRESH MATERIALIZED VIEW "
                 "CONCURRENTLY, most ALTER TABLE)",
    M.ACCESS_EXCLUSIVE: "blocks nothing but ACCESS EXCLUSIVE",
}


@cache
def work_text(what: tuple[str, ...], mode: LockMode = M.ACCESS_SHARE) -> str:
    """A human phrase for the work `what` (from `blocks`), e.g. 'blocks reads and writes';
    when it is none, the locks `mode` (the one held) blocks."""
    if not what:
        return _WEAK_LOCK_TEXT[min(CONFLICTS[mode])]
    names = {"reads": "reads", "writes": "writes", "ddl": "other DDL"}
    words = [names[w] for w in what]
    return "blocks " + (", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0])


def strongest(a: LockMode | None, b: LockMode) -> LockMode:
    return b if a is None or b > a else a


#: The facts of a statement no query queues behind (most of them): shared, never changed.
_NO_WRITE_BLOCKING = MappingProxyType(
    {"blocks_queries": False, "blocks_writes": False, "write_blocking_text": "",
     "queued_behind_text": ""})


def write_blocking_facts(locks: dict[str, LockMode], unwritten: Container[str] = (),
                         inserts_go_on: Container[str] = ()) -> Mapping[str, object]:
    """The locks of `locks` that queries queue behind, as messages name them:
    `write_blocking_text` ("SHARE on public.a, public.b") and `queued_behind_text` (what
    queues: every query behind ACCESS EXCLUSIVE, every write behind a weaker mode).
    `unwritten`: the relations no query writes (materialized views: only REFRESH changes
    them), behind which a mode weaker than ACCESS EXCLUSIVE queues no query (checked on the
    server: a SELECT passes a queued EXCLUSIVE or SHARE on one). `inserts_go_on`: those
    behind which a plain INSERT goes on (`inserts_pass`). `blocks_queries`: reads or writes
    queue; `blocks_writes`: writes do."""
    by_mode: dict[LockMode, list[str]] = {}
    by_work: dict[str, list[str]] = {}
    for table, mode in locks.items():
        work = _queued_work(mode, table in unwritten)
        if work is _EVERY_QUERY and table in inserts_go_on:
            work = _ALL_BUT_INSERT
        if work:
            by_mode.setdefault(mode, []).append(table)
            by_work.setdefault(work, []).append(table)
    if not by_mode:
        return _NO_WRITE_BLOCKING
    if len(by_mode) == 1:  # (nearly every statement: one mode, no sort)
        [(mode, tables)] = by_mode.items()
        waits = f"{_MODE_TEXT[mode]} on {', '.join(tables)}"
    else:
        waits = " and ".join(f"{_MODE_TEXT[mode]} on {', '.join(tables)}"
                             for mode, tables in sorted(by_mode.items(), reverse=True))
    if len(by_work) == 1:
        [(work, tables)] = by_work.items()
        queued = f"{work} on {'it' if len(tables) == 1 else 'them'} queues"
    else:
        queued = " and ".join(f"{work} on {', '.join(tables)}"
                              for work, tables in sorted(by_work.items(), key=_severity)) \
            + " queue"
    return {"blocks_queries": True, "blocks_writes": _EVERY_WRITE in by_work
            or _EVERY_QUERY in by_work or _ALL_BUT_INSERT in by_work,
            "write_blocking_text": waits,
            "queued_behind_text": queued}


#: Each lock mode as `write_blocking_text` names it ("SHARE ROW EXCLUSIVE"): an enum's
#: `name` is a property, looked up anew at each read.
_MODE_TEXT = {mode: mode.name.replace("_", " ") for mode in M}
_EVERY_QUERY = "every read and write"
#: Behind a partitioned index (`inserts_pass`); an INSERT whose ON CONFLICT target infers
#: the index is no plain one.
_ALL_BUT_INSERT = "every read and write but a plain INSERT"
_EVERY_WRITE = "every write (reads go on)"
_EVERY_READ = "every read"
_SEVERITY = {_EVERY_QUERY: 0, _ALL_BUT_INSERT: 1, _EVERY_READ: 2, _EVERY_WRITE: 3}


def _severity(group: tuple[str, list[str]]) -> int:
    return _SEVERITY[group[0]]


def _queued_work(mode: LockMode, unwritten: bool) -> str:
    """What queues behind a waiting request in `mode` on a relation, said in full ("" for
    no query): whether reads do is what tells an outage from a stall of writes."""
    reads = conflicts(mode, _READ)
    if unwritten:
        return _EVERY_READ if reads else ""
    if reads:
        return _EVERY_QUERY
    return _EVERY_WRITE if mode in _BLOCKING_WRITES else ""
