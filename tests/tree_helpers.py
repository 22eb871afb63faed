"""Writing a tree of migration files for a test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The prefixes of the environment variables Flyway, Spring, Liquibase and Micronaut read their
#: settings from.
TOOL_VARIABLES = ("FLYWAY_", "SPRING_", "LIQUIBASE_", "DATASOURCES_")


def clean_tool_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in `tmp_path`, without the tool variables of the machine's environment: a
    developer's FLYWAY_LOCATIONS would change what a test finds."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.upper().startswith(TOOL_VARIABLES):
            monkeypatch.delenv(name)


def write(root: Path, files: dict[str, str]) -> Path:
    """Each of `files` (path below `root` -> text) written, its folders made; `root` back."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def found_histories(root: Path, dialect: str) -> tuple[list[str], list[str]]:
    """The histories `discover_histories` finds below `root` with `dialect` (relative,
    `/`-separated), and its notes."""
    from lockwise.discover import discover_histories

    notes: list[str] = []
    histories = discover_histories(root, notes=notes, dialect=dialect)
    return [folder.relative_to(root).as_posix() for folder, _ in histories], notes


def assert_left_out_by_url(root: Path, expected: dict[str, list[str] | None], total: int,
                           tool: str = "Flyway") -> None:
    """For each dialect of `expected`, the histories found below `root` are those listed (of
    `total`), the others left out by `tool`'s url with a note naming the `--dialect` that
    lints them; None: every history left out, an input error."""
    import pytest

    from lockwise.parse.source import InputError

    for dialect, histories in expected.items():
        if histories is None:
            with pytest.raises(InputError, match="no .* migrations here"):
                found_histories(root, dialect)
            continue
        found, notes = found_histories(root, dialect)
        assert found == histories
        left = [n for n in notes if f"{tool}'s url" in n and "not linted" in n]
        assert len(left) == total - len(histories), notes
        assert all("`lockwise lint --dialect " in n for n in left), notes


def assert_stops_at(root: Path, location: Path, bad: str, line: int) -> None:
    """Discovering `location` raises InputError at the file `bad` (below `root`) and `line`,
    and `lockwise lint root` stops there: exit 2, the file and line named, no traceback."""
    import pytest
    from typer.testing import CliRunner

    from lockwise.cli.app import app
    from lockwise.discover import discover
    from lockwise.parse.source import InputError

    with pytest.raises(InputError) as error:
        discover(location)
    assert (error.value.path, error.value.line) == (root / bad, line)
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(root)])
    assert result.exit_code == 2, result.output
    assert f"{root / bad}:{line}:" in result.stderr
    assert "Traceback" not in result.stderr


def assert_named_history_noted(history: str, folder: str, notes: list[str]) -> None:
    """In the current folder: `lockwise lint history` (a MySQL history) reads it as
    PostgreSQL, its notes saying `notes`; `lint folder` (that history alone) stops, exit 2;
    `lint --dialect mysql folder` lints it."""
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    result = CliRunner().invoke(app, ["lint", "--no-cache", history])
    assert result.exit_code == 0, result.output
    assert all(note in result.stderr for note in notes), result.stderr
    result = CliRunner().invoke(app, ["lint", "--no-cache", folder])
    assert result.exit_code == 2, result.output
    assert "no PostgreSQL migrations here" in result.stderr
    assert "Traceback" not in result.stderr
    result = CliRunner().invoke(app, ["lint", "--no-cache", "--dialect", "mysql", folder])
    assert result.exit_code == 0, result.output
