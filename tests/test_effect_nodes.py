"""Reading conditions and options from pglast's parse trees (effects/nodes.py)."""

from __future__ import annotations

import json

import pglast
import pytest

from lockwise.effects.nodes import (
    is_constant_true,
    locking_queries,
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


@pytest.mark.parametrize(("option", "on"), [
    ("create_slot = off", False), ("create_slot = false", False), ("create_slot = 0", False),
    ("create_slot = 'off'", False), ("create_slot = on", True), ("create_slot", True),
])
def test_option_values_written_as_words(option: str, on: bool) -> None:
    """In `WITH (name = value)` an unquoted `off` parses as a type name, not a string."""
    tree = json.loads(pglast.parser.parse_sql_json(
        f"CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p WITH ({option})"))
    (elem,) = tree["stmts"][0]["stmt"]["CreateSubscriptionStmt"]["options"]
    assert option_is_on(elem) is on


def _without_locking_clauses(node: object) -> object:
    if isinstance(node, dict):
        return {k: _without_locking_clauses(v) for k, v in node.items() if k != "lockingClause"}
    if isinstance(node, list):
        return [_without_locking_clauses(v) for v in node]
    return node


def _relations_by_walk(node: object) -> tuple[list[str], frozenset[str]]:
    """What `relations_in` / `only_relations` answer, spelled with `walk` (the traversal
    they inline): the relations in walk order, each once, less bare names of a CTE and the
    names of a locking clause (`FOR UPDATE OF a` names a FROM item, by its alias or not)."""
    node = _without_locking_clauses(node)
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
    "SELECT * FROM a x JOIN (SELECT * FROM b FOR SHARE OF b) y USING (id) FOR UPDATE OF x",
])
def test_relations_read_as_a_walk_of_the_tree_reads_them(sql: str) -> None:
    tree = json.loads(pglast.parser.parse_sql_json(sql))["stmts"][0]["stmt"]
    expected = _relations_by_walk(tree)
    assert (relations_in(tree), only_relations(tree)) == expected
    # A copy is not the node the one-entry cache holds: found again, the same.
    copy = json.loads(json.dumps(tree))
    assert (relations_in(copy), only_relations(copy)) == expected


@pytest.mark.parametrize("sql", [
    "SELECT 1",
    "INSERT INTO t (a, b) VALUES (1, 'x')",
    "INSERT INTO t SELECT * FROM s FOR UPDATE",
    "UPDATE t SET a = (SELECT max(b) FROM s FOR SHARE) FROM (SELECT * FROM r FOR UPDATE) r2",
    "WITH w AS (SELECT * FROM a FOR KEY SHARE), v AS (SELECT * FROM b FOR UPDATE OF b) "
    "DELETE FROM t USING w, v WHERE t.id IN (SELECT id FROM c FOR NO KEY UPDATE)",
    "SELECT * FROM a x JOIN (SELECT * FROM b FOR SHARE OF b) y USING (id) FOR UPDATE OF x",
    "SELECT * FROM (SELECT * FROM a FOR UPDATE) p UNION SELECT * FROM (SELECT * FROM b "
    "FOR SHARE) q",
])
def test_locking_queries_are_the_selects_with_a_locking_clause_a_walk_finds(sql: str) -> None:
    """Found in the relations' pass (the effect model asks both of every INSERT, UPDATE and
    DELETE), in the order of a walk, the node itself left out."""
    tree = json.loads(pglast.parser.parse_sql_json(sql))["stmts"][0]["stmt"]
    body = next(iter(tree.values()))
    expected = [b for k, b in walk(body) if k == "SelectStmt" and b.get("lockingClause")]
    assert locking_queries(body) == expected
    relations_in(body)  # (the one-entry cache holding it)
    assert locking_queries(body) == expected
    assert locking_queries(json.loads(json.dumps(body))) == expected


@pytest.mark.parametrize("expr", [
    "gen_random_uuid()", "(random() * 100)::int", "'a'::text || now()", "0", "false", "''",
    "NULL", "-3", "1.5", "B'101'", "ARRAY[1, 2]", "'{}'::jsonb", "CURRENT_TIMESTAMP",
    "case when random() > 0.5 then 'a' else 'b' end", "coalesce(a, b, 0)", "a IS NULL",
    "a IN (1, 2)", "a BETWEEN 1 AND 2", "(SELECT max(id) FROM t WHERE x = ANY (ARRAY[1]))",
    "lower(identity_data ->> 'email')", "nextval('s'::regclass)", "'x' COLLATE \"C\"",
    "cast(1 as numeric(10, 2))", "1::bigint[]", "extract(epoch from now())", "a[1]",
    "now() + interval '1 day'", "NOT a AND b OR c", "ROW(1, 2)", "'it''s'",
])
def test_expression_sql_prints_a_json_tree_as_pglast_prints_its_own(expr: str) -> None:
    from pglast.stream import RawStream

    from lockwise.effects.nodes import expression_sql

    tree = json.loads(pglast.parser.parse_sql_json(f"SELECT {expr}"))
    node = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    expected = RawStream()(pglast.parser.parse_sql(f"SELECT {expr}")[0].stmt.targetList[0].val)
    assert expression_sql(node) == expected


def test_expression_sql_of_nothing_or_an_unknown_node_is_none() -> None:
    from lockwise.effects.nodes import expression_sql

    assert expression_sql(None) is None
    assert expression_sql({"NoSuchNode": {}}) is None


@pytest.mark.parametrize("sql", [
    "SELECT a, b FROM t WHERE a IN (SELECT x FROM s) AND b > 1 ORDER BY 1 LIMIT 5",
    "CREATE UNIQUE INDEX CONCURRENTLY i ON t USING btree (lower(a), b DESC) WHERE c IS NULL",
    "UPDATE t SET a = a + 1 FROM s WHERE t.id = s.id AND (s.b OR NOT s.c)",
    "UPDATE posts SET deleted = true, updated = now() WHERE id IN (SELECT id FROM posts "
    "WHERE deleted IS NULL AND community_id = 5 ORDER BY id LIMIT 1000)",
    "DELETE FROM t USING s WHERE t.id = s.id AND s.kind = ANY (ARRAY['a', 'b']::text[])",
    "CREATE INDEX CONCURRENTLY i ON ONLY t (a NULLS FIRST, (b::int)) INCLUDE (c)",
    "SELECT x.a[1:2], -1.5, B'101', NULL::int, ROW(1, 'x') FROM (VALUES (1), (2)) x (a)",
])
def test_expression_sql_does_not_build_pglasts_ancestor_visitor(sql: str,
                                                               monkeypatch) -> None:
    """pglast's printer entry point (`RawStream.__call__`) fills each node's ancestors with
    `populate_ancestors`, which makes a Visitor class and inspects it at every print (about
    40% of a print); `expression_sql` fills the same ancestors itself, and prints the same
    text (of whole statements too: a partition's index, a batch's query). Nor does it build
    a dict of each node for pglast's classes to read back (`Node.__init__`,
    `_deserialize_value`: half of turning a batch's UPDATE into nodes): the nodes are built
    directly, each field set as pglast's classes set it."""
    import pglast.ast
    import pglast.visitors
    from pglast.stream import RawStream

    import lockwise.effects.nodes as nodes
    from lockwise.effects.nodes import expression_sql

    expected = RawStream()(pglast.parser.parse_sql(sql)[0].stmt)
    real, calls = pglast.visitors.populate_ancestors, []
    monkeypatch.setattr(pglast.visitors, "populate_ancestors",
                        lambda tree: (calls.append(tree), real(tree))[1])
    deserialize = pglast.ast._deserialize_value
    monkeypatch.setattr(pglast.ast, "_deserialize_value",
                        lambda value: (calls.append(value), deserialize(value))[1])
    monkeypatch.setattr(nodes, "_printed", {})  # printed, not a text kept from elsewhere
    stmt = json.loads(pglast.parser.parse_sql_json(sql))["stmts"][0]["stmt"]
    assert expression_sql(stmt) == expected
    assert calls == []


@pytest.mark.parametrize("sql", [
    "UPDATE t SET a = 1 WHERE id IN (SELECT id FROM t WHERE b IS NULL LIMIT 1000)",
    "INSERT INTO t (a, b) VALUES (1, 'x'), (2, ROW(3, 4)) ON CONFLICT (a) DO NOTHING",
    "SELECT CASE WHEN a THEN (b + 1) * 2 ELSE -c END FROM t GROUP BY GROUPING SETS ((a, b), c)",
    "CREATE INDEX i ON t (a DESC, (lower(b))) WHERE NOT (c AND d OR e)",
])
def test_printed_node_sets_the_ancestors_pglasts_visitor_sets(sql: str, monkeypatch) -> None:
    """pglast's printers read each node's ancestors: `printed_node` set them with pglast's
    Visitor walk (a generator stepped by `send` at each node, a deque, about a fifth of a
    print); its own walk sets the same chain (each link's node and member) on every node."""
    import pglast.ast
    import pglast.stream
    import pglast.visitors
    from pglast.ast import Node

    import lockwise.effects.nodes as nodes

    stmt = json.loads(pglast.parser.parse_sql_json(sql))["stmts"][0]["stmt"]
    kind, body = nodes.unwrap(stmt)

    def chains(root: Node) -> list[list[tuple[int, object]]]:
        out, stack = [], [root]
        while stack:
            item = stack.pop()
            if isinstance(item, tuple):
                stack.extend(item)
            elif isinstance(item, Node):
                link, chain = item.ancestors, []
                while link is not None:  # (the root's tuple is made at each print)
                    root = link.parent is not None and link.parent.parent is None
                    chain.append(("root" if root else id(link.node), link.member))
                    link = link.parent
                out.append(chain)
                stack.extend(getattr(item, m) for m in item)
        return out

    node = nodes._ast_node(pglast.ast, kind, body)
    walked = []
    real = pglast.visitors.Visitor.iterate
    monkeypatch.setattr(pglast.visitors.Visitor, "iterate",
                        lambda self, tree: (walked.append(tree), real(self, tree))[1])
    text = nodes.printed_node(node)
    ours = chains(node)
    assert walked == []
    monkeypatch.undo()
    walk = pglast.visitors.Visitor().iterate((node,))  # pglast's own, over the same nodes
    try:
        ancestors, each = next(walk)
        while True:
            each.ancestors = ancestors
            ancestors, each = walk.send(pglast.visitors.Continue)
    except StopIteration:
        pass
    assert chains(node) == ours
    assert text == pglast.stream.RawStream()(pglast.parser.parse_sql(sql)[0].stmt)


def test_expression_sql_works_out_a_node_types_omitted_fields_once(monkeypatch) -> None:
    """The JSON tree leaves out each field at its zero value, which pglast's node classes
    want spelled out: worked out from the class's slots once per node type, not at each
    print (about a quarter of turning a tree into pglast's nodes)."""
    import lockwise.effects.nodes as nodes

    tree = json.loads(pglast.parser.parse_sql_json("SELECT coalesce(a, b + 1) > 2"))
    node = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    first = nodes.expression_sql(node)
    real, calls = nodes._omitted, []
    monkeypatch.setattr(nodes, "_omitted", lambda slot: (calls.append(slot), real(slot))[1])
    monkeypatch.setattr(nodes, "_printed", {})  # printed again, not the text kept
    assert nodes.expression_sql(json.loads(json.dumps(node))) == first == \
        "COALESCE(a, b + 1) > 2"
    assert calls == []


def test_expression_sql_runs_no_import_statement_per_node(monkeypatch) -> None:
    """Turning a JSON tree into pglast's nodes visits each node: an import statement there
    ran at every node (about 17,500 instructions each once the module is loaded, 8,780 a
    lint pass of lemmy+documenso); pglast's `ast` is imported once per print."""
    import builtins
    import sys

    import lockwise.effects.nodes as nodes
    from lockwise.effects.nodes import expression_sql

    sql = "SELECT CASE " + " ".join(f"WHEN a = {i} THEN b + {i}" for i in range(30)) + " END"
    tree = json.loads(pglast.parser.parse_sql_json(sql))
    node = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    expected = expression_sql(node)
    real, imports = builtins.__import__, []

    def counting(name: str, *args: object, **kwargs: object) -> object:
        if sys._getframe(1).f_globals.get("__name__") == "lockwise.effects.nodes":
            imports.append(name)
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(nodes, "_printed", {})  # printed again, not the text kept
    monkeypatch.setattr(builtins, "__import__", counting)
    assert expression_sql(json.loads(json.dumps(node))) == expected
    assert expected.startswith("CASE WHEN a = 0 THEN b + 0 WHEN a = 1")
    assert len(imports) <= 4, imports  # expression_sql's, and printed_node's three


def test_an_expression_printed_before_is_not_printed_again(monkeypatch) -> None:
    """Defaults and values repeat across a history (`0`, `''`, `CURRENT_TIMESTAMP`, the same
    backfill): each print builds pglast's nodes and runs its printer, so an expression equal
    to one printed before (an equal tree, not the same object) gets the text printed then.
    A list and a tuple are not equal trees: each is printed."""
    import lockwise.effects.nodes as nodes

    sql = "SELECT coalesce(a, 'x') || lower(b), 42"
    tree = json.loads(pglast.parser.parse_sql_json(sql))["stmts"][0]["stmt"]["SelectStmt"]
    first, second = (target["ResTarget"]["val"] for target in tree["targetList"])
    expected = nodes.expression_sql(first)
    prints: list[object] = []
    real = nodes.printed_node

    def counting(node: object, *args: object) -> str:  # (and whatever else it is given)
        prints.append(node)
        return real(node, *args)

    monkeypatch.setattr(nodes, "printed_node", counting)
    assert nodes.expression_sql(json.loads(json.dumps(first))) == expected
    assert expected == "COALESCE(a, 'x') || lower(b)"
    assert prints == []
    assert nodes.expression_sql(second) == "42"
    assert len(prints) == 1
    # A whole statement (a batch's UPDATE) is another statement each time: not kept by its
    # `repr`, which costs more than the rare repeat's print; only the one printed last, by
    # its very values (the batching advice's marked statement, then its head).
    update = json.loads(pglast.parser.parse_sql_json("UPDATE t SET a = 1"))["stmts"][0]["stmt"]
    assert nodes.expression_sql(update) == nodes.expression_sql(update) == "UPDATE t SET a = 1"
    assert len(prints) == 2
    assert nodes.expression_sql(json.loads(json.dumps(update))) == "UPDATE t SET a = 1"
    assert len(prints) == 3


def test_the_printed_expressions_kept_are_bounded() -> None:
    """The texts kept for expressions printed before (`expression_sql`) are a bounded number:
    a history of thousands of distinct defaults does not keep them all."""
    import lockwise.effects.nodes as nodes

    for i in range(3 * nodes.PRINTED_KEPT):
        value = {"A_Const": {"ival": {"ival": 100_000 + i}}}
        assert nodes.expression_sql(value) == str(100_000 + i)
    assert 0 < len(nodes._printed) <= nodes.PRINTED_KEPT


@pytest.mark.parametrize("sql", [
    "UPDATE posts SET deleted = true, updated = now() WHERE id IN (SELECT id FROM posts "
    "WHERE deleted IS NULL AND community_id = 5 ORDER BY id LIMIT 1000)",
    "CREATE UNIQUE INDEX CONCURRENTLY i ON t USING btree (lower(a), b DESC) WHERE c IS NULL",
    "SELECT x.a[1:2], -1.5, B'101', NULL::int, ROW(1, 'x'), a IS DISTINCT FROM b, "
    "CASE WHEN a THEN 1 END FROM (VALUES (1), (2)) x (a) FOR UPDATE SKIP LOCKED",
    "ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a) REFERENCES s (b) ON DELETE SET NULL (a)",
])
def test_a_nodes_fields_pglast_stores_as_given_skip_its_checks(sql: str, monkeypatch) -> None:
    """pglast's `Node.__setattr__` checks each field's value, and imports its enum module
    and looks the field's C type up there for a number or an enum's member: it then stores
    None, a bool or a number as given, which `_ast_node` does itself. Only the values it may
    change (an enum's name, a node pointer's dict, a C char) go through it, and the node is
    the one pglast builds from the same text, printed the same."""
    from enum import Enum

    import pglast.ast
    import pglast.parser
    from pglast.stream import RawStream

    import lockwise.effects.nodes as nodes

    stmt = json.loads(pglast.parser.parse_sql_json(sql))["stmts"][0]["stmt"]
    kind, body = nodes.unwrap(stmt)
    checked: list[object] = []
    real = pglast.ast.Node.__setattr__

    def counting(self, name, value):
        if type(self).__slots__[name].c_type != "char":  # (a number there becomes its char)
            checked.append(value)
        real(self, name, value)

    monkeypatch.setattr(pglast.ast.Node, "__setattr__", counting)
    monkeypatch.setattr(nodes, "_STORED_AS_GIVEN", {})
    node = nodes._ast_node(pglast.ast, kind, body)
    monkeypatch.undo()
    assert node == pglast.parser.parse_sql(sql)[0].stmt
    assert [v for v in checked if v is None or isinstance(v, (bool, int, float))
            and not isinstance(v, Enum)] == []
    assert nodes.printed_node(node) == RawStream()(pglast.parser.parse_sql(sql)[0].stmt)


@pytest.mark.parametrize("sql", [
    "UPDATE posts SET deleted = true, updated = now() WHERE id IN (SELECT id FROM posts "
    "WHERE deleted IS NULL AND community_id = 5 ORDER BY id LIMIT 1000)",
    "SELECT x.a[1:2], -1.5, B'101', NULL::int, ROW(1, 'x'), a IS DISTINCT FROM b, "
    "CASE WHEN a THEN 1 END FROM (VALUES (1), (2)) x (a) FOR UPDATE SKIP LOCKED",
    "DELETE FROM t USING u AS x WHERE t.a = x.a AND NOT (t.b IS NULL OR t.c <> ALL ('{1}'))",
])
def test_a_nodes_enum_names_lists_and_nodes_skip_pglasts_checks_too(sql: str,
                                                                      monkeypatch) -> None:
    """An enum's name (`AEXPR_OP`), a tuple of a list field and the node of a node pointer
    are what pglast's `Node.__setattr__` would store given them (the member of that name, an
    equal tuple, the node): `_ast_node` stores them itself, sparing a call, an import
    statement and a look-up in the enum module for each (about 4,000 fields a lint pass of
    lemmy+documenso). Only a C char still goes through it; the node is pglast's own."""
    import pglast.ast
    import pglast.parser
    from pglast.stream import RawStream

    import lockwise.effects.nodes as nodes

    stmt = json.loads(pglast.parser.parse_sql_json(sql))["stmts"][0]["stmt"]
    kind, body = nodes.unwrap(stmt)
    checked: list[tuple[str, str]] = []
    real = pglast.ast.Node.__setattr__

    def counting(self, name, value):
        checked.append((type(self).__slots__[name].c_type, name))
        real(self, name, value)

    monkeypatch.setattr(pglast.ast.Node, "__setattr__", counting)
    node = nodes._ast_node(pglast.ast, kind, body)
    monkeypatch.undo()
    assert [c for c in checked if c[0] != "char"] == []
    expected = pglast.parser.parse_sql(sql)[0].stmt
    assert node == expected
    assert nodes.printed_node(node) == RawStream()(expected)


def test_an_unknown_enum_name_is_refused_as_pglast_refuses_it() -> None:
    """A name no member of the field's enum has goes to pglast's `__setattr__`, which says
    so (and `expression_sql` prints no text rather than crash)."""
    import pglast.ast

    import lockwise.effects.nodes as nodes

    with pytest.raises(ValueError, match="A_Expr.kind"):
        nodes._ast_node(pglast.ast, "A_Expr", {"kind": "AEXPR_NO_SUCH_KIND"})
    assert nodes.expression_sql({"A_Expr": {"kind": "AEXPR_NO_SUCH_KIND"}}) is None


#: Statements with every kind of `nodes._LEAF_KINDS` in them, some where a walk looks for
#: the kinds around them: column references (with a star, qualified), constants of each
#: kind, parameters, and the Integer, Float and String values of options.
_LEAFY_SQL = [
    "SELECT a.b, x.*, *, 1, 'a', 1.5, true, B'01', X'1f', null, $1, f(c.d, 2)::int "
    "FROM t a JOIN s x ON a.id = x.id WHERE a.n IN (SELECT m FROM u WHERE u.k = $2)",
    "CREATE TABLE w (id int DEFAULT nextval('w_seq'::regclass), n numeric(10, 2) "
    "CHECK (n > 0.5), f boolean DEFAULT false) WITH (fillfactor = 70, autovacuum_enabled = off)",
    "ALTER TABLE w SET (fillfactor = 80), ALTER COLUMN n SET DEFAULT 1.5",
    "CREATE SEQUENCE q INCREMENT BY 2 START WITH 1.0 CACHE 10",
    "CREATE INDEX ON w USING gin ((lower(n::text)) gin_trgm_ops) WITH (fastupdate = true)",
    "UPDATE w SET n = n + 1, f = NOT f FROM v WHERE w.id = v.id AND v.s = 'x' RETURNING *",
    "CREATE VIEW vv AS WITH c AS (SELECT * FROM w FOR UPDATE) SELECT c.*, 'a'::regclass "
    "FROM c, ONLY s",
]


def _trees(sql: str) -> list[dict]:
    return [s["stmt"] for s in json.loads(pglast.parser.parse_sql_json(sql))["stmts"]]


@pytest.mark.parametrize("sql", _LEAFY_SQL)
def test_a_leaf_holds_no_node_but_those_walks_go_below_it_for(sql: str) -> None:
    """fix-speed76: `_relations` and `bodies_of_kind` go below no node of `_LEAF_KINDS`,
    which holds no kind but `_IN_LEAVES` (what a walk for those kinds still goes below)."""
    from lockwise.effects import nodes

    (tree,) = _trees(sql)
    met = {kind for kind, _ in walk(tree)}
    assert met & nodes._LEAF_KINDS  # (the statement has leaves to skip)
    for kind, body in walk(tree):
        if kind in nodes._LEAF_KINDS:
            assert {k for k, _ in walk(body)} <= nodes._IN_LEAVES, (kind, body)


def test_the_walks_that_skip_leaves_find_what_a_full_walk_finds() -> None:
    """fix-speed76: every kind (those in and below leaves too), every relation, call and
    cast, and every locking SELECT found below the leaves as a full `walk` finds them."""
    from lockwise.effects import nodes

    trees = [tree for sql in _LEAFY_SQL for tree in _trees(sql)]
    assert {kind for kind, _ in walk(trees)} >= nodes._LEAF_KINDS
    for tree in [*trees, trees]:
        kinds = {kind for kind, _ in walk(tree)}
        for kind in kinds | nodes._LEAF_KINDS:
            walked = tuple(body for k, body in walk(tree) if k == kind)
            assert nodes.walked_bodies_of_kind(tree, kind) == walked, kind
        copy = json.loads(json.dumps(tree))  # (not the node `_relations` remembers)
        assert relations_in(copy) == _relations_by_walk(copy)[0]
        assert nodes._last_relations[3] == [(k, b) for k, b in walk(copy)
                                            if k in ("FuncCall", "TypeCast")]
        assert locking_queries(copy) == [b for k, b in walk(copy)
                                         if k == "SelectStmt" and b.get("lockingClause")]
