"""Code compiled from generated source, kept between runs in the cache folder.

Two kinds of source are generated and compiled anew by every run: the rule matchers
(`lockwise.rules.engine`), and the methods `dataclasses` writes for each dataclass as it is
defined (`__init__`, `__repr__`, `__eq__`, ...), which it compiles with `exec` from text.
lockwise's modules define about fifty dataclasses, so each process compiles about 190 such
methods at its start: 2.5% of each side of an uncached lint of the corpora, parsing and code
generation that give the same code every time. A `CodeStore` keeps code by a digest of its
source; reading it back from `marshal` takes microseconds. Equal source compiles to equal
code, so nothing stored can be stale; bytecode and marshal's format change with the
interpreter, which names the store. A store that cannot be read or written is compiled
around, as `lockwise.cache` skips any cache it cannot use.

What a store holds does not follow `lockwise.cache.FORMAT` (the shape of cached *results*):
it has its own, `_STORE_SHAPE`, in its file's name and checked on reading. Two lockwise
versions of another FORMAT sharing one cache folder (two installs, a worktree of an older
branch) then share each store, `keep` merging their entries, where with FORMAT each rejected
the other's file, compiled everything and overwrote it (fix-speed67: +177 M instructions a
`lint --no-cache` of one file, at every run of either).
"""

from __future__ import annotations

import marshal
import re
import sys
from collections.abc import Callable
from types import CodeType
from typing import Any, AnyStr

from lockwise.cache import blake2b, load_marshalled, store_marshalled

#: Bump when what a store holds changes shape: its key (`compiled`, `pattern`), the marshalled
#: value (code, a pattern's program) or the file's layout. Files of another shape are ignored
#: (their name differs); tests/test_code_store.py pins shape 1.
_STORE_SHAPE = 1


class CodeStore:
    """Code compiled from source, read from the cache folder at the first `compiled` and
    written back by `keep` when something new was compiled."""

    def __init__(self, name: str, limit: int) -> None:
        _STORES.append(self)
        # ("-m": in marshal's format, which stores of the pickled format's names do not hold)
        self.name = f"{name}-m{_STORE_SHAPE}-{sys.implementation.cache_tag}-{sys.hexversion:x}"
        #: More entries than this (rules edited again and again): the store starts afresh.
        self.limit = limit
        #: Marshalled code by a digest of its file name and source; None until read.
        self._by_source: dict[bytes, bytes] | None = None
        self._new = False

    def compiled(self, source: str, filename: str) -> CodeType:
        """`compile(source, filename, "exec")` as the generating module's own `exec` would
        compile it: with no `__future__` flags of this module's (`dont_inherit`)."""
        key = blake2b(f"{filename}\0{source}".encode(), digest_size=16).digest()
        code = self._stored(key)
        if isinstance(code, CodeType):
            return code
        code = compile(source, filename, "exec", dont_inherit=True)
        self._add(key, code)
        return code

    def pattern(self, source: AnyStr, flags: int) -> re.Pattern[AnyStr]:
        """`re.compile(source, flags)` (not `re`'s cache): the program `re`'s compiler (Python
        code, about 0.7 M instructions a pattern) makes of `source` is stored, and read back
        into `_sre.compile` as `re._compiler.compile` hands it over. Only where the running
        interpreter has those steps (`_RE_STEPS`); elsewhere, and for any program `_sre`
        refuses, `re.compile`. A program is stored only once it proved to make the pattern
        `re.compile` makes, and is read back only by the same interpreter (the store's name)."""
        if _RE_STEPS is None:
            return re.compile(source, flags)
        parse, code_of, make = _RE_STEPS
        key = blake2b(f"re\0{flags}\0{source!r}".encode(), digest_size=16).digest()
        program = self._stored(key)
        if isinstance(program, tuple):
            try:
                return make(source, *program)
            except Exception:  # noqa: BLE001, S110 - damaged or refused: compiled again below
                pass
        expected = re.compile(source, flags)
        try:  # re._compiler.compile's own steps
            parsed = parse(source, flags)
            state = parsed.state
            indexgroup: list[str | None] = [None] * state.groups
            for name, index in state.groupdict.items():
                indexgroup[index] = name
            # (its opcodes are named ints, which marshal does not take: the program as ints)
            code = [int(word) for word in code_of(parsed, flags)]
            program = (int(flags | state.flags), code, state.groups - 1, dict(state.groupdict),
                       tuple(indexgroup))
            made = make(source, *program)
        except Exception:  # noqa: BLE001 - steps of another shape than 3.11's: re's pattern
            return expected
        if made == expected and made.groupindex == expected.groupindex \
                and made.groups == expected.groups:  # (== compares source, flags and program)
            self._add(key, program)
            return made
        return expected

    def _stored(self, key: bytes) -> object:
        """What was stored under `key`, read back; None if nothing was (or it is damaged)."""
        if self._by_source is None:
            self._by_source = self._read()
        data = self._by_source.get(key)
        try:
            return None if data is None else marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None

    def _add(self, key: bytes, value: object) -> None:
        """Store `value` under `key`, for `keep` to write."""
        if self._by_source is None:
            self._by_source = self._read()
        if len(self._by_source) >= self.limit:
            self._by_source.clear()
        self._by_source[key] = marshal.dumps(value)
        self._new = True

    def keep(self) -> None:
        """Store what this process compiled, for the runs after it (nothing if it compiled
        nothing new). What another process kept meanwhile (lint's graph, in a forked child,
        defines dataclasses of its own) is kept with it."""
        if not self._new or self._by_source is None:
            return
        merged = self._read()
        merged.update(self._by_source)
        store_marshalled(self.name, merged if len(merged) <= self.limit else self._by_source,
                         keep=4, shape=_STORE_SHAPE)
        self._by_source = merged
        self._new = False

    def forget(self) -> None:
        """As in a new process: nothing read or compiled yet."""
        self._by_source, self._new = None, False

    def _read(self) -> dict[bytes, bytes]:
        found = load_marshalled(self.name, shape=_STORE_SHAPE)
        return found if isinstance(found, dict) else {}


def _re_steps() -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]] | None:
    """The three steps of `re._compiler.compile` that `CodeStore.pattern` takes apart (parse,
    code generation, `_sre.compile`), where this interpreter has all three under those names
    (CPython from 3.11; 3.10 names its modules `sre_parse` and `sre_compile`); else None, and
    patterns are compiled by `re.compile`. Private to CPython: looked up, never assumed."""
    try:
        import _sre
    except ImportError:
        return None
    steps = (getattr(getattr(re, "_parser", None), "parse", None),
             getattr(getattr(re, "_compiler", None), "_code", None),
             getattr(_sre, "compile", None))
    return steps if all(callable(step) for step in steps) else None  # type: ignore[return-value]


#: `_re_steps()` of the running interpreter.
_RE_STEPS = _re_steps()

#: Every store made, for `keep_compiled`.
_STORES: list[CodeStore] = []

#: The methods of every dataclass defined once `store_dataclass_methods` has run.
DATACLASS_METHODS = CodeStore("dataclasses", limit=5000)

#: The programs of lockwise's patterns (`lockwise.core.lazy_re`).
PATTERNS = CodeStore("patterns", limit=2000)


def store_dataclass_methods() -> None:
    """Compile the source `dataclasses` generates for lockwise's own classes through
    `DATACLASS_METHODS` from now on. `dataclasses` runs it with `exec(source, globals,
    namespace)`, the name looked up in its module before the builtins: that name is given
    `_exec_stored`. The classes of a program that imports lockwise are compiled as before,
    and nothing of theirs is stored."""
    import dataclasses

    dataclasses.exec = _exec_stored  # type: ignore[attr-defined]


def _exec_stored(source: object, globals: dict | None = None, locals: dict | None = None,
                 /) -> None:
    if globals is None:  # (dataclasses always passes them) exec's default: the caller's
        caller = sys._getframe(1)
        globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
    if isinstance(source, str):
        module = globals.get("__name__", "")  # (the class's module: dataclasses passes it)
        source = DATACLASS_METHODS.compiled(source, "<string>") \
            if module == "lockwise" or module.startswith("lockwise.") \
            else compile(source, "<string>", "exec", dont_inherit=True)
    exec(source, globals, locals)  # noqa: S102 - dataclasses' own generated methods


def keep_compiled() -> None:
    """Store the generated code this process compiled, in every store (`CodeStore.keep`)."""
    for code_store in _STORES:
        code_store.keep()
