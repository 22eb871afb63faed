"""What makes an expression not immutable, as the server judges an index's expressions and
WHERE, and a generated column's expression (refused with 42P17, checked on 18.6): the calls
named as the server's message and lockwise's say them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockwise.effects.nodes import strings, walk

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog
    from lockwise.catalog.overloads import Routine
    from lockwise.catalog.query_columns import FromScope


#: The SQL value functions (`CURRENT_DATE`, written without parentheses) by the parser's
#: name of each: every one is stable, so no index or generated column may call one
#: (checked on 18.6).
_SQL_VALUE_FUNCTIONS = {"SVFOP_CURRENT_DATE": "CURRENT_DATE", "SVFOP_CURRENT_TIME":
                        "CURRENT_TIME", "SVFOP_CURRENT_TIME_N": "CURRENT_TIME",
                        "SVFOP_CURRENT_TIMESTAMP": "CURRENT_TIMESTAMP",
                        "SVFOP_CURRENT_TIMESTAMP_N": "CURRENT_TIMESTAMP",
                        "SVFOP_LOCALTIME": "LOCALTIME", "SVFOP_LOCALTIME_N": "LOCALTIME",
                        "SVFOP_LOCALTIMESTAMP": "LOCALTIMESTAMP",
                        "SVFOP_LOCALTIMESTAMP_N": "LOCALTIMESTAMP",
                        "SVFOP_CURRENT_ROLE": "CURRENT_ROLE", "SVFOP_CURRENT_USER":
                        "CURRENT_USER", "SVFOP_USER": "USER", "SVFOP_SESSION_USER":
                        "SESSION_USER", "SVFOP_CURRENT_CATALOG": "CURRENT_CATALOG",
                        "SVFOP_CURRENT_SCHEMA": "CURRENT_SCHEMA"}


def not_immutable_calls(catalog: Catalog, node: object, scope: FromScope | None) -> list[str]:
    """What expression `node` calls that is surely not immutable, each once in the order
    written, as the message names it: an SQL value function (CURRENT_DATE), a built-in
    function no overload of which is immutable (`volatility.never_immutable`), not one the
    migrations made of that name; for arguments whose types are evident (a column of the
    FROM list `scope`, a cast, a constant), the overload, operator or cast those types pick
    when it is not immutable (`date_trunc('day', ts)`, `ts::date`, `ts >= '...'::date` of
    a timestamptz); and a function of the migrations the call surely runs that is not
    (`_made_not_immutable`). Empty when it calls none."""
    from lockwise.effects.volatility import never_immutable

    made = {name.rsplit(".", 1)[-1] for name in catalog.kept_routines}
    found: list[tuple[int, str]] = []  # (where it is written, as the message names it)
    for kind, body in walk(node):
        if kind == "SQLValueFunction":
            found.append((body.get("location", 0),
                          _SQL_VALUE_FUNCTIONS.get(body.get("op", ""), "CURRENT_DATE")))
        elif kind == "FuncCall":
            names = [n.lower() for n in strings(body.get("funcname"))]
            if names and names[:-1] in ([], ["pg_catalog"]) and \
                    (names[:-1] or names[-1] not in made):
                said = f"{names[-1]}()" if never_immutable(names[-1]) else \
                    _overload_said(catalog, names[-1], body, scope)
                if said:
                    found.append((body.get("location", 0), said))
            elif names[:-1] != ["pg_catalog"] and \
                    _made_not_immutable(catalog, body, scope):
                found.append((body.get("location", 0), f"{names[-1]}()"))
        elif said := _by_types_said(catalog, kind, body, scope):
            found.append((body.get("location", 0), said))
    calls = [name for _, name in sorted(found)]
    return sorted(set(calls), key=calls.index)


def _said_together(calls: list[str]) -> str:
    """`calls` (not empty) joined as a sentence: `a()`, `a() and b()`, `a(), b() and c()`."""
    return " and ".join((", ".join(calls[:-1]), calls[-1]) if len(calls) > 1 else calls)


def not_immutable_facts(refused_text: str, calls: list[str]) -> dict:
    """The facts of a statement the server refuses with `refused_text` for `calls` (not
    empty): `refused_not_immutable`, its message, and the calls joined as a sentence."""
    return {"refused_not_immutable": True, "refused_not_immutable_text": refused_text,
            "not_immutable_calls_text": _said_together(calls)}


def user_defined_calls(catalog: Catalog, node: object) -> list[str]:
    """The functions expression `node` surely calls that are not built in, each once in the
    order written (`f()`): a name no stock server's function has (one the migrations made,
    or one made elsewhere), a name qualified with a schema other than pg_catalog (and
    information_schema, whose helpers initdb makes), and a built-in name the migrations'
    overload surely replaces (`routines.replaces_builtin`). The server gives any such
    function an OID of its own, and a VIRTUAL generated column may call none (checked on
    18.6, fix-pg84)."""
    from lockwise.effects.nodes import named_calls
    from lockwise.effects.volatility import builtin_functions

    builtin = builtin_functions()
    made = catalog.kept_routines and {n.rsplit(".", 1)[-1] for n in catalog.kept_routines}
    found = []
    for name, call in named_calls(node):
        schema = [n.lower() for n in strings(call.get("funcname"))][:-1]
        if schema in (["pg_catalog"], ["information_schema"]):
            continue
        if schema or name not in builtin:
            found.append(f"{name}()")
        elif made and name in made:
            from lockwise.catalog.routines import replaces_builtin

            if replaces_builtin(catalog, call):
                found.append(f"{name}()")
    return sorted(set(found), key=found.index)


#: The server's message for a generated column's expression that is not immutable (42P17,
#: STORED and VIRTUAL alike, checked on 18.6).
GENERATION_NOT_IMMUTABLE = "generation expression is not immutable"
#: The server's message for a VIRTUAL generated column's expression, immutable, that calls a
#: function not built in (0A000, checked on 18.6, fix-pg84).
GENERATION_USER_DEFINED = "generation expression uses user-defined function"


def table_scope(catalog: Catalog, table: str) -> FromScope | None:
    """The FROM list an expression over the columns of `table` sees (an index's, a generated
    column's): the table as the catalog knows it, None when the replay is not sure of its
    columns (then no column's type is evident)."""
    known = catalog.tables.get(table) if table and catalog.sure_of(table) else None
    return {table.rsplit(".", 1)[-1]: known} if known is not None else None


def generation_refusal(catalog: Catalog, expression: object, column: str,
                       scope: FromScope | None, virtual: bool = False) -> dict:
    """`refused_not_immutable` of generated column `column` whose GENERATED ALWAYS AS
    `expression` (None: not a generated one) calls what is surely not immutable
    (`not_immutable_calls`, a column of the table typed through `scope`), with the server's
    message and `generated_column` its name; empty when it calls none. A CHECK, a DEFAULT
    and a partition bound may call what they like (checked on 18.6): only a generation
    expression is judged. Of a `virtual` column whose expression is immutable but calls a
    function not built in (`user_defined_calls`, even an IMMUTABLE one): the server's other
    refusal, `refused_virtual_user_function` (fix-pg84; it judges immutability first)."""
    if expression is None:
        return {}
    calls = not_immutable_calls(catalog, expression, scope)
    if calls:
        return {**not_immutable_facts(GENERATION_NOT_IMMUTABLE, calls),
                "generated_column": column}
    made = user_defined_calls(catalog, expression) if virtual else []
    if not made:
        return {}
    from lockwise.effects.nodes import PrintedSql

    return {"refused_virtual_user_function": True,
            "refused_virtual_user_function_text": GENERATION_USER_DEFINED,
            "user_defined_calls_text": _said_together(made), "generated_column": column,
            "generation_expression_sql": PrintedSql(expression, "<expression>")}


def _overload_said(catalog: Catalog, name: str, call: dict, scope: dict | None) -> str:
    """What `call` of built-in `name` runs that is not immutable, as the message names it:
    the overload its evident argument types pick (`volatility.chosen_overloads`; judged
    when all it may pick agree), or, of an immutable one, the implicit cast an argument
    goes through to it (`timezone('UTC', d)` of a date: the cast of date to timestamptz)."""
    from lockwise.catalog.overloads import value_type
    from lockwise.effects.types import function_style_cast
    from lockwise.effects.volatility import chosen_overloads, not_immutable_cast

    args = [value_type(catalog, a, scope) for a in call.get("args") or ()]
    if not args or None in args:
        return ""
    if len(args) == 1 and not any(o[1:] == args for o in chosen_overloads(name, args)) and \
            function_style_cast(args[0], name):  # type: ignore[arg-type]
        return f"the cast of {args[0]} to {name}" if not_immutable_cast(
            args[0], name) else ""  # type: ignore[arg-type]
    fit = chosen_overloads(name, args)  # type: ignore[arg-type]
    if fit and all(o[0] != "i" for o in fit):
        return f"{name}({', '.join(fit[0][1:] if len(fit) == 1 else args)})"  # type: ignore
    casts = [(arg, param) for arg, param in zip(args, fit[0][1:], strict=True)
             if arg != param and not_immutable_cast(arg, param)] if len(fit) == 1 else []
    return f"the cast of {casts[0][0]} to {casts[0][1]}" if casts else ""


def _by_types_said(catalog: Catalog, kind: str, body: dict, scope: dict | None) -> str:
    """A cast or a binary operator of evident types that runs a function that is not
    immutable, as the message names it ("the cast of timestamptz to date", "timestamptz >=
    date"); "" for anything else."""
    from lockwise.catalog.overloads import value_type
    from lockwise.effects.volatility import not_immutable_cast, not_immutable_operator

    if kind == "TypeCast":
        source = value_type(catalog, body.get("arg"), scope)
        target = value_type(catalog, {kind: body}, scope)
        return f"the cast of {source} to {target}" if source and target and \
            not_immutable_cast(source, target) else ""
    if kind != "A_Expr" or body.get("kind") != "AEXPR_OP" or not body.get("lexpr"):
        return ""
    operator = strings(body.get("name"))
    if len(operator) != 1:
        return ""
    left = value_type(catalog, body.get("lexpr"), scope)
    right = value_type(catalog, body.get("rexpr"), scope)
    return f"{left} {operator[0]} {right}" if left and right and \
        not_immutable_operator(operator[0], left, right) else ""


def _made_not_immutable(catalog: Catalog, call: dict, scope: dict | None) -> bool:
    """Whether FuncCall `call` surely runs a function the migrations made that is not
    IMMUTABLE, which the server refuses in an index (checked on 18.6, per overload: of
    `f(int)` IMMUTABLE and `f(text)` VOLATILE, `f(c::text)` is refused and `f(c)` taken):
    every overload it may run (`routines.call_candidates`; a column of the indexed table
    `scope` typed as the replay has it) declared (or altered) otherwise, or of SQL and
    judged as the planner inlines it (`_runs_not_immutable`); for
    a bare name of a built-in function, the one of theirs chosen for certain over the
    built-in overloads (`routines.made_over_builtin`: `abs(big)` of a bigint column, with a
    VOLATILE `public.abs(bigint)` under `SET search_path = public, pg_catalog`)."""
    if not catalog.kept_routines:
        return False
    from lockwise.catalog.routines import call_candidates, made_over_builtin
    from lockwise.effects.volatility import builtin_functions

    names = strings(call.get("funcname"))
    if len(names) == 1 and names[0].lower() in builtin_functions():
        routine = made_over_builtin(catalog, call, scope)
        candidates: tuple = (routine,) if routine is not None else ()
    else:
        candidates = call_candidates(catalog, call, scope)
    return bool(candidates) and all(not r.procedure and _runs_not_immutable(catalog, r, call)
                                    for r in candidates)


def _runs_not_immutable(catalog: Catalog, routine: Routine, call: dict) -> bool:
    """Whether `routine`, run by FuncCall `call` in an index expression, is not immutable
    as the planner judges it: a SQL one by the expression it inlines as (`inlined_volatility`:
    checked on 18.6, a STRICT one whose body is `coalesce(a, 0)` is not inlined and is
    refused as VOLATILE, one whose body is `a + (random() * 0)::int` is inlined as a
    volatile expression and refused), else by its volatility; one whose text lockwise has
    not, never (not judged)."""
    if routine.language == "sql":
        if not routine.sql:
            return False
        from lockwise.effects.volatility import inlined_volatility

        inlined = inlined_volatility(routine.sql, catalog, routine.volatility,
                                     call.get("args") or (), routine.strict)
        return (inlined or routine.volatility) != "i"
    return routine.volatility != "i" and routine.language != ""
