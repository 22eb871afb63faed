"""Column references resolved as PostgreSQL resolves them, query level by query level: each
SELECT has its own FROM aliases, inner levels see outer ones, so that reusing a short alias
for different tables in different subqueries does not attribute a column to the wrong table.

Used for what a view depends on (`view_dependencies`, the conflict graph), what a view's
columns are (`catalog/replay.py`, when a column a view uses is changed) and which names of a
statement a dropped column took (`graph/deps.py`).
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import range_var, strings, unwrap

#: alias -> qualified relation (None for a subquery or CTE, whose columns are not tables')
Scope = dict[str, "str | None"]


def alias_of(body: dict) -> str | None:
    alias = body.get("alias") or {}
    alias = alias.get("Alias", alias)
    return alias.get("aliasname")


class ScopedResolver:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.deps: set[str] = set()
        self.ctes: set[str] = set()

    def _columns(self, rel: str) -> list[str]:
        t = self.catalog.tables.get(rel)
        return list(t.columns) if t else []

    def _from_item(self, node: dict, scope: Scope, outer: list[Scope]) -> None:
        kind, body = unwrap(node)
        if kind == "RangeVar":
            name = body.get("relname", "")
            if body.get("schemaname") is None and name in self.ctes:
                scope[alias_of(body) or name] = None
                return
            rel = range_var(body)[0]
            self.deps.add(f"table:{rel}")
            scope[alias_of(body) or name] = rel
        elif kind == "JoinExpr":
            self._from_item(body.get("larg") or {}, scope, outer)
            self._from_item(body.get("rarg") or {}, scope, outer)
            self._expr(body.get("quals"), [scope, *outer])
        elif kind == "RangeSubselect":
            self._select(body.get("subquery") or {}, [scope, *outer])
            if alias_of(body):
                scope[alias_of(body) or ""] = None
        elif kind == "RangeFunction":
            self._expr(body.get("functions"), [scope, *outer])
            if alias_of(body):
                scope[alias_of(body) or ""] = None

    def _select(self, node: dict, outer: list[Scope]) -> None:
        kind, body = unwrap(node)
        if kind != "SelectStmt":
            self._expr(node, outer)
            return
        with_clause = (body.get("withClause") or {})
        for cte in with_clause.get("ctes") or ():
            _, cbody = unwrap(cte)
            self.ctes.add(cbody.get("ctename", ""))
            self._select(cbody.get("ctequery") or {}, outer)
        if body.get("op") not in (None, "SETOP_NONE"):
            self._select({"SelectStmt": body.get("larg") or {}}, outer)
            self._select({"SelectStmt": body.get("rarg") or {}}, outer)
            return
        scope: Scope = {}
        for item in body.get("fromClause") or ():
            self._from_item(item, scope, outer)
        scopes = [scope, *outer]
        for key, value in body.items():
            if key not in ("fromClause", "withClause"):
                self._expr(value, scopes)

    def _expr(self, node: object, scopes: list[Scope]) -> None:
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
                continue
            if not isinstance(item, dict):
                continue
            for key, value in item.items():
                if key == "SelectStmt" and isinstance(value, dict):
                    self._select({key: value}, scopes)
                elif key == "ColumnRef" and isinstance(value, dict):
                    self._column(strings(value.get("fields")), scopes)
                elif isinstance(value, (dict, list)):
                    stack.append(value)

    def _column(self, fields: list[str], scopes: list[Scope]) -> None:
        if not fields:
            return
        if len(fields) >= 2:
            qualifier = fields[-2]
            for scope in scopes:
                if qualifier in scope:
                    self._add(scope[qualifier], fields[-1])
                    return
            return
        name = fields[0]
        for scope in scopes:
            rels = [r for r in scope.values() if r]
            if name == "*":
                for rel in rels:
                    self._add(rel, "*")
                return
            owners = [r for r in rels if name in self._columns(r)]
            if owners:
                self._add(owners[0], name)
                return
            if any(r is None for r in scope.values()):
                return  # may be a subquery's output column

    def _add(self, rel: str | None, column: str) -> None:
        if rel is None:
            return
        known = self._columns(rel)
        if column == "*":
            self.deps.update(f"column:{rel}.{c}" for c in known)
        elif column in known:
            self.deps.add(f"column:{rel}.{column}")


def view_dependencies(query: dict, catalog: Catalog) -> set[str]:
    """Objects ("table:s.t", "column:s.t.c") a view's defining query depends on."""
    resolver = ScopedResolver(catalog)
    resolver._select(query, [])
    return resolver.deps
