"""The pre-commit hook, run by the real pre-commit (`pre-commit try-repo`) against a throwaway
git repository: a bad migration fails the hook, a good one passes.

pre-commit installs lockwise from a git repository into its own virtualenv, so the test copies
the working tree (the files a build needs) into a temporary repository and commits it: this
works from a fresh clone and in CI, without committing anything here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: What building lockwise needs (pyproject.toml force-includes rules/ into the wheel).
BUILD_FILES = ("src", "rules", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml")


def _pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or \
        shutil.which("pre-commit")
    if found is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return found


def _commit_all(repo: Path, env: dict[str, str]) -> None:
    for args in (("init", "-q", "-b", "main"), ("add", "-A"),
                 ("commit", "-q", "--no-verify", "-m", "snapshot")):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                       text=True)


def test_pre_commit_hook_fails_bad_and_passes_good_migrations(tmp_path: Path) -> None:
    pre_commit = _pre_commit()
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    hook_repo = tmp_path / "lockwise"
    hook_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in BUILD_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, hook_repo / name, ignore=ignore)
        else:
            shutil.copy2(source, hook_repo / name)
    _commit_all(hook_repo, env)

    project = tmp_path / "project"
    migrations = project / "db" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "001_create_accounts.sql").write_text(
        "CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);\n")
    (migrations / "002_index_email_good.sql").write_text(
        "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n")
    (migrations / "003_index_id_email_bad.sql").write_text(
        "CREATE INDEX accounts_id_email_idx ON accounts (id, email);\n")
    (project / "README.md").write_text("not SQL: the hook must not look at it\n")
    _commit_all(project, env)

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "try-repo", str(hook_repo), "lockwise", "--color", "never",
             "--files", *files],
            cwd=project, env=env, capture_output=True, text=True, timeout=900)

    good = try_repo("db/migrations/002_index_email_good.sql", "README.md")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    bad = try_repo("db/migrations/003_index_id_email_bad.sql")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "index-without-concurrently" in bad.stdout
    # The directory was replayed: lockwise knew `accounts`, and only the named file is reported.
    assert "003_index_id_email_bad.sql" in bad.stdout
    assert "002_index_email_good.sql" not in bad.stdout
    print(bad.stdout)  # shown with -s: what a developer sees when the hook fails
