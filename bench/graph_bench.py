"""How long does building the migration graph take next to linting? (A benchmark, not a test.)

    python bench/graph_bench.py                  # 5,000 migrations
    python bench/graph_bench.py --migrations 20000 --seed 3

Generates a deterministic history in memory: tables created, columns added / altered /
renamed / dropped, indexes, foreign keys, views over columns, backfills, with a down
migration for each. Times lint (parse + effects + rules) over all of it, then the graph built
from lint's reports (no parsing again) with and without replaying the down migrations, which
does parse every down file.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from lockwise.core.types import Migration  # noqa: E402
from lockwise.discover.versions import version_key  # noqa: E402
from lockwise.graph.build import build_graph  # noqa: E402
from lockwise.lint import lint_migrations  # noqa: E402


def generate(count: int, seed: int) -> list[Migration]:
    rng = random.Random(seed)
    tables: dict[str, list[str]] = {}
    views: list[str] = []
    # Each change is made once, so every down restores exactly the schema before its up and
    # the generated history has no conflicts: any reported one is a false positive.
    retyped: set[tuple[str, str]] = set()
    defaulted: set[str] = set()
    out = []
    for i in range(1, count + 1):
        choice = rng.random()
        if not tables or choice < 0.12:
            name = f"t{i}"
            cols = ["id", "name", "created_at"]
            ref = rng.choice(list(tables)) if tables and rng.random() < 0.5 else None
            fk = f",\n    {ref}_id bigint REFERENCES {ref} (id)" if ref else ""
            if ref:
                cols.append(f"{ref}_id")
            up = (f"CREATE TABLE {name} (\n    id bigint PRIMARY KEY,\n    name text NOT NULL,"
                  f"\n    created_at timestamptz NOT NULL DEFAULT now(){fk}\n);\n")
            down = f"DROP TABLE {name};\n"
            tables[name] = cols
        else:
            table = rng.choice(list(tables))
            cols = tables[table]
            if choice < 0.35:
                col = f"c{i}"
                up = f"ALTER TABLE {table} ADD COLUMN {col} integer;\n"
                down = f"ALTER TABLE {table} DROP COLUMN {col};\n"
                cols.append(col)
            elif choice < 0.5:
                col = rng.choice(cols)
                up = f"CREATE INDEX CONCURRENTLY ix{i} ON {table} ({col});\n"
                down = f"DROP INDEX CONCURRENTLY ix{i};\n"
            elif choice < 0.6:
                col = rng.choice(cols[1:] or cols)
                up = f"UPDATE {table} SET {col} = {col} WHERE id BETWEEN 1 AND 1000;\n"
                down = ""
            elif choice < 0.7 and len(cols) > 3 and (
                    (table, cols[-1]) not in retyped or table not in defaulted):
                col = cols[-1]
                if col.startswith("c") and (table, col) not in retyped:
                    up = f"ALTER TABLE {table} ALTER COLUMN {col} TYPE bigint;\n"
                    down = f"ALTER TABLE {table} ALTER COLUMN {col} TYPE integer;\n"
                    retyped.add((table, col))
                elif table not in defaulted:
                    up = f"ALTER TABLE {table} ALTER COLUMN name SET DEFAULT '';\n"
                    down = f"ALTER TABLE {table} ALTER COLUMN name DROP DEFAULT;\n"
                    defaulted.add(table)
                else:
                    up = f"ALTER TABLE {table} ALTER COLUMN name SET NOT NULL;\n"
                    down = ""
            elif choice < 0.8:
                view = f"v{i}"
                up = (f"CREATE VIEW {view} AS SELECT a.id, a.name FROM {table} a "
                      f"WHERE a.created_at > now() - interval '1 day';\n")
                down = f"DROP VIEW {view};\n"
                views.append(view)
            elif choice < 0.9 and len(cols) > 3 and cols[-1].startswith("c"):
                old = cols.pop()
                new = f"r{i}"
                if (table, old) in retyped:
                    retyped.add((table, new))
                up = f"ALTER TABLE {table} RENAME COLUMN {old} TO {new};\n"
                down = f"ALTER TABLE {table} RENAME COLUMN {new} TO {old};\n"
                cols.append(new)
            else:
                up = f"ALTER TABLE {table} ALTER COLUMN name SET NOT NULL;\n"
                down = ""
        version = f"{i:06d}"
        out.append(Migration(version=version, name=f"m{i}", path=Path(f"gen/{version}.up.sql"),
                             up_sql=up, down_sql=down, layout="golang-migrate",
                             down_path=Path(f"gen/{version}.down.sql"),
                             sort_key=version_key(version)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--migrations", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    migrations = generate(args.migrations, args.seed)

    def timed(fn):  # noqa: ANN001,ANN202
        # CPU time too: wall clock on a busy machine measures the neighbours.
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        return result, time.perf_counter() - wall, time.process_time() - cpu

    reports, lint_wall, lint_cpu = timed(lambda: lint_migrations(migrations))
    graph, graph_wall, graph_cpu = timed(
        lambda: build_graph(migrations, reports=reports, check_downs=False))
    with_downs, downs_wall, downs_cpu = timed(lambda: build_graph(migrations, reports=reports))
    _, import_wall, import_cpu = timed(lambda: __import__("networkx"))
    _, nx_wall, nx_cpu = timed(graph.dependency_graph)

    edges = sum(1 for reasons in graph.edges.values() if set(reasons) - {"order"})
    print(f"migrations:                 {len(migrations)}")
    print(f"object-level edges:         {edges}")
    print(f"conflicts (with downs):     {len(with_downs.conflicts)} (expected 0)")
    print("                              wall s    cpu s")
    print(f"lint (parse+effects+rules): {lint_wall:8.2f} {lint_cpu:8.2f}")
    print(f"graph from lint's reports:  {graph_wall:8.2f} {graph_cpu:8.2f}"
          f"   ({graph_cpu / lint_cpu:.0%} of lint's cpu)")
    print(f"  import networkx (once):   {import_wall:8.2f} {import_cpu:8.2f}")
    print(f"  networkx DiGraph of it:   {nx_wall:8.2f} {nx_cpu:8.2f}")
    print(f"graph + every down checked: {downs_wall:8.2f} {downs_cpu:8.2f}"
          f"   ({with_downs.downs_checked} downs parsed and replayed)")


if __name__ == "__main__":
    main()
