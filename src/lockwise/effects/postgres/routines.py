"""The PL/pgSQL functions and procedures a statement calls: their bodies run at the call
(`SELECT f()`, `CALL p()`, `PERFORM f()` in PL/pgSQL), judged there as a DO block's are
(embedded.py), each under an action of its own (`routine_call`) that says the SQL the body
builds at run time (rule dynamic-sql-not-linted). A routine already running is not expanded
again, and calls are followed `routines.MAX_DEPTH` deep (a routine that calls itself)."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from lockwise.catalog.routines import MAX_DEPTH, called_routines, own_triggers
from lockwise.core.lazy_re import lazy_compile
from lockwise.effects.nodes import strings, unwrap
from lockwise.effects.postgres.builder import Builder
from lockwise.effects.postgres.embedded import (
    dynamic_sql_facts,
    run_embedded,
    runs_transaction_control,
)

#: A PL/pgSQL loop (every one ends with END LOOP): the statements in it run as often as its
#: data says, which the cost model cannot count.
_LOOP = lazy_compile(r"\bLOOP\b", re.IGNORECASE)


@lru_cache(maxsize=256)
def _loops(sql: str) -> bool:
    """Whether routine text `sql` has a loop. Kept by text: a routine runs again at each
    statement that calls it and each write that fires its trigger, and a case-blind search
    starting at a word boundary tries every position of the text (about 230 instructions a
    character)."""
    return _LOOP.search(sql) is not None


def _runs_once(kind: str, body: dict, name: str, fired: str) -> bool:
    """Whether statement `body` (of node `kind`) runs routine `name`'s body for sure: a CALL,
    or a SELECT of nothing but calls (no FROM, WHERE, HAVING, LIMIT, set operation nor
    WITH), `name`'s among them at the top of an output column; not a trigger (`fired`)."""
    if fired:
        return False
    if kind == "CallStmt":
        return True
    if kind != "SelectStmt" or any(body.get(k) for k in (
            "fromClause", "whereClause", "havingClause", "limitCount", "limitOffset",
            "withClause", "larg", "valuesLists", "groupClause")):
        return False
    calls = [unwrap(unwrap(t)[1].get("val"))[1] for t in body.get("targetList") or ()
             if unwrap(unwrap(t)[1].get("val"))[0] == "FuncCall"]
    return any(name.split(".")[-1] == (strings(c.get("funcname")) or [""])[-1] for c in calls)


def run_called(b: Builder, kind: str, body: dict) -> None:
    """The bodies of the PL/pgSQL and SQL routines statement `body` (of node `kind`) calls,
    run. Each call says how often the statement runs the body, where the catalog knows:
    `routine_runs` "row" for a row trigger of the table it writes, "statement" for a statement
    trigger, "" for a call (once, or per row: the cost model tells by the statement), and
    whether the body loops (`body_loops`)."""
    ctx = b.ctx
    routines = called_routines(ctx.catalog, kind, body)
    fired = own_triggers(ctx.catalog, kind, body) if routines else {}
    for routine in routines:
        if routine in ctx.expanding_routines or len(ctx.expanding_routines) >= MAX_DEPTH:
            continue
        name, sql, procedure = routine.name, routine.sql, routine.procedure
        what = f"{'procedure' if procedure else 'function'} {name}"
        plpgsql = routine.language == "plpgsql"
        if procedure and plpgsql and runs_transaction_control(sql):
            b.transactional = False  # (a CALL in a transaction block cannot commit)
        created = f"of its CREATE {'PROCEDURE' if procedure else 'FUNCTION'}"
        b.act("routine_call", routine=name, procedure=procedure,
              routine_runs=fired.get(routine, ""),
              body_loops=plpgsql and _loops(sql), **dynamic_sql_facts(
            sql, f"{what[0].upper()}{what[1:]}, which this statement runs,", created))
        statements = None
        if not plpgsql:  # (SQL: its AS string or BEGIN ATOMIC body, no PL/pgSQL to read)
            from lockwise.parse.sql_body import sql_body_statements

            statements = sql_body_statements(sql)
        call = b.actions[-1]
        run_embedded(b, sql, replace(ctx, expanding_routines=ctx.expanding_routines | {routine}),
                     what, statements, alone=len(routines) == 1)
        # (a call in a body too: the body that runs it for sure makes the object in turn)
        if call.facts.pop("body_makes_temporary", False) and \
                _runs_once(kind, body, name, fired.get(routine, "")):
            call.facts["makes_temporary"] = True
