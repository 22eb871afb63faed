"""Matching rules against facts: equalities, any-of lists and version bounds, nothing more."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from lockwise.rules.model import Rule

#: How a compiled condition compares one fact (see `_compile`).
_MIN, _MAX, _ANY_OF, _TRUTHY, _EQUALS = range(5)
_MISSING = object()


class RuleIndex:
    """Rules grouped by the action they match, so each action is tested only against its own.

    Conditions are compiled once into (fact, comparison, expected) triples: matching runs for
    every action of every statement, and deciding how to compare each value anew was most
    of its cost.
    """

    def __init__(self, rules: Iterable[Rule]):
        self.rules = tuple(rules)
        by_action: dict[str, list[tuple[Rule, tuple]]] = defaultdict(list)
        any_action: list[tuple[Rule, tuple]] = []
        for rule in self.rules:
            for alternative in rule.when:
                action = alternative.get("action")
                if action is None:
                    any_action.append((rule, _compile(alternative)))
                    continue
                # Indexed by action: the action need not be compared again.
                checks = _compile({k: v for k, v in alternative.items() if k != "action"})
                for name in action if isinstance(action, list) else [action]:
                    by_action[name].append((rule, checks))
        self._any_action = tuple(any_action)
        self._by_action = {name: (*found, *any_action) for name, found in by_action.items()}

    def matching(self, facts: dict) -> list[Rule]:
        """Rules whose `when` holds for `facts` (each rule at most once)."""
        out: list[Rule] = []
        get = facts.get
        for rule, checks in self._by_action.get(get("action", ""), self._any_action):
            for key, how, expected in checks:
                actual = get(key, _MISSING)
                if how == _EQUALS:
                    if actual != expected:  # a missing fact equals nothing
                        break
                elif how in (_MIN, _MAX):
                    version = 0 if actual is _MISSING else actual
                    if version < expected if how == _MIN else version > expected:
                        break
                elif actual is _MISSING:
                    break
                elif isinstance(actual, (list, tuple)):
                    if expected.isdisjoint(actual) if how == _ANY_OF else \
                            bool(actual) != expected:
                        break
                elif how == _ANY_OF:
                    try:
                        if actual not in expected:
                            break
                    except TypeError:  # unhashable: equal to none of the listed values
                        break
                elif actual != expected:
                    break
            else:
                # Identity, not ==: comparing rule dataclasses field by field was a hot spot.
                if all(r is not rule for r in out):
                    out.append(rule)
        return out


def _compile(condition: dict) -> tuple[tuple[str, int, object], ...]:
    """A `when` mapping as (fact, comparison, expected) triples.

    - `pg_version_min` / `pg_version_max`: bounds on the `pg_version` fact (0 when absent);
    - a list: the fact equals one of them (or, for a list fact, shares one with them);
    - a bool: for a list fact, whether it is non-empty; else equality;
    - anything else: equality. A missing fact never matches (except version bounds).
    """
    out = []
    for key, expected in condition.items():
        if key == "pg_version_min":
            out.append(("pg_version", _MIN, expected))
        elif key == "pg_version_max":
            out.append(("pg_version", _MAX, expected))
        elif isinstance(expected, list):
            out.append((key, _ANY_OF, frozenset(expected)))
        elif isinstance(expected, bool):
            out.append((key, _TRUTHY, expected))
        else:
            out.append((key, _EQUALS, expected))
    return tuple(out)


class _Facts(dict):
    """Template values: lists read as comma lists, missing names stay visible as {name}.

    Values are converted on demand: a template names two or three of the forty-odd facts, and
    rendering runs for every finding.
    """

    __slots__ = ("src",)

    def __init__(self, src: dict):
        super().__init__()
        self.src = src

    def __missing__(self, key: str) -> object:
        src = self.src
        if key in src:
            value = src[key]
            if isinstance(value, (list, tuple)):
                return ", ".join(map(str, value))
            return "" if value is None else value
        if key.endswith("_sql") and key[:-4] in src:
            return self[key[:-4]]  # no as-written form: fall back to the qualified name
        return "{" + key + "}"


def render(template: str, facts: dict) -> str:
    """Fill a rule's message or `instead` with the statement's own names."""
    if "{" not in template:
        return template
    try:
        return template.format_map(_Facts(facts))
    except (ValueError, IndexError, KeyError, AttributeError):
        return template
