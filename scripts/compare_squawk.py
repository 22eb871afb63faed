"""Compare lockwise's findings with squawk's on the same migration files (docs/peer-comparison.md).

Run: python scripts/compare_squawk.py --squawk /path/to/squawk DIR [DIR ...]

For every squawk warning, looks for the equivalent lockwise rule (SQUAWK_ALIASES) on the
statement at that line; for every lockwise finding of a rule that has a squawk equivalent, looks
for the squawk warning. Prints, per squawk rule: both / squawk only / lockwise only, and with
--examples N, N sample statements of each disagreement, to be judged by hand.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from lockwise.discover import discover_histories
from lockwise.lint import LintOptions, lint_migrations
from lockwise.rules.directives import SQUAWK_ALIASES

#: lockwise rules that also count as reporting a squawk rule's problem (beyond SQUAWK_ALIASES):
#: squawk sometimes reports one problem under a broader name.
ALSO = {
    "constraint-missing-not-valid": {"add-foreign-key-validated", "add-unique-constraint",
                                     "add-exclude-constraint", "add-column-with-constraint"},
    "disallowed-unique-constraint": {"add-column-with-constraint", "add-column-volatile-default"},
    "adding-foreign-key-constraint": {"add-column-with-constraint"},
    "renaming-object": {"rename-index-or-constraint", "enum-rename-value",
                        "rename-owned-sequence"},
    # A type change that keeps the values: no rewrite, but an index rebuilt (reads-table), or
    # timestamp -> timestamptz, which rewrites unless the session's TimeZone is UTC.
    "changing-column-type": {"column-type-change-reads-table", "timestamp-to-timestamptz"},
    "adding-not-nullable-field": {"primary-key-nullable-columns"},
    "adding-field-with-default": {"add-column-not-null-without-default"},
}
#: squawk rules judged per file: squawk reports the timeouts once per file, lockwise reports
#: dropped-and-not-recreated objects once per migration.
PER_FILE = {"require-lock-timeout", "require-statement-timeout", "require-timeout-settings",
            "ban-drop-view", "ban-drop-function", "ban-drop-type", "ban-drop-sequence"}


def _equivalents(name: str) -> set[str]:
    return {SQUAWK_ALIASES[name], *ALSO.get(name, ())}


def squawk_findings(squawk: str, files: list[Path]) -> list[dict]:
    out = subprocess.run([squawk, "--reporter", "json", "--assume-in-transaction",
                          "--pg-version", "16", *map(str, files)],
                         capture_output=True, text=True, check=False)
    return json.loads(out.stdout or "[]")


def compare(squawk: str, directory: Path, examples: int) -> Counter:
    # The histories `lockwise lint DIR` reads, each linted on its own as it does: below
    # temporal/postgresql/v12/temporal, the versioned/ migrations, not the schema.sql dump
    # beside them (which `discover` of that folder alone returns).
    migrations, reports = [], []
    for _root, history in discover_histories(directory, dialect="postgresql"):
        migrations += history
        reports += lint_migrations(history, LintOptions(pg_version=16,
                                                        assume_in_transaction=True))
    # (file, statement index) -> lockwise rule ids; line -> statement index per file.
    lw: dict[tuple[str, int], set[str]] = defaultdict(set)
    lines: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    sql: dict[tuple[str, int], str] = {}
    for report in reports:
        path = str(Path(report.migration.path).resolve())
        for st in report.statements:
            span = st.statement.span
            lines[path].append((span.line, span.end_line, st.statement.index))
            sql[(path, st.statement.index)] = " ".join(st.statement.sql.split())[:110]
            lw[(path, st.statement.index)].update(f.rule for f in st.findings)
        lw[(path, -1)].update(f.rule for f in report.findings)  # migration-level findings
    files = sorted({Path(m.path) for m in migrations})
    sq: dict[tuple[str, int], set[str]] = defaultdict(set)
    for item in squawk_findings(squawk, files):
        path = str((Path.cwd() / item["file"]).resolve())
        line = item["line"] + 1 if item.get("column") is not None else item["line"]
        hits = [i for a, b, i in lines[path] if a <= line <= b] or \
               [i for a, b, i in lines[path] if a <= item["line"] <= b]
        if hits:
            sq[(path, hits[0])].add(item["rule_name"])
    emitted = {n for names in sq.values() for n in names}
    # Per-file view of both sides, for the PER_FILE rules.
    for table in (sq, lw):
        for (path, _), names in list(table.items()):
            table[(path, -1)] |= names
    counts: Counter = Counter()
    samples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in set(sq) | set(lw):
        for name in sorted(set(SQUAWK_ALIASES) & emitted):
            if (key[1] == -1) != (name in PER_FILE):
                continue
            rules = _equivalents(name)
            s, w = name in sq[key], bool(rules & lw[key])
            if not s and not w:
                continue
            verdict = "both" if s and w else "squawk only" if s else "lockwise only"
            if verdict == "lockwise only" and any(
                    n in sq[key] for n in SQUAWK_ALIASES if _equivalents(n) & rules & lw[key]):
                continue  # squawk reported it under another of its names
            counts[(name, verdict)] += 1
            if verdict != "both" and len(samples[(name, verdict)]) < examples:
                text = sql.get(key, "(whole file)")
                samples[(name, verdict)].append(f"{Path(key[0]).parent.name}: {text}")
    for (name, verdict), items in sorted(samples.items()):
        print(f"# {name} / {verdict}")
        for item in items:
            print("   ", item)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squawk", required=True)
    parser.add_argument("--examples", type=int, default=0)
    parser.add_argument("dirs", nargs="+", type=Path)
    args = parser.parse_args(argv)
    total: Counter = Counter()
    for directory in args.dirs:
        total += compare(args.squawk, directory, args.examples)
    names = sorted({n for n, _ in total})
    print("| squawk rule | lockwise rule(s) | both | squawk only | lockwise only |")
    print("|---|---|---|---|---|")
    for name in names:
        print(f"| {name} | {', '.join(sorted(_equivalents(name)))} | {total[(name, 'both')]} | "
              f"{total[(name, 'squawk only')]} | {total[(name, 'lockwise only')]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
