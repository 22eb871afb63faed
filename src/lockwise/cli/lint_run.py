"""What `lockwise lint` computes between reading its inputs and printing: every migration's
report and the conflicts between migrations, from the result cache when nothing they depend
on changed.

The conflict graph is fed each report as soon as lint made it, so the statements' parse trees
can be dropped right away instead of being held for the whole history.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from functools import partial
from typing import TYPE_CHECKING

from lockwise.cli import collector_paused as paused
from lockwise.core.types import Migration, MigrationReport

if TYPE_CHECKING:
    from lockwise.cache import StoreWriter
    from lockwise.catalog.model import Catalog
    from lockwise.graph.api import ConflictStream
    from lockwise.graph.git import BaseRequest
    from lockwise.graph.model import Conflict
    from lockwise.options import LintOptions
    from lockwise.parallel import Background

#: How many lint results the cache keeps (one per distinct input: branches, directories).
CACHED_RESULTS = 8
#: How many replay states of each kind (see `_computed`) the cache keeps.
REPLAYS_KEPT = 4
#: SQL text (up and down) from which the conflict graph is built beside lint, on a second CPU,
#: and the cache is written by forked children (`cache_written_beside`).
PARALLEL_MIN_CHARS = 200_000
#: SQL text (up and down) up to which a whole directory's replay is stored for resuming when
#: migrations are appended. Above it the stored state is too big to pay: at 10,000 generated
#: files (7.6 MB) storing cost 1-2 s per run, and a resumed run loaded ~100 MB of state
#: besides the reports (475 MB at its peak) to save 4 of 9 seconds.
RESUMABLE_MAX_CHARS = 4_000_000
#: Migrations a resumed whole-directory run must lint before it stores a replay of its own;
#: with fewer, the next run resumes from the same earlier replay and lints a few more
#: (storing a 2,500-file replay costs 0.2 s; linting a migration, a millisecond).
NEW_REPLAY_AFTER = 16


#: How many stored results a result may build on (see `_store_result`): each is one more file
#: to read for a cache hit.
MAX_RESULT_CHAIN = 4


class LintResult:
    """What `lint_with_conflicts` computed: every migration's report and the conflicts. (Not
    a dataclass: one is made per run and read in place, and making a dataclass costs every
    lint about 1 M instructions.)"""

    __slots__ = ("builds_on", "conflicts", "reports", "writer")

    def __init__(self, reports: list[MigrationReport], conflicts: list[Conflict],
                 builds_on: tuple[str, int, int] | None = None,
                 writer: StoreWriter | None = None) -> None:
        self.reports = reports
        self.conflicts = conflicts
        #: When the first reports are a stored result's, read again to go on from its
        #: replay: that result's key, how many reports it holds, and how many results it
        #: builds on.
        self.builds_on = builds_on
        #: Where the reports to store were pickled as they came, when they were not kept
        #: (`reports` is then empty; see `_computed`).
        self.writer = writer


def lint_with_conflicts(migrations: list[Migration], histories: Sequence[Sequence[Migration]],
                        options: LintOptions, *, conflicts: bool,
                        base_requests: Sequence[BaseRequest] | None = None,
                        use_cache: bool = True, parallel: bool | None = None,
                        reports_ready: Callable[[list[MigrationReport]], object] | None = None,
                        each_report: Callable[[MigrationReport], object] | None = None,
                        ) -> LintResult:
    """Reports for `migrations` and, with `conflicts`, the conflicts between them (for each
    of `histories`, or against REF for each of `base_requests`, one per history). `parallel`:
    build the conflict graph in a second process (None: when the input is large enough to
    pay, and a second CPU and fork() are there). `reports_ready` sees the reports when lint
    is done and the graph beside it is not: the text report prints them meanwhile, the JSON
    one renders all but its conflicts (not called on the other paths, where both are done
    together). `each_report` sees every report, in order, as soon as it is final (a
    stored result's as it is read): the text and JSON reports take them migration by
    migration. Lint's own reports are then not kept (`result.reports` is empty; the result
    cache's are pickled as they come, `result.writer`): a long history's are not held to the
    end (120 MB at 10,000 generated files)."""
    from lockwise.rules.loader import one_listing

    # One listing of the rule files for the result's key and the catalog lint reads.
    with collector_paused(options.dialect), one_listing():
        return _lint_with_conflicts(migrations, histories, options, conflicts=conflicts,
                                    base_requests=base_requests, use_cache=use_cache,
                                    parallel=parallel, reports_ready=reports_ready,
                                    each_report=each_report)


@contextmanager
def collector_paused(dialect: str) -> Iterator[None]:
    """Pause Python's cyclic garbage collector (`lockwise.cli.collector_paused`) while
    lockwise lints and prints `dialect`.

    Lint of PostgreSQL allocates millions of small objects (parse trees, reports) and makes
    no reference cycles: a whole run over 10,000 files leaves about a hundred cyclic objects,
    all from imports. The collector's passes over the live reports found nothing and cost
    about 8% of that run (15% before its thresholds were raised). Re-enabled as it was, it
    would at once scan every object allocated meanwhile (0.4 s on 10,000 files, to find
    nothing): the pause hands them to the oldest generation unscanned.

    Other dialects keep it running: sqlglot's trees point back at their parents, so every
    parsed statement is a cycle that only the collector frees (about 500 objects a migration).
    """
    if dialect != "postgresql":
        yield
        return
    with paused():
        yield


def _lint_with_conflicts(migrations: list[Migration],
                         histories: Sequence[Sequence[Migration]], options: LintOptions, *,
                         conflicts: bool, base_requests: Sequence[BaseRequest] | None,
                         use_cache: bool, parallel: bool | None,
                         reports_ready: Callable[[list[MigrationReport]], object] | None,
                         each_report: Callable[[MigrationReport], object] | None,
                         ) -> LintResult:
    # --base results depend on the git repository too: not cached.
    key, chain = _keys(migrations, histories, options, conflicts) \
        if use_cache and base_requests is None else (None, [])
    if key is not None:
        stored = _load_result(key, migrations)
        if stored is not None:
            result_or_shown = _from_stored(stored, each_report)
            if isinstance(result_or_shown, LintResult):
                return result_or_shown
            # A report could not be unpickled after `result_or_shown` were shown (its file's
            # bytes were the ones written: memory ran out, ...): lint computes them all again,
            # the same ones for the same key, and shows those after. The output is a fresh
            # run's.
            each_report = _after(result_or_shown, each_report)
    if conflicts and base_requests is not None:
        result = _each(_against_base(migrations, histories, options, base_requests, parallel),
                       each_report)
    else:
        result = _computed(migrations, histories, options, conflicts, key, chain, parallel,
                           reports_ready, each_report)
    if key is not None:
        _beside(lambda: _store_result(key, result, migrations), migrations)
        if result.writer is not None:  # (stored, or by a child with its own copy)
            result.writer.discard()
    return result


def _each(result: LintResult, each_report: Callable[[MigrationReport], object] | None
          ) -> LintResult:
    """`result` with each of its reports shown to `each_report` (all were made at once)."""
    if each_report is not None:
        for report in result.reports:
            each_report(report)
    return result


#: The children writing to the cache for `cache_written_beside` (None: written at once).
_writers: list[Background[None]] | None = None


@contextmanager
def cache_written_beside() -> Iterator[None]:
    """Within it, `lint_with_conflicts` stores its replays and its result from forked
    children, and goes on (linting, printing) meanwhile: pickling 2,500 reports takes 0.2 s
    and the replay after them 0.08 s. A child sees the state as it was when it was forked,
    so what the caller does afterwards (finishing the graph, config overrides on the
    printed reports) is not stored, as before. Leaving waits for the children: a finished
    command leaves its cache written. Without fork() or a second CPU, everything is written
    at once."""
    global _writers
    _writers = []
    try:
        yield
    finally:
        writers, _writers = _writers, None
        for writer in writers:
            writer.result()  # None when the child failed: the cache is only an optimization


def _beside(write: Callable[[], None], migrations: Sequence[Migration]) -> None:
    """`write` what was computed for `migrations` to the cache: in a forked child within
    `cache_written_beside`, when they are enough SQL for that to pay (forking costs about
    what storing a few small migrations does), else now."""
    if _writers is not None and _size(migrations) >= PARALLEL_MIN_CHARS:
        from lockwise.parallel import Background, can_fork

        if can_fork():
            _writers.append(Background(write))
            return
    write()


def _store_result(key: str, result: LintResult, migrations: Sequence[Migration]) -> None:
    """Store `result` under `key`. A result whose first reports are an earlier stored result's
    (a run that resumed when migrations were appended) stores only the reports after them,
    with a reference to that result: pickling every report again was a fifth of such a run
    on 2,500 files. At most MAX_RESULT_CHAIN results are built on one another."""
    from lockwise.cache import store

    builds_on, count = _built_on(key, result.builds_on)
    header = (result.conflicts, *builds_on)
    if result.writer is not None:  # the reports pickled already
        result.writer.finish(header)
    else:
        store(f"lint-{key}", header, result.reports[count:], keep=CACHED_RESULTS,
              shared=migrations)


def _built_on(key: str, earlier: tuple[str, int, int] | None) -> tuple[tuple, int]:
    """What the result stored under `key` says of the result it builds on (its key, how many
    reports that holds, how many results the chain has: see `_store_result`), and how many
    of the first reports it leaves to that one."""
    # A run that raced another over the same migrations may have resumed from the result that
    # one stored under this very key: built on itself, it could never be read back.
    if earlier is not None and earlier[0] != key and earlier[2] < MAX_RESULT_CHAIN:
        earlier_key, count, depth = earlier
        return (earlier_key, count, depth + 1), count
    return (None, 0, 0), 0


class StoredResult:
    """A stored result as `_load_result` opens it. (Not a dataclass nor a NamedTuple, as
    `LintResult`: making either class costs every lint about 1 M instructions.)"""

    __slots__ = ("conflicts", "count", "depth", "reports")

    def __init__(self, conflicts: list[Conflict], count: int,
                 reports: Iterator[MigrationReport], depth: int) -> None:
        self.conflicts = conflicts
        #: How many reports it holds, with those of the results it builds on.
        self.count = count
        #: Unpickled one at a time as they are asked for.
        self.reports = reports
        #: How many results it builds on.
        self.depth = depth


def _load_result(key: str, migrations: Sequence[Migration], _below: frozenset[str] = frozenset()
                 ) -> StoredResult | None:
    """The result stored under `key` for `migrations`, with the reports of the results it
    builds on first (None when it or one of those is missing or damaged, or the chain is
    longer than MAX_RESULT_CHAIN or comes back to a result: a cache an earlier lockwise wrote
    so). Every file of the chain is checked (`cache.open_stored`) before this returns: a
    damaged one is a miss before any report is read. They are marked as used: pruning keeps
    them while this one is. `_below`: the keys of the results read on the way to this one."""
    from itertools import chain as chained

    from lockwise.cache import open_stored, touch

    opened = open_stored(f"lint-{key}", shared=migrations)
    if opened is None:
        return None
    (conflicts, earlier_key, count, depth), own, reports = opened  # type: ignore[misc]
    if earlier_key is None:
        return StoredResult(conflicts, own, reports, 0)
    below = _below | {key}
    if earlier_key in below or len(below) > MAX_RESULT_CHAIN:
        return None
    earlier = _load_result(earlier_key, migrations[:count], below)
    if earlier is None or earlier.count != count:
        return None
    touch(f"lint-{earlier_key}")
    return StoredResult(conflicts, count + own, chained(earlier.reports, reports), depth)


def _from_stored(stored: StoredResult, each_report: Callable[[MigrationReport], object] | None
                 ) -> LintResult | int:
    """The result `stored` holds, its reports shown to `each_report` one at a time as they
    are unpickled and then not kept (`result.reports` is empty, as when lint shows them: a
    hit on 10,000 generated files held every report at once, 136 MB); or, when one could not
    be unpickled, how many were shown before it."""
    from lockwise.cache import BrokenStore

    shown = 0
    try:
        if each_report is None:
            return LintResult(list(stored.reports), stored.conflicts)
        for report in stored.reports:
            each_report(report)
            shown += 1
    except BrokenStore:
        return shown
    return LintResult([], stored.conflicts)


def _after(count: int, each_report: Callable[[MigrationReport], object] | None
           ) -> Callable[[MigrationReport], object] | None:
    """`each_report`, for the reports after the first `count` (shown already)."""
    if each_report is None or not count:
        return each_report
    left = count

    def after(report: MigrationReport) -> object:
        nonlocal left
        if left:
            left -= 1
            return None
        return each_report(report)

    return after


def _computed(migrations: list[Migration], histories: Sequence[Sequence[Migration]],
              options: LintOptions, conflicts: bool, key: str | None, chain: list[str],
              parallel: bool | None,
              reports_ready: Callable[[list[MigrationReport]], object] | None = None,
              each_report: Callable[[MigrationReport], object] | None = None,
              ) -> LintResult:
    """Lint, the conflict graph fed report by report (or built in a second process), going on
    from the longest stored replay that the migrations begin with. Each report is shown to
    `each_report` once final (see `lint_with_conflicts`), and then, for the cache (`key`),
    pickled at once (`StoreWriter`) rather than kept.

    Replays are stored at two places, so that the next run can resume (`chain` given):
    - a file linted with its directory (as pre-commit does): the state just before the file,
      for when it is edited again or a newer file is added after it;
    - a whole directory (up to RESUMABLE_MAX_CHARS of SQL): the state after its last
      migration, with the key of the result holding the reports so far, for when migrations
      are appended (a new migration on a branch, the next run in CI). A resumed run stores
      one only once it linted NEW_REPLAY_AFTER migrations.
    """
    from lockwise.catalog.model import Catalog

    whole = options.only is None
    if whole and _size(migrations) > RESUMABLE_MAX_CHARS:
        chain = []
    first = 0 if whole else next(
        (i for i, m in enumerate(migrations) if options.wants(m)), len(migrations))
    resumed = _resume(chain, len(migrations) if whole else first, migrations, histories,
                      options, conflicts) if chain else None
    start, catalog, stream, reports, builds_on = resumed or (0, Catalog(), None, [], None)
    child: Background[list[Conflict]] | None = None
    if conflicts and stream is None:
        if start == 0 and not _in_background(migrations, options, parallel):
            from lockwise.graph.api import ConflictStream

            stream = ConflictStream(histories, pg_version=options.pg_version,
                                    only=options.only, check_downs=_check_downs(options),
                                    templates=options.templates,
                                    default_collation=options.default_collation)
        elif parallel is not False:  # else built afterwards, in this process
            # Resumed, the reports so far have no parse trees left: the graph parses for
            # itself, beside lint. It stores its state where lint stores its replay.
            child = _graph_beside(migrations, histories, options,
                                  _replay_points(chain, whole, first))
    # Imported after the fork: the graph beside needs the parser and the effect model, not
    # the rules, and starts sooner (it is the longer side on the corpora).
    from lockwise.discover.versions import history_starts, never_run
    from lockwise.lint import lint_migrations, release_details

    def graph_then_release(report: MigrationReport) -> None:
        stream.add(report)
        release_details(report)

    # Fed to no graph, the reports keep only what is printed from the start, statement by
    # statement: a pg_dump-sized migration never holds all its details at once.
    on_report = graph_then_release if stream is not None else None
    on_reported, writer = None, None
    if each_report is not None:
        if key is not None:
            # Pickled for the cache as they come, rather than kept until the conflicts are
            # known: printed, they are dropped (at 10,000 generated files they were 120 MB).
            from lockwise.cache import StoreWriter

            writer = StoreWriter(f"lint-{key}", keep=CACHED_RESULTS, shared=migrations)
            for report in reports[_built_on(key, builds_on)[1]:]:
                writer.add(report)
        for report in reports:  # a stored result's, resumed from
            each_report(report)
        reports = []
        on_reported = each_report if writer is None \
            else partial(_shown_and_stored, each_report, writer)
    new_databases = history_starts(histories)
    # (found over the whole history: a version's migrations may fall on both sides of `first`)
    not_run = never_run(migrations, new_databases)
    with _stopped_on_failure(child):
        lint_migrations(migrations[start:first], options, catalog, on_report, new_databases,
                        release=stream is None, not_run=not_run)
        if chain and start < first:
            _store_replay(chain[first - 1], (first, catalog, stream, None), migrations[:first])
        reports += lint_migrations(migrations[max(start, first):], options, catalog,
                                   on_report, new_databases, release=stream is None,
                                   not_run=not_run, on_reported=on_reported)
    if chain and whole and migrations and (
            start == 0 or len(migrations) - start >= NEW_REPLAY_AFTER):
        # The result is stored under `key` right after: a resumed run reads its reports.
        _store_replay(chain[-1], (len(migrations), catalog, stream, key), migrations)
    if stream is not None:
        return LintResult(reports, stream.conflicts(), builds_on, writer)
    if not conflicts:
        return LintResult(reports, [], builds_on, writer)
    if child is not None and reports_ready is not None:
        with _stopped_on_failure(child):
            reports_ready(reports)  # while the graph finishes (the longer side with downs)
    found = child.result() if child is not None else None
    return LintResult(reports, _graph(histories, options) if found is None else found,
                      builds_on, writer)


def _shown_and_stored(each_report: Callable[[MigrationReport], object], writer: StoreWriter,
                      report: MigrationReport) -> None:
    each_report(report)
    writer.add(report)


def _against_base(migrations: list[Migration], histories: Sequence[Sequence[Migration]],
                  options: LintOptions, base_requests: Sequence[BaseRequest],
                  parallel: bool | None,
                  ) -> LintResult:
    """`--base`: lint, and the conflicts of the merged history with what REF added, built in
    a second process beside lint when the input is large enough (see `_in_background`).
    That process also reads REF's migrations from git: on lemmy that was 0.3 s before lint
    could start."""
    # Imported only now: a cached result needs none of the pipeline (parser, effect model,
    # rules), and importing it is a tenth of a cold start.
    from lockwise.discover.versions import history_starts
    from lockwise.graph.api import base_conflicts
    from lockwise.lint import lint_migrations
    from lockwise.parallel import Background

    def graph(reports: list[MigrationReport]) -> list[Conflict]:
        return [c for request in base_requests
                for c in base_conflicts(request.read(), reports, pg_version=options.pg_version,
                                        check_downs=_check_downs(options),
                                        templates=options.templates,
                                        default_collation=options.default_collation)]

    child = Background(lambda: graph([])) if _in_background(migrations, options, parallel) \
        else None
    with _stopped_on_failure(child):
        # Beside the graph, lint's reports are not read by it: they keep only what is printed.
        reports = lint_migrations(migrations, options, None, None, history_starts(histories),
                                  release=child is not None)
    found = child.result() if child is not None else None
    if found is None:
        found = graph(reports if child is None else [])
    return LintResult(reports, found)


@contextmanager
def _stopped_on_failure(child: Background | None) -> Iterator[None]:
    """Stop the child computing beside the block if the block fails: nobody will want what
    it computes."""
    try:
        yield
    except BaseException:
        if child is not None:
            child.cancel()
        raise


def _replay_points(chain: list[str], whole: bool, first: int) -> dict[int, str]:
    """Where a run stores its replay, as {migrations replayed: key}: a whole directory after
    its last migration, a file linted with its directory just before the file (nothing when
    it is the first, or nothing is stored)."""
    if not chain:
        return {}
    if whole:
        return {len(chain): chain[-1]}
    return {first: chain[first - 1]} if first else {}


def _graph(histories: Sequence[Sequence[Migration]], options: LintOptions,
           at: Mapping[int, Callable[[ConflictStream], None]] | None = None) -> list[Conflict]:
    from lockwise.graph.api import history_conflicts

    return history_conflicts(histories, pg_version=options.pg_version, only=options.only,
                             at=at, check_downs=_check_downs(options),
                             templates=options.templates,
                             default_collation=options.default_collation)


def _check_downs(options: LintOptions) -> bool:
    """Down migrations are replayed only to find down-mismatch conflicts, a third of the
    graph's work on a history of ups and downs: not when they are ignored."""
    return "down-mismatch" not in options.ignore


def _graph_beside(migrations: list[Migration], histories: Sequence[Sequence[Migration]],
                  options: LintOptions, stored: Mapping[int, str],
                  ) -> Background[list[Conflict]] | None:
    """The conflict graph built in a second process while this one lints; None when there is
    no second CPU or fork() (the caller then builds it afterwards). `stored[n]`: the key under
    which the graph's state after the first n migrations is stored, for a later run to go on
    from (see `_resume`)."""
    from lockwise.parallel import Background, can_fork

    if not can_fork():
        return None
    at = {count: partial(_store_graph, key, migrations[:count])
          for count, key in stored.items()}
    return Background(lambda: _graph(histories, options, at))


def _store_graph(key: str, migrations: Sequence[Migration], stream: ConflictStream) -> None:
    from lockwise.cache import store

    store(f"graph-{key}", stream, (), keep=REPLAYS_KEPT, shared=migrations)


def _store_replay(name: str, state: tuple, migrations: Sequence[Migration]) -> None:
    from lockwise.cache import store

    _beside(lambda: store(f"replay-{name}", state, (), keep=REPLAYS_KEPT, shared=migrations),
            migrations)


def _resume(chain: list[str], limit: int, migrations: list[Migration],
            histories: Sequence[Sequence[Migration]], options: LintOptions, conflicts: bool,
            ) -> tuple[int, Catalog, ConflictStream | None, list[MigrationReport],
                       tuple[str, int, int] | None] | None:
    """The longest stored replay of `migrations[:p]`, p <= limit, made ready to go on: its
    catalog, its conflict stream (None when the graph must be built again) and, for a whole
    directory, the reports of those p migrations with the result they were read from (see
    `LintResult.builds_on`)."""
    from lockwise.cache import BrokenStore, cache_root, load, touch

    root = cache_root()
    if root is None:
        return None
    try:  # one listing, not a stat per migration of a long history
        stored_names = {entry for entry in os.listdir(root) if entry.startswith(
            ("replay-", "graph-"))}
    except OSError:
        return None
    for p in range(limit, 0, -1):
        name = chain[p - 1]
        if f"replay-{name}" not in stored_names:
            continue
        stored = load(f"replay-{name}", shared=migrations[:p])
        if stored is None:
            continue
        (count, catalog, stream, reports_key), _ = stored  # type: ignore[misc]
        if count != p:
            continue
        reports: list[MigrationReport] = []
        builds_on = None
        if options.only is None:  # a whole directory: every migration is reported
            result = _load_result(reports_key, migrations[:p]) if reports_key else None
            if result is None or result.count != p:
                continue
            try:
                reports = list(result.reports)
            except BrokenStore:
                continue
            builds_on = (reports_key, p, result.depth)
        if conflicts and stream is None and f"graph-{name}" in stored_names:
            graph = load(f"graph-{name}", shared=migrations[:p])
            stream = graph[0] if graph is not None else None  # type: ignore[assignment]
        if stream is not None:
            try:
                stream.retarget(histories, options.only)
            except ValueError:
                stream = None
        # In use again: pruning must not take them while runs keep resuming from them.
        touch(f"replay-{name}", f"graph-{name}", f"lint-{reports_key}")  # those there
        return p, catalog, stream, reports, builds_on
    return None


def _in_background(migrations: Sequence[Migration], options: LintOptions,
                   parallel: bool | None) -> bool:
    """Whether the conflict graph runs in a second process while this one lints. The graph
    then parses and computes effects again (as `lockwise graph` does), which pays only when
    there is enough to do: forking and the second parse cost about as much as a hundred small
    migrations. A file linted with its directory as context pays too: lint only replays the
    context, the graph follows every object through it (the newest lemmy migration, 341
    before it: 0.36 s in one process, 0.30 s in two)."""
    if parallel is None:
        parallel = _size(migrations) >= PARALLEL_MIN_CHARS
    if not parallel:
        return False
    from lockwise.parallel import can_fork

    return can_fork()


def _size(migrations: Sequence[Migration]) -> int:
    return sum(len(m.up_sql) + len(m.down_sql or "") for m in migrations)


def _keys(migrations: Sequence[Migration], histories: Sequence[Sequence[Migration]],
          options: LintOptions, conflicts: bool) -> tuple[str, list[str]]:
    """The key of the whole result, and for each i the key of the replay state after
    `migrations[:i + 1]`.

    Both hash everything they depend on: lockwise's code and rules, every option but `only`,
    and every migration up to there (path, layout, version, up and down text, which history
    it belongs to, whether it is reported: a migration only replayed for context is
    neither judged nor down-checked, and whether its tool runs it: `never_run`, which a later
    migration of its version decides, diesel running the last). The result key also covers
    the rest.
    """
    from lockwise.cache import blake2b, code_fingerprint
    from lockwise.discover.versions import history_starts, never_run
    from lockwise.rules.loader import rules_fingerprint

    digest = blake2b(digest_size=20)
    digest.update(code_fingerprint().encode())
    digest.update(rules_fingerprint(tuple(options.rules_dirs)).encode())
    for f in fields(options):
        if f.name != "only":
            digest.update(f"\0{f.name}={getattr(options, f.name)!r}".encode())
    digest.update(f"\0conflicts={conflicts}".encode())
    history_of = {id(m): i for i, h in enumerate(histories) for m in h}
    not_run = never_run(migrations, history_starts(histories))
    chain, key = [], digest.digest()
    for m in migrations:
        step = blake2b(key, digest_size=20)
        step.update(f"\0{history_of.get(id(m))}\0{options.wants(m)}\0{id(m) in not_run}"
                    f"\0{m!r}".encode("utf-8", "surrogatepass"))
        key = step.digest()
        chain.append(step.hexdigest())
    return blake2b(key + b"result", digest_size=20).hexdigest(), chain
