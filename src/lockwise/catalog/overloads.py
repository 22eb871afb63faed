"""One overload of a function or procedure the migrations created (`routines`), what
identifies it (its arguments' types) and which one a call runs.

Loaded with the first CREATE FUNCTION / PROCEDURE a run replays (a run without routines
pays nothing for it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import strings, type_name, unwrap

if TYPE_CHECKING:
    from lockwise.catalog.query_columns import FromScope

#: The languages whose bodies are followed at a call.
FOLLOWED_LANGUAGES = frozenset({"plpgsql", "sql"})
#: The parameter modes a call passes no argument for: a function's OUT (a procedure's OUT
#: is passed, PostgreSQL 14 and later) and RETURNS TABLE's columns.
_NOT_PASSED = {False: frozenset({"FUNC_PARAM_OUT", "FUNC_PARAM_TABLE"}),
               True: frozenset({"FUNC_PARAM_TABLE"})}


class Routine(NamedTuple):
    """One function or procedure, an overload of its name."""

    name: str  # qualified
    sql: str  # its CREATE statement ("" when not known: its body is not followed)
    procedure: bool
    language: str
    args: tuple[str, ...]  # the types of the arguments a call passes, as `column_type` has
    required: int  # how many of them have no default
    variadic: bool
    names: tuple[str, ...] = ()  # the names of those arguments ("" for an unnamed one)
    returns_set: bool = False  # RETURNS SETOF or TABLE: a set-returning function
    #: The relations (qualified) it depends on, which DROP TABLE / VIEW ... CASCADE drops it
    #: with: those its SQL-standard body names, and those whose row type (or an array of
    #: it) an argument or its result has (`routines.built_on`), and the types and domains
    #: made by the migrations an argument or its result is of, which DROP TYPE ... CASCADE
    #: drops it with (a type and a relation never share a name in a schema).
    relations: tuple[str, ...] = ()
    #: The functions its SQL-standard body and its arguments' defaults call (as
    #: `function_calls` gives them), and the (table, column) pairs its SQL-standard body
    #: reads or writes: DROP FUNCTION and ALTER TABLE ... DROP COLUMN ... CASCADE drop it
    #: with them (`routines.body_dependencies`; `replay.routines_going`).
    calls: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()
    #: The type it returns, as `arg_type` spells one (`text`, `int4[]`); "" when no one
    #: type is said: a procedure, OUT parameters, RETURNS SETOF or TABLE, an aggregate.
    returns: str = ""
    #: Of an aggregate that keeps the largest or smallest value of its rows, as max() and
    #: min() do: "max" or "min" (`routines.aggregate_keeps`); "" for another.
    keeps: str = ""
    #: Its volatility code ('i', 's', 'v'), as CREATE declared it or a later ALTER FUNCTION
    #: set it: each overload has its own (checked on 18.6).
    volatility: str = "v"
    #: STRICT (RETURNS NULL ON NULL INPUT), as CREATE declared it or a later ALTER FUNCTION
    #: set it: a call of it keeps a STRICT SQL body strict (`volatility._strict_call`).
    strict: bool = False
    #: Its COST, in operators (pg_proc.procost), as declared or altered: 100 when none is
    #: said, 1 for a C or internal function (`volatility._call_cost`).
    cost: float = 100
    #: The search_path its own SET clause runs its body under (`search_path.clause_path`:
    #: written, or FROM CURRENT's at its CREATE); None without one.
    path: tuple[str, ...] | None = None
    #: Of a SQL-standard body (BEGIN ATOMIC ... END, RETURN ...), the search_path in force
    #: at its CREATE: the server bound the body's names then, whatever path a call runs it
    #: under (checked on 18.6, fix-pg72); None for another body.
    bound_path: tuple[str, ...] | None = None
    #: The operators of the migrations its SQL-standard body surely runs, as CREATE bound
    #: them (`operators.operators_in`): DROP OPERATOR without CASCADE is refused while it is
    #: there (a body written as a string records none).
    operators: tuple = ()
    #: Of a procedure with OUT parameters, its input argument types (IN, INOUT, VARIADIC):
    #: CALL passes the OUT ones too (`args`), but they are no part of the signature the
    #: server keeps it by (`input_types`); None when they are `args`.
    inputs: tuple[str, ...] | None = None
    #: What CREATE OR REPLACE may not change of it beyond its kind and input types
    #: (`routines.replace_shape`): its result as the server keeps it (the type, whether a
    #: set, the row its OUT / INOUT / TABLE parameters define; None when a type is given as
    #: `%TYPE`), its input arguments' names and the types of their defaults. () when not known.
    shape: tuple = ()

    @property
    def followed(self) -> bool:
        return self.language in FOLLOWED_LANGUAGES and bool(self.sql)


def input_types(routine: Routine) -> tuple[str, ...]:
    """The input argument types `routine` is kept by in pg_proc (proargtypes): no CREATE
    FUNCTION / PROCEDURE / AGGREGATE of its name and these types runs beside it, whatever
    their kind, result or argument names (42723 "function f already exists with same
    argument types"; a procedure's OUT parameters do not count: checked on 18.6)."""
    return routine.args if routine.inputs is None else routine.inputs


#: Pseudo-types that make a function polymorphic (its argument types resolved per call).
_POLYMORPHIC = frozenset({
    "anyelement", "anyarray", "anynonarray", "anyenum", "anyrange", "anymultirange",
    "anycompatible", "anycompatiblearray", "anycompatiblenonarray", "anycompatiblerange",
    "anycompatiblemultirange"})


def is_polymorphic(tn: dict | None) -> bool:
    """Whether TypeName `tn` is a polymorphic pseudo-type (`anyelement`, ...)."""
    names = strings((tn or {}).get("names"))
    return bool(names) and names[-1].lower() in _POLYMORPHIC and names[:-1] in ([], ["pg_catalog"])


def arg_type(catalog: Catalog, tn: dict | None) -> str:
    name, _, array = catalog.column_type(tn)
    return f"{name}[]" if array else name


def signature(catalog: Catalog, params: list, procedure: bool
               ) -> tuple[tuple[str, ...], int, bool, tuple[str, ...]]:
    """The argument types, required count, VARIADIC and argument names of
    FunctionParameters `params`."""
    passed = [p for p in map(lambda p: unwrap(p)[1], params or ())
              if p.get("mode") not in _NOT_PASSED[procedure]]
    required = next((i for i, p in enumerate(passed) if p.get("defexpr")), len(passed))
    return (tuple(arg_type(catalog, p.get("argType")) for p in passed), required,
            any(p.get("mode") == "FUNC_PARAM_VARIADIC" for p in passed),
            tuple(str(p.get("name") or "") for p in passed))


def procedure_inputs(catalog: Catalog, params: list, procedure: bool
                     ) -> tuple[str, ...] | None:
    """`Routine.inputs` of a routine of FunctionParameters `params`: of a procedure with OUT
    parameters, the types of the others; None otherwise."""
    given = [unwrap(p)[1] for p in params or ()]
    if not procedure or all(p.get("mode") != "FUNC_PARAM_OUT" for p in given):
        return None
    return tuple(arg_type(catalog, p.get("argType")) for p in given
                 if p.get("mode") not in ("FUNC_PARAM_OUT", "FUNC_PARAM_TABLE"))


def variadic_not_array(params: list) -> int | None:
    """Which of FunctionParameters `params` (its index) is a VARIADIC one of a built-in base
    type, no array: PostgreSQL refuses the routine at CREATE at it, whatever its language
    and check_function_bodies ("VARIADIC parameter must be an array", checked on 18.6);
    None when none is certainly so (a type lockwise does not know may be a domain over an
    array, refused too, or an array type named `_t`)."""
    from lockwise.effects.types import builtin_base_type

    for i, param in enumerate(map(lambda p: unwrap(p)[1], params)):
        if param.get("mode") == "FUNC_PARAM_VARIADIC":
            name, _, array = type_name(param.get("argType"))
            if not array and builtin_base_type(name):
                return i
    return None


def identity(catalog: Catalog, obj: dict | None, procedure: bool) -> tuple[str, ...] | None:
    """The argument types an ObjectWithArgs names (DROP FUNCTION f(int)); None for a name
    alone (every overload: the server refuses it when there are several)."""
    if not obj or obj.get("args_unspecified"):
        return None
    if obj.get("objfuncargs"):
        return signature(catalog, obj["objfuncargs"], procedure)[0]
    return tuple(arg_type(catalog, t) for t in obj.get("objargs") or ())


def evident_type(catalog: Catalog, arg: dict, scope: FromScope | None) -> str | None:
    """The type of a call's argument when it is evident: a cast, a constant the server types
    by its spelling (an integer, a decimal, a boolean; "unknown" for an untyped string
    constant or NULL), or a column of the FROM list `scope` the call sees (one table having
    the name, or the qualifier's; `query_columns.scope_column`); None for an expression, or
    a column not known for sure."""
    kind, body = unwrap(arg)
    if kind == "TypeCast":
        return arg_type(catalog, body.get("typeName"))
    if kind == "ColumnRef":
        return _column_type(body, scope) if scope is not None else None
    return constant_type(arg)


def value_type(catalog: Catalog, expr: object, scope: FromScope | None = None) -> str | None:
    """The type of value `expr` when it is evident (`evident_type`), or the type a function
    call returns of arguments of such types: a function of the migrations the name finds,
    the overload the server resolves (`returned_type`), else a built-in immutable one's,
    bare or pg_catalog's (`types.builtin_return_type`: `f(length('abc'))` passes an
    integer); or the type a built-in operator gives of operands of such types
    (`f(1 + 2)` passes an integer); None otherwise."""
    kind, body = unwrap(expr)
    if kind == "A_Expr":
        return _operator_type(catalog, body, scope)
    if kind != "FuncCall":
        return evident_type(catalog, expr or {}, scope)  # type: ignore[arg-type]
    names = strings(body.get("funcname"))
    if not names or body.get("agg_star") or body.get("over") or body.get("func_variadic"):
        return None
    args = [value_type(catalog, a, scope) for a in body.get("args") or ()]
    if catalog.kept_routines and names[:-1] != ["pg_catalog"]:
        from lockwise.catalog.routines import named_overloads

        overloads = named_overloads(catalog, names)
        if overloads:
            return returned_type(overloads, args)
    if names[:-1] not in ([], ["pg_catalog"]) or None in args:
        return None
    from lockwise.effects.types import builtin_return_type

    return builtin_return_type(names[-1].lower(), args)


def _operator_type(catalog: Catalog, expr: dict, scope: FromScope | None) -> str | None:
    """The type of operator expression A_Expr `expr` when its operands' are evident and its
    operator is a built-in one, bare or pg_catalog's (`types.builtin_operator_type`); None
    for another (IN, BETWEEN, NULLIF, ..., or an operator a migration may have made)."""
    names = strings(expr.get("name"))
    if expr.get("kind") != "AEXPR_OP" or not names or names[:-1] not in ([], ["pg_catalog"]):
        return None
    from lockwise.effects.types import builtin_operator_type

    right = value_type(catalog, expr.get("rexpr"), scope)
    if expr.get("lexpr") is None:  # a prefix operator: -x
        return builtin_operator_type(names[-1], None, right)
    left = value_type(catalog, expr["lexpr"], scope)
    return None if left is None else builtin_operator_type(names[-1], left, right)


def constant_type(arg: object) -> str | None:
    """The type the server gives constant `arg` by its spelling (int4, int8 or numeric,
    bool; "unknown" for an untyped string constant or NULL), None for another node."""
    kind, body = unwrap(arg)
    if kind != "A_Const":
        return None
    if "ival" in body:
        return "int4"
    if "boolval" in body:
        return "bool"
    if "fval" in body:
        from lockwise.catalog.query_columns import integer_type

        text = str(body["fval"].get("fval", ""))
        return integer_type(text) if text.isdigit() else "numeric"
    if "sval" in body or body.get("isnull"):
        return "unknown"
    return None


def _column_type(ref: dict, scope: FromScope) -> str | None:
    """The type of the column ColumnRef `ref` names in `scope`, as `arg_type` spells one."""
    fields = ref.get("fields") or ()
    names = strings(fields)
    if len(names) != len(fields):  # `t.*`: a row
        return None
    from lockwise.catalog.query_columns import scope_column

    column = scope_column(names, scope)
    if column is None or not column.type_name:
        return None
    return f"{column.type_name}[]" if column.array else column.type_name


def chosen(catalog: Catalog, overloads: tuple[Routine, ...], call: dict,
           scope: FromScope | None = None) -> Routine | None:
    """The overload `call` (a FuncCall) runs: the one its argument count allows, or of
    several, the one the server resolves from the evident argument types (`value_type`,
    `call_resolution`; a column's through the FROM list `scope` the call sees); None when
    that is not one, or an argument's type is not evident."""
    args = call.get("args") or ()
    if call.get("func_variadic"):
        from lockwise.catalog.call_resolution import takes_array

        # f(..., VARIADIC a): the array is passed whole, for an array parameter (VARIADIC
        # or not), never spread over a variadic one's elements (checked on 18.6)
        fit = [r for r in overloads if args and r.required <= len(args) <= len(r.args) and
               takes_array(r.args[len(args) - 1])]
        return fit[0] if len(fit) == 1 else None
    named = any(unwrap(a)[0] == "NamedArgExpr" for a in args)
    fit = [r for r in overloads
           if r.required <= len(args) and (len(args) <= len(r.args) or r.variadic) and
           not (r.variadic and _not_spread(catalog, r, args, named, scope)) and
           not (named and _places(r, args) is None)]
    if len(fit) <= 1 or named:
        found = fit[0] if len(fit) == 1 else None
    else:
        evident = [value_type(catalog, a, scope) for a in args]
        if None in evident:
            return None
        from lockwise.catalog.call_resolution import resolved

        found = resolved(fit, evident)  # type: ignore[arg-type]
    return None if found is not None and _input_refused(found, args) else found


def _input_refused(routine: Routine, args: tuple | list) -> bool:
    """Whether the server refuses a call of `args` to `routine` at a constant's input,
    before any body runs (`call_resolution.input_refused`; a named argument's constant read
    as the parameter it names, checked on 18.6): only a call with an untyped string
    constant is looked at further."""
    texts: list[str | None] = [None] * max(len(args), len(routine.args))
    for where, arg in zip(_places(routine, args) or (), args, strict=False):
        kind, body = unwrap(arg)
        if kind == "NamedArgExpr":
            kind, body = unwrap(body.get("arg"))
        if kind == "A_Const" and "sval" in body:
            texts[where] = str(body["sval"].get("sval", ""))
    if all(text is None for text in texts):
        return False
    from lockwise.catalog.call_resolution import input_refused

    return input_refused(routine, texts)


def _places(routine: Routine, args: tuple | list) -> list[int] | None:
    """The parameter (its place) each of `args` is passed to: by its place, or the one its
    name names (parse_func.c MatchNamedCall); None when the server matches no such call to
    `routine` ("function o(zz => integer) does not exist", checked on 18.6): a name none of
    its parameters has, one passed by place already, or a parameter without default left
    out."""
    places: list[int] = []
    for place, arg in enumerate(args):
        kind, body = unwrap(arg)
        name = body.get("name") if kind == "NamedArgExpr" else None
        if name is None:
            places.append(place)
            continue
        where = routine.names.index(name) if name in routine.names else None
        if where is None or where in places:
            return None
        places.append(where)
    return places if all(i in places for i in range(routine.required)) else None


def _not_spread(catalog: Catalog, routine: Routine, args: tuple | list, named: bool,
                scope: FromScope | None) -> bool:
    """Whether a call of `args` without VARIADIC certainly matches no spread of variadic
    `routine` (checked on 18.6): in named notation it never does, a default or not
    ("function f(a => integer[]) does not exist"); positionally, an array at a variadic
    position is no element of a scalar type ("function f(integer[]) does not exist")."""
    if named:
        return True
    if len(args) < len(routine.args):  # (its defaults fill the rest, unspread)
        return False
    from lockwise.catalog.call_resolution import takes_array

    element = routine.args[-1].removesuffix("[]")
    return not takes_array(element) and any(
        unwrap(a)[0] == "A_ArrayExpr" or
        (evident_type(catalog, a, scope) or "").endswith("[]")
        for a in args[len(routine.args) - 1:])


def returned_type(overloads: tuple[Routine, ...], types: list[str | None]) -> str | None:
    """The type a call of arguments of `types` (each evident, else None; "unknown" for an
    untyped constant) to one of `overloads` returns: the one overload the count allows, or
    of several the one the server resolves (`call_resolution.resolved`); None when that is
    not one, or it returns no one type (`Routine.returns`)."""
    fit = [r for r in overloads if not r.procedure and
           r.required <= len(types) and (len(types) <= len(r.args) or r.variadic)]
    if len(fit) > 1 and None not in types:
        from lockwise.catalog.call_resolution import resolved

        found = resolved(fit, types)  # type: ignore[arg-type]
    else:
        found = fit[0] if len(fit) == 1 else None
    return found.returns or None if found is not None else None


def lasting_choice(call: dict) -> bool:
    """Whether `chosen` makes the same choice for `call` among the same overloads whatever
    the catalog holds: none of its arguments is a cast (whose type the search_path and the
    types in force qualify), a column (whose type the catalog gives) or a function call
    (whose result a function of the migrations may give)."""
    return all(unwrap(a)[0] not in _CATALOG_TYPED for a in call.get("args") or ())


#: The arguments whose type the catalog gives.
_CATALOG_TYPED = frozenset({"TypeCast", "ColumnRef", "FuncCall"})


def has_column_argument(call: dict) -> bool:
    """Whether a column is among `call`'s arguments (`chosen` then needs its FROM list)."""
    return any(unwrap(a)[0] == "ColumnRef" for a in call.get("args") or ())
