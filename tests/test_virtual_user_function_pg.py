"""A VIRTUAL generated column (PostgreSQL 18) may use built-in functions, operators and types
only: the server refuses one whose expression, immutable, calls a function made with CREATE
FUNCTION, IMMUTABLE or not, in any language, an operator made with CREATE OPERATOR or a cast
made with CREATE CAST ("generation expression uses user-defined function", 0A000), or casts
to, or reads a column of, a type made with CREATE TYPE or CREATE DOMAIN ("... user-defined
type"), in CREATE TABLE, ADD COLUMN and SET EXPRESSION; one whose own type is such a type
before that ("virtual generated column "v" cannot have a user-defined type", or "... a
domain type"); it judges immutability first (42P17), and a STORED column may use them
(fix-pg84, fix-pg85). Each case held against the embedded server too."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import server_message

SETUP = """CREATE TABLE t (id int, n int, s text, ts timestamptz);
CREATE TABLE g (n int, v int GENERATED ALWAYS AS (n + 1) VIRTUAL,
                s int GENERATED ALWAYS AS (n + 1) STORED);
CREATE FUNCTION f_sql(a int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT a + 1';
CREATE FUNCTION f_pl(a int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS 'BEGIN RETURN a; END';
CREATE FUNCTION f_atomic(a int) RETURNS int IMMUTABLE LANGUAGE sql RETURN a + 1;
CREATE FUNCTION f_stable(a int) RETURNS int STABLE LANGUAGE plpgsql AS 'BEGIN RETURN a; END';
CREATE SCHEMA app;
CREATE FUNCTION app.g(a int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT a';
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE DOMAIN plainint AS int;
CREATE TYPE pair AS (a int, b int);
CREATE TYPE fr AS RANGE (subtype = float8);
CREATE FUNCTION eq3(int, int) RETURNS bool IMMUTABLE LANGUAGE sql AS 'SELECT $1 = $2';
CREATE OPERATOR === (leftarg = int, rightarg = int, function = eq3);
CREATE FUNCTION int_pair(int) RETURNS pair IMMUTABLE LANGUAGE sql AS 'SELECT ROW($1, $1)::pair';
CREATE CAST (int AS pair) WITH FUNCTION int_pair(int);
CREATE COLLATION bytes FROM "C";
CREATE TABLE u (id int, s text, m mood, p pair, d posint, mm mood[]);
CREATE TABLE w (n int, v int GENERATED ALWAYS AS (n + 1) VIRTUAL);
"""
USER = "generation expression uses user-defined function"
USER_TYPE = "generation expression uses user-defined type"
OWN_TYPE = 'virtual generated column "v" cannot have a user-defined type'
DOMAIN = 'virtual generated column "v" cannot have a domain type'
MUTABLE = "generation expression is not immutable"

#: (a statement after SETUP, the server's message: "" when it runs)
CASES = [
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_sql(n))", USER),  # 18's default
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_pl(n) * 2) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_atomic(n)) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (app.g(n)) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_sql(n)) STORED", ""),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (abs(n) % 16) VIRTUAL", ""),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (pg_catalog.abs(n)) VIRTUAL", ""),
    # immutability is judged first
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_stable(n)) VIRTUAL", MUTABLE),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS "
     "(extract(day FROM ts)::int + f_sql(n)) VIRTUAL", MUTABLE),
    ("CREATE TABLE x (n int, v int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL)", USER),
    ("CREATE TABLE x (n int, v int GENERATED ALWAYS AS (f_sql(n)) STORED)", ""),
    # the columns in the order written: the first refused decides
    ("CREATE TABLE x (n int, v int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL, "
     "w int GENERATED ALWAYS AS (now()::date - date '2000-01-01') VIRTUAL)", USER),
    ("CREATE TABLE x (n int, w int GENERATED ALWAYS AS (now()::date - date '2000-01-01') "
     "VIRTUAL, v int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL)", MUTABLE),
    ("ALTER TABLE g ALTER COLUMN v SET EXPRESSION AS (f_sql(n))", USER),
    ("ALTER TABLE g ALTER COLUMN s SET EXPRESSION AS (f_sql(n))", ""),
    # information_schema's helpers are made by initdb after the built-in objects (fix-pg85)
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS "
     "(information_schema._pg_char_max_length(23, 10)) VIRTUAL", USER),
    # the column's own type, judged before the expression (fix-pg85)
    ("ALTER TABLE t ADD COLUMN v mood GENERATED ALWAYS AS ('sad') VIRTUAL", OWN_TYPE),
    ("ALTER TABLE t ADD COLUMN v public.mood GENERATED ALWAYS AS ('sad') VIRTUAL", OWN_TYPE),
    ("ALTER TABLE t ADD COLUMN v pair GENERATED ALWAYS AS (ROW(n, n)) VIRTUAL", OWN_TYPE),
    ("ALTER TABLE t ADD COLUMN v posint GENERATED ALWAYS AS (n) VIRTUAL", DOMAIN),
    ("ALTER TABLE t ADD COLUMN v plainint GENERATED ALWAYS AS (n) VIRTUAL", DOMAIN),
    ("ALTER TABLE t ADD COLUMN v posint[] GENERATED ALWAYS AS (ARRAY[n]) VIRTUAL", DOMAIN),
    ("ALTER TABLE t ADD COLUMN v mood GENERATED ALWAYS AS "
     "(CASE WHEN now() > '2000-01-01' THEN 'sad' END) VIRTUAL", OWN_TYPE),
    ("ALTER TABLE t ADD COLUMN v mood GENERATED ALWAYS AS ('sad') STORED", ""),
    ("CREATE TABLE x (n int, v mood GENERATED ALWAYS AS ('sad'))", OWN_TYPE),
    ("CREATE TABLE x (n int, w int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL, "
     "v mood GENERATED ALWAYS AS ('sad') VIRTUAL)", OWN_TYPE),
    # a type the expression casts to, or a column of one it reads (fix-pg85)
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS ((n::posint)::int) VIRTUAL",
     USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS ((n::plainint)::int) VIRTUAL",
     USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS ('sad'::mood = 'sad') VIRTUAL",
     USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS ((ROW(n, n)::pair).a) VIRTUAL",
     USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS ((n::posint)::int) STORED", ""),
    ("ALTER TABLE u ADD COLUMN v bool GENERATED ALWAYS AS (m = 'sad') VIRTUAL", USER_TYPE),
    ("ALTER TABLE u ADD COLUMN v bool GENERATED ALWAYS AS (m IS NULL) VIRTUAL", USER_TYPE),
    ("ALTER TABLE u ADD COLUMN v int GENERATED ALWAYS AS (d + 1) VIRTUAL", USER_TYPE),
    ("ALTER TABLE u ADD COLUMN v int GENERATED ALWAYS AS (array_length(mm, 1)) VIRTUAL",
     USER_TYPE),
    ("ALTER TABLE u ADD COLUMN v int GENERATED ALWAYS AS (id + 1) VIRTUAL", ""),
    ("CREATE TABLE x (n int, v int GENERATED ALWAYS AS ((n::posint)::int))", USER_TYPE),
    ("ALTER TABLE w ALTER COLUMN v SET EXPRESSION AS ((n::posint)::int)", USER_TYPE),
    # the first one the server meets, an operator before its operands, decides the message
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS "
     "(n + (n::posint)::int + eq3(n, n)::int) VIRTUAL", USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS "
     "(eq3(n, n)::int + (n::posint)::int) VIRTUAL", USER),
    # an operator, a cast, a range constructor: their functions are user-defined (fix-pg85)
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n === 1) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n OPERATOR(public.===) 1) VIRTUAL",
     USER),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n === ANY (ARRAY[1, 2])) VIRTUAL",
     USER),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n === 1) STORED", ""),
    ("ALTER TABLE w ALTER COLUMN v SET EXPRESSION AS ((n === 1)::int)", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS ((n::pair).a) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v float8 GENERATED ALWAYS AS (lower(fr(1, 2))) VIRTUAL", USER),
    # built-in all through: taken (a collation made with CREATE COLLATION too)
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (s || 'x') VIRTUAL", ""),
    ("ALTER TABLE u ADD COLUMN v text GENERATED ALWAYS AS (lower(s COLLATE bytes)) VIRTUAL",
     ""),
    ("ALTER TABLE u ADD COLUMN v text COLLATE bytes GENERATED ALWAYS AS (s) VIRTUAL", ""),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (array_length(ARRAY[n], 1)) VIRTUAL",
     ""),
    ("ALTER TABLE t ADD COLUMN v bigint GENERATED ALWAYS AS (n::int8 * 2) VIRTUAL", ""),
    ("CREATE TABLE x (n int, v int GENERATED ALWAYS AS (n * 2) VIRTUAL)", ""),
    ("ALTER TABLE w ALTER COLUMN v SET EXPRESSION AS (n * 3)", ""),
]


def _refusal(sql: str, setup: str = SETUP) -> str:
    """The server's message lockwise says for `sql` after `setup` ("" when none)."""
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    facts = reports[-1].statements[-1].effect.actions[0].facts
    return facts.get("refused_not_immutable_text") or \
        facts.get("refused_virtual_user_defined_text") or ""


@pytest.mark.parametrize(("sql", "message"), CASES)
def test_a_virtual_column_calling_a_function_not_built_in_is_refused(sql: str,
                                                                    message: str) -> None:
    assert _refusal(sql) == message


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "message"), CASES)
def test_the_server_refuses_it_so(pg_db: str, sql: str, message: str) -> None:
    assert server_message(pg_db, SETUP, sql) == message


def test_the_finding_names_the_call_and_says_stored() -> None:
    sql = "ALTER TABLE t ADD COLUMN bucket int GENERATED ALWAYS AS (f_sql(n) % 16) VIRTUAL"
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    [found] = [f for f in reports[-1].all_findings
               if f.rule == "generated-column-virtual-user-function"]
    assert "bucket" in found.message and "function f_sql()" in found.message
    assert "AS (f_sql(n) % 16) STORED" in found.instead


@pytest.mark.parametrize(("sql", "said"), [
    ("ALTER TABLE u ADD COLUMN v bool GENERATED ALWAYS AS (m = 'sad') VIRTUAL",
     "uses type public.mood,"),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n === 1) VIRTUAL",
     "uses operator public.===(integer,integer),"),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS ((n::pair).a) VIRTUAL",
     "uses cast (integer AS public.pair),"),
    ("ALTER TABLE t ADD COLUMN v posint GENERATED ALWAYS AS (n) VIRTUAL",
     "uses type public.posint,"),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS "
     "(app.g(n) + (n::plainint)::int) VIRTUAL",
     "uses function app.g() and type public.plainint,"),
])
def test_the_finding_names_each_object_not_built_in(sql: str, said: str) -> None:
    assert said in _finding_message(sql, SETUP)


def _finding_message(sql: str, setup: str) -> str:
    """The message of the one generated-column-virtual-user-function finding of `sql`."""
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    [found] = [f for f in reports[-1].all_findings
               if f.rule == "generated-column-virtual-user-function"]
    return found.message


@pytest.mark.parametrize(("sql", "allowed"), [
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (n * 2) STORED", True),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_sql(n)) STORED", False),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS ((n::posint)::int) STORED", False),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n === 1) STORED", False),
    ("ALTER TABLE t ADD COLUMN v mood GENERATED ALWAYS AS ('sad') STORED", False),
])
def test_the_safe_alternative_writes_virtual_only_where_the_server_takes_it(
        sql: str, allowed: bool) -> None:
    """`virtual_allowed` (may the advice for a STORED column say VIRTUAL) is the same
    judgement as the refusal."""
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    assert reports[-1].statements[-1].effect.actions[0].facts["virtual_allowed"] is allowed


#: The operators, types and extensions of fix-pg88: an operator the migrations made under a
#: built-in name, picked by its operands' types; ALTER COLUMN ... TYPE of a VIRTUAL column to
#: a type they made; citext, an extension the migrations created.
MORE_SETUP = """CREATE EXTENSION citext;
CREATE TABLE t (id int, n int, s text, b bool, vc varchar(5), ch char(3), c citext);
CREATE TABLE g (n int, s text, v int GENERATED ALWAYS AS (n + 1) VIRTUAL,
                w text GENERATED ALWAYS AS (s) VIRTUAL,
                st int GENERATED ALWAYS AS (n + 1) STORED);
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b int);
CREATE FUNCTION int_text_eq(int, text) RETURNS bool IMMUTABLE LANGUAGE sql
    AS 'SELECT $1::text = $2';
CREATE OPERATOR public.= (leftarg = int, rightarg = text, function = int_text_eq);
"""
OWN_W = 'virtual generated column "w" cannot have a user-defined type'

#: (a statement after MORE_SETUP, the server's message: "" when it runs)
MORE_CASES = [
    # the migrations' `=` taking an int and a text as they are: no built-in one does
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n = s) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n = s) STORED", ""),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n = 1) VIRTUAL", ""),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (s = 'x') VIRTUAL", ""),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n = id) VIRTUAL", ""),
    # ALTER COLUMN ... TYPE of a VIRTUAL column to a type the migrations made
    ("ALTER TABLE g ALTER COLUMN v TYPE posint", DOMAIN),
    ("ALTER TABLE g ALTER COLUMN v SET DATA TYPE posint[]", DOMAIN),
    ("ALTER TABLE g ALTER COLUMN v TYPE pair", OWN_TYPE),
    ("ALTER TABLE g ALTER COLUMN w TYPE mood", OWN_W),
    ("ALTER TABLE g ALTER COLUMN v TYPE bigint", ""),
    ("ALTER TABLE g ALTER COLUMN st TYPE posint", ""),
    # citext, of CREATE EXTENSION: its type and casts are not built in
    ("ALTER TABLE t ADD COLUMN v citext GENERATED ALWAYS AS (s) VIRTUAL", OWN_TYPE),
    ("ALTER TABLE t ADD COLUMN v citext GENERATED ALWAYS AS (s) STORED", ""),
    ("ALTER TABLE g ALTER COLUMN w TYPE citext", OWN_W),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (s::citext) VIRTUAL", USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (citext(s)) VIRTUAL", USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (citext(vc)) VIRTUAL", USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (citext('x')) VIRTUAL", USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (citext(b)) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (b::citext) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (citext(ch)) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (c::text) VIRTUAL", USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (c IS NULL) VIRTUAL", USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (citext(s)) STORED", ""),
]

#: What the server refuses but lockwise cannot name (citext's own `=` and regexp_match,
#: a built-in length(): which one runs is the extension's business): nothing is said.
UNSAID = [
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (c = 'x') VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (length(c)) VIRTUAL", USER_TYPE),
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS "
     "(regexp_match(c, 'a') IS NULL) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (citext(n)) VIRTUAL", USER),
]


@pytest.mark.parametrize(("sql", "message"), MORE_CASES)
def test_made_operators_retyped_columns_and_extension_types(sql: str, message: str) -> None:
    assert _refusal(sql, MORE_SETUP) == message


@pytest.mark.parametrize(("sql", "message"), UNSAID)
def test_what_an_extension_may_run_is_not_guessed(sql: str, message: str) -> None:
    assert _refusal(sql, MORE_SETUP) == ""


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "message"), MORE_CASES + UNSAID)
def test_the_server_refuses_those_so(pg_db: str, sql: str, message: str) -> None:
    assert server_message(pg_db, MORE_SETUP, sql) == message


def test_an_extension_the_migrations_did_not_create_is_not_guessed() -> None:
    """citext made outside the migrations (by hand, or by a tool): its type is not known."""
    setup = "CREATE TABLE t (id int, s text);\n"
    assert _refusal("ALTER TABLE t ADD COLUMN v citext GENERATED ALWAYS AS (s) VIRTUAL",
                    setup) == ""


@pytest.mark.parametrize(("sql", "said"), [
    ("ALTER TABLE t ADD COLUMN v bool GENERATED ALWAYS AS (n = s) VIRTUAL",
     "uses operator public.=(integer,text),"),
    ("ALTER TABLE g ALTER COLUMN v TYPE posint", "the VIRTUAL column v uses type public.posint,"),
    ("ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (b::citext) VIRTUAL",
     "uses cast (boolean AS citext),"),
])
def test_the_finding_names_those(sql: str, said: str) -> None:
    assert said in _finding_message(sql, MORE_SETUP)

