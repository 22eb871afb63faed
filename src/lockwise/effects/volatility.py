"""Which expressions are volatile, and which relations they name as regclass constants, from
a real server's pg_proc (data/functions.json)."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.effects.nodes import (
    const_value,
    function_names,
    named_calls,
    regclass_name,
    strings,
    unwrap,
    walk,
)

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog

_DATA = Path(__file__).resolve().parent / "data" / "functions.json"


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(_DATA.read_text())


@lru_cache(maxsize=1)
def _builtin() -> dict[str, str]:
    data = _data()
    out = {}
    for label, code in (("immutable", "i"), ("stable", "s"), ("volatile", "v")):
        for name in data[label]:
            out[name] = code
    return out


@lru_cache(maxsize=1)
def builtin_functions() -> frozenset[str]:
    """The names of the functions a stock server has (lower case, unqualified)."""
    return frozenset(_builtin())


@lru_cache(maxsize=1)
def _signatures() -> dict[str, list[list[str]]]:
    return json.loads(_DATA.with_name("signatures.json").read_text())["signatures"]


def builtin_signatures(name: str) -> frozenset[tuple[str, ...]]:
    """The argument types of each overload of built-in function `name` (unqualified, lower
    case; as `overloads.arg_type` names a type: `text`, `int4[]`), read from
    data/signatures.json at the first ask (only a migration's function of a built-in name
    asks)."""
    return frozenset(tuple(types) for types in _signatures().get(name, ()))


@lru_cache(maxsize=1)
def builtin_aggregates() -> frozenset[str]:
    """The names of the built-in functions that are aggregates in every overload."""
    return frozenset(_data()["aggregate"])


@lru_cache(maxsize=1)
def builtin_set_returning() -> frozenset[str]:
    """The names of the built-in functions that return a set in every overload."""
    return frozenset(_data()["set_returning"])


def never_immutable(name: str) -> bool:
    """Whether built-in function `name` (unqualified, lower case) is stable or volatile in
    every overload, so that an index expression or WHERE calling it is refused whatever its
    arguments (`now`, `random`, `to_char`; not `date_trunc`, immutable for a timestamp, nor an
    aggregate or a set-returning function, which an index refuses with messages of their
    own)."""
    return _builtin().get(name, "i") != "i" and name not in builtin_aggregates() and \
        name not in builtin_set_returning() and not _types().has_immutable_overload(name)


def chosen_overloads(name: str, args: list[str]) -> list[list[str]]:
    """The overloads of built-in function `name` (as the data file's `overloads` hold them:
    volatility, then parameter types) a call of argument types `args` ("unknown" for an
    untyped constant) may run, as the parser narrows them (`types.narrowed_overloads`):
    `date_trunc('day', d)` of a date runs `date_trunc(text, timestamptz)`. One when it is
    clear; empty when `name` has no such overloads, none fits, or the server finds the call
    ambiguous."""
    overloads = _data()["overloads"].get(name)
    return [] if overloads is None else _types().narrowed_overloads(overloads, args)


@lru_cache(maxsize=1)
def _not_immutable_operators() -> frozenset[tuple[str, str, str]]:
    return frozenset(map(tuple, _data()["not_immutable_operators"]))


def not_immutable_operator(operator: str, left: str, right: str) -> bool:
    """Whether built-in binary `operator` of exactly types `left` and `right` runs a function
    that is not immutable (`timestamptz >= date`, `timestamptz + interval`): an operator of
    the arguments' own types is the one the server picks. And `||` of a text (or what takes
    one unasked, an untyped constant) and a value of another type that does not, no array:
    the only operator that fits is `text || anynonarray` (or the reverse), an SQL function
    the planner inlines as the value's cast to text, not immutable for a timestamptz or a
    date (their output reads the DateStyle and TimeZone settings)."""
    if (operator, left, right) in _not_immutable_operators():
        return True
    takes = _types().takes_argument
    return operator == "||" and any(
        takes(text, "text") and other != "unknown" and not other.endswith("[]") and
        not takes(other, "text") and not_immutable_cast(other, "text")
        for text, other in ((left, right), (right, left)))


@lru_cache(maxsize=1)
def _not_immutable_casts() -> frozenset[tuple[str, str]]:
    return frozenset(map(tuple, _data()["not_immutable_casts"]))


def not_immutable_cast(source: str, target: str) -> bool:
    """Whether the cast of a value of built-in type `source` to `target` runs a function that
    is not immutable (`timestamptz` to `date`, to `text`: the time zone setting is read)."""
    return (source, target) in _not_immutable_casts()


def _types():  # (effects.types reads its data at first use; imported then)
    from lockwise.effects import types

    return types


@lru_cache(maxsize=1)
def _takes_regclass() -> frozenset[str]:
    """Built-in functions whose first argument is a regclass (asked of every stored
    expression: made once)."""
    return frozenset(_data()["regclass_argument"])


@lru_cache(maxsize=1)
def _regclass_words() -> tuple[str, ...]:
    """Words one of which the text of every regclass constant holds, lower case: `regclass`
    and, for each function of `_takes_regclass`, its name up to its first `_` (`pg_`,
    `nextval`), none holding another."""
    heads = {name.split("_", 1)[0] + "_" if "_" in name else name
             for name in (*_takes_regclass(), "regclass")}
    return tuple(sorted(h for h in heads if not any(o != h and o in h for o in heads)))


#: The text `may_name_regclass` searched last and its answer: the effect model and then the
#: catalog replay ask about the same statement (the same string object), each expression of
#: it in turn. Holding the text keeps it alive, so `is` cannot match another at its address.
_last_search: tuple[str | None, bool] = (None, True)


def may_name_regclass(sql: str) -> bool:
    """Whether statement text `sql` may hold a regclass constant: it writes the type's or
    such a function's name (any case, quoted or not: PostgreSQL folds to lower case what
    `str.lower` does, and more), or a `U&` name, whose escapes can spell one unwritten."""
    global _last_search
    if sql is _last_search[0]:
        return _last_search[1]
    text = sql.lower()
    answer = "u&" in text or any(word in text for word in _regclass_words())
    _last_search = (sql, answer)
    return answer


def regclass_constants(node: object, sql: str | None = None) -> set[str]:
    """The relations (qualified) `node` names by regclass constants: a string cast to
    regclass (`'s'::regclass`, `CAST('app.s' AS pg_catalog.regclass)`), or passed first to a
    built-in function that takes a regclass there (`nextval('s')`, `pg_relation_size('t')`),
    which the server reads as one when it analyzes the expression. Only a bare string is one:
    cast to text first (`nextval('s'::text)`, `'s'::text::regclass`), it is converted at
    each run, and no dependency is recorded (checked on 18.6). `sql`, the text `node`
    was parsed from when the caller has it, spares the walk of the many that name none
    (searched only when there is an expression: a CREATE FUNCTION's text without a SQL
    body is long, and stores nothing)."""
    if not node or (sql is not None and not may_name_regclass(sql)):
        return set()
    takes_regclass = _takes_regclass()
    out: set[str] = set()
    for kind, body in walk(node):
        if kind == "TypeCast":
            names = strings((body.get("typeName") or {}).get("names"))
            if names[-1:] == ["regclass"] and names[:-1] in ([], ["pg_catalog"]):
                value = _string_constant(body.get("arg"))
            else:
                continue
        elif kind == "FuncCall":
            names = strings(body.get("funcname"))
            args = body.get("args") or ()
            if not (args and names[-1:] and names[-1] in takes_regclass
                    and names[:-1] in ([], ["pg_catalog"])):
                continue
            value = _string_constant(args[0])
        else:
            continue
        if (name := regclass_name(value)) is not None:
            out.add(name)
    return out


def _string_constant(expr: object) -> object:
    """`expr`'s value when it is a bare constant (no cast around it); else None."""
    return const_value(expr) if unwrap(expr)[0] == "A_Const" else None


def default_regclass_constants(expr: object, regclass_column: bool,
                               sql: str | None = None) -> set[str]:
    """`regclass_constants` of a column's DEFAULT `expr` (parsed from `sql`, when given);
    for a column holding a regclass (`regclass_column`), a bare string literal too
    (`DEFAULT 'tbl'`, which the text need not spell): the server reads it as regclass input
    and stores the constant (checked on the server; an array's literal, `'{tbl}'`, is stored
    as an array and names nothing)."""
    out = regclass_constants(expr, sql)
    if regclass_column and unwrap(expr)[0] == "A_Const" and \
            isinstance(value := const_value(expr), str) and \
            (name := regclass_name(value)) is not None:
        out.add(name)
    return out


def call_volatilities(expr: object, catalog: Catalog | None,
                      skipped: str | None = None) -> list[tuple[str, dict, str | None]]:
    """Each function call of `expr` (with `skipped`, not those below a value under that key,
    `walk_except`): its name (last part, lower case), its FuncCall and its volatility code:
    that of the migrations' overload it runs (`routines.call_volatility`), else the built-in
    function's (`builtin_volatility`); None when neither is known."""
    calls = named_calls(expr, skipped)
    if not calls:
        return []
    if catalog is None or not catalog.kept_routines:
        return [(name, call, builtin_volatility(catalog, name, call)) for name, call in calls]
    from lockwise.catalog.routines import call_volatility, made_names

    made = made_names(catalog)
    return [(name, call, (call_volatility(catalog, call) if name in made else None)
             or builtin_volatility(catalog, name, call)) for name, call in calls]


def builtin_volatility(catalog: Catalog | None, name: str, call: dict) -> str | None:
    """The volatility code of built-in function `name` that FuncCall `call` runs: of the
    overload its evident argument types pick (`chosen_overloads`, the arguments typed by
    `overloads.value_type` with `catalog`) when the data file has its overloads and they
    agree (`ts_rewrite(q, a, b)` of three tsquery is immutable, of a tsquery and a query's
    text volatile: checked on 18.6); else the name's (the worst of its overloads); None
    for a function that is not built in."""
    code = _builtin().get(name)
    overloads = _data()["overloads"].get(name) if catalog is not None else None
    if overloads is None or len({o[0] for o in overloads}) == 1:
        return code
    from lockwise.catalog.overloads import value_type

    types = [value_type(catalog, a) for a in call.get("args") or ()]  # type: ignore[arg-type]
    codes = {o[0] for o in chosen_overloads(name, types)} if None not in types else ()
    return next(iter(codes)) if len(codes) == 1 else code


def volatile_calls(expr: object, catalog: Catalog | None) -> list[tuple[str, dict]]:
    """The function calls in `expr` (name and FuncCall) that are volatile, or unknown (assumed
    volatile, to be safe)."""
    return [(name, call) for name, call, code in call_volatilities(expr, catalog)
            if code in (None, "v")]


def volatile_functions(expr: object, catalog: Catalog | None) -> list[str]:
    """Functions in `expr` that are volatile, or unknown (assumed volatile, to be safe)."""
    return [name for name, _ in volatile_calls(expr, catalog)]


def calls_volatile(expr: object, catalog: Catalog | None = None) -> bool:
    """Whether `expr`, outside its subqueries (each run once, before the rows are read), calls
    a built-in function that is volatile in some overload (random(), nextval(),
    clock_timestamp()), or one of `catalog`'s that `runs_volatile` says stays volatile as the
    planner runs it (checked on 18.6: `id = f()` of a VOLATILE PL/pgSQL `f` is no lookup, of
    a VOLATILE SQL `f` whose body is `SELECT 5` one: the planner inlined it); a built-in
    name is the built-in function's unless the migrations' overload runs in its place
    (`routines.replaces_builtin`)."""
    builtin = _builtin()
    if catalog is None or not catalog.kept_routines:
        return any(builtin.get(name) == "v"
                   for name, _, _ in call_volatilities(expr, None, "SubLink"))
    from lockwise.catalog.routines import made_names, replaces_builtin

    made = made_names(catalog)
    return any(runs_volatile(catalog, call) if name not in builtin or (
        name in made and replaces_builtin(catalog, call)) else builtin[name] == "v"
        for name, call, _ in call_volatilities(expr, None, "SubLink"))


def runs_volatile(catalog: Catalog, call: dict) -> bool:
    """Whether FuncCall `call` of a function of the migrations is volatile as the planner runs
    it: the overload it runs (`routines.call_candidates`; when that is not certain, one of
    those it may run) declared VOLATILE (or saying nothing, or made so by ALTER FUNCTION) in
    another language than SQL, or in SQL without arguments and a body the planner does not
    inline, or inlines as a volatile expression (`inlined_volatility`). False when the
    migrations made none the search_path finds, or it is one of SQL with arguments (the
    planner may inline it: its body decides, not judged here)."""
    from lockwise.catalog.routines import call_candidates

    return any(not routine.procedure and routine.volatility == "v" and (
        routine.language != "sql" or not routine.args and bool(routine.sql) and
        inlined_volatility(routine.sql, catalog, routine.volatility,
                           strict=routine.strict) not in ("i", "s"))
        for routine in call_candidates(catalog, call))


def changes_between_transactions(expr: object, catalog: Catalog | None) -> bool:
    """Whether `expr` may give another value in a later transaction: it calls a function that
    is not immutable (now() is stable: one value per transaction, not per run), or unknown,
    or reads the clock as SQL does (CURRENT_TIMESTAMP, LOCALTIME, CURRENT_USER...)."""
    return any(code != "i" for _, _, code in call_volatilities(expr, catalog)) or \
        any(kind == "SQLValueFunction" for kind, _ in walk(expr))


def has_subquery(expr: object) -> bool:
    return any(kind == "SubLink" for kind, _ in walk(expr))


#: The clauses of a SELECT that keep the planner from inlining a SQL function's body.
_NOT_INLINED_CLAUSES = ("fromClause", "whereClause", "groupClause", "havingClause",
                        "windowClause", "sortClause", "limitCount", "limitOffset",
                        "distinctClause", "withClause", "lockingClause", "valuesLists")


def inlined_volatility(create: str, catalog: Catalog | None,
                       declared: str | None = None, args: list | tuple = (),
                       strict: bool | None = None) -> str | None:
    """The volatility ('i', 's', 'v') a call of the SQL function `create` (its CREATE
    statement; `declared` and `strict`: its volatility and STRICT now, `Routine.volatility`
    and `Routine.strict`, when an ALTER FUNCTION may have changed what the statement says)
    passing `args` (its argument expressions, by place; a parameter left
    out runs its DEFAULT) has once the planner inlines it, which it does before it judges an
    ADD COLUMN's default (checked on 18.6: a VOLATILE one whose body is `SELECT <stable
    expression>` adds the column without a rewrite, one value for every row; one of `a int`
    whose body is `SELECT a + 1`, called as `f(1)`, `f(length(md5('x')))`, `f(extract(day
    FROM now())::int)` or `f()` of `a int DEFAULT 1`, too): the worst of its body's and its
    arguments' (`_inlined_arguments`). None when it is not inlined (`_inlined_body`), or an
    argument the planner will not substitute."""
    inlined = _inlined_body(create, catalog, declared, strict)
    if inlined is None:
        return None
    params, expr, body_code = inlined
    passed = _inlined_arguments(params, list(args), expr, catalog)
    if passed is None:
        return None
    return max([body_code, *passed], key="isv".index)


@lru_cache(maxsize=256)
def _parsed_create(create: str) -> tuple[str, dict] | None:
    """The CREATE statement `create`, parsed: its kind and body; None when it is not one
    statement that parses."""
    from lockwise.parse.postgres import parse_sql

    parsed = parse_sql(create, comments=False)
    if parsed.problems or len(parsed.statements) != 1:
        return None
    return unwrap(parsed.statements[0].tree)


def _inlined_body(create: str, catalog: Catalog | None, declared: str | None = None,
                  strict: bool | None = None) -> tuple[list[dict], object, str] | None:
    """What the planner inlines a call of the SQL function `create` as (inline_function,
    checked on 18.6): its parameters, its body's one expression and that expression's
    volatility code. `declared` and `strict`, when given, are the function's volatility and
    STRICT as the catalog holds them after any ALTER FUNCTION (which the server reads, not
    the CREATE's text: checked on 18.6, fix-pg84). None when it is not inlined:
    another language, SECURITY DEFINER, a SET, a set, an OUT or VARIADIC parameter, a
    body other than one SELECT of one expression with no FROM, WHERE, subquery, aggregate
    or set-returning function, a body more volatile than declared, or a STRICT function
    whose body is not strict in every parameter (`_strict_body`)."""
    from lockwise.catalog.routines import declared_volatility, routine_language
    from lockwise.parse.sql_body import sql_body_statements

    kind, stmt = _parsed_create(create) or ("", {})
    params = [unwrap(p)[1] for p in stmt.get("parameters") or ()] \
        if kind == "CreateFunctionStmt" else []
    if kind != "CreateFunctionStmt" or (stmt.get("returnType") or {}).get("setof") or \
            any(p.get("mode", "FUNC_PARAM_DEFAULT") not in
                ("FUNC_PARAM_IN", "FUNC_PARAM_DEFAULT") for p in params):
        return None
    if routine_language(stmt) != "sql":
        return None
    created_strict = False
    for option in stmt.get("options") or ():
        _, opt = unwrap(option)
        name, value = opt.get("defname"), unwrap(opt.get("arg"))[1] or {}
        if name == "security" and value.get("boolval") or name == "set":
            return None
        if name == "strict":
            created_strict = bool(value.get("boolval"))
    strict = created_strict if strict is None else strict
    declared = declared or declared_volatility(stmt)
    body = sql_body_statements(create)
    if len(body) != 1:
        return None
    kind, select = unwrap(body[0].tree)
    targets = select.get("targetList") or () if kind == "SelectStmt" else ()
    if len(targets) != 1 or select.get("op", "SETOP_NONE") != "SETOP_NONE" or \
            any(select.get(c) for c in _NOT_INLINED_CLAUSES):
        return None
    expr = unwrap(targets[0])[1].get("val")
    names = function_names(expr)
    if has_subquery(expr) or any(n in builtin_aggregates() or n in builtin_set_returning()
                                 for n in names):
        return None
    body_code = _expression_volatility(expr, catalog)
    # a body more volatile than the function says is not inlined
    if "ivs".index(body_code) > "ivs".index(declared) and declared != "v":
        return None
    if strict and not _strict_body(expr, params, catalog):
        return None
    return params, expr, body_code


#: The nodes of a raw expression that give NULL whenever what they read is NULL, as the
#: planner's contain_nonstrict_functions has them (a call, an operator and a NOT judged
#: further); the others (CASE, COALESCE, GREATEST, IS NULL, AND, OR, ARRAY[...], a row,
#: a subscript, NULLIF, IS DISTINCT FROM, IN, BETWEEN...) may not.
_STRICT_NODES = frozenset({"A_Const", "ParamRef", "ColumnRef", "TypeCast", "String",
                           "CollateClause", "SQLValueFunction", "FuncCall", "A_Expr",
                           "BoolExpr"})


def _strict_body(expr: object, params: list[dict], catalog: Catalog | None) -> bool:
    """Whether the body `expr` of a STRICT SQL function is one the planner inlines it as
    (checked on 18.6): every parameter read, and only strict constructs (a strict function
    (`_strict_call`), an operator, NOT, a cast: `a + 1`, `length(a::text)`, `NOT (a >
    0)`, `a || 'x'` of text). A `||` that may join arrays (`_text_concat`) and the nodes not
    in `_STRICT_NODES` count as not strict: the function then runs as declared
    (`coalesce(a, 0)`, `a > 0 AND a < 5`, `concat(a, 'x')`, `a IS NULL` all do)."""
    for kind, node in walk(expr):
        if kind not in _STRICT_NODES or \
                kind == "BoolExpr" and node.get("boolop") != "NOT_EXPR" or \
                kind == "A_Expr" and (node.get("kind") not in (
                    "AEXPR_OP", "AEXPR_LIKE", "AEXPR_ILIKE") or
                    strings(node.get("name")) == ["||"] and not _text_concat(node, params)):
            return False
        if kind == "FuncCall" and not _strict_call(node, catalog):
            return False
    return all(_uses(expr, p.get("name"), place + 1) for place, p in enumerate(params))


def _strict_call(call: dict, catalog: Catalog | None) -> bool:
    """Whether FuncCall `call` surely runs a strict function (pg_proc.proisstrict, as the
    planner's contain_nonstrict_functions asks): a built-in one strict in every overload of
    its name (data/functions.json's `not_strict` lists the others), or a function of the
    migrations declared STRICT (or so altered: `Routine.strict`), each overload the call may
    run (checked on 18.6, fix-pg83: a STRICT SQL body `SELECT f(a)` is inlined for a STRICT
    `f` of any language, not for one CALLED ON NULL INPUT)."""
    from lockwise.catalog.routines import BUILTIN

    names = [n.lower() for n in strings(call.get("funcname"))]
    name = (names or [""])[-1]
    builtin = names[:-1] in ([], ["pg_catalog"]) and name in _builtin() and \
        name not in _not_strict()
    if names[:-1] == ["pg_catalog"] or catalog is None or not catalog.kept_routines:
        return builtin
    from lockwise.catalog.routines import call_candidates

    made = [r for r in call_candidates(catalog, call) if r.language != BUILTIN]
    if not made:
        return builtin
    # (a name a built-in has too may run either: both strict)
    return all(r.strict and not r.procedure for r in made) and (builtin or name not in _builtin())


#: The string types whose `||` with another value that is no array is textcat, textanycat or
#: anytextcat, all strict (`||` of an array, array_append and the like, is not).
_STRING_TYPES = frozenset({"text", "varchar", "bpchar", "char", "name", "character"})


def _text_concat(expr: dict, params: list[dict]) -> bool:
    """Whether the `||` A_Expr `expr` joins text: one side a parameter (of `params`) or a
    cast of a string type that is no array, the other such a value too, or a constant."""
    def typed(side: object) -> str:
        kind, node = unwrap(side)  # type: ignore[arg-type]
        if kind == "TypeCast":
            type_name = node.get("typeName") or {}
        elif kind in ("ColumnRef", "ParamRef"):
            type_name = next((p.get("argType") or {} for place, p in enumerate(params)
                              if _uses(side, p.get("name"), place + 1)), {})
        else:
            return "constant" if kind == "A_Const" else ""
        names = strings(type_name.get("names"))
        return "string" if names and names[-1] in _STRING_TYPES and \
            not type_name.get("arrayBounds") else ""

    sides = sorted(typed(expr.get(side)) for side in ("lexpr", "rexpr"))
    return sides in (["string", "string"], ["constant", "string"])


@lru_cache(maxsize=1)
def _not_strict() -> frozenset[str]:
    return frozenset(_data()["not_strict"])


def _expression_volatility(expr: object, catalog: Catalog | None) -> str:
    """The volatility code of `expr`: the worst of its calls' (an unknown one volatile), a
    clock or user read as SQL spells it (CURRENT_TIMESTAMP) stable."""
    codes = {code or "v" for _, _, code in call_volatilities(expr, catalog)}
    if any(kind == "SQLValueFunction" for kind, _ in walk(expr)):
        codes.add("s")
    return "v" if "v" in codes else "s" if "s" in codes else "i"


#: The most a value passed to a parameter the body reads twice may cost, in operators
#: (inline_function: more, and the planner does not inline the call).
_MOST_COST_READ_TWICE = 10


def _inlined_arguments(params: list[dict], args: list, body: object,
                       catalog: Catalog | None) -> list[str] | None:
    """The volatility code of each argument the planner substitutes for a parameter of a
    SQL function it inlines (inline_function, checked on 18.6): `args` by place, then the
    DEFAULT of each parameter left out. None when it does not inline the call: a named
    argument, a parameter left out without DEFAULT, a subquery, or one the body reads more
    than once passed a value that is volatile or costs more than 10 operators once folded
    (`_cost`: `extract(day FROM now())::int` is cheap and stable, inlined; a PL/pgSQL
    function's call costs 100, not inlined)."""
    if len(args) > len(params) or any(unwrap(a)[0] == "NamedArgExpr" for a in args):
        return None
    values = [*args, *(p.get("defexpr") for p in params[len(args):])]
    if any(value is None for value in values):
        return None
    codes = []
    for place, (param, value) in enumerate(zip(params, values, strict=True)):
        if has_subquery(value):
            return None
        code = _expression_volatility(value, catalog)
        if _uses(body, param.get("name"), place + 1) > 1 and (
                code == "v" or _cost(value, catalog) > _MOST_COST_READ_TWICE):
            return None
        codes.append(code)
    return codes


#: The nodes the planner charges one operator for (cost_qual_eval): a call's own cost is
#: its procost, data/functions.json's `costs`.
_ONE_OPERATOR = frozenset({"A_Expr", "TypeCast", "SQLValueFunction", "NullTest",
                           "BooleanTest", "MinMaxExpr", "CoalesceExpr", "CaseExpr"})


def _cost(value: object, catalog: Catalog | None) -> int:
    """What expression `value` costs the planner each time it runs, in operators, once
    folded: what reads no column and calls only immutable functions is a constant (0); a
    built-in call costs its procost, a call of the migrations' function the cost of its
    body when the planner inlines it, else its COST (`Routine.cost`: as its CREATE or a
    later ALTER FUNCTION says, 100 when neither does)."""
    kind, node = unwrap(value)
    if not kind or _expression_volatility(value, catalog) == "i" and not any(
            k in ("ColumnRef", "ParamRef") for k, _ in walk(value)):
        return 0
    own = 1 if kind in _ONE_OPERATOR else 0
    if kind == "FuncCall":
        own = _call_cost(node, catalog)
    return own + sum(_cost(child, catalog) for child in _children(node))


def _children(node: dict) -> list[dict]:
    """The expression nodes right below raw node `node` ({"Kind": {...}}, through the
    plain dicts and lists between), not its function name."""
    out: list[dict] = []
    stack: list = [value for key, value in node.items() if key != "funcname"]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(item)
        elif type(item) is dict:
            if len(item) == 1 and next(iter(item))[:1].isupper():
                out.append(item)
            else:
                stack.extend(item.values())
    return out


def _call_cost(call: dict, catalog: Catalog | None) -> int:
    """What FuncCall `call` costs itself, in operators (not its arguments): `_cost`."""
    name = (strings(call.get("funcname")) or [""])[-1].lower()
    routines: tuple = ()
    if catalog is not None and catalog.kept_routines:
        from lockwise.catalog.routines import call_candidates

        routines = call_candidates(catalog, call)
    if not routines:
        return _data()["costs"].get(name, 1) if name in _builtin() else 100
    if len(routines) == 1 and routines[0].language == "sql" and routines[0].sql:
        inlined = _inlined_body(routines[0].sql, catalog, routines[0].volatility,
                                routines[0].strict)
        if inlined is not None:
            return _cost(inlined[1], catalog)
    # (its COST, declared or altered: checked on 18.6, fix-pg83; of several, the dearest)
    from lockwise.catalog.routines import BUILTIN

    return max(_data()["costs"].get(name, 1) if r.language == BUILTIN else math.ceil(r.cost)
               for r in routines)


def _uses(body: object, name: str | None, number: int) -> int:
    """How many times expression `body` reads the parameter named `name` (`$number`)."""
    return sum(1 for kind, node in walk(body)
               if kind == "ParamRef" and node.get("number") == number or
               kind == "ColumnRef" and name is not None and
               strings(node.get("fields")) == [name])
