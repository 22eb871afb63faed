"""Conflicts for `lockwise lint`: the graph built over lint's own reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.code_store import keep_compiled
from lockwise.core.types import Migration, MigrationReport
from lockwise.graph.build import build_graph, unique_keys
from lockwise.graph.model import Conflict, MigrationGraph
from lockwise.options import named_in

if TYPE_CHECKING:  # git (and subprocess, 6 ms) load only for --base
    from lockwise.graph.git import BaseComparison, BaseRequest


def base_requests(directories: Sequence[Path], histories: Sequence[Sequence[Migration]],
                  ref: str, layout: str | None, named: set[str] | None = None,
                  ) -> list[BaseRequest]:
    """For `--base REF`: each directory's history to compare with the same directory at REF
    (each directory named on the command line is a history of its own); `read()` each for
    the comparison. `named`: the paths of the files named on the command line (None: whole
    directories), the only ones reported."""
    from lockwise.graph.git import base_request

    return [base_request(directory, list(history), ref, layout, named)
            for directory, history in zip(directories, histories, strict=True)]


class ConflictStream:
    """Conflicts built while lint runs: lint hands over each migration's report as soon as it
    is judged, the graph replays it, and lint can then drop the statements' parse trees (on
    long histories they are most of the memory).

    `histories` are the separate sequences of versions (one per directory named on the
    command line); `only`, when given, keeps the conflicts that involve those migrations.
    Without `check_downs` no down migration is replayed (down-mismatch is not wanted).
    """

    def __init__(self, histories: Sequence[Sequence[Migration]], *, pg_version: int,
                 only: set[str] | frozenset[str] | None = None,
                 check_downs: bool = True, templates: str = "substitute",
                 default_collation: str | None = None) -> None:
        self.pg_version = pg_version
        self.check_downs = check_downs
        self.templates = templates
        self.default_collation = default_collation
        self.builders: list = []
        self.retarget(histories, only)

    def retarget(self, histories: Sequence[Sequence[Migration]],
                 only: set[str] | frozenset[str] | None) -> None:
        """Go on with these histories: what was replayed so far must be how they begin
        (ValueError otherwise). Lint uses this to resume from a stored replay."""
        from lockwise.graph.build import graph_builder

        present = [h for h in histories if h]
        if any(b.added for b in self.builders[len(present):]):
            raise ValueError("a replayed history is gone")
        # A down check can only find a conflict of its own migration: those of `only`.
        downs_of = only if self.check_downs else frozenset()
        builders = []
        for i, history in enumerate(present):
            if i < len(self.builders):
                builder = self.builders[i]
                builder.retarget(history)
                builder.downs_of = downs_of
            else:
                builder = graph_builder(history, pg_version=self.pg_version, downs_of=downs_of,
                                        templates=self.templates,
                                        default_collation=self.default_collation)
            builders.append(builder)
        self.builders, self.only = builders, only
        self.owner = {id(m): b for b, h in zip(builders, present, strict=True) for m in h}

    def add(self, report: MigrationReport) -> None:
        builder = self.owner.get(id(report.migration))
        if builder is not None:
            builder.note_placeholders(report.placeholders)
            builder.add(report.migration, [(s.statement, s.effect) for s in report.statements])

    def add_the_rest(self, upto: int | None = None) -> None:
        """Add every migration not added yet (or until `upto` of all the histories' migrations,
        in order, are added), parsed by the graph itself: for a graph built without lint's
        reports (in a second process beside lint)."""
        left = None if upto is None else upto - sum(b.added for b in self.builders)
        for builder in self.builders:
            for m in builder.migrations[builder.added:]:
                if left is not None:
                    if left <= 0:
                        return
                    left -= 1
                builder.add_own(m)

    def conflicts(self) -> list[Conflict]:
        """The conflicts, once every migration was added (the stream cannot go on after)."""
        found: list[Conflict] = []
        for builder in self.builders:
            graph = builder.finish()
            found += _ours(graph, self.only)
        return found


def history_conflicts(histories: Sequence[Sequence[Migration]], *, pg_version: int,
                      only: set[str] | frozenset[str] | None = None,
                      at: Mapping[int, Callable[[ConflictStream], None]] | None = None,
                      check_downs: bool = True, templates: str = "substitute",
                      default_collation: str | None = None) -> list[Conflict]:
    """The conflicts `ConflictStream` finds, with the graph parsing each migration and
    computing its effects itself (so it can run beside lint, in another process).
    `at[n]` sees the stream once the first n migrations of the histories (in order) are
    added; lint stores it there, to go on from it in a later run."""
    stream = ConflictStream(histories, pg_version=pg_version, only=only,
                            check_downs=check_downs, templates=templates,
                            default_collation=default_collation)
    for count, visit in sorted((at or {}).items()):
        stream.add_the_rest(upto=count)
        visit(stream)
    stream.add_the_rest()
    keep_compiled()  # the graph's own dataclasses (in lint's forked child, lint keeps its own)
    return stream.conflicts()


def _ours(graph: MigrationGraph, only: set[str] | frozenset[str] | None) -> list[Conflict]:
    """A file linted with its directory as context: its conflicts, not the directory's."""
    if only is None:
        return list(graph.conflicts)
    ours = {k for k, m in zip(graph.keys, graph.migrations, strict=True) if named_in(m, only)}
    return [c for c in graph.conflicts if any(loc.migration in ours for loc in c.locations)]


def base_conflicts(comparison: BaseComparison, reports: Sequence[MigrationReport], *,
                   pg_version: int, check_downs: bool = True, templates: str = "substitute",
                   default_collation: str | None = None) -> list[Conflict]:
    """Conflicts for `lint --base REF`, reusing the effects lint computed for `reports`.

    The graph covers the merged history (the branch plus what REF added since the branch
    point) and only conflicts that involve a migration added or changed on the branch are
    kept: the rest is REF's business, not this change's. Then the migrations applied already
    that the branch edited, moved or deleted.
    """
    history = comparison.history
    keys = unique_keys(history)
    ours = set(comparison.branch.branch_new) | {
        k for k, m in zip(keys, history, strict=True) if named_in(m, comparison.changed)}
    # A down check finds conflicts of its own migration only: the others' are not kept.
    downs_of = {m.id for k, m in zip(keys, history, strict=True) if k in ours}
    graph = build_graph(history, reports=reports, pg_version=pg_version,
                        branch=comparison.branch, downs_of=downs_of, check_downs=check_downs,
                        templates=templates, default_collation=default_collation)
    return [c for c in graph.conflicts if any(loc.migration in ours for loc in c.locations)
            ] + comparison.applied_changes
