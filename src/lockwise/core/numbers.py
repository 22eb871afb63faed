"""Numbers read from files and flags: JSON and TOML accept NaN, Infinity and 1e400 (which
Python reads as infinity), and these would go on to crash int() or print `nan` in reports."""

from __future__ import annotations

import math

#: Most seconds a lock budget may name: a year.
MAX_SECONDS = 365 * 24 * 3600.0
#: The largest lock_timeout or statement_timeout PostgreSQL takes: an int of milliseconds.
MAX_TIMEOUT_MS = 2**31 - 1


def number_in(value: object, low: float, high: float, *, above_low: bool = False
              ) -> float | None:
    """`value` as a float when it is a number (a bool is none), finite and within
    [low, high] (above low when `above_low`); None otherwise, for the caller to report."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range
        return None
    if not math.isfinite(number) or not low <= number <= high or (above_low and number == low):
        return None
    return number
