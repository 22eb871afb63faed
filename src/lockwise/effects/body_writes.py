"""What the routines a statement runs write: the bodies of the functions it calls and of the
triggers its writes fire run inside it, their actions following the `routine_call` that
starts each (effects.postgres.routines, catalog.routines.fired). Shared by the cost model (a
body's writes are work no stats bound) and the session (lock-accumulation: they extend the
locks the transaction holds as the statement's own writes would). No heavy imports: the
session asks at each statement of a transaction that holds ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from lockwise.core.types import Action, Effect

#: Actions that write a table's rows.
WRITES = frozenset({"insert", "update", "delete", "merge", "truncate", "copy"})


def rows_written(actions: Iterable[Action]) -> Iterator[str]:
    """The tables whose rows `actions` INSERT or UPDATE, rows the transaction wrote
    (`Context.written_in_transaction`): an UPDATE of them later checks its foreign keys
    again. An INSERT of no row (`writes_no_rows`) writes none."""
    return (a.facts["table"] for a in actions if a.kind in ("insert", "update") and
            "table" in a.facts and not a.facts.get("writes_no_rows"))


def every_call(actions: Sequence[Action]) -> Iterator[Action]:
    """`actions`, a statement's, with the body of each call it runs in full: a call given a
    run whose actions the effect holds at an earlier call (`body_shown_before`,
    effects/postgres/body_runs.py) followed by that run's actions, as its first call is
    (the calls among them likewise). What runs at each call, for what counts the runs; read
    as far as asked."""
    first: dict[object, int] = {}  # a run's number -> where its first call is

    def walk(at: int, end: int) -> Iterator[Action]:
        while at < end:
            action = actions[at]
            yield action
            if action.kind == "routine_call":
                run = action.facts.get("body_run")
                if not action.facts.get("body_shown_before"):
                    first.setdefault(run, at)
                elif run in first:
                    start = first[run] + 1
                    yield from walk(start, start + int(action.facts.get("body_actions", 0)))
            at += 1

    return walk(0, len(actions))


def routine_writes(effect: Effect) -> tuple[str, str] | None:
    """(a routine the statement runs, a table its body writes), from the actions that follow
    the routine's call (its body's, every call's in full: `every_call`); None when no
    routine it runs writes."""
    routine = None
    for a in every_call(effect.actions):
        if a.kind == "routine_call":
            routine = str(a.facts.get("routine"))
        elif routine is not None and a.kind in WRITES:
            return routine, str(a.facts.get("table") or "a table")
    return None
