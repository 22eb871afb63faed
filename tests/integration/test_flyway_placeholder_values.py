"""Follow-ups of fix-layouts24 and fix-robust10 (fix-layouts25): a placeholder's value that
is no string, a prefix equal to the suffix, the text a parse error quotes after a value put
in, and a psql meta-command in a down file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.core.types import ToolPlaceholders
from lockwise.discover import discover
from lockwise.parse.source import InputError
from lockwise.parse.templates import (
    parse_with_values,
    tool_placeholder_names,
    unrunnable_placeholder,
)
from tree_helpers import clean_tool_environment, write


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_tool_environment(monkeypatch, tmp_path)


def _values(location: Path) -> dict[str, str]:
    (migration,) = discover(location)
    assert migration.tool_placeholders is not None
    return dict(migration.tool_placeholders.values)


_SQL = {"V1__t.sql": "SELECT '${a}', '${b}', '${c}', '${d}', '${e}';\n"}


def test_a_toml_number_or_boolean_is_its_text(tmp_path: Path) -> None:
    """Flyway binds `[flyway.placeholders]` to a map of strings (FlywayModel, read by
    Jackson): a number or a boolean is its text. It was read as having no value."""
    write(tmp_path, {"flyway.toml": "[flyway]\nlocations = ['filesystem:sql']\n"
                                    "[flyway.placeholders]\na = 1\nb = true\nc = 1.5\n"
                                    "d = false\ne = 'x'\n",
                     **{f"sql/{name}": text for name, text in _SQL.items()}})
    assert _values(tmp_path / "sql").items() >= {"a": "1", "b": "true", "c": "1.5",
                                                 "d": "false", "e": "x"}.items()
    assert unrunnable_placeholder(_SQL["V1__t.sql"], discover(tmp_path / "sql")[0]
                                  .tool_placeholders) is None


@pytest.mark.parametrize(("value", "where"), [("[1, 2]", "5:5"), ("{ x = 1 }", "5:5")],
                         ids=["array", "table"])
def test_a_toml_array_or_table_is_an_error_at_its_value(tmp_path: Path, value: str,
                                                        where: str) -> None:
    write(tmp_path, {"flyway.toml": "[flyway]\nlocations = ['filesystem:sql']\n\n"
                                    f"[flyway.placeholders]\na = {value}\n",
                     "sql/V1__t.sql": "SELECT '${a}';\n"})
    with pytest.raises(InputError) as caught:
        discover(tmp_path / "sql")
    assert caught.value.path == tmp_path / "flyway.toml"
    assert f"{caught.value.line}:{caught.value.column}" == where
    assert "placeholder a is a" in caught.value.message


def test_a_yaml_scalar_is_the_text_spring_binds(tmp_path: Path) -> None:
    """Spring Boot's YAML loader builds SnakeYAML's Java objects (YAML 1.1: `yes` and `on`
    are booleans) and the binder converts each to a string: `1.10` is the Double 1.1."""
    resources = "src/main/resources"
    write(tmp_path, {f"{resources}/application.yml":
                     "spring:\n  flyway:\n    placeholders:\n      a: 1\n      b: 1.10\n"
                     "      c: yes\n      d: on\n      e: 2024-01-01\n",
                     **{f"{resources}/db/migration/{name}": text
                        for name, text in _SQL.items()}})
    assert _values(tmp_path / resources / "db/migration").items() >= {
        "a": "1", "b": "1.1", "c": "true", "d": "true", "e": "2024-01-01"}.items()


def test_a_prefix_equal_to_its_suffix_scans_as_flyway_does() -> None:
    """Flyway's PlaceholderReplacingReader ends the name at the first suffix after the
    prefix: with both `%`, `%%a%%` is two placeholders with an empty name around `a`."""
    assert tool_placeholder_names("SELECT %%a%%;", "%", "%") == [(7, 9, ""), (10, 12, "")]
    assert tool_placeholder_names("SELECT %a%;", "%", "%") == [(7, 10, "a")]
    found = unrunnable_placeholder("SELECT %%a%%;\n", ToolPlaceholders("%", "%", True,
                                                                       (("a", "x"),)))
    assert found is not None and found[:2] == (1, 8)
    assert "Flyway placeholder %% has no value" in found[2], found


def test_a_parse_error_after_a_value_quotes_the_file() -> None:
    """The text a parse error quotes is the file's at that place, not the value put in."""
    parsed = parse_with_values("SELECT 1 AS x ${a}${a}$;\n",
                               ToolPlaceholders(values=(("a", "c"),)))
    (problem,) = parsed.problems
    assert 'at or near "${a}${a}$"' in problem.message, problem.message
    assert (problem.span.line, problem.span.column) == (1, 15)


@pytest.mark.parametrize(("files", "down"), [
    ({"diesel.toml": "", "migrations/2024-01-01-000000_a/up.sql": "CREATE TABLE t (id bigint);\n",
      "migrations/2024-01-01-000000_a/down.sql": "-- undo\n  \\i other.sql\nDROP TABLE t;\n"},
     "migrations/2024-01-01-000000_a/down.sql:2:3"),
    ({"migrations/1_a.up.sql": "CREATE TABLE t (id bigint);\n",
      "migrations/1_a.down.sql": "\\set ON_ERROR_STOP on\nDROP TABLE t;\n"},
     "migrations/1_a.down.sql:1:1"),
], ids=["diesel", "golang-migrate"])
def test_a_psql_meta_command_in_a_down_is_reported(tmp_path: Path, files: dict[str, str],
                                                   down: str) -> None:
    write(tmp_path, files)
    result = CliRunner().invoke(app, ["lint", "--no-cache", "migrations"])
    assert "conflict psql-meta-command" in result.stdout, result.stdout
    assert f"at {down}\n" in result.stdout, result.stdout
