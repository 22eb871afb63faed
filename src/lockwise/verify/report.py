"""Plain-text reports for `lockwise verify` (reversibility, model check, pre-flight)."""

from __future__ import annotations

from typing import TextIO

from lockwise.verify.observe import RULE_ID
from lockwise.verify.preflight import PreflightResult
from lockwise.verify.run import (
    DOWN_FAILED,
    NEVER_RUNS,
    NO_DOWN,
    NOT_REVERSIBLE,
    NOT_RUN,
    REAPPLY_FAILED,
    REVERSIBLE,
    UP_FAILED,
    MigrationResult,
    VerifyResult,
)
from lockwise.verify.snapshot import Difference

_LABELS = {
    REVERSIBLE: "reversible",
    NOT_REVERSIBLE: "NOT REVERSIBLE",
    NO_DOWN: "no down file",
    UP_FAILED: "UP FAILED",
    DOWN_FAILED: "DOWN FAILED",
    REAPPLY_FAILED: "UP FAILED AGAIN after down",
    NOT_RUN: "not run",
    NEVER_RUNS: "never run by its tool",
}
#: Kinds of objects that belong to a relation and are named `schema.relation.name`.
_CHILD_KINDS = ("column", "constraint", "trigger", "policy")
_DIFF_LINES = 12


def compact_diff(diff: list[Difference]) -> list[str]:
    """Difference lines, with an added, removed or redefined relation's columns, constraints
    and triggers folded into one count after it (they follow from it)."""
    parents = {d.key.split(" ", 1)[1] for d in diff if d.key.startswith("relation ")}
    lines: list[str] = []
    folded: dict[str, int] = {}
    for d in diff:
        kind, _, name = d.key.partition(" ")
        owner = name.rsplit(".", 1)[0]
        if kind in _CHILD_KINDS and owner in parents:
            folded[owner] = folded.get(owner, 0) + 1
            continue
        lines.append(d.describe())
    out = []
    for line in lines:
        out.append(line)
        for owner, n in folded.items():
            if line[2:].startswith(f"relation {owner}:"):
                out.append(f"    (and {n} of its columns/constraints/triggers)")
    return out


def one_line(sql: str, width: int) -> str:
    """A statement on one line, whitespace folded, cut to `width` characters with `...`."""
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[:width] + "..."


def _where(res: MigrationResult) -> str:
    failure = res.failure
    if failure is None:
        return ""
    path = res.migration.down_path if res.phase == "down" else res.migration.path
    span = failure.statement.span
    return f"{path}:{span.line}:{span.column}"


def _effect_text(locks: dict, rewrites: frozenset[str]) -> str:
    # modes by the documentation's names, as lint's report gives them
    text = ", ".join(f"{m.sql_name} on {t}" for t, m in sorted(locks.items())) or "no new lock"
    return text + (f", rewrites {', '.join(sorted(rewrites))}" if rewrites else "")


def render_verify(result: VerifyResult, out: TextIO, *, verbose: bool = False,
                  show_time: bool = True) -> None:
    """The reversibility report, then lockwise's own model check."""
    total = len(result.results)
    out.write(f"lockwise verify: {total} migration{'s' * (total != 1)} on {result.server}\n\n")
    width = max((len(r.migration.id) for r in result.results), default=0)
    for res in result.results:
        if res.status == NOT_RUN and not verbose:
            continue
        out.write(f"  {res.migration.id:<{width}}  {_LABELS[res.status]}\n")
        if res.failure is not None:
            out.write(f"      {_where(res)}: {res.phase}: {res.failure.message}\n")
            out.write(f"      statement: {one_line(res.failure.statement.sql, 200)}\n")
        lines = compact_diff(res.diff)
        shown = lines if verbose else lines[:_DIFF_LINES]
        for line in shown:
            out.write(f"      {line}\n")
        if len(shown) < len(lines):
            out.write(f"      ... and {len(lines) - len(shown)} more differences "
                      f"(--verbose shows all)\n")
        for note in res.notes:
            out.write(f"      note: {note}\n")
        if res.seeded and verbose:
            seeded = ", ".join(f"{t} ({n} rows)" for t, n in res.seeded.items())
            out.write(f"      seeded: {seeded}\n")
        if verbose:
            for check in res.checks:
                predicted = _effect_text(check.predicted.locks, check.predicted.rewrites)
                observed = _effect_text(check.observed.locks, check.observed.rewrites)
                out.write(f"      line {check.statement.span.line}: predicted {predicted}; "
                          f"observed {observed} ({check.observed.method})\n")
    not_run = result.count(NOT_RUN)
    if not_run and not verbose:
        out.write(f"  ... {not_run} later migration{'s' * (not_run != 1)} not run\n")

    disagreements = [(res, c, d) for res in result.results for c, d in res.disagreements]
    out.write(f"\nlockwise model check: {len(result.checks)} statements observed, "
              f"{len(disagreements)} disagreement{'s' * (len(disagreements) != 1)}\n")
    for res, check, d in disagreements:
        span = check.statement.span
        out.write(f"  {res.migration.path}:{span.line}:{span.column}: {RULE_ID}: "
                  f"{d.describe()}\n")
        out.write(f"      statement: {one_line(check.statement.sql, 160)}\n")
    if disagreements:
        out.write("  These are bugs in lockwise's effect model, not in your migrations: "
                  "please report them.\n")

    counts = [f"{result.count(s)} {_LABELS[s].lower()}" for s in
              (REVERSIBLE, NOT_REVERSIBLE, NO_DOWN, UP_FAILED, DOWN_FAILED, REAPPLY_FAILED,
               NOT_RUN, NEVER_RUNS) if result.count(s)]
    timing = f" in {result.seconds:.1f}s" if show_time else ""
    out.write(f"\n{', '.join(counts) or 'nothing to run'}{timing}\n")


def render_preflight(result: PreflightResult, how: str, target: str, out: TextIO) -> None:
    n = len(result.pending)
    out.write(f"lockwise verify --preflight: {n} pending migration{'s' * (n != 1)} ({how}) "
              f"against {target}\n\n")
    for p in result.problems:
        out.write(f"  {p.migration.path}:{p.statement.span.line}:{p.statement.span.column}: "
                  f"{p.check}: {p.message}\n")
        out.write(f"      see them: {p.sample_query}\n")
    for note in result.notes:
        out.write(f"  note: {note}\n")
    if result.problems:
        out.write(f"\n{len(result.problems)} data problem{'s' * (len(result.problems) != 1)} "
                  f"found by {result.checks_run} read-only checks\n")
    else:
        out.write(f"no data problems found by {result.checks_run} read-only checks\n")
