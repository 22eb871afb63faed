"""The PostgreSQL major versions the effect model knows, in a module of its own: the command
line checks `--pg-version` against them before (and often without) loading the effect model."""

from __future__ import annotations

DEFAULT_PG_VERSION = 16
SUPPORTED_PG_VERSIONS = range(11, 19)
