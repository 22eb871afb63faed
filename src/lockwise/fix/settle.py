"""A split migration's steps, linted as the migrations they become.

`plan_fix` rewrites what lint found in the original migration. Once the migration is split,
a statement moved into a later step no longer runs in the migration that created its table:
that table is no longer new (nor sure to be empty) there, and a foreign key, SET NOT NULL or
CHECK that was safe on it now locks a table the application may already fill. So the steps
are linted in order, from the catalog the original started from, and a step with findings
the original did not have is planned again, until nothing new is found (a few rounds at
most). A new finding that has no rewrite leaves the migration as it is.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from lockwise.catalog.model import Catalog
from lockwise.core.types import Migration, MigrationReport, Safety
from lockwise.effects.versions import DEFAULT_PG_VERSION
from lockwise.fix import FIXABLE
from lockwise.fix.plan import (
    DEFAULT_LOCK_TIMEOUT,
    FixPlan,
    Part,
    Unrewritable,
    acts_on,
    plan_fix,
)
from lockwise.fix.write import step_of, terminated
from lockwise.lint import analyze_migration, lint_migrations, rule_index
from lockwise.options import LintOptions
from lockwise.rules.engine import RuleIndex

if TYPE_CHECKING:
    from lockwise.config import Config

#: Rounds of linting and planning again: each one only rewrites what moved further down, so
#: two are nearly always enough.
MAX_ROUNDS = 4

#: A finding above safe-with-care: its rule and message, which names what it is about (a
#: statement the rewrite prints back, or moves, keeps the findings it had).
Key = tuple[str, str]


@dataclass(slots=True)
class Planned:
    """What `plan_migrations` says of one linted migration."""

    report: MigrationReport
    plan: FixPlan | None = None
    #: Why the migration is left as it is (None when it is rewritten, or has nothing to fix).
    unrewritable: str | None = None


def _above_care(report: MigrationReport) -> list[tuple[Key, int | None]]:
    """Each finding above safe-with-care, with the position of its statement (None: the
    migration's own)."""
    out: list[tuple[Key, int | None]] = [((f.rule, f.message), None) for f in report.findings
                                         if f.safety > Safety.SAFE_WITH_CARE]
    out += [((f.rule, f.message), i) for i, s in enumerate(report.statements)
            for f in s.findings if f.safety > Safety.SAFE_WITH_CARE]
    return out


def _step_text(part: Part) -> str:
    return "\n\n".join(terminated(s.rstrip().rstrip(";")) for s in part.statements) + "\n"


def _step_migration(original: Migration, part: Part, position: int) -> Migration:
    """The step as the migration it is written as (no file of its own yet)."""
    return replace(original, name=f"{original.name}_step{position + 1}",
                   up_sql=_step_text(part), down_sql=None, down_path=None,
                   # The original file keeps its own setting, unless the step must run alone.
                   no_transaction=part.no_transaction or
                   (position == 0 and original.no_transaction))


def _lint_steps(plan: FixPlan, before: Catalog, index: RuleIndex,
                options: LintOptions) -> list[MigrationReport]:
    # The steps must not move the caller's catalog. A pickled copy: the catalog pickles by
    # its fields for the parallel workers, which is several times cheaper than deepcopy.
    catalog = pickle.loads(pickle.dumps(before, pickle.HIGHEST_PROTOCOL))
    return [analyze_migration(_step_migration(plan.migration, part, i), catalog, index, options)
            for i, part in enumerate(plan.parts)]


def _new_findings(original: MigrationReport, steps: list[MigrationReport]
                  ) -> list[list[tuple[Key, int | None]]]:
    """For each step, its findings above safe-with-care that the original did not have
    (matched by rule and statement text: a statement kept as written keeps its findings)."""
    left = Counter(key for key, _ in _above_care(original))
    out = []
    for step in steps:
        new = []
        for key, position in _above_care(step):
            if left[key]:
                left[key] -= 1
            else:
                new.append((key, position))
        out.append(new)
    return out


def _only(report: MigrationReport, wanted: set[int]) -> MigrationReport:
    """`report` with the findings of its statements at `wanted` positions only: what the
    step is planned again for (the others were the original's, and dealt with there)."""
    statements = [replace(s, findings=s.findings if i in wanted else [])
                  for i, s in enumerate(report.statements)]
    return replace(report, statements=statements, findings=[])


def _replan(plan: FixPlan, steps: list[MigrationReport],
            new: list[list[tuple[Key, int | None]]], lock_timeout: str,
            pg_version: int) -> bool:
    """Plan again each step with new findings that have a rewrite; whether any was."""
    parts: list[Part] = []
    changed = False
    for part, step, found in zip(plan.parts, steps, new, strict=True):
        wanted = {at for (rule, _), at in found if at is not None and rule in FIXABLE}
        sub = plan_fix(_only(step, wanted), lock_timeout, pg_version=pg_version) \
            if wanted else None
        if sub is None or not sub.fixed_rules:  # nothing rewritten (a pattern declined)
            parts.append(part)
            continue
        changed = True
        plan.notes.append(
            f"step {len(parts) + 1} is a migration of its own, where what the original created "
            f"is no longer new: {', '.join(sub.fixed_rules)} rewritten there too")
        plan.notes.extend(sub.notes)
        for p in sub.parts:
            p.contract = p.contract or part.contract
        parts.extend(sub.parts)
        plan.moved |= sub.moved
    plan.parts = parts
    return changed


def settle(plan: FixPlan, report: MigrationReport, before: Catalog, options: LintOptions,
           lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
           pg_version: int = DEFAULT_PG_VERSION, index: RuleIndex | None = None) -> FixPlan:
    """`plan` (of the migration `report` judged), its steps planned again until they have no
    finding above safe-with-care that the original did not have. `before`: the catalog the
    original migration started from (not changed). Raises Unrewritable when a step keeps
    one, which no rewrite removes."""
    index = index or rule_index(options)
    for _ in range(MAX_ROUNDS):
        steps = _lint_steps(plan, before, index, options)
        new = _new_findings(report, steps)
        if not any(new):
            return plan
        if not _replan(plan, steps, new, lock_timeout, pg_version):
            break
    position, found = next((i, f) for i, f in enumerate(new) if f)
    (rule, message), at = found[0]
    sql = "" if at is None else " ".join(steps[position].statements[at].statement.sql.split())
    where = f"`{sql[:80]}` " if sql else ""
    raise Unrewritable(
        f"step {position + 1} of its safe sequence is a migration of its own, where "
        f"{where}would be reported as {rule} ({message}), which fix cannot rewrite: make "
        "the change safe by hand")


def plan_migrations(migrations: Sequence[Migration], options: LintOptions,
                    new_databases: Collection[int] = frozenset(),
                    lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
                    pg_version: int = DEFAULT_PG_VERSION,
                    config: Config | None = None) -> list[Planned]:
    """Lint `migrations` and plan the fix of each one judged (`options.only`), its steps
    settled (see `settle`) when statements of the original run after its first step.
    `config`: its per-path overrides drop findings as they do for `lockwise lint`, so what
    lint passes under them is not rewritten."""
    reports = lint_migrations(migrations, options, new_databases=new_databases)
    if config is not None and config.overrides:
        from lockwise.config import apply_overrides
        from lockwise.rules.loader import load_rules, rule_tags

        reports = apply_overrides(reports, config,
                                  rule_tags(load_rules(options.rules_dirs, examples=False)))
    out: list[Planned] = []
    sequences = _later_steps_touch(reports)
    for report in reports:
        try:
            out.append(Planned(report, plan_fix(report, lock_timeout, pg_version=pg_version,
                                                templates=options.templates,
                                                touched_after=sequences.get(id(report),
                                                                            frozenset()))))
        except Unrewritable as exc:
            out.append(Planned(report, unrewritable=str(exc)))
    # Only the original's statements run elsewhere than they were written for: the steps the
    # rewrite makes (CONCURRENTLY, backfill, follow-up) are made for where they run.
    split = {id(p.report.migration): p for p in out
             if p.plan and any(part.original for part in p.plan.parts[1:])}
    if split:
        _settle_all(migrations, split, options, new_databases, lock_timeout, pg_version)
    return out


def _later_steps_touch(reports: Sequence[MigrationReport]) -> dict[int, frozenset[str]]:
    """For the first step of each sequence a previous `fix --write` made (by `id` of its
    report), what its later steps change, read or write: statements of the same original
    migration, which a second run must weigh as the first did (a type change the first run
    left because a later statement changes its column stays left)."""
    steps = [step_of(r.migration.up_sql) for r in reports]
    out: dict[int, frozenset[str]] = {}
    for i, (report, step) in enumerate(zip(reports, steps, strict=True)):
        if step is None or step[0] != 1 or step[2] != report.migration.id:
            continue
        objects: set[str] = set()
        for later, later_step in zip(reports[i + 1:], steps[i + 1:], strict=True):
            if later_step is not None and later_step[1:] == step[1:] and later_step[0] > 1:
                objects.update(*(acts_on(s.effect) for s in later.statements))
        out[id(report)] = frozenset(objects)
    return out


def _settle_all(migrations: Sequence[Migration], split: dict[int, Planned],
                options: LintOptions, new_databases: Collection[int], lock_timeout: str,
                pg_version: int) -> None:
    """Replay the migrations again, settling each split plan from the catalog its migration
    starts from (the first pass has moved past it). Stops after the last one."""
    index = rule_index(options)
    catalog = Catalog()
    left = len(split)
    for migration in migrations:
        if id(migration) in new_databases:
            catalog.reset()
        planned = split.get(id(migration))
        if planned is not None and planned.plan is not None:
            try:
                settle(planned.plan, planned.report, catalog, options, lock_timeout,
                       pg_version, index)
            except Unrewritable as exc:
                planned.plan, planned.unrewritable = None, str(exc)
            left -= 1
            if not left:
                return
        analyze_migration(migration, catalog, None, options)
