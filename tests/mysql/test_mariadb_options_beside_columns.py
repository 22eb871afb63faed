"""A table option (DEFAULT CHARSET / COLLATE, COMMENT=, AUTO_INCREMENT=) in the same ALTER as
a column or index change MariaDB otherwise makes instantly (RENAME COLUMN, a VARCHAR
widening, a collation change, utf8mb3 to utf8mb4, RENAME INDEX, ALTER INDEX ... IGNORED):
MariaDB 10.11 answers ALGORITHM=INSTANT with 1846 "Reason: DROP INDEX. Try
ALGORITHM=NOCOPY" and runs NOCOPY with LOCK=NONE (fix-mysql64). ADD / DROP / reorder
COLUMN, ENUM members appended and a MODIFY changing nothing stored stay instant beside one.
lockwise read the pair as INSTANT."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE notes (id INT PRIMARY KEY, n INT, body VARCHAR(10) CHARACTER SET "
         "latin1, title VARCHAR(10), code VARCHAR(10) CHARACTER SET utf8mb3, kind ENUM('a', "
         "'b'), KEY notes_n (n)) DEFAULT CHARSET=utf8mb4;\n"
         "INSERT INTO notes VALUES (1, 1, 'x', 't', 'c', 'a');")

#: (ALTER, the algorithm MariaDB 10.11 runs it with at best)
CASES = [
    ("ALTER TABLE notes MODIFY body VARCHAR(20), DEFAULT CHARSET=latin1", "NOCOPY"),
    ("ALTER TABLE notes DEFAULT CHARSET=latin1, MODIFY body VARCHAR(20)", "NOCOPY"),
    ("ALTER TABLE notes MODIFY title VARCHAR(20), DEFAULT CHARSET=utf8mb4", "NOCOPY"),
    ("ALTER TABLE notes MODIFY title VARCHAR(20), COMMENT='notes'", "NOCOPY"),
    ("ALTER TABLE notes MODIFY title VARCHAR(20), AUTO_INCREMENT=5", "NOCOPY"),
    ("ALTER TABLE notes MODIFY title VARCHAR(10) COLLATE utf8mb4_bin, COMMENT='x'",
     "NOCOPY"),
    ("ALTER TABLE notes MODIFY code VARCHAR(10) CHARACTER SET utf8mb4, COMMENT='x'",
     "NOCOPY"),
    ("ALTER TABLE notes RENAME COLUMN n TO m, DEFAULT CHARSET=latin1", "NOCOPY"),
    ("ALTER TABLE notes RENAME INDEX notes_n TO notes_m, COMMENT='x'", "NOCOPY"),
    # alone, or beside a change that stays instant
    ("ALTER TABLE notes MODIFY title VARCHAR(20)", "INSTANT"),
    ("ALTER TABLE notes DEFAULT CHARSET=latin1", "INSTANT"),
    ("ALTER TABLE notes ADD COLUMN extra INT, DEFAULT CHARSET=latin1", "INSTANT"),
    ("ALTER TABLE notes DROP COLUMN title, COMMENT='x'", "INSTANT"),
    ("ALTER TABLE notes MODIFY kind ENUM('a', 'b', 'c'), COMMENT='x'", "INSTANT"),
    ("ALTER TABLE notes MODIFY n INT COMMENT 'count', DEFAULT CHARSET=latin1", "INSTANT"),
]


@pytest.mark.parametrize(("change", "algorithm"), CASES)
def test_lockwise_reads_the_pair(alter_algorithm, lint_change, change: str,
                                 algorithm: str) -> None:
    assert alter_algorithm(lint_change(change + ";", "mariadb")) == algorithm


def test_instant_asked_is_refused_and_offered_apart(lint_change) -> None:
    """(fix-mysql66: the two apart run as the user asked, instantly, where fix-mysql64
    offered NOCOPY; tests/mysql/test_mysql_options_apart_advice.py runs them)"""
    report = lint_change("ALTER TABLE notes MODIFY title VARCHAR(20), COMMENT='x', "
                         "ALGORITHM=INSTANT;", "mariadb")
    (found,) = [f for f in report.all_findings if f.rule == "mysql-algorithm-not-supported"]
    assert found.instead.endswith("ALTER TABLE notes MODIFY title VARCHAR(20), ALGORITHM=INSTANT;"
                                  "\nALTER TABLE notes COMMENT='x', ALGORITHM=INSTANT;")
    report = lint_change("ALTER TABLE notes MODIFY title VARCHAR(20), COMMENT='x', "
                         "ALGORITHM=NOCOPY, LOCK=NONE;", "mariadb")
    assert not report.all_findings


@pytest.mark.parametrize(("change", "algorithm"), CASES)
def test_on_mariadb(mariadb, change: str, algorithm: str) -> None:
    """The algorithm named runs with LOCK=NONE, and the cheaper one is refused."""
    mariadb.fresh("options_beside", SETUP)
    ran = mariadb.run(f"{change}, ALGORITHM={algorithm}, LOCK=NONE", "options_beside")
    assert ran.returncode == 0, ran.stderr
    if algorithm == "NOCOPY":
        mariadb.fresh("options_beside", SETUP)
        ran = mariadb.run(f"{change}, ALGORITHM=INSTANT", "options_beside")
        assert "ALGORITHM=INSTANT is not supported" in ran.stderr


def _rebuilds(report) -> bool:
    (found,) = [a.facts["rebuilds_table"] for s in report.statements for a in s.effect.actions
                if a.kind == "mysql_alter_table"]
    return found


#: (ALTER, whether MySQL 8 rebuilds the table in place). innobase_need_rebuild (MySQL 8's
#: handler0alter.cc): a default character set change needs no rebuild only alone.
MYSQL_CASES = [
    ("ALTER TABLE notes DEFAULT CHARSET=latin1", False),
    ("ALTER TABLE notes ALTER COLUMN n SET DEFAULT 1, DEFAULT CHARSET=latin1", False),
    ("ALTER TABLE notes MODIFY body VARCHAR(20), DEFAULT CHARSET=latin1", True),
    ("ALTER TABLE notes ADD INDEX notes_title (title), COLLATE=utf8mb4_bin", True),
    ("ALTER TABLE notes MODIFY title VARCHAR(20)", False),
    ("ALTER TABLE notes ADD INDEX notes_title (title)", False),
]


@pytest.mark.parametrize(("change", "rebuilds"), MYSQL_CASES)
def test_mysql_rebuilds_for_a_default_beside_in_place_work(lint_change, change: str,
                                                           rebuilds: bool) -> None:
    report = lint_change(change + ";", "mysql")
    assert _rebuilds(report) == rebuilds
    assert ("mysql-table-rebuild" in [f.rule for f in report.all_findings]) == rebuilds
