"""Folders named for a database.

A project that supports several databases keeps one migration history per database side by
side (temporal's schema/mysql/v8/..., schema/postgresql/v12/..., schema/sqlite/v3/...). Found
below a path named on the command line, a history in a folder named for another database than
the dialect in force is left out with a note: read as PostgreSQL, MySQL DDL is dozens of false
parse errors and false findings. A path named on the command line is read with the dialect in
force whatever its folders say (naming it is a choice); when the dialect was left to its
default, a note says what its folders name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

#: The dialects lockwise reads (as --dialect spells them), as messages name them.
LINTED = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}

#: Databases lockwise does not read. TiDB speaks MySQL's SQL, but its online DDL is its own
#: (docs/mysql.md claims MySQL and MariaDB only); CockroachDB speaks PostgreSQL's, but its
#: schema changes take none of PostgreSQL's locks.
OTHERS = {"sqlite": "SQLite", "sqlserver": "SQL Server", "oracle": "Oracle",
          "cockroachdb": "CockroachDB", "clickhouse": "ClickHouse", "spanner": "Spanner",
          "snowflake": "Snowflake", "db2": "Db2", "h2": "H2", "hsqldb": "HSQLDB",
          "derby": "Derby", "tidb": "TiDB"}

#: Folder name (lower case, a whole path component) -> the database it names.
_FOLDERS = {
    **dict.fromkeys(("postgres", "postgresql", "pg", "psql", "pgsql"), "postgresql"),
    "mysql": "mysql", "mariadb": "mariadb",
    **dict.fromkeys(("sqlite", "sqlite3"), "sqlite"),
    **dict.fromkeys(("mssql", "sqlserver"), "sqlserver"),
    **dict.fromkeys(("cockroach", "cockroachdb"), "cockroachdb"),
    **{name: name for name in ("oracle", "clickhouse", "spanner", "snowflake", "db2", "h2",
                               "hsqldb", "derby", "tidb")},
}

#: Names that also name their database with a server version after them (mysql8, pg14,
#: postgres16, mariadb10): the version of a folder per server, not another database.
_VERSIONED = frozenset({"mysql", "mariadb", "postgres", "postgresql", "pg", "sqlite"})


def database_named(folder: str) -> str | None:
    """The database a folder's name is (see _FOLDERS), or None."""
    name = folder.lower()
    if name in _FOLDERS:
        return _FOLDERS[name]
    stem = name.rstrip("0123456789")
    return _FOLDERS[stem] if stem != name and stem in _VERSIONED else None


def _title(database: str) -> str:
    return LINTED.get(database) or OTHERS[database]


def other_database(folder: str, dialect: str, siblings: Iterable[str]) -> str | None:
    """The database `folder` is named for, when its histories are not to be read with
    `dialect`; None when they are (no database in its name, or the dialect's own).

    MariaDB reads MySQL's folders (it is a fork of MySQL, and most projects keep one mysql/
    history for both), unless a folder beside it (`siblings`, the names in its parent) is
    MariaDB's own: then mysql/ is MySQL's. MySQL does not read mariadb/, written for MariaDB's
    DDL (ALTER ONLINE, NOCOPY, PERSISTENT columns)."""
    database = database_named(folder)
    if database is None or database == dialect:
        return None
    if database == "mysql" and dialect == "mariadb" and \
            not any(database_named(name) == "mariadb" for name in siblings):
        return None
    return database


def left_out_note(history: Path, folder: str, database: str, dialect: str,
                  why: str | None = None) -> str:
    """The note for a history found in `folder`, named for `database`, and not read; `why`:
    what says so, when not the folder's name."""
    what = f"not linted: a {_title(database)} history ({why or f'its folder `{folder}/`'} " \
        "says so)"
    if database in LINTED:
        return (f"{history}: {what}, and the dialect in force is {_title(dialect)}: "
                f"`lockwise lint --dialect {database} {history}` lints it")
    return f"{history}: {what}: lockwise lints PostgreSQL, MySQL and MariaDB only"


#: Prisma's lock file, beside its migration folders: the database they are written for.
PRISMA_LOCK = "migration_lock.toml"


def prisma_provider_note(history: Path, dialect: str) -> str | None:
    """A note for a Prisma history read with `dialect` whose lock file's `provider` names
    another database (MySQL's migrations read as PostgreSQL are false parse errors and false
    findings); None when it names the dialect, or nothing lockwise knows."""
    import tomllib

    try:
        provider = tomllib.loads((history / PRISMA_LOCK).read_text("utf-8")).get("provider")
    except (OSError, ValueError, RecursionError):  # unreadable, not UTF-8, invalid TOML (a
        # ValueError, as is an integer too long to convert), nested too deeply: no note
        return None
    database = other_database(provider, dialect, []) if isinstance(provider, str) else None
    if database is None:
        return None
    said = f"{history}: written for {_title(database)} ({PRISMA_LOCK}: provider = " \
        f"\"{provider}\"), but read as {_title(dialect)}"
    if database in LINTED:
        return f"{said}: `lockwise lint --dialect {database} {history}` reads it as " \
            f"{_title(database)}"
    return f"{said}: lockwise lints PostgreSQL, MySQL and MariaDB only"


def all_left_out(dialect: str) -> str:
    """The input error of a path below which every history found was left out."""
    return (f"no {_title(dialect)} migrations here: every migration history below it is in a "
            f"folder named for another database, or the url it runs on names one (the notes "
            f"say which, and how to lint them)")


def url_database(url: str) -> str | None:
    """The database a JDBC url names (`jdbc:postgresql://...`, `jdbc:mysql:...`; a driver
    wrapping another's, `jdbc:tc:postgresql:16:///db`, `jdbc:aws-wrapper:mysql://...`, by
    the part after it), or None: no JDBC url, or a kind lockwise does not know."""
    parts = url.strip().split(":")
    if len(parts) < 3 or parts[0].lower() != "jdbc":
        return None
    return next((database for part in parts[1:3] if (database := database_named(part))),
                None)


def url_note(history: Path, database: str, where: str, dialect: str,
             tool: str = "Flyway") -> str | None:
    """A note for a history of `tool` (Flyway, Liquibase) named on the command line and read
    with `dialect`, whose run's url (set `where`) names another database; None when it names
    the dialect's."""
    if other_database(database, dialect, []) is None:
        return None
    said = f"{history}: migrated on {_title(database)} ({tool}'s url, {where}), but read " \
        f"as {_title(dialect)}"
    if database in LINTED:
        return f"{said}: `lockwise lint --dialect {database} {history}` reads it as " \
            f"{_title(database)}"
    return f"{said}: lockwise lints PostgreSQL, MySQL and MariaDB only"


def named_path_note(path: Path, dialect: str) -> str | None:
    """A note for a path named on the command line, read with `dialect` (the default, not
    chosen), whose own folders name another database: the nearest one that names one."""
    for folder in _folders_of(path):
        database = database_named(folder.name)
        if database is None:
            continue
        if database == dialect:
            return None
        read = f"{folder}: named for {_title(database)}, but read as {_title(dialect)}, the " \
            f"default dialect"
        if database in LINTED:
            return f"{read}: `lockwise lint --dialect {database}` reads it as {_title(database)}"
        return f"{read}: lockwise lints PostgreSQL, MySQL and MariaDB only"
    return None


def _folders_of(path: Path) -> list[Path]:
    """`path` and the folders holding it, nearest first: as written while they are part of it
    (`schema/mysql`, as the user wrote it), then absolute (`lockwise lint .` in a mysql/
    folder)."""
    absolute = Path(os.path.abspath(path))
    chain = [absolute, *absolute.parents]
    if path.is_absolute() or ".." in path.parts:
        return chain
    return [path, *path.parents][:len(path.parts)] + chain[len(path.parts):]
