"""What fix-mysql71 left of character sets and collations (fix-mysql72): a foreign key
column's new collation, refused by MariaDB (1832, 1833) whether by MODIFY, CHANGE or CONVERT
TO ... COLLATE; a CHARACTER SET DEFAULT (the database's set) and a table's CHARACTER SET and
COLLATE separated by a comma, paired as the server pairs them (1253). Each MariaDB case is run
on the server (10.11)."""

from __future__ import annotations

import pytest

#: utf8mb4 tables, `c.pid` referencing `p.id`
KEYED = ("CREATE TABLE p (id VARCHAR(10) PRIMARY KEY) CHARSET utf8mb4;\n"
         "CREATE TABLE c (id INT PRIMARY KEY, pid VARCHAR(10), FOREIGN KEY (pid) REFERENCES "
         "p (id)) CHARSET utf8mb4;")

#: (change, the error MariaDB 10.11 answers, None: it runs)
FOREIGN_KEY = [
    ("ALTER TABLE c MODIFY pid VARCHAR(10) COLLATE utf8mb4_bin", 1832),
    ("ALTER TABLE c CHANGE pid pid VARCHAR(10) COLLATE utf8mb4_bin", 1832),
    ("ALTER TABLE c CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", 1832),
    ("ALTER TABLE p MODIFY id VARCHAR(10) COLLATE utf8mb4_bin", 1833),
    # the collation it has: nothing changes
    ("ALTER TABLE c MODIFY pid VARCHAR(10) COLLATE utf8mb4_general_ci", None),
    ("ALTER TABLE c CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", None),
]


def _fk_error(report) -> int | None:
    codes = [a.facts["error_code"] for s in report.statements for a in s.effect.actions
             if a.kind == "mysql_foreign_key_column_changed"]
    assert bool(codes) == ("mysql-foreign-key-column-changed" in
                           {f.rule for f in report.all_findings})
    return codes[0] if codes else None


@pytest.mark.parametrize(("change", "error"), FOREIGN_KEY)
def test_a_foreign_key_column_collation_change(lint_change, change: str,
                                               error: int | None) -> None:
    assert _fk_error(lint_change(change + ";", "mariadb", setup=KEYED)) == error


@pytest.mark.parametrize(("change", "error"), FOREIGN_KEY)
def test_mariadb_refuses_the_collation_change(mariadb, change: str, error: int | None) -> None:
    mariadb.fresh("charset_pairing", KEYED.replace("\n", " "))
    ran = mariadb.run(change, "charset_pairing")
    if error is None:
        assert ran.returncode == 0, ran.stderr
    else:
        assert f"ERROR {error} " in ran.stderr, ran.stderr


def test_mysql_collation_change_is_left(lint_change) -> None:
    """MySQL's answer was not run: the collation change is not reported there."""
    change = "ALTER TABLE c MODIFY pid VARCHAR(10) COLLATE utf8mb4_bin;"
    assert _fk_error(lint_change(change, "mysql", setup=KEYED)) is None
