"""Row-level security policies in the replayed catalog: CREATE / ALTER / DROP POLICY, ALTER
POLICY ... RENAME, and what follows them when the objects their expressions name are renamed
or dropped (PostgreSQL refers to those by oid, and drops the policy with them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lockwise.catalog.model import Catalog, Table
from lockwise.catalog.scopes import ColumnReads
from lockwise.effects.nodes import function_calls, range_var, relations_in
from lockwise.effects.volatility import regclass_constants


def _reads(expr: dict | None) -> tuple[str, ...]:
    """The relations `expr` reads, then those it names by regclass constants
    (`nextval('s')`, `'t'::regclass`): the server records a dependency on each (checked on
    18.6)."""
    if expr is None:
        return ()
    return tuple(dict.fromkeys([*relations_in(expr), *sorted(regclass_constants(expr))]))


def _calls(expr: dict | None) -> tuple[str, ...]:
    return function_calls(expr) if expr is not None else ()


def _columns(catalog: Catalog, table: Table, expr: dict | None) -> tuple[tuple[str, str], ...]:
    """The (relation, column) pairs `expr`, a policy's expression on `table`, uses: a bare
    name is `table`'s, or a subquery's table's, as PostgreSQL resolves it."""
    if expr is None:
        return ()
    resolver = ColumnReads(catalog, dependencies=False)
    resolver._select(expr, [{table.name.rsplit(".", 1)[-1]: table.name}])
    return tuple(resolver.reads)


def create_policy(catalog: Catalog, stmt: dict) -> None:
    table = catalog.tables.get(range_var(stmt.get("table"))[0])
    if table is None:
        return
    qual, check = stmt.get("qual"), stmt.get("with_check")
    from lockwise.catalog.objects import Policy  # loaded with the first policy (see there)

    catalog.made_now(f"policy:{table.name}.{stmt.get('policy_name', '')}")

    table.policies[stmt.get("policy_name", "")] = Policy(
        command=stmt.get("cmd_name") or "all", using_reads=_reads(qual),
        check_reads=_reads(check), using_calls=_calls(qual), check_calls=_calls(check),
        using_columns=_columns(catalog, table, qual), check_columns=_columns(catalog, table, check))
    catalog.note_policies(table)


def alter_policy(catalog: Catalog, stmt: dict) -> None:
    """ALTER POLICY: a new USING or WITH CHECK replaces the old one; the other stays."""
    table = catalog.tables.get(range_var(stmt.get("table"))[0])
    old = table.policies.get(stmt.get("policy_name", "")) if table is not None else None
    if table is None or old is None:
        return
    qual, check = stmt.get("qual"), stmt.get("with_check")
    if qual is not None:
        old = replace(old, using_reads=_reads(qual), using_calls=_calls(qual),
                      using_columns=_columns(catalog, table, qual))
    if check is not None:
        old = replace(old, check_reads=_reads(check), check_calls=_calls(check),
                      check_columns=_columns(catalog, table, check))
    table.policies[stmt.get("policy_name", "")] = old
    catalog.note_policies(table)


def rename_policy(table: Table | None, old: str, new: str) -> None:
    if table is not None and old in table.policies:
        table.policies[new] = table.policies.pop(old)


def drop_policy(table: Table | None, name: str) -> None:
    if table is not None:
        table.policies.pop(name, None)


def drop_dependent_policies(found: list[tuple[Table, str]]) -> None:
    """Drop the policies `Catalog.policies_on_others` found (a DROP ... CASCADE's)."""
    for table, name in found:
        table.policies.pop(name, None)


def follow_relation_rename(catalog: Catalog, moved: Table | None, old: str, new: str) -> None:
    """Relation `old` now goes by `new` (`moved` is it; None for a sequence): the policies
    that name it follow, its own included (filed again under its new name)."""
    holders = {t.name: t for t, _ in catalog.policies_on_others([old])}
    if moved is not None and moved.policies:
        holders[moved.name] = moved
    for table in holders.values():
        for name, pol in list(table.policies.items()):
            if old in pol.using_reads or old in pol.check_reads:
                table.policies[name] = replace(
                    pol, using_reads=renamed_columns(pol.using_reads, old, new),
                    check_reads=renamed_columns(pol.check_reads, old, new))
    for table in {**holders, **({moved.name: moved} if moved is not None else {})}.values():
        for name, pol in list(table.policies.items()):
            table.policies[name] = replace(
                pol, using_columns=_moved(pol.using_columns, (old, new), None),
                check_columns=_moved(pol.check_columns, (old, new), None))
        catalog.note_policies(table)


def calling_schema(catalog: Catalog, schema: str) -> list[Table]:
    """The tables with a policy that calls a function written in `schema`."""
    prefix = schema.lower() + "."
    return [t for t in catalog.tables.values()
            if any(f.startswith(prefix) for pol in t.policies.values() for f in pol.functions)]


def follow_schema_rename(catalog: Catalog, old: str, new: str) -> None:
    """Schema `old` now goes by `new`: the calls of its functions written with it follow
    (a DROP SCHEMA ... CASCADE of `new` drops those policies). The relations it holds are
    followed as each moves (`follow_relation_rename`)."""
    prefix, moved = old.lower() + ".", new.lower() + "."

    def follow(calls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(moved + f[len(prefix):] if f.startswith(prefix) else f for f in calls)
    for table in calling_schema(catalog, old):  # bare names file them: no new filing
        for name, pol in list(table.policies.items()):
            table.policies[name] = replace(pol, using_calls=follow(pol.using_calls),
                                           check_calls=follow(pol.check_calls))


def follow_function_move(catalog: Catalog, function: str,
                         follow: Callable[[tuple[str, ...]], tuple[str, ...]]) -> None:
    """Function `function` (qualified) goes by another name (ALTER FUNCTION ... RENAME TO,
    SET SCHEMA): the policies that may call it keep it (the server ties them to it by oid),
    their calls of it respelled by `follow`."""
    for table in [t for t in catalog.tables.values()
                  if any(pol.calls(function) for pol in t.policies.values())]:
        for name, pol in list(table.policies.items()):
            table.policies[name] = replace(pol, using_calls=follow(pol.using_calls),
                                           check_calls=follow(pol.check_calls))
        catalog.note_policies(table)


def follow_column_rename(catalog: Catalog, relation: str, old: str, new: str) -> None:
    """Column `old` of `relation` now goes by `new`: the policies using it follow (the
    server refers to it by number)."""
    for table, name in catalog.policies_using_column(relation, old):
        pol = table.policies[name]
        table.policies[name] = replace(
            pol, using_columns=_moved(pol.using_columns, None, (relation, old, new)),
            check_columns=_moved(pol.check_columns, None, (relation, old, new)))


def _moved(pairs: tuple[tuple[str, str], ...], relation: tuple[str, str] | None,
           column: tuple[str, str, str] | None) -> tuple[tuple[str, str], ...]:
    """`pairs` with relation (old, new) or column (relation, old, new) renamed."""
    out = []
    for rel, col in pairs:
        if relation is not None and rel == relation[0]:
            rel = relation[1]
        if column is not None and (rel, col) == column[:2]:
            col = column[2]
        out.append((rel, col))
    return tuple(out)


def renamed_columns(columns: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    """`columns` in their order, with column `old` renamed `new`: the same tuple when it does
    not hold `old` (most of a rename's asks; forks share it)."""
    return tuple(new if c == old else c for c in columns) if old in columns else columns


def holders_reached(catalog: Catalog, relations: list[str], functions: tuple[str, ...] = (),
                    schema: str = "") -> list[Table]:
    """The tables whose policies a DROP ... CASCADE of `relations`, `functions` or `schema`
    drops (for `replay.tables_reached`)."""
    found = catalog.policies_on_others(relations, functions, schema)
    return list({id(t): t for t, _ in found}.values())


def column_holders(catalog: Catalog, columns: list[tuple[str, str]]) -> list[Table]:
    """The tables whose policies use one of `columns` ((table, column) pairs): what a DROP
    COLUMN ... CASCADE, a DROP TYPE ... CASCADE or a RENAME COLUMN of them changes (for
    `replay.tables_reached`)."""
    return list({id(t): t for table, column in columns
                 for t, _ in catalog.policies_using_column(table, column)}.values())
