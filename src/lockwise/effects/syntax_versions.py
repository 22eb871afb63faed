"""Syntax a PostgreSQL major version first accepts: the one table of it (`NEW_SYNTAX`), and
which of it a statement uses that the target version lacks (`unavailable_syntax_facts`).

An older server rejects such a statement (a syntax error, or "... is not supported"), so a
migration written for a newer server fails on deploy. Each entry is taken from the release notes
of the version that introduced it (https://www.postgresql.org/docs/release/) and the
statement's reference page of that version; pglast reads PostgreSQL 18's grammar, so every
entry parses. Behaviour that changed between versions without new syntax (locks, rewrites:
docs/effect-model.md "Version-gated facts") is the effect model's, not this table's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lockwise.effects.nodes import options_on, returning_list, unwrap


class NewSyntax:
    """Syntax first accepted by PostgreSQL `since`: how it reads (`written`), and what to write
    on an older server instead (`before`). (Not a dataclass: the constants of NEW_SYNTAX, and
    making a dataclass costs every lint about 1 M instructions.)"""

    __slots__ = ("before", "since", "written")

    def __init__(self, since: int, written: str, before: str) -> None:
        self.since = since
        self.written = written
        self.before = before


NEW_SYNTAX: dict[str, NewSyntax] = {
    "generated_column": NewSyntax(
        12, "a generated column (GENERATED ALWAYS AS (...) STORED)",
        "a plain column that a BEFORE INSERT OR UPDATE trigger fills"),
    "reindex_concurrently": NewSyntax(
        12, "REINDEX ... CONCURRENTLY",
        "CREATE INDEX CONCURRENTLY a copy of the index, DROP INDEX CONCURRENTLY the old one, "
        "then rename the copy"),
    "drop_expression": NewSyntax(
        13, "ALTER COLUMN ... DROP EXPRESSION",
        "add a plain column, copy the values into it, drop the generated column and rename"),
    "detach_partition_concurrently": NewSyntax(
        14, "DETACH PARTITION ... CONCURRENTLY",
        "DETACH PARTITION without CONCURRENTLY, after SET LOCAL lock_timeout = '5s' so it "
        "gives up rather than queue"),
    "detach_partition_finalize": NewSyntax(
        14, "DETACH PARTITION ... FINALIZE",
        "a plain DETACH PARTITION (there is no interrupted concurrent detach to finish "
        "before 14)"),
    "create_or_replace_trigger": NewSyntax(
        14, "CREATE OR REPLACE TRIGGER",
        "DROP TRIGGER IF EXISTS, then CREATE TRIGGER, in one transaction"),
    "set_compression": NewSyntax(
        14, "SET COMPRESSION / COMPRESSION (column compression methods)",
        "leave the clause out: pglz is the only compression method before 14"),
    "nulls_not_distinct": NewSyntax(
        15, "UNIQUE ... NULLS NOT DISTINCT",
        "a unique index on COALESCE(column, <a value never stored>), or a partial unique "
        "index WHERE column IS NULL beside the plain one"),
    "merge": NewSyntax(
        15, "MERGE",
        "INSERT ... ON CONFLICT ... DO UPDATE (needs a unique index on the join key), or an "
        "UPDATE followed by an INSERT ... WHERE NOT EXISTS"),
    "sql_json_constructors": NewSyntax(
        16, "the SQL/JSON constructors and predicate (JSON_OBJECT, JSON_ARRAY, JSON_OBJECTAGG, "
        "JSON_ARRAYAGG, IS JSON)",
        "json_build_object, json_build_array, json_object_agg, json_agg (jsonb_ for jsonb); "
        "for IS JSON, a function that casts to jsonb and catches the error"),
    "subquery_without_alias": NewSyntax(
        16, "a subquery or VALUES in FROM without an alias",
        "give it one: FROM (SELECT ...) AS sub"),
    "set_access_method": NewSyntax(
        15, "ALTER TABLE ... SET ACCESS METHOD",
        "CREATE TABLE ... USING the method, copy the rows, and swap the tables"),
    "merge_returning": NewSyntax(
        17, "MERGE ... RETURNING",
        "MERGE without RETURNING, then SELECT the rows it changed (or INSERT ... ON "
        "CONFLICT ... RETURNING)"),
    "merge_not_matched_by_source": NewSyntax(
        17, "MERGE ... WHEN NOT MATCHED BY SOURCE",
        "a separate UPDATE or DELETE ... WHERE NOT EXISTS (SELECT FROM the source ...)"),
    "json_table": NewSyntax(
        17, "JSON_TABLE",
        "jsonb_to_recordset, or jsonb_array_elements with ->> for each column"),
    "sql_json_query_functions": NewSyntax(
        17, "the SQL/JSON query functions (JSON_EXISTS, JSON_QUERY, JSON_VALUE, JSON(), "
        "JSON_SCALAR, JSON_SERIALIZE)",
        "jsonb_path_exists, jsonb_path_query_first, the -> and ->> operators, a cast to json "
        "or jsonb, to_json, ::text"),
    "set_expression": NewSyntax(
        17, "ALTER COLUMN ... SET EXPRESSION AS",
        "drop the generated column and add it again with the new expression (both rewrite "
        "the table)"),
    "domain_not_null_constraint": NewSyntax(
        17, "a domain's NOT NULL added by ALTER DOMAIN ... ADD [CONSTRAINT ...] NOT NULL",
        "ALTER DOMAIN ... SET NOT NULL (a domain's NOT NULL has no name before 17)"),
    "virtual_generated_column": NewSyntax(
        18, "a virtual generated column (GENERATED ALWAYS AS (...) without STORED, or VIRTUAL)",
        "GENERATED ALWAYS AS (...) STORED"),
    "not_null_table_constraint": NewSyntax(
        18, "NOT NULL as a named table constraint (CONSTRAINT ... NOT NULL column, NOT VALID)",
        "ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then "
        "ALTER COLUMN ... SET NOT NULL (which the CHECK spares its scan from 12)"),
    "constraint_enforceability": NewSyntax(
        18, "[NOT] ENFORCED constraints",
        "leave NOT ENFORCED out: add the constraint NOT VALID and VALIDATE it later"),
    "alter_constraint_inherit": NewSyntax(
        18, "ALTER CONSTRAINT ... [NO] INHERIT",
        "drop the constraint and add it again with or without NO INHERIT"),
    "without_overlaps": NewSyntax(
        18, "PRIMARY KEY / UNIQUE ... WITHOUT OVERLAPS",
        "an EXCLUDE USING gist (key WITH =, period WITH &&) constraint (btree_gist)"),
}

#: The newest version `NEW_SYNTAX` names: a target this new or newer lacks none of it, and
#: its statements are not searched.
NEWEST = max(s.since for s in NEW_SYNTAX.values())


def _column(column: dict) -> Iterator[str]:
    """New syntax in a column definition (CREATE TABLE, ADD COLUMN)."""
    if column.get("compression"):
        yield "set_compression"
    for item in column.get("constraints") or ():
        con = unwrap(item)[1]
        contype = con.get("contype")
        if contype == "CONSTR_GENERATED":
            yield "virtual_generated_column" if con.get("generated_kind") == "v" \
                else "generated_column"
        elif contype in ("CONSTR_ATTR_ENFORCED", "CONSTR_ATTR_NOT_ENFORCED"):
            yield "constraint_enforceability"


def _constraint(con: dict) -> Iterator[str]:
    """New syntax in a table constraint (CREATE TABLE, ADD CONSTRAINT)."""
    contype = con.get("contype")
    if contype == "CONSTR_NOTNULL":  # only 18's grammar has NOT NULL as a table constraint
        yield "not_null_table_constraint"
    elif contype in ("CONSTR_CHECK", "CONSTR_FOREIGN") and not con.get("is_enforced"):
        yield "constraint_enforceability"  # the grammar marks them enforced but NOT ENFORCED
    if con.get("nulls_not_distinct"):
        yield "nulls_not_distinct"
    if con.get("without_overlaps"):
        yield "without_overlaps"


def _element(item: object) -> Iterator[str]:
    kind, node = unwrap(item)
    if kind == "ColumnDef":
        yield from _column(node)
    elif kind == "Constraint":
        yield from _constraint(node)


_SUBCOMMANDS = {"AT_DetachPartitionFinalize": "detach_partition_finalize",
                "AT_SetExpression": "set_expression", "AT_DropExpression": "drop_expression",
                "AT_SetCompression": "set_compression",
                "AT_SetAccessMethod": "set_access_method"}


def _alter_table(stmt: dict) -> Iterator[str]:
    for item in stmt.get("cmds") or ():
        cmd = unwrap(item)[1]
        subtype = cmd.get("subtype", "")
        if subtype in _SUBCOMMANDS:
            yield _SUBCOMMANDS[subtype]
        elif subtype == "AT_DetachPartition":
            if unwrap(cmd.get("def"))[1].get("concurrent"):
                yield "detach_partition_concurrently"
        elif subtype in ("AT_AddColumn", "AT_AddConstraint"):
            yield from _element(cmd.get("def"))
        elif subtype == "AT_AlterConstraint":
            alter = unwrap(cmd.get("def"))[1]
            if alter.get("alterEnforceability"):
                yield "constraint_enforceability"
            if alter.get("alterInheritability"):
                yield "alter_constraint_inherit"


def _alter_domain(stmt: dict) -> Iterator[str]:
    # (before 17 ALTER DOMAIN ... ADD takes a table constraint, which has no bare NOT NULL)
    if stmt.get("subtype") == "C" and \
            unwrap(stmt.get("def"))[1].get("contype") == "CONSTR_NOTNULL":
        yield "domain_not_null_constraint"


def _create_table(stmt: dict) -> Iterator[str]:
    for item in stmt.get("tableElts") or ():
        yield from _element(item)


def _index(stmt: dict) -> Iterator[str]:
    if stmt.get("nulls_not_distinct"):
        yield "nulls_not_distinct"


def _reindex(stmt: dict) -> Iterator[str]:
    if "concurrently" in options_on(stmt.get("params")):
        yield "reindex_concurrently"


def _merge(stmt: dict) -> Iterator[str]:
    yield "merge"
    if returning_list(stmt):
        yield "merge_returning"
    if any(unwrap(w)[1].get("matchKind") == "MERGE_WHEN_NOT_MATCHED_BY_SOURCE"
           for w in stmt.get("mergeWhenClauses") or ()):
        yield "merge_not_matched_by_source"


def _trigger(stmt: dict) -> Iterator[str]:
    if stmt.get("replace"):
        yield "create_or_replace_trigger"


#: The statements that can hold syntax of `NEW_SYNTAX`, by parse node type: any other
#: statement costs one dictionary lookup.
_FINDERS: dict[str, Callable[[dict], Iterator[str]]] = {
    "AlterTableStmt": _alter_table, "CreateStmt": _create_table, "IndexStmt": _index,
    "ReindexStmt": _reindex, "MergeStmt": _merge, "CreateTrigStmt": _trigger,
    "AlterDomainStmt": _alter_domain,
}


#: Syntax found anywhere in a statement, in a CTE, a subquery or any expression (a DEFAULT,
#: a CHECK, an index's): by parse node type.
_NESTED: dict[str, str] = {
    "JsonTable": "json_table",
    **dict.fromkeys(("JsonFuncExpr", "JsonParseExpr", "JsonScalarExpr", "JsonSerializeExpr"),
                    "sql_json_query_functions"),
    **dict.fromkeys(("JsonObjectConstructor", "JsonArrayConstructor",
                     "JsonArrayQueryConstructor", "JsonObjectAgg", "JsonArrayAgg",
                     "JsonIsPredicate"), "sql_json_constructors"),
}
#: Words every statement with nested syntax holds (a MERGE in a WITH, a JSON_... function or
#: IS JSON): a statement without them is not walked, so most pay one search of their text
#: (lower-cased, then searched for each: a tenth of a case-insensitive regex's time).
_MAY_NEST = ("merge", "json")
#: The words a subquery or VALUES list in FROM comes with, all of them (`_may_nest`).
_SUBQUERY_IN_FROM = ("from", "(")
_SUBQUERY_BODY = ("select", "values")


def _may_nest(sql: str) -> bool:
    """Whether statement text `sql` may hold syntax below its own node."""
    low = sql.lower()
    return any(word in low for word in _MAY_NEST) or (
        all(word in low for word in _SUBQUERY_IN_FROM)
        and any(word in low for word in _SUBQUERY_BODY))


def _nested(stmt: dict) -> Iterator[str]:
    """New syntax below the statement's own node: the nodes of `_NESTED`, and a MERGE in a
    WITH (with its own new syntax, as at the top)."""
    stack: list[object] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _NESTED:
                    yield _NESTED[key]
                elif key == "MergeStmt":
                    yield from _merge(value)
                elif key == "RangeSubselect" and not value.get("alias"):
                    yield "subquery_without_alias"
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def syntax_used(kind: str, stmt: dict, sql: str | None = None) -> list[str]:
    """The keys of `NEW_SYNTAX` a statement (node type `kind`, body `stmt`) uses, in order,
    each once. `sql`, the statement's text when the caller has it, spares the walk of the
    statements that cannot hold nested syntax."""
    finder = _FINDERS.get(kind)
    found = list(finder(stmt)) if finder is not None else []
    if sql is None or _may_nest(sql):
        found += _nested(stmt)
    return list(dict.fromkeys(found))


def unavailable_syntax_facts(kind: str, stmt: dict, pg_version: int,
                             sql: str | None = None) -> dict:
    """The facts of the syntax a statement uses that PostgreSQL `pg_version` does not have
    (empty when it has all of it):

    - `unavailable_syntax`: their keys in `NEW_SYNTAX`;
    - `unavailable_syntax_text`: each as written, with the version that introduced it;
    - `syntax_needs_version`: the oldest version that has all of it;
    - `syntax_instead`: what to write on the target instead, one line each.
    """
    if pg_version >= NEWEST:
        return {}
    missing = [key for key in syntax_used(kind, stmt, sql)
               if NEW_SYNTAX[key].since > pg_version]
    if not missing:
        return {}
    found = [NEW_SYNTAX[key] for key in missing]
    return {
        "unavailable_syntax": tuple(missing),
        "unavailable_syntax_text": "; ".join(
            f"{s.written}, new in PostgreSQL {s.since}" for s in found),
        "syntax_needs_version": max(s.since for s in found),
        "syntax_instead": "\n-- ".join(
            f"instead of {s.written}: {s.before}" for s in found),
    }
