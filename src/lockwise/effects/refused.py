"""Whether the effect model knows PostgreSQL refuses a statement.

Each statement family says a refusal with a fact of its own (the rules print them); this is
the one place that reads them together, for what must not follow a statement that fails:
the catalog replay, and the objects a migration is taken to have created.
"""

from __future__ import annotations

from lockwise.core.types import Effect

#: The action facts whose truthy value means PostgreSQL refuses the whole statement, each
#: checked on the server by its family's tests: a foreign key or persistence change the
#: other tables forbid (`refused_by`, `refused_references`), ALTER TABLE ONLY of what the
#: children must follow, a partitioned table's refusals, a view's columns changed by CREATE
#: OR REPLACE, a name taken, a type change without the USING it needs, syntax the version
#: stated (--pg-version) lacks (`unavailable_syntax`, said only then).
REFUSAL_FACTS = ("refused_by", "refused_references", "refused_with_only",
                 "refused_on_partitioned", "view_columns_refused", "name_taken", "needs_using",
                 "unavailable_syntax")


def refusal(effect: Effect) -> str:
    """The first fact by which `effect` says PostgreSQL refuses its statement; "" when it
    says none (the statement runs, as far as the model knows)."""
    for action in effect.actions:
        facts = action.facts
        for name in REFUSAL_FACTS:
            if facts.get(name):
                return name
    return ""
