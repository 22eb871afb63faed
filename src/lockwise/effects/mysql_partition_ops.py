"""ALTER TABLE's partition operations on MySQL / MariaDB: the partitions' names they leave
(the catalog's `Table.partition_names`), and the ones the server refuses whatever the rows.

Checked on MariaDB 10.11 (docs/mysql.md, fix-mysql57 and fix-mysql58). MySQL 8 has the same
error numbers (they predate the fork: ER_PARTITION_MGMT_ON_NONPARTITIONED and its kin in its
"Server Error Message Reference"), not run on a MySQL server.
"""

from __future__ import annotations

import re

from lockwise.catalog.model import Table
from lockwise.parse.mysql_code import code_only

_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)"
_NAMES = rf"{_NAME}(?:\s*,\s*{_NAME})*"
_COALESCE = re.compile(r"\bCOALESCE\s+PARTITION\s+(\d+)", re.I)
#: The operations that name partitions; ALL (every partition) names none.
_NAMED = re.compile(rf"\b(REBUILD|DROP|TRUNCATE)\s+PARTITION\s+(?!ALL\b)({_NAMES})", re.I)
#: The partition operations checked to be refused on a table that is not partitioned.
_MANAGED = re.compile(r"\b(COALESCE|DROP|REBUILD|TRUNCATE|ANALYZE)\s+PARTITION\b", re.I)
_ADD_LIST = re.compile(r"\bADD\s+PARTITION\s*(?=\()", re.I)
_ADD_COUNT = re.compile(r"\bADD\s+PARTITION\s+PARTITIONS\s+(\d+)", re.I)
_DROP = re.compile(rf"\bDROP\s+PARTITION\s+({_NAMES})", re.I)
#: What else changes the partitions: their names are then not followed.
_RESHAPED = re.compile(r"\b(?:COALESCE|REORGANIZE)\s+PARTITION\b|\bCONVERT\s+(?:PARTITION|"
                       r"TABLE)\b|\bREMOVE\s+PARTITIONING\b", re.I)


def _names(text: str) -> list[str]:
    return [name.strip("`").replace("``", "`").lower() for name in re.findall(_NAME, text)]


def partitions_after(names: tuple[str, ...] | None, sql: str) -> tuple[str, ...] | None:
    """The partitions' names after the ALTER TABLE `sql` (a statement the server runs):
    ADD PARTITION (...) appends its list, ADD PARTITION PARTITIONS n the server's next p<k>
    names (checked on MariaDB 10.11), DROP PARTITION removes; any other change of them
    (COALESCE, REORGANIZE, CONVERT) is not followed (None)."""
    from lockwise.parse.mysql import partition_list_names

    text = code_only(sql)
    if names is None or _RESHAPED.search(text):
        return None
    if added := _ADD_LIST.search(text):
        listed = partition_list_names(text[added.end():])
        return None if listed is None else (*names, *listed)
    if added := _ADD_COUNT.search(text):
        numbered = names == tuple(f"p{i}" for i in range(len(names)))
        return (*names, *(f"p{len(names) + i}" for i in range(int(added.group(1))))) \
            if numbered else None
    if dropped := _DROP.search(text):
        gone = set(_names(dropped.group(1)))
        return tuple(n for n in names if n not in gone)
    return names


def refusal(table: Table, sql: str, known_whole: bool) -> dict | None:
    """The server's refusal of the partition operation in the ALTER TABLE `sql` on `table`
    (`known_whole`: a CREATE TABLE of the migrations defined it, not LIKE or AS SELECT, which
    may copy partitioning, so the replay knows it is not partitioned when it says so): the
    facts of mysql-partition-operation-refused, or None.

    Checked on MariaDB 10.11: COALESCE PARTITION of a RANGE / LIST table (1509), of as many
    partitions as the table has or more (1508); DROP PARTITION of a HASH / KEY table (1512);
    any of COALESCE, DROP, REBUILD, TRUNCATE, ANALYZE PARTITION on a table that is not
    partitioned (1505); REBUILD or DROP PARTITION of a name the table lacks (1507), TRUNCATE
    PARTITION of one (1735). ANALYZE, CHECK, OPTIMIZE and REPAIR PARTITION of a name it lacks
    are no error: the result has an error row, and the migration goes on."""
    text = code_only(sql)
    if table.kind != "partitioned":
        operation = _MANAGED.search(text)
        if operation is None or not known_whole or table.kind != "table":
            return None
        return _facts(1505, "Partition management on a not partitioned table is not possible",
                      f"{operation.group(1).upper()} PARTITION", f"{table.name} is not "
                      "partitioned")
    strategy, names = table.partition_strategy, table.partition_names
    if coalesce := _COALESCE.search(text):
        if strategy in ("range", "list"):
            return _facts(1509, "COALESCE PARTITION can only be used on HASH/KEY partitions",
                          "COALESCE PARTITION", f"{table.name} is partitioned by "
                          f"{strategy.upper()}: DROP PARTITION removes its partitions")
        if names is not None and int(coalesce.group(1)) >= len(names):
            return _facts(1508, "Cannot remove all partitions, use DROP TABLE instead",
                          "COALESCE PARTITION", f"{table.name} has {len(names)} "
                          f"partition{'s' if len(names) > 1 else ''}: one must stay")
        return None
    named = _NAMED.search(text)
    if named is None:
        return None
    operation = named.group(1).upper()
    if operation == "DROP" and strategy in ("hash", "key"):
        return _facts(1512, "DROP PARTITION can only be used on RANGE/LIST partitions",
                      "DROP PARTITION", f"{table.name} is partitioned by {strategy.upper()}: "
                      "COALESCE PARTITION n merges its partitions")
    if names is None:
        return None
    missing = [n for n in _names(named.group(2)) if n not in names]
    if not missing:
        return None
    why = (f"{table.name} has no partition {', '.join(missing)} (its partitions: "
           f"{', '.join(names)})")
    if operation == "TRUNCATE":
        if table.subpartitioned:  # (a sub-partition's name: 1567; the replay keeps none)
            return None
        return _facts(1735, f"Unknown partition '{missing[0]}' in table "
                      f"'{table.name.split('.')[-1]}'", "TRUNCATE PARTITION", why)
    return _facts(1507, "Wrong partition name or partition list", f"{operation} PARTITION",
                  why)


def _facts(code: int, server_error: str, operation: str, why: str) -> dict:
    return {"error_code": code, "server_error": server_error, "partition_operation": operation,
            "why_text": why}
