"""Modules bound in `sys.modules` whose code runs at the first read of a name they lack.

Two uses: pglast's `ast` and `enums` (`lockwise.parse.libpg`), and standard-library modules
that typer imports at its own import for commands and features lint never reaches
(`defer`). importlib's LazyLoader does not fit either: in Python 3.11 every later `import`
of a module already in `sys.modules` reads its `__spec__`, which executes a lazy module
there and then.

Besides, modules a module of lockwise imports at their first use (`bound_on_use`): an import
statement in a function runs at each call.
"""

from __future__ import annotations

import _thread
import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from importlib.machinery import ModuleSpec

#: Held while a deferred module's code runs: a thread reading a name of it meanwhile waits for
#: the whole module, as an import would.
_LOCK = _thread.RLock()
#: The deferred modules whose code is running (in the thread holding `_LOCK`).
_RUNNING: set[str] = set()


class Deferred(ModuleType):
    """A module whose code runs at the first read of a name it lacks (its `__spec__`,
    `__path__` and the submodules imported meanwhile are there from the start)."""

    def __getattr__(self, name: str) -> object:
        with _LOCK:
            if type(self) is Deferred:
                if self.__name__ in _RUNNING:  # read by its own imports: as a partial module
                    raise AttributeError(f"partially initialized module {self.__name__!r} "
                                         f"has no attribute {name!r}")
                _RUNNING.add(self.__name__)
                try:
                    execute(self.__spec__, self)  # type: ignore[arg-type]
                finally:
                    _RUNNING.discard(self.__name__)
                self.__class__ = ModuleType  # from now on a missing name is missing, as usual
        return getattr(self, name)


def execute(spec: ModuleSpec, module: ModuleType) -> None:
    """Run `module`'s code as the import system does, `spec._initializing` set meanwhile: each
    import of a module already in `sys.modules` reads that attribute (to wait for a module
    another thread is executing), and a spec without it makes every such import, e.g.
    `from . import enums` in each assignment to a pglast node's field, format an
    AttributeError and drop it."""
    spec._initializing = True  # type: ignore[attr-defined]
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        spec._initializing = False  # type: ignore[attr-defined]


def deferred_module(spec: ModuleSpec) -> ModuleType:
    """A module of `spec`, not executed: its code runs at the first read of a name it lacks."""
    from importlib.util import module_from_spec

    spec._initializing = False  # type: ignore[attr-defined]  # see `execute`
    module = module_from_spec(spec)
    module.__class__ = Deferred
    return module


def defer(modules: Mapping[str, tuple[str, ...]]) -> None:
    """Bind each top-level module or package of `modules` not imported yet, unexecuted, so
    that an `import name` finds it and only a read of one of its names runs its code (a
    package's `__path__` is set: its submodules import without it). Each comes with the
    modules it cannot be imported without (an extension a Python may be built without):
    when one is missing, or the module itself is, it is left to `import` as usual, its
    ImportError raised where the importer expects it (`try: import bz2`)."""
    from importlib.util import find_spec

    for name, needs in modules.items():
        if name in sys.modules:
            continue
        spec = find_spec(name)
        if spec is None or spec.loader is None or any(find_spec(n) is None for n in needs):
            continue
        sys.modules[name] = deferred_module(spec)


class _OnUse(ModuleType):
    """A stand-in for a module not imported yet (`bound_on_use`)."""

    def __init__(self, namespace: dict[str, object], binding: str, name: str) -> None:
        super().__init__(name)
        self.__namespace, self.__binding = namespace, binding

    def __getattr__(self, attr: str) -> object:
        from importlib import import_module

        module = import_module(self.__name__)
        self.__namespace[self.__binding] = module
        return getattr(module, attr)


def bound_on_use(namespace: dict[str, object], binding: str, name: str) -> ModuleType:
    """A stand-in for module `name`, bound to `binding` in `namespace` (the importing module's
    `globals()`): the first read of a name of it imports the module and binds the module
    itself there in its place. For a module that a function on the per-statement path uses
    and that a lone file's lint may never need (or that imports the importing module): an
    import statement in the function runs at each call, a look-up in `sys.modules` of
    about 3,000 instructions, nearly 8,000 for `from m import f` of a module that is no
    package (the import system looks for its `__path__` and drops the AttributeError)."""
    stand_in = _OnUse(namespace, binding, name)
    namespace[binding] = stand_in
    return stand_in
