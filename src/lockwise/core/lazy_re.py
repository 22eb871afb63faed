"""Regular expressions compiled where they are first used, not when their module is imported.

Compiling a pattern costs about 0.1 ms (`re`'s parser and compiler are Python), and the
modules of the lint path define about fifty of them, most for inputs a given run never has
(psql meta-commands, templates, directives, other tools' layouts). A `lockwise lint` of one
small file used eleven: compiling the rest at import was about 2% of its start. Those it uses
are not compiled by `re` either, once a run has: `re`'s compiler makes the same program of a
pattern every time (about 0.7 M instructions), and `code_store.PATTERNS` keeps it in the cache
folder (where the interpreter has `re`'s steps under the names it looks up; else `re.compile`).
"""

from __future__ import annotations

import re
from typing import cast

#: What lockwise calls on its patterns; after the first use each is a plain attribute of the
#: stand-in, the compiled pattern's own bound method (no indirection on the hot paths).
_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class _OnFirstUse:
    """Stands in for `re.compile(source, flags)` until an attribute of it is first asked for."""

    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> object:  # only for attributes not set yet
        if name.startswith("__"):  # copy, pickle and the like probe for these
            raise AttributeError(name)
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            from lockwise.core.code_store import PATTERNS

            compiled = PATTERNS.pattern(self._source, self._flags)
            self.__dict__["_compiled"] = compiled
            self.__dict__.update((method, getattr(compiled, method)) for method in _METHODS)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self._source!r}, {self._flags!r})"


def lazy_compile(source: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """`re.compile(source, flags)`, compiled when one of its methods or attributes is first
    used. Typed as the pattern it stands for: only attribute access is supported (not
    `isinstance(x, re.Pattern)`, nor passing it to `re.sub` and the like)."""
    return cast("re.Pattern[str]", _OnFirstUse(source, int(flags)))
