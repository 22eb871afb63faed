"""The operators the migrations made (CREATE OPERATOR), as the replay keeps them, and which one
an operator expression surely runs.

An operator is its name, its operand types and the function it runs: a VIRTUAL generated
column may not use one (its function is user-defined, 0A000), an index or a generated
column may not use one whose function is not immutable (42P17), and DROP FUNCTION of its
function without CASCADE is refused (2BP01). Checked on 18.6, fix-pg88."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from lockwise.catalog.model import type_key
from lockwise.effects.nodes import format_type, object_name, strings, unwrap

if TYPE_CHECKING:
    from collections.abc import Callable, Container, Iterable

    from lockwise.catalog.model import Catalog
    from lockwise.catalog.overloads import Routine
    from lockwise.catalog.query_columns import FromScope


class Operator(NamedTuple):
    """One operator the migrations made."""

    name: str  # qualified: `public.===`
    left: str  # its left operand's type as `overloads.arg_type` spells it; "" for a prefix one
    right: str
    #: The function it runs (qualified), as CREATE OPERATOR found it: an overload of it
    #: taking the operand types (`operator_routine`).
    function: str

    @property
    def args(self) -> tuple[str, ...]:
        return (self.left, self.right) if self.left else (self.right,)


def _same_type(a: str, b: str) -> bool:
    """Whether type names `a` and `b` (as `arg_type` or `value_type` spell them) are one."""
    return type_key(a.removeprefix("pg_catalog.")) == type_key(b.removeprefix("pg_catalog."))


def _search_schemas() -> tuple[str, ...]:
    from lockwise.catalog.search_path import lookup_schemas

    return lookup_schemas() or ("public",)


def _places(names: list[str]) -> list[str]:
    """The qualified names `names` (the parts written) may stand for: itself when
    qualified, else the name in each schema of the search_path, in order."""
    return [object_name(names)] if len(names) > 1 else \
        [f"{s}.{names[-1]}" for s in _search_schemas()]


def keep_operator(catalog: Catalog, stmt: dict) -> None:
    """CREATE OPERATOR `stmt` (a DefineStmt of kind OBJECT_OPERATOR): kept beside the others
    of its name, with the function it runs (FUNCTION or PROCEDURE, found as a call of it with
    the operand types would be: a bare name along the search_path)."""
    from lockwise.catalog.overloads import arg_type

    names = strings(stmt.get("defnames"))
    if not names:
        return
    given: dict[str, dict] = {}
    for item in stmt.get("definition") or ():
        elem = unwrap(item)[1]
        given[elem.get("defname", "").lower()] = unwrap(elem.get("arg"))[1] \
            if isinstance(elem.get("arg"), dict) else {}
    function = given.get("function") or given.get("procedure")
    if not function or "rightarg" not in given:
        return
    left = arg_type(catalog, given["leftarg"]) if "leftarg" in given else ""
    operator = Operator(object_name(names, create=True), left,
                        arg_type(catalog, given["rightarg"]), "")
    fn = strings(function.get("names"))
    found = next((p for p in _places(fn) if any(_takes(r, operator.args)
                                          for r in catalog.kept_routines.get(p, ()))), "")
    catalog.operators = {**catalog.operators, operator.name: (
        *(o for o in catalog.operators.get(operator.name, ()) if o.args != operator.args),
        operator._replace(function=found))}


def _takes(routine: Routine, args: tuple[str, ...]) -> bool:
    return _same_types(routine.args, args)


def _same_types(one: tuple[str, ...], other: tuple[str, ...]) -> bool:
    return len(one) == len(other) and all(
        _same_type(a, b) for a, b in zip(one, other, strict=True))


def _named(catalog: Catalog, obj: dict) -> tuple[str, tuple[str, ...]] | None:
    """The operator (its key in `Catalog.operators`, its operand types) ObjectWithArgs
    `obj` names in a DROP or ALTER OPERATOR; None when the catalog keeps no such one."""
    from lockwise.catalog.overloads import arg_type

    names = strings(obj.get("objname"))
    if not names:
        return None
    args = tuple(arg_type(catalog, unwrap(a)[1]) if unwrap(a)[1] else ""
                 for a in obj.get("objargs") or ())
    args = args[1:] if args[:1] == ("",) else args
    return next(((p, o.args) for p in _places(names) for o in catalog.operators.get(p, ())
                 if len(o.args) == len(args) and all(
                     _same_type(a, b) for a, b in zip(o.args, args, strict=True))), None)


def forget_operators(catalog: Catalog, stmt: dict) -> None:
    """DROP OPERATOR `stmt`: each operator it names goes."""
    for obj in stmt.get("objects") or ():
        found = _named(catalog, unwrap(obj)[1])
        if found is not None:
            _forget(catalog, *found)


def _forget(catalog: Catalog, name: str, args: tuple[str, ...]) -> None:
    left = tuple(o for o in catalog.operators.get(name, ()) if o.args != args)
    catalog.operators = {k: v for k, v in catalog.operators.items() if k != name}
    if left:
        catalog.operators[name] = left
    if any((name, args) in members for members in catalog.operator_classes.values()):
        # (its classes go with it: CASCADE, or a DROP the server refused, not replayed)
        catalog.operator_classes = {k: v for k, v in catalog.operator_classes.items()
                                    if (name, args) not in v}


def keep_operator_class(catalog: Catalog, stmt: dict) -> None:
    """CREATE OPERATOR CLASS `stmt`: kept, with the operators of the migrations among its
    members (`OPERATOR 1 ===` takes the class's type for both operands, as the server
    does). The class depends on each: DROP OPERATOR without CASCADE is refused (2BP01,
    "operator class oc for access method hash depends on operator ===(integer,integer)"),
    whatever family it is in; an operator added by ALTER OPERATOR FAMILY ... ADD is no
    obstacle (checked on 18.6, fix-pg95). A class of built-in operators only is kept too
    (an index using it stands in the way of its DROP), with its family: FAMILY f, found
    along the search_path when bare, else the family of the class's name in the class's
    schema, made with it when missing (checked on 18.6, fix-pg101)."""
    names = strings(stmt.get("opclassname"))
    if not names:
        return
    members = []
    for item in stmt.get("items") or ():
        elem = unwrap(item)[1]
        if elem.get("itemtype") != 1:  # (OPCLASS_ITEM_OPERATOR)
            continue
        obj = dict(elem.get("name") or {})
        if not obj.get("objargs") and stmt.get("datatype"):
            obj["objargs"] = [{"TypeName": stmt["datatype"]}] * 2
        if (found := _named(catalog, obj)) is not None:
            members.append(found)
    key = (object_name(names, create=True), str(stmt.get("amname") or ""))
    if key in catalog.operator_classes or member_taken(catalog, stmt) \
            or default_taken(catalog, stmt):  # (refused: 42710, `class_taken`; 23505;
        return  # 42710)
    catalog.operator_classes = {**catalog.operator_classes, key: tuple(members)}
    types = {k: v for k, v in catalog.operator_class_types.items() if k != key}
    tname, _, array = catalog.column_type(stmt.get("datatype"))
    # (a class for a domain is never a column's default: the server looks for its base
    # type's)
    if stmt.get("isDefault") and tname and not array and type_key(tname) not in catalog.domains:
        types[key] = tname
    catalog.operator_class_types = types
    catalog.operator_class_members = {
        **{k: m for k, m in catalog.operator_class_members.items() if k != key},
        key: _required_members(catalog, stmt, arg_type_of(catalog, stmt.get("datatype")))}
    if stmt.get("opfamilyname"):
        family = family_named(catalog, [key[1], *strings(stmt["opfamilyname"])])
    else:
        family = key
        if key not in catalog.operator_families:
            _family_made(catalog, key, False)
        catalog.operator_families = catalog.operator_families | {key}
    if family:
        _members_back(catalog, family)
        # (its members are more than the ADDs put there)
        catalog.operator_families_listed = catalog.operator_families_listed - {family}
    # (in the order made, which `family_classes` reads)
    catalog.operator_class_families = {
        **{k: f for k, f in catalog.operator_class_families.items() if k != key},
        key: family[0] if family else ""}


def arg_type_of(catalog: Catalog, tn: dict | None) -> str:
    """TypeName `tn` as `overloads.arg_type` spells it ("" for none)."""
    from lockwise.catalog.overloads import arg_type

    return arg_type(catalog, tn) if tn else ""


def _required_members(catalog: Catalog, stmt: dict, datatype: str
                      ) -> tuple[tuple[int, int, str, str], ...]:
    """The members CREATE OPERATOR CLASS `stmt` of type `datatype` binds to the class
    (`Catalog.operator_class_members`): of btree or hash, an operator both of whose operand
    types are `datatype` (`OPERATOR 1 <` takes it for both), and support function 1 taking
    `datatype` only (`hashint4(int)`, `btint4cmp(int, int)`); checked on 18.6, fix-pg104.
    Each is kept with its name as the server's messages show it, apart from the type, which
    follows a rename of it (`member_shown`); a support function the migrations made by its
    qualified name, which follows a rename or move of it (`follow_routine_move`)."""
    if stmt.get("amname") not in ("btree", "hash") or not datatype:
        return ()
    found = []
    for item in stmt.get("items") or ():
        elem = unwrap(item)[1]
        obj = elem.get("name") or {}
        names = strings(obj.get("objname"))
        args = tuple(arg_type_of(catalog, unwrap(a)[1]) for a in obj.get("objargs") or ())
        if not names or not all(_same_type(a, datatype) for a in args):
            continue
        if elem.get("itemtype") == 1:
            shown = _member_operator_name(catalog, names, datatype)
        elif elem.get("itemtype") == 2 and elem.get("number") == 1 and args:
            shown = _member_function(catalog, names, args)
        else:
            continue
        found.append((elem["itemtype"], int(elem.get("number") or 0), datatype, shown))
    return tuple(found)


def _member_operator_name(catalog: Catalog, names: list[str], datatype: str) -> str:
    """A class's operator member's name as the server's messages show it: one the
    migrations made `===` in public, `app.===` elsewhere, a built-in one `<`."""
    made = next((o for p in _places(names) for o in catalog.operators.get(p, ())
                 if o.left and _same_type(o.left, datatype) and _same_type(o.right, datatype)),
                None)
    return operator_shown(made).split("(", 1)[0] if made is not None else names[-1]


def _member_function(catalog: Catalog, names: list[str], args: tuple[str, ...]) -> str:
    """A class's support function: one the migrations made by its qualified name
    (`public.bh`), a built-in one by its bare name (`hashint4`)."""
    return next((p for p in _places(names) if any(
        _takes(r, args) for r in catalog.kept_routines.get(p, ()))), names[-1])


def _member_args(method: str, kind: int, datatype: str) -> tuple[str, ...]:
    """The operand types of a required member (`Catalog.operator_class_members`) of a class
    of access method `method`: a hash support function takes one value, a btree one two."""
    return (datatype,) * (1 if kind == 2 and method == "hash" else 2)


def member_shown(method: str, kind: int, datatype: str, name: str) -> str:
    """A required member of a class of access method `method` (`Catalog.
    operator_class_members`: `kind` 1 for an operator, 2 for support function 1; of type
    `datatype`, named `name`) as the server's messages name it: `<(integer,integer)`,
    `===(feel,feel)` after ALTER TYPE mood RENAME TO feel, `hashint4(integer)`, `bx(integer)`
    after ALTER FUNCTION bh RENAME TO bx, `app.bh(integer)` (`routine_shown`)."""
    from lockwise.effects.postgres.builder import routine_shown, types_shown

    args = _member_args(method, kind, datatype)
    return routine_shown(name, args) if kind == 2 and "." in name else \
        f"{name}({types_shown(args, ',')})"


def required_member(catalog: Catalog, family: tuple[str, str], item: dict
                    ) -> tuple[tuple[str, str], str, str] | None:
    """The kept class of `family` (qualified name, access method) that requires the member
    CreateOpClassItem `item` of ALTER OPERATOR FAMILY ... DROP names (`OPERATOR 1 (int,
    int)`; one type stands for both), its member as the server names it (`<(integer,
    integer)`), and the member's types as the message names them (`integer, integer`);
    None when no kept class requires it (`Catalog.operator_class_members`)."""
    from lockwise.effects.postgres.builder import types_shown

    types = tuple(arg_type_of(catalog, unwrap(a)[1]) for a in item.get("class_args") or ())
    if not types:
        return None
    for key in family_classes(catalog, family):
        for kind, number, datatype, name in catalog.operator_class_members.get(key, ()):
            if kind == item.get("itemtype") and number == item.get("number") and all(
                    _same_type(t, datatype) for t in types):
                return key, member_shown(key[1], kind, datatype, name), \
                    types_shown((datatype, datatype), ", ")
    return None


def gone_member(catalog: Catalog, family: tuple[str, str], item: dict) -> str:
    """The member CreateOpClassItem `item` of ALTER OPERATOR FAMILY ... DROP names (`OPERATOR
    1 (int, int)`; one type stands for both) as the server's error names it when it went
    with its class from kept `family` (`Catalog.operator_members_gone`): `operator
    1(integer,integer)`, whose DROP fails with 42704 "operator 1(integer,integer) does not
    exist in operator family "f"" (checked on 18.6, fix-pg108); "" when it may be there."""
    types = tuple(arg_type_of(catalog, unwrap(a)[1]) for a in item.get("class_args") or ())
    gone = next((m for m in catalog.operator_members_gone if m[:4] == (
        *family, item.get("itemtype"), item.get("number"))
        and types and all(_same_type(t, m[4]) for t in types)), None)
    return "" if gone is None else member_text((*gone[2:], gone[4]))


def _members_back(catalog: Catalog, family: tuple[str, str],
                  added: list[tuple[int, int, str, str]] | None = None) -> None:
    """Family `family` (qualified name, access method) made, renamed or added to: the members
    gone from it (`Catalog.operator_members_gone`) may be back; of an ALTER OPERATOR FAMILY
    ... ADD whose members are all read (`added`, `item_member`'s), only those: another stays
    gone, its DROP still fails (42704; checked on 18.6, fix-pg114)."""
    def back(m: tuple[str, str, int, int, str]) -> bool:
        return m[:2] == family and (added is None or any(
            a[:2] == m[2:4] and _same_type(a[2], m[4]) and _same_type(a[3], m[4])
            for a in added))

    if any(back(m) for m in catalog.operator_members_gone):
        catalog.operator_members_gone = frozenset(
            m for m in catalog.operator_members_gone if not back(m))


def item_member(catalog: Catalog, method: str, item: dict) -> tuple[int, int, str, str] | None:
    """The member CreateOpClassItem `item` of ALTER OPERATOR FAMILY ... ADD / DROP of a family
    of access method `method` names, as (1 for an operator or 2 for a function, its number, its
    left and right types): the types in parentheses (one stands for both), else an operator's
    operand types, or a btree or hash support function 1's argument types (one stands for
    both: `FUNCTION 1 hashint4(int)` is "function 1(integer,integer)"; checked on 18.6,
    fix-pg113); None for one not understood."""
    kind, number = item.get("itemtype"), item.get("number")
    if kind not in (1, 2) or not number:
        return None
    types = [arg_type_of(catalog, unwrap(a)[1]) for a in item.get("class_args") or ()]
    if not types and (kind == 1 or method in ("btree", "hash") and number == 1):
        types = [arg_type_of(catalog, unwrap(a)[1]) if a else ""
                 for a in (item.get("name") or {}).get("objargs") or ()]
    if len(types) == 1:
        types *= 2
    if len(types) != 2 or not all(types):
        return None
    return kind, int(number), types[0], types[1]


def member_text(member: tuple[int, int, str, str]) -> str:
    """A member (`item_member`) as the server's messages name it: `operator
    1(integer,integer)`."""
    from lockwise.effects.postgres.builder import types_shown

    what = "operator" if member[0] == 1 else "function"
    return f"{what} {member[1]}({types_shown(member[2:], ',')})"


def _added(catalog: Catalog, family: tuple[str, str], member: tuple[int, int, str, str]
           ) -> tuple[str, str, int, int, str, str] | None:
    """The entry of `Catalog.operator_members_added` that is `member` of kept `family`."""
    return next((m for m in catalog.operator_members_added if m[:4] == (*family, *member[:2])
                 and _same_type(m[4], member[2]) and _same_type(m[5], member[3])), None)


def member_held(catalog: Catalog, family: tuple[str, str],
                member: tuple[int, int, str, str]) -> bool:
    """Whether kept `family` holds `member` (`item_member`) for sure: an ALTER OPERATOR FAMILY
    ... ADD put it there (`Catalog.operator_members_added`), or a kept class of the family
    requires it (`Catalog.operator_class_members`). An ADD of it fails (42710 "operator
    1(integer,integer) already exists in operator family "f""; checked on 18.6, fix-pg113)."""
    return _added(catalog, family, member) is not None or _same_type(member[2], member[3]) and \
        any(h[:2] == member[:2] and _same_type(h[2], member[2])
            for k in family_classes(catalog, family)
            for h in catalog.operator_class_members.get(k, ()))


def absent_member(catalog: Catalog, family: tuple[str, str], item: dict) -> str:
    """The member CreateOpClassItem `item` of ALTER OPERATOR FAMILY ... DROP names, as the
    server's error names it (`member_text`), when kept `family` lists its members
    (`Catalog.operator_families_listed`) and it is none of them: the DROP fails (42704
    "operator 1(integer,integer) does not exist in operator family "f""; checked on 18.6,
    fix-pg113); "" when it may be there."""
    if family not in catalog.operator_families_listed:
        return ""
    member = item_member(catalog, family[1], item)
    return member_text(member) if member is not None and \
        _added(catalog, family, member) is None else ""


def family_altered(catalog: Catalog, stmt: dict) -> None:
    """ALTER OPERATOR FAMILY `stmt` of a kept family: an ADD puts its members in it
    (`Catalog.operator_members_added`) and brings back those gone from it (`_members_back`);
    a DROP takes them out. A statement the server refuses changes nothing: an ADD of a member held
    (`member_held`) or written twice (42P17), a DROP of one absent (`absent_member`) or a
    kept class requires (2BP01, `required_member`)."""
    family = family_named(
        catalog, [str(stmt.get("amname") or ""), *strings(stmt.get("opfamilyname"))])
    if family is None:
        return
    items = [unwrap(item)[1] for item in stmt.get("items") or ()]
    members = [item_member(catalog, family[1], item) for item in items]
    known = [m for m in members if m is not None]
    if stmt.get("isDrop"):
        if any(absent_member(catalog, family, item) or required_member(catalog, family, item)
               for item in items):
            return
        gone = {found for m in known if (found := _added(catalog, family, m)) is not None}
        if gone:
            catalog.operator_members_added = catalog.operator_members_added - gone
        return
    if len(set(known)) < len(known) or any(member_held(catalog, family, m) for m in known):
        return
    # (an item not read may be any member: all may be back)
    _members_back(catalog, family, None if None in members else known)
    if known:
        catalog.operator_members_added = catalog.operator_members_added | {
            (*family, *m) for m in known}
    if None in members:  # (a member not understood: the family's members are not all known)
        catalog.operator_families_listed = catalog.operator_families_listed - {family}


def _family_made(catalog: Catalog, family: tuple[str, str], listed: bool) -> None:
    """Family `family` made anew: it holds none of the members added to one of its name
    before (`Catalog.operator_members_added`), and lists its members (`listed`: made by
    CREATE OPERATOR FAMILY) or not (made with a class)."""
    if any(m[:2] == family for m in catalog.operator_members_added):
        catalog.operator_members_added = frozenset(
            m for m in catalog.operator_members_added if m[:2] != family)
    catalog.operator_families_listed = catalog.operator_families_listed | {family} if listed \
        else catalog.operator_families_listed - {family}


def keep_operator_family(catalog: Catalog, stmt: dict) -> None:
    """CREATE OPERATOR FAMILY `stmt`: kept (`Catalog.operator_families`)."""
    names = strings(stmt.get("opfamilyname"))
    if names:
        key = (object_name(names, create=True), str(stmt.get("amname") or ""))
        if key not in catalog.operator_families:  # (else refused: 42710)
            _family_made(catalog, key, True)
        catalog.operator_families = catalog.operator_families | {key}
        _members_back(catalog, key)


def _kept_named(items: list[str], kept: Container[tuple[str, str]]
                ) -> tuple[str, str] | None:
    """The key among `kept` (qualified name, access method) that `items` names (the access
    method, then the name parts; a bare name along the search_path); None for no such one."""
    method, names = (items[0], items[1:]) if items else ("", [])
    if not names:
        return None
    return next(((p, method) for p in _places(names) if (p, method) in kept), None)


def class_named(catalog: Catalog, items: list[str]) -> tuple[str, str] | None:
    """The kept operator class an object of DROP / ALTER OPERATOR CLASS names (`items`: the
    access method, then its name parts); None when the catalog keeps no such one."""
    return _kept_named(items, catalog.operator_classes)


def family_named(catalog: Catalog, items: list[str]) -> tuple[str, str] | None:
    """The kept operator family (`Catalog.operator_families`) a DROP / ALTER OPERATOR
    FAMILY object or a class's FAMILY names (`items` as `class_named`'s); None when the
    catalog keeps no such one."""
    return _kept_named(items, catalog.operator_families)


def operator_object_key(catalog: Catalog, kind: str, items: list[str],
                        create: bool = False) -> str:
    """The object key of the operator class or family (`kind`: "class", "family") that
    `items` name (the access method, then the name parts), as the conflict graph follows
    it and shows it: `btree operator family:public.f`. The kept one `items` name (a bare
    name along the search_path: `class_named`, `family_named`) when there is one, else the
    name in the default schema (`create`: the one a CREATE makes it in); "" for no name."""
    if not items[1:]:
        return ""
    kept = None if create else _kept_named(
        items, catalog.operator_classes if kind == "class" else catalog.operator_families)
    return f"{items[0]} operator {kind}:{kept[0] if kept else object_name(items[1:], create)}"


def family_taken(catalog: Catalog, name: str, method: str) -> str:
    """The kept operator family of qualified `name` and access method `method`, as messages
    name it ("operator family public.f for access method btree"); "" when the catalog keeps
    none (the name is taken per schema and access method: checked on 18.6, fix-pg104)."""
    return _taken("family", catalog.operator_families, name, method)


def class_taken(catalog: Catalog, name: str, method: str) -> str:
    """The kept operator class of qualified `name` and access method `method`, as messages
    name it ("operator class public.oc for access method hash"), as `family_taken`: CREATE
    OPERATOR CLASS of it fails (42710 "operator class "oc" for access method "hash" already
    exists"; FAMILY changes nothing; checked on 18.6, fix-pg108)."""
    return _taken("class", catalog.operator_classes, name, method)


def default_taken(catalog: Catalog, stmt: dict) -> str:
    """The kept class CREATE OPERATOR CLASS `stmt` ... DEFAULT FOR TYPE finds already the
    default of its type for its access method (`Catalog.operator_class_types`: made by the
    migrations for a user type, renamed or moved since or not), as messages name it: "default
    operator class public.oa for access method hash of type mood". The server refuses a
    second default (42710 "could not make operator class "ob" be default for type mood",
    DETAIL "Operator class "oa" already is the default."; checked on 18.6, fix-pg116). ""
    when none is known: a built-in type's default (int4_ops) is not guessed."""
    if not catalog.operator_class_types or not stmt.get("isDefault"):
        return ""
    tname, _, array = catalog.column_type(stmt.get("datatype"))
    if array or type_key(tname) not in catalog.types:
        return ""
    method = str(stmt.get("amname") or "")
    found = next((k for k, t in catalog.operator_class_types.items() if k[1] == method
                  and k in catalog.operator_classes and type_key(t) == type_key(tname)), None)
    return f"default operator class {found[0]} for access method {method} of type {tname}" \
        if found else ""


def member_taken(catalog: Catalog, stmt: dict) -> str:
    """The first member CREATE OPERATOR CLASS `stmt` requires (`_required_members`; the
    operators first, as the server stores them) that a kept class of the family it goes in
    requires too (its FAMILY, else the kept family of its own name), as messages name it:
    "operator 1(integer,integer) of operator family public.oc for access method hash". The
    family holds it already: the server fails on its catalog's unique index (23505
    "duplicate key value violates unique constraint "pg_amop_fam_strat_index"", or
    "pg_amproc_fam_proc_index" for a support function), as after ALTER OPERATOR CLASS oc
    RENAME TO od and CREATE OPERATOR CLASS oc again (checked on 18.6, fix-pg110), or when
    ALTER OPERATOR FAMILY ... ADD put it there (`Catalog.operator_members_added`, fix-pg113).
    "" when none is known to be there."""
    if not catalog.operator_classes and not catalog.operator_members_added:
        return ""
    names, method = strings(stmt.get("opclassname")), str(stmt.get("amname") or "")
    if stmt.get("opfamilyname"):
        family = family_named(catalog, [method, *strings(stmt["opfamilyname"])])
    else:
        own = (object_name(names, create=True), method) if names else None
        family = own if own in catalog.operator_families else None
    held = [*(m for k in family_classes(catalog, family)
              for m in catalog.operator_class_members.get(k, ())),
            # (and one of its type an ADD put there: fix-pg113)
            *((m[2], m[3], m[4], "") for m in catalog.operator_members_added
              if m[:2] == family and _same_type(m[4], m[5]))] if family is not None else []
    wanted = sorted(_required_members(catalog, stmt, arg_type_of(catalog, stmt.get(
        "datatype"))), key=lambda m: m[0]) if held else []
    found = next((m for m in wanted if any(
        m[:2] == h[:2] and _same_type(m[2], h[2]) for h in held)), None)
    if found is None or family is None:
        return ""
    return f"{member_text((*found[:3], found[2]))} of operator family {family[0]} for " \
        f"access method {method}"


def _taken(kind: str, kept: Container[tuple[str, str]], name: str, method: str) -> str:
    return f"operator {kind} {name} for access method {method}" \
        if (name, method) in kept else ""


def family_classes(catalog: Catalog, family: tuple[str, str]) -> list[tuple[str, str]]:
    """The kept operator classes of operator family `family` (qualified name, access
    method), the last made first, as the server visits them (newest oid first): DROP
    OPERATOR FAMILY drops them with it, CASCADE or not, and an index using two of them is
    named in its DETAIL as depending on the last made (checked on 18.6, fix-pg101)."""
    return [k for k, f in reversed(catalog.operator_class_families.items())
            if f == family[0] and k[1] == family[1] and k in catalog.operator_classes]


def forget_operator_classes(catalog: Catalog, stmt: dict) -> list[str]:
    """DROP OPERATOR CLASS or FAMILY `stmt`: the class goes (its family stays), or the
    family and its classes (`family_classes`), and their operators are free (checked on
    18.6). A class of a family not kept ("" in `Catalog.operator_class_families`) goes with
    any DROP OPERATOR FAMILY of its access method. Returned, for CASCADE: the indexes using
    a class named or of a family named (`class_indexes`), which the server drops with it
    (without CASCADE it refuses, 2BP01; checked on 18.6, fix-pg114). Not those of a class
    whose family is not kept: that it is of the family dropped is a guess."""
    objects = [strings(unwrap(obj)[1].get("items")) for obj in stmt.get("objects") or ()]
    if stmt.get("removeType") == "OBJECT_OPFAMILY":
        families = {k for items in objects if (k := family_named(catalog, items)) is not None}
        methods = {items[0] for items in objects if items}
        gone = {k for k in catalog.operator_classes if k[1] in methods and (
            catalog.operator_class_families.get(k, ""), k[1]) in {*families, ("", k[1])}}
        named = {k for f in families for k in family_classes(catalog, f)}
        if families:
            catalog.operator_families = catalog.operator_families - families
    else:
        gone = named = {k for items in objects
                        if (k := class_named(catalog, items)) is not None}
        # (their required members go with them; the family stays)
        catalog.operator_members_gone = catalog.operator_members_gone | {
            (family, k[1], kind, number, datatype) for k in gone
            if (family := catalog.operator_class_families.get(k, "")) and
            (family, k[1]) in catalog.operator_families
            for kind, number, datatype, _ in catalog.operator_class_members.get(k, ())}
    indexes = classes_indexes(catalog, named) if stmt.get("behavior") == "DROP_CASCADE" \
        else []
    if gone:
        catalog.operator_classes = {k: v for k, v in catalog.operator_classes.items()
                                    if k not in gone}
    return indexes


def move_operator_class(catalog: Catalog, obj: dict | None, schema: str | None,
                        name: str | None) -> None:
    """ALTER OPERATOR CLASS `obj` (its List of name parts) RENAME TO `name` or SET SCHEMA
    `schema`: the class is kept by its new name (the server names it so in its DETAIL), and
    the indexes naming it name it so (`_follow_class_names`). Onto a kept class's name the
    server refuses it (42710, `moved_operator_object`): nothing moves."""
    key = class_named(catalog, strings(unwrap(obj)[1].get("items")))
    if key is not None:
        old_schema, old_name = key[0].rsplit(".", 1)
        moved = (f"{schema or old_schema}.{name or old_name}", key[1])
        if moved in catalog.operator_classes:
            return
        classes, types = dict(catalog.operator_classes), dict(catalog.operator_class_types)
        classes[moved] = classes.pop(key)
        if key in types:
            types[moved] = types.pop(key)
        catalog.operator_classes, catalog.operator_class_types = classes, types
        catalog.operator_class_members = {
            moved if k == key else k: m for k, m in catalog.operator_class_members.items()}
        catalog.operator_class_families = {  # (in place: the order made stays)
            moved if k == key else k: f for k, f in catalog.operator_class_families.items()}
        _follow_class_names(catalog, key[1], lambda n: moved[0] if n == key[0] else n)


def move_operator_family(catalog: Catalog, obj: dict | None, schema: str | None,
                         name: str | None) -> None:
    """ALTER OPERATOR FAMILY `obj` (its List of name parts) RENAME TO `name` or SET SCHEMA
    `schema`: the family is kept by its new name, its classes stay where they are (checked
    on 18.6, fix-pg101). Onto a kept family's name (its own for RENAME) the server refuses
    it (42710, `moved_operator_object`): nothing moves (checked on 18.6, fix-pg113)."""
    key = family_named(catalog, strings(unwrap(obj)[1].get("items")))
    if key is not None:
        old_schema, old_name = key[0].rsplit(".", 1)
        moved = f"{schema or old_schema}.{name or old_name}"
        if (moved, key[1]) in catalog.operator_families:
            return
        catalog.operator_families = catalog.operator_families - {key} | {(moved, key[1])}
        _members_back(catalog, key)
        # (its members go with it; those a family once of the new name had went with it)
        catalog.operator_members_added = frozenset(
            (moved, *m[1:]) if m[:2] == key else m for m in catalog.operator_members_added
            if m[:2] != (moved, key[1]))
        if key in catalog.operator_families_listed:
            catalog.operator_families_listed = \
                catalog.operator_families_listed - {key} | {(moved, key[1])}
        catalog.operator_class_families = {
            k: moved if (f, k[1]) == key else f
            for k, f in catalog.operator_class_families.items()}


def follow_schema_rename(catalog: Catalog, moved: Callable[[str], str]) -> None:
    """ALTER SCHEMA ... RENAME (`moved`: a qualified name once the schema goes by its new
    name): the operators and operator classes of the schema are kept under the new name,
    and what names them or what they name follows: an operator's function and operand
    types, a class's members and type, the indexes naming a class, the members gone from
    its families. The server ties them by oid: its messages name them in the new schema,
    and the old name finds nothing (checked on 18.6, fix-pg99 and fix-pg110)."""
    if catalog.operators:
        catalog.operators = {moved(k): tuple(o._replace(
            name=moved(o.name), left=moved(o.left), right=moved(o.right),
            function=moved(o.function)) for o in ops) for k, ops in catalog.operators.items()}
    if catalog.operator_classes:
        catalog.operator_classes = {(moved(k[0]), k[1]): tuple(
            (moved(n), tuple(map(moved, args))) for n, args in members)
            for k, members in catalog.operator_classes.items()}
        catalog.operator_class_types = {(moved(k[0]), k[1]): moved(t)
                                        for k, t in catalog.operator_class_types.items()}
        catalog.operator_class_families = {
            (moved(k[0]), k[1]): moved(f) if f else f
            for k, f in catalog.operator_class_families.items()}
        catalog.operator_class_members = {
            (moved(k[0]), k[1]): m for k, m in catalog.operator_class_members.items()}
        _follow_class_names(catalog, None, moved)
    catalog.operator_families = frozenset((moved(n), m) for n, m in catalog.operator_families)
    # (still gone: the family keeps its oid, and its messages name it as written, fix-pg110;
    # the member's type follows with the schema's types, `follow_type_rename`)
    catalog.operator_members_gone = frozenset(
        (moved(m[0]), *m[1:]) for m in catalog.operator_members_gone)
    catalog.operator_members_added = frozenset(
        (moved(m[0]), m[1], m[2], m[3], moved(m[4]), moved(m[5]))
        for m in catalog.operator_members_added)
    catalog.operator_families_listed = frozenset(
        (moved(n), m) for n, m in catalog.operator_families_listed)


def follow_type_rename(catalog: Catalog, follow: Callable[[str], str]) -> None:
    """ALTER TYPE / DOMAIN ... RENAME TO or SET SCHEMA (`follow`: a type's name as the
    catalog spells it -> its name now): the operators taking the type, the classes listing
    them and a class made DEFAULT FOR TYPE it name it by its new name. The server ties them
    by oid: after ALTER TYPE mood RENAME TO feel, DROP OPERATOR ~~~ (feel, feel) is refused
    ("operator class oc for access method hash depends on operator ~~~(feel,feel)"), and an
    index on a column of feel naming no class uses oc, made before the rename or after
    (checked on 18.6, fix-pg102)."""
    if any(follow(t) != t for ops in catalog.operators.values() for o in ops
           for t in (o.left, o.right)):
        catalog.operators = {n: tuple(o._replace(left=follow(o.left), right=follow(o.right))
                                      for o in ops) for n, ops in catalog.operators.items()}
    if any(follow(t) != t for members in catalog.operator_classes.values()
           for _, args in members for t in args):
        catalog.operator_classes = {k: tuple((n, tuple(map(follow, args)))
                                             for n, args in members)
                                    for k, members in catalog.operator_classes.items()}
    if any(follow(t) != t for t in catalog.operator_class_types.values()):
        catalog.operator_class_types = {k: follow(t)
                                        for k, t in catalog.operator_class_types.items()}
    if any(follow(m[2]) != m[2] for members in catalog.operator_class_members.values()
           for m in members):
        catalog.operator_class_members = {
            k: tuple((kind, number, follow(t), name) for kind, number, t, name in members)
            for k, members in catalog.operator_class_members.items()}
    if any(follow(m[4]) != m[4] for m in catalog.operator_members_gone):
        catalog.operator_members_gone = frozenset(
            (*m[:4], follow(m[4])) for m in catalog.operator_members_gone)
    if any(follow(t) != t for m in catalog.operator_members_added for t in m[4:]):
        catalog.operator_members_added = frozenset(
            (*m[:4], follow(m[4]), follow(m[5])) for m in catalog.operator_members_added)


def _follow_class_names(catalog: Catalog, method: str | None,
                        moved: Callable[[str], str]) -> None:
    """The indexes (of access method `method`; None: any) naming an operator class whose
    qualified name `moved` changes name it by its new one, as pg_get_indexdef does."""
    from dataclasses import replace

    for key, index in list(catalog.indexes.items()):
        definition = index.definition or {}
        if method is not None and (definition.get("accessMethod") or "btree") != method:
            continue
        params, changed = list(definition.get("indexParams") or ()), False
        for i, param in enumerate(params):
            kind, elem = unwrap(param)
            if elem.get("opclass") and (new := moved(
                    old := object_name(strings(elem["opclass"])))) != old:
                params[i] = {kind: {**elem, "opclass": [{"String": {"sval": part}}
                                                        for part in new.split(".", 1)]}}
                changed = True
        if changed:
            catalog.indexes[key] = replace(index, definition={**definition,
                                                              "indexParams": params})


def operator_classes_using(catalog: Catalog, operator: Operator) -> list[tuple[str, str]]:
    """The operator classes the migrations made (qualified name, access method) that have
    `operator` among their members (`keep_operator_class`)."""
    key = (operator.name, operator.args)
    return sorted(k for k, members in catalog.operator_classes.items() if key in members)


def move_operator(catalog: Catalog, stmt: dict) -> None:
    """ALTER OPERATOR ... SET SCHEMA `stmt`: the operator is kept under its new schema."""
    found = _named(catalog, unwrap(stmt.get("object"))[1])
    if found is None:
        return
    name, args = found
    operator = next(o for o in catalog.operators[name] if o.args == args)
    classes = catalog.operator_classes
    _forget(catalog, name, args)
    moved = operator._replace(name=f"{stmt.get('newschema', '')}.{name.rsplit('.', 1)[-1]}")
    # (its classes stay, and name it where it is now)
    catalog.operator_classes = {k: tuple((moved.name, a) if (n, a) == (name, args) else (n, a)
                                         for n, a in v) for k, v in classes.items()}
    catalog.operators = {**catalog.operators, moved.name: (
        *(o for o in catalog.operators.get(moved.name, ()) if o.args != args), moved)}


def forget_schema_operators(catalog: Catalog, schema: str) -> None:
    """DROP SCHEMA `schema` ... CASCADE: its operators, operator classes and families go,
    and the classes of its families or with a member of it."""
    if any(k.startswith(schema + ".") for k in catalog.operators):
        catalog.operators = {k: v for k, v in catalog.operators.items()
                             if not k.startswith(schema + ".")}
    if any(n.startswith(schema + ".") for n, _ in catalog.operator_families):
        catalog.operator_families = frozenset(k for k in catalog.operator_families
                                              if not k[0].startswith(schema + "."))

    def gone(key: tuple[str, str], members: tuple) -> bool:  # (or a member: CASCADE)
        return any(n.startswith(schema + ".") for n in (
            key[0], catalog.operator_class_families.get(key, ""), *(m[0] for m in members)))

    if any(gone(k, v) for k, v in catalog.operator_classes.items()):
        catalog.operator_classes = {k: v for k, v in catalog.operator_classes.items()
                                    if not gone(k, v)}


def forget_function_operators(catalog: Catalog, function: str,
                              classes: Iterable[tuple[str, str]]) -> list[str]:
    """DROP FUNCTION `function` (qualified) ... CASCADE: the operators running an overload of
    it no longer kept go with it, and `classes`, those requiring the overload dropped as
    their support function (`replay.classes_of_routine_drop`, asked before the overload
    is forgotten; their family stays: checked on 18.6, fix-pg110). Returned: the indexes
    using those classes (`class_indexes`), which the server drops with them (checked on
    18.6, fix-pg113)."""
    for operator in operators_running(catalog, function):
        if operator_routine(catalog, operator) is None:
            _forget(catalog, operator.name, operator.args)
    gone = {k for k in classes if k in catalog.operator_classes}
    if not gone:
        return []
    indexes = classes_indexes(catalog, gone)
    catalog.operator_classes = {k: v for k, v in catalog.operator_classes.items()
                                if k not in gone}
    return indexes


def follow_routine_move(catalog: Catalog, old: str, new: str,
                        moving: tuple[Routine, ...] | None) -> None:
    """ALTER FUNCTION / PROCEDURE / ROUTINE `old` (qualified; its overloads `moving`, else
    every one) RENAME TO or SET SCHEMA, now `new`: the operators running one of them run it
    by its new name. The server ties an operator to its function by oid: DROP FUNCTION of
    the new name is refused while the operator is there ("operator ~~~(integer,integer)
    depends on function of(integer,integer)"), and a function made under the old name is
    none of its (checked on 18.6, fix-pg102)."""
    def follows(operator: Operator) -> bool:
        return operator.function == old and (
            moving is None or any(_takes(r, operator.args) for r in moving))

    if any(follows(o) for ops in catalog.operators.values() for o in ops):
        catalog.operators = {k: tuple(o._replace(function=new) if follows(o) else o
                                      for o in ops) for k, ops in catalog.operators.items()}
    # (a class's support function likewise: "operator class oc for access method hash
    # depends on function bx(integer)", and ALTER OPERATOR FAMILY ... DROP's refusal names
    # it so; checked on 18.6, fix-pg110)
    moved = {}
    for k, members in catalog.operator_class_members.items():
        if found := _members_running(k, members, old, moving):
            moved[k] = tuple((*m[:3], new) if m in found else m for m in members)
    if moved:
        catalog.operator_class_members = {**catalog.operator_class_members, **moved}


def _members_running(key: tuple[str, str], members: tuple[tuple[int, int, str, str], ...],
                     function: str, overloads: tuple[Routine, ...] | None
                     ) -> set[tuple[int, int, str, str]]:
    """The required members (`Catalog.operator_class_members`) of class `key` that are
    support function `function` (qualified), one of `overloads` (None: any)."""
    return {m for m in members if m[0] == 2 and m[3] == function and (overloads is None or any(
        _takes(r, _member_args(key[1], m[0], m[2])) for r in overloads))}


def classes_running(catalog: Catalog, function: str, args: tuple[str, ...]
                    ) -> list[tuple[str, str]]:
    """The kept operator classes, in the order made, whose required support function
    (`Catalog.operator_class_members`) is the overload of `function` (qualified) taking
    `args`: DROP FUNCTION of it without CASCADE is refused (2BP01, "operator class oc for
    access method hash depends on function bh(integer)"), and CASCADE drops them; a
    support function the class does not require (a cross-type one) goes alone (checked
    on 18.6, fix-pg110). The server ties a class to that one overload by oid, so whether
    the catalog still keeps it (a refused DROP of it forgets it) or others of the name
    does not matter (checked on 18.6, fix-pg118)."""
    return [k for k in catalog.operator_class_families if k in catalog.operator_classes
            and any(m[0] == 2 and m[3] == function and _same_types(
                _member_args(k[1], 2, m[2]), args)
                for m in catalog.operator_class_members.get(k, ()))]


def operators_running(catalog: Catalog, function: str,
                      args: tuple[str, ...] | None = None) -> list[Operator]:
    """The operators kept that run function `function` (qualified; its overload of argument
    types `args` when given), in the order made."""
    return [o for ops in catalog.operators.values() for o in ops if o.function == function
            and (args is None or len(args) == len(o.args) and all(
                _same_type(a, b) for a, b in zip(args, o.args, strict=True)))]


def operator_routine(catalog: Catalog, operator: Operator) -> Routine | None:
    """The overload of its function `operator` runs, as the catalog keeps it; None once it is
    gone (a rename or move is followed: `follow_routine_move`)."""
    return next((r for r in catalog.kept_routines.get(operator.function, ())
                 if _takes(r, operator.args)), None)


def operator_run(catalog: Catalog, expr: dict, scope: FromScope | None) -> Operator | None:
    """The operator of the migrations that operator expression A_Expr `expr` (`a === b`, `a
    OPERATOR(app.===) b`, `a === ANY (...)`) surely runs, as the server picks it
    (oper_select_candidate, checked on 18.6): of operands whose types are evident, the one
    taking them as they are, unless a built-in one of the bare name does (pg_catalog is
    searched first: `n = s` of an int and a text runs a migration's `public.=(int, text)`,
    no built-in `=` taking those); of a name no built-in operator has and an operand of a
    type not evident, the only one with as many operands of the schema, or of the
    search_path's first schema holding one. None for another (a built-in one, one of an
    extension, one chosen through casts)."""
    from lockwise.catalog.overloads import value_type
    from lockwise.effects.types import builtin_operator

    names = strings(expr.get("name"))
    if not names or not catalog.operators or names[:-1] == ["pg_catalog"]:
        return None
    sides = ("lexpr", "rexpr") if expr.get("lexpr") is not None else ("rexpr",)
    types = [value_type(catalog, expr.get(side), scope) for side in sides]
    if expr.get("kind") != "AEXPR_OP":  # (ANY / ALL: the right operand is an array)
        types = [*types[:-1], types[-1][:-2] if types[-1] and types[-1].endswith("[]")
                 else None]
    candidates = [[o for o in catalog.operators.get(p, ()) if len(o.args) == len(types)]
                  for p in _places(names)]
    if None not in types and "unknown" not in types:
        if len(names) == 1 and builtin_operator(names[-1]) and _builtin_exact(
                names[-1], types):  # type: ignore[arg-type]
            return None
        exact = [o for found in candidates for o in found if all(
            _same_type(a, b) for a, b in zip(o.args, types, strict=True))]  # type: ignore
        if exact:
            return exact[0]
        return None  # (chosen through casts: maybe another's, an extension's)
    if len(names) == 1 and builtin_operator(names[-1]):  # (a built-in one, through casts)
        return None
    first = next((found for found in candidates if found), [])
    return first[0] if len(first) == 1 else None


def _builtin_exact(name: str, types: list[str]) -> bool:
    """Whether a built-in operator `name` takes operands of `types` as they are."""
    from lockwise.effects.types import builtin_operands

    return any(len(o) == len(types) and all(
        _same_type(a, b) for a, b in zip(o, types, strict=True))
        for o in builtin_operands(name))


def _operands_shown(operator: Operator, separator: str) -> str:
    return separator.join(format_type(a.removesuffix("[]"), (), a.endswith("[]")) if a
                          else "NONE" for a in (operator.left, operator.right))


def operator_shown(operator: Operator) -> str:
    """`operator` as the server's messages name it: `!!!(integer,integer)` in public,
    `app.===(integer,integer)`, a prefix one `!!(NONE,integer)` (checked on 18.6)."""
    schema, bare = operator.name.split(".", 1)
    return f"{bare if schema == 'public' else operator.name}({_operands_shown(operator, ',')})"


def operator_sql(operator: Operator) -> str:
    """`operator` as DROP OPERATOR names it, with its schema: `public.!!! (integer,
    integer)`, a prefix one `public.!! (NONE, integer)`."""
    return f"{operator.name} ({_operands_shown(operator, ', ')})"


def named_operators(catalog: Catalog, stmt: dict) -> list[Operator]:
    """The operators the catalog keeps that DROP OPERATOR `stmt` names, in its order."""
    found = []
    for obj in stmt.get("objects") or ():
        named = _named(catalog, unwrap(obj)[1])
        if named is not None:
            found += [o for o in catalog.operators.get(named[0], ()) if o.args == named[1]]
    return found


def operators_in(catalog: Catalog, expression: object, scope: FromScope | None
                 ) -> list[Operator]:
    """The operators of the migrations `expression` surely runs (`operator_run`), each once,
    in the order written."""
    from lockwise.effects.nodes import walk

    if not catalog.operators:
        return []
    found = (operator_run(catalog, body, scope) for kind, body in walk(expression)
             if kind == "A_Expr")
    return list(dict.fromkeys(o for o in found if o is not None))


class OperatorUsers(NamedTuple):
    """What else the server records as depending on an operator (`operator_other_users`):
    (table, constraint) pairs, index and view names (qualified), routines."""

    constraints: list[tuple[str, str]]
    indexes: list[str]
    views: list[str]
    routines: list[Routine]


def operator_other_users(catalog: Catalog, operator: Operator) -> OperatorUsers:
    """The CHECK constraints, indexes (an expression, a WHERE), views and routines with a
    SQL-standard body (BEGIN ATOMIC, RETURN) that surely run `operator` (`operator_run`:
    the table's columns as a CHECK or index sees them; a view's query and a body with no
    FROM list known): the server records each as depending on it, and DROP OPERATOR without
    CASCADE is refused while one is there (2BP01, "constraint t_c on table t depends on
    operator ~~~(integer,integer)", "index t_x ...", "view v ...", "function h(integer)
    ..."; checked on 18.6, fix-pg90). A body written as a string records nothing (the DROP
    runs); an index using it through an operator class is not known (nothing said)."""
    from lockwise.effects.immutability import table_scope

    users = OperatorUsers([], [], [], [])
    for name in sorted(catalog.tables):
        table = catalog.tables[name]
        if table.kind in ("view", "matview"):
            if operator in table.operators:
                users.views.append(name)
            continue
        scope = None
        for con in table.constraints.values():
            if con.kind == "check" and con.expr is not None and not con.inherited:
                scope = scope or table_scope(catalog, name)
                if operator in operators_in(catalog, con.expr, scope):
                    users.constraints.append((name, con.name))
    for index in sorted(catalog.indexes.values(), key=lambda i: i.name):
        if index.definition is not None and operator in operators_in(
                catalog, index.definition, table_scope(catalog, index.table)):
            users.indexes.append(index.name)
    for name in sorted(catalog.kept_routines):
        users.routines.extend(r for r in catalog.kept_routines[name] if operator in r.operators)
    return users


def operator_users(catalog: Catalog, operator: Operator
                   ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (table, column) pairs whose DEFAULT, and those whose generation expression,
    surely run `operator` (`operator_run`, with the table's columns as the expression sees
    them): the server records each as depending on it, and DROP OPERATOR without CASCADE is
    refused while one is there (2BP01, "default value for column d of table t depends on
    operator ...", "column g of table t depends on operator ..."; checked on 18.6,
    fix-pg89). Indexes, CHECKs and views keep no expression here: not found."""
    from lockwise.effects.immutability import table_scope
    from lockwise.effects.nodes import walk

    def runs(expression: object, scope: FromScope | None) -> bool:
        return any(kind == "A_Expr" and operator_run(catalog, body, scope) == operator
                   for kind, body in walk(expression))

    defaults: list[tuple[str, str]] = []
    generated: list[tuple[str, str]] = []
    for name in sorted(catalog.tables):
        table = catalog.tables[name]
        if table.kind in ("view", "matview"):
            continue
        scope = table_scope(catalog, name)
        for column in table.columns.values():
            if column.generated and runs(column.expression, scope):
                generated.append((name, column.name))
            elif not column.generated and column.default_expression is not None and \
                    runs(column.default_expression, scope):
                defaults.append((name, column.name))
    return defaults, generated


def class_indexes(catalog: Catalog, key: tuple[str, str]) -> list[str]:
    """The indexes (qualified, sorted) whose elements use operator class `key` (qualified
    name, access method): naming it, as CREATE INDEX ... (a oc) does, or, for a class made
    DEFAULT FOR TYPE (`Catalog.operator_class_types`), an element of that type naming no
    class (`_default_class_serves`). Each depends on it ("index ti depends on operator class
    oc for access method hash"; checked on 18.6, fix-pg95, fix-pg97 and fix-pg99)."""
    default = catalog.operator_class_types.get(key)
    found = []
    for index in catalog.indexes.values():
        definition = index.definition or {}
        if (definition.get("accessMethod") or "btree") != key[1]:
            continue
        for param in definition.get("indexParams") or ():
            elem = unwrap(param)[1]
            opclass = elem.get("opclass")
            if (object_name(strings(opclass)) == key[0]) if opclass else \
                    default is not None and _default_class_serves(catalog, default,
                                                                  index.table, elem):
                found.append(index.name)
                break
    return sorted(found)


def classes_indexes(catalog: Catalog, keys: set[tuple[str, str]]) -> list[str]:
    """The indexes (qualified, sorted) using any of operator classes `keys` (`class_indexes`):
    those a CASCADE dropping the classes drops with them (checked on 18.6, fix-pg113 and
    fix-pg114)."""
    return sorted({i for k in keys for i in class_indexes(catalog, k)})


def _default_class_serves(catalog: Catalog, default: str, table: str, elem: dict) -> bool:
    """Whether IndexElem `elem` (naming no operator class) of an index on `table` is of type
    `default` for sure, so that the server takes that type's DEFAULT class for it: a column
    of the table, or an expression whose type the catalog knows (`overloads.value_type`: a
    column, a cast, a call of a function of known result: `(m)`, `(m::dm)`, `(f(k))`).
    A domain's values take its base type's class, a column's or a cast's (checked on 18.6,
    fix-pg99); an array's are another class's (array_ops)."""
    if elem.get("expr") is None:
        column = catalog.tables[table].columns.get(elem.get("name", "")) \
            if table in catalog.tables else None
        if column is None:
            return False
        name, array = column.type_name, column.array
    else:
        from lockwise.catalog.overloads import value_type
        from lockwise.effects.immutability import table_scope

        typed = value_type(catalog, elem["expr"], table_scope(catalog, table)) or ""
        name, array = typed.removesuffix("[]"), typed.endswith("[]")
    name, _, array = catalog.base_type(name, (), array)
    return bool(name) and not array and type_key(name) == type_key(default)
