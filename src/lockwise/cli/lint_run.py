"""What `lockwise lint` computes between reading its inputs and printing: every migration's
report and the conflicts between migrations, from the result cache when nothing they depend
on changed.

The conflict graph is fed each report as soon as lint made it, so the statements' parse trees
can be dropped right away instead of being held for the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from lockwise.core.types import Migration, MigrationReport

if TYPE_CHECKING:
    from lockwise.graph.git import BaseComparison
    from lockwise.graph.model import Conflict
    from lockwise.options import LintOptions

#: How many lint results the cache keeps (one per distinct input: branches, directories).
CACHED_RESULTS = 8
#: SQL text (up and down) from which the conflict graph is built beside lint, on a second CPU.
PARALLEL_MIN_CHARS = 200_000


@dataclass(slots=True)
class LintResult:
    reports: list[MigrationReport]
    conflicts: list[Conflict]


def lint_with_conflicts(migrations: list[Migration], histories: Sequence[Sequence[Migration]],
                        options: LintOptions, *, conflicts: bool,
                        comparison: BaseComparison | None = None,
                        use_cache: bool = True, parallel: bool | None = None) -> LintResult:
    """Reports for `migrations` and, with `conflicts`, the conflicts between them (for each
    of `histories`, or against `comparison`'s base). `parallel`: build the conflict graph in
    a second process (None: when the input is large enough to pay, and a second CPU and
    fork() are there)."""
    import gc

    # Lint allocates millions of small objects (parse trees, reports) and frees them without
    # cycles: the cyclic collector's passes over them cost ~15% of a run and find nothing.
    # Run it 100x less often while linting, not never: cycles would still be collected.
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 100_000), *thresholds[1:])
    try:
        return _lint_with_conflicts(migrations, histories, options, conflicts=conflicts,
                                    comparison=comparison, use_cache=use_cache,
                                    parallel=parallel)
    finally:
        gc.set_threshold(*thresholds)


def _lint_with_conflicts(migrations: list[Migration],
                         histories: Sequence[Sequence[Migration]], options: LintOptions, *,
                         conflicts: bool, comparison: BaseComparison | None,
                         use_cache: bool, parallel: bool | None) -> LintResult:
    # --base results depend on the git repository too: not cached.
    key = _key(migrations, histories, options, conflicts) \
        if use_cache and comparison is None else None
    if key is not None:
        from lockwise.cache import load

        cached = load(f"lint-{key}", shared=migrations)
        if cached is not None:
            found, reports = cached
            return LintResult(reports, found)  # type: ignore[arg-type]
    # Imported only now: a cached result needs none of the pipeline (parser, effect model,
    # rules), and importing it is a tenth of a cold start.
    from lockwise.lint import lint_migrations, release_details

    if conflicts and comparison is not None:
        from lockwise.graph.api import base_conflicts

        reports = lint_migrations(migrations, options)
        result = LintResult(reports, base_conflicts(comparison, reports,
                                                    pg_version=options.pg_version))
    elif conflicts and _in_background(migrations, options, parallel):
        from lockwise.graph.api import history_conflicts
        from lockwise.parallel import Background

        def graph() -> list[Conflict]:
            return history_conflicts(histories, pg_version=options.pg_version,
                                     only=options.only)

        child = Background(graph)
        try:
            reports = lint_migrations(migrations, options, on_report=release_details)
        except BaseException:
            child.cancel()
            raise
        found = child.result()
        result = LintResult(reports, graph() if found is None else found)
    elif conflicts:
        from lockwise.graph.api import ConflictStream

        stream = ConflictStream(histories, pg_version=options.pg_version, only=options.only)

        def graph_then_release(report: MigrationReport) -> None:
            stream.add(report)
            release_details(report)

        reports = lint_migrations(migrations, options, on_report=graph_then_release)
        result = LintResult(reports, stream.conflicts())
    else:
        reports = lint_migrations(migrations, options, on_report=release_details)
        result = LintResult(reports, [])
    if key is not None:
        from lockwise.cache import store

        store(f"lint-{key}", result.conflicts, result.reports, keep=CACHED_RESULTS,
              shared=migrations)
    return result


def _in_background(migrations: Sequence[Migration], options: LintOptions,
                   parallel: bool | None) -> bool:
    """Whether the conflict graph runs in a second process while this one lints. The graph
    then parses and computes effects again (as `lockwise graph` does), which pays only when
    there is enough to do: forking and the second parse cost about as much as a hundred small
    migrations. Not for a file linted with its directory as context: the context is neither
    judged nor down-checked, and parsing it twice costs more than the second CPU saves."""
    from lockwise.parallel import can_fork

    if parallel is None:
        size = sum(len(m.up_sql) + len(m.down_sql or "") for m in migrations)
        parallel = options.only is None and size >= PARALLEL_MIN_CHARS
    return parallel and can_fork()


def _key(migrations: Sequence[Migration], histories: Sequence[Sequence[Migration]],
         options: LintOptions, conflicts: bool) -> str:
    """A hash of everything a lint result depends on: lockwise's code and rules, every
    option, and every migration (path, layout, version, up and down text)."""
    from lockwise.cache import blake2b, code_fingerprint
    from lockwise.rules.loader import rules_fingerprint

    digest = blake2b(digest_size=20)
    digest.update(code_fingerprint().encode())
    digest.update(rules_fingerprint(tuple(options.rules_dirs)).encode())
    for f in fields(options):
        value = getattr(options, f.name)
        if isinstance(value, (set, frozenset)):
            value = sorted(value)  # set order differs from one process to the next
        digest.update(f"\0{f.name}={value!r}".encode())
    digest.update(f"\0conflicts={conflicts}".encode())
    for m in migrations:
        digest.update(f"\0{m!r}".encode("utf-8", "surrogatepass"))
    for history in histories:
        digest.update(("\0history=" + "\0".join(m.id for m in history)).encode())
    return digest.hexdigest()
