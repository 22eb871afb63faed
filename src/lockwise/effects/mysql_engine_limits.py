"""What the CSV and ARCHIVE storage engines refuse an ALTER TABLE, whatever the rows: the
server answers with an error and the migration stops (fix-mysql59, checked on MariaDB 10.11
with its ha_archive plugin; MySQL 8 has the same engines and errors, from its manual's "The
CSV Storage Engine" and "The ARCHIVE Storage Engine" only).

- CSV keeps no index (1069 "Too many keys specified; max 0 keys allowed"), no nullable
  column (1178) and no AUTO_INCREMENT column (1164).
- ARCHIVE keeps at most one index (1069, "max 1 keys"), on NOT NULL columns (1121) and on
  its AUTO_INCREMENT column only (1005, errno 140 "Wrong create options").

BLACKHOLE takes every operation (it stores no row): nothing here.
"""

from __future__ import annotations

import re

from lockwise.catalog.model import Table

_NOT_NULL = re.compile(r"\bNOT\s+NULL\b|\bPRIMARY\s+KEY\b", re.I)
_AUTO_INCREMENT = re.compile(r"\bAUTO_INCREMENT\b(?!\s*=)", re.I)
_KEY_OPERATIONS = ("add_index", "add_primary_key", "add_fulltext_index", "add_spatial_index")


def _refusal(code: int, server_error: str, why: str) -> dict:
    return {"error_code": code, "server_error": server_error, "why_text": why}


def _clause(clauses: list[str], column: str) -> str:
    """The operation text of `clauses` that adds or changes `column` ("" when none does)."""
    name = re.escape(column)
    found = re.compile(rf"^(?:ADD|MODIFY|CHANGE)(?:\s+COLUMN)?\s+(?:IF\s+NOT\s+EXISTS\s+|IF\s+"
                       rf"EXISTS\s+)?[`\"]?{name}[`\"]?\s", re.I)
    return next((c for c in clauses if found.match(c.strip())), "")


_NO_CSV_KEY = _refusal(1069, "Too many keys specified; max 0 keys allowed",
                       "the CSV engine keeps no index")


def _csv_column(name: str, nullable: bool, auto_increment: bool) -> dict | None:
    """CSV's refusal of column `name` (None: it takes it)."""
    if auto_increment:
        return _refusal(1164, "Storage engine CSV doesn't support AUTO_INCREMENT columns",
                        "the CSV engine keeps no AUTO_INCREMENT column")
    if nullable:
        return _refusal(1178, "The storage engine for the table doesn't support nullable "
                              "columns", f"the CSV engine keeps no nullable column ({name})")
    return None


def _csv(operations: list[tuple[str, dict]], clauses: list[str]) -> dict | None:
    for op, extra in operations:
        if op.startswith(_KEY_OPERATIONS):
            return dict(_NO_CSV_KEY)
        column = extra.get("column", "")
        text = _clause(clauses, column) if column else ""
        if found := _csv_column(column, op == "make_column_nullable" or bool(
                op.startswith("add_column") and text and not _NOT_NULL.search(text)),
                op == "add_column_auto_increment" or bool(_AUTO_INCREMENT.search(text))):
            return found
    return None


def _archive(known: Table, operations: list[tuple[str, dict]], clauses: list[str]
             ) -> dict | None:
    keys = [op for op, _ in operations if op.startswith(_KEY_OPERATIONS)]
    if not keys:
        return None
    had = len(known.keys) + ("PRIMARY" in known.constraints)
    if had + len(keys) > 1:
        return _refusal(1069, "Too many keys specified; max 1 keys allowed",
                        "the ARCHIVE engine keeps one index at most")
    (extra,) = [extra for op, extra in operations if op.startswith(_KEY_OPERATIONS)]
    primary = extra.get("primary") or any(op == "add_primary_key" for op, _ in operations)
    for name in extra.get("columns", ()):
        column = known.columns.get(name)
        # a column this ALTER adds or changes is judged as written there (fix-mysql60)
        if text := _clause(clauses, name):
            not_null, auto = bool(_NOT_NULL.search(text)), bool(_AUTO_INCREMENT.search(text))
        elif column is None:  # (unknown: not judged)
            continue
        else:
            not_null, auto = column.not_null, column.auto_increment
        if found := _archive_key_column(known.name, name, not_null or primary, auto):
            return found
    return None


def _archive_key_column(table: str, name: str, not_null: bool, auto_increment: bool
                        ) -> dict | None:
    """ARCHIVE's refusal of its one index on column `name` of `table` (None: it takes it)."""
    if not not_null:
        return _refusal(1121, "Table handler doesn't support NULL in given index. Please "
                              f"change column '{name}' to be NOT NULL or use another "
                              "handler",
                        f"the ARCHIVE engine indexes no nullable column ({name})")
    if not auto_increment:
        return _refusal(1005, f"Can't create table `{table.split('.')[-1]}` (errno: "
                              "140 \"Wrong create options\")",
                        f"the ARCHIVE engine indexes its AUTO_INCREMENT column only, and "
                        f"{name} is not one")
    return None


def created_refusal(table: Table) -> dict | None:
    """Why the CSV or ARCHIVE engine refuses to create `table` (as CREATE TABLE declares it,
    its engine the written one or the session's default): the same limits as an ALTER's
    (fix-mysql60, checked on MariaDB 10.11); None when it takes it."""
    keys = [columns for columns, _ in table.keys.values()] + [
        c.columns for c in table.constraints.values() if c.kind == "primary"]
    if table.engine == "csv":
        return dict(_NO_CSV_KEY) if keys else next(filter(None, (
            _csv_column(name, not column.not_null, column.auto_increment)
            for name, column in table.columns.items())), None)
    if table.engine != "archive" or not keys:
        return None
    if len(keys) > 1:
        return _refusal(1069, "Too many keys specified; max 1 keys allowed",
                        "the ARCHIVE engine keeps one index at most")
    primary = "PRIMARY" in table.constraints
    for name in keys[0]:
        column = table.columns.get(name)
        if column is not None and (found := _archive_key_column(
                table.name, name, column.not_null or primary, column.auto_increment)):
            return found
    return None


def refusal(known: Table | None, operations: list[tuple[str, dict]], clauses: list[str]
            ) -> dict | None:
    """Why the CSV or ARCHIVE engine of table `known` refuses the ALTER TABLE whose
    operations are `operations` (as planned) and `clauses` (as written): its error number,
    the server's text and a reason; None when it takes them (or the engine is another)."""
    if known is None:
        return None
    if known.engine == "csv":
        return _csv(operations, clauses)
    if known.engine == "archive":
        return _archive(known, operations, clauses)
    return None
