"""Cold start of `lockwise lint` (issue 10): a run builds only the command it invokes and
imports only what that run needs; nothing the user sees changes."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from lockwise.cli.app import app, app_for, command_name, main
from lockwise.core.lazy_re import lazy_compile
from lockwise.effects.identifiers import long_identifiers

COMMANDS = [command_name(info) for info in app.registered_commands]

#: Runs `lockwise.cli.app.main` with the given arguments and writes, as JSON, the click
#: commands typer built and every module loaded by the end of the run.
PROBE = """
import gc, json, re, sys, types
passes = []  # the cyclic collector's, from the start
gc.callbacks.append(lambda phase, info: passes.append(info["generation"]) if phase == "start"
                    else None)
# Patterns parsed by `re` (the first step of compiling one), by the file that asked for each.
parsed_by = []
_parse = re._parser.parse

def parse_spy(*args, **kwargs):
    frame = sys._getframe(1)
    while frame.f_code.co_filename.endswith(("__init__.py", "_compiler.py")) \
            and "/re/" in frame.f_code.co_filename:
        frame = frame.f_back
    parsed_by.append(frame.f_code.co_filename)
    return _parse(*args, **kwargs)

re._parser.parse = parse_spy
from lockwise.cli.app import main  # first, as the entry point: it decides how typer loads
import typer.main

built = []
_build = typer.main.get_command_from_info

def spy(command_info, **kwargs):
    command = _build(command_info, **kwargs)
    built.append(command.name)
    return command

typer.main.get_command_from_info = spy
out, sys.argv = sys.argv[1], ["lockwise", *sys.argv[2:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
# Classes `typing.NamedTuple` made in lockwise's modules (each generates and compiles code).
made = sorted(f"{name}.{value.__qualname__}" for name, module in list(sys.modules.items())
              if name.startswith("lockwise") and type(module) is types.ModuleType
              for value in vars(module).values()
              if isinstance(value, type) and issubclass(value, tuple) and hasattr(value, "_fields"))
# Dataclasses lockwise's modules define (making one is about 1 M instructions).
dataclasses = sorted(f"{name}.{value.__qualname__}" for name, module in list(sys.modules.items())
                     if name.startswith("lockwise") and type(module) is types.ModuleType
                     for value in vars(module).values()
                     if isinstance(value, type) and "__dataclass_fields__" in vars(value)
                     and value.__module__ == name)
# Patterns lockwise's modules hold compiled (not `lazy_compile`'s stand-ins).
patterns = sorted(f"{name}.{attr}" for name, module in list(sys.modules.items())
                  if name.startswith("lockwise") and type(module) is types.ModuleType
                  for attr, value in vars(module).items() if isinstance(value, re.Pattern))
with open(out, "w") as handle:
    json.dump({"code": code, "built": built, "modules": sorted(sys.modules),
               "unexecuted": sorted(m for m, module in sys.modules.items()
                                    if type(module) is not types.ModuleType),
               "namedtuples": made, "patterns": patterns, "dataclasses": dataclasses,
               "passes": len(passes), "parsed_by": parsed_by},
              handle)
from lockwise.core.code_store import keep_compiled  # as `run` ends, once all is measured

keep_compiled()
"""

#: Never needed to lint PostgreSQL migrations into a pipe (_hashlib is hashlib's OpenSSL).
HEAVY = ("networkx", "sqlglot", "psycopg", "rich", "_hashlib")
#: The lint pipeline proper: a result taken from the cache needs none of it (nor the catalog
#: and the statement's context, which a report's lock lines once imported for one test).
PIPELINE = ("pglast", "lockwise.lint", "lockwise.effects.postgres", "lockwise.parse.postgres",
            "lockwise.catalog", "lockwise.effects.context", "lockwise.effects.nodes")
#: Imported by typer at its own import, for what lint never does (run a shell for completion,
#: wrap help text, make archives): bound, but not executed (lockwise.core.deferred).
TYPER_ONLY = ("bz2", "lzma", "shellingham", "subprocess", "textwrap")
#: Imported by pathlib's `urllib.parse` (typer imports pathlib) for URLs lint never parses.
PATHLIB_ONLY = ("ipaddress",)
#: The safe rewrites: loaded only when a finding of a rule with a rewrite is reported.
REWRITES = ("lockwise.fix.alternative", "lockwise.fix.patterns")
#: Down migrations' checks (`graph.down`) and the rules' examples (`rules.example`).
DOWN_AND_EXAMPLES = ("lockwise.graph.down", "lockwise.rules.example")
#: What a table or a domain may carry beyond columns, constraints and indexes.
RARE_CATALOG_OBJECTS = ("lockwise.catalog.objects",)
#: The modules of the commands other than those `cli.app` defines itself.
OTHER_COMMANDS = ("lockwise.cli.cost_cmds", "lockwise.cli.executor_cmds", "lockwise.cli.fix_cmds",
                  "lockwise.cli.graph_cmds", "lockwise.cli.verify_cmds")

#: Plain slotted classes, not dataclasses (each about 1 M instructions to make at import):
#: none is compared, hashed, copied with `replace`, pickled or printed.
ONE_PLACE_RECORDS = ("lockwise.cli.inputs.Collected", "lockwise.cli.lint_run.LintResult",
                     "lockwise.cli.lint_run.StoredResult",
                     "lockwise.effects.foreign_keys.Key",
                     "lockwise.effects.postgres.builder.Builder",
                     "lockwise.effects.syntax_versions.NewSyntax",
                     "lockwise.parse.postgres.ParsedFile", "lockwise.parse.source.LineIndex",
                     "lockwise.rules.directives.Directive", "lockwise.rules.instead.Quoting")


def probe(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "probe.json"
    env = {**os.environ, "LOCKWISE_CACHE_DIR": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-c", PROBE, str(out), *args], cwd=tmp_path, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def bytecode() -> None:
    """lockwise's modules byte-compiled, as an installed package has them. Compiling a module
    from source allocates enough to start the collector: a checkout run with
    PYTHONDONTWRITEBYTECODE (as CI's is) would otherwise compile every module in every run.
    py_compile writes the files whatever that variable says; reading them is never off."""
    import compileall

    import lockwise

    compileall.compile_dir(os.path.dirname(lockwise.__file__), quiet=1)


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_lint_builds_only_lint_and_imports_nothing_heavy(tmp_path: Path, bytecode: None) -> None:
    (tmp_path / "0001_add_column.sql").write_text("ALTER TABLE accounts ADD COLUMN note text;\n")
    first = probe(tmp_path, "lint", "0001_add_column.sql")
    assert first["code"] == 0
    assert first["built"] == ["lint"]
    assert loaded(first["modules"], HEAVY) == []
    # The layouts a folder is told apart from by reading a journal or a header: their modules
    # load only for a folder that is theirs.
    assert loaded(first["modules"], ("lockwise.discover.drizzle", "lockwise.discover.graphile",
                                     "lockwise.discover.liquibase")) == []
    assert "pglast" in first["modules"]  # it did lint: the probe sees a real run
    again = probe(tmp_path, "lint", "0001_add_column.sql")
    assert again["code"] == 0
    assert loaded(again["modules"], HEAVY + PIPELINE) == []
    # Results, rules and matchers are read with the C unpickler alone; pickle's Python half
    # loads only where something is stored.
    uncached = probe(tmp_path, "lint", "--no-cache", "0001_add_column.sql")
    assert uncached["code"] == 0
    assert "pglast" in uncached["modules"]
    for run in (again, uncached):
        assert loaded(run["modules"], HEAVY + ("pickle",)) == []
    # Nor, without a result to read, the C unpickler (with the `_compat_pickle` it imports):
    # the rules and the compiled code are read back with `marshal`.
    assert loaded(uncached["modules"], ("_pickle", "_compat_pickle")) == []
    assert "_pickle" in again["modules"]  # the result read back: the probe sees the unpickler
    # pglast's node classes and enums are bound but never executed (lockwise.parse.libpg).
    assert loaded(uncached["unexecuted"], ("pglast",)) == ["pglast.ast", "pglast.enums"]
    assert "decimal" not in uncached["modules"]
    # Rendering templates needs `string.Formatter().parse` only, not `string`'s Template.
    assert "string" not in uncached["modules"]
    for run in (first, again, uncached):
        assert loaded(run["unexecuted"], TYPER_ONLY + PATHLIB_ONLY) \
            == sorted(TYPER_ONLY + PATHLIB_ONLY)
        assert loaded(run["modules"], OTHER_COMMANDS + REWRITES) == []
        assert run["namedtuples"] == []
    # Patterns for text this file does not have are not compiled: a DO block's sequence
    # words, a quoted long name, the graph's dropped routines' names.
    assert {"lockwise.effects.identifiers._LINE_END", "lockwise.effects.identifiers._QUOTING",
            "lockwise.effects.session._MOVES_SEQUENCE", "lockwise.graph.build._PLAIN_NAME",
            "lockwise.graph.build._WORDS"}.isdisjoint(uncached["patterns"])
    # Nor compiled by `re` where one is used: each program is read back from the cache folder
    # (lockwise.core.code_store.PATTERNS), and none is compiled at an import.
    assert uncached["patterns"] == []
    assert any("/lockwise/" in f for f in first["parsed_by"])  # the first run: the probe sees
    assert [f for f in uncached["parsed_by"] if "/lockwise/" in f] == []
    # The effect model's families load with their first statement: ALTER TABLE's, not those
    # of queries, CREATE, DROP, renames, SET or DO blocks.
    families = [m.removeprefix("lockwise.effects.postgres.")
                for m in loaded(uncached["modules"], ("lockwise.effects.postgres",))]
    assert "alter" in families and "columns" in families
    assert {"create", "drops", "embedded", "queries", "renames", "session_control"} \
        .isdisjoint(families)
    # ... nor those of ALTER TABLE's other subcommands (constraints, partitions, triggers,
    # ALTER INDEX, typed tables): ADD COLUMN is the columns' family.
    assert {"attach", "constraints", "indexes", "maintenance", "triggers", "user_types"} \
        .isdisjoint(families)
    # Nor the SQL of partitioned tables' indexes, which ADD COLUMN's alternatives never show.
    assert "lockwise.effects.partitions" not in uncached["modules"]
    # The graph's down checks load with a migration that has a down, the rules' examples with
    # the rules' docs and tests: a lint of one up file needs neither.
    assert loaded(uncached["modules"], DOWN_AND_EXAMPLES) == []
    # The collector makes one pass (while typer builds the command), not one more while lint
    # imports its config before the dialect is known.
    for run in (first, again, uncached):
        assert run["passes"] <= 1
    # A small input is linted in one process: the forking helpers are not imported.
    for run in (first, uncached):
        assert "lockwise.parallel" not in run["modules"]
    # Nor does it define what only `--base` compares (the branch's and the base's migrations).
    assert "lockwise.graph.model.Location" in uncached["dataclasses"]  # the probe sees them
    assert [c for c in uncached["dataclasses"] if c.endswith(".BranchInfo")] == []
    # Nor the catalog's triggers, rules, policies and domains: an ALTER TABLE makes none.
    assert loaded(uncached["modules"], RARE_CATALOG_OBJECTS) == []
    assert [c for c in uncached["dataclasses"]
            if c.rsplit(".", 1)[1] in ("Trigger", "QueryRule", "Policy", "Domain", "DomainCheck")
            ] == []
    # Small helpers of one module each are plain slotted classes: a dataclass is about 1 M
    # instructions to make, and none of them is compared, hashed or printed.
    assert {"lockwise.catalog.search_path.SearchPath", "lockwise.catalog.search_path._ElementPath",
            "lockwise.parse.postgres._ClientSide", "lockwise.parse.templates.Placeholder",
            "lockwise.effects.context.NewInRun"}.isdisjoint(uncached["dataclasses"])
    # ... as are the records a lint builds and reads in one place, and the two tables of
    # constants (a dialect's quoting, the syntax a version lacks).
    assert set(ONE_PLACE_RECORDS).isdisjoint(uncached["dataclasses"])
    # A run without a config file's `[[overrides]]` defines no Override.
    for run in (again, uncached):
        assert [c for c in run["dataclasses"] if c.endswith(".Override")] == []
        assert loaded(run["modules"], ("lockwise.config.overrides",)) == []
    assert loaded(uncached["modules"], tuple(c.rsplit(".", 1)[0] for c in ONE_PLACE_RECORDS)) \
        == sorted({c.rsplit(".", 1)[0] for c in ONE_PLACE_RECORDS})  # they were defined
    # ... as are discover's records of one call and the graph's of one history (a cached lint
    # discovers its files too).
    for run in (again, uncached):
        assert {"lockwise.discover.layouts._Seen", "lockwise.discover.layouts._SqlxName",
                "lockwise.discover.layouts._OtherDatabases",
                "lockwise.discover.layouts.Layout"}.isdisjoint(run["dataclasses"])
    assert {"lockwise.graph.build._Op", "lockwise.graph.build._Pending",
            "lockwise.graph.build._ViewDeps"}.isdisjoint(uncached["dataclasses"])


def test_a_finding_with_a_rewrite_loads_the_rewrites_and_shows_it(tmp_path: Path) -> None:
    (tmp_path / "0001_index.sql").write_text("CREATE INDEX accounts_email ON accounts (email);\n")
    run = probe(tmp_path, "lint", "--no-cache", "0001_index.sql")
    assert run["code"] == 1
    assert loaded(run["modules"], REWRITES) == list(REWRITES)


#: pathlib's `urllib.parse` finds `ipaddress` bound unexecuted; it runs at its first use.
DEFERRED_IPADDRESS = """
import sys, types
from lockwise.cli.app import app
from urllib.parse import urlsplit
assert type(sys.modules["ipaddress"]) is not types.ModuleType
assert urlsplit("http://[::1]:8080/x").hostname == "::1"  # checked by ipaddress
try:
    urlsplit("http://[not-an-address]/")
except ValueError as exc:
    print(exc)
import ipaddress
print(ipaddress.ip_address("10.0.0.1").is_private)
"""


def test_ipaddress_runs_when_a_url_needs_it() -> None:
    out = subprocess.run([sys.executable, "-c", DEFERRED_IPADDRESS], check=True,
                         capture_output=True, text=True).stdout
    assert out == "'not-an-address' does not appear to be an IPv4 or IPv6 address\nTrue\n"


def test_every_alter_table_subcommand_finds_its_handler() -> None:
    from lockwise.effects.postgres import alter

    subtypes = list(alter._ALTER_CMDS)
    handlers = {subtype: alter._alter_cmd(subtype) for subtype in subtypes}
    assert [subtype for subtype, handler in handlers.items() if not callable(handler)] == []
    assert len(subtypes) >= 40
    assert alter._alter_cmd("AT_NoSuchThing") is None


def test_every_statement_kind_finds_its_handler_in_its_family() -> None:
    from lockwise.effects import postgres

    kinds = set(postgres._FAMILIES) | set(postgres._HANDLERS)
    handlers = {kind: postgres._handler(kind) for kind in kinds}
    assert [kind for kind, handler in handlers.items() if not callable(handler)] == []
    assert len(kinds) >= 65
    assert postgres._handler("NoSuchStmt") is None


#: After lockwise's parser is imported, pglast's lazy modules work as pglast's own.
LAZY_PGLAST = """
import sys, types
from lockwise.parse.libpg import parser
assert type(sys.modules["pglast.ast"]) is not types.ModuleType
# As the import system leaves a module it loaded (else every import of it formats an error)
LOADED = ("pglast", "pglast.ast", "pglast.enums")
assert all(sys.modules[m].__spec__._initializing is False for m in LOADED)
assert parser.parse_sql_json("SELECT 1").startswith("{")
import pglast
from pglast.enums.parsenodes import ObjectType  # a submodule first: imported once all the same
from pglast import ast, enums
from pglast.stream import RawStream
tree = pglast.parse_sql("ALTER TABLE t DROP COLUMN c")[0]
assert isinstance(tree.stmt, ast.AlterTableStmt)
assert tree.stmt.objtype is enums.ObjectType.OBJECT_TABLE is ObjectType.OBJECT_TABLE
assert pglast.ast is sys.modules["pglast.ast"] and pglast.enums is sys.modules["pglast.enums"]
assert type(sys.modules["pglast.ast"]) is types.ModuleType
assert all(sys.modules[m].__spec__._initializing is False for m in LOADED)
print(RawStream()(tree))
"""


def test_pglast_loaded_lazily_works_as_pglast() -> None:
    out = subprocess.run([sys.executable, "-c", LAZY_PGLAST], check=True, capture_output=True,
                         text=True).stdout
    assert out == "ALTER TABLE t DROP COLUMN c\n"


#: The modules typer imports but lint does not use work as imported modules once used.
DEFERRED_WORK = """
import sys, types
from lockwise.cli.app import app
import subprocess, textwrap  # found bound: still not executed
assert type(sys.modules["subprocess"]) is not types.ModuleType
from subprocess import PIPE  # a name read: executed, once, in place
assert sys.modules["subprocess"] is subprocess and type(subprocess) is types.ModuleType
done = subprocess.run([sys.executable, "-c", "print(6 * 7)"], stdout=PIPE, text=True)
print(done.stdout.strip(), textwrap.dedent("  x"), subprocess.__name__)
"""


#: A module deferred only when the extension it needs is there: else its ImportError is raised
#: where the importer expects it (shutil's `import bz2` in a try).
MISSING_EXTENSION = """
import sys, types
sys.modules["_bz2"] = None  # as in a Python built without bz2
from lockwise.cli.app import app  # typer imports shutil, which tries bz2 and lzma
import shutil
assert "bz2" not in sys.modules and type(sys.modules["lzma"]) is not types.ModuleType
assert [name for name, _ in shutil.get_archive_formats()] == ["gztar", "tar", "xztar", "zip"]
"""


def test_a_module_whose_extension_is_missing_is_not_deferred() -> None:
    subprocess.run([sys.executable, "-c", MISSING_EXTENSION], check=True)


def test_modules_typer_imports_for_other_work_run_when_used() -> None:
    out = subprocess.run([sys.executable, "-c", DEFERRED_WORK], check=True, capture_output=True,
                         text=True).stdout
    assert out == "42 x subprocess\n"


@pytest.mark.parametrize("name", ["graph", "apply", "fix"])
def test_a_command_of_another_module_is_found_by_name(tmp_path: Path, name: str) -> None:
    # `lockwise graph --help` imports the command modules: the command is built alone.
    result = probe(tmp_path, name, "--help")
    assert result["code"] == 0
    assert result["built"] == [name]


def test_sql_only_a_safe_alternative_shows_is_not_printed(tmp_path: Path) -> None:
    # A NOT VALID CHECK and an enum value keep their SQL for a safe alternative that shows it
    # (effects.nodes.PrintedSql); with no such finding, pglast's printer is never loaded.
    (tmp_path / "0001_check.sql").write_text(
        "SET lock_timeout = '1s';\n"
        "ALTER TABLE accounts ADD CONSTRAINT positive CHECK (n > 0) NOT VALID;\n"
        "ALTER TYPE mood ADD VALUE 'calm';\n")
    run = probe(tmp_path, "lint", "0001_check.sql")
    assert "lockwise.effects.postgres" in run["modules"]  # it did lint
    assert loaded(run["modules"], ("pglast.stream", "pglast.printers")) == []


def test_a_file_linted_with_its_directory_prints_no_sql_of_the_migrations_before_it(
        tmp_path: Path) -> None:
    # The migrations before the file are replayed with their effects but not judged: the
    # SQL their batched alternatives would show (an UPDATE's and a DELETE's statement without
    # WHERE, the condition on the rows an UPDATE has not changed, a new column's backfill
    # value) is never shown, so pglast's node classes and printer are never loaded.
    (tmp_path / "0001_backfill.sql").write_text(
        "ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();\n"
        "UPDATE accounts SET plan = 'free';\n"
        "DELETE FROM sessions;\n")
    (tmp_path / "0002_note.sql").write_text(
        "SET lock_timeout = '1s';\nALTER TABLE accounts ADD COLUMN note text;\n")
    run = probe(tmp_path, "lint", "--no-cache", "0002_note.sql")
    assert "lockwise.effects.postgres" in run["modules"]  # it did lint
    assert loaded(run["modules"], ("pglast.stream", "pglast.printers")) == []
    assert "pglast.ast" in run["unexecuted"]


def test_conflicts_into_a_pipe_import_no_rich(tmp_path: Path) -> None:
    (tmp_path / "0001_drop.sql").write_text("DROP TABLE accounts;\n")
    (tmp_path / "0002_use.sql").write_text("ALTER TABLE accounts ADD COLUMN note text;\n")
    for run in (probe(tmp_path, "lint", "."), probe(tmp_path, "lint", ".")):  # computed, cached
        assert run["code"] == 1  # the missing-object conflict requires downtime
        assert loaded(run["modules"], HEAVY) == []


def test_top_level_help_builds_and_lists_every_command(tmp_path: Path) -> None:
    result = probe(tmp_path, "--help")
    assert result["code"] == 0
    assert sorted(result["built"]) == sorted(COMMANDS)
    assert len(COMMANDS) >= 13


def test_main_help_lists_every_command(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["lockwise", "--help"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 0
    out = capsys.readouterr().out
    missing = [name for name in COMMANDS if f" {name} " not in out]
    assert missing == []


@pytest.mark.parametrize("args", [[], ["--help"], ["--show-completion"], ["lnit", "x.sql"],
                                  ["--no-such-option", "lint"]])
def test_anything_but_a_command_name_gets_the_whole_app(args: list[str]) -> None:
    assert app_for(args) is app


def test_shell_completion_gets_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_LOCKWISE_COMPLETE", "complete_bash")
    assert app_for(["lint"]) is app


@pytest.mark.parametrize("name", COMMANDS)
def test_one_command_app_is_a_group_of_that_command(name: str) -> None:
    group = typer.main.get_command(app_for([name, "--help"]))
    assert isinstance(group, typer.main.TyperGroup)
    assert list(group.commands) == [name]
    assert len(app.registered_commands) == len(COMMANDS)  # `app` itself is left whole


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("tail", [["--help"], ["--no-such-option"]])
def test_one_command_app_prints_what_the_whole_app_prints(name: str, tail: list[str]) -> None:
    runner = CliRunner()
    args = [name, *tail]
    whole, narrowed = runner.invoke(app, args), runner.invoke(app_for(args), args)
    assert (narrowed.exit_code, narrowed.output) == (whole.exit_code, whole.output)
    assert f"lockwise {name}" in whole.output


@pytest.mark.parametrize(("sql", "expected"), [
    ("CREATE TABLE t (" + "a" * 64 + " int);", ["a" * 64]),
    ("CREATE TABLE t (" + "a" * 63 + " int);", []),
    ("CREATE TABLE t (" + "é" * 32 + " int);", ["é" * 32]),  # 64 bytes in 32 characters
    ("CREATE TABLE t (" + "é" * 31 + "a int);", []),  # 63 bytes
    ("CREATE TABLE t (x int); -- " + "é" * 20, []),  # non-ASCII outside any identifier
])
def test_unquoted_long_identifiers_ascii_and_not(sql: str, expected: list[str]) -> None:
    assert long_identifiers(sql) == expected


#: Runs `lockwise.cli.app.run` (the console entry point) with an atexit handler that says
#: whether Python's own shutdown ran.
ENTRY = """
import atexit, sys
atexit.register(lambda: print("shutdown ran", file=sys.stderr))
sys.argv = ["lockwise", *sys.argv[1:]]
from lockwise.cli.app import run
run()
"""


def entry(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCKWISE_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-c", ENTRY, *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True)


def test_lint_ends_without_python_shutdown_and_keeps_its_output_and_status(
        tmp_path: Path) -> None:
    for i in range(40):  # enough report to fill more than one pipe buffer
        (tmp_path / f"{i:04d}_index.sql").write_text(f"CREATE INDEX i{i} ON t{i} (a);\n")
    result = entry(tmp_path, "lint", ".", "--format", "json")
    assert result.returncode == 1  # CREATE INDEX without CONCURRENTLY requires downtime
    assert len(json.loads(result.stdout)["migrations"]) == 40
    assert "shutdown ran" not in result.stderr
    missing = entry(tmp_path, "lint", "no-such-dir")
    assert missing.returncode == 2
    assert "no-such-dir" in missing.stderr and "shutdown ran" not in missing.stderr


def test_other_commands_keep_python_shutdown(tmp_path: Path) -> None:
    # apply, verify, stats...: their servers, connections and atexit handlers are cleaned up
    # by Python's shutdown as usual.
    for args in (["--help"], ["status", "--help"]):
        result = entry(tmp_path, *args)
        assert result.returncode == 0
        assert "shutdown ran" in result.stderr


def test_lint_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    for i in range(200):
        (tmp_path / f"{i:04d}_index.sql").write_text(f"CREATE INDEX i{i} ON t{i} (a);\n")
    env = {**os.environ, "LOCKWISE_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "lockwise", "lint", "."], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader is gone, as with `lockwise lint . | head -1`
    error = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert "Traceback" not in error and "Exception ignored" not in error


def test_a_lazy_pattern_compiles_on_first_use_and_matches_as_compiled() -> None:
    lazy = lazy_compile(r"^\s*--\s*(up|down)\b", re.IGNORECASE | re.MULTILINE)
    assert "_compiled" not in vars(lazy)  # nothing compiled at import
    text = "select 1;\n  -- DOWN\n-- up\n"
    eager = re.compile(r"^\s*--\s*(up|down)\b", re.IGNORECASE | re.MULTILINE)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.search(text, 12) is not None and lazy.search(text, 12).group(1) == "up"
    assert lazy.sub("x", text) == eager.sub("x", text)
    assert (lazy.pattern, lazy.flags, lazy.groups) == (eager.pattern, eager.flags, eager.groups)
    # The same program as `re` compiles (from the cache folder's store: not `re`'s object),
    # compiled once: every method after the first is the compiled pattern's own.
    compiled = vars(lazy)["_compiled"]
    assert compiled == eager
    assert (lazy.match, lazy.finditer, vars(lazy)["_compiled"]) == (
        compiled.match, compiled.finditer, compiled)


def test_the_lint_command_annotations_are_objects_not_strings() -> None:
    # typer reads each parameter's type of the command it builds: from a string it compiles
    # it twice (about 3% of a one-file lint), so cli/app.py does not postpone annotations.
    from lockwise.cli.app import lint

    assert lint.__annotations__
    assert [name for name, hint in lint.__annotations__.items() if isinstance(hint, str)] == []


def test_a_file_and_the_migrations_before_it_share_one_rule_index(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A file is linted after its folder's earlier migrations, in a call of their own (with a
    # folder of one, an empty one): building the rule index again was 1% of a one-file lint.
    import lockwise.lint
    from lockwise.core.types import Migration
    from lockwise.options import LintOptions

    built = []
    real = lockwise.lint.RuleIndex

    def counted(*args: object, **kwargs: object) -> object:
        built.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lockwise.lint, "RuleIndex", counted)
    monkeypatch.setattr(lockwise.lint, "_last_index", None)  # as in a new process
    earlier = Migration(version="0001", name="a", path=Path("0001_a.sql"),
                        up_sql="CREATE TABLE accounts (id int);")
    linted = Migration(version="0002", name="b", path=Path("0002_b.sql"),
                       up_sql="CREATE INDEX accounts_id ON accounts (id);")
    options = LintOptions(only=frozenset({"0002_b"}))
    assert lockwise.lint.lint_migrations([], options) == []
    assert lockwise.lint.lint_migrations([earlier], options) == []
    (report,) = lockwise.lint.lint_migrations([linted], options)
    assert report.migration is linted and report.statements
    assert len(built) == 1
    lockwise.lint.lint_migrations([], LintOptions())  # the same rules chosen: the same index
    assert len(built) == 1
    ignoring = LintOptions(ignore=frozenset({"missing-lock-timeout"}))
    lockwise.lint.lint_migrations([], ignoring)  # other rules: their own index
    assert len(built) == 2
    assert "missing-lock-timeout" not in lockwise.lint.rule_index(ignoring).by_id


def test_a_migration_with_a_down_loads_the_down_checks(tmp_path: Path) -> None:
    (tmp_path / "1_add.up.sql").write_text("ALTER TABLE accounts ADD COLUMN note text;\n")
    (tmp_path / "1_add.down.sql").write_text("ALTER TABLE accounts DROP COLUMN note;\n")
    run = probe(tmp_path, "lint", "--no-cache", "1_add.up.sql")
    assert "lockwise.graph.down" in run["modules"]


def test_the_rule_catalog_is_read_back_without_object_setattr() -> None:
    # A one-file lint builds every rule of the catalog from the cache: a frozen dataclass's
    # `__init__` sets each of Rule's 20 fields through `object.__setattr__` (1% of the run).
    from lockwise.rules.loader import load_rules
    from lockwise.rules.model import Rule

    assert "__setattr__" not in Rule.__init__.__code__.co_names
    rule = load_rules(examples=False)[0]
    assert Rule(*(getattr(rule, f.name) for f in dataclasses.fields(Rule))) == rule


def test_a_digest_imports_nothing_once_the_first_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each dataclass method and rule matcher read from the code store is looked up by a
    # digest (about 230 in a one-file lint): a `from _blake2 import ...` run at every call
    # formatted and dropped an AttributeError (the module's `__path__`) each time.
    import builtins

    from lockwise.cache import blake2b

    first = blake2b(b"lockwise", digest_size=16).hexdigest()
    imports: list[str] = []
    real_import = builtins.__import__

    def counting(name: str, *args: object, **kwargs: object) -> object:
        imports.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", counting)
    again = blake2b(b"lockwise", digest_size=16)
    again.update(b"!")
    monkeypatch.undo()
    assert imports == []
    assert first == blake2b(b"lockwise", digest_size=16).hexdigest()
    assert again.hexdigest() == blake2b(b"lockwise!", digest_size=16).hexdigest() != first


#: Counts the cyclic collector's passes while `import lockwise` runs, and reports whether the
#: collector is left as it was found.
IMPORT_COLLECTIONS = """
import gc, sys
passes = []
gc.callbacks.append(lambda phase, info: passes.append(info["generation"]) if phase == "start"
                    else None)
if sys.argv[1] == "disabled":
    gc.disable()
gc.collect()
passes.clear()
import lockwise
print(len(passes), gc.isenabled())
"""


@pytest.mark.parametrize(("before", "after"), [("enabled", "True"), ("disabled", "False")])
def test_importing_lockwise_makes_no_collector_pass_and_leaves_it_as_found(
        before: str, after: str, bytecode: None) -> None:
    # `import lockwise` (the code store, typing, dataclasses with inspect and ast) makes
    # objects that live as long as the process: the collector's passes over them were 1.3% of
    # a one-file lint.
    out = subprocess.run([sys.executable, "-c", IMPORT_COLLECTIONS, before], check=True,
                         capture_output=True, text=True).stdout
    assert out == f"0 {after}\n"


def test_the_code_fingerprint_stamps_every_module_in_walk_order_joining_no_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A cached lint's key stamps every file of the package: scandir's entries carry their
    # paths and stats, where os.walk and `os.path.join` per file were most of it.
    import lockwise
    from lockwise.cache import code_fingerprint, file_stamp

    package = os.path.dirname(lockwise.__file__)
    walked = [lockwise.__version__]
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        walked += [f"{folder}/{name}:{file_stamp(os.stat(os.path.join(folder, name)))}"
                   for name in sorted(files) if name.endswith((".py", ".json"))]
    assert any("/effects/data/" in line and line.endswith(tuple("0123456789"))
               for line in walked)
    joined: list[tuple] = []
    real_join = os.path.join
    monkeypatch.setattr(os.path, "join", lambda *parts: joined.append(parts) or real_join(*parts))
    assert code_fingerprint() == "\n".join(walked)
    assert joined == []


#: Runs `lockwise.cli.app.main` and prints how many times the shipped rules folder was listed.
RULE_LISTINGS = """
import os, sys
from lockwise.rules.loader import builtin_rules_dir
shipped, listed, real = str(builtin_rules_dir()), [], os.scandir
os.scandir = lambda path=".": (listed.append(1) if str(path) == shipped else None) or real(path)
from lockwise.cli.app import main
sys.argv = ["lockwise", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(len(listed), file=sys.stderr)
"""


def test_a_lint_lists_the_rule_files_once(tmp_path: Path) -> None:
    # A lint that misses the result cache stamps the rule files for its key, then reads the
    # catalog: one listing (and stat of each file) serves both (1% of such a run).
    (tmp_path / "0001_add_column.sql").write_text("ALTER TABLE accounts ADD COLUMN note text;\n")
    env = {**os.environ, "LOCKWISE_CACHE_DIR": str(tmp_path / "cache")}

    def listings(*args: str) -> int:
        run = subprocess.run([sys.executable, "-c", RULE_LISTINGS, "lint", *args,
                              "0001_add_column.sql"], cwd=tmp_path, env=env, check=True,
                             capture_output=True, text=True)
        return int(run.stderr.split()[-1])

    assert [listings(), listings(), listings("--no-cache")] == [1, 1, 1]  # computed, cached


#: A trigger, a rule, a policy and a domain replayed in a process that loaded none before.
RARE_OBJECTS = """
import sys
from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.parse.postgres import parse_sql
assert "lockwise.catalog.objects" not in sys.modules
catalog = Catalog()
for stmt in parse_sql(
        "CREATE TABLE t (a int); CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS "
        "'begin return new; end'; CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW "
        "EXECUTE FUNCTION f(); CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING; "
        "CREATE POLICY p ON t USING (a > 0); CREATE DOMAIN d AS int CHECK (VALUE > 0);"
        ).statements:
    apply_statement(catalog, stmt.tree)
t = catalog.tables["public.t"]
print(t.triggers["tr"].function, t.rules["r"].instead, t.policies["p"].command,
      catalog.domains["public.d"].checks[0].name)
from lockwise.catalog.model import Trigger
from lockwise.catalog import Trigger as Exported
print(type(t.triggers["tr"]) is Trigger is Exported)
"""


def test_triggers_rules_policies_and_domains_load_with_the_first_one() -> None:
    out = subprocess.run([sys.executable, "-c", RARE_OBJECTS], check=True, capture_output=True,
                         text=True).stdout
    assert out == "f True all d_check\nTrue\n"


#: The jobs of the catalog replay a small migration rarely has, split from `catalog.replay`
#: (272 kB of bytecode unmarshalled by every lint, the thirtieth round), with the modules only
#: they need (views: `query_columns`, `updatable`; and the policies' module).
REPLAY_JOBS = ("lockwise.catalog.do_blocks", "lockwise.catalog.extended_statistics",
               "lockwise.catalog.reach", "lockwise.catalog.renames",
               "lockwise.catalog.user_types", "lockwise.catalog.views")
REPLAY_JOB_NEEDS = ("lockwise.catalog.policies", "lockwise.catalog.query_columns",
                    "lockwise.catalog.updatable")


def test_a_one_file_alter_loads_no_replay_of_other_jobs(tmp_path: Path, bytecode: None) -> None:
    (tmp_path / "0001_add_column.sql").write_text("ALTER TABLE accounts ADD COLUMN note text;\n")
    uncached = probe(tmp_path, "lint", "--no-cache", "0001_add_column.sql")
    assert uncached["code"] == 0
    assert "lockwise.catalog.replay" in uncached["modules"]  # the probe sees the replay
    assert loaded(uncached["modules"], REPLAY_JOBS + REPLAY_JOB_NEEDS) == []


#: Checks of the effect model for statements a small migration rarely has (a trigger's WHEN
#: on an UPDATE, a table or key tied to a temporary one, a key column's NOT NULL, a column's
#: type changed, a parse error's dialect hint): each loads with its first such statement.
RARE_CHECKS = ("lockwise.catalog.trigger_when",
               "lockwise.effects.postgres.not_null_refusals",
               "lockwise.effects.postgres.temporary_ties", "lockwise.effects.types",
               "lockwise.parse.dialect_hint")


def alter_alone(tmp_path: Path) -> list[dict]:
    """The probes of a lint of one small ALTER alone, `--no-cache` and cached."""
    (tmp_path / "0001_add_column.sql").write_text("ALTER TABLE accounts ADD COLUMN note text;\n")
    runs = [probe(tmp_path, "lint", *args, "0001_add_column.sql") for args in (("--no-cache",), ())]
    assert [run["code"] for run in runs] == [0, 0]
    return runs


def test_a_one_file_alter_loads_no_check_of_rarer_statements(tmp_path: Path,
                                                             bytecode: None) -> None:
    for run in alter_alone(tmp_path):
        assert loaded(run["modules"], RARE_CHECKS) == []


#: One statement needing each of RARE_CHECKS; the parse error is another file's.
RARE_STATEMENTS = """\
CREATE TABLE t (a int PRIMARY KEY, b int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO log VALUES (1); RETURN NEW; END $$;
CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW WHEN (OLD.b IS DISTINCT FROM NEW.b)
  EXECUTE FUNCTION f();
CREATE TRIGGER ti AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
CREATE TEMPORARY TABLE tmp (a int PRIMARY KEY);
CREATE TABLE log (a int REFERENCES tmp);
ALTER TABLE t ALTER COLUMN b TYPE bigint;
ALTER TABLE t ALTER COLUMN a DROP NOT NULL;
BEGIN;
ALTER TABLE log ADD COLUMN c int;
UPDATE t SET b = 2;
INSERT INTO t VALUES (1, 1);
COMMIT;
"""


def test_each_rarer_check_loads_with_its_statement(tmp_path: Path, bytecode: None) -> None:
    (tmp_path / "0001_rare.sql").write_text(RARE_STATEMENTS)
    (tmp_path / "0002_mysql.sql").write_text("ALTER TABLE t ADD COLUMN c int UNSIGNED;\n")
    run = probe(tmp_path, "lint", "--no-cache", "0001_rare.sql", "0002_mysql.sql")
    assert run["code"] == 2  # the parse error
    assert loaded(run["modules"], RARE_CHECKS) == list(RARE_CHECKS)


#: One statement of each job split from the replay, in a process that loaded none of them.
REPLAY_JOBS_RUN = """
import sys
from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.parse.postgres import parse_sql
sql = '''
CREATE TABLE t (a int, b int);
CREATE VIEW v AS SELECT a FROM t;
ALTER TABLE t RENAME COLUMN a TO c;
CREATE TYPE mood AS ENUM ('sad');
ALTER TYPE mood ADD VALUE 'ok';
CREATE DOMAIN d AS int CHECK (VALUE > 0);
CREATE STATISTICS s ON c, b FROM t;
CREATE POLICY p ON t USING (b > 0);
DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN e int'; END $$;
'''
catalog = Catalog()
before = {m for m in sys.modules if m.startswith("lockwise.catalog.")}
for stmt in parse_sql(sql).statements:
    apply_statement(catalog, stmt.tree)
print(sorted({m for m in sys.modules if m.startswith("lockwise.catalog.")} - before))
print(catalog.tables["public.v"].column_reads, catalog.enums["public.mood"],
      catalog.domains["public.d"].checks[0].name, catalog.statistics_columns["public.s"],
      sorted(catalog.tables["public.t"].policies), sorted(catalog.tables["public.t"].columns))
from lockwise.catalog.replay import do_block_reshapes, tables_reached, typed_table_trees
print(tables_reached.__module__, do_block_reshapes.__module__, typed_table_trees.__module__)
"""


def test_each_replay_job_loads_with_its_first_statement() -> None:
    out = subprocess.run([sys.executable, "-c", REPLAY_JOBS_RUN], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert out[0] == str(sorted(("lockwise.catalog.do_blocks",
                                 "lockwise.catalog.extended_statistics",
                                 "lockwise.catalog.objects", "lockwise.catalog.policies",
                                 "lockwise.catalog.query_columns", "lockwise.catalog.renames",
                                 "lockwise.catalog.scopes", "lockwise.catalog.updatable",
                                 "lockwise.catalog.user_types", "lockwise.catalog.views")))
    assert out[1] == ("(('public.t', 'c'),) ['sad', 'ok'] d_check ('c', 'b') ['p'] ['b', 'c', 'e']")
    assert out[2] == "lockwise.catalog.reach lockwise.catalog.do_blocks lockwise.catalog.user_types"


#: Imported by `inspect` (which dataclasses and typer import) for reading source files, and by
#: `pathlib` for Windows paths and glob patterns, none of which a lint does: bound, but not
#: executed (`import lockwise` defers them).
STDLIB_UNUSED = ("fnmatch", "linecache", "ntpath", "token", "tokenize")


def test_a_lint_leaves_the_stdlib_it_never_uses_unexecuted(tmp_path: Path,
                                                          bytecode: None) -> None:
    for run in alter_alone(tmp_path):
        assert loaded(run["unexecuted"], STDLIB_UNUSED) == list(STDLIB_UNUSED)


SOURCE_READ = """
import sys, types
import lockwise, traceback, tokenize
import ntpath
from pathlib import Path
names = ("fnmatch", "linecache", "ntpath", "token", "tokenize")
print([type(sys.modules[m]) is types.ModuleType for m in names])
try:
    1 / 0
except ZeroDivisionError:
    print("    1 / 0" in traceback.format_exc().splitlines())  # the source line, read
with tokenize.open(__file__) as handle:
    print(handle.readline().strip())
print(ntpath.join("db", "0001.sql"), Path("db/0001.sql").match("*.sql"))
print([type(sys.modules[m]) is types.ModuleType for m in names])
"""


def test_the_deferred_stdlib_modules_run_when_used(tmp_path: Path) -> None:
    script = tmp_path / "read_source.py"
    script.write_text(SOURCE_READ.lstrip())
    out = subprocess.run([sys.executable, str(script)], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    assert out == ["[False, False, False, False, False]", "True", "import sys, types",
                   "db\\0001.sql True", "[True, True, True, True, True]"]


def test_a_config_with_overrides_reads_them_in_their_own_module(tmp_path: Path) -> None:
    from lockwise.config import load_file

    (tmp_path / "lockwise.toml").write_text(
        '[[overrides]]\npath = "db/legacy/**"\nignore = ["set-not-null"]\n')
    config = load_file(tmp_path / "lockwise.toml")
    assert [type(o).__module__ for o in config.overrides] == ["lockwise.config.overrides"]
    assert [o.ignore for o in config.overrides] == [frozenset({"set-not-null"})]
    assert config.overrides_for(tmp_path / "db/legacy/0001.sql") == config.overrides
    assert config.overrides_for(tmp_path / "db/0001.sql") == []


#: Read only where it is needed: Flyway's config files (a folder holding one, or a config
#: naming some) and the statements dropping what others depend on.
FLYWAY_CONFIG_AND_DEPENDENTS = ("lockwise.discover.flyway_config", "lockwise.effects.dependents")


def test_a_plain_sql_folder_loads_no_flyway_config_nor_dependents(tmp_path: Path,
                                                                 bytecode: None) -> None:
    for run in alter_alone(tmp_path):
        assert loaded(run["modules"], FLYWAY_CONFIG_AND_DEPENDENTS) == []


def test_flyway_config_and_dependents_load_where_needed(tmp_path: Path) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "flyway.toml").write_text('[flyway]\nlocations = ["filesystem:sql"]\n')
    (tmp_path / "sql" / "V1__drop.sql").write_text(
        "CREATE TABLE t (a int);\nCREATE VIEW v AS SELECT a FROM t;\nDROP TABLE t CASCADE;\n")
    run = probe(tmp_path, "lint", "--no-cache", ".")
    assert run["code"] != 2  # (linted: not an input error)
    assert loaded(run["modules"], FLYWAY_CONFIG_AND_DEPENDENTS) == list(
        FLYWAY_CONFIG_AND_DEPENDENTS)


def test_an_uncached_lint_asks_no_rule_text_whether_it_names_locks_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Which rules read a fact computed only on demand is found when the rule file is read
    # and stored with the rule; the index answers from that, not by searching every text.
    import lockwise.rules.engine as engine
    from lockwise.lint import LintOptions, rule_index

    options = LintOptions()
    expected = any(engine.rule_reads(rule, "locks_text") for rule in rule_index(options).rules)

    def searched(rule: object, fact: str) -> bool:
        raise AssertionError(f"searched the texts for {fact}")

    monkeypatch.setattr(engine, "rule_reads", searched)
    assert engine.RuleIndex(rule_index(options).rules).reads("locks_text") is expected


def test_a_rule_file_naming_locks_text_is_stored_as_reading_it(tmp_path: Path) -> None:
    from lockwise.rules.loader import load_rule

    path = tmp_path / "shows-locks.toml"
    path.write_text('id = "shows-locks"\ntitle = "t"\nsafety = "safe"\n'
                    'when = { action = "add_column" }\nmessage = "Takes {locks_text}."\n'
                    'why = "w"\ninstead = "i"\n')
    assert load_rule(path).reads_on_demand == ("locks_text",)
    path.write_text(path.read_text().replace("{locks_text}", "a lock"))
    assert load_rule(path).reads_on_demand == ()
