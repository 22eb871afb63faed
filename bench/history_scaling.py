"""Whether lint and the conflict graph stay linear on long histories that drop and rename.

The generated corpus (gen_corpus.py) mostly adds; work that grows with the history shows up
where statements look the whole catalog over: DROP ... CASCADE of a relation (views over
it), DROP FUNCTION ... CASCADE (triggers that execute it), table renames (what the graph
knows by the old name). This writes such histories at two sizes and prints the CPU time per
file of each side, in-process; a ratio near 1.0 between the sizes is linear, near 4.0 (for
a 4x longer history) quadratic.

    python bench/history_scaling.py [--files 1000] [--factor 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def write_history(out: Path, files: int) -> None:
    """`files` migrations: each creates a table with a view and a trigger; every other one
    renames the previous table, drops its trigger function with CASCADE and its view, and
    drops an older table with CASCADE."""
    out.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        sql = (f"CREATE TABLE t{i} (id bigint PRIMARY KEY, a text);\n"
               f"CREATE VIEW v{i} AS SELECT id, a FROM t{i};\n"
               f"CREATE FUNCTION f{i}() RETURNS trigger LANGUAGE plpgsql AS "
               "$$BEGIN RETURN NEW; END$$;\n"
               f"CREATE TRIGGER tr{i} BEFORE INSERT ON t{i} FOR EACH ROW "
               f"EXECUTE FUNCTION f{i}();\n")
        if i % 2 == 1:
            sql += (f"ALTER TABLE t{i - 1} RENAME TO r{i - 1};\n"
                    f"DROP FUNCTION f{i - 1}() CASCADE;\n"
                    f"DROP VIEW v{i - 1};\n")
        if i % 6 == 5:
            sql += f"DROP TABLE r{i - 5} CASCADE;\n"
        (out / f"{i:06d}_m.sql").write_text(sql)


def per_file(folder: Path, files: int) -> tuple[float, float]:
    """CPU seconds per file of lint and of the graph over `folder`, one pass each."""
    from lockwise.cli.inputs import collect
    from lockwise.graph.api import history_conflicts
    from lockwise.lint import lint_migrations, release_details, rule_index
    from lockwise.options import LintOptions

    found = collect([folder], None)
    options = LintOptions()
    rule_index(options)
    start = time.process_time()
    lint_migrations(found.migrations, options, None, release_details)
    lint = time.process_time() - start
    start = time.process_time()
    history_conflicts(found.histories, pg_version=16)
    graph = time.process_time() - start
    return lint / files, graph / files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--factor", type=int, default=4)
    args = parser.parse_args()
    sizes = (args.files, args.files * args.factor)
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for n in sizes:
            write_history(Path(tmp) / str(n), n)
            times[n] = per_file(Path(tmp) / str(n), n)
            print(f"{n:>6} files: lint {times[n][0] * 1000:.3f} ms/file, "
                  f"graph {times[n][1] * 1000:.3f} ms/file")
    small, large = times[sizes[0]], times[sizes[1]]
    print(f"per-file ratio {sizes[1]} / {sizes[0]}: lint {large[0] / small[0]:.2f}, "
          f"graph {large[1] / small[1]:.2f} (1.0 linear, {args.factor:.1f} quadratic)")


if __name__ == "__main__":
    main()
