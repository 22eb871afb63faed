"""Where the corpus tests look for ../shared/corpora: one lookup for all of them."""

from __future__ import annotations

from pathlib import Path

from corpus_paths import corpora_dir


def test_the_environment_variable_wins_and_is_made_absolute(tmp_path: Path,
                                                            monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = corpora_dir({"LOCKWISE_CORPORA": "some/corpora"}, tmp_path / "repo")
    assert found == tmp_path / "some" / "corpora"


def test_beside_the_checkout(tmp_path: Path) -> None:
    repo = tmp_path / "work" / "main"
    (repo / ".git").mkdir(parents=True)
    assert corpora_dir({}, repo) == tmp_path / "work" / "shared" / "corpora"


def test_a_worktree_outside_looks_beside_its_main_checkout(tmp_path: Path) -> None:
    """A `git worktree` in /tmp has no ../shared beside it: its main checkout has."""
    main = tmp_path / "work" / "main"
    (main / ".git" / "worktrees" / "b").mkdir(parents=True)
    (tmp_path / "work" / "shared" / "corpora").mkdir(parents=True)
    tree = tmp_path / "tmp" / "wt-b"
    tree.mkdir(parents=True)
    (tree / ".git").write_text(f"gitdir: {main / '.git' / 'worktrees' / 'b'}\n")
    assert corpora_dir({}, tree) == tmp_path / "work" / "shared" / "corpora"
