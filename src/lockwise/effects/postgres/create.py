"""CREATE TABLE, CREATE TABLE AS / MATERIALIZED VIEW, CREATE VIEW, CREATE SEQUENCE and
CREATE FUNCTION."""

from __future__ import annotations

from collections.abc import Iterator

from lockwise.catalog.model import Catalog, Column
from lockwise.catalog.replay import column_def_sequence, exclusion_columns, serial_sequence
from lockwise.catalog.search_path import temporary_searched_first
from lockwise.core.deferred import bound_on_use
from lockwise.effects.foreign_keys import keys_written, refused_reference
from lockwise.effects.nodes import (
    TEMPORARY_PREFIX,
    atomic_statements,
    column_def_constraints,
    format_type,
    object_name,
    range_var,
    relations_in,
    strings,
    unwrap,
    view_var,
)
from lockwise.effects.postgres.attach import check_default_partition, clone_foreign_keys
from lockwise.effects.postgres.builder import (
    AS_OWN_PARENT,
    NO_TABLE,
    Builder,
    L,
    already_exists,
    exclusion_refused,
    fk_target,
    key_name_taken,
    lock_default_sequences,
    lock_read_partitions,
    lock_regclass_names,
    name_taken,
    partitioned_refusal,
    read_tables,
    reference_text,
    refused_facts,
    refused_if_partitioned,
    refused_on_partitioned,
    routine_shown,
    schema_used,
    sequence_name_taken,
    sequence_owner_refused,
    skipped,
    stored_reads,
    table_facts,
    unique_key_refused,
)
from lockwise.effects.postgres.columns import (
    NARROW_KEY_TYPES,
    column_def_facts,
    default_expr,
    define_column,
    generated_virtual,
    generation_expr,
    references_narrow_key,
)
from lockwise.effects.postgres.embedded import lock_parsed, selected_query
from lockwise.effects.postgres.misc import lock_sequence_owner
from lockwise.parse.quoting import quote_qualified, relation_sql

# Imported at their first use: a view's or a table's rarer checks (`queries` imports this).
_queries = bound_on_use(globals(), "_queries", "lockwise.effects.postgres.queries")
_query_columns = bound_on_use(globals(), "_query_columns", "lockwise.catalog.query_columns")
_temporary_ties = bound_on_use(globals(), "_temporary_ties",
                               "lockwise.effects.postgres.temporary_ties")
_self_calls = bound_on_use(globals(), "_self_calls", "lockwise.effects.postgres.self_calls")
_overloads = bound_on_use(globals(), "_overloads", "lockwise.catalog.overloads")
_routines = bound_on_use(globals(), "_routines", "lockwise.catalog.routines")
_plpgsql = bound_on_use(globals(), "_plpgsql", "lockwise.parse.plpgsql")


def _lock_parents(b: Builder, stmt: dict, table: str, qualified: bool) -> tuple[str | None,
                                                                                  dict]:
    """The locks a new table (or foreign table) takes on what it joins: PARTITION OF, the
    parent ACCESS EXCLUSIVE, with the check of its DEFAULT partition (whose facts are
    returned) and the foreign keys cloned; INHERITS, each parent SHARE UPDATE EXCLUSIVE
    (checked on the server). The parent of a partition, None for a table that is none."""
    if stmt.get("partbound") and stmt.get("inhRelations"):
        parent, parent_qualified = range_var(stmt["inhRelations"][0])
        b.lock(parent, L.ACCESS_EXCLUSIVE)
        b.alters.add(f"table:{parent}")
        default_facts = check_default_partition(b, parent, stmt.get("partbound") or {},
                                                parent_qualified)
        default_facts["add_partition_sql"] = (
            f"CREATE TABLE {relation_sql(table, table, qualified)} PARTITION OF "
            f"{relation_sql(parent, parent, parent_qualified)} "
            f"{default_facts.get('bound_sql', '')};")
        clone_foreign_keys(b, parent, validate=None)
        _lock_copied_expressions(b, parent, _INHERITED)
        return parent, default_facts
    for rel in stmt.get("inhRelations") or ():
        b.lock(range_var(rel)[0], L.SHARE_UPDATE_EXCLUSIVE)
        _lock_copied_expressions(b, range_var(rel)[0], _INHERITED)
    return None, {}


#: TableLikeClause's option bits for INCLUDING CONSTRAINTS, DEFAULTS, GENERATED, IDENTITY and
#: INDEXES (CREATE_TABLE_LIKE_*); what a partition or an inheritance child copies of its
#: parent.
_LIKE_CONSTRAINTS, _LIKE_DEFAULTS, _LIKE_GENERATED, _LIKE_IDENTITY, _LIKE_INDEXES = \
    1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6
_INHERITED = _LIKE_CONSTRAINTS | _LIKE_DEFAULTS | _LIKE_GENERATED


def create_table(b: Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"), create=True)
    if skipped(b, stmt, b.ctx.catalog.skips_creating(stmt, table), "create_table",
                table_facts(b, table, qualified), columns=()):
        return
    b.creates.add(f"table:{table}")
    schema_used(b, table, qualified)
    # (its own parent: refused before any parent is locked, and nothing of it to check)
    own_parent = _own_parent_refused(b, stmt, table)
    parent, default_facts = (None, {}) if own_parent else \
        _lock_parents(b, stmt, table, qualified)
    columns = []
    sequences: list[str] = []  # those its serial and identity columns make
    owners: list[tuple[str, str | None]] = []  # (each such column, its sequence)
    keys = _table_foreign_keys(stmt)
    for elt in stmt.get("tableElts") or ():
        kind, body = unwrap(elt)
        if kind == "ColumnDef":
            facts = column_def_facts(b, table, body, stmt)
            if facts["serial"] or facts["identity"]:  # (a column that makes none: no call)
                sequence = column_def_sequence(b.ctx.catalog, table, body, facts["type"])
                if sequence is not None:
                    sequences.append(sequence)
                    owners.append((facts["column"], sequence))
            if facts["column"] in keys and facts["type"] in NARROW_KEY_TYPES and \
                    b.ctx.rule_text:  # (a fact rules read)
                con, position = keys[facts["column"]]
                target = range_var(con.get("pktable"))[0]
                facts["references_narrow_key"] = references_narrow_key(
                    b.ctx.catalog, target, strings(con.get("pk_attrs")), position,
                    stmt if target == table else None)
            columns.append(facts["column"])
            b.creates.add(f"column:{table}.{facts['column']}")
            define_column(b, table, facts, in_create_table=True, table_is_new=True)
            if b.ctx.rule_text:  # (locks only rules read)
                lock_default_sequences(b, default_expr(body), drawn=False)
            if facts["references"]:
                fk_target(b, facts["references"])
        elif kind == "Constraint" and body.get("contype") == "CONSTR_FOREIGN":
            fk_target(b, range_var(body.get("pktable"))[0])
        elif kind == "TableLikeClause":  # LIKE source: its definition is read
            source = range_var(body.get("relation"))[0]
            b.lock(source, L.ACCESS_SHARE)
            b.reads.add(f"table:{source}")
            _lock_copied_expressions(b, source, body.get("options", 0))
            if body.get("options", 0) & _LIKE_IDENTITY:
                sequences.extend(_copied_identity_sequences(b, source, table))
    # Refused in the order the server checks (checked on 18.6), only the first said: what
    # the parents and the table's own options forbid, then the name taken, then what its
    # keys and constraints do once the table is made.
    first = own_parent or {**_refused_before_made(b, table, stmt),
                           **_tied_across_persistence(b, table, stmt, parent)}
    # (its columns' sequences are made before the table: one's name taken is said first)
    taken = {} if first else already_exists(
        sequences and sequence_name_taken(b, sequences) or name_taken(b, table) or
        key_name_taken(b, table.split(".", 1)[0], _constraints_written(stmt)))
    later = not first and not taken
    generated = _generation_refused(b, table, stmt) if later else {}
    refused = refused_facts(_refused_in_create_table(b, table, stmt)
                            if later and not generated else [])
    partitioned = _refused_as_partitioned(b, table, stmt) if later else {}
    b.act("create_table", table_facts(b, table, qualified), default_facts, table_is_new=True,
          **taken, **first, **generated, **refused, **partitioned,
          # (the sequence is tied to its column once the table is made)
          **(sequence_owner_refused(b, table, owners)
             if later and not any((*generated.values(), *refused.values(),
                                   *partitioned.values())) else {}),
          if_not_exists=bool(stmt.get("if_not_exists")), columns=tuple(columns),
          partition_of=parent, partitioned=bool(stmt.get("partspec")),
          unlogged=(stmt.get("relation") or {}).get("relpersistence") == "u")


def _copied_identity_sequences(b: Builder, source: str, table: str) -> list[str]:
    """The sequences new `table` makes for the identity columns LIKE `source` INCLUDING
    IDENTITY copies: named after the new table (`serial_sequence`, as the replay names
    them)."""
    known = b.ctx.catalog.tables.get(source)
    return [] if known is None else [serial_sequence(b.ctx.catalog, table, col.name)
                                     for col in known.columns.values() if col.identity]


def _own_parent_refused(b: Builder, stmt: dict, table: str) -> dict:
    """A new table whose PARTITION OF or INHERITS names, once resolved, the table itself:
    never made. IF NOT EXISTS of a relation of the name skips it with a NOTICE; else the
    server looks the parent up before the table exists ("does not exist", the parent as
    written), then refuses one of the name for its kind or for the name taken (checked on
    18.6). A name the catalog knows taken is `name_taken`'s; of one it does not know, what
    the server says of each case is said, with when: for PARTITION OF as
    `refused_on_partitioned` words it, for INHERITS as `refused_own_parent` (no partitioning
    matter: the table would be a child of itself)."""
    written = next((rv.get("RangeVar", rv) for rv in stmt.get("inhRelations") or ()
                    if range_var(rv)[0] == table), None)
    if written is None or name_taken(b, table):
        return {}
    bare = table.split(".", 1)[-1]
    if stmt.get("if_not_exists"):
        cases = [("if {} exists", "own_parent_skipped")]
    else:
        cases = [("if {} is a plain table", "own_parent_exists"),
                 ("if a partitioned one", "inherit_from_partitioned"),
                 ("if another relation", "own_parent_not_table")]
        if stmt.get("partbound"):  # (a partitioned one: the name taken too)
            cases[:2] = [("if {} is a table", "own_parent_exists")]
    said = [f"{when.format(bare)}: "
            f"{refused_on_partitioned(b.ctx, key, table)['refused_on_partitioned_text']}"
            for when, key in cases]
    missing = refused_on_partitioned(b.ctx, "own_parent_missing", table, parent=".".join(
        filter(None, (written.get("schemaname"), written.get("relname")))))
    text = "; ".join([*said, f"else: {missing['refused_on_partitioned_text']}"])
    if not stmt.get("partbound"):
        return {"refused_own_parent": True, "refused_own_parent_text": text}
    return partitioned_refusal(text, AS_OWN_PARENT)


def _refused_before_made(b: Builder, table: str, stmt: dict) -> dict:
    """What the server refuses of a new table before it makes it (`refused_on_partitioned`,
    checked on 18.6: before a name taken): a parent that is a partitioned table (INHERITS),
    and, for a partitioned one (PARTITION BY), UNLOGGED, storage parameters of its own (its
    TOAST table's are ignored) or an access method, the first in the server's order."""
    if not stmt.get("partbound"):  # (a partition's parent is in inhRelations too)
        for parent in stmt.get("inhRelations") or ():
            if facts := refused_if_partitioned(b, range_var(parent)[0],
                                               "inherit_from_partitioned"):
                return facts
    if not stmt.get("partspec"):
        return {}
    options = [unwrap(d)[1] for d in stmt.get("options") or ()]
    written = (("unlogged", (stmt.get("relation") or {}).get("relpersistence") == "u"),
               ("storage_parameters", any(not d.get("defnamespace") for d in options)),
               ("access_method", bool(stmt.get("accessMethod"))))
    for what, asked in written:
        if asked and (facts := refused_on_partitioned(b.ctx, what, table)):
            return facts
    return {}


def _refused_as_partitioned(b: Builder, table: str, stmt: dict) -> dict:
    """What a new partitioned table (PARTITION BY) may not be made with, once the server has
    made it (after `_refused_before_made` and a name taken), the first of them in the order
    it checks (`refused_on_partitioned`): a NO INHERIT CHECK, a unique key without the
    partition key, an exclusion constraint it cannot take."""
    if not stmt.get("partspec"):
        return {}
    key = tuple(unwrap(p)[1].get("name") or "(expression)"
                for p in (stmt.get("partspec") or {}).get("partParams") or ())
    if any(c.get("contype") == "CONSTR_CHECK" and c.get("is_no_inherit")
           for c in _constraints_written(stmt)) and \
            (facts := refused_on_partitioned(b.ctx, "no_inherit_check", table)):
        return facts
    for kind, columns in _keys_written(stmt):
        if facts := unique_key_refused(b.ctx, ((table, key),), columns, kind):
            return facts
    for con in _constraints_written(stmt):
        if con.get("contype") == "CONSTR_EXCLUSION" and (facts := exclusion_refused(
                b.ctx, ((table, key),), exclusion_columns(con))):
            return facts
    return {}


def _tied_across_persistence(b: Builder, table: str, stmt: dict, parent: str | None) -> dict:
    """What ties the new table to a relation of the other persistence, temporary or not,
    which PostgreSQL refuses (`temporary_ties`): its partitioned parent, the tables it
    inherits from, then those its foreign keys point at (an unqualified one of its own name:
    itself unless another relation comes first: `_itself`; checked on 18.6,
    test_temporary_tables). The checks' module is imported only for a table with one of
    them to check (most CREATE TABLEs have none)."""
    if parent is not None or stmt.get("inhRelations"):
        facts = _temporary_ties.partition_refused("create", table, parent) \
            if parent is not None else _temporary_ties.inheritance_refused(
                table, (range_var(p)[0] for p in stmt["inhRelations"]))
        if facts:
            return facts
    targets = [name for con in _constraints_written(stmt)
               if con.get("contype") == "CONSTR_FOREIGN" and (target := con.get("pktable"))
               and not _itself(b.ctx.catalog, table, target, name := range_var(target)[0])]
    if not targets:
        return {}
    return _temporary_ties.reference_refused(b.ctx.catalog, table, targets, unlogged=(
        stmt.get("relation") or {}).get("relpersistence") == "u")


def _itself(catalog: Catalog, table: str, target: dict, found: str) -> bool:
    """Whether a foreign key's `target` of the new `table` (`found` where the name leads
    before the table is made) is the table itself, as the server looks the name up once it
    is made: its own name unqualified, which no other relation lockwise knows of comes
    before (a temporary table of that name, or one in a schema earlier in the path); a new
    temporary table is found first, unless the path lists pg_temp after another schema."""
    bare = table.split(".", 1)[1]
    if target.get("schemaname") is not None or target.get("relname") != bare:
        return False
    if table.startswith(TEMPORARY_PREFIX) and temporary_searched_first():
        return True
    return found == table or found not in catalog.tables


def _keys_written(stmt: dict) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The UNIQUE and PRIMARY KEY constraints a CREATE TABLE writes, as the server names
    their kind, each with its key columns (a column's own: that column)."""
    kinds = {"CONSTR_PRIMARY": "PRIMARY KEY", "CONSTR_UNIQUE": "UNIQUE"}
    for element in stmt.get("tableElts") or ():
        kind, body = unwrap(element)
        if kind == "Constraint" and body.get("contype") in kinds:
            yield kinds[body["contype"]], tuple(strings(body.get("keys")))
        elif kind == "ColumnDef":
            for con in body.get("constraints") or ():
                if (contype := unwrap(con)[1].get("contype")) in kinds:
                    yield kinds[contype], (body.get("colname", ""),)


def _lock_copied_expressions(b: Builder, source: str, options: int) -> None:
    """The expressions of `source` stored again on a new table (LIKE ... INCLUDING `options`;
    a partition or an inheritance child copies defaults, generation expressions and CHECKs
    but NO INHERIT ones) depend on what they name: ACCESS SHARE on the sequences defaults
    draw from (not an identity's) and on the relations regclass constants name (checked on
    the server)."""
    catalog = b.ctx.catalog
    known = catalog.tables.get(source) or NO_TABLE
    for col in known.columns.values():
        if options & (_LIKE_GENERATED if col.generated else _LIKE_DEFAULTS):
            if col.default is not None and col.default_sequence and not col.identity and \
                    col.default_sequence_recorded:
                b.lock(col.default_sequence, L.ACCESS_SHARE)
            lock_regclass_names(b, col.names)
    if options & _LIKE_CONSTRAINTS:
        for con in known.constraints.values():
            if con.kind == "check" and not (options == _INHERITED and con.no_inherit):
                lock_regclass_names(b, con.names)
    if options & _LIKE_INDEXES:
        for idx in catalog.indexes_on(source):
            lock_regclass_names(b, idx.names)


def _table_foreign_keys(stmt: dict) -> dict[str, tuple[dict, int]]:
    """The columns of a CREATE TABLE's table-level foreign keys: each its constraint and its
    position in the key."""
    return {column: (body, position)
            for kind, body in map(unwrap, stmt.get("tableElts") or ())
            if kind == "Constraint" and body.get("contype") == "CONSTR_FOREIGN"
            for position, column in enumerate(strings(body.get("fk_attrs")))}


def _constraints_written(stmt: dict) -> Iterator[dict]:
    """The constraints a CREATE TABLE writes, on the table or on its columns (as written:
    their names and kinds, the attributes after a column's not folded in)."""
    for element in stmt.get("tableElts") or ():
        kind, body = unwrap(element)
        if kind == "Constraint":
            yield body
        elif kind == "ColumnDef":
            for con in body.get("constraints") or ():
                yield unwrap(con)[1]


def _generation_refused(b: Builder, table: str, stmt: dict) -> dict:
    """`refused_not_immutable` of the first generated column of a CREATE TABLE whose
    expression is not immutable (`immutability.generation_refusal`): the server judges it
    once the table is made, before its foreign keys are (checked on 18.6). The columns
    written are typed as the table will have them; a parent's or LIKE source's are not
    (an expression reading one is not judged by its type)."""
    defs = [body for kind, body in map(unwrap, stmt.get("tableElts") or ())
            if kind == "ColumnDef"]
    generated = [(col, expr) for col in defs if (expr := generation_expr(col)) is not None]
    if not generated:
        return {}
    from lockwise.catalog.model import Table
    from lockwise.effects.immutability import generation_refusal, virtual_type_refusal

    columns = {}
    for col in defs:
        if col.get("typeName"):  # (a partition's column, typed by its parent: not here)
            type_name, mods, array = b.ctx.catalog.column_type(col.get("typeName"))
            columns[col.get("colname", "")] = Column(col.get("colname", ""), type_name, mods,
                                                     array=array)
    scope = {table.rsplit(".", 1)[-1]: Table(table, columns=columns)}
    # (every VIRTUAL column's type is judged before any expression: checked on 18.6)
    typed = [(col, expr) for col, expr in generated if generated_virtual(col) and
             virtual_type_refusal(b.ctx.catalog, "", _column_type(columns, col))]
    for col, expr in typed + generated:
        if refused := generation_refusal(b.ctx.catalog, expr, col.get("colname", ""), scope,
                                         virtual=generated_virtual(col),
                                         column_type=_column_type(columns, col)):
            return refused
    return {}


def _column_type(columns: dict[str, Column], col: dict) -> str:
    """The type of ColumnDef `col` as `columns` (by name) has it; "" when not there."""
    known = columns.get(col.get("colname", ""))
    return known.type_name if known is not None else ""


def _refused_in_create_table(b: Builder, table: str, stmt: dict) -> list[str]:
    """The foreign keys of a CREATE TABLE that PostgreSQL refuses for want of a key to point
    at (`refused_reference`); one to the table itself may point at the keys written beside
    it, when all its columns are (no LIKE, INHERITS or PARTITION OF)."""
    elements = [unwrap(e) for e in stmt.get("tableElts") or ()]
    written = [(body, None) for kind, body in elements if kind == "Constraint"] + [
        (con, body.get("colname")) for kind, body in elements if kind == "ColumnDef"
        for con in column_def_constraints(body)]
    foreign = [(con, column) for con, column in written
               if con.get("contype") == "CONSTR_FOREIGN"]
    if not foreign:  # most tables: no key of theirs to gather
        return []
    complete = not stmt.get("inhRelations") and all(k != "TableLikeClause" for k, _ in elements)
    keys = keys_written(written)
    columns = {body.get("colname", "") for kind, body in elements if kind == "ColumnDef"}
    out = []
    for con, column in foreign:
        target = range_var(con.get("pktable"))[0]
        if target == table and not complete:
            continue
        own = target == table
        why = refused_reference(b.ctx.catalog, target, tuple(strings(con.get("pk_attrs"))),
                                keys if own else (), columns if own else (), created=own)
        if why:
            out.append(reference_text(table, con, column, why))
    return out


def create_foreign_table(b: Builder, stmt: dict) -> None:
    """CREATE FOREIGN TABLE: no data here, nothing locked but its name (the replay records
    it as a relation of kind "foreign": its ALTERs rewrite and read nothing)."""
    base = stmt.get("base") or {}
    table, qualified = range_var(base.get("relation"), create=True)
    if skipped(b, base, b.ctx.catalog.skips_creating(base, table), "create_foreign_table",
                table_facts(b, table, qualified)):
        return
    b.creates.add(f"table:{table}")
    _lock_parents(b, base, table, qualified)  # (a foreign partition's facts: of no rule)
    b.act("create_foreign_table", table_facts(b, table, qualified), table_is_new=True,
          if_not_exists=bool(base.get("if_not_exists")), **already_exists(
              name_taken(b, table) or key_name_taken(b, table.split(".", 1)[0],
                                                     _constraints_written(base))))


def create_table_as(b: Builder, stmt: dict) -> None:
    # pglast's JSON inlines the IntoClause (no {"IntoClause": ...} wrapper); accept both.
    into = stmt.get("into") or {}
    into = into.get("IntoClause", into)
    table, qualified = range_var(into.get("rel"), create=True)
    matview = stmt.get("objtype") == "OBJECT_MATVIEW"
    query, missing, planned = stmt.get("query"), {}, False
    if "ExecuteStmt" in (query or {}):
        # AS EXECUTE: the SELECT the session PREPAREd under the name is the query, planned
        # (partitions locked) WITH NO DATA too; a name not prepared is refused, and so is
        # a prepared statement of another kind, once the name is found free (checked on
        # 18.6): nothing read.
        prepared, missing = selected_query(b, query)
        if prepared is not None:
            query, planned = prepared, True
    # The query is analysed (its relations locked) before the server looks for the name;
    # it runs (reading the partitions too) only when the name is free. A prepared one is
    # looked up only once the name is found free: a name taken (42P07) or IF NOT EXISTS
    # skipping locks none of its relations (checked on 18.6, pg_locks).
    if not planned:
        read_tables(b, query, {table})
        # (the rows it would lock: their relations opened ROW SHARE by the analysis)
        _queries.lock_locked_rows(b, query, runs=False)
    # (analyzed before the name is looked at: refused then, IF NOT EXISTS or a name taken;
    # the prepared statement is looked up after it, `missing`, checked on 18.6)
    refused = {**constant_refused(b, query), **_queries.query_with_query_locked(query)}
    if skipped(b, stmt, b.ctx.catalog.skips_creating(stmt, table),
                "create_materialized_view" if matview else "create_table_as",
                table_facts(b, table, qualified), refused,
                with_data=not into.get("skipData")):
        return
    with_data = not into.get("skipData")
    b.creates.add(f"{'view' if matview else 'table'}:{table}")
    schema_used(b, table, qualified)
    # (the name is looked at before the result's columns are made)
    taken = "" if refused else name_taken(b, table)
    if not taken:
        refused.update(missing)
        if planned:
            read_tables(b, query, {table})
    temporary = _temporary_ties.view_refused(table, query, materialized=True) \
        if matview else {}
    repeated = {} if refused or taken or temporary else \
        repeated_column(b, query, strings(into.get("colNames")))
    # WITH NO DATA neither rewrites nor plans the query (checked on the server): the views it
    # reads are not expanded, partitions not opened, nothing read. Nor does a name taken
    # (42P07): the server stops before the query is rewritten (checked on 18.6; a prepared
    # statement is not even looked up: above).
    if (with_data or planned) and not taken:
        lock_read_partitions(b, query)
        _queries.lock_locked_rows(b, query)
    if with_data and not taken:
        for rel in stored_reads(b, query):
            b.scan(rel, "query reads it in full to fill the new relation")
    b.act("create_materialized_view" if matview else "create_table_as",
          table_facts(b, table, qualified), refused, repeated, table_is_new=True,
          **already_exists(taken), with_data=with_data,
          **temporary, if_not_exists=bool(stmt.get("if_not_exists")))


def create_view(b: Builder, stmt: dict) -> None:
    view, qualified = view_var(stmt)
    schema_used(b, view, qualified)
    if stmt.get("replace") and view in b.ctx.catalog.tables:
        b.lock(view, L.ACCESS_EXCLUSIVE)
        b.alters.add(f"view:{view}")
    else:
        b.creates.add(f"view:{view}")
    read_tables(b, stmt.get("query"), {view})
    # OR REPLACE replaces a view; any other relation of the name refuses it ("is not a
    # view"), and so does a type (checked on the server).
    replaced = stmt.get("replace") and (b.ctx.catalog.tables.get(view) or NO_TABLE).kind == "view"
    # (the query is analyzed before the name is looked at, and its result's columns are
    # made before too: a name twice is refused whatever has the view's name)
    locked = _queries.query_with_query_locked(stmt.get("query"))
    refused = {**_temporary_ties.view_refused(view, stmt.get("query")),
               **constant_refused(b, stmt.get("query")), **locked}
    repeated = {} if refused or replaced or _recursive(stmt.get("query")) else \
        repeated_column(b, stmt.get("query"), strings(stmt.get("aliases")))
    b.act("create_view", table_facts(b, view, qualified), view=view,
          replace=bool(stmt.get("replace")),
          **already_exists("" if replaced or locked or repeated else name_taken(b, view)),
          **refused, **repeated,
          **(_replaced_columns(b, view, stmt) if replaced and not locked else {}))


def repeated_column(b: Builder, query: object, names: list[str]) -> dict:
    """`refused_duplicate_column` and the server's message when the result of `query` (of a
    view, a materialized view, CREATE TABLE AS or SELECT INTO; `names` renaming its first
    columns) names a column twice (`query_columns.repeated_result_name`): the server refuses
    to make the relation, WITH NO DATA too (checked on 18.6)."""
    name = _query_columns.repeated_result_name(b.ctx.catalog, query, names)
    return {"refused_duplicate_column": True, "duplicate_column": name,
            "duplicate_column_text": f'column "{name}" specified more than once'} if name else {}


def _recursive(query: object) -> bool:
    """Whether `query` has a WITH RECURSIVE (a CREATE RECURSIVE VIEW's: a name twice is then
    refused as ambiguous, another message)."""
    return bool((unwrap(query)[1].get("withClause") or {}).get("recursive"))


def constant_refused(b: Builder, query: object) -> dict:
    """`refused_constant` and the server's message when `query` (of CREATE VIEW, CREATE
    TABLE AS, CREATE MATERIALIZED VIEW, SELECT INTO) reads a string constant as a type it is
    certainly no input of, cast to it or resolved to a VALUES', ARRAY's or set operation's
    common type (`type_input.refused_input`: the first the server meets): the server refuses
    the statement as it analyzes the query, WITH NO DATA and IF NOT EXISTS too (checked on
    18.6). Looked for only in a statement whose text has a quote."""
    sql = b.ctx.statement_sql
    if sql is not None and "'" not in sql and "$" not in sql:
        return {}
    from lockwise.catalog.type_input import refused_input

    text = refused_input(b.ctx.catalog, query)
    return {"refused_constant": True, "refused_constant_text": text} if text else {}


def _replaced_columns(b: Builder, view: str, stmt: dict) -> dict:
    """CREATE OR REPLACE VIEW of a view the catalog knows: `view_columns_refused` when the new
    query renames, reorders or drops one of its columns, or changes one's type, which
    PostgreSQL refuses ("cannot change name of view column", "cannot drop columns from view",
    "cannot change data type of view column"; checked on the server). Nothing when either
    list of names (or, for a type, either column's type) is not known for sure."""
    old = b.ctx.catalog.known_table(view)
    if old is None or old.column_names is None:
        return {}
    query, aliases = stmt.get("query"), strings(stmt.get("aliases"))
    # The types when the old ones are known (their names too, in one walk), else the names.
    typed = _query_columns.result_columns(b.ctx.catalog, query, aliases) if old.columns \
        else None
    new = tuple(c.name for c in typed) if typed is not None else \
        _query_columns.result_names(b.ctx.catalog, query, aliases)
    if new is None:
        return {}
    changed = [(o, n) for o, n in zip(old.column_names, new, strict=False) if o != n]
    if changed:
        change = f'its column "{changed[0][0]}" would be named "{changed[0][1]}"'
    elif len(new) < len(old.column_names):
        change = "it would lose " + ", ".join(f'"{c}"' for c in old.column_names[len(new):])
    else:
        by_name = {c.name: c for c in typed or ()}
        retyped = [(o, n) for o in old.columns.values() if (n := by_name.get(o.name))
                   and (o.type_name, o.typmods, o.array) != (n.type_name, n.typmods, n.array)]
        if not retyped:
            return {}
        was, now = (format_type(c.type_name, c.typmods, c.array) for c in retyped[0])
        change = f'its column "{retyped[0][0].name}" would change type from {was} to {now}'
    from lockwise.effects.nodes import PrintedSql
    from lockwise.parse.quoting import quote_ident

    return {"view_columns_refused": True, "view_column_change": change,
            "view_columns": old.column_names, "view_columns_text": ", ".join(old.column_names),
            "new_view_columns_text": ", ".join(new),
            # The statement again, as CREATE VIEW after a DROP VIEW (printed when shown).
            "view_aliases_sql": f" ({', '.join(map(quote_ident, aliases))})" if aliases else "",
            "view_query_sql": PrintedSql(query, "-- (the new query)\n"),
            "view_dependents_note": _dependents_note(b.ctx.catalog.views_over(view))}


def _dependents_note(views: list[str]) -> str:
    """A comment line naming the views over a view to be dropped ("" for none)."""
    if not views:
        return ""
    return (f"-- Over it, dropped first (the farthest first) and created again after: "
            f"{', '.join(reversed(views))}\n")


def define(b: Builder, stmt: dict) -> None:
    """CREATE AGGREGATE, and the other objects DefineStmt makes (operators, base types, text
    search objects, collations), which lock no table. An aggregate is a routine its
    callers name: new unless OR REPLACE may replace one, `routine_name_known`
    (`context.track_new_objects`). Its signature is a function's too: without OR REPLACE
    the server refuses one a function, procedure or aggregate has (42723, `name_taken`),
    and with it one a function or procedure has (42809 "cannot change routine kind",
    `refused_routine_replace`; checked on 18.6, fix-pg96)."""
    if stmt.get("kind") != "OBJECT_AGGREGATE":
        b.act("other", node="DefineStmt")
        return
    name = object_name(strings(stmt.get("defnames")), create=True)
    replace = bool(stmt.get("replace"))
    if (taken := _routines.signature_taken(b.ctx.catalog, stmt)) is not None:
        b.act("create_aggregate", name=name, replace=False, routine_name_known=True,
              **already_exists(routine_kind_shown(taken)))
    elif (kept := _routines.replace_refused(b.ctx.catalog, stmt)) is not None:
        b.act("create_aggregate", name=name, replace=True, routine_name_known=True,
              refused_routine_replace=True, refused_routine_replace_text=kept[1],
              existing_object=routine_kind_shown(kept[0]))
    else:
        b.act("create_aggregate", name=name, replace=replace, routine_name_known=replace)


def create_function(b: Builder, stmt: dict) -> None:
    name = object_name(strings(stmt.get("funcname")), create=True)
    b.creates.add(f"function:{name}")
    schema_used(b, name, len(strings(stmt.get("funcname"))) > 1)
    refused = _refused_definition(b, stmt)
    # The server looks for the signature before it validates the body (a VARIADIC
    # parameter of no array type is refused before both).
    if not refused.get("refused_variadic_parameter") and \
            (taken := _routines.signature_taken(b.ctx.catalog, stmt)) is not None:
        b.act("create_function", name=name, name_sql=quote_qualified(name), replace=False,
              routine_name_known=True, **already_exists(routine_kind_shown(taken)))
        return
    # OR REPLACE of another kind or result: refused before the body is validated too.
    if not refused.get("refused_variadic_parameter") and \
            (kept := _routines.replace_refused(b.ctx.catalog, stmt)) is not None:
        b.act("create_function", name=name, name_sql=quote_qualified(name), replace=True,
              routine_name_known=True, refused_routine_replace=True,
              refused_routine_replace_text=kept[1], existing_object=routine_kind_shown(
                  kept[0]))
        return
    if refused:  # (a refusal: not replayed)
        b.act("create_function", name=name, name_sql=quote_qualified(name),
              replace=bool(stmt.get("replace")), **refused)
        return
    # A SQL function's body is parsed, analyzed and rewritten when it is created
    # (check_function_bodies, on by default), BEGIN ATOMIC or not; a string body is left
    # alone when an argument is polymorphic (a BEGIN ATOMIC one is then refused). Other
    # languages' bodies are only checked for syntax.
    refused = ""
    locked: dict = {}  # FOR UPDATE OF a WITH query in the body analyzed (`with_query_locked`)
    checked = False  # whether the body's names are resolved at CREATE as the replay does
    if (body := sql_body(stmt)) is not None:
        atomic = bool(stmt.get("sql_body"))
        polymorphic = any(_overloads.is_polymorphic(unwrap(p)[1].get("argType"))
                          for p in stmt.get("parameters") or ()
                          if unwrap(p)[1].get("mode") != "FUNC_PARAM_OUT")
        if atomic or not polymorphic:
            lock_parsed(b, body, rewritten=True)
        if body and not polymorphic and (atomic or b.ctx.check_function_bodies):
            from lockwise.effects.postgres.sql_body_names import own_search_path, refused_body

            refused = refused_body(b.ctx.catalog, stmt, body)
            checked = not own_search_path(stmt)
            if checked and not refused:
                from lockwise.effects.postgres.sql_body_results import refused_result

                refused = refused_result(b.ctx.catalog, stmt, body)
            if not refused:  # (whatever the path: a WITH query is no table of one)
                from lockwise.effects.postgres.queries import query_with_query_locked

                locked = query_with_query_locked(body)
        # The function uses what its body names, analyzed or not (the conflict graph's edges).
        b.reads.update(f"table:{rel}" for rel in relations_in(body))
    b.act("create_function", name=name, name_sql=quote_qualified(name),
          replace=bool(stmt.get("replace")),
          calls_itself=_self_calls.calls_itself_always(b.ctx.catalog, stmt,
                                                       b.ctx.statement_sql),
          body_checked=checked, routine_name_known=name in b.ctx.catalog.kept_routines,
          **locked,
          **({"refused_function_body": True, "refused_function_body_text": refused}
             if refused else {}))


def routine_kind_shown(routine: _overloads.Routine) -> str:
    """`routine` as the server's messages name it: "function f(integer)", "procedure p()",
    "aggregate a(integer)"."""
    kind = "procedure" if routine.procedure else \
        "aggregate" if routine.language == "aggregate" else "function"
    return f"{kind} {routine_shown(routine.name, _overloads.input_types(routine))}"


def _refused_definition(b: Builder, stmt: dict) -> dict[str, bool]:
    """The fact by which the server refuses CREATE FUNCTION / PROCEDURE `stmt` before its
    body's names are looked at (lint reports each as a parse-error, where the server puts
    it: `lint._body_error`); none when it does not. A VARIADIC parameter of no array type, whatever
    the language and check_function_bodies (`refused_variadic_parameter`); a PL/pgSQL body
    or `LANGUAGE sql` AS string its grammar rejects, while check_function_bodies is on
    (`refused_body_syntax`: its syntax alone, whatever else the body's parse says)."""
    if stmt.get("parameters") and \
            _overloads.variadic_not_array(stmt["parameters"]) is not None:
        return {"refused_variadic_parameter": True}
    sql = b.ctx.statement_sql
    if sql and b.ctx.check_function_bodies:
        if _routines.is_plpgsql_routine(stmt):
            if _plpgsql.compile_error(sql):  # (kept: lint asks it again)
                return {"refused_body_syntax": True}
        elif _routines.routine_language(stmt) == "sql" and not stmt.get("sql_body"):
            from lockwise.parse.sql_body_errors import sql_body_error

            if sql_body_error(sql, stmt) is not None:
                return {"refused_body_syntax": True}
    return {}


def sql_body(stmt: dict) -> list[dict] | None:
    """The statements of CREATE FUNCTION / PROCEDURE `stmt`'s body when it is `LANGUAGE sql`
    (a BEGIN ATOMIC body, or a string one parsed; [] when it does not parse), None for
    another language."""
    options = {unwrap(o)[1].get("defname"): unwrap(o)[1].get("arg") for o in
               stmt.get("options") or ()}
    if str(unwrap(options.get("language"))[1].get("sval", "")).lower() != "sql":
        return None
    return atomic_statements(stmt["sql_body"]) if stmt.get("sql_body") else \
        _sql_body(options.get("as"))


def _sql_body(definition: dict | None) -> list[dict]:
    """The parse trees of a SQL function's body written as a string (`AS $$ ... $$`)."""
    from lockwise.parse.postgres import parse_sql

    body = strings(unwrap(definition)[1].get("items"))
    if not body:
        return []
    parsed = parse_sql(body[0], comments=False)
    return [] if parsed.problems else [s.tree for s in parsed.statements]


def create_sequence(b: Builder, stmt: dict) -> None:
    seq, qualified = range_var(stmt.get("sequence"), create=True)
    if skipped(b, stmt, b.ctx.catalog.skips_creating(stmt, seq), "create_sequence",
               name=seq):
        return
    b.creates.add(f"sequence:{seq}")
    schema_used(b, seq, qualified)
    lock_sequence_owner(b, stmt)
    b.act("create_sequence", name=seq, if_not_exists=bool(stmt.get("if_not_exists")),
          **already_exists(name_taken(b, seq)))
