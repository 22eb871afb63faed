"""What lint holds per statement of a long migration (issue 10: a data dump of 500,000
statements took 3.1 GB). Counted as live objects, not timed or measured in RSS: each test
fails if a per-statement object is kept longer than it is needed again."""

from __future__ import annotations

import gc
import json

import pytest

import lockwise.report.json_report as json_report
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

STATEMENTS = 300


def _seed() -> str:
    return "CREATE TABLE t (a int, b text);\n" + "".join(
        f"INSERT INTO t (a, b) VALUES ({i}, 'x');\n" for i in range(STATEMENTS))


def _live_insert_trees() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is dict
               and isinstance(node := o.get("InsertStmt"), dict) and "relation" in node)


def test_no_parse_tree_outlives_its_statement() -> None:
    """Once a statement is judged and replayed, its pglast tree is dropped (release): the
    reports keep what the printers read, not the trees."""
    before = _live_insert_trees()
    reports = lint_migrations([migration_from_text(_seed(), "0001_seed.sql")], LintOptions(),
                              Catalog(), release=True)
    assert len(reports[0].statements) == STATEMENTS + 1
    assert _live_insert_trees() - before == 0


def test_released_statements_share_what_repeats() -> None:
    """A released statement keeps no tree (None, not an empty dict each) and no comment
    spans, and what repeats from statement to statement (its comments, the relation names of
    its locks and scans, its reason, its findings' messages) is one object in every report
    that says it, so the result cache pickles and loads it once a batch."""
    sql = "".join(f"-- step {i % 2}\nCREATE INDEX i{i} ON t (a);\n" for i in range(6))
    reports = lint_migrations([migration_from_text("CREATE TABLE t (a int);\n", "0001_t.sql"),
                               migration_from_text(sql, "0002_i.sql")],
                              LintOptions(), Catalog(), release=True)
    statements = reports[1].statements
    assert [s.statement.tree for s in statements] == [None] * 6
    assert all(s.statement.comment_spans == () for s in statements)
    assert len({id(s.statement.leading_comments[0]) for s in statements}) == 2
    assert len({id(name) for s in statements for name in s.effect.locks}) == 1
    assert len({id(s.reason) for s in statements}) == 1
    messages = [f.message for s in statements for f in s.findings
                if f.rule == "index-without-concurrently"]
    assert len(messages) == 6 and len(set(map(id, messages))) == 1


class _Tracked(dict):
    """A statement's dict in the JSON report, counted while it is alive."""

    alive = 0
    most = 0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _Tracked.alive += 1
        _Tracked.most = max(_Tracked.most, _Tracked.alive)

    def __del__(self) -> None:
        _Tracked.alive -= 1


def test_the_json_report_holds_one_statement_at_a_time(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """The JSON report was built as one dict of every statement's dict, then dumped whole:
    twice the report's size at once. Each statement's dict is encoded and dropped before the
    next is built, and the text is still the one json.dumps gives for the whole document."""
    reports = lint_migrations([migration_from_text(_seed(), "0001_seed.sql")], LintOptions(),
                              Catalog(), release=True)
    options = LintOptions()
    expected = json_report.json_before_conflicts(reports, options=options)
    built = json_report.statement_dict
    monkeypatch.setattr(json_report, "statement_dict", lambda s: _Tracked(built(s)))
    _Tracked.alive = _Tracked.most = 0
    head = json_report.json_before_conflicts(reports, options=options)
    assert head == expected
    assert len(json.loads(head + "\n}")["migrations"][0]["statements"]) == STATEMENTS + 1
    assert _Tracked.most <= 2, f"{_Tracked.most} statement dicts alive at once"


def _mixed(statements: int) -> str:
    """A seed file as a dump writes it, with what positions and directives hang on: DDL
    between the rows, comments, a psql meta-command, non-ASCII text, a last statement with
    no semicolon."""
    rows = "".join(
        f"INSERT INTO t (a, b) VALUES ({i}, 'é{i}');\n" if i % 7 else
        f"-- row {i}\nALTER TABLE t ALTER COLUMN b SET DEFAULT 'y{i}'; /* after */\n"
        for i in range(statements))
    return ("-- lockwise: ignore-file add-column-default\n\\set ON_ERROR_STOP on\n"
            "CREATE TABLE t (a int, b text);\n" + rows +
            "CREATE INDEX t_a ON t (a);\nALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id);\n"
            "CREATE TABLE u (id int PRIMARY KEY)")


def _json(text: str) -> str:
    options = LintOptions()
    reports = lint_migrations([migration_from_text(text, "0001_seed.sql")], options,
                              Catalog(), release=True)
    return json_report.json_before_conflicts(reports, options=options)


def _in_pieces(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Parse files of more than `size` characters in pieces of 40 statements."""
    import lockwise.parse.postgres as postgres

    monkeypatch.setattr(postgres, "PIECES_FROM", size)
    monkeypatch.setattr(postgres, "PIECE_STATEMENTS", 40)


def test_a_huge_file_holds_a_piece_of_its_trees_at_a_time(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A file above the size for pieces is parsed and judged a piece at a time: the trees of
    the statements not judged yet are not built (a 500,000-statement dump held all its
    trees, 3.1 GB)."""
    import lockwise.lint as lint

    _in_pieces(monkeypatch, 1000)
    computed = lint.compute_effect
    most = 0
    calls = 0

    def counting(tree: dict, ctx: object) -> object:
        nonlocal most, calls
        calls += 1
        if calls % 25 == 0:
            most = max(most, _live_insert_trees())
        return computed(tree, ctx)

    monkeypatch.setattr(lint, "compute_effect", counting)
    before = _live_insert_trees()
    reports = lint_migrations([migration_from_text(_mixed(STATEMENTS), "0001_seed.sql")],
                              LintOptions(), Catalog(), release=True)
    assert len(reports[0].statements) == STATEMENTS + 4
    assert calls >= STATEMENTS
    assert most - before <= 2 * 40, f"{most - before} INSERT trees alive at once"


def test_pieces_give_the_report_of_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same JSON either way: positions, comments, directives, what later statements
    create (the foreign key's table), and a parse error in a later piece."""
    text = _mixed(STATEMENTS)
    broken = text.replace(f"VALUES ({STATEMENTS - 3},", f"VALUES ({STATEMENTS - 3}", 1)
    whole = [_json(text), _json(broken)]
    assert '"line": 2' in whole[0] and "u" in whole[0]
    _in_pieces(monkeypatch, 1000)
    assert [_json(text), _json(broken)] == whole


def test_a_cut_inside_a_statement_parses_the_file_whole(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """The scanner cuts a BEGIN ATOMIC body at its semicolons: wherever a piece's cut falls
    in one, the report is the whole file's."""
    atomic = ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; "
              "END;\n")
    texts = [_mixed(120).replace("INSERT INTO t (a, b) VALUES (" + str(row) + ",",
                                 atomic + "INSERT INTO t (a, b) VALUES (" + str(row) + ",", 1)
             for row in (36, 37, 38)]
    whole = [_json(text) for text in texts]
    _in_pieces(monkeypatch, 1000)
    assert [_json(text) for text in texts] == whole


def test_flyway_sees_every_statement_of_a_file_in_pieces(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Flyway runs a migration outside a transaction when every statement refuses one: a
    file in pieces is read for that with its trees too (not the empty ones its statements
    wait with), and gets the whole file's report."""
    from dataclasses import replace

    text = "".join(f"CREATE INDEX CONCURRENTLY i{n} ON t (a);\n" for n in range(120))
    migration = replace(migration_from_text(text, "V1__indexes.sql"), layout="flyway")
    options = LintOptions()

    def report() -> str:
        reports = lint_migrations([migration], options, Catalog(), release=True)
        return json_report.json_before_conflicts(reports, options=options)

    whole = report()
    assert "transaction" in whole
    _in_pieces(monkeypatch, 1000)
    assert report() == whole


def _graph_conflicts(text: str, before: str | None = None) -> list:
    """The conflicts the graph finds in `text` (after `before`), parsing them itself as it
    does in lint's forked child."""
    from lockwise.graph.api import history_conflicts

    history = [migration_from_text(before, "0000_base.sql")] if before is not None else []
    history.append(migration_from_text(text, "0001_seed.sql"))
    return history_conflicts([history], pg_version=LintOptions().pg_version)


def test_the_graph_holds_a_piece_of_a_huge_files_trees_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The conflict graph's own parse of a huge file (lint's forked child) goes by pieces too:
    it held every tree of the file while replaying it (243 MB of its own at 50,000
    statements)."""
    import lockwise.graph.build as build

    _in_pieces(monkeypatch, 1000)
    computed = build.compute
    most = 0
    calls = 0

    def counting(*args: object) -> object:
        nonlocal most, calls
        calls += 1
        if calls % 25 == 0:
            most = max(most, _live_insert_trees())
        return computed(*args)

    monkeypatch.setattr(build, "compute", counting)
    before = _live_insert_trees()
    _graph_conflicts(_mixed(STATEMENTS))
    assert calls >= STATEMENTS
    assert most - before <= 2 * 40, f"{most - before} INSERT trees alive at once"


def test_the_graph_finds_the_same_conflicts_in_pieces(monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    """The same conflicts either way, with their lines: a table used before it is created, one
    an earlier migration dropped, a search_path set halfway (the replay session, read ahead
    through the pieces), a cut inside a BEGIN ATOMIC body (parsed whole)."""
    atomic = ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; "
              "END;\n")
    text = _mixed(STATEMENTS).replace(
        "VALUES (40,", "VALUES (40, 1);\nSET search_path TO app;\n"
        "INSERT INTO public.gone (a) VALUES (1);\nINSERT INTO t (a, b) VALUES (40,", 1)
    texts = [text, text.replace("VALUES (37,", atomic + "INSERT INTO t (a, b) VALUES (37,", 1)]
    base = "CREATE SCHEMA app;\nCREATE TABLE gone (a int);\nDROP TABLE gone;\n"
    whole = [repr(_graph_conflicts(t, base)) for t in texts]
    assert "gone" in whole[0] and "table:app.u" in whole[0]
    _in_pieces(monkeypatch, 1000)
    assert [repr(_graph_conflicts(t, base)) for t in texts] == whole


def _live_insert_bodies() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is dict
               and "relation" in o and "selectStmt" in o)


def test_the_memo_of_a_statements_calls_holds_a_bounded_number_of_trees() -> None:
    """Once a routine is kept, each query and DML is searched for its calls and the search
    remembered by node (`routines._calls`, which holds the node): at most 64 of them, the
    oldest let go first, however long the migration."""
    sql = ("CREATE TABLE t (a int, b text);\n"
           "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
           + "".join(f"INSERT INTO t (a, b) VALUES (f() + {i}, 'x');\n"
                     for i in range(STATEMENTS)))
    before = _live_insert_bodies()
    reports = lint_migrations([migration_from_text(sql, "0001_seed.sql")], LintOptions(),
                              Catalog(), release=True)
    assert len(reports[0].statements) == STATEMENTS + 2
    assert _live_insert_bodies() - before <= 64
