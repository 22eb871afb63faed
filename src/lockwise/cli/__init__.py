"""The command line: thin wrappers that read options, call the pipeline and print reports."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that allocates many objects and
    makes no garbage cycles: its passes over them would find nothing. Objects without cycles
    are still freed at once by reference counting.

    Re-enabled as it is, the collector would at once scan every object allocated meanwhile;
    freeze() then unfreeze() moves them to the oldest generation unscanned instead: a later
    full collection still sees them, as it sees everything. Nested pauses are one pause.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
