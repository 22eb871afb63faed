"""What the effect model needs to know besides the statement itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from lockwise.catalog.model import Catalog, Index
from lockwise.core.deferred import bound_on_use
from lockwise.effects.locks import relation_is_new
from lockwise.effects.versions import DEFAULT_PG_VERSION, SUPPORTED_PG_VERSIONS

if TYPE_CHECKING:
    from lockwise.catalog.overloads import Routine
    from lockwise.core.types import Action, Effect

#: Imported at their first use: an import statement in a function runs at each call.
_replay = bound_on_use(globals(), "_replay", "lockwise.catalog.replay")
_volatility = bound_on_use(globals(), "_volatility", "lockwise.effects.volatility")

__all__ = ["DEFAULT_PG_VERSION", "SUPPORTED_PG_VERSIONS", "Context", "NewInRun", "Prepared",
           "relation_is_new", "runs_unseen_code", "track_constant_columns", "track_new_objects",
           "track_null_columns",
           "written_tables"]


class Prepared:
    """A statement the session PREPAREd (`Context.prepared`): its query's parse tree
    (`query`), its text as written (`text`), and the PREPARE's place in the migration
    (`at`, 1 for its first statement); and what the server's analysis bound it to, which an
    EXECUTE runs until something has the server analyze it again by its names
    (`Session.prepared`, checked on 18.6): `bound`, `query` with each relation it names
    unqualified in the schema the analysis found it in (`nodes.bound_relations`; None
    while an EXECUTE would analyze it again); `relations`, those the analysis opened (the
    statement's and its views': a change to one has the server analyze it again); `path`,
    the search_path it was analyzed under (`Session.search_path`: under another, an
    EXECUTE analyzes it again). (Not a named tuple nor a dataclass: read in place, never
    compared or printed, and making either costs every lint's cold start.)"""

    __slots__ = ("at", "bound", "path", "query", "relations", "text")

    def __init__(self, query: dict, text: str, at: int, bound: dict | None = None,
                 relations: frozenset[str] = frozenset(),
                 path: tuple[str, ...] | None = None) -> None:
        self.query = query
        self.text = text
        self.at = at
        self.bound = bound
        self.relations = relations
        self.path = path

    def runs(self, path: tuple[str, ...] | None) -> dict:
        """The statement an EXECUTE under search_path `path` runs: the one bound, or
        `query` analyzed again by its names."""
        return self.bound if self.bound is not None and path == self.path else self.query

    def rebound(self, bound: dict | None, relations: frozenset[str] | None = None,
                path: tuple[str, ...] | None = None) -> Prepared:
        """The same statement bound anew (`bound` None: to be analyzed again; `relations`
        and `path` kept when not given)."""
        if relations is None:
            relations, path = self.relations, self.path
        return Prepared(self.query, self.text, self.at, bound, relations, path)


#: The facts computed only with `Context.advice_facts`: statements of a rule's safe
#: alternative (DROP TABLE's rename instead, a partition's detach first).
ADVICE_FACTS = ("deprecated_name", "deprecated_names_sql", "drop_partition_sql")


@dataclass(slots=True)
class Context:
    """The state in force when a statement runs."""

    catalog: Catalog = field(default_factory=Catalog)
    pg_version: int = DEFAULT_PG_VERSION
    #: The version was said (or is the server's own), not assumed: only then is the syntax it
    #: lacks stated (effects/syntax_versions.py), and a run that assumes pays nothing for it.
    pg_version_stated: bool = False
    migration_id: str = ""
    #: Tables created earlier in the same migration: new, so empty and unseen by the application.
    new_tables: set[str] = field(default_factory=set)
    #: Those of `new_tables` that already hold rows copied from older tables (CREATE TABLE AS,
    #: INSERT ... SELECT): unseen by the application, but not empty.
    filled_tables: set[str] = field(default_factory=set)
    in_transaction: bool = False
    #: The names of the savepoints open in the transaction block, oldest first (as the
    #: session follows them: `Session.savepoints`); None outside a block, where the server
    #: refuses every savepoint command whatever its name.
    savepoints: tuple[str, ...] | None = None
    #: The statements the session PREPAREd and has not forgotten (DEALLOCATE, DISCARD ALL),
    #: by name, as the session follows them (`Session.prepared`): what an EXECUTE runs. None
    #: where no session is followed (the conflict graph's own replay of a file that PREPAREs
    #: nothing, the executor's plan): an EXECUTE is then neither run nor refused.
    prepared: Mapping[str, Prepared] | None = None
    #: The statement being judged is a prepared one an EXECUTE runs: `lockwise apply` cannot
    #: batch it (a batch directive would mark the EXECUTE, which it refuses to batch).
    executed: bool = False
    #: check_function_bodies as the session has it (off: a string body of a SQL routine is
    #: not analyzed at CREATE, effects/postgres/sql_body_names.py).
    check_function_bodies: bool = True
    #: The text of the statement being judged, when the caller has it (the text its tree was
    #: parsed from, holding every name the tree does): a search of it spares most statements
    #: the walks for syntax the stated version lacks (syntax_versions.py) and for regclass
    #: constants (volatility.py).
    statement_sql: str | None = None
    session_timezone_utc: bool = False
    #: The database's default collation, as the config (`collation`) or the statistics of a
    #: live database name it (`effects.collations`); None: not known, taken not to be in
    #: byte order. Decides whether a plain B-tree serves a pattern's prefix.
    default_collation: str | None = None
    #: Collect the string constants of each statement (Effect.literals): set while an enum
    #: value added in the open transaction could be used too early.
    watch_literals: bool = False
    #: Tables whose rows an INSERT or UPDATE of the open transaction wrote. PostgreSQL checks
    #: the foreign keys of such a row again when it is updated, whether or not the key
    #: changes (ri_triggers.c: the row's insert-time check no longer applies).
    written_in_transaction: set[str] = field(default_factory=set)
    #: In a routine's body whose run is kept (effects/postgres/body_runs.py): what it asked
    #: of the sets `body_runs.ASKED_SETS` name, each question (the set's field, the member asked
    #: about) noted by the method that answers it (`written_before`, `table_is_filled`,
    #: `table_is_empty`, `filled_since`): its run is kept by those answers, not by the
    #: sets whole. None elsewhere.
    members_asked: set[tuple[str, str]] | None = None
    #: (table, event) pairs whose rules the write being judged already runs: a rule's action
    #: that writes back to one is the server's "infinite recursion" error, not expanded again.
    expanding_rules: frozenset[tuple[str, str]] = frozenset()
    #: The routines (overloads) whose bodies the statement being judged runs: a call of one
    #: of them in its own body is not expanded again (effects/postgres/routines.py).
    expanding_routines: frozenset[Routine] = frozenset()
    #: A statement a DO block or a routine's body runs: the catalog is the one from before
    #: the body, without what its earlier statements did (so a routine it calls has no guard
    #: the catalog may answer: effects/postgres/embedded.py).
    in_body: bool = False
    #: Tables that hold no row for sure: created by this migration (not AS a query) or
    #: TRUNCATEd in the open transaction block, and not written since. TRUNCATE keeps its
    #: ACCESS EXCLUSIVE lock until commit, so no other session can insert in between; a
    #: DELETE takes a weaker lock and empties nothing for sure (concurrent inserts).
    empty_tables: set[str] = field(default_factory=set)
    #: Those of `empty_tables` that a TRUNCATE emptied: forgotten when the transaction ends.
    truncated_in_transaction: set[str] = field(default_factory=set)
    #: Columns this migration added without a default, (table, column), NULL in every
    #: row, that no statement has written since (any write to the table, or code lockwise
    #: does not read whole, forgets them): a WHERE that only tests one IS NULL matches every
    #: row (effects/postgres/queries.py). Not across migrations: code deployed between two
    #: may fill the column.
    null_columns: set[tuple[str, str]] = field(default_factory=set)
    #: Columns this migration added with a constant default (not NULL nor volatile), one
    #: value in every row, forgotten as `null_columns` are: an UPDATE joined on one of its
    #: table's changes every row or none (effects/postgres/queries.py). A DO block's
    #: statements follow them too, and add those they add for sure (embedded.py).
    constant_columns: set[tuple[str, str]] = field(default_factory=set)
    #: Compute the facts that only rules' alternatives read, SQL written back for the user
    #: (an UPDATE's statement to run in batches, a new column's backfill value, deparsed
    #: through pglast's printer: about a millisecond each), and those only rules' `when`s
    #: and messages read: whether an UPDATE / DELETE is batched (`limited`, False without)
    #: and the locks DROP COLUMN / ALTER COLUMN TYPE take on the column's sequences,
    #: those a stored expression's regclass constants take (`lock_stored_regclass_constants`)
    #: and those on the sequences a default names (stored, or drawn from by an ADD COLUMN's
    #: rewrite or an INSERT), and whether an index serves an UPDATE's or DELETE's WHERE
    #: (`where_facts`, which lint's cost reads too; `where_scans_table` is False without).
    #: Off for a reader that shows no alternative and reads neither those facts nor the
    #: locks: the conflict graph when it computes effects itself. (What decides a refusal
    #: is computed either way, the foreign keys PostgreSQL refuses for want of a key,
    #: `refused_references`, among them: the graph replays only what runs, as lint does.)
    rule_text: bool = True
    #: With `rule_text`: compute the facts only rules' safe alternatives read, statements
    #: written back for the user (`ADVICE_FACTS`), and the locks only rules read (as gated
    #: by `rule_text`). Off where an effect is judged for refusals only (the conflict
    #: graph's down check, `graph.down.refusal_context`): a refusal is reported with its
    #: rule's message, never its advice, and judged from actions' facts, never the locks;
    #: the advice facts are still computed there when a refusal rule reads one.
    advice_facts: bool = True
    locks_read: bool = True
    #: Compute the facts only `lockwise fix`'s expand / contract rewrite of an ALTER COLUMN
    #: TYPE or a RENAME COLUMN reads (`expand_contract.expand_contract_facts`: the column's
    #: indexes, constraints, dependents, NOT NULL and default): no rule reads them, lint writes no
    #: rewrite of those two rules (`fix.REWRITTEN`), and the printers drop them. Off where
    #: no fix is planned from the effects: lint whose reports keep only what is printed
    #: (`lint.analyze_migration`'s `release`: beside the conflict graph built in a forked
    #: child, or against --base), and the graph when it computes effects itself.
    fix_facts: bool = True
    #: False for a statement that is planned, not run (EXPLAIN without ANALYZE): it takes the
    #: locks of its parse, rewrite and plan only, never its executor's (foreign-key checks,
    #: the partitions an INSERT routes rows to).
    executes: bool = True
    #: False for a statement only parsed and rewritten (PREPARE): the planner's locks on the
    #: partitions and inheritance children of what it names are not taken either.
    plans: bool = True
    #: False for a statement only parsed (a rule's actions): the rewriter does not expand the
    #: views it names either, locked alone in its modes.
    rewrites: bool = True
    #: The indexes a DO block's (or routine body's) earlier statements created, which the
    #: catalog from before the body lacks (effects/postgres/embedded.py): a later DROP INDEX,
    #: ALTER INDEX or REINDEX INDEX of one finds its table there (`index`).
    body_indexes: dict[str, Index] = field(default_factory=dict)
    #: The names a DO block's (or routine body's) earlier statements freed, which the catalog
    #: from before the body still holds: "relation:<qualified name>" of a relation they
    #: dropped or renamed away (and of the indexes of a table they dropped), "type:<name>" of
    #: its row type or of a type they dropped; a name they took again leaves it. A later
    #: CREATE of one finds it free (embedded.py, builder.name_taken; checked on 18.6).
    body_freed: frozenset[str] = frozenset()
    #: Likewise the materialized views they created, each with the relations its query names
    #: (`Table.sources`): a later REFRESH of one runs that query (`read_by`).
    body_views: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def changed(self, **changes: Any) -> Context:
        """A copy of this context with `changes` (`dataclasses.replace`, which checks and
        gathers each field by name: about three times the cost, paid for each statement of
        a DO block or routine body the effect model follows). Each field as it is, a
        container shared as `replace` shares it."""
        global _field_values
        if _field_values is None:  # (at the first copy: not every run copies one)
            _field_values = attrgetter(*(f.name for f in fields(Context)))
        copy = Context(*_field_values(self))
        for name, value in changes.items():
            setattr(copy, name, value)
        return copy

    def written_before(self, table: str) -> bool:
        """Whether an INSERT or UPDATE of the open transaction wrote rows of `table`
        (`written_in_transaction`; noted as asked: `members_asked`)."""
        if self.members_asked is not None:
            self.members_asked.add(("written_in_transaction", table))
        return table in self.written_in_transaction

    def index(self, name: str) -> Index | None:
        """Index `name` (qualified) as the catalog knows it, or as the body made it."""
        return self.catalog.indexes.get(name) or self.body_indexes.get(name)

    def read_by(self, view: str) -> list[str]:
        """The relations a query of materialized view `view` reads (`Catalog.read_by`), of
        one the body made too."""
        return self.catalog.read_by(view, self.body_views.get(view))

    def table_is_new(self, table: str) -> bool:
        """Whether relation `table` (a table, view, materialized view, sequence or index)
        was made earlier in the same migration (`relation_is_new`)."""
        return relation_is_new(self.new_tables, table)

    def table_is_filled(self, table: str) -> bool:
        """Whether new table `table` holds rows copied from older tables (`filled_tables`;
        noted as asked: `members_asked`)."""
        if self.members_asked is not None:
            self.members_asked.add(("filled_tables", table))
        return table in self.filled_tables

    def filled_since(self, filled: AbstractSet[str]) -> set[str]:
        """The tables of `filled` (a copy of `filled_tables` a DO block's statements filled
        more of) not filled in this context, each asked (`table_is_filled`)."""
        return {table for table in filled if not self.table_is_filled(table)}

    def table_is_empty(self, table: str) -> bool:
        """Whether `table` holds no row for sure (`empty_tables`; noted as asked:
        `members_asked`)."""
        if self.members_asked is not None:
            self.members_asked.add(("empty_tables", table))
        return table in self.empty_tables

    def column_is_new(self, table: str, column: str) -> bool:
        """Added earlier in the same migration (lint files it as `column:table.col`)."""
        return f"column:{table}.{column}" in self.new_tables

    def object_is_new(self, key: str) -> bool:
        """Whether the object `key` names ("function:public.f", "schema:app", as
        `renames.renamed_object` writes them) was made, or given its name, earlier in the
        same migration or DO block (`track_new_objects`): no running code uses it by that
        name yet."""
        return key in self.new_tables or f"{_RENAMED}{key}" in self.new_tables

    def object_made(self, key: str) -> bool:
        """Whether the object `key` names ("type:public.mood") was made earlier in the same
        migration or DO block: no running code uses it yet, by any name (one renamed is the
        object that was there)."""
        return key in self.new_tables


#: The values of every field of a `Context`, in the order its `__init__` takes them
#: (`Context.changed`).
_field_values: Callable[[Context], tuple] | None = None

#: Before an object key: the object was there before the migration, and took that name in it
#: (a rename): new to code as a name (`Context.object_is_new`), not as an object.
_RENAMED = "renamed:"


class NewInRun:
    """What the earlier migrations of one run (applied one after another by one `lockwise
    apply`) created: new to production for the later ones of the run too, as within one
    migration (Context's fields of the same names). (Not a dataclass: `lockwise apply` makes
    one, and a dataclass costs every lint about 1 M instructions to make.)"""

    __slots__ = ("empty_tables", "filled_tables", "new_tables")

    def __init__(self) -> None:
        self.new_tables: set[str] = set()
        self.filled_tables: set[str] = set()
        self.empty_tables: set[str] = set()

    def seed(self, ctx: Context) -> None:
        """Start a migration of the run with what the earlier ones created."""
        ctx.new_tables.update(self.new_tables)
        ctx.filled_tables.update(self.filled_tables)
        ctx.empty_tables.update(self.empty_tables)

    def keep(self, ctx: Context) -> None:
        """What the run created, once a migration of it ended. A table a TRUNCATE emptied is
        empty only while its transaction holds the lock: not in the next migration."""
        self.new_tables = set(ctx.new_tables)
        self.filled_tables = set(ctx.filled_tables)
        self.empty_tables = ctx.empty_tables - ctx.truncated_in_transaction


#: Statements that put the rows of the tables they read into the table (or materialized
#: view) they name.
_FILLING_ACTIONS = ("create_table_as", "insert", "create_materialized_view",
                    "refresh_materialized_view")
#: Those of them that make the table they fill.
_MADE_FILLED = ("create_table_as", "create_materialized_view")


def _track_filled_tables(ctx: Context, effect: Effect) -> None:
    """A table new in this migration that a statement fills from an older table (read before
    this statement is tracked) holds that table's rows: checking them (a foreign key's
    validation) takes as long as on any table, while it locks the older tables it names."""
    filling = [a for a in effect.actions if a.kind in _FILLING_ACTIONS]
    if not filling:  # nearly every statement
        return
    older = any(kind == "table" and name not in ctx.new_tables
                for kind, _, name in (r.partition(":") for r in effect.reads))
    if not older:
        return
    for action in filling:
        if action.facts.get("with_data", True) and not action.facts.get("writes_no_rows"):
            table = action.facts.get("table", "")
            if table in ctx.new_tables or action.kind in _MADE_FILLED:
                ctx.filled_tables.add(table)


#: The kinds of `Effect.creates` whose objects are new for the statements after them, under
#: their keys (a routine's: only one of a name the catalog did not know, below).
_NEW_OBJECT_KINDS = ("type", "schema", "sequence", "index")
#: The actions that make a routine (an aggregate is one), new unless the catalog knew its
#: name: an OR REPLACE replaces it, an overload joins it, and their callers go on.
_ROUTINE_MADE = {"create_function": "function", "create_aggregate": "aggregate"}
#: The actions that give an object another name (or schema): what they "create" is the
#: object that was there, new only if it was (below).
_RENAMING = frozenset({"rename_table", "rename_index", "rename_other", "set_schema"})


def track_new_objects(ctx: Context, effect: Effect) -> None:
    """What `effect` made new for the statements after it (Context.new_tables: its tables,
    views, types, schemas, sequences (a serial's and an identity's too), routines, indexes
    and the columns it added, and the names it gave them; the names it gave an object that
    was there, which no running code uses yet, as such (`Context.object_is_new`);
    Context.filled_tables: the new tables it filled from older ones): lint's, after each
    statement of a migration, and a DO block's, after each statement it runs. A DO block's
    statements count through the block's action, which says what it made for sure
    (`made_new`: embedded.py), as what its branches make may not be made."""
    _track_filled_tables(ctx, effect)
    # A renamed (or moved) table "creates" its new name, but it is the same table with the
    # same rows: it is new only if the old one was (below).
    if not any(a.kind in _RENAMING for a in effect.actions):
        for obj in effect.creates:
            kind, _, name = obj.partition(":")
            if kind in ("table", "view"):
                _made_relation(ctx, name)
            elif kind in _NEW_OBJECT_KINDS:
                ctx.new_tables.add(obj)
    for action in effect.actions:
        f = action.facts
        if f.get("in_do_block"):
            continue
        if action.kind in ("rename_table", "set_schema") and f.get("table") and \
                relation_is_new(ctx.new_tables, f["table"]):
            # (with the sequences of its serial and identity columns, which SET SCHEMA
            # moves with it: checked on 18.6)
            schema, _, name = f["table"].partition(".")
            _made_relation(ctx, f"{f.get('new_schema') or schema}.{f.get('new_name') or name}")
        elif action.kind == "rename_index" and f"index:{f.get('index')}" in ctx.new_tables:
            ctx.new_tables.add(f"index:{f['index'].split('.', 1)[0]}.{f['new_name']}")
        # A column this migration added: no code deployed before it can use it yet.
        elif action.kind == "add_column" and not f.get("column_exists"):
            _made_column(ctx, str(f.get("table")), str(f.get("column")))
        elif action.kind == "rename_column" and f.get("column_is_new"):
            ctx.new_tables.add(f"column:{f.get('table')}.{f.get('new_name')}")
        elif action.kind in _ROUTINE_MADE and not f.get("routine_name_known"):
            ctx.new_tables.add(f"{_ROUTINE_MADE[action.kind]}:{f.get('name')}")
        elif action.kind in ("rename_other", "set_schema") and (new := f.get("new_object")):
            ctx.new_tables.add(new if ctx.object_made(str(f.get("object"))) else
                               f"{_RENAMED}{new}")
        elif action.kind == "do_block":
            for key in f.get("made_new", ()):
                kind, _, rest = key.partition(":")
                if kind == "column":
                    table, _, column = rest.rpartition(".")
                    _made_column(ctx, table, column)
                elif not rest:  # a table, view or materialized view: its name alone
                    _made_relation(ctx, key)
                else:
                    ctx.new_tables.add(key)
            ctx.filled_tables.update(f.get("filled_new", ()))


def runs_temporary_maker(effect: Effect) -> bool:
    """Whether `effect` runs for sure code that makes a temporary object for sure
    (`makes_temporary`): a DO block's body, or a routine's body at a call that runs it (set
    by embedded.py and routines.py). Only the statement's own block or call: one its code
    runs in turn (`in_do_block`) is counted by that code's."""
    return any(a.kind in RUNS_CODE and runs_temporary_code(a) for a in effect.actions)


#: The actions that run code of their own: a routine's body at a call, a DO block's body.
RUNS_CODE = frozenset({"routine_call", "do_block"})


def runs_temporary_code(action: Action) -> bool:
    """Whether `action`, one of `RUNS_CODE`, runs code that makes a temporary object for sure
    (`runs_temporary_maker`)."""
    return bool(action.facts.get("makes_temporary")) and not action.facts.get("in_do_block")


def _made_relation(ctx: Context, name: str) -> None:
    """Table (view, materialized view) `name` was made: it is new, and so are the sequences
    of its serial and identity columns (as the catalog, replayed past the statement, has
    them; not yet in a DO block, whose catalog is the one from before it)."""
    ctx.new_tables.add(name)
    _made_sequences(ctx, name, None)


def _made_column(ctx: Context, table: str, column: str) -> None:
    """Column `column` of `table` was added: it is new, and so is its serial's or identity's
    sequence."""
    ctx.new_tables.add(f"column:{table}.{column}")
    _made_sequences(ctx, table, (column,))


def _made_sequences(ctx: Context, table: str, columns: tuple[str, ...] | None) -> None:
    """The serial and identity sequences of `table` (of `columns`, if given: those columns
    alone looked at, not every column of the table for each one added) are new."""
    table_known = ctx.catalog.tables.get(table)
    if table_known is None:
        return
    known = table_known.columns
    chosen = known.values() if columns is None else \
        [known[c] for c in columns if c in known]
    if not any(c.identity or c.default == "nextval()" for c in chosen):
        return  # (nearly every table)
    ctx.new_tables.update(f"sequence:{s}"
                          for s in _replay.owned_sequences(ctx.catalog, table, columns))


#: Actions that run code lockwise does not see whole (a DO block, CALL, ...).
OPAQUE_ACTIONS = frozenset({"do_block", "other"})
#: Actions that write rows into the table they name (in a DO block too); REFRESH fills a
#: materialized view from its query.
ROW_WRITES = frozenset({"insert", "update", "merge", "copy", "refresh_materialized_view"})


def runs_unseen_code(action: Action) -> bool:
    """Whether `action` runs code lockwise does not read whole, which may write any table:
    a DO block, a CALL, a SELECT calling a function that is not PostgreSQL's own."""
    if action.kind in OPAQUE_ACTIONS:
        return True
    if action.kind != "select":
        return False
    builtin = _volatility.builtin_functions()
    return not all(name in builtin for name in action.facts.get("functions", ()))


def written_tables(effect: Effect) -> set[str]:
    """The tables whose rows `effect`'s statement writes (its DO block's statements too);
    not a table only an INSERT of no row writes (`writes_no_rows`: `INSERT ... SELECT
    generate_series(1, 0)`)."""
    written = {name for kind, _, name in (w.partition(":") for w in effect.writes)
               if kind == "table"}
    rows = {a.facts.get("table", "") for a in effect.actions
            if a.kind in ROW_WRITES and not a.facts.get("writes_no_rows")}
    none = {a.facts.get("table", "") for a in effect.actions if a.facts.get("writes_no_rows")}
    return written - (none - rows) | rows


def track_null_columns(columns: set[tuple[str, str]], effect: Effect,
                       adds: bool = True) -> None:
    """`columns` (`Context.null_columns`: (table, column), NULL in every row) after the
    statement of `effect`: the columns it adds without a default (or DEFAULT NULL; not
    identity nor generated) join them, when it `adds` for sure (a DO block's statement that
    may not run does not); a write to a table's rows, an ALTER COLUMN TYPE of a column (its
    USING may give it values) and code lockwise does not read whole forget them."""
    _track_same_value(columns, effect, adds, lambda f: not (
        f.get("has_default") and not f.get("default_null")))


def track_constant_columns(columns: set[tuple[str, str]], effect: Effect,
                           adds: bool = True) -> None:
    """`columns` (`Context.constant_columns`: (table, column), one value, not NULL, in every
    row) after the statement of `effect`: the columns it adds with a default that is not
    NULL nor volatile (PostgreSQL computes it once, for every row: checked on 18.6), and
    forgets as `track_null_columns` does. After a DO block lockwise reads whole (no dynamic
    SQL), those its statements left constant (`constant_columns_after`): the columns it adds
    so where they run whenever it does, not in an IF the catalog does not decide."""
    first = effect.actions[0] if effect.actions else None
    if first is not None and first.kind == "do_block" and \
            (after := first.facts.get("constant_columns_after")) is not None:
        columns.clear()
        columns.update(after)
        return
    _track_same_value(columns, effect, adds, lambda f: bool(
        f.get("has_default") and not f.get("default_null") and not f.get("default_volatile")))


def _track_same_value(columns: set[tuple[str, str]], effect: Effect, adds: bool,
                      added_so: Callable[[dict], bool]) -> None:
    """`columns`, each holding one value in every row, after the statement of `effect`: the
    columns it adds, when it `adds` for sure, whose facts `added_so` (not identity nor
    generated columns) join them; a write to a table's rows, an ALTER COLUMN TYPE of a
    column (its USING may give it values) and code lockwise does not read whole forget
    them."""
    if not columns and all(a.kind != "add_column" for a in effect.actions):
        return  # none tracked, none added (most statements): nothing to forget or to add
    if any(runs_unseen_code(a) for a in effect.actions):
        columns.clear()
        return
    added: set[tuple[str, str]] = set()
    for a in effect.actions:
        f = a.facts
        if a.kind == "add_column" and adds and not f.get("column_exists") and \
                added_so(f) and not f.get("identity") and not f.get("generated"):
            added.add((str(f.get("table")), str(f.get("column"))))
        elif a.kind == "alter_column_type":
            columns.discard((str(f.get("table")), str(f.get("column"))))
    if columns:
        written = written_tables(effect)
        columns -= {c for c in columns if c[0] in written}
    columns.update(added)
