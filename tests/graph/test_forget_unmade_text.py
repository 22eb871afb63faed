"""What a statement may have dropped (`_forget_unmade`, fix-speed74): a statement whose text
has no CASCADE is not walked for one (only its calls are read), but only where its tree is
the parse of its text. A Flyway placeholder whose value is CASCADE (the text keeps
`${behavior}`) still makes the use before it one that may work, as the walk said. The lower
case text the checks of a statement share is that statement's own (`_Builder._lowered`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.core.types import Action, Effect, Span, Statement
from lockwise.discover import discover
from lockwise.effects.context import DEFAULT_PG_VERSION
from lockwise.graph.build import _Builder, _may_drop_anything, build_graph
from lockwise.parse.postgres import parse_sql
from tree_helpers import write

_USE = "INSERT INTO t (id) VALUES (1);\n"
_CREATE = "CREATE TABLE t (id int);\n"


@pytest.mark.parametrize(("value", "kinds"), [("CASCADE", []), ("RESTRICT", ["missing-object"])])
def test_a_cascade_only_a_placeholder_s_value_writes_still_forgets_the_use(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, kinds: list[str]) -> None:
    monkeypatch.chdir(tmp_path)  # (the run's flyway.conf, and no value from the environment)
    monkeypatch.delenv("FLYWAY_PLACEHOLDERS_BEHAVIOR", raising=False)
    root = write(tmp_path, {
        "flyway.conf": "flyway.locations=filesystem:db/migration\n"
                       f"flyway.placeholders.behavior={value}\n",
        "db/migration/V1__use.sql": _USE + "ALTER TABLE base DROP COLUMN id ${behavior};\n",
        "db/migration/V2__create.sql": _CREATE})
    graph = build_graph(discover(root / "db/migration"))
    assert [c.kind for c in graph.conflicts] == kinds


@pytest.mark.parametrize(("second", "kinds"), [
    ("ALTER TABLE base DROP COLUMN id CaScAdE;\n", []),
    ("ALTER TABLE base DROP COLUMN id;\n", ["missing-object"]),
    # the word in a name: walked, and no DROP_CASCADE in the tree
    ("ALTER TABLE base DROP COLUMN cascade_id;\n", ["missing-object"]),
    # no CASCADE, but a call of a function not PostgreSQL's own
    ("UPDATE base SET id = tidy(id);\n", []),
    ("UPDATE base SET id = abs(id);\n", ["missing-object"]),
])
def test_a_statement_without_the_word_is_judged_by_its_calls(
        tmp_path: Path, second: str, kinds: list[str]) -> None:
    root = write(tmp_path, {"1_use.sql": _USE + second, "2_create.sql": _CREATE})
    assert [c.kind for c in build_graph(discover(root)).conflicts] == kinds


def _effect() -> Effect:
    return Effect(actions=(Action("alter_table"),), locks={})


@pytest.mark.parametrize(("sql", "may_drop"), [
    ("ALTER TABLE base DROP COLUMN id CASCADE", True),
    ("ALTER TABLE base DROP COLUMN id", False),
    ("UPDATE base SET id = tidy(id)", True),
    ("UPDATE base SET id = pg_catalog.abs(id)", False),
    ("UPDATE base SET id = other.abs(id)", True),
])
def test_the_text_test_answers_as_the_walk(sql: str, may_drop: bool) -> None:
    tree = parse_sql(sql).statements[0].tree
    assert tree is not None
    assert _may_drop_anything(tree, _effect(), None) is may_drop
    assert _may_drop_anything(tree, _effect(), sql.lower()) is may_drop


def test_the_calls_are_read_without_the_effect_model_s_memo() -> None:
    """The text test reads a statement's calls once, for the graph only: it leaves
    `bodies_of_kind`'s memo as it was (an entry put there would put out one the effect model
    and the replay still ask of, fix-speed78), and finds the calls the memo would give."""
    from lockwise.effects import nodes

    tree = parse_sql("UPDATE base SET id = tidy(abs(id))").statements[0].tree
    assert tree is not None
    memo = nodes._bodies_found.setdefault("FuncCall", nodes.NodeMemo())
    before = dict(memo._entries)
    assert _may_drop_anything(tree, _effect(), "update base set id = tidy(abs(id))") is True
    assert memo._entries == before
    assert memo.get(tree) is None
    assert [c["funcname"] for c in nodes.walked_bodies_of_kind(tree, "FuncCall")] == \
        [c["funcname"] for c in nodes.bodies_of_kind(tree, "FuncCall")]


def test_a_text_that_is_not_the_tree_s_parse_is_not_trusted() -> None:
    """The caller passes no text where the tree is not its parse: given one without the word,
    the CASCADE the tree holds is not looked for (what the placeholder test above guards)."""
    tree = parse_sql("ALTER TABLE base DROP COLUMN id CASCADE").statements[0].tree
    assert tree is not None
    assert _may_drop_anything(tree, _effect(), None) is True
    assert _may_drop_anything(tree, _effect(), "alter table base drop column id ${b}") is False


def test_the_lowered_text_is_the_statement_s_own() -> None:
    builder = _Builder([], [], DEFAULT_PG_VERSION, False, None)
    span = Span(1, 1, 1, 1)
    first = Statement(0, "ALTER TABLE Base DROP COLUMN id CASCADE", span, None)
    second = Statement(1, "SELECT 1", span, None)
    assert builder._lowered(first) == "alter table base drop column id cascade"
    assert builder._lowered(second) == "select 1"
    assert builder._lowered(first) == "alter table base drop column id cascade"
    # a text given anew is lowered anew
    second.sql = "SELECT Nextval('S')"
    assert builder._lowered(second) == "select nextval('s')"
