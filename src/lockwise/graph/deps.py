"""Which columns a statement names that a table in its scope no longer has (dropped or
renamed away): each such reference fails (`missing-object`). Names are resolved query level
by query level (`catalog/scopes.py`); names we cannot resolve are left out: a missed use only
means a conflict not reported, a wrong one would be a false alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lockwise.catalog.model import Catalog
from lockwise.catalog.scopes import Scope, ScopedResolver, alias_of
from lockwise.catalog.search_path import lookup_schemas
from lockwise.effects.nodes import (
    const_value,
    is_sequence_call,
    object_name,
    range_var,
    returning_list,
    sequence_argument,
    strings,
    unwrap,
    walk,
)

if TYPE_CHECKING:
    from lockwise.catalog.overloads import Routine


def _node(node: dict | None, kind: str) -> dict:
    """A node's body, whether the tree wraps it in its kind (`{"RangeVar": {...}}`) or not (a
    statement's own `relation`)."""
    node = node or {}
    return node.get(kind, node)


class _GoneColumns(ScopedResolver):
    """The columns a statement names that a table in its scope no longer has (dropped or
    renamed away): each such reference fails. A bare name counts only when nothing else in
    reach may own it: every relation in every visible scope is fully known and lacks it (a
    subquery's, CTE's or function's columns, or a table's we cannot know, might be it)."""

    def __init__(self, catalog: Catalog, gone: Callable[[str, str], bool],
                 known: Callable[[str], bool]) -> None:
        super().__init__(catalog)
        self.gone, self.known = gone, known
        #: column object -> "uses" or "writes"
        self.found: dict[str, str] = {}

    def _found(self, rel: str | None, column: str, verb: str = "uses") -> None:
        if rel and column != "*" and self.gone(rel, column):
            self.found.setdefault(f"column:{rel}.{column}", verb)

    def _resolved(self, rel: str | None, column: str) -> None:
        self._found(rel, column)

    def _unqualified(self, name: str, scopes: list[Scope]) -> None:
        owner = None
        for scope in scopes:
            if name in scope:
                return  # a whole-row reference to a relation
            for rel in scope.values():
                if rel is None or name in self._columns(rel):
                    return
                if self.gone(rel, name):
                    owner = owner or rel
                elif not self.known(rel):
                    return
        self._found(owner, name)

    def _select(self, node: dict, outer: list[Scope]) -> None:
        kind, body = unwrap(node)
        if kind == "SelectStmt" and (body.get("sortClause") or body.get("groupClause")):
            # ORDER BY and GROUP BY may name an output column: not a table's.
            body = {k: v for k, v in body.items() if k not in ("sortClause", "groupClause")}
            node = {"SelectStmt": body}
        super()._select(node, outer)

    def target(self, body: dict, key: str = "relation") -> tuple[str, Scope]:
        rv = _node(body.get(key), "RangeVar")
        rel = range_var(rv)[0]
        return rel, {alias_of(rv) or rv.get("relname", ""): rel}

    def names(self, rel: str, items: object, verb: str = "uses") -> None:
        """Columns named as plain strings (a constraint's keys) or by ResTarget/IndexElem."""
        for item in items or ():  # type: ignore[attr-defined]
            kind, body = unwrap(item)
            name = body.get("sval") if kind == "String" else body.get("name")
            if name:
                self._found(rel, name, verb)

    def constraint(self, body: dict, scope: Scope) -> None:
        rel = next(iter(scope.values()))
        contype = body.get("contype")
        if contype == "CONSTR_CHECK":
            self._expr(body.get("raw_expr"), [scope])
        elif contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
            self.names(rel, body.get("keys"))
        elif contype == "CONSTR_FOREIGN":
            self.names(rel, body.get("fk_attrs"))
            self.names(range_var(body.get("pktable"))[0], body.get("pk_attrs"))


def _dml_uses(r: _GoneColumns, kind: str, body: dict) -> None:
    rel, scope = r.target(body)
    if kind == "InsertStmt":
        r.names(rel, body.get("cols"), "writes")
        r._select(body.get("selectStmt") or {}, [])
        conflict = _node(body.get("onConflictClause"), "OnConflictClause")
        infer = _node(conflict.get("infer"), "InferClause")
        r.names(rel, infer.get("indexElems"))
        both = [{**scope, "excluded": rel}]
        r._expr([conflict.get("targetList"), conflict.get("whereClause")], both)
        r.names(rel, conflict.get("targetList"), "writes")
    else:
        for item in body.get("fromClause") or body.get("usingClause") or ():
            r._from_item(item, scope, [])
        r._expr([body.get("targetList"), body.get("whereClause")], [scope])
        if kind == "UpdateStmt":
            r.names(rel, body.get("targetList"), "writes")
    r._expr(returning_list(body), [{rel.split(".", 1)[1]: rel, **scope}])


def _ddl_uses(r: _GoneColumns, kind: str, body: dict) -> None:
    if kind == "IndexStmt":
        rel, scope = r.target(body)
        r.names(rel, body.get("indexParams"))
        r._expr([[unwrap(p)[1].get("expr") for p in body.get("indexParams") or ()],
                 body.get("whereClause")], [scope])
    elif kind == "AlterTableStmt":
        rel, scope = r.target(body)
        for cmd in body.get("cmds") or ():
            cbody = unwrap(cmd)[1]
            if cbody.get("subtype") == "AT_AddConstraint":
                r.constraint(unwrap(cbody.get("def"))[1], scope)
            elif cbody.get("subtype") == "AT_AddColumn":
                for con in unwrap(cbody.get("def"))[1].get("constraints") or ():
                    if unwrap(con)[1].get("contype") == "CONSTR_FOREIGN":
                        r.constraint(unwrap(con)[1], scope)
    elif kind == "CreateStmt":
        rel, scope = r.target(body)
        for elt in body.get("tableElts") or ():
            ekind, ebody = unwrap(elt)
            cons = [elt] if ekind == "Constraint" else ebody.get("constraints") or ()
            for con in cons:
                if unwrap(con)[1].get("contype") == "CONSTR_FOREIGN":
                    r.constraint(unwrap(con)[1], scope)
    elif kind == "CopyStmt":
        rel, _ = r.target(body)
        r.names(rel, body.get("attlist"), "writes" if body.get("is_from") else "uses")
        r._select(body.get("query") or {}, [])


_QUERIES = {"ViewStmt": "query", "CreateTableAsStmt": "query", "SelectStmt": None}


def gone_columns(tree: dict, catalog: Catalog, gone: Callable[[str, str], bool],
                 known: Callable[[str], bool]) -> dict[str, str]:
    """The columns ("column:s.t.c" -> "uses" / "writes") that `tree` names and that
    `gone(table, column)` says are no longer there. `known(table)`: whether the catalog
    knows all of the table's columns."""
    r = _GoneColumns(catalog, gone, known)
    kind, body = unwrap(tree)
    if kind in _QUERIES:
        r._select(body.get(_QUERIES[kind]) or {} if _QUERIES[kind] else tree, [])
    elif kind in ("InsertStmt", "UpdateStmt", "DeleteStmt"):
        _dml_uses(r, kind, body)
    else:
        _ddl_uses(r, kind, body)
    return r.found


#: Keys under which a parse tree holds a TypeName, wrapped (`{"TypeName": ...}`: a DROP
#: TYPE's objects) or not (a column's, an argument's, a cast's, a function's result).
_TYPE_NAME_KEYS = frozenset({"TypeName", "typeName", "argType", "returnType", "ofTypename"})


def gone_routines(tree: dict, gone: Callable[[str], bool]) -> list[str]:
    """The types (`type:s.t`, domains too), functions (`function:s.f`) and sequences
    (`sequence:s.q`) that `tree` names and `gone(obj)` says are no longer there: column,
    argument and result types, casts, function calls, a trigger's function, the sequence
    nextval / setval / currval name by a constant. Unqualified calls of functions a stock
    server has resolve to pg_catalog's first, and are left out; so are the statements that
    skip their work when what they create exists (`IF NOT EXISTS`), which need not resolve
    what they name."""
    from lockwise.effects.volatility import builtin_functions

    kind, body = unwrap(tree)
    if body.get("if_not_exists") or any(unwrap(cmd)[1].get("missing_ok")
                                        for cmd in body.get("cmds") or ()):
        return []
    found: dict[str, None] = {}

    def note(obj: str) -> None:
        if gone(obj):
            found.setdefault(obj, None)

    if kind == "CreateTrigStmt" and (names := strings(body.get("funcname"))):
        note(f"function:{object_name(names)}")
    elif kind == "AlterSeqStmt" and not body.get("missing_ok"):
        note(f"sequence:{range_var(body.get('sequence'))[0]}")
    builtin = builtin_functions()
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(item)
            continue
        if type(item) is not dict:
            continue
        for key, value in item.items():
            if type(value) is list:
                stack.extend(value)
                continue
            if type(value) is not dict:
                continue
            stack.append(value)
            if key in _TYPE_NAME_KEYS:
                names = strings(value.get("TypeName", value).get("names"))
                if names and names[0] != "pg_catalog":
                    note(f"type:{object_name(names)}")
            elif key in _CALL_KEYS:
                names = strings(value.get("funcname"))
                if not names:
                    continue
                if len(names) > 1:
                    note(f"function:{object_name(names)}")
                elif names[0] not in builtin:
                    _note_call(names[0], gone, note)
                if is_sequence_call(names) and (seq := looked_up_sequence(kind, value)):
                    note(f"sequence:{seq}")
    return list(found)


#: Statements that store their expressions (a DEFAULT, a CHECK) rather than run them.
_STORING_EXPRESSIONS = frozenset({"CreateStmt", "AlterTableStmt", "CreateDomainStmt",
                                  "AlterDomainStmt"})


def looked_up_sequence(kind: str, call: dict) -> str | None:
    """The sequence (qualified) that sequence function call `call` (nextval, currval,
    setval) of a statement of node type `kind` names, when the statement looks it up (42P01
    `relation "s" does not exist` when there is none): a constant the server reads as
    regclass as it analyzes the expression (`'s'`, `'s'::regclass`), or, in a statement that
    runs the call, any constant. A DEFAULT or CHECK of CREATE / ALTER TABLE or DOMAIN stores
    `nextval('s'::text)` and looks s up at each run: the statement runs without s
    (checked on 18.6; ADD COLUMN runs it for each row there is, which lockwise cannot
    count: not said). None when it names none, or looks it up later."""
    from lockwise.effects.volatility import regclass_constants

    seq = sequence_argument(call)
    if seq is not None and kind in _STORING_EXPRESSIONS and \
            seq not in regclass_constants({"FuncCall": call}):
        return None
    return seq


def sequence_missing(tree: dict, name: str) -> str:
    """The server's message refusing statement `tree`, which looks up sequence `name`
    (qualified: `looked_up_sequence`) while there is none: `relation "s" does not exist`,
    the name as the constant writes it (folded to lower case unless double-quoted, with
    the schema only when written); "" when it looks none up."""
    kind = unwrap(tree)[0]
    for node_kind, node in walk(tree):
        if node_kind == "FuncCall" and is_sequence_call(strings(node.get("funcname"))) and \
                looked_up_sequence(kind, node) == name:
            written = str(const_value((node.get("args") or [None])[0]))
            folded = ".".join(p[1:-1] if p.startswith('"') else p.lower()
                              for p in written.split("."))
            return f'relation "{folded}" does not exist'
    return ""


#: Keys under which a parse tree holds a call: a FuncCall, CALL's `funccall` (unwrapped).
_CALL_KEYS = frozenset({"FuncCall", "funccall"})


def routine_calls(tree: dict) -> list[tuple[list[str], dict | None, bool]]:
    """The routines `tree` calls, in the order written: each one's name as written, its
    FuncCall (None for the function CREATE TRIGGER executes, which takes no arguments) and
    whether a procedure is called (CALL)."""
    kind, body = unwrap(tree)
    found: list[tuple[list[str], dict | None, bool]] = []
    if kind == "CreateTrigStmt" and (names := strings(body.get("funcname"))):
        found.append((names, None, False))
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(reversed(item))
        elif type(item) is dict:
            for key, value in reversed(item.items()):
                if key in _CALL_KEYS and type(value) is dict and \
                        (names := strings(value.get("funcname"))):
                    found.append((names, value, key == "funccall"))
                if type(value) in (dict, list):
                    stack.append(value)
    return found


def call_key(names: list[str]) -> str:
    """The function a call of `names` (as written) finds, as the graph keys it
    (`function:s.f`): a bare name's in the first schema of the search_path."""
    if len(names) > 1:
        return f"function:{object_name(names)}"
    schemas = lookup_schemas()
    return f"function:{schemas[0]}.{names[0]}" if schemas else \
        f"function:{object_name(names)}"


def missing_call_error(catalog: Catalog, names: list[str], call: dict | None,
                       procedure: bool) -> str:
    """What the server says of a call of a function or procedure `names` no overload of
    which takes its arguments (checked on 18.6, fix-pg90): 42883 "function f(integer) does
    not exist" (the name as written, the arguments' types as format_type() prints them,
    `unknown` for an untyped string constant or NULL; "procedure p() ..." for CALL; CREATE
    TRIGGER's "function tf() does not exist"); "" when an argument's type is not evident, or
    the call names its arguments or passes VARIADIC."""
    from lockwise.catalog.overloads import value_type
    from lockwise.effects.nodes import format_type

    args = (call or {}).get("args") or ()
    types = [value_type(catalog, a) for a in args]
    if None in types or (call or {}).get("func_variadic") or \
            any(unwrap(a)[0] == "NamedArgExpr" for a in args):
        return ""
    shown = ", ".join(format_type(t.removesuffix("[]"), (), t.endswith("[]"))
                      for t in types if t is not None)
    return f"{'procedure' if procedure else 'function'} {'.'.join(names)}({shown}) " \
        "does not exist"


def none_takes(catalog: Catalog, overloads: tuple[Routine, ...], call: dict,
               procedure: bool) -> bool:
    """Whether, for certain, no overload of `overloads` takes FuncCall `call`: by the count
    of its arguments, or an argument of an evident type no implicit cast turns into the
    parameter's (`call_resolution.takes`); False when that is not certain (a type whose
    casts lockwise does not know, named arguments, VARIADIC)."""
    from lockwise.catalog.call_resolution import takes
    from lockwise.catalog.overloads import value_type

    args = call.get("args") or ()
    if call.get("func_variadic") or any(unwrap(a)[0] == "NamedArgExpr" for a in args):
        return False
    types = [value_type(catalog, a) for a in args]
    for routine in overloads:
        if routine.procedure != procedure or not (
                routine.required <= len(args) and (len(args) <= len(routine.args) or
                                                   routine.variadic)):
            continue
        if None in types or takes(routine, types) is not False:  # type: ignore[arg-type]
            return False
    return True


def _note_call(name: str, gone: Callable[[str], bool], note: Callable[[str], None]) -> None:
    """An unqualified call of function `name`: the server calls the first schema's of the
    search_path that has one, so it is gone only when every schema's is (each created here
    and dropped; one never created here may exist)."""
    schemas = lookup_schemas()
    if schemas is None:
        note(f"function:{object_name([name])}")
    elif all(gone(f"function:{schema}.{name}") for schema in schemas):
        note(f"function:{schemas[0]}.{name}")
