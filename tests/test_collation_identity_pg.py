"""Which collation an index key and a condition are matched by: "default" (none written, or
COLLATE "default") is a collation of its own to the planner, never the same as "C" or
"POSIX", even in a database whose default collation is C; the prefix of a pattern is
compared under the index key's collation, whatever collation the pattern is under. Each
case checked against the plan of PostgreSQL 18 (100,000 rows, sequential scans off)."""

from __future__ import annotations

import itertools

import psycopg
import psycopg.conninfo
import pytest

from effect_helpers import catalog_after
from lockwise.effects.context import Context
from lockwise.effects.postgres import compute_effect
from lockwise.parse.postgres import parse_sql

TABLES = {
    "plain column, plain index":
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
        "CREATE INDEX ON accounts (email);",
    "column of C, plain index":
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text COLLATE \"C\");\n"
        "CREATE INDEX ON accounts (email);",
    "plain column, index of C":
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
        "CREATE INDEX ON accounts (email COLLATE \"C\");",
    "column of C, index of default":
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text COLLATE \"C\");\n"
        "CREATE INDEX ON accounts (email COLLATE \"default\");",
    "plain column, index of POSIX":
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
        "CREATE INDEX ON accounts (email COLLATE \"POSIX\");",
}
WHERES = ("email = 'e5'", "email LIKE 'e5%'", "email ~ '^e5'", "email < 'e5'",
          "email COLLATE \"C\" = 'e5'", "email COLLATE \"C\" LIKE 'e5%'",
          "email COLLATE \"C\" < 'e5'", "email = 'e5' COLLATE \"C\"",
          "email COLLATE \"default\" = 'e5'", "email COLLATE \"default\" LIKE 'e5%'",
          "email COLLATE \"POSIX\" LIKE 'e5%'",
          # no wildcard: an equality the planner makes under the index key's collation
          "email LIKE 'e5'", "email COLLATE \"C\" LIKE 'e5'")
#: CREATE DATABASE's options, and the default collation lockwise is told.
DATABASES = {"C": "LC_COLLATE 'C' LC_CTYPE 'C'", "C.UTF-8": ""}

_names = itertools.count()


def _served(setup: str, default: str) -> dict[str, bool]:
    """Per WHERE, whether lockwise finds an index that serves it."""
    catalog = catalog_after(setup)
    served = {}
    for where in WHERES:
        (stmt,) = parse_sql(f"UPDATE accounts SET id = id WHERE {where};").statements
        ctx = Context(catalog=catalog, pg_version=18, default_collation=default)
        served[where] = not compute_effect(stmt.tree, ctx).actions[0].facts["where_scans_table"]
    return served


def _planned(server: str, options: str, setup: str) -> dict[str, bool]:
    """Per WHERE, whether the server plans it with an index in a new database of
    `options` holding the table of `setup` (sequential scans off)."""
    name = f"ident{next(_names)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 {options}")
    with psycopg.connect(psycopg.conninfo.make_conninfo(server, dbname=name),
                         autocommit=True) as conn:
        conn.execute(setup)
        conn.execute("INSERT INTO accounts SELECT g, 'e' || g "
                     "FROM generate_series(1, 100000) g; ANALYZE accounts")
        conn.execute("SET enable_seqscan = off")
        return {where: "Seq Scan on accounts" not in "\n".join(
            row[0] for row in conn.execute(f"EXPLAIN UPDATE accounts SET id = id WHERE {where}"))
            for where in WHERES}


@pytest.mark.parametrize("default", sorted(DATABASES))
@pytest.mark.parametrize("table", sorted(TABLES))
def test_an_index_serves_a_condition_as_the_server_matches_their_collations(
        pg_server: str, default: str, table: str) -> None:
    setup = TABLES[table]
    assert _served(setup, default) == _planned(pg_server, DATABASES[default], setup)


def test_default_and_c_differ_in_a_database_whose_default_is_c() -> None:
    # (checked on the server above: the plain index is of "default", the comparison of "C")
    served = _served(TABLES["plain column, plain index"], "C")
    assert served["email = 'e5'"] and not served["email COLLATE \"C\" = 'e5'"]
    served = _served(TABLES["column of C, plain index"], "C")
    assert served["email = 'e5'"] and not served["email COLLATE \"default\" = 'e5'"]
