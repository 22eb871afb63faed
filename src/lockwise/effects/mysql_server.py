"""Statements that administer a MySQL / MariaDB server rather than a table's definition.

FLUSH TABLES ... WITH READ LOCK and LOCK INSTANCE FOR BACKUP hold locks on the whole server
(or the tables named) until their session releases them; the others (SHUTDOWN, CLONE, plugin
and replication statements, SET PERSIST ...) act on the server in ways the effect model does
not follow, and say so. MySQL 8.4 manual: 15.7.8.3 "FLUSH Statement" (FLUSH TABLES WITH READ
LOCK "closes all open tables and locks all tables for all databases with a global read lock";
with a table list, a READ lock on those tables), 15.3.5 "LOCK INSTANCE FOR BACKUP and UNLOCK
INSTANCE Statements" (DML goes on; files cannot be created, renamed or removed: DDL, TRUNCATE,
OPTIMIZE and REPAIR TABLE and account management wait).
"""

from __future__ import annotations

import re

from lockwise.parse.mysql_server_syntax import PERSIST_VARIABLE

_NAME = r"(?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`|[\w$]+))?"
_FLUSH_READ_LOCK = re.compile(
    rf"^\s*FLUSH\s+(?:(?:NO_WRITE_TO_BINLOG|LOCAL)\s+)?TABLES?\s*(?P<tables>{_NAME}"
    rf"(?:\s*,\s*{_NAME})*)?\s+WITH\s+READ\s+LOCK\s*$", re.I)
_LOCK_INSTANCE = re.compile(r"^\s*LOCK\s+INSTANCE\s+FOR\s+BACKUP\s*$", re.I)
#: Statements whose effect on the server lockwise does not model: they stop or restart it,
#: replace its data, change replication, its plugins or its persisted settings.
_UNMODELLED = re.compile(
    r"^\s*(SHUTDOWN|RESTART|CLONE\s+\w+|(?:UN)?INSTALL\s+\w+|SET\s+PERSIST(?:_ONLY)?"
    r"|RESET\s+(?:PERSIST|MASTER|REPLICA|SLAVE|BINARY\s+LOGS)|CHANGE\s+(?:REPLICATION\s+\w+"
    r"|MASTER)|(?:START|STOP)\s+(?:ALL\s+(?:REPLICAS|SLAVES)|REPLICA|SLAVE|GROUP_REPLICATION)"
    r"|PURGE\s+\w+\s+LOGS|BINLOG"
    r"|IMPORT\s+TABLE|ALTER\s+INSTANCE|(?:CREATE|ALTER|DROP|SET)\s+RESOURCE\s+GROUP"
    r"|(?:CREATE|ALTER|DROP)\s+UNDO\s+TABLESPACE)\b", re.I)


def server_statement(b, sql: str, clean) -> bool:
    """Act (on the effect builder `b`) a statement that administers the server (`clean` keys a
    written name as the catalog does); False for another statement."""
    if m := _FLUSH_READ_LOCK.match(sql):
        tables = [clean(name) for name in re.findall(_NAME, m.group("tables") or "")]
        b.act("mysql_global_read_lock", {
            "text": "FLUSH TABLES ... WITH READ LOCK" if tables else
            "FLUSH TABLES WITH READ LOCK",
            "scope": ", ".join(tables) if tables else "every table of the server",
            "tables": tuple(tables)})
    elif _LOCK_INSTANCE.match(sql):
        b.act("mysql_backup_lock", {"text": "LOCK INSTANCE FOR BACKUP"})
    elif re.match(r"\s*SET\b", sql, re.I) and (m := PERSIST_VARIABLE.search(sql)):
        b.act("mysql_server_statement", {"text": f"SET @@{m.group('scope').upper()}"})
    elif m := _UNMODELLED.match(sql):
        b.act("mysql_server_statement", {"text": " ".join(m.group(1).upper().split())})
    else:
        return False
    return True
