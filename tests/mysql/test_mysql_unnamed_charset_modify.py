"""A MODIFY that names a CHARACTER SET for a column whose own (and its table's) the migrations
never named: the column has the server's default, utf8mb4 on MySQL 8, latin1 on MariaDB 10.11
(character_set_server, checked), so naming another re-encodes every row and copies the table
("Cannot change column type. Try ALGORITHM=COPY", checked on MariaDB 10.11 for ascii and
utf8mb4 from latin1, and for ascii and latin1 from a utf8mb4 table default). It was read as
no change: ALGORITHM=INSTANT. Found in ory/hydra's `20220210000001000000_nid.mysql.up.sql`
(`MODIFY kid varchar(255) CHARACTER SET 'ascii' NOT NULL`)."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE keys_ (pk INT PRIMARY KEY, kid VARCHAR(255) NOT NULL);\n"
         "INSERT INTO keys_ VALUES (1, 'a');")


@pytest.mark.parametrize(("dialect", "charset", "algorithm"), [
    ("mysql", "'ascii'", "COPY"), ("mysql", "`ascii`", "COPY"), ("mysql", "latin1", "COPY"),
    ("mysql", "utf8mb4", "INSTANT"),
    ("mariadb", "ascii", "COPY"), ("mariadb", "utf8mb4", "COPY"), ("mariadb", "latin1", "INSTANT"),
])
def test_a_charset_named_for_a_column_with_the_server_default(
        alter_algorithm, lint_change, dialect: str, charset: str, algorithm: str) -> None:
    report = lint_change(
        f"ALTER TABLE keys_ MODIFY kid VARCHAR(255) CHARACTER SET {charset} NOT NULL;", dialect)
    assert alter_algorithm(report) == algorithm
    rules = [f.rule for f in report.all_findings]
    assert ("mysql-table-copy" in rules) == (algorithm == "COPY")


def test_a_table_default_still_decides(alter_algorithm, lint_change) -> None:
    setup = "CREATE TABLE keys_ (kid VARCHAR(255)) DEFAULT CHARSET=latin1;"
    sql = "ALTER TABLE keys_ MODIFY kid VARCHAR(255) CHARACTER SET latin1;"
    assert alter_algorithm(lint_change(sql, "mysql", setup=setup)) == "INSTANT"


@pytest.mark.parametrize(("charset", "refused"), [("ascii", True), ("utf8mb4", True),
                                                  ("latin1", False)])
def test_on_mariadb(mariadb, charset: str, refused: bool) -> None:
    mariadb.fresh("charset_default", SETUP)
    done = mariadb.run(f"ALTER TABLE keys_ MODIFY kid VARCHAR(255) CHARACTER SET {charset} "
                       "NOT NULL, ALGORITHM=INSTANT", "charset_default")
    assert (done.returncode != 0) == refused
    assert ("Cannot change column type" in done.stderr) == refused
