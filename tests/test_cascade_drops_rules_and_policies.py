"""What a DROP ... CASCADE takes along of other tables' rules and policies, as the server does
(checked on 18.6): a rule of another table or view naming a view the statement drops (in its
actions or its WHERE, however the view goes), and a policy or rule naming a sequence or table
by a regclass constant (`nextval('s')`, `currval('s')`, `'t'::regclass`). The rule or policy
goes, its table stays, locked ACCESS EXCLUSIVE; without CASCADE the server refuses the drop
(tests/graph/test_graph_build.py, REFUSED_DROPS)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.core.types import LockMode
from lockwise.parse.postgres import parse_sql

VIEW = ("CREATE TABLE base (id int, c int);\nCREATE VIEW v AS SELECT id, c FROM base;\n"
        "CREATE TABLE t (id int);\nCREATE TABLE calm (id int);\n")
INTO_VIEW = "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO v (id) VALUES (NEW.id);\n"
SEQUENCE = "CREATE SEQUENCE s;\nCREATE TABLE t (id int);\nCREATE TABLE calm (id int);\n"

#: (setup, the DROP ... CASCADE): each drops a rule or policy of t (or of view w), keeping t.
CASES = {
    "view": (VIEW + INTO_VIEW, "DROP VIEW v CASCADE;"),
    "view_in_where": (VIEW + "CREATE RULE r AS ON INSERT TO t WHERE EXISTS (SELECT 1 FROM v) "
                             "DO INSTEAD NOTHING;\n", "DROP VIEW v CASCADE;"),
    "view_of_table": (VIEW + INTO_VIEW, "DROP TABLE base CASCADE;"),
    "view_of_column": (VIEW + INTO_VIEW, "ALTER TABLE base DROP COLUMN c CASCADE;"),
    "view_over_view": (VIEW + "CREATE VIEW w AS SELECT * FROM v;\n"
                              "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM w;\n",
                       "DROP TABLE base CASCADE;"),
    "matview": ("CREATE TABLE base (id int);\nCREATE MATERIALIZED VIEW v AS SELECT id FROM base;"
                "\nCREATE TABLE t (id int);\n"
                "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM v;\n",
                "DROP TABLE base CASCADE;"),
    "view_of_function": ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                         "CREATE VIEW v AS SELECT f() AS x;\nCREATE TABLE t (id int);\n"
                         "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM v;\n",
                         "DROP FUNCTION f() CASCADE;"),
    "view_of_type": ("CREATE TYPE mood AS ENUM ('a');\n"
                     "CREATE VIEW v AS SELECT 'a'::mood AS m;\nCREATE TABLE t (id int);\n"
                     "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM v;\n",
                     "DROP TYPE mood CASCADE;"),
    "view_of_schema": ("CREATE SCHEMA app;\nCREATE TABLE app.base (id int);\n"
                       "CREATE VIEW v AS SELECT id FROM app.base;\nCREATE TABLE t (id int);\n"
                       "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM v;\n",
                       "DROP SCHEMA app CASCADE;"),
    "table_of_schema": ("CREATE SCHEMA app;\nCREATE TABLE app.base (id int);\n"
                        "CREATE TABLE t (id int);\n"
                        "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM app.base;\n",
                        "DROP SCHEMA app CASCADE;"),
    "rule_of_view": (VIEW + "CREATE VIEW w AS SELECT id FROM t;\n"
                            "CREATE RULE r AS ON INSERT TO w DO INSTEAD SELECT * FROM v;\n",
                     "DROP VIEW v CASCADE;"),
    "policy_nextval": (SEQUENCE + "CREATE POLICY p ON t USING (nextval('s') > 0);\n",
                       "DROP SEQUENCE s CASCADE;"),
    "policy_currval": (SEQUENCE + "CREATE POLICY p ON t WITH CHECK (currval('s') > 0);\n",
                       "DROP SEQUENCE s CASCADE;"),
    "policy_reads_sequence": (SEQUENCE + "CREATE POLICY p ON t USING "
                                         "((SELECT last_value FROM s) > 0);\n",
                              "DROP SEQUENCE s CASCADE;"),
    "policy_regclass_table": ("CREATE TABLE w (x int);\nCREATE TABLE t (id int);\n"
                              "CREATE POLICY p ON t USING ('w'::regclass IS NOT NULL);\n",
                              "DROP TABLE w CASCADE;"),
    "rule_nextval": (SEQUENCE + "CREATE TABLE log (n bigint);\nCREATE RULE r AS ON INSERT TO t "
                                "DO ALSO INSERT INTO log VALUES (nextval('s'));\n",
                     "DROP SEQUENCE s CASCADE;"),
    "rule_nextval_in_where": (SEQUENCE + "CREATE RULE r AS ON INSERT TO t WHERE nextval('s') > 5 "
                                         "DO INSTEAD NOTHING;\n", "DROP SEQUENCE s CASCADE;"),
    "policy_renamed": (SEQUENCE + "CREATE POLICY p ON t USING (nextval('s') > 0);\n"
                                  "ALTER SEQUENCE s RENAME TO s2;\n", "DROP SEQUENCE s2 CASCADE;"),
    "rule_moved": ("CREATE SCHEMA app;\n" + SEQUENCE
                   + "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT nextval('s');\n"
                     "ALTER SEQUENCE s SET SCHEMA app;\n", "DROP SEQUENCE app.s CASCADE;"),
    "rule_regclass_table": ("CREATE TABLE w (x int);\nCREATE TABLE t (id int);\n"
                            "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT 'w'::regclass;\n",
                            "DROP TABLE w CASCADE;"),
    "rule_into_table": ("CREATE TABLE w (x int);\nCREATE TABLE t (id int);\n"
                        "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO w VALUES (NEW.id);"
                        "\n", "DROP TABLE w CASCADE;"),
    "rule_reads_table": ("CREATE TABLE w (x int);\nCREATE TABLE t (id int);\n"
                         "CREATE RULE r AS ON UPDATE TO t WHERE EXISTS (SELECT 1 FROM w) "
                         "DO INSTEAD NOTHING;\n", "DROP TABLE w CASCADE;"),
}

#: Those whose rule or policy the server keeps: the sequence named by a text argument (no
#: regclass constant: looked up at each call, no dependency recorded).
KEPT = {
    "policy_text": (SEQUENCE + "CREATE POLICY p ON t USING (nextval('s'::text) > 0);\n",
                    "DROP SEQUENCE s CASCADE;"),
    "rule_text": (SEQUENCE + "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT nextval('s'::text);"
                             "\n", "DROP SEQUENCE s CASCADE;"),
}


def _replayed(sql: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]], set[str]]:
    catalog = Catalog()
    for stmt in parse_sql(sql).statements:
        apply_statement(catalog, stmt.tree, "0001")
    return ({(t.name, r) for t in catalog.tables.values() for r in t.rules},
            {(t.name, p) for t in catalog.tables.values() for p in t.policies},
            set(catalog.tables))


def _servers(uri: str, sql: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]], set[str]]:
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(sql)
        rules = set(conn.execute(
            "SELECT schemaname || '.' || tablename, rulename FROM pg_rules "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')").fetchall())
        policies = set(conn.execute(
            "SELECT schemaname || '.' || tablename, policyname FROM pg_policies").fetchall())
        relations = {row[0] for row in conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')")}
    return rules, policies, relations


@pytest.mark.parametrize("case", [*CASES, *KEPT])
def test_the_replay_drops_the_rules_and_policies_the_server_drops(pg_db: str,
                                                                  case: str) -> None:
    setup, drop = CASES.get(case) or KEPT[case]
    assert _replayed(setup + drop) == _servers(pg_db, setup + drop)


@pytest.mark.parametrize("case", CASES)
def test_the_replay_drops_a_rule_or_policy(case: str) -> None:
    # (without the server: the replay before the drop has it, after it not)
    setup, drop = CASES[case]
    rules, policies, _ = _replayed(setup)
    after_rules, after_policies, _ = _replayed(setup + drop)
    assert after_rules < rules or after_policies < policies


@pytest.mark.parametrize("case", CASES)
def test_the_drop_locks_what_loses_a_rule_or_policy_as_the_server_does(pg_db: str,
                                                                        case: str) -> None:
    # Each relation dropped, and each table or view losing a rule or policy, under ACCESS
    # EXCLUSIVE (pg_locks of the dropping transaction, by the oids taken before).
    import psycopg

    from effect_helpers import effect_after

    setup, drop = CASES[case]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        oids = dict(conn.execute(
            "SELECT c.oid, n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p', 'S')").fetchall())
        with conn.transaction():
            conn.execute(drop)
            held = {oids[oid] for oid, mode in conn.execute(
                "SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND relation IS NOT NULL").fetchall()
                if oid in oids and mode == "AccessExclusiveLock"}
    locks = effect_after(setup, drop).locks
    assert {r for r, mode in locks.items() if mode == LockMode.ACCESS_EXCLUSIVE} == held
    assert "public.t" in held or "public.w" in held


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("policy")])
def test_a_drop_sequence_or_table_cascade_names_the_policies_it_drops(case: str) -> None:
    from effect_helpers import effect_after

    setup, drop = CASES[case]
    (action,) = [a for a in effect_after(setup, drop).actions
                 if a.kind in ("drop_sequence", "drop_table")]
    assert action.facts["policies_dropped"] == ("p on public.t",)


#: The statements of CASES whose action is one rule cascade-drops-dependents reads.
_DEPENDENTS_ACTIONS = ("drop_table", "drop_sequence", "drop_column", "drop_schema",
                       "drop_function", "drop_type")


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("rule_") and c != "rule_of_view"
                                  or c in ("view_of_table", "view_of_column", "matview",
                                           "view_of_function", "view_of_type",
                                           "view_of_schema", "table_of_schema")])
def test_a_cascade_names_the_rules_of_other_tables_it_drops(case: str) -> None:
    # The rule goes with what it names, its table stays: said among what the CASCADE
    # drops (rule cascade-drops-dependents), with the DROP RULE that says so first
    # (qualified as the dropped object is written).
    from effect_helpers import effect_after

    setup, drop = CASES[case]
    (action,) = [a for a in effect_after(setup, drop).actions if a.kind in _DEPENDENTS_ACTIONS]
    table = "public.t" if "app" in drop else "t"
    assert f"the rule r on {table}" in action.facts["callers_dropped"], action.facts
    assert action.facts["callers_dropped_sql"].splitlines()[0] == f"DROP RULE r ON {table};"


def test_a_drop_table_cascade_reports_the_rule_it_takes_along() -> None:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup, drop = CASES["rule_into_table"]
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(drop, "0002_drop.sql")], LintOptions())
    (finding,) = [f for f in reports[-1].statements[0].findings
                  if f.rule == "cascade-drops-dependents"]
    assert "the rule r on t" in finding.message, finding.message


def test_a_drop_table_cascade_of_the_ruled_table_names_no_rule_of_its_own() -> None:
    from effect_helpers import effect_after

    setup, _ = CASES["rule_into_table"]
    (action,) = [a for a in effect_after(setup, "DROP TABLE t CASCADE;").actions
                 if a.kind == "drop_table"]
    assert not action.facts.get("callers_dropped"), action.facts


@pytest.mark.parametrize(("case", "ruled"), [("view", "t"), ("view_in_where", "t"),
                                             ("rule_of_view", "w")])
def test_a_drop_view_cascade_reports_the_rule_it_takes_along(case: str, ruled: str) -> None:
    # (checked on the server by the cases above: the rule goes, its table or view stays
    # under ACCESS EXCLUSIVE; without CASCADE, 2BP01 "rule r on table t depends on view v")
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup, drop = CASES[case]
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(drop, "0002_drop.sql")], LintOptions())
    (finding,) = [f for f in reports[-1].statements[0].findings
                  if f.rule == "cascade-drops-dependents"]
    assert f"the rule r on {ruled}" in finding.message, finding.message


def test_a_drop_view_cascade_taking_no_rule_is_not_reported() -> None:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text(VIEW, "0001_setup.sql"),
                               migration_from_text("DROP VIEW v CASCADE;", "0002_drop.sql")],
                              LintOptions())
    assert "cascade-drops-dependents" not in {f.rule for f in reports[-1].all_findings}


#: Views over v (a view and a materialized view over it), a rule reading one of them, and
#: a rule of a view reading the other: DROP VIEW v CASCADE drops them all, t and tv stay.
VIEWS_OVER_VIEW = (VIEW + "CREATE VIEW w AS SELECT id FROM v;\n"
                          "CREATE MATERIALIZED VIEW m AS SELECT id FROM w;\n"
                          "CREATE VIEW tv AS SELECT id FROM t;\n"
                          "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM w;\n"
                          "CREATE RULE r3 AS ON INSERT TO tv DO ALSO SELECT * FROM m;\n")


def test_a_drop_view_cascade_drops_the_views_over_it_as_the_server_does(pg_db: str) -> None:
    # (pg_class and pg_rules after the drop: w, m and both rules gone, t and tv kept)
    drop = "DROP VIEW v CASCADE;"
    assert _replayed(VIEWS_OVER_VIEW + drop) == _servers(pg_db, VIEWS_OVER_VIEW + drop)
    _, _, relations = _replayed(VIEWS_OVER_VIEW + drop)
    assert {"public.w", "public.m"}.isdisjoint(relations)
    assert {"public.t", "public.tv"} <= relations


def test_a_drop_view_cascade_names_the_views_over_it_and_their_rules() -> None:
    from effect_helpers import effect_after

    (action,) = effect_after(VIEWS_OVER_VIEW, "DROP VIEW v CASCADE;").actions
    assert action.kind == "drop_view"
    assert action.facts["callers_dropped"] == (
        "the view w", "the materialized view m", "the rule r on t", "the rule r3 on tv")
    # the rules first, then the views, the farthest first (m reads w)
    assert action.facts["callers_dropped_sql"].splitlines() == [
        "DROP RULE r ON t;", "DROP RULE r3 ON tv;", "DROP MATERIALIZED VIEW m;",
        "DROP VIEW w;"]


def test_a_drop_view_cascade_of_a_view_over_a_view_is_reported() -> None:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = VIEW + "CREATE VIEW w AS SELECT id FROM v;\n"
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text("DROP VIEW v CASCADE;", "0002_drop.sql")],
                              LintOptions())
    (finding,) = [f for f in reports[-1].statements[0].findings
                  if f.rule == "cascade-drops-dependents"]
    assert "the view w" in finding.message, finding.message


def test_a_drop_of_two_views_cascade_names_neither_as_the_others_dependent() -> None:
    from effect_helpers import effect_after

    setup = VIEW + "CREATE VIEW w AS SELECT id FROM v;\n"
    for action in effect_after(setup, "DROP VIEW w, v CASCADE;").actions:
        assert not action.facts.get("callers_dropped"), action.facts
