"""Matching `when` conditions against facts: each comparison the rule files use."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.core import code_store
from lockwise.core.types import Safety
from lockwise.rules import engine
from lockwise.rules.engine import RuleIndex, _Facts, _template_pieces, render
from lockwise.rules.model import Rule


def _rule(rule_id: str, *when: dict) -> Rule:
    return Rule(id=rule_id, title=rule_id, safety=Safety.SAFE_WITH_CARE, when=when,
                message="", why="", instead="", strategy=None, examples=(),
                path=f"{rule_id}.toml")


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


def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a new run starts: nothing compiled or read in this process yet."""
    monkeypatch.setattr(engine.MATCHERS, "_by_source", None)
    monkeypatch.setattr(engine.MATCHERS, "_new", False)


def test_matchers_compiled_by_one_run_are_read_back_by_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    rules = [_rule("drop", {"action": "drop_table", "cascade": True}),
             _rule("any", {"in_transaction": False})]
    _fresh_process(monkeypatch)
    assert _ids(RuleIndex(rules), action="drop_table", cascade=True, in_transaction=False) == [
        "drop", "any"]
    engine.MATCHERS.keep()
    assert [p.name.split("-")[0] for p in tmp_path.iterdir()] == ["matchers"]

    _fresh_process(monkeypatch)
    compiled: list[str] = []
    monkeypatch.setattr(code_store, "compile",
                        lambda *a, **k: compiled.append(a[0]) or compile(*a, **k), raising=False)
    # Other rules with the same shape give the same source: the stored code serves them,
    # bound to their own rules and values.
    other = [_rule("truncate", {"action": "drop_table", "cascade": False}),
             _rule("tx", {"in_transaction": True})]
    assert _ids(RuleIndex(other), action="drop_table", cascade=False, in_transaction=True) == [
        "truncate", "tx"]
    assert _ids(RuleIndex(other), action="drop_table", cascade=True, in_transaction=True) == [
        "tx"]
    assert compiled == []
    # A shape not seen before is compiled, and stored when the run keeps its matchers.
    assert _ids(RuleIndex(other), action="truncate", in_transaction=True) == ["tx"]
    assert len(compiled) == 1
    engine.MATCHERS.keep()
    _fresh_process(monkeypatch)
    compiled.clear()
    assert _ids(RuleIndex(other), action="truncate", in_transaction=False) == []
    assert compiled == []


def test_a_damaged_matcher_store_is_compiled_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    rules = [_rule("drop", {"action": "drop_table", "cascade": True})]
    _fresh_process(monkeypatch)
    _ids(RuleIndex(rules), action="drop_table")
    engine.MATCHERS.keep()
    (store,) = tmp_path.iterdir()
    store.write_bytes(b"not a pickle")
    _fresh_process(monkeypatch)
    assert _ids(RuleIndex(rules), action="drop_table", cascade=True) == ["drop"]
    # A store whose code was damaged inside a valid file: compiled again too.
    engine.MATCHERS.keep()
    _fresh_process(monkeypatch)
    engine._compiled("x = 1")  # reads the store
    stored = engine.MATCHERS._by_source
    assert stored
    for key in stored:
        stored[key] = b"\x00broken"
    assert _ids(RuleIndex(rules), action="drop_table", cascade=True) == ["drop"]



@pytest.mark.parametrize(("template", "facts", "expected"), [
    # a list fact as a comma list, None as nothing, a missing fact left visible
    ("on {tables}: {note}{missing}", {"tables": ["a", "b"], "note": None},
     "on a, b: {missing}"),
    # an as-written fact the statement lacks falls back to the qualified name
    ("ALTER TABLE {table_sql}", {"table": "public.t"}, "ALTER TABLE public.t"),
    # escaped braces are literal text; values are formatted as format_map formats them
    ("{{x}} {n} {flag}", {"n": 3, "flag": True}, "{x} 3 True"),
    # what the pieces cannot express goes through format_map: a spec, a conversion, an index
    ("{n:>4}|{name!r}", {"n": 7, "name": "x"}, "   7|'x'"),
    ("{items[0]}", {"items": ["a"]}, "a"),
])
def test_render_fills_templates_as_format_map_does(template: str, facts: dict,
                                                   expected: str) -> None:
    assert render(template, facts) == expected == template.format_map(_Facts(facts))


@pytest.mark.parametrize("template", ["{unclosed", "{}", "closed}{"])
def test_render_leaves_a_template_format_map_refuses_unchanged(template: str) -> None:
    assert render(template, {"unclosed": 1}) == template


def test_render_cuts_each_template_once() -> None:
    _template_pieces.pop("once {a}", None)
    assert render("once {a}", {"a": 1}) == "once 1"
    assert _template_pieces["once {a}"] == (("once ", "a"),)
    assert render("once {a}", {"a": 2}) == "once 2"


class _Pair(tuple):
    """A tuple subclass (a named tuple's kind): a list fact all the same."""


@pytest.mark.parametrize("expected", [True, False])
@pytest.mark.parametrize("value", [
    True, False, 1, 0, 2, -1, 1.0, 0.0, "", "x", None, [], [0], (), (None,), _Pair(),
    _Pair((1,)), {}, {"a": 1}, frozenset(), "missing"])
def test_a_bool_is_compared_as_its_reference_says_for_every_kind_of_fact(
        expected: bool, value: object) -> None:
    # A bool against a list fact (a list or tuple, of any subclass): whether the list is
    # non-empty; against any other fact: equality (1 == True, 0.0 == False); a missing fact
    # matches neither. The matcher answers True and False by identity first (`_TRUTHY_AS`):
    # the same answers.
    facts = {} if value == "missing" else {"flag": value}
    reference = "flag" in facts and (
        bool(value) == expected if isinstance(value, (list, tuple)) else value == expected)
    index = RuleIndex([_rule("r", {"action": "a", "flag": expected})])
    assert _ids(index, action="a", **facts) == (["r"] if reference else [])
