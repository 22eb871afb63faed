"""An index that is the table's primary key, explicit or implicit (the first UNIQUE index on
NOT NULL columns of a table without one), cannot be made invisible (MySQL, error 3522) or
ignored (MariaDB, error 4174): the statement fails."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.mysql import MySQLSession, apply_mysql_statement
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.mysql import parse_mysql

RULE = "mysql-primary-key-invisible"

SETUP = """
CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL,
  UNIQUE KEY accounts_email (email), KEY accounts_email_plain (email));
CREATE TABLE tokens (token CHAR(32) NOT NULL, owner INT NOT NULL, note INT,
  UNIQUE KEY tokens_token (token), UNIQUE KEY tokens_owner (owner), UNIQUE KEY tokens_note (note));
CREATE TABLE loose (code INT, UNIQUE KEY loose_code (code));
"""


def _found(change: str, dialect: str = "mysql", setup: str = SETUP) -> list:
    version = "10.11" if dialect == "mariadb" else "8.4.0"
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(change, "2_change.sql")],
                              LintOptions(dialect=dialect, server_version=version))
    return [f for f in reports[1].all_findings if f.rule == RULE]


@pytest.mark.parametrize("statement", [
    "ALTER TABLE accounts ALTER INDEX `PRIMARY` INVISIBLE;",
    "ALTER TABLE accounts ALTER INDEX PRIMARY INVISIBLE;",
    # the first UNIQUE index on NOT NULL columns of a table without a primary key is one
    "ALTER TABLE tokens ALTER INDEX tokens_token INVISIBLE;",
    "ALTER TABLE tokens ALTER INDEX tokens_token INVISIBLE, ALGORITHM=INSTANT;",
])
def test_the_primary_key_made_invisible_is_refused(statement: str) -> None:
    (found,) = _found(statement)
    # PRIMARY, a reserved word, is a syntax error (1064) unquoted
    code = "1064" if "PRIMARY INVISIBLE" in statement else "3522"
    assert "refuses" in found.message and f"error {code}" in found.message


@pytest.mark.parametrize("statement", [
    "ALTER TABLE accounts ALTER INDEX accounts_email INVISIBLE;",  # the table has a primary key
    "ALTER TABLE tokens ALTER INDEX tokens_owner INVISIBLE;",  # not the first such index
    "ALTER TABLE tokens ALTER INDEX tokens_note INVISIBLE;",  # a nullable column
    "ALTER TABLE loose ALTER INDEX loose_code INVISIBLE;",
    "ALTER TABLE tokens ALTER INDEX tokens_token VISIBLE;",  # visible again is no change
    "ALTER TABLE elsewhere ALTER INDEX elsewhere_key INVISIBLE;",  # a table lockwise never saw
    "ALTER TABLE elsewhere ALTER INDEX `` INVISIBLE;",  # no name is no implicit key's
    "ALTER TABLE loose ALTER INDEX `` INVISIBLE;",
])
def test_other_indexes_made_invisible_are_not(statement: str) -> None:
    assert _found(statement) == []


def test_mariadb_ignored_primary_key_is_refused() -> None:
    """MariaDB refuses any change of a primary key's ignorability, NOT IGNORED included
    (checked on 10.11); MySQL judges the visibility the index ends with."""
    (found,) = _found("ALTER TABLE tokens ALTER INDEX tokens_token IGNORED;", "mariadb")
    assert "4174" in found.message
    (found,) = _found("ALTER TABLE tokens ALTER INDEX tokens_token NOT IGNORED;", "mariadb")
    assert "4174" in found.message
    assert _found("ALTER TABLE tokens ALTER INDEX tokens_owner IGNORED;", "mariadb") == []


def test_a_refused_statement_leaves_the_schema_as_it_was() -> None:
    """The statement fails: it is not judged an instant visibility change."""
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text("ALTER TABLE tokens ALTER INDEX tokens_token "
                                                   "INVISIBLE;", "2_change.sql")],
                              LintOptions(dialect="mysql"))
    (alter,) = [a for a in reports[1].statements[0].effect.actions
                if a.kind == "mysql_alter_table"]
    assert alter.facts["refused"] is True


TRUTH_DROPS = "DROP TABLE IF EXISTS accounts, tokens, loose;"


@pytest.mark.parametrize("statement", [
    "ALTER TABLE accounts ALTER INDEX `PRIMARY` IGNORED",
    "ALTER TABLE accounts ALTER INDEX accounts_email IGNORED",
    "ALTER TABLE accounts ALTER INDEX accounts_email_plain IGNORED",
    "ALTER TABLE accounts ALTER INDEX `PRIMARY` NOT IGNORED",
    "ALTER TABLE accounts ALTER INDEX PRIMARY IGNORED",
    "ALTER TABLE tokens ALTER INDEX tokens_token IGNORED",
    "ALTER TABLE tokens ALTER INDEX tokens_owner IGNORED",
    "ALTER TABLE tokens ALTER INDEX tokens_note IGNORED",
    "ALTER TABLE tokens ALTER INDEX tokens_token NOT IGNORED",
    "ALTER TABLE loose ALTER INDEX loose_code IGNORED",
])
def test_mariadb_refuses_exactly_where_the_rule_says(mariadb, statement: str) -> None:
    result = mariadb.run(TRUTH_DROPS + SETUP + statement + ";")
    refused = "ERROR 4174" in result.stderr or "ERROR 1064" in result.stderr
    assert refused or result.returncode == 0, result.stderr
    assert bool(_found(statement + ";", "mariadb")) == refused, (statement, result.stderr)


@pytest.mark.parametrize("statement", [
    "CREATE TABLE keyed (id INT, PRIMARY KEY (id) INVISIBLE);",
    # no primary key: the first UNIQUE key on NOT NULL columns is the implicit one
    "CREATE TABLE keyed (a INT NOT NULL, b INT, UNIQUE KEY keyed_a (a) INVISIBLE);",
    "CREATE TABLE keyed (a INT NOT NULL, UNIQUE (a) INVISIBLE);",
    "ALTER TABLE loose ADD PRIMARY KEY (code) INVISIBLE;",
    "ALTER TABLE plain ADD UNIQUE KEY plain_a (a) INVISIBLE;",
    # CREATE INDEX is an ALTER TABLE ... ADD INDEX to the server, sqlglot reads it or not
    "CREATE UNIQUE INDEX plain_a ON plain (a) INVISIBLE;",
    "CREATE UNIQUE INDEX plain_a ON plain (a) USING BTREE INVISIBLE;",
    "CREATE UNIQUE INDEX plain_a ON plain (a) INVISIBLE ALGORITHM=INPLACE LOCK=NONE;",
])
def test_a_primary_key_created_invisible_is_refused(statement: str) -> None:
    setup = SETUP + "CREATE TABLE plain (a INT NOT NULL, b INT);"
    (found,) = _found(statement, setup=setup)
    assert "error 3522" in found.message


@pytest.mark.parametrize("statement", [
    "CREATE TABLE keyed (id INT PRIMARY KEY, a INT NOT NULL, UNIQUE KEY keyed_a (a) INVISIBLE);",
    "CREATE TABLE keyed (a INT, UNIQUE KEY keyed_a (a) INVISIBLE);",  # nullable: no key
    "CREATE TABLE keyed (a INT NOT NULL, b INT NOT NULL, UNIQUE KEY keyed_a (a),"
    " UNIQUE KEY keyed_b (b) INVISIBLE);",  # not the first
    "ALTER TABLE tokens ADD UNIQUE KEY tokens_both (token, owner) INVISIBLE;",  # has one
    "ALTER TABLE plain ADD UNIQUE KEY plain_b (b) INVISIBLE;",  # a nullable column
    "ALTER TABLE plain ADD INDEX plain_a (a) INVISIBLE;",  # not UNIQUE
    "CREATE INDEX plain_a ON plain (a) INVISIBLE ALGORITHM=INPLACE;",
    "CREATE UNIQUE INDEX plain_b ON plain (b) INVISIBLE;",
    "CREATE UNIQUE INDEX plain_a ON plain (a) COMMENT 'invisible';",
    "CREATE UNIQUE INDEX tokens_both ON tokens (token, owner) USING BTREE INVISIBLE;",
])
def test_other_keys_created_invisible_are_not(statement: str) -> None:
    assert _found(statement, setup=SETUP + "CREATE TABLE plain (a INT NOT NULL, b INT);") == []


@pytest.mark.parametrize(("statement", "refused"), [
    ("CREATE TABLE keyed (id INT PRIMARY KEY, a INT, KEY keyed_a (a) IGNORED);", False),
    ("CREATE TABLE keyed (id INT PRIMARY KEY, a INT, KEY keyed_a (a) NOT IGNORED);", False),
    ("CREATE TABLE keyed (a INT NOT NULL, UNIQUE KEY keyed_a (a) IGNORED);", True),
    ("ALTER TABLE plain ADD INDEX plain_b (b) IGNORED;", False),
    ("ALTER TABLE plain ADD UNIQUE KEY plain_a (a) IGNORED;", True),
    # after the index's other options
    ("CREATE TABLE keyed (a INT NOT NULL, UNIQUE KEY keyed_a (a) COMMENT 'x' IGNORED);", True),
    ("CREATE TABLE keyed (a INT NOT NULL, UNIQUE KEY keyed_a (a) USING BTREE IGNORED);", True),
    ("CREATE TABLE keyed (a INT NOT NULL, UNIQUE KEY keyed_a (a) IGNORED COMMENT 'x');", True),
    ("ALTER TABLE plain ADD UNIQUE KEY plain_a (a) USING BTREE IGNORED;", True),
    ("ALTER TABLE plain ADD UNIQUE KEY plain_a (a) KEY_BLOCK_SIZE=8 IGNORED;", True),
    ("ALTER TABLE plain ADD UNIQUE KEY plain_a (a) COMMENT 'x' NOT IGNORED;", False),
    ("ALTER TABLE plain ADD INDEX plain_b (b) COMMENT 'x' IGNORED;", False),
    ("CREATE UNIQUE INDEX plain_a ON plain (a) IGNORED;", True),
    ("CREATE UNIQUE INDEX plain_a ON plain (a) USING BTREE IGNORED;", True),
    ("CREATE UNIQUE INDEX plain_a USING BTREE ON plain (a) IGNORED;", True),
    ("CREATE INDEX plain_a ON plain (a) IGNORED;", False),
    ("CREATE UNIQUE INDEX plain_b ON plain (b) IGNORED;", False),
])
def test_mariadb_ignored_keys_are_read(statement: str, refused: bool) -> None:
    """MariaDB's index option [NOT] IGNORED (10.6+) in a definition was a parse-error."""
    setup = SETUP + "CREATE TABLE plain (a INT NOT NULL, b INT);"
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(statement, "2_change.sql")],
                              LintOptions(dialect="mariadb", server_version="10.11"))
    rules = [f.rule for f in reports[1].all_findings]
    assert "parse-error" not in rules
    assert (RULE in rules) == refused, rules


def test_mysql_refuses_mariadb_ignored_in_a_definition() -> None:
    reports = lint_migrations([migration_from_text(
        "CREATE TABLE keyed (id INT PRIMARY KEY, a INT, KEY keyed_a (a) IGNORED);", "1.sql")],
        LintOptions(dialect="mysql"))
    (error,) = [f for f in reports[0].all_findings if f.rule == "parse-error"]
    assert "INVISIBLE" in error.message


@pytest.mark.parametrize("statement", [
    "CREATE TABLE keyed (id INT PRIMARY KEY, a INT, KEY keyed_a (a) IGNORED)",
    "CREATE TABLE keyed (a INT NOT NULL, UNIQUE KEY keyed_a (a) IGNORED)",
    "CREATE TABLE keyed (a INT NOT NULL, b INT NOT NULL, UNIQUE KEY keyed_a (a),"
    " UNIQUE KEY keyed_b (b) IGNORED)",
    "CREATE TABLE keyed (a INT, UNIQUE KEY keyed_a (a) IGNORED)",
    "ALTER TABLE plain ADD UNIQUE KEY plain_a (a) IGNORED",
    "ALTER TABLE plain ADD UNIQUE KEY plain_b (b) IGNORED",
    "ALTER TABLE tokens ADD UNIQUE KEY tokens_both (token, owner) IGNORED",
    "CREATE TABLE keyed (a INT NOT NULL, UNIQUE KEY keyed_a (a) COMMENT 'x' IGNORED)",
    "CREATE TABLE keyed (a INT NOT NULL, UNIQUE KEY keyed_a (a) USING BTREE IGNORED)",
    "CREATE TABLE keyed (a INT NOT NULL, UNIQUE KEY keyed_a (a) IGNORED COMMENT 'x')",
    "ALTER TABLE plain ADD UNIQUE KEY plain_a (a) USING BTREE IGNORED",
    "ALTER TABLE plain ADD UNIQUE KEY plain_a (a) KEY_BLOCK_SIZE=8 IGNORED",
    "ALTER TABLE plain ADD UNIQUE KEY plain_a (a) COMMENT 'x' NOT IGNORED",
    "ALTER TABLE plain ADD INDEX plain_b (b) COMMENT 'x' IGNORED",
    "CREATE UNIQUE INDEX plain_a ON plain (a) IGNORED",
    "CREATE UNIQUE INDEX plain_a ON plain (a) USING BTREE IGNORED",
    "CREATE UNIQUE INDEX plain_a USING BTREE ON plain (a) IGNORED",
    "CREATE INDEX plain_a ON plain (a) IGNORED",
    "CREATE UNIQUE INDEX plain_b ON plain (b) IGNORED",
])
def test_mariadb_refuses_ignored_keys_exactly_where_the_rule_says(mariadb,
                                                                  statement: str) -> None:
    setup = SETUP + "CREATE TABLE plain (a INT NOT NULL, b INT);"
    result = mariadb.run("DROP TABLE IF EXISTS accounts, tokens, loose, plain, keyed;" + setup +
                         statement + ";")
    refused = "ERROR 4174" in result.stderr
    assert refused or result.returncode == 0, result.stderr
    assert bool(_found(statement + ";", "mariadb", setup)) == refused, (statement, result.stderr)


#: UNIQUE keys on NOT NULL columns, one on a column prefix: MySQL and MariaDB promote only a key
#: on whole columns to the implicit primary key, whichever was written first.
PREFIXED = """
CREATE TABLE prefixed (name VARCHAR(40) NOT NULL, code INT NOT NULL,
  UNIQUE KEY prefixed_name (name(10)), UNIQUE KEY prefixed_code (code));
CREATE TABLE indexed (name VARCHAR(40) NOT NULL);
CREATE UNIQUE INDEX indexed_name ON indexed (name(10));
"""


@pytest.mark.parametrize(("statement", "refused"), [
    ("ALTER TABLE prefixed ALTER INDEX prefixed_name INVISIBLE;", False),
    ("ALTER TABLE prefixed ALTER INDEX prefixed_code INVISIBLE;", True),
    ("ALTER TABLE indexed ALTER INDEX indexed_name INVISIBLE;", False),
    ("CREATE TABLE keyed (a VARCHAR(20) NOT NULL, UNIQUE KEY keyed_p (a(5)) INVISIBLE);", False),
    ("CREATE TABLE keyed (a VARCHAR(20) NOT NULL, UNIQUE KEY keyed_p (a(5)),"
     " UNIQUE KEY keyed_a (a) INVISIBLE);", True),
    ("ALTER TABLE indexed ADD UNIQUE KEY indexed_whole (name) INVISIBLE;", True),
])
def test_a_key_on_a_column_prefix_is_no_implicit_primary_key(statement: str,
                                                             refused: bool) -> None:
    assert bool(_found(statement, setup=PREFIXED)) == refused


def test_a_renamed_prefix_key_stays_one() -> None:
    setup = PREFIXED + "ALTER TABLE indexed RENAME INDEX indexed_name TO indexed_short;"
    assert _found("ALTER TABLE indexed ALTER INDEX indexed_short INVISIBLE;", setup=setup) == []
    setup += "DROP INDEX indexed_short ON indexed;" \
             "CREATE UNIQUE INDEX indexed_short ON indexed (name);"
    assert _found("ALTER TABLE indexed ALTER INDEX indexed_short INVISIBLE;", setup=setup)


@pytest.mark.parametrize("statement", [
    "ALTER TABLE prefixed ALTER INDEX prefixed_name IGNORED",
    "ALTER TABLE prefixed ALTER INDEX prefixed_code IGNORED",
    "ALTER TABLE indexed ALTER INDEX indexed_name IGNORED",
    "CREATE TABLE keyed (a VARCHAR(20) NOT NULL, UNIQUE KEY keyed_p (a(5)) IGNORED)",
    "CREATE TABLE keyed (a VARCHAR(20) NOT NULL, UNIQUE KEY keyed_p (a(5)),"
    " UNIQUE KEY keyed_a (a) IGNORED)",
    "ALTER TABLE indexed ADD UNIQUE KEY indexed_whole (name) IGNORED",
])
def test_mariadb_promotes_no_prefix_key(mariadb, statement: str) -> None:
    result = mariadb.run("DROP TABLE IF EXISTS prefixed, indexed, keyed;" + PREFIXED +
                         statement + ";")
    refused = "ERROR 4174" in result.stderr
    assert refused or result.returncode == 0, result.stderr
    assert bool(_found(statement + ";", "mariadb", PREFIXED)) == refused, (statement,
                                                                           result.stderr)


def _replayed(sql: str) -> Catalog:
    catalog, session = Catalog(), MySQLSession(flavour="mysql", version=(8, 4, 0))
    for statement in parse_mysql(sql).statements:
        apply_mysql_statement(catalog, statement.tree, "setup", session)
    return catalog


@pytest.mark.parametrize("options", [
    "", " ALGORITHM=INPLACE LOCK=NONE", " COMMENT 'x'", " USING BTREE", " KEY_BLOCK_SIZE=8"])
@pytest.mark.parametrize("using", ["", " USING BTREE"])
def test_create_index_records_its_columns_and_prefix_however_written(options: str,
                                                                     using: str) -> None:
    """CREATE INDEX with ALGORITHM= / LOCK=, its index type before ON or an index option is
    read from its text (sqlglot keeps it a command): a key on a column prefix was recorded as
    on whole columns, named by the prefix's length."""
    table = "CREATE TABLE fallback (name VARCHAR(40) NOT NULL, code INT NOT NULL);"
    catalog = _replayed(table + f"CREATE UNIQUE INDEX fallback_key{using} ON fallback "
                                f"(name(10), `code` DESC){options};")
    fallback = catalog.tables["fallback"]
    assert fallback.keys["fallback_key"] == (("name", "code"), True)
    assert "fallback_key" in fallback.prefix_keys
    catalog = _replayed(table + f"CREATE UNIQUE INDEX fallback_key{using} ON fallback "
                                f"(name, code){options};")
    assert catalog.tables["fallback"].keys["fallback_key"] == (("name", "code"), True)
    assert catalog.tables["fallback"].prefix_keys == set()


@pytest.mark.parametrize(("statement", "refused"), [
    ("CREATE UNIQUE INDEX fallback_key ON fallback (name(10)) ALGORITHM=INPLACE;", False),
    ("CREATE UNIQUE INDEX fallback_key ON fallback (name) ALGORITHM=INPLACE;", True),
])
def test_a_prefix_key_created_with_algorithm_is_no_implicit_primary_key(statement: str,
                                                                        refused: bool) -> None:
    setup = PREFIXED + "CREATE TABLE fallback (name VARCHAR(40) NOT NULL);" + statement
    assert bool(_found("ALTER TABLE fallback ALTER INDEX fallback_key INVISIBLE;",
                       setup=setup)) == refused


#: A table the migrations did not create, which one of them altered first: the catalog knows
#: the column that ALTER added, not the table's keys. It had an empty entry for it, keys and
#: all, so the first UNIQUE index on a NOT NULL column looked like its implicit primary key.
ALTERED_ELSEWHERE = "ALTER TABLE legacy ADD COLUMN code INT NOT NULL;"


@pytest.mark.parametrize(("dialect", "statement"), [
    ("mysql", "ALTER TABLE legacy ADD UNIQUE KEY legacy_code (code) INVISIBLE;"),
    ("mysql", "ALTER TABLE legacy ADD UNIQUE KEY legacy_code (code);\n"
              "ALTER TABLE legacy ALTER INDEX legacy_code INVISIBLE;"),
    ("mariadb", "ALTER TABLE legacy ADD UNIQUE KEY legacy_code (code) IGNORED;"),
    ("mariadb", "ALTER TABLE legacy ADD UNIQUE KEY legacy_code (code);\n"
                "ALTER TABLE legacy ALTER INDEX legacy_code IGNORED;"),
])
def test_a_table_known_from_an_alter_has_unknown_keys(dialect: str, statement: str) -> None:
    """(lockwise said "legacy_code is the first UNIQUE index on NOT NULL columns of a table
    without a primary key": the table may well have one, as the server's below does)"""
    assert _found(statement, dialect, ALTERED_ELSEWHERE) == []
    assert _found(statement, dialect, "SELECT 1;") == []  # as when lockwise never saw it


def test_a_table_known_from_an_alter_is_not_a_known_table() -> None:
    """Its facts say so (`table_known`), and a batched UPDATE's note does not claim that it
    has no primary key (they said table_known, and "the table has no primary key")."""
    reports = lint_migrations([migration_from_text(ALTERED_ELSEWHERE, "1_setup.sql"),
                               migration_from_text("UPDATE legacy SET code = 0;",
                                                   "2_change.sql")],
                              LintOptions(dialect="mysql"))
    (action,) = reports[1].statements[0].effect.actions
    assert action.facts["table_known"] is False
    assert "primary key is unknown" in action.facts["batches_sql"], action.facts["batches_sql"]


def test_mariadb_runs_them_on_a_table_with_a_primary_key(mariadb) -> None:
    """Checked on MariaDB 10.11: a table created before the migrations, with its primary key,
    takes the IGNORED unique key."""
    mariadb.run("DROP TABLE IF EXISTS legacy")
    assert mariadb.run("CREATE TABLE legacy (id INT PRIMARY KEY)").returncode == 0
    for sql in (ALTERED_ELSEWHERE, "ALTER TABLE legacy ADD UNIQUE KEY legacy_code (code) IGNORED",
                "ALTER TABLE legacy ALTER INDEX legacy_code NOT IGNORED"):
        ran = mariadb.run(sql)
        assert ran.returncode == 0, (sql, ran.stderr)
