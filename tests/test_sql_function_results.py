"""A `LANGUAGE sql` function's result is checked at CREATE against what it is declared to
return, where its body is analyzed then (check_function_bodies on, its default; a BEGIN
ATOMIC body always): the final statement's columns must be as many as it returns (one for a
scalar, SETOF or one OUT / TABLE column; each of several OUT / TABLE columns) and each must
coerce to the declared type in assignment (int8 to int4, numeric to int4, anything to text
do; text to int4, int4 to bool do not; an untyped 'x' or NULL is text); a final statement
that returns no rows (an UPDATE without RETURNING, LOCK) is refused too, unless it returns
void. The server's message: "return type mismatch in function declared to return integer"
(checked on 18.6). lockwise says it only where every result column's type is certain (a
constant, a cast, a column of a table the replay knows whole) and the declared type is a
built-in one; RETURNS void, record, a composite or polymorphic type, and procedures are
left alone."""

from __future__ import annotations

import pytest

from test_sql_body_names import assert_not_refused, refusal_said

INT = "return type mismatch in function declared to return integer"
RECORD = "return type mismatch in function declared to return record"

#: A function g() in public (and a schema `other` without one), then a path that puts
#: `other` first.
PUBLIC_G = ("CREATE SCHEMA IF NOT EXISTS other;\nCREATE OR REPLACE FUNCTION public.g() "
            "RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n")
PATH = "SET search_path = other, public;\n"

#: (what runs first in the migration after SETUP (t (a int, b text)), the CREATE FUNCTION,
#: the server's message)
REFUSED = [
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 'x'::text $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 'x' $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT NULL $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 1, 2 $$", INT),
    ("", "CREATE FUNCTION h() RETURNS SETOF int LANGUAGE sql AS $$ SELECT 'x'::text $$", INT),
    ("", "CREATE FUNCTION h() RETURNS TABLE (a int, b text) LANGUAGE sql AS "
     "$$ SELECT 'x'::text, 'y'::text $$", RECORD),
    ("", "CREATE FUNCTION h() RETURNS TABLE (a int, b text) LANGUAGE sql AS $$ SELECT 1 $$",
     RECORD),
    ("", "CREATE FUNCTION h() RETURNS TABLE (a int) LANGUAGE sql AS $$ SELECT 'x'::text $$",
     INT),
    ("", "CREATE FUNCTION h(OUT a int, OUT b text) LANGUAGE sql AS "
     "$$ SELECT 'x'::text, 'y'::text $$", RECORD),
    ("", "CREATE FUNCTION h(OUT a int) LANGUAGE sql AS $$ SELECT 'x'::text $$", INT),
    ("", "CREATE FUNCTION h(INOUT a int) LANGUAGE sql AS $$ SELECT 'x'::text $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 'x'::text; END", INT),
    ("", "CREATE FUNCTION h() RETURNS bool LANGUAGE sql AS $$ SELECT 1 $$",
     "return type mismatch in function declared to return boolean"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT true $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT b FROM t $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT * FROM t $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS "
     "$$ UPDATE t SET a = 1 RETURNING b $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ UPDATE t SET a = 1 $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ LOCK TABLE t $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 1; SELECT 'x'::text $$",
     INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS "
     "$$ SELECT 'x'::text UNION SELECT 'y'::text $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int[] LANGUAGE sql AS $$ SELECT 1 $$",
     "return type mismatch in function declared to return integer[]"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT '{1}'::int[] $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ VALUES ('x'::text) $$", INT),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT ARRAY[1, 2] $$", INT),
    ("", "CREATE FUNCTION h() RETURNS uuid LANGUAGE sql AS $$ SELECT 'x'::text $$",
     "return type mismatch in function declared to return uuid"),
    ("", "CREATE FUNCTION h() RETURNS date LANGUAGE sql AS $$ SELECT '2020-01-01' $$",
     "return type mismatch in function declared to return date"),
    # g() bare under a path the migration set: public's, other has none (the server
    # searches functions by the path: fix-small69)
    (PUBLIC_G + PATH, "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS "
     "$$ SELECT 'x'::text WHERE g() = 1 $$", INT),
]

#: (what runs first, the CREATE FUNCTION): the server creates each (18.6).
ACCEPTED = [
    ("", "CREATE FUNCTION h() RETURNS bigint LANGUAGE sql AS $$ SELECT 1 $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 1::bigint $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 1.5 $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 1::float8 $$"),
    ("", "CREATE FUNCTION h() RETURNS numeric LANGUAGE sql AS $$ SELECT 1.5::float8 $$"),
    ("", "CREATE FUNCTION h() RETURNS text LANGUAGE sql AS $$ SELECT 1 $$"),
    ("", "CREATE FUNCTION h() RETURNS text LANGUAGE sql AS $$ SELECT true $$"),
    ("", "CREATE FUNCTION h() RETURNS text LANGUAGE sql AS $$ SELECT ARRAY[1] $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ VALUES (1), (2.5) $$"),
    ("", "CREATE FUNCTION h() RETURNS varchar(3) LANGUAGE sql AS $$ SELECT 'xxxxx'::text $$"),
    ("", "CREATE FUNCTION h() RETURNS varchar LANGUAGE sql AS $$ SELECT 'x' $$"),
    ("", "CREATE FUNCTION h() RETURNS timestamptz LANGUAGE sql AS $$ SELECT now()::date $$"),
    ("", "CREATE FUNCTION h() RETURNS date LANGUAGE sql AS "
     "$$ SELECT '2020-01-01'::timestamptz $$"),
    ("", "CREATE FUNCTION h() RETURNS json LANGUAGE sql AS $$ SELECT '{}'::jsonb $$"),
    ("", "CREATE FUNCTION h() RETURNS int[] LANGUAGE sql AS $$ SELECT ARRAY[1::bigint] $$"),
    ("", "CREATE FUNCTION h() RETURNS void LANGUAGE sql AS $$ SELECT 'x'::text $$"),
    ("", "CREATE FUNCTION h() RETURNS void LANGUAGE sql AS $$ UPDATE t SET a = 1 $$"),
    ("", "CREATE FUNCTION h() RETURNS record LANGUAGE sql AS $$ SELECT 'x'::text $$"),
    ("", "CREATE FUNCTION h() RETURNS SETOF record LANGUAGE sql AS $$ SELECT 'x'::text $$"),
    ("", "CREATE FUNCTION h() RETURNS t LANGUAGE sql AS $$ SELECT 1, 'x' $$"),
    ("", "CREATE FUNCTION h() RETURNS TABLE (a int, b text) LANGUAGE sql AS $$ SELECT 1, 2 $$"),
    ("", "CREATE FUNCTION h() RETURNS TABLE (a int, b text) LANGUAGE sql AS "
     "$$ SELECT a, b FROM t $$"),
    ("", "CREATE FUNCTION h(OUT a int, OUT b text) LANGUAGE sql AS $$ SELECT * FROM t $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 'x'::text; SELECT 1 $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 1 UNION SELECT 2 $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT length(b) FROM t $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS "
     "$$ INSERT INTO t (a) VALUES (1) RETURNING a $$"),
    ("", "CREATE FUNCTION h(x anyelement) RETURNS int LANGUAGE sql AS $$ SELECT 'x'::text $$"),
    ("", "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 'x'::text $$"),
    ("SET check_function_bodies = off;\n",
     "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT 'x'::text $$"),
    # a DO block may have changed b's type: the catalog no longer knows t whole
    ("DO $d$ BEGIN EXECUTE 'ALTER TABLE t ALTER b TYPE int USING 0'; END $d$;\n",
     "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT b FROM t $$"),
]

#: Refused by the server, but not by lockwise, which cannot be sure: a table the migrations
#: did not make (the server: relation "elsewhere" does not exist), a body resolved under the
#: function's own search_path, a result lockwise does not type.
UNSURE = [
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ SELECT b FROM elsewhere $$"),
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql SET search_path = public AS "
     "$$ SELECT b FROM t $$"),
    # VALUES' columns are typed only where each row's is (an operator's is not)
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ VALUES ('x'::text || 'y') $$"),
    # refused before: "VALUES types integer and text cannot be matched"
    ("", "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS $$ VALUES (1), ('x'::text) $$"),
    # a path without public does not find public.g (refused: function g() does not exist)
    (PUBLIC_G + "SET search_path = other;\n", "CREATE FUNCTION h() RETURNS int LANGUAGE sql "
     "AS $$ SELECT 'x'::text WHERE g() = 1 $$"),
]


@pytest.mark.parametrize(("before", "sql", "message"), REFUSED)
def test_a_result_the_declared_type_does_not_take_is_refused(before: str, sql: str,
                                                             message: str) -> None:
    assert f'"{message}"' in refusal_said(before, sql)


@pytest.mark.parametrize(("before", "sql"), ACCEPTED + UNSURE)
def test_a_result_lockwise_cannot_be_sure_of_is_not_refused(before: str, sql: str) -> None:
    assert_not_refused(before, sql)


@pytest.mark.postgres
def test_the_server_refuses_and_accepts_each_so(pg_db: str) -> None:
    import psycopg

    from server_helpers import server_message
    from test_sql_body_names import SETUP

    def clean() -> None:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute("DROP FUNCTION IF EXISTS h; DROP PROCEDURE IF EXISTS p;"
                         "DROP TABLE IF EXISTS t")

    for before, sql, message in REFUSED:
        clean()
        assert server_message(pg_db, [SETUP, before], sql) == message, sql
    for before, sql in ACCEPTED:
        clean()
        assert server_message(pg_db, [SETUP, before], sql) == "", sql
    for before, sql in UNSURE:
        clean()
        assert server_message(pg_db, [SETUP, before], sql) != "", sql
