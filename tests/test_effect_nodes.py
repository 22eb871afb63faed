"""Reading conditions and options from pglast's parse trees (effects/nodes.py)."""

from __future__ import annotations

import json

import pglast
import pytest

from lockwise.effects.nodes import is_constant_true, option_is_on


def _where(condition: str) -> dict:
    tree = json.loads(pglast.parser.parse_sql_json(f"DELETE FROM t WHERE {condition}"))
    return tree["stmts"][0]["stmt"]["DeleteStmt"]["whereClause"]


@pytest.mark.parametrize(("condition", "constant_true"), [
    ("true", True), ("1 = 1", True), ("NOT false", True), ("1 < 2.5", True),
    ("'a' = 'a'", True), ("false OR 2 >= 2", True), ("1 = 1 OR id > 3", True),
    ("false", False), ("1 = 2", False), ("id IS NOT NULL", False), ("1 = 1 AND id < 9", False),
    ("'a' < 'b'", False),  # the order of strings depends on the collation: not folded
    ("NOT (id = 1)", False), ("'t'::bool", False),
])
def test_constant_true_conditions(condition: str, constant_true: bool) -> None:
    assert is_constant_true(_where(condition)) is constant_true


@pytest.mark.parametrize(("option", "on"), [
    ("FULL", True), ("FULL true", True), ("FULL on", True), ("FULL 1", True),
    ("FULL false", False), ("FULL OFF", False), ("FULL 0", False), ("FULL 'off'", False),
])
def test_boolean_options_read_as_defgetboolean(option: str, on: bool) -> None:
    tree = json.loads(pglast.parser.parse_sql_json(f"VACUUM ({option}) t"))
    (elem,) = tree["stmts"][0]["stmt"]["VacuumStmt"]["options"]
    assert option_is_on(elem) is on
