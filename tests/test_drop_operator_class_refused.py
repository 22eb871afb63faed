"""DROP OPERATOR CLASS without CASCADE while an index uses the class (checked on 18.6,
fix-pg100): the server refuses it (2BP01 "cannot drop operator class oc for access method
hash because other objects depend on it", IF EXISTS or RESTRICT alike), its DETAIL naming
each index ("index t_h depends on operator class oc for access method hash"). Lint says so
(rule drop-operator-refused, fact refused_operator_drop) for a class the catalog keeps and
the indexes it ties to the class (naming it, or of its type when the class is DEFAULT), and
the steps (DROP INDEX, then the class) run. IF EXISTS of a missing class, CASCADE, a class
no index uses and one whose index was dropped first: the DROP runs, nothing said."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import refusal
from server_helpers import refused_until_steps, server_error
from test_drop_operator_refused import CLASS, MOOD, OP, RESET

TABLE = "CREATE TABLE t (id int);\n"
INDEX = "CREATE INDEX t_h ON t USING hash (id oc);\n"
DROP = "DROP OPERATOR CLASS oc USING hash;"
USES = "index {} depends on operator class {} for access method hash"

#: (setup, the DROP, the server's message, its DETAIL lines): refused, and lint says so.
REFUSED = {
    "an_index_naming_it": (OP + CLASS + TABLE + INDEX, DROP, "oc", {USES.format("t_h", "oc")}),
    "two_indexes": (
        OP + CLASS + TABLE + INDEX + "CREATE INDEX t_g ON t USING hash (id oc);\n", DROP, "oc",
        {USES.format("t_h", "oc"), USES.format("t_g", "oc")}),
    "if_exists": (OP + CLASS + TABLE + INDEX, "DROP OPERATOR CLASS IF EXISTS oc USING hash;",
                  "oc", {USES.format("t_h", "oc")}),
    "restrict": (OP + CLASS + TABLE + INDEX, "DROP OPERATOR CLASS oc USING hash RESTRICT;",
                 "oc", {USES.format("t_h", "oc")}),
    "in_another_schema": (
        OP + "CREATE SCHEMA IF NOT EXISTS app;\n" + CLASS.replace("CLASS oc", "CLASS app.oc")
        + TABLE + INDEX.replace("oc)", "app.oc)"), "DROP OPERATOR CLASS app.oc USING hash;",
        "app.oc", {USES.format("t_h", "app.oc")}),
    "renamed_since": (OP + CLASS + TABLE + INDEX
                      + "ALTER OPERATOR CLASS oc USING hash RENAME TO od;\n",
                      "DROP OPERATOR CLASS od USING hash;", "od", {USES.format("t_h", "od")}),
    # a DEFAULT class: an index of a column of its type naming no class uses it
    "a_default_class": (MOOD + "CREATE INDEX t_h ON t USING hash (m);\n", DROP, "oc",
                        {USES.format("t_h", "oc")}),
}

#: (setup, the DROP): it runs.
TAKEN = {
    "if_exists_of_a_missing_class": (OP + CLASS + TABLE + INDEX,
                                     "DROP OPERATOR CLASS IF EXISTS nope USING hash;"),
    "cascade": (OP + CLASS + TABLE + INDEX, "DROP OPERATOR CLASS oc USING hash CASCADE;"),
    "no_index_uses_it": (OP + CLASS + TABLE + "CREATE INDEX t_i ON t USING hash (id);\n", DROP),
    "the_index_dropped_first": (OP + CLASS + TABLE + INDEX + "DROP INDEX t_h;\n", DROP),
    "a_btree_index_naming_none": (MOOD + "CREATE INDEX t_b ON t (m);\n", DROP),
}


@pytest.mark.parametrize("case", REFUSED)
def test_lint_says_the_refusal_naming_the_indexes(case: str) -> None:
    setup, sql, name, detail = REFUSED[case]
    effect = effect_after(setup, sql)
    assert refusal(effect) == "refused_operator_drop"
    facts = effect.actions[0].facts
    assert facts["operators_text"] == f"class {name} for access method hash"
    assert set(facts["refused_operator_drop_text"].split("; ")) == detail
    steps = facts["refused_operator_drop_sql"].splitlines()
    assert steps[-1] == f"DROP OPERATOR CLASS {name} USING hash;"
    # (an index is qualified when the class was: `app.oc`, `public.t_h`)
    assert {s.replace("public.", "") for s in steps[:-1]} == \
        {f"DROP INDEX {line.split()[1]};" for line in detail}


@pytest.mark.parametrize("case", TAKEN)
def test_nothing_is_said_otherwise(case: str) -> None:
    assert refusal(effect_after(*TAKEN[case])) == ""


@pytest.mark.postgres
def test_the_server_refuses_so_and_the_steps_run(pg_db: str) -> None:
    for setup, sql, name, detail in REFUSED.values():
        steps = effect_after(setup, sql).actions[0].facts["refused_operator_drop_sql"]
        refused, after = refused_until_steps(pg_db, f"{RESET};\n{setup}", sql, steps, "SELECT 1")
        assert refused is not None and refused.sqlstate == "2BP01"
        assert refused.diag.message_primary == (
            f"cannot drop operator class {name} for access method hash because other objects "
            "depend on it")
        assert set((refused.diag.message_detail or "").splitlines()) == detail
        assert after is None
    for setup, sql in TAKEN.values():
        assert server_error(pg_db, [RESET, setup], sql) is None
