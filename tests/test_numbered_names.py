"""A name PostgreSQL generates that is taken already is numbered (`t_c_check1`, `t_c_idx1`,
`t_c_check2` when `t_c_check1` is taken too, past a name another table's constraint holds,
cut to 63 bytes with its number): where an alternative writes out a name PostgreSQL would
generate, it is the numbered one the catalog predicts, so the alternative runs and ends where
the statement does (checked on 18.6)."""

from __future__ import annotations

import dataclasses

import pytest

from lockwise.parse.postgres import parse_sql
from lockwise.rules.loader import load_rules
from pg_dropper import NewDatabase
from test_alternatives import alternative
from test_alternatives_run import _by_statement, _run_both
from test_rule_examples import findings_for

LONG_TABLE, LONG_COLUMN = "a" * 63, "b" * 40
PARTITIONED = ("CREATE TABLE events (id bigint NOT NULL, kind varchar(20)) "
               "PARTITION BY LIST (id);\n"
               "CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);\n"
               "INSERT INTO events VALUES (1, 'a'), (1, 'b');\n")


@pytest.mark.postgres
@pytest.mark.parametrize(("rule", "setup", "sql"), [
    # t_c_check and t_c_check1 taken: PostgreSQL names the CHECK t_c_check2
    ("add-check-validated",
     "CREATE TABLE t (id bigint, c int CONSTRAINT t_c_check CHECK (c > 0) "
     "CONSTRAINT t_c_check1 CHECK (c < 1000));\nINSERT INTO t VALUES (1, 5);",
     "ALTER TABLE t ADD CHECK (c < 100);"),
    # cut to 63 bytes with its number: the longer name gives up a byte more
    ("add-check-validated",
     f"CREATE TABLE {LONG_TABLE} ({LONG_COLUMN} int CHECK ({LONG_COLUMN} > 0));",
     f"ALTER TABLE {LONG_TABLE} ADD CHECK ({LONG_COLUMN} < 10);"),
    ("index-without-concurrently",
     "CREATE TABLE t (id bigint, c int);\nCREATE INDEX t_c_idx ON t (c);\n"
     "CREATE INDEX t_c_idx1 ON t (id);",
     "CREATE INDEX ON t (c);"),
    ("add-unique-constraint",
     "CREATE TABLE t (id bigint, c int);\nCREATE TABLE t_c_key (id bigint);",
     "ALTER TABLE t ADD UNIQUE (c);"),
    # a partition's part of the key is named after the partition: numbered where a relation
    # of the schema has the name ...
    ("unique-constraint-on-partitioned-table",
     f"{PARTITIONED}CREATE TABLE events_1_id_kind_key ();",
     "ALTER TABLE events ADD UNIQUE (id, kind);"),
    # ... or a constraint of the partition
    ("unique-constraint-on-partitioned-table",
     f"{PARTITIONED}ALTER TABLE events_1 ADD CONSTRAINT events_1_pkey CHECK (id > 0);",
     "ALTER TABLE events ADD PRIMARY KEY (id, kind);"),
    # a partition's part of an index is named after the partition and the columns, whatever
    # the parent's index is called, and numbered while a relation of the schema has the name
    ("index-on-partitioned-table",
     f"{PARTITIONED}CREATE INDEX events_1_kind_idx ON events_1 (id);",
     "CREATE INDEX ON events (kind);"),
    ("index-on-partitioned-table", PARTITIONED, "CREATE INDEX events_by_kind ON events (kind);"),
])
@pytest.mark.parametrize("pg_version", [16, 18])
def test_a_taken_generated_name_is_numbered_as_the_server_numbers_it(
        rule: str, setup: str, sql: str, pg_version: int, pg_databases: NewDatabase) -> None:
    from lockwise.verify.snapshot import diff_snapshots

    known = next(r for r in load_rules() if r.id == rule)
    example = dataclasses.replace(next(e for e in known.examples if e.bad), sql=sql,
                                  setup=setup, pg_version=pg_version, in_transaction=None,
                                  layout=None, stats=None)
    found = _by_statement([f for f in findings_for(example, known)
                           if f.rule == rule and f.statement_index is not None])
    assert found, sql
    case = f"numbered{pg_version}_{abs(hash((setup, sql))) % 10**8}"
    statements = [s.sql for s in parse_sql(sql).statements]
    before, after, rewritten = _run_both(pg_databases, case, setup, statements, found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


def _server_named(pg_db: str, setup: str, sql: str, which: str) -> str:
    """The name of the one constraint `which` (a condition on pg_constraint) that `sql`,
    run after `setup`, gives on the server."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        conn.execute(sql)
        (named,) = conn.execute(f"SELECT conname FROM pg_constraint WHERE {which}").fetchone()
    return named


@pytest.mark.postgres
@pytest.mark.parametrize(("rule", "setup", "sql", "which", "expected", "added"), [
    # A constraint of the schema (a table's CHECK) holds `amount_not_null`: the domain's NOT
    # NULL is `amount_not_null1`, and so is the CHECK the alternative adds.
    ("alter-domain-add-constraint",
     "CREATE DOMAIN amount AS numeric;\n"
     "CREATE TABLE x (a int CONSTRAINT amount_not_null CHECK (a > 0));",
     "ALTER DOMAIN amount SET NOT NULL;", "contypid = 'amount'::regtype", "amount_not_null1",
     "CHECK (VALUE IS NOT NULL) NOT VALID"),
    # Another domain's NOT NULL holds `amount_not_null` (domains' NOT NULL constraints are
    # named in pg_constraint too): likewise.
    ("alter-domain-add-constraint",
     "CREATE DOMAIN amount AS numeric;\n"
     "CREATE DOMAIN other AS int CONSTRAINT amount_not_null NOT NULL;",
     "ALTER DOMAIN amount SET NOT NULL;", "contypid = 'amount'::regtype", "amount_not_null1",
     "CHECK (VALUE IS NOT NULL) NOT VALID"),
    # A domain's NOT NULL holds `t_c_not_null` (domain t_c): the table's is `t_c_not_null1`.
    ("set-not-null",
     "CREATE DOMAIN t_c AS int NOT NULL;\nCREATE TABLE t (id bigint, c int);",
     "ALTER TABLE t ALTER COLUMN c SET NOT NULL;",
     "conrelid = 't'::regclass AND contype = 'n'", "t_c_not_null1", "NOT NULL c NOT VALID"),
    # Another table's CHECK holds `t_c_not_null`: the NOT NULL that SET NOT NULL adds is
    # `t_c_not_null1` (ChooseConstraintName looks at the whole schema), and so is the one the
    # alternative adds NOT VALID (an explicit name is only refused on its own table).
    ("set-not-null",
     "CREATE TABLE u (x int CONSTRAINT t_c_not_null CHECK (x > 0));\n"
     "CREATE TABLE t (id bigint, c int);",
     "ALTER TABLE t ALTER COLUMN c SET NOT NULL;",
     "conrelid = 't'::regclass AND contype = 'n'", "t_c_not_null1", "NOT NULL c NOT VALID"),
])
def test_a_not_null_is_named_as_the_server_numbers_it_past_the_schemas_constraints(
        rule: str, setup: str, sql: str, which: str, expected: str, added: str,
        pg_db: str) -> None:
    """Checked on 18.6: the NOT NULL is named past a constraint another object of the schema
    has, and the alternative writes that name."""
    named = _server_named(pg_db, setup, sql, which)
    assert named == expected
    text = alternative(sql, rule, setup=setup, pg_version=18)
    assert f"ADD CONSTRAINT {named} {added}" in text, text


@pytest.mark.postgres
@pytest.mark.parametrize("holder", [
    # a table renamed away keeps its NOT NULL `events_2025_day_not_null` (checked on 18.6)
    "CREATE TABLE events_2025 (day date NOT NULL);\n"
    "ALTER TABLE events_2025 RENAME TO events_2024;\n"
    "CREATE TABLE events_2025 () INHERITS (events);\n",
    # the child's own CHECK holds it: the name written as it was, the server refuses it
    "CREATE TABLE events_2025 (CONSTRAINT events_2025_day_not_null CHECK (day > '2025-01-01'))"
    " INHERITS (events);\n",
])
def test_a_childs_own_not_null_is_named_as_the_server_names_a_new_one(
        holder: str, pg_db: str) -> None:
    """Checked on 18.6: alter-constraint-inherit's alternative gives each child a NOT NULL
    constraint of its own, added NOT VALID under the name SET NOT NULL would give it there,
    numbered past a constraint of the schema that holds `child_column_not_null`."""
    setup = ("CREATE TABLE events (id bigint, day date);\n" + holder +
             "ALTER TABLE events ADD CONSTRAINT events_day_nn NOT NULL day NO INHERIT;")
    named = _server_named(pg_db, setup, "ALTER TABLE events_2025 ALTER COLUMN day SET NOT NULL",
                          "conrelid = 'events_2025'::regclass AND contype = 'n'")
    assert named == "events_2025_day_not_null1"
    text = alternative("ALTER TABLE events ALTER CONSTRAINT events_day_nn INHERIT;",
                       "alter-constraint-inherit", setup=setup, pg_version=18)
    assert f"ADD CONSTRAINT {named} NOT NULL day NOT VALID" in text, text
