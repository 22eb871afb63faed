"""What a DROP ... CASCADE takes along, as rule cascade-drops-dependents' message lists it,
compared line by line with the server's NOTICE "drop cascades to ..." (fix-pg86, checked on
18.6): the views over a dropped view right after it, foreign keys, policies, triggers and
routines, in the order the migration made them (fix-pg91: the server lists them in the order
of their pg_depend rows; the replay numbers each as it makes it, `Catalog.made_order`), in the
kinds' order (tables and views, foreign keys, policies, triggers, routines) where one has no
number (renamed, or not made by the migrations); a long list capped. And a policy reading a
column: DROP COLUMN without CASCADE is refused with the server's 2BP01 and DETAIL, and advice
that drops the column drops the policy first."""

from __future__ import annotations

import re

import pytest

from effect_helpers import effect_after
from server_helpers import cascade_notices

POLICY_T = "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"

#: (setup, the DROP ... CASCADE, the server's NOTICE lines of what the message names).
CASES = {
    "table": ("CREATE TABLE t (id int PRIMARY KEY, a int);\n"
              "CREATE VIEW v AS SELECT id, a FROM t;\nCREATE VIEW w AS SELECT id FROM v;\n"
              "CREATE MATERIALIZED VIEW m AS SELECT id FROM t;\n"
              "CREATE TABLE o (id int, t_id int REFERENCES t);\n"
              "CREATE TABLE z (q int);\n"
              "CREATE POLICY zp ON z USING ((SELECT count(*) FROM t) > 0);\n"
              "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql RETURN (SELECT count(*) FROM t);",
              "DROP TABLE t CASCADE;",
              ["view v", "view w", "materialized view m", "constraint o_t_id_fkey on table o",
               "policy zp on table z", "function f()"]),
    "view_made_after_its_sibling": ("CREATE TABLE t (id int PRIMARY KEY, a int);\n"
                                    "CREATE MATERIALIZED VIEW m AS SELECT id FROM t;\n"
                                    "CREATE VIEW v AS SELECT id, a FROM t;\n"
                                    "CREATE VIEW w AS SELECT id FROM v;",
                                    "DROP TABLE t CASCADE;",
                                    ["materialized view m", "view v", "view w"]),
    "column": ("CREATE TABLE t (id int PRIMARY KEY, a int UNIQUE);\n"
               "CREATE VIEW v AS SELECT id, a FROM t;\nCREATE VIEW w AS SELECT id FROM v;\n"
               "CREATE TABLE o (id int, t_a int REFERENCES t (a));\n" + POLICY_T +
               "CREATE POLICY own ON t USING (a > 0);\n"
               "CREATE POLICY own2 ON t FOR INSERT WITH CHECK (a > 0);\n"
               "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS "
               "'BEGIN RETURN NEW; END';\n"
               "CREATE TRIGGER tt BEFORE UPDATE OF a ON t FOR EACH ROW EXECUTE FUNCTION trg();",
               "ALTER TABLE t DROP COLUMN a CASCADE;",
               ["view v", "view w", "constraint o_t_a_fkey on table o", "policy own on table t",
                "policy own2 on table t", "trigger tt on table t"]),
    "column_routine": ("CREATE TABLE t (id int PRIMARY KEY, a int);\n"
                       "CREATE VIEW v AS SELECT id, a FROM t;\n" + POLICY_T +
                       "CREATE POLICY own ON t USING (a > 0);\n"
                       "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql BEGIN ATOMIC "
                       "SELECT count(*) FROM t WHERE a > 1; END;",
                       "ALTER TABLE t DROP COLUMN a CASCADE;",
                       ["view v", "policy own on table t", "function f()"]),
    "type": ("CREATE TYPE mood AS ENUM ('a');\n"
             "CREATE TABLE u (id int CHECK ('a'::mood IS NOT NULL));\n"
             "CREATE VIEW v AS SELECT 'a'::mood AS m;",
             "DROP TYPE mood CASCADE;", ["constraint u_check on table u", "view v"]),
    "function": ("CREATE FUNCTION f() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
                 "CREATE TABLE t (id int DEFAULT f(), c int CHECK (c > f()));\n"
                 "CREATE INDEX ti ON t ((id + f()));\nCREATE VIEW v AS SELECT f() AS x;\n"
                 + POLICY_T + "CREATE POLICY p ON t USING (id > f());\n"
                 "CREATE FUNCTION g() RETURNS int LANGUAGE sql RETURN f() + 1;",
                 "DROP FUNCTION f() CASCADE;",
                 ["default value for column id of table t", "constraint t_c_check on table t",
                  "index ti", "view v", "policy p on table t", "function g()"]),
    "schema": ("CREATE SCHEMA app;\nCREATE TABLE app.base (id int PRIMARY KEY);\n"
               "CREATE VIEW app.bv AS SELECT id FROM app.base;\n"
               "CREATE VIEW v AS SELECT id FROM app.base;\n"
               "CREATE TABLE o (id int, b int REFERENCES app.base);\n"
               "CREATE TABLE z (q int);\n"
               "CREATE POLICY zp ON z USING ((SELECT count(*) FROM app.base) > 0);",
               "DROP SCHEMA app CASCADE;",
               ["view v", "constraint o_b_fkey on table o", "policy zp on table z"]),
    "made_routine_first": ("CREATE TABLE t (id int PRIMARY KEY, a int);\n"
                           "CREATE TABLE z (q int);\n"
                           "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                           "RETURN (SELECT count(*) FROM t);\n"
                           "CREATE POLICY zp ON z USING ((SELECT count(*) FROM t) > 0);\n"
                           "CREATE TABLE o (id int, t_id int REFERENCES t);\n"
                           "CREATE VIEW v AS SELECT id FROM t;\nCREATE VIEW w AS SELECT id FROM v;",
                           "DROP TABLE t CASCADE;",
                           ["function f()", "policy zp on table z",
                            "constraint o_t_id_fkey on table o", "view v", "view w"]),
    "made_view_policy_routine_key": ("CREATE TABLE t (id int PRIMARY KEY, a int);\n"
                                     "CREATE TABLE z (q int);\n"
                                     "CREATE VIEW v AS SELECT id FROM t;\n"
                                     "CREATE POLICY zp ON z USING ((SELECT count(*) FROM t) > 0);\n"
                                     "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                                     "RETURN (SELECT count(*) FROM t);\n"
                                     "CREATE TABLE o (id int, t_id int REFERENCES t);",
                                     "DROP TABLE t CASCADE;",
                                     ["view v", "policy zp on table z", "function f()",
                                      "constraint o_t_id_fkey on table o"]),
    "column_trigger_before_view": ("CREATE TABLE t (id int PRIMARY KEY, a int);\n"
                                   "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS "
                                   "'BEGIN RETURN NEW; END';\n"
                                   "CREATE TRIGGER tt BEFORE UPDATE OF a ON t FOR EACH ROW "
                                   "EXECUTE FUNCTION trg();\n" + POLICY_T +
                                   "CREATE POLICY own ON t USING (a > 0);\n"
                                   "CREATE VIEW v AS SELECT id, a FROM t;",
                                   "ALTER TABLE t DROP COLUMN a CASCADE;",
                                   ["trigger tt on table t", "policy own on table t", "view v"]),
}

#: How the message names a dependent (after "the "), and how the server's NOTICE does.
_AS_SERVER = [
    (r"foreign key (\S+) on (\S+)", r"constraint \1 on table \2"),
    (r"(constraint|policy|trigger) (\S+) on (\S+)", r"\1 \2 on table \3"),
    (r"DEFAULT of (\S+)\.(\S+)", r"default value for column \2 of table \1"),
]


def _as_server(named: str) -> str:
    """A dependent as the message names it (`the policy p on t`), as the server's NOTICE
    names it (`policy p on table t`), schema `public.` dropped (the server's messages name a
    relation of the search_path bare)."""
    text = named.removeprefix("the ").replace("public.", "")
    for pattern, server in _AS_SERVER:
        if re.fullmatch(pattern, text):
            return re.sub(pattern, server, text)
    return text


def _named(setup: str, drop: str) -> list[str]:
    """What rule cascade-drops-dependents' message lists, in its order."""
    facts = effect_after(setup, drop).actions[0].facts
    return [_as_server(n) for n in facts["callers_dropped_text"].split(", ")]


@pytest.mark.parametrize("case", CASES)
def test_the_cascade_lists_what_goes_in_the_servers_order(case: str) -> None:
    setup, drop, notices = CASES[case]
    assert _named(setup, drop) == notices


@pytest.mark.postgres
def test_the_servers_notice_lists_them_so(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, drop, notices) in CASES.items():
            conn.execute("DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA public CASCADE; "
                         "CREATE SCHEMA public")
            conn.execute(setup)
            # (the objects of the schema itself the server names too: rule drop-schema's)
            seen = [n for n in cascade_notices(conn, drop) if "app." not in n]
            assert seen == notices, case


def _views(count: int) -> str:
    return "CREATE TABLE t (id int);\n" + "".join(
        f"CREATE VIEW v{i:02} AS SELECT id FROM t;\n" for i in range(count))


def test_a_long_list_is_capped() -> None:
    facts = effect_after(_views(13), "DROP TABLE t CASCADE;").actions[0].facts
    assert facts["callers_dropped_text"] == ", ".join(
        f"the view v{i:02}" for i in range(10)) + " and 3 more"
    assert len(facts["callers_dropped"]) == 13
    assert len(facts["callers_dropped_sql"].splitlines()) == 13  # (the steps drop each)


def test_ten_are_listed_whole() -> None:
    text = effect_after(_views(10), "DROP TABLE t CASCADE;").actions[0].facts[
        "callers_dropped_text"]
    assert "more" not in text and text.count("the view") == 10


@pytest.mark.postgres
def test_the_server_drops_every_one_of_a_capped_list(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_views(13))
        assert cascade_notices(conn, "DROP TABLE t CASCADE;") == [
            f"view v{i:02}" for i in range(13)]


POLICY_COLUMN = ("CREATE SCHEMA app;\nCREATE TABLE app.t (id bigint PRIMARY KEY, a int);\n"
                 "ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;\n"
                 "CREATE POLICY own ON app.t USING (a > 0);\nCREATE TABLE z (q int);\n"
                 "CREATE POLICY zp ON z WITH CHECK (EXISTS (SELECT 1 FROM app.t "
                 "WHERE t.a = z.q));\n")


def test_a_drop_column_a_policy_reads_is_refused_with_the_servers_detail() -> None:
    facts = effect_after(POLICY_COLUMN, "ALTER TABLE app.t DROP COLUMN a;").actions[0].facts
    assert facts["used_by_policies_error"] == (
        "2BP01: cannot drop column a of table app.t because other objects depend on it; "
        "DETAIL: policy own on table app.t depends on column a of table app.t; "
        "policy zp on table z depends on column a of table app.t")


@pytest.mark.postgres
def test_the_server_refuses_it_so(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(POLICY_COLUMN)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist) as refused:
            conn.execute("ALTER TABLE app.t DROP COLUMN a")
    error = refused.value
    detail = (error.diag.message_detail or "").replace("\n", "; ")
    said = effect_after(POLICY_COLUMN, "ALTER TABLE app.t DROP COLUMN a;").actions[0].facts[
        "used_by_policies_error"]
    assert said == f"{error.sqlstate}: {error.diag.message_primary}; DETAIL: {detail}"


def test_a_cascade_with_a_view_names_the_policy_too() -> None:
    setup = POLICY_COLUMN + "CREATE VIEW app.av AS SELECT id, a FROM app.t;\n"
    facts = effect_after(setup, "ALTER TABLE app.t DROP COLUMN a CASCADE;").actions[0].facts
    # (the view made last comes last, as on the server: fix-pg91)
    assert facts["callers_dropped_text"] == \
        "the policy own on app.t, the policy zp on public.z, the view app.av"
    assert facts["callers_dropped_sql"].splitlines() == [
        "DROP POLICY own ON app.t;", "DROP POLICY zp ON public.z;", "DROP VIEW app.av;"]


#: (setup, the statement refused, the rule whose steps drop the column first): a column a
#: policy reads goes in the steps, after the policy (fix-pg82 did it for views).
ADVICE = {
    "schema_type": ("CREATE SCHEMA app;\nCREATE TYPE app.mood AS ENUM ('sad', 'ok');\n"
                    "CREATE TABLE feedback (id bigint PRIMARY KEY, mood app.mood);\n"
                    "ALTER TABLE feedback ENABLE ROW LEVEL SECURITY;\n"
                    "CREATE POLICY happy_only ON feedback USING (mood = 'ok');\n"
                    "CREATE VIEW moods AS SELECT id, mood FROM feedback;\n",
                    "DROP SCHEMA app;", "drop-schema"),
    "generated_column": ("CREATE FUNCTION cents(numeric) RETURNS bigint LANGUAGE sql "
                         "IMMUTABLE AS 'SELECT ($1 * 100)::bigint';\n"
                         "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, "
                         "total_cents bigint GENERATED ALWAYS AS (cents(total)) STORED);\n"
                         "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n"
                         "CREATE POLICY big ON orders USING (total_cents > 100);\n",
                         "DROP FUNCTION cents(numeric);", "drop-function-refused"),
}


def _advice(setup: str, drop: str, rule: str) -> list[str]:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text(setup, "0001_a.sql"),
                               migration_from_text(drop, "0002_b.sql")], LintOptions())
    (finding,) = [f for f in reports[-1].statements[0].findings if f.rule == rule]
    return [line for line in finding.instead.splitlines()
            if line.strip() and not line.lstrip().startswith("--")]


@pytest.mark.parametrize("case", ADVICE)
def test_the_steps_drop_the_policy_before_the_column(case: str) -> None:
    steps = _advice(*ADVICE[case])
    (policy,) = [i for i, s in enumerate(steps) if s.startswith("DROP POLICY")]
    (column,) = [i for i, s in enumerate(steps) if " DROP COLUMN " in s]
    assert policy < column


@pytest.mark.postgres
@pytest.mark.parametrize("case", ADVICE)
def test_the_steps_run_on_the_server_and_then_the_drop(pg_db: str, case: str) -> None:
    import psycopg

    setup, drop, rule = ADVICE[case]
    steps = _advice(setup, drop, rule)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist):
            conn.execute(drop)
        for step in steps:  # (the advice's last step is the drop, without CASCADE)
            conn.execute(step)
        assert "CASCADE" not in steps[-1]
        assert conn.execute("SELECT to_regnamespace('app') IS NULL "
                            "AND to_regprocedure('cents(numeric)') IS NULL").fetchone() == (True,)
