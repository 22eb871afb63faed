"""A MODIFY / CHANGE that names no COLLATE gives a string column its table's default
collation, and a CHARACTER SET named alone that set's default (fix-mysql63; MariaDB 10.11:
SHOW CREATE TABLE after `MODIFY a VARCHAR(10)` of a utf8mb4_bin column in a utf8mb4 table
says utf8mb4_general_ci; MySQL 8.0 manual, 10.3.5 "Column Character Set and Collation").
The replay kept the column's old collation, and such a MODIFY was read as no collation
change. `utf8` and `utf8mb3` name one character set (fix-mysql63, 3)."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE notes (id INT PRIMARY KEY, a VARCHAR(10) COLLATE utf8mb4_bin, "
         "b VARCHAR(10) COLLATE utf8mb4_bin, d VARCHAR(10) CHARACTER SET latin1 COLLATE "
         "latin1_bin, e VARCHAR(10), f ENUM('x', 'y') COLLATE utf8mb4_bin, "
         "g ENUM('x', 'y') CHARACTER SET utf8, KEY notes_b (b), KEY notes_e (e)) "
         "DEFAULT CHARSET=utf8mb4;\n"
         "INSERT INTO notes VALUES (1, 'a', 'b', 'd', 'e', 'x', 'x');")

#: (ALTER, MariaDB's algorithm: INSTANT, NOCOPY (in place, no copy) or COPY)
CASES = [
    # utf8mb4_bin -> the table's default: a collation change, unindexed instant
    ("ALTER TABLE notes MODIFY a VARCHAR(10)", "INSTANT"),
    # ... and indexed: the index is built again (MariaDB "Reason: ADD INDEX")
    ("ALTER TABLE notes MODIFY b VARCHAR(10)", "NOCOPY"),
    ("ALTER TABLE notes MODIFY b VARCHAR(10) COLLATE utf8mb4_bin", "INSTANT"),
    # CHARACTER SET alone: latin1_bin -> latin1_swedish_ci
    ("ALTER TABLE notes MODIFY d VARCHAR(10) CHARACTER SET latin1", "INSTANT"),
    ("ALTER TABLE notes MODIFY e VARCHAR(10) COLLATE utf8mb4_bin", "NOCOPY"),
    # an ENUM's collation is part of its type: copied
    ("ALTER TABLE notes MODIFY f ENUM('x', 'y', 'z')", "COPY"),
    ("ALTER TABLE notes MODIFY f ENUM('x', 'y', 'z') COLLATE utf8mb4_bin", "INSTANT"),
    # utf8 is utf8mb3 (old_mode UTF8_IS_UTF8MB3, MariaDB's default): nothing changes
    ("ALTER TABLE notes MODIFY g ENUM('x', 'y', 'z') CHARACTER SET utf8mb3", "INSTANT"),
]

#: lockwise's reading of MariaDB's NOCOPY (not instant, no copy)
_NOCOPY = {"INPLACE", "NOCOPY"}


@pytest.mark.parametrize(("change", "algorithm"), CASES)
def test_mariadb_reading(alter_algorithm, lint_change, change: str, algorithm: str) -> None:
    found = alter_algorithm(lint_change(change + ";", "mariadb"))
    assert found in _NOCOPY if algorithm == "NOCOPY" else found == algorithm


@pytest.mark.parametrize(("change", "algorithm"), CASES)
def test_on_mariadb(mariadb, change: str, algorithm: str) -> None:
    """Each runs with the algorithm said, and is refused with the next stronger one."""
    mariadb.fresh("modify_collation", SETUP)
    done = mariadb.run(f"{change}, ALGORITHM={algorithm}", "modify_collation")
    assert done.returncode == 0, done.stderr
    if algorithm != "INSTANT":
        stronger = {"NOCOPY": "INSTANT", "COPY": "NOCOPY"}[algorithm]
        mariadb.fresh("modify_collation", SETUP)
        done = mariadb.run(f"{change}, ALGORITHM={stronger}", "modify_collation")
        assert done.returncode != 0


def test_mysql_copies_an_indexed_column_taking_the_default(alter_algorithm,
                                                           lint_change) -> None:
    """MySQL changes an indexed column's collation only by copying (sql/field.cc,
    charset_prevents_inplace); unindexed, in place or instantly."""
    assert alter_algorithm(lint_change("ALTER TABLE notes MODIFY b VARCHAR(10);")) == "COPY"
    assert alter_algorithm(lint_change("ALTER TABLE notes MODIFY a VARCHAR(10);")) != "COPY"


def test_the_replay_follows_the_default(alter_algorithm, lint_change) -> None:
    """After `MODIFY b VARCHAR(10)` b is the table's collation again: naming utf8mb4_bin
    later is a change (its index built again), naming nothing is none."""
    setup = SETUP + "\nALTER TABLE notes MODIFY b VARCHAR(10);"
    again = lint_change("ALTER TABLE notes MODIFY b VARCHAR(10) COLLATE utf8mb4_bin;",
                        "mariadb", setup=setup)
    assert alter_algorithm(again) in _NOCOPY
    same = lint_change("ALTER TABLE notes MODIFY b VARCHAR(10);", "mariadb", setup=setup)
    assert alter_algorithm(same) == "INSTANT"


def test_a_table_collation_is_kept(alter_algorithm, lint_change) -> None:
    """A column of a `COLLATE utf8mb4_bin` table that names nothing stays utf8mb4_bin: no
    change; named CHARACTER SET utf8mb4 alone, it takes utf8mb4_general_ci (MariaDB 10.11)."""
    setup = "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10), KEY t_v (v)) COLLATE utf8mb4_bin;"
    kept = lint_change("ALTER TABLE t MODIFY v VARCHAR(10);", "mariadb", setup=setup)
    assert alter_algorithm(kept) == "INSTANT"
    named = lint_change("ALTER TABLE t MODIFY v VARCHAR(10) CHARACTER SET utf8mb4;", "mariadb",
                        setup=setup)
    assert alter_algorithm(named) in _NOCOPY


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_utf8_is_utf8mb3_for_enum(alter_algorithm, lint_change, dialect: str) -> None:
    """An ENUM of `utf8` MODIFYed as `utf8mb3` (and back) keeps its character set: appending
    a member is no copy; `utf8mb4` is another set, a copy."""
    for named in ("utf8mb3", "utf8"):
        report = lint_change(f"ALTER TABLE notes MODIFY g ENUM('x', 'y', 'z') CHARACTER SET "
                             f"{named};", dialect)
        assert alter_algorithm(report) != "COPY"
    report = lint_change("ALTER TABLE notes MODIFY g ENUM('x', 'y', 'z') CHARACTER SET utf8mb4;",
                         dialect)
    assert alter_algorithm(report) == "COPY"


#: MariaDB 11.5+ gives utf8mb4 / utf8mb3 the uca1400_ai_ci collation by default
#: (character_set_collations, fix-mysql64); 11.4 and before general_ci.
UCA_SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10) COLLATE utf8mb4_uca1400_ai_ci,"
             " b VARCHAR(10) COLLATE utf8mb4_general_ci, KEY (b)) DEFAULT CHARSET=utf8mb4;")


@pytest.mark.parametrize(("version", "change", "algorithm"), [
    ("10.11", "ALTER TABLE t MODIFY a VARCHAR(10)", "INSTANT"),  # a: to general_ci
    ("10.11", "ALTER TABLE t MODIFY b VARCHAR(10)", "INSTANT"),  # b: stays
    ("11.4", "ALTER TABLE t MODIFY b VARCHAR(10)", "INSTANT"),
    ("11.5", "ALTER TABLE t MODIFY b VARCHAR(10)", "NOCOPY"),  # b: to uca1400, indexed
    ("11.8", "ALTER TABLE t MODIFY a VARCHAR(10)", "INSTANT"),  # a: stays
])
def test_mariadb_default_collation_by_version(alter_algorithm, lint_change, version: str,
                                              change: str, algorithm: str) -> None:
    report = lint_change(change + ";", "mariadb", version, setup=UCA_SETUP)
    assert alter_algorithm(report) == algorithm


@pytest.mark.parametrize(("version", "operation"), [("10.11", "change_collation"),
                                                    ("11.5", "metadata_only")])
def test_mariadb_uca1400_column_by_version(lint_change, version: str, operation: str) -> None:
    report = lint_change("ALTER TABLE t MODIFY a VARCHAR(10);", "mariadb", version,
                         setup=UCA_SETUP)
    (found,) = [a.facts["operations"] for s in report.statements for a in s.effect.actions
                if a.kind == "mysql_alter_table"]
    assert found == (operation,)


def test_the_server_default_is_general_ci_before_11_5(mariadb) -> None:
    """The server the tests run (10.11): utf8mb4's default is utf8mb4_general_ci."""
    if tuple(int(p) for p in mariadb.version().split("-")[0].split(".")[:2]) >= (11, 2):
        pytest.skip("character_set_collations may set another default")
    shown = mariadb.run("SELECT DEFAULT_COLLATE_NAME FROM information_schema.CHARACTER_SETS "
                        "WHERE CHARACTER_SET_NAME IN ('utf8mb3', 'utf8mb4') ORDER BY 1",
                        "mysql")
    assert shown.stdout.split() == ["utf8mb3_general_ci", "utf8mb4_general_ci"]
