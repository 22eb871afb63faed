"""Each migration in a session of its own, on one connection: what a run clears between them."""

from __future__ import annotations

from typing import Any

#: Back to the user that connected: RESET ALL leaves a SET ROLE or SET SESSION AUTHORIZATION
#: in force (objects of the next migration would belong to that role).
CONNECTED_USER = "SET SESSION AUTHORIZATION DEFAULT"


def reset_session(conn: Any) -> None:
    """Bring `conn` (psycopg) back to the connection's defaults, as a new session would start:
    a transaction left open rolled back, the connecting user, no SET left over (search_path,
    timeouts) and no temporary table. lint judges each migration so (a SET is not carried to
    the next one, `replay.end_session`): `lockwise apply` runs them so, and verify and trace,
    which check lint's judgement, too."""
    from psycopg.pq import TransactionStatus

    if conn.info.transaction_status != TransactionStatus.IDLE:
        conn.execute("ROLLBACK")
    conn.execute(CONNECTED_USER)
    conn.execute("RESET ALL")
    conn.execute("DISCARD TEMP")
