"""ALTER TABLE's column subcommands: ADD / DROP COLUMN, ALTER COLUMN TYPE, SET / DROP
DEFAULT, SET / DROP NOT NULL, SET EXPRESSION; and the facts of a column definition, which
CREATE TABLE reads too."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise

from lockwise.catalog.model import Callers, Catalog, Column, Constraint, Index, Table
from lockwise.catalog.replay import (
    column_def_sequence,
    constraint_name,
    constraint_names,
    free_relation_name,
    generated_name,
    new_not_null_name,
    not_null_check_name,
    not_null_name,
    not_null_swap_names,
    routine_dependents,
    routines_going,
    routines_reading_column,
    routines_using_column,
)
from lockwise.core.deferred import bound_on_use
from lockwise.core.lazy_re import lazy_compile
from lockwise.effects.foreign_keys import (
    Key,
    keys_written,
    leaf_key_names,
    refused_reference,
)
from lockwise.effects.nodes import (
    SERIAL_TYPES,
    TEMPORARY_PREFIX,
    JoinedSql,
    PrintedSql,
    collation_name,
    column_def_constraints,
    columns_read,
    on_new_row,
    pinned_columns,
    range_var,
    strings,
    type_stand_in,
    type_stand_in_note,
    unwrap,
    written_type,
)
from lockwise.effects.postgres import family_function
from lockwise.effects.postgres.builder import (
    SCAN_ENDS_AT_A_ROW,
    Builder,
    L,
    already_exists,
    callers_facts,
    drop_routines,
    drop_rules_naming,
    fk_target,
    inheritance_parents,
    key_name_taken,
    lock_default_sequences,
    only_drop_refused,
    partition_column_refused,
    reference_text,
    refused_by_inheritance,
    refused_facts,
    refused_on_partitioned,
    row_key_facts,
    rows_elsewhere,
    sequence_name_taken,
    sequence_owner_refused,
    server_shown,
    table_facts,
)
from lockwise.effects.volatility import (
    builtin_functions,
    inlined_volatility,
    volatile_calls,
    volatile_functions,
)
from lockwise.parse.quoting import (
    NEXT_MIGRATION,
    OWN_MIGRATION,
    quote_ident,
    quote_literal,
    quote_qualified,
    relation_sql,
)

#: Imported at their first use: an import statement in a function runs at each call. The
#: partitions' module (bound proofs and index SQL, 45 kB of bytecode) serves a retyped
#: column's indexes only, which an ADD COLUMN never asks for.
_types = bound_on_use(globals(), "_types", "lockwise.effects.types")
_partitions = bound_on_use(globals(), "_partitions", "lockwise.effects.partitions")
_temporary_ties = bound_on_use(globals(), "_temporary_ties",
                               "lockwise.effects.postgres.temporary_ties")

_SERIAL_PLAIN = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}
#: A column named as a key (`id`, `team_id`, `ID`): `key_like`.
_ID_SUFFIX = lazy_compile(r"(?:^|_)id$", re.IGNORECASE)


def default_expr(col: dict) -> object:
    """The DEFAULT expression written in ColumnDef `col` (None without one)."""
    for item in col.get("constraints") or ():
        con = unwrap(item)[1]
        if con.get("contype") == "CONSTR_DEFAULT":
            return con.get("raw_expr")
    return None


def generation_expr(col: dict) -> object:
    """The GENERATED ALWAYS AS expression written in ColumnDef `col` (None without one)."""
    return next((con.get("raw_expr") for con in column_def_constraints(col)
                 if con.get("contype") == "CONSTR_GENERATED"), None)


def generated_virtual(col: dict) -> bool:
    """Whether ColumnDef `col` is a VIRTUAL generated column: so written, or neither STORED
    nor VIRTUAL (PostgreSQL 18's default; older grammars have STORED only)."""
    return any(con.get("contype") == "CONSTR_GENERATED" and
               con.get("generated_kind", "s") == "v" for con in column_def_constraints(col))


def column_def_facts(b: Builder, table: str, col: dict, creating: dict | None = None) -> dict:
    """Facts about one ColumnDef: its type, default, constraints, and what adding it costs.
    `creating`: the CREATE TABLE it is written in (a reference to its own table reads it)."""
    name = col.get("colname", "")
    tname, mods, is_array = b.ctx.catalog.column_type(col.get("typeName"))
    facts: dict = {"column": name, "type": tname, "typmods": mods, "array": is_array,
                   "type_text": written_type(tname, mods, is_array),
                   # what a serial column is stored as, without the sequence default
                   "plain_type_text": _SERIAL_PLAIN.get(tname)
                   or written_type(tname, mods, is_array),
                   "length_sql": str(mods[0]) if mods else "<n>",
                   "serial": tname in SERIAL_TYPES, "not_null": False, "has_default": False,
                   "default_volatile": False, "volatile_functions": (), "identity": False,
                   "generated": False, "generated_stored": False, "virtual_allowed": False,
                   "primary_key": False,
                   "unique": False, "references": None, "check": False,
                   "references_narrow_key": False, "bigint_type_sql": "bigint",
                   "key_pinned": False, "widen_references_sql": ""}
    generated = False
    reference: dict | None = None
    identity_when = ""
    for item in col.get("constraints") or ():
        _, con = unwrap(item)
        contype = con.get("contype")
        if contype == "CONSTR_NOTNULL":
            facts["not_null"] = True
        elif contype == "CONSTR_DEFAULT":
            facts["has_default"] = True
            vol = volatile_functions(con.get("raw_expr"), b.ctx.catalog)
            facts["volatile_functions"] = tuple(vol)
            facts["default_volatile"] = bool(vol)
            facts["default_null"] = unwrap(con.get("raw_expr"))[1].get("isnull", False)
        elif contype == "CONSTR_IDENTITY":
            facts["identity"] = True
            facts["not_null"] = True
            identity_when = con.get("generated_when", "")
        elif contype == "CONSTR_GENERATED":
            # PostgreSQL 18 records 's' (STORED) or 'v' (VIRTUAL, its default when neither
            # is written); older grammars only have STORED and leave the field out.
            generated = facts["generated"] = True
            facts["generated_stored"] = con.get("generated_kind", "s") != "v"
            from lockwise.effects.immutability import virtual_allowed

            facts["virtual_allowed"] = virtual_allowed(b.ctx.catalog, con.get("raw_expr"),
                                                       tname)
        elif contype == "CONSTR_PRIMARY":
            facts["primary_key"] = True
            facts["not_null"] = True
        elif contype == "CONSTR_UNIQUE":
            facts["unique"] = True
        elif contype == "CONSTR_FOREIGN":
            facts["references"] = range_var(con.get("pktable"))[0]
            reference = con
        elif contype == "CONSTR_CHECK":
            facts["check"] = True
    if facts["serial"]:
        facts["has_default"] = True
        facts["default_volatile"] = True
        facts["volatile_functions"] = ("nextval",)
        facts["not_null"] = True
    elif not (facts["has_default"] or facts["identity"] or generated):
        _domain_default_facts(b.ctx.catalog, facts)
    # An id or a reference to one: the columns that run out of 32-bit values.
    facts["key_like"] = bool(facts["primary_key"] or facts["identity"] or facts["serial"]
                             or facts["references"]
                             or _ID_SUFFIX.search(name)
                             or name.endswith("Id"))  # camelCase, e.g. "teamId"
    # (whether such a key may run out: read by rules only, `Context.rule_text`)
    if facts["key_like"] and tname in NARROW_KEY_TYPES and b.ctx.rule_text:
        facts["key_pinned"] = name in _pinned(col, creating)
        if reference is not None:
            facts["references_narrow_key"] = references_narrow_key(
                b.ctx.catalog, facts["references"], strings(reference.get("pk_attrs")), 0,
                creating if facts["references"] == table else None)
        elif facts["serial"] or facts["identity"]:
            # A generated id stays one: a bigint identity (the SQL-standard serial).
            facts["bigint_type_sql"] = \
                f"bigint GENERATED {'ALWAYS' if identity_when == 'a' else 'BY DEFAULT'} AS IDENTITY"
    return facts


def _pinned(col: dict, creating: dict | None) -> set[str]:
    """The columns the CHECKs of ColumnDef `col` and of the CREATE TABLE it is written in pin
    to one constant (`pinned_columns`): such a key holds one value and never runs out. A
    NOT VALID one (ADD COLUMN's) holds for new rows only, a NOT ENFORCED one (18) for none:
    they do not count (the parser marks both skip_validation)."""
    checks = [con for con in column_def_constraints(col) if con.get("contype") == "CONSTR_CHECK"]
    checks += [body for kind, body in map(unwrap, (creating or {}).get("tableElts") or ())
               if kind == "Constraint" and body.get("contype") == "CONSTR_CHECK"]
    return {column for con in checks if not con.get("skip_validation")
            for column in pinned_columns(con.get("raw_expr"))}


#: The key types that run out of values first (`prefer-bigint`), a serial's as written.
NARROW_KEY_TYPES = frozenset({"int4", "int2", "serial", "smallserial"})


def references_narrow_key(catalog: Catalog, table: str, ref_columns: list[str],
                          position: int, created: dict | None = None) -> bool:
    """Whether the key column at `position` of those a foreign key references in `table`
    (`ref_columns`, or its primary key when none are written) is a known int4 or int2: a
    reference to it as bigint buys nothing until that key is widened itself. `created`: the
    CREATE TABLE (its parse tree) that makes `table` where the schema does not have it yet (a
    self-reference, a table the migration creates after the reference)."""
    if created is not None and table not in catalog.tables:
        return _narrow_key_created(catalog, created, ref_columns, position)
    columns = ref_columns or catalog.primary_key(table)
    known = catalog.column(table, columns[position]) if position < len(columns) else None
    return known is not None and known.type_name in ("int4", "int2") and not known.array


def _narrow_key_created(catalog: Catalog, created: dict, ref_columns: list[str],
                        position: int) -> bool:
    """`references_narrow_key` of the table a CREATE TABLE makes, read from its tree."""
    columns, key = created_columns(created)
    names = ref_columns or key
    column = columns.get(names[position]) if position < len(names) else None
    if column is None:
        return False
    name, _, array = catalog.column_type(column.get("typeName"))
    return name in NARROW_KEY_TYPES and not array


def created_columns(created: dict) -> tuple[dict[str, dict], list[str]]:
    """The ColumnDefs a CREATE TABLE (its parse tree) writes, by name, and the columns of
    its primary key (none when it writes none)."""
    columns: dict[str, dict] = {}
    key: list[str] = []
    for kind, body in map(unwrap, created.get("tableElts") or ()):
        if kind == "ColumnDef":
            columns[body.get("colname", "")] = body
            if any(unwrap(c)[1].get("contype") == "CONSTR_PRIMARY"
                   for c in body.get("constraints") or ()):
                key = [body.get("colname", "")]
        elif kind == "Constraint" and body.get("contype") == "CONSTR_PRIMARY":
            key = strings(body.get("keys"))
    return columns, key


def _domain_default_facts(catalog: Catalog, facts: dict) -> None:
    """A column with no default, identity or generation of its own takes its domain's
    default (not an array of the domain: it has none). A volatile one is computed for every
    row, as one written on the column; any one fills a NOT NULL column (checked on the
    server). Adding the column with DEFAULT NULL keeps the domain's off the old rows."""
    domain = None if facts["array"] else catalog.domain(facts["type"])
    if domain is None or domain.default is None:
        return
    vol = volatile_functions(domain.default, catalog)
    facts.update(has_default=True, domain_default_sql=PrintedSql(domain.default, "DEFAULT"),
                 default_volatile=bool(vol), volatile_functions=tuple(vol))
    if vol:
        facts["plain_type_text"] = f"{facts['type_text']} DEFAULT NULL"


#: A constant of each common type that only stands in for the value existing rows should get
#: (the instead says so): what the user must choose, written so that the statement runs.
_STAND_IN_CONSTANTS = {
    **dict.fromkeys(("int2", "int4", "int8", "numeric", "float4", "float8", "money"), "0"),
    **dict.fromkeys(("text", "varchar", "bpchar", "citext", "name"), "''"),
    "bool": "false", "date": "CURRENT_DATE", "timestamp": "now()", "timestamptz": "now()",
    "time": "'00:00'", "timetz": "'00:00'", "interval": "'0'", "json": "'{}'",
    "jsonb": "'{}'", "uuid": "'00000000-0000-0000-0000-000000000000'", "bytea": "''",
    "inet": "'0.0.0.0'",
}


def _stand_in_constant_sql(catalog: Catalog, type_name: str, array: bool) -> str:
    """A constant of `type_name` to stand in for the default the user chooses: a zero of a
    built-in type, an enum's first label, a domain's base type's; an empty array; else a
    string constant naming what it stands for (PostgreSQL reads it as the type, if it can)."""
    if array:
        return "'{}'"
    domain = catalog.domain(type_name)
    if domain is not None:
        return _stand_in_constant_sql(catalog, domain.base, domain.array)
    labels = _enum_labels(catalog, type_name)
    if labels:
        return quote_literal(labels[0])
    return _STAND_IN_CONSTANTS.get(type_name, "'value for existing rows'")


def define_column(b: Builder, table: str, facts: dict, **extra: object) -> None:
    b.act("define_column", {"table": table, "table_name": table.split(".", 1)[1],
                            "table_is_temporary": table.startswith(TEMPORARY_PREFIX)},
          facts, extra)


def column_there(b: Builder, table: str, column: str) -> bool:
    """Whether `table` has `column` for sure when the statement adds it: one the catalog knows
    and the same statement does not drop first (drops run first)."""
    return b.ctx.catalog.known_column(table, column) is not None and \
        column not in b.freed_columns


def _volatile_once_inlined(catalog: Catalog, expr: object) -> tuple[str, ...]:
    """The volatile functions an added column's default `expr` calls (`volatile_calls`) that
    stay volatile once the planner has inlined the SQL functions it can (it does before it
    judges the default: `inlined_volatility`): a call runs a migration's function, not
    named as a built-in one, whose overload it surely runs (`routines.call_candidates`) is
    one of SQL whose body, with what the call passes, inlines as a stable or immutable
    expression (checked on 18.6: `DEFAULT app.f()` of such an `app.f`
    adds the column without a rewrite, whatever other `f` the search_path finds)."""
    from lockwise.catalog.routines import call_candidates

    still = []
    for name, call in volatile_calls(expr, catalog):
        routines = call_candidates(catalog, call) if name not in builtin_functions() else ()
        if len(routines) != 1 or not routines[0].followed or \
                inlined_volatility(routines[0].sql, catalog, routines[0].volatility,
                                   call.get("args") or (), routines[0].strict) not in ("i", "s"):
            still.append(name)
    return tuple(still)


def add_column(b: Builder, table: str, cmd: dict, base: dict) -> None:
    _, col = unwrap(cmd.get("def"))
    facts = column_def_facts(b, table, col)
    b.lock(table, L.ACCESS_EXCLUSIVE)
    known_column = column_there(b, table, facts["column"])
    if cmd.get("missing_ok") and known_column:
        # IF NOT EXISTS, and the table has it: PostgreSQL skips the column with a NOTICE,
        # after taking the lock. Nothing is rewritten, scanned or checked (seen by `verify`
        # on temporal, whose combined migration adds again the columns of earlier ones).
        # Not when a DO block may have renamed it away (supabase does).
        b.act("add_column", base, facts, rewrites=False, rewrite_reason="",
              constraint_scans=(), constraint_scans_text="", if_not_exists=True,
              column_exists=True)
        return
    if facts["generated"]:  # (refused after the lock, when the column is made: 18.6)
        from lockwise.effects.immutability import generation_refusal, table_scope

        facts.update(generation_refusal(b.ctx.catalog, generation_expr(col), facts["column"],
                                        table_scope(b.ctx.catalog, table),
                                        virtual=not facts["generated_stored"],
                                        column_type=facts["type"]))
    if facts["default_volatile"] and not facts["serial"] and \
            not facts.get("domain_default_sql"):
        vol = _volatile_once_inlined(b.ctx.catalog, default_expr(col))
        facts.update(volatile_functions=vol, default_volatile=bool(vol))
    rewrite_why = None
    pg = b.ctx.pg_version
    if facts["identity"]:
        rewrite_why = "identity column: every row gets a value"
    elif facts["generated_stored"]:
        rewrite_why = "stored generated column: every row is computed"
    elif facts["default_volatile"]:
        of_domain = f" of domain {facts['type']}" if facts.get("domain_default_sql") else ""
        rewrite_why = f"volatile default{of_domain} ({', '.join(facts['volatile_functions'])})"
    elif facts["has_default"] and pg < 11 and not facts.get("default_null"):
        rewrite_why = "any non-null default rewrites the table before PostgreSQL 11"
    elif b.ctx.catalog.is_constrained_domain(facts["type"]):
        rewrite_why = (f"domain {facts['type']} has a constraint: every row's value is "
                       f"checked and stored")
    # (rows are drawn for unless the table is known to have none; locks only rules read)
    if b.ctx.rule_text:
        lock_default_sequences(b, default_expr(col), drawn=bool(rewrite_why) and not (
            b.ctx.table_is_empty(table) or b.ctx.table_is_new(table)
            and not b.ctx.table_is_filled(table)))
    if rewrite_why:
        b.rewrite(table, rewrite_why)
    elif facts["generated"]:
        # A virtual one's NOT NULL is checked by computing every row's value (checked on
        # 18.6: a scan, no rewrite); like a stored one, it fails only where that gives NULL.
        if facts["not_null"]:
            b.scan(table, "NOT NULL check: every row's generated value is computed")
    elif facts["not_null"] and not facts["has_default"]:
        b.scan(table, f"{SCAN_ENDS_AT_A_ROW}: a NOT NULL column without a default fails "
                      "there, so only an empty table passes")
        facts["stand_in_default_sql"] = _stand_in_constant_sql(b.ctx.catalog, facts["type"],
                                                               facts["array"])
        # the type as the user wrote it (`bigint`, not the catalog's `int8`), for the instead
        facts["column_type_sql"] = PrintedSql({"TypeName": col.get("typeName") or {}},
                                              facts["type_text"])
    # Inline constraints that make the command read every existing row (checked against the
    # server's seq_scan counters): what the constraint_scans fact lists.
    constraint_scans = []
    if facts["primary_key"] or facts["unique"]:
        b.scan(table, "index build")
        constraint_scans.append("builds a unique index")
    refused = []
    if facts["references"]:
        fk_target(b, facts["references"])
        if not base.get("recursed_from"):
            refused = refused_in_add(b, table, [
                (con, facts["column"]) for con in column_def_constraints(col)
                if con.get("contype") == "CONSTR_FOREIGN"])
        # PostgreSQL skips the key's validation only for a column without a DEFAULT clause
        # (parse_utilcmd.c: raw_default unset): any DEFAULT, NULL too, reads every row.
        if facts["has_default"]:
            b.scan(table, "foreign key validation: the column has a DEFAULT clause")
            constraint_scans.append("validates the foreign key for every row")
    if facts["check"]:
        # Checked against the server: every existing row is verified even when the new column
        # is all NULL.
        b.scan(table, "CHECK validation")
        constraint_scans.append("checks the CHECK constraint on every row")
    # (and where the rows need values the user chooses: a REFERENCES without a default reads
    # nothing, but the outline that adds it NOT VALID names it)
    if constraint_scans or facts.get("stand_in_default_sql") and any(
            con.get("contype") in _SCANNING_CONSTRAINTS for con in column_def_constraints(col)):
        facts["instant_column_sql"] = _instant_column_sql(col, facts["type_text"])
        # the names `lockwise fix` adds them under, apart from the column (PostgreSQL's own)
        facts["scanning_constraint_names"] = tuple(
            constraint_name(b.ctx.catalog, con, table, facts["column"])
            for con in column_def_constraints(col)
            if con.get("contype") in _SCANNING_CONSTRAINTS)
        # its REFERENCES before PostgreSQL 18, which refuses NOT VALID on a partitioned table
        known = b.ctx.catalog.tables.get(table)
        facts["partitioned_table"] = known is not None and known.kind == "partitioned"
        facts["fk_leaf_partitions"] = b.ctx.catalog.leaf_partitions(table)
        facts["fk_leaf_key_names"] = leaf_key_names(
            b.ctx.catalog, table, facts["scanning_constraint_names"], (facts["column"],))
    b.creates.add(f"column:{table}.{facts['column']}")
    # A generated expression or an inline CHECK over other columns depends on them.
    b.reads.update(f"column:{table}.{c}" for c in columns_read(
        [con.get("raw_expr") for con in column_def_constraints(col)
         if con.get("contype") in ("CONSTR_GENERATED", "CONSTR_CHECK")]) if c != facts["column"])
    define_column(b, table, facts, in_create_table=False, table_is_new=base["table_is_new"])
    if rewrite_why and b.ctx.rule_text:
        # for the batched backfill instead
        facts.update(row_key_facts(b, table),
                     backfill_value_sql=_backfill_value_sql(
                         b.ctx.catalog, table, base["qualified"], col, facts))
    if facts["not_null"] and (rewrite_why or facts.get("stand_in_default_sql")) and \
            b.ctx.rule_text:
        # the names the NOT NULL steps of the alternative give, free on the table
        facts.update(_not_null_names(b, table, facts["column"]))
    tied: dict = {}
    if facts["references"] and not base.get("recursed_from"):
        tied = _temporary_ties.reference_refused(b.ctx.catalog, table, (facts["references"],))
    # (no call for a column that makes no sequence, or that this ADD does not make)
    makes_sequence = (facts["serial"] or facts["identity"]) and not known_column and \
        not base.get("recursed_from")
    sequence = column_def_sequence(b.ctx.catalog, table, col, facts["type"]) \
        if makes_sequence else None
    taken = _added_name_taken(b, table, col, facts, known_column, base, sequence)
    only = refused_with_only(b, table, base, f"adds column {facts['column']}")
    b.act("add_column", base, facts, only,
          rewrites=bool(rewrite_why),
          rows_elsewhere=bool(rewrite_why) and rows_elsewhere(b.ctx.catalog, table),
          inheritance_children=tuple(b.ctx.catalog.inheritance_children(table))
          if rewrite_why else (),
          rewrite_reason=rewrite_why or "", constraint_scans=tuple(constraint_scans),
          constraint_scans_text="; ".join(constraint_scans),
          if_not_exists=bool(cmd.get("missing_ok")), column_exists=False,
          # for the alternatives that print this ADD COLUMN again: re-runnable as written
          if_not_exists_sql="IF NOT EXISTS " if cmd.get("missing_ok") else "",
          **already_exists(taken), **refused_facts(refused), **tied,
          # (the sequence is tied to its column once the column is made)
          **({} if taken or refused or any((*tied.values(), *only.values())) or
             base.get("recursed_from") else
             sequence_owner_refused(b, table, [(facts["column"], sequence)])))


def _added_name_taken(b: Builder, table: str, col: dict, facts: dict, known_column: bool,
                      base: dict, sequence: str | None) -> str:
    """What holds a name ADD COLUMN `col` of `table` needs, "" for none: the column itself
    (`known_column`), else its serial's or identity's `sequence` (made first), else an index
    its inline keys build. A child the ADD recursed to is not asked: its parent was."""
    if known_column:
        return f"column {quote_qualified(table)}.{quote_ident(facts['column'])}"
    if base.get("recursed_from"):
        return ""
    return sequence is not None and sequence_name_taken(b, [sequence]) or \
        key_name_taken(b, table.split(".", 1)[0], column_def_constraints(col))


#: Inline constraints that make ADD COLUMN read the table (an index build, a validation).
_SCANNING_CONSTRAINTS = frozenset(("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_FOREIGN",
                                   "CONSTR_CHECK"))


def _instant_column_sql(col: dict, type_text: str) -> PrintedSql:
    """The column definition without the inline constraints that read the table: its type,
    collation, DEFAULT and NOT NULL stay, which ADD COLUMN applies without reading a row when
    it does not rewrite (a non-null default fills NOT NULL; checked on the server). Without
    a DEFAULT, NOT NULL goes too: it fails on the first row (the rows are backfilled first)."""
    kinds = {unwrap(item)[1].get("contype") for item in col.get("constraints") or ()}
    dropped = _SCANNING_CONSTRAINTS if "CONSTR_DEFAULT" in kinds else \
        _SCANNING_CONSTRAINTS | {"CONSTR_NOTNULL"}
    kept = [item for item in col.get("constraints") or ()
            if unwrap(item)[1].get("contype") not in dropped]
    return PrintedSql({"ColumnDef": {**col, "constraints": kept}},
                      f"{quote_ident(col['colname'])} {type_text}")


def _backfill_value_sql(catalog: Catalog, table: str, qualified: bool, col: dict,
                        facts: dict) -> str | PrintedSql:
    """What a batched backfill writes into the old rows of a column added without its
    default: the default or generation expression as written; for a serial or identity
    column, the next value of its sequence, named as PostgreSQL names it (the instead says
    to create it); DEFAULT (the column's own, once set) when the expression cannot be
    printed, and NULL for a column with neither. A domain's default is written out: the
    column, added with DEFAULT NULL, has NULL for its own."""
    if facts.get("domain_default_sql"):
        return facts["domain_default_sql"]
    made = column_def_sequence(catalog, table, col, facts["type"])
    if made is not None:
        return f"nextval({quote_literal(relation_sql(made, table, qualified))})"
    for con in column_def_constraints(col):
        if con.get("contype") in ("CONSTR_DEFAULT", "CONSTR_GENERATED"):
            return PrintedSql(con.get("raw_expr"), "DEFAULT")
    return "NULL"


def refused_in_add(b: Builder, table: str, foreign: list[tuple[dict, str | None]]
                    ) -> list[str]:
    """The foreign keys an ALTER TABLE adds (FOREIGN KEY nodes, with the column each is
    written on) that PostgreSQL refuses for want of a key (`refused_reference`): one to the
    table itself may point at the keys and columns the same statement adds."""
    out = []
    for con, column in foreign:
        target = range_var(con.get("pktable"))[0]
        keys, columns = _added_by_alter(b.subcommands) if target == table else ((), ())
        why = refused_reference(b.ctx.catalog, target, tuple(strings(con.get("pk_attrs"))),
                                keys, columns)
        if why:
            out.append(reference_text(table, con, column, why))
    return out


def _added_by_alter(subcommands: Sequence[dict]) -> tuple[list[Key], frozenset[str]]:
    """The keys and columns an ALTER TABLE adds: a foreign key of the same statement may point
    at them (PostgreSQL adds foreign keys last). Found only for a foreign key to the table
    itself: every ALTER TABLE paid for it before."""
    added = [unwrap(cmd.get("def"))[1] for cmd in subcommands
             if cmd.get("subtype") == "AT_AddColumn"]
    keys = keys_written(
        [(unwrap(cmd.get("def"))[1], None) for cmd in subcommands
         if cmd.get("subtype") == "AT_AddConstraint"]
        + [(con, col.get("colname")) for col in added for con in column_def_constraints(col)])
    return keys, frozenset(col.get("colname", "") for col in added)


def refused_with_only(b: Builder, table: str, base: dict, change: str,
                      inheritance: bool = True) -> dict:
    """ALTER TABLE ONLY of a change every child must follow: PostgreSQL refuses ADD COLUMN,
    a CHECK (not NO INHERIT), a type change or a column's new name on a table with
    partitions or inheritance children ("... must be added to / changed in / renamed in child
    tables too"), and DROP COLUMN or SET NOT NULL on a partitioned table with partitions (an
    inheritance parent's children keep the column as their own, or their nullability:
    `inheritance` false); checked on PostgreSQL 18. `change`: what the statement does, as
    the rule's message says it ("adds column x"). The facts only when it is refused (most
    statements write no ONLY)."""
    if not base.get("only") or "recursed_from" in base:
        return {}
    catalog = b.ctx.catalog
    children = catalog.partitions(table) + (
        catalog.inheritance_children(table) if inheritance else [])
    return {"refused_with_only": True, "only_children_text": ", ".join(children),
            "only_change_text": change} if children else {}


def drop_column(b: Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    col = cmd.get("name", "")
    # Foreign keys over the column are dropped with it, and dropping one takes ACCESS
    # EXCLUSIVE on the table at its other end too (as DROP CONSTRAINT; seen by `verify`;
    # locks only rules read).
    for other in _fk_partners(b.ctx.catalog, table, col) \
            if b.ctx.rule_text and b.ctx.locks_read else ():
        b.lock(other, L.ACCESS_EXCLUSIVE)
    cascade = cmd.get("behavior") == "DROP_CASCADE"
    going = b.ctx.catalog.policies_using_column(table, col) if cascade else []
    dependents = _drop_dependents(b, table, col, base["qualified"], going) if cascade else {}
    generated = _generated_reading(b, table, col, cmd)
    # Before PostgreSQL 15 they went silently; since, only with CASCADE (else it refuses).
    for reader in generated if cascade or b.ctx.pg_version < 15 else ():
        dropped_column(b, table, reader)
    if base.get("only") and "recursed_from" not in base:
        # ONLY leaves the children's column in place, now their own (attislocal): each direct
        # child's catalog row changes under ACCESS EXCLUSIVE (tablecmds.c ATExecDropColumn).
        for child in b.ctx.catalog.direct_inheritance_children(table):
            b.lock(child, L.ACCESS_EXCLUSIVE)
    b.drops.add(f"column:{table}.{col}")
    for idx in b.ctx.catalog.indexes_on(table):
        if col in idx.columns:
            b.drops.add(f"index:{idx.name}")
    policies = drop_policies(b, going)
    b.act("drop_column", base, policies, column=col, if_exists=bool(cmd.get("missing_ok")),
          column_is_new=b.ctx.column_is_new(table, col), cascade=cascade,
          **_views_using(b, table, col, bool(base.get("qualified"))), **dependents,
          **_policies_using(b, table, col, dropped=True),
          **_routines_using(b, table, col, bool(base.get("qualified"))),
          **_triggers_using(b, table, col, bool(base.get("qualified"))),
          **refused_with_only(b, table, base, f"drops column {col}", inheritance=False),
          **partition_column_refused(b, table, col, "drop", base),
          **_generated_facts(b, table, base, generated))


def _generated_reading(b: Builder, table: str, column: str, cmd: dict) -> tuple[str, ...]:
    """The generated columns of `table` whose expression reads `column`, less those the same
    ALTER TABLE drops before `cmd` (PostgreSQL runs its drops in the order written)."""
    dropped_before: set[str] = set()
    for other in b.subcommands:
        if other is cmd:
            break
        if other.get("subtype") == "AT_DropColumn":
            dropped_before.add(other.get("name", ""))
    return tuple(g for g in b.ctx.catalog.generated_reading(table, column)
                 if g not in dropped_before)


#: How the statement that adds a STORED generated column back to a table with rows is said.
NO_ONLINE_FORM = "no online form: run it when the table may wait: "


def _generated_facts(b: Builder, table: str, base: dict,
                     generated: tuple[str, ...]) -> dict:
    """Facts naming the generated columns that read the column: PostgreSQL refuses to change
    its type while there is one, or (15+) to drop it without CASCADE (checked on the
    server). With them, for the safe alternative, the statement that drops them first."""
    facts: dict = {"used_by_generated": generated, "used_by_generated_text": ", ".join(generated)}
    if generated and b.subcommands:
        dropped, added = _regeneration(b, table)
        # A STORED one added back to a table with rows is computed for every row under
        # ACCESS EXCLUSIVE, with no online form (checked on 18.6): said, not offered as SQL.
        offline = any(not c.virtual for c in added) and not (
            b.ctx.table_is_new(table) or b.ctx.table_is_empty(table))
        sql = _regenerated_sql(b, base, table, dropped, added)
        facts["regenerated_sql"] = JoinedSql(f"-- {NO_ONLINE_FORM}", sql) if offline else sql
        facts["regenerated_how"] = _regenerated_how(b.ctx.catalog, table, dropped, added,
                                                    b.freed_columns, offline)
    return facts



def _regeneration(b: Builder, table: str) -> tuple[list[str], list[Column]]:
    """The generated columns that can stand in the way of the ALTER TABLE being read (those
    reading a column it drops or retypes), and those of them to add again after it: the
    ones it does not drop itself and that read no column it drops. One answer for the whole
    statement, so that each of its findings gets the same statement, which runs."""
    catalog = b.ctx.catalog
    changed = {c.get("name", "") for c in b.subcommands if c.get("subtype") in (
        "AT_AlterColumnType", "AT_DropColumn")}
    dropped = sorted({g for name in changed for g in catalog.generated_reading(table, name)})
    added = [c for g in dropped if (c := catalog.column(table, g)) is not None
             and g not in b.freed_columns and not b.freed_columns.intersection(c.reads)]
    return dropped, added


def _regenerated_sql(b: Builder, base: dict, table: str, dropped: list[str],
                     added: list[Column]) -> JoinedSql:
    """The ALTER TABLE being read with the DROP COLUMN of each of `dropped` first (its own,
    when it drops one of them: PostgreSQL runs drops in the order written), then its other
    subcommands, then the ADD COLUMN of each of `added` with its type and expression.
    PostgreSQL runs an ALTER TABLE's drops first, its type changes next and its additions
    last (checked on the server), so these are computed over the new type."""
    schema, name = table.split(".", 1)
    relation = {"relname": name, "inh": not base.get("only"), "relpersistence": "p",
                **({"schemaname": schema} if base.get("qualified") else {})}
    own = {c.get("name"): c for c in b.subcommands
           if c.get("subtype") == "AT_DropColumn" and c.get("name") in dropped}
    cmds = [own.get(g) or {"subtype": "AT_DropColumn", "name": g, "behavior": "DROP_RESTRICT"}
            for g in dropped]
    cmds += [c for c in b.subcommands if not any(c is d for d in own.values())]
    statement = {"AlterTableStmt": {
        "relation": relation, "objtype": "OBJECT_TABLE",
        "missing_ok": bool(base.get("if_exists")),
        "cmds": [{"AlterTableCmd": cmd} for cmd in cmds]}}
    # No text of the statement to fall back on: a placeholder the server refuses rather
    # than SQL that does something else.
    parts: list[str | PrintedSql] = [PrintedSql(statement, "<this statement>")]
    for col in added:
        parts += [f", ADD COLUMN {quote_ident(col.name)} {col.type_text}"
                  f"{f' COLLATE {quote_ident(col.collation)}' if col.collation else ''}"
                  f"{' NOT NULL' if col.not_null else ''} GENERATED ALWAYS AS (",
                  PrintedSql(col.expression or {}, "<expression>"),
                  f") {'VIRTUAL' if col.virtual else 'STORED'}"]
    return JoinedSql(*parts)


def _regenerated_how(catalog: Catalog, table: str, dropped: list[str],
                     added: list[Column], freed: frozenset[str], offline: bool = False) -> str:
    """What the statement of `_regenerated_sql` does, as comment text (lines after the first
    start with `--`), with what the catalog knows goes with the dropped columns: indexes and
    constraints on them, which DROP COLUMN takes along, and views reading them, which make
    it fail. `offline`: it adds a STORED one back to a table with rows, which nothing does
    online."""
    again = [c.name for c in added]
    lost = [g for g in dropped if g not in again and g not in freed]
    lines = ["PostgreSQL runs an ALTER TABLE's drops first and its additions last."]
    if again:
        lines.append(f"{', '.join(again)}: computed again over the new type (a STORED one "
                     "for every row, under the same lock), back as the table's last columns.")
    if offline:
        lines.append("A STORED generated column added to a table with rows is computed for "
                     "every row under ACCESS EXCLUSIVE: it has no online form (no NOT VALID, "
                     "no CONCURRENTLY; a VIRTUAL one, PostgreSQL 18+, is computed when read).")
    if lost:
        lines.append(f"{', '.join(lost)}: dropped, as CASCADE would; to keep one, first give "
                     "it an expression that reads no dropped column (ALTER COLUMN ... SET "
                     "EXPRESSION, PostgreSQL 17+, rewrites a STORED one).")
    taken = sorted({i.name for i in catalog.indexes_on(table)
                    if any(g in i.columns or g in i.reads for g in dropped)})
    known = catalog.tables.get(table)
    taken += sorted(c.name for c in (known.constraints.values() if known else ())
                    if any(g in c.columns for g in dropped))
    if taken:
        lines.append(f"Dropped with them, to create again after: {', '.join(taken)}.")
    views = sorted({v for g in dropped for v in catalog.views_using_column(table, g)})
    if views:
        lines.append(f"Views reading them make the DROP fail: drop {', '.join(views)} before "
                     "and create them again after.")
    return "\n-- ".join(lines)


def dropped_column(b: Builder, table: str, column: str, if_exists: bool = False) -> None:
    """A column another object's DROP ... CASCADE takes with it: its data is lost as with
    DROP COLUMN (a drop_column action of its own, for the rules about lost data).
    `if_exists`: the DROP's IF EXISTS, which makes it, and so this, harmless to run again."""
    b.lock(table, L.ACCESS_EXCLUSIVE)
    going = b.ctx.catalog.policies_using_column(table, column)
    dependents = _drop_dependents(b, table, column, True, going)
    b.drops.add(f"column:{table}.{column}")
    policies = drop_policies(b, going)
    b.act("drop_column", table_facts(b, table, True), policies, dependents, column=column,
          if_exists=if_exists,
          cascade=True,
          column_is_new=b.ctx.column_is_new(table, column),
          **_views_using(b, table, column, qualified=True))


def drop_callers(b: Builder, found: Callers,
                 rules: tuple[tuple[str, str], ...] = ()) -> list[tuple[str, str]]:
    """What a DROP ... CASCADE drops because it uses what goes (`found`, `Catalog.callers`):
    each goes under ACCESS EXCLUSIVE on its table (the views on themselves); a generated
    column is dropped with its data, as DROP COLUMN (checked on the server). The rules
    naming those views, besides `rules` (dropped too)."""
    catalog = b.ctx.catalog
    for table, column in found.defaults:
        b.lock(table, L.ACCESS_EXCLUSIVE)
        b.alters.add(f"column:{table}.{column}")
    for table, column in found.generated:
        dropped_column(b, table, column)
    for table, name in found.constraints:
        b.lock(table, L.ACCESS_EXCLUSIVE)
        b.drops.add(f"constraint:{table}.{name}")
    for index in found.indexes:
        table = catalog.indexes[index].table
        for locked in (table, *catalog.partitions(table)):  # as DROP INDEX
            b.lock(locked, L.ACCESS_EXCLUSIVE)
        b.drops.add(f"index:{index}")
    for view in found.views:
        b.lock(view, L.ACCESS_EXCLUSIVE)
    return [r for r in drop_rules_naming(b, found.views) if r not in rules]


def drop_policies(b: Builder, found: list[tuple[Table, str]]) -> dict:
    """The policies a DROP ... CASCADE drops with what they use (`found`,
    as `Catalog.policies_on_others` gives them): each under ACCESS EXCLUSIVE on its table, as
    DROP POLICY (checked on the server). The facts that name them."""
    for table, name in found:
        b.lock(table.name, L.ACCESS_EXCLUSIVE)
        b.drops.add(f"policy:{table.name}.{name}")
    named, sql = _policies_named(found)
    return {"policies_dropped": named, "policies_dropped_text": ", ".join(named),
            "policies_dropped_sql": sql}


def _policies_named(found: list[tuple[Table, str]]) -> tuple[tuple[str, ...], str]:
    """The policies `found` (table, name), each as `name on table`, and the DROP POLICY
    statements that drop them."""
    named = tuple(f"{name} on {table.name}" for table, name in found)
    sql = "\n".join(f"DROP POLICY {quote_ident(name)} ON "
                    f"{'.'.join(map(quote_ident, table.name.split('.', 1)))};"
                    for table, name in found)
    return named, sql


def _triggers_using(b: Builder, table: str, column: str, qualified: bool) -> dict:
    """Facts naming the triggers of `table` that name the column (UPDATE OF, OLD / NEW in
    WHEN): PostgreSQL refuses to change its type and to drop it without CASCADE while they
    exist (checked on the server). And the statements that drop them."""
    names = _triggers_naming(b.ctx.catalog, table, column)
    written = relation_sql(table, table, qualified)
    return {"used_by_triggers": tuple(names), "used_by_triggers_text": ", ".join(names),
            "drop_used_triggers_sql": "\n".join(f"DROP TRIGGER {quote_ident(n)} ON {written};"
                                                for n in names)}


def _triggers_naming(catalog: Catalog, table: str, column: str) -> list[str]:
    """The triggers of `table` that name `column` (UPDATE OF, OLD / NEW in WHEN), by name."""
    known = catalog.tables.get(table)
    return sorted(n for n, tr in (known.triggers.items() if known else ()) if column in tr.columns)


def _policies_using(b: Builder, table: str, column: str, dropped: bool = False) -> dict:
    """Facts naming the row security policies whose expressions use the column (of its own
    table or, in a subquery, another's): PostgreSQL refuses to change its type, even to the
    same one, and to drop it without CASCADE while they exist (checked on the server). And
    the statements that drop them, and the server's error (`dropped`: of DROP COLUMN)."""
    found = b.ctx.catalog.policies_using_column(table, column)
    named, sql = _policies_named(found)
    return {"used_by_policies": named, "used_by_policies_text": ", ".join(named),
            "drop_used_policies_sql": sql,
            **({"used_by_policies_error": _policy_refusal(table, column, found, dropped)}
               if found else {})}


def _policy_refusal(table: str, column: str, found: list[tuple[Table, str]],
                    dropped: bool) -> str:
    """The server's error for a DROP COLUMN (`dropped`) or ALTER COLUMN ... TYPE of
    `table.column` that policies `found` use (checked on 18.6; fix-pg86): 2BP01 with a
    DETAIL line per policy (besides those of views and others), or 0A000 (its DETAIL names
    the first policy the server finds, not said here). Names as the server's messages give
    them: a relation bare in public, a policy's and column's own name unquoted."""
    shown = server_shown(table)
    if not dropped:
        return "0A000: cannot alter type of a column used in a policy definition"
    detail = "; ".join(f"policy {name} on table {server_shown(other.name)} depends on "
                       f"column {column} of table {shown}" for other, name in found)
    return (f"2BP01: cannot drop column {column} of table {shown} because other objects "
            f"depend on it; DETAIL: {detail}")


def _drop_dependents(b: Builder, table: str, column: str, qualified: bool,
                     policies: Iterable[tuple[Table, str]] = ()) -> dict:
    """What CASCADE drops with `table.column` besides its own constraints and indexes, each
    under ACCESS EXCLUSIVE (checked on the server): the views and materialized views using
    the column and the views over them, the foreign keys of other tables that point at
    it, the triggers of the table naming it (UPDATE OF, WHEN: "trigger tt on table t") and
    the `policies` (table, name) reading it (fix-pg86). Not in `drops`, which names what
    the statement drops by name (as for DROP TABLE ... CASCADE): the conflict
    graph reports the views dropped silently. The facts naming them (`callers_facts`), for
    rule cascade-drops-dependents."""
    catalog = b.ctx.catalog
    views: list[str] = []
    for view in catalog.views_using_column(table, column):
        for dropped in (view, *catalog.views_over(view)):
            if dropped not in views:
                views.append(dropped)
                b.lock(dropped, L.ACCESS_EXCLUSIVE)
    rules = drop_rules_naming(b, views)
    known = catalog.tables.get(table)
    key = next((c.columns for c in known.constraints.values() if c.kind == "primary"),
               ()) if known else ()
    keys = tuple(sorted((other, con.name) for other, con in catalog.referencing(table)
                        if other != table and column in (con.ref_columns or key)))
    # (the routines whose SQL-standard body uses it or one of those views, and what calls
    # them: a view, a default, ...; checked on 18.6)
    going = routines_reading_column(catalog, table, column)
    calling = routine_dependents(catalog, going)
    routines = drop_routines(b, going)
    rules = (*rules, *drop_callers(b, calling, rules))
    found = Callers(views=tuple(views)) | calling
    triggers = tuple((table, n) for n in _triggers_naming(catalog, table, column))
    going = tuple((t.name, name) for t, name in policies)
    return callers_facts(catalog, found, table, qualified, rules, keys, routines=routines,
                         triggers=triggers, policies=going) \
        if views or keys or routines or triggers or going else {}


def _routines_using(b: Builder, table: str, column: str, qualified: bool) -> dict:
    """Facts naming the functions and procedures whose SQL-standard body reads or writes the
    column: PostgreSQL refuses to drop it without CASCADE (2BP01, "function f() depends on
    column c of table t") or to change its type (0A000, "cannot alter type of a column used
    by a function or procedure") while one exists; a body written as a string does not
    count (checked on 18.6). And the statements that drop them, what calls them first (the
    routines, views and defaults CASCADE would take: the server refuses to drop a routine
    still called)."""
    from lockwise.effects.dependents import ROUTINE_DEPENDENT_KINDS

    catalog = b.ctx.catalog
    users = routines_using_column(catalog, table, column)
    if not users:
        return {"used_by_routines": ()}
    named = tuple(f"{ROUTINE_DEPENDENT_KINDS[r.procedure]} "
                  f"{relation_sql(r.name, table, qualified)}({', '.join(r.args)})"
                  for r in users)
    going = tuple(routines_going(catalog, columns={(table, column)}))
    steps = callers_facts(catalog, routine_dependents(catalog, going), table, qualified,
                          routines=going)["callers_dropped_sql"]
    return {"used_by_routines": named, "used_by_routines_text": ", ".join(named),
            "drop_used_routines_sql": steps}


def _views_using(b: Builder, table: str, column: str, qualified: bool) -> dict:
    """Facts naming the views whose query uses the column: PostgreSQL refuses to drop it
    (without CASCADE) or change its type while they exist (checked on the server). And the
    statements that drop them, with the views over them first (`drop_views_sql`): each as
    what it is, as DROP VIEW refuses a materialized view."""
    catalog = b.ctx.catalog
    views = tuple(catalog.views_using_column(table, column))
    in_the_way: list[str] = []
    for view in views:
        for over in (view, *catalog.views_over(view)):
            if over in in_the_way:
                in_the_way.remove(over)
            in_the_way.append(over)
    drops = []
    for view in reversed(in_the_way):
        known = catalog.tables.get(view)
        kind = "MATERIALIZED VIEW" if known is not None and known.kind == "matview" else "VIEW"
        drops.append(f"DROP {kind} "
                     f"{relation_sql(view, table, qualified)};")
    return {"used_by_views": views, "used_by_views_text": ", ".join(views),
            "drop_views_sql": "\n".join(drops)}


def _same_type(catalog: Catalog, col: Column, new: str, mods: tuple[int, ...],
               array: bool) -> bool:
    """Whether `new` (as `Catalog.column_type` gives it) is the domain column `col` is of
    already, however either is spelled: the server then converts nothing and checks no value
    (checked on the server)."""
    domain = catalog.domain(new)
    return (col.typmods, col.array) == (mods, array) and domain is not None \
        and domain is catalog.domain(col.type_name)


def _raises_varchar_limit(catalog: Catalog, old_col: Column | None, new: str,
                          mods: tuple[int, ...], array: bool) -> bool:
    """Whether a type change to `new` keeps a varchar length limit that the column had
    already, no lower: the server then only relabels (checked on the server), and the limit
    baked into the type is not this statement's doing."""
    if old_col is None:
        return False
    old_name, old_mods, old_array = catalog.base_type(old_col.type_name, old_col.typmods,
                                                          old_col.array)
    new_name, new_mods, new_array = catalog.base_type(new, mods, array)
    return old_name == new_name == "varchar" and old_array == new_array \
        and bool(old_mods) and bool(new_mods) and new_mods[0] >= old_mods[0]


def _collate_sql(coldef: dict) -> str:
    """The COLLATE clause a type change writes, as SQL (a change of collation alone is what
    some of them are for: an alternative without it changes nothing)."""
    names = strings((coldef.get("collClause") or {}).get("collname"))
    return f" COLLATE {'.'.join(map(quote_ident, names))}" if names else ""


def _virtual_retype_refusal(b: Builder, old_col: Column | None, type_name: str,
                            using: bool) -> dict:
    """The refusal of a VIRTUAL generated column's new type not built in
    (`immutability.virtual_retype_refusal`)."""
    if old_col is None or not old_col.virtual:
        return {}
    from lockwise.effects.immutability import virtual_retype_refusal

    return virtual_retype_refusal(b.ctx.catalog, old_col, type_name, using)


def alter_column_type(b: Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    colname = cmd.get("name", "")
    # A foreign key over the column, on either side, is dropped and re-created: that takes
    # ACCESS EXCLUSIVE on the table at its other end too (checked on the server); the
    # partners' locks and scans are read by rules only (`Context.rule_text`).
    partners = _fk_partners(b.ctx.catalog, table, colname, b.freed_names) \
        if b.ctx.rule_text else set()
    for other in partners:
        b.lock(other, L.ACCESS_EXCLUSIVE)
    _, coldef = unwrap(cmd.get("def"))
    new, new_mods, new_array = b.ctx.catalog.column_type(coldef.get("typeName"))
    using = coldef.get("raw_default")
    change = column_type_change(b, table, colname, coldef)
    rewrites, why, read_again = change.rewrites, change.why, change.read_again
    old_col, refused, rebuilt = change.old_col, change.refused, change.rebuilt
    old_type = old_col.type_text if old_col is not None else ""
    if rewrites:
        # The re-created foreign keys are validated again: the other end is read too.
        for other in partners:
            b.scan(other, "foreign key re-validation after the type change")
    b.alters.add(f"column:{table}.{colname}")
    backfill = {}
    if (rewrites or refused or change.default_refused) and b.ctx.rule_text:
        # for the expand / contract instead: the new column backfilled with what the
        # statement would compute (its USING, else the value converted by assignment; a
        # refused one's template writes the cast itself)
        backfill = {**row_key_facts(b, table), "converted_value_sql": PrintedSql(
            using, "<USING expression>") if using is not None else quote_ident(colname)}
    index_steps = _rebuilt_index_steps(
        b.ctx.catalog, table, colname,
        _collate_sql(coldef) if rebuilt and _collation_only(old_col, coldef, new) else "",
        rebuilt,
        bool(base.get("qualified")),
        b.ctx.session_timezone_utc and new in ("timestamp", "timestamptz"))
    # an index the type change would still build under its lock: the prose alone
    online = index_steps is not None
    # The server's order (checked on 18.6, fix-pg90): a missing column (42703), USING of a
    # generated column (42611), a VIRTUAL column's new type (0A000) and a cast it lacks
    # (42804) are judged before ONLY with children (42P16), and that before the default's
    # cast: each statement says only the first.
    generated_using = old_col is not None and old_col.generated and using is not None
    virtual_refusal = _virtual_retype_refusal(b, old_col, f"{new}[]" if new_array else new,
                                              using is not None)
    only = refused_with_only(b, table, base, f"changes the type of column {colname}") \
        if old_col is not None and not (generated_using or refused
                                            or virtual_refusal) else {}
    b.act("alter_column_type", base, backfill, column=colname, old_type=old_type, new_type=new,
          new_typmods=new_mods,
          new_type_text=written_type(new, new_mods, new_array) + _collate_sql(coldef),
          length_sql=str(new_mods[0]) if new_mods else "<n>",
          rewrites=rewrites, rewrite_reason=why,
          needs_using=refused,
          refused_default_cast=change.default_refused and not only,
          default_refused_text=_default_refused_text(
              colname, written_type(new, new_mods, new_array)) if refused and old_col is not None
          and old_col.default else "",
          reads_table_again=bool(read_again), read_again_reason=read_again,
          type_change_sql=_type_change_sql(
              b, table, colname, old_col, written_type(new, new_mods, new_array),
              _collate_sql(coldef), bool(base.get("qualified")))
          if read_again and not rewrites and online and b.ctx.rule_text else "",
          **(index_steps or dict.fromkeys(_INDEX_STEP_FACTS, "")),
          **({key: sql if online else "" for key, sql in _checks_revalidated_steps(
              b.ctx.catalog, table, colname, bool(base.get("qualified"))).items()}
             if read_again and b.ctx.rule_text else {}),
          **(_carried_over_steps(b.ctx.catalog, table, old_col,
                                 written_type(new, new_mods, new_array),
                                 bool(base.get("qualified")), b.ctx.pg_version)
             if (refused or change.default_refused) and b.ctx.rule_text else {}),
          old_type_known=old_col is not None,
          old_type_name=old_col.type_name if old_col is not None else "",
          using_names_zone=using is not None and _using_names_zone(using, colname),
          raises_varchar_limit=not rewrites and _raises_varchar_limit(
              b.ctx.catalog, old_col, new, new_mods, new_array),
          # The column was of the type already (its length or precision may change): a
          # style rule about the type judged where it was chosen, not here.
          type_kept=old_col is not None and (old_col.type_name, old_col.array)
          == (new, new_array),
          # ... and its length or precision too, with no COLLATE, and no USING but the column
          # or casts that keep its values: the server converts nothing and rebuilds nothing,
          # yet takes the lock (checked on 18.6)
          type_unchanged=old_col is not None and not rewrites and not refused
          and not _collate_sql(coldef)
          and (old_col.type_name, old_col.typmods, old_col.array) == (new, new_mods, new_array),
          indexed=any(colname in i.columns for i in b.ctx.catalog.indexes_on(table)),
          **(family_function("expand_contract", "expand_contract_facts")(
              b.ctx.catalog, table, colname, old_col) if b.ctx.fix_facts else {}),
          inheritance_children=tuple(b.ctx.catalog.inheritance_children(table)),
          rows_elsewhere=rewrites and rows_elsewhere(b.ctx.catalog, table),
          **_views_using(b, table, colname, bool(base.get("qualified"))),
          **_policies_using(b, table, colname),
          **_routines_using(b, table, colname, bool(base.get("qualified"))),
          **_triggers_using(b, table, colname, bool(base.get("qualified"))),
          **only,
          **partition_column_refused(b, table, colname, "alter", base),
          **virtual_refusal,
          # USING for a generated column (STORED or VIRTUAL) is refused before anything else
          # is judged: 42611 "cannot specify USING when altering type of generated column",
          # even when the same ALTER TABLE drops its expression (checked on 18.6, fix-pg89)
          refused_generated_using=generated_using,
          # Its drops run before any type change (all of them: checked on the server).
          **_generated_facts(b, table, base, tuple(
              g for g in b.ctx.catalog.generated_reading(table, colname)
              if g not in b.freed_columns)))


class TypeChange:
    """What a column type change does to its table (`column_type_change`). A plain class: a
    NamedTuple generates and compiles code when it is defined, which every cold start of an
    ALTER TABLE lint would pay."""

    __slots__ = ("rewrites", "why", "read_again", "old_col", "refused", "rebuilt",
                 "default_refused")

    def __init__(self, rewrites: bool, why: str, read_again: str, old_col: Column | None,
                 refused: bool, rebuilt: tuple[Index, ...], default_refused: bool = False
                 ) -> None:
        self.rewrites = rewrites
        self.why = why
        #: What reads the table again when it is not rewritten ("" if nothing).
        self.read_again = read_again
        #: The column as it was (None when not known, which counts as a rewrite).
        self.old_col = old_col
        #: The server refuses it for want of a USING (no cast in assignment context between
        #: the two types: nothing is rewritten).
        self.refused = refused
        #: The table's indexes it builds again though the values are kept.
        self.rebuilt = rebuilt
        #: The server refuses it, USING or not, for the column's DEFAULT: of the old type,
        #: which has no cast to the new one in assignment context.
        self.default_refused = default_refused


def default_dropped(b: Builder, column: str) -> bool:
    """Whether the ALTER TABLE being read drops `column`'s default (ALTER COLUMN ... DROP
    DEFAULT: PostgreSQL runs it with the drops, before a type change, whatever the order
    written; checked on 18.6)."""
    return any(cmd.get("subtype") == "AT_ColumnDefault" and cmd.get("name") == column
               and not cmd.get("def") for cmd in b.subcommands)


def column_type_change(b: Builder, table: str, colname: str, coldef: dict) -> TypeChange:
    """What changing `table.colname` to the type of `coldef` (its USING included) does to
    the table (`TypeChange`), recorded in `b` (rewrite, scans)."""
    new, new_mods, new_array = b.ctx.catalog.column_type(coldef.get("typeName"))
    using = coldef.get("raw_default")
    old_col = b.ctx.catalog.known_column(table, colname)
    read_again = ""
    rebuilt: list[Index] = []
    refused = default_refused = False
    if old_col is None:
        rewrites, why = True, "old type unknown (table not created by these migrations)" \
            if b.ctx.catalog.sure_of(table) else "old type unknown (a DO block may have changed it)"
    else:
        old_base = b.ctx.catalog.base_type(old_col.type_name, old_col.typmods, old_col.array)
        new_base = b.ctx.catalog.base_type(new, new_mods, new_array)
        if b.ctx.catalog.domain(old_col.type_name) is not None and not _same_type(
                b.ctx.catalog, old_col, new, new_mods, new_array):
            # A domain column's values carry no typmod (atttypmod -1): the server cannot see
            # that the domain's length or precision fits the new type's, and converts them all
            # (checked on the server).
            old_base = (old_base[0], (), old_base[2])
        no_cast = not old_col.virtual and _types.needs_using(
            old_base[0], old_base[2], new_base[0], new_base[2],
            _enum_names(b.ctx.catalog, old_base[0], new_base[0]), b.ctx.catalog.extensions)
        if old_col.virtual:  # (the server refuses USING and a constrained domain for it)
            rewrites, why = False, "a virtual generated column stores nothing"
        elif using is None and no_cast:
            refused = True
            rewrites, why = False, f"{old_col.type_text} cannot be cast automatically to " \
                f"{written_type(new, new_mods, new_array)}"
        elif no_cast and old_col.default and not default_dropped(b, colname):
            # USING converts the values only: the DEFAULT is converted by assignment, and
            # with no such cast the server stops ("default for column ... cannot be cast
            # automatically", 42804; checked on 18.6): nothing is rewritten.
            default_refused = True
            rewrites, why = False, f"the DEFAULT of {colname} is {old_col.type_text}, which " \
                f"cannot be cast automatically to {written_type(new, new_mods, new_array)}"
        elif b.ctx.catalog.is_constrained_domain(new) and not _same_type(
                b.ctx.catalog, old_col, new, new_mods, new_array):
            rewrites, why = True, f"domain {new} has a constraint: every value is checked " \
                "and stored"
        elif old_base[2] != new_base[2]:
            rewrites, why = True, "array-ness changes"
        else:
            rewrites, why = _types.type_change_rewrites(
                old_base[0], old_base[1], new_base[0], new_base[1], b.ctx.pg_version,
                b.ctx.session_timezone_utc, array=new_base[2])
        casts = _using_casts(using, colname) if using is not None else []
        if casts is None and not default_refused:
            rewrites, why = True, "USING expression computes every value"
        elif casts and not rewrites and not default_refused:
            rewrites, why = _casts_rewrite(b, (old_base, *casts, new_base))
        if not rewrites and not refused and not default_refused:
            read_again, rebuilt = _kept_values_scans(
                b, table, colname, old_base[0], new_base[0],
                old_col.collation != collation_name(coldef), collation_name(coldef))
    if rewrites:
        b.rewrite(table, f"column type change: {why}")
    return TypeChange(rewrites, why, read_again, old_col, refused, tuple(rebuilt),
                      default_refused)


def _enum_labels(catalog: Catalog, type_name: str) -> list[str] | None:
    """The labels of enum `type_name` (a column type, unqualified for `public`'s), None when
    it is no enum the catalog knows."""
    return catalog.enums.get(type_name if "." in type_name else f"public.{type_name}")


def _enum_names(catalog: Catalog, *names: str) -> frozenset[str]:
    """Those of `names` (column types as `Catalog.column_type` gives them) that are enums."""
    return frozenset(n for n in names if _enum_labels(catalog, n) is not None)


def _kept_values_scans(b: Builder, table: str, column: str, old: str, new: str,
                       collation_changes: bool, collation: str | None = None
                       ) -> tuple[str, list[Index]]:
    """A type change that keeps the stored values still reads the table: the CHECKs on the
    column are re-added and validated again, and its indexes are rebuilt when their operator
    class or collation changes (checked on the server). Returns what reads it ("" if
    nothing): all of it happens under the statement's ACCESS EXCLUSIVE lock; and the plain
    indexes of the table rebuilt."""
    known = b.ctx.catalog.known_table(table)
    if known is None:
        return "", []
    reasons: list[str] = []
    indexes: list[Index] = []
    for con in _checks_read_again(known, column)[:1]:
        reasons.append(f"CHECK {con.name} is validated again after the type change")
    if known.kind == "partitioned":
        # No rows of its own: the partitions are read when the change recurses to them, but
        # the judgement is made on this action (the partitions' are not kept).
        own = _own_index_over(b.ctx.catalog, table, known, column)
        if own and b.ctx.catalog.partitions(table):
            reasons.append(f"each partition's part of partitioned index {own} is built again")
        return "; ".join(reasons), indexes
    if parent_index := _partitioned_index_over(b.ctx.catalog, known, column):
        reasons.append(f"its part of partitioned index {parent_index} is rebuilt")
    elif rebuilt := _indexes_rebuilt(b.ctx.catalog, known, column, old, new,
                                     collation_changes, collation):
        reasons.append(rebuilt[0][0])
        indexes = [idx for _, idx in rebuilt if idx is not None]
    for why in reasons:
        b.scan(table, why)
    return "; ".join(reasons), indexes


def _checks_read_again(known: Table, column: str) -> list[Constraint]:
    """The validated CHECKs of `known` a type change of `column` validates again (those that
    read it: checked on the server)."""
    return [con for con in known.constraints.values()
            if con.kind == "check" and con.validated and (
                column in con.columns or column in con.reads)]


def _checks_revalidated_steps(catalog: Catalog, table: str, column: str,
                              qualified: bool) -> dict:
    """The steps that take out each CHECK a type change of `column` validates again, each of
    them ALTER TABLE's own (in the one transaction: no row is written unchecked meanwhile),
    add it back NOT VALID after the change and validate it in the next migration, under
    SHARE UPDATE EXCLUSIVE. One whose expression the catalog lacks, or the parent's alone,
    is left to the rule's prose."""
    known = catalog.tables.get(table)
    checks = [con for con in (_checks_read_again(known, column) if known else ())
              if con.expr is not None and not con.inherited and con.enforced]
    if not checks:
        return {"checks_dropped_first_sql": "", "checks_added_after_sql": ""}
    target = relation_sql(table, table, qualified)
    adds = [f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(con.name)} CHECK "
            f"({PrintedSql(con.expr)}){' NO INHERIT' if con.no_inherit else ''} NOT VALID;"
            for con in checks]
    return {"checks_dropped_first_sql": "\n".join(
                f"ALTER TABLE {target} DROP CONSTRAINT {quote_ident(con.name)};"
                for con in checks),
            "checks_added_after_sql": "\n".join([
                *adds, NEXT_MIGRATION,
                *(f"ALTER TABLE {target} VALIDATE CONSTRAINT {quote_ident(con.name)};"
                  "  -- writes go on" for con in checks)])}


def _default_refused_text(column: str, new_type: str) -> str:
    """What a type change refused for want of USING says of the column's DEFAULT: the
    statement with USING converts the DEFAULT by assignment still (it is of the old type,
    which has no assignment cast to `new_type`, or USING would not be needed), and fails on
    it (checked on 18.6). Starts with a space: it follows the message's last sentence."""
    return (f" With USING it fails too while {column} has a DEFAULT: the DEFAULT is converted "
            f"without USING, and has no such cast to {new_type} either (\"default for column "
            f"... cannot be cast automatically\"): DROP DEFAULT before the change, SET DEFAULT "
            "again after it.")


def _carried_over_steps(catalog: Catalog, table: str, old_col: Column | None,
                        new_type_sql: str, qualified: bool, pg_version: int) -> dict:
    """For an expand / contract type change (`column-type-change-needs-using`), what the new
    column `<column>_new` is given of the old one when it is added: its DEFAULT, converted as
    the values are (`new_column_default_sql`; the trigger fills the column until the swap),
    and its NOT NULL through a CHECK added NOT VALID at once (the trigger gives every row
    written from then on a value: `new_column_not_null_sql`), validated and made NOT NULL
    in the next migration, once the backfill is done (`new_column_validated_sql`). From
    PostgreSQL 18 the NOT NULL constraint is named, and a column's rename keeps its name: the
    contract step's swap renames the two constraints too (`new_column_renamed_sql`, commented
    out as the rest of that step), so the column ends with the name the statement leaves it, as
    `lockwise fix` ends it (checked on 18.6)."""
    if old_col is None:
        return {"new_column_default_sql": "", "new_column_not_null_sql": "",
                "new_column_validated_sql": "", "new_column_renamed_sql": ""}
    from lockwise.effects.postgres.attach import not_null_through_check  # (rare: only here)

    target = relation_sql(table, table, qualified)
    new = generated_name(old_col.name, None, "new")  # as the template's `{column}_new`
    default = movable_default(old_col)
    added, validated = not_null_through_check(catalog, table, target, new) \
        if old_col.not_null else ("", "")
    renamed = ""
    if old_col.not_null and pg_version >= 18:
        made, kept, moved = not_null_swap_names(
            table.split(".", 1)[1], old_col.name, new,
            column_not_null_name(catalog, table, old_col.name),
            table_constraint_names(catalog, table))
        renamed = "\n-- ".join(  # (the template's `-- ` starts the first line)
            f"ALTER TABLE {target} RENAME CONSTRAINT {quote_ident(name)} TO {quote_ident(to)};"
            for name, to in ((kept, moved), (made, kept)))
    return {
        "new_column_default_sql": JoinedSql(
            f"ALTER TABLE {target} ALTER COLUMN {quote_ident(new)} SET DEFAULT (", default,
            f")::{new_type_sql};  -- {old_col.name}'s, converted as its values are")
        if default else "",
        "new_column_not_null_sql": f"{added}  -- {old_col.name} is NOT NULL: so are the rows "
                                   "written from now on" if added else "",
        "new_column_validated_sql": validated.replace(
            NEXT_MIGRATION, f"{NEXT_MIGRATION}\n-- once no row is left to backfill:", 1),
        "new_column_renamed_sql": renamed}


def _type_change_sql(b: Builder, table: str, column: str, old_col: Column | None,
                     new_type_sql: str, collate_sql: str, qualified: bool) -> str:
    """What `column-type-change-reads-table` writes in place of the statement: the type
    change itself, its reads taken out before it and put back after it (the rule's other
    facts); on a partitioned table with an index over the column, whose parts no
    CONCURRENTLY can build, expand / contract (`partitioned_expand_contract_sql`) instead,
    where it can be written (not for a change whose values are kept in a UTC session only,
    which a trigger running in the writers' sessions would convert otherwise, nor beside a
    CHECK read again)."""
    catalog = b.ctx.catalog
    statement = (f"ALTER TABLE {relation_sql(table, table, qualified)} ALTER COLUMN "
                 f"{quote_ident(column)} TYPE {new_type_sql}{collate_sql};")
    known = catalog.tables.get(table)
    if known is None or known.kind != "partitioned" or old_col is None or \
            _checks_read_again(known, column) or \
            {old_col.type_name, new_type_sql.split("(")[0]} == {"timestamp", "timestamptz"}:
        return statement
    # Imported for a partitioned table's retyped column only (see _rebuilt_index_steps).
    from lockwise.effects.partitions import partitioned_expand_contract_sql

    return partitioned_expand_contract_sql(
        catalog, table, qualified, column, new_type_sql + collate_sql,
        _carried_over_steps(catalog, table, old_col, new_type_sql, qualified,
                            b.ctx.pg_version),
        lambda leaf: row_key_facts(b, leaf), b.ctx.pg_version) or statement


def _indexes_rebuilt(catalog: Catalog, known: Table, column: str, old: str, new: str,
                     collation_changes: bool, collation: str | None = None
                     ) -> list[tuple[str, Index | None]]:
    """The indexes over `column` a type change that keeps the values builds again, each with
    why (the first one's is the finding's), and the index (None for a constraint's the
    catalog keeps as the constraint alone): one with an expression or a WHERE depending on
    it, whatever the change; one whose operator class or collation changes. Not one whose
    CREATE INDEX gave the column the `collation` it takes (`COLLATE "C"`) where only the
    collation changes: PostgreSQL keeps that one as it is (checked on 18.6)."""
    indexes = catalog.indexes_on(known.name)
    out: list[tuple[str, Index | None]] = [
        (f"index {idx.name} is rebuilt: an index with an expression or a WHERE is never "
         "reused", idx) for idx in indexes if idx.rebuilt_by_type_change_of(column)]
    if not (collation_changes or _types.type_change_rebuilds_indexes(old, new)):
        return out
    why = "collation" if collation_changes else "operator class"
    kept = collation if not _types.type_change_rebuilds_indexes(old, new) else None
    out += [(f"index {idx.name} is rebuilt: its {why} changes", idx) for idx in indexes
            if (column in idx.columns or column in idx.reads)
            and not idx.rebuilt_by_type_change_of(column)
            and not (kept and index_collation(idx, column) == kept)]
    if not out:
        out += [(f"index of {con.name} is rebuilt: its {why} changes", None)
                for con in known.constraints.values()
                if con.kind in ("primary", "unique", "exclude") and column in con.columns][:1]
    return out


def _collation_only(old_col: Column | None, coldef: dict, new: str) -> bool:
    """Whether a type change to `new` that keeps the values (ColumnDef `coldef`) changes the
    indexes over `old_col` in their collation only, not in their operator class."""
    return old_col is not None and old_col.collation != collation_name(coldef) and \
        not _types.type_change_rebuilds_indexes(old_col.type_name, new)


def index_collation(idx: Index, column: str) -> str | None:
    """The collation CREATE INDEX wrote for `column` in `idx` (`(c COLLATE "C")`, by its
    last name), None where it wrote none or the catalog has no CREATE INDEX of it."""
    for param in (idx.definition or {}).get("indexParams") or ():
        elem = unwrap(param)[1]
        if elem.get("name") == column and elem.get("collation"):
            return strings(elem["collation"])[-1]
    return None


def _swapped_unique_indexes(catalog: Catalog, table: str, column: str, collate_sql: str,
                            rebuilt: Sequence[Index], qualified: bool
                            ) -> tuple[list[str], list[str], list[str]] | None:
    """Where only the collation of `column` changes (`collate_sql`, the statement's COLLATE
    clause), each unique index of `rebuilt` (a UNIQUE / PRIMARY KEY constraint's too) built
    first CONCURRENTLY under a name of its own, with the column in the new collation (the
    type change then keeps it: checked on 18.6); dropped with the type change, the new one
    takes its place: `ADD CONSTRAINT ... USING INDEX` for a constraint's (the index takes
    the constraint's name), `ALTER INDEX ... RENAME` for another. Returns the builds, the
    drops before the type change and the swaps after it; None when one cannot be swapped so
    (an EXCLUDE's: USING INDEX takes a unique index only; a deferrable key's, one a foreign
    key references, whose DROP CONSTRAINT would fail; INCLUDE columns, expressions, a
    WHERE: one the catalog cannot write whole)."""
    from lockwise.effects.partitions import plain_index_sql

    known = catalog.tables.get(table)
    target = relation_sql(table, table, qualified)
    schema = table.split(".", 1)[0]
    builds: list[str] = []
    drops: list[str] = []
    swaps: list[str] = []
    taken: list[str] = []
    for idx in rebuilt:
        name = idx.name.split(".", 1)[1]
        con = known.constraints.get(name) if known is not None else None
        if not collate_sql or not idx.unique or idx.signature is None or \
                len(idx.signature) != 3 or \
                not idx.valid or idx.attached_to or idx.storage_parameters is None or \
                (con is not None and (con.deferrable or con.kind not in ("primary", "unique")
                                      or _referenced_key(catalog, table, con))):
            return None
        new = free_relation_name(catalog, schema, name, "new", taken)
        taken.append(new)
        tablespace = f" TABLESPACE {quote_ident(idx.tablespace)}" if idx.tablespace else ""
        builds.append(plain_index_sql(idx, new, target, collate={column: collate_sql})
                      + f"{tablespace};{OWN_MIGRATION}")
        if con is not None:
            kind = "PRIMARY KEY" if con.kind == "primary" else "UNIQUE"
            drops.append(f"ALTER TABLE {target} DROP CONSTRAINT {quote_ident(name)};")
            swaps.append(f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(name)} {kind} "
                         f"USING INDEX {quote_ident(new)};")
        else:
            drops.append(f"DROP INDEX {relation_sql(idx.name, table, qualified)};  -- an "
                         f"instant drop: {new} keeps the rows unique meanwhile")
            swaps.append(f"ALTER INDEX {relation_sql(f'{schema}.{new}', table, qualified)} "
                         f"RENAME TO {quote_ident(name)};")
    return builds, drops, swaps


def _referenced_key(catalog: Catalog, table: str, con: Constraint) -> bool:
    """Whether a foreign key references key `con` of `table` (its DROP CONSTRAINT fails)."""
    return any(set(fk.ref_columns or ()) == set(con.columns)
               or not fk.ref_columns and con.kind == "primary"
               for _, fk in catalog.referencing(table))


#: The facts `_rebuilt_index_steps` gives, each "" where it gives none.
_INDEX_STEP_FACTS = ("indexes_dropped_first_sql", "indexes_swapped_in_sql",
                     "indexes_built_after_sql")


def _rebuilt_index_steps(catalog: Catalog, table: str, column: str, collate_sql: str,
                         rebuilt: Sequence[Index], qualified: bool, zone_kept: bool
                         ) -> dict | None:
    """The steps that take out each of `rebuilt` before the type change of `column` and
    build it again CONCURRENTLY after, where the catalog knows the whole definition (plain
    columns, or the CREATE INDEX of one with expressions or a WHERE; storage parameters it
    can write) and dropping it loses nothing meanwhile: not a unique one (duplicates written
    meanwhile would fail its build), nor a constraint's or a part of a partitioned index. A
    unique one (a UNIQUE / PRIMARY KEY constraint's too) is built first in the new collation
    and swapped in with the type change (`_swapped_unique_indexes`), where only the
    collation changes (`collate_sql`, the statement's COLLATE clause; else ""). None when
    one of `rebuilt` has no such steps: the type change would still build it under its lock,
    and the alternative is the rule's prose alone. `zone_kept`: the change keeps the values
    only in the UTC session the migration set, which its own migration sets again."""
    known = catalog.tables.get(table)
    written = [idx for idx in rebuilt
               if (idx.signature is not None or idx.definition is not None) and not idx.unique
               and idx.valid and not idx.attached_to and idx.storage_parameters is not None
               and not (known and idx.name.split(".", 1)[1] in known.constraints)]
    unique = [idx for idx in rebuilt if idx not in written]
    swapped = _swapped_unique_indexes(catalog, table, column, collate_sql, unique,
                                      qualified) if unique else ([], [], [])
    if swapped is None:
        return None
    apart = OWN_MIGRATION
    drops = swapped[0] + [
        f"DROP INDEX CONCURRENTLY IF EXISTS {relation_sql(idx.name, table, qualified)};"
        f"{apart}" for idx in written]
    if written and zone_kept:
        drops.append("SET LOCAL TimeZone = 'UTC';  -- with the type change, which keeps the "
                     "values in a UTC session only")
    drops += swapped[1]
    target = relation_sql(table, table, qualified)
    schema, name = table.split(".", 1)
    builds = []
    for idx in written:
        tablespace = f" TABLESPACE {quote_ident(idx.tablespace)}" if idx.tablespace else ""
        index_name = idx.name.split(".", 1)[1]
        tree = None if idx.signature is not None else \
            _partitions.range_var_tree(schema if qualified else None, name)
        builds.append((_partitions.plain_index_sql(idx, index_name, target) + tablespace
                       if tree is None else _partitions.index_from_definition_sql(
                           idx, index_name, tree, "", "", tablespace)) + f";{apart}")
    return {"indexes_dropped_first_sql": "\n".join(drops),
            "indexes_swapped_in_sql": "\n".join(swapped[2]),
            "indexes_built_after_sql": "\n".join(builds)}


def _partitioned_index_over(catalog: Catalog, partition: Table, column: str) -> str:
    """The index (or UNIQUE / PRIMARY KEY / EXCLUDE constraint) of a partitioned ancestor of
    `partition` over `column`, "" when none. A type change never reuses a partition's part of
    such an index, as it does a plain index whose operator class stays: each is built again
    from the partition's rows, even when the values are kept (checked on the server)."""
    seen: set[str] = set()
    parent = partition.partition_of
    while parent and parent not in seen:
        seen.add(parent)
        ancestor = catalog.tables.get(parent)
        found = _own_index_over(catalog, parent, ancestor, column)
        if found or ancestor is None:
            return found
        parent = ancestor.partition_of
    return ""


def _own_index_over(catalog: Catalog, name: str, table: Table | None, column: str) -> str:
    """The index or index-backed constraint of table `name` itself over `column` ("" if
    none)."""
    for idx in catalog.indexes_on(name):
        if column in idx.columns or column in idx.reads:
            return idx.name
    for con in (table.constraints.values() if table is not None else ()):
        if con.kind in ("primary", "unique", "exclude") and column in con.columns:
            return con.name
    return ""


def movable_default(column: Column | None) -> str | PrintedSql:
    """The default of `column` as SQL, for an expand/contract change to set on the new column
    ("" for none, or one the catalog does not know as written): not one drawing from a
    sequence, which the old column may own and the contract step's DROP COLUMN drop (or
    refuse to, with the new column's default on it)."""
    if column is None or not column.default or column.default_sequence or \
            column.default_expression is None:
        return ""
    return PrintedSql(column.default_expression)


def table_constraint_names(catalog: Catalog, table: str) -> tuple[str, ...]:
    """The names of the constraints of `table` (its columns' NOT NULL ones too), sorted:
    those a constraint the alternative names on it is numbered past."""
    known = catalog.tables.get(table)
    return tuple(sorted(constraint_names(known))) if known is not None else ()


def column_not_null_name(catalog: Catalog, table: str, column: str) -> str:
    """The name of the NOT NULL constraint of `table.column` that PostgreSQL 18 keeps ("" when
    the catalog does not know the column NOT NULL)."""
    known = catalog.tables.get(table)
    col = known.columns.get(column) if known is not None else None
    return not_null_name(known, column) if col is not None and col.not_null else ""


def _fk_partners(catalog, table: str, column: str,
                 dropped: frozenset[str] = frozenset()) -> set[str]:
    """Tables at the other end of the foreign keys that `table.column` takes part in, but the
    keys of `table` named in `dropped` (an ALTER TABLE runs its DROP CONSTRAINTs first: a
    type change then has no such key to re-create and validate; checked on the server)."""
    out: set[str] = set()
    known = catalog.tables.get(table)
    for con in known.constraints.values() if known else ():
        if con.kind == "foreign" and con.references and column in con.columns \
                and con.name not in dropped:
            out.add(con.references)
    key = next((c.columns for c in known.constraints.values() if c.kind == "primary"),
               ()) if known else ()
    for other, con in catalog.referencing(table):
        if column in (con.ref_columns or key):  # no column list: the primary key
            out.add(other)
    out.discard(table)
    # A partitioned partner holds the key (or its triggers) on each partition too.
    return out | {part for other in out for part in catalog.partitions(other)}


def _using_casts(expr: dict, column: str) -> list[dict] | None:
    """The type names a type change's USING casts `column` to, innermost first, when it is
    the column itself (`USING c`, `USING t.c`: none) or casts of it (`USING c::int`,
    `CAST(c AS int)`); None when it computes anything else."""
    kind, body = unwrap(expr)
    names = []
    while kind == "TypeCast":
        names.append(body.get("typeName"))
        kind, body = unwrap(body.get("arg"))
    if kind != "ColumnRef" or strings(body.get("fields"))[-1:] != [column]:
        return None
    return names[::-1]


def _casts_rewrite(b: Builder, steps: tuple) -> tuple[bool, str]:
    """Whether a USING that casts the column (`_using_casts`) converts its values: the
    server keeps them only when every cast, then the one to the new type, keeps them (a
    cast to the column's own type does; to bigint and back, through text, or to a varchar
    of another or no length converts, checked on 18.6). `steps`: the column's type, the
    type names cast to, the new type, as `Catalog.base_type` gives them but the casts'."""
    catalog = b.ctx.catalog
    casts = [catalog.column_type(name) for name in steps[1:-1]]
    if any(catalog.is_constrained_domain(cast[0]) for cast in casts):
        return True, "the USING casts to a domain with a constraint: every value is checked"
    kinds = [steps[0], *(catalog.base_type(*cast) for cast in casts), steps[-1]]
    for old, new in pairwise(kinds):
        rewrites = old[2] != new[2] or _types.type_change_rewrites(
            old[0], old[1], new[0], new[1], b.ctx.pg_version, b.ctx.session_timezone_utc,
            array=new[2])[0]
        if rewrites:
            return True, f"the USING's cast {written_type(*old)} -> {written_type(*new)} " \
                "converts every value"
    return False, "the USING's casts keep every value: no rewrite"


def _using_is_plain_cast(expr: dict, column: str) -> bool:
    """Whether a type change's USING is the column itself or casts of it."""
    return _using_casts(expr, column) is not None


def _using_names_zone(expr: dict, column: str) -> bool:
    """Whether a type change's USING is `column AT TIME ZONE '<zone>'` (or `timezone('<zone>',
    column)`): the stored timestamps are read in the zone it names, not in the session's
    TimeZone (checked on the server)."""
    kind, body = unwrap(expr)
    if kind == "TypeCast":
        kind, body = unwrap(body.get("arg"))
    args = body.get("args") or []
    if kind != "FuncCall" or strings(body.get("funcname"))[-1:] != ["timezone"] \
            or len(args) != 2:
        return False
    zone_kind, zone = unwrap(args[0])
    if zone_kind == "TypeCast":
        zone_kind, zone = unwrap(zone.get("arg"))
    return zone_kind == "A_Const" and "sval" in zone and _using_is_plain_cast(args[1], column)


def column_default(b: Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    col = cmd.get("name", "")
    b.alters.add(f"column:{table}.{col}")
    expr = cmd.get("def")
    if expr is None:
        b.act("drop_default", base, column=col)
    else:
        if b.ctx.rule_text and b.ctx.locks_read:  # (locks only rules read)
            lock_default_sequences(b, expr, drawn=False)
        vol = volatile_functions(expr, b.ctx.catalog)
        b.act("set_default", base, column=col, default_volatile=bool(vol),
              volatile_functions=tuple(vol))


def set_not_null(b: Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    col = cmd.get("name", "")
    known = b.ctx.catalog.known_table(table)
    proven = not_null_proven(b, table, col)
    already = not_null_already(b.ctx.catalog, table, col)
    if not proven and not already:
        b.scan(table, "SET NOT NULL checks every row")
    b.alters.add(f"column:{table}.{col}")
    column = known.columns.get(col) if known is not None else None
    # PostgreSQL 18 refuses a second NOT NULL constraint on a column: the one added NOT VALID
    # is what SET NOT NULL validates, and what the alternative validates instead.
    pending = not_null_name(known, col) if known is not None and column is not None and \
        column.not_null and not column.not_null_valid else ""
    b.act("set_not_null", base, refused_with_only(b, table, base, f"sets NOT NULL on {col}",
                                                  inheritance=False),
          column=col, proven_by_check=proven, already_not_null=already,
          **_not_null_names(b, table, col), not_valid_not_null=pending)


def _not_null_names(b: Builder, table: str, column: str) -> dict[str, str]:
    """`not_null_check` and `not_null_constraint`: the names the steps that make `column` of
    `table` NOT NULL without a scan under the lock give the CHECK that proves it and
    (PostgreSQL 18) the NOT NULL constraint, each numbered past the table's constraints (the
    NOT NULL's past those of its schema too, as the server numbers it) and past the names
    the statement's earlier subcommands gave their own columns': a long table name cuts
    `table_column_not_null_check` of two columns with a long common start to one name, which
    the server refuses the second time ("already exists")."""
    catalog = b.ctx.catalog
    known = catalog.known_table(table)
    table_name = table.split(".", 1)[-1]
    chosen = {name for a in b.actions if a.facts.get("table") == table
              for name in (a.facts.get("not_null_check"), a.facts.get("not_null_constraint"))
              if name}
    return {"not_null_check": not_null_check_name(known, table_name, column, chosen),
            "not_null_constraint": new_not_null_name(known, table_name, column, catalog,
                                                     chosen)}


def not_null_already(catalog: Catalog, table: str, column: str) -> bool:
    """Whether `column` of `table` is NOT NULL, validated, for sure (a NOT VALID NOT NULL
    constraint of PostgreSQL 18 is validated by SET NOT NULL: every row read)."""
    known = catalog.known_table(table)
    col = known.columns.get(column) if known is not None else None
    return col is not None and col.not_null and col.not_null_valid


def not_null_proven(b: Builder, table: str, column: str) -> bool:
    """Whether a validated CHECK proves `column` has no NULLs, so that PostgreSQL 12+ makes it
    NOT NULL without reading the table (SET NOT NULL, and 18's ADD CONSTRAINT ... NOT NULL)."""
    known = b.ctx.catalog.known_table(table)
    return known is not None and b.ctx.pg_version >= 12 and any(
        c.kind == "check" and c.validated and column in c.not_null_columns
        for c in known.constraints.values())


def drop_not_null(b: Builder, table: str, cmd: dict, base: dict) -> None:
    from lockwise.effects.postgres.not_null_refusals import key_column_refused

    b.lock(table, L.ACCESS_EXCLUSIVE)
    col = cmd.get("name", "")
    b.alters.add(f"column:{table}.{col}")
    _only_drop_not_null_children(b, table, col, base)
    b.act("drop_not_null", base, column=col,
          **{**_parent_not_null(b, table, col, base), **only_drop_refused(b, table, base),
             **key_column_refused(b, table, col, base)})


def _only_drop_not_null_children(b: Builder, table: str, column: str, base: dict) -> None:
    """PostgreSQL 18's ALTER TABLE ONLY ... DROP NOT NULL: each direct partition and
    inheritance child keeps its NOT NULL, now its own (conislocal), its catalog row changed
    under ACCESS EXCLUSIVE; theirs are left alone (checked on 18.6). Before 18 a partitioned
    table refuses it and an inheritance parent's children are not touched (15.18); a column
    that is not NOT NULL has nothing to drop."""
    if not base.get("only") or "recursed_from" in base or b.ctx.pg_version < 18:
        return
    catalog = b.ctx.catalog
    known = catalog.known_column(table, column)
    if known is not None and not known.not_null:
        return
    for child in catalog.direct_partitions(table) + catalog.direct_inheritance_children(table):
        b.lock(child, L.ACCESS_EXCLUSIVE)


def _parent_not_null(b: Builder, table: str, column: str, base: dict) -> dict:
    """DROP NOT NULL of a partition's column its partitioned table has NOT NULL: refused; of
    an inheritance child's column NOT NULL in a parent too, from PostgreSQL 18, where the
    child's NOT NULL constraint is inherited (checked on 15.18 and 18.6)."""
    catalog = b.ctx.catalog
    known = catalog.tables.get(table)
    if known is None or "recursed_from" in base:
        return {}
    if known.partition_of:
        parent = catalog.tables.get(known.partition_of)
        col = parent.columns.get(column) if parent is not None else None
        if col is None or not col.not_null:
            return {}
        return refused_on_partitioned(b.ctx, "drop_not_null_inherited", table, column=column)
    mine = known.columns.get(column)
    if mine is None or not mine.not_null or not any(
            (above := parent.columns.get(column)) is not None and above.not_null
            and not above.not_null_no_inherit for parent in inheritance_parents(catalog, known)):
        return {}
    return refused_by_inheritance(b.ctx, "drop_inherited_not_null", table,
                                  constraint=not_null_name(known, column))


def set_expression(b: Builder, table: str, cmd: dict, base: dict) -> None:
    column = cmd.get("name", "")
    b.lock(table, L.ACCESS_EXCLUSIVE)
    known = b.ctx.catalog.known_column(table, column)
    # A stored column (all there is before 18; the unknown one counts as stored) is computed
    # anew for every row: a rewrite (checked on the server). A virtual one stores nothing.
    stored = known is None or not known.virtual
    reason = ""
    if stored:
        reason = "every row's stored value is computed again and the table rewritten"
        b.rewrite(table, "SET EXPRESSION recomputes the stored generated column")
        # A foreign key over the column, on either side, is dropped, re-created and
        # validated again, as by a type change (checked on the server).
        # (locks and scans only rules read)
        for other in _fk_partners(b.ctx.catalog, table, column, b.freed_names) \
                if b.ctx.rule_text else ():
            b.lock(other, L.ACCESS_EXCLUSIVE)
            b.scan(other, "foreign key re-validation after SET EXPRESSION")
    elif known.not_null:
        reason = "every row is read to check NOT NULL against the new expression"
        b.scan(table, "NOT NULL is checked against the new expression")
    b.alters.add(f"column:{table}.{column}")
    expression = cmd.get("def") or {}
    from lockwise.effects.immutability import generation_refusal, table_scope

    b.act("set_expression", base, column=column, stored=stored, reads_table=bool(reason),
          **generation_refusal(b.ctx.catalog, expression, column,
                               table_scope(b.ctx.catalog, table), virtual=not stored),
          reason=reason,
          # as the safe alternative writes it: a stand-in when the type is unknown
          column_type_sql=known.type_text if known is not None else quote_ident(
              type_stand_in(column)),
          column_type_note=type_stand_in_note(column, known is not None),
          expression_sql=PrintedSql(expression, "<new expression>"),
          expression_over_new_sql=PrintedSql(on_new_row(expression), "<new expression>"),
          **row_key_facts(b, table))


def drop_expression(b: Builder, table: str, cmd: dict, base: dict) -> None:
    # The stored values stay, as plain ones: no rewrite, no scan (checked on the server).
    b.lock(table, L.ACCESS_EXCLUSIVE)
    b.act("drop_expression", base, column=cmd.get("name", ""))
