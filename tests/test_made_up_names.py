"""Names lockwise makes up for its alternatives and rewrites (indexes, constraints, triggers,
functions) fit PostgreSQL's 63 bytes (NAMEDATALEN - 1) counted in bytes: a multibyte name
cut to 63 characters is longer than that, the server cuts it again, and two names that differ
only past the server's cut become one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from test_alternatives import alternative

#: A partitioned table with Cyrillic names (two bytes a letter in UTF-8).
EVENTS = '"события_пользователей_архив"'
PARTITIONED = (
    f"CREATE TABLE {EVENTS} (id bigint, kind int, day date) PARTITION BY RANGE (day);\n"
    f'CREATE TABLE "события_пользователей_архив_2026" PARTITION OF {EVENTS} '
    "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n"
    f"INSERT INTO {EVENTS} VALUES (1, 1, '2026-02-01');\n")


def _quoted_names(sql: str) -> list[str]:
    return [name.replace('""', '"') for name in re.findall(r'"((?:[^"]|"")+)"', sql)]


@pytest.mark.parametrize(("rule", "sql"), [
    # the partition's index: the partition's name in place of the table's
    ("index-on-partitioned-table",
     f'CREATE INDEX "события_пользователей_архив_вид_индекс" ON {EVENTS} (kind);'),
    # the CHECK that proves the key's columns NOT NULL: the key's name and `_not_null`
    ("unique-constraint-on-partitioned-table",
     f'ALTER TABLE {EVENTS} ADD CONSTRAINT "события_пользователей_архив_первичный_ключ" '
     "PRIMARY KEY (id, day);"),
])
def test_names_of_a_partitioned_tables_alternative_fit_63_bytes(rule: str, sql: str) -> None:
    text = alternative(sql, rule, setup=PARTITIONED)
    long = [name for name in _quoted_names(text) if len(name.encode()) > 63]
    assert not long, text


#: Two columns whose names share a prefix longer than what 63 bytes leave after the table's.
MESSAGES = '"сообщения_пользователей_архив"'
TWO_COLUMNS = (f'CREATE TABLE {MESSAGES} (id bigint PRIMARY KEY, "сообщение_заголовок" int, '
               '"сообщение_текст" int);\n')
TYPE_CHANGE = (f'ALTER TABLE {MESSAGES} ALTER COLUMN "сообщение_заголовок" TYPE bigint, '
               'ALTER COLUMN "сообщение_текст" TYPE bigint;\n')


@pytest.mark.postgres
def test_the_sync_triggers_of_two_columns_keep_apart_on_the_server(tmp_path: Path,
                                                                    pg_db: str) -> None:
    """`lockwise fix` keeps each column's new copy in sync with a trigger and a function
    named after the table and the column: within 63 bytes both stay apart, and the first
    step runs."""
    import psycopg

    root = tmp_path / "m"
    root.mkdir()
    (root / "0001_init.up.sql").write_text(TWO_COLUMNS)
    (root / "0002_type.up.sql").write_text(TYPE_CHANGE)
    result = CliRunner().invoke(app, ["fix", str(root), "--write"])
    assert result.exit_code == 0, result.output
    first = (root / "0002_type.up.sql").read_text()
    names = {name for name in _quoted_names(first) if name.endswith("_sync")}
    assert len(names) == 2 and all(len(n.encode()) <= 63 for n in names), first
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(TWO_COLUMNS)
        conn.execute(first)
        triggers = conn.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                                f"'{MESSAGES}'::regclass").fetchone()
        assert triggers == (2,)


@pytest.mark.postgres
@pytest.mark.parametrize("key", [
    '"события_пользователей_архив_первичный_ключ"',  # cut by the parser to 63 bytes
    "k" * 63,
])
def test_the_check_proving_a_keys_columns_is_not_named_as_the_key(key: str,
                                                                   pg_db: str) -> None:
    """The CHECK is named after the key with `_not_null`: a key's name of 63 bytes leaves no
    room for it, so the name is shortened to keep it, and the alternative runs."""
    import psycopg

    from lockwise.parse.postgres import parse_sql

    text = alternative(f"ALTER TABLE {EVENTS} ADD CONSTRAINT {key} PRIMARY KEY (id, day);",
                       "unique-constraint-on-partitioned-table", setup=PARTITIONED)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(PARTITIONED)
        for stmt in parse_sql(text).statements:
            conn.execute(stmt.sql)
        kinds = conn.execute("SELECT contype FROM pg_constraint WHERE conrelid = "
                             f"'{EVENTS}'::regclass AND contype IN ('p', 'c')").fetchall()
        assert kinds == [("p",)], text


#: Names of 63 bytes: a suffix cut off at the end leaves the name itself.
FULL = "я" * 31 + "x"


@pytest.mark.parametrize(("rule", "sql", "setup", "original"), [
    # the unique index REFRESH ... CONCURRENTLY needs, named after the view
    ("refresh-matview-without-concurrently", f'REFRESH MATERIALIZED VIEW "{FULL}";',
     f'CREATE TABLE sales (day date, total numeric);\nCREATE MATERIALIZED VIEW "{FULL}" AS '
     "SELECT day, sum(total) AS total FROM sales GROUP BY day;", FULL),
    # the new attribute that replaces the retyped one, named after it
    ("alter-type-rewrites-typed-tables",
     f'ALTER TYPE address ALTER ATTRIBUTE "{FULL}" TYPE bigint CASCADE;',
     f'CREATE TYPE address AS (street text, "{FULL}" int);\n'
     "CREATE TABLE shipping_addresses OF address;", FULL),
])
def test_a_suffixed_name_of_a_63_byte_name_keeps_its_suffix(rule: str, sql: str, setup: str,
                                                           original: str) -> None:
    """Cut at the end, `<name>_key` of a 63-byte name is the name itself: CREATE INDEX ...
    IF NOT EXISTS would skip it (the view has it), ADD ATTRIBUTE would fail."""
    text = alternative(sql, rule, setup=setup)
    made = [name for name in _quoted_names(text) if name.startswith(original[:20])]
    assert any(name != original for name in made), text
    assert all(len(name.encode()) <= 63 for name in made), text


def test_a_name_an_instead_template_builds_keeps_its_suffix() -> None:
    """`{column}_new` of a 63-byte column: the column's name is shortened to keep `_new`
    (as PostgreSQL shortens the names it makes), else the new column is the old one."""
    from lockwise.rules.instead import render_instead

    text = render_instead("ALTER TABLE t ADD COLUMN {column}_new bigint;",
                          {"column": FULL, "table": "public.t"})
    (made,) = _quoted_names(text)
    assert made != FULL and made.endswith("_new") and len(made.encode()) <= 63, text
