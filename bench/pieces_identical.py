"""Whether lint's output is the same when files are parsed in pieces (issue 10).

    python bench/pieces_identical.py --main /tmp/main/src [--sizes 10000 50000]
        [--targets fixtures/migrations ../shared/corpora/lemmy ...] [--graphs DIR ...]

Runs `lint --no-cache -f json` and `-f text` with the checkout's `src` and with `--main`
(`git archive main src rules | tar -x -C /tmp/main`) on the bench's mixed files
(`statement_scaling.py --mixed`: above the size for pieces, so the default route; `graph` too),
and on
each target with every file forced through the pieces (`PIECES_FROM` 0) in pieces of three
statements, so that every boundary between statements is a cut somewhere; `graph` likewise on
each of `--graphs` (directories of one history each). Prints, for each
run, whether the output (stdout, stderr and exit code) is byte-identical, and the count of
commands run; exits 1 when one differs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from statement_scaling import write_seed  # noqa: E402

#: Runs lockwise's CLI with the pieces' size and threshold given as the first two arguments.
_FORCED = ("import sys, lockwise.parse.postgres as pg\n"
           "pg.PIECES_FROM, pg.PIECE_STATEMENTS = int(sys.argv[1]), int(sys.argv[2])\n"
           "sys.argv = ['lockwise', *sys.argv[3:]]\n"
           "from lockwise.cli.app import main\nmain()\n")


#: The commands run on each of --targets (lint's) and of --graphs (the conflict graph's, whose
#: own parse goes by pieces too; with and without the down checks, which parse a file whole).
_LINT = [["lint", "--no-cache", "-f", fmt] for fmt in ("json", "text")]
_GRAPH = [["graph", "-f", "json"], ["graph", "--no-check-downs", "-f", "text"]]


def _run(tree: Path, args: list[str], forced: tuple[int, int] | None) -> bytes:
    head = ["-c", _FORCED, *map(str, forced)] if forced else ["-m", "lockwise"]
    done = subprocess.run([sys.executable, *head, *args], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(tree)})
    return done.stdout + b"\0" + done.stderr + b"\0" + str(done.returncode).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--main", type=Path, required=True, help="main's src folder")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000, 50000])
    parser.add_argument("--targets", type=Path, nargs="*", default=[HERE.parent / "fixtures" /
                                                                     "migrations"])
    parser.add_argument("--graphs", type=Path, nargs="*", default=[],
                        help="migration directories to run `graph` on, forced like --targets")
    args = parser.parse_args()
    ours = HERE.parent / "src"
    commands = 0
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        runs = [(write_seed(Path(tempfile.mkdtemp(dir=tmp)), n, mixed=True), None, _LINT + _GRAPH)
                for n in args.sizes]
        runs += [(t.resolve(), (0, 3), _LINT) for t in args.targets]
        runs += [(t.resolve(), (0, 3), _GRAPH) for t in args.graphs]
        for target, forced, commands_run in runs:
            for command in commands_run:
                lint = [*command, str(target)]
                before, after = _run(args.main.resolve(), lint, None), _run(ours, lint, forced)
                commands += 2
                same = before == after
                code = after.rsplit(b"\0", 1)[1].decode()
                differ += not same
                route = "forced" if forced else "default"
                print(f"{' '.join(command):<32} {route:<8} {target}: "
                      f"{'identical' if same else 'DIFFERENT'} ({len(after):,} bytes, exit "
                      f"{code})", flush=True)
    print(f"{commands} commands, {differ} different")
    raise SystemExit(1 if differ else 0)


if __name__ == "__main__":
    main()
