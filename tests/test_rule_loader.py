"""Loading rule files: the parsed catalog is cached, and the cache follows the files."""

from __future__ import annotations

import dataclasses
import os
import re
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
    (cache,) = (rules_dir.parent / "cache").glob("rules-*")
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
    (cache,) = (rules_dir.parent / "cache").glob("rules-*")
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


# A team's rule is checked against the facts lockwise has when it is loaded: a name that is
# no fact would make a rule that never matches, or a message that prints "{name}".

def _write(directory: Path, when: str = 'action = "truncate"',
           message: str = "no TRUNCATE on {{table}}",
           instead: str = "DELETE FROM {{table_sql}} in batches") -> Path:
    path = directory / "team-no-truncate.toml"
    path.write_text(RULE.replace('{{ action = "truncate" }}', f"{{{{ {when} }}}}")
                    .replace("no TRUNCATE on {{table}}", message)
                    .replace('"DELETE in batches"', f'"{instead}"')
                    .format(title="first"))
    return path


@pytest.mark.parametrize(("when", "message", "instead", "error"), [
    ('action = "truncate", tabel_is_new = false', "no TRUNCATE on {{table}}", "DELETE",
     r":4:\d+: .*`when` names 'tabel_is_new'.*never match; did you mean 'table_is_new'\?"),
    ('action = "truncate"', "no TRUNCATE on {{tabel}}", "DELETE",
     r":5:\d+: .*'message' uses the placeholder \{tabel\}.*did you mean 'table'\?"),
    ('action = "truncate"', "no TRUNCATE", "DELETE FROM {{0}}",
     r":7:\d+: .*'instead' uses the placeholder \{0\}: a placeholder is the name of a fact"),
    ('action = "truncate"', "no TRUNCATE on {{table.name}}", "DELETE",
     r":5:\d+: .*placeholder \{table.name\}: a placeholder is the name of a fact alone"),
    ('action = "truncate"', "no TRUNCATE on {{table", "DELETE",
     r":5:1: .*'message' is not a valid template .*write a literal brace as \{\{"),
    ('action = "truncte"', "no TRUNCATE", "DELETE",
     r":4:19: .*`when` matches action 'truncte', which no statement has.*never match; "
     r"did you mean 'truncate'\?"),
    ('action = ["truncate", "drop_tabel"]', "no TRUNCATE", "DELETE",
     r":4:32: .*action 'drop_tabel'.*did you mean 'drop_table'\?"),
    ('action = 3', "no TRUNCATE", "DELETE", r":4:\d+: .*`action` must be .*action kinds"),
])
def test_a_rule_naming_no_fact_is_an_input_error(rules_dir: Path, when: str, message: str,
                                                 instead: str, error: str) -> None:
    from lockwise.parse.source import InputError

    path = _write(rules_dir, when, message, instead)
    with pytest.raises(InputError) as raised:
        load_rules((rules_dir,))
    assert raised.value.path == path
    assert re.search(error, str(raised.value)), str(raised.value)


def test_a_rule_naming_facts_loads(rules_dir: Path) -> None:
    _write(rules_dir, 'action = "truncate", table_is_new = false, pg_version_min = 12',
           "no TRUNCATE on {{table}} ({{lock}}), literal {{{{braces}}}}",
           "DELETE FROM {{table_sql}} WHERE id IN (SELECT id FROM {{table_sql}} LIMIT 1000)")
    load_rules.cache_clear()
    assert _team_rule(rules_dir).message.startswith("no TRUNCATE on {table}")


def test_a_bad_team_rule_exits_2_naming_the_file_and_the_name(rules_dir: Path) -> None:
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    path = _write(rules_dir, 'action = "truncate", tabel_is_new = false')
    migration = rules_dir.parent / "0001_init.sql"
    migration.write_text("TRUNCATE accounts;\n")
    result = CliRunner().invoke(app, ["lint", str(migration), "--rules-dir", str(rules_dir)])
    assert result.exit_code == 2
    assert f"{path}:4:" in result.output and "'tabel_is_new'" in result.output
    assert "Traceback" not in result.output


def test_fact_names_are_fresh() -> None:
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "scripts" / "gen_fact_names.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_every_fact_the_rule_examples_produce_is_a_known_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The names are read from the source: this checks the reading misses none that a rule
    example's statements produce (a fact stated some other way would be refused in a rule)."""
    from lockwise.rules import engine
    from lockwise.rules.fact_names import ACTION_KINDS, FACT_NAMES
    from test_rule_examples import RULES, findings_for

    seen: set[str] = set()
    kinds: set[str] = set()
    matching = engine.RuleIndex.matching

    def recording(self: engine.RuleIndex, facts: dict) -> list:
        seen.update(facts)
        kinds.add(facts.get("action", ""))
        return matching(self, facts)

    monkeypatch.setattr(engine.RuleIndex, "matching", recording)
    for rule in RULES:
        for example in rule.examples:
            findings_for(example, rule)
    assert len(seen) > 300
    assert seen <= FACT_NAMES, sorted(seen - FACT_NAMES)
    # and every action kind, which a rule's `action` is checked against
    kinds.discard("")
    assert len(kinds) > 80
    assert kinds <= ACTION_KINDS, sorted(kinds - ACTION_KINDS)


def test_the_rules_without_their_examples_are_read_without_the_examples(
        rules_dir: Path) -> None:
    # Lint reads no example: they are stored apart, and lint's reading skips them.
    full = load_rules((rules_dir,))
    assert any(r.examples for r in full)
    examples = [p for p in (rules_dir.parent / "cache").iterdir()
                if p.name.startswith("examples-")]
    assert len(examples) == 1
    examples[0].unlink()
    load_rules.cache_clear()
    bare = load_rules((rules_dir,), examples=False)
    assert list(bare) == [dataclasses.replace(r, examples=()) for r in full]
    assert not examples[0].exists()  # served from the stored catalog alone
    load_rules.cache_clear()
    assert load_rules((rules_dir,)) == full  # the examples are read from the files again
    load_rules.cache_clear()
    assert load_rules((rules_dir,)) == full  # ... and from the cache after


def test_a_rule_read_back_from_the_cache_names_its_file_as_a_string(rules_dir: Path) -> None:
    # Every lint reads the catalog back: a Path built per rule was half of that reading.
    parsed = _team_rule(rules_dir)
    load_rules.cache_clear()
    cached = load_rules((rules_dir,), examples=False)
    team = next(r for r in cached if r.id == "team-no-truncate")
    assert team.path == parsed.path == str(rules_dir / "team-no-truncate.toml")
    assert all(type(r.path) is str and Path(r.path).stem == r.id for r in cached)


def test_a_catalog_stored_by_a_version_whose_rules_held_a_path_is_not_read(
        rules_dir: Path) -> None:
    # Two versions may share a cache folder: the catalog the older one stored (a Path per
    # rule, under the name its fingerprint alone gave) is not read back as this one's.
    from lockwise.cache import blake2b, store
    from lockwise.rules.loader import rules_fingerprint

    parsed = load_rules((rules_dir,), examples=False)
    old = [dataclasses.replace(r, path=Path(r.path), title="stored by the older version")
           for r in parsed]
    digest = blake2b(rules_fingerprint((rules_dir,)).encode(), digest_size=16).hexdigest()
    store(f"rules-{digest}", None, old)
    load_rules.cache_clear()
    again = load_rules((rules_dir,), examples=False)
    assert again == parsed
    assert all(type(r.path) is str for r in again)


def test_the_catalog_read_back_is_the_parsed_one_with_its_levels_and_strategies(
        rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stored with `marshal` (a lint then needs no unpickler): each rule's safety and strategy
    # come back as the enums' members, its `when` with its dicts and lists as parsed.
    from lockwise.core.types import Safety, Strategy

    parsed = load_rules((rules_dir,), examples=False)
    load_rules.cache_clear()
    cached = load_rules((rules_dir,), examples=False)
    assert cached == parsed
    for back, rule in zip(cached, parsed, strict=True):
        assert type(back.safety) is Safety and back.safety is rule.safety
        assert back.strategy is rule.strategy
        assert back.strategy is None or type(back.strategy) is Strategy
        assert repr(back.when) == repr(rule.when)  # lists stay lists, tuples tuples
    assert any(r.strategy is not None for r in cached)  # both kinds seen


def test_a_catalog_file_of_other_values_is_parsed_again(rules_dir: Path) -> None:
    from lockwise.cache import store_marshalled

    parsed = load_rules((rules_dir,), examples=False)
    (stored,) = (rules_dir.parent / "cache").glob("rules-*")
    for damaged in (("not", "rules"), [1, 2], ((1,),)):
        store_marshalled(stored.name, damaged)
        load_rules.cache_clear()
        assert load_rules((rules_dir,), examples=False) == parsed


def test_the_rules_fingerprint_joins_no_path(rules_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Every lint asks for it (a cached one for its key, an uncached one to read the catalog
    # back): scandir's entries carry their paths, where `os.path.join` per rule file was a
    # quarter of it.
    from lockwise.rules.loader import rules_fingerprint

    expected = rules_fingerprint((rules_dir,))
    joined: list[tuple] = []
    real_join = os.path.join
    monkeypatch.setattr(os.path, "join", lambda *parts: joined.append(parts) or real_join(*parts))
    assert rules_fingerprint((rules_dir,)) == expected
    assert joined == []
    from lockwise.rules.loader import builtin_rules_dir

    listed = expected.split("\0")
    shipped = sorted(builtin_rules_dir().glob("*.toml"))
    assert [entry.rsplit(":", 2)[0] for entry in listed[:-1]] == [str(p) for p in shipped]
    assert listed[-1].startswith(f"{rules_dir}{os.sep}team-no-truncate.toml:")


def test_a_catalog_stored_by_code_whose_rules_had_a_field_less_is_parsed_again(
        rules_dir: Path) -> None:
    # A development checkout adds a field with a default to `Rule` and keeps its version: the
    # catalog the code before stored holds a value less per rule, which read by position would
    # give each later field its neighbour's value (and fail only when a rule is judged).
    from lockwise.cache import load_marshalled, store_marshalled

    parsed = load_rules((rules_dir,), examples=False)
    (stored,) = (rules_dir.parent / "cache").glob("rules-*")
    names = [f.name for f in dataclasses.fields(parsed[0])]
    dropped = names.index("instead_mysql")  # one with a default, as new fields are
    older = tuple(values[:dropped] + values[dropped + 1:]
                  for values in load_marshalled(stored.name))
    store_marshalled(stored.name, older)
    load_rules.cache_clear()
    assert load_rules((rules_dir,), examples=False) == parsed


def test_the_catalog_is_stored_under_a_name_its_rule_shape_is_part_of(
        rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.rules import loader

    load_rules((rules_dir,), examples=False)
    monkeypatch.setattr(loader, "_rule_shape", lambda: "path,id,a_field_moved")
    load_rules.cache_clear()
    load_rules((rules_dir,), examples=False)
    assert len(list((rules_dir.parent / "cache").glob("rules-*"))) == 2


def _age(path: Path, seconds: int) -> None:
    os.utime(path, ns=(seconds * 10**9, seconds * 10**9))


def test_a_catalog_read_back_is_marked_as_used(rules_dir: Path) -> None:
    load_rules((rules_dir,))
    cache = rules_dir.parent / "cache"
    # The content-keyed names are hard links to these two (fix-speed69): one inode each.
    stored = sorted([*cache.glob("examples-*"), *cache.glob("rules-*")])
    assert [p.name.split("-")[0] for p in stored] == ["examples", "rules"]
    for path in stored:
        _age(path, 1000)
    load_rules.cache_clear()
    load_rules((rules_dir,))  # both read back: both marked
    assert all(path.stat().st_mtime_ns > 1000 * 10**9 for path in stored)


def test_a_catalog_in_use_outlives_eight_written_after_it(rules_dir: Path) -> None:
    # Pruning keeps the 8 catalogs last written or used: one written long ago and read since
    # stays while 8 others (other installs, versions, rule sets) are written around its use.
    from lockwise.cache import store_marshalled

    load_rules((rules_dir,), examples=False)
    cache = rules_dir.parent / "cache"
    (in_use,) = cache.glob("rules-*")
    _age(in_use, 1000)
    others = [f"rules-{i:032x}" for i in range(8)]
    for at, name in enumerate(others[:4]):
        store_marshalled(name, (), keep=8)
        _age(cache / name, 2000 + at)
    load_rules.cache_clear()
    load_rules((rules_dir,), examples=False)  # used: read back
    for name in others[4:]:
        store_marshalled(name, (), keep=8)
    kept = {p.name for p in cache.glob("rules-*")}
    assert kept == {in_use.name, *others[1:]}  # the oldest other one pruned instead


# A catalog missed by its files' paths and times (a second worktree or install, a checkout
# that rewrote the rule files) is looked up by their content before their TOML is parsed.

@pytest.fixture
def two_trees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Two copies of the shipped rules folder, at two paths, and one cache folder."""
    import shutil

    from lockwise.rules.loader import builtin_rules_dir

    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    trees = (tmp_path / "a" / "rules", tmp_path / "tree-b" / "rules")
    for tree in trees:
        shutil.copytree(builtin_rules_dir(), tree)
    load_rules.cache_clear()
    yield trees
    load_rules.cache_clear()


def _load_from(tree: Path, monkeypatch: pytest.MonkeyPatch, directories: tuple[Path, ...] = (),
               examples: bool = True) -> tuple[tuple, list[str]]:
    """`load_rules` with `tree` as the shipped folder, and the files whose TOML it parsed."""
    from lockwise.rules import loader

    parsed: list[str] = []
    real = loader.parse_toml
    monkeypatch.setattr(loader, "builtin_rules_dir", lambda: tree)
    monkeypatch.setattr(loader, "parse_toml",
                        lambda text, path: parsed.append(str(path)) or real(text, path))
    load_rules.cache_clear()
    return load_rules(directories, examples), parsed


def test_a_catalog_stored_from_one_tree_is_found_by_content_from_another(
        two_trees: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two_trees
    from_a, parsed = _load_from(a, monkeypatch)
    assert len(parsed) == len(list(a.glob("*.toml"))) > 100
    from_b, parsed = _load_from(b, monkeypatch)
    assert parsed == []
    assert all(Path(r.path).parent == b and Path(r.path).stem == r.id for r in from_b)
    assert [dataclasses.replace(r, path=Path(r.path).name) for r in from_b] == \
        [dataclasses.replace(r, path=Path(r.path).name) for r in from_a]
    assert sum(len(r.examples) for r in from_b) > 100  # the examples found with it
    # Stored under B's paths and times too: found there next, its files not read at all.
    from lockwise.rules import loader

    monkeypatch.setattr(loader, "_content_digest", lambda *args: pytest.fail("by content"))
    again, parsed = _load_from(b, monkeypatch)
    assert parsed == [] and again == from_b
    bare, parsed = _load_from(a, monkeypatch, examples=False)
    assert parsed == [] and all(Path(r.path).parent == a for r in bare)


def test_a_rule_file_of_other_bytes_misses_the_catalog_stored_by_content(
        two_trees: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two_trees
    _load_from(a, monkeypatch)
    path = b / "truncate-table.toml"
    path.write_text(path.read_text().replace('title = "', 'title = "Edited: ', 1))
    from_b, parsed = _load_from(b, monkeypatch)
    assert len(parsed) == len(list(b.glob("*.toml")))
    assert next(r for r in from_b if r.id == "truncate-table").title.startswith("Edited: ")
    # and A's catalog is still A's
    from_a, parsed = _load_from(a, monkeypatch)
    assert parsed == []
    assert not next(r for r in from_a if r.id == "truncate-table").title.startswith("Edited")


def test_a_team_rules_dir_is_found_by_content_with_its_own_path(
        two_trees: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    a, b = two_trees
    team = tmp_path / "team"
    team.mkdir()
    (team / "team-no-truncate.toml").write_text(RULE.format(title="first"))
    _load_from(a, monkeypatch, (team,))
    from_b, parsed = _load_from(b, monkeypatch, (team,))
    assert parsed == []
    mine = next(r for r in from_b if r.id == "team-no-truncate")
    assert mine.path == str(team / "team-no-truncate.toml") and mine.title == "first"
    assert all(Path(r.path).parent == b for r in from_b if r is not mine)
    # Its content is part of the key: an edited team rule is parsed again.
    (team / "team-no-truncate.toml").write_text(RULE.format(title="second"))
    _, parsed = _load_from(a, monkeypatch, (team,))
    assert len(parsed) > 100


def test_a_rule_file_of_the_shipped_folder_is_stored_by_its_name_alone(
        rules_dir: Path) -> None:
    from lockwise.cache import load_marshalled
    from lockwise.rules.loader import builtin_rules_dir

    parsed = load_rules((rules_dir,), examples=False)
    (stored,) = (rules_dir.parent / "cache").glob("rules-*")
    names = [f.name for f in dataclasses.fields(parsed[0])]
    paths = [values[names.index("path")] for values in load_marshalled(stored.name)]
    assert paths == [r.path if Path(r.path).parent == rules_dir else Path(r.path).name
                     for r in parsed]
    assert all(Path(r.path).parent in (rules_dir, builtin_rules_dir()) for r in parsed)
    content = list((rules_dir.parent / "cache").glob("rulescontent-*"))
    assert len(content) == 1 and content[0].read_bytes() == stored.read_bytes()


@pytest.mark.parametrize("hard_links", [True, False])
def test_a_stored_file_kept_under_a_second_name_replaces_it_and_is_just_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool) -> None:
    # `cache.link`: a hard link, or a copy on a file system without them; replacing a file
    # of that name (a damaged one), marked as just written (pruning keeps the newest).
    from lockwise.cache import link, load_marshalled, store_marshalled

    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    if not hard_links:
        def refused(*args: object) -> None:
            raise OSError("no hard links here")
        monkeypatch.setattr(os, "link", refused)
    store_marshalled("rules-old", ("stored",))
    os.utime(tmp_path / "rules-old", ns=(0, 0))
    (tmp_path / "rulescontent-x").write_bytes(b"damaged")
    link("rules-old", "rulescontent-x", keep=8)
    assert load_marshalled("rulescontent-x") == ("stored",)
    assert (tmp_path / "rulescontent-x").stat().st_mtime_ns > 0
    assert (tmp_path / "rules-old").stat().st_nlink == (2 if hard_links else 1)
    link("rules-missing", "rulescontent-y")  # nothing to keep: nothing, and no error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rules-old", "rulescontent-x"]
