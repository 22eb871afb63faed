"""A partitioned table's foreign key before PostgreSQL 18, added NOT VALID to each leaf
partition: what lint and fix say when the partitions are not known, and a leaf that already
has a constraint under the key's name (the key takes the name its clone would there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from test_alternatives import alternative

ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
#: A partitioned table whose partitions the migrations do not create (a partition manager
#: makes them): lockwise knows none.
NO_PARTITIONS = ORDERS + "CREATE TABLE lines (id bigint, order_id bigint, day date) " \
                         "PARTITION BY RANGE (day);\n"
KEY = "ALTER TABLE lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) " \
      "REFERENCES orders (id);"


def _fix_notes(tmp_path: Path, setup: str, change: str) -> str:
    root = tmp_path / "m"
    root.mkdir()
    (root / "0001_init.up.sql").write_text(setup)
    (root / "0002_key.up.sql").write_text(change + "\n")
    result = CliRunner().invoke(app, ["fix", str(root), "--pg-version", "17"])
    assert result.exit_code in (0, 1), result.output
    return result.stderr


def test_lint_and_fix_agree_when_no_partition_is_known(tmp_path: Path) -> None:
    """PostgreSQL 17 refuses NOT VALID on the partitioned table itself: lint must not offer
    it, but the steps fix would write, with a stand-in for the partitions, and fix's reason
    for leaving the statement as it is."""
    text = alternative(KEY, "add-foreign-key-validated", setup=NO_PARTITIONS, pg_version=17)
    code = [line for line in text.splitlines() if not line.startswith("--")]
    assert not any(line.startswith("ALTER TABLE lines ") and "NOT VALID" in line
                   for line in code), text
    assert code[-1] == KEY, text  # the table's key as written comes last
    assert any("NOT VALID" in line for line in code), text  # on each partition
    assert any("VALIDATE CONSTRAINT lines_order_fk" in line for line in code), text
    notes = _fix_notes(tmp_path, NO_PARTITIONS, KEY)
    reason = next(line for line in notes.splitlines() if "not rewritten: line 1:" in line)
    assert reason.split("not rewritten: line 1: ", 1)[1] in " ".join(
        line.removeprefix("-- ") for line in text.splitlines()), (reason, text)


#: A partitioned table of two known partitions, and the row its keys reference.
TWO_PARTITIONS = ORDERS + (
    "INSERT INTO orders VALUES (1);\n"
    "CREATE TABLE lines (id bigint, order_id bigint, day date) PARTITION BY RANGE (day);\n"
    "CREATE TABLE lines_2026 PARTITION OF lines FOR VALUES FROM ('2026-01-01') TO "
    "('2027-01-01');\n"
    "CREATE TABLE lines_2027 PARTITION OF lines FOR VALUES FROM ('2027-01-01') TO "
    "('2028-01-01');\n")
#: Partitions known, one of which already has a constraint under the key's name.
NAME_TAKEN = TWO_PARTITIONS + (
    "ALTER TABLE lines_2026 ADD CONSTRAINT lines_order_fk CHECK (id > 0);\n"
    "INSERT INTO lines VALUES (1, 1, '2026-02-01'), (2, 1, '2027-02-01');\n")


def _stated(sql: str, setup: str) -> str:
    """The alternative of not-valid-foreign-key-on-partitioned-table, which is reported only
    for a stated target version (17 here)."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql, "0002_change.sql")],
                              LintOptions(pg_version=17, pg_version_stated=True), Catalog())
    (finding,) = [f for f in reports[-1].all_findings
                  if f.rule == "not-valid-foreign-key-on-partitioned-table"]
    return finding.instead


def _run_alternative(conn, text: str) -> None:
    """Each statement of an alternative, in order, outside a transaction (the embedded
    server is 18, which would take NOT VALID on the table too: the steps are what 17 runs)."""
    from lockwise.parse.postgres import parse_sql

    for stmt in parse_sql(text).statements:
        conn.execute(stmt.sql)


def _keys(conn) -> list:
    return conn.execute("SELECT conrelid::regclass::text, conname, convalidated FROM "
                        "pg_constraint WHERE contype = 'f' ORDER BY 1, 2").fetchall()


#: A sub-partitioned partition and its leaf, with constraints under the key's name and the
#: name PostgreSQL 17 would give the clone instead.
SUB_TAKEN = NAME_TAKEN + (
    "CREATE TABLE lines_2028 PARTITION OF lines FOR VALUES FROM ('2028-01-01') TO "
    "('2029-01-01') PARTITION BY RANGE (id);\n"
    "ALTER TABLE lines_2028 ADD CONSTRAINT lines_order_fk CHECK (id > 0);\n"
    "CREATE TABLE lines_2028_a PARTITION OF lines_2028 FOR VALUES FROM (0) TO (100);\n"
    "ALTER TABLE lines_2028_a ADD CONSTRAINT lines_2028_a_order_id_fkey CHECK (id > 0);\n")


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "names"), [
    (NAME_TAKEN, ["lines_2026_order_id_fkey", "lines_order_fk"]),
    (SUB_TAKEN, ["lines_2026_order_id_fkey", "lines_order_fk", "lines_2028_a_order_id_fkey1"]),
])
def test_a_leaf_whose_constraint_has_the_keys_name_gets_the_name_of_the_clone(
        setup: str, names: list[str], pg_server: str) -> None:
    """A leaf partition with a constraint under the key's name gets the key under the name
    PostgreSQL 11 to 17 give the clone there (`leaf_columns_fkey`, numbered while a
    constraint of the schema has it; checked on 15), so that later migrations naming it find
    it: lint's and fix's alternatives say so, and run, ending with every leaf's key valid."""
    import psycopg

    from lockwise.db.scratch import create_database

    text = alternative(KEY, "add-foreign-key-validated", setup=setup, pg_version=17)
    not_valid = _stated(KEY.replace(";", " NOT VALID;"), setup)
    for steps in (text, not_valid):
        added = re.findall(r"(?m)^ALTER TABLE \S+ ADD CONSTRAINT (\S+) .* NOT VALID;$", steps)
        assert added == names, steps
        with psycopg.connect(create_database(pg_server, f"pk{abs(hash((setup, steps))) % 10**8}"),
                             autocommit=True) as conn:
            conn.execute(setup)
            _run_alternative(conn, steps)
            keys = _keys(conn)
            assert all(valid for _, _, valid in keys) and len(keys) == len(names) + 1 + (
                setup == SUB_TAKEN), (keys, steps)
            assert {name for _, name, _ in keys} >= set(names), (keys, steps)


def test_a_not_valid_key_on_a_partitioned_table_of_no_known_partition_is_reported() -> None:
    """PostgreSQL 11 to 17 refuse it whether or not the table has partitions (checked on 15):
    the finding's alternative is the steps for each partition, and the query that lists
    them."""
    text = _stated(KEY.replace(";", " NOT VALID;"), NO_PARTITIONS)
    assert "pg_partition_tree('lines')" in text, text
    assert "VALIDATE CONSTRAINT lines_order_fk" in text, text
    assert text.rstrip().splitlines()[-1] == KEY, text


#: Partitions known, two of which already have the key under names of their own: one
#: validated, one NOT VALID.
KEY_HELD = TWO_PARTITIONS + (
    "CREATE TABLE lines_2028 PARTITION OF lines FOR VALUES FROM ('2028-01-01') TO "
    "('2029-01-01');\n"
    "INSERT INTO lines VALUES (1, 1, '2026-02-01'), (2, 1, '2027-02-01'), "
    "(3, 1, '2028-02-01');\n"
    "ALTER TABLE lines_2026 ADD CONSTRAINT lines_2026_ofk FOREIGN KEY (order_id) "
    "REFERENCES orders;\n"
    "ALTER TABLE lines_2027 ADD CONSTRAINT lines_2027_ofk FOREIGN KEY (order_id) "
    "REFERENCES orders (id) NOT VALID;\n")


#: A sub-partitioned partition with the key: its leaf has the key's clone.
SUB_HELD = TWO_PARTITIONS.replace("('2028-01-01');\n",
                                  "('2028-01-01') PARTITION BY RANGE (id);\n") + (
    "CREATE TABLE lines_2027_a PARTITION OF lines_2027 FOR VALUES FROM (0) TO (100);\n"
    "INSERT INTO lines VALUES (1, 1, '2026-02-01'), (2, 1, '2027-02-01');\n"
    "ALTER TABLE lines_2027 ADD CONSTRAINT l27_fk FOREIGN KEY (order_id) REFERENCES orders;\n")


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "added", "validated", "tables"), [
    (KEY_HELD, ["lines_2028"],
     [("lines_2027", "lines_2027_ofk"), ("lines_2028", "lines_order_fk")],
     ["lines", "lines_2026", "lines_2027", "lines_2028"]),
    (SUB_HELD, ["lines_2026"], [("lines_2026", "lines_order_fk")],
     ["lines", "lines_2026", "lines_2027", "lines_2027_a"]),
])
def test_a_leaf_that_has_the_key_already_gets_no_second_one(
        setup: str, added: list, validated: list, tables: list, pg_server: str) -> None:
    """A leaf partition with an equal key of its own keeps it: the steps add none there (a
    second key would check every write twice), validate it if it is NOT VALID, and the key
    added to the table takes it over (checked on the server: each leaf ends with one key,
    validated)."""
    import psycopg

    from lockwise.db.scratch import create_database

    text = alternative(KEY, "add-foreign-key-validated", setup=setup, pg_version=17)
    not_valid = _stated(KEY.replace(";", " NOT VALID;"), setup)
    for steps in (text, not_valid):
        assert re.findall(r"(?m)^ALTER TABLE (\S+) ADD CONSTRAINT \S+ .* NOT VALID;$",
                          steps) == added, steps
        assert re.findall(r"(?m)^ALTER TABLE (\S+) VALIDATE CONSTRAINT (\S+);$",
                          steps) == validated, steps
        with psycopg.connect(create_database(pg_server, f"kh{abs(hash(steps)) % 10**8}"),
                             autocommit=True) as conn:
            conn.execute(setup)
            _run_alternative(conn, steps)
            keys = _keys(conn)
            assert [table for table, _, _ in keys] == tables, (keys, steps)
            assert all(valid for _, _, valid in keys), (keys, steps)
