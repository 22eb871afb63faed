"""MariaDB's ALTER TABLE clauses with IF [NOT] EXISTS that do nothing.

A clause's IF NOT EXISTS whose column, index or constraint the table has already, or IF EXISTS
whose one it lacks, is skipped by the server with a note (1060 / 1061 "Duplicate ...", 1091
"Can't DROP ...; check that it exists", 1176 "Key ... doesn't exist"; checked on MariaDB
10.11): the statement runs the other clauses only, and with none left it changes nothing.
Judged on a table these migrations created with its definition (the replay knows its columns,
indexes and constraints), never on a generated foreign key name, whose number the replay may
not follow; the clause runs otherwise.
"""

from __future__ import annotations

import re

from lockwise.catalog.model import Table


def without_settled(expr, table: Table | None):
    """The ALTER `expr` without the clauses its IF [NOT] EXISTS makes do nothing on `table`
    (a copy; `expr` itself when there are none)."""
    if table is None or table.created_by is None:
        return expr
    actions = expr.args.get("actions") or []
    settled = [i for i, action in enumerate(actions) if _settled(action, table)]
    if not settled:
        return expr
    kept = expr.copy()
    kept.set("actions", [a for i, a in enumerate(kept.args["actions"]) if i not in settled])
    return kept


def _names(table: Table, kinds: tuple[str, ...]) -> set[str]:
    return {n.lower() for n, c in table.constraints.items()
            if c.kind in kinds and not c.column_check}


def _indexes(table: Table) -> set[str]:
    return set(table.keys) | set(table.fulltext) | \
        ({"primary"} if "PRIMARY" in table.constraints else set())


def _settled(action, table: Table) -> bool:
    from sqlglot import exp

    if not (action.args.get("exists") or action.meta.get("if_exists")):
        return False
    columns = set(table.columns)
    if isinstance(action, exp.ColumnDef):
        return action.name.lower() in columns
    if isinstance(action, exp.ModifyColumn):
        old = action.args.get("rename_from") or action.this
        return old.name.lower() not in columns
    if isinstance(action, (exp.RenameColumn, exp.AlterColumn)):
        return action.this.name.lower() not in columns
    if isinstance(action, exp.RenameIndex):
        return action.this.name.lower() not in _indexes(table)
    if isinstance(action, exp.Drop):
        return _dropped_missing(action, table)
    if isinstance(action, exp.AddConstraint) and len(action.expressions) == 1:
        return _added_present(action.expressions[0], table)
    return False


def _dropped_missing(action, table: Table) -> bool:
    """DROP ... IF EXISTS of what `table` lacks."""
    kind = (action.args.get("kind") or "").upper()
    target = (action.args.get("tables") or [None])[0]
    name = target.name.lower() if target is not None else ""
    if not name or re.fullmatch(rf"{re.escape(table.name.split('.')[-1])}_ibfk_\d+", name):
        return False
    if kind == "COLUMN":
        return name not in table.columns
    if kind in ("INDEX", "KEY"):
        return name not in _indexes(table)
    if kind == "FOREIGN KEY":
        return name not in _names(table, ("foreign",))
    if kind == "CONSTRAINT":
        return name not in _names(table, ("foreign", "check")) and name not in table.keys
    return False  # a partition: the replay does not know their names


def _added_present(con, table: Table) -> bool:
    """ADD ... IF NOT EXISTS of what `table` has: an index of its name (the primary key), a
    CHECK or foreign key constraint of its name. An unnamed index is named afresh: never."""
    from sqlglot import exp

    if isinstance(con, exp.PrimaryKey):
        return "PRIMARY" in table.constraints
    if isinstance(con, exp.Constraint) and con.expressions:
        inner = con.expressions[0]
        name = con.name.lower()
        if isinstance(inner, exp.CheckColumnConstraint):
            return bool(name) and name in _names(table, ("check",))
        if isinstance(inner, exp.PrimaryKey):
            return "PRIMARY" in table.constraints
        if isinstance(inner, exp.ForeignKey):
            return bool(name) and name in _names(table, ("foreign",))
        return bool(name) and name in _indexes(table)  # CONSTRAINT u UNIQUE (...)
    if isinstance(con, exp.ForeignKey):
        name = con.this.name.lower() if con.this is not None else ""
        return bool(name) and name in _names(table, ("foreign",))
    name = con.this.name.lower() if isinstance(con.this, exp.Expression) else ""
    return bool(name) and name in _indexes(table)
