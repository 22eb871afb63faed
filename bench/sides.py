"""The two sides of an uncached `lockwise lint` of whole directories, one at a time, in-process.

    python bench/sides.py lint  [--runs 3] [DIR ...]   # lint: parse, effects, rules, replay
    python bench/sides.py graph [--runs 3] [DIR ...]   # the conflict graph as its forked child
                                                        # builds it (parses and computes itself)
    python bench/sides.py none  [DIR ...]              # start-up and collecting only
    python bench/sides.py lint --stats FILE [DIR ...]  # the lint side with cost estimates

From 200 kB of SQL, `lint --no-cache` runs the graph in a forked child while the parent lints
(`cli/lint_run._graph_beside`), so its wall time is the start-up, then the longer of the two
sides (the parent also prints its report). Each run prints the CPU seconds of the side. Under
callgrind, use `--runs 1` and subtract a `none` run's instructions (start-up and collecting):

    valgrind --tool=callgrind python bench/sides.py graph --runs 1

DIR defaults to ../shared/corpora/lemmy and documenso, as the benchmark's corpora workload.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from lockwise.cli.inputs import collect  # noqa: E402
from lockwise.options import LintOptions  # noqa: E402

CORPORA = REPO.parent / "shared" / "corpora"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("side", choices=("lint", "graph", "none"))
    parser.add_argument("dirs", nargs="*", type=Path,
                        default=[CORPORA / "lemmy", CORPORA / "documenso"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stats", type=Path, help="a stats file: the lint side estimates")
    args = parser.parse_intermixed_args()
    collected = collect(args.dirs, None)
    options = LintOptions()
    if args.stats is not None:
        from lockwise.cost.stats import load_stats

        options = LintOptions(stats=load_stats(args.stats))
    gc.disable()  # as lint_with_conflicts pauses the collector for PostgreSQL
    if args.side == "none":
        return
    for _ in range(args.runs):
        start = time.process_time()
        if args.side == "lint":
            from lockwise.discover.versions import history_starts
            from lockwise.lint import lint_migrations

            lint_migrations(collected.migrations, options, None, None,
                            history_starts(collected.histories), release=True)
        else:
            from lockwise.graph.api import history_conflicts

            history_conflicts(collected.histories, pg_version=options.pg_version,
                              templates=options.templates)
        print(f"{args.side} {time.process_time() - start:.3f} s CPU", flush=True)


if __name__ == "__main__":
    main()
