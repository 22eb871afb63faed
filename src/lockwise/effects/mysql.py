"""The MySQL / MariaDB effect model: per ALTER operation, algorithm, rebuild, lock and DML.

Statements come from sqlglot (parse/mysql.py). Each ALTER TABLE sub-operation is classified
into an operation of effects/mysql_ddl.py, planned for the target server, and the statement
takes the most expensive of its operations, as the server does.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Container, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cache

from lockwise.catalog.model import Catalog, Column, Constraint, Index, Table
from lockwise.catalog.replay import free_generated_name
from lockwise.core.types import Action, Effect, LockMode
from lockwise.effects import mariadb_page_compression as page_compression
from lockwise.effects import mysql_engine_limits as engine_limits
from lockwise.effects import mysql_fulltext as fulltext
from lockwise.effects import mysql_keys as keys
from lockwise.effects import mysql_partition_ops as partition_ops
from lockwise.effects import mysql_prepared as prepared
from lockwise.effects import mysql_programs as programs
from lockwise.effects import mysql_sql_mode as sql_modes
from lockwise.effects.mysql_batches import batches_sql, limits_rows, target_table
from lockwise.effects.mysql_database_charsets import database_default, note_database_options
from lockwise.effects.mysql_ddl import (
    ALGORITHMS,
    CHECK_ENFORCED_FROM,
    COPYING_ENGINES,
    ENGINE_KEEPS,
    ENGINE_METADATA_ONLY,
    ENGINE_NAMES,
    LOCKS,
    NO_ALGORITHM,
    OPERATIONS,
    PARTITION_OPERATIONS,
    ROW_VERSION_OPERATIONS,
    Plan,
    Version,
    algorithm_allowed,
    engine_copies,
    engine_moved,
    instant_column_layout,
    known_algorithms,
    lock_refusal,
    max_row_versions,
    plan,
)
from lockwise.effects.mysql_definition import definition_refusal
from lockwise.effects.mysql_fulltext import NO_FULLTEXT, Fulltext, fulltext_note
from lockwise.effects.mysql_prepared import Held
from lockwise.effects.nodes import type_sql, type_stand_in, type_stand_in_note
from lockwise.parse.mysql_blocks import GAP, OBJECT_OPTIONS
from lockwise.parse.mysql_code import code_only
from lockwise.parse.quoting import quote_literal, quote_mysql_ident, quote_mysql_qualified

#: The character set a server gives a column when neither it, its table nor its database
#: names one: MySQL 8's utf8mb4; MariaDB's latin1 up to 11.5 (character_set_server, checked
#: on 10.11), utf8mb4 from 11.6 (MariaDB's "Setting Character Sets and Collations": "In
#: MariaDB 11.6, the default character set changed from latin1 to utf8mb4"; a distribution
#: may configure another, not followed): server_default_charset.
SERVER_DEFAULT_CHARSET = {"mysql": "utf8mb4", "mariadb": "latin1"}
_MARIADB_UTF8MB4_SERVER_FROM = (11, 6)


def server_default_charset(flavour: str, version: Version) -> str:
    """character_set_server's default on `flavour` at `version`."""
    if flavour == "mariadb" and version >= _MARIADB_UTF8MB4_SERVER_FROM:
        return "utf8mb4"
    return SERVER_DEFAULT_CHARSET[flavour]


#: Every character set MySQL 8 and MariaDB know, with its most bytes per character (SHOW
#: CHARACTER SET's Maxlen: MariaDB 10.11's, checked; MySQL 8.0 / 8.4's manual, "Supported
#: Character Sets and Collations", lists the same and gb18030, MYSQL_ONLY_CHARSETS), and
#: `utf8`, the alias of utf8mb3 (or utf8mb4 where utf8_alias says so). Unknown: utf8mb4's 4.
CHARSET_BYTES = {
    "armscii8": 1, "ascii": 1, "big5": 2, "binary": 1, "cp1250": 1, "cp1251": 1, "cp1256": 1,
    "cp1257": 1, "cp850": 1, "cp852": 1, "cp866": 1, "cp932": 2, "dec8": 1, "eucjpms": 3,
    "euckr": 2, "gb18030": 4, "gb2312": 2, "gbk": 2, "geostd8": 1, "greek": 1, "hebrew": 1,
    "hp8": 1, "keybcs2": 1, "koi8r": 1, "koi8u": 1, "latin1": 1, "latin2": 1, "latin5": 1,
    "latin7": 1, "macce": 1, "macroman": 1, "sjis": 2, "swe7": 1, "tis620": 1, "ucs2": 2,
    "ujis": 3, "utf16": 4, "utf16le": 4, "utf32": 4, "utf8mb3": 3, "utf8mb4": 4, "utf8": 3}
#: The character sets MySQL 8 has and MariaDB (10.11 checked) has not.
MYSQL_ONLY_CHARSETS = frozenset({"gb18030"})


def unknown_charset(name: str, flavour: str | None = None) -> str | None:
    """Why the server (`flavour`'s, else either) refuses `name` as a character set (SET
    character_set_server = 'nosuch': error 1115 "Unknown character set", MariaDB 10.11
    checked; a name is matched whole, in any case); None when it knows it."""
    name = name.lower()
    if name not in CHARSET_BYTES:
        return "a character set neither MySQL 8 nor MariaDB knows (error 1115, Unknown " \
            "character set)"
    if flavour == "mariadb" and name in MYSQL_ONLY_CHARSETS:
        return "MySQL's, a character set MariaDB does not know (error 1115, Unknown " \
            "character set)"
    return None


#: The server version each flavour is judged at when `server_version` (the config key or
#: --server-version) names none.
DEFAULT_VERSIONS: dict[str, Version] = {"mysql": (8, 4, 0), "mariadb": (10, 11, 0)}

# How the report shows MySQL metadata locks in PostgreSQL's vocabulary of what is blocked.
#: The ALTER operations MariaDB runs on the .frm alone, never reaching InnoDB: they lock no
#: table whose foreign keys reference the altered one (checked on MariaDB 10.11).
_FRM_ONLY = frozenset({"set_default", "drop_default", "metadata_only"})
#: MariaDB's InnoDB locks a table's referencing tables at its DDL from 10.6.5 (MDEV-26554).
_CHILD_TABLE_LOCKS_FROM = (10, 6, 5)
_LOCK_AS_MODE = {"NONE": LockMode.SHARE_UPDATE_EXCLUSIVE, "SHARED": LockMode.SHARE,
                 "EXCLUSIVE": LockMode.ACCESS_EXCLUSIVE}


def parse_server_version(text: str) -> Version:
    """'8.0.29' -> (8, 0, 29); '10.11' -> (10, 11)."""
    match = re.fullmatch(r"\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-\S*)?\s*", text)
    if not match:
        raise ValueError(f"not a server version: {text!r} (expected e.g. 8.0.29 or 10.11)")
    return tuple(int(p or 0) for p in match.groups())


@dataclass(slots=True)
class MySQLSession:
    """Session settings that change what DDL does (SET foreign_key_checks = 0)."""

    flavour: str = "mysql"
    version: Version = DEFAULT_VERSIONS["mysql"]
    #: The server's character_set_server as the config names it (None: the version's
    #: default, server_default_charset).
    charset_server: str | None = None
    foreign_key_checks: bool = True
    #: SET max_sp_recursion_depth = n: how deep a procedure may call itself (0, the default:
    #: not at all, error 1456).
    sp_recursion_depth: int = 0
    #: SET system_versioning_alter_history = KEEP (MariaDB): an ALTER may change the columns
    #: of a system-versioned table; ERROR, the default, refuses it (error 4119).
    versioning_alter_history_keep: bool = False
    #: SET innodb_compression_default = ON (MariaDB): a CREATE TABLE that writes no
    #: PAGE_COMPRESSED makes a page-compressed InnoDB table (effects/mariadb_page_compression.py).
    compression_default: bool = False
    #: Whether the session set its own innodb_compression_default (SET GLOBAL no longer
    #: changes it then).
    compression_default_own: bool = False
    #: USE name: the database the statements' unqualified names are in (None: the
    #: connection's, unknown here): a stored program created unqualified is in it.
    database: str | None = None
    #: DROP DATABASE of that database (its name): the session then has none selected, and the
    #: server refuses a table named without a database (1046) until the next USE.
    database_dropped: str | None = None
    new_tables: set[str] = field(default_factory=set)
    #: The LOCK TABLES in force: each name the session may use (a table's, or the alias it
    #: was locked under) with its lock type, READ or WRITE; None when it holds none.
    locked_tables: dict[str, str] | None = None
    #: The table each of those names stands for: the server matches a statement's table by
    #: name and alias both, so `t AS x` serves `FROM t AS x` only, never `INSERT INTO x`,
    #: `FROM t` or `FROM u AS x` (error 1100; checked on MariaDB 10.11).
    locked_table_names: dict[str, str] = field(default_factory=dict)
    #: The tables a table of it locked WRITE prelocked for the foreign keys that reference
    #: it (MariaDB's: _lock_key_related), by name, with the lock they act as: WRITE where the
    #: prelock writes (SHARED_WRITE), else READ. The session's writes need no lock of theirs,
    #: and its statements may name them as if listed (checked on MariaDB 10.11).
    key_locked_tables: dict[str, str] = field(default_factory=dict)
    #: That LOCK TABLES statement's line (set by the lint loop, which knows lines): a
    #: statement refused for a table it did not lock names it.
    lock_tables_line: int = 0
    #: TEMPORARY tables the session created: LOCK TABLES does not restrict them.
    temporary_tables: set[str] = field(default_factory=set)
    #: Those of them created over a permanent table of the same name, which the replay no
    #: longer tells apart (INSERT DELAYED writes the permanent one).
    shadowing_tables: set[str] = field(default_factory=set)
    #: The last ALTER compute_mysql_effect planned: its text, its table and each operation
    #: with its plan, which apply_mysql_statement takes rather than plan it again.
    last_alter: tuple[str, str, list[tuple[str, Plan]]] | None = None
    #: The session's sql_mode (effects/mysql_sql_mode.py): the server's default until a SET
    #: changes it; None once set to a value lockwise cannot compute.
    sql_mode: frozenset[str] | None = None
    #: Where the statement being judged starts in its file and its number (1 for the first),
    #: set by the lint loop: a string constant a prepared statement takes keeps its place.
    statement_at: tuple[int, int] = (0, 0)
    #: The user variables SET to a text known before the migration runs (None: set to one
    #: known only when it runs), and the prepared statements' texts, by name
    #: (effects/mysql_prepared.py).
    user_texts: dict[str, Held | None] = field(default_factory=dict)
    prepared_texts: dict[str, Held | None] = field(default_factory=dict)

    #: SET [SESSION] default_storage_engine = name: the engine (lower case) of a table a
    #: later CREATE TABLE makes without ENGINE= ("" for the server's, InnoDB). A TEMPORARY
    #: table takes default_tmp_storage_engine instead, not followed.
    default_engine: str = ""

    def __post_init__(self) -> None:
        if self.sql_mode is None:
            self.sql_mode = sql_modes.DEFAULT_MODES[self.flavour]

    def on_same_server(self, **kept: object) -> MySQLSession:
        """A new session on this one's server (its flavour, version and configured
        character_set_server), its own settings at their defaults but `kept`: a trigger's,
        an event's or a trial run's session."""
        return MySQLSession(flavour=self.flavour, version=self.version,
                            charset_server=self.charset_server, **kept)


def _name(node) -> str:
    return (node.name if node is not None else "").lower()


def _table_name(table) -> str:
    from sqlglot import exp

    if isinstance(table, (exp.Schema, exp.OnProperty)):  # DROP INDEX ... ON names it so
        table = table.this
    if isinstance(table, exp.Table):
        return ".".join(p for p in (table.db, table.name) if p).lower()
    return _name(table)


def _dropped_tables(expr) -> list:
    """The tables a DROP TABLE names: sqlglot keeps them in `tables` (older versions in
    `expressions`, or one in `this`)."""
    return list(expr.args.get("tables") or expr.expressions or [expr.this])


#: The longest table, column or index name MySQL and MariaDB take, in characters (MySQL
#: manual, "Schema Object Names", Identifier Length Limits).
MYSQL_MAX_NAME_CHARACTERS = 64

#: Integer types, signed and not (sqlglot's names): their `(n)` is a display width, which
#: "does not constrain the range of values" (MySQL manual, "Numeric Data Type Syntax",
#: 11.1.1 in 8.0, 13.1.1 in 8.4; deprecated from 8.0.17): INT(11) -> INT changes nothing stored.
_INTEGER_TYPES = {f"{sign}{name}" for sign in ("", "u")
                  for name in ("tinyint", "smallint", "mediumint", "int", "bigint")}


def _column_type(coldef) -> tuple[str, tuple[int, ...], str | None]:
    from sqlglot import exp

    kind = coldef.args.get("kind")
    if kind is None:
        return "", (), None
    if spatial := coldef.meta.get("spatial"):  # parse/mysql.py kept what sqlglot cannot read
        name, srid = spatial
        return name, () if srid is None else (srid,), None
    type_name = coldef.meta.get("type") or (  # INET4 / INET6, read as INET (parse/mysql.py)
        kind.this.name.lower() if hasattr(kind.this, "name") else str(kind.this).lower())
    mods = []
    for param in kind.expressions or ():
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        if isinstance(value, exp.Literal) and not value.is_string:
            mods.append(int(value.this))
    charset = None
    for con in coldef.args.get("constraints") or ():
        if isinstance(con.args.get("kind"), exp.CharacterSetColumnConstraint):
            charset = _charset_name(con.args["kind"].name.lower())
    if charset == "binary" and type_name in _BINARY_TYPES:
        # CHARACTER SET binary makes a character type its binary one (MariaDB 10.11: SHOW
        # CREATE TABLE says varbinary(10), blob...; MySQL 8.0 manual, 13.3.1 "String Data
        # Type Syntax"): compared as that type, its length in bytes
        type_name, charset = _BINARY_TYPES[type_name], None
    if type_name in ("enum", "set"):
        mods = [len(kind.expressions or ())]
    elif type_name in _INTEGER_TYPES:
        mods = []  # INT(11): a display width, no part of the type
    return type_name, tuple(mods), charset


#: A character type and the binary type `CHARACTER SET binary` makes it.
_BINARY_TYPES = {"char": "binary", "varchar": "varbinary", "tinytext": "tinyblob",
                 "text": "blob", "mediumtext": "mediumblob", "longtext": "longblob"}


def _binary_attribute(coldef) -> bool:
    """Whether a column definition has the BINARY attribute (`VARCHAR(10) BINARY`): the
    `_bin` collation of its character set, named or its table's (MariaDB 10.11: SHOW CREATE
    TABLE says COLLATE utf8mb4_bin; MySQL 8.0 manual, 13.3.1, deprecated in 8.0.17). A
    COLLATE written beside it wins (not followed: the server refuses most such pairs)."""
    from sqlglot import exp

    return any(isinstance(con.args.get("kind"), exp.BinaryColumnConstraint)
               for con in coldef.args.get("constraints") or ())


def _members(coldef) -> tuple[str, ...]:
    """An ENUM or SET column's members, in order; () for other types."""
    kind = coldef.args.get("kind")
    if kind is None or _column_type(coldef)[0] not in ("enum", "set"):
        return ()
    return tuple(param.name for param in kind.expressions or ())


def _member_storage_bytes(type_name: str, count: int) -> int:
    """ENUM: 1 byte up to 255 members, else 2; SET: one bit per member in 1, 2, 3, 4 or 8
    bytes."""
    if type_name == "enum":
        return 1 if count <= 255 else 2
    size = (count + 7) // 8
    return size if size <= 4 else 8


def _appends_members(type_name: str, old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether `new` is `old` with members added at the end, in the same storage size: the
    only ENUM / SET change the server makes without copying the table."""
    return (len(new) > len(old) and new[:len(old)] == old
            and _member_storage_bytes(type_name, len(old))
            == _member_storage_bytes(type_name, len(new)))


def _collation(coldef) -> str | None:
    """The COLLATE a column definition names, lower case (the BINARY attribute beside a
    CHARACTER SET names that set's `_bin` one); None when it names none."""
    from sqlglot import exp

    for con in coldef.args.get("constraints") or ():
        if isinstance(con.args.get("kind"), exp.CollateColumnConstraint):
            return _collation_name(con.args["kind"].this.name.lower()) or None
    charset = _column_type(coldef)[2]
    if charset and charset != "binary" and _binary_attribute(coldef):
        return f"{charset}_bin"  # BINARY beside a named character set: its _bin collation
    return None


#: MariaDB's default old_mode has UTF8_IS_UTF8MB3 from 10.6.1 (utf8 an alias of utf8mb3, as
#: it always was) up to 13.0; from 13.1 it is empty and `utf8` is utf8mb4 (MDEV-30041: the
#: server's sql/sql_class.h OLD_MODE_DEFAULT_VALUE became 0 in 13.1, and sys_vars.cc
#: deprecates the flag from 13.1, as mariadb-docs pull request 765, DOCS-6222, "utf8_is_utf8mb3
#: not default from 13.1", checked against the source for MariaDB's "OLD_MODE" page). Not
#: 11.8: an older "Unicode" page said "From MariaDB 11.8, utf8 is an alias for utf8mb4"; its
#: current text drops that, and 11.8 kept UTF8_IS_UTF8MB3 in the default (fix-mysql69).
#: MySQL 8.0 / 8.4 read utf8 as utf8mb3 (the manual's "The utf8 Character Set (Alias for
#: utf8mb3)"). A server whose old_mode was set otherwise is not followed.
_MARIADB_UTF8_IS_UTF8MB4_FROM = (13, 1)
#: What `utf8` names for the statement being read (`utf8_reading`, from its session).
_UTF8: ContextVar[str] = ContextVar("lockwise_mysql_utf8", default="utf8mb3")


def utf8_alias(flavour: str, version: Version) -> str:
    """The character set `utf8` names on `flavour` at `version`."""
    return "utf8mb4" if flavour == "mariadb" and version >= _MARIADB_UTF8_IS_UTF8MB4_FROM \
        else "utf8mb3"


@contextmanager
def utf8_reading(session: MySQLSession) -> Iterator[None]:
    """Read `utf8` (and `utf8_*` collations) as the session's server does meanwhile."""
    token = _UTF8.set(utf8_alias(session.flavour, session.version))
    try:
        yield
    finally:
        _UTF8.reset(token)


def _charset_name(charset: str) -> str:
    """A character set by its own name: `utf8` is utf8mb3, or utf8mb4 on MariaDB 13.1 and
    later (utf8_alias; the statement's server: utf8_reading)."""
    return _UTF8.get() if charset == "utf8" else charset


def _collation_charset(collation: str) -> str | None:
    """The character set a collation belongs to, by its own name (`latin1_bin`: latin1;
    `utf8_bin`: _charset_name's utf8). A COLLATE written alone gives a column or table that
    set (MariaDB 10.11: `MODIFY c VARCHAR(10) COLLATE latin1_bin` of a utf8mb4 column makes it
    `CHARACTER SET latin1`, re-encoded: SHOW CREATE TABLE, and NOCOPY refused). None for
    MariaDB 10.10's names of no character set (`uca1400_ai_ci`: the one of the set it is
    used with, `utf8mb4_uca1400_ai_ci` in a utf8mb4 column; checked on 10.11)."""
    prefix = collation.split("_")[0]
    return None if prefix == "uca1400" else _charset_name(prefix)


def _collation_name(collation: str) -> str:
    """A collation by its own name: `utf8_bin` is utf8mb3_bin, or utf8mb4_bin where utf8
    is utf8mb4 (as _charset_name)."""
    return f"{_UTF8.get()}_{collation[5:]}" if collation.startswith("utf8_") else collation


#: The collation a character set's column takes when nothing names one (MySQL 8.0 / 8.4 and
#: MariaDB 10.11, SHOW CHARACTER SET's Default collation); only the common ones.
_DEFAULT_COLLATIONS = {"latin1": "latin1_swedish_ci", "utf8mb3": "utf8mb3_general_ci",
                       "ascii": "ascii_general_ci", "binary": "binary"}
_UTF8MB4_DEFAULT_COLLATION = {"mysql": "utf8mb4_0900_ai_ci", "mariadb": "utf8mb4_general_ci"}
#: MariaDB 11.2 made a character set's default collation a setting (character_set_collations,
#: empty by default: the compiled ones above); from 11.5 its default names uca1400_ai_ci for
#: the Unicode sets (MariaDB's "Supported Character Sets and Collations": ucs2_general_ci up
#: to 11.4, ucs2_uca1400_ai_ci from 11.5). A server configured otherwise is not followed.
_UCA1400_DEFAULT_FROM = (11, 5)


def _default_collations(flavour: str, version: Version) -> dict[str, str]:
    """The default collation of each common character set on `flavour` at `version`."""
    defaults = {**_DEFAULT_COLLATIONS, "utf8mb4": _UTF8MB4_DEFAULT_COLLATION[flavour]}
    if flavour == "mariadb" and version >= _UCA1400_DEFAULT_FROM:
        defaults.update(utf8mb3="utf8mb3_uca1400_ai_ci", utf8mb4="utf8mb4_uca1400_ai_ci")
    return defaults


def _changes_to_default(old: Column, charset: str | None, collation: str | None,
                        defaults: dict[str, str]) -> bool:
    """Whether a MODIFY that names no COLLATE changes the column's collation: it takes
    `collation`, its table's default (None: the character set's own default; MySQL 8.0
    manual, 10.3.5 "Column Character Set and Collation"; MariaDB 10.11 checked: `MODIFY c
    VARCHAR(10)` of a utf8mb4_bin column in a utf8mb4 table makes it utf8mb4_general_ci, and
    `CHARACTER SET latin1` alone of a latin1_bin column latin1_swedish_ci). A default not
    known here is taken to be no `_bin` collation. `defaults`: _default_collations."""
    default = defaults.get(charset or "")
    before, after = old.collation or default, collation or default
    if before is None or after is None:
        return (before or after or "").endswith("_bin")
    return before != after


def _widens_utf8mb3(old: Column, new_mods: tuple[int, ...], new_charset: str,
                    new_collation: str | None) -> bool:
    """Whether a MODIFY takes a CHAR / VARCHAR / TEXT column from utf8mb3 to utf8mb4 without
    re-encoding a byte (utf8mb4 is a superset): the same collation family (general_ci to
    general_ci...), a CHAR of the same length, a VARCHAR no shorter whose length bytes stay or
    that grows from under 128 bytes (as a VARCHAR extension). MariaDB 10.4+ runs it instantly
    (checked on 10.11); MySQL copies the table."""
    if _charset_name(old.charset or "") != "utf8mb3" or new_charset != "utf8mb4":
        return False
    family = (old.collation or "utf8mb3_general_ci").split("_", 1)[-1]
    if new_collation and new_collation.split("_", 1)[-1] != family:
        return False
    if old.type_name == "char":
        return old.typmods == new_mods
    if old.type_name == "varchar" and old.typmods and new_mods:
        old_bytes, new_bytes = old.typmods[0] * 3, new_mods[0] * 4
        return new_mods[0] >= old.typmods[0] and (
            (old_bytes <= 255) == (new_bytes <= 255) or old_bytes < 128)
    return old.typmods == new_mods


def _utf8mb4_operation(old: Column, new_mods: tuple[int, ...], new_charset: str,
                       new_collation: str | None, table: Table | None) -> str:
    """A MODIFY giving a CHAR / VARCHAR / TEXT column another character set. From utf8mb3 to
    utf8mb4 with nothing re-encoded (_widens_utf8mb3) MariaDB is instant; MySQL 8.0 changes
    only metadata, in place, when no index has the column and a VARCHAR keeps its length
    bytes or a TEXT its type (WL#11605, "Alter table with character set conversion as inplace
    operation, Step 1, NO INDEX"; sql/field.cc, charset_prevents_inplace and
    length_prevents_inplace): `widen_utf8mb3_to_utf8mb4_unindexed`. A CHAR's MySQL path is
    left as the manual's copy ("Changing the column data type", 17.12.1 in 8.0)."""
    if not _widens_utf8mb3(old, new_mods, new_charset, new_collation):
        return "change_column_type"
    if _indexed(table, old.name):
        return "widen_utf8mb3_to_utf8mb4"
    if old.type_name == "varchar" and old.typmods and new_mods:
        in_place = (old.typmods[0] * 3 <= 255) == (new_mods[0] * 4 <= 255)
    else:
        in_place = old.type_name in _TEXT_TYPES
    return "widen_utf8mb3_to_utf8mb4_unindexed" if in_place else "widen_utf8mb3_to_utf8mb4"


def _mariadb_widening(old: Column, new_mods: tuple[int, ...], new_charset: str,
                      new_collation: str | None, table: Table | None,
                      defaults: dict[str, str]) -> str | None:
    """MariaDB's utf8mb3 to utf8mb4 of a CHAR / VARCHAR / TEXT column, by MODIFY or CONVERT
    TO (fix-mysql71): instant whatever the two collations, when no byte is re-encoded
    (_widens_utf8mb3); one of another family (utf8mb3_bin to utf8mb4_general_ci: `new_collation`,
    else utf8mb4's default) is a collation change besides, the column's _collation_operation
    (an index on it built again, NOCOPY; a primary key's a copy). Checked on 10.11, indexed
    and not. None when it is no such widening."""
    if not _widens_utf8mb3(old, new_mods, new_charset, None):
        return None
    before = old.collation or defaults.get("utf8mb3", "utf8mb3_general_ci")
    after = new_collation or defaults.get(new_charset, "")
    if before.split("_", 1)[-1] != after.split("_", 1)[-1]:
        return _collation_operation(True, old, table)
    return "widen_utf8mb3_to_utf8mb4"


def _indexed(table: Table | None, column: str) -> bool:
    """Whether an index of the replayed schema has `column`."""
    return table is not None and any(column in columns for columns, _ in table.keys.values())


def _recodes_members(coldef, old: Column, new_charset: str | None,
                     to_default: bool, defaults: dict[str, str]) -> bool:
    """Whether a MODIFY of an ENUM / SET column gives it another character set or collation:
    both are part of its type, and the server copies the table (checked on MariaDB 10.11:
    "Cannot change column type"), even when members are only appended. A collation is
    compared with the column's (_changes_collation); a character set with the one the
    column has; `to_default`: a MODIFY naming no COLLATE gives it another
    (_changes_to_default); `defaults`: _default_collations."""
    new_collation = _collation(coldef)
    charset = new_charset or (_collation_charset(new_collation) if new_collation else None)
    if charset and old.charset and charset != old.charset:
        return True
    return to_default or _changes_collation(new_collation, old, defaults)


def _changes_collation(new_collation: str | None, old: Column,
                       defaults: dict[str, str]) -> bool:
    """Whether a COLLATE a MODIFY writes differs from the column's: the one the migrations
    wrote for the column or its table, else its character set's default (`defaults`), the
    collation the server gave it (fix-mysql73; MariaDB 10.11: `COLLATE utf8mb4_unicode_ci`
    of a foreign key column in a utf8mb4 table that named none is 1832, and `COLLATE
    utf8mb4_general_ci` runs). With that default not known, only a `_bin` collation counts."""
    return new_collation is not None and \
        _changes_to_default(old, old.charset, new_collation, defaults)


def _collation_operation(changes: bool, old: Column, table: Table | None) -> str | None:
    """A CHAR / VARCHAR / TEXT column's new collation in the same character set: the rows keep
    their bytes, but an index on the column is in another order. Unindexed, MySQL changes it
    in place and MariaDB instantly; indexed, MySQL copies the table (sql/field.cc,
    charset_prevents_inplace: a collation change is "potentially acceptable if the field is
    not indexed") and MariaDB builds the index again without a rebuild (NOCOPY); a primary
    key column's change copies the table on both (checked on MariaDB 10.11). `changes`:
    whether the MODIFY gives the column another collation."""
    if not changes:
        return None
    if _in_primary_key(table, old.name):
        return "change_column_type"
    return "change_collation_indexed" if _indexed(table, old.name) else "change_collation"


def _constraint_kinds(coldef) -> set[str]:
    out = set()
    for con in coldef.args.get("constraints") or ():
        kind = con.args.get("kind")
        if kind is None:
            continue
        # sqlglot spells an explicit NULL as NotNullColumnConstraint(allow_null=True).
        if type(kind).__name__ == "NotNullColumnConstraint" and kind.args.get("allow_null"):
            out.add("NullColumnConstraint")
        else:
            out.add(type(kind).__name__)
    return out


def _in_primary_key(table: Table | None, column: str) -> bool:
    """Whether `column` is part of the table's primary key: MySQL keeps such a column NOT NULL
    whatever a MODIFY says, so `MODIFY id INT` does not make it nullable."""
    key = table.constraints.get("PRIMARY") if table is not None else None
    return key is not None and column in key.columns


#: Spatial column types; GEOMETRY holds the values of all the others.
_SPATIAL = {"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
            "multipolygon", "geometrycollection", "geomcollection"}


def _widens_spatial(old: Column, new_type: str, new_mods: tuple[int, ...]) -> bool:
    """POINT -> GEOMETRY with the same SRID: every stored value still fits."""
    return old.type_name in _SPATIAL and new_type == "geometry" and old.typmods == new_mods


def _max_bytes(length: int, charset: str | None) -> int:
    """The most bytes a VARCHAR(length) value takes in `charset` (unknown: utf8mb4's 4)."""
    return length * CHARSET_BYTES.get(charset or "utf8mb4", 4)


def _length_bytes(length: int, charset: str | None) -> int:
    return 1 if _max_bytes(length, charset) <= 255 else 2


# --- classification of ALTER TABLE sub-operations -------------------------------------------

def _generated(coldef, kinds: set[str]) -> str:
    """"stored" or "virtual" for a generated column, "" for another."""
    if "ComputedColumnConstraint" in kinds or "GeneratedAsIdentityColumnConstraint" in kinds:
        # MySQL generated columns are VIRTUAL unless STORED (or PERSISTENT in MariaDB).
        text = coldef.sql(dialect="mysql").upper()
        return "stored" if "STORED" in text or "PERSISTENT" in text else "virtual"
    return ""


def _classify_add_column(coldef, positioned: bool) -> str:
    kinds = _constraint_kinds(coldef)
    if "AutoIncrementColumnConstraint" in kinds:
        return "add_column_auto_increment"
    if generated := _generated(coldef, kinds):
        return f"add_column_{generated}_generated"
    if "PrimaryKeyColumnConstraint" in kinds:
        return "add_primary_key"
    return "add_column_positioned" if positioned else "add_column_last"


#: Functions whose value differs from row to row within one statement (MariaDB's UUID(),
#: UUID_SHORT(), SYS_GUID()); NOW() and RAND() do not count: MariaDB 10.11 adds a column
#: with those defaults instantly.
_PER_ROW_FUNCTIONS = {"UUID", "UUID_SHORT", "SYS_GUID"}


def _column_default(coldef):
    """The column's DEFAULT clause, or None."""
    from sqlglot import exp

    for con in coldef.args.get("constraints") or ():
        if isinstance(con.args.get("kind"), exp.DefaultColumnConstraint):
            return con.args["kind"]
    return None


def _default_per_row(default) -> bool:
    """Whether an expression DEFAULT is computed for each row: it reads another column, or
    calls a function of _PER_ROW_FUNCTIONS. Adding such a column, MariaDB copies the table
    (checked on 10.11): no single default value can stand for the rows."""
    from sqlglot import exp

    for node in default.walk():
        name = node.name.upper() if isinstance(node, exp.Anonymous) else ""
        if isinstance(node, (exp.Column, exp.Uuid)) or name in _PER_ROW_FUNCTIONS:
            return True
    return False


def _add_column_default_operation(op: str, coldef, flavour: str) -> str:
    """ADD COLUMN's operation once its DEFAULT is read: a value per row copies the table on
    both servers; any other expression takes MySQL's in-place rebuild (mysql_ddl.py)."""
    from sqlglot import exp

    default = _column_default(coldef)
    if op not in ("add_column_last", "add_column_positioned") or default is None:
        return op
    if _default_per_row(default):
        return "add_column_row_default"
    # MySQL writes an expression DEFAULT in parentheses (8.0.13+; "Data Type Default Values")
    expression = isinstance(default.this, exp.Paren)
    return "add_column_expression_default" if expression and flavour == "mysql" else op


def _takes_default(coldef, old: Column | None,
                   table_default: tuple[str | None, str | None], defaults: dict[str, str]
                   ) -> tuple[str | None, bool]:
    """A MODIFY's character set (the one it names, else the one its COLLATE belongs to, else
    its table's default when known and the column's is), and whether, naming no COLLATE, it
    gives the column another collation (a CHARACTER SET named alone takes its own default
    collation)."""
    new_type, _, named = _column_type(coldef)
    if old is None or new_type not in _STRING_TYPES:
        return named, False
    if (collation := _collation(coldef)) is not None:
        return named or _collation_charset(collation), False
    table_charset, table_collation = table_default
    charset = named or (table_charset if old.charset else None)
    collation = None if named or not table_charset else table_collation
    if _binary_attribute(coldef) and (charset or old.charset):
        collation = f"{charset or old.charset}_bin"  # BINARY alone: the set's _bin collation
    return charset, (charset or old.charset) == old.charset and _changes_to_default(
        old, old.charset, collation, defaults)


def _with_server_charset(old: Column | None, session: MySQLSession) -> Column | None:
    """`old` as the server has it: a string column that neither it nor its table named a
    character set for has the server's default (the config's `character_set_server`, else
    the version's: server_default_charset), in which its bytes count and from which a later
    table default re-encodes it (fix-mysql66; MariaDB 10.11, latin1: `MODIFY w VARCHAR(256)`
    of a VARCHAR(200) adds a length byte, a copy; after `DEFAULT CHARSET=utf8mb4`, `MODIFY w
    VARCHAR(255)` re-encodes it, a copy)."""
    if old is None or old.charset is not None or old.type_name not in _STRING_TYPES:
        return old
    return replace(old, charset=_server_charset(session))


def _server_charset(session: MySQLSession) -> str:
    """The character set of the session's server (the config's `character_set_server`, else
    the version's default): a table's that names none in a database the replay does not
    know, and a string column's of such a table."""
    return _charset_name(session.charset_server) if session.charset_server else \
        server_default_charset(session.flavour, session.version)


def _keep_charset_text(coldef, old: Column | None,
                       table_default: tuple[str | None, str | None],
                       defaults: dict[str, str]) -> str:
    """What a MODIFY naming neither CHARACTER SET nor COLLATE would write to keep the column's
    own (it takes the table's defaults otherwise): "" when it names one or changes neither."""
    if old is None or _column_type(coldef)[2] is not None or not old.charset or \
            _collation(coldef) is not None:
        return ""
    charset, to_default = _takes_default(coldef, old, table_default, defaults)
    if charset == old.charset and not to_default:
        return ""
    # (a MODIFY with the BINARY attribute takes the set's _bin collation from it: a COLLATE
    # before it is a syntax error, MariaDB 10.11)
    return f"CHARACTER SET {old.charset}" + (
        f" COLLATE {old.collation}" if old.collation and not _binary_attribute(coldef) else "")


def _classify_modify(coldef, old: Column | None, table: Table | None, flavour: str,
                     table_default: tuple[str | None, str | None] = (None, None),
                     defaults: dict[str, str] | None = None,
                     version: Version | None = None) -> list[str]:
    """MODIFY / CHANGE COLUMN: type change, varchar growth, nullability, position, rename.
    A column whose character set the migrations never named (nor its table's) has the
    server's default, which a MODIFY naming another one re-encodes. A string column's MODIFY
    that names neither character set nor collation gives it the table's default
    (`table_charset`, when known), re-encoding a column of another one (MariaDB 10.11:
    `MODIFY c VARCHAR(20)` of a latin1 column in a utf8mb4 table "Cannot change column
    type"; MySQL 8.0 manual, 10.3.5 "Column Character Set and Collation", for CREATE and
    ALTER TABLE: with neither CHARACTER SET nor COLLATE, the table's are used). Its collation
    then is the table's default (`table_default`: character set and collation); with a
    CHARACTER SET alone, that set's default (_changes_to_default; `defaults`: the server's,
    _default_collations, the flavour's default version's when None). `old` is the column as
    the server has it: one no character set was named for has the server's default, which
    the caller gives it (_with_server_charset)."""
    ops: list[str] = []
    new_type, new_mods, new_charset = _column_type(coldef)
    version = version or DEFAULT_VERSIONS[flavour]
    defaults = defaults or _default_collations(flavour, version)
    new_charset, to_default = _takes_default(coldef, old, table_default, defaults)
    # an AUTO_INCREMENT column is NOT NULL whatever the MODIFY says (MariaDB 10.11 checked)
    new_not_null = bool({"NotNullColumnConstraint", "AutoIncrementColumnConstraint"}
                        & _constraint_kinds(coldef)) or \
        _in_primary_key(table, old.name if old else "")
    if old is None:
        return ["change_column_type"]  # old definition unknown: assume the worst
    new_type, new_mods = _text_type(new_type, new_mods,
                                    _charset_name(new_charset or old.charset or ""))
    same_type = old.type_name == new_type
    if not same_type and _widens_spatial(old, new_type, new_mods):
        ops.append("widen_spatial_type")
    elif not same_type or old.compressed != bool(coldef.meta.get("compressed")):
        ops.append("change_column_type")  # (MariaDB's COMPRESSED: its values stored anew)
    elif new_type in _STRING_TYPES - {"enum", "set"} and new_charset and \
            _charset_name(new_charset) != _charset_name(old.charset or ""):
        op = _utf8mb4_operation(old, new_mods, _charset_name(new_charset), _collation(coldef),
                                table)
        # (MariaDB: the collation the column takes, named or its table's, may be another
        # family's, which MySQL's path above only reads when written)
        widened = _mariadb_widening(
            old, new_mods, _charset_name(new_charset), _collation(coldef) or (
                table_default[1] if _column_type(coldef)[2] is None else None),
            table, defaults) if flavour == "mariadb" else None
        ops.append(op if widened in (None, "widen_utf8mb3_to_utf8mb4") else widened)
    elif new_type in ("enum", "set") and _recodes_members(coldef, old, new_charset,
                                                          to_default, defaults):
        ops.append("change_column_type")  # its character set or collation: a type change
    elif new_type in ("enum", "set"):
        new_members = _members(coldef)
        if new_members != old.members:
            ops.append("extend_enum" if _appends_members(new_type, old.members, new_members)
                       else "change_column_type")
    elif old.typmods != new_mods:
        if new_type in ("varchar", "varbinary") and old.typmods and new_mods:
            # a VARBINARY's length counts bytes, whatever its table's character set (MariaDB
            # 10.11: VARBINARY(40) to (255) INSTANT in a utf8mb4 table, to (256) a copy)
            charset = "binary" if new_type == "varbinary" else new_charset or old.charset
            if new_mods[0] < old.typmods[0]:
                ops.append("shrink_varchar")
            elif _length_bytes(old.typmods[0], charset) == _length_bytes(new_mods[0], charset):
                ops.append("extend_varchar_same_length_bytes")
            elif _max_bytes(old.typmods[0], charset) < 128:
                ops.append("extend_varchar_more_length_bytes")
            else:
                ops.append("extend_varchar_more_length_bytes_long")
        else:
            ops.append("change_column_type")
    elif new_charset and new_charset != (old.charset or new_charset):
        ops.append("change_column_type")
    if new_type in _STRING_TYPES - {"enum", "set"} and "change_column_type" not in ops and \
            not {"widen_utf8mb3_to_utf8mb4", "widen_utf8mb3_to_utf8mb4_unindexed",
                 "change_collation", "change_collation_indexed"} & set(ops) and \
            (collation := _collation_operation(
                to_default or _changes_collation(_collation(coldef), old, defaults),
                old, table)) is not None:
        ops.append(collation)
    if old.not_null and not new_not_null:
        ops.append("make_column_nullable")
    elif new_not_null and not old.not_null:
        ops.append("make_column_not_null")
    if "AutoIncrementColumnConstraint" in _constraint_kinds(coldef) and \
            not old.auto_increment and "change_column_type" not in ops:
        ops.append("make_column_auto_increment")
    if coldef.args.get("position") is not None:
        ops.append("reorder_column")
    return ops or ["metadata_only"]


#: MariaDB's table options that InnoDB applies by building the table again, in place
#: (checked on 10.11: ALGORITHM=NOCOPY "Changing table options requires the table to be
#: rebuilt"; KEY_BLOCK_SIZE, MySQL's too, is read as a row format change).
_REBUILDING_OPTIONS = frozenset({"PAGE_COMPRESSED", "ENCRYPTED"})


#: A table or index name as written: backquoted (spaces and dots allowed inside), or bare;
#: optionally qualified by its database. Whole: never a shorter part of it (the lookaheads),
#: or a pattern that fails after the name tried each of its prefixes, each with a scan of
#: the rest (`.*?`): a statement on a name 100,000 characters long took minutes.
_PART = r"(?:`(?:[^`]|``)*`(?!`)|[\w$]+(?![\w$]))"
_NAME = rf"{_PART}(?:\.{_PART})?"

#: An ADD CHECK and its parenthesized expression (two levels of parentheses inside).
_ADD_CHECK_PARENS = r"\bADD\s+(CONSTRAINT\s+\S+\s+)?CHECK\s*\((?:[^()]|\([^()]*\))*\)"

#: ALTER INDEX's visibility clause: MySQL's VISIBLE / INVISIBLE, MariaDB's [NOT] IGNORED.
_INDEX_VISIBILITY = re.compile(rf"\bALTER\s+(INDEX|KEY)\s+(?P<index>{_PART})\s+"
                               r"(?P<visible>NOT\s+IGNORED|IGNORED|VISIBLE|INVISIBLE)\b", re.I)

_COMMAND_ALTER = [
    (_INDEX_VISIBILITY, "set_index_visibility"),
    # (before DROP COLUMN's pattern, which would read a column named SYSTEM)
    (re.compile(r"\bADD\s+SYSTEM\s+VERSIONING\b", re.I), "add_system_versioning"),
    (re.compile(r"\bDROP\s+SYSTEM\s+VERSIONING\b", re.I), "drop_system_versioning"),
    (re.compile(r"\b(ADD|DROP|TRUNCATE|EXCHANGE)\s+PARTITION\b", re.I), None),
    (re.compile(r"\b(ANALYZE|CHECK|REPAIR)\s+PARTITION\b", re.I), "maintain_partition"),
    # MariaDB 10.7's CONVERT PARTITION p TO TABLE t / CONVERT TABLE t TO PARTITION p ...
    (re.compile(r"\bCONVERT\s+(PARTITION|TABLE)\b", re.I), "convert_partition"),
    (re.compile(r"\b(COALESCE|REORGANIZE|REBUILD)\s+PARTITION\b", re.I), "reorganize_partition"),
    # DISCARD / IMPORT [PARTITION {names | ALL}] TABLESPACE (before PARTITION BY's pattern)
    (re.compile(r"\b(DISCARD|IMPORT)\s+(PARTITION\s.*?)?TABLESPACE\b", re.I | re.S),
     "transport_tablespace"),
    (re.compile(r"\bOPTIMIZE\s+PARTITION\b", re.I), "optimize_partition"),
    (re.compile(r"\bPARTITION\s+BY\b|\bREMOVE\s+PARTITIONING\b", re.I), "repartition"),
    (re.compile(r"\bAS\s*\(.*\)\s*(STORED|PERSISTENT)\b", re.I | re.S),
     "add_column_stored_generated"),
    (re.compile(r"\bCONVERT\s+TO\s+(CHARACTER\s+SET|CHARSET)\b", re.I), "convert_character_set"),
    (re.compile(rf"\bALTER\s+(CHECK|CONSTRAINT)\s+{_PART}\s+ENFORCED\b", re.I),
     "enforce_check_constraint"),
    (re.compile(r"\bADD\s+(COLUMN\s+)?\(", re.I), "add_column_last"),
    (re.compile(r"\b(DISABLE|ENABLE)\s+KEYS\b", re.I), "toggle_keys"),
    (re.compile(r"\bENGINE\s*=", re.I), "rebuild_table"),
    (re.compile(r"\bFORCE\b", re.I), "rebuild_table"),
    (re.compile(r"\bROW_FORMAT\s*=|\bKEY_BLOCK_SIZE\b", re.I), "change_row_format"),
    (re.compile(r"\bADD\s+(CONSTRAINT\s+\S+\s+)?FOREIGN\s+KEY\b", re.I), "add_foreign_key"),
    # sqlglot reads no unnamed ADD CHECK: whether it is NOT ENFORCED is read here, an enforced
    # one first (the statement copies if any is); an expression nested deeper is enforced
    (re.compile(rf"{_ADD_CHECK_PARENS}(?!\s*NOT\s+ENFORCED\b)", re.I), "add_check_constraint"),
    (re.compile(rf"{_ADD_CHECK_PARENS}\s*NOT\s+ENFORCED\b", re.I),
     "add_check_constraint_not_enforced"),
    (re.compile(r"\bADD\s+(CONSTRAINT\s+\S+\s+)?CHECK\b", re.I), "add_check_constraint"),
    (re.compile(r"\bADD\s+(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?(INDEX|KEY)\b", re.I), "add_index"),
    (re.compile(r"\bDROP\s+(INDEX|KEY)\b", re.I), "drop_index"),
    (re.compile(r"\bDROP\s+PRIMARY\s+KEY\b", re.I), "drop_primary_key"),
    (re.compile(r"\bDROP\s+(COLUMN\s+)?`?(?P<column>\w+)`?", re.I), "drop_column"),
    # (the table's comment, `=` optional: MariaDB 10.11 runs `COMMENT 'x'` as `COMMENT = 'x'`)
    (re.compile(r"\bCOMMENT\s*(?:=|['\"])", re.I), "set_table_comment"),
    # CHECKSUM (TABLE_CHECKSUM), MyISAM's and Aria's live checksum, which sqlglot reads in no
    # ALTER TABLE: InnoDB keeps none, the option is metadata (MariaDB 10.11: INSTANT)
    (re.compile(r"^\s*(TABLE_)?CHECKSUM\b", re.I), "alter_nothing"),
    (re.compile(r"\bAUTO_INCREMENT\s*=", re.I), "set_auto_increment"),
    (re.compile(rf"\bALTER\s+(CHECK|CONSTRAINT)\s+{_PART}\s+NOT\s+ENFORCED\b", re.I),
     "suspend_check_constraint"),
]
#: The values of the ALGORITHM= and LOCK= clauses; with `=` any word is read as one (and the
#: server refuses a value it does not know), without it only these.
_CLAUSE_VALUES = {"ALGORITHM": {"DEFAULT", "INSTANT", "NOCOPY", "INPLACE", "COPY"},
                  "LOCK": {"DEFAULT", "NONE", "SHARED", "EXCLUSIVE"}}


@dataclass(frozen=True, slots=True)
class _Clauses:
    algorithm: str = ""
    lock: str = ""
    #: The ALTER's operations without its table name and ALGORITHM= / LOCK= clauses, as an
    #: online schema change tool (which picks its own algorithm) takes them.
    operations_sql: str = ""


#: The partition operations MariaDB runs as commands of their own, not through ALTER TABLE's
#: path: ALTER ONLINE TABLE leaves them as they are, where it refuses the other partition
#: operations (ADD, DROP, COALESCE, REORGANIZE, REBUILD, CONVERT: 1846 "Partition specific
#: operations do not yet support LOCK/ALGORITHM"). Checked on MariaDB 10.11: each runs, and
#: TRUNCATE, EXCHANGE and OPTIMIZE PARTITION wait for a write's metadata lock as without it.
_ONLINE_IGNORED = re.compile(
    r"\s*(?:ANALYZE|CHECK|OPTIMIZE|REPAIR|TRUNCATE|EXCHANGE)\s+PARTITION\b", re.I)


def _clauses(sql: str) -> _Clauses:
    """The ALGORITHM= and LOCK= clauses of an ALTER / CREATE INDEX / DROP INDEX, read from its
    tokens: a column named `algorithm`, or a comment saying LOCK=NONE, is not one.
    MariaDB's ALTER ONLINE TABLE is LOCK=NONE (but for the partition operations of
    _ONLINE_IGNORED, which run as without it)."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import mysql_tokens

    try:
        tokens = mysql_tokens(sql)
    except TokenError:
        return _Clauses(operations_sql=sql)
    found: dict[str, str] = {}
    cut: list[tuple[int, int]] = []
    depth = 0
    for i, tok in enumerate(tokens):
        depth += tok.token_type == TokenType.L_PAREN
        depth -= tok.token_type == TokenType.R_PAREN
        key = tok.text.upper()
        if depth or key not in _CLAUSE_VALUES or i + 1 >= len(tokens) or \
                i and tokens[i - 1].text.upper() == "KEY":  # PARTITION BY KEY ALGORITHM=2
            continue
        equals = tokens[i + 1].token_type == TokenType.EQ
        value = tokens[i + 1 + equals] if i + 1 + equals < len(tokens) else None
        if value is None or not (equals or value.text.upper() in _CLAUSE_VALUES[key]):
            continue
        found[key] = value.text.upper()
        start = tokens[i - 1].start if i and tokens[i - 1].token_type == TokenType.COMMA \
            else tok.start
        cut.append((start, value.end + 1))
    # (MariaDB's IF EXISTS is part of the head, not an operation a tool could run)
    head = _ALTER_TABLE.match(sql)
    if head and "ONLINE" in head.group("modifiers").upper() and \
            not _ONLINE_IGNORED.match(sql, head.end()):
        found.setdefault("LOCK", "NONE")
    text = sql
    for start, end in reversed(cut):
        text = text[:start] + text[end:]
    text = text[head.end():] if head else _as_alter_operations(text)
    return _Clauses(found.get("ALGORITHM", ""), found.get("LOCK", ""), text.strip(" ,\n\t"))


def _read_clauses(sql: str, operations: list[tuple[str, dict]], flavour: str) -> _Clauses:
    """The ALGORITHM= and LOCK= clauses of the ALTER `sql` as the server reads them: none for
    the operations whose clauses MySQL ignores. DISCARD / IMPORT [PARTITION ...] TABLESPACE:
    Sql_cmd_discard_import_tablespace::execute (sql_alter.cc) moves the file as with the
    manual's only ALGORITHM=DEFAULT, LOCK=DEFAULT. OPTIMIZE PARTITION: "ALGORITHM and LOCK
    clauses are ignored" (MySQL 8.0 / 8.4 manual, "Online DDL Operations", Online DDL Support
    for Partitioning Operations; not checked on a MySQL server). MariaDB refuses any clause
    with either: parse/mariadb_refusals.py."""
    clauses = _clauses(sql)
    if any(op == "transport_tablespace" or op == "optimize_partition" and flavour == "mysql"
           for op, _ in operations):
        return replace(clauses, algorithm="", lock="")
    return clauses


#: Statements that are an ALTER TABLE in another form, and that ALTER's operations.
_ALTER_FORMS = (
    (re.compile(rf"\s*CREATE\s+(?P<kind>(?:UNIQUE|FULLTEXT|SPATIAL)\s+)?INDEX\s+(?P<name>{_NAME})"
                rf"\s+(?P<using>USING\s+\w+\s+)?ON\s+{_NAME}\s*(?=\()(?P<rest>.*)", re.I | re.S),
     "ADD {kind}INDEX {name} {using}{rest}"),
    (re.compile(rf"\s*DROP\s+INDEX\s+(?P<name>{_NAME})\s+ON\s+{_NAME}(?P<rest>.*)", re.I | re.S),
     "DROP INDEX {name}{rest}"),
    (re.compile(rf"\s*OPTIMIZE\s+(?:NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLES?\s+{_NAME}(?P<rest>)",
                re.I), "FORCE"),
    (re.compile(rf"\s*RENAME\s+TABLES?\s+(?:IF\s+EXISTS\s+)?{_NAME}\s+TO\s+(?P<name>{_NAME})"
                r"(?P<rest>)", re.I),
     "RENAME TO {name}"),
)


def _as_alter_operations(sql: str) -> str:
    """CREATE INDEX, DROP INDEX, OPTIMIZE TABLE, RENAME TABLE as the operations of the ALTER
    TABLE that does the same (what gh-ost's --alter takes)."""
    for pattern, template in _ALTER_FORMS:
        if m := pattern.match(sql):
            return template.format(**{k: v or "" for k, v in m.groupdict().items()}).strip()
    return sql


#: Operations that are also a dialect-independent rule's action (drop-column...).
_RULE_ACTIONS = {"drop_column": "drop_column", "drop_column_virtual_generated": "drop_column",
                 "drop_column_with_index": "drop_column", "drop_column_indexed": "drop_column",
                 "drop_column_virtual_generated_partitioned": "drop_column",
                 "rename_column": "rename_column", "rename_table": "rename_table"}


#: Column changes the server refuses on a foreign key's column (Builder.foreign_key_column_changed).
_FOREIGN_KEY_COLUMN_CHANGES = frozenset({
    "change_column_type", "shrink_varchar", "extend_varchar_more_length_bytes",
    "extend_varchar_more_length_bytes_long", "widen_spatial_type", "widen_utf8mb3_to_utf8mb4",
    "widen_utf8mb3_to_utf8mb4_unindexed"})
#: And on MariaDB: a VARCHAR grown within its length bytes, and a new collation (a foreign
#: key's column is always indexed; by MODIFY, CHANGE or CONVERT TO ... COLLATE: 1832 on the
#: referencing table, 1833 on the referenced one, checked on 10.11 with foreign_key_checks
#: on and off). MySQL's answer to the collation was not run.
_MARIADB_FOREIGN_KEY_COLUMN_CHANGES = frozenset({"extend_varchar_same_length_bytes",
                                                 "change_collation_indexed"})

#: Actions saying the server refuses the statement (the migration stops there).
_REFUSALS = frozenset({"mysql_spatial_index_nullable", "mysql_table_not_locked",
                       "mysql_invalid_default",
                       "mysql_unknown_table", "mysql_table_listed_twice",
                       "mysql_no_database_selected",
                       "mysql_key_column_dropped", "mysql_foreign_key_index_dropped",
                       "mysql_foreign_key_column_changed", "mysql_partition_key_column_dropped",
                       "mysql_partition_key_column_changed", "mysql_set_null_column_not_null",
                       "mysql_partitioned_foreign_key", "mysql_partition_key_type",
                       "mysql_partition_unique_key", "mysql_check_column_in_use",
                       "mysql_partition_operation_refused", "mysql_engine_refused",
                       "mysql_table_definition_refused", "mysql_table_exists",
                       "mysql_constraint_not_found", "mysql_index_not_found",
                       "mysql_primary_key_invisible",
                       "mysql_fulltext_on_temporary_table", "mysql_program_exists",
                       "mysql_program_statement_not_allowed", "mysql_program_commits",
                       "mysql_program_result_set", "mariadb_system_versioned_alter",
                       "mariadb_delayed_insert_refused", "mysql_referenced_table_dropped",
                       "mariadb_page_compression_level", "mariadb_page_compression_option",
                       "mysql_charset_refused"})
#: What SET system_versioning_alter_history = ... sets, in a SET's text without spaces, lower
#: case: KEEP (or 1) lets an ALTER change a system-versioned table's columns.
_VERSIONING_ALTER_HISTORY = re.compile(r"system_versioning_alter_history=['\"]?(\w+)")
#: A CREATE TABLE's WITH SYSTEM VERSIONING (the table's or a column's: either makes the table
#: system-versioned, checked on MariaDB 10.11), and ALTER TABLE's ADD / DROP of it.
_WITH_VERSIONING = re.compile(r"\bWITH\s+SYSTEM\s+VERSIONING\b", re.I)
_VERSIONING_CHANGE = re.compile(r"\b(ADD|DROP)\s+SYSTEM\s+VERSIONING\b", re.I)
#: The words after ADD / DROP that begin a clause about something other than a column.
_NOT_A_COLUMN = frozenset({"INDEX", "KEY", "PRIMARY", "UNIQUE", "FULLTEXT", "SPATIAL",
                           "FOREIGN", "CONSTRAINT", "CHECK", "PARTITION", "PARTITIONS",
                           "PERIOD", "SYSTEM"})

#: Column types no partitioning function takes (error 1502).
_BLOB_TYPES = frozenset({"tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob",
                         "mediumblob", "longblob", "json"})


#: A PARTITION BY's type and its parenthesised key, when that holds no parentheses (an
#: expression that calls a function is not read).
_PARTITION_SHAPE = re.compile(r"\bPARTITION\s+BY\s+(?:LINEAR\s+)?(?P<kind>RANGE|LIST|HASH)"
                              r"(?P<columns>\s+COLUMNS)?\s*\((?P<key>[^()]*)\)", re.I)
_KEY_COLUMN = re.compile(r"`((?:[^`]|``)+)`|([A-Za-z_$][\w$]*)")
#: Column types RANGE, LIST and HASH of a bare column refuse (their expression "must return
#: an integer"), and those RANGE / LIST COLUMNS refuse (26.2.3 lists the types it takes:
#: integers, DATE, DATETIME, CHAR, VARCHAR, BINARY, VARBINARY): error 1659 for each, checked
#: on MariaDB 10.11. BLOB, TEXT and JSON are refused with another error (1502), left out.
_NOT_INTEGER_TYPES = frozenset({"char", "varchar", "binary", "varbinary", "float", "double",
                                "decimal", "date", "datetime", "timestamp", "timestamptz",
                                "time", "enum", "set"})
_NOT_COLUMNS_TYPES = frozenset({"float", "double", "decimal", "timestamp", "timestamptz",
                                "year", "bit", "enum", "set"})


def partition_key_type_refused(partitioning: str, columns: dict[str, Column]
                               ) -> dict[str, str] | None:
    """The facts of a PARTITION BY (the text from it on) whose key column has a type the
    partitioning refuses, error 1659 (ER_FIELD_TYPE_NOT_ALLOWED_AS_PARTITION_FIELD; MySQL
    manual, "Partitioning Types", 26.2 in 8.0 and 8.4): RANGE / LIST / HASH of one bare column
    that is not an integer, RANGE / LIST COLUMNS of a FLOAT, DECIMAL, TIMESTAMP, YEAR, BIT,
    ENUM or SET column. None when it takes them, or reads an expression."""
    shape = _PARTITION_SHAPE.search(partitioning)
    if shape is None:
        return None
    parts = [part.strip() for part in shape.group("key").split(",")]
    if not shape.group("columns") and len(parts) != 1:
        return None
    refused = _NOT_COLUMNS_TYPES if shape.group("columns") else _NOT_INTEGER_TYPES
    by_name = {name.lower(): column for name, column in columns.items()}
    for part in parts:
        name = _KEY_COLUMN.fullmatch(part)
        if name is None:
            return None  # an expression
        written = (name.group(1) or "").replace("``", "`") or name.group(2)
        column = by_name.get(written.lower())
        if column is not None and column.type_name in refused:
            type_name = "timestamp" if column.type_name == "timestamptz" else column.type_name
            kind = shape.group("kind").upper() + (" COLUMNS" if shape.group("columns") else "")
            return {"column": quote_mysql_ident(written), "column_type": type_name.upper(),
                    "partitioning": kind,
                    "takes": "integers, DATE, DATETIME, CHAR, VARCHAR, BINARY and VARBINARY "
                             "columns" if shape.group("columns") else "an integer",
                    "server_error": f"Field '{written}' is of a not allowed type for this "
                                    f"type of partitioning"}
    return None


def _unique_keys(table: Table) -> list[tuple[str, tuple[str, ...]]]:
    """`table`'s unique keys, (name, columns), the primary key first (named "")."""
    primary = table.constraints.get("PRIMARY")
    return ([("", primary.columns)] if primary is not None else []) + [
        (name, columns) for name, (columns, is_unique) in table.keys.items() if is_unique]


def _unique_key_without_partition_column(names: tuple[str, ...], table: Table,
                                         table_sql: str = "", before: Table | None = None
                                         ) -> dict[str, str] | None:
    """The facts of a partitioning by the columns `names` that a unique key of `table`, its
    primary key first, lacks one of: refused, error 1503 (MySQL manual, "Partitioning Keys,
    Primary Keys, and Unique Keys", 26.6.1: "every unique key on the table must use every
    column in the table's partitioning expression"; checked on MariaDB 10.11). None when
    every one has them all, or the partitioning names none (KEY ()); a column prefix of the
    key counts as its column (not judged). `table_sql`: the table as an ALTER TABLE names
    it, whose fix is an ALTER; none for a CREATE TABLE, whose fix is its own key. `before`:
    the table before the statement, whose keys are not judged again."""
    if not names:
        return None
    kept = set(_unique_keys(before)) if before is not None else set()
    for name, columns in _unique_keys(table):
        if (name, columns) in kept:
            continue
        held = {column.lower() for column in columns}
        missing = [column for column in names if column not in held]
        if not missing:
            continue
        kind = "UNIQUE INDEX" if name else "PRIMARY KEY"
        key = f"{kind} ({', '.join(quote_mysql_ident(c) for c in (*columns, *missing))})"
        if name:
            key = key.replace(" (", f" {quote_mysql_ident(name)} (", 1)
        # the key this statement adds has nothing to drop yet: add it with the columns
        added = before is not None and (
            name not in before.keys if name else "PRIMARY" not in before.constraints)
        drop = "" if added else \
            f"DROP INDEX {quote_mysql_ident(name)}, " if name else "DROP PRIMARY KEY, "
        cost = "builds the index in place" if name else "rebuilds the whole table in place"
        fix = (f"ALTER TABLE {quote_mysql_qualified(table_sql)} {drop}ADD {key};  -- {cost}"
               if table_sql else
               f"-- in the CREATE TABLE, in place of the key it declares:\n"
               f"{key.replace('UNIQUE INDEX', 'UNIQUE KEY')}")
        return {"unique_key": f"{kind} {name}".strip(), "missing_columns": ", ".join(missing),
                "key_columns": ", ".join(columns), "key_fix_sql": fix,
                "server_error": f"A {kind} must include all columns in the table's "
                                f"partitioning function"}
    return None


def _partition_key_columns(known: Table | None) -> tuple[str, ...]:
    """The columns a partitioned table's PARTITION BY names (for `KEY ()`, its primary
    key's); none for another table."""
    if known is None or known.kind != "partitioned":
        return ()
    primary = known.constraints.get("PRIMARY")
    return known.partition_key or (primary.columns if primary is not None and
                                   known.partition_strategy == "key" else ())


#: The refusals of a DROP TABLE after which MariaDB has dropped the other tables of its list.
_REFUSED_IN_PART = frozenset({"mysql_referenced_table_dropped", "mysql_unknown_table"})


def drops_in_part(actions: tuple[Action, ...] | list[Action], flavour: str) -> bool:
    """Whether the refused statement whose actions these are is MariaDB's DROP TABLE, which
    drops the tables of its list it can before it fails (1451, 1051; checked on 10.11): the
    replay drops those (`apply_mysql_statement`). MySQL 8 drops none."""
    refusals = {a.kind for a in actions if a.kind in _REFUSALS}
    return flavour == "mariadb" and bool(refusals) and refusals <= _REFUSED_IN_PART and \
        any(a.kind == "drop_table" for a in actions)


def refused(actions: tuple[Action, ...] | list[Action]) -> bool:
    """Whether the server refuses the statement whose actions these are (one of _REFUSALS,
    or an ALGORITHM= / LOCK= clause it will not take): it changes nothing, so the replayed
    schema and the session stay as they were."""
    return any(a.kind in _REFUSALS or (a.kind == "mysql_alter_table" and not (
        a.facts.get("algorithm_allowed", True) and a.facts.get("lock_allowed", True)))
        for a in actions)


class _Builder:
    def __init__(self, session: MySQLSession, catalog: Catalog):
        self.session = session
        self.catalog = catalog
        self.actions: list[Action] = []
        self.locks: dict[str, LockMode] = {}
        self.rewrites: set[str] = set()
        self.scans: dict[str, str] = {}
        self.creates: set[str] = set()
        self.drops: set[str] = set()
        self.alters: set[str] = set()
        self.writes: set[str] = set()
        #: Tables a multi-table UPDATE lists but does not write: SHARED_WRITE, yet LOCK TABLES
        #: ... READ lets the session run it (checked on MariaDB 10.11).
        self.joined: set[str] = set()
        #: Tables the statement renames (their LOCK TABLES lock does not follow the name).
        self.renamed: set[str] = set()
        #: The table a MariaDB INSERT DELAYED's rows go to through the delayed insert's own
        #: thread, which the session's LOCK TABLES does not restrict (_delayed_refused).
        self.delayed: set[str] = set()
        #: The tables a write prelocks for the foreign keys that reference the table it writes
        #: (MariaDB's, _key_action_locks), in order: under LOCK TABLES each must be locked.
        self.key_prelocked: dict[str, None] = {}
        #: The tables the statement writes, with the events of the triggers it fires on each
        #: (insert, update, delete): under LOCK TABLES the tables those use must be locked.
        self.fired: dict[str, set[str]] = {}
        #: Names as the statement spells them, by their lower-case form: MySQL table names
        #: are case-sensitive on most systems, so the suggested SQL keeps `Orders`.
        self.written: dict[str, str] = {}
        #: Tables named with the database the catalog keys them without, by key (_key): the
        #: findings name them as written (`b.t`).
        self.qualified: dict[str, str] = {}

    def key(self, name: str) -> str:
        """The catalog's key for the table `name` names (_key), its spelling kept."""
        key = _key(name, self.session, self.catalog)
        if key != name:
            self.qualified.setdefault(key, name)
        return key

    def table_facts(self, table: str) -> dict:
        written = ".".join(self.written.get(part, part)
                           for part in self.qualified.get(table, table).split("."))
        return {"table": written, "table_sql": written, "table_name": written.split(".")[-1],
                "table_name_arg": shlex.quote(written.split(".")[-1]),
                "table_is_new": table in self.session.new_tables or self.temporary(table),
                "table_is_temporary": self.temporary(table),
                # (one the catalog knows only from an earlier ALTER of it is not)
                "table_known": self.catalog.defined_here(table) is not None,
                "table_is_foreign": False,  # (PostgreSQL's foreign tables: rules ask)
                "flavour": self.session.flavour,
                "server_version": ".".join(map(str, self.session.version))}

    def act(self, kind: str, facts: dict) -> None:
        self.actions.append(Action(kind, facts))

    def as_written(self, extra: dict) -> dict:
        """The column an operation names, and its new name, as the statement spells them: the
        catalog keys columns in lower case (MySQL's column names are case-insensitive), a
        finding names `ParentId` as the migration and the code that reads it do."""
        return {key: self.written.get(value, value) for key in ("column", "new_name")
                if isinstance(value := extra.get(key), str)}

    def copies(self, table: str, clauses: _Clauses, operations: list[tuple[str, dict]]
               ) -> bool:
        """Whether the ALTER copies the table whatever its operations could do: it asks for
        ALGORITHM=COPY, or alters a TEMPORARY table off the "simple rename" path."""
        return clauses.algorithm == "COPY" or (self.temporary(table) and not _on_simple_path(
            clauses, operations, self.session.flavour))

    def temporary(self, table: str) -> bool:
        """Whether `table` is a TEMPORARY table of the session: only the session sees it,
        and it shadows a permanent table of the same name."""
        return table.split(".")[-1] in self.session.temporary_tables

    def effect(self) -> Effect:
        if any(a.kind in _REFUSALS for a in self.actions):
            # The statement fails: it is not judged on the algorithm and locks it would take.
            for action in self.actions:
                if action.kind == "mysql_alter_table":
                    action.facts["refused"] = True
        # No other session can name a TEMPORARY table (the name reaches a permanent table
        # of that name, or none): whatever this session holds on one, no one waits for it.
        # (each named as the statement wrote it: `b.t`, not the catalog's key)
        named = self.qualified.get
        locks = {named(t, t): mode for t, mode in self.locks.items() if not self.temporary(t)}
        return Effect(actions=tuple(self.actions) or (Action("other"),), locks=locks,
                      rewrites=frozenset(named(t, t) for t in self.rewrites),
                      scans={named(t, t): why for t, why in self.scans.items()},
                      transactional=True,
                      creates=frozenset(self.creates), drops=frozenset(self.drops),
                      alters=frozenset(self.alters), writes=frozenset(self.writes),
                      dialect=self.session.flavour)

    def plan(self, table: str, operations: list[tuple[str, dict]], algorithm: str = ""
             ) -> tuple[list[tuple[str, dict]], list[Plan], str]:
        """The operations as the session runs them (with the ALGORITHM= clause `algorithm`),
        their plans, and why a FULLTEXT index on the table changed the plans ("" when it did
        not)."""
        flavour, version = self.session.flavour, self.session.version
        ignores_checks = version < CHECK_ENFORCED_FROM[flavour]
        known = self.catalog.tables.get(table)
        partitioned = known is not None and known.kind == "partitioned"
        operations = [("add_foreign_key_checks_off" if op == "add_foreign_key"
                       and not self.session.foreign_key_checks else
                       "add_check_constraint_ignored" if op == "add_check_constraint"
                       and ignores_checks else
                       "add_functional_index_partitioned" if op == "add_functional_index"
                       and partitioned else
                       "make_column_not_null_not_strict" if op == "make_column_not_null"
                       and sql_modes.strict(self.session.sql_mode) is False else op, extra)
                      for op, extra in operations]
        names = [op for op, _ in operations]
        fulltext = Fulltext.of(self.catalog.tables.get(table), operations)
        # MySQL runs the algorithm an ALGORITHM= clause names, MariaDB that one "or better"
        # (_statement_plans): INPLACE keeps MySQL off the instant path.
        in_place = algorithm == "INPLACE" and flavour == "mysql"
        no_instant_columns = _no_instant_columns(known, flavour, version)
        plans = _statement_plans(names, flavour, version, fulltext, in_place,
                                 not no_instant_columns)
        note = "" if fulltext == NO_FULLTEXT else fulltext_note(
            _statement_plans(names, flavour, version, in_place=in_place), plans)
        if no_instant_columns and any(p.algorithm == "INSTANT" for p, op in zip(
                _statement_plans(names, flavour, version, fulltext, in_place), names,
                strict=True) if instant_column_layout(op, flavour)):
            note += f" ({no_instant_columns})"
        return operations, plans, note

    def options_apart_sql(self, base: dict, table: str, clauses: _Clauses,
                          operations: list[tuple[str, dict]], whole: Plan) -> str:
        """The ALTER as two, its table options (_TABLE_OPTIONS) apart from its other clauses,
        when then neither rebuilds the table nor blocks writes, and that is better than the
        ALTER's plan `whole` (which rebuilds, or is not instant where both halves are); ""
        when not. On MySQL 8 an option beside ADD / DROP COLUMN rebuilds the table
        (_table_option_rebuilds), on MariaDB one keeps a RENAME COLUMN or a widening from
        being instant (_NOT_INSTANT_BESIDE_OPTIONS). Each keeps the user's text and their
        ALGORITHM= / LOCK= where it runs with them (_fixed_alter_sql); where the user's
        ALGORITHM= would not run or would rebuild, it names the half's own (fail fast)."""
        from lockwise.effects.mysql_option_split import split_table_options

        names = [op for op, _ in operations]
        # (partition operations: MariaDB takes no clause after one, and they run alone)
        if not _TABLE_OPTIONS.intersection(names) or _TABLE_OPTIONS.issuperset(names) or \
                PARTITION_OPERATIONS.intersection(names) or \
                (written := split_table_options(clauses.operations_sql)) is None:
            return ""
        halves = ([o for o in operations if o[0] not in _TABLE_OPTIONS],
                  [o for o in operations if o[0] in _TABLE_OPTIONS])
        statements, dropped, how = [], [], []
        for sql, half, label in zip(written, halves, ("the changes", "the options"),
                                    strict=True):
            plans = self.plan(table, half)[1]
            if any(p.algorithm not in ALGORITHMS for p in plans):
                return ""
            algorithm = max((p.algorithm for p in plans), key=ALGORITHMS.index)
            if any(p.rebuilds or not p.permits_dml for p in plans):
                return ""
            how.append(f"{label} run {'instantly' if algorithm == 'INSTANT' else 'in place'}")
            asked = clauses.algorithm
            if asked and asked != "DEFAULT" and (
                    not algorithm_allowed(asked, algorithm, self.session.flavour,
                                          self.session.version) or
                    any(p.rebuilds for p in self.plan(table, half, asked)[1])):
                dropped.append(label)
                asked = ""
            run = _Run(algorithm, max((p.lock for p in plans), key=LOCKS.index), True,
                       self.session.flavour, self.session.version)
            fixed = _fixed_alter_sql(base, _Clauses(asked or algorithm, clauses.lock, sql), run)
            if not fixed:
                return ""
            statements.append(fixed)
        if not whole.rebuilds and (whole.algorithm == "INSTANT" or
                                   any(not words.endswith("instantly") for words in how)):
            return ""
        note = f"; each names the algorithm it runs with (ALGORITHM={clauses.algorithm}, as " \
            f"written, would fail or rebuild for {' and '.join(dropped)})" if dropped else ""
        together = f"rebuild {base['table']} in place" if whole.rebuilds \
            else f"are not instant (ALGORITHM={whole.algorithm})"
        return (f"-- beside the table options, the changes {together}; apart, neither rebuilds "
                f"it: {', '.join(how)}{note}:\n" + "\n".join(statements))

    def spatial_on_nullable(self, base: dict, index: dict) -> None:
        """A SPATIAL index on a column that may hold NULL: the server refuses the statement
        (ER_SPATIAL_CANT_HAVE_NULL, error 1252: "All parts of a SPATIAL index must be NOT
        NULL"; the same on MariaDB)."""
        column = quote_mysql_ident(self.written.get(index["nullable_column"],
                                                    index["nullable_column"]))
        definition = f"{column} {index['column_definition_sql']}"
        if index["column_defined_here"]:  # by this CREATE TABLE or ADD COLUMN: say NOT NULL
            fix = (f"-- declare the column NOT NULL where this statement defines it:\n"
                   f"--   {definition}")
        else:
            name = index.get("name") or ""
            name = f"{quote_mysql_ident(self.written.get(name, name))} " if name else ""
            columns = ", ".join(quote_mysql_ident(self.written.get(c, c))
                                for c in index["columns"])
            table = quote_mysql_qualified(base["table_sql"])
            fix = (f"-- first give every row a value: UPDATE {table} SET {column} = ... WHERE "
                   f"{column} IS NULL (in batches)\n"
                   f"ALTER TABLE {table} MODIFY {definition};  -- rebuilds {table} in place, "
                   f"writes continue; restate the column's DEFAULT / COMMENT, if any\n"
                   f"ALTER TABLE {table} ADD SPATIAL INDEX {name}({columns});  -- in place, "
                   f"writes wait until it is built")
        self.act("mysql_spatial_index_nullable", {
            **base, "column": column, "fix_sql": fix})

    def partition_key_column_dropped(self, base: dict, table: str, column: str) -> None:
        """The ALTER drops a column the table's partitioning names (or, for `KEY ()`, a
        column of its primary key): refused, error 1054 or 1488 (checked on MariaDB 10.11)."""
        known = self.catalog.tables.get(table)
        key = _partition_key_columns(known)
        if known is None or column not in key:
            return

        def ident(name: str) -> str:
            return quote_mysql_ident(self.written.get(name, name))

        written = quote_mysql_qualified(base["table_sql"])
        self.act("mysql_partition_key_column_dropped", {
            **base, "column": ident(column),
            "partition_key_text": f"{known.partition_strategy.upper()} on "
                                  f"{', '.join(map(ident, key))}",
            "fix_sql": (f"-- partition {written} by other columns first (ALTER TABLE "
                        f"{written} PARTITION BY ...), or remove its partitioning (ALTER TABLE "
                        f"{written} REMOVE PARTITIONING); both copy the table:\n"
                        f"ALTER TABLE {written} REMOVE PARTITIONING;\n"
                        f"ALTER TABLE {written} DROP COLUMN {ident(column)};")})

    def partition_key_column_changed(self, base: dict, table: str,
                                     operations: list[tuple[str, dict]]) -> None:
        """A MODIFY / CHANGE making a column the table's partitioning names a BLOB, TEXT or
        JSON column: refused by both servers, error 1502 (ER_BLOB_FIELD_IN_PART_FUNC_ERROR, "A
        BLOB field is not allowed in partition function"; checked on MariaDB 10.11 for HASH,
        RANGE (an expression), RANGE COLUMNS and KEY; the MySQL manual's "Partitioning Keys,
        Primary Keys, and Unique Keys", 26.6.1 in 8.0). Other types a partitioning refuses
        (HASH / RANGE / LIST of a non-integer column, 1659; COLUMNS boundaries of another
        type, 1654) depend on the partitioning expression, which the catalog does not keep;
        an indexed column's change is refused first for its index (1170, no key length)."""
        known = self.catalog.tables.get(table)
        key = _partition_key_columns(known)
        for _, extra in operations:
            column = extra.get("column", "")
            if column in key and extra.get("new_type") in _BLOB_TYPES and not _indexed(
                    known, column) and not _in_primary_key(known, column):
                written = self.written.get(column, column)
                self.act("mysql_partition_key_column_changed", {
                    **base, "column": quote_mysql_ident(written),
                    "new_type": str(extra["new_type"]).upper(), "error_code": 1502,
                    "server_error": "A BLOB field is not allowed in partition function"})
                return

    def key_column_dropped(self, base: dict, column: str, index: str, others: tuple[str, ...],
                           added: bool) -> None:
        """The ALTER drops `column` of `index`, which it adds, or keeps with `others` (a
        multi-column UNIQUE index or primary key on MariaDB): the server refuses it, error 1072
        (ER_KEY_COLUMN_DOES_NOT_EXITS, "Key column '...' doesn't exist in table")."""
        def ident(name: str) -> str:
            return quote_mysql_ident(self.written.get(name, name))

        table, name = quote_mysql_qualified(base["table_sql"]), ident(index or column)
        if added:
            fix = (f"-- leave {ident(column)} out of the index {name} this statement adds, or "
                   f"add the index before the column is dropped")
        else:
            restated = ("ADD PRIMARY KEY" if index == "PRIMARY" else f"ADD UNIQUE INDEX {name}") \
                + f" ({', '.join(map(ident, others))})"
            drop = "DROP PRIMARY KEY" if index == "PRIMARY" else f"DROP INDEX {name}"
            fix = (f"-- drop the key with the column (or restate it without the column only if "
                   f"{', '.join(map(ident, others))} alone must be unique: {restated}):\n"
                   f"ALTER TABLE {table} {drop}, DROP COLUMN {ident(column)};")
        self.act("mysql_key_column_dropped", {
            **base, "column": ident(column),
            "index": "the primary key" if index == "PRIMARY" else f"the index {name}",
            "how": "this statement adds" if added else "keeps its other columns",
            "server_error": f"Key column '{self.written.get(column, column)}' doesn't exist "
                            "in table", "fix_sql": fix})

    def foreign_key_index_dropped(self, base: dict, table: str,
                                  operations: list[tuple[str, dict]]) -> None:
        """The ALTER drops the last index a foreign key of the table (or one referencing it)
        needs, by DROP INDEX or by dropping its column: refused (effects/mysql_keys.py).
        MariaDB lets DROP INDEX through with foreign_key_checks = 0 (checked on 10.11); MySQL
        never does (its bug #17449901 fix: "Don't allow to drop an index if it is needed for an
        FK constraint, even if foreign_key_checks is disabled")."""
        known = self.catalog.tables.get(table)
        # (an ALTER sqlglot could not parse names no column: `extra` is empty)
        dropped_columns = {extra.get("column", "") for op, extra in operations
                           if op.startswith("drop_column")} - {
            extra.get("column", "") for op, extra in operations
            if op.startswith("add_column")} - {""}
        dropped_indexes = {extra.get("name", "") for op, extra in operations
                           if op == "drop_index"} | {
            "PRIMARY" for op, _ in operations if op == "drop_primary_key"}
        if known is None or not (dropped_columns or dropped_indexes) or (
                not dropped_columns and not self.session.foreign_key_checks
                and self.session.flavour == "mariadb"):
            return
        found = keys.needed_index_dropped(
            self.catalog.tables, known, dropped_indexes, dropped_columns,
            {extra.get("name", "") for op, extra in operations if op == "drop_foreign_key"},
            [(extra.get("name", ""), tuple(extra["columns"])) for op, extra in operations
             if op in ("add_index", "add_primary_key") and extra.get("columns")])
        if found is None:
            return
        index, foreign_key = found
        fk = known.constraints.get(foreign_key)
        column = next((c for c in fk.columns if c in dropped_columns), "") if fk else ""
        if column and self.session.flavour == "mysql":
            code, error = 1828, (f"Cannot drop column '{self.written.get(column, column)}': "
                                 f"needed in a foreign key constraint '{foreign_key}'")
        else:
            code, error = 1553, (f"Cannot drop index '{self.written.get(index, index)}': "
                                 f"needed in a foreign key constraint")
        self.act("mysql_foreign_key_index_dropped", {
            **base, "index": index, "foreign_key": foreign_key, "error_code": code,
            "server_error": error})

    def foreign_key_column_changed(self, base: dict, table: str,
                                   operations: list[tuple[str, dict]]) -> None:
        """A MODIFY / CHANGE of the type, length or character set of a column a foreign key
        has, on either side: refused (ER_FK_COLUMN_CANNOT_CHANGE 1832 on the referencing
        table, ER_FK_COLUMN_CANNOT_CHANGE_CHILD 1833 on the referenced one). MariaDB refuses
        any such change, even with foreign_key_checks = 0 (checked on 10.11: VARCHAR(20) to
        (30) too); MySQL lets a VARCHAR grow within its length bytes, and any change through
        with foreign_key_checks = 0 (the manual's "ALTER TABLE Statement", "Foreign Keys and
        Other Constraints"). MariaDB refuses a new collation too
        (_MARIADB_FOREIGN_KEY_COLUMN_CHANGES)."""
        known = self.catalog.tables.get(table)
        session = self.session
        if known is None or (session.flavour == "mysql" and not session.foreign_key_checks):
            return
        changes = _FOREIGN_KEY_COLUMN_CHANGES | (
            _MARIADB_FOREIGN_KEY_COLUMN_CHANGES if session.flavour == "mariadb" else set())
        for op, extra in operations:
            if op in changes and (found := keys.foreign_key_of_column(
                    self.catalog.tables, known, extra.get("column", ""))):
                foreign_key, other = found
                column = self.written.get(extra["column"], extra["column"])
                code, error = (1833, f"Cannot change column '{column}': used in a foreign key "
                                     f"constraint '{foreign_key}' of table '{other}'") \
                    if other else (1832, f"Cannot change column '{column}': used in a "
                                         f"foreign key constraint '{foreign_key}'")
                self.act("mysql_foreign_key_column_changed", {
                    **base, "column": column, "foreign_key": foreign_key,
                    "referencing_table": other or base["table"], "error_code": code,
                    "server_error": error})
                return

    def set_null_column_not_null(self, base: dict, table: str,
                                 operations: list[tuple[str, dict]]) -> None:
        """A MODIFY / CHANGE that makes NOT NULL a column of a foreign key whose ON DELETE or
        ON UPDATE is SET NULL: refused (ER_FK_COLUMN_NOT_NULL, error 1830; the manual's
        "FOREIGN KEY Constraints": "If you specify a SET NULL action, make sure that you have
        not declared the columns in the child table as NOT NULL"). Checked on MariaDB 10.11,
        which refuses it with foreign_key_checks = 0 too; MySQL's check sits beside its type
        change check (1832), which the checks off let through, so it is not claimed there."""
        known = self.catalog.tables.get(table)
        if known is None or (self.session.flavour == "mysql" and
                             not self.session.foreign_key_checks):
            return
        for op, extra in operations:
            if op.startswith("make_column_not_null") and (
                    foreign_key := keys.set_null_foreign_key(known, extra.get("column", ""))):
                column = self.written.get(extra["column"], extra["column"])
                self.act("mysql_set_null_column_not_null", {
                    **base, "column": column, "foreign_key": foreign_key,
                    "server_error": f"Column '{column}' cannot be NOT NULL: needed in a "
                                    f"foreign key constraint '{foreign_key}' SET NULL"})
                return

    def check_column_in_use(self, base: dict, table: str,
                            operations: list[tuple[str, dict]]) -> None:
        """RENAME COLUMN or CHANGE of a column a CHECK constraint uses (MySQL), or DROP COLUMN
        of one a CHECK uses with other columns (a CHECK of that column alone goes with it):
        refused. MySQL 8.0.16+: error 3959, ER_DEPENDENT_BY_CHECK_CONSTRAINT (sql_check_
        constraint.h, Check_constraint_column_dependency_checker: DROP, RENAME COLUMN and
        CHANGE; NOT ENFORCED constraints too). MariaDB renames the column inside its CHECKs
        and refuses the drop with error 1054 (checked on 10.11). A CHECK the statement drops
        is not in the way."""
        known = self.catalog.tables.get(table)
        flavour = self.session.flavour
        if known is None or self.session.version < CHECK_ENFORCED_FROM[flavour]:
            return
        dropped = {extra.get("name", "") for op, extra in operations
                   if op == "drop_check_constraint"}
        checks = {name: c for name, c in known.constraints.items()
                  if c.kind == "check" and name.lower() not in dropped}
        for op, extra in operations:
            column = extra.get("column", "")
            if op == "rename_column" and flavour == "mysql":
                users = [name for name, c in checks.items() if column in c.columns]
            elif op.startswith("drop_column"):
                users = [name for name, c in checks.items()
                         if column in c.columns and len(c.columns) > 1]
            else:
                continue
            if not users:
                continue
            name, written = users[0], self.written.get(column, column)
            code, error = (3959, f"Check constraint '{name}' uses column '{written}', hence "
                                 f"column cannot be dropped or renamed.") \
                if flavour == "mysql" else (1054, f"Unknown column '{written}' in 'CHECK'")
            self.act("mysql_check_column_in_use", {
                **base, "column": quote_mysql_ident(written), "check": name,
                "how": "renames" if op == "rename_column" else "drops",
                "error_code": code, "server_error": error,
                "fix_sql": _check_out_of_the_way(base, [checks[n] for n in users], op, extra,
                                                 flavour)})
            return

    def constraint_not_found(self, base: dict, table: str,
                             operations: list[tuple[str, dict]]) -> None:
        """DROP CHECK / DROP CONSTRAINT / DROP INDEX / DROP KEY / DROP FOREIGN KEY of a name
        the table lacks: refused (MySQL 3821, ER_CHECK_CONSTRAINT_NOT_FOUND, and 3940,
        ER_CONSTRAINT_NOT_FOUND, for a constraint, 1091, ER_CANT_DROP_FIELD_OR_KEY, for an
        index or a foreign key; MariaDB 1091 for each, checked on 10.11, which keeps a
        column's unnamed CHECK out of DROP CONSTRAINT's reach). Judged on a table these
        migrations created with its definition, whose constraints and indexes the replay
        knows, but not for a generated foreign key name, whose number the replay may not
        follow."""
        known = self.catalog.tables.get(table)
        flavour = self.session.flavour
        if known is None or known.created_by is None:
            return
        checks = {n.lower() for n, c in known.constraints.items()
                  if c.kind == "check" and not c.column_check}
        foreign = {n.lower() for n, c in known.constraints.items() if c.kind == "foreign"}
        indexes = {n.lower() for n, c in known.constraints.items()
                   if c.kind not in ("check", "foreign")} \
            | set(known.keys) | set(known.fulltext) | {"primary"}
        generated_foreign_key = re.compile(rf"{re.escape(table.split('.')[-1])}_ibfk_\d+")
        checks_judged = self.session.version >= CHECK_ENFORCED_FROM[flavour]
        for _, extra in operations:
            name, keyword = extra.get("name", ""), extra.get("keyword", "")
            pool = {"CHECK": checks, "CONSTRAINT": checks | foreign | indexes,
                    "INDEX": indexes, "KEY": indexes, "FOREIGN KEY": foreign}.get(keyword)
            if pool is None or extra.get("if_exists") or generated_foreign_key.fullmatch(name) \
                    or (keyword in ("CHECK", "CONSTRAINT") and not checks_judged):
                continue
            if name in pool:  # a second drop of it finds none; DROP CONSTRAINT drops the
                # foreign key of that name first, else the index (an index and the foreign key
                # it serves may share a name)
                kinds = {"CHECK": [checks], "FOREIGN KEY": [foreign], "INDEX": [indexes],
                         "KEY": [indexes]}.get(keyword, [foreign, indexes, checks])
                next(names for names in kinds if name in names).discard(name)
                continue
            if keyword in ("INDEX", "KEY", "FOREIGN KEY"):
                self.index_not_found(base, name, keyword, pool, generated_foreign_key)
                return
            code, error = (1091, f"Can't DROP CONSTRAINT `{name}`; check that it exists") \
                if flavour == "mariadb" else \
                (3821, f"Check constraint '{name}' is not found in the table.") \
                if keyword == "CHECK" else (3940, f"Constraint '{name}' does not exist.")
            self.act("mysql_constraint_not_found", {
                **base, "name": name, "keyword": keyword, "error_code": code,
                "server_error": error,
                "checks_text": ", ".join(sorted(
                    n for n, c in known.constraints.items()
                    if c.kind == "check" and not c.column_check)) or "none"})
            return

    def index_not_found(self, base: dict, name: str, keyword: str, has: set[str],
                        generated: re.Pattern) -> None:
        """The fact for DROP INDEX / KEY / FOREIGN KEY `name`, not among the names `has` of
        that kind the table has (error 1091; MariaDB names the kind, MySQL does not). The
        foreign keys' `generated` names are not listed: the replay may number them otherwise
        than the server (which numbers the unnamed ones only, on MariaDB 10.11)."""
        foreign = keyword == "FOREIGN KEY"
        numbered = {n for n in has if generated.fullmatch(n)}
        has = has - numbered
        error = f"Can't DROP {'FOREIGN KEY' if foreign else 'INDEX'} `{name}`; check that it " \
            "exists" if self.session.flavour == "mariadb" else \
            f"Can't DROP '{name}'; check that column/key exists"
        names = sorted(has - {"primary"}) if foreign or "primary" not in has \
            else ["PRIMARY", *sorted(has - {"primary"})]
        self.act("mysql_index_not_found", {
            **base, "name": quote_mysql_ident(name), "keyword": keyword,
            "kind": "foreign key" if foreign else "index", "error_code": 1091,
            "server_error": error, "names_text": ", ".join(names) + (
                f"{', and ' * bool(names)}{len(numbered)} the server numbered "
                f"({base['table_name'].split('.')[-1]}_ibfk_<n>: SHOW CREATE TABLE "
                "lists them)" if numbered else "") or "none"})

    def primary_key_invisible(self, base: dict, table: str,
                              operations: list[tuple[str, dict]]) -> None:
        """ALTER INDEX of the primary key, or of the UNIQUE index on NOT NULL columns that
        stands in for it (keys.implicit_primary_key), to INVISIBLE: refused by MySQL (error
        3522, ER_PK_INDEX_CANT_BE_INVISIBLE; the manual's "Invisible Indexes": "The feature
        applies to indexes other than primary keys (either explicit or implicit)"). MariaDB
        refuses IGNORED and NOT IGNORED alike (error 4174, checked on 10.11). Judged on the
        table as the statement finds it; for a table lockwise never saw, or knows only from
        an earlier ALTER of it, only `PRIMARY`."""
        mariadb = self.session.flavour == "mariadb"
        known = self.catalog.defined_here(table)
        implicit = keys.implicit_primary_key(known) if known is not None else ""
        added = _added_invisible_primary_key(known, implicit, operations)
        for op, extra in operations:
            name = self.written.get(extra.get("name", ""), extra.get("name", ""))
            if added is not None and extra is added[1]:
                self.act("mysql_primary_key_invisible", {**base, **_primary_key_invisible_facts(
                    base, name, op != "add_primary_key", added=True, mariadb=mariadb)})
                return
            if op != "set_index_visibility" or not (extra.get("invisible") or mariadb) or \
                    name.lower() not in {"primary", implicit} - {""}:
                continue
            visibility = "INVISIBLE" if not mariadb else \
                "IGNORED" if extra.get("invisible") else "NOT IGNORED"
            self.act("mysql_primary_key_invisible", {**base, **_primary_key_invisible_facts(
                base, name, name.lower() != "primary", visibility=visibility, mariadb=mariadb,
                reserved_word=name.lower() == "primary" and not extra.get("quoted"))})
            return

    def partitioned_foreign_key(self, base: dict, table: str,
                                operations: list[tuple[str, dict]], sql: str) -> None:
        """PARTITION BY of a table that has a foreign key or that one references, or a
        foreign key added to a partitioned table: InnoDB's partitioned tables support no
        foreign keys, and both servers refuse it (the MySQL manual's "Partitioning
        Limitations Relating to Storage Engines", 26.6.2 in 8.0: "no InnoDB table whose
        definition contains foreign key references may be partitioned"; error 1506,
        ER_FOREIGN_KEY_ON_PARTITIONED. Checked on MariaDB 10.11: 1506 for ADD FOREIGN KEY,
        1217 for PARTITION BY of either side, with foreign_key_checks = 0 too)."""
        known = self.catalog.tables.get(table)
        if known is None:
            return
        adds = any(op.startswith("add_foreign_key") for op, _ in operations)
        partitions = any(op == "repartition" for op, _ in operations) and (
            m := _PARTITIONING.match(sql)) is not None and not m.group("remove")
        if adds and known.kind == "partitioned":
            why = f"{base['table']} is partitioned, and the statement adds a foreign key to it"
        elif partitions and any(keys.foreign_key_sides(self.catalog.tables, known)):
            why = (f"the statement partitions {base['table']}, which has a foreign key or is "
                   f"referenced by one")
        else:
            return
        self.act("mysql_partitioned_foreign_key", {**base, "why_text": why})

    def system_versioned(self, base: dict, table: str, statement: str, sql: str = "") -> None:
        """MariaDB's refusals for a system-versioned table (checked on 10.11): an ALTER TABLE
        (`sql`) that moves it between InnoDB, which versions rows by transaction id (MariaDB's
        "native" system versioning), and another engine, which versions them by timestamp,
        whatever system_versioning_alter_history says (error 4120, before any other); one
        that adds, drops, modifies or changes a column unless the session set
        system_versioning_alter_history = KEEP (error 4119); TRUNCATE TABLE whatever it set
        (error 4137)."""
        known = self.catalog.tables.get(table)
        if self.session.flavour != "mariadb" or known is None or not known.system_versioned:
            return
        engine = _altered_engine(sql) if statement == "ALTER TABLE" else ""
        if engine and _natively_versioned(engine.lower()) != _natively_versioned(known.engine):
            self.act("mariadb_system_versioned_alter", {
                **base, "error_code": 4120, "statement_text": f"ALTER TABLE ... ENGINE={engine}",
                "server_error": f"Not allowed for system-versioned {base['table']}. Change "
                                "to/from native system versioning engine is not supported.",
                "instead_text": f"-- keep {base['table']} on its engine; to move it, drop its "
                                "versioning first (the history rows go):\n"
                                f"ALTER TABLE {base['table_sql']} DROP SYSTEM VERSIONING;\n"
                                f"ALTER TABLE {base['table_sql']} ENGINE={engine};\n"
                                f"ALTER TABLE {base['table_sql']} ADD SYSTEM VERSIONING;"})
        elif statement == "TRUNCATE TABLE":
            self.act("mariadb_system_versioned_alter", {
                **base, "error_code": 4137, "statement_text": statement,
                "server_error": "System-versioned tables do not support TRUNCATE TABLE",
                "instead_text": f"DELETE FROM {base['table']}; -- deletes the current rows; "
                                "the history keeps them"})
        elif not self.session.versioning_alter_history_keep and _changes_column_text(sql):
            self.act("mariadb_system_versioned_alter", {
                **base, "error_code": 4119, "statement_text": statement,
                "server_error": f"Not allowed for system-versioned {base['table']}. Change "
                                "@@system_versioning_alter_history to proceed with ALTER.",
                "instead_text": "SET SESSION system_versioning_alter_history = KEEP; -- the "
                                "history rows keep their old values\n-- (this ALTER TABLE)\n"
                                "SET SESSION system_versioning_alter_history = ERROR;"})

    def alter(self, table: str, operations: list[tuple[str, dict]], sql: str) -> None:
        """Plan each operation; the statement runs with the most expensive of them."""
        flavour, version = self.session.flavour, self.session.version
        operations = _ignoring_duplicates(operations, sql, flavour)
        clauses = _read_clauses(sql, operations, flavour)
        base = self.table_facts(table)
        instant = clauses.algorithm == "INPLACE" and flavour == "mysql" and \
            all(p.algorithm == "INSTANT" for p in self.plan(table, operations)[1])
        operations, plans, note = self.plan(table, operations, clauses.algorithm)
        # MySQL rebuilds for an ALGORITHM=INPLACE what it would change instantly without it,
        # unless its in-place path is metadata only too (an index's visibility, a default)
        instant_without_clause = instant and any(p.rebuilds for p in plans)
        temporary = self.temporary(table)
        # (a MyISAM, Aria or MEMORY table: its engine's name, which the messages give)
        engine = known_engine = getattr(self.catalog.tables.get(table), "engine", "")
        # (ENGINE= naming another storage engine: the rows move to it, always by a copy)
        moves = engine_moved(engine, _altered_engine(sql))
        engine = ENGINE_NAMES[engine] if engine in COPYING_ENGINES else ""
        if self.copies(table, clauses, operations):
            plans, engine = _copied(plans, operations, flavour), ""
        elif moves:
            plans = engine_copies(plans, [op for op, _ in operations], flavour, frozenset())
        elif engine:
            plans = engine_copies(plans, [op for op, _ in operations], flavour,
                                  ENGINE_KEEPS.get(known_engine, ENGINE_METADATA_ONLY))
        self.session.last_alter = (sql, table, [
            (op, p) for (op, _), p in zip(operations, plans, strict=True)])
        self.foreign_key_index_dropped(base, table, operations)
        self.foreign_key_column_changed(base, table, operations)
        self.set_null_column_not_null(base, table, operations)
        self.check_column_in_use(base, table, operations)
        self.constraint_not_found(base, table, operations)
        self.primary_key_invisible(base, table, operations)
        if flavour == "mariadb" and (refusal := page_compression.refused(
                sql, self.catalog.defined_here(table), "ALTER", base["table"],
                (moved := _altered_engine(sql).lower()) or getattr(
                    self.catalog.tables.get(table), "engine", ""), moved=bool(moved),
                bad_options_ignored=sql_modes.ignores_bad_table_options(
                    self.session.sql_mode))):
            _page_compression_refused(self, base, refusal)
        if temporary and any(op.startswith("add_fulltext_index") for op, _ in operations):
            _fulltext_on_temporary(self, base, self.catalog.tables.get(table))
        self.partitioned_foreign_key(base, table, operations, sql)
        from lockwise.parse.mysql import alter_operations_text

        if refused := engine_limits.refusal(self.catalog.tables.get(table), operations,
                                            alter_operations_text(sql)):
            self.act("mysql_engine_refused", {**base, **refused,
                                              "engine": ENGINE_NAMES[known_engine]})
        if (known := self.catalog.tables.get(table)) is not None and known.system_versioned \
                and (_changes_column_text(sql) or _altered_engine(sql)):
            self.system_versioned(base, table, "ALTER TABLE", sql)
        self.partition_key_column_changed(base, table, operations)
        if (known := self.catalog.tables.get(table)) is not None and (
                refused := partition_ops.refusal(known, sql, known.created_by is not None and
                                                 self.catalog.defined_here(table) is not None)):
            self.act("mysql_partition_operation_refused", {**base, **refused})
        if (known := self.catalog.tables.get(table)) is not None and \
                any(op == "repartition" for op, _ in operations):
            from lockwise.parse.mysql import partition_key

            if refusal := partition_key_type_refused(sql, known.columns):
                self.act("mysql_partition_key_type", {**base, **refusal})
            elif refusal := _unique_key_without_partition_column(
                    partition_key(sql), known, base["table_sql"]):
                self.act("mysql_partition_unique_key", {**base, **refusal})
        first = len(self.actions)  # the statement summary goes before its operations
        for (operation, extra), p in zip(operations, plans, strict=True):
            self.act("mysql_alter", {**base, **extra, "operation": operation,
                                     "algorithm": p.algorithm, "rebuilds_table": p.rebuilds,
                                     "permits_dml": p.permits_dml, "lock_level": p.lock,
                                     "source": p.source})
            if operation in _RULE_ACTIONS:
                self.act(_RULE_ACTIONS[operation], {**base, **extra, **self.as_written(extra)})
            if operation == "rename_table":
                self.renamed.add(table)
            if extra.get("nullable_column"):
                self.spatial_on_nullable(base, extra)
            if refused := extra.get("key_column_refused"):
                self.key_column_dropped(base, *refused)
            if operation.startswith("drop_column"):
                self.partition_key_column_dropped(base, table, extra["column"])
        if not plans:
            return
        # (NO_ALGORITHM's operation, DISCARD / IMPORT TABLESPACE, runs alone)
        algorithm = max((p.algorithm for p in plans),
                        key=lambda a: ALGORITHMS.index(a) if a != NO_ALGORITHM else -1)
        # the weakest LOCK= clause the server takes for the statement, and the lock it holds:
        # MySQL's "simple rename" path holds an exclusive metadata lock
        lock = "EXCLUSIVE" if _on_simple_path(clauses, operations, flavour) else \
            max((p.lock for p in plans), key=LOCKS.index)
        rebuilds = any(p.rebuilds for p in plans)
        permits_dml = all(p.permits_dml for p in plans)
        # MariaDB reads no ALGORITHM= / LOCK= clause after a partition operation.
        no_clauses = flavour == "mariadb" and PARTITION_OPERATIONS.intersection(
            op for op, _ in operations)
        run = _Run(algorithm, lock, permits_dml, flavour, version, bool(no_clauses))
        own, referenced = keys.foreign_key_sides(self.catalog.tables,
                                                 self.catalog.tables.get(table))
        tool, tools = _online_schema_change(base, clauses, own or any(
            op.startswith("add_foreign_key") for op, _ in operations), referenced,
            keys.without_unique_key(self.catalog.tables.get(table), operations))
        # (no tool runs OPTIMIZE PARTITION, nor an ALGORITHM= clause after it: the manual's way)
        optimize = _optimize_partition_instead(base, clauses, flavour) or _order_by_instead(
            base, clauses, self.catalog.tables.get(table))
        # (a copy the engine or a TEMPORARY table makes is no table option's doing)
        apart = "" if algorithm == "COPY" or temporary or known_engine in COPYING_ENGINES \
            else self.options_apart_sql(base, table, clauses, operations,
                                        Plan(algorithm, rebuilds, permits_dml, lock, ""))
        refusal = ("MariaDB takes no LOCK= clause, nor ALTER ONLINE, with this partition "
                   "operation" if no_clauses and clauses.lock
                   # a copied TEMPORARY table: no other session to lock out (MariaDB 10.11)
                   else "" if temporary and algorithm == "COPY"
                   else lock_refusal(clauses.lock, lock, flavour, clauses.algorithm))
        cascading = keys.cascading_foreign_key(self.catalog.tables.get(table)) \
            if flavour == "mysql" and clauses.lock == "NONE" and not refusal else ""
        if cascading:
            # the manual's word ("Online DDL Limitations"); MariaDB 10.11 takes it (checked)
            refusal = (f"MySQL's manual permits no LOCK=NONE on a table with an ON ... CASCADE "
                       f"or ON ... SET NULL foreign key: {cascading}")
        # (MariaDB's copy holds the tables its new keys reference: their writes wait too)
        parents = self.copied_key_parents(table, operations) \
            if algorithm == "COPY" and flavour == "mariadb" else []
        # (and InnoDB locks the tables whose keys reference this one, unless the ALTER
        # changes only the .frm or moves a tablespace file)
        children = self.lock_key_children(table) if algorithm == "COPY" or \
            algorithm != NO_ALGORITHM and not all(op in _FRM_ONLY for op, _ in operations) \
            else []
        self.actions.insert(first, Action("mysql_alter_table", {
            **base, "operations": tuple(op for op, _ in operations), "algorithm": algorithm,
            # as messages list them: each once, in the statement's order (two MODIFYs are one
            # change_column_type)
            "operations_text": ", ".join(dict.fromkeys(op for op, _ in operations)),
            "rebuilds_table": rebuilds, "permits_dml": permits_dml, "lock_level": lock,
            "requested_algorithm": clauses.algorithm, "requested_lock": clauses.lock,
            **_row_version_facts(self.catalog.tables.get(table)),
            "instant_without_clause": instant_without_clause,
            # DISCARD / IMPORT [PARTITION ...] TABLESPACE, which runs alone: mysql-tablespace-
            # transport's, not an in-place build's
            "transports_tablespace": any(op == "transport_tablespace" for op, _ in operations),
            "algorithm_allowed": not (no_clauses and clauses.algorithm) and (
                _copy_only_algorithm_allowed(clauses.algorithm, flavour) if (
                    temporary or moves) and algorithm == "COPY" else algorithm_allowed(
                    clauses.algorithm, algorithm, flavour, version)),
            "lock_allowed": not refusal,
            "lock_refusal": refusal,
            "lock_instead_sql": f"-- MySQL refuses the clause here ({cascading} cascades): run it "
                                f"without LOCK=NONE, or, to keep writes flowing, through an "
                                f"online schema change tool:\n{tool}"
            # (the table options apart: the user's LOCK= kept where each half takes it)
            if cascading else apart or _lock_instead_sql(base, clauses, run, refusal, tool),
            # (none for a statement run on no algorithm: no ALGORITHM= clause to suggest)
            "algorithm_instead_sql": "" if algorithm == NO_ALGORITHM else apart or ((
                f"-- {base['table']} is a TEMPORARY table: the server always copies it, and "
                f"no other session waits for it\nALTER TABLE "
                f"{quote_mysql_qualified(base['table_sql'])} {clauses.operations_sql};")
            if temporary else _algorithm_instead_sql(base, clauses, run, tool)),
            "online_schema_change_sql": optimize or _keep_charset_instead(
                base, clauses, operations, algorithm) + tools,
            "rebuild_instead_sql": optimize or apart or (
                f"ALTER TABLE {quote_mysql_qualified(base['table_sql'])} "
                f"{clauses.operations_sql}, ALGORITHM=INPLACE, "
                "LOCK=NONE;  -- fail fast if it would copy\n-- on a large table, prefer gh-ost "
                "/ pt-online-schema-change to control the rebuild's pace"),
            "alter_clause": clauses.operations_sql,
            "alter_clause_arg": shlex.quote(clauses.operations_sql),
            "sources": tuple(sorted({p.source for p in plans})),
            "fulltext_note": note + _operation_notes(operations) + (
                f" ({base['table']} is a TEMPORARY table, which the server always copies)"
                if temporary and algorithm == "COPY" else _engine_moved_note(
                    base["table"], moves, clauses, flavour) if moves and algorithm == "COPY"
                else _engine_note(
                    base["table"], engine, clauses) if engine and algorithm == "COPY" else ""),
            # why it copies: its operations need it, or its ALGORITHM=COPY asks for it
            "copy_text": "runs as ALGORITHM=COPY, as its ALGORITHM= clause asks,"
            if clauses.algorithm == "COPY" else "can only run as ALGORITHM=COPY",
            "key_parents_text": _key_parents_text([self.table_facts(t)["table"]
                                                   for t in parents]),
            **self.key_children_facts(children),
            "refused": False,  # set by effect() when another action says it is
        }))
        self.locks[table] = _LOCK_AS_MODE["EXCLUSIVE" if algorithm == "COPY" and not
                                          permits_dml and lock == "EXCLUSIVE" else lock]
        if rebuilds:
            self.rewrites.add(table)
            self.scans[table] = f"table rebuilt ({algorithm})"
        elif any(op.startswith("add_") and "index" in op or op == "add_primary_key"
                 for op, _ in operations):
            self.scans[table] = "index build"
        self.alters.add(f"table:{table}")


    def copied_key_parents(self, table: str, operations: list[tuple[str, dict]]
                           ) -> list[str]:
        """The SHARED_NO_WRITE metadata lock MariaDB's ALTER TABLE run as ALGORITHM=COPY
        holds on each table a foreign key it adds references (its writes wait for the copy),
        foreign_key_checks on or off; in place (the checks off) it holds none a read or a
        write waits for (checked on MariaDB 10.11 in METADATA_LOCK_INFO and performance_schema.
        metadata_locks). MySQL's (its data dictionary's locks on the parent) are not checked:
        not modelled. The tables it locks, each once, in the statement's order."""
        parents: dict[str, None] = {}
        for op, extra in operations:
            parent = extra.get("references") if op.startswith("add_foreign_key") else None
            if parent and (parent := self.key(parent)) != table and \
                    not self.temporary(parent):
                self.locks[parent] = max(self.locks.get(parent, LockMode.SHARE), LockMode.SHARE)
                parents[parent] = None
        return list(parents)


    def lock_key_children(self, table: str, dropped: Container[str] = ()) -> list[str]:
        """The tables whose foreign keys reference `table` (not `table` itself, nor those in
        `dropped`: the same DROP TABLE drops them), on which MariaDB's InnoDB takes an
        exclusive table lock at the end of a DDL of `table` that reaches the engine: ALTER by
        copy, in place or instant, RENAME TABLE, DROP and TRUNCATE TABLE (foreign_key_checks
        off: on, both are refused). The DDL waits for every open transaction that wrote one
        (or read it FOR UPDATE / LOCK IN SHARE MODE), up to innodb_lock_wait_timeout (then
        error 1205, the DDL undone), and their new writes queue behind it; plain reads do not,
        nor the tables referencing them in turn (checked on MariaDB 10.11 in information_
        schema.INNODB_LOCKS: X, TABLE; MDEV-26554, from 10.6.5). An ALTER that changes only
        the .frm (a default, a column's comment) takes none. Kept as SHARE, the mode whose
        writes wait (the reports name it: effects/mysql_locks.py). MySQL: not modelled (its
        manual's "Foreign Key Locking" says only that metadata locks are "extended, as
        necessary" to the related tables). The tables, each once, in the catalog's order."""
        session = self.session
        if session.flavour != "mariadb" or session.version < _CHILD_TABLE_LOCKS_FROM or \
                self.temporary(table):
            return []
        children: dict[str, None] = {}
        # (the table's own lock first, which the caller sets: the statement's strongest lock
        # is named by its own table's, when the two are as strong)
        self.locks.setdefault(table, LockMode.ROW_SHARE)
        for other, _ in self.catalog.referencing(table):
            if other != table and other not in dropped and not self.temporary(other):
                self.locks[other] = max(self.locks.get(other, LockMode.SHARE), LockMode.SHARE)
                children[other] = None
        return list(children)

    def key_children_facts(self, children: list[str], table: str = "") -> dict:
        """The facts of the tables lock_key_children locked for the DDL of `table` (the
        statement's own when ""): `key_children` (as the lock lines name them) and
        `key_children_text`, the words of a message that says what the statement blocks
        ("" for none)."""
        names = [self.table_facts(t)["table"] for t in children]
        if not names:
            return {"key_children": (), "key_children_text": ""}
        one = len(names) == 1
        listed = names[0] if one else f"{', '.join(names[:-1])} and {names[-1]}"
        parent = self.table_facts(table)["table"] if table else "it"
        return {"key_children": tuple(names), "key_children_text": (
            f"; at its end it waits for every open transaction that wrote {listed}, whose "
            f"foreign {'key references' if one else 'keys reference'} {parent}, and "
            f"{'its' if one else 'their'} new writes wait behind it (InnoDB's table lock)")}


def _key_parents_text(parents: list[str]) -> str:
    """`, and so do the writes of p and c, which the foreign keys it adds reference`: the
    tables whose writes wait for a copy that adds foreign keys referencing them
    (_Builder.copied_key_parents), as mysql-table-copy's message says; "" for none."""
    if not parents:
        return ""
    names = parents[0] if len(parents) == 1 else \
        f"{', '.join(parents[:-1])} and {parents[-1]}"
    keys = "key it adds references" if len(parents) == 1 else "keys it adds reference"
    return f", and so do the writes of {names}, which the foreign {keys}"


def _row_version_facts(table: Table | None) -> dict:
    """The row versions (MySQL 8.0.29+) an ALTER finds the table with, as far as the replay
    saw, and whether that is only a lower bound: for a table created before the migrations
    and not rebuilt by them, InnoDB may have kept row versions lockwise never saw."""
    return {"row_versions": table.row_versions if table is not None else 0,
            "row_versions_lower_bound": table is None or not table.row_versions_from_start}


_IMPLICIT_PRIMARY_KEY = ("the first UNIQUE index on NOT NULL columns of a table without a "
                         "primary key, which stands in for one")


def _added_invisible_primary_key(known: Table | None, implicit: str,
                                 operations: list[tuple[str, dict]]) -> tuple[str, dict] | None:
    """The operation of an ALTER that adds the table's primary key INVISIBLE: an ADD PRIMARY
    KEY, or, on a known table with neither an explicit nor an implicit one, the first ADD
    UNIQUE on NOT NULL columns (it becomes the implicit one; checked on MariaDB 10.11)."""
    for op, extra in operations:
        if op == "add_primary_key":
            return (op, extra) if extra.get("invisible") else None
    if known is None or "PRIMARY" in known.constraints or implicit:
        return None
    for op, extra in operations:
        if op == "add_index" and extra.get("unique") and extra.get("columns") and all(
                (c := known.columns.get(column)) is not None and c.not_null
                for column in extra["columns"]):
            return (op, extra) if extra.get("invisible") else None
    return None


def _engine_note(table: str, engine: str, clauses: _Clauses) -> str:
    """Why an ALTER of `table`, of the storage `engine` (MyISAM, Aria, MEMORY), copies it:
    the engine alters nothing in place; and the server's error for an ALGORITHM= / LOCK=
    clause that asks for less (1845, ER_ALTER_OPERATION_NOT_SUPPORTED: "ALGORITHM=INPLACE is
    not supported for this operation. Try ALGORITHM=COPY", "LOCK=NONE is not supported for
    this operation. Try LOCK=SHARED"; checked on MariaDB 10.11)."""
    refused = clauses.algorithm in ("INSTANT", "NOCOPY", "INPLACE") or clauses.lock == "NONE"
    article = "an" if engine[0] in "AEIOU" else "a"
    return (f" ({table} is {article} {engine} table: only InnoDB alters a table in place or "
            f"instantly{'; error 1845' if refused else ''})")


def _engine_moved_note(table: str, moved: tuple[str, str], clauses: _Clauses,
                       flavour: str) -> str:
    """Why an ALTER that moves `table` from one storage engine to another (`moved`, as the
    servers write them) copies it, and the server's error for an ALGORITHM= / LOCK= clause
    that asks for less. MariaDB 10.11 (checked): ALGORITHM=INPLACE is 1845 ("... Try
    ALGORITHM=COPY"), answered before LOCK=NONE's 1846 ("LOCK=NONE is not supported. Reason:
    COPY algorithm requires a lock. Try LOCK=SHARED"); it takes ALGORITHM=INSTANT and NOCOPY
    and copies all the same. MySQL 8: its manual's ("ALTER TABLE Statement": another engine
    is a copy), its refusal taken to be 1845 for INSTANT too."""
    taken = _copy_only_algorithm_allowed(clauses.algorithm, flavour)
    error = 1845 if clauses.algorithm and not taken else 1846 if clauses.lock == "NONE" else 0
    return (f" (the ALTER moves {table} from {moved[0]} to {moved[1]}: a table changing its "
            f"storage engine is always copied{f'; error {error}' if error else ''})")


def _copy_only_algorithm_allowed(requested: str, flavour: str) -> bool:
    """Whether the server takes `ALGORITHM=requested` for an ALTER it always copies: one of
    a TEMPORARY table, or one that moves a table to another storage engine. MySQL refuses
    INPLACE and INSTANT (error 1845, sql_table.cc's is_inplace_alter_impossible: "we can't
    handle altering temporary tables without a copy"); MariaDB refuses INPLACE and takes
    INSTANT and NOCOPY (checked on 10.11, for both)."""
    if flavour == "mariadb":
        return requested != "INPLACE"
    return requested not in ("INPLACE", "INSTANT")


def _primary_key_invisible_facts(base: dict, name: str, implicit: bool, added: bool = False,
                                 visibility: str = "INVISIBLE", mariadb: bool = False,
                                 reserved_word: bool = False) -> dict:
    """The facts of mysql-primary-key-invisible for key `name` of the table (`base`): the
    explicit primary key, or the `implicit` one; `added` by the statement INVISIBLE, or
    given `visibility` by ALTER INDEX. The server's error: PRIMARY is a reserved word, so
    unquoted it is a syntax error before the primary key is looked at."""
    shown = "PRIMARY KEY" if name.upper() == "PRIMARY" and added else name or "(unnamed)"
    hidden = "IGNORED" if mariadb else "INVISIBLE"
    facts = {"index_name": name, "visibility": visibility,
             "key_text": _IMPLICIT_PRIMARY_KEY if implicit else "the primary key",
             "change_text": f"{shown} created {hidden} on {base['table']}" if added else
             f"ALTER INDEX {name} {visibility} on {base['table']}"}
    if reserved_word:
        return {**facts, "error_code": 1064, "server_error": "You have an error in your SQL "
                "syntax ... near 'PRIMARY'; quoted, `PRIMARY`, it is refused as the primary key"}
    if mariadb:
        return {**facts, "error_code": 4174,
                "server_error": "A primary key cannot be marked as IGNORE"}
    return {**facts, "error_code": 3522, "server_error": "A primary key index cannot be invisible"}


#: An ALTER TABLE's OPTIMIZE PARTITION clause, from PARTITION on ([NO_WRITE_TO_BINLOG | LOCAL]
#: {names | ALL}: REBUILD and ANALYZE PARTITION take the same).
_OPTIMIZE_PARTITION = re.compile(r"OPTIMIZE(\s+PARTITION\b.*)", re.I | re.S)


def _optimize_partition_instead(base: dict, clauses: _Clauses, flavour: str) -> str:
    """For an ALTER TABLE whose only clause is OPTIMIZE PARTITION, which InnoDB runs on every
    partition: REBUILD PARTITION then ANALYZE PARTITION of the partitions it names, which
    rebuild only those (the advice of the MySQL 8.0 / 8.4 manual, 26.3.4 "Maintenance of
    Partitions"); "" for another ALTER. On MariaDB the trade is said: its OPTIMIZE PARTITION
    rebuilds the whole table with writes going on, its REBUILD PARTITION only the partitions
    named, with writes to every partition waiting (10.11, docs/mysql.md fix-mysql55)."""
    found = _OPTIMIZE_PARTITION.fullmatch(clauses.operations_sql.strip())
    if found is None:
        return ""
    table = quote_mysql_qualified(base["table_sql"])
    trade = ("-- on MariaDB OPTIMIZE PARTITION rebuilds every partition but lets writes go on; "
             "REBUILD PARTITION rewrites only the partitions named, but writes to every "
             f"partition of {base['table']} wait until it ends: run it in a quiet hour, or keep "
             "OPTIMIZE PARTITION\n") if flavour == "mariadb" else ""
    return (f"{trade}-- these rebuild and analyze only the partitions named (writes to the "
            f"table still wait while each runs)\nALTER TABLE {table} REBUILD{found.group(1)};\n"
            f"ALTER TABLE {table} ANALYZE{found.group(1)};")


#: ALTER TABLE ... ORDER BY, which ends the statement (sql/sql_yacc.yy's alter_order_clause),
#: in its operations' code: the list after it, and the comma before it.
_ORDER_BY = re.compile(r"(?:^|,)\s*ORDER\s+BY\s+(?=\S)", re.I)


def _order_by_instead(base: dict, clauses: _Clauses, known: Table | None) -> str:
    """For an ALTER TABLE ... ORDER BY: what the clause does and what to write instead (the
    other operations, if any, without it); "" for another ALTER. InnoDB stores the rows in
    its clustered index's order, a primary key or the first UNIQUE key of NOT NULL columns,
    whatever ORDER BY says (MariaDB 10.11 warns "ORDER BY ignored as there is a user-defined
    clustered index" and copies the table all the same); without one, the copy writes the
    rows in that order and the rows written later go after them (checked on MariaDB 10.11,
    docs/mysql.md fix-mysql55)."""
    found = _ORDER_BY.search(code_only(clauses.operations_sql))
    if found is None:
        return ""
    table = quote_mysql_qualified(base["table_sql"])
    order = clauses.operations_sql[found.end():].strip().rstrip(";")
    rest = clauses.operations_sql[:found.start()].strip(" ,\n\t")
    unique = keys.implicit_primary_key(known) if known is not None else ""
    key = "" if known is None else \
        f"PRIMARY KEY ({', '.join(known.constraints['PRIMARY'].columns)})" \
        if "PRIMARY" in known.constraints else \
        f"UNIQUE KEY {unique} ({', '.join(known.keys[unique][0])}) of NOT NULL columns" \
        if unique else ""
    lines = ["-- ORDER BY sorts the rows once, while the server copies the whole table "
             "(writes wait); InnoDB keeps rows in its clustered index's order, so the rows "
             "written later do not follow it"]
    if key:
        lines.append(f"-- {base['table']} is clustered on its {key}: InnoDB ignores ORDER BY "
                     "(\"ORDER BY ignored as there is a user-defined clustered index\") and the "
                     "copy changes nothing")
    lines.append("-- the order is seldom needed: leave the clause out, and sort where the rows "
                 f"are read:\nSELECT * FROM {table} ORDER BY {order};")
    if rest:
        lines.append(f"ALTER TABLE {table} {rest};  -- the other operations, without ORDER BY")
    return "\n".join(lines)


def _ignoring_duplicates(operations: list[tuple[str, dict]], sql: str, flavour: str
                         ) -> list[tuple[str, dict]]:
    """The operations of MariaDB's ALTER IGNORE TABLE `sql`: a UNIQUE or PRIMARY KEY it adds
    is built by a copy that deletes each row whose key another row already holds (MariaDB
    10.11 refuses INPLACE, 1846 "Creating unique indexes with IGNORE requires COPY algorithm
    to remove duplicate rows", and keeps one row of each duplicate key). MySQL has had no
    ALTER IGNORE since 5.7.4 (the parser refuses it)."""
    head = _ALTER_TABLE.match(sql)
    if flavour != "mariadb" or head is None or "IGNORE" not in head.group("modifiers").upper():
        return operations
    return [("add_unique_key_ignoring_duplicates", extra)
            if op == "add_primary_key" or op == "add_index" and extra.get("unique")
            else (op, extra) for op, extra in operations]


def _keep_charset_instead(base: dict, clauses: _Clauses, operations: list[tuple[str, dict]],
                          algorithm: str) -> str:
    """For a copy a MODIFY causes by naming no CHARACTER SET (its column takes the table's
    default, re-encoded): the same ALTER naming the column's own, written after its type in
    the user's text, which keeps it and needs no copy for that; "" for another."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import mysql_tokens

    kept = {extra["column"]: extra["keep_charset"] for _, extra in operations
            if extra.get("keep_charset")}
    # CONVERT TO in the same ALTER gives every string column its character set, a CHARACTER
    # SET a MODIFY names or not (MariaDB 10.11: SHOW CREATE TABLE): nothing to keep
    if algorithm != "COPY" or not kept or any(
            op == "convert_character_set" for op, _ in operations):
        return ""
    text = clauses.operations_sql
    try:
        tokens = mysql_tokens(text)
    except TokenError:
        return ""
    inserts: list[tuple[int, str]] = []
    written: list[str] = []
    depth, first = 0, True
    for i, tok in enumerate(tokens):
        starts = first and depth == 0
        first = tok.token_type == TokenType.COMMA and depth == 0
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        verb = tok.text.upper()
        if not starts or verb not in ("MODIFY", "CHANGE"):
            continue
        at = i + 1 + (i + 1 < len(tokens) and tokens[i + 1].text.upper() == "COLUMN")
        if at >= len(tokens) or (keep := kept.get(tokens[at].text.lower())) is None:
            continue
        written.append(text[tokens[at].start:tokens[at].end + 1])
        at += 1 + (verb == "CHANGE")  # the new name
        if at >= len(tokens) or tokens[at].text.lower() not in _STRING_TYPES:
            continue  # (CHARACTER VARYING, NATIONAL CHAR...: not placed)
        end = at
        if end + 1 < len(tokens) and tokens[end + 1].token_type == TokenType.L_PAREN:
            end += 1
            while end + 1 < len(tokens) and tokens[end].token_type != TokenType.R_PAREN:
                end += 1
        if end < len(tokens):
            inserts.append((tokens[end].end + 1, f" {keep}"))
    if len(inserts) != len(kept):
        return ""
    for offset, words in reversed(inserts):
        text = text[:offset] + words + text[offset:]
    one = len(written) == 1
    kept_clauses, note = _kept_clauses(clauses)
    return (f"-- {', '.join(written)} {'names' if one else 'name'} no CHARACTER SET: the "
            f"server gives {'it' if one else 'them'} {base['table']}'s default and re-encodes "
            f"{'it' if one else 'them'}, copying the table; naming {'its' if one else 'their'} "
            f"own keeps {'it' if one else 'them'}, with no copy for that{note}:\nALTER TABLE "
            f"{quote_mysql_qualified(base['table_sql'])} {text}{kept_clauses};\n-- or, to "
            "change it, through an online schema change tool:\n")


def _kept_clauses(clauses: _Clauses) -> tuple[str, str]:
    """The ALGORITHM= / LOCK= clauses the user wrote, for the same ALTER restated with the
    column's own character set (_keep_charset_instead), and what the comment says of them:
    LOCK= as written; ALGORITHM=COPY as written (it still copies the table); a cheaper
    ALGORITHM= left out, as whether the restated change can run with it is not known here
    (the server then picks its cheapest)."""
    kept = [f"ALGORITHM={clauses.algorithm}"] if clauses.algorithm in ("COPY", "DEFAULT") \
        else []
    note = " (ALGORITHM=COPY, kept as written, still copies the table: leave it out for no copy)" \
        if clauses.algorithm == "COPY" else \
        f" (ALGORITHM={clauses.algorithm} left out: the server picks its cheapest)" \
        if clauses.algorithm else ""
    kept += [f"LOCK={clauses.lock}"] if clauses.lock else []
    return "".join(f", {clause}" for clause in kept), note


def _operation_notes(operations: list[tuple[str, dict]]) -> str:
    """What the messages add about the operations ("" when nothing): the rows ALTER IGNORE
    deletes, CHECK constraints MySQL validates again, OPTIMIZE PARTITION's whole table,
    operations of a statement read from its text that lockwise does not know (judged as a
    rebuild)."""
    checks = sorted({extra["checks_revalidated"] for _, extra in operations
                     if extra.get("checks_revalidated")})
    unknown = [extra["unrecognized"] for op, extra in operations
               if op == "rebuild_table" and " " in extra.get("unrecognized", "")
               or "=" in extra.get("unrecognized", "")]
    # InnoDB optimizes no single partition (MySQL 8.0 / 8.4 manual, 26.3.4 "Maintenance of
    # Partitions", whose advice this is; MariaDB 10.11 says so, fix-mysql50)
    whole = any(op == "optimize_partition" for op, _ in operations)
    ignoring = any(op == "add_unique_key_ignoring_duplicates" for op, _ in operations)
    return ("; IGNORE deletes, without a word, each row whose new key another row already "
            "holds" if ignoring else "") + (
        f"; the column type changes under the enforced {', '.join(checks)}, which MySQL "
        "validates against every row again, with ALGORITHM=COPY" if checks else "") + (
        "; InnoDB optimizes no single partition: OPTIMIZE PARTITION rebuilds and analyzes every "
        "partition (REBUILD then ANALYZE PARTITION rebuild only the ones named)" if whole
        else "") + (
        f"; lockwise does not know `{'`, `'.join(unknown)}` and counts it as a rebuild"
        if unknown else "")


def _copied(plans: list[Plan], operations: list[tuple[str, dict]], flavour: str
            ) -> list[Plan]:
    """The plans of an ALTER that asks for ALGORITHM=COPY: the server copies the table
    whatever its operations could do otherwise (MySQL 8.4 manual, 15.1.9 ALTER TABLE
    Statement, "Performance and Space Requirements": "To force use of the COPY algorithm for
    an ALTER TABLE operation that would otherwise not use it, specify ALGORITHM=COPY"), writes
    wait, reads continue (LOCK=SHARED, also for a RENAME TO that otherwise needs EXCLUSIVE on
    MariaDB; LOCK=NONE: "COPY algorithm requires a lock"). MySQL copies a statement without
    operations too (ALGORITHM=COPY keeps it off the "simple rename" path, sql_table.cc's
    is_simple_rename_or_index_change); MariaDB does not (10.11 keeps its InnoDB table_id, and
    copies for RENAME TO or DISABLE KEYS: checked)."""
    if flavour == "mariadb" and all(op == "alter_nothing" for op, _ in operations):
        return plans
    return [Plan("COPY", True, False, "SHARED", p.source) for p in plans]


#: What MySQL runs on its "simple rename or keys on/off" path: under an exclusive metadata
#: lock, whatever the LOCK= clause asks (sql_table.cc, is_simple_rename_or_index_change).
_SIMPLE_PATH = frozenset({"alter_nothing", "rename_table", "toggle_keys"})


def _on_simple_path(clauses: _Clauses, operations: list[tuple[str, dict]],
                    flavour: str) -> bool:
    """Whether MySQL runs the ALTER on its "simple rename or keys on/off" path (only a RENAME
    TO, DISABLE / ENABLE KEYS, or nothing; not with ALGORITHM=COPY), under an exclusive
    metadata lock whatever the LOCK= clause asks: LOCK=NONE or SHARED is error 1845,
    ER_ALTER_OPERATION_NOT_SUPPORTED, "LOCK=NONE/SHARED is not supported for this operation.
    Try LOCK=EXCLUSIVE". MariaDB 10.11 takes any LOCK= on a statement without operations
    (checked; its RENAME TO and DISABLE KEYS are OPERATIONS' exclusive_only)."""
    return flavour == "mysql" and clauses.algorithm != "COPY" and \
        {op for op, _ in operations} <= _SIMPLE_PATH


def _refused_value(key: str, value: str, flavour: str, version: Version) -> bool:
    """Whether the server knows no `key=value` (ALGORITHM=FAST, LOCK=FAST, NOCOPY on MySQL)."""
    if value in ("", "DEFAULT"):
        return False
    known = known_algorithms(flavour, version) if key == "ALGORITHM" else LOCKS
    return value not in known


@dataclass(frozen=True, slots=True)
class _Run:
    """How the server runs one ALTER: what its clauses may ask for."""

    algorithm: str
    lock: str
    permits_dml: bool
    flavour: str
    version: Version
    #: MariaDB takes no ALGORITHM= / LOCK= clause after a partition operation.
    no_clauses: bool = False


def _fixed_alter_sql(base: dict, clauses: _Clauses, run: _Run) -> str:
    """The same ALTER with clauses the server accepts, each kept when it is and otherwise
    replaced by what the operation can do ("" when only a stronger lock than asked for would
    run it: then writes would wait, which the clause was there to refuse)."""
    parts = [clauses.operations_sql]
    algorithm = clauses.algorithm
    if algorithm and not algorithm_allowed(algorithm, run.algorithm, run.flavour, run.version):
        algorithm = run.algorithm
    lock = clauses.lock
    if lock and _refused_value("LOCK", lock, run.flavour, run.version):
        lock = run.lock
    elif lock and lock_refusal(lock, run.lock):
        if run.algorithm != "INSTANT":
            return ""
        lock = ""  # an instant change holds its stronger lock only for a moment
    if run.flavour == "mysql" and algorithm == "INSTANT":
        lock = ""  # MySQL takes no LOCK= beside ALGORITHM=INSTANT
    if not run.no_clauses:
        parts += [f"ALGORITHM={algorithm}"] * bool(algorithm) + [f"LOCK={lock}"] * bool(lock)
    table = quote_mysql_qualified(base["table_sql"])
    return f"ALTER TABLE {table} {', '.join(p for p in parts if p)}".rstrip() + ";"


def _online_schema_change(base: dict, clauses: _Clauses, foreign_keys: bool,
                          referenced: bool, keyless: str = "") -> tuple[str, str]:
    """The online schema change tool's command line that runs the ALTER, and the text that
    offers every tool that does (gh-ost, or else pt-online-schema-change). gh-ost supports
    no foreign keys: it bails out on a table that has one or that another table's references
    (its docs/requirements-and-limitations.md, "Foreign keys not supported";
    go/logic/inspect.go). pt-online-schema-change copies the table's own, and exits on a
    referenced table unless told how to repoint the references (--alter-foreign-keys-method;
    `auto` picks rebuild_constraints or drop_swap). Both walk and follow the rows by a
    PRIMARY KEY or UNIQUE key (`keyless`: the table has none, keys.without_unique_key):
    gh-ost bails out without one on the table as it is ("No PRIMARY nor UNIQUE key found in
    table", go/logic/inspect.go), or with only UNIQUE keys on nullable columns (`nullable`),
    pt-online-schema-change needs one for its DELETE trigger,
    and takes one the ALTER adds from existing columns (its --alter documentation)."""
    alter, table = shlex.quote(clauses.operations_sql), base["table_name_arg"]
    method = " --alter-foreign-keys-method=auto" if referenced else ""
    pt_osc = f"pt-online-schema-change --alter {alter}{method} D=<db>,t={table} --execute"
    if keyless == "none":
        why = (f"-- neither gh-ost nor pt-online-schema-change runs on {base['table']}: each "
               "needs a PRIMARY KEY or UNIQUE key\n-- to follow the rows (add one first)")
        return why, why
    if keyless == "added":
        return pt_osc, f"# gh-ost needs a PRIMARY KEY or UNIQUE key on the table as it is\n{pt_osc}"
    if keyless == "nullable":
        return pt_osc, ("# gh-ost needs a PRIMARY KEY or a UNIQUE key on NOT NULL columns "
                        f"(each UNIQUE key of {base['table']} has a nullable one)\n{pt_osc}")
    if foreign_keys or referenced:
        return pt_osc, f"# gh-ost supports no foreign keys\n{pt_osc}"
    gh_ost = f"gh-ost --database=<db> --table={table} --alter={alter} --execute"
    return gh_ost, f"{gh_ost}\n# or\n{pt_osc}"


def _lock_instead_sql(base: dict, clauses: _Clauses, run: _Run, refusal: str,
                      tool: str) -> str:
    """What to run instead of an ALTER whose LOCK= clause the server refuses: when only the
    clause is wrong (a value the server does not know, a clause beside MySQL's
    ALGORITHM=INSTANT, any clause after a MariaDB partition operation), the same ALTER with
    clauses it takes; when the operation needs a stronger lock, an online schema change
    tool."""
    fixed = _fixed_alter_sql(base, clauses, run) if refusal else ""
    if not fixed:
        return tool
    if _refused_value("LOCK", clauses.lock, run.flavour, run.version):
        why = (f"-- LOCK takes NONE, SHARED, EXCLUSIVE or DEFAULT; the operation allows "
               f"LOCK={run.lock}")
    elif lock_refusal(clauses.lock, run.lock):
        why = (f"-- an instant change: it holds LOCK={run.lock} only for a moment, and the "
               f"server takes no weaker LOCK= clause for it")
    else:
        why = f"-- the operation takes LOCK={run.lock} at most; only the clause is refused"
    return f"{why}\n{fixed}"


def _algorithm_instead_sql(base: dict, clauses: _Clauses, run: _Run, tool: str) -> str:
    """What to run instead of an ALTER whose ALGORITHM= clause the server refuses: the same
    ALTER with the cheapest algorithm the operation has, when that keeps writes flowing
    without copying the table; otherwise an online schema change tool."""
    unknown = _refused_value("ALGORITHM", clauses.algorithm, run.flavour, run.version)
    head = (f"-- {run.flavour} {'.'.join(map(str, run.version))} knows no "
            f"ALGORITHM={clauses.algorithm}; " if unknown else "-- ")
    fixed = _fixed_alter_sql(base, clauses, run)
    if run.permits_dml and run.algorithm != "COPY" and fixed:
        return f"{head}the operation runs as ALGORITHM={run.algorithm}:\n{fixed}"
    return (f"{head}the operation needs ALGORITHM={run.algorithm}; if that is too expensive, "
            f"use an online schema change tool:\n{tool}")


#: Operations that build an index: beside one, MariaDB cannot keep a column change instant.
#: Table options MariaDB changes in the data dictionary (COMMENT=, AUTO_INCREMENT=, the
#: default CHARACTER SET / COLLATE) and the column and index changes it makes instantly only
#: without them: beside one, these take the in-place path without a rebuild (NOCOPY, writes
#: go on). Checked on MariaDB 10.11: `MODIFY w VARCHAR(20), DEFAULT CHARSET=latin1` (or
#: `COMMENT='x'`, `AUTO_INCREMENT=5`) answers ALGORITHM=INSTANT with 1846 "Reason: DROP
#: INDEX. Try ALGORITHM=NOCOPY"; so do RENAME COLUMN, a collation change, utf8mb3 to utf8mb4,
#: RENAME INDEX and ALTER INDEX ... IGNORED; ADD / DROP / reorder COLUMN, ENUM members
#: appended, SET DEFAULT and a MODIFY changing nothing stored stay instant beside them.
_TABLE_OPTIONS = frozenset({"set_default_charset", "set_table_comment", "set_auto_increment"})
_NOT_INSTANT_BESIDE_OPTIONS = frozenset({
    "rename_column", "extend_varchar_same_length_bytes", "extend_varchar_more_length_bytes",
    "widen_utf8mb3_to_utf8mb4", "widen_utf8mb3_to_utf8mb4_unindexed", "change_collation",
    "rename_index", "set_index_visibility"})
_BUILDS_INDEX = {"add_index", "add_index_on_new_virtual_column", "add_fulltext_index",
                 "add_functional_index", "add_functional_unique_index", "add_multi_valued_index",
                 "add_functional_index_partitioned",
                 "drop_column_indexed", "change_collation_indexed",
                 "add_fulltext_indexes", "add_spatial_index",
                 "add_primary_key", "add_column_auto_increment"}
#: A VIRTUAL column's ADD / DROP where it cannot be in place (mysql_ddl.py).
_VIRTUAL_NOT_IN_PLACE = {"add_column_virtual_generated": "add_column_virtual_generated_partitioned",
                         "drop_column_virtual_generated":
                         "drop_column_virtual_generated_partitioned"}
#: What InnoDB runs in place beside a VIRTUAL column's ADD / DROP: ADD INDEX, DROP INDEX
#: (handler0alter.cc, check_if_supported_inplace_alter; not ADD_UNIQUE_INDEX: a UNIQUE index
#: there is marked by _alter_operations).
_BESIDE_VIRTUAL_IN_PLACE = {"add_index", "drop_index", "add_index_on_new_virtual_column",
                            "add_functional_index"}
_ADDS_STORED_COLUMN = {"add_column_last", "add_column_positioned", "add_column_row_default",
                       "add_column_expression_default",
                       "add_column_auto_increment", "add_column_stored_generated"}


def _no_instant_columns(table: Table | None, flavour: str, version: Version) -> str:
    """Why InnoDB adds and drops no column of `table` instantly ("" when it does): its row
    format is COMPRESSED (MySQL manual, "Online DDL Operations", Column Operations; checked
    on MariaDB 10.11), or, on MySQL, its row versions are used up (`max_row_versions`)."""
    if table is None:
        return ""
    if table.compressed:
        return ("the table is ROW_FORMAT=COMPRESSED: InnoDB adds and drops its columns only "
                "by rebuilding it")
    limit = max_row_versions(version) if flavour == "mysql" else None
    if limit is not None and table.row_versions >= limit:
        counted = f"{limit} statements have added or dropped its columns instantly since it " \
            f"was last rebuilt" if table.row_versions_from_start else \
            f"at least {limit} statements have added or dropped its columns instantly (these " \
            f"migrations' own: the table was created before them, with row versions unknown)"
        return (f"{counted}, and MySQL {'.'.join(map(str, version))} keeps {limit} row "
                f"versions: past them INSTANT is error 4092, \"Maximum row versions "
                f"reached\"; ALTER TABLE ... FORCE or OPTIMIZE TABLE starts them again")
    return ""


#: Operations InnoDB ignores in MySQL's in-place path (INNOBASE_INPLACE_IGNORE: a column's
#: default, RENAME TO, CHECK constraints, index options), and the table options themselves.
_BESIDE_OPTIONS_IGNORED = frozenset({
    "set_default", "drop_default", "rename_table", "drop_check_constraint",
    "add_check_constraint_not_enforced", "suspend_check_constraint", "set_index_visibility",
    "metadata_only", "alter_nothing", "toggle_keys", *_TABLE_OPTIONS})


def _table_option_rebuilds(operations: list[str], plans: list[Plan]) -> list[Plan]:
    """MySQL's in-place plans once a table option (CHANGE_CREATE_OPTION: a default CHARACTER
    SET / COLLATE, COMMENT=, AUTO_INCREMENT=) is beside another in-place operation: InnoDB
    rebuilds the table. MySQL 8's storage/innobase/handler/handler0alter.cc,
    innobase_need_rebuild: a CHANGE_CREATE_OPTION other than ROW_FORMAT / KEY_BLOCK_SIZE /
    TABLESPACE needs no rebuild only when it is the only change InnoDB sees; otherwise the
    flag is one of INNOBASE_ALTER_REBUILD (the manual's "Specifying a character set":
    "Rebuilds Table: Yes*"). The option keeps even ADD COLUMN from being instant
    (innobase_support_instant), so `ADD COLUMN c INT, COMMENT='x'` rebuilds the table in
    place (fix-mysql65). Not run on MySQL."""
    if not _TABLE_OPTIONS.intersection(operations) or not any(
            op not in _BESIDE_OPTIONS_IGNORED and p.algorithm == "INPLACE"
            for op, p in zip(operations, plans, strict=True)):
        return plans
    return [Plan(p.algorithm, True, p.permits_dml, p.lock, p.source)
            if op in _TABLE_OPTIONS and p.algorithm == "INPLACE" else p
            for op, p in zip(operations, plans, strict=True)]


def _statement_plans(operations: list[str], flavour: str, version: Version,
                     fulltext: Fulltext = NO_FULLTEXT, in_place: bool = False,
                     instant_columns: bool = True) -> list[Plan]:
    """Each operation's plan within one ALTER, which the server runs with one algorithm.

    MySQL is instant only when every operation is and no ALGORITHM=INPLACE asks otherwise
    (`in_place`; MySQL 8.4 manual, 15.1.9 ALTER TABLE: "Specifying an ALGORITHM clause
    requires the operation to use the specified algorithm"; MariaDB reads ALGORITHM= as that
    algorithm or a cheaper one, checked on 10.11): otherwise each takes its in-place path
    (ADD COLUMN beside ADD INDEX, or asked INPLACE, rebuilds the table). MariaDB keeps a
    column change instant beside other in-place work, except beside an index build or, for
    those of _NOT_INSTANT_BESIDE_OPTIONS, a table option (_TABLE_OPTIONS); and it copies the
    table to add a VIRTUAL column together with a stored one (both checked on
    MariaDB 10.11). A table's FULLTEXT indexes change the plans as effects/mysql_fulltext.py
    says; `instant_columns=False` (_no_instant_columns) sends ADD / DROP / reorder COLUMN to
    their in-place path."""
    def planned(op: str, instant: bool = True) -> Plan:
        op = fulltext.capability(op)
        return plan(op, flavour, version, instant and not fulltext.blocks_instant(op, flavour)
                    and (instant_columns or not instant_column_layout(op, flavour)))

    plans = [planned(op) for op in operations]
    if flavour == "mariadb":
        instant = not _BUILDS_INDEX.intersection(operations)
        if _TABLE_OPTIONS.intersection(operations):
            plans = [planned(op, instant=False) if op in _NOT_INSTANT_BESIDE_OPTIONS else p
                     for op, p in zip(operations, plans, strict=True)]
        if "add_column_virtual_generated" in operations and \
                _ADDS_STORED_COLUMN.intersection(operations):
            instant = True
            plans = [planned("add_column_stored_generated")
                     if op == "add_column_virtual_generated" else p
                     for op, p in zip(operations, plans, strict=True)]
    else:
        instant = all(p.algorithm == "INSTANT" for p in plans) and not in_place
        if not instant and set(operations) - _BESIDE_VIRTUAL_IN_PLACE - set(_VIRTUAL_NOT_IN_PLACE):
            # "adding or dropping a virtual column cannot be performed in place in
            # combination with other ALTER TABLE operations" (MySQL's "ALTER TABLE and
            # Generated Columns"): the statement copies the table. InnoDB runs ADD INDEX and
            # DROP INDEX beside them in place (check_if_supported_inplace_alter).
            operations = [_VIRTUAL_NOT_IN_PLACE.get(op, op) for op in operations]
    if not instant:
        plans = [planned(op, instant=False) for op in operations]
        if flavour == "mysql":
            plans = _table_option_rebuilds(operations, plans)
    if flavour == "mariadb" and set(_VIRTUAL_NOT_IN_PLACE).intersection(operations) and any(
            p.rebuilds for op, p in zip(operations, plans, strict=True)
            if op not in _VIRTUAL_NOT_IN_PLACE):
        # "INPLACE ADD or DROP of virtual columns cannot be combined with other ALTER TABLE
        # actions" that rebuild the table: a copy (checked on 10.11: FORCE, ENGINE=, MODIFY
        # NOT NULL, ADD PRIMARY KEY, the first FULLTEXT index)
        plans = [planned(_VIRTUAL_NOT_IN_PLACE[op]) if op in _VIRTUAL_NOT_IN_PLACE else p
                 for op, p in zip(operations, plans, strict=True)]
    return fulltext.constrain(plans, flavour)


def _check_out_of_the_way(base: dict, checks: list[Constraint], op: str, extra: dict,
                          flavour: str) -> str:
    """The statements that rename or drop a column the CHECKs `checks` use: they are dropped
    first (by the same ALTER for a drop: they go with the column), and for a rename added
    again over the new name, each as enforced as it was (an enforced one validates every
    row, as any added CHECK does)."""
    table = quote_mysql_qualified(base["table_sql"])
    verb = "DROP CHECK" if flavour == "mysql" else "DROP CONSTRAINT"
    drops = ", ".join(f"{verb} {quote_mysql_ident(check.name)}" for check in checks)
    column = quote_mysql_ident(extra.get("column", ""))
    names = ", ".join(check.name for check in checks)
    if op != "rename_column":
        one = len(checks) == 1
        return (f"-- {names} go{'es' * one} with the column: restate, in a new CHECK, what "
                f"{'it' if one else 'they'} must still hold of the other columns, if anything\n"
                f"ALTER TABLE {table} {drops}, DROP COLUMN {column};")
    new = extra.get("new_name", "")
    adds = [f"ALTER TABLE {table} ADD CONSTRAINT {quote_mysql_ident(check.name)} CHECK ("
            f"{_renamed_in(check.check_sql, extra.get('column', ''), new) or '...'})"
            f"{'' if check.enforced else ' NOT ENFORCED'};" for check in checks]
    copies = any(check.enforced for check in checks)
    return "\n".join((
        f"ALTER TABLE {table} {drops};",
        f"-- the rename as written, then the CHECKs again over the new name"
        f"{' (an enforced one reads every row: a table copy)' if copies else ''}:",
        f"ALTER TABLE {table} RENAME COLUMN {column} TO {quote_mysql_ident(new)};", *adds))


def _renamed(b: _Builder, old: str, new: str, kept: bool) -> dict:
    """The facts of a table renamed `old` to `new` (`kept`: another table takes the old name
    at once), with the later step of the view alternative: a view under the new name first,
    then one RENAME TABLE, atomic, puts the table in its place (`view_swap_sql`)."""
    def written(name: str) -> str:
        return quote_mysql_qualified(".".join(b.written.get(part, part)
                                              for part in name.split(".", 1)))

    # as written: a table's name is case-sensitive where lower_case_table_names = 0 (Linux)
    new_written = ".".join(b.written.get(part, part) for part in new.split(".", 1))
    view = written(f"{b.written.get(new, new)}_view")
    return {"new_name": new_written, "new_table_sql": new_written,
            "old_name_kept_by_view": kept,
            "view_swap_sql": f"RENAME TABLE {written(new)} TO {view}, {written(old)} TO "
                             f"{written(new)};  DROP VIEW {view};"}


def _alter_operations(b: _Builder, expr, table: str) -> list[tuple[str, dict]]:
    from sqlglot import exp

    t = b.catalog.tables.get(table)
    # the default a MODIFY takes: one this ALTER sets (it applies to its own MODIFY too:
    # MariaDB 10.11 checked), else the table's
    options = _altered_default(b.catalog, t, expr)
    table_default = options if options is not None else (t.charset, t.collation) \
        if t is not None else (None, None)
    if table_default[0] is None and t is not None and not t.known_from_use:
        # a table the replay made naming no character set has the server's (a MODIFY naming
        # none re-encodes a column of another into it: MariaDB 10.11, latin1, a utf8mb4
        # column's `MODIFY w VARCHAR(200)` copies the table)
        table_default = (_server_charset(b.session), None)
    ops: list[tuple[str, dict]] = []
    for action in expr.args.get("actions") or ():
        if isinstance(action, exp.ColumnDef):
            op = _classify_add_column(action, action.args.get("position") is not None)
            op = _add_column_default_operation(op, action, b.session.flavour)
            if op == "add_column_virtual_generated" and t is not None and \
                    t.kind == "partitioned":
                op = "add_column_virtual_generated_partitioned"
            ops.append((op, {"column": action.name.lower()}))
            if b.session.flavour == "mysql" and any(
                    not check.meta.get("not_enforced")
                    for check in action.find_all(exp.CheckColumnConstraint)):
                # MySQL validates the rows against a CHECK the ALTER adds, a new column's
                # own too (sql_table.cc: is_any_check_constraints_evaluation_required);
                # MariaDB adds the column instantly (checked on 10.11)
                ops.append(("add_check_constraint", {"column": action.name.lower()}))
        elif isinstance(action, exp.ModifyColumn):
            coldef = action.this
            old_name = _name(action.args.get("rename_from")) or coldef.name.lower()
            old = t.columns.get(old_name) if t else None
            new_type = _column_type(coldef)[0]
            checks = _checks_reading(t, old_name, b.session) \
                if old is not None and old.type_name != new_type else ""
            defaults = _default_collations(b.session.flavour, b.session.version)
            # (its character set the server's when nothing named one: _with_server_charset)
            old = _with_server_charset(old, b.session)
            keep = _keep_charset_text(coldef, old, table_default, defaults)
            for op in _classify_modify(coldef, old, t, b.session.flavour, table_default,
                                       defaults, b.session.version):
                ops.append((op, {"column": old_name, "new_type": new_type,
                                 "checks_revalidated": checks,
                                 "keep_charset": keep if op == "change_column_type" else ""}))
            if action.args.get("rename_from") is not None and old_name != coldef.name.lower():
                # CHANGE restates the column: the alternative keeps what it writes
                ops.append(("rename_column", {"column": old_name,
                                              "new_name": coldef.name.lower(),
                                              **_type_facts(old_name, _column(coldef))}))
        elif isinstance(action, exp.RenameColumn) and \
                _name(action.args.get("to")) == _name(action.this):
            # only the letter case changes: a column's name is case-insensitive, every query
            # runs under either spelling, and the server changes the dictionary only (MariaDB
            # 10.11: ALGORITHM=INSTANT); CHANGE above reads it so too
            ops.append(("metadata_only", {"column": _name(action.this)}))
        elif isinstance(action, exp.RenameColumn):
            column = _name(action.this)
            ops.append(("rename_column", {
                "column": column, "new_name": _name(action.args.get("to")),
                **_type_facts(column, t.columns.get(column) if t else None)}))
        elif isinstance(action, exp.AlterColumn):
            if action.args.get("drop") or action.args.get("default") is not None:
                ops.append(("drop_default" if action.args.get("drop") else "set_default",
                            {"column": _name(action.this)}))
            elif action.args.get("visible"):
                # SET VISIBLE / INVISIBLE (MySQL 8.0.23): the data dictionary only; InnoDB
                # ignores ALTER_COLUMN_VISIBILITY (handler0alter.cc, INNOBASE_INPLACE_IGNORE)
                ops.append(("metadata_only", {"column": _name(action.this)}))
            else:
                ops.append(("change_column_type", {"column": _name(action.this)}))
        elif isinstance(action, exp.Drop):
            kind = (action.args.get("kind") or "").upper()
            target = _name((action.args.get("tables") or [None])[0])
            op = {"COLUMN": "drop_column", "INDEX": "drop_index", "KEY": "drop_index",
                  "FOREIGN KEY": "drop_foreign_key", "CHECK": "drop_check_constraint",
                  "CONSTRAINT": _constraint_drop(t, target)}.get(kind, "drop_column")
            dropped = t.columns.get(target) if t and op == "drop_column" else None
            if dropped is not None and dropped.virtual:
                # Nothing stored: metadata only, except on a partitioned table (a copy).
                op = "drop_column_virtual_generated" + "_partitioned" * (
                    t.kind == "partitioned")
            ops.append((op, {"column" if op.startswith("drop_column") else "name": target,
                             **({"keyword": kind, "if_exists": bool(action.args.get("exists"))}
                                if kind in ("CHECK", "CONSTRAINT", "INDEX", "KEY", "FOREIGN KEY")
                                else {})}))
        elif isinstance(action, exp.DropPrimaryKey):
            ops.append(("drop_primary_key", {}))
        elif isinstance(action, exp.RenameIndex):
            ops.append(("rename_index", {"name": _name(action.this)}))
        elif isinstance(action, exp.AlterIndex):  # VISIBLE / INVISIBLE: the optimizer's flag
            ops.append(("set_index_visibility", {
                "name": _name(action.this), "invisible": not action.args.get("visible"),
                "quoted": bool(action.this.args.get("quoted"))}))
        elif isinstance(action, exp.AddConstraint):
            for con in action.expressions:
                op = _functional_index(_classify_constraint(con), con)
                extra = {"name": _name(con.this) if con.this is not None else ""}
                if op == "add_foreign_key" and (key := keys.foreign_key_of(con)) is not None:
                    extra["references"] = key[2]  # (the parent _copied_key_parents locks)
                if op == "add_spatial_index":
                    extra.update(_spatial_columns(_index_columns(con), t, expr))
                elif op == "add_index":
                    key = keys.key_of(con)
                    extra["columns"] = key[1] if key else _index_columns(con)
                    extra["unique"] = bool(key and key[2])
                elif op == "add_primary_key" and isinstance(con, exp.PrimaryKey):
                    extra["columns"] = keys.columns_of(con.expressions)
                if op in ("add_index", "add_primary_key") and keys.invisible(con):
                    extra["invisible"] = True
                ops.append((op, extra))
        elif isinstance(action, exp.AlterRename):
            # A view cannot take the old name in the same transaction: DDL commits at once.
            ops.append(("rename_table", _renamed(b, table, _table_name(action.this), False)))
        elif type(action).__name__ == "ForceProperty":
            ops.append(("rebuild_table", {}))
        else:
            ops.append(("rebuild_table", {"unrecognized": type(action).__name__}))
    ops = _indexed_column_drops(ops, expr, t, b.session.flavour)
    names = [op for op, _ in ops]
    virtual = {extra["column"] for op, extra in ops if op.startswith("add_column_virtual")}
    if virtual:  # an index on a VIRTUAL column this statement adds
        ops = [("add_index_on_new_virtual_column" if op == "add_index"
                and virtual.intersection(extra.get("columns", ())) else op, extra)
               for op, extra in ops]
    if any(op == "add_index" and extra.get("unique") for op, extra in ops) or (
            "drop_column_virtual_generated" in names and any(
                op == "add_index_on_new_virtual_column" for op, _ in ops)):
        # InnoDB runs no UNIQUE index beside a VIRTUAL column's ADD / DROP in place, nor an
        # index on an added one beside a dropped one (check_if_supported_inplace_alter;
        # MariaDB 10.11: "INPLACE ADD or DROP of virtual columns cannot be combined with
        # other ALTER TABLE actions"): a copy
        ops = [(_VIRTUAL_NOT_IN_PLACE.get(op, op), extra) for op, extra in ops]
    if names.count("add_fulltext_index") > 1:
        ops = [("add_fulltext_indexes" if op == "add_fulltext_index" else op, extra)
               for op, extra in ops]
    if "drop_primary_key" in names and any(
            op in ("add_primary_key", "add_column_auto_increment") for op in names):
        # Replacing the clustered key in one statement is an in-place rebuild, not a copy.
        ops = [(op, extra) for op, extra in ops if op != "drop_primary_key"]
        if "add_primary_key" not in names:
            ops.append(("add_primary_key", {}))
    for option in expr.args.get("options") or ():
        name = type(option).__name__
        if name == "EngineProperty":
            ops.append(("rebuild_table", {}))
        elif name == "RowFormatProperty" or name == "Property" and \
                option.name.upper() == "KEY_BLOCK_SIZE":  # InnoDB's compressed page size
            if ("change_row_format", {}) not in ops:  # ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8
                ops.append(("change_row_format", {}))
        elif name == "Property" and option.name.upper() in _REBUILDING_OPTIONS:
            ops.append(("rebuild_table", {}))
        elif name == "AutoIncrementProperty":
            ops.append(("set_auto_increment", {}))
        elif name in ("CharacterSetProperty", "CollateProperty"):
            if ("set_default_charset", {}) not in ops:  # CHARACTER SET x COLLATE y: one change
                ops.append(("set_default_charset", {}))
        elif name == "SchemaCommentProperty":
            ops.append(("set_table_comment", {}))
        elif name == "Order":  # ALTER TABLE ... ORDER BY: a copy (mysql_ddl.py)
            ops.append(("order_rows", {}))
    return ops


def _checks_reading(table: Table | None, column: str, session: MySQLSession) -> str:
    """The enforced CHECK constraints of `table` that read `column`, as the message names
    them ("" when none, or on MariaDB): MySQL evaluates them again, with ALGORITHM=COPY, when
    the ALTER changes the column's type (8.0's sql_table.cc,
    is_any_check_constraints_evaluation_required: "Type of column used by any enforced check
    constraint is changed"). MariaDB keeps the algorithm (checked on 10.11)."""
    if table is None or session.flavour != "mysql" or \
            session.version < CHECK_ENFORCED_FROM["mysql"]:
        return ""
    return ", ".join(f"CHECK {name}" for name, c in table.constraints.items()
                     if c.kind == "check" and c.enforced and column in c.columns)


def _indexed_column_drops(ops: list[tuple[str, dict]], expr, table: Table | None,
                          flavour: str) -> list[tuple[str, dict]]:
    """The ALTER's DROP COLUMNs as the table's indexes make them (effects/mysql_keys.py): with
    an index that goes too, or one built again; the primary key's last column drops the key;
    a key column the server refuses to drop is marked on its operation (`key_column_refused`)."""
    from sqlglot import exp

    dropped = {extra["column"] for op, extra in ops if op == "drop_column"}
    added_keys = [(key[0], key[1]) for action in expr.args.get("actions") or ()
                  if isinstance(action, exp.AddConstraint)
                  for con in action.expressions if (key := keys.key_of(con))]
    if not dropped or (table is None and not added_keys):
        return ops
    added = {extra["column"] for op, extra in ops if op.startswith("add_column")}
    dropped_keys = {extra.get("name") for op, extra in ops if op == "drop_index"} | {
        "primary" for op, _ in ops if op == "drop_primary_key"}
    drops = keys.column_drops(table, dropped, added, dropped_keys, added_keys, flavour)
    out = [(drops.operations.get(extra["column"], op), extra) if op == "drop_column" else
           (op, extra) for op, extra in ops]
    if drops.refused:
        first = next(i for i, (op, _) in enumerate(out) if op.startswith("drop_column"))
        out[first] = (out[first][0], {**out[first][1], "key_column_refused": drops.refused})
    if drops.drops_primary_key:
        out.append(("drop_primary_key", {}))
    return out


def _index_columns(node) -> tuple[str, ...]:
    """The columns of an index definition in a CREATE / ALTER TABLE (sqlglot's tree)."""
    from sqlglot import exp

    if isinstance(node, exp.Constraint) and node.expressions:
        node = node.expressions[0]
    return tuple(_name(part.this if isinstance(part, exp.Ordered) else part)
                 for part in node.expressions)


def _spatial_columns(columns: tuple[str, ...], table: Table | None, statement=None,
                     defined: dict[str, Column] | None = None) -> dict:
    """The facts of a SPATIAL index on `columns`: `nullable_column`, the first of them that
    may hold NULL once `statement` (the ALTER adding the index) has run, with its definition
    made NOT NULL; none when every column is NOT NULL or not known. `defined`: the columns
    of the CREATE TABLE that holds the index."""
    from sqlglot import exp

    after = dict(defined or {})
    added = set(after)
    for action in (statement.args.get("actions") or ()) if statement is not None else ():
        if isinstance(action, exp.ColumnDef):
            after[action.name.lower()] = _column(action)
            added.add(action.name.lower())
        elif isinstance(action, exp.ModifyColumn):
            after[action.this.name.lower()] = _column(action.this)
    for name in columns:
        column = after.get(name) or (table.columns.get(name) if table is not None else None)
        if column is not None and not column.not_null:
            return {"columns": columns, "nullable_column": name,
                    "column_definition_sql": _not_null_definition(column),
                    "column_defined_here": name in added}
    return {"columns": columns}


def _not_null_definition(column: Column) -> str:
    """`column`'s type made NOT NULL, as MODIFY takes it: `POINT NOT NULL SRID 4326`."""
    if column.type_name in _SPATIAL:
        srid = f" SRID {column.typmods[0]}" if column.typmods else ""
        return f"{column.type_name.upper()} NOT NULL{srid}"
    return f"{column.definition or _type_sql(column.name, column)} NOT NULL"


def _classify_constraint(con) -> str:
    from sqlglot import exp

    node = con
    if isinstance(con, exp.Constraint) and con.expressions:
        node = con.expressions[0]
    if isinstance(node, exp.ForeignKey):
        return "add_foreign_key"
    if isinstance(node, (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint)):
        return "add_primary_key"
    if isinstance(node, exp.CheckColumnConstraint):
        return "add_check_constraint_not_enforced" if node.meta.get("not_enforced") else \
            "add_check_constraint"
    if isinstance(node, exp.IndexColumnConstraint):
        kind = (node.args.get("kind") or "").upper()
        return {"FULLTEXT": "add_fulltext_index", "SPATIAL": "add_spatial_index"}.get(
            kind, "add_index")
    return "add_index"


def _functional_index(op: str, node, unique: bool = False) -> str:
    """`op` for an index whose key parts (`node`: an index definition of sqlglot's tree, or
    its list of key parts) include an expression: MySQL indexes a hidden VIRTUAL column."""
    from sqlglot import exp

    if op != "add_index":
        return op
    if isinstance(node, exp.Constraint) and node.expressions:
        node = node.expressions[0]
    if isinstance(node, exp.UniqueColumnConstraint):
        unique, node = True, node.this
    parts = node.expressions if isinstance(node, exp.Expression) else node
    functional = [part for p in parts
                  if isinstance(part := p.this if isinstance(p, exp.Ordered) else p, exp.Paren)]
    if not functional:
        return op
    if any(isinstance(part.this, exp.Cast) and part.this.to.is_type(exp.DataType.Type.ARRAY)
           for part in functional):
        return "add_multi_valued_index"
    return "add_functional_unique_index" if unique else "add_functional_index"


def _functional_text(sql: str) -> bool:
    """Whether a statement sqlglot could not read (a CREATE INDEX with ALGORITHM=...) has a
    functional key part."""
    from sqlglot.errors import TokenError

    from lockwise.parse.mysql import functional_key_parts, mysql_tokens

    try:
        tokens = mysql_tokens(sql)
    except TokenError:
        return False
    return bool(functional_key_parts(tokens, [t.text.upper() for t in tokens]))


_CREATE_INDEX = re.compile(
    rf"^\s*CREATE\s+(?P<kind>UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+(?P<name>{_PART})"
    rf"\s+(?:USING\s+\w+\s+)?ON\s+(?P<table>{_NAME})", re.I)
#: RENAME TABLE[S] [IF EXISTS] old TO new (IF EXISTS: MariaDB 10.5.2's, parse/mysql.py).
_RENAME_TABLE = re.compile(rf"^\s*RENAME\s+TABLES?\s+(?P<if_exists>IF\s+EXISTS\s+)?"
                           rf"(?P<old>{_NAME})\s+TO\s+(?P<new>{_NAME})", re.I)
_RENAME_PAIR = re.compile(rf"\s*,?\s*(?P<old>{_NAME})\s+TO\s+(?P<new>{_NAME})", re.I)


def _rename_pairs(sql: str, key=lambda name: name) -> list[tuple[str, str]]:
    """RENAME TABLE's (old, new) pairs, in order: the server renames them left to right;
    `key` gives the catalog's key of each name (_key)."""
    head = _RENAME_TABLE.match(sql)
    pairs, pos = [], head.start("old") if head else len(sql)
    while m := _RENAME_PAIR.match(sql, pos):
        pairs.append((key(_clean(m.group("old"))), key(_clean(m.group("new")))))
        pos = m.end()
    return pairs
_DROP_INDEX = re.compile(rf"^\s*DROP\s+INDEX\s+(?P<name>{_NAME})\s+ON\s+(?P<table>{_NAME})",
                         re.I)
_OPTIMIZE = re.compile(r"^\s*OPTIMIZE\s+(?:NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLES?\s+"
                       rf"(?P<table>{_NAME})", re.I)
#: An ALTER TABLE up to its table's name (MariaDB's ONLINE, IGNORE and IF EXISTS before it).
_ALTER_HEAD = r"^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:IF\s+EXISTS\s+)?"
#: CONVERT TO's character set and COLLATE: a name bare or quoted (`'utf8mb4'`, `` `utf8mb4` ``,
#: `"utf8mb4"`: the same set on MariaDB 10.11, checked), CHARSET a synonym (_CONVERT_CLAUSE).
_CONVERT_NAMES = (r"CONVERT\s+TO\s+(?:CHARACTER\s+SET|CHARSET)\s+"
                  r"(?P<charset>\w+|'\w+'|`\w+`|\"\w+\")"
                  r"(?:\s+COLLATE\s*=?\s*(?P<collation>\w+|'\w+'|`\w+`|\"\w+\"))?")
_CONVERT = re.compile(rf"{_ALTER_HEAD}(?P<table>{_NAME}).*?\b{_CONVERT_NAMES}", re.I | re.S)
#: MariaDB 10.7's ALTER TABLE t CONVERT PARTITION p TO TABLE t2 (t2 is made, with t's
#: definition) and CONVERT TABLE t2 TO PARTITION p ... (t2 goes into t).
_CONVERT_PARTITION = re.compile(
    rf"{_ALTER_HEAD}(?P<table>{_NAME})\s+(?:WAIT\s+\d+\s+|"
    rf"NOWAIT\s+)?CONVERT\s+(?:PARTITION\s+{_PART}\s+TO\s+TABLE\s+(?P<made>{_NAME})|"
    rf"TABLE\s+(?P<moved>{_NAME})\s+TO\s+PARTITION\b)", re.I)
#: ALTER TABLE ... PARTITION BY (the table becomes partitioned) or REMOVE PARTITIONING.
_PARTITIONING = re.compile(rf"{_ALTER_HEAD}(?P<table>{_NAME})"
                           r".*?\b(?:PARTITION\s+BY|(?P<remove>REMOVE\s+PARTITIONING))\b",
                           re.I | re.S)
#: Column types that carry a character set, which CONVERT TO CHARACTER SET re-encodes.
_TEXT_TYPES = {"tinytext", "text", "mediumtext", "longtext"}
_STRING_TYPES = {"char", "varchar", *_TEXT_TYPES, "enum", "set"}
#: (MariaDB's IF EXISTS: the parser refuses it under --dialect mysql)
_ALTER_TABLE = re.compile(r"^\s*ALTER\s+(?P<modifiers>(?:ONLINE\s+|IGNORE\s+)*)TABLE\s+"
                          rf"(?P<if_exists>IF\s+EXISTS\s+)?(?P<table>{_NAME})", re.I)


def _clean(name: str) -> str:
    """A name as written (`db`.`we``ird t`) as the catalog keys it: unquoted, lower case."""
    parts = re.findall(r"`((?:[^`]|``)*)`|([^.`]+)", name)
    return ".".join((quoted.replace("``", "`") or bare) for quoted, bare in parts).lower()


#: LOCK TABLES' list: `name [[AS] alias] lock_type`, lock_type READ [LOCAL] |
#: [LOW_PRIORITY] WRITE, or MariaDB's WRITE CONCURRENT; MariaDB's WAIT n / NOWAIT may follow.
_LOCK_TABLES = re.compile(r"^\s*LOCK\s+TABLES?\s+", re.I)
_LOCKED_TABLE = re.compile(
    rf"\s*(?P<name>{_NAME})(?:\s+(?:AS\s+)?(?!(?:READ|WRITE|LOW_PRIORITY)\b)(?P<alias>{_PART}))?\s+"
    r"(?P<kind>READ(?:\s+LOCAL)?|(?:LOW_PRIORITY\s+)?WRITE(?:\s+CONCURRENT)?)\b\s*(?:,|$|WAIT\b"
    r"|NOWAIT\b)", re.I)
_UNLOCK_TABLES = re.compile(r"^\s*UNLOCK\s+TABLES?\s*$", re.I)
#: PREPARE name FROM {'text' | @variable} (MySQL 8.4 manual, 15.5.1 "PREPARE Statement").
_PREPARE = re.compile(rf"^\s*PREPARE\s+(?P<name>{_PART})\s+FROM\s+(?P<source>.*?)\s*$",
                      re.I | re.S)
#: A prepared statement's text that changes no table: a query.
_QUERY_TEXT = re.compile(r"[\s(]*(SELECT|SHOW|VALUES|TABLE|EXPLAIN|DESCRIBE|DESC)\b", re.I)
#: What each lock type keeps other sessions from doing to the table until UNLOCK TABLES (the
#: manual's "LOCK TABLES and UNLOCK TABLES Statements"; READ LOCAL is READ for InnoDB). WRITE
#: CONCURRENT is MariaDB's, for MyISAM's concurrent inserts: on InnoDB other sessions still
#: read and write (checked on MariaDB 10.11).
_TABLE_LOCK_BLOCKS = {"READ": ("writes", LockMode.SHARE),
                      "WRITE": ("reads and writes", LockMode.ACCESS_EXCLUSIVE)}


def read_lock_tables(sql: str) -> tuple[list[re.Match], int]:
    """LOCK TABLES' list read entry by entry: the entries (`name`, `alias`, `kind`), and the
    offset in `sql` where reading stopped: len(sql) when every entry has a lock type."""
    head = _LOCK_TABLES.match(sql)
    pos, entries = head.end() if head else 0, []
    while head and pos < len(sql) and (m := _LOCKED_TABLE.match(sql, pos)):
        entries.append(m)
        pos = m.end() if m.group(0).rstrip().endswith(",") else len(sql)
    return entries, pos


def _lock_tables(b: _Builder, sql: str) -> bool:
    """LOCK TABLES: each table it names, with the reads and writes of other sessions that wait
    until UNLOCK TABLES (or the session's end). False when the list cannot be read."""
    locked = []
    names: dict[str, str] = {}
    tables: dict[str, str] = {}
    for m in read_lock_tables(sql)[0]:
        words = m.group("kind").upper().split()
        kind = "WRITE" if "WRITE" in words else "READ"
        locked.append((b.key(_clean(m.group("name"))), kind, "CONCURRENT" in words))
        # The session names it as it was locked: by its alias, if it was given one.
        name = _clean(m.group("alias") or m.group("name")).split(".")[-1]
        names[name], tables[name] = kind, _clean(m.group("name")).split(".")[-1]
    # A LOCK TABLES releases the session's earlier locks first, even when it then fails.
    b.session.locked_tables = names if locked else None
    b.session.locked_table_names = tables
    b.session.key_locked_tables = {}
    if not locked:
        return False
    used: dict[str, bool] = {}
    for table, kind, _ in locked:
        if kind == "WRITE":
            _lock_key_related(b, table)
            used.update(_trigger_tables(b, table))
    listed = {table for table, _, _ in locked}
    written_locked = [t for t, kind, _ in locked if kind == "WRITE"]
    key_locked = _key_locked_text(b, written_locked, listed)
    # the tables the triggers use: MariaDB's DML locks (checked on 10.11), MySQL's LOCK TABLES
    # READ or WRITE as its manual says ("LOCK TABLES and Triggers"; not checked)
    modes = (LockMode.ROW_EXCLUSIVE, LockMode.ROW_SHARE) if b.session.flavour == "mariadb" \
        else (LockMode.ACCESS_EXCLUSIVE, LockMode.SHARE)
    trigger_locks: dict[str, LockMode] = {}
    for name, writes in used.items():
        mode = modes[0] if writes else modes[1]
        b.locks[name] = trigger_locks[name] = max(b.locks.get(name, mode), mode)
    trigger_locked = _related_locks_text(
        b, {t: m for t, m in trigger_locks.items() if t not in listed})
    b.session.key_locked_tables = {
        t.split(".")[-1]: "WRITE" if mode in (LockMode.ROW_EXCLUSIVE, LockMode.ACCESS_EXCLUSIVE)
        else "READ" for t, mode in b.locks.items() if t not in listed}
    # a table locked READ that a trigger writes is locked for writing too (checked on MariaDB
    # 10.11: the session writes it)
    b.session.key_locked_tables.update(
        (t.split(".")[-1], "WRITE") for t, writes in used.items() if writes and t in listed)
    blocking = []
    for table, kind, concurrent in locked:
        what, mode = _TABLE_LOCK_BLOCKS[kind]
        if not concurrent:
            b.locks[table] = max(b.locks.get(table, mode), mode)
            if table not in b.session.new_tables:
                blocking.append((table, kind, what))
    first = blocking[0][0] if blocking else locked[0][0]
    written = b.table_facts(first)
    b.act("mysql_lock_tables", {
        **written,
        "tables": tuple(b.table_facts(t)["table"] for t, _, _ in locked),
        # A table created earlier in this migration is empty and unknown to the application:
        # locking it while it is filled (a dump's CREATE TABLE; LOCK TABLES; INSERT) blocks no one.
        "blocks_existing_table": bool(blocking),
        "blocked_text": ", ".join(f"{b.table_facts(t)['table']} ({kind}: their {what} wait)"
                                  for t, kind, what in blocking),
        "blocked_tables_text": ", ".join(b.table_facts(t)["table"] for t, _, _ in blocking),
        "key_locked_text": key_locked,
        # (the tables the triggers of those it locks WRITE use, which it does not list)
        "trigger_locked_text": f", and for {'its' if len(written_locked) == 1 else 'their'} "
                               f"triggers {trigger_locked}" if trigger_locked else "",
    })
    return True


def _statements_run(catalog: Catalog, program: dict, database: str | None,
                    followed: set[str]) -> Iterator[tuple[str, object]]:
    """The statements the body of `program` (in `database`) runs, in order, each followed by
    those of the procedure it CALLs and of the stored functions it calls (their own bodies'
    calls in turn); then the queries of its expressions (SET, RETURN, DECLARE ... DEFAULT,
    conditions) and the bodies of the functions those call. Each routine once (`followed`:
    its key), so a recursive one ends."""
    from lockwise.effects.mysql_callers import called_routines
    from lockwise.effects.mysql_programs import lookup

    def into(kind: str, called: dict) -> Iterator[tuple[str, object]]:
        if f"{kind}:{called['key']}" not in followed:
            followed.add(f"{kind}:{called['key']}")
            yield from _statements_run(catalog, called, called.get("database"), followed)

    for _, sql, tree in program.get("statements", ()):
        if tree is None:
            continue
        yield sql, tree
        for kind, called in called_routines(sql, tree, catalog, database):
            yield from into(kind, called)
    # the queries of its SET, RETURN, DEFAULT and conditions (the functions they call are
    # among its `calls`)
    for _, sql, tree in program.get("queries", ()):
        yield sql, tree
    for _, name in program.get("calls", ()):
        if (function := lookup(catalog.mysql_functions, "function", name, database)):
            yield from into("function", function)


def _trigger_tables(b: _Builder, table: str, events: Container[str] | None = None,
                    seen: set[str] | None = None) -> dict[str, bool]:
    """The tables the triggers of `table` (those of `events`, every trigger when None)
    use, as the catalog keys them, with whether one writes it, in the order their bodies
    name them: what the server prelocks for them (the manual's "LOCK TABLES and Triggers"; a
    table only read READ, one written WRITE), following the triggers the tables they write
    fire in turn, and the tables a write prelocks for the foreign keys that reference it
    (checked on MariaDB 10.11 in METADATA_LOCK_INFO: SHARED_WRITE, SHARED_READ). Each body
    statement is read as the statement it is (a builder of its own), without the session's
    LOCK TABLES. The procedures its statements CALL and the stored functions they call are
    followed into, as the server prelocks their tables too (checked on MariaDB 10.11)."""
    from sqlglot import exp

    seen = set() if seen is None else seen
    if table in seen:
        return {}
    seen.add(table)
    used: dict[str, bool] = {}
    for trigger in b.catalog.mysql_triggers.values():
        if trigger.get("table") != table or (events is not None and trigger.get("event") and
                                             trigger["event"] not in events):
            continue
        for sql, tree in _statements_run(b.catalog, trigger, trigger.get("database"), set()):
            body = _Builder(b.session.on_same_server(
                foreign_key_checks=b.session.foreign_key_checks), b.catalog)
            _classify(body, tree, sql, body.session)
            # (SELECT ... INTO names variables, not tables)
            into = {_table_name(t) for node in tree.find_all(exp.Into)
                    for t in node.find_all(exp.Table)}
            for name, mode in body.locks.items():
                if name in into:
                    continue
                writes = mode > LockMode.ROW_SHARE and name not in body.joined
                used[name] = used.get(name, False) or writes
            for name, kinds in body.fired.items():
                for other, writes in _trigger_tables(b, name, kinds, seen).items():
                    used[other] = used.get(other, False) or writes
    used.pop(table, None)
    return used


def _key_locked_text(b: _Builder, written: list[str], listed: set[str]) -> str:
    """`, and for the foreign keys that reference it SHARED_WRITE on m1 (blocks ...) and
    SHARED_READ on m2 (blocks ...)`: the metadata locks LOCK TABLES holds on the tables its
    WRITE-locked tables `written` are related to by a foreign key (_lock_key_related), which
    it does not list (`listed`), strongest first; "" when there is none."""
    locks = _related_locks_text(b, {t: m for t, m in b.locks.items() if t not in listed})
    if not locks:
        return ""
    # (MariaDB locks the tables whose keys reference it; MySQL those it references too)
    keys = "reference" if b.session.flavour == "mariadb" else "relate"
    return f", and for the foreign keys that {keys} {'it' if len(written) == 1 else 'them'} " \
        f"{locks}"


def _related_locks_text(b: _Builder, related: dict[str, LockMode]) -> str:
    """`SHARED_WRITE on m1 (blocks ...) and SHARED_READ on m2 (blocks ...)`: the locks
    LOCK TABLES holds on the tables of `related` it does not list, strongest first, but on
    TEMPORARY tables; "" for none."""
    from lockwise.effects.mysql_locks import lock_tables_lock, weak_lock_blocks

    by_mode: dict[LockMode, list[str]] = {}
    for table, mode in related.items():
        if not b.temporary(table):
            by_mode.setdefault(mode, []).append(b.table_facts(table)["table"])
    held = {mode: f"their {what} wait" for what, mode in _TABLE_LOCK_BLOCKS.values()}
    return " and ".join(
        f"{lock_tables_lock(mode)} on {', '.join(tables)} "
        f"({held.get(mode) or weak_lock_blocks(mode)})"
        for mode, tables in sorted(by_mode.items(), key=lambda item: -item[0]))


#: The writes a table locked WRITE may take: its keys' every action is prelocked.
_EVERY_WRITE = ("insert", "update", "delete")


def _lock_key_related(b: _Builder, table: str) -> None:
    """The metadata locks LOCK TABLES `table` WRITE takes on the tables related to it by a
    foreign key, held until UNLOCK TABLES. MariaDB prelocks the tables referencing it as a
    write of every kind does (_lock_referencing: SHARED_WRITE, SHARED_READ), and none it
    references; WRITE CONCURRENT too, READ none, foreign_key_checks on or off (checked on
    MariaDB 10.11 in information_schema.METADATA_LOCK_INFO). MySQL 8: "any tables related by
    a foreign key constraint are opened and locked implicitly": READ (SHARED_READ_ONLY) for
    its checks, the tables it references too, WRITE (SHARED_NO_READ_WRITE) on those "involved
    in" a cascade (its 8.0 manual, 15.3.6 "LOCK TABLES and UNLOCK TABLES Statements", and
    15.1.20.5 "FOREIGN KEY Constraints", Foreign Key Locking; documented, not checked on a
    MySQL server; a READ lock, which writes nothing, taken as MariaDB's: none)."""
    if b.session.flavour == "mariadb":
        _lock_referencing(b, table, _EVERY_WRITE)
        return
    _lock_referencing(b, table, _EVERY_WRITE, LockMode.ACCESS_EXCLUSIVE, LockMode.SHARE)
    for key in b.catalog.inherited_foreign_keys(table):
        if key.references != table:
            b.locks.setdefault(key.references, LockMode.SHARE)


def _command(b: _Builder, sql: str) -> None:
    """Statements sqlglot keeps as opaque commands: read from their text."""
    if _LOCK_TABLES.match(sql) and _lock_tables(b, sql):
        pass
    elif _UNLOCK_TABLES.match(sql):
        b.act("mysql_unlock_tables", {})
    elif m := _PREPARE.match(sql):
        held = prepared.prepare(b.session.user_texts, m.group("source"), sql,
                                *b.session.statement_at)
        if held is not None and prepared.statement_of(held, b.session.flavour,
                                                      b.session.version) is None:
            held = None  # (a text lockwise does not read: said, as one computed later)
        b.session.prepared_texts[prepared.name_key(m.group("name"))] = held
        b.act("mysql_prepare", _prepared(m.group("name"), m.group("source"), held is not None))
    elif name := prepared.deallocated(sql):
        b.session.prepared_texts.pop(name, None)
        b.act("other", {"text": "DEALLOCATE"})
    elif m := _CREATE_INDEX.match(sql):
        table = b.key(_clean(m.group("table")))
        kind = (m.group("kind") or "").strip().upper()
        op = {"FULLTEXT": "add_fulltext_index", "SPATIAL": "add_spatial_index"}.get(
            kind, "add_index")
        if op == "add_index" and _functional_text(sql):
            op = "add_multi_valued_index" if re.search(r"\bAS\s+[^()]*(?:\([^()]*\))?\s*"
                                                       r"ARRAY\s*\)", sql, re.I) else \
                "add_functional_unique_index" if kind == "UNIQUE" else "add_functional_index"
        b.creates.add(f"index:{table}.{_clean(m.group('name'))}")
        extra = {"name": _clean(m.group("name"))}
        written = keys.read_index(sql[m.end():])
        if op == "add_spatial_index":
            extra.update(_spatial_columns(written.columns, b.catalog.tables.get(table)))
        elif op == "add_index":  # what an ALTER TABLE's ADD INDEX says (_alter_operations)
            extra.update(columns=written.columns, unique=kind == "UNIQUE",
                         invisible=written.invisible)
        b.alter(table, [(op, extra)], sql)
    elif m := _RENAME_TABLE.match(sql):
        pairs = _rename_pairs(sql, b.key)
        gone = _renamed_missing(b.catalog, b.session, pairs)
        if gone and not m.group("if_exists"):  # (nothing is renamed: RENAME TABLE is atomic)
            first = pairs[gone[0]][0]
            _unknown_tables(b, [first], {first}, [], "RENAME TABLE")
            return
        for i, (old, new) in enumerate(pairs):
            if i in gone:
                continue  # (IF EXISTS: MariaDB skips the pair, with a note, 1146)
            # A swap (`t TO t_old, t_new TO t`) gives the old name to another table at once,
            # and a name an earlier pair made (`tmp`) is no name running code uses.
            kept = any(later_new == old for _, later_new in pairs[i + 1:]) or any(
                earlier_new == old for _, earlier_new in pairs[:i])
            # Each pair renames its own table: its own finding (`statement_part`).
            b.alter(old, [("rename_table", {**_renamed(b, old, new, kept),
                                            "statement_part": i})], sql)
    elif m := _OPTIMIZE.match(sql):
        _optimize(b, sql, m.start("table"))
    elif m := _ALTER_TABLE.match(sql):
        from lockwise.parse.mysql import alter_operations_text

        table = b.key(_clean(m.group("table")))
        if b.session.locked_tables is None and _missing_tables(b.catalog, b.session, [table]):
            if not m.group("if_exists"):
                _unknown_tables(b, [table], {table}, [], "ALTER TABLE")
            return  # (IF EXISTS: MariaDB does nothing, with no error)
        ops = [op for clause in alter_operations_text(sql)
               for op in _command_alter_operation(b, table, m.group("table"), clause, sql)]
        # No operation at all (`ALTER TABLE t`, its clauses aside): nothing to alter.
        nothing = not _clauses(sql).operations_sql.strip()
        b.alter(table, ops or [("alter_nothing" if nothing else "rebuild_table", {})], sql)
    elif m := _DROP_INDEX.match(sql):
        b.alter(b.key(_clean(m.group("table"))),
                [("drop_index", {"name": _clean(m.group("name")), "keyword": "INDEX"})], sql)
    elif _server_action(b, sql):
        pass
    elif re.match(r"\s*SET\b", sql, re.I):  # (a SET sqlglot keeps whole: REPLACE(...))
        _set(b, sql)
    else:
        b.act("other", {"text": sql.split(None, 1)[0].upper() if sql.strip() else ""})


#: The engines whose OPTIMIZE TABLE is their own (no InnoDB rebuild) and runs under a table
#: write lock: reads wait too (sql_admin.cc takes TL_WRITE; checked on MariaDB 10.11 for
#: MyISAM and Aria). MEMORY, CSV and the others answer "The storage engine for the table
#: doesn't support optimize", a note, and do nothing.
_OPTIMIZED_LOCKED = frozenset({"myisam", "aria", "archive"})


def _optimize(b: _Builder, sql: str, start: int) -> None:
    """OPTIMIZE TABLE of each table listed from `sql[start]`: an InnoDB table is rebuilt in
    place (ALTER TABLE ... FORCE), a MyISAM / Aria one optimized under a lock that stops
    reads and writes, one of another engine left as it is. A table that is not there is an
    error row of the result, not an error: the statement goes on to the next (both checked on
    MariaDB 10.11; the MySQL 8.4 manual's "OPTIMIZE TABLE Statement" says the same)."""
    listed = re.sub(r"\s(?:NOWAIT|WAIT\s+\d+)\s*$", "", sql[start:], flags=re.I)
    tables = [b.key(_clean(name)) for name in re.findall(_NAME, listed)]
    missing = _missing_tables(b.catalog, b.session, tables) \
        if b.session.locked_tables is None else set()
    for i, table in enumerate(tables):
        known = b.catalog.tables.get(table)
        engine = known.engine if known is not None else ""
        if table in missing or engine not in ("", "innodb", *_OPTIMIZED_LOCKED):
            continue
        if engine in _OPTIMIZED_LOCKED:
            b.locks[table] = LockMode.ACCESS_EXCLUSIVE
            b.act("mysql_optimize_locked", {**b.table_facts(table), "statement_part": i,
                                             "engine": ENGINE_NAMES[engine]})
        else:  # (each table its own finding, as RENAME TABLE's pairs: `statement_part`)
            b.alter(table, [("rebuild_table", {"statement_part": i} if i else {})], sql)


def _renamed_missing(catalog: Catalog, session: MySQLSession, pairs: list[tuple[str, str]]
                     ) -> list[int]:
    """The pairs of RENAME TABLE's `pairs` (catalog keys, in order), by index, whose old
    table is certainly not there when the server reaches them: gone before the statement
    (_missing_tables), or renamed away by an earlier pair and not made again by one."""
    gone = _missing_tables(catalog, session, [old for old, _ in pairs]) \
        if session.locked_tables is None else set()
    missing: list[int] = []
    for i, (old, new) in enumerate(pairs):
        if old in gone:
            missing.append(i)
            continue
        gone.add(old)
        gone.discard(new)
    return missing


def _server_action(b: _Builder, sql: str) -> bool:
    """Act a statement that administers the server (effects/mysql_server.py); False for
    another statement."""
    from lockwise.effects.mysql_server import server_statement

    return server_statement(b, sql, _clean)


def _prepared(name: str, source: str, known: bool) -> dict:
    """What PREPARE `name` FROM `source` lets lockwise see: a text known before the migration
    runs (`known`: a string constant's, or a variable's set to one), judged at each EXECUTE
    (lint_mysql.py), or a query in a string constant (it changes no table); nothing of a
    text computed when it runs."""
    quoted = source[:1] in ("'", '"') and source[-1:] == source[:1]
    text = source[1:-1] if quoted else ""
    return {"name": _clean(name), "text": f"PREPARE {name}",
            "source": "a string constant" if quoted else
            f"the variable {source}" if source.startswith("@") else "an expression",
            "sql_seen": known or bool(_QUERY_TEXT.match(text))}


def _command_alter_operation(b: _Builder, table: str, table_sql: str, clause: str,
                             sql: str) -> list[tuple[str, dict]]:
    """The operations of one clause of an ALTER TABLE that sqlglot could not parse whole
    (`sql`): as sqlglot reads the clause alone when it can, else from its text; none for an
    ALGORITHM= / LOCK= clause."""
    # (`LOCK=SHARED REMOVE PARTITIONING`: MariaDB takes the clauses before it with no comma)
    clause = _BEFORE_OPERATION.sub("", clause)
    if _CLAUSE_ONLY.match(clause):
        return []
    if (tree := _clause_tree(table_sql, clause)) is not None:
        return _alter_operations(b, tree, table)
    # (the patterns read the clause's code, not its strings nor comments: `COMMENT = 'drop
    # column x'` drops nothing; and an operation must be the dialect's, fix-mysql54's fuzzing)
    code = code_only(clause)
    found = next(((op, m) for pattern, op in _COMMAND_ALTER if (m := pattern.search(code))
                  and (op is None or b.session.flavour in OPERATIONS[op])), None)
    if found is None:
        return [("rebuild_table", {"unrecognized": clause})]
    op, m = found
    op = op or f"{m.group(1).lower()}_partition"
    known = b.catalog.tables.get(table)
    if op in ("drop_partition", "truncate_partition"):
        return [(op, _emptied_partitions(clause))]
    if op == "add_partition" and known is not None and \
            known.partition_strategy in ("hash", "key"):
        return [("add_partition_hash", {})]  # the rows are spread again
    if op == "convert_character_set" and known is not None and \
            (convert := _CONVERT_CLAUSE.match(clause)) and not _modifies_beside(sql) and \
            (changed := _convert_changes(b, known, convert.group("charset"),
                                         convert.group("collation"))) is not None:
        return changed or [(_CONVERT_UNCHANGED[b.session.flavour], {})]  # none re-encoded
    if op == "set_index_visibility":
        visible = re.sub(r"\s+", " ", m.group("visible").upper())
        return [(op, {"name": _clean(m.group("index")),
                      "invisible": visible in ("IGNORED", "INVISIBLE"),
                      "quoted": m.group("index").startswith("`")})]
    return [(op, {"column": m.group("column")} if op == "drop_column" else {})]


#: An ALTER's ALGORITHM= / LOCK= clause (read by _clauses).
_CLAUSE_ONLY = re.compile(r"^\s*(ALGORITHM|LOCK)\b", re.I)
#: ALGORITHM= / LOCK= clauses written before an operation, with no comma between them.
_BEFORE_OPERATION = re.compile(r"^\s*(?:(?:ALGORITHM|LOCK)\s*=?\s*\w+\s+)+(?=\w)", re.I)
#: The operations sqlglot reads into a tree that _alter_operations and _apply_alter_actions
#: follow (a clause that sqlglot reads into anything else is read from its text).
_TREE_ACTIONS = frozenset({"ColumnDef", "ModifyColumn", "RenameColumn", "AlterColumn", "Drop",
                           "DropPrimaryKey", "RenameIndex", "AlterIndex", "AddConstraint",
                           "AlterRename"})


def _clause_tree(table_sql: str, clause: str):
    """`ALTER TABLE table clause` as sqlglot reads it, when that is an ALTER of operations it
    understands; None otherwise."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:  # parse_mysql has quieted sqlglot's warnings
        tree = sqlglot.parse_one(f"ALTER TABLE {table_sql} {clause}", read="mysql")
    except SqlglotError:
        return None
    actions = tree.args.get("actions") or () if isinstance(tree, exp.Alter) else ()
    if not actions or tree.args.get("options") or \
            any(type(a).__name__ not in _TREE_ACTIONS for a in actions):
        return None
    return tree


#: DROP / TRUNCATE PARTITION's list of partitions (or ALL, TRUNCATE's only).
_PARTITION_LIST = re.compile(rf"\b(DROP|TRUNCATE)\s+PARTITION\s+(?:IF\s+EXISTS\s+)?"
                             rf"(?P<names>ALL\b|{_PART}(?:\s*,\s*{_PART})*)", re.I)


def _emptied_partitions(text: str) -> dict:
    """The partitions a DROP or TRUNCATE PARTITION deletes the rows of, as written."""
    m = _PARTITION_LIST.search(text)
    names = [n.strip() for n in m.group("names").split(",")] if m else []
    return {"verb": m.group(1).upper() if m else "DROP",
            "partitions_text": ", ".join(names) or "(unnamed)",
            "first_partition": names[0].strip("`") if names else "p"}


def _page_compression_refused(b: _Builder, base: dict, refusal: dict) -> None:
    """Act MariaDB's refusal of a statement's page compression options: an option it does
    not take (1911, 1912), or a level without page compression."""
    b.act("mariadb_page_compression_option" if refusal["error_code"] in (1911, 1912)
          else "mariadb_page_compression_level", {**base, **refusal})


def _constant(value) -> str | int | None:
    """A DEFAULT's value (a sqlglot node) as sql_mode's checks read it: a string constant's
    text, an integer, None for anything else."""
    from sqlglot import exp

    if not isinstance(value, exp.Literal):
        return None
    return value.this if value.is_string else int(value.this) if value.this.isdigit() else None


def _invalid_defaults(b: _Builder, expr, table: str, sql: str = "") -> None:
    """The first column the CREATE or ALTER TABLE `expr` defines (or whose DEFAULT an ALTER
    ... SET DEFAULT sets) whose DEFAULT the server refuses under the session's sql_mode
    (error 1067; effects/mysql_sql_mode.py), or, of an ALTER, a column that still has one
    (`_stored_invalid_default`): the server names the first in the table's order."""
    refusal = _written_invalid_default(b, expr, table)
    if type(expr).__name__ == "Alter":
        stored = _stored_invalid_default(b, table, expr, sql)
        if stored is not None and (refusal is None or stored[0] < refusal[0]):
            refusal = stored
    if refusal is not None:
        b.act("mysql_invalid_default", refusal[1])


def _written_invalid_default(b: _Builder, expr, table: str) -> tuple[int, dict] | None:
    """The first column the statement `expr` writes a DEFAULT for that the session's mode
    refuses: its place in the table (an added column's: the end) and the facts."""
    from sqlglot import exp

    known = b.catalog.tables.get(table)
    for node in expr.find_all(exp.ColumnDef, exp.AlterColumn):
        if isinstance(node, exp.ColumnDef):
            default = _column_default(node)
            value = default.this if default is not None else None
            type_name, mods, _ = _column_type(node)
            length = mods[0] if mods else None
        else:  # ALTER c SET DEFAULT: of the column as the replay knows it
            column = known.columns.get(node.name.lower()) if known is not None else None
            value = node.args.get("default")
            if column is None or value is None:
                continue
            type_name, length = column.type_name, column.typmods[0] if column.typmods else None
        why = sql_modes.invalid_default(type_name, length, _constant(value),
                                        b.session.sql_mode, b.session.flavour)
        if why:
            name = b.written.get(node.name.lower(), node.name)
            order = list(known.columns) if known is not None else []
            return order.index(node.name.lower()) if node.name.lower() in order else \
                len(order), {
                    **b.table_facts(table), "column": name, "default_sql": value.sql("mysql"),
                    "default_verb_text": "gets", "invalid_default_text": why,
                    "server_error": f"Invalid default value for '{name}'"}
    return None


#: An ALTER that is a rename alone, without ALGORITHM= / LOCK=: MariaDB renames the table
#: without checking its columns again (10.11: `RENAME TO` ran beside a stored zero date,
#: `RENAME TO ..., ALGORITHM=COPY` was 1067).
_CLAUSE = re.compile(r"\b(ALGORITHM|LOCK)\s*=", re.I)


def _stored_invalid_default(b: _Builder, table: str, expr=None, sql: str = ""
                            ) -> tuple[int, dict] | None:
    """ALTER TABLE (`expr`; CREATE / DROP INDEX without one) of a table whose column keeps
    a DEFAULT the session's sql_mode now refuses, a zero date stored under another mode: the
    server checks every column's DEFAULT again, so it refuses the ALTER, error 1067 naming
    the first such column, unless the ALTER changes or drops that column's default or the
    column (checked on MariaDB 10.11: ADD COLUMN, DROP / CREATE INDEX, COMMENT=, another
    column's SET DEFAULT, RENAME COLUMN of it, ENGINE=, FORCE each 1067). MySQL: as the
    DEFAULT's own check (NO_ZERO_DATE / NO_ZERO_IN_DATE with a strict mode), from users'
    reports of its ALTERs, not observed."""
    from sqlglot import exp

    known = b.catalog.tables.get(table)
    if known is None or b.session.sql_mode is None:
        return None
    actions = expr.args.get("actions") or [] if expr is not None else []
    if actions and all(isinstance(a, exp.AlterRename) for a in actions) and \
            not _CLAUSE.search(sql):
        return None
    touched, renamed = set(), {}
    for action in actions:
        if isinstance(action, exp.ModifyColumn):
            touched.add(_name(action.args.get("rename_from")) or action.this.name.lower())
        elif isinstance(action, exp.AlterColumn):
            touched.add(action.name.lower())
        elif isinstance(action, exp.RenameColumn):
            renamed[_name(action.this)] = _name(action.args.get("to"))
        elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == \
                "COLUMN":
            touched.add(_name((action.args.get("tables") or [None])[0]))
    for place, (name, column) in enumerate(known.columns.items()):
        why = None if name in touched else sql_modes.invalid_date_default(
            column.type_name, column.mysql_default, b.session.sql_mode, b.session.flavour)
        if why:
            shown = renamed.get(name) or b.written.get(name, name)
            default = column.mysql_default
            return place, {
                **b.table_facts(table), "column": shown,
                "default_sql": quote_literal(default) if isinstance(default, str) else
                str(default), "invalid_default_text": why,
                "default_verb_text": "still has (each ALTER of the table checks it again)",
                "server_error": f"Invalid default value for '{shown}'"}
    return None


def _create_table(b: _Builder, expr, sql: str) -> None:
    from sqlglot import exp

    table = _table_name(expr.this)
    b.creates.add(f"table:{table}")
    if expr.expression is not None:  # CREATE TABLE ... AS SELECT: its query's tables
        b.locks.update(_read_locks(expr.expression))
    base = {**b.table_facts(table), "table_is_new": True}
    b.act("create_table", {**base, "if_not_exists": bool(expr.args.get("exists"))})
    if existing_table(b.catalog, expr, b.session):
        # the server answers 1050 before it reads the definition, or (IF NOT EXISTS) makes
        # nothing and checks nothing, with a note (MariaDB 10.11)
        if not expr.args.get("exists"):
            b.act("mysql_table_exists", {
                **base, "error_code": 1050,
                "server_error": f"Table '{expr.this.find(exp.Table).name}' already exists"})
        return
    if refusal := definition_refusal(expr, b.session.flavour):
        # answered before an invalid default or the engine's limits (MariaDB 10.11)
        b.act("mysql_table_definition_refused", {**base, **refusal})
        return
    _invalid_defaults(b, expr, table)
    created = _created_table(expr, "", b.session.flavour)
    created.name = base["table"]
    for name, column in _selected_columns(expr.expression, b.catalog).items():
        created.columns.setdefault(name, column)
    created.engine = _created_engine(expr, created.engine, b.catalog, b.session)
    if refused := engine_limits.created_refusal(created):
        b.act("mysql_engine_refused", {**base, **refused,
                                       "engine": ENGINE_NAMES[created.engine]})
    if b.session.flavour == "mariadb" and (refusal := page_compression.refused(
            sql, None, "CREATE", base["table"], _engine(expr.args.get("properties")),
            b.session.compression_default, bad_options_ignored=sql_modes.
            ignores_bad_table_options(b.session.sql_mode))):
        _page_compression_refused(b, base, refusal)
    schema = expr.this if isinstance(expr.this, exp.Schema) else None
    parts = schema.expressions if schema is not None else ()
    spatial = [part for part in parts if isinstance(part, (exp.IndexColumnConstraint,
                                                            exp.Constraint))
               and _classify_constraint(part) == "add_spatial_index"]
    partitioning = expr.meta.get("partitioning", "")
    defined = {part.name.lower(): _column(part) for part in parts
               if (spatial or partitioning) and isinstance(part, exp.ColumnDef)}
    if partitioning and (refusal := partition_key_type_refused(partitioning, defined)):
        b.act("mysql_partition_key_type", {**base, **refusal})
    elif partitioning and (refusal := _unique_key_without_partition_column(
            expr.meta.get("partition_key") or (), _created_table(expr, ""))):
        b.act("mysql_partition_unique_key", {**base, **refusal})
    if partitioning and any(keys.foreign_key_of(part) for part in parts):
        # The ALTER's refusal (Builder.partitioned_foreign_key) holds at creation too: error
        # 1506, "Partitioned tables do not support FOREIGN KEY" (checked on MariaDB 10.11).
        b.act("mysql_partitioned_foreign_key", {
            **base, "why_text": f"the statement creates {base['table']} partitioned, with a "
                                f"foreign key"})
    for part in spatial:
        index = {"name": _name(part.this) if part.this is not None else "",
                 **_spatial_columns(_index_columns(part), None, defined=defined)}
        if index.get("nullable_column"):
            b.spatial_on_nullable(base, index)
    if expr.find(exp.TemporaryProperty) is not None and any(
            _classify_constraint(part) == "add_fulltext_index" for part in parts
            if isinstance(part, (exp.IndexColumnConstraint, exp.Constraint))):
        _fulltext_on_temporary(b, base, _created_table(expr, ""))
    if any(keys.invisible(part) for part in parts):
        created = _created_table(expr, "")
        key = keys.created_invisible_primary_key(parts, created)
        if key is not None:
            b.act("mysql_primary_key_invisible", {**base, **_primary_key_invisible_facts(
                base, *key, added=True, mariadb=b.session.flavour == "mariadb")})


def _created_engine(expr, written: str, catalog: Catalog, session: MySQLSession) -> str:
    """The engine (lower case, "" for InnoDB or unknown) of the table CREATE TABLE `expr`
    makes: the one `written`, else a LIKE's source's (whatever the default: MariaDB 10.11
    made `CREATE TABLE x LIKE i` InnoDB under default_storage_engine=CSV, fix-mysql60), else
    the session's default_storage_engine for a table not TEMPORARY (fix-mysql58)."""
    from sqlglot import exp

    if written:
        return written
    if (like := expr.find(exp.LikeProperty)) is not None:
        source = catalog.tables.get(_table_name(like.this))
        return source.engine if source is not None else ""
    return session.default_engine if expr.find(exp.TemporaryProperty) is None else ""


def _selected_columns(query, catalog: Catalog) -> dict[str, Column]:
    """The columns CREATE TABLE ... AS SELECT `query` adds whose nullability is known: a
    literal (NOT NULL, its type not said) or a column of the one known table it reads without
    a join (of that column's type, NULL or NOT NULL as it is, without its AUTO_INCREMENT, and
    stored even when that one is generated; MariaDB 10.11 made each so). Others are left out
    (fix-mysql60, fix-mysql61)."""
    from sqlglot import exp

    if not isinstance(query, exp.Select) or query.args.get("joins") or not isinstance(
            source := (query.args.get("from_") or exp.From()).this, exp.Table):
        return {}
    known = catalog.tables.get(_table_name(source))
    found: dict[str, Column] = {}
    for projection in query.expressions:
        value = projection.this if isinstance(projection, exp.Alias) else projection
        column = known.columns.get(value.name.lower()) if isinstance(value, exp.Column) \
            and known is not None else None
        name = projection.alias_or_name
        if column is not None:
            found[name.lower()] = replace(column, name=name, auto_increment=False,
                                          generated=False, virtual=False, reads=())
        elif isinstance(value, exp.Literal):
            found[name.lower()] = Column(name, "", not_null=True)
    return found


def _dml(b: _Builder, expr, kind: str) -> None:
    from sqlglot import exp

    target = target_table(expr) if kind in ("update", "delete") else None
    table = _table_name(target if target is not None else expr.this)
    # a WHERE (or JOIN ... ON) that only joins, or is true by its literals, limits nothing
    has_where = limits_rows(expr) if kind in ("update", "delete") else \
        expr.args.get("where") is not None
    limited = expr.args.get("limit") is not None
    b.writes.add(f"table:{table}")
    # the tables it reads, its joins' and subqueries' (DELETE t, u names what it deletes)
    b.locks.update(_read_locks(expr, skip=expr.args.get("tables") or ()))
    b.locks[table] = LockMode.ROW_EXCLUSIVE
    listed = [expr.this, *(j.this for j in expr.this.args.get("joins") or ())] \
        if isinstance(expr.this, exp.Table) else []
    deleted = {_name(t) for t in expr.args.get("tables") or ()}
    for using in expr.args.get("using") or () if kind == "delete" else ():
        listed += [using, *(j.this for j in using.args.get("joins") or ())]
    written = [table] if kind in ("update", "delete") else []
    for source in listed:
        # a multi-table UPDATE asks SHARED_WRITE of every table of its list, a DELETE of
        # those it deletes from (checked on MariaDB 10.11)
        name = _table_name(source) if isinstance(source, exp.Table) else ""
        if name and (kind == "update" or source.alias_or_name.lower() in deleted):
            if kind == "update" and name != table and b.locks.get(name) != \
                    LockMode.ROW_EXCLUSIVE:
                b.joined.add(name)
            b.locks[name] = LockMode.ROW_EXCLUSIVE
            if kind == "delete":
                written.append(name)
    set_columns = _set_columns(expr, listed, table) if kind == "update" else {}
    for name in dict.fromkeys([*written, *set_columns]):
        if kind == "delete" or name in set_columns:
            _key_action_locks(b, name, (kind,), set_columns.get(name, ()))
    if kind in ("update", "delete") and not has_where and not limited:
        b.scans[table] = f"{kind.upper()} without WHERE touches every row"
    base = b.table_facts(table)
    facts = {**base, "has_where": has_where, "limited": limited}
    if kind in ("update", "delete") and not has_where:
        facts["batches_sql"] = batches_sql(expr, b.catalog, table, b.written)
    b.act(kind, facts)


#: INSERT's or REPLACE's DELAYED.
_DELAYED = re.compile(r"\s*(?:INSERT|REPLACE)\s+DELAYED\b", re.IGNORECASE)
#: The storage engines that take MariaDB's INSERT DELAYED (its knowledge base, "INSERT
#: DELAYED"; MEMORY's other name too).
_DELAYED_ENGINES = frozenset({"myisam", "memory", "heap", "archive", "blackhole"})


def _delayed_refused(b: _Builder, expr, table: str) -> None:
    """MariaDB's DELAYED rows (VALUES or SET) the server refuses, in a transaction or not
    (checked on MariaDB 10.11). Into a TEMPORARY table, of any engine: the delayed insert
    looks for a permanent table of that name and finds none, error 1146 (ON DUPLICATE KEY
    UPDATE too; a TEMPORARY table shadowing a permanent one, whose rows go into that one:
    left alone). Into a table the session holds under LOCK TABLES, any lock type (READ, READ
    LOCAL, WRITE, LOW_PRIORITY WRITE, WRITE CONCURRENT) and any engine (InnoDB, Aria, MyISAM,
    MEMORY): error 1165, before the engine's. Into a table of an engine that does not take
    them (InnoDB, the default, and Aria too): error 1616, "DELAYED option not supported for
    table 't'"; ON DUPLICATE KEY UPDATE ignores it there. Into a table the session does not
    hold under its LOCK TABLES: that engine's 1616, or the rows run (MyISAM, MEMORY: the
    delayed insert's own thread writes them), never LOCK TABLES' 1100 (`b.delayed`). A
    query's rows ignore DELAYED. Judged on a table whose engine the replay knows. MySQL 8
    ignores DELAYED."""
    from sqlglot import exp

    values = isinstance(expr.expression, exp.Values)
    name, odku = table.split(".")[-1], expr.args.get("conflict") is not None
    held = (b.session.locked_tables or {}).get(name)
    if values and not odku and b.session.locked_tables is not None and held is None:
        b.delayed.add(name)
    known = b.catalog.defined_here(table)
    if known is None or not values:
        return
    engine = known.engine or "innodb"
    if b.temporary(table):
        if name in b.session.shadowing_tables:
            return
        database = table.rpartition(".")[0] or b.session.database  # (None: the connection's)
        qualified = f"{database}.{name}" if database else name
        refusal = {"why_text": "a TEMPORARY table, which the delayed insert does not see",
                   "error_code": 1146, "server_error": f"Table '{qualified}' doesn't exist"}
    elif held is not None and not odku:
        line = b.session.lock_tables_line
        refusal = {"why_text": f"a {engine} table, which the session holds {held} under the "
                               f"LOCK TABLES{f' at line {line}' if line else ''}",
                   "lock_type": held, "error_code": 1165,
                   "server_error": f"INSERT DELAYED can't be used with table '{name}' because "
                                   f"it is locked with LOCK TABLES"}
    elif engine not in _DELAYED_ENGINES and not odku:
        refusal = {"why_text": f"a table of the {engine} engine",
                   "error_code": 1616,
                   "server_error": f"DELAYED option not supported for table '{name}'"}
    else:
        return
    b.act("mariadb_delayed_insert_refused", {**b.table_facts(table), "engine": engine,
                                             **refusal})


def _set_columns(expr, listed, table: str) -> dict[str, frozenset[str]]:
    """The columns an UPDATE's SET (or ON DUPLICATE KEY UPDATE's) assigns, by the table they
    belong to: a qualified column's by its table or alias among `listed`, the others
    `table`'s."""
    from sqlglot import exp

    aliases = {s.alias_or_name.lower(): _table_name(s) for s in listed
               if isinstance(s, exp.Table)}
    found: dict[str, set[str]] = {}
    for eq in expr.expressions:
        if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column):
            owner = aliases.get(eq.this.table.lower(), table)
            found.setdefault(owner, set()).add(eq.this.name.lower())
    return {name: frozenset(columns) for name, columns in found.items()}


def _key_action_locks(b: _Builder, table: str, kinds: tuple[str, ...],
                      columns: frozenset[str] = frozenset()) -> None:
    """A write of `table`'s rows (`kinds`: insert, update, delete; REPLACE's insert and
    delete, ON DUPLICATE KEY UPDATE's insert and update) and the foreign keys that reference
    it. The server prelocks every referencing table, whatever the columns set and whether a
    row changes or not, foreign_key_checks on or off: SHARED_WRITE on each whose key's action
    for that kind changes its rows (ON DELETE CASCADE / SET NULL for a delete, ON UPDATE ones
    for an update), then on the tables referencing that one in turn by the same kinds (a SET
    NULL's by their ON DELETE action, a DELETE's); SHARED_READ on the others (checked on
    MariaDB 10.11 in information_schema.METADATA_LOCK_INFO: sql_base.cc's
    prepare_fk_prelocking_list). An INSERT's alone MariaDB's only (not checked on MySQL,
    which "extends metadata locks, as necessary, to tables that are related by a foreign key
    constraint": its 8.0 manual, 15.1.20.5 "FOREIGN KEY Constraints", Foreign Key Locking).
    What the actions really write, with the checks on, catalog/key_actions.py says, as it
    does PostgreSQL's: an ON UPDATE action only when the referenced key's columns change."""
    from lockwise.catalog.key_actions import key_actions

    b.fired.setdefault(table, set()).update(kinds)  # (the triggers it fires: _trigger_tables)
    if kinds == ("insert",) and b.session.flavour != "mariadb":
        return
    reached = _lock_referencing(b, table, kinds)
    if b.session.flavour == "mariadb":
        b.key_prelocked.update(dict.fromkeys(reached))
    for kind in kinds if b.session.foreign_key_checks else ():
        for action in key_actions(b.catalog, table, kind, columns) if kind != "insert" else ():
            b.writes.update(f"table:{rel}" for rel in action.reached if action.write)


def _lock_referencing(b: _Builder, table: str, kinds: tuple[str, ...],
                      write: LockMode = LockMode.ROW_EXCLUSIVE,
                      read: LockMode = LockMode.ROW_SHARE) -> list[str]:
    """The walk of _key_action_locks: `write` on each table whose key referencing `table`
    has an action for one of `kinds` that changes its rows, then on the tables referencing
    that one in turn by the same kinds; `read` on the other referencing tables (a table's
    stronger lock kept). The tables it reached, in order."""
    from lockwise.catalog.key_actions import MODIFYING_ACTIONS

    pending, reached = [table], []
    while pending:
        for other, key in b.catalog.referencing(pending.pop(0)):
            reached.append(other)
            if "delete" in kinds and key.on_delete in MODIFYING_ACTIONS or \
                    "update" in kinds and key.on_update in MODIFYING_ACTIONS:
                if other not in b.locks or b.locks[other] < write:  # each table once
                    pending.append(other)
                    b.locks[other] = write
            else:
                b.locks.setdefault(other, read)
    return reached


def _read_locks(expr, skip=()) -> dict[str, LockMode]:
    """The metadata lock each table `expr` reads holds until the transaction ends (under
    autocommit, the statement's end): SHARED_READ, or SHARED_WRITE on the tables of a FROM
    list whose query says FOR UPDATE (those named after OF, MySQL's), as DML's; FOR SHARE /
    LOCK IN SHARE MODE and WAIT n, NOWAIT, SKIP LOCKED change nothing (checked on MariaDB
    10.11 in information_schema.METADATA_LOCK_INFO: a plain SELECT, its joins, subqueries,
    UNION, derived tables and CTEs, the query of INSERT ... SELECT and CREATE TABLE ... AS
    SELECT; MySQL's sql/table.h, mdl_type_for_dml). Every table the statement names but the
    nodes in `skip`, a CTE's name, DUAL, INFORMATION_SCHEMA's views (no metadata lock, checked
    on 10.11) and a locking read's OF list; the caller makes the tables it writes
    SHARED_WRITE."""
    from sqlglot import exp

    ctes = {cte.alias_or_name.lower() for cte in expr.find_all(exp.CTE)} | {"dual"}
    skipped = {id(node) for node in skip}
    locked: dict[str, LockMode] = {}
    for table in expr.find_all(exp.Table):
        if id(table) in skipped or not table.name or isinstance(table.parent, exp.Lock) or \
                (not table.db and table.name.lower() in ctes) or \
                table.db.lower() == "information_schema":
            continue
        select = table.find_ancestor(exp.Select)
        mode = LockMode.ROW_SHARE
        for lock in select.args.get("locks") or () if select is not None else ():
            named = {_name(t) for t in lock.expressions}
            if lock.args.get("update") and (not named or table.alias_or_name.lower() in named):
                mode = LockMode.ROW_EXCLUSIVE
        name = _table_name(table)
        locked[name] = max(locked.get(name, mode), mode)
    return locked


def _select(b: _Builder, expr) -> None:
    """A query (SELECT, UNION, a locking read): the metadata locks of the tables it reads
    (_read_locks), "other" when it reads none (SELECT 1, SELECT f())."""
    from sqlglot import exp

    locked = _read_locks(expr)
    if not locked:
        b.act("other", {"node": type(expr).__name__})
        return
    b.locks.update(locked)
    # a function sqlglot does not know may be a stored one, which may write any table
    functions = tuple(sorted({_name(f) for f in expr.find_all(exp.Anonymous)}))
    b.act("select", {**b.table_facts(next(iter(locked))), "tables_text": ", ".join(locked),
                     "for_update": LockMode.ROW_EXCLUSIVE in locked.values(),
                     "functions": functions})


def _key_added_to_partitioned_table(b: _Builder, tree: dict) -> None:
    """A UNIQUE index or primary key the statement gives a partitioned table (ALTER TABLE,
    CREATE UNIQUE INDEX) that lacks a column the partitioning uses: refused, error 1503, as a
    partitioning such a key lacks a column of is (checked on MariaDB 10.11). The statement is
    replayed on a copy of the table to see its keys after it."""
    import copy

    from sqlglot import exp

    summary = next((a.facts for a in b.actions if a.kind == "mysql_alter_table"), None)
    if summary is None or summary["refused"] or not {"add_index", "add_primary_key"} & set(
            summary["operations"]) or any(a.kind in _REFUSALS for a in b.actions):
        return
    expr, sql = tree["sqlglot"]["expr"], tree["sqlglot"]["sql"]
    if isinstance(expr, exp.Alter):
        table = _table_name(expr.this)
    elif isinstance(expr, exp.Create):
        table = _table_name(expr.this.args.get("table"))
    elif m := _CREATE_INDEX.match(sql):
        table = b.key(_clean(m.group("table")))
    else:
        return
    known = b.catalog.tables.get(table)
    if not (names := _partition_key_columns(known)):
        return
    trial = Catalog(tables={table: copy.deepcopy(known)})
    apply_mysql_statement(trial, tree, "", b.session.on_same_server())
    (after,) = trial.tables.values()  # a RENAME TO beside it renames the copy
    if refusal := _unique_key_without_partition_column(
            names, after, b.table_facts(table)["table_sql"], before=known):
        b.act("mysql_partition_unique_key", {**b.table_facts(table), **refusal})


def _written_names(sql: str) -> dict[str, str]:
    """The statement's names as written, by their lower-case form (the first spelling wins)."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import mysql_tokens

    try:
        tokens = mysql_tokens(sql)
    except TokenError:
        return {}
    out: dict[str, str] = {}
    for tok in tokens:
        if tok.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
            out.setdefault(tok.text.lower(), tok.text)
        elif tok.token_type == TokenType.STRING and _unquoted(sql, tok.text):
            # The tokenizer keeps the rest of a command it does not parse (RENAME TABLE) as
            # one string, not quoted in the text: its names are in there.
            for lower, written in _written_names(tok.text).items():
                out.setdefault(lower, written)
    return out


def _unquoted(sql: str, text: str) -> bool:
    """Whether `text` stands in `sql` outside quotes (the rest of a command, not a string)."""
    pos = sql.find(text)
    return pos > 0 and sql[pos - 1] not in "'\"" and " " in text


def compute_mysql_effect(tree: dict, catalog: Catalog, session: MySQLSession) -> Effect:
    """The effect of one statement parsed by parse/mysql.py."""
    with utf8_reading(session):
        return _statement_effect(tree, catalog, session)


def _statement_effect(tree: dict, catalog: Catalog, session: MySQLSession) -> Effect:
    """compute_mysql_effect, `utf8` read as the session's server does."""
    from sqlglot import exp

    qualified = _in_session(tree, catalog, session) if "." in tree["sqlglot"]["sql"] else {}
    expr, sql = tree["sqlglot"]["expr"], tree["sqlglot"]["sql"]
    if session.flavour == "mariadb" and isinstance(expr, exp.Alter) and expr.this is not None:
        from lockwise.effects.mysql_if_exists import without_settled

        # the clauses its IF [NOT] EXISTS skips go for the effect and the replay (which reads
        # the same tree after this)
        expr = tree["sqlglot"]["expr"] = without_settled(
            expr, catalog.tables.get(_table_name(expr.this)))
    session.last_alter = None  # an earlier statement's plans are not this one's
    b = _Builder(session, catalog)
    b.written, b.qualified = _written_names(sql), dict(qualified)
    held = session.locked_tables
    try:
        if not _no_database(b, expr, sql, tree.get("program")):
            _classify(b, expr, sql, session)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        # A tree shape sqlglot produced that the classifier does not know: read the text.
        b = _Builder(session, catalog)
        b.written, b.qualified = _written_names(sql), dict(qualified)
        _command(b, sql)
    _charset_refused(b, sql)
    if (program := tree.get("program")) is not None:
        programs.act_refusals(b, program, catalog, session.database)
    if session.version < CHECK_ENFORCED_FROM[session.flavour]:
        _ignored_checks(b, expr, sql)
    _key_added_to_partitioned_table(b, tree)
    if held is not None and not _LOCK_TABLES.match(sql):
        _under_lock_tables(b, expr, held, bool(_RENAME_TABLE.match(sql)))
    return b.effect()


def _charset_refused(b: _Builder, sql: str) -> None:
    """Act a character set or collation the server refuses in the statement (errors 1115,
    1273, 1253: effects/mysql_charset_refusal.py)."""
    from lockwise.effects.mysql_charset_refusal import charset_refusal

    session = b.session
    database_set = database_default(b.catalog, session.database)[0] or _server_charset(session)
    if refusal := charset_refusal(sql, session.flavour, session.version,
                                  utf8_alias(session.flavour, session.version),
                                  _charset_name(database_set)):
        b.act("mysql_charset_refused", refusal)


#: What the server answers a statement LOCK TABLES does not allow, by why: ER_TABLE_NOT_LOCKED
#: and ER_TABLE_NOT_LOCKED_FOR_WRITE (MySQL 8.0 and 8.4; the same on MariaDB 10.11).
_NOT_LOCKED_ERRORS = {
    "": ("was not locked", 1100, "Table '{}' was not locked with LOCK TABLES"),
    "READ": ("was locked READ", 1099, "Table '{}' was locked with a READ lock and can't be "
                                      "updated"),
    "RENAME": ("may not be renamed with RENAME TABLE while the session holds the locks taken",
               1192, "Can't execute the given command because you have active locked tables "
                     "or an active transaction"),
}
#: From MySQL 8.0.13, RENAME TABLE under LOCK TABLES renames a table locked WRITE, which stays
#: locked under its new name; before, and on MariaDB, it is refused (ER_LOCK_OR_ACTIVE_
#: TRANSACTION, error 1192; the manual's "RENAME TABLE Statement", 13.1.36 in 8.0, 15.1.36 in
#: 8.4; MariaDB checked on 10.11). ALTER TABLE ... RENAME TO is not RENAME TABLE.
_RENAME_UNDER_LOCK_TABLES_FROM = (8, 0, 13)


def locked_tables_text(session: MySQLSession) -> str:
    """The tables the session holds with LOCK TABLES and how: `accounts WRITE, a READ`
    (`orders AS o WRITE` for one locked under an alias)."""
    tables = session.locked_table_names
    return ", ".join(f"{tables[name]} AS {name} {kind}" if tables.get(name, name) != name
                     else f"{name} {kind}" for name, kind in (session.locked_tables or {}).items())


def _under_lock_tables(b: _Builder, expr, held: dict[str, str],
                       rename_table: bool = False) -> None:
    """A statement run while the session holds LOCK TABLES (`held`): refused when it names a
    table that was not locked, or writes one locked READ (the manual's "LOCK TABLES and
    UNLOCK TABLES Statements", 13.3.6 in 8.0, 15.3.6 in 8.4: "the session can access only the
    locked tables"); tables a foreign key references, TEMPORARY tables and INFORMATION_SCHEMA
    are exempt. UNLOCK TABLES and starting a transaction release the locks; a dropped or
    renamed table's lock goes with it (checked on MariaDB 10.11). RENAME TABLE (`rename_table`)
    is refused on MariaDB and before MySQL 8.0.13; from then on the lock follows the table."""
    from sqlglot import exp

    session = b.session
    if isinstance(expr, exp.Transaction) or any(a.kind == "mysql_unlock_tables"
                                                 for a in b.actions):
        session.locked_tables, session.key_locked_tables = None, {}
        return
    moves_lock = rename_table and session.flavour == "mysql" and \
        session.version >= _RENAME_UNDER_LOCK_TABLES_FROM
    if rename_table and not moves_lock:
        _not_locked(b, next(iter(b.renamed), ""), "RENAME")
        return
    if moves_lock:
        # Each table renamed must be locked WRITE, or be one an earlier pair renamed; its lock
        # follows it to the new name.
        locked = dict(held)
        for action in b.actions:
            if action.kind == "mysql_alter" and action.facts.get("operation") == "rename_table":
                old = action.facts["table"].lower().split(".")[-1]
                if locked.get(old) != "WRITE":
                    _not_locked(b, old, locked.get(old, ""))
                    return
                locked[action.facts["new_name"].split(".")[-1].lower()] = locked.pop(old)
        session.locked_tables = locked
        return
    if any(a.kind == "mariadb_delayed_insert_refused" for a in b.actions):
        return  # refused for DELAYED first (1616, 1165; checked on MariaDB 10.11)
    named = _tables_named(b, expr)
    # the server opens each table first, refusing the first not locked (by name and alias:
    # an alias locked for another table is not locked), then checks that those it writes
    # are not locked READ; the tables a WRITE lock prelocked for their keys it uses as
    # locked, by their prelock (checked on MariaDB 10.11)
    usable = {**session.key_locked_tables, **held}
    # (a table listed READ that a trigger of a table listed WRITE writes: locked for writing)
    usable.update((name, "WRITE") for name, kind in session.key_locked_tables.items()
                  if kind == "WRITE" and name in held)
    stands_for = session.locked_table_names
    tables = {table for _, table, _ in named}
    needed = [(name, table) for name, table, _ in named] + [
        (name, name) for name in _key_prelocked(b, tables) + _trigger_prelocked(b, tables)]
    refused = next(((name, "") for name, table in needed if (
        name not in usable or stands_for.get(name, table) != table) and name not in b.delayed),
        None) or next(((name, "READ") for name, _, written in named
                       if written and usable.get(name) == "READ"), None)
    if refused is not None:
        _not_locked(b, *refused)
        return  # the statement fails at its first such table
    released = {t.removeprefix("table:").split(".")[-1] for t in (*b.drops, *b.renamed)}
    if released:
        session.locked_tables = {t: k for t, k in held.items() if t not in released}


def _key_prelocked(b: _Builder, named: set[str]) -> list[str]:
    """The tables the statement's writes prelock for the foreign keys that reference the
    tables they write (MariaDB's: b.key_prelocked), which the session must hold under LOCK
    TABLES as it holds those it names (`named`): error 1100 for one it does not, foreign_key_
    checks on or off, unless a table it locked WRITE prelocked it (checked on MariaDB 10.11).
    MySQL 8's LOCK TABLES locks them itself (its 8.0 manual, 15.3.6)."""
    out = []
    for table in b.key_prelocked:
        name = table.split(".")[-1]
        if name not in named and name not in b.session.key_locked_tables and \
                not b.temporary(table):
            out.append(name)
    return out


def _trigger_prelocked(b: _Builder, named: set[str]) -> list[str]:
    """The tables the triggers the statement's writes fire use (_trigger_tables), which the
    session must hold under LOCK TABLES as it holds those it names (`named`): error 1100 for
    one it does not, before a write of a table locked READ is refused (1099), unless a table
    it locked WRITE prelocked it (checked on MariaDB 10.11: under `LOCK TABLES t READ` an
    INSERT into `t`, whose trigger writes `log`, is 1100 for `log`)."""
    out: dict[str, None] = {}
    for table, kinds in b.fired.items():
        for used in _trigger_tables(b, table, kinds):
            name = used.split(".")[-1]
            if name not in named and name not in b.session.key_locked_tables and \
                    not b.temporary(used):
                out[name] = None
    return list(out)


def _not_locked(b: _Builder, name: str, why: str) -> None:
    """The statement is refused for the LOCK TABLES the session holds (_NOT_LOCKED_ERRORS)."""
    session = b.session
    state, code, error = _NOT_LOCKED_ERRORS[why]
    facts = b.table_facts(name)
    line = session.lock_tables_line
    if why == "RENAME" and (session.locked_tables or {}).get(name.split(".")[-1]) != "WRITE":
        fix = "-- run it after UNLOCK TABLES"
    elif why == "RENAME":
        new = next((a.facts["new_name"] for a in b.actions if a.kind == "mysql_alter"
                    and a.facts.get("operation") == "rename_table"), "new_name")
        fix = (f"-- run it after UNLOCK TABLES, or rename with ALTER TABLE, which a session "
               f"holding {facts['table']} WRITE may run:\nALTER TABLE "
               f"{quote_mysql_qualified(facts['table_sql'])} RENAME TO "
               f"{quote_mysql_qualified(new)};")
    else:
        fix = (f"-- name {facts['table']} in the LOCK TABLES at line {line} (WRITE to change "
               f"it), or run this\n-- statement after UNLOCK TABLES; InnoDB's row locks keep "
               f"DML consistent without LOCK TABLES")
    b.act("mysql_table_not_locked", {
        **facts, "lock_state": state, "error_code": code,
        "server_error": error.format(b.written.get(name, name)),
        "lock_tables_line": line, "locked_text": locked_tables_text(session),
        "fix_sql": fix})


def _tables_named(b: _Builder, expr) -> list[tuple[str, str, bool]]:
    """The tables a statement names, as the session names them under LOCK TABLES (its alias
    when it gives one; without the database), the table's own name, and whether it writes
    them. Not: the tables a foreign key references, TEMPORARY tables, INFORMATION_SCHEMA, a
    CTE or an alias."""
    from sqlglot import exp

    # (a table only read, SHARED_READ, or only joined, needs READ; a FOR UPDATE read WRITE)
    writes = {t.split(".")[-1] for t, mode in b.locks.items()
              if mode > LockMode.ROW_SHARE and t not in b.joined} | {
        t.removeprefix("table:").split(".")[-1] for t in (*b.creates, *b.drops)}
    if isinstance(expr, exp.Command):
        return [(t, t, True) for t in writes if t not in b.session.temporary_tables]
    if isinstance(expr, exp.Create) and expr.find(exp.TemporaryProperty) is not None:
        return []
    tables = list(expr.find_all(exp.Table))
    exempt = {id(t) for node in expr.find_all(exp.Reference, exp.AlterRename)
              for t in node.find_all(exp.Table)}
    aliases = {t.alias.lower() for t in tables if t.alias} | {
        cte.alias.lower() for cte in expr.find_all(exp.CTE)}
    out = []
    for t in tables:
        name = t.name.lower()
        if id(t) in exempt or t.db.lower() == "information_schema" or not name or \
                name in b.session.temporary_tables or (not t.alias and name in aliases):
            continue
        out.append(((t.alias or name).lower(), name, name in writes))
    return out


#: A CHECK an ALTER TABLE sqlglot keeps as a command adds (`ADD CHECK (...)`).
_ADD_CHECK = re.compile(r"\bADD\s+(?:CONSTRAINT\s+\S+\s+)?CHECK\s*\(", re.I)


def _parenthesized(text: str, start: int) -> str:
    """The parenthesized text opening at `start`, to its matching parenthesis (quotes aside:
    a CHECK's expression as written)."""
    depth = 0
    for pos in range(start, len(text)):
        depth += (text[pos] == "(") - (text[pos] == ")")
        if depth == 0:
            return text[start:pos + 1]
    return text[start:]


def _ignored_checks(b: _Builder, expr, sql: str) -> None:
    """On a server that parses CHECK clauses and ignores them, say so for each CHECK a CREATE
    TABLE or ALTER TABLE writes: the migration relies on a rule nothing enforces."""
    from sqlglot import exp

    if isinstance(expr, exp.Command):
        head = _ALTER_TABLE.match(sql)
        checks = [f"CHECK {_parenthesized(sql, m.end() - 1)}"
                  for m in _ADD_CHECK.finditer(sql)] if head else []
        table = b.key(_clean(head.group("table"))) if head else ""
    elif isinstance(expr, (exp.Create, exp.Alter)):
        checks = [node.sql(dialect="mysql") for node in expr.find_all(exp.CheckColumnConstraint)]
        table = _table_name(expr.this)
    else:
        return
    if checks:
        flavour = b.session.flavour
        b.act("mysql_check_not_enforced", {
            **b.table_facts(table), "checks_sql": "; ".join(checks),
            "enforced_from": ".".join(map(str, CHECK_ENFORCED_FROM[flavour]))})


def _referenced_refused(b: _Builder, table: str, statement: str) -> None:
    """TRUNCATE TABLE of `table`, which another table's foreign key references: refused while
    foreign_key_checks is on (effects/mysql_referenced.py)."""
    refusal = _referenced_refusal(b.catalog, b.session, table, statement, ())
    if refusal is not None:
        b.act("mysql_referenced_table_dropped", {**b.table_facts(table), **refusal})


def _referenced_refusal(catalog: Catalog, session: MySQLSession, table: str, statement: str,
                        gone: Container[str],
                        keys: Sequence[tuple[str, Constraint]] | None = None) -> dict | None:
    """The refusal's facts when `statement` (DROP TABLE or TRUNCATE TABLE) of `table` is
    refused for another table's foreign key that references it (but those in `gone`), while
    foreign_key_checks is on (effects/mysql_referenced.py); else None. `keys`: the foreign
    keys that reference `table`, when the caller found them (`Catalog.referencing_each`)."""
    from lockwise.effects.mysql_referenced import referenced_table_refusal

    if not session.foreign_key_checks or table.split(".")[-1] in session.temporary_tables:
        return None
    return referenced_table_refusal(catalog, table, statement, session.flavour, gone, keys)


def dropped_name(key: str, database: str | None) -> str:
    """How `Catalog.mysql_dropped_tables` names the table the catalog keys `key` while the
    session uses `database`: with its database, which a later USE does not change (a bare
    key of the connection's unknown database is kept behind _UNREACHED: no name reaches it
    once a USE is made, as the server's database may be another one)."""
    if "." in key:
        return key
    return f"{database}.{key}" if database else _UNREACHED + key


def _missing_tables(catalog: Catalog, session: MySQLSession, tables: list[str]) -> set[str]:
    """The tables of a DROP TABLE's list (catalog keys) that are certainly not there: ones
    the replay dropped or renamed away (or whose database it dropped), or whose CREATE TABLE
    the server refused, and that no statement made again (a TEMPORARY table of the session is
    there)."""
    gone = catalog.mysql_dropped_tables | catalog.mysql_refused_tables
    return {t for t in tables
            if dropped_name(t, session.database) in gone and
            t not in catalog.tables and t.split(".")[-1] not in session.temporary_tables}


def existing_table(catalog: Catalog, expr, session: MySQLSession) -> bool:
    """Whether the CREATE TABLE `expr` names a table (or view) the replay has, not a
    TEMPORARY one: the server answers error 1050, "Table 't' already exists", before it
    checks the definition (its columns, keys, defaults, engine, partitioning; MariaDB 10.11
    checked: `CREATE TABLE t (id INT, id INT)` of an existing t is 1050, not 1060), and with
    IF NOT EXISTS makes nothing (a note). A TEMPORARY table of the name, or a CREATE
    TEMPORARY TABLE, is not judged (either may shadow the other)."""
    from sqlglot import exp

    if expr.find(exp.TemporaryProperty) is not None or expr.args.get("replace"):
        return False  # (MariaDB's CREATE OR REPLACE TABLE drops the old one first)
    name, _ = _created_key(_table_name(expr.this), session)
    bare = name.split(".")[-1]
    return name in catalog.tables and bare not in session.temporary_tables and \
        bare not in session.shadowing_tables


def refused_create(catalog: Catalog, tree: dict, session: MySQLSession) -> None:
    """Move the catalog past a CREATE TABLE the server refused: it made no table, so one the
    replay did not have is certainly not there afterwards (an ALTER of it is error 1146, a
    DROP 1051; checked on MariaDB 10.11, fix-mysql61). A table the replay has stays (the
    server answers 1050 for it first, or nothing with IF NOT EXISTS)."""
    from sqlglot import exp

    expr = tree["sqlglot"]["expr"]
    if not isinstance(expr, exp.Create) or (expr.args.get("kind") or "").upper() != "TABLE" \
            or expr.find(exp.TemporaryProperty) is not None:
        return
    name, _ = _created_key(_table_name(expr.this), session)
    if name not in catalog.tables and name.split(".")[-1] not in session.temporary_tables:
        catalog.mysql_refused_tables |= {dropped_name(name, session.database)}


def _drop_outcome(catalog: Catalog, session: MySQLSession, tables: list[str],
                  missing: set[str]) -> tuple[list[str], dict[str, dict]]:
    """What DROP TABLE of `tables` (catalog keys, in the list's order; `missing` not there)
    does: the tables it drops, and the refusal of each a foreign key keeps. MariaDB works
    through the list in order, dropping each table it can: a referencing table is gone in
    time when listed (and dropped) before the table it references (checked on 10.11: `DROP
    TABLE p, c` drops c, keeps p; with gc referencing c, `DROP TABLE c, p` keeps both). MySQL
    8 checks the whole list first (its bug #27821060) and drops nothing when it refuses,
    which the replay of a refused statement does not reach."""
    dropped: list[str] = []
    refusals: dict[str, dict] = {}
    # (each table's keys found in one walk, and what is gone kept as a set: a list of
    # thousands of tables walked every table, and copied the list, for each)
    keys = catalog.referencing_each(tables) if session.foreign_key_checks else {}
    gone = set() if session.flavour == "mariadb" else set(tables)
    for table in tables:
        if table in missing:
            continue
        refusal = _referenced_refusal(catalog, session, table, "DROP TABLE", gone,
                                      keys.get(table))
        if refusal is not None:
            refusals[table] = refusal
        else:
            dropped.append(table)
            if session.flavour == "mariadb":
                gone.add(table)
    return dropped, refusals


def _others_kept(b: _Builder, tables: list[str]) -> str:
    """The words that name the other tables of a DROP TABLE a foreign key keeps: the server
    answers one 1451 for the statement, whose message names none of them (checked on MariaDB
    10.11)."""
    if not tables:
        return ""
    names = ", ".join(b.table_facts(t)["table"] for t in tables)
    return f" ({names} {'stays' if len(tables) == 1 else 'stay'} too, kept by a key)"


def _listed_twice(b: _Builder, expr, tables: list[str]) -> bool:
    """DROP TABLE of a list that names a table twice (`b, b`, or `b, t.b` in t): the server
    refuses it before it drops any, IF EXISTS or not, there or not, with 1066 "Not unique
    table/alias: 'b'" naming the later one's bare name as written (checked on MariaDB
    10.11; names compared as written, as on a case-sensitive server). Acts and says so."""
    seen: set[tuple[str, str]] = set()
    written = _dropped_tables(expr)
    for index, (node, table) in enumerate(zip(written, tables, strict=True)):
        # (a database the session uses is left out of the tree already: _in_session)
        name = (getattr(node, "db", "") or "", getattr(node, "name", "") or _name(node))
        if name not in seen:
            seen.add(name)
            continue
        listed = ", ".join(n.sql(dialect="mysql") for i, n in enumerate(written) if i != index)
        b.act("mysql_table_listed_twice", {
            **b.table_facts(table), "table": ".".join(p for p in name if p), "error_code": 1066,
            "server_error": f"Not unique table/alias: '{name[1]}'",
            "fix_sql": f"-- name each table once:\nDROP TABLE "
                       f"{'IF EXISTS ' if expr.args.get('exists') else ''}{listed};"})
        return True
    return False


def _unknown_tables(b: _Builder, tables: list[str], missing: set[str],
                    dropped: list[str], statement: str = "DROP TABLE") -> None:
    """DROP TABLE (no IF EXISTS) of tables that are not there: error 1051, "Unknown table"
    naming each missing one as `database.name`, as written, in the list's order, without
    spaces after the commas (the bare name when the session's database is unknown).
    MariaDB drops the others first; MySQL 8 drops none (checked on MariaDB 10.11; MySQL's
    manual, "DROP TABLE Statement"). ALTER TABLE of one: error 1146, "Table 'd.t' doesn't
    exist" (checked on MariaDB 10.11)."""
    def qualified(table: str) -> str:
        written = b.table_facts(table)["table"]
        database = b.session.database
        return written if "." in written or not database else f"{database}.{written}"

    absent = [t for t in tables if t in missing]
    names = [b.table_facts(t)["table"] for t in absent]
    never_made = all(dropped_name(t, b.session.database) in b.catalog.mysql_refused_tables
                     and dropped_name(t, b.session.database) not in
                     b.catalog.mysql_dropped_tables for t in absent)
    it = "it" if len(names) == 1 else "them"
    gone = f"the server refused {'its' if len(names) == 1 else 'their'} CREATE TABLE " \
        "earlier (no table was made)" if never_made else \
        f"an earlier statement dropped or renamed {it} away"
    kept = [b.table_facts(t)["table"] for t in tables if t not in missing]
    mariadb = b.session.flavour == "mariadb"
    drops = [b.table_facts(t)["table"] for t in dropped] if mariadb else []
    if drops:
        outcome = f"drops {', '.join(drops)} and then fails"
    elif mariadb or not kept:
        outcome = "fails"
    else:
        outcome = "drops none of its tables and fails"
    listed = ", ".join(quote_mysql_qualified(b.table_facts(t)["table_sql"])
                       for t in tables if t not in missing)
    fix = f"DROP TABLE {listed};" if listed else "-- (nothing is left to drop)"
    facts = {**b.table_facts(absent[0]), "statement_text": statement,
             "missing_tables_text": ", ".join(names),
             "missing_it_text": it, "gone_text": gone, "outcome_text": outcome,
             "error_code": 1051,
             "server_error": f"Unknown table '{','.join(qualified(t) for t in absent)}'",
             "fix_sql": f"-- leave out {', '.join(names)}, which the server does not have, or "
                        f"write IF EXISTS\n-- (the server then notes them, 1051, and goes "
                        f"on):\n{fix}"}
    if statement == "ALTER TABLE":
        facts.update(error_code=1146, outcome_text="fails",
                     server_error=f"Table '{qualified(absent[0])}' doesn't exist",
                     fix_sql=f"-- create {names[0]} first (a CREATE TABLE the server takes), "
                             "or leave this ALTER out: the table is not there" if never_made else
                     f"-- create {names[0]} again first, or leave this ALTER out: the "
                             "table is gone")
    elif statement == "RENAME TABLE":  # (renames none of its pairs: checked on MariaDB 10.11)
        facts.update(error_code=1146, outcome_text="renames none of its tables and fails",
                     server_error=f"Table '{qualified(absent[0])}' doesn't exist",
                     fix_sql=f"-- leave out the pair of {names[0]}, which is gone, or write "
                             "RENAME TABLE IF EXISTS\n-- (MariaDB 10.5.2 and later: it skips the "
                             "pair, with a note)")
    b.act("mysql_unknown_table", facts)


#: The statements whose names need a database (_unqualified_names reads their trees): not
#: USE, CREATE / DROP DATABASE, SET ... (sqlglot's exp names).
_NAMING_STATEMENTS = frozenset({"Alter", "Create", "Drop", "Insert", "Update", "Delete",
                                "TruncateTable", "Select", "Union", "Except", "Intersect",
                                "Analyze"})
#: The objects of a CREATE / DROP / ALTER that live in a database, as sqlglot reads them (a
#: stored program's CREATE is a command; DROP FUNCTION may name a UDF, which needs none:
#: `DROP FUNCTION IF EXISTS f` runs with no database selected, checked on MariaDB 10.11).
_NAMED_KINDS = frozenset({"TABLE", "INDEX", "VIEW", "TRIGGER", "PROCEDURE"})
#: The words a statement starts with, up to the kind of object it names (`CREATE UNIQUE
#: INDEX`, `INSERT INTO`, `LOCK TABLES`), else its first word (`UPDATE`, `SELECT`).
_STATEMENT_WORDS = re.compile(
    rf"\s*((?:\w+{GAP}+){{0,3}}?(?:TABLES?|INDEX|VIEW|TRIGGERS?|PROCEDURE|FUNCTION|EVENTS?|INTO"
    rf"|FROM)\b|\w+)", re.I)


#: SHOW statements naming a table, view or stored program, which without FROM db (or a
#: qualified name) look it up in the session's database (sqlglot's Show `this`).
_SHOWN_OBJECTS = frozenset({"COLUMNS", "INDEX", "CREATE TABLE", "CREATE VIEW", "CREATE EVENT",
                            "CREATE PROCEDURE", "CREATE FUNCTION", "CREATE TRIGGER"})
#: SHOW statements listing the objects of a database: without FROM db, the session's.
_SHOWN_LISTS = frozenset({"TABLES", "TABLE STATUS", "TRIGGERS", "EVENTS"})


def _lists_session_database(expr) -> bool:
    """Whether `expr` is a SHOW that lists the session's database: SHOW [FULL] TABLES, SHOW
    TABLE STATUS, SHOW TRIGGERS or SHOW EVENTS without FROM db."""
    from sqlglot import exp

    return isinstance(expr, exp.Show) and expr.args.get("db") is None and \
        str(expr.this).upper() in _SHOWN_LISTS


def _unqualified_names(expr, sql: str, program: dict | None) -> list[str]:
    """The names of tables, views and stored programs that the statement writes without a
    database, which the server looks up in the session's database (as written, lower case):
    every table a DDL, DML or query statement names (not a CTE's, DROP INDEX's index, nor the
    table a foreign key references: that one is error 1005, errno 150, on MariaDB 10.11),
    RENAME TABLE's old and new names, LOCK TABLES' tables, a stored program's name and a
    trigger's table, CALL's procedure, and the table of a CREATE INDEX, DROP INDEX, OPTIMIZE
    or ALTER TABLE read from its text."""
    from sqlglot import exp

    from lockwise.effects.mysql_callers import CALL

    if program is not None:  # (and ALTER EVENT's RENAME TO: the new name too)
        name = program.get("name") or ""
        # (CREATE TRIGGER d.tr ... ON t: a bare table is the trigger's database's, d.t)
        names = [name, "" if "." in name else program.get("table") or "",
                 programs.renamed_to(program, sql)]
    elif isinstance(expr, exp.Show):
        names = [expr.args["target"].name] if expr.args.get("db") is None and \
            str(expr.this).upper() in _SHOWN_OBJECTS and expr.args.get("target") else []
    elif isinstance(expr, exp.Command):
        if m := CALL.match(sql):
            names = [_clean(m.group(1))]
        elif event := programs.dropped_event(sql):
            names = [event]
        elif _RENAME_TABLE.match(sql):
            names = [name for pair in _rename_pairs(sql, _clean) for name in pair]
        elif _LOCK_TABLES.match(sql):
            names = [_clean(m.group("name")) for m in read_lock_tables(sql)[0]]
        elif m := (_CREATE_INDEX.match(sql) or _DROP_INDEX.match(sql) or _OPTIMIZE.match(sql)
                   or _ALTER_TABLE.match(sql)):
            names = [_clean(m.group("table"))]
        else:
            return []
    elif type(expr).__name__ in _NAMING_STATEMENTS and (
            not isinstance(expr, exp.Create | exp.Drop | exp.Alter) or
            (expr.args.get("kind") or "").upper() in _NAMED_KINDS):
        ctes = {cte.alias.lower() for cte in expr.find_all(exp.CTE)}
        skipped = {id(t) for node in expr.find_all(exp.Reference) for t in
                   node.find_all(exp.Table)}
        if isinstance(expr, exp.Drop) and (expr.args.get("kind") or "").upper() == "INDEX":
            skipped |= {id(t) for t in expr.args.get("tables") or ()}
        names = [t.name.lower() for t in expr.find_all(exp.Table) if not t.db and t.name and
                 id(t) not in skipped and t.name.lower() not in ctes | {"dual"}]
    else:
        return []
    return [name.lower() for name in names if name and "." not in name]


def _no_database(b: _Builder, expr, sql: str, program: dict | None) -> bool:
    """A statement naming a table, view or stored program without its database while the
    session has none selected, as DROP DATABASE of its own database leaves it: the server
    refuses it with 1046 "No database selected" (ALTER, DROP and CREATE TABLE, IF EXISTS or
    not, CREATE and DROP INDEX, RENAME TABLE (either name), INSERT, REPLACE, UPDATE, DELETE,
    TRUNCATE, SELECT, LOCK TABLES, OPTIMIZE and ANALYZE TABLE, CREATE VIEW (its name or a
    table it reads), CREATE TRIGGER (its name or its table), DROP TRIGGER, CREATE and DROP
    PROCEDURE, CALL, ALTER TABLE d.t RENAME TO bare, CREATE, ALTER (its RENAME TO too) and
    DROP EVENT, SHOW COLUMNS / INDEX / CREATE of a bare name; a CREATE DATABASE of the name
    again does not select it; checked on MariaDB 10.11). So is a SHOW that lists the
    session's database (SHOW TABLES without FROM: _lists_session_database). Acts and says
    so."""
    dropped = b.session.database_dropped
    if dropped is None:
        return False
    if not (bare := _unqualified_names(expr, sql, program)) and \
            not _lists_session_database(expr):
        return False
    # (CREATE DEFINER = u EVENT e: the statement's kind, without a view's or program's options)
    words = _STATEMENT_WORDS.match(OBJECT_OPTIONS.sub("", sql))
    facts = b.table_facts(bare[0] if bare else dropped)
    # (the words without the comments between them: CREATE /* x */ PROCEDURE)
    statement = " ".join(re.split(rf"{GAP}+", words.group(1).upper())) if words else ""
    if not bare:  # (SHOW [FULL] TABLES, SHOW TABLE STATUS: sqlglot's words for it)
        statement = f"SHOW {'FULL ' * bool(expr.args.get('full'))}{str(expr.this).upper()}"
    b.act("mysql_no_database_selected", {
        **facts, "names_text": f"names {facts['table']} without its database" if bare else
        "lists the session's database", "statement_text": statement,
        "dropped_database": dropped,
        "error_code": 1046, "server_error": "No database selected",
        "fix_sql": f"-- USE a database before this statement, or write the table's database "
                   f"in its name\n-- (DROP DATABASE {dropped} left the session in none)"})
    return True


def _deprecated_table(b: _Builder, table: str) -> str:
    """The name drop-table's alternative renames `table` to, in its own database (a bare
    RENAME TO moves the table to the current one): `<name>_deprecated` within MySQL's 64
    characters (a longer name is refused, not cut), numbered past a table that has it."""
    written = b.table_facts(table)["table"]
    schema, _, bare = written.rpartition(".")
    prefix = f"{schema}." if schema else ""
    new = free_generated_name(bare, "deprecated",
                              lambda name: f"{prefix}{name}".lower() in b.catalog.tables,
                              MYSQL_MAX_NAME_CHARACTERS, in_bytes=False)
    return prefix + new


#: The stored routines a CREATE / DROP names, whose action is `create_<kind>` / `drop_<kind>`
#: as for any other object (sqlglot's kind, lower case): listed so that the fact names
#: (scripts/gen_fact_names.py) know `create_procedure` and `drop_procedure`.
_ROUTINE_KINDS = {"PROCEDURE": "procedure", "FUNCTION": "function"}
#: SET [SESSION] max_sp_recursion_depth = n, in a SET's text without spaces, lower case.
_RECURSION_DEPTH = re.compile(r"max_sp_recursion_depth=(\d+)")
#: SET PERSIST / PERSIST_ONLY (or @@PERSIST.name), which outlive the server's restart
#: (effects/mysql_server.py).
_PERSIST = re.compile(r"^\s*SET\s+(?:PERSIST|.*?@@PERSIST)", re.I | re.S)


def _classify(b: _Builder, expr, sql: str, session: MySQLSession) -> None:
    from sqlglot import exp

    if isinstance(expr, exp.Alter) and (expr.args.get("kind") or "").upper() == "TABLE":
        table = _table_name(expr.this)
        if not expr.args.get("exists") and session.locked_tables is None and \
                _missing_tables(b.catalog, session, [table]):
            _unknown_tables(b, [table], {table}, [], "ALTER TABLE")
            return
        _invalid_defaults(b, expr, table, sql)
        b.alter(table, _alter_operations(b, expr, table) or [("alter_nothing", {})], sql)
    elif isinstance(expr, exp.Create):
        kind = (expr.args.get("kind") or "").upper()
        if kind == "TABLE":
            _create_table(b, expr, sql)
        elif kind == "INDEX":
            index = expr.this
            table = _table_name(index.args.get("table"))
            op = "add_index"
            if index.args.get("kind"):
                op = {"FULLTEXT": "add_fulltext_index", "SPATIAL": "add_spatial_index"}.get(
                    str(index.args["kind"]).upper(), "add_index")
            params = index.args.get("params")
            op = _functional_index(op, params.args.get("columns") or () if params else (),
                                   bool(expr.args.get("unique")))
            if stored := _stored_invalid_default(b, table):
                b.act("mysql_invalid_default", stored[1])
            b.alter(table, [(op, {"name": _name(index)})], sql)
        else:
            b.act(f"create_{_ROUTINE_KINDS.get(kind) or kind.lower() or 'other'}", {})
    elif isinstance(expr, exp.Drop):
        kind = (expr.args.get("kind") or "").upper()
        if kind == "TABLE" and expr.args.get("temporary"):
            # DROP TEMPORARY TABLE drops the session's own tables only, never a permanent
            # one, and what it drops would go at the session's end anyway: no one waits
            for t in _dropped_tables(expr):
                b.drops.add(f"table:{_table_name(t)}")
            b.act("drop_temporary_table", {})
        elif kind == "TABLE":
            tables = [_table_name(t) for t in _dropped_tables(expr)]
            if _listed_twice(b, expr, tables):
                return
            missing = _missing_tables(b.catalog, session, tables)
            dropped, refusals = _drop_outcome(b.catalog, session, tables, missing)
            for table in tables:
                b.drops.add(f"table:{table}")
                b.locks[table] = LockMode.ACCESS_EXCLUSIVE
                if table in missing:
                    continue  # (nothing to drop: _unknown_tables)
                # (with the checks on, a table other tables' keys reference is not dropped)
                children = [] if session.foreign_key_checks else \
                    b.lock_key_children(table, tables)
                b.act("drop_table", {**b.table_facts(table),
                                     "if_exists": bool(expr.args.get("exists")),
                                     "deprecated_table": _deprecated_table(b, table),
                                     **b.key_children_facts(children)})
                if table == next(iter(refusals), None):  # (one error, however many stay)
                    b.act("mysql_referenced_table_dropped",
                          {**b.table_facts(table), **refusals[table],
                           "others_kept_text": _others_kept(b, list(refusals)[1:])})
            # a table refused for a key fails the statement first; under LOCK TABLES a
            # missing table is refused as not locked (1100; checked on MariaDB 10.11)
            if missing and not expr.args.get("exists") and not refusals and \
                    session.locked_tables is None:
                _unknown_tables(b, tables, missing, dropped)
        elif kind == "INDEX":
            table = _table_name(expr.args.get("cluster") or expr.args.get("table"))
            match = re.search(rf"\bON\s+({_NAME})", sql, re.I)
            table = table or (b.key(_clean(match.group(1))) if match else "")
            if stored := _stored_invalid_default(b, table):
                b.act("mysql_invalid_default", stored[1])
            b.alter(table, [("drop_index", {"name": _name(_dropped_tables(expr)[0]),
                                            "keyword": "INDEX",
                                            "if_exists": bool(expr.args.get("exists"))})], sql)
        else:
            b.act(f"drop_{_ROUTINE_KINDS.get(kind) or kind.lower() or 'other'}",
                  {"name": _name(expr.this)})
    elif isinstance(expr, exp.TruncateTable):
        for t in expr.expressions:
            table = _table_name(t)
            b.locks[table] = LockMode.ACCESS_EXCLUSIVE
            facts = b.table_facts(table)
            if not session.foreign_key_checks:  # (on, it is refused: error 1701)
                facts.update(b.key_children_facts(b.lock_key_children(table)))
            # The same rows deleted in batches, as unbatched-backfill writes a DELETE of all.
            delete = exp.Delete(this=t.copy())
            b.system_versioned(facts, table, "TRUNCATE TABLE")
            b.act("truncate", {**facts, "tables_text": facts["table"],
                               "batches_sql": batches_sql(delete, b.catalog, table, b.written)})
            _referenced_refused(b, table, "TRUNCATE TABLE")
    elif isinstance(expr, exp.Update):
        _dml(b, expr, "update")
    elif isinstance(expr, exp.Delete):
        _dml(b, expr, "delete")
    elif isinstance(expr, exp.Insert):  # REPLACE too, read as its INSERT (parse/mysql.py)
        table = _table_name(expr.this.this if isinstance(expr.this, exp.Schema) else expr.this)
        b.locks.update(_read_locks(expr))  # its SELECT's, ON DUPLICATE KEY's subqueries'
        b.locks[table] = LockMode.ROW_EXCLUSIVE
        conflict = expr.args.get("conflict")
        kinds = ("insert", "delete") if expr.args.get("alternative") == "REPLACE" else \
            ("insert", "update") if conflict is not None else ("insert",)
        _key_action_locks(b, table, kinds, _set_columns(conflict, [], table).get(table, ())
                          if conflict is not None else frozenset())
        if b.session.flavour == "mariadb" and _DELAYED.match(sql):
            _delayed_refused(b, expr, table)
        b.act("insert", b.table_facts(table))
    elif isinstance(expr, (exp.Select, exp.SetOperation)) and not _UNLOCK_TABLES.match(sql):
        prepared.select_into(session.user_texts, sql)
        _select(b, expr)
    elif isinstance(expr, exp.Set) and _PERSIST.match(sql):  # SET PERSIST: the server's
        _server_action(b, sql)
    elif isinstance(expr, exp.Set):
        _set(b, sql)
    elif isinstance(expr, exp.Command):
        _command(b, sql)
    elif _UNLOCK_TABLES.match(sql):  # UNLOCK TABLE, which sqlglot reads as a SELECT
        b.act("mysql_unlock_tables", {})
    else:
        b.act("other", {"node": type(expr).__name__})


#: SET default_storage_engine: the session's value (SESSION / LOCAL / @@ / @@SESSION. /
#: @@LOCAL.); GLOBAL changes new sessions only (`global` is then set).
_DEFAULT_ENGINE = re.compile(
    r"(?<![\w.@])(?P<global>GLOBAL\s+|@@GLOBAL\.)?(?:SESSION\s+|LOCAL\s+|@@SESSION\.|"
    r"@@LOCAL\.|@@)?default_storage_engine\s*:?=\s*['\"`]?(?P<engine>\w+)", re.I)


def _set(b: _Builder, sql: str) -> None:
    """A SET statement: the session settings it changes that lockwise follows."""
    session = b.session
    prepared.assign(session.user_texts, sql, session.statement_at[0])
    text = sql.lower().replace(" ", "")
    if "foreign_key_checks=0" in text or "foreign_key_checks=off" in text:
        session.foreign_key_checks = False
    elif "foreign_key_checks=1" in text or "foreign_key_checks=on" in text:
        session.foreign_key_checks = True
    if depth := _RECURSION_DEPTH.search(text):
        session.sp_recursion_depth = int(depth.group(1))
    if history := _VERSIONING_ALTER_HISTORY.search(text):
        session.versioning_alter_history_keep = history.group(1) in ("keep", "1")
    if "sql_mode" in text:
        session.sql_mode = sql_modes.after_set(sql, session.sql_mode, session.flavour)
    for engine in _DEFAULT_ENGINE.finditer(sql):
        if not engine["global"]:
            named = engine["engine"].lower()
            session.default_engine = "" if named in ("default", "innodb") else named
    if "innodb_compression_default" in text:
        session.compression_default, session.compression_default_own = \
            page_compression.session_default(
                sql, (session.compression_default, session.compression_default_own))
    b.act("set", {"text": sql})


# --- catalog replay ------------------------------------------------------------------------

def _type_facts(name: str, column: Column | None) -> dict:
    """Column `name`'s type as suggested SQL writes it (`column_type_sql`), with the comment
    that a stand-in for an unknown type needs (`column_type_note`)."""
    return {"column_type_sql": _type_sql(name, column),
            "column_type_note": type_stand_in_note(name, column is not None)}


def _type_sql(name: str, column: Column | None) -> str:
    """A known column's definition as MySQL reads it back, with its NOT NULL, for suggested
    SQL: the one written (its type, UNSIGNED, character set, default, comment...), or its
    type (an ENUM or SET with its members); a stand-in when the column is unknown."""
    if column is None:
        return type_stand_in(name)  # MySQL has no user-defined types: an error if run as is
    if column.definition:
        return column.definition + " NOT NULL" * column.not_null
    if column.members:
        return f"{column.type_name}({', '.join(map(quote_literal, column.members))})"
    if column.type_name in _INTEGER_TYPES and column.type_name.startswith("u"):
        return f"{column.type_name[1:]} unsigned"  # sqlglot's UINT is MySQL's INT UNSIGNED
    return type_sql(column.type_name, column.typmods, False)


#: What a column definition says that a copy of the column (a suggested ADD COLUMN, MODIFY)
#: restates, after its type; NULL / NOT NULL are the Column's own.
_RESTATED = ("ZeroFillColumnConstraint", "CharacterSetColumnConstraint",
             "CollateColumnConstraint", "DefaultColumnConstraint", "OnUpdateColumnConstraint",
             "CommentColumnConstraint")


@cache
def _mysql_generator():
    """One sqlglot MySQL generator for every column definition: `node.sql("mysql")` builds a
    new one each call, six times slower (a dump's CREATE TABLEs have thousands of columns)."""
    from sqlglot.dialects.mysql import MySQL

    return MySQL().generator()


def _definition_sql(coldef) -> str | None:
    """The column's definition as MySQL writes it, for Column.definition: its type with
    UNSIGNED, then _RESTATED in that order; None when sqlglot read no type."""
    kind = coldef.args.get("kind")
    if kind is None:
        return None
    # FLOAT UNSIGNED, which sqlglot cannot read: parse/mysql.py kept its UNSIGNED aside
    parts = [_rendered(kind) + " UNSIGNED" * bool(coldef.meta.get("unsigned"))]
    restated = [(_RESTATED.index(name), c) for c in coldef.args.get("constraints") or ()
                if (name := type(c.args.get("kind")).__name__) in _RESTATED]
    parts += [_rendered(c) for _, c in sorted(restated, key=lambda pair: pair[0])]
    return " ".join(parts)


#: Rendered types and column attributes by their shape (_shape): a dump writes the same few
#: (`int(11) unsigned`, `DEFAULT NULL`, `COLLATE utf8mb4_unicode_ci`) thousands of times.
_RENDERED: dict[tuple, str] = {}


def _shape(node) -> tuple | None:
    """A key that stands for what `node` renders as, when it is a type whose parameters are
    literals or an attribute whose value is a literal or a name; None otherwise."""
    from sqlglot import exp

    if isinstance(node, exp.DataType):
        params = []
        for param in node.expressions:
            value = param.this if isinstance(param, exp.DataTypeParam) else param
            if not isinstance(value, exp.Literal):
                return None
            params.append((value.this, value.is_string))
        return ("type", node.this, tuple(params))
    value = node.args.get("kind")
    value = value.this if value is not None else None
    if isinstance(value, exp.Literal) and (not value.is_string or len(value.this) <= 40):
        return (type(node.args["kind"]).__name__, value.this, value.is_string)
    if isinstance(value, (exp.Var, exp.Identifier, exp.Null)) or value is None:
        return (type(node.args.get("kind")).__name__, type(value).__name__,
                value.name if value is not None else "")
    return None  # a long string (a comment), an expression: rendered each time


def _rendered(node) -> str:
    """`node` as MySQL writes it, through one generator, remembered by its shape."""
    key = _shape(node)
    if key is None:
        return _mysql_generator().sql(node)
    if (text := _RENDERED.get(key)) is None:
        text = _RENDERED[key] = _mysql_generator().sql(node)
    return text


def _column(coldef) -> Column:
    type_name, mods, charset = _column_type(coldef)
    kinds = _constraint_kinds(coldef)
    generated = _generated(coldef, kinds)
    return Column(coldef.name.lower(), type_name, mods, definition=_definition_sql(coldef),
                  not_null=bool({"NotNullColumnConstraint", "PrimaryKeyColumnConstraint",
                                 "AutoIncrementColumnConstraint"} & kinds),
                  charset=charset, auto_increment="AutoIncrementColumnConstraint" in kinds,
                  mysql_default=_constant(default.this) if (
                      default := _column_default(coldef)) is not None else None,
                  collation=_collation(coldef),
                  members=_members(coldef), generated=bool(generated),
                  virtual=generated == "virtual", compressed=bool(coldef.meta.get("compressed")))


def _table_charset(expr, database: tuple[str | None, str | None]
                   ) -> tuple[str | None, str | None] | None:
    """The default character set and collation a CREATE TABLE names, in its database whose
    default is `database` (_default_charset; None when it names neither)."""
    props = expr.args.get("properties")
    return _default_charset(props.expressions if props is not None else (), database[0],
                            database)


def _default_charset(options, current: str | None,
                     database: tuple[str | None, str | None]
                     ) -> tuple[str | None, str | None] | None:
    """The default character set and collation table options set (lower case; None when they
    name neither; a None collation is the set's own default). A COLLATE alone names its
    character set too (`latin1_bin` is latin1's; MariaDB 10.11: `CREATE TABLE ... COLLATE
    latin1_bin` is DEFAULT CHARSET=latin1). `CHARACTER SET DEFAULT` is the set of the table's
    database (its default `database`, (None, None) when the replay does not know it: the
    server's), `COLLATE DEFAULT` the default collation of the set, `current` (the table's, or
    the database's for a CREATE) unless the options name another: MariaDB 10.11 checked, a
    utf8mb4_bin database's `CREATE TABLE ... DEFAULT CHARSET = DEFAULT` is utf8mb4 with
    utf8mb4_general_ci, as `ALTER TABLE ... DEFAULT CHARACTER SET DEFAULT` of its latin1
    table (MySQL 8.4 manual, 15.1.9 "ALTER TABLE Statement": "If you specify CONVERT TO
    CHARACTER SET DEFAULT, the database character set is used"; not run on MySQL)."""
    found = {type(option).__name__: option.name.lower() for option in options}
    charset, collation = found.get("CharacterSetProperty"), found.get("CollateProperty")
    if charset is None and collation is None:
        return None
    collation = None if collation == "default" else collation and _collation_name(collation)
    if charset == "default":
        charset = database[0]
    elif charset is None:
        charset = (_collation_charset(collation) or current) if collation else current
    return (charset and _charset_name(charset), collation)


def _created_table(expr, migration_id: str, flavour: str = "mysql",
                   database_default: tuple[str | None, str | None] = (None, None),
                   server_charset: str | None = None) -> Table:
    """The table a CREATE TABLE (a sqlglot tree) makes: its columns, primary key, indexes
    and foreign keys, and how it is partitioned; naming no character set nor collation, it
    takes its database's `database_default` (the server's when that is unknown; its set
    `server_charset`, sizing a TEXT(n): _size_text)."""
    from sqlglot import exp

    from lockwise.parse.mysql import partition_names, subpartitioned

    copied = expr.args.get("expression") is not None or expr.find(exp.LikeProperty) is not None
    table = Table(_table_name(expr.this),
                  kind="partitioned" if expr.meta.get("partitioned") else "table",
                  # a copy of another table (LIKE, AS SELECT): not every constraint is known
                  created_by=None if copied else migration_id,
                  row_versions_from_start=True,
                  partition_strategy=expr.meta.get("partitioned") or "",
                  partition_key=expr.meta.get("partition_key") or (),
                  partition_names=partition_names(expr.meta["partitioning"])
                  if expr.meta.get("partitioning") else None,
                  subpartitioned=subpartitioned(expr.meta.get("partitioning") or ""))
    named = _table_charset(expr, database_default)
    charset, collation = named if named is not None else database_default
    table.charset = charset and _charset_name(charset)
    table.collation = collation and _collation_name(collation)
    table.compressed = _compressed(expr.args.get("properties"), created=True) or False
    table.engine = _engine(expr.args.get("properties")) or ""
    schema = expr.this if isinstance(expr.this, exp.Schema) else None
    key: tuple[str, ...] = ()
    for col in (schema.expressions if schema is not None else ()):
        # `CONSTRAINT pk PRIMARY KEY (...)`: the name is the server's to drop (PRIMARY)
        element = col.expressions[0] if isinstance(col, exp.Constraint) and col.expressions \
            and isinstance(col.expressions[0], exp.PrimaryKey) else col
        if isinstance(col, exp.ColumnDef):
            column = _column(col)
            _take_table_charset(column, table, None, _binary_attribute(col))
            _size_text(column, server_charset)
            table.columns[column.name] = column
            if "PrimaryKeyColumnConstraint" in _constraint_kinds(col):
                key = (column.name,)
            if "UniqueColumnConstraint" in _constraint_kinds(col):
                keys.record(table, "", (column.name,), True)
        elif isinstance(element, exp.PrimaryKey):
            key = tuple(_name(part.this if isinstance(part, exp.Ordered) else part)
                        for part in element.expressions)
        elif fulltext.is_fulltext(col):
            fulltext.add_index(table, col)
        elif index := keys.key_of(col):
            keys.record(table, *index)
    if key:  # the batched backfill walks it
        table.constraints["PRIMARY"] = Constraint("PRIMARY", "primary", key)
    for col in (schema.expressions if schema is not None else ()):
        if foreign_key := keys.foreign_key_of(col):
            keys.record_foreign_key(table, *foreign_key)
    _record_checks(table, schema.expressions if schema is not None else (), flavour,
                   creating=True)
    return table


def like_copy(source: Table, name: str, migration_id: str, flavour: str) -> Table:
    """The table `CREATE TABLE name LIKE source` makes: the source's columns, primary key,
    indexes (a foreign key's own index too), FULLTEXT indexes, CHECK constraints,
    partitioning, engine and options, but no foreign key and no row (checked on MariaDB
    10.11; MySQL's manual, "CREATE TABLE ... LIKE Statement": it "does not preserve ... any
    foreign key definitions"). MySQL generates every copied CHECK's name (the manual), which
    lockwise names `<name>_chk_<n>` in order without having seen it: such a copy's constraint
    names are not judged (`created_by` None), as a copy of a table whose definition the
    replay does not know."""
    from copy import deepcopy

    copy = deepcopy(source)
    copy.name = name
    copy.constraints = {key: c for key, c in copy.constraints.items() if c.kind != "foreign"}
    checks = [c for c in copy.constraints.values() if c.kind == "check"]
    renamed = flavour == "mysql" and bool(checks)
    if renamed:
        bare = name.split(".")[-1]
        others = {k: c for k, c in copy.constraints.items() if c.kind != "check"}
        for n, check in enumerate(checks, 1):
            check.name = f"{bare}_chk_{n}"
            others[check.name] = check
        copy.constraints = others
    copy.created_by = migration_id if source.created_by is not None and not renamed else None
    copy.known_from_use = False
    copy.row_versions, copy.row_versions_from_start = 0, True
    return copy


def _engine(properties) -> str:
    """The storage engine table options `properties` name, lower case ("" when none)."""
    return next((option.name.lower() for option in
                 getattr(properties, "expressions", None) or properties or ()
                 if type(option).__name__ == "EngineProperty"), "")


def _fulltext_on_temporary(b: _Builder, base: dict, table: Table | None) -> None:
    """A FULLTEXT index on a TEMPORARY InnoDB table (the default engine of one): refused,
    error 1796, "Cannot create FULLTEXT index on temporary InnoDB table" (MySQL's
    ER_INNODB_NO_FT_TEMP_TABLE; checked on MariaDB 10.11, where a MyISAM one takes it)."""
    if table is None or table.engine in ("", "innodb"):
        b.act("mysql_fulltext_on_temporary_table", base)


def _compressed(properties, created: bool = False) -> bool | None:
    """Whether the table options `properties` (a CREATE TABLE's, or ALTER TABLE's) make InnoDB
    store the table compressed; None when they do not say. A KEY_BLOCK_SIZE without a
    ROW_FORMAT compresses a table created so (MySQL manual, "CREATE TABLE Statement",
    KEY_BLOCK_SIZE; checked on MariaDB 10.11)."""
    row_format, key_block_size = None, False
    for option in getattr(properties, "expressions", None) or properties or ():
        if type(option).__name__ == "RowFormatProperty":
            row_format = option.name.upper() == "COMPRESSED"
        elif type(option).__name__ == "Property" and option.name.upper() == "KEY_BLOCK_SIZE":
            value = option.args.get("value")
            key_block_size = value is not None and value.name not in ("0", "")
    if row_format is None and created:
        return key_block_size
    return row_format


def _record_checks(table: Table, elements, flavour: str, creating: bool = False) -> None:
    """Record the CHECK constraints among a CREATE TABLE's elements (or an ALTER's ADD COLUMN /
    ADD CONSTRAINT), in order: name, the columns it reads, whether it is enforced, and its
    expression as written. An unnamed one is named as the server names it (_generated_check)."""
    from sqlglot import exp

    from lockwise.catalog.model import Constraint

    # MySQL counts the names it generates from 0 in a CREATE TABLE, from the greatest the
    # table has in an ALTER (sql_table.cc: cc_max_generated_number)
    prefix = f"{table.name.split('.')[-1]}_chk_"
    generated = 0 if creating else max(
        (int(name[len(prefix):]) for name, c in table.constraints.items()
         if c.kind == "check" and name.startswith(prefix) and name[len(prefix):].isdigit()),
        default=0)
    for element in elements:
        found: list[tuple[str, exp.Expression, str]] = []
        if isinstance(element, exp.ColumnDef):
            found = [(_name(con.this) if con.this is not None else "", con.args["kind"],
                      element.name.lower())
                     for con in element.args.get("constraints") or ()
                     if isinstance(con.args.get("kind"), exp.CheckColumnConstraint)]
        elif isinstance(element, exp.Constraint) and element.expressions and \
                isinstance(element.expressions[0], exp.CheckColumnConstraint):
            found = [(_name(element.this) if element.this is not None else "",
                      element.expressions[0], "")]
        elif isinstance(element, exp.CheckColumnConstraint):
            found = [("", element, "")]
        for name, check, column in found:
            column_check = not name and bool(column) and flavour == "mariadb"
            if not name and flavour == "mariadb":
                # a column's CHECK is the field's own (its name the column's); a table's is
                # CONSTRAINT_<n>, the lowest n free (checked on MariaDB 10.11)
                name = column or next(f"CONSTRAINT_{n}" for n in range(1, len(
                    table.constraints) + 2) if f"CONSTRAINT_{n}" not in table.constraints)
            elif not name:
                generated += 1
                name = f"{prefix}{generated}"
            reads = tuple(sorted({_name(column) for column in check.find_all(exp.Column)}))
            table.constraints[name] = Constraint(
                name, "check", reads, enforced=not check.meta.get("not_enforced"),
                check_sql=check.this.sql(dialect="mysql") if check.this is not None else "",
                column_check=column_check)


def end_session(catalog: Catalog, session: MySQLSession) -> None:
    """The schema once `session` ends (lockwise keeps one per migration file): the server
    drops the session's TEMPORARY tables."""
    for name in [t for t in catalog.tables if t.split(".")[-1] in session.temporary_tables]:
        del catalog.tables[name]
    session.temporary_tables.clear()
    session.shadowing_tables.clear()


def _placed(table: Table, session: MySQLSession) -> None:
    """`table` just renamed: to a bare name, it is in the session's database (RENAME TABLE
    d.t TO u makes <USE>.u, checked on MariaDB 10.11); a qualified name gives its own."""
    table.database = table.name.partition(".")[0] if "." in table.name else session.database


def _created_key(name: str, session: MySQLSession) -> tuple[str, str | None]:
    """The catalog's key for a table created as `name`, and its database: `b.t` created
    while the session uses b is the bare t, as the statements after it name it (checked on
    MariaDB 10.11); another qualified name keeps its key until a USE of its database
    (_tables_seen_from)."""
    database, dot, _ = name.rpartition(".")
    return _key(name, session), database if dot else session.database


def _key(name: str, session: MySQLSession, catalog: Catalog | None = None) -> str:
    """The catalog's key for the table `name` (as _clean and _table_name read it) names: `b.t`
    is the bare t while the session uses b (checked on MariaDB 10.11), or when the catalog
    keys a table of b bare (created there, the session's database unknown since)."""
    database, dot, bare = name.rpartition(".")
    if not dot or (catalog is not None and name in catalog.tables):
        return name
    known = catalog.tables.get(bare) if catalog is not None else None
    if database == session.database or (known is not None and known.database == database):
        return bare
    return name


def _in_session(tree: dict, catalog: Catalog, session: MySQLSession) -> dict[str, str]:
    """The statement's tables named with a database the catalog keys them without (_key):
    the database left out of the tree, so that every look-up (ALTER, DROP, RENAME, an
    index's table, a foreign key's REFERENCES, a DML target) finds the table. Returns how
    each was written, by its key (`t`: `b.t`), kept in the tree for the findings. A CREATE
    TABLE's own name keeps a database other than the session's: the table is in that one."""
    from sqlglot import exp

    qualified = tree.setdefault("qualified", {})
    expr = tree["sqlglot"]["expr"]
    created = expr.this.this if isinstance(expr, exp.Create) and isinstance(
        expr.this, exp.Schema) else expr.this if isinstance(expr, exp.Create) else None
    for table in expr.find_all(exp.Table) if isinstance(expr, exp.Expression) else ():
        if not table.db or table.args.get("catalog") is not None:
            continue
        name = _table_name(table)
        key = _key(name, session, catalog)
        if key != name and (table is not created or name.partition(".")[0] ==
                            session.database):
            qualified[key] = name
            table.set("db", None)
    return qualified


#: The key of a table of the connection's (unknown) database while a table of the session's
#: has its bare name (_tables_seen_from): no statement's name reaches it.
_UNREACHED = "(connection)."


def _tables_seen_from(catalog: Catalog, session: MySQLSession) -> None:
    """The catalog after USE of the session's (new) database: it keys the tables of that
    database by their bare names, as the statements after the USE name them, and those
    created (or renamed) unqualified in another database by `db.name`, as they must be named
    now; a table created qualified, or whose database is unknown, keeps its key. A table of
    the new database takes its bare name from one whose database is unknown (the
    connection's, which is not that one: `CREATE TABLE b.t` beside it ran), which no name
    reaches then and which has its bare name back once it is free again. Another name taken
    under the new key leaves the table where it is."""
    database = session.database
    moves = []
    for key, table in catalog.tables.items():
        if table.database is None:
            if key.startswith(_UNREACHED):
                moves.append((table, key[len(_UNREACHED):]))
            continue
        if "." not in key and table.database != database:
            moves.append((table, f"{table.database}.{key}"))
        elif key.partition(".")[0] == database and "." in key:
            moves.append((table, key.partition(".")[2]))
    for table, new in moves:
        if (taken := catalog.tables.get(new)) is not None and taken.database is None and \
                table.database is not None:
            _rename_table(catalog, taken, _UNREACHED + new, session.flavour)
        if new not in catalog.tables:
            if table.name in session.new_tables:
                session.new_tables.add(new)
            _rename_table(catalog, table, new, session.flavour)


def _renamed_away(catalog: Catalog, session: MySQLSession, old: str) -> None:
    """The table the catalog keys `old` renamed: no longer there under that name, unless it
    was a TEMPORARY table of the session, which may have hidden a permanent one of its name
    (the rename is _rename_table; a key moved by a USE is no rename)."""
    if old.split(".")[-1] not in session.temporary_tables:
        catalog.mysql_dropped_tables |= {dropped_name(old, session.database)}


def _rename_temporary(session: MySQLSession, old: str, new: str) -> None:
    """A rename of a TEMPORARY table: the session's table has the new name only."""
    if old.split(".")[-1] in session.temporary_tables:
        session.temporary_tables.discard(old.split(".")[-1])
        session.temporary_tables.add(new.split(".")[-1])


def _rename_table(catalog: Catalog, table: Table, new: str, flavour: str) -> None:
    """`table` under the name `new` (RENAME TABLE, ALTER TABLE ... RENAME TO). The names that
    begin with `<old>_ibfk_` (foreign keys) and, on MySQL, `<old>_chk_` (CHECKs), generated
    or written so, begin with `<new>_` instead (MySQL 8.0 manual, 15.1.9 "ALTER TABLE
    Statement", Foreign Keys and Other Constraints; sql/dd/dd_table.cc, rename_check_
    constraints; MariaDB's CHECK names do not carry the table's, its foreign keys' do:
    checked on 10.11), and the foreign keys that reference it follow it ("RENAME TABLE
    Statement")."""
    old = table.name
    catalog.move_table(table, new)
    programs.table_renamed(catalog, old, new)
    kinds = {"foreign": "_ibfk_", **({"check": "_chk_"} if flavour == "mysql" else {})}
    renamed: dict[str, Constraint] = {}
    for name, con in table.constraints.items():
        if (infix := kinds.get(con.kind)) and name.startswith(
                prefix := old.split(".")[-1] + infix) and name != prefix:
            name = new.split(".")[-1] + infix + name[len(prefix):]
            con = replace(con, name=name)
        renamed[name] = con
    table.constraints = renamed
    for other in catalog.tables.values():
        for name, con in other.constraints.items():
            if con.kind == "foreign" and con.references == old:
                other.constraints[name] = replace(con, references=new)


def _rename_in_constraints(catalog: Catalog, table: Table, old: str, new: str) -> None:
    """A renamed column in the constraints that name it: the table's primary key, UNIQUE
    constraints and foreign keys, and the foreign keys of the tables that reference it
    (both servers; checked on MariaDB 10.11, whose information_schema names the new column
    in each), and MariaDB's CHECK constraints (checked on 10.11; MySQL refuses the rename,
    error 3959, and the statement is not replayed)."""
    if old == new:
        return
    for name, con in list(table.constraints.items()):
        if con.kind == "check" and old in con.columns:
            table.constraints[name] = replace(
                con, columns=tuple(sorted({new if c == old else c for c in con.columns})),
                check_sql=_renamed_in(con.check_sql, old, new))
        elif old in con.columns:
            table.constraints[name] = replace(
                con, columns=tuple(new if c == old else c for c in con.columns))
    for _, key in catalog.referencing(table.name):
        key.ref_columns = tuple(new if c == old else c for c in key.ref_columns)


def _renamed_in(check_sql: str, old: str, new: str) -> str:
    """A CHECK's expression (as MySQL writes it) with the column `old` named `new`."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:  # sqlglot wrote it; "" (not known) if it cannot read it back
        tree = sqlglot.parse_one(check_sql, read="mysql") if check_sql else None
    except SqlglotError:
        tree = None
    if tree is None:
        return ""
    for column in tree.find_all(exp.Column):
        if _name(column) == old:
            column.set("this", exp.to_identifier(new))
    return tree.sql(dialect="mysql")


def apply_mysql_statement(catalog: Catalog, tree: dict, migration_id: str,
                          session: MySQLSession) -> None:
    """Move the catalog past one MySQL statement."""
    with utf8_reading(session):
        _replay_statement(catalog, tree, migration_id, session)


def _replay_statement(catalog: Catalog, tree: dict, migration_id: str,
                      session: MySQLSession) -> None:
    """apply_mysql_statement, `utf8` read as the session's server does."""
    from sqlglot import exp

    catalog.column_types = None  # (filed again when asked: a column may change)

    expr = tree["sqlglot"]["expr"]
    used = session.database
    note_database_options(catalog, session, tree["sqlglot"]["sql"], _clean)

    def key(written: str) -> str:  # a table's name as the text writes it: the catalog's key
        return _key(_clean(written), session, catalog)

    if (program := tree.get("program")) is not None:
        # CREATE [OR REPLACE] PROCEDURE / FUNCTION: its body runs at each CALL (each statement
        # that calls the function), in a later migration too; a trigger's or event's name
        # is taken
        kept = programs.remember(catalog, program, tree["sqlglot"]["sql"], key,
                                 session.database)
        if kept is not None and kept["kind"] != "event":  # (what its body calls: indexed)
            from lockwise.effects.mysql_callers import note_callers

            note_callers(catalog, kept)
    elif programs.forget(catalog, tree["sqlglot"]["sql"], session.database) or \
            programs.database_statement(catalog, session, tree["sqlglot"]["sql"], _clean):
        if session.database is not None and session.database != used:  # USE another one
            _tables_seen_from(catalog, session)
        return
    if isinstance(expr, exp.Command) and (m := _ALTER_TABLE.match(tree["sqlglot"]["sql"])) \
            and (altered := catalog.tables.get(key(m.group("table")))) is not None:
        # an ALTER read from its text: the clauses sqlglot reads alone (CONVERT TO and the
        # partitioning below are read from the text)
        from lockwise.parse.mysql import alter_operations_text

        for clause in alter_operations_text(tree["sqlglot"]["sql"]):
            if (clause_tree := _clause_tree(m.group("table"), clause)) is not None:
                if any(isinstance(action, exp.AlterRename)
                       for action in clause_tree.args.get("actions") or ()):
                    _renamed_away(catalog, session, key(m.group("table")))
                _apply_alter_actions(catalog, altered, clause_tree, session.flavour,
                                     _server_charset(session))
    if session.flavour == "mariadb" and (m := _ALTER_TABLE.match(tree["sqlglot"]["sql"])) and \
            (versioning := _VERSIONING_CHANGE.search(code_only(tree["sqlglot"]["sql"]))) and \
            (versioned := catalog.tables.get(key(m.group("table")))) is not None:
        versioned.system_versioned = versioning.group(1).upper() == "ADD"
    if session.flavour == "mariadb" and (m := _ALTER_TABLE.match(tree["sqlglot"]["sql"])) and \
            (altered := catalog.tables.get(key(m.group("table")))) is not None:
        page_compression.apply_options(altered, tree["sqlglot"]["sql"])
    if (m := _ALTER_TABLE.match(tree["sqlglot"]["sql"])) and \
            (altered := catalog.tables.get(key(m.group("table")))) is not None:
        altered.partition_names = partition_ops.partitions_after(altered.partition_names,
                                                                 tree["sqlglot"]["sql"])
    if isinstance(expr, exp.Create) and (expr.args.get("kind") or "").upper() == "TABLE" \
            and expr.args.get("exists") and existing_table(catalog, expr, session):
        pass  # IF NOT EXISTS of a table there: the server keeps it as it is
    elif isinstance(expr, exp.Create) and (expr.args.get("kind") or "").upper() == "TABLE":
        name, database = _created_key(_table_name(expr.this), session)
        if expr.find(exp.TemporaryProperty) is not None and name in catalog.tables and \
                name.split(".")[-1] not in session.temporary_tables:
            session.shadowing_tables.add(name.split(".")[-1])
        like = expr.find(exp.LikeProperty)
        source = catalog.tables.get(_table_name(like.this)) if like is not None else None
        catalog.tables[name] = _created_table(
            expr, migration_id, session.flavour, database_default(catalog, database),
            _server_charset(session)) \
            if source is None else like_copy(source, name, migration_id, session.flavour)
        catalog.tables[name].name = name
        for selected, column in _selected_columns(expr.expression, catalog).items():
            # AS SELECT: its columns whose type is known, no key; a string column keeps its
            # source's character set and collation, whatever the new table's default (its
            # database's, or the one it names: MariaDB 10.11 checked; a later MODIFY naming
            # none re-encodes it into that default, a copy)
            if column.type_name:
                catalog.tables[name].columns.setdefault(selected, column)
        catalog.tables[name].engine = _created_engine(expr, catalog.tables[name].engine,
                                                      catalog, session)
        # the database DROP DATABASE drops it with, and USE keys it by (_tables_seen_from)
        catalog.tables[name].database = database
        catalog.tables[name].system_versioned = session.flavour == "mariadb" and (
            _WITH_VERSIONING.search(code_only(tree["sqlglot"]["sql"])) is not None or
            source is not None and source.system_versioned)
        page_compression.apply_options(
            catalog.tables[name], tree["sqlglot"]["sql"], session.flavour == "mariadb"
            and session.compression_default and catalog.tables[name].engine in ("", "innodb"))
        session.new_tables.add(name)
        catalog.mysql_refused_tables -= {dropped_name(name, session.database)}
        if expr.find(exp.TemporaryProperty) is not None:
            session.temporary_tables.add(name.split(".")[-1])
        else:
            session.temporary_tables.discard(name.split(".")[-1])
    elif isinstance(expr, exp.Alter):
        name = _table_name(expr.this)
        # a table made elsewhere: known from this ALTER on, its keys still unknown
        table = catalog.tables.setdefault(name, Table(name, known_from_use=True))
        limit = max_row_versions(session.version) if session.flavour == "mysql" else None
        planned = _replayed_plans(catalog, session, expr, name, tree["sqlglot"]["sql"]) if \
            table.fts_doc_id or (limit is not None and (
                table.row_versions or not table.row_versions_from_start or
                _changes_columns(expr))) else []
        session.last_alter = None
        rebuilt = any(p.rebuilds for _, p in planned)
        _apply_alter_actions(catalog, table, expr, session.flavour, _server_charset(session))
        for action in expr.args.get("actions") or ():
            if isinstance(action, exp.AlterRename):
                _renamed_away(catalog, session, name)
                _rename_temporary(session, name, _table_name(action.this))
                _placed(table, session)
        fulltext.after_statement(table, table.fts_doc_id and rebuilt)
        table.row_versions = 0 if rebuilt else table.row_versions + any(
            op in ROW_VERSION_OPERATIONS and p.algorithm == "INSTANT" for op, p in planned)
        table.row_versions_from_start |= rebuilt
        if engine := _engine(expr.args.get("options")):
            table.engine = engine
        if (compressed := _compressed(expr.args.get("options"))) is not None:
            table.compressed = compressed
    elif isinstance(expr, exp.Drop) and (expr.args.get("kind") or "").upper() == "TABLE":
        tables = [_table_name(t) for t in _dropped_tables(expr)]
        if not expr.args.get("temporary"):  # (MariaDB's refused DROP TABLE drops the rest)
            tables = _drop_outcome(catalog, session, tables,
                                   _missing_tables(catalog, session, tables))[0]
            catalog.mysql_dropped_tables |= {
                dropped_name(t, session.database) for t in tables
                if t.split(".")[-1] not in session.temporary_tables}
        for name in tables:
            catalog.tables.pop(name, None)
            programs.table_dropped(catalog, name)
            session.temporary_tables.discard(name.split(".")[-1])
            session.shadowing_tables.discard(name.split(".")[-1])
    elif isinstance(expr, exp.Drop) and (expr.args.get("kind") or "").upper() == "INDEX":
        on = catalog.tables.get(_table_name(expr.args.get("cluster") or expr.args.get("table")))
        if on is not None:
            on.fulltext.pop(_name(_dropped_tables(expr)[0]), None)
            on.keys.pop(_name(_dropped_tables(expr)[0]), None)
    elif isinstance(expr, exp.Create) and (expr.args.get("kind") or "").upper() == "INDEX":
        index = expr.this
        on = catalog.tables.get(_table_name(index.args.get("table")))
        params = index.args.get("params")
        if on is not None and params is not None:
            parts = params.args.get("columns")
            keys.record(on, _name(index), keys.columns_of(parts), bool(expr.args.get("unique")),
                        keys.on_prefix(parts))
    elif isinstance(expr, exp.Command) and (m := _RENAME_TABLE.match(tree["sqlglot"]["sql"])):
        pairs = _rename_pairs(tree["sqlglot"]["sql"], lambda name: _key(name, session, catalog))
        if not m.group("if_exists") and _renamed_missing(catalog, session, pairs):
            return  # (refused, 1146: renames none of its pairs)
        for old, new in pairs:
            if old in catalog.tables:
                _renamed_away(catalog, session, old)
                _rename_table(catalog, catalog.tables[old], new, session.flavour)
                _placed(catalog.tables[new], session)
            _rename_temporary(session, old, new)
    elif isinstance(expr, exp.Command) and (m := _OPTIMIZE.match(tree["sqlglot"]["sql"])):
        if (optimized := catalog.tables.get(key(m.group("table")))) is not None:
            fulltext.after_statement(optimized, rebuilt=True)  # InnoDB's OPTIMIZE rebuilds
            optimized.row_versions = 0
            optimized.row_versions_from_start = True
    elif isinstance(expr, exp.Command) and (m := _CONVERT.match(tree["sqlglot"]["sql"])):
        _convert_columns(catalog, session, catalog.tables.get(key(m.group("table"))),
                         m.group("charset"), m.group("collation"))
    elif isinstance(expr, exp.Command) and (
            m := _CONVERT_PARTITION.match(tree["sqlglot"]["sql"])):
        _convert_partition(catalog, session, key(m.group("table")), m.group("made"),
                           m.group("moved") and key(m.group("moved")))
    elif isinstance(expr, exp.Command) and (m := _PARTITIONING.match(tree["sqlglot"]["sql"])):
        if (partitioned := catalog.tables.get(key(m.group("table")))) is not None:
            partitioned.kind = "table" if m.group("remove") else "partitioned"
            from lockwise.parse.mysql import (
                PARTITION_KIND,
                partition_key,
                partition_names,
                subpartitioned,
            )

            by = PARTITION_KIND.search(tree["sqlglot"]["sql"])
            partitioned.partition_strategy = by.group(1).lower() if by and not m.group(
                "remove") else ""
            partitioned.partition_key = partition_key(tree["sqlglot"]["sql"])
            partitioned.partition_names = None if m.group("remove") else partition_names(
                code_only(tree["sqlglot"]["sql"]))
            partitioned.subpartitioned = not m.group("remove") and subpartitioned(
                code_only(tree["sqlglot"]["sql"]))
    elif isinstance(expr, exp.Command) and (m := _CREATE_INDEX.match(tree["sqlglot"]["sql"])):
        name, index = key(m.group("table")), _clean(m.group("name"))
        catalog.indexes[f"{name}.{index}"] = Index(f"{name}.{index}", name)
        kind = (m.group("kind") or "").strip().upper()
        written = keys.read_index(tree["sqlglot"]["sql"][m.end():])
        if kind == "FULLTEXT" and name in catalog.tables:
            fulltext.record(catalog.tables[name], index, written.columns)
        elif name in catalog.tables:
            keys.record(catalog.tables[name], index, written.columns, kind == "UNIQUE",
                        written.prefix)


def _convert_partition(catalog: Catalog, session: MySQLSession, key: str, made: str | None,
                       moved: str | None) -> None:
    """CONVERT PARTITION p TO TABLE `made`: a plain table with the definition of the table
    keyed `key` (its columns, keys and CHECK constraints; checked on MariaDB 10.11), new when
    that one is; CONVERT TABLE `moved` (its key) TO PARTITION: that table is gone."""
    import copy

    if moved is not None:
        catalog.tables.pop(moved, None)
        programs.table_dropped(catalog, moved)
        session.temporary_tables.discard(moved.split(".")[-1])
        return
    source = catalog.tables.get(key)
    if source is None or made is None:
        return
    name, database = _created_key(_clean(made), session)
    table = copy.deepcopy(source)
    table.name, table.database, table.kind = name, database, "table"
    table.partition_strategy, table.partition_key = "", ()
    catalog.tables[name] = table
    if key in session.new_tables:
        session.new_tables.add(name)


#: One operation of an ALTER TABLE that is a CONVERT TO CHARACTER SET, whatever the others.
_CONVERT_CLAUSE = re.compile(rf"^\s*{_CONVERT_NAMES}\s*;?\s*$", re.I)
#: A CONVERT TO that re-encodes no column changes the table's default only: on MySQL the
#: table option `CHARACTER SET = x` is (in place; beside other in-place work a rebuild); on
#: MariaDB nothing InnoDB sees, instant beside a RENAME COLUMN or a VARCHAR's widening, which
#: a bare `CHARACTER SET = x` makes NOCOPY (fix-mysql64; CONVERT's checked on 10.11, the
#: table's old default the same set or another): no table option there (fix-mysql71).
_CONVERT_UNCHANGED = {"mysql": "set_default_charset", "mariadb": "metadata_only"}


def _modifies_beside(sql: str) -> bool:
    """Whether the ALTER TABLE `sql` has a MODIFY or CHANGE clause: the server gives its
    column the character set of a CONVERT TO beside it (MariaDB 10.11: SHOW CREATE TABLE),
    which its operations, judged against the table's default, do not see: such an ALTER's
    CONVERT stays a copy."""
    from lockwise.parse.mysql import alter_operations_text

    return any(clause.split(None, 1)[0].upper() in ("MODIFY", "CHANGE")
               for clause in alter_operations_text(sql) if clause.strip())


def _convert_charset(catalog: Catalog, table: Table, charset: str,
                     collation: str | None) -> tuple[str, str | None]:
    """The character set and collation CONVERT TO CHARACTER SET `charset` [COLLATE
    `collation`] gives `table` and its string columns, by their own names (lower case):
    DEFAULT is its database's default character set (MariaDB 10.11 checked; MySQL's manual,
    "ALTER TABLE Statement"), "" when the replay does not know it; the collation None when
    none is written (the character set's default)."""
    charset = _clean(charset.strip("'\""))  # (quoted or not: _CONVERT_NAMES)
    if charset == "default":
        charset = database_default(catalog, table.database)[0] or ""
    collation = collation and _clean(collation.strip("'\""))
    charset, collation = _charset_name(charset), None if not collation or \
        collation == "default" else _collation_name(collation)
    if collation and charset and _collation_charset(collation) is None:
        collation = f"{charset}_{collation}"  # (MariaDB's uca1400_ai_ci: the set's own)
    return charset, collation


def _convert_changes(b: _Builder, table: Table, charset: str,
                     collation: str | None) -> list[tuple[str, dict]] | None:
    """What a CONVERT TO CHARACTER SET alone in its ALTER does to each string column of
    `table`, as a MODIFY giving it that character set and collation would (fix-mysql70): []
    when every column has both already, and then it only changes the table's default, as
    `CHARACTER SET = x` does (InnoDB ignores ALTER_CONVERT_TO itself; MySQL 8.0 manual,
    "Online DDL Operations", 15.12.1: it rebuilds the table "if the new character encoding
    is different"; MariaDB 10.11 checked: ALGORITHM=INSTANT runs, the table's default of
    another character set or not); a collation change alone in the same character set is
    the column's (`_collation_operation`: INSTANT, or NOCOPY for an indexed column, COPY
    for a primary key's or an ENUM / SET's, all checked on MariaDB 10.11). None when a
    column is re-encoded, or its character set or the converted one is not known, or the
    COLLATE is not of the character set (refused, error 1253): the copy. MariaDB's JSON is a
    LONGTEXT, converted with the others (checked): a copy too."""
    charset, collation = _convert_charset(b.catalog, table, charset, collation)
    charset = charset or _server_charset(b.session)  # (DEFAULT, the database's not known)
    if collation and _collation_charset(collation) != charset:
        return None
    defaults = _default_collations(b.session.flavour, b.session.version)
    changes: list[tuple[str, dict]] = []
    for column in table.columns.values():
        if b.session.flavour == "mariadb" and column.type_name == "json":
            return None
        if column.type_name not in _STRING_TYPES:
            continue
        old = _with_server_charset(column, b.session)
        if old is None:
            return None
        if _charset_name(old.charset or "") != charset:
            # (CONVERT makes a TINYTEXT / TEXT / MEDIUMTEXT the next size up, and an ENUM /
            # SET's members are its type: a copy, 10.11)
            widened = _mariadb_widening(old, old.typmods, charset, collation, table, defaults) \
                if b.session.flavour == "mariadb" and \
                column.type_name in ("char", "varchar", "longtext") else None
            if widened is None:
                return None
            changes.append((widened, {"column": column.name}))
            continue
        if not _changes_to_default(old, charset, collation, defaults):
            continue
        op = "change_column_type" if column.type_name in ("enum", "set") else \
            _collation_operation(True, old, table)
        changes.append((op or "change_column_type", {"column": column.name}))
    return changes


def _take_table_charset(column: Column, table: Table, previous: Column | None,
                        binary: bool = False) -> None:
    """The character set and collation of a string column a CREATE / ADD / MODIFY / CHANGE
    wrote without them: the table's defaults when known, else the character set the column
    had (and that set's default collation); a COLLATE alone names its character set, a
    CHARACTER SET alone takes its own default collation (MariaDB 10.11 checked, even when
    the table's is another collation of the same set; _changes_to_default). `binary`: the
    column has the BINARY attribute, the `_bin` collation of the character set it takes."""
    if column.type_name not in _STRING_TYPES or column.charset is not None:
        return
    if column.collation is not None and (named := _collation_charset(column.collation)):
        column.charset = named
    elif table.charset is not None:  # (a collation of no character set, uca1400_ai_ci, kept)
        column.charset, column.collation = table.charset, column.collation or table.collation
    elif previous is not None:
        column.charset = previous.charset
    if binary and column.charset and not (column.collation or "").endswith("_bin"):
        column.collation = f"{column.charset}_bin"


#: The most bytes a TINY-, plain and MEDIUM- TEXT / BLOB holds (a LONG one any more)
_TEXT_SIZES = ((255, "tiny"), (65535, ""), (16777215, "medium"))


def _text_type(type_name: str, mods: tuple[int, ...], charset: str | None
               ) -> tuple[str, tuple[int, ...]]:
    """The type and modifiers of a TEXT(n) / BLOB(n) in `charset`: the smallest TEXT / BLOB
    type that holds n characters (n bytes for a BLOB), its set's most bytes per character
    counted (fix-mysql73; MariaDB 10.11, SHOW CREATE TABLE: TEXT(255) latin1, TEXT(85)
    utf8mb3, TEXT(63) utf8mb4 a TINYTEXT, one more a TEXT; TEXT(65535) latin1, TEXT(16383)
    utf8mb4 a TEXT; TEXT(0) a TEXT. MySQL 8.0 manual, "String Data Type Syntax", says the
    same). Any other type, or a TEXT whose set is not known, as it is."""
    if type_name not in ("text", "blob") or not mods:
        return type_name, mods
    charset = "binary" if type_name == "blob" else charset
    if not charset:
        return type_name, mods
    if not mods[0]:
        return type_name, ()
    octets = mods[0] * CHARSET_BYTES.get(charset, 4)
    return next((size for most, size in _TEXT_SIZES if octets <= most), "long") + type_name, ()


def _size_text(column: Column, server_charset: str | None) -> None:
    """A replayed TEXT(n) / BLOB(n) column as the server makes it (_text_type), in its
    character set, else `server_charset`."""
    column.type_name, column.typmods = _text_type(column.type_name, column.typmods,
                                                  column.charset or server_charset)


def _convert_columns(catalog: Catalog, session: MySQLSession, table: Table | None,
                     charset: str, collation: str | None) -> None:
    """CONVERT TO CHARACTER SET re-encodes every string column: later VARCHAR changes count
    their length bytes in the new encoding. DEFAULT is the table's database's default
    character set (_convert_charset), the server's when the replay does not know it (None:
    as a table that names none). A COLLATE written is the table's default collation and
    each string column's (MariaDB 10.11: SHOW CREATE TABLE), which later MODIFYs compare.
    A TINYTEXT, TEXT or MEDIUMTEXT going to a set of more bytes a character becomes the
    next size up (_TEXT_SIZE_UP), which a later MODIFY to its old type shrinks."""
    if table is None:
        return
    charset, collation = _convert_charset(catalog, table, charset, collation)
    table.charset, table.collation = charset or None, collation if charset else None
    wider = CHARSET_BYTES.get(charset or _server_charset(session))
    for column in table.columns.values():
        if column.type_name not in _STRING_TYPES:
            continue
        narrower = CHARSET_BYTES.get(_charset_name(
            _with_server_charset(column, session).charset or ""))
        if column.type_name in _TEXT_SIZE_UP and wider and narrower and wider > narrower:
            column.type_name = _TEXT_SIZE_UP[column.type_name]
        column.charset, column.collation = table.charset, table.collation


#: The type CONVERT TO gives a TEXT column when the new set takes more bytes a character
#: than the old: as many characters do not fit its length bytes (MariaDB 10.11, SHOW CREATE
#: TABLE: latin1, ucs2 or utf8mb3 to utf8mb4, latin1 to ucs2, ucs2 to utf8mb3; none to a set
#: as wide or narrower; MySQL's manual, "ALTER TABLE Statement", says the same of TEXT to
#: MEDIUMTEXT).
_TEXT_SIZE_UP = {"tinytext": "text", "text": "mediumtext", "mediumtext": "longtext"}


def _replayed_plans(catalog: Catalog, session: MySQLSession, expr, table: str,
                    sql: str) -> list[tuple[str, Plan]]:
    """Each operation of the ALTER `expr` of `table` and its plan, as compute_mysql_effect
    plans them (its ALGORITHM= clause included): those it left in the session, if it did."""
    if session.last_alter is not None and session.last_alter[:2] == (sql, table):
        return session.last_alter[2]
    builder = _Builder(session, catalog)
    operations = _alter_operations(builder, expr, table)
    clauses = _read_clauses(sql, operations, session.flavour)
    operations, plans, _ = builder.plan(table, operations, clauses.algorithm)
    if builder.copies(table, clauses, operations):
        plans = _copied(plans, operations, session.flavour)
    return [(op, p) for (op, _), p in zip(operations, plans, strict=True)]


def _constraint_drop(table: Table | None, name: str) -> str:
    """The operation DROP CONSTRAINT `name` is on `table`: the drop of the kind of constraint
    it names (MySQL 8.0.19+: "the constraint type is determined from the constraint name",
    MySQL 8.0 manual, 15.1.9 "ALTER TABLE Statement"; MariaDB checked on 10.11): a foreign
    key's, a UNIQUE key's (an index), else a CHECK's."""
    if table is not None and any(c.kind == "foreign" and n.lower() == name
                                 for n, c in table.constraints.items()):
        return "drop_foreign_key"
    if table is not None and table.keys.get(name, ((), False))[1]:
        return "drop_index"
    return "drop_check_constraint"


def _changes_column_text(sql: str) -> bool:
    """Whether the ALTER TABLE `sql` has a clause that adds, drops, modifies or changes a
    column (ADD [COLUMN], DROP [COLUMN], MODIFY, CHANGE; not RENAME COLUMN nor ALTER COLUMN,
    which MariaDB runs on a system-versioned table)."""
    from lockwise.parse.mysql import alter_operations_text

    for clause in alter_operations_text(sql):
        words = clause.upper().split()  # (a lock wait is blanked: parse/mysql.py)
        if words[:1] in (["MODIFY"], ["CHANGE"]) or words[:1] in (["ADD"], ["DROP"]) and \
                len(words) > 1 and words[1].strip("(`") and words[1] not in _NOT_A_COLUMN:
            return True
    return False


#: The storage engine a clause of an ALTER TABLE names (`ENGINE [=] name`, after other table
#: options of the clause, if any; not SECONDARY_ENGINE nor ENGINE_ATTRIBUTE).
_ENGINE_OPTION = re.compile(r"(?:\w+\s*=\s*\S+\s+)*ENGINE\b\s*(?:=\s*)?[`'\"]?(\w+)", re.I)


def _altered_engine(sql: str) -> str:
    """The storage engine the ALTER TABLE `sql` moves the table to, as written ("" when it
    names none)."""
    from lockwise.parse.mysql import alter_operations_text

    return next((found.group(1) for clause in alter_operations_text(sql)
                 if (found := _ENGINE_OPTION.match(clause.strip()))), "")


def _natively_versioned(engine: str) -> bool:
    """Whether `engine` (lower case, "" for the default) is InnoDB, whose system versioning
    MariaDB calls native (rows versioned by transaction id)."""
    return engine in ("", "innodb")


def _changes_columns(expr) -> bool:
    """Whether the ALTER `expr` adds or drops a column (a new row version, if instant)."""
    from sqlglot import exp

    return any(isinstance(action, exp.ColumnDef) or (
        isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN")
        for action in expr.args.get("actions") or ())


def _altered_default(catalog: Catalog, table: Table | None, expr
                     ) -> tuple[str | None, str | None] | None:
    """The default character set and collation the ALTER TABLE `expr` gives `table` (None
    when it names neither; DEFAULT: its database's, _default_charset)."""
    return _default_charset(expr.args.get("options") or (), table and table.charset,
                            database_default(catalog, table and table.database))


def _apply_alter_actions(catalog: Catalog, table: Table, expr, flavour: str,
                         server_charset: str) -> None:
    from sqlglot import exp

    # a new default (CHARACTER SET / COLLATE) first: the ALTER's own columns take it
    if (options := _altered_default(catalog, table, expr)) is not None:
        table.charset, table.collation = options
    for action in expr.args.get("actions") or ():
        kind = (action.args.get("kind") or "").upper() if isinstance(action, exp.Drop) else ""
        target = _name((action.args.get("tables") or [None])[0]) if kind else ""
        if isinstance(action, exp.ColumnDef):
            table.columns[action.name.lower()] = added = _column(action)
            _take_table_charset(added, table, None, _binary_attribute(action))
            _size_text(added, server_charset)
            _record_checks(table, [action], flavour)
        elif isinstance(action, exp.ModifyColumn):
            old = _name(action.args.get("rename_from")) or action.this.name.lower()
            previous = table.columns.pop(old, None)
            column = _column(action.this)
            column.not_null = column.not_null or _in_primary_key(table, old)
            _take_table_charset(column, table, previous, _binary_attribute(action.this))
            _size_text(column, server_charset)
            table.columns[column.name] = column
            _rename_in_constraints(catalog, table, old, column.name)
            fulltext.rename_column(table, old, column.name)
            keys.rename_column(table, old, column.name)
        elif isinstance(action, exp.AlterColumn) and \
                (altered := table.columns.get(action.name.lower())) is not None and \
                (action.args.get("drop") or action.args.get("default") is not None):
            altered.mysql_default = None if action.args.get("drop") else \
                _constant(action.args["default"])
        elif isinstance(action, exp.RenameColumn):
            old, new = _name(action.this), _name(action.args.get("to"))
            col = table.columns.pop(old, None)
            if col is not None:
                col.name = new
                table.columns[new] = col
            _rename_in_constraints(catalog, table, old, new)
            fulltext.rename_column(table, old, new)
            keys.rename_column(table, old, new)
        elif kind == "COLUMN":
            table.columns.pop(target, None)
            # a CHECK that reads only the dropped column goes with it (sql_table.cc,
            # prepare_check_constraints_for_alter's "auto-drop")
            for name in [name for name, c in table.constraints.items()
                         if c.kind == "check" and c.columns == (target,)]:
                del table.constraints[name]
            fulltext.drop_column(table, target)
            keys.drop_column(table, target)
            primary = table.constraints.get("PRIMARY")
            if primary is not None and target in primary.columns:
                kept = tuple(c for c in primary.columns if c != target)
                if kept:
                    table.constraints["PRIMARY"] = Constraint("PRIMARY", "primary", kept)
                else:
                    del table.constraints["PRIMARY"]
        elif isinstance(action, exp.DropPrimaryKey):
            table.constraints.pop("PRIMARY", None)
        elif kind in ("INDEX", "KEY"):
            table.fulltext.pop(target, None)
            table.keys.pop(target, None)
        elif kind in ("FOREIGN KEY", "CHECK", "CONSTRAINT"):  # a foreign key's index stays
            # (names are read lower case; MariaDB's CONSTRAINT_<n> keeps the server's case)
            for name in [name for name in table.constraints if name.lower() == target]:
                del table.constraints[name]
            if _constraint_drop(table, target) == "drop_index" and kind == "CONSTRAINT":
                table.keys.pop(target, None)
        elif isinstance(action, exp.AddConstraint):
            _record_checks(table, action.expressions, flavour)
            for con in action.expressions:
                if isinstance(con, exp.Constraint) and con.expressions and \
                        isinstance(con.expressions[0], exp.PrimaryKey):
                    con = con.expressions[0]  # CONSTRAINT pk PRIMARY KEY: named PRIMARY
                if fulltext.is_fulltext(con):
                    fulltext.add_index(table, con)
                elif index := keys.key_of(con):
                    keys.record(table, *index)
                elif foreign_key := keys.foreign_key_of(con):
                    keys.record_foreign_key(table, *foreign_key)
                elif isinstance(con, exp.PrimaryKey):
                    table.constraints["PRIMARY"] = Constraint(
                        "PRIMARY", "primary", keys.columns_of(con.expressions))
        elif isinstance(action, exp.RenameIndex):
            fulltext.rename_index(table, _name(action.this), _name(action.args.get("to")))
            keys.rename_index(table, _name(action.this), _name(action.args.get("to")))
        elif isinstance(action, exp.AlterRename):
            _rename_table(catalog, table, _table_name(action.this), flavour)
