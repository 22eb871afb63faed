"""A function or procedure with a SQL-standard body (RETURN ..., BEGIN ATOMIC ... END) depends
on the functions its body (or an argument's default) calls and on the columns its body reads
or writes: DROP FUNCTION ... CASCADE and ALTER TABLE ... DROP COLUMN ... CASCADE drop it, and
the routines calling it, however deep (the server's NOTICE "drop cascades to function f()";
each refused without CASCADE: checked on 18.6). Rule cascade-drops-dependents names each,
with the statements that drop them by name, callers first; the conflict graph tells each
one another migration made. A body written as a string depends on nothing: it stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from effect_helpers import effect_after
from lockwise.discover import discover
from lockwise.graph.build import build_graph
from server_helpers import cascade_notices

G = "CREATE FUNCTION g() RETURNS int LANGUAGE sql RETURN 1;\n"
T = "CREATE TABLE t (id int, c int);\n"
T_AND_U = T + "CREATE TABLE u (id int, c int);\n"

#: (setup, the DROP ... CASCADE, what lockwise names, the steps it gives, the server's NOTICE).
CASES = {
    "atomic_call": (G + "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT g(); END;",
                    "DROP FUNCTION g CASCADE;", ["the function f()"], ["DROP FUNCTION f();"],
                    ["function f()"]),
    "return_call_chain": (G + "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN g() + 1;\n"
                          "CREATE FUNCTION h() RETURNS int LANGUAGE sql RETURN f() + 1;",
                          "DROP FUNCTION g() CASCADE;",
                          ["the function f()", "the function h()"],
                          ["DROP FUNCTION h();", "DROP FUNCTION f();"],
                          ["function f()", "function h()"]),
    "procedure_call": (G + "CREATE TABLE t (a int);\nCREATE PROCEDURE p() BEGIN ATOMIC "
                       "INSERT INTO t VALUES (g()); END;", "DROP FUNCTION g CASCADE;",
                       ["the procedure p()"], ["DROP PROCEDURE p();"], ["function p()"]),
    "argument_default": (G + "CREATE FUNCTION f(x int DEFAULT g()) RETURNS int LANGUAGE sql "
                         "AS 'SELECT 1';", "DROP FUNCTION g CASCADE;",
                         ["the function f(int4)"], ["DROP FUNCTION f(int4);"],
                         ["function f(integer)"]),
    "view_calling_one_that_goes": (G + "CREATE FUNCTION f() RETURNS int LANGUAGE sql "
                                   "RETURN g() + 1;\nCREATE FUNCTION h() RETURNS int LANGUAGE "
                                   "sql RETURN f() + 1;\nCREATE VIEW vf AS SELECT f() AS x;",
                                   "DROP FUNCTION g CASCADE;",
                                   ["the function f()", "the function h()", "the view vf"],
                                   ["DROP VIEW vf;", "DROP FUNCTION h();", "DROP FUNCTION f();"],
                                   ["function f()", "function h()", "view vf"]),
    "default_calling_one_that_goes": (G + "CREATE FUNCTION f() RETURNS int LANGUAGE sql "
                                      "RETURN g() + 1;\nCREATE TABLE o (x int DEFAULT f());",
                                      "DROP FUNCTION g CASCADE;",
                                      ["the function f()", "the DEFAULT of o.x"],
                                      ["ALTER TABLE o ALTER COLUMN x DROP DEFAULT;",
                                       "DROP FUNCTION f();"],
                                      ["function f()", "default value for column x of table o"]),
    "string_body_call": (G + "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT g()';",
                         "DROP FUNCTION g CASCADE;", [], [], []),
    "other_overload": ("CREATE FUNCTION g(int) RETURNS int LANGUAGE sql RETURN 1;\n"
                       "CREATE FUNCTION g(text) RETURNS int LANGUAGE sql RETURN 2;\n"
                       "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN g(1);",
                       "DROP FUNCTION g(text) CASCADE;", [], [], []),
    "column_return": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                      "RETURN (SELECT sum(c) FROM t);", "ALTER TABLE t DROP COLUMN c CASCADE;",
                      ["the function f()"], ["DROP FUNCTION f();"], ["function f()"]),
    "column_star": (T + "CREATE FUNCTION f() RETURNS SETOF record BEGIN ATOMIC "
                    "SELECT * FROM t; END;", "ALTER TABLE t DROP COLUMN c CASCADE;",
                    ["the function f()"], ["DROP FUNCTION f();"], ["function f()"]),
    "column_inserted": (T + "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t (c) VALUES (1); "
                        "END;", "ALTER TABLE t DROP COLUMN c CASCADE;",
                        ["the procedure p()"], ["DROP PROCEDURE p();"], ["function p()"]),
    "column_in_where": (T + "CREATE PROCEDURE p() BEGIN ATOMIC UPDATE t SET id = 1 "
                        "WHERE c = 2; END;", "ALTER TABLE t DROP COLUMN c CASCADE;",
                        ["the procedure p()"], ["DROP PROCEDURE p();"], ["function p()"]),
    "column_through_view": (T + "CREATE VIEW v AS SELECT id, c FROM t;\nCREATE FUNCTION f() "
                            "RETURNS bigint LANGUAGE sql RETURN (SELECT sum(id) FROM v);",
                            "ALTER TABLE t DROP COLUMN c CASCADE;",
                            ["the view v", "the function f()"],
                            ["DROP FUNCTION f();", "DROP VIEW v;"], ["view v", "function f()"]),
    "other_column": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                     "RETURN (SELECT sum(id) FROM t);", "ALTER TABLE t DROP COLUMN c CASCADE;",
                     [], [], []),
    "count_star": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                   "RETURN (SELECT count(*) FROM t);", "ALTER TABLE t DROP COLUMN c CASCADE;",
                   [], [], []),
    "insert_without_the_column": (T + "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t "
                                  "VALUES (1); END;", "ALTER TABLE t DROP COLUMN c CASCADE;",
                                  [], [], []),
    "other_tables_column": (T_AND_U + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                            "RETURN (SELECT sum(u.c) FROM t JOIN u USING (id));",
                            "ALTER TABLE t DROP COLUMN c CASCADE;", [], [], []),
    "string_body_column": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                           "AS 'SELECT sum(c) FROM t';", "ALTER TABLE t DROP COLUMN c CASCADE;",
                           [], [], []),
    "table_call_chain": ("CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS bigint "
                         "LANGUAGE sql RETURN (SELECT count(*) FROM t);\nCREATE FUNCTION h() "
                         "RETURNS bigint LANGUAGE sql RETURN f() + 1;", "DROP TABLE t CASCADE;",
                         ["the function f()", "the function h()"],
                         ["DROP FUNCTION h();", "DROP FUNCTION f();"],
                         ["function f()", "function h()"]),
    # What calls a routine that goes goes too, with DROP COLUMN / TABLE as with DROP FUNCTION.
    "column_view_calling_a_chain": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                                    "RETURN (SELECT sum(c) FROM t);\nCREATE FUNCTION h() "
                                    "RETURNS bigint LANGUAGE sql RETURN f() + 1;\nCREATE VIEW "
                                    "vh AS SELECT h() AS x;",
                                    "ALTER TABLE t DROP COLUMN c CASCADE;",
                                    ["the function f()", "the function h()", "the view vh"],
                                    ["DROP VIEW vh;", "DROP FUNCTION h();", "DROP FUNCTION f();"],
                                    ["function f()", "function h()", "view vh"]),
    "column_default_calling": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                               "RETURN (SELECT sum(c) FROM t);\nCREATE TABLE o (x bigint "
                               "DEFAULT f());", "ALTER TABLE t DROP COLUMN c CASCADE;",
                               ["the function f()", "the DEFAULT of o.x"],
                               ["ALTER TABLE o ALTER COLUMN x DROP DEFAULT;",
                                "DROP FUNCTION f();"],
                               ["function f()", "default value for column x of table o"]),
    "table_view_calling": ("CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS bigint "
                           "LANGUAGE sql RETURN (SELECT count(*) FROM t);\nCREATE VIEW vf AS "
                           "SELECT f() AS x;", "DROP TABLE t CASCADE;",
                           ["the function f()", "the view vf"],
                           ["DROP VIEW vf;", "DROP FUNCTION f();"], ["function f()", "view vf"]),
    "table_check_calling": ("CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS bigint "
                            "LANGUAGE sql RETURN (SELECT count(*) FROM t);\nCREATE TABLE o "
                            "(x bigint CONSTRAINT o_ok CHECK (x < f()));", "DROP TABLE t CASCADE;",
                            ["the function f()", "the constraint o_ok on o"],
                            ["ALTER TABLE o DROP CONSTRAINT o_ok;", "DROP FUNCTION f();"],
                            ["function f()", "constraint o_ok on table o"]),
    # A routine reading a view that goes, and what calls it: what calls it is dropped by
    # name first, then the routine, then the view (the server's NOTICEs: the view, the
    # routine, its caller; in the other order DROP FUNCTION is refused for the caller).
    "table_view_calling_a_view_reader": (
        "CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id FROM t;\nCREATE FUNCTION g() "
        "RETURNS bigint LANGUAGE sql STABLE RETURN (SELECT count(*) FROM v);\nCREATE VIEW w AS "
        "SELECT g() AS n;", "DROP TABLE t CASCADE;",
        ["the view v", "the function g()", "the view w"],
        ["DROP VIEW w;", "DROP FUNCTION g();", "DROP VIEW v;"],
        ["view v", "function g()", "view w"]),
    "table_default_calling_a_view_reader": (
        "CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id FROM t;\nCREATE FUNCTION g() "
        "RETURNS bigint LANGUAGE sql STABLE RETURN (SELECT count(*) FROM v);\nCREATE TABLE o "
        "(x bigint DEFAULT g());", "DROP TABLE t CASCADE;",
        ["the view v", "the function g()", "the DEFAULT of o.x"],
        ["ALTER TABLE o ALTER COLUMN x DROP DEFAULT;", "DROP FUNCTION g();", "DROP VIEW v;"],
        ["view v", "function g()", "default value for column x of table o"]),
    "view_calling_its_reader": (
        "CREATE TABLE t (id int);\nCREATE VIEW v AS SELECT id FROM t;\nCREATE FUNCTION g() "
        "RETURNS bigint LANGUAGE sql STABLE RETURN (SELECT count(*) FROM v);\nCREATE VIEW w AS "
        "SELECT g() AS n;", "DROP VIEW v CASCADE;", ["the function g()", "the view w"],
        ["DROP VIEW w;", "DROP FUNCTION g();"], ["function g()", "view w"]),
    "table_string_body_called": ("CREATE TABLE t (id int);\nCREATE FUNCTION f() RETURNS "
                                 "bigint LANGUAGE sql AS 'SELECT count(*) FROM t';\nCREATE "
                                 "VIEW vf AS SELECT f() AS x;", "DROP TABLE t CASCADE;",
                                 [], [], []),
}


@pytest.mark.parametrize("case", CASES)
def test_the_cascade_names_the_routines_built_on_what_it_drops(case: str) -> None:
    setup, drop, named, _steps, _notices = CASES[case]
    facts = effect_after(setup, drop).actions[0].facts
    # (in the server's NOTICE order, which the server test holds `notices` to)
    assert list(facts.get("callers_dropped", ())) == named


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][3]])
def test_the_steps_drop_each_routine_by_name_callers_first(case: str) -> None:
    setup, drop, _named, steps, _notices = CASES[case]
    facts = effect_after(setup, drop).actions[0].facts
    assert facts["callers_dropped_sql"].splitlines() == steps


def test_a_routine_that_goes_is_dropped_in_the_effect_and_its_overloads_decide() -> None:
    setup, drop, *_rest = CASES["return_call_chain"]
    assert {"function:public.f", "function:public.h"} <= effect_after(setup, drop).drops
    setup, drop, *_rest = CASES["other_overload"]
    assert effect_after(setup, drop).drops == {"function:public.g"}


@pytest.mark.postgres
def test_the_server_drops_what_lockwise_names_and_refuses_without_cascade(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, drop, _named, steps, notices) in CASES.items():
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(setup)
            if notices:
                with pytest.raises(psycopg.errors.DependentObjectsStillExist):
                    conn.execute(drop.replace(" CASCADE", ""))
            assert cascade_notices(conn, drop) == notices, case
            # After lockwise's steps, in their order, the drop runs without CASCADE.
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(setup)
            for step in steps:
                conn.execute(step)
            conn.execute(drop.replace(" CASCADE", ""))


def conflicts(tmp_path: Path, setup: str, drop: str) -> list[tuple[str, str, str]]:
    """(object, explanation, next step) of each conflict of migration 1 (`setup`), then 2."""
    (tmp_path / "1_a.sql").write_text(setup + "\n")
    (tmp_path / "2_b.sql").write_text(drop + "\n")
    return [(c.kind, c.explanation, c.next_step)
            for c in build_graph(discover(tmp_path)).conflicts]


#: What the graph's conflict names (made by another migration), and its next step.
IN_THE_GRAPH = {
    "atomic_call": ("function public.f()", "DROP FUNCTION public.f();"),
    "column_return": ("function public.f()", "DROP FUNCTION public.f();"),
    "column_inserted": ("procedure public.p()", "DROP PROCEDURE public.p();"),
}


@pytest.mark.parametrize("case", IN_THE_GRAPH)
def test_the_graph_names_a_routine_another_migration_made(tmp_path: Path, case: str) -> None:
    setup, drop, *_rest = CASES[case]
    routine, first = IN_THE_GRAPH[case]
    ((kind, text, step),) = conflicts(tmp_path, setup, drop)
    assert kind == "dependency-dropped"
    assert f"with CASCADE, which silently drops {routine} (created in 1_a)" in text
    assert f"({first})" in step


def test_the_graph_names_a_view_calling_a_routine_that_goes(tmp_path: Path) -> None:
    setup, drop, *_rest = CASES["view_calling_one_that_goes"]
    found = conflicts(tmp_path, setup, drop)
    assert sorted(text.split(" which silently drops ")[1].split(" (created")[0]
                  for _kind, text, _step in found) == [
        "function public.f()", "function public.h()", "view public.vf"]


def test_the_graph_names_each_routine_of_a_chain(tmp_path: Path) -> None:
    setup, drop, *_rest = CASES["return_call_chain"]
    steps = sorted(step for _kind, _text, step in conflicts(tmp_path, setup, drop))
    assert len(steps) == 2
    assert "(DROP FUNCTION public.f();)" in steps[0]
    assert "(DROP FUNCTION public.h();)" in steps[1]


@pytest.mark.parametrize("case", ["string_body_call", "other_overload", "other_column",
                                  "string_body_column"])
def test_a_routine_the_server_keeps_is_no_conflict(tmp_path: Path, case: str) -> None:
    setup, drop, *_rest = CASES[case]
    assert conflicts(tmp_path, setup, drop) == []


def test_a_routine_made_again_is_no_conflict_and_one_not_made_again_is_missing(
        tmp_path: Path) -> None:
    setup, drop, *_rest = CASES["column_return"]
    again = "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql RETURN (SELECT count(*) FROM t);"
    assert conflicts(tmp_path, setup, f"{drop}\n{again}") == []
    kinds = [kind for kind, _text, _step in conflicts(tmp_path, setup, f"{drop}\nSELECT f();")]
    assert kinds == ["dependency-dropped", "missing-object"]


@pytest.mark.parametrize("case", ["column_view_calling_a_chain", "table_view_calling"])
def test_the_graph_names_a_view_calling_a_routine_a_column_or_table_takes(
        tmp_path: Path, case: str) -> None:
    setup, drop, *_rest = CASES[case]
    named = {text.split(" which silently drops ")[1].split(" (created")[0]
             for _kind, text, _step in conflicts(tmp_path, setup, drop)}
    assert {f"view public.{'vh' if 'column' in case else 'vf'}", "function public.f()"} <= named


#: ALTER TABLE ... DROP COLUMN without CASCADE: (setup, the drop, the routines lockwise says
#: refuse it, its steps). The server refuses each with routines (2BP01, its detail naming the
#: first) and runs it after the steps; a string body, another column, CASCADE: no refusal.
REFUSED = {
    "return_reads": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                     "RETURN (SELECT sum(c) FROM t);", "ALTER TABLE t DROP COLUMN c;",
                     ["function f()"], ["DROP FUNCTION f();"]),
    "procedure_writes": (T + "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t (c) VALUES (1); "
                         "END;", "ALTER TABLE t DROP COLUMN c;",
                         ["procedure p()"], ["DROP PROCEDURE p();"]),
    "a_caller_first": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                       "RETURN (SELECT sum(c) FROM t);\nCREATE FUNCTION h() RETURNS bigint "
                       "LANGUAGE sql RETURN f() + 1;", "ALTER TABLE t DROP COLUMN c;",
                       ["function f()"], ["DROP FUNCTION h();", "DROP FUNCTION f();"]),
    "a_view_calling_first": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                             "RETURN (SELECT sum(c) FROM t);\nCREATE VIEW vf AS SELECT f() "
                             "AS x;", "ALTER TABLE t DROP COLUMN c;",
                             ["function f()"], ["DROP VIEW vf;", "DROP FUNCTION f();"]),
    "string_body": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                    "AS 'SELECT sum(c) FROM t';", "ALTER TABLE t DROP COLUMN c;", [], []),
    "other_column": (T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql "
                     "RETURN (SELECT sum(id) FROM t);", "ALTER TABLE t DROP COLUMN c;", [], []),
}


def rule_ids(setup: str, sql: str) -> set[str]:
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql, "0002_drop.sql")],
                              LintOptions(pg_version=18), Catalog())
    return {f.rule for f in reports[-1].all_findings}


@pytest.mark.parametrize("case", REFUSED)
def test_a_drop_column_refused_for_a_routine_is_told_per_statement(case: str) -> None:
    setup, drop, named, steps = REFUSED[case]
    facts = effect_after(setup, drop).actions[0].facts
    assert list(facts["used_by_routines"]) == named
    assert facts.get("drop_used_routines_sql", "").splitlines() == steps
    assert ("column-used-by-routine" in rule_ids(setup, drop)) == bool(named)


def test_a_drop_column_with_cascade_is_not_refused() -> None:
    setup, drop, *_rest = REFUSED["return_reads"]
    assert "column-used-by-routine" not in rule_ids(setup, drop.replace(";", " CASCADE;"))


@pytest.mark.postgres
def test_the_server_refuses_the_drop_column_lockwise_says_it_refuses(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for case, (setup, drop, named, steps) in REFUSED.items():
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(setup)
            if named:
                with pytest.raises(psycopg.errors.DependentObjectsStillExist) as refused:
                    conn.execute(drop)
                assert refused.value.diag.message_primary == (
                    "cannot drop column c of table t because other objects depend on it"), case
                detail = (refused.value.diag.message_detail or "").splitlines()
                assert detail[0] == (f"{named[0].replace('procedure', 'function')} depends "
                                     f"on column c of table t"), case
            for step in steps:
                conn.execute(step)
            conn.execute(drop)


def test_the_graph_tells_a_drop_column_refused_for_a_routine_another_migration_made(
        tmp_path: Path) -> None:
    setup, drop, *_rest = REFUSED["procedure_writes"]
    ((kind, text, step),) = conflicts(tmp_path, setup, drop)
    assert kind == "dependency-dropped"
    assert "while procedure public.p() (created in 1_a) still depends on it" in text
    assert "PostgreSQL refuses the drop" in text
    assert "(DROP PROCEDURE public.p();)" in step


@pytest.mark.parametrize("case", ["string_body", "other_column"])
def test_the_graph_keeps_quiet_when_the_server_runs_the_drop_column(
        tmp_path: Path, case: str) -> None:
    setup, drop, *_rest = REFUSED[case]
    assert conflicts(tmp_path, setup, drop) == []
    assert conflicts(tmp_path, setup, drop.replace(";", " CASCADE;")) == []


#: A bare name under a search_path the migration set is the function the path finds, as
#: the server finds it (`routines.dropped_routine`; fix-pg78): public's g, app having none.
#: (what the first migration made, the DROP under `app, public`, the server's NOTICE)
PATH_CASES = [
    # g(int) stays (f calls it): f stays too; on main lockwise dropped f with app.g
    (CASES["other_overload"][0], "DROP FUNCTION g(text) CASCADE;", []),
    (CASES["atomic_call"][0], "DROP FUNCTION g CASCADE;", ["function f()"]),
]


def _path_drop(setup: str, drop: str) -> tuple[dict, set[str]]:
    """The facts of `drop` under `app, public` after `setup`, and the rules found."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text(f"{setup}\nCREATE SCHEMA app;\n",
                                                   "0001_m.sql"),
                               migration_from_text(f"SET search_path = app, public;\n{drop}\n",
                                                   "0002_m.sql")],
                              LintOptions(), Catalog())
    return (reports[-1].statements[1].effect.actions[0].facts,
            {f.rule for f in reports[-1].all_findings})


@pytest.mark.parametrize(("setup", "drop", "notices"), PATH_CASES)
def test_a_bare_name_under_a_path_drops_the_function_the_path_finds(
        setup: str, drop: str, notices: list[str]) -> None:
    facts, rules = _path_drop(setup, drop)
    assert facts["name"] == "public.g"
    assert [n.split()[-1].removeprefix("public.") for n in facts.get("callers_dropped", ())] \
        == [n.split()[-1] for n in notices]
    assert ("cascade-drops-dependents" in rules) is bool(notices)


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "drop", "notices"), PATH_CASES)
def test_the_server_drops_along_the_path_so(pg_db: str, setup: str, drop: str,
                                            notices: list[str]) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(f"{setup}\nCREATE SCHEMA app;\nSET search_path = app, public;")
        assert cascade_notices(conn, drop) == notices
