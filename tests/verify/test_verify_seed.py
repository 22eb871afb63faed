"""--seed: synthetic rows that respect types, NOT NULL, uniqueness and foreign keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from verify_helpers import FIXTURES, write_migrations

from lockwise.verify.run import REVERSIBLE
from lockwise.verify.seed import seed_tables


def test_seed_respects_constraints(pg_conn) -> None:
    pg_conn.execute("""
        CREATE TYPE color AS ENUM ('red', 'green');
        CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
        CREATE TABLE parent (id serial PRIMARY KEY, code varchar(3) UNIQUE NOT NULL,
                             c color NOT NULL, amount numeric(4, 2), at timestamptz NOT NULL,
                             tags text[] NOT NULL, doc jsonb, flag boolean NOT NULL,
                             u uuid UNIQUE, ip inet, n posint);
        CREATE TABLE child (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                            parent_id int NOT NULL REFERENCES parent, note text,
                            small smallint NOT NULL, d date, big bigint UNIQUE);
        CREATE TABLE orphan (id int PRIMARY KEY, ref int NOT NULL REFERENCES child (big));
    """)
    pg_conn.execute("DELETE FROM child")
    seeded, notes = seed_tables(pg_conn, ["public.child", "public.parent"], 25)
    assert seeded == {"public.parent": 25, "public.child": 25}
    assert notes == []
    assert pg_conn.execute("SELECT count(DISTINCT code), count(DISTINCT u), "
                           "count(*) FILTER (WHERE amount >= 100) FROM parent").fetchone() \
        == (25, 25, 0)
    # Every child points at an existing parent (the FK held during the insert).
    assert pg_conn.execute("SELECT count(*) FROM child JOIN parent ON parent.id = "
                           "child.parent_id").fetchone()[0] == 25


def test_seed_reports_what_it_cannot_fill(pg_conn) -> None:
    pg_conn.execute("""
        CREATE TABLE p (id int PRIMARY KEY);
        CREATE TABLE c (id int PRIMARY KEY, p_id int NOT NULL REFERENCES p);
        CREATE TABLE picky (id int PRIMARY KEY CHECK (id > 1000));
    """)
    seeded, notes = seed_tables(pg_conn, ["public.c", "public.picky"], 5)
    assert seeded == {}
    assert notes == [
        "could not seed public.c: a NOT NULL foreign key references an empty table",
        'could not seed public.picky: new row for relation "picky" violates check constraint '
        '"picky_id_check"',
    ]


def test_verify_with_seed_runs_later_migrations_on_data(run_verify) -> None:
    result = run_verify(FIXTURES / "migrations", seed=30)
    assert {r.migration.id: r.seeded for r in result.results if r.seeded} == {
        "0001_create_accounts": {"public.accounts": 30},
        "0002_create_orders": {"public.orders": 30},
    }
    assert not result.failed
    assert [d for r in result.results for _, d in r.disagreements] == []


@pytest.mark.parametrize("seed, down_status", [(0, REVERSIBLE), (3, "down-failed")])
def test_seed_can_make_a_down_fail_on_data(tmp_path: Path, run_verify, seed: int,
                                           down_status: str) -> None:
    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int PRIMARY KEY, legacy int NOT NULL);", "DROP TABLE t;"),
        ("drop", "ALTER TABLE t DROP COLUMN legacy;",
         "ALTER TABLE t ADD COLUMN legacy int NOT NULL;"),
    ])
    result = run_verify(root, seed=seed)
    assert [r.status for r in result.results] == [REVERSIBLE, down_status]
    if seed:
        assert result.results[1].failure.message == \
            'column "legacy" of relation "t" contains null values'
