"""A plain folder whose file names are versions of digits and a dash, some with a stage after a
dot (photoprism's `internal/entity/migrate/mysql`: `20241011-000001.pre.sql`,
`20241011-000003.sql`): a name of digits and separators only is read as a version whole, so
the three files of one day run in their number order. It was split at the dash (version
`20241011`, name `000003`), which sorted before `20241011-000001`."""

from __future__ import annotations

from pathlib import Path

from lockwise.discover import discover


def test_digit_and_dash_versions_keep_their_order(tmp_path: Path) -> None:
    for name in ("20241011-000003.sql", "20241011-000001.pre.sql", "20241011-000002.pre.sql",
                 "20240929-000002.sql", "20250117-000001.pre.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    order = [m.path.name for m in discover(tmp_path)]
    assert order == ["20240929-000002.sql", "20241011-000001.pre.sql",
                     "20241011-000002.pre.sql", "20241011-000003.sql",
                     "20250117-000001.pre.sql"]


def test_a_name_after_the_version_still_splits(tmp_path: Path) -> None:
    (tmp_path / "20241011-000003_add_users.sql").write_text("SELECT 1;\n")
    (tmp_path / "001_2fa.sql").write_text("SELECT 1;\n")
    names = {m.path.name: (m.version, m.name) for m in discover(tmp_path)}
    assert names["20241011-000003_add_users.sql"] == ("20241011-000003", "add_users")
    assert names["001_2fa.sql"] == ("001", "2fa")
