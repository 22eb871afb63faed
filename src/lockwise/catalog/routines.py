"""The functions and procedures the migrations created, kept for their calls.

PostgreSQL only checks a PL/pgSQL body's syntax when CREATE FUNCTION / PROCEDURE runs; its
statements run at each call (`SELECT f()`, `CALL p()`, `PERFORM f()` in PL/pgSQL), where the
effect model judges them (effects/postgres/routines.py) and the replay follows them. Each is
kept as its whole CREATE statement (`Catalog.kept_routines`): PL/pgSQL parses a body with
its parameters declared, which a DO block around the body alone would not have.

Overloads are kept apart, by the types of the arguments a call passes: a call runs the one
its argument count and evident types (constants, casts) choose as the server resolves them
(`call_resolution`), and none when that is not certain. Routines in
other languages are kept too, their bodies not followed: a call that may mean one of them
runs no kept body either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockwise.catalog.model import Catalog, Table, relation_nodes, type_key
from lockwise.catalog.search_path import clause_path, lookup_schemas, path_in_force
from lockwise.core.deferred import bound_on_use
from lockwise.effects.nodes import (
    NodeMemo,
    atomic_statements,
    bodies_of_kind,
    calls_in_order,
    const_value,
    cte_names,
    function_calls,
    object_name,
    qualified,
    range_var,
    set_config_nodes,
    strings,
    unwrap,
    walk,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from lockwise.catalog.overloads import Routine
    from lockwise.catalog.query_columns import FromScope
    from lockwise.parse.plpgsql import Embedded

# Imported at their first use (the first write to a table with triggers, the first routine
# body followed; `key_actions` makes a NamedTuple): functions run at each statement use them.
_key_actions = bound_on_use(globals(), "_key_actions", "lockwise.catalog.key_actions")
_partition_triggers = bound_on_use(globals(), "_partition_triggers",
                                   "lockwise.catalog.partition_triggers")
_trigger_when = bound_on_use(globals(), "_trigger_when", "lockwise.catalog.trigger_when")
_plpgsql = bound_on_use(globals(), "_plpgsql", "lockwise.parse.plpgsql")
_overloads = bound_on_use(globals(), "_overloads", "lockwise.catalog.overloads")

#: The statements that can call a routine: CALL, and the queries and DML whose expressions
#: may call a function (or whose writes fire a trigger: COPY FROM).
CALLING_KINDS = frozenset({"CallStmt", "SelectStmt", "InsertStmt", "UpdateStmt",
                           "DeleteStmt", "MergeStmt", "CopyStmt"})
#: How deep calls are followed: a routine that calls itself, or two that call each other,
#: are expanded no deeper (PostgreSQL's own limit is the stack's).
MAX_DEPTH = 3
#: The function calls (FuncCall nodes) of each query or DML, by statement: the effect model runs
#: the routines it calls, then the replay follows them, and each walked the whole query (a
#: few percent of lint's time on lemmy+documenso, which create PL/pgSQL functions).
_calls: NodeMemo[list[dict]] = NodeMemo()
#: The overload each call chose lately (`_chosen`), by its FuncCall node, with the
#: overloads of its name it chose among (replaced whole when one changes: `keep_routine`).
#: Only choices `overloads.lasting_choice` says read nothing of the catalog are kept.
_choices: NodeMemo[tuple[tuple[Routine, ...], Routine | None]] = NodeMemo()
#: The writes that fire a table's triggers, by statement (MERGE: by its actions).
_WRITES = {"InsertStmt": "insert", "UpdateStmt": "update", "DeleteStmt": "delete",
           "CopyStmt": "insert"}
#: MERGE's actions (MergeWhenClause.commandType) as the writes that fire triggers.
_MERGE_WRITES = {"CMD_INSERT": "insert", "CMD_UPDATE": "update", "CMD_DELETE": "delete"}
#: ALTER TABLE's trigger switches: what each makes a trigger's `fires` (the ALL and USER
#: forms switch every trigger the catalog knows, all of them user triggers).
TRIGGER_SWITCHES = {"AT_EnableTrig": "O", "AT_EnableAlwaysTrig": "A",
                    "AT_EnableReplicaTrig": "R", "AT_DisableTrig": "D",
                    "AT_EnableTrigAll": "O", "AT_EnableTrigUser": "O",
                    "AT_DisableTrigAll": "D", "AT_DisableTrigUser": "D"}
#: The SET / RESET names that may change session_replication_role (None: RESET ALL).
REPLICATION_ROLE = frozenset({"session_replication_role", None})


def keep_routine(catalog: Catalog, stmt: dict, sql: str | None) -> None:
    """CREATE [OR REPLACE] FUNCTION / PROCEDURE `stmt`, written as `sql` (None when the caller
    has no text: its body is then not followed)."""
    routine = created_routine(catalog, stmt, sql)
    if routine.name not in catalog.kept_routines:  # (OR REPLACE keeps its place)
        catalog.made_now(f"routine:{routine.name}")
        catalog.routines_moved_at.pop(routine.name, None)
    kept = dict(catalog.kept_routines)  # (replaced whole: a fork shares it)
    kept[routine.name] = (*overloads_beside(catalog, routine), routine)
    catalog.kept_routines = kept
    catalog.filed(routine.name)


def created_routine(catalog: Catalog, stmt: dict, sql: str | None) -> Routine:
    """The routine CREATE [OR REPLACE] FUNCTION / PROCEDURE `stmt`, written as `sql`, makes."""
    procedure = bool(stmt.get("is_procedure"))
    language = routine_language(stmt)
    returns, returns_set = _declared_result(catalog, stmt)
    return _overloads.Routine(
        object_name(strings(stmt.get("funcname")), create=True),
        (sql or "") if language in _overloads.FOLLOWED_LANGUAGES else "", procedure, language,
        *_overloads.signature(catalog, stmt.get("parameters"), procedure),
        returns_set=returns_set, relations=built_on(catalog, stmt), returns=returns,
        **body_dependencies(catalog, stmt),
        volatility=declared_volatility(stmt), path=clause_path(stmt.get("options"))[1],
        strict=bool(_strict_set(stmt.get("options"))),
        cost=_cost_set(stmt.get("options")) or (1 if language in ("c", "internal") else 100),
        bound_path=path_in_force() if stmt.get("sql_body") else None,
        operators=_body_operators(catalog, stmt.get("sql_body")),
        inputs=_overloads.procedure_inputs(catalog, stmt.get("parameters"), procedure),
        shape=replace_shape(catalog, stmt))


def _declared_result(catalog: Catalog, stmt: dict) -> tuple[str, bool]:
    """`Routine.returns` and `returns_set` of CREATE FUNCTION / PROCEDURE `stmt`: the one
    type it says it returns ("" for a procedure, SETOF or TABLE, or OUT parameters, whose
    result is `record`, named by no type a call's is compared as), and whether it returns
    a set."""
    returned = stmt.get("returnType") or {}
    if stmt.get("is_procedure") or not returned or returned.get("setof") or \
            any(unwrap(p)[1].get("mode") in ("FUNC_PARAM_OUT", "FUNC_PARAM_INOUT",
                                             "FUNC_PARAM_TABLE")
                for p in stmt.get("parameters") or ()):
        return "", bool(returned.get("setof"))
    return _overloads.arg_type(catalog, returned), False


def _body_operators(catalog: Catalog, body: object) -> tuple:
    """The operators of the migrations SQL-standard body `body` surely runs."""
    if not body or not catalog.operators:
        return ()
    from lockwise.catalog.operators import operators_in

    return tuple(operators_in(catalog, body, None))


def built_on(catalog: Catalog, stmt: dict) -> tuple[str, ...]:
    """The relations the catalog knows that CREATE FUNCTION / PROCEDURE `stmt` depends on:
    those its SQL-standard body (RETURN ..., BEGIN ATOMIC ... END: PostgreSQL 14 and later)
    reads or writes, and those whose row type an argument (of any mode) or its result is,
    or an array of it. DROP TABLE / VIEW ... CASCADE drops it with them ("drop cascades to
    function f()", checked on 18.6); a body written as a string depends on nothing (the
    server does not look into it): that routine stays. And the types and domains the
    migrations made that an argument or its result is of (or an array of one), which DROP
    TYPE / DOMAIN ... CASCADE drops it with (`replay.routines_of_type`; checked on 18.6)."""
    body = stmt.get("sql_body")
    ctes = cte_names(body) if body else frozenset()
    read = [range_var(rv)[0] for rv in relation_nodes(body) if rv.get("schemaname") is not None
            or rv.get("relname") not in ctes] if body else []
    types = [(unwrap(p)[1].get("argType")) for p in stmt.get("parameters") or ()]
    typed = [type_key(catalog.column_type(tn)[0]) for tn in (*types, stmt.get("returnType"))
             if tn]
    return tuple(dict.fromkeys(r for r in (*read, *typed)
                               if r in catalog.tables or r in catalog.types))


def body_dependencies(catalog: Catalog, stmt: dict) -> dict[str, tuple]:
    """What else CREATE FUNCTION / PROCEDURE `stmt` depends on (`Routine.calls`, `columns`):
    the functions its SQL-standard body and its arguments' defaults call, and the columns
    the catalog knows that its SQL-standard body reads or writes (`*` as the table's
    columns when it is created; an INSERT's column list, an UPDATE's SET). The server drops
    it with any of them ("drop cascades to function f()"; a column another FROM item's
    qualifier names, or `count(*)`, is no dependency: checked on 18.6); a body written as a
    string depends on none of them."""
    from lockwise.catalog.scopes import ColumnReads

    body = stmt.get("sql_body")
    defaults = [unwrap(p)[1].get("defexpr") for p in stmt.get("parameters") or ()]
    calls = function_calls([body, defaults])
    if not body:
        return {"calls": calls}
    reads = ColumnReads(catalog, False)
    for tree in [body] if unwrap(body)[0] == "ReturnStmt" else atomic_statements(body):
        reads.statement(tree)
    return {"calls": calls, "columns": tuple(reads.reads)}


def signature_taken(catalog: Catalog, stmt: dict) -> Routine | None:
    """The routine the catalog surely keeps (`Catalog.routine_sure`) whose name and input
    argument types (`overloads.input_types`) CREATE FUNCTION / PROCEDURE `stmt` gives, which
    the server refuses without OR REPLACE (42723 "function "f" already exists with same
    argument types": a function or a procedure, whatever its result, argument names or
    OUT parameters; checked on 18.6); None when there is none, or OR REPLACE."""
    return None if stmt.get("replace") else _same_inputs(catalog, stmt)


def replace_refused(catalog: Catalog, stmt: dict) -> tuple[Routine, str] | None:
    """The routine CREATE OR REPLACE FUNCTION / PROCEDURE `stmt` would replace (its name and
    input argument types, surely kept: `_same_inputs`) and what the server says refusing it,
    in the order it looks (checked on 18.6): another kind, a function over a procedure or
    the reverse (42809 "cannot change routine kind"); another result (`replace_shape`:
    another type, SETOF or TABLE, type aliases one type; a procedure gaining or losing
    output parameters) or another row of OUT / INOUT / TABLE parameters (their names or
    types: 42P13 "cannot change return type of existing function"); an input argument's
    name changed or taken away (42P13 "cannot change name of input parameter"; an unnamed
    one may get a name); fewer defaults (42P13 "cannot remove parameter defaults from
    existing function"; more run); a polymorphic parameter's default of another type, both
    known (`_default_types`: 42P13 "cannot change data type of existing parameter default
    value", fix-pg99). None when it runs, as far as the catalog knows, or without OR
    REPLACE."""
    old = _same_inputs(catalog, stmt) if stmt.get("replace") else None
    if old is None:
        return None
    aggregate = "defnames" in stmt
    if (old.language == "aggregate") != aggregate or \
            (not aggregate and bool(stmt.get("is_procedure")) != old.procedure):
        return old, "cannot change routine kind"
    if aggregate:
        return None
    if not old.shape:
        return None
    (result, names, defaults), (old_result, old_names, old_defaults) = \
        replace_shape(catalog, stmt), old.shape
    if result is not None and old_result is not None and result != old_result:
        return old, ("cannot change whether a procedure has output parameters"
                     if old.procedure and result[0] != old_result[0] else
                     "cannot change return type of existing function")
    renamed = next((o for o, n in zip(old_names, names, strict=False) if o and o != n), None)
    if renamed is not None:
        return old, f'cannot change name of input parameter "{renamed}"'
    if len(defaults) < len(old_defaults):
        return old, "cannot remove parameter defaults from existing function"
    # (the old defaults are the last ones: their parameters', as the server pairs them)
    if any(o and n and type_key(o) != type_key(n) for o, n in zip(
            old_defaults, defaults[len(defaults) - len(old_defaults):], strict=True)):
        return old, "cannot change data type of existing parameter default value"
    return None


#: The parameter modes that give a routine's result (INOUT is an input too).
_OUTPUT_MODES = frozenset({"FUNC_PARAM_OUT", "FUNC_PARAM_INOUT", "FUNC_PARAM_TABLE"})


def replace_shape(catalog: Catalog, stmt: dict) -> tuple:
    """`Routine.shape` of CREATE FUNCTION / PROCEDURE `stmt`: (result, input names, the types
    of the inputs' defaults, `_default_types`). The result is the server's pg_proc.prorettype,
    proretset and the row type OUT parameters define, as it compares them: a function's one
    OUT / INOUT / TABLE parameter's type, `record` for several or a procedure's (`void`
    without), else the RETURNS type; the row ((name, type) pairs, an unnamed one `columnN`) only of
    `record` so made, typmods not counted (`varchar(10)` is `varchar(20)`; checked on
    18.6). None for the result when a type is written as `%TYPE` (not followed here)."""
    params = [unwrap(p)[1] for p in stmt.get("parameters") or ()]
    inputs = [p for p in params if p.get("mode") not in ("FUNC_PARAM_OUT", "FUNC_PARAM_TABLE")]
    outputs = [p for p in params if p.get("mode") in _OUTPUT_MODES]
    shape = (tuple(str(p.get("name") or "") for p in inputs), _default_types(catalog, inputs))
    returned = stmt.get("returnType") or {}
    if any(tn.get("pct_type") for tn in (returned, *(p.get("argType") or {} for p in outputs))):
        return (None, *shape)
    row = tuple((str(p.get("name") or f"column{i}"),
                 _overloads.arg_type(catalog, p.get("argType"))) for i, p in enumerate(outputs, 1))
    if stmt.get("is_procedure"):
        result = ("record" if row else "void", False, row)
    elif len(row) == 1:
        result = (row[0][1], bool(returned.get("setof")), ())
    else:
        result = ("record" if row else _overloads.arg_type(catalog, returned),
                  bool(returned.get("setof")), row)
    return (result, *shape)


#: The polymorphic pseudo-types whose arguments must be of an array, enum, range or
#: multirange type: a default of a domain over one is kept as of its base type.
_BASE_POLYMORPHIC = frozenset({"anyarray", "anyenum", "anyrange", "anymultirange",
                               "anycompatiblearray", "anycompatiblerange",
                               "anycompatiblemultirange"})


def _default_types(catalog: Catalog, inputs: list[dict]) -> tuple[str | None, ...]:
    """The types of the defaults of FunctionParameters `inputs`, one for each input that has
    one, in order. A default is coerced to its parameter's type, but a polymorphic
    parameter's keeps its own (`1` an int4, `1.5` a numeric, `'x'` and NULL unknown; a
    domain over an array, enum or range relabeled as its base type), which CREATE OR
    REPLACE may not change (checked on 18.6, fix-pg99). "" for a parameter of another type;
    None where the type is not known (`overloads.value_type`: an expression)."""
    found: list[str | None] = []
    for param in inputs:
        if not param.get("defexpr"):
            continue
        tn = param.get("argType")
        if not _overloads.is_polymorphic(tn):
            found.append("")
            continue
        typed = _overloads.value_type(catalog, param["defexpr"])
        if typed and strings((tn or {}).get("names"))[-1].lower() in _BASE_POLYMORPHIC:
            # (an unknown one is refused at CREATE: 42804 "argument of DEFAULT must be type
            # anyenum, not type unknown")
            name, _, array = catalog.base_type(typed.removesuffix("[]"), (),
                                               typed.endswith("[]"))
            typed = None if typed == "unknown" else f"{name}[]" if array else name
        found.append(typed or None)
    return tuple(found)


def _same_inputs(catalog: Catalog, stmt: dict) -> Routine | None:
    """The routine or aggregate the catalog surely keeps (`Catalog.routine_sure`,
    `aggregate_sure`) of the name and input argument types (`overloads.input_types`) CREATE
    FUNCTION / PROCEDURE or CREATE AGGREGATE (a DefineStmt) `stmt` gives: the server keeps
    them all in pg_proc, one signature to each (checked on 18.6, fix-pg96)."""
    if "defnames" in stmt:
        name = object_name(strings(stmt.get("defnames")), create=True)
        inputs = aggregate_inputs(catalog, stmt)[0]
    else:
        name = object_name(strings(stmt.get("funcname")), create=True)
        procedure, params = bool(stmt.get("is_procedure")), stmt.get("parameters")
        found = _overloads.procedure_inputs(catalog, params, procedure)
        inputs = _overloads.signature(catalog, params, procedure)[0] if found is None else found
    return signature_holder(catalog, name, inputs)


def signature_holder(catalog: Catalog, name: str, inputs: tuple[str, ...]) -> Routine | None:
    """The routine or aggregate of `name` (qualified) and input argument types `inputs`
    (`overloads.input_types`) the catalog surely keeps (`Catalog.routine_sure`,
    `aggregate_sure`): what refuses a CREATE, or a move (SET SCHEMA), of that signature
    (42723); None when there is none."""
    kept = (catalog.kept_routines.get(name, ()) if catalog.routine_sure(name) else ()) + \
        (catalog.aggregates.get(name, ()) if aggregate_sure(catalog, name) else ())
    return next((r for r in kept if _overloads.input_types(r) == inputs), None)


def aggregate_sure(catalog: Catalog, name: str) -> bool:
    """Whether the aggregates of `name` (qualified) the catalog keeps are surely there: made
    by CREATE AGGREGATE since code last ran that may have changed them unseen (`code_ran`);
    one renamed or moved onto the name is not said to be (`renames._routine_moved`)."""
    return name in catalog.aggregates and \
        catalog.made_order.get(f"aggregate:{name}", 0) > catalog.routines_unsure_at


def overloads_beside(catalog: Catalog, routine: Routine) -> tuple[Routine, ...]:
    """The overloads of `routine`'s name the catalog keeps with other input argument types
    (`overloads.input_types`: a procedure's OUT parameters do not count)."""
    inputs = _overloads.input_types(routine)
    return tuple(r for r in catalog.kept_routines.get(routine.name, ())
                 if _overloads.input_types(r) != inputs)


def routine_language(stmt: dict) -> str:
    """The language of CREATE FUNCTION / PROCEDURE `stmt`, lower case (`sql` for a BEGIN
    ATOMIC body that does not say)."""
    return next((str(unwrap(unwrap(o)[1].get("arg"))[1].get("sval", "")).lower()
                 for o in stmt.get("options") or ()
                 if unwrap(o)[1].get("defname") == "language"),
                "sql" if stmt.get("sql_body") else "")


def declared_volatility(stmt: dict) -> str:
    """The volatility code ('i', 's', 'v') CREATE FUNCTION `stmt` declares (VOLATILE when it
    says none)."""
    return _volatility_set(stmt.get("options")) or "v"


def _volatility_set(options: list | None) -> str | None:
    """The volatility code ('i', 's', 'v') DefElems `options` (of a CREATE or ALTER
    FUNCTION) set last; None when they set none."""
    volatility = None
    for opt in options or ():
        _, body = unwrap(opt)
        if body.get("defname") == "volatility":
            value = unwrap(body.get("arg"))[1].get("sval", "volatile")
            volatility = {"immutable": "i", "stable": "s"}.get(value, "v")
    return volatility


def _strict_set(options: list | None) -> bool | None:
    """Whether DefElems `options` (of a CREATE or ALTER FUNCTION) last say STRICT (or
    RETURNS NULL ON NULL INPUT: True) or CALLED ON NULL INPUT (False); None when neither."""
    strict = None
    for opt in options or ():
        _, body = unwrap(opt)
        if body.get("defname") == "strict":
            strict = bool(unwrap(body.get("arg"))[1].get("boolval"))
    return strict


def _cost_set(options: list | None) -> float | None:
    """The COST DefElems `options` (of a CREATE or ALTER FUNCTION) set last; None when they
    set none."""
    cost = None
    for opt in options or ():
        _, body = unwrap(opt)
        if body.get("defname") == "cost":
            value = unwrap(body.get("arg"))[1]
            try:
                cost = float(value.get("ival", value.get("fval", 100)))
            except (TypeError, ValueError):  # (the server refuses it: nothing changes)
                cost = None
    return cost


def alter_routine(catalog: Catalog, stmt: dict) -> None:
    """ALTER FUNCTION / PROCEDURE / ROUTINE `stmt` (an AlterFunctionStmt): the volatility,
    STRICT (or CALLED ON NULL INPUT), COST and search_path clause it sets are the overload's
    it names from then on, the others keeping theirs (checked on 18.6: after `ALTER
    FUNCTION f(int) VOLATILE`, `DEFAULT f(1)` rewrites the table and an index on `f(c)` is
    refused, while f(text) stays as it was; after `ALTER FUNCTION f() SET search_path =
    other` its body makes its tables in `other`; fix-pg83: `ALTER FUNCTION f(int) STRICT`
    or `COST 1` changes whether a SQL function calling it is inlined). The overload
    is found as the server finds it (`routine_named`): a name alone changes the one
    overload the search_path sees (the server refuses it when there are several: "not
    unique")."""
    actions = stmt.get("actions")
    volatility = _volatility_set(actions)
    sets_path, path = clause_path(actions)
    strict, cost = _strict_set(actions), _cost_set(actions)
    if not (volatility or sets_path or strict is not None or cost is not None):
        return
    name, named = routine_named(catalog, stmt.get("func") or {},
                                stmt.get("objtype", "OBJECT_FUNCTION"))
    if len(named) != 1:
        return
    changed = named[0]._replace(volatility=volatility or named[0].volatility,
                                path=path if sets_path else named[0].path,
                                strict=named[0].strict if strict is None else strict,
                                cost=named[0].cost if cost is None else cost)
    catalog.kept_routines = {**catalog.kept_routines, name: tuple(
        changed if r is named[0] else r for r in catalog.kept_routines[name])}


def routine_named(catalog: Catalog, obj: dict, objtype: str,
                  kept_as: str = "kept_routines") -> tuple[str, tuple[Routine, ...]]:
    """The overloads ObjectWithArgs `obj` names in an ALTER, DROP, COMMENT ON or GRANT ON
    `objtype` (OBJECT_FUNCTION, _PROCEDURE, _ROUTINE, or _AGGREGATE of `kept_as`
    "aggregates"), and the name they are kept under, found as the server finds them
    (LookupFuncWithArgs, checked on 18.6): FUNCTION names no procedure and PROCEDURE no
    function; a qualified name is its schema's; a bare one under a search_path the
    migration set is looked for along the path (never in pg_temp), a schema's overload
    hiding one of the same argument types in a later schema (under the default path,
    public's). With its argument types, the first overload that has them; without, every
    one the path sees: the server refuses several ("function name "f" is not unique",
    42725, IF EXISTS or not) and finds none ("could not find a function named "f"",
    42883)."""
    names = strings(obj.get("objname"))
    if not names:
        return "", ()
    places = _looked_in(names)
    kept: dict[str, tuple[Routine, ...]] = getattr(catalog, kept_as)
    seen: dict[tuple[str, ...], Routine] = {}
    for place in places:
        for r in kept.get(place, ()):
            if (objtype == "OBJECT_ROUTINE" or (objtype == "OBJECT_PROCEDURE") == r.procedure) \
                    and _overloads.identity(catalog, obj, r.procedure) in (None, r.args):
                seen.setdefault(r.args, r)
    found = tuple(seen.values())
    if found and not obj.get("args_unspecified"):
        found = found[:1]
    return (found[0].name if found else places[0]), found


def _looked_in(names: list[str]) -> list[str]:
    """The qualified names under which the server looks for routine `names` (as written), in
    order: a qualified name's schema; a bare name's along a search_path the migration set,
    else public's."""
    if len(names) == 1 and (schemas := lookup_schemas()) is not None:
        return [f"{s}.{names[0]}" for s in schemas]
    return [object_name(names)]


def routine_key(name: str, args: tuple[str, ...], aggregate: bool = False) -> str:
    """How `Catalog.routines_gone` names routine `name` (qualified) of argument types
    `args`: an aggregate's apart (a DROP AGGREGATE only is said to miss one, as the graph's
    missing-object says it)."""
    return f"{'aggregate ' if aggregate else ''}{name}({','.join(args)})"


def routine_gone(catalog: Catalog, obj: dict, objtype: str) -> bool:
    """Whether the routine ObjectWithArgs `obj` names (with its argument types) in a DROP
    `objtype` (OBJECT_FUNCTION, _PROCEDURE, _AGGREGATE) is surely not there: a DROP of these
    migrations took it away (`Catalog.routines_gone`) from the one schema the server looks
    in, and none of its name and types is kept again. A bare name the server may find in
    pg_catalog (a built-in function's) or in several schemas of the path is not said."""
    names = strings(obj.get("objname"))
    if not catalog.routines_gone or not names or obj.get("args_unspecified"):
        return False
    from lockwise.effects.volatility import builtin_functions  # (only when a drop is judged)

    places = _looked_in(names)
    args = _overloads.identity(catalog, obj, objtype == "OBJECT_PROCEDURE")
    if len(places) != 1 or args is None or len(names) == 1 and \
            names[0].lower() in builtin_functions():
        return False
    kept = (*catalog.kept_routines.get(places[0], ()), *catalog.aggregates.get(places[0], ()))
    return routine_key(places[0], args, objtype == "OBJECT_AGGREGATE") in \
        catalog.routines_gone and all(r.args != args for r in kept)


def forget_gone_routines(catalog: Catalog, prefix: str) -> None:
    """A routine may be there again under every name starting with `prefix` (a qualified
    name and "(", or a schema and "."): moved onto it, out of the catalog's sight or not."""
    def there(key: str) -> bool:
        return key.removeprefix("aggregate ").startswith(prefix)

    if any(map(there, catalog.routines_gone)):
        catalog.routines_gone = frozenset(k for k in catalog.routines_gone if not there(k))


def dropped_routine(catalog: Catalog, stmt: dict, names: list[str]) -> str:
    """The routine (qualified) DROP FUNCTION / PROCEDURE / ROUTINE `stmt` drops for its
    object named `names` (as written): the one the server finds along the search_path
    (`routine_named`: `DROP FUNCTION g` under `app, public` drops `public.g` when app has
    none), else the name's under the path (`object_name`)."""
    obj = next((o for o in map(lambda o: unwrap(o)[1], stmt.get("objects") or ())
                if strings(o.get("objname")) == names), None)
    return routine_named(catalog, obj, stmt.get("removeType", ""))[0] if obj \
        else object_name(names)


def is_plpgsql_routine(stmt: dict) -> bool:
    """Whether CREATE FUNCTION / PROCEDURE `stmt` has a PL/pgSQL body."""
    return routine_language(stmt) == "plpgsql" and not stmt.get("sql_body")


def forget_routine(catalog: Catalog, name: str, new_name: str | None = None,
                   gone: tuple[Routine, ...] | None = None,
                   kept_as: str = "kept_routines") -> None:
    """DROP of routine `name` (qualified), or its move to `new_name` (RENAME, SET SCHEMA):
    the overloads `gone` of it (`routine_named`), or every one. `kept_as`: the catalog's
    overloads of that kind (`kept_routines`, or `aggregates`)."""
    kept_now: dict[str, tuple[Routine, ...]] = getattr(catalog, kept_as)
    overloads = kept_now.get(name)
    if not overloads:
        return
    going = [r for r in overloads if gone is None or r in gone]
    if not going:
        return
    kept = dict(kept_now)
    kept[name] = tuple(r for r in overloads if r not in going)
    if new_name:
        moved = [r._replace(name=new_name) for r in going]
        kept[new_name] = (*(r for r in kept.get(new_name, ())
                            if all(r.args != m.args for m in moved)), *moved)
        catalog.filed(new_name)
    setattr(catalog, kept_as, {n: rs for n, rs in kept.items() if rs})


def retype_routines(catalog: Catalog, spellings: dict[str, str]) -> None:
    """A type renamed or moved (`spellings`: each way its old name is written -> its new
    one): the routines and aggregates taking or returning it, or an array of it, and the
    operators and operator classes of it (`operators.follow_type_rename`), name it by its
    new name (the server ties them to it by oid: after ALTER TYPE mood RENAME TO feeling,
    "function f(feeling) depends on type feeling"; checked on 18.6, fix-pg90)."""
    def follow(name: str) -> str:
        bare = name.removesuffix("[]")
        return spellings.get(bare, bare) + name[len(bare):]

    keys = {type_key(old): type_key(new) for old, new in spellings.items()}

    def retyped(r: Routine) -> Routine:
        return r._replace(args=tuple(map(follow, r.args)), returns=follow(r.returns),
                          inputs=None if r.inputs is None else tuple(map(follow, r.inputs)),
                          relations=tuple(keys.get(n, n) for n in r.relations),
                          shape=retyped_shape(r.shape))

    def retyped_shape(shape: tuple) -> tuple:
        if not shape:
            return shape
        result, names, defaults = shape
        if result is not None:
            returns, returns_set, row = result
            result = (follow(returns), returns_set, tuple((n, follow(t)) for n, t in row))
        return (result, names, tuple(follow(t) if t else t for t in defaults))

    for kept_as in ("kept_routines", "aggregates"):
        kept: dict[str, tuple[Routine, ...]] = getattr(catalog, kept_as)
        if any(retyped(r) != r for rs in kept.values() for r in rs):
            # (replaced whole: a fork shares it)
            setattr(catalog, kept_as, {n: tuple(map(retyped, rs)) for n, rs in kept.items()})
    if catalog.operators or catalog.operator_classes or catalog.operator_members_gone or \
            catalog.operator_members_added:
        # (a class of built-in operators may have a support function of the type)
        from lockwise.catalog.operators import follow_type_rename

        follow_type_rename(catalog, follow)


def forget_overloads(catalog: Catalog, gone: Iterable[Routine]) -> None:
    """The kept routines `gone` dropped (each an overload of its name)."""
    kept = dict(catalog.kept_routines)  # (replaced whole: a fork shares it)
    for routine in gone:
        kept[routine.name] = tuple(r for r in kept.get(routine.name, ()) if r != routine)
    catalog.kept_routines = {n: rs for n, rs in kept.items() if rs}


def forget_dropped(catalog: Catalog, stmt: dict, kept_as: str = "kept_routines") -> None:
    """DROP FUNCTION / PROCEDURE / ROUTINE (or AGGREGATE, `kept_as` "aggregates") `stmt`:
    each overload it names (`routine_named`: none of a bare name the server finds not
    unique)."""
    for obj in stmt.get("objects") or ():
        name, gone = routine_named(catalog, unwrap(obj)[1], stmt.get("removeType", ""),
                                   kept_as)
        if len(gone) == 1:
            if catalog.routine_sure(name) if kept_as == "kept_routines" else \
                    aggregate_sure(catalog, name):
                catalog.routines_gone |= {routine_key(name, gone[0].args,
                                                      kept_as == "aggregates")}
            forget_routine(catalog, name, gone=gone, kept_as=kept_as)


def aggregate_keeps(stmt: dict) -> str:
    """What CREATE AGGREGATE `stmt` (a DefineStmt) keeps of its rows' values: "max" or
    "min" when its state function is a built-in one that keeps the larger or the smaller of
    two values (`int8larger`, `text_smaller`) and it has no final function, as max() and
    min() are made: its value is one of its rows' (or its INITCOND, which stays whatever
    rows are gone), so a DELETE keeping the rows it names deletes the same rows in batches
    (checked on 18.6, fix-pg71); "" for another."""
    from lockwise.effects.volatility import builtin_functions

    found = {unwrap(o)[1].get("defname", "").lower(): unwrap(o)[1].get("arg")
             for o in stmt.get("definition") or ()}
    names = strings(unwrap(found.get("sfunc"))[1].get("names")) if found.get("sfunc") else []
    name = names[-1] if names and names[:-1] in ([], ["pg_catalog"]) else ""
    if "finalfunc" in found or name not in builtin_functions():
        return ""
    return "max" if name.endswith("larger") else "min" if name.endswith("smaller") else ""


def aggregate_inputs(catalog: Catalog, stmt: dict) -> tuple[tuple[str, ...], bool]:
    """The argument types CREATE AGGREGATE `stmt` (a DefineStmt) keeps its aggregate by (the
    old form's BASETYPE, none for `*` or ANY; an ordered-set one's direct and aggregated
    ones), and whether the last is VARIADIC."""
    args = stmt.get("args")
    if args:
        params = unwrap(args[0])[1].get("items") or () if args[0] else ()
        types, _, variadic, _ = _overloads.signature(catalog, list(params), False)
        return types, variadic
    base = next((unwrap(o)[1].get("arg") for o in stmt.get("definition") or ()
                 if unwrap(o)[1].get("defname", "").lower() == "basetype"), None)
    given = _overloads.arg_type(catalog, unwrap(base)[1]) if base else "any"
    return (() if given == "any" else (given,)), False


#: The options of CREATE AGGREGATE naming a function it runs: DROP FUNCTION of one without
#: CASCADE is refused while the aggregate is there (2BP01; checked on 18.6, fix-pg96).
_SUPPORT_FUNCTIONS = frozenset({"sfunc", "finalfunc", "combinefunc", "serialfunc",
                                "deserialfunc", "msfunc", "minvfunc", "mfinalfunc"})


def _support_functions(stmt: dict) -> tuple[str, ...]:
    """The functions (qualified) CREATE AGGREGATE `stmt` runs (`_SUPPORT_FUNCTIONS`), as the
    server found them: a bare name only under a search_path of one schema (the default's
    public), where it can be in no other; none when one is not found so."""
    found = []
    for option in stmt.get("definition") or ():
        elem = unwrap(option)[1]
        if elem.get("defname", "").lower() not in _SUPPORT_FUNCTIONS:
            continue
        names = strings(unwrap(elem.get("arg"))[1].get("names")) if elem.get("arg") else []
        if not names or (len(names) == 1 and len(lookup_schemas() or ("public",)) != 1):
            return ()
        found.append(object_name(names))
    return tuple(found)


def aggregates_running(catalog: Catalog, function: str, named: dict) -> tuple[Routine, ...]:
    """The aggregates surely kept (`aggregate_sure`) that run function `function`
    (qualified) as a support function (`_support_functions`), when DROP's ObjectWithArgs
    `named` names its one overload, surely kept too, made before them (a function renamed
    away leaves its aggregates with it, which their names no longer show): DROP FUNCTION of
    it without CASCADE is refused ("function total(integer) depends on function
    acc(integer,integer)", 2BP01; checked on 18.6, fix-pg96)."""
    overloads = catalog.kept_routines.get(function, ())
    if len(overloads) != 1 or not catalog.routine_sure(function) or \
            _overloads.identity(catalog, named, overloads[0].procedure) not in \
            (None, overloads[0].args) or not catalog.aggregates:
        return ()
    made = catalog.made_order.get(f"routine:{function}", 0)
    return tuple(a for name, found in catalog.aggregates.items() if aggregate_sure(catalog, name)
                 and catalog.made_order.get(f"aggregate:{name}", 0) > made
                 for a in found if function in a.calls)


def sure_aggregate_named(catalog: Catalog, named: dict) -> Routine | None:
    """The aggregate DROP AGGREGATE's ObjectWithArgs `named` names when the catalog surely
    keeps it (`aggregate_sure`) and it is the one routine of its name (a call by that name
    then means it); None else."""
    name, found = routine_named(catalog, named, "OBJECT_AGGREGATE", "aggregates")
    if len(found) != 1 or len(catalog.aggregates.get(name, ())) != 1 or \
            not aggregate_sure(catalog, name) or name in catalog.kept_routines:
        return None
    return found[0]


def keep_aggregate(catalog: Catalog, stmt: dict, name: str) -> None:
    """CREATE AGGREGATE `stmt` (a DefineStmt) of aggregate `name` (`nodes.aggregate_made`):
    kept as an overload of its name, by its argument types (`aggregate_inputs`), beside the
    others."""
    types, variadic = aggregate_inputs(catalog, stmt)
    routine = _overloads.Routine(name, "", False, "aggregate", types, len(types), variadic,
                                 calls=_support_functions(stmt), keeps=aggregate_keeps(stmt))
    if name not in catalog.aggregates:  # (OR REPLACE, an overload: no newer than the name)
        catalog.made_now(f"aggregate:{name}")
    catalog.aggregates = {**catalog.aggregates, name: (
        *(r for r in catalog.aggregates.get(name, ()) if r.args != types), routine)}


def named_overloads(catalog: Catalog, names: list[str]) -> tuple[Routine, ...] | None:
    """The overloads the catalog keeps that a call of function `names` (as written) chooses
    among: a qualified name's; a bare one's under a search_path the migration set, those of
    each schema of the path in turn, one of argument types an earlier schema has hidden
    (the server searches functions by the path, never by a relation's schema: checked on
    18.6), the tuple itself when one schema has them; else `public`'s. A bare name's
    overload of the argument types of a built-in one is hidden too where pg_catalog is
    searched before its schema (`_not_hidden_by_system`)."""
    if len(names) == 1:
        schemas = lookup_schemas()
        if schemas is not None:
            found = [rs for s in schemas if (rs := catalog.kept_routines.get(f"{s}.{names[0]}"))]
            if len(found) < 2:
                return _not_hidden_by_system(names[0], found[0]) if found else None
            seen: dict[tuple[str, ...], Routine] = {}
            for overloads in found:
                for r in overloads:
                    seen.setdefault(r.args, r)
            return _not_hidden_by_system(names[0], tuple(seen.values()))
        overloads = catalog.kept_routines.get(object_name(names))
        return _not_hidden_by_system(names[0], overloads) if overloads else overloads
    return catalog.kept_routines.get(object_name(names))


def _not_hidden_by_system(name: str, overloads: tuple[Routine, ...]
                          ) -> tuple[Routine, ...] | None:
    """`overloads` of bare function `name` but those a built-in function of the same name
    and argument types hides: pg_catalog is searched first unless the search_path names it
    after their schema (`search_path.system_searched_before`; checked on 18.6, fix-pg72: a
    migration's `public.random()` never runs under the default path, `now()` stays stable);
    the tuple itself when none is hidden, None when all are."""
    from lockwise.effects.volatility import builtin_functions

    if name not in builtin_functions():
        return overloads
    from lockwise.catalog.search_path import system_searched_before
    from lockwise.effects.volatility import builtin_signatures

    builtin = builtin_signatures(name)
    kept = tuple(r for r in overloads if r.args not in builtin or
                 not system_searched_before(r.name.rpartition(".")[0]))
    return overloads if len(kept) == len(overloads) else kept or None


#: The catalog's `kept_routines` last asked of `made_names`, and the names found (holding
#: it keeps it alive, so `is` cannot match another at its address).
_made_names: tuple[object, frozenset[str]] = (None, frozenset())


def made_names(catalog: Catalog) -> frozenset[str]:
    """The bare names (lower case) of the routines `catalog` keeps: a call of another name
    runs none of them. Found again only when `kept_routines` is replaced (never changed in
    place): asked of every function call of every expression."""
    global _made_names
    kept = catalog.kept_routines
    if _made_names[0] is not kept:
        _made_names = (kept, frozenset(n.rsplit(".", 1)[-1].lower() for n in kept))
    return _made_names[1]


def call_candidates(catalog: Catalog, call: dict, scope: FromScope | None = None
                    ) -> tuple[Routine, ...]:
    """The migrations' overloads FuncCall `call` may run, its name found as the server finds
    it (`named_overloads`): the one it chooses (`overloads.chosen`; a column argument typed
    through the FROM list `scope`, when given), else those its argument count allows (else
    every one of the name); none when the migrations made no function the name finds."""
    overloads = named_overloads(catalog, strings(call.get("funcname")))
    if not overloads:
        return ()
    routine = _chosen_among(catalog, overloads, call, scope) \
        if scope is not None and _overloads.has_column_argument(call) else \
        _choice(catalog, overloads, call)
    if routine is not None:  # (none of theirs when a built-in overload runs)
        return () if routine.language == BUILTIN else (routine,)
    count = len(call.get("args") or ())
    return tuple(r for r in overloads
                 if r.required <= count and (count <= len(r.args) or r.variadic)) or overloads


def replaces_builtin(catalog: Catalog, call: dict) -> bool:
    """Whether FuncCall `call`, a bare name of a built-in function, runs the migrations'
    overload its arguments choose (`overloads.chosen`) for sure in place of the built-in
    one: that overload has the argument types of a built-in one, and the search_path finds
    it before pg_catalog (else `named_overloads` hides it); a name written with the
    schema of one of theirs, that one. Checked on 18.6 (fix-pg72): under
    `SET search_path = public, pg_catalog`, a VOLATILE `public.now()` makes `id = now()`
    no index condition."""
    names = strings(call.get("funcname"))
    if names[:-1] == ["pg_catalog"]:
        return False
    from lockwise.effects.volatility import builtin_signatures

    overloads = named_overloads(catalog, names)
    routine = _chosen(catalog, overloads, call) if overloads else None
    return routine is not None and (len(names) > 1 or
                                    routine.args in builtin_signatures(names[0]))


def call_volatility(catalog: Catalog, call: dict) -> str | None:
    """The volatility code ('i', 's', 'v') of the migrations' function FuncCall `call` runs:
    its overload's, else the worst of those it may run (`call_candidates`; each overload has
    its own: of `f(int)` IMMUTABLE and `f(text)` VOLATILE, `f(1)` is a constant default and
    `f('a')` a volatile one, checked on 18.6); None when the migrations made no function the
    name finds."""
    candidates = call_candidates(catalog, call)
    return max((r.volatility for r in candidates), key="isv".index) if candidates else None


def function_schema(catalog: Catalog | None, name: str) -> str:
    """The schema of the function a bare call of `name` (not a built-in) means: that of the
    first overload of `catalog`'s the search_path finds (`named_overloads`), else where
    CREATE would put one (the first schema of the path lockwise takes to exist; `public` by
    default)."""
    overloads = named_overloads(catalog, [name]) if catalog is not None else None
    if overloads:
        return overloads[0].name.rpartition(".")[0]
    return qualified(None, name, create=True).rpartition(".")[0]


def calls_qualified(catalog: Catalog, expr: object, scope: FromScope | None = None) -> object:
    """Expression `expr` with each call of a function of the migrations by a bare name
    named with the schema the search_path in force finds it in (`named_overloads`): the
    server keeps the function an index expression calls, not its name (pg_get_indexdef
    writes `app.norm(name)` of an index made under `SET search_path = app, public`, and a
    later path does not change it: checked on 18.6). A bare name of a built-in function is
    the migrations' only where their overload runs in place of the built-in ones, chosen
    among them all (`_chosen_among`; a column argument typed through `scope`, the indexed
    table): pg_get_indexdef writes `public.abs(g)` of an index on `abs(g)` made under
    `SET search_path = public, pg_catalog` with a `public.abs(bigint)` and g a bigint, and
    `abs(n)` of an int4 n, the built-in one (checked on 18.6, fix-pg77). A function the
    catalog does not know (an extension's), or a choice that is not certain, stays bare."""
    if not any(kind == "FuncCall" for kind, _ in walk(expr)):
        return expr
    from lockwise.effects.volatility import builtin_functions
    from lockwise.parse.trees import rebuilt

    def qualified_call(item: object) -> object:
        body = item.get("FuncCall") if type(item) is dict and len(item) == 1 else None
        names = strings(body.get("funcname")) if body is not None else ()
        if body is None or len(names) != 1:
            return None
        found = named_overloads(catalog, names)
        if not found:
            return None
        routine: Routine | None = found[0]
        if names[0] in builtin_functions():
            routine = _certain_over_builtins(catalog, found, body, scope)
            if routine is None:
                return None
        return {"FuncCall": {
            **body, "funcname": [{"String": {"sval": routine.name.rpartition(".")[0]}},
                                 *body["funcname"]],
            **({"args": calls_qualified(catalog, body["args"], scope)}
               if "args" in body else {})}}

    return rebuilt(expr, qualified_call)


def called_routines(catalog: Catalog, kind: str, body: dict) -> list[Routine]:
    """The routines with a followed body statement `body` (of node `kind`) calls, each once
    in order. CALL runs its procedure; a query or DML, each function its expressions call
    (whether a row makes it run or not: the worst case)."""
    if not catalog.kept_routines or kind not in CALLING_KINDS:
        return []
    # Asked by the effect model and again by the replay, of the same catalog, and of a
    # routine's body statements at each call of it (`Catalog.found_per_schema`): a write's
    # triggers and the keys it fires are followed once while the schema stays as it is.
    return list(catalog.found_per_schema(body, ("called routines", kind),
                                         lambda: _called_routines(catalog, kind, body)))


def _called_routines(catalog: Catalog, kind: str, body: dict) -> tuple[Routine, ...]:
    calls = [body.get("funccall") or {}] if kind == "CallStmt" else _calls.get(body)
    if calls is None:
        calls = _calls.put(body, list(bodies_of_kind(body, "FuncCall")))
    fired = _trigger_routines(catalog, kind, body)
    found, scoped = _routines_called(catalog, calls, fired)
    if len(found) > len(fired) + 1:
        # (several: in the order the server runs them, as a search_path one body sets holds
        # for the next, checked on 18.6; the walk meets them in no set order)
        calls = _calls.put(body, calls_in_order(body))
        found, scoped = _routines_called(catalog, calls, fired)
    if scoped:
        found.update(dict.fromkeys(_scoped_routines(catalog, {kind: body})))
    return tuple(found)


def paths_set_first(catalog: Catalog, kind: str, body: dict) -> dict[Routine | None, object]:
    """The search_paths a SELECT's own output columns set (`set_config('search_path', v,
    ...)` with constant arguments, `nodes.set_config_nodes`) before the routines it runs
    after them: each by the first followed routine whose body reads its names after the
    set, with the value set (`search_path.use_set_value` puts it in force). Checked on 18.6
    (fix-pg72): every name of the statement, a called function's own among them, is found
    at parse analysis, under the path before (`SELECT set_config('search_path', 'app',
    false), g()` runs public.g, even when app has a g); the executor then runs the clauses
    in their order (`nodes.calls_in_order`) and the output columns left to right, and a
    PL/pgSQL body, or a SQL one read at the call, resolves its names when it runs: under
    the new path. A SQL function the planner inlines (`inlined_volatility`, one without
    arguments) was read at planning, and a BEGIN ATOMIC body at its CREATE
    (`Routine.bound_path`): neither sees the set, which goes to the next routine. Under
    None, the value set after the last of them (in force when the statement goes on to its
    next row, fix-pg77)."""
    if kind != "SelectStmt" or not body.get("targetList"):
        return {}
    values = {id(call): value for call, name, value, _ in set_config_nodes(body)
              if name == "search_path"}
    if not values:
        return {}
    out: dict[Routine | None, object] = {}
    seen: set[Routine] = set()
    pending: list[object] = []  # (the value set last and not yet given to a routine)
    for call in calls_in_order(body):
        if id(call) in values:
            pending[:] = [values[id(call)]]
            continue
        overloads = named_overloads(catalog, strings(call.get("funcname")))
        routine = _chosen(catalog, overloads, call) if overloads else None
        if routine is None or not routine.followed or routine in seen:
            continue
        seen.add(routine)
        if pending and reads_names_at_call(catalog, routine):
            out[routine] = pending.pop()
    if pending:
        out[None] = pending.pop()
    return out


def reads_names_at_call(catalog: Catalog, routine: Routine) -> bool:
    """Whether `routine`'s body finds its unqualified names when it runs, under the path in
    force at the call (checked on 18.6, fix-pg72): a PL/pgSQL body, or a SQL one read at the
    call; not a BEGIN ATOMIC body (`Routine.bound_path`, bound at its CREATE) nor a SQL
    function without arguments the planner inlines (`inlined_volatility`, read at
    planning)."""
    from lockwise.effects.volatility import inlined_volatility

    return routine.bound_path is None and not (
        routine.language == "sql" and not routine.args and
        inlined_volatility(routine.sql, catalog, routine.volatility,
                           strict=routine.strict) is not None)


def _routines_called(catalog: Catalog, calls: list[dict], fired: Iterable[Routine]
                     ) -> tuple[dict[Routine, None], bool]:
    """The followed routines `calls` run, each once in order after `fired` (the trigger
    functions), and whether a call's choice needs the types of its column arguments."""
    found: dict[Routine, None] = dict.fromkeys(fired)
    scoped = False
    for call in calls:
        overloads = named_overloads(catalog, strings(call.get("funcname")))
        routine = _chosen(catalog, overloads, call) if overloads else None
        if routine is not None and routine.followed:
            found.setdefault(routine)
        if not scoped and routine is None and overloads is not None and len(overloads) > 1:
            scoped = _overloads.has_column_argument(call)
    return found, scoped


def _scoped_routines(catalog: Catalog, tree: dict) -> list[Routine]:
    """The followed routines the calls of `tree` with column arguments run, each column
    typed through the FROM list the call sees (`call_scopes`; `_calls` may hold the calls of
    an equal statement, not these nodes)."""
    from lockwise.catalog.call_scopes import call_scopes
    from lockwise.catalog.overloads import chosen, has_column_argument

    found = []
    for call, scope in call_scopes(catalog, tree):
        overloads = named_overloads(catalog, strings(call.get("funcname")))
        if overloads and len(overloads) > 1 and has_column_argument(call):
            routine = chosen(catalog, overloads, call, scope)
            if routine is not None and routine.followed:
                found.append(routine)
    return found


def _chosen(catalog: Catalog, overloads: tuple[Routine, ...], call: dict) -> Routine | None:
    """Of `overloads`, the one `call` runs (`_choice`); None when that is not one of them (a
    built-in overload runs instead) or not certain."""
    routine = _choice(catalog, overloads, call)
    return None if routine is not None and routine.language == BUILTIN else routine


def _choice(catalog: Catalog, overloads: tuple[Routine, ...], call: dict) -> Routine | None:
    """`overloads.chosen` among `overloads` and, for a bare name of a built-in function, its
    built-in overloads that none of them hides (`_chosen_among`: a stand-in of language
    `BUILTIN` when one of those runs), remembered for the call while its name means the same
    overloads (the module is imported only when a choice is not remembered)."""
    choice = _choices.get(call)
    if choice is not None and choice[0] is overloads:
        return choice[1]
    routine = _chosen_among(catalog, overloads, call)
    if _overloads.lasting_choice(call):
        _choices.put(call, (overloads, routine))
    return routine


def _chosen_among(catalog: Catalog, overloads: tuple[Routine, ...], call: dict,
                  scope: FromScope | None = None) -> Routine | None:
    """`overloads.chosen` among `overloads` and the built-in ones (`_with_builtins`); when
    that is not certain (an argument's type not evident, a polymorphic parameter), among
    `overloads` alone, as before the built-in ones were weighed: their bodies are followed
    (the worst case)."""
    among = _with_builtins(overloads, call)
    routine = _chosen_in(catalog, among, call, scope)
    if routine is None and among is not overloads:
        return _chosen_in(catalog, overloads, call, scope)
    return routine


def made_over_builtin(catalog: Catalog, call: dict, scope: FromScope | None = None
                      ) -> Routine | None:
    """The migrations' overload FuncCall `call`, a bare name of a built-in function, surely
    runs, chosen among theirs and the built-in ones (`_with_builtins`; a column argument
    typed through `scope`); None when a built-in one runs, the choice is not certain or the
    migrations made none the name finds. Checked on 18.6 (fix-small75): with a VOLATILE
    `public.abs(bigint)`, `abs(big)` of a bigint column runs it under
    `SET search_path = public, pg_catalog`, and a `public.abs(text)` is chosen by `abs(s)`
    of a text column under any path."""
    found = named_overloads(catalog, strings(call.get("funcname")))
    return _certain_over_builtins(catalog, found, call, scope) if found else None


def _certain_over_builtins(catalog: Catalog, found: tuple[Routine, ...], call: dict,
                           scope: FromScope | None) -> Routine | None:
    """Of `found`, the one `call` runs when chosen for certain among them and the built-in
    overloads of its bare name; None otherwise (no falling back to `found` alone)."""
    routine = _chosen_in(catalog, _with_builtins(found, call), call, scope)
    return None if routine is None or routine.language == BUILTIN else routine


def _chosen_in(catalog: Catalog, overloads: tuple[Routine, ...], call: dict,
               scope: FromScope | None) -> Routine | None:
    """`overloads.chosen`, given `scope` only when there is one."""
    if scope is None:
        return _overloads.chosen(catalog, overloads, call)
    return _overloads.chosen(catalog, overloads, call, scope)


#: The language of a built-in overload's stand-in among a call's candidates (`_with_builtins`).
BUILTIN = "internal"


def _with_builtins(overloads: tuple[Routine, ...], call: dict) -> tuple[Routine, ...]:
    """`overloads` (of the migrations, as `named_overloads` finds them), with a stand-in for
    each built-in overload of the same name (`builtin_signatures`) when `call` writes it
    bare: the server chooses among all the overloads the path makes visible, pg_catalog's
    and theirs together, one hiding another of the same argument types in a schema searched
    later (checked on 18.6, fix-pg77: of a migration's `public.abs(bigint)` under
    `SET search_path = public, pg_catalog`, `abs(-3)` runs `pg_catalog.abs(integer)`, an
    exact match, and `abs(big)` of a bigint column `public.abs`; of `public.lower(int)`,
    `lower('A')` runs the built-in `lower(text)`, an untyped constant going to the string
    category). A stand-in takes no default and no VARIADIC (the data holds the types
    alone): a built-in that fits a call only so is not among them."""
    names = strings(call.get("funcname"))
    if len(names) != 1:
        return overloads
    from lockwise.effects.volatility import builtin_functions

    name = names[0]
    if name not in builtin_functions():
        return overloads
    from lockwise.effects.volatility import builtin_signatures

    taken = {r.args for r in overloads}
    return overloads + tuple(
        _overloads.Routine(f"pg_catalog.{name}", "", False, BUILTIN, args, len(args), False)
        for args in sorted(builtin_signatures(name)) if args not in taken)


def _writes(kind: str, body: dict) -> dict[str, frozenset[str]]:
    """The writes statement `body` (of node `kind`) makes that fire triggers, each with the
    columns its SET lists name (for UPDATE OF; empty for the others), as the server fires
    them (checked on 18.6): an INSERT's ON CONFLICT DO UPDATE updates too, MERGE makes the
    writes of its actions (DO NOTHING none), COPY FROM inserts and COPY TO writes nothing."""
    if kind == "MergeStmt":
        writes: dict[str, frozenset[str]] = {}
        for clause in body.get("mergeWhenClauses") or ():
            clause = unwrap(clause)[1]
            write = _MERGE_WRITES.get(clause.get("commandType", ""))
            if write:
                writes[write] = writes.get(write, frozenset()) | _set_columns(clause)
        return writes
    if kind == "CopyStmt" and not body.get("is_from"):
        return {}
    writes = {_WRITES[kind]: _set_columns(body) if kind == "UpdateStmt" else frozenset()}
    conflict = body.get("onConflictClause") or {}
    if conflict.get("action") == "ONCONFLICT_UPDATE":
        writes["update"] = _set_columns(conflict)
    return writes


def _set_columns(node: dict) -> frozenset[str]:
    """The columns a SET list (`targetList` of UPDATE, ON CONFLICT DO UPDATE or MERGE's
    UPDATE) assigns."""
    return frozenset(unwrap(target)[1].get("name", "") for target in node.get("targetList")
                     or ())


def _trigger_routines(catalog: Catalog, kind: str, body: dict) -> list[Routine]:
    """The routines the triggers a write fires run: those of its table for the writes it
    makes (`_writes`), and those of the tables the actions of the foreign keys its deletes
    and updates fire write (`key_actions`: a cascaded delete, or an update of the key's
    columns). Nothing while no table has had a trigger (`Catalog.trigger_tables` empty: the
    replay files each trigger it adds there), whatever the write reaches."""
    if kind not in _WRITES and kind != "MergeStmt" or catalog.trigger_tables == {}:
        return []
    table = range_var(body.get("relation"))[0]
    writes = _writes(kind, body)
    if _inserts_no_rows(catalog, kind, body):
        known = catalog.tables.get(table)
        return _fired_routines(catalog, known, writes, statement_only=True) \
            if known is not None and known.triggers else []
    below = _partition_triggers.reached_below(catalog, table, kind, body)
    fired = _partition_triggers.fired_tables(catalog, table, writes, below) + [
        reached for write in ("delete", "update") if write in writes
        for action in _key_actions.schema_key_actions(catalog, table, write, writes[write])
        if action.write
        for reached in _partition_triggers.fired_tables(
            catalog, action.referencing, {action.write: action.columns}, action.reached[1:])]
    found = []
    for rel, rel_writes, row_only in fired:
        known = catalog.tables.get(rel)
        if known is not None and known.triggers:
            found += _fired_routines(catalog, known, rel_writes, row_only)
    return found


def own_triggers(catalog: Catalog, kind: str, body: dict) -> dict[Routine, str]:
    """The routines the triggers of the table write `body` (of node `kind`) names run, each
    with how often: "row" when a row trigger of it runs one (once per row written), else
    "statement" (once). A partition's or a key action's trigger is not among them: the
    rows it runs at are not the statement's own (the cost model prices those by none)."""
    known = catalog.tables.get(range_var(body.get("relation"))[0]) \
        if kind in _WRITES else None
    if known is None or not known.triggers:
        return {}
    writes = _writes(kind, body)
    no_rows = _inserts_no_rows(catalog, kind, body)
    per_row = set() if no_rows else set(_fired_routines(catalog, known, writes, row_only=True))
    return {r: "row" if r in per_row else "statement"
            for r in _fired_routines(catalog, known, writes, statement_only=no_rows)}


def _inserts_no_rows(catalog: Catalog, kind: str, body: dict) -> bool:
    """Whether write `body` (of node `kind`) is an INSERT of a SELECT surely of no row
    (`updatable.returns_no_rows`: `INSERT INTO t SELECT generate_series(1, 0)`): its
    statement triggers fire, no row trigger does (checked on 18.6)."""
    if kind != "InsertStmt" or body.get("withClause") or not body.get("selectStmt"):
        return False
    from lockwise.catalog.updatable import returns_no_rows

    return returns_no_rows(body["selectStmt"], catalog)


def _fired_routines(catalog: Catalog, table: Table, writes: dict[str, frozenset[str]],
                    row_only: bool = False, statement_only: bool = False) -> list[Routine]:
    """The routines of `table`'s triggers that `writes` fire (an UPDATE OF trigger only when
    the SET list names one of its columns; one whose WHEN needs a column changed only when
    that may change: `may_fire_on_update`), enabled for the session's replication role
    (the rows written are not weighed: the worst case); its row triggers alone when
    `row_only` (`fired_tables`), its statement triggers alone when `statement_only` (no
    row is written)."""
    firing = "RA" if catalog.replica_role else "OA"
    found = []
    for trigger in table.triggers.values():
        if trigger.fires in firing and (trigger.row or not row_only) and \
                not (trigger.row and statement_only) and any(
                write in trigger.events and (write != "update" or (
                    not trigger.update_of or not columns.isdisjoint(trigger.update_of))
                    and _trigger_when.may_fire_on_update(catalog, table, trigger, columns))
                for write, columns in writes.items()):
            name = trigger.qualified or f"public.{trigger.function}"
            found.extend(r for r in catalog.kept_routines.get(name, ())
                         if not r.args and r.followed)
    return found


def switch_triggers(table: Table, subcommand: str, name: str | None) -> None:
    """ALTER TABLE ... ENABLE [ALWAYS | REPLICA] / DISABLE TRIGGER `name` (None: ALL, USER)."""
    from dataclasses import replace

    fires = TRIGGER_SWITCHES[subcommand]
    for trigger in [name] if name else list(table.triggers):
        if trigger in table.triggers:
            table.triggers[trigger] = replace(table.triggers[trigger], fires=fires)


def set_replication_role(catalog: Catalog, stmt: dict) -> None:
    """SET [LOCAL] / RESET session_replication_role (a VariableSetStmt): `replica` makes
    only the triggers enabled REPLICA or ALWAYS fire; origin, local and the default, those
    enabled (or ALWAYS)."""
    value = const_value((stmt.get("args") or [None])[0]) \
        if stmt.get("kind") == "VAR_SET_VALUE" else None
    catalog.replica_role = "" if str(value).lower() != "replica" else \
        "local" if stmt.get("is_local") else "session"


def calls_routine(catalog: Catalog, tree: dict) -> bool:
    """Whether statement `tree` calls a routine the catalog keeps."""
    return bool(called_routines(catalog, *unwrap(tree)))


def routine_trees(catalog: Catalog, routine: Routine) -> list[dict]:
    """The statements the replay follows in a routine's body (`routine_statements`), parsed."""
    return [e.tree for e in routine_statements(catalog, routine)]


def routine_statements(catalog: Catalog, routine: Routine) -> list[Embedded]:
    """The statements the replay follows in a routine's body, each with its text: a SQL
    routine's (its AS string or BEGIN ATOMIC body), or a PL/pgSQL one's
    (`followed_statements`)."""
    if routine.language == "sql":
        from lockwise.parse.sql_body import sql_body_statements

        return list(sql_body_statements(routine.sql))
    return followed_statements(catalog, routine.sql)


def followed_trees(catalog: Catalog, code: str) -> list[dict]:
    """`followed_statements` of PL/pgSQL `code`, parsed."""
    return [e.tree for e in followed_statements(catalog, code)]


def followed_statements(catalog: Catalog, code: str) -> list[Embedded]:
    """The statements PL/pgSQL `code` (a DO block's, or a routine's CREATE) runs that the
    replay follows, each with its text (a routine one makes is then followed at its calls):
    its embedded statements and, when the catalog keeps routines, the expressions (`x :=
    f()`, `IF f() THEN`, a FOR's query) that call one, as their SELECT."""
    if not catalog.kept_routines:
        return list(_plpgsql.embedded_statements(code))
    return [e for e, expression in _plpgsql.embedded_steps(code)
            if not expression or calls_routine(catalog, e.tree)]
