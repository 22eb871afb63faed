"""The machine profile: how fast this server scans, rewrites, sorts and updates.

Defaults are a rounded `lockwise calibrate` run on a small cloud VM (2 vCPU, tables read from
the OS cache, PostgreSQL 18 with default settings); `lockwise calibrate` measures your own
(docs/cost-model.md lists every constant).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from lockwise.core.numbers import number_in
from lockwise.parse.source import InputError, parse_json, read_text_file

FORMAT = "lockwise-profile"
VERSION = 1


@dataclass(frozen=True, slots=True)
class MachineProfile:
    #: Sequential heap scan with a per-row check (validation, FK, SET NOT NULL), MB/s of heap.
    scan_mb_s: float = 750.0
    #: Table rewrite (read old heap, write new heap and WAL), MB/s of heap + TOAST.
    rewrite_mb_s: float = 40.0
    #: Rewrite that copies tuples unchanged (VACUUM FULL, CLUSTER, SET LOGGED/UNLOGGED).
    copy_mb_s: float = 90.0
    #: Rewrite with a volatile default (gen_random_uuid(), random()): rows computed per second.
    volatile_default_rows_s: float = 100_000.0
    #: B-tree build: sorting and loading, per row (8-byte key), excluding the heap scan.
    index_build_rows_s: float = 2_000_000.0
    #: B-tree build on input already in key order (pg_stats.correlation +-1), per row.
    index_build_sorted_rows_s: float = 3_500_000.0
    #: B-tree build: extra cost per key byte beyond the row cost, MB/s of key data.
    index_key_mb_s: float = 15.0
    #: CREATE INDEX CONCURRENTLY takes this many times a plain build (two scans, a validation).
    concurrent_index_factor: float = 1.5
    #: UPDATE: rows per second of a table with one index (its primary key), row bytes
    #: charged at rewrite_mb_s on top.
    update_rows_s: float = 230_000.0
    #: UPDATE: entries per second inserted into each further index (8-byte key); new row
    #: versions rarely fit their page, so updates are not HOT and every index gets an entry.
    index_insert_rows_s: float = 180_000.0
    #: UPDATE: extra index insertion cost per key byte beyond 8, MB/s of key data.
    index_insert_key_mb_s: float = 2.2
    #: DELETE: rows marked deleted per second.
    delete_rows_s: float = 1_000_000.0
    #: UPDATE/DELETE with a WHERE: rows per second found through an index (a batch).
    lookup_rows_s: float = 5_000_000.0
    #: Foreign key validation: referencing rows checked per second (the anti-join).
    fk_check_rows_s: float = 2_800_000.0
    #: Fixed cost of any statement: parse, catalog updates, commit.
    statement_overhead_s: float = 0.002
    #: Where the numbers come from: "defaults" or the calibration run that measured them.
    source: str = "defaults"

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": VERSION, **asdict(self)}, indent=2) + "\n"


DEFAULT_PROFILE = MachineProfile()

_NUMERIC = [f.name for f in fields(MachineProfile) if f.name != "source"]
#: Bounds of a profile's rates and durations: beyond them a typo, or a value (1e-320) whose
#: estimates overflow to infinity.
_LEAST, _MOST = 1e-9, 1e12


def profile_from_dict(doc: object, path: Path | None = None) -> MachineProfile:
    """A profile from its JSON form; constants it leaves out keep their defaults."""
    if not isinstance(doc, dict) or doc.get("format", FORMAT) != FORMAT:
        raise InputError("not a lockwise machine profile (expected \"format\": "
                         f"\"{FORMAT}\")", path)
    if doc.get("version", VERSION) != VERSION:
        raise InputError(f"unsupported profile version {doc.get('version')!r}", path)
    unknown = set(doc) - {*_NUMERIC, "source", "format", "version", "measured"}
    if unknown:
        raise InputError(f"unknown profile keys: {', '.join(sorted(unknown))}", path)
    values: dict = {}
    for name in _NUMERIC:
        if name in doc:
            number = number_in(doc[name], _LEAST, _MOST)
            if number is None:
                raise InputError(f"{name} must be a positive number from {_LEAST:g} to "
                                 f"{_MOST:g}, not {doc[name]!r}", path)
            values[name] = number
    if "source" in doc:
        values["source"] = str(doc["source"])
    return replace(DEFAULT_PROFILE, **values)


def load_profile(path: Path) -> MachineProfile:
    text = read_text_file(Path(path), "profile")
    return profile_from_dict(parse_json(text, path, "profile"), path)
