"""Cold start of `lockwise lint` on one small file, for two or more source trees side by side.

    python bench/cold_start.py /tmp/main-src src --runs 25           # wall and CPU medians
    python bench/cold_start.py /tmp/main-src src --callgrind         # instructions (valgrind)

Each tree is a folder holding the `lockwise` package (a checkout's `src`, or `git archive
main src | tar -x -C /tmp/main` then `/tmp/main/src`), run by this Python through
PYTHONPATH, so the trees share one environment (typer, pglast). Runs alternate between the
trees and `python -c "import pglast"` (the target's yardstick), so a change in machine load
hits them alike. Both `--no-cache` and a cached run are measured; each command runs once
untimed first, to write bytecode and fill the rule catalog's and matchers' cache (what
`--no-cache` still reads: it computes the lint result again, not the parsed rules).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: As users run it: bytecode written and reused, output buffered (see lint_bench._ENV).
_ENV = {k: v for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONPATH")}
_LINT = "import sys; from lockwise.cli.app import run; sys.argv[0] = 'lockwise'; run()"


def _commands(trees: list[str], small: Path) -> dict[str, tuple[dict[str, str], list[str]]]:
    commands = {}
    for tree in trees:
        env = {**_ENV, "PYTHONPATH": str(Path(tree).resolve())}
        for flags in (["--no-cache"], []):
            name = f"{tree} lint {' '.join(flags)}".rstrip()
            commands[name] = (env, [sys.executable, "-c", _LINT, "lint", *flags, str(small)])
    commands["import pglast"] = (_ENV, [sys.executable, "-c", "import pglast"])
    return commands


def _timed(env: dict[str, str], cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def _instructions(env: dict[str, str], cmd: list[str], work: Path) -> int:
    out = work / "callgrind.out"
    result = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                             *cmd], env={**env, "PYTHONHASHSEED": "0"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    match = re.search(r"Collected : (\d+)", result.stderr)
    return int(match.group(1)) if match else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", help="folders holding the lockwise package")
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions (valgrind callgrind) instead of timing")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "small").mkdir()
        small = work / "small" / "0001_add_column.sql"
        small.write_text("ALTER TABLE accounts ADD COLUMN note text;\n")
        _ENV["LOCKWISE_CACHE_DIR"] = str(work / "cache")
        commands = _commands(args.trees, small)
        for env, cmd in commands.values():
            _timed(env, cmd)  # bytecode, rule catalog and matchers cached; not counted
        if args.callgrind:
            for name, (env, cmd) in commands.items():
                print(f"{name:50s} {_instructions(env, cmd, work):>14,} instructions")
            return
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (env, cmd) in commands.items():
                samples[name].append(_timed(env, cmd))
    pglast = statistics.median(wall for wall, _ in samples["import pglast"])
    for name, runs in samples.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:50s} wall median {wall * 1000:6.1f} ms  min "
              f"{min(w for w, _ in runs) * 1000:6.1f}  CPU {cpu * 1000:6.1f}  "
              f"{wall / pglast:.2f}x import pglast")


if __name__ == "__main__":
    main()
