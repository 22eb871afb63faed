"""MySQL histories as projects write them (mysqldump output, Laravel / Rails / Flyway
migrations): statements that were misread, and the facts and alternatives they now get."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations


def _lint(setup: str, change: str, dialect: str = "mysql", version: str = "8.4.0") -> list:
    """The findings of `change`, after `setup` in an earlier migration."""
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(change, "2_change.sql")],
                              LintOptions(dialect=dialect, server_version=version))
    return reports[1].all_findings


def _statements(setup: str, change: str, dialect: str = "mysql") -> list:
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(change, "2_change.sql")],
                              LintOptions(dialect=dialect))
    return reports[1].statements


def _operations(report) -> tuple:
    return next(a.facts["operations"] for a in report.effect.actions
                if a.kind == "mysql_alter_table")


def test_drop_table_names_its_tables_and_leaves_the_catalog() -> None:
    """sqlglot keeps a DROP TABLE's tables in `tables`: they were read as no table at all
    (`DROP TABLE  deletes the table`)."""
    found = _lint("CREATE TABLE `audit` (id INT PRIMARY KEY);",
                  "DROP TABLE IF EXISTS `audit`;")
    (drop,) = [f for f in found if f.rule == "drop-table"]
    assert "DROP TABLE audit deletes" in drop.message
    assert drop.instead.startswith("ALTER TABLE audit RENAME TO audit_deprecated;")
    # Recreated after the drop, the table is new: a copy of it costs nothing.
    again = _lint("CREATE TABLE audit (id INT PRIMARY KEY, n INT);",
                  "DROP TABLE audit;\nCREATE TABLE audit (id INT PRIMARY KEY, n INT);\n"
                  "ALTER TABLE audit MODIFY n BIGINT;")
    assert "mysql-table-copy" not in {f.rule for f in again}


def test_modify_of_a_primary_key_column_keeps_it_not_null() -> None:
    """MySQL keeps primary key columns NOT NULL whatever a MODIFY says: `MODIFY id INT` is a
    metadata change (instant on MariaDB 10.11: test_mariadb_truth.py), not a rebuild."""
    setup = ("CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL);\n"
             "CREATE TABLE u (id INT NOT NULL, k INT NOT NULL, PRIMARY KEY (id, k));")
    reports = _statements(setup, "ALTER TABLE t MODIFY id INT COMMENT 'key';\n"
                                 "ALTER TABLE u MODIFY k INT;\n"
                                 "ALTER TABLE t MODIFY n INT;")
    assert [_operations(r) for r in reports] == [
        ("metadata_only",), ("metadata_only",), ("make_column_nullable",)]
    assert [f.rule for r in reports for f in r.findings] == ["mysql-table-rebuild"]


def test_backquoted_names_with_spaces_reach_the_alternatives_whole() -> None:
    setup = "CREATE TABLE `Line Items` (id INT PRIMARY KEY, qty INT);"
    found = _lint(setup, "ALTER TABLE `Line Items` MODIFY qty BIGINT;\n"
                         "RENAME TABLE `Line Items` TO `line items 2`;")
    copy = next(f for f in found if f.rule == "mysql-table-copy")
    assert "--table='Line Items' --alter='MODIFY qty BIGINT'" in copy.instead
    rename = next(f for f in found if f.rule == "rename-table")
    # Table names keep their case (they are case-sensitive on Linux), also in RENAME TABLE,
    # which sqlglot only keeps as an opaque command.
    assert rename.instead.splitlines()[0].startswith(
        "CREATE VIEW `line items 2` AS SELECT * FROM `Line Items`;")
    assert "RENAME TABLE `line items 2` TO `line items 2_view`, `Line Items` TO `line items 2`;" \
        in rename.instead


DUMP = """/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50503 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
DROP TABLE IF EXISTS `places`;
CREATE TABLE `places` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `spot` point NOT NULL /*!80003 SRID 4326 */,
  `made_on` date NOT NULL,
  PRIMARY KEY (`id`,`made_on`),
  SPATIAL KEY `places_spot` (`spot`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 /*!80016 DEFAULT ENCRYPTION='N' */
/*!50100 PARTITION BY RANGE (year(`made_on`))
(PARTITION p2023 VALUES LESS THAN (2024) ENGINE = InnoDB,
 PARTITION pmax VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */;
LOCK TABLES `places` WRITE;
/*!40000 ALTER TABLE `places` DISABLE KEYS */;
/*!40000 ALTER TABLE `places` ENABLE KEYS */;
UNLOCK TABLES;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` PROCEDURE `purge_places`(IN cutoff DATE)
BEGIN
  DELETE FROM places WHERE made_on < cutoff;
END ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `places_bi` \
BEFORE INSERT ON `places` FOR EACH ROW SET NEW.made_on = COALESCE(NEW.made_on, CURDATE()) */;;
DELIMITER ;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
"""


def test_a_mysqldump_schema_reads_without_parse_errors() -> None:
    """mysqldump's executable comments (`/*!40101 SET ... */`) are statements the server runs,
    not 20 parse errors; spatial columns, SRID, a partitioned CREATE TABLE, DEFINER routines
    and triggers, and DISABLE KEYS (nothing to InnoDB) are valid MySQL."""
    reports = lint_migrations([migration_from_text(DUMP, "1_schema.sql")],
                              LintOptions(dialect="mysql"))
    findings = reports[0].all_findings
    # The one finding is true: the dump drops the table before creating it.
    assert [f.rule for f in findings] == ["drop-table"], [(f.rule, f.message) for f in findings]
    kinds = [a.kind for s in reports[0].statements for a in s.effect.actions[:1]]
    assert kinds.count("set") == 4 and "create_table" in kinds
    toggles = [a.facts["operations"] for s in reports[0].statements for a in s.effect.actions
               if a.kind == "mysql_alter_table"]
    assert toggles == [("toggle_keys",), ("toggle_keys",)]
    # The partitioned table with a POINT column is in the catalog: changing it is judged.
    found = _lint(DUMP, "ALTER TABLE places MODIFY made_on datetime NOT NULL;")
    assert [f.rule for f in found] == ["mysql-table-copy"]


def test_executable_comments_run_only_on_the_servers_they_name() -> None:
    from lockwise.parse.mysql import parse_mysql

    def texts(sql: str, dialect: str, version: tuple[int, ...]) -> list[str]:
        return [s.sql for s in parse_mysql(sql, dialect, version).statements]

    sql = ("/*!80016 SET a = 1 */;\n/*M!100500 SET b = 2 */;\n/*!50600 SET c = 3 */;\n"
           "SELECT '/*!40101 not a comment */';")
    # MySQL 8.0.15 does not reach 80016; MySQL never runs /*M! comments.
    assert texts(sql, "mysql", (8, 0, 15)) == ["SET c = 3", "SELECT '/*!40101 not a comment */'"]
    assert texts(sql, "mysql", (8, 0, 16))[0] == "SET a = 1"
    # MariaDB runs /*M! from its version on, and no five-digit version from 50700 (checked on
    # MariaDB 10.11: `SELECT 1 /*!80003 + 1 */` is 1).
    assert texts(sql, "mariadb", (10, 11, 0))[:2] == ["SET b = 2", "SET c = 3"]
    # Line and column of what follows an unwrapped comment are where the text has them.
    (problem,) = parse_mysql("/*!40101 SET x = 1 */;\n/*!40101 ALTER TABLEX t */;",
                             "mysql").problems
    assert (problem.span.line, problem.span.column) == (2, 16)


@pytest.mark.parametrize(("dialect", "version"), [("mysql", (8, 0, 15)), ("mariadb", (10, 11))])
def test_an_executable_comment_the_server_skips_is_no_statement(
        dialect: str, version: tuple[int, ...]) -> None:
    """A statement that is all one executable comment the server does not run is empty, as
    a plain comment is: MariaDB 10.11 runs `/*!50717 SELECT ... */;` as nothing (mysqldump 8
    writes it); it was a parse-error, "No expression was parsed"."""
    from lockwise.parse.mysql import parse_mysql

    parsed = parse_mysql("/*!80016 SET a = 1 */;\n/*!50717 SELECT COUNT(*) INTO @x FROM "
                         "information_schema.TABLES */;\n/*M!999999 SET c = 3 */;\nSELECT 1;",
                         dialect, version)
    assert parsed.problems == []
    assert [s.sql for s in parsed.statements][-1] == "SELECT 1"


def test_an_executable_comment_left_open_is_a_parse_error() -> None:
    """`/*!40101 SET NAMES utf8 ;` without its `*/`: MariaDB 10.11 refuses it (error 1064); it
    was read as the SET and the statements after it."""
    from lockwise.parse.mysql import parse_mysql

    (problem,) = parse_mysql("SELECT 1;\n/*!40101 SET NAMES utf8 ;\nCREATE TABLE y (id INT);",
                             "mysql").problems
    assert (problem.span.line, problem.span.column) == (2, 1)
    assert "unterminated" in problem.message


def test_truncate_table_alternative_is_mysql() -> None:
    """The PostgreSQL alternative (`DELETE ... WHERE {row_key_sql} IN (SELECT ... LIMIT 5000)`)
    was shown with its placeholders unfilled, and MySQL refuses LIMIT in an IN subquery; the
    batches are run on MariaDB in test_mariadb_truth.py."""
    found = _lint("CREATE TABLE `Line Items` (id INT, k INT, PRIMARY KEY (id, k));",
                  "TRUNCATE TABLE `Line Items`;")
    (truncate,) = [f for f in found if f.rule == "truncate-table"]
    assert truncate.message.startswith("TRUNCATE Line Items deletes every row")
    assert "DELETE FROM `Line Items` ORDER BY id, k LIMIT 5000;" in truncate.instead
    assert "{" not in truncate.instead + truncate.message


def _parse_errors(change: str, dialect: str = "mysql") -> list[tuple[int, int, str]]:
    return [(f.span.line, f.span.column, f.message)
            for f in _lint("CREATE TABLE users (id INT PRIMARY KEY, x INT);", change, dialect)
            if f.rule == "parse-error"]


def test_postgresql_sql_read_as_mysql_is_refused_where_mysql_refuses_it() -> None:
    """sqlglot reads these, MySQL does not: they were linted as an index build, a type change
    and a safe statement, and no finding said the file is PostgreSQL."""
    errors = _parse_errors(
        "CREATE INDEX CONCURRENTLY users_x ON users (x);\n"
        "ALTER TABLE users ALTER COLUMN x TYPE bigint;\n"
        "SELECT x::text FROM users;\n")
    assert [(line, col) for line, col, _ in errors] == [(1, 14), (2, 34), (3, 9)]
    assert all("This looks like PostgreSQL SQL" in message for _, _, message in errors)


#: PostgreSQL-only SQL sqlglot's MySQL grammar reads, and the word MySQL stops at. MySQL 8.4
#: manual, 15.1.9 "ALTER TABLE Statement" (ALTER [COLUMN] takes SET DEFAULT, DROP DEFAULT,
#: SET VISIBLE | INVISIBLE; no ONLY, no NOT VALID, no RENAME CONSTRAINT, no SET clause),
#: 15.1.15 "CREATE INDEX Statement" (index_type: USING {BTREE | HASH}; no WHERE), 15.1.27
#: "DROP INDEX Statement" and 15.1.20 "CREATE TABLE Statement" (no IDENTITY columns); MySQL
#: has no COMMENT ON statement. They were linted as safe statements, a rebuild or a copy.
POSTGRESQL_ONLY = [
    ("ALTER TABLE users ALTER COLUMN x SET NOT NULL;", "NOT"),
    ("ALTER TABLE users ALTER x DROP NOT NULL;", "NOT"),
    ("ALTER TABLE users ALTER COLUMN x SET STATISTICS 100;", "STATISTICS"),
    ("ALTER TABLE users ADD COLUMN y INT, ALTER COLUMN x SET NOT NULL;", "NOT"),
    ("DROP INDEX CONCURRENTLY users_x;", "CONCURRENTLY"),
    ("CREATE INDEX users_x ON users (x) WHERE x > 0;", "WHERE"),
    ("CREATE INDEX users_x ON users USING gin (x);", "gin"),
    ("ALTER TABLE ONLY users ADD COLUMN y INT;", "ONLY"),
    ("ALTER TABLE users ADD CONSTRAINT c CHECK (x > 0) NOT VALID;", "VALID"),
    ("ALTER TABLE users RENAME CONSTRAINT a TO b;", "CONSTRAINT"),
    ("ALTER TABLE users SET LOGGED;", "SET"),
    ("ALTER TABLE users SET (fillfactor = 70);", "SET"),
    ("ALTER TABLE users ADD COLUMN y INT GENERATED ALWAYS AS IDENTITY;", "IDENTITY"),
    ("COMMENT ON TABLE users IS 'x';", "ON"),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "near"), POSTGRESQL_ONLY)
def test_postgresql_only_syntax_is_a_parse_error_where_mysql_stops(sql: str, near: str,
                                                                   dialect: str) -> None:
    [(line, column, message)] = _parse_errors(f"-- a migration\n{sql}", dialect)
    assert (line, column) == (2, sql.index(f" {near}") + 2), message
    assert f"near '{near}" in message
    # each of these marks the file as PostgreSQL's but USING gin, WHERE and SET (...), which
    # a MySQL file with a mistake may write too
    assert ("This looks like PostgreSQL SQL" in message) == (
        near not in ("gin", "WHERE") and "SET (" not in sql), message


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ALTER COLUMN x SET DEFAULT 1;",
    "ALTER TABLE users ALTER x DROP DEFAULT;",
    "ALTER TABLE users ALTER COLUMN x SET INVISIBLE;",
    "CREATE INDEX users_x ON users (x) USING BTREE;",
    "ALTER TABLE users ADD COLUMN y INT GENERATED ALWAYS AS (x + 1) VIRTUAL;",
    "ALTER TABLE users ADD COLUMN y VARCHAR(10) DEFAULT (CONVERT('a' USING utf8mb4));",
    "SELECT x AS identity FROM users;",
    "ALTER TABLE users RENAME TO people;",
])
def test_mysql_syntax_near_those_forms_is_not_refused(sql: str) -> None:
    assert _parse_errors(sql) == []


@pytest.mark.parametrize(("dialect", "forms"), [
    ("mysql", "SET DEFAULT, DROP DEFAULT, SET VISIBLE or SET INVISIBLE"),
    ("mariadb", "SET DEFAULT or DROP DEFAULT")])
@pytest.mark.parametrize(("clause", "near"), [("SET", "SET"), ("bigint", "bigint")])
def test_an_alter_column_without_a_mysql_form_names_mysqls_forms(
        dialect: str, forms: str, clause: str, near: str) -> None:
    """`ALTER COLUMN x SET` (sqlglot reads SET as the SET type) or `ALTER COLUMN x bigint` has
    no TYPE word: the message named PostgreSQL's ALTER COLUMN ... TYPE, at the statement's
    first word. MySQL's ALTER [COLUMN] takes SET DEFAULT, SET {VISIBLE | INVISIBLE} or DROP
    DEFAULT (MySQL 8.4 manual, 15.1.9 ALTER TABLE Statement); MariaDB's SET DEFAULT or DROP
    DEFAULT (MariaDB knowledge base, ALTER TABLE)."""
    [(line, column, message)] = _parse_errors(f"ALTER TABLE users ALTER COLUMN x {clause};",
                                              dialect)
    assert (line, column) == (1, 34)
    assert f"near '{near}" in message and forms in message
    assert "PostgreSQL" not in message and "TYPE" not in message


def test_an_alter_table_operation_no_server_knows_is_a_parse_error() -> None:
    """It was read as an in-place rebuild, with `ALTER TABLE t FROBNICATE ..., ALGORITHM=INPLACE`
    as the alternative."""
    errors = _parse_errors("ALTER TABLE users\n  FROBNICATE the widget;")
    assert [(line, col) for line, col, _ in errors] == [(2, 3)]
    assert "near 'FROBNICATE the widget'" in errors[0][2] and "PostgreSQL" not in errors[0][2]


def test_alter_table_options_and_mysql_routines_are_not_refused() -> None:
    change = ("ALTER TABLE users STATS_PERSISTENT = 0;\n"
              "ALTER TABLE users ENGINE = InnoDB;\n"
              "ALTER TABLE users ADD COLUMN loc POINT SRID 4326;\n"
              "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\n")
    assert _parse_errors(change) == []
    # a MySQL file with a real error and a DELIMITER $$ is not called PostgreSQL
    errors = _parse_errors(change + "ALTER TABLEX users ADD y INT;\n")
    assert len(errors) == 1 and "PostgreSQL" not in errors[0][2]


def test_a_refused_statement_leaves_the_schema_as_it_was() -> None:
    """The server refuses to change a foreign key column's type (error 1832): the column
    keeps its type. It was replayed as BIGINT, so restating it as INT was read as another
    refused type change."""
    setup = ("CREATE TABLE t (id INT PRIMARY KEY);\n"
             "CREATE TABLE child (id INT PRIMARY KEY, t_id INT, "
             "CONSTRAINT child_t_fk FOREIGN KEY (t_id) REFERENCES t (id));")
    for dialect in ("mysql", "mariadb"):
        refused, restated = _statements(setup, "ALTER TABLE child MODIFY t_id BIGINT;\n"
                                               "ALTER TABLE child MODIFY t_id INT;", dialect)
        assert [f.rule for f in refused.findings] == ["mysql-foreign-key-column-changed"]
        assert restated.findings == [], dialect
        assert _operations(restated) == ("metadata_only",)


def test_an_alter_whose_algorithm_clause_is_refused_changes_nothing() -> None:
    """ALGORITHM=INSTANT for a VARCHAR shrink (a copy) is refused (error 1845): the column
    stays VARCHAR(20), so restating it is no change. It was replayed as VARCHAR(10), and the
    restatement read as an extension."""
    setup = "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));"
    refused, restated = _statements(setup, "ALTER TABLE t MODIFY v VARCHAR(10), "
                                           "ALGORITHM=INSTANT;\n"
                                           "ALTER TABLE t MODIFY v VARCHAR(20);")
    assert "mysql-algorithm-not-supported" in [f.rule for f in refused.findings]
    assert _operations(restated) == ("metadata_only",)


def test_the_alternatives_keep_the_whole_column_definition() -> None:
    """UNSIGNED, ZEROFILL, the character set and collation, the default and the comment are
    part of what the column stores and how: the alternatives restate them. A DECIMAL UNSIGNED
    was written `udecimal(8,2)` (no such type), the character set and collation left out."""
    setup = ("CREATE TABLE t (id INT PRIMARY KEY, "
             "price DECIMAL(8,2) UNSIGNED ZEROFILL NOT NULL DEFAULT 0 COMMENT 'net', "
             "name VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin, g POINT, "
             "hits INT(11) UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE);")
    found = _lint(setup, "ALTER TABLE t RENAME COLUMN price TO cost;\n"
                         "ALTER TABLE t RENAME COLUMN name TO title;\n"
                         "ALTER TABLE t CHANGE title label VARCHAR(20) CHARACTER SET latin1 "
                         "COLLATE latin1_bin NOT NULL DEFAULT '';\n"
                         "ALTER TABLE t RENAME COLUMN hits TO views;")
    renames = [f.instead.splitlines()[0] for f in found if f.rule == "rename-column"]
    assert renames == [
        "ALTER TABLE t ADD COLUMN cost DECIMAL(8, 2) UNSIGNED ZEROFILL DEFAULT 0 "
        "COMMENT 'net' NOT NULL;",
        "ALTER TABLE t ADD COLUMN title VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin;",
        "ALTER TABLE t ADD COLUMN label VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin "
        "DEFAULT '' NOT NULL;",
        # a second AUTO_INCREMENT column is refused: the copy is a plain column
        "ALTER TABLE t ADD COLUMN views INT(11) UNSIGNED NOT NULL;"]


def test_an_unsigned_float_column_is_read() -> None:
    """Laravel's schema dump writes `float(8,2) unsigned` (valid MySQL, deprecated in 8.0.17):
    sqlglot refuses it ("Cannot convert FLOAT to unsigned"), and the whole CREATE TABLE was a
    parse-error, so the table stayed unknown. The column keeps its UNSIGNED."""
    setup = ("CREATE TABLE `users` (`id` bigint unsigned NOT NULL AUTO_INCREMENT, "
             "`balance` float(8,2) unsigned NOT NULL DEFAULT '0.00', `ratio` REAL UNSIGNED, "
             "`name` varchar(20), PRIMARY KEY (`id`));")
    found = _lint(setup, "ALTER TABLE users RENAME COLUMN balance TO credit;\n"
                         "ALTER TABLE users MODIFY name VARCHAR(30);")
    assert "parse-error" not in [f.rule for f in found]
    (rename,) = [f for f in found if f.rule == "rename-column"]
    assert rename.instead.splitlines()[0] == (
        "ALTER TABLE users ADD COLUMN credit FLOAT(8, 2) UNSIGNED DEFAULT '0.00' NOT NULL;")
    # the table is known: a VARCHAR extension within its length bytes, in place
    assert "mysql-table-copy" not in [f.rule for f in found]


@pytest.mark.parametrize(("sql", "message"), [
    ("CREATE INDEX i USING HASH t (a)", "Expected table name but got USING"),
    ("DELETE FROM WHERE x = 1", "Expected table name but got WHERE"),
    ("CREATE TABLE (id INT)", "Expected table name but got ("),
    ("DROP TABLE", "Expected table name but got the end of the statement"),
    ("INSERT INTO", "Expected table name but got the end of the statement"),
    ("SELECT * FROM t WHERE", "Required keyword: 'this' missing for Where"),
])
def test_a_parse_error_names_the_token_as_written(sql: str, message: str) -> None:
    """sqlglot's messages carry its token and class reprs (`<Token token_type: ...>`): the
    finding says the text the parser stopped at instead."""
    from lockwise.parse.mysql import parse_mysql

    (problem,) = parse_mysql(sql, "mysql").problems
    assert problem.message == message


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "rule"), [("TRUNCATE TABLE audit_log;", "truncate-table"),
                                              ("DROP TABLE audit_log;", "drop-table")])
def test_truncate_and_drop_table_speak_of_the_metadata_lock(change: str, rule: str,
                                                            dialect: str) -> None:
    """PostgreSQL's ACCESS EXCLUSIVE lock was named under --dialect mysql: MySQL and MariaDB
    take an exclusive metadata lock (MySQL manual, "Metadata Locking", 10.11.4)."""
    found = _lint("CREATE TABLE audit_log (id INT PRIMARY KEY);", change, dialect)
    (finding,) = [f for f in found if f.rule == rule]
    assert "ACCESS EXCLUSIVE" not in finding.message + finding.why
    assert "exclusive metadata lock" in finding.why


#: Statements MySQL and MariaDB run that sqlglot has no grammar for, in the order a session
#: can run them after NO_GRAMMAR_SETUP: the prepared-statement idiom migrations use to run DDL
#: only when needed (PREPARE / EXECUTE / DEALLOCATE), mysqldump 8's `/*!50112 DEALLOCATE
#: PREPARE s */`, and others a migration may hold. Each was a parse-error, exit 2.
NO_GRAMMAR_SETUP = "CREATE TABLE nothing_to_see (id INT PRIMARY KEY, n INT);"
NO_GRAMMAR = [
    "SET @ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
    "DATABASE() AND TABLE_NAME = 'nothing_to_see' AND COLUMN_NAME = 'x') = 0, "
    "'ALTER TABLE nothing_to_see ADD COLUMN x INT', 'DO 0')",
    "PREPARE stmt FROM @ddl",
    "EXECUTE stmt",
    "DEALLOCATE PREPARE stmt",
    "PREPARE stmt FROM 'SELECT 1'",
    "deallocate prepare stmt",
    "PREPARE stmt FROM 'SELECT 1'",
    "DROP PREPARE stmt",
    "DO SLEEP(0)",
    "CHECKSUM TABLE nothing_to_see",
    "CHECK TABLE nothing_to_see",
    "REPAIR TABLE nothing_to_see",
    "HANDLER nothing_to_see OPEN",
    "HANDLER nothing_to_see READ FIRST",
    "HANDLER nothing_to_see CLOSE",
    "XA START 'lockwise'",
    "XA END 'lockwise'",
    "XA ROLLBACK 'lockwise'",
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("statement", NO_GRAMMAR)
def test_a_statement_sqlglot_has_no_grammar_for_is_kept(statement: str, dialect: str) -> None:
    from lockwise.parse.mysql import parse_mysql

    parsed = parse_mysql(f"-- a migration\n{statement};", dialect)
    assert parsed.problems == [] and len(parsed.statements) == 1


def test_mariadb_runs_the_statements_sqlglot_has_no_grammar_for(mariadb) -> None:
    result = mariadb.run("DROP TABLE IF EXISTS nothing_to_see;" + NO_GRAMMAR_SETUP +
                         ";\n".join(NO_GRAMMAR) + ";")
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr
