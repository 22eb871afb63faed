"""The tables and views of pg_catalog, from a real server (data/relations.json).

The server looks an unqualified relation name up in pg_catalog before the schemas of the
search_path (unless the path names pg_catalog itself): `pg_index` in a migration is
pg_catalog.pg_index, whatever the path.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "relations.json"


@lru_cache(maxsize=1)
def _relations() -> frozenset[str]:
    return frozenset(json.loads(_DATA.read_text())["pg_catalog"])


def is_system_relation(name: str) -> bool:
    """Whether `name` (unqualified, as stored) is a table or view of pg_catalog."""
    # Every one of them is named pg_*: other names never read the file.
    return name.startswith("pg_") and name in _relations()
