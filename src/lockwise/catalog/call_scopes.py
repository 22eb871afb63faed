"""The FROM list each function call of a query sees: a call's column argument has the type
of the column it names there (`overloads.chosen`), as the server resolves the reference.

Only the calls in a SELECT's select list, WHERE and HAVING, and in its joins' ON conditions,
are given their SELECT's own FROM list (`query_columns.from_scope`: a name a WITH around the
SELECT has is that CTE, whose columns are not followed); a call anywhere else (a
FROM function, an UPDATE's SET, ORDER BY or GROUP BY, which may name output columns) has
none, and its column arguments are not typed. Loaded with the first call whose overload is
not evident from its arguments alone.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.catalog.query_columns import FromScope, from_scope, with_ctes

#: The arms of a UNION / INTERSECT / EXCEPT: SelectStmts (their bodies, in pglast's JSON).
_SET_OPERANDS = frozenset({"larg", "rarg"})
#: The parts of a SelectStmt whose column references name its own FROM items.
_SCOPED = ("targetList", "whereClause", "havingClause")


def call_scopes(catalog: Catalog, tree: object) -> list[tuple[dict, FromScope]]:
    """Each FuncCall of `tree` that `_SCOPED` holds, with the FROM list it sees (the calls of
    a subquery, the subquery's own; a name a WITH around it has is that CTE, not a table)."""
    out: list[tuple[dict, FromScope]] = []
    stack = [(select, frozenset[str]()) for select in _nodes(tree, "SelectStmt")]
    while stack:
        select, around = stack.pop()
        ctes = with_ctes(select, around)
        scope = from_scope(catalog, select, ctes)[0]
        parts = [select.get(part) for part in _SCOPED]
        parts += [join.get("quals") for join in _nodes(select.get("fromClause"), "JoinExpr")]
        for call in (c for part in parts for c in _nodes(part, "FuncCall")):
            out.append((call, scope))
        stack.extend((inner, ctes) for inner in _nodes(select, "SelectStmt"))
    return out


def _nodes(tree: object, kind: str) -> list[dict]:
    """The bodies of the `kind` nodes below `tree`. A SelectStmt below is not entered: its
    parts are its own, the calls in them see its FROM list (`call_scopes` enters it)."""
    found: list[dict] = []
    stack: list = [tree]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(item)
        elif type(item) is dict:
            for key, value in item.items():
                if key == kind or kind == "SelectStmt" and key in _SET_OPERANDS:
                    found.append(value)
                if key == "SelectStmt" or key in _SET_OPERANDS:
                    continue
                if type(value) in (dict, list):
                    stack.append(value)
    return found
