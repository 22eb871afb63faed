"""A column a `LANGUAGE sql` routine's body names that its table lacks: PostgreSQL refuses
the CREATE.

The server analyzes every statement of such a body at CREATE (a string body while
check_function_bodies is on and no argument is polymorphic; a BEGIN ATOMIC body always),
resolving names as a query would: a column the table does not have is refused there, with
the message a query would get (`column "c" does not exist`, `column x.c does not exist`,
`column "c" of relation "t" does not exist`; checked on 18.6: tests/test_sql_body_names.py).
Said only where the replay knows the table whole (`Catalog.fully_known`): a table made
outside the migrations, one a DO block may have changed, or a FROM item whose columns are
not followed (a subquery, a function, a CTE, column aliases) leaves the name alone, and so
does a body resolved under the routine's own `SET search_path`, which the replay does not
follow. Tables are not refused: one the catalog does not know may have been made outside
the migrations.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.catalog.scopes import DML, Scope, ScopedResolver, alias_of
from lockwise.effects.nodes import range_var, unwrap, walk

#: The system columns every table has (a body may name them).
_SYSTEM_COLUMNS = frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"})


def refused_body(catalog: Catalog, stmt: dict, body: list[dict]) -> str:
    """The server's message refusing CREATE FUNCTION / PROCEDURE `stmt` (a `LANGUAGE sql`
    routine whose body analyzed at CREATE is the statements `body`) for a column its body
    names that the table, known whole, lacks; "" when the catalog cannot tell of one."""
    if own_search_path(stmt):
        return ""
    allowed = {name for name in (unwrap(p)[1].get("name") for p in stmt.get("parameters") or ())
               if name}
    allowed.update(_output_names(body))
    names = _BodyNames(catalog, allowed)
    for tree in body:
        names.statement(tree)
        if names.missing:
            return names.missing
    return ""


def own_search_path(stmt: dict) -> bool:
    """Whether the routine sets its own search_path (`SET search_path = ...`): the server
    resolves a string body's names under it."""
    for option in stmt.get("options") or ():
        element = unwrap(option)[1]
        if element.get("defname") == "set" and \
                unwrap(element.get("arg"))[1].get("name") == "search_path":
            return True
    return False


def _output_names(node: object) -> set[str]:
    """The names a body gives its output columns (`AS k`), wherever: ORDER BY and GROUP BY
    may name one, which is no table's column."""
    return {body["name"] for kind, body in walk(node)
            if kind == "ResTarget" and body.get("name")}


class _BodyNames(ScopedResolver):
    """Walks the body's statements as the server resolves their names (`ScopedResolver`),
    keeping the first column it is sure the table lacks (`missing`, the server's message)."""

    def __init__(self, catalog: Catalog, allowed: set[str]) -> None:
        super().__init__(catalog)
        #: The routine's parameter names and the body's output names: never a column's.
        self.allowed = allowed
        self.missing = ""

    def statement(self, tree: dict) -> None:
        kind, body = unwrap(tree)
        if kind == "SelectStmt":
            self._select(tree, [])
        elif kind in DML and body.get("relation"):
            self._dml(kind, body)

    def _written(self, relation: dict, columns: list[str]) -> bool:
        table = self.catalog.fully_known(range_var(relation)[0])
        lacking = next((c for c in columns if c not in table.columns), None) \
            if table is not None else None
        if lacking is not None:
            self.missing = f'column "{lacking}" of relation ' \
                f'"{relation.get("relname", "")}" does not exist'
        return lacking is None

    def _from_item(self, node: dict, scope: Scope, outer: list[Scope]) -> None:
        kind, body = unwrap(node)
        alias = body.get("alias") or {}
        super()._from_item(node, scope, outer)
        if kind == "RangeVar" and not alias.get("Alias", alias).get("colnames") or \
                kind == "JoinExpr" and not alias:
            return
        # Columns not followed (a subquery's, a function's, renamed by an alias, a join's
        # alias): a name may be one of them.
        scope[alias_of(body) or ""] = None

    def _column(self, fields: list[str], scopes: list[Scope]) -> None:
        if self.missing or not fields or fields[-1] == "*":
            return
        if len(fields) == 2:
            qualifier, name = fields
            scope = next((s for s in scopes if qualifier in s), None)
            rel = scope[qualifier] if scope is not None else None
            if rel is not None and self._lacks(rel, name):
                self.missing = f"column {qualifier}.{name} does not exist"
        elif len(fields) == 1 and self._nowhere(fields[0], scopes):
            self.missing = f'column "{fields[0]}" does not exist'

    def _lacks(self, rel: str, name: str) -> bool:
        """Whether relation `rel`, known whole, has no column `name`."""
        table = self.catalog.fully_known(rel)
        return table is not None and name not in table.columns and \
            name not in _SYSTEM_COLUMNS

    def _nowhere(self, name: str, scopes: list[Scope]) -> bool:
        """Whether no table of the scopes, each known whole, has a column `name`, and it is
        no parameter, output name or whole-row reference either."""
        if name in self.allowed or name in _SYSTEM_COLUMNS:
            return False
        for scope in scopes:
            if name in scope:
                return False
            for rel in scope.values():
                if rel is None or not self._lacks(rel, name):
                    return False
        return True

