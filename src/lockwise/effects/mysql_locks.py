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

from typing import NamedTuple

from lockwise.core.types import Action, Effect, LockMode
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


class _Filed(NamedTuple):
    """What the functions below look up in an effect's actions, each relation by its name in
    lower case, the first action's answer kept: the table as written, (the table whose DDL
    locks it as a key child, it as written), the ALTER TABLE of it; whether it has a LOCK
    TABLES."""

    written: dict[str, str]
    key_children: dict[str, tuple[str, str]]
    alters: dict[str, Action]
    locks_tables: bool


#: The last effect's actions (held: `is` cannot match another tuple at a reused address) and
#: what `_filed` found in them: a report asks for each relation of one effect in turn, and a
#: walk of every action for each made a DROP TABLE of thousands of tables quadratic.
_last_filed: list[tuple[tuple[Action, ...], _Filed]] = []


def _filed(effect: Effect) -> _Filed:
    """What `effect`'s actions say of each relation (`_Filed`), found once for its actions."""
    actions = effect.actions
    if _last_filed and _last_filed[0][0] is actions:
        return _last_filed[0][1]
    written: dict[str, str] = {}
    key_children: dict[str, tuple[str, str]] = {}
    alters: dict[str, Action] = {}
    for a in actions:
        facts = a.facts
        if isinstance(table := facts.get("table"), str):
            written.setdefault(table.lower(), table)
        for child in facts.get("key_children", ()):
            key_children.setdefault(str(child).lower(), (str(facts.get("table", "")),
                                                         str(child)))
        if a.kind == "mysql_alter_table":
            alters.setdefault(str(facts.get("table", "")).lower(), a)
    filed = _Filed(written, key_children, alters,
                   any(a.kind == "mysql_lock_tables" for a in actions))
    _last_filed[:] = [(actions, filed)]
    return filed


def _locks_tables(effect: Effect) -> bool:
    return _filed(effect).locks_tables


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
    return _filed(effect).written.get(relation.lower(), relation)


#: How the reports name MariaDB's InnoDB table lock on a table whose foreign key references
#: the table a DDL changes (effects/mysql.py's `lock_key_children`).
KEY_CHILD_LOCK = "InnoDB exclusive table lock"


def _key_child(effect: Effect, relation: str) -> tuple[str, str]:
    """(the table whose DDL takes MariaDB's InnoDB table lock on `relation`, `relation`),
    each as the statement wrote it: `relation` references that table by a foreign key;
    ("", "") when the statement takes no such lock on it."""
    return _filed(effect).key_children.get(relation.lower(), ("", ""))


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
    action = _filed(effect).alters.get(relation.lower())
    if action is None:
        return label
    facts = action.facts
    if facts["algorithm"] == NO_ALGORITHM:  # DISCARD / IMPORT TABLESPACE
        return (f"{label} (no ALGORITHM: neither instant, in place nor a copy; a "
                "tablespace file deleted or attached)")
    return f"{label} (ALGORITHM={facts['algorithm']}, LOCK={facts['lock_level']})"
