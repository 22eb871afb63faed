"""The statements a MySQL / MariaDB stored program runs, judged where they run.

A procedure's body runs at each CALL of it, in the migration that created it or a later one
(the catalog keeps it: `Catalog.mysql_procedures`): its statements (parse/mysql.py's
`program`) are judged there, with the CALL's place and the procedure's name, in the
migration's session, and change the catalog as they would. An event's body runs on its
schedule and a trigger's for each row written: their statements are judged in place, naming
the program, in a session of their own (the migration's LOCK TABLES, TEMPORARY and new tables
are not theirs), and change nothing now: neither the catalog nor the migration's session.
A MariaDB compound statement outside a program (IF ... END IF) runs where it stands. A
function's body runs inside the queries that call it and is not judged.
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
from lockwise.parse.mysql_blocks import procedure_key

#: CALL name [(...)]: the procedure it runs.
_CALL = re.compile(r"^\s*CALL\s+((?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`"
                   r"|[\w$]+))?)", re.IGNORECASE)
#: Where each kind of program runs its body, for the findings' messages; whether it runs now.
_WHERE = {"event": ("in the body of event {name}, which runs it on its schedule", False),
          "trigger": ("in the body of trigger {name}, which runs it for each row written",
                      False),
          "compound": ("", True)}


def program_runs(stmt: Statement, catalog: Catalog
                 ) -> tuple[list[tuple[int, str, object]], str, bool, bool] | None:
    """What statement `stmt` runs of a stored program: the body's statements (offset in
    `stmt`, text, tree), the words the findings add, whether they are found at `stmt` (a CALL)
    rather than in place, and whether they run now. None when it runs none (a CREATE
    PROCEDURE: the catalog's replay keeps it for its CALLs)."""
    program = stmt.tree.get("program")
    if program is not None and program["kind"] in _WHERE:
        words, now = _WHERE[program["kind"]]
        return program["statements"], words.format(name=program["name"]), False, now
    call = _CALL.match(stmt.sql) if program is None else None
    called = catalog.mysql_procedures.get(procedure_key(call.group(1))) if call else None
    if called is None:
        return None
    return (called["statements"], f"in procedure {called['name']}, which this CALL runs",
            True, True)


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
