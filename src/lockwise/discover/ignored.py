"""The folders git ignores (`.gitignore`, `.git/info/exclude`, the global excludes file):
build output and vendored copies that hold SQL which is not the project's migrations."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

#: Seconds git may take to list them; past that, nothing is taken as ignored.
_GIT_TIMEOUT = 10.0


def in_work_tree(directory: Path) -> bool:
    """Whether `directory` is inside a git work tree: a `.git` (folder, or file of a linked
    worktree or submodule) in it or above it. A few stats, no process: outside a repository
    git is never run."""
    folder = os.path.abspath(directory)
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent


def ignored_folders(directory: Path) -> frozenset[str]:
    """The folders below `directory` that git ignores, as absolute paths (os.path.abspath);
    empty outside a work tree, or when git is missing or fails (then every folder is read,
    as without git)."""
    if not in_work_tree(directory):
        return frozenset()
    try:
        # --directory: an ignored folder is one line, not one per file inside it.
        done = subprocess.run(
            ["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard",
             "--directory"],
            cwd=directory, capture_output=True, timeout=_GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if done.returncode != 0:
        return frozenset()
    base = os.path.abspath(directory)
    return frozenset(os.path.normpath(os.path.join(base, os.fsdecode(entry[:-1])))
                     for entry in done.stdout.split(b"\0")
                     if entry.endswith(b"/") and len(entry) > 1)
