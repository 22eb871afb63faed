"""How long `lockwise status` takes on many pending migrations, and how much of it is the check
of what `apply` would refuse (executor.plan.run_problems).

Writes `--files` generated migrations (gen_corpus.py, about 11 statements each), starts the
embedded PostgreSQL, and times `lockwise status --dsn ...` as a user runs it (a process, wall
time, the median of `--runs`), then the refusal check alone, in-process (CPU time).

    python bench/status_bench.py [--files 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_corpus import generate  # noqa: E402


def time_status(folder: Path, uri: str, runs: int) -> tuple[float, int]:
    """The median wall time of `lockwise status` over `folder`, and its exit code."""
    times, code = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "lockwise", "status", str(folder),
                               "--dsn", uri], capture_output=True, text=True, env=os.environ)
        times.append(time.perf_counter() - start)
        code = done.returncode
    return statistics.median(times), code


def time_check(folder: Path) -> float:
    """CPU seconds of the refusal check on every migration of `folder`, in-process."""
    from lockwise.cli.inputs import collect
    from lockwise.executor.plan import run_problems

    migrations = collect([folder], None).migrations
    run_problems(migrations[0], 16)  # imports out of the measure
    start = time.process_time()
    for m in migrations:
        run_problems(m, 16)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from lockwise.db.scratch import scratch_server

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "migrations"
        generate(folder, args.files)
        with scratch_server() as uri:
            wall, code = time_status(folder, uri, args.runs)
        print(f"status, {args.files} pending files: {wall:.2f} s wall (median of {args.runs}, "
              f"exit {code})")
        print(f"refusal check alone: {time_check(folder):.2f} s CPU")


if __name__ == "__main__":
    main()
