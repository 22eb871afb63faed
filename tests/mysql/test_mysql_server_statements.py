"""Valid MySQL 8 / MariaDB statements that administer the server rather than a table: each is
read (no parse problem), those that block other sessions' writes or DDL say so, and those
whose effect lockwise does not model (a SHUTDOWN, a CLONE, replication) are reported as not
checked."""

from __future__ import annotations

import pytest

from lockwise.parse.mysql import parse_mysql

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY);"

#: MySQL 8.4 manual, chapter 15 (SQL Statements): 15.3.5 LOCK INSTANCE FOR BACKUP, 15.7.5
#: CLONE, 15.7.4 component and plugin statements, 15.7.6.1 SET (PERSIST), 15.7.8.8 RESTART,
#: 15.7.8.9 SHUTDOWN, 15.7.2 resource groups, 15.1.5 ALTER INSTANCE, 15.2.6 IMPORT TABLE,
#: 15.7.8.1 BINLOG, 15.4.1 / 15.4.2 replication statements, 15.7.8.2 CACHE INDEX, 15.7.8.5
#: LOAD INDEX INTO CACHE, 15.7.8.3 FLUSH, 15.6.7 diagnostics; MariaDB's BACKUP STAGE / LOCK.
VALID = [
    "INSTALL PLUGIN audit SONAME 'audit.so'", "UNINSTALL PLUGIN audit", "SHUTDOWN",
    "BINLOG 'AAAA'", "PURGE BINARY LOGS TO 'mysql-bin.010'",
    "START REPLICA", "STOP REPLICA", "RESET QUERY CACHE",
    "CACHE INDEX accounts IN hot_cache", "LOAD INDEX INTO CACHE accounts",
    "FLUSH TABLES WITH READ LOCK", "FLUSH TABLES accounts WITH READ LOCK",
    "FLUSH TABLES accounts FOR EXPORT", "FLUSH NO_WRITE_TO_BINLOG TABLES",
    "FLUSH LOCAL TABLES accounts", "FLUSH TABLE accounts", "FLUSH BINARY LOGS",
    "FLUSH ENGINE LOGS", "FLUSH RELAY LOGS FOR CHANNEL c1", "FLUSH QUERY CACHE",
    "GET DIAGNOSTICS @n = NUMBER", "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'stop'",
    "LOCK TABLES accounts READ", "LOCK TABLE accounts WRITE",
]
#: MySQL's alone: MariaDB refuses them (test_mysql_dialect_syntax.py, checked on 10.11).
MYSQL_ONLY = [
    "LOCK INSTANCE FOR BACKUP", "UNLOCK INSTANCE", "CLONE LOCAL DATA DIRECTORY = '/tmp/clone'",
    "CLONE INSTANCE FROM 'donor'@'db1':3306 IDENTIFIED BY 'secret'",
    "INSTALL COMPONENT 'file://component_validate_password'",
    "UNINSTALL COMPONENT 'file://component_validate_password'",
    "SET PERSIST max_connections = 500", "SET PERSIST_ONLY innodb_log_file_size = 1",
    "RESET PERSIST max_connections", "RESTART", "SET RESOURCE GROUP batch",
    "SET RESOURCE GROUP batch FOR 12, 13", "CREATE RESOURCE GROUP batch TYPE = USER VCPU = 0-1",
    "ALTER RESOURCE GROUP batch VCPU = 0", "DROP RESOURCE GROUP batch",
    "ALTER INSTANCE ROTATE INNODB MASTER KEY", "ALTER INSTANCE RELOAD TLS",
    "IMPORT TABLE FROM '/tmp/accounts.sdi'",
    "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db1'",
    "CHANGE REPLICATION FILTER REPLICATE_DO_DB = (app)", "START GROUP_REPLICATION",
    "STOP GROUP_REPLICATION", "RESET BINARY LOGS AND GTIDS",
    "CREATE UNDO TABLESPACE u1 ADD DATAFILE 'u1.ibu'", "ALTER UNDO TABLESPACE u1 SET INACTIVE",
    "DROP UNDO TABLESPACE u1",
]
#: MariaDB's alone: MySQL refuses them.
MARIADB_ONLY = [
    "INSTALL SONAME 'audit'", "SHUTDOWN WAIT FOR ALL REPLICAS", "BACKUP STAGE START",
    "BACKUP UNLOCK", "BACKUP LOCK accounts",
]


#: MySQL's statements that 8.4.0 removed (MySQL 8.4 release notes, 8.4.0, "SQL statements
#: removed"): MariaDB keeps them; MySQL reads them before 8.4.
BEFORE_MYSQL_8_4 = [
    "PURGE MASTER LOGS BEFORE '2026-01-01 00:00:00'", "CHANGE MASTER TO MASTER_HOST = 'db1'",
    "STOP SLAVE", "START SLAVE IO_THREAD", "RESET SLAVE ALL", "RESET MASTER",
    "SHOW MASTER STATUS", "SHOW SLAVE STATUS", "SHOW SLAVE HOSTS", "SHOW MASTER LOGS",
]


@pytest.mark.parametrize(("sql", "dialect", "version"), [
    *((sql, dialect, None) for sql in VALID for dialect in ("mysql", "mariadb")),
    *((sql, dialect, version) for sql in BEFORE_MYSQL_8_4
      for dialect, version in (("mysql", "8.0.40"), ("mysql", "8.3"), ("mariadb", None))),
    *((sql, "mysql", None) for sql in MYSQL_ONLY), *((sql, "mariadb", None)
                                                      for sql in MARIADB_ONLY)])
def test_a_valid_server_statement_is_read(sql: str, dialect: str, version: str | None) -> None:
    from lockwise.effects.mysql import parse_server_version

    parsed = parse_mysql(sql + ";\nUNLOCK TABLES;", dialect,
                         parse_server_version(version) if version else None)
    assert not parsed.problems, [p.message for p in parsed.problems]
    assert [s.sql for s in parsed.statements] == [sql, "UNLOCK TABLES"]


@pytest.mark.parametrize("sql", ["FLUSH TABLES WITH", "CLONE",
                                 "STOP accounts", "BACKUP accounts"])
def test_an_incomplete_server_statement_is_still_a_problem(sql: str) -> None:
    assert parse_mysql(sql + ";").problems


@pytest.mark.parametrize(("change", "rule", "says", "dialect"), [
    *((change, rule, says, dialect) for change, rule, says in [
        ("FLUSH TABLES WITH READ LOCK;\nUNLOCK TABLES;", "mysql-global-read-lock",
         "every table"),
        ("FLUSH TABLES accounts WITH READ LOCK;\nUNLOCK TABLES;", "mysql-global-read-lock",
         "accounts"),
        ("SHUTDOWN;", "mysql-server-statement", "SHUTDOWN"),
        ("STOP REPLICA;", "mysql-server-statement", "STOP REPLICA"),
    ] for dialect in ("mysql", "mariadb")),
    ("LOCK INSTANCE FOR BACKUP;\nUNLOCK INSTANCE;", "mysql-backup-lock", "DDL", "mysql"),
    ("CLONE LOCAL DATA DIRECTORY = '/tmp/clone';", "mysql-server-statement", "CLONE", "mysql"),
    ("SET PERSIST max_connections = 500;", "mysql-server-statement", "SET PERSIST", "mysql"),
    # MariaDB refuses MySQL's: a parse-error at the word it stops at
    ("LOCK INSTANCE FOR BACKUP;", "parse-error", "INSTANCE", "mariadb"),
    ("CLONE LOCAL DATA DIRECTORY = '/tmp/clone';", "parse-error", "CLONE", "mariadb"),
])
def test_a_server_statement_says_what_it_blocks_or_that_it_is_not_checked(
        lint_change, change: str, rule: str, says: str, dialect: str) -> None:
    findings = lint_change(change, dialect).all_findings
    assert [(f.rule, f.span.line) for f in findings] == [(rule, 1)], findings
    assert says in findings[0].message


@pytest.mark.parametrize("change", ["FLUSH TABLES accounts;", "FLUSH LOGS;",
                                    "FLUSH PRIVILEGES;", "LOAD INDEX INTO CACHE accounts;",
                                    "SET GLOBAL max_connections = 500;",
                                    "FLUSH TABLES accounts FOR EXPORT;\nUNLOCK TABLES;"])
def test_a_statement_that_blocks_nothing_for_long_is_clean(lint_change, change: str) -> None:
    assert lint_change(change).all_findings == []


def test_flush_tables_with_read_lock_blocks_writes_on_mariadb(mariadb) -> None:
    """Checked on the server: a second session's INSERT waits (seen waiting in the processlist
    while another session holds FLUSH TABLES WITH READ LOCK, mariadb_lock_helpers.waits)."""
    from mariadb_lock_helpers import waits

    assert mariadb.run("CREATE DATABASE IF NOT EXISTS ftwrl; CREATE TABLE IF NOT EXISTS "
                       "ftwrl.t (id INT PRIMARY KEY)", "mysql").returncode == 0
    assert waits(mariadb, "ftwrl", "INSERT INTO t VALUES (1)", "FLUSH TABLES WITH READ LOCK")[0]


#: MySQL's SET @@PERSIST.name / @@PERSIST_ONLY.name, the other spelling of SET PERSIST.
PERSIST_VARIABLES = ["SET @@PERSIST.max_connections = 500",
                     "SET @@persist_only.innodb_log_file_size = 1",
                     "SET @@SESSION.sql_mode = '', @@PERSIST.max_connections = 500"]


@pytest.mark.parametrize("sql", PERSIST_VARIABLES)
def test_set_at_at_persist_is_a_server_statement_on_mysql(lint_change, sql: str) -> None:
    findings = lint_change(sql + ";").all_findings
    assert [(f.rule, f.span.line) for f in findings] == [("mysql-server-statement", 1)]


@pytest.mark.parametrize("sql", [*PERSIST_VARIABLES, "SET @@PERSIST.key_buffer_size = 8388608"])
def test_set_at_at_persist_is_refused_on_mariadb(sql: str) -> None:
    (problem,) = parse_mysql(sql + ";", "mariadb").problems
    assert sql[problem.span.column - 1:].upper().startswith("@@PERSIST")
    assert "MariaDB has no persisted settings" in problem.message
    assert ("1229" if "key_buffer" in sql else "1272") in problem.message


def test_set_at_at_persist_on_mariadb(mariadb) -> None:
    """Checked on the server: MariaDB reads `@@PERSIST.name` as a structured variable (a key
    cache's) and refuses it, with the error the parse-error quotes."""
    from lockwise.parse.mysql_server_syntax import mariadb_persist_error

    for sql in [*PERSIST_VARIABLES, "SET @@PERSIST.key_buffer_size = 8388608"]:
        refused = mariadb.run(sql, "mysql")
        code, text = mariadb_persist_error(sql)
        assert f"ERROR {code}" in refused.stderr and text in refused.stderr, refused.stderr


@pytest.mark.parametrize(("sql", "version", "word", "says"), [
    *((sql, version, word, says) for version in ("8.4", "8.4.3", "9.1") for sql, word, says in [
        ("RESET MASTER", "MASTER", "RESET BINARY LOGS AND GTIDS"),
        ("SHOW MASTER STATUS", "MASTER", "SHOW BINARY LOG STATUS"),
        ("CHANGE MASTER TO MASTER_HOST = 'db1'", "MASTER", "CHANGE REPLICATION SOURCE TO"),
        ("START SLAVE", "SLAVE", "START REPLICA"), ("stop slave io_thread", "slave",
                                                     "STOP REPLICA"),
        ("RESET SLAVE ALL", "SLAVE", "RESET REPLICA"),
        ("SHOW SLAVE STATUS", "SLAVE", "SHOW REPLICA STATUS"),
        ("SHOW SLAVE HOSTS", "SLAVE", "SHOW REPLICAS"),
        ("PURGE MASTER LOGS TO 'b.01'", "MASTER", "PURGE BINARY LOGS"),
        ("SHOW MASTER LOGS", "MASTER", "SHOW BINARY LOGS")]),
    ("RESET BINARY LOGS AND GTIDS", "8.1", "BINARY", "RESET MASTER"),
    ("SHOW BINARY LOG STATUS", "8.0.40", "LOG", "SHOW MASTER STATUS"),
    ("CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db1'", "8.0.22", "SOURCE",
     "CHANGE MASTER TO"),
    ("START REPLICA", "8.0.21", "REPLICA", "START SLAVE"),
    ("SHOW REPLICA STATUS", "5.7", "REPLICA", "SHOW SLAVE STATUS"),
    ("SHOW REPLICAS", "8.0.21", "REPLICAS", "SHOW SLAVE HOSTS"),
])
def test_a_statement_the_mysql_version_does_not_have_is_a_parse_error(
        sql: str, version: str, word: str, says: str) -> None:
    from lockwise.effects.mysql import parse_server_version

    (problem,) = parse_mysql(sql + ";", "mysql", parse_server_version(version)).problems
    assert sql[problem.span.column - 1:].startswith(word + " ") or \
        sql[problem.span.column - 1:] == word, (problem.span, problem.message)
    assert f"near '{word}" in problem.message and says in problem.message


@pytest.mark.parametrize(("sql", "version"), [
    ("RESET BINARY LOGS AND GTIDS", "8.2"), ("SHOW BINARY LOG STATUS", "8.2.0"),
    ("CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db1'", "8.0.23"),
    ("START REPLICA", "8.0.22"), ("SHOW REPLICAS", "8.4"), ("RESET MASTER", "8.3.0"),
])
def test_a_statement_the_mysql_version_has_is_read(sql: str, version: str) -> None:
    from lockwise.effects.mysql import parse_server_version

    assert parse_mysql(sql + ";", "mysql", parse_server_version(version)).problems == []


@pytest.mark.parametrize(("sql", "word"), [("SHOW REPLICAS", "REPLICAS"),
                                           ("SHOW BINARY LOG STATUS", "LOG")])
def test_mysqls_new_show_statements_are_refused_by_mariadb(sql: str, word: str) -> None:
    (problem,) = parse_mysql(sql + ";", "mariadb").problems
    assert f"near '{word}" in problem.message


def test_mysqls_new_show_statements_on_mariadb(mariadb) -> None:
    """Checked on the server: MariaDB 10.11 refuses MySQL's SHOW REPLICAS and SHOW BINARY LOG
    STATUS where the parse-error says, and runs what the messages say it writes instead."""
    for sql, near in (("SHOW REPLICAS", "'REPLICAS'"), ("SHOW BINARY LOG STATUS", "'LOG")):
        refused = mariadb.run(sql, "mysql")
        assert "ERROR 1064" in refused.stderr and f"near {near}" in refused.stderr, \
            refused.stderr
    for sql in ("SHOW SLAVE HOSTS", "SHOW REPLICA HOSTS", "SHOW MASTER STATUS",
                "SHOW BINLOG STATUS"):
        assert mariadb.run(sql, "mysql").returncode == 0, sql


@pytest.mark.parametrize(("sql", "word", "says"), [
    ("START REPLICA", "REPLICA", "START SLAVE"),
    ("stop replica io_thread", "replica", "STOP SLAVE"),
    ("RESET REPLICA ALL", "REPLICA", "RESET SLAVE"),
    ("SHOW REPLICA STATUS", "REPLICA", "SHOW SLAVE STATUS"),
    ("SHOW ALL REPLICAS STATUS", "REPLICAS", "SHOW ALL SLAVES STATUS"),
    ("SHOW REPLICA HOSTS", "REPLICA", "SHOW SLAVE HOSTS"),
    ("START ALL REPLICAS", "REPLICAS", "START ALL SLAVES"),
    ("STOP ALL REPLICAS", "REPLICAS", "STOP ALL SLAVES"),
])
@pytest.mark.parametrize("version", ["10.4", "10.5.0", "10.3.39"])
def test_a_replica_statement_before_mariadb_10_5_1_is_a_parse_error(
        sql: str, word: str, says: str, version: str) -> None:
    from lockwise.effects.mysql import parse_server_version

    (problem,) = parse_mysql(sql + ";", "mariadb", parse_server_version(version)).problems
    assert sql[problem.span.column - 1:].startswith(word), (problem.span, problem.message)
    assert f"near '{word}" in problem.message and says in problem.message, problem.message
    assert "10.5.1" in problem.message


@pytest.mark.parametrize("sql", ["START REPLICA", "SHOW REPLICA STATUS", "SHOW REPLICA HOSTS",
                                 "SHOW ALL REPLICAS STATUS", "START SLAVE", "SHOW SLAVE STATUS",
                                 "START ALL SLAVES", "STOP ALL REPLICAS"])
@pytest.mark.parametrize("version", ["10.5.1", "10.11", None])
def test_a_replica_statement_mariadb_has_is_read(sql: str, version: str | None) -> None:
    from lockwise.effects.mysql import parse_server_version

    parsed = parse_mysql(sql + ";", "mariadb", parse_server_version(version) if version else None)
    assert parsed.problems == []


def test_mariadbs_replica_statements_run_on_mariadb(mariadb) -> None:
    """Checked on the server (10.11): the REPLICA spellings the check lets through run."""
    for sql in ("SHOW REPLICA STATUS", "SHOW ALL REPLICAS STATUS", "SHOW REPLICA HOSTS",
                "SHOW SLAVE STATUS", "STOP ALL SLAVES", "STOP ALL REPLICAS"):
        ran = mariadb.run(sql, "mysql")
        assert ran.returncode == 0, (sql, ran.stderr)


def test_mariadbs_start_all_slaves_is_refused_by_mysql() -> None:
    (problem,) = parse_mysql("STOP ALL SLAVES;", "mysql").problems
    assert "near 'ALL" in problem.message and "FOR CHANNEL" in problem.message


@pytest.mark.parametrize("version", [None, "8.0.40", "8.4"])
def test_mariadbs_show_binlog_status_is_refused_by_mysql(version: str | None) -> None:
    """MariaDB 10.5.2's name for SHOW MASTER STATUS; MySQL's is SHOW BINARY LOG STATUS (8.2
    on): MySQL reads SHOW BINLOG as SHOW BINLOG EVENTS and stops at STATUS."""
    from lockwise.effects.mysql import parse_server_version

    (problem,) = parse_mysql("SHOW BINLOG STATUS;", "mysql",
                             parse_server_version(version) if version else None).problems
    assert problem.span.column == len("SHOW BINLOG ") + 1, problem.span
    assert "near 'STATUS'" in problem.message and "SHOW BINARY LOG STATUS" in problem.message


@pytest.mark.parametrize("version", ["10.5.1", "10.4", "10.3.39"])
def test_show_binlog_status_before_mariadb_10_5_2_is_a_parse_error(version: str) -> None:
    from lockwise.effects.mysql import parse_server_version

    (problem,) = parse_mysql("SHOW BINLOG STATUS;", "mariadb",
                             parse_server_version(version)).problems
    assert problem.span.column == len("SHOW BINLOG ") + 1, problem.span
    assert "near 'STATUS'" in problem.message and "10.5.2" in problem.message
    assert "SHOW MASTER STATUS" in problem.message, problem.message


@pytest.mark.parametrize("version", ["10.5.2", "10.11", None])
def test_show_binlog_status_mariadb_has_is_read(version: str | None) -> None:
    from lockwise.effects.mysql import parse_server_version

    assert parse_mysql("SHOW BINLOG STATUS;", "mariadb",
                       parse_server_version(version) if version else None).problems == []
