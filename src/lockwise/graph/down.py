"""Does a down migration undo its up migration? Statically: replay up then down on a copy of
the catalog and compare with the catalog before up (tables, columns with types, nullability
and whether they have a default, constraints, indexes, enum labels, extensions, whether a
table has row security enabled)."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lockwise.catalog.clone import clone
from lockwise.catalog.model import Catalog, Index, IndexMap, NameIndex, Table
from lockwise.catalog.replay import RELATION_KINDS, embedded_trees
from lockwise.core.deferred import bound_on_use
from lockwise.effects.nodes import type_sql

if TYPE_CHECKING:
    from lockwise.core.types import Effect, Migration
    from lockwise.rules.engine import RuleIndex
    from lockwise.rules.model import Rule

#: Imported at its first use (`bound_on_use`): judging runs for each statement of a down that
#: drops, alters or renames, and an import statement in the function runs at each call.
_lint = bound_on_use(globals(), "_lint", "lockwise.lint")

#: Statements that never change the schema, and parts of statements that only read it:
#: their names cannot be what a down migration fails to restore.
_DATA_STATEMENTS = {"InsertStmt", "UpdateStmt", "DeleteStmt", "SelectStmt", "DoStmt",
                    "CopyStmt", "VariableSetStmt", "TransactionStmt", "CreateFunctionStmt"}
_READ_ONLY_KEYS = {"query", "whereClause", "targetList", "fromClause", "raw_expr",
                   "raw_default", "cooked_expr", "indexParams", "options"}


def replayed_trees(trees: Iterable[dict]) -> list[dict]:
    """`trees` with each DO block replaced by the statements the replay follows in it."""
    out: list[dict] = []
    for tree in trees:
        body = tree.get("DoStmt")
        out.extend([tree] if body is None else replayed_trees(embedded_trees(body)))
    return out


def names_in(trees: Iterable[dict]) -> frozenset[str]:
    """Every identifier-like string of the schema-changing parts of some parse trees (those
    of `replayed_trees`), and each name written with its schema (`app.accounts`) as such: the
    schema may be one no migration creates, which `qualified_names` cannot guess."""
    out: set[str] = set()
    add = out.add
    stack: list = [t for t in trees if next(iter(t), "") not in _DATA_STATEMENTS]
    push, pop, extend = stack.append, stack.pop, stack.extend
    while stack:
        item = pop()
        if isinstance(item, dict):
            for key, value in item.items():
                # Exact type tests first: parse trees hold plain str / dict / list / int.
                kind = type(value)
                if kind is str:
                    add(value)
                    if key == "schemaname" and "relname" in item:  # a RangeVar
                        add(f"{value}.{item['relname']}")
                elif kind is dict or kind is list:
                    if key not in _READ_ONLY_KEYS:
                        push(value)
                elif kind is int or kind is bool:
                    continue
                elif isinstance(value, str):
                    add(value)
                elif isinstance(value, (dict, list)) and key not in _READ_ONLY_KEYS:
                    push(value)
        elif isinstance(item, list):
            extend(item)  # strings directly in a list are not names (e.g. options)
            if 1 < len(item) < 4:  # a dotted name: DROP INDEX app.x, CREATE TYPE app.mood
                first, last = item[-2], item[-1]
                if type(first) is dict and type(last) is dict and \
                        type(a := (first.get("String") or {}).get("sval")) is str and \
                        type(b := (last.get("String") or {}).get("sval")) is str:
                    add(f"{a}.{b}")
    return frozenset(out)


def removed_relations(trees: Iterable[dict]) -> set[str]:
    """Relations that DROP TABLE/VIEW, a RENAME or SET SCHEMA of a table in `trees` removes
    (by last name): the only statements whose effect reaches other tables' foreign keys."""
    out: set[str] = set()
    for tree in trees:
        kind, body = next(iter(tree.items()), ("", {}))
        if kind == "DropStmt" and body.get("removeType") in RELATION_KINDS:
            for obj in body.get("objects") or ():
                items = (obj.get("List") or {}).get("items") or ()
                names = [(i.get("String") or {}).get("sval", "") for i in items]
                if names:
                    out.add(names[-1])
        elif (kind == "RenameStmt" and body.get("renameType") in RELATION_KINDS) or (
                kind == "AlterObjectSchemaStmt" and body.get("objectType") in RELATION_KINDS):
            out.add((body.get("relation") or {}).get("relname", ""))
        elif kind == "DropStmt" and body.get("removeType") == "OBJECT_SCHEMA":
            out.add("*")
    return out


def qualified_names(catalog: Catalog, names: Iterable[str]) -> frozenset[str]:
    """`names` as the catalog keys them: as written, and unqualified ones in every schema."""
    return _qualified(frozenset(names), frozenset(catalog.schemas))


@lru_cache(maxsize=8)
def _qualified(names: frozenset[str], schemas: frozenset[str]) -> frozenset[str]:
    # Cached: one down check asks for the same names five or six times, before and after
    # the replay, and the schemas rarely change in between.
    out = {n for n in names if "." in n}
    out.update({f"{schema}.{n}" for n in names if "." not in n for schema in schemas | {"public"}})
    return frozenset(out)


def scope(catalog: Catalog, names: AbstractSet[str],
          removed: AbstractSet[str] = frozenset()) -> set[str]:
    """Tables that statements naming `names` can change: the named ones, and those whose
    foreign keys point at a table the statements drop or rename."""
    # (In C: the qualified names taken in order, each kept when a table has it, as a set
    # comprehension over them would.)
    named = catalog.tables.keys() & qualified_names(catalog, names)
    if not removed:
        return named
    gone = named if "*" in removed else {t for t in named if t.split(".", 1)[1] in removed}
    if not gone:
        return named
    return named | {other for rel in gone for other, _ in catalog.referencing(rel)}


#: What `fork` copies: every field of the catalog but its tables (`ForkedTables`).
_CATALOG_FIELDS = tuple(f.name for f in fields(Catalog) if f.name != "tables")

#: The types of a catalog's field values that `fork` shares: never changed in place.
_SHARED_TYPES = frozenset({type(None), str, int, bool, frozenset, tuple})


def fork(catalog: Catalog, tables: set[str], names: AbstractSet[str], renames: bool) -> Catalog:
    """A copy of `catalog` that statements touching only `tables`/`names` can be replayed on
    without changing the original: those tables are cloned when the replay first asks for
    one (`ForkedTables`), the rest shared. Index objects are only changed in place by
    renames, so they are cloned only when there are some."""
    # Every field set below, as copy.copy would (which goes through __reduce_ex__, slower
    # than this whole loop); 16 of the 57 hold what is shared, told by the exact type of the
    # value before any isinstance test (two or three of them cost more than most copies).
    # The relations whose uses are not filed yet (`Catalog.note_uses`) are filed here, in the
    # catalog itself: a fork that asks `callers` filed them in its own copy of the filing,
    # which the catalog never saw, so the next fork filed them again (on lemmy, 3,626
    # relations pending at the 342 forks: `_file_uses` 1,362 -> 878 calls).
    catalog.file_pending_uses()
    new = object.__new__(type(catalog))
    new.tables = ForkedTables(catalog.tables, tables)
    for name in _CATALOG_FIELDS:
        value = getattr(catalog, name)
        kind = type(value)
        if kind in _SHARED_TYPES:
            pass
        elif kind is not dict and isinstance(value, (IndexMap, NameIndex)):
            value = value.fork()  # (a NameIndex's sets: shared)
        elif isinstance(value, dict):
            # The catalog's indexes by name (foreign keys, view readers) hold frozensets and
            # tuples, replaced when they change: the outer copy is enough.
            value = dict(value)
            if value and isinstance(next(iter(value.values())), list):
                # enum labels: ALTER TYPE ADD VALUE appends to the list in place
                value = {k: list(v) for k, v in value.items()}
        elif isinstance(value, set):
            value = set(value)
        setattr(new, name, value)
    if renames:
        keys = qualified_names(catalog, names)
        if isinstance(new.indexes, IndexMap):  # filed by table: no scan of every index
            chosen = [k for t in tables for k, _ in new.indexes.items_on(t)]
            chosen += [k for k in keys if k in new.indexes]
        else:
            chosen = [k for k, idx in new.indexes.items() if idx.table in tables or k in keys]
        # An index on one of `tables` that the statements also name is chosen twice: it is
        # copied once (dict.fromkeys keeps the order, so the copies are filed as before).
        for key in dict.fromkeys(chosen):
            new.indexes[key] = clone(new.indexes[key])
    return new


class ForkedTables(dict):
    """A fork's tables: the catalog's, shared. Those a down's statements name (`pending`)
    are cloned the first time the replay asks for one by name (`[]`, get, setdefault), how
    it reaches a table it changes; one it drops (pop) is not cloned, unless it is put back.
    A clone copies every column and constraint: on lemmy+documenso the replay asks for 663
    of the 958 named tables and drops 263. What a statement changes unnamed, by a walk of
    every table, the check copies itself before replaying it (`tables_reached`): `owned`
    holds the names of the tables this fork may change, cloned or its own."""

    __slots__ = ("pending", "owned", "taken", "reading")

    def __init__(self, tables: dict[str, Table], pending: AbstractSet[str]):
        super().__init__(tables)
        self.pending = {t for t in pending if t in tables}
        self.owned: set[str] = set()
        #: The catalog's own tables popped while pending, by id (kept alive here).
        self.taken: dict[int, Table] = {}
        #: While the effect model reads the fork (`read_only`): a pending table asked for by
        #: name is the catalog's own, not cloned.
        self.reading = False
        self._settled()

    def read_only(self) -> ForkedTables:
        """While the effect model computes a statement's effect on the fork (`with
        tables.read_only():`): it changes no table, so a pending table it asks for is not
        cloned (the replay clones it when it asks for it in turn). A down's DROP read first
        cloned the table it drops, an ALTER the tables its foreign keys reach: on
        lemmy+documenso, 812 clones, most never changed. The fork is its own context
        manager: a generator's (`contextlib`) cost more than the flag it sets, once for each
        of the 1,634 statements judged there."""
        return self

    def __enter__(self) -> None:
        self.reading = True

    def __exit__(self, *exc: object) -> None:
        self.reading = False

    def _settled(self) -> None:
        """Once no table is pending, every read is the dict's own: the fork becomes an
        `_OwnedTables`, whose reads are not Python calls (on lemmy+documenso, the replay and
        the effect model ask a fork for tables about 27,000 times)."""
        if not self.pending:
            self.__class__ = _OwnedTables

    def _own(self, name: str) -> None:
        self.pending.discard(name)
        self.owned.add(name)
        dict.__setitem__(self, name, clone(dict.__getitem__(self, name)))
        self._settled()

    def __getitem__(self, name: str) -> Table:
        if name in self.pending and not self.reading:
            self._own(name)
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.pending and not self.reading:
            self._own(name)
        return dict.get(self, name, default)

    def pop(self, name: str, *default: Any) -> Any:
        # A table taken out (DROP: only read after) is not copied; if it is put back (a
        # MySQL RENAME TABLE stores it under its new name), `__setitem__` copies it then.
        if name in self.pending:
            self.pending.discard(name)
            table = dict.pop(self, name)
            self.taken[id(table)] = table
            self._settled()
            return table
        return dict.pop(self, name, *default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name in self.pending and not self.reading:
            self._own(name)
        return dict.setdefault(self, name, default)

    def __setitem__(self, name: str, table: Table) -> None:
        if self.taken and self.taken.pop(id(table), None) is table:
            table = clone(table)
        self.pending.discard(name)
        self.owned.add(name)
        dict.__setitem__(self, name, table)
        self._settled()

    def __delitem__(self, name: str) -> None:
        self.pending.discard(name)
        dict.__delitem__(self, name)
        self._settled()

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, table in dict(*args, **kwargs).items():
            self[name] = table


class _OwnedTables(ForkedTables):
    """A fork's tables once none is pending (`ForkedTables._settled`): a read is the dict's
    (there is nothing left to clone on one, nor for `read_only` to spare), and so is a pop
    (nothing pending to keep aside). A table put back after a pop of a pending one is still
    copied (`ForkedTables.__setitem__`), and `owned` still grows."""

    __slots__ = ()

    __getitem__ = dict.__getitem__  # type: ignore[assignment]
    get = dict.get  # type: ignore[assignment]
    setdefault = dict.setdefault  # type: ignore[assignment]
    pop = dict.pop  # type: ignore[assignment]

    def _settled(self) -> None:
        pass


def signature(catalog: Catalog, tables: set[str] | None = None,
              names: AbstractSet[str] | None = None) -> dict[str, object]:
    """The comparable shape of a catalog (or of `tables` and the indexes and types among
    `names`): object key -> what matters about it."""
    sig: dict[str, object] = {}
    for name in (catalog.tables if tables is None else tables):
        t = dict.get(catalog.tables, name)  # read only: no clone of a fork's table
        if t is None:
            continue
        sig[f"{t.kind}:{name}"] = t.kind
        if t.kind in ("table", "partitioned"):
            sig[f"row security:{name}"] = "enabled" if t.row_security else "disabled"
        for col in t.columns.values():
            sig[f"column:{name}.{col.name}"] = (
                _type(col.type_name, col.typmods, col.array),
                "not null" if col.not_null else "null",
                "default" if col.default is not None else "no default")
        for con in t.constraints.values():
            if con.kind == "unique":
                continue  # its index stands for it (as CREATE UNIQUE INDEX would)
            # REFERENCES t means t's primary key: spell it out so both forms compare equal.
            ref_columns = con.ref_columns or (_primary_key(catalog, con.references)
                                              if con.kind == "foreign" else ())
            # Constraints are compared by what they enforce, not by name: lockwise's
            # replay guesses PostgreSQL's generated names, and a down that recreates a
            # constraint under another name still restores the schema.
            what = ", ".join(con.columns)
            if con.kind == "check":
                sig[f"constraint:{name}.{con.name}"] = "check"
            elif con.kind == "foreign":
                sig[f"foreign key:{name} ({what}) -> {con.references} "
                    f"({', '.join(ref_columns)})"] = "foreign"
            else:
                sig[f"{con.kind} key:{name} ({what})"] = con.kind
    keys = qualified_names(catalog, names) if names else set()
    indexes = catalog.indexes
    if tables is None:
        chosen: Iterable[Index] = indexes.values()
    elif isinstance(indexes, IndexMap):  # filed by table: no scan of every index
        chosen = [idx for t in tables for _, idx in indexes.items_on(t)]
        chosen += [indexes[k] for k in keys if k in indexes]
    else:
        chosen = [idx for idx in indexes.values() if idx.table in tables]
        chosen += [indexes[k] for k in keys if k in indexes]
    for idx in chosen:
        unique = "unique " if idx.unique else ""
        # Presence, not a count: the replay's guessed constraint names can make a DROP
        # CONSTRAINT miss the index it drops, which would read as a duplicate (and an index
        # both on `tables` and named in `names` is chosen twice).
        sig[f"{unique}index:{idx.table} ({', '.join(idx.columns)})"] = "index"
    types = catalog.types | set(catalog.enums) if names is None else \
        keys.intersection(catalog.enums) | (keys & catalog.types)
    for name in types:
        labels = catalog.enums.get(name)
        sig[f"type:{name}"] = tuple(labels) if labels is not None else "type"
    # Extensions are known by name alone, never with a schema.
    for name in catalog.extensions if names is None else catalog.extensions & names:
        sig[f"extension:{name}"] = "extension"
    return sig


def _primary_key(catalog: Catalog, table: str | None) -> tuple[str, ...]:
    t = dict.get(catalog.tables, table or "")  # read only: no clone of a fork's table
    for con in (t.constraints.values() if t else ()):
        if con.kind == "primary":
            return con.columns
    return ()


@lru_cache(maxsize=1024)
def _type(name: str, mods: tuple[int, ...], array: bool) -> str:
    """A column's type as compared (cached: a history has few distinct column types, and
    each signature spells out every column of the tables it covers)."""
    text = type_sql(name, mods, array)
    # `public.mood` and `mood` name the same type (the default search_path).
    return text[7:] if text.startswith("public.") else text


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return " ".join(_show(v) if isinstance(v, tuple) else str(v) for v in value
                        if v not in (None, (), ""))
    return str(value)


#: The kinds of a relation's own key in a signature (`table:public.t`).
_RELATION_KEYS = ("table", "view", "matview", "partitioned", "foreign")


def differences(before: dict[str, object], after: dict[str, object],
                partial: AbstractSet[str] = frozenset(),
                outside: AbstractSet[str] = frozenset()) -> list[tuple[str, str]]:
    """(object, what differs) for each object the up+down round trip did not restore.

    `partial` tables have columns lockwise does not know (CREATE TABLE AS, tables created
    outside the migrations): a column seen on one side only says nothing about them.
    `outside` tables were made outside the migrations and first seen in the up, which only
    altered them: seen after down only, they are no table the up made (nor are their columns).
    """
    if before == after:  # (most downs restore their scope: no key to walk)
        return []
    out = []
    for key in sorted(before.keys() | after.keys()):
        one_sided = key not in before or key not in after
        if one_sided and key.startswith("column:") and _owner(key) in partial:
            continue
        if key not in before and (_owner(key) or key.partition(":")[2]) in outside:
            continue
        if key not in after:
            out.append((key, "missing after down (up removed it, down does not restore it)"))
        elif key not in before:
            out.append((key, "still exists after down (up created it, down does not drop it)"))
        elif before[key] != after[key]:
            out.append((key, f"was {_show(before[key])}, after down {_show(after[key])}"))
    # An object removed whole explains its parts: keep `table:x` and leave out `column:x.c`.
    gone = {k.split(":", 1)[1] for k, _ in out if k.split(":", 1)[0] in _RELATION_KEYS}
    return [(k, why) for k, why in out if _owner(k) not in gone]


def _owner(key: str) -> str:
    """The table a column / constraint / index key belongs to ("" for tables and types)."""
    kind, _, rest = key.partition(":")
    if kind in ("column", "constraint"):
        return rest.rsplit(".", 1)[0]
    if kind == "row security":
        return rest
    if kind.endswith("index") or kind.endswith("key"):
        return rest.split(" ", 1)[0]
    return ""


def refusals_judged(effect: Effect, m: Migration, pg_version: int, refused: bool
                    ) -> list[tuple[str, str]]:
    """(rule id, message) of each rule reporting that PostgreSQL refuses a down's statement,
    whose `effect` the model computed against the catalog as the down finds it: with the
    built-in rules, judged as lint judges an up's. `refused`: the effect says a refusal
    (`statement_refusal`), judged by the rules reporting one (`RuleIndex.refusals`); else by
    those that say PostgreSQL refuses the statement from facts of their own
    (`_refused_without_fact`: a DROP TYPE still in use, ...)."""
    judge = _lint.Judge(_refusal_indexes()[0 if refused else 1], m, [])
    seen: dict[tuple, tuple] = {}
    found: list[tuple[str, str]] = []
    for action in effect.actions:
        facts = {**action.facts, "action": action.kind, "pg_version": pg_version,
                 "dialect": "postgresql"}
        found += [(f.rule, f.message) for f in judge.judge(facts, None, None, seen=seen,
                                                              refused=refused)]
    return found


@lru_cache(maxsize=1)
def refusal_context() -> tuple[bool, bool]:
    """(`Context.advice_facts`, `Context.locks_read`) for a down statement's effect judged
    for refusals only (`refusals_judged`, `_gone_in_down`, `_referenced_in_down`, which read
    its actions' facts, never its locks): the advice facts only if a rule judged reads one
    (`RuleIndex.reads`, which reads every text of a rule), the locks never. Of the
    built-in rules, none judged reads an advice fact."""
    from lockwise.effects.context import ADVICE_FACTS

    return any(index.reads(fact) for index in _refusal_indexes()
               for fact in ADVICE_FACTS), False


@lru_cache(maxsize=1)
def _refusal_indexes() -> tuple[RuleIndex, RuleIndex]:
    """The rules reporting a refusal fact, and `_refused_without_fact`."""
    from lockwise.rules.engine import RuleIndex
    from lockwise.rules.loader import load_rules

    rules = load_rules()
    return RuleIndex(rules).refusals, RuleIndex(filter(_refused_without_fact, rules))


def _refused_without_fact(rule: Rule) -> bool:
    """Whether `rule` says PostgreSQL refuses the statement as written (an input error that
    requires downtime, its message saying the refusal) from facts that are not refusal
    facts (`REFUSAL_FACTS`): drop-type-in-use, column-used-by-generated-column, ..."""
    from lockwise.core.types import Safety
    from lockwise.rules.engine import reports_refusal

    return "input" in rule.tags and rule.safety is Safety.REQUIRES_DOWNTIME and \
        "PostgreSQL refuses" in rule.message and not reports_refusal(rule)
