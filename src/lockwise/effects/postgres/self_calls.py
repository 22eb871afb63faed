"""A PL/pgSQL routine that calls itself on every run (checked on 18.6): its body, from its
start, runs a call of itself before anything can leave it or skip the call. No call of such
a routine ends: each runs the body again, so a statement that cannot run twice (ALTER TABLE
... ADD COLUMN: "already exists") fails the second time, and otherwise the server stops it
at max_stack_depth ("stack depth limit exceeded"). Rule routine-calls-itself-always.

Only what is certain counts: the call is a statement of the body's own sequence (PERFORM,
an assignment, CALL) whose query evaluates it once whatever the rows (a SELECT of a target
list alone, the call a whole target), and it runs this routine (`overloads.chosen`: the
catalog's overloads of the name; a STRICT routine with parameters runs nothing for a NULL
argument, so is left alone). Before it, only statements that go on to the next: SQL, PERFORM,
assignments, CALL, RAISE below ERROR, and IF / CASE with an ELSE / blocks holding no RETURN,
EXIT, loop or error-raising RAISE. An EXCEPTION clause around the call may catch the error
the repeated call raises: not reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from lockwise.core.deferred import bound_on_use
from lockwise.effects.nodes import strings, unwrap

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog
    from lockwise.catalog.overloads import Routine

#: Imported at their first use: an import statement in a function runs at each call.
_routines = bound_on_use(globals(), "_routines", "lockwise.catalog.routines")
_plpgsql = bound_on_use(globals(), "_plpgsql", "lockwise.parse.plpgsql")
_search_path = bound_on_use(globals(), "_search_path", "lockwise.catalog.search_path")

#: PL/pgSQL statements that always go on to the next one (a RAISE: below ERROR).
_PLAIN = frozenset({"PLpgSQL_stmt_execsql", "PLpgSQL_stmt_perform", "PLpgSQL_stmt_assign",
                    "PLpgSQL_stmt_call", "PLpgSQL_stmt_getdiag", "PLpgSQL_stmt_commit",
                    "PLpgSQL_stmt_rollback", "PLpgSQL_stmt_dynexecute",
                    "PLpgSQL_stmt_raise"})
#: Statements that hold others and go on to the next when those do.
_HOLDING = frozenset({"PLpgSQL_stmt_if", "PLpgSQL_stmt_case", "PLpgSQL_stmt_block"})
#: The statements whose query may be a call of the routine.
_CALLING = frozenset({"PLpgSQL_stmt_perform", "PLpgSQL_stmt_assign", "PLpgSQL_stmt_call"})
#: PostgreSQL's ERROR level (elog.h): a RAISE at it, or above, stops the routine.
_ERROR = 21
#: The expression of an assignment's query (`x := expr`, `x = expr`).
_ASSIGNED = re.compile(r"^[^:=]*(?::=|=)(.*)$", re.DOTALL)


def calls_itself_always(catalog: Catalog, stmt: dict, sql: str | None) -> bool:
    """Whether CREATE FUNCTION / PROCEDURE `stmt`, written as `sql`, makes a PL/pgSQL routine
    that calls itself on every run."""
    bare = str((strings(stmt.get("funcname")) or [""])[-1]).lower()
    # (the name written once more than the CREATE writes it, or no call of itself: most)
    if not sql or sql.lower().count(bare) < 2 or not _routines.is_plpgsql_routine(stmt):
        return False
    routine = _routines.created_routine(catalog, stmt, sql)
    if routine.args and any(unwrap(o)[1].get("defname") == "strict" and unwrap(
            unwrap(o)[1].get("arg"))[1].get("boolval") for o in stmt.get("options") or ()):
        return False
    function = _plpgsql.parsed_function(sql)
    action = (function or {}).get("action") or {}
    with _search_path.path_kept():  # its body's names under its own SET clause
        _search_path.use_routine_path(routine, catalog)
        return _runs_call(action.get("PLpgSQL_stmt_block") or {},
                          lambda query: _is_call_of(catalog, routine, query)) is True


def _runs_call(block: dict, is_self: Callable[[str], bool]) -> bool | None:
    """Whether `block` (a PLpgSQL_stmt_block) runs a call of itself for certain (True), goes
    on past its end without one (False), or may leave or skip it (None)."""
    if block.get("exceptions"):  # (its handler may catch the repeated call's error)
        calls = any(True for _ in _calls(block, is_self))
        return None if calls or not _goes_on({"PLpgSQL_stmt_block": block}) else False
    for item in block.get("body") or ():
        kind, node = next(iter(item.items()))
        if kind == "PLpgSQL_stmt_block":
            found = _runs_call(node, is_self)
            if found is not False:
                return found
        elif kind in _CALLING and is_self(_query(kind, node)):
            return True
        elif not _goes_on({kind: node}):
            return None
    return False


def _goes_on(node: dict) -> bool:
    """Whether PL/pgSQL statement `node` (`{kind: body}`) always goes on to the next one
    (whatever it holds does)."""
    kind, body = next(iter(node.items()))
    if kind in _PLAIN:
        return kind != "PLpgSQL_stmt_raise" or body.get("elog_level", _ERROR) < _ERROR
    if kind not in _HOLDING or kind == "PLpgSQL_stmt_case" and not body.get("have_else"):
        return False  # (a CASE matching no WHEN, with no ELSE, raises case_not_found)
    return all(_goes_on(item) for item in _held(body))


def _held(node: object) -> Iterator[dict]:
    """The PL/pgSQL statements `node` holds, however deep (not the statements they hold)."""
    if isinstance(node, list):
        for item in node:
            yield from _held(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("PLpgSQL_stmt_"):
                yield {key: value}
            elif key not in ("PLpgSQL_expr",):
                yield from _held(value)


def _calls(block: dict, is_self: Callable[[str], bool]) -> Iterator[dict]:
    """The statements of `block` (however deep) that may be a call of the routine."""
    stack = list(_held(block))
    while stack:
        item = stack.pop()
        kind, node = next(iter(item.items()))
        if kind in _CALLING and is_self(_query(kind, node)):
            yield item
        stack.extend(_held(node))


def _query(kind: str, node: dict) -> str:
    """The SQL a PERFORM, CALL or assignment runs (an assignment's as its SELECT)."""
    query = str(((node.get("expr") or {}).get("PLpgSQL_expr") or {}).get("query", ""))
    if kind == "PLpgSQL_stmt_assign":
        match = _ASSIGNED.match(query)
        return f"SELECT {match.group(1)}" if match else ""
    return query


#: The parts a SELECT of a target list alone has (no FROM, WHERE, set operation, ...).
_BARE_SELECT = frozenset({"targetList", "limitOption", "op"})


def _is_call_of(catalog: Catalog, routine: Routine, query: str) -> bool:
    """Whether `query` runs a call of `routine` once, whatever the rows: CALL of it, or a
    SELECT of a target list alone, one of its targets the call. The call's name is found as
    the server finds a function's (`routines.named_overloads`: a bare one through the
    search_path, each schema in turn, checked on 18.6), among `catalog`'s routines, which
    hold `routine`."""
    from lockwise.catalog.overloads import chosen
    from lockwise.parse.plpgsql import parse_statements

    # (lower case both: a mixed-case routine's call is written "AddCols"(), quoted)
    parsed = parse_statements(query) \
        if routine.name.rsplit(".", 1)[-1].lower() in query.lower() else []
    if len(parsed) != 1:
        return False
    kind, body = unwrap(parsed[0][1])
    if kind == "CallStmt":
        calls = [body.get("funccall") or {}]
    elif kind == "SelectStmt" and set(body) <= _BARE_SELECT:
        targets = [unwrap(unwrap(target)[1].get("val")) for target in body.get("targetList")
                   or ()]
        calls = [value for value_kind, value in targets if value_kind == "FuncCall"]
    else:
        return False
    bare = routine.name.rsplit(".", 1)[-1]
    calls = [call for call in calls if strings(call.get("funcname"))[-1:] == [bare]]
    if not calls:
        return False
    kept = catalog.kept_routines
    # (the routine among the catalog's while the calls are looked up: replaced whole, and
    # put back, as a fork may share the catalog's)
    catalog.kept_routines = {**kept, routine.name: (
        *_routines.overloads_beside(catalog, routine), routine)}
    try:
        for call in calls:
            overloads = _routines.named_overloads(catalog, strings(call.get("funcname")))
            if overloads and routine in overloads and \
                    chosen(catalog, overloads, call) == routine:
                return True
    finally:
        catalog.kept_routines = kept
    return False
