"""The conditions of an UPDATE's or DELETE's WHERE that PostgreSQL pushes down into a
DISTINCT / GROUP BY subquery of its FROM / USING list, to filter the relation that subquery
reads (allpaths.c set_subquery_pathlist; checked with EXPLAIN on 18.6,
tests/test_sweep4_leftovers.py).

A condition pushed down is one of the WHERE's top-level AND conditions that names the
subquery's columns (through its alias) and nothing else, without a subquery or a volatile
function, or one the planner derives from the WHERE's equalities (`v.c = s.c AND v.c = 7`
gives `s.c = 7`). It reaches the relation's rows when each column it names is, down the
subquery (and the subqueries it reads from, umami's shape), a DISTINCT one (of DISTINCT
ON, one of the list, by name, position or the same expression; of `SELECT DISTINCT *`,
the relation's column) or a GROUP BY key, or an expression of GROUP BY keys: the planner
writes the column's expression in its place (a condition on `n % 7 AS k` reads `n % 7 =
3`; on an aggregate it is a HAVING, which reads every row first). An expression with a
volatile or set-returning function, an aggregate or a subquery, a window function or
GROUPING SETS / ROLLUP / CUBE in the subquery keep the condition above it. Only an index
on an expression serves a condition on a computed column (not one on the plain column it
computes from: `session_id + 1 = 8` reads every row): such a condition is followed only
when an index expression of the relation reads its columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from lockwise.catalog.updatable import returned_calls
from lockwise.effects.nodes import columns_read, generation_expression, strings, unwrap, walk
from lockwise.effects.volatility import has_subquery, volatile_functions

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog


def pushed_condition(where: object, alias: str, query: object, catalog: Catalog,
                     expression_reads: AbstractSet[str] = frozenset()) -> dict | None:
    """The condition, on the columns of the relation subquery `query` (named `alias` in the
    statement) reads, that the statement's `where` pushes down to that relation's rows (its
    columns unqualified; the conditions ANDed); None when none is. A condition on a column
    the subquery computes counts only when it reads one of `expression_reads`, the columns
    the expressions of the relation's indexes read: no other index serves an expression."""
    pushed: list[object] = []
    for condition in (*_conjuncts(where), *_derived(where, alias)):
        refs = [strings(body.get("fields")) for kind, body in walk(condition)
                if kind == "ColumnRef"]
        if not refs or any(len(f) != 2 or f[0] != alias for f in refs) or \
                has_subquery(condition) or volatile_functions(condition, catalog):
            continue
        sources = {f[1]: _column_source(query, f[1], catalog) for f in refs}
        if all(source is not None and (unwrap(source)[0] == "ColumnRef" or
                                       set(columns_read(source)) & expression_reads)
               for source in sources.values()):
            pushed.append(_substituted(condition, lambda f, s=sources: s[f[1]], alias))
    if not pushed:
        return None
    return pushed[0] if len(pushed) == 1 else \
        {"BoolExpr": {"boolop": "AND_EXPR", "args": pushed}}


def _conjuncts(where: object) -> list[object]:
    """The top-level AND conditions of `where` (nested ANDs flattened)."""
    kind, body = unwrap(where) if where else ("", {})
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        return [c for arg in body.get("args") or () for c in _conjuncts(arg)]
    return [where] if where else []


def _constant(node: object) -> bool:
    kind, body = unwrap(node)
    return kind == "A_Const" or kind == "TypeCast" and unwrap(body.get("arg"))[0] == "A_Const"


def _equality(node: object) -> tuple[dict, dict] | None:
    """The two sides of `node` when it is `a = b`."""
    kind, body = unwrap(node)
    if kind == "A_Expr" and body.get("kind") == "AEXPR_OP" and \
            strings(body.get("name")) == ["="]:
        return body.get("lexpr") or {}, body.get("rexpr") or {}
    return None


def _derived(where: object, alias: str) -> list[dict]:
    """`alias.c = <constant>` for each column `c` of `alias` that the WHERE's top-level
    equalities make equal to a constant (`v.c = s.c AND v.c = 7`: the planner's equivalence
    classes)."""
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}

    def root(key: tuple[str, ...]) -> tuple[str, ...]:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    constants: dict[tuple[str, ...], dict] = {}
    seen: set[tuple[str, ...]] = set()
    for condition in _conjuncts(where):
        sides = _equality(condition)
        if sides is None:
            continue
        columns = [tuple(strings(unwrap(s)[1].get("fields"))) for s in sides
                   if unwrap(s)[0] == "ColumnRef"]
        seen.update(columns)
        if len(columns) == 2:
            parent[root(columns[0])] = root(columns[1])
        elif len(columns) == 1 and any(_constant(s) for s in sides):
            constants[columns[0]] = next(s for s in sides if _constant(s))
    by_class = {root(key): value for key, value in constants.items()}
    return [{"A_Expr": {"kind": "AEXPR_OP", "name": [{"String": {"sval": "="}}],
                        "lexpr": {"ColumnRef": {"fields": [{"String": {"sval": f}}
                                                           for f in key]}},
                        "rexpr": by_class[root(key)]}}
            for key in sorted(seen) if len(key) == 2 and key[0] == alias and key not in constants
            and root(key) in by_class]


def _column_source(query: object, name: str, catalog: Catalog) -> dict | None:
    """What output column `name` of `query` is, written over the columns of the relation it
    reads (through the subqueries it reads from; each column unqualified), when a condition
    on it filters that relation's rows: a plain column or one the subquery computes, a
    DISTINCT one (of DISTINCT ON, one of the list), a GROUP BY key or an expression of them
    (a HAVING without an aggregate is a WHERE); a column of `SELECT DISTINCT *` is the
    relation's. None otherwise (an aggregate, a window's, a volatile or set-returning one,
    one with a subquery: the planner keeps the condition above it)."""
    select = unwrap(query)[1]
    targets = select.get("targetList") or ()
    groups = select.get("groupClause") or ()
    if any(kind == "FuncCall" and body.get("over") for kind, body in walk(targets)) or \
            any(unwrap(g)[0] == "GroupingSet" for g in groups):
        return None
    found = _output_column(targets, name)
    if found is None:
        return None
    expression, position = found
    kind, val = unwrap(expression)
    plain = kind == "ColumnRef"
    if not plain and (has_subquery(expression) or any(returned_calls(expression)) or
                      volatile_functions(expression, catalog)):
        return None
    keys = ({(strings(val.get("fields")) or [name])[-1], name} if plain else {name}, position)
    on = [d for d in select.get("distinctClause") or () if d]  # DISTINCT ON's list
    if groups and not any(_is_key(g, expression, *keys) for g in groups) and (
            plain or not set(columns_read(expression)) <= _column_keys(groups)) or \
            on and not any(_is_key(d, expression, *keys) for d in on):
        return None
    kind, item = unwrap((select.get("fromClause") or [{}])[0])
    if kind != "RangeSubselect":
        return generation_expression(expression)
    if not item.get("subquery") or renames_columns(item):
        return None
    inner = {c: _column_source(item["subquery"], c, catalog)
             for c in columns_read(expression)}
    if not all(inner.values()):
        return None
    return _substituted(expression, lambda fields: inner[fields[-1]])


def _output_column(targets: Sequence[object], name: str) -> tuple[dict, int] | None:
    """The expression of output column `name` of target list `targets` and its position (0
    for one of a `*`: the relation's column of that name)."""
    star = False
    for position, target in enumerate(targets, 1):
        body = unwrap(target)[1]
        kind, val = unwrap(body.get("val"))
        fields = val.get("fields") or () if kind == "ColumnRef" else ()
        if any("A_Star" in f for f in fields):
            star = True
        elif (body.get("name") or (strings(fields) or [None])[-1]) == name:
            return body["val"], position
    return ({"ColumnRef": {"fields": [{"String": {"sval": name}}]}}, 0) if star else None


def _column_keys(groups: Sequence[object]) -> set[str]:
    """The plain columns among GROUP BY items `groups`."""
    return {(strings(body.get("fields")) or [""])[-1] for kind, body in map(unwrap, groups)
            if kind == "ColumnRef"}


def _is_key(node: object, expression: object, names: set[str], position: int) -> bool:
    """Whether GROUP BY / DISTINCT ON item `node` is the output column `expression` (named
    one of `names`, at `position`): by its name, its position or the same expression."""
    return _names(node, names, position) or \
        generation_expression(node) == generation_expression(expression)


def renames_columns(item: dict) -> bool:
    """Whether subquery `item` of a FROM list names its columns anew (`AS s(a, b)`): its
    columns are not its query's by name (not followed)."""
    return bool((item.get("alias") or {}).get("colnames"))


def _names(node: object, names: set[str], position: int) -> bool:
    """Whether GROUP BY / DISTINCT ON item `node` is the output column of `names` (its
    column's or its own) at `position`."""
    kind, body = unwrap(node)
    if kind == "ColumnRef":
        return (strings(body.get("fields")) or [""])[-1] in names
    return kind == "A_Const" and (body.get("ival") or {}).get("ival") == position


def _substituted(node: object, source: Callable[[list[str]], object],
                 alias: str | None = None) -> object:
    """`node` with each column reference (each qualified by `alias`, when given) written as
    `source` gives for its names."""
    if isinstance(node, list):
        return [_substituted(item, source, alias) for item in node]
    if not isinstance(node, dict):
        return node
    fields = strings((node.get("ColumnRef") or {}).get("fields"))
    if fields and (alias is None or len(fields) == 2 and fields[0] == alias):
        return source(fields)
    return {key: _substituted(value, source, alias) for key, value in node.items()}
