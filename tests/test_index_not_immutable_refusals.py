"""CREATE INDEX whose WHERE or key expression calls what is not immutable: PostgreSQL refuses the
whole statement ("functions in index predicate must be marked IMMUTABLE", the WHERE judged
first; "... index expression ..." for a key, 42P17), after it takes the table's lock and before
it looks at the name (IF NOT EXISTS of an index that is there is refused too). lockwise says so
(`refused_not_immutable`, the server's message in `refused_not_immutable_text`) for the SQL
value functions (CURRENT_DATE, CURRENT_USER ...) and the built-in functions no overload of
which is immutable (now(), random() ...), and the overload, operator or cast that evident
argument types pick when it is not immutable (date_trunc('day', ts) of a timestamptz, ts::date,
ts >= a date); and a function the migrations made (not a LANGUAGE sql one, inlined and judged
by its body) when the call surely runs it, named as a built-in one too. Each case is
compared with the embedded server (checked on 18.6)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import server_message

SETUP = ("CREATE TABLE t (id int, ts timestamptz, d date, name text, tsn timestamp,\n"
         "                tt time, v varchar(9));\n"
         "CREATE INDEX t_id_idx ON t (id);\n"
         "CREATE FUNCTION plus_one(int) RETURNS int LANGUAGE sql AS 'SELECT $1 + 1';\n")


def _refusal_text(sql: str, setup: str = SETUP) -> str:
    """The server's message lockwise says the last statement of `sql` gets ("" for none)."""
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(), Catalog())
    stmt = reports[-1].statements[-1]
    if statement_refusal(stmt.effect) != "refused_not_immutable":
        return ""
    return next(str(a.facts["refused_not_immutable_text"]) for a in stmt.effect.actions
                if a.facts.get("refused_not_immutable"))


SERVER_CASES = [
    # the SQL value functions, in a WHERE
    "CREATE INDEX a ON t (ts) WHERE ts >= CURRENT_DATE",
    "CREATE INDEX a ON t (id) WHERE d >= LOCALTIMESTAMP",
    "CREATE INDEX a ON t (id) WHERE name = CURRENT_USER",
    "CREATE INDEX a ON t ((lower(name))) WHERE name <> CURRENT_SCHEMA",
    # built-in functions stable or volatile in every overload, qualified or not
    "CREATE INDEX a ON t (ts) WHERE ts > now() - interval '1 day'",
    "CREATE INDEX a ON t (id) WHERE ts >= pg_catalog.statement_timestamp()",
    "CREATE UNIQUE INDEX a ON t ((random()))",
    "CREATE INDEX a ON t ((ts > now()))",
    # the WHERE is judged before the key expressions; IF NOT EXISTS of an index that is there
    "CREATE INDEX a ON t ((now())) WHERE d >= CURRENT_DATE",
    "CREATE INDEX IF NOT EXISTS t_id_idx ON t (id) WHERE d >= CURRENT_DATE",
    "CREATE INDEX CONCURRENTLY a ON t (id) WHERE ts < clock_timestamp()",
    # ... runs: immutable functions and constants, a LANGUAGE sql function the planner inlines
    "CREATE INDEX a ON t (id) WHERE d >= '2020-01-01'::date",
    "CREATE INDEX a ON t ((lower(name)))",
    "CREATE INDEX a ON t ((plus_one(id)))",
    "CREATE INDEX a ON t ((date_trunc('month', d::timestamp)))",
    # the overload, operator or cast the arguments' types pick (fix-precision46): stable for
    # a timestamptz (the TimeZone setting is read), immutable for a timestamp
    "CREATE INDEX a ON t ((date_trunc('day', ts)))",
    "CREATE INDEX a ON t ((pg_catalog.date_trunc('day', t.ts)))",
    "CREATE INDEX a ON t ((date_trunc('day', tsn)))",
    "CREATE INDEX a ON t ((date_trunc('day', ts, 'UTC')))",
    "CREATE INDEX a ON t ((date_part('year', ts)))",
    "CREATE INDEX a ON t ((extract(year from ts)))",
    "CREATE INDEX a ON t ((extract(year from tsn)))",
    "CREATE INDEX a ON t ((date(ts)))",
    "CREATE INDEX a ON t ((date(tsn)))",
    "CREATE INDEX a ON t ((age(tsn)))",
    "CREATE INDEX a ON t ((age(ts, ts)))",
    "CREATE INDEX a ON t ((ts::date))",
    "CREATE INDEX a ON t ((CAST(ts AS date)))",
    "CREATE INDEX a ON t ((tsn::date))",
    "CREATE INDEX a ON t ((d::timestamptz))",
    "CREATE INDEX a ON t ((ts::text))",
    "CREATE INDEX a ON t ((name::date))",
    "CREATE INDEX a ON t ((id::text))",
    "CREATE INDEX a ON t (id) WHERE ts >= '2020-01-01'::date",
    "CREATE INDEX a ON t (id) WHERE d < '2020-01-01'::timestamptz",
    "CREATE INDEX a ON t (id) WHERE ts = d",
    "CREATE INDEX a ON t (id) WHERE ts >= '2020-01-01'",
    "CREATE INDEX a ON t (id) WHERE tsn >= '2020-01-01'::date",
    "CREATE INDEX a ON t ((ts + interval '1 day'))",
    "CREATE INDEX a ON t ((tsn + interval '1 day'))",
    "CREATE INDEX a ON t ((ts AT TIME ZONE 'UTC'))",
    "CREATE INDEX a ON t ((to_char(ts, 'YYYY')))",
    "CREATE INDEX a ON t ((to_char(tsn, 'YYYY')))",
    # the overload a date picks among those that take it by an implicit cast: the one of the
    # preferred type of its category, timestamptz (fix-small73); stable, or immutable with
    # the argument's implicit cast to it stable (timezone); taken as it is (date_part), or
    # a function named after its type: a cast to itself (date(d) is d)
    "CREATE INDEX a ON t ((date_trunc('day', d)))",
    "CREATE INDEX a ON t ((date_trunc('day', '2020-01-01'::date)))",
    "CREATE INDEX a ON t ((age(d)))",
    "CREATE INDEX a ON t ((timezone('UTC', d)))",
    "CREATE INDEX a ON t ((timezone('UTC', tsn)))",
    "CREATE INDEX a ON t ((timezone('UTC', tt)))",
    "CREATE INDEX a ON t ((date_part('year', d)))",
    "CREATE INDEX a ON t ((date_trunc('day', tt)))",
    "CREATE INDEX a ON t ((date(d)))",
    "CREATE INDEX a ON t ((date(name)))",
    "CREATE INDEX a ON t ((timestamptz(ts)))",
    "CREATE INDEX a ON t ((date('2020-01-01')))",
    # `text || anynonarray` (and the reverse), inlined as the value's cast to text: stable
    # for a timestamptz, a timestamp, a date (DateStyle, TimeZone); an int4, a numeric, a
    # time, a text run
    "CREATE INDEX a ON t ((name || ts))",
    "CREATE INDEX a ON t ((ts || name))",
    "CREATE INDEX a ON t ((v || ts))",
    "CREATE INDEX a ON t ((name || d))",
    "CREATE INDEX a ON t ((name || tsn))",
    "CREATE INDEX a ON t ((ts || 'x'))",
    "CREATE INDEX a ON t (('x' || ts))",
    "CREATE INDEX a ON t ((name || id))",
    "CREATE INDEX a ON t ((name || 1.5))",
    "CREATE INDEX a ON t ((name || tt))",
    "CREATE INDEX a ON t ((name || name))",
    "CREATE INDEX a ON t ((name || v))",
]


@pytest.mark.parametrize("sql", SERVER_CASES)
def test_an_index_calling_what_is_not_immutable_is_refused_as_the_server_does(
        pg_db: str, sql: str) -> None:
    assert _refusal_text(sql) == server_message(pg_db, SETUP, sql)


def test_the_refusal_is_one_finding_naming_the_calls() -> None:
    reports = lint_migrations([migration_from_text(
        SETUP + "CREATE INDEX a ON t (id) WHERE ts >= CURRENT_DATE AND ts < now();",
        "0001.sql")], LintOptions(), Catalog())
    findings = [f for s in reports[0].statements for f in s.findings
                if s.statement.index == 3]
    assert [f.rule for f in findings] == ["index-expression-not-immutable"]
    assert "CURRENT_DATE and now() can give another value" in findings[0].message


def test_a_refused_index_is_not_made(pg_db: str) -> None:
    refused = "CREATE INDEX today_idx ON t (ts) WHERE ts >= CURRENT_DATE"
    again = "CREATE INDEX today_idx ON t (ts)"
    reports = lint_migrations([migration_from_text(SETUP + refused + ";", "0001.sql"),
                               migration_from_text(again + ";", "0002.sql")],
                              LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    assert statement_refusal(stmt.effect) == ""
    assert server_message(pg_db, SETUP, refused) != ""
    assert server_message(pg_db, None, again) == ""


#: Functions of the migrations named as built-in ones, each VOLATILE (fix-small75).
SHADOW_SETUP = (
    "CREATE TABLE s (id int, big bigint, n int, label text);\n"
    "CREATE FUNCTION public.abs(bigint) RETURNS bigint LANGUAGE plpgsql\n"
    "    AS $$ BEGIN RETURN $1; END $$;\n"
    "CREATE FUNCTION public.abs(text) RETURNS text LANGUAGE plpgsql\n"
    "    AS $$ BEGIN RETURN $1; END $$;\n")

SHADOW_CASES = [
    # public searched first: abs(bigint) of the migrations hides pg_catalog's
    "SET search_path = public, pg_catalog; CREATE INDEX a ON s ((abs(big)))",
    # ... but abs(int4) is the exact match of pg_catalog's abs(integer): immutable
    "SET search_path = public, pg_catalog; CREATE INDEX a ON s ((abs(n)))",
    # the default path: pg_catalog's abs(bigint) hides the migrations'
    "CREATE INDEX a ON s ((abs(big)))",
    # no built-in abs() of a text: theirs is chosen by the argument's type, on any path
    "CREATE INDEX a ON s ((abs(label)))",
    "SET search_path = public, pg_catalog; CREATE INDEX a ON s ((abs(label)))",
]


@pytest.mark.parametrize("sql", SHADOW_CASES)
def test_a_migrations_function_named_as_a_builtin_is_judged_where_it_runs(
        pg_db: str, sql: str) -> None:
    assert _refusal_text(sql, SHADOW_SETUP) == server_message(pg_db, SHADOW_SETUP, sql)


#: Operators the migrations made (CREATE OPERATOR), each running a function of theirs
#: (fix-pg88): the server judges the function an operator runs as it judges a call of it.
OPERATOR_SETUP = SETUP + (
    "CREATE FUNCTION vo(int, int) RETURNS bool VOLATILE LANGUAGE plpgsql\n"
    "    AS 'BEGIN RETURN $1 = $2; END';\n"
    "CREATE FUNCTION sto(int, int) RETURNS bool STABLE LANGUAGE sql AS 'SELECT $1 = $2';\n"
    "CREATE FUNCTION imm(int, int) RETURNS bool IMMUTABLE LANGUAGE plpgsql\n"
    "    AS 'BEGIN RETURN $1 = $2; END';\n"
    "CREATE FUNCTION int_text_lt(int, text) RETURNS bool VOLATILE LANGUAGE plpgsql\n"
    "    AS 'BEGIN RETURN $1::text < $2; END';\n"
    "CREATE OPERATOR !!! (leftarg = int, rightarg = int, function = vo);\n"
    "CREATE OPERATOR ~~~ (leftarg = int, rightarg = int, function = sto);\n"
    "CREATE OPERATOR public.< (leftarg = int, rightarg = text, procedure = int_text_lt);\n"
    "CREATE SCHEMA app;\n")

OPERATOR_CASES = [
    "CREATE INDEX a ON t ((id !!! 1))",
    "CREATE INDEX a ON t (id) WHERE id !!! 1",
    "CREATE INDEX a ON t (id) WHERE id OPERATOR(public.!!!) 1",
    "CREATE INDEX a ON t (id) WHERE id !!! ANY (ARRAY[1, 2])",
    "CREATE INDEX a ON t (id) WHERE id !!! 1 OR d IS NULL",
    # a STABLE SQL function the planner inlines as an immutable expression: taken
    "CREATE INDEX a ON t ((id ~~~ 1))",
    # the migrations' `<` of an int and a text, picked by the operands' types
    "CREATE INDEX a ON t (id) WHERE id < name",
    "CREATE INDEX a ON t (id) WHERE id < 5",
    # the catalog follows the operator and its function
    "ALTER OPERATOR !!! (int, int) SET SCHEMA app;\n"
    "CREATE INDEX a ON t (id) WHERE id OPERATOR(app.!!!) 1",
    "ALTER FUNCTION vo(int, int) IMMUTABLE;\nCREATE INDEX a ON t (id) WHERE id !!! 1",
    "DROP OPERATOR !!! (int, int);\n"
    "CREATE OPERATOR !!! (leftarg = int, rightarg = int, function = imm);\n"
    "CREATE INDEX a ON t (id) WHERE id !!! 1",
    "DROP FUNCTION vo(int, int) CASCADE;\n"
    "CREATE OPERATOR !!! (leftarg = int, rightarg = int, function = imm);\n"
    "CREATE INDEX a ON t (id) WHERE id !!! 1",
]


@pytest.mark.parametrize("sql", OPERATOR_CASES)
def test_an_operator_is_judged_by_the_function_it_runs(pg_db: str, sql: str) -> None:
    assert _refusal_text(sql, OPERATOR_SETUP) == server_message(pg_db, OPERATOR_SETUP, sql)


def test_the_finding_names_the_operator_and_its_function() -> None:
    reports = lint_migrations([migration_from_text(OPERATOR_SETUP, "0001_setup.sql"),
                               migration_from_text("CREATE INDEX a ON t (id) WHERE id !!! 1;",
                                                   "0002_change.sql")],
                              LintOptions(), Catalog())
    [found] = [f for f in reports[-1].all_findings
               if f.rule == "index-expression-not-immutable"]
    assert "vo() (operator public.!!!) can give another value" in found.message

