"""DROP TABLE ... CASCADE names what goes with the table (rule cascade-drops-dependents): the
views and materialized views over it, however deep, the foreign keys of other tables that
point at it, and the tables that inherit from it (and the columns of other tables of its row
type, which rule drop-column names), each as the server's NOTICE "drop cascades to ..." names
it (checked on 18.6); the functions and procedures whose SQL-standard body (RETURN ...,
BEGIN ATOMIC ... END) names it or a view over it, and those taking or returning its row type.
Not its partitions (they go without CASCADE too), and not a function whose body is a string
(it stays)."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from server_helpers import cascade_notices

#: (setup, the DROP, what lockwise names, what the server's NOTICE names).
CASES = {
    "views": ("CREATE TABLE t (id int PRIMARY KEY, a int);\n"
              "CREATE VIEW v AS SELECT id, a FROM t;\nCREATE VIEW w AS SELECT id FROM v;\n"
              "CREATE MATERIALIZED VIEW m AS SELECT id FROM t;",
              "DROP TABLE t CASCADE;",
              ["the view v", "the materialized view m", "the view w"],
              ["view v", "view w", "materialized view m"]),
    "foreign_key": ("CREATE TABLE t (id int PRIMARY KEY);\n"
                    "CREATE TABLE o (id int, t_id int REFERENCES t);",
                    "DROP TABLE t CASCADE;",
                    ["the foreign key o_t_id_fkey on o"],
                    ["constraint o_t_id_fkey on table o"]),
    "child": ("CREATE TABLE t (id int);\nCREATE TABLE c (x int) INHERITS (t);",
              "DROP TABLE t CASCADE;",
              ["the table c (it inherits from t) and its rows"],
              ["table c"]),
    "view_over_child": ("CREATE TABLE t (id int);\nCREATE TABLE c (x int) INHERITS (t);\n"
                        "CREATE VIEW cv AS SELECT x FROM c;",
                        "DROP TABLE public.t CASCADE;",
                        ["the view public.cv", "the table public.c (it inherits from public.t) "
                         "and its rows"],
                        ["table c", "view cv"]),
    "string_body": ("CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS bigint "
                    "LANGUAGE sql AS 'SELECT count(*) FROM t';",
                    "DROP TABLE t CASCADE;", [], []),
    "sql_standard_return": ("CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS bigint "
                            "LANGUAGE sql RETURN (SELECT count(*) FROM t);",
                            "DROP TABLE t CASCADE;", ["the function f()"], ["function f()"]),
    "sql_standard_atomic": ("CREATE TABLE t (id int);\nCREATE PROCEDURE p() LANGUAGE sql "
                            "BEGIN ATOMIC INSERT INTO t VALUES (1); END;",
                            "DROP TABLE t CASCADE;", ["the procedure p()"], ["function p()"]),
    "sql_standard_over_view": ("CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id FROM t;\n"
                               "CREATE FUNCTION g() RETURNS bigint LANGUAGE sql BEGIN ATOMIC "
                               "SELECT count(*) FROM v; END;",
                               "DROP TABLE t CASCADE;", ["the view v", "the function g()"],
                               ["view v", "function g()"]),
    "row_type_argument": ("CREATE TABLE t (id int);\nCREATE FUNCTION h(r t) RETURNS int "
                          "LANGUAGE sql AS 'SELECT 1';\nCREATE FUNCTION hs(rs t[]) "
                          "RETURNS int LANGUAGE sql AS 'SELECT 1';",
                          "DROP TABLE t CASCADE;", ["the function h(t)", "the function hs(t[])"],
                          ["function h(t)", "function hs(t[])"]),
    "row_type_result": ("CREATE TABLE t (id int);\nCREATE FUNCTION k() RETURNS SETOF t "
                        "LANGUAGE sql AS 'SELECT * FROM t';",
                        "DROP TABLE t CASCADE;", ["the function k()"], ["function k()"]),
    "row_type_column": ("CREATE TABLE t (id int);\nCREATE TABLE o (id int, r t, rs t[]);",
                        "DROP TABLE t CASCADE;",
                        ["the column public.o.r and its data",
                         "the column public.o.rs and its data"],
                        ["column r of table o", "column rs of table o"]),
    "partition": ("CREATE TABLE t (id int) PARTITION BY RANGE (id);\n"
                  "CREATE TABLE t1 PARTITION OF t FOR VALUES FROM (0) TO (10);",
                  "DROP TABLE t CASCADE;", [], []),
    "two_tables": ("CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);\n"
                   "CREATE VIEW va AS SELECT id FROM a;\nCREATE VIEW vb AS SELECT id FROM b;\n"
                   "CREATE VIEW vab AS SELECT a.id FROM a JOIN b USING (id);\n"
                   "CREATE TABLE o (id int, a_id int REFERENCES a, b_id int REFERENCES b);",
                   "DROP TABLE a, b CASCADE;",
                   ["the view va", "the view vab", "the foreign key o_a_id_fkey on o",
                    "the view vb", "the foreign key o_b_id_fkey on o"],
                   ["view va", "view vab", "view vb", "constraint o_a_id_fkey on table o",
                    "constraint o_b_id_fkey on table o"]),
    "both_named": ("CREATE TABLE t (id int PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM t;\n"
                   "CREATE TABLE o (id int, t_id int REFERENCES t);",
                   "DROP VIEW v; DROP TABLE t, o CASCADE;", [], []),
}


@pytest.mark.parametrize("case", CASES)
def test_drop_table_cascade_names_what_goes_with_it(case: str) -> None:
    setup, drop, named, _notices = CASES[case]
    *before, last = [s.strip() + ";" for s in drop.split(";") if s.strip()]
    effect = effect_after("\n".join([setup, *before]), last)
    columns = [f"the column {a.facts['table']}.{a.facts['column']} and its data"
               for a in effect.actions[1:] if a.kind == "drop_column"]  # (rule drop-column's)
    assert effect.actions[0].kind == "drop_table"
    assert sorted([*effect.actions[0].facts.get("callers_dropped", ()), *columns]) == \
        sorted(named)


def test_drop_table_cascade_advice_uses_the_users_names() -> None:
    setup, drop, _named, _notices = CASES["views"]
    facts = effect_after(setup + "\nCREATE TABLE c (x int) INHERITS (t);\n"
                         "CREATE TABLE o (id int, t_id int REFERENCES t);", drop
                         ).actions[0].facts
    steps = facts["callers_dropped_sql"].splitlines()
    assert sorted(steps) == sorted([
        "DROP VIEW w;", "DROP MATERIALIZED VIEW m;", "DROP VIEW v;",
        "ALTER TABLE o DROP CONSTRAINT o_t_id_fkey;", "ALTER TABLE c NO INHERIT t;"])
    assert steps.index("DROP VIEW w;") < steps.index("DROP VIEW v;")  # the one over it first


def test_a_routine_built_on_the_table_is_dropped_by_its_signature() -> None:
    steps = [effect_after(CASES[case][0], "DROP TABLE t CASCADE;").actions[0].facts[
        "callers_dropped_sql"] for case in ("sql_standard_atomic", "row_type_argument")]
    assert steps == ["DROP PROCEDURE p();", "DROP FUNCTION h(t);\nDROP FUNCTION hs(t[]);"]


def test_a_drop_of_several_tables_says_each_step_once() -> None:
    setup, drop, _named, _notices = CASES["two_tables"]
    steps = effect_after(setup, drop).actions[0].facts["callers_dropped_sql"].splitlines()
    assert sorted(steps) == sorted([
        "DROP VIEW va;", "DROP VIEW vab;", "DROP VIEW vb;",
        "ALTER TABLE o DROP CONSTRAINT o_a_id_fkey;",
        "ALTER TABLE o DROP CONSTRAINT o_b_id_fkey;"])


@pytest.mark.postgres
def test_the_server_drops_with_the_table_what_lockwise_names(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, drop, _named, notices) in CASES.items():
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(setup)
            seen = cascade_notices(conn, drop)
            assert sorted(seen) == sorted(notices), case
