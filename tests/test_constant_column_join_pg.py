"""An UPDATE ... FROM joined on a column of its own table that the same migration just added
with a constant default: every row holds that one value, so the join matches every row or
none (hyperswitch's `2023-01-20-113235_add_attempt_id_to_payment_intent`). Checked on the
embedded server; lint says so, as a likely mistake (fix-precision41)."""

from __future__ import annotations

from typing import Any

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE intents (id bigint PRIMARY KEY, payment_id text);\n"
         "CREATE TABLE attempts (attempt_id text, payment_id text);\n")
ADD = "ALTER TABLE intents ADD COLUMN active_attempt_id text NOT NULL DEFAULT 'xxx';\n"
JOIN = ("UPDATE intents SET active_attempt_id = attempts.attempt_id FROM attempts "
        "WHERE intents.active_attempt_id = attempts.payment_id;")


#: ADD COLUMN ... DEFAULT 'xxx' in a DO block: plain, IF NOT EXISTS, and under a guard the
#: catalog answers (the table's schema named: no table of its name elsewhere matters).
_ADD_IN_BLOCK = "DO $$ BEGIN {} END $$;\n".format
_GUARD = ("IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
          "'public' AND table_name = 'intents' AND column_name = 'active_attempt_id') THEN {} "
          "END IF;").format
_DO_BLOCK_ADDS = [
    _ADD_IN_BLOCK(ADD.strip()),
    _ADD_IN_BLOCK(ADD.strip().replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS")),
    _ADD_IN_BLOCK(_GUARD(ADD.strip())),
]


def _findings(sql: str, setup: str = SETUP) -> list[tuple[str, str]]:
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(pg_version=18), Catalog())
    return [(f.rule, f.message) for f in reports[-1].all_findings
            if f.rule == "unbatched-backfill"]


def _values_after(conn: Any, setup: str, add: str, attempts: int) -> int:
    """The count of distinct active_attempt_id of 1,000 intents (their payment_id also in
    active_attempt_id when `setup` has that column) after `add`, beside `attempts` attempts
    of the first payments."""
    copied = ", 'p' || g" if "active_attempt_id text)" in setup else ""
    conn.execute(setup + f"INSERT INTO intents SELECT g, 'p' || g{copied} FROM "
                 "generate_series(1, 1000) g; INSERT INTO attempts SELECT 'a' || g, 'p' || g "
                 f"FROM generate_series(1, {attempts}) g;")
    conn.execute(add)
    return conn.execute("SELECT count(DISTINCT active_attempt_id) FROM intents").fetchone()[0]


@pytest.mark.postgres
@pytest.mark.parametrize("add", [ADD, *_DO_BLOCK_ADDS])
def test_a_join_on_a_just_added_constant_column_updates_every_row_or_none(
        pg_db: str, add: str) -> None:
    """Every row holds the default, so the join updates none or all of them (checked on 18.6):
    the plain ADD COLUMN, and a DO block's where it runs whenever the block does
    (fix-precision43)."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        assert _values_after(conn, SETUP, add, 1000) == 1
        updated = []
        for extra in ("", "INSERT INTO attempts VALUES ('a0', 'xxx')"):
            if extra:
                conn.execute(extra)
            with conn.transaction():
                updated.append(conn.execute(JOIN).rowcount)
                raise psycopg.Rollback()
        assert updated == [0, 1000]
    [(_, message)] = _findings(add + JOIN)
    assert "every row or none" in message and "intents.active_attempt_id" in message


def test_a_join_on_a_column_written_since_or_of_another_migration_is_no_constant() -> None:
    for sql in (ADD + "UPDATE intents SET active_attempt_id = payment_id;\n" + JOIN,
                JOIN.replace("active_attempt_id = attempts", "payment_id = attempts"),
                ADD.replace("'xxx'", "gen_random_uuid()::text") + JOIN):
        found = _findings(sql)
        assert found and all("every row or none" not in m for _, m in found), sql
    # In a migration of its own, code deployed in between may have written the column.
    assert all("every row or none" not in m for _, m in _findings(JOIN))


def test_a_join_that_also_matches_another_column_of_the_table_is_no_constant() -> None:
    sql = ADD + JOIN.replace(";", " AND intents.payment_id = attempts.payment_id;")
    assert all("every row or none" not in m for _, m in _findings(sql))



@pytest.mark.postgres
def test_a_do_blocks_add_column_if_not_exists_of_a_column_there_keeps_its_values(
        pg_db: str) -> None:
    """IF NOT EXISTS finds the column there (checked on 18.6: it keeps its 1,000 values, and
    the join updates the rows that match): no constant."""
    import psycopg

    setup = SETUP.replace("payment_id text);", "payment_id text, active_attempt_id text);", 1)
    add = _DO_BLOCK_ADDS[1]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        assert _values_after(conn, setup, add, 10) == 1000
        assert conn.execute(JOIN).rowcount == 10
    assert all("every row or none" not in m for _, m in _findings(add + JOIN, setup))


@pytest.mark.parametrize("add", [
    # an IF the catalog does not decide (the table's name may be another schema's too)
    _ADD_IN_BLOCK(_GUARD(ADD.strip()).replace("table_schema = 'public' AND ", "")),
    _ADD_IN_BLOCK(f"IF random() > 0.5 THEN {ADD.strip()} END IF;"),
    # a block with an EXCEPTION clause undoes its statements when it catches an error
    _ADD_IN_BLOCK(f"{ADD.strip()} EXCEPTION WHEN duplicate_column THEN NULL;"),
    # written since, in the block, by dynamic SQL, or by a later block
    _ADD_IN_BLOCK(f"{ADD.strip()} UPDATE intents SET active_attempt_id = payment_id;"),
    _ADD_IN_BLOCK(f"{ADD.strip()} EXECUTE 'UPDATE intents SET active_attempt_id = "
                  "payment_id';"),
    _ADD_IN_BLOCK(ADD.strip()) + _ADD_IN_BLOCK(
        "UPDATE intents SET active_attempt_id = payment_id;"),
    ADD + _ADD_IN_BLOCK("UPDATE intents SET active_attempt_id = payment_id;"),
    # a volatile default, a column without one
    _ADD_IN_BLOCK(ADD.strip().replace("'xxx'", "gen_random_uuid()::text")),
    _ADD_IN_BLOCK(ADD.strip().replace(" NOT NULL DEFAULT 'xxx'", "")),
])
def test_a_do_blocks_column_not_sure_to_be_constant_is_no_constant(add: str) -> None:
    found = _findings(add + JOIN)
    assert found and all("every row or none" not in m for _, m in found), add


def test_a_block_that_writes_no_table_keeps_the_constant_columns_before_it() -> None:
    found = _findings(ADD + _ADD_IN_BLOCK("PERFORM 1;") + JOIN)
    assert any("every row or none" in m for _, m in found)


def test_the_join_in_the_block_that_added_the_column_updates_every_row_or_none() -> None:
    found = _findings(_ADD_IN_BLOCK(ADD.strip() + " " + JOIN))
    assert any("every row or none" in m for _, m in found), found
