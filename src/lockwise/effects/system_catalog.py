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


#: The shared catalogs a new connection reads while it logs in (its database, its role and
#: their settings): while a transaction holds ACCESS EXCLUSIVE on one, no new connection to
#: any database of the server gets in (checked on the server).
LOGIN_CATALOGS = frozenset({"pg_catalog.pg_authid", "pg_catalog.pg_database",
                            "pg_catalog.pg_db_role_setting"})


@lru_cache(maxsize=1)
def _data() -> dict:
    data: dict = json.loads(_DATA.read_text())
    return data


@lru_cache(maxsize=1)
def _relations() -> frozenset[str]:
    return frozenset(_data()["pg_catalog"])


def view_locks(name: str) -> tuple[str, ...]:
    """The relations (qualified) LOCK TABLE on `name`, a view of pg_catalog (qualified), locks
    besides, as the server does (pg_roles: pg_authid and pg_db_role_setting); () for any other
    name."""
    if not name.startswith("pg_catalog.pg_"):
        return ()
    return tuple(f"pg_catalog.{r}" for r in _data()["view_locks"].get(name[11:], ()))


def is_system_relation(name: str) -> bool:
    """Whether `name` (unqualified, as stored) is a table or view of pg_catalog."""
    # Every one of them is named pg_*: other names never read the file.
    return name.startswith("pg_") and name in _relations()
