"""The PL/pgSQL functions and procedures a statement calls: their bodies run at the call
(`SELECT f()`, `CALL p()`, `PERFORM f()` in PL/pgSQL), judged there as a DO block's are
(embedded.py), each under an action of its own (`routine_call`) that says the SQL the body
builds at run time (rule dynamic-sql-not-linted). A routine already running is not expanded
again, and calls are followed `routines.MAX_DEPTH` deep (a routine that calls itself)."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from lockwise.catalog.routines import MAX_DEPTH, called_routines, own_triggers, paths_set_first
from lockwise.catalog.search_path import (
    path_kept,
    path_of_sets,
    use_routine_path,
    use_set_value,
)
from lockwise.core.lazy_re import lazy_compile
from lockwise.effects.nodes import strings, unwrap
from lockwise.effects.postgres.body_runs import BodyRun, BodyRuns
from lockwise.effects.postgres.builder import Builder
from lockwise.effects.postgres.embedded import (
    dynamic_sql_facts,
    run_embedded,
    runs_transaction_control,
)

if TYPE_CHECKING:
    from lockwise.catalog.overloads import Routine
    from lockwise.effects.context import Context

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


#: The body runs kept while the outermost call of a statement is followed (`body_runs`);
#: None between statements.
_kept: BodyRuns | None = None


def run_called(b: Builder, kind: str, body: dict) -> None:
    """The bodies of the PL/pgSQL and SQL routines statement `body` (of node `kind`) calls,
    run. Each call says how often the statement runs the body, where the catalog knows:
    `routine_runs` "row" for a row trigger of the table it writes, "statement" for a statement
    trigger, "" for a call (once, or per row: the cost model tells by the statement), and
    whether the body loops (`body_loops`). A body run under the same context as at an earlier
    call of the statement is not run again (`body_runs`)."""
    global _kept
    ctx = b.ctx
    routines = called_routines(ctx.catalog, kind, body)
    if not routines:
        return
    fired = own_triggers(ctx.catalog, kind, body)
    outermost = _kept is None
    kept = _kept = BodyRuns(ctx) if _kept is None else _kept
    sets = paths_set_first(ctx.catalog, kind, body)
    try:
        with path_kept():  # (a path a body sets holds for the routines run after it)
            for routine in routines:
                if routine in sets:  # (the statement's own set_config, run before it)
                    use_set_value(sets[routine], ctx.catalog)
                if len(ctx.expanding_routines) >= MAX_DEPTH:
                    continue
                kept.asked(routine)
                if routine in ctx.expanding_routines:
                    continue
                runs = fired.get(routine, "")
                if routine.procedure and routine.language == "plpgsql" and \
                        runs_transaction_control(routine.sql):
                    b.transactional = False  # (a CALL in a transaction block cannot commit)
                at = len(b.actions)
                _run_body(b, kept, routine, runs, alone=len(routines) == 1)
                call = b.actions[at]
                # (a call in a body too: the body that runs it for sure makes the object)
                if call.facts.pop("body_makes_temporary", False) and \
                        _runs_once(kind, body, routine.name, runs):
                    call.facts["makes_temporary"] = True
                if len(routines) > 1:
                    path_of_sets(b.actions[at + 1:], ctx.catalog)
    finally:
        if outermost:
            _kept = None


def _run_body(b: Builder, kept: BodyRuns, routine: Routine, runs: str, alone: bool) -> None:
    """`routine`'s body run at a call of `b`'s statement (`runs`: its `routine_runs`): its
    `routine_call` action, and its statements' actions, locks, rewrites and scans, as kept
    from an earlier call of the statement under the same context, or run now and kept."""
    ctx = b.ctx
    key = kept.key(ctx, routine, alone)
    running = ctx.expanding_routines | {routine}
    run = kept.find(key, running, ctx)
    if run is not None:  # (its actions are the statement's already, at an earlier call)
        run.given_to(b, runs, again=True)
        return
    run = kept.found_before(key, running, ctx)
    if run is not None:  # (run by an earlier statement, on the same schema)
        run.given_to(b, runs)
        return
    run = _body_run(ctx, routine, running, alone, kept)
    kept.keep(key, running, run)
    run.given_to(b, runs)


def _body_run(ctx: Context, routine: Routine, running: frozenset[Routine], alone: bool,
              kept: BodyRuns) -> BodyRun:
    """`routine`'s body run at a call in `ctx` (`running`: the routines then running, itself
    among them), on a builder of its own: what it adds to the caller's, and the routines it
    asked about."""
    name, sql, procedure = routine.name, routine.sql, routine.procedure
    what = f"{'procedure' if procedure else 'function'} {name}"
    plpgsql = routine.language == "plpgsql"
    created = f"of its CREATE {'PROCEDURE' if procedure else 'FUNCTION'}"
    statements = None
    if not plpgsql:  # (SQL: its AS string or BEGIN ATOMIC body, no PL/pgSQL to read)
        from lockwise.parse.sql_body import sql_body_statements

        statements = sql_body_statements(sql)
    # (what its statements ask of the sets a run is kept by, noted: `BodyRuns.begin`)
    members = kept.begin()
    body_ctx = replace(ctx, expanding_routines=running, members_asked=members)
    own = Builder(body_ctx)
    own.act("routine_call", routine=name, procedure=procedure, routine_runs="",
            body_loops=plpgsql and _loops(sql), **dynamic_sql_facts(
        sql, f"{what[0].upper()}{what[1:]}, which this statement runs,", created))
    try:
        with path_kept():  # (its SET clause: for the call, restored after it)
            own_path = use_routine_path(routine, ctx.catalog)
            run_embedded(own, sql, body_ctx, what, statements, alone=alone)
    finally:
        asked, members = kept.end()
    call, *actions = own.actions
    if own_path:
        for a in actions:  # (a SET LOCAL of it too; a plain SET lasts: checked on 18.6)
            if a.kind == "set" and a.facts.get("local") and \
                    a.facts.get("name") == "search_path":
                a.facts["ends_with_call"] = True
    return BodyRun(call.facts, actions, list(own.locks.items()), own.rewrites,
                   list(own.scans.items()), asked, members, ctx)
