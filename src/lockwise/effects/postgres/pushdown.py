"""The conditions of an UPDATE's or DELETE's WHERE that PostgreSQL pushes down into a
DISTINCT / GROUP BY subquery of its FROM / USING list, to filter the relation that subquery
reads (allpaths.c set_subquery_pathlist; checked with EXPLAIN on 18.6,
tests/test_sweep4_leftovers.py).

A condition pushed down is one of the WHERE's top-level AND conditions that names the
subquery's columns (through its alias) and nothing else, without a subquery or a volatile
function, or one the planner derives from the WHERE's equalities (`v.c = s.c AND v.c = 7`
gives `s.c = 7`). It reaches the relation's rows when each column it names is, down the
subquery (and the one subquery it reads from, umami's shape), a plain column of it that is
a DISTINCT one (of DISTINCT ON, one of the list) or a GROUP BY key; on an aggregate it is a
HAVING, which reads every row first. A window function or GROUPING SETS / ROLLUP / CUBE in
the subquery keep every condition out. A condition on a column the subquery computes
(`n % 7 AS k`) is pushed down too, but is not followed: the read stays whole, as it does
when no index of the relation serves the condition."""

from __future__ import annotations

from lockwise.effects.nodes import strings, unwrap, walk


def pushed_condition(where: object, alias: str, query: object,
                     user_functions: dict[str, str]) -> dict | None:
    """The condition, on the columns of the relation subquery `query` (named `alias` in the
    statement) reads, that the statement's `where` pushes down to that relation's rows (its
    columns unqualified; the conditions ANDed); None when none is."""
    from lockwise.effects.volatility import has_subquery, volatile_functions

    pushed: list[object] = []
    for condition in (*_conjuncts(where), *_derived(where, alias)):
        refs = [strings(body.get("fields")) for kind, body in walk(condition)
                if kind == "ColumnRef"]
        if not refs or any(len(f) != 2 or f[0] != alias for f in refs) or \
                has_subquery(condition) or volatile_functions(condition, user_functions):
            continue
        sources = {f[1]: _column_source(query, f[1]) for f in refs}
        if all(sources.values()):
            pushed.append(_renamed(condition, alias, sources))
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


def _column_source(query: object, name: str) -> str | None:
    """The column of the relation `query` reads (through the one subquery it may read from)
    that its output column `name` is, when a condition on it filters that relation's rows:
    a plain column, a DISTINCT one or a GROUP BY key; None otherwise."""
    select = unwrap(query)[1]
    targets = select.get("targetList") or ()
    groups = select.get("groupClause") or ()
    if any(kind == "FuncCall" and body.get("over") for kind, body in walk(targets)) or \
            any(unwrap(g)[0] == "GroupingSet" for g in groups):
        return None
    source = None
    for position, target in enumerate(targets, 1):
        body = unwrap(target)[1]
        kind, val = unwrap(body.get("val"))
        fields = strings(val.get("fields")) if kind == "ColumnRef" else []
        if (body.get("name") or (fields[-1] if fields else None)) != name:
            continue
        if not fields:
            return None  # computed, or `*`
        keys = ({fields[-1], name}, position)
        on = [d for d in select.get("distinctClause") or () if d]  # DISTINCT ON's list
        if groups and not any(_names(g, *keys) for g in groups) or \
                on and not any(_names(d, *keys) for d in on):
            return None
        source = fields[-1]
        break
    if source is None:
        return None
    kind, item = unwrap((select.get("fromClause") or [{}])[0])
    if kind != "RangeSubselect":
        return source
    return _column_source(item["subquery"], source) if item.get("subquery") and \
        not renames_columns(item) else None


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


def _renamed(node: object, alias: str, sources: dict[str, str | None]) -> object:
    """`node` with each `alias.c` written as the relation's column `sources[c]`."""
    if isinstance(node, list):
        return [_renamed(item, alias, sources) for item in node]
    if not isinstance(node, dict):
        return node
    fields = strings((node.get("ColumnRef") or {}).get("fields"))
    if len(fields) == 2 and fields[0] == alias:
        return {"ColumnRef": {"fields": [{"String": {"sval": sources[fields[1]]}}]}}
    return {key: _renamed(value, alias, sources) for key, value in node.items()}
