"""CREATE TABLE ... LIKE copies its source's columns, keys, indexes, CHECKs and partitioning
but no foreign key; CREATE TABLE ... AS SELECT copies the types and nullability of the columns
it reads, and no key (fix-mysql61). The replay now knows them, so a later ALTER of the copy is
judged as one of its source. Checked on MariaDB 10.11; MySQL 8 from its manual ("CREATE
TABLE ... LIKE Statement") only."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE c (id INT PRIMARY KEY, pid INT, v INT, KEY iv (v),
  CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES p (id));
CREATE TABLE a (id INT NOT NULL, v INT, n INT NOT NULL) ENGINE=ARCHIVE;
"""

#: (statements after SETUP, the rule said at the last one and the server's error, or "", 0
#: when the server runs it and lockwise says no refusal)
CASES = [
    # LIKE: the index is copied, the foreign key is not (nor its name)
    ("CREATE TABLE c2 LIKE c;\nALTER TABLE c2 DROP INDEX nosuch", "mysql-index-not-found", 1091),
    ("CREATE TABLE c2 LIKE c;\nALTER TABLE c2 DROP INDEX iv", "", 0),
    ("CREATE TABLE c2 LIKE c;\nALTER TABLE c2 DROP FOREIGN KEY c_fk",
     "mysql-index-not-found", 1091),
    ("CREATE TABLE c2 LIKE c;\nALTER TABLE c2 MODIFY pid BIGINT", "", 0),
    ("ALTER TABLE c MODIFY pid BIGINT", "mysql-foreign-key-column-changed", 1832),
    ("CREATE TABLE c2 LIKE c;\nALTER TABLE c2 COALESCE PARTITION 1",
     "mysql-partition-operation-refused", 1505),
    # LIKE of an ARCHIVE table: its columns' nullability is known
    ("CREATE TABLE x LIKE a;\nALTER TABLE x ADD INDEX xv (v)", "mysql-engine-refused", 1121),
    ("CREATE TABLE x LIKE a;\nALTER TABLE x ADD INDEX xn (n)", "mysql-engine-refused", 1005),
    # AS SELECT: the columns it reads, NULL or NOT NULL as there
    ("CREATE TABLE x ENGINE=ARCHIVE AS SELECT id, v FROM a;\nALTER TABLE x ADD INDEX xv (v)",
     "mysql-engine-refused", 1121),
    ("CREATE TABLE x ENGINE=ARCHIVE AS SELECT id, n FROM a;\nALTER TABLE x ADD INDEX xn (n)",
     "mysql-engine-refused", 1005),
]

REFUSALS = {"mysql-index-not-found", "mysql-engine-refused", "mysql-partition-operation-refused",
            "mysql-foreign-key-column-changed"}


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "rule", "error"), CASES)
def test_a_copy_is_judged_as_its_source(lint_change, dialect: str, change: str, rule: str,
                                        error: int) -> None:
    last = change.count(";")
    found = [f for f in lint_change(change + ";", dialect).all_findings
             if f.statement_index == last and f.rule in REFUSALS]
    if rule:
        (finding,) = found
        assert finding.rule == rule and f"(error {error}:" in finding.message
    else:
        assert not found


def _alter(report, index: int) -> dict:
    (action,) = [a for a in report.statements[index].effect.actions
                 if a.kind == "mysql_alter_table"]
    return action.facts


def test_a_like_copy_has_its_sources_columns(lint_change) -> None:
    report = lint_change("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100));\n"
                         "CREATE TABLE t2 LIKE t;\nALTER TABLE t2 MODIFY v VARCHAR(30);",
                         "mariadb")
    assert _alter(report, 2)["operations"] == ("shrink_varchar",)


def _constraint_not_found(lint_change, drop: str, dialect: str) -> bool:
    setup = "CREATE TABLE k (a INT, CONSTRAINT k_pos CHECK (a > 0));\n"
    return "mysql-constraint-not-found" in [f.rule for f in lint_change(
        f"CREATE TABLE k2 LIKE k;\nALTER TABLE k2 {drop};", dialect, setup=setup).all_findings]


def test_mariadb_copies_the_check_names(lint_change) -> None:
    assert not _constraint_not_found(lint_change, "DROP CONSTRAINT k_pos", "mariadb")
    assert _constraint_not_found(lint_change, "DROP CONSTRAINT nosuch", "mariadb")


def test_mysql_generates_the_copys_check_names(lint_change) -> None:
    # (its manual: "all the constraint names are generated"; not observed, so not judged)
    assert not _constraint_not_found(lint_change, "DROP CHECK k_pos", "mysql")
    assert not _constraint_not_found(lint_change, "DROP CHECK nosuch", "mysql")


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize(("change", "rule", "error"), CASES)
def test_the_server_agrees(mariadb, change: str, rule: str, error: int) -> None:
    ran = mariadb.run("INSTALL SONAME 'ha_archive'", "mysql")
    if ran.returncode and "already" not in ran.stderr.lower() and "1968" not in ran.stderr \
            and "1125" not in ran.stderr:
        pytest.skip(f"ha_archive cannot be installed: {ran.stderr}")
    mariadb.fresh("copies", SETUP)
    *before, last = change.split(";\n")
    for statement in before:
        assert mariadb.run(statement, "copies").returncode == 0
    ran = mariadb.run(last, "copies")
    if error:
        assert f"ERROR {error} " in ran.stderr, ran.stderr
    else:
        assert ran.returncode == 0, ran.stderr


def test_the_server_copies_checks_and_indexes_not_foreign_keys(mariadb) -> None:
    mariadb.fresh("copies", SETUP + "CREATE TABLE k (a INT, CONSTRAINT k_pos CHECK (a > 0));")
    shown = mariadb.run("CREATE TABLE c2 LIKE c; CREATE TABLE k2 LIKE k; SHOW CREATE TABLE c2;"
                        " SHOW CREATE TABLE k2", "copies").stdout
    assert "KEY `iv`" in shown and "KEY `c_fk`" in shown and "FOREIGN KEY" not in shown
    assert "CONSTRAINT `k_pos` CHECK" in shown
