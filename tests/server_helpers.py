"""What the test server does with a statement: the error it raises running it after a setup,
for tests that hold lockwise's verdict against the server's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg


def server_error(uri: str, setup: str | Sequence[str] | None, sql: str,
                 errors: tuple[type[Exception], ...] | None = None) -> psycopg.Error | None:
    """The error the server at `uri` raises running `sql` after `setup` (one script, or
    several run in turn; empty ones skipped); None when `sql` runs. Autocommit, as a migration
    runner would, so a statement refused inside a transaction block runs. Only `errors` (by
    default any server error) are caught: another error, or one from `setup`, fails the test."""
    import psycopg

    scripts = [setup] if isinstance(setup, str) else list(setup or ())
    caught = errors or (psycopg.Error,)
    with psycopg.connect(uri, autocommit=True) as conn:
        for script in scripts:
            if script:
                conn.execute(script)
        try:
            conn.execute(sql)
        except caught as exc:
            return exc
    return None


def refused_until_steps(uri: str, setup: str, refused: str, steps: str, sql: str,
                        reset: str = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
                        ) -> tuple[psycopg.Error | None, psycopg.Error | None]:
    """The errors (`server_error`) of `refused` after `setup`, and of `sql` after `reset`,
    `setup` and `steps` (what an advice runs first): a step an advice lacked shows as the
    first error and no second one."""
    return server_error(uri, setup, refused), server_error(uri, [reset, setup, steps], sql)


def server_message(uri: str, setup: str | Sequence[str] | None, sql: str,
                   errors: tuple[type[Exception], ...] | None = None) -> str:
    """The primary message of the error `server_error` finds ("" when `sql` runs): the text
    lockwise's refusal facts repeat."""
    exc = server_error(uri, setup, sql, errors)
    return (exc.diag.message_primary or "") if exc is not None else ""


def rows_after(uri: str, setup: str, query: str) -> list[tuple]:
    """The rows `query` returns on the server at `uri` after `setup` has run (autocommit):
    what the server made, for tests that hold the replay's catalog against it."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        return conn.execute(query).fetchall()


def server_refuses(uri: str, setup: str, sql: str, errors: tuple[type, ...]) -> bool:
    """Whether the server at `uri`, after `setup`, refuses `sql` with one of `errors`."""
    return server_error(uri, setup, sql, errors) is not None


def made_columns(uri: str, queries: Sequence[str]) -> list[list[tuple[str, str]] | None]:
    """The columns (name, format_type) of the table `CREATE TABLE t AS` each of `queries`
    makes on the server at `uri`, in order; None where the server refuses the query."""
    import psycopg

    seen: list[list[tuple[str, str]] | None] = []
    with psycopg.connect(uri, autocommit=True) as conn:
        for query in queries:
            try:
                conn.execute(f"CREATE TABLE t AS {query}")
            except psycopg.Error:
                seen.append(None)
                continue
            seen.append([(name, type_) for name, type_ in conn.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum")])
            conn.execute("DROP TABLE t")
    return seen


def rows_read(conn: psycopg.Connection, table: str) -> int:
    """The rows of `table` that `conn`'s open transaction has read so far, by sequential and
    index scans: the server's own count, for tests that ask whether a statement reads a table
    (a clock would; on a loaded machine it misleads)."""
    return conn.execute(
        "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) "
        "FROM pg_stat_xact_user_tables WHERE relname = %s", (table,)).fetchone()[0]


def locks_and_files(conn: psycopg.Connection, sql: str, table: str,
                    relations: Sequence[str]) -> tuple[set[str], bool]:
    """Run `sql` in a transaction of its own on autocommit `conn`: the lock modes it holds
    on `table` before the commit, and whether it gave any of `relations` a new file
    (relfilenode: a rewrite, or an index built again)."""
    files = "SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(%s) ORDER BY 1"
    was = conn.execute(files, (list(relations),)).fetchall()
    with conn.transaction():
        conn.execute(sql)
        modes = {row[0] for row in conn.execute(
            "SELECT mode FROM pg_locks WHERE relation = %s::regclass "
            "AND pid = pg_backend_pid()", (table,))}
    return modes, conn.execute(files, (list(relations),)).fetchall() != was


def cascade_notices(conn: psycopg.Connection, sql: str) -> list[str]:
    """What the server says `sql` (a DROP ... CASCADE) drops besides what it names: each line
    of its NOTICE "drop cascades to ...", without those words."""

    seen: list[str] = []

    def note(diag: psycopg.errors.Diagnostic) -> None:
        if (diag.message_primary or "").startswith("drop cascades to"):
            seen.extend(line.removeprefix("drop cascades to ") for line in (
                diag.message_detail or diag.message_primary or "").splitlines())

    conn.add_notice_handler(note)
    try:
        conn.execute(sql)
    finally:
        conn.remove_notice_handler(note)
    return seen
