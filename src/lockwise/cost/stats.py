"""The statistics file: how big each table is, read by the cost model.

A JSON document (format described in docs/cost-model.md):

    {"format": "lockwise-stats", "version": 1, "server_version": "18.1", "collected_at": "...",
     "collation": "en_US.UTF-8",
     "tables": {"public.orders": {"rows": 1200000, "heap_bytes": 98566144, "toast_bytes": 0,
                "kind": "table",
                "indexes": [{"name": "public.orders_pkey", "columns": ["id"],
                             "bytes": 26984448, "unique": true}],
                "columns": {"note": {"null_frac": 0.9, "n_distinct": -0.1, "avg_width": 12}}}}}

`lockwise stats --dsn URL` writes it (lockwise.cost.collect); people may also write it by hand.
Only the sizes matter, never table contents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lockwise.core.numbers import number_in
from lockwise.parse.source import InputError, parse_json, read_text_file

FORMAT = "lockwise-stats"
VERSION = 1


@dataclass(frozen=True, slots=True)
class IndexStats:
    name: str
    columns: tuple[str, ...]
    bytes: int
    unique: bool = False


@dataclass(frozen=True, slots=True)
class ColumnStats:
    #: Fraction of rows where the column is NULL (pg_stats.null_frac).
    null_frac: float | None = None
    #: pg_stats.n_distinct: > 0 a count of distinct values, < 0 minus a fraction of the rows.
    n_distinct: float | None = None
    #: Average width in bytes of non-null values (pg_stats.avg_width).
    avg_width: int | None = None
    #: Physical row order vs this column's order, -1 to 1 (pg_stats.correlation).
    correlation: float | None = None

    def distinct_values(self, rows: float) -> float | None:
        if self.n_distinct is None or self.n_distinct == 0:
            return None
        return self.n_distinct if self.n_distinct > 0 else -self.n_distinct * rows


@dataclass(frozen=True, slots=True)
class TableStats:
    name: str
    rows: float
    heap_bytes: int
    toast_bytes: int = 0
    indexes: tuple[IndexStats, ...] = ()
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    kind: str = "table"

    @property
    def index_bytes(self) -> int:
        return sum(i.bytes for i in self.indexes)

    @property
    def row_bytes(self) -> float:
        """Average on-disk bytes per row in the heap (tuple, header and page overhead)."""
        return self.heap_bytes / self.rows if self.rows > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Stats:
    tables: dict[str, TableStats]
    server_version: str = ""
    collected_at: str = ""
    #: The database's default collation (`effects.collations.database_collation`); "" when
    #: not known (a file written by hand, or by an older lockwise).
    collation: str = ""

    def table(self, name: str) -> TableStats | None:
        """Stats for a qualified name (`public.orders`); unqualified names mean `public`."""
        if "." not in name:
            name = f"public.{name}"
        return self.tables.get(name)

    def to_dict(self) -> dict:
        tables = {}
        for name, t in sorted(self.tables.items()):
            entry: dict = {"kind": t.kind, "rows": t.rows, "heap_bytes": t.heap_bytes,
                           "toast_bytes": t.toast_bytes,
                           "indexes": [{"name": i.name, "columns": list(i.columns),
                                        "bytes": i.bytes, "unique": i.unique}
                                       for i in t.indexes]}
            if t.columns:
                entry["columns"] = {
                    c: {k: v for k, v in (("null_frac", s.null_frac),
                                          ("n_distinct", s.n_distinct),
                                          ("avg_width", s.avg_width),
                                          ("correlation", s.correlation)) if v is not None}
                    for c, s in sorted(t.columns.items())}
            tables[name] = entry
        return {"format": FORMAT, "version": VERSION, "server_version": self.server_version,
                "collected_at": self.collected_at,
                **({"collation": self.collation} if self.collation else {}), "tables": tables}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"


#: Largest count or size a stats file may give: far beyond any PostgreSQL table (32 TB of
#: heap at most with 8 kB pages), so only a typo or an overflow reaches it.
_MOST = 1e16


def _number(value: object, where: str, path: Path | None) -> float:
    number = number_in(value, 0, _MOST)
    if number is None:
        raise InputError(f"{where} must be a non-negative number up to {_MOST:g}, "
                         f"not {value!r}", path)
    return number


def stats_from_dict(doc: object, path: Path | None = None) -> Stats:
    """Validate and read a stats document; every problem is an InputError naming the field."""
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise InputError("not a lockwise stats file: expected an object with \"tables\"", path)
    if doc.get("format", FORMAT) != FORMAT:
        raise InputError(f"not a lockwise stats file (format {doc.get('format')!r})", path)
    if doc.get("version", VERSION) != VERSION:
        raise InputError(f"unsupported stats file version {doc.get('version')!r}; "
                         f"this lockwise reads version {VERSION}", path)
    tables: dict[str, TableStats] = {}
    for name, raw in doc["tables"].items():
        where = f"tables.{name}"
        if not isinstance(raw, dict):
            raise InputError(f"{where} must be an object", path)
        qualified = name if "." in name else f"public.{name}"
        indexes = []
        if not isinstance(raw.get("indexes") or [], list):
            raise InputError(f"{where}.indexes must be a list of objects", path)
        for i, idx in enumerate(raw.get("indexes") or ()):
            iw = f"{where}.indexes[{i}]"
            if not isinstance(idx, dict) or not isinstance(idx.get("name"), str):
                raise InputError(f"{iw} needs a \"name\"", path)
            cols = idx.get("columns") or []
            if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
                raise InputError(f"{iw}.columns must be a list of column names", path)
            indexes.append(IndexStats(idx["name"], tuple(cols),
                                      int(_number(idx.get("bytes", 0), f"{iw}.bytes", path)),
                                      bool(idx.get("unique", False))))
        columns = {}
        if not isinstance(raw.get("columns") or {}, dict):
            raise InputError(f"{where}.columns must be an object of column names", path)
        for col, cs in (raw.get("columns") or {}).items():
            cw = f"{where}.columns.{col}"
            if not isinstance(cs, dict):
                raise InputError(f"{cw} must be an object", path)
            nd = cs.get("n_distinct")
            if nd is not None and number_in(nd, -_MOST, _MOST) is None:
                raise InputError(f"{cw}.n_distinct must be a finite number", path)
            nf = cs.get("null_frac")
            if nf is not None and number_in(nf, 0, 1) is None:
                raise InputError(f"{cw}.null_frac must be between 0 and 1", path)
            aw = cs.get("avg_width")
            cor = cs.get("correlation")
            if cor is not None and number_in(cor, -1, 1) is None:
                raise InputError(f"{cw}.correlation must be between -1 and 1", path)
            columns[col] = ColumnStats(
                correlation=float(cor) if cor is not None else None,
                null_frac=float(nf) if nf is not None else None,
                n_distinct=float(nd) if nd is not None else None,
                avg_width=int(_number(aw, f"{cw}.avg_width", path)) if aw is not None else None)
        if "rows" not in raw or "heap_bytes" not in raw:
            raise InputError(f"{where} needs \"rows\" and \"heap_bytes\"", path)
        tables[qualified] = TableStats(
            name=qualified, rows=_number(raw["rows"], f"{where}.rows", path),
            heap_bytes=int(_number(raw["heap_bytes"], f"{where}.heap_bytes", path)),
            toast_bytes=int(_number(raw.get("toast_bytes", 0), f"{where}.toast_bytes", path)),
            indexes=tuple(indexes), columns=columns, kind=str(raw.get("kind", "table")))
    collation = doc.get("collation", "")
    if not isinstance(collation, str):
        raise InputError(f"collation must be a collation's name (a string), not {collation!r}",
                         path)
    return Stats(tables, str(doc.get("server_version", "")), str(doc.get("collected_at", "")),
                 collation.strip())


def load_stats(path: Path) -> Stats:
    """Read a stats file; a missing, unreadable or malformed file is an InputError."""
    text = read_text_file(Path(path), "stats file")
    return stats_from_dict(parse_json(text, path, "stats file"), path)
