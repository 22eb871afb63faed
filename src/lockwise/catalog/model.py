"""What lockwise knows of the schema at a point of the migration history.

Plain mutable containers: the catalog is state that the replay (catalog/replay.py) moves forward
one statement at a time. Names are stored qualified (`public.orders`) and case-folded as
PostgreSQL folds unquoted identifiers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Container, Iterable
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from lockwise.effects.nodes import (
    TEMPORARY_PREFIX,
    calls_function,
    qualified,
    resolution,
    type_name,
    written_type,
)
from lockwise.parse.quoting import fit_name, quote_qualified, truncate_identifier

if TYPE_CHECKING:
    from lockwise.catalog.objects import Domain, Policy, QueryRule, Trigger
    from lockwise.catalog.operators import Operator
    from lockwise.catalog.overloads import Routine

_T = TypeVar("_T")

#: Defined in `catalog.objects`, loaded at the first of them a statement makes.
_OBJECTS = frozenset({"Domain", "DomainCheck", "Policy", "QueryRule", "Trigger"})


def __getattr__(name: str) -> object:
    """The classes of `_OBJECTS`, as this module's own (`from lockwise.catalog.model import
    Trigger`; a catalog another version stored names them here)."""
    if name in _OBJECTS:
        from lockwise.catalog import objects

        return getattr(objects, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(slots=True)
class Column:
    """A column of a table as the migrations left it."""

    name: str
    type_name: str  # normalized, e.g. "int4", "varchar", "timestamptz"
    typmods: tuple[int, ...] = ()
    not_null: bool = False
    #: The name of its NOT NULL constraint (PostgreSQL 18 names each one), as it was made:
    #: written, else the one PostgreSQL gave (`t_a_not_null`, numbered when taken), or the
    #: parent's or LIKE source's; a rename of the table or the column leaves it (checked on
    #: 18.6). "" before 18, where a NOT NULL has no name (`replay.not_null_name` works out the
    #: one 18 would give).
    not_null_name: str = ""
    #: False while its NOT NULL is a constraint added NOT VALID (PostgreSQL 18): rows may
    #: still hold NULLs, so SET NOT NULL or VALIDATE CONSTRAINT reads the table.
    not_null_valid: bool = True
    #: Its NOT NULL is NO INHERIT (PostgreSQL 18): a table made to inherit from this one
    #: (CREATE TABLE ... INHERITS) does not get it.
    not_null_no_inherit: bool = False
    #: Whether it has a default: "default", "nextval()" for a serial's, None for none.
    default: str | None = None
    #: Its DEFAULT as written, a JSON parse tree (None for a serial's, or none): printed as
    #: SQL only when a safe alternative sets it on another column. Replaced whole.
    default_expression: dict | None = None
    #: The sequence (qualified) its default draws from (`nextval('s')`, serial).
    default_sequence: str | None = None
    #: Whether the server records the default's dependency on `default_sequence`: it does
    #: for a regclass constant (`nextval('s')`, a serial's), not for a name cast to text
    #: first (`nextval('s'::text)`), looked up at each call: DROP SEQUENCE runs without
    #: CASCADE and leaves that default, which no RENAME of the sequence follows either.
    default_sequence_recorded: bool = True
    identity: bool = False
    #: An identity column's sequence (qualified), named when the identity was made: it keeps
    #: that name when the table is renamed (checked on the server). None: not recorded.
    identity_sequence: str | None = None
    #: The sequences (qualified) attached to it by CREATE / ALTER SEQUENCE ... OWNED BY:
    #: `pg_get_serial_sequence` names one, and each goes with the column or its table, moves
    #: and changes owner with the table (checked on the server). A serial's own is not here
    #: (`default_sequence`). A tuple, replaced whole (forks share it).
    owns: tuple[str, ...] = ()
    generated: bool = False
    #: A generated column computed when read (PostgreSQL 18 VIRTUAL): nothing stored.
    virtual: bool = False
    #: MariaDB: the column's values are stored compressed (its COMPRESSED attribute); a change
    #: of it is a change of the column's storage, which copies the table.
    compressed: bool = False
    #: For a generated column: the columns of its table its expression reads, sorted. The
    #: server refers to them by number, so a rename of one is followed here; it refuses to
    #: change their type, and to drop one without CASCADE (PostgreSQL 15+; CASCADE, and an
    #: older server, drop the generated column too). A tuple, replaced whole (forks share it).
    reads: tuple[str, ...] = ()
    #: For a generated column: its expression as a JSON parse tree, each column it reads
    #: by name alone and renamed with the column (`nodes.generation_expression`); printed as
    #: SQL only when a safe alternative shows it. Replaced whole, never changed in place.
    expression: dict | None = None
    #: The functions its DEFAULT, or its generation expression, calls and the types it casts
    #: to (`expression_uses`): DROP FUNCTION / TYPE ... CASCADE of one drops the default, or
    #: the generated column with its data (checked on the server). Replaced whole.
    uses: tuple[str, ...] = ()
    #: The relations those expressions name by regclass constants (`regclass_constants`):
    #: a copy of the default or expression, or the column's type change, which stores it
    #: again, holds them ACCESS SHARE. Replaced whole.
    names: tuple[str, ...] = ()
    array: bool = False
    #: The collation written for it (COLLATE), as named; None: its type's default.
    collation: str | None = None
    #: MySQL: the column's character set (bytes per character decide VARCHAR length bytes).
    charset: str | None = None
    auto_increment: bool = False
    #: MySQL: its DEFAULT when a constant string (its text) or integer, None otherwise: each
    #: later ALTER of the table checks it again against the session's sql_mode (fix-mysql61).
    mysql_default: str | int | None = None
    #: MySQL: an ENUM or SET column's members, in order (appending one is instant, inserting
    #: or renaming one copies the table).
    members: tuple[str, ...] = ()
    #: MySQL: its definition as written, without NULL / NOT NULL and what only one column may
    #: have (AUTO_INCREMENT, keys, a generation expression): `DECIMAL(8, 2) UNSIGNED ZEROFILL
    #: CHARACTER SET ... DEFAULT 0 COMMENT '...'`, which suggested SQL restates.
    definition: str | None = None
    #: Of an inheritance child: the column comes from its parents only, not defined by the
    #: child itself (pg_attribute.attislocal false). DROP COLUMN on the parent drops it; a
    #: column of the child's own stays, and so does its NOT NULL when the parent drops its.
    inherited: bool = False
    #: Of an inheritance child's column of its own: NOT NULL only by its parents', the child
    #: writing none (pg_constraint conislocal false): it goes when the parent drops its. One
    #: the child sets itself (SET NOT NULL, ADD CONSTRAINT ... NOT NULL) is its own.
    not_null_from_parent: bool = False

    @property
    def type_text(self) -> str:
        return written_type(self.type_name, self.typmods, self.array)


@dataclass(slots=True)
class Constraint:
    """A table constraint (CHECK, foreign key, UNIQUE, primary key, EXCLUDE)."""

    name: str
    kind: str  # check | foreign | unique | primary | exclude
    columns: tuple[str, ...] = ()
    validated: bool = True
    #: False for a constraint added NOT ENFORCED (PostgreSQL 18): no triggers, never checked.
    enforced: bool = True
    #: A CHECK added NO INHERIT: on this table alone, never on its children.
    no_inherit: bool = False
    #: A CHECK a partition or inheritance child has from its parent only, not one of its own
    #: (pg_constraint.conislocal false): DROP CONSTRAINT on the parent drops it. Also a
    #: partition's UNIQUE / PRIMARY KEY that is the clone of its parent's (its index attached
    #: to the parent's): the server refuses to drop it alone, DETACH makes it the partition's own.
    inherited: bool = False
    #: For a CHECK that proves columns NOT NULL (`col IS NOT NULL`, maybe among other AND-ed
    #: conditions): those columns (SET NOT NULL then skips its scan, PG 12+).
    not_null_columns: tuple[str, ...] = ()
    references: str | None = None  # FK target table
    ref_columns: tuple[str, ...] = ()
    #: A CHECK's expression as pglast JSON (to prove a partition bound before ATTACH).
    expr: dict | None = None
    created_by: str | None = None  # migration id that added it
    #: A foreign key's ON DELETE / ON UPDATE action, as pg_constraint spells it: a (NO
    #: ACTION), r (RESTRICT), c (CASCADE), n (SET NULL), d (SET DEFAULT).
    on_delete: str = "a"
    on_update: str = "a"
    #: ON DELETE SET NULL / SET DEFAULT (col, ...) (PostgreSQL 15+, pg_constraint
    #: confdelsetcols): the key's columns that action sets; empty, all of them.
    set_columns: tuple[str, ...] = ()
    #: DEFERRABLE (a key, unique or exclusion constraint, or a foreign key): a foreign key
    #: cannot reference a deferrable key.
    deferrable: bool = False
    #: INITIALLY DEFERRED (pg_constraint condeferred).
    deferred: bool = False
    #: A foreign key's MATCH type, as pg_constraint confmatchtype spells it: s (SIMPLE), f
    #: (FULL).
    match: str = "s"
    #: MariaDB: a column's own unnamed CHECK, kept with the column under its name: DROP
    #: CONSTRAINT does not reach it (error 1091, checked on MariaDB 10.11).
    column_check: bool = False
    #: Columns its expressions read beyond `columns` (a CHECK's expression, an exclusion
    #: constraint's expressions and WHERE): PostgreSQL drops it when any of them is dropped.
    #: Sorted, renamed with the columns.
    reads: tuple[str, ...] = ()
    #: The functions those expressions call and the types they cast to (`expression_uses`):
    #: DROP FUNCTION / TYPE ... CASCADE of one drops the constraint, on every partition and
    #: child that has it too.
    uses: tuple[str, ...] = ()
    #: The relations its CHECK names by regclass constants (as `Column.names`).
    names: tuple[str, ...] = ()
    #: For a partition's foreign key that is the clone of one of its parent's (`inherited`
    #: too; pg_constraint.conparentid): the name of that key on `Table.partition_of`. A new
    #: partition, or one attached, gets a clone of each foreign key of its parent, however
    #: deep; the server refuses to drop one alone, DETACH makes it the partition's own, and a
    #: DROP CONSTRAINT or VALIDATE of the parent's reaches it (checked on the server).
    clone_of: str = ""
    #: A MySQL / MariaDB CHECK's expression as MySQL writes it (the alternatives restate it).
    check_sql: str = ""


@dataclass(slots=True)
class Index:
    """An index as the migrations left it (its name qualified)."""

    name: str  # qualified
    table: str
    columns: tuple[str, ...] = ()
    unique: bool = False
    valid: bool = True
    #: Columns its predicate (`WHERE`) and expressions read, beyond the key `columns`:
    #: PostgreSQL drops the index when any of them is dropped. Like `columns`, only a column
    #: rename changes it in place.
    reads: tuple[str, ...] = ()
    #: A partial index (CREATE INDEX ... WHERE): only queries that prove its predicate use it.
    partial: bool = False
    #: For a partial index whose predicate is nothing but `col IS NOT NULL` tests: those
    #: columns (an `=` on each of them proves it). Renamed with the columns.
    predicate_not_null: tuple[str, ...] = ()
    #: The names PostgreSQL gave its columns when it was built (a column's name, or one an
    #: expression is named after, numbered when repeated): they do not follow a column rename,
    #: and a copy (CREATE TABLE ... LIKE ... INCLUDING INDEXES) is named after them. Empty when
    #: not known (then `columns` stand in).
    attnames: tuple[str, ...] = ()
    #: What decides, besides `columns`, whether PostgreSQL attaches this index of a partition
    #: to a new index of its parent rather than building one (CompareIndexInfo): access
    #: method, UNIQUE, NULLS NOT DISTINCT. None for an index the catalog cannot compare
    #: (expressions, WHERE, INCLUDE, operator classes, collations, orderings, constraints).
    signature: tuple | None = None
    #: The partitioned index it is a partition of (qualified), when attached to one.
    attached_to: str | None = None
    #: Where its files are (`Table.tablespace`): known for one CREATE INDEX made, None for
    #: another (a constraint's, a partition's part of its parent's, one made elsewhere).
    tablespace: str | None = None
    #: The functions its expressions and predicate call and the types they cast to
    #: (`expression_uses`): DROP FUNCTION / TYPE ... CASCADE of one drops the index. Empty
    #: for the index of a constraint (the constraint records them, and takes its index).
    uses: tuple[str, ...] = ()
    #: The relations its expressions and predicate name by regclass constants (as
    #: `Column.names`).
    names: tuple[str, ...] = ()
    #: Its storage parameters (fillfactor, ...), each name with the SQL that sets it
    #: (`nodes.storage_parameters`), as CREATE INDEX ... WITH and ALTER INDEX SET / RESET
    #: left them; None when one is of a form lockwise does not write (an index written out
    #: from it would lose them).
    storage_parameters: tuple[tuple[str, str], ...] | None = ()
    #: What CREATE INDEX wrote of it beside its name, table, storage parameters and
    #: tablespace (`index_definition`: a JSON parse tree, column references bare, renamed
    #: with the columns): an index of expressions, a WHERE, INCLUDE, operator classes can be
    #: built again from it. None for one no CREATE INDEX made (a constraint's, a partition's
    #: part of its parent's).
    definition: dict | None = None

    def rebuilt_by_type_change_of(self, column: str) -> bool:
        """Whether `ALTER COLUMN column TYPE` builds this index again even when the stored
        values and the operator class stay: PostgreSQL reuses only an index with neither
        expressions nor a WHERE (CheckIndexCompatible compares no expressions), and only one
        that depends on the column is looked at (checked on the server)."""
        return (self.partial or "(expression)" in self.columns) and (
            column in self.columns or column in self.reads)

    def serves_equality_on(self, columns: tuple[str, ...]) -> bool:
        """Whether a lookup `c1 = $1 AND c2 = $2 ...` on `columns` can use the index as far as
        its predicate goes (a foreign key's check is such a lookup, planned generically)."""
        return not self.partial or bool(self.predicate_not_null) and \
            set(self.predicate_not_null) <= set(columns)


def _policy_keys(table: Table) -> set[str]:
    """What `Catalog.policy_readers` files `table` under: the relations its policies read
    and the bare names of the functions they call."""
    return {key for pol in table.policies.values()
            for key in (*pol.reads, *(f.rsplit(".", 1)[-1] for f in pol.functions))}


@dataclass(slots=True)
class Table:
    """A table, partitioned table, view, materialized view or foreign table."""

    name: str  # qualified
    #: table | partitioned | view | matview | foreign; subquery: a `(SELECT ...) s` or
    #: `(VALUES ...) v` FROM item, only in a query's scope (`query_columns._subquery_item`)
    kind: str = "table"
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)
    #: The migration id that created it. None for a table created outside these migrations,
    #: or copied by them from one they do not fully know (CREATE TABLE ... LIKE): of such a
    #: table the catalog holds only what it saw, not every column, constraint or index.
    created_by: str | None = None
    #: Made outside these migrations and known only because a statement altered it (the
    #: replay's `_alter_table`): a later plain CREATE of its name says that statement found
    #: no table and failed, not that the CREATE does (`effects.postgres.builder.name_taken`;
    #: the graph reports the use, when sure: `_created_late`). MySQL / MariaDB
    #: (`effects.mysql.apply_mysql_statement`): its keys are not known, so none is judged the
    #: implicit primary key (`Catalog.defined_here`). Kept when renamed or moved, in both
    #: dialects (`Catalog.move_table`): a new name shows no more of it.
    known_from_use: bool = False
    #: Known from use and since renamed or moved: a CREATE of its new name says nothing of the
    #: use, and fails (`name_taken`: the name is taken once the rename ran).
    moved_after_use: bool = False
    unlogged: bool = False
    #: ALTER TABLE ... ENABLE ROW LEVEL SECURITY made it so (pg_class.relrowsecurity), and
    #: no DISABLE since: compared by the down check (`graph.down.signature`).
    row_security: bool = False
    #: A temporary table made ON COMMIT DROP: gone when its transaction ends
    #: (`replay.end_transaction`).
    on_commit_drop: bool = False
    #: Where its files are, for one these migrations created: a tablespace's name, "" for the
    #: database's default (`same_tablespace`); None when not known (created elsewhere, or
    #: under a default_tablespace the replay cannot follow).
    tablespace: str | None = None
    partition_of: str | None = None
    #: The DEFAULT partition of `partition_of` (holds the rows no other partition takes).
    default_partition: bool = False
    #: Its bound as a partition (a PartitionBoundSpec body; None when not known): which rows
    #: it takes (`partition_pins`).
    partition_bound: dict | None = None
    #: Plain inheritance parents (CREATE TABLE ... INHERITS, ALTER TABLE ... INHERIT).
    inherits: tuple[str, ...] = ()
    #: The composite type of a typed table (CREATE TABLE ... OF type, ALTER TABLE ... OF).
    of_type: str | None = None
    #: A CREATE TABLE AS (or SELECT INTO) whose query's columns the replay could not tell:
    #: the columns added since are known, not every column the table has (`fully_known`).
    columns_partial: bool = False
    #: For a partitioned table: strategy ("range" | "list" | "hash") and key columns
    #: (an expression key is recorded as "(expression)").
    partition_strategy: str = ""
    partition_key: tuple[str, ...] = ()
    #: MySQL / MariaDB: the names of a partitioned table's partitions, lower case (the
    #: server matches them so), in order; None when the replay does not know every one.
    partition_names: tuple[str, ...] | None = None
    #: MySQL / MariaDB: partitioned with sub-partitions (SUBPARTITION BY): `partition_names`
    #: are the partitions', which partition operations name (a sub-partition's name is
    #: refused: REBUILD / DROP 1507, TRUNCATE 1567; checked on MariaDB 10.11).
    subpartitioned: bool = False
    #: Trigger name -> what the catalog knows of it (replaced whole, never changed in place).
    triggers: dict[str, Trigger] = field(default_factory=dict)
    #: Row-level security policy name -> what the catalog knows of it (replaced whole). Of a
    #: table these migrations created, every policy it has (PostgreSQL copies none with LIKE,
    #: nor to partitions); of another, those the migrations created.
    policies: dict[str, Policy] = field(default_factory=dict)
    #: Its rules (CREATE RULE) by name (replaced whole, never changed in place): a write of
    #: their event runs their actions; a DROP RULE IF EXISTS of one a fully known table lacks
    #: is known to do nothing.
    rules: dict[str, QueryRule] = field(default_factory=dict)
    #: For a view: its columns' names in order, as PostgreSQL named them, when the replay is
    #: sure of every one (`query_columns.result_names`); None otherwise. CREATE OR REPLACE
    #: VIEW may only add columns after them. A tuple, replaced whole (forks share it).
    column_names: tuple[str, ...] | None = None
    #: For a view or materialized view: the relations its query reads (qualified); the one
    #: its FROM list names first, when that is all the FROM list names (a write through the
    #: view reaches it).
    sources: tuple[str, ...] = ()
    #: For a view: why PostgreSQL refuses to write through it to the relation it selects
    #: from (`catalog.updatable.not_updatable`), "" when it writes through, None when the
    #: replay cannot tell.
    not_updatable: str | None = None
    #: For a view: the WHERE of its query (parse tree) when it may keep only some rows of the
    #: relation it selects from; None without one, or with one true by its literals alone. A
    #: write through the view changes only the rows it keeps.
    where: dict | None = None
    #: For a view: False when none of its columns is a plain column of that relation
    #: (`catalog.updatable.has_updatable_column`): INSERT and UPDATE through it are refused.
    updatable_columns: bool = True
    #: For a view or materialized view: the (relation, column) pairs its query uses, `*`
    #: expanded as at creation. PostgreSQL refuses to drop such a column or change its type.
    column_reads: tuple[tuple[str, str], ...] = ()
    #: For a view or materialized view: the functions its query calls and the types it casts
    #: to (`expression_uses`): DROP FUNCTION / TYPE ... CASCADE of one drops the view, and
    #: those over it.
    uses: tuple[str, ...] = ()
    #: For a view or materialized view: the relations its query names by regclass constants
    #: (as `Column.names`): DROP TABLE / SEQUENCE ... CASCADE of one drops the view.
    names: tuple[str, ...] = ()
    #: For a view or materialized view: the operators of the migrations its query surely
    #: runs (`operators.operators_in`, as CREATE bound them): DROP OPERATOR without CASCADE
    #: is refused while it is there.
    operators: tuple[Operator, ...] = ()
    #: MySQL / MariaDB: the table's FULLTEXT indexes, name -> columns.
    fulltext: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: MySQL / MariaDB: the table's other indexes (B-tree, UNIQUE, SPATIAL; not the primary
    #: key, which is `constraints["PRIMARY"]`), name -> (columns, unique).
    keys: dict[str, tuple[tuple[str, ...], bool]] = field(default_factory=dict)
    #: MySQL / MariaDB: the names in `keys` of indexes with a column prefix part (`c(10)`),
    #: which the server never promotes to the implicit primary key.
    prefix_keys: set[str] = field(default_factory=set)
    #: MySQL / MariaDB: whether InnoDB keeps its hidden FTS_DOC_ID column in the table. The
    #: first FULLTEXT index adds it; dropping the last one leaves it until the table is
    #: rebuilt. While it is there, ADD / DROP COLUMN are never instant.
    fts_doc_id: bool = False
    #: MySQL / MariaDB: InnoDB stores the table compressed (ROW_FORMAT=COMPRESSED, or a
    #: KEY_BLOCK_SIZE without a ROW_FORMAT): it adds and drops no column instantly.
    compressed: bool = False
    #: MariaDB: its PAGE_COMPRESSED and PAGE_COMPRESSION_LEVEL options are set
    #: (effects/mariadb_page_compression.py): InnoDB takes a level only for a page-compressed
    #: table.
    page_compressed: bool = False
    page_compression_level: bool = False
    #: MySQL 8.0.29+: the statements that added or dropped columns instantly since the table
    #: was created or last rebuilt (InnoDB's TOTAL_ROW_VERSIONS), as far as the replay saw.
    row_versions: int = 0
    #: MySQL / MariaDB: the storage engine the migrations named for the table (lower case;
    #: "" for the server's default, InnoDB).
    engine: str = ""
    #: MySQL / MariaDB: the table's default character set as the migrations named it (its
    #: CHARACTER SET, or the one its COLLATE belongs to), lower case; None when they named
    #: none (the database's, unknown here). A MODIFY / CHANGE / ADD COLUMN that names none
    #: gives the column this one.
    charset: str | None = None
    #: MySQL / MariaDB: the table's default collation as the migrations named it (lower
    #: case); None for its character set's default, or not known. Such a column takes it too.
    collation: str | None = None
    #: MySQL / MariaDB: the database (USE) the migration was in when it created the table
    #: under an unqualified name, which the catalog keys without it; None when the name
    #: gives it, or it is not known. DROP DATABASE drops the table with it.
    database: str | None = None
    #: MySQL: whether the replay saw the table created or rebuilt, so `row_versions` counts
    #: them all; otherwise it counts only those of these migrations: a lower bound.
    row_versions_from_start: bool = False
    #: MariaDB: a system-versioned table (WITH SYSTEM VERSIONING, a table's or a column's, or
    #: ADD SYSTEM VERSIONING; DROP SYSTEM VERSIONING ends it), whose columns an ALTER changes
    #: only with system_versioning_alter_history = KEEP.
    system_versioned: bool = False
    #: The role (lower case, as the server folds it) an ALTER TABLE / VIEW / SEQUENCE ...
    #: OWNER TO or a REASSIGN OWNED gave it; "" while the migrations have not said (it is
    #: then their own role's, or one's made outside): DROP OWNED BY that role drops it,
    #: REASSIGN OWNED BY it locks it (`Catalog.owned_by`).
    owner: str = ""


#: Each kind of `Table`, as a message names it.
_RELATION_KIND_TEXT = {"table": "table", "partitioned": "partitioned table", "view": "view",
                       "matview": "materialized view", "foreign": "foreign table"}


def _named_in(name: str, places: Iterable[tuple[Container[str], str]]) -> str:
    """`name` as a message names it (quoted where it needs it) after the first of `places`
    (names, what they are) that holds it; "" when none does."""
    for names, what in places:
        if name in names:
            return f"{what} {quote_qualified(name)}"
    return ""


#: Whether `Catalog.callers`, `naming` and `constraint_named` check their index's answer
#: against a scan of every table, and `found_per_version` and `found_per_schema` their kept
#: answers against ones found again (set LOCKWISE_CHECK_CALLERS=1 to run tests or corpora
#: so; the tests set it too).
CHECK_CALLERS = bool(os.environ.get("LOCKWISE_CHECK_CALLERS"))


def _trigger_functions(table: Table) -> set[str]:
    # (and the bare names its WHEN calls: `triggers_when_calling` looks them up too)
    return {tr.function for tr in table.triggers.values()} | {
        call.rsplit(".", 1)[-1] for tr in table.triggers.values() for call in tr.when_calls}


#: Domains over domains are followed this deep at most (a guard against a cycle that only
#: wrong input can make).
_DOMAIN_DEPTH = 32
#: Views over views are followed this deep at most (a guard against a cycle that only wrong
#: input can make).
VIEW_DEPTH = 16
#: What an object's expressions use (`Column.uses`, ...): `Catalog.callers`'s default.
_USES = attrgetter("uses")
#: What an object's expressions name by regclass constants (`Column.names`, ...): what
#: `Catalog.naming` looks for.
_NAMES = attrgetter("names")
#: The start of the keys `Catalog.uses_tables` files a relation named by a regclass
#: constant under (no use, and no name PostgreSQL takes, starts with a NUL).
_NAMED = "\0"


def _filed_uses(held: Column | Constraint | Index | Table) -> list[str]:
    """What `Catalog.uses_tables` files object `held` under: its uses, and the relations it
    names by regclass constants (`_NAMED` before each)."""
    return [*held.uses, *(_NAMED + name for name in held.names)]


def type_key(type_name: str) -> str:
    """A type name as `column_type` gives it, qualified (an unqualified one is `public`'s)."""
    return type_name if "." in type_name else f"public.{type_name}"


def relation_nodes(node: object) -> list[dict]:
    """The RangeVars below `node`, those a DML statement names as its target (`relation`,
    which pglast does not wrap) too."""
    found = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, dict) and (key == "RangeVar" or (
                        key == "relation" and "relname" in value)):
                    found.append(value)
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _relation_of(rv: dict) -> str:
    return f"{rv.get('schemaname')}.{rv.get('relname')}" if rv.get("schemaname") else ""


def renamed_relation(node: object, old: str, new: str) -> object:
    """A copy of `node` whose RangeVars naming `old` (qualified, as written) name `new`."""
    if isinstance(node, list):
        return [renamed_relation(item, old, new) for item in node]
    if not isinstance(node, dict):
        return node
    if "relname" in node and _relation_of(node) == old:
        schema, name = new.split(".", 1)
        return {**node, "schemaname": schema, "relname": name}
    return {key: renamed_relation(value, old, new) for key, value in node.items()}


def same_tablespace(current: str | None, target: str) -> bool:
    """Whether a relation in `current` (`Table.tablespace`) is already in `target`: "" and
    pg_default are one (a database created with another default is not modeled); an unknown
    `current` is not (moving it may copy its files)."""
    return current is not None and (current or "pg_default") == (target or "pg_default")


def holds_not_null_named(t: Table, name: str) -> bool:
    """Whether a NOT NULL constraint of `t` is called `name`, as the catalog keeps its name
    (`Column.not_null_name`)."""
    return any(column.not_null and column.not_null_name == name for column in t.columns.values())


class NameIndex(dict):
    """Key -> the names filed under it (`_add_to`), as a plain dict of frozensets is, but
    whose sets this index made itself since it was last forked are changed in place: a
    frozenset replaced at each name filed made thousands of views over one table quadratic
    (each addition copied the names filed so far). A fork (`fork`: the down check's, a
    savepoint's copy) shares every set, and neither side changes a shared one in place."""

    __slots__ = ("_owned",)

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        #: The keys whose set is this index's own, changed in place by `_add_to`.
        self._owned: set[object] = set()

    def __reduce__(self) -> tuple:
        # Rebuilt owning nothing (its sets are the copy's own, but a first addition copies).
        return NameIndex, (dict(self),)

    def fork(self) -> NameIndex:
        """A copy sharing the sets: from now on each side copies a set before adding to it."""
        self._owned = set()
        return NameIndex(self)

    def add(self, key: object, name: str) -> None:
        """File `name` under `key`: in place in a set of this index's own, else in a copy
        of the set, which is its own from then on."""
        if key in self._owned:
            self[key].add(name)
            return
        names = self.get(key)
        if names is None or name not in names:
            own = set(names) if names is not None else set()
            own.add(name)
            self[key] = own
            self._owned.add(key)


def _add_to(index: dict, key: object, name: str) -> None:
    """Add `name` to the frozenset `index` files under `key`, replacing the set (see
    Catalog.fk_stamps: a fork shares the sets); a `NameIndex` adds it itself."""
    if type(index) is NameIndex:
        index.add(key, name)
        return
    names = index.get(key)
    if names is None:
        index[key] = frozenset((name,))
    elif name not in names:
        index[key] = names | {name}


def _sequences_named(table: str, col: Column) -> tuple[str, ...]:
    """The sequences column `col` of `table` (qualified) names: owns, draws its default from,
    has as its identity's (as recorded, else as PostgreSQL names it: `owned_sequence`)."""
    if col.identity and col.identity_sequence is None:
        from lockwise.catalog.replay import owned_sequence

        identity: str | None = owned_sequence(table, col.name)
    else:
        identity = col.identity_sequence
    if identity is None and col.default_sequence is None:
        return col.owns
    return (*(s for s in (col.default_sequence, identity) if s is not None), *col.owns)


def _file_sequences_named(filed: dict[str, frozenset[str]], t: Table) -> None:
    """File `t` in `filed` (`Catalog.sequence_tables`) under the sequences its columns name."""
    for col in t.columns.values():
        # (most columns name none: no call, `_sequences_named` of such a column is its `owns`)
        for sequence in _sequences_named(t.name, col) if col.identity or \
                col.identity_sequence is not None or col.default_sequence is not None \
                else col.owns:
            _add_to(filed, sequence, t.name)


def _file_rules_named(filed: dict[str, frozenset[str]], t: Table) -> None:
    """File `t` in `filed` (`Catalog.rule_readers`) under the relations its rules name."""
    for rule in t.rules.values():
        for relation in rule.relations():
            if relation:
                _add_to(filed, relation, t.name)


def _file_constraint_names(holders: dict[str, frozenset[str]], t: Table) -> None:
    """File `t` in `holders` (`Catalog.constraint_holders`) under the names of its
    constraints and of its NOT NULL ones."""
    for name in t.constraints:
        _add_to(holders, name, t.name)
    for column in t.columns.values():
        if column.not_null and column.not_null_name:
            _add_to(holders, column.not_null_name, t.name)


class IndexMap(dict):
    """Indexes by qualified name, also filed by table, so `on(table)` costs only what that table
    has (scanning every index per lookup made long histories quadratic).

    A plain dict to everyone else; every dict mutation keeps the filing. Code that changes an
    index's `table` in place must store it again (`indexes[key] = idx`) to re-file it. It also
    keeps the names of the indexes taken out of it (dropped, renamed away) and not filed again
    since (`gone`).
    """

    __slots__ = ("_by_table", "_filed", "_owned", "_gone", "_lent")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._by_table: dict[str, dict[str, Index]] = {}
        self._filed: dict[str, str] = {}
        #: After a `fork`, the tables whose bucket this map copied since (the others are
        #: shared with the fork: copied before a change); None: every bucket is its own.
        self._owned: set[str] | None = None
        self._gone: set[str] = set()
        #: Whether `_by_table`, `_filed` and `_gone` themselves are shared with a fork (or
        #: the map forked from): each side copies them at its first change (`_keep_own`).
        #: A down check's fork seldom changes an index, and its parent is forked again
        #: before it changes one for about half of the downs: copied at each fork, they
        #: were most of its cost.
        self._lent = False
        for key, idx in self.items():
            self._file(key, idx)

    def __reduce__(self) -> tuple:
        # Rebuilt through __init__: pickle would otherwise refill the dict through
        # __setitem__ before the filing exists.
        return IndexMap, (dict(self),), {"_gone": self._gone}

    def __setstate__(self, state: dict) -> None:
        self._gone = set(state["_gone"])

    def gone(self, key: str) -> bool:
        """Whether index `key` was in the map and is no longer: the replay dropped it (also
        with its constraint or table) or renamed it away. A name it never held is not gone:
        an index made outside the migrations may have it."""
        return key in self._gone

    def fork(self) -> IndexMap:
        """A copy, filed too, at the cost of copying the dict of indexes (in C): the filing
        (`_lent`) and its buckets by table are shared until either map changes them."""
        new = IndexMap()
        dict.update(new, self)
        new._by_table, new._filed, new._gone = self._by_table, self._filed, self._gone
        new._owned = set()
        self._owned = set()
        new._lent = self._lent = True
        return new

    def _keep_own(self) -> None:
        """Before a change of the filing: a copy of what a fork shares (`_lent`), this map's
        own from now on (its buckets still shared until changed: `_bucket`)."""
        self._by_table = dict(self._by_table)
        self._filed = dict(self._filed)
        self._gone = set(self._gone)
        self._lent = False

    def remade(self, indexes: dict[str, Index]) -> IndexMap:
        """A new map of `indexes` (copies of this one's) that holds as `gone` what this one
        does."""
        new = IndexMap(indexes)
        new._gone = set(self._gone)
        return new

    def _bucket(self, table: str) -> dict[str, Index]:
        """`table`'s bucket, to be changed: copied first when a fork shares it."""
        bucket = self._by_table.get(table)
        if self._owned is not None and table not in self._owned:
            self._owned.add(table)
            bucket = self._by_table[table] = dict(bucket or {})
        elif bucket is None:
            bucket = self._by_table[table] = {}
        return bucket

    def _file(self, key: str, idx: Index) -> None:
        self._bucket(idx.table)[key] = idx
        self._filed[key] = idx.table

    def _unfile(self, key: str) -> None:
        table = self._filed.pop(key, None)
        if table is not None:
            self._bucket(table).pop(key, None)

    def _taken_out(self, key: str) -> None:
        if self._lent:
            self._keep_own()
        self._unfile(key)
        self._gone.add(key)

    def __setitem__(self, key: str, idx: Index) -> None:
        if self._lent:
            self._keep_own()
        self._unfile(key)
        super().__setitem__(key, idx)
        self._file(key, idx)
        self._gone.discard(key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._taken_out(key)

    def pop(self, key: str, *default: object) -> object:
        if key in self:
            self._taken_out(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Index]:
        key, idx = super().popitem()
        self._taken_out(key)
        return key, idx

    def setdefault(self, key: str, default: Index | None = None) -> Index | None:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: object, **kwargs: object) -> None:
        for key, idx in dict(*args, **kwargs).items():
            self[key] = idx

    def clear(self) -> None:
        super().clear()
        self._by_table = {}  # not cleared in place: a fork may share them
        self._filed = {}
        self._owned = None
        self._gone = set()
        self._lent = False

    def __ior__(self, other: object) -> IndexMap:
        self.update(other)
        return self

    def on(self, table: str) -> list[Index]:
        return [idx for _, idx in self.items_on(table)]

    def items_on(self, table: str) -> list[tuple[str, Index]]:
        bucket = self._by_table.get(table)
        return [(k, i) for k, i in bucket.items() if i.table == table] if bucket else []


@dataclass(frozen=True, slots=True)
class Callers:
    """What uses a function or type being dropped in its expressions, as `Catalog.callers`
    finds it: what DROP FUNCTION / PROCEDURE / ROUTINE / TYPE / DOMAIN / SCHEMA ... CASCADE
    drops besides the triggers, policies and columns that use it (checked on the server).
    (table, column) and (table, constraint) pairs, index and view names, qualified and
    sorted; `views` holds the views over those too, nearest first."""

    defaults: tuple[tuple[str, str], ...] = ()
    generated: tuple[tuple[str, str], ...] = ()
    constraints: tuple[tuple[str, str], ...] = ()
    indexes: tuple[str, ...] = ()
    views: tuple[str, ...] = ()

    def tables(self) -> list[str]:
        """The tables whose defaults, columns, constraints or indexes go, by name."""
        return sorted({t for t, _ in (*self.defaults, *self.generated, *self.constraints)})

    def __or__(self, other: Callers) -> Callers:
        """What either finds, each once, in order (`self`'s first)."""
        return Callers(*(tuple(dict.fromkeys((*mine, *theirs))) for mine, theirs in zip(
            (self.defaults, self.generated, self.constraints, self.indexes, self.views),
            (other.defaults, other.generated, other.constraints, other.indexes, other.views),
            strict=True)))


@dataclass(slots=True)
class Catalog:
    """The schema the migrations replayed so far built: tables, indexes, types, functions."""

    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=IndexMap)
    #: enum type -> labels in order
    enums: dict[str, list[str]] = field(default_factory=dict)
    #: The aggregates the migrations made (CREATE AGGREGATE), qualified: a call of one
    #: computes over the rows a query reads together, as a built-in aggregate's does (what
    #: `lockwise apply` may not batch: executor/batches.py `deletes_by_counting`), each
    #: with its overloads by argument types, as `kept_routines` (their bodies none).
    aggregates: dict[str, tuple[Routine, ...]] = field(default_factory=dict)
    sequences: set[str] = field(default_factory=set)
    #: The relations filed in pg_temp (tables, views, their indexes, sequences; types, domains
    #: and routines made there under a search_path with pg_temp first), in the order
    #: they were filed (`filed`): the session's end drops those still there
    #: (`replay.end_session`) without listing the whole catalog after every migration. Some
    #: may be gone already (dropped, renamed).
    temporary: dict[str, None] = field(default_factory=dict)
    #: The order the replay made the objects a DROP ... CASCADE takes along in: key
    #: (`relation:s.v`, `policy:s.t.p`, `trigger:s.t.tr`, `constraint:s.t.c`, `routine:s.f`)
    #: -> a number that grows with each one made (`made_now`). The server lists what a
    #: cascade drops in the order its pg_depend rows were written, the order of making
    #: across kinds (checked on 18.6); one renamed has no number (the kind order then).
    made_order: dict[str, int] = field(default_factory=dict, compare=False)
    made_count: int = field(default=0, compare=False)
    #: `made_count` when code last ran that may have made, dropped or renamed a routine
    #: out of the replay's sight (`code_ran`): a DO block or routine body with DDL (a
    #: branch of it may not run; dynamic SQL is not followed), DROP OWNED. A routine named
    #: after it (`made_order`) is surely there (`routine_sure`).
    routines_unsure_at: int = field(default=0, compare=False)
    #: The routines (functions, procedures, aggregates) a DROP took away while they were
    #: surely there (`routine_sure`, `aggregate_sure`), as `routine_key`s: the server finds
    #: none of that name and argument types unless one was made again (the catalog then
    #: keeps it), moved onto the name, or code ran out of the replay's sight (`code_ran`,
    #: CREATE EXTENSION: forgotten). Replaced whole, never changed in place.
    routines_gone: frozenset[str] = field(default=frozenset(), compare=False)
    #: Routine name (qualified) -> the number (as `made_order`'s) of the last ALTER
    #: FUNCTION ... RENAME TO / SET SCHEMA that moved a routine onto it, 0 when what moved
    #: (or what the name held) was not `routine_sure`: a rename writes no pg_depend row, so
    #: `made_order` keeps no number of it (`moved_onto`).
    routines_moved_at: dict[str, int] = field(default_factory=dict, compare=False)
    schemas: set[str] = field(default_factory=lambda: {"public"})
    #: default_tablespace as the migrations set it ("" unset: the database's default); None
    #: once a SET LOCAL made it unknown (it ends with its transaction).
    default_tablespace: str | None = ""
    types: set[str] = field(default_factory=set)
    #: Types and relations with a row type (qualified) -> their array type (qualified) where
    #: the server named it otherwise than `_x` (`_x_1`, `__x`: `user_types.place_arrays`).
    #: Replaced whole, never changed in place (a down check's fork shares it).
    arrays: dict[str, str] = field(default_factory=dict)
    #: Range types (qualified) -> the multirange type (qualified, also in `types`) each made
    #: (PostgreSQL 14+), which goes with it (DROP) but keeps its name and schema when the
    #: range is renamed or moved (checked on the server).
    multiranges: dict[str, str] = field(default_factory=dict)
    #: Range types (qualified) -> their subtype, as `column_type` gives it: a range over a
    #: domain holds the domain's values, which ALTER DOMAIN cannot look into.
    range_subtypes: dict[str, str] = field(default_factory=dict)
    #: Domains (qualified) that carry a CHECK or NOT NULL constraint (for those in `domains`,
    #: those with `checks` or `not_null`; others once ALTER DOMAIN added one).
    constrained_domains: set[str] = field(default_factory=set)
    #: Every domain (qualified), constrained or not, with its base type.
    domains: dict[str, Domain] = field(default_factory=dict)
    #: Composite types (qualified) -> their attributes in order, as columns (type, typmods,
    #: collation): what a typed table (CREATE TABLE ... OF) gets as its columns. Each value
    #: is replaced whole, never changed in place (a down check's fork shares them).
    composites: dict[str, tuple[Column, ...]] = field(default_factory=dict)
    #: Extended statistics objects (qualified) -> the table they are on.
    statistics: dict[str, str] = field(default_factory=dict)
    #: Extended statistics objects (qualified) -> their columns, an expression as "(expression)"
    #: (a copy by CREATE TABLE ... LIKE ... INCLUDING STATISTICS is named after them).
    statistics_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Extended statistics objects (qualified) -> every column they depend on, named or read
    #: by an expression: dropping one of them drops the statistics object.
    statistics_reads: dict[str, frozenset[str]] = field(default_factory=dict)
    #: Extended statistics objects (qualified) -> what CREATE STATISTICS wrote of them beside
    #: their name and table (`replay.statistics_definition`: a JSON parse tree, column
    #: references bare, renamed with the columns): one with expressions can be made again
    #: from it. Absent for one no CREATE STATISTICS of the migrations made.
    statistics_definitions: dict[str, dict] = field(default_factory=dict)
    #: Every table some partition names as its parent (kept by the replay; never shrinks), so
    #: looking for partitions of an ordinary table costs nothing.
    partition_parents: set[str] = field(default_factory=set)
    #: The same for plain inheritance: every table some table INHERITS from (never shrinks).
    inheritance_parents: set[str] = field(default_factory=set)
    #: migration id -> tables on which the replay stamped a FOREIGN KEY added by that migration,
    #: in the order it did (see unindexed_foreign_keys); None for a catalog built by hand,
    #: which is scanned whole.
    #: Each value is replaced, never changed in place, so a down check's fork copies only
    #: the outer dict (graph/down.fork); the same holds for the two indexes below.
    fk_stamps: dict[str, tuple[str, ...]] | None = None
    #: FK target table -> tables that may hold a foreign key to it (a superset, kept by
    #: note_foreign_key); None until the replay adds one: `referencing` then scans every table.
    fk_sources: dict[str, frozenset[str]] | None = None
    #: (relation, column) -> views and materialized views that may read it (a superset, kept
    #: by note_column_reads); None until the replay records one: `views_using_column` then
    #: scans every table, as it did for every column change before (quadratic on long
    #: histories).
    column_readers: dict[tuple[str, str], frozenset[str]] | None = None
    #: relation -> views and materialized views whose `sources` may name it (a superset,
    #: kept by note_sources); None until the replay records one: `views_reading` then scans
    #: every table, as every DROP and RENAME of a relation did before (quadratic on long
    #: histories).
    source_readers: dict[str, frozenset[str]] | None = None
    #: function (bare name, lower case) -> tables that may have a trigger executing it (a
    #: superset, kept by note_triggers); None until the replay records one:
    #: `triggers_calling` then scans every table, as each DROP FUNCTION ... CASCADE did
    #: before (quadratic on long histories).
    trigger_tables: dict[str, frozenset[str]] | None = None
    #: relation, or function (bare name, lower case) -> tables that may have a policy whose
    #: expressions name it (a superset, kept by note_policies); None until the replay
    #: records one: `policies_on_others` then scans every table.
    policy_readers: dict[str, frozenset[str]] | None = None
    #: What an expression uses, as `expression_uses` writes it (a function `f` or
    #: `app.f`, a type cast to `::mood`) -> relations that may hold a column, constraint,
    #: query or index using it (a superset, kept by note_uses); None until the replay
    #: records one: `callers` then scans every table, as each DROP FUNCTION / TYPE / SCHEMA
    #: ... CASCADE did before (quadratic on long histories). A relation named by a regclass
    #: constant (`Column.names` ...) is filed too, under `_NAMED` and its name, for `naming`:
    #: a scan of every table and index for each DROP ... CASCADE made dropping thousands of
    #: views one by one quadratic.
    uses_tables: dict[str, frozenset[str]] | None = field(default=None, compare=False)
    #: The name of a table's constraint (unqualified), a NOT NULL one's (PostgreSQL 18) too ->
    #: tables that may have one of that name (a superset: a name stays filed when the
    #: constraint or the table goes). Kept by each writer of a table's constraints
    #: (`put_constraint`), of a NOT NULL's name (`note_constraint_name`) and by `move_table`;
    #: None until the replay starts (`start_indexes`; MySQL's effects keep none of these
    #: indexes): `constraint_named` then looks at every table.
    constraint_holders: dict[str, frozenset[str]] | None = field(default=None, compare=False)
    #: The relations `note_uses` was told of since `callers` last filed them: filed when
    #: `callers` is next asked (most histories never ask), each once however often noted.
    uses_pending: set[str] = field(default_factory=set, repr=False, compare=False)
    #: MySQL / MariaDB: the stored procedures the migrations created and did not drop, by
    #: name (unquoted, lower case, without its database): what their bodies run (parse/
    #: mysql.py's `program`), linted at each CALL of them, in that migration or a later one.
    mysql_procedures: dict[str, dict] = field(default_factory=dict)
    #: MySQL / MariaDB: the stored functions, likewise (their own namespace), linted at each
    #: statement that calls them.
    mysql_functions: dict[str, dict] = field(default_factory=dict)
    #: MySQL / MariaDB: the triggers (by name, its case kept: trigger names are case-sensitive)
    #: and events (by name, lower case): CREATE of a name taken is refused
    #: (effects/mysql_programs.py). A trigger's `table` is its table as `tables` keys it.
    mysql_triggers: dict[str, dict] = field(default_factory=dict)
    mysql_events: dict[str, dict] = field(default_factory=dict)
    #: MySQL / MariaDB: routine (`procedure:key`, `function:key`) -> the programs whose bodies
    #: name it (`trigger:key` ...), created before it or not (effects/mysql_callers.py): a
    #: superset. Its sets are replaced, never changed in place (a down check's fork shares
    #: them).
    mysql_callers: dict[str, frozenset[str]] = field(default_factory=dict)
    #: MySQL / MariaDB: the tables (as `tables` keys them) the replay dropped with DROP TABLE
    #: or renamed away: one of them `tables` does not hold (made again since) is certainly not
    #: there, and a DROP TABLE of it fails (error 1051). Replaced whole, never changed in place.
    mysql_dropped_tables: frozenset[str] = frozenset()
    #: MySQL / MariaDB: the tables (named as `mysql_dropped_tables` names them) whose CREATE
    #: TABLE the server refused while the replay did not have them: never made, so an ALTER
    #: or DROP of one fails as of a dropped one (error 1146 / 1051). Replaced whole.
    mysql_refused_tables: frozenset[str] = frozenset()
    #: MySQL / MariaDB: each database's default character set and collation (None: that
    #: set's default collation) as CREATE / ALTER DATABASE named them, by name ("": the
    #: connection's own), which a CREATE TABLE naming neither takes
    #: (effects/mysql_database_charsets.py). Replaced whole, never changed in place.
    mysql_database_charsets: dict[str, tuple[str | None, str | None]] = \
        field(default_factory=dict)
    #: Tables that code the replay cannot follow may have changed (a DO block that names them;
    #: "*": dynamic SQL, any table), and copies (CREATE TABLE ... LIKE) of such tables: what
    #: the catalog says of their columns is a guess.
    unsure: set[str] = field(default_factory=set)
    #: Tables made since the last code that may have changed any table ("*" in `unsure`): code
    #: that ran before a table was made cannot have changed it (`reshaped`, `made`).
    made_since_unsure: set[str] = field(default_factory=set)
    #: Roles a REASSIGN OWNED handed everything over from, since nothing the replay follows
    #: gave them an object again (ALTER ... OWNER TO, CREATE SCHEMA AUTHORIZATION, SET ROLE, a
    #: DO block): DROP OWNED BY them revokes privileges only. Replaced whole, never changed
    #: in place (a down check's fork shares it).
    handed_over_roles: frozenset[str] = frozenset()
    #: Whether a temporary table made ON COMMIT DROP may be there: only then does the end of
    #: a transaction look for one (`replay.end_transaction`).
    commit_drops: bool = False
    #: Extensions the migrations created (CREATE EXTENSION) and did not drop, by name: their
    #: types' casts are judged (effects/types.py). Replaced whole, never changed in place.
    extensions: frozenset[str] = frozenset()
    #: Functions and procedures (qualified name) -> their overloads (`routines.Routine`:
    #: the CREATE statement of one whose body is followed at each call, its arguments).
    #: Replaced whole, never changed in place (a down check's fork shares it).
    kept_routines: dict[str, tuple[Routine, ...]] = field(default_factory=dict)
    #: Operators the migrations made (CREATE OPERATOR; qualified name) -> each of that name
    #: (`operators.Operator`: operand types, the function it runs), moved by ALTER OPERATOR
    #: ... SET SCHEMA, gone with DROP OPERATOR, their schema or function (CASCADE). An
    #: extension's are not known. Replaced whole, never changed in place.
    operators: dict[str, tuple[Operator, ...]] = field(default_factory=dict)
    #: Operator classes the migrations made (CREATE OPERATOR CLASS), as (qualified name,
    #: access method) -> the operators of `operators` among its members, each as (its name,
    #: operand types; none for a class of built-in operators only): DROP OPERATOR without
    #: CASCADE is refused while one is there (`operators.operator_classes_using`). Renamed
    #: by ALTER OPERATOR CLASS ... RENAME, gone with DROP OPERATOR CLASS, their family,
    #: their schema or a member (CASCADE). Replaced whole, never changed in place.
    operator_classes: dict[tuple[str, str], tuple[tuple[str, tuple[str, ...]], ...]] = \
        field(default_factory=dict)
    #: The type (as `column_type` gives it) of each of `operator_classes` made DEFAULT FOR
    #: TYPE: an index element on a column of that type that names no class uses it
    #: (`operators.class_indexes`). Set or cleared at each CREATE OPERATOR CLASS of its key;
    #: a key no longer in `operator_classes` is never asked. Replaced whole.
    operator_class_types: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The operator family (qualified) of each of `operator_classes`, of the class's access
    #: method: its FAMILY, else the family of the class's own name and schema (made with it
    #: when missing); "" for a FAMILY not among `operator_families` (made outside). DROP
    #: OPERATOR FAMILY drops its classes (`operators.family_classes`). Set at each CREATE
    #: OPERATOR CLASS of its key; a key no longer in `operator_classes` is never asked.
    #: Replaced whole.
    operator_class_families: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The members each of `operator_classes` (of access method btree or hash) requires, as
    #: (1 for an operator, 2 for a function; its number; the class's type; the member as
    #: the server's messages name it, a support function the migrations made by its
    #: qualified name, which follows its renames: `operators.member_shown`, fix-pg110): an
    #: operator, and support function 1, both of whose operand types are the class's.
    #: ALTER OPERATOR FAMILY ... DROP of one is refused
    #: (2BP01 "... because operator class oc for access method btree requires it"); a
    #: cross-type member, or another support function, is the family's alone (checked on
    #: 18.6, fix-pg104). Set at each CREATE OPERATOR CLASS of its key; a key no longer in
    #: `operator_classes` is never asked. Replaced whole.
    operator_class_members: dict[tuple[str, str], tuple[tuple[int, int, str, str], ...]] = \
        field(default_factory=dict)
    #: The required members (`operator_class_members`) that went with their class (DROP
    #: OPERATOR CLASS) from a family of `operator_families`, as (the family's qualified name,
    #: access method, 1 for an operator or 2 for a function, its number, the class's type):
    #: ALTER OPERATOR FAMILY ... DROP of one fails (42704 "operator 1(integer,integer) does
    #: not exist in operator family "f""; a cross-type member stays: checked on 18.6,
    #: fix-pg108). Forgotten for a family made, renamed or added to since (a member may be
    #: back), and when code ran; followed when its schema is renamed (fix-pg110). Replaced
    #: whole.
    operator_members_gone: frozenset[tuple[str, str, int, int, str]] = frozenset()
    #: The members ALTER OPERATOR FAMILY ... ADD put in a family of `operator_families`, as
    #: (the family's qualified name, access method, 1 for an operator or 2 for a function,
    #: its number, its left and right types as `overloads.arg_type` spells them), until a
    #: DROP of them: an ADD of one again fails (42710 "operator 1(integer,integer) already
    #: exists in operator family "f""), and so does a CREATE OPERATOR CLASS in the family
    #: requiring it (23505; checked on 18.6, fix-pg113). Follows its family's and types'
    #: renames; a family made anew starts empty. Replaced whole.
    operator_members_added: frozenset[tuple[str, str, int, int, str, str]] = frozenset()
    #: The families of `operator_families` whose members are all in `operator_members_added`:
    #: made by CREATE OPERATOR FAMILY, no class made in them since, every ADD understood. An
    #: ALTER OPERATOR FAMILY ... DROP of a member not there fails (42704 "operator
    #: 1(integer,integer) does not exist in operator family "f""; fix-pg113). Replaced whole.
    operator_families_listed: frozenset[tuple[str, str]] = frozenset()
    #: Operator families the migrations made, as (qualified name, access method): by CREATE
    #: OPERATOR FAMILY, or by CREATE OPERATOR CLASS without FAMILY (one of the class's name;
    #: checked on 18.6, fix-pg101). Renamed and moved by ALTER OPERATOR FAMILY, gone with
    #: DROP OPERATOR FAMILY or their schema. Replaced whole.
    operator_families: frozenset[tuple[str, str]] = frozenset()
    #: The migration's session_replication_role when it set `replica` ("session"; "local":
    #: SET LOCAL, to the end of the transaction), "" for the default (origin): which
    #: triggers fire (`Trigger.fires`; catalog/routines.py).
    replica_role: str = ""
    #: Whether NOT NULLs are constraints with names (PostgreSQL 18 and later), as the replay
    #: takes it: false only for a version before 18 the user stated (--pg-version); a guess
    #: keeps 18's behaviour, as the rest of the replay does (set by `lint.analyze_migration`).
    not_null_constraints: bool = True
    #: Whether a domain's NOT NULL is a constraint with a name (`Domain.not_null_name`): from
    #: PostgreSQL 17 (pg_constraint's contype `n`, "domains only" there; tables' from 18);
    #: before, the domain's typnotnull alone, a name written for it dropped (checked on
    #: 15.18). Set as `not_null_constraints` is.
    domain_not_null_constraints: bool = True
    #: When a list, the relations the replay drops are added to it (not those renamed): the
    #: conflict graph tells the views a DROP ... CASCADE took unnamed from it (and of which
    #: kind each was), where looking at every view of the history for each such drop made
    #: long histories quadratic.
    dropped_relations: list[Table] | None = field(default=None, repr=False, compare=False)
    #: What the effect model and the replay both ask of the statement being replayed, found
    #: once (`found_once`): by a node of its parse tree (held) and a question, the answer.
    #: What `callers` finds for a DROP ... CASCADE (a scan of every table, asked by the
    #: effect model, `replay.tables_reached` and the replay), the names of a view's result
    #: (asked by the effect model for a name twice, then by the replay for the view's
    #: columns); the routines a statement calls and its writes' triggers run
    #: (`routines.called_routines`) are kept longer (`found_per_schema`). Let go once the
    #: statement is applied
    #: (`replay.apply_statement`) or, refused, ended (`replay.end_statement`).
    statement_memo: dict[tuple[int, tuple], tuple[object, Any]] | None = field(
        default=None, repr=False, compare=False)
    #: What is found of a table from its columns and indexes alone, kept until the schema
    #: may change (`found_per_version`): by (table, question), the Table found then and the
    #: answer; and what is found of a parse tree node from the schema alone
    #: (`found_per_schema`). Let go (None) by each statement the replay follows that is not
    #: a plain UPDATE / DELETE / INSERT / SELECT (`replay._apply`; a routine's or DO block's
    #: statements each go through it too), by code the replay cannot follow (`reshaped`),
    #: by the temporary tables going at a transaction's or session's end
    #: (`replay.end_transaction`, `replay.drop_temporary`) and by a copy of the catalog.
    #: Never changed in place once shared: a fork's copy of the outer dict is its own.
    version_memo: dict[tuple, tuple[Any, Any]] | None = field(
        default=None, repr=False, compare=False)
    #: Sequence (qualified) -> the tables that may have a column naming it: owning it
    #: (`owns`), drawing its default from it (`default_sequence`), or as its identity's
    #: (`identity_sequence`, else the name PostgreSQL gives it: `owned_sequence`). A superset:
    #: a table stays filed when its column lets the sequence go, is dropped or the table is,
    #: so only a column put in a table, a name written in a column and a table or column
    #: taking a new name are noted (`note_sequence_column`, `note_sequence_columns`,
    #: `move_table`). A sequence no table is filed under costs no walk (`may_draw_from`), one
    #: filed costs its tables (`tables_naming_sequence`): a walk of every column for each
    #: sequence owned, renamed or moved made a pg_dump schema's replay and long histories of
    #: renames quadratic. None until the replay starts (`start_indexes`) or it is first asked,
    #: then filled by one walk; its sets are frozensets, replaced, never changed in place (a
    #: fork copies the outer dict).
    sequence_tables: dict[str, frozenset[str]] | None = field(
        default=None, repr=False, compare=False)
    #: Relation (qualified) -> the tables that may have a rule (CREATE RULE) whose WHERE or
    #: actions name it. A superset: a table stays filed when its rule is dropped or renamed
    #: away, or the table is dropped, so only `put_rules` (the one writer of a table's rules)
    #: and `move_table` note. `tables_with_rules_naming` looks at those alone: a walk of
    #: every table for each relation renamed, moved or dropped was the last one a table
    #: RENAME cost. None until the replay starts (`start_indexes`) or it is first asked,
    #: then filled by one walk; its sets are frozensets, replaced, never changed in place
    #: (a savepoint's copy and a down check's fork copy the outer dict).
    rule_readers: dict[str, frozenset[str]] | None = field(
        default=None, repr=False, compare=False)

    #: Type (qualified, as `type_key` gives it) -> the tables (and views) with a column of
    #: it, by name: filed by one walk when first asked (`columns_of_type`), let go (None)
    #: by each statement the replay follows that may give a table a column or retype one
    #: (`replay._apply`: all but a change of rows and a DROP, which only takes columns
    #: away) and by a copy. Never changed in place once filed. A walk of every table's
    #: columns for each DROP VIEW (its row type), DROP TYPE or DROP TABLE made a history
    #: dropping thousands of views quadratic.
    column_types: dict[str, tuple[str, ...]] | None = field(default=None, repr=False,
                                                             compare=False)

    def __post_init__(self) -> None:
        if type(self.indexes) is dict:
            self.indexes = IndexMap(self.indexes)

    def found_once(self, node: object, question: tuple, find: Callable[[], _T]) -> _T:
        """What `find` finds for `question` about `node` (of the parse tree of the statement
        being replayed): found once, whichever of the effect model and the replay asks first,
        since the catalog does not change before the statement is applied
        (`statement_memo`)."""
        memo = self.statement_memo
        if memo is None:
            memo = self.statement_memo = {}
        # (each answer holds its node, so `is` cannot match another node at a reused
        # address; an ask about another node keeps the answers about this one: a routine's
        # body, expanded by the effect model in between, no longer costs the replay its
        # answer about the statement that calls it)
        key = (id(node), question)
        entry = memo.get(key)
        if entry is not None and entry[0] is node:
            return entry[1]  # type: ignore[no-any-return]
        found = find()
        memo[key] = (node, found)
        return found

    def found_per_schema(self, node: object, question: tuple, find: Callable[[], _T]) -> _T:
        """What `find` finds for `question` about `node` (of a parse tree, held as
        `found_once` holds it) from the schema, the search_path in force (`resolution`) and
        the session's replication role alone: found once while the schema stays as it is
        (`version_memo`), not again at each statement that asks (a routine's body, its
        statements asked about at each call of it). The answer is shared: never changed
        in place."""
        return self._kept_per_version((id(node), question, resolution(), self.replica_role),
                                      node, find, ("found_per_schema", question))

    def found_per_version(self, table: str, question: str, find: Callable[[], _T]) -> _T:
        """What `find` finds for `question` about `table` (from its columns and indexes):
        found once while the schema stays as it is (`version_memo`), not again for each
        UPDATE or DELETE of the table; found each time for a table the catalog lacks."""
        known = self.tables.get(table)
        if known is None:
            return find()
        return self._kept_per_version((table, question), known, find,
                                      ("found_per_version", table, question))

    def _kept_per_version(self, key: tuple, holder: object, find: Callable[[], _T],
                          asked: tuple) -> _T:
        """What `find` finds, kept in `version_memo` under `key` with `holder` (taken again
        only while it is the one found with: a node, a table); `asked` names the question
        in a failed check."""
        memo = self.version_memo
        if memo is None:
            memo = self.version_memo = {}
        entry = memo.get(key)
        if entry is not None and entry[0] is holder:
            if CHECK_CALLERS:  # (tests: the kept answer is the one found again)
                again = find()
                assert again == entry[1], f"{asked}: {entry[1]} kept, {again} found again"
            return entry[1]  # type: ignore[no-any-return]
        found = find()
        memo[key] = (holder, found)
        return found

    def reset(self) -> None:
        """Empty again, as a new catalog is: what is replayed next is another database's."""
        Catalog.__init__(self)

    def made_now(self, key: str) -> None:
        """The object of `key` (see `made_order`) is made now, after every one numbered."""
        self.made_count += 1
        self.made_order[key] = self.made_count

    def code_ran(self) -> None:
        """Code ran that may have made, dropped or renamed routines out of the replay's
        sight: those named before it are no longer `routine_sure`, and the operator classes
        and families it may have dropped are forgotten (a DROP OPERATOR is then not judged
        by them, nor a DROP OPERATOR FAMILY said)."""
        self.routines_unsure_at = self.made_count
        self.routines_gone = frozenset()
        if self.operator_classes or self.operator_families or self.operator_members_gone:
            self.operator_classes, self.operator_families = {}, frozenset()
            self.operator_members_gone = frozenset()
            self.operator_members_added = self.operator_families_listed = frozenset()

    def routine_sure(self, name: str) -> bool:
        """Whether the routines of `name` (qualified) that the catalog keeps are surely there:
        the name was made, or a sure routine moved onto it (`moved_onto`), since code last
        ran that may have changed it unseen (`code_ran`)."""
        made = self.routines_moved_at.get(name)
        if made is None:
            made = self.made_order.get(f"routine:{name}", 0)
        return made > self.routines_unsure_at

    def moved_onto(self, old: str, new: str) -> None:
        """A routine of name `old` goes by name `new` now (both qualified; ALTER FUNCTION
        RENAME TO, SET SCHEMA): `new`'s routines are sure when it was, and they were (or
        it held none)."""
        sure = self.routine_sure(old) and (new not in self.kept_routines or
                                           self.routine_sure(new))
        if sure:
            self.made_count += 1  # (no `made_order` key: the cascade order is the kind's)
        self.routines_moved_at[new] = self.made_count if sure else 0

    def filed(self, name: str) -> None:
        """Relation `name` (a table, view, index or sequence), type or routine is filed now:
        noted when it is the session's own (see `temporary`)."""
        if name.startswith(TEMPORARY_PREFIX):
            self.temporary[name] = None

    def move_table(self, t: Table, new_name: str) -> None:
        """Table `t` goes by `new_name` (PostgreSQL's RENAME and SET SCHEMA, MySQL's RENAME
        TABLE), filed under it alone. What the catalog knows of it stays: one known only
        from use (`Table.known_from_use`) is still known only from use, its other columns
        and its keys unseen (`moved_after_use`). What refers to it by name is the caller's to
        follow."""
        del self.tables[t.name]
        t.name = new_name
        t.moved_after_use = t.known_from_use
        self.tables[new_name] = t
        if self.constraint_holders is not None:  # its constraints keep their names
            self.note_constraint_names(t)
        if self.sequence_tables is not None:  # and its columns their sequences
            self.note_sequence_columns(t)
        if self.rule_readers is not None and t.rules:  # and its rules what they name
            _file_rules_named(self.rule_readers, t)

    def put_constraint(self, t: Table, con: Constraint) -> None:
        """Store `con` on `t` under its name (a new one, or in place of the one of that name),
        filed in `constraint_holders`: the one writer of a table's constraints in the
        replay, so `constraint_named` misses none."""
        if con.name not in t.constraints:
            self.made_now(f"constraint:{t.name}.{con.name}")
        t.constraints[con.name] = con
        if self.constraint_holders is not None:
            _add_to(self.constraint_holders, con.name, t.name)

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def pop_relation(self, name: str) -> Table | None:
        """Take relation `name` out of `tables` (None if it is not there), noting it in
        `dropped_relations` when that is kept."""
        dropped = self.tables.pop(name, None)
        if dropped is not None and self.dropped_relations is not None:
            self.dropped_relations.append(dropped)
        return dropped

    def skips_creating(self, stmt: dict, name: str) -> bool:
        """Whether CREATE TABLE / TABLE AS / MATERIALIZED VIEW / INDEX / SEQUENCE / FOREIGN
        TABLE `stmt` of relation `name` (qualified) is skipped: IF NOT EXISTS, and a relation
        of any kind holds the name (`relation_named`: an index, a view, a serial's sequence;
        the server skips with a NOTICE, 42P07 "relation ... already exists, skipping", and
        makes nothing; checked on 18.6, fix-pg106). Not for a type of the name (refused)."""
        return bool(stmt.get("if_not_exists")) and bool(self.relation_named(name))

    def relation_named(self, name: str) -> str:
        """The relation that holds `name` (qualified), as a message names it, quoted where
        it needs it (`index public.x`, `index public."Booking.uid_unique"`), or "" for none
        known. Tables, views, materialized views, foreign tables, indexes (a UNIQUE / PRIMARY
        KEY / EXCLUDE constraint's too), sequences and composite types are rows of pg_class:
        one namespace per schema (checked on the server). A serial's or identity's sequence,
        which `sequences` does not hold, is one too (`owned_sequences`: CREATE TABLE of its
        name fails, an unnamed index is numbered past it; fix-pg103)."""
        known = self.tables.get(name)
        if known is not None:
            return f"{_RELATION_KIND_TEXT.get(known.kind, 'table')} {quote_qualified(name)}"
        found = _named_in(name, ((self.indexes, "index"), (self.sequences, "sequence"),
                                 (self.composites, "composite type")))
        filed = self.sequence_tables  # (`may_draw_from`, without its two calls: one lookup)
        if found or name not in (filed if filed is not None else self._sequence_tables()):
            return found
        from lockwise.catalog.replay import column_identity_sequence

        # (a serial's or identity's, not one OWNED BY names: that is `sequences`', if made)
        owned = any(not t.partition_of and (
            column_identity_sequence(t.name, col) == name if col.identity else
            col.default == "nextval()" and col.default_sequence == name)
            for t in self.tables_naming_sequence(name) for col in t.columns.values())
        return f"sequence {quote_qualified(name)}" if owned else ""

    def constraint_named(self, schema: str, name: str) -> bool:
        """Whether a constraint of `schema` has `name`: one of a table's there (a CHECK a
        renamed table kept, `t_b_check`), from PostgreSQL 18 a NOT NULL one (a renamed
        table's `t_a_not_null`), or a domain's CHECK or (from 17) NOT NULL. pg_constraint's
        names per namespace, that ChooseConstraintName numbers a name it makes past (checked
        on 18.6).
        Only the tables `constraint_holders` files under `name` are looked at (a walk of
        every table for each name asked made a pg_dump schema's replay quadratic)."""
        found = self._constraint_named(schema, name, self.constraint_holders)
        if CHECK_CALLERS and self.constraint_holders is not None:  # (tests: as `callers`)
            walked = self._constraint_named(schema, name, None)
            assert found == walked, f"constraint_named({schema}, {name}): {found}, walked {walked}"
        return found

    def _constraint_named(self, schema: str, name: str,
                          holders: dict[str, frozenset[str]] | None) -> bool:
        """`constraint_named` looking at the tables `holders` files under `name` (every table
        while it is None)."""
        prefix = f"{schema}."
        nulls = self.not_null_constraints
        # (a loop, not any() over a generator: asked for each unnamed constraint)
        for t in self.tables.values() if holders is None else filter(
                None, map(self.tables.get, holders.get(name, ()))):
            if t.name.startswith(prefix) and (
                    name in t.constraints or nulls and holds_not_null_named(t, name)):
                return True
        return any(
            key.startswith(prefix) and (
                any(check.name == name for check in domain.checks) or
                domain.not_null and domain.not_null_name == name)
            for key, domain in self.domains.items())

    def type_named(self, name: str) -> str:
        """The type that holds `name` (qualified) in pg_type, as a message names it, or ""
        for none known: every relation but an index and a sequence has a row type of its
        name there, beside enums, domains, range and composite types (checked on the
        server: CREATE TABLE x after CREATE TYPE x AS ENUM fails, as CREATE TYPE x after
        CREATE TABLE x does)."""
        known = self.tables.get(name)
        if known is not None:
            return (f"{_RELATION_KIND_TEXT.get(known.kind, 'table')} {quote_qualified(name)} "
                    "(its row type)")
        return _named_in(name, ((self.enums, "enum type"), (self.domains, "domain"),
                                (self.composites, "composite type"), (self.types, "type")))

    def defined_here(self, table: str) -> Table | None:
        """The catalog's `table` when it holds the table's definition: None for one it does not
        know, or knows only from an earlier ALTER of it (`Table.known_from_use`: made
        elsewhere, with columns and keys the migrations never saw, a primary key perhaps).
        The `table_known` fact of both dialects."""
        known = self.tables.get(table)
        return None if known is None or known.known_from_use else known

    def sure_of(self, table: str) -> bool:
        """Whether the catalog's columns of `table` are what the migrations made (no DO block
        since may have changed them)."""
        return not self.unsure or table not in self.unsure and (
            "*" not in self.unsure or table in self.made_since_unsure)

    def reshaped(self, tables: set[str]) -> None:
        """Code the replay cannot follow may have changed `tables` ("*": any table there is)."""
        if tables:
            self.version_memo = None  # (what was found of them may no longer hold)
        self.unsure.update(tables)
        if "*" in tables:
            self.made_since_unsure.clear()

    def made(self, table: str) -> None:
        """`table` was made now: its columns are the ones the statement wrote, whatever code
        ran before."""
        self.unsure.discard(table)
        if "*" in self.unsure:
            self.made_since_unsure.add(table)

    def fully_known(self, table: str) -> Table | None:
        """The table when the catalog knows every column, constraint and index it has: a
        table these migrations created (`created_by`) with the columns they wrote, no DO
        block since, not a partition (PostgreSQL gives a partition its parent's keys and
        indexes, which the replay does not copy), and its INHERITS parents fully known (their
        columns are its columns). A table without known columns is not (CREATE TABLE AS keeps
        none when it cannot tell them all: `query_columns`), nor one such a CREATE TABLE AS
        made, columns added since or not (`columns_partial`)."""
        seen: set[str] = set()
        todo = [table]
        while todo:
            name = todo.pop()
            t = self.tables.get(name)
            if t is None or t.kind not in ("table", "partitioned") or t.created_by is None \
                    or not t.columns or t.columns_partial or t.partition_of \
                    or not self.sure_of(name):
                return None
            seen.add(name)
            todo.extend(p for p in t.inherits if p not in seen)
        return self.tables[table]

    def column(self, table: str, column: str) -> Column | None:
        t = self.tables.get(table)
        return t.columns.get(column) if t else None

    def known_table(self, table: str) -> Table | None:
        """The table as the migrations left it, for a decision that relies on what it holds
        (a column's type, NOT NULL, a check): None when a DO block may have changed it since,
        as when the table is not known at all."""
        return self.tables.get(table) if self.sure_of(table) else None

    def known_column(self, table: str, column: str) -> Column | None:
        """The column as the migrations left it (see `known_table`)."""
        return self.column(table, column) if self.sure_of(table) else None

    def indexes_on(self, table: str) -> list[Index]:
        if isinstance(self.indexes, IndexMap):
            return self.indexes.on(table)
        return [i for i in self.indexes.values() if i.table == table]  # a plain dict put here

    def attachable_index(self, table: str, like: Index,
                         key_kinds: tuple[str, ...] = ()) -> Index | None:
        """An index of partition `table` that a new index `like` of its parent takes over
        instead of building its own: one of the same definition not attached to another.
        `key_kinds`, for an index `like` of a UNIQUE / PRIMARY KEY constraint: the partition's
        index must be that of a constraint of one of these kinds, which becomes the clone of
        the parent's (checked on the server)."""
        if like.signature is None:
            return None
        return next((i for i in self.indexes_on(table) if i.attached_to is None
                     and i.signature == like.signature and i.columns == like.columns
                     and (not key_kinds or (con := self.index_constraint(i)) is not None
                          and con.kind in key_kinds)), None)

    def index_constraint(self, idx: Index) -> Constraint | None:
        """The UNIQUE, PRIMARY KEY or EXCLUDE constraint `idx` is the index of (they share
        their name and table); None for an index of its own."""
        known = self.tables.get(idx.table)
        con = known.constraints.get(idx.name.split(".", 1)[1]) if known is not None else None
        return con if con is not None and con.kind in ("primary", "unique", "exclude") else None

    def index_keys_on(self, table: str) -> list[str]:
        """Keys in `indexes` of the indexes on `table`."""
        if isinstance(self.indexes, IndexMap):
            return [k for k, _ in self.indexes.items_on(table)]
        return [k for k, i in self.indexes.items() if i.table == table]

    def views_over(self, relation: str) -> list[str]:
        """The views and materialized views that read `relation`, directly or through other
        views, nearest first (what DROP ... CASCADE drops with it)."""
        found: list[str] = []
        frontier = [relation]
        while frontier:
            current = frontier.pop(0)
            for t in self.views_reading(current):
                if t.name not in found and t.name != relation:
                    found.append(t.name)
                    frontier.append(t.name)
        return found

    def views_outside_schema_over(self, schema: str) -> list[str]:
        """The views and materialized views of other schemas that read a relation of `schema`,
        directly or through other views (what DROP SCHEMA ... CASCADE drops besides its own)."""
        prefix = schema + "."
        found: list[str] = []
        for name in [n for n in self.tables if n.startswith(prefix)]:
            found.extend(v for v in self.views_over(name)
                         if not v.startswith(prefix) and v not in found)
        return found

    def views_using_column(self, relation: str, column: str) -> list[str]:
        """The views and materialized views whose query uses `relation.column`."""
        wanted = (relation, column)
        if self.column_readers is None:
            candidates = list(self.tables.values())
        else:  # a superset of the readers: check each, as a scan would
            candidates = [t for name in self.column_readers.get(wanted, ())
                          if (t := self.tables.get(name)) is not None]
        return sorted(t.name for t in candidates if wanted in t.column_reads)

    def note_column_reads(self, view: Table) -> None:
        """Record the columns `view` reads under its name (the replay calls this whenever it
        sets or renames them), so `views_using_column` skips the other tables."""
        self._file_under("column_readers", attrgetter("column_reads"), view)

    def views_reading(self, relation: str) -> list[Table]:
        """The views and materialized views whose `sources` name `relation`, by name."""
        if self.source_readers is None:
            candidates = sorted(self.tables.values(), key=attrgetter("name"))
        else:  # a superset of the readers: check each, as a scan would
            candidates = [t for name in sorted(self.source_readers.get(relation, ()))
                          if (t := self.tables.get(name)) is not None]
        return [t for t in candidates if relation in t.sources]

    def note_sources(self, view: Table) -> None:
        """Record the relations `view` reads under its name (the replay calls this whenever it
        sets or renames them), so `views_reading` skips the other tables."""
        self._file_under("source_readers", attrgetter("sources"), view)

    def _file_under(self, index: str, keys: Callable[[Table], Iterable], view: Table) -> None:
        """File `view`'s name under each of `keys(view)` in the name index `index`; the first
        time, build the index from what the catalog already holds."""
        readers = getattr(self, index)
        if readers is None:
            readers = NameIndex()
            setattr(self, index, readers)
            for t in self.tables.values():
                for key in keys(t):
                    _add_to(readers, key, t.name)
        for key in keys(view):
            _add_to(readers, key, view.name)

    def view_filters(self, relation: str, target: str) -> list[dict]:
        """The WHEREs (`Table.where`) of the views a write to `relation` goes through on its
        way to `target` (the relation the rewriter writes, or a view that keeps the write),
        `target` too when it is a view: the rows written are those all of them keep."""
        filters: list[dict] = []
        for _ in range(VIEW_DEPTH):
            known = self.tables.get(relation)
            if known is None or known.kind != "view":
                break
            if known.where is not None:
                filters.append(known.where)
            if relation == target or not known.sources:
                break
            relation = known.sources[0]
        return filters

    def read_by(self, view: str, sources: Iterable[str] | None = None) -> list[str]:
        """The relations a query of `view` reads: its sources (`sources` when given: the
        query of a view the catalog does not hold yet), and through the plain views among
        them (which are expanded into the query) their sources, however deep."""
        found: list[str] = []
        frontier = list(sources) if sources is not None else \
            list(self.tables[view].sources) if view in self.tables else []
        while frontier:
            current = frontier.pop(0)
            if current not in found:
                found.append(current)
                known = self.tables.get(current)
                if known is not None and known.kind == "view":
                    frontier.extend(known.sources)
        return found

    def column_type(self, tn: dict | None) -> tuple[str, tuple[int, ...], bool]:
        """A TypeName (`nodes.type_name`) as a column keeps it: an unqualified type the
        search_path in force finds in a schema other than `public` is qualified, so that it
        is still that type when looked up under another path (`mood` under
        `SET search_path = app` is `app.mood`). Built-in and unknown types stay as written."""
        name, mods, array = type_name(tn)
        if "." not in name and self.types:
            key = qualified(None, name)
            if key in self.types and key != type_key(name):
                name = key
        if not array and name.rpartition(".")[2].startswith("_"):
            # a user type's array type by its pg_type name: `_x` is `x[]`
            element = self.array_element(name if "." in name else qualified(None, name))
            if element is not None:
                kept = element if "." in name or not element.startswith("public.") else \
                    element.split(".", 1)[1]
                return kept, mods, True
        return name, mods, array

    def array_element(self, name: str) -> str | None:
        """The type (qualified) whose array type `name` (qualified: `public._x`) is: `x`'s
        when the catalog knows a type `x` or a relation with a row type of that name (every
        one but an index and a sequence) and no type of its own holds `_x` (one made after
        `x` takes the name and moves the array type out of its way, fix-pg105); the one whose
        array the server named otherwise (`arrays`: `_x_1`, `__x`). Checked on 18.6
        (tests/test_array_type_names.py). None for any other name."""
        schema, _, bare = name.rpartition(".")
        if not bare.startswith("_") or self.type_named(name):
            return None
        return self.array_holder(name)

    def array_holder(self, name: str, making: str = "") -> str | None:
        """The type (qualified) whose array type holds `name` (qualified) in pg_type, as the
        catalog knows it, but `making` (the type whose array is being named); None for none."""
        if self.arrays:
            for element, array in self.arrays.items():
                if array == name and element != making and self.type_named(element):
                    return element
        schema, _, bare = name.rpartition(".")
        element = f"{schema}.{bare[1:]}"
        return element if bare.startswith("_") and element != making and \
            element not in self.arrays and self.type_named(element) else None

    def place_array(self, name: str) -> None:
        """Type or relation with a row type `name` (qualified) is made or renamed now: its
        array type is named as the server names it (makeArrayTypeName, checked on 18.6): `_x`,
        or `_x_1`, `_x_2`... where pg_type has that name (a type of its own, another's array
        type); and when `name` is another's array type's (`_x`, x's), that one is renamed out
        of its way first (moveArrayTypeName: `__x`, `__x_1`...), as is `name`'s own then."""
        schema, _, bare = name.rpartition(".")
        arrays = self.arrays
        if arrays:  # (those of types and relations gone since: their arrays went with them)
            arrays = {e: a for e, a in arrays.items() if e != name and self.type_named(e)}
        self.arrays = arrays
        holder = self.array_holder(name, name) if bare.startswith("_") else None
        if holder is not None:
            self.arrays = arrays = {**arrays, holder: self._free_array_name(bare, schema, name)}
        array = self._free_array_name(bare, schema, name)
        if array != f"{schema}.{truncate_identifier('_' + bare)}":
            self.arrays = {**arrays, name: array}

    def move_array(self, old: str, new: str) -> None:
        """Type or relation `old` (qualified) goes by `new`: renamed, its array type is named
        anew (`place_array`); moved to another schema, it keeps its name there (checked on
        18.6: `_x_1` stays `_x_1`)."""
        (schema, bare), kept = new.split(".", 1), self.arrays.get(old)
        if bare != old.split(".", 1)[1]:
            self.place_array(new)
            return
        arrays = {e: a for e, a in self.arrays.items() if e != old}
        if kept is not None:
            arrays[new] = f"{schema}.{kept.split('.', 1)[1]}"
        self.arrays = arrays

    def _free_array_name(self, base: str, schema: str, making: str) -> str:
        """The first name makeArrayTypeName gives an array type of `base` in `schema` that
        pg_type does not hold (`making`'s own array type is not there yet)."""
        tried = 0
        while True:
            suffix = [(False, f"_{tried}")] if tried else []
            array = f"{schema}.{fit_name([(False, '_'), (True, base), *suffix])}"
            if not self.type_named(array) and self.array_holder(array, making) is None:
                return array
            tried += 1

    def array_name(self, element: str) -> str:
        """The array type (qualified) of `element`, a type or a relation with a row type."""
        schema, _, bare = element.rpartition(".")
        return self.arrays.get(element) or f"{schema}.{truncate_identifier('_' + bare)}"

    def is_constrained_domain(self, type_name: str) -> bool:
        """Whether a column type, as `column_type` gives it (`posint`, `app.posint`), names a
        domain with a constraint (an unqualified name is `public`'s: others come qualified)."""
        return type_key(type_name) in self.constrained_domains

    def callers(self, reached: Callable[[tuple[str, ...]], bool]) -> Callers:
        """What uses a function or type `reached` says is dropped (it is given an object's
        `uses`, and holds for them when it holds for one of them alone): the defaults,
        generated columns, CHECK and exclusion constraints, indexes and views. A generated
        column's default is its expression: it counts as a generated column only. What
        uses the object may be anywhere: the tables `uses_tables` files under a use
        `reached` holds for are looked at (a superset), or every table while it is None."""
        if self.uses_tables is None:
            return self._callers_in(sorted(self.tables.values(), key=attrgetter("name")),
                                    self.indexes.items(), reached)
        self.file_pending_uses()
        names = {name for use, held in self.uses_tables.items()
                 if use[:1] != _NAMED and reached((use,)) for name in held}
        found = self._callers_in(
            sorted((t for name in names if (t := self.tables.get(name)) is not None),
                   key=attrgetter("name")),
            [(key, self.indexes[key]) for name in names for key in self.index_keys_on(name)],
            reached)
        if CHECK_CALLERS:  # the index's answer is the scan's (tests, LOCKWISE_CHECK_CALLERS)
            scanned = self._callers_in(sorted(self.tables.values(), key=attrgetter("name")),
                                       self.indexes.items(), reached)
            assert found == scanned, f"Catalog.callers: {found} from the index, {scanned} scanned"
        return found

    def naming(self, relations: Collection[str]) -> Callers:
        """What names one of `relations` (qualified) by a regclass constant and is not on one
        of them (`Column.names`, `Constraint.names`, `Index.names`): the defaults, generated
        columns, CHECKs, indexes and views (with those over them) the server drops with them
        (DROP TABLE / SEQUENCE ... CASCADE; without CASCADE it refuses: checked on the
        server). Only the tables `uses_tables` files under a name of `relations` are looked
        at (with their indexes), or every table while it is None."""
        def named(names: tuple[str, ...]) -> bool:
            return any(n in relations for n in names)

        def scanned() -> Callers:
            return self._callers_in(
                [t for t in sorted(self.tables.values(), key=attrgetter("name"))
                 if t.name not in relations],
                [(k, i) for k, i in self.indexes.items() if i.table not in relations],
                named, _NAMES)

        if self.uses_tables is None:
            return scanned()
        self.file_pending_uses()
        holders = sorted({name for relation in relations
                          for name in self.uses_tables.get(_NAMED + relation, ())
                          if name not in relations})
        found = self._callers_in(
            [t for name in holders if (t := self.tables.get(name)) is not None],
            [(key, self.indexes[key]) for name in holders for key in self.index_keys_on(name)],
            named, _NAMES)
        if CHECK_CALLERS:  # (tests: as `callers`)
            walked = scanned()
            assert found == walked, f"Catalog.naming: {found} from the index, {walked} scanned"
        return found

    def _callers_in(self, tables: list[Table], indexes: Iterable[tuple[str, Index]],
                    reached: Callable[[tuple[str, ...]], bool],
                    of: Callable[[Any], tuple[str, ...]] = _USES) -> Callers:
        """`callers` looking at `tables` (by name) and `indexes` only; `of` gives what an
        object's expressions use (or name)."""
        defaults, generated = [], []
        for t in tables:
            for c in t.columns.values():
                if of(c) and reached(of(c)):
                    (generated if c.generated else defaults).append((t.name, c.name))
        constraints = [(t.name, name) for t in tables for name, con in t.constraints.items()
                       if of(con) and reached(of(con))]
        views = [t.name for t in tables if of(t) and reached(of(t))]
        views += [o for v in list(views) for o in self.views_over(v)]
        found = sorted(name for name, idx in indexes if of(idx) and reached(of(idx)))
        return Callers(tuple(defaults), tuple(generated), tuple(constraints), tuple(found),
                       tuple(dict.fromkeys(views)))

    def note_uses(self, relation: str) -> None:
        """Have what the expressions of `relation` use (its columns' defaults and generation
        expressions, its constraints, its query, its indexes) filed under its name before
        `callers` next looks: the replay calls this whenever one of them may get a use, or
        the relation a new name, so `callers` skips the other tables. The first time, build
        the index from what the catalog already holds."""
        if self.uses_tables is None:
            index: dict[str, frozenset[str]] = {}
            for name in self.tables:
                self._file_uses(index, name)
            for idx in self.indexes.values():  # (also those of tables the catalog lacks)
                for use in _filed_uses(idx):
                    _add_to(index, use, idx.table)
            self.uses_tables = index
        elif relation:
            self.uses_pending.add(relation)

    def file_pending_uses(self) -> None:
        """File the relations `note_uses` was told of since (`uses_pending`). The graph's
        down checks call it on the history's catalog before they fork it (`down.fork`):
        filed there once, not again by each fork that asks `callers`."""
        if self.uses_pending and self.uses_tables is not None:
            for name in self.uses_pending:
                self._file_uses(self.uses_tables, name)
            self.uses_pending = set()  # (not cleared in place: a fork may share it)

    def _file_uses(self, index: dict[str, frozenset[str]], relation: str) -> None:
        uses = [use for idx in self.indexes_on(relation) for use in _filed_uses(idx)]
        t = self.tables.get(relation)
        if t is not None:
            uses += _filed_uses(t)
            for c in t.columns.values():
                if c.uses or c.names:
                    uses += _filed_uses(c)
            for con in t.constraints.values():
                if con.uses or con.names:
                    uses += _filed_uses(con)
        for use in uses:
            _add_to(index, use, relation)

    def triggers_calling(self, function: str, qualified: str) -> list[tuple[Table, str]]:
        """(table, trigger name) of each trigger that executes function `qualified` (its bare
        name `function`, lower case, as `Trigger.function`). A trigger recorded without its
        function's schema matches by name: a function of that name in another schema is
        another function, which DROP FUNCTION ... CASCADE leaves alone."""
        if self.trigger_tables is None:
            candidates = sorted(self.tables.values(), key=attrgetter("name"))
        else:  # a superset of the tables: check each, as a scan would
            candidates = [t for name in sorted(self.trigger_tables.get(function, ()))
                          if (t := self.tables.get(name)) is not None]
        return [(t, name) for t in candidates for name, tr in t.triggers.items()
                if tr.function == function and tr.qualified in ("", qualified)]

    def triggers_when_calling(self, function: str, qualified: str) -> list[tuple[Table, str]]:
        """(table, trigger name) of each trigger whose WHEN may call function `qualified`
        (its bare name `function`, lower case; `calls_function`): the server ties the
        trigger to it, refusing DROP FUNCTION while it is there and dropping it with CASCADE
        ("trigger tr on table t depends on function g(integer)", checked on 18.6)."""
        if self.trigger_tables is None:
            candidates = sorted(self.tables.values(), key=attrgetter("name"))
        else:
            candidates = [t for name in sorted(self.trigger_tables.get(function, ()))
                          if (t := self.tables.get(name)) is not None]
        return [(t, name) for t in candidates for name, tr in t.triggers.items()
                if tr.when_calls and calls_function(tr.when_calls, qualified)]

    def triggers_dropped_with(self, function: str, qualified: str
                              ) -> list[tuple[Table, str]]:
        """The triggers DROP FUNCTION `qualified` ... CASCADE drops (bare name `function`,
        lower case): those that execute it (`triggers_calling`), then those whose WHEN calls
        it (`triggers_when_calling`), each once."""
        found = self.triggers_calling(function, qualified)
        seen = {(t.name, n) for t, n in found}
        return found + [(t, n) for t, n in self.triggers_when_calling(function, qualified)
                        if (t.name, n) not in seen]

    def note_triggers(self, table: Table) -> None:
        """Record the functions `table`'s triggers execute under its name (the replay calls
        this whenever it adds a trigger or renames a table), so `triggers_calling` skips the
        other tables."""
        self._file_under("trigger_tables", _trigger_functions, table)

    def cascade_reach(self, relation: str) -> list[str]:
        """The relations DROP TABLE / VIEW ... CASCADE of `relation` drops: it, its partitions
        and inheritance children, and the views over any of them, however deep."""
        dropped = [relation, *self.partitions(relation), *self.inheritance_children(relation)]
        return list(dict.fromkeys(
            [*dropped, *(v for rel in dropped for v in self.views_over(rel))]))

    def policies_known(self, table: str) -> Table | None:
        """The table when the catalog knows every policy it has: one these migrations created
        (a copy by LIKE gets none of its source's), with no DO block since."""
        t = self.tables.get(table)
        return t if t is not None and t.created_by is not None and self.sure_of(table) else None

    def note_policies(self, table: Table) -> None:
        """Record what `table`'s policies read and call under its name (the replay calls this
        whenever it adds or changes a policy or renames a table), so `policies_on_others`
        skips the other tables."""
        self._file_under("policy_readers", _policy_keys, table)

    def policies_on_others(self, relations: Iterable[str], functions: Iterable[str] = (),
                           schema: str = "") -> list[tuple[Table, str]]:
        """(table, policy name) of each policy, on a table outside `relations`, whose
        expressions name one of `relations` or may call one of `functions` (qualified), or
        call a function written in `schema`: what a DROP ... CASCADE of them drops, each under
        ACCESS EXCLUSIVE on its table (checked on the server). By table and policy name."""
        gone, called = set(relations), tuple(functions)
        keys = gone | {f.rsplit(".", 1)[-1] for f in called}
        if self.policy_readers is None or schema:
            candidates = list(self.tables.values())
        else:  # a superset of the holders: check each, as a scan would
            candidates = [t for name in {n for k in keys for n in self.policy_readers.get(k, ())}
                          if (t := self.tables.get(name)) is not None]

        def dropped(pol: Policy) -> bool:
            return not gone.isdisjoint(pol.reads) or \
                any(pol.calls(f) for f in called) or \
                bool(schema) and any(f.startswith(schema + ".") for f in pol.functions)
        found = [(t, name) for t in candidates if t.name not in gone
                 for name, pol in t.policies.items() if dropped(pol)]
        return sorted(found, key=lambda pair: (pair[0].name, pair[1]))

    def policies_using_column(self, table: str, column: str) -> list[tuple[Table, str]]:
        """(table, policy name) of each policy, on `table` or another, whose expressions use
        `table.column` or name a view dropped with it: what ALTER TABLE ... DROP COLUMN ...
        CASCADE drops with it, each under ACCESS EXCLUSIVE on its table (checked on the
        server). By table and policy name."""
        views = self.views_using_column(table, column)
        through = self.policies_on_others([*views, *(o for v in views for o in self.views_over(v))])
        if self.policy_readers is None:
            candidates = list(self.tables.values())
        else:  # its own table, and a superset of the others whose policies read it
            candidates = [t for name in {table, *self.policy_readers.get(table, ())}
                          if (t := self.tables.get(name)) is not None]
        found = {(t.name, name): (t, name) for t in candidates for name, pol in t.policies.items()
                 if pol.uses_column(table, column)}
        found.update(((t.name, name), (t, name)) for t, name in through)
        return [found[key] for key in sorted(found)]

    def columns_of_type(self, type_name: str, views: bool = False) -> list[tuple[str, str]]:
        """The (table, column) pairs whose type, or element type, is `type_name` (qualified),
        by table and column name: what DROP TYPE ... CASCADE drops. `views`: the columns of
        views and materialized views too (known when their query says them plainly), which
        DROP ... CASCADE drops with the view, not as columns."""
        filed = self.column_types
        if filed is None:
            found: dict[str, set[str]] = {}
            for t in self.tables.values():
                for c in t.columns.values():
                    found.setdefault(type_key(c.type_name), set()).add(t.name)
            filed = self.column_types = {key: tuple(sorted(names))
                                         for key, names in found.items()}
        # (a table dropped since is gone; one of them may have lost the column)
        tables = [t for name in filed.get(type_name, ()) if (t := self.tables.get(name))]
        pairs = [(t.name, c.name) for t in tables if views or t.kind not in ("view", "matview")
                 for c in t.columns.values() if type_key(c.type_name) == type_name]
        if CHECK_CALLERS:  # (tests: as a walk of every table finds them)
            walked = [(t.name, c.name)
                      for t in sorted(self.tables.values(), key=attrgetter("name"))
                      if views or t.kind not in ("view", "matview")
                      for c in t.columns.values() if type_key(c.type_name) == type_name]
            assert pairs == walked, f"columns_of_type({type_name}): {pairs}, walked {walked}"
        return pairs

    def with_subdomains(self, domain: str, arrays: bool = False) -> list[str]:
        """`domain` (qualified) and the domains over it, however deep: a column of any of
        them holds values of `domain`, which ALTER DOMAIN checks (typecmds.c
        get_rels_with_domain). `arrays`: also the domains over an array of one of them, and
        the range types over one of them with their multiranges (and what is over those),
        which depend on it all the same (DROP ... CASCADE drops them)."""
        found = [domain]
        for current in found:  # grows while read: each sub-domain's own sub-domains
            found.extend(name for name, d in self.domains.items()
                         if type_key(d.base) == current and (arrays or not d.array)
                         and name not in found)
            if arrays:
                for name, subtype in self.range_subtypes.items():
                    if type_key(subtype) == current and name not in found:
                        found.append(name)
                        if name in self.multiranges:
                            found.append(self.multiranges[name])
        return found

    def tables_with_rules_naming(self, relation: str) -> list[Table]:
        """The tables with a rule whose WHERE or actions name `relation` (qualified), in the
        catalog's order: the rule follows its renames, and goes with it when it is dropped
        with CASCADE. Only the tables `rule_readers` files under it are looked at (with
        `LOCKWISE_CHECK_CALLERS`, as the tests run, checked against a walk)."""
        filed = self._rule_readers().get(relation)
        tables = self.tables
        found = [t for name in filed if (t := tables.get(name)) is not None and t.rules
                 and any(r.names(relation) for r in t.rules.values())] if filed else []
        if len(found) > 1:  # (rare: a walk of every table's name to order them)
            order = {name: i for i, name in enumerate(tables)}
            found.sort(key=lambda t: order[t.name])
        if CHECK_CALLERS:  # (tests: as `callers`)
            walked = [t for t in tables.values()
                      if t.rules and any(r.names(relation) for r in t.rules.values())]
            assert found == walked, f"{relation}: {walked}, filed {filed}"
        return found

    def put_rules(self, t: Table, rules: dict[str, QueryRule]) -> None:
        """`t`'s rules are `rules` now (a new dict: forks share the old one), filed in
        `rule_readers` under the relations they name: the one writer of a table's rules,
        so `tables_with_rules_naming` misses none."""
        t.rules = rules
        if self.rule_readers is not None and rules:
            _file_rules_named(self.rule_readers, t)

    def _rule_readers(self) -> dict[str, frozenset[str]]:
        """`rule_readers`, built by a walk of every table's rules when it is None."""
        return self._index_built("rule_readers", _file_rules_named)

    def _index_built(self, name: str, file: Callable[[dict[str, frozenset[str]], Table], None]
                     ) -> dict[str, frozenset[str]]:
        """The catalog's index `name` (`sequence_tables`, `rule_readers`,
        `constraint_holders`), built when it is None: `file` of every table into it."""
        filed = getattr(self, name)
        if filed is None:
            filed = {}
            for t in self.tables.values():
                file(filed, t)
            setattr(self, name, filed)
        return filed

    def types_containing(self, domain: str) -> list[str]:
        """The types whose values hold values of `domain` (qualified) inside them, as far as
        the catalog knows: a domain over an array of it (or of a domain over it), a composite
        type with an attribute of it, of an array of it or of such a type, a range over one of
        those and its multirange, however deep (checked on the server)."""
        plain = set(self.with_subdomains(domain))
        found = [d for d in self.with_subdomains(domain, arrays=True) if d not in plain]
        grew = True
        while grew:
            grew = False
            for name, attributes in self.composites.items():
                if name not in found and any(
                        type_key(a.type_name) in plain or type_key(a.type_name) in found
                        for a in attributes):
                    found.append(name)
                    grew = True
            for name, dom in self.domains.items():
                if name not in found and type_key(dom.base) in found:
                    found.append(name)
                    grew = True
            for name, subtype in self.range_subtypes.items():
                if name not in found and (type_key(subtype) in plain
                                          or type_key(subtype) in found):
                    found.append(name)
                    if name in self.multiranges:
                        found.append(self.multiranges[name])
                    grew = True
        return found

    def generated_reading(self, table: str, column: str) -> list[str]:
        """The generated columns of `table` whose expression reads `column`."""
        known = self.tables.get(table)
        return [c.name for c in known.columns.values()
                if c.generated and column in c.reads] if known is not None else []

    def columns_dropped_with_type(self, type_name: str) -> list[tuple[str, str]]:
        """The (table, column) pairs DROP TYPE / DOMAIN `type_name` (qualified) ... CASCADE
        drops, by table and column name: the columns of the type, or of an array of it, and
        of the domains over it, however deep; then the generated columns that read one of
        those (checked on the server)."""
        typed = {pair for name in self.with_subdomains(type_name, arrays=True)
                 for pair in self.columns_of_type(name)}
        readers = {(table, g) for table, column in typed
                   for g in self.generated_reading(table, column)}
        return sorted(typed | readers)

    def of_type_outside(self, type_name: str, schema: str
                        ) -> tuple[list[str], list[tuple[str, str]]]:
        """The typed tables and the (table, column) pairs outside `schema` that DROP SCHEMA
        `schema` ... CASCADE drops with `type_name`, one of its types (as DROP TYPE ...
        CASCADE does; checked on 18.6: tests/graph/test_graph_schema_types.py)."""
        prefix = schema + "."
        return ([t for t in self.typed_tables(type_name) if not t.startswith(prefix)],
                [(t, c) for t, c in self.columns_dropped_with_type(type_name)
                 if not t.startswith(prefix)])

    def typed_tables(self, type_name: str) -> list[str]:
        """The tables of composite type `type_name` (qualified), by name; not what inherits
        from them (ALTER TYPE ... CASCADE alters those too, as ALTER TABLE would)."""
        return sorted(t.name for t in self.tables.values() if t.of_type == type_name)

    def note_sequence_column(self, table: str, col: Column) -> None:
        """Column `col` of `table` (qualified; in the table, or about to be) may name the
        sequences it names now: filed under each in `sequence_tables`. Every writer of a
        column's `owns`, `default_sequence`, `identity_sequence` or `identity`, and every
        place that puts a column in a table, calls this or `note_sequence_columns`."""
        filed = self.sequence_tables
        if filed is not None:
            for sequence in _sequences_named(table, col):
                _add_to(filed, sequence, table)

    def note_sequence_columns(self, t: Table) -> None:
        """`note_sequence_column` of each column of `t`: a table made (its columns copied
        from a parent, a LIKE source), moved, or whose column took a new name (an identity
        whose sequence was not recorded goes by its table's and column's names)."""
        if self.sequence_tables is not None:
            _file_sequences_named(self.sequence_tables, t)

    def _sequence_tables(self) -> dict[str, frozenset[str]]:
        """`sequence_tables`, built by a walk of every column when it is None."""
        return self._index_built("sequence_tables", _file_sequences_named)

    def may_draw_from(self, sequence: str) -> bool:
        """Whether a column may own `sequence` (qualified), draw its default from it or have
        it as its identity's; False when no table is filed under it (`sequence_tables`)."""
        filed = self.sequence_tables
        return sequence in (filed if filed is not None else self._sequence_tables())

    def tables_naming_sequence(self, sequence: str) -> list[Table]:
        """The tables that may have a column naming `sequence` (qualified: owning it, drawing
        its default from it, or as its identity's), in no order: those `sequence_tables`
        files under it that the catalog holds. Every table with such a column is among them
        (with `LOCKWISE_CHECK_CALLERS`, as the tests run, checked against a walk)."""
        filed = self._sequence_tables().get(sequence)
        tables = self.tables
        found = [t for name in filed if (t := tables.get(name)) is not None] if filed else []
        if CHECK_CALLERS:  # (tests: as `callers`)
            walked = {t.name for t in tables.values() for col in t.columns.values()
                      if sequence in _sequences_named(t.name, col)}
            assert walked <= {t.name for t in found}, f"{sequence}: {walked}, filed {filed}"
        return found

    def columns_drawing_from(self, sequence: str) -> list[tuple[str, str]]:
        """The (table, column) pairs whose default draws from `sequence` (qualified) and
        depends on it (`Column.default_sequence_recorded`), by table name, each table's in
        column order."""
        # (the tables filed under it alone, the few found sorted: a walk of every column, or
        # a sort of every table, for each of a pg_dump schema's sequences made it quadratic)
        found = [(t.name, c.name) for t in self.tables_naming_sequence(sequence)
                 for c in t.columns.values()
                 if c.default_sequence == sequence and c.default_sequence_recorded]
        return sorted(found, key=itemgetter(0)) if len(found) > 1 else found

    def holds_regclass(self, type_name: str, array: bool) -> bool:
        """Whether a column of `type_name` (as `column_type` gives it; `array`: an array of
        it) holds one regclass: the type is regclass or a domain over it, however deep."""
        for _ in range(_DOMAIN_DEPTH):
            if array:
                return False
            if type_name in ("regclass", "pg_catalog.regclass"):
                return True
            known = self.domain(type_name)
            if known is None:
                return False
            type_name, array = known.base, known.array
        return False

    def base_type(self, name: str, mods: tuple[int, ...], array: bool
                  ) -> tuple[str, tuple[int, ...], bool]:
        """A column type (`name`, its typmods `mods`, `array`: an array of it) as PostgreSQL
        stores it: a domain's values are its base type's, however deep (a domain without
        constraints converts to and from it as a relabel, and an index on it takes its base
        type's default operator class; checked on the server)."""
        for _ in range(_DOMAIN_DEPTH):
            domain = self.domain(name)
            if domain is None:
                break
            name, mods, array = domain.base, domain.typmods, array or domain.array
        return name, mods, array

    def domain(self, type_name: str) -> Domain | None:
        """The domain a column type, as written, names (looked up as `is_constrained_domain`
        does); None for any other type."""
        return self.domains.get(type_key(type_name)) if self.domains else None

    def partitions(self, table: str) -> list[str]:
        """Known partitions of `table`, sub-partitions included."""
        return self._descendants(table, self.partition_parents,
                                 lambda t, parent: t.partition_of == parent)

    def leaf_partitions(self, table: str) -> tuple[str, ...]:
        """Known partitions of `table` that hold rows (not partitioned themselves)."""
        return tuple(p for p in self.partitions(table)
                     if (t := self.tables.get(p)) is None or t.kind != "partitioned")

    def direct_partitions(self, table: str) -> list[str]:
        """The partitions attached to `table` itself (not theirs)."""
        if table not in self.partition_parents:
            return []
        return [t.name for t in self.tables.values() if t.partition_of == table]

    def inheritance_children(self, table: str) -> list[str]:
        """The tables that inherit from `table` (plain INHERITS), their children included."""
        return self._descendants(table, self.inheritance_parents,
                                 lambda t, parent: parent in t.inherits)

    def direct_inheritance_children(self, table: str) -> list[str]:
        """The tables that INHERIT from `table` itself (not its grandchildren)."""
        if table not in self.inheritance_parents:
            return []
        return [t.name for t in self.tables.values() if table in t.inherits]

    def not_null_inheritors(self, table: str,
                            has_it: Callable[[str], bool]) -> list[tuple[str, bool, bool]]:
        """What PostgreSQL 18's ALTER CONSTRAINT ... INHERIT of a NOT NULL constraint of
        `table` reaches, in order: (child, a direct child of `table`, NOT NULL already as
        `has_it` says). A child without it gets the constraint and passes it on to its own
        children; one that has it only counts it as inherited, and its children are not
        reached (checked on the server)."""
        out: list[tuple[str, bool, bool]] = []
        seen: set[str] = {table}
        todo = [(child, True) for child in self.direct_inheritance_children(table)]
        while todo:
            child, top = todo.pop(0)
            if child in seen:  # reached already, through another parent
                continue
            seen.add(child)
            had = has_it(child)
            out.append((child, top, had))
            if not had:
                todo.extend((c, False) for c in self.direct_inheritance_children(child))
        return out

    def ancestors(self, table: str) -> set[str]:
        """The tables above `table` the catalog knows: its partitioned parent and the tables it
        inherits from, theirs, and so on (a cycle, which the replay never records, ends the
        walk all the same)."""
        out: set[str] = set()
        todo = [table]
        while todo:
            t = self.tables.get(todo.pop())
            for parent in (t.partition_of, *t.inherits) if t is not None else ():
                if parent and parent not in out:
                    out.add(parent)
                    todo.append(parent)
        return out

    def descends_from(self, table: str, ancestor: str) -> bool:
        """Whether `ancestor` is among `table`'s `ancestors`: never when no table names it as
        its parent (`partition_parents`, `inheritance_parents`), without a walk (each
        CREATE TABLE of a chain of a thousand inheriting tables walked the chain above it)."""
        if ancestor not in self.inheritance_parents and ancestor not in self.partition_parents:
            return False
        return ancestor in self.ancestors(table)

    def _descendants(self, table: str, parents: set[str],
                     is_child: Callable[[Table, str], bool]) -> list[str]:
        if table not in parents:
            return []  # nothing names it as parent: skip the scan of every table
        out: list[str] = []
        todo = [table]
        while todo:
            parent = todo.pop()
            for t in self.tables.values():
                if is_child(t, parent) and t.name not in out and t.name != table:
                    out.append(t.name)
                    todo.append(t.name)
        return out

    def default_partition_of(self, table: str) -> str | None:
        """The DEFAULT partition of partitioned `table`, when it has one."""
        if table not in self.partition_parents:
            return None
        return next((t.name for t in self.tables.values()
                     if t.partition_of == table and t.default_partition), None)

    def primary_key(self, table: str) -> tuple[str, ...]:
        """The columns of `table`'s primary key (empty when unknown)."""
        known = self.tables.get(table)
        for con in known.constraints.values() if known else ():
            if con.kind == "primary":
                return con.columns
        return ()

    def key_writes(self, table: str, kind: str, columns: frozenset[str] = frozenset()
                   ) -> list[tuple[str, str, str, frozenset[str]]]:
        """What the foreign keys' actions write when a `kind` write (delete, or update of
        `columns`) of `table`'s rows fires them, and the writes those fire in turn
        (`key_actions`): (the key's table, the key, delete or update, the columns set); a
        key that only looks (NO ACTION, RESTRICT) with "" and no columns."""
        from lockwise.catalog.key_actions import key_actions

        return [(a.referencing, a.key.name, a.write, a.columns)
                for a in key_actions(self, table, kind, columns)]

    def triggers_on(self, table: str) -> list[tuple[str, Trigger, str | None]]:
        """The triggers of `table`: each one's name, the trigger, and its function's CREATE
        statement (None when the migrations did not make it, or several overloads)."""
        known = self.tables.get(table)
        found = []
        for name, trigger in (known.triggers.items() if known is not None else ()):
            made = [r for r in self.kept_routines.get(
                trigger.qualified or f"public.{trigger.function}", ()) if not r.args]
            found.append((name, trigger, made[0].sql or None if len(made) == 1 else None))
        return found

    def unique_columns(self, table: str) -> frozenset[str] | None:
        """The columns of `table` that each hold a value in one row at most, as the
        migrations left it: its primary key's or a UNIQUE constraint's one column, or a
        valid unique index's of one column, without WHERE or expression (two NULLs are two
        values, which no `=` matches). None when the table is not known (`known_table`)."""
        known = self.known_table(table)
        if known is None:
            return None
        found = {con.columns[0] for con in known.constraints.values()
                 if con.kind in ("primary", "unique") and len(con.columns) == 1}
        found.update(idx.columns[0] for idx in self.indexes_on(table)
                     if idx.unique and idx.valid and not idx.partial and len(idx.columns) == 1
                     and idx.columns[0] != "(expression)")
        return frozenset(found)

    def same_foreign_key(self, one: Constraint, other: Constraint) -> bool:
        """Whether PostgreSQL takes `other` (a table's own key) for a clone of foreign key
        `one` when the table becomes a partition (tablecmds.c tryAttachPartitionForeignKey):
        same columns in the same order, referenced table and columns, actions, MATCH type,
        DEFERRABLE and INITIALLY DEFERRED; not the columns ON DELETE SET NULL (...) sets (the
        clone keeps its own; checked on 18.6)."""
        def key(con: Constraint) -> tuple:
            target = con.ref_columns or self.primary_key(con.references or "")
            return (con.references, con.columns, tuple(target), con.on_delete, con.on_update,
                    con.match, con.deferrable, con.deferred)
        return other.kind == "foreign" and key(one) == key(other)

    def inherited_foreign_keys(self, table: str) -> list[Constraint]:
        """The foreign keys of `table` and of the partitioned tables above it, each where it
        was added (not its clones): a partition of `table` holds a clone of each."""
        out: list[Constraint] = []
        seen: set[str] = set()
        current = self.tables.get(table)
        while current is not None and current.name not in seen:
            seen.add(current.name)
            out += [c for c in current.constraints.values()
                    if c.kind == "foreign" and c.references and not c.clone_of]
            current = self.tables.get(current.partition_of) if current.partition_of else None
        return out

    def referencing(self, table: str, clones: bool = False) -> list[tuple[str, Constraint]]:
        """Foreign keys in other tables that point at `table`, by referencing table name.
        `clones`: also the partitions' clones of a key of a partitioned table (they go with
        the key, and with what it depends on)."""
        return self.referencing_each((table,), clones)[table]

    def referencing_each(self, tables: Collection[str], clones: bool = False
                         ) -> dict[str, list[tuple[str, Constraint]]]:
        """`referencing` of each of `tables`, by table, from one walk of the tables that may
        reference one of them (every table while `fk_sources` is None, as MySQL's catalog
        keeps it): a DROP TABLE list of thousands of tables asked for each once, every table
        walked each time (quadratic)."""
        found: dict[str, list[tuple[str, Constraint]]] = {table: [] for table in tables}
        if self.fk_sources is None:
            candidates = sorted(self.tables.values(), key=attrgetter("name"))
        else:  # a superset of the referencing tables: check each, as a scan would
            candidates = [t for name in sorted({source for table in found
                                                for source in self.fk_sources.get(table, ())})
                          if (t := self.tables.get(name)) is not None]
        for t in candidates:
            for c in t.constraints.values():
                if c.kind == "foreign" and c.references in found and (
                        clones or not c.clone_of):
                    found[c.references].append((t.name, c))  # type: ignore[index]
        return found

    def foreign_keys_using(self, table: str, columns: tuple[str, ...],
                           clones: bool = False) -> list[tuple[str, Constraint]]:
        """The foreign keys pointing at `columns` of `table` (in any order), which use the
        index of its key or unique constraint over them: CASCADE drops them with it
        (`clones`: see `referencing`)."""
        key = set(columns)
        return [(other, fk) for other, fk in self.referencing(table, clones)
                if set(fk.ref_columns or self.primary_key(table)) == key]

    def owned_by(self, roles: Collection[str]) -> list[str]:
        """The relations (qualified, by name) the migrations gave one of `roles` (lower case)
        with OWNER TO or REASSIGN OWNED (`Table.owner`): what DROP OWNED BY them drops and
        REASSIGN OWNED BY them locks ACCESS EXCLUSIVE (checked on 18.6). A scan of every
        table: only those two statements ask."""
        return sorted(t.name for t in self.tables.values() if t.owner and t.owner in roles)

    def keys_on_index(self, index: str) -> list[tuple[str, Constraint]]:
        """The foreign keys that depend on unique index `index` (qualified), by referencing
        table: the server ties a key to the first index of the table it points at (by oid:
        here the order the catalog made them) that is unique, without WHERE or expressions,
        and whose key columns are the columns the key references (the primary key's when it
        names none). DROP INDEX is refused for them without CASCADE (2BP01) and drops them
        with it (checked on 18.6: tests/graph/test_graph_index_keys.py)."""
        idx = self.indexes.get(index)
        if idx is None or not idx.unique:
            return []

        def usable(i: Index) -> bool:
            return i.unique and not i.partial and not i.reads and "(expression)" not in i.columns

        first: dict[frozenset[str], str] = {}
        for key, i in zip(self.index_keys_on(idx.table), self.indexes_on(idx.table),
                          strict=True):
            if usable(i):
                first.setdefault(frozenset(i.columns), key)
        return [(other, fk) for other, fk in self.referencing(idx.table)
                if first.get(frozenset(fk.ref_columns or self.primary_key(idx.table))) == index]

    def start_indexes(self) -> None:
        """Build the indexes still None (`fk_sources`, `column_readers`, `source_readers`,
        `trigger_tables`, `policy_readers`, `uses_tables`, `constraint_holders`,
        `rule_readers`, `sequence_tables`: `relation_named` asks it) from what
        the catalog holds: the replay calls this before its first statement, so a history
        without a foreign key, a view, a trigger, a policy or an expression that calls a
        function does not fall back to scanning every table for each DROP or RENAME, nor
        each generated constraint name to looking at every table."""
        if self.fk_sources is None:
            self.note_foreign_key("", None)
        if self.column_readers is None:
            self.note_column_reads(Table(""))
        if self.source_readers is None:
            self.note_sources(Table(""))
        if self.trigger_tables is None:
            self.note_triggers(Table(""))
        if self.policy_readers is None:
            self.note_policies(Table(""))
        if self.uses_tables is None:
            self.note_uses("")
        if self.constraint_holders is None:
            self._constraint_holders()
        if self.rule_readers is None:
            self._rule_readers()
        if self.sequence_tables is None:
            self._sequence_tables()

    def note_constraint_name(self, table: str, name: str) -> None:
        """Record that a constraint of `table` is called `name`, so `constraint_named` looks
        at only the tables that may have one of a name: `put_constraint` does for the
        constraints it stores, the replay for each NOT NULL name (PostgreSQL 18) it gives or
        that is written (at once: a name the statement gives next is numbered past it), and
        `note_constraint_names` for the tables that took NOT NULL names from others (a
        parent's, a LIKE source's) or moved. The first time, build the index from what the
        catalog already holds."""
        holders = self._constraint_holders()
        if name:
            _add_to(holders, name, table)

    def note_constraint_names(self, t: Table) -> None:
        """`note_constraint_name` of each constraint of `t` and each NOT NULL one, under its
        name: for a table a statement made, altered, renamed or moved (the names stay, the
        table's name changes), or whose NOT NULL it renamed."""
        _file_constraint_names(self._constraint_holders(), t)

    def _constraint_holders(self) -> dict[str, frozenset[str]]:
        """`constraint_holders`, built from what the catalog holds when it is None."""
        return self._index_built("constraint_holders", _file_constraint_names)

    def note_foreign_key(self, source: str, target: str | None) -> None:
        """Record that a foreign key on `source` points at `target` (the replay calls this for
        every foreign key it adds or retargets), so `referencing` skips unrelated tables."""
        sources = self.fk_sources
        if sources is None:  # first one: start from what the catalog already holds
            sources = self.fk_sources = {}
            for t in self.tables.values():
                for c in t.constraints.values():
                    if c.kind == "foreign" and c.references:
                        _add_to(sources, c.references, t.name)
        if target:
            _add_to(sources, target, source)

    def unindexed_foreign_keys(self, migration_id: str) -> list[tuple[str, Constraint]]:
        """Foreign keys added by `migration_id` with no index on the referencing columns, in
        the order the migration added them.

        Only tables created by these migrations count: for the others, indexes made outside
        the migrations are unknown.
        """
        names = self.fk_stamps.get(migration_id, ()) if self.fk_stamps is not None else None
        if names is not None and all(n in self.tables for n in names):
            tables = [self.tables[n] for n in names]
        else:  # no stamps (a catalog built by hand), or a stamped table was renamed or dropped
            tables = list(self.tables.values())
        # A partition's clone is judged with the key it clones (the parent's index has a
        # part on every partition).
        return [(t.name, c) for t in tables if t.created_by is not None
                for c in t.constraints.values()
                if c.kind == "foreign" and c.created_by == migration_id and c.columns
                and not c.clone_of
                and not self.has_index_leading_with(t.name, c.columns)]

    def has_index_leading_with(self, table: str, columns: tuple[str, ...]) -> bool:
        """True when some index (or PK/UNIQUE) on `table` starts with exactly `columns` and can
        serve an equality lookup on them (a partial index only when the lookup proves its
        predicate)."""
        # Any order of the same leading columns serves the lookups `a = ? AND b = ?`.
        n, wanted = len(columns), set(columns)
        for idx in self.indexes_on(table):
            if len(idx.columns) >= n and set(idx.columns[:n]) == wanted and \
                    idx.serves_equality_on(columns):
                return True
        t = self.tables.get(table)
        if t:
            for c in t.constraints.values():
                if c.kind in ("primary", "unique") and len(c.columns) >= n and \
                        set(c.columns[:n]) == wanted:
                    return True
        return False
