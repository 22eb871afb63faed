"""Whether the effect model knows PostgreSQL refuses a statement.

Each statement family says a refusal with a fact of its own (the rules print them); this is
the one place that reads them together, for what must not follow a statement that fails:
the catalog replay, and the objects a migration is taken to have created.
"""

from __future__ import annotations

from lockwise.core.types import Action, Effect

#: The action facts whose truthy value means PostgreSQL refuses the whole statement, each
#: checked on the server by its family's tests: a foreign key or persistence change the
#: other tables forbid (`refused_by`, `refused_references`), ALTER TABLE ONLY of what the
#: children must follow, a partitioned table's or an inheritance child's refusals, a view's
#: columns changed by CREATE OR REPLACE, a name taken, a type change without the USING it
#: needs, syntax the version stated (--pg-version) lacks (`unavailable_syntax`, said only
#: then).
REFUSAL_FACTS = ("refused_by", "refused_references", "refused_with_only",
                 "refused_on_partitioned", "refused_by_inheritance", "view_columns_refused",
                 "name_taken", "needs_using", "unavailable_syntax")


def refusal(effect: Effect) -> str:
    """The first fact by which `effect` says PostgreSQL refuses its statement; "" when it
    says none (the statement runs, as far as the model knows)."""
    for action in effect.actions:
        if name := _refusal_of(action):
            return name
    return ""


def _refusal_of(action: Action) -> str:
    facts = action.facts
    return next((name for name in REFUSAL_FACTS if facts.get(name)), "")


def refused_actions(effect: Effect) -> list[bool]:
    """For each action of `effect`, whether PostgreSQL refuses the statement it is part of:
    the whole statement when one of its actions says a refusal, except in a DO block, where
    each statement the block runs is refused by its own facts only (it may sit in a branch
    that does not run, and the other statements' work still happens when it does not) and
    the block's own action by its own."""
    says = [bool(_refusal_of(action)) for action in effect.actions]
    if not any(says) or not any(a.facts.get("in_do_block") for a in effect.actions):
        return [any(says)] * len(says)
    refused_inner = {_embedded(a) for a, refused in zip(effect.actions, says, strict=True)
                     if refused}
    return [refused or (a.facts.get("in_do_block") is True and _embedded(a) in refused_inner)
            for a, refused in zip(effect.actions, says, strict=True)]


def _embedded(action: Action) -> tuple[object, object]:
    """Which statement of a DO block an action is part of."""
    return action.facts.get("embedded_line"), action.facts.get("embedded_sql")
