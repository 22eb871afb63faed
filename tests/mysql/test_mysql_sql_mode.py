"""A migration's `SET sql_mode` holds for its later statements, not for the next migration
(fix-mysql57): IGNORE_BAD_TABLE_OPTIONS without a strict mode makes MariaDB's 1911 / 1912
warnings, and without a strict mode MySQL copies the table to make a column NOT NULL (MariaDB
rebuilds it in place either way). Checked on MariaDB 10.11 where it runs them."""

from __future__ import annotations

import pytest

from lockwise.core.types import MigrationReport
from lockwise.discover import migration_from_text
from lockwise.effects.mysql_sql_mode import DEFAULT_MODES, after_set, strict
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, v INT);"
_MARIADB = DEFAULT_MODES["mariadb"]


@pytest.mark.parametrize(("sql", "modes"), [
    ("SET sql_mode = 'IGNORE_BAD_TABLE_OPTIONS'", {"IGNORE_BAD_TABLE_OPTIONS"}),
    ("SET SESSION sql_mode = ''", set()),
    ("SET @@sql_mode = \"ANSI_QUOTES\"", {"ANSI_QUOTES"}),
    ("SET LOCAL sql_mode := 'traditional'", {"TRADITIONAL", "STRICT_TRANS_TABLES",
                                             "STRICT_ALL_TABLES", "NO_ZERO_IN_DATE",
                                             "NO_ZERO_DATE", "ERROR_FOR_DIVISION_BY_ZERO",
                                             "NO_ENGINE_SUBSTITUTION"}),
    ("SET sql_mode = CONCAT(@@sql_mode, ',IGNORE_BAD_TABLE_OPTIONS')",
     _MARIADB | {"IGNORE_BAD_TABLE_OPTIONS"}),
    ("SET sql_mode = REPLACE(@@SESSION.sql_mode, 'STRICT_TRANS_TABLES', '')",
     _MARIADB - {"STRICT_TRANS_TABLES"}),
    ("SET NAMES utf8mb4, sql_mode = '', foreign_key_checks = 0", set()),
    ("SET GLOBAL sql_mode = ''", _MARIADB),  # new sessions only
    ("SET @@GLOBAL.sql_mode = ''", _MARIADB),
    ("SET sql_mode = DEFAULT", _MARIADB),
    ("SET @old = @@sql_mode", _MARIADB),
    ("SET sql_mode = @old", None),  # not computed: unknown
    ("SET sql_mode = (SELECT 'ANSI')", None),
    ("SET sql_mode = @@GLOBAL.sql_mode", None),
])
def test_what_a_set_leaves_the_session_mode(sql: str, modes: set[str] | None) -> None:
    after = after_set(sql, frozenset(_MARIADB), "mariadb")
    assert after == (None if modes is None else frozenset(modes))


def test_strict() -> None:
    assert strict(DEFAULT_MODES["mysql"]) and strict(frozenset({"STRICT_ALL_TABLES"}))
    assert strict(frozenset()) is False and strict(None) is None


def _lint(*changes: str, dialect: str) -> list[MigrationReport]:
    return lint_migrations([migration_from_text(SETUP, "1_setup.sql"), *(
        migration_from_text(change, f"{i}_change.sql") for i, change in enumerate(changes, 2))],
        LintOptions(dialect=dialect))[1:]


_OPTION_CASES = [
    # (mode SET first, statement, refused on MariaDB 10.11)
    ("", "CREATE TABLE c (id INT) ENGINE=MyISAM PAGE_COMPRESSED=1", True),
    ("SET sql_mode = 'IGNORE_BAD_TABLE_OPTIONS'",
     "CREATE TABLE c (id INT) ENGINE=MyISAM PAGE_COMPRESSED=1", False),
    ("SET sql_mode = 'IGNORE_BAD_TABLE_OPTIONS'",
     "CREATE TABLE c (id INT) ENGINE=InnoDB PAGE_COMPRESSED=2", False),
    ("SET sql_mode = 'IGNORE_BAD_TABLE_OPTIONS'",
     "ALTER TABLE t ENGINE=Aria, PAGE_COMPRESSED=1", False),
    # a strict mode keeps them errors
    ("SET sql_mode = CONCAT(@@sql_mode, ',IGNORE_BAD_TABLE_OPTIONS')",
     "CREATE TABLE c (id INT) ENGINE=MyISAM PAGE_COMPRESSED=1", True),
    ("SET sql_mode = 'STRICT_ALL_TABLES,IGNORE_BAD_TABLE_OPTIONS'",
     "CREATE TABLE c (id INT) ENGINE=InnoDB PAGE_COMPRESSED=2", True),
    ("SET GLOBAL sql_mode = 'IGNORE_BAD_TABLE_OPTIONS'",
     "CREATE TABLE c (id INT) ENGINE=MyISAM PAGE_COMPRESSED=1", True),
    # not a bad option: a level without compression is refused in any mode (1005)
    ("SET sql_mode = 'IGNORE_BAD_TABLE_OPTIONS'",
     "CREATE TABLE c (id INT) ENGINE=InnoDB PAGE_COMPRESSION_LEVEL=3", True),
]


@pytest.mark.parametrize(("mode", "sql", "refused"), _OPTION_CASES)
def test_ignore_bad_table_options_follows_the_set(mode: str, sql: str, refused: bool) -> None:
    (report,) = _lint(f"{mode};\n{sql};" if mode else f"{sql};", dialect="mariadb")
    rules = {f.rule for f in report.all_findings}
    assert bool(rules & {"mariadb-page-compression-option",
                         "mariadb-page-compression-level"}) == refused, rules


@pytest.mark.parametrize(("mode", "sql", "refused"), _OPTION_CASES)
def test_ignore_bad_table_options_on_mariadb(mariadb, mode: str, sql: str,
                                             refused: bool) -> None:
    mariadb.fresh("sqlmode", SETUP)
    ran = mariadb.run(f"{mode}; {sql}" if mode else sql, "sqlmode")
    assert (ran.returncode != 0) == refused, ran.stderr
    if mode.startswith("SET GLOBAL"):
        mariadb.run("SET GLOBAL sql_mode = DEFAULT", "sqlmode")


def test_the_next_migration_has_the_default_mode_again() -> None:
    first, second = _lint("SET sql_mode = 'IGNORE_BAD_TABLE_OPTIONS';\n"
                          "CREATE TABLE a (id INT) ENGINE=MyISAM PAGE_COMPRESSED=1;",
                          "CREATE TABLE b (id INT) ENGINE=MyISAM PAGE_COMPRESSED=1;",
                          dialect="mariadb")
    assert not first.all_findings
    assert [f.rule for f in second.all_findings] == ["mariadb-page-compression-option"]


def test_a_mode_lockwise_cannot_compute_says_no_refusal() -> None:
    (report,) = _lint("SET sql_mode = @saved;\n"
                      "CREATE TABLE a (id INT) ENGINE=MyISAM PAGE_COMPRESSED=1;",
                      dialect="mariadb")
    assert not report.all_findings


@pytest.mark.parametrize(("mode", "mysql", "mariadb"), [
    ("", "mysql-table-rebuild", "mysql-table-rebuild"),
    ("SET sql_mode = '';\n", "mysql-table-copy", "mysql-table-rebuild"),
    ("SET sql_mode = REPLACE(@@sql_mode, 'STRICT_TRANS_TABLES', '');\n", "mysql-table-copy",
     "mysql-table-rebuild"),
    ("SET sql_mode = 'STRICT_ALL_TABLES';\n", "mysql-table-rebuild", "mysql-table-rebuild"),
    ("SET GLOBAL sql_mode = '';\n", "mysql-table-rebuild", "mysql-table-rebuild"),
])
def test_not_null_without_a_strict_mode(mode: str, mysql: str, mariadb: str) -> None:
    change = f"{mode}ALTER TABLE t MODIFY v INT NOT NULL;"
    for dialect, rule in (("mysql", mysql), ("mariadb", mariadb)):
        (report,) = _lint(change, dialect=dialect)
        assert [f.rule for f in report.all_findings] == [rule], dialect


def _table_id(mariadb) -> str:
    return mariadb.run("SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE "
                       "NAME = 'sqlmode/t'", "sqlmode").stdout.strip()


def test_mariadb_makes_a_column_not_null_in_place_without_a_strict_mode(mariadb) -> None:
    mariadb.fresh("sqlmode", SETUP + " INSERT INTO t VALUES (1, NULL), (2, 5);")
    before = _table_id(mariadb)
    ran = mariadb.run("SET sql_mode = ''; ALTER TABLE t MODIFY v INT NOT NULL, "
                      "ALGORITHM=INPLACE, LOCK=NONE; SELECT v FROM t ORDER BY id", "sqlmode")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["0", "5"]  # the NULL became 0
    assert _table_id(mariadb) != before  # rebuilt
    mariadb.fresh("sqlmode", SETUP + " INSERT INTO t VALUES (1, NULL);")
    strict_run = mariadb.run("ALTER TABLE t MODIFY v INT NOT NULL", "sqlmode")
    assert strict_run.returncode != 0 and "1265" in strict_run.stderr


_DEFAULT_CASES = [
    # (mode SET first, statement, refused on MariaDB 10.11: error 1067)
    ("", "ALTER TABLE t ADD COLUMN d DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00'", False),
    ("SET sql_mode = CONCAT(@@sql_mode, ',NO_ZERO_DATE')",
     "ALTER TABLE t ADD COLUMN d DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00'", True),
    ("SET sql_mode = 'NO_ZERO_DATE'", "CREATE TABLE z (d DATE DEFAULT '0000-00-00')", True),
    ("SET sql_mode = 'NO_ZERO_DATE'", "CREATE TABLE z (d DATETIME DEFAULT 0)", True),
    ("SET sql_mode = 'NO_ZERO_DATE'",
     "CREATE TABLE z (d TIMESTAMP NOT NULL DEFAULT '0000-00-00 00:00:00.000')", True),
    ("SET sql_mode = 'NO_ZERO_DATE'", "CREATE TABLE z (d DATE DEFAULT '2020-01-01')", False),
    ("SET sql_mode = 'TRADITIONAL'", "CREATE TABLE z (d DATE DEFAULT '0000-00-00')", True),
    ("SET sql_mode = 'TRADITIONAL'", "CREATE TABLE z (d DATE DEFAULT NULL)", False),
    ("", "CREATE TABLE z (c CHAR(2) DEFAULT 'abc')", True),
    ("SET sql_mode = ''", "ALTER TABLE t MODIFY v INT, ADD COLUMN c VARCHAR(1) DEFAULT 'xy'", True),
    ("", "CREATE TABLE z (c VARCHAR(3) CHARACTER SET utf8mb4 DEFAULT 'äöü')", False),
]


@pytest.mark.parametrize(("mode", "sql", "refused"), _DEFAULT_CASES)
def test_an_invalid_default_follows_the_mode_on_mariadb(mode: str, sql: str,
                                                        refused: bool) -> None:
    (report,) = _lint(f"{mode};\n{sql};" if mode else f"{sql};", dialect="mariadb")
    found = [f for f in report.all_findings if f.rule == "mysql-invalid-default"]
    assert bool(found) == refused, [f.rule for f in report.all_findings]
    if found:
        assert found[0].span.line == (2 if mode else 1)


@pytest.mark.parametrize(("mode", "sql", "refused"), _DEFAULT_CASES)
def test_invalid_defaults_on_mariadb(mariadb, mode: str, sql: str, refused: bool) -> None:
    mariadb.fresh("sqlmode", SETUP)
    ran = mariadb.run(f"{mode}; {sql}" if mode else sql, "sqlmode")
    assert (ran.returncode != 0) == refused, ran.stderr
    assert not refused or "1067" in ran.stderr


@pytest.mark.parametrize(("mode", "refused"), [
    ("", True),  # MySQL 8's default: NO_ZERO_DATE with STRICT_TRANS_TABLES
    ("SET SESSION sql_mode = REPLACE(@@sql_mode, 'NO_ZERO_DATE', '');\n", False),
    ("SET sql_mode = 'NO_ZERO_DATE';\n", False),  # no strict mode: a warning (the manual)
    ("SET sql_mode = @saved;\n", False),  # not known: not said
])
def test_a_zero_date_default_on_mysql(mode: str, refused: bool) -> None:
    (report,) = _lint(f"{mode}ALTER TABLE t ADD COLUMN d DATE NOT NULL DEFAULT '0000-00-00';",
                      dialect="mysql")
    assert bool([f for f in report.all_findings if f.rule == "mysql-invalid-default"]) == \
        refused


# --- fix-mysql61: NO_ZERO_IN_DATE, and a zero DEFAULT stored under an older mode --------------

ZERO_KEPT = ("SET sql_mode = '';\nCREATE TABLE zd (id INT, d DATETIME NOT NULL DEFAULT "
             "'0000-00-00 00:00:00', e DATE, KEY ie (e));")
STRICT_NO_ZERO = "SET sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE';\n"

#: (the change after ZERO_KEPT, the column MariaDB 10.11's 1067 names, or "" when it runs)
_STORED_CASES = [
    (STRICT_NO_ZERO + "ALTER TABLE zd ADD COLUMN x INT", "d"),
    ("SET sql_mode = 'NO_ZERO_DATE';\nALTER TABLE zd ADD COLUMN x INT", "d"),
    (STRICT_NO_ZERO + "ALTER TABLE zd COMMENT = 'x'", "d"),
    (STRICT_NO_ZERO + "ALTER TABLE zd ALTER e SET DEFAULT NULL", "d"),
    (STRICT_NO_ZERO + "ALTER TABLE zd RENAME COLUMN d TO d3", "d3"),
    (STRICT_NO_ZERO + "ALTER TABLE zd RENAME TO zq, ALGORITHM=COPY", "d"),
    (STRICT_NO_ZERO + "CREATE INDEX i2 ON zd (id)", "d"),
    (STRICT_NO_ZERO + "DROP INDEX ie ON zd", "d"),
    (STRICT_NO_ZERO + "ALTER TABLE zd ALTER d DROP DEFAULT, ADD COLUMN x INT", ""),
    (STRICT_NO_ZERO + "ALTER TABLE zd ALTER d SET DEFAULT '2000-01-01'", ""),
    (STRICT_NO_ZERO + "ALTER TABLE zd MODIFY d DATETIME NULL", ""),
    (STRICT_NO_ZERO + "ALTER TABLE zd DROP COLUMN d", ""),
    (STRICT_NO_ZERO + "ALTER TABLE zd RENAME TO zq", ""),
    (STRICT_NO_ZERO + "TRUNCATE TABLE zd", ""),
    ("SET sql_mode = 'STRICT_TRANS_TABLES';\nALTER TABLE zd ADD COLUMN x INT", ""),
    ("ALTER TABLE zd ADD COLUMN x INT", ""),  # MariaDB's default mode has no NO_ZERO_DATE
    (STRICT_NO_ZERO + "ALTER TABLE zd ALTER e SET DEFAULT 0", "d"),
    # NO_ZERO_IN_DATE: a DEFAULT with a zero month or day, strict or not
    ("SET sql_mode = 'NO_ZERO_IN_DATE';\nCREATE TABLE z (d DATE DEFAULT '2020-00-10')", "d"),
    ("SET sql_mode = 'NO_ZERO_IN_DATE,STRICT_TRANS_TABLES';\n"
     "CREATE TABLE z (d DATE DEFAULT '2020-01-00')", "d"),
    ("SET sql_mode = 'NO_ZERO_IN_DATE,STRICT_TRANS_TABLES';\n"
     "CREATE TABLE z (d DATE DEFAULT '0000-00-00')", ""),
    ("CREATE TABLE z (d DATE DEFAULT '2020-00-10')", ""),
]


def _zero_kept(change: str, dialect: str) -> list:
    reports = lint_migrations([migration_from_text(ZERO_KEPT, "1_setup.sql"),
                               migration_from_text(change + ";", "2_change.sql")],
                              LintOptions(dialect=dialect))
    return [f for f in reports[1].all_findings if f.rule == "mysql-invalid-default"]


@pytest.mark.parametrize(("change", "column"), _STORED_CASES)
def test_a_stored_zero_default_is_checked_again_on_mariadb(change: str, column: str) -> None:
    found = _zero_kept(change, "mariadb")
    if column:
        (finding,) = found
        assert f"Invalid default value for '{column}'" in finding.message
        assert finding.statement_index == change.count(";")
    else:
        assert not found


@pytest.mark.parametrize(("change", "column"), _STORED_CASES)
def test_the_server_checks_a_stored_default_again(mariadb, change: str, column: str) -> None:
    mariadb.fresh("sqlmode", ZERO_KEPT)
    ran = mariadb.run(change, "sqlmode")  # (the SET and the statement in one session)
    if column:
        assert "ERROR 1067 " in ran.stderr and f"for '{column}'" in ran.stderr, ran.stderr
    else:
        assert ran.returncode == 0, ran.stderr


@pytest.mark.parametrize(("change", "said"), [
    ("ALTER TABLE zd ADD COLUMN x INT", True),  # MySQL 8's default mode
    ("SET sql_mode = 'NO_ZERO_DATE';\nALTER TABLE zd ADD COLUMN x INT", False),  # not strict
    ("ALTER TABLE zd ALTER d DROP DEFAULT, ADD COLUMN x INT", False),
    ("SET sql_mode = @saved;\nALTER TABLE zd ADD COLUMN x INT", False),  # not known
])
def test_a_stored_zero_default_on_mysql(change: str, said: bool) -> None:
    assert bool(_zero_kept(change, "mysql")) is said
