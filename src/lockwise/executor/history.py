"""The history table: what the executor did to a database, one row per attempt.

Each attempt to apply a migration adds a row; rollbacks and repairs update the row they act on,
so the table is also the audit log. The state of a version is read from its latest row
(see `versions_state`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DEFAULT_HISTORY_TABLE = "lockwise.schema_history"

#: A plain SQL identifier as people write them (quoted with psycopg.sql.Identifier anyway).
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")

KIND_APPLY, KIND_BASELINE, KIND_REPAIR, KIND_ROLLBACK = "apply", "baseline", "repair", "rollback"


class HistoryNameError(ValueError):
    """The --history-table value is not `table` or `schema.table`."""


@dataclass(frozen=True, slots=True)
class HistoryTable:
    """Where the history lives: an optional schema and a table name, validated."""

    schema: str | None
    table: str

    @classmethod
    def parse(cls, text: str) -> HistoryTable:
        parts = text.strip().split(".")
        if len(parts) > 2 or not all(_IDENT.match(p) for p in parts):
            raise HistoryNameError(
                f"invalid history table name {text!r}: use `table` or `schema.table`, each a "
                "letter or underscore followed by letters, digits, _ or $ (at most 63)")
        return cls(parts[0], parts[1]) if len(parts) == 2 else cls(None, parts[0])

    @property
    def display(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def ident(self):
        from psycopg import sql

        return sql.Identifier(self.schema, self.table) if self.schema else \
            sql.Identifier(self.table)

    @property
    def lock_key(self) -> int:
        """The advisory lock key of runners sharing this history table (a signed int8)."""
        digest = hashlib.sha256(f"lockwise:{self.display}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    version: str
    description: str
    checksum: str | None
    checksum_version: int | None
    executed_at: datetime | None
    execution_time_ms: int | None
    applied_by: str | None
    success: bool | None
    error_message: str | None
    failed_statement_index: int | None
    statements_completed: int | None
    transactional: bool | None
    rolled_back: bool
    rolled_back_at: datetime | None
    safety: str | None
    ignored_rules: Any
    predicted_seconds: float | None
    kind: str
    repaired_at: datetime | None


_COLUMNS = [f for f in HistoryRow.__dataclass_fields__]

_CREATE = """
CREATE TABLE IF NOT EXISTS {table} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version text NOT NULL,
    description text NOT NULL DEFAULT '',
    checksum text,
    checksum_version integer,
    executed_at timestamptz NOT NULL DEFAULT now(),
    execution_time_ms bigint,
    applied_by text NOT NULL DEFAULT session_user,
    success boolean,
    error_message text,
    failed_statement_index integer,
    statements_completed integer,
    transactional boolean,
    rolled_back boolean NOT NULL DEFAULT false,
    rolled_back_at timestamptz,
    safety text,
    ignored_rules jsonb NOT NULL DEFAULT '[]'::jsonb,
    predicted_seconds double precision,
    kind text NOT NULL DEFAULT 'apply',
    repaired_at timestamptz
)
"""


def ensure_table(conn, table: HistoryTable) -> None:
    """Create the history table (and its schema) if missing. Call while holding the runner
    lock, so two runners never race on the DDL."""
    from psycopg import sql

    with conn.transaction():
        if table.schema:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(table.schema)))
        conn.execute(sql.SQL(_CREATE).format(table=table.ident()))


def resolve(conn, table: HistoryTable) -> HistoryTable:
    """`table` with its schema made explicit, as PostgreSQL resolves it on `conn`: the schema of
    the existing table found through search_path, else the one CREATE TABLE would use
    (current_schema()). Every spelling of one table then shares one runner lock key.
    HistoryNameError when search_path names no existing schema to create it in."""
    if table.schema:
        return table
    row = conn.execute("SELECT n.nspname FROM pg_class c JOIN pg_namespace n "
                       "ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)",
                       (table.ident().as_string(conn),)).fetchone()
    schema = row[0] if row else conn.execute("SELECT current_schema()").fetchone()[0]
    if schema is None:
        raise HistoryNameError(
            f"history table {table.table!r} has no schema to live in: the search_path names no "
            "existing schema; pass --history-table schema.table")
    return HistoryTable(schema, table.table)


def table_exists(conn, table: HistoryTable) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                       (table.ident().as_string(conn),)).fetchone()
    return bool(row and row[0])


def read_rows(conn, table: HistoryTable) -> list[HistoryRow]:
    """Every row, oldest first; empty when the table does not exist yet."""
    from psycopg import sql

    if not table_exists(conn, table):
        return []
    query = sql.SQL("SELECT {cols} FROM {table} ORDER BY id").format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in _COLUMNS), table=table.ident())
    return [HistoryRow(*r) for r in conn.execute(query).fetchall()]


def insert_row(conn, table: HistoryTable, **values: Any) -> int:
    """Insert one row; returns its id. `ignored_rules` is stored as jsonb."""
    from psycopg import sql

    if "ignored_rules" in values:
        values["ignored_rules"] = json.dumps(values["ignored_rules"])
    names = list(values)
    query = sql.SQL("INSERT INTO {table} ({cols}) VALUES ({vals}) RETURNING id").format(
        table=table.ident(), cols=sql.SQL(", ").join(sql.Identifier(n) for n in names),
        vals=sql.SQL(", ").join(sql.Placeholder() * len(names)))
    row = conn.execute(query, [values[n] for n in names]).fetchone()
    return int(row[0])


def update_row(conn, table: HistoryTable, row_id: int, **values: Any) -> None:
    from psycopg import sql

    query = sql.SQL("UPDATE {table} SET {sets} WHERE id = %s").format(
        table=table.ident(),
        sets=sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(n), sql.Placeholder())
                                for n in values))
    conn.execute(query, [*values.values(), row_id])


def blocking(row: HistoryRow) -> bool:
    """A failed or interrupted run that `repair` has not cleared yet."""
    return row.success is not True and row.repaired_at is None


def latest_by_version(rows: list[HistoryRow]) -> dict[str, HistoryRow]:
    """The row that decides each version's state (rows come oldest first): its latest apply
    row, or a later rollback row while that rollback is failed or interrupted. A finished or
    cleared rollback leaves the state to the apply row (`rolled_back` says whether it is
    undone)."""
    latest: dict[str, HistoryRow] = {}
    for row in rows:
        if row.kind == KIND_BASELINE or (row.kind == KIND_ROLLBACK and not blocking(row)):
            continue
        latest[row.version] = row
    return latest


def resumes(rows: list[HistoryRow], version: str, kind: str) -> bool:
    """Whether a new run of `version` of `kind` (an apply, or a rollback: its down migration)
    continues a run of the same kind that failed or was interrupted and that `repair` cleared:
    the latest row of the version is that run. Its batched statements then resume; any other
    run (a first apply, a re-apply after a rollback) runs them from the start."""
    found = [r for r in rows if r.version == version and r.kind != KIND_BASELINE]
    if not found:
        return False
    last = found[-1]
    return ((last.kind == KIND_ROLLBACK) == (kind == KIND_ROLLBACK)
            and last.success is not True and last.repaired_at is not None)


def applied_row(rows: list[HistoryRow], version: str) -> HistoryRow | None:
    """The latest apply (or repair) row of `version`: the one a rollback undoes."""
    found = [r for r in rows if r.version == version
             and r.kind not in (KIND_BASELINE, KIND_ROLLBACK)]
    return found[-1] if found else None


def baseline_row(rows: list[HistoryRow]) -> HistoryRow | None:
    """The baseline in force: the latest baseline row not rolled back."""
    found = [r for r in rows if r.kind == KIND_BASELINE and not r.rolled_back]
    return found[-1] if found else None
