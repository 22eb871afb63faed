"""lockwise: a static safety analyzer for database migrations."""

from lockwise.core.collector import collector_paused

__version__ = "0.1.0"

# What the package imports (the code store with typing, dataclasses with inspect and ast) lives
# as long as the process and makes no garbage: the collector's passes over it were 1.3% of a
# one-file `lockwise lint`.
with collector_paused():
    from lockwise.core.deferred import defer

    # Imported by `inspect` (dataclasses and typer import it) for reading source files (for
    # tracebacks, `getsource`), and by `pathlib` for Windows paths (`ntpath`, which tries five
    # imports of Windows' `nt` on the way) and glob patterns, none of which a lint does: bound
    # unexecuted, each runs at its first use (1.7% of a one-file `lockwise lint`).
    defer({"fnmatch": (), "linecache": (), "ntpath": (), "token": (), "tokenize": ()})
    from lockwise.core.code_store import store_dataclass_methods

    # Before any module of lockwise defines a dataclass: their generated methods are compiled
    # once, then read from the cache folder by later runs (see lockwise.core.code_store).
    store_dataclass_methods()
