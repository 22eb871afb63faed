"""What lint's report leaves out of the conflict graph's findings because a rule says it of
the same statement already.

A statement PostgreSQL refuses because a column or constraint is certainly absent is
reported by rule `object-missing` (`object_missing`, effects/postgres/missing_objects.py);
the graph's `missing-object` conflict names the same object at the same statement. `lockwise
graph`, which reports no rules, keeps it; lint prints it once, as the finding. Every format
of lint's report (text, json, sarif, github, markdown, junit, gitlab) and its exit code take
the conflicts from here (`cli.app.lint`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockwise.core.types import Action, MigrationReport, StatementReport
    from lockwise.graph.model import Conflict


def conflicts_not_said(conflicts: Sequence[Conflict], reports: Sequence[MigrationReport]
                       ) -> list[Conflict]:
    """`conflicts` but the missing-object ones on the very object a finding of object-missing
    names, at its statement (the place the conflict points at last). The effect model
    refuses a statement for its first absent name, as the server does, and the rule names
    that one (one finding a statement); the graph names each, and the others stay. The
    released reports keep that name with the refusal (`effects.refused.refusal_kept`)."""
    if not any(c.kind == "missing-object" for c in conflicts):
        return list(conflicts)
    said = {(str(report.migration.path), st.statement.span.line, st.statement.span.column,
             _said(st.effect.actions))
            for report in reports for st in report.statements if says_missing(st)}
    return [c for c in conflicts if c.kind != "missing-object" or not c.locations
            or (c.locations[-1].path, c.locations[-1].line, c.locations[-1].column,
                c.object) not in said]


def says_missing(statement: StatementReport) -> bool:
    """Whether a finding of object-missing is about `statement`: the ones of a report that
    `conflicts_not_said` reads."""
    return any(f.rule == "object-missing" for f in statement.findings)


def _said(actions: Sequence[Action]) -> str:
    """The object the statement's finding of object-missing names (its first action's that
    names one) as the graph writes it: `column public.t.c` -> `column:public.t.c`."""
    return next((str(a.facts["missing_object"]).replace(" ", ":", 1)
                 for a in actions if a.facts.get("missing_object")), "")
