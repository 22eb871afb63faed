"""The columns of a query's result, as `CREATE TABLE ... AS` and `SELECT ... INTO` make a table
of them: each named as PostgreSQL names a result column, of the type the query gives it.

Only what the query makes plain is worked out: columns of tables the catalog knows, casts,
literals, `count(*)`, `now()` and the current date and time, `ARRAY[...]` and `VALUES` of
them (their common type, `_common`), UNION / INTERSECT / EXCEPT of such queries (their sides'
common type) and the columns of a `(SELECT ...) s` or `(VALUES ...) v` FROM item, typed so.
Anything else (another function, an operator, a scalar subquery, a CTE, a join USING whose
merged column may take another type) leaves the whole result unknown: the replay then records
no column rather than a wrong one. An untyped constant that is no input of the common type it
meets (`VALUES (1), ('x')`) refuses the statement: the typing stops there (`InputRefused`,
`input_refusal` gives it; the public functions give None). The server
copies no NOT NULL, default or constraint into such a table (checked on the server).

The names alone (`result_names`, what a view's columns are called) are known more often: a
column's name does not depend on its type, only `*` needs the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lockwise.catalog.model import Catalog, Column, Table
from lockwise.effects.nodes import range_var, returning_list, strings, unwrap

#: alias -> the table of a FROM item (None: a CTE, function, subquery or table whose columns
#: are not known for sure).
FromScope = dict[str, "Table | None"]
_T = TypeVar("_T")

#: The SQL-standard functions written without parentheses whose type is fixed.
_VALUE_FUNCTIONS = {"SVFOP_CURRENT_DATE": "date", "SVFOP_CURRENT_TIMESTAMP": "timestamptz",
                    "SVFOP_LOCALTIMESTAMP": "timestamp"}
#: Functions whose result type does not depend on their arguments.
_FUNCTION_TYPES = {"count": "int8", "now": "timestamptz"}
_INT8_MAX = 2**63 - 1
#: Types a cast to keeps the collation of a string column (the server derives it so).
_STRING_TYPES = frozenset({"text", "varchar", "bpchar"})


class InputRefused(Exception):
    """The server refuses the query as it resolves `where` (an ARRAY's body, a VALUES' or set
    operation's SelectStmt): an untyped constant among its elements, rows or sides is no
    input of their common type; `message` is the server's (checked on 18.6)."""

    def __init__(self, message: str, where: dict) -> None:
        super().__init__(message)
        self.message, self.where = message, where


def input_refusal(catalog: Catalog, query: object) -> InputRefused | None:
    """The refusal the typing of SELECT `query` meets first (its FROM items', then its select
    list's, in the order the server analyzes them), or None: none is met before the typing
    ends (a column not known stops it)."""
    kind, body = unwrap(query)
    try:
        if kind == "SelectStmt":
            _select(catalog, body)
    except InputRefused as refused:
        return refused
    return None


def _typed(typing: Callable[[], _T]) -> _T | None:
    """What `typing` gives; None when the server refuses the query (`InputRefused`)."""
    try:
        return typing()
    except InputRefused:
        return None


def result_columns(catalog: Catalog, query: object, names: list[str]) -> list[Column] | None:
    """The columns a table made from `query` gets, `names` (CREATE TABLE t (a, b) AS ...)
    renaming the first ones; None when any of them is not known for sure, or the server
    would refuse the statement (more names than columns, a name twice, an untyped constant
    no input of its common type)."""
    kind, body = unwrap(query)
    return _renamed(_typed(lambda: _select(catalog, body)) if kind == "SelectStmt" else None,
                    names)


def _renamed(columns: list[Column] | None, names: list[str]) -> list[Column] | None:
    """`columns`, the first ones renamed `names` (a column list: CREATE TABLE t (a, b) AS,
    an alias `v(a, b)`); None when they are not known, or the server refuses the names (more
    than columns, one twice: checked on 18.6)."""
    if columns is None or len(names) > len(columns):
        return None
    for column, name in zip(columns, names, strict=False):
        column.name = name
    return columns if len({c.name for c in columns}) == len(columns) else None


def returning_columns(catalog: Catalog, stmt: dict) -> list[Column] | None:
    """The columns the RETURNING list of INSERT / UPDATE / DELETE / MERGE `stmt` gives,
    through its target table alone (a column of another FROM item is not followed); None
    when any of them is not known for sure."""
    target = stmt.get("relation") or {}
    table = catalog.known_table(range_var(target)[0])
    table = table if table is not None and table.kind in _READ_KINDS else None
    scope: FromScope = {(target.get("alias") or {}).get("aliasname") or
                        target.get("relname", ""): table}
    if stmt.get("fromClause") or stmt.get("usingClause") or stmt.get("sourceRelation"):
        return None
    out: list[Column] = []
    for item in returning_list(stmt):
        found = _typed(lambda item=item: _target(catalog, unwrap(item)[1], scope, [table]))
        if found is None:
            return None
        out.extend(found)
    return out


def query_columns(catalog: Catalog, query: object) -> list[Column] | None:
    """The columns SELECT `query` returns, as `result_columns` types them but whatever
    their names (a function's result may repeat one); None when any is not known."""
    kind, body = unwrap(query)
    return _typed(lambda: _select(catalog, body)) if kind == "SelectStmt" else None


def result_names(catalog: Catalog, query: object, names: list[str]) -> tuple[str, ...] | None:
    """The names of the columns a view defined by `query` gets, in order, as PostgreSQL names
    them (an alias; a column reference's column; a function's name; a cast's inner name, or
    its type's; `?column?` for an operator or constant), `names` (CREATE VIEW v (a, b) AS)
    renaming the first ones. None when any one is not known for sure (a `*` over a relation
    whose columns the catalog does not know whole, an expression `_figure` does not name),
    or the server would refuse the statement (more names than columns, a name twice)."""
    found = _names_renamed(catalog, query, names)
    return found if found is not None and len(set(found)) == len(found) else None


def repeated_result_name(catalog: Catalog, query: object, names: list[str]) -> str:
    """The first column name of `query`'s result (`names` renaming the first ones, as in
    `result_names`) that a column before it has already: a view, a materialized view or a
    CREATE TABLE AS of such a result is refused ("column "a" specified more than once",
    42701; checked on 18.6). "" when none is repeated, or any name is not known for sure."""
    seen: set[str] = set()
    for name in _names_renamed(catalog, query, names) or ():
        if name in seen:
            return name
        seen.add(name)
    return ""


def _names_renamed(catalog: Catalog, query: object, names: list[str]) -> tuple[str, ...] | None:
    """The names of `query`'s result columns, `names` renaming the first ones; None when any
    is not known for sure, or there are more names than columns. Worked out once a statement
    (`Catalog.found_once`): the effect model asks for a name twice, then the replay for the
    view's columns."""
    return catalog.found_once(query, ("result names", *names),
                              lambda: _names_walked(catalog, query, names))


def _names_walked(catalog: Catalog, query: object, names: list[str]) -> tuple[str, ...] | None:
    kind, body = unwrap(query)
    found = _select_names(catalog, body, frozenset()) if kind == "SelectStmt" else None
    if found is None or len(names) > len(found):
        return None
    return (*names, *found[len(names):])


def _select_names(catalog: Catalog, stmt: dict, ctes: frozenset[str]) -> list[str] | None:
    if stmt.get("op") not in (None, "SETOP_NONE"):  # named after the left side
        return _select_names(catalog, stmt.get("larg") or {}, with_ctes(stmt, ctes))
    if stmt.get("valuesLists"):
        first = unwrap(stmt["valuesLists"][0])[1].get("items") or ()
        return [f"column{i}" for i in range(1, len(first) + 1)]
    from_items: tuple[FromScope, list[Table | None]] | None = None  # looked up for a `*` only
    out: list[str] = []
    for target in stmt.get("targetList") or ():
        _, res = unwrap(target)
        name = res.get("name")
        if name is not None:
            out.append(name)
            continue
        if from_items is None and _is_star(res):
            from_items = from_scope(catalog, stmt, ctes)
        tables = _star_tables(res, *from_items) if from_items is not None else None
        found = _expand(tables, lambda t: _star_names(catalog, t)) if tables is not None \
            else _result_name(res.get("val"))
        if found is None:
            return None
        if isinstance(found, str):
            out.append(found)
        else:
            out.extend(found)
    return out


def _expand(tables: list[Table | None], each: Callable[[Table | None], list[_T] | None],
            ) -> list[_T] | None:
    """What a `*` over `tables` gives, `each` giving one table's part; None when any
    table's is not known."""
    out: list[_T] = []
    for table in tables:
        part = each(table)
        if part is None:
            return None
        out.extend(part)
    return out


def from_scope(catalog: Catalog, stmt: dict, ctes: frozenset[str] = frozenset(),
               ) -> tuple[FromScope, list[Table | None]]:
    """The FROM items of `stmt` by alias, and in order (for `*`: None where its columns are
    not followed); `ctes` the names of the CTEs of the queries around it, to which its own
    WITH adds (an unqualified name of one is the CTE, not a table). None of them known when
    the server refuses a FROM item (`InputRefused`)."""
    return _typed(lambda: _from_scope(catalog, stmt, ctes)) or ({}, [None])


def _from_scope(catalog: Catalog, stmt: dict, ctes: frozenset[str],
                ) -> tuple[FromScope, list[Table | None]]:
    """`from_scope`, raising `InputRefused`."""
    scope: FromScope = {}
    order: list[Table | None] = []
    ctes = with_ctes(stmt, ctes)
    for item in stmt.get("fromClause") or ():
        if not _from_item(catalog, item, scope, order, ctes):
            order.append(None)  # `*` over it is not known
    return scope, order


def with_ctes(stmt: dict, ctes: frozenset[str]) -> frozenset[str]:
    """`ctes` and the names of the CTEs of `stmt`'s own WITH."""
    own = (stmt.get("withClause") or {}).get("ctes")
    return ctes | {unwrap(c)[1].get("ctename", "") for c in own} if own else ctes


def _star_tables(res: dict, scope: FromScope,
                 order: list[Table | None]) -> list[Table | None] | None:
    """The relations a select-list `*` or `alias.*` expands over ([None] for one not
    followed); None when `res` is no `*`."""
    if not _is_star(res):
        return None
    fields = strings(unwrap(res.get("val"))[1].get("fields"))
    return order if len(fields) == 1 else [scope.get(fields[-2])]


def _is_star(res: dict) -> bool:
    """Whether select-list item `res` is a `*` or `alias.*` (cheaply: most are not)."""
    kind, body = unwrap(res.get("val"))
    fields = body.get("fields") if kind == "ColumnRef" else None
    return bool(fields) and "A_Star" in fields[-1]


def _star_columns(catalog: Catalog, table: Table | None) -> list[Column] | None:
    """The columns `*` gives over `table`: those of a table the catalog fully knows, or of a
    view or materialized view whose columns it knows (whole or not at all), or of a
    `(SELECT ...)` or `(VALUES ...)` FROM item (`_subquery_item`)."""
    if table is None or not (table.kind == "subquery" or catalog.fully_known(table.name)
                             is not None or table.kind in ("view", "matview")
                             and bool(table.columns) and catalog.sure_of(table.name)):
        return None
    return [_copy(c) for c in table.columns.values()]


def _star_names(catalog: Catalog, table: Table | None) -> list[str] | None:
    """The names `*` gives over `table` (a view's known even when their types are not)."""
    if table is not None and table.column_names is not None and catalog.sure_of(table.name):
        return list(table.column_names)
    columns = _star_columns(catalog, table)
    return [c.name for c in columns] if columns is not None else None


def _select(catalog: Catalog, stmt: dict, ctes: frozenset[str] = frozenset(),
            ) -> list[Column] | None:
    """The columns SELECT `stmt` returns (`ctes`: those of the queries around it)."""
    if stmt.get("op") not in (None, "SETOP_NONE"):
        return _set_operation(catalog, stmt, with_ctes(stmt, ctes))
    if stmt.get("valuesLists"):
        return _values(catalog, stmt)
    scope, order = _from_scope(catalog, stmt, ctes)
    out: list[Column] = []
    for target in stmt.get("targetList") or ():
        _, res = unwrap(target)
        found = _target(catalog, res, scope, order)
        if found is None:
            return None
        out.extend(found)
    return out


def _set_operation(catalog: Catalog, stmt: dict, ctes: frozenset[str]) -> list[Column] | None:
    """UNION / INTERSECT / EXCEPT: named after the left side, each column of both sides'
    common type as VALUES rows take theirs (`_resolved`; transformSetOperationTree, checked
    on 18.6: `SELECT 1 UNION SELECT 2.5` numeric, `SELECT NULL UNION SELECT 1` integer); a
    column both sides give alike (a collation too) as it is. None when the sides differ in
    length (the server refuses them)."""
    left = _arm(catalog, stmt.get("larg") or {}, ctes)
    right = _arm(catalog, stmt.get("rarg") or {}, ctes)
    if left is None or right is None or len(left[0]) != len(right[0]):
        return None
    out: list[Column] = []
    for i, (a, b) in enumerate(zip(left[0], right[0], strict=True)):
        sides = [None if i in left[1] else a, None if i in right[1] else b]
        column = a if None not in sides and _type_of(a) == _type_of(b) else \
            _resolved(sides, [left[1].get(i), right[1].get(i)], stmt)
        if column is None:
            return None
        column.name = a.name
        out.append(column)
    return out


def _arm(catalog: Catalog, stmt: dict, ctes: frozenset[str],
         ) -> tuple[list[Column], dict[int, str | None]] | None:
    """The columns one side of a set operation gives, and the places among them of its
    untyped constants, with their texts (`_text`): a plain SELECT's string or NULL, which
    the server leaves to the set operation to resolve unless DISTINCT, GROUP BY or ORDER BY
    in that SELECT made it text (a VALUES side's is text: checked on 18.6)."""
    columns = _select(catalog, stmt, ctes)
    if columns is None or stmt.get("op") not in (None, "SETOP_NONE") or \
            any(stmt.get(k) for k in ("valuesLists", *_RESOLVING_UNKNOWNS)):
        return (columns, {}) if columns is not None else None
    targets = [unwrap(t)[1] for t in stmt.get("targetList") or ()]
    untyped = {i: _text(res.get("val")) for i, res in enumerate(targets)
               if _untyped(res.get("val"))}
    if untyped and any(map(_is_star, targets)):
        return None  # (the places would move)
    return columns, untyped


#: The clauses of a SELECT that resolve its untyped select-list constants to text.
_RESOLVING_UNKNOWNS = ("distinctClause", "groupClause", "sortClause")


def _values(catalog: Catalog, stmt: dict) -> list[Column] | None:
    """VALUES (...), ... of SelectStmt `stmt`: columns column1, column2..., each of its rows'
    common type (`_common`), resolved column by column; None when the rows differ in length
    (the server refuses them)."""
    lists = [unwrap(row)[1].get("items") or () for row in stmt["valuesLists"]]
    if any(len(items) != len(lists[0]) for items in lists):
        return None
    out: list[Column] = []
    for i, items in enumerate(zip(*lists, strict=True), 1):
        column = _common(catalog, items, {}, stmt)
        if column is None:
            return None
        column.name = f"column{i}"
        out.append(column)
    return out


def _common(catalog: Catalog, exprs: tuple | list, scope: FromScope, where: dict,
            ) -> Column | None:
    """The column VALUES rows or ARRAY[...] elements `exprs` resolve to, as the server
    resolves them (checked on 18.6): their common type (`call_resolution.common_type`, an
    untyped string constant or NULL taking the others'), an array when they are arrays
    (of their elements' common type), with the typmod they all agree on when each has that
    type (select_common_typmod: none when an untyped constant is among them). None when one
    of them is not known, or has a collation (whether it is kept is not worked out).
    UNION / INTERSECT / EXCEPT resolve their sides' columns so too (`_set_operation`).
    `InputRefused` at `where` when an untyped constant is no input of the common type."""
    columns: list[Column | None] = []  # None: an untyped constant
    for expr in exprs:
        if _untyped(expr):
            columns.append(None)
            continue
        column = _expression(catalog, expr, scope)
        if column is None:
            return None
        columns.append(column)
    return _resolved(columns, [_text(expr) for expr in exprs], where)


def _untyped(expr: object) -> bool:
    """Whether `expr` is an untyped constant: a string or NULL."""
    kind, body = unwrap(expr)
    return kind == "A_Const" and bool(body.get("isnull") or "sval" in body)


def _text(expr: object) -> str | None:
    """The text of `expr` when it is a string constant."""
    kind, body = unwrap(expr)
    return str(body["sval"].get("sval", "")) if kind == "A_Const" and "sval" in body else None


def _resolved(columns: list[Column | None], texts: list[str | None], where: dict,
              ) -> Column | None:
    """The column of the common type of `columns` (None for an untyped constant, of text
    `texts` at its place: see `_common`). When one of them is no input of that type the
    server refuses the query as it resolves `where` ("invalid input syntax for type integer:
    "x"", checked on 18.6; `type_input.input_verdict`): `InputRefused`, the first such
    text's message."""
    typed = [c for c in columns if c is not None]
    if any(c.collation is not None for c in typed) or len({c.array for c in typed}) > 1:
        return None  # (arrays and not: refused, "cannot be matched")
    from lockwise.catalog.call_resolution import UNKNOWN, common_type
    from lockwise.catalog.type_input import input_verdict

    type_ = common_type([c.type_name if c is not None else UNKNOWN for c in columns])
    if type_ is None:
        return None
    array = bool(typed) and typed[0].array
    for text in texts if not array else ():
        if text is not None and (message := input_verdict(type_, text)):
            raise InputRefused(message, where)
    mods = {c.typmods if c is not None and c.type_name == type_ else None for c in columns}
    found = mods.pop() if len(mods) == 1 else None
    return Column("", type_, found or (), array=array)


def _from_item(catalog: Catalog, node: object, scope: FromScope, order: list[Table | None],
               ctes: frozenset[str]) -> bool:
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
        order.append(known)
        return True
    if kind == "JoinExpr":
        left = _from_item(catalog, body.get("larg"), scope, order, ctes)
        right = _from_item(catalog, body.get("rarg"), scope, order, ctes)
        return left and right and not body.get("usingClause") and not body.get("isNatural")
    if kind == "RangeSubselect" and (typed := _subquery_item(catalog, body, ctes)) is not None:
        if alias:
            scope[alias] = typed
        order.append(typed)
        return True
    if alias:  # a subquery or function: its columns are not followed
        scope[alias] = None
    order.append(None)
    return True


def _subquery_item(catalog: Catalog, body: dict, ctes: frozenset[str]) -> Table | None:
    """A `(SELECT ...) s` or `(VALUES ...) v` FROM item as a relation of its query's columns
    (`_select`: the CTEs `ctes` around it seen), `s(a, b)` renaming the first ones; an untyped
    string or NULL of its select list is text there (checked on 18.6). None when a column is
    not known (one of a FROM item before a LATERAL one, not followed) or the server refuses
    the names (more than columns, one twice)."""
    kind, query = unwrap(body.get("subquery"))
    columns = _renamed(_select(catalog, query, ctes) if kind == "SelectStmt" else None,
                       strings((body.get("alias") or {}).get("colnames")))
    if columns is None:
        return None
    return Table((body.get("alias") or {}).get("aliasname") or "", kind="subquery",
                 columns={c.name: c for c in columns})


#: The relations whose columns a query's references are resolved against: a view's or
#: materialized view's are known whole or not at all (`replay._query_columns`).
_READ_KINDS = frozenset(("table", "partitioned", "view", "matview"))


def _target(catalog: Catalog, res: dict, scope: FromScope,
            order: list[Table | None]) -> list[Column] | None:
    """The columns one select-list item gives: several for a `*`."""
    expr = res.get("val")
    tables = _star_tables(res, scope, order)
    if tables is not None:
        return _expand(tables, lambda t: _star_columns(catalog, t))
    column = _expression(catalog, expr, scope)
    name = res.get("name") or _result_name(expr)
    if column is None or name is None:
        return None
    column.name = name
    return [column]


def _expression(catalog: Catalog, expr: object, scope: FromScope) -> Column | None:
    """A result column of `expr` (named later), or None when its type is not known."""
    kind, body = unwrap(expr)
    if kind == "ColumnRef":
        found = scope_column(strings(body.get("fields")), scope)
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
    if kind == "A_ArrayExpr":  # (ARRAY[] alone is refused: "cannot determine type")
        found = _common(catalog, body["elements"], scope, body) if body.get("elements") \
            else None
        if found is not None:
            found.array = True
        return found
    if kind == "FuncCall":
        name = strings(body.get("funcname"))
        type_ = _FUNCTION_TYPES.get(name[-1]) if name[:-1] in ([], ["pg_catalog"]) else None
        return Column("", type_) if type_ and not body.get("over") else None
    if kind == "SQLValueFunction" and body.get("op") in _VALUE_FUNCTIONS \
            and body.get("typmod", -1) == -1:
        return Column("", _VALUE_FUNCTIONS[body["op"]])
    return None


def scope_column(fields: list[str], scope: FromScope) -> Column | None:
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
        return integer_type(text) if text.isdigit() else "numeric"
    return None


def integer_type(digits: str) -> str:
    """The type of an integer constant of `digits` too long for int4 (pglast's `fval`):
    int8 when it fits, else numeric (checked on the server; the digits counted before int()
    reads them, which refuses thousands)."""
    return "int8" if len(digits) <= 19 and int(digits) <= _INT8_MAX else "numeric"


def _result_name(expr: object) -> str | None:
    """The name PostgreSQL gives a result column left unnamed (FigureColname); None for an
    expression `_figure` does not know."""
    found = _figure(expr)
    return None if found is None else found[0] if found[1] else "?column?"


#: Expressions PostgreSQL names by their kind alone (FigureColnameInternal).
_KIND_NAMES = {"CaseExpr": "case", "A_ArrayExpr": "array", "CoalesceExpr": "coalesce",
               "GroupingFunc": "grouping"}
#: Expressions it leaves unnamed: `?column?`.
_UNNAMED_KINDS = frozenset(("A_Const", "BoolExpr", "NullTest", "BooleanTest", "ParamRef"))


def _figure(expr: object) -> tuple[str, int] | None:
    """FigureColnameInternal: the name `expr` gives its column and how strongly (2: a
    column's or function's name, 1: a cast's type name, 0: none, `?column?`); None for a
    kind not followed here (a scalar subquery, XML or JSON constructors, ...)."""
    kind, body = unwrap(expr)
    if kind == "ColumnRef":
        last = strings((body.get("fields") or [None])[-1:])
        return (last[0], 2) if last and last[0] != "*" else None
    if kind == "A_Indirection":  # x.field names it; a subscript x[1] keeps x's name
        last_kind, last = unwrap((body.get("indirection") or [None])[-1])
        if last_kind == "String":
            return (last.get("sval", ""), 2)
        return _figure(body.get("arg")) if last_kind == "A_Indices" else None
    if kind == "FuncCall":
        return ((strings(body.get("funcname")) or [""])[-1], 2)
    if kind == "TypeCast":
        inner = _figure(body.get("arg"))
        if inner is None or inner[1] == 2:
            return inner
        return ((strings((body.get("typeName") or {}).get("names")) or [""])[-1], 1)
    if kind == "CollateClause":
        return _figure(body.get("arg"))
    if kind == "A_Expr":
        return ("nullif", 2) if body.get("kind") == "AEXPR_NULLIF" else ("", 0)
    if kind == "MinMaxExpr":
        return ("greatest" if body.get("op") == "IS_GREATEST" else "least", 2)
    if kind == "SubLink" and body.get("subLinkType") in ("EXISTS_SUBLINK", "ARRAY_SUBLINK"):
        return ("exists" if body["subLinkType"] == "EXISTS_SUBLINK" else "array", 2)
    if kind == "SQLValueFunction":  # SVFOP_CURRENT_TIME_N: current_time
        return (body.get("op", "").removeprefix("SVFOP_").removesuffix("_N").lower(), 2)
    if kind in _KIND_NAMES:
        return (_KIND_NAMES[kind], 2)
    return ("", 0) if kind in _UNNAMED_KINDS else None


def _type_of(column: Column) -> tuple:
    return column.type_name, column.typmods, column.array, column.collation


def _copy(column: Column) -> Column:
    """A table's column as a query returns it: its type and collation, nothing else."""
    return Column(column.name, column.type_name, column.typmods, array=column.array,
                  collation=column.collation)
