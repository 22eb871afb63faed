"""A MODIFY / CHANGE of a string column that names no CHARACTER SET (nor COLLATE) gives the
column its table's default character set (fix-mysql62): a column of another one (written for
it at CREATE) is re-encoded, and the table copied ("Cannot change column type. Try
ALGORITHM=COPY", checked on MariaDB 10.11; MySQL 8.0 manual, 10.3.5 "Column Character Set
and Collation": a column definition of CREATE or ALTER TABLE naming neither takes the table's
character set and collation). It was read as a VARCHAR widening, instant."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(10) CHARACTER SET latin1, "
         "kind ENUM('a', 'b') CHARACTER SET latin1, title VARCHAR(10), "
         "code VARCHAR(10) CHARACTER SET utf8mb3) DEFAULT CHARSET=utf8mb4;\n"
         "INSERT INTO notes VALUES (1, 'x', 'a', 't', 'c');")


#: (ALTER, whether it copies the table)
CASES = [
    # the table's utf8mb4, not the column's latin1: re-encoded
    ("ALTER TABLE notes MODIFY body VARCHAR(20)", True),
    ("ALTER TABLE notes CHANGE body body VARCHAR(10)", True),
    ("ALTER TABLE notes MODIFY kind ENUM('a', 'b', 'c')", True),
    # named again: the column keeps latin1
    ("ALTER TABLE notes MODIFY body VARCHAR(20) CHARACTER SET latin1", False),
    ("ALTER TABLE notes MODIFY kind ENUM('a', 'b', 'c') CHARACTER SET latin1", False),
    # a column of the table's own character set
    ("ALTER TABLE notes MODIFY title VARCHAR(20)", False),
    # a default this ALTER sets applies to its own MODIFY
    ("ALTER TABLE notes MODIFY body VARCHAR(20), DEFAULT CHARSET=latin1", False),
    # utf8mb3 into utf8mb4: nothing re-encoded (MariaDB instant, MySQL in place)
    ("ALTER TABLE notes MODIFY code VARCHAR(10)", False),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "copies"), CASES)
def test_the_table_default_decides(alter_algorithm, lint_change, dialect: str, change: str,
                                   copies: bool) -> None:
    report = lint_change(change + ";", dialect)
    assert (alter_algorithm(report) == "COPY") == copies
    assert ("mysql-table-copy" in [f.rule for f in report.all_findings]) == copies


def test_utf8mb3_to_the_table_utf8mb4_is_the_widening(alter_algorithm, lint_change) -> None:
    """utf8mb3 into a utf8mb4 table's default: nothing re-encoded, MariaDB's instant
    widening (as when utf8mb4 is named)."""
    report = lint_change("ALTER TABLE notes MODIFY code VARCHAR(10);", "mariadb")
    assert alter_algorithm(report) == "INSTANT"


def test_the_replay_gives_the_column_the_table_default(alter_algorithm, lint_change) -> None:
    """After the copy the column is utf8mb4: a later widening of it counts 4 bytes a
    character (VARCHAR(60) -> (70): 240 -> 280 bytes, a second length byte)."""
    setup = ("CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(10) CHARACTER SET latin1)"
             " DEFAULT CHARSET=utf8mb4;\nALTER TABLE notes MODIFY body VARCHAR(60);")
    report = lint_change("ALTER TABLE notes MODIFY body VARCHAR(70);", "mariadb", setup=setup)
    assert alter_algorithm(report) == "COPY"
    latin1 = setup.replace("DEFAULT CHARSET=utf8mb4", "DEFAULT CHARSET=latin1")
    report = lint_change("ALTER TABLE notes MODIFY body VARCHAR(70);", "mariadb", setup=latin1)
    assert alter_algorithm(report) == "INSTANT"


def test_a_table_collate_names_its_character_set(alter_algorithm, lint_change) -> None:
    setup = ("CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(10) CHARACTER SET latin1)"
             " COLLATE utf8mb4_bin;")
    report = lint_change("ALTER TABLE notes MODIFY body VARCHAR(20);", "mysql", setup=setup)
    assert alter_algorithm(report) == "COPY"


@pytest.mark.parametrize(("change", "copies"), CASES)
def test_on_mariadb(mariadb, change: str, copies: bool) -> None:
    """Each without a copy (ALGORITHM=NOCOPY: instant or in place), or refused so."""
    mariadb.assert_copies("table_charset", SETUP, change, copies)


def test_a_bare_default_change_keeps_the_columns(alter_algorithm, lint_change) -> None:
    """ALTER TABLE ... DEFAULT CHARACTER SET re-encodes no column: one that names its old
    character set again is widened as before (latin1 VARCHAR(50) -> (100): one length
    byte)."""
    setup = ("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(50)) DEFAULT CHARSET=latin1;\n"
             "ALTER TABLE t DEFAULT CHARACTER SET utf8mb4;")
    report = lint_change("ALTER TABLE t MODIFY v VARCHAR(100) CHARACTER SET latin1;",
                         "mariadb", setup=setup)
    assert alter_algorithm(report) == "INSTANT"


def _copy_advice(report) -> str:
    (found,) = [f.instead for f in report.all_findings if f.rule == "mysql-table-copy"]
    return found


#: (ALTER re-encoding by naming no CHARACTER SET, the same naming the column's own, fix-mysql63)
KEPT = [
    ("ALTER TABLE notes MODIFY `Body` VARCHAR(20) NOT NULL",
     "ALTER TABLE notes MODIFY `Body` VARCHAR(20) CHARACTER SET latin1 NOT NULL;"),
    ("ALTER TABLE notes CHANGE COLUMN kind Kind ENUM('a', 'b', 'c'), MODIFY title VARCHAR(20)",
     "ALTER TABLE notes CHANGE COLUMN kind Kind ENUM('a', 'b', 'c') CHARACTER SET latin1, "
     "MODIFY title VARCHAR(20);"),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "kept"), KEPT)
def test_the_copy_advice_names_the_column_charset(lint_change, dialect: str, change: str,
                                                  kept: str) -> None:
    """The table copy's advice first says how to keep the column's own character set (and
    the collation written for it): the same ALTER, in the user's words, naming it."""
    advice = _copy_advice(lint_change(change + ";", dialect))
    assert kept in advice.splitlines()
    assert advice.index(kept) < advice.index("gh-ost")


def test_the_advice_keeps_a_written_collation(lint_change) -> None:
    setup = ("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10) CHARACTER SET latin1 "
             "COLLATE latin1_bin) DEFAULT CHARSET=utf8mb4;")
    advice = _copy_advice(lint_change("ALTER TABLE t MODIFY v VARCHAR(20);", setup=setup))
    assert "ALTER TABLE t MODIFY v VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin;" \
        in advice


@pytest.mark.parametrize("change", [
    "ALTER TABLE notes MODIFY id BIGINT",  # a copy for another reason
    "ALTER TABLE notes MODIFY body TEXT CHARACTER SET utf8mb4",  # the new one named
    "ALTER TABLE notes MODIFY body CHARACTER VARYING(20)",  # a spelling not placed
])
def test_no_charset_advice_for_other_copies(lint_change, change: str) -> None:
    advice = _copy_advice(lint_change(change + ";"))
    assert "names no CHARACTER SET" not in advice
    assert advice.startswith("gh-ost")


@pytest.mark.parametrize(("change", "kept"), KEPT)
def test_the_kept_alter_on_mariadb(mariadb, change: str, kept: str) -> None:
    """The advice's ALTER runs without a copy (in place: NOT NULL is checked on the rows);
    the one it replaces does not."""
    mariadb.fresh("table_charset_kept", SETUP)
    done = mariadb.run(f"{kept.rstrip(';')}, ALGORITHM=INPLACE", "table_charset_kept")
    assert done.returncode == 0, done.stderr
    done = mariadb.run(f"{change}, ALGORITHM=INPLACE", "table_charset_kept")
    assert "Cannot change column type" in done.stderr


#: (ALTER with clauses, the advice's ALTER, what its comment says of them; fix-mysql64)
KEPT_CLAUSES = [
    ("ALTER TABLE notes MODIFY body VARCHAR(20), ALGORITHM=COPY, LOCK=SHARED",
     "ALTER TABLE notes MODIFY body VARCHAR(20) CHARACTER SET latin1, ALGORITHM=COPY, "
     "LOCK=SHARED;", "ALGORITHM=COPY, kept as written, still copies the table"),
    ("ALTER TABLE notes LOCK=NONE, MODIFY body VARCHAR(20)",
     "ALTER TABLE notes MODIFY body VARCHAR(20) CHARACTER SET latin1, LOCK=NONE;", ""),
    ("ALTER TABLE notes MODIFY body VARCHAR(20), ALGORITHM=INPLACE, LOCK=NONE",
     "ALTER TABLE notes MODIFY body VARCHAR(20) CHARACTER SET latin1, LOCK=NONE;",
     "ALGORITHM=INPLACE left out"),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "kept", "said"), KEPT_CLAUSES)
def test_the_advice_keeps_the_written_clauses(lint_change, dialect: str, change: str,
                                              kept: str, said: str) -> None:
    """The ALTER restated with the column's character set keeps the user's LOCK= and
    ALGORITHM=COPY (saying it still copies); a cheaper ALGORITHM= it leaves out, saying so."""
    advice = _copy_advice(lint_change(change + ";", dialect))
    assert kept in advice.splitlines()
    assert said in advice.splitlines()[0]


def test_no_charset_advice_beside_convert_to(lint_change) -> None:
    """CONVERT TO gives every string column its character set, whatever a MODIFY beside it
    names (MariaDB 10.11, SHOW CREATE TABLE): naming the column's own keeps nothing."""
    advice = _copy_advice(lint_change(
        "ALTER TABLE notes MODIFY body VARCHAR(20), CONVERT TO CHARACTER SET utf8mb4;"))
    assert "names no CHARACTER SET" not in advice


@pytest.mark.parametrize(("change", "kept", "said"), KEPT_CLAUSES)
def test_the_kept_clauses_on_mariadb(mariadb, change: str, kept: str, said: str) -> None:
    mariadb.fresh("table_charset_kept", SETUP)
    done = mariadb.run(kept.rstrip(";"), "table_charset_kept")
    assert done.returncode == 0, done.stderr


def test_convert_to_overrides_a_named_charset_on_mariadb(mariadb) -> None:
    mariadb.fresh("table_charset_kept", SETUP)
    done = mariadb.run("ALTER TABLE notes MODIFY body VARCHAR(20) CHARACTER SET latin1, "
                       "CONVERT TO CHARACTER SET utf8mb4; SELECT CHARACTER_SET_NAME FROM "
                       "information_schema.COLUMNS WHERE TABLE_SCHEMA = 'table_charset_kept' "
                       "AND COLUMN_NAME = 'body'", "table_charset_kept")
    assert done.stdout.split() == ["utf8mb4"], done.stderr
