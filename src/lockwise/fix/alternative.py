"""The safe alternative lint prints for a finding that `lockwise fix` can rewrite: fix's own
rewrite of the user's statement (fix/patterns.py), as one text in the order it runs.

A rule's `instead` template can only name facts; the rewrite starts from the statement's
parse tree, so it keeps every clause the user wrote (UNIQUE, WHERE, USING, INCLUDE,
expressions, ON DELETE, DEFERRABLE, ...) and PostgreSQL's grammar prints it back. The template
stays the text for the statements no rewrite applies to.
"""

from __future__ import annotations

from lockwise.fix import REWRITTEN, REWRITTEN_AS
from lockwise.fix.patterns import Pieces, Unprintable, rewrite
from lockwise.parse.quoting import NEXT_MIGRATION, OWN_MIGRATION_LINE


class Alternative:
    """A statement's rewrite as lint prints it (a plain class: a NamedTuple or a dataclass
    generates code when it is defined, which every cold start would pay)."""

    __slots__ = ("text", "statements")

    def __init__(self, text: str, statements: list[tuple[str, dict]] | None) -> None:
        self.text = text
        #: The statements in `text`, in order, each as (its text, its parse tree), when the
        #: rewrite made every tree from the statement's own (see `Pieces.trees`); None: parse
        #: `text` to know.
        self.statements = statements


def statement_alternative(rule_id: str, sql: str, facts: dict,
                          tree: dict | None = None) -> Alternative | None:
    """The rewrite of `sql` for the finding of `rule_id`; None when the rule has no
    rewrite, the statement none that applies, or its text does not parse as written.
    `facts`: what `rewrite` reads (see `statement_facts`), with the target `pg_version`;
    `tree`: the statement's parse tree when the caller has it (see `rewrite`)."""
    if rule_id not in REWRITTEN:
        return None
    try:
        pieces = rewrite(sql, {REWRITTEN_AS.get(rule_id, rule_id)}, facts, tree)
    except Unprintable:
        return None
    if pieces is not None and not pieces.rewritten() and pieces.outline is not None:
        # fix leaves the statement as written, for the reason given first; the outline is
        # what it would write with the names it lacks
        reasons = "\n".join(f"-- lockwise fix leaves it as written: {why}"
                            for why in pieces.declined)
        return Alternative(f"{reasons}\n{alternative_text(pieces.outline)}", None)
    if pieces is None or not pieces.rewritten():
        return None
    statements = pieces.in_order()
    known = [(sql, tree) for sql in statements if (tree := pieces.trees.get(sql)) is not None]
    return Alternative(alternative_text(pieces), known if len(known) == len(statements) else None)


def alternative_text(pieces: Pieces) -> str:
    """The pieces in running order, each migration they need marked by a comment."""
    lines = [f"{sql};" for sql in pieces.main]
    for sql in pieces.alone:
        lines += [OWN_MIGRATION_LINE, f"{sql};"]
    for phase in pieces.later:
        if phase:
            lines += [NEXT_MIGRATION,
                      *(f"{sql};" for sql in phase)]
    if pieces.contract:
        lines += ["-- contract step, in a later migration, once the backfill finished and the "
                  "application no longer uses the old column:",
                  *(f"{sql};" for sql in pieces.contract)]
    lines += [f"-- {note}" for note in pieces.notes]
    return "\n".join(lines)
