"""The methods `dataclasses` generates are compiled by the first run and read back by the
runs after it (lockwise.core.code_store): the same methods, without parsing their source."""

from __future__ import annotations

import builtins
import dataclasses
import importlib.util
import marshal
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

#: Runs `lockwise lint` as the command line does, and prints how many methods of dataclasses
#: were compiled from their source (given to `exec` or `compile` as text), then the exit
#: status.
COUNTING_RUN = """
import builtins, os, sys
texts = [0]

def counting(real):
    def call(source, *args, **kwargs):
        if isinstance(source, str) and source.startswith("def __create_fn__("):
            texts[0] += 1
        return real(source, *args, **kwargs)
    return call

builtins.exec, builtins.compile = counting(builtins.exec), counting(builtins.compile)
_exit = os._exit
os._exit = lambda code: (print(texts[0], code), sys.stdout.flush(), _exit(code))
sys.argv = ["lockwise", *sys.argv[1:]]
from lockwise.cli.app import run
run()
"""


def _texts_executed(tmp_path: Path, *args: str, before: str = "") -> int:
    """`before`: Python run first (after `import lockwise`, before the command)."""
    env = {**os.environ, "LOCKWISE_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", before + COUNTING_RUN, *args], cwd=tmp_path,
                         env=env, check=False, capture_output=True, text=True)
    last = out.stdout.strip().splitlines()[-1].split()
    assert last[1] in ("0", "1"), out.stderr
    return int(last[0])


def test_a_second_run_compiles_no_dataclass_methods(tmp_path: Path) -> None:
    args = ("lint", "--no-cache", "-f", "json", str(FIXTURES / "migrations"))
    assert _texts_executed(tmp_path, *args) > 50  # the first run compiles them
    assert _texts_executed(tmp_path, *args) == 0


def test_a_version_of_another_cache_format_reads_the_stored_methods(tmp_path: Path) -> None:
    # Two lockwise versions whose results differ in shape (cache.FORMAT) share one cache
    # folder: the code stores do not follow FORMAT, so the other version compiles nothing
    # (fix-speed67: it rejected the file, compiled ~110 methods and overwrote it, every run).
    args = ("lint", "--no-cache", "-f", "json", str(FIXTURES / "migrations"))
    assert _texts_executed(tmp_path, *args) > 50
    other_format = "import lockwise.cache\nlockwise.cache.FORMAT += 1\n"
    assert _texts_executed(tmp_path, *args, before=other_format) == 0
    assert _texts_executed(tmp_path, *args) == 0  # and the first version still finds them


def test_versions_of_two_cache_formats_share_one_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each version adds what it compiled to the one file: neither evicts the other's entries.
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    from lockwise import cache
    from lockwise.core import code_store

    compiled: list[str] = []
    monkeypatch.setattr(code_store, "compile", lambda *a, **k: compiled.append(a[0])
                        or compile(*a, **k), raising=False)
    store = code_store.CodeStore("test-shared", limit=10)
    pattern = PATTERNS[2]

    def run(format_: int, *sources: str) -> list[str]:
        """One process of a version of `format_`: compile `sources` and `pattern`, keep."""
        monkeypatch.setattr(cache, "FORMAT", format_)
        store.forget()
        compiled.clear()
        for source in sources:
            namespace: dict[str, object] = {}
            exec(store.compiled(source, "<string>"), namespace)  # noqa: S102
            assert namespace["x"] == 1
        assert store.pattern(*pattern) == re.compile(*pattern)
        new = store._new
        store.keep()
        return compiled.copy() if new else []

    assert run(5, "x = 1\n") == ["x = 1\n"]
    assert run(6, "x = 1\n", "y = x = 1\n") == ["y = x = 1\n"]  # the first is read back
    assert run(5, "x = 1\n", "y = x = 1\n") == []  # the second version's entry is kept
    assert len(list(tmp_path.iterdir())) == 1


def test_what_a_store_holds_is_of_the_shape_its_constant_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every version of one interpreter reads the same store, whatever its cache.FORMAT: a
    # change of what it holds (its keys, values or file) must bump `_STORE_SHAPE`, or one
    # version would read another's entries as its own. Shape 1, pinned: a change here means
    # bumping the constant and pinning the new shape.
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    from lockwise.core import code_store

    assert code_store._STORE_SHAPE == 1
    store = code_store.CodeStore("test-shape", limit=10)
    store.compiled("x = 1\n", "<string>")
    store.pattern(r"(?P<word>\w+)-\d", int(re.IGNORECASE))
    store.keep()
    (path,) = tmp_path.iterdir()
    assert path.name == f"test-shape-m1-{sys.implementation.cache_tag}-{sys.hexversion:x}"
    shape, entries = marshal.loads(path.read_bytes())
    assert shape == 1
    # Keys: blake2b-128 of "<string>\0x = 1\n" and of "re\0" "2\0" + the pattern's repr.
    assert {key.hex(): type(marshal.loads(value)).__name__ for key, value in entries.items()
            } == {"b5e372593b2cbb256115e37ec4dc2d03": "code",
                  "11b439ae9d0fcf9a66f71c67d657ab59": "tuple"}
    by_type = {type(marshal.loads(value)): marshal.loads(value) for value in entries.values()}
    assert by_type[types.CodeType] == compile("x = 1\n", "<string>", "exec", dont_inherit=True)
    flags, program, groups, groupdict, indexgroup = by_type[tuple]
    assert (flags, groups, groupdict, indexgroup) == (
        re.IGNORECASE | re.UNICODE, 1, {"word": 1}, (None, "word"))
    assert program and all(type(word) is int for word in program)


def _point_class(module: str = "lockwise.points") -> type:
    # Annotations evaluated as the class is defined: no `from __future__` in the generated
    # methods either, whatever the module that compiles them declares. The class's module
    # must be imported: dataclasses hands its namespace to the generated methods.
    namespace = sys.modules[module].__dict__
    source = ("from dataclasses import dataclass, field\n"
              "@dataclass(frozen=True, slots=True)\n"
              "class Point:\n"
              "    x: int\n"
              "    y: int = 0\n"
              "    tags: list = field(default_factory=list, compare=False)\n")
    builtins.exec(compile(source, "<point>", "exec", dont_inherit=True), namespace)
    return namespace.pop("Point")


def test_stored_methods_are_the_ones_dataclasses_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    from lockwise.core.code_store import DATACLASS_METHODS

    for module in ("lockwise.points", "elsewhere.points"):
        monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    monkeypatch.setattr(DATACLASS_METHODS, "_by_source", None)
    monkeypatch.setattr(DATACLASS_METHODS, "_new", False)
    stored = _point_class()
    DATACLASS_METHODS.keep()
    DATACLASS_METHODS.forget()
    read_back = _point_class()  # from the store written just now
    # Another program's class is compiled as dataclasses compiles it, and not stored.
    DATACLASS_METHODS._by_source, DATACLASS_METHODS._new = {}, False
    elsewhere = _point_class("elsewhere.points")
    assert (DATACLASS_METHODS._by_source, DATACLASS_METHODS._new) == ({}, False)
    with monkeypatch.context() as plain:
        plain.setattr(dataclasses, "exec", builtins.exec, raising=False)
        written = _point_class()
    for cls in (stored, read_back, elsewhere):
        for method in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__"):
            assert getattr(cls, method).__code__ == getattr(written, method).__code__, method
        assert cls.__init__.__annotations__ == {"x": int, "y": int, "tags": list,
                                                "return": None}
        point = cls(1, tags=["a"])
        assert (repr(point), point == cls(1), hash(point) == hash(cls(1, 0))) == (
            "Point(x=1, y=0, tags=['a'])", True, True)
        with pytest.raises(dataclasses.FrozenInstanceError):
            point.x = 2  # type: ignore[misc]


#: Patterns of the kinds lockwise's modules hold: flags, named and empty groups, lookarounds,
#: classes, a verbose one with comments.
PATTERNS = [(r"^(\d[\d._\-]*\d|\d)[_\-.]+(?=\D)(.*)$", 0), (r"(?:^|_)id$", re.IGNORECASE),
            (r"^\s*--\s*migrate:(?P<way>up|down)(?=\s|$)([^\n]*)$", re.MULTILINE),
            (r"([0-9]+)_(.*)", re.DOTALL), (r"\d+|[^\d._\-]+", 0), (r"^([\d._\-]*\d)()$", 0),
            (r"""(?x) \$ (?P<tag> [a-z_]\w* )?  # a dollar quote's tag
                 \$""", 0), (r"(?<![\w$])é[a-zà-ÿ]+\b", re.IGNORECASE | re.ASCII)]


@pytest.mark.parametrize(("source", "flags"), PATTERNS)
def test_a_stored_pattern_is_the_one_re_compiles(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, flags: int) -> None:
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    from lockwise.core.code_store import CodeStore

    store = CodeStore("test-patterns", limit=10)
    compiled = store.pattern(source, int(flags))
    store.keep()
    store.forget()
    read_back = store.pattern(source, int(flags))  # from the file written just now
    assert not store._new
    expected = re.compile(source, flags)
    for pattern in (compiled, read_back):
        # (equal patterns have the same source, flags and program)
        assert pattern == expected
        assert (pattern.groups, pattern.groupindex) == (expected.groups, expected.groupindex)


def test_a_damaged_stored_pattern_is_compiled_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    from lockwise.core.code_store import CodeStore

    store = CodeStore("test-patterns", limit=10)
    store.pattern(r"([0-9]+)_(.*)", 0)
    assert store._by_source is not None
    (key,) = store._by_source
    for damaged in (b"\x00", marshal.dumps((0, [1, 2, 3], 0, {}, ())), marshal.dumps("x")):
        store._by_source[key] = damaged
        assert store.pattern(r"([0-9]+)_(.*)", 0) == re.compile(r"([0-9]+)_(.*)")


def _fresh_code_store() -> types.ModuleType:
    """code_store.py executed anew (as at `import lockwise` in a new process), apart from the
    imported module: its `_RE_STEPS` are those of `re` and `_sre` as they are now."""
    from lockwise.core import code_store

    spec = importlib.util.spec_from_file_location("code_store_anew", code_store.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("missing", [("re", "_parser"), ("re", "_compiler"),
                                     ("_sre", "compile"), ("sys.modules", "_sre")])
def test_without_re_s_steps_patterns_are_compiled_by_re(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: tuple[str, str]) -> None:
    # Python 3.10 has sre_parse and sre_compile, not re._parser and re._compiler; another
    # interpreter may have no _sre: the module still imports, and re compiles every pattern.
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    import _sre

    where, name = missing
    if where == "sys.modules":
        monkeypatch.setitem(sys.modules, "_sre", None)  # `import _sre` raises ImportError
    else:
        monkeypatch.delattr({"re": re, "_sre": _sre}[where], name)
    module = _fresh_code_store()
    assert module._RE_STEPS is None
    store = module.CodeStore("test-patterns", limit=10)
    for source, flags in PATTERNS:
        assert store.pattern(source, int(flags)) is re.compile(source, flags)  # re's own
    assert store._by_source is None and not store._new  # nothing read, nothing stored


def test_re_s_steps_of_another_shape_are_compiled_by_re(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `_sre.compile`'s arguments are CPython's own: one of another signature, or one that makes
    # another program, is neither used nor stored; a stored program it refuses is compiled anew.
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    from lockwise.core import code_store

    assert code_store._RE_STEPS is not None  # (CPython 3.11: the steps are there)
    parse, code_of, make = code_store._RE_STEPS
    source, flags = PATTERNS[2]
    store = code_store.CodeStore("test-patterns", limit=10)

    def other_signature(pattern: str, flags: int, code: list[int]) -> re.Pattern[str]:
        return make(pattern, flags, code, 0, {}, ())

    def another_program(pattern: str, flags: int, *rest: object) -> re.Pattern[str]:
        return make(pattern, flags ^ re.IGNORECASE, *rest)

    for step in (other_signature, another_program):
        monkeypatch.setattr(code_store, "_RE_STEPS", (parse, code_of, step))
        assert store.pattern(source, flags) is re.compile(source, flags)
        assert not store._new and store._by_source == {}
    monkeypatch.setattr(code_store, "_RE_STEPS", (parse, code_of, make))
    assert store.pattern(source, flags) == re.compile(source, flags) and store._new
    monkeypatch.setattr(code_store, "_RE_STEPS", (parse, code_of, other_signature))
    assert store.pattern(source, flags) is re.compile(source, flags)  # stored, refused
