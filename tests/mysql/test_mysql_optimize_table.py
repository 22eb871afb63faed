"""OPTIMIZE TABLE by engine (fix-mysql57). InnoDB: ALTER TABLE ... FORCE, an in-place rebuild
(mysql-table-rebuild; a copy on MySQL for a table with FULLTEXT indexes). MyISAM, Aria,
ARCHIVE: the engine's own optimize under a table write lock, reads wait too
(mysql-optimize-table-locked; checked on MariaDB 10.11). MEMORY, CSV: not supported, nothing
done. Each table of the list is judged, not the first alone."""

from __future__ import annotations

import pytest
from mariadb_lock_helpers import decide_during

SETUP = """CREATE TABLE inno (id INT PRIMARY KEY, v INT);
CREATE TABLE my (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;
CREATE TABLE ar (id INT PRIMARY KEY, v INT) ENGINE=Aria;
CREATE TABLE mem (id INT PRIMARY KEY) ENGINE=MEMORY;
CREATE TABLE ft (id INT PRIMARY KEY, body TEXT, FULLTEXT KEY b (body));
"""


def _found(report) -> list[tuple[str, str]]:
    return sorted((f.rule, f.message.split(" ")[0 if f.rule != "mysql-optimize-table-locked"
                                                 else 5])
                  for f in report.all_findings)


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "rules"), [
    ("OPTIMIZE TABLE inno", ["mysql-table-rebuild"]),
    ("OPTIMIZE TABLE my", ["mysql-optimize-table-locked"]),
    ("OPTIMIZE LOCAL TABLE ar", ["mysql-optimize-table-locked"]),
    ("OPTIMIZE TABLE mem", []),
    ("OPTIMIZE TABLE inno, my, mem", ["mysql-optimize-table-locked", "mysql-table-rebuild"]),
    ("OPTIMIZE TABLE my, inno", ["mysql-optimize-table-locked", "mysql-table-rebuild"]),
])
def test_each_listed_table_is_judged_by_its_engine(lint_change, dialect: str, sql: str,
                                                  rules: list[str]) -> None:
    assert sorted(f.rule for f in lint_change(f"{sql};", dialect).all_findings) == rules


def test_the_finding_names_the_table_and_its_engine(lint_change) -> None:
    (finding,) = lint_change("OPTIMIZE TABLE inno, ar;", "mariadb").all_findings[1:]
    assert finding.message.startswith("OPTIMIZE TABLE of the Aria table ar holds a write lock")


def test_mariadb_nowait_is_no_table(lint_change) -> None:
    assert [f.rule for f in lint_change("OPTIMIZE TABLE my NOWAIT;", "mariadb").all_findings
            ] == ["mysql-optimize-table-locked"]


def test_a_fulltext_table_copies_on_mysql_and_blocks_writes_on_mariadb(lint_change) -> None:
    # MySQL's manual: "OPTIMIZE TABLE using online DDL is not supported for InnoDB tables that
    # contain FULLTEXT indexes. The table copy method is used instead."
    assert [f.rule for f in lint_change("OPTIMIZE TABLE ft;", "mysql").all_findings] == \
        ["mysql-table-copy"]
    assert [f.rule for f in lint_change("OPTIMIZE TABLE ft;", "mariadb").all_findings] == \
        ["mysql-blocks-writes"]


# --- checked on MariaDB ----------------------------------------------------------------------

#: OPTIMIZE's work, as the processlist shows it on MariaDB 10.11: MyISAM's and Aria's repair
#: and index sort, InnoDB's online rebuild (after it InnoDB waits for its exclusive lock to
#: commit the rebuild, where a read legitimately waits)
OPTIMIZING = frozenset({"Repair by sorting", "Repair with keycache", "Sorting index",
                        "altering table"})


@pytest.mark.parametrize(("engine", "waits"), [("MyISAM", True), ("Aria", True),
                                               ("InnoDB", False)])
def test_on_mariadb_a_read_waits_for_optimize_of_myisam_and_aria(mariadb, engine: str,
                                                                 waits: bool) -> None:
    def fill(rows: int) -> None:
        mariadb.fresh("optlock", f"CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(100), "
                                 f"KEY (v)) ENGINE={engine}; INSERT INTO big SELECT seq, "
                                 f"REPEAT(MD5(seq), 3) FROM seq_1_to_{rows}; "
                                 "DELETE FROM big WHERE id % 2 = 0")

    # (decided only while OPTIMIZE works: on a slow or loaded machine it may end before the
    # read does, so it runs again on a bigger table, a bounded number of times)
    waited = decide_during(mariadb, "optlock", fill, 600000, "OPTIMIZE TABLE big", OPTIMIZING,
                           "SELECT v FROM big WHERE id = 7")
    # (MariaDB 10.11 shows the read waiting for the table's metadata lock)
    assert waited is waits
