"""How `lint --no-cache` grows with routines that call each other (issue 10).

    python bench/call_chains.py [--sizes 100 200 400] [--fan 40] [--calls select do trigger]
                                [--mysql] [--trees src ...]

PostgreSQL: one migration defining `size` PL/pgSQL functions, f_i calling f_{i+1} ..
f_{i+fan} (PERFORM, each body writing a table first), then the statements of --calls that run
f_0: `SELECT f_0();`, a DO block that PERFORMs it, an INSERT that fires a row trigger whose
function PERFORMs it. Every call site is followed into its routine's body
(`routines.MAX_DEPTH` deep), so the work grows with the call paths when a called body is
analysed again at each of them.

--mysql: a MariaDB migration of a trigger created first, then `size` procedures, p_i calling
p_{i+1} .. p_{i+fan} (the last ones back to the first: cycles), then LOCK TABLES and an
INSERT that fires the trigger (fix-robust15's input): each CREATE PROCEDURE walks the
trigger's bodies again. --trigger-last: the trigger created after the procedures, its CREATE
judging each body statement it reaches (`compute_mysql_effect`).

Each tree given (a folder holding the `lockwise` package: a checkout's `src`, or
`git archive main src | tar -x -C /tmp/main` then `/tmp/main/src`) lints each file in a
process of its own. Prints the CPU seconds and peak RSS; with several trees, checks that the
JSON output is the same for every tree.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lint_bench import measure  # noqa: E402

#: The statements that run f_0, by --calls name.
_CALLERS = {
    "select": "SELECT f_0();\n",
    "do": "DO $$ BEGIN PERFORM f_0(); END $$;\n",
    "trigger": "INSERT INTO events (id) VALUES (1);\n",
}


def postgres_chain(size: int, fan: int, calls: list[str]) -> str:
    """`size` PL/pgSQL functions, each writing `log` and calling the next `fan`, then the
    statements `calls` names, each running f_0."""
    out = ["CREATE TABLE log (id int);", "CREATE TABLE events (id int);"]
    for i in range(size):
        body = "".join(f"  PERFORM f_{j}();\n" for j in range(i + 1, min(i + fan, size - 1) + 1))
        out.append(f"CREATE FUNCTION f_{i}() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
                   f"  INSERT INTO log VALUES ({i});\n{body}END $$;")
    if "trigger" in calls:
        out.append("CREATE FUNCTION on_event() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                   "BEGIN\n  PERFORM f_0();\n  RETURN NEW;\nEND $$;")
        out.append("CREATE TRIGGER on_event AFTER INSERT ON events FOR EACH ROW "
                   "EXECUTE FUNCTION on_event();")
    out += [_CALLERS[c].rstrip("\n") for c in calls]
    return "\n".join(out) + "\n"


def mysql_web(size: int, fan: int, trigger_last: bool = False) -> str:
    """A trigger created first (`trigger_last`: after them), then `size` procedures, each
    writing `u` and calling the next `fan` (the last ones back to the first), then an INSERT
    under LOCK TABLES that fires it."""
    trigger = "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN CALL p0(); END//"
    out = ["CREATE TABLE t (id int primary key);", "CREATE TABLE u (id int primary key);",
           "DELIMITER //", *([] if trigger_last else [trigger])]
    for i in range(size):
        calls = "".join(f" CALL p{(i + j) % size}();" for j in range(1, fan + 1))
        out.append(f"CREATE PROCEDURE p{i}() BEGIN UPDATE u SET id = id + 1;{calls} END//")
    out += [*([trigger] if trigger_last else []), "DELIMITER ;", "LOCK TABLES t WRITE;",
            "INSERT INTO t VALUES (1);", "UNLOCK TABLES;"]
    return "\n".join(out) + "\n"


def write(out: Path, size: int, fan: int, calls: list[str], mysql: bool,
          trigger_last: bool = False) -> Path:
    """The migration of `size` routines, alone in a folder of its own under `out`."""
    folder = Path(tempfile.mkdtemp(dir=out))
    path = folder / "V1__calls.sql"
    path.write_text(mysql_web(size, fan, trigger_last) if mysql else
                    postgres_chain(size, fan, calls))
    return path


def lint_command(path: Path, mysql: bool, fmt: str = "text") -> list[str]:
    return [sys.executable, "-m", "lockwise", "lint", "--no-cache", "-f", fmt, str(path),
            *(["--dialect", "mariadb"] if mysql else [])]


def output_digest(tree: Path, path: Path, mysql: bool) -> str:
    """What `lint --no-cache -f json` prints and returns, hashed: the same for every tree."""
    done = subprocess.run(lint_command(path, mysql, "json"), capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(tree)})
    digest = hashlib.sha256(done.stdout + b"\0" + done.stderr)
    return f"{digest.hexdigest()[:12]} exit {done.returncode}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400])
    parser.add_argument("--fan", type=int, default=40)
    parser.add_argument("--calls", nargs="+", choices=sorted(_CALLERS), default=["select"])
    parser.add_argument("--mysql", action="store_true", help="MariaDB procedures and a trigger")
    parser.add_argument("--trigger-last", action="store_true",
                        help="--mysql: the trigger created after the procedures (its CREATE "
                        "judges every body it reaches)")
    parser.add_argument("--trees", type=Path, nargs="+", default=[HERE.parent / "src"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = {n: write(Path(tmp), n, args.fan, args.calls, args.mysql, args.trigger_last)
                 for n in args.sizes}
        print(f"{'tree':<28} {'routines':>8} {'CPU s':>8} {'peak MB':>8}")
        for tree in args.trees:
            tree = tree.resolve()
            for n, path in files.items():
                s = measure(lint_command(path, args.mysql),
                            prepare=lambda t=tree: {"PYTHONPATH": str(t)})
                if s.code not in (0, 1):
                    raise SystemExit(f"{tree}: lint of {n} routines exited with {s.code}")
                print(f"{str(tree)[-28:]:<28} {n:>8} {s.cpu:>8.2f} {s.rss_mb:>8.0f}",
                      flush=True)
        if len(args.trees) > 1:
            for n, path in files.items():
                digests = {output_digest(t.resolve(), path, args.mysql) for t in args.trees}
                print(f"output of {n} routines: "
                      f"{'the same' if len(digests) == 1 else digests}")


if __name__ == "__main__":
    main()
