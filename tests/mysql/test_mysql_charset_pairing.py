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
    return _error_code(report, "mysql_foreign_key_column_changed")


def _error_code(report, action: str) -> int | None:
    """The error the first `action` of the report gives (None: there is none), its rule
    (the action's name in dashes) found exactly when it is."""
    codes = [a.facts["error_code"] for s in report.statements for a in s.effect.actions
             if a.kind == action]
    assert bool(codes) == (action.replace("_", "-") in {f.rule for f in report.all_findings})
    return codes[0] if codes else None


def _assert_answer(mariadb, setup: str, statement: str, error: int | None) -> None:
    """MariaDB, after `setup` in a fresh database, answers `statement` with `error` (None:
    it runs)."""
    mariadb.fresh("charset_pairing", setup.replace("\n", " "))
    ran = mariadb.run(statement, "charset_pairing")
    if error is None:
        assert ran.returncode == 0, ran.stderr
    else:
        assert f"ERROR {error} " in ran.stderr, ran.stderr


@pytest.mark.parametrize(("change", "error"), FOREIGN_KEY)
def test_a_foreign_key_column_collation_change(lint_change, change: str,
                                               error: int | None) -> None:
    assert _fk_error(lint_change(change + ";", "mariadb", setup=KEYED)) == error


@pytest.mark.parametrize(("change", "error"), FOREIGN_KEY)
def test_mariadb_refuses_the_collation_change(mariadb, change: str, error: int | None) -> None:
    _assert_answer(mariadb, KEYED, change, error)


def test_mysql_collation_change_is_left(lint_change) -> None:
    """MySQL's answer was not run: the collation change is not reported there."""
    change = "ALTER TABLE c MODIFY pid VARCHAR(10) COLLATE utf8mb4_bin;"
    assert _fk_error(lint_change(change, "mysql", setup=KEYED)) is None


#: a utf8mb4 table in a database of the server's default set (latin1 on 10.11)
TABLE = "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10)) DEFAULT CHARSET=utf8mb4;"

#: (statement, the error MariaDB 10.11 answers, None: it runs)
PAIRED = [
    # DEFAULT: the database's set
    ("ALTER TABLE t CONVERT TO CHARACTER SET DEFAULT COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t CHARACTER SET DEFAULT COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t DEFAULT CHARSET = DEFAULT COLLATE utf8mb4_bin", 1253),
    ("CREATE TABLE u (a INT) CHARACTER SET DEFAULT COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t CONVERT TO CHARACTER SET DEFAULT COLLATE latin1_bin", None),
    ("ALTER TABLE t CHARACTER SET DEFAULT COLLATE latin1_bin", None),
    # a table's options pair across commas, in either order
    ("CREATE TABLE u (a INT) CHARACTER SET utf8mb4, COLLATE latin1_bin", 1253),
    ("CREATE TABLE u (a INT) CHARACTER SET utf8mb4, ENGINE=InnoDB, COLLATE latin1_bin", 1253),
    ("CREATE TABLE u (a INT) CHARACTER SET utf8mb4 ENGINE=InnoDB COLLATE latin1_bin", 1253),
    ("ALTER TABLE t CHARACTER SET latin1, COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t CHARACTER SET latin1, ADD COLUMN x INT, COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t COLLATE latin1_bin, CHARACTER SET utf8mb4", 1253),
    ("ALTER TABLE t ENGINE=InnoDB, DEFAULT CHARSET latin1, COLLATE = utf8mb4_bin", 1253),
    ("ALTER TABLE t CHARACTER SET latin1, COLLATE latin1_bin", None),
    # a column's set, or CONVERT's, is not the table's COLLATE's
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET latin1, COLLATE utf8mb4_bin", None),
    ("ALTER TABLE t CONVERT TO CHARACTER SET latin1, COLLATE utf8mb4_bin", None),
    ("CREATE TABLE u (a VARCHAR(5) CHARACTER SET latin1, b VARCHAR(5) COLLATE utf8mb4_bin)",
     None),
]


def _refusal(report) -> int | None:
    return _error_code(report, "mysql_charset_refused")


@pytest.mark.parametrize(("statement", "error"), PAIRED)
def test_lockwise_pairs_as_the_server(lint_change, statement: str, error: int | None) -> None:
    assert _refusal(lint_change(statement + ";", "mariadb", setup=TABLE)) == error


@pytest.mark.parametrize(("statement", "error"), PAIRED)
def test_mariadb_pairs_them(mariadb, statement: str, error: int | None) -> None:
    _assert_answer(mariadb, TABLE, statement, error)


def test_default_is_the_database_the_migrations_made(lint_change) -> None:
    """In a utf8mb4 database the replay knows, DEFAULT is utf8mb4: its collation is taken,
    latin1's refused."""
    setup = "CREATE DATABASE d CHARACTER SET utf8mb4;\nUSE d;\n" + TABLE
    # (a migration is a connection of its own: it selects the database again)
    statement = "USE d;\nALTER TABLE t CONVERT TO CHARACTER SET DEFAULT COLLATE {};"
    assert _refusal(lint_change(statement.format("utf8mb4_bin"), "mariadb", setup=setup)) \
        is None
    assert _refusal(lint_change(statement.format("latin1_bin"), "mariadb", setup=setup)) == 1253


def test_mariadb_default_is_the_database_set(mariadb) -> None:
    mariadb.run("DROP DATABASE IF EXISTS pairing_mb4; CREATE DATABASE pairing_mb4 CHARACTER "
                "SET utf8mb4", "mysql")
    assert mariadb.run(TABLE, "pairing_mb4").returncode == 0
    statement = "ALTER TABLE t CONVERT TO CHARACTER SET DEFAULT COLLATE {}"
    taken = mariadb.run(statement.format("utf8mb4_bin"), "pairing_mb4")
    assert taken.returncode == 0, taken.stderr
    assert "ERROR 1253 " in mariadb.run(statement.format("latin1_bin"), "pairing_mb4").stderr
    mariadb.run("DROP DATABASE pairing_mb4", "mysql")


def test_default_on_mysql_8_is_utf8mb4(lint_change) -> None:
    """MySQL 8's server set is utf8mb4 (server_default_charset): its collation is taken."""
    statement = "ALTER TABLE t CONVERT TO CHARACTER SET DEFAULT COLLATE utf8mb4_bin;"
    assert _refusal(lint_change(statement, "mysql", setup=TABLE)) is None


#: latin1 TEXT columns converted to utf8mb4: each the next size up (SHOW CREATE TABLE)
TEXTS = ("CREATE TABLE x (id INT PRIMARY KEY, a TINYTEXT, b TEXT, m MEDIUMTEXT) "
         "DEFAULT CHARSET=latin1;\nALTER TABLE x CONVERT TO CHARACTER SET utf8mb4;")

#: (change after TEXTS, MariaDB 10.11's algorithm)
AFTER_CONVERT = [
    ("ALTER TABLE x MODIFY b TEXT", "COPY"),
    ("ALTER TABLE x MODIFY a TINYTEXT", "COPY"),
    ("ALTER TABLE x MODIFY b MEDIUMTEXT", "INSTANT"),
    ("ALTER TABLE x MODIFY a TEXT", "INSTANT"),
    ("ALTER TABLE x MODIFY m LONGTEXT", "INSTANT"),
]


@pytest.mark.parametrize(("change", "expected"), AFTER_CONVERT)
def test_the_replay_widens_text(alter_algorithm, lint_change, change: str,
                                expected: str) -> None:
    assert alter_algorithm(lint_change(change + ";", "mariadb", setup=TEXTS)) == expected


@pytest.mark.parametrize(("change", "expected"), AFTER_CONVERT)
def test_mariadb_after_convert(mariadb, change: str, expected: str) -> None:
    mariadb.assert_cheapest("charset_pairing", TEXTS.replace("\n", " "), change, expected)


def test_mariadb_shows_the_types(mariadb) -> None:
    mariadb.fresh("charset_pairing", TEXTS.replace("\n", " "))
    shown = mariadb.run("SHOW CREATE TABLE x", "charset_pairing").stdout
    assert "`a` text" in shown and "`b` mediumtext" in shown and "`m` longtext" in shown


@pytest.mark.parametrize(("old", "new", "widened"), [
    ("utf8mb4", "latin1", False), ("utf8mb4", "utf8mb3", False), ("utf8mb3", "ucs2", False),
    ("utf8mb4", "utf8mb4", False), ("ucs2", "utf8mb3", True), ("latin1", "ucs2", True)])
def test_only_a_wider_set_widens(alter_algorithm, lint_change, mariadb, old: str, new: str,
                                 widened: bool) -> None:
    """A TEXT kept by a set as wide or narrower stays a TEXT: `MODIFY b MEDIUMTEXT` after it
    is no longer instant."""
    setup = (f"CREATE TABLE x (id INT PRIMARY KEY, b TEXT) DEFAULT CHARSET={old};\n"
             f"ALTER TABLE x CONVERT TO CHARACTER SET {new};")
    mariadb.fresh("charset_pairing", setup.replace("\n", " "))
    shown = mariadb.run("SHOW CREATE TABLE x", "charset_pairing").stdout
    assert ("`b` mediumtext" in shown) == widened
    instant = mariadb.run("ALTER TABLE x MODIFY b MEDIUMTEXT, ALGORITHM=INSTANT",
                          "charset_pairing")
    assert (instant.returncode == 0) == widened, instant.stderr
    report = lint_change("ALTER TABLE x MODIFY b MEDIUMTEXT;", "mariadb", setup=setup)
    assert (alter_algorithm(report) == "INSTANT") == widened


def test_a_select_collation_is_not_the_table_set(lint_change, mariadb) -> None:
    """A CREATE's SELECT: the literal's set is the connection's, not the table's utf8mb4, so
    its COLLATE latin1_bin runs (SET NAMES latin1); lockwise paired it with the table's set
    (1253) and now pairs it with none."""
    statement = "CREATE TABLE u (a VARCHAR(5)) CHARSET utf8mb4 SELECT 'x' COLLATE latin1_bin AS a"
    _assert_answer(mariadb, TABLE, f"SET NAMES latin1; {statement}", None)
    assert _refusal(lint_change(statement + ";", "mariadb", setup=TABLE)) is None
