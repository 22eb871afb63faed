"""Statements that administer the server which only one of MySQL and MariaDB has.

The other server's parser refuses them (error 1064), so a migration written for one stops at
them on the other, as at any syntax error: each is a parse-error at the word to change, which
is where the other server stops (MariaDB checked on 10.11; SET PERSIST is the exception, which
MariaDB reads as a variable named PERSIST and stops after it: the parse-error is there; and
`SET @@PERSIST.name`, which it reads as a structured variable's component and refuses when
the SET runs, error 1272, said as the server says it).
MySQL's side is its 8.4 manual's: "LOCK INSTANCE FOR BACKUP and UNLOCK INSTANCE Statements",
"SET Syntax for Variable Assignment" (PERSIST), "RESET PERSIST Statement", "CLONE Statement",
"INSTALL COMPONENT Statement", "RESTART Statement", "ALTER INSTANCE Statement", "Resource Group
Management Statements", "CREATE UNDO TABLESPACE Statement", "IMPORT TABLE Statement", "START
GROUP_REPLICATION Statement", "CHANGE REPLICATION SOURCE TO Statement", "CHANGE REPLICATION
FILTER Statement", "RESET BINARY LOGS AND GTIDS Statement"; none of BACKUP, INSTALL SONAME or
SHUTDOWN's options is in it. MariaDB's: its knowledge base, "BACKUP STAGE", "BACKUP LOCK",
"INSTALL SONAME", "SHUTDOWN" (WAIT FOR ALL REPLICAS | SLAVES, 10.4), "SHOW MASTER STATUS"
(SHOW BINLOG STATUS, 10.5.2).
"""

from __future__ import annotations

import re

#: Per server, the statements only it has: a pattern whose group `at` is the word the other
#: server stops at, and what the message says of it.
_ONLY: dict[str, list[tuple[str, str]]] = {
    "mysql": [
        (r"(?:UN)?LOCK\s+(?P<at>INSTANCE)\b",
         "MySQL's backup lock; MariaDB writes BACKUP STAGE or BACKUP LOCK"),
        # (MariaDB reads a variable named PERSIST, and stops at the word after it)
        (r"SET\s+PERSIST(?:_ONLY)?\s+(?!=)(?P<at>[^\s=]+)",
         "MySQL's SET PERSIST; MariaDB reads persisted settings from its option files only"),
        (r"RESET\s+(?P<at>PERSIST)\b",
         "MySQL's RESET PERSIST; MariaDB has no persisted settings"),
        (r"(?P<at>CLONE)\b", "MySQL's clone plugin; MariaDB has none (mariadb-backup copies a "
                             "server)"),
        (r"(?:UN)?INSTALL\s+(?P<at>COMPONENT)\b",
         "MySQL's components; MariaDB installs plugins (INSTALL SONAME or INSTALL PLUGIN)"),
        (r"(?P<at>RESTART)\b", "MySQL's RESTART; MariaDB has SHUTDOWN only"),
        (r"ALTER\s+(?P<at>INSTANCE)\b", "MySQL's ALTER INSTANCE; MariaDB has none"),
        (r"(?:CREATE|ALTER|DROP|SET)\s+(?P<at>RESOURCE)\s+GROUP\b",
         "MySQL's resource groups; MariaDB has none"),
        (r"(?:CREATE|ALTER|DROP)\s+(?P<at>UNDO)\s+TABLESPACE\b",
         "MySQL's undo tablespaces; MariaDB sets innodb_undo_tablespaces at startup"),
        (r"(?P<at>IMPORT)\s+TABLE\b", "MySQL's IMPORT TABLE; MariaDB has none"),
        (r"(?:START|STOP)\s+(?P<at>GROUP_REPLICATION)\b",
         "MySQL's group replication; MariaDB has none (its cluster is Galera)"),
        (r"CHANGE\s+(?P<at>REPLICATION)\s+(?:SOURCE|FILTER)\b",
         "MySQL's replication statement; MariaDB writes CHANGE MASTER TO, and sets "
         "replicate_do_db and the other filters as variables"),
        (r"RESET\s+(?P<at>BINARY)\s+LOGS\s+AND\s+GTIDS\b",
         "MySQL 8.4's RESET BINARY LOGS AND GTIDS; MariaDB writes RESET MASTER"),
        (r"SHOW\s+(?P<at>REPLICAS)\b",
         "MySQL's SHOW REPLICAS; MariaDB writes SHOW SLAVE HOSTS or SHOW REPLICA HOSTS"),
        (r"SHOW\s+BINARY\s+(?P<at>LOG)\s+STATUS\b",
         "MySQL 8.2's SHOW BINARY LOG STATUS; MariaDB writes SHOW MASTER STATUS or SHOW BINLOG "
         "STATUS"),
    ],
    "mariadb": [
        (r"(?P<at>BACKUP)\s+(?:STAGE|LOCK|UNLOCK)\b",
         "MariaDB's backup locks; MySQL writes LOCK INSTANCE FOR BACKUP"),
        (r"(?:UN)?INSTALL\s+(?P<at>SONAME)\b",
         "MariaDB's INSTALL SONAME; MySQL writes INSTALL PLUGIN name SONAME 'file'"),
        (r"(?:START|STOP)\s+(?P<at>ALL)\s+(?:SLAVES|REPLICAS)\b",
         "MariaDB's multi-source START / STOP ALL SLAVES; MySQL starts or stops each "
         "channel: START REPLICA FOR CHANNEL name"),
        (r"SHUTDOWN\s+(?P<at>WAIT)\b",
         "MariaDB's SHUTDOWN WAIT FOR ALL REPLICAS; MySQL's SHUTDOWN takes no option"),
        (r"SHOW\s+BINLOG\s+(?P<at>STATUS)\b",
         "MariaDB 10.5.2's SHOW BINLOG STATUS; MySQL writes SHOW BINARY LOG STATUS (8.2 on) "
         "or SHOW MASTER STATUS (before 8.4), and reads SHOW BINLOG as SHOW BINLOG EVENTS"),
    ],
}
#: Per server, one pattern for the statements only the other has (a statement is matched
#: once, anchored at its start): the alternative that matched names its message.
_REFUSED = {
    dialect: (re.compile("|".join(rf"\s*(?:{pattern})".replace("(?P<at>", f"(?P<at{i}>")
                                  for i, (pattern, _) in enumerate(entries)),
                         re.IGNORECASE),
              [why for _, why in entries])
    for dialect, entries in (("mariadb", _ONLY["mysql"]), ("mysql", _ONLY["mariadb"]))
}


#: MySQL's other spelling of SET PERSIST: a SET whose assignments include `@@PERSIST.name` or
#: `@@PERSIST_ONLY.name` (MySQL 8.4 manual, 15.7.6.1 "SET Syntax for Variable Assignment").
PERSIST_VARIABLE = re.compile(r"@@(?P<scope>PERSIST(?:_ONLY)?)\s*\.\s*`?(?P<name>\w+)", re.I)
#: MariaDB's key cache variables: `@@PERSIST.name` names one of its structured variables
#: (a key cache named PERSIST), which SET sets only as GLOBAL.
_KEY_CACHE_VARIABLES = frozenset({
    "key_buffer_size", "key_cache_block_size", "key_cache_division_limit",
    "key_cache_age_threshold", "key_cache_file_hash_size", "key_cache_segments"})


def mariadb_persist_error(body: str) -> tuple[int, str] | None:
    """How MariaDB refuses the SET `body` that assigns `@@PERSIST.name` (None for another
    statement): it reads the name as a structured variable's component and refuses it, error
    1272, or 1229 for a key cache's variable (checked on 10.11)."""
    found = PERSIST_VARIABLE.search(body) if re.match(r"\s*SET\b", body, re.I) else None
    if found is None:
        return None
    name = found.group("name")
    if name.lower() in _KEY_CACHE_VARIABLES:
        return 1229, f"Variable '{name}' is a GLOBAL variable and should be set with SET GLOBAL"
    return 1272, (f"Variable '{name}' is not a variable component (can't be used as "
                  "XXXX.variable_name)")


#: MySQL's replication statements that only some of its versions have: a pattern whose group
#: `at` is the word a version without it stops at, the statement, the first version that has
#: it (None: every one) and the first that does not (None: every later one), and what to
#: write instead there. MySQL 8.4.0 removed the MASTER / SLAVE ones (MySQL 8.4 release notes,
#: 8.4.0, "SQL statements removed"); their REPLICA / SOURCE / BINARY LOG spellings arrived in
#: 8.0.22 (START, STOP, RESET REPLICA, SHOW REPLICA STATUS, SHOW REPLICAS: the 8.0 manual's
#: "START SLAVE Statement" and siblings: "From MySQL 8.0.22, START SLAVE is deprecated"),
#: 8.0.23 (CHANGE REPLICATION SOURCE TO) and 8.2.0 (RESET BINARY LOGS AND GTIDS, SHOW BINARY
#: LOG STATUS).
_NEW = (8, 4, 0)
_MYSQL_VERSIONS: list[tuple[re.Pattern, str, tuple | None, tuple | None, str]] = [
    (re.compile(pattern, re.I), statement, since, until, instead)
    for pattern, statement, since, until, instead in [
        (r"\s*RESET\s+(?P<at>MASTER)\b", "RESET MASTER", None, _NEW,
         "RESET BINARY LOGS AND GTIDS"),
        (r"\s*SHOW\s+(?P<at>MASTER)\s+STATUS\b", "SHOW MASTER STATUS", None, _NEW,
         "SHOW BINARY LOG STATUS"),
        (r"\s*SHOW\s+(?P<at>MASTER)\s+LOGS\b", "SHOW MASTER LOGS", None, _NEW,
         "SHOW BINARY LOGS"),
        (r"\s*PURGE\s+(?P<at>MASTER)\s+LOGS\b", "PURGE MASTER LOGS", None, _NEW,
         "PURGE BINARY LOGS"),
        (r"\s*CHANGE\s+(?P<at>MASTER)\b", "CHANGE MASTER TO", None, _NEW,
         "CHANGE REPLICATION SOURCE TO"),
        (r"\s*START\s+(?P<at>SLAVE)\b", "START SLAVE", None, _NEW, "START REPLICA"),
        (r"\s*STOP\s+(?P<at>SLAVE)\b", "STOP SLAVE", None, _NEW, "STOP REPLICA"),
        (r"\s*RESET\s+(?P<at>SLAVE)\b", "RESET SLAVE", None, _NEW, "RESET REPLICA"),
        (r"\s*SHOW\s+(?P<at>SLAVE)\s+STATUS\b", "SHOW SLAVE STATUS", None, _NEW,
         "SHOW REPLICA STATUS"),
        (r"\s*SHOW\s+(?P<at>SLAVE)\s+HOSTS\b", "SHOW SLAVE HOSTS", None, _NEW,
         "SHOW REPLICAS"),
        (r"\s*RESET\s+(?P<at>BINARY)\s+LOGS\s+AND\s+GTIDS\b", "RESET BINARY LOGS AND GTIDS",
         (8, 2, 0), None, "RESET MASTER"),
        (r"\s*SHOW\s+BINARY\s+(?P<at>LOG)\s+STATUS\b", "SHOW BINARY LOG STATUS", (8, 2, 0),
         None, "SHOW MASTER STATUS"),
        (r"\s*CHANGE\s+REPLICATION\s+(?P<at>SOURCE)\b", "CHANGE REPLICATION SOURCE TO",
         (8, 0, 23), None, "CHANGE MASTER TO"),
        (r"\s*START\s+(?P<at>REPLICA)\b", "START REPLICA", (8, 0, 22), None, "START SLAVE"),
        (r"\s*STOP\s+(?P<at>REPLICA)\b", "STOP REPLICA", (8, 0, 22), None, "STOP SLAVE"),
        (r"\s*RESET\s+(?P<at>REPLICA)\b", "RESET REPLICA", (8, 0, 22), None, "RESET SLAVE"),
        (r"\s*SHOW\s+(?P<at>REPLICA)\s+STATUS\b", "SHOW REPLICA STATUS", (8, 0, 22), None,
         "SHOW SLAVE STATUS"),
        (r"\s*SHOW\s+(?P<at>REPLICAS)\b", "SHOW REPLICAS", (8, 0, 22), None,
         "SHOW SLAVE HOSTS"),
    ]]
#: MariaDB's replication statements that only some of its versions have, likewise: the
#: REPLICA spellings of the SLAVE statements arrived in 10.5.1 (MariaDB knowledge base, "START
#: REPLICA", "STOP REPLICA", "RESET REPLICA", "SHOW REPLICA STATUS", "SHOW REPLICA HOSTS":
#: "from MariaDB 10.5.1"), a version before it stops at the word REPLICA(S); SHOW BINLOG
#: STATUS, SHOW MASTER STATUS's new name, in 10.5.2 ("SHOW MASTER STATUS": "SHOW BINLOG
#: STATUS -- From MariaDB 10.5.2"), before it the parser stops at STATUS (SHOW BINLOG EVENTS).
_MARIADB_VERSIONS: list[tuple[re.Pattern, str, tuple | None, tuple | None, str]] = [
    (re.compile(pattern, re.I), statement, since, None, instead)
    for pattern, statement, since, instead in [
        (r"\s*(?:START|STOP)\s+ALL\s+(?P<at>REPLICAS)\b", "{verb} ALL REPLICAS", (10, 5, 1),
         "{verb} ALL SLAVES"),
        (r"\s*(?:START|STOP|RESET)\s+(?P<at>REPLICA)\b", "{verb} REPLICA", (10, 5, 1),
         "{verb} SLAVE"),
        (r"\s*SHOW\s+(?P<at>REPLICA)\s+(?:STATUS|HOSTS)\b", "SHOW REPLICA {what}",
         (10, 5, 1), "SHOW SLAVE {what}"),
        (r"\s*SHOW\s+ALL\s+(?P<at>REPLICAS)\s+STATUS\b", "SHOW ALL REPLICAS STATUS",
         (10, 5, 1), "SHOW ALL SLAVES STATUS"),
        (r"\s*SHOW\s+BINLOG\s+(?P<at>STATUS)\b", "SHOW BINLOG STATUS", (10, 5, 2),
         "SHOW MASTER STATUS"),
    ]]
#: Per server, its statements that only some of its versions have.
_VERSIONED = {"mysql": _MYSQL_VERSIONS, "mariadb": _MARIADB_VERSIONS}
#: Per server, the first version that has each of the newer statements.
_SINCE = {server: {statement: since for _, statement, since, _, _ in entries if since}
          for server, entries in _VERSIONED.items()}
#: The first words of those statements: any other statement is not looked at further.
_REPLICATION_WORDS = re.compile(r"\s*(?:RESET|SHOW|PURGE|CHANGE|START|STOP)\b", re.I)
#: The server's name in the messages.
_SERVER = {"mysql": "MySQL", "mariadb": "MariaDB"}


def version_statement(body: str, dialect: str, version: tuple[int, ...]
                      ) -> tuple[str, int, int] | None:
    """The replication statement `body` as `dialect`'s server at `version` refuses it when
    that version does not have it (error 1064), as (message, offset of the word it stops at,
    its length); None for another statement."""
    if not _REPLICATION_WORDS.match(body):
        return None
    server, since_of = _SERVER.get(dialect, "MySQL"), _SINCE.get(dialect, _SINCE["mysql"])
    version = (*version, 0, 0)[:3]  # 8.4 is 8.4.0
    for pattern, statement, since, until, instead in _VERSIONED.get(dialect, _MYSQL_VERSIONS):
        if (found := pattern.match(body)) is None:
            continue
        if since is not None and version < since:
            why = (f"{statement} arrived in {server} {'.'.join(map(str, since))}; before it, "
                   f"write {instead}")
        elif until is not None and version >= until:
            since_instead = since_of.get(instead)
            why = f"{server} {'.'.join(map(str, until))} removed {statement}; write " \
                  f"{instead}" + (f" ({server} {'.'.join(map(str, since_instead))} on)"
                                 if since_instead else "")
        else:
            return None
        words = found.group(0).split()
        why = why.format(verb=words[0].upper(), what=words[-1].upper())
        word = found.group("at")
        return f'syntax error at or near "{word}" ({why})', found.start("at"), len(word)
    return None


def other_servers_statement(body: str, dialect: str) -> tuple[str, int, int] | None:
    """The statement `body` as `dialect`'s server refuses it when only the other server has
    it, as (message, offset of the word to change, its length); None for another."""
    pattern, whys = _REFUSED.get(dialect, _REFUSED["mysql"])
    found = pattern.match(body)
    if found is None and dialect == "mariadb" and (
            refused := mariadb_persist_error(body)) is not None:
        at = PERSIST_VARIABLE.search(body)
        # the server's own error, not a syntax error: no near text (the span says where)
        return (f'error {refused[0]}: "{refused[1]}" (MySQL\'s SET PERSIST; MariaDB has no '
                "persisted settings: it reads its option files only)",
                at.start(), len(at.group(0)))
    if found is None:
        return None
    i, word = next((int(name[2:]), text) for name, text in found.groupdict().items()
                   if text is not None)
    return (f'syntax error at or near "{word}" ({whys[i]})', found.start(f"at{i}"), len(word))
