"""A partitioned table's foreign key before PostgreSQL 18, added NOT VALID to each leaf
partition: what lint and fix say when the partitions are not known, and a leaf that already
has a constraint under the key's name."""

from __future__ import annotations

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


#: Partitions known, one of which already has a constraint under the key's name.
NAME_TAKEN = ORDERS + (
    "INSERT INTO orders VALUES (1);\n"
    "CREATE TABLE lines (id bigint, order_id bigint, day date) PARTITION BY RANGE (day);\n"
    "CREATE TABLE lines_2026 PARTITION OF lines FOR VALUES FROM ('2026-01-01') TO "
    "('2027-01-01');\n"
    "CREATE TABLE lines_2027 PARTITION OF lines FOR VALUES FROM ('2027-01-01') TO "
    "('2028-01-01');\n"
    "ALTER TABLE lines_2026 ADD CONSTRAINT lines_order_fk CHECK (id > 0);\n"
    "INSERT INTO lines VALUES (1, 1, '2026-02-01'), (2, 1, '2027-02-01');\n")


def test_a_leaf_with_a_constraint_under_the_keys_name_is_declined(
        tmp_path: Path, pg_db: str) -> None:
    """The server refuses the key on that leaf under the same name (`already exists`), which
    the per-partition steps would add: fix leaves the statement as written and says which
    leaf, and lint gives the same reason first. The statement as written runs."""
    import psycopg

    notes = _fix_notes(tmp_path, NAME_TAKEN, KEY)
    assert "not rewritten: line 1: public.lines_2026 already has a constraint named " \
           "lines_order_fk" in notes, notes
    text = alternative(KEY, "add-foreign-key-validated", setup=NAME_TAKEN, pg_version=17)
    assert text.startswith("-- lockwise fix leaves it as written: public.lines_2026 already "
                           "has a constraint named lines_order_fk"), text
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(NAME_TAKEN)
        with pytest.raises(psycopg.errors.DuplicateObject):
            conn.execute("ALTER TABLE lines_2026 ADD CONSTRAINT lines_order_fk FOREIGN KEY "
                         "(order_id) REFERENCES orders (id) NOT VALID")
        conn.execute(KEY)
        found = conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                             "conrelid = 'lines_2026'::regclass").fetchone()
        assert found == (1,)


def _run_alternative(conn, text: str) -> None:
    """Each statement of an alternative, in order, outside a transaction (the embedded
    server is 18, which would take NOT VALID on the table too: the steps are what 17 runs)."""
    from lockwise.parse.postgres import parse_sql

    for stmt in parse_sql(text).statements:
        conn.execute(stmt.sql)


def _keys(conn) -> list:
    return conn.execute("SELECT conrelid::regclass::text, conname, convalidated FROM "
                        "pg_constraint WHERE contype = 'f' ORDER BY 1, 2").fetchall()


#: A sub-partitioned partition, whose own constraint takes the name its clone would have.
SUB_TAKEN = NAME_TAKEN + (
    "CREATE TABLE lines_2028 PARTITION OF lines FOR VALUES FROM ('2028-01-01') TO "
    "('2029-01-01') PARTITION BY RANGE (id);\n"
    "ALTER TABLE lines_2028 ADD CONSTRAINT lines_order_fk CHECK (id > 0);\n"
    "CREATE TABLE lines_2028_a PARTITION OF lines_2028 FOR VALUES FROM (0) TO (100);\n"
    "ALTER TABLE lines_2028_a ADD CONSTRAINT lines_order_fk_1 CHECK (id > 0);\n")


@pytest.mark.postgres
@pytest.mark.parametrize("setup", [NAME_TAKEN, SUB_TAKEN])
def test_a_leaf_whose_constraint_has_the_keys_name_gets_the_name_of_the_clone(
        setup: str, tmp_path: Path, pg_db: str) -> None:
    """A leaf partition with a constraint under the key's name gets the key under the name
    the clone takes there (`_1`, checked on the server), through every level: lint's and
    fix's alternative runs, and the tables end with the statement's keys."""
    import psycopg

    from lockwise.db.scratch import create_database

    text = alternative(KEY, "add-foreign-key-validated", setup=setup, pg_version=17)
    assert "leaves it as written" not in text, text
    not_valid = alternative(KEY.replace(";", " NOT VALID;"),
                            "not-valid-foreign-key-on-partitioned-table", setup=setup,
                            pg_version=17)
    ends = []
    for steps in (KEY, text, not_valid):
        with psycopg.connect(create_database(pg_db.rsplit("/", 1)[0] + "/postgres",
                                             f"pk{abs(hash((setup, steps))) % 10**8}"),
                             autocommit=True) as conn:
            conn.execute(setup)
            _run_alternative(conn, steps)
            ends.append(_keys(conn))
    assert ends[0] == ends[1] == ends[2], (text, not_valid)


def test_a_not_valid_key_on_a_partitioned_table_of_no_known_partition_is_reported() -> None:
    """PostgreSQL 11 to 17 refuse it whether or not the table has partitions (checked on 15):
    the finding's alternative is the steps for each partition, and the query that lists
    them."""
    text = alternative(KEY.replace(";", " NOT VALID;"),
                       "not-valid-foreign-key-on-partitioned-table", setup=NO_PARTITIONS,
                       pg_version=17)
    assert "pg_partition_tree('lines')" in text, text
    assert "VALIDATE CONSTRAINT lines_order_fk" in text, text
    assert text.rstrip().splitlines()[-1] == KEY, text
