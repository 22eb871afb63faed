"""The contract step of an expand/contract type change makes the extended statistics on the
old column again on the new one. Statistics on expressions are new in PostgreSQL 14
(`CREATE STATISTICS ... ON (expr)`): the step reads from the server it runs on whether one
has them, so a target of 12 or 13 (`--pg-version`) neither rebuilds one without its
expressions nor fails on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app

TABLE = "CREATE TABLE t (id bigint PRIMARY KEY, email text, n int);\n"
#: Made outside the migrations (by hand, or by a tool): lockwise does not know them.
STATISTICS = ("CREATE STATISTICS t_mixed ON lower(email), n FROM t;\n"
              "CREATE STATISTICS t_plain ON id, n FROM t;\n")


@pytest.mark.postgres
@pytest.mark.parametrize("pg_version", [12, 13, 16])
def test_the_contract_step_keeps_statistics_on_expressions_whatever_the_target(
        pg_version: int, tmp_path: Path, pg_db: str) -> None:
    import psycopg

    (tmp_path / "1_a.sql").write_text(TABLE)
    (tmp_path / "2_b.sql").write_text("ALTER TABLE t ALTER COLUMN n TYPE bigint;\n")
    result = CliRunner().invoke(app, ["fix", str(tmp_path), "--write",
                                      "--pg-version", str(pg_version)])
    assert result.exit_code == 0, result.output
    with psycopg.connect(pg_db, autocommit=True) as conn:
        notices: list[str] = []
        conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
        conn.execute(TABLE + STATISTICS)
        conn.execute((tmp_path / "2_b.sql").read_text())  # the table is empty: no backfill
        conn.execute((tmp_path / "4_b_contract.sql").read_text())
        kept = conn.execute("SELECT stxname, pg_get_statisticsobjdef_expressions(oid) "
                            "FROM pg_statistic_ext ORDER BY 1").fetchall()
    # the one with an expression the migrations did not make goes with the old column, as
    # the NOTICE says; the plain one is made again on the new column
    assert kept == [("t_plain", None)], (kept, notices)
    assert any("t_mixed" in notice for notice in notices), notices
