"""An alternative that prints the statement's own ADD COLUMN again keeps its IF NOT EXISTS:
a migration written to be re-runnable stays re-runnable once the advice is taken."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

ACCOUNTS = "CREATE TABLE accounts (id bigint PRIMARY KEY);\nINSERT INTO accounts VALUES (1);"


def instead(sql: str, rule: str) -> str:
    migrations = [migration_from_text(ACCOUNTS, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=17, assume_in_transaction=True)
    found = lint_migrations(migrations, options, Catalog())[-1].all_findings
    return next(f for f in found if f.rule == rule).instead


@pytest.mark.parametrize(("sql", "rule", "kept"), [
    ("ALTER TABLE accounts ADD COLUMN IF NOT EXISTS plan int NOT NULL;",
     "add-column-not-null-without-default", "ADD COLUMN IF NOT EXISTS plan integer NOT NULL"),
    ("ALTER TABLE accounts ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();",
     "add-column-volatile-default", "ADD COLUMN IF NOT EXISTS token uuid;"),
    ("ALTER TABLE accounts ADD COLUMN IF NOT EXISTS total bigint GENERATED ALWAYS AS (id * 2) "
     "STORED;", "add-column-volatile-default", "ADD COLUMN IF NOT EXISTS total bigint;"),
    ("ALTER TABLE accounts ADD COLUMN IF NOT EXISTS handle text NOT NULL UNIQUE;",
     "add-column-with-constraint", "ADD COLUMN IF NOT EXISTS handle text;"),
])
def test_the_advice_keeps_if_not_exists(sql: str, rule: str, kept: str) -> None:
    assert kept in instead(sql, rule)


@pytest.mark.parametrize(("sql", "rule", "plain"), [
    ("ALTER TABLE accounts ADD COLUMN plan int NOT NULL;",
     "add-column-not-null-without-default", "ADD COLUMN plan integer NOT NULL"),
    ("ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();",
     "add-column-volatile-default", "ADD COLUMN token uuid;"),
])
def test_the_advice_adds_no_if_not_exists_of_its_own(sql: str, rule: str, plain: str) -> None:
    assert plain in instead(sql, rule)
