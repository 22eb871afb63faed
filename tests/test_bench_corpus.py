"""The benchmark's generated corpus (bench/gen_corpus.py): what it writes, not how fast."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from gen_corpus import generate  # noqa: E402


def test_a_folder_holds_the_corpus_of_the_last_run_only(tmp_path: Path) -> None:
    """A run with fewer files, or after a generator change, left the earlier files in the
    folder: the benchmark then read both corpora as one."""
    first = generate(tmp_path, 40)
    stale = tmp_path / "00041_other_change.sql"
    stale.write_text("SELECT 1;\n")
    kept = tmp_path / "notes.sql"  # not a name the generator writes: never removed
    kept.write_text("SELECT 1;\n")
    second = generate(tmp_path, 30)
    assert second == first[:30]
    assert sorted(tmp_path.iterdir()) == sorted([*second, kept])
    assert [p.read_text() for p in second] == [p.read_text() for p in generate(tmp_path, 30)]
