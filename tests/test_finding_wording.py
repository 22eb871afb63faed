"""How findings word what they found: each kind of object named as SQL names it, each table
once, and the objects the statement really touches."""

from __future__ import annotations

import re

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import Finding
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

ACCOUNTS = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, parent_id bigint);"


def findings(sql: str, setup: str = ACCOUNTS, pg_version: int = 16) -> list[Finding]:
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=pg_version, assume_in_transaction=True)
    return lint_migrations(migrations, options, Catalog())[-1].all_findings


def finding(sql: str, rule: str, **kwargs) -> Finding:
    return next(f for f in findings(sql, **kwargs) if f.rule == rule)


def test_self_referencing_foreign_key_names_its_table_once() -> None:
    message = finding("ALTER TABLE accounts ADD CONSTRAINT accounts_parent_fk FOREIGN KEY "
                      "(parent_id) REFERENCES accounts (id);", "add-foreign-key-validated").message
    assert "SHARE ROW EXCLUSIVE on public.accounts:" in message
    assert "public.accounts and public.accounts" not in message


def test_foreign_key_to_another_table_names_both() -> None:
    setup = ACCOUNTS + "\nCREATE TABLE orders (id bigint, account_id bigint);"
    message = finding("ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY "
                      "(account_id) REFERENCES accounts (id);", "add-foreign-key-validated",
                      setup=setup).message
    assert "SHARE ROW EXCLUSIVE on public.orders and public.accounts:" in message


def test_primary_key_is_named_as_sql_names_it() -> None:
    setup = "CREATE TABLE amr (id uuid, note text);"
    message = finding("ALTER TABLE amr ADD CONSTRAINT amr_id_pk PRIMARY KEY (id);",
                      "add-unique-constraint", setup=setup).message
    assert message.startswith("Adding PRIMARY KEY amr_id_pk builds")


def test_unique_constraint_is_named_as_sql_names_it() -> None:
    message = finding("ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);",
                      "add-unique-constraint").message
    assert message.startswith("Adding UNIQUE constraint accounts_email_key builds")


INDEXED = ACCOUNTS + "\nCREATE INDEX some_idx ON accounts (email);"


def test_drop_index_names_the_index_that_exists() -> None:
    found = findings("DROP INDEX IF EXISTS no_such_idx, some_idx;", setup=INDEXED)
    message = next(f.message for f in found if f.rule == "drop-index-without-concurrently")
    assert message.startswith("DROP INDEX public.some_idx takes")
    assert "no_such_idx" not in message
    assert all(" on :" not in f.message and " on ." not in f.message for f in found)


def test_drop_index_names_every_index_when_none_is_known() -> None:
    message = finding("DROP INDEX a_idx, b_idx;", "drop-index-without-concurrently").message
    assert message.startswith("DROP INDEX public.a_idx, public.b_idx takes")


def test_drop_object_of_one_object_says_it() -> None:
    setup = ACCOUNTS + "\nCREATE VIEW active AS SELECT id FROM accounts;"
    found = finding("DROP VIEW active;", "drop-object", setup=setup)
    assert "without creating it again" in found.message and "this name fail" in found.message
    assert "them" not in found.message and "them" not in (found.instead or "")


def test_drop_object_of_several_objects_says_them() -> None:
    setup = ACCOUNTS + "\nCREATE VIEW active AS SELECT id FROM accounts;\n" \
        "CREATE VIEW idle AS SELECT id FROM accounts;"
    found = finding("DROP VIEW active;\nDROP VIEW idle;", "drop-object", setup=setup)
    assert "without creating them again" in found.message
    assert "these names fail" in found.message


def test_drop_object_calls_a_materialized_view_one() -> None:
    setup = ACCOUNTS + "\nCREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM accounts;" \
        "\nCREATE VIEW active AS SELECT id FROM accounts;"
    found = finding("DROP MATERIALIZED VIEW totals;\nDROP VIEW active;", "drop-object",
                    setup=setup)
    assert "drops materialized view public.totals, view public.active without" in found.message


@pytest.mark.parametrize(("setup", "sql", "rule"), [
    ("CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE people (id bigint, m mood);",
     "DROP TYPE mood;", "drop-type-in-use"),
    (ACCOUNTS + "\nCREATE VIEW emails AS SELECT email FROM accounts;",
     "ALTER TABLE accounts DROP COLUMN email;", "column-used-by-view"),
    (ACCOUNTS + "\nCREATE VIEW emails AS SELECT email FROM accounts;",
     "ALTER TABLE accounts DROP COLUMN email CASCADE;", "cascade-drops-dependents"),
    ("CREATE TABLE events (id bigint, day date);\nCREATE TABLE events_2025 () INHERITS (events);"
     "\nALTER TABLE events ADD CONSTRAINT events_day_nn NOT NULL day NO INHERIT;",
     "ALTER TABLE events ALTER CONSTRAINT events_day_nn INHERIT;", "alter-constraint-inherit"),
])
def test_a_message_about_one_object_does_not_say_they(setup: str, sql: str, rule: str) -> None:
    message = finding(sql, rule, setup=setup, pg_version=18).message
    assert not any(word in message.split() for word in ("they", "them", "them:", "use")), \
        message


EVENTS_INDEXED = """
CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX events_day ON events (day);
"""


@pytest.mark.parametrize("sql", ["REINDEX TABLE events;", "REINDEX INDEX events_day;"])
def test_reindex_of_a_partitioned_table_says_what_each_lock_line_holds(sql: str) -> None:
    """As pg_locks shows it (tests/oracle: reindex-partitioned-table, -index and
    test_reindex_of_a_partitioned_table_holds_each_partitions_indexes): SHARE on the parent
    while the partitions are listed, never its partitioned index ACCESS EXCLUSIVE; each
    partition SHARE and its indexes ACCESS EXCLUSIVE in its own transaction, one at a time."""
    from lockwise.lint import release_details
    from lockwise.report.text import _statement_lines

    migrations = [migration_from_text(EVENTS_INDEXED, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=18, assume_in_transaction=False)
    report = lint_migrations(migrations, options, Catalog())[-1]
    release_details(report)  # what the printers get
    (statement,) = report.statements
    lines = [text for text, _ in _statement_lines(statement, True) if "lock:" in text]
    parent = next(line for line in lines if "on public.events " in line)
    assert "ACCESS EXCLUSIVE on its index(es)" not in parent
    assert "one partition at a time" in parent and "while its partitions are listed" in parent
    # REINDEX INDEX holds the partitioned index itself while it lists (tests/oracle)
    assert ("index public.events_day while" in parent) == sql.startswith("REINDEX INDEX")
    for partition in ("events_2024", "events_2025"):
        line = next(line for line in lines if f"on public.{partition} " in line)
        assert "ACCESS EXCLUSIVE on its index(es) in its own turn" in line


NOT_NULL_EMAIL = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);"
RENAME_NOT_NULL = "ALTER TABLE accounts RENAME CONSTRAINT accounts_email_not_null TO email_present;"


def test_renamed_not_null_constraint_is_named_as_one_on_18() -> None:
    # PostgreSQL 18 names each NOT NULL constraint (table_column_not_null); no error message
    # names it (its violation's constraint_name is empty) and ON CONFLICT ON CONSTRAINT
    # refuses it: only later migrations and scripts that name it follow it (checked on 18.6).
    message = finding(RENAME_NOT_NULL, "rename-index-or-constraint", setup=NOT_NULL_EMAIL,
                      pg_version=18).message
    assert "NOT NULL constraint accounts_email_not_null of public.accounts.email" in message
    assert "ON CONFLICT" not in message and "error handling" not in message


def test_a_not_null_name_is_no_constraint_before_18() -> None:
    # Before 18 a NOT NULL is no constraint: a constraint of that name is one the catalog does
    # not know, of any kind.
    message = finding(RENAME_NOT_NULL, "rename-index-or-constraint", setup=NOT_NULL_EMAIL,
                      pg_version=17).message
    assert "NOT NULL" not in message and "ON CONFLICT" in message


@pytest.mark.parametrize(("pg_version", "kind", "column"), [(18, "not_null", "email"),
                                                             (17, "", "")])
def test_dropped_not_null_constraint_says_its_column(pg_version: int, kind: str,
                                                     column: str) -> None:
    # On 18 dropping it makes the column nullable, as DROP NOT NULL does (checked on 18.6).
    from effect_helpers import effect_after

    effect = effect_after(NOT_NULL_EMAIL, "ALTER TABLE accounts DROP CONSTRAINT "
                          "accounts_email_not_null;", pg_version=pg_version)
    (action,) = effect.actions
    assert (action.facts["constraint_type"], action.facts.get("column", "")) == (kind, column)


@pytest.mark.parametrize(("old", "new", "said", "column_sql"), [
    ("integer", "bigint", "integer -> bigint", "total_new bigint"),
    ("smallint", "double precision", "smallint -> double precision",
     "total_new double precision"),
    ("boolean", "text", "boolean -> text", "total_new text"),
    ("char(3)", "varchar(3)", "char(3) -> varchar(3)", "total_new varchar(3)"),
])
def test_a_type_change_names_the_types_as_users_write_them(old: str, new: str, said: str,
                                                           column_sql: str) -> None:
    """The quick start's `ALTER COLUMN total TYPE bigint` was reported as `TYPE int8 ... int4
    -> int8` and advised `ADD COLUMN total_new int8`: pg_type's names, not the migration's."""
    setup = f"CREATE TABLE orders (id bigint PRIMARY KEY, total {old});"
    found = finding(f"ALTER TABLE orders ALTER COLUMN total TYPE {new};",
                    "column-type-change-rewrites", setup=setup)
    assert f"ALTER COLUMN total TYPE {new} rewrites public.orders" in found.message
    assert said in found.message
    assert f"ADD COLUMN {column_sql};" in found.instead
    words = set(re.findall(r"[a-z0-9_]+", found.message + found.instead))
    assert not {"int2", "int4", "int8", "float8", "bool", "bpchar"} & words
