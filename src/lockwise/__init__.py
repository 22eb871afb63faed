"""lockwise: a static safety analyzer for database migrations."""

from lockwise.core.code_store import store_dataclass_methods

__version__ = "0.1.0"

# Before any module of lockwise defines a dataclass: their generated methods are compiled
# once, then read from the cache folder by later runs (see lockwise.core.code_store).
store_dataclass_methods()
