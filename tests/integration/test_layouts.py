"""Each layout's fixture directory (fixtures/layouts/<layout>) is detected, read in the tool's
order, and linted with the right transaction handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.core.types import Migration
from lockwise.discover import discover
from lockwise.discover.layouts import detect_layout
from lockwise.discover.tools import split_dbmate, split_goose
from lockwise.lint import LintOptions, lint_migrations
from tree_helpers import write

LAYOUTS = Path(__file__).resolve().parents[2] / "fixtures" / "layouts"

#: For each fixture: migration ids in order, with (safety, rules that fire).
EXPECTED = {
    "plain": [
        ("001_create_accounts", "safe", set()),
        ("002_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("010_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "golang-migrate": [
        ("1_create_accounts", "safe", set()),
        ("2_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("10_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "diesel": [
        ("2024-01-01-000001_create_accounts", "safe", set()),
        ("2024-01-02-000001_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("2024-01-03-000001_index_nickname", "safe", set()),
        ("2024-01-10-000001_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "flyway": [
        ("1_create_accounts", "safe", set()),
        ("2_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("3_index_nickname", "safe", set()),
        ("10_index_email", "requires-downtime",
         {"index-without-concurrently"}),
        ("R_accounts_view", "safe", set()),
    ],
    "prisma": [
        ("20240101000000_create_accounts", "safe", set()),
        ("20240102000000_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("20240110000000_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "dbmate": [
        ("20240101000000_create_accounts", "safe", set()),
        ("20240102000000_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("20240103000000_index_nickname", "safe", set()),
        ("20240110000000_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "goose": [
        ("20240101000000_create_accounts", "safe", set()),
        ("20240102000000_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("20240103000000_index_nickname", "safe", set()),
        ("20240110000000_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "sql-migrate": [
        ("1_create_accounts", "safe", set()),
        ("2_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("3_index_nickname", "safe", set()),
        ("10_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "atlas": [
        ("20240101000000_create_accounts", "safe", set()),
        ("20240102000000_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("20240103000000_index_nickname", "safe", set()),
        ("20240110000000_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "sqlx": [
        ("20240101000000_create_accounts", "safe", set()),
        ("20240102000000_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("20240103000000_index_nickname", "safe", set()),
        ("20240110000000_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    # drizzle's migrator runs every pending migration in one transaction: no opt-out.
    "drizzle": [
        ("0000_create_accounts", "safe", set()),
        ("0001_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("0002_index_nickname", "requires-downtime", {"concurrently-in-transaction"}),
        ("0003_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    # A changeset a migration; bob:nickname-prefix is for MySQL only.
    "liquibase": [
        ("alice:create-accounts", "safe", set()),
        ("alice:add-nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("bob:index-nickname", "safe", set()),
        ("bob:index-email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    # tern runs each file in a transaction unless `---- tern: disable-tx ----`; the down SQL
    # after its separator is not the migration.
    "tern": [
        ("001_create_accounts", "safe", set()),
        ("002_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("003_index_nickname", "safe", set()),
        ("004_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    # postgrator sends a file as one string: a lone CREATE INDEX CONCURRENTLY runs.
    "postgrator": [
        ("001_create_accounts", "safe", set()),
        ("002_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("003_index_nickname", "safe", set()),
        ("010_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    # The committed migrations, then current.sql: the one being written.
    "graphile-migrate": [
        ("000001_create_accounts", "safe", set()),
        ("000002_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("000003_index_nickname", "safe", set()),
        ("current", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "supabase": [
        ("20240101000000_create_accounts", "safe", set()),
        ("20240102000000_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("20240103000000_index_nickname", "safe", set()),
        ("20240110000000_index_email", "requires-downtime",
         {"index-without-concurrently"}),
    ],
    "sqitch": [
        ("0001_create_accounts", "safe", set()),
        ("0002_add_nickname", "safe-with-care", {"missing-lock-timeout"}),
        ("0003_index_email", "requires-downtime",
         {"index-without-concurrently"}),
        ("0004_add_nickname", "requires-downtime", {"missing-lock-timeout", "set-not-null"}),
    ],
}
#: Rules outside what these fixtures are about (style advice some rule sets add).
INCIDENTAL = {"missing-statement-timeout", "prefer-text-over-varchar", "prefer-bigint",
              "prefer-identity", "missing-if-exists"}


#: Fixtures whose migrations folder is below the layout's folder (the tool's place for it).
FOLDER = {"supabase": "supabase/migrations"}


@pytest.mark.parametrize("layout", sorted(EXPECTED))
def test_layout_fixture_lints_correctly(layout: str) -> None:
    directory = LAYOUTS / FOLDER.get(layout, layout)
    assert detect_layout(directory) == layout
    migrations = discover(directory)
    assert {m.layout for m in migrations} == {layout}
    reports = lint_migrations(migrations, LintOptions())
    got = [(r.migration.id, r.safety.label, {f.rule for f in r.all_findings} - INCIDENTAL)
           for r in reports]
    expected = EXPECTED[layout]
    assert [g[0] for g in got] == [e[0] for e in expected]
    assert [g[2] for g in got] == [e[2] for e in expected]
    assert [g[1] for g in got] == [e[1] for e in expected]


def test_all_fixture_layouts_are_covered() -> None:
    assert sorted(p.name for p in LAYOUTS.iterdir() if p.is_dir()) == sorted(EXPECTED)


def test_non_transactional_markers() -> None:
    by_layout = {name: {m.name: m.no_transaction for m in discover(LAYOUTS / name)}
                 for name in ("diesel", "flyway", "dbmate", "goose", "sql-migrate", "atlas",
                              "sqlx")}
    assert by_layout["diesel"]["index_nickname"] is True
    assert by_layout["flyway"]["index_nickname"] is True
    assert by_layout["dbmate"] == {"create_accounts": False, "add_nickname": False,
                                   "index_nickname": True, "index_email": False}
    assert by_layout["goose"] == by_layout["dbmate"]
    assert by_layout["sql-migrate"] == {"create_accounts": False, "add_nickname": False,
                                        "index_nickname": True, "index_email": False}
    assert by_layout["atlas"] == by_layout["sql-migrate"]
    assert by_layout["sqlx"] == by_layout["sql-migrate"]
    assert {m.id: m.no_transaction for m in discover(LAYOUTS / "liquibase")} == {
        "alice:create-accounts": False, "alice:add-nickname": False,
        "bob:index-nickname": True, "bob:index-email": False}
    assert [m.no_transaction for m in discover(LAYOUTS / "tern")] == [False, False, True, False]
    assert [m.no_transaction for m in discover(LAYOUTS / "graphile-migrate")] == [
        False, False, True, False]


def test_concurrently_in_a_transactional_dbmate_migration_is_flagged(tmp_path: Path) -> None:
    """Without `transaction:false`, dbmate runs the file in a transaction, where CREATE INDEX
    CONCURRENTLY fails: the marker is what makes the fixture's migration safe."""
    for src in (LAYOUTS / "dbmate").iterdir():
        text = src.read_text().replace("-- migrate:up transaction:false", "-- migrate:up")
        (tmp_path / src.name).write_text(text)
    reports = lint_migrations(discover(tmp_path), LintOptions())
    index = next(r for r in reports if r.migration.name == "index_nickname")
    assert "concurrently-in-transaction" in {f.rule for f in index.all_findings}


@pytest.mark.parametrize(("conf", "flagged"), [
    ("executeInTransaction=false\n", False), ("executeInTransaction: false\n", False),
    ("# executeInTransaction=false\n", True),
    ("executeInTransaction=false\nexecuteInTransaction=true\n", True)])
def test_concurrently_in_a_flyway_migration_follows_its_script_config(
        tmp_path: Path, conf: str, flagged: bool) -> None:
    """Beside a statement that takes a transaction, Flyway runs CREATE INDEX CONCURRENTLY in
    one (where it fails) unless the script config, read as Flyway reads it, says
    executeInTransaction=false."""
    write(tmp_path, {"V1__t.sql": "CREATE TABLE t (a int);",
                     "V2__i.sql": "SET lock_timeout = '5s';\n"
                                  "CREATE INDEX CONCURRENTLY t_a ON t (a);\n",
                     "V2__i.sql.conf": conf})
    report = lint_migrations(discover(tmp_path), LintOptions())[-1]
    assert ("concurrently-in-transaction" in {f.rule for f in report.all_findings}) is flagged


#: A Flyway migration of a statement that runs in a transaction and one that refuses it.
_FLYWAY_MIXED = {"sql/V1__t.sql": "CREATE TABLE t (a int);",
                 "sql/V2__i.sql": "ALTER TABLE t ADD COLUMN note text;\n"
                                  "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"}


@pytest.mark.parametrize(("config", "flagged"), [
    ({}, True),
    ({"sql/flyway.conf": "flyway.mixed=true\n"}, False),
    ({"flyway.conf": "flyway.mixed = true\n"}, False),  # a folder above, where Flyway runs
    ({"flyway.toml": "[flyway]\nmixed = true\n"}, False),
    ({"flyway.conf": "flyway.mixed=false\n"}, True),
    ({"flyway.conf": "# flyway.mixed=true\n"}, True),
    ({"flyway.conf": "flyway.mixed=true\nflyway.mixed=false\n"}, True),  # the last counts
    ({"flyway.toml": "[flyway]\nmixed = false\n", "../flyway.conf": "flyway.mixed=true\n"},
     True),  # the nearest says it
    ({"flyway.conf": "flyway.executeInTransaction=false\n"}, False),
    ({"flyway.toml": "[flyway]\nexecuteInTransaction = false\n"}, False),
    ({"flyway.conf": "flyway.mixed=true\n", "sql/V2__i.sql.conf": "executeInTransaction=true\n"},
     True),  # the script's own config wins: in a transaction
], ids=["default", "conf-beside", "conf-above", "toml-above", "conf-false", "commented",
        "last-wins", "nearest-wins", "global-no-transaction", "toml-no-transaction",
        "script-config-wins"])
def test_concurrently_in_a_flyway_migration_follows_flyway_mixed(
        tmp_path: Path, config: dict[str, str], flagged: bool) -> None:
    """Flyway refuses a migration that mixes statements a transaction block refuses with
    others (ParserSqlScript: "Detected both transactional and non-transactional statements
    within the same migration (even though mixed is false)"); with `mixed = true` read from
    flyway.conf or flyway.toml in the migrations' folder or one above it (where Flyway is run
    from), it runs the whole migration without a transaction, and CREATE INDEX CONCURRENTLY
    works. `executeInTransaction = false` there runs every migration without one; a script
    config's `executeInTransaction` decides for its migration whatever these say."""
    root = tmp_path / "project"
    write(root, {**_FLYWAY_MIXED, **config})
    report = lint_migrations(discover(root / "sql"), LintOptions())[-1]
    assert report.migration.layout == "flyway"
    assert ("concurrently-in-transaction" in {f.rule for f in report.all_findings}) is flagged


def test_a_flyway_script_config_in_transaction_keeps_concurrently_in_one(
        tmp_path: Path) -> None:
    """A migration of statements that all refuse a transaction block runs without one, as
    Flyway detects them, unless its script config says `executeInTransaction=true`: Flyway
    then runs it in one, where CREATE INDEX CONCURRENTLY fails."""
    write(tmp_path, {"V1__t.sql": "CREATE TABLE t (a int);",
                     "V2__i.sql": "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"})
    report = lint_migrations(discover(tmp_path), LintOptions())[-1]
    assert "concurrently-in-transaction" not in {f.rule for f in report.all_findings}
    write(tmp_path, {"V2__i.sql.conf": "executeInTransaction=true\n"})
    report = lint_migrations(discover(tmp_path), LintOptions())[-1]
    assert "concurrently-in-transaction" in {f.rule for f in report.all_findings}


@pytest.mark.parametrize(("name", "text", "line"), [
    ("flyway.toml", "[flyway\nmixed = true\n", 1),
    ("flyway.toml", "[flyway]\nmixed = \"yes\"\n", 2),
    ("flyway.toml", "[flyway]\nurl = 'x'\nexecuteInTransaction = 0\n", 3),
    ("flyway.toml", "[flyway]\ninitSql = ['SET lock_timeout = 1']\n", 2),
    ("flyway.toml", "[flyway]\n\ninitSql = 5\n", 3),
    ("flyway.conf", "flyway.url=x\nflyway.mixed=True\n", 2),
    ("sql/flyway.conf", "flyway.executeInTransaction = no\n# flyway.mixed=x\n", 1),
    ("sql/V2__i.sql.conf", "executeInTransaction=yes\n", 1),
], ids=["toml-not-toml", "toml-mixed-string", "toml-number", "toml-init-sql-list",
        "toml-init-sql-number",
        "conf-capitalised", "conf-no", "script-config-yes"])
def test_a_flyway_setting_flyway_refuses_is_an_input_error(
        tmp_path: Path, name: str, text: str, line: int) -> None:
    """Flyway stops before it migrates with a config file it cannot read or a value it
    refuses (a boolean setting takes `true` or `false` as written: ConfigUtils' "Invalid value
    for flyway.mixed (should be either true or false)"): discovery raises an input error at
    the file and line, and `lockwise lint` exits 2 with it, as for an application file."""
    from typer.testing import CliRunner

    from lockwise.cli.app import app
    from lockwise.parse.source import InputError

    root = tmp_path / "project"
    write(root, {**_FLYWAY_MIXED, name: text})
    with pytest.raises(InputError) as error:
        discover(root / "sql")
    assert (error.value.path, error.value.line) == (root / name, line)
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(root / "sql")])
    assert result.exit_code == 2
    assert f"{root / name}:{line}:" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_flyway_config_without_flyway_migrations_does_not_stop_lint(
        tmp_path: Path) -> None:
    """Only Flyway reads flyway.toml: a broken one above migrations of another tool (here
    plain numbered files) is nothing lint needs."""
    write(tmp_path, {"flyway.toml": "[flyway\n", "flyway.conf": "flyway.mixed=maybe\n",
                     "migrations/001_t.sql": "CREATE TABLE t (a int);\n"})
    assert [m.path.name for m in discover(tmp_path / "migrations")] == ["001_t.sql"]


#: Spring Boot's classpath root in a Maven or Gradle project, where its application files are.
_RESOURCES = "src/main/resources"
#: The Flyway migration of `_FLYWAY_MIXED` in Spring Boot's default location, db/migration.
_SPRING_MIXED = {f"{_RESOURCES}/db/migration/{path.removeprefix('sql/')}": text
                 for path, text in _FLYWAY_MIXED.items()}
_PROPERTIES = f"{_RESOURCES}/application.properties"
_YML = f"{_RESOURCES}/application.yml"


@pytest.mark.parametrize(("config", "flagged"), [
    ({}, True),
    ({_PROPERTIES: "spring.flyway.mixed=true\n"}, False),
    ({_PROPERTIES: "spring.flyway.mixed: yes\n"}, False),  # Spring's words for true
    ({_PROPERTIES: "SPRING.Flyway.Mixed = on\n"}, False),  # relaxed binding: any case
    ({_PROPERTIES: "spring.flyway.mixed=true\nspring.flyway.mixed=false\n"}, True),
    ({_PROPERTIES: "# spring.flyway.mixed=true\n"}, True),
    ({_YML: "spring:\n  flyway:\n    mixed: true\n"}, False),
    ({f"{_RESOURCES}/application.yaml": "spring.flyway.mixed: true\n"}, False),
    ({_YML: "spring:\n  flyway.mixed: 'true'\n"}, False),
    ({_YML: "spring:\n  flyway:\n    mixed: true\n  sql.init.since: 2001-02-30\n"}, False),
    ({_PROPERTIES: "spring.flyway.execute-in-transaction=false\n"}, False),
    ({_PROPERTIES: "spring.flyway.executeInTransaction=false\n"}, False),
    ({_YML: "spring:\n  flyway:\n    execute_in_transaction: false\n"}, False),
    ({f"{_RESOURCES}/application-prod.properties": "spring.flyway.mixed=true\n"}, True),
    ({_PROPERTIES: "spring.flyway.mixed=false\n#---\nspring.flyway.mixed=true\n"}, False),
    ({_PROPERTIES: "#---\nspring.config.activate.on-profile=prod\nspring.flyway.mixed=true\n"},
     True),
    ({_YML: "spring.flyway.mixed: false\n---\nspring:\n  config:\n    activate:\n"
            "      on-profile: prod\n  flyway:\n    mixed: true\n"}, True),
    ({_PROPERTIES: "spring.flyway.mixed=false\n", _YML: "spring.flyway.mixed: true\n"}, True),
    ({_PROPERTIES: "spring.flyway.mixed=false\n",
      f"{_RESOURCES}/config/application.properties": "spring.flyway.mixed=true\n"}, False),
    ({_PROPERTIES: "spring.application.name=shop\n", "flyway.conf": "flyway.mixed=true\n"},
     True),
    ({_PROPERTIES: "spring.flyway.enabled=false\n", "flyway.conf": "flyway.mixed=true\n"},
     False),
    ({_PROPERTIES: "spring.application.name=shop\n",
      f"{_RESOURCES}/db/migration/flyway.conf": "flyway.mixed=true\n"}, False),
    ({_PROPERTIES: "spring.flyway.mixed=${FLYWAY_MIXED:true}\n"}, True),
    ({_PROPERTIES: "spring.flyway.mixed=maybe\n"}, True),
], ids=["default", "properties", "yes", "relaxed-case", "last-wins", "commented", "yml-nested",
        "yaml-dotted", "yml-partly-dotted", "yml-no-such-date", "kebab-no-transaction",
        "camel-no-transaction", "underscore-no-transaction", "profile-file-not-read",
        "later-document", "profile-document-not-read", "yml-profile-document-not-read",
        "properties-over-yml", "config-folder-over-root", "spring-ignores-flyway-conf",
        "spring-flyway-disabled", "nearer-flyway-conf", "placeholder-not-resolved",
        "not-a-boolean"])
def test_concurrently_in_a_spring_boot_flyway_migration_follows_spring_flyway_mixed(
        tmp_path: Path, config: dict[str, str], flagged: bool) -> None:
    """Spring Boot runs Flyway with its own properties (`spring.flyway.mixed`,
    `spring.flyway.execute-in-transaction`, bound relaxed: any case, `-`, `_` or camelCase,
    nested or dotted YAML keys) from application.properties / .yml / .yaml at the classpath
    root (or its config/ folder, which wins; .properties wins over YAML), and never reads
    flyway.conf: a migration that mixes CREATE INDEX CONCURRENTLY with other DDL runs without a
    transaction when they say mixed, and Flyway refuses it otherwise. Profile-specific files
    and documents are not read while their profile is not active (test_spring_profiles.py); a
    flyway.conf nearer the location than the application files, or Spring's Flyway turned
    off, leaves the decision to Flyway's own configuration."""
    root = tmp_path / "project"
    write(root, {**_SPRING_MIXED, **config})
    report = lint_migrations(discover(root / _RESOURCES / "db" / "migration"),
                             LintOptions())[-1]
    assert report.migration.layout == "flyway"
    assert ("concurrently-in-transaction" in {f.rule for f in report.all_findings}) is flagged


@pytest.mark.parametrize("mixed", [False, True])
def test_lint_of_a_spring_boot_project_follows_spring_flyway_mixed(tmp_path: Path,
                                                                   mixed: bool) -> None:
    """`lockwise lint` of a Spring Boot project: with `spring.flyway.mixed=true` in
    application.properties the migration mixing CREATE INDEX CONCURRENTLY with other DDL runs
    without a transaction (exit 0: safe-with-care at worst); without it Flyway refuses it,
    which lint reports as concurrently-in-transaction (exit 1)."""
    import json

    from typer.testing import CliRunner

    from lockwise.cli.app import app

    write(tmp_path, {**_SPRING_MIXED,
                     _PROPERTIES: f"spring.application.name=shop\nspring.flyway.mixed={mixed}\n"
                     .lower()})
    for target in (tmp_path, tmp_path / _RESOURCES / "db" / "migration"):
        result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", "json", str(target)])
        assert result.exit_code == (0 if mixed else 1), result.output
        report = json.loads(result.stdout)["migrations"][-1]
        rules = {f["rule"] for s in report["statements"] for f in s["findings"]}
        # run without a transaction, its statements are not undone when one fails
        assert rules == ({"missing-lock-timeout", "missing-if-exists"} if mixed else
                         {"missing-lock-timeout", "concurrently-in-transaction"})


@pytest.mark.parametrize("text", [
    "- spring.flyway.mixed: true\n",  # a list, no mapping of properties
    "spring: 5\n",
    "spring:\n  flyway: [mixed]\n",
    "spring.flyway.mixed: &a [*a]\n",
    "spring:\n  flyway:\n    mixed: !!python/object:os.system true\n",
    "spring:\n  flyway:\n    mixed: 1\n",
], ids=["list", "scalar", "sequence", "alias-loop", "unknown-tag", "number"])
def test_a_malformed_spring_yaml_file_sets_nothing(tmp_path: Path, text: str) -> None:
    """An application.yml that holds no mapping, or no boolean where the setting is, sets
    nothing: Flyway's default (not mixed) holds, no traceback. (One that does not parse is an
    input error: tests/integration/test_flyway_applications.py.)"""
    write(tmp_path, {**_SPRING_MIXED, _YML: text})
    report = lint_migrations(discover(tmp_path / _RESOURCES / "db" / "migration"),
                             LintOptions())[-1]
    assert "concurrently-in-transaction" in {f.rule for f in report.all_findings}


@pytest.mark.parametrize("text", ["spring.flyway.mixed\n", "=true\n", "\\\n", ":::\n",
                                  "\x00\xff\n"])
def test_a_malformed_spring_properties_file_sets_nothing(tmp_path: Path, text: str) -> None:
    """A line of application.properties that sets no boolean sets nothing (Spring Boot would
    not start): Flyway's default holds, no traceback."""
    write(tmp_path, {**_SPRING_MIXED, _PROPERTIES: text})
    report = lint_migrations(discover(tmp_path / _RESOURCES / "db" / "migration"),
                             LintOptions())[-1]
    assert "concurrently-in-transaction" in {f.rule for f in report.all_findings}


@pytest.mark.parametrize(("assume", "flagged"), [(None, True), (False, False)])
def test_golang_migrate_multi_statement_mode_is_assume_no_transaction(
        tmp_path: Path, assume: bool | None, flagged: bool) -> None:
    """golang-migrate sends a file as one string: two statements share PostgreSQL's implicit
    transaction, where CREATE INDEX CONCURRENTLY fails. With `x-multi-statement=true` it
    sends each statement alone, as `--assume-no-transaction` judges them (docs/ci.md)."""
    write(tmp_path, {"1_t.up.sql": "CREATE TABLE t (a int);",
                     "2_i.up.sql": "SET lock_timeout = '5s';\n"
                                   "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"})
    report = lint_migrations(discover(tmp_path),
                             LintOptions(assume_in_transaction=assume))[-1]
    assert report.migration.layout == "golang-migrate"
    assert ("concurrently-in-transaction" in {f.rule for f in report.all_findings}) is flagged


def test_dbmate_sections_keep_their_lines() -> None:
    text = "-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n"
    up, down, no_tx = split_dbmate(text)
    assert not no_tx
    assert len(up) == len(text) and "DROP" not in up
    assert up.splitlines()[1] == "CREATE TABLE t (id int);"
    assert down is not None and "CREATE" not in down
    assert down.splitlines()[4] == "DROP TABLE t;"
    migration = discover(LAYOUTS / "dbmate")[-1]
    report = lint_migrations(discover(LAYOUTS / "dbmate"), LintOptions())[-1]
    finding = next(f for f in report.all_findings if f.rule == "index-without-concurrently")
    line = migration.path.read_text().splitlines()[finding.span.line - 1]
    assert line.startswith("CREATE INDEX accounts_email_idx")


def test_sqitch_follows_the_plan_and_reworked_changes() -> None:
    migrations = discover(LAYOUTS / "sqitch")
    assert [m.path.relative_to(LAYOUTS / "sqitch").as_posix() for m in migrations] == [
        "deploy/create_accounts.sql", "deploy/add_nickname@v1.0.sql",
        "deploy/index_email.sql", "deploy/add_nickname.sql"]
    assert [m.down_path.name for m in migrations] == [
        "create_accounts.sql", "add_nickname@v1.0.sql", "index_email.sql", "add_nickname.sql"]
    # sqitch scripts bring their own BEGIN/COMMIT: no nested-transaction finding.
    reports = lint_migrations(migrations, LintOptions())
    assert not any(f.rule == "nested-transaction" for r in reports for f in r.all_findings)


def test_sqitch_plan_errors_name_the_line(tmp_path: Path) -> None:
    from lockwise.parse.source import InputError

    (tmp_path / "deploy").mkdir()
    (tmp_path / "sqitch.plan").write_text(
        "%project=x\n\nmissing 2024-01-01T00:00:00Z A <a@example.com> # no script\n")
    with pytest.raises(InputError) as err:
        discover(tmp_path)
    assert err.value.line == 3 and "missing.sql" in err.value.message


@pytest.mark.parametrize(("layout", "name"), [
    ("sqitch", "deploy/add_nickname.sql"),
    ("dbmate", "20240110000000_index_email.sql"),
    ("diesel", "2024-01-10-000001_index_email/up.sql"),
    ("drizzle", "0003_index_email.sql"),
    ("tern", "004_index_email.sql"),
    ("postgrator", "010.undo.index_email.sql"),
    ("graphile-migrate", "committed/000002-add_nickname.sql"),
    ("graphile-migrate", "current.sql"),
    ("supabase", "migrations/20240110000000_index_email.sql"),
])
def test_a_file_named_alone_is_linted_in_its_layout(layout: str, name: str) -> None:
    """As pre-commit passes them: the file's folder (for sqitch, the plan's) is replayed."""
    import json

    from typer.testing import CliRunner

    from lockwise.cli.app import app

    result = CliRunner().invoke(app, ["lint", str(LAYOUTS / layout / name), "-f", "json"])
    [migration] = json.loads(result.stdout)["migrations"]
    assert migration["layout"] == layout
    # A down file (postgrator's undo) stands for its migration.
    assert migration["path"].endswith(name) or (migration["down_path"] or "").endswith(name)


def test_goose_sections_keep_their_lines() -> None:
    """goose's down section is not linted as the migration, and `-- +goose NO TRANSACTION`
    above `-- +goose Up` is seen."""
    text = ("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n\n"
            "-- +goose Down\nDROP INDEX CONCURRENTLY t_a;\n")
    up, down, no_tx = split_goose(text)
    assert no_tx
    assert len(up) == len(text) and "DROP" not in up
    assert up.splitlines()[2] == "CREATE INDEX CONCURRENTLY t_a ON t (a);"
    assert down is not None and "CREATE" not in down
    assert down.splitlines()[5] == "DROP INDEX CONCURRENTLY t_a;"
    migrations = discover(LAYOUTS / "goose")
    assert "DROP TABLE" not in migrations[0].up_sql
    assert migrations[0].down_sql is not None and "DROP TABLE accounts" in migrations[0].down_sql
    # The down sections are checked against the ups, not reported as conflicts of their own.
    from lockwise.graph.api import history_conflicts

    assert history_conflicts([migrations], pg_version=16) == []


@pytest.mark.parametrize(("layout", "marker", "plain"), [
    ("goose", "-- +goose NO TRANSACTION\n", ""),
    ("sql-migrate", "-- +migrate Up notransaction", "-- +migrate Up"),
    ("atlas", "-- atlas:txmode none\n", ""),
])
def test_concurrently_in_a_transactional_sectioned_migration_is_flagged(
        tmp_path: Path, layout: str, marker: str, plain: str) -> None:
    """goose, sql-migrate and Atlas run a file in a transaction unless it says otherwise."""
    for src in (LAYOUTS / layout).iterdir():
        (tmp_path / src.name).write_text(src.read_text().replace(marker, plain))
    reports = lint_migrations(discover(tmp_path), LintOptions())
    index = next(r for r in reports if r.migration.name == "index_nickname")
    assert "concurrently-in-transaction" in {f.rule for f in index.all_findings}


@pytest.mark.parametrize("layout", ["dbmate", "goose", "sql-migrate"])
def test_lockwise_no_transaction_marker_in_a_sectioned_file(tmp_path: Path, layout: str) -> None:
    """`-- lockwise: no-transaction` works in every layout, as concurrently-in-transaction's
    advice says."""
    up, down = {"dbmate": ("-- migrate:up", "-- migrate:down"),
                "goose": ("-- +goose Up", "-- +goose Down"),
                "sql-migrate": ("-- +migrate Up", "-- +migrate Down")}[layout]
    (tmp_path / "1_a.sql").write_text(f"{up}\nCREATE TABLE t (a int);\n{down}\nDROP TABLE t;\n")
    (tmp_path / "2_b.sql").write_text(f"{up}\n-- lockwise: no-transaction\n"
                                      f"CREATE INDEX CONCURRENTLY t_a ON t (a);\n"
                                      f"{down}\nDROP INDEX t_a;\n")
    migrations = discover(tmp_path)
    assert [m.layout for m in migrations] == [layout, layout]
    assert [m.no_transaction for m in migrations] == [False, True]


@pytest.mark.parametrize("layout", sorted(EXPECTED))
def test_lockwise_no_transaction_marker_in_every_layout(tmp_path: Path, layout: str) -> None:
    """The index_email migration of each fixture, marked `-- lockwise: no-transaction` as its
    first line, is read as run without a transaction."""
    import shutil

    shutil.copytree(LAYOUTS / layout, tmp_path / layout)
    target = tmp_path / FOLDER.get(layout, layout)
    def index_email(m: Migration) -> bool:  # graphile-migrate's is the current migration
        return m.name == "index_email" or m.id in ("bob:index-email", "current")

    migration = next(m for m in discover(target) if index_email(m))
    assert not migration.no_transaction
    text = migration.path.read_text()
    if layout == "liquibase":  # in the changeset: the changelog's header stays first
        header = "-- changeset bob:index-email\n"
        migration.path.write_text(text.replace(header, header + "-- lockwise: no-transaction\n"))
    else:
        migration.path.write_text("-- lockwise: no-transaction\n" + text)
    marked = next(m for m in discover(target) if index_email(m))
    assert marked.no_transaction


_CARGO_SQLX = '[package]\nname = "app"\n\n[dependencies]\nsqlx = { version = "0.8" }\n'


def _lint_rules(directory: Path, layout: str | None = None) -> list[tuple[str, str, set[str]]]:
    reports = lint_migrations(discover(directory, layout), LintOptions())
    return [(r.migration.layout, r.migration.name, {f.rule for f in r.all_findings})
            for r in reports]


def _simple_sqlx(migrations: Path, index_sql: str) -> None:
    migrations.mkdir(parents=True, exist_ok=True)
    (migrations / "20240101000000_create_t.sql").write_text("CREATE TABLE t (a int);\n")
    (migrations / "20240201000000_idx.sql").write_text(index_sql)


def test_sqlx_simple_files_beside_a_cargo_toml_run_in_a_transaction(tmp_path: Path) -> None:
    """sqlx's simple `<version>_<name>.sql` files, found as sqlx by the Cargo.toml that depends
    on it: CREATE INDEX CONCURRENTLY fails in the transaction sqlx opens."""
    _simple_sqlx(tmp_path / "migrations", "CREATE INDEX CONCURRENTLY t_a ON t (a);\n")
    (tmp_path / "Cargo.toml").write_text(_CARGO_SQLX)
    got = _lint_rules(tmp_path / "migrations")
    assert [layout for layout, _, _ in got] == ["sqlx", "sqlx"]
    assert "concurrently-in-transaction" in got[1][2]


def test_sqlx_is_not_guessed_without_a_sign_of_sqlx(tmp_path: Path) -> None:
    """The same files with no Cargo.toml (or one without sqlx) stay plain: only --layout
    sqlx reads them as sqlx."""
    _simple_sqlx(tmp_path / "migrations", "CREATE INDEX CONCURRENTLY t_a ON t (a);\n")
    (tmp_path / "Cargo.toml").write_text('[dependencies]\ndiesel = "2"\nsqlx-core-ish = "1"\n')
    assert {layout for layout, _, _ in _lint_rules(tmp_path / "migrations")} == {"plain"}
    forced = _lint_rules(tmp_path / "migrations", "sqlx")
    assert "concurrently-in-transaction" in forced[1][2]


@pytest.mark.parametrize(("text", "no_tx"), [
    ("-- no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", True),
    # sqlx looks at the very first bytes only.
    ("\n-- no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", False),
    ("-- index\n-- no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", False),
    ("\ufeff-- no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", False),
    ("-- lockwise: no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", True),
])
def test_sqlx_no_transaction_marker_is_its_first_line(tmp_path: Path, text: str,
                                                      no_tx: bool) -> None:
    _simple_sqlx(tmp_path, text)
    migrations = discover(tmp_path, "sqlx")
    assert [m.no_transaction for m in migrations] == [False, no_tx]
    rules = _lint_rules(tmp_path, "sqlx")[1][2]
    assert ("concurrently-in-transaction" in rules) is not no_tx


def test_sqlx_no_transaction_migration_is_one_query_string(tmp_path: Path) -> None:
    """sqlx runs a `-- no-transaction` file with one plain execute: two CONCURRENTLY
    statements share PostgreSQL's implicit transaction block and fail."""
    _simple_sqlx(tmp_path, "-- no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"
                           "CREATE INDEX CONCURRENTLY t_b ON t (a);\n")
    assert "concurrently-in-transaction" in _lint_rules(tmp_path, "sqlx")[1][2]


def test_sqlx_reversible_files_are_not_golang_migrate(tmp_path: Path) -> None:
    """`.up.sql` / `.down.sql` beside a Cargo.toml that uses sqlx are sqlx's reversible
    migrations (run in a transaction), not golang-migrate's (a lone statement runs outside)."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "1_t.up.sql").write_text("CREATE TABLE t (a int);\n")
    (migrations / "1_t.down.sql").write_text("DROP TABLE t;\n")
    (migrations / "2_idx.up.sql").write_text("CREATE INDEX CONCURRENTLY t_a ON t (a);\n")
    assert {layout for layout, _, _ in _lint_rules(migrations)} == {"golang-migrate"}
    assert "concurrently-in-transaction" not in _lint_rules(migrations)[1][2]
    (tmp_path / "Cargo.toml").write_text(
        '[workspace.dependencies.sqlx]\nversion = "0.8"\n')
    got = _lint_rules(migrations)
    assert {layout for layout, _, _ in got} == {"sqlx"}
    assert "concurrently-in-transaction" in got[1][2]
    first = discover(migrations)[0]
    assert first.down_path == migrations / "1_t.down.sql" and first.name == "t"


def test_sqlx_orders_by_integer_version_and_refuses_what_sqlx_refuses(tmp_path: Path) -> None:
    from lockwise.parse.source import InputError

    for name in ("10_c.sql", "9_b.sql", "0001_a.sql", "notes.sql", "readme_x.txt"):
        (tmp_path / name).write_text("SELECT 1;\n")
    assert [m.id for m in discover(tmp_path, "sqlx")] == ["0001_a", "9_b", "10_c"]
    (tmp_path / "v2_d.sql").write_text("SELECT 1;\n")
    with pytest.raises(InputError) as err:
        discover(tmp_path, "sqlx")
    assert "v2" in err.value.message


@pytest.mark.parametrize("layout", sorted({*EXPECTED, "diesel", "prisma"}))
def test_a_forced_layout_that_finds_nothing_is_a_usage_error(tmp_path: Path,
                                                             layout: str) -> None:
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    (tmp_path / "notes.txt").write_text("no migrations here\n")
    result = CliRunner().invoke(app, ["lint", "--no-cache", str(tmp_path), "--layout", layout])
    assert result.exit_code == 2, result.output
    # sqitch names the plan it needs.
    assert f"no {layout} migrations" in result.output or "sqitch.plan" in result.output
    # Without --layout, an empty folder is simply nothing to lint.
    assert CliRunner().invoke(app, ["lint", "--no-cache", str(tmp_path)]).exit_code == 0


_TERN_SEP = "---- create above / drop below ----"


def test_tern_down_sql_is_the_down_migration_not_the_up() -> None:
    """tern's file holds the down after its separator: not linted as the migration, kept at
    its lines as the down, and checked against the up by the graph."""
    migrations = discover(LAYOUTS / "tern")
    first = migrations[0]
    assert "DROP TABLE" not in first.up_sql and "CREATE TABLE" in first.up_sql
    assert first.down_sql is not None and first.down_path == first.path
    text = first.path.read_text()
    assert len(first.up_sql) == len(text)
    assert first.down_sql.splitlines()[7] == "DROP TABLE accounts;"
    from lockwise.graph.api import history_conflicts

    assert history_conflicts([migrations], pg_version=16) == []


def test_tern_reads_its_own_names_in_number_order_and_a_file_without_down(
        tmp_path: Path) -> None:
    write(tmp_path, {
        "10_ten.sql": f"CREATE TABLE ten (id bigint);\n{_TERN_SEP}\nDROP TABLE ten;\n",
        "2_two.sql": "DROP TABLE gone;\n",  # no separator: irreversible, all of it is up
        "schema.sql": "CREATE TABLE dump (id bigint);\n",  # not tern's name: not a migration
        "shared/v1.sql": "CREATE VIEW v AS SELECT 1;\n",  # a template for {{ template }}
    })
    migrations = discover(tmp_path)
    assert [(m.layout, m.version, m.name) for m in migrations] == [
        ("tern", "2", "two"), ("tern", "10", "ten")]
    assert migrations[0].down_sql is None and "DROP TABLE gone" in migrations[0].up_sql


@pytest.mark.parametrize(("marker", "no_tx"), [
    ("---- tern: disable-tx ----\n", True),
    ("  ---- tern: disable-tx ----\n", False),  # tern wants the line exactly
    ("-- lockwise: no-transaction\n", True),
])
def test_tern_disable_tx_is_the_exact_line(tmp_path: Path, marker: str, no_tx: bool) -> None:
    write(tmp_path, {
        "001_t.sql": f"CREATE TABLE t (a int);\n{_TERN_SEP}\nDROP TABLE t;\n",
        "002_i.sql": f"{marker}CREATE INDEX CONCURRENTLY t_a ON t (a);\n{_TERN_SEP}\n"
                     "DROP INDEX t_a;\n"})
    assert [m.no_transaction for m in discover(tmp_path)] == [False, no_tx]
    rules = {rule for _, name, found in _lint_rules(tmp_path) if name == "i" for rule in found}
    assert ("concurrently-in-transaction" in rules) is not no_tx


@pytest.mark.parametrize(("files", "layout"), [
    # The separator mentioned inside a line (a comment about tern) is no sign of tern.
    ({"001_a.sql": f"-- tern would split at {_TERN_SEP}\nCREATE TABLE a (id bigint);\n"},
     "plain"),
    # tern.conf beside the migrations says tern, separator or not.
    ({"001_a.sql": "CREATE TABLE a (id bigint);\n", "tern.conf": "[database]\n"}, "tern"),
    # Another tool's sections win: its markers are where its files begin.
    ({"001_a.sql": f"-- migrate:up\nCREATE TABLE a (id bigint);\n-- migrate:down\n"
                   f"{_TERN_SEP}\nDROP TABLE a;\n"}, "dbmate"),
    # Not tern's file names: golang-migrate's.
    ({"1_a.up.sql": f"CREATE TABLE a (id bigint);\n{_TERN_SEP}\n"}, "golang-migrate"),
])
def test_tern_detection_takes_no_other_layouts_folder(tmp_path: Path, files: dict[str, str],
                                                      layout: str) -> None:
    write(tmp_path, files)
    assert detect_layout(tmp_path) == layout


def test_a_tern_file_on_stdin_is_split() -> None:
    from lockwise.discover import migration_from_text

    m = migration_from_text(f"CREATE TABLE t (a int);\n{_TERN_SEP}\nDROP TABLE t;\n",
                            "003_t.sql")
    assert m.layout == "tern" and "DROP" not in m.up_sql and "DROP TABLE t" in (m.down_sql or "")


def test_postgrator_undo_is_the_down_of_its_version(tmp_path: Path) -> None:
    write(tmp_path, {"1.do.a.sql": "CREATE TABLE a (id bigint);\n",
                     "001.undo.a.sql": "DROP TABLE a;\n",
                     "10.do.sql": "CREATE TABLE b (id bigint);\n",
                     "2.do.c.sql": "CREATE TABLE c (id bigint);\n",
                     "notes.sql": "SELECT 1;\n"})
    migrations = discover(tmp_path)
    assert [(m.layout, m.version, m.name) for m in migrations] == [
        ("postgrator", "1", "a"), ("postgrator", "2", "c"), ("postgrator", "10", "")]
    assert migrations[0].down_sql == "DROP TABLE a;\n"
    assert migrations[0].down_path == tmp_path / "001.undo.a.sql"


def test_postgrator_sends_a_file_as_one_string(tmp_path: Path) -> None:
    """Alone in its file CREATE INDEX CONCURRENTLY runs; beside another statement, in
    PostgreSQL's implicit transaction, it fails."""
    write(tmp_path, {"1.do.sql": "CREATE TABLE t (a int);\n",
                     "2.do.sql": "CREATE INDEX CONCURRENTLY t_a ON t (a);\n",
                     "3.do.sql": "CREATE INDEX CONCURRENTLY t_b ON t (a);\nSELECT 1;\n"})
    found = _lint_rules(tmp_path)
    assert [layout for layout, _, _ in found] == ["postgrator"] * 3
    assert "concurrently-in-transaction" not in found[1][2]
    assert "concurrently-in-transaction" in found[2][2]


_GM_HEAD = "--! Previous: -\n--! Hash: sha1:aa\n\n"


@pytest.mark.parametrize(("body", "no_tx"), [
    ("--! no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", True),
    # Not the first line of the body: graphile-migrate runs it in a transaction.
    ("-- index\n--! no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n", False),
])
def test_graphile_no_transaction_is_the_first_line_of_the_body(tmp_path: Path, body: str,
                                                               no_tx: bool) -> None:
    write(tmp_path, {"committed/000001.sql": _GM_HEAD + "CREATE TABLE t (a int);\n",
                     "current.sql": body})
    migrations = discover(tmp_path)
    assert [(m.layout, m.id) for m in migrations] == [("graphile-migrate", "000001"),
                                                    ("graphile-migrate", "current")]
    assert migrations[1].no_transaction is no_tx
    rules = _lint_rules(tmp_path)[1][2]
    assert ("concurrently-in-transaction" in rules) is not no_tx


def test_graphile_no_transaction_still_sends_one_string(tmp_path: Path) -> None:
    """graphile-migrate's README: a --! no-transaction migration must hold one statement, as
    pg runs several in one implicit transaction."""
    write(tmp_path, {"committed/000001.sql": _GM_HEAD + "CREATE TABLE t (a int);\n",
                     "current.sql": "--! no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);"
                                    "\nSELECT 1;\n"})
    assert "concurrently-in-transaction" in _lint_rules(tmp_path)[1][2]


def test_graphile_current_folder_is_one_migration_in_parts(tmp_path: Path) -> None:
    write(tmp_path.parent, {".gmrc": "{}\n"})
    write(tmp_path, {"current/1-a.sql": "CREATE TABLE a (id bigint);\n",
                     "current/2-b.sql": "CREATE TABLE b (id bigint);\n",
                     "current/README.md": "not SQL\n"})
    migrations = discover(tmp_path)
    assert [(m.layout, m.version, m.name) for m in migrations] == [
        ("graphile-migrate", "current", "1-a"), ("graphile-migrate", "current", "2-b")]
    from lockwise.graph.api import history_conflicts

    assert history_conflicts([migrations], pg_version=16) == []


@pytest.mark.parametrize(("files", "layout"), [
    # current.sql without a .gmrc above, or committed files without graphile's headers.
    ({"current.sql": "SELECT 1;\n"}, "plain"),
    ({"committed/000001.sql": "-- Previous: none\nSELECT 1;\n", "current.sql": "SELECT 1;\n"},
     "plain"),
    ({"committed/000001.sql": _GM_HEAD + "SELECT 1;\n"}, "graphile-migrate"),
])
def test_graphile_detection(tmp_path: Path, files: dict[str, str], layout: str) -> None:
    write(tmp_path / "migrations", files)
    assert detect_layout(tmp_path / "migrations") == layout


def test_graphile_project_root_holds_its_migrations_folder(tmp_path: Path) -> None:
    from lockwise.discover import discover_histories

    write(tmp_path, {".gmrc": "{}\n", "migrations/current.sql": "SELECT 1;\n",
                     "migrations/committed/000001-init.sql": _GM_HEAD + "SELECT 1;\n"})
    [(root, found)] = discover_histories(tmp_path)
    assert root == tmp_path / "migrations"
    assert [m.id for m in found] == ["000001_init", "current"]


_GMRC_TEMPLATE = """/*
 * pgSettings: key-value settings loaded before running migrations (a comment, not read)
 */
{
  // "connectionString": "postgres://app@host/db",
  "pgSettings": {
    %s
  },
  "placeholders": {},
}
"""


@pytest.mark.parametrize(("settings", "flagged"), [
    ('"lock_timeout": "5s", // the migrations wait 5 s at most', False),
    ("lock_timeout: '5s'", False),
    ('"statement_timeout": "60s"', True),
    ('// "lock_timeout": "5s",', True),
    ("", True),
])
def test_graphile_pg_settings_are_in_force_for_each_migration(
        tmp_path: Path, settings: str, flagged: bool) -> None:
    """graphile-migrate runs set_config(name, value, false) for each of `.gmrc`'s pgSettings
    on its connection before any migration (src/pgReal.ts): a lock_timeout there is one the
    migrations run with."""
    write(tmp_path, {".gmrc": _GMRC_TEMPLATE % settings,
                     "migrations/committed/000001.sql": _GM_HEAD + "CREATE TABLE t (a int);\n",
                     "migrations/committed/000002.sql": "--! Previous: sha1:aa\n--! Hash: "
                     "sha1:bb\n\nALTER TABLE t ADD COLUMN b text;\n"})
    rules = _lint_rules(tmp_path / "migrations")[1][2]
    assert ("missing-lock-timeout" in rules) is flagged


def test_graphile_pg_settings_search_path_places_new_tables(tmp_path: Path) -> None:
    """A search_path of `.gmrc`'s pgSettings (a list, as set_config reads it) is where the
    migrations' unqualified names go; nothing is read from a `.gmrc.js` (code)."""
    files = {"migrations/committed/000001.sql": _GM_HEAD + "CREATE SCHEMA app_public;\n"
                                                           "CREATE TABLE t (id int PRIMARY KEY);\n"}
    write(tmp_path / "a", {".gmrc": '{ pgSettings: { search_path: "app_public, public" } }',
                           **files})
    write(tmp_path / "b", {".gmrc.js": 'module.exports = { pgSettings: { search_path: "x" } };',
                           **files})
    for folder, schema in (("a", "app_public"), ("b", "public")):
        [report] = lint_migrations(discover(tmp_path / folder / "migrations"), LintOptions())
        [bigint] = [f for f in report.all_findings if f.rule == "prefer-bigint"]
        assert bigint.message.startswith(f"{schema}.t.id "), bigint.message


def test_supabase_is_told_by_its_folder(tmp_path: Path) -> None:
    files = {"20240101000000_t.sql": "CREATE TABLE t (a int);\n",
             "20240102000000_i.sql": "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"
                                     "CREATE TABLE u (a int);\n",
             "seed.sql.bak.sql": "SELECT 1;\n"}
    write(tmp_path / "supabase" / "migrations", files)
    write(tmp_path / "other" / "migrations", files)
    write(tmp_path, {"supabase/config.toml": "", "other/config.toml": ""})
    assert detect_layout(tmp_path / "other" / "migrations") == "plain"
    migrations = discover(tmp_path / "supabase" / "migrations")
    assert [(m.layout, m.version) for m in migrations] == [
        ("supabase", "20240101000000"), ("supabase", "20240102000000")]
    # The CLI sends a file's statements as one pipeline: several share a transaction.
    assert "concurrently-in-transaction" in _lint_rules(tmp_path / "supabase" / "migrations")[1][2]


def test_diesel_without_a_transaction_sends_up_sql_as_one_string(tmp_path: Path) -> None:
    """diesel runs a migration whose metadata.toml says `run_in_transaction = false` outside
    its `transaction` (diesel_migrations src/migration_harness.rs, run_migration), and sends
    up.sql whole to `batch_execute` (src/file_based_migrations.rs, run_sql_from_file), which
    PgConnection runs with PQexec (diesel src/pg/connection/mod.rs): one simple query. Alone
    in it CREATE INDEX CONCURRENTLY runs; beside another statement, in PostgreSQL's implicit
    transaction, it fails (the server's answer: test_rule_facts_pg)."""
    no_tx = "run_in_transaction = false\n"
    write(tmp_path, {"2024-01-01-000000_t/up.sql": "CREATE TABLE t (a int);\n",
                     "2024-01-02-000000_alone/up.sql": "CREATE INDEX CONCURRENTLY t_a ON t (a);\n",
                     "2024-01-02-000000_alone/metadata.toml": no_tx,
                     "2024-01-03-000000_two/up.sql":
                         "CREATE INDEX CONCURRENTLY t_b ON t (a);\nSELECT 1;\n",
                     "2024-01-03-000000_two/metadata.toml": no_tx})
    found = _lint_rules(tmp_path)
    assert [(layout, name) for layout, name, _ in found] == [
        ("diesel", "t"), ("diesel", "alone"), ("diesel", "two")]
    assert "concurrently-in-transaction" not in found[1][2]
    assert "concurrently-in-transaction" in found[2][2]


def _already_exists(directory: Path) -> list[tuple[str, str]]:
    """(migration id, the object) of each object-already-exists finding of the folder."""
    reports = lint_migrations(discover(directory), LintOptions())
    return [(r.migration.id, f.message.split(" exists already")[0]) for r in reports
            for f in r.all_findings if f.rule == "object-already-exists"]


_RECREATE = "CREATE TABLE a_only (id int);\nCREATE TABLE b_only (id int);\n"


def test_diesel_duplicate_version_replays_only_the_migration_diesel_runs(
        tmp_path: Path) -> None:
    """Of two folders of one version diesel runs the last by name (pending_migrations keeps
    the last of a version, embed_migrations! sorts the folders by path) and never the other:
    what the other creates is not there for the migrations after them. It is still linted
    itself, and the conflict still reported."""
    write(tmp_path, {"2024-01-01-000000_a/up.sql": "CREATE TABLE a_only (id int);\n",
                     "20240101000000_b/up.sql": "CREATE TABLE b_only (id int);\n",
                     "2024-01-02-000000_c/up.sql": _RECREATE})
    assert _already_exists(tmp_path) == [("2024-01-02-000000_c", "table public.b_only")]
    from lockwise.graph.api import history_conflicts

    assert [c.kind for c in history_conflicts([discover(tmp_path)], pg_version=16)] == [
        "duplicate-version"]


@pytest.mark.parametrize(("marker", "replayed"), [
    ("-- migrate:up", ["table public.a_only"]),
    # transaction:false: the other one's statements run and stay, its version's insert fails.
    ("-- migrate:up transaction:false", ["table public.a_only", "table public.b_only"]),
])
def test_dbmate_duplicate_version_replays_the_one_dbmate_keeps(
        tmp_path: Path, marker: str, replayed: list[str]) -> None:
    """dbmate runs the first file of a version by name and records it; the other one fails on
    schema_migrations' primary key, its transaction rolled back (pkg/dbmate/db.go, Migrate)."""
    write(tmp_path, {"1_a.sql": "-- migrate:up\nCREATE TABLE a_only (id int);\n"
                                "-- migrate:down\n",
                     "1_b.sql": f"{marker}\nCREATE TABLE b_only (id int);\n-- migrate:down\n",
                     "2_c.sql": f"-- migrate:up\n{_RECREATE}-- migrate:down\n"})
    assert [what for _, what in _already_exists(tmp_path)] == replayed


def test_hasura_migrations_are_read_as_diesel(tmp_path: Path) -> None:
    """Hasura keeps `migrations/<database>/<ms timestamp>_<name>/up.sql` + down.sql, and runs
    each migration in a transaction, as diesel does."""
    from lockwise.discover import discover_histories

    write(tmp_path, {
        "migrations/default/1654698227514_add_b/up.sql": "CREATE INDEX CONCURRENTLY a_x ON a (x);",
        "migrations/default/1654698227514_add_b/down.sql": "DROP INDEX a_x;",
        "migrations/default/1654696186008_init/up.sql": "CREATE TABLE a (x int);",
    })
    [(root, found)] = discover_histories(tmp_path / "migrations")
    assert root == tmp_path / "migrations" / "default"
    assert [(m.layout, m.version, m.name) for m in found] == [
        ("diesel", "1654696186008", "init"), ("diesel", "1654698227514", "add_b")]
    assert found[0].down_sql is None and found[1].down_sql == "DROP INDEX a_x;"
    assert "concurrently-in-transaction" in _lint_rules(root)[1][2]


HASURA_PROJECT = {"config.yaml": "version: 3\nendpoint: http://localhost:8080\n"
                                 "metadata_directory: metadata\n",
                  "metadata/version.yaml": "version: 3\n"}


def test_hasura_project_migrations_are_hasuras(tmp_path: Path) -> None:
    """Beside Hasura's config.yaml, `migrations/<database>/<version>_<name>/up.sql` is
    Hasura's: its CLI (cli/migrate/source/parse.go) parses the version as an unsigned 64-bit
    integer, so `01_a` and `1_b` are one version, ordered as numbers; a folder not named
    `<digits>_<name>` is no migration to it."""
    from lockwise.discover import discover_histories

    write(tmp_path, {**HASURA_PROJECT,
                     "migrations/default/1654698227514_add_b/up.sql": "SELECT 1;",
                     "migrations/default/1654698227514_add_b/down.sql": "SELECT 2;",
                     "migrations/default/999_init/up.sql": "CREATE TABLE a (x int);",
                     "migrations/default/notes/up.sql": "SELECT 3;"})
    [(root, found)] = discover_histories(tmp_path / "migrations")
    assert root == tmp_path / "migrations" / "default"
    assert [(m.layout, m.version, m.name) for m in found] == [
        ("hasura", "999", "init"), ("hasura", "1654698227514", "add_b")]
    assert found[1].down_sql == "SELECT 2;"


# hasura/graphql-engine: the CLI's hasuradb driver (cli/migrate/database/hasuradb/hasuradb.go,
# Run) sends each up.sql whole as one `run_sql` (PGRunSQL), which the server runs in a
# transaction (issue #2939: "Hasura runs the migration in a transaction when applying"); the
# version is recorded after it, by a request of its own. Its one opt-out is
# `-- hasura:no-transaction` alone on the first line (cli/migrate/detect_no_transaction_test.go:
# surrounding blanks and CRLF allowed, nothing else on the line, no line before it), which
# sets run_sql's `no_transaction` (server v2.45.3 on): the statements are split and each runs
# outside a transaction block. No other tool's marker counts.
@pytest.mark.parametrize(("first", "no_tx"), [
    ("-- hasura:no-transaction\n", True),
    ("   -- hasura:no-transaction   \r\n", True),
    ("\n-- hasura:no-transaction\n", False),
    ("-- header\n-- hasura:no-transaction\n", False),
    ("--hasura:no-transaction\n", False),
    ("-- hasura:no-transaction and more\n", False),
    ("-- hasura:no-transact\n", False),
    ("-- no-transaction\n", False),
    ("-- +goose NO TRANSACTION\n", False),
    ("-- migrate:up transaction:false\n", False),
    ("-- atlas:txmode none\n", False),
    ("-- lockwise: no-transaction\n", True),
])
def test_hasura_runs_each_up_sql_in_run_sqls_transaction(tmp_path: Path, first: str,
                                                         no_tx: bool) -> None:
    write(tmp_path, {**HASURA_PROJECT,
                     "migrations/default/1_init/up.sql": "CREATE TABLE t (a int);",
                     "migrations/default/2_idx/up.sql": first + (
                         "CREATE INDEX CONCURRENTLY t_a ON t (a);\n"
                         "CREATE INDEX CONCURRENTLY t_b ON t (a);\n")})
    root = tmp_path / "migrations" / "default"
    found = discover(root)
    assert [(m.layout, m.no_transaction) for m in found] == [
        ("hasura", False), ("hasura", no_tx)]
    # In run_sql's transaction CONCURRENTLY fails; with no_transaction the server splits the
    # statements, and two of them run each on its own (not diesel's one string).
    assert ("concurrently-in-transaction" in _lint_rules(root)[1][2]) is not no_tx


def test_hasura_duplicate_version_says_the_cli_refuses_the_folder(tmp_path: Path) -> None:
    """Two folders of one version: the Hasura CLI's Migrations.Append (cli/migrate/source/
    migration.go) rejects the second ("found duplicate migrations for version N") and `hasura
    migrate apply` stops before running any: not diesel's silent pick of one."""
    from lockwise.graph.api import history_conflicts

    write(tmp_path, {**HASURA_PROJECT,
                     "migrations/default/01_a/up.sql": "CREATE TABLE a (x int);",
                     "migrations/default/1_b/up.sql": "CREATE TABLE b (x int);"})
    found = discover(tmp_path / "migrations" / "default")
    (conflict,) = history_conflicts([found], pg_version=16)
    assert conflict.kind == "duplicate-version"
    assert "found duplicate migrations for version" in conflict.explanation
    assert "diesel" not in conflict.explanation


#: A Flyway project whose last migration rewrites a table: without session timeouts both
#: missing-lock-timeout and missing-statement-timeout report it.
_FLYWAY_REWRITE = {"sql/V1__t.sql": "CREATE TABLE t (a int);\n",
                   "sql/V2__c.sql": "ALTER TABLE t ALTER COLUMN a TYPE bigint;\n"}
_TIMEOUTS = {"missing-lock-timeout", "missing-statement-timeout"}


@pytest.mark.parametrize(("config", "missing"), [
    ({}, _TIMEOUTS),
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = '5s'\n"},
     {"missing-statement-timeout"}),
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = '5s'; SET statement_timeout = '1min'\n"},
     set()),
    ({"sql/flyway.conf": "flyway.initSql=SET statement_timeout TO 60000\n"},
     {"missing-lock-timeout"}),
    ({"flyway.toml": "[flyway]\ninitSql = \"\"\"\nSET lock_timeout = '5s';\n"
                     "SET statement_timeout = '1min';\n\"\"\"\n"}, set()),
    ({"flyway.toml": "[flyway]\ninitSql = \"SET lock_timeout = '5s'\"\n",
      "flyway.conf": "flyway.initSql=SET statement_timeout = '1min'\n"},
     {"missing-statement-timeout"}),  # the TOML's first
    ({"flyway.conf": "flyway.initSql=SET LOCAL lock_timeout = '5s'\n"}, _TIMEOUTS),
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = '0'\n"}, _TIMEOUTS),
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = \n"}, _TIMEOUTS),
    ({"flyway.conf": "flyway.initSql=SELEC lock_timeout = '5s'\n"}, _TIMEOUTS),
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = '5s\n"}, _TIMEOUTS),
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = '5s'; SELEC 1;"
                     " SET statement_timeout = '1min'\n"}, set()),
], ids=["default", "conf-lock", "conf-both", "conf-beside-statement", "toml-both",
        "toml-first", "set-local-gone", "zero-is-off", "empty", "not-sql", "unterminated",
        "bad-statement-skipped"])
def test_flyway_init_sql_sets_the_session_timeouts(
        tmp_path: Path, config: dict[str, str], missing: set[str]) -> None:
    """Flyway runs `initSql` (flyway.conf's `flyway.initSql`, flyway.toml's `[flyway]`
    `initSql`) on each connection it opens, before the migrations: a session SET of
    lock_timeout or statement_timeout there is in force for them, as a SET at the top of the
    migration would be. A SET LOCAL there (outside a transaction) sets nothing, nor does SQL
    that does not parse, which never stops the lint."""
    root = tmp_path / "project"
    write(root, {**_FLYWAY_REWRITE, **config})
    report = lint_migrations(discover(root / "sql"), LintOptions())[-1]
    assert report.migration.layout == "flyway"
    assert {f.rule for f in report.all_findings} & _TIMEOUTS == missing


@pytest.mark.parametrize(("config", "missing"), [
    ({_PROPERTIES: "spring.flyway.init-sqls=SET lock_timeout = '5s'\n"},
     {"missing-statement-timeout"}),
    ({_PROPERTIES: "spring.flyway.initSqls=SET lock_timeout = '5s';,"
                   " SET statement_timeout = '1min'\n"}, set()),
    ({_YML: "spring:\n  flyway:\n    init-sqls:\n      - SET lock_timeout = '5s';\n"
            "      - SET statement_timeout = '1min'\n"}, set()),
    ({_YML: "spring:\n  flyway:\n    init-sqls:\n      - SET lock_timeout = '5s'\n"
            "      - SET statement_timeout = '1min'\n"}, _TIMEOUTS),  # joined: no statement
    ({_YML: "spring.flyway.init-sqls: SET lock_timeout = '5s'\n"},
     {"missing-statement-timeout"}),
    ({_YML: "spring.flyway.init-sqls: [5]\n"}, _TIMEOUTS),
    ({_YML: "spring.flyway.init-sqls: {a: b}\n"}, _TIMEOUTS),
    ({_PROPERTIES: "spring.application.name=shop\n",
      "flyway.conf": "flyway.initSql=SET lock_timeout = '5s'\n"}, _TIMEOUTS),
    ({_PROPERTIES: "#---\nspring.config.activate.on-profile=prod\n"
                   "spring.flyway.init-sqls=SET lock_timeout = '5s'\n"}, _TIMEOUTS),
], ids=["properties", "properties-list", "yml-list", "yml-list-no-semicolon", "yml-scalar",
        "yml-not-a-string", "yml-mapping", "spring-ignores-flyway-conf",
        "profile-document-not-read"])
def test_spring_flyway_init_sqls_set_the_session_timeouts(
        tmp_path: Path, config: dict[str, str], missing: set[str]) -> None:
    """Spring Boot gives Flyway `spring.flyway.init-sqls` (a list: comma-separated in a
    properties file, a YAML sequence or scalar) joined with line breaks as its initSql: its
    session SETs are in force for the migrations (items joined without a `;` make one
    statement PostgreSQL refuses, which sets nothing); flyway.conf is not read there."""
    root = tmp_path / "project"
    write(root, {f"{_RESOURCES}/db/migration/{path.removeprefix('sql/')}": text
                 for path, text in _FLYWAY_REWRITE.items()} | config)
    report = lint_migrations(discover(root / _RESOURCES / "db" / "migration"),
                             LintOptions())[-1]
    assert {f.rule for f in report.all_findings} & _TIMEOUTS == missing


@pytest.mark.parametrize(("config", "missing"), [
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = '5s'; \\\n"
                     "    SET statement_timeout = '1min'\n"}, set()),
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = '5s'; \\\n"
                     "flyway.initSql=SET statement_timeout = '1min'\n"},
     {"missing-lock-timeout"}),  # a property: not continued, the later one counts
    ({"flyway.conf": "flyway.initSql=SET lock_timeout = '5s'; SET statement_timeout = \\\n"
                     "\\u0027\\u0031min'\n"},
     {"missing-statement-timeout"}),  # no escapes in flyway.conf: not SQL
    ({_PROPERTIES: "spring.flyway.init-sqls=SET lock_timeout = '5s'; \\\n"
                   "    SET statement_timeout = '1min'\n"}, set()),
    ({_PROPERTIES: "spring.flyway.init-sqls=SET lock_timeout = '5s'; SET statement_timeout = \\\n"
                   "\\u0027\\u0031min'\n"}, set()),
    ({_PROPERTIES: "spring.flyway.init-sqls=SET lock_timeout = '5s'\\\\\n"
                   "    SET statement_timeout = '1min'\n"}, _TIMEOUTS),  # even: not continued
], ids=["conf-continued", "conf-next-property", "conf-no-escapes", "properties-continued",
        "properties-unicode-escape", "properties-even-backslashes"])
def test_continued_properties_are_read_as_their_tool_reads_them(
        tmp_path: Path, config: dict[str, str], missing: set[str]) -> None:
    """A property continued on the next line (a line ending in an odd number of backslashes)
    is one value, as java.util.Properties.load reads it: Spring Boot reads its escapes
    (`\\uXXXX`) too (and refuses a file with a malformed one: an input error, see
    test_flyway_applications.py); Flyway doubles every backslash of flyway.conf but the one
    that continues a line before the next is not a property."""
    root = tmp_path / "project"
    location = root / (_RESOURCES + "/db/migration" if _PROPERTIES in config else "sql")
    write(location, {path.removeprefix("sql/"): text for path, text in _FLYWAY_REWRITE.items()})
    write(root, config)
    report = lint_migrations(discover(location), LintOptions())[-1]
    assert {f.rule for f in report.all_findings} & _TIMEOUTS == missing
