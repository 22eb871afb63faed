"""Reading conditions and options from pglast's parse trees (effects/nodes.py)."""

from __future__ import annotations

import json

import pglast
import pytest

from lockwise.effects.nodes import (
    is_constant_true,
    only_relations,
    option_is_on,
    range_var,
    relations_in,
    walk,
)


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


def _relations_by_walk(node: object) -> tuple[list[str], frozenset[str]]:
    """What `relations_in` / `only_relations` answer, spelled with `walk` (the traversal
    they inline): the relations in walk order, each once, less bare names of a CTE."""
    ctes = {b.get("ctename") for k, b in walk(node) if k == "CommonTableExpr"}
    found = [b for k, b in walk(node) if k == "RangeVar" and b.get("relname")]
    seen = [range_var(b)[0] for b in found
            if not (b.get("schemaname") is None and b.get("relname") in ctes)]
    return list(dict.fromkeys(seen)), frozenset(range_var(b)[0] for b in found
                                                if not b.get("inh"))


@pytest.mark.parametrize("sql", [
    "SELECT 1",
    "SELECT * FROM a JOIN app.b ON a.id = b.id, ONLY c WHERE a.x IN (SELECT y FROM d)",
    "WITH w AS (SELECT * FROM a), v AS (SELECT * FROM w JOIN b USING (id)) "
    "SELECT * FROM v, public.w, a",
    "INSERT INTO t (a) SELECT x FROM s WHERE EXISTS (SELECT 1 FROM ONLY u) RETURNING a",
    "UPDATE ONLY t SET a = (SELECT max(b) FROM s) FROM r WHERE r.id = t.id",
    "CREATE VIEW v AS SELECT a.*, (SELECT count(*) FROM b TABLESAMPLE SYSTEM (1)) "
    "FROM a, LATERAL (SELECT * FROM c WHERE c.id = a.id) l FOR UPDATE OF a",
    "SELECT * FROM a UNION SELECT * FROM b EXCEPT (WITH a AS (SELECT 1) SELECT * FROM a)",
])
def test_relations_read_as_a_walk_of_the_tree_reads_them(sql: str) -> None:
    tree = json.loads(pglast.parser.parse_sql_json(sql))["stmts"][0]["stmt"]
    expected = _relations_by_walk(tree)
    assert (relations_in(tree), only_relations(tree)) == expected
    # A copy is not the node the one-entry cache holds: found again, the same.
    copy = json.loads(json.dumps(tree))
    assert (relations_in(copy), only_relations(copy)) == expected
