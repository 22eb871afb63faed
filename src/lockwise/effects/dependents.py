"""What to run, by name, instead of letting a DROP ... CASCADE take a dependent along: one
statement per kind of dependent, with the user's names. The one place for it: the steps of
rule cascade-drops-dependents (`callers_facts`) and the next step of the graph's
dependency-dropped conflicts are both written here. Each was checked on PostgreSQL 18: after
it, the drop runs without CASCADE (tests/graph/test_cascade_drops_graph.py)."""

from __future__ import annotations

from collections.abc import Iterable

from lockwise.parse.quoting import quote_ident, quote_qualified

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
}

#: A routine's kind of dependent, by whether it is a procedure.
ROUTINE_DEPENDENT_KINDS = {False: "function", True: "procedure"}

#: The kinds whose `name` is the parent relation as written, not an identifier to quote.
_WRITTEN_NAMES = frozenset(("child",))


def drop_first_sql(kind: str, on: str, name: str = "") -> str:
    """The statement that drops (or detaches) a dependent of kind `kind` (a key of
    `_STEPS`) by name before its object is dropped: `on` is its relation or routine as the
    user writes it, `name` its own name on that relation (quoted here), or of a `child`, the
    parent relation as written."""
    shown = name if kind in _WRITTEN_NAMES else quote_ident(name) if name else ""
    return _STEPS[kind].format(on=on, name=shown)


def drop_first_step(sql: str) -> str:
    """The next step of a conflict whose drop takes (or is refused for) a dependent that
    `sql` (`drop_first_sql`) drops by name first."""
    return (f"say first what becomes of it ({sql}), then drop without CASCADE; or create it "
            f"again in the same migration after the drop")


def type_users_first_sql(type_name: str, tables: Iterable[str] = (),
                         columns: Iterable[tuple[str, str]] = ()) -> list[str]:
    """How to drop type `type_name` (qualified) by name once what has it is gone: the typed
    `tables` made plain (NOT OF keeps their rows), the `columns` (table, column) of it
    dropped, then the type (DROP TYPE drops a domain too). What DROP SCHEMA ... RESTRICT
    needs first of a type of the schema that tables elsewhere use (checked on 18.6: after
    these steps it runs; fix-pg76, fix-pg80)."""
    return [*(drop_first_sql("typed table", quote_qualified(t)) for t in tables),
            *(drop_first_sql("column", quote_qualified(t), c) for t, c in columns),
            drop_first_sql("type", quote_qualified(type_name))]
