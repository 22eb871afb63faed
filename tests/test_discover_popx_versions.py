"""An Ory popx folder whose files are named for no database, mixing 14-digit versions with
popx's 20-digit ones (Kratos and Hydra: `20191100000001000000_identities.up.sql` beside
`20210410175418_add_flow.up.sql`). Every popx compares versions as text (Migrations.Less,
compareMigration: Go's string `<` / strings.Compare), and a 20-digit version is past an
unsigned 64-bit integer, so golang-migrate (whose names these look like) skips those files.
The folder was read as golang-migrate's: the 20-digit migrations were left out and only the
14-digit ones linted (fix-layouts27)."""

from __future__ import annotations

from pathlib import Path

from lockwise.discover import discover
from lockwise.discover.layouts import detect_layout
from tree_helpers import write

TREE = {
    "20191100000001000000_identities.up.sql": "CREATE TABLE identities (id uuid);\n",
    "20191100000001000000_identities.down.sql": "DROP TABLE identities;\n",
    "20200519101057000000_add_a.up.sql": "ALTER TABLE identities ADD COLUMN a int;\n",
    "20210410175418_add_b.up.sql": "ALTER TABLE identities ADD COLUMN b int;\n",
    "20210410175418000001_add_c.up.sql": "ALTER TABLE identities ADD COLUMN c int;\n",
    "20220301102701_add_d.up.sql": "ALTER TABLE identities ADD COLUMN d int;\n",
}


def test_twenty_digit_versions_make_the_folder_popx(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    assert detect_layout(tmp_path) == "pop"


def test_mixed_widths_run_in_text_order_as_popx_runs_them(tmp_path: Path) -> None:
    """As text: `20210410175418` before `20210410175418000001` (a prefix first) and after
    `20200519101057000000`; as numbers every 14-digit version would run first."""
    write(tmp_path, TREE)
    migrations = discover(tmp_path)
    assert [m.version for m in migrations] == [
        "20191100000001000000", "20200519101057000000", "20210410175418",
        "20210410175418000001", "20220301102701"]
    assert migrations[0].down_path is not None and migrations[0].down_path.name == \
        "20191100000001000000_identities.down.sql"


def test_autocommit_names_make_the_folder_popx(tmp_path: Path) -> None:
    """`.autocommit` is popx's own: run without a transaction."""
    write(tmp_path, {"1_a.up.sql": "CREATE TABLE a (id int);\n",
                     "2_b.autocommit.up.sql": "CREATE INDEX CONCURRENTLY a_id ON a (id);\n"})
    assert detect_layout(tmp_path) == "pop"
    assert [(m.version, m.no_transaction) for m in discover(tmp_path)] == [
        ("1", False), ("2", True)]


def test_golang_migrate_versions_stay_golang_migrate(tmp_path: Path) -> None:
    """14-digit versions alone say nothing of popx."""
    write(tmp_path, {"20210410175418_add_b.up.sql": "SELECT 1;\n",
                     "20220301102701_add_d.up.sql": "SELECT 1;\n"})
    assert detect_layout(tmp_path) == "golang-migrate"
