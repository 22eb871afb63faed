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
    # photoprism's stages (fix-layouts27): every `.pre` file first, then the others
    assert order == ["20241011-000001.pre.sql", "20241011-000002.pre.sql",
                     "20250117-000001.pre.sql", "20240929-000002.sql", "20241011-000003.sql"]


def test_a_name_after_the_version_still_splits(tmp_path: Path) -> None:
    (tmp_path / "20241011-000003_add_users.sql").write_text("SELECT 1;\n")
    (tmp_path / "001_2fa.sql").write_text("SELECT 1;\n")
    names = {m.path.name: (m.version, m.name) for m in discover(tmp_path)}
    assert names["20241011-000003_add_users.sql"] == ("20241011-000003", "add_users")
    assert names["001_2fa.sql"] == ("001", "2fa")


def test_photoprism_stages_run_pre_then_main_then_post(tmp_path: Path) -> None:
    """photoprism runs its `pre` stage before gorm's AutoMigrate, the files without a stage
    after it, then `post` (internal/entity/migrate/README.md, "When Migrations Run"): a
    `.pre` file of 2026 runs before a main file of 2021, a `.post` of 2025 after a main of
    2026."""
    for name in ("20211121-094727.sql", "20250819-000001.post.sql", "20260615-000001.sql",
                 "20260305-000001.pre.sql", "20240709-000001.pre.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    migrations = discover(tmp_path)
    assert [m.path.name for m in migrations] == [
        "20240709-000001.pre.sql", "20260305-000001.pre.sql", "20211121-094727.sql",
        "20260615-000001.sql", "20250819-000001.post.sql"]
    assert {m.layout for m in migrations} == {"plain"}


def test_a_stage_word_without_photoprism_ids_keeps_name_order(tmp_path: Path) -> None:
    """Only photoprism's IDs (`YYYYMMDD-NNNNNN`) mark its stages: another folder whose file
    happens to end in `.pre.sql` keeps the name order."""
    for name in ("001_a.sql", "002_setup.pre.sql", "003_c.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    assert [m.path.name for m in discover(tmp_path)] == [
        "001_a.sql", "002_setup.pre.sql", "003_c.sql"]
