"""The work of the routine bodies a statement runs (a called function's, a fired trigger's),
priced where the statement says how often each runs: a row trigger of the table it writes
once per row it writes, a statement trigger once, a function `SELECT f(...)` (no FROM)
runs once. A body is priced by its statements as the statement's own are (an INSERT by
its VALUES or generate_series rows, an UPDATE or DELETE by the rows its WHERE matches), its
operations times its runs. Anything else (a loop, SQL built at run time, a call per row of a
query, a write no rows bound) gives no estimate: `Unpriced`, never brief."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from lockwise.core.types import Action
from lockwise.cost.series import UNREAD, series_inserts
from lockwise.effects.body_writes import WRITES, every_call

if TYPE_CHECKING:
    from lockwise.cost.model import _Estimator

#: Actions of a body that the pricing knows: the writes it prices, and those that cost
#: nothing of note (a read of a few rows, a setting, a call whose body follows).
_PRICED = frozenset({"insert", "update", "delete"})
_FREE = frozenset({"select", "set", "routine_call"})


class Unpriced(Exception):
    """A body whose work no statistics bound: the reason, as a note says it."""


def split_bodies(actions: Sequence[Action]) -> tuple[list[Action], list[list[Action]]]:
    """The statement's own actions, and each routine body's: its `routine_call` first, then
    the actions that follow it up to the next call; each call's body in full, also where
    the effect holds its actions once for several calls (`every_call`): each runs them."""
    own: list[Action] = []
    bodies: list[list[Action]] = []
    for action in every_call(actions):
        if action.kind == "routine_call":
            bodies.append([action])
        elif bodies:
            bodies[-1].append(action)
        else:
            own.append(action)
    return own, bodies


def runs_once(tree: dict | None) -> bool:
    """Whether statement `tree` runs the functions it calls once: a SELECT without FROM."""
    from lockwise.effects.nodes import unwrap

    kind, body = unwrap(tree) if tree else ("", {})
    return kind == "SelectStmt" and not body.get("fromClause") and \
        not body.get("valuesLists") and body.get("op", "SETOP_NONE") == "SETOP_NONE"


def price_bodies(e: _Estimator, bodies: list[list[Action]], own_rows: float | None) -> None:
    """Add the operations of the `bodies` that write (`split_bodies`), each times its runs;
    `own_rows`: the rows the statement writes, when known. Raises `Unpriced`."""
    once = runs_once(e.tree)
    for call, *actions in bodies:
        if not any(a.kind in WRITES for a in actions):
            continue
        routine = call.facts.get("routine")
        runs = _runs(call, once, own_rows)
        if runs is None:
            raise Unpriced(f"the body of {routine}, which this statement runs, writes "
                           f"{_written(actions)}: how often it runs and on what rows no "
                           "stats tell")
        if call.facts.get("body_loops") or call.facts.get("dynamic_sql"):
            raise Unpriced(f"the body of {routine}, which this statement runs, writes "
                           f"{_written(actions)} in a loop or by SQL built at run time: how "
                           "often no stats tell")
        for action in actions:
            if action.kind not in _PRICED:
                if action.kind in _FREE:
                    continue
                raise Unpriced(f"the body of {routine}, which this statement runs, does "
                               f"a {action.kind.replace('_', ' ')}: not estimated")
            _price(e, action, runs, str(routine))


def _runs(call: Action, once: bool, own_rows: float | None) -> float | None:
    """How often the statement runs the body `call` starts; None when unknown."""
    how = call.facts.get("routine_runs")
    if how == "row":
        return own_rows
    if how == "statement" or once:
        return 1.0
    return None


def _written(actions: list[Action]) -> str:
    return next((str(a.facts.get("table") or "a table") for a in actions
                 if a.kind in WRITES), "a table")


def _price(e: _Estimator, action: Action, runs: float, routine: str) -> None:
    """One write of a body, run `runs` times: its operations, each times `runs`."""
    from lockwise.parse.postgres import parse_sql

    f = action.facts
    table = str(f.get("table") or "")
    parsed = parse_sql(str(f.get("embedded_sql") or ""), comments=False).statements
    tree = parsed[0].tree if len(parsed) == 1 else None
    inner = replace(e, tree=tree, ops=[])
    if action.kind == "insert":
        rows = inserted_rows(tree)
        if rows is None:
            raise Unpriced(f"the rows the body of {routine} inserts into {table} are "
                           "unknown: not estimated")
        inner.insert_rows(table, bool(f.get("table_is_new")), rows)
    else:
        from lockwise.cost.model import _Unknown

        try:
            inner.dml(action.kind, table, bool(f.get("table_is_new")),
                      bool(f.get("has_where")), tuple(f.get("columns") or ()))
        except _Unknown as unknown:
            raise Unpriced(f"in the body of {routine}: {unknown.note}") from None
    e.missing.extend(t for t in inner.missing if t not in e.missing)
    e.ops.extend(replace(op, seconds=op.seconds * runs, lock_seconds=op.lock_seconds * runs,
                         wal_bytes=int(op.wal_bytes * runs), disk_bytes=int(op.disk_bytes * runs),
                         drivers={**op.drivers, "body_runs": runs})
                 for op in inner.ops)


def inserted_rows(tree: dict | None) -> float | None:
    """The rows an INSERT adds: its VALUES lists, or its generate_series rows (constant
    bounds); None when neither tells."""
    if not tree or "InsertStmt" not in tree:
        return None
    series = series_inserts(tree)
    if series:
        rows = sum(count for _, count in series)
        return None if any(count == UNREAD for _, count in series) else rows
    select = (tree["InsertStmt"].get("selectStmt") or {}).get("SelectStmt") or {}
    values = select.get("valuesLists")
    return float(len(values)) if values and not select.get("fromClause") else None
