"""Moving the catalog forward: apply one parsed statement's schema changes.

Only what later judgements need is tracked (tables, columns, constraints, indexes, enums,
function volatility). Statements the replay does not understand leave the catalog unchanged.

This module replays what most histories have (tables, columns, constraints, indexes,
partitions and inheritance, drops, sequences, triggers and rules). The jobs a small migration
rarely has are modules beside it, imported where their statement is replayed, so that a lint
unmarshals only what it runs: `renames`, `views`, `user_types`, `extended_statistics`,
`do_blocks`, `policies`, and `reach` (the down checks' `tables_reached`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import replace
from sys import intern
from typing import TYPE_CHECKING

from lockwise.catalog.model import (
    CHECK_CALLERS,
    Callers,
    Catalog,
    Column,
    Constraint,
    Index,
    IndexMap,
    NameIndex,
    Table,
    renamed_relation,
)
from lockwise.catalog.routines import (
    CALLING_KINDS,
    MAX_DEPTH,
    REPLICATION_ROLE,
    TRIGGER_SWITCHES,
    alter_routine,
    called_routines,
    calls_qualified,
    dropped_routine,
    followed_trees,
    forget_dropped,
    forget_overloads,
    forget_routine,
    keep_aggregate,
    keep_routine,
    paths_set_first,
    routine_statements,
    routine_trees,
    set_replication_role,
    switch_triggers,
)
from lockwise.catalog.search_path import (
    elements_path,
    follow_set,
    path_kept,
    use_routine_path,
    use_set_value,
)
from lockwise.core.deferred import bound_on_use
from lockwise.core.lazy_re import lazy_compile
from lockwise.effects.nodes import (
    SERIAL_TYPES,
    TEMPORARY_PREFIX,
    aggregate_made,
    calls_function,
    casts_to,
    collation_name,
    column_def_constraints,
    column_ref,
    columns_read,
    const_value,
    created_schema,
    drop_object_name,
    drop_object_names,
    expression_uses,
    function_calls,
    generation_expression,
    index_expressions,
    nextval_sequence,
    not_null_columns,
    object_name,
    only_not_null_columns,
    options_on,
    range_var,
    renamed_column_in,
    resolution,
    resolver_in_force,
    role_name,
    schema_elements,
    select_into,
    sequence_owner,
    set_config_calls,
    storage_parameters,
    strings,
    unwrap,
    use_resolver,
    walk,
)
from lockwise.effects.volatility import default_regclass_constants, regclass_constants
from lockwise.parse.quoting import clip_utf8, fit_name

if TYPE_CHECKING:
    # Made where a statement makes one (`catalog.objects`: an ordinary migration has none).
    from lockwise.catalog.objects import QueryRule
    from lockwise.catalog.operators import Operator
    from lockwise.catalog.overloads import Routine
    from lockwise.effects.session import Session

#: Names other modules import from here that live in the modules split from this one (each
#: loaded with the first statement of its job, see `__getattr__`), by module.
_MOVED = {
    "do_block_reshapes": "do_blocks",
    "domain_check_name": "user_types",
    "multirange_type_name": "user_types",
    "reads_view_reads": "reach",
    "renamed_statistics_definition": "extended_statistics",
    "statistics_definition": "extended_statistics",
    "tables_reached": "reach",
    "typed_table_trees": "user_types",
}

#: The statements `catalog.user_types` applies.
TYPE_STATEMENTS = frozenset({"CreateDomainStmt", "AlterDomainStmt", "CreateEnumStmt",
                             "CompositeTypeStmt", "CreateRangeStmt", "AlterEnumStmt"})


def __getattr__(name: str) -> object:
    """A name of a module split from this one (`_MOVED`), read from it: `from
    lockwise.catalog.replay import tables_reached` still works, and loads `catalog.reach`."""
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"lockwise.catalog.{module}"), name)


# Imported at their first use: split from this module for statements rarer than most (they
# import it), and asked of at every such statement.
_policies = bound_on_use(globals(), "_policies", "lockwise.catalog.policies")
_renames = bound_on_use(globals(), "_renames", "lockwise.catalog.renames")
_views = bound_on_use(globals(), "_views", "lockwise.catalog.views")
_do_blocks = bound_on_use(globals(), "_do_blocks", "lockwise.catalog.do_blocks")
_user_types = bound_on_use(globals(), "_user_types", "lockwise.catalog.user_types")
_objects = bound_on_use(globals(), "_objects", "lockwise.catalog.objects")
_trigger_when = bound_on_use(globals(), "_trigger_when", "lockwise.catalog.trigger_when")


_CONTYPES = {"CONSTR_CHECK": "check", "CONSTR_FOREIGN": "foreign", "CONSTR_UNIQUE": "unique",
             "CONSTR_PRIMARY": "primary", "CONSTR_EXCLUSION": "exclude"}


def _column(catalog: Catalog, col: dict, table: str) -> Column:
    """Column `col` of `table` (qualified) as the catalog keeps it. Its sequences are filed
    once it is in the table (`Catalog.note_sequence_column`). Its name and type are interned:
    decoded from each statement's parse tree they would be new strings in every table (`id`,
    `text`, `timestamptz`), kept as long as the catalog (fix-speed70)."""
    tname, mods, is_array = catalog.column_type(col.get("typeName"))
    column = Column(intern(col.get("colname", "")), intern(SERIAL_TYPES.get(tname, tname)),
                    mods, array=is_array, collation=collation_name(col))
    if tname in SERIAL_TYPES:
        column.not_null = True
        column.default = "nextval()"
        column.default_sequence = column_def_sequence(catalog, table, col, tname)
    for item in col.get("constraints") or ():
        _, con = unwrap(item)
        contype = con.get("contype")
        if contype in ("CONSTR_NOTNULL", "CONSTR_PRIMARY", "CONSTR_IDENTITY"):
            column.not_null = True
        if contype == "CONSTR_NOTNULL" and con.get("conname"):
            column.not_null_name = con["conname"]
            catalog.note_constraint_name(table, column.not_null_name)
        if contype == "CONSTR_NOTNULL" and con.get("is_no_inherit"):
            column.not_null_no_inherit = True
        if contype == "CONSTR_DEFAULT":
            column.default = None if _is_null(con.get("raw_expr")) else "default"
            column.default_expression = con.get("raw_expr") if column.default else None
            _draw_default_from(column, con.get("raw_expr"))
            column.uses = expression_uses(con.get("raw_expr"))
            column.names = _names(con.get("raw_expr"), catalog.holds_regclass(tname, is_array))
        if contype == "CONSTR_IDENTITY":
            column.identity = True
            column.identity_sequence = column_def_sequence(catalog, table, col, tname)
        if contype == "CONSTR_GENERATED":
            column.generated = True
            column.virtual = con.get("generated_kind") == "v"
            _generate(column, con.get("raw_expr"))
    return column


#: The text of the statement `apply_statement` replays, when its caller gave it (None: not
#: known, or a statement run inside it, such as a DO block's): `_names` searches it before
#: walking an expression of the statement (`regclass_constants`), as the effect model does.
_replayed_sql: str | None = None


def _names(expr: object, regclass_column: bool = False) -> tuple[str, ...]:
    """The relations `expr` names by regclass constants, in order (`Column.names`); a
    bare string too when it is the default of a column holding a regclass."""
    return tuple(sorted(default_regclass_constants(expr, regclass_column, _replayed_sql))) \
        if expr else ()


def _draw_default_from(column: Column, expr: object) -> None:
    """Column `column`'s default is `expr` now: it draws from the sequence it calls nextval()
    on (`Column.default_sequence`), and depends on it only when it names it by a regclass
    constant, not by a string cast to text (checked on 18.6)."""
    column.default_sequence = sequence = nextval_sequence(expr)
    column.default_sequence_recorded = sequence is None or sequence in regclass_constants(expr)


def _generate(column: Column, expr: dict | None) -> None:
    """Column `column` computed by generation expression `expr` (None: a plain one now)."""
    column.expression = generation_expression(expr)
    column.reads = columns_read(expr)
    column.uses = expression_uses(expr)
    column.names = _names(expr)


def _is_null(expr: dict | None) -> bool:
    """A bare NULL: as a default, PostgreSQL stores no default at all for it (no pg_attrdef
    row), in CREATE TABLE as in ALTER COLUMN SET DEFAULT."""
    kind, body = unwrap(expr)
    return kind == "A_Const" and bool(body.get("isnull"))


def constraint_from(catalog: Catalog, con: dict, table: str,
                    column: str | None = None) -> Constraint | None:
    """Constraint node `con` added to `table` as the catalog keeps it (None for a kind it
    does not keep)."""
    kind = _CONTYPES.get(con.get("contype", ""))
    if kind is None:
        return None
    columns = _constraint_columns(con, kind, column)
    name = constraint_name(catalog, con, table, column)
    return Constraint(
        name=name, kind=kind, columns=columns,
        validated=not con.get("skip_validation"),
        # The grammar marks CHECKs and foreign keys `is_enforced` unless NOT ENFORCED, which
        # also skips validation (UNIQUE and the like carry neither mark).
        enforced=bool(con.get("is_enforced")) or not con.get("skip_validation"),
        no_inherit=bool(con.get("is_no_inherit")),
        not_null_columns=not_null_columns(con.get("raw_expr")) if kind == "check" else (),
        references=range_var(con.get("pktable"))[0] if kind == "foreign" else None,
        ref_columns=tuple(strings(con.get("pk_attrs"))),
        expr=con.get("raw_expr") if kind == "check" else None,
        on_delete=con.get("fk_del_action") or "a",
        on_update=con.get("fk_upd_action") or "a",
        set_columns=tuple(strings(con.get("fk_del_set_cols"))),
        deferrable=bool(con.get("deferrable")),
        deferred=bool(con.get("initdeferred")),
        match=con.get("fk_matchtype") or "s" if kind == "foreign" else "s",
        reads=_constraint_reads(con, kind),
        uses=expression_uses(_constraint_expressions(con, kind)),
        names=_names(con.get("raw_expr")) if kind == "check" else (),
    )


def _constraint_reads(con: dict, kind: str) -> tuple[str, ...]:
    """`Constraint.reads`: the columns a CHECK's expression, or an exclusion constraint's
    expressions and WHERE, read."""
    return columns_read(_constraint_expressions(con, kind))


def _constraint_expressions(con: dict, kind: str) -> list:
    """A CHECK's expression, or an exclusion constraint's expressions and WHERE (nothing for
    another kind)."""
    if kind == "check":
        return [con.get("raw_expr")]
    if kind == "exclude":
        return [con.get("where_clause"), [e.get("expr") for e in _exclusion_elements(con)]]
    return []


def _constraint_columns(con: dict, kind: str, column: str | None) -> tuple[str, ...]:
    if kind == "exclude":  # as its index's: `(c)` is column c, an expression "(expression)"
        return tuple(e.get("name") or column_ref(e.get("expr")) or "(expression)"
                     for e in _exclusion_elements(con))
    keys = strings(con.get("fk_attrs") if kind == "foreign" else con.get("keys"))
    return tuple(keys or ([column] if column else []))


def _exclusion_elements(con: dict) -> list[dict]:
    """The IndexElems of an EXCLUDE constraint (each `exclusions` item pairs one with its
    operator)."""
    out = []
    for pair in con.get("exclusions") or ():
        items = unwrap(pair)[1].get("items") or ()
        kind, elem = unwrap(items[0]) if items else ("", {})
        if kind == "IndexElem":
            out.append(elem)
    return out


def _exclusion_operators(con: dict) -> tuple[str, ...]:
    """The operator each element of EXCLUDE constraint `con` is compared with (`=`, `&&`),
    as written."""
    out = []
    for pair in con.get("exclusions") or ():
        items = unwrap(pair)[1].get("items") or ()
        names = strings(unwrap(items[1])[1].get("items")) if len(items) > 1 else []
        out.append(names[-1] if names else "")
    return tuple(out)


def exclusion_columns(con: dict) -> list[tuple[str, str]]:
    """Each element of EXCLUDE constraint `con` as (its column, "" for an expression or a
    column with a collation or an operator class; the operator comparing it, as written)."""
    return [("" if not _plain_columns([elem]) else elem.get("name", ""), operator)
            for elem, operator in zip(_exclusion_elements(con), _exclusion_operators(con),
                                      strict=False)]


def _exclusion_attnames(con: dict) -> tuple[str, ...]:
    """The names PostgreSQL gives the columns of the index of EXCLUDE constraint `con` (a
    Constraint node; none for another kind)."""
    return _index_column_names(_exclusion_elements(con))


def constraint_name(catalog: Catalog, con: dict, table: str, column: str | None = None,
                    freed: AbstractSet[str] = frozenset()) -> str:
    """The name of constraint `con` (a Constraint node) added to `table` (qualified): as
    written, or the one PostgreSQL gives an unnamed one with the catalog as it is now; ""
    for a kind that has no name (DEFAULT, GENERATED...). `column`: the column a column
    constraint is on. `freed`: names the same ALTER TABLE's drops release first (PostgreSQL
    runs them before it adds anything)."""
    # A NOT NULL constraint (PostgreSQL 18) is named too, though the catalog keeps it as the
    # column's flag only: a rule's safe alternative adds it again by name.
    kind = _CONTYPES.get(con.get("contype", "")) or (
        "not_null" if con.get("contype") == "CONSTR_NOTNULL" else None)
    if kind is None:
        return ""
    if con.get("conname"):
        return con["conname"]
    if con.get("indexname"):  # ADD PRIMARY KEY / UNIQUE USING INDEX: the index's name
        return con["indexname"]
    if kind == "check":
        # PostgreSQL names a CHECK after the one column its expression reads (tab_col_check),
        # whether written as a column or a table constraint; else tab_check.
        read = columns_read(con.get("raw_expr"))
        named_by = read if len(read) == 1 else ()
    elif kind == "exclude":  # named as an index on the same elements
        named_by = _exclusion_attnames(con)
    else:
        named_by = _constraint_columns(con, kind, column)
    return default_constraint_name(catalog, table, named_by, kind, freed)


#: NAMEDATALEN - 1: the longest identifier PostgreSQL keeps, in bytes.
_MAX_NAME_BYTES = 63


def default_constraint_name(catalog: Catalog, table: str, columns: tuple[str, ...],
                             kind: str, freed: AbstractSet[str] = frozenset()) -> str:
    """The name PostgreSQL gives an unnamed constraint on `table` (qualified): the table name,
    then every column (UNIQUE, FOREIGN KEY: `t_a_b_key`), the one column a CHECK reads, or
    none (PRIMARY KEY), then a label; shortened to fit as PostgreSQL does, and with a number
    after the label (`t_check1`) while the name is taken (see _name_taken)."""
    table_name = table.split(".", 1)[1]
    label = {"primary": "pkey", "unique": "key", "foreign": "fkey", "check": "check",
             "exclude": "excl", "not_null": "not_null"}[kind]
    addition = _name_addition(columns) if kind != "primary" and columns else None
    # The constraint of a UNIQUE / PRIMARY KEY / EXCLUDE is its index: a relation name too.
    relation = kind in ("primary", "unique", "exclude")
    return free_generated_name(table_name, label, lambda name: name not in freed and
                               _name_taken(catalog, table, name, relation), name2=addition)


def _index_column_names(params: list[dict]) -> tuple[str, ...]:
    """The names PostgreSQL gives the columns of an index on `params` (IndexElems, its INCLUDE
    columns after the key's): a column's name, an expression's as FigureIndexColname figures
    it (`_figured_name`), else `expr`; a repeated name numbered, cut to fit 63 bytes with its
    number (ChooseIndexColumnNames)."""
    names: list[str] = []
    for param in params:
        base = param.get("name") or _figured_name(param.get("expr"))[0] or "expr"
        name, number = base, 0
        while name in names:
            number += 1
            name = _clip(base.encode(), _MAX_NAME_BYTES - len(str(number))) + str(number)
        names.append(name)
    return tuple(names)


def unnamed_index_name(catalog: Catalog, table: str, attnames: tuple[str, ...],
                        also_taken: str = "") -> str:
    """The name PostgreSQL gives `CREATE INDEX ON t (a, lower(b))`, whose columns are named
    `attnames` (`_index_column_names`): `t_a_lower_idx`, shortened to fit and numbered while
    any relation of the schema has it, or it is `also_taken` (`t_a_lower_idx1`)."""
    addition = _name_addition(attnames)
    table_name = table.split(".", 1)[1]
    number = 0
    while True:
        name = generated_name(table_name, addition, f"idx{number or ''}")
        if name != also_taken and not _name_taken(catalog, table, name, relation=True):
            return name
        number += 1


def free_relation_name(catalog: Catalog, schema: str, name: str, label: str,
                       also_taken: Collection[str] = ()) -> str:
    """`name_label` (`t_c_idx_new`), numbered after the label while a relation of `schema`
    has it (one namespace for tables, indexes, sequences...: `Catalog.relation_named`) or it
    is one of `also_taken`, as ChooseRelationName numbers (`t_c_idx_new1`)."""
    return free_generated_name(name, label, lambda new: new in also_taken or bool(
        catalog.relation_named(f"{schema}.{new}")))


def default_index_name(catalog: Catalog, stmt: dict, also_taken: str = "",
                       table: str = "") -> str:
    """The name PostgreSQL gives the index of CREATE INDEX `stmt` (an IndexStmt) left
    unnamed, with the catalog as it is now: `t_a_lower_idx` (`t_a_lower_idx1` while taken;
    `also_taken`: a name counted as taken too, the first build's for its re-run). `table`:
    a partition of the statement's table, whose part of the index PostgreSQL names so too,
    after the partition, whatever the index is called (checked on 18.6)."""
    table = table or range_var(stmt.get("relation"))[0]
    params = [unwrap(p)[1] for p in (*(stmt.get("indexParams") or ()),
                                     *(stmt.get("indexIncludingParams") or ()))]
    return unnamed_index_name(catalog, table, _index_column_names(params), also_taken)


#: Expressions FigureColnameInternal names by a word of their own (strength 2).
_EXPRESSION_WORDS = {"CoalesceExpr": "coalesce", "A_ArrayExpr": "array", "RowExpr": "row",
                     "GroupingFunc": "grouping", "XmlSerialize": "xmlserialize"}


def _figured_name(node: object) -> tuple[str | None, int]:
    """The column name PostgreSQL figures for an index expression, and how strongly
    (FigureColnameInternal: 2 a column's, a function's or a keyword's, 1 a type's or CASE's,
    0 none): a cast keeps its argument's strong name, else takes its type's; CASE its ELSE
    result's strong name, else `case`."""
    kind, body = unwrap(node)
    if kind == "ColumnRef" or kind == "A_Indirection":
        # The last field name, ignoring `*` and subscripts; else the indirection's argument's.
        fields = [unwrap(f) for f in body.get("fields" if kind == "ColumnRef" else
                                              "indirection") or ()]
        names = [f[1].get("sval") for f in fields if f[0] == "String"]
        if names:
            return names[-1], 2
        return _figured_name(body.get("arg")) if kind == "A_Indirection" else (None, 0)
    if kind == "FuncCall":
        return (strings(body.get("funcname")) or [None])[-1], 2
    if kind == "A_Expr":
        return ("nullif", 2) if body.get("kind") == "AEXPR_NULLIF" else (None, 0)
    if kind == "TypeCast":
        name, strength = _figured_name(body.get("arg"))
        if strength <= 1:
            return (strings((body.get("typeName") or {}).get("names")) or [None])[-1], 1
        return name, strength
    if kind == "CollateClause":
        return _figured_name(body.get("arg"))
    if kind == "CaseExpr":
        name, strength = _figured_name(body.get("defresult"))
        return (name, strength) if strength > 1 else ("case", 1)
    if kind == "MinMaxExpr":
        return ("greatest" if body.get("op") == "IS_GREATEST" else "least"), 2
    word = _EXPRESSION_WORDS.get(kind)
    return (word, 2) if word else (None, 0)


def _name_taken(catalog: Catalog, table: str, name: str, relation: bool) -> bool:
    """Whether `name` is taken for a new constraint on `table`: by a constraint of that table
    or of another of its schema (e.g. a table renamed away keeps its CHECK `t_b_check`, its
    NOT NULL `t_a_not_null` from PostgreSQL 18: `Catalog.constraint_named`, which knows the
    NOT NULL names the statement gave before too), or, for one with an index (`relation`), by
    a relation of its schema (a table, view, index, sequence, composite type:
    `Catalog.relation_named`)."""
    t = catalog.tables.get(table)
    if t is not None and name in t.constraints:
        return True
    schema = table.split(".", 1)[0]
    return relation and bool(catalog.relation_named(f"{schema}.{name}")) or \
        catalog.constraint_named(schema, name)


def _name_addition(columns: tuple[str, ...]) -> str:
    """The columns part of a generated name: joined by `_`, stopping once it is long enough
    to be shortened anyway (PostgreSQL's ChooseIndexNameAddition / its foreign key twin)."""
    out = ""
    for column in columns:
        out = f"{out}_{column}" if out else column
        if len(out.encode()) > _MAX_NAME_BYTES:
            break
    return out


def identity_sequence(catalog: Catalog, table: str, column: str, con: dict) -> str:
    """The sequence an identity constraint `con` makes for `column` of `table` (qualified):
    its SEQUENCE NAME (unqualified: in the table's schema), else `serial_sequence`'s."""
    for opt in con.get("options") or ():
        _, elem = unwrap(opt)
        if elem.get("defname") == "sequence_name":
            names = strings(unwrap(elem.get("arg"))[1].get("items"))
            if names:
                return ".".join(names[-2:]) if len(names) > 1 else \
                    f"{table.partition('.')[0]}.{names[-1]}"
    return serial_sequence(catalog, table, column)


def column_def_sequence(catalog: Catalog, table: str, col: dict,
                        type_name: str | None = None) -> str | None:
    """The sequence ColumnDef `col` of `table` (qualified) makes: its identity constraint's
    (`identity_sequence`: the last one written, as the catalog keeps it; the server refuses
    two), else a serial type's (`serial_sequence`), else None. `type_name`: the column's type
    as `Catalog.column_type` resolves it, when the caller has it (else resolved here)."""
    identity = None
    for con in column_def_constraints(col):
        if con.get("contype") == "CONSTR_IDENTITY":
            identity = con
    name = str(col.get("colname", ""))
    if identity is not None:
        return identity_sequence(catalog, table, name, identity)
    if type_name is None:
        type_name = catalog.column_type(col.get("typeName"))[0]
    return serial_sequence(catalog, table, name) if type_name in SERIAL_TYPES else None


def column_identity_sequence(table: str, col: Column) -> str:
    """The sequence of identity column `col` of `table` (qualified): as the catalog recorded
    it (kept across a rename of the table), else as PostgreSQL names it."""
    return col.identity_sequence or owned_sequence(table, col.name)


def owned_sequences(catalog: Catalog, table: str, columns: Iterable[str] | None = None
                    ) -> list[str]:
    """The sequences of `table`'s serial and identity columns (of `columns` only, if given,
    in their order), and those attached to them by OWNED BY: they go with the column or
    table, and change with the identity. Each as the catalog recorded it (an identity's
    keeps its name across a rename of the table; one the catalog did not record, as
    PostgreSQL names it: `owned_sequence`). A partition's identity draws from its parent's
    sequence: it has none of its own (checked on the server)."""
    known = catalog.tables.get(table)
    if known is None:
        return []
    # (`columns` looked up, not each column of the table: one column's, asked for each
    # column a statement adds, made many ADD COLUMNs on a wide table quadratic)
    chosen = list(known.columns.values()) if columns is None else \
        [known.columns[c] for c in dict.fromkeys(columns) if c in known.columns]
    serial = [] if known.partition_of else [
        column_identity_sequence(table, col) if col.identity else col.default_sequence or ""
        for col in chosen
        if col.identity or (col.default == "nextval()" and col.default_sequence)]
    return serial + [sequence for col in chosen for sequence in col.owns]


def serial_sequence(catalog: Catalog, table: str, column: str) -> str:
    """The sequence a serial or identity column `column` of `table` (qualified) makes, without
    a SEQUENCE NAME: `owned_sequence`'s name, numbered (`t_id_seq1`, `t_id_seq2`; cut to 63
    bytes with the number kept) while that is a relation of the table's schema the catalog
    knows (`Catalog.relation_named`), as ChooseRelationName does (checked on 18.6): not a
    type's name, which fails it instead (42710, fix-pg103). One made outside the migrations
    would number it further: not known, not counted."""
    schema, _, relname = table.partition(".")
    return f"{schema}." + free_generated_name(
        relname, "seq", lambda name: bool(catalog.relation_named(f"{schema}.{name}")),
        name2=column)


def owned_sequence(table: str, column: str) -> str:
    """The sequence a serial or identity column of `table` (qualified) makes: `table_column_seq`
    in the table's schema (PostgreSQL numbers it, `_seq1`, in the rare case that is taken)."""
    schema, _, relname = table.partition(".")
    return f"{schema}.{generated_name(relname, column, 'seq')}"


def generated_name(name1: str, name2: str | None, label: str, limit: int = _MAX_NAME_BYTES,
                   in_bytes: bool = True) -> str:
    """`name1_name2_label` within `limit` bytes (PostgreSQL's 63 by default) or, `in_bytes`
    false, characters (MySQL counts a name's characters, 64 at most): PostgreSQL shortens
    the longer of name1 and name2 a unit at a time until it fits, then cuts each at a
    character boundary (`fit_name`)."""
    parts = [(True, name1)] + ([(False, "_"), (True, name2)] if name2 is not None else [])
    return fit_name([*parts, (False, f"_{label}")], limit, in_bytes)


def free_generated_name(name: str, label: str, taken: Callable[[str], bool],
                        limit: int = _MAX_NAME_BYTES, in_bytes: bool = True,
                        name2: str | None = None) -> str:
    """`generated_name(name, name2, label)`, numbered after the label (`t_deprecated1`) while
    `taken` says a name is (ChooseConstraintName, ChooseRelationName)."""
    number = 0
    while taken(new := generated_name(name, name2, f"{label}{number or ''}", limit,
                                      in_bytes)):
        number += 1
    return new


def _clip(raw: bytes | str, n: int) -> str:
    """The first `n` units of `raw`: of UTF-8 bytes, less a character cut in two."""
    if isinstance(raw, str):
        return raw[:n]
    return clip_utf8(raw, n)


def _add_column_constraints(catalog: Catalog, t: Table, column_def: dict, column: str) -> None:
    """The constraints written in a column's definition (with their NOT ENFORCED and
    DEFERRABLE, items of their own there)."""
    for body in column_def_constraints(column_def):
        con = constraint_from(catalog, body, t.name, column)
        if con:
            _add_table_constraint(catalog, t, con, node=body)


def _add_table_constraint(catalog: Catalog, t: Table, con: Constraint,
                          attnames: tuple[str, ...] = (), node: dict | None = None) -> None:
    """Constraint `con` on `t`, with the index a key, unique or exclusion constraint is built
    on, whose columns PostgreSQL named `attnames` (its columns' own names when not given).
    `node`: the Constraint node it was written as, when there is one (what its index is like
    besides its columns)."""
    catalog.put_constraint(t, con)
    if con.kind == "foreign":
        catalog.note_foreign_key(t.name, con.references)
    if con.kind == "primary":
        # Its columns are NOT NULL (named by the caller: `_key_not_null`, or CREATE TABLE
        # once its CHECKs and keys are made).
        for c in con.columns:
            if c in t.columns:
                t.columns[c].not_null = True
    if con.kind in ("primary", "unique", "exclude"):  # each is backed by its own index
        schema = t.name.split(".", 1)[0]
        catalog.filed(f"{schema}.{con.name}")
        catalog.indexes[f"{schema}.{con.name}"] = Index(
            f"{schema}.{con.name}", t.name, con.columns, unique=con.kind != "exclude",
            reads=con.reads, attnames=attnames or con.columns,
            signature=_constraint_index_signature(con, node),
            tablespace=_constraint_index_tablespace(catalog, node))


def _constraint_index_tablespace(catalog: Catalog, node: dict | None) -> str | None:
    """Where a key's index is (`Index.tablespace`): its USING INDEX TABLESPACE, else
    default_tablespace; None when the constraint was not written (a copy, a clone) or is
    over an index that existed (USING INDEX: the caller gives it that index's)."""
    if node is None or node.get("indexname"):
        return None
    return node.get("indexspace") or catalog.default_tablespace


def _constraint_index_signature(con: Constraint, node: dict | None) -> tuple | None:
    """`Index.signature` of the index of a UNIQUE / PRIMARY KEY constraint: a new index of
    the partitioned parent over the same columns takes it over, a deferrable one's too
    (checked on the server). Of an EXCLUDE on plain columns, its access method and operators
    too (a fourth item: no plain index stands for it). None where the catalog cannot tell:
    INCLUDE columns, an EXCLUDE's expressions, WHERE or operator classes, or a constraint
    over an index that existed (USING INDEX)."""
    if node is None or con.kind not in ("primary", "unique", "exclude") or \
            node.get("including") or node.get("indexname") or not con.columns:
        return None
    if con.kind == "exclude":
        elements = _exclusion_elements(node)
        if node.get("where_clause") or len(elements) != len(con.columns) or \
                not _plain_columns(elements):
            return None
        return (node.get("access_method") or "btree", False, False,
                _exclusion_operators(node))
    return ("btree", True, bool(node.get("nulls_not_distinct")))


def exclusion_index(catalog: Catalog, node: dict, table: str) -> Index | None:
    """The index EXCLUDE constraint `node` (a Constraint node) added to `table` is built as,
    for `Catalog.attachable_index` to compare with a partition's; None when the catalog
    cannot compare it (`Index.signature`)."""
    con = constraint_from(catalog, node, table)
    signature = _constraint_index_signature(con, node) if con is not None else None
    if con is None or con.kind != "exclude" or signature is None:
        return None
    return Index(f"{table.split('.', 1)[0]}.{con.name}", table, con.columns,
                 signature=signature)


def _take_index(catalog: Catalog, table: str, con: Constraint,
                index_name: str | None) -> Index | None:
    """ADD CONSTRAINT ... UNIQUE / PRIMARY KEY USING INDEX: the constraint is over the index's
    columns (the statement names none), and the index takes the constraint's name (it is
    named after the index when the statement names neither). The index taken, if known."""
    if not index_name:
        return None
    schema = table.split(".", 1)[0]
    idx = catalog.indexes.pop(f"{schema}.{index_name}", None)
    if idx is not None and idx.table == table:
        con.columns = idx.columns
        return idx
    if idx is not None:  # another table's index: the server refuses it, keep it as it was
        catalog.indexes[idx.name] = idx
    return None


#: ALTER TABLE subcommands that change nothing the catalog holds (columns and their type,
#: nullability, default and generation; constraints' kinds and columns; indexes): replaying
#: them as nothing is exact. SET and DROP EXPRESSION are replayed (`_alter_table`).
_SHAPE_KEEPING = frozenset({
    "AT_AlterConstraint", "AT_SetCompression", "AT_GenericOptions",
    "AT_AlterColumnGenericOptions", "AT_EnableRule", "AT_EnableAlwaysRule",
    "AT_EnableReplicaRule", "AT_DisableRule", "AT_NoForceRowSecurity", "AT_AddOf",
    "AT_DropOf"})
_FOLLOWED = {sub[3:].lower() for sub in (*_SHAPE_KEEPING, "AT_SetExpression",
                                         "AT_DropExpression")}


def follows_exactly(subcommand: str) -> bool:
    """Whether the replay follows an ALTER TABLE subcommand the effect model has no action of
    its own for (its `alter_table_other` fact, `alterconstraint`) exactly."""
    return subcommand in _FOLLOWED


def _create_table(catalog: Catalog, stmt: dict, migration_id: str) -> None:
    name, _ = range_var(stmt.get("relation"), create=True)
    if catalog.skips_creating(stmt, name):  # (a sequence or index of the name too)
        return
    parents = {range_var(r)[0] for r in stmt.get("inhRelations") or ()}
    if name in parents or any(catalog.descends_from(p, name) for p in parents):
        return  # its own parent or ancestor: refused by the server, never recorded (a cycle)
    catalog.made(name)  # created now: its columns are the ones written here
    t = Table(name, kind="partitioned" if stmt.get("partspec") else "table",
              created_by=migration_id,
              unlogged=(stmt.get("relation") or {}).get("relpersistence") == "u",
              tablespace=stmt.get("tablespacename") or catalog.default_tablespace)
    _on_commit(catalog, t, stmt.get("oncommit"))
    spec = stmt.get("partspec") or {}
    if spec:
        t.partition_strategy = str(spec.get("strategy", "")).replace(
            "PARTITION_STRATEGY_", "").lower()
        t.partition_key = tuple(unwrap(p)[1].get("name") or "(expression)"
                                for p in spec.get("partParams") or ())
    if stmt.get("partbound") and stmt.get("inhRelations"):
        t.partition_of = range_var(stmt["inhRelations"][0])[0]
        t.default_partition = bool((stmt.get("partbound") or {}).get("is_default"))
        t.partition_bound = stmt.get("partbound")
        catalog.partition_parents.add(t.partition_of)
        parent = catalog.tables.get(t.partition_of)
        if not stmt.get("tablespacename"):  # a partition goes where its parent says, if it does
            t.tablespace = None if parent is None or parent.tablespace is None else \
                parent.tablespace or t.tablespace
        if parent:
            t.columns = {k: _partition_copy(parent, v) for k, v in parent.columns.items()}
            _inherit_checks(catalog, t, parent)
    elif stmt.get("inhRelations"):  # plain inheritance: the parents' columns come first
        t.inherits = tuple(range_var(r)[0] for r in stmt["inhRelations"])
        catalog.inheritance_parents.update(t.inherits)
        for parent in filter(None, map(catalog.tables.get, t.inherits)):
            for k, v in parent.columns.items():
                t.columns.setdefault(k, _inherited_copy(_inherits_copy(parent, v)))
            _inherit_checks(catalog, t, parent)
    if stmt.get("ofTypename"):
        t.of_type = object_name(strings(stmt["ofTypename"].get("names")))
        # Its columns are the type's attributes, in order (checked on the server).
        t.columns = {a.name: _copy_column(a) for a in catalog.composites.get(t.of_type, ())}
    catalog.tables[name] = t
    catalog.filed(name)
    catalog.place_array(name)
    if t.partition_of:  # cloned before the constraints written here are made (DefineRelation)
        _new_partition_indexes(catalog, t.partition_of, name, attaching=False)
        _clone_foreign_keys(catalog, t.partition_of, t)
    likes: list[dict] = []
    had = set(t.constraints)  # the clones of the parent's
    for elt in stmt.get("tableElts") or ():
        kind, body = unwrap(elt)
        if kind == "ColumnDef":
            col = _column(catalog, body, name)
            attribute = t.columns.get(col.name)
            if attribute is not None and not body.get("typeName"):
                # `a WITH OPTIONS ...` of a typed table or a partition: the attribute's (the
                # parent column's) type, with these constraints and default
                col.type_name, col.typmods, col.array = (
                    attribute.type_name, attribute.typmods, attribute.array)
                col.collation = attribute.collation
            if attribute is not None and attribute.not_null and not col.not_null:
                # Merged with a parent's column: NOT NULL when either is (a parent's PRIMARY
                # KEY column too; documented for CREATE TABLE, checked on the server).
                col.not_null, col.not_null_name, col.not_null_valid = (
                    True, attribute.not_null_name, attribute.not_null_valid)
                col.not_null_from_parent = True
            t.columns[col.name] = col
            if col.default_sequence is not None or col.identity:  # (`_column`: none else)
                # (filed now: a key named next is numbered past its sequence, `relation_named`)
                catalog.note_sequence_column(name, col)
            _add_column_constraints(catalog, t, body, col.name)
        elif kind == "Constraint":
            _not_null_constraint(catalog, t, body)
            con = constraint_from(catalog, body, name)
            if con:
                _add_table_constraint(catalog, t, con, _exclusion_attnames(body), body)
        elif kind == "TableLikeClause":
            _like_columns(catalog, t, body)
            likes.append(body)
    for elt in stmt.get("tableElts") or ():
        # Again once every column exists: `CONSTRAINT n NOT NULL a` may precede column a.
        if unwrap(elt)[0] == "Constraint":
            _not_null_constraint(catalog, t, unwrap(elt)[1])
    for col in t.columns.values():  # named after the table's CHECKs and keys (DefineRelation)
        if col.not_null_name in t.constraints:
            # a parent's name a CHECK of the new table has: one named after the new table
            # instead (checked on 18.6)
            col.not_null_name = ""
        _name_not_null(catalog, t, col.name)
    # A new table has no rows: CREATE TABLE makes a CHECK or foreign key written NOT VALID
    # valid (not one NOT ENFORCED; checked on the server).
    for con in [c for name, c in t.constraints.items() if name not in had and c.enforced]:
        con.validated = True
    # PostgreSQL copies what LIKE includes besides columns once the table and its own keys
    # exist: its own unnamed keys take their names first.
    for like in likes:
        _like_extras(catalog, t, like)
    catalog.note_uses(name)  # its own, its parents', what LIKE copied, its indexes' uses
    if t.partition_of or t.inherits or t.of_type or likes:
        # the sequences of the columns it copied (its own were filed as they were put in)
        catalog.note_sequence_columns(t)
    if t.partition_of or t.inherits or likes:  # names taken from them: the new table's too
        catalog.note_constraint_names(t)


def _create_foreign_table(catalog: Catalog, base: dict, migration_id: str) -> None:
    """CREATE FOREIGN TABLE: a relation of its own kind, with the columns, constraints,
    parents and partition bound written as CREATE TABLE writes them; its rows are the
    remote server's."""
    name, _ = range_var(base.get("relation"), create=True)
    if name in catalog.tables:
        return  # IF NOT EXISTS skips it; without, the server refuses it
    _create_table(catalog, base, migration_id)
    created = catalog.tables.get(name)
    if created is not None:
        created.kind = "foreign"


def _inheritable_checks(t: Table) -> list[Constraint]:
    """The CHECK constraints of `t` its partitions and inheritance children have too."""
    return [c for c in t.constraints.values() if c.kind == "check" and not c.no_inherit]


def _inherited_check(con: Constraint, validated: bool) -> Constraint:
    """A parent's CHECK `con` as a partition or inheritance child gets it: under its name, as
    the child's inherited one (a new object: a rename changes a Constraint in place)."""
    return replace(con, inherited=True, validated=validated, created_by=None)


def _inherit_checks(catalog: Catalog, child: Table, parent: Table) -> None:
    """A new partition or inheritance child of `parent` gets its CHECKs before its own are
    named (theirs come first: an unnamed one of its own is numbered around them). One of the
    same name written in the child is merged into it and stays its own. Valid even where NOT
    VALID in `parent`: the new table is empty (checked on the server)."""
    for con in _inheritable_checks(parent):
        if con.name not in child.constraints:
            catalog.put_constraint(child, _inherited_check(con, validated=con.enforced))


def _check_below(catalog: Catalog, t: Table, con: Constraint) -> None:
    """A CHECK added to `t` (ADD CONSTRAINT, ADD COLUMN) reaches every partition and
    inheritance child, however deep, as it is on `t` (NOT VALID too), unless NO INHERIT; a
    child with a CHECK of that name keeps its own, merged (checked on the server). ONLY is
    refused while there are children."""
    if con.kind != "check" or con.no_inherit:
        return
    for child in _children(catalog, t.name):
        if con.name not in child.constraints:
            catalog.put_constraint(child, _inherited_check(con, con.validated))


def _copy_column(col: Column) -> Column:
    """A copy of `col` for another table (a partition, a child, a LIKE or typed table): the
    sequences `col` owns stay its own, a serial's too: the copy's default draws from it
    (dropping the copy leaves it, checked on the server)."""
    copy = Column(**{f: getattr(col, f) for f in col.__slots__})
    copy.owns = ()
    if copy.default == "nextval()":
        copy.default = "default"
    return copy


def _inherited_copy(col: Column) -> Column:
    col.inherited = True
    return col


def _partition_copy(parent: Table, col: Column) -> Column:
    """Column `col` of `parent` as a partition made by PARTITION OF has it: its NOT NULL
    under the parent's name for it (checked on PostgreSQL 18)."""
    copy = _copy_column(col)
    if col.not_null:
        copy.not_null_name = not_null_name(parent, col.name)
    return copy


def _not_null_copy(source: Table, col: Column) -> Column:
    """Column `col` of `source` as a table made from it has it (INHERITS, LIKE): its NOT NULL
    under `source`'s name for it, and valid even where NOT VALID in `source` (checked on the
    server)."""
    copy = _copy_column(col)
    if col.not_null:
        copy.not_null_name, copy.not_null_valid = not_null_name(source, col.name), True
    return copy


def _inherits_copy(parent: Table, col: Column) -> Column:
    """Column `col` of `parent` as a table that INHERITS from it gets it: NOT NULL unless
    that NOT NULL is NO INHERIT (checked on PostgreSQL 18)."""
    copy = _not_null_copy(parent, col)
    if col.not_null_no_inherit:
        copy.not_null, copy.not_null_name, copy.not_null_no_inherit = False, "", False
    return copy


#: CREATE TABLE ... LIKE options (TableLikeOption bits): what the copy includes.
_LIKE_DEFAULTS, _LIKE_GENERATED, _LIKE_IDENTITY = 1 << 3, 1 << 4, 1 << 5
_LIKE_CONSTRAINTS, _LIKE_INDEXES, _LIKE_STATISTICS = 1 << 2, 1 << 6, 1 << 7


def _like_columns(catalog: Catalog, t: Table, like: dict) -> None:
    """The columns `CREATE TABLE t (LIKE source ...)` copies, where the LIKE stands: name,
    type, collation and NOT NULL always; the default, the generation expression and identity
    only as INCLUDING DEFAULTS, GENERATED and IDENTITY say (checked on the server). A source
    the catalog does not fully know makes `t` one too (`Catalog.fully_known`): created as if
    outside these migrations, and a guess (`unsure`) where the source is one."""
    source_name = range_var(like.get("relation"))[0]
    source = catalog.fully_known(source_name)
    if source is None:
        t.created_by = None
        if not catalog.sure_of(source_name):
            catalog.unsure.add(t.name)
        seen = catalog.tables.get(source_name)
        if seen is None or seen.kind not in ("table", "partitioned"):
            return
    options = like.get("options", 0)
    for col in (source or seen).columns.values():
        copy = _not_null_copy(source or seen, col)
        if not options & _LIKE_DEFAULTS and not copy.generated:
            copy.default = copy.default_sequence = None
            copy.uses = ()
        if not options & _LIKE_GENERATED and copy.generated:
            copy.generated = copy.virtual = False
            _generate(copy, None)
        if not options & _LIKE_IDENTITY:
            copy.identity = False
        copy.identity_sequence = serial_sequence(catalog, t.name, copy.name) \
            if copy.identity else None
        copy.inherited = False
        merged = t.columns.get(copy.name)
        if merged is not None and merged.not_null and not copy.not_null:
            # Merged with an inherited column: the parent's NOT NULL stays (checked on the
            # server).
            copy.not_null, copy.not_null_name = True, merged.not_null_name
        t.columns[copy.name] = copy


def _like_extras(catalog: Catalog, t: Table, like: dict) -> None:
    """What LIKE copies besides columns, after the table is made: CHECK constraints under
    their own names (INCLUDING CONSTRAINTS; a NOT VALID one is copied valid), indexes and
    the key, unique and exclusion constraints built on them under the names PostgreSQL
    chooses for new ones (INCLUDING INDEXES), extended statistics likewise (INCLUDING
    STATISTICS). Foreign keys never."""
    source = catalog.tables.get(range_var(like.get("relation"))[0])
    if source is None or source.kind not in ("table", "partitioned"):
        return
    options = like.get("options", 0)
    if options & _LIKE_CONSTRAINTS:
        for con in source.constraints.values():
            if con.kind == "check" and con.name not in t.constraints:
                catalog.put_constraint(t, replace(con, validated=con.enforced, created_by=None,
                                                  inherited=False))
    if options & _LIKE_INDEXES:
        _like_indexes(catalog, t, source)
    if options & _LIKE_STATISTICS:
        for stat, table in list(catalog.statistics.items()):
            if table == source.name:
                columns = catalog.statistics_columns.get(stat, ())
                from lockwise.catalog.extended_statistics import (
                    _add_statistics,
                    _statistics_entry,
                    _statistics_name,
                )

                _add_statistics(catalog, _statistics_name(catalog, t.name, columns), t.name,
                                *_statistics_entry(catalog, stat))


def _like_indexes(catalog: Catalog, t: Table, source: Table) -> None:
    """INCLUDING INDEXES: each index of `source`, in the order they were made, and each key,
    unique or exclusion constraint with it, named as PostgreSQL names new ones (the copy of
    an index after the names of the index's own columns, which a column rename does not
    change)."""
    schema = t.name.split(".", 1)[0]
    for idx in catalog.indexes_on(source.name):
        con = source.constraints.get(idx.name.split(".", 1)[1])
        attnames = idx.attnames or idx.columns
        if con is not None and con.kind in ("primary", "unique", "exclude"):
            name = default_constraint_name(catalog, t.name, attnames, con.kind)
            _add_table_constraint(catalog, t, replace(con, name=name, created_by=None,
                                                      inherited=False), attnames)
            continue
        name = f"{schema}.{unnamed_index_name(catalog, t.name, attnames)}"
        # A copy of a partition's index is attached to no partitioned index.
        catalog.filed(name)
        catalog.indexes[name] = replace(idx, name=name, table=t.name, valid=True,
                                        attnames=attnames, attached_to=None)


def _alter_enforceability(t: Table, alter: dict) -> None:
    """PostgreSQL 18's ALTER CONSTRAINT ... [NOT] ENFORCED: enforcing validates the
    constraint, no longer enforcing it leaves it not valid."""
    con = t.constraints.get(alter.get("conname", ""))
    if con is not None and alter.get("alterEnforceability"):
        con.enforced = con.validated = bool(alter.get("is_enforced"))


def _alter_deferrability(catalog: Catalog, t: Table, alter: dict) -> None:
    """ALTER CONSTRAINT ... [NOT] DEFERRABLE [INITIALLY DEFERRED | IMMEDIATE] of a foreign
    key (the server refuses it for other kinds): its partitions' clones, however deep, follow
    (checked on 18.6), so a key of a table attached later must match them to become the clone
    (`Catalog.same_foreign_key`)."""
    con = t.constraints.get(alter.get("conname", ""))
    if con is None or con.kind != "foreign" or not alter.get("alterDeferrability"):
        return
    pending = [(t.name, con)]
    while pending:
        table, key = pending.pop()
        key.deferrable, key.deferred = bool(alter.get("deferrable")), \
            bool(alter.get("initdeferred"))
        for part in filter(None, map(catalog.tables.get, catalog.direct_partitions(table))):
            pending += [(part.name, c) for c in part.constraints.values()
                        if c.clone_of == key.name]


def _inherit_not_null(catalog: Catalog, t: Table, alter: dict) -> None:
    """PostgreSQL 18's ALTER CONSTRAINT n INHERIT of a NOT NULL constraint: each child it
    reaches without a NOT NULL on that column gets one, under the parent's name, checked
    (`Catalog.not_null_inheritors`). NO INHERIT leaves the children theirs."""
    column = not_null_column(t, alter.get("conname", ""))
    if column is None or not alter.get("alterInheritability"):
        return
    column.not_null_no_inherit = bool(alter.get("noinherit"))
    if column.not_null_no_inherit:
        return

    def has_it(child: str) -> bool:  # a column the catalog lacks: nothing to follow
        known = catalog.column(child, column.name)
        return known is None or known.not_null

    for child, _, had in catalog.not_null_inheritors(t.name, has_it):
        if not had:
            _make_not_null(catalog.tables[child].columns[column.name], alter["conname"],
                           valid=True)


def _not_null_constraint(catalog: Catalog, t: Table, con: dict) -> None:
    """PostgreSQL 18's table-level `CONSTRAINT n NOT NULL a` (in CREATE TABLE or ADD
    CONSTRAINT): column a becomes NOT NULL, as with the column form; NOT VALID leaves it not
    valid unless it was NOT NULL already (then the statement changes nothing)."""
    if con.get("contype") == "CONSTR_NOTNULL":
        for colname in strings(con.get("keys")):
            if colname in t.columns:
                column = t.columns[colname]
                if not column.not_null:
                    column.not_null_no_inherit = bool(con.get("is_no_inherit"))
                _make_not_null(column, con.get("conname") or "",
                               valid=not con.get("skip_validation"))
                column.not_null_from_parent = False  # written on `t`: its own
                catalog.note_constraint_name(t.name, column.not_null_name)


def _name_not_null(catalog: Catalog, t: Table, column: str) -> None:
    """Column `column` of `t` made NOT NULL by the statement, its constraint unnamed:
    PostgreSQL 18 names it `table_column_not_null`, numbered while a constraint of the table
    or of its schema has that name (`default_constraint_name`; checked on 18.6). The catalog
    keeps the name: it stays when the table or the column is renamed, or the constraint that
    took the name goes."""
    col = t.columns.get(column)
    if col is None or not col.not_null or col.not_null_name or \
            not catalog.not_null_constraints:
        return
    col.not_null_name = default_constraint_name(catalog, t.name, (column,), "not_null")
    catalog.note_constraint_name(t.name, col.not_null_name)


def _key_not_null(catalog: Catalog, t: Table, con: Constraint, nullable: list[str]) -> None:
    """ADD PRIMARY KEY on `t`: each of its `nullable` columns gets a NOT NULL constraint,
    named as SET NOT NULL names one (`_name_not_null`), and so does that column of every
    partition and inheritance child not yet NOT NULL (ONLY fails while a child's is
    nullable), under `t`'s name; one already NOT NULL keeps its own (checked on 18.6)."""
    for colname in nullable:
        _name_not_null(catalog, t, colname)
    for child in _children(catalog, t.name):
        for colname in con.columns:
            if colname in child.columns and colname in t.columns:
                _make_not_null(child.columns[colname], not_null_name(t, colname), True)


def _make_not_null(column: Column, name: str, valid: bool) -> None:
    if not column.not_null:
        column.not_null, column.not_null_name, column.not_null_valid = True, name, valid


def _add_not_null_recursing(catalog: Catalog, t: Table, con: dict, inh: bool) -> None:
    """ALTER TABLE ... ADD [CONSTRAINT n] NOT NULL a: on `t`, and unless ONLY or NO INHERIT
    on its partitions and inheritance children too, each under the parent's name."""
    if con.get("contype") != "CONSTR_NOTNULL":
        return
    made = [c for c in strings(con.get("keys")) if c in t.columns and not t.columns[c].not_null]
    _not_null_constraint(catalog, t, con)
    for colname in made:
        _name_not_null(catalog, t, colname)
    if not inh or con.get("is_no_inherit"):
        return
    for colname in strings(con.get("keys")):
        column = t.columns.get(colname)
        if column is None:
            continue
        name = column.not_null_name or not_null_name(t, colname)
        for child in _children(catalog, t.name):
            if colname in child.columns:
                _make_not_null(child.columns[colname], name, column.not_null_valid)


def _children(catalog: Catalog, table: str) -> list[Table]:
    """The partitions and inheritance children of `table` the catalog knows, however deep."""
    return [child for name in catalog.partitions(table) + catalog.inheritance_children(table)
            if (child := catalog.tables.get(name)) is not None]


def not_null_name(t: Table, column: str) -> str:
    """The name of `column`'s NOT NULL constraint in `t`: as the catalog keeps it
    (`Column.not_null_name`), else (before 18, where a NOT NULL has no name) the one
    PostgreSQL 18 would give it now (`table_column_not_null`)."""
    known = t.columns.get(column)
    if known is not None and known.not_null_name:
        return known.not_null_name
    return generated_name(t.name.split(".", 1)[-1], column, "not_null")


def constraint_names(t: Table) -> set[str]:
    """The names of `t`'s constraints, its columns' NOT NULL ones (PostgreSQL 18) included:
    the names a constraint PostgreSQL names on `t` is numbered past."""
    return set(t.constraints) | {not_null_name(t, c.name) for c in t.columns.values()
                                 if c.not_null}


def free_constraint_name(table_name: str, column: str, label: str,
                         taken: Collection[str]) -> str:
    """`table_column_label`, numbered after the label while one of the `taken` names (the
    table's constraints: `constraint_names`) has it, as ChooseConstraintName numbers: the
    server refuses a constraint named as another of the table, of any kind."""
    return free_generated_name(table_name, label, lambda name: name in taken, name2=column)


def not_null_check_name(t: Table | None, table_name: str, column: str,
                        also: Collection[str] = ()) -> str:
    """A name for the CHECK (column IS NOT NULL) that proves NOT NULL until SET NOT NULL
    replaces it: `table_column_not_null_check`, numbered while a constraint of `t` or one of
    the names `also` has it (as ChooseConstraintName numbers). Not `table_column_not_null`:
    PostgreSQL 18 gives that name to the NOT NULL constraint SET NOT NULL adds, and with a
    CHECK holding it would name that one `table_column_not_null1` for good (checked on the
    server)."""
    taken = constraint_names(t) if t is not None else set()
    return free_constraint_name(table_name, column, "not_null_check", taken | set(also))


def new_not_null_name(t: Table | None, table_name: str, column: str,
                      catalog: Catalog | None = None, also: Collection[str] = ()) -> str:
    """The name PostgreSQL 18 gives the NOT NULL constraint that SET NOT NULL (or ADD COLUMN
    ... NOT NULL) makes for `column` of `t`: `table_column_not_null`, numbered while a
    constraint of `t` has it (a CHECK of that name: `..._not_null1`, checked on 18.6) or,
    given the `catalog`, one of another table of its schema (`Catalog.constraint_named`), or
    one of the names `also`."""
    taken = (constraint_names(t) if t is not None else set()) | set(also)
    if t is None or catalog is None:
        return free_constraint_name(table_name, column, "not_null", taken)
    schema = t.name.split(".", 1)[0]
    return free_generated_name(table_name, "not_null", lambda name: name in taken or
                               catalog.constraint_named(schema, name), name2=column)


def not_null_swap_names(table_name: str, old: str, new: str, kept: str = "",
                        taken: Collection[str] = ()) -> tuple[str, str, str]:
    """PostgreSQL 18's NOT NULL constraint names at the swap of an expand / contract change
    of column `old` of `table_name` (unqualified) for column `new`: the name the new column's
    has (`table_new_not_null`, as SET NOT NULL names it: numbered past the old column's and
    the `taken` names of the table's other constraints, where a long name cuts to one of
    them), the name it is to take (`kept`, the old column's as the catalog knows it:
    `not_null_name`; else the one PostgreSQL gives `old`'s), and the name the old column's
    moves to, to free that one, where the swap runs while the old column is still there,
    renamed `<old>_old` (the one PostgreSQL would give it then, numbered past those two: cut
    to 63 bytes, `<old>_new`'s and `<old>_old`'s can be the same). A rename of a column
    keeps its constraint's name (checked on 18.6). Without `kept` (the old column is made
    NOT NULL by the statement), the name SET NOT NULL gives, numbered past `taken` too."""
    kept = kept or free_constraint_name(table_name, old, "not_null", taken)
    made = free_generated_name(table_name, "not_null",
                               lambda name: name == kept or name in taken, name2=new)
    return (made, kept, free_generated_name(
        table_name, "not_null", lambda name: name in (kept, made) or name in taken,
        name2=generated_name(old, None, "old")))


def not_null_column(t: Table, name: str) -> Column | None:
    """The column of `t` whose NOT NULL constraint is called `name` (None: no such one)."""
    return next((c for c in t.columns.values()
                 if c.not_null and not_null_name(t, c.name) == name), None)


def _validate_not_null(catalog: Catalog, t: Table, name: str, inh: bool) -> None:
    """VALIDATE CONSTRAINT of a NOT NULL constraint: valid on `t`, and unless ONLY on the
    children that carry it under that name."""
    for table in [t, *(_children(catalog, t.name) if inh else ())]:
        column = not_null_column(table, name)
        if column is not None:
            column.not_null_valid = True


def _alter_table(catalog: Catalog, stmt: dict) -> None:
    name, _ = range_var(stmt.get("relation"))
    if stmt.get("objtype") == "OBJECT_INDEX":
        _alter_index(catalog, stmt, name)
        return
    if stmt.get("objtype") == "OBJECT_TYPE":
        from lockwise.catalog.user_types import _alter_composite

        _alter_composite(catalog, name, stmt)
        return
    t = catalog.tables.get(name)
    if t is None:
        # IF EXISTS: PostgreSQL skips it when the table is not there, so it tells nothing of
        # one made outside these migrations (and a later CREATE TABLE of it is no duplicate).
        if stmt.get("objtype", "OBJECT_TABLE") != "OBJECT_TABLE" or stmt.get("missing_ok"):
            return
        t = catalog.tables[name] = Table(name, known_from_use=True)  # made outside
        catalog.filed(name)
    inh = bool((stmt.get("relation") or {}).get("inh"))
    for cmd_node in stmt.get("cmds") or ():
        _, cmd = unwrap(cmd_node)
        sub = cmd.get("subtype", "")
        colname = cmd.get("name", "")
        column = t.columns.get(colname)
        if sub == "AT_AddColumn":
            _, body = unwrap(cmd.get("def"))
            col = _column(catalog, body, name)
            if cmd.get("missing_ok") and col.name in t.columns and catalog.sure_of(name):
                # IF NOT EXISTS: the whole definition is skipped, constraints too (unless a
                # DO block may have taken the column away: then, as the effect model does,
                # the column counts as added)
                continue
            t.columns[col.name] = col
            catalog.note_sequence_column(name, col)
            had = set(t.constraints)
            _add_column_constraints(catalog, t, body, col.name)
            _name_not_null(catalog, t, col.name)
            _add_column_below(catalog, t, col)
            for con in [c for key, c in t.constraints.items() if key not in had]:
                _check_below(catalog, t, con)
                _foreign_key_below(catalog, t, con)
        elif sub == "AT_DropColumn":
            # The generated columns reading it go too: with CASCADE, and silently before
            # PostgreSQL 15 (which refuses the statement without CASCADE).
            cascade = cmd.get("behavior") == "DROP_CASCADE"
            for dropped in [colname, *catalog.generated_reading(name, colname)]:
                _drop_column(catalog, t, dropped, cascade)
                _drop_column_below(catalog, name, dropped, cascade, inh)
        elif sub == "AT_AlterColumnType":
            _, body = unwrap(cmd.get("def"))
            tname, mods, is_array = catalog.column_type(body.get("typeName"))
            if column is None:
                column = t.columns[colname] = Column(colname, tname)
            for _, changed in _with_below(catalog, t, colname, inh):
                changed.type_name, changed.typmods, changed.array = tname, mods, is_array
                changed.collation = collation_name(body)  # none written: the type's default
        elif sub == "AT_ColumnDefault" and column is not None:
            # SET DEFAULT NULL stores no default, as DROP DEFAULT.
            for table, changed in _with_below(catalog, t, colname, inh):
                changed.default = None if cmd.get("def") is None or _is_null(cmd["def"]) \
                    else "default"
                changed.default_expression = cmd.get("def") if changed.default else None
                _draw_default_from(changed, cmd.get("def"))
                catalog.note_sequence_column(table.name, changed)
                changed.uses = expression_uses(cmd.get("def"))
                changed.names = _names(cmd.get("def"),
                                       catalog.holds_regclass(changed.type_name, changed.array))
        elif sub == "AT_DropExpression" and column is not None:
            column.generated = column.virtual = False
            _generate(column, None)
        elif sub == "AT_SetExpression" and column is not None:
            _generate(column, cmd.get("def"))
        elif sub == "AT_AlterConstraint":
            _alter_enforceability(t, unwrap(cmd.get("def"))[1])
            _alter_deferrability(catalog, t, unwrap(cmd.get("def"))[1])
            _inherit_not_null(catalog, t, unwrap(cmd.get("def"))[1])
        elif sub == "AT_SetNotNull" and column is not None:
            # Validates a NOT VALID one; reaches the children unless ONLY, where a column not
            # NOT NULL yet gets the constraint under the parent's name (checked on 18.6).
            if not column.not_null:
                _make_not_null(column, "", valid=True)
                _name_not_null(catalog, t, colname)
            column.not_null_valid, column.not_null_from_parent = True, False
            for table in _children(catalog, name) if inh else ():
                if colname in table.columns:
                    _make_not_null(table.columns[colname], not_null_name(t, colname), True)
                    table.columns[colname].not_null_valid = True
        elif sub in ("AT_AddIdentity", "AT_DropIdentity"):
            # The partitions' columns follow the parent's (checked on the server).
            if colname in t.columns:  # (the partitions draw from the parent's)
                t.columns[colname].identity_sequence = identity_sequence(
                    catalog, name, colname, unwrap(cmd.get("def"))[1]) \
                    if sub == "AT_AddIdentity" else None
            for table in [t, *filter(None, map(catalog.tables.get, catalog.partitions(name)))]:
                if colname in table.columns:
                    table.columns[colname].identity = sub == "AT_AddIdentity"
                    catalog.note_sequence_column(table.name, table.columns[colname])
        elif sub == "AT_DropNotNull" and column is not None:
            _drop_not_null(catalog, t, colname, inh)
        elif sub == "AT_AddConstraint":
            _add_not_null_recursing(catalog, t, unwrap(cmd.get("def"))[1], inh)
            con = constraint_from(catalog, unwrap(cmd.get("def"))[1], name)
            if con:
                taken = _take_index(catalog, name, con,
                                    unwrap(cmd.get("def"))[1].get("indexname"))
                body = unwrap(cmd.get("def"))[1]
                nullable = [c for c in con.columns if c in t.columns and
                            not t.columns[c].not_null] if con.kind == "primary" else []
                _add_table_constraint(catalog, t, con, _exclusion_attnames(body), body)
                if con.kind == "primary":
                    _key_not_null(catalog, t, con, nullable)
                key = f"{name.split('.', 1)[0]}.{con.name}"
                if taken is not None and key in catalog.indexes:
                    # Still the index it was: a new key of a parent compares it as such.
                    catalog.indexes[key] = replace(catalog.indexes[key],
                                                   signature=taken.signature,
                                                   tablespace=taken.tablespace)
                if inh:
                    _check_below(catalog, t, con)
                    _key_below(catalog, t, con)
                    _foreign_key_below(catalog, t, con)
        elif sub == "AT_ValidateConstraint" and colname in t.constraints:
            # A CHECK is validated on the children that have it too (ONLY is refused); a
            # foreign key on the partitions' clones of it, whatever their names.
            for table in [t, *(_children(catalog, name) if inh else ())]:
                if colname in table.constraints:
                    table.constraints[colname].validated = True
            for part, clone in foreign_key_clones(catalog, name, colname):
                catalog.put_constraint(part, replace(part.constraints[clone], validated=True))
        elif sub == "AT_ValidateConstraint":
            _validate_not_null(catalog, t, colname, inh)
        elif sub == "AT_DropConstraint":
            if refused_inherited(t.constraints.get(colname)):
                continue  # the server refuses to drop a partition's clone alone
            _drop_foreign_keys_using(catalog, t, colname, cmd.get("behavior") == "DROP_CASCADE")
            for part, clone in foreign_key_clones(catalog, name, colname):
                del part.constraints[clone]
            dropped = t.constraints.pop(colname, None)
            # Constraint names are unique on a table: a CHECK or key of this name is the one
            # dropped, and a NOT NULL that PostgreSQL would have named so was named otherwise.
            # Before 18 no constraint has that name: IF EXISTS only notices (without it the
            # statement is refused and not replayed).
            if dropped is None and catalog.not_null_constraints and \
                    (nn := not_null_column(t, colname)) is not None:
                _drop_not_null(catalog, t, nn.name, inh)
            if dropped is None or dropped.kind == "check":
                if inh:
                    _drop_partition_checks(catalog, name, colname)
                _drop_inherited_checks(catalog, name, colname, inh)
            # (a table the catalog knows whole has no key of that name: an index of the name
            # is one of its own, which IF EXISTS leaves; checked on 18.6)
            if dropped.kind in ("primary", "unique", "exclude") if dropped is not None else \
                    catalog.fully_known(name) is None:
                _drop_index(catalog, f"{name.split('.', 1)[0]}.{colname}")
        elif sub == "AT_AddInherit":
            parent = range_var(cmd.get("def"))[0]
            if parent == name or catalog.descends_from(parent, name):
                continue  # circular inheritance, which the server refuses: never recorded
            t.inherits = (*t.inherits, parent)
            catalog.inheritance_parents.add(parent)
            _join_checks(catalog, t, parent, take_over=False)
        elif sub == "AT_DropInherit":
            parent = range_var(cmd.get("def"))[0]
            t.inherits = tuple(p for p in t.inherits if p != parent)
            _own_checks(catalog, t, parent)
        elif sub in ("AT_AttachPartition", "AT_DetachPartition"):
            _, spec = unwrap(cmd.get("def"))
            part = catalog.tables.get(range_var(spec.get("name"))[0])
            if part is not None and sub == "AT_AttachPartition" and \
                    (part.name == name or name in catalog.partitions(part.name)
                     or catalog.descends_from(name, part.name)):
                part = None  # a cycle, which the server refuses: never recorded
            if part is not None and sub == "AT_AttachPartition":
                _join_checks(catalog, part, name, take_over=True)
                part.partition_of = name
                part.default_partition = bool((spec.get("bound") or {}).get("is_default"))
                part.partition_bound = spec.get("bound")
                catalog.partition_parents.add(name)
                _new_partition_indexes(catalog, name, part.name, attaching=True)
                _clone_foreign_keys(catalog, name, part)
                _take_parent_identities(catalog, t, part)
            elif part is not None and part.partition_of == name:  # also CONCURRENTLY
                _keep_foreign_keys(catalog, part)
                _own_checks(catalog, part, name)
                part.partition_of, part.default_partition = None, False
                part.partition_bound = None
                _drop_parent_identities(part)
                for idx in catalog.indexes_on(part.name):  # now indexes of their own
                    _attach_index(catalog, idx, None)
                    _own_key(catalog, idx, own=True)
        elif sub == "AT_AddOf":
            t.of_type = object_name(strings(unwrap(cmd.get("def"))[1].get("names")))
        elif sub == "AT_DropOf":
            t.of_type = None
        elif sub == "AT_SetLogged":
            t.unlogged = False
        elif sub == "AT_SetTableSpace":
            t.tablespace = cmd.get("name", "")
        elif sub in _RULE_SWITCHES and cmd.get("name") in t.rules:
            catalog.put_rules(t, {**t.rules, cmd["name"]: replace(
                t.rules[cmd["name"]], enabled=_RULE_SWITCHES[sub])})
        elif sub == "AT_SetUnLogged":
            t.unlogged = True
        elif sub in ("AT_EnableRowSecurity", "AT_DisableRowSecurity"):
            t.row_security = sub == "AT_EnableRowSecurity"
        elif sub == "AT_ChangeOwner":
            t.owner = role_name(cmd.get("newowner")) or ""
        elif sub in TRIGGER_SWITCHES:
            switch_triggers(t, sub, cmd.get("name"))
    _note_uses_altered(catalog, name, stmt)
    _note_not_null_names_altered(catalog, t, stmt)


#: ALTER TABLE subcommands that may give the partitions or inheritance children of the
#: table uses (`Catalog.uses_tables`): a default, generation expression or CHECK reaching
#: them, a partition attached with the parent's CHECKs and indexes.
_USES_BELOW = frozenset({"AT_AddColumn", "AT_ColumnDefault", "AT_SetExpression",
                         "AT_AddConstraint", "AT_AttachPartition"})


def _note_uses_altered(catalog: Catalog, name: str, stmt: dict) -> None:
    """What ALTER TABLE `name` (`stmt`) may have given a use files it under and its children
    (`Catalog.note_uses`)."""
    catalog.note_uses(name)
    if (name in catalog.partition_parents or name in catalog.inheritance_parents) and any(
            unwrap(cmd)[1].get("subtype") in _USES_BELOW for cmd in stmt.get("cmds") or ()):
        for child in _children(catalog, name):
            catalog.note_uses(child.name)


#: ALTER TABLE subcommands that may give the partitions or inheritance children of the
#: table NOT NULL constraints, under the table's names.
_NOT_NULL_BELOW = frozenset({"AT_AddColumn", "AT_SetNotNull", "AT_AddConstraint",
                             "AT_AlterConstraint"})


def _note_not_null_names_altered(catalog: Catalog, t: Table, stmt: dict) -> None:
    """The names of the NOT NULL constraints ALTER TABLE `t` (`stmt`) may have given its
    children, `t`'s own (`Catalog.note_constraint_names`; those of `t` itself are noted as
    they are given)."""
    if (t.name in catalog.partition_parents or t.name in catalog.inheritance_parents) and any(
            unwrap(cmd)[1].get("subtype") in _NOT_NULL_BELOW for cmd in stmt.get("cmds") or ()):
        for child in _children(catalog, t.name):
            catalog.note_constraint_names(child)


def _drop_not_null(catalog: Catalog, t: Table, column: str, inh: bool) -> None:
    """DROP NOT NULL of `column` of `t`, or (PostgreSQL 18) DROP CONSTRAINT of its NOT NULL
    constraint by name: unless ONLY, it goes down the tree from every table that loses it
    (checked on the server): from each partition, and from each inheritance child whose
    NOT NULL is only its parent's (the column inherited, or the child's own written without
    NOT NULL); a child that made it NOT NULL itself keeps it, and so do its children. With
    ONLY the children keep theirs."""
    todo = [t] if _drop_own_not_null(t.columns.get(column)) and inh else []
    while todo:
        parent = todo.pop()
        for name in catalog.direct_partitions(parent.name) + \
                catalog.direct_inheritance_children(parent.name):
            child = catalog.tables.get(name)
            changed = child.columns.get(column) if child is not None else None
            if changed is not None and changed.not_null and (
                    child.partition_of or changed.inherited or changed.not_null_from_parent) \
                    and not _not_null_from_another_parent(catalog, child, column):
                _drop_own_not_null(changed)
                todo.append(child)


def _not_null_from_another_parent(catalog: Catalog, child: Table, column: str) -> bool:
    """Whether an inheritance parent of `child` still passes it a NOT NULL on `column`: from
    PostgreSQL 18 the child's NOT NULL constraint counts its parents, and goes only with the
    last (checked on 18.6; 15.18 drops it with the first parent's, as the replay does for a
    version before 18 stated)."""
    if not catalog.not_null_constraints or child.partition_of:
        return False
    return any((above := parent.columns.get(column)) is not None and above.not_null
               and not above.not_null_no_inherit
               for parent in filter(None, map(catalog.tables.get, child.inherits)))


def _drop_own_not_null(changed: Column | None) -> bool:
    if changed is None:
        return False
    changed.not_null, changed.not_null_name = False, ""
    changed.not_null_valid, changed.not_null_from_parent = True, False
    return True


def _with_below(catalog: Catalog, t: Table, column: str,
                inh: bool) -> list[tuple[Table, Column]]:
    """(table, column) for `column` of `t` and, unless ONLY, of each partition and inheritance
    child that has it, however deep: what ALTER COLUMN ... TYPE, SET / DROP DEFAULT and DROP
    NOT NULL reach (checked on the server)."""
    tables = [t, *(_children(catalog, t.name) if inh else ())]
    return [(table, c) for table in tables if (c := table.columns.get(column)) is not None]


def _add_column_below(catalog: Catalog, t: Table, col: Column) -> None:
    """ADD COLUMN reaches every partition and inheritance child, however deep (PostgreSQL
    refuses ONLY when there are any): each gets the column as `t` has it, its default and NOT
    NULL included, an inheritance child as inherited; a child with a column of that name
    keeps its own, merged (checked on the server)."""
    for child in _children(catalog, t.name):
        if col.name not in child.columns:
            copy = _not_null_copy(t, col)
            copy.inherited = child.partition_of is None
            child.columns[col.name] = copy
            catalog.note_sequence_column(child.name, copy)


def _drop_column_below(catalog: Catalog, table: str, column: str, cascade: bool,
                       inh: bool) -> None:
    """DROP COLUMN reaches every partition, however deep. An inheritance child loses the
    column only when it merely inherits it, and then passes the drop on to its own children;
    a column of the child's own stays, as it does with ONLY, where the direct children keep
    theirs as their own (checked on the server)."""
    if inh:
        for part in filter(None, map(catalog.tables.get, catalog.partitions(table))):
            _drop_column(catalog, part, column, cascade)
    for name in catalog.direct_inheritance_children(table):
        child = catalog.tables[name]
        col = child.columns.get(column)
        if col is None:
            continue
        if inh and col.inherited:
            _drop_column(catalog, child, column, cascade)
            _drop_column_below(catalog, name, column, cascade, inh)
        else:
            col.inherited = False


def _drop_column(catalog: Catalog, t: Table, column: str, cascade: bool) -> None:
    """Column `column` of `t` goes, and the indexes and constraints over it (also the indexes
    whose predicate or expressions read it); with CASCADE the views and the routines with a
    SQL-standard body that use it too."""
    if cascade:
        # (the policies first: those naming a view dropped here go too)
        _policies.drop_dependent_policies(catalog.policies_using_column(t.name, column))
        t.triggers = {n: tr for n, tr in t.triggers.items() if column not in tr.columns}
        going = routines_reading_column(catalog, t.name, column)
        calling = routine_dependents(catalog, going)  # (while they are known)
        forget_overloads(catalog, going)
        _drop_callers(catalog, calling)
        views = catalog.views_using_column(t.name, column)
        _drop_views(catalog, views + [o for v in views for o in catalog.views_over(v)])
        # The foreign keys pointing at it (the server refuses without CASCADE).
        for other, fk in catalog.referencing(t.name, clones=True):
            if column in (fk.ref_columns or catalog.primary_key(t.name)):
                catalog.tables[other].constraints.pop(fk.name, None)
    dropped = t.columns.pop(column, None)
    if dropped is not None:
        _drop_owned_sequences(catalog, (dropped,))
    _drop_statistics(catalog, [s for s in _statistics_on(catalog, t.name)
                               if column in catalog.statistics_reads.get(s, ())])
    for key in [k for k in catalog.index_keys_on(t.name)
                if column in catalog.indexes[k].columns or column in catalog.indexes[k].reads]:
        del catalog.indexes[key]
    for key in [k for k, c in t.constraints.items() if column in c.columns or column in c.reads]:
        del t.constraints[key]


def _drop_foreign_keys_using(catalog: Catalog, t: Table, name: str, cascade: bool) -> None:
    """DROP CONSTRAINT `name` CASCADE of a key or unique constraint of `t`: the foreign keys
    that use its index go with it (the server refuses it without CASCADE while any exist)."""
    con = t.constraints.get(name)
    if not cascade or con is None or con.kind not in ("primary", "unique"):
        return
    for other, fk in catalog.foreign_keys_using(t.name, con.columns, clones=True):
        catalog.tables[other].constraints.pop(fk.name, None)


def clone_name(key_name: str, part: Table) -> str:
    """The name a partition's clone of the foreign key `key_name` takes: the parent key's,
    or `name_1`, `name_2`... while `part` has a constraint of that name (checked on the
    server)."""
    name, number = key_name, 0
    while name in part.constraints:
        number += 1
        name = generated_name(key_name, None, str(number))
    return name


def _clone_foreign_keys(catalog: Catalog, parent: str, part: Table,
                        keys: list[Constraint] | None = None) -> None:
    """Partition `part` (new, attached) gets a clone of each foreign key of `parent` (of
    `keys` of it when given: those just added), and its partitions in turn, however deep
    (tablecmds.c CloneFkReferencing, addFkRecurseReferencing): a key of its own that is equal
    (`Catalog.same_foreign_key`) and not yet a clone becomes the clone, valid when either is;
    else a new one under the parent key's name, or `name_1`, `name_2`... while the partition
    has a constraint of that name (checked on the server). New Constraint objects: a down
    check's catalog shares them."""
    known = catalog.tables.get(parent)
    if keys is None:
        keys = [c for c in known.constraints.values() if c.kind == "foreign"] if known else []
    for key in keys:
        mine = next((c for c in part.constraints.values() if not c.clone_of
                     and catalog.same_foreign_key(key, c)), None)
        if mine is not None:
            clone = replace(mine, inherited=True, clone_of=key.name,
                            validated=mine.validated or key.validated)
        else:
            clone = replace(key, name=clone_name(key.name, part), inherited=True,
                            clone_of=key.name, created_by=None)
        catalog.put_constraint(part, clone)
        catalog.note_foreign_key(part.name, clone.references)
        for sub in filter(None, map(catalog.tables.get, catalog.direct_partitions(part.name))):
            _clone_foreign_keys(catalog, part.name, sub, [clone])


def _foreign_key_below(catalog: Catalog, t: Table, con: Constraint) -> None:
    """A foreign key added to partitioned `t` (ONLY is refused): each partition gets its
    clone."""
    if t.kind == "partitioned" and con.kind == "foreign":
        for part in filter(None, map(catalog.tables.get, catalog.direct_partitions(t.name))):
            _clone_foreign_keys(catalog, t.name, part, [con])


def foreign_key_clones(catalog: Catalog, table: str, name: str) -> list[tuple[Table, str]]:
    """(partition, constraint name) of each clone of foreign key `name` of `table`, however
    deep: what a DROP CONSTRAINT or VALIDATE of it reaches."""
    out: list[tuple[Table, str]] = []
    for part in filter(None, map(catalog.tables.get, catalog.direct_partitions(table))):
        for clone in [c.name for c in part.constraints.values() if c.clone_of == name]:
            out += [(part, clone), *foreign_key_clones(catalog, part.name, clone)]
    return out


def refused_inherited(con: Constraint | None) -> bool:
    """Whether DROP CONSTRAINT of `con` alone is refused: a partition's clone of its
    parent's foreign key, UNIQUE, PRIMARY KEY or EXCLUDE constraint (checked on the server)."""
    return con is not None and con.inherited and (
        bool(con.clone_of) or con.kind in ("primary", "unique", "exclude"))


def _keep_foreign_keys(catalog: Catalog, part: Table) -> None:
    """A detached partition keeps its clones of its parent's foreign keys as keys of its own,
    under their names (new Constraint objects: a down check's catalog shares them); the
    clones its partitions hold of them stay theirs."""
    for con in [c for c in part.constraints.values() if c.clone_of]:
        catalog.put_constraint(part, replace(con, inherited=False, clone_of=""))


def _join_checks(catalog: Catalog, child: Table, parent: str, take_over: bool) -> None:
    """`child` made a partition (ATTACH) or inheritance child (INHERIT) of `parent`: the server
    requires it to have each of the parent's CHECKs already. ATTACH makes them inherited (it
    clears conislocal); INHERIT leaves them the child's own. One the catalog did not know it
    has is added, inherited."""
    known = catalog.tables.get(parent)
    for con in _inheritable_checks(known) if known is not None else ():
        mine = child.constraints.get(con.name)
        if mine is None:
            catalog.put_constraint(child, _inherited_check(con, con.validated))
        elif take_over and mine.kind == "check":
            catalog.put_constraint(child, replace(mine, inherited=True))


def _own_checks(catalog: Catalog, child: Table, parent: str) -> None:
    """`child` no longer under `parent` (DETACH, NO INHERIT): the CHECKs it inherited from it
    are its own now (checked on the server)."""
    known = catalog.tables.get(parent)
    for con in _inheritable_checks(known) if known is not None else ():
        mine = child.constraints.get(con.name)
        if mine is not None and mine.inherited:
            catalog.put_constraint(child, replace(mine, inherited=False))


def _drop_inherited_checks(catalog: Catalog, table: str, name: str, inh: bool) -> None:
    """CHECK `name` dropped from inheritance parent `table`: a child that only inherits it
    loses it, and its own children in turn; a child's own stays, and so do its children's.
    With ONLY, the direct children keep theirs as their own (checked on the server)."""
    for child_name in catalog.direct_inheritance_children(table):
        child = catalog.tables[child_name]
        con = child.constraints.get(name)
        if con is None or con.kind != "check":
            continue
        if inh and con.inherited:
            del child.constraints[name]
            _drop_inherited_checks(catalog, child_name, name, inh)
        elif not inh:
            catalog.put_constraint(child, replace(con, inherited=False))


def _take_parent_identities(catalog: Catalog, parent: Table, part: Table) -> None:
    """An attached partition's columns become identities where its parent's are, drawing
    from the parent's sequence, as PARTITION OF makes them (checked on PostgreSQL 18.6: a
    table with an identity of its own is refused)."""
    for col in parent.columns.values():
        if col.identity and col.name in part.columns:
            copy = part.columns[col.name]
            copy.identity, copy.identity_sequence = True, col.identity_sequence
            catalog.note_sequence_column(part.name, copy)


def _drop_parent_identities(part: Table) -> None:
    """A detached partition's identity columns, which can only be its parent's (a table with
    one of its own cannot be attached), are identities no more: no identity, no default, no
    sequence, the NOT NULL kept under its name, whether the identity came before or after
    the partition and DETACH ran CONCURRENTLY or not (checked on PostgreSQL 18.6). The
    table stays filed under the parent's sequence (`Catalog.sequence_tables`: a superset)."""
    for col in part.columns.values():
        if col.identity:
            col.identity, col.identity_sequence = False, None


def _drop_partition_checks(catalog: Catalog, table: str, name: str) -> None:
    """A CHECK dropped from a partitioned table goes from its partitions too: theirs is never
    their own, even when they had it before being attached (ATTACH clears conislocal).
    Inheritance children keep a CHECK they had before, so theirs is left."""
    for part in filter(None, map(catalog.tables.get, catalog.partitions(table))):
        con = part.constraints.get(name)
        if con is not None and con.kind == "check":
            del part.constraints[name]


def _relations_dropped(catalog: Catalog, name: str, cascade: bool) -> list[str]:
    """What DROP TABLE `name` drops: it, its partitions, and with CASCADE its inheritance
    children."""
    return [name, *catalog.partitions(name),
            *(catalog.inheritance_children(name) if cascade else ())]


def relation_namers(catalog: Catalog, name: str,
                    built_on: list[Routine] | None = None) -> Callers:
    """What DROP TABLE `name` ... CASCADE drops besides the views over it: what names one of
    the relations dropped by a regclass constant (`Catalog.naming`), and what calls a
    routine built on one (`routine_dependents`: a view, a default, a CHECK; checked on
    18.6). `built_on`: `routines_built_on`, when the caller has it."""
    if built_on is None:
        built_on = routines_built_on(catalog, name)
    return catalog.naming(_relations_dropped(catalog, name, cascade=True)) | \
        routine_dependents(catalog, built_on)


def row_type_columns(catalog: Catalog, name: str) -> list[tuple[str, str]]:
    """The (table, column) pairs of other tables whose type is the row type of a relation
    DROP TABLE `name` ... CASCADE drops (or an array of it, a domain over it): the server
    drops each column with its data (drop cascades to column r of table o; checked on 18.6),
    as DROP TYPE ... CASCADE does."""
    dropped = _relations_dropped(catalog, name, cascade=True)
    return [pair for rel in dropped for pair in catalog.columns_dropped_with_type(rel)
            if pair[0] not in dropped]


def routines_built_on(catalog: Catalog, name: str) -> list[Routine]:
    """The functions and procedures DROP TABLE / VIEW `name` ... CASCADE drops: those built
    on a relation it drops or a view over one (`Routine.relations`: a SQL-standard body
    naming it, its row type as an argument or result; checked on 18.6), by name, and those
    calling them (`routines_going`)."""
    return routines_going(catalog, relations={*_relations_dropped(catalog, name, cascade=True),
                                              *catalog.cascade_reach(name)})


def routines_reading_column(catalog: Catalog, table: str, column: str) -> list[Routine]:
    """The functions and procedures ALTER TABLE `table` DROP COLUMN `column` CASCADE drops:
    those whose SQL-standard body reads or writes it, or reads a view that goes with it
    (however deep), and those calling them (`routines_going`; checked on 18.6)."""
    views = catalog.views_using_column(table, column)
    return routines_going(catalog, relations={o for v in views
                                              for o in (v, *catalog.views_over(v))},
                          columns={(table, column)})


def routines_using_column(catalog: Catalog, table: str, column: str) -> list[Routine]:
    """The functions and procedures whose SQL-standard body reads or writes `table`.`column`
    itself: ALTER TABLE ... DROP COLUMN without CASCADE is refused while one exists (2BP01,
    "function f() depends on column c of table t"; checked on 18.6). Empty at once when no
    routine uses it (`_built_on`: asked of every DROP COLUMN and change of a column's
    type)."""
    kept = catalog.kept_routines
    if (table, column) not in _built_on(kept)[2]:
        return []
    return [r for n in sorted(kept) for r in kept[n] if (table, column) in r.columns]


def _built_on(kept: dict[str, tuple[Routine, ...]]
              ) -> tuple[object, frozenset[str], frozenset[tuple[str, str]]]:
    """The relations the routines of `kept` (a `kept_routines`) are built on
    (`Routine.relations`) and the (table, column) pairs their SQL-standard bodies use, with
    `kept`: found once per mapping (replaced whole, never changed in place, as
    `routines.made_names` relies on), asked of every DROP TABLE, VIEW and COLUMN."""
    global _kept_built_on
    if _kept_built_on[0] is not kept:
        every = [r for overloads in kept.values() for r in overloads]
        _kept_built_on = (kept, frozenset(rel for r in every for rel in r.relations),
                          frozenset(pair for r in every for pair in r.columns))
    return _kept_built_on


#: `_built_on` of the last `kept_routines` asked about, with that mapping.
_kept_built_on: tuple[object, frozenset[str], frozenset[tuple[str, str]]] = \
    (None, frozenset(), frozenset())


def routine_dependents(catalog: Catalog, going: Collection[Routine],
                       functions: Collection[str] = ()) -> Callers:
    """What a DROP ... CASCADE drops because it calls one of `functions` (qualified) or a
    routine of `going` whose every overload goes (`Catalog.callers`: a default, a
    generated column, a constraint, an index, a view and those over it; checked on 18.6):
    the one walk DROP FUNCTION, DROP TABLE and DROP COLUMN ... CASCADE share."""
    names = [*functions, *sorted({r.name for r in going if set(
        catalog.kept_routines.get(r.name, ())) <= set(going)})]
    if not names:
        return Callers()
    return catalog.callers(lambda uses: any(calls_function(uses, n) for n in names))


def routines_calling(catalog: Catalog, stmt: dict, name: str) -> list[Routine]:
    """The functions and procedures DROP FUNCTION / PROCEDURE / ROUTINE `stmt` (naming
    `name`, qualified) ... CASCADE drops besides it: those whose SQL-standard body or
    argument defaults call it, and those calling them (`routines_going`; checked on 18.6).
    None while an overload of the name that the statement does not drop stays: a call may
    mean that one."""
    obj = next((o for o in stmt.get("objects") or ()
                if _may_name(strings(unwrap(o)[1].get("objname")), name)), None)
    if not obj or _overload_left(catalog, unwrap(obj)[1], name):
        return []
    return routines_going(catalog, functions={name})


def _may_name(names: list[str], routine: str) -> bool:
    """Whether a DROP's object named `names` (as written) may be `routine` (qualified): its
    schema's, or a bare name of it, found along the path (`routines.dropped_routine`)."""
    return object_name(names) == routine if len(names) > 1 else \
        bool(names) and routine.rsplit(".", 1)[-1] == names[-1]


def routines_going(catalog: Catalog, relations: Collection[str] = (),
                   columns: Collection[tuple[str, str]] = (),
                   functions: Collection[str] = ()) -> list[Routine]:
    """The kept routines a DROP ... CASCADE takes along ("drop cascades to function f()",
    checked on 18.6): those built on one of `relations` (`Routine.relations`), whose
    SQL-standard body reads or writes one of `columns` (`Routine.columns`) or which call one
    of `functions` (qualified, each going with every overload; a call matched by name, as
    `calls_function` does), then those calling one that goes, however deep, once every
    overload of its name goes."""
    kept = catalog.kept_routines
    if not kept:
        return []
    rels, cols = set(relations), set(columns)
    if not functions:
        _, built_on, used = _built_on(kept)
        if built_on.isdisjoint(rels) and used.isdisjoint(cols):
            return []  # (nearly every DROP: no routine is built on what goes)
    every = [r for n in sorted(kept) for r in kept[n] if r.name not in functions]
    gone = dict.fromkeys(r for r in every if not rels.isdisjoint(r.relations)
                         or not cols.isdisjoint(r.columns))
    names = [*functions, *sorted({r.name for r in gone if set(kept[r.name]) <= gone.keys()})]
    while names:
        name = names.pop()
        for routine in every:
            if routine not in gone and routine.calls and calls_function(routine.calls, name):
                gone[routine] = None
                if set(kept[routine.name]) <= gone.keys():
                    names.append(routine.name)
    # Each before those it calls: dropped by name in this order, none is still needed.
    ordered: dict[Routine, None] = {}
    seen: set[Routine] = set()

    def callers_first(routine: Routine) -> None:
        if routine in seen:
            return
        seen.add(routine)
        for caller in gone:
            if calls_function(caller.calls, routine.name):
                callers_first(caller)
        ordered[routine] = None

    for routine in gone:
        callers_first(routine)
    return list(ordered)


def _drop_relations(catalog: Catalog, name: str, cascade: bool) -> None:
    """DROP TABLE / VIEW `name`: it and its partitions; with CASCADE its inheritance
    children, the views over any of them, the policies on others naming those, what
    names one of them by a regclass constant, the columns of their row types and the
    routines built on them."""
    if cascade:
        going = routines_built_on(catalog, name)
        found = relation_namers(catalog, name, going)  # (before they go: what calls them)
        forget_overloads(catalog, going)
        _drop_callers(catalog, found)
        for table, column in row_type_columns(catalog, name):
            if table in catalog.tables:
                _drop_column(catalog, catalog.tables[table], column, cascade=True)
        reach = catalog.cascade_reach(name)
        _policies.drop_dependent_policies(catalog.policies_on_others(reach))
        # The views over its partitions and children go too, not only those over it.
        _drop_views(catalog, [v for v in reach if (catalog.tables.get(v) or _NO_VIEW).kind
                              in ("view", "matview")])
    for rel in _relations_dropped(catalog, name, cascade):
        _drop_relation(catalog, rel)


_NO_VIEW = Table("", kind="")


def end_session(catalog: Catalog) -> None:
    """The session a migration ran in ends: its temporary objects go (`drop_temporary`), and
    what it SET for itself with them. The next migration's unqualified names mean the tables
    they shadowed again."""
    drop_temporary(catalog)
    catalog.replica_role = ""


def drop_temporary(catalog: Catalog) -> None:
    """The session's temporary objects go, as the server drops them at its end or at
    DISCARD TEMP / DISCARD ALL: its temporary relations (with CASCADE: a view over one is
    temporary too), their indexes and sequences with them, and the types, domains,
    functions and procedures made in pg_temp, with CASCADE too: a permanent table's column
    of such a type goes, and the views and indexes over it (NOTICE: drop cascades to column m
    of table perm; checked on 18.6: test_temporary_tables). Those the replay filed there
    (`Catalog.temporary`), not a scan of the whole catalog after each migration, which grew
    with the history."""
    temporary, catalog.temporary = catalog.temporary, {}
    if temporary:
        catalog.version_memo = None  # (what was found of the schema: found again)
    for name in temporary:
        if name in catalog.tables:  # (not already gone with an earlier one)
            _drop_relations(catalog, name, cascade=True)
    for name in temporary:
        if name in catalog.indexes:
            _drop_index(catalog, name)
    if not catalog.sequences.isdisjoint(temporary):
        catalog.sequences.difference_update(temporary)
    if not catalog.types.isdisjoint(temporary):  # (made under a path with pg_temp first)
        from lockwise.catalog.user_types import _drop_type

        for name in temporary:
            if name in catalog.types:
                _drop_type(catalog, name, True, {})
    for name in temporary:
        if name in catalog.kept_routines:
            forget_routine(catalog, name)
    catalog.commit_drops = False


def _on_commit(catalog: Catalog, t: Table, on_commit: str | None) -> None:
    """CREATE TEMP TABLE ... ON COMMIT DROP: the table goes at the end of its transaction."""
    if on_commit == "ONCOMMIT_DROP" and t.name.startswith(TEMPORARY_PREFIX):
        t.on_commit_drop = catalog.commit_drops = True


def end_transaction(catalog: Catalog) -> None:
    """A transaction ended (COMMIT or ROLLBACK, or a statement run outside a transaction
    block, its own transaction): the temporary tables made ON COMMIT DROP go, as the server
    drops them, with what depends on them (checked on 18.6: test_temporary_tables). Only
    those the replay filed in pg_temp are looked at (`Catalog.temporary`), as at the
    session's end: not every table of the history at each COMMIT."""
    if catalog.replica_role == "local":  # (SET LOCAL session_replication_role)
        catalog.replica_role = ""
    if not catalog.commit_drops:
        return
    catalog.version_memo = None  # (what was found of the schema: found again)
    for name in [n for n in catalog.temporary
                 if (t := catalog.tables.get(n)) is not None and t.on_commit_drop]:
        if name in catalog.tables:  # (not already gone with an earlier one)
            _drop_relations(catalog, name, cascade=True)
    catalog.commit_drops = False


def end_statement(catalog: Catalog, session: Session, ended_before: int) -> None:
    """After a statement `session` followed (`Session.after`) and the replay applied: its
    transaction's ON COMMIT DROP tables go when it ended one (COMMIT, ROLLBACK) or ran
    outside a transaction block, as its own transaction. `ended_before`:
    `session.ended_transactions` before the statement. For lint's replay and the graph's.
    (A SET LOCAL session_replication_role ends with the transaction too.)"""
    catalog.statement_memo = None  # (let go by `apply_statement`, unless it was refused)
    if (catalog.commit_drops or catalog.replica_role == "local") and \
            (session.ended_transactions != ended_before or not session.in_transaction):
        end_transaction(catalog)


#: A ROLLBACK (ROLLBACK TO, AND CHAIN, ...) or an ABORT (ROLLBACK by another name) where a
#: line or a statement starts.
_ROLLBACK = lazy_compile(r"(?:^|;)\s*(?:rollback|abort)\b", re.IGNORECASE | re.MULTILINE)


#: A ROLLBACK TO (WORK, TRANSACTION; SAVEPOINT) and the savepoint it names, where one of its
#: spellings runs to the statement's end: an unquoted name (group 1, folded to lower case as
#: the parser folds ASCII letters) or a quoted one (group 2, `""` for a quote).
_ROLLBACK_TO = lazy_compile(
    r'(?:\s+(?:work|transaction))?\s+to\s+(?:savepoint\s+)?'
    r'(?:([a-z_][a-z0-9_$]*)|"((?:[^"]|"")+)")\s*(?:;|\Z)', re.IGNORECASE | re.ASCII)
#: A ROLLBACK of the transaction (WORK, TRANSACTION; AND [NO] CHAIN) running to the
#: statement's end.
_ROLLBACK_PLAIN = lazy_compile(r"(?:\s+(?:work|transaction))?(?:\s+and\s+(?:no\s+)?chain)?"
                               r"\s*(?:;|\Z)", re.IGNORECASE | re.ASCII)
#: The word ROLLBACK anywhere.
_ROLLBACK_WORD = lazy_compile(r"\brollback\b", re.IGNORECASE)


def _rollback_targets(sql: str, lowered: str) -> tuple[bool, Counter[str] | None]:
    """What the ROLLBACKs of a migration's text (`lowered`: the text in lower case) can put
    back: whether a transaction's start (a ROLLBACK of the transaction, or an ABORT), and how
    many ROLLBACK TOs name each savepoint; (True, None) when a ROLLBACK word is neither read
    here (a comment inside it, a U& name, ...): everything. A word in a comment or a body
    counts too: more copies, never fewer."""
    plain = "abort" in lowered
    names: Counter[str] = Counter()
    for found in _ROLLBACK_WORD.finditer(sql):
        to = _ROLLBACK_TO.match(sql, found.end())
        if to is not None:
            name = to[1].lower() if to[1] is not None else to[2].replace('""', '"')
            if len(name.encode()) < 64:  # (longer: the parser cuts it to NAMEDATALEN)
                names[name] += 1
                continue
        if to is not None or _ROLLBACK_PLAIN.match(sql, found.end()) is None:
            return True, None
        plain = True
    return plain, names


class Rollbacks:
    """The catalog as each transaction of a migration found it, put back at its ROLLBACK:
    what the rolled-back statements made, dropped or changed (a DISCARD TEMP's drops among
    them) is undone, as on the server (checked on 18.6: test_transaction_block_replay); and
    the catalog as each savepoint found it, put back at ROLLBACK TO SAVEPOINT
    (`Session.savepoints` says which, test_savepoints). For lint's replay and the graph's,
    which call `before` and `after` around each statement the session follows. `keep`: the
    caller's own sets and dicts of what the statements did (the tables new in the migration,
    the graph's creators and users of each object, ...), copied whole (the sets and lists they
    hold too) and put back with the catalog. Kept only for a migration whose text has a
    ROLLBACK or an ABORT where a statement starts (`sql`; not Liquibase's `--rollback`
    comments), and only where one can put it back: the copy costs the whole catalog. A
    transaction's start is copied when the text has a ROLLBACK other than a ROLLBACK TO (or
    an ABORT); a savepoint when a ROLLBACK TO of its name is still to come
    (`_rollback_targets`' count, less those run)."""

    __slots__ = ("keep", "of", "plain", "points", "saved", "targets")

    def __init__(self, sql: str, keep: tuple[set | dict, ...] = ()) -> None:
        #: The catalog when the open transaction began, and which transaction that is
        #: (`Session.ended_transactions` then); -1: none kept (no ROLLBACK in the text).
        self.saved: tuple[Catalog, tuple] | None = None
        lowered = sql.lower()
        self.of = 0 if ("rollback" in lowered or "abort" in lowered) and _ROLLBACK.search(sql) \
            else -1
        self.keep = keep
        #: The catalog (and `keep`) when each savepoint of `Session.savepoints` was made;
        #: None for one no ROLLBACK TO to come names.
        self.points: list[tuple[Catalog, tuple] | None] = []
        self.plain, self.targets = _rollback_targets(sql, lowered) if self.of == 0 \
            else (False, None)

    def _copy(self, catalog: Catalog) -> tuple[Catalog, tuple]:
        return copied(catalog), tuple(_kept_copy(kept) for kept in self.keep)

    def _copy_for(self, catalog: Catalog, name: str) -> tuple[Catalog, tuple] | None:
        """A copy for savepoint `name`, when a ROLLBACK TO to come can put it back."""
        if self.targets is not None and self.targets[name] <= 0:
            return None
        return self._copy(catalog)

    def _put_back(self, catalog: Catalog, saved: tuple[Catalog, tuple]) -> tuple:
        """`catalog` and `keep` as `saved` has them (in place: the callers hold them); what
        `keep` held until then (a copy of each)."""
        for name in Catalog.__slots__:
            setattr(catalog, name, getattr(saved[0], name))
        undone = tuple(kept.copy() for kept in self.keep)
        for kept, was in zip(self.keep, saved[1], strict=True):
            kept.clear()
            kept.update(was)
        return undone

    def before(self, catalog: Catalog, session: Session) -> None:
        """A statement of the migration is about to be replayed: the catalog is kept when it
        opens the transaction's work (the first statement run inside it)."""
        if self.of < 0 or not session.in_transaction:
            return
        if self.saved is None or self.of != session.ended_transactions:
            self.saved = self._copy(catalog) if self.plain or self.targets is None else None
            self.of = session.ended_transactions

    def after(self, catalog: Catalog, session: Session, ended_before: int) -> tuple | None:
        """After the statement was followed (`Session.after`) and replayed: a ROLLBACK of the
        transaction `before` kept puts its catalog back; a ROLLBACK TO, its savepoint's. What
        `keep` held just before it was put back (None when nothing was): the work undone."""
        if self.of < 0:
            return None
        if session.ended_transactions != ended_before:
            self.points.clear()
            if self.saved is not None and session.ended_by == "rollback" and \
                    self.of == ended_before:
                saved, self.saved = self.saved, None
                return self._put_back(catalog, saved)
            return None
        at = session.rolled_back_to
        undone = None
        if at >= 0 and at < len(self.points):
            del self.points[at + 1:]
            name = session.savepoints[at][0]
            if self.targets is not None:
                self.targets[name] -= 1
            point = self.points[at]
            if point is not None:  # (None: no ROLLBACK TO named it, against the count)
                undone = self._put_back(catalog, point)
            self.points[at] = self._copy_for(catalog, name)  # (to be rolled back to again)
        elif len(session.savepoints) < len(self.points):  # RELEASE
            del self.points[len(session.savepoints):]
        elif len(session.savepoints) > len(self.points):  # SAVEPOINT
            self.points.append(self._copy_for(catalog, session.savepoints[-1][0]))
        return undone


def _kept_copy(kept: set | dict) -> set | dict:
    """A copy of one of `Rollbacks.keep`'s sets or dicts that the caller's changes leave as
    it is: a set's items and a dict's keys shared (hashable: names, tuples), a dict's sets
    copied, its values hashed by their fields shared (strings, tuples, a dataclass frozen or
    hashed as one, such as the graph's `Location`: never changed in place, as a dict's key
    may not be), anything else deep-copied (a mapping of the caller's own, the graph's
    views and drops, copies itself by its shape through `__deepcopy__`). Every location of
    the conflict graph's made objects deep-copied at each copy was two fifths of its time
    (once the catalog's copy was cut) on a history rolled back to a savepoint every tenth
    migration."""
    from copy import deepcopy

    kind = type(kept)
    if kind is set:
        return set(kept)
    if kind is not dict:  # (a mapping of the caller's own: filed as it knows)
        return deepcopy(kept)
    kinds = set(map(type, kept.values()))  # (most hold values of one kind: decided once)
    if all(_hashed_by_value(k) for k in kinds):
        return dict(kept)
    if kinds == {set}:
        return {key: set(value) for key, value in kept.items()}
    return {key: value if _hashed_by_value(type(value)) else
            set(value) if type(value) is set else deepcopy(value)
            for key, value in kept.items()}


def _hashed_by_value(kind: type) -> bool:
    """Whether objects of `kind` are immutable or hashed by their fields (a dataclass frozen,
    or with `unsafe_hash`): never changed in place."""
    from lockwise.catalog.clone import SHARED

    if kind in SHARED:
        return True
    params = getattr(kind, "__dataclass_params__", None)
    return params is not None and (params.frozen or params.unsafe_hash)


def copied(catalog: Catalog) -> Catalog:
    """A copy of `catalog` that replaying into leaves it as it is: each of its containers,
    tables, indexes and the other catalog objects in them its own (`clone`), what the
    replay never changes in place shared (strings, tuples, parse trees), as a down check's
    fork copies what it changes (`graph.down.fork`)."""
    from lockwise.catalog.clone import clone

    catalog.statement_memo = None  # (found again from the catalog: not copied)
    catalog.version_memo = None
    catalog.column_types = None
    new = object.__new__(Catalog)
    for name in Catalog.__slots__:
        value = getattr(catalog, name)
        # (an IndexMap files its clones by table again; `clone` would share it whole)
        setattr(new, name, value.remade({key: clone(index) for key, index in value.items()})
                if isinstance(value, IndexMap) else value.fork()
                if isinstance(value, NameIndex) else clone(value))
    return new


def _drop_relation(catalog: Catalog, name: str) -> None:
    dropped = catalog.pop_relation(name)
    _rules_follow_rename(catalog, name, None)
    if dropped is not None:
        _drop_owned_sequences(catalog, dropped.columns.values())
    _drop_statistics(catalog, _statistics_on(catalog, name))
    for key in catalog.index_keys_on(name):
        del catalog.indexes[key]
    for other in _tables_pointing_at(catalog, name):
        for key in [k for k, c in other.constraints.items() if c.references == name]:
            del other.constraints[key]


def _drop_sequence_readers(catalog: Catalog, name: str) -> None:
    """DROP SEQUENCE `name` CASCADE, of what reads or names it (checked on 18.6): the views
    whose query reads it go whole (its _RETURN rule is the view), with the views over them;
    a rule of a table or a view that reads it or names it by a regclass constant
    (`nextval('s')`), or reads one of those views, goes alone, and so does such a policy."""
    views = catalog.views_over(name)
    _policies.drop_dependent_policies(catalog.policies_on_others([name, *views]))
    _drop_views(catalog, views)
    _rules_follow_rename(catalog, name, None)


def _alter_index(catalog: Catalog, stmt: dict, name: str) -> None:
    """ALTER INDEX parent ATTACH PARTITION child: child becomes a part of parent; SET
    TABLESPACE moves it; SET (...) and RESET (...) change its storage parameters."""
    for cmd_node in stmt.get("cmds") or ():
        _, cmd = unwrap(cmd_node)
        if cmd.get("subtype") == "AT_SetTableSpace" and name in catalog.indexes:
            catalog.indexes[name] = replace(catalog.indexes[name], tablespace=cmd.get("name", ""))
        if cmd.get("subtype") in ("AT_SetRelOptions", "AT_ResetRelOptions") and \
                name in catalog.indexes:
            catalog.indexes[name] = replace(catalog.indexes[name], storage_parameters=(
                _reset_storage_parameters if cmd["subtype"] == "AT_ResetRelOptions" else
                _set_storage_parameters)(catalog.indexes[name].storage_parameters, cmd))
        if cmd.get("subtype") == "AT_AttachPartition" and name in catalog.indexes:
            child = catalog.indexes.get(range_var(unwrap(cmd.get("def"))[1].get("name"))[0])
            if child is not None:
                _attach_index(catalog, child, name)
                # A key's index takes the partition's constraint over it along.
                if catalog.index_constraint(catalog.indexes[name]) is not None:
                    _own_key(catalog, child, own=False)
                _validate_partitioned_index(catalog, name)


def missing_index_parts(catalog: Catalog, name: str,
                        attaching: Index | None = None) -> list[str]:
    """The partitions of the table of partitioned index `name` (qualified) without a valid
    part of it attached (with `attaching` attached too, when given): while there is one, an
    index made ON ONLY stays invalid (PostgreSQL's validatePartitionedIndex)."""
    idx = catalog.indexes.get(name)
    if idx is None:
        return []
    return [p for p in catalog.direct_partitions(idx.table)
            if not (attaching is not None and attaching.valid and attaching.table == p)
            and not any(i.attached_to == name and i.valid for i in catalog.indexes_on(p))]


def _validate_partitioned_index(catalog: Catalog, name: str) -> None:
    """An invalid partitioned index whose partitions all have a valid part of it attached
    becomes valid, and so, in turn, may the index it is a part of (checked on the server)."""
    idx = catalog.indexes.get(name)
    if idx is None or idx.valid or missing_index_parts(catalog, name):
        return
    catalog.indexes[name] = replace(idx, valid=True)
    if idx.attached_to:
        _validate_partitioned_index(catalog, idx.attached_to)


def _attach_index(catalog: Catalog, idx: Index, parent: str | None) -> None:
    """Index `idx` made a part of partitioned index `parent` (None: of none). A new Index, not
    `idx` changed: a down migration is replayed on a copy of the catalog that shares its Index
    objects (graph/down.py `fork`)."""
    catalog.indexes[idx.name] = replace(idx, attached_to=parent)


def _own_key(catalog: Catalog, idx: Index, own: bool) -> None:
    """The partition's UNIQUE / PRIMARY KEY / EXCLUDE constraint whose index is `idx` made its own
    (DETACH) or the clone of its parent's (attached). A new Constraint: forks share them."""
    con = catalog.index_constraint(idx)
    if con is not None:
        catalog.put_constraint(catalog.tables[idx.table], replace(con, inherited=not own))


def _drop_index(catalog: Catalog, name: str, part: bool = False) -> None:
    """An index goes with the parts of it its partitions hold; a part that is the index of a
    partition's clone of a key takes that constraint along (`part`: `name` is such a part)."""
    idx = catalog.indexes.pop(name, None)
    table = catalog.tables.get(idx.table) if idx is not None else None
    if part and idx is not None and (con := catalog.index_constraint(idx)) is not None and \
            con.inherited:
        del catalog.tables[idx.table].constraints[con.name]
    if table is not None and table.kind != "partitioned":
        return  # only a partitioned table's index has parts: no look through every index
    for key in [k for k, i in catalog.indexes.items() if i.attached_to == name]:
        _drop_index(catalog, key, part=True)


def _name_rule(catalog: Catalog, table: str, old: str | None, new: str | None,
               rule: QueryRule | None = None) -> None:
    """Rule `old` of `table` goes by `new`: None for `old` adds `rule` (CREATE, CREATE OR
    REPLACE), None for `new` drops it. The dict is replaced, never changed in place (forks
    share it)."""
    t = catalog.tables.get(table)
    if t is None:
        return
    kept = t.rules.get(old) if old is not None else rule
    rules = {n: r for n, r in t.rules.items() if n != old and n != new}
    if new is not None and kept is not None:
        rules[new] = kept
    catalog.put_rules(t, rules)


#: ALTER TABLE's rule subcommands -> whether the rule then fires in an ordinary session.
_RULE_SWITCHES = {"AT_EnableRule": True, "AT_EnableAlwaysRule": True,
                  "AT_EnableReplicaRule": False, "AT_DisableRule": False}

#: RuleStmt's event -> the write it names.
_RULE_EVENTS = {"CMD_INSERT": "insert", "CMD_UPDATE": "update", "CMD_DELETE": "delete",
                "CMD_SELECT": "select"}


def _rule_of(catalog: Catalog, stmt: dict) -> QueryRule:
    """The rule a CREATE RULE makes; the relations it names that the catalog knows written
    with their schema, as the server resolved them then (it keeps them by oid)."""
    from lockwise.catalog.objects import QueryRule

    return QueryRule(_RULE_EVENTS.get(stmt.get("event", ""), ""), bool(stmt.get("instead")),
                     _with_schemas(catalog, stmt.get("whereClause")),
                     tuple(_with_schemas(catalog, stmt.get("actions") or [])),
                     regclass_names=_names([stmt.get("whereClause"), stmt.get("actions")]))


def _with_schemas(catalog: Catalog, node: object) -> object:
    if isinstance(node, list):
        return [_with_schemas(catalog, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "relname" in node and not node.get("schemaname"):
        name = range_var(node)[0]
        if name in catalog.tables or name in catalog.sequences:
            return {**node, "schemaname": name.split(".", 1)[0]}
    return {key: _with_schemas(catalog, value) for key, value in node.items()}


def _rules_follow_rename(catalog: Catalog, old: str, new: str | None) -> None:
    """The rules naming relation `old` name `new` now (they keep it by oid); None: it is
    dropped, and they with it (DROP ... CASCADE; without, the server refuses)."""
    for table in catalog.tables_with_rules_naming(old):
        catalog.put_rules(table, {
            name: replace(rule, where=renamed_relation(rule.where, old, new or old),
                          actions=tuple(renamed_relation(list(rule.actions), old, new or old)),
                          regclass_names=tuple(new if n == old else n
                                               for n in rule.regclass_names))
            for name, rule in table.rules.items() if new is not None or not rule.names(old)})


#: CreateTrigStmt's `timing` bits for INSTEAD OF and BEFORE, and its `events` bits for each write
#: (PostgreSQL's TRIGGER_TYPE_* values).
_TRIGGER_INSTEAD = 64
_TRIGGER_BEFORE = 2
_TRIGGER_WRITES = ((4, "insert"), (8, "delete"), (16, "update"))


def _create_trigger(catalog: Catalog, stmt: dict) -> None:
    table = catalog.tables.get(range_var(stmt.get("relation"))[0])
    names = strings(stmt.get("funcname"))
    function = (names or [""])[-1].lower()
    if table is not None and function:  # also OR REPLACE: its new level and function
        instead = stmt.get("timing", 0) & _TRIGGER_INSTEAD
        if stmt.get("trigname", "") not in table.triggers:  # (OR REPLACE keeps its place)
            catalog.made_now(f"trigger:{table.name}.{stmt.get('trigname', '')}")
        table.triggers[stmt.get("trigname", "")] = _objects.Trigger(
            function, row=bool(stmt.get("row")), qualified=object_name(names),
            instead_of=tuple(write for bit, write in _TRIGGER_WRITES
                             if instead and stmt.get("events", 0) & bit),
            columns=_trigger_columns(stmt), update_of=tuple(strings(stmt.get("columns"))),
            events=tuple(
                write for bit, write in _TRIGGER_WRITES if stmt.get("events", 0) & bit),
            before=bool(stmt.get("timing", 0) & _TRIGGER_BEFORE),
            when_changed=_trigger_when.changed_columns(stmt.get("whenClause")),
            when_calls=function_calls(stmt.get("whenClause")))
        catalog.note_triggers(table)


def _trigger_columns(stmt: dict) -> tuple[str, ...]:
    """The columns of its table a CREATE TRIGGER names: after UPDATE OF, and in its WHEN as
    `OLD.col` / `NEW.col` (a WHEN reads no other relation)."""
    named = dict.fromkeys(strings(stmt.get("columns")))
    for kind, body in walk(stmt.get("whenClause")):
        fields = strings(body.get("fields")) if kind == "ColumnRef" else []
        if len(fields) == 2 and fields[0].lower() in ("old", "new"):
            named[fields[1]] = None
    return tuple(named)


def _own_sequence(catalog: Catalog, sequence: str, owner: list[str] | None,
                  created: bool = False) -> None:
    """CREATE / ALTER SEQUENCE `sequence` ... OWNED BY `owner` (`[..., table, column]`; []:
    NONE; None: not said): the column it belonged to lets it go (a serial's too), the one
    named (a column the catalog knows) gets it (`Column.owns`)."""
    if owner is None:
        return
    if not created:
        serials = [col for col in _disown_sequence(catalog, sequence)
                   if col.default == "nextval()"]
        for col in serials:
            # A serial's: now a sequence of its own, its default still drawing from it.
            col.default = "default"
        if serials:
            catalog.sequences.add(sequence)
            catalog.filed(sequence)
    table = object_name(owner[:-1]) if owner else ""
    col = catalog.column(table, owner[-1]) if owner else None
    if col is not None:
        col.owns = (*col.owns, sequence)
        catalog.note_sequence_column(table, col)


def _disown_sequence(catalog: Catalog, sequence: str) -> list[Column]:
    """No column owns `sequence` any more (OWNED BY another or NONE, DROP SEQUENCE); the
    columns whose default draws from it, found on the same walk (a pg_dump schema says
    OWNED BY for each of its sequences: the columns of the tables filed under it alone,
    `Catalog.tables_naming_sequence`, not a walk of every column each)."""
    drawing: list[Column] = []
    for t in catalog.tables_naming_sequence(sequence):
        for col in t.columns.values():
            if sequence in col.owns:
                col.owns = tuple(s for s in col.owns if s != sequence)
            if col.default_sequence == sequence:
                drawing.append(col)
    return drawing


def _drop_owned_sequences(catalog: Catalog, columns: Iterable[Column]) -> None:
    """The sequences `columns` own go with them (DROP COLUMN, DROP TABLE; checked on the
    server), and the defaults of other columns drawing from one (which the server drops
    with CASCADE and refuses to leave behind without it)."""
    for col in columns:
        for sequence in col.owns:
            catalog.sequences.discard(sequence)
            for table, column in catalog.columns_drawing_from(sequence):
                drawing = catalog.tables[table].columns[column]
                drawing.default = drawing.default_sequence = None


def _drop_views(catalog: Catalog, views: list[str]) -> None:
    """`views` go, dropped with what they use (a CASCADE), and the rules of other tables and
    views naming one of them (checked on 18.6: "drop cascades to rule r on table t")."""
    for view in views:
        catalog.pop_relation(view)
        _rules_follow_rename(catalog, view, None)
        for key in catalog.index_keys_on(view):
            del catalog.indexes[key]


def _tables_pointing_at(catalog: Catalog, relation: str) -> list[Table]:
    """The views that read `relation`, the tables with a foreign key to it, and those with a
    policy naming it."""
    # Only the tables `source_readers` and `fk_sources` list (supersets) can read it or have
    # such a key: they are the only ones worth a look (this runs for every DROP and RENAME
    # of a relation).
    found = {t.name: t for t in catalog.views_reading(relation)}
    found.update((name, catalog.tables[name])
                 for name, _ in catalog.referencing(relation, clones=True))
    found.update((t.name, t) for t in _policies.holders_reached(catalog, [relation]))
    if len(found) < 2:
        return list(found.values())
    # In the catalog's order (that of the scan this replaces): a look through every table,
    # but only for a relation that two others depend on.
    return [t for t in catalog.tables.values() if found.get(t.name) is t]


def _tables_triggering(catalog: Catalog, names: list[str]) -> list[Table]:
    """The tables with a trigger that executes function `names` (its name parts)."""
    found = catalog.triggers_calling(names[-1].lower(), object_name(names))
    return list({id(t): t for t, _ in found}.values())


#: The object types of a DROP, RENAME or SET SCHEMA of a relation.
RELATION_KINDS = ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE")
_ROUTINE_KINDS = ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE")


def embedded_trees(do_stmt: dict, catalog: Catalog | None = None) -> list[dict]:
    """The parse trees of the statements the replay follows in a DO block (`_do_block`;
    given the `catalog`, with the expressions that call a routine it keeps)."""
    from lockwise.parse.plpgsql import embedded_statements, plpgsql_body

    body = plpgsql_body(do_stmt)
    if body is None:
        return []
    return followed_trees(catalog, body) if catalog is not None else \
        [e.tree for e in embedded_statements(body)]


def index_from_stmt(catalog: Catalog, stmt: dict) -> Index:
    """The index a CREATE INDEX statement creates (named as PostgreSQL would name it)."""
    table, _ = range_var(stmt.get("relation"))
    params = [unwrap(p)[1] for p in stmt.get("indexParams") or ()]
    cols = tuple(p.get("name") or "(expression)" for p in params)
    attnames = _index_column_names(params)
    idxname = stmt.get("idxname") or default_index_name(catalog, stmt)
    where = stmt.get("whereClause")
    expressions = index_expressions(stmt)
    return Index(f"{table.split('.', 1)[0]}.{idxname}", table, cols,
                 unique=bool(stmt.get("unique")),
                 reads=columns_read(expressions), uses=expression_uses(expressions),
                 names=_names(expressions),
                 partial=bool(where), predicate_not_null=only_not_null_columns(where),
                 attnames=attnames, signature=_index_signature(stmt, params),
                 storage_parameters=storage_parameters(stmt.get("options") or ()),
                 tablespace=stmt.get("tableSpace") or catalog.default_tablespace,
                 definition=index_definition(stmt, catalog))


#: The fields of CREATE INDEX an `Index.definition` keeps.
_DEFINITION_FIELDS = ("accessMethod", "unique", "nulls_not_distinct", "indexParams",
                      "indexIncludingParams", "whereClause")


def index_definition(stmt: dict, catalog: Catalog | None = None) -> dict:
    """`Index.definition` of the index CREATE INDEX `stmt` makes: its elements, INCLUDE,
    WHERE, access method, UNIQUE and NULLS NOT DISTINCT, each column reference by its name
    alone (the server keeps the column's number: a table qualification would be wrong once
    the table is renamed or copied), and each function its elements and its WHERE call by a
    bare name named with the schema `catalog`'s search_path in force finds it in
    (`calls_qualified`: the server keeps the function, a later path does not change it;
    pg_get_indexdef and pg_get_expr(indpred) write `WHERE app.is_live(v)` of a `WHERE
    is_live(v)` made under `SET search_path = app, public`, checked on 18.6, fix-pg74; as
    written without `catalog`)."""
    definition = generation_expression(
        {key: stmt[key] for key in _DEFINITION_FIELDS if key in stmt}) or {}
    params = definition.get("indexParams")
    expressions = params and any(unwrap(p)[1].get("expr") for p in params)
    if catalog is None or not (definition.get("whereClause") or expressions):
        return definition
    # (the indexed table's columns type the arguments a built-in name's choice reads)
    table = catalog.tables.get(range_var(stmt.get("relation"))[0])
    scope = {table.name.rpartition(".")[2]: table} if table is not None else None
    if definition.get("whereClause"):
        definition["whereClause"] = calls_qualified(catalog, definition["whereClause"], scope)
    if expressions:
        definition["indexParams"] = [
            {"IndexElem": {**elem, "expr": calls_qualified(catalog, elem["expr"], scope)}}
            if (elem := unwrap(p)[1]).get("expr") else p for p in params]
    return definition


def renamed_index_definition(definition: dict | None, old: str, new: str) -> dict | None:
    """`definition` (`Index.definition`) once column `old` of its table goes by `new`: the
    columns of its elements and INCLUDE, and the references of its expressions and WHERE."""
    if definition is None:
        return None
    renamed = dict(renamed_column_in(definition, old, new))  # (may be `definition` itself)
    for key in ("indexParams", "indexIncludingParams"):
        if key in renamed:
            renamed[key] = [{"IndexElem": {**elem, "name": new}}
                            if (elem := unwrap(param)[1]).get("name") == old else param
                            for param in renamed[key]]
    return renamed


def _set_storage_parameters(kept: tuple[tuple[str, str], ...] | None,
                            cmd: dict) -> tuple[tuple[str, str], ...] | None:
    """The storage parameters `kept` after SET (...) `cmd`: each one it names takes its new
    value, the others stay."""
    items = (unwrap(cmd.get("def"))[1] or {}).get("items") or ()
    added = storage_parameters(items)
    if kept is None or added is None:
        return None
    new = dict(added)
    return tuple((name, new.pop(name, sql)) for name, sql in kept) + tuple(new.items())


def _reset_storage_parameters(kept: tuple[tuple[str, str], ...] | None,
                              cmd: dict) -> tuple[tuple[str, str], ...] | None:
    """The storage parameters `kept` after RESET (...) `cmd`: those it names go back to
    their defaults (none written)."""
    items = (unwrap(cmd.get("def"))[1] or {}).get("items") or ()
    names = {unwrap(item)[1].get("defname") for item in items}
    return None if kept is None else tuple((n, sql) for n, sql in kept if n not in names)


def _plain_columns(params: list[dict]) -> bool:
    """Whether index elements `params` (IndexElems) are plain columns: no expression,
    collation, operator class or ordering (what `Index.signature` can compare)."""
    return all(p.get("name") and not p.get("collation") and not p.get("opclass")
               and p.get("ordering", "SORTBY_DEFAULT") == "SORTBY_DEFAULT"
               and p.get("nulls_ordering", "SORTBY_NULLS_DEFAULT") == "SORTBY_NULLS_DEFAULT"
               for p in params)


def _index_signature(stmt: dict, params: list[dict]) -> tuple | None:
    if not _plain_columns(params) or not params or stmt.get("whereClause") \
            or stmt.get("indexIncludingParams"):
        return None
    return (stmt.get("accessMethod") or "btree", bool(stmt.get("unique")),
            bool(stmt.get("nulls_not_distinct")))


def _create_index(catalog: Catalog, stmt: dict) -> None:
    idx = index_from_stmt(catalog, stmt)
    if idx.name in catalog.indexes or catalog.skips_creating(stmt, idx.name):
        return
    catalog.filed(idx.name)
    if (stmt.get("relation") or {}).get("inh"):  # not ON ONLY: every partition gets one
        catalog.indexes[idx.name] = idx
        if idx.uses:  # (its partitions' parts have none: `_partition_index`)
            catalog.note_uses(idx.table)
        for part in catalog.direct_partitions(idx.table):
            _partition_index(catalog, part, idx)
        return
    # ON ONLY a partitioned table with partitions: invalid until each has a valid part of it
    # attached (ALTER INDEX ... ATTACH PARTITION); a later partition gets its part, but only
    # that ALTER INDEX makes it valid (checked on the server).
    catalog.indexes[idx.name] = replace(idx, valid=not catalog.direct_partitions(idx.table))
    if idx.uses:
        catalog.note_uses(idx.table)


def _partition_index(catalog: Catalog, part: str, parent: Index,
                     key: Constraint | None = None, attaching: bool = False) -> None:
    """Partition `part` gets its part of partitioned index `parent`, the index of `key` when it
    is a UNIQUE / PRIMARY KEY constraint's (DefineIndex, AttachPartitionEnsureIndexes): an
    index of the same definition it has already is attached (and its own partitions are left
    as they are), for a key only one of a constraint, which becomes the key's clone; else a
    new one, named as CREATE INDEX or an unnamed constraint names it, is built on it and on
    its partitions in turn (checked on the server). An index the catalog cannot compare or
    name (`signature` None) is left unknown, a key's only where the partition may have one."""
    found = catalog.attachable_index(part, parent, key_kinds(key, attaching))
    if found is not None:
        _attach_index(catalog, found, parent.name)
        if key is not None:
            _own_key(catalog, found, own=False)
        return
    if parent.signature is None and (key is None or catalog.indexes_on(part)):
        return
    # Named after the partition's columns (a signature means plain columns only).
    attnames = _index_column_names([{"name": c} for c in parent.columns])
    schema = part.split(".", 1)[0]
    if key is None:
        name = f"{schema}.{unnamed_index_name(catalog, part, attnames)}"
    else:
        key = replace(key, name=default_constraint_name(catalog, part, attnames, key.kind),
                      inherited=True, created_by=None)
        catalog.put_constraint(catalog.tables[part], key)
        name = f"{schema}.{key.name}"
    clone = Index(name, part, parent.columns, unique=parent.unique, reads=parent.reads,
                  signature=parent.signature, attached_to=parent.name, attnames=attnames)
    catalog.indexes[name] = clone
    catalog.filed(name)
    for sub in catalog.direct_partitions(part):
        _partition_index(catalog, sub, clone, key)


def key_kinds(key: Constraint | None, attaching: bool) -> tuple[str, ...]:
    """`Catalog.attachable_index`'s `key_kinds` for a part of the index of `key` (None: an
    index of its own): a new key takes over a partition's index of any UNIQUE or PRIMARY KEY
    constraint; a partition being attached must have one of the key's own kind (checked on
    the server)."""
    if key is None:
        return ()
    return (key.kind,) if attaching or key.kind == "exclude" else ("primary", "unique")


def index_builds(catalog: Catalog, part: str, like: Index, key: Constraint | None = None,
                 attaching: bool = False) -> list[str]:
    """The relations of the tree of partition `part` on which a new part of partitioned
    index `like` (that of `key`, a UNIQUE / PRIMARY KEY constraint, when given) is built, each
    read in full: `part` unless it has an index to take over (`_partition_index`), and then
    its partitions in turn. One the catalog cannot compare counts as built."""
    if catalog.attachable_index(part, like, key_kinds(key, attaching)) is not None:
        return []
    return [part, *(rel for sub in catalog.direct_partitions(part)
                    for rel in index_builds(catalog, sub, like, key))]


def parent_indexes(catalog: Catalog, parent: str) -> list[tuple[Index, Constraint | None]]:
    """The indexes of `parent` a new or attached partition gets a part of, each with the
    UNIQUE / PRIMARY KEY / EXCLUDE constraint it is the index of (not an EXCLUDE the catalog
    cannot compare, `Index.signature` None: those are left out)."""
    return [(idx, con) for idx in catalog.indexes_on(parent)
            if (con := catalog.index_constraint(idx)) is None or con.kind != "exclude"
            or idx.signature is not None]


def _new_partition_indexes(catalog: Catalog, parent: str, part: str, attaching: bool) -> None:
    """A new or attached partition gets a part of each index of its parent
    (`parent_indexes`), and a clone of each UNIQUE / PRIMARY KEY constraint with it."""
    if part not in catalog.tables:
        return
    for idx, con in parent_indexes(catalog, parent):
        _partition_index(catalog, part, idx, con, attaching)


def _key_below(catalog: Catalog, t: Table, con: Constraint) -> None:
    """A UNIQUE / PRIMARY KEY / EXCLUDE added to partitioned `t` (not ONLY): each partition
    gets its clone (of an EXCLUDE, one the catalog can compare)."""
    idx = catalog.indexes.get(f"{t.name.split('.', 1)[0]}.{con.name}")
    if t.kind != "partitioned" or idx is None or con.kind not in ("primary", "unique") and (
            con.kind != "exclude" or idx.signature is None):
        return
    for part in catalog.direct_partitions(t.name):
        if part in catalog.tables:
            _partition_index(catalog, part, idx, con)


def _drop(catalog: Catalog, stmt: dict) -> None:
    rtype = stmt.get("removeType", "")
    if stmt.get("behavior") == "DROP_CASCADE" and catalog.aggregates:
        # (it may take aggregates with it, by their support functions, argument types or
        # row types, which the replay does not follow: none is `aggregate_sure` then)
        for name in catalog.aggregates:
            catalog.made_order.pop(f"aggregate:{name}", None)
    # (a routine as the server finds it along the path, before the catalog forgets it)
    routines = {tuple(names): dropped_routine(catalog, stmt, names)
                for names in drop_object_names(stmt)} if rtype in _ROUTINE_KINDS else {}
    # (and the operator classes of the overloads it names, asked as the effect asks)
    classes = {names: classes_of_routine_drop(catalog, stmt, list(names), function)
               for names, function in routines.items()} \
        if stmt.get("behavior") == "DROP_CASCADE" and catalog.operator_classes else {}
    if rtype == "OBJECT_EXTENSION":
        catalog.extensions -= {n[-1] for n in drop_object_names(stmt) if n}
    elif rtype in _ROUTINE_KINDS:
        forget_dropped(catalog, stmt)
        if rtype == "OBJECT_ROUTINE":  # (DROP ROUTINE drops an aggregate too: fix-pg96)
            forget_dropped(catalog, stmt, "aggregates")
    elif rtype == "OBJECT_AGGREGATE":
        forget_dropped(catalog, stmt, "aggregates")
    elif rtype == "OBJECT_OPERATOR":
        from lockwise.catalog.operators import forget_operators

        forget_operators(catalog, stmt)
    elif rtype in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY") and (
            catalog.operator_classes or catalog.operator_families):
        from lockwise.catalog.operators import forget_operator_classes

        for index in forget_operator_classes(catalog, stmt):
            _drop_index(catalog, index)
    for names in drop_object_names(stmt):
        if not names:
            continue
        name = routines.get(tuple(names)) or object_name(names)
        if rtype == "OBJECT_TRIGGER" and len(names) > 1:
            table = catalog.tables.get(object_name(names[:-1]))
            if table is not None:
                table.triggers.pop(names[-1], None)
        elif rtype == "OBJECT_POLICY" and len(names) > 1:
            _policies.drop_policy(catalog.tables.get(object_name(names[:-1])), names[-1])
        elif rtype == "OBJECT_RULE" and len(names) > 1:
            _name_rule(catalog, object_name(names[:-1]), names[-1], None)
        elif rtype in _ROUTINE_KINDS:
            if stmt.get("behavior") == "DROP_CASCADE":  # what calls it goes with it
                for table, trigger in catalog.triggers_dropped_with(names[-1].lower(), name):
                    table.triggers.pop(trigger, None)
                found = routine_callers(catalog, name, stmt)
                _policies.drop_dependent_policies(
                    catalog.policies_on_others(list(found.views), [name]))
                _drop_callers(catalog, found)
                forget_overloads(catalog, routines_calling(catalog, stmt, name))
                if catalog.operators or catalog.operator_classes:  # (and the operators
                    # and classes running it)
                    from lockwise.catalog.operators import forget_function_operators

                    for index in forget_function_operators(catalog, name,
                                                           classes.get(tuple(names), ())):
                        _drop_index(catalog, index)
        elif rtype in RELATION_KINDS:
            _drop_relations(catalog, name, stmt.get("behavior") == "DROP_CASCADE")
        elif rtype == "OBJECT_INDEX":
            if stmt.get("behavior") == "DROP_CASCADE":  # the foreign keys using it go too
                for other, fk in catalog.keys_on_index(name):
                    catalog.tables[other].constraints.pop(fk.name, None)
            _drop_index(catalog, name)
        elif rtype in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            from lockwise.catalog.user_types import _drop_type

            _drop_type(catalog, name, stmt.get("behavior") == "DROP_CASCADE", stmt)
        elif rtype == "OBJECT_SEQUENCE":
            catalog.sequences.discard(name)
            _disown_sequence(catalog, name)
            if stmt.get("behavior") == "DROP_CASCADE":  # the defaults using it go with it
                for table, column in catalog.columns_drawing_from(name):
                    col = catalog.tables[table].columns[column]
                    col.default = col.default_sequence = None
                _drop_callers(catalog, catalog.naming({name}))  # and what names it
                _drop_sequence_readers(catalog, name)
        elif rtype == "OBJECT_STATISTIC_EXT":
            _drop_statistics(catalog, [name])
        elif rtype == "OBJECT_SCHEMA":
            schema = names[-1]
            catalog.schemas.discard(schema)
            if stmt.get("behavior") == "DROP_CASCADE":  # the views elsewhere over its tables
                found = schema_callers(catalog, schema, stmt)
                _policies.drop_dependent_policies(_schema_policies(catalog, schema))
                _drop_views(catalog, catalog.views_outside_schema_over(schema))
                _drop_callers(catalog, found)
                # Its types take along the typed tables and the columns of them elsewhere,
                # and what casts to them (as DROP TYPE ... CASCADE; checked on 18.6).
                from lockwise.catalog.user_types import _drop_type

                for type_name in sorted(t for t in catalog.types if t.startswith(schema + ".")):
                    if type_name in catalog.types:  # (not gone with one before it)
                        _drop_type(catalog, type_name, True, stmt)
            for key in [k for k in catalog.tables if k.startswith(schema + ".")]:
                catalog.pop_relation(key)
                _rules_follow_rename(catalog, key, None)  # the rules elsewhere naming it
            # The indexes of its tables go with them (also of tables the catalog never
            # knew: an index lives in its table's schema), and its types and sequences.
            for key in [k for k, i in catalog.indexes.items()
                        if i.table.startswith(schema + ".")]:
                del catalog.indexes[key]
            for key in [k for k in (*catalog.enums, *catalog.composites)
                        if k.startswith(schema + ".")]:
                catalog.enums.pop(key, None)
                catalog.composites.pop(key, None)
            # (a range's multirange goes with it, wherever it is)
            gone = {m for r, m in catalog.multiranges.items() if r.startswith(schema + ".")}
            catalog.multiranges = {r: m for r, m in catalog.multiranges.items()
                                   if not r.startswith(schema + ".")}
            catalog.range_subtypes = {r: m for r, m in catalog.range_subtypes.items()
                                      if not r.startswith(schema + ".")}
            catalog.types = {k for k in catalog.types
                             if not k.startswith(schema + ".") and k not in gone}
            catalog.sequences = {k for k in catalog.sequences if not k.startswith(schema + ".")}
            # (its functions, procedures and aggregates too: replaced whole, never in place)
            catalog.aggregates = {k: v for k, v in catalog.aggregates.items()
                                  if not k.startswith(schema + ".")}
            if catalog.operators or catalog.operator_classes or catalog.operator_families:
                from lockwise.catalog.operators import forget_schema_operators

                forget_schema_operators(catalog, schema)
            if any(k.startswith(schema + ".") for k in catalog.kept_routines):
                catalog.kept_routines = {k: v for k, v in catalog.kept_routines.items()
                                         if not k.startswith(schema + ".")}
            # Statistics objects in it, and those on its tables (which live anywhere).
            _drop_statistics(catalog, [s for s, on in catalog.statistics.items()
                                       if s.startswith(schema + ".") or
                                       on.startswith(schema + ".")])


# What `Catalog.callers` finds for a DROP ... CASCADE (a scan of every table) is found once,
# whichever of the effect model, `tables_reached` and the replay asks first
# (`Catalog.found_once`). What the replay finds gone by the time it drops them (with a column
# or table the statement dropped first) is skipped there.


def routine_callers(catalog: Catalog, function: str, stmt: dict) -> Callers:
    """What DROP FUNCTION / PROCEDURE / ROUTINE `function` (qualified) ... CASCADE (`stmt`)
    drops besides its triggers and policies: what calls it, or a routine that goes with it
    (`routines_calling`, each name whose every overload goes; a view calling one goes:
    checked on 18.6)."""
    return catalog.found_once(stmt, ("function", function), lambda: routine_dependents(
        catalog, routines_calling(catalog, stmt, function), (function,)))


class RoutineUsers:
    """What the server ties to a routine (pg_depend) so that DROP FUNCTION / PROCEDURE /
    ROUTINE of it without CASCADE is refused (2BP01, each named in the DETAIL; checked on
    18.6, fix-pg75, fix-pg76, fix-pg80): the one answer to "what depends on this routine"
    that lint's refusal and the graph's conflicts both read."""

    # (a plain class: a NamedTuple's class is generated and compiled when its module loads)
    __slots__ = ("callers", "views", "policies", "routines", "triggers", "operators",
                 "classes")

    def __init__(self, callers: Callers, views: tuple[str, ...],
                 policies: tuple[tuple[Table, str], ...], routines: tuple[Routine, ...],
                 triggers: tuple[tuple[Table, str], ...],
                 operators: tuple[Operator, ...] = (),
                 classes: tuple[tuple[str, str], ...] = ()) -> None:
        #: The defaults, generated columns, constraints and indexes calling it, and the
        #: views calling it with those over them, nearest first (`Catalog.callers`).
        self.callers = callers
        #: Those of the views that call it themselves (those over them depend on those
        #: views, not on it: DETAIL "view w depends on view v").
        self.views = views
        #: (table, policy) of each policy whose USING or WITH CHECK calls it.
        self.policies = policies
        #: The routines whose SQL-standard body or an argument's default calls it.
        self.routines = routines
        #: (table, trigger) of each trigger whose WHEN calls it, or which executes it (a DROP
        #: naming no argument types, or none: a trigger function takes none), by table.
        self.triggers = triggers
        #: The operators the migrations made that run the overload dropped (CREATE OPERATOR
        #: ... FUNCTION = it; fix-pg88).
        self.operators = operators
        #: The operator classes (qualified name, access method) whose required support
        #: function it is (`operators.classes_running`; fix-pg110).
        self.classes = classes

    def __bool__(self) -> bool:
        return any((*self.callers.defaults, *self.callers.generated, *self.callers.constraints,
                    *self.callers.indexes, *self.views, *self.policies, *self.routines,
                    *self.triggers, *self.operators, *self.classes))


def routine_users(catalog: Catalog, function: str, obj: dict) -> RoutineUsers:
    """What depends on routine `function` (qualified), as DROP ... `obj` (the statement's
    ObjectWithArgs naming it) finds it (`RoutineUsers`). What calls it by name is not told
    while an overload the statement does not drop stays (the call may mean that one, as
    `routines_calling` says); a trigger executing it still is, when the statement names no
    argument types (a trigger function takes none). What calls the routines that call it is
    among them (checked on 18.6)."""
    named = unwrap(obj)[1]
    bare = strings(named.get("objname"))[-1].lower()
    operators, classes = operators_of_routine_drop(catalog, named, function)
    if _overload_left(catalog, named, function):
        return RoutineUsers(Callers(), (), (), (), () if named.get("objargs") else
                            tuple(sorted(catalog.triggers_calling(bare, function),
                                         key=lambda pair: pair[0].name)), operators, classes)
    routines = tuple(routines_calling(catalog, {"objects": [obj]}, function))
    # (what calls one of those routines depends on it in turn: the server names it too,
    # "default value for column a of table t depends on function g(integer)")
    found = routine_dependents(catalog, routines, (function,))
    called = [function, *dict.fromkeys(r.name for r in routines)]
    views = tuple(v for v in found.views if v in catalog.tables and any(
        calls_function(catalog.tables[v].uses, n) for n in called))
    # The same name in the same schema (a trigger built by hand has no schema); a trigger
    # function takes no arguments, but a trigger's WHEN may call any.
    triggers = catalog.triggers_when_calling(bare, function) if named.get("objargs") else \
        catalog.triggers_dropped_with(bare, function)
    triggers += [pair for n in called[1:] for pair in catalog.triggers_when_calling(
        n.rsplit(".", 1)[-1].lower(), n) if pair not in triggers]
    return RoutineUsers(found, views, tuple(catalog.policies_on_others((), called)), routines,
                        tuple(sorted(triggers, key=lambda pair: pair[0].name)), operators,
                        classes)


def operators_of_routine_drop(catalog: Catalog, named: dict, function: str
                              ) -> tuple[tuple[Operator, ...], tuple[tuple[str, str], ...]]:
    """The operators the migrations made that run the overload of `function` (qualified)
    DROP's object `named` (its ObjectWithArgs) names: those of each overload it names with
    its argument types, or, without, of its only one (checked on 18.6: "operator
    !!!(integer,integer) depends on function vo(integer,integer)"); and the operator
    classes whose required support function it is (`operators.classes_running`)."""
    if not catalog.operators and not catalog.operator_classes:
        return (), ()
    from lockwise.catalog.operators import classes_running, operators_running
    from lockwise.catalog.overloads import identity

    args = identity(catalog, named, False)
    overloads = catalog.kept_routines.get(function, ())
    if args is None and len(overloads) != 1:
        return (), ()
    args = args if args is not None else overloads[0].args
    return tuple(operators_running(catalog, function, args)), \
        tuple(classes_running(catalog, function, args))


def classes_of_routine_drop(catalog: Catalog, stmt: dict, names: list[str], function: str
                            ) -> tuple[tuple[str, str], ...]:
    """The operator classes DROP FUNCTION `stmt` ... CASCADE drops with the overloads of
    `function` (qualified) it names as `names` (`operators_of_routine_drop`, each object so
    named: `DROP FUNCTION bh(text), bh(int)` takes the class of bh(int)). The server ties a
    class to its support function by oid, so other overloads of the name staying or going
    change nothing (checked on 18.6, fix-pg118); the effect and the replay both ask this,
    before the catalog forgets the overloads."""
    return tuple(dict.fromkeys(
        key for obj in stmt.get("objects") or () if drop_object_name(obj) == names
        for key in operators_of_routine_drop(catalog, unwrap(obj)[1], function)[1]))


def _overload_left(catalog: Catalog, named: dict, function: str) -> bool:
    """Whether an overload of `function` (qualified) other than the one DROP's object
    `named` (its ObjectWithArgs) names stays."""
    from lockwise.catalog.overloads import identity

    return any(identity(catalog, named, r.procedure) not in (None, r.args)
               for r in catalog.kept_routines.get(function, ()))


def type_callers(catalog: Catalog, type_name: str, stmt: dict) -> Callers:
    """What DROP TYPE / DOMAIN `type_name` (qualified) ... CASCADE (`stmt`) drops besides
    the columns of it: what casts to it, or to a domain over it (which goes too), and what
    calls a routine that goes with it (`routines_of_type`)."""
    types = frozenset(catalog.with_subdomains(type_name, arrays=True))
    return catalog.found_once(stmt, ("type", type_name), lambda: catalog.callers(
        lambda uses: casts_to(uses, types)) | routine_dependents(
            catalog, routines_of_type(catalog, type_name)))


def routines_of_type(catalog: Catalog, type_name: str) -> list[Routine]:
    """The functions and procedures DROP TYPE / DOMAIN `type_name` (qualified) ... CASCADE
    drops: those an argument (of any mode) or the result of is of it, of a domain or range
    over it, or of an array of one (`Routine.relations`; "drop cascades to function
    f(mood)", and without CASCADE refused, "function f(mood) depends on type mood":
    checked on 18.6, fix-pg89), and those calling them (`routines_going`)."""
    return routines_going(catalog, relations=catalog.with_subdomains(type_name, arrays=True))


def schema_callers(catalog: Catalog, schema: str, stmt: dict) -> Callers:
    """What DROP SCHEMA `schema` ... CASCADE (`stmt`) drops outside it because it calls one
    of its functions or casts to one of its types (written with the schema's name: an
    unqualified one may find another first)."""
    return catalog.found_once(stmt, ("schema", schema),
                              lambda: _schema_callers(catalog, schema))


def _schema_callers(catalog: Catalog, schema: str) -> Callers:
    prefix = schema + "."
    found = catalog.callers(
        lambda uses: any(u.removeprefix("::").startswith(prefix) for u in uses))
    return Callers(*(tuple(pair for pair in pairs if not pair[0].startswith(prefix))
                     for pairs in (found.defaults, found.generated, found.constraints)),
                   tuple(i for i in found.indexes if not i.startswith(prefix)),
                   tuple(v for v in found.views if not v.startswith(prefix)))


def _drop_callers(catalog: Catalog, found: Callers) -> None:
    """What uses a function or type a DROP ... CASCADE drops goes with it (`Catalog.callers`): the
    defaults, the generated columns (with what reads them), the constraints (with the index
    of an exclusion constraint), the indexes and the views (checked on the server)."""
    # (Each may be gone already: with a column or table the statement dropped first, or
    # with a generated column that read another.)
    for table, column in found.defaults:
        if (col := catalog.column(table, column)) is not None:
            col.default, col.default_sequence, col.uses = None, None, ()
    for table, column in found.generated:
        t = catalog.tables.get(table)
        if t is not None and column in t.columns:
            _drop_column(catalog, t, column, cascade=True)
    for table, name in found.constraints:
        t = catalog.tables.get(table)
        con = t.constraints.pop(name, None) if t is not None else None
        if con is not None and con.kind == "exclude":
            catalog.indexes.pop(f"{table.split('.', 1)[0]}.{name}", None)
    for name in found.indexes:
        catalog.indexes.pop(name, None)
    _drop_views(catalog, list(found.views))


def _schema_policies(catalog: Catalog, schema: str) -> list[tuple[Table, str]]:
    """The policies on tables outside `schema` that DROP SCHEMA ... CASCADE drops: those
    naming one of its relations, or the views elsewhere over them, or calling one of its
    functions."""
    inside = [name for name in catalog.tables if name.startswith(schema + ".")]
    return catalog.policies_on_others(
        [*inside, *catalog.views_outside_schema_over(schema)], schema=schema)


def _drop_statistics(catalog: Catalog, names: list[str]) -> None:
    for name in names:
        catalog.statistics.pop(name, None)
        catalog.statistics_columns.pop(name, None)
        catalog.statistics_reads.pop(name, None)
        catalog.statistics_definitions.pop(name, None)


def _statistics_on(catalog: Catalog, table: str) -> list[str]:
    return [s for s, on in catalog.statistics.items() if on == table]


def _create_function(catalog: Catalog, stmt: dict) -> None:
    keep_routine(catalog, stmt, _replayed_sql)


def _create_schema(catalog: Catalog, stmt: dict, migration_id: str,
                   views: dict[str, set[str]] | None, view_reads: bool) -> None:
    """The schema, then its elements (CREATE TABLE, VIEW, INDEX, ... written in the
    statement) as the server runs them: in its order of kinds, in the new schema. A schema
    named after a role lockwise does not know (AUTHORIZATION CURRENT_USER) is left out, and
    its elements with it."""
    schema = created_schema(stmt)
    if schema is None:
        return
    catalog.schemas.add(schema)
    with elements_path(catalog, schema):
        for _, tree in schema_elements(stmt, schema):
            apply_statement(catalog, tree, migration_id, views, view_reads)


def _stamp_constraints(catalog: Catalog, table: str, migration_id: str) -> None:
    """Record which migration added the constraints that are new on `table`."""
    t = catalog.tables.get(table)
    stamps = catalog.fk_stamps
    if stamps is None:
        stamps = catalog.fk_stamps = {}
    for con in t.constraints.values() if t else ():
        if con.created_by is None:
            con.created_by = migration_id
            if con.kind == "foreign":
                stamped = stamps.get(migration_id, ())
                if table not in stamped:  # a new tuple: forks share the old one
                    stamps[migration_id] = (*stamped, table)


def _may_give_ownership(kind: str, body: dict) -> bool:
    """Whether statement `body` (of node type `kind`) may make a role own an object: ALTER ...
    OWNER TO, CREATE SCHEMA AUTHORIZATION, SET ROLE / SESSION AUTHORIZATION (what is created
    next is that role's), a DO block running code the replay does not follow (the statements
    it follows were each asked: a REASSIGN OWNED in the block holds after it, checked on
    18.6)."""
    if kind == "AlterTableStmt":
        return any(unwrap(cmd)[1].get("subtype") == "AT_ChangeOwner"
                   for cmd in body.get("cmds") or ())
    if kind == "CreateSchemaStmt":
        return bool(body.get("authrole"))
    if kind == "VariableSetStmt":
        return body.get("name") in ("role", "session_authorization")
    if kind == "DoStmt":
        from lockwise.parse.plpgsql import do_block_code, fully_read

        code, language = do_block_code(body)
        return language != "plpgsql" or not fully_read(code)
    return kind == "AlterOwnerStmt"


def apply_statement(catalog: Catalog, tree: dict, migration_id: str = "",
                    views: dict[str, set[str]] | None = None,
                    view_reads: bool = True, sql: str | None = None) -> None:
    """Apply the schema change of one statement to `catalog` (in place). With `views`, a
    CREATE VIEW or CREATE MATERIALIZED VIEW also records there the view and what its query
    depends on (`ScopedResolver`), for the conflict graph: from the walk that finds its
    column reads. Not those a DO block creates (the graph counts on the block itself).
    `view_reads` False: such a view gets no `sources`, `column_reads`, `uses` or entry in
    `views`, for a replay whose later statements never read them (none `reads_view_reads`)
    and whose catalog is then let go (a down check's). `sql`: the text `tree` was parsed
    from, when the caller has it: its expressions that the text shows name no regclass
    constant are not walked for one (`_names`)."""
    global _replayed_sql
    if catalog.fk_sources is None or catalog.column_readers is None or \
            catalog.source_readers is None or catalog.trigger_tables is None or \
            catalog.policy_readers is None or catalog.uses_tables is None or \
            catalog.constraint_holders is None or catalog.rule_readers is None or \
            catalog.sequence_tables is None:
        catalog.start_indexes()
    outer, _replayed_sql = _replayed_sql, sql  # (a DO block's statements are replayed inside)
    try:
        _apply(catalog, tree, migration_id, views, view_reads)
    finally:
        _replayed_sql = outer
        catalog.statement_memo = None  # the catalog changed: found again


#: The statements that change no table's columns or indexes themselves (a routine they call,
#: a trigger they fire, goes through `_apply` with its own statements).
_DATA_ONLY = frozenset({"UpdateStmt", "DeleteStmt", "InsertStmt", "SelectStmt"})


#: The statements after which the tables filed by the types of their columns
#: (`Catalog.column_types`) still have each its columns: a change of rows, and a DROP (it
#: takes columns away with what it drops, never gives one).
_KEEP_COLUMN_TYPES = _DATA_ONLY | {"DropStmt"}


def _apply(catalog: Catalog, tree: dict, migration_id: str,
           views: dict[str, set[str]] | None, view_reads: bool) -> None:
    kind, body = unwrap(tree)
    creating = select_into(body) if kind == "SelectStmt" else None
    if kind in _KEEP_COLUMN_TYPES and creating is None:
        _apply_changes(catalog, kind, body, creating, migration_id, views, view_reads)
        return
    # (let go before and after: asked while the statement is applied, as DROP ... CASCADE
    # inside a routine's body is, it is filed again, then the rest of the statement runs)
    catalog.column_types = None
    try:
        _apply_changes(catalog, kind, body, creating, migration_id, views, view_reads)
    finally:
        catalog.column_types = None


def _apply_changes(catalog: Catalog, kind: str, body: dict, creating: dict | None,
                   migration_id: str, views: dict[str, set[str]] | None,
                   view_reads: bool) -> None:
    """The change of statement `body` (of parse-tree kind `kind`; `creating`: the CREATE
    TABLE AS a SELECT ... INTO stands for, `select_into`'s answer) to `catalog`."""
    rows_only = kind in _DATA_ONLY and creating is None
    if not rows_only:
        catalog.version_memo = None  # the schema may change: found again
    if rows_only:
        pass  # (INSERT, UPDATE, DELETE, SELECT: none of the kinds below; their calls: the end)
    elif kind == "CreateStmt":
        _create_table(catalog, body, migration_id)
        _stamp_constraints(catalog, range_var(body.get("relation"), create=True)[0],
                           migration_id)
    elif kind == "CreateForeignTableStmt":
        _create_foreign_table(catalog, body.get("base") or {}, migration_id)
    elif kind == "AlterTableStmt":
        _alter_table(catalog, body)
        _stamp_constraints(catalog, range_var(body.get("relation"))[0], migration_id)
    elif kind == "DiscardStmt" and body.get("target") in ("DISCARD_TEMP", "DISCARD_ALL"):
        drop_temporary(catalog)
        if body.get("target") == "DISCARD_ALL":  # (RESET ALL with it)
            catalog.replica_role = ""
    elif kind == "RenameStmt":
        _renames._rename(catalog, body)
    elif kind == "AlterObjectSchemaStmt":
        _renames._set_schema(catalog, body)
    elif kind == "IndexStmt":
        _create_index(catalog, body)
    elif kind == "DropStmt":
        _drop(catalog, body)
    elif kind == "CreateFunctionStmt":
        _create_function(catalog, body)
    elif kind == "AlterFunctionStmt":
        alter_routine(catalog, body)
    elif (aggregate := aggregate_made(kind, body)) is not None:
        keep_aggregate(catalog, body, aggregate)
    elif kind == "DefineStmt" and body.get("kind") == "OBJECT_OPERATOR":
        from lockwise.catalog.operators import keep_operator

        keep_operator(catalog, body)
    elif kind == "CreateOpClassStmt":
        from lockwise.catalog.operators import keep_operator_class

        keep_operator_class(catalog, body)
    elif kind == "CreateOpFamilyStmt":
        from lockwise.catalog.operators import keep_operator_family

        keep_operator_family(catalog, body)
    elif kind == "AlterOpFamilyStmt" and catalog.operator_families:
        from lockwise.catalog.operators import family_altered

        family_altered(catalog, body)
    elif kind == "CreateTrigStmt":
        _create_trigger(catalog, body)
    elif kind == "CreatePolicyStmt":
        _policies.create_policy(catalog, body)
    elif kind == "AlterPolicyStmt":
        _policies.alter_policy(catalog, body)
    elif kind == "RuleStmt":
        _name_rule(catalog, range_var(body.get("relation"))[0], None, body.get("rulename", ""),
                   _rule_of(catalog, body))
    elif kind in TYPE_STATEMENTS:
        _user_types.apply_type_statement(catalog, kind, body)
    elif kind == "ViewStmt":
        _views._create_view(catalog, body, migration_id, views, view_reads)
    elif kind == "CreateTableAsStmt":
        _views._create_table_as(catalog, body, migration_id, views, view_reads)
    elif kind == "VariableSetStmt" and body.get("name") in REPLICATION_ROLE:
        set_replication_role(catalog, body)
    elif kind == "VariableSetStmt" and body.get("name") == "default_tablespace":
        # Where the tables created next go. SET LOCAL ends with its transaction, which the
        # replay does not follow: unknown from then on. RESET: the database's default.
        value = const_value((body.get("args") or [None])[0]) \
            if body.get("kind") == "VAR_SET_VALUE" else ""
        catalog.default_tablespace = None if body.get("is_local") else str(value or "")
    elif creating is not None:
        _views._create_table_as(catalog, creating, migration_id, views, view_reads)
        catalog.statement_memo = None  # (changed before the routines it calls run, below)
    elif kind == "ExplainStmt" and "analyze" in options_on(body.get("options")):
        # EXPLAIN ANALYZE runs its statement: CREATE TABLE AS / MATERIALIZED VIEW creates it.
        _apply(catalog, body.get("query") or {}, migration_id, views, view_reads)
    elif kind == "CreateSchemaStmt":
        _create_schema(catalog, body, migration_id, views, view_reads)
    elif kind == "DoStmt":
        _do_blocks._do_block(catalog, body, migration_id)
    elif kind == "ReassignOwnedStmt":
        roles = {name for name in map(role_name, body.get("roles") or ()) if name}
        catalog.handed_over_roles |= roles
        new_owner = role_name(body.get("newrole")) or ""
        for relation in catalog.owned_by(roles):
            catalog.tables[relation].owner = new_owner
    elif kind == "DropOwnedStmt":
        # What the roles own goes (what depends on it too with CASCADE; without it the
        # server refuses while something does: checked on 18.6).
        cascade = body.get("behavior") == "DROP_CASCADE"
        catalog.code_ran()  # (the roles' routines go too: the replay knows no routine's owner)
        for relation in catalog.owned_by({name for name in map(role_name, body.get("roles")
                                                                or ()) if name}):
            if relation in catalog.tables:  # (not gone with one before it)
                _drop_relations(catalog, relation, cascade)
    elif kind == "CreateStatsStmt":
        from lockwise.catalog.extended_statistics import _create_statistics

        _create_statistics(catalog, body)
    elif kind == "CreateSeqStmt" and not catalog.skips_creating(
            body, name := range_var(body.get("sequence"), create=True)[0]):
        # (skipped, OWNED BY too: the server makes nothing)
        catalog.sequences.add(name)
        catalog.filed(name)
        _own_sequence(catalog, name, sequence_owner(body), created=True)
    elif kind == "AlterSeqStmt":
        _own_sequence(catalog, range_var(body.get("sequence"))[0], sequence_owner(body))
    elif kind == "CreateExtensionStmt" and body.get("extname"):
        catalog.extensions |= {body["extname"]}
        catalog.routines_gone = frozenset()  # (its functions are made out of sight)
    # For any kind of statement, after its own change above (a DO block's statements, a
    # REASSIGN OWNED among them): a role it may give an object to is no longer handed over.
    if catalog.handed_over_roles and _may_give_ownership(kind, body):
        catalog.handed_over_roles = frozenset()
    if catalog.kept_routines and kind in CALLING_KINDS:
        _run_routines(catalog, kind, body, migration_id)


#: The routines whose bodies the replay is following, innermost last (`_run_routines`).
_running: list[Routine] = []
#: Where the catalog's `version_memo` keeps `_unchanging`.
_UNCHANGING = ("", "routines changing nothing")


def _unchanging(catalog: Catalog) -> dict[tuple[Routine, int, int, str], bool]:
    """Whether each routine's run changes nothing in the catalog (`_changes_nothing`), by
    the routine, how many levels of calls it may follow, and the search_path (`resolution`)
    and replication role in force (the calls its body's statements make resolve by them),
    found on the catalog as it is now: kept in the catalog's `version_memo`, from one
    statement to the next while the schema stays as it is (let go at each other statement),
    and emptied whenever the replay following a routine may have changed it (a body's
    statement or reshapes)."""
    memo = catalog.version_memo
    if memo is None:
        memo = catalog.version_memo = {}
    entry = memo.get(_UNCHANGING)
    if entry is None:
        entry = memo[_UNCHANGING] = (None, {})
    return entry[1]  # type: ignore[no-any-return]


def _run_routines(catalog: Catalog, kind: str, body: dict, migration_id: str) -> None:
    """The PL/pgSQL and SQL routines a statement calls (and the functions of the triggers a
    write fires) change the schema as their statements would, as a DO block's do
    (`_do_block`), a routine already being followed not again, and no deeper than
    `routines.MAX_DEPTH`. A routine whose run changes nothing (`_changes_nothing`) is not
    followed."""
    routines = called_routines(catalog, kind, body)
    if not routines:  # (most statements: no path to keep)
        return
    sets = paths_set_first(catalog, kind, body)
    with path_kept():  # (a path a body sets holds for the routines called after it)
        for routine in routines:
            if routine in sets:  # (the statement's own set_config, run before it)
                use_set_value(sets[routine], catalog)
            if routine in _running or len(_running) >= MAX_DEPTH or \
                    _changes_nothing(catalog, routine, MAX_DEPTH - len(_running)):
                continue
            _running.append(routine)
            try:
                _run_body(catalog, routine, migration_id)
                if routine.language == "plpgsql":  # (a SQL body is read whole)
                    if _do_blocks.may_change_routines(routine.sql):
                        catalog.code_ran()
                    catalog.reshaped(_do_blocks.code_reshapes(catalog, routine.sql,
                                                              "plpgsql"))
            finally:
                _running.pop()
                _unchanging(catalog).clear()


def _run_body(catalog: Catalog, routine: Routine, migration_id: str) -> None:
    """`routine`'s statements, each under the search_path its SET clause and the SETs (and
    set_config calls) before it give; the path it leaves in force after the call, as the
    server has it (checked on 18.6, `SELECT f(), g()`: g's body runs under the path f set):
    without a SET clause, whatever its body set; with one, the caller's, unless a SET that is
    not LOCAL overrode the clause."""
    before = resolver_in_force()
    overridden, lasting = False, before  # (the path a plain SET, or RESET, of the body left)
    own = use_routine_path(routine, catalog)
    for step in routine_statements(catalog, routine):
        apply_statement(catalog, step.tree, migration_id, sql=step.sql)
        _unchanging(catalog).clear()
        if follow_set(step.tree, catalog) is False:
            overridden, lasting = True, resolver_in_force()
    if own:
        use_resolver(lasting if overridden else before)


def _changes_nothing(catalog: Catalog, routine: Routine, levels: int) -> bool:
    """Whether following `routine`, and the calls of its body `levels` - 1 levels further
    (as `_run_routines` would, whoever is running: more than it follows), leaves the
    catalog as it is: every statement reached is a query or DML that `_apply` only follows
    the calls of (no DDL, no SELECT INTO, no SET), no PL/pgSQL body reached has reshapes,
    and none has a SET search_path clause of its own. Found once per routine and levels
    while the catalog stays as it is (`_unchanging`): every routine reached changes nothing
    either, at the levels it had."""
    unchanging = _unchanging(catalog)
    found = _changes_nothing_in(catalog, routine, levels, unchanging,
                                (resolution(), catalog.replica_role))
    if CHECK_CALLERS:  # (tests: a kept answer is the one found again)
        again = _changes_nothing_in(catalog, routine, levels, {}, ())
        assert again == found, f"_changes_nothing({routine.name}, {levels}): {found} " \
            f"kept, {again} found again"
    return found


def _changes_nothing_in(catalog: Catalog, routine: Routine, levels: int,
                        unchanging: dict, stamp: tuple) -> bool:
    """`_changes_nothing`, with what is known already in `unchanging` (by the routine,
    the levels and then `stamp`), which it adds to."""
    reached, todo = {routine: levels}, [(routine, levels)]
    while todo:
        current, left = todo.pop()
        known = unchanging.get((current, left, *stamp))
        if known:
            continue
        trees = [] if known is False else [unwrap(t) for t in routine_trees(catalog, current)]
        # (a routine's own SET search_path resolves its calls elsewhere: followed as before)
        if known is False or not all(_only_calls(kind, body) for kind, body in trees) or (
                current.language == "plpgsql"
                and _do_blocks.code_reshapes(catalog, current.sql, "plpgsql")) or \
                current.path is not None or current.bound_path is not None:
            unchanging[(routine, levels, *stamp)] = False
            return False
        for kind, body in trees if left > 1 else ():
            for callee in called_routines(catalog, kind, body):
                if reached.get(callee, 0) < left - 1:
                    reached[callee] = left - 1
                    todo.append((callee, left - 1))
    unchanging.update(dict.fromkeys(((r, left, *stamp) for r, left in reached.items()), True))
    return True


def _only_calls(kind: str, body: dict) -> bool:
    """Whether `_apply` does nothing with a statement of node `kind` but follow the routines
    it calls: a query (not SELECT INTO, nor a set_config of search_path: `follow_set`) or
    DML."""
    return kind in CALLING_KINDS and (kind != "SelectStmt" or select_into(body) is None and
                                      all(name != "search_path"
                                          for name, _, _ in set_config_calls(body)))
