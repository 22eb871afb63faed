"""DROP of every kind of object, DROP DATABASE, DROP OWNED and TRUNCATE."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from lockwise.catalog.model import Callers, Catalog, Index, Table
from lockwise.catalog.replay import (
    classes_of_routine_drop,
    free_generated_name,
    relation_namers,
    routine_callers,
    routine_dependents,
    routine_users,
    routines_built_on,
    routines_calling,
    routines_going,
    routines_of_type,
    row_type_columns,
    schema_callers,
    type_callers,
)
from lockwise.catalog.routines import (
    aggregate_sure,
    aggregates_running,
    dropped_routine,
    routine_gone,
    routine_named,
)
from lockwise.core.types import Action
from lockwise.effects.nodes import (
    calls_function,
    drop_object_name,
    drop_object_names,
    object_name,
    range_var,
    role_name,
    role_sql,
    strings,
    unwrap,
)
from lockwise.effects.postgres.attach import lock_partition_set
from lockwise.effects.postgres.builder import (
    Builder,
    L,
    callers_facts,
    drop_defaults_drawing,
    drop_fk_triggers,
    drop_foreign_keys,
    drop_routines,
    drop_rules_naming,
    owned_sequences,
    partition_lineage,
    refused_if_partitioned,
    routine_shown,
    row_key_facts,
    server_shown,
    signature_shown,
    table_facts,
    types_shown,
)
from lockwise.effects.postgres.columns import drop_callers, drop_policies, dropped_column
from lockwise.effects.postgres.triggers import is_row_trigger
from lockwise.effects.postgres.user_types import misread_array_type, refused_array_type
from lockwise.parse.quoting import (
    NEXT_MIGRATION,
    OWN_MIGRATION,
    quote_ident,
    quote_qualified,
    relation_sql,
)

if TYPE_CHECKING:
    from lockwise.catalog.operators import Operator
    from lockwise.catalog.overloads import Routine

_DROP_KINDS = {
    "OBJECT_TABLE": "table", "OBJECT_INDEX": "index", "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "view", "OBJECT_SEQUENCE": "sequence", "OBJECT_TYPE": "type",
    "OBJECT_SCHEMA": "schema", "OBJECT_FUNCTION": "function", "OBJECT_TRIGGER": "trigger",
    "OBJECT_DOMAIN": "type", "OBJECT_EXTENSION": "extension", "OBJECT_PROCEDURE": "function",
    "OBJECT_ROUTINE": "function",
    "OBJECT_POLICY": "policy", "OBJECT_FOREIGN_TABLE": "table", "OBJECT_RULE": "rule",
    "OBJECT_STATISTIC_EXT": "statistics",
}


def _dropped_indexes_named(catalog: Catalog, listed: list[str]) -> tuple[str, ...]:
    """The indexes a DROP INDEX finding names, of those it lists (`listed`, qualified): those
    the catalog knows exist, or all of them when it knows none. One finding speaks for the
    statement, and under IF EXISTS the first listed index may well be missing while a later
    one is the one that takes the lock."""
    return tuple([i for i in listed if i in catalog.indexes] or listed)


#: The kinds of DROP that read the qualified names of everything the statement drops: a
#: table, view or type asks whether another named goes with it, a DROP INDEX finding names
#: them all (`drop`).
_READ_WHOLE = frozenset({"table", "view", "type", "index"})


def _known_absent(catalog: Catalog, table: str, field: str, name: str) -> bool:
    """Whether `table` is sure to have no trigger / rule (`field`: "triggers", "rules") called
    `name`: the catalog knows all of them for a table these migrations created. DROP ... IF
    EXISTS of one that is not there looks it up with the table opened ACCESS SHARE, finds
    nothing and lets the lock go at once: the statement holds no lock on the table (checked on
    the server; policies: `Catalog.policies_known`)."""
    known = catalog.fully_known(table)
    return known is not None and name not in getattr(known, field)


def drop(b: Builder, stmt: dict) -> None:
    kind = _DROP_KINDS.get(stmt.get("removeType", ""), "other")
    cascade = stmt.get("behavior") == "DROP_CASCADE"
    if_exists = bool(stmt.get("missing_ok"))
    concurrently = bool(stmt.get("concurrent"))
    objects = drop_object_names(stmt)
    # Read once a statement: each object asked for all of them again, n walks of n names.
    listed = [object_name(names) for names in objects] if kind in _READ_WHOLE else []
    named = _dropped_indexes_named(b.ctx.catalog, listed) if kind == "index" else ()
    gone = frozenset(listed)
    refused = _kind_refusal(b, stmt) \
        if kind == "function" or stmt.get("removeType") == "OBJECT_AGGREGATE" else None
    for i, names in enumerate(objects):
        first = len(b.actions)
        _drop_one(b, stmt, kind, names, cascade, if_exists, concurrently, named, gone,
                  None if refused is None else refused[i])
        # What a CASCADE takes with the object (columns, typed tables) is recorded before the
        # object's own action: that one goes first, so the statement is labelled by what it
        # drops, not by a column it takes along.
        if len(b.actions) > first + 1:
            b.actions.insert(first, b.actions.pop())
    if cascade:
        _name_every_dependent(b.actions)


def _name_every_dependent(actions: list[Action]) -> None:
    """One DROP ... CASCADE of several objects (DROP TABLE a, b CASCADE) gets one finding,
    from its first action that takes something along: that action names, and says how to
    drop, what every object takes along, each once (a view over a and b goes once; the
    server drops all of them: checked on 18.6)."""
    taking = [a.facts for a in actions if a.facts.get("callers_dropped")]
    if len(taking) < 2:
        return
    from lockwise.effects.dependents import dependents_text

    named = tuple(dict.fromkeys(n for facts in taking for n in facts["callers_dropped"]))
    policies = tuple(dict.fromkeys(n for facts in taking
                                   for n in facts.get("callers_dropped_policies", ())))
    # (each step where it first comes: what uses a view of an earlier object is in that
    # object's steps too, before the view, so every view still goes before those it reads)
    sql = dict.fromkeys(line for facts in taking
                        for line in facts["callers_dropped_sql"].splitlines())
    taking[0].update(callers_dropped=named, callers_dropped_policies=policies,
                     callers_dropped_text=dependents_text([*named, *policies]),
                     callers_dropped_sql="\n".join(sql))


def _index_dependents(b: Builder, idx: Index, written: str, qualified: bool,
                      cascade: bool) -> dict:
    """What DROP INDEX of `idx` (as the user wrote it: `written`, `qualified`) does to what
    depends on it (checked on 18.6, tests/test_drop_index_dependents.py): the index of a
    primary key, unique or exclusion constraint is refused with or without CASCADE ("cannot
    drop index p_pkey because constraint p_pkey on table p requires it", 2BP01); a unique
    index of its own that foreign keys use (`Catalog.keys_on_index`) is refused without
    CASCADE ("constraint c_p on table c depends on index p_u") and drops them with it."""
    from lockwise.effects.dependents import drop_first_sql

    catalog = b.ctx.catalog
    keys = [(t, fk.name) for t, fk in catalog.keys_on_index(idx.name)]
    con = catalog.index_constraint(idx)
    if con is None and cascade:
        drop_foreign_keys(b, catalog.keys_on_index(idx.name))
        return callers_facts(catalog, Callers(), written, qualified, keys=tuple(keys)) \
            if keys else {}

    def rel(name: str) -> str:
        return relation_sql(name, written, qualified)
    if con is not None:  # (the keys on it refuse DROP CONSTRAINT in turn: dropped first)
        text = f"cannot drop index {quote_ident(idx.name.split('.', 1)[1])} because " \
            f"constraint {quote_ident(con.name)} on table {rel(idx.table)} requires it"
    elif keys:
        text = "; ".join(f"constraint {quote_ident(n)} on table {rel(t)} depends on index "
                         f"{quote_ident(idx.name.split('.', 1)[1])}" for t, n in keys)
    else:
        return {}
    steps = [*(drop_first_sql("constraint", rel(t), n) for t, n in keys),
             *([drop_first_sql("constraint", rel(idx.table), con.name)] if con else [])]
    return {"refused_index_drop": True, "refused_index_drop_text": text,
            "refused_index_drop_sql": "\n".join(steps),
            "index_constraint": con.name if con else ""}


def _schema_types_outside(b: Builder, schema: str, cascade: bool) -> dict:
    """What DROP SCHEMA `schema` ... CASCADE drops outside it with its types: the typed
    tables and the columns of them (an array of one, a domain's too), with their data, each
    under ACCESS EXCLUSIVE on its table (`Catalog.of_type_outside`; checked on 18.6): the
    sentence the message adds under CASCADE ("" when none), and the steps that drop them by
    name first, then those types (`type_users_first_sql`), after which DROP SCHEMA ...
    RESTRICT is no longer refused for them (checked on 18.6, fix-pg80)."""
    from lockwise.effects.dependents import type_users_first_sql

    catalog, said, steps = b.ctx.catalog, [], []
    for type_name in sorted(t for t in catalog.types if t.startswith(schema + ".")):
        tables, columns = catalog.of_type_outside(type_name, schema)
        if not tables and not columns:
            continue
        steps += type_users_first_sql(catalog, type_name, tables, columns)
        if not cascade:
            continue
        for table in [*tables, *(t for t, _c in columns)]:
            b.lock(table, L.ACCESS_EXCLUSIVE)
        shown = quote_qualified(type_name)
        said += [*(f"the typed table {quote_qualified(t)} (of type {shown})" for t in tables),
                 *(f"the column {quote_qualified(t)}.{quote_ident(c)} (of type {shown})"
                   for t, c in columns)]
    return {"dropped_outside_text": f" Outside it, CASCADE also drops {', '.join(said)}, "
            "with their data." if said else "",
            "dropped_outside_sql": "\n".join(steps)}


def _drop_one(b: Builder, stmt: dict, kind: str, names: list[str], cascade: bool,
              if_exists: bool, concurrently: bool, named: tuple[str, ...],
              gone: frozenset[str], kind_refused: dict | None = None) -> None:
    """One object of a DROP (`names`, as written): its locks, drops and action. `named`: the
    indexes a DROP INDEX finding names (`_dropped_indexes_named`); `gone`: of a DROP TABLE,
    VIEW or TYPE, the qualified names of every object the statement drops.
    `kind_refused`: of a DROP FUNCTION / PROCEDURE / AGGREGATE the server refuses for a
    routine of another kind (`_kind_refusal`), this object's refusal facts, {} when another
    object is that routine or a routine missing before it stops the statement; None when
    the statement is not refused so."""
    catalog = b.ctx.catalog
    if kind in ("table", "view"):
        _drop_relation(b, object_name(names), kind, cascade, names[-1], len(names) > 1,
                       gone, if_exists=if_exists,
                       foreign=stmt.get("removeType") == "OBJECT_FOREIGN_TABLE",
                       # as the statement says (table, foreign_table, view, matview): DROP
                       # TABLE of a foreign table is refused
                       object_type=stmt.get("removeType", "").replace("OBJECT_", "").lower())
    elif kind == "index":
        index = object_name(names)
        idx = b.ctx.index(index)
        table = idx.table if idx else ""
        # IF EXISTS of an index the replay dropped (with its constraint, its table) or renamed
        # away: a NOTICE, nothing locked (checked on 18.6). A name the catalog never held may
        # be an index made outside the migrations: its table is not known, the drop is judged.
        missing = if_exists and idx is None and catalog.indexes.gone(index)
        if table:
            b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.ACCESS_EXCLUSIVE)
            for part in catalog.partitions(table):  # the partitions' indexes go with it
                b.lock(part, L.ACCESS_EXCLUSIVE)
        facts = _index_dependents(b, idx, index, len(names) > 1, cascade) \
            if idx is not None else {}
        if not missing:
            b.drops.add(f"index:{index}")
        if concurrently:
            b.transactional = False
        b.act("drop_index", facts, index=index, index_name=names[-1],
              index_sql=index if len(names) > 1 else names[-1], table=table,
              table_name=table.split(".", 1)[-1], concurrently=concurrently,
              if_exists=if_exists, cascade=cascade, index_missing=missing,
              dropped_indexes_text=", ".join(map(quote_qualified, named)),
              table_is_new=b.ctx.table_is_new(table) if table else False)
    elif kind == "policy":
        table = object_name(names[:-1]) if len(names) > 1 else ""
        known = catalog.policies_known(table)
        # IF EXISTS of a policy that is not there: the server lets the table go again
        # before it is locked (checked on the server).
        missing = if_exists and known is not None and names[-1] not in known.policies
        if not missing:
            b.lock(table, L.ACCESS_EXCLUSIVE)
            b.drops.add(f"policy:{table}.{names[-1]}")
        b.act("drop_policy", table=table, table_name=table.split(".", 1)[-1],
              policy=names[-1], if_exists=if_exists, policy_missing=missing,
              table_is_new=b.ctx.table_is_new(table))
    elif kind == "rule":  # (checked on the server, as DROP TRIGGER)
        table = object_name(names[:-1]) if len(names) > 1 else ""
        if not (if_exists and _known_absent(catalog, table, "rules", names[-1])):
            b.lock(table, L.ACCESS_EXCLUSIVE)
        b.drops.add(f"rule:{table}.{names[-1]}")
        b.act("drop_rule", table=table, table_name=table.split(".", 1)[-1],
              name=names[-1], if_exists=if_exists, cascade=cascade,
              table_is_new=b.ctx.table_is_new(table))
    elif kind == "trigger":
        table = object_name(names[:-1]) if len(names) > 1 else ""
        if not (if_exists and _known_absent(catalog, table, "triggers", names[-1])):
            b.lock(table, L.ACCESS_EXCLUSIVE)
        if table and is_row_trigger(catalog, table, names[-1]):
            for part in catalog.partitions(table):  # its clones go with it
                b.lock(part, L.ACCESS_EXCLUSIVE)
        b.drops.add(f"trigger:{table}.{names[-1]}")
        b.act("drop_trigger", table=table, table_name=table.split(".", 1)[-1],
              trigger=names[-1], if_exists=if_exists,
              table_is_new=b.ctx.table_is_new(table))
    elif kind == "schema":
        schema = names[-1]
        b.drops.add(f"schema:{schema}")
        inside = [t for t in catalog.tables if t.startswith(schema + ".")]
        views_outside = catalog.views_outside_schema_over(schema) if cascade else []
        for t in inside if cascade else ():
            b.lock(t, L.ACCESS_EXCLUSIVE)
            _drop_keys_crossing(b, t, schema)
        for view in views_outside:
            b.lock(view, L.ACCESS_EXCLUSIVE)  # dropped with the tables it reads
        rules = drop_rules_naming(b, [*inside, *views_outside] if cascade else ())
        going = catalog.policies_on_others([*inside, *views_outside], schema=schema) \
            if cascade else []
        policies = drop_policies(b, going)
        # (named too: the views elsewhere over its tables, the foreign keys of tables
        # elsewhere pointing into it, fix-pg86)
        keys = tuple(sorted({(other, con.name) for t in inside if cascade
                             for other, con in catalog.referencing(t)
                             if not other.startswith(schema + ".")}))
        found = schema_callers(catalog, schema, stmt) if cascade else Callers()
        callers = _drop_callers(b, replace(found, views=tuple(dict.fromkeys(
            [*views_outside, *found.views]))), f"{schema}.", True, rules, keys,
            policies=_policy_names(going))
        b.act("drop_schema", policies, callers, _schema_types_outside(b, schema, cascade),
              schema=schema, cascade=cascade, if_exists=if_exists)
    else:
        name = names[-1] if kind == "extension" else dropped_routine(catalog, stmt, names) \
            if kind == "function" else object_name(names)
        facts: dict = {}
        if kind_refused is not None:
            facts = kind_refused  # (refused before anything it depends on: fix-pg98, fix-pg102)
        elif kind == "function" and cascade:
            # The triggers that execute it are dropped too, each locking its table as
            # DROP TRIGGER does, and so are the policies that call it, and what else
            # calls it.
            for table, trigger in catalog.triggers_dropped_with(names[-1].lower(), name):
                b.lock(table.name, L.ACCESS_EXCLUSIVE)
                b.drops.add(f"trigger:{table.name}.{trigger}")
            found = routine_callers(catalog, name, stmt)
            # (and the routines whose SQL-standard body calls it, with those calling them)
            routines = drop_routines(b, routines_calling(catalog, stmt, name))
            # (a trigger whose WHEN calls it is named; one executing it is its purpose)
            when = tuple((t.name, n) for t, n in catalog.triggers_when_calling(
                names[-1].lower(), name))
            going = catalog.policies_on_others(list(found.views), [name])
            if catalog.operator_classes:
                _drop_class_indexes(b, stmt, names, name)
            facts = {**drop_policies(b, going),
                     **_drop_callers(b, found, name, len(names) > 1, routines=routines,
                                     triggers=when, policies=_policy_names(going))}
        elif kind == "function":
            facts = _refused_routine_drop(b, stmt, name, names)
        elif kind == "other" and stmt.get("removeType") == "OBJECT_OPERATOR" and not cascade:
            facts = _refused_operator_drop(b, stmt, len(names) > 1)
        elif kind == "other" and not cascade and \
                stmt.get("removeType") in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY"):
            facts = refused_class_drop(b, stmt)
        elif kind == "other" and stmt.get("removeType") == "OBJECT_AGGREGATE" and not cascade:
            facts = _refused_aggregate_drop(b, stmt, names)
        elif kind == "statistics" and (table := catalog.statistics.get(name)):
            b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)  # as CREATE STATISTICS
        elif kind == "type" and stmt.get("removeType") == "OBJECT_TYPE" and (
                facts := refused_array_type(catalog, names, dropped=gone)):
            pass  # an array type alone: refused, IF EXISTS and CASCADE or not
        elif kind == "type" and stmt.get("removeType") == "OBJECT_DOMAIN" and (
                facts := misread_array_type(catalog, "DropStmt", stmt, names, "domain")):
            pass  # an array type: '"_x" is not a domain', even beside its domain
        elif kind == "type":
            facts = _drop_type(b, stmt, name, cascade, len(names) > 1)
        elif kind == "sequence":
            b.lock(name, L.ACCESS_EXCLUSIVE)  # (checked on the server)
        if kind == "sequence" and cascade:
            drop_defaults_drawing(b, name)
            policies, rules, going = _drop_sequence_readers(b, name)
            facts = {**policies, **_drop_callers(b, catalog.naming({name}), name,
                                                 len(names) > 1, rules,
                                                 policies=_policy_names(going))}
        if stmt.get("removeType") in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY"):
            _drop_operator_object(b, stmt, names)
        elif not facts.get("refused_array_type"):  # (refused: nothing goes, drop-object silent)
            b.drops.add(f"{kind}:{name}")
        b.act(f"drop_{kind}" if kind != "other" else "drop_other", facts, name=name,
              cascade=cascade, if_exists=if_exists,
              object_type=stmt.get("removeType", "").replace("OBJECT_", "").lower())


def _drop_operator_object(b: Builder, stmt: dict, items: list[str]) -> None:
    """DROP OPERATOR CLASS or FAMILY of `items` (the access method, then its name parts):
    the object goes (`operators.operator_object_key`), and a family's kept classes with it,
    CASCADE or not (`operators.family_classes`): a later DROP or ALTER of one fails (42704,
    the conflict graph; checked on 18.6, fix-pg104). CASCADE drops the indexes using those
    classes too (`operators.classes_indexes`): a later DROP INDEX of one fails (42704;
    checked on 18.6, fix-pg114)."""
    from lockwise.catalog.operators import (
        class_named,
        classes_indexes,
        family_classes,
        family_named,
        operator_object_key,
    )

    catalog = b.ctx.catalog
    family = stmt.get("removeType") == "OBJECT_OPFAMILY"
    b.drops.add(operator_object_key(catalog, "family" if family else "class", items))
    kept = family_named(catalog, items) if family else None
    classes = family_classes(catalog, kept) if kept is not None else []
    for key in classes:
        b.drops.add(operator_object_key(catalog, "class", [key[1], *key[0].split(".", 1)]))
    if stmt.get("behavior") == "DROP_CASCADE" and catalog.operator_classes:
        own = class_named(catalog, items) if not family else None
        for index in classes_indexes(catalog, {*classes, *([own] if own else [])}):
            b.drops.add(f"index:{index}")


def _drop_class_indexes(b: Builder, stmt: dict, names: list[str], function: str) -> None:
    """DROP FUNCTION `function` (qualified; `names` as written) ... CASCADE of the support
    function of kept operator classes (`replay.classes_of_routine_drop`, as the replay asks):
    the indexes using them go with the classes (checked on 18.6, fix-pg113), among the
    statement's drops, so that a later DROP INDEX of one is missing-object in the conflict
    graph (fix-pg114)."""
    from lockwise.catalog.operators import classes_indexes

    classes = classes_of_routine_drop(b.ctx.catalog, stmt, names, function)
    for index in classes_indexes(b.ctx.catalog, set(classes)):
        b.drops.add(f"index:{index}")


def _operator_users_facts(catalog: Catalog, operators: Iterable[Operator], like: str,
                          qualified: bool) -> tuple[list[str], list[str]]:
    """The server's DETAIL lines naming what uses `operators` (`operators.operator_users`:
    a DEFAULT, a generated column and the views reading it), and the statements that drop
    each first (`callers_facts`' order: the views before the column)."""
    from lockwise.catalog.operators import (
        OperatorUsers,
        operator_classes_using,
        operator_other_users,
        operator_shown,
        operator_users,
    )
    from lockwise.effects.dependents import drop_first_sql

    detail: list[str] = []
    classes: list[str] = []  # (each as DROP OPERATOR CLASS writes it)
    defaults: list[tuple[str, str]] = []
    generated: list[tuple[str, str]] = []
    others = OperatorUsers([], [], [], [])
    for operator in operators:
        on = f"operator {operator_shown(operator)}"
        uses, columns = operator_users(catalog, operator)
        more = operator_other_users(catalog, operator)
        detail += [f"default value for column {c} of table {server_shown(t)} depends on {on}"
                   for t, c in uses]
        detail += [f"column {c} of table {server_shown(t)} depends on {on}" for t, c in columns]
        detail += [f"{_view_kind(catalog, v)} {server_shown(v)} depends on column {c} of "
                   f"table {server_shown(t)}"
                   for t, c in columns for v in catalog.views_using_column(t, c)]
        detail += [f"constraint {c} on table {server_shown(t)} depends on {on}"
                   for t, c in more.constraints]
        detail += [f"index {server_shown(i)} depends on {on}" for i in more.indexes]
        detail += [f"{_view_kind(catalog, v)} {server_shown(v)} depends on {on}"
                   for v in more.views]
        detail += [f"function {routine_shown(r.name, r.args)} depends on {on}"
                   for r in more.routines]
        detail += _classes_depending(catalog, operator_classes_using(catalog, operator), on,
                                     more.indexes, classes)
        defaults += uses
        generated += columns
        for mine, theirs in zip(others, more, strict=True):
            mine.extend(x for x in theirs if x not in mine)
    if not detail:
        return [], []
    steps = callers_facts(catalog, Callers(
        defaults=tuple(defaults), generated=tuple(generated),
        constraints=tuple(others.constraints), indexes=tuple(others.indexes),
        views=tuple(others.views)), like, qualified,
        routines=tuple(others.routines))["callers_dropped_sql"].splitlines()
    return detail, steps + [drop_first_sql("operator class", c)
                            for c in dict.fromkeys(classes)]


def _classes_depending(catalog: Catalog, keys: Iterable[tuple[str, str]], on: str,
                       indexes: list[str], classes: list[str]) -> list[str]:
    """The DETAIL lines of operator classes `keys` (qualified name, access method) depending
    on `on` (an operator, a support function, as messages name it), each followed by the
    indexes using it (`_class_users`); the indexes, then the classes as DROP OPERATOR CLASS
    writes them, are added to `indexes` and `classes`, each once, to be dropped first."""
    detail = []
    for key in keys:
        shown, through, lines = _class_users(catalog, key)
        detail += [f"{shown} depends on {on}", *lines]
        indexes.extend(i for i in through if i not in indexes)
        classes.append(f"{server_shown(key[0])} USING {key[1]}")
    return detail


def _class_users(catalog: Catalog, key: tuple[str, str]) -> tuple[str, list[str], list[str]]:
    """Operator class `key` (qualified name, access method) as the server's messages name
    it, the indexes using it (`operators.class_indexes`) and the DETAIL lines saying so
    ("index t_h depends on operator class oc for access method hash")."""
    from lockwise.catalog.operators import class_indexes

    shown = f"operator class {server_shown(key[0])} for access method {key[1]}"
    through = class_indexes(catalog, key)
    return shown, through, [f"index {server_shown(i)} depends on {shown}" for i in through]


def refused_class_drop(b: Builder, stmt: dict) -> dict:
    """DROP OPERATOR CLASS without CASCADE of a class the catalog keeps while an index uses
    it (`_class_users`): the server refuses it (2BP01 "cannot drop operator class oc for
    access method hash because other objects depend on it", IF EXISTS or not), its DETAIL
    naming each index, which the facts repeat, with the DROP INDEX of each first, then the
    class (checked on 18.6, fix-pg100). DROP OPERATOR FAMILY likewise while an index uses
    one of its classes (`operators.family_classes`): "cannot drop operator family fam for
    access method hash ...", DETAIL "index t_h depends on operator class oc for access
    method hash" (checked on 18.6, fix-pg101). The facts are DROP OPERATOR's
    (`_refused_operator_drop`): the message reads "cannot drop operator class ..." (or
    "... family ...")."""
    from lockwise.catalog.operators import class_named, family_classes, family_named
    from lockwise.effects.dependents import drop_first_sql

    catalog = b.ctx.catalog
    kind = "operator family" if stmt.get("removeType") == "OBJECT_OPFAMILY" else "operator class"
    detail: list[str] = []
    indexes: list[str] = []
    names: list[str] = []
    dropped: list[str] = []
    like = ("", False)  # (the first one refused, as `callers_facts` writes names like it)
    for obj in stmt.get("objects") or ():
        items = strings(unwrap(obj)[1].get("items"))
        key = class_named(catalog, items) if kind == "operator class" else \
            family_named(catalog, items)
        if key is None:
            continue
        before = len(indexes)
        for class_key in family_classes(catalog, key) if kind == "operator family" else [key]:
            through, lines = _class_users(catalog, class_key)[1:]
            # (an index using two classes of the family is named once)
            detail += [line for i, line in zip(through, lines, strict=True) if i not in indexes]
            indexes.extend(i for i in through if i not in indexes)
        if len(indexes) > before:
            names.append(f"{kind.split()[1]} {server_shown(key[0])} for access method {key[1]}")
            like = like if like[0] else (key[0], len(items) > 2)
        dropped.append(f"{server_shown(key[0])} USING {key[1]}")
    if not detail:
        return {}
    steps = callers_facts(catalog, Callers(indexes=tuple(indexes)), *like)[
        "callers_dropped_sql"].splitlines()
    steps += [drop_first_sql(kind, c) for c in dropped]
    return {"refused_operator_drop": True, "refused_operator_drop_text": "; ".join(detail),
            "refused_operator_drop_sql": "\n".join(steps), "operators_text": ", ".join(names)}


def _refused_operator_drop(b: Builder, stmt: dict, qualified: bool) -> dict:
    """DROP OPERATOR without CASCADE of an operator something uses (`_operator_users_facts`):
    the server refuses it (2BP01 "cannot drop operator ~~~(integer,integer) because other
    objects depend on it"; checked on 18.6, fix-pg89), its DETAIL naming each dependent,
    which the facts repeat, with the statements that drop each first and then the
    operator. Nothing is said of an operator the catalog does not keep, nor of users it
    does not see (an index, a CHECK, a view, a routine body)."""
    from lockwise.catalog.operators import named_operators, operator_shown, operator_sql
    from lockwise.effects.dependents import drop_first_sql

    operators = named_operators(b.ctx.catalog, stmt)
    like = operators[0].name if operators else ""
    detail, steps = _operator_users_facts(b.ctx.catalog, operators, like, qualified)
    if not detail:
        return {}
    steps += [drop_first_sql("operator", operator_sql(o)) for o in operators]
    return {"refused_operator_drop": True, "refused_operator_drop_text": "; ".join(detail),
            "refused_operator_drop_sql": "\n".join(steps),
            "operators_text": ", ".join(operator_shown(o) for o in operators)}


def _refused_routine_drop(b: Builder, stmt: dict, name: str, names: list[str]) -> dict:
    """DROP FUNCTION / PROCEDURE / ROUTINE `name` (qualified; written `names`) without
    CASCADE while something depends on it (`routine_users`, what the graph reads too): the
    server refuses it (2BP01 "cannot drop function f(integer) because other objects depend
    on it"), its DETAIL naming each dependent, which the facts repeat (checked on 18.6,
    tests/test_drop_function_refused.py), with the statements that drop each by name first
    (`callers_facts`' order, then the policies), after which the drop runs."""
    from lockwise.catalog.operators import operator_shown, operator_sql
    from lockwise.catalog.overloads import identity
    from lockwise.effects.dependents import (
        ROUTINE_DEPENDENT_KINDS,
        drop_first_sql,
        views_reading_columns,
    )

    catalog = b.ctx.catalog
    obj = next((o for o in stmt.get("objects") or ()
                if drop_object_name(o) == names), None)
    if obj is None:
        return {}
    named = unwrap(obj)[1]
    users = routine_users(catalog, name, obj)
    aggregates = aggregates_running(catalog, name, named)
    if not users and not aggregates:
        return {}
    args = identity(catalog, named, stmt.get("removeType") == "OBJECT_PROCEDURE")
    overloads = catalog.kept_routines.get(name, ())
    routine = next((r for r in overloads if args in (None, r.args)), None)
    # (a procedure is a "function" there too, as a dependent and as what is dropped)
    on = "function " + (routine_shown(routine.name, routine.args) if routine is not None
                        else routine_shown(name, args or ()))

    # (what each depends on: the routine dropped, or one of those calling it)
    shown = {name: on, **{r.name: f"function {routine_shown(r.name, r.args)}"
                          for r in users.routines}}

    def of(uses: Iterable[str]) -> str:
        return next((said for n, said in shown.items() if calls_function(tuple(uses), n)), on)

    def table(t: str) -> str:
        return f"table {server_shown(t)}"
    callers, tables = users.callers, catalog.tables
    # (an object's own name unquoted, a relation's quoted: getObjectDescription's words)
    detail = [
        *(f"operator {operator_shown(o)} depends on {on}" for o in users.operators),
        *(f"default value for column {c} of {table(t)} depends on "
          f"{of(tables[t].columns[c].uses)}" for t, c in callers.defaults),
        *(f"column {c} of {table(t)} depends on {of(tables[t].columns[c].uses)}"
          for t, c in callers.generated),
        # (a view reading such a column, and those over it: dropped first by the steps)
        *(f"{_view_kind(catalog, v)} {server_shown(v)} depends on column {c} of {table(t)}"
          for t, c in callers.generated for v in catalog.views_using_column(t, c)),
        *(f"{_view_kind(catalog, o.name)} {server_shown(o.name)} depends on "
          f"{_view_kind(catalog, v)} {server_shown(v)}"
          for v in views_reading_columns(catalog, callers.generated)
          for o in catalog.views_reading(v)),
        *(f"constraint {n} on {table(t)} depends on {of(tables[t].constraints[n].uses)}"
          for t, n in callers.constraints),
        *(f"index {server_shown(i)} depends on {of(catalog.indexes[i].uses)}"
          for i in callers.indexes),
        *(f"{_view_kind(catalog, v)} {server_shown(v)} depends on {of(tables[v].uses)}"
          for v in users.views),
        *_views_over_lines(catalog, callers.views, users.views),
        *(f"function {routine_shown(r.name, r.args)} depends on {of(r.calls)}"
          for r in users.routines),
        *(f"policy {p} on {table(t.name)} depends on {of(t.policies[p].functions)}"
          for t, p in users.policies),
        *(f"trigger {tr} on {table(t.name)} depends on {of(t.triggers[tr].when_calls)}"
          for t, tr in users.triggers)]
    # (a class whose support function it is, and the indexes using the class: fix-pg110)
    indexes: list[str] = list(callers.indexes)
    classes: list[str] = []
    detail += _classes_depending(catalog, users.classes, on, indexes, classes)
    steps = callers_facts(catalog, replace(callers, indexes=tuple(indexes)), name,
                          len(names) > 1, routines=users.routines,
                          triggers=tuple((t.name, tr) for t, tr in users.triggers)
                          )["callers_dropped_sql"].splitlines()
    steps += [drop_first_sql("policy", relation_sql(t.name, name, len(names) > 1), p)
              for t, p in users.policies]
    # (what uses an operator that runs it goes before the operator: fix-pg89)
    operator_detail, operator_steps = _operator_users_facts(catalog, users.operators, name,
                                                            len(names) > 1)
    detail += operator_detail
    steps += operator_steps
    steps += [drop_first_sql("operator", operator_sql(o)) for o in users.operators]
    steps += [drop_first_sql("operator class", c) for c in classes]
    for aggregate in aggregates:  # (what calls one goes before it: fix-pg96)
        detail_, steps_ = _aggregate_users_facts(catalog, aggregate, name, len(names) > 1)
        detail += [f"function {routine_shown(aggregate.name, aggregate.args)} depends on {on}",
                   *detail_]
        steps += steps_
    # (then the statement itself, without CASCADE: it runs now)
    if routine is not None:
        steps.append(drop_first_sql(ROUTINE_DEPENDENT_KINDS[routine.procedure], (
            f"{relation_sql(name, name, len(names) > 1)}({', '.join(routine.args)})")))
    return {"refused_function_drop": True, "refused_function_drop_text": "; ".join(detail),
            "refused_function_drop_sql": "\n".join(steps)}


#: The kind DROP FUNCTION, PROCEDURE and AGGREGATE look among, by `removeType`.
_DROPPED_KINDS = {"OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure",
                  "OBJECT_AGGREGATE": "aggregate"}


def _kind_refusal(b: Builder, stmt: dict) -> list[dict] | None:
    """Of DROP FUNCTION / PROCEDURE / AGGREGATE `stmt` refused for a routine of another kind,
    each object's refusal facts, in `drop_object_names`' order: the first such routine's
    (`_refused_kind_drop`), {} for every other object, whose dependents the server never
    looks at; None when no object is of another kind. The server looks every object up, in
    the order written, before it looks at what depends on any: the first of another kind is
    the statement's error, whatever the others' dependents (`DROP FUNCTION a(int), b(int)`,
    b a procedure and a default calling a: "b(integer) is not a function"; of two of another
    kind, the first written; checked on 18.6, fix-pg102). A routine surely not there
    (`routine_gone`) written before it is the error instead, without IF EXISTS (42883
    `function nosuch(integer) does not exist`, which the graph's missing-object says): {}
    for every object; with IF EXISTS it is skipped, the kind still refused (checked on 18.6,
    fix-pg105)."""
    objects = [o for o in stmt.get("objects") or () if drop_object_name(o) is not None]
    missing_ok, objtype = stmt.get("missing_ok"), stmt.get("removeType", "")
    for i, obj in enumerate(objects):
        if facts := _refused_kind_drop(b, stmt, obj):
            return [facts if j == i else {} for j in range(len(objects))]
        if not missing_ok and routine_gone(b.ctx.catalog, unwrap(obj)[1], objtype):
            return [{} for _ in objects]
    return None


def _refused_kind_drop(b: Builder, stmt: dict, written: dict) -> dict:
    """DROP FUNCTION / PROCEDURE / AGGREGATE of object `written` (an item of its objects)
    when the routine it finds, surely kept by the catalog, is of another kind: refused with
    42809 whatever IF EXISTS and CASCADE say (checked on 18.6, fix-pg98). DROP AGGREGATE of
    a function or procedure: "function plain(integer) is not an aggregate"; DROP FUNCTION of
    an aggregate: `"total" is an aggregate function` (HINT "Use DROP AGGREGATE to drop
    aggregate functions."), without an argument list too when it is the one routine of its
    name that FUNCTION counts; of a procedure: "pr(integer) is not a function"; DROP
    PROCEDURE of a function or aggregate: "plain(integer) is not a procedure" (without an
    argument list, FUNCTION and PROCEDURE look among their kind only: "could not find a
    function named", not said). The facts say the message and the statement that drops it
    by its kind. A routine the catalog does not keep may have been made outside: not
    said."""
    catalog = b.ctx.catalog
    dropped = _DROPPED_KINDS.get(stmt.get("removeType", ""), "")
    names, obj = drop_object_name(written), unwrap(written)[1]
    if not dropped or not names:
        return {}
    bare = obj.get("args_unspecified")
    name, kept = routine_named(catalog, obj, "OBJECT_ROUTINE")
    aggregate_name, aggregates = routine_named(catalog, obj, "OBJECT_ROUTINE", "aggregates")
    kept = kept if kept and catalog.routine_sure(name) else ()
    aggregates = aggregates if aggregates and aggregate_sure(catalog, aggregate_name) else ()
    procedures = [r for r in kept if r.procedure]
    functions = [r for r in kept if not r.procedure]
    found: Routine | None = None
    if dropped == "aggregate" and not aggregates and kept:
        found, text = kept[0], f"function {signature_shown(names, kept[0].args)} is not an " \
            "aggregate"
    elif dropped == "function" and not functions and aggregates and (
            not bare or len(aggregates) == 1):
        found, text = aggregates[0], f'"{".".join(names)}" is an aggregate function'
    elif dropped == "function" and not bare and not functions and procedures:
        found, text = procedures[0], f"{signature_shown(names, procedures[0].args)} is not " \
            "a function"
    elif dropped == "procedure" and not bare and not procedures and (functions or aggregates):
        found = (functions or aggregates)[0]
        text = f"{signature_shown(names, found.args)} is not a procedure"
    if found is None:
        return {}
    kind = "AGGREGATE" if found in aggregates else "PROCEDURE" if found.procedure else \
        "FUNCTION"
    args = types_shown(found.args, ", ") or ("*" if kind == "AGGREGATE" else "")
    return {"refused_routine_kind_drop": True, "refused_routine_kind_drop_text": text,
            "refused_routine_kind": _KIND_SHOWN[kind],
            "refused_routine_kind_drop_sql": f"DROP {kind} "
            f"{relation_sql(found.name, object_name(names), len(names) > 1)}({args});"}


#: How the message names the kind of routine a refused DROP found.
_KIND_SHOWN = {"AGGREGATE": "an aggregate", "PROCEDURE": "a procedure",
               "FUNCTION": "a plain function"}


def _aggregate_users_facts(catalog: Catalog, aggregate: Routine, written: str,
                           qualified: bool) -> tuple[list[str], list[str]]:
    """What calls `aggregate` (a view, a routine's SQL-standard body, and what calls that:
    the callers `callers_facts` drops, by name), as the DETAIL of a refused DROP names it
    ("view v depends on function total(integer)", "function f2() depends on function
    total(integer)"), and the steps that drop each first, then the aggregate (`written`,
    `qualified`: the name as the user wrote it; checked on 18.6, fix-pg96, fix-pg98)."""
    # (and the routines whose SQL-standard body calls it, the views calling those: fix-pg98)
    routines = tuple(routines_going(catalog, functions={aggregate.name}))
    callers = routine_dependents(catalog, routines, (aggregate.name,))
    shown = {aggregate.name: f"function {routine_shown(aggregate.name, aggregate.args)}",
             **{r.name: f"function {routine_shown(r.name, r.args)}" for r in routines}}

    def of(uses: Iterable[str]) -> str:
        return next((said for n, said in shown.items() if calls_function(tuple(uses), n)), "")
    tables = catalog.tables
    direct = tuple(v for v in callers.views if v in tables and of(tables[v].uses))
    detail = [*(f"{_view_kind(catalog, v)} {server_shown(v)} depends on {of(tables[v].uses)}"
                for v in direct), *_views_over_lines(catalog, callers.views, direct),
              *(f"function {routine_shown(r.name, r.args)} depends on {of(r.calls)}"
                for r in routines if of(r.calls))]
    steps = callers_facts(catalog, callers, aggregate.name, qualified, routines=routines
                          )["callers_dropped_sql"].splitlines()
    args = types_shown(aggregate.args, ", ") or "*"
    return detail, [*steps, f"DROP AGGREGATE {relation_sql(aggregate.name, written, qualified)}"
                            f"({args});"]


def _refused_aggregate_drop(b: Builder, stmt: dict, names: list[str]) -> dict:
    """DROP AGGREGATE (without CASCADE) of an aggregate the catalog surely keeps, the one
    routine of its name, while a view calls it: the server refuses it (2BP01 "cannot drop
    function total(integer) because other objects depend on it"; checked on 18.6,
    fix-pg96), `refused_function_drop` as for DROP FUNCTION, with the steps that drop the
    views first and then the aggregate."""
    from lockwise.catalog.routines import sure_aggregate_named

    obj = next((o for o in stmt.get("objects") or () if drop_object_name(o) == names), None)
    aggregate = sure_aggregate_named(b.ctx.catalog, unwrap(obj)[1]) if obj else None
    if aggregate is None:
        return {}
    detail, steps = _aggregate_users_facts(b.ctx.catalog, aggregate, object_name(names),
                                           len(names) > 1)
    if not detail:
        return {}
    return {"refused_function_drop": True, "refused_function_drop_text": "; ".join(detail),
            "refused_function_drop_sql": "\n".join(steps)}


def _views_over_lines(catalog: Catalog, views: tuple[str, ...], direct: tuple[str, ...]
                      ) -> list[str]:
    """The DETAIL lines of the `views` (those a refused DROP reaches, nearest first) over
    one of them rather than over what is dropped (`direct`): "view w depends on view v"."""
    tables = catalog.tables
    over = [(o, next((s for s in tables[o].sources if s in views), ""))
            for o in views if o not in direct and o in tables]
    return [f"{_view_kind(catalog, o)} {server_shown(o)} depends on "
            f"{_view_kind(catalog, v)} {server_shown(v)}" for o, v in over if v]


def _view_kind(catalog: Catalog, view: str) -> str:
    known = catalog.tables.get(view)
    return "materialized view" if known is not None and known.kind == "matview" else "view"


def _drop_sequence_readers(b: Builder, name: str) -> tuple[
        dict, tuple[tuple[str, str], ...], list[tuple[Table, str]]]:
    """DROP SEQUENCE `name` CASCADE, of what reads or names it (as the replay's
    `_drop_sequence_readers`; checked on 18.6): the views over it go, and the rules and
    policies reading or naming it (`nextval('s')`) or reading one of those views, each under
    ACCESS EXCLUSIVE on its view or table. The facts naming the policies, the rules, and
    the policies (table, name)."""
    catalog = b.ctx.catalog
    views = catalog.views_over(name)
    for view in views:
        b.lock(view, L.ACCESS_EXCLUSIVE)
        b.drops.add(f"view:{view}")
    rules = drop_rules_naming(b, (name, *views))
    going = catalog.policies_on_others([name, *views])
    return drop_policies(b, going), rules, going


def _drop_relation(b: Builder, table: str, kind: str, cascade: bool, written: str,
                   qualified: bool, named: Iterable[str] = (), foreign: bool = False,
                   **facts: object) -> None:
    """DROP TABLE / VIEW `table` (`kind`, named `written`, with its schema if `qualified`;
    `named`: every relation the statement names): its locks and drops, those of its
    partitions and, with CASCADE, of its inheritance children, the views over them and the
    tables with a foreign key to it, and the action (with the policies on others it drops,
    and `facts`). A DROP VIEW ... CASCADE names the views over the view it drops (the
    statement does not name) among what goes with it (checked on 18.6: pg_class)."""
    catalog = b.ctx.catalog
    b.lock(table, L.ACCESS_EXCLUSIVE)
    b.drops.add(f"{kind}:{table}")
    for part in catalog.partitions(table):  # dropped with it
        b.lock(part, L.ACCESS_EXCLUSIVE)
        b.drops.add(f"table:{part}")
    for seq in owned_sequences(b, table):  # its serial, identity and OWNED BY sequences go
        b.lock(seq, L.ACCESS_EXCLUSIVE)
        if cascade:
            drop_defaults_drawing(b, seq, besides=table)
    for child in catalog.inheritance_children(table) if cascade else ():
        b.lock(child, L.ACCESS_EXCLUSIVE)  # (without CASCADE the server refuses)
        b.drops.add(f"table:{child}")
    known = catalog.tables.get(table)
    if known is not None and known.partition_of:
        lock_partition_set(b, known.partition_of)
    if known:
        # Dropping a table drops its FK triggers on the tables it references.
        for con in known.constraints.values():
            # (a partition's clone has none: its parent's key holds them)
            if con.kind == "foreign" and con.references and con.references != table \
                    and not con.clone_of:
                drop_fk_triggers(b, con.references)
    # (the partitions' clones of a key go with it, each locking its table)
    for other, _con in catalog.referencing(table, clones=True):
        if cascade and other != table:
            b.lock(other, L.ACCESS_EXCLUSIVE)
    reach = catalog.cascade_reach(table) if cascade else []
    for view in reach:  # the views over it, its partitions or children: dropped with them
        b.lock(view, L.ACCESS_EXCLUSIVE)
    rules = drop_rules_naming(b, reach)  # (empty without CASCADE, which the server refuses)
    going = catalog.policies_on_others(reach) if cascade else []
    policies = drop_policies(b, going)
    if cascade:  # what names it by a regclass constant goes too, and what is built on it
        gone = {table, *named}
        found = relation_namers(catalog, table)
        # The views over it (or its partitions, children), however deep, the foreign keys of
        # the other tables that point at it, and its inheritance children with their rows
        # (drop cascades to view v / constraint o_t_fkey on table o / table c: checked on
        # 18.6); not its partitions, which go without CASCADE too. Each is locked above.
        found = replace(found, views=tuple(dict.fromkeys(
            [*(v for v in reach if v not in gone and _is_view(catalog, v)), *found.views])))
        keys = tuple(sorted({(other, con.name) for other, con in catalog.referencing(table)
                             if other not in gone and other not in reach}))
        children = tuple((child, table) for child in catalog.direct_inheritance_children(table)
                         if child not in gone)
        routines = drop_routines(b, routines_built_on(catalog, table))
        facts = {**facts, **_drop_callers(b, found, table, qualified, rules, keys, children,
                                          routines, policies=_policy_names(going))}
        # A column of its row type goes with its data, as with DROP TYPE ... CASCADE.
        for other, column in row_type_columns(catalog, table) if kind == "table" else ():
            if other not in gone:
                dropped_column(b, other, column, if_exists=bool(facts.get("if_exists")))
    parent = known.partition_of if known is not None else None
    # A foreign table's rows stay on the remote server (DROP FOREIGN TABLE says so of one
    # the catalog does not know).
    foreign = foreign or (known is not None and known.kind == "foreign")
    b.act("drop_table" if kind == "table" else "drop_view", policies, facts, table=table,
          table_is_foreign=foreign,
          table_name=written, table_sql=table if qualified else written, cascade=cascade,
          qualified=qualified, table_is_new=b.ctx.table_is_new(table),
          table_known=catalog.defined_here(table) is not None,
          partition_of=parent or "", is_partition=bool(parent),
          # (the advice's statements: read by rules only, `Context.rule_text`)
          drop_partition_sql=_drop_partition_sql(b, table, parent, qualified)
          if parent and b.ctx.rule_text and b.ctx.advice_facts else "",
          **(_deprecated_names(b, table, qualified)
             if b.ctx.rule_text and b.ctx.advice_facts else {}))


def _deprecated_names(b: Builder, table: str, qualified: bool) -> dict[str, str]:
    """The name a table kept rather than dropped takes (`deprecated_name`), and the renames
    that free the names of its indexes (a key's with its constraint) and sequences
    (`deprecated_names_sql`): every relation of the schema shares one namespace, so a table
    created again under the old name could not take them (checked on the server)."""
    taken: set[str] = set()
    renamed = _deprecated_name(b.ctx.catalog, table, taken)
    steps = []
    for kind, name in [("INDEX", i.name) for i in b.ctx.catalog.indexes_on(table)] + [
            ("SEQUENCE", seq) for seq in owned_sequences(b, table) if seq]:
        new = _deprecated_name(b.ctx.catalog, name, taken)
        steps.append(f"ALTER {kind} {relation_sql(name, table, qualified)} RENAME TO "
                     f"{quote_ident(new)};")
    return {"deprecated_name": renamed, "deprecated_names_sql": "\n".join(steps)}


def _deprecated_name(catalog: Catalog, name: str, taken: set[str]) -> str:
    """`<name>_deprecated` for relation `name` (qualified), made as PostgreSQL makes the
    names it chooses (makeObjectName, ChooseRelationName): the name shortened so that the
    suffix fits in 63 bytes, and numbered while a relation or type of the schema (or a name
    of `taken`, which gets it) has it. Left for the server to cut, a long name would lose
    the suffix, and one of 63 bytes would be renamed to itself, which fails."""
    schema, bare = name.split(".", 1)

    def taken_by(new: str) -> bool:
        qualified = f"{schema}.{new}"
        return new in taken or bool(catalog.relation_named(qualified)) or \
            bool(catalog.type_named(qualified))

    new = free_generated_name(bare, "deprecated", taken_by)
    taken.add(new)
    return new


def _is_view(catalog: Catalog, relation: str) -> bool:
    """Whether `relation` is a view or materialized view the catalog knows."""
    known = catalog.tables.get(relation)
    return known is not None and known.kind in ("view", "matview")


def _drop_callers(b: Builder, found: Callers, like: str, qualified: bool,
                  rules: tuple[tuple[str, str], ...] = (),
                  keys: tuple[tuple[str, str], ...] = (),
                  children: tuple[tuple[str, str], ...] = (),
                  routines: tuple[Routine, ...] = (),
                  triggers: tuple[tuple[str, str], ...] = (),
                  policies: tuple[tuple[str, str], ...] = ()) -> dict:
    """What uses a relation, function, sequence, type or schema a DROP ... CASCADE drops (`found`,
    `Catalog.callers`): each goes under ACCESS EXCLUSIVE on its table (the views on
    themselves); a generated column is dropped with its data, as DROP COLUMN (checked on the
    server). The facts that name them (`callers_facts`), with the foreign keys of others
    (`keys`) and the inheritance children (`children`) of a table it drops, locked by the
    caller, and the routines built on it (`routines`), which lock nothing."""
    rules = (*rules, *drop_callers(b, found, rules))
    return callers_facts(b.ctx.catalog, found, like, qualified, rules, keys, children,
                         routines, triggers, policies)


def _policy_names(found: Iterable[tuple[Table, str]]) -> tuple[tuple[str, str], ...]:
    """(table, policy) of each of `found` (`Catalog.policies_on_others`), for
    `callers_facts`: the policies a DROP ... CASCADE names among what it takes along."""
    return tuple((table.name, name) for table, name in found)


def _drop_keys_crossing(b: Builder, table: str, schema: str) -> None:
    """`table`, dropped with its schema: the foreign keys between it and tables outside
    the schema go too, the action triggers of its keys on the tables it references and the
    keys of the tables referencing it, each under ACCESS EXCLUSIVE (checked on the server)."""
    catalog = b.ctx.catalog
    known = catalog.tables.get(table)
    for con in known.constraints.values() if known is not None else ():
        if con.kind == "foreign" and con.references and not con.clone_of and \
                not con.references.startswith(schema + "."):
            drop_fk_triggers(b, con.references)
    for other, _con in catalog.referencing(table):
        if not other.startswith(schema + "."):
            b.lock(other, L.ACCESS_EXCLUSIVE)


def _drop_type(b: Builder, stmt: dict, name: str, cascade: bool, qualified: bool) -> dict:
    """DROP TYPE / DOMAIN `name` (qualified): the facts naming what the catalog knows to
    depend on it, the domains over it, the columns of it or of them (and of arrays of
    them), and what casts to one of them (`type_callers`). PostgreSQL refuses the statement
    while there is any (checked on the server); CASCADE drops them all, and the generated
    columns reading such a column, each column under ACCESS EXCLUSIVE on its table as DROP
    COLUMN; what casts goes as `_drop_callers` says. A table of the (composite) type goes
    too, as DROP TABLE ... CASCADE (checked on the server). `stmt`: the DROP."""
    catalog = b.ctx.catalog
    domains = catalog.with_subdomains(name, arrays=True)[1:]
    columns = [pair for d in (name, *domains) for pair in catalog.columns_of_type(d)]
    dropped = catalog.columns_dropped_with_type(name)
    found = type_callers(catalog, name, stmt)
    # A default or generated column of a column dropped anyway is not told apart.
    found = replace(found, defaults=tuple(p for p in found.defaults if p not in dropped),
                    generated=tuple(p for p in found.generated if p not in dropped))
    callers: dict = {}
    typed = catalog.typed_tables(name)
    # The routines an argument or result of which is of it (fix-pg89)
    routines = tuple(routines_of_type(catalog, name))
    if cascade:
        for table in typed:  # a typed table goes with its type, as DROP TABLE ... CASCADE
            _drop_relation(b, table, "table", True, table.split(".", 1)[1], True,
                           if_exists=bool(stmt.get("missing_ok")))
        for table, column in dropped:
            dropped_column(b, table, column, if_exists=bool(stmt.get("missing_ok")))
        callers = _drop_callers(b, found, name, qualified,
                                routines=drop_routines(b, routines))
        b.drops.update(f"type:{d}" for d in domains)
    named = (callers or callers_facts(catalog, found, name, qualified, routines=routines)
             )["callers_dropped"]
    # (a range's multirange is part of it: the server names the range alone)
    multiranges = set(catalog.multiranges.values())
    dependents = tuple([f"domain {d}" if d in catalog.domains else f"type {d}"
                        for d in domains if d not in multiranges]
                       + [f"typed table {t}" for t in typed]
                       + [f"column {t}.{c}" for t, c in sorted(set(columns))] + list(named))
    return {**callers, "dependents": dependents, "dependents_text": ", ".join(dependents)}


def _drop_partition_sql(b: Builder, table: str, parent: str, qualified: bool) -> str:
    """How to drop partition `table` without holding `parent` ACCESS EXCLUSIVE: detach it
    CONCURRENTLY first (PostgreSQL 14+, and only without a DEFAULT partition), then drop what
    is by then an ordinary table."""
    table_sql = relation_sql(table, table, qualified)
    parent_sql = relation_sql(parent, table, qualified)
    if b.ctx.pg_version >= 14 and b.ctx.catalog.default_partition_of(parent) is None:
        return (f"ALTER TABLE {parent_sql} DETACH PARTITION {table_sql} CONCURRENTLY;"
                f"{OWN_MIGRATION}\n{NEXT_MIGRATION}\n"
                f"DROP TABLE {table_sql};  -- no lock on {parent_sql} any more")
    why = ("before PostgreSQL 14 DETACH PARTITION has no CONCURRENTLY form"
           if b.ctx.pg_version < 14 else
           f"DETACH PARTITION ... CONCURRENTLY is refused while {parent_sql} has a DEFAULT "
           "partition")
    return (f"-- {why}: keep the lock wait short instead\n"
            f"SET LOCAL lock_timeout = '5s';\nDROP TABLE {table_sql};")


def drop_database(b: Builder, stmt: dict) -> None:
    b.transactional = False
    b.drops.add(f"database:{stmt.get('dbname')}")
    b.act("drop_database", name=stmt.get("dbname", ""), if_exists=bool(stmt.get("missing_ok")))


def drop_owned(b: Builder, stmt: dict) -> None:
    """DROP OWNED BY: drops every object the roles own in this database (ACCESS EXCLUSIVE on
    each relation, held to the end of the transaction) and revokes their privileges (no
    lock on the objects); transactional (checked on the server). The relations the
    migrations gave the roles (OWNER TO) are locked and dropped; the others they own the
    migrations do not say: the action's facts say so."""
    roles = stmt.get("roles") or ()
    names = [role_name(r) for r in roles]
    facts = owned_by_facts(b, roles)
    for relation in facts["owned_relations"]:  # each dropped, ACCESS EXCLUSIVE
        b.drops.add(f"table:{relation}")
    b.act("drop_owned", **facts,
          cascade=stmt.get("behavior") == "DROP_CASCADE",
          # Handed over by a REASSIGN OWNED since: DROP OWNED only revokes privileges.
          roles_reassigned=all(n and n in b.ctx.catalog.handed_over_roles for n in names))


def owned_by_facts(b: Builder, roles: Iterable[object]) -> dict:
    """The facts of the roles an OWNED BY names (RoleSpecs): as SQL, whether the
    migration's own role is among them (CURRENT_USER, SESSION_USER, CURRENT_ROLE), and the
    relations the migrations gave them (`Catalog.owned_by`), each locked ACCESS EXCLUSIVE
    (DROP OWNED drops them, REASSIGN OWNED changes their owner: checked on 18.6)."""
    roles = list(roles)
    sql = tuple(role_sql(r) for r in roles)
    owned = tuple(b.ctx.catalog.owned_by({n for r in roles if (n := role_name(r))}))
    for relation in owned:
        b.lock(relation, L.ACCESS_EXCLUSIVE)
    return {"roles": sql, "roles_sql": ", ".join(sql),
            "current_user": any(role_name(r) is None for r in roles),
            "owned_relations": owned,
            "owned_relations_text": " (among them " + ", ".join(map(quote_qualified, owned))
            + ", which the migrations gave it)"
            if owned else ""}


def truncate(b: Builder, stmt: dict) -> None:
    cascade = stmt.get("behavior") == "DROP_CASCADE"
    # Each table is an action of its own; the statement's text names them all.
    written = ", ".join(relation_sql(t, t, q)
                        for t, q in map(range_var, stmt.get("relations") or ()))
    for rel in stmt.get("relations") or ():
        table, qualified = range_var(rel)
        # Inheritance children too unless ONLY (TRUNCATE ONLY of a partitioned table fails).
        children = b.ctx.catalog.inheritance_children(table) if unwrap(rel)[1].get("inh") else []
        emptied = [table, *b.ctx.catalog.partitions(table), *children]
        for part in emptied:
            b.lock(part, L.ACCESS_EXCLUSIVE)
            b.rewrites.add(part)  # TRUNCATE gives each table a new, empty relfilenode
            for seq in owned_sequences(b, part) if stmt.get("restart_seqs") else ():
                b.lock(seq, L.ACCESS_EXCLUSIVE)  # reset (checked on the server)
        b.writes.add(f"table:{table}")
        reached = _referencing_closure(b.ctx.catalog, emptied) if cascade else []
        for other in reached:
            b.lock(other, L.ACCESS_EXCLUSIVE)
            b.rewrites.add(other)
            b.writes.add(f"table:{other}")
        referenced_by = tuple(_referencing(b.ctx.catalog, emptied))
        # Without CASCADE, TRUNCATE refuses a referenced table unless those referencing it
        # are emptied by the same statement: named, each is there for the user to see (a
        # partition comes with its partitioned table).
        named = [table, *(t for t in reached if b.ctx.catalog.tables.get(t) is None
                          or b.ctx.catalog.tables[t].partition_of not in reached)]
        b.act("truncate", table_facts(b, table, qualified), **row_key_facts(b, table),
              **(refused_if_partitioned(b, table, "truncate_only")
                 if not unwrap(rel)[1].get("inh") else {}),
              cascade=cascade, tables_text=written,
              truncated_tables_sql=", ".join(relation_sql(t, table, qualified) for t in named),
              referenced_by=referenced_by,
              referenced_by_text=", ".join(map(quote_qualified, referenced_by))
              or "none known to these migrations")


def _referencing(catalog: Catalog, tables: list[str]) -> list[str]:
    """The tables outside `tables` with a foreign key to one of them, or to a partitioned table
    above one: PostgreSQL gives a key to a partitioned table a copy for each of its partitions
    (so TRUNCATE of a partition alone reaches the tables that reference its parent). A
    partition of such a table is left out: it holds a clone of its parent's key."""
    targets = {t.name for table in tables for t in partition_lineage(catalog, table)}
    found = {other for target in targets for other, _ in catalog.referencing(target)}
    found -= set(tables)
    return sorted(t for t in found if not found & {a.name for a in
                                                    partition_lineage(catalog, t)[1:]})


def _referencing_closure(catalog: Catalog, tables: list[str]) -> list[str]:
    """The tables TRUNCATE ... CASCADE empties besides `tables`: those referencing one of them
    with their partitions (each holds a clone of the key), then those referencing these, and
    so on. Inheritance children of a referencing table are not reached: they do not inherit
    foreign keys (all checked on the server)."""
    emptied = dict.fromkeys(tables)
    todo = list(tables)
    while todo:
        for other in _referencing(catalog, [todo.pop()]):
            for rel in (other, *catalog.partitions(other)):
                if rel not in emptied:
                    emptied[rel] = None
                    todo.append(rel)
    return list(emptied)[len(tables):]
