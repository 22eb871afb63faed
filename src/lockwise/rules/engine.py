"""Matching rules against facts: equalities, any-of lists and version bounds, nothing more."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from lockwise.rules.model import Rule


class RuleIndex:
    """Rules grouped by the action they match, so each action is tested only against its own."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules = tuple(rules)
        self._by_action: dict[str, list[tuple[Rule, dict]]] = defaultdict(list)
        self._any_action: list[tuple[Rule, dict]] = []
        for rule in self.rules:
            for alternative in rule.when:
                action = alternative.get("action")
                if action is None:
                    self._any_action.append((rule, alternative))
                    continue
                for name in action if isinstance(action, list) else [action]:
                    self._by_action[name].append((rule, alternative))

    def matching(self, facts: dict) -> list[Rule]:
        """Rules whose `when` holds for `facts` (each rule at most once)."""
        out: list[Rule] = []
        for rule, condition in (*self._by_action.get(facts.get("action", ""), ()),
                                *self._any_action):
            # Identity, not ==: comparing rule dataclasses field by field was a hot spot.
            if all(r is not rule for r in out) and holds(condition, facts):
                out.append(rule)
        return out


def holds(condition: dict, facts: dict) -> bool:
    for key, expected in condition.items():
        if key == "pg_version_min":
            if facts.get("pg_version", 0) < expected:
                return False
        elif key == "pg_version_max":
            if facts.get("pg_version", 0) > expected:
                return False
        else:
            if key not in facts:
                return False
            actual = facts[key]
            if isinstance(expected, list):
                if isinstance(actual, (list, tuple)):
                    if not set(actual) & set(expected):
                        return False
                elif actual not in expected:
                    return False
            elif isinstance(actual, (list, tuple)) and isinstance(expected, bool):
                if bool(actual) != expected:
                    return False
            elif actual != expected:
                return False
    return True


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
