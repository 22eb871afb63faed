"""Writes to a view the server refuses (rule view-not-updatable), checked on the embedded
PostgreSQL: a view with a conditional DO INSTEAD rule for the write and nothing that takes the
write in its place (an INSTEAD OF trigger, an unconditional DO INSTEAD rule), or a view whose
query PostgreSQL cannot write through (DISTINCT, GROUP BY, a join, ...), DO ALSO rules or not.
lockwise's `refused_by` must name the view and the reason exactly as the server's error does."""

from __future__ import annotations

import re

import pytest

from effect_helpers import effect_after
from server_helpers import server_error, server_refuses

pytestmark = pytest.mark.postgres

SETUP = """
CREATE TABLE t (id int, v int);
CREATE TABLE log (id int);
CREATE MATERIALIZED VIEW m AS SELECT * FROM t;
CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE VIEW v_cond AS SELECT * FROM t;
CREATE RULE r_ins AS ON INSERT TO v_cond WHERE NEW.v > 0 DO INSTEAD INSERT INTO log VALUES (NEW.id);
CREATE RULE r_del AS ON DELETE TO v_cond WHERE OLD.v > 0 DO INSTEAD DELETE FROM log;
CREATE VIEW v_cond_and_plain AS SELECT * FROM t;
CREATE RULE r_c AS ON UPDATE TO v_cond_and_plain WHERE OLD.v > 0 DO INSTEAD NOTHING;
CREATE RULE r_p AS ON UPDATE TO v_cond_and_plain DO INSTEAD NOTHING;
CREATE VIEW v_cond_trigger AS SELECT * FROM t;
CREATE RULE r_t AS ON UPDATE TO v_cond_trigger WHERE OLD.v > 0 DO INSTEAD NOTHING;
CREATE TRIGGER tr INSTEAD OF UPDATE ON v_cond_trigger FOR EACH ROW EXECUTE FUNCTION keep();
CREATE VIEW v_over_cond AS SELECT * FROM v_cond;
CREATE VIEW v_also AS SELECT * FROM t;
CREATE RULE r_a AS ON INSERT TO v_also DO ALSO INSERT INTO log VALUES (NEW.id);
CREATE VIEW v_distinct AS SELECT DISTINCT * FROM t;
CREATE RULE r_d AS ON INSERT TO v_distinct DO ALSO INSERT INTO log VALUES (NEW.id);
CREATE VIEW v_distinct_trigger AS SELECT DISTINCT * FROM t;
CREATE TRIGGER tr INSTEAD OF DELETE ON v_distinct_trigger FOR EACH ROW EXECUTE FUNCTION keep();
CREATE VIEW v_group AS SELECT id, count(*) AS v FROM t GROUP BY id;
CREATE VIEW v_union AS SELECT * FROM t UNION ALL SELECT * FROM t;
CREATE VIEW v_with AS WITH c AS (SELECT 1) SELECT * FROM t;
CREATE VIEW v_limit AS SELECT * FROM t LIMIT 5;
CREATE VIEW v_agg AS SELECT max(id) AS id, min(v) AS v FROM t;
CREATE VIEW v_window AS SELECT id, sum(v) OVER () AS v FROM t;
CREATE VIEW v_srf AS SELECT id, generate_series(1, 2) AS v FROM t;
CREATE VIEW v_join AS SELECT t.* FROM t JOIN log USING (id);
CREATE VIEW v_two AS SELECT t.* FROM t, log;
CREATE VIEW v_no_from AS SELECT 1 AS id, 2 AS v;
CREATE VIEW v_subselect AS SELECT * FROM (SELECT * FROM t) s;
CREATE VIEW v_matview AS SELECT * FROM m;
CREATE VIEW v_sample AS SELECT * FROM t TABLESAMPLE SYSTEM (5);
CREATE VIEW v_sublink AS SELECT * FROM t WHERE id IN (SELECT id FROM log);
CREATE VIEW v_ordered AS SELECT * FROM ONLY t ORDER BY id;
CREATE VIEW v_over_group AS SELECT * FROM v_group;
CREATE VIEW v_no_columns AS SELECT 1 AS id, 2 AS v FROM t;
CREATE VIEW v_expressions AS SELECT id::bigint AS id, v + 1 AS v FROM t;
"""

VIEWS = ("v_cond", "v_cond_and_plain", "v_cond_trigger", "v_over_cond", "v_also", "v_distinct",
         "v_distinct_trigger", "v_group", "v_union", "v_with", "v_limit", "v_agg", "v_window",
         "v_srf", "v_join", "v_two", "v_no_from", "v_subselect", "v_matview", "v_sample",
         "v_sublink", "v_ordered", "v_over_group", "v_no_columns", "v_expressions")
WRITES = ("INSERT INTO {v} (id) VALUES (1)", "UPDATE {v} SET v = 1", "DELETE FROM {v}")


def _lockwise_refusal(sql: str) -> str:
    effect = effect_after(SETUP, sql)
    (action,) = [a for a in effect.actions if a.kind in ("insert", "update", "delete")]
    return action.facts.get("refused_by_text", "")


def _server_refusal(uri: str, sql: str) -> str:
    import psycopg

    exc = server_error(uri, SETUP, sql, (psycopg.errors.ObjectNotInPrerequisiteState,))
    return f"{exc.diag.message_primary}: {exc.diag.message_detail}" if exc else ""


@pytest.mark.parametrize("sql", [w.format(v=v) for v in VIEWS for w in WRITES])
def test_view_write_refusal_matches_server(pg_db: str, sql: str) -> None:
    # (lockwise names the view qualified, without quotes: `view public.v_cond`)
    expected = re.sub(r'view "(\w+)"', r"view public.\1", _server_refusal(pg_db, sql))
    assert _lockwise_refusal(sql) == expected


ON_CONFLICT_SETUP = """
CREATE TABLE log (id int);
CREATE TABLE plain (id int PRIMARY KEY, v int);
CREATE TABLE on_update (id int PRIMARY KEY, v int);
CREATE RULE r AS ON UPDATE TO on_update DO ALSO INSERT INTO log VALUES (NEW.id);
CREATE TABLE on_update_off (id int PRIMARY KEY, v int);
CREATE RULE r AS ON UPDATE TO on_update_off DO ALSO INSERT INTO log VALUES (NEW.id);
ALTER TABLE on_update_off DISABLE RULE r;
CREATE TABLE on_insert_off (id int PRIMARY KEY, v int);
CREATE RULE r AS ON INSERT TO on_insert_off DO ALSO INSERT INTO log VALUES (NEW.id);
ALTER TABLE on_insert_off DISABLE RULE r;
CREATE TABLE on_insert_nothing (id int PRIMARY KEY, v int);
CREATE RULE r AS ON INSERT TO on_insert_nothing DO INSTEAD NOTHING;
CREATE TABLE on_insert_where (id int PRIMARY KEY, v int);
CREATE RULE r AS ON INSERT TO on_insert_where WHERE NEW.v > 100 DO ALSO
    INSERT INTO log VALUES (NEW.id);
CREATE TABLE on_delete (id int PRIMARY KEY, v int);
CREATE RULE r AS ON DELETE TO on_delete DO INSTEAD NOTHING;
CREATE VIEW over_on_update AS SELECT * FROM on_update;
CREATE VIEW view_with_update_rule AS SELECT * FROM plain;
CREATE RULE r AS ON UPDATE TO view_with_update_rule DO ALSO INSERT INTO log VALUES (NEW.id);
CREATE VIEW view_instead AS SELECT * FROM plain;
CREATE RULE r AS ON INSERT TO view_instead DO INSTEAD INSERT INTO plain VALUES (NEW.id, NEW.v);
"""

TARGETS = ("plain", "on_update", "on_update_off", "on_insert_off", "on_insert_nothing",
           "on_insert_where", "on_delete", "over_on_update", "view_with_update_rule",
           "view_instead")


@pytest.mark.parametrize("target", TARGETS)
def test_on_conflict_refused_with_rules_matches_server(pg_db: str, target: str) -> None:
    """INSERT ... ON CONFLICT is refused on a table (or a view not written through) with an
    UPDATE rule, even a disabled one, or an INSERT rule that adds a query."""
    import psycopg

    sql = f"INSERT INTO {target} VALUES (1, 1) ON CONFLICT DO NOTHING"
    (action,) = [a for a in effect_after(ON_CONFLICT_SETUP, sql).actions if a.kind == "insert"]
    refused = server_refuses(pg_db, ON_CONFLICT_SETUP, sql, (psycopg.errors.FeatureNotSupported,))
    assert bool(action.facts.get("on_conflict_refused_by")) == refused
