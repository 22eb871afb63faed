"""How the reports name the locks a MySQL or MariaDB statement takes: the metadata lock (MDL)
kind, as `performance_schema.metadata_locks` shows it, and an ALTER's ALGORITHM= and LOCK=.

The effect model keeps these locks as PostgreSQL's modes of what they block (effects/mysql.py,
`_LOCK_AS_MODE`), which the conflict checks read; each mode stands for one metadata lock kind
(the MySQL manual's "Metadata Locking", 10.11.4 in 8.0, and "Online DDL Performance and
Concurrency", 17.12.2): an online ALTER (LOCK=NONE) holds SHARED_UPGRADABLE, taking EXCLUSIVE
briefly at its start and end; LOCK=SHARED and a COPY hold SHARED_NO_WRITE; LOCK=EXCLUSIVE, DROP
and TRUNCATE TABLE hold EXCLUSIVE; DML holds SHARED_WRITE and a read SHARED_READ, until the
transaction ends; LOCK TABLES ... READ holds SHARED_READ_ONLY and ... WRITE SHARED_NO_READ_WRITE.
"""

from __future__ import annotations

from lockwise.core.types import Effect, LockMode
from lockwise.effects.mysql_ddl import NO_ALGORITHM

_METADATA_LOCKS = {LockMode.ROW_SHARE: "SHARED_READ",
                   LockMode.ROW_EXCLUSIVE: "SHARED_WRITE",
                   LockMode.SHARE_UPDATE_EXCLUSIVE: "SHARED_UPGRADABLE",
                   LockMode.SHARE: "SHARED_NO_WRITE",
                   LockMode.ACCESS_EXCLUSIVE: "EXCLUSIVE"}
_LOCK_TABLES = {LockMode.SHARE: "SHARED_READ_ONLY",
                LockMode.ACCESS_EXCLUSIVE: "SHARED_NO_READ_WRITE"}


#: How long DML's and a read's metadata lock is held: a statement's locks are released when
#: its transaction ends, which under autocommit is the statement's own end (the MySQL
#: manual's "Metadata Locking"; checked on MariaDB 10.11: still held before COMMIT).
HELD_UNTIL_TRANSACTION_END = "until its transaction ends, the statement's end under autocommit"

#: What waits behind a lock that blocks no read, write nor online DDL: behind DML's
#: SHARED_WRITE, the DDL that stops writes (LOCK=SHARED or EXCLUSIVE, a COPY), every ALTER's
#: brief EXCLUSIVE step, and LOCK TABLES; behind a read's SHARED_READ, only what takes
#: EXCLUSIVE or SHARED_NO_READ_WRITE (LOCK TABLES ... READ goes on: checked on MariaDB 10.11).
_WEAK_LOCK_TEXT = {
    LockMode.ROW_EXCLUSIVE: "blocks LOCK=SHARED / EXCLUSIVE and COPY DDL, the exclusive step "
                            "of every ALTER, and LOCK TABLES",
    LockMode.ROW_SHARE: "blocks the exclusive step of every ALTER, DROP, TRUNCATE and RENAME "
                        "TABLE, and LOCK TABLES ... WRITE"}


def weak_lock_blocks(mode: LockMode | None) -> str:
    """What waits behind the metadata lock `mode` stands for, when it blocks no read, write
    nor DDL (DML's, a read's)."""
    return _WEAK_LOCK_TEXT.get(mode or LockMode.ROW_EXCLUSIVE,
                               _WEAK_LOCK_TEXT[LockMode.ROW_EXCLUSIVE])


def weak_lock_text(effect: Effect, mode: LockMode | None) -> str:
    """`weak_lock_blocks`, and for how long: the lock line's words (LOCK TABLES' locks, the
    tables its foreign keys relate included, until UNLOCK TABLES)."""
    until = "UNLOCK TABLES" if _locks_tables(effect) else "it commits"
    return f"{weak_lock_blocks(mode)}, until {until}"


def _locks_tables(effect: Effect) -> bool:
    return any(a.kind == "mysql_lock_tables" for a in effect.actions)


def metadata_lock(effect: Effect, mode: LockMode) -> str:
    """The metadata lock kind `effect` holds where the model says `mode`."""
    if mode in _LOCK_TABLES and _locks_tables(effect):
        return lock_tables_lock(mode)
    return _METADATA_LOCKS.get(mode, mode.pg_name)


def lock_tables_lock(mode: LockMode) -> str:
    """The metadata lock kind a LOCK TABLES holds where the model says `mode`, on a table it
    lists or one the foreign keys relate to it (SHARED_READ_ONLY for a READ lock,
    SHARED_NO_READ_WRITE for WRITE, DML's kinds for what it prelocks as DML would)."""
    return _LOCK_TABLES.get(mode) or _METADATA_LOCKS.get(mode, mode.pg_name)


def table_as_written(effect: Effect, relation: str) -> str:
    """The table `relation` (the effect's key, in lower case as the catalog keeps MySQL's
    names) as the statement wrote it: the `table` an action of it names so; else the key."""
    low = relation.lower()
    return next((table for a in effect.actions if isinstance(table := a.facts.get("table"), str)
                 and table.lower() == low), relation)


#: How the reports name MariaDB's InnoDB table lock on a table whose foreign key references
#: the table a DDL changes (effects/mysql.py's `lock_key_children`).
KEY_CHILD_LOCK = "InnoDB exclusive table lock"


def _key_child(effect: Effect, relation: str) -> tuple[str, str]:
    """(the table whose DDL takes MariaDB's InnoDB table lock on `relation`, `relation`),
    each as the statement wrote it: `relation` references that table by a foreign key;
    ("", "") when the statement takes no such lock on it."""
    low = relation.lower()
    return next(((str(a.facts.get("table", "")), str(child)) for a in effect.actions
                 for child in a.facts.get("key_children", ()) if str(child).lower() == low),
                ("", ""))


def key_child_parent(effect: Effect, relation: str) -> str:
    """The table (as its statement wrote it) whose DDL takes MariaDB's InnoDB table lock on
    `relation`, which references it by a foreign key; "" when it takes none there."""
    return _key_child(effect, relation)[0]


def relation_lock(effect: Effect, relation: str, mode: LockMode) -> str:
    """`metadata_lock` of `relation`, or KEY_CHILD_LOCK where that is what the statement
    takes on it: the lock's name in the JSON report and in the messages' lock lists."""
    return KEY_CHILD_LOCK if key_child_parent(effect, relation) else metadata_lock(effect, mode)


def lock_label(effect: Effect, relation: str, mode: LockMode) -> str:
    """`SHARED_UPGRADABLE metadata lock (ALGORITHM=INSTANT, LOCK=NONE)`: the lock, and for the
    table an ALTER changes, how the server runs it; for a table whose foreign key references
    the table a MariaDB DDL changes, InnoDB's table lock, taken at the DDL's end."""
    parent, child = _key_child(effect, relation)
    if parent:
        return (f"{KEY_CHILD_LOCK} (at the DDL's end, for {child}'s foreign key to {parent}: "
                f"the DDL waits for every open transaction that wrote {child})")
    label = f"{metadata_lock(effect, mode)} metadata lock"
    for action in effect.actions:
        facts = action.facts
        if action.kind == "mysql_alter_table" and \
                str(facts.get("table", "")).lower() == relation.lower():
            if facts["algorithm"] == NO_ALGORITHM:  # DISCARD / IMPORT TABLESPACE
                return (f"{label} (no ALGORITHM: neither instant, in place nor a copy; a "
                        "tablespace file deleted or attached)")
            return f"{label} (ALGORITHM={facts['algorithm']}, LOCK={facts['lock_level']})"
    return label
