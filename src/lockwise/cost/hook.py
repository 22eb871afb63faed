"""The cost model inside `lint`: per statement estimates and the facts rules match on.

Facts given to rules when a stats file is loaded:
- `estimated_seconds`, `lock_seconds` (None when there is no estimate), `cost_summary`;
- `lock_hold_seconds`: how long a table lock of SHARE or stronger is held while this statement
  runs, counting locks taken by earlier statements of the same transaction (they are only
  released at commit);
- `lock_hold_exceeds_limit`: that hold is over `--max-lock-seconds`;
- `lock_table`, `lock_mode`, `max_lock_seconds` for the message;
- `scan_is_brief` (an UPDATE's or DELETE's that reads its whole table: its WHERE no index
  serves, `where_scans_table`, or none that limits its rows, `has_where` false; set by lint
  through `scan_is_brief`): the stats know the table, and the whole-table work takes well
  under the lock-timeout scale (`brief_scan_limit`): reading it for such a WHERE, the
  statement's whole estimate when it changes every row. A settings table's is no finding,
  as lock-held-too-long says nothing under its limit (rules where-without-index,
  unbatched-backfill). False without stats, and when the statement runs a routine whose
  body writes a table as often as no stats tell (`Estimate.open_ended`, cost.bodies).
- `hold_extended_briefly` (a statement run while earlier statements of its transaction hold
  ACCESS EXCLUSIVE, asking for no lock the transaction lacks; set by lint through
  `run_is_brief`): its whole estimated run is as brief, so it holds those locks no longer
  than such a scan would (rule lock-accumulation). False without stats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lockwise.catalog.model import Catalog
from lockwise.core.types import Effect, LockMode, StatementReport
from lockwise.cost.model import (
    BLOCKING,
    Estimate,
    estimate_statement,
    human_seconds,
    scan_seconds,
)
from lockwise.cost.profile import DEFAULT_PROFILE, MachineProfile
from lockwise.cost.stats import Stats
from lockwise.effects.locks import relation_shown
from lockwise.effects.refused import statement_refusal

#: A whole-table read this short is no reason to batch or index (rules where-without-index,
#: unbatched-backfill):
#: a fiftieth of the 5 s lock_timeout `lockwise apply` sets; with --max-lock-seconds, at most
#: a twentieth of it.
BRIEF_SCAN_SECONDS = 0.1


def brief_scan_limit(max_lock_seconds: float | None) -> float:
    """The longest whole-table read `scan_is_brief` allows."""
    if max_lock_seconds is None:
        return BRIEF_SCAN_SECONDS
    return min(BRIEF_SCAN_SECONDS, max_lock_seconds / 20)


@dataclass(slots=True)
class CostTracker:
    """Estimates one migration's statements in order, remembering locks held until commit."""

    stats: Stats
    profile: MachineProfile = DEFAULT_PROFILE
    max_lock_seconds: float | None = None
    #: Tables locked SHARE or stronger by earlier statements of the open transaction.
    held: dict[str, LockMode] = field(default_factory=dict)
    last: Estimate | None = None
    last_lock_seconds: float | None = None
    #: The last statement is one PostgreSQL refuses (`statement_refusal`).
    last_refused: bool = False

    def before(self, effect: Effect, tree: dict | None, new_tables: set[str],
               in_transaction: bool, catalog: Catalog | None = None,
               filled_tables: set[str] | frozenset[str] = frozenset()) -> dict:
        """Estimate the statement about to be judged; return the facts rules see. `catalog`:
        the schema replayed so far (indexes built since the stats were taken);
        `filled_tables`: the new tables filled from older ones (of unknown size)."""
        self.last_refused = bool(statement_refusal(effect))
        if self.last_refused:  # none of its work is done: no time, nothing held after it
            self.last, self.last_lock_seconds = Estimate(0.0, 0.0, []), 0.0
            return {"estimated_seconds": 0.0, "lock_seconds": 0.0, "lock_hold_seconds": 0.0,
                    "lock_hold_exceeds_limit": False,
                    "cost_summary": "refused by PostgreSQL: none of its work is done"}
        est = estimate_statement(effect, self.stats, self.profile, tree=tree,
                                 new_tables=frozenset(new_tables), catalog=catalog,
                                 filled_tables=frozenset(filled_tables))
        self.last = est
        if est.seconds is None:
            self.last_lock_seconds = None
            return {"estimated_seconds": None, "lock_seconds": None, "lock_hold_seconds": None,
                    "lock_hold_exceeds_limit": False, "cost_summary": est.note}
        locks = {t: m for t, m in effect.locks.items() if m >= BLOCKING}
        carried = {t: m for t, m in self.held.items() if in_transaction}
        # The longest block: a table lock for the whole statement, or the row locks an
        # UPDATE/DELETE holds on every row it changed until it ends.
        hold = est.lock_seconds or 0.0
        lock_seconds = est.lock_seconds or 0.0
        if carried:
            # Locks from earlier statements are still held: this statement's whole run
            # extends them.
            hold = max(hold, est.seconds)
            lock_seconds = max(lock_seconds, est.seconds)
        self.last_lock_seconds = lock_seconds
        # Per table, the stronger of the lock held from earlier and this statement's own.
        strongest = dict(carried)
        for t, m in locks.items():
            strongest[t] = max(m, strongest.get(t, m))
        table, mode = max(strongest.items(), key=lambda kv: kv[1], default=("", None))
        rows_locked = next((o for o in est.operations if o.lock == "row locks"), None)
        by_rows = mode is None and rows_locked is not None
        summary = est.summary()
        if carried and not locks:
            summary += (f"; {', '.join(map(relation_shown, sorted(carried)))} stays locked "
                        "from earlier in the "
                        "transaction")
        return {
            "estimated_seconds": round(est.seconds, 3), "lock_seconds": round(lock_seconds, 3),
            "lock_hold_seconds": round(hold, 3), "lock_hold_text": human_seconds(hold),
            "lock_hold_exceeds_limit": self.max_lock_seconds is not None
            and hold > self.max_lock_seconds,
            "max_lock_seconds": self.max_lock_seconds,
            "lock_table": relation_shown(rows_locked.table if by_rows else table),
            "lock_mode": "row locks on the rows it changes" if by_rows
            else mode.sql_name if mode is not None else None,
            "lock_blocks": "writes to those rows" if by_rows
            else "reads and writes" if mode is LockMode.ACCESS_EXCLUSIVE else "writes",
            "cost_summary": summary,
        }

    def scan_is_brief(self, table: str, changes_every_row: bool = False) -> bool:
        """The stats know `table` and reading all of it takes under `brief_scan_limit`; for a
        statement that changes every row (`changes_every_row`), its whole estimated run does
        (writing the rows takes far longer than reading them)."""
        known = self.stats.table(table)
        if known is None or self.last is not None and self.last.open_ended:
            return False  # (a routine's writes at each row: not bounded by reading the table)
        limit = brief_scan_limit(self.max_lock_seconds)
        if changes_every_row:
            took = self.last.seconds if self.last is not None else None
            return took is not None and took <= limit
        return scan_seconds(known, self.profile) <= limit

    def run_is_brief(self) -> bool:
        """The stats know every table the last statement works on, and its whole estimated
        run takes under `brief_scan_limit`: the locks earlier statements of its transaction
        hold are held no longer for it than a settings table's scan (lock-accumulation)."""
        took = self.last.seconds if self.last is not None else None
        return took is not None and took <= brief_scan_limit(self.max_lock_seconds)

    def fill(self, report: StatementReport) -> None:
        if self.last is None:
            return
        if self.last.seconds is not None:
            report.estimated_seconds = round(self.last.seconds, 3)
            report.lock_seconds = round(self.last_lock_seconds or 0.0, 3)
        else:
            report.cost_note = self.last.note

    def after(self, effect: Effect, in_transaction: bool) -> None:
        """Call after the session moved past the statement: keep or release held locks."""
        if self.last_refused:  # (held as they were: it takes nothing to hold)
            return
        if in_transaction:
            for table, mode in effect.locks.items():
                if mode >= BLOCKING:
                    self.held[table] = max(mode, self.held.get(table, mode))
        else:
            self.held.clear()
