"""The MySQL/MariaDB effect model on its own: parsing, operation planning, version gates.

MySQL-only facts come from the MySQL reference manual (no MySQL server runs here); MariaDB
facts are also checked against a real server in test_mariadb_truth.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.catalog.model import Catalog
from lockwise.cli.app import app
from lockwise.discover import migration_from_text
from lockwise.effects.mysql import (
    DEFAULT_VERSIONS,
    MySQLSession,
    apply_mysql_statement,
    compute_mysql_effect,
    parse_server_version,
)
from lockwise.effects.mysql_ddl import OPERATIONS, algorithm_allowed, lock_allowed, plan
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.mysql import parse_mysql

SETUP = """CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20), n INT NOT NULL, m INT,
  e ENUM('a','b'), doc TEXT) DEFAULT CHARSET=utf8mb4;"""

# statement -> expected (operations, algorithm) on MySQL 8.0.28 and on 8.4
CASES = {
    "ALTER TABLE t ADD COLUMN x INT": (("add_column_last",), "INSTANT", "INSTANT"),
    "ALTER TABLE t ADD COLUMN x INT AFTER id": (("add_column_positioned",), "INPLACE", "INSTANT"),
    "ALTER TABLE t ADD COLUMN x INT FIRST": (("add_column_positioned",), "INPLACE", "INSTANT"),
    "ALTER TABLE t ADD COLUMN x INT AUTO_INCREMENT UNIQUE":
        (("add_column_auto_increment",), "INPLACE", "INPLACE"),
    "ALTER TABLE t ADD COLUMN x INT AS (n + 1) STORED":
        (("add_column_stored_generated",), "COPY", "COPY"),
    "ALTER TABLE t ADD COLUMN x INT AS (n + 1) VIRTUAL":
        (("add_column_virtual_generated",), "INSTANT", "INSTANT"),
    "ALTER TABLE t DROP COLUMN m": (("drop_column",), "INPLACE", "INSTANT"),
    "ALTER TABLE t RENAME COLUMN m TO m2": (("rename_column",), "INSTANT", "INSTANT"),
    "ALTER TABLE t MODIFY m INT FIRST": (("reorder_column",), "INPLACE", "INPLACE"),
    "ALTER TABLE t ALTER COLUMN m SET DEFAULT 1": (("set_default",), "INSTANT", "INSTANT"),
    "ALTER TABLE t ALTER COLUMN m DROP DEFAULT": (("drop_default",), "INSTANT", "INSTANT"),
    "ALTER TABLE t MODIFY m BIGINT": (("change_column_type",), "COPY", "COPY"),
    "ALTER TABLE t MODIFY v VARCHAR(60)":
        (("extend_varchar_same_length_bytes",), "INPLACE", "INPLACE"),
    "ALTER TABLE t MODIFY v VARCHAR(100)":
        (("extend_varchar_more_length_bytes",), "COPY", "COPY"),
    "ALTER TABLE t MODIFY v VARCHAR(10)": (("shrink_varchar",), "COPY", "COPY"),
    "ALTER TABLE t MODIFY n INT NULL": (("make_column_nullable",), "INPLACE", "INPLACE"),
    "ALTER TABLE t MODIFY n INT": (("make_column_nullable",), "INPLACE", "INPLACE"),
    "ALTER TABLE t MODIFY m INT NOT NULL": (("make_column_not_null",), "INPLACE", "INPLACE"),
    "ALTER TABLE t MODIFY e ENUM('a','b','c')": (("extend_enum",), "INSTANT", "INSTANT"),
    "ALTER TABLE t ADD INDEX t_m (m)": (("add_index",), "INPLACE", "INPLACE"),
    "CREATE INDEX t_m ON t (m)": (("add_index",), "INPLACE", "INPLACE"),
    "CREATE INDEX t_m ON t (m) ALGORITHM=INPLACE LOCK=NONE": (("add_index",), "INPLACE",
                                                              "INPLACE"),
    "ALTER TABLE t ADD FULLTEXT INDEX t_doc (doc)": (("add_fulltext_index",), "INPLACE",
                                                      "INPLACE"),
    "ALTER TABLE t DROP INDEX t_m": (("drop_index",), "INPLACE", "INPLACE"),
    "DROP INDEX t_m ON t": (("drop_index",), "INPLACE", "INPLACE"),
    "ALTER TABLE t RENAME INDEX a TO b": (("rename_index",), "INPLACE", "INPLACE"),
    "ALTER TABLE t DROP PRIMARY KEY": (("drop_primary_key",), "COPY", "COPY"),
    "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, n)":
        (("add_primary_key",), "INPLACE", "INPLACE"),
    "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (m) REFERENCES u (id)":
        (("add_foreign_key",), "COPY", "COPY"),
    "ALTER TABLE t DROP FOREIGN KEY fk": (("drop_foreign_key",), "INPLACE", "INPLACE"),
    "ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0)": (("add_check_constraint",), "COPY", "COPY"),
    "ALTER TABLE t CONVERT TO CHARACTER SET latin1": (("convert_character_set",), "COPY",
                                                      "COPY"),
    # enforcing a CHECK constraint validates every row (MySQL 8.4 manual, 15.1.9 ALTER TABLE:
    # an error for "enforce a nonenforced CHECK constraint for which existing rows violate
    # the constraint condition"), as adding one does; suspending it is metadata only
    "ALTER TABLE t ALTER CHECK c ENFORCED": (("enforce_check_constraint",), "COPY", "COPY"),
    "ALTER TABLE t ALTER CONSTRAINT c ENFORCED":
        (("enforce_check_constraint",), "COPY", "COPY"),
    "ALTER TABLE t ALTER CHECK c NOT ENFORCED":
        (("suspend_check_constraint",), "INSTANT", "INSTANT"),
    "ALTER TABLE t ALTER CONSTRAINT `c` NOT ENFORCED":
        (("suspend_check_constraint",), "INSTANT", "INSTANT"),
    # the default of later columns only: in place per the manual, nothing rewritten
    "ALTER TABLE t CHARACTER SET = latin1": (("set_default_charset",), "INPLACE", "INPLACE"),
    "ALTER TABLE t DEFAULT CHARSET latin1 COLLATE latin1_bin":
        (("set_default_charset",), "INPLACE", "INPLACE"),
    "ALTER TABLE t ENGINE=InnoDB": (("rebuild_table",), "INPLACE", "INPLACE"),
    "OPTIMIZE TABLE t": (("rebuild_table",), "INPLACE", "INPLACE"),
    "ALTER TABLE t ROW_FORMAT=COMPRESSED": (("change_row_format",), "INPLACE", "INPLACE"),
    "ALTER TABLE t AUTO_INCREMENT = 10": (("set_auto_increment",), "INPLACE", "INPLACE"),
    # InnoDB rebuilds for a new KEY_BLOCK_SIZE as for a ROW_FORMAT (fix-mysql53: read as
    # nothing; MariaDB 10.11 checked, test_mariadb_truth.py), and copies a column given
    # AUTO_INCREMENT (read as metadata only)
    "ALTER TABLE t KEY_BLOCK_SIZE=8": (("change_row_format",), "INPLACE", "INPLACE"),
    "ALTER TABLE t MODIFY id INT NOT NULL AUTO_INCREMENT":
        (("make_column_auto_increment",), "COPY", "COPY"),
    "RENAME TABLE t TO t2": (("rename_table",), "INSTANT", "INSTANT"),
}


def summary(statement: str, flavour: str, version: tuple[int, ...], setup: str = SETUP,
            dialect: str = "mysql") -> dict:
    catalog, session = Catalog(), MySQLSession(flavour=flavour, version=version)
    parsed = parse_mysql(setup + "\n" + statement + ";", dialect)
    assert not parsed.problems, parsed.problems
    setup, last = parsed.statements[0], parsed.statements[-1]
    apply_mysql_statement(catalog, setup.tree, "setup", session)
    session.new_tables.clear()
    effect = compute_mysql_effect(last.tree, catalog, session)
    return next(a.facts for a in effect.actions if a.kind == "mysql_alter_table")


@pytest.mark.parametrize(("setup", "expected"), [
    # no string column to re-encode: the table's default character set only, as
    # `ALTER TABLE t CHARACTER SET = utf8mb4` (MySQL 8.0 manual, "Online DDL Operations",
    # 15.12.1, Table Operations: converting rebuilds "if the new character encoding is
    # different"; InnoDB ignores ALTER_CONVERT_TO itself)
    ("CREATE TABLE t (id INT PRIMARY KEY, n BIGINT, d DATETIME, b BLOB, j JSON) "
     "DEFAULT CHARSET=latin1;", ("set_default_charset", "INPLACE", True)),
    ("CREATE TABLE t (id INT PRIMARY KEY, e ENUM('a','b')) DEFAULT CHARSET=latin1;",
     ("convert_character_set", "COPY", False)),
    ("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)) DEFAULT CHARSET=latin1;",
     ("convert_character_set", "COPY", False)),
])
def test_convert_to_of_a_table_without_string_columns_changes_its_default(
        setup: str, expected: tuple) -> None:
    facts = summary("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4", "mysql", (8, 4, 0), setup)
    assert (facts["operations"][0], facts["algorithm"], facts["permits_dml"]) == expected


def test_convert_to_beside_another_operation_is_judged_column_by_column() -> None:
    """fix-mysql71: a CONVERT re-encoding no column beside ADD COLUMN changes the default
    only (MariaDB 10.11: INSTANT; MySQL: a table option beside in-place work, a rebuild); one
    re-encoding a column is still a copy."""
    setup = "CREATE TABLE t (id INT PRIMARY KEY) CHARSET=latin1;"
    change = "ALTER TABLE t ADD COLUMN s VARCHAR(10), CONVERT TO CHARACTER SET utf8mb4"
    assert summary(change, "mysql", (8, 4, 0), setup)["algorithm"] == "INPLACE"
    assert summary(change, "mariadb", (10, 11, 0), setup, "mariadb")["algorithm"] == "INSTANT"
    facts = summary(change, "mysql", (8, 4, 0), setup.replace(")", ", w VARCHAR(5))", 1))
    assert facts["algorithm"] == "COPY"


def test_at_least_25_operation_kinds_are_modelled() -> None:
    assert len(OPERATIONS) >= 25
    assert len({ops for ops, _, _ in CASES.values()}) >= 25


@pytest.mark.parametrize("statement", sorted(CASES))
def test_mysql_operation_plan(statement: str) -> None:
    operations, before_8029, on_84 = CASES[statement]
    old = summary(statement, "mysql", (8, 0, 28))
    assert old["operations"] == operations
    assert old["algorithm"] == before_8029
    assert summary(statement, "mysql", (8, 4, 0))["algorithm"] == on_84


def test_a_default_character_set_change_rewrites_nothing() -> None:
    for flavour, algorithm in (("mysql", "INPLACE"), ("mariadb", "INSTANT")):
        facts = summary("ALTER TABLE t DEFAULT CHARACTER SET latin1", flavour,
                        DEFAULT_VERSIONS[flavour])
        assert (facts["algorithm"], facts["rebuilds_table"], facts["permits_dml"]) == \
            (algorithm, False, True)


@pytest.mark.parametrize(("convert", "operation"), [
    # latin1 VARCHAR(50) needs one length byte; in utf8mb4 VARCHAR(100) is 400 bytes: two,
    # from 200 (not under 128: MariaDB copies too)
    ("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4", "extend_varchar_more_length_bytes_long"),
    ("ALTER TABLE t CONVERT TO CHARSET utf8mb4 COLLATE utf8mb4_bin",
     "extend_varchar_more_length_bytes_long"),
    # a bare default change leaves the column in latin1, but a MODIFY that names no
    # character set gives it the table's new utf8mb4: re-encoded (MariaDB 10.11: "Cannot
    # change column type"; fix-mysql62)
    ("ALTER TABLE t DEFAULT CHARACTER SET utf8mb4", "change_column_type"),
])
def test_a_converted_table_counts_varchar_bytes_in_the_new_encoding(convert: str,
                                                                    operation: str) -> None:
    setup = "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(50)) DEFAULT CHARSET=latin1;\n"
    facts = _alter_facts(setup + convert + ";", "ALTER TABLE t MODIFY v VARCHAR(100);")
    assert facts["operations"] == (operation,)


def test_copy_blocks_writes_and_rebuilds() -> None:
    facts = summary("ALTER TABLE t MODIFY m BIGINT", "mysql", (8, 4, 0))
    assert facts["rebuilds_table"] and not facts["permits_dml"] and facts["lock_level"] == "SHARED"


def test_foreign_key_checks_off_makes_foreign_keys_in_place() -> None:
    catalog, session = Catalog(), MySQLSession()
    parsed = parse_mysql(SETUP + "\nSET foreign_key_checks = 0;\n"
                         "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (m) REFERENCES u (id);")
    apply_mysql_statement(catalog, parsed.statements[0].tree, "s", session)
    session.new_tables.clear()
    compute_mysql_effect(parsed.statements[1].tree, catalog, session)
    effect = compute_mysql_effect(parsed.statements[2].tree, catalog, session)
    assert effect.actions[0].facts["algorithm"] == "INPLACE"


def test_explicit_clauses_are_checked() -> None:
    assert not algorithm_allowed("INSTANT", "INPLACE", "mysql")
    assert algorithm_allowed("COPY", "INSTANT", "mysql")
    assert algorithm_allowed("INPLACE", "NOCOPY", "mariadb")
    assert not algorithm_allowed("NOCOPY", "INPLACE", "mariadb")
    assert not lock_allowed("NONE", "SHARED")
    assert lock_allowed("EXCLUSIVE", "NONE")
    facts = summary("ALTER TABLE t MODIFY m BIGINT, ALGORITHM=INPLACE, LOCK=NONE", "mysql",
                    (8, 4, 0))
    assert not facts["algorithm_allowed"] and not facts["lock_allowed"]
    assert facts["alter_clause"] == "MODIFY m BIGINT"


def test_mariadb_plans_differ_where_the_server_does() -> None:
    assert plan("drop_column", "mariadb", (10, 11, 0)).algorithm == "INSTANT"
    assert plan("add_index", "mariadb", (10, 11, 0)).algorithm == "NOCOPY"
    assert plan("drop_column", "mysql", (8, 0, 28)).algorithm == "INPLACE"


def test_server_versions() -> None:
    assert parse_server_version("10.11.19-MariaDB-0+deb12u1") == (10, 11, 19)
    assert parse_server_version("8") == (8, 0, 0)
    with pytest.raises(ValueError):
        parse_server_version("eight")


def test_parse_errors_are_positioned_and_delimiters_handled() -> None:
    parsed = parse_mysql("CREATE TABLE a (id INT);\nALTER TABLEX a;\nALTER TABLE a ADD COLUMN (;")
    assert [p.span.line for p in parsed.problems] == [2, 3]
    routine = parse_mysql("DELIMITER $$\nCREATE TRIGGER tr BEFORE INSERT ON a FOR EACH ROW "
                          "BEGIN SET NEW.id = 1; END$$\nDELIMITER ;\nSELECT 1;")
    assert len(routine.statements) == 2 and not routine.problems
    assert [s.kind for s in routine.skipped] == ["client-command", "client-command"]


@pytest.mark.parametrize(("sql", "line", "column", "what"), [
    ("SELECT 1;\nSELECT 'abc;\n", 2, 8, "unterminated quoted string at or near \"'abc;\""),
    ("SELECT 1;\n  SELECT \"a\\\"bc;\n", 2, 10, "unterminated quoted string"),
    ("SELECT 'é';\nSELECT `abc;\n", 2, 8, "unterminated quoted identifier"),
    ("SELECT 1;\nSELECT 'ok';\nSELECT 1 /* abc;\n", 3, 10, "unterminated /* comment"),
])
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_unterminated_tokens_are_placed_and_the_parser_named(
        tmp_path: Path, sql: str, line: int, column: int, what: str, dialect: str) -> None:
    """A file sqlglot cannot tokenize was reported at 1:1 as "PostgreSQL's parser rejects
    this SQL: Error tokenizing ...": it is placed at the quote or comment left open, and the
    message names the parser that read it."""
    (path := tmp_path / "1_a.sql").write_text(sql)
    result = CliRunner().invoke(app, ["lint", str(path), "--dialect", dialect, "--no-cache"])
    assert result.exit_code == 2, result.output
    assert f"1_a.sql:{line}:{column}: parse-error [requires-downtime] sqlglot's MySQL parser" \
        in result.stdout
    assert what in result.stdout and "PostgreSQL" not in result.stdout


def test_postgresql_parse_errors_still_name_postgresql(tmp_path: Path) -> None:
    (path := tmp_path / "1_a.sql").write_text("SELECT 1;\nSELECT 'abc;\n")
    result = CliRunner().invoke(app, ["lint", str(path), "--no-cache"])
    assert "1_a.sql:2:8: parse-error [requires-downtime] PostgreSQL's parser rejects this " \
        "SQL: unterminated quoted string" in result.stdout


def test_lint_pipeline_for_mysql() -> None:
    reports = lint_migrations(
        [migration_from_text(SETUP, "1_create.sql"),
         migration_from_text("ALTER TABLE t MODIFY m BIGINT;\nALTER TABLE t DROP COLUMN doc;",
                             "2_change.sql")],
        LintOptions(dialect="mysql", server_version="8.0.28"))
    assert reports[0].safety.label == "safe"
    rules = [f.rule for f in reports[1].all_findings]
    assert "mysql-table-copy" in rules and "drop-column" in rules
    assert reports[1].statements[0].effect.rewrites == frozenset({"t"})


def test_cli_dialect_and_bad_server_version(tmp_path: Path) -> None:
    (tmp_path / "1_a.sql").write_text(SETUP)
    (tmp_path / "2_b.sql").write_text("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT;")
    runner = CliRunner()
    ok = runner.invoke(app, ["lint", str(tmp_path), "--dialect", "mysql", "-f", "json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["migrations"][1]["statements"][0]["action"] == \
        "mysql_alter_table"
    bad = runner.invoke(app, ["lint", str(tmp_path), "--dialect", "mysql",
                              "--server-version", "eight"])
    assert bad.exit_code == 2


@pytest.mark.parametrize(("args", "server_version"), [
    (["--dialect", "mysql"], "8.4.0"), (["--dialect", "mysql", "--server-version", "8.0.28"],
                                        "8.0.28"),
    (["--dialect", "mariadb"], "10.11.0")])
def test_the_json_report_names_the_mysql_server_version_not_a_postgresql_one(
        tmp_path: Path, args: list[str], server_version: str) -> None:
    """A MySQL or MariaDB run is judged for that server's version: the JSON report says which
    (the default when none is given), and carries no PostgreSQL version it was not judged for."""
    (tmp_path / "1_a.sql").write_text(SETUP)
    result = CliRunner().invoke(app, ["lint", str(tmp_path), "-f", "json", *args])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["dialect"], doc["server_version"]) == (args[1], server_version)
    assert "pg_version" not in doc


def test_temporal_mysql_corpus_lints_cleanly(corpora: Path) -> None:
    from lockwise.discover import discover

    migrations = discover(corpora / "temporal" / "mysql")
    reports = lint_migrations(migrations, LintOptions(dialect="mysql"))
    assert len(reports) == len(migrations) > 40
    assert not [f for r in reports for f in r.all_findings if f.rule == "parse-error"]


def test_dialect_and_server_version_from_config(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "1_a.sql").write_text(SETUP)
    (tmp_path / "m" / "2_b.sql").write_text("ALTER TABLE t DROP COLUMN m, ALGORITHM=INSTANT;")
    config = tmp_path / "lockwise.toml"
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    config.write_text('dialect = "mysql"\nserver_version = "8.0.28"\nmigrations = ["m"]\n')
    old = runner.invoke(app, ["lint", "-f", "json"])
    rules = [f["rule"] for m in json.loads(old.stdout)["migrations"]
             for s in m["statements"] for f in s["findings"]]
    assert "mysql-algorithm-not-supported" in rules  # INSTANT DROP COLUMN needs 8.0.29
    newer = runner.invoke(app, ["lint", "-f", "json", "--server-version", "8.0.29"])
    assert "mysql-algorithm-not-supported" not in newer.stdout  # the flag wins over config
    config.write_text('dialect = "oracle"\n')
    bad = runner.invoke(app, ["lint", "m"])
    assert bad.exit_code == 2 and "`dialect` must be postgresql (or postgres, pg)" in bad.stderr


@pytest.mark.parametrize(("statement", "algorithm_ok", "lock_ok"), [
    # MySQL: "Incorrect usage of ALGORITHM=INSTANT and LOCK=NONE/SHARED/EXCLUSIVE"
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT, LOCK=NONE", True, False),
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT, LOCK=DEFAULT", True, True),
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=NOCOPY", False, True),  # MariaDB's word
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE", True, True),
    ("ALTER TABLE t ADD COLUMN algorithm INT", True, True),  # a column, not a clause
])
def test_mysql_clauses(statement: str, algorithm_ok: bool, lock_ok: bool) -> None:
    facts = summary(statement, "mysql", (8, 4, 0))
    assert (facts["algorithm_allowed"], facts["lock_allowed"]) == (algorithm_ok, lock_ok)


def test_the_alter_clause_keeps_a_column_named_algorithm_and_quotes_for_the_shell() -> None:
    facts = summary("ALTER TABLE t ADD COLUMN algorithm INT COMMENT 'lock = none', "
                    "ALGORITHM=INPLACE, LOCK=NONE", "mysql", (8, 4, 0))
    assert facts["alter_clause"] == "ADD COLUMN algorithm INT COMMENT 'lock = none'"
    assert (facts["requested_algorithm"], facts["requested_lock"]) == ("INPLACE", "NONE")
    assert facts["alter_clause_arg"] == "'ADD COLUMN algorithm INT COMMENT '\"'\"'lock = none" \
        "'\"'\"''"
    assert summary("CREATE INDEX i ON t (m) ALGORITHM=INPLACE", "mysql", (8, 4, 0))[
        "alter_clause"] == "ADD INDEX i (m)"
    assert summary("OPTIMIZE TABLE t", "mysql", (8, 4, 0))["alter_clause"] == "FORCE"


def test_mysql_runs_a_statement_instant_only_when_every_operation_is() -> None:
    """MySQL: ADD COLUMN beside DROP INDEX takes the in-place path and rebuilds; MariaDB keeps
    the column change instant beside it (tests/mysql/test_mariadb_truth.py checks that)."""
    mysql = summary("ALTER TABLE t ADD COLUMN x INT, DROP INDEX i", "mysql", (8, 4, 0))
    assert (mysql["algorithm"], mysql["rebuilds_table"]) == ("INPLACE", True)
    mariadb = summary("ALTER TABLE t ADD COLUMN x INT, DROP INDEX i", "mariadb", (10, 11, 0))
    assert (mariadb["algorithm"], mariadb["rebuilds_table"]) == ("NOCOPY", False)


@pytest.mark.parametrize(("statement", "operation", "algorithm", "dml"), [
    ("ALTER TABLE t ADD PARTITION (PARTITION p9 VALUES LESS THAN (90))", "add_partition",
     "INPLACE", True),
    ("ALTER TABLE t DROP PARTITION p0", "drop_partition", "INPLACE", True),
    ("ALTER TABLE t TRUNCATE PARTITION p0", "truncate_partition", "INPLACE", True),
    ("ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE x", "exchange_partition", "INPLACE", True),
    ("ALTER TABLE t REORGANIZE PARTITION p0 INTO (PARTITION a VALUES LESS THAN (5))",
     "reorganize_partition", "INPLACE", False),
    ("ALTER TABLE t COALESCE PARTITION 2", "reorganize_partition", "INPLACE", False),
    ("ALTER TABLE t PARTITION BY HASH (id) PARTITIONS 4", "repartition", "COPY", False),
    ("ALTER TABLE t REMOVE PARTITIONING", "repartition", "COPY", False),
    ("ALTER TABLE t OPTIMIZE PARTITION p0", "optimize_partition", "COPY", False),
    ("DROP INDEX i ON t ALGORITHM=INPLACE LOCK=NONE", "drop_index", "INPLACE", True),
])
def test_partition_operations_and_drop_index_clauses_parse(statement: str, operation: str,
                                                            algorithm: str, dml: bool) -> None:
    """sqlglot cannot parse these valid statements: they were parse errors."""
    facts = summary(statement, "mysql", (8, 4, 0))
    assert (facts["operations"], facts["algorithm"], facts["permits_dml"]) == \
        ((operation,), algorithm, dml)


@pytest.mark.parametrize("statement", [
    "ALTER TABLE t CONVERT PARTITION p0 TO TABLE x",
    "ALTER TABLE t CONVERT TABLE x TO PARTITION p9 VALUES LESS THAN (90)",
])
def test_mariadb_converts_a_partition_as_it_exchanges_one(statement: str) -> None:
    """MariaDB 10.7's CONVERT PARTITION ... TO TABLE / CONVERT TABLE ... TO PARTITION move a
    partition's file as EXCHANGE PARTITION does (MDEV-22166): no row copied, no rebuild;
    they were read as an unknown clause, a rebuild. Like the other partition operations,
    they take no ALGORITHM= / LOCK= clause."""
    facts = summary(statement, "mariadb", (10, 11), dialect="mariadb")
    assert (facts["operations"], facts["rebuilds_table"], facts["permits_dml"]) == \
        (("convert_partition",), False, True)
    assert facts["algorithm_allowed"]


@pytest.mark.parametrize(("statement", "flavour"), [
    ("ALTER TABLE t DISCARD PARTITION p0 TABLESPACE", "mysql"),
    ("ALTER TABLE t IMPORT PARTITION p0, p1 TABLESPACE", "mysql"),
    ("ALTER TABLE t DISCARD PARTITION ALL TABLESPACE", "mysql"),
    ("ALTER TABLE t DISCARD TABLESPACE", "mysql"),
    ("ALTER TABLE t IMPORT TABLESPACE", "mysql"),
    ("ALTER TABLE t DISCARD TABLESPACE", "mariadb"),
    ("ALTER TABLE t WAIT 2 IMPORT TABLESPACE", "mariadb"),
])
def test_a_tablespace_is_discarded_or_imported_without_a_copy(statement: str,
                                                              flavour: str) -> None:
    """DISCARD / IMPORT [PARTITION ...] TABLESPACE delete or attach a tablespace file: no row
    copied, no rebuild, but neither instant nor in place online, and DML waits (MySQL 8.0 /
    8.4 manual, "Online DDL Operations", Partitioning Operations: DISCARD PARTITION and
    IMPORT PARTITION "Only permits ALGORITHM=DEFAULT, LOCK=DEFAULT"; sql_table.cc's
    mysql_discard_or_import_tablespace takes an exclusive metadata lock). They were counted
    a COPY rebuild (repartition), the plain forms an unknown clause's in-place rebuild."""
    facts = summary(statement, flavour, (10, 11) if flavour == "mariadb" else (8, 4, 0),
                    dialect=flavour)
    assert (facts["operations"], facts["rebuilds_table"], facts["permits_dml"],
            facts["lock_level"]) == (("transport_tablespace",), False, False, "EXCLUSIVE")
    assert facts["algorithm"] != "COPY"


@pytest.mark.parametrize("statement", [
    "ALTER TABLE t ALGORITHM=COPY, DISCARD TABLESPACE",
    "ALTER TABLE t ALGORITHM=INPLACE, LOCK=NONE, IMPORT TABLESPACE",
    "ALTER TABLE t LOCK=SHARED, DISCARD PARTITION p0 TABLESPACE",
    "ALTER TABLE t ALGORITHM=COPY, LOCK=NONE, IMPORT PARTITION ALL TABLESPACE",
    "ALTER TABLE t ALGORITHM=INSTANT, IMPORT PARTITION p0, p1 TABLESPACE",
])
def test_mysql_ignores_algorithm_and_lock_on_a_tablespace_transport(statement: str) -> None:
    """MySQL's grammar takes ALGORITHM= / LOCK= before DISCARD / IMPORT [PARTITION ...]
    TABLESPACE (sql_yacc.yy, `alter_commands_modifier_list ',' standalone_alter_commands`), and
    Sql_cmd_discard_import_tablespace::execute (sql_alter.cc) never reads them: the tablespace
    is moved as with ALGORITHM=DEFAULT, LOCK=DEFAULT, the only ones the manual's "Online DDL
    Operations" (Partitioning Operations) lists for them. ALGORITHM=COPY was modelled as a
    row-by-row copy, LOCK=NONE / SHARED as a refusal. (MariaDB refuses any clause beside
    them: test_mariadb_refused_syntax.py.)"""
    facts = summary(statement, "mysql", (8, 4, 0))
    # ("": no algorithm, neither instant, in place nor a copy: mysql_ddl.NO_ALGORITHM)
    assert (facts["operations"], facts["algorithm"], facts["rebuilds_table"],
            facts["permits_dml"], facts["lock_level"]) == \
        (("transport_tablespace",), "", False, False, "EXCLUSIVE")
    assert facts["algorithm_allowed"] and facts["lock_allowed"], facts["lock_refusal"]


def test_mariadb_takes_no_clause_on_a_partition_operation() -> None:
    """MariaDB 10.11 refuses ALGORITHM= beside a partition operation, before it too (MySQL's
    grammar takes it there; after it, `DROP PARTITION p0, ALGORITHM=INPLACE`, both stop:
    test_mysql_partition_clauses.py)."""
    facts = summary("ALTER TABLE t ALGORITHM=INPLACE, DROP PARTITION p0", "mariadb", (10, 11))
    assert not facts["algorithm_allowed"]
    assert summary("ALTER TABLE t DROP PARTITION p0", "mariadb", (10, 11))["algorithm_allowed"]


@pytest.mark.parametrize(("sql", "line", "column"), [
    ("SELECT 1;\n  ALTER TABLEX a;\n", 2, 9),  # at the word named, not the statement
    ("SELECT 1;\nSELECT 1 FROM WHERE;\n", 2, 15),  # at the token's start, not its end
    ("SELECT 1;\nSELECT 1 FROM tbl WHERE x = = 1;\n", 2, 29),
])
def test_parse_errors_point_at_the_token(sql: str, line: int, column: int) -> None:
    (problem,) = parse_mysql(sql).problems
    assert (problem.span.line, problem.span.column) == (line, column)


def test_rename_column_alternative_writes_the_columns_type() -> None:
    # The new column is added with the old one's type as MySQL reads it back (members of an
    # ENUM included); a column the replay does not know gets a named stand-in, with a comment.
    setup = ("CREATE TABLE t (id int PRIMARY KEY, name varchar(50), mood enum('a','b''c'), "
             "n INT UNSIGNED, big BIGINT(20) UNSIGNED);")
    change = ("ALTER TABLE t RENAME COLUMN name TO full_name;\n"
              "ALTER TABLE t CHANGE mood feeling enum('a','b''c');\n"
              "ALTER TABLE nope RENAME COLUMN x TO y;\n"
              # sqlglot names an unsigned type UINT: MySQL knows no such type
              "ALTER TABLE t RENAME COLUMN n TO m;\n"
              "ALTER TABLE t RENAME COLUMN big TO huge;")
    reports = lint_migrations([migration_from_text(setup, "1_create.sql"),
                               migration_from_text(change, "2_rename.sql")],
                              LintOptions(dialect="mysql", server_version="8.0.35"))
    firsts = [f.instead.splitlines()[0] for f in reports[1].all_findings
              if f.rule == "rename-column"]
    assert firsts == ["ALTER TABLE t ADD COLUMN full_name VARCHAR(50);",
                      "ALTER TABLE t ADD COLUMN feeling ENUM('a', 'b''c');",
                      "ALTER TABLE nope ADD COLUMN y type_of_x;  -- replace type_of_x with the "
                      "type of x (these migrations do not show it)",
                      "ALTER TABLE t ADD COLUMN m INT UNSIGNED;",
                      "ALTER TABLE t ADD COLUMN huge BIGINT(20) UNSIGNED;"]


def _replayed(setup: str, flavour: str = "mysql") -> tuple[Catalog, MySQLSession]:
    catalog, session = Catalog(), MySQLSession(flavour=flavour,
                                               version=DEFAULT_VERSIONS[flavour])
    for stmt in parse_mysql(setup, flavour).statements:
        compute_mysql_effect(stmt.tree, catalog, session)
        apply_mysql_statement(catalog, stmt.tree, "setup", session)
    session.new_tables.clear()
    return catalog, session


def _alter_facts(setup: str, statement: str, flavour: str = "mysql") -> dict:
    catalog, session = _replayed(setup, flavour)
    effect = compute_mysql_effect(parse_mysql(statement, flavour).statements[0].tree, catalog,
                                  session)
    return next(a.facts for a in effect.actions if a.kind == "mysql_alter_table")


FULLTEXT_TABLE = ("CREATE TABLE p (id INT PRIMARY KEY, m INT, body TEXT, title TEXT, "
                  "FULLTEXT KEY p_body (body));")


@pytest.mark.parametrize(("setup", "statement", "algorithm", "dml"), [
    # MySQL's manual: no instant ADD / DROP COLUMN beside a FULLTEXT index; InnoDB rebuilds a
    # table that had full-text structures and keeps an index only by copying it
    (FULLTEXT_TABLE, "ALTER TABLE p ADD COLUMN x INT", "COPY", False),
    (FULLTEXT_TABLE, "ALTER TABLE p DROP COLUMN m", "COPY", False),
    (FULLTEXT_TABLE, "ALTER TABLE p ADD COLUMN x INT AS (m + 1) VIRTUAL", "INSTANT", True),
    (FULLTEXT_TABLE, "ALTER TABLE p RENAME COLUMN m TO m2", "INSTANT", True),
    (FULLTEXT_TABLE, "ALTER TABLE p ADD FULLTEXT INDEX p_title (title)", "INPLACE", False),
    # the index gone, its hidden column stays until a rebuild: in place, writes continue
    (FULLTEXT_TABLE + "ALTER TABLE p DROP INDEX p_body;", "ALTER TABLE p ADD COLUMN x INT",
     "INPLACE", True),
    (FULLTEXT_TABLE + "ALTER TABLE p DROP INDEX p_body; OPTIMIZE TABLE p;",
     "ALTER TABLE p ADD COLUMN x INT", "INSTANT", True),
    (FULLTEXT_TABLE + "ALTER TABLE p DROP INDEX p_body; ALTER TABLE p FORCE;",
     "ALTER TABLE p ADD COLUMN x INT", "INSTANT", True),
    # dropping the index's only column drops the index, and that rebuild drops the hidden column
    (FULLTEXT_TABLE + "ALTER TABLE p DROP COLUMN body;", "ALTER TABLE p ADD COLUMN x INT",
     "INSTANT", True),
    ("CREATE TABLE p (id INT PRIMARY KEY, body TEXT); DROP INDEX p_body ON p;",
     "ALTER TABLE p ADD COLUMN x INT", "INSTANT", True),
])
def test_mysql_plans_on_tables_with_fulltext_indexes(setup: str, statement: str,
                                                     algorithm: str, dml: bool) -> None:
    facts = _alter_facts(setup, statement)
    assert (facts["algorithm"], facts["permits_dml"]) == (algorithm, dml)
    assert bool(facts["fulltext_note"]) == (algorithm in ("COPY", "INPLACE") and
                                            "ADD FULLTEXT" not in statement)


def test_the_replayed_schema_follows_fulltext_indexes() -> None:
    catalog, _ = _replayed(
        "CREATE TABLE p (id INT PRIMARY KEY, a TEXT, b TEXT, FULLTEXT (a), FULLTEXT (a, b));"
        "CREATE FULLTEXT INDEX p_b ON p (`b`);"
        "ALTER TABLE p RENAME INDEX a_2 TO p_ab, RENAME COLUMN b TO c;"
        "DROP INDEX a ON p;")
    assert catalog.tables["p"].fulltext == {"p_ab": ("a", "c"), "p_b": ("c",)}
    assert catalog.tables["p"].fts_doc_id
    catalog, _ = _replayed("CREATE TABLE p (id INT PRIMARY KEY, a TEXT, FULLTEXT KEY p_a (a));"
                           "ALTER TABLE p DROP KEY p_a;")
    assert catalog.tables["p"].fulltext == {} and catalog.tables["p"].fts_doc_id


@pytest.mark.parametrize(("statement", "flavour", "reason"), [
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT, LOCK=NONE", "mysql",
     "MySQL takes no LOCK= clause but LOCK=DEFAULT beside ALGORITHM=INSTANT"),
    ("ALTER TABLE t MODIFY m BIGINT, LOCK=NONE", "mysql", "it needs at least LOCK=SHARED"),
    ("ALTER TABLE t ADD COLUMN x INT, LOCK=FAST", "mariadb", "the server knows no LOCK=FAST"),
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT, LOCK=NONE", "mariadb", ""),
])
def test_the_refused_lock_clause_says_why(statement: str, flavour: str, reason: str) -> None:
    """The message of ADD COLUMN, ALGORITHM=INSTANT, LOCK=NONE on MySQL said it "needs at
    least LOCK=NONE": the reason is MySQL's rule for INSTANT, not the operation's lock."""
    facts = summary(statement, flavour, DEFAULT_VERSIONS[flavour])
    assert facts["lock_refusal"] == reason and facts["lock_allowed"] == (not reason)


@pytest.mark.parametrize(("statement", "flavour", "instead"), [
    # only the clause is refused: the same ALTER without it blocks nothing either
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT, LOCK=NONE", "mysql",
     "ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT;"),
    # the operation needs a stronger lock: without the clause it would block writes
    ("ALTER TABLE t MODIFY m BIGINT, LOCK=NONE", "mysql", "gh-ost "),
])
def test_the_refused_lock_clause_suggests_what_fits(statement: str, flavour: str,
                                                    instead: str) -> None:
    facts = summary(statement, flavour, DEFAULT_VERSIONS[flavour])
    assert instead in facts["lock_instead_sql"]
    assert ("gh-ost" in facts["lock_instead_sql"]) == instead.startswith("gh-ost")


# --- the manual's "Online DDL Operations" tables, per MySQL version -------------------------

#: The versions where MySQL's online DDL changed: 8.0.11 (first GA, no INSTANT), 8.0.12
#: (INSTANT: ADD COLUMN last, defaults, ENUM append, virtual columns, table rename), 8.0.28
#: (INSTANT RENAME COLUMN), 8.0.29 (INSTANT ADD COLUMN anywhere, INSTANT DROP COLUMN), 8.4 LTS.
MANUAL_VERSIONS = ((8, 0, 11), (8, 0, 12), (8, 0, 27), (8, 0, 28), (8, 0, 29), (8, 4, 0))
#: (algorithm, rebuilds the table, permits concurrent DML), as the manual's columns say.
INSTANT = ("INSTANT", False, True)
IN_PLACE = ("INPLACE", False, True)
IN_PLACE_REBUILD = ("INPLACE", True, True)
IN_PLACE_NO_DML = ("INPLACE", False, False)
IN_PLACE_REBUILD_NO_DML = ("INPLACE", True, False)
COPY = ("COPY", True, False)
NO_PK_SETUP = "CREATE TABLE t (id INT NOT NULL, m INT);"
KEYS_SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, c VARCHAR(20), "
              "s SET('a','b') COLLATE utf8mb4_unicode_ci, INDEX t_ab (a, b), INDEX t_c (c)) "
              "DEFAULT CHARSET=utf8mb4;")
GENERATED_SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, n INT, vg INT AS (n + 1) VIRTUAL, "
                   "sg INT AS (n + 1) STORED, INDEX t_n (n));")


UTF8MB3_SETUP = ("CREATE TABLE t8 (id INT PRIMARY KEY, w VARCHAR(40), x TEXT, k VARCHAR(10), "
                 "v VARCHAR(80), c CHAR(10), KEY t8_k (k)) DEFAULT CHARSET=utf8mb3;")


def _since(version: tuple[int, ...], after: tuple, before: tuple) -> tuple:
    """Per MANUAL_VERSIONS: `before` below `version`, `after` from it on."""
    return tuple(after if v >= version else before for v in MANUAL_VERSIONS)


def _always(facts: tuple) -> tuple:
    return (facts,) * len(MANUAL_VERSIONS)


#: statement -> (the manual's row, its setup, the facts per MANUAL_VERSIONS)
MANUAL: dict[str, tuple[str, str, tuple]] = {
    "ALTER TABLE t ADD COLUMN x INT": (
        "Adding a column (last)", SETUP, _since((8, 0, 12), INSTANT, IN_PLACE_REBUILD)),
    "ALTER TABLE t ADD COLUMN x INT AFTER id": (
        "Adding a column (any position)", SETUP,
        _since((8, 0, 29), INSTANT, IN_PLACE_REBUILD)),
    # An expression DEFAULT is never instant on MySQL (error 1845 with ALGORITHM=INSTANT,
    # vitessio/vitess#16024): a value computed for each row (UUID(), another column) comes
    # from the server's row-by-row copy; a constant expression takes the in-place rebuild.
    "ALTER TABLE t ADD COLUMN x CHAR(36) DEFAULT (UUID())": (
        "Adding a column with a per-row expression default", SETUP, _always(COPY)),
    "ALTER TABLE t ADD COLUMN x INT DEFAULT (n + 1)": (
        "Adding a column whose default reads another column", SETUP, _always(COPY)),
    "ALTER TABLE t ADD COLUMN x INT DEFAULT (2 + 5)": (
        "Adding a column with a constant expression default", SETUP,
        _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t ADD COLUMN x INT DEFAULT 7": (
        "Adding a column with a literal default", SETUP,
        _since((8, 0, 12), INSTANT, IN_PLACE_REBUILD)),
    "ALTER TABLE t ADD COLUMN x INT AUTO_INCREMENT UNIQUE": (
        "Adding an auto-increment column", SETUP, _always(IN_PLACE_REBUILD_NO_DML)),
    "ALTER TABLE t DROP COLUMN m": (
        "Dropping a column", SETUP, _since((8, 0, 29), INSTANT, IN_PLACE_REBUILD)),
    "ALTER TABLE t RENAME COLUMN m TO m2": (
        "Renaming a column", SETUP, _since((8, 0, 28), INSTANT, IN_PLACE)),
    "ALTER TABLE t CHANGE m m2 INT": (
        "Renaming a column (CHANGE, same type)", SETUP, _since((8, 0, 28), INSTANT, IN_PLACE)),
    "ALTER TABLE t MODIFY m INT AFTER doc": (
        "Reordering columns", SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t ALTER COLUMN m SET DEFAULT 1": (
        "Setting a column default value", SETUP, _since((8, 0, 12), INSTANT, IN_PLACE)),
    "ALTER TABLE t ALTER COLUMN m DROP DEFAULT": (
        "Dropping the column default value", SETUP, _since((8, 0, 12), INSTANT, IN_PLACE)),
    "ALTER TABLE t MODIFY m BIGINT": (
        "Changing the column data type", SETUP, _always(COPY)),
    "ALTER TABLE t MODIFY v VARCHAR(63)": (
        "Extending VARCHAR column size (same length bytes: 252 <= 255)", SETUP,
        _always(IN_PLACE)),
    "ALTER TABLE t MODIFY v VARCHAR(64)": (
        "Extending VARCHAR column size (256 bytes: two length bytes)", SETUP, _always(COPY)),
    "ALTER TABLE t MODIFY v VARCHAR(10)": ("Decreasing VARCHAR size", SETUP, _always(COPY)),
    "ALTER TABLE t MODIFY n INT NULL": ("Making a column NULL", SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t MODIFY m INT NOT NULL": (
        "Making a column NOT NULL", SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t MODIFY e ENUM('a','b','c')": (
        "Modifying the definition of an ENUM column (member added last)", SETUP,
        _since((8, 0, 12), INSTANT, IN_PLACE)),
    "ALTER TABLE t MODIFY e ENUM('a','c','b')": (
        "Modifying an ENUM column (member inserted: a type change)", SETUP, _always(COPY)),
    "ALTER TABLE t AUTO_INCREMENT = 10": (
        "Changing the auto-increment value", SETUP, _always(IN_PLACE)),
    "ALTER TABLE t ADD INDEX t_m (m)": (
        "Creating or adding a secondary index", SETUP, _always(IN_PLACE)),
    "CREATE INDEX t_m ON t (m)": (
        "Creating or adding a secondary index (CREATE INDEX)", SETUP, _always(IN_PLACE)),
    "ALTER TABLE t DROP INDEX t_m": ("Dropping an index", SETUP, _always(IN_PLACE)),
    "ALTER TABLE t RENAME INDEX a TO b": ("Renaming an index", SETUP, _always(IN_PLACE)),
    # the optimizer's flag only ("Invisible Indexes": fast, in place); it was read as a rebuild
    "ALTER TABLE t ALTER INDEX t_n INVISIBLE": (
        "Making an index invisible", GENERATED_SETUP, _since((8, 0, 12), INSTANT, IN_PLACE)),
    # ALGORITHM=INPLACE asked: MySQL runs that (test_mysql_runs_the_algorithm_an_alter_names)
    "ALTER TABLE t ALTER INDEX t_n VISIBLE, ALGORITHM=INPLACE": (
        "Making an index visible", GENERATED_SETUP, _always(IN_PLACE)),
    "ALTER TABLE t ADD FULLTEXT INDEX t_doc (doc)": (
        "Adding the first FULLTEXT index (no FTS_DOC_ID column: rebuilds)", SETUP,
        _always(IN_PLACE_REBUILD_NO_DML)),
    "ALTER TABLE t ADD PRIMARY KEY (id)": (
        "Adding a primary key", NO_PK_SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t DROP PRIMARY KEY": ("Dropping a primary key", SETUP, _always(COPY)),
    "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, n)": (
        "Dropping a primary key and adding another", SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (m) REFERENCES u (id)": (
        "Adding a foreign key constraint (foreign_key_checks on)", SETUP, _always(COPY)),
    "ALTER TABLE t DROP FOREIGN KEY fk": (
        "Dropping a foreign key constraint", SETUP, _always(IN_PLACE)),
    "ALTER TABLE t ADD COLUMN x INT AS (n + 1) STORED": (
        "Adding a STORED column", SETUP, _always(COPY)),
    "ALTER TABLE t ADD COLUMN x INT AS (n + 1) VIRTUAL": (
        "Adding a VIRTUAL column", SETUP, _since((8, 0, 12), INSTANT, IN_PLACE)),
    # nothing stored: no rebuild before 8.0.29's instant DROP COLUMN either
    "ALTER TABLE t DROP COLUMN vg": (
        "Dropping a VIRTUAL column", GENERATED_SETUP, _since((8, 0, 12), INSTANT, IN_PLACE)),
    "ALTER TABLE t ROW_FORMAT=DYNAMIC": ("Changing the ROW_FORMAT", SETUP,
                                         _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t CONVERT TO CHARACTER SET latin1": (
        "Converting a character set", SETUP, _always(COPY)),
    "OPTIMIZE TABLE t": ("Optimizing a table", SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t FORCE": ("Rebuilding with the FORCE option", SETUP,
                            _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t ENGINE=InnoDB": ("Performing a null rebuild", SETUP,
                                    _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t RENAME TO t2": ("Renaming a table", SETUP,
                                   _since((8, 0, 12), INSTANT, IN_PLACE)),
    "RENAME TABLE t TO t2": ("Renaming a table (RENAME TABLE)", SETUP,
                             _since((8, 0, 12), INSTANT, IN_PLACE)),
    # One algorithm for the whole statement: an instant ADD COLUMN beside an index build
    # takes its in-place path (a rebuild).
    "ALTER TABLE t ADD COLUMN x INT, ADD INDEX t_m (m)": (
        "Adding a column and a secondary index together", SETUP, _always(IN_PLACE_REBUILD)),
    # An indexed column's drop also drops or changes its index, which is not instant: the
    # drop takes its in-place path (a rebuild) beside it. It was read as instant.
    "ALTER TABLE t DROP COLUMN c": (
        "Dropping a column with its index", KEYS_SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t DROP COLUMN b": (
        "Dropping a column of a multi-column index", KEYS_SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t DROP COLUMN c, DROP INDEX t_c": (
        "Dropping a column and its index", KEYS_SETUP, _always(IN_PLACE_REBUILD)),
    "ALTER TABLE t DROP COLUMN id": ("Dropping the primary key's column", SETUP, _always(COPY)),
    # a new character set is a type change, its length too (it was read as a VARCHAR
    # extension, counted in the new encoding)
    "ALTER TABLE t MODIFY v VARCHAR(30) CHARACTER SET latin1": (
        "Changing a VARCHAR's character set and length", SETUP, _always(COPY)),
    # utf8mb3 -> utf8mb4 of a column no index has, a VARCHAR keeping its length bytes or a
    # TEXT: in place, no rebuild (WL#11605, "Alter table with character set conversion as
    # inplace operation, Step 1, NO INDEX"; sql/field.cc, charset_prevents_inplace and
    # length_prevents_inplace). It was read as a copy.
    "ALTER TABLE t8 MODIFY w VARCHAR(40) CHARACTER SET utf8mb4": (
        "Changing a column from utf8mb3 to utf8mb4", UTF8MB3_SETUP, _always(IN_PLACE)),
    "ALTER TABLE t8 MODIFY w VARCHAR(50) CHARACTER SET utf8mb4": (
        "Changing a column from utf8mb3 to utf8mb4, longer within its length byte",
        UTF8MB3_SETUP, _always(IN_PLACE)),
    "ALTER TABLE t8 MODIFY x TEXT CHARACTER SET utf8mb4": (
        "Changing a TEXT column from utf8mb3 to utf8mb4", UTF8MB3_SETUP, _always(IN_PLACE)),
    # an indexed column, a second length byte (240 -> 320 bytes), a CHAR (no source read
    # for it): a copy
    "ALTER TABLE t8 MODIFY k VARCHAR(10) CHARACTER SET utf8mb4": (
        "Changing an indexed column from utf8mb3 to utf8mb4", UTF8MB3_SETUP, _always(COPY)),
    "ALTER TABLE t8 MODIFY v VARCHAR(80) CHARACTER SET utf8mb4": (
        "Changing a column from utf8mb3 to utf8mb4 past 255 bytes", UTF8MB3_SETUP,
        _always(COPY)),
    "ALTER TABLE t8 MODIFY c CHAR(10) CHARACTER SET utf8mb4": (
        "Changing a CHAR column from utf8mb3 to utf8mb4", UTF8MB3_SETUP, _always(COPY)),
    # HASH / KEY partitions spread their rows again: writes wait (it was read as RANGE's)
    "ALTER TABLE h ADD PARTITION PARTITIONS 2": (
        "Adding a partition (HASH)", "CREATE TABLE h (id INT PRIMARY KEY) "
        "PARTITION BY LINEAR HASH (id) PARTITIONS 4;", _always(IN_PLACE_REBUILD_NO_DML)),
    "ALTER TABLE r ADD PARTITION (PARTITION p1 VALUES LESS THAN (200))": (
        "Adding a partition (RANGE)", "CREATE TABLE r (id INT PRIMARY KEY) PARTITION BY RANGE "
        "(id) (PARTITION p0 VALUES LESS THAN (100));", _always(IN_PLACE)),
    # A string column's collation, same character set: in place, no rebuild, unless an index
    # has the column, whose order changes: a copy (sql/field.cc, charset_prevents_inplace:
    # "Changing collation while keeping the charset ... potentially acceptable if the field
    # is not indexed", checked in fill_alter_inplace_info).
    "ALTER TABLE t MODIFY v VARCHAR(20) COLLATE utf8mb4_bin": (
        "Changing a VARCHAR's collation", SETUP, _always(IN_PLACE)),
    "ALTER TABLE t MODIFY c VARCHAR(20) COLLATE utf8mb4_bin": (
        "Changing an indexed VARCHAR's collation", KEYS_SETUP, _always(COPY)),
    "ALTER TABLE t MODIFY c VARCHAR(40) COLLATE utf8mb4_bin": (
        "Extending an indexed VARCHAR and changing its collation", KEYS_SETUP, _always(COPY)),
    # An ENUM / SET column's character set or collation is part of its type: a copy.
    "ALTER TABLE t MODIFY e ENUM('a','b') CHARACTER SET latin1": (
        "Changing an ENUM column's character set", SETUP, _always(COPY)),
    "ALTER TABLE t MODIFY e ENUM('a','b') COLLATE utf8mb4_bin": (
        "Changing an ENUM column's collation", SETUP, _always(COPY)),
    "ALTER TABLE t MODIFY e ENUM('a','b','c') COLLATE utf8mb4_bin": (
        "Appending an ENUM member and changing the collation", SETUP, _always(COPY)),
    "ALTER TABLE t MODIFY s SET('a','b') COLLATE utf8mb4_bin": (
        "Changing a SET column's collation", KEYS_SETUP, _always(COPY)),
    "ALTER TABLE t MODIFY s SET('a','b','c') COLLATE utf8mb4_unicode_ci": (
        "Appending a SET member, restating the collation", KEYS_SETUP,
        _since((8, 0, 12), INSTANT, IN_PLACE)),
}


@pytest.mark.parametrize("version", MANUAL_VERSIONS, ids=lambda v: ".".join(map(str, v)))
@pytest.mark.parametrize("statement", sorted(MANUAL))
def test_mysql_online_ddl_facts_follow_the_manual(statement: str,
                                                  version: tuple[int, ...]) -> None:
    row, setup, per_version = MANUAL[statement]
    facts = summary(statement, "mysql", version, setup)
    expected = per_version[MANUAL_VERSIONS.index(version)]
    assert (facts["algorithm"], facts["rebuilds_table"], facts["permits_dml"]) == expected, row



@pytest.mark.parametrize(("statement", "rule_fact", "instead"), [
    # a value the server does not know: the same ALTER with the one the operation runs as
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=FAST", "algorithm_instead_sql",
     "ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT;"),
    ("ALTER TABLE t ADD COLUMN x INT, LOCK=FAST", "lock_instead_sql",
     "ALTER TABLE t ADD COLUMN x INT, LOCK=NONE;"),
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=NOCOPY", "algorithm_instead_sql",
     "ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT;"),
    # INSTANT asked of an in-place index build: both clauses refused, one ALTER fixes both
    ("ALTER TABLE t ADD INDEX t_m (m), ALGORITHM=INSTANT, LOCK=NONE", "algorithm_instead_sql",
     "ALTER TABLE t ADD INDEX t_m (m), ALGORITHM=INPLACE, LOCK=NONE;"),
    ("ALTER TABLE t ADD INDEX t_m (m), ALGORITHM=INSTANT, LOCK=NONE", "lock_instead_sql",
     "ALTER TABLE t ADD INDEX t_m (m), ALGORITHM=INPLACE, LOCK=NONE;"),
    ("CREATE INDEX t_m ON t (m) ALGORITHM=INSTANT", "algorithm_instead_sql",
     "ALTER TABLE t ADD INDEX t_m (m), ALGORITHM=INPLACE;"),
    # a copy cannot keep writes flowing with any clause: an online schema change tool
    ("ALTER TABLE t MODIFY m BIGINT, ALGORITHM=INPLACE", "algorithm_instead_sql",
     "gh-ost --database=<db> --table=t --alter='MODIFY m BIGINT' --execute"),
    ("ALTER TABLE t MODIFY m BIGINT, LOCK=NONE", "lock_instead_sql",
     "gh-ost --database=<db> --table=t --alter='MODIFY m BIGINT' --execute"),
])
def test_a_refused_clause_is_replaced_by_one_the_server_takes(statement: str, rule_fact: str,
                                                              instead: str) -> None:
    """The suggestions used to keep the refused clause (`ALGORITHM=INSTANT` beside an index
    build) or send an instant ADD COLUMN to gh-ost for a misspelt ALGORITHM=FAST."""
    facts = summary(statement, "mysql", (8, 4, 0))
    assert facts[rule_fact].splitlines()[-1] == instead


def test_names_with_doubled_backquotes_are_read_and_written_back() -> None:
    setup = "CREATE TABLE `we``ird t` (id INT PRIMARY KEY, `my col` INT);"
    facts = summary("RENAME TABLE `we``ird t` TO `new t`", "mysql", (8, 4, 0), setup)
    assert facts["operations"] == ("rename_table",) and facts["table"] == "we`ird t"
    facts = summary("CREATE INDEX `i x` ON `we``ird t` (`my col`) ALGORITHM=INSTANT", "mysql",
                    (8, 4, 0), setup)
    assert facts["algorithm_instead_sql"].splitlines()[-1] == \
        "ALTER TABLE `we``ird t` ADD INDEX `i x` (`my col`), ALGORITHM=INPLACE;"


SPATIAL_SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, area POLYGON NOT NULL SRID 4326, "
                 "spot POINT NULL, name VARCHAR(20));")


@pytest.mark.parametrize(("statement", "operations", "algorithm"), [
    # MySQL's SRID attribute made sqlglot give up on the ALTER: it was read as a rebuild
    ("ALTER TABLE t ADD COLUMN loc POINT NOT NULL SRID 4326", ("add_column_last",), "INSTANT"),
    ("ALTER TABLE t ADD COLUMN loc MULTIPOLYGON SRID 0 AFTER id", ("add_column_positioned",),
     "INPLACE"),
    # the catalog keeps the subtype and the SRID sqlglot reads as plain GEOMETRY
    ("ALTER TABLE t MODIFY area POLYGON NOT NULL SRID 4326 COMMENT 'zone'", ("metadata_only",),
     "INSTANT"),
    ("ALTER TABLE t MODIFY area POLYGON NOT NULL SRID 0", ("change_column_type",), "COPY"),
    ("ALTER TABLE t MODIFY area POINT NOT NULL SRID 4326", ("change_column_type",), "COPY"),
    ("ALTER TABLE t MODIFY area GEOMETRY NOT NULL SRID 4326", ("widen_spatial_type",), "COPY"),
    ("ALTER TABLE t ADD SPATIAL INDEX t_area (area)", ("add_spatial_index",), "INPLACE"),
])
def test_spatial_columns_keep_their_type(statement: str, operations: tuple,
                                         algorithm: str) -> None:
    facts = summary(statement, "mysql", (8, 0, 28), SPATIAL_SETUP)
    assert (facts["operations"], facts["algorithm"]) == (operations, algorithm)


def test_widening_a_spatial_type_is_instant_on_mariadb_only() -> None:
    statement = "ALTER TABLE t MODIFY spot GEOMETRY NULL"
    setup = SPATIAL_SETUP.replace(" SRID 4326", "")  # MariaDB spells it REF_SYSTEM_ID
    assert summary(statement, "mariadb", (10, 11, 0), setup)["algorithm"] == "INSTANT"
    assert summary(statement, "mysql", (8, 4, 0), setup)["algorithm"] == "COPY"


FK_SETUP = ("CREATE TABLE c (id INT PRIMARY KEY);\n"
            "CREATE TABLE o (id INT PRIMARY KEY, cid INT, KEY o_cid (cid),\n"
            "  CONSTRAINT o_c_fk FOREIGN KEY (cid) REFERENCES c (id));")


@pytest.mark.parametrize(("statement", "flavour", "code"), [
    ("ALTER TABLE o DROP INDEX o_cid;", "mysql", 1553),
    # MySQL refuses it even with the checks off (bug #17449901); MariaDB lets it through
    ("SET foreign_key_checks = 0;\nALTER TABLE o DROP INDEX o_cid;", "mysql", 1553),
    ("SET foreign_key_checks = 0;\nALTER TABLE o DROP INDEX o_cid;", "mariadb", None),
    # a foreign key's column: MySQL names the column (ER_FK_COLUMN_CANNOT_DROP)
    ("ALTER TABLE o DROP COLUMN cid;", "mysql", 1828),
    ("ALTER TABLE o DROP COLUMN cid;", "mariadb", 1553),
    ("ALTER TABLE o DROP FOREIGN KEY o_c_fk, DROP COLUMN cid;", "mysql", None),
])
def test_the_index_a_foreign_key_needs(statement: str, flavour: str, code: int | None) -> None:
    reports = lint_migrations([migration_from_text(FK_SETUP, "1_setup.sql"),
                               migration_from_text(statement, "2_change.sql")],
                              LintOptions(dialect=flavour))
    found = [f for s in reports[1].statements for f in s.findings
             if f.rule == "mysql-foreign-key-index-dropped"]
    assert [f"error {code}" in f.message for f in found] == ([True] if code else [])


FKCOL_SETUP = ("CREATE TABLE pa (id INT PRIMARY KEY, code VARCHAR(20), UNIQUE KEY (code)) "
               "DEFAULT CHARSET=utf8mb4;\n"
               "CREATE TABLE ch (id INT PRIMARY KEY, pid INT, pcode VARCHAR(20),\n"
               "  CONSTRAINT ch_fk FOREIGN KEY (pid) REFERENCES pa (id),\n"
               "  CONSTRAINT ch_code_fk FOREIGN KEY (pcode) REFERENCES pa (code)) "
               "DEFAULT CHARSET=utf8mb4;")


@pytest.mark.parametrize(("statement", "flavour", "code"), [
    ("ALTER TABLE pa MODIFY id BIGINT;", "mysql", 1833),
    ("ALTER TABLE ch MODIFY pid BIGINT;", "mysql", 1832),
    # MySQL: a VARCHAR growing within its length bytes, and any change with the checks off
    ("ALTER TABLE ch MODIFY pcode VARCHAR(30);", "mysql", None),
    ("ALTER TABLE ch MODIFY pcode VARCHAR(30);", "mariadb", 1832),
    ("ALTER TABLE ch MODIFY pcode VARCHAR(100);", "mysql", 1832),
    ("SET foreign_key_checks = 0;\nALTER TABLE pa MODIFY id BIGINT;", "mysql", None),
    ("SET foreign_key_checks = 0;\nALTER TABLE pa MODIFY id BIGINT;", "mariadb", 1833),
])
def test_a_foreign_key_column_keeps_its_type(statement: str, flavour: str,
                                             code: int | None) -> None:
    reports = lint_migrations([migration_from_text(FKCOL_SETUP, "1_setup.sql"),
                               migration_from_text(statement, "2_change.sql")],
                              LintOptions(dialect=flavour))
    found = [f for s in reports[1].statements for f in s.findings
             if f.rule == "mysql-foreign-key-column-changed"]
    assert [f"error {code}" in f.message for f in found] == ([True] if code else [])
    assert not found or "mysql-table-copy" not in {f.rule for f in reports[1].all_findings}


def test_an_alter_sqlglot_cannot_parse_still_names_the_dropped_column() -> None:
    # Two statements run together (no `;`): sqlglot keeps the text as a command, read by
    # pattern. The DROP COLUMN found there names its column, for the message and for the
    # foreign-key index check, which needs it (a KeyError once).
    migrations = [
        migration_from_text("CREATE TABLE users (id int PRIMARY KEY, b int, KEY (b));",
                            "0001.sql"),
        migration_from_text("ALTER TABLE users DROP COLUMN id\n"
                            "INSERT INTO app.orders (payload) VALUES ('x');", "0002.sql"),
    ]
    report = lint_migrations(migrations, LintOptions(dialect="mysql"), Catalog())[-1]
    (finding,) = [f for f in report.all_findings if f.rule == "drop-column"]
    assert "users.id" in finding.message and "{column}" not in finding.message


def test_a_column_definition_renders_as_sqlglot_writes_it_each_time() -> None:
    """Column.definition is rendered through one generator and remembered by shape
    (effects/mysql.py, _rendered): the same text as sqlglot's own rendering, first time and
    from memory."""
    import sqlglot

    from lockwise.effects.mysql import _definition_sql

    tree = sqlglot.parse_one(
        "CREATE TABLE t (a int(11) unsigned NOT NULL DEFAULT 0, b varchar(255) COLLATE "
        "utf8mb4_unicode_ci DEFAULT NULL, c datetime(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE "
        "CURRENT_TIMESTAMP(6), d decimal(8,2) unsigned zerofill DEFAULT '0.00', "
        "e enum('a','b''c') CHARACTER SET latin1 COMMENT 'it''s', f json DEFAULT (JSON_ARRAY()), "
        "g char(3) DEFAULT 'abc', h char(3) DEFAULT 'xyz')", read="mysql")
    for column in tree.this.expressions * 2:
        kind = column.args["kind"].sql("mysql")
        attributes = [c.sql("mysql") for c in column.args["constraints"]
                      if c.sql("mysql") not in ("NOT NULL", "NULL")]
        assert _definition_sql(column) == " ".join([kind, *attributes])


@pytest.mark.parametrize("statement", ["ALTER TABLE t", "ALTER TABLE t ALGORITHM=INPLACE",
                                       "ALTER TABLE t LOCK=EXCLUSIVE"])
@pytest.mark.parametrize(("flavour", "version"), [("mysql", (8, 4, 0)), ("mysql", (8, 0, 28)),
                                                  ("mariadb", (10, 11))])
def test_an_alter_table_without_operations_changes_nothing(statement: str, flavour: str,
                                                           version: tuple[int, ...]) -> None:
    """`ALTER TABLE t` names no change: the server alters nothing and rebuilds nothing, as
    for DISABLE KEYS (MySQL's mysql_alter_table takes a statement without operations, other
    than ALGORITHM=COPY, down its "simple rename or keys on/off" path; checked on MariaDB
    10.11: the table keeps its InnoDB table_id, any ALGORITHM= and LOCK= accepted).
    `ALTER TABLE t FORCE` and `ENGINE=InnoDB` rebuild it (the MANUAL rows). It was read as a
    rebuild."""
    facts = summary(statement, flavour, version)
    assert (facts["operations"], facts["rebuilds_table"], facts["permits_dml"]) == \
        (("alter_nothing",), False, True)
    assert facts["algorithm_allowed"] and facts["lock_allowed"]


@pytest.mark.parametrize("lock", ["NONE", "SHARED"])
@pytest.mark.parametrize(("flavour", "allowed"), [("mysql", False), ("mariadb", True)])
def test_lock_none_or_shared_on_an_alter_table_without_operations(lock: str, flavour: str,
                                                                  allowed: bool) -> None:
    """MySQL's "simple rename or keys on/off" path (a statement without operations, other than
    ALGORITHM=COPY) takes an exclusive metadata lock and refuses LOCK=NONE / SHARED
    (error 1845, ER_ALTER_OPERATION_NOT_SUPPORTED: "LOCK=NONE/SHARED is not supported for this
    operation. Try LOCK=EXCLUSIVE"; sql_table.cc, is_simple_rename_or_index_change), as for
    a RENAME TO or DISABLE KEYS alone; MariaDB 10.11 accepts either on a statement without
    operations (checked). It was accepted on MySQL."""
    facts = summary(f"ALTER TABLE t LOCK={lock}", flavour,
                    (8, 4, 0) if flavour == "mysql" else (10, 11))
    assert facts["lock_allowed"] is allowed
    if not allowed:
        assert "LOCK=EXCLUSIVE" in facts["lock_refusal"]
    if flavour == "mysql":  # the same path: DISABLE KEYS (error 1845), RENAME TO
        for operation in ("DISABLE KEYS", "RENAME TO t2"):
            facts = summary(f"ALTER TABLE t {operation}, LOCK={lock}", flavour, (8, 4, 0))
            assert not facts["lock_allowed"]
            assert summary(f"ALTER TABLE t {operation}, LOCK=EXCLUSIVE", flavour,
                           (8, 4, 0))["lock_allowed"]


@pytest.mark.parametrize("statement", ["ALTER TABLE t ALGORITHM=COPY",
                                       "ALTER TABLE t FORCE, ALGORITHM=COPY",
                                       "ALTER TABLE t ALTER COLUMN m SET DEFAULT 1, ALGORITHM=COPY",
                                       "ALTER TABLE t ADD COLUMN q INT, ALGORITHM=COPY",
                                       "ALTER TABLE t RENAME TO t2, ALGORITHM=COPY"])
@pytest.mark.parametrize(("flavour", "version"), [("mysql", (8, 4, 0)), ("mysql", (8, 0, 28)),
                                                  ("mariadb", (10, 11))])
def test_algorithm_copy_copies_the_table(statement: str, flavour: str,
                                         version: tuple[int, ...]) -> None:
    """ALGORITHM=COPY makes the server copy the table whatever the operation could do
    otherwise (MySQL 8.4 manual, 15.1.9 ALTER TABLE, "Performance and Space Requirements": "To
    force use of the COPY algorithm for an ALTER TABLE operation that would otherwise not use
    it, specify ALGORITHM=COPY"), even for a statement without operations on MySQL (it leaves
    the "simple rename" path); writes wait, and LOCK=NONE is refused ("COPY algorithm
    requires a lock"). Checked on MariaDB 10.11 (rows affected, a new InnoDB table_id, error
    1846 for LOCK=NONE; RENAME TO too), except the statement without operations, which
    MariaDB does not copy. It was read as the operation's cheapest algorithm (INPLACE for
    FORCE, a no-op)."""
    facts = summary(statement, flavour, version)
    if flavour == "mariadb" and facts["operations"] == ("alter_nothing",):
        assert (facts["algorithm"], facts["rebuilds_table"]) != ("COPY", True)
        assert summary(statement + ", LOCK=NONE", flavour, version)["lock_allowed"]
        return
    assert (facts["algorithm"], facts["rebuilds_table"], facts["permits_dml"],
            facts["lock_level"]) == ("COPY", True, False, "SHARED")
    assert facts["copy_text"].startswith("runs as ALGORITHM=COPY, as its ALGORITHM= clause")
    refused = summary(statement + ", LOCK=NONE", flavour, version)
    assert not refused["lock_allowed"]


@pytest.mark.parametrize(("statement", "mysql", "mariadb"), [
    # MySQL runs the algorithm named ("Specifying an ALGORITHM clause requires the operation
    # to use the specified algorithm", 8.4 manual, 15.1.9 ALTER TABLE): an INSTANT ADD COLUMN
    # asked INPLACE rebuilds the table. MariaDB takes the named algorithm "or better": it stays
    # instant (checked on 10.11: the same InnoDB table_id). It was reported as instant, safe.
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE",
     ("INPLACE", True, True), ("INSTANT", False, True)),
    ("ALTER TABLE t ALGORITHM=INPLACE, DROP COLUMN m", ("INPLACE", True, True),
     ("INSTANT", False, True)),
    ("ALTER TABLE t ALTER COLUMN m SET DEFAULT 1, ALGORITHM=INPLACE", ("INPLACE", False, True),
     ("INSTANT", False, True)),
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT", ("INSTANT", False, True),
     ("INSTANT", False, True)),
])
def test_mysql_runs_the_algorithm_an_alter_names(statement: str, mysql: tuple,
                                                 mariadb: tuple) -> None:
    for flavour, version, expected in (("mysql", (8, 4, 0), mysql),
                                       ("mariadb", (10, 11), mariadb)):
        facts = summary(statement, flavour, version)
        assert (facts["algorithm"], facts["rebuilds_table"], facts["permits_dml"]) == \
            expected, flavour


@pytest.mark.parametrize(("statement", "expected"), [
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE",
     ["mysql-inplace-instead-of-instant"]),
    ("ALTER TABLE t ADD COLUMN x INT, ADD INDEX t_x (x), ALGORITHM=INPLACE, LOCK=NONE",
     ["mysql-table-rebuild"]),
    ("ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT", []),
])
def test_an_inplace_clause_that_forces_a_rebuild_says_so(statement: str,
                                                         expected: list[str]) -> None:
    reports = lint_migrations([migration_from_text(SETUP, "1.sql"),
                               migration_from_text(statement + ";", "2.sql")],
                              LintOptions(dialect="mysql", server_version="8.4.0"))
    found = reports[1].all_findings
    assert [f.rule for f in found] == expected
    if expected == ["mysql-inplace-instead-of-instant"]:
        assert "ALGORITHM=INSTANT;" in found[0].instead
