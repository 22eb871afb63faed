"""`--base REF`: migrations added on a branch against those added on REF since the branch
point. Each test builds a throw-away git repository from fixtures/conflicts/<kind>/{base,
main,branch}: `base` is the branch point, `main` what REF added since, `branch` the work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover
from lockwise.graph.build import build_graph, unique_keys
from lockwise.graph.git import compare_with_base
from tree_helpers import write

REPO = Path(__file__).resolve().parents[2]
CONFLICTS = REPO / "fixtures" / "conflicts"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _diverge(repo: Path, on_main: dict[str, str], on_feature: dict[str, str],
             removed_on_main: list[str] | None = None) -> None:
    """Commit what `repo` holds as the branch point of `feature`; then `on_main` (and the
    removal of `removed_on_main`) committed on main; then `feature` checked out with
    `on_feature` written, not committed."""
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "branch point")
    _git(repo, "branch", "feature")
    write(repo, on_main)
    for path in removed_on_main or []:
        _git(repo, "rm", "-q", path)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main moves on")
    _git(repo, "checkout", "-q", "feature")
    write(repo, on_feature)


def _copy(src: Path, dst: Path) -> None:
    for f in src.iterdir():
        shutil.copy(f, dst / f.name)


def empty_repo(tmp_path: Path) -> Path:
    """A git repository on branch main with an empty db/migrations folder."""
    repo = tmp_path / "repo"
    (repo / "db" / "migrations").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "test@example.com")
    _git(repo, "config", "user.name", "test")
    return repo


def sqitch_repo(tmp_path: Path) -> Path:
    """A repository whose db/migrations is the sqitch fixture, on a branch `feature` made
    from main."""
    repo = empty_repo(tmp_path)
    db = repo / "db" / "migrations"
    shutil.rmtree(db)
    shutil.copytree(REPO / "fixtures" / "layouts" / "sqitch", db)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "sqitch")
    _git(repo, "checkout", "-q", "-b", "feature")
    return repo


def make_repo(tmp_path: Path, kind: str, commit_branch: bool = False) -> Path:
    repo = empty_repo(tmp_path)
    db = repo / "db" / "migrations"
    _copy(CONFLICTS / kind / "base", db)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "branch point")
    _git(repo, "branch", "feature")
    _copy(CONFLICTS / kind / "main", db)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main moves on")
    _git(repo, "checkout", "-q", "feature")
    _copy(CONFLICTS / kind / "branch", db)
    if commit_branch:
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", "feature work")
    return repo


def _graph(repo: Path):
    db = repo / "db" / "migrations"
    comparison = compare_with_base(db, discover(db), "main", None)
    return comparison, build_graph(comparison.history, branch=comparison.branch)


@pytest.mark.parametrize("kind", ["non-commuting", "out-of-order"])
@pytest.mark.parametrize("commit_branch", [False, True])
def test_branch_fixture_produces_exactly_its_conflict(tmp_path: Path, kind: str,
                                                      commit_branch: bool) -> None:
    repo = make_repo(tmp_path, kind, commit_branch)
    comparison, graph = _graph(repo)
    assert [c.kind for c in graph.conflicts] == [kind]
    # The history is the merged one: REF's new migration is in it, read from git.
    assert len(comparison.history) == 3
    assert len(comparison.branch.branch_new) == 1
    assert len(comparison.branch.base_new) == 1
    paths = [loc.path for loc in graph.conflicts[0].locations]
    assert any(p.startswith("main:db/migrations/") for p in paths)


def test_non_commuting_names_the_column_and_both_migrations(tmp_path: Path) -> None:
    _, graph = _graph(make_repo(tmp_path, "non-commuting"))
    (conflict,) = graph.conflicts
    assert conflict.object == "column:public.accounts.balance"
    assert set(conflict.migrations) == {"002_balance_bigint", "003_balance_numeric"}
    assert "both change the type" in conflict.explanation


def test_without_base_the_same_history_has_no_conflict(tmp_path: Path) -> None:
    # Once merged in version order the two type changes are ordered: only the branch view
    # shows that nobody decided that order.
    repo = make_repo(tmp_path, "non-commuting")
    db = repo / "db" / "migrations"
    _copy(CONFLICTS / "non-commuting" / "main", db)
    assert build_graph(discover(db)).conflicts == []


def test_lint_base_reports_only_changed_migrations_and_the_conflict(tmp_path: Path,
                                                                    monkeypatch) -> None:
    repo = make_repo(tmp_path, "non-commuting")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "main",
                                      "--format", "json"])
    doc = json.loads(result.stdout)
    assert [m["id"] for m in doc["migrations"]] == ["003_balance_numeric"]
    assert [c["kind"] for c in doc["conflicts"]] == ["non-commuting"]
    assert result.exit_code == 1


def test_lint_base_with_nothing_new_reports_nothing(tmp_path: Path, monkeypatch) -> None:
    repo = make_repo(tmp_path, "out-of-order")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "HEAD",
                                      "--format", "json"])
    doc = json.loads(result.stdout)
    assert [m["id"] for m in doc["migrations"]] == ["002_accounts_nickname"]
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "feature work")
    clean = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "HEAD",
                                     "--format", "json"])
    assert json.loads(clean.stdout)["migrations"] == []
    assert clean.exit_code == 0


def test_graph_command_with_base(tmp_path: Path, monkeypatch) -> None:
    repo = make_repo(tmp_path, "out-of-order")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["graph", "db/migrations", "--base", "main"])
    assert "conflict out-of-order [safe-with-care] version 002" in result.stdout
    assert result.exit_code == 0


def test_unknown_ref_is_an_input_error(tmp_path: Path, monkeypatch) -> None:
    repo = make_repo(tmp_path, "out-of-order")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "no-such-branch"])
    assert result.exit_code == 2
    assert "lockwise: error:" in result.stderr
    assert "no-such-branch" in result.stderr


def test_outside_a_git_repository_is_an_input_error(tmp_path: Path) -> None:
    db = tmp_path / "db"
    db.mkdir()
    (db / "001_x.sql").write_text("CREATE TABLE x (id int);\n")
    result = CliRunner().invoke(app, ["graph", str(db), "--base", "main"])
    assert result.exit_code == 2
    assert "git" in result.stderr


def test_applied_versions_file(tmp_path: Path) -> None:
    db = tmp_path / "db"
    db.mkdir()
    for name in ("001_a.sql", "002_b.sql", "004_d.sql"):
        (db / name).write_text(f"CREATE TABLE t{name[:3]} (id int);\n")
    (db / "003_c.sql").write_text("CREATE TABLE t003 (id int);\n")
    applied = tmp_path / "applied.txt"
    applied.write_text("# exported from the history table\n001\n002\n004\n")
    result = CliRunner().invoke(app, ["graph", str(db), "--applied", str(applied),
                                      "--format", "json"])
    doc = json.loads(result.stdout)
    assert [(c["kind"], c["object"]) for c in doc["conflicts"]] == [
        ("out-of-order", "version:003")]
    assert doc["conflicts"][0]["migrations"][1]["path"] == str(applied)
    applied.write_text("001\n002\n003\n004\n")
    again = CliRunner().invoke(app, ["graph", str(db), "--applied", str(applied)])
    assert "conflict" not in again.stdout.replace("0 conflict(s)", "")
    both = CliRunner().invoke(app, ["graph", str(db), "--applied", str(applied),
                                    "--base", "main"])
    assert both.exit_code == 2
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    assert CliRunner().invoke(app, ["graph", str(db), "--applied", str(empty)]).exit_code == 2


def test_applied_versions_of_a_dbmate_folder_are_placed_in_dbmates_order(
        tmp_path: Path) -> None:
    """dbmate runs 100_c.sql, 10_b.sql, then 1_a.sql (names sorted as text, '0' before '_'):
    with 1 and 10 applied, the newest applied is 1_a.sql, and the new 100_c.sql runs before
    it, out of order. Placed as bare texts, "10" sorted after "1" and 100_c.sql after it."""
    db = tmp_path / "db"
    db.mkdir()
    for name in ("1_a.sql", "10_b.sql", "100_c.sql"):
        (db / name).write_text(f"-- migrate:up\nCREATE TABLE t{name[:-6]} (id int);\n"
                               f"-- migrate:down\n")
    applied = tmp_path / "applied.txt"
    applied.write_text("1\n10\n")
    result = CliRunner().invoke(app, ["graph", str(db), "--applied", str(applied),
                                      "--format", "json"])
    doc = json.loads(result.stdout)
    (conflict,) = [c for c in doc["conflicts"] if c["kind"] == "out-of-order"]
    assert conflict["object"] == "version:100"
    assert "new migration 100_c sorts before 1, already on" in conflict["explanation"], conflict


def test_an_out_of_order_conflict_points_at_the_newest_applied_versions_line(
        tmp_path: Path) -> None:
    """The conflict is about one entry of the applied file, the newest version: it is named by
    its line and column, as every other place a conflict points at, not by the file alone."""
    db = tmp_path / "db"
    db.mkdir()
    for name in ("001_a.sql", "002_b.sql", "003_c.sql", "004_d.sql"):
        (db / name).write_text(f"CREATE TABLE t{name[:3]} (id int);\n")
    applied = tmp_path / "applied.txt"
    applied.write_text("# exported from the history table\n001\n  004\n002\n")
    result = CliRunner().invoke(app, ["graph", str(db), "--applied", str(applied),
                                      "--format", "json"])
    doc = json.loads(result.stdout)
    [conflict] = doc["conflicts"]
    assert conflict["kind"] == "out-of-order"
    assert conflict["migrations"][1] | {"id": None} == {
        "id": None, "path": str(applied), "line": 3, "column": 3}
    text = CliRunner().invoke(app, ["graph", str(db), "--applied", str(applied)])
    assert f"{applied}:3:3" in text.stdout, text.output


def _golang_migrate_and_applied(tmp_path: Path, names: tuple[str, ...],
                                applied: str) -> tuple[Path, Path]:
    """A golang-migrate directory of `names` (one table each) and an --applied file."""
    db = tmp_path / "db"
    db.mkdir()
    for name in names:
        (db / f"{name}.up.sql").write_text(f"CREATE TABLE t{name[:4]} (id int);\n")
    (tmp_path / "applied.txt").write_text(applied)
    return db, tmp_path / "applied.txt"


def test_applied_versions_are_read_as_the_layouts_runner_reads_them(tmp_path: Path) -> None:
    """golang-migrate records version 1 for `0001_a.up.sql` (it parses an integer), and an
    export of its schema_migrations says `1`: the versions of the file were compared as text,
    so 0001 and 0002 counted as never applied and out of order, besides the real one, 0003."""
    db, applied = _golang_migrate_and_applied(tmp_path, ("0001_a", "0002_b", "0003_c",
                                                          "0010_z"), "1\n2\n10\n")
    result = CliRunner().invoke(app, ["graph", str(db), "--applied", str(applied),
                                      "--format", "json"])
    doc = json.loads(result.stdout)
    assert [(c["kind"], c["object"]) for c in doc["conflicts"]] == [
        ("out-of-order", "version:0003")]


def test_an_applied_versions_line_that_is_no_version_is_an_input_error(tmp_path: Path) -> None:
    """A CSV export keeps its `version` header: for golang-migrate, whose versions are
    integers, it sorted after every number, and every new migration was reported out of
    order. A line the layout's runner could not have recorded is an input error at its line."""
    db, applied = _golang_migrate_and_applied(tmp_path, ("0001_a", "0002_b"), "version\n1\n")
    result = CliRunner().invoke(app, ["graph", str(db), "--applied", str(applied)])
    assert result.exit_code == 2, result.output
    assert f"{applied}:1:1: 'version' is not a version golang-migrate records" in result.stderr


def _lint_base_json(repo: Path, ref: str) -> dict:
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", ref, "--format",
                                      "json", "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", ["non-commuting", "out-of-order"])
def test_lint_base_finds_the_same_conflicts_with_the_graph_beside_lint(
        tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.cli import lint_run
    from lockwise.parallel import can_fork

    if not can_fork():
        pytest.skip("needs fork() and two CPUs")
    monkeypatch.chdir(make_repo(tmp_path, kind))
    alone = _lint_base_json(Path("."), "main")
    monkeypatch.setattr(lint_run, "PARALLEL_MIN_CHARS", 1)
    beside = _lint_base_json(Path("."), "main")
    assert beside == alone
    assert [c["kind"] for c in beside["conflicts"]] == [kind]


def test_a_branch_up_to_date_with_ref_reads_the_tree_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.graph import git

    repo = make_repo(tmp_path, "out-of-order", commit_branch=True)
    db = repo / "db" / "migrations"
    read: list[str] = []
    real = git._tree_migrations

    def counted(top: Path, rev: str, *args: object) -> list:
        read.append(rev)
        return real(top, rev, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(git, "_tree_migrations", counted)
    diverged = compare_with_base(db, discover(db), "main", None)
    # The branch point's files are listed (`git ls-tree`), not read: which paths were there
    # is all the comparison needs of it.
    assert read == ["main"]
    assert len(diverged.branch.base_new) == 1 and len(diverged.branch.branch_new) == 1
    read.clear()
    up_to_date = compare_with_base(db, discover(db), "HEAD", None)
    assert read == ["HEAD"]
    assert not up_to_date.branch.base_new and not up_to_date.branch.branch_new


def test_refs_migrations_are_read_from_disk_when_memory_has_no_room(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.graph import git

    repo = make_repo(tmp_path, "non-commuting")
    db = repo / "db" / "migrations"
    expected = compare_with_base(db, discover(db), "main", None)
    # A folder that cannot hold the files (a full or missing /dev/shm) is passed over.
    monkeypatch.setattr(git, "_in_memory_folder", lambda: str(tmp_path / "no-such-folder"))
    fallback = compare_with_base(db, discover(db), "main", None)
    assert [m.path for m in fallback.history] == [m.path for m in expected.history]
    assert fallback.branch == expected.branch and fallback.changed == expected.changed


def test_lint_base_checks_only_the_downs_of_new_and_changed_migrations(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.graph.build import _Builder

    repo = empty_repo(tmp_path)
    db = repo / "db" / "migrations"
    (db / "001_accounts.up.sql").write_text("CREATE TABLE accounts (id int);\n")
    (db / "001_accounts.down.sql").write_text("SELECT 1;\n")  # does not undo up
    (db / "002_orders.up.sql").write_text("CREATE TABLE orders (id int);\n")
    (db / "002_orders.down.sql").write_text("DROP TABLE orders;\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main")
    _git(repo, "checkout", "-q", "-b", "feature")
    (db / "003_items.up.sql").write_text("CREATE TABLE items (id int);\n")
    (db / "003_items.down.sql").write_text("SELECT 1;\n")  # does not undo up either
    checked: list[str] = []
    real = _Builder._check_down

    def counted(self: _Builder, key: str, *args: object) -> None:
        checked.append(key)
        real(self, key, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_Builder, "_check_down", counted)
    monkeypatch.chdir(repo)
    doc = _lint_base_json(repo, "main")
    assert [(c["kind"], c["migrations"][0]["id"]) for c in doc["conflicts"]] == [
        ("down-mismatch", "003_items")]
    assert checked == ["003_items"]
    # Without --base every down is checked, and both mismatches are reported.
    whole = CliRunner().invoke(app, ["lint", "db/migrations", "--format", "json",
                                     "--no-cache"])
    assert [c["migrations"][0]["id"] for c in json.loads(whole.stdout)["conflicts"]] == [
        "001_accounts", "003_items"]


@pytest.mark.parametrize("filters", [True, False])
def test_links_in_refs_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            filters: bool) -> None:
    """A link inside the tree is read as the working tree reads it; one that leads out of
    the repository is an input error naming the file, not a traceback. Also with a Python
    whose tarfile has no extraction filters (3.10 before 3.10.12, 3.11 before 3.11.4:
    Debian 12's 3.11.2)."""
    if not filters:
        import tarfile

        monkeypatch.delattr(tarfile, "data_filter", raising=False)
        monkeypatch.delattr(tarfile, "FilterError", raising=False)
    repo = make_repo(tmp_path, "out-of-order", commit_branch=True)
    db = repo / "db" / "migrations"
    (db / "004_same_as_001.sql").symlink_to("001_create_accounts.sql")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "a link inside")
    monkeypatch.chdir(repo)
    inside = compare_with_base(db, discover(db), "HEAD", None)
    assert "004_same_as_001" in {m.id for m in inside.history}
    assert not inside.branch.branch_new  # found in HEAD's tree too: nothing is new
    (db / "005_outside.sql").symlink_to(tmp_path / "elsewhere.sql")
    (tmp_path / "elsewhere.sql").write_text("SELECT 1;\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "a link out")
    from lockwise.cli import lint_run
    from lockwise.parallel import can_fork

    # REF's tree is read beside lint when the input is large enough: the same error.
    for beside in (False, True) if can_fork() else (False,):
        if beside:
            monkeypatch.setattr(lint_run, "PARALLEL_MIN_CHARS", 1)
        result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "HEAD",
                                          "--no-cache"])
        assert result.exit_code == 2, beside
        assert "HEAD:db/migrations/005_outside.sql: " in result.stderr
        assert "is a link to an absolute path" in result.stderr
        assert "Traceback" not in result.output


def test_a_shallow_clone_says_to_fetch_the_history(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, "out-of-order", commit_branch=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "-b", "feature", repo.as_uri(),
                    str(clone)], check=True, capture_output=True)
    _git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "origin/main"])
    assert result.exit_code == 2
    assert "no common ancestor of origin/main and HEAD" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    _git(clone, "fetch", "-q", "--unshallow")
    fetched = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "origin/main"])
    assert fetched.exit_code == 0 and "out-of-order" in fetched.stdout


def test_unrelated_histories_are_an_input_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, "out-of-order", commit_branch=True)
    _git(repo, "checkout", "-q", "--orphan", "elsewhere")
    _git(repo, "commit", "-qm", "a history of its own")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "main"])
    assert result.exit_code == 2
    assert "their histories do not meet" in result.stderr


def test_a_file_refs_tree_cannot_decode_is_named_as_in_ref(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    repo = make_repo(tmp_path, "out-of-order", commit_branch=True)
    db = repo / "db" / "migrations"
    (db / "004_latin1.sql").write_bytes(b"CREATE TABLE b (id int);\n-- caf\xe9\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "not UTF-8")
    (db / "004_latin1.sql").write_text("CREATE TABLE b (id int);\n")  # fixed on the branch
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "HEAD"])
    assert result.exit_code == 2
    assert "lockwise: error: HEAD:db/migrations/004_latin1.sql:2:7: not valid UTF-8" in \
        result.stderr


def test_a_sqitch_revert_script_stands_for_its_change_also_against_a_base(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sqitch keeps a change's down migration in revert/: named alone (pre-commit), it is
    linted as its change, with the plan's directory as context, and `--base` reads the same
    directory from git (it compared revert/ as a folder of its own, and found every change
    out of order)."""
    repo = sqitch_repo(tmp_path)
    db = repo / "db" / "migrations"
    revert = db / "revert" / "index_email.sql"
    revert.write_text(revert.read_text() + "-- reviewed\n")
    monkeypatch.chdir(repo)
    for args in ([], ["--base", "main"]):
        result = CliRunner().invoke(app, ["lint", "db/migrations/revert/index_email.sql",
                                          "--format", "json", "--no-cache", *args])
        doc = json.loads(result.stdout)
        assert [m["id"] for m in doc["migrations"]] == ["0003_index_email"], args
        assert doc["conflicts"] == [], args


def test_sqitch_changes_added_on_both_sides_are_known_by_name_not_plan_position(
        tmp_path: Path) -> None:
    """sqitch knows a change by its name (a plan that names one twice in a tag section is a
    syntax error; a reworked one has its earlier scripts at `<name>@<tag>`): the position
    lockwise numbers changes by is no version. A change added on each side takes the same
    position in its plan: that was reported as a duplicate-version."""
    plan_line = "{} [create_accounts] 2024-02-0{}T00:00:00Z Ada <ada@example.com> # x\n"
    repo = sqitch_repo(tmp_path)
    db = repo / "db" / "migrations"
    for branch, change, sql, day in (("main", "add_bio", "ADD COLUMN bio text", 1),
                                     ("feature", "add_rank", "ADD COLUMN rank int", 2)):
        _git(repo, "checkout", "-q", branch)
        (db / "deploy" / f"{change}.sql").write_text(f"ALTER TABLE accounts {sql};\n")
        with (db / "sqitch.plan").open("a") as plan:
            plan.write(plan_line.format(change, day))
        if branch == "main":
            _git(repo, "add", "-A")
            _git(repo, "commit", "-qm", "main adds a change")
    comparison, graph = _graph(repo)
    assert {m.id for m in comparison.history[-2:]} == {"0005_add_bio", "0005_add_rank"}
    assert graph.conflicts == []


def test_lint_base_compares_each_directory_with_its_own_base(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A monorepo lints its services' directories in one run: each is compared with the same
    directory at REF, and what changed in any of them is reported (only the first one was,
    with every directory's migrations mixed into its history)."""
    repo = empty_repo(tmp_path)
    users, billing = repo / "users", repo / "billing"
    for service, table in ((users, "accounts"), (billing, "invoices")):
        service.mkdir()
        (service / "001_init.sql").write_text(f"CREATE TABLE {table} (id bigint);\n")
        (service / "003_note.sql").write_text(f"ALTER TABLE {table} ADD COLUMN note text;\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "two services")
    _git(repo, "checkout", "-q", "-b", "feature")
    # billing: a new migration, out of order; users: its 001 edited (billing's 001 is not).
    (billing / "002_index.sql").write_text("CREATE INDEX invoices_id ON invoices (id);\n")
    with (users / "001_init.sql").open("a") as handle:
        handle.write("-- reviewed\n")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["lint", "users", "billing", "--base", "main",
                                      "--format", "json", "--no-cache"])
    doc = json.loads(result.stdout)
    assert [(m["id"], m["path"]) for m in doc["migrations"]] == [
        ("001_init", "users/001_init.sql"), ("002_index", "billing/002_index.sql")]
    # A comment counts as an edit, as for `lockwise apply`'s checksum (it reads directives
    # from comments).
    assert [(c["kind"], c["migrations"][0]["path"]) for c in doc["conflicts"]] == [
        ("edited-applied", "users/001_init.sql"), ("out-of-order", "billing/002_index.sql")]
    assert result.exit_code == 1  # the blocking CREATE INDEX on an existing table


def test_graph_base_of_a_monorepo_root_names_its_directories_as_without_base(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`graph` takes one history, with --base as without: a folder holding several migration
    directories is an input error naming them (with --base it graphed the first one alone,
    the others' conflicts unreported); an empty folder is an empty graph, not a traceback."""
    repo = empty_repo(tmp_path)
    for service in ("a", "b"):
        (repo / "services" / service / "migrations").mkdir(parents=True)
        (repo / "services" / service / "migrations" / "20240101000000_init.sql").write_text(
            f"CREATE TABLE {service} (id bigint);\n")
    (repo / "empty").mkdir()
    (repo / "empty" / "README.md").write_text("nothing yet\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "two services")
    _git(repo, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(repo)
    for base in ([], ["--base", "main"]):
        result = CliRunner().invoke(app, ["graph", ".", *base])
        assert result.exit_code == 2, (base, result.output)
        assert "2 separate migration directories (services/a/migrations, " \
            "services/b/migrations)" in result.stderr, base
        result = CliRunner().invoke(app, ["graph", "empty", *base])
        assert result.exception is None or isinstance(result.exception, SystemExit), base
        assert (result.exit_code, result.stdout.splitlines()[0]) == (
            0, "0 migration(s), 0 down migration(s) checked"), base


def test_graph_of_a_file_against_a_base_reads_its_migration_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lockwise graph FILE --base REF` compares the file's migration directory, found as
    `lint FILE` finds it (sqitch's deploy/ and revert/ scripts belong to the folder above)."""
    repo = sqitch_repo(tmp_path)
    monkeypatch.chdir(repo)
    for script in ("deploy", "revert"):
        result = CliRunner().invoke(app, ["graph", f"db/migrations/{script}/index_email.sql",
                                          "--base", "main", "--format", "json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert doc["conflicts"] == [], script
        ids = [m["id"] for m in doc["migrations"]]
        assert ids[:3] == ["0001_create_accounts", "0002_add_nickname", "0003_index_email"]


def three_tables(tmp_path: Path) -> Path:
    """A repository whose main holds 001_users, 002_orders and 003_items, on a branch
    `feature` made from it."""
    repo = empty_repo(tmp_path)
    db = repo / "db" / "migrations"
    for name in ("001_users", "002_orders", "003_items"):
        (db / f"{name}.sql").write_text(f"CREATE TABLE {name[4:]} (id bigint PRIMARY KEY);\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "three tables")
    _git(repo, "checkout", "-q", "-b", "feature")
    return repo


def _lint(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(app, ["lint", *args, "--format", "json", "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _kinds(doc: dict) -> list[tuple[str, list[str]]]:
    return [(c["kind"], [loc["path"] for loc in c["migrations"]]) for c in doc["conflicts"]]


def test_an_applied_migration_edited_on_the_branch_is_a_conflict(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Environments that ran 001 never run a statement added to it: the new column is judged
    safe (its table is created in the same file), the edit itself fails the run."""
    repo = three_tables(tmp_path)
    monkeypatch.chdir(repo)
    users = Path("db/migrations/001_users.sql")
    users.write_text(users.read_text() + "ALTER TABLE users ADD COLUMN age int NOT NULL "
                     "DEFAULT 0;\n")
    code, doc = _lint("db/migrations", "--base", "main")
    assert _kinds(doc) == [("edited-applied", ["db/migrations/001_users.sql"])]
    assert doc["conflicts"][0]["safety"] == "requires-downtime"
    assert code == 1
    # `lockwise graph --base` says so too.
    graph = CliRunner().invoke(app, ["graph", "db/migrations", "--base", "main"])
    assert "conflict edited-applied [requires-downtime] version 001" in graph.stdout
    assert graph.exit_code == 1
    # Line endings, indentation and blank lines are no edit: the checksum is the same.
    users.write_text("CREATE TABLE\r\n    users (id bigint PRIMARY KEY);\r\n\r\n")
    code, doc = _lint("db/migrations", "--base", "main")
    assert [m["id"] for m in doc["migrations"]] == ["001_users"]
    assert doc["conflicts"] == [] and code == 0


def test_an_edit_of_an_applied_down_migration_alone_is_no_conflict(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No environment ran the down: it is linted (and down-checked), not a conflict."""
    repo = empty_repo(tmp_path)
    db = repo / "db" / "migrations"
    (db / "1_users.up.sql").write_text("CREATE TABLE users (id bigint);\n")
    (db / "1_users.down.sql").write_text("DROP TABLE users;\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "users")
    _git(repo, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(repo)
    Path("db/migrations/1_users.down.sql").write_text("DROP TABLE IF EXISTS users;\n")
    code, doc = _lint("db/migrations", "--base", "main")
    assert [m["id"] for m in doc["migrations"]] == ["1_users"]
    assert doc["conflicts"] == [] and code == 0
    Path("db/migrations/1_users.up.sql").write_text("CREATE TABLE users (id int);\n")
    assert _kinds(_lint("db/migrations", "--base", "main")[1]) == [
        ("edited-applied", ["db/migrations/1_users.up.sql"])]


def test_an_applied_migration_moved_to_another_version_is_a_conflict(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`git mv 003_items.sql 004_items.sql`: runners run CREATE TABLE items again as 004."""
    repo = three_tables(tmp_path)
    monkeypatch.chdir(repo)
    _git(repo, "mv", "db/migrations/003_items.sql", "db/migrations/004_items.sql")
    code, doc = _lint("db/migrations", "--base", "main")
    assert _kinds(doc) == [("renamed-applied", ["db/migrations/003_items.sql",
                                                "db/migrations/004_items.sql"])]
    assert code == 1
    # Under the same version only the name changed: runners know it by its version.
    _git(repo, "mv", "db/migrations/004_items.sql", "db/migrations/003_things.sql")
    code, doc = _lint("db/migrations", "--base", "main")
    assert [m["id"] for m in doc["migrations"]] == ["003_things"]
    assert doc["conflicts"] == [] and code == 0


def test_an_applied_migration_deleted_is_a_conflict(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deletion is reported (safe-with-care: squashing a history is deliberate), also in
    the CI formats, where no migration's report is left to carry it."""
    repo = three_tables(tmp_path)
    monkeypatch.chdir(repo)
    _git(repo, "rm", "-q", "db/migrations/002_orders.sql")
    code, doc = _lint("db/migrations", "--base", "main")
    assert doc["migrations"] == []
    assert _kinds(doc) == [("deleted-applied", ["db/migrations/002_orders.sql"])]
    assert code == 0
    assert _lint("db/migrations", "--base", "main", "--fail-on", "safe-with-care")[0] == 1
    github = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "main", "--format",
                                      "github", "--fail-on", "safe-with-care"])
    assert github.stdout.startswith("::error file=db/migrations/002_orders.sql,title=lockwise "
                                    "deleted-applied [safe-with-care]::002_orders was there")
    assert github.exit_code == 1
    # A file named on its own reports its own conflicts, not the directory's.
    code, doc = _lint("db/migrations/003_items.sql", "--base", "main")
    assert doc["conflicts"] == [] and code == 0


def test_lint_base_reports_what_the_branch_changed_not_what_ref_did(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files REF changed after the branch left it are not the branch's: the diff is taken
    from the branch point, not from REF's tip."""
    repo = three_tables(tmp_path)
    _git(repo, "checkout", "-q", "main")
    db = repo / "db" / "migrations"
    with (db / "002_orders.sql").open("a") as handle:
        handle.write("CREATE INDEX orders_id ON orders (id);\n")
    (db / "004_more.sql").write_text("CREATE TABLE more (id bigint);\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main moves on")
    _git(repo, "checkout", "-q", "feature")
    monkeypatch.chdir(repo)
    code, doc = _lint("db/migrations", "--base", "main")
    assert doc["migrations"] == [] and doc["conflicts"] == [] and code == 0
    (db / "005_new.sql").write_text("CREATE TABLE new (id bigint);\n")
    code, doc = _lint("db/migrations", "--base", "main")
    assert [m["id"] for m in doc["migrations"]] == ["005_new"]


def test_lint_base_with_files_named_reports_only_those(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = three_tables(tmp_path)
    monkeypatch.chdir(repo)
    db = Path("db/migrations")
    (db / "004_a.sql").write_text("CREATE TABLE a (id bigint);\n")
    (db / "005_b.sql").write_text("CREATE TABLE b (id bigint);\n")
    users = db / "001_users.sql"
    users.write_text(users.read_text() + "ALTER TABLE users ADD COLUMN age int;\n")
    _, doc = _lint("db/migrations/005_b.sql", "--base", "main")
    assert [m["id"] for m in doc["migrations"]] == ["005_b"] and doc["conflicts"] == []
    code, doc = _lint("db/migrations/005_b.sql", str(users), "--base", "main")
    assert [m["id"] for m in doc["migrations"]] == ["001_users", "005_b"]
    assert [c["kind"] for c in doc["conflicts"]] == ["edited-applied"] and code == 1
    _, doc = _lint("db/migrations", "--base", "main")
    assert [m["id"] for m in doc["migrations"]] == ["001_users", "004_a", "005_b"]


def test_an_unknown_ref_says_so_and_names_the_remote_branch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI checkouts have `origin/main` and no local `main`: the error says which to use."""
    repo = three_tables(tmp_path)
    monkeypatch.chdir(repo)
    _git(repo, "update-ref", "refs/remotes/origin/trunk", "main")
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "trunk"])
    assert result.exit_code == 2
    assert result.stderr == ("lockwise: error: --base trunk: unknown revision: no branch, tag "
                             "or commit of that name in this repository; did you mean "
                             "origin/trunk?\n")
    other = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "nonexist"])
    assert other.exit_code == 2
    assert other.stderr.endswith("--base nonexist: unknown revision: no branch, tag or "
                                 "commit of that name in this repository\n")


def test_an_unknown_remote_ref_names_the_local_branch(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's `--base origin/main`, run in a clone without that remote (a local
    repository, a CI job that fetched only the branch): the error names the local `main`."""
    repo = three_tables(tmp_path)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "origin/main"])
    assert result.exit_code == 2
    assert result.stderr == ("lockwise: error: --base origin/main: unknown revision: no "
                             "branch, tag or commit of that name in this repository; did you "
                             "mean main?\n")


def test_lint_base_reports_each_conflict_with_refs_migrations_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # REF added 002 (drops a column), 003 and 004 (a type change) since the branch point; the
    # branch adds 003 (its version taken), 005 (writes the dropped column) and 006 (another
    # type change). Each conflict names the branch's file and REF's, once; the write of the
    # dropped column is both a missing-object (the merged order fails) and a non-commuting
    # pair (test_graph_build.test_non_commuting_pairs).
    repo = empty_repo(tmp_path)
    db = repo / "db" / "migrations"
    (db / "001_accounts.sql").write_text(
        "CREATE TABLE accounts (id bigint PRIMARY KEY, balance int, nick text);\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "branch point")
    _git(repo, "branch", "feature")
    (db / "002_drop_nick.sql").write_text("ALTER TABLE accounts DROP COLUMN nick;\n")
    (db / "003_x.sql").write_text("CREATE TABLE x (id bigint);\n")
    (db / "004_bigint.sql").write_text("ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main moves on")
    _git(repo, "checkout", "-q", "feature")
    (db / "003_y.sql").write_text("CREATE TABLE y (id bigint);\n")
    (db / "005_nick.sql").write_text("UPDATE accounts SET nick = 'a' WHERE id = 1;\n")
    (db / "006_numeric.sql").write_text(
        "ALTER TABLE accounts ALTER COLUMN balance TYPE numeric;\n")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["lint", "db/migrations", "--base", "main", "--no-cache",
                                      "--format", "json"])
    doc = json.loads(result.stdout)
    assert [m["id"] for m in doc["migrations"]] == ["003_y", "005_nick", "006_numeric"]
    assert sorted((c["kind"], c["object"], sorted(m["path"] for m in c["migrations"]))
                  for c in doc["conflicts"]) == [
        ("duplicate-version", "version:003",
         ["db/migrations/003_y.sql", "main:db/migrations/003_x.sql"]),
        ("missing-object", "column:public.accounts.nick",
         ["db/migrations/005_nick.sql", "main:db/migrations/002_drop_nick.sql"]),
        ("non-commuting", "column:public.accounts.balance",
         ["db/migrations/006_numeric.sql", "main:db/migrations/004_bigint.sql"]),
        ("non-commuting", "column:public.accounts.nick",
         ["db/migrations/005_nick.sql", "main:db/migrations/002_drop_nick.sql"]),
        ("out-of-order", "version:003",
         ["db/migrations/003_y.sql", "main:db/migrations/004_bigint.sql"]),
    ]
    assert result.exit_code == 1


def test_sarif_relates_no_file_that_is_only_in_ref(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The other side of a conflict with REF is a file of REF (`main:db/...`), not of the
    working tree: SARIF names it in the message only, as no viewer could open it."""
    monkeypatch.chdir(make_repo(tmp_path, "non-commuting"))
    result = CliRunner().invoke(app, ["lint", ".", "--base", "main", "-f", "sarif",
                                      "--no-cache"])
    (found,) = [r for r in json.loads(result.stdout)["runs"][0]["results"]
                if r["ruleId"] == "non-commuting"]
    assert "main:db/migrations/002_balance_bigint.sql:1:1" in found["message"]["text"]
    assert "relatedLocations" not in found


def _lint_file_beside_what_cannot_be_read(repo: Path) -> object:
    result = CliRunner().invoke(app, ["lint", "db/migrations/002_accounts_nickname.sql",
                                      "--base", "main", "--format", "json", "--no-cache"])
    assert "Traceback" not in result.output
    return result


def _assert_conflicts_checked_with_a_warning(result: object, unread: str) -> None:
    # No input error: the conflict (safe-with-care, under the default --fail-on) and the
    # file's findings decide, as they do when everything can be read.
    assert result.exit_code == 0, result.output
    kinds = [c["kind"] for c in json.loads(result.stdout)["conflicts"]]
    assert kinds == ["out-of-order"], kinds
    assert "lockwise: warning:" in result.stderr and unread in result.stderr, result.stderr
    assert "002_accounts_nickname.sql" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads through chmod 000")
def test_a_file_beside_an_unreadable_folder_is_still_compared_with_ref(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lint FILE --base REF` when FILE's directory cannot be read whole (a folder in it the
    user may not list): FILE is linted alone, its conflicts with what REF added are still
    looked for, and a warning says what was not read."""
    repo = make_repo(tmp_path, "out-of-order", commit_branch=True)
    private = repo / "db" / "migrations" / "private"
    private.mkdir()
    (private / "x.sql").write_text("SELECT 1;\n")
    private.chmod(0)
    monkeypatch.chdir(repo)
    try:
        result = _lint_file_beside_what_cannot_be_read(repo)
    finally:
        private.chmod(0o755)
    _assert_conflicts_checked_with_a_warning(result, "db/migrations/private: permission denied")


def test_a_file_beside_an_unreadable_migration_is_still_compared_with_ref(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same when another file of the directory cannot be read as a migration (here not
    UTF-8; as root, what chmod 000 cannot show)."""
    repo = make_repo(tmp_path, "out-of-order", commit_branch=True)
    (repo / "db" / "migrations" / "004_binary.sql").write_bytes(b"\x00\xff\x00")
    monkeypatch.chdir(repo)
    result = _lint_file_beside_what_cannot_be_read(repo)
    _assert_conflicts_checked_with_a_warning(result, "004_binary.sql")


#: A Spring Boot project's classpath root and the application file there.
_RESOURCES = "src/main/resources"
_SETTINGS = ("spring.flyway.locations=db/migration,db/seed\nspring.flyway.mixed=true\n"
             "spring.flyway.init-sqls=SET lock_timeout = '5s'\n")


def test_base_revision_reads_the_flyway_settings_and_locations_at_ref(
        tmp_path: Path) -> None:
    """`--base REF` reads REF's migrations with the settings REF's files give them (the
    application file above the location: its `mixed`, init SQL and other locations), as the
    working tree's are read; the other location's migrations at the branch point are not the
    branch's work."""
    repo = empty_repo(tmp_path)
    write(repo, {f"{_RESOURCES}/application.properties": _SETTINGS,
                  f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n",
                  f"{_RESOURCES}/db/seed/V2__s.sql": "INSERT INTO t VALUES (1);\n"})
    # (REF drops the other location's first migration: still not the branch's work)
    _diverge(repo, {f"{_RESOURCES}/db/migration/V3__i.sql":
                    "ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY t_b ON t (b);\n",
                    f"{_RESOURCES}/db/seed/V5__s.sql": "INSERT INTO t VALUES (2);\n"},
             {f"{_RESOURCES}/db/migration/V4__u.sql": "CREATE TABLE u (a int);\n"},
             removed_on_main=[f"{_RESOURCES}/db/seed/V2__s.sql"])
    location = repo / _RESOURCES / "db" / "migration"
    comparison = compare_with_base(location, discover(location), "main", None)
    by_version = {m.version: m for m in comparison.history}
    assert sorted(by_version) == ["1", "2", "3", "4", "5"]
    added_on_main = by_version["3"]
    assert str(added_on_main.path).startswith("main:")
    assert added_on_main.mixed_without_transaction
    assert added_on_main.init_sql == "SET lock_timeout = '5s'"
    assert str(by_version["5"].path) == f"main:{_RESOURCES}/db/seed/V5__s.sql"
    graph_keys = {m.version: key for m, key in zip(
        comparison.history, unique_keys(comparison.history), strict=True)}
    assert comparison.branch.branch_new == {graph_keys["4"]}
    assert comparison.branch.base_new == {graph_keys["3"], graph_keys["5"]}


@pytest.mark.parametrize(("files", "history", "name", "layout"), [
    ({"Cargo.toml": "[package]\nname = \"app\"\n\n[dependencies]\nsqlx = \"0.8\"\n"},
     "migrations", "{}_{}.sql", "sqlx"),
    ({"crates/db/Cargo.toml": "[dependencies.sqlx]\nversion = \"0.8\"\n"},
     "crates/db/migrations", "{}_{}.sql", "sqlx"),
    ({"hasura/config.yaml": "version: 3\nendpoint: http://localhost:8080\n",
      "hasura/metadata/version.yaml": "version: 3\n"},
     "hasura/migrations/default", "{}_{}/up.sql", "hasura"),
    ({"hasura/config.yaml": "version: 2\nmetadata_directory: meta\n"},
     "hasura/migrations", "{}_{}/up.sql", "hasura"),
], ids=["sqlx-crate", "sqlx-workspace-member", "hasura-v3", "hasura-v2"])
def test_base_revision_reads_other_tools_settings_above_the_folder(
        tmp_path: Path, files: dict[str, str], history: str, name: str, layout: str) -> None:
    """`--base REF` tells REF's layout apart by the files above the history's folder that
    discovery reads in the working tree (sqlx's Cargo.toml, the Hasura CLI's config.yaml
    and metadata folder): REF's migrations are that tool's, as the working tree's are."""
    repo = empty_repo(tmp_path)
    write(repo, {**files, f"{history}/{name.format(1, 't')}": "CREATE TABLE t (a int);\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "branch point")
    _git(repo, "branch", "feature")
    write(repo, {f"{history}/{name.format(2, 'u')}": "CREATE TABLE u (a int);\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main moves on")
    _git(repo, "checkout", "-q", "feature")
    write(repo, {f"{history}/{name.format(3, 'v')}": "CREATE TABLE v (a int);\n"})
    location = repo / history
    working = discover(location)
    assert {m.layout for m in working} == {layout}
    comparison = compare_with_base(location, working, "main", None)
    on_main = [m for m in comparison.history if str(m.path).startswith("main:")]
    assert [m.name for m in on_main] == ["u"]
    assert {m.layout for m in on_main} == {layout}


def test_base_revision_unpacks_no_file_of_hasura_s_metadata(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Discovery asks only whether a Hasura project's metadata folder exists: `--base REF`
    makes it empty instead of unpacking its files (a project's may be thousands), and REF's
    migrations are still read as Hasura's."""
    import io
    import tarfile

    from lockwise.graph import git

    repo = empty_repo(tmp_path)
    metadata = {f"hasura/metadata/databases/default/tables/public_t{i}.yaml": f"table: t{i}\n"
                for i in range(200)}
    write(repo, {**metadata, "hasura/config.yaml": "version: 3\n",
                 "hasura/migrations/default/1_t/up.sql": "CREATE TABLE t (a int);\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "branch point")
    _git(repo, "branch", "feature")
    write(repo, {"hasura/migrations/default/2_u/up.sql": "CREATE TABLE u (a int);\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main moves on")
    _git(repo, "checkout", "-q", "feature")
    unpacked: list[str] = []
    archive = git._archive

    def counted(top: Path, rev: str, paths: list[str]) -> bytes:
        data = archive(top, rev, paths)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            unpacked.extend(member.name for member in tar.getmembers() if member.isfile())
        return data

    monkeypatch.setattr(git, "_archive", counted)
    location = repo / "hasura" / "migrations" / "default"
    comparison = compare_with_base(location, discover(location), "main", None)
    on_main = [m for m in comparison.history if str(m.path).startswith("main:")]
    assert [(m.name, m.layout) for m in on_main] == [("u", "hasura")]
    assert sorted(unpacked) == ["hasura/config.yaml", "hasura/migrations/default/1_t/up.sql",
                                "hasura/migrations/default/2_u/up.sql"]


def test_base_revision_reads_flyway_conf_locations_at_ref(tmp_path: Path) -> None:
    """`--base REF` reads the other locations REF's flyway.conf names, with its settings."""
    repo = _flyway_repo(tmp_path, "flyway.conf")
    _reads_main_s_mixed_migration(repo)


#: A Flyway config that makes sql/a and sql/b one history, run with `mixed` on.
_TWO_LOCATIONS_MIXED = "flyway.locations=filesystem:sql/a,filesystem:sql/b\nflyway.mixed=true\n"


def _reads_main_s_mixed_migration(repo: Path) -> None:
    """`--base main` of sql/a reads the mixed migration main added to sql/b, as `mixed`."""
    location = repo / "sql" / "a"
    comparison = compare_with_base(location, discover(location), "main", None)
    by_version = {m.version: m for m in comparison.history}
    assert sorted(by_version) == ["1", "2", "3"]
    assert str(by_version["2"].path) == "main:sql/b/V2__i.sql"
    assert by_version["2"].mixed_without_transaction


def _flyway_repo(tmp_path: Path, config: str, on_main: bool = True) -> Path:
    """A Flyway project whose locations and `mixed` only the config file `config` (relative
    to the repository; committed on main when `on_main`) gives; main adds a mixed migration
    to sql/b, the branch V3 to sql/a."""
    repo = empty_repo(tmp_path)
    write(repo, {"sql/a/V1__t.sql": "CREATE TABLE t (a int);\n", "sql/b/.keep": ""})
    ci = {config: _TWO_LOCATIONS_MIXED}
    if on_main:
        write(repo, ci)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "branch point")
    _git(repo, "branch", "feature")
    write(repo, {"sql/b/V2__i.sql":
                 "ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY t_b ON t (b);\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main moves on")
    _git(repo, "checkout", "-q", "feature")
    write(repo, {"sql/a/V3__u.sql": "CREATE TABLE u (a int);\n", **ci})
    return repo


@pytest.mark.parametrize("how", ["variable", "config"])
def test_base_revision_reads_the_named_flyway_config_files_at_ref(
        tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--base REF` unpacks the config files FLYWAY_CONFIG_FILES (relative to the folder
    lockwise runs in) or lockwise's `flyway_config_files` name, as REF has them: REF's run
    reads the locations and settings they give."""
    from lockwise.discover.flyway_config import configure

    repo = _flyway_repo(tmp_path, "conf/ci.conf")
    monkeypatch.chdir(repo)
    monkeypatch.delenv("FLYWAY_CONFIG_FILES", raising=False)
    if how == "variable":
        monkeypatch.setenv("FLYWAY_CONFIG_FILES", "conf/ci.conf")
    else:
        configure(repo, [repo / "conf" / "ci.conf"])
    try:
        _reads_main_s_mixed_migration(repo)
    finally:
        configure(Path("."), [])


def test_a_named_flyway_config_file_ref_lacks_is_not_read_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A named file added on the branch did not configure REF's run: REF is read without
    it (its sql/b unread), not an error."""
    repo = _flyway_repo(tmp_path, "conf/ci.conf", on_main=False)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("FLYWAY_CONFIG_FILES", "conf/ci.conf")
    location = repo / "sql" / "a"
    comparison = compare_with_base(location, discover(location), "main", None)
    assert sorted(m.version for m in comparison.history) == ["1", "3"]


def test_lint_base_finds_a_version_ref_s_named_locations_use(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through `lockwise lint --base main`, the config's `flyway_config_files` at main name
    sql/b, where main added the version 2 the branch adds too: a duplicate version."""
    repo = _flyway_repo(tmp_path, "conf/ci.conf")
    (repo / "sql" / "a" / "V3__u.sql").rename(repo / "sql" / "a" / "V2__u.sql")
    write(repo, {"lockwise.toml": 'flyway_config_files = "conf/ci.conf"\n'})
    monkeypatch.chdir(repo)
    monkeypatch.delenv("FLYWAY_CONFIG_FILES", raising=False)
    result = CliRunner().invoke(app, ["lint", "sql/a", "--base", "main", "--format", "json",
                                      "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    assert [c["kind"] for c in json.loads(result.stdout)["conflicts"]] == ["duplicate-version"]


_LIQUIBASE = "--liquibase formatted sql\n--changeset a:{0}\nCREATE TABLE {0} (a int);\n"


@pytest.mark.parametrize("history", ["db/changelog", "db/changelog/changes"])
def test_base_revision_reads_the_files_a_liquibase_master_includes_from_elsewhere(
        tmp_path: Path, history: str) -> None:
    """A Liquibase master in `db/changelog` that includes a changelog of `db/shared` and runs
    v1.9 before v1.10 (fix-layouts19): REF's history is read as the working tree's, with the
    files outside the folder (the shared changelog; for `db/changelog/changes` linted alone,
    the master above it), which before were not unpacked ("not there", exit 2; name order)."""
    repo = empty_repo(tmp_path)
    write(repo, {"db/changelog/master.yaml": (
        "databaseChangeLog:\n  - include:\n      file: ../shared/base.sql\n"
        "      relativeToChangelogFile: true\n"
        "  - include:\n      file: changes/v1.9.sql\n      relativeToChangelogFile: true\n"
        "  - include:\n      file: changes/v1.10.sql\n      relativeToChangelogFile: true\n"),
        "db/shared/base.sql": _LIQUIBASE.format("base"),
        "db/changelog/changes/v1.9.sql": _LIQUIBASE.format("users"),
        "db/changelog/changes/v1.10.sql": _LIQUIBASE.format("orders")})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "branch point")
    _git(repo, "checkout", "-q", "-b", "feature")
    folder = repo / history
    comparison = compare_with_base(folder, discover(folder), "main", None)
    expected = ["a:base", "a:users", "a:orders"] if history == "db/changelog" else \
        ["a:users", "a:orders"]
    assert [m.id for m in comparison.history] == expected
    assert comparison.changed == set()


@pytest.mark.parametrize("profile", [None, "prod"])
def test_base_revision_reads_the_active_profile_s_file_at_ref(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str | None) -> None:
    """`--base REF` unpacks the application files of the active profile
    (SPRING_PROFILES_ACTIVE) at REF, as the working tree's are read (fix-layouts20): main's
    mixed migration runs as `mixed` there when the profile's file says so."""
    monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    if profile is not None:
        monkeypatch.setenv("SPRING_PROFILES_ACTIVE", profile)
    repo = empty_repo(tmp_path)
    write(repo, {f"{_RESOURCES}/application.properties": "spring.application.name=shop\n",
                 f"{_RESOURCES}/application-prod.properties": "spring.flyway.mixed=true\n",
                 f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n"})
    _diverge(repo, {f"{_RESOURCES}/db/migration/V2__i.sql":
                    "ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY t_b ON t (b);\n"},
             {f"{_RESOURCES}/db/migration/V3__u.sql": "CREATE TABLE u (a int);\n"})
    assert _main_s_v2_mixed(repo) is (profile is not None)


@pytest.mark.parametrize(("activation", "mixed"), [
    ("spring.profiles.active=prod\n", True),
    ("spring.profiles.include=prod\n", True),
    ("spring.profiles.active=ops\nspring.profiles.group.ops=prod\n", True),
    ("spring.application.name=shop\n", False),
], ids=["active", "include", "group", "none-guard"])
def test_base_revision_reads_a_profile_its_own_files_activate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, activation: str, mixed: bool) -> None:
    """`--base REF` unpacks the application files of every profile at REF (fix-layouts21):
    a profile that only REF's own `spring.profiles.active` (or `.include`, or a group) names
    is read there as in the working tree, its file in `config/` too."""
    monkeypatch.delenv("SPRING_PROFILES_ACTIVE", raising=False)
    repo = empty_repo(tmp_path)
    write(repo, {f"{_RESOURCES}/application.properties": "spring.application.name=shop\n",
                 f"{_RESOURCES}/config/application-prod.properties":
                 "spring.flyway.mixed=true\n",
                 f"{_RESOURCES}/db/migration/V1__t.sql": "CREATE TABLE t (a int);\n"})
    # the profile is activated on main only: the working tree (feature) activates none
    _diverge(repo, {f"{_RESOURCES}/application.properties": activation,
                    f"{_RESOURCES}/db/migration/V2__i.sql":
                    "ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY t_b ON t (b);\n"},
             {f"{_RESOURCES}/db/migration/V3__u.sql": "CREATE TABLE u (a int);\n"})
    assert _main_s_v2_mixed(repo) is mixed


def _main_s_v2_mixed(repo: Path) -> bool:
    """Whether main's V2 of Spring Boot's default location, read at main by `--base main`,
    runs statement by statement (`mixed`)."""
    location = repo / _RESOURCES / "db" / "migration"
    comparison = compare_with_base(location, discover(location), "main", None)
    by_version = {m.version: m for m in comparison.history}
    assert str(by_version["2"].path).startswith("main:")
    return by_version["2"].mixed_without_transaction
