"""A table option beside an instant column change on MySQL 8 (fix-mysql65).

COMMENT= (as DEFAULT CHARSET= and AUTO_INCREMENT=) is a table option: the server gives InnoDB
CHANGE_CREATE_OPTION, which MySQL 8.4's storage/innobase/handler/handler0alter.cc lists
neither in INNOBASE_INSTANT_ALLOWED nor in INNOBASE_INPLACE_IGNORE, so innobase_support_instant
answers INSTANT_IMPOSSIBLE for any ALTER naming it; alone it needs no rebuild
(innobase_need_rebuild), beside ADD / DROP COLUMN (ADD_STORED_BASE_COLUMN, DROP_STORED_COLUMN,
both in INNOBASE_ALTER_REBUILD) the table is rebuilt in place. lockwise read `ADD COLUMN c INT,
COMMENT='x'` as instant. MariaDB keeps both instant (checked on 10.11 below)."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE notes (id INT PRIMARY KEY, title VARCHAR(10));"


def _alter(report) -> tuple[str, bool, set[str]]:
    (found,) = [a.facts for s in report.statements for a in s.effect.actions
                if a.kind == "mysql_alter_table"]
    return found["algorithm"], bool(found["rebuilds_table"]), {f.rule for f in
                                                                report.all_findings}


@pytest.mark.parametrize("version", ["8.0.35", "8.4.0"])
@pytest.mark.parametrize(("change", "algorithm", "rebuilds"), [
    ("ALTER TABLE notes COMMENT='x';", "INPLACE", False),
    ("ALTER TABLE notes COMMENT='x', AUTO_INCREMENT=5;", "INPLACE", False),
    ("ALTER TABLE notes ADD COLUMN extra INT;", "INSTANT", False),
    ("ALTER TABLE notes ADD COLUMN extra INT, COMMENT='x';", "INPLACE", True),
    ("ALTER TABLE notes ADD COLUMN extra INT, AUTO_INCREMENT=5;", "INPLACE", True),
    ("ALTER TABLE notes DROP COLUMN title, COMMENT='x';", "INPLACE", True),
    ("ALTER TABLE notes ALTER title SET DEFAULT 'a', COMMENT='x';", "INPLACE", False),
])
def test_on_mysql(lint_change, version: str, change: str, algorithm: str,
                  rebuilds: bool) -> None:
    found, rebuilt, rules = _alter(lint_change(change, "mysql", version))
    assert (found, rebuilt) == (algorithm, rebuilds)
    assert ("mysql-table-rebuild" in rules) == rebuilds


def test_instant_asked_for_is_refused(lint_change) -> None:
    """ALGORITHM=INSTANT beside COMMENT= is refused (1845 "Try ALGORITHM=COPY/INPLACE")."""
    _, _, rules = _alter(lint_change(
        "ALTER TABLE notes ADD COLUMN extra INT, COMMENT='x', ALGORITHM=INSTANT;", "mysql"))
    assert "mysql-algorithm-not-supported" in rules


def test_mariadb_keeps_it_instant(mariadb, lint_change) -> None:
    change = "ALTER TABLE notes ADD COLUMN extra INT, COMMENT='x'"
    assert _alter(lint_change(change + ";", "mariadb"))[:2] == ("INSTANT", False)
    mariadb.fresh("comment_beside", SETUP)
    done = mariadb.run(change + ", ALGORITHM=INSTANT", "comment_beside")
    assert done.returncode == 0, done.stderr
