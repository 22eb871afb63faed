"""docs/ci.md's GitHub Actions workflow, run as written: each `lockwise` command of its steps
runs in a scratch repository whose pull-request branch adds one migration to a history with
findings of its own, as GitHub runs it (`origin/<base_ref>` and the workflow's `BASE`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None,
                                reason="git and bash are needed")


def _workflow() -> str:
    text = (REPO / "docs" / "ci.md").read_text()
    section = text[text.index("## GitHub Actions"):text.index("## GitLab CI")]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def _lockwise_commands(workflow: str) -> list[str]:
    """The shell commands of the steps that run lockwise, continuation lines joined."""
    script = re.sub(r"\\\n\s*", "", workflow)
    commands = []
    for line in script.splitlines():
        command = line.strip().removeprefix("run: ")
        if command.startswith("lockwise "):
            commands.append(command)
    return commands


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_every_lockwise_step_lints_only_what_the_pull_request_changed(tmp_path: Path) -> None:
    workflow = _workflow()
    commands = _lockwise_commands(workflow)
    assert len(commands) == 4 and all('--base "$BASE"' in c for c in commands)
    base = re.search(r"BASE: (.+?)\s+#", workflow).group(1)
    assert base == "origin/${{ github.base_ref }}"

    repo = tmp_path / "repo"
    db = repo / "db" / "migrations"
    db.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "test@example.com")
    _git(repo, "config", "user.name", "test")
    (db / "001_users.sql").write_text("CREATE TABLE users (id bigint, email text);\n")
    # An old migration that requires downtime: without --base every run would fail on it.
    (db / "002_email.sql").write_text("CREATE INDEX users_email ON users (email);\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "history")
    # As actions/checkout leaves it: the base branch as a remote-tracking branch only.
    _git(repo, "update-ref", "refs/remotes/origin/main", "main")
    _git(repo, "checkout", "-q", "-b", "pr")
    _git(repo, "branch", "-D", "main")
    (db / "003_id.sql").write_text("CREATE INDEX users_id ON users (id);\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "the pull request")

    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "lockwise").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lockwise "$@"\n')
    (shim / "lockwise").chmod(0o755)
    summary = tmp_path / "summary.md"
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
           "BASE": base.replace("${{ github.base_ref }}", "main"),
           "GITHUB_STEP_SUMMARY": str(summary), "LOCKWISE_CACHE_DIR": "off",
           "PYTHONPATH": os.pathsep.join([str(REPO / "src"),
                                          os.environ.get("PYTHONPATH", "")])}
    runs = [subprocess.run(["bash", "-c", c], cwd=repo, env=env, capture_output=True,
                           text=True) for c in commands]
    verdict = runs[0]
    assert verdict.returncode == 1, verdict.stderr  # the new blocking index
    annotations = [line for line in verdict.stdout.splitlines() if line.startswith("::")]
    assert annotations and all("file=db/migrations/003_id.sql" in a for a in annotations)
    assert all(r.returncode == 0 for r in runs[1:]), [r.stderr for r in runs[1:]]
    assert "003_id.sql" in summary.read_text() and "002_email" not in summary.read_text()
    sarif = json.loads((repo / "lockwise.sarif").read_text())
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for result in sarif["runs"][0]["results"] for loc in result["locations"]}
    assert uris == {"db/migrations/003_id.sql"}
    assert "003_id.sql" in (repo / "comment.md").read_text()
