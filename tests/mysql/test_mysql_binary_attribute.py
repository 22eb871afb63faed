"""The BINARY attribute (`VARCHAR(10) BINARY`: the `_bin` collation of the column's character
set, named or its table's) and `CHARACTER SET binary` (a CHAR / VARCHAR / TEXT made BINARY /
VARBINARY / BLOB), as a later MODIFY finds them (fix-mysql64). Before, BINARY was not read:
a MODIFY dropping it from an indexed column (utf8mb4_bin to utf8mb4_general_ci, the index
built again: NOCOPY) was INSTANT, and `VARCHAR(10) CHARACTER SET binary` MODIFYed as
VARBINARY(20) was a type change (COPY). Each answer is MariaDB 10.11's (test_on_mariadb)."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE notes (id INT PRIMARY KEY, raw VARCHAR(10) CHARACTER SET binary, "
         "body VARCHAR(10) BINARY, code CHAR(5) BINARY, tag VARCHAR(10) BINARY, "
         "old VARCHAR(10) CHARACTER SET latin1 BINARY, blobby TEXT CHARACTER SET binary, "
         "KEY notes_tag (tag)) DEFAULT CHARSET=utf8mb4;\n"
         "INSERT INTO notes VALUES (1, 'r', 'b', 'c', 't', 'o', 'x');")

#: (ALTER, the cheapest algorithm MariaDB 10.11 runs it with)
CASES = [
    # BINARY dropped: the table's default collation, the index (if any) built again
    ("ALTER TABLE notes MODIFY tag VARCHAR(10)", "NOCOPY"),
    ("ALTER TABLE notes MODIFY body VARCHAR(20)", "INSTANT"),
    # BINARY kept, or its collation named: nothing changes
    ("ALTER TABLE notes MODIFY tag VARCHAR(10) BINARY", "INSTANT"),
    ("ALTER TABLE notes MODIFY tag VARCHAR(10) COLLATE utf8mb4_bin", "INSTANT"),
    ("ALTER TABLE notes MODIFY old VARCHAR(10) CHARACTER SET latin1 BINARY", "INSTANT"),
    # CHARACTER SET binary: a VARBINARY, its length in bytes
    ("ALTER TABLE notes MODIFY raw VARBINARY(20)", "INSTANT"),
    ("ALTER TABLE notes MODIFY raw VARCHAR(20) CHARACTER SET binary", "INSTANT"),
    ("ALTER TABLE notes MODIFY blobby BLOB", "INSTANT"),
    ("ALTER TABLE notes MODIFY raw VARCHAR(20)", "COPY"),
    ("ALTER TABLE notes MODIFY old VARCHAR(10)", "COPY"),
]


@pytest.mark.parametrize(("change", "algorithm"), CASES)
def test_lockwise_reads_binary(alter_algorithm, lint_change, change: str,
                               algorithm: str) -> None:
    assert alter_algorithm(lint_change(change + ";", "mariadb")) == algorithm


def test_the_indexed_collation_change_on_mysql(lint_change) -> None:
    """MySQL copies the table for an indexed column's new collation (charset_prevents_inplace)."""
    report = lint_change("ALTER TABLE notes MODIFY tag VARCHAR(10);", "mysql")
    assert "mysql-table-copy" in [f.rule for f in report.all_findings]


def test_the_replay_keeps_binary(alter_algorithm, lint_change) -> None:
    """A column ADDed or MODIFYed with BINARY alone has its table's `_bin` collation after it."""
    setup = SETUP + "\nALTER TABLE notes ADD COLUMN extra VARCHAR(10) BINARY, ADD KEY (extra);"
    report = lint_change("ALTER TABLE notes MODIFY extra VARCHAR(10);", "mariadb", setup=setup)
    assert alter_algorithm(report) == "NOCOPY"


def test_the_kept_charset_advice_leaves_binary_its_collation(lint_change) -> None:
    """`MODIFY old VARCHAR(10) BINARY` re-encodes a latin1 column into utf8mb4: the advice
    names latin1 alone (a COLLATE before BINARY is a syntax error)."""
    (found,) = [f.instead for f in lint_change(
        "ALTER TABLE notes MODIFY old VARCHAR(10) BINARY;", "mariadb").all_findings
        if f.rule == "mysql-table-copy"]
    assert "ALTER TABLE notes MODIFY old VARCHAR(10) CHARACTER SET latin1 BINARY;" in found


def _cheapest(mariadb, change: str) -> str:
    for algorithm in ("INSTANT", "NOCOPY", "INPLACE", "COPY"):
        mariadb.fresh("binary_attribute", SETUP)
        if mariadb.run(f"{change}, ALGORITHM={algorithm}", "binary_attribute").returncode == 0:
            return algorithm
    return ""


@pytest.mark.parametrize(("change", "algorithm"), CASES)
def test_on_mariadb(mariadb, change: str, algorithm: str) -> None:
    assert _cheapest(mariadb, change) == algorithm


def test_binary_on_mariadb(mariadb) -> None:
    """What SHOW CREATE TABLE says of the SETUP's columns."""
    mariadb.fresh("binary_attribute", SETUP)
    shown = mariadb.run("SELECT COLUMN_NAME, COLUMN_TYPE, IFNULL(COLLATION_NAME, '-') FROM "
                        "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'binary_attribute' "
                        "AND COLUMN_NAME <> 'id' ORDER BY COLUMN_NAME", "binary_attribute")
    assert [line.split("\t") for line in shown.stdout.splitlines()] == [
        ["blobby", "blob", "-"], ["body", "varchar(10)", "utf8mb4_bin"],
        ["code", "char(5)", "utf8mb4_bin"], ["old", "varchar(10)", "latin1_bin"],
        ["raw", "varbinary(10)", "-"], ["tag", "varchar(10)", "utf8mb4_bin"]]
    kept = "ALTER TABLE notes MODIFY old VARCHAR(10) CHARACTER SET latin1 BINARY"
    assert mariadb.run(kept + ", ALGORITHM=INSTANT", "binary_attribute").returncode == 0
