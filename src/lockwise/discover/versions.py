"""Ordering of migration versions: numbers compare as numbers, everything else as text."""

from __future__ import annotations

import re

_PART = re.compile(r"\d+|[^\d._\-]+")


def version_key(version: str) -> tuple:
    """A sort key where `2` < `10`, `1.2` < `1.10` and `2019-02-26-1` < `2019-03-01-1`."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in
                 _PART.findall(version))
