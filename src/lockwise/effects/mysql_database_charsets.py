"""A database's default character set and collation, as CREATE DATABASE / SCHEMA and ALTER
DATABASE / SCHEMA set them (fix-mysql68): a CREATE TABLE that names neither takes the
database's (and its string columns with it), which decides their bytes (VARCHAR length
bytes: an INSTANT or COPY widening). Checked on MariaDB 10.11: `CREATE DATABASE d
CHARACTER SET utf8mb4` on a latin1 server, then `CREATE TABLE d.t (w VARCHAR(200))` is
utf8mb4 (`MODIFY w VARCHAR(256)` instant), and a later `ALTER DATABASE d CHARACTER SET
latin1` leaves t as it is while a table made after it is latin1. MySQL 8.4 manual, 15.1.12
"CREATE DATABASE Statement" and 12.3.3 "Database Character Set and Collation": "The
database character set and collation are used as default values for table definitions if
the table character set and collation are not specified".

Kept in `Catalog.mysql_database_charsets` by the database's name (as the catalog keys
names), "" for the connection's own database (ALTER DATABASE without a name, no USE made:
its name is unknown here). A database none of these named keeps the server's default
(character_set_server): nothing is recorded for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from lockwise.core.lazy_re import lazy_compile
from lockwise.effects.mysql_programs import NAME_PART as _PART

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog
    from lockwise.effects.mysql import MySQLSession

#: CREATE [OR REPLACE] {DATABASE | SCHEMA} [IF NOT EXISTS] name, ALTER {DATABASE | SCHEMA}
#: [name], and the options after them.
_DATABASE_OPTIONS = lazy_compile(
    rf"\s*(?:CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?:DATABASE|SCHEMA)\s+"
    rf"(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?P<created>{_PART})"
    rf"|ALTER\s+(?:DATABASE|SCHEMA)(?:\s+(?!(?:DEFAULT|CHARACTER|CHARSET|COLLATE)\b)"
    rf"(?P<altered>{_PART}))?)(?P<options>(?:\s.*)?)$", re.I | re.S)
#: [DEFAULT] CHARACTER SET / CHARSET [=] name and [DEFAULT] COLLATE [=] name among them.
_CHARSET = lazy_compile(rf"\b(?:CHARACTER\s+SET|CHARSET)\s*=?\s*(?P<name>{_PART}|'[^']*')",
                        re.I)
_COLLATE = lazy_compile(rf"\bCOLLATE\s*=?\s*(?P<name>{_PART}|'[^']*')", re.I)
#: A string (a MariaDB database COMMENT): no option is read from within it.
_STRING = lazy_compile(r"'(?:[^'\\]|''|\\.)*'")


def note_database_options(catalog: Catalog, session: MySQLSession, sql: str,
                          clean: Callable[[str], str]) -> None:
    """The catalog after CREATE / ALTER DATABASE `sql` (`clean` keys a name as the catalog
    does): the database's default character set and collation when it names either (a
    COLLATE alone names its set: `latin1_bin` is latin1's). A CREATE ... IF NOT EXISTS of a
    database the replay knows a default of keeps it; one the replay does not know is taken
    as made (most histories create their database once; where it exists already the server
    changes nothing, MariaDB 10.11's note 1007, and its tables take the default it had).
    CREATE OR REPLACE, or a CREATE that names neither, starts from the server's default."""
    if (found := _DATABASE_OPTIONS.match(sql)) is None:
        return
    name = found.group("created") or found.group("altered")
    if name is None:  # ALTER DATABASE of the session's (or the connection's) database
        if session.database is None and session.database_dropped is not None:
            return  # (none selected: refused with 1046)
        key = session.database or ""
    else:
        key = clean(name)
    defaults = catalog.mysql_database_charsets
    if found.group("exists") and key in defaults:
        return
    options = _STRING.sub("''", found.group("options"))
    charset = _CHARSET.search(options)
    collate = _COLLATE.search(options)
    said = (clean(charset.group("name").strip("'")) if charset else None,
            clean(collate.group("name").strip("'")) if collate else None)
    if found.group("created") is not None or found.group("replace"):
        old: tuple[str | None, str | None] = (None, None)
    else:
        old = defaults.get(key, (None, None))
    if said[1] is not None and said[1] != "default":
        new = (said[1].split("_")[0] if said[0] is None else said[0], said[1])
    elif said[0] is not None:
        new = (said[0], None)  # the set's own default collation
    else:
        new = old
    if "default" in new:  # (DEFAULT: the server's)
        new = (None, None)
    kept = {k: v for k, v in defaults.items() if k != key}
    # replaced whole, never changed in place (a down check's fork shares it)
    catalog.mysql_database_charsets = {**kept, key: new} if new != (None, None) else kept


def forget_database(catalog: Catalog, name: str) -> None:
    """DROP DATABASE `name`: a database made again by that name starts from the server's
    default."""
    if name in catalog.mysql_database_charsets:
        catalog.mysql_database_charsets = {k: v for k, v in
                                           catalog.mysql_database_charsets.items() if k != name}


def database_default(catalog: Catalog, database: str | None) -> tuple[str | None, str | None]:
    """The default character set and collation of `database` (None: the connection's own)
    as the replay knows it: (None, None) when it does not (the server's)."""
    return catalog.mysql_database_charsets.get(database or "", (None, None))
