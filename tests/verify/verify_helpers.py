"""Helpers shared by the verify tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def write_migrations(root: Path, migrations: list[tuple[str, str, str | None]]) -> Path:
    """golang-migrate files `N_name.up.sql` (+ `.down.sql` when given) under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for number, (name, up, down) in enumerate(migrations, start=1):
        (root / f"{number:04d}_{name}.up.sql").write_text(up)
        if down is not None:
            (root / f"{number:04d}_{name}.down.sql").write_text(down)
    return root
