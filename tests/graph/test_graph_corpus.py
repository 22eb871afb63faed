"""The graph over a real history: lemmy's 342 diesel migrations, each with a down.sql."""

from __future__ import annotations

from pathlib import Path

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.graph.render import RENDERERS

_REPLACEABLE = "2024-02-24-034523_replaceable-schema"


def test_lemmy_graph_builds_and_checks_every_down(corpora: Path) -> None:
    lemmy = corpora / "lemmy"
    migrations = discover(lemmy)
    graph = build_graph(migrations)
    with_down = [m for m in migrations if m.down_sql is not None]
    assert len(migrations) >= 342
    assert graph.downs_checked == len(with_down) == len(migrations)
    assert graph.keys == [m.id for m in migrations]
    # A history that has run in production: nothing in it uses a dropped or missing object,
    # drops what a view still needs, or repeats a version. The one down reported was
    # reviewed and is real: it says outright that it restores nothing ("There is no restore
    # for this"); every other down undoes its up. 2024-02-24 drops 31 trigger functions
    # "and use[s] `CASCADE` to drop the triggers that use them", made by earlier migrations
    # (lemmy makes them again outside its migrations): 29 triggers, as the server's NOTICE
    # names them after the history up to it (checked on 18.6).
    cascaded = [c for c in graph.conflicts if c.kind == "dependency-dropped"]
    assert len(cascaded) == 29
    assert all(c.migrations[-1] == _REPLACEABLE and c.object.startswith("function:public.")
               and ", which silently drops trigger " in c.explanation for c in cascaded)
    rest = [c for c in graph.conflicts if c not in cascaded]
    assert [(c.kind, c.migrations[0]) for c in rest] == [
        ("down-mismatch", "2020-12-17-031053_remove_fast_tables_and_views")]
    assert "table public.comment_aggregates_fast missing after down" in rest[0].explanation
    # Object-level edges exist well beyond plain version order.
    object_edges = [k for k, reasons in graph.edges.items() if set(reasons) - {"order"}]
    assert len(object_edges) > len(migrations)
    for render in RENDERERS.values():
        assert render(graph)


def test_lemmy_down_that_keeps_added_columns_is_reported(corpora: Path) -> None:
    """2024-02-24's replaceable schema defers post_aggregates' foreign keys (ALTER
    CONSTRAINT), which changes none of its columns: a later down that leaves the columns its
    up added is still seen, on post_aggregates as on comment_aggregates."""
    from dataclasses import replace

    migrations = discover(corpora / "lemmy")
    target = "2025-08-01-000019_add_report_count"
    assert any(m.id == target for m in migrations)
    emptied = [replace(m, down_sql="SELECT 1;\n") if m.id == target else m
               for m in migrations]
    graph = build_graph(emptied, downs_of=[target])
    # (and the triggers 2024-02-24 drops with CASCADE: test_lemmy_graph_builds_...)
    rest = [c for c in graph.conflicts if c.kind != "dependency-dropped"
            or c.migrations[-1] != _REPLACEABLE]
    assert [(c.kind, c.migrations[0]) for c in rest] == [("down-mismatch", target)]
    assert "column public.post_aggregates.report_count still exists after down" in \
        rest[0].explanation
