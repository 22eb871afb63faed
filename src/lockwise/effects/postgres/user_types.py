"""Types the migrations define: CREATE TYPE, ALTER TYPE of an enum (ADD / RENAME VALUE) or
of a composite type (its attributes), CREATE and ALTER DOMAIN."""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import generated_name
from lockwise.catalog.user_types import (
    domain_check_name,
    multirange_type_name,
    typed_table_trees,
)
from lockwise.effects.nodes import (
    JoinedSql,
    PrintedSql,
    format_type,
    object_name,
    range_var,
    strings,
    type_sql,
    type_var,
    unwrap,
)
from lockwise.effects.postgres.builder import (
    Builder,
    L,
    already_exists,
    name_taken,
    row_key_facts,
    schema_used,
)
from lockwise.effects.postgres.columns import column_type_change
from lockwise.effects.postgres.missing_objects import missing_in_domain
from lockwise.parse.quoting import (
    NEXT_MIGRATION,
    quote_ident,
    quote_literal,
    quote_qualified,
    relation_sql,
    truncate_identifier,
)


def alter_composite_type(b: Builder, type_name: str, stmt: dict) -> dict:
    """ALTER TYPE t ADD / DROP / ALTER ATTRIBUTE of a composite type (checked on the server).
    A subcommand with CASCADE alters the tables of that type, and what inherits from them,
    each ACCESS EXCLUSIVE, as the same ALTER TABLE subcommand would: ALTER ATTRIBUTE ... TYPE
    rewrites them unless the values are kept, DROP ATTRIBUTE drops the views using the
    column. DROP ATTRIBUTE ... CASCADE also drops what depends on the attribute, such as a
    CHECK over a column of that type: the tables with a CHECK reading such a column are
    locked (the model does not know which attribute the CHECK reads: it counts them all).
    The facts that say when the server refuses it (`composite_refusal`), and which tables
    of a live table it rewrites or reads again (`rewritten`, `rewrite_reason`; the rows of
    a table this migration created are not worth judging)."""
    catalog = b.ctx.catalog
    if misread := misread_array_type(catalog, "AlterTableStmt", stmt, written_relation(stmt),
                                     "composite"):
        return misread
    cmds = [unwrap(c)[1] for c in stmt.get("cmds") or ()]
    heavy: dict[str, str] = {}
    # ALTER ATTRIBUTE takes no USING: a typed table's column without an assignment cast to
    # the new type refuses it, empty or not (checked on the server).
    uncastable: list[str] = []
    for table, tree in typed_table_trees(catalog, {"AlterTableStmt": stmt}):
        for rel in _with_children(catalog, table):
            b.lock(rel, L.ACCESS_EXCLUSIVE)
            b.alters.add(f"table:{rel}")
            for cmd in (unwrap(c)[1] for c in tree["AlterTableStmt"]["cmds"]):
                if cmd.get("subtype") == "AT_AlterColumnType":
                    change = column_type_change(b, rel, cmd["name"], unwrap(cmd.get("def"))[1])
                    if change.refused and table == rel:
                        uncastable.append(f"in typed table {rel}, {change.why} and ALTER "
                                          "ATTRIBUTE takes no USING")
                    if (change.rewrites or change.read_again) and not b.ctx.table_is_new(rel):
                        heavy.setdefault(rel, f"{rel}: " + (
                            f"rewritten ({change.why})" if change.rewrites
                            else f"read ({change.read_again})"))
                elif cmd.get("subtype") == "AT_DropColumn" and table == rel:
                    for view in catalog.views_using_column(rel, cmd.get("name", "")):
                        b.lock(view, L.ACCESS_EXCLUSIVE)  # dropped with the column
    if any(cmd.get("subtype") == "AT_DropColumn" and cmd.get("behavior") == "DROP_CASCADE"
           for cmd in cmds):
        for table, column in catalog.columns_of_type(type_name):
            known = catalog.tables[table]
            if any(con.kind == "check" and column in con.reads
                   for con in known.constraints.values()):
                b.lock(table, L.ACCESS_EXCLUSIVE)
    retyped = [(cmd.get("name", ""), cmd) for cmd in cmds
               if cmd.get("subtype") == "AT_AlterColumnType"]
    facts = composite_refusal(b, type_name, {"AlterTableStmt": stmt}, retyped)
    if uncastable:
        refused_by = (*facts["refused_by"], *uncastable)
        facts.update(refused_by=refused_by, refused_by_text="; ".join(refused_by))
    if (heavy or uncastable) and not facts["alter_type_sql"]:
        facts["alter_type_sql"] = _retype_through_new_attribute(
            b, type_name, retyped, [], catalog.typed_tables(type_name))
    return {**facts, "rewritten": tuple(heavy), "rewrite_reason": "; ".join(heavy.values())}


def rename_attribute(b: Builder, stmt: dict) -> dict:
    """ALTER TYPE t RENAME ATTRIBUTE of a composite type: with CASCADE its typed tables, and
    what inherits from them, rename the column too, each ACCESS EXCLUSIVE. The facts that
    say when the server refuses it (`composite_refusal`)."""
    type_name = range_var(stmt.get("relation"))[0]
    if misread := misread_array_type(b.ctx.catalog, "RenameStmt", stmt,
                                     written_relation(stmt), "composite"):
        return misread
    for table, _ in typed_table_trees(b.ctx.catalog, {"RenameStmt": stmt}):
        for rel in _with_children(b.ctx.catalog, table):
            b.lock(rel, L.ACCESS_EXCLUSIVE)
            b.alters.add(f"table:{rel}")
    return composite_refusal(b, type_name, {"RenameStmt": stmt}, [])


def _with_children(catalog: Catalog, table: str) -> list[str]:
    """`table` and what ALTER TYPE ... CASCADE reaches below it: its partitions and the
    tables that inherit from it, however deep (checked on the server)."""
    return [table, *catalog.partitions(table), *catalog.inheritance_children(table)]


def composite_refusal(b: Builder, type_name: str, tree: dict,
                      retyped: list[tuple[str, dict]]) -> dict:
    """Why PostgreSQL refuses an ALTER TYPE of composite `type_name` (`tree`), as far as the
    catalog knows (checked on the server): a subcommand without CASCADE while a table is of
    that type ("because it is the type of a typed table"); ALTER ATTRIBUTE ... TYPE
    (`retyped`: attribute, subcommand), CASCADE or not, while a column of a table or
    materialized view holds the type, an array of it or a domain over it ("because column
    ... uses it"; a view's column stores nothing and does not count). `refused_by`: each
    reason; `alter_type_sql`: what does the same without the refusal."""
    catalog = b.ctx.catalog
    kind, body = unwrap(tree)
    cmds = [unwrap(c)[1] for c in body.get("cmds") or ()] if kind == "AlterTableStmt" \
        else [body]
    typed = catalog.typed_tables(type_name)
    plain = not all(cmd.get("behavior") == "DROP_CASCADE" for cmd in cmds)
    users = sorted({pair for name in catalog.with_subdomains(type_name, arrays=True)
                    for pair in catalog.columns_of_type(name, views=True)
                    if catalog.tables[pair[0]].kind in ("table", "partitioned", "matview")}
                   ) if retyped else []
    refused = [f"column {t}.{c} uses it" for t, c in users]
    # A typed table's column a view uses cannot change type, as with ALTER COLUMN ... TYPE.
    refused += [f"view {view} uses column {rel}.{attribute}" for attribute, _ in retyped
                for table in typed for rel in _with_children(catalog, table)
                for view in catalog.views_using_column(rel, attribute)]
    if typed and plain:
        refused.append(f"it is the type of the typed table{'s' if len(typed) > 1 else ''} "
                       f"{', '.join(typed)} and the statement has no CASCADE")
    if users:
        fix = _retype_through_new_attribute(b, type_name, retyped, users, typed)
    elif refused:  # the same with CASCADE on every subcommand
        cascaded = {**body, "cmds": [{"AlterTableCmd": {**cmd, "behavior": "DROP_CASCADE"}}
                                     for cmd in cmds]} if kind == "AlterTableStmt" else \
            {**body, "behavior": "DROP_CASCADE"}
        fix = PrintedSql({kind: cascaded}, suffix=";") if typed else ""
    else:
        fix = ""
    return {"type": type_name, "refused_by": tuple(refused),
            "refused_by_text": "; ".join(refused), "typed_tables": tuple(typed),
            "alter_type_sql": fix}


def _retype_through_new_attribute(b: Builder, type_name: str, retyped: list[tuple[str, dict]],
                                  users: list[tuple[str, str]], typed: list[str]) -> str:
    """ALTER ATTRIBUTE ... TYPE done without it: a new attribute of the new type, the values
    copied into it (in batches, in each column that holds the type; in each typed table),
    the old attribute dropped and the new one renamed (none of which the server refuses
    while columns hold the type: checked on the server)."""
    catalog = b.ctx.catalog
    cascade = " CASCADE" if typed else ""
    type_sql_ = relation_sql(type_name, "public.", False)
    lines = ["-- A new attribute of the new type, the values copied into it (each UPDATE run "
             "until it\n-- changes no row), then the old one dropped: the attribute goes last "
             "in the type,\n-- so a ROW(...) written in attribute order must follow."]
    for attribute, cmd in retyped:
        new_type = type_sql(*catalog.column_type(unwrap(cmd.get("def"))[1].get("typeName")))
        new = quote_ident(generated_name(attribute, None, "new"))
        old = quote_ident(attribute)
        lines.append(f"ALTER TYPE {type_sql_} ADD ATTRIBUTE {new} {new_type}{cascade};")
        for table, column in users:
            rel, col = relation_sql(table, "public.", False), quote_ident(column)
            if catalog.tables[table].kind == "matview":
                continue  # refreshed from its query once the type is done (below)
            known = catalog.known_column(table, column)
            if known is None or known.array or catalog.domain(known.type_name) is not None:
                lines.append(f"-- {rel}.{col} holds an array of {type_sql_}, or a domain over "
                             f"it: copy ({col}).{old} into {new} in each value")
                continue
            keys = row_key_facts(b, table)
            lines.append(
                f"UPDATE {rel} SET {col}.{new} = ({col}).{old}::{new_type} WHERE "
                f"{keys['row_key_sql']} IN (SELECT {keys['row_key_columns_sql']} FROM {rel} "
                f"WHERE ({col}).{old} IS NOT NULL AND ({col}).{new} IS NULL LIMIT 5000);")
        for table in typed:
            rel = relation_sql(table, "public.", False)
            keys = row_key_facts(b, table)
            lines.append(
                f"UPDATE {rel} SET {new} = {old}::{new_type} WHERE {keys['row_key_sql']} IN "
                f"(SELECT {keys['row_key_columns_sql']} FROM {rel} WHERE {old} IS NOT NULL "
                f"AND {new} IS NULL LIMIT 5000);")
        lines += [f"ALTER TYPE {type_sql_} DROP ATTRIBUTE {old}{cascade};",
                  f"ALTER TYPE {type_sql_} RENAME ATTRIBUTE {new} TO {old}{cascade};"]
    # A materialized view's values are its query's: computed again from the tables above.
    lines += [f"REFRESH MATERIALIZED VIEW {relation_sql(table, 'public.', False)};"
              for table in dict.fromkeys(t for t, _ in users)
              if catalog.tables[table].kind == "matview"]
    return "\n".join(lines)


def alter_enum(b: Builder, stmt: dict) -> None:
    type_ = object_name(strings(stmt.get("typeName")))
    b.alters.add(f"type:{type_}")
    # an array type's (`_x`): 42809 "x[] is not an enum"
    misread = misread_array_type(b.ctx.catalog, "AlterEnumStmt", stmt,
                                 strings(stmt.get("typeName")), "enum")
    if stmt.get("oldVal"):
        b.act("enum_rename_value", misread, type=type_, old_value=stmt["oldVal"],
              new_value=stmt.get("newVal", ""),
              type_is_new=b.ctx.object_made(f"type:{type_}"),
              # (the advice's UPDATEs: read by rules only, `Context.rule_text`)
              enum_backfill_sql=_enum_backfill_sql(b, type_, stmt["oldVal"],
                                                   stmt.get("newVal", ""))
              if b.ctx.rule_text else "")
    else:
        if b.ctx.pg_version < 12:
            b.transactional = False
        b.act("enum_add_value", misread, type=type_, value=stmt.get("newVal", ""),
              if_not_exists=bool(stmt.get("skipIfNewValExists")),
              positioned=bool(stmt.get("newValNeighbor")),
              type_is_new=b.ctx.object_made(f"type:{type_}"),
              # to run again in a migration of its own (enum-value-used-in-transaction)
              add_value_sql=PrintedSql({"AlterEnumStmt": {**stmt, "skipIfNewValExists": True}},
                                       suffix=";"))


def _enum_backfill_sql(b: Builder, type_: str, old: str, new: str) -> str:
    """The batched UPDATEs that move the rows of every column of enum `type_` the catalog
    knows from label `old` to `new`, one line each (run until they change no row); a comment
    when it knows none (the type may be used where the migrations do not show it)."""
    lines = []
    for table, column in b.ctx.catalog.columns_of_type(type_):
        known = b.ctx.catalog.known_column(table, column)
        rel, col = relation_sql(table, "public.", False), quote_ident(column)
        keys = row_key_facts(b, table)
        old_sql, new_sql = quote_literal(old), quote_literal(new)
        if known is not None and known.array:
            change = f"{col} = array_replace({col}, {old_sql}, {new_sql})"
            match = f"{old_sql} = ANY ({col})"
        else:
            change, match = f"{col} = {new_sql}", f"{col} = {old_sql}"
        if known is not None and not known.array and _label_of(known.default_expression) == old:
            # else every new row goes on getting the label to be left unused
            lines.append(f"ALTER TABLE {rel} ALTER COLUMN {col} SET DEFAULT {new_sql};")
        lines.append(f"UPDATE {rel} SET {change} WHERE {keys['row_key_sql']} IN (SELECT "
                     f"{keys['row_key_columns_sql']} FROM {rel} WHERE {match} LIMIT 5000);")
    return "\n".join(lines) or (f"-- no column of type {type_} is known: UPDATE each column "
                                f"that holds it, SET col = {quote_literal(new)} WHERE col = "
                                f"{quote_literal(old)}, in batches")


def _label_of(expression: dict | None) -> str | None:
    """The string a DEFAULT is, cast or not (`'sad'`, `'sad'::mood`); None for another."""
    while isinstance(expression, dict) and "TypeCast" in expression:
        expression = expression["TypeCast"].get("arg")
    if isinstance(expression, dict) and "A_Const" in expression:
        value = expression["A_Const"].get("sval")
        return value.get("sval") if isinstance(value, dict) else None
    return None


def create_type(b: Builder, stmt: dict, multirange: str = "") -> None:
    """CREATE TYPE ... AS ENUM / AS (...) / AS RANGE: a composite type is a relation too
    (pg_class), so its name must be free of relations as well as of types; a range's
    `multirange` type's name must be free of types too."""
    names = strings(stmt.get("typeName")) or [type_var(stmt.get("typevar"))]
    name = object_name(names, create=True) if "." not in names[-1] else names[-1]
    b.creates.add(f"type:{name}")
    typevar = stmt.get("typevar") or {}
    schema_used(b, name, len(names) > 1 or
                bool(typevar.get("RangeVar", typevar).get("schemaname")))
    taken = name_taken(b, name, relation="typevar" in stmt)
    if multirange:
        b.creates.add(f"type:{multirange}")
        taken = taken or name_taken(b, multirange, relation=False)
    b.act("create_type", name=name, **already_exists(taken))


def create_range(b: Builder, stmt: dict) -> None:
    """CREATE TYPE ... AS RANGE also makes a multirange type from PostgreSQL 14 on
    (`multirange_type_name`): the server refuses the range when that name is taken."""
    create_type(b, stmt, multirange_type_name(stmt) if b.ctx.pg_version >= 14 else "")


def create_domain(b: Builder, stmt: dict) -> None:
    name = object_name(strings(stmt.get("domainname")), create=True)
    b.creates.add(f"type:{name}")
    schema_used(b, name, len(strings(stmt.get("domainname"))) > 1)
    checks = [c for c in stmt.get("constraints") or ()
              if unwrap(c)[1].get("contype") == "CONSTR_CHECK"]
    b.act("create_type", name=name, name_sql=quote_qualified(name), type_kind="domain",
          has_check=bool(checks),
          base_type=type_sql(*b.ctx.catalog.column_type(stmt.get("typeName"))),
          **already_exists(name_taken(b, name, relation=False)))


_DOMAIN_SUBCOMMANDS = {"T": "set_default", "N": "drop_not_null", "O": "set_not_null",
                       "C": "add_constraint", "X": "drop_constraint",
                       "V": "validate_constraint"}


def alter_domain(b: Builder, stmt: dict) -> None:
    name = object_name(strings(stmt.get("typeName")))
    sub = _DOMAIN_SUBCOMMANDS.get(stmt.get("subtype", ""), "other")
    _, con = unwrap(stmt.get("def"))
    not_valid = bool(con.get("skip_validation"))
    # Columns of this domain in known tables: adding a constraint (or NOT NULL) checks
    # every one of them, holding SHARE on each table (typecmds.c validateDomainConstraint).
    users = _domain_users(b.ctx.catalog, name)
    checks = sub in ("set_not_null", "validate_constraint") or (
        sub == "add_constraint" and not not_valid)
    refused = _domain_containers_in_use(b.ctx.catalog, name) if checks else []
    if refused:  # refused before any table is locked
        checks = False
    elif checks:
        for table in users:
            b.lock(table, L.SHARE)
            b.scan(table, f"ALTER DOMAIN {quote_qualified(name)} checks every value of the domain")
    b.alters.add(f"type:{name}")
    facts, condition = _domain_check_facts(b.ctx.catalog, stmt, sub, con, name)
    if sub in ("drop_constraint", "validate_constraint") and not stmt.get("missing_ok"):
        # (DROP CONSTRAINT IF EXISTS of a name it lacks: a NOTICE, checked on 18.6)
        facts.update(missing_in_domain(b.ctx, name, facts["constraint"],
                                       ".".join(strings(stmt.get("typeName"))),
                                       drop=sub == "drop_constraint"))
    # What checks new values without reading the stored ones: the constraint added NOT VALID;
    # for VALIDATE, the constraint as it is (adding it again would fail: it exists).
    domain_sql = relation_sql(name, "public.", False)
    constraint_sql = quote_ident(facts["constraint"])
    not_valid_sql = f"-- {constraint_sql} of {domain_sql} stays NOT VALID: it checks every " \
        "new or changed value already" if sub == "validate_constraint" else JoinedSql(
            f"ALTER DOMAIN {domain_sql} ADD CONSTRAINT {constraint_sql} CHECK (",
            facts["check_sql"], ") NOT VALID;")
    # an array type's (`_x`): 42809 "x[] is not a domain"
    facts.update(misread_array_type(b.ctx.catalog, "AlterDomainStmt", stmt,
                                    strings(stmt.get("typeName")), "domain"))
    b.act("alter_domain", type=name, subcommand=sub, not_valid=not_valid, **facts,
          not_valid_sql=not_valid_sql,
          tables_using=tuple(users),
          tables_using_text=", ".join(map(quote_qualified, users)) or "(none known)",
          per_table_checks_sql=_per_table_checks_sql(
              b.ctx.catalog, name, set(users), facts["constraint"] or None, condition)
          if checks else "",
          type_is_new=b.ctx.object_made(f"type:{name}"),
          refused_by=tuple(refused), refused_by_text="; ".join(refused))


def _domain_containers_in_use(catalog: Catalog, domain: str) -> list[str]:
    """Why PostgreSQL refuses to check `domain`'s values (ADD CONSTRAINT, SET NOT NULL,
    VALIDATE): a column of a table or materialized view holds them inside another value, an
    array of it (or of a domain over it) or a type containing it, which it cannot look into
    ("cannot alter type ... because column ... uses it", typecmds.c get_rels_with_domain;
    checked on the server, empty table or not)."""
    stored = ("table", "partitioned", "matview")
    inside = catalog.types_containing(domain)
    columns = [pair for sub in catalog.with_subdomains(domain)
               for pair in catalog.columns_of_type(sub, views=True)
               if catalog.tables[pair[0]].columns[pair[1]].array]
    columns += [pair for container in inside for pair in catalog.columns_of_type(container,
                                                                                  views=True)]
    return [f"column {t}.{c} uses it" for t, c in sorted(set(columns))
            if catalog.tables[t].kind in stored]


def _per_table_checks_sql(catalog: Catalog, domain: str, users: set[str],
                          constraint: str | None, condition: dict | None) -> str:
    """What proves the stored values of `domain` satisfy a constraint without ALTER DOMAIN
    reading them under SHARE: a CHECK of each column of it (or of a domain over it), added NOT
    VALID and validated under SHARE UPDATE EXCLUSIVE. The CHECK is the domain's `condition`
    with the column for VALUE; a named stand-in when it is not known (VALIDATE of a
    constraint of a domain created elsewhere) or the column is an array of the domain."""
    adds, validations = [], []
    label = constraint or domain.split(".", 1)[-1]
    for sub in catalog.with_subdomains(domain):
        for table, column in catalog.columns_of_type(sub):
            if table not in users:
                continue
            name = quote_ident(truncate_identifier(
                f"{table.split('.', 1)[1]}_{column}_{constraint or 'check'}"))
            stand_in = (quote_ident(truncate_identifier(f"{label}_on_value"))
                        + f" /* its condition, with {quote_ident(column)} for VALUE */")
            check = stand_in if condition is None or catalog.tables[table].columns[
                column].array else PrintedSql(_value_as(condition, column), stand_in)
            table_sql = relation_sql(table, domain, False)
            adds.append(f"ALTER TABLE {table_sql} ADD CONSTRAINT {name}\n"
                        f"  CHECK ({check}) NOT VALID;")
            validations.append(f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {name};"
                               "  -- writes go on")
    if not adds:
        return "-- (no table known to use it)"
    return "\n".join([*adds, NEXT_MIGRATION, *validations])


#: SET NOT NULL's condition, as a CHECK on VALUE.
_VALUE_NOT_NULL = {"NullTest": {"arg": {"ColumnRef": {"fields": [{"String": {"sval": "value"}}]}},
                                "nulltesttype": "IS_NOT_NULL"}}


def _value_as(node: object, column: str) -> object:
    """A domain CHECK's parse tree with `column` wherever it says VALUE."""
    if isinstance(node, list):
        return [_value_as(item, column) for item in node]
    if not isinstance(node, dict):
        return node
    if strings((node.get("ColumnRef") or {}).get("fields")) == ["value"]:
        return {"ColumnRef": {"fields": [{"String": {"sval": column}}]}}
    return {key: _value_as(value, column) for key, value in node.items()}


def _domain_users(catalog: Catalog, domain: str) -> list[str]:
    """The tables whose stored values ALTER DOMAIN checks: those with a column of `domain`
    or of a domain over it (typecmds.c get_rels_with_domain); a partitioned parent, a view
    or a foreign table stores none (checked on the server)."""
    return sorted({table for sub in catalog.with_subdomains(domain)
                   for table, _ in catalog.columns_of_type(sub, views=True)
                   if catalog.tables[table].kind not in ("partitioned", "view", "foreign")})


def _domain_check_facts(catalog: Catalog, stmt: dict, sub: str, con: dict,
                        domain: str) -> tuple[dict, dict | None]:
    """The constraint an ALTER DOMAIN adds, validates or drops (`constraint`), and the
    condition a CHECK ... NOT VALID that does the same job tests (`check_sql`): its
    own expression (a validated one's as the catalog keeps it), or `VALUE IS NOT NULL` for
    NOT NULL, which cannot be added NOT VALID. And that condition's parse tree (None when
    not known)."""
    not_null = sub == "set_not_null" or con.get("contype") == "CONSTR_NOTNULL"
    name = con.get("conname") or stmt.get("name")
    if not name and not_null:
        name = domain_check_name(catalog, domain, "not_null")
    elif not name and sub == "add_constraint":
        name = domain_check_name(catalog, domain)
    condition = _VALUE_NOT_NULL if not_null else con.get("raw_expr")
    if sub == "validate_constraint":
        known = catalog.domain(domain)
        check = known.check(name or "") if known is not None else None
        condition = check.condition if check is not None else None
    return {"constraint": name or "",
            # An expression pglast cannot print, or one not known: a named stand-in the user
            # replaces.
            "check_sql": "VALUE IS NOT NULL" if not_null else
            PrintedSql(condition, "the_check_expression")}, condition


#: The statement that drops or alters a relation, by its kind, for its row type's array.
_ELEMENT_KIND = {"view": "VIEW", "matview": "MATERIALIZED VIEW", "foreign": "FOREIGN TABLE"}


def _array_of(catalog: Catalog, names: list[str],
              dropped: frozenset[str] = frozenset()) -> tuple[str, str, str, str] | None:
    """What `names` (`_x`, `_x_1`, `_int4`, as written) is the array type of: its element as
    format_type shows it (`x`, `o.x`, `integer`), the element's kind and name as a statement
    on it writes them (`DOMAIN x`; "" for a built-in type), the catalog's set the element
    is in (`enum`, `composite`, `domain`; "" for a relation's row type, another type or a
    built-in one) and its own name (`x`; "" for a built-in one). None for any other name,
    and for an array type whose element `dropped` (qualified names) holds."""
    from lockwise.effects.types import builtin_array_element

    if not names or not names[-1].startswith("_"):
        return None
    element = catalog.array_element(object_name(names))
    if element is not None:
        if element in dropped:
            return None
        schema, bare = element.split(".", 1)
        # (format_type's name: qualified where the search_path does not find it)
        shown = quote_ident(bare) if schema == "public" else quote_qualified(element)
        kind = _ELEMENT_KIND.get(catalog.tables[element].kind, "TABLE") \
            if element in catalog.tables else "DOMAIN" if element in catalog.domains else "TYPE"
        held = "enum" if element in catalog.enums else "composite" \
            if element in catalog.composites else "domain" if element in catalog.domains else ""
        return shown, f"{kind} {relation_sql(element, object_name(names), len(names) > 1)}", \
            held, bare
    if (len(names) == 1 or names[0] == "pg_catalog") and \
            (builtin := builtin_array_element(names[-1])) is not None:
        return format_type(builtin, ()), "", "", ""
    return None


def refused_array_type(catalog: Catalog, names: list[str], tail: str = "",
                       dropped: frozenset[str] = frozenset()) -> dict:
    """The refusal facts of DROP TYPE (`tail` "") or ALTER TYPE ... `tail` (`RENAME TO y`,
    `OWNER TO r`, `SET SCHEMA o`) of `names`, an array type by its pg_type name (`_x`,
    `_int4`), which follows its element type and is never dropped or altered alone (checked
    on 18.6, IF EXISTS and CASCADE or not): 2BP01 "cannot drop type x[] because type x
    requires it" (a built-in's "... because it is required by the database system"), 42809
    "cannot alter array type x[]". A DROP that names the element type too (`dropped`, the
    qualified names of what it drops) runs. {} for any other type."""
    found = _array_of(catalog, names, dropped)
    if found is None:
        return {}
    shown, sql, _, _ = found
    if tail:
        text = f"cannot alter array type {shown}[]"
        hint = f"You can alter type {shown}, which will alter the array type as well."
        # (said in a comment: a rename of the element type is one of its own, rename-object)
        sql = f"ALTER {sql} {tail};  (alters {shown}[] with it)" if sql else \
            "A built-in type stays as it is: remove the statement."
    elif sql:
        text = f"cannot drop type {shown}[] because type {shown} requires it"
        # (a comment: dropping the element type drops its data too, not what was asked)
        hint, sql = f"You can drop type {shown} instead.", \
            f"Remove this statement: DROP {sql}; drops {shown}[] with it."
    else:
        text = f"cannot drop type {shown}[] because it is required by the database system"
        hint, sql = f"{shown}[] is built in.", "It stays: remove the statement."
    return _array_refusal(text, hint, sql)


def _array_refusal(text: str, hint: str, sql: str | PrintedSql) -> dict:
    return {"refused_array_type": True, "refused_array_type_text": text,
            "refused_array_type_hint": hint, "refused_array_type_sql": sql}


#: The catalog's set of the types a statement other than DROP / ALTER TYPE works on
#: (`misread_array_type`), and the server's word for one ("": ALTER TYPE ... ATTRIBUTE,
#: refused as a missing relation).
_ASKED = {"domain": "a domain", "enum": "an enum", "composite": ""}


def misread_array_type(catalog: Catalog, kind: str, stmt: dict, names: list[str],
                       asked: str) -> dict:
    """The refusal facts of statement `stmt` (parse node `kind`) of `names`, an array type by
    its pg_type name (`_x`, `_int4`), taken for `asked` (`_ASKED`), which it is not (checked
    on 18.6, IF EXISTS and CASCADE or not): DROP DOMAIN 42809 '"_x" is not a domain' (the
    name as written), ALTER DOMAIN ... (RENAME, OWNER TO and SET SCHEMA too) 42809 "x[] is
    not a domain", ALTER TYPE ... ADD / RENAME VALUE 42809 "x[] is not an enum", ALTER TYPE
    ... ADD / DROP / ALTER / RENAME ATTRIBUTE 42P01 'relation "_x" does not exist'; no hint.
    The alternative: the statement on the element itself where it is of that sort (`ALTER
    DOMAIN x SET NOT NULL`). {} for any other name."""
    found = _array_of(catalog, names)
    if found is None:
        return {}
    shown, element_sql, held, element = found
    written = ".".join(names)
    word = _ASKED[asked]
    if kind == "DropStmt":
        text = f'"{written}" is not a domain'
    elif word:
        text = f"{shown}[] is not {word}"
    else:
        text = f'relation "{written}" does not exist'
    whose = f"{shown}[] is the array type of {shown}" if element_sql else \
        f"{shown}[] is a built-in array type"
    if held != asked:
        return _array_refusal(text, f"{whose}, which is not {word or 'a composite type'}.",
                              "Remove the statement.")
    if kind == "DropStmt":
        return _array_refusal(text, f"{whose}: it goes with the domain.",
                              f"Remove this statement: DROP {element_sql}; drops {shown}[] "
                              "with it.")
    return _array_refusal(text, f"{whose}: alter {shown} instead.",
                          PrintedSql({kind: _on_element(stmt, element)}, suffix=";"))


def written_relation(stmt: dict) -> list[str]:
    """The name of the relation `stmt` names (`relation`), as written: `["o", "_x"]`."""
    rel = stmt.get("relation") or {}
    return [n for n in (rel.get("catalogname"), rel.get("schemaname"), rel.get("relname")) if n]


def _on_element(stmt: dict, element: str) -> dict:
    """`stmt` with the array type it names (`_x`, `_x_1`) replaced by its element's name
    (`element`, in the same schema)."""
    if "relation" in stmt:  # ALTER TYPE ... ATTRIBUTE: a RangeVar
        return {**stmt, "relation": {**stmt["relation"], "relname": element}}
    key = "typeName" if "typeName" in stmt else "object"
    items = stmt[key]
    if isinstance(items, dict):  # (a RenameStmt's or AlterOwnerStmt's object: a List)
        items = items.get("List", items).get("items", [])
        return {**stmt, key: {"List": {"items": [*items[:-1], {"String": {"sval": element}}]}}}
    return {**stmt, key: [*items[:-1], {"String": {"sval": element}}]}
