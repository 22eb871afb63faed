"""Rows a statement makes itself: an INSERT fed by generate_series with constant bounds
inserts as many rows as the series has, whatever the stats file says of its table."""

from __future__ import annotations

from lockwise.effects.nodes import const_value, strings, walk

#: A series' bounds lockwise cannot read (a parameter, a column, a timestamp).
UNREAD = -1.0


def series_inserts(tree: dict | None) -> list[tuple[str, float]]:
    """Each INSERT of `tree` (a CTE's too) whose SELECT calls generate_series: (its table as
    written, the rows), `UNREAD` rows when a call's bounds are not integer constants. Several
    calls in one SELECT multiply (a cross join; in the target list the longest one sets the
    count, which the product never undercounts)."""
    found = []
    for kind, body in walk(tree):
        if kind != "InsertStmt" or not body.get("selectStmt"):
            continue
        rows, seen = 1.0, False
        for inner, call in walk(body["selectStmt"]):
            if inner != "FuncCall" or strings(call.get("funcname"))[-1:] != ["generate_series"]:
                continue
            seen = True
            count = _series_rows(call.get("args") or [])
            rows = UNREAD if count is None or rows == UNREAD else rows * count
        if seen:
            found.append((str((body.get("relation") or {}).get("relname", "")), rows))
    return found


def _series_rows(args: list) -> float | None:
    """The values of generate_series(start, stop[, step]) over integers, as the server counts
    them (none when the step walks away from stop; a zero step is an error there)."""
    values = [const_value(a) for a in args]
    if len(values) not in (2, 3) or not all(type(v) is int for v in values):
        return None
    start, stop = values[0], values[1]
    step = values[2] if len(values) == 3 else 1
    if step == 0:
        return None
    return float(max(0, (stop - start) // step + 1))
