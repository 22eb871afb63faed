"""What every statement family's handlers share: the `Builder` an effect is gathered in,
and the small helpers that read the catalog for it (the facts of a table, the relations a
query reads, the partitions and children a statement reaches, a CREATE's IF NOT EXISTS, the
locks a foreign key takes on the table it references)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from lockwise.catalog.model import Callers, Catalog, Constraint, Table
from lockwise.catalog.replay import column_identity_sequence
from lockwise.catalog.replay import owned_sequences as catalog_owned_sequences
from lockwise.catalog.search_path import DEFAULT_SCHEMA, lookup_schemas
from lockwise.core.types import Action, Effect, LockMode
from lockwise.effects.context import Context
from lockwise.effects.locks import strongest
from lockwise.effects.nodes import (
    TEMPORARY_PREFIX,
    bodies_of_kind,
    calls_function,
    format_type,
    is_sequence_call,
    only_relations,
    range_var,
    relations_in,
    sequence_argument,
    strings,
    unwrap,
    walk,
)
from lockwise.effects.volatility import default_regclass_constants, regclass_constants
from lockwise.parse.quoting import quote_ident, quote_qualified, relation_sql

if TYPE_CHECKING:
    from lockwise.catalog.overloads import Routine

L = LockMode

#: How the reason of a scan that ends at the table's first live row begins: the statement
#: fails there (ADD COLUMN ... NOT NULL without a default, checked on the server: one row
#: read of 50,000). It reads at length only a table with no live row and many dead ones.
SCAN_ENDS_AT_A_ROW = "until the first row"


def long_scans(effect: Effect) -> list[str]:
    """The relations `effect` reads whose scan lasts as long as the table is large: not those
    that end at the first row (`SCAN_ENDS_AT_A_ROW`)."""
    return [rel for rel, why in effect.scans.items() if not why.startswith(SCAN_ENDS_AT_A_ROW)]


class Builder:
    """What one statement does, recorded by its handler: actions, locks, rewrites, scans.
    (Not a dataclass: one is made per statement and read in place, never compared, copied or
    printed, and making a dataclass costs every lint about 1 M instructions.)"""

    __slots__ = ("actions", "alters", "creates", "ctx", "drops", "freed_columns", "freed_names",
                 "literals", "locks", "reads", "rewrites", "scans", "subcommands",
                 "transactional", "writes")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.actions: list[Action] = []
        self.locks: dict[str, LockMode] = {}
        self.rewrites: set[str] = set()
        self.scans: dict[str, str] = {}
        self.transactional = True
        self.creates: set[str] = set()
        self.drops: set[str] = set()
        self.alters: set[str] = set()
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.literals: set[str] = set()
        #: Names the drops of the ALTER TABLE being read release before it adds anything.
        self.freed_names: frozenset[str] = frozenset()
        #: The columns that ALTER TABLE drops: their names are free for its ADD COLUMNs.
        self.freed_columns: frozenset[str] = frozenset()
        #: The subcommands of the ALTER TABLE being read (see `columns._added_by_alter`).
        self.subcommands: Sequence[dict] = ()

    def lock(self, relation: str, mode: LockMode) -> None:
        if relation:
            self.locks[relation] = strongest(self.locks.get(relation), mode)

    def act(self, action_kind: str, /, *bases: dict, **facts: object) -> None:
        """Record an action; later facts override earlier ones (bases first, then keywords)."""
        merged: dict = {}
        for base in bases:
            merged.update(base)
        merged.update(facts)
        self.actions.append(Action(action_kind, merged))

    def scan(self, relation: str, why: str) -> None:
        self.scans.setdefault(relation, why)

    def rewrite(self, relation: str, why: str) -> None:
        self.rewrites.add(relation)
        self.scans.setdefault(relation, why)

    def build(self) -> Effect:
        # A relation that does not exist yet is not "locked" in any way another session
        # notices; nor is a temporary one, which no other session can see.
        locks = {r: m for r, m in self.locks.items()
                 if r not in self.creates and not r.startswith(TEMPORARY_PREFIX)}
        # A partitioned table has no storage of its own: its partitions are what gets rewritten
        # or scanned (they are recorded by the handlers that recurse). Nor has a foreign
        # table: its rows are the remote server's, never rewritten or checked here (checked
        # on the server: oracle cases `alter-foreign-table-*`).
        if self.rewrites or self.scans:  # (most statements neither rewrite nor scan)
            for rel in [r for r in self.rewrites | set(self.scans)
                        if (t := self.ctx.catalog.tables.get(r)) and t.kind in _NO_STORAGE]:
                self.rewrites.discard(rel)
                self.scans.pop(rel, None)
        # Column definitions are details of the statement's main action: list them after it.
        actions = self.actions if len(self.actions) < 2 else \
            sorted(self.actions, key=_is_column_definition)
        return Effect(
            actions=tuple(actions) or (Action("other"),),
            locks=locks,
            rewrites=_frozen(self.rewrites),
            scans=dict(self.scans),
            transactional=self.transactional,
            creates=_frozen(self.creates),
            drops=_frozen(self.drops),
            alters=_frozen(self.alters),
            reads=_frozen(self.reads),
            writes=_frozen(self.writes),
            literals=_frozen(self.literals),
        )


_NOTHING: frozenset[str] = frozenset()
#: Relation kinds with no rows stored here.
_NO_STORAGE = ("partitioned", "foreign")


def _is_column_definition(action: Action) -> bool:
    return action.kind == "define_column"


def _frozen(objects: set[str]) -> frozenset[str]:
    # Most of an effect's sets are empty, and every frozenset(set()) is a new ~200-byte object:
    # lint keeps every statement's effect, so sharing one empty set saves ~1 KB a statement.
    return frozenset(objects) if objects else _NOTHING


def table_facts(b: Builder, table: str, qualified: bool) -> dict:
    # `table` is always schema-qualified (locks and the catalog need one name per relation);
    # `table_sql` is the name as the user wrote it, for suggested SQL in their own words.
    known = b.ctx.catalog.tables.get(table)
    return {"table": table, "table_name": table.split(".", 1)[1], "qualified": qualified,
            "table_sql": table if qualified else table.split(".", 1)[1],
            "table_is_new": b.ctx.table_is_new(table),
            "table_is_temporary": table.startswith(TEMPORARY_PREFIX),
            "table_is_empty": b.ctx.table_is_empty(table),
            "table_known": b.ctx.catalog.defined_here(table) is not None,
            # A foreign table's rows are on the remote server: nothing here to rewrite or read.
            "table_is_foreign": known is not None and known.kind == "foreign"}


def schema_used(b: Builder, name: str, qualified: bool) -> None:
    """Files the schema CREATE puts `name` (schema.name) in among what the statement reads:
    the server refuses a CREATE into a schema that is not there, IF NOT EXISTS or OR REPLACE
    too (checked on 18.6 for tables, views, CREATE TABLE AS, sequences, types, domains and
    routines: fix-pg111, fix-pg112), so the conflict graph says a CREATE into one a
    migration dropped, or made only later. Written, 3F000 `schema "s" does not exist`;
    unqualified, 3F000 "no schema has been selected to create in" when no schema of the
    search_path exists: said only when the path leaves one schema to create in (`public`
    under the default path, its `"$user"` taken for none, as `SearchPath` does), as another
    may exist outside the migrations."""
    if name.startswith(TEMPORARY_PREFIX) or \
            not qualified and len(lookup_schemas() or (DEFAULT_SCHEMA,)) > 1:
        return
    b.reads.add(f"schema:{name.split('.', 1)[0]}")


def owned_sequences(b: Builder, table: str, columns: Iterable[str] | None = None) -> list[str]:
    """The sequences that go with `table` or its `columns` (`replay.owned_sequences`)."""
    return catalog_owned_sequences(b.ctx.catalog, table, columns)


def drop_defaults_drawing(b: Builder, sequence: str, besides: str = "") -> None:
    """The defaults that call nextval() on `sequence`, dropped with it by a CASCADE (of the
    sequence, or of the table or column owning it), other than `besides`' own: each under
    ACCESS EXCLUSIVE on its table (checked on the server; without CASCADE it is refused)."""
    for table, column in b.ctx.catalog.columns_drawing_from(sequence):
        if table != besides:
            b.lock(table, L.ACCESS_EXCLUSIVE)
            b.alters.add(f"column:{table}.{column}")


def lock_drawn_sequences(b: Builder, table: str, columns: Iterable[str]) -> None:
    """Rows that leave `columns` of `table` to their default draw from the sequences those
    defaults call nextval() on (a serial's, a `nextval('s')` default's, an identity's; a
    partition's identity its parent's): each held ROW EXCLUSIVE until commit, so an ALTER
    SEQUENCE with options waits (checked on the server). Only what the catalog knows."""
    lineage = partition_lineage(b.ctx.catalog, table)
    if not lineage:
        return
    for name in columns:
        col = lineage[0].columns.get(name)
        if col is None:
            continue
        if col.default is not None and col.default_sequence and not col.identity:
            b.lock(col.default_sequence, L.ROW_EXCLUSIVE)
            continue
        # An identity is defined on the partition tree's root, whose sequence it draws from.
        owner = next((t for t in reversed(lineage)
                      if name in t.columns and t.columns[name].identity), None)
        if owner is not None:
            b.lock(column_identity_sequence(owner.name, owner.columns[name]), L.ROW_EXCLUSIVE)


def lock_default_sequences(b: Builder, default: object, drawn: bool) -> None:
    """A default that calls a sequence function on a sequence named as a constant
    (`nextval('s')`) depends on it: ACCESS SHARE while the default is stored, ROW EXCLUSIVE
    when it is `drawn` for the existing rows (ADD COLUMN's rewrite runs nextval() for each).
    Named by a string cast to text (`nextval('s'::text)`), it is looked up at each call:
    nothing is locked to store it, ROW EXCLUSIVE still when drawn. Checked on the server
    (PostgreSQL 18)."""
    constants: set[str] | None = None
    for call in bodies_of_kind(default, "FuncCall"):
        if is_sequence_call(strings(call.get("funcname"))):
            sequence = sequence_argument(call)
            if sequence and drawn:
                b.lock(sequence, L.ROW_EXCLUSIVE)
            elif sequence:
                if constants is None:
                    constants = regclass_constants(default)
                if sequence in constants:
                    b.lock(sequence, L.ACCESS_SHARE)


#: Where a statement stores expressions (and the server records what they depend on): the
#: statement kinds, each with the part of its tree that is stored (None: all of it).
_STORED_EXPRESSIONS: dict[str, str | None] = {
    "CreateStmt": None, "AlterTableStmt": "cmds", "IndexStmt": None, "ViewStmt": "query",
    "CreateTableAsStmt": "query", "CreatePolicyStmt": None, "AlterPolicyStmt": None,
    "CreateTrigStmt": "whenClause", "RuleStmt": None, "CreateDomainStmt": "constraints",
    "AlterDomainStmt": "def", "CreateStatsStmt": "exprs", "CreateFunctionStmt": "sql_body",
}


def lock_stored_regclass_constants(b: Builder, kind: str, stmt: dict) -> None:
    """An expression the statement stores (a default, CHECK, index expression, view, policy,
    trigger WHEN, rule, domain CHECK, statistics expression, BEGIN ATOMIC body) depends on
    each relation it names by a regclass constant (`'s'::regclass`, `nextval('s')`,
    `pg_relation_size('t')`): the server takes ACCESS SHARE on each while it records the
    dependency (checked on PostgreSQL 18). An expression only evaluated (ALTER COLUMN TYPE's
    USING, CREATE TABLE AS, INSERT) takes none; nor does a statement IF NOT EXISTS skips.
    Only relations the catalog knows (a system catalog's name is no migration's)."""
    if kind not in _STORED_EXPRESSIONS or any(
            a.facts.get("if_not_exists") and a.facts.get("exists_already") for a in b.actions):
        return
    if kind == "CreateTableAsStmt" and stmt.get("objtype") != "OBJECT_MATVIEW":
        return
    part = _STORED_EXPRESSIONS[kind]
    stored = stmt if part is None else stmt.get(part)
    if kind == "AlterTableStmt":
        stored = [cmd for cmd in stored or () if unwrap(cmd)[1].get("subtype")
                  != "AT_AlterColumnType"]
    lock_regclass_names(b, regclass_constants(stored, b.ctx.statement_sql))
    sql = b.ctx.statement_sql
    # (a keyword no escape spells: the statement has no DEFAULT unless its text says so; and
    # a bare string default is a string constant, which only ' and $ quote: '', E'', U&'',
    # $$ $$. Three statements of four with a DEFAULT in the corpora write neither)
    if kind in ("CreateStmt", "AlterTableStmt") and (sql is None or (
            ("'" in sql or "$" in sql) and "default" in sql.lower())):
        lock_regclass_names(b, _bare_string_defaults(b.ctx.catalog, stmt, stored, sql))


def _bare_string_defaults(catalog: Catalog, stmt: dict, stored: object,
                          sql: str | None) -> set[str]:
    """The relations the bare string DEFAULTs of regclass columns in `stored` (the
    statement's column definitions, and an ALTER TABLE's SET DEFAULTs) name: each is stored
    as a regclass constant (`default_regclass_constants`; `sql`, the statement's text, spares
    the walk of a default that names none)."""
    found: set[str] = set()
    for kind, body in walk(stored):
        if kind == "ColumnDef":
            tname, _, array = catalog.column_type(body.get("typeName"))
            defaults = [con.get("raw_expr") for c in body.get("constraints") or ()
                        if (con := unwrap(c)[1]).get("contype") == "CONSTR_DEFAULT"]
        elif kind == "AlterTableCmd" and body.get("subtype") == "AT_ColumnDefault":
            known = catalog.known_column(range_var(stmt.get("relation"))[0],
                                         body.get("name", ""))
            if known is None:
                continue
            tname, array, defaults = known.type_name, known.array, [body.get("def")]
        else:
            continue
        regclass_column = catalog.holds_regclass(tname, array)
        for expr in defaults:
            found |= default_regclass_constants(expr, regclass_column, sql)
    return found


def lock_regclass_names(b: Builder, names: Iterable[str]) -> None:
    """ACCESS SHARE on each relation of `names` (named by regclass constants of an expression
    stored now) that the catalog knows: a system catalog's name is no migration's, and a
    relation renamed since the expression was replayed is not followed."""
    catalog = b.ctx.catalog
    for rel in names:
        if rel in catalog.tables or rel in catalog.sequences:
            b.lock(rel, L.ACCESS_SHARE)


def row_key_facts(b: Builder, table: str, qualifier: str | None = None) -> dict:
    """What names a row of `table` in the batches a safe alternative writes: its primary key,
    or else the row's address (ctid), which every table has. `row_key_sql` is compared
    (`(a, b) IN (...)`), `row_key_columns_sql` selected. `qualifier` (the name the statement
    gives the table) prefixes the compared key where other relations beside it (an UPDATE's
    FROM, a DELETE's USING) could have a column of the same name."""
    key = b.ctx.catalog.primary_key(table) or ("ctid",)
    if key == ("ctid",) and rows_elsewhere(b.ctx.catalog, table) or \
            b.ctx.catalog.inheritance_children(table):
        # A row's address is its own table's: one ctid names a row in each partition and
        # child; nor does a parent's primary key bind its children (checked on the server).
        key = ("tableoid", "ctid")
    columns = ", ".join(map(quote_ident, key))
    compared = ", ".join(f"{quote_ident(qualifier)}.{quote_ident(k)}" for k in key) \
        if qualifier else columns
    return {"row_key_sql": compared if len(key) == 1 else f"({compared})",
            "row_key_columns_sql": columns}


def rows_elsewhere(catalog: Catalog, table: str) -> bool:
    """Whether rows of `table` are (also) in other tables that a statement on it reaches: a
    partitioned table's partitions (it holds none of its own), inheritance children."""
    known = catalog.tables.get(table)
    return bool(known is not None and known.kind == "partitioned" or catalog.partitions(table)
                or catalog.inheritance_children(table))


def read_tables(b: Builder, node: object, skip: set[str] = frozenset(),
                outer_ctes: frozenset[str] = frozenset()) -> None:
    for rel in relations_in(node, outer_ctes):
        if rel not in skip:
            b.lock(rel, L.ACCESS_SHARE)
            b.reads.add(f"table:{rel}")


def descendants(b: Builder, table: str, inh: bool = True) -> list[str]:
    """The partitions and inheritance children a statement on `table` reaches too: all of
    them, however deep, unless ONLY was written (`inh` false)."""
    if not inh:
        return []
    return b.ctx.catalog.partitions(table) + b.ctx.catalog.inheritance_children(table)


def lock_read_partitions(b: Builder, node: object, mode: LockMode = L.ACCESS_SHARE,
                         outer_ctes: frozenset[str] = frozenset()) -> None:
    """A query that runs locks the partitions and inheritance children of what it reads too
    (only the parent when it is merely parsed, as by CREATE VIEW; only it with ONLY). Pruning
    on the partition key spares some partitions: not modeled, every partition counts as read.
    The views it reads are expanded into their queries (the rewriter's work, also not done
    for a query merely parsed): their relations are locked as if named."""
    only = only_relations(node)
    planned = b.ctx.plans  # the planner locks the partitions and children (not PREPARE)
    for rel in relations_in(node, outer_ctes):
        for part in descendants(b, rel, planned and rel not in only):
            b.lock(part, mode)
        lock_view_reads(b, rel, mode)


def lock_view_reads(b: Builder, rel: str, mode: LockMode = L.ACCESS_SHARE) -> None:
    """A query of `rel`, when it is a known plain view, locks what the view reads in the
    query's mode (through views, however deep), and their partitions and children when it is
    planned."""
    for base in view_reads(b, rel):
        lock_read(b, base, mode)


def lock_read(b: Builder, rel: str, mode: LockMode = L.ACCESS_SHARE) -> None:
    """`rel` read by a query in `mode`, with its partitions and children when it is planned
    (not what it reads when it is a view: `lock_view_reads`)."""
    b.lock(rel, mode)
    b.reads.add(f"table:{rel}")
    for part in descendants(b, rel, b.ctx.plans):
        b.lock(part, mode)


def view_reads(b: Builder, rel: str) -> list[str]:
    """The relations a query of `rel` reads when it is a known plain view (through the views
    it reads, however deep); nothing for any other relation."""
    if not b.ctx.rewrites:
        return []
    known = b.ctx.catalog.tables.get(rel)
    return b.ctx.catalog.read_by(rel) if known is not None and known.kind == "view" else []


def stored_reads(b: Builder, node: object, outer_ctes: frozenset[str] = frozenset()) -> list[str]:
    """The relations with rows of their own a query reads: views replaced by what they read,
    partitioned tables and inheritance parents joined by their partitions and children (the
    parent alone with ONLY), as `lock_read_partitions` locks them (`outer_ctes`: as for
    `relations_in`). Most INSERTs read no whole relation, and most UPDATEs and DELETEs none
    in a subquery beside them (`node` None or empty): asked of those, the walk would find
    nothing, and put out the statement's own, which `relations_in` keeps for the next ask."""
    if not node:
        return []
    only = only_relations(node)
    out: list[str] = []
    for rel in relations_in(node, outer_ctes):
        reads = [*descendants(b, rel, rel not in only)]
        for base in view_reads(b, rel):
            reads += [base, *descendants(b, base)]
        for read in (rel, *reads):
            known = b.ctx.catalog.tables.get(read)
            if (known is None or known.kind != "view") and read not in out:
                out.append(read)
    return out


def skipped(b: Builder, stmt: dict, known: bool, kind: str, /, *bases: dict,
             **facts: object) -> bool:
    """Whether `stmt`, a CREATE ... IF NOT EXISTS of an object the catalog `known`s already,
    is skipped by PostgreSQL with a NOTICE; then it is recorded as such: it creates nothing,
    so what the migration does next to the object is not done to a new one, and it takes
    none of the locks the creation would (the server checks the name first)."""
    if not (stmt.get("if_not_exists") and known):
        return False
    b.act(kind, *bases, facts, if_not_exists=True, exists_already=True, table_is_new=False)
    return True


def already_exists(what: str, refused: bool = True) -> dict:
    """Facts of a CREATE (or ADD) of a name the catalog knows is taken by `what` (the object,
    as messages name it: "index public.t", "column public.t.c"; "" for a free name):
    `exists_already`, and `name_taken` when PostgreSQL stops with "already exists" and the
    migration fails (`refused`; not for an IF NOT EXISTS that skips the statement)."""
    return {"exists_already": True, "existing_object": what, "name_taken": refused} \
        if what else {}


def name_taken(b: Builder, name: str, relation: bool = True, row_type: bool = True) -> str:
    """What holds `name` (qualified) for sure, as a message names it, for a new object that
    is a relation (`relation`: a row of pg_class) and has a type (`row_type`: a row of
    pg_type, as every relation but an index does; a sequence has none, but the server looks
    for one all the same): "" when the name is free. See `Catalog.relation_named` and
    `Catalog.type_named` (checked on the server: tests/test_rule_facts_pg.py). A table known
    only from an earlier ALTER of it (`Table.known_from_use`) does not take the name: either
    that ALTER or this CREATE fails, and the graph says which when it can
    (tests/graph/test_used_before_created.py); once renamed or moved to it, it does. A name
    an earlier statement of the DO block (or routine body) being judged freed is free
    (`Context.body_freed`)."""
    catalog = b.ctx.catalog
    if not name or not catalog.sure_of(name) or \
            (known := catalog.tables.get(name)) is not None and known.known_from_use and \
            not known.moved_after_use:
        return ""
    freed = b.ctx.body_freed
    return (relation and f"relation:{name}" not in freed and catalog.relation_named(name)) or \
        (row_type and f"type:{name}" not in freed and catalog.type_named(name)) or ""


def key_name_taken(b: Builder, schema: str, constraints: Iterable[dict]) -> str:
    """What holds the name of one of `constraints` (Constraint nodes of a CREATE TABLE or
    ADD COLUMN) that build an index, named after the constraint in `schema` (UNIQUE,
    PRIMARY KEY, EXCLUDE written with CONSTRAINT name): "" when none is taken."""
    for con in constraints:
        if con.get("conname") and con.get("contype") in _INDEX_CONTYPES:
            what = name_taken(b, f"{schema}.{con['conname']}", row_type=False)
            if what:
                return what
    return ""


def sequence_name_taken(b: Builder, sequences: Iterable[str | None]) -> str:
    """What holds the name of one of `sequences` (qualified; None for a column that makes
    none) that serial or identity columns make: a relation, for a SEQUENCE NAME written (a
    generated name is numbered past them), or a type (an enum, a domain...: ChooseRelationName
    looks at pg_class only, and the sequence, though it has no row type, is refused a name
    pg_type has, 42710; checked on 18.6), said with why the statement meets it. "" when
    none is taken."""
    for sequence in sequences:
        what = name_taken(b, sequence) if sequence else ""
        if what:
            return f"{what} (the name of the sequence a serial or identity column makes)"
    return ""


def sequence_owner_refused(b: Builder, table: str,
                           sequences: Iterable[tuple[str, str | None]]) -> dict:
    """The refusal facts (`refused_sequence_schema`) of identity columns of `table`
    (qualified) whose SEQUENCE NAME puts the sequence in another schema (`sequences`: each
    column's name and the sequence it makes, qualified; None for none). The server makes
    the sequence there, then ties it to the column by that schema and the table's bare name
    (ALTER SEQUENCE ... OWNED BY other.t.c): refused (42P01 `relation "other.t" does not
    exist`) when no relation has that name, or (42703 `column "c" of relation "t" does not
    exist`) when the one the catalog knows whole lacks the column; else it ties the
    sequence to that relation's column, and the identity has none (an INSERT fails, XX000
    "no owned sequence found"; checked on 18.6 for CREATE TABLE, ADD COLUMN and ALTER ...
    ADD GENERATED, fix-pg105). {} when none is refused. A relation made outside the
    migrations is not known: its name is taken to be free."""
    catalog = b.ctx.catalog
    schema, _, bare = table.partition(".")
    for column, sequence in sequences:
        other = sequence.partition(".")[0] if sequence else schema
        if other == schema:
            continue
        owner = f"{other}.{bare}"
        known = catalog.fully_known(owner)
        if not catalog.relation_named(owner):
            text = f'relation "{owner}" does not exist'
        elif known is not None and column not in known.columns:
            text = f'column "{column}" of relation "{bare}" does not exist'
        else:
            continue
        return {"refused_sequence_schema": True, "refused_sequence_schema_text": text,
                "refused_sequence_column": column,
                "refused_sequence_name": str(sequence).partition(".")[2]}
    return {}


#: The constraints that build an index named after them.
_INDEX_CONTYPES = frozenset(("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"))


def callers_facts(catalog: Catalog, found: Callers, like: str, qualified: bool,
                  rules: tuple[tuple[str, str], ...] = (),
                  keys: tuple[tuple[str, str], ...] = (),
                  children: tuple[tuple[str, str], ...] = (),
                  routines: tuple[Routine, ...] = (),
                  triggers: tuple[tuple[str, str], ...] = (),
                  policies: tuple[tuple[str, str], ...] = ()) -> dict:
    """The facts naming what `found` holds, the `triggers` (table, trigger) whose WHEN calls
    a routine that goes (or, of DROP COLUMN, that name the column), the row security
    `policies` (table, policy) that go, the `rules` (table or view, rule) of others
    that go too (`drop_rules_naming`), the foreign keys (table, constraint) of other tables
    pointing at a dropped table (`keys`), its inheritance children (child, parent) with
    their rows and the `routines` built on it, written as the user wrote the dropped object
    (`like`, `qualified`), and the statements that drop each by name (a child is detached,
    keeping its rows): the rules first, then the defaults, generated columns, constraints
    and indexes (which may call a routine that goes), the views calling a routine that
    reads a view that goes, those routines (and those before them in `routines`, which
    lists callers first), the other views (those over others first), and the other routines
    last (a view or default may call one). Each runs once those before it have: checked on
    18.6, tests/test_cascade_drops_routine_bodies.py."""
    # Loaded here: only a statement dropping what others depend on needs it
    from lockwise.effects.dependents import (
        ROUTINE_DEPENDENT_KINDS,
        dependents_text,
        drop_first_sql,
        in_made_order,
        made_first,
        views_depth_first,
        views_first_sql,
        views_reading_columns,
    )

    def rel(name: str) -> str:
        return relation_sql(name, like, qualified)
    def calls(some: tuple[Routine, ...]) -> dict[str, str]:
        return {f"{rel(r.name)}({', '.join(r.args)})": ROUTINE_DEPENDENT_KINDS[r.procedure]
                for r in some}
    # (named with the views over each right after it, as the server's NOTICE; fix-pg86)
    shown = views_depth_first(catalog, found.views)
    readers = [i for i, r in enumerate(routines) if not set(r.relations).isdisjoint(found.views)]
    first = calls(routines[:readers[-1] + 1] if readers else ())
    last = calls(routines[readers[-1] + 1 if readers else 0:])
    # The views calling one of `first` (and those over them) go before it: DROP FUNCTION is
    # refused while a view calls it (checked on 18.6).
    callers = {v for v in found.views if (known := catalog.tables.get(v)) is not None and any(
        calls_function(known.uses, r.name) for r in routines[:readers[-1] + 1])} \
        if readers else set()
    callers |= {o for v in callers for o in catalog.views_over(v)}
    kinds = {view: "materialized view" if (known := catalog.tables.get(view)) is not None
             and known.kind == "matview" else "view" for view in found.views}

    # (the views reading a generated column that goes: dropped before it, as DROP COLUMN is
    # refused while one does)
    before_columns = set(views_reading_columns(catalog, found.generated))

    def views(calling: bool) -> tuple[list[str], list[str]]:
        """The views that call one of `first` (or the others): nearest first, and the steps
        dropping those over others first."""
        some = [v for v in found.views if (v in callers) == calling]
        return ([f"the {kinds[v]} {rel(v)}" for v in shown if (v in callers) == calling],
                [drop_first_sql(kinds[v], rel(v)) for v in reversed(some)
                 if v not in before_columns])
    # (what each names, the steps that drop them by name): the blocks in the steps' order,
    # in which each goes once those before it have
    blocks: list[tuple[list[str], list[str]]] = [
        ([f"the policy {quote_ident(p)} on {rel(t)}" for t, p in policies],
         [drop_first_sql("policy", rel(t), p) for t, p in policies]),
        ([f"the rule {quote_ident(r)} on {rel(t)}" for t, r in rules],
         [drop_first_sql("rule", rel(t), r) for t, r in rules]),
        ([f"the DEFAULT of {rel(t)}.{c}" for t, c in found.defaults],
         [drop_first_sql("default", rel(t), c) for t, c in found.defaults]),
        ([f"the generated column {rel(t)}.{c} and its data" for t, c in found.generated],
         [*views_first_sql(catalog, found.generated, rel),
          *(drop_first_sql("column", rel(t), c) for t, c in found.generated)]),
        ([f"the constraint {n} on {rel(t)}" for t, n in found.constraints],
         [drop_first_sql("constraint", rel(t), n) for t, n in found.constraints]),
        ([f"the index {rel(i)}" for i in found.indexes],
         [drop_first_sql("index", rel(i)) for i in found.indexes]),
        ([f"the trigger {quote_ident(n)} on {rel(t)}" for t, n in triggers],
         [drop_first_sql("trigger", rel(t), n) for t, n in triggers]),
        views(calling=True),
        ([f"the {kind} {call}" for call, kind in reversed(first.items())],
         [drop_first_sql(kind, call) for call, kind in first.items()]),
        views(calling=False),
        ([f"the foreign key {quote_ident(n)} on {rel(t)}" for t, n in keys],
         [drop_first_sql("constraint", rel(t), n) for t, n in keys]),
        ([f"the table {rel(c)} (it inherits from {rel(p)}) and its rows" for c, p in children],
         [drop_first_sql("child", rel(c), rel(p)) for c, p in children]),
        ([f"the {kind} {call}" for call, kind in reversed(last.items())],
         [drop_first_sql(kind, call) for call, kind in last.items()])]
    # The server's NOTICE lists what it drops in the reverse of the order it drops them: what
    # uses the dropped object before what uses that (a view over t, the routine reading the
    # view, the view calling the routine: checked on 18.6), so the routines' blocks come
    # before what calls them. Objects that do not depend on each other come in the order
    # they were made (`Catalog.made_order`, fix-pg91); where one has no number (a default,
    # an index, one renamed or not made by the migrations), in the kinds' order: first what
    # does not call a routine that goes (a table's defaults and constraints, then its
    # indexes, the views, the rules of others, foreign keys, children), then the policies
    # and triggers (a migration usually makes them after what they read), then the routines
    # and what calls them (fix-pg86: the server's NOTICE for DROP TABLE / COLUMN ...
    # CASCADE with views, a foreign key, a policy, a trigger and a routine).
    tied = _calling_routines(catalog, routines, rel, kinds) | set(first) | set(last)
    plain = [name for i in (2, 3, 4, 5, 7, 8, 9, 1, 10, 11) for name in blocks[i][0]
             if not any(name.endswith(f" {r}") for r in tied)]
    later = blocks[6][0]  # (the triggers)
    chained = [name for names, _sql in reversed(blocks[1:]) for name in names
               if name not in plain and name not in later]
    policies_named = blocks[0][0]
    # (each once: a policy reading a generated column that goes is among `policies` too)
    sql = list(dict.fromkeys(line for _names, lines in blocks for line in lines))
    made = catalog.made_order
    when = {
        **{f"the policy {quote_ident(p)} on {rel(t)}": made.get(f"policy:{t}.{p}")
           for t, p in policies},
        **{f"the constraint {n} on {rel(t)}": made.get(f"constraint:{t}.{n}")
           for t, n in found.constraints},
        **{f"the foreign key {quote_ident(n)} on {rel(t)}": made.get(f"constraint:{t}.{n}")
           for t, n in keys},
        **{f"the trigger {quote_ident(n)} on {rel(t)}": made.get(f"trigger:{t}.{n}")
           for t, n in triggers},
        **{f"the {kinds[v]} {rel(v)}": made_first(catalog, v, found.views)
           for v in found.views},
        **{f"the {ROUTINE_DEPENDENT_KINDS[r.procedure]} {rel(r.name)}({', '.join(r.args)})":
           made.get(f"routine:{r.name}") for r in routines}}
    # (a routine and what calls it go together, where the first of them was made)
    chain = [when.get(name) for name in chained]
    when.update(dict.fromkeys(chained, None if None in chain else min(chain, default=0)))
    return {"callers_dropped": (*plain, *later, *chained),
            "callers_dropped_policies": tuple(policies_named),
            "callers_dropped_text": dependents_text(in_made_order(
                [*plain, *policies_named, *later, *chained], when)),
            "callers_dropped_sql": "\n".join(sql)}


def _calling_routines(catalog: Catalog, routines: tuple[Routine, ...],
                      rel: Callable[[str], str], kinds: dict[str, str]) -> set[str]:
    """What calls one of `routines` (going with a DROP ... CASCADE), as `callers_facts`
    names them after the words saying their kind (`public.t.c`, `o_ok on t`, `v`)."""
    if not routines:
        return set()
    from lockwise.catalog.replay import routine_dependents

    found = routine_dependents(catalog, routines)
    return {*(f"{rel(t)}.{c}" for t, c in found.defaults),
            *(f"{rel(t)}.{c} and its data" for t, c in found.generated),
            *(f"{n} on {rel(t)}" for t, n in found.constraints),
            *(rel(i) for i in found.indexes),
            *(f"{kinds.get(v, 'view')} {rel(v)}" for v in found.views)}


def server_shown(name: str) -> str:
    """Relation or routine `name` (qualified) as the server's messages name it under the
    default search_path: bare in public, else with its schema."""
    schema, bare = name.split(".", 1)
    return quote_ident(bare) if schema == "public" else quote_qualified(name)


def routine_shown(name: str, args: Iterable[str]) -> str:
    """A routine as the server's messages name it: `f(integer)`, `app.f(integer,text)`
    (format_type's names, no space after a comma; checked on 18.6)."""
    return f"{server_shown(name)}({types_shown(args, ',')})"


def signature_shown(written: list[str], args: Iterable[str]) -> str:
    """A routine as func_signature_string names it in a lookup's error ("function
    app.f(integer, text) is not an aggregate"): its name as written (`written`, unquoted),
    a space after each comma (checked on 18.6)."""
    return f"{'.'.join(written)}({types_shown(args, ', ')})"


def types_shown(args: Iterable[str], comma: str) -> str:
    """Argument types `args` (as `column_type` has them) by format_type's names, joined by
    `comma`: `integer, text`."""
    return comma.join(
        format_type(server_shown(a.removesuffix("[]")) if "." in a else a.removesuffix("[]"),
                    (), a.endswith("[]")) for a in args)


def reference_text(table: str, con: dict, column: str | None, why: str) -> str:
    """`t (a) -> u (b): why`, how a message lists a refused foreign key."""
    columns = ", ".join(strings(con.get("fk_attrs"))) or column or ""
    ref = ", ".join(strings(con.get("pk_attrs"))) or "its primary key"
    return f"{table} ({columns}) -> {range_var(con.get('pktable'))[0]} ({ref}): {why}"


def refused_facts(refused: list[str]) -> dict:
    return {"refused_references": tuple(refused), "refused_references_text": "; ".join(refused)}


#: What PostgreSQL refuses to do to a partitioned table, in its own words (`{name}`: the
#: relation's name as it prints it), with the first and last major versions that refuse it
#: (None: every version). Checked on 15.18 and 18.6; the bounds beyond them from the
#: release notes (CLUSTER of one from 15, REINDEX of a partitioned index from 14, an access
#: method from 17; an unlogged one refused from 18, before a no-op; an exclusion constraint
#: taken from 17; a CHECK or NOT NULL dropped with ONLY from 18, which keeps NOT NULL in
#: pg_constraint and leaves the partitions theirs). That last bound for 16 and 17, not run on
#: a server: their manuals' partitioning limitations (ddl-partitioning, "Limitations") say
#: that once partitions exist ONLY to add or drop a constraint is an error, UNIQUE and
#: PRIMARY KEY excepted (the doc fix of January 2024: the rest unchanged since 10), and no
#: 16 or 17 release note found lifts it; 18.6 takes it.
_PARTITIONED_REFUSALS: dict[str, tuple[str, int | None, int | None]] = {
    "storage_parameters": ("cannot specify storage parameters for a partitioned table",
                           None, None),
    "set_logged": ('ALTER action SET LOGGED cannot be performed on relation "{name}": '
                   "this operation is not supported for partitioned tables", 18, None),
    "set_unlogged": ('ALTER action SET UNLOGGED cannot be performed on relation "{name}": '
                     "this operation is not supported for partitioned tables", 18, None),
    "unlogged": ("partitioned tables cannot be unlogged", 18, None),
    "no_inherit_check": ('cannot add NO INHERIT constraint to partitioned table "{name}"',
                         None, None),
    "no_inherit_not_null": ("not-null constraints on partitioned tables cannot be NO INHERIT",
                            None, None),
    "cluster_on": ("cannot mark index clustered in partitioned table", None, None),
    "set_access_method": ("cannot change access method of a partitioned table", None, 16),
    "access_method": ("specifying a table access method is not supported on a partitioned "
                      "table", None, 16),
    "cluster": ("cannot cluster a partitioned table", None, 14),
    "reindex_index": ("REINDEX is not yet implemented for partitioned indexes", None, 13),
    "unique_without_key": ("unique constraint on partitioned table must include all "
                           'partitioning columns: {kind} constraint on table "{name}" lacks '
                           'column "{column}" which is part of the partition key', None, None),
    "unique_key_expression": ("unsupported {kind} constraint with partition key definition",
                              None, None),
    "only_foreign_key": ('cannot use ONLY for foreign key on partitioned table "{name}" '
                         'referencing relation "{ref}"', None, None),
    "inherit_partitioned": ("cannot change inheritance of partitioned table", None, None),
    "inherit_partition": ("cannot change inheritance of a partition", None, None),
    "inherit_from_partitioned": ('cannot inherit from partitioned table "{name}"', None, None),
    # ATTACH PARTITION to a plain table (42809), of a table that is a partition already, a
    # typed table, an inheritance child or a plain inheritance parent (42809, named: the
    # attached table), or of the table itself or one above it in its partition tree (42P07:
    # `circular`, as INHERIT of the table itself or of one below it).
    "attach_not_partitioned": ('ALTER action ATTACH PARTITION cannot be performed on relation '
                               '"{name}"', None, None),
    "attach_partition": ('"{name}" is already a partition', None, None),
    "attach_typed": ("cannot attach a typed table as partition", None, None),
    "attach_inheritance_child": ("cannot attach inheritance child as partition", None, None),
    "attach_inheritance_parent": ("cannot attach inheritance parent as partition", None, None),
    "circular": ("circular inheritance not allowed", None, None),
    # CREATE TABLE t PARTITION OF t / INHERITS (t), t's name after resolution (checked on
    # 18.6, tests/test_refused_statements.py): IF NOT EXISTS of a relation t skips it with a
    # NOTICE; else the parent is looked up before t is made (42P01, the parent as written),
    # one that is no table refused (42809), one partitioned refused as INHERITS's parent
    # (`inherit_from_partitioned`), then t's name is taken (42P07, the bare name).
    "own_parent_exists": ('relation "{name}" already exists', None, None),
    "own_parent_skipped": ('relation "{name}" already exists, skipping', None, None),
    "own_parent_not_table": ('inherited relation "{name}" is not a table or foreign table',
                             None, None),
    "own_parent_missing": ('relation "{parent}" does not exist', None, None),
    "truncate_only": ("cannot truncate only a partitioned table", None, None),
    "drop_key_column": ('cannot drop column "{column}" because it is part of the partition '
                        'key of relation "{name}"', None, None),
    "alter_key_column": ('cannot alter column "{column}" because it is part of the partition '
                         'key of relation "{name}"', None, None),
    "drop_inherited_column": ('cannot drop inherited column "{column}"', None, None),
    "alter_inherited_column": ('cannot alter inherited column "{column}"', None, None),
    "rename_inherited_column": ('cannot rename inherited column "{column}"', None, None),
    "drop_not_null_inherited": ('column "{column}" is marked NOT NULL in parent table',
                                None, None),
    # A partition's CHECK from its parent; its NOT NULL from its parent, a constraint with a
    # name from 18 on (before, DROP CONSTRAINT finds none of that name).
    "drop_inherited_check": ('cannot drop inherited constraint "{constraint}" of relation '
                             '"{name}"', None, None),
    "drop_inherited_not_null": ('cannot drop inherited constraint "{constraint}" of relation '
                                '"{name}"', 18, None),
    "only_drop_constraint": ("cannot remove constraint from only the partitioned table when "
                             "partitions exist", None, 17),
    "exclusion": ("exclusion constraints are not supported on partitioned tables", None, 16),
    "exclusion_not_equal": ('cannot match partition key to index on column "{column}" using '
                            'non-equal operator "{operator}"', None, None),
}


#: What a refusal of `_PARTITIONED_REFUSALS` is about, as the rule's message says it after
#: the table's name: the partitioning, but for a partitioned table made its own ancestor
#: (ATTACH PARTITION of itself or of a table above it) and one named its own parent. (A
#: plain table's INHERIT cycle is no partitioning matter: `refused_circular_inheritance`.)
FOR_PARTITIONING = "for its partitioning"
AS_OWN_ANCESTOR = "as it would become its own ancestor"
AS_OWN_PARENT = "as it is named its own parent"
_REFUSED_FOR = {"circular": AS_OWN_ANCESTOR, "own_parent_exists": AS_OWN_PARENT,
                "own_parent_skipped": AS_OWN_PARENT, "own_parent_not_table": AS_OWN_PARENT,
                "own_parent_missing": AS_OWN_PARENT}


def refused_on_partitioned(ctx: Context, what: str, name: str, **words: str) -> dict:
    """The facts of a partitioned table's refusal of `what` (a key of
    `_PARTITIONED_REFUSALS`; the caller knows the table is one), when the version in force
    refuses it: `refused_on_partitioned` and the server's message. A refusal that depends on
    the version is said only when the version is stated (--pg-version): the default is a
    guess, and a statement some versions run is no error of the migration's. `words`: the
    other names the message prints."""
    text = _refusal(ctx, _PARTITIONED_REFUSALS[what], name, words)
    return partitioned_refusal(text, _REFUSED_FOR.get(what, FOR_PARTITIONING)) if text else {}


def partitioned_refusal(text: str, about: str) -> dict:
    """`refused_on_partitioned` with the server's words (`text`, several joined when which
    one depends on what the catalog does not know) and what the refusal is about (`about`,
    `refused_on_partitioned_for`: one of the phrases above)."""
    return {"refused_on_partitioned": True, "refused_on_partitioned_text": text,
            "refused_on_partitioned_for": about}


#: What PostgreSQL refuses to do to an inheritance child alone, for what it has from its
#: parents (checked on 15.18 and 18.6), as `_PARTITIONED_REFUSALS` words them: a partition
#: is refused the same, for the same reason.
_INHERITANCE_REFUSALS = {what: _PARTITIONED_REFUSALS[what] for what in (
    "drop_inherited_column", "alter_inherited_column", "rename_inherited_column",
    "drop_inherited_check", "drop_inherited_not_null")}


def refused_by_inheritance(ctx: Context, what: str, name: str, **words: str) -> dict:
    """`refused_on_partitioned` for an inheritance child (`what`: a key of
    `_INHERITANCE_REFUSALS`): `refused_by_inheritance` and the server's message."""
    text = _refusal(ctx, _INHERITANCE_REFUSALS[what], name, words)
    return {"refused_by_inheritance": True, "refused_by_inheritance_text": text} if text else {}


def _refusal(ctx: Context, refusal: tuple[str, int | None, int | None], name: str,
             words: dict[str, str]) -> str:
    """The server's message for `refusal` (text, first and last version refusing) when the
    version in force refuses it; "" when not, or not known to (the bound unstated)."""
    text, first, last = refusal
    if (first is not None or last is not None) and not ctx.pg_version_stated:
        return ""
    if first is not None and ctx.pg_version < first or \
            last is not None and ctx.pg_version > last:
        return ""
    return text.format(name=name.split(".", 1)[-1], **words)


def unique_key_refused(ctx: Context, keyed: Iterable[tuple[str, Sequence[str]]],
                       columns: Sequence[str], kind: str) -> dict:
    """A unique index or a UNIQUE / PRIMARY KEY (`kind`, as the server names it) with key
    `columns` on the partitioned tables `keyed` ((table, partition key): the table itself and
    the partitioned partitions it reaches, `partitioned_keys`): refused unless each partition
    key column of each is a plain key column (not an expression, not INCLUDE), and always
    when a partition key has an expression (checked on the server)."""
    for table, partition_key in keyed:
        if "(expression)" in partition_key:
            return refused_on_partitioned(ctx, "unique_key_expression", table, kind=kind)
        missing = [c for c in partition_key if c not in columns]
        if missing:
            return refused_on_partitioned(ctx, "unique_without_key", table, kind=kind,
                                          column=missing[0])
    return {}


def exclusion_refused(ctx: Context, keyed: Sequence[tuple[str, Sequence[str]]],
                      elements: Sequence[tuple[str, str]]) -> dict:
    """An EXCLUDE constraint of `elements` ((column, operator): `exclusion_columns`) on the
    partitioned tables `keyed` (`partitioned_keys`): refused before 17 whatever it is; from
    17, as a unique key is (`unique_key_refused`), unless each partition key column is one
    of its columns, compared with `=` (checked on 15.18 and 18.6)."""
    if not keyed:
        return {}
    if facts := refused_on_partitioned(ctx, "exclusion", keyed[0][0]):
        return facts
    columns = [column for column, _ in elements if column]
    if facts := unique_key_refused(ctx, keyed, columns, "EXCLUDE"):
        return facts
    for table, partition_key in keyed:
        for column, operator in elements:
            if column in partition_key and operator != "=":
                return refused_on_partitioned(ctx, "exclusion_not_equal", table,
                                              column=column, operator=operator)
    return {}


def only_drop_refused(b: Builder, table: str, base: dict) -> dict:
    """ALTER TABLE ONLY `table`, a partitioned table with partitions, dropping a CHECK or a
    NOT NULL (the caller knows it does): refused before 18, the partitions' own copies being
    the parent's (checked on 15.18; 18.6 takes it and leaves the partitions theirs). A
    UNIQUE, PRIMARY KEY or foreign key is dropped with ONLY by every version."""
    if not base.get("only") or "recursed_from" in base or not b.ctx.catalog.partitions(table):
        return {}
    return refused_if_partitioned(b, table, "only_drop_constraint")


def partition_column_refused(b: Builder, table: str, column: str, verb: str,
                             base: dict) -> dict:
    """DROP COLUMN (`verb` "drop"), ALTER COLUMN ... TYPE ("alter") or RENAME COLUMN
    ("rename") of `column`, written on `table` (not reached from its parent: `base`),
    refused for partitioning: a partition's columns are all its parent's, and a partition
    key column of `table`, or without ONLY of a partitioned table below it, may be neither
    dropped nor retyped (checked on the server). An inheritance child's column that a parent
    has too (even one the child wrote itself, merged with it) is refused alike
    (`refused_by_inheritance`)."""
    if "recursed_from" in base:
        return {}
    catalog = b.ctx.catalog
    known = catalog.tables.get(table)
    if known is not None and known.partition_of and column in known.columns:
        return refused_on_partitioned(b.ctx, f"{verb}_inherited_column", table, column=column)
    if known is not None and column in known.columns and any(
            column in parent.columns for parent in inheritance_parents(catalog, known)):
        return refused_by_inheritance(b.ctx, f"{verb}_inherited_column", table, column=column)
    if verb == "rename":
        return {}
    for keyed, key in partitioned_keys(catalog, table, bool(base.get("only"))):
        if column in key:
            return refused_on_partitioned(b.ctx, f"{verb}_key_column", keyed, column=column)
    return {}


def inheritance_parents(catalog: Catalog, known: Table) -> list[Table]:
    """The tables `known` INHERITS from that the catalog knows (not its partitioned table)."""
    return [parent for name in known.inherits
            if (parent := catalog.tables.get(name)) is not None]


def partitioned_keys(catalog: Catalog, table: str, only: bool) -> list[tuple[str, tuple]]:
    """The partition keys a unique key on partitioned `table` must hold: its own, and
    without ONLY those of its partitioned partitions, which get the key too."""
    below = () if only else catalog.partitions(table)
    return [(t, known.partition_key) for t in (table, *below)
            if (known := catalog.tables.get(t)) is not None and known.kind == "partitioned"]


def refused_if_partitioned(b: Builder, table: str, what: str) -> dict:
    """`refused_on_partitioned` of `what` done to `table`, when the catalog knows it is a
    partitioned table."""
    if (b.ctx.catalog.tables.get(table) or NO_TABLE).kind != "partitioned":
        return {}
    return refused_on_partitioned(b.ctx, what, table)



def scan_fk_lookups(b: Builder, target: str, referencing: str,
                    by_index: bool = False) -> None:
    """Validating a foreign key of `referencing` reads the referenced table: each partition of
    a partitioned one, which its query locks ACCESS SHARE at least (checked on the server).
    `by_index`: the rows are looked up one by one in the referenced key's index, under the
    same locks, and the referenced table is not read in full. A referencing table sure to
    hold no row has nothing to look up: the referenced table is not read at all (checked on
    the server: 0 scans of a 200,000-row table)."""
    reads = not by_index and not b.ctx.table_is_empty(referencing)
    for rel in (target, *b.ctx.catalog.partitions(target)):
        b.lock(rel, L.ACCESS_SHARE)
        if reads:
            b.scan(rel, "foreign key validation: keys looked up in it")


def fk_target(b: Builder, target: str) -> None:
    # A foreign key to a partitioned table gets its action triggers on every partition.
    for rel in (target, *b.ctx.catalog.partitions(target)):
        b.lock(rel, L.SHARE_ROW_EXCLUSIVE)
    b.reads.add(f"table:{target}")


def drop_fk_triggers(b: Builder, target: str) -> None:
    """A foreign key's action triggers on `target` (each partition of it too) are dropped:
    ACCESS EXCLUSIVE on each (checked on the server)."""
    for rel in (target, *b.ctx.catalog.partitions(target)):
        b.lock(rel, L.ACCESS_EXCLUSIVE)


def drop_rules_naming(b: Builder, relations: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`relations` are dropped (a DROP ... CASCADE): the rules of the tables and views that
    name one of them (reading or writing it, or by a regclass constant) go too, each under
    ACCESS EXCLUSIVE on its table or view, which stays (checked on 18.6). The (table or
    view, rule) pairs of those not among `relations`, for `callers_facts`."""
    catalog = b.ctx.catalog
    relations = tuple(relations)
    dropped: dict[tuple[str, str], None] = {}
    for relation in relations:
        for ruled in catalog.tables_with_rules_naming(relation):
            b.lock(ruled.name, L.ACCESS_EXCLUSIVE)
            if ruled.name not in relations:
                dropped.update(((ruled.name, name), None) for name, rule in ruled.rules.items()
                               if rule.names(relation))
    return tuple(dropped)


def drop_routines(b: Builder, routines: Iterable[Routine]) -> tuple[Routine, ...]:
    """`routines` go with what a DROP ... CASCADE drops (they lock nothing): each name whose
    every overload goes is dropped. Them, for `callers_facts`."""
    routines = tuple(routines)
    for name in {r.name for r in routines}:  # (another overload of the name stays)
        if set(b.ctx.catalog.kept_routines.get(name, ())) <= set(routines):
            b.drops.add(f"function:{name}")
    return routines


def drop_foreign_keys_using(b: Builder, table: str, columns: tuple[str, ...]) -> None:
    """CASCADE of the unique index over `columns` of `table` (a key's, or one of its own)
    drops the foreign keys that use it, each under ACCESS EXCLUSIVE on its table (checked on
    the server)."""
    drop_foreign_keys(b, b.ctx.catalog.foreign_keys_using(table, columns))


def drop_foreign_keys(b: Builder, keys: Iterable[tuple[str, Constraint]]) -> None:
    """A CASCADE drops the foreign `keys` (referencing table, key), each under ACCESS
    EXCLUSIVE on its table (checked on the server)."""
    for other, fk in keys:
        b.lock(other, L.ACCESS_EXCLUSIVE)
        b.drops.add(f"constraint:{other}.{fk.name}")


class _NoTable:
    """A table the catalog does not know, as the effect model reads one: no kind, columns,
    constraints, partition parent, inheritance parents, row type or maker known."""

    kind = ""
    columns: dict = {}
    constraints: dict = {}
    partition_of: str | None = None
    inherits: tuple[str, ...] = ()
    of_type: str | None = None
    created_by: str | None = None


NO_TABLE = _NoTable()


def lock_partition_ancestors(b: Builder, table: str) -> None:
    """Rows written into a partition named directly (INSERT, UPDATE, COPY FROM) are checked
    against its partition constraint, built from every partitioned table above it: each is
    opened ACCESS SHARE (checked on the server; DELETE and SELECT open none)."""
    known = b.ctx.catalog.tables.get(table)
    if known is not None and known.partition_of:
        for ancestor in partition_lineage(b.ctx.catalog, table)[1:]:
            b.lock(ancestor.name, L.ACCESS_SHARE)


def partition_lineage(catalog: Catalog, table: str) -> list[Table]:
    """`table` and the partitioned tables above it, nearest first (those known)."""
    out: list[Table] = []
    current = catalog.tables.get(table)
    while current is not None and all(current.name != t.name for t in out):
        out.append(current)
        current = catalog.tables.get(current.partition_of) if current.partition_of else None
    return out
