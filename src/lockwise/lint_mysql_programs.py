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
judged at each, as a procedure's at its CALL.
"""

from __future__ import annotations

import re
from dataclasses import replace

from lockwise.catalog.model import Catalog
from lockwise.core.types import Finding, Statement
from lockwise.effects.mysql import (
    MySQLSession,
    apply_mysql_statement,
    compute_mysql_effect,
    refused,
)
from lockwise.parse.mysql_blocks import routine_key

#: CALL name [(...)]: the procedure it runs.
_CALL = re.compile(r"^\s*CALL\s+((?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`"
                   r"|[\w$]+))?)", re.IGNORECASE)
#: Where each kind of program runs its body, for the findings' messages; whether it runs now.
_WHERE = {"event": ("in the body of event {name}, which runs it on its schedule", False),
          "trigger": ("in the body of trigger {name}, which runs it for each row written",
                      False),
          "compound": ("", True)}


def program_runs(stmt: Statement, catalog: Catalog
                 ) -> list[tuple[list[tuple[int, str, object]], str, bool, bool]]:
    """What statement `stmt` runs of stored programs, each as the body's statements (offset in
    `stmt`, text, tree), the words the findings add, whether they are found at `stmt` (a CALL,
    a call of a function) rather than in place, and whether they run now. A CREATE PROCEDURE
    or FUNCTION runs none: the catalog's replay keeps it for its calls."""
    program = stmt.tree.get("program")
    if program is not None:
        if program["kind"] not in _WHERE:
            return []
        words, now = _WHERE[program["kind"]]
        return [(program["statements"], words.format(name=program["name"]), False, now)]
    call = _CALL.match(stmt.sql)
    if call is not None:
        called = catalog.mysql_procedures.get(routine_key(call.group(1)))
        return [] if called is None else [
            (called["statements"], f"in procedure {called['name']}, which this CALL runs",
             True, True)]
    return [(function["statements"], f"in function {function['name']}, which this statement "
             "calls", True, True) for function in _functions_called(stmt, catalog)]


def _functions_called(stmt: Statement, catalog: Catalog) -> list[dict]:
    """The stored functions the query, DML or SET `stmt` calls, each once, in order (a
    DEFAULT, generated column or CHECK may call none: the server refuses it, error 1901 on
    MariaDB 10.11)."""
    from sqlglot import exp

    expr = stmt.tree["sqlglot"]["expr"]
    if not isinstance(expr, (exp.Query, exp.Update, exp.Delete, exp.Insert, exp.Set)):
        return []
    found: dict[str, dict] = {}
    for node in expr.find_all(exp.Anonymous):
        if (function := catalog.mysql_functions.get(routine_key(node.name))) is not None:
            found.setdefault(routine_key(node.name), function)
    return list(found.values())


def judge_program(stmt: Statement, runs: tuple, judge, catalog: Catalog,
                  session: MySQLSession, context: dict, migration_id: str,
                  directives: list, seen: dict) -> list[Finding]:
    """The findings of the program statements `runs` (program_runs) gives for `stmt`, and
    the catalog moved past those that run now."""
    from lockwise.lint import effect_facts, span_within

    statements, words, at_statement, now = runs
    if not now:  # run later, in a session of its own (an event's; a trigger's, unknown)
        session = MySQLSession(flavour=session.flavour, version=session.version)
    findings: list[Finding] = []
    for offset, sql, tree in statements:
        inner = {"sqlglot": {"expr": tree, "sql": sql}}
        effect = compute_mysql_effect(inner, catalog, session)
        span = stmt.span if at_statement else span_within(stmt, offset, len(sql))
        for action in effect.actions:
            facts = {**context, **effect_facts(effect), **action.facts, "action": action.kind}
            found = judge.judge(facts, span, stmt.index, directives, seen)
            findings += [replace(f, message=f"{f.message} ({words})") if words else f
                         for f in found]
        if now and not refused(effect.actions):
            apply_mysql_statement(catalog, inner, migration_id, session)
    return findings
