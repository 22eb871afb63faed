"""Which overload the server runs for a call whose argument types are evident but not all
exact (parse_func.c func_select_candidate, checked on 18.6), for the types whose implicit
casts and categories lockwise knows; anything else is left unresolved.

Of the overloads the argument count allows: one whose types are the arguments' exactly;
else those each argument casts to implicitly (an untyped string constant or NULL, "unknown",
to any type), then those with the most exact matches, then those with a preferred type
(of the argument's category) at the most positions; then, at each unknown argument, the
string category if one accepts it, else the only category they accept, and in it the
preferred type if one has it. A variadic overload counts as its element type repeated; of
two overloads alike so, the non-variadic one runs, and two alike by their defaults are
refused as not unique. An untyped constant is then read as the chosen overload's type
there: one that is no input of it (an array literal or a word for a number, `'{1}'` spread
over a VARIADIC int[]'s elements) refuses the call (`input_refused`).

The same categories and casts give the common type of VALUES rows and ARRAY[...] elements
(`common_type`, as `query_columns` types them), whose untyped constants are read as it so
(`type_input.no_input_of`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockwise.catalog.overloads import Routine

#: An untyped string constant or NULL.
UNKNOWN = "unknown"
#: pg_type.typcategory of the types whose casts `_IMPLICIT` holds.
_CATEGORY = {"int2": "N", "int4": "N", "int8": "N", "numeric": "N", "float4": "N",
             "float8": "N", "text": "S", "varchar": "S", "bpchar": "S", "bool": "B"}
#: pg_type.typispreferred among them.
_PREFERRED = frozenset({"float8", "text", "bool"})
#: Their implicit casts (pg_cast castcontext 'i').
_IMPLICIT = {"int2": {"int4", "int8", "numeric", "float4", "float8"},
             "int4": {"int8", "numeric", "float4", "float8"},
             "int8": {"numeric", "float4", "float8"}, "numeric": {"float4", "float8"},
             "float4": {"float8"}, "float8": set(), "text": {"varchar", "bpchar"},
             "varchar": {"text", "bpchar"}, "bpchar": {"text", "varchar"}, "bool": set()}


class Unresolved(Exception):
    """The server's choice is not certain from what lockwise knows."""


def resolved(fit: list[Routine], types: list[str]) -> Routine | None:
    """The overload of `fit` (those the argument count allows) that a call of argument
    `types` (each evident: `UNKNOWN` for an untyped constant) runs; None when the server
    refuses it, or lockwise cannot tell."""
    try:
        candidates = _distinct([(r, _effective(r, len(types))) for r in fit])
        exact = [c for c in candidates if list(c[1]) == types]
        if exact:
            return exact[0][0]
        candidates = [c for c in candidates if all(map(_casts, types, c[1]))]
        for narrow in (_most_exact, _most_preferred, _unknowns_resolved):
            if len(candidates) <= 1:
                break
            candidates = narrow(candidates, types)
        if len(candidates) > 1:
            candidates = known_type_assumed(candidates, types, _casts)
    except Unresolved:
        return None
    return candidates[0][0] if len(candidates) == 1 else None


def takes(routine: Routine, types: list[str]) -> bool | None:
    """Whether `routine` (its argument count allowing the call) takes arguments of `types`
    (each evident), exactly or by implicit casts; None when lockwise cannot tell (a type
    whose casts it does not know)."""
    try:
        return all(map(_casts, types, _effective(routine, len(types))))
    except Unresolved:
        return None


def known_type_assumed(candidates: list, types: list[str], takes) -> list:
    """The server's last tie-break (func_select_candidate's "last gasp", docs "Function Type
    Resolution" 4.f): when some of `types` are unknown and every known one is the same type,
    the unknown arguments are taken as that type too, and the one candidate whose types
    (each candidate's second item) `takes(argument, parameter)` all of them is chosen
    (`f(int4, int8)` and `f(int8, int8)`: `f('1', 2::int8)` runs the second; checked on 18.6
    against random overload sets). Empty when that is not one: the call is not unique."""
    known = {t for t in types if t != UNKNOWN}
    if len(known) != 1 or UNKNOWN not in types:
        return []
    assumed = known.pop()
    fit = [c for c in candidates if all(takes(assumed, param) for param in c[1])]
    return fit if len(fit) == 1 else []


Candidate = tuple["Routine", tuple[str, ...]]


def _effective(routine: Routine, count: int) -> tuple[str, ...]:
    """The types of a call's `count` arguments as `routine` takes them: a VARIADIC
    parameter's element type for each argument from its place on."""
    if routine.variadic and count >= len(routine.args):
        element = routine.args[-1].removesuffix("[]")
        return routine.args[:-1] + (element,) * (count - len(routine.args) + 1)
    return routine.args[:count]


def input_refused(routine: Routine, texts: list[str | None]) -> bool:
    """Whether a call passing `texts` (an untyped string constant's text, None for another
    argument) to `routine` is refused at a constant's input ("invalid input syntax for type
    integer", checked on 18.6): one that is no input of its parameter's type (`no_input_of`:
    an array literal `'{1}'` spread over a VARIADIC parameter of numeric or boolean
    elements, or passed to such a parameter by its place or its name, `texts` in the
    parameters' order) fails before any body runs; a string type takes anything."""
    from lockwise.catalog.type_input import no_input_of

    return any(text is not None and no_input_of(param, text)
               for text, param in zip(texts, _effective(routine, len(texts)), strict=False))


def common_type(types: list[str]) -> str | None:
    """The type VALUES rows or ARRAY[...] elements of `types` (`UNKNOWN` for an untyped
    string constant or NULL) are resolved to (parse_coerce.c select_common_type, checked on
    18.6): text when all are unknown; the one type when the others are unknown (a domain's
    base type then: left unresolved); else the first, switched to a later one of its
    category that it casts to implicitly and not back unless it is the preferred type. None
    when the server refuses them (two categories: "cannot be matched") or lockwise does not
    know their casts."""
    known = [t for t in types if t != UNKNOWN]
    if not known:
        return "text"
    if len(known) == len(types) and all(t == known[0] for t in known):
        return known[0]  # (a domain too: only a mix is reduced to base types)
    common = known[0]
    if common not in _CATEGORY:
        from lockwise.effects.types import builtin_base_type

        return common if all(t == common for t in known) and builtin_base_type(common) \
            else None
    for given in known[1:]:
        if given not in _CATEGORY or _CATEGORY[given] != _CATEGORY[common]:
            return None
        if common not in _PREFERRED and given in _IMPLICIT[common] and \
                common not in _IMPLICIT[given]:
            common = given
    return common


def _distinct(candidates: list[Candidate]) -> list[Candidate]:
    """`candidates` with those alike in effective types made one: the non-variadic one of
    a variadic and a non-variadic pair; overloads alike by their defaults are not unique."""
    by_types: dict[tuple[str, ...], list[Candidate]] = {}
    for candidate in candidates:
        by_types.setdefault(candidate[1], []).append(candidate)
    out = []
    for alike in by_types.values():
        plain = [c for c in alike if not c[0].variadic]
        if len(alike) > 1 and len(plain) != 1:
            raise Unresolved
        out.append(plain[0] if len(alike) > 1 else alike[0])
    return out


def takes_array(param: str) -> bool:
    """Whether a parameter of type `param` may take an array: False only for the scalar
    types lockwise knows (no implicit cast makes an array one of them); a type it does not
    know (a domain over an array, a polymorphic one) may."""
    return param not in _CATEGORY


def _casts(given: str, param: str) -> bool:
    """Whether an argument of type `given` may be passed for `param` (exactly, or by an
    implicit cast); Unresolved for types whose casts lockwise does not know."""
    if given in (param, UNKNOWN):
        return True
    if given not in _IMPLICIT or param not in _CATEGORY:
        raise Unresolved
    return param in _IMPLICIT[given]


def _most_exact(candidates: list[Candidate], types: list[str]) -> list[Candidate]:
    return _most(candidates, lambda params: sum(map(str.__eq__, types, params)))


def _most_preferred(candidates: list[Candidate], types: list[str]) -> list[Candidate]:
    """Those with, at the most positions of a known argument, its type or the preferred type
    of its category (parse_func.c counts both: of `f(int4, varchar)` and `f(int8, text)`,
    `f(1, 'a'::text)` is not unique, checked on 18.6)."""
    return _most(candidates, lambda params: sum(
        t != UNKNOWN and (t == p or _category(p) == _category(t) and p in _PREFERRED)
        for t, p in zip(types, params, strict=True)))


def _most(candidates: list[Candidate], score) -> list[Candidate]:
    scores = [score(params) for _, params in candidates]
    return [c for c, s in zip(candidates, scores, strict=True) if s == max(scores)]


def _unknowns_resolved(candidates: list[Candidate], types: list[str]) -> list[Candidate]:
    """At each unknown argument, the category the candidates' types there take: the string
    one if any accepts it, else the only one they all have (none: all stay), and whether
    one has its preferred type there; then, all places weighed at once, those of that
    category at each, with its preferred type where one has it (all of them when none is,
    or a place has no such category: parse_func.c keeps them for its last tie-break)."""
    if UNKNOWN not in types:
        raise Unresolved  # (not unique)
    slots = {}
    for i, given in enumerate(types):
        if given == UNKNOWN:
            at = [params[i] for _, params in candidates]
            categories = set(map(_category, at))
            if "S" not in categories and len(categories) > 1:
                return candidates  # (no category here: left to `known_type_assumed`)
            chosen = "S" if "S" in categories else categories.pop()
            slots[i] = (chosen, any(_category(p) == chosen and p in _PREFERRED for p in at))
    # (none kept: the server keeps them all for its last tie-break)
    return [c for c in candidates if all(
        _category(c[1][i]) == chosen and (c[1][i] in _PREFERRED or not preferred)
        for i, (chosen, preferred) in slots.items())] or candidates


def _category(type_name: str) -> str:
    """The category of `type_name` (pg_type.typcategory): "P" for a polymorphic pseudo-type
    (`anyelement`, `anyrange`: a built-in overload's parameter, which an untyped constant
    leaves for one of the string category, as `lower('A')` runs `lower(text)` and not
    `lower(anyrange)`: checked on 18.6); Unresolved for one lockwise does not know."""
    if type_name not in _CATEGORY:
        if type_name.startswith("any"):
            return "P"
        raise Unresolved
    return _CATEGORY[type_name]
