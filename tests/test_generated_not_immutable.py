"""A generated column whose expression is not immutable: PostgreSQL refuses the statement
("generation expression is not immutable", 42P17) in CREATE TABLE, ALTER TABLE ... ADD
COLUMN and ALTER COLUMN ... SET EXPRESSION, STORED and VIRTUAL alike (fix-pg83). lockwise
judges the expression as it judges an index's (`immutability.not_immutable_calls`): the
SQL value functions, the built-ins no overload of which is immutable, the overload, cast
or operator evident types pick (a timestamptz read as text or as a date), a function of
the migrations not immutable as the planner inlines it. A CHECK, a column DEFAULT and a
partition bound need no immutable expression: nothing is said of them. Each case is
compared with the embedded server (checked on 18.6)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import server_message

SETUP = ("CREATE TABLE t (id int, ts timestamptz, tsn timestamp, n int);\n"
         "CREATE FUNCTION st(a int) RETURNS int STABLE LANGUAGE plpgsql\n"
         "    AS 'BEGIN RETURN a; END';\n"
         "CREATE FUNCTION sq(a int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT a + 1';\n"
         "CREATE FUNCTION sqc(a int) RETURNS int VOLATILE STRICT LANGUAGE sql\n"
         "    AS 'SELECT coalesce(a, 1)';\n"
         "CREATE TABLE p (ts timestamptz) PARTITION BY RANGE (ts);\n"
         "CREATE FUNCTION vo(int, int) RETURNS bool VOLATILE LANGUAGE plpgsql\n"
         "    AS 'BEGIN RETURN $1 = $2; END';\n"
         "CREATE FUNCTION sto(int, int) RETURNS bool STABLE LANGUAGE sql AS 'SELECT $1 = $2';\n"
         "CREATE OPERATOR !!! (leftarg = int, rightarg = int, function = vo);\n"
         "CREATE OPERATOR ~~~ (leftarg = int, rightarg = int, function = sto);\n")


def _refusal(sql: str) -> tuple[str, str]:
    """The server's message lockwise says the last statement of `sql` gets, and the calls it
    names ("" for none)."""
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(), Catalog())
    stmt = reports[-1].statements[-1]
    if statement_refusal(stmt.effect) != "refused_not_immutable":
        return "", ""
    facts = next(a.facts for a in stmt.effect.actions if a.facts.get("refused_not_immutable"))
    return str(facts["refused_not_immutable_text"]), str(facts["not_immutable_calls_text"])


#: (the statement, the calls lockwise names: "" where the server runs it)
CASES = [
    ("CREATE TABLE g (ts timestamptz, s text GENERATED ALWAYS AS (ts::text) STORED)",
     "the cast of timestamptz to text"),
    ("CREATE TABLE g (ts timestamptz, s text GENERATED ALWAYS AS (ts::text) VIRTUAL)",
     "the cast of timestamptz to text"),
    ("CREATE TABLE g (ts timestamptz, s timestamptz GENERATED ALWAYS AS (now()) STORED)",
     "now()"),
    ("CREATE TABLE g (ts timestamptz, s text GENERATED ALWAYS AS (to_char(ts, 'YYYY')) STORED)",
     "to_char()"),
    ("CREATE TABLE g (ts timestamptz, s bool GENERATED ALWAYS AS (ts > CURRENT_DATE) STORED)",
     "CURRENT_DATE"),
    ("CREATE TABLE g (ts timestamptz, s text GENERATED ALWAYS AS ('x' || ts) STORED)",
     "unknown || timestamptz"),  # (the literal's type as the index check names it)
    ("CREATE TABLE g (ts timestamptz, y numeric GENERATED ALWAYS AS (extract(year FROM ts))"
     " STORED)", "extract(text, timestamptz)"),
    ("CREATE TABLE g (a int, s int GENERATED ALWAYS AS (st(a)) STORED)", "st()"),
    ("CREATE TABLE g (a int, s int GENERATED ALWAYS AS (sqc(a)) STORED)", "sqc()"),
    # immutable: runs
    ("CREATE TABLE g (a int, s int GENERATED ALWAYS AS (sq(a)) STORED)", ""),  # inlined a + 1
    ("CREATE TABLE g (tsn timestamp, y numeric GENERATED ALWAYS AS (extract(year FROM tsn))"
     " STORED)", ""),
    ("CREATE TABLE g (ts timestamptz, d timestamp GENERATED ALWAYS AS"
     " (date_trunc('day', ts AT TIME ZONE 'UTC')) STORED)", ""),
    ("CREATE TABLE g (a int, s int GENERATED ALWAYS AS (a + 1) VIRTUAL)", ""),
    # ADD COLUMN and SET EXPRESSION, on the table the setup made
    ("ALTER TABLE t ADD COLUMN s text GENERATED ALWAYS AS (ts::text) STORED",
     "the cast of timestamptz to text"),
    ("ALTER TABLE t ADD COLUMN s text GENERATED ALWAYS AS (ts::text) VIRTUAL",
     "the cast of timestamptz to text"),
    ("ALTER TABLE t ADD COLUMN s date GENERATED ALWAYS AS (ts::date) STORED",
     "the cast of timestamptz to date"),
    ("ALTER TABLE t ADD COLUMN s date GENERATED ALWAYS AS (tsn::date) STORED", ""),
    ("ALTER TABLE t ADD COLUMN s int GENERATED ALWAYS AS (n + 1) STORED", ""),
    ("ALTER TABLE t ADD COLUMN s int GENERATED ALWAYS AS (n + 1) STORED,"
     " ALTER COLUMN s SET EXPRESSION AS (n + random()::int)", "random()"),
    # no immutability asked: a CHECK, a DEFAULT, a partition bound
    ("CREATE TABLE g (ts timestamptz CHECK (ts < now()))", ""),
    ("CREATE TABLE g (ts timestamptz DEFAULT now())", ""),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (ts < now())", ""),
    ("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now() CHECK (c <= now())", ""),
    ("CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (now() - interval '1 day') TO (now())", ""),
    # an operator the migrations made runs its function (fix-pg88)
    ("ALTER TABLE t ADD COLUMN g bool GENERATED ALWAYS AS (n !!! 1) STORED",
     "vo() (operator public.!!!)"),
    ("ALTER TABLE t ADD COLUMN g bool GENERATED ALWAYS AS (n OPERATOR(public.!!!) id) VIRTUAL",
     "vo() (operator public.!!!)"),
    ("ALTER TABLE t ADD COLUMN g bool GENERATED ALWAYS AS (n ~~~ 1) STORED", ""),
]

_MESSAGE = "generation expression is not immutable"


@pytest.mark.parametrize(("sql", "calls"), CASES)
def test_a_generation_expression_not_immutable_is_refused(sql: str, calls: str) -> None:
    assert _refusal(sql) == ((_MESSAGE, calls) if calls else ("", ""))


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "calls"), CASES)
def test_the_server_refuses_it_so(pg_db: str, sql: str, calls: str) -> None:
    assert server_message(pg_db, SETUP, sql) == (_MESSAGE if calls else "")


def test_the_rule_names_the_column_and_what_moves() -> None:
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"), migration_from_text(
        "ALTER TABLE t ADD COLUMN day date GENERATED ALWAYS AS (ts::date) STORED;",
        "0002_change.sql")], LintOptions(), Catalog())
    found = [f for f in reports[-1].all_findings
             if f.rule == "generated-column-not-immutable"]
    assert len(found) == 1
    assert "the cast of timestamptz to date" in found[0].message
    assert "day" in found[0].message
    assert not [f for f in reports[-1].all_findings
                if f.rule == "index-expression-not-immutable"]
