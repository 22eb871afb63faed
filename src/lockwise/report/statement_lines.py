"""What the text report and the markdown comment say of one statement, before either lays it
out: where its level comes from, the locks it holds and what waits behind them, what it
rewrites and scans. Each report only chooses its marks (a bullet, backticks, a colon)."""

from __future__ import annotations

from collections.abc import Callable

from lockwise.core.types import Effect, LockMode, Safety, StatementReport
from lockwise.effects.locks import lock_label, lock_lines, relation_named

#: The lock REINDEX and ALTER INDEX hold on an index, as the lock lines name it.
INDEX_LOCK = LockMode.ACCESS_EXCLUSIVE.sql_name

#: Said of a statement PostgreSQL refuses inside a transaction block.
NOT_IN_TRANSACTION = "cannot run inside a transaction block"


def level_from(s: StatementReport) -> str:
    """` (level from <rule>, reported at statement <n>)` when no finding under the statement
    gives it its level: a finding of an earlier statement covers it (one SET LOCAL
    lock_timeout for the whole transaction), and without it the level would puzzle. The
    text report and the markdown summary both put it after the level."""
    if s.safety is Safety.SAFE or any(f.safety is s.safety for f in s.findings):
        return ""
    named = dict.fromkeys(
        f.rule + ("" if f.statement_index is None
                  else f", reported at statement {f.statement_index + 1}")
        for f in s.covered_by if f.safety is s.safety)
    return f" (level from {'; '.join(named)})" if named else ""


def _plain(name: str) -> str:
    return name


def held_locks(e: Effect, code: Callable[[str], str] = _plain) -> list[tuple[str, str]]:
    """(what is held, what waits behind it) for each lock line of `e`: `SHARE on
    public.orders`, an index held too, or an index alone; `code` marks a lock's and a
    table's name (the markdown comment's backticks)."""
    out = []
    for rel, mode, index_held, what in lock_lines(e):
        shown = code(relation_named(e, rel))
        held = (f"{code(lock_label(e, rel, mode))} on {shown}" + (
            f" and {code(INDEX_LOCK)} on {index_held}" if index_held else "")) if mode \
            else f"{code(INDEX_LOCK)} on an index of {shown}"
        out.append((held, what))
    return out


def rewritten(e: Effect) -> list[str]:
    """The relations `e` rewrites, as the reports name them."""
    return [relation_named(e, rel) for rel in sorted(e.rewrites)]


def scanned(e: Effect) -> list[tuple[str, str]]:
    """(relation, why) for each relation `e` reads without rewriting it."""
    return [(relation_named(e, rel), why) for rel, why in sorted(e.scans.items())
            if rel not in e.rewrites]
