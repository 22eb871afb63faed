"""Helpers for the executor tests: run the CLI in a subprocess, write migration directories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def lockwise(dsn: str | None, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m lockwise ARGS --dsn DSN`, captured."""
    cmd = [sys.executable, "-m", "lockwise", *args]
    if dsn is not None:
        cmd += ["--dsn", dsn]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def popen(dsn: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lockwise", *args, "--dsn", dsn],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def write(directory: Path, files: dict[str, str]) -> Path:
    """Write golang-migrate files (`001_x.up.sql`, `001_x.down.sql`) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def query(dsn: str, sql: str, params: tuple | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []


def history(dsn: str, table: str = "lockwise.schema_history") -> list[dict]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def wait_until_seen(dsn: str, sql: str, params: tuple, proc: subprocess.Popen,
                    what: str) -> None:
    """Block until `sql` (a count) finds something, or fail once the runner `proc` ended or
    two minutes passed: `what` says what never showed up."""
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if query(dsn, sql, params)[0][0]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} never showed up; runner output: {proc.communicate()}")


def wait_for_query(dsn: str, pattern: str, proc: subprocess.Popen) -> None:
    """Block until a backend runs a query matching `pattern`."""
    wait_until_seen(dsn, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s "
                         "AND pid <> pg_backend_pid()", (pattern,), proc,
                    f"a query like {pattern!r}")


def relation_exists(dsn: str, name: str) -> bool:
    return query(dsn, "SELECT to_regclass(%s) IS NOT NULL", (name,))[0][0]


def schema_snapshot(dsn: str) -> list[tuple]:
    """Tables, columns and indexes of the public schema: enough to compare two schemas."""
    columns = query(dsn, "SELECT table_name, column_name, data_type, is_nullable FROM "
                         "information_schema.columns WHERE table_schema = 'public' "
                         "ORDER BY 1, 2")
    indexes = query(dsn, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                         "'public' ORDER BY 1")
    return columns + indexes
