"""What a session holding LOCK TABLES may still do, and what happens to locks a migration
never releases: the MySQL reference manual, "LOCK TABLES and UNLOCK TABLES Statements" (13.3.6
in 8.0, 15.3.6 in 8.4: "Table-Locking Restrictions and Conditions", "Rules for Lock Release"),
checked on MariaDB 10.11 by test_mariadb_truth.py."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(100));\n"
         "CREATE TABLE audit (id INT PRIMARY KEY, account_id INT);\n"
         "CREATE TABLE other (id INT PRIMARY KEY);")


def not_locked(report) -> list[tuple[int, str]]:
    """(line, table) of each statement refused because LOCK TABLES did not lock a table."""
    return [(f.span.line, f.message.split(" ", 1)[0]) for s in report.statements
            for f in s.findings if f.rule == "mysql-table-not-locked"]


#: Statements run under LOCK TABLES, one a line, and (line, table) of each the server refuses
#: (test_mariadb_truth.py runs them on MariaDB).
UNDER_LOCK_TABLES = [
    # only the tables it locked, by the names (or aliases) it locked them under
    ("LOCK TABLES accounts WRITE;\nSELECT * FROM other;\nUNLOCK TABLES;", [(2, "other")]),
    ("LOCK TABLES accounts WRITE;\nINSERT INTO audit SELECT id, id FROM accounts;\n"
     "UNLOCK TABLES;", [(2, "audit")]),
    ("LOCK TABLES accounts WRITE, audit READ;\nINSERT INTO audit VALUES (1, 1);\n"
     "UNLOCK TABLES;", [(2, "audit")]),
    ("LOCK TABLES accounts WRITE;\nALTER TABLE other ADD COLUMN x INT;\nUNLOCK TABLES;",
     [(2, "other")]),
    ("LOCK TABLES accounts WRITE;\nCREATE TABLE fresh (id INT);\nUNLOCK TABLES;",
     [(2, "fresh")]),
    ("LOCK TABLES accounts WRITE;\nDROP TABLE IF EXISTS gone;\nUNLOCK TABLES;", [(2, "gone")]),
    ("LOCK TABLES accounts AS a WRITE;\nSELECT * FROM accounts;\nUNLOCK TABLES;",
     [(2, "accounts")]),
    ("LOCK TABLES accounts WRITE;\nSELECT * FROM accounts AS a;\nUNLOCK TABLES;", [(2, "a")]),
    # a later LOCK TABLES releases the earlier locks first
    ("LOCK TABLES accounts WRITE;\nLOCK TABLES audit WRITE;\nSELECT * FROM accounts;\n"
     "UNLOCK TABLES;", [(3, "accounts")]),
    # what the session may do
    ("LOCK TABLES accounts WRITE, audit WRITE;\nINSERT INTO audit SELECT id, id FROM accounts;"
     "\nALTER TABLE accounts ADD COLUMN x INT;\nUNLOCK TABLES;\nSELECT * FROM other;", []),
    ("LOCK TABLES audit WRITE;\nALTER TABLE audit ADD FOREIGN KEY (account_id) REFERENCES "
     "accounts (id);\nUNLOCK TABLES;", []),
    ("LOCK TABLES accounts WRITE;\nCREATE TEMPORARY TABLE scratch (id INT);\n"
     "INSERT INTO scratch SELECT id FROM accounts;\nSELECT * FROM information_schema.tables;\n"
     "UNLOCK TABLES;", []),
    ("LOCK TABLES accounts WRITE;\nSTART TRANSACTION;\nSELECT * FROM other;\nCOMMIT;", []),
    ("LOCK TABLES accounts WRITE;\nBEGIN;\nSELECT * FROM other;\nCOMMIT;", []),
    # DROP TABLE and RENAME release the table's lock; the new name was not locked
    ("LOCK TABLES accounts WRITE, audit WRITE;\nALTER TABLE audit RENAME TO audit2;\n"
     "INSERT INTO audit2 VALUES (1, 1);\nUNLOCK TABLES;", [(3, "audit2")]),
    ("LOCK TABLES accounts WRITE, audit WRITE;\nDROP TABLE audit;\nSELECT * FROM audit;\n"
     "UNLOCK TABLES;", [(3, "audit")]),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "refused"), UNDER_LOCK_TABLES)
def test_a_table_not_locked_by_lock_tables_is_refused(lint_change, sql: str, refused: list,
                                                      dialect: str) -> None:
    assert not_locked(lint_change(sql, dialect)) == refused


def test_the_refusal_names_the_lock_tables_statement_and_the_error(lint_change) -> None:
    report = lint_change("LOCK TABLES accounts WRITE, audit READ;\n"
                         "UPDATE audit SET account_id = 1 WHERE id = 1;\n"
                         "UPDATE other SET id = 2 WHERE id = 1;\nUNLOCK TABLES;")
    (finding,) = [f for s in report.statements[1:2] for f in s.findings
                  if f.rule == "mysql-table-not-locked"]
    assert "READ lock" in finding.message and "1099" in finding.message
    assert "line 1" in finding.message


def test_a_refused_statement_is_not_judged_on_its_locks(lint_change) -> None:
    """It fails: the copy it would make never happens."""
    statements = lint_change("LOCK TABLES accounts WRITE;\nALTER TABLE other ADD FOREIGN KEY "
                             "(id) REFERENCES accounts (id);\nUNLOCK TABLES;").statements
    assert [f.rule for f in statements[1].findings] == ["mysql-table-not-locked"]


@pytest.mark.parametrize(("sql", "held"), [
    ("LOCK TABLES accounts WRITE;\nINSERT INTO accounts VALUES (1, 'a');", True),
    ("LOCK TABLES accounts WRITE;\nINSERT INTO accounts VALUES (1, 'a');\nUNLOCK TABLES;",
     False),
    ("LOCK TABLES accounts WRITE;\nINSERT INTO accounts VALUES (1, 'a');\nSTART TRANSACTION;"
     "\nCOMMIT;", False),
    # a dump's table, created here: no one else waits, but the tool's next statement does
    ("CREATE TABLE fresh (id INT);\nLOCK TABLES fresh WRITE;\nINSERT INTO fresh VALUES (1);",
     True),
])
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_locks_still_held_at_the_end_of_the_migration(lint_change, sql: str, held: bool,
                                                      dialect: str) -> None:
    found = [f for f in lint_change(sql, dialect).findings
             if f.rule == "mysql-lock-tables-not-released"]
    assert bool(found) == held
    if found:
        assert found[0].span.line == sql.splitlines().index(
            next(line for line in sql.splitlines() if line.startswith("LOCK"))) + 1


RENAME_UNDER_LOCK = ("LOCK TABLES accounts WRITE;\nRENAME TABLE accounts TO accounts_old;\n"
                     "SELECT * FROM accounts_old;\nUNLOCK TABLES;")


@pytest.mark.parametrize(("dialect", "version", "refused"), [
    ("mariadb", "10.11", [(2, 1192)]),
    ("mysql", "8.0.12", [(2, 1192)]),
    # from MySQL 8.0.13 a table locked WRITE may be renamed, and stays locked under its new
    # name (the manual's "RENAME TABLE Statement", 13.1.36 in 8.0, 15.1.36 in 8.4)
    ("mysql", "8.0.13", []),
    ("mysql", "8.4", []),
])
def test_rename_table_under_lock_tables(lint_change, dialect: str, version: str,
                                        refused: list[tuple[int, int]]) -> None:
    found = [(f.span.line, int(f.message.split("(error ")[1].split(":")[0]))
             for s in lint_change(RENAME_UNDER_LOCK, dialect, version).statements
             for f in s.findings
             if f.rule == "mysql-table-not-locked"]
    # a refused RENAME stops the migration: what lockwise says of the lines after it is moot
    assert [f for f in found if f[0] == 2] == refused
    assert refused or not found


@pytest.mark.parametrize(("sql", "refused"), [
    # each pair's table locked WRITE, or renamed by an earlier pair: the locks follow
    ("LOCK TABLES accounts WRITE;\nRENAME TABLE accounts TO tmp, tmp TO accounts_old;\n"
     "SELECT * FROM accounts_old;\nUNLOCK TABLES;", []),
    ("LOCK TABLES accounts WRITE, audit WRITE;\nRENAME TABLE accounts TO tmp, audit TO "
     "accounts, tmp TO audit;\nSELECT * FROM accounts, audit;\nUNLOCK TABLES;", []),
    ("LOCK TABLES accounts WRITE;\nRENAME TABLE accounts TO a2, audit TO a3;\n"
     "UNLOCK TABLES;", [(2, "audit")]),
])
def test_a_multi_table_rename_under_lock_tables_on_mysql(lint_change, sql: str,
                                                         refused: list[tuple[int, str]]) -> None:
    assert not_locked(lint_change(sql)) == refused


def test_a_rename_table_swap_keeps_the_name(lint_change) -> None:
    """`RENAME TABLE t TO t_old, t_new TO t` gives `t` to another table at once: running
    queries keep a table of that name, so rename-table does not report `t`."""
    sql = "RENAME TABLE accounts TO accounts_old, audit TO accounts;"
    renamed = [f.message for s in lint_change(sql).statements for f in s.findings
               if f.rule == "rename-table"]
    assert renamed == ["Renaming audit to accounts breaks every running query that uses the "
                       "old name."]


def test_each_pair_of_a_rename_table_is_its_own_finding(lint_change) -> None:
    """`RENAME TABLE a TO b, c TO d` renames two tables: each breaks its own running queries,
    and each is a finding naming its table (the statement gave one, for its first pair)."""
    sql = "RENAME TABLE accounts TO a2, audit TO a3;"
    renamed = [f.message for s in lint_change(sql).statements for f in s.findings
               if f.rule == "rename-table"]
    assert renamed == [
        "Renaming accounts to a2 breaks every running query that uses the old name.",
        "Renaming audit to a3 breaks every running query that uses the old name."]


def test_the_replayed_schema_follows_every_pair_of_a_rename_table(lint_change) -> None:
    """After `RENAME TABLE accounts TO a2, audit TO a3` both tables are known under their new
    names: a comment on a known column changes metadata only (an unknown one is assumed a
    type change, a copy)."""
    sql = ("RENAME TABLE accounts TO a2, audit TO a3;\n"
           "ALTER TABLE a2 MODIFY email VARCHAR(100) COMMENT 'x';\n"
           "ALTER TABLE a3 MODIFY account_id INT COMMENT 'x';")
    copies = [f.span.line for s in lint_change(sql).statements for f in s.findings
              if f.rule == "mysql-table-copy"]
    assert copies == []
