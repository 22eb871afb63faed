"""ALTER TABLE ONLY ... ALTER COLUMN ... TYPE on a table with children (checked on 18.6,
fix-pg90): the server judges, in turn, a missing column (42703), USING of a generated
column (42611), a VIRTUAL column's new type not built in (0A000), a cast it lacks without
USING (42804), then ONLY with children (42P16 "type of inherited column "c" must be changed
in child tables too"), and only after that the column default's cast (42804 "default for
column ... cannot be cast automatically"). Lint says the first refusal alone, as the server
does: one refusal fact on the statement, the server's."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.effects.refused import REFUSAL_FACTS
from server_helpers import server_error

SETUP = ("CREATE TYPE mood AS ENUM ('a', 'b');\n"
         "CREATE TABLE p (id bigint, c text, n int, b boolean DEFAULT true, "
         "g int GENERATED ALWAYS AS (n + 1) STORED, "
         "v int GENERATED ALWAYS AS (n * 2) VIRTUAL);\n")
INHERITED = SETUP + "CREATE TABLE p1 () INHERITS (p);\n"
PARTITIONED = SETUP.replace("VIRTUAL);\n", "VIRTUAL) PARTITION BY LIST (id);\n") \
    + "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);\n"

#: (statement, the server's SQLSTATE, the one refusal fact lint says).
CASES = {
    "a_plain_using": ("ALTER TABLE ONLY p ALTER COLUMN c TYPE int USING c::int",
                      "42P16", "refused_with_only"),
    "generated_using": ("ALTER TABLE ONLY p ALTER COLUMN g TYPE bigint USING g::bigint",
                        "42611", "refused_generated_using"),
    "virtual_using": ("ALTER TABLE ONLY p ALTER COLUMN v TYPE bigint USING v::bigint",
                      "42611", "refused_generated_using"),
    "virtual_user_type": ("ALTER TABLE ONLY p ALTER COLUMN v TYPE mood",
                          "0A000", "refused_virtual_user_defined"),
    "no_cast_without_using": ("ALTER TABLE ONLY p ALTER COLUMN n TYPE boolean",
                              "42804", "needs_using"),
    "default_not_castable": ("ALTER TABLE ONLY p ALTER COLUMN b TYPE int USING b::int",
                             "42P16", "refused_with_only"),
    "missing_column": ("ALTER TABLE ONLY p ALTER COLUMN zz TYPE int USING zz::int",
                       "42703", "object_missing"),
}


def _said(setup: str, sql: str) -> set[str]:
    return {fact for action in effect_after(setup, sql).actions for fact in REFUSAL_FACTS
            if action.facts.get(fact)}


@pytest.mark.parametrize("setup", [INHERITED, PARTITIONED], ids=["inherited", "partitioned"])
@pytest.mark.parametrize("case", CASES)
def test_lint_says_only_the_refusal_the_server_says(setup: str, case: str) -> None:
    sql, _, fact = CASES[case]
    assert _said(setup, sql) == {fact}


def test_without_children_the_default_cast_is_said() -> None:
    assert _said(SETUP, CASES["default_not_castable"][0]) == {"refused_default_cast"}


@pytest.mark.postgres
def test_the_server_refuses_so(pg_db: str) -> None:
    reset = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    for setup in (INHERITED, PARTITIONED):
        for sql, sqlstate, _ in CASES.values():
            error = server_error(pg_db, [reset, setup], sql)
            assert error is not None and error.sqlstate == sqlstate, (sql, error)
    error = server_error(pg_db, [reset, SETUP], CASES["default_not_castable"][0])
    assert error is not None and error.sqlstate == "42804"
    assert "default for column" in error.diag.message_primary
