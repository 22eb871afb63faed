"""What a table or a domain may carry beyond its columns, constraints and indexes: triggers,
rules (CREATE RULE), row-level security policies, domains and their checks.

Part of the catalog's model (`catalog.model` names them too, at their first use): a module of
their own because an ordinary migration makes none of them, and defining their five
dataclasses was about 1.5% of a one-file `lockwise lint --no-cache`. The replay imports it
at the first statement that makes one.
"""

from __future__ import annotations

from dataclasses import dataclass

from lockwise.catalog.model import _relation_of, relation_nodes
from lockwise.effects.nodes import calls_function


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger of a table: the function it runs, and whether it fires for each row."""

    function: str  # unqualified, lower case
    #: FOR EACH ROW: on a partitioned table it is cloned to every partition, so enabling,
    #: disabling or dropping it locks them all; a statement trigger stays on its table.
    row: bool = True
    #: The function qualified as the trigger was created (its schema, or the search_path's
    #: first): which of two functions of one name in two schemas it calls.
    qualified: str = ""
    #: The writes (`insert`, `update`, `delete`) it does INSTEAD OF, on a view: the statement
    #: then stays on the view, not rewritten into a write of the view's base.
    instead_of: tuple[str, ...] = ()
    #: The columns of its table it names: `UPDATE OF` ones and those its WHEN reads as
    #: `OLD.col` / `NEW.col`. PostgreSQL depends on each (refuses to retype it, or to drop it
    #: without CASCADE, which drops the trigger); followed through renames.
    columns: tuple[str, ...] = ()
    #: The writes (`insert`, `update`, `delete`) that fire it.
    events: tuple[str, ...] = ()
    #: Its `UPDATE OF` columns: an UPDATE fires it only when its SET list names one of them
    #: (checked on 18.6; whether the value changes is not weighed). Empty: every UPDATE.
    update_of: tuple[str, ...] = ()
    #: When it fires, as pg_trigger.tgenabled: O in a session of the origin (default) or
    #: local replication role, R of the replica role, A always, D never (disabled).
    fires: str = "O"
    #: BEFORE (not AFTER, nor INSTEAD OF): a row trigger so may change NEW's columns before
    #: the other triggers' WHEN are evaluated.
    before: bool = False
    #: The columns one of which its WHEN needs changed to be true (`trigger_when`), sorted,
    #: followed through renames; empty: its WHEN needs no such change, or it has none.
    when_changed: tuple[str, ...] = ()
    #: The functions its WHEN calls (as `function_calls` gives them): the server ties the
    #: trigger to each (DROP FUNCTION is refused while it is there, CASCADE drops it:
    #: checked on 18.6).
    when_calls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QueryRule:
    """A rule of a table (CREATE RULE): the write it rewrites and what it runs then."""

    event: str  # insert | update | delete | select
    #: DO INSTEAD: without a WHERE, the write itself never runs (a view keeps it: the
    #: write is not rewritten into one of the view's base).
    instead: bool = False
    #: Its WHERE and its actions, as parsed, each relation the catalog knew then written
    #: with its schema (followed through renames): a write of the event runs the actions
    #: (beside the write with DO ALSO, in its place with DO INSTEAD), locking what they name.
    where: dict | None = None
    actions: tuple[dict, ...] = ()
    #: ALTER TABLE ... DISABLE RULE (or ENABLE REPLICA RULE: it fires only when the session
    #: replicates) turns it off.
    enabled: bool = True
    #: The relations (qualified) its WHERE and actions name by regclass constants
    #: (`nextval('s')`, `'t'::regclass`): the server depends on each as on a relation they
    #: read (DROP ... CASCADE of one drops the rule; checked on 18.6), by oid (followed
    #: through renames).
    regclass_names: tuple[str, ...] = ()

    def names(self, relation: str) -> bool:
        """Whether its WHERE or actions name `relation` (qualified)."""
        return relation in self.relations()

    def relations(self) -> list[str]:
        """The relations its WHERE and actions name, qualified ("" for one written without
        its schema that the catalog did not know), in no order, each as often as named: as
        a relation read or written, or by a regclass constant."""
        return [*(_relation_of(rv) for rv in relation_nodes([self.where, list(self.actions)])),
                *self.regclass_names]


@dataclass(frozen=True, slots=True)
class Policy:
    """A row-level security policy, as far as the migrations wrote it."""

    command: str = "all"  # all | select | insert | update | delete
    #: The relations (qualified) its USING expression names, and its WITH CHECK one, as
    #: relations read or by regclass constants (`nextval('s')`): the server depends on each
    #: (DROP ... CASCADE of one drops the policy; checked on 18.6).
    using_reads: tuple[str, ...] = ()
    check_reads: tuple[str, ...] = ()
    #: The functions its USING expression calls, and its WITH CHECK one, lower case,
    #: qualified only when written so (`auth.uid`, `f`): DROP FUNCTION ... CASCADE of one
    #: drops the policy.
    using_calls: tuple[str, ...] = ()
    check_calls: tuple[str, ...] = ()
    #: The (relation, column) pairs of known tables its USING expression uses, and its WITH
    #: CHECK one (its own table's included): ALTER TABLE ... DROP COLUMN ... CASCADE of one
    #: drops the policy.
    using_columns: tuple[tuple[str, str], ...] = ()
    check_columns: tuple[tuple[str, str], ...] = ()

    @property
    def reads(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.using_reads, *self.check_reads)))

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.using_calls, *self.check_calls)))

    def uses_column(self, relation: str, column: str) -> bool:
        return (relation, column) in self.using_columns or \
            (relation, column) in self.check_columns

    def calls(self, function: str) -> bool:
        """Whether it may call `function` (qualified): an unqualified call names it when the
        search_path finds it, which the catalog cannot tell apart, so it counts."""
        return calls_function(self.functions, function)


@dataclass(frozen=True, slots=True)
class DomainCheck:
    """A CHECK constraint of a domain: its name, its condition (parse tree, VALUE in it) and
    whether it was added NOT VALID and not validated since."""

    name: str
    condition: dict | None = None
    not_valid: bool = False


@dataclass(frozen=True, slots=True)
class Domain:
    """What a domain stands for: its base type (normalized, as `Column.type_name`), its
    default and its CHECK constraints."""

    base: str
    typmods: tuple[int, ...] = ()
    array: bool = False
    #: Its default expression (parse tree), None for none. A column added without a DEFAULT of
    #: its own takes the domain's: a volatile one rewrites the table as a volatile DEFAULT
    #: written on the column does (checked on the server).
    default: dict | None = None
    #: Its CHECK constraints, in the order they were added (of a domain these migrations
    #: created, every one).
    checks: tuple[DomainCheck, ...] = ()
    #: Whether it has a NOT NULL constraint (CREATE DOMAIN ... NOT NULL, ALTER DOMAIN ... SET
    #: NOT NULL; DROP NOT NULL takes it away).
    not_null: bool = False
    #: That NOT NULL constraint's name in pg_constraint (checked on 18.6): as written, else
    #: `domain_not_null` numbered past the schema's constraint names (`domain_check_name`);
    #: kept when the domain is renamed. "" without one (before PostgreSQL 17 a domain's NOT
    #: NULL has none: `Catalog.domain_not_null_constraints`).
    not_null_name: str = ""

    def check(self, name: str) -> DomainCheck | None:
        """Its CHECK constraint `name`, if the catalog knows it."""
        return next((c for c in self.checks if c.name == name), None)

    def constraint_names(self) -> list[str]:
        """The names of its constraints, the NOT NULL's first (pg_constraint's rows of it)."""
        return [*([self.not_null_name] if self.not_null and self.not_null_name else []),
                *(c.name for c in self.checks)]
