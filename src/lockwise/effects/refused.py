"""Whether the effect model knows PostgreSQL refuses a statement.

Each statement family says a refusal with a fact of its own (the rules print them); this is
the one place that reads them together, for what must not follow a statement that fails:
the catalog replay, and the objects a migration is taken to have created.
"""

from __future__ import annotations

from dataclasses import replace

from lockwise.core.types import Action, Effect

#: The action facts whose truthy value means PostgreSQL refuses the whole statement, each
#: checked on the server by its family's tests: a foreign key or persistence change the
#: other tables forbid (`refused_by`, `refused_references`), ALTER TABLE ONLY of what the
#: children must follow, a partitioned table's or an inheritance child's refusals, an INHERIT
#: making a table its own ancestor (`refused_circular_inheritance`), a CREATE TABLE
#: naming the table itself in INHERITS (`refused_own_parent`), a view's
#: columns changed by CREATE OR REPLACE, a name taken, a type change without the USING it
#: needs, syntax the version stated (--pg-version) lacks (`unavailable_syntax`, said only
#: then), an INSERT ... ON CONFLICT into a table with INSERT or UPDATE rules
#: (`on_conflict_refused_by`: the rewriter refuses it whatever the rows, disabled rules
#: included), a NOT NULL change the server refuses whatever the rows (`refused_not_null`:
#: of a primary-key column; before 18, of a NOT NULL by its constraint name, said only then),
#: an ALTER CONSTRAINT the server refuses whatever the rows (`refused_constraint_change`: a
#: name with no constraint, DEFERRABLE or ENFORCED of no foreign key), a partition, an
#: inheritance or a foreign key that ties a temporary relation to one that is not
#: (`refused_by_persistence`), a function or procedure only pg_temp has, named without its
#: schema (`refused_temporary_routine`: the server never looks for one there), DISCARD ALL in
#: a transaction block (`refused_in_transaction_block`: the session's temporary objects and
#: settings stay), a `LANGUAGE sql` body naming a column its table, known whole, lacks
#: (`refused_function_body`: analyzed at CREATE), a VARIADIC parameter of no array type
#: (`refused_variadic_parameter`) or a PL/pgSQL or `LANGUAGE sql` string body its grammar
#: rejects (`refused_body_syntax`), each reported as a parse-error, a view's or CREATE TABLE
#: AS's query casting a string constant to a type it is no input of (`refused_constant`:
#: "invalid input syntax for type integer"), a column or constraint that is certainly absent
#: (`object_missing`: "does not exist"), a RELEASE or ROLLBACK TO of a savepoint not open in
#: the transaction block (`savepoint_missing`), FOR UPDATE / SHARE OF a WITH query
#: (`with_query_locked`: "FOR SHARE cannot be applied to a WITH query"), a view's or CREATE
#: TABLE AS's result naming a column twice (`refused_duplicate_column`: "column "a"
#: specified more than once"), an EXECUTE or DEALLOCATE of a name the session has not
#: prepared (`prepared_statement_missing`), a PREPARE of one it has
#: (`prepared_statement_exists`), a CREATE TABLE ... AS EXECUTE of a prepared statement that
#: is not a SELECT (`prepared_statement_not_select`), an index whose WHERE or expression,
#: or a generated column whose expression, calls a function that is not immutable
#: (`refused_not_immutable`), a VIRTUAL generated column of a type, or whose expression
#: uses a function, operator or type, not built in (`refused_virtual_user_defined`), a
#: function, procedure
#: or routine named without its argument types whose name finds several overloads
#: (`refused_routine_not_unique`: "function name "f" is not unique"), a DROP INDEX of a
#: constraint's index, or without CASCADE of one foreign keys use (`refused_index_drop`), a
#: DROP FUNCTION / PROCEDURE / ROUTINE without CASCADE of one something depends on
#: (`refused_function_drop`: a default, a generated column, a CHECK, an index, a view, a
#: policy, a trigger, a routine's SQL-standard body calling it), an ALTER COLUMN ... TYPE
#: ... USING of a generated column (`refused_generated_using`: first, as the server judges it
#: before the rest, ONLY with children included), a DROP OPERATOR without CASCADE of one a
#: DEFAULT or a generated column runs (`refused_operator_drop`), a CREATE OR REPLACE FUNCTION /
#: PROCEDURE of another kind or result than the routine it replaces
#: (`refused_routine_replace`), a DROP FUNCTION / PROCEDURE / AGGREGATE of a routine of
#: another kind (`refused_routine_kind_drop`: "... is not an aggregate"), an ALTER OPERATOR
#: FAMILY ... DROP of a member an operator class of the family requires
#: (`refused_member_drop`), an identity column whose SEQUENCE NAME is in another schema,
#: where no relation has the table's name (`refused_sequence_schema`: 'relation "other.t"
#: does not exist'), a DROP TYPE or ALTER TYPE ... RENAME / OWNER TO / SET SCHEMA of an array
#: type by its own name (`refused_array_type`: "cannot alter array type x[]").
REFUSAL_FACTS = ("refused_generated_using", "refused_by", "refused_references",
                 "refused_with_only",
                 "refused_on_partitioned", "refused_circular_inheritance",
                 "refused_own_parent",
                 "refused_by_inheritance", "view_columns_refused",
                 "name_taken", "needs_using", "unavailable_syntax", "on_conflict_refused_by",
                 "refused_not_null", "refused_constraint_change", "refused_by_persistence",
                 "refused_temporary_routine", "refused_in_transaction_block",
                 "refused_function_body", "refused_variadic_parameter", "refused_body_syntax",
                 "refused_constant", "object_missing", "savepoint_missing",
                 "with_query_locked", "refused_duplicate_column",
                 "prepared_statement_missing", "prepared_statement_exists",
                 "prepared_statement_not_select", "refused_not_immutable",
                 "refused_virtual_user_defined",
                 "refused_routine_not_unique", "refused_index_drop",
                 "refused_function_drop", "refused_default_cast", "refused_operator_drop",
                 "refused_routine_replace", "refused_routine_kind_drop", "refused_array_type",
                 "refused_member_drop", "refused_sequence_schema")


def refusal(effect: Effect) -> str:
    """The first fact by which `effect` says PostgreSQL refuses its statement; "" when it
    says none (the statement runs, as far as the model knows)."""
    for action in effect.actions:
        if name := _refusal_of(action):
            return name
    return ""


def statement_refusal(effect: Effect) -> str:
    """The fact by which PostgreSQL refuses the whole statement, as the reports and the cost
    model take it: none of its work (rewrite, scan, index build) happens and it costs no time
    (it may still queue for its first lock: ALTER TABLE and CREATE INDEX are refused once
    they hold it, measured on 18.6). "" when it runs, and for a DO block whose statements
    alone are refused (`refused_actions`: the block's other work happens)."""
    name = refusal(effect)
    return name if name and all(refused_actions(effect)) else ""


def refused_note(effect: Effect) -> str:
    """What the reports say of a statement PostgreSQL refuses, in place of its locks,
    rewrites, scans and estimate (`statement_refusal`); "" for one that runs."""
    name = statement_refusal(effect)
    return f"PostgreSQL refuses this statement ({name}): the migration fails here, " \
        "none of its work done" if name else ""


def work_done(effect: Effect) -> Effect:
    """`effect` as the reports list its work: without locks, rewrites and scans when
    PostgreSQL refuses the statement (`statement_refusal`)."""
    return refused_work(effect)[1]


def refused_work(effect: Effect) -> tuple[str, Effect]:
    """`statement_refusal(effect)` and `work_done(effect)` together, the refusal looked up
    once (the JSON report prints both for each statement)."""
    name = statement_refusal(effect)
    return name, replace(effect, locks={}, rewrites=frozenset(), scans={}) if name else effect


#: REFUSAL_FACTS as a set, for `_refusal_of`'s look at the facts an action has.
_REFUSAL_SET = frozenset(REFUSAL_FACTS)


def _refusal_of(action: Action) -> str:
    facts = action.facts
    # Asked of every action of every statement (lint, the graph, the reports). Nearly none
    # says a refusal, but a quarter of them hold a refusal fact that is false (an INSERT's
    # `refused_by` and `on_conflict_refused_by`, ADD COLUMN's `refused_references`): the
    # ones an action holds are found in one C pass over the keys, and the ordered look runs
    # only when one of them is true.
    if _REFUSAL_SET.isdisjoint(facts):  # (most actions: no set of the keys is built)
        return ""
    held = facts.keys() & _REFUSAL_SET
    if not any(map(facts.__getitem__, held)):
        return ""
    return next(name for name in REFUSAL_FACTS if name in held and facts[name])


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


#: The facts besides REFUSAL_FACTS that `refused_actions` reads.
_DO_BLOCK_FACTS = ("in_do_block", "embedded_line", "embedded_sql")
#: What `refusal_kept` keeps: the refusal, and what it names: the object certainly absent
#: (`missing_object`), by which lint's report tells the graph's conflict on that very object
#: (`report.said_once`).
_KEPT_FACTS = (*REFUSAL_FACTS, *_DO_BLOCK_FACTS, "missing_object")


def refusal_kept(effect: Effect, printed: tuple[Action, ...],
                 refused: str | None = None) -> tuple[Action, ...]:
    """`printed` (`effect`'s actions, each with only the facts the printers read) with what
    says `effect`'s refusal too, when it says one: a report whose facts are let go once the
    rules are done still says the statement is refused (`statement_refusal`), and what is
    absent (`missing_object`). `refused`: `refusal(effect)`, when the caller has it."""
    if not (refusal(effect) if refused is None else refused):
        return printed
    return tuple(Action(kept.kind, {**kept.facts, **{
        name: action.facts[name] for name in _KEPT_FACTS
        if name in action.facts}}) for action, kept in zip(effect.actions, printed, strict=True))


def _embedded(action: Action) -> tuple[object, object]:
    """Which statement of a DO block an action is part of."""
    return action.facts.get("embedded_line"), action.facts.get("embedded_sql")
