"""Which stored programs call which: the replay's index from a routine to the programs whose
bodies name it, so that a procedure or function created after a trigger that calls it (or
replaced by DROP + CREATE) finds that trigger without a look at every trigger.

The index is a superset: a caller dropped since, or a name that a later USE would resolve
elsewhere, stays in it; what the trigger really calls is found again by following its body
(lint_mysql_programs.py), so a stale entry costs a walk, never a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lockwise.effects.mysql_programs import lookup, program_key, qualifier

#: CALL name [(...)]: the procedure it runs.
CALL = re.compile(r"^\s*CALL\s+((?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`"
                  r"|[\w$]+))?)", re.IGNORECASE)
#: The kinds of program whose calls are indexed: those whose body runs inside another
#: statement (a trigger, a function) or may be called from one (a procedure).
_INDEXED = frozenset({"procedure", "function", "trigger"})
#: How many callers a look-up follows at most (a routine called from many bodies, each
#: called from many, is not followed past it).
MAX_CALLERS = 256


def note_callers(catalog, program: dict) -> None:
    """Index the routines the body of `program` (what `remember` keeps of it: with its `key`
    and `database`) names, whether they exist yet or not."""
    kind = program["kind"]
    if kind not in _INDEXED:
        return
    caller = f"{kind}:{program['key']}"
    in_database = program["database"]
    index = catalog.mysql_callers
    for callee in _callees(program, in_database):
        known = index.get(callee, frozenset())
        if caller not in known:
            index[callee] = known | {caller}  # replaced, never changed: a fork shares it


def function_names(expr) -> Iterator[tuple[str | None, str]]:
    """The functions the sqlglot tree `expr` calls that sqlglot does not know (a stored
    function's call is one): (the database written before it, else None; its name)."""
    from sqlglot import exp

    for node in expr.find_all(exp.Anonymous):
        parent = node.parent
        written = parent.this.name if isinstance(parent, exp.Dot) and \
            parent.expression is node else None
        yield written, node.name


def called_routines(sql: str, expr, catalog, database: str | None
                    ) -> list[tuple[str, dict]]:
    """The routines the statement `sql` (parsed as `expr`) calls from database `database`,
    as (kind, what the catalog keeps of it): the procedure of a CALL, else the stored
    functions it calls."""
    call = CALL.match(sql)
    if call is not None:
        called = lookup(catalog.mysql_procedures, "procedure", call.group(1), database)
        return [] if called is None else [("procedure", called)]
    return [("function", function) for function in _functions_called(expr, catalog, database)]


def _functions_called(expr, catalog, database: str | None) -> list[dict]:
    """The stored functions the query, DML or SET `expr` calls (`db.f()` in db, `f()` in
    `database`), each once, in order (a DEFAULT, generated column or CHECK may call none:
    the server refuses it, error 1901 on MariaDB 10.11)."""
    from sqlglot import exp

    if not catalog.mysql_functions or not isinstance(
            expr, (exp.Query, exp.Update, exp.Delete, exp.Insert, exp.Set)):
        return []
    found: dict[str, dict] = {}
    for written, name in function_names(expr):
        in_database = written or database
        function = lookup(catalog.mysql_functions, "function", name,
                          in_database.lower() if in_database else None)
        if function is not None:
            found.setdefault(function["key"], function)
    return list(found.values())


def _callees(program: dict, database: str | None) -> set[str]:
    """The routines (`kind:key`) the body of `program` names, in database `database`: the
    procedure of each CALL, the stored functions its statements and expressions call."""
    found: set[str] = set()
    for _, sql, tree in program["statements"]:
        if call := CALL.match(sql):
            found.add("procedure:" + program_key("procedure", call.group(1), database))
        elif tree is not None:
            for in_database, name in function_names(tree):
                found.add("function:" + program_key(
                    "function", name, in_database.lower() if in_database else database))
    for _, name in program.get("calls", ()):
        found.add("function:" + program_key("function", name, database))
    return found


def triggers_reaching(catalog, kind: str, key: str) -> list[dict]:
    """The triggers (what the catalog keeps of each) whose bodies may reach the routine of
    `kind` keyed `key`, through the procedures and functions they call: those the index
    names, from the routine up its callers."""
    index = catalog.mysql_callers
    if not index:
        return []
    start = [f"{kind}:{key}"]
    if qualifier(key) is not None:  # a caller that did not know its database named it bare
        start.append(f"{kind}:{key.rpartition('.')[2]}")
    seen, todo, triggers = set(start), list(start), []
    while todo and len(seen) <= MAX_CALLERS:
        for caller in index.get(todo.pop(), ()):
            if caller in seen:
                continue
            seen.add(caller)
            caller_kind, _, caller_key = caller.partition(":")
            if caller_kind != "trigger":
                todo.append(caller)
            elif (trigger := catalog.mysql_triggers.get(caller_key)) is not None:
                triggers.append(trigger)
    return triggers
