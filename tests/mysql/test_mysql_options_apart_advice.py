"""The advice for an ALTER whose table option (COMMENT=, DEFAULT CHARSET=, AUTO_INCREMENT=)
beside other changes rebuilds the table (MySQL 8, fix-mysql65) or keeps them from being
instant (MariaDB, fix-mysql64): the same ALTER as two, the options apart, with the user's
names and the ALGORITHM= / LOCK= clauses each half runs with (fix-mysql66). Each advice is
linted after the same schema (no finding at all), and run on MariaDB 10.11 where MariaDB
takes it."""

from __future__ import annotations

import pytest

from lockwise.core.types import MigrationReport

SETUP = "CREATE TABLE notes (id INT PRIMARY KEY, title VARCHAR(10), n INT, `Body` TEXT);"


def _instead(report: MigrationReport, rule: str) -> str:
    (found,) = [f.instead for f in report.all_findings if f.rule == rule]
    return found


def _statements(instead: str) -> list[str]:
    return [line for line in instead.splitlines() if line and not line.startswith("--")]


#: What the advice is for: none of these may remain.
_FIXED = {"mysql-table-rebuild", "mysql-algorithm-not-supported", "mysql-lock-not-supported"}


def _assert_lints_clean(lint_change, instead: str, dialect: str,
                        original: MigrationReport) -> None:
    """The advice draws no finding but those of the user's own changes (DROP COLUMN's,
    RENAME COLUMN's) that the original ALTER drew too."""
    own = {f.rule for f in original.all_findings} - _FIXED
    report = lint_change("\n".join(_statements(instead)), dialect)
    assert not [(f.rule, f.message) for f in report.all_findings if f.rule not in own]


@pytest.mark.parametrize(("change", "rule", "expected"), [
    ("ALTER TABLE notes ADD COLUMN extra INT, COMMENT='x';", "mysql-table-rebuild",
     ["ALTER TABLE notes ADD COLUMN extra INT, ALGORITHM=INSTANT;",
      "ALTER TABLE notes COMMENT='x', ALGORITHM=INPLACE;"]),
    # the user's names, quoting, order and LOCK= kept; their ALGORITHM=INPLACE would rebuild
    # for the column change, where INSTANT is named
    ("ALTER TABLE `notes` COMMENT 'it''s', DROP COLUMN `Body`, DEFAULT CHARSET=latin1, "
     "ALGORITHM=INPLACE, LOCK=NONE;", "mysql-table-rebuild",
     ["ALTER TABLE notes DROP COLUMN `Body`, ALGORITHM=INSTANT;",
      "ALTER TABLE notes COMMENT 'it''s', DEFAULT CHARSET=latin1, ALGORITHM=INPLACE, "
      "LOCK=NONE;"]),
    ("ALTER TABLE notes ADD COLUMN extra INT, AUTO_INCREMENT=5, LOCK=SHARED;",
     "mysql-table-rebuild",
     ["ALTER TABLE notes ADD COLUMN extra INT, ALGORITHM=INSTANT;",
      "ALTER TABLE notes AUTO_INCREMENT=5, ALGORITHM=INPLACE, LOCK=SHARED;"]),
    # ALGORITHM=INSTANT is refused beside COMMENT= (1845): kept for the column change
    ("ALTER TABLE notes ADD COLUMN extra INT, COMMENT='x', ALGORITHM=INSTANT;",
     "mysql-algorithm-not-supported",
     ["ALTER TABLE notes ADD COLUMN extra INT, ALGORITHM=INSTANT;",
      "ALTER TABLE notes COMMENT='x', ALGORITHM=INPLACE;"]),
    # an in-place change without a rebuild stays one apart from the option
    ("ALTER TABLE notes MODIFY title VARCHAR(20), COMMENT='x';", "mysql-table-rebuild",
     ["ALTER TABLE notes MODIFY title VARCHAR(20), ALGORITHM=INPLACE;",
      "ALTER TABLE notes COMMENT='x', ALGORITHM=INPLACE;"]),
])
def test_on_mysql(lint_change, change: str, rule: str, expected: list[str]) -> None:
    original = lint_change(change, "mysql")
    instead = _instead(original, rule)
    assert instead.startswith("-- beside the table options, the changes rebuild notes in place")
    assert _statements(instead) == expected
    _assert_lints_clean(lint_change, instead, "mysql", original)


@pytest.mark.parametrize("change", [
    "ALTER TABLE notes MODIFY n INT NOT NULL, COMMENT='x';",  # the change rebuilds alone
    "ALTER TABLE notes ADD COLUMN extra INT, COMMENT='x' ENGINE=InnoDB;",  # another option
])
def test_not_offered_where_it_does_not_help(lint_change, change: str) -> None:
    instead = _instead(lint_change(change, "mysql"), "mysql-table-rebuild")
    assert "beside the table options" not in instead


@pytest.mark.parametrize(("change", "expected"), [
    ("ALTER TABLE notes MODIFY title VARCHAR(20), COMMENT='x', ALGORITHM=INSTANT;",
     ["ALTER TABLE notes MODIFY title VARCHAR(20), ALGORITHM=INSTANT;",
      "ALTER TABLE notes COMMENT='x', ALGORITHM=INSTANT;"]),
    ("ALTER TABLE notes RENAME COLUMN n TO m, DEFAULT CHARSET=latin1, ALGORITHM=INSTANT, "
     "LOCK=NONE;",
     ["ALTER TABLE notes RENAME COLUMN n TO m, ALGORITHM=INSTANT, LOCK=NONE;",
      "ALTER TABLE notes DEFAULT CHARSET=latin1, ALGORITHM=INSTANT, LOCK=NONE;"]),
])
def test_on_mariadb(mariadb, lint_change, change: str, expected: list[str]) -> None:
    """MariaDB refuses the one ALTER's ALGORITHM=INSTANT (1846, "Try ALGORITHM=NOCOPY") and
    runs each of the two with it."""
    original = lint_change(change, "mariadb")
    instead = _instead(original, "mysql-algorithm-not-supported")
    assert _statements(instead) == expected
    mariadb.fresh("options_apart", SETUP)
    refused = mariadb.run(change, "options_apart")
    assert refused.returncode != 0 and "NOCOPY" in refused.stderr
    for statement in expected:
        done = mariadb.run(statement, "options_apart")
        assert done.returncode == 0, (statement, done.stderr)
    _assert_lints_clean(lint_change, instead, "mariadb", original)


def test_mysql_advice_runs_on_mariadb(mariadb, lint_change) -> None:
    """The MySQL advice's statements are MariaDB's syntax too, and run there."""
    instead = _instead(lint_change(
        "ALTER TABLE `notes` COMMENT 'it''s', DROP COLUMN `Body`, DEFAULT CHARSET=latin1, "
        "AUTO_INCREMENT=5, ALGORITHM=INPLACE, LOCK=NONE;", "mysql"), "mysql-table-rebuild")
    mariadb.fresh("options_apart_mysql", SETUP)
    for statement in _statements(instead):
        done = mariadb.run(statement, "options_apart_mysql")
        assert done.returncode == 0, (statement, done.stderr)
    shown = mariadb.run("SHOW CREATE TABLE notes", "options_apart_mysql").stdout
    assert "`Body`" not in shown and "COMMENT='it''s'" in shown


#: ALTERs whose LOCK= clause MySQL 8 refuses, with a table option beside the changes: the
#: advice of mysql-lock-not-supported is the split too (it was the one ALTER, which rebuilds).
_LOCK_REFUSED = [
    # LOCK= beside ALGORITHM=INSTANT: the changes' half takes none, the options' keep it
    ("ALTER TABLE notes DROP COLUMN `Body`, COMMENT 'x', ALGORITHM=INSTANT, LOCK=NONE;",
     ["ALTER TABLE notes DROP COLUMN `Body`, ALGORITHM=INSTANT;",
      "ALTER TABLE notes COMMENT 'x', ALGORITHM=INPLACE, LOCK=NONE;"]),
    # a LOCK= value the server does not know: the half's own
    ("ALTER TABLE notes ADD COLUMN extra INT, COMMENT='x', LOCK=FAST;",
     ["ALTER TABLE notes ADD COLUMN extra INT, ALGORITHM=INSTANT;",
      "ALTER TABLE notes COMMENT='x', ALGORITHM=INPLACE, LOCK=NONE;"]),
]


@pytest.mark.parametrize(("change", "expected"), _LOCK_REFUSED)
def test_lock_not_supported_offers_the_split(lint_change, change: str,
                                             expected: list[str]) -> None:
    original = lint_change(change, "mysql")
    instead = _instead(original, "mysql-lock-not-supported")
    assert instead.startswith("-- beside the table options, the changes rebuild notes in place")
    assert _statements(instead) == expected
    _assert_lints_clean(lint_change, instead, "mysql", original)


@pytest.mark.parametrize(("change", "expected"), _LOCK_REFUSED)
def test_lock_not_supported_split_runs_on_mariadb(mariadb, lint_change, change: str,
                                                  expected: list[str]) -> None:
    """The halves are MariaDB's syntax too, and run there."""
    assert _statements(_instead(lint_change(change, "mysql"),
                                "mysql-lock-not-supported")) == expected
    mariadb.fresh("options_apart_lock", SETUP)
    for statement in expected:
        done = mariadb.run(statement, "options_apart_lock")
        assert done.returncode == 0, (statement, done.stderr)


def test_lock_not_supported_keeps_its_advice_on_a_cascading_table(lint_change) -> None:
    """MySQL refuses LOCK=NONE on a table with a cascading foreign key, either half too: the
    advice stays the clause dropped or a tool, not the split."""
    report = lint_change("ALTER TABLE posts ADD COLUMN extra INT, COMMENT='x', LOCK=NONE;",
                         "mysql", setup="CREATE TABLE users (id INT PRIMARY KEY);\n"
                         "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, CONSTRAINT "
                         "posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE "
                         "CASCADE);")
    instead = _instead(report, "mysql-lock-not-supported")
    assert "cascades" in instead and "beside the table options" not in instead
