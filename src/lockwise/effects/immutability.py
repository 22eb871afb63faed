"""What makes an expression not immutable, as the server judges an index's expressions and
WHERE, and a generated column's expression (refused with 42P17, checked on 18.6): the calls
named as the server's message and lockwise's say them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING

from lockwise.catalog.model import type_key
from lockwise.effects.nodes import format_type, qualified, strings, walk, walk_in_order

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog, Column
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
    a timestamptz); a function of the migrations the call surely runs that is not
    (`_made_not_immutable`), and an operator of theirs an expression surely runs whose
    function is not (`_made_operator_said`). Empty when it calls none."""
    from lockwise.effects.volatility import never_immutable

    found: list[tuple[int, str]] = []  # (where it is written, as the message names it)
    for kind, body in walk(node):
        if kind == "SQLValueFunction":
            found.append((body.get("location", 0),
                          _SQL_VALUE_FUNCTIONS.get(body.get("op", ""), "CURRENT_DATE")))
        elif kind == "FuncCall":
            names = [n.lower() for n in strings(body.get("funcname"))]
            if names and call_origin(catalog, body) in _JUDGED_AS_BUILT_IN:
                said = f"{names[-1]}()" if never_immutable(names[-1]) else \
                    _overload_said(catalog, names[-1], body, scope)
                if said:
                    found.append((body.get("location", 0), said))
            elif names and _made_not_immutable(catalog, body, scope):
                found.append((body.get("location", 0), f"{names[-1]}()"))
        elif said := _by_types_said(catalog, kind, body, scope) or \
                _made_operator_said(catalog, kind, body, scope):
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


class Origin(Enum):
    """Who made the function a call runs, as `call_origin` judges it from the name."""

    #: pg_catalog's: qualified so, or a stock function's bare name the migrations made none of
    BUILT_IN = "built-in"
    #: surely the migrations' (or another schema's): one not built in
    MADE = "made"
    #: a bare name no stock function has, nor the migrations made (an extension's)
    ELSEWHERE = "elsewhere"
    #: a stock function's bare name the migrations also made, which may run either
    EITHER = "either"


#: The origins (`call_origin`) of a call judged by the stock functions' volatilities; the
#: others by the CREATE of the migrations' function (`_made_not_immutable`).
_JUDGED_AS_BUILT_IN = frozenset({Origin.BUILT_IN, Origin.ELSEWHERE})


def call_origin(catalog: Catalog, call: dict) -> Origin:
    """Whose function FuncCall `call` runs: the one judgement the immutability of an index's
    or a generated column's expression (a built-in function by the stock volatilities, a
    made one by its CREATE) and a VIRTUAL generated column's restriction to built-in
    functions both rest on. Any schema but pg_catalog is `Origin.MADE`, information_schema
    too: initdb makes its helpers after the built-in objects, with OIDs the server counts as
    user-defined (checked on 18.6, fix-pg85); so is a built-in name the migrations' overload
    surely replaces (`routines.replaces_builtin`)."""
    from lockwise.effects.volatility import builtin_functions

    names = [n.lower() for n in strings(call.get("funcname"))]
    if names[:-1] == ["pg_catalog"]:
        return Origin.BUILT_IN
    if names[:-1]:
        return Origin.MADE
    made = catalog.kept_routines and names[-1] in {
        n.rsplit(".", 1)[-1] for n in catalog.kept_routines}
    if names[-1] not in builtin_functions():
        return Origin.MADE if made else Origin.ELSEWHERE
    if not made:
        return Origin.BUILT_IN
    from lockwise.catalog.routines import replaces_builtin

    return Origin.MADE if replaces_builtin(catalog, call) else Origin.EITHER


def user_defined_type(catalog: Catalog, type_name: str) -> str:
    """`type_name` (as `column_type` gives it, `[]` after an array's) qualified when it is
    surely a type not built in: one the migrations made (an enum, a domain, a composite, a
    range type or its multirange) or written with a schema other than pg_catalog; as
    written, one of an extension the migrations created whose types lockwise knows
    (`types.extension_type`: citext, hstore; initdb's are the built-in ones, checked on
    18.6, fix-pg88); "" for another (a built-in one, or an unknown one: an extension's
    the migrations did not create is not told apart)."""
    from lockwise.effects.types import extension_type

    name = type_name.removesuffix("[]")
    schema = name.rsplit(".", 1)[0] if "." in name else ""
    if schema == "pg_catalog":
        return ""
    if schema or type_key(name) in catalog.types:
        return type_key(name)
    return name if catalog.extensions and extension_type(name, catalog.extensions) else ""


#: What a VIRTUAL generated column may not use, as `user_defined_uses` finds it: a function
#: (its operator's or cast's too), or a type (each with the server's message, 0A000); or
#: something of an extension whose message lockwise cannot tell (then nothing is said).
FUNCTION, TYPE, UNSURE = "function", "type", "unsure"


def user_defined_uses(catalog: Catalog, node: object, scope: FromScope | None,
                      cautious: bool = False) -> list[tuple[str, str]]:
    """What expression `node` surely uses that is not built in, as (`FUNCTION` or `TYPE`,
    as the message names it), each once, in the order the server meets them (an operator
    before its operands, the left one first): a function not `Origin.BUILT_IN`
    (`call_origin`; `f()`, `app.f()`), an operator written with a schema other than
    pg_catalog or of a name no built-in one has (`operator public.===(integer,integer)`,
    the operands' types when evident) or one the migrations made that the operands' types
    pick over the built-in ones (`operators.operator_run`: `n = s` of an int and a text,
    with a `public.=(int, text)`; fix-pg88), a cast of a value of evident type to a composite
    type (`cast (integer AS public.pair)`: only CREATE CAST makes one; not a ROW), a cast
    to a type not built in (`user_defined_type`: a domain, an enum ...) and a column of
    the FROM list `scope` of such a type (`type public.mood`). A VIRTUAL generated column
    may use none (checked on 18.6, fix-pg84, fix-pg85); a collation it may. `cautious`:
    a call that may run the migrations' function (`Origin.EITHER`) counts too. Of an
    extension the migrations created (fix-pg88), a cast to its type as the data file
    knows it (`_extension_cast_use`), and `UNSURE` where the server meets something of it
    lockwise cannot name: a built-in name of a function or operator one of whose operands
    is of its type (`c = 'x'` of a citext runs citext's `=`, `length(c)` the built-in one:
    "... user-defined function", "... type"), a cast to its type the data file lacks."""
    from lockwise.catalog.operators import operator_run
    from lockwise.catalog.overloads import value_type
    from lockwise.effects.types import builtin_operator

    refused = {Origin.MADE, Origin.ELSEWHERE, Origin.EITHER} if cautious else \
        {Origin.MADE, Origin.ELSEWHERE}
    found: list[tuple[str, str]] = []
    for kind, body in walk_in_order(node):
        if kind == "FuncCall" and (cast := _extension_cast(catalog, body, scope)) != "":
            found.append(cast or (UNSURE, ""))
        elif kind == "FuncCall" and (origin := call_origin(catalog, body)) in refused:
            names = strings(body.get("funcname"))
            found.append((FUNCTION, f"function {'.'.join(names)}()"))
        elif kind == "FuncCall" and origin is Origin.BUILT_IN and _extension_operand(
                catalog, body.get("args") or (), scope):
            found.append((UNSURE, ""))
        elif kind == "A_Expr" and body.get("kind") in _OPERATOR_KINDS:
            names = strings(body.get("name"))
            if names[:-1] == ["pg_catalog"] or not names[:-1] and builtin_operator(
                    names[-1]) and operator_run(catalog, body, scope) is None:
                if _extension_operand(catalog, (body.get("lexpr"), body.get("rexpr")), scope):
                    found.append((UNSURE, ""))
                continue
            said = [format_type(t.removesuffix("[]"), (), t.endswith("[]")) if t else ""
                    for t in (value_type(catalog, body.get(side), scope) if body.get(side)
                              else "NONE" for side in ("lexpr", "rexpr"))]
            name = ".".join(names) if names[:-1] else qualified(None, names[-1])
            found.append((FUNCTION, f"operator {name}({','.join(said)})" if all(said)
                          else f"operator {name}"))
        elif kind == "TypeCast":
            target = user_defined_type(catalog, catalog.column_type(body.get("typeName"))[0])
            source = value_type(catalog, body.get("arg"), scope) or "unknown"
            if target and "." not in target:  # (an extension's: its casts as the data has)
                found.append(_extension_cast_use(source, target) or (UNSURE, ""))
            elif target and target in catalog.composites and source not in (
                    "unknown", "record") and not user_defined_type(catalog, source):
                found.append((FUNCTION, f"cast ({format_type(source, ())} AS {target})"))
            elif target:
                found.append((TYPE, f"type {target}"))
        elif kind == "ColumnRef" and scope is not None:
            made = user_defined_type(catalog, value_type(catalog, {kind: body}, scope) or "")
            if made:
                found.append((TYPE, f"type {made}"))
    return sorted(set(found), key=found.index)


def _extension_cast(catalog: Catalog, call: dict, scope: FromScope | None
                    ) -> tuple[str, str] | None | str:
    """Of FuncCall `call` written as a cast to an extension's type (`citext(s)`: a bare
    name of one of `types.extension_type`'s types, one argument), what a VIRTUAL column
    using it uses (`_extension_cast_use`), None when that is not sure (nothing is said,
    whether the migrations created the extension or not); "" for another call."""
    from lockwise.catalog.overloads import value_type
    from lockwise.effects.types import extension_type

    names = strings(call.get("funcname"))
    args = call.get("args") or ()
    if len(names) != 1 or len(args) != 1 or not extension_type(names[0], _ANY_EXTENSION) \
            or call_origin(catalog, call) is not Origin.ELSEWHERE:  # (or a function made)
        return ""
    source = value_type(catalog, args[0], scope)
    return _extension_cast_use(source, names[0]) if source else None


class _AnyExtension:
    """Every extension (`types.extension_type` asked whether a name is an extension's
    type at all)."""

    def __contains__(self, _: object) -> bool:
        return True


_ANY_EXTENSION = _AnyExtension()


def _extension_cast_use(source: str, target: str) -> tuple[str, str] | None:
    """What a cast of a value of type `source` to extension type `target` uses, as the
    server's message names it (checked on 18.6 with citext, fix-pg88): its function when it
    runs one (`true::citext`, `citext(b)` of a boolean: "cast (boolean AS citext)"), else
    the type (`'x'::citext`, `citext(s)` of a text); None when lockwise does not know the
    cast (`types.extension_cast_runs_function`)."""
    from lockwise.effects.types import extension_cast_runs_function

    runs = extension_cast_runs_function(source, target)
    if runs is None:
        return None
    return (FUNCTION, f"cast ({format_type(source, ())} AS {target})") if runs else \
        (TYPE, f"type {target}")


def _extension_operand(catalog: Catalog, operands: Iterable[object],
                       scope: FromScope | None) -> bool:
    """Whether one of `operands` (of a built-in name's call or operator) is of the type of
    an extension the migrations created (`user_defined_type`, not qualified): the
    extension's own overload may be the one run."""
    from lockwise.catalog.overloads import value_type

    return any(operand is not None and "." not in (made := user_defined_type(
        catalog, value_type(catalog, operand, scope) or "")) and made != ""
        for operand in operands)


#: The A_Expr kinds that run an operator named in the expression (`a === b`, `a === ANY
#: (...)`, `a OPERATOR(app.===) b`).
_OPERATOR_KINDS = frozenset({"AEXPR_OP", "AEXPR_OP_ANY", "AEXPR_OP_ALL"})


#: The server's message for a generated column's expression that is not immutable (42P17,
#: STORED and VIRTUAL alike, checked on 18.6).
GENERATION_NOT_IMMUTABLE = "generation expression is not immutable"
#: The server's messages for a VIRTUAL generated column's expression, immutable, that uses
#: a function, or a type, not built in (0A000, checked on 18.6, fix-pg84, fix-pg85).
GENERATION_USER_DEFINED = {FUNCTION: "generation expression uses user-defined function",
                           TYPE: "generation expression uses user-defined type"}


def virtual_type_refusal(catalog: Catalog, column: str, type_name: str) -> str:
    """The server's message refusing a VIRTUAL generated column `column` of type `type_name`
    (as `column_type` gives it) not built in, before its expression is judged (0A000,
    checked on 18.6, fix-pg85): a domain's (over a built-in type too, or an array of one),
    another user-defined type's (an enum, a composite, a range, an array of one); "" for
    another type."""
    made = user_defined_type(catalog, type_name)
    if not made:
        return ""
    kind = "a domain" if made in catalog.domains else "a user-defined"
    return f'virtual generated column "{column}" cannot have {kind} type'


def table_scope(catalog: Catalog, table: str) -> FromScope | None:
    """The FROM list an expression over the columns of `table` sees (an index's, a generated
    column's): the table as the catalog knows it, None when the replay is not sure of its
    columns (then no column's type is evident)."""
    known = catalog.tables.get(table) if table and catalog.sure_of(table) else None
    return {table.rsplit(".", 1)[-1]: known} if known is not None else None


def generation_refusal(catalog: Catalog, expression: object, column: str,
                       scope: FromScope | None, virtual: bool = False,
                       column_type: str = "") -> dict:
    """`refused_not_immutable` of generated column `column` whose GENERATED ALWAYS AS
    `expression` (None: not a generated one) calls what is surely not immutable
    (`not_immutable_calls`, a column of the table typed through `scope`), with the server's
    message and `generated_column` its name; empty when it calls none. A CHECK, a DEFAULT
    and a partition bound may call what they like (checked on 18.6): only a generation
    expression is judged. Of a `virtual` column: the server's other refusal,
    `refused_virtual_user_defined`, when its type `column_type` (judged first) is not built
    in (`virtual_type_refusal`), or its expression, immutable, uses what is not
    (`user_defined_uses`, an IMMUTABLE function of the migrations too; the message is the
    first one's), fix-pg84, fix-pg85."""
    if expression is None:
        return {}
    refused = virtual_type_refusal(catalog, column, column_type) if virtual else ""
    if refused:
        return _virtual_refusal(refused, [f"type {user_defined_type(catalog, column_type)}"],
                                column, expression)
    calls = not_immutable_calls(catalog, expression, scope)
    if calls:
        return {**not_immutable_facts(GENERATION_NOT_IMMUTABLE, calls),
                "generated_column": column}
    uses = user_defined_uses(catalog, expression, scope) if virtual else []
    if not uses or uses[0][0] == UNSURE:  # (the server's message not known: none said)
        return {}
    return _virtual_refusal(GENERATION_USER_DEFINED[uses[0][0]],
                            [s for k, s in uses if k != UNSURE], column, expression)


def virtual_retype_refusal(catalog: Catalog, column: Column | None, type_name: str,
                           using: bool) -> dict:
    """`refused_virtual_user_defined` of ALTER COLUMN ... TYPE `type_name` (as
    `column_type` gives it, `[]` after an array's) of `column`, a VIRTUAL generated
    column, to a type not built in (`virtual_type_refusal`: checked on 18.6, fix-pg88,
    "virtual generated column "v" cannot have a domain type" for a domain or an array of
    one, "... a user-defined type" for an enum or a composite; judged before the views
    reading it). Empty for another column, another type, and with `using`: the server
    refuses USING for a generated column first (42611)."""
    if column is None or not column.virtual or using:
        return {}
    refused = virtual_type_refusal(catalog, column.name, type_name)
    return _virtual_refusal(refused, [f"type {user_defined_type(catalog, type_name)}"],
                            column.name, column.expression) if refused else {}


def virtual_allowed(catalog: Catalog, expression: object, type_name: str) -> bool:
    """Whether PostgreSQL 18 surely takes a generated column of type `type_name` computed by
    `expression` as VIRTUAL (so the safe alternative may write it so): the refusals
    `generation_refusal` says of one, judged with caution (a call that may run the
    migrations' function counts; the type of a column read is not known here)."""
    return not virtual_type_refusal(catalog, "", type_name) and \
        not user_defined_uses(catalog, expression, None, cautious=True)


def _virtual_refusal(message: str, uses: list[str], column: str, expression: object) -> dict:
    """The facts of a VIRTUAL generated column `column` (computed by `expression`) that the
    server refuses with `message` for what it uses (`uses`, as the message names them)."""
    from lockwise.effects.nodes import PrintedSql

    return {"refused_virtual_user_defined": True,
            "refused_virtual_user_defined_text": message,
            "user_defined_uses_text": _said_together(uses), "generated_column": column,
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


def _made_operator_said(catalog: Catalog, kind: str, body: dict, scope: dict | None) -> str:
    """An operator the migrations made (`operators.operator_run`) that A_Expr `body` surely
    runs, whose function is not immutable as the planner judges it (`_runs_not_immutable`,
    its operands the call's arguments; checked on 18.6: of a STABLE SQL function whose body
    inlines as immutable, taken; of a VOLATILE one, refused in an index's expression and
    WHERE and in a generated column's expression, as a call of the function would be), as
    the message names it: "vo() (operator public.!!!)"; "" for anything else."""
    if kind != "A_Expr" or body.get("kind") not in _OPERATOR_KINDS or not catalog.operators:
        return ""
    from lockwise.catalog.operators import operator_routine, operator_run

    operator = operator_run(catalog, body, scope)
    routine = operator_routine(catalog, operator) if operator is not None else None
    if routine is None or routine.procedure or not _runs_not_immutable(
            catalog, routine, {"args": [body[side] for side in ("lexpr", "rexpr")
                                        if body.get(side) is not None]}):
        return ""
    return f"{routine.name.rsplit('.', 1)[-1]}() (operator {operator.name})"  # type: ignore


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
