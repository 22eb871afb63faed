"""Which schema an unqualified name means, under the search_path a migration set.

The effect model, the catalog replay and the conflict graph all qualify names through
`lockwise.effects.nodes.qualified`; `search_path_in_force` plugs this module's resolution into
it for the statements that run under a path the migration set. With no path set (the common
case) nothing is plugged in and every unqualified name is `public`'s, as under the server's
default `"$user", public` when no schema is named after the role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

from lockwise.catalog.model import Catalog
from lockwise.effects import nodes
from lockwise.effects.nodes import TEMPORARY_SCHEMA, const_value, unwrap
from lockwise.effects.system_catalog import is_system_relation

if TYPE_CHECKING:
    from lockwise.catalog.overloads import Routine
    from lockwise.core.types import Action

DEFAULT_SCHEMA = "public"
#: Path entries no object is looked up in when lockwise does not know it: `"$user"` names
#: the role's own schema, which usually does not exist (lockwise does not know the role);
#: objects created with pg_catalog first fail, and pg_temp, searched for relations and types
#: only, holds only what the session made there (with pg_temp first, every object is made
#: there: `SearchPath.temporary_first`).
_NOT_CREATED_IN = frozenset({"$user", "pg_catalog", "pg_temp"})


def split_path(text: str) -> tuple[str, ...]:
    """A search_path as `set_config` reads its text: comma-separated identifiers, unquoted
    ones folded to lower case, quoted ones as written (`"My Schema"`, `""` for a quote)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        name = []
        if i < n and text[i] == '"':
            i += 1
            while i < n and not (text[i] == '"' and text[i + 1:i + 2] != '"'):
                name.append(text[i])
                i += 2 if text[i] == '"' else 1
            i += 1
        else:
            while i < n and text[i] != "," and not text[i].isspace():
                name.append(text[i].lower() if text[i].isascii() else text[i])
                i += 1
        while i < n and text[i] != ",":
            i += 1
        i += 1
        if name:
            out.append("".join(name))
    return tuple(out)


def read_path(value: object) -> tuple[str, ...] | None:
    """A SET's or set_config's search_path value as schema names, None when not plain.

    SET gives each schema as one argument, folded by the parser (SET search_path = 'a, b'
    names one schema called "a, b", as the server reads it); set_config gives one string."""
    if isinstance(value, tuple):
        return tuple(str(v) for v in value) if all(isinstance(v, str) for v in value) else None
    return split_path(value) if isinstance(value, str) else None


class SearchPath:
    """A search_path in force, resolving names against what `catalog` knows. (Not a
    dataclass, as `_ElementPath`: never compared or printed, and making one is about 1% of a
    one-file lint.)"""

    __slots__ = ("catalog", "schemas", "temporary_first")

    def __init__(self, schemas: tuple[str, ...], catalog: Catalog) -> None:
        self.schemas = schemas
        self.catalog = catalog
        #: Whether CREATE puts an unqualified object in pg_temp (`nodes.range_var`,
        #: `creation_schema`): the
        #: server creates in the first schema of the path that exists, temporary ones when
        #: that is pg_temp (checked on 18.6: test_temporary_tables). `"$user"` is taken for
        #: no schema, as lockwise does not know the role; any other schema before pg_temp
        #: is taken to exist, known or not (the server skips one that does not: lockwise
        #: then keeps the relation's locks and findings, the cautious side); pg_catalog
        #: first makes the server refuse to create.
        self.temporary_first = next((s for s in schemas if s != "$user"), None) \
            == TEMPORARY_SCHEMA

    def creation_schema(self) -> str:
        """Where CREATE puts an unqualified object: the first schema of the path that
        exists, pg_temp when that is it (`temporary_first`: a function, procedure, type or
        domain as well as a relation, checked on 15 and 18.6); with none known, the first the
        path names (it may exist outside the migrations), and `public` when it names none."""
        return TEMPORARY_SCHEMA if self.temporary_first else self._permanent_schema()

    def _permanent_schema(self) -> str:
        """`creation_schema` but for pg_temp: where an unqualified object lockwise does not
        know is taken to be (a function: the server never searches pg_temp for one)."""
        candidates = [s for s in self.schemas if s not in _NOT_CREATED_IN]
        known = self.catalog.schemas
        return next((s for s in candidates if s in known), candidates[0] if candidates
                    else DEFAULT_SCHEMA)

    def __call__(self, name: str, create: bool) -> str:
        """The schema of unqualified `name`: for an existing object the first schema of the
        path that holds one by that name, else the first lockwise takes to exist (never
        pg_temp); for a new one `creation_schema`."""
        if not create:
            # The session's temporary relations come before all unless the path lists
            # pg_temp; pg_catalog is searched first unless the path says where (both
            # checked on the server).
            if TEMPORARY_SCHEMA not in self.schemas and is_temporary(self.catalog, name):
                return TEMPORARY_SCHEMA
            path = self.schemas if "pg_catalog" in self.schemas else ("pg_catalog",
                                                                       *self.schemas)
            for schema in path:
                if schema == "pg_catalog":
                    if is_system_relation(name):
                        return schema
                elif _knows(self.catalog, f"{schema}.{name}"):
                    return schema
            return self._permanent_schema()
        return self.creation_schema()


#: The server's default search_path, as a routine's `SET search_path FROM CURRENT` records it
#: when the migrations set none.
DEFAULT_PATH = ("$user", DEFAULT_SCHEMA)


def path_in_force() -> tuple[str, ...]:
    """The search_path in force: the one the migration set, else the server's default."""
    path = nodes.resolver_in_force()
    return path.schemas if isinstance(path, SearchPath) else DEFAULT_PATH


def clause_path(options: list | None) -> tuple[bool, tuple[str, ...] | None]:
    """What the search_path clauses among the options (DefElems) of a CREATE or ALTER
    FUNCTION / PROCEDURE make the routine's own path: whether one does, and the path its body
    then runs under (checked on 18.6): the one written; for `FROM CURRENT` the one in force
    now (pg_proc.proconfig keeps it: a later SET does not change it); None for RESET, RESET
    ALL, SET TO DEFAULT (the caller's path again) or a value not plain."""
    found, path = False, None
    for option in options or ():
        element = unwrap(option)[1]
        kind, setting = unwrap(element.get("arg"))
        if element.get("defname") != "set" or kind != "VariableSetStmt" or not (
                setting.get("name") == "search_path" or setting.get("kind") == "VAR_RESET_ALL"):
            continue
        found, how = True, setting.get("kind")
        path = read_path(tuple(const_value(a) for a in setting.get("args") or ())) \
            if how == "VAR_SET_VALUE" else path_in_force() if how == "VAR_SET_CURRENT" else None
    return found, path


def use_routine_path(routine: Routine, catalog: Catalog) -> bool:
    """The path routine's body runs under in force from now on (within `path_kept`, for its
    body): the one of its CREATE for a SQL-standard body, whose names the server bound then
    (`Routine.bound_path`), else the one its own SET clause gives (`Routine.path`); whether
    it has one."""
    path = routine.bound_path if routine.bound_path is not None else routine.path
    if path is not None:
        _use_path(None if path == DEFAULT_PATH else path, catalog)
    return path is not None


def follow_set(tree: dict, catalog: Catalog) -> bool | None:
    """SET / SET LOCAL / RESET of search_path `tree` (a statement of a body the replay
    follows), or a SELECT (PERFORM) of `set_config('search_path', ...)`, in force from now
    on, as `path_of_sets` has it for the effect model; whether it is local (SET LOCAL,
    set_config's `true`), None for another statement."""
    kind, body = unwrap(tree)
    if kind == "VariableSetStmt" and (body.get("name") == "search_path" or
                                      body.get("kind") == "VAR_RESET_ALL"):
        schemas = read_path(tuple(const_value(a) for a in body.get("args") or ())) \
            if body.get("kind") == "VAR_SET_VALUE" else None
        _use_path(schemas, catalog)
        return bool(body.get("is_local"))
    local = None
    if kind == "SelectStmt" and body.get("targetList"):
        for name, value, is_local in nodes.set_config_calls(body):
            if name == "search_path":
                _use_path(read_path(value), catalog)
                local = is_local
    return local


def use_set_value(value: object, catalog: Catalog) -> None:
    """The search_path a SET or set_config gives as `value` (`read_path`) in force from now
    on (within `path_kept`)."""
    _use_path(read_path(value), catalog)


def _use_path(schemas: tuple[str, ...] | None, catalog: Catalog) -> None:
    nodes.use_resolver(None if schemas is None else SearchPath(schemas, catalog))


def path_of_sets(actions: Iterable[Action], catalog: Catalog) -> None:
    """The search_path the `set` actions of `actions` (a SET, SET LOCAL, RESET or
    set_config of it, in a body: each holds for the body's later statements, checked on
    18.6) leave, in force from now on; one a routine's SET clause restores at its end
    (`ends_with_call`) is not."""
    for a in actions:
        f = a.facts
        if a.kind == "set" and not f.get("ends_with_call") and (
                f.get("name") == "search_path" or f.get("reset_all")):
            _use_path(None if f.get("reset") else read_path(f.get("value")), catalog)


@contextmanager
def path_kept() -> Iterator[None]:
    """Within `with`, the search_path may change (`path_of_sets`, a routine's SET clause);
    the one in force before is back afterwards."""
    before = nodes.resolver_in_force()
    try:
        yield
    finally:
        if nodes.resolver_in_force() is not before:
            nodes.use_resolver(before)


def lookup_schemas() -> tuple[str, ...] | None:
    """The schemas, in order, in which the server looks for an unqualified name under the
    search_path a migration set (for what the catalog does not know, functions); None under
    the default path and in the elements of CREATE SCHEMA, where `qualified` says."""
    path = nodes.resolver_in_force()
    if not isinstance(path, SearchPath):
        return None
    return tuple(s for s in path.schemas if s not in _NOT_CREATED_IN) or None


def system_searched_before(schema: str) -> bool:
    """Whether the server looks for an unqualified function in pg_catalog before `schema`
    under the path in force: unless the path names pg_catalog after `schema`, as it searches
    pg_catalog first when the path does not name it (checked on 18.6, fix-pg72: of a
    migration's `app.lower(text)`, `lower('A')` runs pg_catalog's under `SET search_path =
    app, public` and app's under `SET search_path = app, pg_catalog`)."""
    path = nodes.resolver_in_force()
    schemas = path.schemas if isinstance(path, SearchPath) else DEFAULT_PATH
    return "pg_catalog" not in schemas or schema not in schemas or \
        schemas.index("pg_catalog") < schemas.index(schema)


def temporary_searched_first() -> bool:
    """Whether the session's temporary relations come before the schemas of the path in
    force for an unqualified name: unless the path lists pg_temp, searched in its place."""
    path = nodes.resolver_in_force()
    return not (isinstance(path, SearchPath) and TEMPORARY_SCHEMA in path.schemas)


def is_temporary(c: Catalog, name: str) -> bool:
    """Whether the session has a temporary relation or type of unqualified `name` (the
    server searches pg_temp for those two only, never for functions or operators). Only a
    name `Catalog.temporary` holds can be one (it holds every name filed in pg_temp, some
    gone since): asked for every unqualified name under the default path (`nodes.qualified`),
    most often of a catalog that has none."""
    if not c.temporary:
        return False
    full = f"{TEMPORARY_SCHEMA}.{name}"
    return full in c.temporary and _knows(c, full)


def _knows(c: Catalog, name: str) -> bool:
    # Relations share one namespace per schema, types another; functions are known by their
    # bare name only, so they resolve like a new object.
    return name in c.tables or name in c.indexes or name in c.sequences or name in c.types


class _ElementPath:
    """Names in the elements of CREATE SCHEMA: the server puts the new schema in front of
    the search_path while it runs them, so a name means the new schema's object once an
    element made one (`made`, for a caller that does not replay them into `catalog`), else
    what it means under the path in force (`after`; None: the default path)."""

    __slots__ = ("after", "catalog", "made", "schema")

    def __init__(self, schema: str, catalog: Catalog, made: AbstractSet[str],
                 after: nodes.Resolver | None) -> None:
        self.schema = schema
        self.catalog = catalog
        self.made = made
        self.after = after

    def __call__(self, name: str, create: bool) -> str:
        full = f"{self.schema}.{name}"
        if create:
            return self.schema
        if is_system_relation(name):  # pg_catalog is still searched first
            return "pg_catalog"
        if full in self.made or _knows(self.catalog, full):
            return self.schema
        return self.after(name, False) if self.after is not None else DEFAULT_SCHEMA


@contextmanager
def elements_path(catalog: Catalog, schema: str,
                  made: AbstractSet[str] = frozenset()) -> Iterator[None]:
    """Within `with`, unqualified names resolve as in the elements of a CREATE SCHEMA of
    `schema` (see `_ElementPath`; `made` may grow meanwhile); the path in force before is
    back afterwards."""
    before = nodes.use_resolver(None)
    nodes.use_resolver(_ElementPath(schema, catalog, made, before))
    try:
        yield
    finally:
        nodes.use_resolver(before)


class PathInForce:
    """Within `with`, unqualified names resolve through the path last given to `use` (None:
    the default path); the resolver in place before is back afterwards. `use` with the path
    already in force does nothing: it is called before every statement."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.schemas: tuple[str, ...] | None = None
        self._before: nodes.Resolver | None = None
        self._before_temporary: Callable[[str], bool] | None = None

    def use(self, schemas: tuple[str, ...] | None) -> None:
        if schemas != self.schemas:
            self.schemas = schemas
            nodes.use_resolver(None if schemas is None else SearchPath(schemas, self.catalog))

    def __enter__(self) -> PathInForce:
        self._before = nodes.use_resolver(None)
        self._before_temporary = nodes.use_temporary(partial(is_temporary, self.catalog))
        return self

    def __exit__(self, *_: object) -> None:
        nodes.use_resolver(self._before)
        nodes.use_temporary(self._before_temporary)
