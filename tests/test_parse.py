"""Parsing: statements keep exact spans; bad SQL becomes a positioned problem, not an error."""

from __future__ import annotations

import pytest

from lockwise.parse.postgres import parse_sql
from lockwise.parse.source import InputError, decode_sql


def test_spans_are_line_and_column_of_each_statement() -> None:
    parsed = parse_sql("-- header\nCREATE TABLE a (id int);\n\n  ALTER TABLE a ADD b int;\n")
    assert [(s.span.line, s.span.column) for s in parsed.statements] == [(2, 1), (4, 3)]
    assert parsed.statements[1].sql == "ALTER TABLE a ADD b int"


def test_non_ascii_text_keeps_character_offsets() -> None:
    parsed = parse_sql("SELECT 'été';\nCREATE TABLE é (id int);")
    assert parsed.statements[1].sql == "CREATE TABLE é (id int)"
    assert parsed.statements[1].span.line == 2


def test_a_bad_statement_is_reported_and_the_others_still_parse() -> None:
    parsed = parse_sql(
        "CREATE TABLE a (id int);\nALTER TABLEX a ADD b int;\nCREATE INDEX ON a (id);")
    assert [s.tree.keys() for s in parsed.statements] == [{"CreateStmt": 0}.keys(),
                                                          {"IndexStmt": 0}.keys()]
    (problem,) = parsed.problems
    assert (problem.span.line, problem.span.column) == (2, 7)
    assert "TABLEX" in problem.message


def test_unbalanced_parenthesis_does_not_swallow_the_rest() -> None:
    parsed = parse_sql("SELECT 1;\nSELECT (;\nSELECT 2;")
    assert len(parsed.statements) == 2
    assert parsed.problems[0].span.line == 2


def test_psql_meta_commands_and_copy_data_are_skipped() -> None:
    parsed = parse_sql("\\set ON_ERROR_STOP on\nCOPY t (a) FROM stdin;\n1\n2\n\\.\nSELECT 1;")
    assert [s.kind for s in parsed.skipped] == ["copy-data", "psql-meta"]
    assert len(parsed.statements) == 2
    assert not parsed.problems


def test_backslash_inside_dollar_quotes_is_left_alone() -> None:
    body = "CREATE FUNCTION f() RETURNS text AS $$\n\\not a meta command\n$$ LANGUAGE sql;"
    parsed = parse_sql(body)
    assert not parsed.skipped


def test_comments_before_a_statement_are_attached_to_it() -> None:
    parsed = parse_sql("SELECT 1; -- about one\n-- about two\nSELECT 2;")
    assert parsed.statements[0].leading_comments == ("-- about one",)
    assert parsed.statements[1].leading_comments == ("-- about two",)


@pytest.mark.parametrize("text", ["", "   \n", "-- only a comment\n", "/* block */"])
def test_empty_and_comment_only_input(text: str) -> None:
    parsed = parse_sql(text)
    assert not parsed.statements and not parsed.problems


def test_decoding_bom_crlf_and_errors() -> None:
    assert decode_sql(b"\xef\xbb\xbfSELECT 1;\r\nSELECT 2;") == "SELECT 1;\nSELECT 2;"
    with pytest.raises(InputError, match="UTF-8") as err:
        decode_sql(b"SELECT 1;\nSELECT '\xff';")
    assert (err.value.line, err.value.column) == (2, 9)
    with pytest.raises(InputError, match="binary"):
        decode_sql(b"\x00\x01\x02")


def test_comments_can_be_left_out() -> None:
    sql = "-- lockwise: ignore-file\n-- why\nCREATE TABLE t (id int); -- tail\nDROP TABLE t;\n"
    full, bare = parse_sql(sql), parse_sql(sql, comments=False)
    assert full.statements[0].leading_comments and full.comments
    assert not any(s.leading_comments for s in bare.statements) and not bare.comments
    assert [(s.sql, s.span, s.tree) for s in bare.statements] == \
        [(s.sql, s.span, s.tree) for s in full.statements]


# --- found by running lockwise over PostgreSQL's regression SQL (docs/robustness.md) ---------

@pytest.mark.parametrize("body", [
    "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; SELECT 2; END;",
    "CREATE FUNCTION f(x int) RETURNS bool BEGIN ATOMIC\n"
    "  SELECT CASE WHEN x > 0 THEN true ELSE false END;\nEND;",
    "CREATE RULE r AS ON DELETE TO t DO ALSO (DELETE FROM u; DELETE FROM v;);",
])
def test_a_body_with_semicolons_stays_one_statement_after_a_parse_error(body: str) -> None:
    """After another statement fails to parse, the file is cut at semicolons: not at those
    inside a BEGIN ATOMIC body or a rule's parenthesized actions."""
    parsed = parse_sql(f"SELECT 1 2;\n{body}\nCREATE TABLE w (a int);\n")
    assert [p.span.line for p in parsed.problems] == [1]
    assert [s.sql.split()[:2] for s in parsed.statements] == [body.split()[:2],
                                                              ["CREATE", "TABLE"]]


def test_a_broken_statement_inside_parentheses_is_still_cut_at_its_semicolons() -> None:
    parsed = parse_sql("SELECT (1;\nCREATE TABLE w (a int);\nSELECT 1 2;\n")
    assert [p.span.line for p in parsed.problems] == [1, 3]
    assert [s.span.line for s in parsed.statements] == [2]


@pytest.mark.parametrize("text", [
    "-- COPY t FROM stdin;\nCREATE INDEX i ON t (a);\n",
    "/* COPY t FROM stdin; */\nCREATE INDEX i ON t (a);\n",
    "SELECT 'COPY t FROM stdin;\n';\nCREATE INDEX i ON t (a);\n",
    "DO $$ BEGIN EXECUTE 'COPY t FROM stdin;\n'; END $$;\nCREATE INDEX i ON t (a);\n",
])
def test_copy_from_stdin_in_a_comment_or_string_starts_no_data(text: str) -> None:
    parsed = parse_sql(text)
    assert not [s for s in parsed.skipped if s.kind == "copy-data"]
    assert parsed.statements[-1].sql == "CREATE INDEX i ON t (a)"


@pytest.mark.parametrize("copy", [
    "COPY t FROM stdin; -- load the rows",
    "COPY t FROM stdin WITH (DELIMITER ';');",
    "COPY t FROM stdin DELIMITER ';' NULL '';",
    "COPY t FROM stdin;  /* rows */",
])
def test_copy_data_follows_any_copy_from_stdin_line(copy: str) -> None:
    parsed = parse_sql(f"{copy}\n1;2\nDROP TABLE t;\n\\.\nCREATE INDEX i ON t (a);\n")
    assert not parsed.problems
    assert [s.kind for s in parsed.skipped] == ["copy-data"]
    assert [s.span.line for s in parsed.statements] == [1, 5]


def test_an_unbalanced_parenthesis_does_not_split_a_later_atomic_body() -> None:
    parsed = parse_sql("SELECT (1;\nCREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;\n")
    assert [p.span.line for p in parsed.problems] == [1]
    assert [s.sql[:15] for s in parsed.statements] == ["CREATE FUNCTION"]
