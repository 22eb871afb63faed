"""docs/rules/ must match the rule files: regenerate with `python scripts/gen_rule_docs.py`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("gen_rule_docs",
                                                  REPO / "scripts" / "gen_rule_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_rules_are_fresh() -> None:
    stale = _generator().stale(REPO / "docs" / "rules")
    assert stale == [], f"docs/rules is stale ({stale}): run python scripts/gen_rule_docs.py"


def test_stale_detects_edits_and_leftovers(tmp_path: Path) -> None:
    gen = _generator()
    gen.write(tmp_path)
    assert gen.stale(tmp_path) == []
    page = tmp_path / "drop-table.md"
    page.write_text(page.read_text() + "edited\n")
    (tmp_path / "removed-rule.md").write_text("# removed-rule\n")
    (tmp_path / "README.md").unlink()
    assert gen.stale(tmp_path) == ["README.md", "drop-table.md", "removed-rule.md"]
