"""ALTER COLUMN ... TYPE ... USING of a generated column (checked on 18.6, fix-pg89): the
server refuses it first, 42611 "cannot specify USING when altering type of generated
column" (DETAIL "Column "g" is a generated column."), STORED or VIRTUAL, with a view
reading it, with ONLY on a table with children, and when the same ALTER TABLE drops its
expression. Without USING, or after DROP EXPRESSION in a statement of its own, it runs.
Lint says it (rule generated-column-type-using-refused) exactly where the server refuses
so, and nothing of a column it does not know."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import refusal
from server_helpers import server_error

T = "CREATE TABLE t (a int, g int GENERATED ALWAYS AS (a * 2) STORED);\n"
V = "CREATE TABLE t (a int, g int GENERATED ALWAYS AS (a * 2) VIRTUAL);\n"

#: (setup, statement, whether the server refuses it with 42611).
CASES = {
    "stored": (T, "ALTER TABLE t ALTER COLUMN g TYPE bigint USING g;", True),
    "virtual": (V, "ALTER TABLE t ALTER COLUMN g TYPE bigint USING g::bigint;", True),
    "to_text": (T, "ALTER TABLE t ALTER COLUMN g TYPE text USING g;", True),
    "a_view_reads_it": (T + "CREATE VIEW v AS SELECT g FROM t;\n",
                        "ALTER TABLE t ALTER COLUMN g TYPE bigint USING g;", True),
    "only_with_children": (T + "CREATE TABLE c () INHERITS (t);\n",
                           "ALTER TABLE ONLY t ALTER COLUMN g TYPE bigint USING g;", True),
    "expression_dropped_after": (
        T, "ALTER TABLE t ALTER COLUMN g TYPE bigint USING g, ALTER COLUMN g DROP EXPRESSION;",
        True),
    "expression_dropped_before": (
        T, "ALTER TABLE t ALTER COLUMN g DROP EXPRESSION, ALTER COLUMN g TYPE bigint USING g;",
        True),
    "without_using": (T, "ALTER TABLE t ALTER COLUMN g TYPE bigint;", False),
    "a_plain_column_since": (T + "ALTER TABLE t ALTER COLUMN g DROP EXPRESSION;\n",
                             "ALTER TABLE t ALTER COLUMN g TYPE bigint USING g;", False),
    "a_plain_column": (T, "ALTER TABLE t ALTER COLUMN a TYPE bigint USING a;", False),
}


def _says_it(setup: str, sql: str) -> bool:
    effect = effect_after(setup, sql)
    return any(a.facts.get("refused_generated_using") for a in effect.actions)


@pytest.mark.parametrize("case", CASES)
def test_lint_says_the_refusal_where_the_server_refuses(case: str) -> None:
    setup, sql, refused = CASES[case]
    assert _says_it(setup, sql) == refused
    if refused:
        assert refusal(effect_after(setup, sql)) == "refused_generated_using"


def test_a_column_the_catalog_does_not_know_is_not_judged() -> None:
    assert not _says_it("", "ALTER TABLE t ALTER COLUMN g TYPE bigint USING g;")


@pytest.mark.postgres
def test_the_server_refuses_so(pg_db: str) -> None:
    reset = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    for setup, sql, refused in CASES.values():
        error = server_error(pg_db, [reset, setup], sql)
        if refused:
            assert error is not None and error.sqlstate == "42611"
            assert error.diag.message_primary == \
                "cannot specify USING when altering type of generated column"
        elif error is not None:  # (another refusal, not this one)
            assert error.sqlstate != "42611"
