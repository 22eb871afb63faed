"""What the catalog answers for sure of a condition that asks the system catalogs whether an
object exists: `[NOT] EXISTS (SELECT ... FROM information_schema.columns WHERE table_name = 't'
AND column_name = 'c')` (of information_schema.tables, pg_type, pg_indexes,
information_schema.table_constraints and pg_constraint too), the guard migrations put around
DDL in a DO block's IF so that it can run again. The effect model takes the branch such an
IF runs (`parse.plpgsql.decided_branches`).

The catalog holds what the migrations made; a database holds more (what was made outside
them, in other schemas). So an object the catalog has is there for sure, and one it lacks is
absent for sure only as a column, an index or a constraint of a table the migrations made
whole (`Catalog.fully_known`), asked in that table's schema: information_schema.columns
without `table_schema` also sees a table of that name in another schema (Supabase's
auth.users beside public.users).
"""

from __future__ import annotations

from collections.abc import Callable

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import const_value, strings, unwrap


def condition_holds(catalog: Catalog, sql: str) -> bool | None:
    """Whether the PL/pgSQL condition `sql` is true on a database the migrations in
    `catalog` built; None when the catalog cannot tell for sure (a condition of another
    shape, on data, or after a DO block whose dynamic SQL may have changed any table)."""
    if "*" in catalog.unsure:
        return None
    from lockwise.parse.plpgsql import parse_statements

    parsed = parse_statements(f"SELECT {sql}")
    if len(parsed) != 1:
        return None
    select = unwrap(parsed[0][1])[1]
    targets = select.get("targetList") or ()
    if len(targets) != 1 or len(select) != 3:  # (targetList, limitOption, op alone)
        return None
    return _holds(catalog, unwrap(targets[0])[1].get("val"))


def _holds(catalog: Catalog, expr: object) -> bool | None:
    kind, body = unwrap(expr)
    if kind == "BoolExpr" and body.get("boolop") == "NOT_EXPR" and len(body["args"]) == 1:
        answer = _holds(catalog, body["args"][0])
        return None if answer is None else not answer
    if kind != "SubLink" or body.get("subLinkType") != "EXISTS_SUBLINK":
        return None
    query = unwrap(body.get("subselect"))[1]
    if set(query) - _PLAIN_QUERY or len(query.get("fromClause") or ()) != 1 or \
            "limitCount" in query and not (const_value(query["limitCount"]) or 0) >= 1:
        return None  # (no row with LIMIT 0)
    kind, relation = unwrap(query["fromClause"][0])
    if kind != "RangeVar":
        return None
    asked = _answers.get((relation.get("schemaname"), relation.get("relname")))
    equal = _equalities(query.get("whereClause"))
    if asked is None or equal is None:
        return None
    columns, answer = asked
    return answer(catalog, equal) if set(equal) <= columns else None


#: The parts of a query `_holds` reads: a SELECT list (what it is does not count for EXISTS),
#: one FROM item, a WHERE, a LIMIT of one row or more.
_PLAIN_QUERY = frozenset({"targetList", "fromClause", "whereClause", "limitCount",
                          "limitOption", "op"})


def _equalities(where: object) -> dict[str, str] | None:
    """The `column = 'constant'` comparisons of a WHERE that is nothing but them joined by
    AND (a column compared twice, to two values, is no answer): column -> value."""
    kind, body = unwrap(where)
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        found: dict[str, str] = {}
        for arg in body.get("args") or ():
            part = _equalities(arg)
            if part is None or any(found.get(k, v) != v for k, v in part.items()):
                return None
            found.update(part)
        return found
    if kind != "A_Expr" or body.get("kind") != "AEXPR_OP" or strings(body.get("name")) != ["="]:
        return None
    sides = [unwrap(body.get("lexpr")), unwrap(body.get("rexpr"))]
    column = next((strings(s.get("fields"))[-1:] for k, s in sides if k == "ColumnRef"), [])
    value = next((const_value({k: s}) for k, s in sides if k != "ColumnRef"), None)
    return {column[0]: value} if column and isinstance(value, str) else None


def _column_exists(catalog: Catalog, equal: dict[str, str]) -> bool | None:
    """information_schema.columns: present when a table of that name the catalog knows has
    it; absent when it is asked in a schema whose table the migrations made whole."""
    table, column = equal.get("table_name"), equal.get("column_name")
    if table is None or column is None:
        return None
    schema = equal.get("table_schema")
    names = [f"{schema}.{table}"] if schema is not None else \
        [n for n in catalog.tables if n.split(".", 1)[-1] == table]
    for name in names:
        known = catalog.tables.get(name)
        if known is not None and column in known.columns and catalog.sure_of(name):
            return True
    if schema is not None and (known := catalog.fully_known(names[0])) is not None:
        return column in known.columns
    return None


def _relation_exists(catalog: Catalog, equal: dict[str, str]) -> bool | None:
    """information_schema.tables: present when the catalog has a table, view or foreign
    table of that name (in that schema, when asked)."""
    table, schema = equal.get("table_name"), equal.get("table_schema")
    if table is None:
        return None
    return any(t.kind in _LISTED_RELATIONS and name.split(".", 1)[-1] == table
               and (schema is None or name.split(".", 1)[0] == schema)
               for name, t in catalog.tables.items()) or None


#: The relations information_schema.tables lists (not a materialized view, nor a sequence).
_LISTED_RELATIONS = frozenset({"table", "partitioned", "view", "foreign"})


def _type_exists(catalog: Catalog, equal: dict[str, str]) -> bool | None:
    """pg_type: present when the catalog has a type of that name in any schema (an enum, a
    domain, a composite or range type, a relation's row type: `Catalog.type_named`)."""
    name = equal.get("typname")
    if name is None:
        return None
    schemas = {n.split(".", 1)[0] for n in (*catalog.tables, *catalog.enums, *catalog.domains,
                                           *catalog.composites, *catalog.types)}
    return any(catalog.type_named(f"{schema}.{name}") for schema in schemas) or None


def _index_exists(catalog: Catalog, equal: dict[str, str]) -> bool | None:
    """pg_indexes: present when the catalog has an index of that name (of that table, in that
    schema, when asked; a constraint's index and a materialized view's too); absent when
    asked of a table in its schema that the migrations made whole (checked on 18.6)."""
    index, table, schema = equal.get("indexname"), equal.get("tablename"), \
        equal.get("schemaname")
    if index is None:
        return None
    for name, known in catalog.indexes.items():
        qualified = known.table.split(".", 1)
        if name.split(".", 1)[-1] == index and catalog.sure_of(known.table) and \
                table in (None, qualified[-1]) and schema in (None, qualified[0]):
            return True
    return False if _made_whole(catalog, schema, table) else None


def _table_constraint_exists(catalog: Catalog, equal: dict[str, str]) -> bool | None:
    """information_schema.table_constraints: present when a table the catalog has (of that
    name, in that schema, when asked) has a CHECK, key or foreign key of that name (an
    EXCLUDE is not listed); absent when asked of a table in its schema that the migrations
    made whole, unless it may be a NOT NULL's name (listed from 18, numbered when taken:
    not known for sure). Checked on 18.6."""
    constraint, table = equal.get("constraint_name"), equal.get("table_name")
    schemas = {equal[k] for k in ("table_schema", "constraint_schema") if k in equal}
    if constraint is None or len(schemas) > 1:
        return None
    schema = next(iter(schemas), None)
    for name, known in catalog.tables.items():
        qualified = name.split(".", 1)
        found = known.constraints.get(constraint)
        if found is not None and found.kind != "exclude" and catalog.sure_of(name) and \
                table in (None, qualified[-1]) and schema in (None, qualified[0]):
            return True
    return False if _made_whole(catalog, schema, table) and "not_null" not in constraint \
        else None


def _made_whole(catalog: Catalog, schema: str | None, table: str | None) -> bool:
    """Whether a condition names, with its schema, a table the migrations made whole: what
    the catalog lacks of it is absent for sure."""
    return None not in (schema, table) and catalog.fully_known(f"{schema}.{table}") is not None


def _constraint_exists(catalog: Catalog, equal: dict[str, str]) -> bool | None:
    """pg_constraint: present when a table the catalog has has a constraint of that name (a
    domain's are not looked at); never absent for sure (a NOT NULL's name, another schema's)."""
    name = equal.get("conname")
    if name is None:
        return None
    return any(name in known.constraints and catalog.sure_of(table)
               for table, known in catalog.tables.items()) or None


#: The system relations `_holds` answers for: (schema as written, name) -> (the columns
#: a WHERE may compare, the answer).
_answers: dict[tuple[str | None, str | None],
               tuple[frozenset[str], Callable[[Catalog, dict[str, str]], bool | None]]] = {
    ("information_schema", "columns"): (
        frozenset({"table_schema", "table_name", "column_name"}), _column_exists),
    ("information_schema", "tables"): (frozenset({"table_schema", "table_name"}),
                                       _relation_exists),
    (None, "pg_type"): (frozenset({"typname"}), _type_exists),
    ("pg_catalog", "pg_type"): (frozenset({"typname"}), _type_exists),
    (None, "pg_indexes"): (frozenset({"schemaname", "tablename", "indexname"}), _index_exists),
    ("pg_catalog", "pg_indexes"): (frozenset({"schemaname", "tablename", "indexname"}),
                                   _index_exists),
    ("information_schema", "table_constraints"): (
        frozenset({"constraint_schema", "constraint_name", "table_schema", "table_name"}),
        _table_constraint_exists),
    (None, "pg_constraint"): (frozenset({"conname"}), _constraint_exists),
    ("pg_catalog", "pg_constraint"): (frozenset({"conname"}), _constraint_exists),
}
