"""What to run, by name, instead of letting a DROP ... CASCADE take a dependent along: one
statement per kind of dependent, with the user's names. The one place for it: the steps of
rule cascade-drops-dependents (`callers_facts`) and the next step of the graph's
dependency-dropped conflicts are both written here. Each was checked on PostgreSQL 18: after
it, the drop runs without CASCADE (tests/graph/test_cascade_drops_graph.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from lockwise.parse.quoting import quote_ident, quote_qualified

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog

#: Per kind of dependent: the statement, with `{on}` the relation (or routine) as written and
#: `{name}` the dependent's own name on it (a column, constraint, rule, trigger), or of an
#: inheritance child, its parent as written. A child keeps its rows (NO INHERIT), a typed
#: table its rows and columns (NOT OF), a generated column its values (DROP EXPRESSION).
_STEPS = {
    "default": "ALTER TABLE {on} ALTER COLUMN {name} DROP DEFAULT;",
    "expression": "ALTER TABLE {on} ALTER COLUMN {name} DROP EXPRESSION;",
    "column": "ALTER TABLE {on} DROP COLUMN {name};",
    "constraint": "ALTER TABLE {on} DROP CONSTRAINT {name};",
    "index": "DROP INDEX {on};",
    "view": "DROP VIEW {on};",
    "materialized view": "DROP MATERIALIZED VIEW {on};",
    "rule": "DROP RULE {name} ON {on};",
    "policy": "DROP POLICY {name} ON {on};",
    "trigger": "DROP TRIGGER {name} ON {on};",
    "child": "ALTER TABLE {on} NO INHERIT {name};",
    "typed table": "ALTER TABLE {on} NOT OF;",
    "table": "DROP TABLE {on};",
    "sequence": "DROP SEQUENCE {on};",
    "type": "DROP TYPE {on};",
    "function": "DROP FUNCTION {on};",
    "procedure": "DROP PROCEDURE {on};",
    "operator": "DROP OPERATOR {on};",
    "operator class": "DROP OPERATOR CLASS {on};",
    "operator family": "DROP OPERATOR FAMILY {on};",
}

#: A routine's kind of dependent, by whether it is a procedure.
ROUTINE_DEPENDENT_KINDS = {False: "function", True: "procedure"}

#: How many dependents a message names before it says how many more there are.
SHOWN_DEPENDENTS = 10

#: The kinds whose `name` is the parent relation as written, not an identifier to quote.
_WRITTEN_NAMES = frozenset(("child",))


def drop_first_sql(kind: str, on: str, name: str = "") -> str:
    """The statement that drops (or detaches) a dependent of kind `kind` (a key of
    `_STEPS`) by name before its object is dropped: `on` is its relation or routine as the
    user writes it, `name` its own name on that relation (quoted here), or of a `child`, the
    parent relation as written."""
    shown = name if kind in _WRITTEN_NAMES else quote_ident(name) if name else ""
    return _STEPS[kind].format(on=on, name=shown)


def dependents_text(named: Iterable[str]) -> str:
    """`named` (what a DROP ... CASCADE takes along, each as a message names it) joined for a
    message: the first `SHOWN_DEPENDENTS`, then "and 12 more" (the steps still drop each)."""
    named = list(named)
    more = len(named) - SHOWN_DEPENDENTS
    return ", ".join(named) if more <= 0 else \
        f"{', '.join(named[:SHOWN_DEPENDENTS])} and {more} more"


def made_first(catalog: Catalog, view: str, views: Iterable[str]) -> int | None:
    """When the first of `view` and those of `views` it reads (however deep) was made
    (`Catalog.made_order`): a view over another goes with it, right after it, in the server's
    NOTICE; None when one of them has no number (renamed, or not made by the migrations)."""
    wanted, seen, todo = set(views), {view}, [view]
    while todo:
        known = catalog.tables.get(todo.pop())
        for source in known.sources if known is not None else ():
            if source in wanted and source not in seen:
                seen.add(source)
                todo.append(source)
    made = [catalog.made_order.get(f"relation:{v}") for v in seen]
    return None if None in made else min(made)  # type: ignore[type-var]


def in_made_order(named: list[str], when: dict[str, int | None]) -> list[str]:
    """`named` (what a DROP ... CASCADE takes along, in the kinds' order) in the order they
    were made (`when`: each one's number, or that of what it goes with), as the server's
    NOTICE lists them (checked on 18.6, fix-pg91); as they are when one has no number."""
    made = [when.get(name) for name in named]
    if None in made:
        return named
    return [name for _, name in sorted(zip(made, named, strict=True), key=lambda pair: pair[0])]


def views_depth_first(catalog: Catalog, views: Iterable[str]) -> list[str]:
    """`views` with those over each right after it, however deep (each once, where it first
    comes), as the server's NOTICE "drop cascades to ..." lists them (checked on 18.6:
    "view v, view w, materialized view m" for w over v, v and m over the table dropped;
    fix-pg86). Otherwise in the order the catalog has them, the order they were made in
    (which the server's follows) unless renamed."""
    wanted = set(views)
    if len(wanted) < 2:
        return list(wanted)
    made = {name: i for i, name in enumerate(catalog.tables)}
    views = sorted(wanted, key=lambda v: made.get(v, len(made)))
    order: list[str] = []

    def visit(view: str) -> None:
        order.append(view)
        for over in sorted(catalog.views_reading(view), key=lambda t: made.get(t.name, 0)):
            if over.name in wanted and over.name not in order:
                visit(over.name)

    reading = {v for v in views if (known := catalog.tables.get(v)) is not None
               and not wanted.isdisjoint(known.sources)}
    for view in [*(v for v in views if v not in reading), *views]:
        if view not in order:
            visit(view)
    return order


def drop_first_step(sql: str) -> str:
    """The next step of a conflict whose drop takes (or is refused for) a dependent that
    `sql` (`drop_first_sql`) drops by name first."""
    return (f"say first what becomes of it ({sql}), then drop without CASCADE; or create it "
            f"again in the same migration after the drop")


def type_users_first_sql(catalog: Catalog, type_name: str, tables: Iterable[str] = (),
                         columns: Iterable[tuple[str, str]] = ()) -> list[str]:
    """How to drop type `type_name` (qualified) by name once what has it is gone: the typed
    `tables` made plain (NOT OF keeps their rows), the views reading one of the `columns`
    (table, column) of it (`views_first_sql`), those columns dropped, then the type (DROP
    TYPE drops a domain too). What DROP SCHEMA ... RESTRICT needs first of a type of the
    schema that tables elsewhere use (checked on 18.6: after these steps it runs; fix-pg76,
    fix-pg80, fix-pg82)."""
    columns = list(columns)
    return [*(drop_first_sql("typed table", quote_qualified(t)) for t in tables),
            *views_first_sql(catalog, columns),
            *(drop_first_sql("column", quote_qualified(t), c) for t, c in columns),
            drop_first_sql("type", quote_qualified(type_name))]


def views_first_sql(catalog: Catalog, columns: Iterable[tuple[str, str]],
                    shown: Callable[[str], str] = quote_qualified) -> list[str]:
    """The steps that drop by name the row security policies and the views and materialized
    views reading one of `columns` (table, column) that a later step drops, and the views
    over them, each before what it reads: `ALTER TABLE ... DROP COLUMN` is refused while a
    view or a policy reads the column (2BP01 "view v depends on column c of table t",
    "policy p on table t depends on column c of table t", checked on 18.6; fix-pg82,
    fix-pg86). A comment first names them, to be created again once the columns are gone.
    `shown`: a relation as the user writes it. [] when none reads them."""
    columns = list(columns)
    order = views_reading_columns(catalog, columns)
    policies = list(dict.fromkeys((t.name, name) for table, column in columns
                                  for t, name in catalog.policies_using_column(table, column)))
    kinds = {v: "materialized view" if (known := catalog.tables.get(v)) is not None
             and known.kind == "matview" else "view" for v in order}
    return [*([f"-- the policies that read those columns go first; create them again after, "
               f"without them: {', '.join(f'{n} on {shown(t)}' for t, n in policies)}",
               *(drop_first_sql("policy", shown(t), n) for t, n in policies)]
              if policies else []),
            *([f"-- the views that read those columns go first; create them again after, "
               f"without them: {', '.join(shown(v) for v in reversed(order))}",
               *(drop_first_sql(kinds[v], shown(v)) for v in order)] if order else [])]


def views_reading_columns(catalog: Catalog, columns: Iterable[tuple[str, str]]) -> list[str]:
    """The views and materialized views reading one of `columns` (table, column), and those
    over them, in the order they can be dropped: each before what it reads."""
    order: list[str] = []

    def visit(view: str) -> None:
        if view in order:
            return
        for over in catalog.views_reading(view):  # (dropped before what they read)
            visit(over.name)
        order.append(view)

    for table, column in columns:
        for view in catalog.views_using_column(table, column):
            visit(view)
    return order
