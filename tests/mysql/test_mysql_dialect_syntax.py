"""Syntax one server has and the other does not is a parse-error at its line and column, for
the server linted (--dialect mysql / mariadb): MariaDB's refusals checked on MariaDB 10.11
(test_mariadb_truth.py), MySQL's from its manual's grammar ("ALTER TABLE Statement", 13.1.9 in
8.0 and 15.1.9 in 8.4; "LOCK TABLES and UNLOCK TABLES Statements", 13.3.6 / 15.3.6)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE a (id INT PRIMARY KEY, n INT, INDEX a_n (n));"

#: (statement, the word the server stops at, or "" when it runs it) per server.
CASES = [
    # a lock type is required on both servers
    ("LOCK TABLES a", {"mysql": "a", "mariadb": "a"}),
    ("LOCK TABLES a WRITE, a AS b", {"mysql": "a", "mariadb": "a"}),
    ("LOCK TABLES a READ", {"mysql": "", "mariadb": ""}),
    # MariaDB's own LOCK TABLES words
    ("LOCK TABLES a WRITE CONCURRENT", {"mysql": "CONCURRENT", "mariadb": ""}),
    ("LOCK TABLES a WRITE NOWAIT", {"mysql": "NOWAIT", "mariadb": ""}),
    # MariaDB's lock wait before an ALTER TABLE's operations, `ALTER TABLE t [WAIT n |
    # NOWAIT] ...` (MySQL 8.0 / 8.4 manual, "ALTER TABLE Statement", 15.1.9: none; MySQL
    # stops at the word after the table's name, as at any word it does not know there)
    ("ALTER TABLE a WAIT 5 ADD COLUMN q INT", {"mysql": "WAIT", "mariadb": ""}),
    ("ALTER TABLE a NOWAIT DROP INDEX a_n", {"mysql": "NOWAIT", "mariadb": ""}),
    ("ALTER TABLE a WAIT 5 DISCARD TABLESPACE", {"mysql": "WAIT", "mariadb": ""}),
    ("ALTER TABLE a NOWAIT ALGORITHM=INPLACE, LOCK=NONE, ADD INDEX a_q (n)",
     {"mysql": "NOWAIT", "mariadb": ""}),
    ("ALTER TABLE a WAIT 5 DISCARD PARTITION p0 TABLESPACE",
     {"mysql": "WAIT", "mariadb": "PARTITION"}),
    ("ALTER ONLINE TABLE a NOWAIT ADD COLUMN q INT", {"mysql": "ONLINE", "mariadb": ""}),
    # ... and in the other statements MariaDB 10.3.0 gave one (its knowledge base, "WAIT and
    # NOWAIT": DROP TABLE, DROP INDEX, TRUNCATE TABLE, RENAME TABLE, OPTIMIZE TABLE, CREATE
    # INDEX; each ran on MariaDB 10.11). MySQL's grammar has none of them (MySQL 8.0 / 8.4
    # manual, "DROP TABLE", "DROP INDEX", "TRUNCATE TABLE", "RENAME TABLE", "OPTIMIZE TABLE",
    # "CREATE INDEX Statement"): its 1064 at the word
    ("DROP TABLE a WAIT 5", {"mysql": "WAIT", "mariadb": ""}),
    ("DROP TABLE IF EXISTS a, q NOWAIT", {"mysql": "NOWAIT", "mariadb": ""}),
    ("DROP INDEX a_n ON a NOWAIT", {"mysql": "NOWAIT", "mariadb": ""}),
    ("DROP INDEX a_n ON a WAIT 3", {"mysql": "WAIT", "mariadb": ""}),
    ("TRUNCATE TABLE a WAIT 1", {"mysql": "WAIT", "mariadb": ""}),
    ("TRUNCATE a NOWAIT", {"mysql": "NOWAIT", "mariadb": ""}),
    ("RENAME TABLE a NOWAIT TO q", {"mysql": "NOWAIT", "mariadb": ""}),
    ("RENAME TABLE a WAIT 2 TO q", {"mysql": "WAIT", "mariadb": ""}),
    ("OPTIMIZE TABLE a NOWAIT", {"mysql": "NOWAIT", "mariadb": ""}),
    ("OPTIMIZE TABLE a WAIT 2", {"mysql": "WAIT", "mariadb": ""}),
    ("CREATE INDEX a_q ON a (n) WAIT 5", {"mysql": "WAIT", "mariadb": ""}),
    ("CREATE INDEX a_q ON a (n) NOWAIT ALGORITHM=INPLACE", {"mysql": "NOWAIT", "mariadb": ""}),
    ("LOCK TABLE a WRITE WAIT 5", {"mysql": "WAIT", "mariadb": ""}),
    # ... RENAME TABLE's after the old name only (checked on MariaDB 10.11: 1064 at NOWAIT)
    ("RENAME TABLE a TO q NOWAIT", {"mysql": "NOWAIT", "mariadb": "NOWAIT"}),
    # ... a column named wait is no lock wait
    ("ALTER TABLE a ADD COLUMN wait INT, DROP COLUMN n", {"mysql": "", "mariadb": ""}),
    # index visibility: MySQL's VISIBLE / INVISIBLE, MariaDB's IGNORED (10.6+)
    ("ALTER TABLE a ALTER INDEX a_n INVISIBLE", {"mysql": "", "mariadb": "INVISIBLE"}),
    ("ALTER TABLE a ALTER INDEX a_n VISIBLE", {"mysql": "", "mariadb": "VISIBLE"}),
    ("ALTER TABLE a ALTER INDEX a_n IGNORED", {"mysql": "IGNORED", "mariadb": ""}),
    ("ALTER TABLE a ALTER INDEX a_n NOT IGNORED", {"mysql": "NOT", "mariadb": ""}),
    # ... and in an index's definition: MariaDB has no INVISIBLE index, only columns (it
    # takes VISIBLE there, which changes nothing)
    ("ALTER TABLE a ADD INDEX a_q (n) INVISIBLE", {"mysql": "", "mariadb": "INVISIBLE"}),
    ("ALTER TABLE a ADD UNIQUE KEY a_q (n, id) VISIBLE", {"mysql": "", "mariadb": ""}),
    ("CREATE INDEX a_q ON a (n) INVISIBLE", {"mysql": "", "mariadb": "INVISIBLE"}),
    ("CREATE TABLE q (id INT PRIMARY KEY, n INT, KEY q_n (n) INVISIBLE)",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("CREATE TABLE q (id INT, n INT, CONSTRAINT q_n UNIQUE (n) INVISIBLE, PRIMARY KEY (id))",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("ALTER TABLE a ADD COLUMN q VARCHAR(10) INVISIBLE", {"mysql": "", "mariadb": ""}),
    # ... after the index's other options too (checked on MariaDB 10.11: 1064 at INVISIBLE),
    # where MariaDB's IGNORED is MySQL's refusal
    ("ALTER TABLE a ADD INDEX a_q (n) USING BTREE INVISIBLE",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("ALTER TABLE a ADD INDEX a_q (n) COMMENT 'x' INVISIBLE",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("ALTER TABLE a ADD INDEX a_q (n) KEY_BLOCK_SIZE = 8 INVISIBLE",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("ALTER TABLE a ADD INDEX a_q (n) INVISIBLE COMMENT 'x'",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("ALTER TABLE a ADD INDEX a_q USING BTREE (n) INVISIBLE",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("CREATE INDEX a_q ON a (n) USING BTREE INVISIBLE", {"mysql": "", "mariadb": "INVISIBLE"}),
    ("CREATE INDEX a_q ON a (n) COMMENT 'x' INVISIBLE", {"mysql": "", "mariadb": "INVISIBLE"}),
    ("CREATE TABLE q (id INT PRIMARY KEY, n INT, KEY q_n (n) USING BTREE INVISIBLE)",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("CREATE TABLE q (id INT PRIMARY KEY, n INT, KEY q_n (n) COMMENT 'x' INVISIBLE)",
     {"mysql": "", "mariadb": "INVISIBLE"}),
    ("ALTER TABLE a ADD INDEX a_q (n) USING BTREE IGNORED", {"mysql": "IGNORED", "mariadb": ""}),
    ("ALTER TABLE a ADD INDEX a_q (n) COMMENT 'x' IGNORED", {"mysql": "IGNORED", "mariadb": ""}),
    ("ALTER TABLE a ADD INDEX a_q (n) IGNORED COMMENT 'x'", {"mysql": "IGNORED", "mariadb": ""}),
    ("CREATE INDEX a_q ON a (n) USING BTREE NOT IGNORED", {"mysql": "IGNORED", "mariadb": ""}),
    ("CREATE TABLE q (id INT PRIMARY KEY, n INT, KEY q_n (n) USING BTREE IGNORED)",
     {"mysql": "IGNORED", "mariadb": ""}),
    ("CREATE TABLE q (id INT PRIMARY KEY, n INT, KEY q_n (n) COMMENT 'x' IGNORED)",
     {"mysql": "IGNORED", "mariadb": ""}),
    # a column's COMMENT before its INVISIBLE is MariaDB's invisible column
    ("ALTER TABLE a ADD COLUMN q VARCHAR(10) COMMENT 'x' INVISIBLE", {"mysql": "", "mariadb": ""}),
    ("CREATE TABLE q (id INT PRIMARY KEY, `key` DECIMAL(10, 2) INVISIBLE)",
     {"mysql": "", "mariadb": ""}),
    # MariaDB's IF [NOT] EXISTS on columns and indexes, ALTER ONLINE, PERSISTENT
    ("ALTER TABLE a ADD COLUMN IF NOT EXISTS q INT", {"mysql": "IF", "mariadb": ""}),
    ("ALTER TABLE a DROP COLUMN IF EXISTS n", {"mysql": "IF", "mariadb": ""}),
    ("ALTER ONLINE TABLE a ADD COLUMN q INT", {"mysql": "ONLINE", "mariadb": ""}),
    ("ALTER TABLE a ADD COLUMN q INT AS (n + 1) PERSISTENT", {"mysql": "PERSISTENT",
                                                             "mariadb": ""}),
    # an operation without its operand, an index without columns: refused by both (they
    # were read as a DROP COLUMN of nothing, a rebuild, an index build)
    ("ALTER TABLE a DROP COLUMN", {"mysql": "COLUMN", "mariadb": "COLUMN"}),
    ("ALTER TABLE a DROP", {"mysql": "DROP", "mariadb": "DROP"}),
    ("ALTER TABLE a ADD COLUMN", {"mysql": "COLUMN", "mariadb": "COLUMN"}),
    ("ALTER TABLE a MODIFY COLUMN", {"mysql": "COLUMN", "mariadb": "COLUMN"}),
    ("ALTER TABLE a DROP INDEX", {"mysql": "INDEX", "mariadb": "INDEX"}),
    ("ALTER TABLE a ADD COLUMN q INT, DROP FOREIGN KEY", {"mysql": "FOREIGN KEY",
                                                         "mariadb": "FOREIGN KEY"}),
    ("ALTER TABLE a ADD INDEX a_q ()", {"mysql": ")", "mariadb": ")"}),
    ("ALTER TABLE a ADD UNIQUE KEY a_q ()", {"mysql": ")", "mariadb": ")"}),
    ("CREATE INDEX a_q ON a ()", {"mysql": ")", "mariadb": ")"}),
    ("ALTER TABLE a DROP COLUMN n,", {"mysql": ",", "mariadb": ","}),
    ("ALTER TABLE a MODIFY n", {"mysql": "n", "mariadb": "n"}),
    ("ALTER TABLE a CHANGE n n2", {"mysql": "n2", "mariadb": "n2"}),
    ("ALTER TABLE a RENAME COLUMN n TO", {"mysql": "TO", "mariadb": "TO"}),
    ("CREATE INDEX ON a (n)", {"mysql": "ON", "mariadb": "ON"}),
    ("CREATE UNIQUE INDEX a_q ON a", {"mysql": "a", "mariadb": "a"}),
    ("LOCK TABLES", {"mysql": "TABLES", "mariadb": "TABLES"}),
    ("RENAME TABLE a", {"mysql": "a", "mariadb": "a"}),
    ("ALTER TABLE a DROP COLUMN n, ALGORITHM=INPLACE", {"mysql": "", "mariadb": ""}),
    ("ALTER TABLE a CHANGE n n2 INT, MODIFY id INT", {"mysql": "", "mariadb": ""}),
    ("RENAME TABLE a TO a2", {"mysql": "", "mariadb": ""}),
    # RENAME [TO | AS] new_tbl_name (both servers' ALTER TABLE grammar): AS was a parse-error
    ("ALTER TABLE a RENAME AS a_as", {"mysql": "", "mariadb": ""}),
    ("ALTER TABLE a ADD COLUMN q CHAR(36) DEFAULT (UUID())", {"mysql": "", "mariadb": ""}),
    # a PARTITION BY cut off, or RANGE / LIST without the partitions they need (error 1492):
    # refused by both (checked on MariaDB 10.11; MySQL 8.4 manual, 15.1.20 CREATE TABLE's
    # partition_options and 26.2.1 RANGE Partitioning); they were read as a repartition, or
    # as a statement that does nothing
    ("ALTER TABLE a PARTITION BY", {"mysql": "PARTITION BY", "mariadb": "PARTITION BY"}),
    ("ALTER TABLE a PARTITION BY HASH", {"mysql": "HASH", "mariadb": "HASH"}),
    ("ALTER TABLE a PARTITION BY HASH (id) PARTITIONS", {"mysql": "PARTITIONS",
                                                        "mariadb": "PARTITIONS"}),
    ("ALTER TABLE a PARTITION BY RANGE (id)", {"mysql": ")", "mariadb": ")"}),
    ("ALTER TABLE a PARTITION BY LIST COLUMNS (n) PARTITIONS 2", {"mysql": "2", "mariadb": "2"}),
    ("ALTER TABLE a PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN",
     {"mysql": "THAN", "mariadb": "THAN"}),
    ("CREATE TABLE q (id INT) PARTITION BY LIST (id) PARTITIONS 4", {"mysql": "4",
                                                                      "mariadb": "4"}),
    ("ALTER TABLE a PARTITION BY LINEAR HASH (id) PARTITIONS 4", {"mysql": "", "mariadb": ""}),
    ("ALTER TABLE a PARTITION BY KEY ALGORITHM=2 () PARTITIONS 2", {"mysql": "",
                                                                    "mariadb": ""}),
    ("ALTER TABLE a PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), "
     "PARTITION p1 VALUES LESS THAN MAXVALUE)", {"mysql": "", "mariadb": ""}),
    ("CREATE TABLE q (id INT) PARTITION BY RANGE COLUMNS (id) SUBPARTITION BY HASH (id) "
     "SUBPARTITIONS 2 (PARTITION p0 VALUES LESS THAN (10))", {"mysql": "", "mariadb": ""}),
    # the index type before ON (index_name [index_type] ON tbl_name: MySQL 8.4 manual, 15.1.15
    # "CREATE INDEX Statement"; MariaDB knowledge base, "CREATE INDEX"), or after the columns
    ("CREATE INDEX a_q USING HASH ON a (n)", {"mysql": "", "mariadb": ""}),
    ("CREATE UNIQUE INDEX a_q USING BTREE ON a (n, id)", {"mysql": "", "mariadb": ""}),
    ("CREATE INDEX a_q USING GIST ON a (n)", {"mysql": "GIST", "mariadb": "GIST"}),
    # MySQL's CHECK enforcement (8.0.16+): MariaDB enforces every CHECK constraint and has no
    # [NOT] ENFORCED (checked on MariaDB 10.11: it stops at ALTER's CHECK / CONSTRAINT)
    ("ALTER TABLE a ALTER CHECK a_chk ENFORCED", {"mysql": "", "mariadb": "CHECK"}),
    ("ALTER TABLE a ALTER CONSTRAINT a_chk NOT ENFORCED", {"mysql": "", "mariadb": "CONSTRAINT"}),
    ("ALTER TABLE a ADD CONSTRAINT a_pos CHECK (n > 0) NOT ENFORCED", {"mysql": "",
                                                                      "mariadb": "NOT"}),
    ("CREATE TABLE q (id INT, CHECK (id > 0) ENFORCED)", {"mysql": "", "mariadb": "ENFORCED"}),
    ("ALTER TABLE a ADD COLUMN enforced INT", {"mysql": "", "mariadb": ""}),
    # MySQL's DROP CHECK (8.0.16); MariaDB drops a CHECK with DROP CONSTRAINT only (checked on
    # MariaDB 10.11: error 1064 at CHECK)
    ("ALTER TABLE a DROP CHECK a_chk", {"mysql": "", "mariadb": "CHECK"}),
    ("ALTER TABLE a ADD COLUMN c INT, DROP CHECK a_chk", {"mysql": "", "mariadb": "CHECK"}),
    ("ALTER TABLE a ADD COLUMN `check` INT; ALTER TABLE a DROP `check`",
     {"mysql": "", "mariadb": ""}),
    # an expression is no statement on either server (sqlglot reads it as one)
    ("foo", {"mysql": "foo", "mariadb": "foo"}),
    ("GO", {"mysql": "GO", "mariadb": "GO"}),
    ("a.n + 1", {"mysql": "a", "mariadb": "a"}),
    ("NOW()", {"mysql": "NOW", "mariadb": "NOW"}),
    ("'done'", {"mysql": "'done'", "mariadb": "'done'"}),
    ("FLUSH TABLES", {"mysql": "", "mariadb": ""}),
    # MySQL's SRID column attribute (MariaDB writes REF_SYSTEM_ID)
    ("CREATE TABLE p (id INT PRIMARY KEY, g POINT NOT NULL SRID 4326)", {"mysql": "",
                                                                          "mariadb": "SRID"}),
    # statements that administer the server, MySQL's only (checked on MariaDB 10.11: error
    # 1064 near the word given; SET PERSIST's near the variable, read as one named PERSIST)
    ("LOCK INSTANCE FOR BACKUP", {"mysql": "", "mariadb": "INSTANCE"}),
    ("UNLOCK INSTANCE", {"mysql": "", "mariadb": "INSTANCE"}),
    ("SET PERSIST max_connections = 500", {"mysql": "", "mariadb": "max_connections"}),
    ("SET PERSIST_ONLY innodb_log_file_size = 1", {"mysql": "",
                                                   "mariadb": "innodb_log_file_size"}),
    ("RESET PERSIST max_connections", {"mysql": "", "mariadb": "PERSIST"}),
    ("CLONE LOCAL DATA DIRECTORY = '/tmp/clone'", {"mysql": "", "mariadb": "CLONE"}),
    ("INSTALL COMPONENT 'file://component_validate_password'",
     {"mysql": "", "mariadb": "COMPONENT"}),
    ("UNINSTALL COMPONENT 'file://component_validate_password'",
     {"mysql": "", "mariadb": "COMPONENT"}),
    ("RESTART", {"mysql": "", "mariadb": "RESTART"}),
    ("ALTER INSTANCE ROTATE INNODB MASTER KEY", {"mysql": "", "mariadb": "INSTANCE"}),
    ("CREATE RESOURCE GROUP batch TYPE = USER VCPU = 0-1", {"mysql": "", "mariadb": "RESOURCE"}),
    ("SET RESOURCE GROUP batch", {"mysql": "", "mariadb": "RESOURCE"}),
    ("DROP RESOURCE GROUP batch", {"mysql": "", "mariadb": "RESOURCE"}),
    ("CREATE UNDO TABLESPACE u1 ADD DATAFILE 'u1.ibu'", {"mysql": "", "mariadb": "UNDO"}),
    ("ALTER UNDO TABLESPACE u1 SET INACTIVE", {"mysql": "", "mariadb": "UNDO"}),
    ("IMPORT TABLE FROM '/tmp/accounts.sdi'", {"mysql": "", "mariadb": "IMPORT"}),
    ("START GROUP_REPLICATION", {"mysql": "", "mariadb": "GROUP_REPLICATION"}),
    ("CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db1'", {"mysql": "",
                                                         "mariadb": "REPLICATION"}),
    ("CHANGE REPLICATION FILTER REPLICATE_DO_DB = (app)", {"mysql": "",
                                                          "mariadb": "REPLICATION"}),
    ("RESET BINARY LOGS AND GTIDS", {"mysql": "", "mariadb": "BINARY"}),
    # ... and MariaDB's (MySQL 8.4 manual, 15.7.8 "Other Administrative Statements": no
    # BACKUP statement; the backup lock is LOCK INSTANCE FOR BACKUP)
    ("BACKUP STAGE START", {"mysql": "BACKUP", "mariadb": ""}),
    ("BACKUP LOCK a", {"mysql": "BACKUP", "mariadb": ""}),
    # both servers'
    ("FLUSH TABLES WITH READ LOCK", {"mysql": "", "mariadb": ""}),
]


def parse_errors(sql: str, dialect: str) -> list:
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect))
    return [f for f in reports[1].findings if f.rule == "parse-error"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "stops_at"), CASES)
def test_syntax_of_the_other_server_is_a_parse_error(sql: str, stops_at: dict,
                                                     dialect: str) -> None:
    text = "-- a migration\n" + sql + ";"
    errors = parse_errors(text, dialect)
    word = stops_at[dialect]
    if not word:
        assert not errors, errors
        return
    (error,) = errors
    column = sql.rindex(word) + 1 if word == "a" else sql.index(word) + 1
    assert (error.span.line, error.span.column) == (2, column), error.message
    assert word in error.message


def test_ignored_is_refused_before_mariadb_10_6() -> None:
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text("ALTER TABLE a ALTER INDEX a_n IGNORED;",
                                                   "2_change.sql")],
                              LintOptions(dialect="mariadb", server_version="10.5"))
    assert [f.rule for f in reports[1].findings] == ["parse-error"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("index", ["INDEX", "UNIQUE INDEX"])
@pytest.mark.parametrize("index_type", ["BTREE", "HASH"])
def test_an_index_type_before_on_lints_as_after_the_columns(dialect: str, index: str,
                                                            index_type: str) -> None:
    """CREATE INDEX's index_type may come before ON or after the column list (MySQL 8.4
    manual, 15.1.15 "CREATE INDEX Statement"): the same findings, at the same places."""
    def findings(sql: str) -> list[tuple]:
        reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                                   migration_from_text(f"-- a migration\n{sql};", "2.sql")],
                                  LintOptions(dialect=dialect))
        return [(f.rule, f.message, f.span.line, f.span.column) for f in reports[1].findings]

    before = findings(f"CREATE {index} a_q USING {index_type} ON a (n)")
    assert before == findings(f"CREATE {index} a_q ON a (n) USING {index_type}")
    assert "parse-error" not in [rule for rule, *_ in before]


@pytest.mark.parametrize(("dialect", "version", "refused"), [
    ("mariadb", "10.11", True), ("mysql", "8.0.22", True), ("mysql", "8.0.23", False),
    ("mysql", "8.4", False)])
def test_alter_column_set_invisible_is_mysql_8_0_23s(dialect: str, version: str,
                                                     refused: bool) -> None:
    """ALTER COLUMN ... SET VISIBLE | INVISIBLE arrived in MySQL 8.0.23 (15.1.9 ALTER TABLE
    Statement); MariaDB has no such form (error 1064, checked on MariaDB 10.11; it writes
    MODIFY ... INVISIBLE). It was read on both."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([
        migration_from_text("CREATE TABLE t (id INT PRIMARY KEY, a INT);", "1_setup.sql"),
        migration_from_text("ALTER TABLE t ALTER COLUMN a SET INVISIBLE;", "2_change.sql")],
        LintOptions(dialect=dialect, server_version=version))
    assert ("parse-error" in [f.rule for f in reports[1].findings]) == refused


@pytest.mark.parametrize(("sql", "version", "refused"), [
    ("ALTER TABLE a ALTER CHECK a_chk NOT ENFORCED", "8.0.15", True),
    ("ALTER TABLE a ALTER CHECK a_chk NOT ENFORCED", "8.0.16", False),
    ("ALTER TABLE a ALTER CONSTRAINT a_chk ENFORCED", "8.0.18", True),
    ("ALTER TABLE a ALTER CONSTRAINT a_chk ENFORCED", "8.0.19", False),
    # a CHECK's own [NOT] ENFORCED came with enforcement, in 8.0.16 (the manual's "CHECK
    # Constraints"); before, only the bare CHECK (...) was parsed, and ignored
    ("ALTER TABLE a ADD CONSTRAINT a_pos CHECK (n > 0) NOT ENFORCED", "8.0.15", True),
    ("CREATE TABLE q (id INT CHECK (id > 0) ENFORCED)", "8.0.15", True),
    ("CREATE TABLE q (id INT CHECK (id > 0) NOT ENFORCED)", "8.0.16", False),
    ("CREATE TABLE q (id INT CHECK (id > 0))", "8.0.15", False),
    # DROP CHECK came with enforcement (8.0.16), DROP CONSTRAINT with ALTER CONSTRAINT (8.0.19)
    ("ALTER TABLE a DROP CHECK a_chk", "8.0.15", True),
    ("ALTER TABLE a DROP CHECK a_chk", "5.7", True),
    ("ALTER TABLE a DROP CHECK a_chk", "8.0.16", False),
    ("ALTER TABLE a ADD COLUMN c INT, DROP CONSTRAINT a_chk", "8.0.18", True),
    ("ALTER TABLE a DROP CONSTRAINT a_chk", "8.0.19", False),
    ("ALTER TABLE a DROP `check`", "8.0.15", False),
    ("ALTER TABLE a DROP `constraint`", "8.0.18", False),
])
def test_check_enforcement_is_refused_before_mysql_has_it(sql: str, version: str,
                                                          refused: bool) -> None:
    """ALTER CHECK ... [NOT] ENFORCED and DROP CHECK arrived in MySQL 8.0.16, ALTER CONSTRAINT
    and DROP CONSTRAINT in 8.0.19 (MySQL 8.0 manual, 15.1.9 "ALTER TABLE Statement", Foreign
    Keys and Other Constraints)."""
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text(sql + ";", "2_change.sql")],
                              LintOptions(dialect="mysql", server_version=version))
    assert ("parse-error" in [f.rule for f in reports[1].findings]) == refused


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "refused"), [
    # the mysql client's command without its delimiter (the client refuses it)
    ("DELIMITER", True),
    # valid statements sqlglot reads as expressions
    ("FLUSH PRIVILEGES", False), ("SHUTDOWN", False), ("VALUES (1)", False),
    # a compound statement's END alone: a stored program written without DELIMITER is read
    # whole (test_mysql_compound_statements.py), so this one closes nothing (MariaDB 10.11:
    # "You have an error in your SQL syntax")
    ("END", True), ("END IF", True),
])
def test_an_expression_alone_is_no_statement(sql: str, refused: bool, dialect: str) -> None:
    errors = parse_errors(f"-- a migration\n{sql};", dialect)
    assert bool(errors) == refused, errors
    if refused:
        assert (errors[0].span.line, errors[0].span.column) == (2, 1)


@pytest.mark.parametrize(("sql", "word"), [
    # not run on the MariaDB of the truth suite: the plugin is not there, the server would stop
    ("INSTALL SONAME 'auth_ed25519'", "SONAME"), ("UNINSTALL SONAME 'auth_ed25519'", "SONAME"),
    ("SHUTDOWN WAIT FOR ALL REPLICAS", "WAIT"), ("SHUTDOWN WAIT FOR ALL SLAVES", "WAIT"),
])
def test_mariadbs_own_server_statements_are_refused_by_mysql(sql: str, word: str) -> None:
    """MySQL 8.4 manual, "INSTALL PLUGIN Statement" and "INSTALL COMPONENT Statement"
    (INSTALL takes PLUGIN or COMPONENT), "SHUTDOWN Statement" (no options)."""
    text = "-- a migration\n" + sql + ";"
    (error,) = parse_errors(text, "mysql")
    assert (error.span.line, error.span.column) == (2, sql.index(word) + 1), error.message
    assert not parse_errors(text, "mariadb")
