"""The rewrite patterns: one unsafe statement -> the statements of its safe sequence.

Each pattern works on pglast's AST of the statement (so the SQL it writes is deparsed by
PostgreSQL's own grammar rules, with the user's names) and places the pieces in phases:

* `main`: runs where the statement was, in the migration's transaction;
* `alone`: a statement that must run outside any transaction (CONCURRENTLY, batched backfill),
  each in its own migration, in order;
* `later`: phases that run in later migrations, after the main phase committed, in order
  (e.g. VALIDATE; SET NOT NULL proven by the validated CHECK).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from lockwise.catalog.replay import free_constraint_name, generated_name, not_null_swap_names
from lockwise.core.deferred import bound_on_use
from lockwise.core.types import Action
from lockwise.effects.nodes import (
    pglast_node,
    printed_node,
    storage_parameters,
    strings,
    unwrap,
    value_stand_in,
    with_storage_parameters_sql,
)
from lockwise.effects.versions import DEFAULT_PG_VERSION
from lockwise.fix import FIXABLE
from lockwise.parse.quoting import quote_ident, relation_sql

#: The scanner, imported at its first use (an import statement in a function runs at each
#: call: `_tokens` at each rewrite written in place).
_libpg = bound_on_use(globals(), "_libpg", "lockwise.parse.libpg")

#: What to do when CREATE INDEX CONCURRENTLY fails half way.
INVALID_INDEX_NOTE = ("a failed CONCURRENTLY build leaves an INVALID index: check "
                      "pg_index.indisvalid and drop it before retrying")


def invalid_index_note(index_sql: str) -> str:
    """INVALID_INDEX_NOTE for the index named `index_sql` (SQL, qualified as its table is):
    IF NOT EXISTS finds the INVALID index a failed build left and skips it, so the retry
    must drop it first (checked on the server)."""
    return (f"a failed CONCURRENTLY build leaves the index INVALID, and IF NOT EXISTS skips it "
            f"on a retry: DROP INDEX CONCURRENTLY IF EXISTS {index_sql}, then run it again")

#: What attaching a PRIMARY KEY to its index does to columns that may hold NULLs.
PRIMARY_KEY_NOTE = ("PRIMARY KEY USING INDEX makes its columns NOT NULL: one not already NOT "
                    "NULL is checked by a scan under ACCESS EXCLUSIVE, so make them NOT NULL "
                    "first (see set-not-null)")

#: Heap pages per backfill batch (8 kB each: about 800 kB of table per transaction).
BATCH_PAGES = 100


@dataclass(slots=True)
class Pieces:
    """Where the parts of one rewritten statement go."""

    main: list[str] = field(default_factory=list)
    alone: list[str] = field(default_factory=list)
    later: list[list[str]] = field(default_factory=list)
    #: Expand/contract: the step that removes the old column, once nothing uses it any more.
    contract: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Drops of the statement moved into a later step with the key that replaces them.
    moved_drops: list = field(default_factory=list)
    #: Why a part of the statement that has a finding was left as written.
    declined: list[str] = field(default_factory=list)
    #: What lint offers for a declined part whose steps lockwise can write but for names it
    #: does not know (stand-ins in their place); fix leaves the statement as written.
    outline: Pieces | None = None
    #: The parse tree of a statement written here, by its text, as `parse_sql` would give it
    #: (without node locations), where the rewrite made it from the statement's own tree:
    #: lint asks what its alternative does without parsing the alternative again. Not
    #: compared: the same rewrite made from the text has the same statements without them.
    trees: dict[str, dict] = field(default_factory=dict, compare=False)

    def rewritten(self) -> bool:
        """Whether any of the statement was rewritten (not only declined)."""
        return bool(self.main or self.alone or self.later or self.contract)

    def in_order(self) -> list[str]:
        """The statements in the order they run: main, alone, the later phases, contract."""
        return [*self.main, *self.alone, *(sql for phase in self.later for sql in phase),
                *self.contract]

    def at(self, phase: int) -> list[str]:
        """The statements of later phase `phase` (0: the first migration after this one)."""
        while len(self.later) <= phase:
            self.later.append([])
        return self.later[phase]


def _sql(node) -> str:
    # pglast's printer ends DROP NOT NULL, DROP DEFAULT and DROP IDENTITY with a space, which
    # the `;` after the statement would follow: `... DROP NOT NULL ;`.
    return printed_node(node).rstrip()


def _table_sql(relation) -> str:
    return _qualified_sql(relation.schemaname, relation.relname)


def _qualified_sql(schema: str | None, name: str) -> str:
    return ".".join(quote_ident(p) for p in (schema, name) if p)


def batched_backfill(table_sql: str, column: str, value_sql: str, only_where: str = "",
                     pg_version: int = DEFAULT_PG_VERSION, spread_name: str = "") -> str:
    """A backfill that commits every batch: a DO block run outside a transaction (PG 11+).

    Batches are ranges of heap pages, each read by a TID scan: from PostgreSQL 14 a TID range
    scan of `ctid >= ... AND ctid < ...`; before it such a range is a sequential scan of the
    whole table, once per batch, so there the batch names each tuple its pages can hold
    (`ctid = ANY (...)`: a TID scan, tuples that do not exist are skipped). Each UPDATE
    commits before the next, so no row lock outlives its batch. Rows already filled are
    skipped (`IS NULL`), so running it again after an interruption does not redo finished
    batches.

    `spread_name`: the table's own name (unquoted) when its rows are (also) in its partitions
    or inheritance children, each with pages of its own (a partitioned table has none): the
    batches then walk each table of its inheritance tree that has storage, updating it alone
    under that name.
    """
    col = quote_ident(column)
    literal = _literal(table_sql)
    condition = f"{col} IS NULL{' AND ' + only_where if only_where else ''}"
    if not spread_name:
        return (
            f"-- lockwise: batch pages={BATCH_PAGES}\n"
            "DO $lockwise$\n"
            "DECLARE\n"
            f"  last_page bigint := pg_relation_size({literal}) / "
            "current_setting('block_size')::bigint;\n"
            "  first_page bigint := 0;\n"
            "BEGIN\n"
            "  WHILE first_page <= last_page LOOP\n"
            f"    UPDATE {table_sql} SET {col} = {value_sql}\n"
            f"    WHERE {_batch_pages('first_page', pg_version, '      ')}\n"
            f"      AND {condition};\n"
            f"    first_page := first_page + {BATCH_PAGES};\n"
            "    COMMIT;\n"
            "  END LOOP;\n"
            "END\n"
            "$lockwise$"
        )
    # Each table is updated ONLY, by its name, under the table's own as alias (what the
    # value may be qualified with); the first page is the statement's parameter.
    alias = quote_ident(spread_name)
    return (
        f"-- lockwise: batch pages={BATCH_PAGES}\n"
        "DO $lockwise$\n"
        "DECLARE\n"
        "  part regclass;\n"
        "  last_page bigint;\n"
        "  first_page bigint;\n"
        "BEGIN\n"
        "  FOREACH part IN ARRAY ARRAY(\n"
        "      WITH RECURSIVE tree (relid) AS (\n"
        f"        SELECT {literal}::regclass\n"
        "        UNION ALL\n"
        "        SELECT inhrelid FROM pg_inherits JOIN tree ON inhparent = relid)\n"
        "      SELECT relid FROM tree JOIN pg_class ON pg_class.oid = relid "
        "WHERE relkind = 'r') LOOP\n"
        "    last_page := pg_relation_size(part) / current_setting('block_size')::bigint;\n"
        "    first_page := 0;\n"
        "    WHILE first_page <= last_page LOOP\n"
        f"      EXECUTE 'UPDATE ONLY ' || part || $lockwise_batch$ AS {alias}\n"
        f"        SET {col} = {value_sql}\n"
        f"        WHERE {_batch_pages('$1', pg_version, '          ')}\n"
        f"          AND {condition}$lockwise_batch$\n"
        "        USING first_page;\n"
        f"      first_page := first_page + {BATCH_PAGES};\n"
        "      COMMIT;\n"
        "    END LOOP;\n"
        "  END LOOP;\n"
        "END\n"
        "$lockwise$"
    )


def _batch_pages(first: str, pg_version: int, indent: str) -> str:
    """The condition naming the rows of the batch of pages from `first` (SQL: a variable, a
    parameter), its lines after the first indented by `indent`."""
    if pg_version >= 14:
        return (f"ctid >= format('(%s,0)', {first})::tid\n"
                f"{indent}AND ctid < format('(%s,0)', {first} + {BATCH_PAGES})::tid")
    # At most block_size / 28 tuples fit in a page (a 24-byte header and a 4-byte line
    # pointer each).
    return (f"ctid = ANY (ARRAY(SELECT format('(%s,%s)', page, item)::tid\n"
            f"{indent}FROM generate_series({first}, {first} + {BATCH_PAGES - 1}) AS page,\n"
            f"{indent}  generate_series(1, current_setting('block_size')::int / 28) AS item))")


def _pg_version(facts: dict) -> int:
    return facts.get("pg_version") or DEFAULT_PG_VERSION


def _spread_name(relation, facts: dict) -> str:
    """`batched_backfill`'s `spread_name` for the statement's table (pglast's RangeVar)."""
    return relation.relname if facts.get("rows_elsewhere") else ""


def _not_null_path(table_sql: str, table_name: str, column: str, pieces: Pieces,
                   add_check: list[str], first_phase: int, pg_version: int,
                   facts: dict | None = None, not_null: str = "",
                   taken: Collection[str] = ()) -> None:
    """CHECK (col IS NOT NULL) NOT VALID, then VALIDATE, SET NOT NULL (no scan, PG 12+) and
    drop the CHECK, each step in a later transaction than the one before. The CHECK's name is
    the effect model's for a SET NOT NULL or an ADD COLUMN of the statement (`facts`: one
    free on the table), else `table_column_not_null_check` numbered past the `taken` names
    (the table's constraints), as the NOT NULL constraint's name is on PostgreSQL 18.

    Before PostgreSQL 12, SET NOT NULL scans the table whatever CHECK proves it: the
    validated CHECK stays as the column's NOT NULL guarantee instead. From PostgreSQL 18 the
    NOT NULL is a constraint of its own, added NOT VALID and validated later: named as
    PostgreSQL names it, it ends as SET NOT NULL would have left it (a CHECK holding that
    name pushed SET NOT NULL's to `..._not_null1`; checked on the server); `not_null`, where
    given, is its name instead (one free on the table, where that one is taken)."""
    col = quote_ident(column)
    pending = (facts or {}).get("not_valid_not_nulls", {}).get(column)
    if pending:  # its NOT NULL constraint, added NOT VALID: validated, it is SET NOT NULL's end
        add_check.append(f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {quote_ident(pending)}")
        return
    if pg_version >= 18:
        name = quote_ident(not_null or (facts or {}).get("not_null_constraints", {}).get(column)
                           or free_constraint_name(table_name, column, "not_null", taken))
        add_check.append(
            f"ALTER TABLE {table_sql} ADD CONSTRAINT {name} NOT NULL {col} NOT VALID")
        pieces.at(first_phase).append(f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {name}")
        return
    check = quote_ident((facts or {}).get("not_null_checks", {}).get(column)
                        or free_constraint_name(table_name, column, "not_null_check", taken))
    add_check.append(
        f"ALTER TABLE {table_sql} ADD CONSTRAINT {check} CHECK ({col} IS NOT NULL) NOT VALID")
    steps = pieces.at(first_phase)
    # Every column's VALIDATE before the first SET NOT NULL this writes for the table (one
    # of an earlier column of the statement): SET NOT NULL holds ACCESS EXCLUSIVE to the
    # commit, and a validation after it would read every row under it.
    set_not_null = (f"ALTER TABLE {table_sql} ALTER COLUMN ", " SET NOT NULL")
    steps.insert(next((i for i, step in enumerate(steps) if step.startswith(set_not_null[0])
                       and step.endswith(set_not_null[1])), len(steps)),
                 f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {check}")
    if pg_version >= 12:
        steps.extend([f"ALTER TABLE {table_sql} ALTER COLUMN {col} SET NOT NULL",
                      f"ALTER TABLE {table_sql} DROP CONSTRAINT {check}"])
    else:
        pieces.notes.append(
            f"PostgreSQL {pg_version} scans the table for SET NOT NULL even when a CHECK proves "
            f"it: the validated CHECK {check} stands for NOT NULL on {column} (from "
            "PostgreSQL 12, SET NOT NULL then skips the scan)")


def _with_row_prefix(expr, column: str, prefix: str) -> str:
    """Deparse `expr` with references to `column` read from the trigger's NEW row."""
    from pglast import ast
    from pglast.visitors import Visitor

    class _Prefix(Visitor):
        def visit_ColumnRef(self, ancestors, node):  # noqa: N802 - pglast's naming
            names = [getattr(f, "sval", None) for f in node.fields]
            if names == [column]:
                return ast.ColumnRef(fields=(ast.String(sval=prefix), ast.String(sval=column)))
            return None

    # The visitor returns the root replaced when the expression is the column alone.
    return _sql(_Prefix()(expr))


def _sync_trigger(relation, column: str, body: list[str],
                  children: tuple[str, ...] = ()) -> list[str]:
    """The function that keeps the two columns in step and its row trigger, on the table
    (`relation`, pglast's RangeVar) and on each of its inheritance `children` (qualified
    names), for which the parent's trigger does not fire. The function goes to the schema
    the statement names for the table (from PostgreSQL 15 a role may not create in public,
    where an unqualified one would go)."""
    name, function = _sync_names(relation, column)
    lines = "\n".join("  " + line for line in body)
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $lockwise$\n"
        f"BEGIN\n{lines}\n  RETURN NEW;\nEND\n$lockwise$",
        *(f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {target} "
          f"FOR EACH ROW EXECUTE FUNCTION {function}()"
          for target in (_table_sql(relation), *map(_child_sql, children))),
    ]


def _drop_sync_trigger(relation, column: str, children: tuple[str, ...] = ()) -> list[str]:
    name, function = _sync_names(relation, column)
    return [*(f"DROP TRIGGER {name} ON {target}"
              for target in (_table_sql(relation), *map(_child_sql, children))),
            f"DROP FUNCTION {function}()"]


def _sync_names(relation, column: str) -> tuple[str, str]:
    """The sync trigger's name and its function's (in the table's schema as written), SQL."""
    # both parts shortened to fit, as PostgreSQL names what it makes, so two columns
    # with a long common prefix keep apart
    name = generated_name(relation.relname, column, "sync")
    return quote_ident(name), _qualified_sql(relation.schemaname, name)


def _child_sql(child: str) -> str:
    """A table the catalog names (`schema.name`) as SQL, qualified."""
    return _qualified_sql(*child.split(".", 1))


def _expand_contract(relation, old: str, new: str, type_sql: str,
                     value_new: str, value_backfill: str, trigger_body: list[str],
                     contract_tail: list[str], facts: dict, pieces: Pieces) -> None:
    """Add the new column and keep it in sync; backfill it; drop the old one later.
    `relation`: the statement's table (pglast's RangeVar)."""
    table_sql, table_name = _table_sql(relation), relation.relname
    pieces.main.append(f"ALTER TABLE {table_sql} ADD COLUMN {quote_ident(new)} {type_sql}")
    children = tuple(facts.get("inheritance_children") or ())
    pieces.main.extend(_sync_trigger(relation, old, trigger_body, children))
    pieces.alone.append(batched_backfill(table_sql, new, value_backfill,
                                         f"{quote_ident(old)} IS NOT NULL", _pg_version(facts),
                                         _spread_name(relation, facts)))
    # PostgreSQL 18's NOT NULL constraint names: the new column's, added NOT VALID, numbered
    # past the old column's where a long name cuts to it (checked on 18.6), and the old one's
    taken = facts.get("table_constraint_names") or ()
    swapped = not_null_swap_names(table_name, old, new, facts.get("column_not_null_name") or "",
                                  taken)
    if facts.get("column_not_null"):
        _not_null_path(table_sql, table_name, new, pieces, pieces.at(0), 1, _pg_version(facts),
                       not_null=swapped[0], taken=taken)
    default = str(facts.get("column_default_sql") or "")  # "" too when it cannot be printed
    if default:
        pieces.main.append(f"ALTER TABLE {table_sql} ALTER COLUMN {quote_ident(new)} SET DEFAULT "
                           f"{default}")
    elif facts.get("column_has_default"):
        pieces.notes.append(f"{old} has a default: set it on {new} too before the contract step")
    rebuilt = facts.get("column_indexes") or ()
    if facts.get("indexed") and len(rebuilt) < facts.get("column_index_count", 0):
        pieces.notes.append(f"{old} has an index lockwise cannot write out (an expression, a "
                            f"WHERE, ...): create it on {new} CONCURRENTLY before the "
                            "contract step")
    swaps, renames = _indexes_on_new_column(relation, old, new, rebuilt, pieces,
                                            facts.get("partition_tree") or (),
                                            facts.get("column_index_new_names") or ())
    pieces.contract.extend(_drop_sync_trigger(relation, old, children))
    pieces.contract.append(_column_properties_copied(relation, old, new, facts))
    pieces.contract.extend(swaps)
    pieces.contract.append(
        "-- lockwise: ignore[drop-column] reason: contract step of an expand/contract change, "
        f"{new} holds the data\n"
        f"ALTER TABLE {table_sql} DROP COLUMN {quote_ident(old)}")
    pieces.contract.extend(renames)
    pieces.contract.extend(contract_tail)
    if facts.get("column_not_null") and _pg_version(facts) >= 18:
        # PostgreSQL 18's NOT NULL constraint, named after the new column: the statement
        # leaves the old one's name (or, made NOT NULL by it, the one named after the column).
        # The old column is dropped by then: its constraint's name is free, none moves aside.
        made, kept, _ = swapped
        if made != kept:
            pieces.contract.append(
                "-- lockwise: ignore[rename-index-or-constraint] reason: contract step of an "
                "expand/contract change, the NOT NULL constraint takes the old name\n"
                f"ALTER TABLE {table_sql} RENAME CONSTRAINT {quote_ident(made)} TO "
                f"{quote_ident(kept)}")


def _column_properties_copied(relation, old: str, new: str, facts: dict) -> str:
    """A DO block giving column `new` what column `old` has that its DROP COLUMN drops: its
    comment, the privileges granted on it, its statistics target, and the extended
    statistics that depend on it (each made again under its name, the old one moved aside,
    with its statistics target). Read from the server when the contract step runs, so what
    the migrations do not show (and what changed since the expand step) is kept; but one with
    expressions is made from its CREATE STATISTICS (`column_statistics`), renamed on the
    parse tree, since the server keeps no text of it to rename the column in: one the
    migrations did not make is named in a NOTICE and goes with the column."""
    table_sql = _table_sql(relation)
    table = f"{_literal(table_sql)}::regclass"
    old_sql, new_sql = _literal(old), _literal(new)
    # each a constant EXECUTE, which the replay follows as it follows the block's format()s
    known = [(f"stat.nspname = {_literal(stat.split('.', 1)[0])} AND stat.stxname = "
              f"{_literal(stat.split('.', 1)[1])}",
              _literal(_statistics_sql(stat, definition, relation, old, new)))
             for stat, definition in facts.get("column_statistics") or ()]
    unknown = "stat.has_expressions" + (
        f" AND NOT ({' OR '.join(f'({test})' for test, _ in known)})" if known else "")
    return (
        "DO $lockwise$\n"
        "DECLARE\n"
        "  granted record;\n"
        "  stat record;\n"
        "  target integer;\n"
        "BEGIN\n"
        f"  EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', {table}, {new_sql},\n"
        f"                 (SELECT col_description(attrelid, attnum) FROM pg_attribute\n"
        f"                  WHERE attrelid = {table} AND attname = {old_sql}));\n"
        "  FOR granted IN\n"
        "      SELECT acl.grantee, acl.privilege_type, acl.is_grantable\n"
        "      FROM pg_attribute, aclexplode(attacl) AS acl\n"
        f"      WHERE attrelid = {table} AND attname = {old_sql} LOOP\n"
        f"    EXECUTE format('GRANT %s (%I) ON %s TO %s%s', granted.privilege_type, "
        f"{new_sql}, {table},\n"
        "                   CASE granted.grantee WHEN 0 THEN 'PUBLIC'\n"
        "                   ELSE quote_ident(pg_get_userbyid(granted.grantee)) END,\n"
        "                   CASE WHEN granted.is_grantable THEN ' WITH GRANT OPTION' "
        "ELSE '' END);\n"
        "  END LOOP;\n"
        "  SELECT attstattarget INTO target FROM pg_attribute\n"
        f"  WHERE attrelid = {table} AND attname = {old_sql};\n"
        "  IF target >= 0 THEN  -- (NULL or -1: the default)\n"
        "    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS %s', "
        f"{table}, {new_sql}, target);\n"
        "  END IF;\n"
        "  FOR stat IN\n"
        "      SELECT s.oid, s.stxname, n.nspname, s.stxnamespace::regnamespace::text AS schema,\n"
        # expressions from 14, a statistics object's own target from 13: read through the
        # row as jsonb (NULL where the server lacks the column), since the server the step
        # runs on may be newer than the target version says
        "             to_jsonb(s) ->> 'stxexprs' IS NOT NULL AS has_expressions,\n"
        "             (to_jsonb(s) ->> 'stxstattarget')::integer AS target,\n"
        "             array(SELECT CASE kind WHEN 'd' THEN 'ndistinct' WHEN 'f' THEN "
        "'dependencies'\n"
        "                          ELSE 'mcv' END\n"
        "                   FROM unnest(s.stxkind) AS kind WHERE kind IN ('d', 'f', 'm')) "
        "AS kinds,\n"
        f"             array(SELECT CASE a.attname WHEN {old_sql} THEN {new_sql} "
        "ELSE a.attname END\n"
        "                   FROM unnest(s.stxkeys::int2[]) WITH ORDINALITY AS k (attnum, n)\n"
        "                   JOIN pg_attribute a ON a.attrelid = s.stxrelid "
        "AND a.attnum = k.attnum\n"
        "                   ORDER BY k.n) AS columns\n"
        "      FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace\n"
        # the columns it names and those its expressions read (recorded alike)
        f"      WHERE s.stxrelid = {table} AND EXISTS (\n"
        "          SELECT FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid "
        "AND a.attnum = d.refobjsubid\n"
        "          WHERE d.classid = 'pg_statistic_ext'::regclass AND d.objid = s.oid\n"
        f"            AND d.refobjid = {table} AND a.attname = {old_sql}) LOOP\n"
        f"    IF {unknown} THEN\n"
        "      RAISE NOTICE 'statistics %.% are not made again: no CREATE STATISTICS of the "
        "migrations made them', stat.schema, quote_ident(stat.stxname);\n"
        "      CONTINUE;\n"
        "    END IF;\n"
        "    EXECUTE format('ALTER STATISTICS %s.%I RENAME TO %I', stat.schema, stat.stxname,\n"
        "                   'lockwise_old_' || stat.oid);\n"
        "    IF NOT stat.has_expressions THEN\n"
        "      EXECUTE format('CREATE STATISTICS %s.%I (%s) ON %s FROM %s', stat.schema, "
        "stat.stxname,\n"
        "                     array_to_string(stat.kinds, ', '),\n"
        "                     (SELECT string_agg(quote_ident(c), ', ') FROM "
        f"unnest(stat.columns) AS c), {table});\n"
        + "".join(f"    ELSIF {test} THEN\n      EXECUTE {sql};\n" for test, sql in known) +
        "    END IF;\n"
        "    IF stat.target >= 0 THEN  -- (NULL or -1: the default)\n"
        "      EXECUTE format('ALTER STATISTICS %s.%I SET STATISTICS %s', stat.schema, "
        "stat.stxname, stat.target);\n"
        "    END IF;\n"
        "  END LOOP;\n"
        "END\n"
        "$lockwise$")


def _statistics_sql(name: str, definition: dict, relation, old: str, new: str) -> str:
    """CREATE STATISTICS of statistics object `name` (qualified) on the statement's table
    (`relation`, pglast's RangeVar) from its `definition`, column `old` read as `new`."""
    from lockwise.catalog.extended_statistics import renamed_statistics_definition
    from lockwise.effects.nodes import written_sql
    from lockwise.effects.partitions import range_var_tree

    schema, stat = name.split(".", 1)
    return written_sql({"CreateStatsStmt": {
        **renamed_statistics_definition(definition, old, new),
        "defnames": [{"String": {"sval": schema}}, {"String": {"sval": stat}}],
        "relations": [{"RangeVar": range_var_tree(relation.schemaname, relation.relname)}]}},
        f"CREATE STATISTICS {name} as defined, with {old} read as {new}")


def _indexes_on_new_column(relation, old: str, new: str, indexes: Iterable, pieces: Pieces,
                           tree: tuple = (), built_names: Iterable = ()
                           ) -> tuple[list[str], list[str]]:
    """Each index over the old column (`Index`es the catalog knows whole) built again over
    the new one CONCURRENTLY, under a name of its own (`built_names`: each index's, free in
    its schema: `column_index_facts`), after the backfill. Returns what the
    contract step runs before it drops the old column (a partitioned table's: its parts
    take the names of the old parts), and after (the renames that give the indexes the old
    names once the old ones went with their column). `relation`: the statement's table
    (pglast's RangeVar); `tree`: its partitions (`column_index_facts`' `partition_tree`)."""
    from dataclasses import replace

    from lockwise.effects.partitions import (
        index_from_definition_sql,
        part_names_taken_sql,
        plain_index_sql,
        range_var_tree,
    )

    table_sql = _table_sql(relation)
    swaps, renames = [], []
    free = dict(built_names)
    for idx in indexes:
        schema, name = idx.name.split(".", 1)
        built = free.get(idx.name) or generated_name(name, None, "new")
        tablespace = f" TABLESPACE {quote_ident(idx.tablespace)}" if idx.tablespace else ""
        if tree:
            _index_parts_on_new_column(idx, built, relation, old, new, tablespace, tree, pieces)
            swaps.append(part_names_taken_sql(_qualified_sql(schema, name),
                                              _qualified_sql(schema, built)))
        elif idx.signature is None or old not in idx.columns:
            pieces.alone.append(index_from_definition_sql(
                idx, built, range_var_tree(relation.schemaname, relation.relname), old, new,
                tablespace))
        else:
            columns = tuple(new if column == old else column for column in idx.columns)
            pieces.alone.append(plain_index_sql(replace(idx, columns=columns), built, table_sql)
                                + tablespace)
        renames.append("-- lockwise: ignore[rename-index-or-constraint] reason: contract step "
                       f"of an expand/contract change, the index on {new} takes the old name\n"
                       f"ALTER INDEX {quote_ident(schema)}.{quote_ident(built)} RENAME TO "
                       f"{quote_ident(name)}")
    return swaps, renames


def _index_parts_on_new_column(idx, built: str, relation, old: str, new: str,
                               tablespace_sql: str, tree: tuple, pieces: Pieces) -> None:
    """Index `idx` of a partitioned table over the new column: a partitioned table's index is
    never built CONCURRENTLY, so it is made ON ONLY the table (no rows to read), each
    partition's part CONCURRENTLY (ON ONLY a partitioned one, in turn), and the parts
    attached from the bottom up in the next migration, which makes each index valid once
    all its parts are (checked on the server)."""
    from lockwise.effects.partitions import (
        child_index_name,
        index_from_definition_sql,
        range_var_tree,
    )

    names = {idx.table: built}
    pieces.alone.append(index_from_definition_sql(
        idx, built, range_var_tree(relation.schemaname, relation.relname, inh=False), old, new,
        tablespace_sql, concurrent=False))
    for part, parent, partitioned in tree:
        schema, part_name = part.split(".", 1)
        names[part] = child_index_name(names[parent], parent.split(".", 1)[1], part_name)
        # qualified as the table is, and in another schema than the table's always: the
        # table's search path need not find it
        written = relation.schemaname or schema != idx.table.split(".", 1)[0]
        pieces.alone.append(index_from_definition_sql(
            idx, names[part], range_var_tree(schema if written else None, part_name,
                                             inh=not partitioned),
            old, new, tablespace_sql, concurrent=not partitioned))
    pieces.at(0).extend(
        f"ALTER INDEX {_qualified_sql(parent.split('.', 1)[0], names[parent])} ATTACH "
        f"PARTITION {_qualified_sql(part.split('.', 1)[0], names[part])}"
        for part, parent, _ in reversed(tree))


def _keeps_constraints(column: str, facts: dict, pieces: Pieces) -> bool:
    """Whether expand/contract would keep the constraints of `column`: the contract step drops
    the old column, and every CHECK, FOREIGN KEY, UNIQUE or PRIMARY KEY over it with it (a
    foreign key from elsewhere makes the drop fail, as a policy reading it or a trigger
    naming it does). Declined, with a note, when it has any."""
    constraints = facts.get("column_constraints") or ()
    dependents = facts.get("column_dependents") or ()
    if constraints:
        pieces.declined.append(
            f"{column} takes part in {', '.join(constraints)}, which dropping the old column "
            "in the contract step would drop (or refuse): no expand/contract rewrite; re-create "
            "them on a new column by hand (NOT VALID + VALIDATE, unique index CONCURRENTLY + "
            "USING INDEX) before dropping the old one")
    elif dependents:
        pieces.declined.append(
            f"{', '.join(dependents)} names {column}, which makes dropping the old column in "
            "the contract step fail: no expand/contract rewrite; make them name the new "
            "column by hand before dropping the old one")
    return not constraints and not dependents


def _rewrite_type_change(stmt, cmd, facts: dict, pieces: Pieces) -> bool:
    from pglast import ast

    if not facts.get("old_type_known"):
        pieces.declined.append("the column's old type is unknown: no expand/contract rewrite")
        return False
    if not _keeps_constraints(cmd.name, facts, pieces):
        return False
    table_sql, col = _table_sql(stmt.relation), cmd.name
    # cut to 63 bytes as PostgreSQL cuts the names it makes (as the rules' `{column}_new`):
    # the server would cut a longer one itself, to a name the steps do not write
    new = generated_name(col, None, "new")
    type_sql = _sql(cmd.def_.typeName)
    if cmd.def_.collClause is not None:  # (the type's default collation without it)
        type_sql += f" {_sql(cmd.def_.collClause)}"
    using = cmd.def_.raw_default
    if using is None:
        # Without USING the server converts by assignment, as UPDATE ... SET and PL/pgSQL's
        # := do: a value that does not fit fails. An explicit CAST would cut a string to a
        # shorter varchar(n) or char(n) silently instead.
        using = ast.ColumnRef(fields=(ast.String(sval=col),))
    backfill = _sql(using)
    from_new_row = _with_row_prefix(using, col, "new")
    _expand_contract(
        stmt.relation, col, new, type_sql, from_new_row, backfill,
        [f"NEW.{quote_ident(new)} := {from_new_row};"],
        ["-- lockwise: ignore[rename-column] reason: contract step of an expand/contract type "
         f"change, the new column takes the old name\n"
         f"ALTER TABLE {table_sql} RENAME COLUMN {quote_ident(new)} TO {quote_ident(col)}"],
        facts, pieces)
    pieces.notes.append(f"{col}: the contract step (drop the old column, rename {new} to {col}) "
                        "may run once the backfill finished")
    return True


def _rewrite_rename(stmt, facts: dict, pieces: Pieces) -> Pieces | None:
    if not facts.get("column_type"):
        return None  # the column's type is unknown: no expand/contract rewrite
    old, new = stmt.subname, stmt.newname
    if not _keeps_constraints(old, facts, pieces):
        return pieces
    qo, qn = quote_ident(old), quote_ident(new)
    body = [
        "IF TG_OP = 'INSERT' THEN",
        f"  NEW.{qn} := COALESCE(NEW.{qn}, NEW.{qo});",
        f"  NEW.{qo} := COALESCE(NEW.{qo}, NEW.{qn});",
        f"ELSIF NEW.{qo} IS DISTINCT FROM OLD.{qo} THEN",
        f"  NEW.{qn} := NEW.{qo};",
        f"ELSIF NEW.{qn} IS DISTINCT FROM OLD.{qn} THEN",
        f"  NEW.{qo} := NEW.{qn};",
        "END IF;",
    ]
    collation = facts.get("column_collation")
    type_sql = facts["column_type"] + (f" COLLATE {quote_ident(collation)}" if collation else "")
    _expand_contract(stmt.relation, old, new, type_sql, f"NEW.{qo}", qo, body, [], facts, pieces)
    pieces.notes.append(f"{old} -> {new}: deploy application code that uses {new} before "
                        "running the contract step")
    return pieces


class Unprintable(Exception):
    """The statement does not parse as written (template placeholders the linter substituted):
    it cannot be rewritten and printed back."""


def rewrite(sql: str, rules: set[str], facts: dict | None = None,
            tree: dict | None = None) -> Pieces | None:
    """The safe sequence for one statement, or None when no pattern applies to it.

    `facts` are the effect model's facts about the statement's main action (old column type,
    nullability, ...), which the expand/contract patterns need. `tree`: the statement's parse
    tree, pglast's JSON (its node locations may be left out), when the caller has it: the
    in-place route then does not parse `sql` again. Raises Unprintable."""
    facts = facts or {}
    if not rules & FIXABLE:
        return None
    if "reindex-without-concurrently" in rules and _pg_version(facts) < 12:
        rules = rules - {"reindex-without-concurrently"}  # no REINDEX CONCURRENTLY before 12
        if not rules & FIXABLE:
            return None
    if "concurrently-in-transaction" in rules:
        return _outside_a_transaction(sql, tree)
    if rules & _IN_PLACE:
        in_place = _rewrite_in_place(sql, rules, facts, tree)
        if in_place is not None:
            return in_place
    return _rewrite_deparsed(sql, rules, facts, tree)


def _outside_a_transaction(sql: str, tree: dict | None) -> Pieces:
    """A CREATE / DROP INDEX or REINDEX CONCURRENTLY that its migration runs in a transaction
    block, which refuses it: the statement as written, in a step of its own that runs outside
    one (after the rest of the migration, as any CONCURRENTLY step). Any other statement a
    block refuses is declined: moved after the rest, it could change what the statements
    between see (an enum value added before 12 that a later statement uses)."""
    kind, stmt = (next(iter(tree.items())) if tree else _parsed_statement(sql)) or ("", {})
    pieces = Pieces()
    if kind in ("IndexStmt", "DropStmt") and stmt.get("concurrent") or \
            kind == "ReindexStmt" and any(unwrap(p)[1].get("defname") == "concurrently"
                                          for p in stmt.get("params") or ()):
        pieces.alone.append(sql)
    else:
        pieces.declined.append("it runs only outside a transaction block: move it to a "
                               "migration of its own (concurrently-in-transaction's `instead`)")
    return pieces


def _rewrite_deparsed(sql: str, rules: set[str], facts: dict,
                      tree: dict | None = None) -> Pieces | None:
    """`rewrite` through pglast's objects, printed back by its printer: every pattern has
    this route (the in-place one only for the commonest statements). `tree`: as for
    `rewrite` (its nodes are built anew, `pglast_node`: the tree is left as it is)."""
    from pglast import ast, enums

    # (raises Unprintable for SQL the parser rejects)
    parsed = next(iter(tree.items())) if tree else _parsed_statement(sql)
    if parsed is None:
        raise ValueError(f"not one statement: {sql!r}")  # (as unpacking pglast's list did)
    try:
        stmt = pglast_node(*parsed)
    except Exception:  # noqa: BLE001 - a tree `pglast_node` cannot build: pglast's own
        from pglast import parse_sql

        stmt = parse_sql(sql)[0].stmt
    pieces = Pieces()
    if isinstance(stmt, ast.IndexStmt) and "index-without-concurrently" in rules:
        stmt.concurrent = True
        stmt.idxname = stmt.idxname or facts.get("index_name") or None
        stmt.if_not_exists = bool(stmt.idxname)
        pieces.alone.append(_sql(stmt))
        pieces.notes.append(_index_note(stmt.relation.schemaname, stmt.idxname or ""))
        return pieces
    if isinstance(stmt, ast.DropStmt) and "drop-index-without-concurrently" in rules:
        if stmt.behavior == enums.DropBehavior.DROP_CASCADE:
            return None  # DROP INDEX CONCURRENTLY has no CASCADE
        stmt.concurrent = True
        stmt.missing_ok = True
        # DROP INDEX CONCURRENTLY takes one index: one statement for each.
        for index in stmt.objects:
            stmt.objects = (index,)
            pieces.alone.append(_sql(stmt))
        return pieces
    if isinstance(stmt, ast.ReindexStmt) and "reindex-without-concurrently" in rules and \
            stmt.kind.name != "REINDEX_OBJECT_SYSTEM" and \
            any(p.defname == "concurrently" for p in stmt.params or ()):
        # Only an option list naming CONCURRENTLY (false) comes this way (PostgreSQL 14+
        # syntax already): the option is replaced, a second one is a "conflicting or
        # redundant options" error.
        kept = tuple(p for p in stmt.params or () if p.defname != "concurrently")
        stmt.params = (*kept, ast.DefElem(defname="concurrently"))
        pieces.alone.append(_sql(stmt))
        return pieces
    if isinstance(stmt, ast.AlterTableStmt):
        return _rewrite_alter(stmt, rules, pieces, facts)
    if isinstance(stmt, ast.RenameStmt) and "rename-column" in rules and \
            stmt.renameType.name == "OBJECT_COLUMN":
        return _rewrite_rename(stmt, facts, pieces)
    return None


#: Rules whose rewrite of the commonest statement is written without pglast's printer (see
#: `_rewrite_in_place`).
_IN_PLACE = frozenset({"index-without-concurrently", "drop-index-without-concurrently",
                       "reindex-without-concurrently", "add-foreign-key-validated",
                       "add-check-validated", "add-unique-constraint", "set-not-null"})
#: The rule that has a constraint of each kind added NOT VALID (and validated later).
_NOT_VALID_RULES = {"CONSTR_FOREIGN": "add-foreign-key-validated",
                    "CONSTR_CHECK": "add-check-validated"}
#: REINDEX's kinds of object that can be rebuilt CONCURRENTLY (not SYSTEM).
_REINDEX_TARGETS = frozenset({"INDEX", "TABLE", "SCHEMA", "DATABASE"})
_COMMENT_TOKENS = frozenset({"SQL_COMMENT", "C_COMMENT"})


def _parsed_statement(sql: str) -> tuple[str, dict] | None:
    """The (kind, body) of the one statement `sql` holds, with its node locations; None for
    several. Raises Unprintable."""
    parser = _libpg.parser

    try:
        stmts = json.loads(parser.parse_sql_json(sql)).get("stmts", [])
    except parser.ParseError:
        raise Unprintable(sql) from None
    return next(iter(stmts[0]["stmt"].items())) if len(stmts) == 1 else None


def _rewrite_in_place(sql: str, rules: set[str], facts: dict,
                      tree: dict | None = None) -> Pieces | None:
    """CREATE INDEX -> CREATE INDEX CONCURRENTLY IF NOT EXISTS, DROP INDEX (of one index, no
    CASCADE) -> DROP INDEX CONCURRENTLY IF EXISTS, ADD CONSTRAINT ... FOREIGN KEY / CHECK ->
    ... NOT VALID, written into the user's own text: it keeps their formatting, and costs a
    tenth of parsing into pglast's objects and printing them back (lint writes this for every
    such finding). ADD UNIQUE / PRIMARY KEY, DROP INDEX of several indexes and SET NOT NULL,
    whose rewrites are new statements made of names and keywords, are written from the parse
    tree (see `_unique_from_tree`, `_drop_indexes_from_tree`, `_not_null_from_tree`). None:
    not such a statement, the deparse route decides. Raises Unprintable as `rewrite` does.
    `tree`: as for `rewrite`."""
    parsed = next(iter(tree.items())) if tree else _parsed_statement(sql)
    if parsed is None:
        return None
    kind, stmt = parsed
    if kind == "AlterTableStmt":
        # Its shape is known from the tree alone: a statement that steps aside is not scanned.
        constraints = _not_valid_constraints(stmt, rules)
        if constraints is not None and _by_partition(facts):
            return None  # each partition's key: written from the tree
        if constraints is not None:
            return _not_valid_in_place(sql, _tokens(sql), stmt, constraints, rules, facts)
        if "add-unique-constraint" in rules:
            pieces = _unique_from_tree(stmt, facts)
            if pieces is not None:
                return pieces
        return _not_null_from_tree(stmt, facts) if "set-not-null" in rules else None
    if kind == "DropStmt" and "drop-index-without-concurrently" in rules and \
            len(stmt.get("objects") or ()) > 1:
        return _drop_indexes_from_tree(stmt)
    tokens = _tokens(sql)
    pieces = Pieces()
    if kind == "IndexStmt" and "index-without-concurrently" in rules:
        # An unnamed index gets the name PostgreSQL would give it (`index_name`), written
        # after the keywords: a retry then finds the INVALID index a failed build left.
        name = stmt.get("idxname") or facts.get("index_name") or ""
        words = ["IF", "NOT", "EXISTS"] if name and not stmt.get("if_not_exists") else []
        text = _insert_after_index(sql, tokens, ("CREATE", "UNIQUE"), stmt, words,
                                   quote_ident(name) if name and not stmt.get("idxname")
                                   else "")
        if text is None:
            return None
        pieces.alone.append(text)
        pieces.notes.append(_index_note((stmt.get("relation") or {}).get("schemaname"), name))
        if tree:  # CONCURRENTLY, and IF NOT EXISTS for a named index (none without a name)
            pieces.trees[text] = {kind: {**stmt, "concurrent": True, **(
                {"if_not_exists": True, "idxname": name} if name else {})}}
        return pieces
    if kind == "ReindexStmt" and "reindex-without-concurrently" in rules:
        # `REINDEX TABLE CONCURRENTLY t` (PostgreSQL 12+; `REINDEX (CONCURRENTLY)` is 14+).
        if any(unwrap(p)[1].get("defname") == "concurrently" for p in stmt.get("params") or ()):
            return None  # `(CONCURRENTLY false)`: the option is replaced (the deparse route)
        at = next((i for i, t in enumerate(tokens) if t.name in _REINDEX_TARGETS), None)
        if at is None or (at + 1 < len(tokens) and tokens[at + 1].name == "CONCURRENTLY"):
            return None
        pieces.alone.append(_insert_after(sql, tokens, at, ["CONCURRENTLY"]))
        return pieces
    if kind == "DropStmt" and "drop-index-without-concurrently" in rules and \
            len(stmt.get("objects") or ()) == 1 and stmt.get("behavior") != "DROP_CASCADE":
        words = [] if stmt.get("missing_ok") else ["IF", "EXISTS"]
        text = _insert_after_index(sql, tokens, ("DROP",), stmt, words)
        if text is None:
            return None
        pieces.alone.append(text)
        if tree:
            pieces.trees[text] = {kind: {**stmt, "concurrent": True, "missing_ok": True}}
        return pieces
    return None


def _tokens(sql: str) -> list:
    """The scanner's tokens of `sql`, without its comments."""
    parser = _libpg.parser

    try:
        return [t for t in parser.scan(sql) if t.name not in _COMMENT_TOKENS]
    except parser.ParseError:
        raise Unprintable(sql) from None


def _not_valid_constraints(stmt: dict, rules: set[str]) -> list[dict] | None:
    """The constraints of an ALTER TABLE whose subcommands all add a FOREIGN KEY or CHECK,
    one of which a rule of `rules` adds NOT VALID; None for any other statement."""
    cmds = [unwrap(cmd)[1] for cmd in stmt.get("cmds") or ()]
    constraints = [unwrap(cmd.get("def")) for cmd in cmds
                   if cmd.get("subtype") == "AT_AddConstraint"]
    if not constraints or len(constraints) != len(cmds) or \
            any(kind != "Constraint" or con.get("contype") not in _NOT_VALID_RULES
                for kind, con in constraints) or \
            not any(_made_not_valid(con, rules) for _, con in constraints):
        return None
    return [con for _, con in constraints]


def _made_not_valid(con: dict, rules: set[str]) -> bool:
    """Whether a rule of `rules` adds this constraint NOT VALID (one already NOT VALID stays
    as it is)."""
    return _NOT_VALID_RULES[con["contype"]] in rules and not con.get("skip_validation")


def _not_valid_in_place(sql: str, tokens: list, stmt: dict, constraints: list[dict],
                        rules: set[str], facts: dict) -> Pieces | None:
    """NOT VALID after each of `constraints` (see `_not_valid_constraints`) its rule asks for
    (an unnamed one named as PostgreSQL would name it), each validated in the next migration,
    as `_rewrite_constraint` does. None when a constraint is not where the parse tree puts it
    or an unnamed one has no name: the deparse route decides."""
    names = list(facts.get("constraint_names") or ())
    if len(names) != len(constraints):
        names = [""] * len(constraints)  # not the statement the facts were made for
    starts = _constraint_starts(tokens, constraints)
    if starts is None:
        return None
    last = _last_token(tokens)
    # Each constraint ends where the next one's `, ADD` begins, the last one at the end.
    ends = [start - 3 for start in starts[1:]] + [last]
    relation = stmt.get("relation") or {}
    table_sql = _qualified_sql(relation.get("schemaname"), relation.get("relname"))
    pieces = Pieces()
    inserts: list[tuple[int, str]] = []
    for con, name, start, end in zip(constraints, names, starts, ends, strict=True):
        if not _made_not_valid(con, rules):
            continue
        name = con.get("conname") or name
        if not name:
            return None  # the deparse route writes it with a note instead of a later step
        keyword = sql[tokens[start].start:tokens[start].end + 1]
        if not con.get("conname"):
            inserts.append((tokens[start].start,
                            _in_case_of(keyword, "CONSTRAINT") + f" {quote_ident(name)} "))
        inserts.append((tokens[end].end + 1, " " + _in_case_of(keyword, "NOT VALID")))
        _validate_later(table_sql, name, pieces)
    pieces.main.append(_with_inserts(sql, tokens, last, inserts))
    return pieces


def _constraint_starts(tokens: list, constraints: list[dict]) -> list[int] | None:
    """The index of each constraint's first token (CONSTRAINT, or FOREIGN / CHECK when
    unnamed), each after an ADD that follows the previous constraint's `,`; None when the
    tokens are not where the parse tree says.

    Found by the tokens, not by the tree's locations (lint's trees have none, and parsing
    again to get them cost more than this): the first constraint is the first CONSTRAINT,
    FOREIGN or CHECK after an ADD (the three are reserved words, so no name before it is
    one), each next one the first after `, ADD` (no expression of a constraint holds one
    of them either)."""
    starts: list[int] = []
    for con in constraints:
        named = bool(con.get("conname"))
        first = "CONSTRAINT" if named else ("FOREIGN", "CHECK")[con["contype"] == "CONSTR_CHECK"]
        i = next((i for i in range(starts[-1] + 4 if starts else 1, len(tokens))
                  if tokens[i].name == first and tokens[i - 1].name == "ADD_P" and
                  (not starts or tokens[i - 2].name == "ASCII_44")), None)
        if i is None:
            return None
        starts.append(i)
    return starts


#: The keywords of each kind of key `_unique_via_index` builds CONCURRENTLY.
_KEY_WORDS = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY"}
#: The drops of an ALTER TABLE that move into the step attaching the new key.
_MOVED_DROPS = {"AT_DropConstraint": "DROP CONSTRAINT", "AT_DropColumn": "DROP COLUMN"}


def _unique_from_tree(stmt: dict, facts: dict) -> Pieces | None:
    """`_unique_via_index`'s statements for an ALTER TABLE that adds one UNIQUE or PRIMARY KEY
    over columns ([NULLS NOT DISTINCT], [INCLUDE], [WITH (...)], [USING INDEX TABLESPACE],
    [DEFERRABLE]), alone or with drops of constraints and columns, written from the parse
    tree: they are names, keywords and storage parameters only, so pglast's objects and
    printer are not needed. None for any other shape (another subcommand, a storage parameter
    of another form, an unnamed key without its name): the deparse route decides."""
    relation = stmt.get("relation") or {}
    if stmt.get("objtype") != "OBJECT_TABLE" or relation.get("catalogname"):
        return None
    cmds = [unwrap(cmd)[1] for cmd in stmt.get("cmds") or ()]
    adds = [cmd for cmd in cmds if cmd.get("subtype") == "AT_AddConstraint"]
    drops = [cmd for cmd in cmds if cmd.get("subtype") in _MOVED_DROPS]
    if len(adds) != 1 or len(adds) + len(drops) != len(cmds):
        return None
    kind, con = unwrap(adds[0].get("def"))
    if kind != "Constraint" or con.get("contype") not in _KEY_WORDS or \
            con.get("indexname") or not con.get("keys") or con.get("without_overlaps"):
        return None
    options = _storage_parameters_sql(con.get("options") or ())
    if options is None:
        return None
    names = facts.get("constraint_names") or ()
    name = con.get("conname") or (names[0] if len(names) == 1 else "")
    if not name:
        return None
    index_name = generated_name(name, None, "new") if drops else name
    table_sql = _qualified_sql(relation.get("schemaname"), relation.get("relname"))
    index = [f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(index_name)} ON "
             f"{table_sql} {_names_sql(con['keys'])}"]
    if con.get("including"):
        index.append(f"INCLUDE {_names_sql(con['including'])}")
    # CREATE INDEX's order (the constraint's NULLS NOT DISTINCT comes before its columns).
    if con.get("nulls_not_distinct"):
        index.append("NULLS NOT DISTINCT")
    if options:
        index.append(options)
    if con.get("indexspace"):
        index.append(f"TABLESPACE {quote_ident(con['indexspace'])}")
    attach = [_drop_sql(cmd) for cmd in drops]
    attach.append(f"ADD CONSTRAINT {quote_ident(name)} {_KEY_WORDS[con['contype']]} USING INDEX "
                  f"{quote_ident(index_name)}")
    if con.get("deferrable"):
        attach[-1] += " DEFERRABLE INITIALLY DEFERRED" if con.get("initdeferred") else \
            " DEFERRABLE"
    pieces = Pieces()
    pieces.alone.append(" ".join(index))
    pieces.notes.append(_index_note(relation.get("schemaname"), index_name))
    only = "" if relation.get("inh") else "ONLY "
    pieces.at(0).append(f"ALTER TABLE {only}{table_sql} {', '.join(attach)}")
    if con["contype"] == "CONSTR_PRIMARY":
        pieces.notes.append(PRIMARY_KEY_NOTE)
    return pieces


def _not_null_from_tree(stmt: dict, facts: dict) -> Pieces | None:
    """An ALTER TABLE of SET NOT NULL subcommands only: each column through a CHECK, as
    `_rewrite_command` does, from the parse tree's names. None for any other shape."""
    relation = stmt.get("relation") or {}
    cmds = [unwrap(cmd)[1] for cmd in stmt.get("cmds") or ()]
    if stmt.get("objtype") != "OBJECT_TABLE" or not cmds or \
            any(cmd.get("subtype") != "AT_SetNotNull" for cmd in cmds):
        return None
    table_sql = _qualified_sql(relation.get("schemaname"), relation.get("relname"))
    pieces = Pieces()
    for cmd in cmds:
        _not_null_path(table_sql, relation.get("relname"), cmd["name"], pieces, pieces.main, 0,
                       _pg_version(facts), facts)
    return pieces


def _storage_parameters_sql(options: list | tuple) -> str | None:
    """A key's `WITH (fillfactor = 70, deduplicate_items = off)` as SQL ("" without any);
    None for a parameter of a form not written here (a namespace, an expression)."""
    parameters = storage_parameters(options)
    return None if parameters is None else with_storage_parameters_sql(parameters)


def _names_sql(items: list) -> str:
    """A parse tree's list of names as SQL: `(a, "B")`."""
    return "(" + ", ".join(quote_ident(name) for name in strings(items)) + ")"


def _drop_sql(cmd: dict) -> str:
    """A DROP CONSTRAINT / DROP COLUMN subcommand of the parse tree as SQL."""
    missing_ok = " IF EXISTS" if cmd.get("missing_ok") else ""
    cascade = " CASCADE" if cmd.get("behavior") == "DROP_CASCADE" else ""
    return f"{_MOVED_DROPS[cmd['subtype']]}{missing_ok} {quote_ident(cmd['name'])}{cascade}"


def _drop_indexes_from_tree(stmt: dict) -> Pieces | None:
    """DROP INDEX of several indexes: one DROP INDEX CONCURRENTLY IF EXISTS for each (it takes
    one index), each name written from the parse tree. None with CASCADE, which DROP INDEX
    CONCURRENTLY does not take: the deparse route decides."""
    if stmt.get("behavior") == "DROP_CASCADE" or stmt.get("removeType") != "OBJECT_INDEX":
        return None
    pieces = Pieces()
    for index in stmt["objects"]:
        name = ".".join(quote_ident(part) for part in strings(unwrap(index)[1].get("items")))
        pieces.alone.append(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    return pieces


def _in_case_of(keyword: str, words: str) -> str:
    """`words` in the case the user wrote `keyword` in (lower case, or upper)."""
    return words.lower() if keyword.islower() else words


def _last_token(tokens: list) -> int:
    """The index of the statement's last token, not counting a `;` (which a statement a DO
    block's EXECUTE string runs may keep)."""
    last = len(tokens) - 1
    while tokens[last].name == "ASCII_59":
        last -= 1
    return last


def _with_inserts(sql: str, tokens: list, last: int, inserts: list[tuple[int, str]]) -> str:
    """`sql` from its first token to token `last` with each text written at its offset:
    cut there, since a trailing comment would swallow the `;` written after it."""
    out, at = [], tokens[0].start
    for offset, text in sorted(inserts):
        out += [sql[at:offset], text]
        at = offset
    out.append(sql[at:tokens[last].end + 1])
    return "".join(out)


def _index_note(schema: str | None, name: str) -> str:
    """The note on a failed CONCURRENTLY build of index `name` (of a table in `schema`, as
    written): how to retry it; the general one when the index has no name."""
    return invalid_index_note(_qualified_sql(schema, name)) if name else INVALID_INDEX_NOTE


def _insert_after_index(sql: str, tokens: list, before: tuple[str, ...], stmt: dict,
                        words: list[str], name: str = "") -> str | None:
    """`sql` with CONCURRENTLY (unless the statement has it) and then `words` written after
    its INDEX keyword (and the CONCURRENTLY there), in the case the user wrote INDEX in, then
    `name` as it is (SQL); cut at its last token, since a trailing comment would swallow the
    `;` written after it. None: the statement does not open with `before` keywords and
    INDEX."""
    at = 0
    while at < len(tokens) and tokens[at].name in before:
        at += 1
    if at == 0 or at >= len(tokens) or tokens[at].name != "INDEX":
        return None
    keyword = sql[tokens[at].start:tokens[at].end + 1]  # scan's offsets: characters, end inclusive
    if not stmt.get("concurrent"):
        words = ["CONCURRENTLY", *words]
    elif at + 1 < len(tokens) and tokens[at + 1].name == "CONCURRENTLY":
        at += 1  # what is added goes after the user's CONCURRENTLY
    else:
        return None
    return _insert_after(sql, tokens, at, words, keyword, name)


def _insert_after(sql: str, tokens: list, at: int, words: list[str],
                  keyword: str | None = None, name: str = "") -> str:
    """`sql` with `words` written after token `at`, in the case of `keyword` (that token's
    text by default), then `name` as it is; cut at its last token, since a trailing comment
    would swallow the `;` written after it."""
    keyword = keyword or sql[tokens[at].start:tokens[at].end + 1]
    last = _last_token(tokens)
    added = " ".join(filter(None, (_in_case_of(keyword, " ".join(words)), name)))
    return _with_inserts(sql, tokens, last, [(tokens[at].end + 1, " " + added)] if added else [])


def _validate_later(table_sql: str, name: str, pieces: Pieces) -> None:
    """The constraint added NOT VALID is validated in the next migration (a weak lock)."""
    pieces.at(0).append(f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {quote_ident(name)}")


def _partitioned_key(facts: dict) -> tuple[str, tuple[str, ...], tuple]:
    """What the per-partition rewrite of a partitioned table's foreign key reads of the
    action adding it: the table, its leaf partitions, the key's name on each."""
    return (facts.get("table") or "", tuple(facts.get("fk_leaf_partitions") or ()),
            tuple(facts.get("fk_leaf_key_names") or ()))


def statement_facts(actions: Iterable[Action]) -> dict:
    """What `rewrite` needs to know of a statement from the effect model: the facts of the
    column it changes or renames (old type, nullability, indexes) and the name of each
    constraint it adds, in order (PostgreSQL's own name for an unnamed one)."""
    facts: dict = {}
    names = []
    virtual = []  # generated columns PostgreSQL 18 would take as VIRTUAL
    checks: dict[str, str] = {}  # SET NOT NULL's (ADD COLUMN's) column -> its CHECK's name
    not_nulls: dict[str, str] = {}  # ... -> its NOT NULL constraint's name (PostgreSQL 18)
    not_valid: dict[str, str] = {}  # SET NOT NULL's column -> its NOT VALID NOT NULL's name
    column_names: dict[str, tuple[str, ...]] = {}  # ADD COLUMN's CHECK / REFERENCES / UNIQUE
    rewriting: list[str] | None = None  # ADD COLUMN's columns that rewrite the table
    choose: list[str] = []  # ADD COLUMN's NOT NULL columns without a default
    index_name = ""  # CREATE INDEX's, PostgreSQL's own for an unnamed one
    type_changes: dict[str, dict] = {}  # each ALTER COLUMN TYPE's column -> its facts
    # a partitioned table's foreign key's name -> the table, its leaf partitions and their
    # keys' names on each (`leaf_key_names`)
    partitioned_keys: dict[str, tuple[str, tuple[str, ...], tuple]] = {}
    elsewhere = False  # the table's rows are (also) in partitions or children
    children: tuple[str, ...] = ()  # its inheritance children
    for action in actions:
        elsewhere = elsewhere or bool(action.facts.get("rows_elsewhere"))
        children = children or tuple(action.facts.get("inheritance_children") or ())
        if action.kind == "alter_column_type":
            type_changes.setdefault(action.facts.get("column", ""), action.facts)
        if action.kind in ("alter_column_type", "rename_column") and not facts:
            facts.update(action.facts)
        elif action.kind == "create_index" and not index_name:
            index_name = action.facts.get("index_name") or ""
        elif action.kind == "add_constraint":
            names.append(action.facts.get("constraint") or "")
            if action.facts.get("constraint_type") == "foreign" and \
                    action.facts.get("partitioned_table"):
                partitioned_keys[action.facts.get("constraint") or ""] = _partitioned_key(
                    action.facts)
        elif action.kind == "add_column":
            rewriting = rewriting or []
            if action.facts.get("rewrites"):
                rewriting.append(action.facts.get("column"))
            if action.facts.get("virtual_allowed"):
                virtual.append(action.facts.get("column"))
            if action.facts.get("stand_in_default_sql"):  # NOT NULL without a default
                choose.append(action.facts.get("column"))
            if action.facts.get("scanning_constraint_names"):
                column_names[action.facts["column"]] = \
                    action.facts["scanning_constraint_names"]
                if action.facts.get("partitioned_table"):
                    partitioned_keys.update(dict.fromkeys(
                        action.facts["scanning_constraint_names"],
                        _partitioned_key(action.facts)))
        if action.kind in ("set_not_null", "add_column") and \
                action.facts.get("not_null_check"):
            checks[action.facts["column"]] = action.facts["not_null_check"]
            not_nulls[action.facts["column"]] = action.facts.get("not_null_constraint") or ""
        if action.kind == "set_not_null" and action.facts.get("not_valid_not_null"):
            not_valid[action.facts["column"]] = action.facts["not_valid_not_null"]
    facts["constraint_names"] = tuple(names)
    facts["partitioned_keys"] = partitioned_keys
    facts["rows_elsewhere"] = elsewhere
    facts["inheritance_children"] = children
    facts["column_constraint_names"] = column_names
    facts["virtual_allowed_columns"] = tuple(virtual)
    facts["values_to_choose"] = tuple(choose)
    if rewriting is not None:
        facts["rewriting_columns"] = tuple(rewriting)
    facts["not_null_checks"] = checks
    facts["not_null_constraints"] = not_nulls
    facts["not_valid_not_nulls"] = not_valid
    facts["index_name"] = index_name
    facts["type_changes"] = type_changes
    return facts


#: The integer type behind each serial type, and the type of its sequence.
_SERIAL_INTEGER = {"serial": "integer", "serial4": "integer", "bigserial": "bigint",
                   "serial8": "bigint", "smallserial": "smallint", "serial2": "smallint"}


def _rewrite_alter(stmt, rules: set[str], pieces: Pieces, facts: dict) -> Pieces | None:
    constraints = [cmd for cmd in stmt.cmds if _subtype(cmd) == "AT_AddConstraint"]
    names = list(facts.get("constraint_names") or ())
    if len(names) != len(constraints):
        names = [""] * len(constraints)  # not the statement the facts were made for
    name_of = {id(cmd): name for cmd, name in zip(constraints, names, strict=True)}
    # Drops of the statement (PostgreSQL runs them first): a key built CONCURRENTLY replaces
    # what they drop in one step, so the table is never without it in between.
    drops = [cmd for cmd in stmt.cmds if _subtype(cmd) in ("AT_DropConstraint", "AT_DropColumn")]
    kept: list = []
    changed = False
    # The type changes first: one rewritten as expand/contract takes the SET NOT NULL of its
    # column with it (whichever comes first), which is no longer the old column's to make.
    taken: set[int] = set()
    for cmd in stmt.cmds:
        if _subtype(cmd) == "AT_AlterColumnType" and \
                _rewrite_command(stmt, cmd, "", rules, pieces, facts, kept, drops):
            taken.add(id(cmd))
            taken.update(map(id, _companions(stmt, cmd.name, ("AT_SetNotNull",))))
    for cmd in stmt.cmds:
        if id(cmd) in taken:
            changed = True
        elif _subtype(cmd) == "AT_AlterColumnType" or not _rewrite_command(
                stmt, cmd, name_of.get(id(cmd), ""), rules, pieces, facts, kept, drops):
            kept.append(cmd)
        else:
            changed = True
    if not changed:
        return pieces if pieces.declined else None
    moved = {id(cmd) for cmd in pieces.moved_drops}
    kept = [cmd for cmd in kept if id(cmd) not in moved]
    late = _after_added_columns(stmt, kept)
    if late:
        kept = [cmd for cmd in kept if all(cmd is not c for c in late)]
        _run_last(stmt, late, pieces, facts)
    if kept:
        stmt.cmds = tuple(kept)
        pieces.main.insert(0, _sql(stmt))
    return pieces


#: The rewrites given to the subcommands that run after an added column's steps
#: (`_after_added_columns`), whatever rules the statement's findings name: each is written the
#: online way there too, so the alternative stays safe.
_CONSTRAINT_RULES = frozenset({"add-unique-constraint", "add-check-validated",
                               "add-foreign-key-validated"})


def _run_last(stmt, late: list, pieces: Pieces, facts: dict) -> None:
    """Subcommands `late` of `stmt` after the rewrite's last steps (the added column filled
    and NOT NULL): a key through an index built CONCURRENTLY once the backfill is done (with
    the rewrite's own step outside a transaction) and attached last, a CHECK or FOREIGN KEY
    NOT VALID then validated a migration later; written as they are when no such rewrite
    applies to them."""
    from pglast import ast

    last = max(len(pieces.later) - 1, 0)
    moved = ast.AlterTableStmt(relation=stmt.relation, cmds=tuple(late), objtype=stmt.objtype)
    sub = _rewrite_alter(moved, set(_CONSTRAINT_RULES), Pieces(), facts)
    if sub is None or not sub.rewritten():
        moved.cmds = tuple(late)
        pieces.at(last).append(_sql(moved))
        return
    pieces.at(last).extend(sub.main)
    pieces.alone.extend(sub.alone)
    for i, phase in enumerate(sub.later):
        pieces.at(last + i + bool(sub.main)).extend(phase)
    pieces.notes.extend(sub.notes)
    pieces.declined.extend(sub.declined)


def _after_added_columns(stmt, kept: list) -> list:
    """The subcommands of `kept` (those the statement keeps as written, which run before the
    rewrite's steps) that name a column the rewrite adds in its own steps (`ADD CONSTRAINT
    ... PRIMARY KEY (id)` beside a rewritten `ADD COLUMN id ...`): run before it, they fail
    ("column "id" ... does not exist"), so they go last, once the column is filled and NOT
    NULL (checked on 18.6); with them the DROP CONSTRAINT of a constraint one of them adds
    again under its name, so that a key swapped in one statement is still swapped in one.
    A DROP COLUMN of a column it adds again stays first (the add needs the name free)."""
    kept_ids = {id(cmd) for cmd in kept}
    added = {cmd.def_.colname for cmd in stmt.cmds
             if _subtype(cmd) == "AT_AddColumn" and id(cmd) not in kept_ids}
    if not added:
        return []
    late = [cmd for cmd in kept if _subtype(cmd) not in ("AT_DropColumn", "AT_DropConstraint")
            and (cmd.name in added or added & _identifiers_in(cmd.def_))]
    late_ids = {id(cmd) for cmd in late}
    readded = {getattr(cmd.def_, "conname", None) for cmd in late} - {None}
    return [cmd for cmd in kept if id(cmd) in late_ids or
            _subtype(cmd) == "AT_DropConstraint" and cmd.name in readded]


def _rewrite_command(stmt, cmd, constraint_name: str, rules: set[str], pieces: Pieces,
                     facts: dict, kept: list, drops: list) -> bool:
    """Rewrite one ALTER TABLE subcommand into `pieces` (what stays in the statement goes to
    `kept`); False: it has no rewrite and stays as written."""
    sub = _subtype(cmd)
    if sub == "AT_AddConstraint":
        return _rewrite_constraint(stmt, cmd, constraint_name, rules, pieces, kept, drops,
                                   facts)
    if sub == "AT_AlterColumnType":
        if "column-type-change-rewrites" not in rules:
            return False
        touching = _touching_type_changes(stmt)
        if touching:
            pieces.declined.append(
                f"{cmd.name}: the statement also runs "
                f"{'; '.join(_alone_sql(stmt, c) for c in touching)}, which "
                "names or reads a column whose type it changes: the expand/contract rewrite's "
                "contract step would drop it with the old column (or fail); no expand/contract "
                "rewrite of the type change")
            return False
        column_facts = _type_change_facts(stmt, cmd, facts)
        if column_facts is None:
            return False
        shared = _indexes_shared(stmt, cmd.name, column_facts)
        if shared:
            pieces.declined.append(
                f"{cmd.name}: index {', '.join(shared)} also reads another column whose type "
                "the statement changes: the contract step of each would drop the index built "
                "over the other's new column; no expand/contract rewrite")
            return False
        return _rewrite_type_change(stmt, cmd, column_facts, pieces)
    if sub == "AT_ValidateConstraint" and "validate-in-combined-alter" in rules and \
            len(stmt.cmds) > 1:
        # Alone it takes SHARE UPDATE EXCLUSIVE, after the others' stronger lock is gone.
        only = "" if stmt.relation.inh else "ONLY "
        pieces.at(0).append(f"ALTER TABLE {only}{_table_sql(stmt.relation)} VALIDATE "
                            f"CONSTRAINT {quote_ident(cmd.name)}")
        return True
    if sub == "AT_SetNotNull" and "set-not-null" in rules:
        _not_null_path(_table_sql(stmt.relation), stmt.relation.relname, cmd.name, pieces,
                       pieces.main, 0, _pg_version(facts), facts)
        return True
    # A column whose default is stored once (a constant, now()) is added instantly as
    # written: backfilled in batches, each would get another now() (facts unknown: all are).
    if sub == "AT_AddColumn" and "add-column-volatile-default" in rules and \
            cmd.def_.colname in facts.get("rewriting_columns", (cmd.def_.colname,)):
        generated = _only_generated(cmd.def_)
        if generated is not None:
            return _rewrite_generated_column(stmt, cmd, generated, pieces, facts, kept)
        return _rewrite_add_column(stmt, cmd, pieces, facts)
    if sub == "AT_AddColumn" and "add-column-with-constraint" in rules:
        if cmd.def_.colname in facts.get("values_to_choose", ()):
            return _outline_values_to_choose(stmt, cmd, pieces, facts)
        return _rewrite_column_constraints(stmt, cmd, pieces, facts, kept)
    return False


#: The subcommands on a column whose type changes that its expand/contract rewrite carries
#: over to the new column.
_CARRIED = ("AT_SetNotNull", "AT_DropNotNull", "AT_ColumnDefault")


def _type_change_facts(stmt, cmd, facts: dict) -> dict | None:
    """The facts of type change `cmd`, to rewrite it as expand/contract; None to leave it as
    written. In a statement of several subcommands (none of them naming or reading a column
    whose type changes but to set or drop its NOT NULL or default: `_touching_type_changes`),
    each type change that rewrites the table is rewritten, with its column's facts, what
    those subcommands make of the column counted in (`_carried_facts`); the subcommands on
    other columns stay in the statement, each judged (and rewritten) on its own."""
    changed = [c.name for c in stmt.cmds if _subtype(c) == "AT_AlterColumnType"]
    if len(set(changed)) != len(changed):
        return None
    if len(stmt.cmds) == 1:
        return facts
    own = (facts.get("type_changes") or {}).get(cmd.name)
    if own is None or not own.get("rewrites"):
        return None
    return {**facts, **own, **_carried_facts(_companions(stmt, cmd.name, _CARRIED), own)}


def _alone_sql(stmt, cmd) -> str:
    """Subcommand `cmd` of ALTER TABLE `stmt` as a statement of its own (pglast prints some
    subcommands only inside one)."""
    from pglast import ast

    return _sql(ast.AlterTableStmt(relation=stmt.relation, cmds=(cmd,), objtype=stmt.objtype))


def _touching_type_changes(stmt) -> list:
    """The subcommands of `stmt` beside its type changes that name or read a column whose
    type it changes (a CHECK or key over it, a generated column reading it, SET STATISTICS
    of it), but for the SET / DROP NOT NULL and SET / DROP DEFAULT its rewrite carries over:
    the contract step's DROP COLUMN would drop what they make with the old column. Any
    identifier written in a subcommand counts (a referenced table's column of the same name
    too): an expand/contract rewrite is declined rather than lose a constraint."""
    changed = {c.name for c in stmt.cmds if _subtype(c) == "AT_AlterColumnType"}
    return [c for c in stmt.cmds if _subtype(c) != "AT_AlterColumnType"
            and not (_subtype(c) in _CARRIED and c.name in changed)
            and (c.name in changed or changed & _identifiers_in(c.def_))]


def _identifiers_in(node) -> set[str]:
    """Every name a pglast node writes (its String nodes: column references, key columns,
    type and function names)."""
    from pglast import ast

    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.String):
            found.add(item.sval)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, ast.Node):
            stack.extend(getattr(item, attr) for attr in item)
    return found


def _indexes_shared(stmt, column: str, facts: dict) -> list[str]:
    """The indexes over `column` that also read another column whose type `stmt` changes."""
    others = {c.name for c in stmt.cmds if _subtype(c) == "AT_AlterColumnType"} - {column}
    return [idx.name.split(".", 1)[1] for idx in facts.get("column_indexes") or ()
            if others & {*idx.columns, *idx.reads}]


def _companions(stmt, column: str, kinds: tuple[str, ...]) -> list:
    """The subcommands of `stmt` of `kinds` on `column`."""
    return [c for c in stmt.cmds if _subtype(c) in kinds and c.name == column]


def _carried_facts(companions: list, facts: dict) -> dict:
    """The new column's NOT NULL and default (`column_not_null`, `column_default_sql`,
    `column_has_default`) once the statement's `companions` (SET / DROP NOT NULL, SET / DROP
    DEFAULT of the column whose type changes, in order) changed the old column's (`facts`).
    The others stay in the statement, run on the old column: the application writes that one
    until the contract step, and its inserts take the default the statement sets."""
    carried: dict = {}
    for cmd in companions:
        sub = _subtype(cmd)
        if sub in ("AT_SetNotNull", "AT_DropNotNull"):
            carried["column_not_null"] = sub == "AT_SetNotNull"
        else:  # SET DEFAULT (an expression) or DROP DEFAULT (none)
            carried["column_default_sql"] = _sql(cmd.def_) if cmd.def_ is not None else ""
            carried["column_has_default"] = cmd.def_ is not None
    return {**{key: facts.get(key) for key in carried}, **carried}


def _subtype(cmd) -> str:
    return getattr(cmd.subtype, "name", str(cmd.subtype))


def _rewrite_constraint(stmt, cmd, default_name: str, rules: set[str], pieces: Pieces,
                        kept: list, drops: list, facts: dict) -> bool:
    """ADD CONSTRAINT: a FOREIGN KEY or CHECK added NOT VALID and validated later; a UNIQUE
    or PRIMARY KEY built as a unique index CONCURRENTLY, then attached. Every clause the user
    wrote stays (ON DELETE, DEFERRABLE, INCLUDE, NULLS NOT DISTINCT, ...); an unnamed
    constraint takes the name PostgreSQL would give it, so that the later step can name it."""
    from pglast import ast

    con = cmd.def_
    if not isinstance(con, ast.Constraint):
        return False
    kind = con.contype.name
    if _NOT_VALID_RULES.get(kind) in rules and not con.skip_validation:
        if kind == "CONSTR_FOREIGN" and _by_partition(facts):
            name = con.conname or default_name
            if not _partitions_known(stmt, name, facts, pieces, cmd):
                return False
            _foreign_key_by_partition(stmt, cmd, name, facts, pieces)
            return True
        con.conname = con.conname or default_name or None
        con.skip_validation = True
        con.initially_valid = False
        kept.append(cmd)
        if con.conname:
            _validate_later(_table_sql(stmt.relation), con.conname, pieces)
        else:
            pieces.notes.append("name the constraint so that it can be validated later")
        return True
    if kind in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and "add-unique-constraint" in rules and \
            not con.indexname and con.keys and not con.without_overlaps:
        return _unique_via_index(stmt, cmd, con.conname or default_name, pieces, drops)
    return False


def _by_partition(facts: dict) -> bool:
    """Whether the statement adds a foreign key to a partitioned table for a server that
    refuses NOT VALID there (before PostgreSQL 18: its release notes)."""
    return bool(facts.get("partitioned_keys")) and _pg_version(facts) < 18


def _partitions_known(stmt, name: str, facts: dict, pieces: Pieces, cmd=None) -> bool:
    """Whether the catalog knows the leaf partitions of the partitioned table that foreign
    key `name` is added to; else why it is left as written (in `pieces.declined`), and, for
    key `cmd` (ADD CONSTRAINT), its steps with a stand-in for the partitions and the query
    that lists them (in `pieces.outline`): the server refuses the NOT VALID key on the table
    itself."""
    from lockwise.effects.foreign_keys import leaf_partitions_query

    _, leaves, _ = (facts.get("partitioned_keys") or {}).get(name, ("", (), ()))
    if name and leaves:
        return True
    table_sql = _table_sql(stmt.relation)
    pieces.declined.append(
        f"{table_sql} is partitioned and PostgreSQL before 18 refuses NOT "
        "VALID on its foreign key: add the key NOT VALID to each partition, VALIDATE "
        "CONSTRAINT each in a later migration, then add it to the table, which takes them "
        "over without reading them (lockwise knows none of its partitions)")
    if cmd is not None and name:
        pieces.outline = Pieces()
        _foreign_key_by_partition(stmt, cmd, name, facts, pieces.outline,
                                  [quote_ident(f"<each partition of {stmt.relation.relname}>")])
        pieces.outline.notes.append("the leaf partitions, each to write in place of the "
                                    "stand-in: "
                                    + leaf_partitions_query(table_sql, _pg_version(facts)))
    return False


def _foreign_key_by_partition(stmt, cmd, name: str, facts: dict, pieces: Pieces,
                              parts: list[str] | None = None) -> None:
    """Before PostgreSQL 18, foreign key `cmd` (ADD CONSTRAINT) of a partitioned table, named
    `name`: added NOT VALID to each leaf partition (`parts`, SQL; by default those the
    catalog knows, see `_partitions_known`) under the name its clone takes there
    (`leaf_key_names`), validated there in the next migration, and then added to the table as
    written, which takes the partitions' validated keys over without reading them (checked
    on the server)."""
    from lockwise.effects.foreign_keys import partition_key_steps

    con = cmd.def_
    con.conname = name
    valid = _sql(con)
    con.conname = None
    con.skip_validation = True
    con.initially_valid = False
    if parts is None:
        # (one in another schema than the table: qualified, the table's search path need not
        # find it)
        table, _, leaves = facts["partitioned_keys"][name]
        named = [(relation_sql(leaf, table, bool(stmt.relation.schemaname)), own, held)
                 for key, leaf, own, held in leaves if key == name]
    else:
        named = [(part, name, "") for part in parts]
    keys, validated, whole = partition_key_steps(named, _table_sql(stmt.relation), _sql(con),
                                                 valid)
    con.conname = name
    pieces.main.extend(keys)
    pieces.at(0).extend(validated)
    pieces.at(1).extend(whole)


def _unique_via_index(stmt, cmd, name: str, pieces: Pieces, drops: list,
                      phase: int = 0) -> bool:
    """CREATE UNIQUE INDEX CONCURRENTLY (outside a transaction), then ADD CONSTRAINT ...
    USING INDEX, which takes ACCESS EXCLUSIVE only for an instant. The index has the
    constraint's name: attaching it renames the index to the constraint's name anyway.

    With `drops` (the statement's DROP CONSTRAINT / DROP COLUMN, which may drop the key being
    replaced): they move into the attaching step, so the table keeps its old key until the
    new one takes over; the index gets a name of its own until then (the old key may still
    hold the constraint's).

    `phase`: the later phase the attaching step runs in (a PRIMARY KEY's columns made NOT
    NULL in the phases before it: then it reads nothing)."""
    from pglast import ast, enums

    if not name:
        return False
    con = cmd.def_
    index_name = generated_name(name, None, "new") if drops else name

    def column(key):
        return ast.IndexElem(name=key.sval, ordering=enums.SortByDir.SORTBY_DEFAULT,
                             nulls_ordering=enums.SortByNulls.SORTBY_NULLS_DEFAULT)

    relation = ast.RangeVar(schemaname=stmt.relation.schemaname, relname=stmt.relation.relname,
                            inh=True, relpersistence="p")
    index = ast.IndexStmt(
        idxname=index_name, relation=relation, accessMethod="btree",
        indexParams=tuple(map(column, con.keys)),
        indexIncludingParams=tuple(map(column, con.including or ())),
        options=con.options, tableSpace=con.indexspace, unique=True,
        nulls_not_distinct=con.nulls_not_distinct, concurrent=True, if_not_exists=True)
    pieces.alone.append(_sql(index))
    pieces.notes.append(_index_note(stmt.relation.schemaname, index_name))
    con.conname, con.indexname = name, index_name
    con.keys = con.including = con.options = con.indexspace = None
    con.nulls_not_distinct = False
    pieces.moved_drops.extend(drops)
    attach = ast.AlterTableStmt(relation=stmt.relation, cmds=(*drops, cmd),
                                objtype=stmt.objtype)
    pieces.at(phase).append(_sql(attach))
    if con.contype.name == "CONSTR_PRIMARY" and not phase:
        pieces.notes.append(PRIMARY_KEY_NOTE)
    return True


#: How a note names the column constraints ADD COLUMN's rewrite does not handle.
_COLUMN_CONSTRAINT_WORDS = {
    "CONSTR_CHECK": "a CHECK", "CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY",
    "CONSTR_FOREIGN": "REFERENCES", "CONSTR_IDENTITY": "GENERATED ... AS IDENTITY",
    "CONSTR_GENERATED": "GENERATED ALWAYS AS", "CONSTR_EXCLUSION": "EXCLUDE",
}


def _add_column_sql(table_sql: str, cmd) -> str:
    """`ALTER TABLE ... ADD COLUMN` of AlterTableCmd `cmd`'s column, up to its name, with
    the IF NOT EXISTS the statement was written with (a re-runnable migration stays so)."""
    if_not_exists = "IF NOT EXISTS " if cmd.missing_ok else ""
    return f"ALTER TABLE {table_sql} ADD COLUMN {if_not_exists}{quote_ident(cmd.def_.colname)}"


def _rewrite_add_column(stmt, cmd, pieces: Pieces, facts: dict,
                        chosen_sql: str | None = None) -> bool:
    """A column whose default rewrites the table: added without it (instant), the default
    set for new rows, the old rows backfilled in batches, then NOT NULL through a CHECK.
    A serial column is its integer type with a sequence PostgreSQL would have made.
    `chosen_sql`: for a NOT NULL column without a default, what the backfill writes (the
    values the user chooses, see `_outline_values_to_choose`); no default is set."""
    table_sql, table_name = _table_sql(stmt.relation), stmt.relation.relname
    coldef = cmd.def_
    constraints = coldef.constraints or ()
    default = next((c for c in constraints if c.contype.name == "CONSTR_DEFAULT"), None)
    not_null = any(c.contype.name in ("CONSTR_NOTNULL", "CONSTR_PRIMARY") for c in constraints)
    other = [c for c in constraints if c.contype.name not in ("CONSTR_DEFAULT", "CONSTR_NOTNULL")]
    serial = _SERIAL_INTEGER.get(coldef.typeName.names[-1].sval) \
        if len(coldef.typeName.names) == 1 and not coldef.typeName.arrayBounds else None
    # A CHECK, REFERENCES or UNIQUE beside the default is added the online way: a CHECK or
    # FOREIGN KEY NOT VALID at once (it judges the rows written from then on, the backfill's
    # too), validated in a later migration; the unique index is built after the backfill.
    scanning = _scanning_constraint_names(stmt, coldef, facts, pieces) if other else None
    # (a PRIMARY KEY only in the outline: fix leaves a volatile default's key as written)
    if scanning is not None and len(scanning[0]) == len(other) and (chosen_sql is not None or all(
            c.contype.name != "CONSTR_PRIMARY" for c in scanning[0])):
        other = []
    else:
        scanning = None
    if other:
        what = sorted({_COLUMN_CONSTRAINT_WORDS.get(c.contype.name, "a constraint")
                       for c in other})
        pieces.declined.append(
            f"{coldef.colname} is added with {' and '.join(what)}, which has no mechanical "
            "rewrite: add the column without it, backfill it, then add the constraint the "
            "safe way (CHECK / FOREIGN KEY NOT VALID + VALIDATE, a unique index CONCURRENTLY "
            "+ USING INDEX)")
        return False
    if chosen_sql is None and (default is None) == (serial is None):
        return False  # no default to move out of the way (or PostgreSQL refuses it anyway)
    col = quote_ident(coldef.colname)
    if chosen_sql is not None:
        value, type_sql = chosen_sql, _sql(coldef.typeName)
    elif serial is not None:
        # What ADD COLUMN ... serial does, in steps: its sequence, named as PostgreSQL names
        # it, owned by the column, and NOT NULL.
        sequence = generated_name(table_name, coldef.colname, "seq")
        sequence_sql = ".".join(quote_ident(p) for p in (stmt.relation.schemaname, sequence)
                                if p)
        value = "nextval(" + _literal(sequence_sql) + "::regclass)"
        type_sql = serial
        not_null = True
        pieces.main.append(f"CREATE SEQUENCE {sequence_sql} AS {serial}")
    else:
        value = _sql(default.raw_expr)
        type_sql = _sql(coldef.typeName)
    if coldef.collClause is not None:
        type_sql += " " + _sql(coldef.collClause)
    pieces.main.append(f"{_add_column_sql(table_sql, cmd)} {type_sql}")
    if serial is not None:
        pieces.main.append(f"ALTER SEQUENCE {sequence_sql} OWNED BY {table_sql}.{col}")
    if chosen_sql is None:
        pieces.main.append(f"ALTER TABLE {table_sql} ALTER COLUMN {col} SET DEFAULT {value}")
    pieces.alone.append(batched_backfill(table_sql, coldef.colname, value,
                                         pg_version=_pg_version(facts),
                                         spread_name=_spread_name(stmt.relation, facts)))
    checks: list[str] = []
    if not_null:
        # The CHECK comes after the backfill: NOT VALID still checks every UPDATE, and
        # an application update of a row not yet backfilled would fail it.
        _not_null_path(table_sql, table_name, coldef.colname, pieces, checks, 1,
                       _pg_version(facts), facts)
    if scanning is not None:
        # (a PRIMARY KEY is attached where the NOT NULL steps end, in phase 1)
        _add_column_constraints_online(stmt, coldef.colname, *scanning, pieces, facts,
                                       1 if not_null else 0)
    if checks:
        # After the VALIDATEs of its migration: one after it would read the table under
        # the ACCESS EXCLUSIVE lock it takes for an instant.
        pieces.at(0).extend(checks)
    return True


def _outline_values_to_choose(stmt, cmd, pieces: Pieces, facts: dict) -> bool:
    """A NOT NULL column without a default that has a key, a CHECK or a REFERENCES: the
    values its existing rows get are the user's to choose, and no constant stands in for
    them (a unique key or a foreign key refuses one value for every row). The outline adds
    it nullable, has the user's values written in batches (`value_stand_in`, a name no table
    has, in their place), then adds each constraint the online way and makes the column NOT
    NULL through a validated CHECK. `lockwise fix` leaves the statement as written; lint
    offers the outline (`Pieces.outline`)."""
    coldef = cmd.def_
    if not any(c.contype.name in _SCANNING_LABELS for c in coldef.constraints or ()):
        return False  # (a constant DEFAULT, the template's, serves a column without them)
    outline = Pieces()
    chosen = quote_ident(value_stand_in(coldef.colname))
    if not _rewrite_add_column(stmt, cmd, outline, facts, chosen):
        return False
    pieces.declined.append(
        f"{coldef.colname} is NOT NULL without a DEFAULT: the values its existing rows get "
        "are yours to choose")
    outline.notes.insert(0, f"replace {chosen} with what each existing row gets (a constant "
                            "satisfies neither a unique key nor a foreign key), and have the "
                            f"application write {quote_ident(coldef.colname)} in every new "
                            "row before the NOT NULL step")
    pieces.outline = outline
    return False


#: The column constraints ADD COLUMN checks against every row, and the label PostgreSQL
#: names an unnamed one with.
_SCANNING_LABELS = {"CONSTR_CHECK": "check", "CONSTR_FOREIGN": "fkey", "CONSTR_UNIQUE": "key",
                    "CONSTR_PRIMARY": "pkey"}


def _rewrite_column_constraints(stmt, cmd, pieces: Pieces, facts: dict, kept: list) -> bool:
    """ADD COLUMN with a CHECK, REFERENCES or UNIQUE that reads every row: the column is
    added with its type, DEFAULT and NOT NULL only (instant without a rewrite), then each
    constraint the online way, under the name PostgreSQL gives it: a CHECK or FOREIGN KEY
    NOT VALID, validated in the next migration; a UNIQUE as a unique index built
    CONCURRENTLY, then attached. The ADD COLUMN stays in its statement (`kept`)."""
    coldef = cmd.def_
    constraints = coldef.constraints or ()
    scanning = _scanning_constraint_names(stmt, coldef, facts, pieces)
    if scanning is None or any(c.contype.name == "CONSTR_PRIMARY" for c in scanning[0]):
        return False  # (a key of a column with a DEFAULT: every row has the same value)
    moved, names = scanning
    coldef.constraints = tuple(c for c in constraints if c not in moved) or None
    kept.append(cmd)
    _add_column_constraints_online(stmt, coldef.colname, moved, names, pieces, facts)
    return True


def _scanning_constraint_names(stmt, coldef, facts: dict,
                               pieces: Pieces) -> tuple[list, tuple[str, ...]] | None:
    """The column's constraints that read every row (CHECK, REFERENCES, UNIQUE, PRIMARY
    KEY), with the names PostgreSQL gives them; None when there are none, or their names
    are not known one by one, or a REFERENCES of a partitioned table whose partitions are
    not known needs them (`_partitions_known`)."""
    constraints = coldef.constraints or ()
    moved = [c for c in constraints if c.contype.name in _SCANNING_LABELS]
    if not moved:
        return None
    names = (facts.get("column_constraint_names") or {}).get(coldef.colname, ())
    if len(names) != len(moved) or len(set(names)) != len(names):
        return None  # two unnamed constraints of a kind: named one after the other
    if _by_partition(facts) and not all(
            _partitions_known(stmt, name, facts, pieces)
            for con, name in zip(moved, names, strict=True)
            if con.contype.name == "CONSTR_FOREIGN"):
        return None
    return moved, names


def _add_column_constraints_online(stmt, column_name: str, moved: list,
                                   names: tuple[str, ...], pieces: Pieces,
                                   facts: dict, key_phase: int = 0) -> None:
    """The constraints `moved` of a column added without them, each the online way: a CHECK
    or FOREIGN KEY NOT VALID, validated in the next migration (before PostgreSQL 18, a
    partitioned table's foreign key on each partition, see `_foreign_key_by_partition`); a
    UNIQUE as a unique index built CONCURRENTLY, then attached; a PRIMARY KEY likewise, once
    the column is NOT NULL (`key_phase`: the later phase that makes it so)."""
    from pglast import ast, enums

    column = ast.String(sval=column_name)
    table_sql = _table_sql(stmt.relation)
    for con, name in zip(moved, names, strict=True):
        con.conname = name
        add = ast.AlterTableCmd(subtype=enums.AlterTableType.AT_AddConstraint, def_=con,
                                behavior=enums.DropBehavior.DROP_RESTRICT)
        if con.contype.name in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
            con.keys = (column,)
            _unique_via_index(stmt, add, name, pieces, [],
                              key_phase if con.contype.name == "CONSTR_PRIMARY" else 0)
            continue
        if con.contype.name == "CONSTR_FOREIGN":
            con.fk_attrs = (column,)
            if _by_partition(facts):
                _foreign_key_by_partition(stmt, add, name, facts, pieces)
                continue
        con.skip_validation, con.initially_valid = True, False
        pieces.main.append(_sql(ast.AlterTableStmt(relation=stmt.relation, cmds=(add,),
                                                   objtype=stmt.objtype)))
        _validate_later(table_sql, name, pieces)


def _only_generated(coldef):
    """The column's GENERATED ALWAYS AS (...) STORED constraint when it has no constraint
    beside it (NOT NULL, a key, a CHECK have no rewrite of their own here); else None."""
    constraints = coldef.constraints or ()
    if len(constraints) == 1 and constraints[0].contype.name == "CONSTR_GENERATED" and \
            constraints[0].generated_kind != "v":
        return constraints[0]
    return None


def _rewrite_generated_column(stmt, cmd, generated, pieces: Pieces, facts: dict,
                              kept: list) -> bool:
    """A STORED generated column computes every existing row under ACCESS EXCLUSIVE. From
    PostgreSQL 18 the same column VIRTUAL is computed when read and added without a rewrite
    (checked on the server), where its type and functions are built-in. Otherwise: a plain
    column a trigger keeps computed, the old rows backfilled in batches by the expression."""
    coldef = cmd.def_
    virtual_allowed = coldef.colname in (facts.get("virtual_allowed_columns") or ())
    if virtual_allowed and _pg_version(facts) >= 18:
        generated.generated_kind = "v"
        kept.append(cmd)
        pieces.notes.append("a VIRTUAL column is computed when read: it cannot be indexed, "
                            "and reads pay for the expression")
        return True
    table_sql, col = _table_sql(stmt.relation), quote_ident(coldef.colname)
    value = _sql(generated.raw_expr)
    function = ".".join(quote_ident(p) for p in (
        stmt.relation.schemaname,
        generated_name(stmt.relation.relname, coldef.colname, "compute")) if p)
    trigger = quote_ident(generated_name(stmt.relation.relname, coldef.colname, "compute"))
    pieces.main.append(f"{_add_column_sql(table_sql, cmd)} {_sql(coldef.typeName)}")
    pieces.main.append(
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $lockwise$\n"
        f"BEGIN\n  NEW.{col} := {_sql(_on_new_row(generated.raw_expr))};\n  RETURN NEW;\n"
        "END\n$lockwise$")
    # (on each inheritance child too: the parent's trigger does not fire for its rows)
    pieces.main.extend(f"CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON {target} "
                       f"FOR EACH ROW EXECUTE FUNCTION {function}()"
                       for target in (table_sql, *map(_child_sql, facts.get(
                           "inheritance_children") or ())))
    pieces.alone.append(batched_backfill(table_sql, coldef.colname, value,
                                         pg_version=_pg_version(facts),
                                         spread_name=_spread_name(stmt.relation, facts)))
    pieces.notes.append(f"unlike a generated column, {col} can be written: the trigger "
                        "overwrites what is written")
    if virtual_allowed:
        pieces.notes.append("from PostgreSQL 18, GENERATED ALWAYS AS (...) VIRTUAL is added "
                            "instantly (computed when read, not indexable)")
    return True


def _on_new_row(expr):
    """`expr` with each column reference (`users.email`, `email`) read from the trigger's
    NEW row."""
    from pglast import ast
    from pglast.visitors import Visitor

    class OnNewRow(Visitor):
        def visit_ColumnRef(self, ancestors, node):  # noqa: N802 - pglast's visitor naming
            return ast.ColumnRef(fields=(ast.String(sval="new"), node.fields[-1]))

    return OnNewRow()(expr)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
