"""How `lint --no-cache` grows with the statements of one migration file (issue 10).

    python bench/statement_scaling.py [--sizes 25000 50000 100000 200000] [--trees src ...]

For each size, writes one migration alone in a folder (a folder's earlier files are the
history lint replays first): a CREATE TABLE, then that many single-row INSERTs, as a seed
file has. Each tree given (a folder holding the `lockwise` package: a checkout's `src`, or
`git archive main src | tar -x -C /tmp/main` then `/tmp/main/src`) lints each file in a
process of its own, as users run it (the conflict graph in its forked child). Prints the CPU
seconds of both processes, the microseconds a statement, the peak RSS and the kilobytes a
statement, then the per-statement ratio of the largest size to the smallest: near 1.0 is
linear, near the ratio of the sizes quadratic. The output is checked to be the same for
every tree.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lint_bench import Sample, measure  # noqa: E402

#: --mixed: one statement in five is small DDL, as a schema dump interleaves it with data.
_MIXED_DDL = ("CREATE TABLE t{i} (id bigint PRIMARY KEY, v text);\n",
              "CREATE INDEX t{i}_v_idx ON t{i} (v);\n",
              "COMMENT ON TABLE t IS 'seed {i}';\n",
              "ALTER TABLE t ALTER COLUMN b SET DEFAULT 'y{i}';\n")


def write_seed(out: Path, statements: int, mixed: bool = False) -> Path:
    """A migration of a CREATE TABLE and `statements` single-row INSERTs, alone in `out`;
    `mixed`: every fifth statement small DDL instead (`_MIXED_DDL` in turn)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "0001_seed.sql"
    with path.open("w") as f:
        f.write("CREATE TABLE t (a int, b text);\n")
        for n in range(statements):
            if mixed and n % 5 == 4:
                # a CREATE INDEX follows its CREATE TABLE: the pair shares a number
                f.write(_MIXED_DDL[n // 5 % 4].format(i=n // 10))
            else:
                f.write("INSERT INTO t (a, b) VALUES (1, 'x');\n")
    return path


def output_digest(tree: Path, path: Path) -> str:
    """What `lint --no-cache -f json` prints and returns, hashed: the same for every tree."""
    done = subprocess.run([sys.executable, "-m", "lockwise", "lint", "--no-cache", "-f", "json",
                           str(path)], capture_output=True, env={**os.environ,
                                                                  "PYTHONPATH": str(tree)})
    digest = hashlib.sha256(done.stdout + b"\0" + done.stderr)
    return f"{digest.hexdigest()[:12]} exit {done.returncode}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25000, 50000, 100000, 200000])
    parser.add_argument("--trees", type=Path, nargs="+", default=[HERE.parent / "src"])
    parser.add_argument("--mixed", action="store_true",
                        help="every fifth statement small DDL (CREATE TABLE / INDEX, COMMENT, "
                        "ALTER ... SET DEFAULT) instead of an INSERT")
    parser.add_argument("--format", default="text", help="lint's -f (json: the report)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Each in a folder of its own, not side by side: folders named by a version next to
        # each other are one history (a migration a folder, as Prisma keeps them).
        files = {n: write_seed(Path(tempfile.mkdtemp(dir=tmp)), n, args.mixed)
                 for n in args.sizes}
        print(f"{'tree':<28} {'statements':>10} {'CPU s':>7} {'us/stmt':>8} {'peak MB':>8} "
              f"{'kB/stmt':>8}")
        for tree in args.trees:
            tree = tree.resolve()
            samples: dict[int, Sample] = {}
            for n, path in files.items():
                cmd = [sys.executable, "-m", "lockwise", "lint", "--no-cache", "-f", args.format,
                       str(path)]
                samples[n] = s = measure(cmd, prepare=lambda t=tree: {"PYTHONPATH": str(t)})
                if s.code not in (0, 1):
                    raise SystemExit(f"{tree}: lint of {n} statements exited with {s.code}")
                print(f"{str(tree)[-28:]:<28} {n:>10} {s.cpu:>7.2f} {s.cpu / n * 1e6:>8.1f} "
                      f"{s.rss_mb:>8.0f} {s.rss_mb * 1024 / n:>8.2f}", flush=True)
            small, large = min(samples), max(samples)
            print(f"{'':<28} per-statement CPU ratio {large} / {small}: "
                  f"{samples[large].cpu / large / (samples[small].cpu / small):.2f} "
                  f"(1.0 linear, {large / small:.1f} quadratic)", flush=True)
        if len(args.trees) > 1:
            start = time.perf_counter()
            for n, path in files.items():
                digests = {output_digest(t.resolve(), path) for t in args.trees}
                print(f"output of {n} statements: {'the same' if len(digests) == 1 else digests}")
            print(f"(compared in {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
