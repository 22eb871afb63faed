"""CSV, ARCHIVE and BLACKHOLE tables (fix-mysql59): no online DDL (each ALTER but a
metadata-only one copies: ARCHIVE and BLACKHOLE copy for everything but RENAME TO), and what
CSV and ARCHIVE refuse (mysql-engine-refused, with the server's error). Checked on MariaDB
10.11, ARCHIVE and BLACKHOLE being its ha_archive and ha_blackhole plugins; MySQL 8 from its
manual only."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE c (id INT NOT NULL, v INT NOT NULL) ENGINE=CSV;
CREATE TABLE a (id INT NOT NULL, v INT, n INT NOT NULL) ENGINE=ARCHIVE;
CREATE TABLE b (id INT NOT NULL, v INT) ENGINE=BLACKHOLE;
"""

#: (table, operation, the error MariaDB 10.11 answers, or 0 when it runs it)
CASES = [
    ("c", "ADD COLUMN x INT", 1178),
    ("c", "ADD COLUMN x INT NOT NULL", 0),
    ("c", "ADD COLUMN x INT NOT NULL DEFAULT 0", 0),
    ("c", "ADD COLUMN x INT NOT NULL AUTO_INCREMENT", 1164),
    ("c", "ADD INDEX iv (v)", 1069),
    ("c", "ADD UNIQUE (v)", 1069),
    ("c", "ADD PRIMARY KEY (id)", 1069),
    ("c", "MODIFY v INT NULL", 1178),
    ("c", "MODIFY v BIGINT NOT NULL", 0),
    ("c", "DROP COLUMN v", 0),
    ("a", "ADD COLUMN x INT", 0),
    ("a", "ADD INDEX iv (v)", 1121),
    ("a", "ADD INDEX iv (n)", 1005),
    ("a", "ADD PRIMARY KEY (id)", 1005),
    ("a", "MODIFY id INT NOT NULL AUTO_INCREMENT, ADD PRIMARY KEY (id)", 0),
    ("a", "MODIFY id INT NOT NULL AUTO_INCREMENT, ADD KEY (id), ADD KEY (n)", 1069),
    ("a", "DROP COLUMN v", 0),
    ("b", "ADD INDEX iv (v)", 0),
    ("b", "ADD PRIMARY KEY (id)", 0),
    ("b", "ADD COLUMN x INT", 0),
]


def _rules(report) -> dict:
    return {f.rule: f for f in report.all_findings}


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("table", "operation", "error"), CASES)
def test_the_engine_refuses_what_it_cannot_keep(lint_change, dialect: str, table: str,
                                                operation: str, error: int) -> None:
    found = _rules(lint_change(f"ALTER TABLE {table} {operation};", dialect))
    if error:
        assert f"(error {error}:" in found["mysql-engine-refused"].message
    else:
        assert "mysql-engine-refused" not in found


def test_an_innodb_table_takes_them(lint_change) -> None:
    setup = "CREATE TABLE i (id INT NOT NULL, v INT);\n"
    for _, operation, _ in CASES:
        assert "mysql-engine-refused" not in _rules(lint_change(
            f"ALTER TABLE i {operation};", "mariadb", setup=setup))


def _alter(report) -> dict:
    (action,) = [a for s in report.statements for a in s.effect.actions
                 if a.kind == "mysql_alter_table"]
    return action.facts


@pytest.mark.parametrize(("table", "operation", "copies"), [
    ("c", "ADD COLUMN x INT NOT NULL", True), ("c", "RENAME COLUMN v TO w", False),
    ("c", "COMMENT = 'x'", False), ("a", "ADD COLUMN x INT", True),
    ("a", "RENAME COLUMN v TO w", True), ("a", "ALTER v SET DEFAULT 3", True),
    ("b", "COMMENT = 'x'", True), ("b", "RENAME TO b2", False), ("a", "RENAME TO a2", False)])
def test_each_alter_but_a_metadata_one_copies(lint_change, table: str, operation: str,
                                              copies: bool) -> None:
    facts = _alter(lint_change(f"ALTER TABLE {table} {operation};", "mariadb"))
    assert (facts["algorithm"] == "COPY") is copies
    if copies:
        assert facts["lock_level"] == "SHARED" and not facts["permits_dml"]


def test_a_refused_alter_is_not_replayed(lint_change) -> None:
    # (the refused index was never made: the AUTO_INCREMENT column's is ARCHIVE's one index)
    report = lint_change("ALTER TABLE a ADD INDEX iv (n);\nALTER TABLE a MODIFY id INT NOT "
                         "NULL AUTO_INCREMENT, ADD KEY (id);", "mariadb")
    assert [f.statement_index for f in report.all_findings
            if f.rule == "mysql-engine-refused"] == [0]


# --- checked on MariaDB ----------------------------------------------------------------------

def _plugins(mariadb) -> None:
    for plugin in ("ha_archive", "ha_blackhole"):
        ran = mariadb.run(f"INSTALL SONAME '{plugin}'", "mysql")
        if ran.returncode and "already" not in ran.stderr.lower() and \
                "1968" not in ran.stderr and "1125" not in ran.stderr:
            pytest.skip(f"{plugin} cannot be installed: {ran.stderr}")


@pytest.mark.parametrize(("table", "operation", "error"), CASES)
def test_the_server_agrees(mariadb, lint_change, table: str, operation: str,
                           error: int) -> None:
    _plugins(mariadb)
    mariadb.fresh("limits", SETUP)
    ran = mariadb.run(f"ALTER TABLE {table} {operation}", "limits")
    if error:
        assert f"ERROR {error} " in ran.stderr, ran.stderr
    else:
        assert ran.returncode == 0, ran.stderr


@pytest.mark.parametrize(("table", "operation", "copies"), [
    ("c", "ADD COLUMN x INT NOT NULL", True), ("c", "RENAME COLUMN v TO w", False),
    ("a", "ADD COLUMN x INT", True), ("a", "RENAME COLUMN v TO w", True),
    ("a", "ALTER v SET DEFAULT 3", True), ("b", "COMMENT = 'x'", True),
    ("b", "RENAME TO b2", False)])
def test_the_server_copies_where_lockwise_says(mariadb, lint_change, table: str,
                                               operation: str, copies: bool) -> None:
    _plugins(mariadb)
    for clause in ("ALGORITHM=INSTANT", "ALGORITHM=INPLACE"):
        mariadb.fresh("limits", SETUP)
        ran = mariadb.run(f"ALTER TABLE {table} {operation}, {clause}", "limits")
        facts = _alter(lint_change(f"ALTER TABLE {table} {operation}, {clause};", "mariadb"))
        assert (ran.returncode == 0) is facts["algorithm_allowed"], (clause, ran.stderr)
        if copies:
            assert "ERROR 1845" in ran.stderr


# --- fix-mysql60: CREATE TABLE, and an index on a column the same ALTER changes -------------

#: (statements, the error MariaDB 10.11 answers at the last one, or 0 when it runs it)
CREATED = [
    ("CREATE TABLE n (id INT NOT NULL, v INT) ENGINE=CSV", 1178),
    ("CREATE TABLE n (id INT NOT NULL, v INT NOT NULL) ENGINE=CSV", 0),
    ("CREATE TABLE n (id INT NOT NULL AUTO_INCREMENT, v INT NOT NULL) ENGINE=CSV", 1164),
    ("CREATE TABLE n (id INT NOT NULL, v INT NOT NULL, KEY (v)) ENGINE=CSV", 1069),
    ("CREATE TABLE n (id INT NOT NULL PRIMARY KEY) ENGINE=CSV", 1069),
    ("SET default_storage_engine = CSV;\nCREATE TABLE n (id INT NOT NULL, v INT)", 1178),
    ("SET default_storage_engine = CSV;\nCREATE TABLE n (id INT NOT NULL)", 0),
    ("SET default_storage_engine = CSV;\nCREATE TEMPORARY TABLE n (id INT NOT NULL, v INT)"
     " ENGINE=InnoDB", 0),
    ("CREATE TABLE n (id INT NOT NULL, v INT, KEY (v)) ENGINE=ARCHIVE", 1121),
    ("CREATE TABLE n (id INT NOT NULL, v INT NOT NULL, KEY (v)) ENGINE=ARCHIVE", 1005),
    ("CREATE TABLE n (id INT NOT NULL PRIMARY KEY) ENGINE=ARCHIVE", 1005),
    ("CREATE TABLE n (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT) ENGINE=ARCHIVE", 0),
    ("CREATE TABLE n (id INT NOT NULL AUTO_INCREMENT, KEY (id)) ENGINE=ARCHIVE", 0),
    ("CREATE TABLE n (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT NOT NULL, KEY (v))"
     " ENGINE=ARCHIVE", 1069),
    ("CREATE TABLE n (id INT, v INT) ENGINE=ARCHIVE", 0),
    ("SET default_storage_engine = ARCHIVE;\nCREATE TABLE n (id INT, v INT, KEY (v))", 1121),
    ("CREATE TABLE n (id INT NOT NULL, v INT, KEY (v)) ENGINE=BLACKHOLE", 0),
    ("CREATE TABLE n (id INT NOT NULL, v INT, KEY (v))", 0),
    ("ALTER TABLE a MODIFY v INT NOT NULL, ADD INDEX iv (v)", 1005),
    ("ALTER TABLE a MODIFY v INT NOT NULL AUTO_INCREMENT, ADD INDEX iv (v)", 0),
    ("ALTER TABLE a ADD COLUMN x INT, ADD INDEX ix (x)", 1121),
    ("ALTER TABLE a ADD COLUMN x INT NOT NULL AUTO_INCREMENT, ADD INDEX ix (x)", 0),
    ("ALTER TABLE a MODIFY n INT NULL, ADD INDEX iv (n)", 1121),
    # AS SELECT: the columns it adds are NULL or NOT NULL as those it reads
    ("CREATE TABLE x ENGINE=CSV AS SELECT id, v FROM a", 1178),
    ("CREATE TABLE x ENGINE=CSV AS SELECT id, n AS m FROM a", 0),
    ("CREATE TABLE x ENGINE=CSV AS SELECT 1 AS k, 'z' AS s", 0),
    ("CREATE TABLE x ENGINE=CSV AS SELECT a.n FROM a JOIN c ON c.id = a.id", 0),  # (a join:
    # not judged)
    ("CREATE TABLE x (KEY (id)) ENGINE=CSV AS SELECT id FROM c", 1069),
    ("CREATE TABLE x (KEY (v)) ENGINE=ARCHIVE AS SELECT id, v FROM a", 1121),
    ("CREATE TABLE x ENGINE=ARCHIVE AS SELECT id, v FROM a", 0),
    ("SET default_storage_engine = CSV;\nCREATE TABLE x AS SELECT id, v FROM a", 1178),
    ("CREATE TABLE ai (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY);\n"
     "CREATE TABLE x ENGINE=CSV AS SELECT id FROM ai", 0),
    # LIKE: the copy keeps its source's engine and keys, whatever the default
    ("CREATE TABLE i (id INT NOT NULL, v INT, KEY (v));\nSET default_storage_engine = CSV;\n"
     "CREATE TABLE x LIKE i", 0),
    ("CREATE TABLE x LIKE a", 0),
    ("CREATE TABLE i (id INT NOT NULL, v INT, KEY (v));\nSET default_storage_engine = CSV;\n"
     "CREATE TABLE x LIKE i;\nALTER TABLE x ADD COLUMN y INT", 0),
    ("CREATE TABLE x LIKE c;\nALTER TABLE x ADD COLUMN y INT", 1178),
    ("CREATE TABLE x LIKE a;\nALTER TABLE x ADD INDEX xi (id), ADD INDEX xn (n)", 1069),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "error"), CREATED)
def test_a_created_table_is_refused_as_an_alter(lint_change, dialect: str, change: str,
                                                error: int) -> None:
    found = [f for f in lint_change(change + ";", dialect).all_findings
             if f.rule == "mysql-engine-refused"]
    if error:
        (finding,) = found
        assert f"(error {error}:" in finding.message
        assert finding.statement_index == change.count(";")
    else:
        assert not found


@pytest.mark.parametrize(("change", "error"), CREATED)
def test_the_server_refuses_the_same_creates(mariadb, change: str, error: int) -> None:
    _plugins(mariadb)
    mariadb.fresh("limits", SETUP)
    ran = mariadb.run(change, "limits")
    if error:
        assert f"ERROR {error} " in ran.stderr, ran.stderr
    else:
        assert ran.returncode == 0, ran.stderr
