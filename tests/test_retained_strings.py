"""What a long history's catalog and conflict graph keep: each name once (fix-speed70).

The graph's forked child keeps its catalog and its object keys for the whole history; a name
decoded again from every statement's parse tree would be a new string in each table and each
key. These tests fail if a kept name is a fresh copy again.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.discover import discover
from lockwise.graph.build import graph_builder
from lockwise.parse.postgres import parse_sql

TABLE = ("CREATE TABLE {name} (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL "
         "DEFAULT now(), note text CHECK (note <> ''));")


def test_columns_of_separately_parsed_tables_share_their_names_and_types() -> None:
    catalog = Catalog()
    for i, name in enumerate(("accounts", "orders", "invoices")):
        for stmt in parse_sql(TABLE.format(name=name)).statements:  # a tree decoded each
            apply_statement(catalog, stmt.tree, f"000{i}")
    tables = [catalog.tables[f"public.{n}"] for n in ("accounts", "orders", "invoices")]
    for column in ("id", "created_at", "note"):
        kept = [t.columns[column] for t in tables]
        assert len({id(c.name) for c in kept}) == 1, column
        assert len({id(c.type_name) for c in kept}) == 1, column
        assert kept[0].name is sys.intern(column)
    assert [c.type_name for c in tables[0].columns.values()] == ["int8", "timestamptz", "text"]


def test_the_graphs_object_keys_are_kept_once(tmp_path: Path) -> None:
    sql = {"1_accounts.sql": TABLE.format(name="accounts"),
           "2_orders.sql": "CREATE TABLE orders (id int, account_id bigint REFERENCES accounts);",
           "3_index.sql": "CREATE INDEX orders_account ON orders (account_id);",
           "4_drop.sql": "DROP TABLE orders;"}
    for name, text in sql.items():
        (tmp_path / name).write_text(text + "\n")
    migrations = discover(tmp_path)
    builder = graph_builder(migrations)
    for m in migrations:
        builder.add_own(m)
    keys = [*builder.creator, *builder.created_at, *builder.users]
    assert "table:public.accounts" in builder.creator and "table:public.accounts" in builder.users
    assert all(key is sys.intern(key) for key in keys)
    graph = builder.finish()
    objects = [o for reasons in graph.edges.values() for found in reasons.values() for o in found]
    assert "table:public.accounts" in objects and "table:public.orders" in objects
    assert all(o is sys.intern(o) for o in objects)
