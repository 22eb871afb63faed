"""Building the migration graph: replay every migration's statements in order, follow each
object from the migration that creates it to the ones that alter, use and drop it, and find the
places where migrations step on each other.

The facts come from the effect model (`Effect.creates/drops/alters/reads/writes`); the schema at
each statement from the catalog replay. When lint already computed the effects (its
MigrationReports), they are reused and nothing is parsed twice.
"""

from __future__ import annotations

from collections.abc import (
    Callable,
    Collection,
    Container,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from operator import attrgetter
from sys import intern
from typing import TYPE_CHECKING, TypeVar

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import (
    Rollbacks,
    RoutineUsers,
    apply_statement,
    column_def_sequence,
    column_identity_sequence,
    copied,
    end_session,
    end_statement,
    follows_exactly,
    owned_sequences,
    routine_callers,
    routine_dependents,
    routine_users,
    routines_built_on,
    routines_calling,
    routines_reading_column,
    routines_using_column,
    row_type_columns,
    schema_callers,
)
from lockwise.catalog.search_path import PathInForce, elements_path, lookup_schemas
from lockwise.core.deferred import bound_on_use
from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import (
    Action,
    Effect,
    Migration,
    MigrationReport,
    Statement,
    ToolPlaceholders,
)
from lockwise.discover.layouts import KEYED_BY_NAME, LISTED_ORDER
from lockwise.discover.versions import (
    NUMERIC_VERSION_LAYOUTS,
    TEXT_ORDER_LAYOUTS,
    names_folder,
    never_run,
    version_identity,
    version_key,
)
from lockwise.effects.context import DEFAULT_PG_VERSION, Context
from lockwise.effects.nodes import (
    TEMPORARY_PREFIX,
    created_schema,
    drop_object_name,
    drop_object_names,
    element_relation,
    object_name,
    range_var,
    schema_elements,
    strings,
    type_name,
    unwrap,
    walk,
    walked_bodies_of_kind,
)
from lockwise.effects.refused import refusal, statement_refusal
from lockwise.effects.session import Session
from lockwise.graph.deps import (
    call_key,
    gone_columns,
    gone_routines,
    missing_call_error,
    none_takes,
    routine_calls,
    sequence_missing,
)
from lockwise.graph.model import (
    DUPLICATE_DOWN_STEP,
    Conflict,
    Location,
    MigrationGraph,
    duplicate_version_effect,
)
from lockwise.options import named_in

if TYPE_CHECKING:  # --base and the applied history make one: lint never does
    from pathlib import Path

    from lockwise.catalog.model import Callers, Table
    from lockwise.catalog.overloads import Routine
    from lockwise.graph.git import BranchInfo
    from lockwise.parse.pieces import Pieces
from lockwise.parse.postgres import ParsedFile
from lockwise.parse.quoting import object_key_sql as _shown
from lockwise.parse.quoting import object_sql, quote_ident, quote_qualified

_T = TypeVar("_T")

# Imported at the first name read of each (`bound_on_use`), not by an import statement in the
# functions that use them: those run for each statement a down check judges or replays (an
# import statement there was about 1% of the graph's side on lemmy+documenso), and a history
# without downs needs neither `down` nor `reach`.
_down = bound_on_use(globals(), "_down", "lockwise.graph.down")
_reach = bound_on_use(globals(), "_reach", "lockwise.catalog.reach")
_postgres = bound_on_use(globals(), "_postgres", "lockwise.effects.postgres")
# (and those of what each statement of the history may be checked for: what a drop leaves
# behind, the functions PostgreSQL has)
_dependents = bound_on_use(globals(), "_dependents", "lockwise.effects.dependents")
_volatility = bound_on_use(globals(), "_volatility", "lockwise.effects.volatility")

#: What a DROP ... CASCADE takes along, as `_Builder._cascaded_uses` tells it: what it is,
#: what becomes of what holds it, its key, where it was made, whether it is back, and how to
#: drop it by name first.
_Gone = tuple[str, str, str, "Location | None", Callable[[], bool], str]

#: DROP statements whose CASCADE takes the views over the dropped relation with it.
_RELATION_DROPS = {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"}

#: Relation kinds share one namespace in PostgreSQL (pg_class): a view read as `table:` in one
#: statement and created as `view:` in another is the same object.
_RELATION_KINDS = ("table", "view")



_NONE_BELOW: frozenset[str] = frozenset()

#: Objects a statement names in expressions and type names rather than as relations
#: (`_Builder._gone_routines`).
ROUTINE_KINDS = frozenset({"type", "function", "sequence"})

#: A bare name (lower case) that a text names only as a whole word of `_WORDS`: ASCII letters,
#: digits and underscores, shorter than the 63 bytes past which PostgreSQL truncates an
#: identifier (a truncated name is a prefix of the word written). Other names are searched
#: for in the text as they are.
_PLAIN_NAME = lazy_compile(r"[a-z0-9_]{1,62}")
_WORDS = lazy_compile(r"[a-z0-9_]+")
#: The sequence functions whose constant argument the server reads as regclass
#: (`_unknown_sequences`). Looked for as substrings of the lowered text: a case-insensitive
#: regex has no literal prefix to skip ahead with, and tried at every offset it cost a
#: twentieth of the graph side (fix-pg96's first form).
_SEQUENCE_FUNCTIONS = ("nextval", "currval", "setval")

#: From this many dropped routines' names on, `_DroppedMap.routines_named_in` looks a text's
#: words up instead of searching the text for each name (a search is cheaper for a few names;
#: for many, once per migration, it made histories that drop a function in every other
#: migration quadratic).
_NAMES_BY_WORDS = 48

#: The statements that can define a foreign key (`_fk_targets`), themselves or in an element
#: (CREATE SCHEMA).
_DEFINE_KEYS = frozenset({"CreateStmt", "AlterTableStmt", "CreateSchemaStmt"})
#: The statements that may make a serial's or identity's sequence (`_implicit_sequences`).
_MAKES_SEQUENCES = frozenset({"CreateStmt", "AlterTableStmt"})

#: Kinds of object named after their table (`column:app.t.c`), which follow its renames.
#: How a relation's kind (`Table.kind`) is named before its name, a plain table aside.
_RELATION_LABELS = {"view": "view", "matview": "materialized view",
                    "foreign": "foreign table"}
_TABLE_PARTS = ("column", "constraint", "trigger", "rule", "policy", "default")


class _DroppedMap(dict):
    """`kind:name` -> where it was dropped; also filed under every dotted prefix of the name, so
    the dropped children of a re-created table are found without scanning every drop of the
    history (that scan made long histories quadratic)."""

    def __init__(self, items: Iterable[tuple[str, tuple]] = ()) -> None:
        super().__init__()
        self._below: dict[str, set[str]] = {}
        #: The dropped columns alone, by the same prefixes: key -> the column's last name in
        #: lower case (what `_Builder._gone_columns` looks for in a statement's text). A
        #: prefix is removed with its last column.
        self.columns_below: dict[str, dict[str, str]] = {}
        #: The dropped types, functions and sequences, by their bare name in lower case.
        self._routines: dict[str, set[str]] = {}
        #: Those of `_routines`' names that are not `_PLAIN_NAME`s.
        self._odd_routines: set[str] = set()
        #: Counts the changes of `_routines`' names (to know a list made from them is stale).
        self.routines_version = 0
        #: The names `_routines` took on or lost, in order: what changed since a list was
        #: made from them (`_RoutinesNamed`).
        self.routines_changed: list[str] = []
        for key, value in items:
            self[key] = value

    def __reduce__(self) -> tuple:
        # Rebuilt through __init__: pickle would otherwise refill the dict through
        # __setitem__ before `_below` exists.
        return _DroppedMap, (list(self.items()),)

    def __deepcopy__(self, memo: dict) -> _DroppedMap:
        """A copy by its shape (what a savepoint keeps, `Rollbacks`): each set and dict its
        own, the values (a Location and a text, never changed in place) shared; not each
        key filed again (a deep copy of every value and a new filing was most of the
        kept state's copy on a history rolled back to savepoints)."""
        new = _DroppedMap()
        new._take(self)
        new.routines_version = self.routines_version
        return new

    def _take(self, other: _DroppedMap) -> None:
        """Hold what `other` holds, filed as it is (this map empty)."""
        dict.update(self, other)
        self._below = {prefix: set(keys) for prefix, keys in other._below.items()}
        self.columns_below = {prefix: dict(columns)
                              for prefix, columns in other.columns_below.items()}
        self._routines = {name: set(keys) for name, keys in other._routines.items()}
        self._odd_routines = set(other._odd_routines)
        self.routines_changed += self._routines

    @staticmethod
    def _prefixes(key: str) -> list[str]:
        # From a relation's name on (`app.accounts.`): under `app.`, a set of every object
        # of the schema, would be a set nobody asks for.
        parts = key.partition(":")[2].split(".")
        return [".".join(parts[:i]) + "." for i in range(2, len(parts))]

    @staticmethod
    def _routine_name(key: str) -> str | None:
        kind, _, name = key.partition(":")
        return name.rpartition(".")[2].lower() if kind in ROUTINE_KINDS else None

    def __setitem__(self, key: str, value: tuple) -> None:
        if key not in self:
            prefixes = self._prefixes(key)
            for prefix in prefixes:
                self._below.setdefault(prefix, set()).add(key)
            if key.startswith("column:"):
                column = key.rsplit(".", 1)[1].lower()
                for prefix in prefixes:
                    self.columns_below.setdefault(prefix, {})[key] = column
            if (name := self._routine_name(key)) is not None:
                if name not in self._routines:
                    self.routines_changed.append(name)
                    if not _PLAIN_NAME.fullmatch(name):
                        self._odd_routines.add(name)
                self._routines.setdefault(name, set()).add(key)
                self.routines_version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        for prefix in self._prefixes(key):
            self._below.get(prefix, set()).discard(key)
            columns = self.columns_below.get(prefix)
            if columns is not None and columns.pop(key, None) is not None and not columns:
                del self.columns_below[prefix]
        if (name := self._routine_name(key)) is not None:
            keys = self._routines.get(name, set())
            keys.discard(key)
            if not keys:
                self._routines.pop(name, None)
                self._odd_routines.discard(name)
                self.routines_version += 1
                self.routines_changed.append(name)

    def routine_names(self) -> Collection[str]:
        """The bare names (lower case) of the types, functions and sequences dropped."""
        return self._routines.keys()

    def routines_named_in(self, text: str) -> list[str]:
        """The bare names of `routine_names` that `text` (lower case) has (in no order): as a
        substring, or, with many names, a plain one as a whole word. Either is a superset of
        the names its statements' trees hold: those come from whole identifiers, quoted ones
        and the parts of string constants (`nextval('app.s')`), each bounded by characters
        that are no word's (a digit cannot run into a name: the parser refuses `1abc`)."""
        names = self._routines
        if len(names) < _NAMES_BY_WORDS:
            return [n for n in names if n in text]
        found = list(names.keys() & set(_WORDS.findall(text)))
        return found + [n for n in self._odd_routines if n in text]

    def pop(self, key: str, *default: object) -> object:
        if key in self:
            value = self[key]
            del self[key]
            return value
        return super().pop(key, *default)

    def clear(self) -> None:
        super().clear()
        self._below.clear()
        self.columns_below.clear()
        self.routines_changed += self._routines
        self._routines.clear()
        self._odd_routines.clear()
        self.routines_version += 1

    def update(self, other: Mapping[str, tuple]) -> None:  # type: ignore[override]
        """(A ROLLBACK puts the drops back, `Rollbacks`: into this map emptied, another's
        filing copied as it is; else each key filed.)"""
        if not self and type(other) is _DroppedMap:
            self._take(other)
            self.routines_version += 1  # (what was listed from the names is stale)
            return
        for key, value in other.items():
            self[key] = value

    def below(self, prefix: str) -> list[str]:
        """Keys whose name starts with `prefix` (a dotted prefix ending with a dot)."""
        return sorted(self._below.get(prefix, ()))


class _RoutinesNamed:
    """The dropped routines' names (`_DroppedMap.routine_names`) one migration's text (lower
    case) has, kept up as they change: only the names dropped or undropped since are looked
    at (searching the whole text again at each change made a migration renaming many
    sequences away quadratic)."""

    __slots__ = ("migration", "dropped", "text", "seen", "names", "_odd", "_looked",
                 "_words")

    def __init__(self, migration: Migration, dropped: _DroppedMap, text: str) -> None:
        self.migration, self.dropped, self.text = migration, dropped, text
        self.seen = len(dropped.routines_changed)
        self.names = set(dropped.routines_named_in(text))
        #: Those of `names` that are not `_PLAIN_NAME`s.
        self._odd = {name for name in self.names if not _PLAIN_NAME.fullmatch(name)}
        #: How many names were searched for in the text; from `_NAMES_BY_WORDS` on, its
        #: words are looked up instead (as `routines_named_in` does).
        self._looked = len(dropped.routine_names())
        self._words: set[str] | None = None

    def current(self) -> set[str]:
        """The names, as the dropped routines are now."""
        changed = self.dropped.routines_changed
        if self.seen != len(changed):
            left = self.dropped.routine_names()
            for name in changed[self.seen:]:
                if name in left and self._has(name):
                    self.names.add(name)
                    if not _PLAIN_NAME.fullmatch(name):
                        self._odd.add(name)
                else:
                    self.names.discard(name)
                    self._odd.discard(name)
            self.seen = len(changed)
        return self.names

    def in_statement(self, text: str) -> bool:
        """Whether a statement's text (lower case) has one of `current`'s names: among its
        words, for many."""
        names = self.names
        if len(names) < _NAMES_BY_WORDS:
            return any(name in text for name in names)
        return not names.isdisjoint(_WORDS.findall(text)) or \
            any(name in text for name in self._odd)

    def _has(self, name: str) -> bool:
        """Whether the text has `name`: a superset as `routines_named_in`'s."""
        if self._words is None:
            if self._looked < _NAMES_BY_WORDS:
                self._looked += 1
                return name in self.text
            self._words = set(_WORDS.findall(self.text))
        return name in self._words if _PLAIN_NAME.fullmatch(name) else name in self.text


def canon(obj: str) -> str:
    """`obj` (`kind:name`) as the graph keys it: a relation of any kind as a table. Interned:
    the graph keeps it in several places (`creator`, `created_at`, `users`, its edges) for
    the whole history, where each statement's effect made a new string (fix-speed70)."""
    kind, _, name = obj.partition(":")
    return intern(f"table:{name}" if kind in _RELATION_KINDS else obj)


def _parent(obj: str) -> str | None:
    """`column:s.t.c` / `constraint:s.t.c` / `trigger:s.t.x` / `rule:s.t.x` / `policy:s.t.p`
    / `default:s.t.c` -> `table:s.t`."""
    kind, _, name = obj.partition(":")
    if kind in _TABLE_PARTS and name.count(".") >= 2:
        return f"table:{name.rsplit('.', 1)[0]}"
    return None


class _Op:
    """What a migration did to an object (`op` on `obj`), and where. (Plain classes, as
    `_ViewDeps` and `_Pending`: never compared or printed, and making a dataclass is about
    1 M instructions of every lint's start.)"""

    __slots__ = ("args", "loc", "obj", "op")

    def __init__(self, op: str, obj: str, loc: Location,
                 args: tuple[tuple[str, bool], ...] | None = None) -> None:
        self.op = op
        self.obj = obj
        self.loc = loc
        #: A function's input argument types, when the statement names one overload (None:
        #: any).
        self.args = args


class _ViewDeps:
    """The objects a view (`key`) reads, and where it was created."""

    __slots__ = ("deps", "key", "loc")

    def __init__(self, deps: set[str], key: str, loc: Location) -> None:
        self.deps = deps
        self.key = key
        self.loc = loc


class _ViewMap(dict):
    """View name -> `_ViewDeps`, also filed by each object a view depends on, so the views
    over a dropped or renamed object are found without going through every view of the
    history for each statement (that scan made long histories quadratic).

    The filing is a superset (a view stays filed under what it no longer reads, until it is
    dropped): `reading` checks each candidate's deps, as a scan would. Code that changes a
    view's `deps` must call `refile` with the view's name; one that replaces the set may."""

    __slots__ = ("_order", "_next", "_readers", "_under")

    def __init__(self, items: Iterable[tuple[str, _ViewDeps]] = ()) -> None:
        super().__init__()
        #: The place of each view in the dict's order (a rank, not a position: a view
        #: inserted again goes last, as in the dict).
        self._order: dict[str, int] = {}
        self._next = 0
        self._readers: dict[str, set[str]] = {}
        #: Also by the name of each object depended on and each dotted prefix of it (the
        #: columns of `s.t` under `s.t` too): what a relation rename can move.
        self._under: dict[str, set[str]] = {}
        for view, vd in items:
            self[view] = vd

    def __reduce__(self) -> tuple:
        return _ViewMap, (list(self.items()),)

    def __deepcopy__(self, memo: dict) -> _ViewMap:
        """A copy by its shape (what a savepoint keeps, `Rollbacks`): each view's `deps`
        and each index's sets its own, the names and locations shared; not each view filed
        again (`_DroppedMap.__deepcopy__`)."""
        new = _ViewMap()
        new._take(self)
        return new

    def _take(self, other: _ViewMap) -> None:
        """Hold what `other` holds, filed and ranked as it is (this map empty)."""
        dict.update(self, {view: _ViewDeps(set(vd.deps), vd.key, vd.loc)
                           for view, vd in other.items()})
        self._order = dict(other._order)
        self._next = other._next
        self._readers = {obj: set(views) for obj, views in other._readers.items()}
        self._under = {name: set(views) for name, views in other._under.items()}

    def __setitem__(self, view: str, vd: _ViewDeps) -> None:
        if view not in self:
            self._order[view] = self._next
            self._next += 1
        super().__setitem__(view, vd)
        self.refile(view)

    def __delitem__(self, view: str) -> None:
        super().__delitem__(view)
        del self._order[view]

    def pop(self, view: str, *default: object) -> object:
        if view in self:
            vd = self[view]
            del self[view]
            return vd
        return super().pop(view, *default)

    def clear(self) -> None:
        super().clear()
        self._order.clear()
        self._readers.clear()
        self._under.clear()

    def update(self, other: Mapping[str, _ViewDeps]) -> None:  # type: ignore[override]
        """(A ROLLBACK puts the views back, `Rollbacks`: into this map emptied, another's
        filing copied as it is; else each view filed.)"""
        if not self and type(other) is _ViewMap:
            self._take(other)
            return
        for view, vd in other.items():
            self[view] = vd

    def refile(self, view: str) -> None:
        """File `view` under every object it depends on now."""
        for dep in self[view].deps:
            self._readers.setdefault(dep, set()).add(view)
            parts = dep.partition(":")[2].split(".")
            for i in range(1, len(parts) + 1):
                self._under.setdefault(".".join(parts[:i]), set()).add(view)

    def in_order(self, names: Iterable[str]) -> list[str]:
        """The views among `names`, each once, in the dict's order (that of a scan)."""
        return sorted({v for v in names if v in self}, key=self._order.__getitem__)

    def reading(self, obj: str) -> list[str]:
        """The views whose deps hold `obj`, in the dict's order (that of a scan)."""
        found = [v for v in self._readers.get(obj, ()) if v in self and obj in self[v].deps]
        return sorted(found, key=self._order.__getitem__)

    def under(self, name: str) -> list[str]:
        """The views that may depend on an object named `name` or on one inside it (a
        superset), in the dict's order."""
        found = [v for v in self._under.get(name, ()) if v in self]
        return sorted(found, key=self._order.__getitem__)

    def dependents(self, target: str) -> list[str]:
        """`dependent_views` of these views, without the scan of every view per step."""
        out: list[str] = []
        frontier = [target]
        while frontier:
            obj = frontier.pop(0)
            for view in self.reading(obj):
                if view not in out and f"table:{view}" != target:
                    out.append(view)
                    frontier.append(f"table:{view}")
        return out


class _User:
    """Something that still uses an object a DROP names (`_Builder._users_of`). Not a
    NamedTuple, nor `_DownCheck`: one generates and compiles code when it is defined, which
    every cold start of lint would pay."""

    __slots__ = ("subject", "predicate", "created", "instead", "first", "step")

    def __init__(self, subject: str, predicate: str, created: Location | None,
                 instead: str, first: str = "", step: str = "") -> None:
        self.subject = subject
        self.predicate = predicate
        self.created = created
        self.instead = instead
        #: The conflict's next step, when dropping `first` by name is not it.
        self.step = step
        #: The statement that drops it by name first (`dependents.drop_first_sql`), if any.
        self.first = first


#: Statements that may drop any object made outside the migrations: code the replay does not
#: see whole (an EXECUTE's: the routines its prepared statement calls are not in its tree),
#: or drops of what a role owns.
_DROPS_ANYTHING = frozenset({"DoStmt", "CallStmt", "DropOwnedStmt", "AlterExtensionStmt",
                             "ExecuteStmt"})
#: DROPs that take relations made outside with them: a table its partitions and inheritance
#: children, a schema, extension, server or wrapper what it holds.
_DROPS_WITH = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE",
                         "OBJECT_SCHEMA", "OBJECT_EXTENSION", "OBJECT_FOREIGN_SERVER",
                         "OBJECT_FDW"})


def _may_drop_anything(tree: dict, effect: Effect, text: str | None) -> bool:
    """Whether a statement may have dropped or moved any object made outside the migrations
    (`_Builder._forget_unmade`): a DO block, CALL, DROP OWNED, ALTER EXTENSION (its update
    script), a DROP of a relation, schema, extension or server, anything with CASCADE, one
    the effect model does not know, or one that calls a function not PostgreSQL's own.
    `text`: the statement's text in lower case when `tree` is certainly its parse, else None.
    A CASCADE is the keyword written (only `opt_drop_behavior`'s CASCADE makes a
    DROP_CASCADE), so a text without the word leaves only the calls to read."""
    kind, body = unwrap(tree)
    if kind in _DROPS_ANYTHING or kind == "DropStmt" and body.get("removeType") in _DROPS_WITH \
            or any(a.kind == "other" for a in effect.actions):
        return True
    builtin = _volatility.builtin_functions()
    if text is not None and "cascade" not in text:
        # (walked, not through `bodies_of_kind`'s memo: no one asked it of this tree before
        # and no one asks again, so each ask there missed and put out an entry still of use)
        return any(_not_builtin(node, builtin) for node in walked_bodies_of_kind(tree, "FuncCall"))
    for node_kind, node in walk(tree):
        if node.get("behavior") == "DROP_CASCADE" or \
                node_kind == "FuncCall" and _not_builtin(node, builtin):
            return True
    return False


def _not_builtin(call: dict, builtin: AbstractSet[str]) -> bool:
    """Whether FuncCall `call` may call a function not PostgreSQL's own: a name no built-in
    function has, or one qualified by a schema other than pg_catalog."""
    names = strings(call.get("funcname"))
    return bool(names) and (names[-1] not in builtin or
                            len(names) > 1 and names[0] != "pg_catalog")


#: The server's message refusing a statement that makes or moves an object into a schema
#: there is none of (3F000, IF [NOT] EXISTS or not; checked on 18.6, fix-pg111).
_SCHEMA_MISSING = 'schema "{}" does not exist'
#: ... and one that makes an object it names without a schema while no schema of the
#: search_path exists (3F000, `public` dropped under the default path; checked on 18.6,
#: fix-pg112).
_NO_SCHEMA_SELECTED = "no schema has been selected to create in"
#: Where a CREATE's parse tree names what it makes (a RangeVar, or a list of name parts),
#: by statement kind: `_made_unqualified`.
_MADE_AT = {"CreateStmt": ("relation",), "CreateTableAsStmt": ("into", "rel"),
            "SelectStmt": ("intoClause", "rel"), "ViewStmt": ("view",),
            "CreateSeqStmt": ("sequence",), "CompositeTypeStmt": ("typevar",),
            "CreateEnumStmt": ("typeName",), "CreateRangeStmt": ("typeName",),
            "CreateDomainStmt": ("domainname",), "CreateFunctionStmt": ("funcname",)}


def _made_unqualified(tree: dict) -> bool:
    """Whether `tree` is a CREATE that names what it makes without a schema: the server's
    message when no schema is there to make it in is then `_NO_SCHEMA_SELECTED`."""
    kind, node = unwrap(tree)
    path = _MADE_AT.get(kind)
    if path is None:
        return False
    found: object = node
    for step in path:  # (pglast's JSON inlines some nodes: accept them wrapped or not)
        found = found.get(step) if isinstance(found, dict) else None
        if isinstance(found, dict):
            found = found.get("IntoClause") or found.get("RangeVar") or found
    if isinstance(found, list):
        return len(strings(found)) == 1
    return isinstance(found, dict) and not found.get("schemaname")


def _schema_missing(tree: dict, schema: str) -> str:
    """The server's message refusing statement `tree` for `schema`, not there."""
    return _NO_SCHEMA_SELECTED if _made_unqualified(tree) else _SCHEMA_MISSING.format(schema)


def _relation_missing(tree: dict, name: str) -> str:
    """The server's message refusing a statement that names relation `name` (schema.name)
    while there is none, the relation as the statement writes it; "" when it names it in no
    RangeVar (COMMENT ON, GRANT: not said)."""
    schema, _, bare = name.partition(".")
    stack: list[object] = [tree]  # (RangeVars sit unwrapped under a statement's keys)
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(item)
        elif type(item) is dict:
            if item.get("relname") == bare and item.get("schemaname") in (None, schema):
                written = f"{schema}.{bare}" if item.get("schemaname") else bare
                return f'relation "{written}" does not exist'
            stack.extend(item.values())
    kind, body = unwrap(tree)
    if kind == "CreateFunctionStmt" and not body.get("sql_body"):  # (a string body, parsed)
        from lockwise.effects.postgres.create import sql_body

        return _relation_missing({"List": {"items": sql_body(body) or []}}, name)
    return ""


class _Pending:
    """A CASCADE drop of a dependent: a conflict unless the migration recreates it (as its
    creator says, or, given `back`, as the catalog says once the migration has run)."""

    __slots__ = ("back", "conflict", "dependent")

    def __init__(self, dependent: str, conflict: Conflict,
                 back: Callable[[], bool] | None = None) -> None:
        self.dependent = dependent
        self.conflict = conflict
        self.back = back


#: What the replay of the migrations so far left (`_Builder`'s own): a migration its tool
#: never runs is judged on a copy of it, then it is put back (`_Builder._judged_only`).
#: The statements of a down judged for a refusal (`_refused_in_down`): those that drop, alter
#: or rename what the up made, where a down goes wrong (the others are not computed).
#: A down that makes again what its up dropped is judged too (fix-pg92): a CREATE of a name
#: taken is refused as in an up (`name_taken`, object-already-exists).
_REFUSED_DOWN_KINDS = frozenset({"DropStmt", "AlterTableStmt", "RenameStmt",
                                 "AlterDomainStmt", "CreateStmt", "IndexStmt", "ViewStmt",
                                 "CreateEnumStmt", "CompositeTypeStmt", "CreateSeqStmt",
                                 "CreateDomainStmt", "CreateTableAsStmt",
                                 "CreateFunctionStmt"})
#: The actions of a down's statement that `_gone_in_down` judges (a drop of what is gone)
#: and those `_referenced_in_down` judges (a drop of what a key or a view still needs):
#: an effect with none of them is judged by `_refused_in_down` alone (a CREATE, a RENAME).
_GONE_ACTIONS = frozenset({"drop_index", "drop_table"})
_NEEDED_ACTIONS = frozenset({"drop_table", "drop_view", "drop_column"})
_DROP_ACTIONS = _GONE_ACTIONS | _NEEDED_ACTIONS
_REPLAYED = ("catalog", "creator", "created_at", "created_under", "users", "dropped",
             "not_yet", "full_tables", "views", "ops", "overloads")

_VERBS = {"drops": "drops", "alters": "alters", "writes": "writes to", "uses": "uses",
          "renames": "renames"}

#: Verbs of statements that leave an object's name free (a later CREATE of it may follow).
_FREES_THE_NAME = frozenset({"drops", "renames"})

#: Actions that drop the object's old name because they rename it.
_RENAMES = frozenset({"rename_column", "rename_constraint", "rename_index", "rename_table",
                      "rename_trigger", "rename_other", "set_schema"})
_OP_VERBS = {"type": "changes the type of", "default": "changes the default of",
             "set_not_null": "sets NOT NULL on", "drop_not_null": "drops NOT NULL of",
             "rename": "renames", "drop": "drops", "write": "UPDATEs",
             "create": "creates", "primary-key": "adds a primary key to", "use": "uses"}


class _Builder:
    def __init__(self, migrations: Sequence[Migration], reports: Iterable[MigrationReport],
                 pg_version: int, check_downs: bool, branch: BranchInfo | None,
                 downs_of: Collection[str] | None = None, templates: str = "substitute",
                 default_collation: str | None = None) -> None:
        #: How many of `migrations` were added so far.
        self.added = 0
        self.keys: list[str] = []
        self.graph = MigrationGraph([])
        self.retarget(migrations)
        self.reports = {id(r.migration): r for r in reports}
        self.reports_by_path = {(str(r.migration.path), r.migration.up_sql): r
                                for r in self.reports.values()}
        self.pg_version = pg_version
        self.check_downs = check_downs
        #: Check only these migrations' downs (ids or paths; None: all). A down check can
        #: only find a conflict of its own migration, and is most of the graph's work.
        self.downs_of = downs_of
        #: How the migrations it parses itself read template placeholders, as lint reads
        #: them (`--templates`): replayed with stand-ins, with `skip` left out, with `error`
        #: an up's first one is an InputError, as lint's (a down, which lint does not
        #: judge, is read with stand-ins: `_parsed`).
        self.templates = templates
        #: The database's default collation, as lint's options have it (`LintOptions.
        #: default_collation`), for the effects the graph computes itself.
        self.default_collation = default_collation
        #: Each stand-in identifier of the history and the placeholder it replaced, to
        #: name objects as the user wrote them (None: two texts share that stand-in).
        self.placeholders: dict[str, str | None] = {}
        self.branch = branch
        self.catalog = Catalog()
        self.creator: dict[str, str] = {}
        self.created_at: dict[str, Location] = {}
        #: relation -> the keys of `created_at` (a superset of `creator`'s) of that relation
        #: and of its columns, constraints and triggers: what a rename of it moves. Built at
        #: the first rename: a history without one never pays for it.
        self.created_under: dict[str, set[str]] | None = None
        self.users: dict[str, set[str]] = {}
        self.dropped: dict[str, tuple[Location, str]] = _DroppedMap()
        #: Tables, indexes and columns used before anything here created them (made outside
        #: the migrations, unless a later one creates them: `_created_late`): where first, how,
        #: the conflict already reported for a column a table created here lacked, and the
        #: server's message at the use ("" when not told). Forgotten when what comes between
        #: may have dropped or moved one made outside (`_forget_unmade`).
        self.not_yet: dict[str, tuple[Location, str, Conflict | None, str]] = {}
        self.full_tables: set[str] = set()
        self.views = _ViewMap()
        self.ops: dict[str, list[_Op]] = {}
        self.reported: set[tuple] = set()
        #: `function:s.f` -> the argument types of each of its overloads created here: a
        #: DROP of one overload leaves the function for the others.
        self.overloads: dict[str, set[tuple[tuple[str, bool], ...]]] = {}
        #: `function:s.f` -> where a DROP of one of its overloads left others (a call that
        #: none of them takes fails: `_calls_left_without_overload`).
        self.partly_dropped: dict[str, Location] = {}
        #: `function:s.f` -> the overload a DROP dropped, as `_named` shows it once the
        #: replay keeps none (`function public.f(integer)`).
        self.gone_signatures: dict[str, str] = {}
        #: The dropped routines' names the migration replayed has: most migrations name
        #: none, and their statements skip the search of their own text.
        self.routines_named: _RoutinesNamed | None = None
        #: Object key -> how a conflict's explanation named it (`_named`): its `shown`.
        self.names: dict[str, str] = {}
        #: The statement text `_lowered` lowered last, and its lower case: several checks of
        #: one statement search its text (`_lowered`). Held, so that `is` cannot match
        #: another string at a reused address.
        self._lower_of = ""
        self._lower = ""

    def _lowered(self, stmt: Statement) -> str:
        """`stmt.sql` in lower case, made once for the checks of one statement that search
        its text (`_gone_columns`, `_gone_routines`, `_unknown_sequences`, the calls left
        without an overload, `_forget_unmade`, an unknown statement's tables): kept for the
        text object, so another statement's text (or a text assigned anew) is lowered
        anew."""
        sql = stmt.sql
        if sql is not self._lower_of:
            self._lower_of = sql
            self._lower = sql.lower()
        return self._lower

    # --- edges and conflicts ----------------------------------------------------------------

    def edge(self, a: str, b: str, reason: str, obj: str | None) -> None:
        reasons = self.graph.edges.setdefault((a, b), {})
        objects = reasons.setdefault(reason, [])
        if obj is not None and obj not in objects and len(objects) < 8:
            objects.append(obj)

    def conflict(self, kind: str, locations: Sequence[Location | None], obj: str,
                 explanation: str, step: str = "") -> Conflict | None:
        locs = tuple(loc for loc in locations if loc is not None)
        key = (kind, obj, tuple(loc.migration for loc in locs))
        if key in self.reported:
            return None
        self.reported.add(key)
        found = Conflict(kind, locs, obj, explanation, step)
        self.graph.conflicts.append(found)
        return found

    def _named(self, key: str) -> str:
        """Object key `key` as the user writes the object (`object_key_sql`), with what the
        replay knows beyond the key: a relation's kind (`view public.v`, `materialized view
        public.m`), a routine's argument types when it has one overload (`function
        public.f(integer)`). Remembered as the conflict's `shown` (`finish`)."""
        kind, _, name = key.partition(":")
        text = ""
        if kind == "table":
            known = self.catalog.tables.get(name)
            label = _RELATION_LABELS.get(known.kind, "") if known is not None else \
                "view" if name in self.views else ""
            text = f"{label} {quote_qualified(name)}" if label else ""
        elif kind == "function" and len(overloads := self.catalog.kept_routines.get(name, ())
                                        ) == 1:
            (routine,) = overloads
            text = f"{'procedure' if routine.procedure else 'function'} " \
                f"{_routine_text(name, routine.args)}"
        elif kind == "function" and not overloads:
            text = self.gone_signatures.get(key, "")
        self.names[key] = text = text or _shown(key)
        return text

    # --- the replay ---------------------------------------------------------------------------

    def run(self) -> MigrationGraph:
        for m in self.migrations:
            self.add_own(m)
        return self.finish()

    def retarget(self, migrations: Sequence[Migration]) -> None:
        """Continue with `migrations` as the history: they must start with the migrations
        added so far (equal ids in the same order, so the same keys)."""
        keys = unique_keys(migrations)
        if len(keys) < self.added or keys[:self.added] != self.keys[:self.added]:
            raise ValueError("the new history does not continue the replayed one")
        self.migrations = list(migrations)
        #: id() of the migrations their tool never runs, as it runs another of their version
        #: (`never_run`, the decision lint's replay takes): judged, not replayed.
        self.not_run = never_run(self.migrations)
        self.keys = keys
        self.by_key = dict(zip(keys, self.migrations, strict=True))
        self.index = {k: i for i, k in enumerate(keys)}
        self.graph.migrations = self.migrations
        self.graph.keys = list(keys)

    def add(self, m: Migration, statements: list[tuple[Statement, Effect | None]],
            pieces: Pieces | None = None) -> None:
        """Replay the next migration of the history (they must come in order). `statements`
        is used up: each entry is let go once replayed. `pieces`: the statements (with no
        effects) are a huge file's in pieces (`add_own`), given their trees as replayed."""
        key = self.keys[self.added]
        if self.migrations[self.added] is not m:
            raise ValueError(f"migration {m.id} given out of order (expected {key})")
        if id(m) in self.not_run:
            with self._judged_only():
                self._add(key, m, statements, pieces)
        else:
            self._add(key, m, statements, pieces)

    @contextmanager
    def _judged_only(self) -> Iterator[None]:
        """Replay a migration its tool never runs on a copy of what the history left, put
        back after: its own conflicts (and edges to what it uses) are found as lint judges
        it, but nothing it creates, drops or uses is there for the migrations after it."""
        from copy import deepcopy

        kept = {name: getattr(self, name) for name in _REPLAYED}
        for name, value in kept.items():
            setattr(self, name, copied(value) if name == "catalog" else deepcopy(value))
        try:
            yield
        finally:
            for name, value in kept.items():
                setattr(self, name, value)
            self.routines_named = None  # (found from the copy's dropped routines)

    def _add(self, key: str, m: Migration, statements: list[tuple[Statement, Effect | None]],
             pieces: Pieces | None) -> None:
        self.added += 1
        down = self._down_before(m, statements)
        pending: list[_Pending] = []
        session = _replay_session(m, m.up_sql, [stmt for stmt, _ in statements]
                                  if pieces is None else
                                  pieces.passed_through([stmt for stmt, _ in statements]))
        # What a ROLLBACK (TO SAVEPOINT) undoes is no later migration's concern: the objects
        # its statements created, dropped and used, the views they made, the functions'
        # overloads, the tables known whole, their operations for --base (`_rolled_back`).
        rollbacks = Rollbacks(m.up_sql if session is not None else "", keep=(
            self.created_at, self.users, self.ops, self.creator, self.dropped, self.views,
            self.full_tables, self.overloads, self.partly_dropped, self.gone_signatures))
        ctx: Context | None = None  # (made at the first statement lint left no effect of)
        with PathInForce(self.catalog) as path:
            for stmt, effect in _used_up(statements, pieces):
                if session is not None:
                    path.use(session.search_path)
                    rollbacks.before(self.catalog, session)
                if effect is None:
                    if ctx is None:
                        ctx = replay_context(self.catalog, m, self.pg_version,
                                             self.default_collation)
                    effect = compute(stmt, ctx, session)
                self._statement(key, m, stmt, effect, pending, session)
                if session is not None:
                    ended = session.ended_transactions
                    session.after(effect, stmt.index)
                    end_statement(self.catalog, session, ended)
                    undone = rollbacks.after(self.catalog, session, ended)
                    if undone is not None:
                        self._rolled_back(key, *undone[:3])
        end_session(self.catalog)  # (its temporary tables are no later migration's)
        for p in pending:
            # (not when a ROLLBACK undid the CASCADE: the dependent is not dropped then)
            if (not p.back() if p.back is not None else
                    self.creator.get(p.dependent) != key and p.dependent in self.dropped):
                self.graph.conflicts.append(p.conflict)
        if down is not None:
            self._check_down(key, m, down)

    def _rolled_back(self, key: str, created_at: Mapping[str, Location],
                     users: Mapping[str, set[str]], ops: Mapping[str, list[_Op]]) -> None:
        """A ROLLBACK (TO SAVEPOINT) of migration `key` put back what the graph knew before
        the statements it undid (`created_at`, `users`, `ops`: what was known just before).
        Those statements still ran: what they used that was there before them, not made by
        them, had to be there, so those uses stay (a later drop of it is ordered after `key`;
        with --base, a drop on the other side still clashes)."""
        self.created_under = None  # (filed from `created_at`, put back: filed again if asked)

        def was_there(obj: str) -> bool:
            return created_at.get(obj) == self.created_at.get(obj)

        for obj, keys in users.items():
            if key in keys and key not in self.users.get(obj, ()) and was_there(obj):
                self.users.setdefault(obj, set()).add(key)
        after = ops.get(key, ())[len(self.ops.get(key, ())):]
        if used := [op for op in after if op.op == "use" and was_there(op.obj)]:
            self.ops.setdefault(key, []).extend(used)

    def finish(self) -> MigrationGraph:
        """The graph, once every migration was added."""
        # Version conflicts are about the whole list, not the replay: found last, so the state
        # after any prefix depends on that prefix only (lint resumes from such states).
        self._versions()
        for a, b in zip(self.keys, self.keys[1:], strict=False):
            self.edge(a, b, "order", None)
        if self.branch is not None:
            self._branch_conflicts(self.branch)
        names = self.names
        self.graph.conflicts = [c if c.shown or c.object not in names else
                                replace(c, shown=names[c.object]) for c in self.graph.conflicts]
        self._as_written()
        self.graph.conflicts.sort(key=lambda c: (_order(self.index, c), c.kind, c.object))
        return self.graph

    def add_own(self, m: Migration) -> None:
        """`add` `m` with its `statements_of`; a huge file the graph parses itself is parsed
        in pieces as lint parses it (`postgres.PIECES_FROM`), each piece's trees built as it is
        replayed and dropped after (the whole file's trees were the peak of a one-file lint's
        forked graph: 243 MB at 50,000 statements)."""
        parsed = None if self._report(m) is not None else self._in_pieces(m)
        if parsed is None:
            self.add(m, self.statements_of(m))
        else:
            self.add(m, [(s, None) for s in parsed.statements], parsed.pieces)

    def _report(self, m: Migration) -> MigrationReport | None:
        return self.reports.get(id(m)) or self.reports_by_path.get((str(m.path), m.up_sql))

    def _in_pieces(self, m: Migration) -> ParsedFile | None:
        """`m`'s up parsed in pieces, or None where it is parsed whole: where lint parses it
        whole (`parse_in_pieces` says which; a version folder's parts, which lint parses
        each alone), and for a down check, which reads every tree of the up before its
        replay (`_down_before`)."""
        from lockwise.parse import postgres

        if len(m.up_sql) <= postgres.PIECES_FROM or m.parts or self._checks_down(m):
            return None
        from lockwise.parse.pieces import parse_in_pieces

        parsed = parse_in_pieces(m.up_sql, postgres.PIECE_STATEMENTS, comments=False)
        if parsed is not None:
            self.note_placeholders(parsed.placeholders)
        return parsed

    def statements_of(self, m: Migration) -> list[tuple[Statement, Effect | None]]:
        """`m`'s statements for `add`: with the effects of lint's report when there is one,
        else parsed here (the effects are then computed as they are added)."""
        report = self._report(m)
        if report is not None:
            self.note_placeholders(report.placeholders)
            return [(s.statement, s.effect) for s in report.statements]
        parsed = self._parsed(m.up_sql, m.path, m.tool_placeholders)
        if parsed.problems:
            from lockwise.lint import parse_error_message
            from lockwise.parse.source import InputError

            self.graph.rejected += [
                InputError(parse_error_message(p, m.up_sql), m.path, p.span.line,
                           p.span.column) for p in parsed.problems]
        return [(s, None) for s in parsed.statements]

    def _parsed(self, sql: str, path: Path | None = None,
                tool: ToolPlaceholders | None = None) -> ParsedFile:
        """`sql` parsed as the templates mode says: an up (`path` given) as lint parses it;
        a down (no `path`) with stand-ins for `error`, as lint's graph always read it."""
        from lockwise.parse import templates  # (a module of a package: see parse.libpg)

        mode = "substitute" if path is None and self.templates == "error" else self.templates
        parsed = templates.parse_templated(sql, mode, path, comments=False, tool=tool)
        self.note_placeholders(parsed.placeholders)
        return parsed

    def note_placeholders(self, stand_ins: dict[str, str]) -> None:
        """Remember which placeholder each stand-in of a migration replaced: one spelling of
        it (migrations may spell one placeholder in several ways, `placeholder_key`), or None
        when it stood for two placeholders."""
        if not stand_ins:
            return
        from lockwise.parse.templates import placeholder_key

        for stand_in, text in stand_ins.items():
            known = self.placeholders.setdefault(stand_in, text)
            if known is not None and known != text and \
                    placeholder_key(known) != placeholder_key(text):
                self.placeholders[stand_in] = None

    def _as_written(self) -> None:
        """Name templated objects in conflicts and edges as the migrations wrote them."""
        from lockwise.parse.templates import with_placeholders

        known = {k: v for k, v in self.placeholders.items() if v is not None}
        if not known:
            return
        self.graph.conflicts = [
            replace(c, object=with_placeholders(c.object, known),
                    explanation=with_placeholders(c.explanation, known),
                    shown=with_placeholders(c.shown, known))
            for c in self.graph.conflicts]
        for reasons in self.graph.edges.values():
            for objects in reasons.values():
                objects[:] = [with_placeholders(o, known) for o in objects]

    def _statement(self, key: str, m: Migration, stmt: Statement, effect: Effect,
                   pending: list[_Pending], session: Session | None = None) -> None:
        # A statement PostgreSQL refuses changes nothing (as lint's replay decides, and with
        # lint's effect when there is one; a DO block by all it runs): it names what it uses,
        # but drops, creates and moves nothing, and is not replayed.
        refused = refusal(effect)
        if len(effect.actions) > 1 and effect.action == "do_block":
            # What a DO block runs may sit in a branch that does not run: the graph counts
            # only on the block itself (the replay treats its tables as unsure).
            effect = replace(effect, actions=effect.actions[:1])
        loc = Location(key, str(m.path), stmt.span.line, stmt.span.column)
        stmt_kind, stmt_body = unwrap(stmt.tree)
        creates = {canon(o) for o in effect.creates}  # a set: no order to keep
        if stmt_kind in _MAKES_SEQUENCES and not refused:
            creates.update(_implicit_sequences(self.catalog, stmt.tree))
        if_exists = any(a.facts.get("if_exists") for a in effect.actions)
        uses: dict[str, str] = {}
        for verb, objs in (("drops", effect.drops), ("alters", effect.alters),
                           ("writes", effect.writes), ("uses", effect.reads)):
            if not objs:
                continue
            for o in sorted(objs):  # sorted: output must not depend on hash order
                c = canon(o)
                if c not in creates and "(expression)" not in c:
                    uses.setdefault(c, verb)
        for obj, verb in self._gone_columns(stmt, uses).items():
            uses.setdefault(obj, verb)
        for obj in _inserted_columns(effect):
            uses.setdefault(obj, "writes")
        for obj in self._gone_routines(m, stmt, creates):
            uses.setdefault(obj, "uses")
        for obj in self._unknown_sequences(stmt, creates):
            uses.setdefault(obj, "uses")
        if self.partly_dropped:
            self._calls_left_without_overload(key, m, loc, stmt)
        # A DROP of routines refused for one of another kind stops there, before any later
        # routine is looked up (lint's effect says the one written before a missing one:
        # `drops._kind_refusal`, fix-pg105).
        if not if_exists and refused != "refused_routine_kind_drop":
            renames = bool(effect.drops) and any(a.kind in _RENAMES for a in effect.actions)
            # A routine body's tables count where the server resolves them at CREATE (a
            # LANGUAGE sql one, `body_checked`); else its first call is what fails.
            body_unchecked = stmt_kind == "CreateFunctionStmt" and \
                not any(a.facts.get("body_checked") for a in effect.actions)
            for obj, verb in uses.items():
                if body_unchecked and verb == "uses" and obj.startswith("table:"):
                    continue
                self._check_exists(key, m, loc, obj,
                                   "renames" if renames and verb == "drops" else verb,
                                   stmt.tree)
        if self.not_yet:
            self._forget_unmade(m, stmt, effect, uses)
        if not refused:
            self._check_dependents(key, loc, effect, pending)
            if stmt_kind == "DropStmt" or stmt_kind == "AlterTableStmt":
                self._cascaded_uses(key, loc, effect, pending, stmt_body)
        # Each of the next steps concerns a few kinds of statement only: the others skip it.
        if stmt_kind == "DropStmt":
            self._refused_drops(key, loc, stmt.tree)
        fk_targets = set().union(*self._for_parts(stmt.tree, effect, _fk_targets)) \
            if stmt_kind in _DEFINE_KEYS else _NONE_BELOW
        defines_view = stmt_kind == "ViewStmt" or (
            stmt_kind == "CreateTableAsStmt" and stmt_body.get("objtype") == "OBJECT_MATVIEW")
        for obj, verb in uses.items():
            parent = _parent(obj)
            source = self.creator.get(obj) or (self.creator.get(parent) if parent else None)
            if source and source != key:
                reason = "fk-target" if obj in fk_targets else \
                    "view-over" if defines_view and verb == "uses" else "created-by"
                self.edge(source, key, reason, obj)
            if verb == "drops" and not refused:
                for user in sorted(self.users.get(obj, ())):
                    if user != key:
                        self.edge(user, key, "dropped-after-use", obj)
            else:
                self.users.setdefault(obj, set()).add(key)
        if self.branch is not None and (key in self.branch.branch_new or
                                        key in self.branch.base_new):
            # (A refused one's too: replayed after the other side's, a statement may be
            # refused for what that side did, which is the conflict to find.)
            self.ops.setdefault(key, []).extend(_ops(effect, uses, creates, loc))
            self.ops[key].extend(_routine_ops(stmt.tree, effect, loc))
        if refused:
            if creates and stmt_kind != "DoStmt":
                self._unmade(loc, effect, creates, refused)
            if stmt_kind == "AlterTableStmt":
                self._inherited_column_kept(key, loc, effect)
            return
        self._update(key, loc, stmt, effect, creates, stmt_kind)
        views: dict[str, set[str]] = {}
        # The views a CASCADE drops that the effects do not name: found by the replay
        # (`Catalog.callers`, a schema's own), told by their absence after it.
        unnamed = _drops_views_unnamed(stmt.tree) \
            if stmt_kind == "DropStmt" or stmt_kind == "AlterTableStmt" else ""
        before = self._constraints_before(effect)
        if not unnamed:
            # (an EXECUTE's: the statement it runs, as lint's replay applies it)
            tree, sql = session.run_statement(stmt.tree, stmt.sql) if session is not None \
                else (stmt.tree, stmt.sql)
            apply_statement(self.catalog, tree, m.id, views, sql=sql)
        else:
            catalog = self.catalog
            dropped = catalog.dropped_relations = []
            try:
                apply_statement(catalog, stmt.tree, m.id, views, sql=stmt.sql)
            finally:
                catalog.dropped_relations = None
            matviews = {t.name for t in dropped if t.kind == "matview"}
            for view in self.views.in_order(t.name for t in dropped
                                            if t.name not in catalog.tables):
                if view in self.views:  # (not gone with one before it)
                    self._dropped_view(key, loc, view, unnamed, pending, view in matviews)
        for rel, deps in views.items():
            self._view_over(key, loc, rel, deps)
        self._note_parts_made(loc, effect, before)

    def _constraints_before(self, effect: Effect) -> dict[str, set[str]]:
        """The constraints of each table an ADD COLUMN adds to, before the statement: those
        after it that are not among them are the column's own (`_note_parts_made`)."""
        tables = self.catalog.tables
        return {str(a.facts.get("table", "")): set(known.constraints)
                for a in effect.actions if a.kind == "add_column"
                if (known := tables.get(str(a.facts.get("table", "")))) is not None}

    def _note_parts_made(self, loc: Location, effect: Effect,
                         before: Mapping[str, set[str]]) -> None:
        """Where the parts of a table a statement made or replaced are, when its effect does
        not name them among what it creates: the foreign key, unique or check constraint an
        ADD COLUMN or an unnamed ADD CONSTRAINT makes, an unnamed index, a policy, a default
        set by ALTER ... SET DEFAULT, a view CREATE OR REPLACE defines again. A conflict on
        what depends on them then points at that statement, not at the table's creation."""
        catalog, made = self.catalog, []
        for action in effect.actions:
            facts, kind = action.facts, action.kind
            table = str(facts.get("table", ""))
            if kind == "add_constraint" and facts.get("constraint"):
                made.append(f"constraint:{table}.{facts['constraint']}")
            elif kind == "create_index" and facts.get("index_name") and "." in table:
                made.append(f"index:{table.split('.', 1)[0]}.{facts['index_name']}")
            elif kind == "create_policy" and facts.get("policy"):
                made.append(f"policy:{table}.{facts['policy']}")
            elif kind == "set_default":
                made.append(f"default:{table}.{facts.get('column', '')}")
            elif kind == "create_view" and facts.get("replace"):
                made.append(f"table:{facts.get('view', table)}")
        for table, names in before.items():
            known = catalog.tables.get(table)
            if known is not None:
                made += [f"constraint:{table}.{n}" for n in known.constraints if n not in names]
        for obj in made:
            if obj.startswith("index:") and obj[6:] not in catalog.indexes:
                continue  # (not made: IF NOT EXISTS of one there)
            self.created_at[obj] = loc
            if self.created_under is not None:
                self._file_created(self.created_under, obj)

    def _dropped_view(self, key: str, loc: Location, view: str, what: str,
                      pending: list[_Pending], materialized: bool) -> None:
        """`view` (`materialized` or not) went with `what` a statement dropped with CASCADE:
        a conflict unless the migration creates it again, and gone from the state (with the
        views over it)."""
        from lockwise.effects.dependents import drop_first_sql, drop_first_step

        created = self.views[view].loc
        kind = "materialized view" if materialized else "view"
        self.names[f"table:{view}"] = f"{kind} {quote_qualified(view)}"
        found = Conflict("dependency-dropped", (created, loc), f"table:{view}",
                         f"{key} drops {what} with CASCADE, which silently drops view "
                         f"{quote_qualified(view)} "
                         f"(created in {created.migration}) too, and the migration does not "
                         f"recreate it",
                         drop_first_step(drop_first_sql(kind, quote_qualified(view))))
        pending.append(_Pending(f"table:{view}", found))
        self._cascade(key, loc, f"table:{view}")

    def _gone_columns(self, stmt: Statement, uses: dict[str, str]) -> dict[str, str]:
        """The columns the statement names (in expressions, column lists, constraints) that
        a table it touches lost to a DROP or RENAME COLUMN. The effect model names only some
        of the columns a statement reads; resolving the rest costs a walk of the tree, done
        only when a table the statement touches has lost a column."""
        below = self.dropped.columns_below
        if not below:
            return {}
        lost = [names for obj in uses if obj.startswith("table:")
                and (names := below.get(obj[6:] + "."))]
        if not lost:
            return {}
        # Most statements on such a table do not name the lost columns at all: the text says.
        text = self._lowered(stmt)
        if not any(name in text for names in lost for name in names.values()):
            return {}
        catalog = self.catalog

        def gone(rel: str, column: str) -> bool:
            table = catalog.tables.get(rel)
            return table is not None and column not in table.columns and \
                f"column:{rel}.{column}" in self.dropped

        def known(rel: str) -> bool:
            return rel in self.full_tables and catalog.sure_of(rel)

        return gone_columns(stmt.tree, catalog, gone, known)

    def _gone_routines(self, m: Migration, stmt: Statement, creates: AbstractSet[str]
                       ) -> list[str]:
        """The dropped types, functions and sequences the statement names (the effect model
        names none of them as read): walked only when the text has the name of one."""
        names = self.dropped.routine_names()
        if not names:
            return []
        named = self.routines_named
        if named is None or named.migration is not m or named.dropped is not self.dropped:
            text = named.text if named is not None and named.migration is m else \
                m.up_sql.lower()
            named = self.routines_named = _RoutinesNamed(m, self.dropped, text)
        if not named.current() or not named.in_statement(self._lowered(stmt)):
            return []
        return [obj for obj in gone_routines(stmt.tree, self.dropped.__contains__)
                if obj not in creates]

    def _unknown_sequences(self, stmt: Statement, creates: AbstractSet[str]) -> list[str]:
        """The sequences the statement looks up (ALTER SEQUENCE without IF EXISTS, a constant
        the server reads as regclass in nextval / currval / setval: `deps.gone_routines`)
        that the catalog knows no relation of: made outside the migrations, or by a later
        CREATE (`not_yet`, `_created_late`: 42P01 `relation "s" does not exist` at this
        statement, checked on 18.6, fix-pg96). Walked only when the text names a sequence
        function or the statement is an ALTER SEQUENCE."""
        if unwrap(stmt.tree)[0] != "AlterSeqStmt":
            text = self._lowered(stmt)
            if not any(name in text for name in _SEQUENCE_FUNCTIONS):
                return []
        cat = self.catalog

        def unknown(obj: str) -> bool:
            return obj.startswith("sequence:") and obj not in creates and \
                not cat.relation_named(obj[9:])

        return gone_routines(stmt.tree, unknown)

    def _calls_left_without_overload(self, key: str, m: Migration, loc: Location,
                                     stmt: Statement) -> None:
        """A call of a function a DROP left other overloads of (`partly_dropped`) that, for
        certain, none of them takes (`deps.none_takes`: by the count of its arguments or an
        implicit cast an evident type lacks) fails (checked on 18.6, fix-pg90: after DROP
        FUNCTION f(integer) with f(text) left, `SELECT f(1)` is refused, 42883 "function
        f(integer) does not exist", while `f('a')` and `f(NULL)` run). Not of a bare name
        a built-in function has, nor under a search_path of several schemas."""
        from lockwise.effects.volatility import builtin_functions

        text = self._lowered(stmt)
        # A call is judged only when its name is in the text: a statement whose text has
        # the name of no function partly dropped is not walked (the rest of the history,
        # statement by statement, once a DROP left other overloads).
        if not any(obj.rpartition(".")[2].lower() in text for obj in self.partly_dropped):
            return
        for names, call, procedure in routine_calls(stmt.tree):
            obj = call_key(names)
            where = self.partly_dropped.get(obj)
            if where is None or names[-1].lower() not in text or len(names) == 1 and (
                    names[0] in builtin_functions() or len(lookup_schemas() or ()) > 1):
                continue
            left = self.catalog.kept_routines.get(obj.partition(":")[2], ())
            if not left or (all(r.args for r in left) if call is None else
                            not none_takes(self.catalog, left, call, procedure)):
                continue
            by = "earlier in this migration" if where.migration == key else \
                f"in {where.migration}"
            error = missing_call_error(self.catalog, names, call, procedure)
            said = f': PostgreSQL stops with "{error}"' if error else ""
            kind = "procedure" if procedure else "function"
            self.conflict(
                "missing-object", [where, loc], obj,
                f"{m.id} calls {kind} {quote_qualified(obj.partition(':')[2])}, whose "
                f"{self.gone_signatures.get(obj, 'overload')} was dropped {by}: none of "
                f"those left ({', '.join(_routine_text(r.name, r.args) for r in left)}) "
                f"takes the call's arguments, so the statement fails{said}")

    def _check_exists(self, key: str, m: Migration, loc: Location, obj: str,
                      verb: str, tree: dict) -> None:
        kind, _, name = obj.partition(":")
        cat = self.catalog
        if kind == "table":
            # The replay keeps a table ALTER ... SET SCHEMA moved: the effect model's drop
            # of it, with nothing created since, says it is gone.
            alive = name in cat.tables and obj not in self.dropped
        elif kind in ("column", "constraint"):
            rel = name.rsplit(".", 1)[0]
            if rel not in cat.tables:
                if f"table:{rel}" in self.dropped:
                    self._report_missing(key, m, loc, f"table:{rel}", verb)
                return
            table = cat.tables[rel]
            alive = (name.rsplit(".", 1)[1] in
                     (table.columns if kind == "column" else table.constraints))
            if not alive and obj not in self.dropped and kind == "column" and \
                    rel in self.full_tables:
                created = self.created_at.get(f"table:{rel}")
                where = f" (created in {created.migration})" if created else ""
                found = self.conflict(
                    "missing-object", [created, loc], obj,
                    f"{m.id} {_VERBS[verb]} {self._named(obj)}, but table {quote_qualified(rel)}"
                    f"{where} never has that column "
                    f"in these migrations: the statement fails")
                if verb not in _FREES_THE_NAME:
                    self.not_yet.setdefault(obj, (loc, verb, found, ""))
                return
        elif kind == "index":
            alive = name in cat.indexes
        elif kind == "sequence":
            alive = obj not in self.dropped and bool(cat.relation_named(name))
        elif kind == "schema":
            # (one the migrations never made may be there already: a use of it is said only
            # once a later plain CREATE SCHEMA shows it was not, `_created_late`)
            alive = obj not in self.dropped and name in cat.schemas
        else:
            alive = obj not in self.dropped
        if not alive and obj in self.dropped:
            self._report_missing(key, m, loc, obj, verb, self._schema_gone_first(
                kind, name, tree, _call_error(self.catalog, tree, obj) if kind == "function"
                else sequence_missing(tree, name) if kind == "sequence"
                else _schema_missing(tree, name) if kind == "schema"
                else ""))
        elif not alive and verb not in _FREES_THE_NAME and obj not in self.not_yet and \
                len(lookup_schemas() or ()) < 2:
            # (A DROP or rename of an object made outside leaves its name free for a later
            # CREATE: no conflict if one comes. Under a search_path of several schemas an
            # unqualified name may mean another schema's, made outside: not said.)
            error = _relation_missing(tree, name) if kind in ("table", "index") else \
                sequence_missing(tree, name) or _relation_missing(tree, name) \
                if kind == "sequence" else _schema_missing(tree, name) \
                if kind == "schema" else ""
            self.not_yet[obj] = (loc, verb, None, error)

    def _schema_gone_first(self, kind: str, name: str, tree: dict, error: str) -> str:
        """`error`, or the schema's message when the statement names a relation or function
        in a schema the migrations dropped: the server looks the schema written up first
        (3F000 `schema "s" does not exist` for CREATE INDEX ON s.t or a trigger's EXECUTE
        FUNCTION s.f() after DROP SCHEMA s CASCADE, checked on 18.6, fix-pg112)."""
        schema, _, bare = name.partition(".")
        if kind in ("table", "index", "sequence"):
            written = error or _relation_missing(tree, name)
        elif kind == "function":
            written = error
        else:
            return error
        if f"schema:{schema}" in self.dropped and schema not in self.catalog.schemas and \
                f"{schema}.{bare}" in written:
            return _SCHEMA_MISSING.format(schema)
        return error

    def _created_late(self, key: str, loc: Location, obj: str, effect: Effect) -> None:
        """`obj`, which a statement used before anything here created it, is created at `loc`:
        it did not exist before (this CREATE would fail), so that statement fails on a
        database these migrations build. A column reported as never added is now told apart.
        A CREATE ... IF NOT EXISTS says nothing of what was there before, nor does a CREATE
        OR REPLACE VIEW, which replaces a view made outside (checked on 18.6:
        test_used_before_created)."""
        used, verb, reported, error = self.not_yet.pop(obj)
        if reported is None and any(a.facts.get("if_not_exists") or a.facts.get("replace")
                                    for a in effect.actions):
            return
        where = "later in this migration" if used.migration == key else f"in {key}"
        if obj.startswith("sequence:") and obj not in {canon(o) for o in effect.creates}:
            # (a serial's or identity's: the server would name it otherwise, `_seq1`, were
            # the name taken by one made outside)
            where += ", for a serial or identity column"
        said = f': PostgreSQL stops with "{error}"' if error else ""
        found = Conflict("missing-object", (used, loc), obj,
                         f"{used.migration} {_VERBS[verb]} {self._named(obj)}, which these "
                         f"migrations create "
                         f"only later ({where}): on a database built from them the statement "
                         f"fails{said}")
        at = next((i for i, c in enumerate(self.graph.conflicts) if c is reported), None)
        if at is not None:
            self.graph.conflicts[at] = found
        elif reported is None:
            self.graph.conflicts.append(found)

    def _forget_unmade(self, m: Migration, stmt: Statement, effect: Effect,
                       uses: dict[str, str]) -> None:
        """Forget the uses of objects not made here (`not_yet`, none reported yet) that the
        statement may have dropped or moved away, were they made outside the migrations: a
        later CREATE of one then says nothing of the use. What it drops or renames (IF EXISTS
        too); all of them after code the replay does not see whole (a DO block, CALL, a
        function not PostgreSQL's own, a statement the effect model does not know), or a
        drop that may take others with it (`_may_drop_anything`).

        The tree is the parse of `stmt.sql` but for its tool's values (Flyway's, `m`'s
        `tool_placeholders`), which the text keeps as placeholders: every statement comes
        from `_add`, parsed from the migration's text by lint or by `statements_of` /
        `_in_pieces`, and a template placeholder or psql variable is parsed as a stand-in
        of the same length that holds a `t` or a `_` (`tpl...`, `_v`), neither of which a
        CASCADE has, so no CASCADE keyword of the parse is missing from the text; a DO
        block's or an EXECUTE's text is never parsed here (`_DROPS_ANYTHING`)."""
        unmade = [obj for obj, entry in self.not_yet.items() if entry[2] is None]
        if not unmade:
            return
        tool = m.tool_placeholders
        if _may_drop_anything(stmt.tree, effect, self._lowered(stmt)
                              if tool is None or not tool.replace else None):
            gone = set(unmade)
        else:
            # (a table renamed or moved: its columns and indexes go with it)
            dropped = {obj for obj, verb in uses.items() if verb == "drops"}
            tables = tuple(f"column:{obj[6:]}." for obj in dropped if obj.startswith("table:"))
            gone = {obj for obj in unmade if obj in dropped or tables and (
                obj.startswith("index:") or obj.startswith(tables))}
        for obj in gone:
            del self.not_yet[obj]

    def _unmade(self, loc: Location, effect: Effect, creates: set[str], refused: str) -> None:
        """The relations a plain CREATE that PostgreSQL refuses (`refused`, its refusal fact)
        would have made: their names were free (a CREATE that ran would fail too:
        `_created_late`) and stay so, as if dropped there, so what later uses one fails
        (`missing-object`). Not after OR REPLACE or IF NOT EXISTS, which say nothing of what
        was there; not a name the catalog knows (refused before the name is looked at, what
        has it stays), nor a temporary one (no later migration's). A DO block's statements
        may sit in a branch that does not run: the caller leaves them."""
        if any(a.facts.get("if_not_exists") or a.facts.get("replace")
               for a in effect.actions):
            return
        for obj in sorted(creates):
            name = obj[6:]
            if obj.startswith("table:") and name not in self.catalog.tables and \
                    not name.startswith(TEMPORARY_PREFIX):
                self.dropped[obj] = (loc, f"refused at its CREATE ({refused})")

    def _inherited_column_kept(self, key: str, loc: Location, effect: Effect) -> None:
        """A DROP COLUMN refused because the column is inherited ("cannot drop inherited
        column", 42P16, with or without CASCADE; checked on 18.6) from a parent another
        migration made: what it inherits from, and how the column goes instead (from the
        parent, which drops it from every child; or, for an inheritance child, after NO
        INHERIT, which makes it the child's own)."""
        from lockwise.effects.dependents import drop_first_sql

        for action in effect.actions:
            facts = action.facts
            if action.kind != "drop_column" or not (
                    facts.get("refused_by_inheritance") or facts.get("refused_on_partitioned")):
                continue
            table, column = str(facts.get("table", "")), str(facts.get("column", ""))
            known = self.catalog.tables.get(table)
            if known is None:
                continue
            parents = [known.partition_of] if known.partition_of else list(known.inherits)
            for parent in parents:
                held = self.catalog.tables.get(parent or "")
                created = self.created_at.get(f"table:{table}")
                if held is None or column not in held.columns or created is None or \
                        created.migration == key:
                    continue
                shown, by = quote_qualified(parent), quote_qualified(table)
                said = facts.get("refused_by_inheritance_text") or \
                    facts.get("refused_on_partitioned_text") or ""
                instead = drop_first_sql("column", shown, column)
                if not known.partition_of:
                    instead += f"), or take {by} out of the hierarchy first, which makes the " \
                        f"column its own (ALTER TABLE {by} NO INHERIT {shown};"
                what = "partition of" if known.partition_of else "child of"
                self.graph.conflicts.append(Conflict(
                    "dependency-dropped", (created, loc), f"column:{table}.{column}",
                    f"{key} drops column {object_sql('column', f'{table}.{column}')}, which "
                    f"{by} (created in {created.migration}), a {what} {shown}, inherits: "
                    f'PostgreSQL refuses it with or without CASCADE ("{said}")',
                    f"drop it from {shown} instead, which drops it from every "
                    f"{'partition' if known.partition_of else 'child'} ({instead})"))

    def _report_missing(self, key: str, m: Migration, loc: Location, obj: str,
                        verb: str, error: str = "") -> None:
        where, how = self.dropped[obj]
        by = "earlier in this migration" if where.migration == key else f"in {where.migration}"
        said = f': PostgreSQL stops with "{error}"' if error else ""
        self.conflict("missing-object", [where, loc], obj,
                      f"{m.id} {_VERBS[verb]} {self._named(obj)}, which was {how} {by} and not "
                      f"created "
                      f"again: the statement fails{said}")

    def _check_dependents(self, key: str, loc: Location, effect: Effect,
                          pending: list[_Pending]) -> None:
        dropping = {canon(o) for o in effect.drops}
        for action in effect.actions:
            if action.kind == "drop_column":
                table, column = action.facts.get("table", ""), action.facts.get("column", "")
                known = self.catalog.tables.get(table)
                if known is None or column not in known.columns:
                    continue
                target = f"column:{table}.{column}"
            elif action.kind in ("drop_table", "drop_view"):
                table = action.facts.get("table", "")
                if table not in self.catalog.tables:
                    continue
                target = f"table:{table}"
            else:
                continue
            cascade = bool(action.facts.get("cascade"))
            for dependent, what, created in [*self._dependents(target, dropping),
                                             *(self._rules_gone(target, dropping)
                                               if cascade else self._routine_users(target))]:
                owner = f" (created in {created.migration})" if created else ""
                if cascade:
                    text = (f"{key} drops {self._named(target)} with CASCADE, which silently "
                            f"drops {what}"
                            f"{owner} too, and the migration does not recreate it")
                else:
                    text = (f"{key} drops {self._named(target)} while {what}{owner} still "
                            f"depends on it: "
                            f"PostgreSQL refuses the drop (other objects depend on it)")
                from lockwise.effects.dependents import drop_first_step

                found = Conflict("dependency-dropped", tuple(
                    x for x in (created, loc) if x is not None), target, text,
                    drop_first_step(self._drop_first_sql(dependent)))
                if cascade:
                    pending.append(_Pending(dependent, found))
                    self._cascade(key, loc, dependent)
                else:
                    self.graph.conflicts.append(found)

    def _routine_users(self, target: str) -> list[tuple[str, str, Location | None]]:
        """The functions and procedures whose SQL-standard body reads or writes `target` (a
        column): its DROP COLUMN without CASCADE is refused while one exists (2BP01; checked
        on 18.6), told as `_dependents` tells a view."""
        kind, _, name = target.partition(":")
        if kind != "column":
            return []
        ROUTINE_DEPENDENT_KINDS = _dependents.ROUTINE_DEPENDENT_KINDS

        table, column = name.rsplit(".", 1)
        # (filed as `{kind}:{call}`, which `_drop_first_sql` drops by name)
        return [(f"{kind}:{call}", f"{kind} {call}", self.created_at.get(f"function:{r.name}"))
                for r in routines_using_column(self.catalog, table, column)
                for kind, call in [(ROUTINE_DEPENDENT_KINDS[r.procedure],
                                    f"{quote_qualified(r.name)}({', '.join(r.args)})")]]

    def _drop_first_sql(self, dependent: str) -> str:
        """How to drop `dependent` (a view `table:`, a foreign key `constraint:`, a rule
        `rule:`, as `_dependents` and `_rules_gone` file it, or a routine `function:` or
        `procedure:` with its call, as `_routine_users` does) by name, before the drop."""
        from lockwise.effects.dependents import drop_first_sql

        kind, _, name = dependent.partition(":")
        if kind in ("function", "procedure"):
            return drop_first_sql(kind, name)
        if kind == "table":
            known = self.catalog.tables.get(name)
            view = "materialized view" if known is not None and known.kind == "matview" \
                else "view"
            return drop_first_sql(view, quote_qualified(name))
        table, own = name.rsplit(".", 1)
        return drop_first_sql("constraint" if kind == "constraint" else "rule",
                              quote_qualified(table), own)

    def _cascaded_uses(self, key: str, loc: Location, effect: Effect,
                       pending: list[_Pending], stmt: dict) -> None:
        """What DROP SEQUENCE / FUNCTION / TYPE / DOMAIN / SCHEMA ... CASCADE drops of what
        another migration made, as the server does (checked on 18.6; `_check_dependents`
        tells the views and keys a dropped table or column takes along): the defaults that
        draw from the sequence (the columns stay), the triggers that execute the function
        (their tables stay), the columns of the type or domain and the tables of the type,
        and the tables of the schema; the columns of a dropped table's row type; the
        routines whose SQL-standard body uses a dropped table, column or function. Each a
        conflict unless the migration makes it again. `stmt`: the statement's node."""
        if not any(action.facts.get("cascade") for action in effect.actions):
            return
        from lockwise.effects.dependents import drop_first_sql, drop_first_step

        catalog, at = self.catalog, self.created_at.get
        for action in effect.actions:
            if not action.facts.get("cascade"):
                continue
            # (what, what becomes of what holds it, key, where it was made, whether it is
            # back, how to drop it by name first)
            gone: list[_Gone] = []
            if action.kind == "drop_sequence":
                target = f"sequence:{action.facts.get('name', '')}"
                gone = self._defaults_gone(catalog.columns_drawing_from(target[9:]))
            elif action.kind == "drop_function":
                name = str(action.facts.get("name", ""))
                target = f"function:{name}"
                # (the triggers the effect drops with it: those calling its name, or
                # whose WHEN does)
                gone = [*((f"trigger {quote_ident(trigger)} on {quote_qualified(t)}",
                           " (the table stays: the trigger no longer runs)",
                           f"trigger:{t}.{trigger}", at(f"trigger:{t}.{trigger}")
                           or at(f"table:{t}"), partial(self._has_trigger, t, trigger),
                           drop_first_sql("trigger", quote_qualified(t), trigger))
                          for t, trigger in sorted((table.name, trigger) for table, trigger in
                                                   catalog.triggers_dropped_with(
                                                       name.rsplit(".", 1)[-1], name))),
                        *self._routines_gone(routines_calling(catalog, stmt, name)),
                        # (its views are `_dropped_view`'s to tell)
                        *self._callers_gone(found := routine_callers(catalog, name, stmt),
                                            catalog.policies_on_others(found.views, [name]))]
            elif action.kind == "drop_type":
                name = str(action.facts.get("name", ""))
                target = f"type:{name}"
                gone = [*((f"typed table {quote_qualified(t)} and its rows", "", f"table:{t}",
                           at(f"table:{t}"), partial(catalog.tables.__contains__, t),
                           drop_first_sql("typed table", quote_qualified(t)))
                          for t in catalog.typed_tables(name)),
                        *self._columns_gone(catalog.columns_dropped_with_type(name))]
            elif action.kind == "drop_table":
                name = str(action.facts.get("table", ""))
                target = f"table:{name}"
                dropping = {canon(o) for o in effect.drops}
                gone = [*self._columns_gone((t, c) for t, c in row_type_columns(catalog, name)
                                            if f"table:{t}" not in dropping),
                        *self._routines_gone(routines := routines_built_on(catalog, name)),
                        *self._routine_callers_gone(key, loc, routines)]
            elif action.kind == "drop_column":
                table = str(action.facts.get("table", ""))
                column = str(action.facts.get("column", ""))
                target = f"column:{table}.{column}"
                routines = routines_reading_column(catalog, table, column)
                gone = [*self._routines_gone(routines),
                        *self._routine_callers_gone(key, loc, routines)]
            elif action.kind == "drop_index":
                name = str(action.facts.get("index", ""))
                target = f"index:{name}"
                index = catalog.indexes.get(name)
                if index is None or catalog.index_constraint(index) is not None:
                    continue  # (refused, CASCADE or not: `_refused_drops` says it)
                gone = [(f"foreign key {quote_ident(n)} on {quote_qualified(t)}",
                         f" (the table stays: its rows are no longer checked against "
                         f"{quote_qualified(index.table)})",
                         f"constraint:{t}.{n}", at(f"constraint:{t}.{n}") or at(f"table:{t}"),
                         partial(self._has_constraint, t, n),
                         drop_first_sql("constraint", quote_qualified(t), n))
                        for t, n in self._keys_on_index(name)]
            elif action.kind == "drop_schema":
                schema = str(action.facts.get("schema", ""))
                target = f"schema:{schema}"
                # (the views are `_dropped_view`'s to tell)
                gone = [(f"table {quote_qualified(obj[6:])} and its rows", "", obj, at(obj),
                         partial(catalog.tables.__contains__, obj[6:]),
                         drop_first_sql("table", quote_qualified(obj[6:])))
                        for obj in sorted(self.creator) if obj.startswith(f"table:{schema}.")
                        and obj[6:] not in self.views]
                # Its types take the typed tables and columns of them elsewhere along, and
                # what elsewhere calls its functions or casts to its types goes too.
                for type_name in sorted(t for t in catalog.types if t.startswith(schema + ".")):
                    tables, columns = catalog.of_type_outside(type_name, schema)
                    gone += [*((f"typed table {quote_qualified(t)} and its rows", "",
                                f"table:{t}", at(f"table:{t}"),
                                partial(catalog.tables.__contains__, t),
                                drop_first_sql("typed table", quote_qualified(t)))
                               for t in tables), *self._columns_gone(columns)]
                gone += self._callers_gone(schema_callers(catalog, schema, stmt))
            for what, left, dependent, created, back, first in gone:
                if created is not None and created.migration == key:
                    continue  # made by this migration: its own business
                owner = f" (created in {created.migration})" if created else ""
                pending.append(_Pending(dependent, Conflict(
                    "dependency-dropped", tuple(x for x in (created, loc) if x is not None),
                    target, f"{key} drops {self._named(target)} with CASCADE, which silently drops "
                    f"{what}{owner} too, and the migration does not recreate it{left}",
                    drop_first_step(first)), back))

    def _columns_gone(self, columns: Iterable[tuple[str, str]], kind: str = "column",
                      views_first: bool = False) -> list[_Gone]:
        """What `_cascaded_uses` says of the (table, column) pairs a CASCADE drops with their
        data (`kind`: what they are called); `views_first`: each one's step drops the views
        reading it first (`views_first_sql`), as a refused drop's steps must."""
        drop_first_sql, views_first_sql = _dependents.drop_first_sql, _dependents.views_first_sql

        at = self.created_at.get
        return [(f"{kind} {object_sql('column', f'{t}.{c}')} and its data", "",
                 f"column:{t}.{c}", at(f"column:{t}.{c}") or at(f"table:{t}"),
                 partial(self._has_column, t, c),
                 "\n".join([*(views_first_sql(self.catalog, [(t, c)]) if views_first else ()),
                            drop_first_sql("column", quote_qualified(t), c)]))
                for t, c in columns]

    def _routines_gone(self, routines: Iterable[Routine]
                       ) -> list[_Gone]:
        """What `_cascaded_uses` says of the functions and procedures a CASCADE drops."""
        from lockwise.effects.dependents import ROUTINE_DEPENDENT_KINDS, drop_first_sql

        at = self.created_at.get
        return [(f"{kind} {call}", "", f"function:{r.name}", at(f"function:{r.name}"),
                 partial(self._has_routine, r), drop_first_sql(kind, call))
                for r in routines
                for kind, call in [(ROUTINE_DEPENDENT_KINDS[r.procedure],
                                    f"{quote_qualified(r.name)}({', '.join(r.args)})")]]

    def _routine_callers_gone(self, key: str, loc: Location, routines: Collection[Routine]
                              ) -> list[_Gone]:
        """What `_cascaded_uses` says of what a DROP TABLE / COLUMN ... CASCADE drops because
        it calls one of the `routines` it takes along (`routine_dependents`, as DROP
        FUNCTION's: checked on 18.6): the views not told yet as views over what it drops
        (each gone from the state as `_check_dependents`'s are), then the defaults,
        generated columns, constraints and indexes (`_callers_gone`)."""
        if not routines:
            return []
        found = routine_dependents(self.catalog, routines)
        views = [v for v in found.views if v in self.views]
        gone = [(f"view {quote_qualified(v)}", "", f"table:{v}", self.views[v].loc,
                 partial(self.catalog.tables.__contains__, v), self._drop_first_sql(f"table:{v}"))
                for v in views]
        for view in views:
            if view in self.views:  # (not gone with one before it)
                self._cascade(key, loc, f"table:{view}")
        return [*gone, *self._callers_gone(found)]

    def _defaults_gone(self, columns: Iterable[tuple[str, str]]) -> list[_Gone]:
        """What `_cascaded_uses` says of the defaults of the (table, column) pairs a CASCADE
        drops, the columns staying."""
        from lockwise.effects.dependents import drop_first_sql

        at = self.created_at.get
        return [(f"the default of column {object_sql('column', f'{t}.{c}')}",
                 " (the column stays: inserts leave it NULL)",
                 f"default:{t}.{c}",
                 at(f"default:{t}.{c}") or at(f"column:{t}.{c}") or at(f"table:{t}"),
                 partial(self._has_default, t, c),
                 drop_first_sql("default", quote_qualified(t), c)) for t, c in columns]

    def _callers_gone(self, found: Callers, policies: Iterable[tuple[Table, str]] = (),
                      refused: bool = False) -> list[_Gone]:
        """What `_cascaded_uses` says of what a CASCADE drops because it calls a routine that
        goes (`Catalog.callers`, its views aside: told apart) and of the `policies` (table,
        name) that go: a default (the column stays), a generated column with its data, a
        CHECK or exclusion constraint, an index, a policy (each tied to the routine in
        pg_depend: checked on 18.6, tests/graph/test_graph_routine_callers.py). `refused`:
        for a drop refused for them, whose steps drop the views reading a generated column
        first (fix-pg82)."""
        from lockwise.effects.dependents import drop_first_sql

        at, catalog = self.created_at.get, self.catalog
        return [*self._defaults_gone(found.defaults),
                *self._columns_gone(found.generated, "the generated column", refused),
                *((f"constraint {quote_ident(n)} on {quote_qualified(t)}", "",
                   f"constraint:{t}.{n}", at(f"constraint:{t}.{n}") or at(f"table:{t}"),
                   partial(self._has_constraint, t, n),
                   drop_first_sql("constraint", quote_qualified(t), n))
                  for t, n in found.constraints),
                *((f"index {quote_qualified(i)}", "", f"index:{i}",
                   at(f"index:{i}") or at(f"table:{catalog.indexes[i].table}"),
                   partial(catalog.indexes.__contains__, i), drop_first_sql("index",
                                                                            quote_qualified(i)))
                  for i in found.indexes if i in catalog.indexes),
                *((f"policy {quote_ident(p)} on {quote_qualified(t.name)}", "",
                   f"policy:{t.name}.{p}", at(f"policy:{t.name}.{p}") or at(f"table:{t.name}"),
                   partial(self._has_policy, t.name, p),
                   drop_first_sql("policy", quote_qualified(t.name), p)) for t, p in policies)]

    def _has_default(self, table: str, column: str) -> bool:
        """Whether `table`.`column` has a default (again), as the replay stands."""
        known = self.catalog.tables.get(table)
        col = known.columns.get(column) if known is not None else None
        return col is not None and col.default is not None

    def _has_routine(self, routine: Routine) -> bool:
        """Whether `routine`'s overload (its name and argument types) is there (again), as
        the replay stands."""
        return any(r.args == routine.args
                   for r in self.catalog.kept_routines.get(routine.name, ()))

    def _has_column(self, table: str, column: str) -> bool:
        """Whether `table` has `column` (again), as the replay stands."""
        known = self.catalog.tables.get(table)
        return known is not None and column in known.columns

    def _has_constraint(self, table: str, constraint: str) -> bool:
        """Whether `table` has `constraint` (again), as the replay stands."""
        known = self.catalog.tables.get(table)
        return known is not None and constraint in known.constraints

    def _has_policy(self, table: str, policy: str) -> bool:
        """Whether `table` has `policy` (again), as the replay stands."""
        known = self.catalog.tables.get(table)
        return known is not None and policy in known.policies

    def _has_trigger(self, table: str, trigger: str) -> bool:
        """Whether `table` has `trigger` (again), as the replay stands."""
        known = self.catalog.tables.get(table)
        return known is not None and trigger in known.triggers

    def _refused_drops(self, key: str, loc: Location, tree: dict) -> None:
        """A DROP that PostgreSQL refuses because something the catalog knows still uses
        what it drops (each case checked on the server: tests/graph/test_graph_build.py), with
        the statement that drops each user by name first where there is one (checked too:
        tests/graph/test_cascade_drops_graph.py)."""
        drop_first_step = _dependents.drop_first_step

        kind, body = unwrap(tree)
        if kind != "DropStmt":
            return
        what = _REFUSING_DROPS.get(body.get("removeType", ""))
        cascade = body.get("behavior") == "DROP_CASCADE"
        if what is None or (cascade and what not in ("sequence", "index")):
            return
        # What the statement drops alongside uses nothing any more.
        dropped = {object_name(n) for n in drop_object_names(body) if n}
        for obj in body.get("objects") or ():
            names = drop_object_name(obj)
            if not names:
                continue
            name = names[-1] if what == "schema" else object_name(names)
            for user in self._users_of(what, name, names, obj, cascade, dropped):
                owner = f" (created in {user.created.migration})" if user.created else ""
                # (the next step with the user's names, as a CASCADE's: `drop_first_step`)
                first = user.step or (drop_first_step(user.first) if user.first else "")
                self.graph.conflicts.append(Conflict(
                    "dependency-dropped",
                    tuple(x for x in (user.created, loc) if x is not None), f"{what}:{name}",
                    f"{key} drops {self._named(f'{what}:{name}')} while {user.subject}{owner} "
                    f"{user.predicate}: "
                    f"PostgreSQL refuses the drop ({user.instead})", first))

    def _users_of(self, what: str, name: str, names: list[str], obj: object, cascade: bool,
                  dropped: set[str]) -> list[_User]:
        """What still uses the object a DROP names (`what` as in `_REFUSING_DROPS`), other
        than the relations the statement drops too (`dropped`), each with the statement that
        drops it by name first where there is one."""
        ROUTINE_DEPENDENT_KINDS = _dependents.ROUTINE_DEPENDENT_KINDS
        drop_first_sql = _dependents.drop_first_sql

        catalog, at = self.catalog, self.created_at.get

        def column(subject: str, table: str, col: str, instead: str, step: str = "") -> _User:
            return _User(f"{subject} {object_sql('column', f'{table}.{col}')}",
                         "still uses it",
                         (step == "default" and at(f"default:{table}.{col}"))
                         or at(f"column:{table}.{col}") or at(f"table:{table}"), instead,
                         drop_first_sql(step, quote_qualified(table), col) if step else "")

        def namers(relations: set[str], of: str,
                   listed: Container[tuple[str, str]] = ()) -> list[_User]:
            # What names one of `relations` by a regclass constant, on no table dropped too
            # (nor a column `listed` already).
            instead = f"drop or change it first, or the {of} with CASCADE, which drops it"
            found = catalog.naming(relations)
            return [*(column(f"the {label} of column", t, c, instead, label)
                      for label, pairs in (("default", found.defaults),
                                           ("expression", found.generated))
                      for t, c in pairs if t not in dropped and (t, c) not in listed),
                    *(_User(f"constraint {quote_ident(n)} on {quote_qualified(t)}",
                            "still names it",
                            at(f"constraint:{t}.{n}") or at(f"table:{t}"), instead,
                            drop_first_sql("constraint", quote_qualified(t), n))
                      for t, n in found.constraints if t not in dropped),
                    *(_User(f"index {quote_qualified(i)}", "still names it", at(f"index:{i}")
                            or at(f"table:{catalog.indexes[i].table}"), instead,
                            drop_first_sql("index", quote_qualified(i)))
                      for i in found.indexes if catalog.indexes[i].table not in dropped),
                    *(_User(f"view {quote_qualified(v)}", "still names it", at(f"table:{v}"),
                            instead, self._drop_first_sql(f"table:{v}"))
                      for v in found.views if v not in dropped),
                    *self._rules_and_policies_naming(relations, dropped, instead)]

        if what == "sequence":
            users = [column("the identity column", t, c, "drop the column, or its identity")
                     for t, table in catalog.tables.items() for c, col in table.columns.items()
                     if col.identity and column_identity_sequence(t, col) == name]
            if not cascade:
                drawing = catalog.columns_drawing_from(name)
                users += [column("the default of column", t, c, "drop the default first, or "
                                 "the sequence with CASCADE", "default") for t, c in drawing]
                users += namers({name}, "sequence", drawing)
            return users
        if what == "table":
            # The sequences its columns own go with it: refused while another table's
            # default draws from one (a copy made by LIKE ... INCLUDING DEFAULTS does).
            return [column("the default of column", t, c, "drop or change that default "
                           "first, or the table with CASCADE", "default")
                    for seq in owned_sequences(catalog, name)
                    for t, c in catalog.columns_drawing_from(seq) if t not in dropped] + \
                namers({name, *catalog.partitions(name)}, "table")
        if what == "view":
            return namers({name}, "view")
        if what == "type":
            return [_User(f"typed table {quote_qualified(t)}", "is of it", at(f"table:{t}"),
                          "drop the table first, or the type with CASCADE, which drops it",
                          drop_first_sql("typed table", quote_qualified(t)))
                    for t in catalog.typed_tables(name)] + \
                [column("column", t, c, "change or drop those columns first, or the type "
                        "with CASCADE, which drops them", "column")
                 for t, c in catalog.columns_of_type(name)]
        if what == "function":
            from lockwise.catalog.operators import operator_sql

            users = routine_users(catalog, name, obj)
            # The routines whose SQL-standard body (or an argument's default) calls it.
            routines = [_User(f"{kind} {call}", "still calls it", at(f"function:{r.name}"),
                              "drop it first, or the function with CASCADE",
                              drop_first_sql(kind, call))
                        for r in users.routines
                        for kind, call in [(ROUTINE_DEPENDENT_KINDS[r.procedure],
                                            f"{quote_qualified(r.name)}({', '.join(r.args)})")]]
            routines += self._callers_of(users)
            routines += [_User(f"operator {operator_sql(o)}", "runs it", None,
                               "drop the operator first, or the function with CASCADE",
                               drop_first_sql("operator", operator_sql(o)))
                         for o in users.operators]
            routines += [_User(f"operator class {on}", "requires it as its support function",
                               None, "drop the operator class first, or the function with "
                               "CASCADE", drop_first_sql("operator class", on))
                         for on in (f"{quote_qualified(k[0])} USING {k[1]}"
                                    for k in users.classes)]
            return [_User(f"trigger {quote_ident(trigger)} on {quote_qualified(table.name)}",
                          "still calls it",
                          at(f"trigger:{table.name}.{trigger}") or at(f"table:{table.name}"),
                          "drop the triggers first, or the function with CASCADE",
                          drop_first_sql("trigger", quote_qualified(table.name), trigger))
                    for table, trigger in users.triggers] + routines
        if what == "index":
            index = catalog.indexes.get(name)
            con = catalog.index_constraint(index) if index is not None else None
            if index is not None and con is not None:
                return [self._constraint_of_index(index.table, con.name)]
            if cascade:
                return []  # (it drops the keys: `_cascaded_uses` tells them)
            return [_User(f"foreign key {quote_ident(n)} on {quote_qualified(t)}",
                          "depends on it", at(f"constraint:{t}.{n}") or at(f"table:{t}"),
                          "drop the key first, or the index with CASCADE, which drops the key",
                          drop_first_sql("constraint", quote_qualified(t), n))
                    for t, n in self._keys_on_index(name)]
        prefix = name + "."  # a schema: the relations, sequences and types in it
        users = []
        for kind, known in (("table", sorted(catalog.tables)),
                            ("sequence", sorted(catalog.sequences)),
                            ("type", sorted(catalog.types))):
            for member in known:
                if not member.startswith(prefix):
                    continue
                # (a type of its, of tables and columns elsewhere: they go with CASCADE)
                tables, columns = self.catalog.of_type_outside(member, name) if kind == "type" \
                    else ((), ())
                held = [*(f"typed table {quote_qualified(t)}" for t in tables),
                        *(f"column {object_sql('column', f'{t}.{c}')}" for t, c in columns)]
                users.append(_User(
                    f"{kind} {object_sql(kind, member)}",
                    f"is still in it, the type of {', '.join(held)}" if held else
                    "is still in it", at(f"{kind}:{member}") or at(f"table:{member}"),
                    "drop them first, or the schema with CASCADE" + (
                        ", which drops those too, with their data" if held else ""),
                    self._schema_member_first(kind, member, tables, columns)))
        # (and its functions and procedures: DETAIL "function app.f() depends on schema
        # app", checked on 18.6)
        for routine in sorted((r for name_, overloads in catalog.kept_routines.items()
                               if name_.startswith(prefix) for r in overloads),
                              key=attrgetter("name")):
            kind = ROUTINE_DEPENDENT_KINDS[routine.procedure]
            call = f"{quote_qualified(routine.name)}({', '.join(routine.args)})"
            users.append(_User(f"{kind} {call}", "is still in it",
                               at(f"function:{routine.name}"),
                               "drop them first, or the schema with CASCADE",
                               drop_first_sql(kind, call)))
        return users

    def _constraint_of_index(self, table: str, constraint: str) -> _User:
        """The primary key, unique or exclusion `constraint` of `table` whose index a DROP
        INDEX names: refused with or without CASCADE ("cannot drop index ... because
        constraint ... requires it", 2BP01, checked on 18.6). ALTER TABLE ... DROP CONSTRAINT
        drops both, once the foreign keys that depend on that index are gone (each refuses it
        without CASCADE, and goes with it with CASCADE)."""
        from lockwise.effects.dependents import drop_first_sql

        at = self.created_at.get
        shown = quote_qualified(table)
        keys = self._keys_on_index(f"{table.split('.', 1)[0]}.{constraint}") \
            if "." in table else []
        said = ", ".join(f"foreign key {quote_ident(n)} on {quote_qualified(t)}"
                         for t, n in keys)
        one = len(keys) == 1
        then = f" ({said} {'depends' if one else 'depend'} on it: without CASCADE that is " \
            f"refused too, with CASCADE it drops {'it' if one else 'them'})" if keys else ""
        steps = [*(drop_first_sql("constraint", quote_qualified(t), n) for t, n in keys),
                 drop_first_sql("constraint", shown, constraint)]
        return _User(f"constraint {quote_ident(constraint)} on {shown}",
                     "requires it (its index)",
                     at(f"constraint:{table}.{constraint}") or at(f"table:{table}"),
                     f"with or without CASCADE; drop the constraint instead, which drops its "
                     f"index: ALTER TABLE {shown} DROP CONSTRAINT {quote_ident(constraint)}"
                     f"{then}",
                     step=f"drop the constraint instead, which drops its index, saying first "
                     f"what becomes of what depends on it ({chr(10).join(steps)}); or keep "
                     f"the index")

    def _keys_on_index(self, index: str) -> list[tuple[str, str]]:
        """(table, constraint) of each foreign key that depends on unique index `index`
        (`Catalog.keys_on_index`)."""
        return [(other, fk.name) for other, fk in self.catalog.keys_on_index(index)]

    def _callers_of(self, users: RoutineUsers) -> list[_User]:
        """What calls a routine in its expressions (`users`: `routine_users`), which the
        server ties to it (pg_depend), so that DROP FUNCTION without CASCADE is refused
        (2BP01, checked on 18.6): the defaults, generated columns, constraints, indexes,
        views and policies, each with the statement that drops it by name first
        (`_callers_gone`'s)."""
        catalog = self.catalog
        views = users.views
        gone = [*self._callers_gone(replace(users.callers, views=()), users.policies, True),
                # (each with the views over it first: DROP VIEW alone is refused for them)
                *((f"view {quote_qualified(v)}", "", f"table:{v}", self.created_at.get(
                    f"table:{v}"), bool, "\n".join(self._drop_first_sql(f"table:{o}") for o in
                                                   [*reversed(catalog.views_over(v)), v]))
                  for v in views)]
        return [_User(what.removesuffix(" and its data"), "still calls it", created,
                      "drop it first, or the function with CASCADE, which drops it", first)
                for what, _left, _key, created, _back, first in gone]

    def _schema_member_first(self, kind: str, member: str, tables: Iterable[str] = (),
                             columns: Iterable[tuple[str, str]] = ()) -> str:
        """How to drop `member` (a `kind`: table, sequence or type) of a schema by name
        before the schema ("" for a foreign table: left to the user): a type after the
        typed `tables` and the `columns` of it elsewhere (the table made plain, each column
        dropped: DROP TYPE works for a domain too, checked on 18.6)."""
        from lockwise.effects.dependents import drop_first_sql, type_users_first_sql

        relation = self.catalog.tables.get(member) if kind == "table" else None
        if relation is not None and relation.kind in ("view", "matview"):
            return self._drop_first_sql(f"table:{member}")
        if relation is not None and relation.kind == "foreign":
            return ""
        if kind == "type":
            return "\n".join(type_users_first_sql(self.catalog, member, tables, columns))
        return drop_first_sql(kind, quote_qualified(member))

    def _rules_and_policies_naming(self, relations: set[str], dropped: set[str],
                                   instead: str) -> list[_User]:
        """The rules and policies of tables and views outside `relations` and `dropped` that
        name one of `relations` (reading or writing it, or by a regclass constant): the
        server refuses to drop it without CASCADE while they exist (checked on 18.6)."""
        catalog, at = self.catalog, self.created_at.get
        gone = relations | dropped
        drop_first_sql = _dependents.drop_first_sql

        users = [_User(f"rule {quote_ident(rule)} on {quote_qualified(t.name)}",
                       "still names it", at(f"rule:{t.name}.{rule}") or at(f"table:{t.name}"),
                       instead, drop_first_sql("rule", quote_qualified(t.name), rule))
                 for relation in sorted(relations)
                 for t in catalog.tables_with_rules_naming(relation) if t.name not in gone
                 for rule, body in t.rules.items() if body.names(relation)]
        return users + [_User(f"policy {quote_ident(policy)} on {quote_qualified(t.name)}",
                              "still names it",
                              at(f"policy:{t.name}.{policy}") or at(f"table:{t.name}"), instead,
                              drop_first_sql("policy", quote_qualified(t.name), policy))
                        for t, policy in catalog.policies_on_others(relations)
                        if t.name not in gone]

    def _dependents(self, target: str, dropping: set[str]
                    ) -> list[tuple[str, str, Location | None]]:
        out: list[tuple[str, str, Location | None]] = []
        kind, _, name = target.partition(":")
        rel, column = (name, None) if kind == "table" else tuple(name.rsplit(".", 1))
        for view in self.views.reading(target):
            if view != rel and f"table:{view}" not in dropping:
                out.append((f"table:{view}", f"view {quote_qualified(view)}",
                            self.views[view].loc))
        for other, con in self.catalog.referencing(rel):
            if other == rel or f"table:{other}" in dropping:
                continue
            if column is not None:
                cols = con.ref_columns or self.catalog.primary_key(rel)
                if column not in cols:
                    continue
            cobj = f"constraint:{other}.{con.name}"
            created = self.created_at.get(cobj) or self.created_at.get(f"table:{other}")
            out.append((cobj, f"foreign key {quote_ident(con.name)} on "
                              f"{quote_qualified(other)}", created))
        return out

    def _rules_gone(self, target: str, dropping: set[str]
                    ) -> list[tuple[str, str, Location | None]]:
        """The rules of other tables and views that a DROP ... CASCADE of `target` (a table,
        view or column) drops with it: those naming it (a relation) or a view over it,
        however deep (checked on 18.6: tests/test_cascade_drops_rules_and_policies.py). Told
        as `_dependents` tells the views (without CASCADE, `_refused_drops` says the drop is
        refused)."""
        kind, _, name = target.partition(":")
        gone = [*([name] if kind == "table" else ()), *self.views.dependents(target)]
        at = self.created_at.get
        rules = dict.fromkeys((t.name, rule) for relation in gone
                              for t in self.catalog.tables_with_rules_naming(relation)
                              if t.name not in gone and f"table:{t.name}" not in dropping
                              for rule, body in t.rules.items() if body.names(relation))
        return [(f"rule:{t}.{rule}", f"rule {quote_ident(rule)} on {quote_qualified(t)}",
                 at(f"rule:{t}.{rule}") or at(f"table:{t}")) for t, rule in rules]

    def _cascade(self, key: str, loc: Location, dependent: str) -> None:
        """CASCADE removed `dependent` (a view, FK or rule) too: make the state say so (the
        replay of the statement drops a rule from the catalog)."""
        kind, _, name = dependent.partition(":")
        self.dropped[dependent] = (loc, "dropped by CASCADE")
        self.creator.pop(dependent, None)
        if kind == "table":
            # Views over this view go too, however deep.
            nested = self.views.dependents(dependent)
            for view in [name, *nested]:
                self.views.pop(view, None)
                self.catalog.tables.pop(view, None)
                self.dropped[f"table:{view}"] = (loc, "dropped by CASCADE")
        elif kind == "constraint":
            rel, con = name.rsplit(".", 1)
            table = self.catalog.tables.get(rel)
            if table is not None:
                table.constraints.pop(con, None)

    def _update(self, key: str, loc: Location, stmt: Statement, effect: Effect,
                creates: set[str], stmt_kind: str) -> None:
        kinds = {a.kind for a in effect.actions}
        renamed = bool(kinds & {"rename_column", "rename_table", "set_schema", "rename_other"})
        alive = self._overloads_left(stmt.tree) if \
            kinds & {"create_function", "drop_function"} else _NONE_BELOW
        if "drop_function" in kinds:
            self.gone_signatures.update(_dropped_signatures(self.catalog, stmt.tree))
        for o in sorted(effect.drops):
            c = canon(o)
            if c in alive:
                if c.startswith("function:"):
                    self.partly_dropped[c] = loc
                continue
            self.partly_dropped.pop(c, None)
            self.dropped[c] = (loc, "renamed away" if renamed else "dropped")
            self.creator.pop(c, None)
            self.users.pop(c, None)
            if c.startswith("type:") and self.catalog.type_named(c[5:]):
                # Its array type goes with it, renamed or dropped: a later `_x` is refused,
                # 42704 'type "_x" does not exist' (checked on 18.6, fix-pg109). Not a
                # table's: filed as a dropped type, each dropped table's array put one more
                # name in every later statement's text search (+92 M, 1.1% of lemmy's graph
                # side), for a column type (`_t`, a table's row array) hardly ever written.
                self.dropped[f"type:{self._array_of(c)}"] = (
                    loc, f"{'renamed' if renamed else 'dropped'} with {self._named(c)}")
            if c.startswith("table:") and not renamed:  # a rename moves them below
                self.full_tables.discard(c[6:])
                self.views.pop(c[6:], None)
        for action in effect.actions:
            if action.kind in ("drop_table", "drop_column"):
                # The sequences the table or column owns go with it (the effect model names
                # the relation and the column only).
                table, column = action.facts.get("table", ""), action.facts.get("column")
                owner = quote_qualified(table) if column is None else \
                    object_sql("column", f"{table}.{column}")
                for seq in owned_sequences(self.catalog, table,
                                           None if column is None else (column,)):
                    self.dropped[f"sequence:{seq}"] = (loc, f"dropped with {owner}")
            elif action.kind == "rename_table":
                old = action.facts.get("table", "")
                self._rename_relation(old, f"{old.split('.', 1)[0]}."
                                           f"{action.facts.get('new_name', '')}")
            elif action.kind == "set_schema" and action.facts.get("table"):
                old = action.facts["table"]
                self._rename_relation(old, f"{action.facts.get('new_schema', '')}."
                                           f"{old.split('.', 1)[1]}")
            elif action.kind == "rename_column":
                table = action.facts.get("table", "")
                old = f"column:{table}.{action.facts.get('column', '')}"
                new = f"column:{table}.{action.facts.get('new_name', '')}"
                for view in self.views.reading(old):
                    self.views[view].deps.discard(old)
                    self.views[view].deps.add(new)
                    self.views.refile(view)
            elif action.kind == "alter_table_other" and \
                    not follows_exactly(str(action.facts.get("subcommand", ""))):
                self.full_tables.discard(action.facts.get("table", ""))
            elif action.kind == "drop_schema" and action.facts.get("cascade"):
                self._drop_schema(str(action.facts.get("schema", "")), loc)
            elif action.kind in ("rename_other", "set_schema") and \
                    str(action.facts.get("object", "")).startswith("function:"):
                self._rename_routine(key, loc, action.facts, stmt.tree)
            elif action.kind == "do_block":
                from lockwise.catalog.do_blocks import do_block_reshapes

                reshaped = do_block_reshapes(self.catalog, unwrap(stmt.tree)[1])
                self.full_tables -= self.full_tables if "*" in reshaped else reshaped
            elif action.kind == "other":
                # A statement the effect model does not know may add columns we cannot
                # see: stop vouching for the tables it names.
                text = self._lowered(stmt)
                self.full_tables -= {t for t in self.full_tables
                                     if t.split(".", 1)[1] in text}
        if "create_table" in kinds:
            for c in creates:
                if c.startswith("table:") and c in self.dropped:
                    self._forget_parts(c[6:])
        for c in sorted(creates):
            if c in self.not_yet:
                self._created_late(key, loc, c, effect)
            self.creator[c] = key
            self.created_at[c] = loc
            if self.created_under is not None:
                self._file_created(self.created_under, c)
            self.dropped.pop(c, None)
            if c.startswith("type:"):  # (its array type with it)
                self.dropped.pop(f"type:{self._array_of(c)}", None)
            if c.startswith("table:"):
                prefix = c[6:] + "."
                for stale in [d for d in self.dropped.below(prefix)
                              if d.partition(":")[0] in _TABLE_PARTS]:
                    del self.dropped[stale]
        if stmt_kind == "CreateStmt" or stmt_kind == "CreateSchemaStmt":
            self._for_parts(stmt.tree, effect, self._note_full_table)

    def _array_of(self, key: str) -> str:
        """The array type (qualified) of the type or relation `key` names (`type:public.x`)."""
        return self.catalog.array_name(key.partition(":")[2])

    def _forget_parts(self, table: str) -> None:
        """A table made again under the name of one dropped: where the old one's parts were
        made (`_note_parts_made`) is no place of the new one's."""
        prefix = table + "."
        for obj in [o for o in self.created_at if o.partition(":")[0] in _TABLE_PARTS
                    and o.partition(":")[2].startswith(prefix)
                    and o.partition(":")[2].count(".") == table.count(".") + 1]:
            del self.created_at[obj]
        self.created_under = None  # (filed again from `created_at` if asked)

    def _drop_schema(self, schema: str, loc: Location) -> None:
        """DROP SCHEMA ... CASCADE: what the history created in it is gone with it (what a
        later migration names there fails)."""
        prefix = f"{schema}."
        for obj in [o for o in self.creator if o.partition(":")[2].startswith(prefix)]:
            kind = obj.partition(":")[0]
            if kind in _TABLE_PARTS:
                continue  # gone with its table
            self.dropped[obj] = (loc, f"dropped with schema {quote_ident(schema)}")
            del self.creator[obj]
            self.users.pop(obj, None)
            self.overloads.pop(obj, None)
            if kind == "table":  # its views are left to `_dropped_view`, which reports them
                self.full_tables.discard(obj[6:])

    def _overloads_left(self, tree: dict) -> AbstractSet[str]:
        """Follow the overloads a CREATE FUNCTION / PROCEDURE adds and a DROP of one
        removes; the functions a DROP names that keep an overload created here."""
        kind, body = unwrap(tree)
        if kind == "CreateFunctionStmt":
            key = f"function:{object_name(strings(body.get('funcname')), create=True)}"
            self.overloads.setdefault(key, set()).add(_input_types(body))
            return _NONE_BELOW
        alive: set[str] = set()
        if kind != "DropStmt" or body.get("removeType") not in _ROUTINE_DROPS:
            return alive
        for obj in body.get("objects") or ():
            routine = unwrap(obj)[1]
            key = f"function:{object_name(strings(routine.get('objname')))}"
            known = self.overloads.get(key)
            if known is None:
                continue
            if routine.get("args_unspecified"):
                known.clear()  # PostgreSQL refuses it unless the name is unique
            else:
                # objargs: the input arguments only, as PostgreSQL identifies a function
                known.discard(_argument_types(routine.get("objargs") or ()))
            if known:
                alive.add(key)
            else:
                del self.overloads[key]
        return alive

    def _rename_routine(self, key: str, loc: Location, facts: Mapping[str, object],
                        tree: dict) -> None:
        """ALTER FUNCTION / PROCEDURE / ROUTINE ... RENAME TO or SET SCHEMA moves the one
        overload it names (overloads share a name): the old name is gone once no overload
        made here has it."""
        old, new = str(facts["object"]), str(facts.get("new_object", ""))
        routine = unwrap(unwrap(tree)[1].get("object") or {})[1]
        known = self.overloads.get(old)
        moved: tuple[tuple[str, bool], ...] | None = None
        if routine.get("args_unspecified"):
            # PostgreSQL refuses it unless the name has one overload: none is left.
            if known is not None and len(known) != 1:
                return
            moved = known.pop() if known else None
            known = set()
        else:
            moved = _argument_types(routine.get("objargs") or ())
            if known is not None:
                known.discard(moved)
        if known is not None and not known:
            self.overloads.pop(old, None)
            self.dropped[old] = (loc, "renamed away")
            self.creator.pop(old, None)
            self.users.pop(old, None)
        if moved is not None and (known is not None or new in self.overloads):
            self.overloads.setdefault(new, set()).add(moved)
        self.dropped.pop(new, None)
        self.creator[new] = key
        self.created_at[new] = loc

    def _for_parts(self, tree: dict, effect: Effect, work: Callable[[dict], _T]) -> list[_T]:
        """`work` done on the statement, or on each element of a CREATE SCHEMA, with names
        resolved as the server resolves them there (before the statement is replayed: a
        relation an element creates is the new schema's for the elements after it)."""
        kind, body = unwrap(tree)
        schema = created_schema(body) if kind == "CreateSchemaStmt" else None
        if schema is None:
            return [work(tree)]
        made: set[str] = set()
        done = []
        with elements_path(self.catalog, schema, made):
            for _, element in schema_elements(body, schema):
                done.append(work(element))
                made.add(element_relation(element))
        return done

    def _note_full_table(self, tree: dict) -> None:
        """Whether the columns of the table a CREATE TABLE creates are all known."""
        kind, body = unwrap(tree)
        if kind == "CreateStmt":
            rel, _ = range_var(body.get("relation"), create=True)
            plain = _plain_table(body)
            partition = body.get("partbound") and body.get("inhRelations") and \
                range_var(body["inhRelations"][0])[0] in self.full_tables
            # A copy (LIKE) of tables whose columns are all known has known columns too.
            copy = not body.get("inhRelations") and all(
                source in self.full_tables for source in _like_sources(body))
            exists = body.get("if_not_exists") and rel in self.catalog.tables
            if (plain or partition or copy) and not exists:
                self.full_tables.add(rel)

    def _view_over(self, key: str, loc: Location, rel: str, deps: set[str]) -> None:
        """`key` created view `rel` over `deps` (what the replay found its query reads)."""
        self.views[rel] = _ViewDeps(deps, key, loc)
        for dep in sorted(deps):
            parent = _parent(dep)
            source = self.creator.get(dep) or (self.creator.get(parent) if parent else None)
            if source and source != key:
                self.edge(source, key, "view-over", dep)
            self.users.setdefault(dep, set()).add(key)

    @staticmethod
    def _file_created(under: dict[str, set[str]], obj: str) -> None:
        kind, _, name = obj.partition(":")
        if kind in _TABLE_PARTS:
            name = name.rpartition(".")[0]
        under.setdefault(name, set()).add(obj)

    def _rename_relation(self, old: str, new: str) -> None:
        def move(obj: str) -> str:
            kind, _, name = obj.partition(":")
            if name == old:
                return f"{kind}:{new}"
            if name.startswith(old + ".") and kind in _TABLE_PARTS:
                return f"{kind}:{new}{name[len(old):]}"
            return obj

        if old in self.full_tables:
            self.full_tables.discard(old)
            self.full_tables.add(new)
        under = self.created_under
        if under is None:
            under = self.created_under = {}
            for k in self.created_at:
                self._file_created(under, k)
        moving = [k for k in sorted(under.pop(old, ())) if move(k) != k]
        for mapping in (self.creator, self.created_at):
            for k in moving:
                if k in mapping:
                    mapping[move(k)] = mapping.pop(k)  # type: ignore[index]
        for k in moving:
            self._file_created(under, move(k))
        if old in self.views:
            self.views[new] = self.views.pop(old)
        for view in self.views.under(old):
            vd = self.views[view]
            if any(old in d for d in vd.deps):
                vd.deps = {move(d) for d in vd.deps}
                self.views.refile(view)

    # --- versions ---------------------------------------------------------------------------

    def _versions(self) -> None:
        versioned = [(m, k) for m, k in zip(self.migrations, self.keys, strict=True)
                     if not m.repeatable and m.layout not in KEYED_BY_NAME]
        by_version: dict[tuple[str, str], list[tuple[Migration, str]]] = {}
        for m, k in versioned:
            # Liquibase knows a changeset by its author:id and its changelog's path: the same
            # id in two files is two changesets.
            where = str(m.path) if m.layout == "liquibase" else ""
            # sqitch knows a change by its name (a reworked one's earlier scripts are at
            # `<name>@<tag>`), and refuses a plan naming one twice in a tag section: its
            # position in the plan, which lockwise numbers it by, is no version.
            identity = m.path.stem if m.layout == "sqitch" else \
                version_identity(m.version, m.layout)
            by_version.setdefault((identity, where), []).append((m, k))
        for (version, _), group in by_version.items():
            # Several files in one directory named by the version are one migration in
            # parts (temporal's versioned/v1.7/*.sql), not two claims on one version. Linted
            # from a folder higher up, the version is the directory's path below it
            # (v12/temporal/versioned/v1.7).
            folders = {m.path.parent for m, _ in group}
            if len(folders) == 1 and names_folder(version, folders.pop()):
                continue
            if version and (len(group) > 1 or any(m.same_version_paths for m, _ in group)):
                self._duplicate_version(version, group)
        for m, k in versioned:
            # Two ups of the version share its downs: their conflict says it already (each
            # renumbered up then has a down of its own).
            if m.other_down_paths and m.down_path is not None and \
                    len(by_version.get((version_identity(m.version, m.layout), ""), ())) < 2:
                self._duplicate_downs(m, k)
        self._repeatables()
        ordered = sorted((mk for mk in versioned if mk[0].layout not in LISTED_ORDER),
                         key=lambda mk: (mk[0].sort_key, str(mk[0].path)))
        for (a, ka), (b, kb) in zip(ordered, ordered[1:], strict=False):
            # Runners of these layouts parse versions as numbers, and dotted versions
            # (1.9 < 1.10) are read as versions everywhere: no tool orders them as text.
            if version_identity(a.version, a.layout) == \
                    version_identity(b.version, b.layout) or \
                    a.layout in NUMERIC_VERSION_LAYOUTS or \
                    "." in a.version or "." in b.version:
                continue
            # In text order already (dbmate's), the pair disagrees when numbers order it the
            # other way; in number order, when text does.
            by_text = a.layout in TEXT_ORDER_LAYOUTS
            # (diesel's versions as it compares them: without their dashes)
            as_numbers = (version_key(version_identity(a.version, a.layout)),
                          version_key(version_identity(b.version, b.layout))) if by_text \
                else (a.sort_key, b.sort_key)
            if as_numbers[0] == as_numbers[1]:
                why = "compare equal as numbers but differ as text"
            elif by_text and as_numbers[0] > as_numbers[1]:
                why = (f"sort {b.version} before {a.version} as numbers but the other way "
                       f"round as text")
            elif not by_text and a.version > b.version:
                why = (f"sort {a.version} before {b.version} as numbers but the other way "
                       f"round as text")
            else:
                continue
            # (a diesel migration is its folder, ordered by its version)
            diesel = a.layout == "diesel"
            first, then = (a.path.parent.name, b.path.parent.name) if diesel else \
                (a.path.name, b.path.name)
            runs = (f"{a.layout} runs {first} before {then} (it sorts "
                    f"{'versions' if diesel else 'file names'} as text); a reader, or a tool "
                    f"that parses versions, expects the other order" if by_text else
                    "tools that sort file names and tools that parse versions run them in "
                    "different orders")
            self.conflict("ambiguous-order", [Location(ka, str(a.path)), Location(kb, str(b.path))],
                          f"version:{a.version}", f"versions {a.version} and {b.version} {why}: "
                          f"{runs}")

    def _repeatables(self) -> None:
        """Flyway knows a repeatable migration by its description (its name, `_` read as a
        space, compared as written) in every folder of its locations, and refuses two."""
        by_description: dict[str, list[tuple[Migration, str]]] = {}
        for m, k in zip(self.migrations, self.keys, strict=True):
            if m.repeatable and m.layout == "flyway":
                by_description.setdefault(m.name.replace("_", " "), []).append((m, k))
        for description, group in by_description.items():
            if len(group) > 1:
                self.conflict("duplicate-version", [Location(k, str(m.path)) for m, k in group],
                              f"repeatable:{description}",
                              f"{len(group)} repeatable migrations have the description "
                              f"'{description}': Flyway refuses to start (\"Found more than "
                              f"one repeatable migration with description\")")

    def _duplicate_downs(self, m: Migration, key: str) -> None:
        """Flyway resolves undo files as migrations too, and refuses two of one version;
        golang-migrate refuses a second file of one version and direction."""
        paths = (m.down_path, *m.other_down_paths)
        refusal = ("golang-migrate refuses the folder (source.ErrDuplicateMigration: "
                   "\"duplicate migration file\")" if m.layout == "golang-migrate" else
                   "Flyway refuses to start (\"Found more than one migration with "
                   "version\"), as for two versioned ones")
        kind = "down" if m.layout == "golang-migrate" else "undo"
        self.conflict("duplicate-version", [Location(key, str(p)) for p in paths],
                      f"version:{version_identity(m.version, m.layout)}",
                      f"{len(paths)} {kind} migrations have version {m.version}: {refusal}",
                      step=DUPLICATE_DOWN_STEP)

    def _duplicate_version(self, version: str, group: list[tuple[Migration, str]]) -> None:
        if group[0][0].layout == "liquibase":
            self.conflict("duplicate-version",
                          [Location(k, str(m.path), _first_text_line(m.up_sql), 1)
                           for m, k in group],
                          f"version:{version}",
                          f"{len(group)} changesets of one changelog have the id {version}: "
                          f"Liquibase refuses a changelog whose changesets share an author:id")
            return
        texts = sorted({m.version for m, _ in group})
        layout = group[0][0].layout
        one = "one number" if layout in NUMERIC_VERSION_LAYOUTS else \
            "one version (without their dashes)"
        spelled = "" if len(texts) == 1 else f" ({', '.join(texts)}: {layout} reads them as {one})"
        # (the group is in the order its tool runs the migrations) Files of the version that
        # lockwise does not read (goose's Go migrations) are named at their migration's.
        locations = [Location(k, str(path)) for m, k in group
                     for path in (m.path, *m.same_version_paths)]
        effect = duplicate_version_effect(layout, [m.path for m, _ in group])
        self.conflict("duplicate-version", locations, f"version:{version}",
                      f"{len(locations)} migrations have version {version}{spelled}: {effect}")

    # --- down migrations --------------------------------------------------------------------

    def _down_before(self, m: Migration, statements: list[tuple[Statement, Effect | None]]
                     ) -> _DownCheck | None:
        """Parse the down migration and record the part of the schema it and the up
        migration can touch, before up runs (the whole catalog would cost O(schema) per
        migration)."""
        if not self._checks_down(m):
            return None
        # Imported by the first down checked: most linted histories have none.
        from lockwise.graph.down import (
            names_in,
            removed_relations,
            replayed_trees,
            scope,
            signature,
        )

        # (a Flyway undo file gets the placeholder values its versioned file gets)
        parsed = self._parsed(m.down_sql, tool=m.tool_placeholders)
        up_trees = replayed_trees([s.tree for s, _ in statements])
        down_trees = replayed_trees([s.tree for s in parsed.statements])
        down_names = names_in(down_trees)
        names = names_in(up_trees) | down_names  # names_in of all trees, one tree at a time
        # (a set per tree, so the down's is found once and joined to the up's)
        down_removed = removed_relations(down_trees)
        removed = removed_relations(up_trees) | down_removed
        tables = scope(self.catalog, names, removed)
        return _DownCheck(parsed, names, removed, tables, signature(self.catalog, tables, names),
                          tables - self.full_tables, down_names, down_removed)

    def _checks_down(self, m: Migration) -> bool:
        """Whether `m`'s down is replayed to compare the schema with the one before its up."""
        return self.check_downs and m.down_sql is not None and (
            self.downs_of is None or named_in(m, self.downs_of))

    def _check_down(self, key: str, m: Migration, check: _DownCheck) -> None:
        differences, fork, scope, signature = \
            _down.differences, _down.fork, _down.scope, _down.signature

        self.graph.downs_checked += 1
        parsed, names, removed = check.parsed, check.names, check.removed
        down_path = str(m.down_path or m.path)
        up_loc, down_loc = Location(key, str(m.path)), Location(key, down_path)
        if m.down_path in (None, m.path) and m.down_sql and m.down_sql.strip():
            # The down section of the up's own file (goose, dbmate, ...): its text keeps its
            # lines, blank before it; point at where it starts.
            start = len(m.down_sql) - len(m.down_sql.lstrip())
            line_start = m.down_sql.rfind("\n", 0, start) + 1
            down_loc = Location(key, down_path, m.down_sql.count("\n", 0, start) + 1,
                                start - line_start + 1)
        self._client_side_in_down(key, m, parsed, up_loc, down_path)
        if parsed.problems:
            p = parsed.problems[0]
            self.conflict("down-mismatch", [up_loc, Location(key, down_path, p.span.line,
                                                             p.span.column)],
                          f"migration:{m.id}",
                          f"the down migration does not parse ({p.message}), so it cannot "
                          f"undo the up migration")
            return
        touched = scope(self.catalog, names, removed)
        trees = [stmt.tree for stmt in parsed.statements]
        renames = any("RenameStmt" in t for t in trees)
        # Only what the down's statements name can change when they are replayed (and what
        # they reach unnamed, copied as each is replayed): the tables only the up names are
        # compared, not copied.
        forked = scope(self.catalog, check.down_names, check.down_removed)
        rolled = fork(self.catalog, forked, check.down_names, renames)
        # View dependencies are read only by a DROP ... CASCADE of a relation: copy them, and
        # collect those of the down's own CREATE VIEWs, only for the downs that have one (the
        # copy is as big as all views' dependencies).
        views = {v: set(vd.deps) for v, vd in self.views.items()} if any(
            _drops_relations_cascade(t) for t in trees) else None
        complete = set(self.full_tables)
        # The tables the fork cloned when the replay asked for them, or made: `_roll_back`
        # clones the others a statement reaches unnamed (a ForkedTables keeps the set).
        copied: set[str] = rolled.tables.owned  # type: ignore[attr-defined]
        session = _replay_session(m, m.down_sql or "", parsed.statements)
        # What a view reads is worth finding (a walk of its query) only for a later statement
        # that reads it; the signatures compared do not, nor does anything once the check ends.
        read_later = [session is not None] * len(trees)
        for i in range(len(trees) - 2, -1, -1):
            read_later[i] = read_later[i + 1] or _reach.reads_view_reads(trees[i + 1])
        refused = False
        ctx: Context | None = None  # (made at the first statement computed)
        with PathInForce(rolled) as path:
            for stmt, view_reads in zip(parsed.statements, read_later, strict=True):
                ended = 0
                if session is not None:  # the down's own SET search_path
                    path.use(session.search_path)
                    ended = session.ended_transactions
                # Until one is refused (the down stops there), each statement that may be is
                # judged as the down finds the catalog, with the facts the rules' messages read.
                judged = not refused and unwrap(stmt.tree)[0] in _REFUSED_DOWN_KINDS
                if session is not None or judged:
                    with rolled.tables.read_only():  # type: ignore[attr-defined]
                        if ctx is None:
                            ctx = replay_context(rolled, m, self.pg_version,
                                                 self.default_collation)
                        effect = compute(stmt, ctx, rule_text=judged,
                                         refusals_only=judged and session is None)
                    if judged:
                        refused = self._refused_in_down(key, m, stmt, effect, up_loc,
                                                        down_path) or \
                            not _DROP_ACTIONS.isdisjoint([a.kind for a in effect.actions]) \
                            and (self._gone_in_down(key, m, stmt, effect, rolled, up_loc,
                                                    down_path) or
                                 self._referenced_in_down(key, m, stmt, effect, rolled,
                                                          up_loc, down_path))
                    if session is not None:
                        session.after(effect, stmt.index)
                self._roll_back(rolled, views, stmt, m.id, copied, complete, view_reads)
                if session is not None:
                    end_statement(rolled, session, ended)
        after_tables = check.tables | touched | scope(rolled, names, removed)
        after = signature(rolled, after_tables, names)
        # A table the replay knows only from an ALTER of it (`Table.known_from_use`) was
        # there before the up, made outside the migrations: not the up's to drop.
        outside = {n for n in after_tables - check.tables
                   if (t := dict.get(rolled.tables, n)) is not None and t.known_from_use}
        diffs = differences(check.before, after,
                            check.partial | (after_tables - complete), outside)
        if not diffs:
            return
        shown = "; ".join(f"{_shown(obj)} {why}" for obj, why in diffs[:4])
        more = f"; and {len(diffs) - 4} more" if len(diffs) > 4 else ""
        self.conflict("down-mismatch", [up_loc, down_loc], diffs[0][0],
                      f"up then down does not give back the schema from before up: "
                      f"{shown}{more}")

    def _client_side_in_down(self, key: str, m: Migration, parsed: ParsedFile,
                             up_loc: Location, down_path: str) -> None:
        """A psql meta-command (`\\i`, `\\set`) in `m`'s down, reported as in an up
        (`psql-meta-command`), at the first one: the tools whose downs are files of their own
        (diesel, golang-migrate) send them through their driver, and the server refuses it."""
        found = [s for s in parsed.skipped if s.kind == "psql-meta"]
        if not found:
            return
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        self.conflict("psql-meta-command",
                      [up_loc, Location(key, down_path, first.span.line, first.span.column)],
                      f"migration:{m.id}",
                      f"the down migration holds `{first.text}`{more}: a psql meta-command, "
                      "for psql, not for the server; a runner that does not use psql fails "
                      "on it when it rolls back")

    def _refused_in_down(self, key: str, m: Migration, stmt: Statement, effect: Effect,
                         up_loc: Location, down_path: str) -> bool:
        """Whether PostgreSQL refuses `stmt`, a statement of `m`'s down, when the down runs
        right after the up (`effect`: computed against the catalog as the down finds it):
        reported, at the statement in the down, with the rules that report the refusal of an
        up statement (`refusals_judged`), each a conflict of the rule's id."""
        said = bool(statement_refusal(effect))
        if not said and refusal(effect):
            return False  # (a DO block's statement alone: it may sit in a branch not run)
        found = _down.refusals_judged(effect, m, self.pg_version, said)
        at = Location(key, down_path, stmt.span.line, stmt.span.column)
        for rule, message in found:
            self.conflict(rule, [up_loc, at], f"migration:{m.id}",
                          f"rolling back {m.id} (its down, run right after its up) fails: "
                          f"{message}")
        return said or bool(found)

    def _gone_in_down(self, key: str, m: Migration, stmt: Statement, effect: Effect,
                      rolled: Catalog, up_loc: Location, down_path: str) -> bool:
        """Whether `stmt`, a statement of `m`'s down, drops (without IF EXISTS) a table or an
        index that is certainly gone when the down runs right after the up: one the down
        itself dropped or renamed away earlier (the catalog after the up, `self.catalog`, has
        it, the down's `rolled` not), or one the history dropped (the up too) and nothing
        made again. Reported as `missing-object`, as such a drop in an up is. A table or
        index the replay never knew may have been made outside: not said; nor under a
        search_path of several schemas."""
        if len(lookup_schemas() or ()) > 1:
            return False
        for action in effect.actions:
            facts = action.facts
            if facts.get("if_exists") or facts.get("in_do_block"):
                continue
            if action.kind not in _GONE_ACTIONS:
                continue
            if action.kind == "drop_index":
                name = str(facts.get("index", ""))
                obj, gone = f"index:{name}", name not in rolled.indexes and (
                    rolled.indexes.gone(name) or name in self.catalog.indexes)
            elif action.kind == "drop_table" and facts.get("object_type") == "table":
                name = str(facts.get("table", ""))
                obj = f"table:{name}"
                gone = name not in rolled.tables and (
                    name in self.catalog.tables or obj in self.dropped)
            else:
                continue
            if not gone:
                continue
            if obj in self.dropped and name not in (
                    self.catalog.indexes if obj.startswith("index:") else self.catalog.tables):
                where, how = self.dropped[obj]
                said = f"was {how} in {where.migration} and not created again"
            else:
                said = "this down dropped or renamed away earlier"
            at = Location(key, down_path, stmt.span.line, stmt.span.column)
            self.conflict("missing-object", [up_loc, at], obj,
                          f"rolling back {m.id} (its down, run right after its up) fails: "
                          f"it drops {self._named(obj)}, which {said}: the statement fails")
            return True
        return False

    def _referenced_in_down(self, key: str, m: Migration, stmt: Statement, effect: Effect,
                            rolled: Catalog, up_loc: Location, down_path: str) -> bool:
        """Whether `stmt`, a statement of `m`'s down, drops without CASCADE a table that a
        foreign key of another table still references when the down runs right after the
        up (`rolled`: the catalog as the down finds it), a table the statement does not drop
        too: PostgreSQL refuses it (2BP01). Reported as `dependency-dropped`, as such a drop
        in an up is. Only a key of a table the replay knows whole (no DO block since). A
        view still reading the table, view or column dropped: `_view_in_down`."""
        dropping = {canon(o) for o in effect.drops}
        for action in effect.actions:
            facts = action.facts
            if action.kind not in _NEEDED_ACTIONS or facts.get("cascade") or \
                    facts.get("in_do_block"):
                continue
            if self._view_in_down(key, m, stmt, action, dropping, rolled, up_loc, down_path):
                return True
            table = str(facts.get("table", ""))
            if action.kind != "drop_table" or table not in rolled.tables:
                continue
            for other, con in rolled.referencing(table):
                if other == table or f"table:{other}" in dropping or \
                        not rolled.sure_of(other):
                    continue
                from lockwise.effects.dependents import drop_first_sql, drop_first_step

                at = Location(key, down_path, stmt.span.line, stmt.span.column)
                shown = quote_qualified(other)
                self.conflict("dependency-dropped", [up_loc, at], f"table:{table}",
                              f"rolling back {m.id} (its down, run right after its up) "
                              f"fails: it drops {self._named(f'table:{table}')} while "
                              f"foreign key {quote_ident(con.name)} on {shown} still "
                              f"depends on it: PostgreSQL refuses the drop (other objects "
                              f"depend on it)",
                              drop_first_step(drop_first_sql("constraint", shown, con.name)))
                return True
        return False

    def _view_in_down(self, key: str, m: Migration, stmt: Statement, action: Action,
                      dropping: set[str], rolled: Catalog, up_loc: Location,
                      down_path: str) -> bool:
        """Whether `action`, of a statement of `m`'s down, drops (without CASCADE) a table,
        view or column that a view still reads when the down runs right after the up:
        PostgreSQL refuses it (2BP01, "view v depends on table t"; checked on 18.6).
        Reported as `dependency-dropped`, its advice dropping the view first. Only a view
        the history knows (`self.views`, after the up) that the down has not dropped, made
        again or changed so far (the catalog as the down finds it holds the same table)."""
        facts = action.facts
        table = str(facts.get("table", ""))
        if action.kind == "drop_column":
            known = dict.get(rolled.tables, table)
            column = str(facts.get("column", ""))
            if known is None or column not in known.columns:
                return False
            target = f"column:{table}.{column}"
        elif action.kind in ("drop_table", "drop_view"):
            if table not in rolled.tables:
                return False
            target = f"table:{table}"
        else:
            return False
        ours = self.catalog.tables
        for view in self.views.reading(target):
            held = dict.get(rolled.tables, view)
            if view == table or f"table:{view}" in dropping or held is None or \
                    held is not dict.get(ours, view):
                continue
            from lockwise.effects.dependents import drop_first_step

            at = Location(key, down_path, stmt.span.line, stmt.span.column)
            self.conflict("dependency-dropped", [up_loc, at], target,
                          f"rolling back {m.id} (its down, run right after its up) fails: "
                          f"it drops {self._named(target)} while view "
                          f"{quote_qualified(view)} still depends on it: PostgreSQL refuses "
                          f"the drop (other objects depend on it)",
                          drop_first_step(self._drop_first_sql(f"table:{view}")))
            return True
        return False

    # --- branches ---------------------------------------------------------------------------

    @staticmethod
    def _roll_back(rolled: Catalog, views: dict[str, set[str]] | None, stmt: Statement,
                   migration_id: str, copied: set[str], complete: set[str],
                   view_reads: bool = True) -> None:
        """Replay one statement of a down migration into `rolled`."""
        # What the statement changes without naming it is copied too, or the replay would
        # change the history's own catalog, which goes on to later migrations.
        for table in _reach.tables_reached(rolled, stmt.tree):
            if table.name not in copied:
                copied.add(table.name)
                rolled.tables[table.name] = _down.clone(table)
        _replay_with_cascade(rolled, views, stmt.tree, migration_id, view_reads, stmt.sql)
        kind, body = unwrap(stmt.tree)
        if kind == "CreateTableAsStmt":
            into = body.get("into") or {}
            complete.discard(range_var(into.get("IntoClause", into).get("rel"), create=True)[0])
        elif kind == "CreateStmt" and _plain_table(body):
            complete.add(range_var(body.get("relation"), create=True)[0])

    def _branch_conflicts(self, branch: BranchInfo) -> None:
        newest = branch.applied_newest
        line, column = branch.applied_newest_at or (None, None)
        for key in sorted(branch.branch_new, key=self.index.__getitem__):
            m = self.by_key[key]
            if newest is not None and not m.repeatable and m.sort_key < newest.sort_key:
                self.conflict("out-of-order", [Location(key, str(m.path)),
                                               Location(newest.id, str(newest.path), line,
                                                        column)],
                              f"version:{m.version}",
                              f"new migration {m.id} sorts before {newest.id}, already on "
                              f"{branch.ref}: runners that apply in version order skip or "
                              f"reject it; give it a version after {newest.version}")
        if not branch.base_new:
            return
        import networkx as nx

        deps = self.graph.dependency_graph()
        # An edge between a migration of the branch and one REF added meanwhile comes from the
        # merged version order alone (ours uses what theirs, sorting later, drops): neither was
        # written knowing the other, so it states no order. Only the others order a pair.
        deps.remove_edges_from([(u, v) for u, v in deps.edges
                                if (u in branch.branch_new and v in branch.base_new)
                                or (u in branch.base_new and v in branch.branch_new)])
        for a in sorted(branch.branch_new, key=self.index.__getitem__):
            for b in sorted(branch.base_new, key=self.index.__getitem__):
                if nx.has_path(deps, a, b) or nx.has_path(deps, b, a):
                    continue
                self._non_commuting(a, b)

    def _non_commuting(self, a: str, b: str) -> None:
        ref = self.branch.ref if self.branch else "the base"
        found: dict[str, tuple[_Op, _Op, _Op, _Op, str]] = {}
        for x in self.ops.get(a, ()):
            for y in self.ops.get(b, ()):
                # The reason reads from the side that renames/drops/writes: try both.
                pair = next(((p, q, why) for p, q in ((x, y), (y, x))
                             if (why := _clash(p, q))), None)
                if pair is not None and pair[0].obj not in found:
                    first, second = (x, y) if self.index[a] < self.index[b] else (y, x)
                    found[pair[0].obj] = (*pair[:2], first, second, pair[2])
        for obj, (p, q, first, second, why) in found.items():
            if _parent(obj) in found:
                continue  # both create the table: its columns say nothing more
            text = why.format(a=self.by_key[p.loc.migration].id,
                              b=self.by_key[q.loc.migration].id)
            self.conflict("non-commuting", [first.loc, second.loc], obj,
                          f"{text}; one was added on {ref} and the other on this branch, "
                          f"so nothing states which runs first")


class _DownCheck:
    """What a down check records before its up migration is replayed."""

    __slots__ = ("parsed", "names", "removed", "tables", "before", "partial", "down_names",
                 "down_removed")

    def __init__(self, parsed: ParsedFile, names: frozenset[str], removed: set[str],
                 tables: set[str], before: dict[str, object], partial: set[str],
                 down_names: frozenset[str], down_removed: set[str]) -> None:
        self.parsed = parsed
        #: Names in the up and the down (`names_in`), and the relations they drop or rename.
        self.names = names
        self.removed = removed
        #: The tables they name, before up, with their signature; those of unknown columns.
        self.tables = tables
        self.before = before
        self.partial = partial
        #: The same for the down alone: what its replay can change.
        self.down_names = down_names
        self.down_removed = down_removed


def _used_up(statements: list[tuple[Statement, Effect | None]], pieces: Pieces | None
             ) -> Iterator[tuple[Statement, Effect | None]]:
    """`statements` in order, each let go once the next is asked for: popped from the list
    (a pg_dump-sized migration then never holds every parse tree) or, in `pieces`, given its
    tree as its piece is parsed and the tree taken back after."""
    statements.reverse()
    if pieces is None:
        while statements:
            yield statements.pop()
        return
    in_order = [stmt for stmt, _ in reversed(statements)]
    statements.clear()
    for stmt in pieces.with_trees(in_order, keep=False):
        yield stmt, None


def _inserted_columns(effect: Effect) -> list[str]:
    """The columns an INSERT's column list names (`INSERT INTO x (a, b)`), in the table the
    effect model resolved `x` to (after a temporary `x` is gone, the permanent one): one
    its table never has fails the statement (`_check_exists`)."""
    return [f"column:{a.facts['table']}.{column}" for a in effect.actions
            if a.kind == "insert" and a.facts.get("table")
            for column in a.facts.get("columns") or ()]


#: A temporary table dropped at the end of its transaction (CREATE TEMP TABLE ... ON COMMIT
#: DROP), in lower-cased text.
_ON_COMMIT_DROP = lazy_compile(r"on\s+commit\s+drop")


#: Words of the statements a transaction block refuses (CREATE / DROP / REINDEX ...
#: CONCURRENTLY, VACUUM, CREATE DATABASE, ALTER SYSTEM, DISCARD ALL, ...: the effect model's
#: `refused_in_transaction_block`), of ROLLBACK, which undoes its transaction's statements, and
#: of PREPARE, whose statement an EXECUTE runs: a migration naming none needs no session to
#: follow its transactions (nor prepares anything).
_REFUSED_IN_A_BLOCK = ("concurrently", "vacuum", "database", "system", "tablespace",
                       "subscription", "discard", "prepare", "cluster", "add value",
                       "rollback")


def _replay_session(m: Migration, sql: str, statements: list[Statement]) -> Session | None:
    """A session to follow what `sql` (`m`'s up or down, parsed as `statements`) does as
    lint's does: the search_path it sets, the transactions that end its ON COMMIT DROP
    tables (`end_statement`), that refuse DISCARD ALL or CREATE INDEX CONCURRENTLY and that
    are rolled back, its check_function_bodies, the statements it PREPAREs (what an EXECUTE
    runs: `Session.prepared`),
    starting in one where lint's does;
    None when its text names none of them, the common case, which then costs a scan or two
    (of the lower-cased text: a case-blind regex search was about 15 times slower)."""
    lower = sql.lower()
    if "search_path" not in lower and "check_function_bodies" not in lower and \
            not any(word in lower for word in _REFUSED_IN_A_BLOCK) and (
            "commit" not in lower or _ON_COMMIT_DROP.search(lower) is None):
        return None
    from lockwise.lint import LintOptions, starts_in_transaction

    return Session(implicit_transaction=starts_in_transaction(m, LintOptions(), statements))


def _replay_with_cascade(catalog: Catalog, views: dict[str, set[str]] | None, tree: dict,
                         migration_id: str, view_reads: bool = True,
                         sql: str | None = None) -> None:
    """apply_statement, plus what DROP ... CASCADE and CREATE VIEW mean for dependent views
    (the catalog replay alone does not follow view dependencies). `views` None: the
    statements replayed have no relation DROP ... CASCADE, so nothing reads them. `sql`:
    the statement's text (see `apply_statement`)."""
    apply_statement(catalog, tree, migration_id, views, view_reads, sql)
    if views is not None and _drops_relations_cascade(tree):
        _, body = unwrap(tree)
        for names in drop_object_names(body):
            rel = object_name(names)
            views.pop(rel, None)
            for view in dependent_views(views, f"table:{rel}"):
                views.pop(view, None)
                catalog.tables.pop(view, None)
                for key in [k for k, i in catalog.indexes.items() if i.table == view]:
                    del catalog.indexes[key]


def _drops_relations_cascade(tree: dict) -> bool:
    """A DROP TABLE / VIEW / ... CASCADE: takes the views that depend on them along."""
    body = tree.get("DropStmt")
    return body is not None and body.get("behavior") == "DROP_CASCADE" and \
        body.get("removeType") in _RELATION_DROPS


#: DROP statements whose CASCADE drops views that use what they drop in expressions
#: (`Catalog.callers`) or, for a schema, that are in it: the effects name none of them.
_CALLER_DROPS = {"OBJECT_TYPE": "type", "OBJECT_DOMAIN": "domain",
                 "OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure",
                 "OBJECT_ROUTINE": "routine", "OBJECT_SCHEMA": "schema"}


def _drops_views_unnamed(tree: dict) -> str:
    """What a statement drops with CASCADE, as a conflict names it, when the catalog replay
    may drop views with it that its effect does not name: DROP TYPE / DOMAIN / FUNCTION /
    PROCEDURE / ROUTINE / SCHEMA ... CASCADE, and ALTER TYPE ... DROP ATTRIBUTE ... CASCADE
    (the views using the column of a typed table). "" for any other statement."""
    kind, body = unwrap(tree)
    if kind == "DropStmt" and body.get("behavior") == "DROP_CASCADE" and \
            (what := _CALLER_DROPS.get(body.get("removeType", ""))):
        names = [n for n in drop_object_names(body) if n]
        named = ", ".join(quote_ident(n[-1]) if what == "schema"
                          else quote_qualified(object_name(n)) for n in names)
        return f"{what} {named}" if names else ""
    if kind == "AlterTableStmt" and body.get("objtype") == "OBJECT_TYPE" and any(
            cmd.get("subtype") == "AT_DropColumn" and cmd.get("behavior") == "DROP_CASCADE"
            for cmd in (unwrap(c)[1] for c in body.get("cmds") or ())):
        return f"an attribute of type {quote_qualified(range_var(body.get('relation'))[0])}"
    return ""


def _plain_table(body: dict) -> bool:
    """A CREATE TABLE whose columns are all spelled out (no INHERITS, no LIKE)."""
    return not body.get("inhRelations") and not _like_sources(body)


def _like_sources(body: dict) -> list[str]:
    """The tables a CREATE TABLE copies columns from with LIKE."""
    return [range_var(like.get("relation"))[0] for kind, like in
            map(unwrap, body.get("tableElts") or ()) if kind == "TableLikeClause"]


def dependent_views(views: dict[str, set[str]], target: str) -> list[str]:
    """Views that depend on `target` ("table:x" or "column:x.c"), directly or through other
    views, nearest first: what DROP ... CASCADE removes with it."""
    out: list[str] = []
    frontier = [target]
    while frontier:
        obj = frontier.pop(0)
        for view, deps in views.items():
            if view not in out and obj in deps and f"table:{view}" != target:
                out.append(view)
                frontier.append(f"table:{view}")
    return out


#: The DROPs PostgreSQL refuses while something uses what they drop (`_refused_drops`),
#: by what they drop.
_REFUSING_DROPS = {"OBJECT_SEQUENCE": "sequence", "OBJECT_TYPE": "type", "OBJECT_DOMAIN": "type",
                   "OBJECT_FUNCTION": "function", "OBJECT_INDEX": "index",
                   "OBJECT_SCHEMA": "schema", "OBJECT_TABLE": "table", "OBJECT_VIEW": "view",
                   "OBJECT_MATVIEW": "view"}


#: DROP statements of functions, known by name and input argument types.
_ROUTINE_DROPS = frozenset({"OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"})


def _dropped_signatures(catalog: Catalog, tree: dict) -> dict[str, str]:
    """The overloads DROP FUNCTION / PROCEDURE / ROUTINE `tree` names, by their function's
    key, as `_named` shows them (`function public.f(integer)`): by the argument types it
    writes, or the one overload the catalog keeps of a name written alone."""
    from lockwise.catalog.overloads import identity

    kind, body = unwrap(tree)
    found: dict[str, str] = {}
    if kind != "DropStmt" or body.get("removeType") not in _ROUTINE_DROPS:
        return found
    for obj in body.get("objects") or ():
        routine = unwrap(obj)[1]
        name = object_name(strings(routine.get("objname")))
        kept = catalog.kept_routines.get(name, ())
        procedure = body.get("removeType") == "OBJECT_PROCEDURE" or \
            bool(kept) and all(r.procedure for r in kept)
        args = identity(catalog, routine, procedure)
        if args is None and len(kept) == 1:
            args = kept[0].args
        if args is not None:
            found[canon(f"function:{name}")] = \
                f"{'procedure' if procedure else 'function'} {_routine_text(name, args)}"
    return found


def _call_error(catalog: Catalog, tree: dict, obj: str) -> str:
    """What the server says of the first call in `tree` of function `obj` (its graph key),
    which is gone (`deps.missing_call_error`); "" when not told."""
    for names, call, procedure in routine_calls(tree):
        if call_key(names) == obj:
            return missing_call_error(catalog, names, call, procedure)
    return ""


def _argument_types(types: Iterable[dict | None]) -> tuple[tuple[str, bool], ...]:
    """A function's input argument types, as `type_name` normalizes them (`int`, `int4` and
    `integer` are one): what tells its overloads apart."""
    return tuple((name, array) for name, _, array in map(type_name, types))


def _input_types(create: dict) -> tuple[tuple[str, bool], ...]:
    """The input argument types of a CREATE FUNCTION / PROCEDURE (its OUT and TABLE columns
    are no arguments)."""
    return _argument_types(unwrap(p)[1].get("argType") for p in create.get("parameters") or ()
                           if unwrap(p)[1].get("mode") not in ("FUNC_PARAM_OUT",
                                                               "FUNC_PARAM_TABLE"))


def _implicit_sequences(catalog: Catalog, tree: dict) -> list[str]:
    """The sequences (`sequence:s.q`) a CREATE TABLE or ALTER TABLE makes for its serial,
    bigserial, smallserial and GENERATED ... AS IDENTITY columns (ADD COLUMN, ADD GENERATED):
    its SEQUENCE NAME, else `<table>_<column>_seq` cut to 63 bytes, numbered (`_seq1`) past
    the names the catalog knows taken, as the server numbers it (`column_def_sequence`, checked
    on 18.6). A SEQUENCE NAME the catalog knows taken, or a name the statement makes twice,
    is left out; so are a temporary table's, a partition's (it draws from its parent's),
    and what IF NOT EXISTS / IF EXISTS may skip."""
    kind, body = unwrap(tree)
    if kind == "CreateStmt":
        if body.get("if_not_exists") or body.get("partbound"):
            return []
        columns = [elem for node in body.get("tableElts") or ()
                   for k, elem in (unwrap(node),) if k == "ColumnDef" and _may_number(elem)]
        if not columns:
            return []
        table = range_var(body.get("relation"), create=True)[0]
    elif kind == "AlterTableStmt" and body.get("objtype", "OBJECT_TABLE") == "OBJECT_TABLE" \
            and not body.get("missing_ok"):
        added: list[tuple[dict, bool]] = []  # (ColumnDef, from ADD GENERATED)
        for node in body.get("cmds") or ():
            cmd = unwrap(node)[1]
            if cmd.get("subtype") == "AT_AddColumn" and not cmd.get("missing_ok"):
                if _may_number(column := unwrap(cmd.get("def"))[1]):
                    added.append((column, False))
            elif cmd.get("subtype") == "AT_AddIdentity":
                added.append(({"colname": cmd.get("name", ""), "constraints": [cmd.get("def")]},
                              True))
        if not added:
            return []
        table = range_var(body.get("relation"))[0]
        known = catalog.tables.get(table)
        columns = [col for col, identity in added
                   if not (identity and known and known.partition_of)]
    else:
        return []
    if not table or table.startswith(TEMPORARY_PREFIX):
        return []
    made = [q for col in columns if (q := column_def_sequence(catalog, table, col)) is not None]
    return [f"sequence:{q}" for q in made if made.count(q) == 1 and
            not catalog.relation_named(q)]


def _may_number(column: dict) -> bool:
    """Whether ColumnDef `column` may make a sequence (`_implicit_sequences`): an identity
    constraint, or a type whose last name has `serial` in it (`serial4`, `bigserial`: a type
    `type_name` reads as one of `SERIAL_TYPES` is named so), tested before the type is
    resolved: most columns are neither."""
    typ = column.get("typeName") or _NO_TYPE
    names = typ.get("names") if "TypeName" not in typ else typ["TypeName"].get("names")
    if names and "serial" in str(unwrap(names[-1])[1].get("sval", "")):
        return True
    return any(unwrap(item)[1].get("contype") == "CONSTR_IDENTITY"
               for item in column.get("constraints") or ())


_NO_TYPE: dict = {}


def _fk_targets(tree: dict) -> set[str]:
    """The tables a CREATE TABLE or ALTER TABLE points foreign keys at. Only these statements
    define them, as a table constraint or a column's; the expressions of defaults and checks,
    often most of the tree, hold none, so they are not walked."""
    kind, body = unwrap(tree)
    if kind == "CreateStmt":
        elements = body.get("tableElts") or ()
    elif kind == "AlterTableStmt":
        elements = [unwrap(cmd)[1].get("def") for cmd in body.get("cmds") or ()]
    else:
        return set()
    found: set[str] = set()
    for element in elements:
        what, definition = unwrap(element) if element else ("", {})
        constraints = definition.get("constraints") or () if what == "ColumnDef" else \
            (element,) if what == "Constraint" else ()
        for con in constraints:
            con = unwrap(con)[1]
            if con.get("contype") == "CONSTR_FOREIGN":
                found.add(f"table:{range_var(con.get('pktable'))[0]}")
    return found


def _ops(effect: Effect, uses: dict[str, str], creates: set[str], loc: Location) -> list[_Op]:
    """What a statement does to each object, in the terms that decide commutation."""
    out = []
    for action in effect.actions:
        f = action.facts
        col = f"column:{f.get('table', '')}.{f.get('column', '')}"
        if action.kind == "alter_column_type":
            out.append(_Op("type", col, loc))
        elif action.kind in ("set_default", "drop_default"):
            out.append(_Op("default", col, loc))
        elif action.kind in ("set_not_null", "drop_not_null"):
            out.append(_Op(action.kind, col, loc))
        elif action.kind == "rename_column":
            out.append(_Op("rename", col, loc))
        elif action.kind == "rename_table":
            out.append(_Op("rename", f"table:{f.get('table', '')}", loc))
        elif action.kind == "drop_column":
            out.append(_Op("drop", col, loc))
        elif action.kind in ("drop_table", "drop_view"):
            out.append(_Op("drop", f"table:{f.get('table', '')}", loc))
        elif action.kind == "add_constraint" and f.get("constraint_type") == "primary":
            out.append(_Op("primary-key", f"table:{f.get('table', '')}", loc))
    out += [_Op("write", canon(o), loc) for o in sorted(effect.writes)
            if o.startswith("column:")]
    # CREATE OR REPLACE of a function, or of a view that exists: run second, it wins.
    replaced = {canon(f"function:{a.facts.get('name', '')}") if a.kind == "create_function"
                else canon(f"view:{a.facts.get('view', '')}")
                for a in effect.actions if a.kind in ("create_function", "create_view")
                and a.facts.get("replace")}
    out += [_Op("create", c, loc) for c in sorted(creates - replaced)]
    # A function's replacement is `_routine_ops`', with the overload it replaces.
    replaced = {c for c in replaced if not c.startswith("function:")}
    out += [_Op("replace", c, loc) for c in sorted(replaced)]
    out += [_Op("use", obj, loc) for obj, verb in uses.items() if verb != "drops"]
    return out


def _routine_ops(tree: dict, effect: Effect, loc: Location) -> list[_Op]:
    """What a statement does to functions, in the terms that decide commutation, each with the
    overload it names: renames it (`ALTER FUNCTION f(integer) RENAME TO g`, `SET SCHEMA`),
    drops it, replaces it (`CREATE OR REPLACE`), calls it (the effect model names no call)."""
    kind, body = unwrap(tree)
    out = []
    for action in effect.actions:
        f = action.facts
        if action.kind in ("rename_other", "set_schema") and \
                str(f.get("object", "")).startswith("function:"):
            out.append(_Op("rename", canon(str(f["object"])), loc,
                           _signature(unwrap(body.get("object") or {})[1])))
    if kind == "DropStmt" and body.get("removeType") in _ROUTINE_DROPS:
        for obj in body.get("objects") or ():
            routine = unwrap(obj)[1]
            name = object_name(strings(routine.get("objname")))
            out.append(_Op("drop", canon(f"function:{name}"), loc, _signature(routine)))
    elif kind == "CreateFunctionStmt" and body.get("replace"):
        name = object_name(strings(body.get("funcname")), create=True)
        out.append(_Op("replace", canon(f"function:{name}"), loc, _input_types(body)))
    out += [_Op("use", canon(obj), loc)
            for obj in gone_routines(tree, lambda obj: obj.startswith("function:"))]
    return out


def _signature(routine: dict) -> tuple[tuple[str, bool], ...] | None:
    """The input argument types an ALTER / DROP FUNCTION names (None: written without them,
    which PostgreSQL accepts for a name with one overload)."""
    if routine.get("args_unspecified"):
        return None
    return _argument_types(routine.get("objargs") or ())


def _within(obj: str, container: str) -> bool:
    return obj == container or (container.startswith("table:") and _parent(obj) == container)


def _clash(x: _Op, y: _Op) -> str | None:
    """Why running x and y in either order gives different results (None: they commute).
    The text uses {a} for x's migration and {b} for y's."""
    same = x.obj == y.obj
    if same and x.args is not None and y.args is not None and x.args != y.args:
        return None  # two overloads of a function
    if same and x.op in ("rename", "drop") and y.op == "replace" and \
            x.obj.startswith("function:"):
        first, then = ("renamed", "the replacement moves with it") if x.op == "rename" \
            else ("dropped", "the drop removes it")
        return (f"{{a}} {_OP_VERBS[x.op]} {_shown(x.obj)} while {{b}} replaces it: replaced first, "
                f"{then}; {first} first, the replacement creates it again")
    if same and x.op == y.op and x.op in ("type", "default", "primary-key"):
        verb = {"type": "change the type of", "default": "change the default of",
                "primary-key": "add a primary key to"}[x.op]
        return f"{{a}} and {{b}} both {verb} {_shown(x.obj)}"
    if same and {x.op, y.op} == {"set_not_null", "drop_not_null"}:
        return f"{{a}} {_OP_VERBS[x.op]} {_shown(x.obj)} and {{b}} {_OP_VERBS[y.op]} it"
    if same and x.op == "write" and y.op == "type":
        return (f"{{a}} UPDATEs {_shown(x.obj)} while {{b}} changes its type: what the "
                f"column holds depends on which runs first")
    if same and x.op == "create" and y.op == "create":
        return f"{{a}} and {{b}} both create {_shown(x.obj)}: whichever runs second fails"
    if same and x.op == y.op == "replace":
        return (f"{{a}} and {{b}} both replace {_shown(x.obj)}: whichever runs second wins, "
                "and the other's definition is lost")
    if same and {x.op, y.op} == {"create", "replace"}:
        return (f"{{a}} and {{b}} both define {_shown(x.obj)}: run in one order the plain "
                "CREATE fails, in the other the replacement wins")
    if x.op in ("rename", "drop") and y.op not in ("create", "replace") and \
            _within(y.obj, x.obj) and \
            not (x.op == y.op == "drop" and not same):
        if y.op == x.op and same:
            return f"{{a}} and {{b}} both {x.op} {_shown(x.obj)}: whichever runs second fails"
        return (f"{{a}} {_OP_VERBS[x.op]} {_shown(x.obj)} while {{b}} {_OP_VERBS[y.op]} "
                f"{_shown(y.obj)}: run in one order it works, in the other it fails")
    return None


def _routine_text(name: str, args: Iterable[str]) -> str:
    """A routine with its argument types as the user writes it: `public.f(integer, text)`
    (format_type's names, as the server's messages give them)."""
    from lockwise.effects.nodes import format_type

    return f"{quote_qualified(name)}(" + ", ".join(
        format_type(quote_qualified(a.removesuffix("[]")) if "." in a else a.removesuffix("[]"),
                    (), a.endswith("[]")) for a in args) + ")"


def _first_text_line(sql: str) -> int:
    """The line where a migration's text starts (a Liquibase changeset's header: its text
    keeps its place in the changelog)."""
    stripped = sql.lstrip()
    return sql.count("\n", 0, len(sql) - len(stripped)) + 1


def unique_keys(migrations: Sequence[Migration]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for m in migrations:
        n = seen.get(m.id, 0)
        seen[m.id] = n + 1
        keys.append(m.id if n == 0 else f"{m.id}#{n + 1}")
    return keys


def replay_context(catalog: Catalog, m: Migration, pg_version: int,
                   default_collation: str | None = None) -> Context:
    """The effect model's context for the statements of `m` replayed on `catalog`, made
    once for them all: `compute` sets what changes from one statement to the next.
    (Making one is about 14,000 instructions, 34 fields and ten fresh containers: 69 M, 0.9%
    of the graph side of lemmy, when one was made for each statement.) The graph follows
    none of what lint tracks from one statement to the next (the tables new in the
    migration, filled, emptied, written; the columns NULL or constant): those sets stay
    empty, and the effect model only reads them. `default_collation`: the database's
    (`LintOptions.default_collation`)."""
    return Context(catalog=catalog, pg_version=pg_version, migration_id=m.id,
                   rule_text=False, fix_facts=False, default_collation=default_collation)


def compute(stmt: Statement, ctx: Context, session: Session | None = None,
            rule_text: bool = False, refusals_only: bool = False) -> Effect:
    """The effect of `stmt` in `ctx` (`replay_context`: its catalog, migration and version);
    `session`: the one the replay follows, where it does (`_replay_session`): whether the
    statement runs in a transaction, and under check_function_bodies, and the statements it
    PREPAREd (what an EXECUTE runs; without a session, an EXECUTE is neither run nor
    refused). `rule_text`: with the facts only the rules' messages read (those of a down's
    refusal, reported with its rule's message). `refusals_only`: the effect is read for its
    refusals only, not followed by a session: without the locks and the advice facts no
    refusal rule reads (`down.refusal_context`). Every field of `ctx` a statement may
    change is set here, so that no statement sees the one before it."""
    ctx.statement_sql = stmt.sql
    ctx.rule_text = rule_text
    ctx.advice_facts, ctx.locks_read = _down.refusal_context() if refusals_only else \
        (True, True)
    if session is None:
        ctx.in_transaction, ctx.savepoints, ctx.prepared = False, None, None
        ctx.check_function_bodies = True
    else:
        ctx.in_transaction = session.in_transaction
        ctx.savepoints = session.open_savepoints
        ctx.check_function_bodies = session.check_function_bodies is not False
        ctx.prepared = session.prepared
    return _postgres.compute_effect(stmt.tree, ctx)


def build_graph(migrations: Sequence[Migration], *,
                reports: Iterable[MigrationReport] = (),
                pg_version: int = DEFAULT_PG_VERSION, check_downs: bool = True,
                downs_of: Collection[str] | None = None,
                branch: BranchInfo | None = None,
                templates: str = "substitute",
                default_collation: str | None = None) -> MigrationGraph:
    """The graph of `migrations` (in replay order) with its conflicts.

    `reports` are lint's reports for (some of) these migrations: their statements' effects are
    reused; the other migrations are parsed here, read as lint's options say (`templates`,
    the database's `default_collation`).
    """
    return _Builder(migrations, reports, pg_version, check_downs, branch, downs_of,
                    templates, default_collation).run()


def graph_builder(migrations: Sequence[Migration], *, pg_version: int = DEFAULT_PG_VERSION,
                  downs_of: Collection[str] | None = None, templates: str = "substitute",
                  default_collation: str | None = None) -> _Builder:
    """A builder fed one migration at a time (`add(migration, statements)`, then `finish()`),
    so a caller that already holds each migration's statements and effects, like lint, can
    let go of their parse trees as soon as the graph has seen them."""
    return _Builder(migrations, (), pg_version, True, None, downs_of, templates,
                    default_collation)



def _order(index: dict[str, int], c: Conflict) -> int:
    return max((index.get(loc.migration, -1) for loc in c.locations), default=0)


__all__ = ["build_graph", "canon", "graph_builder", "unique_keys"]
