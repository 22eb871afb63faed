"""psql's `\\encoding X`: the bytes after it are meant in X (psql sets client_encoding to X and
the server converts them). Checked with psql 15: after `\\encoding LATIN1` the byte 0xe9 is
stored as é, and UTF-8's é (0xc3 0xa9) as Ã©; after `\\encoding 'SJIS'` the bytes 0x95 0x5c
are 表, though 0x5c alone is a backslash; `\\encoding NOPE` is an error psql prints and
goes on from, with the encoding it had. lockwise reads the file as psql sends it: lint and
apply see the characters the server gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.parse.source import InputError, decode_sql


def test_the_bytes_after_encoding_latin1_are_latin1() -> None:
    text = decode_sql(b"\\encoding LATIN1\nINSERT INTO t VALUES ('\xe9t\xe9');\n")
    assert "'été'" in text


def test_utf8_bytes_after_encoding_latin1_are_what_psql_sends() -> None:
    text = decode_sql("\\encoding LATIN1\nINSERT INTO t VALUES ('é');\n".encode())
    assert "'Ã©'" in text


def test_before_the_meta_command_the_file_is_utf8() -> None:
    data = "SELECT 'é';\n".encode() + b"\\encoding latin2\nSELECT '\xb1';\n"
    assert decode_sql(data).split("\n")[0] == "SELECT 'é';"
    assert "SELECT 'ą';" in decode_sql(data)


def test_a_quoted_multibyte_encoding_whose_bytes_hold_a_backslash() -> None:
    text = decode_sql(b"\\encoding 'SJIS'\nSELECT '\x95\x5c';\n")
    assert "SELECT '表';" in text


def test_encoding_back_to_utf8_and_aliases() -> None:
    data = b"\\encoding WIN1252\nSELECT '\x80';\n\\encoding unicode\nSELECT '" + \
        "é".encode() + b"';\n"
    text = decode_sql(data)
    assert "SELECT '€';" in text and "SELECT 'é';" in text


def test_an_unknown_encoding_is_an_input_error_at_its_name() -> None:
    # psql prints "NOPE: invalid encoding name or conversion procedure not found" and reads
    # on in the encoding before: the bytes after a misspelt name are not what was meant.
    with pytest.raises(InputError) as raised:
        decode_sql("SELECT 1;\n  \\encoding NOPE\nSELECT 'é';\n".encode(), Path("m.sql"))
    assert (raised.value.line, raised.value.column) == (2, 13)
    assert "invalid encoding name or conversion procedure not found" in raised.value.message
    assert "NOPE" in raised.value.message


def test_a_psql_variable_as_the_name_keeps_the_encoding_before() -> None:
    # (psql fills it in; lockwise cannot know it, and says so where the variable is used)
    assert "SELECT 'é';" in decode_sql("\\encoding :enc\nSELECT 'é';\n".encode())


def test_lint_exits_2_at_an_unknown_encoding(tmp_path: Path) -> None:
    path = tmp_path / "001_names.sql"
    path.write_bytes(b"\\encoding 'LATIN-11'\nCREATE TABLE t (id int);\n")
    result = CliRunner().invoke(app, ["lint", str(path), "--no-cache"])
    assert result.exit_code == 2, result.output
    assert f"{path}:1:11: " in result.stderr, result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_byte_the_encoding_does_not_have_is_named_with_its_place() -> None:
    with pytest.raises(InputError) as raised:
        decode_sql(b"\\encoding EUC_JP\nSELECT 1;\nSELECT '\xff';\n", Path("m.sql"))
    assert (raised.value.line, raised.value.column) == (3, 9)
    assert "not valid EUC_JP" in raised.value.message
    assert "\\encoding EUC_JP" in raised.value.message


def test_an_encoding_lockwise_cannot_read_is_said() -> None:
    with pytest.raises(InputError) as raised:
        decode_sql(b"\\encoding EUC_TW\nSELECT '\xc4\xa1';\n", Path("m.sql"))
    assert "EUC_TW" in raised.value.message and "UTF-8" in raised.value.message
    assert raised.value.line == 1


def test_lint_reads_a_latin1_file_by_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "001_names.sql"
    path.write_bytes(b"\\encoding LATIN1\nCREATE TABLE caf\xe9 (id int);\n")
    result = CliRunner().invoke(app, ["lint", str(path), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output + result.stderr
    doc = json.loads(result.stdout)
    assert "café" in json.dumps(doc, ensure_ascii=False)


def test_an_unterminated_quote_around_the_name_is_an_input_error() -> None:
    # psql 15: "unterminated quoted string", and the encoding stays UTF8; the name inside
    # was taken as LATIN1 and the bytes after it read so.
    with pytest.raises(InputError) as raised:
        decode_sql(b"SELECT 1;\n\\encoding 'LATIN1\nSELECT '\xc3\xa9';\n", Path("m.sql"))
    assert (raised.value.line, raised.value.column) == (2, 11)
    assert "unterminated quoted string" in raised.value.message
