"""The config's `character_set_server` names a character set the server knows (fix-mysql68):
any word was taken (`utf9`, its bytes then counted as utf8mb4's), where the server refuses
`SET character_set_server = 'utf9'` (error 1115, Unknown character set). The names and
their bytes per character are CHARSET_BYTES, checked here against MariaDB 10.11's
information_schema.CHARACTER_SETS; `utf8` is an alias (utf8mb3 on MariaDB 10.11 with its
default old_mode, UTF8_IS_UTF8MB3; utf8mb4 without it) and `binary` a character set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from lockwise.cli.app import app
from lockwise.effects.mysql import CHARSET_BYTES, MYSQL_ONLY_CHARSETS


def _lint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, *flags: str
) -> Result:
    (tmp_path / "m").mkdir(exist_ok=True)
    (tmp_path / "m" / "1_a.sql").write_text("CREATE TABLE t (id INT PRIMARY KEY, w VARCHAR(200));")
    (tmp_path / "m" / "2_b.sql").write_text("ALTER TABLE t MODIFY w VARCHAR(256);")
    (tmp_path / "lockwise.toml").write_text(f'migrations = ["m"]\n{config}')
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(app, ["lint", "-f", "json", "--no-cache", *flags])


@pytest.mark.parametrize(("dialect", "flags", "refused"), [
    ("mysql", ("--dialect", "mariadb"), True),  # the dialect in force is MariaDB's
    ("mysql", ("--dialect", "mysql"), False),
    ("mysql", (), False),
    ("mariadb", ("--dialect", "mysql"), False),  # refused by the config's, taken by MySQL
])
def test_a_set_the_dialect_in_force_lacks_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialect: str, flags: tuple[str, ...],
    refused: bool,
) -> None:
    """`gb18030` (MySQL 8's) beside `dialect = "mysql"` was taken when `--dialect mariadb`
    overrode the config's dialect (fix-mysql69): its bytes were then counted for a server
    that refuses it. The check follows the dialect in force, at the config's key."""
    config = f'dialect = "{dialect}"\ncharacter_set_server = "gb18030"\n'
    if dialect == "mariadb":  # (the config alone is refused)
        (tmp_path / "lockwise.toml").write_text(f'migrations = ["m"]\n{config}')
        monkeypatch.chdir(tmp_path)
        assert CliRunner().invoke(app, ["lint", "--no-cache"]).exit_code == 2
    result = _lint(tmp_path, monkeypatch, config, *flags)
    assert "Traceback" not in result.output
    if refused:
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(
            "lockwise: error: lockwise.toml:3:1: config: `character_set_server` = 'gb18030' "
            "is MySQL's, a character set MariaDB does not know"), result.stderr
    else:
        assert result.exit_code in (0, 1), result.output


@pytest.mark.parametrize(("dialect", "name", "said"), [
    ("mariadb", "nosuch", "neither MySQL 8 nor MariaDB knows"),
    ("mysql", "utf9", "neither MySQL 8 nor MariaDB knows (error 1115, Unknown character set) "
                      "(did you mean `utf8`?)"),
    ("mysql", "default", "neither MySQL 8 nor MariaDB knows"),
    ("mariadb", "gb18030", "MySQL's, a character set MariaDB does not know"),
])
def test_an_unknown_character_set_is_refused_at_its_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialect: str, name: str,
        said: str) -> None:
    result = _lint(tmp_path, monkeypatch,
                   f'dialect = "{dialect}"\ncharacter_set_server = "{name}"\n')
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"lockwise: error: lockwise.toml:3:1: config: `character_set_server` = '{name}' is "
        ), result.stderr
    assert said in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(("dialect", "name", "copies"), [
    ("mariadb", "utf8", False),  # utf8mb3: 600 to 768 bytes, two length bytes already
    ("mariadb", "UTF8MB3", False),
    ("mariadb", "binary", True),  # one byte a character: 200 to 256 adds a length byte
    ("mariadb", "cp1251", True),  # (was counted in utf8mb4's 4 bytes)
    ("mysql", "gb18030", False),  # MySQL's: 4 bytes
    ("mysql", "utf8", False),
])
def test_a_known_character_set_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        dialect: str, name: str, copies: bool) -> None:
    result = _lint(tmp_path, monkeypatch,
                   f'dialect = "{dialect}"\ncharacter_set_server = "{name}"\n')
    assert result.exit_code in (0, 1), result.output
    rules = {f["rule"] for m in json.loads(result.stdout)["migrations"]
             for s in m["statements"] for f in s["findings"]}
    assert ("mysql-table-copy" in rules) == copies


def test_the_names_and_bytes_are_mariadbs(mariadb) -> None:
    """Every character set MariaDB 10.11 lists is one lockwise knows, with its Maxlen; each
    of lockwise's but MySQL's own is one it takes as character_set_server."""
    listed = dict(line.split("\t") for line in mariadb.run(
        "SELECT CHARACTER_SET_NAME, MAXLEN FROM information_schema.CHARACTER_SETS",
        "mysql").stdout.splitlines())
    ours = {name: size for name, size in CHARSET_BYTES.items()
            if name != "utf8" and name not in MYSQL_ONLY_CHARSETS}
    assert {name: int(size) for name, size in listed.items()} == ours
    names = [n for n in CHARSET_BYTES if n not in MYSQL_ONLY_CHARSETS]
    ran = mariadb.run("".join(f"SET character_set_server = '{n}'; SELECT @@character_set_server;"
                              for n in names), "mysql")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == [n if n != "utf8" else "utf8mb3" for n in names]


@pytest.mark.parametrize("name", ["nosuch", "default", "utf9", "gb18030"])
def test_mariadb_refuses_what_lockwise_refuses(mariadb, name: str) -> None:
    ran = mariadb.run(f"SET character_set_server = '{name}'", "mysql")
    assert ran.returncode == 1 and "1115" in ran.stderr and "Unknown character set" in \
        ran.stderr, ran.stderr


def test_utf8_follows_old_mode_on_mariadb(mariadb) -> None:
    """utf8 is utf8mb3 while old_mode has UTF8_IS_UTF8MB3 (10.11's default), utf8mb4
    without it (utf8_alias: the default from 13.1)."""
    ran = mariadb.run("SELECT @@old_mode; SET character_set_server = 'utf8'; SELECT "
                      "@@character_set_server; SET old_mode = ''; SET character_set_server = "
                      "'utf8'; SELECT @@character_set_server", "mysql")
    assert ran.stdout.split() == ["UTF8_IS_UTF8MB3", "utf8mb3", "utf8mb4"], ran.stdout
