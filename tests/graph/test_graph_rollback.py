"""The graph follows ROLLBACK and ROLLBACK TO SAVEPOINT as lint's replay does: what the
rolled-back statements created, dropped and used is no migration's any more (who created an
object, who uses it, what was dropped, the views over a table), while what they needed to run
still orders the migrations (checked on 18.6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.graph.git import BranchInfo

#: A migration that creates table t and undoes it: with ROLLBACK, with ROLLBACK TO SAVEPOINT.
UNDONE = {
    "rollback": "BEGIN;\nCREATE TABLE t (id int);\nROLLBACK;\n",
    "savepoint": "BEGIN;\nSAVEPOINT s;\nCREATE TABLE t (id int);\nROLLBACK TO SAVEPOINT s;\n"
                 "COMMIT;\n",
}


def graph_of(tmp_path: Path, *files: tuple[str, str], branch: BranchInfo | None = None):
    for name, sql in files:
        (tmp_path / name).write_text(sql)
    return build_graph(discover(tmp_path), branch=branch)


def reasons(graph, a: str, b: str) -> dict[str, list[str]]:
    return {k: v for k, v in graph.edges.get((a, b), {}).items() if k != "order"}


@pytest.mark.postgres
def test_the_server_forgets_what_a_rollback_undid(pg_db: str) -> None:
    # checked on 18.6: the table made and rolled back can be made again; a view rolled back
    # holds no table; a drop rolled back leaves the table
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for undone in UNDONE.values():
            conn.execute(undone)
            conn.execute("CREATE TABLE t (id int); DROP TABLE t")
        conn.execute("CREATE TABLE t (id int)")
        conn.execute("BEGIN; CREATE VIEW v AS SELECT * FROM t; ROLLBACK")
        conn.execute("BEGIN; DROP TABLE t; ROLLBACK")
        conn.execute("ALTER TABLE t ADD COLUMN x int")
        conn.execute("DROP TABLE t")


@pytest.mark.parametrize("undone", UNDONE)
def test_a_create_rolled_back_makes_no_creator(tmp_path: Path, undone: str) -> None:
    graph = graph_of(tmp_path, ("1_a.sql", UNDONE[undone]),
                     ("2_b.sql", "ALTER TABLE t ADD COLUMN x int;\n"))
    assert reasons(graph, "1_a", "2_b") == {}


@pytest.mark.parametrize("undone", UNDONE)
def test_a_create_rolled_back_does_not_clash_with_one_on_the_base(tmp_path: Path,
                                                                  undone: str) -> None:
    branch = BranchInfo(ref="main", branch_new=frozenset(["1_a"]), base_new=frozenset(["2_b"]))
    graph = graph_of(tmp_path, ("1_a.sql", UNDONE[undone]),
                     ("2_b.sql", "CREATE TABLE t (id int);\n"), branch=branch)
    assert graph.conflicts == []


def test_a_create_that_stays_still_clashes_with_one_on_the_base(tmp_path: Path) -> None:
    branch = BranchInfo(ref="main", branch_new=frozenset(["1_a"]), base_new=frozenset(["2_b"]))
    graph = graph_of(tmp_path, ("1_a.sql", "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n"),
                     ("2_b.sql", "CREATE TABLE t (id int);\n"), branch=branch)
    assert [c.kind for c in graph.conflicts] == ["non-commuting"]


@pytest.mark.parametrize("end", ["ROLLBACK;", "ROLLBACK TO SAVEPOINT s;\nCOMMIT;"])
def test_a_drop_rolled_back_leaves_the_creator(tmp_path: Path, end: str) -> None:
    graph = graph_of(tmp_path, ("1_x.sql", "CREATE TABLE t (id int);\n"),
                     ("2_a.sql", f"BEGIN;\nSAVEPOINT s;\nDROP TABLE t;\n{end}\n"),
                     ("3_b.sql", "ALTER TABLE t ADD COLUMN x int;\n"))
    assert reasons(graph, "1_x", "3_b") == {"created-by": ["table:public.t"]}
    assert graph.conflicts == []


def test_a_view_rolled_back_does_not_hold_its_table(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, ("1_x.sql", "CREATE TABLE t (id int);\n"),
                     ("2_a.sql", "BEGIN;\nCREATE VIEW v AS SELECT * FROM t;\nROLLBACK;\n"),
                     ("3_b.sql", "DROP TABLE t;\n"))
    assert graph.conflicts == []


def test_a_cascade_rolled_back_drops_no_view(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, ("1_x.sql", "CREATE TABLE t (id int);\n"
                                           "CREATE VIEW v AS SELECT * FROM t;\n"),
                     ("2_a.sql", "BEGIN;\nDROP TABLE t CASCADE;\nROLLBACK;\n"),
                     ("3_b.sql", "SELECT * FROM v;\n"))
    assert graph.conflicts == []
    assert "table:public.v" in reasons(graph, "1_x", "3_b")["created-by"]


def test_a_use_of_what_the_rollback_undid_orders_no_later_drop(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, ("1_x.sql", "CREATE TABLE t (id int);\n"),
                     ("2_a.sql", "BEGIN;\nCREATE TABLE u (id int);\n"
                                 "INSERT INTO u SELECT id FROM t;\nROLLBACK;\n"),
                     ("3_b.sql", "CREATE TABLE u (id int);\n"), ("4_c.sql", "DROP TABLE u;\n"))
    assert reasons(graph, "2_a", "4_c") == {}
    assert reasons(graph, "3_b", "4_c") == {"created-by": ["table:public.u"]}


def test_a_use_rolled_back_of_what_was_there_still_orders_a_later_drop(tmp_path: Path) -> None:
    # The INSERT ran before its ROLLBACK: t had to be there, so the drop must come after.
    graph = graph_of(tmp_path, ("1_x.sql", "CREATE TABLE t (id int);\n"),
                     ("2_a.sql", "BEGIN;\nINSERT INTO t VALUES (1);\nROLLBACK;\n"),
                     ("3_b.sql", "DROP TABLE t;\n"))
    assert reasons(graph, "2_a", "3_b") == {"dropped-after-use": ["table:public.t"]}


def test_a_use_rolled_back_of_what_was_there_still_clashes_with_a_drop_on_the_base(
        tmp_path: Path) -> None:
    branch = BranchInfo(ref="main", branch_new=frozenset(["2_a"]), base_new=frozenset(["3_b"]))
    graph = graph_of(tmp_path, ("1_x.sql", "CREATE TABLE t (id int);\n"),
                     ("2_a.sql", "BEGIN;\nSAVEPOINT s;\nINSERT INTO t VALUES (1);\n"
                                 "ROLLBACK TO SAVEPOINT s;\nCOMMIT;\n"),
                     ("3_b.sql", "DROP TABLE t;\n"), branch=branch)
    assert [(c.kind, c.object) for c in graph.conflicts] == [("non-commuting", "table:public.t")]


def test_a_rename_rolled_back_is_followed_by_a_later_rename(tmp_path: Path) -> None:
    # The rename rolled back moved nothing: a later rename moves the column 1_x created.
    graph = graph_of(tmp_path, ("1_x.sql", "CREATE TABLE t (id int);\n"),
                     ("2_a.sql", "BEGIN;\nALTER TABLE t RENAME TO u;\nROLLBACK;\n"),
                     ("3_b.sql", "ALTER TABLE t RENAME TO w;\n"),
                     ("4_c.sql", "ALTER TABLE w ALTER COLUMN id TYPE bigint;\n"))
    assert reasons(graph, "1_x", "4_c") == {"created-by": ["column:public.w.id"]}
    assert reasons(graph, "3_b", "4_c") == {"created-by": ["table:public.w"]}
    assert graph.conflicts == []
