"""The columns of a query's result, as `CREATE TABLE ... AS` and `SELECT ... INTO` make a table
of them: each named as PostgreSQL names a result column, of the type the query gives it.

Only what the query makes plain is worked out: columns of tables the catalog knows, casts,
literals, `count(*)`, `now()` and the current date and time. Anything else (another function,
an operator, a subquery, a join USING whose merged column may take another type) leaves the
whole result unknown: the replay then records no column rather than a wrong one. The server
copies no NOT NULL, default or constraint into such a table (checked on the server).
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Column, Table
from lockwise.effects.nodes import range_var, strings, unwrap

#: alias -> the table of a FROM item (None: a subquery, function or table whose columns are
#: not known for sure).
_Scope = dict[str, "Table | None"]

#: The SQL-standard functions written without parentheses whose type is fixed.
_VALUE_FUNCTIONS = {"SVFOP_CURRENT_DATE": ("current_date", "date"),
                    "SVFOP_CURRENT_TIMESTAMP": ("current_timestamp", "timestamptz"),
                    "SVFOP_LOCALTIMESTAMP": ("localtimestamp", "timestamp")}
#: Functions whose result type does not depend on their arguments.
_FUNCTION_TYPES = {"count": "int8", "now": "timestamptz"}
_INT8_MAX = 2**63 - 1
#: Types a cast to keeps the collation of a string column (the server derives it so).
_STRING_TYPES = frozenset({"text", "varchar", "bpchar"})


def result_columns(catalog: Catalog, query: object, names: list[str]) -> list[Column] | None:
    """The columns a table made from `query` gets, `names` (CREATE TABLE t (a, b) AS ...)
    renaming the first ones; None when any of them is not known for sure, or the server
    would refuse the statement (more names than columns, a name twice)."""
    kind, body = unwrap(query)
    columns = _select(catalog, body) if kind == "SelectStmt" else None
    if columns is None or len(names) > len(columns):
        return None
    for column, name in zip(columns, names, strict=False):
        column.name = name
    return columns if len({c.name for c in columns}) == len(columns) else None


def _select(catalog: Catalog, stmt: dict) -> list[Column] | None:
    if stmt.get("op") not in (None, "SETOP_NONE"):
        return _set_operation(catalog, stmt)
    if stmt.get("valuesLists"):
        return _values(stmt["valuesLists"])
    scope: _Scope = {}
    order: list[Table | None] = []  # FROM items in order, for `*`
    ctes = {unwrap(c)[1].get("ctename") for c in (stmt.get("withClause") or {}).get("ctes") or ()}
    for item in stmt.get("fromClause") or ():
        if not _from_item(catalog, item, scope, order, ctes):
            order.append(None)  # `*` over it is not known
    out: list[Column] = []
    for target in stmt.get("targetList") or ():
        _, res = unwrap(target)
        found = _target(catalog, res, scope, order)
        if found is None:
            return None
        out.extend(found)
    return out


def _set_operation(catalog: Catalog, stmt: dict) -> list[Column] | None:
    """UNION / INTERSECT / EXCEPT: named after the left side; typed only where both sides
    agree exactly (the server otherwise resolves a common type, typmod dropped)."""
    left = _select(catalog, stmt.get("larg") or {})
    right = _select(catalog, stmt.get("rarg") or {})
    if left is None or right is None or len(left) != len(right):
        return None
    same = all(_type_of(a) == _type_of(b) for a, b in zip(left, right, strict=True))
    return left if same else None


def _values(rows: list) -> list[Column] | None:
    """VALUES (...), ...: columns column1, column2...; typed where every row agrees."""
    typed = [[_constant(item) for item in unwrap(row)[1].get("items") or ()] for row in rows]
    first = typed[0]
    if any(t is None for t in first) or any(row != first for row in typed[1:]):
        return None
    return [Column(f"column{i}", type_) for i, type_ in enumerate(first, 1)]


def _from_item(catalog: Catalog, node: object, scope: _Scope, order: list[Table | None],
               ctes: set[str | None]) -> bool:
    """Record FROM item `node` in `scope` and `order`; False when `*` over it is not known
    (a join USING or NATURAL merges columns, maybe into another type)."""
    kind, body = unwrap(node)
    alias = (body.get("alias") or {}).get("aliasname")
    if kind == "RangeVar":
        name = body.get("relname", "")
        known = None
        if not (body.get("schemaname") is None and name in ctes):
            table = catalog.known_table(range_var(body)[0])
            known = table if table is not None and table.kind in _READ_KINDS else None
        scope[alias or name] = known
        order.append(known if known is not None and (
            catalog.fully_known(known.name) is not None or known.kind in ("view", "matview")
            and bool(known.columns) and catalog.sure_of(known.name)) else None)
        return True
    if kind == "JoinExpr":
        left = _from_item(catalog, body.get("larg"), scope, order, ctes)
        right = _from_item(catalog, body.get("rarg"), scope, order, ctes)
        return left and right and not body.get("usingClause") and not body.get("isNatural")
    if alias:  # a subquery or function: its columns are not followed
        scope[alias] = None
    order.append(None)
    return True


#: The relations whose columns a query's references are resolved against: a view's or
#: materialized view's are known whole or not at all (`replay._query_columns`).
_READ_KINDS = frozenset(("table", "partitioned", "view", "matview"))


def _target(catalog: Catalog, res: dict, scope: _Scope,
            order: list[Table | None]) -> list[Column] | None:
    """The columns one select-list item gives: several for a `*`."""
    expr = res.get("val")
    kind, body = unwrap(expr)
    fields = strings(body.get("fields")) if kind == "ColumnRef" else []
    if fields[-1:] == ["*"]:
        if len(fields) == 1:
            tables = order
        elif (table := scope.get(fields[-2])) is not None:
            tables = [catalog.fully_known(table.name)]
        else:
            return None
        if any(t is None for t in tables):
            return None
        return [_copy(c) for t in tables if t is not None for c in t.columns.values()]
    column = _expression(catalog, expr, scope)
    name = res.get("name") or _result_name(expr)
    if column is None or name is None:
        return None
    column.name = name
    return [column]


def _expression(catalog: Catalog, expr: object, scope: _Scope) -> Column | None:
    """A result column of `expr` (named later), or None when its type is not known."""
    kind, body = unwrap(expr)
    if kind == "ColumnRef":
        found = _column(strings(body.get("fields")), scope)
        return _copy(found) if found is not None else None
    if kind == "TypeCast":
        type_, mods, array = catalog.column_type(body.get("typeName"))
        arg = _expression(catalog, body.get("arg"), scope)
        collation = arg.collation if arg is not None else None
        if collation is not None and (array or type_ not in _STRING_TYPES):
            return None  # whether the result keeps the collation is not worked out
        return Column("", type_, mods, array=array, collation=collation)
    if kind == "A_Const":
        type_ = _constant(expr)
        return Column("", type_) if type_ else None
    if kind == "FuncCall":
        name = strings(body.get("funcname"))
        type_ = _FUNCTION_TYPES.get(name[-1]) if name[:-1] in ([], ["pg_catalog"]) else None
        return Column("", type_) if type_ and not body.get("over") else None
    if kind == "SQLValueFunction" and body.get("op") in _VALUE_FUNCTIONS \
            and body.get("typmod", -1) == -1:
        return Column("", _VALUE_FUNCTIONS[body["op"]][1])
    return None


def _column(fields: list[str], scope: _Scope) -> Column | None:
    """The column a reference names: through its qualifier, or the one table of the FROM
    list that has such a column (the server refuses an ambiguous name)."""
    if len(fields) >= 2:
        table = scope.get(fields[-2])
        return table.columns.get(fields[-1]) if table is not None else None
    having = [t for t in scope.values() if t is not None and fields[0] in t.columns]
    return having[0].columns[fields[0]] if len(having) == 1 else None


def _constant(expr: object) -> str | None:
    """The type a literal gets in a table: an integer int4, int8 or numeric by its size, a
    decimal numeric, a string or NULL text, a boolean bool (checked on the server)."""
    _, body = unwrap(expr)
    if body.get("isnull") or "sval" in body:
        return "text"
    if "boolval" in body:
        return "bool"
    if "ival" in body:
        return "int4"
    if "fval" in body:
        text = str((body["fval"] or {}).get("fval", ""))
        if text.isdigit():
            return "int8" if int(text) <= _INT8_MAX else "numeric"
        return "numeric"
    return None


def _result_name(expr: object) -> str | None:
    """The name PostgreSQL gives a result column left unnamed (FigureColname), for the kinds
    `_expression` types."""
    kind, body = unwrap(expr)
    if kind == "ColumnRef":
        fields = strings(body.get("fields"))
        return fields[-1] if fields else None
    if kind == "TypeCast":
        inner = _result_name(body.get("arg"))
        if inner is not None and inner != "?column?":
            return inner
        return (strings((body.get("typeName") or {}).get("names")) or [None])[-1]
    if kind == "FuncCall":
        return (strings(body.get("funcname")) or [None])[-1]
    if kind == "SQLValueFunction":
        return _VALUE_FUNCTIONS.get(body.get("op", ""), (None,))[0]
    return "?column?" if kind == "A_Const" else None


def _type_of(column: Column) -> tuple:
    return column.type_name, column.typmods, column.array, column.collation


def _copy(column: Column) -> Column:
    """A table's column as a query returns it: its type and collation, nothing else."""
    return Column(column.name, column.type_name, column.typmods, array=column.array,
                  collation=column.collation)
