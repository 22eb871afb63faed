"""The statements a MySQL / MariaDB stored program runs, judged where they run.

A procedure's body runs at each CALL of it, in the migration that created it or a later one
(the catalog keeps it: `Catalog.mysql_procedures`): its statements (parse/mysql.py's
`program`) are judged there, with the CALL's place and the procedure's name, in the
migration's session, and change the catalog as they would. An event's body runs on its
schedule and a trigger's for each row written: their statements are judged in place, naming
the program, in a session of their own (the migration's LOCK TABLES, TEMPORARY and new tables
are not theirs), and change nothing now: neither the catalog nor the migration's session.
A MariaDB compound statement outside a program (IF ... END IF) runs where it stands. A
stored function's body runs inside the queries, DML and SET statements that call it: it is
judged at each, as a procedure's at its CALL. A CALL (or a function call) inside a body is
followed, a stored function called in the body's own expressions too (SET x = f(), RETURN
f(), IF f() THEN, DECLARE ... DEFAULT f()), as deep as MAX_CALL_DEPTH: the called body's
statements are judged at the outer statement, in the same session; a cycle of calls is
reported where it closes, never looped. A statement that commits (error 1422) or returns a
result set (error 1415), reached through a stored function's calls or a trigger's, is
refused there and stops the walk: the statement that calls the function fails, and each
write that fires the trigger. A procedure or function created after a trigger that reaches
it (effects/mysql_callers.py finds which) is followed from that trigger at its CREATE, for
what the server would refuse only: the trigger's own statements were judged at its CREATE.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from lockwise.catalog.model import Catalog
from lockwise.core.types import Effect, Finding, Span, Statement
from lockwise.effects.mysql import (
    MySQLSession,
    apply_mysql_statement,
    compute_mysql_effect,
    drops_in_part,
    refused,
)
from lockwise.effects.mysql_callers import called_routines
from lockwise.effects.mysql_programs import (
    NAMESPACES,
    REFUSED_INSIDE,
    lookup,
    qualifier,
    refused_inside,
)
from lockwise.parse.mysql_blocks import routine_key

#: Where each kind of program runs its body, for the findings' messages; whether it runs now.
_WHERE = {"event": ("in the body of event {name}, which runs it on its schedule", False),
          "trigger": ("in the body of trigger {name}, which runs it for each row written",
                      False),
          "compound": ("", True)}
#: The action of a statement the server refuses inside a trigger or a stored function, by
#: where and what it is (effects/mysql_programs.py's REFUSED_INSIDE).
_REFUSED_ACTIONS = {("trigger", "commits"): {"action": "mysql_trigger_call_commits"},
                    ("trigger", "result_set"): {"action": "mysql_trigger_call_result_set"},
                    ("function", "commits"): {"action": "mysql_function_call_commits"},
                    ("function", "result_set"): {"action": "mysql_function_call_result_set"}}
#: How many routines deep the calls inside bodies are followed, the one a statement calls
#: counting as 1: the server nests them as deep as its thread stack allows, and a migration
#: seldom nests more than two or three.
MAX_CALL_DEPTH = 8
#: How many bodies one statement's calls run at most, nested calls included: a routine that
#: calls several, each calling several, is not followed past it.
MAX_BODIES = 256
#: The server's refusal of a routine that calls itself, directly or through others, by kind:
#: a procedure's once the recursion goes deeper than max_sp_recursion_depth (0 by default);
#: a function's always, at each statement that calls it (MariaDB 10.11, checked; MySQL 8.4
#: manual, 7.1.8 "Server System Variables", max_sp_recursion_depth; 27.8 "Restrictions on
#: Stored Programs": stored functions cannot be recursive).
_RECURSION = {
    "procedure": (1456, "Recursive limit 0 (as set by the max_sp_recursion_depth variable) was "
                        "exceeded for routine {name}"),
    "function": (1424, "Recursive stored functions and triggers are not allowed"),
}


class Run(NamedTuple):
    """The statements a program runs: the body's statements (offset in the statement, text,
    tree), the words the findings add, whether its findings go at the statement (a CALL, a
    call of a function) rather than in place, whether it runs now, the routine (kind, key)
    whose body it is, if any, and the names its expressions call (offset, name: parse/
    mysql.py's `calls`)."""

    statements: list
    words: str
    at_statement: bool
    now: bool
    routine: tuple[str, str] | None = None
    calls: list = []
    #: the database its unqualified names are in: the routine's own, else the session's
    database: str | None = None
    #: the trigger whose body it is (parse/mysql.py's `program`): nothing the body runs,
    #: through the routines it calls, may commit or return a result set
    trigger: dict | None = None
    #: the routine (kind, key) just created, when the run follows an older trigger's body to
    #: find what the server refuses through it, and nothing else
    through: tuple[str, str] | None = None


def program_runs(stmt: Statement, catalog: Catalog, database: str | None = None
                 ) -> list[Run]:
    """What statement `stmt` runs of stored programs, in the session's `database` (USE). A
    CREATE PROCEDURE or FUNCTION runs none (the catalog's replay keeps it for its calls), but
    the triggers created before it that may reach it are followed again (_triggers_through)."""
    program = stmt.tree.get("program")
    if program is not None:
        if program["kind"] in ("procedure", "function"):
            return _triggers_through(program, catalog, database)
        if program["kind"] not in _WHERE:
            return []
        words, now = _WHERE[program["kind"]]
        in_database = qualifier(program["name"]) or qualifier(program.get("table") or "")
        return [Run(program["statements"], words.format(name=program["name"]), False, now,
                    calls=program.get("calls", []), database=in_database or database,
                    trigger=program if program["kind"] == "trigger" else None)]
    return [_routine_run(kind, called, "", True, database)
            for kind, called in called_routines(stmt.sql, stmt.tree["sqlglot"]["expr"],
                                                catalog, database)]


def _triggers_through(program: dict, catalog: Catalog, database: str | None) -> list[Run]:
    """The runs of the triggers that may reach the routine `program` just created (after
    them, or replaced by DROP + CREATE): followed for what the server refuses through it."""
    from lockwise.effects.mysql_callers import triggers_reaching

    kind = program["kind"]
    routine = lookup(getattr(catalog, NAMESPACES[kind]), kind, program["name"], database)
    if routine is None:
        return []
    return [Run(trigger["statements"], "", True, False, calls=trigger.get("calls", []),
                database=trigger["database"], trigger=trigger,
                through=(kind, routine["key"]))
            for trigger in triggers_reaching(catalog, kind, routine["key"])]


def _routine_run(kind: str, called: dict, caller: str, now: bool, database: str | None
                 ) -> Run:
    """The run of the body of the routine `called` (what the catalog keeps of it) of `kind`,
    called by `caller` (_words) from database `database`: its unqualified names are in its
    own database, when known."""
    return Run(called["statements"], _words(kind, called["name"], caller), True, now,
               (kind, called["key"]), called.get("calls", []), called["database"] or database)


def _words(kind: str, name: str, caller: str) -> str:
    """What a finding in the body of the routine `kind` `name` adds: who runs it (`caller`,
    the words of the body that calls it; "" when it is the statement)."""
    if caller:
        return f"in {kind} {name}, called by {caller.removeprefix('in ')}"
    return f"in {kind} {name}, " + ("which this CALL runs" if kind == "procedure" else
                                    "which this statement calls")


class _Walk(NamedTuple):
    """What the judging of one statement's program bodies shares, nested calls included."""

    stmt: Statement
    judge: object
    catalog: Catalog
    session: MySQLSession
    context: dict
    migration_id: str
    directives: list
    seen: dict
    #: how many more bodies may be followed
    budget: list[int]
    #: the trigger whose body the walk began in, if any (Run.trigger)
    trigger: dict | None = None
    #: Run.through: the walk reports only what the server refuses through that routine
    through: tuple[str, str] | None = None
    #: the routines each body statement calls (`_calls`), by its tree and database: a walk
    #: passes the same bodies again through each path that calls them; emptied whenever the
    #: walk moves the catalog (`_judged`)
    calls: dict | None = None
    #: the effect of each body statement (`_effect`), by its tree, kept and emptied as
    #: `calls` is: what a statement does depends on its tree, the catalog and the session,
    #: which only the statements the walk runs now change
    effects: dict | None = None


def judge_program(stmt: Statement, run: Run, judge, catalog: Catalog,
                  session: MySQLSession, context: dict, migration_id: str,
                  directives: list, seen: dict) -> list[Finding]:
    """The findings of the program statements `run` (program_runs) gives for `stmt`, the
    calls inside them followed, and the catalog moved past those that run now."""
    if not run.now:  # run later, in a session of its own (an event's; a trigger's, unknown)
        session = session.on_same_server()
    walk = _Walk(stmt, judge, catalog, session, context, migration_id, directives, seen,
                 [MAX_BODIES], run.trigger, run.through, {}, {})
    return _judge_body(walk, run, (run.routine,) if run.routine else (),
                       stmt.span if run.at_statement else None)


def _judge_body(walk: _Walk, run: Run, chain: tuple, at: Span | None) -> list[Finding]:
    """The findings of `run`'s statements, at `at` (in place when None), and of the bodies
    they call; `chain`: the routines (kind, key) the calls went through to get here."""
    from lockwise.lint import span_within

    findings: list[Finding] = []
    for offset, sql, tree in run.statements:
        span = at or span_within(walk.stmt, offset, len(sql))
        if chain and (walk.trigger or _function_in(chain)) and (found := refused_inside(sql)):
            walk.budget[0] = 0  # the server refuses the statement here: nothing more runs
            if walk.through is not None and walk.through not in chain:
                return findings  # refused before the routine was created: reported then
            return findings + _refused(walk, chain, *found, span)
        if walk.through is None:  # (else the trigger's statements were judged at its CREATE)
            judged, runs = _judged(walk, run, sql, tree, span)
            findings += judged
            if not runs:
                continue
        for kind, called in _calls(walk, sql, tree, run.database):
            findings += _follow(walk, run, chain, (kind, called), span)
    # the stored functions its SET, RETURN, DECLARE ... DEFAULT and conditions call, each once
    functions, followed = walk.catalog.mysql_functions, set()
    for offset, name in run.calls:
        if (called := lookup(functions, "function", name, run.database)) is not None and \
                called["key"] not in followed:
            followed.add(called["key"])
            findings += _follow(walk, run, chain, ("function", called),
                                at or span_within(walk.stmt, offset, len(name)))
    return findings


def _calls(walk: _Walk, sql: str, tree, database: str | None) -> list[tuple[str, dict]]:
    """`called_routines` of the body statement `sql` (parsed as `tree`) in `database`, kept
    by the walk until the catalog moves (the tree lives in the catalog as long)."""
    if walk.calls is None:
        return called_routines(sql, tree, walk.catalog, database)
    key = (id(tree), sql, database)
    found = walk.calls.get(key)
    if found is None:
        found = walk.calls[key] = called_routines(sql, tree, walk.catalog, database)
    return found


def _judged(walk: _Walk, run: Run, sql: str, tree, span: Span) -> tuple[list[Finding], bool]:
    """The findings of the body statement `sql` (parsed as `tree`) of `run`, at `span`, and
    whether the server runs it (it refuses it: nothing it calls runs); the catalog moved past
    it when it runs now."""
    from lockwise.lint import effect_facts

    findings: list[Finding] = []
    inner = {"sqlglot": {"expr": tree, "sql": sql}}
    effect = _effect(walk, inner)
    for action in effect.actions:
        facts = {**walk.context, **effect_facts(effect), **action.facts, "action": action.kind}
        found = walk.judge.judge(facts, span, walk.stmt.index, walk.directives, walk.seen)
        findings += [replace(f, message=f"{f.message} ({run.words})") if run.words else f
                     for f in found]
    if refused(effect.actions):
        if run.now and drops_in_part(effect.actions, walk.session.flavour):
            _catalog_moves(walk)
            apply_mysql_statement(walk.catalog, inner, walk.migration_id, walk.session)
        return findings, False
    if run.now:
        _catalog_moves(walk)
        apply_mysql_statement(walk.catalog, inner, walk.migration_id, walk.session)
    return findings, True


def _effect(walk: _Walk, inner: dict) -> Effect:
    """`compute_mysql_effect` of the body statement `inner`, kept by the walk until the
    catalog moves (`_catalog_moves`): a walk passes the same bodies again through each path
    that calls them (a trigger calling 300 procedures that call each other: 9.5 s)."""
    if walk.effects is None:
        return compute_mysql_effect(inner, walk.catalog, walk.session)
    tree = inner["sqlglot"]["expr"]
    key = (id(tree), inner["sqlglot"]["sql"])
    kept = walk.effects.get(key)
    if kept is not None and kept[0] is tree:
        # (what the statement's ALTER planned, if it is one, is planned again by a replay
        # of it: the last one planned may be another's)
        walk.session.last_alter = None
        return kept[1]
    effect = compute_mysql_effect(inner, walk.catalog, walk.session)
    walk.effects[key] = (tree, effect)
    return effect


def _catalog_moves(walk: _Walk) -> None:
    """The walk runs a statement now: what it kept of the body statements' calls and
    effects is found again."""
    if walk.calls:
        walk.calls.clear()
    if walk.effects:
        walk.effects.clear()


def _follow(walk: _Walk, run: Run, chain: tuple, call: tuple[str, dict], span: Span
            ) -> list[Finding]:
    """The findings of the routine `call` (kind, what the catalog keeps of it) that `run`'s
    body calls, at `span`: its body's, or the cycle it closes."""
    kind, called = call
    key = (kind, called["key"])
    if key in chain:
        return _recursion(walk, chain, key, span)
    if len(chain) >= MAX_CALL_DEPTH or walk.budget[0] <= 0:
        return []
    walk.budget[0] -= 1
    nested = _routine_run(kind, called, run.words, run.now, run.database)
    return _judge_body(walk, nested, (*chain, key), span)


def _function_in(chain: tuple) -> str | None:
    """The first stored function the calls in `chain` went through, if any: nothing it runs,
    directly or through the procedures it calls, may commit."""
    return next((key for kind, key in chain if kind == "function"), None)


def _refused(walk: _Walk, chain: tuple, what: str, statement: str, span: Span
             ) -> list[Finding]:
    """A statement that commits or returns a result set (`what`: REFUSED_INSIDE's key;
    `statement`: its words) in the body of the last routine of `chain`, which runs inside
    the walk's trigger or else inside the first stored function of `chain`: the server
    refuses the statement that calls the function, or each write that fires the trigger
    (errors 1422 and 1415, checked on MariaDB 10.11: there, not at the CREATE)."""
    kind, name = chain[-1]
    names = [n for _, n in chain]
    if walk.trigger is not None:
        trigger = routine_key(walk.trigger["name"], fold=False)
        inside = {**_REFUSED_ACTIONS["trigger", what], "trigger": trigger,
                  "trigger_table": walk.trigger.get("table") or "", "calls_text": " -> ".join(
                      [trigger, *names])}
    else:
        inside = {**_REFUSED_ACTIONS["function", what], "function": _function_in(chain),
                  "calls_text": " -> ".join(names)}
    code, error = REFUSED_INSIDE[what]
    facts = {**walk.context, **inside, "statement": statement, "program": f"{kind} {name}",
             "error_code": code,
             "server_error": error.format(kind="trigger" if walk.trigger else "function")}
    return walk.judge.judge(facts, span, walk.stmt.index, walk.directives, walk.seen)


def _recursion(walk: _Walk, chain: tuple, key: tuple[str, str], span: Span) -> list[Finding]:
    """A call that closes a cycle (`chain`, then `key` again): reported, not followed; a
    procedure's not when the session allows recursion (max_sp_recursion_depth > 0)."""
    kind, name = key
    if kind == "procedure" and walk.session.sp_recursion_depth > 0:
        return []
    code, error = _RECURSION[kind]
    facts = {**walk.context, "action": "mysql_recursive_call", "kind": kind, "name": name,
             "calls_text": " -> ".join([n for _, n in chain] + [name]),
             "error_code": code, "server_error": error.format(name=name)}
    return walk.judge.judge(facts, span, walk.stmt.index, walk.directives, walk.seen)
