"""Pausing Python's cyclic garbage collector where lockwise builds many objects and no cycles.

A class rather than a `contextlib.contextmanager`: `import lockwise` pauses the collector for
its own imports, and contextlib (with collections and functools) is among them.
"""

from __future__ import annotations

import gc


class collector_paused:  # noqa: N801 - used as the function it was: `with collector_paused():`
    """Pause Python's cyclic garbage collector for a block that allocates many objects and
    makes no garbage cycles: its passes over them would find nothing. Objects without cycles
    are still freed at once by reference counting.

    Re-enabled as it is, the collector would at once scan every object allocated meanwhile;
    freeze() then unfreeze() moves them to the oldest generation unscanned instead: a later
    full collection still sees them, as it sees everything. Nested pauses are one pause.
    """

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc_info: object) -> None:
        if self._was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
