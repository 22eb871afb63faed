"""What the routines a statement runs write: the bodies of the functions it calls and of the
triggers its writes fire run inside it, their actions following the `routine_call` that
starts each (effects.postgres.routines, catalog.routines.fired). Shared by the cost model (a
body's writes are work no stats bound) and the session (lock-accumulation: they extend the
locks the transaction holds as the statement's own writes would). No heavy imports: the
session asks at each statement of a transaction that holds ACCESS EXCLUSIVE."""

from __future__ import annotations

from lockwise.core.types import Effect

#: Actions that write a table's rows.
WRITES = frozenset({"insert", "update", "delete", "merge", "truncate", "copy"})


def routine_writes(effect: Effect) -> tuple[str, str] | None:
    """(a routine the statement runs, a table its body writes), from the actions that follow
    the routine's call (its body's); None when no routine it runs writes."""
    routine = None
    for a in effect.actions:
        if a.kind == "routine_call":
            routine = str(a.facts.get("routine"))
        elif routine is not None and a.kind in WRITES:
            return routine, str(a.facts.get("table") or "a table")
    return None
