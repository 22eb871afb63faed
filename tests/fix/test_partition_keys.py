"""A partitioned table's foreign key before PostgreSQL 18, added NOT VALID to each leaf
partition: what lint and fix say when the partitions are not known, and a leaf that already
has a constraint under the key's name."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from lockwise.cli.app import app
from test_alternatives import alternative

ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
#: A partitioned table whose partitions the migrations do not create (a partition manager
#: makes them): lockwise knows none.
NO_PARTITIONS = ORDERS + "CREATE TABLE lines (id bigint, order_id bigint, day date) " \
                         "PARTITION BY RANGE (day);\n"
KEY = "ALTER TABLE lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) " \
      "REFERENCES orders (id);"


def _fix_notes(tmp_path: Path, setup: str, change: str) -> str:
    root = tmp_path / "m"
    root.mkdir()
    (root / "0001_init.up.sql").write_text(setup)
    (root / "0002_key.up.sql").write_text(change + "\n")
    result = CliRunner().invoke(app, ["fix", str(root), "--pg-version", "17"])
    assert result.exit_code in (0, 1), result.output
    return result.stderr


def test_lint_and_fix_agree_when_no_partition_is_known(tmp_path: Path) -> None:
    """PostgreSQL 17 refuses NOT VALID on the partitioned table itself: lint must not offer
    it, but the steps fix would write, with a stand-in for the partitions, and fix's reason
    for leaving the statement as it is."""
    text = alternative(KEY, "add-foreign-key-validated", setup=NO_PARTITIONS, pg_version=17)
    code = [line for line in text.splitlines() if not line.startswith("--")]
    assert not any(line.startswith("ALTER TABLE lines ") and "NOT VALID" in line
                   for line in code), text
    assert code[-1] == KEY, text  # the table's key as written comes last
    assert any("NOT VALID" in line for line in code), text  # on each partition
    assert any("VALIDATE CONSTRAINT lines_order_fk" in line for line in code), text
    notes = _fix_notes(tmp_path, NO_PARTITIONS, KEY)
    reason = next(line for line in notes.splitlines() if "not rewritten: line 1:" in line)
    assert reason.split("not rewritten: line 1: ", 1)[1] in " ".join(
        line.removeprefix("-- ") for line in text.splitlines()), (reason, text)
