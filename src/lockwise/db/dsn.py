"""Connection strings: where they come from, and how to show them without their password.

Every piece of text lockwise prints that may contain a DSN (the DSN itself, a driver error, a
log line) goes through `redact`, so a password never reaches a terminal or a CI log.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

MASK = "****"

#: Seconds a connection to the user's server may take, handshake included: an unreachable
#: host, or a server that accepts and never answers, is an error, not a wait without end.
CONNECT_TIMEOUT = 10

_URI = re.compile(r"postgres(?:ql)?://[^\s'\"]*", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)[^&#\s]*")
_KV_PASSWORD = re.compile(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'][^\s]*)")
#: Passwords shorter than this are only masked where their position is known: replacing
#: every occurrence of a one-letter password would garble the message without hiding much.
_MIN_LITERAL = 4


def _mask_uri(uri: str) -> str:
    """`postgresql://user:secret@host/db?password=x` -> `postgresql://user:****@host/db?...`."""
    scheme_end = uri.index("://") + 3
    rest = uri[scheme_end:]
    at = rest.rfind("@")
    if at != -1:
        # The authority ends at the first '/' or '?' after the last '@' (a password may hold '/'
        # only percent-encoded, but be forgiving and look past the last '@').
        userinfo = rest[:at]
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            rest = f"{user}:{MASK}{rest[at:]}"
    return uri[:scheme_end] + _QUERY_PASSWORD.sub(rf"\g<1>{MASK}", rest)


def mask_dsn(dsn: str) -> str:
    """The DSN with its password (URI userinfo, `?password=` or `password=...`) masked."""
    if _URI.fullmatch(dsn.strip()):
        return _mask_uri(dsn.strip())
    return _KV_PASSWORD.sub(rf"\g<1>{MASK}", dsn)


def _passwords(dsn: str | None) -> list[str]:
    """The literal passwords a DSN carries (as written and percent-decoded)."""
    if not dsn:
        return []
    found: set[str] = set()
    try:
        from psycopg.conninfo import conninfo_to_dict

        value = conninfo_to_dict(dsn).get("password")
        if value:
            found.add(str(value))
    except Exception:  # noqa: BLE001 - an unparsable DSN still gets the structural masking
        pass
    match = _URI.search(dsn)
    if match:
        rest = match.group(0).split("://", 1)[1]
        at = rest.rfind("@")
        if at != -1 and ":" in rest[:at]:
            raw = rest[:at].split(":", 1)[1]
            found.update({raw, unquote(raw)})
    for m in _QUERY_PASSWORD.finditer(dsn):
        raw = dsn[m.end(1):m.end()]
        found.update({raw, unquote(raw)})
    for m in _KV_PASSWORD.finditer(dsn):
        found.add(m.group(2).strip("'"))
    return sorted((p for p in found if p), key=len, reverse=True)


def redact(text: str, dsn: str | None = None) -> str:
    """`text` with every DSN in it masked, and the password of `dsn` removed wherever it is."""
    text = _URI.sub(lambda m: _mask_uri(m.group(0)), text)
    text = _KV_PASSWORD.sub(rf"\g<1>{MASK}", text)
    for password in _passwords(dsn):
        if len(password) >= _MIN_LITERAL and password != MASK:
            text = text.replace(password, MASK)
    return text


def resolve_dsn(dsn: str | None) -> str | None:
    """The DSN given on the command line, else `DATABASE_URL`; None when neither is set."""
    if dsn:
        return dsn
    env = os.environ.get("DATABASE_URL", "").strip()
    return env or None
