"""Helpers shared by the verify tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

#: A diesel history with two folders of one version: diesel runs the last by name (`_b`),
#: never `_a`, whose CREATE TABLE u would make `_b`'s fail (`never_run`).
DIESEL_ONE_VERSION_TWICE = {
    "2023-01-01-000000_setup/up.sql": "CREATE TABLE t (id int);\n",
    "2023-01-01-000000_setup/down.sql": "DROP TABLE t;\n",
    "2024-01-01-000000_a/up.sql": "CREATE TABLE u (id int);\n",
    "2024-01-01-000000_a/down.sql": "DROP TABLE u;\n",
    "2024-01-01-000000_b/up.sql": "CREATE TABLE u (id bigint);\n",
    "2024-01-01-000000_b/down.sql": "DROP TABLE u;\n",
}


def write_migrations(root: Path, migrations: list[tuple[str, str, str | None]]) -> Path:
    """golang-migrate files `N_name.up.sql` (+ `.down.sql` when given) under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for number, (name, up, down) in enumerate(migrations, start=1):
        (root / f"{number:04d}_{name}.up.sql").write_text(up)
        if down is not None:
            (root / f"{number:04d}_{name}.down.sql").write_text(down)
    return root
