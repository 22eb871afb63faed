"""pglast's `parser` (its scanner and JSON parse) for lint, loaded without executing
`pglast.ast` and `pglast.enums` until something reads them.

Importing pglast executes both: its package imports `enums`, and its parser module imports
`ast` and `enums` for `parse_sql`, which builds pglast's node objects. Lint parses to JSON
and reads its own dicts; the node objects, the enums and the printer serve the few
statements whose safe alternative pglast prints (`fix.patterns`, `effects.nodes`). Executing
the two modules (about 900 classes, `decimal` besides) was a fifth of a cold one-file
`lint --no-cache`, and was paid again by the conflict graph's forked child.

`import_pglast` creates the package with both submodules in place but not executed: each
runs its code at the first read of a name it does not have yet, so `from pglast import ast;
ast.AlterTableStmt` or `from pglast.enums import ObjectType` executes it then, once, in
place (importlib's LazyLoader does not fit: reading `__path__` to import a submodule would
execute the package, whose own import of that submodule then made two copies of it). When
pglast is already imported, or is not laid out as this expects, it is imported as usual.

A module on the per-statement path binds it at its first use (`core.deferred.bound_on_use`,
`_libpg = bound_on_use(globals(), "_libpg", "lockwise.parse.libpg")`) and reads
`_libpg.parser`: an import statement in a function runs at each call, about 4,000
instructions for `from lockwise.parse import libpg` (a look-up in `sys.modules`), about
8,000 for `from lockwise.parse.libpg import parser` (the import system looks for the
module's `__path__` each time and drops the AttributeError).
"""

from __future__ import annotations

import sys

from lockwise.core.deferred import deferred_module, execute

#: pglast's submodules made lazy, with their file under pglast's folder (None: a module, else
#: a package's folder).
_LAZY = (("enums", "enums"), ("ast", None))


def import_pglast() -> None:
    """Import pglast, its `ast` and `enums` lazily when it is not imported yet."""
    if "pglast" in sys.modules:
        return
    import importlib.util
    import os

    spec = importlib.util.find_spec("pglast")
    if spec is None or spec.origin is None or spec.loader is None:
        return
    root = os.path.dirname(spec.origin)
    package = importlib.util.module_from_spec(spec)
    try:
        for name, folder in _LAZY:
            where = os.path.join(root, folder) if folder else None
            path = os.path.join(where, "__init__.py") if where else os.path.join(root, f"{name}.py")
            sub = importlib.util.spec_from_file_location(
                f"pglast.{name}", path, submodule_search_locations=[where] if where else None)
            if sub is None or sub.loader is None or not os.path.isfile(path):
                raise ImportError(path)
            module = deferred_module(sub)
            sys.modules[sub.name] = module
            setattr(package, name, module)
        sys.modules["pglast"] = package
        execute(spec, package)
    except Exception:  # noqa: BLE001 - an unexpected layout: pglast imported as usual below
        for name in [m for m in sys.modules if m == "pglast" or m.startswith("pglast.")]:
            del sys.modules[name]


import_pglast()

from pglast import parser  # noqa: E402

__all__ = ["parser"]
