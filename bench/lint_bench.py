"""lockwise vs squawk: wall time, CPU time and peak memory, side by side in one run.

    python bench/lint_bench.py [--runs 5] [--corpora ../shared/corpora] [--work /tmp/lw-bench]
                               [--files 10000] [--dump-tables 1000] [--quick]
                               [--json results.json]

Workloads (each command is run --runs times, alternating tools; medians are reported):

* corpora: `lockwise lint lemmy documenso` (the two directories) and `squawk` on the same 847
  .sql files (lemmy's up.sql and down.sql, documenso's migration.sql). lockwise reads the
  down.sql files but lints the 505 up migrations; squawk lints all 847 files.
* generated: the deterministic corpus of bench/gen_corpus.py (10,000 files by default) and
  its first quarter and half, to see whether time grows linearly with files.
* one large file: a pg_dump-style schema (bench/gen_corpus.py --dump-tables) of --dump-tables
  tables and of half as many, as projects keep for their baseline migration.
* parse floor: pglast's parse_sql_json alone (and with json.loads) over the same files, timed
  inside one process, i.e. what parsing costs before lockwise does anything.
* cold start: one small file, `lockwise lint one.sql`, against `python -c "import pglast"`.
* pre-commit: `lockwise lint` on lemmy's newest migration, the 341 before it replayed for
  context: nothing reused, resumed after an edit of the file, and a cache hit; squawk lints
  the file alone.
* pull request: `lockwise lint lemmy --base main` in a git repository where main gained
  lemmy's newest migration since the branch point and the branch adds one; squawk lints the
  branch's new file.
* a migration appended: the corpora, and the smallest generated corpus, each with one new
  migration after a run without it (a pull request adding a migration, linted in CI).

lockwise is measured two ways per workload: `lockwise --no-cache` computes everything (a
changed history, a first run), and `lockwise` as run again on unchanged inputs, answered from
its result cache (kept in a bench-private folder, filled by the untimed warm-up run). With a
migration appended, `lockwise, resumed` starts each run from the cache the run before the
append left, and goes on from its stored replay.

Peak memory and CPU come from os.wait4's rusage of each child process (Linux: ru_maxrss in KiB).
squawk comes from `pip install squawk-cli` (a prebuilt binary). No number here is asserted
anywhere; docs/performance.md records the latest results.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_corpus import generate, generate_schema_dump  # noqa: E402

IMPORT_PGLAST = "python -c 'import pglast'"
BARE_PYTHON = "python -c pass"


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds
    rss_mb: float  # peak resident set size
    code: int


#: As users run it: Python may write and reuse its bytecode cache, and buffers its output.
#: Some shells (and CI images) set PYTHONDONTWRITEBYTECODE, which makes every run compile
#: lockwise from source again, or PYTHONUNBUFFERED, which makes every write a system call.
_ENV = {k: v for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")}

LOCKWISE = "lockwise"
NO_CACHE = "lockwise --no-cache"
RESUMED = "lockwise, resumed"


def measure(cmd: list[str], cwd: Path | None = None,
            prepare: Callable[[], dict[str, str]] | None = None) -> Sample:
    """Run `cmd` once; its own wall time, CPU time and peak RSS (not the benchmark's).
    `prepare`, run before and not timed, returns environment variables for this run."""
    env = {**_ENV, **(prepare() if prepare else {})}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                  proc.returncode)


@dataclass
class Result:
    name: str
    tool: str
    runs: int
    wall: float
    wall_min: float
    cpu: float
    rss_mb: float
    codes: list[int]


def median_of(name: str, tool: str, samples: list[Sample]) -> Result:
    return Result(name, tool, len(samples), statistics.median(s.wall for s in samples),
                  min(s.wall for s in samples), statistics.median(s.cpu for s in samples),
                  max(s.rss_mb for s in samples), sorted({s.code for s in samples}))


def compare(name: str, commands: dict[str, list[str]], runs: int, cwd: Path | None = None,
            prepare: dict[str, Callable[[], dict[str, str]]] | None = None) -> list[Result]:
    """Run each tool's command `runs` times, interleaved so load changes hit both alike.
    `prepare[tool]` runs before each of that tool's runs (see `measure`)."""
    prepare = prepare or {}
    samples: dict[str, list[Sample]] = {tool: [] for tool in commands}
    for tool, cmd in commands.items():
        measure(cmd, cwd, prepare.get(tool))  # warm the page cache and .pyc files; not counted
    for _ in range(runs):
        for tool, cmd in commands.items():
            samples[tool].append(measure(cmd, cwd, prepare.get(tool)))
    return [median_of(name, tool, s) for tool, s in samples.items()]


def _copied(sources: list[Path], work: Path) -> list[Path]:
    copies = []
    for source in sources:
        copy = work / source.name
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(source, copy)
        copies.append(copy)
    return copies


def _cache_before(args: list[str], work: Path) -> Callable[[], dict[str, str]]:
    """Run `lockwise lint ARGS` once into a cache of its own; the returned `prepare` puts that
    cache back before each timed run (which may then resume from it, and not from what the
    run before it stored)."""
    lockwise = find_tool("lockwise")
    assert lockwise is not None
    before, cache = work / "cache-before", work / "cache"
    for folder in (before, cache):
        shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([lockwise, "lint", *args], env={**_ENV, "LOCKWISE_CACHE_DIR": str(before)},
                   stdout=subprocess.DEVNULL, check=False)

    def restore() -> dict[str, str]:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(before, cache)
        return {"LOCKWISE_CACHE_DIR": str(cache)}

    return restore


def appended(name: str, sources: list[Path], new: tuple[str, str], work: Path,
             squawk: str | None, runs: int) -> list[Result]:
    """A migration added to a history linted before: the CI run of a pull request that adds
    one, or the next `lockwise lint` after writing it. Before each timed `lockwise` run the
    cache is put back as the run without the new migration left it, so every run resumes
    from that run's stored replay (see docs/performance.md)."""
    lockwise = find_tool("lockwise")
    assert lockwise is not None
    copies = _copied(sources, work)
    restore = _cache_before(list(map(str, copies)), work)
    where, text = new
    (copies[-1] / where).parent.mkdir(parents=True, exist_ok=True)
    (copies[-1] / where).write_text(text)
    cmds = {NO_CACHE: [lockwise, "lint", "--no-cache", *map(str, copies)],
            RESUMED: [lockwise, "lint", *map(str, copies)]}
    if squawk:
        cmds["squawk"] = [squawk, *(f"{c}/**/*.sql" for c in copies)]
    return compare(name, cmds, runs, prepare={RESUMED: restore})


def pre_commit(name: str, source: Path, work: Path, squawk: str | None,
               runs: int) -> list[Result]:
    """What a pre-commit hook runs: `lockwise lint` on the newest migration of a directory,
    the earlier ones replayed for context. Three ways: nothing reused (a first run, a fresh
    CI machine); the file edited since a run that stored the replay before it (the next
    commit); nothing changed (a cache hit). squawk lints the file alone."""
    lockwise = find_tool("lockwise")
    assert lockwise is not None
    (copy,) = _copied([source], work)
    newest = max((p for p in copy.rglob("*.sql") if not p.name.startswith("down")),
                 key=lambda p: str(p.relative_to(copy)))
    restore = _cache_before([str(newest)], work)
    with newest.open("a") as handle:  # edited after the run that stored the replay
        handle.write("\n-- edited\nSELECT 1;\n")
    cmds = {NO_CACHE: [lockwise, "lint", "--no-cache", str(newest)],
            RESUMED: [lockwise, "lint", str(newest)],
            LOCKWISE: [lockwise, "lint", str(newest)]}
    if squawk:
        cmds["squawk"] = [squawk, str(newest)]
    return compare(name, cmds, runs, prepare={RESUMED: restore})


def pull_request(name: str, source: Path, work: Path, squawk: str | None,
                 runs: int) -> list[Result]:
    """What CI runs on a pull request: `lockwise lint DIR --base main` in a git repository
    where main gained the directory's newest migration since the branch point and the branch
    adds one of its own. lockwise reads main's migrations from git, replays the merged
    history, lints the new migration and finds its conflicts with main's (never cached).
    squawk lints the branch's new file."""
    lockwise = find_tool("lockwise")
    assert lockwise is not None
    repo = work / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    (copy,) = _copied([source], repo)
    newest = max((p for p in copy.iterdir() if p.is_dir()), key=lambda p: p.name)
    held = work / newest.name
    shutil.rmtree(held, ignore_errors=True)
    newest.rename(held)

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench",
                        *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "the branch point")
    git("checkout", "-q", "-b", "feature")
    added = copy / "2999-01-01-000000_add_note"
    added.mkdir()
    (added / "up.sql").write_text("ALTER TABLE person ADD COLUMN note text;\n")
    (added / "down.sql").write_text("ALTER TABLE person DROP COLUMN note;\n")
    git("add", "-A")
    git("commit", "-qm", "the branch's migration")
    git("checkout", "-q", "main")
    held.rename(newest)
    git("add", "-A")
    git("commit", "-qm", "main moves on")
    git("checkout", "-q", "feature")
    cmds = {NO_CACHE: [lockwise, "lint", "--no-cache", str(copy), "--base", "main"]}
    if squawk:
        cmds["squawk"] = [squawk, str(added / "up.sql")]
    return compare(name, cmds, runs, cwd=repo)


_FLOOR = r"""
import json, sys, time
from pathlib import Path
from pglast import parser
files = [Path(p) for p in sys.argv[1:]]
texts = [f.read_text() for f in files]
t = time.perf_counter()
for text in texts:
    try:
        parser.parse_sql_json(text)
    except parser.ParseError:
        pass
parse = time.perf_counter() - t
t = time.perf_counter()
for text in texts:
    try:
        json.loads(parser.parse_sql_json(text))
    except parser.ParseError:
        pass
both = time.perf_counter() - t
print(json.dumps({"parse_sql_json": parse, "parse_sql_json+json.loads": both}))
"""


def parse_floor(files: list[Path], runs: int) -> dict[str, float]:
    """Median in-process seconds for pglast alone over `files`."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(map(str, files)))
        listing = fh.name
    script = _FLOOR.replace("sys.argv[1:]", f"open({listing!r}).read().split(chr(10))")
    outs = [json.loads(subprocess.run([sys.executable, "-c", script], check=True,
                                      capture_output=True, text=True).stdout)
            for _ in range(runs)]
    os.unlink(listing)
    return {k: statistics.median(o[k] for o in outs) for k in outs[0]}


def find_tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def table(results: list[Result]) -> str:
    lines = ["| workload | tool | wall median s | wall min s | CPU s | peak MB | exit |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r.name} | {r.tool} | {r.wall:.3f} | {r.wall_min:.3f} | {r.cpu:.3f} | "
                     f"{r.rss_mb:.0f} | {','.join(map(str, r.codes))} |")
    return "\n".join(lines)


def ratios(results: list[Result]) -> list[str]:
    by = {(r.name, r.tool): r for r in results}
    out = []
    for (name, tool), r in by.items():
        if tool in (NO_CACHE, LOCKWISE, RESUMED) and (name, "squawk") in by:
            s = by[(name, "squawk")]
            out.append(f"{name}: {tool}/squawk wall {r.wall / s.wall:.2f}x, "
                       f"CPU {r.cpu / s.cpu:.2f}x")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lw-bench")
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--dump-tables", type=int, default=1000,
                    help="tables of the pg_dump-style schema file (and half as many; 0: skip)")
    ap.add_argument("--quick", action="store_true", help="skip the generated corpora")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()

    lockwise = find_tool("lockwise")
    squawk = find_tool("squawk")
    if lockwise is None:
        sys.exit("lockwise is not installed (pip install -e .)")
    if squawk is None:
        print("note: squawk not found (pip install squawk-cli); lockwise measured alone")

    def tools(lw_args: list[str], sq_args: list[str]) -> dict[str, list[str]]:
        cmds = {NO_CACHE: [lockwise, "lint", "--no-cache", *lw_args],
                LOCKWISE: [lockwise, "lint", *lw_args]}
        if squawk:
            cmds["squawk"] = [squawk, *sq_args]
        return cmds

    results: list[Result] = []
    floors: dict[str, dict[str, float]] = {}
    args.work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(args.work / "cache", ignore_errors=True)
    _ENV["LOCKWISE_CACHE_DIR"] = str(args.work / "cache")

    # Cold start on one small file.
    # In a folder of its own: a file is linted with its folder as context.
    (args.work / "small").mkdir(exist_ok=True)
    small = args.work / "small" / "0001_add_column.sql"
    small.write_text("ALTER TABLE accounts ADD COLUMN note text;\n")
    cold_runs = max(args.runs * 4, 10)
    results += compare("one small file", tools([str(small)], [str(small)]), cold_runs)
    results += compare("one small file", {
        IMPORT_PGLAST: [sys.executable, "-c", "import pglast"],
        BARE_PYTHON: [sys.executable, "-c", "pass"]}, cold_runs)

    lemmy, documenso = args.corpora / "lemmy", args.corpora / "documenso"
    if lemmy.is_dir() and documenso.is_dir():
        files = sorted([*lemmy.rglob("*.sql"), *documenso.rglob("*.sql")])
        results += compare(f"lemmy+documenso ({len(files)} files)", tools(
            [str(lemmy), str(documenso)],
            [f"{lemmy}/**/*.sql", f"{documenso}/**/*.sql"]), args.runs)
        floors["lemmy+documenso"] = parse_floor(files, args.runs)
        results += pre_commit("lemmy, pre-commit on the newest migration", lemmy,
                              args.work / "pre-commit", squawk, args.runs)
        if shutil.which("git"):
            results += pull_request("lemmy, a pull request (--base main)", lemmy,
                                    args.work / "pull-request", squawk, args.runs)
        results += appended(
            "lemmy+documenso, a migration appended", [lemmy, documenso],
            ("29991231000000_add_note/migration.sql",
             'ALTER TABLE "Document" ADD COLUMN "note" TEXT;\n'),
            args.work / "appended-corpora", squawk, args.runs)
    else:
        print(f"note: {args.corpora} has no lemmy/documenso; corpus workload skipped")

    if not args.quick:
        sizes = sorted({args.files // 4, args.files // 2, args.files})
        for n in sizes:
            directory = args.work / f"generated-{n}"
            paths = generate(directory, n)
            runs = args.runs if n == args.files else max(1, args.runs // 2)
            results += compare(f"generated {n} files", tools(
                [str(directory)], [f"{directory}/*.sql"]), runs)
            if n == args.files:
                floors[f"generated {n}"] = parse_floor(paths, max(1, args.runs // 2))
            if n == sizes[0]:
                results += appended(
                    f"generated {n} files, a file appended", [directory],
                    ("99999_appended_note.sql", 'CREATE TABLE "appended_note" ("id" INTEGER);\n'),
                    args.work / "appended-generated", squawk, runs)

    # One large file: a pg_dump-style baseline, at two sizes to see how time grows.
    for tables in sorted({args.dump_tables // 2, args.dump_tables} - {0}):
        dump = generate_schema_dump(args.work / f"schema-{tables}", tables)
        results += compare(f"one pg_dump-style schema, {tables} tables "
                           f"({dump.stat().st_size // 1000} kB)",
                           tools([str(dump.parent)], [str(dump)]), max(1, args.runs // 2))

    print(table(results))
    print()
    for line in ratios(results):
        print("- " + line)
    cold = {r.tool: r.wall for r in results if r.name == "one small file"}
    for tool in (NO_CACHE, LOCKWISE):
        print(f"- cold start, {tool}: {cold[tool] * 1000:.0f} ms, import pglast "
              f"{cold[IMPORT_PGLAST] * 1000:.0f} ms ({cold[tool] / cold[IMPORT_PGLAST]:.2f}x), "
              f"bare python {cold[BARE_PYTHON] * 1000:.0f} ms")
    for name, floor in floors.items():
        print(f"- parse floor {name}: " + ", ".join(f"{k} {v:.3f} s" for k, v in floor.items()))
    print(f"- machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"results": [asdict(r) for r in results],
                                         "parse_floor": floors,
                                         "cpus": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
