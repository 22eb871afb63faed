"""The client_encoding a statement runs in, after psql's `\\encoding X`.

psql runs `\\encoding X` as `SET client_encoding`: the statements after it run in a session
whose client_encoding is X (what `current_setting('client_encoding')` says, and what a
`COPY ... FROM` a server file without ENCODING reads it in). lockwise reads the file's bytes
after it as X (parse/psql_encoding.py) and sends each such statement with the session set to
X (psycopg encodes the text in X, the server converts it back: the same characters), then
sets it back to UTF8 for its own queries (the history rows). SQL_ASCII is left as UTF8: the
server takes SQL_ASCII bytes unconverted, which for the UTF-8 the file was read as are the
bytes psycopg sends in UTF8, and psycopg could not encode them as SQL_ASCII (ASCII only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

#: The session's own encoding (runner.connect's): nothing to set.
_SESSION = frozenset({"UTF8", "SQL_ASCII"})


def client_encodings(parsed: Any, runs: Iterable[int] = ()) -> Callable[[int], str | None]:
    """For the parse of a migration, the client_encoding of the statement starting at an
    offset: the last `\\encoding` before it that names an encoding (None: the session's).
    `runs`: the offsets where a psql run of its own starts (each file of a version folder,
    psql -f a.sql then psql -f b.sql), in the session's encoding again."""
    from lockwise.parse.psql_encoding import server_name

    changes: list[tuple[int, str | None]] = [(start, None) for start in runs]
    for skipped in parsed.skipped:
        words = skipped.text[1:].split()
        if skipped.kind == "psql-meta" and len(words) > 1 and words[0] == "encoding":
            name = server_name(words[1])
            if name is not None:  # (a psql variable: the encoding before)
                changes.append((skipped.span.start_offset, None if name in _SESSION else name))

    changes.sort(key=itemgetter(0))

    def at(offset: int) -> str | None:
        # (a statement starts after its `\\encoding`, and may start where its run does)
        return next((name for start, name in reversed(changes) if start <= offset), None)

    return at


@contextmanager
def running_in(work: Any, encoding: str | None) -> Iterator[None]:
    """Run a statement on `work` with its client_encoding `encoding` (None: as it is), then
    set it back to UTF8; in a transaction its failure aborted, the rollback does."""
    if encoding is None:
        yield
        return
    from psycopg.pq import TransactionStatus

    work.execute("SELECT set_config('client_encoding', %s, false)", (encoding,))
    try:
        yield
    finally:
        if work.info.transaction_status != TransactionStatus.INERROR:
            work.execute("SELECT set_config('client_encoding', 'UTF8', false)")
