"""From a linted migration to the ordered parts of its safe version."""

from __future__ import annotations

from dataclasses import dataclass, field

from lockwise.core.types import (
    Action,
    Effect,
    Migration,
    MigrationReport,
    Safety,
    StatementReport,
)
from lockwise.effects.versions import DEFAULT_PG_VERSION
from lockwise.fix import FIXABLE
from lockwise.fix.patterns import Unprintable, rewrite, statement_facts
from lockwise.parse.quoting import quote_literal

DEFAULT_LOCK_TIMEOUT = "5s"


class Unrewritable(Exception):
    """A migration with something to fix whose file cannot be rewritten without losing text:
    the rewrite is printed from the statements the server parses, so anything else would
    vanish from the file."""


def lost_text(report: MigrationReport, templates: str = "substitute") -> str | None:
    """Why printing the migration back from its statements would lose part of its file: psql
    meta-commands and COPY data are no statements, SQL the parser rejects is none either, a
    statement the `templates` mode skips for its placeholders was not linted, and a
    statement too deeply nested to analyze has no report. None when nothing would be lost.
    """
    from lockwise.parse.templates import parse_templated

    # Parsed as `lockwise fix` lints it: in the default mode a statement with placeholders
    # is kept as written.
    parsed = parse_templated(report.migration.up_sql, templates, comments=False,
                             tool=report.migration.tool_placeholders)
    skipped = [s for s in parsed.skipped if s.kind != "template-substituted"]
    if parsed.problems:
        problem = parsed.problems[0]
        return (f"line {problem.span.line} does not parse ({problem.message}); the rewrite "
                "would drop it")
    if skipped:
        first = min(skipped, key=lambda s: s.span.start_offset)
        if first.kind == "template-skipped":
            return (f"line {first.span.line}: a statement with template placeholders, skipped "
                    f"(templates = \"{templates}\"), which the rewrite would drop")
        what = (f"the psql meta-command `{first.text}`" if first.kind in ("psql-meta", "psql-gexec")
                else f"the {first.text}")
        return (f"line {first.span.line}: {what} is client-side input (not SQL for the "
                "server), which the rewrite cannot keep in place")
    if len(parsed.statements) != len(report.statements):
        return "a statement is too deeply nested to analyze; the rewrite would drop it"
    return None


@dataclass(slots=True)
class Part:
    """One migration of the rewritten sequence."""

    statements: list[str]
    no_transaction: bool
    purpose: str
    #: The contract step of an expand/contract change (removes the old column).
    contract: bool = False
    #: Holds statements of the original migration (as written, or rewritten in place), not
    #: only steps the rewrite made (CONCURRENTLY, backfill, follow-up, contract).
    original: bool = False


@dataclass(slots=True)
class FixPlan:
    migration: Migration
    parts: list[Part]
    fixed_rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: What the steps after the first change, read or write (effect-model object keys): they
    #: must not move past a later migration that touches any of it.
    moved: set[str] = field(default_factory=set)


def _is_transaction_control(sql: str) -> bool:
    first = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return first in ("BEGIN", "COMMIT", "START", "END", "ROLLBACK")


def _without_statement_directives(comments: list[str], dropped: StatementReport,
                                  notes: list[str]) -> str:
    """The comments of a BEGIN / COMMIT the rewrite drops, to go with the next statement:
    without the ignore directives that applied to that statement alone (a file-wide one
    stays), which would start waiving the next one."""
    from lockwise.rules.directives import parse_directive

    kept = []
    for comment in comments:
        directive = parse_directive(comment)
        if directive is not None and not directive.file_level:
            notes.append(f"dropped with the {dropped.statement.sql.split()[0].upper()} at line "
                         f"{dropped.statement.span.line}: `{directive.text}` applied to it "
                         "alone, not to the statement after it")
            continue
        kept.append(comment + "\n")
    return "".join(kept)


def _validations_first(phase: list[str]) -> list[str]:
    """A follow-up step's statements with every VALIDATE CONSTRAINT first, in their order.

    Locks are held until commit: a VALIDATE after a SET NOT NULL, DROP CONSTRAINT or ADD
    CONSTRAINT ... USING INDEX of its table (ACCESS EXCLUSIVE) would scan it with reads and
    writes waiting. No statement of a step needs one of the step's own non-VALIDATE
    statements first (a NOT VALID constraint is added a step earlier), so the order of each
    kind is kept and SET NOT NULL still follows the VALIDATE of its CHECK."""
    def validates(sql: str) -> bool:
        return "VALIDATE CONSTRAINT" in sql.upper()

    return [q for q in phase if validates(q)] + [q for q in phase if not validates(q)]


def _code(sql: str) -> str:
    """The statement without the comments before it (its own, a step header)."""
    code = sql.lstrip()
    while code.startswith(("--", "/*")):
        end = code.find("\n") + 1 if code.startswith("--") else code.find("*/") + 2
        if end <= 1:
            return ""
        code = code[end:].lstrip()
    return code


def _is_setting(sql: str) -> bool:
    return _code(sql).upper().startswith(("SET ", "RESET "))


def _transactional_step(statements: list[str], lock_timeout: str, wrapped: bool,
                        transactional: bool = True) -> list[str]:
    """A step that runs in one transaction, with its lock_timeout first.

    A migration its tool does not run in a transaction (`wrapped` false: psql -f, a plain
    directory) gets its own BEGIN/COMMIT, without which SET LOCAL does nothing and a failure
    halfway leaves half the step committed; unless a statement of the step refuses to run in a
    transaction block, and then the timeout is set for the session.
    """
    # The comments before a statement travel with it: a first run's step header stands before
    # the SET LOCAL it wrote.
    if not any(_code(s).upper().startswith(("SET LOCAL LOCK_TIMEOUT", "SET LOCK_TIMEOUT"))
               for s in statements[:3]):
        scope = "SET LOCAL" if wrapped or transactional else "SET"
        statements = [f"{scope} lock_timeout = {quote_literal(lock_timeout)}", *statements]
    if wrapped or not transactional:
        return statements
    return ["BEGIN", *statements, "COMMIT"]


def acts_on(effect: Effect) -> frozenset[str]:
    """The objects a statement changes, reads, writes or drops."""
    return frozenset(effect.alters | effect.reads | effect.writes | effect.drops)


def _touched_later(report: MigrationReport, after: frozenset[str]) -> list[frozenset[str]]:
    """For each statement, the objects the statements after it change, read or write, with
    `after`: what later migrations of the same change do."""
    out: list[frozenset[str]] = []
    later = after
    for s in reversed(report.statements):
        out.append(later)
        later = later | acts_on(s.effect)
    return out[::-1]


def _builds_key(action: Action) -> bool:
    """A unique index or a PRIMARY KEY / UNIQUE constraint: what a foreign key references."""
    f = action.facts
    return (action.kind == "create_index" and bool(f.get("unique"))) or (
        action.kind == "add_constraint" and f.get("constraint_type") in ("primary", "unique"))


def _changes(effect: Effect) -> set[str]:
    """The objects the statement creates, changes or drops, but for whole tables it only
    alters (nearly every statement on a table does: that alone orders nothing)."""
    return {o for o in effect.creates | effect.alters | effect.drops
            if not (o.startswith("table:") and o not in effect.creates | effect.drops)}


def touched(effect: Effect) -> set[str]:
    """What moving a step past the statement could change the meaning of: the objects it
    creates, changes, drops, reads or writes (a table only when created or dropped)."""
    return _changes(effect) | {o for o in effect.reads | effect.writes
                               if not o.startswith("table:")}


def _drops_any(effect: Effect, objects: set[str]) -> bool:
    """Whether the statement drops (or renames away) one of `objects`, or the table one of
    them belongs to (`table:public.t` takes `column:public.t.c` with it)."""
    for dropped in effect.drops:
        if dropped in objects:
            return True
        if dropped.startswith("table:"):
            prefix = dropped.split(":", 1)[1] + "."
            if any(o.split(":", 1)[1].startswith(prefix) for o in objects):
                return True
    return False


def _mentions(sql: str, names: list[str]) -> bool:
    """Whether `sql` names one of `names` as a whole identifier (t_a is not in t_a_not_null)."""
    import re

    return any(name and re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", sql, re.I)
               for name in names)


def plan_fix(report: MigrationReport, lock_timeout: str = DEFAULT_LOCK_TIMEOUT,
             wrapped: bool | None = None,
             pg_version: int = DEFAULT_PG_VERSION,
             templates: str = "substitute",
             touched_after: frozenset[str] = frozenset()) -> FixPlan | None:
    """The safe sequence for one migration, or None when nothing in it has a mechanical fix.
    Raises Unrewritable when the file holds text the rewrite would lose.

    Statements that must run alone (CONCURRENTLY, batched backfills) move after the rest of the
    migration, so that tables it creates stay in the same migration as their first changes;
    they stay in place (splitting the migration) when a later statement names what they build.
    `wrapped`: whether the migration tool runs each migration in a transaction (None: as lint
    assumes for the migration's layout); `pg_version`: the target server's (before 12, NOT
    NULL through a CHECK keeps the CHECK); `templates`: the mode it was linted in;
    `touched_after`: what the statements of the same change in later migrations (the steps a
    previous fix made of it) change, read or write. The
    original file keeps its own setting: a migration
    marked to run without a transaction still is, and its first step brings BEGIN/COMMIT.
    """
    rules_found = {f.rule for s in report.statements for f in s.findings}
    if not rules_found & (FIXABLE | {"missing-lock-timeout"}):
        return None
    lost = lost_text(report, templates)
    if lost is not None:
        raise Unrewritable(lost)
    if wrapped is None:
        from lockwise.lint import tool_transaction

        # A transactional step: its lock_timeout and at least one statement that runs in a
        # transaction block.
        wrapped = tool_transaction(report.migration.layout)
    wrapped_original = wrapped and not report.migration.no_transaction
    plan = FixPlan(report.migration, [])
    segment: list[str] = []
    #: Whether every statement of `segment` may run in a transaction block.
    segment_transactional = True
    pending_alone: list[tuple[str, list[str]]] = []  # (sql, names it creates)
    later: list[list[str]] = []
    contract: list[str] = []

    def flush() -> None:
        nonlocal segment_transactional
        # Session settings alone are no change: they go with the steps that need them.
        if segment and not all(_is_setting(q) for q in segment):
            plan.parts.append(Part(
                # The first part is written in the original file, the others in new ones.
                _transactional_step(list(segment), lock_timeout,
                                    wrapped if plan.parts else wrapped_original,
                                    segment_transactional),
                False, "the original change, with the unsafe steps made safe", original=True))
        segment.clear()
        segment_transactional = True

    def emit_alone() -> None:
        for sql, _ in pending_alone:
            purpose = ("batched backfill, one short transaction per batch"
                       if sql.startswith("-- lockwise: batch") else
                       "runs outside a transaction (CONCURRENTLY)")
            plan.parts.append(Part([sql], True, purpose))
        pending_alone.clear()

    def emit_deferred() -> None:
        """Everything moved out of the original's order: CONCURRENTLY steps and batches, the
        follow-ups, then the contract step."""
        flush()
        emit_alone()
        for phase in later:
            if phase:
                plan.parts.append(Part(_transactional_step(_validations_first(phase),
                                                           lock_timeout, wrapped),
                                       False, "follow-up, after the previous step committed"))
        later.clear()
        if contract:
            plan.parts.append(Part(
                _transactional_step(list(contract), lock_timeout, wrapped), False,
                "CONTRACT step of an expand/contract change: run it only after the backfill "
                "finished and the application no longer uses the old column", contract=True))
        contract.clear()
        deferred.clear()
        keys_deferred.clear()
        drops_deferred.clear()
        changed_deferred.clear()

    #: What the deferred steps use: a later statement that drops one of them comes after them.
    deferred: set[str] = set()
    #: Tables whose unique key a deferred step builds: a foreign key to one comes after it.
    keys_deferred: set[str] = set()
    #: Tables a deferred step drops something of: a later change to one comes after it.
    drops_deferred: set[str] = set()
    #: What a deferred step creates or changes: a later change of one comes after it.
    changed_deferred: set[str] = set()

    touched_later = _touched_later(report, touched_after)
    carried = ""  # the comments of a dropped BEGIN / COMMIT
    for position, s in enumerate(report.statements):
        rules = {f.rule for f in s.findings}
        try:
            pieces = rewrite(s.statement.sql, rules, {**statement_facts(s.effect.actions),
                                                      "pg_version": pg_version}) \
                if rules & FIXABLE else None
        except Unprintable:
            pieces = None
            plan.notes.append(f"not rewritten: line {s.statement.span.line} does not parse as "
                              "written (template placeholders?), so it cannot be printed back")
        if pieces is not None and pieces.declined:
            plan.notes.extend(f"not rewritten: line {s.statement.span.line}: {why}"
                              for why in pieces.declined)
            if not pieces.rewritten():
                pieces = None
        columns = {o for o in s.effect.alters if o.startswith("column:")}
        if pieces is not None and pieces.contract and columns & touched_later[position]:
            # Until the contract step the old column keeps its name and type: a later
            # statement written for the changed column would act on the old one.
            pieces = None
            plan.notes.append(f"not rewritten: line {s.statement.span.line}: a later statement "
                              "of the migration changes the same column, which expand/contract "
                              "would leave unchanged until its contract step")
        # The statement's own comments travel with it (directives included), and those of a
        # BEGIN / COMMIT the steps replace with their own go with the statement after it.
        own_comments = [c for c in s.statement.leading_comments if c not in s.statement.sql]
        comments = carried + "".join(c + "\n" for c in own_comments)
        sql_here = [s.statement.sql] if pieces is None else pieces.main
        if deferred and _drops_any(s.effect, deferred):
            emit_deferred()  # this statement drops what a deferred step still uses
        elif keys_deferred & s.effect.reads:
            emit_deferred()  # a foreign key to a table whose key a deferred step builds
        elif drops_deferred & s.effect.alters:
            emit_deferred()  # a change to a table whose index a deferred step drops first
        elif changed_deferred & _changes(s.effect):
            emit_deferred()  # a later change (or rename) of what a deferred step changes
        if plan.parts:  # whatever this statement leaves in place runs after the first step
            plan.moved |= touched(s.effect)
        elif pending_alone and any(_mentions(q, names) for q in sql_here
                                   for _, names in pending_alone):
            flush()  # this statement needs what a pending CONCURRENTLY step builds
            emit_alone()
        if pieces is None:
            if not _is_transaction_control(s.statement.sql):
                segment.append(comments + s.statement.sql)
                segment_transactional = segment_transactional and s.effect.transactional
                carried = ""
            else:
                carried += _without_statement_directives(own_comments, s, plan.notes)
            for f in s.findings:
                if f.safety >= Safety.REQUIRES_DOWNTIME and f.rule not in FIXABLE:
                    plan.notes.append(f"not rewritten: {f.rule} at line {s.statement.span.line} "
                                      "has no mechanical fix; see its `instead`")
            continue
        carried = ""
        if comments:
            target = pieces.main or pieces.alone
            target[0] = comments + target[0]
        plan.fixed_rules.extend(sorted(rules & FIXABLE))
        plan.notes.extend(pieces.notes)
        segment.extend(pieces.main)
        names = [str(a.facts.get("index_name") or a.facts.get("index") or "").split(".")[-1]
                 for a in s.effect.actions]
        pending_alone.extend((sql, names) for sql in pieces.alone)
        contract.extend(pieces.contract)
        for i, phase in enumerate(pieces.later):
            while len(later) <= i:
                later.append([])
            later[i].extend(phase)
        if pieces.alone or pieces.later or pieces.contract:
            e = s.effect
            deferred.update(e.creates, e.alters, e.reads, e.writes,
                            (f"table:{t}" for t in e.locks))
            keys_deferred.update(f"table:{a.facts.get('table')}" for a in e.actions
                                 if _builds_key(a))
            if e.drops:  # e.g. DROP INDEX, moved: a later change of its table may need it gone
                drops_deferred.update(f"table:{t}" for t in e.locks)
            changed_deferred.update(_changes(e))
            plan.moved |= touched(e)
    emit_deferred()
    if "missing-lock-timeout" in rules_found:
        plan.fixed_rules.append("missing-lock-timeout")
    plan.fixed_rules = sorted(set(plan.fixed_rules))
    return plan
