"""Alternatives found wrong by running those the corpora's findings suggest on the embedded
server (docs/robustness.md, "Alternatives run against the corpora")."""

from __future__ import annotations

import pytest

from lockwise.parse.postgres import parse_sql
from lockwise.parse.quoting import OWN_MIGRATION
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
        for stmt in parse_sql(text.replace(OWN_MIGRATION, "")).statements:
            conn.execute(stmt.sql)
        conn.execute("INSERT INTO site (id) VALUES (2)")
        found = conn.execute("SELECT mode::text, modes::text FROM site ORDER BY id").fetchall()
    assert found == [("RequireApplication", "{open}")] * 2, text


#: lemmy's 2026-04-22 modlog migration: a join by modlog's own column, written unqualified.
MODLOG = ("CREATE TABLE comment (id bigint PRIMARY KEY, post_id bigint);\n"
          "INSERT INTO comment SELECT g, 100 + g FROM generate_series(1, 10) g;\n"
          "CREATE TABLE modlog (id bigint PRIMARY KEY, target_comment_id bigint, "
          "target_post_id bigint);\n"
          "INSERT INTO modlog SELECT g, g % 12, NULL FROM generate_series(1, 24) g;\n")
JOINED = "UPDATE modlog SET target_post_id = c.post_id FROM comment c " \
         "WHERE target_comment_id = c.id;"


@pytest.mark.postgres
def test_the_batches_of_a_join_by_an_unqualified_column_write_what_the_update_does(
        pg_db: str) -> None:
    """The batched UPDATE keeps the join as written (the unqualified column is still
    modlog's inside the batch's subquery) and, repeated until it writes no row, leaves the
    table as the single UPDATE does. (It is other runners' batch statement, the last line,
    commented after the statement marked for lockwise apply.)"""
    import psycopg

    text = alternative(JOINED, "unbatched-backfill", setup=MODLOG)
    (marked,) = parse_sql(text).statements
    assert marked.leading_comments[-1] == "-- lockwise: batch size=5000 sleep=50", text
    (batch,) = parse_sql(text.splitlines()[-1].removeprefix("-- ")).statements
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(MODLOG)
        while conn.execute(batch.sql).rowcount:
            pass
        batched = conn.execute("SELECT * FROM modlog ORDER BY id").fetchall()
        conn.execute("UPDATE modlog SET target_post_id = NULL")
        conn.execute(JOINED)
        whole = conn.execute("SELECT * FROM modlog ORDER BY id").fetchall()
    assert batched == whole and sum(row[2] is not None for row in whole) == 20, text
