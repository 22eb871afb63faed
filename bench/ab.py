"""One lockwise command run from two or more source trees, alternately: wall and CPU medians.

    python bench/ab.py /tmp/main/src src --runs 15                 # lint --no-cache, the corpora
    python bench/ab.py /tmp/main/src src --corpora /work/shared/corpora   # from a worktree
    python bench/ab.py /tmp/main/src src --runs 15 -- graph -f json ../shared/corpora/lemmy

Each tree is a folder holding the `lockwise` package (`git archive main | tar -x -C /tmp/main`
then `/tmp/main/src`: the archive's `rules` folder must sit beside its `src`), run by this
Python through PYTHONPATH, bytecode written, output to /dev/null. Runs alternate between the
trees, so a change in the machine's load hits them alike; CPU is the user and system time of
the process and its children (the conflict graph's forked child), from os.wait4. Each tree
runs once untimed first (bytecode, the rule catalog's cache). On a shared machine the CPU
medians are the steadier figure.
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

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
#: As users run it (see lint_bench._ENV).
_ENV = {k: v for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONPATH")}
_RUN = "import sys; from lockwise.cli.app import run; sys.argv[0] = 'lockwise'; run()"


def timed(env: dict[str, str], args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its children) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _RUN, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):  # 1: findings
        raise SystemExit(f"lockwise {' '.join(args)} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", help="folders holding the lockwise package")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--corpora", type=Path, default=CORPORA,
                        help="where lemmy and documenso are, for the default command")
    args, command = parser.parse_known_args()
    command = [a for a in command if a != "--"] or [
        "lint", "--no-cache", str(args.corpora / "lemmy"), str(args.corpora / "documenso")]
    cache = tempfile.mkdtemp(prefix="lw-ab-")
    envs = {tree: {**_ENV, "PYTHONPATH": str(Path(tree).resolve()),
                   "LOCKWISE_CACHE_DIR": os.path.join(cache, str(i))}
            for i, tree in enumerate(args.trees)}
    for env in envs.values():
        timed(env, command)
    walls: dict[str, list[float]] = {tree: [] for tree in args.trees}
    cpus: dict[str, list[float]] = {tree: [] for tree in args.trees}
    for _ in range(args.runs):
        for tree, env in envs.items():
            wall, cpu = timed(env, command)
            walls[tree].append(wall)
            cpus[tree].append(cpu)
    print(f"lockwise {' '.join(command)}  ({args.runs} alternating runs, load average "
          f"{os.getloadavg()[0]:.1f})")
    for tree in args.trees:
        print(f"{tree:40} wall median {statistics.median(walls[tree]):.3f} s  "
              f"min {min(walls[tree]):.3f}  CPU median {statistics.median(cpus[tree]):.3f} s  "
              f"min {min(cpus[tree]):.3f}")


if __name__ == "__main__":
    main()
