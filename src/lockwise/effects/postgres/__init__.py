"""The PostgreSQL effect model: for one statement, the locks, rewrites, scans and objects.

Lock levels follow PostgreSQL's own choices (tablecmds.c `AlterTableGetLockLevel`, the
"Explicit Locking" documentation) and are checked against a real server by tests/oracle.

`compute_effect` dispatches on the statement's node type (`_HANDLERS`) to a handler that
records what the statement does in a `Builder`. The handlers live by statement family:

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
  PREPARE's statement (they recurse into `compute_effect`);
- `databases`: ALTER DATABASE, CREATE / ALTER / DROP SUBSCRIPTION;
- `misc`: COMMENT, GRANT / REVOKE, ALTER SEQUENCE, ALTER ... DEPENDS ON EXTENSION, CREATE /
  ALTER PUBLICATION, CREATE STATISTICS, ALTER EXTENSION ... ADD / DROP, REASSIGN OWNED.
"""

from __future__ import annotations

from collections.abc import Callable

from lockwise.core.types import Effect
from lockwise.effects.context import Context
from lockwise.effects.literals import enum_candidate_literals
from lockwise.effects.nodes import unwrap
from lockwise.effects.postgres.alter import alter_table, move_all_to_tablespace
from lockwise.effects.postgres.builder import Builder, lock_stored_regclass_constants
from lockwise.effects.postgres.create import (
    create_foreign_table,
    create_function,
    create_sequence,
    create_table,
    create_table_as,
    create_view,
)
from lockwise.effects.postgres.databases import (
    alter_database,
    alter_subscription,
    create_subscription,
    drop_subscription,
)
from lockwise.effects.postgres.drops import drop, drop_database, drop_owned, truncate
from lockwise.effects.postgres.embedded import (
    create_rule,
    create_schema,
    do_block,
    explain,
    prepare,
)
from lockwise.effects.postgres.indexes import create_index, reindex
from lockwise.effects.postgres.maintenance import cluster, lock_table, refresh_matview, vacuum
from lockwise.effects.postgres.misc import (
    alter_extension_contents,
    alter_publication,
    alter_sequence,
    alter_statistics,
    comment,
    create_publication,
    create_statistics,
    depends_on_extension,
    grant,
    reassign_owned,
)
from lockwise.effects.postgres.queries import copy, dml, select
from lockwise.effects.postgres.renames import rename, set_schema
from lockwise.effects.postgres.session_control import (
    declare_cursor,
    discard,
    set_constraints,
    transaction,
    variable_set,
)
from lockwise.effects.postgres.triggers import alter_policy, create_policy, create_trigger
from lockwise.effects.postgres.user_types import (
    alter_domain,
    alter_enum,
    create_domain,
    create_range,
    create_type,
)
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


_HANDLERS: dict[str, Callable[[Builder, dict], None]] = {
    "CreateStmt": create_table,
    "CreateTableAsStmt": create_table_as,
    "ViewStmt": create_view,
    "IndexStmt": create_index,
    "ReindexStmt": reindex,
    "DropStmt": drop,
    "DropdbStmt": drop_database,
    "DropOwnedStmt": drop_owned,
    "ReassignOwnedStmt": reassign_owned,
    "TruncateStmt": truncate,
    "AlterTableStmt": alter_table,
    "AlterTableMoveAllStmt": move_all_to_tablespace,
    "RenameStmt": rename,
    "AlterEnumStmt": alter_enum,
    "CreateTrigStmt": create_trigger,
    "CreatePolicyStmt": create_policy,
    "AlterPolicyStmt": alter_policy,
    "AlterObjectSchemaStmt": set_schema,
    "VacuumStmt": vacuum,
    "ClusterStmt": cluster,
    "RefreshMatViewStmt": refresh_matview,
    "LockStmt": lock_table,
    "InsertStmt": dml("insert"),
    "UpdateStmt": dml("update"),
    "DeleteStmt": dml("delete"),
    "SelectStmt": select,
    "TransactionStmt": transaction,
    "VariableSetStmt": variable_set,
    "ConstraintsSetStmt": set_constraints,
    "DeclareCursorStmt": declare_cursor,
    "CreateFunctionStmt": create_function,
    "CreateEnumStmt": create_type,
    "CompositeTypeStmt": create_type,
    "CreateRangeStmt": create_range,
    "CreateForeignTableStmt": create_foreign_table,
    "CreateDomainStmt": create_domain,
    "AlterDomainStmt": alter_domain,
    "CreateSchemaStmt": create_schema,
    "CreateSeqStmt": create_sequence,
    "CommentStmt": comment,
    "CreatedbStmt": _non_transactional("create_database"),
    "AlterSystemStmt": _non_transactional("alter_system"),
    "CreateTableSpaceStmt": _non_transactional("create_tablespace"),
    "DropTableSpaceStmt": _non_transactional("drop_tablespace"),
    "CreateSubscriptionStmt": create_subscription,
    "AlterSubscriptionStmt": alter_subscription,
    "DropSubscriptionStmt": drop_subscription,
    "AlterDatabaseStmt": alter_database,
    "DiscardStmt": discard,
    "CreateExtensionStmt": _plain("create_extension"),
    "DoStmt": do_block,
    "GrantStmt": grant,
    "GrantRoleStmt": _plain("grant"),
    "CreateRoleStmt": _plain("create_role"),
    "AlterOwnerStmt": _plain("alter_owner"),
    "AlterSeqStmt": alter_sequence,
    "CopyStmt": copy,
    "RuleStmt": create_rule,
    "CreatePublicationStmt": create_publication,
    "AlterPublicationStmt": alter_publication,
    "CreateStatsStmt": create_statistics,
    "AlterStatsStmt": alter_statistics,
    "MergeStmt": dml("merge"),
    "ExplainStmt": explain,
    "PrepareStmt": prepare,
    "AlterObjectDependsStmt": depends_on_extension,
    "AlterExtensionContentsStmt": alter_extension_contents,
}


def compute_effect(tree: dict, ctx: Context) -> Effect:
    """The effect of one parsed statement (`{'NodeType': {...}}`) in context `ctx`."""
    kind, body = unwrap(tree)
    b = Builder(ctx)
    handler = _HANDLERS.get(kind)
    if handler is None:
        b.act("other", node=kind)
    else:
        handler(b, body)
        lock_stored_regclass_constants(b, kind, body)
    # Only needed to spot a use of an enum value added earlier in the same transaction; the
    # walk over the whole tree is skipped when no such value exists.
    if ctx.watch_literals and kind != "AlterEnumStmt":  # ADD VALUE's own value is no use of it
        b.literals.update(enum_candidate_literals(kind, body, ctx.catalog))
    effect = b.build()
    if ctx.pg_version_stated and ctx.pg_version < NEWEST:
        # Syntax the target lacks: facts of the statement's own action.
        effect.actions[0].facts.update(unavailable_syntax_facts(kind, body, ctx.pg_version,
                                                                ctx.statement_sql))
    return effect
