"""A CREATE TABLE the server refuses makes no table (fix-mysql61): the replay does not record
it, and a later ALTER or DROP of it fails as the server says (1146, 1051). Checked on MariaDB
10.11; MySQL 8 from its manual only."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE kept (id INT NOT NULL, v INT);\n"

#: (statements, the rule said at the last one and its error, or "" when it runs)
CASES = [
    ("CREATE TABLE n (id INT NOT NULL, v INT) ENGINE=CSV;\nALTER TABLE n ADD COLUMN z INT",
     "mysql-unknown-table", 1146),
    ("CREATE TABLE n (id INT NOT NULL, v INT) ENGINE=CSV;\nDROP TABLE n",
     "mysql-unknown-table", 1051),
    ("CREATE TABLE IF NOT EXISTS n (id INT NOT NULL, v INT) ENGINE=CSV;\n"
     "ALTER TABLE n ADD COLUMN z INT", "mysql-unknown-table", 1146),
    ("SET sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE';\n"
     "CREATE TABLE n (d DATETIME DEFAULT '0000-00-00 00:00:00');\nALTER TABLE n ADD COLUMN z INT",
     "mysql-unknown-table", 1146),
    # made again since: there
    ("CREATE TABLE n (id INT NOT NULL, v INT) ENGINE=CSV;\nCREATE TABLE n (id INT);\n"
     "ALTER TABLE n ADD COLUMN z INT", "", 0),
    # a table that was there stays (the server answers 1050 at the CREATE)
    ("CREATE TABLE kept (id INT NOT NULL, v INT) ENGINE=CSV;\nALTER TABLE kept ADD COLUMN z INT",
     "", 0),
    ("CREATE TABLE n (id INT NOT NULL, v INT) ENGINE=CSV;\nDROP TABLE IF EXISTS n", "", 0),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "rule", "error"), CASES)
def test_a_refused_create_makes_no_table(lint_change, dialect: str, change: str, rule: str,
                                         error: int) -> None:
    last = change.count(";")
    found = [f for f in lint_change(change + ";", dialect).all_findings
             if f.statement_index == last]
    if rule:
        (finding,) = found
        assert finding.rule == rule and f"(error {error}:" in finding.message
        assert "refused its CREATE TABLE earlier" in finding.message
    else:
        assert not [f for f in found if f.rule == "mysql-unknown-table"]


def test_a_dropped_table_is_still_said_dropped(lint_change) -> None:
    (finding,) = [f for f in lint_change(
        "CREATE TABLE n (id INT);\nDROP TABLE n;\nDROP TABLE n;", "mariadb").all_findings
        if f.rule == "mysql-unknown-table"]
    assert "dropped or renamed it away" in finding.message


@pytest.mark.parametrize(("change", "rule", "error"), CASES)
def test_the_server_agrees(mariadb, change: str, rule: str, error: int) -> None:
    mariadb.fresh("refused", SETUP)
    *before, last = change.split(";\n")
    mode = "".join(f"{s}; " for s in before if s.startswith("SET "))
    for statement in before:  # (each its own session, the SET's mode in each)
        if not statement.startswith("SET "):
            mariadb.run(mode + statement, "refused")
    ran = mariadb.run(last, "refused")
    if error:
        assert f"ERROR {error} " in ran.stderr, ran.stderr
    else:
        assert ran.returncode == 0, ran.stderr


# --- a definition that contradicts itself (mysql-table-definition-refused) -------------------

#: (CREATE TABLE, the error MariaDB 10.11 answers, or 0 when it runs it; mixed: more than one
#: of them, whose order only MariaDB's answer shows)
DEFINITIONS = [
    ("CREATE TABLE d (id INT, id INT)", 1060, False),
    ("CREATE TABLE d (a INT, A INT)", 1060, False),
    ("CREATE TABLE d (id INT, KEY (nope))", 1072, False),
    ("CREATE TABLE d (a INT, b INT, KEY (a, nope))", 1072, False),
    ("CREATE TABLE d (id INT, FOREIGN KEY (zz) REFERENCES kept (id))", 1072, False),
    ("CREATE TABLE d (id INT, b TEXT, FULLTEXT KEY (nope))", 1072, False),
    ("CREATE TABLE d (a INT, b INT, CONSTRAINT u UNIQUE (a), KEY U (b))", 1061, False),
    ("CREATE TABLE d (a INT, b INT, KEY i (a), UNIQUE KEY I (b))", 1061, False),
    ("CREATE TABLE d (a INT PRIMARY KEY, b INT, CONSTRAINT x PRIMARY KEY (b))", 1068, False),
    ("CREATE TABLE d (a INT, PRIMARY KEY (a), PRIMARY KEY (a))", 1068, False),
    ("CREATE TABLE d (id INT, id INT, KEY (nope))", 1060, True),
    ("CREATE TABLE d (a INT, b INT, KEY i (a), KEY i (b), KEY j (nope))", 1072, True),
    ("CREATE TABLE d (a INT PRIMARY KEY, b INT, KEY i (a), KEY i (b), PRIMARY KEY (b))", 1061,
     True),
    ("CREATE TABLE d (a INT NOT NULL, b INT NOT NULL, KEY (nope)) ENGINE=CSV", 1072, False),
    ("CREATE TABLE d (a INT, b VARCHAR(9), KEY (a), KEY (a), KEY (b(2)))", 0, False),
    ("CREATE TABLE d (a INT, KEY (A))", 0, False),
    ("CREATE TABLE d (KEY (id)) AS SELECT id FROM kept", 0, False),
    ("CREATE TABLE d (id INT, v INT, UNIQUE (id), PRIMARY KEY (v))", 0, False),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("create", "error", "mixed"), DEFINITIONS)
def test_a_definition_the_server_refuses(lint_change, dialect: str, create: str, error: int,
                                         mixed: bool) -> None:
    found = [f for f in lint_change(create + ";\nALTER TABLE d ADD COLUMN z INT;", dialect)
             .all_findings]
    refused = [f for f in found if f.rule == "mysql-table-definition-refused"]
    if error and not (mixed and dialect == "mysql"):
        (finding,) = refused
        assert f"(error {error}:" in finding.message and finding.statement_index == 0
        assert [f.rule for f in found if f.statement_index == 0] == [refused[0].rule]
    else:
        assert not refused
    # a table whose CREATE lockwise says refused is not there afterwards
    assert any(f.rule == "mysql-unknown-table" for f in found) is bool(refused)


@pytest.mark.parametrize(("create", "error", "mixed"), DEFINITIONS)
def test_the_server_refuses_the_same_definitions(mariadb, create: str, error: int,
                                                 mixed: bool) -> None:
    mariadb.fresh("refused", SETUP)
    ran = mariadb.run(create, "refused")
    if error:
        assert f"ERROR {error} " in ran.stderr, ran.stderr
    else:
        assert ran.returncode == 0, ran.stderr
