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
