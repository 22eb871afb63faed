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
    from lockwise.catalog.model import Catalog
    from lockwise.graph.api import ConflictStream
    from lockwise.graph.git import BaseComparison
    from lockwise.graph.model import Conflict
    from lockwise.options import LintOptions

#: How many lint results the cache keeps (one per distinct input: branches, directories).
CACHED_RESULTS = 8
#: How many replay states (see `_streamed`) the cache keeps.
REPLAYS_KEPT = 4
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
    key, chain = _keys(migrations, histories, options, conflicts) \
        if use_cache and comparison is None else (None, [])
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
    else:
        result = _streamed(migrations, histories, options, conflicts, chain)
    if key is not None:
        from lockwise.cache import store

        store(f"lint-{key}", result.conflicts, result.reports, keep=CACHED_RESULTS,
              shared=migrations)
    return result


def _streamed(migrations: list[Migration], histories: Sequence[Sequence[Migration]],
              options: LintOptions, conflicts: bool, chain: list[str]) -> LintResult:
    """Lint in one process, the conflict graph fed report by report.

    When the first reported migration comes after others only replayed for context (a file
    linted with its directory, as pre-commit does), the replay state just before it is
    stored (`chain` given), and a later run whose migrations begin the same way starts from
    there: the file is edited again, or a newer file is added after it.
    """
    from lockwise.catalog.model import Catalog
    from lockwise.graph.api import ConflictStream
    from lockwise.lint import lint_migrations, release_details

    first = next((i for i, m in enumerate(migrations) if options.wants(m)), len(migrations))
    resumed = _resume(chain, first, migrations, histories, options) if chain else None
    start, catalog, stream = resumed or (0, Catalog(), None)
    if stream is None and conflicts:
        stream = ConflictStream(histories, pg_version=options.pg_version, only=options.only)

    def graph_then_release(report: MigrationReport) -> None:
        if stream is not None:
            stream.add(report)
        release_details(report)

    lint_migrations(migrations[start:first], options, catalog, graph_then_release)
    if chain and start < first:
        from lockwise.cache import store

        store(f"replay-{chain[first - 1]}", (first, catalog, stream), (),
              keep=REPLAYS_KEPT, shared=migrations[:first])
    reports = lint_migrations(migrations[first:], options, catalog, graph_then_release)
    return LintResult(reports, stream.conflicts() if stream is not None else [])


def _resume(chain: list[str], first: int, migrations: list[Migration],
            histories: Sequence[Sequence[Migration]], options: LintOptions,
            ) -> tuple[int, Catalog, ConflictStream | None] | None:
    """The longest stored replay of `migrations[:p]`, p <= first, made ready to go on."""
    from lockwise.cache import cache_root, load

    root = cache_root()
    if root is None:
        return None
    for p in range(first, 0, -1):
        name = f"replay-{chain[p - 1]}"
        if not (root / name).is_file():
            continue
        stored = load(name, shared=migrations[:p])
        if stored is None:
            continue
        (count, catalog, stream), _ = stored  # type: ignore[misc]
        if count != p:
            continue
        if stream is not None:
            try:
                stream.retarget(histories, options.only)
            except ValueError:
                continue
        return p, catalog, stream
    return None


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


def _keys(migrations: Sequence[Migration], histories: Sequence[Sequence[Migration]],
          options: LintOptions, conflicts: bool) -> tuple[str, list[str]]:
    """The key of the whole result, and for each i the key of the replay state after
    `migrations[:i + 1]`.

    Both hash everything they depend on: lockwise's code and rules, every option but `only`,
    and every migration up to there (path, layout, version, up and down text, which history
    it belongs to, and whether it is reported: a migration only replayed for context is
    neither judged nor down-checked). The result key also covers the rest.
    """
    from lockwise.cache import blake2b, code_fingerprint
    from lockwise.rules.loader import rules_fingerprint

    digest = blake2b(digest_size=20)
    digest.update(code_fingerprint().encode())
    digest.update(rules_fingerprint(tuple(options.rules_dirs)).encode())
    for f in fields(options):
        if f.name != "only":
            digest.update(f"\0{f.name}={getattr(options, f.name)!r}".encode())
    digest.update(f"\0conflicts={conflicts}".encode())
    history_of = {id(m): i for i, h in enumerate(histories) for m in h}
    chain, key = [], digest.digest()
    for m in migrations:
        step = blake2b(key, digest_size=20)
        step.update(f"\0{history_of.get(id(m))}\0{options.wants(m)}\0{m!r}".encode(
            "utf-8", "surrogatepass"))
        key = step.digest()
        chain.append(step.hexdigest())
    return blake2b(key + b"result", digest_size=20).hexdigest(), chain
