"""Matching `when` conditions against facts: each comparison the rule files use."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.core.types import Safety
from lockwise.rules.engine import RuleIndex
from lockwise.rules.model import Rule


def _rule(rule_id: str, *when: dict) -> Rule:
    return Rule(id=rule_id, title=rule_id, safety=Safety.SAFE_WITH_CARE, when=when,
                message="", why="", instead="", strategy=None, examples=(),
                path=Path(f"{rule_id}.toml"))


def _ids(index: RuleIndex, **facts: object) -> list[str]:
    return [r.id for r in index.matching(facts)]


@pytest.mark.parametrize(("condition", "facts", "matches"), [
    # equality; a missing fact equals nothing
    ({"action": "add_column", "not_null": True}, {"not_null": True}, True),
    ({"action": "add_column", "not_null": True}, {"not_null": False}, False),
    ({"action": "add_column", "not_null": True}, {}, False),
    ({"action": "add_column", "type": "int4"}, {"type": "int4"}, True),
    ({"action": "add_column", "type": "int4"}, {"type": "int8"}, False),
    # a list: one of the values; for a list fact, a value in common
    ({"action": "add_column", "type": ["int4", "int2"]}, {"type": "int2"}, True),
    ({"action": "add_column", "type": ["int4", "int2"]}, {"type": "text"}, False),
    ({"action": "add_column", "type": ["int4", "int2"]}, {"type": ("text", "int4")}, True),
    ({"action": "add_column", "type": ["int4", "int2"]}, {"type": ["text"]}, False),
    ({"action": "add_column", "type": ["int4"]}, {"type": {"unhashable": 1}}, False),
    ({"action": "add_column", "type": ["int4"]}, {}, False),
    # a bool against a list fact: whether the list is empty
    ({"action": "add_column", "held": True}, {"held": ("a.t",)}, True),
    ({"action": "add_column", "held": True}, {"held": ()}, False),
    ({"action": "add_column", "held": False}, {"held": ()}, True),
    # version bounds; no version reads as 0
    ({"action": "add_column", "pg_version_min": 11}, {"pg_version": 11}, True),
    ({"action": "add_column", "pg_version_min": 11}, {"pg_version": 10}, False),
    ({"action": "add_column", "pg_version_min": 11}, {}, False),
    ({"action": "add_column", "pg_version_max": 10}, {"pg_version": 10}, True),
    ({"action": "add_column", "pg_version_max": 10}, {"pg_version": 11}, False),
    ({"action": "add_column", "pg_version_max": 10}, {}, True),
])
def test_condition(condition: dict, facts: dict, matches: bool) -> None:
    index = RuleIndex([_rule("r", condition)])
    assert _ids(index, action="add_column", **facts) == (["r"] if matches else [])


def test_action_selects_the_rules_and_lists_of_actions_are_any_of() -> None:
    index = RuleIndex([_rule("one", {"action": ["drop_table", "truncate"]}),
                       _rule("two", {"action": "truncate"})])
    assert _ids(index, action="truncate") == ["one", "two"]
    assert _ids(index, action="drop_table") == ["one"]
    assert _ids(index, action="add_column") == []


def test_rules_without_action_apply_to_every_action_after_the_indexed_ones() -> None:
    index = RuleIndex([_rule("any", {"in_transaction": False}),
                       _rule("drop", {"action": "drop_table"})])
    assert _ids(index, action="drop_table", in_transaction=False) == ["drop", "any"]
    assert _ids(index, action="other", in_transaction=False) == ["any"]
    assert _ids(index, action="other", in_transaction=True) == []


def test_a_rule_matches_once_when_several_alternatives_hold() -> None:
    index = RuleIndex([_rule("r", {"action": "truncate"}, {"action": "truncate",
                                                           "cascade": True})])
    assert _ids(index, action="truncate", cascade=True) == ["r"]
