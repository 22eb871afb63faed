"""Whether a table's CHECK constraints already prove a partition bound (ATTACH PARTITION).

PostgreSQL skips the full scan of a table being attached as a partition when its validated
CHECK constraints (plus NOT NULL columns) imply the partition constraint (documentation of
ALTER TABLE ... ATTACH PARTITION). The server uses a general theorem prover; this is a small,
conservative one: it answers True only for the forms people write for this purpose
(`key IS NOT NULL AND key >= low AND key < high`, `key IN (...)`, `key BETWEEN a AND b`) on a
single-column key. Anything else is "not proven", which can only make lockwise more cautious.
"""

from __future__ import annotations

from collections.abc import Iterator

from lockwise.catalog.model import Table
from lockwise.effects.nodes import column_ref, const_value, unwrap

_UNBOUNDED = {"minvalue", "maxvalue"}


def _conjuncts(expr: dict | None) -> Iterator[tuple[str, dict]]:
    kind, body = unwrap(expr)
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        for arg in body.get("args") or ():
            yield from _conjuncts(arg)
    elif kind:
        yield kind, body


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _at_least(candidate: object, bound: object, strict: bool) -> bool:
    """candidate >= bound (or > when strict), decided only when it can be decided exactly."""
    a, b = _number(candidate), _number(bound)
    if a is not None and b is not None:
        return a > b if strict else a >= b
    # Non-numeric constants (dates, text): only an identical literal is decidable here.
    return not strict and candidate is not None and str(candidate) == str(bound)


def _datum(node: dict) -> tuple[bool, object]:
    """(unbounded, value) of one partition bound datum."""
    kind, body = unwrap(node)
    if kind == "ColumnRef" and (column_ref(node) or "").lower() in _UNBOUNDED:
        return True, None
    return False, const_value(node)


def _literal_sql(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def range_bounds_sql(bound: dict) -> tuple[str, str] | None:
    """FROM and TO of a one-column range bound (a PartitionBoundSpec body) as SQL literals;
    None for a list, hash or DEFAULT bound, several columns, MINVALUE or MAXVALUE."""
    lower, upper = bound.get("lowerdatums") or [], bound.get("upperdatums") or []
    if bound.get("strategy") != "r" or len(lower) != 1 or len(upper) != 1:
        return None
    (low_open, low), (high_open, high) = _datum(lower[0]), _datum(upper[0])
    if low_open or high_open or low is None or high is None:
        return None
    return _literal_sql(low), _literal_sql(high)


def _comparisons(conjuncts: list[tuple[str, dict]], key: str) -> list[tuple[str, object]]:
    """(operator, constant) pairs that constrain `key`, normalized to `key <op> constant`."""
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
    out: list[tuple[str, object]] = []
    for kind, body in conjuncts:
        if kind != "A_Expr":
            continue
        op_nodes = body.get("name") or []
        op = unwrap(op_nodes[0])[1].get("sval", "") if op_nodes else ""
        if body.get("kind") == "AEXPR_OP" and op in flip:
            left, right = body.get("lexpr"), body.get("rexpr")
            if column_ref(left) == key and const_value(right) is not None:
                out.append((op, const_value(right)))
            elif column_ref(right) == key and const_value(left) is not None:
                out.append((flip[op], const_value(left)))
        elif body.get("kind") == "AEXPR_BETWEEN" and column_ref(body.get("lexpr")) == key:
            low, high = (unwrap(body.get("rexpr"))[1].get("items") or [None, None])[:2]
            if const_value(low) is not None and const_value(high) is not None:
                out += [(">=", const_value(low)), ("<=", const_value(high))]
        elif body.get("kind") == "AEXPR_IN" and op == "=" and column_ref(body.get("lexpr")) == key:
            items = unwrap(body.get("rexpr"))[1].get("items") or []
            values = [const_value(i) for i in items]
            if all(v is not None for v in values):
                out.append(("in", tuple(values)))
    return out


def bound_proven_by_checks(parent: Table | None, partition: Table | None,
                           bound: dict) -> bool:
    """True when `partition`'s validated CHECKs prove `bound` (a PartitionBoundSpec body)."""
    if parent is None or partition is None or len(parent.partition_key) != 1:
        return False
    key = parent.partition_key[0]
    if key == "(expression)" or bound.get("is_default"):
        return False
    conjuncts = [c for con in partition.constraints.values()
                 if con.kind == "check" and con.validated for c in _conjuncts(con.expr)]
    column = partition.columns.get(key)
    not_null = (column is not None and column.not_null) or any(
        kind == "NullTest" and body.get("nulltesttype") == "IS_NOT_NULL"
        and column_ref(body.get("arg")) == key for kind, body in conjuncts)
    comparisons = _comparisons(conjuncts, key)
    strategy = bound.get("strategy")
    if strategy == "l":
        values = [const_value(v) for v in bound.get("listdatums") or ()]
        if not values or any(v is None for v in values) or not not_null:
            return False  # a NULL in the list changes the constraint: not handled here
        allowed = {str(v) for v in values}
        return any(op == "in" and {str(x) for x in c} <= allowed  # type: ignore[union-attr]
                   or op == "=" and str(c) in allowed for op, c in comparisons)
    if strategy != "r" or not not_null:
        return False
    lower = bound.get("lowerdatums") or []
    upper = bound.get("upperdatums") or []
    if len(lower) != 1 or len(upper) != 1:
        return False
    (low_open, low), (high_open, high) = _datum(lower[0]), _datum(upper[0])
    # Range partitions include the lower bound and exclude the upper one.
    low_ok = low_open or any(
        op in (">=", ">", "=") and _at_least(c, low, strict=False) for op, c in comparisons)
    high_ok = high_open or any(
        (op == "<" and _at_least(high, c, strict=False))
        or (op in ("<=", "=") and _at_least(high, c, strict=True)) for op, c in comparisons)
    return low_ok and high_ok
