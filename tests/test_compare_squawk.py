"""scripts/compare_squawk.py compares squawk with what `lockwise lint DIR` lints: the same
migrations (docs/peer-comparison.md), not the schema dumps beside them."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_squawk.py"


def _script():
    spec = importlib.util.spec_from_file_location("compare_squawk", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_squawk(tmp_path: Path, warned: Path) -> Path:
    """A stand-in for squawk that warns prefer-bigint-over-int at `warned`'s `id int` (line
    0, 0-based as squawk's JSON is), for whichever files it is given that include it."""
    item = {"file": str(warned), "line": 0, "column": 20, "rule_name": "prefer-bigint-over-int"}
    fake = tmp_path / "squawk"
    fake.write_text(f"#!{sys.executable}\nimport sys\n"
                    f"print({json.dumps([item])!r} if {str(warned)!r} in sys.argv else '[]')\n")
    fake.chmod(0o755)
    return fake


def test_it_compares_the_migrations_lint_reads_not_the_dump_beside_them(tmp_path: Path) -> None:
    """temporal's layout: schema.sql (a dump) beside versioned/v1.0/...: `lockwise lint`
    reads the versioned migrations and skips the dump; so must the comparison (it read the
    dump alone, and its prefer-bigint rows moved where lockwise's counts did not)."""
    root = tmp_path / "temporal"
    (root / "versioned" / "v1.0").mkdir(parents=True)
    (root / "schema.sql").write_text("CREATE TABLE dumped (id int PRIMARY KEY);\n")
    migration = root / "versioned" / "v1.0" / "accounts.sql"
    migration.write_text("CREATE TABLE accounts (id int PRIMARY KEY);\n")
    counts = _script().compare(str(_fake_squawk(tmp_path, migration)), root, 0)
    assert dict(counts) == {("prefer-bigint-over-int", "both"): 1}
