"""ALTER TABLE of a column or constraint that is certainly not there (`object_missing`, a
refusal fact): PostgreSQL stops with "does not exist" (42703 for a column, 42704 for a
constraint) and the migration fails. Likewise ALTER DOMAIN ... DROP, VALIDATE or RENAME
CONSTRAINT of a name a domain these migrations made lacks (`missing_in_domain`).

Certain means the catalog knows everything the table has (`Catalog.fully_known`: created by
these migrations, no DO block, routine call or EXECUTE since that may have changed it, not a
partition, its INHERITS parents known too) and the name is none of it, nor anything the
statement itself adds. A table made outside the migrations may have any column: nothing is
said of it. Messages checked on 18.6 (tests/test_object_missing.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lockwise.catalog.model import Catalog, Table
from lockwise.catalog.replay import not_null_column
from lockwise.effects.nodes import unwrap
from lockwise.parse.quoting import quote_ident, quote_literal, quote_qualified, relation_sql

if TYPE_CHECKING:
    from lockwise.effects.context import Context

#: Columns every table has (pg_attribute, attnum < 0): refused with other messages
#: ("cannot drop system column"), not reported here.
_SYSTEM_COLUMNS = frozenset(("ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"))

#: ALTER TABLE subcommands that name an existing column of the table (`name`).
COLUMN_SUBCOMMANDS = frozenset((
    "AT_DropColumn", "AT_AlterColumnType", "AT_ColumnDefault", "AT_SetNotNull",
    "AT_DropNotNull", "AT_SetStatistics", "AT_SetStorage", "AT_SetCompression",
    "AT_SetOptions", "AT_ResetOptions", "AT_AddIdentity", "AT_SetIdentity",
    "AT_DropExpression", "AT_SetExpression"))


def constraint_absent(catalog: Catalog, table: str, name: str) -> bool:
    """Whether a table these migrations created has no constraint `name` for sure (a NOT
    NULL's 18 name counts as one, whatever the version)."""
    known = catalog.fully_known(table)
    return known is not None and name not in known.constraints and \
        not_null_column(known, name) is None


def missing_in_alter(catalog: Catalog, table: str, cmd: dict, cmds: Iterable[dict]) -> dict:
    """The `object_missing` facts of ALTER TABLE subcommand `cmd` of `table` (one of `cmds`,
    the statement's): a column or constraint (without IF EXISTS) that is certainly absent,
    and not added by the statement itself; {} otherwise."""
    sub, name = cmd.get("subtype"), cmd.get("name") or ""
    if not name or cmd.get("missing_ok"):
        return {}
    if sub in COLUMN_SUBCOMMANDS:
        added = {unwrap(c.get("def"))[1].get("colname") for c in cmds
                 if c.get("subtype") == "AT_AddColumn"}
        if name in added:
            return {}
        return missing_column(catalog, table, name,
                              f'column "{name}" of relation "{_bare(table)}" does not exist')
    if sub == "AT_DropConstraint":
        if any(c.get("subtype") == "AT_AddConstraint" for c in cmds):
            return {}  # (an unnamed one may take the name: not worth the guess)
        if not constraint_absent(catalog, table, name):
            return {}
        known = catalog.tables[table]
        return _missing("constraint", table, _table_origin(known), name,
                        list(known.constraints),
                        f'constraint "{name}" of relation "{_bare(table)}" does not exist')
    return {}


def missing_in_domain(ctx: Context, domain: str, name: str, written: str = "",
                      drop: bool = False) -> dict:
    """The `object_missing` facts of constraint `name` of `domain` (qualified) that ALTER
    DOMAIN drops (`drop`) or validates (`written`: the domain's name as the statement writes
    it, which the server's message repeats) or renames (no `written`), when certainly
    absent: a domain these migrations made (the catalog knows each of its constraints, its
    NOT NULL's name too), no DO block or routine since that may have changed it, and none
    of its constraints has the name; {} otherwise. Not a statement of a DO block or routine
    body: it is judged against the catalog from before the body, whose earlier statements
    may add the constraint."""
    catalog = ctx.catalog
    known = catalog.domains.get(domain)
    if not name or known is None or ctx.in_body or not catalog.sure_of(domain):
        return {}
    names = known.constraint_names()
    if name in names:
        return {}
    domain_sql = relation_sql(domain, "public.", False)
    rerun = f"ALTER DOMAIN {domain_sql} DROP CONSTRAINT IF EXISTS " \
        f"{quote_ident(name)};" if drop else "(VALIDATE and RENAME CONSTRAINT have none: a " \
        "re-run one tests pg_constraint first, WHERE contypid = " \
        f"{quote_literal(domain_sql)}::regtype)"
    return _missing("constraint", domain, f"domain {quote_qualified(domain)}, created in these "
                    "migrations,", name, names,
                    # (RENAME: as format_type_be writes the domain, bare where the
                    # search_path finds it; checked on 18.6)
                    f'constraint "{name}" of domain "{written}" does not exist' if written
                    else f'constraint "{name}" for domain {domain_sql} does not exist',
                    f"domain {domain_sql}", f"\\dD+ {domain_sql}", rerun)


def missing_column(catalog: Catalog, table: str, name: str, error: str) -> dict:
    """The `object_missing` facts of column `name` of `table` when certainly absent (the
    server's `error` as it words it for the statement), {} otherwise."""
    known = catalog.fully_known(table)
    if known is None or known.of_type or name in _SYSTEM_COLUMNS:
        return {}
    columns = _all_columns(catalog, known)
    if name in columns:
        return {}
    return _missing("column", table, _table_origin(known), name, columns, error)


def _all_columns(catalog: Catalog, table: Table) -> list[str]:
    """The columns of `table` and of its INHERITS ancestors (a child has them all)."""
    names: list[str] = []
    todo, seen = [table], {table.name}
    while todo:
        t = todo.pop()
        names.extend(t.columns)
        for parent in t.inherits:
            if parent not in seen and (p := catalog.tables.get(parent)) is not None:
                seen.add(parent)
                todo.append(p)
    return names


def _table_origin(table: Table) -> str:
    """Where a table the migrations made comes from, as `missing_object_origin` begins."""
    return f"table {quote_qualified(table.name)}, created in {table.created_by},"


def missing_member(family: tuple[str, str], items: list[str], member: str,
                   why: str = "the member went with its operator class, dropped earlier"
                   ) -> dict:
    """The `object_missing` facts of ALTER OPERATOR FAMILY ... DROP of `member` (`operator
    1(integer,integer)`, `operators.gone_member`) of kept `family` (qualified name, access
    method; `items`: the method, then the name as written, which the server's message
    repeats): it went with its operator class (42704 "operator 1(integer,integer) does not
    exist in operator family "f""; checked on 18.6, fix-pg108), or, `why` says, was never
    there (fix-pg113)."""
    of = f"operator family {family[0]} for access method {family[1]}"
    family_sql = relation_sql(family[0], "public.", False)
    return _facts(
        f"{member} of {of}", f'{member} does not exist in operator family "{".".join(items[1:])}"',
        f"{of}, created in these migrations ({why}), has no {member}",
        f"operator family {family_sql} USING {family[1]}",
        f"\\dAo {family[1]} {family_sql} and \\dAp {family[1]} {family_sql}",
        "(ALTER OPERATOR FAMILY ... DROP has none: a re-run one drops only what psql's "
        "\\dAo or \\dAp lists)", "")


def _missing(kind: str, of: str, origin: str, name: str, known: list[str], error: str,
             owner_sql: str = "", describe_sql: str = "", rerun_sql: str = "") -> dict:
    """The `object_missing` facts of the `kind` (column, constraint) `name` of `of` (a table,
    or a domain: `origin` says which and where it was made), named quoted where they need it
    (`column public."Booking"."userId"`). `owner_sql`, `describe_sql` and `rerun_sql`: what
    the suggested fix names it by, how psql shows it and how to write a statement meant to be
    re-run (a table's when not given)."""
    from lockwise.config import closest  # (rarely needed: difflib only then)

    of_sql = relation_sql(of, "public.", False)
    # The replay keeps no record of these drops: a dropped name and one never made read
    # alike in the origin, as what the table, made in these migrations, has now.
    return _facts(f"{kind} {quote_qualified(of)}.{quote_ident(name)}", error,
                  f"{origin} has no {kind} {quote_ident(name)}", owner_sql or f"table {of_sql}",
                  describe_sql or f"\\d {of_sql}",
                  rerun_sql or f"ALTER TABLE {of_sql} DROP COLUMN IF EXISTS ..., DROP "
                  "CONSTRAINT IF EXISTS ...", closest(name, known) or "")


def _facts(missing: str, error: str, origin: str, owner_sql: str, describe_sql: str,
           rerun_sql: str, meant: str) -> dict:
    """The `object_missing` facts of `missing` (`column public.t.c`), whose statement the
    server refuses with `error`: `origin` says where what lacks it was made and what it lacks,
    `meant` is the closest name it has ("" for none)."""
    return {"object_missing": True,
            "missing_object": missing,
            "missing_object_error": error,
            "missing_object_origin": f"{origin} as the statements before leave it",
            "missing_object_owner_sql": owner_sql,
            "missing_object_describe_sql": describe_sql,
            "missing_object_rerun_sql": rerun_sql,
            "closest_name": meant,
            "closest_name_text": f"; the closest name it has is {quote_ident(meant)}"
            if meant else ""}


def _bare(table: str) -> str:
    return table.split(".", 1)[-1]
