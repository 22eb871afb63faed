"""ALTER COLUMN ... TYPE ... USING on a column with a DEFAULT (fix-precision48): USING
converts the values only, the DEFAULT is converted by assignment, and without such a cast
from the old type the server stops (42804, "default for column ... cannot be cast
automatically"). buster's down of `add_dataset_groups_adjust_teams_adjust_permissions` swaps
an enum back so, and fails under `lockwise verify`. lockwise tells the statement refused
(`refused_default_cast`), and `column-type-change-default-not-castable` says how to run it."""

from __future__ import annotations

import psycopg
import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import statement_refusal

#: (setup, the type change, whether the DEFAULT stops it)
CASES = [
    ("CREATE TYPE r AS ENUM ('owner', 'member');\n"
     "CREATE TABLE t (id int, role r NOT NULL DEFAULT 'member');\n"
     "ALTER TYPE r RENAME TO r_old;\nCREATE TYPE r AS ENUM ('manager', 'member');",
     "ALTER TABLE t ALTER COLUMN role TYPE r USING role::text::r", True),
    ("CREATE TYPE r AS ENUM ('owner', 'member');\n"
     "CREATE TABLE t (id int, role r NOT NULL DEFAULT 'member');\n"
     "ALTER TYPE r RENAME TO r_old;\nCREATE TYPE r AS ENUM ('manager', 'member');\n"
     "ALTER TABLE t ALTER COLUMN role DROP DEFAULT;",
     "ALTER TABLE t ALTER COLUMN role TYPE r USING role::text::r", False),
    ("CREATE TYPE r AS ENUM ('owner', 'member');\nCREATE TABLE t (id int, role r);\n"
     "ALTER TYPE r RENAME TO r_old;\nCREATE TYPE r AS ENUM ('manager', 'member');",
     "ALTER TABLE t ALTER COLUMN role TYPE r USING role::text::r", False),
    ("CREATE TABLE t (id int, e text DEFAULT md5('x'));",
     "ALTER TABLE t ALTER COLUMN e TYPE uuid USING e::uuid", True),
    ("CREATE TABLE t (id int, e text DEFAULT '0');",
     "ALTER TABLE t ALTER COLUMN e TYPE integer USING e::integer", True),
    ("CREATE TABLE t (id int, e text DEFAULT '[]');",
     "ALTER TABLE t ALTER COLUMN e TYPE jsonb USING e::jsonb", True),
    ("CREATE TABLE t (id int, e int DEFAULT 0);",
     "ALTER TABLE t ALTER COLUMN e TYPE bigint USING e + 1", False),
    ("CREATE TABLE t (id int, e int DEFAULT 0);",
     "ALTER TABLE t ALTER COLUMN e TYPE text USING e::text", False),
]


@pytest.mark.parametrize(("setup", "sql", "refused"), CASES)
def test_a_default_without_an_assignment_cast_refuses_the_change(
        setup: str, sql: str, refused: bool) -> None:
    effect = effect_after(setup, sql + ";")
    (action,) = (a for a in effect.actions if a.kind == "alter_column_type")
    assert action.facts["refused_default_cast"] is refused
    assert (statement_refusal(effect) == "refused_default_cast") is refused
    if refused:
        assert not effect.rewrites  # refused: nothing is rewritten


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "sql", "refused"), CASES)
def test_the_server_agrees(pg_db: str, setup: str, sql: str, refused: bool) -> None:
    with psycopg.connect(pg_db) as conn:
        conn.execute(setup)
        if refused:
            with pytest.raises(psycopg.Error) as caught:
                conn.execute(sql)
            assert caught.value.sqlstate == "42804"
            assert "cannot be cast automatically" in str(caught.value)
        else:
            conn.execute(sql)
        conn.rollback()
