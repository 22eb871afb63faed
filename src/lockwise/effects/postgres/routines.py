"""The PL/pgSQL functions and procedures a statement calls: their bodies run at the call
(`SELECT f()`, `CALL p()`, `PERFORM f()` in PL/pgSQL), judged there as a DO block's are
(embedded.py), each under an action of its own (`routine_call`) that says the SQL the body
builds at run time (rule dynamic-sql-not-linted). A routine already running is not expanded
again, and calls are followed `routines.MAX_DEPTH` deep (a routine that calls itself)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from lockwise.catalog.routines import (
    MAX_DEPTH,
    called_routines,
    own_triggers,
    paths_set_first,
    reads_names_at_call,
)
from lockwise.catalog.search_path import (
    path_kept,
    path_of_sets,
    use_routine_path,
    use_set_value,
)
from lockwise.core.lazy_re import lazy_compile
from lockwise.effects.body_writes import rows_written
from lockwise.effects.nodes import bodies_of_kind, resolver_in_force, strings, unwrap
from lockwise.effects.postgres.body_runs import BodyRun, BodyRuns
from lockwise.effects.postgres.builder import Builder
from lockwise.effects.postgres.embedded import (
    dynamic_sql_facts,
    run_embedded,
    runs_transaction_control,
)

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog
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
    call of the statement is not run again (`body_runs`).

    The rows a body INSERTs or UPDATEs are the transaction's for the bodies run after it
    (`Context.written_in_transaction`: an UPDATE of them checks its foreign keys again;
    checked on 18.6, fix-pg77: `SELECT ins(), touch()` locks touch's key's table). A body the
    statement may run again (`_may_run_again`: called twice, per row, a row trigger) runs a
    second time after the others when its first run asked about a table they wrote
    (`SELECT touch(), touch()`: the second call checks the key), or when the search_path
    changed since and the body reads its names at the call (`reads_names_at_call`: the
    server plans it again under the new path, `SELECT g(), set_config('search_path',
    'other', false) FROM t` writes other's table at the second row); that run is added only
    when it does otherwise than the first (`BodyRun.does_as`). One second run: a third would
    find what the second did (the tables written only grow, the path is the one the first
    round left)."""
    global _kept
    ctx = b.ctx
    routines = called_routines(ctx.catalog, kind, body)
    if not routines:
        return
    fired = own_triggers(ctx.catalog, kind, body)
    outermost = _kept is None
    kept = _kept = BodyRuns(ctx) if _kept is None else _kept
    sets = paths_set_first(ctx.catalog, kind, body)
    before = ctx.written_in_transaction
    written: set[str] = set()  # (the tables the bodies run so far wrote, not before)
    first: dict[Routine, tuple[BodyRun, object]] = {}  # (its run, and the path it ran under)
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
                path = resolver_in_force()
                run = _run_body(b, kept, routine, runs, _written(ctx, written),
                                alone=len(routines) == 1)
                first[routine] = (run, path)
                call = b.actions[at]
                # (a call in a body too: the body that runs it for sure makes the object)
                if call.facts.pop("body_makes_temporary", False) and \
                        _runs_once(kind, body, routine.name, runs):
                    call.facts["makes_temporary"] = True
                path_of_sets(b.actions[at + 1:], ctx.catalog)
                written.update(t for t in rows_written(b.actions[at:]) if t not in before)
            if None in sets:  # (set after the last routine: in force at the next row)
                use_set_value(sets[None], ctx.catalog)
            for routine, (run, path) in first.items():
                runs = fired.get(routine, "")
                call_ctx = _written(ctx, written)
                moved = path is not resolver_in_force() and \
                    reads_names_at_call(ctx.catalog, routine)
                if run.answered_as(call_ctx) and not moved or \
                        not _may_run_again(ctx.catalog, kind, body, routine.name, runs):
                    continue
                at = len(b.actions)
                _run_body(b, kept, routine, runs, call_ctx, alone=len(routines) == 1,
                          unlike=run)
                for call in b.actions[at:at + 1]:
                    call.facts.pop("body_makes_temporary", None)
    finally:
        if outermost:
            _kept = None


def _written(ctx: Context, written: set[str]) -> Context:
    """`ctx`, with the tables `written` (by the bodies the statement ran before a call) among
    those the transaction wrote."""
    if not written:
        return ctx
    return ctx.changed(written_in_transaction=ctx.written_in_transaction | written)


def _may_run_again(catalog: Catalog, kind: str, body: dict, name: str, fired: str) -> bool:
    """Whether statement `body` (of node `kind`) may run routine `name`'s body more than
    once: at each row of a statement over rows (a SELECT with a FROM list, VALUES or a set
    operation, or a set-returning call, built-in or of the migrations in `catalog`; an
    UPDATE, DELETE or MERGE; an INSERT of more than one row), a row trigger
    (`fired` "row") too, or at two places of a statement of one row; not a CALL nor a
    statement trigger. (Checked on 18.6: `SELECT srf(3), note()` runs note four times, once
    more than the rows; with `srf(0)` once, as beside `generate_series(1, 0)`.)"""
    if fired == "statement" or kind == "CallStmt":
        return False
    if kind == "InsertStmt":
        kind, body = unwrap(body.get("selectStmt"))
        if not kind:  # (DEFAULT VALUES)
            return False
    if kind != "SelectStmt" or body.get("fromClause") or body.get("larg") or \
            len(body.get("valuesLists") or ()) > 1:
        return True
    from lockwise.catalog.updatable import returned_calls, returns_no_rows

    # (`SELECT generate_series(1, 2)`; of a set surely empty, `generate_series(1, 0)`, the
    # row's other calls run once, and no row is inserted to fire a row trigger: 18.6)
    if "set_returning" in returned_calls(body, catalog) and \
            not returns_no_rows({kind: body}, catalog):
        return True
    called = [(strings(node.get("funcname")) or [""])[-1]
              for node in bodies_of_kind(body, "FuncCall")]
    return not fired and called.count(name.split(".")[-1]) > 1


def _run_body(b: Builder, kept: BodyRuns, routine: Routine, runs: str, ctx: Context,
              alone: bool, unlike: BodyRun | None = None) -> BodyRun:
    """`routine`'s body run at a call of `b`'s statement in `ctx` (`runs`: its
    `routine_runs`): its `routine_call` action, and its statements' actions, locks, rewrites
    and scans, as kept from an earlier call of the statement under the same context, or run
    now and kept; none when the run does as `unlike` (the body's first run in the
    statement) did."""
    key = kept.key(ctx, routine, alone)
    running = ctx.expanding_routines | {routine}
    run = kept.find(key, running, ctx)
    if run is not None:  # (its actions are the statement's already, at an earlier call)
        if unlike is None or not run.does_as(unlike):
            run.given_to(b, runs, again=True)
        return run
    run = kept.found_before(key, running, ctx)
    if run is None:  # (else run by an earlier statement, on the same schema)
        run = _body_run(ctx, routine, running, alone, kept)
        kept.keep(key, running, run)
    if unlike is None or not run.does_as(unlike):
        run.given_to(b, runs)
    return run


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
    body_ctx = ctx.changed(expanding_routines=running, members_asked=members)
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
