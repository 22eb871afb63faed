"""A column whose table named no collation has its character set's default one (fix-mysql73):
a COLLATE naming any other is a change, which MariaDB refuses on a foreign key column (1832,
1833) and applies as any collation change elsewhere; naming the default changes nothing.
Each MariaDB case is run on the server (10.11)."""

from __future__ import annotations

import pytest
from test_mysql_charset_pairing import _fk_error

#: utf8mb4 tables naming no collation, `c.pid` referencing `p.id`
KEYED = ("CREATE TABLE p (id VARCHAR(10) PRIMARY KEY) CHARSET utf8mb4;\n"
         "CREATE TABLE c (id INT PRIMARY KEY, pid VARCHAR(10), FOREIGN KEY (pid) REFERENCES "
         "p (id)) CHARSET utf8mb4;")
#: the same naming no character set either: the server's (latin1 on 10.11)
KEYED_SERVER = KEYED.replace(" CHARSET utf8mb4", "")

#: (setup, change, the error MariaDB 10.11 answers, None: it runs)
FOREIGN_KEY = [
    (KEYED, "ALTER TABLE c MODIFY pid VARCHAR(10) COLLATE utf8mb4_unicode_ci", 1832),
    (KEYED, "ALTER TABLE c CHANGE pid pid VARCHAR(10) COLLATE utf8mb4_unicode_ci", 1832),
    (KEYED, "ALTER TABLE c MODIFY pid VARCHAR(10) CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_unicode_ci", 1832),
    (KEYED, "ALTER TABLE c CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", 1832),
    (KEYED, "ALTER TABLE p MODIFY id VARCHAR(10) COLLATE utf8mb4_unicode_ci", 1833),
    (KEYED_SERVER, "ALTER TABLE c MODIFY pid VARCHAR(10) COLLATE latin1_general_ci", 1832),
    # the default collation the column has: nothing changes
    (KEYED, "ALTER TABLE c MODIFY pid VARCHAR(10) COLLATE utf8mb4_general_ci", None),
    (KEYED, "ALTER TABLE p MODIFY id VARCHAR(10) COLLATE utf8mb4_general_ci", None),
    (KEYED_SERVER, "ALTER TABLE c MODIFY pid VARCHAR(10) COLLATE latin1_swedish_ci", None),
]


@pytest.mark.parametrize(("setup", "change", "error"), FOREIGN_KEY)
def test_lockwise_reports_the_change(lint_change, setup: str, change: str,
                                     error: int | None) -> None:
    assert _fk_error(lint_change(change + ";", "mariadb", setup=setup)) == error


@pytest.mark.parametrize(("setup", "change", "error"), FOREIGN_KEY)
def test_mariadb_refuses_the_change(mariadb, setup: str, change: str,
                                    error: int | None) -> None:
    mariadb.fresh("default_collation", setup.replace("\n", " "))
    ran = mariadb.run(change, "default_collation")
    if error is None:
        assert ran.returncode == 0, ran.stderr
    else:
        assert f"ERROR {error} " in ran.stderr, ran.stderr


#: a utf8mb4 table naming no collation: `k` indexed, `e` an ENUM
TABLE = ("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), k VARCHAR(10), "
         "e ENUM('x', 'y'), KEY (k)) CHARSET utf8mb4;")

#: (change, MariaDB 10.11's cheapest algorithm)
ALGORITHMS = [
    ("ALTER TABLE t MODIFY a VARCHAR(10) COLLATE utf8mb4_unicode_ci", "INSTANT"),
    ("ALTER TABLE t MODIFY k VARCHAR(10) COLLATE utf8mb4_unicode_ci", "NOCOPY"),
    ("ALTER TABLE t MODIFY k VARCHAR(10) COLLATE utf8mb4_general_ci", "INSTANT"),
    ("ALTER TABLE t MODIFY e ENUM('x', 'y') COLLATE utf8mb4_unicode_ci", "COPY"),
    ("ALTER TABLE t MODIFY e ENUM('x', 'y') COLLATE utf8mb4_general_ci", "INSTANT"),
]


@pytest.mark.parametrize(("change", "expected"), ALGORITHMS)
def test_lockwise_algorithm(alter_algorithm, lint_change, change: str, expected: str) -> None:
    assert alter_algorithm(lint_change(change + ";", "mariadb", setup=TABLE)) == expected


@pytest.mark.parametrize(("change", "expected"), ALGORITHMS)
def test_mariadb_algorithm(mariadb, change: str, expected: str) -> None:
    mariadb.assert_cheapest("default_collation", TABLE, change, expected)
