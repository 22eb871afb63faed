"""Column references resolved as PostgreSQL resolves them, query level by query level: each
SELECT has its own FROM aliases, inner levels see outer ones, so that reusing a short alias
for different tables in different subqueries does not attribute a column to the wrong table.

Used for what a view depends on (the conflict graph) and what a view's columns are (when a
column a view uses is changed), both from one walk of its query (`catalog/replay.py`), and
for which names of a statement a dropped column took (`graph/deps.py`).
"""

from __future__ import annotations

from collections.abc import Collection

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import range_var, returning_list, strings, unwrap

#: Keys whose values name things (operators, functions, types) or hold constants: no column
#: reference or subquery is ever below them, so the walk does not enter them.
_WITHOUT_COLUMNS = frozenset({"name", "funcname", "typeName", "A_Const", "String"})

#: The DML statements whose target table is in scope for their expressions (`_dml`).
DML = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt"})

#: alias -> qualified relation (None for a subquery or CTE, whose columns are not tables')
Scope = dict[str, "str | None"]


def alias_of(body: dict) -> str | None:
    alias = body.get("alias") or {}
    alias = alias.get("Alias", alias)
    return alias.get("aliasname")


class ScopedResolver:
    """Walks a query level by level and hands each column reference to `_column` with the
    scopes it resolves against, innermost first. As is, it collects what the query depends
    on (`deps`): the tables it names ("table:s.t") and the columns it uses ("column:s.t.c"),
    an unqualified name going to the first table of the innermost scope that has it
    (`first_owner`)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.deps: set[str] = set()
        self.ctes: set[str] = set()

    def _columns(self, rel: str) -> Collection[str]:
        t = self.catalog.tables.get(rel)
        return t.columns if t else ()

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
        # The other clauses in one walk, in their order (last on the stack, first taken).
        self._expr([value for key, value in body.items()
                    if key != "fromClause" and key != "withClause"][::-1], [scope, *outer])

    def statement(self, tree: dict) -> None:
        """One statement of a routine's body: a query, INSERT / UPDATE / DELETE (`_dml`), or
        another's expressions (a RETURN's)."""
        kind, body = unwrap(tree)
        if kind in DML and body.get("relation"):
            self._dml(kind, body)
        else:
            self._select(tree, [])

    def _dml(self, kind: str, body: dict) -> None:
        """INSERT / UPDATE / DELETE `body` (of node type `kind`, one of `DML`): its WITH
        queries, the columns it writes (`_written`: a subclass may stop the walk there), then
        its expressions with the target table in scope (an INSERT's query does not see it)."""
        for cte in (body.get("withClause") or {}).get("ctes") or ():
            _, cte_body = unwrap(cte)
            self.ctes.add(cte_body.get("ctename", ""))
            self._select(cte_body.get("ctequery") or {}, [])
        relation = body["relation"]
        written = [unwrap(t)[1].get("name") for t in
                   body.get("cols" if kind == "InsertStmt" else "targetList") or ()
                   if kind != "DeleteStmt"]
        if not self._written(relation, [name for name in written if name]):
            return
        returning = returning_list(body)
        scope: Scope = {}
        self._from_item({"RangeVar": relation}, scope, [])
        if kind == "InsertStmt":  # (its SELECT or VALUES does not see the target)
            self._select(body.get("selectStmt") or {}, [])
            self._expr(returning, [scope])
            return
        for item in body.get("fromClause") or body.get("usingClause") or ():
            self._from_item(item, scope, [])
        values = [unwrap(t)[1].get("val") for t in body.get("targetList") or ()]
        self._expr([values, body.get("whereClause"), returning], [scope])

    def _written(self, relation: dict, columns: list[str]) -> bool:
        """The columns `columns` of RangeVar `relation` an INSERT or UPDATE writes: whether
        to walk on into the statement."""
        return True

    def _expr(self, node: object, scopes: list[Scope]) -> None:
        stack = [node]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            item = pop()
            # Exact type tests: parse trees hold plain dict / list / str / int.
            if type(item) is list:
                extend(item)
                continue
            if type(item) is not dict:
                continue
            for key, value in item.items():
                kind = type(value)
                if kind is dict:
                    if key == "ColumnRef":
                        self._column(strings(value.get("fields")), scopes)
                    elif key == "SelectStmt":
                        self._select({key: value}, scopes)
                    elif key not in _WITHOUT_COLUMNS:
                        push(value)
                elif kind is list and key not in _WITHOUT_COLUMNS:
                    push(value)

    def _column(self, fields: list[str], scopes: list[Scope]) -> None:
        """A qualified name goes to the relation of its qualifier in the nearest scope that
        has it, `*` to each relation of the innermost scope (`_resolved`); a bare name is
        left to `_unqualified`, the one thing the attributions disagree on."""
        if not fields:
            return
        if len(fields) >= 2:
            for scope in scopes:
                if fields[-2] in scope:
                    self._resolved(scope[fields[-2]], fields[-1])
                    return
        elif fields[0] == "*":
            for rel in scopes[0].values() if scopes else ():
                self._resolved(rel, "*")
        else:
            self._unqualified(fields[0], scopes)

    def _resolved(self, rel: str | None, column: str) -> None:
        self._depend(rel, column)

    def _unqualified(self, name: str, scopes: list[Scope]) -> None:
        self._depend(first_owner(self.catalog, name, scopes), name)

    def _depend(self, rel: str | None, column: str) -> None:
        known = self._columns(rel) if rel else ()
        if column == "*":
            self.deps.update(f"column:{rel}.{c}" for c in known)
        elif column in known:
            self.deps.add(f"column:{rel}.{column}")


def first_owner(catalog: Catalog, name: str, scopes: list[Scope]) -> str | None:
    """The table an unqualified column name is taken to be of for a view's dependencies: the
    first table of the innermost scope with such a column; none once a scope without one
    has a subquery's or function's alias (its output may be the column). Tables whose columns
    are unknown are passed over."""
    tables = catalog.tables
    for scope in scopes:
        for rel in scope.values():
            table = tables.get(rel) if rel else None
            if table is not None and name in table.columns:
                return rel
        if any(rel is None for rel in scope.values()):
            return None
    return None


def every_owner(catalog: Catalog, name: str, scopes: list[Scope]) -> list[str]:
    """The tables an unqualified column name is taken to be of for a view's column reads:
    every table of the innermost scope with such a column (PostgreSQL refuses an ambiguous
    one), and none while a table in the way has unknown columns (it may be the owner).
    Subqueries' and functions' aliases are looked past."""
    tables = catalog.tables
    for scope in scopes:
        rels = [rel for rel in dict.fromkeys(scope.values()) if rel]
        if any(rel not in tables for rel in rels):
            return []
        having = [rel for rel in rels if name in tables[rel].columns]
        if having:
            return having
    return []


class ColumnReads(ScopedResolver):
    """The (relation, column) pairs a query (a view's, a policy's expression) uses, as far
    as the catalog can tell.

    Names resolve scope by scope (`ScopedResolver`): a qualified reference through the table
    or alias of its own SELECT or an enclosing one; an unqualified one to every table of the
    innermost SELECT that has such a column (`every_owner`); `*` as the columns of its
    SELECT's tables. A column of a table only a subquery reads (`SELECT name, (SELECT
    count(*) FROM post) FROM site`) is not a use of that table's column.

    With `dependencies`, the same walk also collects what `ScopedResolver` does (`deps`, the
    conflict graph's view dependencies): a query can be thousands of nodes, walked once."""

    def __init__(self, catalog: Catalog, dependencies: bool) -> None:
        super().__init__(catalog)
        self.dependencies = dependencies
        self.reads: dict[tuple[str, str], None] = {}

    def _resolved(self, rel: str | None, column: str) -> None:
        self._read(rel, column)
        if self.dependencies:
            self._depend(rel, column)

    def _unqualified(self, name: str, scopes: list[Scope]) -> None:
        for rel in every_owner(self.catalog, name, scopes):
            self._read(rel, name)
        if self.dependencies:
            super()._unqualified(name, scopes)

    def _written(self, relation: dict, columns: list[str]) -> bool:
        # (a column an INSERT or UPDATE writes is one its statement depends on)
        for column in columns:
            self._read(range_var(relation)[0], column)
        return True

    def _read(self, rel: str | None, column: str) -> None:
        known = self.catalog.tables.get(rel) if rel else None
        if known is not None:
            for col in known.columns if column == "*" else (column,):
                if col in known.columns:
                    self.reads.setdefault((known.name, col), None)
