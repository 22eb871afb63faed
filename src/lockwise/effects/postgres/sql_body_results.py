"""A `LANGUAGE sql` function whose final statement's result its declared type does not
take: PostgreSQL refuses the CREATE.

Where the server analyzes the body at CREATE (a string body while check_function_bodies is
on and no argument is polymorphic; a BEGIN ATOMIC body always), it then checks the final
statement's result against what the function returns (check_sql_fn_retval): as many columns
(one for a scalar, SETOF or a single OUT / TABLE column; each of several), each coercing to
its declared type in assignment (as a column's type change without USING does:
`types.needs_using`; an untyped 'x' or NULL is text by then), and a final statement that
returns no rows (an UPDATE without RETURNING, LOCK, SELECT INTO) refused whatever it is.
The message: "return type mismatch in function declared to return integer" (`record` for
several columns; checked on 18.6: tests/test_sql_function_results.py). Said only where it is
certain: the declared types are built-in base types (not void, record, a composite, a
domain), every result column's type is (`query_columns`: constants, casts, columns of a
table), every table the body names is one the replay knows whole, every function it calls
is a built-in one or the migrations', and the body is not resolved under a search_path of
its own; procedures are not checked.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import (
    format_type,
    range_var,
    returning_list,
    strings,
    unwrap,
    walk,
)

#: The parameter modes that make a function's result columns.
_RESULT_MODES = frozenset({"FUNC_PARAM_OUT", "FUNC_PARAM_INOUT", "FUNC_PARAM_TABLE"})
#: The statements whose RETURNING list is a result.
_DML = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})


def refused_result(catalog: Catalog, stmt: dict, body: list[dict]) -> str:
    """The server's message refusing CREATE FUNCTION `stmt` (a `LANGUAGE sql` function
    whose body, analyzed at CREATE, is the statements `body`) for a final statement whose
    result its declared type does not take; "" when it does, or the catalog cannot tell."""
    declared = _declared(catalog, stmt)
    if declared is None or not body or not _certain(catalog, body):
        return ""
    label, types = declared
    message = f"return type mismatch in function declared to return {label}"
    kind, final = unwrap(body[-1])
    from lockwise.catalog.query_columns import query_columns, returning_columns

    if kind == "SelectStmt" and not final.get("intoClause"):
        columns = query_columns(catalog, body[-1])
    elif kind in _DML and returning_list(final):
        columns = returning_columns(catalog, final)
    else:
        return message  # no rows to return
    if columns is None:
        return ""
    if len(columns) != len(types):
        return message
    from lockwise.effects.types import needs_using

    return message if any(
        needs_using(column.type_name, column.array, name, array)
        for column, (name, array) in zip(columns, types, strict=True)) else ""


def _declared(catalog: Catalog, stmt: dict) -> tuple[str, list[tuple[str, bool]]] | None:
    """How the server names what function `stmt` returns in its message, and the types of
    its result columns (name, array); None for a procedure, or a type not checked here."""
    if stmt.get("is_procedure"):
        return None
    outs = [p for p in map(lambda p: unwrap(p)[1], stmt.get("parameters") or ())
            if p.get("mode") in _RESULT_MODES]
    typed = [catalog.column_type(p.get("argType")) for p in outs] if outs else \
        [catalog.column_type(stmt.get("returnType"))]
    from lockwise.effects.types import builtin_base_type

    if not all(builtin_base_type(name) for name, _, _ in typed):
        return None
    label = format_type(typed[0][0], (), typed[0][2]) if len(typed) == 1 else "record"
    return label, [(name, array) for name, _, array in typed]


def _certain(catalog: Catalog, body: list[dict]) -> bool:
    """Whether the server's analysis of `body` reaches the result check as the replay
    sees it: each table it names known whole, each function it calls a built-in one or
    the migrations' as the search_path finds it (`named_overloads`; else "does not exist"
    comes first)."""
    from lockwise.catalog.routines import named_overloads
    from lockwise.effects.volatility import builtin_functions

    for kind, node in walk(body):
        if kind == "RangeVar":
            table = catalog.known_table(range_var(node)[0])
            if table is None or catalog.fully_known(table.name) is None:
                return False
        elif kind == "FuncCall":
            names = strings(node.get("funcname"))
            if not (names[-1:] and names[:-1] in ([], ["pg_catalog"]) and
                    names[-1] in builtin_functions()) and \
                    not named_overloads(catalog, names):
                return False
    return True
