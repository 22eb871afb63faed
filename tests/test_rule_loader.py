"""Loading rule files: the parsed catalog is cached, and the cache follows the files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lockwise.rules.loader import load_rules

RULE = '''id = "team-no-truncate"
title = "{title}"
safety = "destructive"
when = {{ action = "truncate" }}
message = "no TRUNCATE on {{table}}"
why = "team policy"
instead = "DELETE in batches"
'''


@pytest.fixture
def rules_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    load_rules.cache_clear()
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "team-no-truncate.toml").write_text(RULE.format(title="first"))
    yield directory
    load_rules.cache_clear()


def _team_rule(directory: Path):
    return next(r for r in load_rules((directory,)) if r.id == "team-no-truncate")


def test_cache_is_written_and_used(rules_dir: Path) -> None:
    assert _team_rule(rules_dir).title == "first"
    (cache,) = (rules_dir.parent / "cache").iterdir()
    load_rules.cache_clear()
    assert _team_rule(rules_dir).title == "first"
    assert cache.stat().st_size > 0


def test_an_edited_rule_file_is_read_again(rules_dir: Path) -> None:
    assert _team_rule(rules_dir).title == "first"
    path = rules_dir / "team-no-truncate.toml"
    path.write_text(RULE.format(title="second"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    load_rules.cache_clear()
    assert _team_rule(rules_dir).title == "second"


def test_a_damaged_cache_is_rebuilt(rules_dir: Path) -> None:
    _team_rule(rules_dir)
    (cache,) = (rules_dir.parent / "cache").iterdir()
    cache.write_bytes(b"not a pickle")
    load_rules.cache_clear()
    assert _team_rule(rules_dir).title == "first"


def test_cache_can_be_turned_off(rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", "off")
    load_rules.cache_clear()
    assert _team_rule(rules_dir).title == "first"
    assert not (rules_dir.parent / "cache").exists()


def test_superseded_by_alternatives_must_be_a_bool(rules_dir: Path) -> None:
    from lockwise.parse.source import InputError

    path = rules_dir / "team-no-truncate.toml"
    path.write_text('superseded_by_alternatives = "yes"\n' + RULE.format(title="first"))
    with pytest.raises(InputError, match="superseded_by_alternatives"):
        load_rules((rules_dir,))
    path.write_text("superseded_by_alternatives = true\n" + RULE.format(title="first"))
    load_rules.cache_clear()
    [rule] = [r for r in load_rules((rules_dir,)) if r.id == "team-no-truncate"]
    assert rule.superseded_by_alternatives


def test_one_set_covers_must_name_a_setting(rules_dir: Path) -> None:
    from lockwise.parse.source import InputError

    path = rules_dir / "team-no-truncate.toml"
    path.write_text('one_set_covers = "lock timeout; DROP"\n' + RULE.format(title="first"))
    with pytest.raises(InputError, match="one_set_covers"):
        load_rules((rules_dir,))
