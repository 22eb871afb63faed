"""Conflicts for `lockwise lint`: the graph built over lint's own reports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lockwise.core.types import Migration, MigrationReport
from lockwise.graph.build import build_graph
from lockwise.graph.git import BaseComparison, compare_with_base
from lockwise.graph.model import Conflict


def base_comparison(paths: Sequence[Path], migrations: list[Migration], ref: str,
                    layout: str | None) -> BaseComparison:
    """For `--base REF`: compare the first path's migration directory with REF."""
    directory = paths[0] if paths else Path(".")
    return compare_with_base(directory, migrations, ref, layout)


def histories(migrations: Sequence[Migration], paths: Sequence[Path],
              layout: str | None) -> list[list[Migration]]:
    """Split what `lockwise lint A B` collected into the separate histories A and B: each
    directory named on the command line is its own sequence of versions."""
    if len(paths) <= 1:
        return [list(migrations)]
    from lockwise.cli.inputs import collect
    from lockwise.discover import file_key

    groups: list[list[Migration]] = []
    seen: set[str] = set()
    for path in paths:
        found, _ = collect([path], layout)
        members = {file_key(m.path) for m in found} - seen
        seen |= members
        group = [m for m in migrations if file_key(m.path) in members]
        if group:
            groups.append(group)
    rest = [m for m in migrations if file_key(m.path) not in seen]
    return groups + ([rest] if rest else [])


def lint_conflicts(migrations: Sequence[Migration], reports: Sequence[MigrationReport], *,
                   pg_version: int, comparison: BaseComparison | None = None,
                   only: set[str] | frozenset[str] | None = None,
                   paths: Sequence[Path] = (), layout: str | None = None) -> list[Conflict]:
    """Conflicts between `migrations`, reusing the effects lint computed for `reports`.

    With a base comparison, the graph covers the merged history (the branch plus what REF
    added since the branch point) and only conflicts that involve a migration added or
    changed on the branch are kept: the rest is REF's business, not this change's.
    """
    if comparison is None:
        found: list[Conflict] = []
        for history in histories(migrations, paths, layout):
            graph = build_graph(history, reports=reports, pg_version=pg_version)
            if only is None:
                found += graph.conflicts
                continue
            # A file linted with its directory as context: its conflicts, not the directory's.
            ours = {k for k, m in zip(graph.keys, graph.migrations, strict=True)
                    if m.id in only or str(m.path) in only}
            found += [c for c in graph.conflicts
                      if any(loc.migration in ours for loc in c.locations)]
        return found
    graph = build_graph(comparison.history, reports=reports, pg_version=pg_version,
                        branch=comparison.branch)
    ours = set(comparison.branch.branch_new) | {
        k for k, m in zip(graph.keys, graph.migrations, strict=True)
        if m.id in comparison.changed}
    return [c for c in graph.conflicts if any(loc.migration in ours for loc in c.locations)]
