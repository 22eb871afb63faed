"""Which tables' triggers a write of a table fires, through partitioning and inheritance
(checked on 18.6).

A row lives in a leaf partition (or an inheritance child), and a row trigger fires on the
table that holds the row: a write of a partitioned table (without ONLY) runs the row
triggers of the partitions its rows reach, their own ones included, and a write of an
inheritance parent those of its children. Statement triggers fire on the table the
statement names only. A partitioned table's row triggers are cloned to its partitions, so a
write of a partition runs those of the partitioned tables above it. An UPDATE through a
partitioned table that sets a partition key column (its own, or one of a partitioned
partition below it) may move a row: a DELETE from its partition and an INSERT into another,
which fire their DELETE and INSERT row triggers (and not their AFTER UPDATE ones).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog

#: A write of a table: its kinds (`insert`, `update`, `delete`), each with the columns its
#: SET lists name (for UPDATE OF and WHEN; empty for the others).
Writes = dict[str, frozenset[str]]


def fired_tables(catalog: Catalog, table: str, writes: Writes,
                 below: tuple[str, ...] | list[str]) -> list[tuple[str, Writes, bool]]:
    """The tables whose triggers a write (`writes`) of `table` may fire, each with the
    writes it gets and whether only its row triggers fire: `table` itself, the partitioned
    tables above it (row triggers), and the tables `below` it the write reaches (row
    triggers; a moved row's DELETE and INSERT too)."""
    fired = [(table, writes, False)]
    known = catalog.tables.get(table)
    parent, seen = (known.partition_of if known is not None else None), {table}
    while parent and parent not in seen:
        seen.add(parent)
        fired.append((parent, writes, True))
        above = catalog.tables.get(parent)
        parent = above.partition_of if above is not None else None
    if below:
        if "update" in writes and _moves_rows(catalog, (table, *below), writes["update"]):
            writes = {**writes, "delete": frozenset(), "insert": frozenset()}
        fired += [(rel, writes, True) for rel in below]
    return fired


def reached_below(catalog: Catalog, table: str, kind: str, body: dict) -> list[str]:
    """The tables below `table` whose rows statement `body` (of node `kind`), naming it,
    writes: its partitions (those its partition key values route to, when it pins them:
    `partition_pins`) and inheritance children; none with ONLY."""
    if not (body.get("relation") or {}).get("inh"):
        return []
    below = catalog.partitions(table)
    if below:
        from lockwise.catalog.partition_pins import pinned_partitions

        pinned = pinned_partitions(catalog, table, kind, body)
        below = below if pinned is None else pinned
    return below + catalog.inheritance_children(table)


def _moves_rows(catalog: Catalog, tables: tuple[str, ...], columns: frozenset[str]) -> bool:
    """Whether an UPDATE setting `columns` may move a row between partitions of `tables`:
    it sets a column of a partition key of one (any column, for a key with an expression)."""
    for name in tables:
        known = catalog.tables.get(name)
        key = known.partition_key if known is not None else ()
        if "(expression)" in key and columns or not columns.isdisjoint(key):
            return True
    return False
