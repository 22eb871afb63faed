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
        return self._key("lockwise")

    @property
    def statement_lock_key(self) -> int:
        """The advisory lock key held by the connection that runs the migrations (lock.py)."""
        return self._key("lockwise-statement")

    def _key(self, prefix: str) -> int:
        digest = hashlib.sha256(f"{prefix}:{self.display}".encode()).digest()
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
    #: sha256 of the statements a statement-by-statement run completed
    #: (checksum.statements_checksum): a cleared run resumes only over unchanged statements.
    completed_checksum: str | None = None
    #: The backend pid of the lock connection of the runner that wrote the row (the runner
    #: lock's holder while it ran): `status` tells its run in progress from a dead one's.
    runner_pid: int | None = None


#: What lockwise adds to the error_message of a run that failed on lock_timeout: PostgreSQL's
#: own words depend on lc_messages, these do not (status reads them).
LOCK_TIMEOUT_NOTE = "waited longer than lock_timeout for other sessions' locks"

#: Every column: its type as format_type() spells it, and the rest of its definition.
_SPEC: dict[str, tuple[str, str]] = {
    "id": ("bigint", "GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    "version": ("text", "NOT NULL"),
    "description": ("text", "NOT NULL DEFAULT ''"),
    "checksum": ("text", ""),
    "checksum_version": ("integer", ""),
    "executed_at": ("timestamp with time zone", "NOT NULL DEFAULT now()"),
    "execution_time_ms": ("bigint", ""),
    "applied_by": ("text", "NOT NULL DEFAULT session_user"),
    "success": ("boolean", ""),
    "error_message": ("text", ""),
    "failed_statement_index": ("integer", ""),
    "statements_completed": ("integer", ""),
    "transactional": ("boolean", ""),
    "rolled_back": ("boolean", "NOT NULL DEFAULT false"),
    "rolled_back_at": ("timestamp with time zone", ""),
    "safety": ("text", ""),
    "ignored_rules": ("jsonb", "NOT NULL DEFAULT '[]'::jsonb"),
    "predicted_seconds": ("double precision", ""),
    "kind": ("text", "NOT NULL DEFAULT 'apply'"),
    "repaired_at": ("timestamp with time zone", ""),
    "completed_checksum": ("text", ""),
    "runner_pid": ("integer", ""),
}
#: Columns added after the first release: a table an older lockwise created lacks them; they
#: read as NULL until a runner adds them (under the runner lock). The others must be there.
_ADDED = ("completed_checksum", "runner_pid")

_COLUMNS = list(_SPEC)

_CREATE = "CREATE TABLE IF NOT EXISTS {table} (" + ", ".join(
    f"{name} {type_} {rest}".strip() for name, (type_, rest) in _SPEC.items()) + ")"


class HistorySchemaError(ValueError):
    """The history table is not one lockwise can read (changed by hand, or another table)."""


def ensure_table(conn, table: HistoryTable) -> None:
    """Create the history table (and its schema) if missing, add the columns an older lockwise
    did not have, and check the rest (HistorySchemaError). Call while holding the runner lock,
    so two runners never race on the DDL."""
    from psycopg import sql

    with conn.transaction():
        # Only when it is missing: CREATE SCHEMA IF NOT EXISTS checks CREATE on the database
        # before it looks, which a deploy role with CREATE on its schemas alone does not have.
        if table.schema and conn.execute("SELECT NOT EXISTS (SELECT FROM pg_namespace WHERE "
                                         "nspname = %s)", (table.schema,)).fetchone()[0]:
            _create_schema(conn, table)
        conn.execute(sql.SQL(_CREATE).format(table=table.ident()))
        found = _check_columns(conn, table)
        for name in _ADDED:
            if name not in found:
                type_, rest = _SPEC[name]
                conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}").format(
                    table.ident(), sql.Identifier(name), sql.SQL(f"{type_} {rest}".strip())))


def _create_schema(conn, table: HistoryTable) -> None:
    from psycopg import errors, sql

    try:
        with conn.transaction():  # a savepoint: the error is reported, not the aborted block
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(table.schema)))
    except errors.InsufficientPrivilege as exc:
        raise HistorySchemaError(
            f"cannot create schema {table.schema} for the history table {table.display}: "
            f"{str(exc).strip()}. Have it created for this role (CREATE SCHEMA {table.schema} "
            "AUTHORIZATION <role>), or pass --history-table (history_table in the config) "
            "naming a schema the role may create tables in") from None


def _check_columns(conn, table: HistoryTable) -> set[str]:
    """The lockwise columns `table` has; HistorySchemaError when one it needs is missing or of
    another type (a table changed by hand, or not a history table at all): reading on would
    misjudge what is applied."""
    found = dict(conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
        (table.ident().as_string(conn),)).fetchall())
    wrong = [f"{name} (missing)" if name not in found else
             f"{name} ({found[name]}, expected {type_})"
             for name, (type_, _) in _SPEC.items()
             if (name not in found and name not in _ADDED)
             or (name in found and found[name] != type_)]
    if wrong:
        raise HistorySchemaError(
            f"{table.display} is not a lockwise history table, or was changed by hand: "
            f"{', '.join(wrong)}. Restore its columns (see docs/executor.md), or pass "
            "--history-table for another table")
    return set(found) & set(_SPEC)


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


def own_relations(conn, table: HistoryTable) -> list[tuple[str, str]]:
    """(schema, name) of each relation the executor keeps in the database for the history
    `table`, placed as `resolve` places it: the history table and its batch progress table.
    They are listed whether they exist or not."""
    from lockwise.executor.batches import progress_table_name

    placed = resolve(conn, table)
    return [(placed.schema, placed.table), (placed.schema, progress_table_name(placed.table))]


def table_exists(conn, table: HistoryTable) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                       (table.ident().as_string(conn),)).fetchone()
    return bool(row and row[0])


def read_rows(conn, table: HistoryTable) -> list[HistoryRow]:
    """Every row, oldest first; empty when the table does not exist yet. Columns an older
    lockwise did not have read as NULL; HistorySchemaError when the table is not readable."""
    from psycopg import sql

    if not table_exists(conn, table):
        return []
    found = _check_columns(conn, table)
    cols = [sql.Identifier(c) if c in found else sql.SQL("NULL") for c in _COLUMNS]
    query = sql.SQL("SELECT {cols} FROM {table} ORDER BY id").format(
        cols=sql.SQL(", ").join(cols), table=table.ident())
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


def resumed_run(rows: list[HistoryRow], version: str, kind: str) -> HistoryRow | None:
    """The run a new run of `version` of `kind` (an apply, or a rollback: its down migration)
    continues: a run of the same kind that failed or was interrupted and that `repair`
    cleared, when it is the latest row of the version. Its committed statements and batches
    are not run again; any other run (a first apply, a re-apply after a rollback) runs every
    statement."""
    found = [r for r in rows if r.version == version and r.kind != KIND_BASELINE]
    if not found:
        return None
    last = found[-1]
    same_kind = (last.kind == KIND_ROLLBACK) == (kind == KIND_ROLLBACK)
    return last if same_kind and last.success is not True and last.repaired_at is not None \
        else None


def resumes(rows: list[HistoryRow], version: str, kind: str) -> bool:
    """Whether a new run of `version` of `kind` continues a cleared failed run (resumed_run)."""
    return resumed_run(rows, version, kind) is not None


def applied_row(rows: list[HistoryRow], version: str) -> HistoryRow | None:
    """The latest apply (or repair) row of `version`: the one a rollback undoes."""
    found = [r for r in rows if r.version == version
             and r.kind not in (KIND_BASELINE, KIND_ROLLBACK)]
    return found[-1] if found else None


def baseline_row(rows: list[HistoryRow]) -> HistoryRow | None:
    """The baseline in force: the latest baseline row not rolled back."""
    found = [r for r in rows if r.kind == KIND_BASELINE and not r.rolled_back]
    return found[-1] if found else None
