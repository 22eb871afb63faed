"""What a trigger's WHEN says about the UPDATEs that fire it (checked on 18.6).

A WHEN that is true only when a column changes (`OLD.c IS DISTINCT FROM NEW.c`, `NEW.c <>
OLD.c`, a row of such pairs, ORs of them, one AND-ed with anything) is false for an UPDATE
that leaves every such column as it was: one whose SET list names none of them, when nothing
else can change them (no BEFORE UPDATE row trigger of the table or of its partitions, which
may set NEW's columns, and none generated, which change with what they read). A value is
taken to equal itself (`=` of every type PostgreSQL ships is reflexive). Any other WHEN may
be true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockwise.effects.nodes import strings, unwrap

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog, Table
    from lockwise.catalog.objects import Trigger


def changed_columns(when: dict | None) -> tuple[str, ...]:
    """The columns one of which must change for WHEN `when` (a parse tree) to be true, sorted;
    empty when it needs no such change (or none the model can tell)."""
    return tuple(sorted(_needed(when) or ())) if when else ()


def _needed(node: dict) -> frozenset[str] | None:
    """The columns one of which `node` needs changed to be true; None: it may be true
    without."""
    kind, body = unwrap(node)
    if kind == "BoolExpr":
        args = [_needed(arg) for arg in body.get("args") or ()]
        if body.get("boolop") == "OR_EXPR":  # true when any is: each needs its change
            return None if None in args else frozenset().union(*args)
        if body.get("boolop") == "AND_EXPR":  # true only when each is: one's need is enough
            return next((arg for arg in args if arg is not None), None)
        return None
    if kind == "A_Expr" and (body.get("kind") == "AEXPR_DISTINCT" or body.get(
            "kind") == "AEXPR_OP" and strings(body.get("name")) == ["<>"]):
        return _compared(body.get("lexpr"), body.get("rexpr"))
    return None


def _compared(left: dict | None, right: dict | None) -> frozenset[str] | None:
    """The columns `left <> right` compares, OLD's with NEW's of the same column on each side
    (also two rows of them, pair by pair); None when it compares anything else."""
    (left_kind, lbody), (right_kind, rbody) = unwrap(left), unwrap(right)
    pairs = [(left, right)]
    if left_kind == right_kind == "RowExpr":
        lefts, rights = lbody.get("args") or [], rbody.get("args") or []
        if len(lefts) != len(rights):
            return None
        pairs = list(zip(lefts, rights, strict=True))
    columns: set[str] = set()
    for one, other in pairs:
        refs = {_old_or_new(one), _old_or_new(other)}
        sides = {side for side, _ in refs if side}
        names = {name for _, name in refs}
        if sides != {"old", "new"} or len(names) != 1:
            return None
        columns |= names
    return frozenset(columns)


def _old_or_new(node: dict | None) -> tuple[str, str]:
    """(`old` or `new`, column) for a reference `OLD.col` / `NEW.col`; ("", "") otherwise."""
    kind, body = unwrap(node)
    fields = strings(body.get("fields")) if kind == "ColumnRef" else []
    if len(fields) == 2 and fields[0] in ("old", "new") and isinstance(fields[1], str):
        return fields[0], fields[1]
    return "", ""


def may_fire_on_update(catalog: Catalog, table: Table, trigger: Trigger,
                       columns: frozenset[str]) -> bool:
    """Whether `trigger`'s WHEN may be true for an UPDATE of `table` whose SET list names
    `columns`: not when it needs a column changed that the SET list does not name and
    nothing else changes (the catalog knowing all the table's triggers and columns)."""
    needed = trigger.when_changed
    if not needed or not columns.isdisjoint(needed) or catalog.fully_known(table.name) is None:
        return True
    # (a row trigger is cloned to the partitions: theirs run before its clone's WHEN too)
    tables = [table, *filter(None, map(catalog.tables.get, catalog.partitions(table.name)))]
    return any(column is None or column.generated
               for column in map(table.columns.get, needed)) or any(
        other is not trigger and other.before and other.row and "update" in other.events
        for known in tables for other in known.triggers.values())
