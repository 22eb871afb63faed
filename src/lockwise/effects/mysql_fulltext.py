"""InnoDB FULLTEXT indexes and their hidden FTS_DOC_ID column: what they change in an ALTER.

Checked on MariaDB 10.11 by tests/mysql/test_mariadb_truth.py; for MySQL 8 from its manual
("columns cannot be added to tables with a FULLTEXT index", and likewise dropped) and from
InnoDB's check of in-place ALTERs, which refuses to rebuild in place a table that already has
full-text structures and keeps a FULLTEXT index ("Try ALGORITHM=COPY").

* While the hidden column is there, ADD / DROP / reorder COLUMN are not instant: they take
  their in-place path, a rebuild.
* A rebuild that keeps a FULLTEXT index refuses LOCK=NONE ("Fulltext index creation requires
  a lock"). MariaDB copies the table instead when two or more FULLTEXT indexes survive it;
  MySQL as soon as the table had full-text structures before the statement.
* Another FULLTEXT index beside the hidden column needs no rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

from lockwise.catalog.model import Table
from lockwise.effects.mysql_ddl import ALGORITHMS, Plan, instant_column_layout

_ADDS_FULLTEXT = ("add_fulltext_index", "add_fulltext_indexes")


@dataclass(frozen=True, slots=True)
class Fulltext:
    """The FULLTEXT state of the table one ALTER changes."""

    #: InnoDB's hidden FTS_DOC_ID column is in the table before the statement.
    doc_id: bool = False
    #: How many FULLTEXT indexes the table has after the statement.
    surviving: int = 0
    #: The table has its own FTS_DOC_ID column (BIGINT UNSIGNED NOT NULL; the server takes
    #: that name in upper case only): the first FULLTEXT index needs no hidden one, nor a
    #: rebuild (the MySQL manual's "Online DDL Operations", Adding a FULLTEXT index; checked
    #: on MariaDB 10.11). Not hidden, it leaves the instant path to ADD / DROP COLUMN.
    user_doc_id: bool = False

    @classmethod
    def of(cls, table: Table | None, operations: list[tuple[str, dict]]) -> Fulltext:
        if table is None:
            return cls()
        dropped = {extra.get("name") for op, extra in operations if op == "drop_index"}
        added = sum(op in _ADDS_FULLTEXT for op, _ in operations)
        kept = sum(name not in dropped for name in table.fulltext)
        own = table.columns.get("fts_doc_id")
        return cls(table.fts_doc_id, kept + added,
                   own is not None and own.type_name == "ubigint" and own.not_null)

    def capability(self, operation: str) -> str:
        """The OPERATIONS entry `operation` runs as on this table."""
        if (self.doc_id or self.user_doc_id) and operation == "add_fulltext_index":
            return "add_fulltext_index_beside_doc_id"
        return operation

    def blocks_instant(self, operation: str, flavour: str) -> bool:
        """Whether the hidden column takes the instant path away from `operation`: the column
        changes whose other path is an in-place rebuild (ADD / DROP / reorder COLUMN)."""
        return self.doc_id and instant_column_layout(operation, flavour)

    def constrain(self, plans: list[Plan], flavour: str) -> list[Plan]:
        """The plans once a rebuild has to keep FULLTEXT indexes: writes blocked, or a copy."""
        if not self.surviving or not any(p.rebuilds for p in plans):
            return plans
        copies = self.surviving > 1 if flavour == "mariadb" else self.doc_id
        return [Plan("COPY" if copies else p.algorithm, True, False, "SHARED", p.source)
                if p.rebuilds else p for p in plans]


#: A table without FULLTEXT indexes, nor the hidden column: plans as OPERATIONS says.
NO_FULLTEXT = Fulltext()


def fulltext_note(plain: list[Plan], plans: list[Plan]) -> str:
    """Why the plans cost more than the same ALTER's on a table without FULLTEXT indexes, to
    append to a rule's message; "" when they do not."""
    def cost(some: list[Plan]) -> int:
        return max((ALGORITHMS.index(p.algorithm) for p in some), default=0)

    if cost(plans) > cost(plain) and any(p.algorithm == "COPY" for p in plans):
        return " (the table keeps FULLTEXT indexes: InnoDB can rebuild it only by copying it)"
    if all(p.permits_dml for p in plain) and not all(p.permits_dml for p in plans):
        return " (the table keeps a FULLTEXT index: InnoDB rebuilds it only with writes blocked)"
    if cost(plans) > cost(plain):
        return (" (not instant: InnoDB's hidden FTS_DOC_ID column, there since the table had "
                "a FULLTEXT index, rules out instant ADD / DROP COLUMN)")
    return ""


# --- catalog replay ------------------------------------------------------------------------

def is_fulltext(node) -> bool:
    """Whether a sqlglot node of a CREATE TABLE or ALTER TABLE ... ADD is a FULLTEXT index."""
    from sqlglot import exp

    if isinstance(node, exp.Constraint) and node.expressions:
        node = node.expressions[0]
    return isinstance(node, exp.IndexColumnConstraint) and \
        str(node.args.get("kind") or "").upper() == "FULLTEXT"


def add_index(table: Table, node) -> None:
    """Record the FULLTEXT index `node` (is_fulltext) on `table`."""
    from sqlglot import exp

    if isinstance(node, exp.Constraint) and node.expressions:
        node = node.expressions[0]
    columns = tuple((part.this if isinstance(part, exp.Ordered) else part).name.lower()
                    for part in node.expressions)
    name = node.this.name.lower() if node.this is not None else ""
    record(table, name, columns)


def record(table: Table, name: str, columns: tuple[str, ...]) -> None:
    """Record the FULLTEXT index `name` (unnamed: named as the server names it) of `table`."""
    from lockwise.effects.mysql_keys import unnamed_index_name

    if not name and columns:
        name = unnamed_index_name(table, columns)
    table.fulltext[name] = columns
    table.fts_doc_id = True


def rename_index(table: Table, old: str, new: str) -> None:
    if old in table.fulltext:
        table.fulltext[new] = table.fulltext.pop(old)


def rename_column(table: Table, old: str, new: str) -> None:
    for name, columns in table.fulltext.items():
        table.fulltext[name] = tuple(new if c == old else c for c in columns)


def drop_column(table: Table, column: str) -> None:
    """The server takes a dropped column out of its indexes, and drops an index left empty."""
    for name, columns in list(table.fulltext.items()):
        kept = tuple(c for c in columns if c != column)
        if kept:
            table.fulltext[name] = kept
        else:
            del table.fulltext[name]


def after_statement(table: Table, rebuilt: bool) -> None:
    """A rebuild without FULLTEXT indexes left drops the hidden column; nothing else does."""
    table.fts_doc_id = bool(table.fulltext) or (table.fts_doc_id and not rebuilt)
