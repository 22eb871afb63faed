"""Whether PostgreSQL can write through a view to the one relation it selects from (an
"automatically updatable" view, rewriteHandler.c view_query_is_auto_updatable): the reason it
gives when it cannot, checked on the server for each."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import (
    is_constant_true,
    range_var,
    strings,
    unwrap,
    walked_bodies_of_kind,
)
from lockwise.effects.volatility import (
    builtin_aggregates,
    builtin_functions,
    builtin_set_returning,
)

#: The server's reasons, in the order it tests them (its DETAIL of "cannot insert into view").
_SINGLE = "Views that do not select from a single table or view are not automatically updatable."
_CLAUSES = (("distinctClause", "Views containing DISTINCT are not automatically updatable."),
            ("groupClause", "Views containing GROUP BY are not automatically updatable."),
            ("havingClause", "Views containing HAVING are not automatically updatable."))
_WITH = "Views containing WITH are not automatically updatable."
_LIMIT = "Views containing LIMIT or OFFSET are not automatically updatable."
_SET_OPERATION = ("Views containing UNION, INTERSECT, or EXCEPT are not automatically "
                  "updatable.")
_RETURNS = {"aggregate": "Views that return aggregate functions are not automatically "
                         "updatable.",
            "window": "Views that return window functions are not automatically updatable.",
            "set_returning": "Views that return set-returning functions are not "
                             "automatically updatable."}
_SAMPLE = "Views containing TABLESAMPLE are not automatically updatable."
#: Why an INSERT or UPDATE (not a DELETE) through a view otherwise written through is refused.
NO_UPDATABLE_COLUMNS = "Views that have no updatable columns are not automatically updatable."
#: The relation kinds a view may be written through to (a materialized view is not one).
_WRITABLE = ("table", "partitioned", "foreign", "view")


def not_updatable(catalog: Catalog, query: object) -> str | None:
    """Why PostgreSQL refuses a write through a view defined by `query` (its DETAIL), as the
    catalog holds the relations before the view is made; "" when it writes through to the one
    relation the view selects from; None when the catalog cannot tell (that relation is not
    known, or the query is not a SELECT)."""
    kind, stmt = unwrap(query) if isinstance(query, dict) else ("", {})
    if kind != "SelectStmt":
        return None
    if stmt.get("op", "SETOP_NONE") != "SETOP_NONE":
        return _SET_OPERATION
    for clause, reason in _CLAUSES:
        if stmt.get(clause):
            return reason
    if stmt.get("withClause"):
        return _WITH
    if stmt.get("limitCount") or stmt.get("limitOffset"):
        return _LIMIT
    returned = set(returned_calls(stmt.get("targetList")))
    for call, reason in _RETURNS.items():
        if call in returned:
            return reason
    through = written_through_to(query)
    if through is None:
        return _SINGLE
    base = catalog.tables.get(through)
    if base is None:
        return None
    (item_kind, _), = map(unwrap, stmt["fromClause"])
    return _SINGLE if base.kind not in _WRITABLE else \
        _SAMPLE if item_kind == "RangeTableSample" else ""


def written_through_to(query: object) -> str | None:
    """The relation a view defined by `query` selects from, when its FROM list is that one
    relation (what a write through the view reaches, if the view can be written through)."""
    kind, stmt = unwrap(query) if isinstance(query, dict) else ("", {})
    items = stmt.get("fromClause") or () if kind == "SelectStmt" else ()
    if len(items) != 1:
        return None
    item_kind, item = unwrap(items[0])
    if item_kind == "RangeTableSample":
        item_kind, item = unwrap(item.get("relation"))
    return range_var(item)[0] if item_kind == "RangeVar" else None


def kept_rows_filter(query: object) -> dict | None:
    """The WHERE of the view defined by `query` when it may keep only some of the rows of
    the relation it selects from; None when it has none or one true by its literals alone."""
    kind, stmt = unwrap(query) if isinstance(query, dict) else ("", {})
    where = stmt.get("whereClause") if kind == "SelectStmt" else None
    return None if not where or is_constant_true(where) else where


def has_updatable_column(query: object) -> bool:
    """Whether the view defined by `query` may have a column an INSERT or UPDATE writes
    through: one its select list names plainly (a column, or `*`). False only when none is
    (each is an expression, a cast, a constant), which the server refuses."""
    kind, stmt = unwrap(query) if isinstance(query, dict) else ("", {})
    if kind != "SelectStmt" or stmt.get("op", "SETOP_NONE") != "SETOP_NONE":
        return True
    return any(unwrap(unwrap(t)[1].get("val"))[0] == "ColumnRef"
               for t in stmt.get("targetList") or ())


def returned_calls(node: object, catalog: Catalog | None = None) -> Iterator[str]:
    """What the calls in a target list are: `aggregate`, `window` or `set_returning` (a
    built-in one of those names), not looking into a subquery (its calls are its own).
    Without `catalog`, a user-defined aggregate or set-returning function is not told apart;
    with it, a function of the migrations that returns a set (SETOF, TABLE) is
    `set_returning`, and a call of another that is neither built-in nor one of theirs is
    `unknown` (an aggregate, which a CREATE AGGREGATE makes and no kept routine is, or a
    set-returning function made elsewhere: the server treats either as it does a built-in
    one, checked on 18.6). In no set order (its callers ask which, or whether any); walked
    with a stack (`walked_bodies_of_kind`): a generator a level cost a frame per node, and a
    deep expression passed the recursion limit."""
    for body in walked_bodies_of_kind(node, "FuncCall", "SubLink"):
        names = strings(body.get("funcname"))
        builtin = names[-1] if names[:-1] in ([], ["pg_catalog"]) else ""
        if body.get("over"):
            yield "window"
        elif body.get("agg_star") or body.get("agg_distinct") or \
                body.get("agg_order") or body.get("agg_filter") or \
                builtin in builtin_aggregates():
            yield "aggregate"
        elif builtin in builtin_set_returning():
            yield "set_returning"
        elif catalog is not None and builtin not in builtin_functions():
            yield from _user_call(catalog, names)


def returns_no_rows(query: object, catalog: Catalog | None = None) -> bool:
    """Whether SELECT `query` surely returns no row because a set-returning call of it
    returns none, as constant folding decides (`empty_set_call`; checked on 18.6): a select
    list whose set-returning calls are all such, whatever the rest makes (the server runs
    them over each row the FROM list, aggregates, GROUP BY and HAVING leave, and the longest
    set counts: `SELECT count(*), generate_series(1, 0)` and `SELECT x, generate_series(1,
    0) FROM t` return none, `SELECT f(), generate_series(1, 0)` too, though f() still runs
    once; fix-pg84); or a FROM list one item of which is such a call (joined to the others
    as a list: a cross join), with no aggregate, GROUP BY or HAVING (`SELECT count(*) FROM
    generate_series(1, 0)` is one row). False for any other query: a set operation, VALUES,
    WITH, a call whose set lockwise does not know."""
    kind, select = unwrap(query) if isinstance(query, dict) else ("", {})
    if kind != "SelectStmt" or select.get("op", "SETOP_NONE") != "SETOP_NONE" or any(
            select.get(c) for c in ("valuesLists", "withClause")):
        return False
    targets = select.get("targetList")
    returned = list(returned_calls(targets, catalog))
    if "unknown" in returned:
        return False
    sets = [body for body in walked_bodies_of_kind(targets, "FuncCall", "SubLink")
            if (strings(body.get("funcname")) or [""])[-1] in builtin_set_returning()]
    if sets and returned.count("set_returning") == len(sets) and \
            all(empty_set_call(call, catalog) for call in sets):
        return True
    if "aggregate" in returned or select.get("groupClause") or select.get("havingClause"):
        return False
    return any(_empty_range_function(item) for item in select.get("fromClause") or ())


def _empty_range_function(item: object) -> bool:
    """Whether FROM item `item` is a function call (`generate_series(1, 0) g`, WITH
    ORDINALITY or not) that surely returns no row (`empty_set_call`)."""
    kind, body = unwrap(item)  # type: ignore[arg-type]
    functions = body.get("functions") or () if kind == "RangeFunction" else ()
    if len(functions) != 1 or body.get("is_rowsfrom"):
        return False
    call = unwrap(functions[0])[1].get("items") or ()
    kind, node = unwrap(call[0]) if call else ("", {})
    return kind == "FuncCall" and empty_set_call(node)


#: The integer types a constant may be cast to and keep its value.
_INTEGER_TYPES = frozenset({"int2", "int4", "int8", "smallint", "integer", "bigint", "numeric"})


def empty_set_call(call: dict, catalog: Catalog | None = None) -> bool:
    """Whether FuncCall `call` of a built-in set-returning function surely returns no row,
    its arguments being constants (checked on 18.6): `generate_series(start, stop[, step])`
    of numbers whose start is past its stop in the step's direction (`(1, 0)`, `(1, 5,
    -1)`), `unnest()` of empty array constants (`'{}'::int[]`, `ARRAY[]::int[]`). Not a
    name the migrations made a function of (`catalog`: which one runs is not judged)."""
    names = [n.lower() for n in strings(call.get("funcname"))]
    if names[:-1] not in ([], ["pg_catalog"]) or call.get("over") or \
            catalog is not None and not names[:-1] and any(
                name.rsplit(".", 1)[-1] == names[-1] for name in catalog.kept_routines):
        return False
    args = call.get("args") or ()
    if names[-1] == "generate_series" and len(args) in (2, 3):
        values = [_number(arg) for arg in args]
        if any(value is None for value in values):
            return False
        start, stop, step = values[0], values[1], values[2] if len(values) == 3 else 1
        return step > 0 and start > stop or step < 0 and start < stop  # type: ignore
    return names[-1] == "unnest" and bool(args) and all(map(_empty_array, args))


def _number(expr: object) -> Decimal | None:
    """The value of a number constant, bare or cast to an integer type or numeric."""
    kind, body = unwrap(expr)  # type: ignore[arg-type]
    if kind == "TypeCast":
        names = strings((body.get("typeName") or {}).get("names"))
        if not names or names[-1] not in _INTEGER_TYPES or \
                (body.get("typeName") or {}).get("arrayBounds"):
            return None
        inner = _number(body.get("arg"))
        # (a fraction cast to an integer is rounded: not judged)
        return inner if inner is not None and (names[-1] == "numeric" or
                                               inner == inner.to_integral_value()) else None
    if kind != "A_Const":
        return None
    if "ival" in body:
        return Decimal((body["ival"] or {}).get("ival", 0))
    if "fval" in body:
        try:
            return Decimal(str((body["fval"] or {}).get("fval", "")))
        except ArithmeticError:
            return None
    return None


def _empty_array(expr: object) -> bool:
    """Whether `expr` is an empty array constant of a written array type: `'{}'::int[]`,
    `ARRAY[]::int[]`."""
    kind, body = unwrap(expr)  # type: ignore[arg-type]
    if kind != "TypeCast" or not (body.get("typeName") or {}).get("arrayBounds"):
        return False
    kind, arg = unwrap(body.get("arg"))
    if kind == "A_ArrayExpr":
        return not arg.get("elements")
    value = (arg.get("sval") or {}).get("sval") if kind == "A_Const" else None
    return isinstance(value, str) and value.replace(" ", "") == "{}"


def _user_call(catalog: Catalog, names: list[str]) -> Iterator[str]:
    """What a call of the function `names` (as written, no built-in) is for `returned_calls`:
    nothing for a function of the migrations that returns no set."""
    from lockwise.catalog.routines import named_overloads

    overloads = named_overloads(catalog, names)
    if not overloads:
        yield "unknown"
    elif any(r.returns_set for r in overloads):
        yield "set_returning"
