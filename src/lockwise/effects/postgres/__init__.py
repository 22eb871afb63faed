"""The PostgreSQL effect model: for one statement, the locks, rewrites, scans and objects.

Lock levels follow PostgreSQL's own choices (tablecmds.c `AlterTableGetLockLevel`, the
"Explicit Locking" documentation) and are checked against a real server by tests/oracle.

`compute_effect` dispatches on the statement's node type (`_FAMILIES`) to a handler that
records what the statement does in a `Builder`. The handlers live by statement family (a
family's module is imported with its first statement):

- `builder`: the `Builder` and the helpers every family uses (table facts, the relations a
  query reads, descendants, IF NOT EXISTS, the locks of a foreign key's target);
- `create`: CREATE TABLE / TABLE AS / MATERIALIZED VIEW / VIEW / SEQUENCE / FUNCTION;
- `indexes`: CREATE INDEX, REINDEX, ALTER INDEX;
- `drops`: DROP, DROP DATABASE, DROP OWNED, TRUNCATE;
- `alter`: the ALTER TABLE dispatcher, recursion to partitions and children, and the
  subcommands without a family of their own;
- `columns`: ADD / DROP COLUMN, ALTER COLUMN TYPE, DEFAULT, NOT NULL, SET EXPRESSION, and the
  facts of a column definition;
- `constraints`: ADD / VALIDATE / DROP / ALTER CONSTRAINT;
- `attach`: ATTACH / DETACH PARTITION, and what a new partition takes on;
- `triggers`: CREATE TRIGGER, ENABLE / DISABLE TRIGGER, CREATE / ALTER POLICY;
- `renames`: RENAME of every object, SET SCHEMA;
- `user_types`: CREATE TYPE / DOMAIN, ALTER TYPE (enum, composite), ALTER DOMAIN;
- `maintenance`: VACUUM / ANALYZE, CLUSTER, REFRESH MATERIALIZED VIEW, LOCK TABLE;
- `queries`: INSERT / UPDATE / DELETE / MERGE, SELECT, COPY;
- `session_control`: SET, transaction control, SET CONSTRAINTS, DECLARE CURSOR, DISCARD;
- `embedded`: DO blocks, CREATE SCHEMA's elements, CREATE RULE's actions, EXPLAIN's and
  PREPARE's statement, EXECUTE's prepared one (they recurse into `compute_effect`), and
  DEALLOCATE;
- `databases`: ALTER DATABASE, CREATE / ALTER / DROP SUBSCRIPTION;
- `misc`: COMMENT, GRANT / REVOKE, ALTER SEQUENCE, ALTER ... DEPENDS ON EXTENSION, CREATE /
  ALTER PUBLICATION, CREATE STATISTICS, ALTER EXTENSION ... ADD / DROP, REASSIGN OWNED;
- `operator_families`: CREATE / ALTER OPERATOR FAMILY, CREATE OPERATOR CLASS, ALTER ...
  OWNER TO.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from lockwise.catalog.model import CHECK_CALLERS
from lockwise.catalog.routines import CALLING_KINDS
from lockwise.core.types import Effect
from lockwise.effects.context import Context
from lockwise.effects.literals import enum_candidate_literals
from lockwise.effects.nodes import unwrap
from lockwise.effects.postgres.builder import Builder, lock_stored_regclass_constants
from lockwise.effects.postgres.routine_objects import NAMING_KINDS, not_unique_routine
from lockwise.effects.syntax_versions import NEWEST, unavailable_syntax_facts


def _non_transactional(kind: str) -> Callable:
    def handler(b: Builder, stmt: dict) -> None:
        b.transactional = False
        b.act(kind)
    return handler


def _plain(kind: str) -> Callable:
    def handler(b: Builder, stmt: dict) -> None:
        b.act(kind)
    return handler


#: Statements that refuse a transaction block only where the code they run commits or rolls
#: back, which may sit in a branch that does not run: not known to be refused in one.
_MAY_RUN_IN_A_BLOCK = frozenset({"DoStmt", "CallStmt"})

#: The handlers resolved so far, by statement kind (`_handler`).
_HANDLERS: dict[str, Callable[[Builder, dict], None]] = {
    "CreatedbStmt": _non_transactional("create_database"),
    "AlterSystemStmt": _non_transactional("alter_system"),
    "CreateTableSpaceStmt": _non_transactional("create_tablespace"),
    "DropTableSpaceStmt": _non_transactional("drop_tablespace"),
    "CreateExtensionStmt": _plain("create_extension"),
    "GrantRoleStmt": _plain("grant"),
    "CreateRoleStmt": _plain("create_role"),
}

#: Each other kind's handler: its family's module and the function's name (and the argument
#: of a function that makes the handler). A family is imported with the first statement of
#: one of its kinds: a one-file lint of an ALTER TABLE loaded all seventeen families, the
#: largest part of the effect model's import and 4% of the run's instructions.
_FAMILIES: dict[str, tuple[str, ...]] = {
    "CreateStmt": ("create", "create_table"),
    "CreateTableAsStmt": ("create", "create_table_as"),
    "ViewStmt": ("create", "create_view"),
    "IndexStmt": ("indexes", "create_index"),
    "ReindexStmt": ("indexes", "reindex"),
    "DropStmt": ("drops", "drop"),
    "DropdbStmt": ("drops", "drop_database"),
    "DropOwnedStmt": ("drops", "drop_owned"),
    "ReassignOwnedStmt": ("misc", "reassign_owned"),
    "TruncateStmt": ("drops", "truncate"),
    "AlterTableStmt": ("alter", "alter_table"),
    "AlterTableMoveAllStmt": ("alter", "move_all_to_tablespace"),
    "RenameStmt": ("renames", "rename"),
    "AlterEnumStmt": ("user_types", "alter_enum"),
    "CreateTrigStmt": ("triggers", "create_trigger"),
    "CreatePolicyStmt": ("triggers", "create_policy"),
    "AlterPolicyStmt": ("triggers", "alter_policy"),
    "AlterObjectSchemaStmt": ("renames", "set_schema"),
    "AlterOwnerStmt": ("operator_families", "alter_owner"),
    "CreateOpFamilyStmt": ("operator_families", "create_operator_family"),
    "AlterOpFamilyStmt": ("operator_families", "alter_operator_family"),
    "CreateOpClassStmt": ("operator_families", "create_operator_class"),
    "VacuumStmt": ("maintenance", "vacuum"),
    "ClusterStmt": ("maintenance", "cluster"),
    "RefreshMatViewStmt": ("maintenance", "refresh_matview"),
    "LockStmt": ("maintenance", "lock_table"),
    "InsertStmt": ("queries", "dml", "insert"),
    "UpdateStmt": ("queries", "dml", "update"),
    "DeleteStmt": ("queries", "dml", "delete"),
    "SelectStmt": ("queries", "select"),
    "TransactionStmt": ("session_control", "transaction"),
    "VariableSetStmt": ("session_control", "variable_set"),
    "ConstraintsSetStmt": ("session_control", "set_constraints"),
    "DeclareCursorStmt": ("session_control", "declare_cursor"),
    "CreateFunctionStmt": ("create", "create_function"),
    "DefineStmt": ("create", "define"),
    "CreateEnumStmt": ("user_types", "create_type"),
    "CompositeTypeStmt": ("user_types", "create_type"),
    "CreateRangeStmt": ("user_types", "create_range"),
    "CreateForeignTableStmt": ("create", "create_foreign_table"),
    "CreateDomainStmt": ("user_types", "create_domain"),
    "AlterDomainStmt": ("user_types", "alter_domain"),
    "CreateSchemaStmt": ("embedded", "create_schema"),
    "CreateSeqStmt": ("create", "create_sequence"),
    "CommentStmt": ("misc", "comment"),
    "CreateSubscriptionStmt": ("databases", "create_subscription"),
    "AlterSubscriptionStmt": ("databases", "alter_subscription"),
    "DropSubscriptionStmt": ("databases", "drop_subscription"),
    "AlterDatabaseStmt": ("databases", "alter_database"),
    "DiscardStmt": ("session_control", "discard"),
    "DoStmt": ("embedded", "do_block"),
    "GrantStmt": ("misc", "grant"),
    "AlterSeqStmt": ("misc", "alter_sequence"),
    "CopyStmt": ("queries", "copy"),
    "RuleStmt": ("embedded", "create_rule"),
    "CreatePublicationStmt": ("misc", "create_publication"),
    "AlterPublicationStmt": ("misc", "alter_publication"),
    "CreateStatsStmt": ("misc", "create_statistics"),
    "AlterStatsStmt": ("misc", "alter_statistics"),
    "MergeStmt": ("queries", "dml", "merge"),
    "ExplainStmt": ("embedded", "explain"),
    "PrepareStmt": ("embedded", "prepare"),
    "ExecuteStmt": ("embedded", "execute"),
    "DeallocateStmt": ("embedded", "deallocate"),
    "AlterObjectDependsStmt": ("misc", "depends_on_extension"),
    "AlterExtensionContentsStmt": ("misc", "alter_extension_contents"),
}


#: The kinds of action the effect of a statement of each of these node types has, whatever
#: the catalog and the context: each handler acts once, with that kind, and `compute_effect`
#: adds only facts to what it acted (none of them calls a routine: `CALLING_KINDS`). Checked
#: at each such statement when CHECK_CALLERS is set (tests). What `action_kinds` answers.
_FIXED_KINDS: dict[str, frozenset[str]] = {
    "VariableSetStmt": frozenset({"set"}),
    "ConstraintsSetStmt": frozenset({"set"}),
    "TransactionStmt": frozenset({"transaction"}),
    "DiscardStmt": frozenset({"discard"}),
}


def action_kinds(tree: dict) -> frozenset[str] | None:
    """The kinds of the actions the effect of statement `tree` has, known from its node type
    alone (`_FIXED_KINDS`: SET, RESET, transaction control, DISCARD), without computing it;
    None for the other statements, whose actions depend on what they say and on the catalog.
    A caller that only asks whether a statement does some kind of action spares its effect."""
    return _FIXED_KINDS.get(next(iter(tree), ""))


#: The functions `family_function` found, by (family, name).
_FAMILY_FUNCTIONS: dict[tuple[str, str], Callable] = {}


def family_function(family: str, name: str) -> Callable:
    """The function `name` of the family module `family`, which is imported if it was not.
    Found once: an import statement here ran at each query or DML once a routine is kept,
    and `import_module` too takes the module's import lock at each call (958 a pass of
    lemmy+documenso)."""
    found = _FAMILY_FUNCTIONS.get((family, name))
    if found is None:
        found = _FAMILY_FUNCTIONS[family, name] = getattr(
            import_module(f"lockwise.effects.postgres.{family}"), name)
    return found


def _handler(kind: str) -> Callable[[Builder, dict], None] | None:
    """The handler of a statement kind (None: no handler), its family imported at first."""
    handler = _HANDLERS.get(kind)
    if handler is None and kind in _FAMILIES:
        family, name, *argument = _FAMILIES[kind]
        found = family_function(family, name)
        handler = _HANDLERS[kind] = found(*argument) if argument else found
    return handler


def compute_effect(tree: dict, ctx: Context) -> Effect:
    """The effect of one parsed statement (`{'NodeType': {...}}`) in context `ctx`."""
    kind, body = unwrap(tree)
    b = Builder(ctx)
    handler = _HANDLERS.get(kind) or _handler(kind)
    if handler is None:
        b.act("other", node=kind)
    else:
        handler(b, body)
        if ctx.rule_text and ctx.locks_read:  # (locks only rules read, `Context.rule_text`)
            lock_stored_regclass_constants(b, kind, body)
    if ctx.catalog.kept_routines and kind in CALLING_KINDS:  # their bodies run here
        family_function("routines", "run_called")(b, kind, body)
    # Only needed to spot a use of an enum value added earlier in the same transaction; the
    # walk over the whole tree is skipped when no such value exists.
    if ctx.watch_literals and kind != "AlterEnumStmt":  # ADD VALUE's own value is no use of it
        b.literals.update(enum_candidate_literals(kind, body, ctx.catalog))
    effect = b.build()
    if CHECK_CALLERS and kind in _FIXED_KINDS:  # (tests: what `action_kinds` says of it)
        assert {a.kind for a in effect.actions} == _FIXED_KINDS[kind], \
            f"{kind}: {[a.kind for a in effect.actions]}"
    if not effect.transactional and ctx.in_transaction and kind not in _MAY_RUN_IN_A_BLOCK:
        # CREATE / DROP INDEX CONCURRENTLY, VACUUM, ALTER SYSTEM, DISCARD ALL, ...: "cannot
        # run inside a transaction block" (25001), the statement refused whole, so neither
        # replayed nor followed by the session (checked on 18.6:
        # tests/test_transaction_block_replay.py, test_rule_facts_pg.py).
        effect.actions[0].facts["refused_in_transaction_block"] = True
    if kind in NAMING_KINDS and ctx.catalog.kept_routines:
        # A routine named without its argument types, the name finding several overloads.
        effect.actions[0].facts.update(not_unique_routine(ctx.catalog, kind, body))
    if ctx.catalog.temporary:  # (the session made something in pg_temp: rare)
        # A routine only pg_temp has, named unqualified: the server never finds it there.
        effect.actions[0].facts.update(family_function(
            "temporary_routines", "unqualified_temporary_routine")(ctx.catalog, kind, body))
    if ctx.pg_version_stated and ctx.pg_version < NEWEST:
        # Syntax the target lacks: facts of the statement's own action.
        effect.actions[0].facts.update(unavailable_syntax_facts(kind, body, ctx.pg_version,
                                                                ctx.statement_sql))
    return effect
