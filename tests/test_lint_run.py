"""What `lockwise lint` runs between reading and printing (cli/lint_run.py): the result
cache, the conflict graph streamed from lint's reports, and the graph built in a second process.

A second run over unchanged inputs is served from the cache (lint is not run again) and
prints exactly what the first run printed; any change to a migration, an option or the
config's overrides is seen. The conflicts found while lint streams its reports to the graph,
and those the graph finds on its own in a forked process, are the ones a graph built
afterwards from lint's reports finds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lockwise.lint
from lockwise.cli.app import app
from lockwise.cli.inputs import collect
from lockwise.cli.lint_run import lint_with_conflicts
from lockwise.graph.build import build_graph
from lockwise.lint import LintOptions, lint_migrations
from lockwise.rules.loader import load_rules

REPO = Path(__file__).resolve().parent.parent
CONFLICTS = REPO / "fixtures" / "conflicts"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(REPO / "fixtures" / "migrations", target)
    return target


def _lint(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", "--no-color", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _lint_results(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("lint-*")) if cache_dir.is_dir() else []


def _forbid_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("lint ran although its result was cached")

    monkeypatch.setattr(lockwise.lint, "lint_migrations", fail)


def test_second_run_is_served_from_the_cache(cache_dir: Path, migrations_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    first = _lint(str(migrations_dir))
    assert len(_lint_results(cache_dir)) == 1
    _forbid_lint(monkeypatch)
    assert _lint(str(migrations_dir)) == first
    assert first[0] == 1  # the fixtures have requires-downtime migrations


def test_json_and_text_come_from_one_cached_result(cache_dir: Path, migrations_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text = _lint(str(migrations_dir))
    _forbid_lint(monkeypatch)
    code, out = _lint("--format", "json", str(migrations_dir))
    assert code == text[0] and '"migrations"' in out


def test_an_edited_migration_is_linted_again(cache_dir: Path, migrations_dir: Path) -> None:
    code, out = _lint(str(migrations_dir))
    assert "0008_drop_legacy_name.up.sql  [safe]" in out
    (migrations_dir / "0008_drop_legacy_name.up.sql").write_text(
        "ALTER TABLE accounts ADD COLUMN created_at timestamptz DEFAULT clock_timestamp();\n")
    code, out = _lint(str(migrations_dir))
    assert "0008_drop_legacy_name.up.sql  [requires-downtime]" in out
    assert len(_lint_results(cache_dir)) == 2


def test_a_new_down_migration_is_seen(cache_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "clean"
    shutil.copytree(CONFLICTS / "clean", target)
    assert "down-mismatch" not in _lint(str(target))[1]
    (target / "2_create_orders.down.sql").write_text("SELECT 1;\n")
    assert "down-mismatch" in _lint(str(target))[1]


@pytest.mark.parametrize("config", [
    ("flyway.toml", "[flyway]\nmixed = true\n"),
    ("src/main/resources/application.properties", "spring.flyway.mixed=true\n"),
    ("src/main/resources/application.yml", "spring:\n  flyway:\n    mixed: true\n")],
    ids=["flyway-toml", "spring-properties", "spring-yml"])
def test_a_changed_flyway_setting_is_seen(cache_dir: Path, tmp_path: Path,
                                          config: tuple[str, str]) -> None:
    """Flyway's `mixed`, from flyway.toml or a Spring Boot application file, decides how a
    migration runs: turning it on lints again (the cached result of the run before is not
    served), and turning it off again is served from the first run's."""
    from tree_helpers import write

    location = tmp_path / "src/main/resources/db/migration"
    write(location, {"V1__t.sql": "CREATE TABLE t (a int);\n",
                     "V2__i.sql": "SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN b int;\n"
                                  "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"})
    first = _lint(str(location))
    assert first[0] == 1 and "concurrently-in-transaction" in first[1]
    name, text = config
    write(tmp_path, {name: text})
    code, out = _lint(str(location))
    assert code == 0 and "concurrently-in-transaction" not in out
    (tmp_path / name).write_text(text.replace("true", "false"))
    assert _lint(str(location)) == first
    assert len(_lint_results(cache_dir)) == 2


def test_options_are_part_of_the_key(cache_dir: Path, migrations_dir: Path) -> None:
    _lint(str(migrations_dir))
    _lint("--pg-version", "11", str(migrations_dir))
    _lint("--ignore", "add-foreign-key-validated", str(migrations_dir))
    assert len(_lint_results(cache_dir)) == 3


def test_config_overrides_apply_to_a_cached_result(cache_dir: Path, migrations_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(migrations_dir.parent)
    code, _ = _lint("migrations")
    assert code == 1
    (migrations_dir.parent / "lockwise.toml").write_text(
        '[[overrides]]\npath = "migrations/**"\nfail_on = "destructive"\n')
    _forbid_lint(monkeypatch)  # the overrides are applied to the cached reports
    code, _ = _lint("migrations")
    assert code == 0


def test_no_cache_neither_reads_nor_writes(cache_dir: Path, migrations_dir: Path) -> None:
    _lint("--no-cache", str(migrations_dir))
    assert _lint_results(cache_dir) == []


def test_cache_off_by_environment(tmp_path: Path, migrations_dir: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", "off")
    monkeypatch.chdir(tmp_path)
    first = _lint(str(migrations_dir))
    assert _lint(str(migrations_dir)) == first
    assert not (tmp_path / "off").exists()


def test_no_home_directory_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    from lockwise.cache import cache_root

    for name in ("LOCKWISE_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # no passwd entry either
    assert cache_root() is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_root() == tmp_path / "lockwise"


def test_a_damaged_cache_is_recomputed(cache_dir: Path, migrations_dir: Path) -> None:
    first = _lint(str(migrations_dir))
    (entry,) = _lint_results(cache_dir)
    entry.write_bytes(b"\x80\x05garbage")
    assert _lint(str(migrations_dir)) == first


def test_an_unwritable_cache_folder_is_skipped(tmp_path: Path, migrations_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(blocker / "cache"))
    code, out = _lint(str(migrations_dir))
    assert code == 1 and "8 migration(s)" in out


def test_old_results_are_pruned(cache_dir: Path, migrations_dir: Path) -> None:
    from lockwise.cli.lint_run import CACHED_RESULTS

    for version in range(CACHED_RESULTS + 2):
        (migrations_dir / "0009_extra.up.sql").write_text(f"SELECT {version};\n")
        _lint(str(migrations_dir))
    assert len(_lint_results(cache_dir)) == CACHED_RESULTS


def test_store_and_load_many_items_sharing_objects(cache_dir: Path) -> None:
    """Results longer than one memo batch, with objects shared inside and across batches and
    objects the caller supplies again (`shared`)."""
    from lockwise.cache import load, store

    given = [Path(f"m{i}.sql") for i in range(3)]
    text = "a rule's long explanation " * 10
    items = [(i, text, given[i % 3], [text]) for i in range(1000)]
    store("test-many", {"header": text}, items, shared=given)
    header, loaded = load("test-many", shared=given)  # type: ignore[misc]
    assert header == {"header": text} and loaded == items
    assert all(item[2] is given[item[0] % 3] for item in loaded)
    assert load("test-missing") is None


def test_a_store_written_item_by_item_is_the_file_store_writes(cache_dir: Path) -> None:
    """`StoreWriter`: items pickled as they come, the header given last, make the very file
    `store` makes of them all at once (memo batches, shared objects), read back by `load`;
    discarded, or in a cache turned off, nothing is written."""
    from lockwise.cache import _MEMO_BATCH, StoreWriter, load, store

    given = [Path(f"m{i}.sql") for i in range(3)]
    text = "a rule's long explanation " * 10
    items = [(i, text, given[i % 3], [text]) for i in range(2 * _MEMO_BATCH + 5)]
    store("test-whole", {"header": text}, items, shared=given)
    writer = StoreWriter("test-items", shared=given)
    for item in items:
        writer.add(item)
    writer.finish({"header": text})
    assert (cache_dir / "test-items").read_bytes() == (cache_dir / "test-whole").read_bytes()
    header, loaded = load("test-items", shared=given)  # type: ignore[misc]
    assert header == {"header": text} and loaded == items
    assert loaded[4][2] is given[1]
    dropped = StoreWriter("test-dropped")
    dropped.add(1)
    dropped.discard()
    dropped.finish("header")
    assert sorted(p.name for p in cache_dir.iterdir()) == ["test-items", "test-whole"]


@pytest.mark.parametrize("beside", [False, True], ids=["graph-in-process", "graph-beside"])
def test_reports_shown_as_they_come_are_stored_as_they_come(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch,
        beside: bool) -> None:
    """Shown one by one (`each_report`, the text and JSON reports), the reports are pickled
    for the cache as they come and not kept (`result.reports` is empty): the file stored is
    the one storing them all at the end gives, for a whole run and for one that resumed."""
    from lockwise.cli import lint_run

    if beside:
        monkeypatch.setattr(lint_run, "PARALLEL_MIN_CHARS", 0)

    def run(shown: list | None) -> tuple[list, dict[str, bytes]]:
        collected = collect([migrations_dir], None)
        result = lint_with_conflicts(
            collected.migrations, collected.histories, LintOptions(), conflicts=True,
            each_report=None if shown is None else shown.append)
        assert (shown is None) != (result.reports == [])
        return result.reports, {p.name: p.read_bytes() for p in _lint_results(cache_dir)}

    for append in (False, True):
        if append:
            _append(migrations_dir, "0009_orders_note",
                    "ALTER TABLE orders ADD COLUMN note text;\n")
        before = {p.name for p in _lint_results(cache_dir)}
        kept, stored = run(None)
        for name in set(stored) - before:
            (cache_dir / name).unlink()
        shown: list = []
        _, streamed = run(shown)
        assert streamed == stored and len(stored) == 1 + append
        assert [r.migration.path for r in shown] == [r.migration.path for r in kept]
        assert not list(cache_dir.glob("*.tmp"))


# --- the streamed graph ---------------------------------------------------------------------

def _graph_conflicts(*paths: Path) -> tuple[list, list, list]:
    """(streamed, built in a second process, built afterwards from lint's reports)."""
    collected = collect(list(paths), None)

    def run(parallel: bool) -> list:
        return lint_with_conflicts(collected.migrations, collected.histories, LintOptions(),
                                   conflicts=True, use_cache=False, parallel=parallel).conflicts

    afterwards = []
    for history in collected.histories:
        reports = lint_migrations(history, LintOptions())
        afterwards += build_graph(history, reports=reports).conflicts
    return run(False), run(True), afterwards


@pytest.mark.parametrize("kind", sorted(p.name for p in CONFLICTS.iterdir() if p.is_dir()))
def test_streamed_and_parallel_conflicts_equal_the_graph_built_afterwards(kind: str) -> None:
    streamed, parallel, afterwards = _graph_conflicts(CONFLICTS / kind)
    assert streamed == parallel == afterwards
    if kind in ("duplicate-version", "ambiguous-order", "missing-object", "dependency-dropped",
                "down-mismatch"):  # the others need --base
        assert [c.kind for c in afterwards] == [kind]


@pytest.mark.parametrize("kind", ["missing-object", "dependency-dropped", "down-mismatch",
                                  "duplicate-version"])
def test_a_file_with_its_directory_finds_the_same_conflicts_beside_lint(kind: str) -> None:
    from lockwise.parallel import can_fork

    if not can_fork():
        pytest.skip("needs fork() and two CPUs")
    newest = sorted(p for p in (CONFLICTS / kind).glob("*.sql")
                    if not p.name.endswith(".down.sql"))[-1]
    collected = collect([newest], None)
    options = LintOptions(only=frozenset(collected.only or ()))

    def run(parallel: bool) -> list:
        return lint_with_conflicts(collected.migrations, collected.histories, options,
                                   conflicts=True, use_cache=False, parallel=parallel).conflicts

    streamed = run(False)
    assert streamed == run(True)
    assert [c.kind for c in streamed] == [kind]


def _templated_history(directory: Path) -> Path:
    (directory / "0001_a.sql").write_text("CREATE TABLE ${schema}.users (id int, email text);\n")
    (directory / "0002_b.sql").write_text("ALTER TABLE ${schema}.users DROP COLUMN email;\n")
    (directory / "0003_c.sql").write_text("CREATE INDEX i ON ${schema}.users (email);\n")
    return directory


@pytest.mark.parametrize("templates", ["substitute", "skip"])
def test_templated_histories_give_the_same_conflicts_every_way(tmp_path: Path,
                                                                templates: str) -> None:
    # The graph parses placeholders as lint does: streamed from lint's reports, beside lint
    # (parsing for itself) or built afterwards, and named as the migrations wrote them.
    collected = collect([_templated_history(tmp_path)], None)
    options = LintOptions(templates=templates)

    def run(parallel: bool) -> list:
        return lint_with_conflicts(collected.migrations, collected.histories, options,
                                   conflicts=True, use_cache=False, parallel=parallel).conflicts

    (history,) = collected.histories
    own = build_graph(history, templates=templates).conflicts
    streamed = run(False)
    assert streamed == run(True) == own
    if templates == "skip":  # the templated statements are neither judged nor replayed
        assert streamed == []
    else:
        assert [(c.kind, c.object) for c in streamed] == [
            ("missing-object", "column:${schema}.users.email")]
        assert "tpl" not in streamed[0].explanation


def test_the_graph_command_follows_templated_objects(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["graph", "-f", "json", str(_templated_history(tmp_path))])
    graph = json.loads(result.output)
    assert [c["object"] for c in graph["conflicts"]] == ["column:${schema}.users.email"]
    created_by = [r for e in graph["edges"] for r in e["reasons"] if r["reason"] == "created-by"]
    assert {o for r in created_by for o in r["objects"]} == {
        "table:${schema}.users", "column:${schema}.users.email"}


def test_one_stand_in_for_two_placeholders_stays_a_stand_in(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE ${a}.t (c int);\n")
    (tmp_path / "0002_b.sql").write_text("ALTER TABLE ${b}.t DROP COLUMN c;\n")
    (tmp_path / "0003_c.sql").write_text("CREATE INDEX i ON ${a}.t (c);\n")
    (history,) = collect([tmp_path], None).histories
    # `${a}` and `${b}` share the stand-in `tpl_`: which one a name meant cannot be told.
    assert [c.object for c in build_graph(history).conflicts] == ["column:tpl_.t.c"]


def test_two_placeholders_of_one_length_are_two_schemas(tmp_path: Path) -> None:
    # Long enough to tell apart: the column dropped in `${schema_b}.t` is still in
    # `${schema_a}.t`, so only the index on the second is a missing-object conflict.
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE ${schema_a}.t (c int);\n"
                                         "CREATE TABLE ${schema_b}.t (c int);\n")
    (tmp_path / "0002_b.sql").write_text("ALTER TABLE ${schema_b}.t DROP COLUMN c;\n")
    (tmp_path / "0003_c.sql").write_text("CREATE INDEX i ON ${schema_a}.t (c);\n")
    (tmp_path / "0004_d.sql").write_text("CREATE INDEX j ON ${schema_b}.t (c);\n")
    (history,) = collect([tmp_path], None).histories
    assert [(c.object, c.migrations[-1]) for c in build_graph(history).conflicts] == [
        ("column:${schema_b}.t.c", "0004_d")]


def test_conflicts_on_real_histories(corpora: Path) -> None:
    streamed, parallel, afterwards = _graph_conflicts(corpora / "lemmy", corpora / "documenso")
    assert streamed == parallel == afterwards
    assert any(c.kind == "down-mismatch" for c in streamed)


def test_a_large_input_builds_the_graph_beside_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.cli import lint_run
    from lockwise.parallel import can_fork

    if not can_fork():
        pytest.skip("needs fork() and two CPUs")
    migrations = collect([CONFLICTS / "missing-object"], None).migrations
    options = LintOptions()
    assert not lint_run._in_background(migrations, options, None)  # small: one process
    monkeypatch.setattr(lint_run, "PARALLEL_MIN_CHARS", 1)
    assert lint_run._in_background(migrations, options, None)
    assert not lint_run._in_background(migrations, options, False)
    # A file linted with its directory as context too: lint only replays the context.
    one_file = LintOptions(only=frozenset([migrations[-1].id]))
    assert lint_run._in_background(migrations, one_file, None)


def test_reports_keep_only_what_is_printed() -> None:
    collected = collect([CONFLICTS / "clean"], None)
    result = lint_with_conflicts(collected.migrations, collected.histories, LintOptions(),
                                 conflicts=True, use_cache=False)
    statements = [s for r in result.reports for s in r.statements]
    assert statements and all(s.statement.tree is None and s.statement.comment_spans == ()
                              for s in statements)
    assert all(a.kind and a.facts == {} for s in statements for a in s.effect.actions)
    assert any(s.effect.locks for s in statements)


def test_a_context_migration_is_replayed_with_its_effects_but_not_judged() -> None:
    from lockwise.catalog.model import Catalog
    from lockwise.lint import analyze_migration, rule_index

    migrations = collect([REPO / "fixtures" / "migrations"], None).migrations
    options = LintOptions()
    judged_catalog, replayed_catalog = Catalog(), Catalog()
    for m in migrations:
        judged = analyze_migration(m, judged_catalog, rule_index(options), options)
        replayed = analyze_migration(m, replayed_catalog, None, options)
        assert [s.effect for s in replayed.statements] == \
            [s.effect for s in judged.statements]
        assert [s.statement.span for s in replayed.statements] == \
            [s.statement.span for s in judged.statements]
        assert replayed.findings == [] and all(not s.findings for s in replayed.statements)
        # The next migration sees the same schema either way.
        assert replayed_catalog == judged_catalog
    assert any(s.findings for r in lint_migrations(migrations, options) for s in r.statements)


def test_output_does_not_depend_on_hash_seed(tmp_path: Path) -> None:
    """Sets iterate in a different order in every process: the report must not show it."""
    (tmp_path / "0001_drop_old_api.sql").write_text(
        "DROP VIEW old_a, old_b, old_c, old_d, old_e, old_f;\n"
        "DROP FUNCTION f_a(), f_b(), f_c(), f_d();\n")
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "LOCKWISE_CACHE_DIR": "off"}
        done = subprocess.run(
            [sys.executable, "-m", "lockwise", "lint", "--format", "json",
             str(tmp_path), str(CONFLICTS / "dependency-dropped")],
            env=env, capture_output=True, text=True, check=False)
        assert done.returncode in (0, 1), done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_a_file_linted_alone_has_its_down_checked_not_the_others(tmp_path: Path) -> None:
    """`lint FILE` replays the directory for context, but only FILE's down migration is
    checked: the others' down checks could only find conflicts that are not reported."""
    from lockwise.graph.api import history_conflicts

    folder = CONFLICTS / "down-mismatch"
    broken = folder / "2_accounts_email_index.up.sql"
    for path, expected in ((broken, ["down-mismatch"]),
                           (folder / "1_create_accounts.up.sql", [])):
        collected = collect([path], None)
        assert len(collected.migrations) == 2
        only = frozenset(collected.only or ())
        found = [c.kind for c in history_conflicts(collected.histories, pg_version=16,
                                                   only=only)]
        assert found == expected
    graph = build_graph(collect([folder], None).migrations,
                        downs_of=frozenset(["1_create_accounts"]))
    assert graph.downs_checked == 1 and graph.conflicts == []


# --- resuming from a stored replay (a file linted with its directory as context) -----------

def _analyzed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids of the migrations lint analyzes from now on."""
    calls: list[str] = []
    original = lockwise.lint.analyze_migration

    def counting(migration, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(migration.id)
        return original(migration, *args, **kwargs)

    monkeypatch.setattr(lockwise.lint, "analyze_migration", counting)
    return calls


def _same_as_uncached(*args: str) -> str:
    """`lockwise lint --format json ARGS`, checked against the same run without any cache."""
    cached = _lint("--format", "json", *args)
    assert cached == _lint("--format", "json", "--no-cache", *args)
    return cached[1]


def _resumed(calls: list[str], analyzed: list[str], *args: str) -> str:
    """`lockwise lint --format json ARGS`, checked to analyze exactly `analyzed` (`calls` is
    from `_analyzed`) and to print what the same run without any cache prints."""
    calls.clear()
    out = _lint("--format", "json", *args)[1]
    assert calls == analyzed
    assert out == _lint("--format", "json", "--no-cache", *args)[1]
    return out


def _graph_beside_lint(parallel: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make even a small input build its conflict graph in a second process (`parallel`)."""
    from lockwise.cli import lint_run
    from lockwise.parallel import can_fork

    if parallel:
        if not can_fork():
            pytest.skip("needs fork() and two CPUs")
        monkeypatch.setattr(lint_run, "PARALLEL_MIN_CHARS", 1)


@pytest.mark.parametrize("parallel", [False, True], ids=["streamed", "graph-beside-lint"])
def test_a_file_linted_again_resumes_from_the_stored_replay(
        parallel: bool, cache_dir: Path, migrations_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _graph_beside_lint(parallel, monkeypatch)
    last = migrations_dir / "0008_drop_legacy_name.up.sql"
    calls = _analyzed(monkeypatch)
    _same_as_uncached(str(last))
    assert len(calls) == 16  # twice the directory: the cached and the uncached run
    assert len(list(cache_dir.glob("replay-*"))) == 1
    # Built beside lint, the graph stores its own state where lint stored its replay: the
    # next run goes on from both in one process.
    assert len(list(cache_dir.glob("graph-*"))) == int(parallel)
    if parallel:
        assert {p.name.split("-", 1)[1] for p in cache_dir.glob("graph-*")} == \
            {p.name.split("-", 1)[1] for p in cache_dir.glob("replay-*")}
    # Edited, as between two commits: only the file itself is analyzed again.
    last.write_text("ALTER TABLE accounts ADD COLUMN note text NOT NULL;\n")
    out = _resumed(calls, ["0008_drop_legacy_name"], str(last))
    assert "add-column-not-null-without-default" in out


@pytest.mark.parametrize("parallel", [False, True], ids=["streamed", "graph-beside-lint"])
def test_a_newer_file_resumes_and_replays_only_what_came_between(
        parallel: bool, cache_dir: Path, migrations_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _graph_beside_lint(parallel, monkeypatch)
    _lint(str(migrations_dir / "0008_drop_legacy_name.up.sql"))
    newer = migrations_dir / "0009_orders_note.up.sql"
    newer.write_text("ALTER TABLE orders ADD COLUMN note text;\n")
    (migrations_dir / "0009_orders_note.down.sql").write_text(
        "ALTER TABLE orders DROP COLUMN note;\n")
    calls = _analyzed(monkeypatch)
    _lint(str(newer))
    assert calls == ["0008_drop_legacy_name", "0009_orders_note"]
    _same_as_uncached(str(newer))


def test_an_edited_earlier_migration_replays_everything(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    last = migrations_dir / "0008_drop_legacy_name.up.sql"
    _lint(str(last))
    (migrations_dir / "0002_create_orders.up.sql").write_text(
        (migrations_dir / "0002_create_orders.up.sql").read_text() + "\nSELECT 1;\n")
    calls = _analyzed(monkeypatch)
    _lint(str(last))
    assert len(calls) == 8
    _same_as_uncached(str(last))


def test_a_damaged_replay_is_ignored(cache_dir: Path, migrations_dir: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    last = migrations_dir / "0008_drop_legacy_name.up.sql"
    _lint(str(last))
    (replay,) = cache_dir.glob("replay-*")
    replay.write_bytes(b"\x80\x05garbage")
    last.write_text("SELECT 2;\n")
    calls = _analyzed(monkeypatch)
    _same_as_uncached(str(last))
    assert len(calls) == 16


def _conflict_kinds(report: str) -> list[str]:
    import json

    return [c["kind"] for c in json.loads(report)["conflicts"]]


@pytest.mark.parametrize("kind", ["missing-object", "dependency-dropped", "down-mismatch"])
def test_resumed_conflicts_are_the_uncached_ones(kind: str, cache_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / kind
    shutil.copytree(CONFLICTS / kind, folder)
    target = sorted(p for p in folder.glob("*.sql") if not p.name.endswith(".down.sql"))[-1]
    first = _same_as_uncached(str(target))
    assert _conflict_kinds(first) == [kind]
    target.write_text(target.read_text() + "\n-- edited\n")
    second = _resumed(_analyzed(monkeypatch), [target.name.split(".", 1)[0]], str(target))
    assert _conflict_kinds(second) == [kind]


def test_resuming_on_a_real_history(corpora: Path, cache_dir: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    lemmy = tmp_path / "lemmy"
    shutil.copytree(corpora / "lemmy", lemmy)
    newest = sorted(p for p in lemmy.iterdir() if p.is_dir())[-1] / "up.sql"
    _lint(str(newest))
    newest.write_text(newest.read_text() + "\nCREATE INDEX post_note ON post (id);\n")
    out = _resumed(_analyzed(monkeypatch), [newest.parent.name], str(newest))
    assert "index-without-concurrently" in out


# --- resuming a whole directory when migrations are appended --------------------------------

def _append(folder: Path, name: str, up: str, down: str | None = None) -> None:
    (folder / f"{name}.up.sql").write_text(up)
    if down is not None:
        (folder / f"{name}.down.sql").write_text(down)


@pytest.mark.parametrize("parallel", [False, True], ids=["streamed", "graph-beside-lint"])
def test_appended_migrations_resume_from_the_whole_directory(
        parallel: bool, cache_dir: Path, migrations_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _graph_beside_lint(parallel, monkeypatch)
    _same_as_uncached(str(migrations_dir))
    assert len(list(cache_dir.glob("replay-*"))) == 1
    # Built beside lint, the graph stores its own state for the next run.
    assert len(list(cache_dir.glob("graph-*"))) == int(parallel)
    _append(migrations_dir, "0009_orders_note", "ALTER TABLE orders ADD COLUMN note text;\n",
            "ALTER TABLE orders DROP COLUMN note;\n")
    calls = _analyzed(monkeypatch)
    _resumed(calls, ["0009_orders_note"], str(migrations_dir))
    # A resumed run that linted so few stores no replay: the next one resumes from the same.
    assert len(list(cache_dir.glob("replay-*"))) == 1
    _append(migrations_dir, "0010_accounts_note",
            "ALTER TABLE accounts ADD COLUMN note text NOT NULL;\n")
    out = _resumed(calls, ["0009_orders_note", "0010_accounts_note"], str(migrations_dir))
    assert "add-column-not-null-without-default" in out


def _stored_results(cache_dir: Path, folder: Path) -> dict[str, tuple[str | None, int]]:
    """lint-* file -> (the result it builds on, or None; how many reports it holds itself),
    for results of `folder`'s migrations."""
    from lockwise.cache import load

    migrations = collect([folder], None).migrations
    out = {}
    for path in _lint_results(cache_dir):
        (_, earlier, _, _), reports = load(path.name, shared=migrations)  # type: ignore[misc]
        out[path.name] = (earlier and f"lint-{earlier}", len(reports))
    return out


def _linted_then_appended(cache_dir: Path, migrations_dir: Path) -> str:
    """Lint the directory, append a migration, lint again (resumed); the first run's result."""
    _lint(str(migrations_dir))
    (first,) = _stored_results(cache_dir, migrations_dir)
    _append(migrations_dir, "0009_orders_note", "ALTER TABLE orders ADD COLUMN note text;\n")
    _lint(str(migrations_dir))
    return first


def test_an_appended_run_stores_only_its_new_reports(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _linted_then_appended(cache_dir, migrations_dir)
    stored = _stored_results(cache_dir, migrations_dir)
    assert stored.pop(first) == (None, 8)
    assert list(stored.values()) == [(first, 1)]
    # A cache hit reads both and prints what a run without the cache prints.
    uncached = _lint("--format", "json", "--no-cache", str(migrations_dir))
    _forbid_lint(monkeypatch)
    assert _lint("--format", "json", str(migrations_dir)) == uncached


def test_results_build_on_a_bounded_chain_of_earlier_ones(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.cli import lint_run

    monkeypatch.setattr(lint_run, "MAX_RESULT_CHAIN", 1)
    monkeypatch.setattr(lint_run, "NEW_REPLAY_AFTER", 1)  # each run resumes from the last
    _linted_then_appended(cache_dir, migrations_dir)
    _append(migrations_dir, "0010_accounts_note", "ALTER TABLE accounts ADD COLUMN n int;\n")
    calls = _analyzed(monkeypatch)
    _resumed(calls, ["0010_accounts_note"], str(migrations_dir))
    holds = sorted(count for _, count in _stored_results(cache_dir, migrations_dir).values())
    assert holds == [1, 8, 10]  # the third would have been the second on top: stored whole


def test_a_result_whose_earlier_result_is_gone_is_computed_again(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _linted_then_appended(cache_dir, migrations_dir)
    (cache_dir / first).unlink()
    for replay in cache_dir.glob("replay-*"):
        replay.unlink()  # nothing to resume from either
    calls = _analyzed(monkeypatch)
    _same_as_uncached(str(migrations_dir))
    assert len(calls) == 18  # all 9, twice: the cache missed, and uncached


def test_a_resumed_run_that_linted_enough_stores_its_own_replay(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.cli import lint_run

    monkeypatch.setattr(lint_run, "NEW_REPLAY_AFTER", 2)
    _lint(str(migrations_dir))
    calls = _analyzed(monkeypatch)
    _append(migrations_dir, "0009_orders_note", "ALTER TABLE orders ADD COLUMN note text;\n")
    _resumed(calls, ["0009_orders_note"], str(migrations_dir))
    _append(migrations_dir, "0010_accounts_note", "ALTER TABLE accounts ADD COLUMN n int;\n")
    _resumed(calls, ["0009_orders_note", "0010_accounts_note"], str(migrations_dir))
    _append(migrations_dir, "0011_orders_n", "ALTER TABLE orders ADD COLUMN n int;\n")
    _resumed(calls, ["0011_orders_n"], str(migrations_dir))  # from the run before's replay


def test_the_lint_command_writes_its_cache_from_children_while_it_goes_on(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.parallel
    from lockwise.cli import lint_run

    if not lockwise.parallel.can_fork():
        pytest.skip("needs fork() and two CPUs")
    children: list[int] = []
    background = lockwise.parallel.Background

    class Recorded(background):  # type: ignore[misc, valid-type]
        def __init__(self, fn):  # noqa: ANN001
            super().__init__(fn)
            children.append(self._pid)

    monkeypatch.setattr(lockwise.parallel, "Background", Recorded)
    monkeypatch.setattr(lint_run, "PARALLEL_MIN_CHARS", 1)  # forking pays from 200 kB of SQL
    collected = collect([migrations_dir], None)

    def lint() -> None:
        lint_with_conflicts(collected.migrations, collected.histories, LintOptions(),
                            conflicts=True, parallel=False)

    lint()  # outside the command: stored at once, by this process
    assert children == []
    written = sorted(p.name for p in cache_dir.iterdir() if p.name.startswith(("lint-",
                                                                              "replay-")))
    assert len(written) == 2  # the result, and the replay for appended migrations
    for name in written:
        (cache_dir / name).unlink()
    with lint_run.cache_written_beside():
        lint()
        assert len(children) == 2  # a child forked to store each
    assert sorted(p.name for p in cache_dir.iterdir()
                  if p.name.startswith(("lint-", "replay-"))) == written  # waited for at the end
    _forbid_lint(monkeypatch)
    lint()  # served from what the child stored


def test_the_replay_a_run_resumes_from_outlives_newer_results(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.cli import lint_run

    for other in ("clean", "missing-object"):
        _lint(str(CONFLICTS / other))
    before = set(_lint_results(cache_dir))
    _lint(str(migrations_dir))
    (ours,) = set(_lint_results(cache_dir)) - before
    for path in [ours, *cache_dir.glob("replay-*")]:
        os.utime(path, (1, 1))  # older than the other directories' results
    _append(migrations_dir, "0009_orders_note", "ALTER TABLE orders ADD COLUMN note text;\n")
    monkeypatch.setattr(lint_run, "CACHED_RESULTS", 2)
    _lint(str(migrations_dir))  # resumes, stores its result, keeps the 2 most recent
    _append(migrations_dir, "0010_accounts_note", "ALTER TABLE accounts ADD COLUMN n int;\n")
    calls = _analyzed(monkeypatch)
    _lint(str(migrations_dir))
    assert calls == ["0009_orders_note", "0010_accounts_note"]


def test_an_appended_migration_finds_conflicts_with_the_earlier_ones(
        cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "history"
    folder.mkdir()
    for source in sorted((CONFLICTS / "missing-object").glob("*.sql"))[:2]:
        shutil.copy(source, folder / source.name)
    assert _conflict_kinds(_same_as_uncached(str(folder))) == []
    shutil.copy(CONFLICTS / "missing-object" / "003_backfill_sessions.sql", folder)
    out = _resumed(_analyzed(monkeypatch), ["003_backfill_sessions"], str(folder))
    assert _conflict_kinds(out) == ["missing-object"]


def test_a_whole_directory_without_its_stored_reports_is_linted_again(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _lint(str(migrations_dir))
    for result in _lint_results(cache_dir):
        result.unlink()  # pruned: the replay alone cannot give the earlier reports
    _append(migrations_dir, "0009_orders_note", "ALTER TABLE orders ADD COLUMN note text;\n")
    calls = _analyzed(monkeypatch)
    _same_as_uncached(str(migrations_dir))
    assert len(calls) == 18  # all 9, twice: resumed from nothing, and uncached


def test_an_edited_migration_in_the_directory_is_not_resumed(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _lint(str(migrations_dir))
    edited = migrations_dir / "0008_drop_legacy_name.up.sql"
    edited.write_text(edited.read_text() + "\nSELECT 1;\n")
    _append(migrations_dir, "0009_orders_note", "ALTER TABLE orders ADD COLUMN note text;\n")
    calls = _analyzed(monkeypatch)
    _lint(str(migrations_dir))
    assert len(calls) == 9


_DIESEL_A = {"2024-01-01-000000_a/up.sql": "CREATE TABLE u (a int);\n"}
#: A folder of `a`'s version after it: diesel runs it, never `a`.
_DIESEL_B = {"2024-01-01-000000_b/up.sql": "CREATE TABLE u (a bigint);\n"}


def test_a_later_migration_of_a_version_invalidates_the_replay_before_a_file(
        cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """diesel runs the last folder of a version by name, never the others (`never_run`): a
    folder of `a`'s version added after it leaves `a` never run, so the replay stored before
    the file named (after `a`) no longer holds: `a`'s table is not there. The replay's key
    covers what never runs, so nothing is resumed from it."""
    from tree_helpers import write

    write(tmp_path, {**_DIESEL_A, "2025-01-01-000000_z/up.sql":
                     "ALTER TABLE u ALTER COLUMN a TYPE bigint;\n"})
    target = str(tmp_path / "2025-01-01-000000_z" / "up.sql")
    assert "column-type-change-rewrites" in _same_as_uncached(target)
    assert list(cache_dir.glob("replay-*"))
    write(tmp_path, _DIESEL_B)
    calls = _analyzed(monkeypatch)
    out = _same_as_uncached(target)
    assert "column-type-change-rewrites" not in out  # b's bigint column: nothing to rewrite
    # all three, twice: nothing resumed (and uncached)
    assert sorted(calls) == sorted(2 * ["2024-01-01-000000_a", "2024-01-01-000000_b",
                                        "2025-01-01-000000_z"])


def test_a_later_migration_of_a_version_invalidates_the_whole_directory_replay(
        cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for the replay stored after a whole directory, which a run resumes from when
    migrations are appended: appended, `b` leaves `a` never run, so its table is not there
    for `b`, which creates it."""
    from tree_helpers import write

    write(tmp_path, {"2023-01-01-000000_t/up.sql": "CREATE TABLE t (a int);\n", **_DIESEL_A})
    _same_as_uncached(str(tmp_path))
    assert list(cache_dir.glob("replay-*"))
    write(tmp_path, _DIESEL_B)
    calls = _analyzed(monkeypatch)
    _same_as_uncached(str(tmp_path))
    assert len(calls) == 6  # all three, twice: nothing resumed (and uncached)


def test_large_directories_store_no_replay(cache_dir: Path, migrations_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.cli import lint_run

    monkeypatch.setattr(lint_run, "RESUMABLE_MAX_CHARS", 100)
    _lint(str(migrations_dir))
    assert len(_lint_results(cache_dir)) == 1
    assert not list(cache_dir.glob("replay-*")) and not list(cache_dir.glob("graph-*"))


# --- the cyclic garbage collector ----------------------------------------------------------

def test_the_collector_is_paused_while_linting_and_left_as_it_was(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen: list[bool] = []
    original = lockwise.lint.lint_migrations

    def observing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(lockwise.lint, "lint_migrations", observing)
    collected = collect([REPO / "fixtures" / "migrations"], None)

    def run() -> object:
        return lint_with_conflicts(collected.migrations, collected.histories, LintOptions(),
                                   conflicts=True, use_cache=False, parallel=False).reports

    assert gc.isenabled()
    reports = run()
    assert seen and not any(seen)
    assert gc.isenabled()
    # What lint allocated went to the oldest generation unscanned: left in the young ones,
    # the collector would scan all of it as soon as it runs again.
    assert any(o is reports for o in gc.get_objects(generation=2))
    gc.disable()
    try:
        run()
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_the_lint_command_pauses_the_collector_while_reading_and_printing(
        migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import lockwise.cli.inputs
    import lockwise.report.text

    seen: dict[str, bool] = {}

    def observed(module: object, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            seen[name] = gc.isenabled()
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    observed(lockwise.cli.inputs, "collect")
    observed(lockwise.report.text.TextPrinter, "add")  # each migration, as it is linted
    observed(lockwise.report.text.TextPrinter, "end")
    _lint("--no-cache", str(migrations_dir))
    assert seen == {"collect": False, "add": False, "end": False}
    assert gc.isenabled()
    # sqlglot's trees are cycles (each node points at its parent): the collector stays on.
    _lint("--no-cache", "--dialect", "mysql", str(migrations_dir))
    assert seen == {"collect": True, "add": True, "end": True}


def _install_like_a_wheel(site: Path) -> Path:
    """Lay lockwise out as installing its wheel does: every file written anew (new times),
    then the dist-info's RECORD with each file's sha256, written last."""
    import base64
    import hashlib

    shutil.rmtree(site, ignore_errors=True)
    package = site / "lockwise"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "src" / "lockwise", package, ignore=ignore, copy_function=shutil.copy)
    shutil.copytree(REPO / "rules", package / "_rules", copy_function=shutil.copy)
    rows = []
    for path in sorted(p for p in package.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path.relative_to(site).as_posix()},sha256={digest},{len(data)}")
    info = site / f"lockwise-{lockwise.__version__}.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("\n".join(rows) + "\n")
    return package


def test_reinstalling_the_same_lockwise_keeps_its_cache(tmp_path: Path,
                                                        migrations_dir: Path) -> None:
    """A CI job installs lockwise afresh each time; the cache it keeps must still be found.
    A file changed after the install is still seen."""
    site, cache = tmp_path / "site", tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(site), "LOCKWISE_CACHE_DIR": str(cache)}

    def lint() -> str:
        done = subprocess.run([sys.executable, "-m", "lockwise", "lint", str(migrations_dir)],
                              env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 1, done.stderr
        return done.stdout

    package = _install_like_a_wheel(site)
    first = lint()
    assert f"{package}" in subprocess.run(
        [sys.executable, "-c", "import lockwise; print(lockwise.__file__)"], env=env,
        capture_output=True, text=True, check=True).stdout
    package = _install_like_a_wheel(site)
    assert lint() == first
    assert len(_lint_results(cache)) == 1
    with (package / "lint.py").open("a") as handle:
        handle.write("# changed after the install\n")
    assert lint() == first
    assert len(_lint_results(cache)) == 2
    shutil.copy(REPO / "rules" / "add-column-volatile-default.toml", package / "_rules")
    assert lint() == first
    assert len(_lint_results(cache)) == 3


def test_a_teams_rules_are_keyed_by_their_content(cache_dir: Path, migrations_dir: Path,
                                                  tmp_path: Path) -> None:
    """A fresh checkout (CI) gives the `--rules-dir` files new times, not new rules."""
    rules = tmp_path / "team-rules"
    rules.mkdir()
    rule = rules / "add-column-volatile-default.toml"
    shutil.copy(REPO / "rules" / rule.name, rule)
    args = ("--format", "json", "--rules-dir", str(rules), str(migrations_dir))
    first = _lint(*args)
    os.utime(rule, ns=(10**18, 10**18))
    assert _lint(*args) == first
    assert len(_lint_results(cache_dir)) == 1
    rule.write_text(rule.read_text().replace('title = "', 'title = "Ours: ', 1))
    load_rules.cache_clear()  # what a new process would read
    assert "Ours: " not in first[1] and "Ours: " in _lint(*args)[1]
    assert len(_lint_results(cache_dir)) == 2


def _two_databases(root: Path) -> tuple[Path, Path]:
    """Two directories, as two services keep them: `users` creates a table, and `billing`
    changes a column of a table with the same name, created elsewhere (not in these files)."""
    users, billing = root / "users", root / "billing"
    users.mkdir()
    billing.mkdir()
    (users / "001_accounts.sql").write_text("CREATE TABLE accounts (id bigint, n int);\n")
    (billing / "001_accounts_n.sql").write_text(
        "ALTER TABLE accounts ALTER COLUMN n TYPE bigint;\n")
    return users, billing


@pytest.mark.parametrize("parallel", [False, True], ids=["streamed", "graph-beside-lint"])
def test_each_directory_is_replayed_on_a_catalog_of_its_own(
        tmp_path: Path, cache_dir: Path, parallel: bool, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """One directory's tables are not another's: `lint users billing` judges billing as
    `lint billing` does (the old type of accounts.n is unknown there), as the conflict graph
    already kept them apart."""
    _graph_beside_lint(parallel, monkeypatch)
    users, billing = _two_databases(tmp_path)
    alone = _lint("--format", "json", "--no-cache", str(billing))[1]
    both = _lint("--format", "json", "--no-cache", str(users), str(billing))[1]
    findings = json.loads(both)["migrations"][1]["statements"][0]["findings"]
    assert "old type unknown" in findings[0]["message"]
    assert json.loads(both)["migrations"][1] == json.loads(alone)["migrations"][0]
    # A file named from each directory, and a later run that appends to the last one.
    files = _lint("--format", "json", "--no-cache", str(users / "001_accounts.sql"),
                  str(billing / "001_accounts_n.sql"))[1]
    assert json.loads(files)["migrations"][1] == json.loads(alone)["migrations"][0]
    _lint(str(users), str(billing))  # stores its replay
    (billing / "002_more.sql").write_text("ALTER TABLE accounts ALTER COLUMN n TYPE text;\n")
    assert _lint("--format", "json", str(users), str(billing)) == \
        _lint("--format", "json", "--no-cache", str(users), str(billing))


def test_history_starts_mark_every_directory_after_the_first() -> None:
    from lockwise.catalog.model import Catalog
    from lockwise.discover.versions import history_starts

    a, b = (collect([REPO / "fixtures" / "migrations"], None).migrations,
            collect([CONFLICTS / "clean"], None).migrations)
    starts = history_starts([a, b])
    assert starts == {id(b[0])}
    catalog = Catalog()
    lint_migrations([*a, *b], LintOptions(), catalog, new_databases=starts)
    alone = Catalog()
    lint_migrations(b, LintOptions(), alone)
    assert sorted(catalog.tables) == sorted(alone.tables)


@pytest.mark.parametrize("parallel", [False, True], ids=["streamed", "graph-beside-lint"])
def test_ignoring_down_mismatch_replays_no_down_migration(
        parallel: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Down migrations are replayed only to find down-mismatch conflicts: ignored, they are
    not replayed at all (a third of the graph's work on a history of ups and downs), and the
    other conflicts are the same."""
    from lockwise.graph import build

    _graph_beside_lint(parallel, monkeypatch)
    log = tmp_path / "checked.txt"  # a file: the graph's child process writes to it too
    real = build._Builder._check_down

    def counted(self: build._Builder, key: str, *args: object) -> None:
        with log.open("a") as handle:
            handle.write(key + "\n")
        real(self, key, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(build._Builder, "_check_down", counted)
    folder = str(CONFLICTS / "down-mismatch")
    ignored = json.loads(_lint("--format", "json", "--no-cache", "--ignore", "down-mismatch",
                               folder)[1])
    assert ignored["conflicts"] == [] and not log.exists()
    whole = json.loads(_lint("--format", "json", "--no-cache", folder)[1])
    assert [c["kind"] for c in whole["conflicts"]] == ["down-mismatch"]
    assert ignored["migrations"] == whole["migrations"]
    assert log.read_text().split() == ["1_create_accounts", "2_accounts_email_index"]


def test_the_reports_are_handed_over_before_lint_waits_for_the_graph_beside(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The text report prints them while the graph's process finishes (with down migrations
    to check, it is the longer side)."""
    from lockwise.parallel import Background, can_fork

    if not can_fork():
        pytest.skip("no second process here")
    events: list[object] = []
    joined = Background.result

    def result(self: Background) -> object:
        events.append("joined")
        return joined(self)

    monkeypatch.setattr(Background, "result", result)
    found = collect([CONFLICTS / "down-mismatch"], None)
    got = lint_with_conflicts(found.migrations, found.histories, LintOptions(), conflicts=True,
                              use_cache=False, parallel=True,
                              reports_ready=lambda reports: events.append(list(reports)))
    assert events == [got.reports, "joined"]
    assert [c.kind for c in got.conflicts] == ["down-mismatch"]
    # Built in this process, the graph is done with lint: nothing is handed over early.
    events.clear()
    lint_with_conflicts(found.migrations, found.histories, LintOptions(), conflicts=True,
                        use_cache=False, parallel=False, reports_ready=events.append)
    assert events == []


def test_overrides_shown_early_leave_the_cached_result_whole(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Printed while the graph finishes, the reports have the config's overrides applied;
    the result stored in the cache has not (another config reads it)."""
    import lockwise.cli.lint_run as lint_run

    monkeypatch.setattr(lint_run, "PARALLEL_MIN_CHARS", 0)  # the graph beside lint
    monkeypatch.chdir(migrations_dir.parent)
    _, whole = _lint("--no-cache", "migrations")
    assert "missing-statement-timeout" in whole
    config = migrations_dir.parent / "lockwise.toml"
    config.write_text(
        '[[overrides]]\npath = "migrations/**"\nignore = ["missing-statement-timeout"]\n')
    _, overridden = _lint("migrations")  # computed, printed early, stored
    assert "missing-statement-timeout" not in overridden
    assert _lint_results(cache_dir)
    config.unlink()
    _forbid_lint(monkeypatch)  # a cache hit
    assert _lint("migrations")[1] == whole


@pytest.mark.parametrize("fixture", sorted(p.name for p in CONFLICTS.iterdir()))
def test_the_json_report_rendered_before_its_conflicts_is_the_whole_document(
        fixture: str) -> None:
    """Rendered while the graph finishes, then completed: the very text json.dumps gives for
    the whole document."""
    from lockwise.core.types import Safety
    from lockwise.report.json_report import (
        json_before_conflicts,
        json_with_conflicts,
        render_json,
    )

    options = LintOptions(fail_on=Safety.SAFE_WITH_CARE)

    found = collect([CONFLICTS / fixture], None)
    got = lint_with_conflicts(found.migrations, found.histories, LintOptions(), conflicts=True,
                              use_cache=False, parallel=False)
    listed = [c.to_dict() for c in got.conflicts]
    head = json_before_conflicts(got.reports, options=options)
    whole = json.loads(head + "\n}")
    whole["conflicts"] = listed
    assert json_with_conflicts(head, listed) == json.dumps(whole, indent=2)
    assert render_json(got.reports, options=options, conflicts=listed) == \
        json.dumps(whole, indent=2)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_report_printed_beside_the_graph_is_the_one_printed_after_it(
        fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.cli.lint_run as lint_run

    args = ["--no-cache", "--format", fmt, str(CONFLICTS / "down-mismatch")]
    alone = _lint(*args)
    monkeypatch.setattr(lint_run, "PARALLEL_MIN_CHARS", 0)  # the graph beside lint
    beside = _lint(*args)
    assert beside == alone
    assert "down-mismatch" in beside[1]


def test_a_report_printed_before_the_cache_is_written_is_printed_once(tmp_path: Path) -> None:
    """From 200 kB of SQL the text report prints while the graph's process finishes, before
    the result is stored from a forked writer: a real process, writing to a pipe, prints it
    once, as without the cache (a child flushing the parent's buffers would print it twice)."""
    import lockwise.cli.lint_run as lint_run

    folder = tmp_path / "migrations"
    folder.mkdir()
    columns = ", ".join(f"column_number_{i} text" for i in range(60))
    for n in range(1, 151):
        (folder / f"{n:04d}_t{n}.up.sql").write_text(
            f"CREATE TABLE t{n} (id bigint PRIMARY KEY, {columns});\n"
            f"CREATE INDEX t{n}_c1 ON t{n} (column_number_1);\n")
        (folder / f"{n:04d}_t{n}.down.sql").write_text(f"DROP TABLE t{n};\n")
    assert sum(p.stat().st_size for p in folder.iterdir()) >= lint_run.PARALLEL_MIN_CHARS

    def lint(*args: str) -> str:
        env = {**os.environ, "LOCKWISE_CACHE_DIR": str(tmp_path / "cache")}
        env.pop("PYTHONUNBUFFERED", None)  # a pipe's output is buffered, as users have it
        done = subprocess.run([sys.executable, "-m", "lockwise", "lint", *args, str(folder)],
                              env=env, capture_output=True, text=True, check=False)
        assert done.returncode in (0, 1), done.stderr
        return done.stdout

    computed, alone = lint(), lint("--no-cache")
    assert computed == alone
    assert alone.count("0001_t1.up.sql  [") == 1
    assert list((tmp_path / "cache").glob("lint-*"))  # stored
    assert lint() == alone  # and read back


@pytest.mark.parametrize(("callback", "flagged"), [
    (None, True),
    ("SET lock_timeout = '5s';", False),
    ("SET LOCAL lock_timeout TO '2s';", False),
    ("SET lock_timeout = 0;", True),  # 0 waits for ever
    ("SELECT 1;", True),
])
def test_flyway_before_each_migrate_callback_counts_for_each_migration(
        tmp_path: Path, callback: str | None, flagged: bool) -> None:
    # Flyway runs beforeEachMigrate.sql before each migration, in its transaction: a
    # lock_timeout it sets is in force for the migration's statements.
    from lockwise.discover import discover

    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "V1__t.sql").write_text("CREATE TABLE t (id bigint);\n")
    (tmp_path / "r1" / "V2__a.sql").write_text("ALTER TABLE t ADD COLUMN a int;\n")
    if callback is not None:
        (tmp_path / "callbacks").mkdir()
        (tmp_path / "callbacks" / "beforeEachMigrate.sql").write_text(callback + "\n")
    reports = lint_migrations(discover(tmp_path))
    assert [r.migration.path.name for r in reports] == ["V1__t.sql", "V2__a.sql"]
    rules = {f.rule for f in reports[1].all_findings}
    assert ("missing-lock-timeout" in rules) is flagged


@pytest.mark.parametrize(("callback", "flagged"), [
    ("SET lock_timeout = '5s';", False),
    ("SET SESSION lock_timeout TO '2s';", False),
    # In its own transaction, which commits before the first migration: a SET LOCAL ends there.
    ("SET LOCAL lock_timeout TO '2s';", True),
    ("SET lock_timeout = 0;", True),  # 0 waits for ever
    ("SELECT 1;", True),
])
def test_flyway_before_migrate_callback_counts_for_every_migration_of_the_run(
        tmp_path: Path, callback: str, flagged: bool) -> None:
    # Flyway runs beforeMigrate.sql once per `migrate`, on the connection the migrations then
    # run on (DbMigrate: `onMigrateOrUndoEvent(BEFORE_MIGRATE)`, the migration connection),
    # and resets only the role and search_path between migrations: a lock_timeout it sets
    # with a plain SET is in force for every migration of the run.
    from lockwise.discover import discover

    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "V1__t.sql").write_text("CREATE TABLE t (id bigint);\n")
    (tmp_path / "r1" / "V2__a.sql").write_text("ALTER TABLE t ADD COLUMN a int;\n")
    (tmp_path / "r1" / "V3__b.sql").write_text("ALTER TABLE t ADD COLUMN b int;\n")
    (tmp_path / "callbacks").mkdir()
    (tmp_path / "callbacks" / "beforeMigrate__timeouts.sql").write_text(callback + "\n")
    (tmp_path / "callbacks" / "afterMigrate.sql").write_text("RESET lock_timeout;\n")
    reports = lint_migrations(discover(tmp_path))
    assert [r.migration.path.name for r in reports] == ["V1__t.sql", "V2__a.sql", "V3__b.sql"]
    for report in reports[1:]:
        rules = {f.rule for f in report.all_findings}
        assert ("missing-lock-timeout" in rules) is flagged, report.migration.path.name


def test_flyway_before_migrate_search_path_does_not_reach_the_migrations(
        tmp_path: Path) -> None:
    # Before each migration Flyway sets the role back and puts its schema first on the
    # search_path: the migration reads `t` as Flyway's schema's table, not app's.
    from lockwise.discover import discover

    (tmp_path / "V1__t.sql").write_text("CREATE SCHEMA app;\nCREATE TABLE app.t (id bigint);\n")
    (tmp_path / "V2__a.sql").write_text("SET lock_timeout = '1s';\n"
                                        "ALTER TABLE t ADD COLUMN a int;\n")
    (tmp_path / "beforeMigrate.sql").write_text("SET search_path = app;\n")
    reports = lint_migrations(discover(tmp_path))
    tables = {a.facts.get("table") for r in reports[1].statements
              for a in r.effect.actions}
    assert "public.t" in tables and "app.t" not in tables


def test_a_run_racing_another_stores_no_result_built_on_itself(
        cache_dir: Path, migrations_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs over one directory at once (two formats in CI, an editor and pre-commit):
    the second missed the result the first was storing, then resumed from the replay the
    first stored beside it, at the last migration. It stored its result as built on that
    result, under the same key: a result built on itself, and every later run over the
    directory died of a RecursionError traceback (found by the sweep, four formats at once)."""
    from lockwise.cli import lint_run

    first = _lint("--format", "json", str(migrations_dir))
    real = lint_run._load_result
    missed: list[str] = []

    def racing(key: str, migrations: list) -> object:
        if not missed:  # the first look, before the other run's result is there
            missed.append(key)
            return None
        return real(key, migrations)

    monkeypatch.setattr(lint_run, "_load_result", racing)
    assert _lint("--format", "json", str(migrations_dir)) == first
    monkeypatch.setattr(lint_run, "_load_result", real)
    for name, (earlier, _) in _stored_results(cache_dir, migrations_dir).items():
        assert earlier != name
    _forbid_lint(monkeypatch)
    assert _lint("--format", "json", str(migrations_dir)) == first


def test_a_stored_result_built_on_itself_is_computed_again(
        cache_dir: Path, migrations_dir: Path) -> None:
    """A cache written so by an earlier lockwise: a miss, not a traceback."""
    from lockwise.cache import load, store

    first = _lint("--format", "json", str(migrations_dir))
    migrations = collect([migrations_dir], None).migrations
    (result,) = _lint_results(cache_dir)
    (conflicts, _, _, _), reports = load(result.name, shared=migrations)
    store(result.name, (conflicts, result.name.removeprefix("lint-"), len(reports), 1), [],
          shared=migrations)
    assert _lint("--format", "json", str(migrations_dir)) == first


def test_a_resumed_mysql_run_knows_the_procedures_of_the_stored_replay(
        cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog a MySQL replay stores keeps the stored procedures: a CALL appended later
    is judged with the body an earlier migration created."""
    folder = tmp_path / "mysql_history"
    folder.mkdir()
    (folder / "001_accounts.sql").write_text("CREATE TABLE accounts (id INT PRIMARY KEY);\n")
    (folder / "002_widen.sql").write_text(
        "CREATE PROCEDURE widen() BEGIN ALTER TABLE accounts MODIFY id BIGINT; END;\n")
    _same_as_uncached("--dialect", "mysql", str(folder))
    assert len(list(cache_dir.glob("replay-*"))) == 1
    (folder / "003_call.sql").write_text("CALL widen();\n")
    calls = _analyzed(monkeypatch)
    out = _resumed(calls, ["003_call"], "--dialect", "mysql", str(folder))
    assert "in procedure widen, which this CALL runs" in out


def test_a_changed_flyway_init_sql_is_seen(cache_dir: Path, tmp_path: Path) -> None:
    """Flyway's initSql sets the session the migrations run in: setting lock_timeout there
    lints again (missing-lock-timeout is gone), and taking it out is served from the first
    run's result."""
    from tree_helpers import write

    write(tmp_path, {"V1__t.sql": "CREATE TABLE t (a int);\n",
                     "V2__c.sql": "ALTER TABLE t ADD COLUMN b int;\n"})
    first = _lint(str(tmp_path))
    assert "missing-lock-timeout" in first[1]
    write(tmp_path, {"flyway.conf": "flyway.initSql=SET lock_timeout = '5s'\n"})
    assert "missing-lock-timeout" not in _lint(str(tmp_path))[1]
    (tmp_path / "flyway.conf").write_text("flyway.initSql=\n")
    assert _lint(str(tmp_path)) == first
    assert len(_lint_results(cache_dir)) == 2


_FORMATS = ("text", "json", "sarif", "github", "markdown", "junit", "gitlab")


@pytest.mark.parametrize("fmt", _FORMATS)
def test_every_format_prints_the_same_from_the_cache(fmt: str, cache_dir: Path,
                                                     migrations_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored result (released statements: no parse tree, no comment spans, interned
    relation names) prints byte for byte what the run that computed it printed, in every
    format, on a directory with comments, directives (one malformed, one ignoring), a
    transaction and several findings a statement."""
    (migrations_dir / "0090_commented.up.sql").write_text(
        "-- lockwise: ignore[index-without-concurrently] reason: the table is empty\n"
        "CREATE INDEX accounts_name_idx ON accounts (email);\n"
        "/* a block comment */\n-- lockwise: ignore[no-such-rule\n"
        "ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT 'x';\n"
        "BEGIN;\n-- why: a column the app reads\nALTER TABLE accounts ADD COLUMN id2 serial;\n"
        "COMMIT;\nDROP TABLE IF EXISTS public.orders;\n")
    uncached = _lint("--format", fmt, "--no-cache", str(migrations_dir))
    storing = _lint("--format", fmt, str(migrations_dir))
    assert len(_lint_results(cache_dir)) == 1
    _forbid_lint(monkeypatch)
    assert _lint("--format", fmt, str(migrations_dir)) == storing == uncached
    assert uncached[1].strip()
