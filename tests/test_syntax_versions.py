"""Syntax newer than the target PostgreSQL version (effects/syntax_versions.py, rule
syntax-newer-than-pg-version): each entry of the table is found in the statement that uses it,
is a fact below its version and none from it, and is syntax the PostgreSQL 18 server runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.cli.app import app
from lockwise.effects.context import SUPPORTED_PG_VERSIONS, Context
from lockwise.effects.nodes import unwrap
from lockwise.effects.postgres import compute_effect
from lockwise.effects.syntax_versions import NEW_SYNTAX, syntax_used
from lockwise.parse.postgres import parse_sql

SETUP = """
CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (id bigint, account_id bigint, qty int, price numeric,
                     total numeric GENERATED ALWAYS AS (qty * price) STORED,
                     CONSTRAINT orders_qty_nn NOT NULL qty);
CREATE TABLE deliveries (item bigint, qty int);
CREATE TABLE stock (item bigint PRIMARY KEY, qty int);
CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);
CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE events_2021 PARTITION OF events FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE INDEX accounts_email_idx ON accounts (email);
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE DOMAIN email_address AS text;
"""

#: One statement per entry of NEW_SYNTAX, each run after SETUP (in this order, on one
#: database: the server test runs them all).
USES = {
    "generated_column": "ALTER TABLE orders ADD COLUMN cents numeric "
                        "GENERATED ALWAYS AS (price * 100) STORED",
    "reindex_concurrently": "REINDEX INDEX CONCURRENTLY accounts_email_idx",
    "drop_expression": "ALTER TABLE orders ALTER COLUMN cents DROP EXPRESSION",
    "detach_partition_concurrently": "ALTER TABLE events DETACH PARTITION events_2020 "
                                     "CONCURRENTLY",
    "detach_partition_finalize": "ALTER TABLE events DETACH PARTITION events_2021 FINALIZE",
    "create_or_replace_trigger": "CREATE OR REPLACE TRIGGER audit BEFORE UPDATE ON accounts "
                                 "FOR EACH ROW EXECUTE FUNCTION audit_row()",
    "set_compression": "ALTER TABLE accounts ALTER COLUMN email SET COMPRESSION pglz",
    "nulls_not_distinct": "CREATE UNIQUE INDEX accounts_email_key ON accounts (email) "
                          "NULLS NOT DISTINCT",
    "merge": "MERGE INTO stock s USING deliveries d ON s.item = d.item "
             "WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty",
    "set_access_method": "ALTER TABLE deliveries SET ACCESS METHOD heap",
    "merge_returning": "MERGE INTO stock s USING deliveries d ON s.item = d.item "
                       "WHEN MATCHED THEN DELETE RETURNING s.item",
    "merge_not_matched_by_source": "MERGE INTO stock s USING deliveries d ON s.item = d.item "
                                   "WHEN NOT MATCHED BY SOURCE THEN DELETE",
    "set_expression": "ALTER TABLE orders ALTER COLUMN total SET EXPRESSION AS (qty * price * 2)",
    "virtual_generated_column": "ALTER TABLE orders ADD COLUMN doubled int "
                                "GENERATED ALWAYS AS (qty * 2)",
    "not_null_table_constraint": "ALTER TABLE accounts ADD CONSTRAINT accounts_email_nn "
                                 "NOT NULL email NOT VALID",
    "constraint_enforceability": "ALTER TABLE orders ADD CONSTRAINT orders_account_fk "
                                 "FOREIGN KEY (account_id) REFERENCES accounts (id) NOT ENFORCED",
    "alter_constraint_inherit": "ALTER TABLE orders ALTER CONSTRAINT orders_qty_nn NO INHERIT",
    "domain_not_null_constraint": "ALTER DOMAIN email_address ADD CONSTRAINT email_address_nn "
                                  "NOT NULL",
    "without_overlaps": "CREATE TABLE bookings (room int, during tstzrange, "
                        "PRIMARY KEY (room, during WITHOUT OVERLAPS))",
    # anywhere in the statement: a view's query, a subquery, an expression
    "sql_json_constructors": "CREATE VIEW account_docs AS SELECT JSON_OBJECT('id': id) AS doc "
                             "FROM accounts",
    "subquery_without_alias": "CREATE TABLE account_ids AS SELECT id FROM "
                              "(SELECT id FROM accounts WHERE email IS NOT NULL)",
    "json_table": "INSERT INTO deliveries SELECT * FROM (SELECT * FROM JSON_TABLE("
                  "'[{\"i\": 7, \"q\": 1}]'::jsonb, '$[*]' "
                  "COLUMNS (i bigint PATH '$.i', q int PATH '$.q'))) AS j",
    "sql_json_query_functions": "UPDATE accounts SET email = JSON_VALUE('{\"e\": \"x\"}'::jsonb, "
                                "'$.e') WHERE id IN (SELECT id FROM accounts WHERE email IS NULL)",
}

#: MERGE in a WITH (PostgreSQL 17: it needs RETURNING there).
MERGE_IN_WITH = ("WITH moved AS (MERGE INTO stock s USING deliveries d ON s.item = d.item "
                 "WHEN MATCHED THEN DELETE RETURNING s.item) SELECT count(*) FROM moved")

#: Statements of the same kinds written the way every supported version reads them.
OLD_SYNTAX = [
    "ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT '' CHECK (note <> '')",
    "ALTER TABLE orders ADD CONSTRAINT orders_qty_check CHECK (qty > 0) NOT VALID",
    "ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) "
    "REFERENCES accounts (id) NOT VALID",
    "ALTER TABLE orders ALTER CONSTRAINT orders_account_fk DEFERRABLE",
    "ALTER TABLE events DETACH PARTITION events_2020",
    "REINDEX INDEX accounts_email_idx",
    "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email)",
    "CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL REFERENCES accounts, UNIQUE (a), "
    "CHECK (a > 0), EXCLUDE USING btree (id WITH =))",
    "CREATE TRIGGER audit BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION audit_row()",
    "INSERT INTO stock SELECT item, qty FROM deliveries ON CONFLICT (item) DO UPDATE "
    "SET qty = excluded.qty RETURNING item",
    "SELECT a.id FROM (SELECT id FROM accounts) AS a, (VALUES (1)) AS v (n), "
    "LATERAL (SELECT a.id) AS l, generate_series(1, 2)",
    "ALTER DOMAIN email_address ADD CONSTRAINT email_address_check CHECK (VALUE <> '')",
    "ALTER DOMAIN email_address SET NOT NULL",
    "CREATE DOMAIN email_name AS text CONSTRAINT email_name_nn NOT NULL",
    # the words, but not the syntax: the statement is walked and nothing is found
    "WITH merged AS (SELECT id, email::json AS json_doc FROM accounts) SELECT * FROM merged",
]


def _tree(sql: str) -> dict:
    (stmt,) = parse_sql(sql).statements
    return stmt.tree


def _missing(sql: str, pg_version: int) -> tuple[str, ...]:
    catalog = Catalog()
    for stmt in parse_sql(SETUP).statements:
        apply_statement(catalog, stmt.tree, "setup")
    effect = compute_effect(_tree(sql), Context(catalog=catalog, pg_version=pg_version,
                                                pg_version_stated=True))
    return tuple(k for a in effect.actions for k in a.facts.get("unavailable_syntax", ()))


def test_every_entry_has_a_statement_that_uses_it() -> None:
    assert USES.keys() == NEW_SYNTAX.keys()


@pytest.mark.parametrize("key", list(USES))
def test_the_syntax_is_found(key: str) -> None:
    assert key in syntax_used(*unwrap(_tree(USES[key])))


@pytest.mark.parametrize("key", list(USES))
def test_missing_below_its_version_and_not_from_it(key: str) -> None:
    since = NEW_SYNTAX[key].since
    assert key in _missing(USES[key], since - 1)
    assert key in _missing(USES[key], SUPPORTED_PG_VERSIONS.start)
    assert key not in _missing(USES[key], since)
    assert key not in _missing(USES[key], SUPPORTED_PG_VERSIONS.stop - 1)


@pytest.mark.parametrize("sql", OLD_SYNTAX)
def test_syntax_every_version_has_is_not_reported(sql: str) -> None:
    assert syntax_used(*unwrap(_tree(sql))) == []
    assert _missing(sql, SUPPORTED_PG_VERSIONS.start) == ()


def test_merge_in_a_with_is_found() -> None:
    assert _missing(MERGE_IN_WITH, 14) == ("merge", "merge_returning")
    assert _missing(MERGE_IN_WITH, 17) == ()


@pytest.mark.parametrize("sql", [*USES.values(), MERGE_IN_WITH, *OLD_SYNTAX])
def test_the_statement_text_skips_the_walk_without_missing_anything(sql: str) -> None:
    assert syntax_used(*unwrap(_tree(sql)), sql) == syntax_used(*unwrap(_tree(sql)))


def test_an_assumed_version_states_no_syntax() -> None:
    effect = compute_effect(_tree(USES["merge"]), Context(pg_version=14))
    assert all("unavailable_syntax" not in a.facts for a in effect.actions)


def test_only_the_syntax_the_target_lacks_is_named() -> None:
    merge = USES["merge_returning"]
    assert _missing(merge, 14) == ("merge", "merge_returning")
    assert _missing(merge, 16) == ("merge_returning",)


@pytest.mark.postgres
def test_every_entry_runs_on_the_server(pg_db: str) -> None:
    """The table's syntax is real: PostgreSQL 18 runs each statement (older servers reject it,
    which the release notes of each entry's version say)."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        for key, sql in USES.items():
            if key == "detach_partition_finalize":
                # FINALIZE finishes an interrupted concurrent detach: the server says there
                # is none to finish, after parsing it.
                with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                    conn.execute(sql)
                continue
            conn.execute(sql)
        for sql in OLD_SYNTAX[:4]:
            conn.execute(sql.replace("orders_account_fk", "orders_account_fk2"))


# The command line: the version said, in a flag or the config, or not said at all.

MIGRATION = "MERGE INTO stock s USING deliveries d ON s.item = d.item\n" \
            "WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty;\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "0001_init.sql").write_text(
        "CREATE TABLE stock (item bigint PRIMARY KEY, qty int);\n"
        "CREATE TABLE deliveries (item bigint, qty int);\n")
    (tmp_path / "0002_merge.sql").write_text("SET lock_timeout = '5s';\n" + MIGRATION)
    return tmp_path


def _lint(project: Path, *args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(app, ["lint", str(project), "--format", "json", "--no-cache",
                                      *args])
    doc = json.loads(result.stdout)
    return result.exit_code, [f for m in doc["migrations"] for s in m["statements"]
                              for f in s["findings"] if f["rule"] == "syntax-newer-than-pg-version"]


def test_a_stated_version_that_lacks_the_syntax_fails_the_lint(project: Path) -> None:
    code, found = _lint(project, "--pg-version", "14")
    assert code == 1
    (finding,) = found
    assert finding["line"] == 2 and finding["column"] == 1
    assert "(MERGE, new in PostgreSQL 15)" in finding["message"]
    assert "PostgreSQL 14" in finding["message"]
    assert "--pg-version 15" in finding["instead"]
    assert "INSERT ... ON CONFLICT" in finding["instead"]


def test_the_version_in_the_config_counts_as_stated(project: Path, tmp_path: Path) -> None:
    config = tmp_path / "lockwise.toml"
    config.write_text("pg_version = 14\n")
    assert _lint(project, "--config", str(config))[1]
    config.write_text("pg_version = 15\n")
    assert not _lint(project, "--config", str(config))[1]


def test_no_version_given_reports_no_syntax(project: Path) -> None:
    """Without a version lockwise assumes 16 for locks, but does not know the server."""
    code, found = _lint(project)
    assert (code, found) == (0, [])


@pytest.mark.parametrize("sql", [
    "DELETE FROM accounts WHERE id IN (SELECT id FROM (SELECT id FROM accounts) LIMIT 1)",
    "UPDATE accounts SET email = NULL FROM (VALUES (1)) WHERE id = 1",
    "INSERT INTO accounts (id) SELECT * FROM (SELECT 1)",
])
def test_a_subquery_without_an_alias_is_found_anywhere(sql: str) -> None:
    """PostgreSQL 15 refuses a subquery or VALUES in FROM without an alias ("subquery in
    FROM must have an alias", checked on 15.18), wherever it sits; 16 takes it."""
    assert _missing(sql, 15) == ("subquery_without_alias",)
    assert _missing(sql, 16) == ()


@pytest.mark.parametrize("sql", ["ALTER DOMAIN email_address ADD CONSTRAINT email_address_nn "
                                 "NOT NULL",
                                 "ALTER DOMAIN email_address ADD NOT NULL"])
def test_a_domain_not_null_added_by_alter_domain_is_new_in_17(sql: str) -> None:
    """PostgreSQL 15 refuses ALTER DOMAIN ... ADD [CONSTRAINT name] NOT NULL (a syntax error
    at NOT, checked on 15.18): its ALTER DOMAIN ... ADD takes a table constraint, which has no
    NOT NULL there; 17 took a domain's NOT NULL into pg_constraint and its own syntax (the
    17 development commits, its ALTER DOMAIN page); 18.6 runs both. SET NOT NULL and CREATE
    DOMAIN ... NOT NULL are older (OLD_SYNTAX)."""
    assert _missing(sql, 16) == ("domain_not_null_constraint",)
    assert _missing(sql, 17) == ()
