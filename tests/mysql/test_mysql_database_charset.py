"""A database's default character set (CREATE DATABASE / SCHEMA ... CHARACTER SET, ALTER
DATABASE ...) is the one a CREATE TABLE naming none takes, and its string columns with it
(fix-mysql68): lockwise gave such a table the server's default (character_set_server), so a
VARCHAR(200) to (256) in a utf8mb4 database on MariaDB 10.11 (latin1 server) read as adding
a length byte (a copy) where the server runs it instantly. Each case is run on MariaDB
10.11 too: the cheapest algorithm it takes the change with."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from lockwise.core.types import MigrationReport

TABLE = "(id INT PRIMARY KEY, w VARCHAR(200))"
CHANGE = "ALTER TABLE dbcs.t MODIFY w VARCHAR(256)"

#: (the statements before the change, MariaDB 10.11's cheapest algorithm for CHANGE)
CASES = [
    # the database's default, named every way it can be
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; CREATE TABLE dbcs.t {TABLE};", "INSTANT"),
    (f"CREATE SCHEMA dbcs DEFAULT CHARSET=utf8mb4; USE dbcs; CREATE TABLE t {TABLE};",
     "INSTANT"),
    (f"CREATE DATABASE dbcs COLLATE utf8mb4_bin; CREATE TABLE dbcs.t {TABLE};", "INSTANT"),
    (f"CREATE DATABASE dbcs CHARACTER SET = utf8; CREATE TABLE dbcs.t {TABLE};",
     "INSTANT"),  # utf8mb3: 600 bytes, two length bytes already
    (f"CREATE DATABASE dbcs COMMENT 'charset latin1' CHARACTER SET utf8mb4; "
     f"CREATE TABLE dbcs.t {TABLE};", "INSTANT"),
    (f"CREATE DATABASE dbcs; USE dbcs; ALTER DATABASE CHARACTER SET utf8mb4; "
     f"CREATE TABLE t {TABLE};", "INSTANT"),  # the session's database
    (f"CREATE DATABASE dbcs; ALTER SCHEMA dbcs DEFAULT CHARACTER SET utf8mb4; "
     f"CREATE TABLE dbcs.t {TABLE};", "INSTANT"),
    # a table made before a later ALTER DATABASE keeps what it took
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; CREATE TABLE dbcs.t {TABLE}; "
     "ALTER DATABASE dbcs CHARACTER SET latin1;", "INSTANT"),
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; CREATE DATABASE IF NOT EXISTS dbcs "
     f"CHARACTER SET latin1; CREATE TABLE dbcs.t {TABLE};", "INSTANT"),
    # the server's default (latin1): a second length byte
    (f"CREATE DATABASE dbcs; CREATE TABLE dbcs.t {TABLE};", "COPY"),
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; ALTER DATABASE dbcs CHARACTER SET latin1; "
     f"CREATE TABLE dbcs.t {TABLE};", "COPY"),
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; CREATE TABLE dbcs.t {TABLE} "
     "DEFAULT CHARSET=latin1;", "COPY"),  # the table's own wins
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; DROP DATABASE dbcs; CREATE DATABASE dbcs; "
     f"CREATE TABLE dbcs.t {TABLE};", "COPY"),
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; CREATE DATABASE other CHARACTER SET latin1;"
     f" CREATE TABLE dbcs.t {TABLE};", "INSTANT"),
]

#: (the statements before, the change, MariaDB 10.11's cheapest algorithm for it), fix-mysql69:
#: DEFAULT as a table's character set is its database's; CREATE TABLE ... AS SELECT and LIKE.
LATIN1_IN_UTF8MB4 = f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; CREATE TABLE dbcs.t {TABLE} " \
    "CHARSET latin1;"
SAME_LENGTH = "ALTER TABLE dbcs.t MODIFY w VARCHAR(200)"
CHANGED_CASES = [
    # CREATE TABLE ... DEFAULT CHARSET = DEFAULT: the database's set
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; CREATE TABLE dbcs.t {TABLE} DEFAULT "
     "CHARSET = DEFAULT;", CHANGE, "INSTANT"),
    (f"CREATE DATABASE dbcs CHARACTER SET utf8mb4; CREATE TABLE dbcs.t {TABLE} CHARACTER SET "
     "DEFAULT COLLATE DEFAULT;", CHANGE, "INSTANT"),
    # ... with the set's own default collation, not the database's utf8mb4_bin: no change
    ("CREATE DATABASE dbcs COLLATE utf8mb4_bin; CREATE TABLE dbcs.t (id INT PRIMARY KEY, "
     "w VARCHAR(200), KEY (w)) DEFAULT CHARSET = DEFAULT;",
     "ALTER TABLE dbcs.t MODIFY w VARCHAR(200) COLLATE utf8mb4_general_ci", "INSTANT"),
    ("CREATE DATABASE dbcs COLLATE utf8mb4_bin; CREATE TABLE dbcs.t (id INT PRIMARY KEY, "
     "w VARCHAR(200), KEY (w));",
     "ALTER TABLE dbcs.t MODIFY w VARCHAR(200) COLLATE utf8mb4_general_ci", "NOCOPY"),
    # CONVERT TO CHARACTER SET DEFAULT re-encodes the columns into the database's set
    (LATIN1_IN_UTF8MB4 + " ALTER TABLE dbcs.t CONVERT TO CHARACTER SET DEFAULT;", CHANGE,
     "INSTANT"),
    (LATIN1_IN_UTF8MB4, CHANGE, "COPY"),
    (f"CREATE DATABASE dbcs CHARACTER SET latin1; CREATE TABLE dbcs.t {TABLE} CHARSET utf8mb4;"
     " ALTER TABLE dbcs.t CONVERT TO CHARACTER SET DEFAULT;", CHANGE, "COPY"),
    (f"CREATE DATABASE dbcs; CREATE TABLE dbcs.t {TABLE} CHARSET utf8mb4; ALTER TABLE dbcs.t "
     "CONVERT TO CHARACTER SET DEFAULT;", CHANGE, "COPY"),  # the server's latin1
    # DEFAULT CHARACTER SET DEFAULT: a MODIFY naming none re-encodes into the database's set
    (LATIN1_IN_UTF8MB4 + " ALTER TABLE dbcs.t DEFAULT CHARACTER SET DEFAULT;", SAME_LENGTH,
     "COPY"),
    (LATIN1_IN_UTF8MB4, SAME_LENGTH, "INSTANT"),
    (LATIN1_IN_UTF8MB4, "ALTER TABLE dbcs.t DEFAULT CHARSET = DEFAULT, MODIFY w VARCHAR(200)",
     "COPY"),
    # CREATE TABLE ... AS SELECT: a column keeps its source's set, the table its database's
    (LATIN1_IN_UTF8MB4 + " CREATE TABLE dbcs.c AS SELECT id, w FROM dbcs.t;",
     "ALTER TABLE dbcs.c MODIFY w VARCHAR(200) CHARACTER SET latin1", "INSTANT"),
    (LATIN1_IN_UTF8MB4 + " CREATE TABLE dbcs.c AS SELECT id, w FROM dbcs.t;",
     "ALTER TABLE dbcs.c MODIFY w VARCHAR(200)", "COPY"),
    (LATIN1_IN_UTF8MB4 + " CREATE TABLE dbcs.c AS SELECT id, w FROM dbcs.t;",
     "ALTER TABLE dbcs.c MODIFY w VARCHAR(256) CHARACTER SET latin1", "COPY"),
    (LATIN1_IN_UTF8MB4 + " CREATE TABLE dbcs.c CHARSET latin1 AS SELECT id, w FROM dbcs.t;",
     "ALTER TABLE dbcs.c MODIFY w VARCHAR(200)", "INSTANT"),
    (LATIN1_IN_UTF8MB4 + " CREATE TABLE dbcs.c (w VARCHAR(200)) AS SELECT id, w FROM dbcs.t;",
     "ALTER TABLE dbcs.c MODIFY w VARCHAR(256)", "INSTANT"),  # its own column: utf8mb4
    # LIKE copies the source's set, not the database's
    (LATIN1_IN_UTF8MB4 + " CREATE TABLE dbcs.c LIKE dbcs.t;",
     "ALTER TABLE dbcs.c MODIFY w VARCHAR(200)", "INSTANT"),
    (LATIN1_IN_UTF8MB4 + " CREATE TABLE dbcs.c LIKE dbcs.t;",
     "ALTER TABLE dbcs.c MODIFY w VARCHAR(256)", "COPY"),
    # a table naming no set in a database of none has the server's (latin1)
    ("CREATE DATABASE dbcs; CREATE TABLE dbcs.t (id INT PRIMARY KEY, w VARCHAR(200) CHARACTER "
     "SET utf8mb4);", SAME_LENGTH, "COPY"),
    ("CREATE DATABASE dbcs; CREATE TABLE dbcs.t (id INT PRIMARY KEY, w VARCHAR(200) CHARACTER "
     "SET latin1);", SAME_LENGTH, "INSTANT"),
    # CREATE DATABASE IF NOT EXISTS of a database the replay has not seen: taken as made
    (f"CREATE DATABASE IF NOT EXISTS dbcs CHARACTER SET utf8mb4; CREATE TABLE dbcs.t {TABLE};",
     CHANGE, "INSTANT"),
]
ALL_CASES = [(before, CHANGE, algorithm) for before, algorithm in CASES] + CHANGED_CASES


def _lint(before: str, change: str, dialect: str = "mariadb",
          version: str = "10.11") -> MigrationReport:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    return lint_migrations([migration_from_text(before, "1_setup.sql"),
                            migration_from_text(change + ";", "2_change.sql")],
                           LintOptions(dialect=dialect, server_version=version))[1]


@pytest.mark.parametrize(("before", "change", "algorithm"), ALL_CASES)
def test_lockwise(alter_algorithm, before: str, change: str, algorithm: str) -> None:
    assert alter_algorithm(_lint(before, change)) == algorithm


@pytest.mark.parametrize(("before", "change", "algorithm"), ALL_CASES)
def test_on_mariadb(mariadb, before: str, change: str, algorithm: str) -> None:
    assert mariadb.run("SELECT @@character_set_server", "mysql").stdout.strip() == "latin1"
    for tried in ("INSTANT", "NOCOPY", "INPLACE", "COPY"):
        setup = mariadb.run("DROP DATABASE IF EXISTS dbcs; DROP DATABASE IF EXISTS other; "
                            + before, "mysql")
        assert setup.returncode == 0, setup.stderr
        if mariadb.run(f"{change}, ALGORITHM={tried}", "mysql").returncode == 0:
            assert tried == algorithm
            return
    pytest.fail("no algorithm ran the change")


def test_mysql_takes_a_latin1_database(alter_algorithm) -> None:
    """MySQL 8's server default is utf8mb4 (two length bytes already: in place); a latin1
    database's table adds the second one (a copy)."""
    assert alter_algorithm(_lint(f"CREATE TABLE t {TABLE};", "ALTER TABLE t MODIFY w "
                                 "VARCHAR(256)", "mysql", "8.4.0")) == "INPLACE"
    assert alter_algorithm(_lint(f"CREATE DATABASE dbcs CHARACTER SET latin1; "
                                 f"CREATE TABLE dbcs.t {TABLE};", CHANGE, "mysql",
                                 "8.4.0")) == "COPY"


def test_the_connections_database(alter_algorithm) -> None:
    """ALTER DATABASE without a name and no USE: the connection's own database, whose
    unqualified tables take it, in a later migration too."""
    assert alter_algorithm(_lint(f"ALTER DATABASE CHARACTER SET utf8mb4; CREATE TABLE t "
                                 f"{TABLE};", "ALTER TABLE t MODIFY w VARCHAR(256)")) == \
        "INSTANT"
    assert alter_algorithm(_lint(f"CREATE TABLE t {TABLE};",
                                 "ALTER TABLE t MODIFY w VARCHAR(256)")) == "COPY"
