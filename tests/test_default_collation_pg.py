"""The collation a pattern's prefix is compared under, as lockwise knows it: a column's own
COLLATE (CREATE TABLE, ALTER COLUMN TYPE ... COLLATE), else the database's default, from the
config's `collation` or from the statistics `lockwise stats` reads of a live database. Each
checked against the plan of PostgreSQL 18 (100,000 rows, sequential scans off: the planner
reads the table whole only when no index path exists)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import psycopg
import psycopg.conninfo
import pytest
from typer.testing import CliRunner

from effect_helpers import catalog_after
from lockwise.cli.app import app
from lockwise.cost.collect import collect_stats
from lockwise.cost.stats import stats_from_dict
from lockwise.effects.collations import database_collation, in_byte_order
from lockwise.effects.context import Context
from lockwise.effects.postgres import compute_effect
from lockwise.parse.postgres import parse_sql

SETUP = ("CREATE TABLE accounts (id bigint PRIMARY KEY, email text, handle varchar(40));\n"
         "CREATE INDEX accounts_email_idx ON accounts (email);\n"
         "CREATE INDEX accounts_handle_idx ON accounts (handle);")
FILL = ("INSERT INTO accounts SELECT g, 'e' || g, 'h' || g FROM generate_series(1, 100000) g;"
        "ANALYZE accounts")

_names = itertools.count()


def _effect(setup: str, sql: str, default_collation: str | None = None) -> dict:
    """The facts of lockwise's action for `sql` after `setup`, in a database whose default
    collation is `default_collation`."""
    (stmt,) = parse_sql(sql).statements
    ctx = Context(catalog=catalog_after(setup), pg_version=18,
                  default_collation=default_collation)
    return compute_effect(stmt.tree, ctx).actions[0].facts


def _scans(uri: str, sql: str) -> bool:
    """Whether the server plans `sql` as a Seq Scan of accounts with sequential scans off."""
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {sql}"))
    return "Seq Scan on accounts" in plan


def _database(server: str, options: str) -> str:
    """A new database of `options` (CREATE DATABASE's) on `server`, accounts filled."""
    name = f"coll{next(_names)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 {options}")
    uri = psycopg.conninfo.make_conninfo(server, dbname=name)
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute(FILL)
    return uri


@pytest.mark.parametrize(("options", "read", "scans"), [
    ("", "C.UTF-8", True),  # the embedded server's default: libc C.UTF-8, not byte order
    ("LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'", "C.UTF-8", True),
    ("LC_COLLATE 'C' LC_CTYPE 'C'", "C", False),
    ("LC_COLLATE 'POSIX' LC_CTYPE 'POSIX'", "C", False),
    ("LOCALE_PROVIDER builtin LOCALE 'C'", "C", False),
    ("LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8' ENCODING 'UTF8'", "pg_c_utf8", False),
    ("LOCALE_PROVIDER builtin BUILTIN_LOCALE 'PG_UNICODE_FAST' ENCODING 'UTF8'",
     "pg_unicode_fast", False),
])
@pytest.mark.parametrize("where", ["email LIKE 'e5%'", "handle ~ '^h5'"])
def test_the_default_collation_stats_read_decides_whether_a_plain_index_serves_a_prefix(
        pg_server: str, options: str, read: str, scans: bool, where: str) -> None:
    uri = _database(pg_server, options)
    collation = collect_stats(uri).collation
    assert collation == read
    sql = f"UPDATE accounts SET id = id WHERE {where}"
    assert _scans(uri, sql) is scans
    assert _effect(SETUP, sql + ";", collation)["where_scans_table"] is scans
    # not known (no config, no statistics): taken not to be in byte order
    assert _effect(SETUP, sql + ";")["where_scans_table"] is True


@pytest.mark.parametrize(("setup", "scans"), [
    # a column's own COLLATE, as ALTER COLUMN TYPE writes it (the index is rebuilt under it)
    (f"{SETUP}\nALTER TABLE accounts ALTER COLUMN email TYPE text COLLATE \"C\";", False),
    (f"{SETUP}\nALTER TABLE accounts ALTER COLUMN email TYPE text COLLATE \"pg_c_utf8\";",
     False),
    (f"{SETUP}\nALTER TABLE accounts ALTER COLUMN email TYPE text COLLATE \"ucs_basic\";",
     False),
    (f"{SETUP}\nALTER TABLE accounts ALTER COLUMN email TYPE text COLLATE \"C.utf8\";", True),
    # a type change that writes none gives the column its type's default collation again
    (SETUP.replace("email text", "email text COLLATE \"C\"") +
     "\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(80);", True),
    (SETUP.replace("email text", "email text COLLATE \"POSIX\""), False),
])
def test_a_columns_collation_decides_whether_a_plain_index_serves_a_prefix(
        pg_db: str, setup: str, scans: bool) -> None:
    sql = "UPDATE accounts SET id = id WHERE email LIKE 'e5%'"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        conn.execute(FILL)
    assert _scans(pg_db, sql) is scans
    assert _effect(setup, sql + ";")["where_scans_table"] is scans


NO_KEY = ("CREATE TABLE accounts (email text, handle varchar(40));\n"
          "CREATE INDEX accounts_id_idx ON accounts (handle text_pattern_ops);")


@pytest.mark.parametrize(("collation", "element"), [
    (None, "email text_pattern_ops"),
    ("en_US.UTF-8", "email text_pattern_ops"),
    ("C.UTF-8", "email text_pattern_ops"),
    ("C", "email"),
    ("pg_c_utf8", "email"),
])
def test_the_advised_index_is_plain_under_a_default_collation_in_byte_order(
        collation: str | None, element: str) -> None:
    # (no integer key to batch by, and before 14 no row address ranges: an index is advised)
    (stmt,) = parse_sql("DELETE FROM accounts WHERE email LIKE 'old%';").statements
    ctx = Context(catalog=catalog_after(NO_KEY), pg_version=13, default_collation=collation)
    facts = compute_effect(stmt.tree, ctx).actions[0].facts
    assert facts["where_scans_table"] is True
    assert str(facts["where_batch_sql"]) == \
        f"CREATE INDEX CONCURRENTLY ON public.accounts ({element});  " \
        "-- own migration, outside a transaction"


@pytest.mark.parametrize(("row", "name", "bytewise"), [
    ({"datlocprovider": "c", "datcollate": "en_US.UTF-8", "datlocale": None}, "en_US.UTF-8",
     False),
    ({"datlocprovider": "b", "datcollate": "C.UTF-8", "datlocale": "C.UTF-8"}, "pg_c_utf8",
     True),
    # an ICU database's LC_COLLATE does not order its strings
    ({"datlocprovider": "i", "datcollate": "C", "datlocale": "und"}, "und-x-icu", False),
    ({"datlocprovider": "i", "datcollate": "C", "daticulocale": "en-US"}, "en-US-x-icu",
     False),
    ({"datcollate": "C"}, "C", True),  # before 15: libc alone
])
def test_the_database_row_names_its_default_collation(row: dict, name: str,
                                                      bytewise: bool) -> None:
    assert database_collation(row) == name
    assert in_byte_order(None, name) is bytewise


def _lint(tmp_path: Path, *args: str, config: str = "") -> list[str]:
    migration = tmp_path / "0002_purge.sql"
    (tmp_path / "0001_accounts.sql").write_text(SETUP + "\n")
    migration.write_text("DELETE FROM accounts WHERE email LIKE 'old%';\n")
    (tmp_path / "lockwise.toml").write_text(config)
    result = CliRunner().invoke(app, ["lint", str(tmp_path), "--no-cache", "--format", "json",
                                      "--config", str(tmp_path / "lockwise.toml"), *args])
    doc = json.loads(result.output)
    return [f["rule"] for m in doc["migrations"] for s in m["statements"]
            for f in s["findings"] if f["rule"] == "where-without-index"]


def test_the_configs_collation_is_the_databases_default(tmp_path: Path) -> None:
    assert _lint(tmp_path) == ["where-without-index"]
    assert _lint(tmp_path, config='collation = "en_US.UTF-8"\n') == ["where-without-index"]
    assert _lint(tmp_path, config='collation = "C"\n') == []


def test_the_statistics_collation_is_the_databases_default_unless_the_config_says(
        tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    stats.write_text(json.dumps({"format": "lockwise-stats", "version": 1, "collation": "C",
                                 "tables": {}}))
    assert _lint(tmp_path, "--stats", str(stats)) == []
    assert _lint(tmp_path, "--stats", str(stats), config='collation = "C.UTF-8"\n') == \
        ["where-without-index"]
    stats.write_text(json.dumps({"format": "lockwise-stats", "version": 1,
                                 "collation": "C.UTF-8", "tables": {}}))
    assert _lint(tmp_path, "--stats", str(stats)) == ["where-without-index"]


def test_a_stats_file_keeps_the_collation_it_was_given() -> None:
    doc = {"format": "lockwise-stats", "version": 1, "collation": "pg_c_utf8", "tables": {}}
    assert stats_from_dict(doc).to_dict()["collation"] == "pg_c_utf8"
    assert "collation" not in stats_from_dict({"tables": {}}).to_dict()


@pytest.mark.parametrize("value", ["5", "''", "true"])
def test_a_collation_that_names_none_is_refused_at_its_key(tmp_path: Path, value: str) -> None:
    (tmp_path / "0001.sql").write_text("SELECT 1;\n")
    (tmp_path / "lockwise.toml").write_text(f"collation = {value}\n")
    result = CliRunner().invoke(app, ["lint", str(tmp_path), "--no-cache",
                                      "--config", str(tmp_path / "lockwise.toml")])
    assert result.exit_code == 2, result.output
    assert "collation" in result.output and "lockwise.toml" in result.output


def test_why_no_index_serves_a_prefix_names_the_databases_default_collation() -> None:
    facts = _effect(SETUP, "UPDATE accounts SET id = id WHERE email LIKE 'e5%';")
    assert facts["where_scans_table"] is True
    said = str(facts["where_unserved_text"])
    assert "COLLATE \"C\", text_pattern_ops, or a database whose default collation is C" in said
    assert "`collation` in the config, or read by `lockwise stats`" in said
