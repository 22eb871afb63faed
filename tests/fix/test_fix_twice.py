"""`lockwise fix --write` run twice: the second run finds its own output safe (or declined for
the same reason as the first time) and writes nothing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lockwise.cli.app import app

INIT = ("CREATE TABLE f (id bigint NOT NULL);\n"
        "CREATE TABLE d (id bigint, folder_id int, u int UNIQUE, plain int);\n")


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _texts(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _fix_twice(root: Path) -> tuple[dict[str, str], str]:
    """The files after one `fix --write`, and the stderr of a second one, which must write
    nothing and exit 0 as `fix` does when there is nothing to rewrite."""
    runner = CliRunner()
    first = runner.invoke(app, ["fix", str(root), "--write"])
    assert first.exit_code == 0, first.output
    after_first = _texts(root)
    second = runner.invoke(app, ["fix", str(root), "--write"])
    assert second.exit_code == 0, second.output
    assert _texts(root) == after_first, second.stderr
    assert "wrote" not in second.stderr
    return after_first, second.stderr


def test_a_declined_type_change_beside_a_fixed_index_is_left_alone_the_second_time(
        tmp_path: Path) -> None:
    """The type change of a UNIQUE column is declined both times; the second run must not
    wrap the first run's step in a second header and SET LOCAL lock_timeout."""
    root = _write(tmp_path / "m", {
        "0001_init.up.sql": INIT,
        "0010_x.up.sql": "ALTER TABLE d ALTER COLUMN u TYPE bigint;\n"
                         "CREATE INDEX d_plain_idx ON d (plain);\n"})
    written, second = _fix_twice(root)
    assert written["0010_x.up.sql"].count("lock_timeout") == 1
    assert "CONCURRENTLY" in written["0011_x_concurrently.up.sql"]
    assert "u takes part in d_u_key" in second


def test_a_migration_whose_only_fix_is_declined_is_not_rewritten(tmp_path: Path) -> None:
    """Nothing to rewrite but a declined change: the file stays as written (no header), and
    fix still says why the change is left."""
    original = "SET LOCAL lock_timeout = '5s';\nALTER TABLE d ALTER COLUMN u TYPE bigint;\n"
    root = _write(tmp_path / "m", {"0001_init.up.sql": INIT, "0010_x.up.sql": original})
    result = CliRunner().invoke(app, ["fix", str(root), "--write"])
    assert result.exit_code == 0, result.output
    assert (root / "0010_x.up.sql").read_text() == original
    assert "wrote" not in result.stderr
    assert "u takes part in d_u_key" in result.stderr


def test_a_type_change_declined_for_a_later_statement_stays_declined_once_split(
        tmp_path: Path) -> None:
    """The first run declines expand/contract of folder_id because the foreign key over it
    comes later in the migration, and moves that foreign key into steps of its own (after the
    key it references). Those steps are still the same migration: the second run must decline
    too, not expand/contract folder_id with a contract step that sorts among the first run's
    steps (prisma names them after the original)."""
    root = _write(tmp_path / "m", {
        "migration_lock.toml": 'provider = "postgresql"\n',
        "20240101000000_init/migration.sql": INIT,
        "20240201000000_x/migration.sql":
            "ALTER TABLE d ALTER COLUMN folder_id TYPE bigint;\n"
            "ALTER TABLE f ADD CONSTRAINT f_pkey PRIMARY KEY (id);\n"
            "ALTER TABLE d ADD CONSTRAINT d_folder_fkey FOREIGN KEY (folder_id) "
            "REFERENCES f (id);\n"})
    written, second = _fix_twice(root)
    assert "20240201000000_x_2_follow_up/migration.sql" in written
    assert "folder_id_new" not in "".join(written.values())
    assert "a later statement of the migration changes the same column" in second
