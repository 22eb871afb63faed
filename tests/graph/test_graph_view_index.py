"""The graph's index of views by what they depend on (`_ViewMap`) must answer as a scan of
every view would, also after the views are renamed, replaced, dropped or their deps moved."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import _ViewDeps, _ViewMap, dependent_views
from lockwise.graph.model import Location

USERS = "CREATE TABLE users (id bigint PRIMARY KEY, nick text);\n"
VIEW = "CREATE VIEW nicks AS SELECT id, nick FROM users;\n"


def _graph(tmp_path: Path, *files: tuple[str, str]):
    from lockwise.graph.build import build_graph

    for name, sql in files:
        (tmp_path / name).write_text(sql)
    return build_graph(discover(tmp_path))


def _scan(views: _ViewMap, obj: str) -> list[str]:
    return [v for v, vd in views.items() if obj in vd.deps]


def test_the_index_answers_as_a_scan_through_random_changes() -> None:
    rng = random.Random(3)
    objs = [f"column:s.t{i}.c{j}" for i in range(3) for j in range(3)] + \
        [f"table:s.t{i}" for i in range(3)] + [f"table:s.v{i}" for i in range(5)]
    views = _ViewMap()
    loc = Location("m", "f")
    for _ in range(400):
        view = f"s.v{rng.randrange(5)}"
        op = rng.randrange(4)
        if op == 0:  # created or replaced with other deps
            views[view] = _ViewDeps(set(rng.sample(objs, 3)), "m", loc)
        elif op == 1:
            views.pop(view, None)
        elif op == 2 and view in views:  # renamed
            views[f"s.v{rng.randrange(5)}"] = views.pop(view)
        elif op == 3 and view in views:  # deps changed in place, then refiled
            views[view].deps.discard(rng.choice(objs))
            views[view].deps.add(rng.choice(objs))
            views.refile(view)
        for obj in objs:
            assert views.reading(obj) == _scan(views, obj)
            assert views.dependents(obj) == dependent_views(
                {v: vd.deps for v, vd in views.items()}, obj)
        for rel in (f"s.t{i}" for i in range(3)):
            assert set(views.under(rel)) >= {v for v, vd in views.items()
                                             if any(rel in d for d in vd.deps)}


@pytest.mark.parametrize(("steps", "flagged"), [
    # the view follows the column rename: dropping the new name still breaks it
    (["ALTER TABLE users RENAME COLUMN nick TO handle;\n",
      "ALTER TABLE users DROP COLUMN handle;\n"], True),
    # ... and the table rename
    (["ALTER TABLE users RENAME TO people;\n", "ALTER TABLE people DROP COLUMN nick;\n"], True),
    (["ALTER TABLE users SET SCHEMA app;\n", "ALTER TABLE app.users DROP COLUMN nick;\n"], True),
    # a view renamed is still over the column
    (["ALTER VIEW nicks RENAME TO handles;\n", "ALTER TABLE users DROP COLUMN nick;\n"], True),
    # a view replaced by one that no longer reads the column is not over it any more
    (["CREATE OR REPLACE VIEW nicks AS SELECT id, email AS nick FROM users;\n",
      "ALTER TABLE users DROP COLUMN nick;\n"], False),
    # ... unless PostgreSQL refuses the replacement (nick's type changes): it is still over it
    (["CREATE OR REPLACE VIEW nicks AS SELECT id, id AS nick FROM users;\n",
      "ALTER TABLE users DROP COLUMN nick;\n"], True),
    (["DROP VIEW nicks;\n", "ALTER TABLE users DROP COLUMN nick;\n"], False),
])
def test_dependents_follow_renames_and_replacements(tmp_path: Path, steps: list[str],
                                                    flagged: bool) -> None:
    files = [("1_users.sql", "CREATE SCHEMA app;\n" + USERS), ("2_view.sql", VIEW)]
    files += [(f"{i}_step.sql", sql) for i, sql in enumerate(steps, 3)]
    graph = _graph(tmp_path, *files)
    found = [c for c in graph.conflicts if c.kind == "dependency-dropped"]
    assert bool(found) == flagged, graph.conflicts
