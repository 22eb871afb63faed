"""Follow-ups of DROP TABLE's modelling (effects/mysql.py's `_drop_outcome`, the catalog's
missing tables), each checked on MariaDB 10.11 (10.11.19):

* a DROP TABLE refused for foreign keys is one error (1451, whose message names no table nor
  key), however many tables of the list a key keeps;
* a table listed twice (`DROP TABLE b, t.b` in t, `b, b`) is 1066 "Not unique table/alias:
  'b'" (the later name, bare, as written), IF EXISTS or not, missing or not; nothing dropped;
* DROP DATABASE / DROP SCHEMA d drops d's tables: `DROP TABLE d.t` is then 1051 "Unknown
  table 'd.t'", `ALTER TABLE d.t` 1146 "Table 'd.t' doesn't exist", also once CREATE
  DATABASE d made it again (empty);
* the missing tables follow USE: after `USE other`, `DROP TABLE t` is other.t;
* an ALTER sqlglot cannot read (CONVERT TO, PARTITION BY: read from its text) of a missing
  table is 1146 too;
* DROP DATABASE of the session's own database leaves it with none selected: a table named
  without its database is then 1046 "No database selected", IF EXISTS or not, until a USE;
* with no database selected by the migration, `DROP TABLE b, d.b` is 1066 only where the
  connection's database is d: lockwise says nothing (fix-mysql46)."""

from __future__ import annotations

import pytest

SETUP = """CREATE DATABASE d;
CREATE DATABASE shop;
CREATE DATABASE other;
USE shop;
CREATE TABLE d.t (id INT);
CREATE TABLE d.u (id INT);
CREATE TABLE b (id INT);
CREATE TABLE x (id INT);
CREATE TABLE gone (id INT);
CREATE TABLE other.gone (id INT);
DROP TABLE gone;
CREATE TABLE p (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE c (id INT PRIMARY KEY, p_id INT,
  CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p (id)) ENGINE=InnoDB;
CREATE TABLE gc (id INT PRIMARY KEY, c_id INT,
  CONSTRAINT gc_c_fk FOREIGN KEY (c_id) REFERENCES c (id)) ENGINE=InnoDB;
"""

#: (statements run in shop after SETUP, the last one's error on MariaDB or None)
CASES = [
    ("DROP TABLE c, p", "ERROR 1451 (23000) at line 1: Cannot delete or update a parent row: "
                        "a foreign key constraint fails"),
    ("DROP TABLE b, shop.b", "ERROR 1066 (42000) at line 1: Not unique table/alias: 'b'"),
    ("DROP TABLE IF EXISTS x, b, b", "ERROR 1066 (42000) at line 1: Not unique table/alias: "
                                     "'b'"),
    ("DROP TABLE shop.b, b", "ERROR 1066 (42000) at line 1: Not unique table/alias: 'b'"),
    ("DROP TABLE d.t, d.t", "ERROR 1066 (42000) at line 1: Not unique table/alias: 't'"),
    ("DROP TABLE IF EXISTS b, d.b", None),
    ("DROP DATABASE d; DROP TABLE d.t", "ERROR 1051 (42S02) at line 1: Unknown table 'd.t'"),
    ("DROP SCHEMA d; CREATE DATABASE d; DROP TABLE d.t, d.u",
     "ERROR 1051 (42S02) at line 1: Unknown table 'd.t,d.u'"),
    ("DROP DATABASE d; ALTER TABLE d.t ADD COLUMN v INT",
     "ERROR 1146 (42S02) at line 1: Table 'd.t' doesn't exist"),
    ("DROP DATABASE d; CREATE DATABASE d; USE d; ALTER TABLE t COMMENT = 'x'",
     "ERROR 1146 (42S02) at line 1: Table 'd.t' doesn't exist"),
    ("DROP DATABASE d; CREATE DATABASE d; CREATE TABLE d.t (id INT); DROP TABLE d.t", None),
    ("DROP DATABASE d; ALTER TABLE d.t CONVERT TO CHARACTER SET utf8mb4",
     "ERROR 1146 (42S02) at line 1: Table 'd.t' doesn't exist"),
    ("DROP DATABASE d; ALTER TABLE d.t PARTITION BY HASH(id) PARTITIONS 2",
     "ERROR 1146 (42S02) at line 1: Table 'd.t' doesn't exist"),
    # MariaDB's ALTER TABLE IF EXISTS, read from its text too (fix-mysql47)
    ("DROP DATABASE d; ALTER TABLE IF EXISTS d.t CONVERT TO CHARACTER SET utf8mb4", None),
    ("DROP DATABASE d; ALTER TABLE IF EXISTS d.t PARTITION BY HASH(id) PARTITIONS 2", None),
    ("ALTER TABLE IF EXISTS d.t CONVERT TO CHARACTER SET utf8mb4", None),
    ("RENAME TABLE x TO y; ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4",
     "ERROR 1146 (42S02) at line 1: Table 'shop.x' doesn't exist"),
    ("DROP DATABASE d; DROP TABLE IF EXISTS d.t", None),
    ("USE other; DROP TABLE gone", None),
    ("USE other; DROP TABLE shop.gone", "ERROR 1051 (42S02) at line 1: Unknown table "
                                        "'shop.gone'"),
    ("USE other; DROP TABLE gone; USE shop; DROP TABLE gone",
     "ERROR 1051 (42S02) at line 1: Unknown table 'shop.gone'"),
    ("USE other; DROP TABLE shop.x; USE shop; DROP TABLE x",
     "ERROR 1051 (42S02) at line 1: Unknown table 'shop.x'"),
]


def _errors(report) -> list[tuple[int, str]]:
    return [(a.facts["error_code"], a.facts["server_error"]) for s in report.statements
            for a in s.effect.actions if "server_error" in a.facts]


@pytest.mark.parametrize(("sql", "error"), CASES)
def test_lockwise_answers_as_mariadb(lint_change, sql: str, error: str | None) -> None:
    report = lint_change("USE shop;\n" + sql.replace("; ", ";\n") + ";", "mariadb")
    expected = [] if error is None else [(int(error.split()[1]), error.split(": ", 1)[1])]
    assert _errors(report) == expected, sql
    assert [(a.facts["error_code"], a.facts["server_error"])
            for a in report.statements[-1].effect.actions if "server_error" in a.facts] == \
        expected, sql


def test_a_refused_drop_is_one_finding_naming_every_kept_table(lint_change) -> None:
    """`DROP TABLE c, p` (gc references c): one 1451, as the server answers; c, the first
    the server reaches, and p, which stays too."""
    findings = [f for f in lint_change("DROP TABLE c, p;", "mariadb").all_findings
                if f.rule == "mysql-referenced-table-dropped"]
    assert len(findings) == 1, [f.message for f in findings]
    assert findings[0].message.startswith("DROP TABLE c: the foreign key gc_c_fk of gc"), \
        findings[0].message
    assert "p stays too" in findings[0].message, findings[0].message


def test_a_table_listed_twice_is_refused_and_drops_nothing(lint_change) -> None:
    report = lint_change("USE shop;\nDROP TABLE x, b, shop.b;\nALTER TABLE x COMMENT = 'y';",
                         "mariadb")
    (finding,) = [f for f in report.all_findings if f.rule == "mysql-table-listed-twice"]
    assert finding.instead.splitlines()[-1] == "DROP TABLE x, b;", finding.instead
    assert not [f for f in report.all_findings if f.rule == "drop-table"]
    assert all(a.facts["table_known"] for a in report.statements[-1].effect.actions
               if "table_known" in a.facts)


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize(("sql", "error"), CASES)
def test_what_mariadb_answers(mariadb, sql: str, error: str | None) -> None:
    for database in ("d", "shop", "other"):
        assert mariadb.run(f"DROP DATABASE IF EXISTS {database}", "mysql").returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0
    *before, last = sql.split("; ")
    if before:
        ran = mariadb.run("; ".join(before), "shop")
        assert ran.returncode == 0, ran.stderr
        # (the client starts in shop again: the last statement runs after the USEs of before)
        used = [s.split()[1] for s in before if s.startswith("USE ")]
        database = used[-1] if used else "shop"
    else:
        database = "shop"
    ran = mariadb.run(last, database)
    assert (error in ran.stderr) if error else ran.returncode == 0, (sql, ran.stderr)


def test_mariadb_drops_nothing_of_a_list_with_a_table_twice(mariadb) -> None:
    for database in ("d", "shop", "other"):
        assert mariadb.run(f"DROP DATABASE IF EXISTS {database}", "mysql").returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0
    ran = mariadb.run("DROP TABLE x, b, shop.b", "shop")
    assert "ERROR 1066" in ran.stderr, ran.stderr
    assert {"x", "b"} <= set(mariadb.run("SHOW TABLES", "shop").stdout.split())



@pytest.mark.parametrize("rename", ["ALTER TABLE x RENAME TO y",
                                    "ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4, "
                                    "RENAME TO y",
                                    "ALTER TABLE IF EXISTS x CONVERT TO CHARACTER SET "
                                    "utf8mb4, RENAME TO y",
                                    "RENAME TABLE x TO y"])
def test_a_renamed_away_table_is_missing(lint_change, rename: str) -> None:
    """Also when the ALTER is read from its text (CONVERT TO): the old name is gone."""
    report = lint_change(f"USE shop;\n{rename};\nDROP TABLE x;", "mariadb")
    assert _errors(report) == [(1051, "Unknown table 'shop.x'")], rename


@pytest.mark.parametrize("sql", ["ALTER TABLE IF EXISTS d.t CONVERT TO CHARACTER SET utf8mb4",
                                 "ALTER TABLE IF EXISTS d.t PARTITION BY HASH(id) PARTITIONS 2"])
def test_alter_table_if_exists_is_mariadbs_alone(lint_change, sql: str) -> None:
    """MariaDB reads ALTER TABLE IF EXISTS (checked above); MySQL 8 has none: its 1064
    stays, at IF, where that server stops."""
    assert not [f for f in lint_change(sql + ";", "mariadb").all_findings
                if f.rule == "parse-error"]
    (error,) = [f for f in lint_change(sql + ";", "mysql").all_findings
                if f.rule == "parse-error"]
    assert "error 1064 near 'IF EXISTS d.t" in error.message, error.message


def test_a_database_re_keyed_by_use_is_not_missing(lint_change) -> None:
    """A USE moves the catalog's keys (shop's x becomes shop.x): no rename, nothing missing."""
    report = lint_change("USE other;\nUSE shop;\nDROP TABLE x;\nUSE other;\nDROP TABLE shop.b;",
                         "mariadb")
    assert _errors(report) == []


#: (statements run after `USE shop; DROP DATABASE shop`, in the same session; the last one's
#: error on MariaDB or None)
NO_DATABASE = [
    ("ALTER TABLE b ADD COLUMN v INT", "No database selected"),
    ("ALTER TABLE b CONVERT TO CHARACTER SET utf8mb4", "No database selected"),
    ("ALTER TABLE IF EXISTS b CONVERT TO CHARACTER SET utf8mb4", "No database selected"),
    ("DROP TABLE IF EXISTS b", "No database selected"),
    ("DROP TABLE d.t, x", "No database selected"),
    ("CREATE DATABASE shop; CREATE TABLE b (id INT)", "No database selected"),
    ("CREATE TEMPORARY TABLE tmp (id INT)", "No database selected"),
    ("ALTER TABLE d.t ADD COLUMN v INT", None),
    ("CREATE TABLE d.v (id INT)", None),
    ("USE d; DROP TABLE t", None),
    # every other statement that names a table without its database (fix-mysql48)
    ("CREATE INDEX i ON b (id)", "No database selected"),
    ("CREATE UNIQUE INDEX i USING BTREE ON b (id)", "No database selected"),
    ("CREATE INDEX i ON d.t (id); DROP INDEX i ON b", "No database selected"),
    ("CREATE INDEX i ON d.t (id); DROP INDEX i ON d.t", None),
    ("RENAME TABLE b TO c", "No database selected"),
    ("RENAME TABLE d.t TO c", "No database selected"),
    ("RENAME TABLE d.t TO d.c", None),
    ("ALTER TABLE d.t RENAME TO c", "No database selected"),
    ("INSERT INTO b VALUES (1)", "No database selected"),
    ("REPLACE INTO b VALUES (1)", "No database selected"),
    ("INSERT INTO d.t SELECT id FROM b", "No database selected"),
    ("INSERT INTO d.t VALUES (1)", None),
    ("UPDATE b SET id = 1", "No database selected"),
    ("UPDATE d.t SET id = 1", None),
    ("DELETE FROM b", "No database selected"),
    ("DELETE FROM d.t", None),
    ("TRUNCATE TABLE b", "No database selected"),
    ("SELECT id FROM b", "No database selected"),
    ("SELECT 1 FROM DUAL", None),
    ("LOCK TABLES b WRITE", "No database selected"),
    ("LOCK TABLES d.t WRITE", None),
    ("CREATE VIEW v AS SELECT 1", "No database selected"),
    ("CREATE VIEW d.v AS SELECT id FROM b", "No database selected"),
    ("CREATE VIEW d.v AS SELECT id FROM d.t", None),
    ("CREATE TABLE d.n LIKE b", "No database selected"),
    ("CREATE TRIGGER tr BEFORE INSERT ON b FOR EACH ROW SET NEW.id = 1",
     "No database selected"),
    ("CREATE TRIGGER tr BEFORE INSERT ON d.t FOR EACH ROW SET NEW.id = 1",
     "No database selected"),
    ("CREATE TRIGGER d.tr BEFORE INSERT ON d.t FOR EACH ROW SET NEW.id = 1", None),
    ("DROP TRIGGER IF EXISTS tr", "No database selected"),
    ("CREATE PROCEDURE p() SELECT 1", "No database selected"),
    ("CALL p()", "No database selected"),
    ("DROP PROCEDURE IF EXISTS p", "No database selected"),
    ("DROP FUNCTION IF EXISTS f", None),  # (a UDF's name needs no database)
    ("DROP TEMPORARY TABLE IF EXISTS tmp", "No database selected"),
    ("OPTIMIZE TABLE b", "No database selected"),
    ("ANALYZE TABLE b", "No database selected"),
]


@pytest.mark.parametrize(("sql", "error"), NO_DATABASE)
def test_lockwise_knows_no_database_is_selected(lint_change, sql: str,
                                                error: str | None) -> None:
    report = lint_change("USE shop;\nDROP DATABASE shop;\n" + sql.replace("; ", ";\n") + ";",
                         "mariadb")
    assert _errors(report) == ([] if error is None else [(1046, error)]), sql
    rules = {f.rule for f in report.all_findings}
    assert ("mysql-no-database-selected" in rules) == (error is not None), sql


@pytest.mark.parametrize(("sql", "error"), NO_DATABASE)
def test_what_mariadb_answers_with_no_database(mariadb, sql: str, error: str | None) -> None:
    for database in ("d", "shop", "other"):
        assert mariadb.run(f"DROP DATABASE IF EXISTS {database}", "mysql").returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0
    ran = mariadb.run(f"USE shop; DROP DATABASE shop; {sql}", "mysql")
    assert (f"ERROR 1046 (3D000) at line 1: {error}" in ran.stderr) if error else \
        ran.returncode == 0, (sql, ran.stderr)


REFERENCES_BARE = "CREATE TABLE d.n (id INT, p_id INT, FOREIGN KEY (p_id) REFERENCES b (id))"


def test_a_key_referencing_a_bare_name_is_not_1046(lint_change) -> None:
    """The server answers 1005 (errno 150) for it, not 1046 (checked below): no 1046."""
    report = lint_change(f"USE shop;\nDROP DATABASE shop;\n{REFERENCES_BARE};", "mariadb")
    assert "mysql-no-database-selected" not in {f.rule for f in report.all_findings}


def test_mariadb_answers_1005_for_a_key_referencing_a_bare_name(mariadb) -> None:
    for database in ("d", "shop", "other"):
        assert mariadb.run(f"DROP DATABASE IF EXISTS {database}", "mysql").returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0
    ran = mariadb.run(f"USE shop; DROP DATABASE shop; {REFERENCES_BARE}", "mysql")
    assert "ERROR 1005 (HY000)" in ran.stderr and "errno: 150" in ran.stderr, ran.stderr


def test_a_list_naming_a_table_twice_only_in_one_database_is_left_alone(lint_change) -> None:
    """No USE: `DROP TABLE b, d.b` is one table twice only if the connection's database is
    d; lockwise does not guess which database that is."""
    report = lint_change("DROP TABLE b, d.b;", "mariadb")
    assert not [f for f in report.all_findings if f.rule == "mysql-table-listed-twice"]


def test_mariadb_refuses_b_and_d_b_in_d_only(mariadb) -> None:
    for database in ("d", "shop", "other"):
        assert mariadb.run(f"DROP DATABASE IF EXISTS {database}", "mysql").returncode == 0
    assert mariadb.run(SETUP + "CREATE TABLE d.b (id INT);", "mysql").returncode == 0
    assert "ERROR 1066 (42000) at line 1: Not unique table/alias: 'b'" in \
        mariadb.run("DROP TABLE b, d.b", "d").stderr
    assert "ERROR 1051 (42S02) at line 1: Unknown table 'other.b'" in \
        mariadb.run("DROP TABLE b, d.b", "other").stderr
