"""CI report formats over the example migrations: snapshots, and each format's own contract
(SARIF against the official schema, GitHub workflow-command escaping, JUnit XML, GitLab Code
Quality fields)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = "fixtures/migrations"


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths in the reports are relative to the working directory, as in CI; the checkout
    # variables of a CI running these tests would move the GitHub and GitLab roots.
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)


def lint(*args: str):
    result = CliRunner().invoke(app, ["lint", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _sarif_for_snapshot(doc: dict) -> dict:
    """The SARIF log with the catalog reduced to the rules that fired, so the snapshot follows
    the findings, not every rule added to the catalog."""
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result.pop("ruleIndex")]["id"] == result["ruleId"]
    fired = {r["ruleId"] for r in run["results"]}
    run["tool"]["driver"]["rules"] = [r for r in rules if r["id"] in fired]
    run["tool"]["driver"]["version"] = run["tool"]["driver"]["semanticVersion"] = "<version>"
    return doc


def test_sarif_snapshot(snapshot) -> None:
    result = lint(EXAMPLES, "--format", "sarif")
    assert result.exit_code == 1
    assert _sarif_for_snapshot(json.loads(result.stdout)) == snapshot


@pytest.mark.parametrize("fmt", ["github", "markdown", "junit", "gitlab"])
def test_format_snapshot(fmt: str, snapshot) -> None:
    result = lint(EXAMPLES, "--format", fmt)
    assert result.exit_code == 1
    assert result.stdout == snapshot


def _validator():
    import jsonschema

    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("target", [EXAMPLES, "fixtures/layouts/dbmate", "fixtures/layouts/sqitch"])
def test_sarif_validates_against_official_schema(target: str) -> None:
    doc = json.loads(lint(target, "--format", "sarif").stdout)
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    run = doc["runs"][0]
    assert run["results"], "the examples have findings"
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["helpUri"].endswith(f"/docs/rules/{rule['id']}.md")
        assert "{" not in rule["help"]["text"], "help shows <facts>, not raw templates"
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(region)


def test_sarif_schema_rejects_a_broken_log() -> None:
    """The validation above can fail: a result without a message is refused."""
    doc = json.loads(lint(EXAMPLES, "--format", "sarif").stdout)
    del doc["runs"][0]["results"][0]["message"]
    assert list(_validator().iter_errors(doc))


def test_sarif_region_matches_the_statement() -> None:
    doc = json.loads(lint(EXAMPLES, "--format", "sarif").stdout)
    result = next(r for r in doc["runs"][0]["results"]
                  if r["ruleId"] == "index-without-concurrently")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "fixtures/migrations/0003_index_orders_by_account.up.sql",
        "uriBaseId": "%SRCROOT%"}
    text = (REPO / EXAMPLES / "0003_index_orders_by_account.up.sql").read_text()
    line = text.splitlines()[location["region"]["startLine"] - 1]
    region = location["region"]
    # endColumn is exclusive in SARIF: the slice is the statement without its semicolon.
    assert line[region["startColumn"] - 1:region["endColumn"] - 1] == \
        "CREATE INDEX orders_account_id_idx ON orders (account_id)"


def test_github_levels_follow_fail_on() -> None:
    default = lint(EXAMPLES, "--format", "github").stdout.splitlines()
    assert any(line.startswith("::error file=fixtures/migrations/0003") for line in default)
    assert any(line.startswith("::warning ") and "missing-lock-timeout" in line
               for line in default)
    lenient = lint(EXAMPLES, "--format", "github", "--fail-on", "destructive").stdout
    assert "::error " not in lenient
    strict = lint(EXAMPLES, "--format", "github", "--fail-on", "safe-with-care").stdout
    assert "::warning " not in strict


def test_github_escapes_workflow_command_syntax(tmp_path: Path) -> None:
    from lockwise.report.github import _escape_data, _escape_property

    assert _escape_data("50% done\nnext") == "50%25 done%0Anext"
    assert _escape_property("a:b,c") == "a%3Ab%2Cc"
    # A finding's message spans lines (the fix): it must stay one workflow command.
    for line in lint(EXAMPLES, "--format", "github").stdout.splitlines():
        assert line.startswith(("::error ", "::warning ", "::notice ", "lockwise: "))


def test_junit_is_well_formed_and_counts_failures() -> None:
    root = ET.fromstring(lint(EXAMPLES, "--format", "junit").stdout)
    suites = root.findall("testsuite")
    assert len(suites) == 8
    failures = root.findall(".//failure")
    assert int(root.get("failures")) == len(failures) == sum(
        int(s.get("failures")) for s in suites)
    assert int(root.get("tests")) == len(root.findall(".//testcase"))
    assert {f.get("type") for f in failures} >= {"index-without-concurrently", "set-not-null"}
    # Below the threshold, findings are reported but do not fail the case.
    assert "missing-lock-timeout" in "".join(e.text or "" for e in root.iter("system-out"))
    relaxed = ET.fromstring(lint(EXAMPLES, "--format", "junit", "--fail-on", "destructive")
                            .stdout)
    assert relaxed.get("failures") == "0"


def test_junit_reports_parse_errors_as_errors(tmp_path: Path) -> None:
    (tmp_path / "001_broken.sql").write_text("ALTER TABLEX accounts ADD COLUMN x int;\n")
    result = lint(str(tmp_path), "--format", "junit")
    assert result.exit_code == 2
    root = ET.fromstring(result.stdout)
    assert root.get("errors") == "1"
    assert root.find(".//error").get("type") == "parse-error"


def test_gitlab_code_quality_fields_and_stable_fingerprints(tmp_path: Path) -> None:
    issues = json.loads(lint(EXAMPLES, "--format", "gitlab").stdout)
    assert issues
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)

    # Moving a statement down (a comment added above it) keeps its fingerprint.
    src = tmp_path / "m"
    src.mkdir()
    body = "CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\n"
    (src / "001_t.sql").write_text(body)
    before = json.loads(lint(str(src), "--format", "gitlab").stdout)
    (src / "001_t.sql").write_text("-- a comment\n\n" + body)
    after = json.loads(lint(str(src), "--format", "gitlab").stdout)
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]
    assert [i["location"]["lines"]["begin"] for i in before] != \
        [i["location"]["lines"]["begin"] for i in after]


def test_markdown_table_has_one_row_per_migration() -> None:
    text = lint(EXAMPLES, "--format", "markdown").stdout
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == 8
    assert text.count("<details>") == text.count("</details>") == 8
    assert "`SHARE` on `public.orders`" in rows[2]


def test_markdown_fits_one_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.report import markdown

    monkeypatch.setattr(markdown, "MAX_COMMENT_CHARS", 3000)
    text = lint(EXAMPLES, "--format", "markdown").stdout
    assert len(text) <= 3000
    assert "left out to fit in one comment" in text
    assert text.count("| `") >= 8  # the table itself is always complete


def test_sarif_uris_are_escaped_for_stdin_names() -> None:
    result = CliRunner().invoke(
        app, ["lint", "--stdin", "--stdin-filename", "db/new migration <1>.sql", "-f", "sarif"],
        input="CREATE INDEX i ON t (a);\n")
    doc = json.loads(result.stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in doc["runs"][0]["results"]}
    assert uris == {"db/new%20migration%20%3C1%3E.sql"}
    assert not list(_validator().iter_errors(doc))


def _outside_project(root: Path) -> Path:
    """root/c/m1 holds the migrations, root/c/sub (a sibling) is the working directory; the
    file name needs escaping in a URI."""
    (root / "c" / "sub").mkdir(parents=True)
    migrations = root / "c" / "m1 é"
    migrations.mkdir()
    (migrations / "001_a.sql").write_text("CREATE TABLE t (a int);\n")
    # One finding (index-without-concurrently): the lock_timeout keeps missing-lock-timeout out.
    (migrations / "002_b#1.sql").write_text("SET lock_timeout = '5s';\nCREATE INDEX i ON t (a);\n")
    return migrations


def test_sarif_names_a_file_outside_the_working_directory_by_absolute_uri(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`../m1/x.sql` against %SRCROOT% would name a file outside the root; an absolute
    file:// URI (no base) names it exactly, percent-encoded."""
    migrations = _outside_project(tmp_path)
    monkeypatch.chdir(tmp_path / "c" / "sub")
    doc = json.loads(lint("../m1 é", "--no-cache", "-f", "sarif").stdout)
    (result,) = doc["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    expected = (migrations.resolve() / "002_b#1.sql").as_uri()
    assert location == {"uri": expected}
    assert expected.startswith("file:///") and expected.endswith("/m1%20%C3%A9/002_b%231.sql")
    assert not list(_validator().iter_errors(doc))


@pytest.mark.parametrize(("fmt", "variable"), [("github", "GITHUB_WORKSPACE"),
                                               ("gitlab", "CI_PROJECT_DIR")])
def test_github_and_gitlab_paths_are_relative_to_the_checkout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, variable: str) -> None:
    """GitHub and GitLab read a relative path against the repository root: outside CI a file
    outside the working directory is named absolutely (the GitHub runner turns an absolute
    path below its workspace into the repository's path); in CI the path is relative to the
    checkout, wherever lockwise runs."""
    migrations = _outside_project(tmp_path)
    monkeypatch.chdir(tmp_path / "c" / "sub")

    def path() -> str:
        out = lint("../m1 é", "--no-cache", "-f", fmt).stdout
        if fmt == "gitlab":
            (issue,) = json.loads(out)
            return issue["location"]["path"]
        (annotation,) = [line for line in out.splitlines() if line.startswith("::")]
        return annotation.split("file=", 1)[1].split(",", 1)[0]

    assert path() == (migrations.resolve() / "002_b#1.sql").as_posix()
    monkeypatch.setenv(variable, str(tmp_path / "c"))
    assert path() == "m1 é/002_b#1.sql"
    monkeypatch.setenv(variable, str(tmp_path / "elsewhere"))
    assert path() == (migrations.resolve() / "002_b#1.sql").as_posix()


def test_conflicts_reach_every_ci_format() -> None:
    """A conflict between migrations fails the run, so each CI format must say why: it is
    reported like a finding of the migration it points at last (rule id: its kind)."""
    target = "fixtures/conflicts/missing-object"
    failing = "fixtures/conflicts/missing-object/003_backfill_sessions.sql"
    github = lint(target, "--format", "github")
    assert github.exit_code == 1
    (annotation,) = [line for line in github.stdout.splitlines()
                     if "title=lockwise missing-object " in line]
    assert annotation.startswith(f"::error file={failing},line=2,")
    assert "dropped in 002_drop_legacy_sessions" in annotation

    doc = json.loads(lint(target, "--format", "sarif").stdout)
    assert not list(_validator().iter_errors(doc))
    run = doc["runs"][0]
    (result,) = [r for r in run["results"] if r["ruleId"] == "missing-object"]
    descriptor = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert descriptor["id"] == "missing-object" and descriptor["helpUri"].endswith(
        "/docs/graph.md#conflicts")
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2

    issues = json.loads(lint(target, "--format", "gitlab").stdout)
    (issue,) = [i for i in issues if i["check_name"] == "missing-object"]
    assert issue["severity"] == "major" and issue["location"]["path"] == failing

    suites = ET.fromstring(lint(target, "--format", "junit").stdout)
    (suite,) = [s for s in suites if s.get("name") == failing]
    assert suite.get("failures") == "1"

    assert "`missing-object`" in lint(target, "--format", "markdown").stdout


def test_a_down_mismatch_points_at_the_down_file() -> None:
    github = lint("fixtures/conflicts/down-mismatch", "--format", "github")
    (annotation,) = [line for line in github.stdout.splitlines()
                     if "title=lockwise down-mismatch " in line]
    assert "file=fixtures/conflicts/down-mismatch/2_accounts_email_index.down.sql" in annotation
    assert annotation.startswith("::warning ")  # safe-with-care, below --fail-on


def test_paths_are_resolved_once_per_file_and_follow_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each finding names its file relative to the working directory. Resolving a path costs a
    system call per part, so a file's path is resolved once, not once per finding (half of a
    cached `--format sarif` run on lemmy+documenso), and a new working directory is seen."""
    from lockwise.report import ci_common

    calls: list[Path] = []
    real = Path.resolve

    def counted(self: Path, strict: bool = False) -> Path:
        calls.append(self)
        return real(self, strict=strict)

    monkeypatch.setattr(Path, "resolve", counted)
    ci_common._display_path.cache_clear()
    target = REPO / EXAMPLES / "0002_create_orders.up.sql"
    assert [ci_common.display_path(target) for _ in range(50)] == \
        [f"{EXAMPLES}/0002_create_orders.up.sql"] * 50
    assert calls.count(target) == 1
    monkeypatch.chdir(REPO / EXAMPLES)
    assert ci_common.display_path(target) == "0002_create_orders.up.sql"
    monkeypatch.chdir(tmp_path)
    assert ci_common.display_path(target) == target.as_posix()


def _overridden_project(root: Path) -> Path:
    """db/002_b.sql builds an index (requires-downtime) under an override failing only at
    destructive."""
    (root / "db").mkdir()
    (root / "db" / "001_a.sql").write_text("CREATE TABLE t (a int);\n")
    # Its only finding is the index's: with a lock_timeout, missing-lock-timeout stays quiet.
    (root / "db" / "002_b.sql").write_text("SET lock_timeout = '5s';\nCREATE INDEX i ON t (a);\n")
    (root / "lockwise.toml").write_text(
        '[[overrides]]\npath = "db/002*"\nfail_on = "destructive"\n')
    return root / "db"


@pytest.mark.parametrize("fmt", ["github", "junit", "markdown", "sarif"])
def test_ci_formats_follow_a_per_path_fail_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              fmt: str) -> None:
    """The verdict (exit 0) and the report agree: the index is below its path's threshold."""
    monkeypatch.chdir(tmp_path)
    _overridden_project(tmp_path)
    result = lint("db", "--no-cache", "--format", fmt)
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "github":
        assert "::error" not in out and "::warning file=db/002_b.sql" in out
    elif fmt == "junit":
        assert ET.fromstring(out).get("failures") == "0"
    elif fmt == "markdown":
        assert "no migration at or above requires-downtime (or their path's own fail_on)" in out
    else:
        levels = {r["ruleId"]: r["level"] for r in json.loads(out)["runs"][0]["results"]}
        assert levels["index-without-concurrently"] == "warning"
    # Without the override the same finding fails the run and each format says so.
    (tmp_path / "lockwise.toml").write_text("")
    failing = lint("db", "--no-cache", "--format", fmt)
    assert failing.exit_code == 1
    assert "no migration at or above" not in failing.stdout
    assert "::warning file=db/002_b.sql" not in failing.stdout


@pytest.mark.parametrize("fmt", ["text", "junit", "markdown", "github"])
@pytest.mark.parametrize("sql", ["SELECT 1;\n", ""])
def test_fail_on_safe_without_findings_passes(tmp_path: Path, fmt: str, sql: str) -> None:
    """A statement judged safe is no finding: at `--fail-on safe` a file without findings
    passes, and the reports say no migration fails."""
    path = tmp_path / "001_a.sql"
    path.write_text(sql)
    result = lint(str(path), "--fail-on", "safe", "--no-cache", "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "junit":
        assert ET.fromstring(result.stdout).get("failures") == "0"
    if fmt == "markdown":
        assert "no migration at or above safe" in result.stdout
    assert "::error" not in result.stdout


def test_fail_on_safe_fails_on_a_safe_finding(tmp_path: Path) -> None:
    """`safe` means every finding, informational ones included."""
    path = tmp_path / "001_a.sql"
    path.write_text("CREATE TABLE t (a varchar(10));\n")
    result = lint(str(path), "--fail-on", "safe", "--no-cache")
    assert "prefer-text-over-varchar [safe]" in result.stdout
    assert result.exit_code == 1


def test_markdown_escapes_pipes_in_locks_and_html_in_the_summary() -> None:
    """A `|` in a relation name would split the table row; `<stdin>` in the <details>
    summary would be read as an HTML tag and vanish."""
    sql = 'CREATE TABLE "a|b" (a int);\nCREATE INDEX i ON "a|b" (a);\n'
    out = CliRunner().invoke(app, ["lint", "--stdin", "-f", "markdown", "--no-cache"],
                             input=sql).stdout
    row = next(line for line in out.splitlines() if line.startswith("| `<stdin>`"))
    assert '`public."a\\|b"`' in row  # (quoted as PostgreSQL needs it: fix-precision26)
    assert len(re.findall(r"(?<!\\)\|", row)) == 7  # six cells
    assert "<code>&lt;stdin&gt;</code>" in out


def test_control_characters_in_sql_keep_junit_well_formed(tmp_path: Path) -> None:
    """XML 1.0 forbids most control characters: they are written as visible escapes."""
    (tmp_path / "001_a.sql").write_text("CREATE TABLE t (a int);\n")
    (tmp_path / "002_b.sql").write_text('CREATE INDEX "a\x01b\x1b[31m" ON t (a);\n')
    out = lint(str(tmp_path), "-f", "junit", "--no-cache").stdout
    root = ET.fromstring(out)  # raises on an invalid character
    assert "a\\x01b\\x1b[31m" in "".join(root.itertext())
    assert root.get("failures") == "1"


def test_sarif_describes_rules_for_the_runs_dialect(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A MySQL run (here chosen in lockwise.toml) describes each rule with the MySQL why and
    fix that the text report gives, tagged for MySQL, not with the PostgreSQL texts."""
    from lockwise.rules.loader import load_rules

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lockwise.toml").write_text('dialect = "mysql"\n', encoding="utf-8")
    (tmp_path / "001_drop.sql").write_text("DROP TABLE orders;\n", encoding="utf-8")
    doc = json.loads(lint("001_drop.sql", "--no-cache", "-f", "sarif").stdout)
    assert not list(_validator().iter_errors(doc))
    (drop,) = [r for r in load_rules(()) if r.id == "drop-table"]
    assert drop.why_mysql and drop.why_mysql != drop.why
    run = doc["runs"][0]
    (result,) = run["results"]
    descriptor = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert descriptor["id"] == "drop-table"
    assert descriptor["fullDescription"]["text"] == " ".join(drop.why_mysql.split())
    assert drop.why_mysql in descriptor["help"]["markdown"]
    assert "ACCESS EXCLUSIVE" not in json.dumps(descriptor)
    assert "mysql" in descriptor["properties"]["tags"]
    assert "postgresql" not in descriptor["properties"]["tags"]


def test_sarif_conflict_points_at_the_other_migration_as_a_related_location(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A conflict between two migrations is a result of the later one; the earlier one's file
    was only named in the message. It is a relatedLocation, at its statement's line."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "db"
    db.mkdir()
    (db / "001_sessions.sql").write_text("CREATE TABLE legacy_sessions (id bigint);\n")
    (db / "002_drop.sql").write_text("-- not used any more\n\nDROP TABLE legacy_sessions;\n")
    (db / "003_backfill.sql").write_text("INSERT INTO legacy_sessions VALUES (1);\n")
    doc = json.loads(lint("db", "--no-cache", "-f", "sarif").stdout)
    assert not list(_validator().iter_errors(doc))
    (result,) = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "missing-object"]
    (location,) = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "db/003_backfill.sql"
    (related,) = result["relatedLocations"]
    place = related["physicalLocation"]
    assert place["artifactLocation"] == {"uri": "db/002_drop.sql", "uriBaseId": "%SRCROOT%"}
    assert place["region"]["startLine"] == 3
    assert "002_drop" in related["message"]["text"]
    # GitHub code scanning links a related location only where the message embeds it.
    assert f"(also: [db/002_drop.sql:3:1]({related['id']}))" in result["message"]["text"]


def test_sarif_duplicate_version_has_a_location_for_each_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three files of one version: one result, at the file the conflict points at last (SARIF
    2.1.0 3.27.12: several `locations` only when each must change, and renumbering one
    resolves it), each other file a relatedLocation, linked from the message as `[text](id)`
    (3.11.6), the one way GitHub code scanning shows a related location."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "db"
    db.mkdir()
    for name in ("1_a.sql", "1_b.sql", "1_c.sql"):
        (db / name).write_text("SELECT 1;\n")
    doc = json.loads(lint("db", "--no-cache", "-f", "sarif").stdout)
    assert not list(_validator().iter_errors(doc))
    (result,) = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "duplicate-version"]
    (location,) = result["locations"]
    files = {location["physicalLocation"]["artifactLocation"]["uri"]} | {
        r["physicalLocation"]["artifactLocation"]["uri"] for r in result["relatedLocations"]}
    assert files == {"db/1_a.sql", "db/1_b.sql", "db/1_c.sql"}
    ids = [r["id"] for r in result["relatedLocations"]]
    assert len(set(ids)) == 2
    text = result["message"]["text"]
    for related in result["relatedLocations"]:
        uri = related["physicalLocation"]["artifactLocation"]["uri"]
        assert f"[{uri}]({related['id']})" in text, text


def test_sarif_duplicate_version_help_says_what_each_tool_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The duplicate-version descriptor's help says, per layout, what the tool does with two
    files of one version (graph.model.DUPLICATE_VERSION_BY_LAYOUT, which the conflict's own
    explanation also quotes), and what to do: renumber the later one."""
    from lockwise.graph.model import DUPLICATE_VERSION_BY_LAYOUT, duplicate_version_effect

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "db"
    db.mkdir()
    (db / "1_a.up.sql").write_text("CREATE TABLE a (id int);\n")
    (db / "01_b.up.sql").write_text("CREATE TABLE b (id int);\n")
    doc = json.loads(lint("db", "--no-cache", "-f", "sarif").stdout)
    assert not list(_validator().iter_errors(doc))
    run = doc["runs"][0]
    (result,) = [r for r in run["results"] if r["ruleId"] == "duplicate-version"]
    help_ = run["tool"]["driver"]["rules"][result["ruleIndex"]]["help"]
    for tool in ("Flyway", "dbmate", "golang-migrate", "goose"):
        assert f"{tool}:" in help_["text"] and f"**{tool}**" in help_["markdown"]
    for layout in DUPLICATE_VERSION_BY_LAYOUT:
        assert duplicate_version_effect(layout) in help_["text"]
    assert "renumber the later one" in help_["text"]
