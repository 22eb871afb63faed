"""What a write of a referenced table makes its foreign keys do (checked on 18.6).

Deleting rows of a table, or changing their key, fires the keys that point at it: NO ACTION
and RESTRICT only look for the referencing rows; CASCADE deletes them (ON DELETE) or sets
their key's columns (ON UPDATE), SET NULL / SET DEFAULT set those columns. Those writes are
ordinary DELETEs and UPDATEs of the referencing table: they fire its triggers (UPDATE OF the
key's columns too) and, in turn, the keys that point at it. A key NOT ENFORCED has no
triggers, and in a session of the replica role the keys' triggers (origin ones) fire not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog, Constraint

#: ON DELETE / ON UPDATE actions that change the referencing rows (CASCADE, SET NULL, SET
#: DEFAULT); the others (NO ACTION, RESTRICT) only look for them.
MODIFYING_ACTIONS = frozenset("cnd")


class KeyAction(NamedTuple):
    """A foreign key fired by a write of the table it references."""

    #: The table written, and how: `delete`, or `update` of its key.
    referenced: str
    kind: str
    #: The key's table, and the key.
    referencing: str
    key: Constraint
    #: What the key's action does to the referencing rows: `delete`, `update` (of the key's
    #: columns), "" (looks for them only).
    write: str
    #: The relations that write reaches: the key's table and, for a partitioned one, its
    #: partitions (the key's query names it without ONLY).
    reached: tuple[str, ...]
    #: The columns an `update` write sets: the key's, or those its ON DELETE SET NULL /
    #: SET DEFAULT lists (UPDATE OF and WHEN triggers see only those change, checked on 18.6).
    columns: frozenset[str]


def schema_key_actions(catalog: Catalog, table: str, kind: str,
                       columns: tuple[str, ...] | frozenset[str] = ()) -> tuple[KeyAction, ...]:
    """`key_actions` of a catalog the PostgreSQL replay keeps (its `version_memo` let go
    as the schema changes), found once while the schema stays as it is
    (`Catalog.found_per_schema`): the effect model asks it of a DELETE or UPDATE, then the
    routines its triggers run (`routines.called_routines`) ask it again, and a routine's
    body at each call."""
    changed = frozenset(columns)
    return catalog.found_per_schema(None, ("key actions", table, kind, changed),
                                    lambda: tuple(key_actions(catalog, table, kind, changed)))


def key_actions(catalog: Catalog, table: str, kind: str,
                columns: tuple[str, ...] | frozenset[str] = ()) -> list[KeyAction]:
    """The foreign keys a write (`kind`: delete, or update setting `columns`) of `table`
    fires, and those the writes of their actions fire in turn, each write of a table
    followed once (keys that point at each other, or at their own table, end)."""
    if catalog.replica_role:
        return []
    found: list[KeyAction] = []
    seen = {(table, kind, frozenset(columns))}
    pending = [(table, kind, frozenset(columns))]
    while pending:
        written, how, changed = pending.pop(0)
        for other, key in catalog.referencing(written):
            if not key.enforced or how == "update" and changed.isdisjoint(
                    key.ref_columns or catalog.primary_key(written)):
                continue  # no triggers; or the referenced key does not change
            action = key.on_delete if how == "delete" else key.on_update
            write = "" if action not in MODIFYING_ACTIONS else \
                "delete" if how == "delete" and action == "c" else "update"
            reached = (other, *catalog.partitions(other))
            set_columns = frozenset() if write != "update" else frozenset(
                how == "delete" and key.set_columns or key.columns)
            found.append(KeyAction(written, how, other, key, write, reached, set_columns))
            step = (write, set_columns)
            for rel in reached if write else ():
                if (rel, *step) not in seen:
                    seen.add((rel, *step))
                    pending.append((rel, *step))
    return found
