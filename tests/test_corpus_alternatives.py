"""Alternatives found wrong by running those the corpora's findings suggest on the embedded
server (docs/robustness.md, "Alternatives run against the corpora")."""

from __future__ import annotations

import pytest

from lockwise.parse.postgres import parse_sql
from test_alternatives import alternative

#: lemmy's 2023-04-14 listing-type migration: the column's DEFAULT is the renamed label.
MODES = ("CREATE TYPE mode AS ENUM ('closed', 'require_application', 'open');\n"
         "CREATE TABLE site (id bigint PRIMARY KEY, mode mode NOT NULL "
         "DEFAULT 'require_application', modes mode[] DEFAULT '{open}');\n"
         "INSERT INTO site (id) VALUES (1);\n")
RENAME = "ALTER TYPE mode RENAME VALUE 'require_application' TO 'RequireApplication';"


@pytest.mark.postgres
def test_an_enum_rename_moves_a_default_of_the_old_label_too(pg_db: str) -> None:
    """The old label is to be kept unused: a column whose DEFAULT is it would go on writing
    it into every new row, so the alternative sets the default to the new label first."""
    import psycopg

    text = alternative(RENAME, "enum-rename-value", setup=MODES)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(MODES)
        for stmt in parse_sql(text.replace("-- own migration", "")).statements:
            conn.execute(stmt.sql)
        conn.execute("INSERT INTO site (id) VALUES (2)")
        found = conn.execute("SELECT mode::text, modes::text FROM site ORDER BY id").fetchall()
    assert found == [("RequireApplication", "{open}")] * 2, text
