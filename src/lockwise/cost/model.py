"""The cost model: from a statement's Effect and table statistics to seconds.

The effect model says *what* PostgreSQL does (rewrite, scan, build an index, validate a foreign
key, touch rows); this module says *how long* that takes on a table of a given size, using a
machine profile (lockwise.cost.profile). Every operation lists its drivers (rows, bytes,
indexes rebuilt) so a user can see why the number is what it is.

Durations:
- `seconds`: the statement's total duration.
- `lock_seconds`: how long it blocks other sessions' reads or writes of a table: the time it
  holds SHARE or stronger (SHARE, SHARE ROW EXCLUSIVE, EXCLUSIVE, ACCESS EXCLUSIVE), or row
  locks on the rows an UPDATE/DELETE touches. SHARE UPDATE EXCLUSIVE (CONCURRENTLY, VALIDATE)
  blocks neither, so it counts 0.

A table the stats file does not know gets no estimate: the result says which tables are
missing. Tables created earlier in the same migration run are empty and cost nothing to scan,
except those filled from older tables (CREATE TABLE AS, INSERT ... SELECT): their size is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from lockwise.catalog.model import Catalog
from lockwise.core.types import Action, Effect, LockMode
from lockwise.cost.profile import DEFAULT_PROFILE, MachineProfile
from lockwise.cost.series import UNREAD, series_inserts
from lockwise.cost.stats import IndexStats, Stats, TableStats
from lockwise.effects.body_writes import every_call, routine_writes
from lockwise.effects.locks import relation_shown

MB = 1024 * 1024
#: B-tree leaf entry overhead: 8-byte index tuple header + 4-byte line pointer.
_BTREE_ENTRY_OVERHEAD = 12
#: B-tree leaf pages are filled to 90% by a build.
_BTREE_FILL = 0.9
#: Assumed key width when neither the stats nor an existing index tell (a bigint / uuid half).
DEFAULT_KEY_BYTES = 8
#: WAL record overhead for a heap tuple change (record header + heap header), bytes.
_WAL_TUPLE_OVERHEAD = 50
#: A new row of a table whose stats know no row: a 24-byte tuple header, its line pointer
#: and one bigint.
_NEW_ROW_BYTES = 36
#: ANALYZE samples 300 x default_statistics_target (100) rows.
_ANALYZE_SAMPLE_ROWS = 30_000
_PAGE = 8192

#: Locks that block other sessions' writes (and, for ACCESS EXCLUSIVE, reads).
BLOCKING = LockMode.SHARE


@dataclass(slots=True)
class Operation:
    """One costed piece of work on one table."""

    kind: str
    table: str
    seconds: float
    #: Seconds during which this operation blocks reads or writes of `table`.
    lock_seconds: float
    #: The blocking lock held ("ACCESS EXCLUSIVE", "row locks"), None when none is.
    lock: str | None
    drivers: dict = field(default_factory=dict)
    wal_bytes: int = 0
    #: Extra disk space needed while it runs (new heap and indexes next to the old ones).
    disk_bytes: int = 0

    def to_dict(self) -> dict:
        return {"kind": self.kind, "table": self.table, "seconds": round(self.seconds, 3),
                "lock_seconds": round(self.lock_seconds, 3), "lock": self.lock,
                "drivers": self.drivers, "wal_bytes": self.wal_bytes,
                "disk_bytes": self.disk_bytes}


@dataclass(slots=True)
class Estimate:
    """The cost of one statement. `seconds` is None when a table it needs is unknown."""

    seconds: float | None
    lock_seconds: float | None
    operations: list[Operation]
    unknown_tables: tuple[str, ...] = ()
    #: Why there is no estimate when `seconds` is None (unknown table, unknown WHERE).
    note: str = ""
    #: Seconds a table-level lock of SHARE or stronger is held (row locks not counted).
    table_lock_seconds: float | None = None
    #: Its work includes what a routine's body writes at each call (`routine_writes`): no
    #: stats bound it, and no scan of it is called brief.
    open_ended: bool = False

    @property
    def wal_bytes(self) -> int:
        return sum(o.wal_bytes for o in self.operations)

    @property
    def disk_bytes(self) -> int:
        return sum(o.disk_bytes for o in self.operations)

    def summary(self) -> str:
        """One line: what is held for how long and why, e.g. for a rule message."""
        if self.seconds is None:
            return self.note
        parts = []
        for op in self.operations:
            text = (f"{op.kind.replace('_', ' ')} of {relation_shown(op.table)} "
                    f"~{human_seconds(op.seconds)}")
            if op.lock and op.lock_seconds > 0:
                text += f", holding {op.lock} ~{human_seconds(op.lock_seconds)}"
            drivers = drivers_text(op.drivers)
            parts.append(f"{text} ({drivers})" if drivers else text)
        extra = []
        if self.disk_bytes:
            extra.append(f"needs ~{human_bytes(self.disk_bytes)} free disk")
        if self.wal_bytes:
            extra.append(f"writes ~{human_bytes(self.wal_bytes)} of WAL")
        return "; ".join(parts + extra) or "catalog-only change"

    def to_dict(self) -> dict:
        return {"seconds": None if self.seconds is None else round(self.seconds, 3),
                "lock_seconds": None if self.lock_seconds is None else
                round(self.lock_seconds, 3),
                "wal_bytes": self.wal_bytes, "disk_bytes": self.disk_bytes,
                "unknown_tables": list(self.unknown_tables), "note": self.note,
                "operations": [o.to_dict() for o in self.operations]}


def human_seconds(s: float) -> str:
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def human_rows(n: float) -> str:
    if n >= 1e6:
        return f"{n / 1e6:.1f} M rows"
    if n >= 1e3:
        return f"{n / 1e3:.0f} k rows"
    return f"{n:.0f} rows"


def drivers_text(drivers: dict) -> str:
    out = []
    for key, value in drivers.items():
        if key == "rows":
            out.append(human_rows(value))
        elif key == "rows_indexed":
            out.append(f"{human_rows(value)} indexed")
        elif key.endswith("_rows") and isinstance(value, (int, float)):  # referenced_rows
            out.append(f"{key[:-5].replace('_', ' ')} {human_rows(value)}")
        elif key == "partial":
            out.append(f"partial index ({value})")
        elif key.endswith("bytes") and isinstance(value, (int, float)):
            out.append(f"{key.replace('_', ' ')} {human_bytes(value)}")
        else:
            out.append(f"{key.replace('_', ' ')} {value}")
    return ", ".join(out)


# --- costing primitives -----------------------------------------------------------------------

def scan_seconds(t: TableStats, p: MachineProfile) -> float:
    """How long reading the whole heap of `t` takes (a sequential scan)."""
    return t.heap_bytes / (p.scan_mb_s * MB)


def _key_bytes_of_index(t: TableStats, idx: IndexStats) -> float:
    """Key width implied by an existing b-tree's size: bytes = rows x (12 + key) / 0.9."""
    if t.rows <= 0 or idx.bytes <= 0:
        return DEFAULT_KEY_BYTES
    return max(idx.bytes * _BTREE_FILL / t.rows - _BTREE_ENTRY_OVERHEAD, 4.0)


def _key_bytes_of_columns(t: TableStats, columns: tuple[str, ...]) -> tuple[float, float, bool]:
    """A new index's key from pg_stats: (width, sort width, True when a width is assumed).

    The sort width counts what makes comparisons slow: bytes beyond 8 in each column
    (text, numeric; not a second integer), and only for rows where the column is not NULL.
    """
    total, excess, assumed = 0.0, 0.0, False
    for col in columns or ("(expression)",):
        cs = t.columns.get(col)
        if cs is not None and cs.avg_width:
            total += cs.avg_width
            excess += max(cs.avg_width - DEFAULT_KEY_BYTES, 0) * (1 - (cs.null_frac or 0.0))
        else:
            total += DEFAULT_KEY_BYTES
            assumed = True
    return total, DEFAULT_KEY_BYTES + excess, assumed


def _sort_key_of_index(t: TableStats, idx: IndexStats) -> float:
    """Sort width of an existing index: from pg_stats when every column has a width, else
    from the index's size (expressions, missing statistics)."""
    if idx.columns and all((cs := t.columns.get(c)) is not None and cs.avg_width
                           for c in idx.columns):
        return _key_bytes_of_columns(t, idx.columns)[1]
    return _key_bytes_of_index(t, idx)


def _btree_bytes(rows: float, key_bytes: float) -> int:
    aligned = -(-int(key_bytes) // 8) * 8
    return int(rows * (_BTREE_ENTRY_OVERHEAD + aligned) / _BTREE_FILL) + _PAGE


def _sort_load(rows: float, key_bytes: float, p: MachineProfile,
               correlation: float = 0.0) -> float:
    """Sort and load a b-tree of `rows` keys (the heap scan is charged separately).

    Keys up to 8 bytes (integers, timestamps) cost the same per row; wider keys (text, several
    columns) cost more per byte beyond that: comparing and copying them is the slow part.
    Input already in key order (pg_stats.correlation near +-1, e.g. an id or a creation
    time) sorts much faster than random input; unknown correlation counts as random.
    """
    c = min(abs(correlation), 1.0)
    per_row = (1 - c) / p.index_build_rows_s + c / p.index_build_sorted_rows_s
    return rows * per_row + rows * max(key_bytes - DEFAULT_KEY_BYTES, 0) / (
        p.index_key_mb_s * MB)


def _correlation(t: TableStats, columns: tuple[str, ...]) -> float:
    """Physical order vs the index's leading column (pg_stats.correlation), 0 when unknown."""
    cs = t.columns.get(columns[0]) if columns else None
    return cs.correlation if cs is not None and cs.correlation is not None else 0.0


def _rebuild_indexes(t: TableStats, p: MachineProfile,
                     indexes: tuple[IndexStats, ...] | None = None) -> tuple[float, int]:
    """Rebuild existing indexes after a rewrite: one heap scan and one sort per index."""
    seconds, size = 0.0, 0
    for idx in t.indexes if indexes is None else indexes:
        seconds += scan_seconds(t, p) + _sort_load(t.rows, _sort_key_of_index(t, idx), p,
                                            _correlation(t, idx.columns))
        size += idx.bytes
    return seconds, size


# --- the estimator ----------------------------------------------------------------------------

class _Unknown(Exception):
    def __init__(self, tables: tuple[str, ...] = (), note: str = "", open_ended: bool = False):
        super().__init__(note)
        self.tables = tables
        self.note = note
        self.open_ended = open_ended


@dataclass(slots=True)
class _Estimator:
    effect: Effect
    stats: Stats
    profile: MachineProfile
    new_tables: frozenset[str]
    tree: dict | None
    #: The schema replayed up to the statement: indexes earlier statements built are there.
    catalog: Catalog | None = None
    #: Those of `new_tables` filled from older tables (CREATE TABLE AS, INSERT ... SELECT):
    #: new, but of a size no stats file knows.
    filled_tables: frozenset[str] = frozenset()
    ops: list[Operation] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def table(self, name: str, is_new: bool = False) -> TableStats | None:
        """Stats for `name`; an empty table when it was created by these migrations, unless
        they filled it from older tables (its size unknown: no estimate)."""
        if name in self.filled_tables:
            raise _Unknown((name,), f"{name} was created by this migration and filled from "
                                    "other tables (CREATE TABLE AS, INSERT ... SELECT): its "
                                    "size is unknown")
        if is_new or name in self.new_tables:
            return TableStats(name=name, rows=0, heap_bytes=0)
        t = self.stats.table(name)
        if t is None and name not in self.missing:
            self.missing.append(name)
        return with_built_indexes(t, self.catalog) if t is not None else None

    def lock_of(self, table: str) -> str | None:
        mode = self.effect.locks.get(table)
        return mode.sql_name if mode is not None and mode >= BLOCKING else None

    def add(self, kind: str, table: str, seconds: float, drivers: dict, *, wal: int = 0,
            disk: int = 0, lock: str | None = "", lock_seconds: float | None = None) -> None:
        held = self.lock_of(table) if lock == "" else lock
        if lock_seconds is None:
            lock_seconds = seconds if held else 0.0
        self.ops.append(Operation(kind, table, seconds, lock_seconds, held, drivers,
                                  int(wal), int(disk)))

    # --- operation classes

    def rewrite(self, kind: str, name: str, is_new: bool, computed: int = 0,
                copy: bool = False, indexes: bool = True) -> None:
        """A new heap and TOAST table; `indexes`: every index is rebuilt on it (all but SET
        TABLESPACE, which moves the heap and TOAST files and leaves the indexes alone)."""
        t = self.table(name, is_new)
        if t is None:
            return
        p = self.profile
        data = t.heap_bytes + t.toast_bytes
        seconds = data / ((p.copy_mb_s if copy else p.rewrite_mb_s) * MB)
        rebuild, index_bytes = _rebuild_indexes(t, p, None if indexes else ())
        drivers: dict = {"rows": t.rows, "heap_bytes": t.heap_bytes}
        if t.toast_bytes:
            drivers["toast_bytes"] = t.toast_bytes
        if computed:
            # Each volatile default is evaluated once per row while the heap is rewritten.
            seconds += computed * t.rows / p.volatile_default_rows_s
            drivers["volatile_defaults"] = computed
        drivers["indexes_rebuilt"] = len(t.indexes) if indexes else 0
        disk = data + index_bytes
        if kind == "cluster":
            # CLUSTER sorts the rows on the index key (seq scan + sort, the usual plan).
            seconds += _sort_load(t.rows, DEFAULT_KEY_BYTES, p)
            disk += t.heap_bytes  # the sort's temporary files
        self.add(kind, name, seconds + rebuild, drivers, wal=data + index_bytes, disk=disk)

    def full_scan(self, name: str, is_new: bool, why: str) -> None:
        t = self.table(name, is_new)
        if t is None:
            return
        self.add("full_scan", name, scan_seconds(t, self.profile),
                 {"rows": t.rows, "heap_bytes": t.heap_bytes, "why": why})

    def index_build(self, name: str, is_new: bool, columns: tuple[str, ...],
                    concurrently: bool, unique: bool = False) -> None:
        t = self.table(name, is_new)
        if t is None:
            return
        p = self.profile
        key, sort_key, assumed = _key_bytes_of_columns(t, columns)
        correlation = _correlation(t, columns)
        # A partial index reads the whole heap but sorts and stores only the rows its WHERE
        # keeps (measured on the server); a predicate that cannot be bounded counts them all.
        indexed, how = _partial_index_rows(self.tree, t)
        seconds = scan_seconds(t, p) + _sort_load(indexed, sort_key, p, correlation)
        size = _btree_bytes(indexed, key)
        drivers: dict = {"rows": t.rows, "heap_bytes": t.heap_bytes,
                         "key_bytes": f"{key:.0f}{' (assumed)' if assumed else ''}"}
        if how:
            drivers.update(rows_indexed=indexed, partial=how)
        if correlation:
            drivers["correlation"] = round(correlation, 2)
        if unique:
            drivers["unique"] = True
        if concurrently:
            seconds *= p.concurrent_index_factor
            self.add("index_build_concurrently", name, seconds, drivers, wal=size, disk=size)
        else:
            self.add("index_build", name, seconds, drivers, wal=size, disk=size)

    def reindex(self, name: str, index: str, concurrently: bool) -> None:
        t = self.table(name)
        if t is None:
            return
        chosen = tuple(i for i in t.indexes if not index or i.name == index)
        if index and not chosen:
            self.missing.append(index)
            return
        seconds, size = _rebuild_indexes(t, self.profile, chosen)
        if concurrently:
            seconds *= self.profile.concurrent_index_factor
        self.add("reindex_concurrently" if concurrently else "reindex", name, seconds,
                 {"rows": t.rows, "indexes_rebuilt": len(chosen)}, wal=size, disk=size)

    def fk_validation(self, child: str, parent: str, is_new: bool) -> None:
        c = self.table(child, is_new)
        par = self.table(parent)
        if c is None or par is None:
            return
        p = self.profile
        # One anti-join: both tables are read, the referenced keys hashed, the referencing
        # ones probed (a batched hash join once they outgrow work_mem).
        seconds = (scan_seconds(c, p) + scan_seconds(par, p)
                   + (c.rows + par.rows) / p.fk_check_rows_s)
        drivers = {"rows": c.rows, "heap_bytes": c.heap_bytes, "referenced_table": parent,
                   "referenced_rows": par.rows}
        self.add("fk_validation", child, seconds, drivers)
        held = self.lock_of(parent)
        if held and parent != child:
            # The referenced table is locked for the whole validation too (SHARE ROW EXCLUSIVE).
            self.ops.append(Operation("fk_validation_referenced", parent, 0.0, seconds, held,
                                      {"rows": par.rows}))

    def dml(self, kind: str, name: str, is_new: bool, has_where: bool, columns: tuple) -> None:
        t = self.table(name, is_new)
        if t is None:
            return
        p = self.profile
        rows, how = (t.rows, "every row") if not has_where else \
            _where_rows(self.tree, t, self.catalog)
        if rows is None:
            raise _Unknown(note=f"the rows the WHERE clause of this {kind.upper()} on {name} "
                           f"matches are unknown: {how}")
        rows = min(rows, t.rows)
        drivers: dict = {"rows": rows, "matched_by": how}
        # A WHERE finds its rows through an index (a batch); a whole-table pass scans, and so
        # does one whose rows only a view's WHERE picks (the effect says it reads the table).
        lookup = rows / p.lookup_rows_s if has_where else 0.0
        if has_where and name in self.effect.scans:
            lookup = scan_seconds(t, p)
            drivers["found_by"] = "a full read of the table"
        if kind == "update":
            n_idx = len(t.indexes)
            per_row = _further_index_seconds(t, p)
            # Every heap page touched is written again (and its first change after a
            # checkpoint logs the whole page): pages, not rows, drive the heap write.
            pages = _pages_touched(t, rows, contiguous=has_where and "range" in how
                                   or "LIMIT" in how)
            seconds = (rows / p.update_rows_s + pages * _PAGE / (p.rewrite_mb_s * MB)
                       + rows * per_row + lookup)
            drivers["pages_written"] = round(pages)
            drivers.update(row_bytes=round(t.row_bytes), indexes_updated=n_idx)
            wal = rows * (t.row_bytes + _WAL_TUPLE_OVERHEAD + n_idx * 32)
            disk = rows * t.row_bytes
            op = "update_backfill" if not has_where else "update_batch"
        else:
            seconds = rows / p.delete_rows_s + lookup
            wal, disk = rows * _WAL_TUPLE_OVERHEAD, 0
            op = "delete_backfill" if not has_where else "delete_batch"
        # Row locks on every touched row until commit: writers to those rows wait.
        self.add(op, name, seconds, drivers, wal=wal, disk=disk,
                 lock="row locks" if rows else None)

    def insert_rows(self, name: str, is_new: bool, rows: float) -> None:
        """`rows` new rows (a series): no insertion rate is calibrated, so each is priced as
        an UPDATE's new row version is (a tuple written, an entry in every index), without
        finding an old one."""
        t = self.table(name, is_new)
        if t is None:
            return
        p = self.profile
        width = t.row_bytes or _NEW_ROW_BYTES
        seconds = rows * (1 / p.update_rows_s + _further_index_seconds(t, p)
                          + width / (p.rewrite_mb_s * MB))
        wal = rows * (width + _WAL_TUPLE_OVERHEAD + len(t.indexes) * 32)
        self.add("insert_series", name, seconds, {"rows": rows}, wal=wal, disk=rows * width)

    def attach_partition(self, parent: str, part: str, is_new: bool) -> None:
        t = self.table(part, is_new)
        par = self.table(parent)
        if t is None or par is None:
            return
        p = self.profile
        seconds = scan_seconds(t, p)
        have = {i.columns for i in t.indexes}
        missing = [i for i in par.indexes if i.columns not in have]
        build = sum(scan_seconds(t, p) + _sort_load(t.rows, DEFAULT_KEY_BYTES * len(i.columns), p)
                    for i in missing)
        size = sum(_btree_bytes(t.rows, DEFAULT_KEY_BYTES * len(i.columns)) for i in missing)
        self.add("partition_attach", part, seconds + build,
                 {"rows": t.rows, "heap_bytes": t.heap_bytes,
                  "indexes_built": len(missing)}, wal=size, disk=size)

    def vacuum(self, name: str) -> None:
        t = self.table(name)
        if t is None:
            return
        p = self.profile
        seconds = scan_seconds(t, p) + t.index_bytes / (p.scan_mb_s * MB)
        self.add("vacuum", name, seconds,
                 {"heap_bytes": t.heap_bytes, "index_bytes": t.index_bytes})

    def analyze(self, name: str) -> None:
        t = self.table(name)
        if t is None:
            return
        sample = min(t.rows, _ANALYZE_SAMPLE_ROWS)
        pages = min(t.heap_bytes, sample * max(t.row_bytes, 1.0) * 10, _ANALYZE_SAMPLE_ROWS *
                    _PAGE)
        self.add("analyze", name, pages / (self.profile.scan_mb_s * MB),
                 {"rows": sample, "heap_bytes": pages})

    def query_fill(self, kind: str, target: str, sources: list[str]) -> None:
        total = 0.0
        rows = 0.0
        size = 0
        for src in sources:
            t = self.table(src)
            if t is None:
                return
            total += (t.heap_bytes + t.toast_bytes) / (self.profile.rewrite_mb_s * MB)
            rows += t.rows
            size += t.heap_bytes + t.toast_bytes
        self.add(kind, target, total, {"rows": rows, "source_bytes": size}, wal=size,
                 disk=size)


def _further_index_seconds(t: TableStats, p: MachineProfile) -> float:
    """Per new row version: the first index (usually the primary key) is part of
    update_rows_s; each further one costs an insertion per row, more for wider keys."""
    extra = sorted(t.indexes, key=lambda i: (not i.unique, i.bytes))[1:]
    return sum(1 / p.index_insert_rows_s + max(_key_bytes_of_index(t, i) - 8, 0)
               / (p.index_insert_key_mb_s * MB) for i in extra)


def _pages_touched(t: TableStats, rows: float, contiguous: bool) -> float:
    """Heap pages holding `rows` rows: packed together (a key range on a table stored in key
    order) or spread evenly (a predicate like `col IS NULL`)."""
    pages = t.heap_bytes / _PAGE
    if t.rows <= 0 or pages <= 0:
        return 0.0
    per_page = max(t.rows / pages, 1.0)
    if contiguous or rows >= t.rows:
        return min(rows / per_page, pages)
    return pages * (1 - (1 - rows / t.rows) ** per_page)


def _where_rows(tree: dict | None, t: TableStats,
                catalog: Catalog | None = None) -> tuple[float | None, str]:
    """Rows a DML's WHERE clause matches, when it can be bounded without running it; of a
    write through views (the `catalog` knows them), the rows their WHEREs keep too: the
    smallest bound of them all."""
    from lockwise.effects.nodes import column_ref, const_value, range_var, unwrap

    if not tree:
        return None, "no parse tree"
    _, stmt = unwrap(tree)
    where = stmt.get("whereClause")
    bounds = [_bound(where, t, const_value, unwrap, _own_column(stmt))] if where else []
    if catalog is not None and stmt.get("relation"):
        # (a view's WHERE reads its one relation: each column there is the table's)
        bounds += [_bound(f, t, const_value, unwrap, column_ref)
                   for f in catalog.view_filters(range_var(stmt["relation"])[0], t.name)]
    known = [b for b in bounds if b[0] is not None]
    if known:
        return min(known, key=lambda b: b[0])
    return bounds[0] if bounds else (None, "no WHERE")


def _own_column(stmt: dict) -> Callable[[object], str | None]:
    """Which column of the statement's own table an expression is, if it is one: a column
    written under the table's name (its alias), or unqualified when no FROM or USING list
    stands beside it (the column could be a joined table's). A condition on another
    table's column says nothing of how many of this table's rows it keeps."""
    from lockwise.effects.nodes import range_name, strings, unwrap

    name = range_name(stmt.get("relation") or {})
    beside = stmt.get("fromClause") or stmt.get("usingClause")

    def own(expr: object) -> str | None:
        kind, body = unwrap(expr)
        fields = strings(body.get("fields")) if kind == "ColumnRef" else []
        if not fields or (fields[-2] != name if len(fields) > 1 else bool(beside)):
            return None
        return fields[-1]
    return own


def _partial_index_rows(tree: dict | None, t: TableStats) -> tuple[float, str]:
    """Rows a CREATE INDEX sorts: those its WHERE keeps when it can be bounded (and how),
    else every row ("" for a full index)."""
    from lockwise.effects.nodes import unwrap

    kind, stmt = unwrap(tree) if tree else ("", {})
    if kind != "IndexStmt" or not stmt.get("whereClause"):
        return t.rows, ""
    rows, how = _where_rows(tree, t)
    if rows is None:
        return t.rows, f"every row counted: {how}"
    return min(rows, t.rows), how


def _bound(expr: dict | None, t: TableStats, const_value, unwrap,
           own: Callable[[object], str | None]) -> tuple[float | None, str]:
    from lockwise.effects.nodes import walk

    kind, body = unwrap(expr)
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        known = [b for b in (_bound(a, t, const_value, unwrap, own) for a in body.get("args") or ())
                 if b[0] is not None]
        if known:
            return min(known, key=lambda b: b[0])
        return None, "no bounded condition"
    if kind == "A_Expr" and body.get("kind") == "AEXPR_BETWEEN":
        items = unwrap(body.get("rexpr"))[1].get("items") or []
        values = [const_value(i) for i in items]
        if len(values) == 2 and all(isinstance(v, int) for v in values):
            return float(max(values[1] - values[0] + 1, 0)), "BETWEEN range (keys assumed dense)"
    if kind == "NullTest":
        col = own(body.get("arg"))
        cs = t.columns.get(col or "")
        if cs is not None and cs.null_frac is not None:
            frac = cs.null_frac if body.get("nulltesttype") == "IS_NULL" else 1 - cs.null_frac
            return t.rows * frac, f"null_frac of {col}"
        return None, f"no null_frac for {col} in the stats"
    if kind == "A_Expr" and body.get("kind") == "AEXPR_OP":
        names = [unwrap(n)[1].get("sval") for n in body.get("name") or ()]
        sides = (body.get("lexpr"), body.get("rexpr"))
        col = own(sides[0]) or own(sides[1])
        # (against a value: an equality of two columns is a join, not a filter)
        other = sides[1] if own(sides[0]) else sides[0]
        constant = not any(k == "ColumnRef" for k, _ in walk(other))
        if names == ["="] and col and constant:
            cs = t.columns.get(col)
            distinct = cs.distinct_values(t.rows) if cs is not None else None
            if distinct:
                return t.rows / distinct, f"n_distinct of {col}"
            return None, f"no n_distinct for {col} in the stats"
    if kind == "SubLink":
        for k, b in walk(body.get("subselect")):
            if k == "SelectStmt" and b.get("limitCount"):
                n = const_value(b["limitCount"])
                if isinstance(n, int):
                    return float(n), "LIMIT of the subquery"
    return None, f"cannot bound a {kind or 'missing'} condition"


def with_built_indexes(t: TableStats, catalog: Catalog | None) -> TableStats:
    """`t` with the indexes the replayed migrations built on it since the stats were taken
    (the catalog knows them, the stats file does not), each sized as a new b-tree: a later
    rewrite, REINDEX or UPDATE of the table maintains them too."""
    if catalog is None:
        return t
    known = {i.name for i in t.indexes}
    built = [i for i in catalog.indexes.values() if i.table == t.name and i.name not in known]
    if not built:
        return t
    added = tuple(IndexStats(i.name, i.columns, _btree_bytes(t.rows, _key_bytes_of_columns(
        t, i.columns)[0]), i.unique) for i in built)
    return replace(t, indexes=t.indexes + added)


def estimate_statement(effect: Effect, stats: Stats, profile: MachineProfile = DEFAULT_PROFILE,
                       *, tree: dict | None = None,
                       new_tables: frozenset[str] | set[str] = frozenset(),
                       catalog: Catalog | None = None,
                       filled_tables: frozenset[str] | set[str] = frozenset()) -> Estimate:
    """Predict how long one statement runs and how long it blocks others. `catalog`: the
    schema replayed up to the statement, for the indexes built since the stats were taken;
    `new_tables`: created earlier in the migration (empty), but for `filled_tables`."""
    e = _Estimator(effect, stats, profile, frozenset(new_tables), tree, catalog,
                   filled_tables=frozenset(filled_tables))
    try:
        _classify(e)
    except _Unknown as unknown:
        # (unknown work of its own, and a body that writes at each of its rows: unbounded)
        return Estimate(None, None, [], unknown.tables, unknown.note,
                        open_ended=unknown.open_ended or routine_writes(effect) is not None)
    if e.missing:
        names = ", ".join(e.missing)
        verb = "is" if len(e.missing) == 1 else "are"
        return Estimate(None, None, [], tuple(e.missing),
                        f"{names} {verb} not in the stats file")
    overhead = profile.statement_overhead_s
    seconds = overhead + sum(o.seconds for o in e.ops)
    # A table lock is taken at the start and held to the end of the statement (and, inside a
    # transaction, to commit): every operation of the statement runs under it.
    table_locked = any(m >= BLOCKING for m in effect.locks.values())
    table_lock = seconds if table_locked else 0.0
    row_lock = sum(o.lock_seconds for o in e.ops if o.lock == "row locks")
    return Estimate(seconds, max(table_lock, row_lock), e.ops, table_lock_seconds=table_lock)


_REWRITE_KINDS = {"cluster": "cluster", "vacuum": "vacuum_full",
                  "refresh_materialized_view": "refresh_materialized_view"}
#: Rewrites that copy tuples as they are (no column computed or converted): PostgreSQL's
#: copy path is faster than ALTER TABLE's row-by-row rewrite.
_COPY_ACTIONS = {"cluster", "vacuum", "set_logged", "set_unlogged", "set_tablespace"}


def _classify(e: _Estimator) -> None:
    """Map the effect's actions onto operation classes (one table pass per rewrite/scan)."""
    effect = e.effect
    # (each call's body in full: one the effect holds once for several calls runs at each)
    every = list(every_call(effect.actions))
    actions, bodies = every, None
    if routine_writes(effect):
        # The routines' bodies are priced after the statement's own work, which says how
        # often a row trigger runs (cost.bodies).
        from lockwise.cost.bodies import split_bodies

        actions, bodies = split_bodies(effect.actions)
    kinds = {a.kind for a in actions}
    series = _series(e.tree) if "insert" in kinds else {}
    is_new = {str(a.facts.get("table")): bool(a.facts.get("table_is_new"))
              for a in actions if a.facts.get("table")}
    handled: set[str] = set()
    if "truncate" not in kinds:
        for table in sorted(effect.rewrites):
            kind = next((_REWRITE_KINDS[k] for k in kinds if k in _REWRITE_KINDS),
                        "table_rewrite")
            computed = sum(1 for a in every if a.kind == "add_column"
                           and a.facts.get("table") == table and a.facts.get("default_volatile"))
            on_table = [a.kind for a in every
                        if a.facts.get("table") == table or table in a.facts.get("tables", ())]
            copy = all(k in _COPY_ACTIONS for k in on_table)
            moved = bool(on_table) and all(k == "set_tablespace" for k in on_table)
            e.rewrite(kind, table, is_new.get(table, False), computed, copy, indexes=not moved)
            handled.add(table)
    for a in actions:
        f = a.facts
        table = str(f.get("table") or "")
        new = bool(f.get("table_is_new"))
        if a.kind == "create_index":
            e.index_build(table, new, tuple(f.get("columns") or ()), bool(f.get("concurrently")),
                          bool(f.get("unique")))
        elif a.kind == "reindex":
            index = str(f.get("index") or "")
            if not table and index:
                # The catalog did not know the index: the stats file may.
                table = next((t.name for t in e.stats.tables.values()
                              if any(i.name == index for i in t.indexes)), "")
            if not table:
                raise _Unknown((index,) if index else (),
                               f"{index or 'the indexes it rebuilds'} not in the stats file")
            e.reindex(table, index, bool(f.get("concurrently")))
        elif a.kind == "add_constraint":
            ctype = f.get("constraint_type")
            if ctype == "foreign" and not f.get("not_valid"):
                e.fk_validation(table, str(f.get("ref_table")), new)
            elif ctype in ("unique", "primary", "exclude") and not f.get("using_index"):
                e.index_build(table, new, tuple(f.get("columns") or ()), False, True)
        elif a.kind == "add_column" and (f.get("primary_key") or f.get("unique")):
            e.index_build(table, new, (str(f.get("column")),), False, True)
        elif a.kind == "validate_constraint":
            if f.get("constraint_type") == "foreign" and not f.get("already_valid"):
                ref = _fk_reference(e, table, str(f.get("constraint")))
                if ref:
                    e.fk_validation(table, ref, new)
                    handled.add(table)
        elif a.kind == "insert" and (sources := _fill_sources(effect)):
            e.query_fill("insert_select", table, sources)
            handled.update(sources)
        elif a.kind in ("do_block", "copy", "call") or (a.kind == "insert" and any(
                r != f"table:{table}" for r in effect.reads)):
            raise _Unknown(note=f"the work of a {a.kind.replace('_', ' ')} depends on data "
                           "lockwise does not read")
        elif a.kind == "insert" and (rows := series.get(str(f.get("table_name")))):
            if rows == UNREAD:
                raise _Unknown(note=f"the rows generate_series adds to {table} are unknown: "
                               "its bounds are not integer constants")
            e.insert_rows(table, new, rows)
        elif a.kind in ("update", "delete") and table:
            e.dml(a.kind, table, new, bool(f.get("has_where")), tuple(f.get("columns") or ()))
            handled.add(table)
        elif a.kind == "attach_partition":
            part = str(f.get("partition"))
            e.attach_partition(table, part, bool(f.get("partition_is_new")))
            handled.add(part)
        elif a.kind in ("vacuum", "analyze", "cluster") and not table and not f.get("tables"):
            raise _Unknown(note=f"a database-wide {a.kind.upper()} is not estimated")
        elif a.kind == "vacuum" and not f.get("full"):
            for t in f.get("tables") or ():
                e.vacuum(t)
                handled.add(t)
        elif a.kind == "analyze":
            for t in f.get("tables") or ():
                e.analyze(t)
                handled.add(t)
        elif a.kind in ("create_table_as", "create_materialized_view") and f.get("with_data"):
            sources = _fill_sources(effect)
            e.query_fill(a.kind, table, sources)
            handled.update(sources)
    if bodies is not None:
        handled.update(_price_bodies(e, bodies, actions))
    # A scan repeated for each row changed: as many passes as rows, which no pass stands for.
    from lockwise.effects.postgres.builder import SCAN_ENDS_AT_A_ROW
    from lockwise.effects.postgres.queries import FOR_EACH_ROW

    repeated = [t for t, why in effect.scans.items() if why.startswith(FOR_EACH_ROW)]
    if repeated:
        raise _Unknown(note=f"{', '.join(sorted(repeated))} read in full for each row the "
                            "statement changes (no index serves the foreign key): not "
                            "estimated")
    # Remaining scans: validation passes (ALTER TABLE checks all new constraints in one pass).
    # One that ends at the first row costs nothing: the statement fails there.
    for table, why in sorted(effect.scans.items()):
        if table in handled or table in effect.rewrites or why.startswith(
                ("index build", "index rebuild", "foreign key validation", "partition bound",
                 SCAN_ENDS_AT_A_ROW)):
            continue
        e.full_scan(table, is_new.get(table, False), why)


def _price_bodies(e: _Estimator, bodies: list, own: list[Action]) -> set[str]:
    """The routine bodies' work (`cost.bodies`), a row trigger's by the rows the statement's
    own write changes (its operation's, or its INSERT's VALUES lists); none they cannot be
    priced (never brief: `open_ended`). The tables a body writes whole: priced with its
    runs, no further pass of their own."""
    from lockwise.cost.bodies import Unpriced, inserted_rows, price_bodies

    written = next((str(a.facts.get("table")) for a in own if a.kind in (
        "insert", "update", "delete")), None)
    rows = next((o.drivers.get("rows") for o in e.ops if o.table == written and
                 isinstance(o.drivers.get("rows"), (int, float))), None)
    if rows is None and written is not None and any(a.kind == "insert" for a in own):
        rows = inserted_rows(e.tree)
    try:
        price_bodies(e, bodies, rows)
    except Unpriced as why:
        raise _Unknown(note=str(why), open_ended=True) from None
    return {o.table for o in e.ops if "body_runs" in o.drivers}


def _series(tree: dict | None) -> dict[str, float]:
    """Rows generate_series inserts, by table as written (summed over its INSERTs)."""
    rows: dict[str, float] = {}
    for table, count in series_inserts(tree):
        before = rows.get(table, 0.0)
        rows[table] = UNREAD if UNREAD in (before, count) else before + count
    return rows


def _fill_sources(effect: Effect) -> list[str]:
    """The tables a query reads in full to fill a table (CREATE TABLE AS, INSERT ... SELECT
    of a whole relation: its scans say so): the rows it writes are theirs."""
    return [r for r, why in effect.scans.items() if "fill" in why]


def _fk_reference(e: _Estimator, table: str, constraint: str) -> str | None:
    """The referenced table of a FK being validated: from the locks (ROW SHARE on it)."""
    others = [t for t, m in e.effect.locks.items() if t != table and m == LockMode.ROW_SHARE]
    return others[0] if others else None
