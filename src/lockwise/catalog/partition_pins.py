"""The partitions a write reaches when the statement pins its partition key to constants
(checked on 18.6): the rows of `INSERT ... VALUES` go where their key values route them,
those an UPDATE or DELETE reaches, where a WHERE AND-ing `key = constant` routes them (an
UPDATE that sets a key column may move them anywhere: not pinned). Routing is followed for
integer keys and bounds alone (a list bound holding the value, a range bound from its lower
value to below its upper one, else the DEFAULT partition); anything else pins nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockwise.effects.nodes import column_ref, const_value, strings, unwrap

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog


def pinned_partitions(catalog: Catalog, table: str, kind: str,
                      body: dict) -> list[str] | None:
    """The partitions (partitioned ones too) below partitioned `table` whose rows statement
    `body` (of node `kind`) may write; None when the statement does not pin them."""
    known = catalog.tables.get(table)
    if known is None or len(known.partition_key) != 1:
        return None
    values = _key_values(catalog, table, known.partition_key[0], kind, body)
    if values is None:
        return None
    reached: list[str] = []
    for value in values:
        part = _route(catalog, table, value)
        if part is False:
            return None
        if part and part not in reached:
            reached.append(part)
    out: list[str] = []
    for part in reached:
        below = catalog.partitions(part)
        if below:  # partitioned in turn: pinned by its own key, or all of it
            pinned = pinned_partitions(catalog, part, kind, body)
            below = below if pinned is None else pinned
        out += [part, *below]
    return out


def _key_values(catalog: Catalog, table: str, key: str, kind: str,
                body: dict) -> list[int] | None:
    """The integer values statement `body` gives partition key column `key`."""
    if kind == "InsertStmt":
        rows = unwrap(body.get("selectStmt"))[1].get("valuesLists")
        known = catalog.tables[table]
        names = [unwrap(c)[1].get("name") for c in body.get("cols") or ()] or \
            list(known.columns)
        if not rows or key not in names:
            return None
        at = names.index(key)
        items = [unwrap(row)[1].get("items") or [] for row in rows]
        values = [_integer(row[at]) if at < len(row) else None for row in items]
        return None if None in values else values  # type: ignore[return-value]
    if kind == "UpdateStmt" and key in {unwrap(t)[1].get("name") for t in
                                        body.get("targetList") or ()}:
        return None  # (rows may move)
    if kind in ("UpdateStmt", "DeleteStmt"):
        for left, right in _equalities(body.get("whereClause")):
            for column, value in ((left, right), (right, left)):
                if column_ref(column) == key and (number := _integer(value)) is not None:
                    return [number]
    return None


def _equalities(expr: dict | None) -> list[tuple[dict, dict]]:
    """The `a = b` conjuncts of a WHERE's top-level AND."""
    kind, body = unwrap(expr)
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        return [e for arg in body.get("args") or () for e in _equalities(arg)]
    if kind == "A_Expr" and body.get("kind") == "AEXPR_OP" and \
            strings(body.get("name")) == ["="]:
        return [(body.get("lexpr") or {}, body.get("rexpr") or {})]
    return []


def _integer(expr: dict | None) -> int | None:
    value = const_value(expr) if unwrap(expr)[0] == "A_Const" else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _route(catalog: Catalog, table: str, value: int) -> str | bool | None:
    """The direct partition of `table` a row of key `value` goes to (None: none takes it);
    False when a bound is not known or not of integers."""
    default = None
    for part in catalog.direct_partitions(table):
        known = catalog.tables[part]
        if known.default_partition:
            default = part
            continue
        takes = _takes(known.partition_bound or {}, value)
        if takes is None:
            return False
        if takes:
            return part
    return default


def _takes(bound: dict, value: int) -> bool | None:
    """Whether a list or one-column range bound takes `value`; None when not of integers."""
    if bound.get("strategy") == "l":
        listed = [const_value(v) for v in bound.get("listdatums") or ()]
        if not listed or not all(type(v) is int for v in listed):
            return None
        return value in listed
    lower, upper = bound.get("lowerdatums") or [], bound.get("upperdatums") or []
    if bound.get("strategy") != "r" or len(lower) != 1 or len(upper) != 1:
        return None
    low, high = _range_end(lower[0]), _range_end(upper[0])
    if low is None or high is None:
        return None
    return (low == "minvalue" or low <= value) and (high == "maxvalue" or value < high)


def _range_end(datum: dict) -> int | str | None:
    """A range bound's end: an integer, `minvalue` / `maxvalue`, or None."""
    name = (column_ref(datum) or "").lower()
    if name in ("minvalue", "maxvalue"):
        return name
    value = const_value(datum)
    return value if type(value) is int else None
