"""Where the real migration corpora are (../shared/corpora, optional): the one lookup of every
corpus test (conftest's `corpora` fixture, the robustness suite's corpus files).

`LOCKWISE_CORPORA` names them; made absolute at once, since tests change the working
directory. Otherwise they sit beside the checkout, or, for a `git worktree` kept elsewhere
(/tmp/wt-...), beside its main checkout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _main_checkout(repo: Path) -> Path | None:
    """The main checkout of the worktree `repo` (its `.git` file points into the main
    checkout's `.git/worktrees/NAME`), or None for a main checkout itself."""
    marker = repo / ".git"
    if not marker.is_file():
        return None
    text = marker.read_text(encoding="utf-8", errors="replace").strip()
    if not text.startswith("gitdir:"):
        return None
    gitdir = Path(text.removeprefix("gitdir:").strip())
    if gitdir.parent.name != "worktrees" or gitdir.parent.parent.name != ".git":
        return None
    return gitdir.parent.parent.parent


def corpora_dir(environ: Mapping[str, str] = os.environ, repo: Path = REPO) -> Path:
    """The corpora folder (which may be absent)."""
    named = environ.get("LOCKWISE_CORPORA")
    if named:
        return Path(named).expanduser().absolute()
    beside = repo.parent / "shared" / "corpora"
    main = _main_checkout(repo)
    if not beside.is_dir() and main is not None:
        return main.parent / "shared" / "corpora"
    return beside


CORPORA = corpora_dir()
#: Why a corpus test is skipped.
ABSENT = f"the corpora are not present at {CORPORA} (set LOCKWISE_CORPORA)"
