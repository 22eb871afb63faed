"""Results kept between runs, in one folder, each file named by a hash of what it depends on.

The folder is `$LOCKWISE_CACHE_DIR`, else `$XDG_CACHE_HOME/lockwise`, else
`~/.cache/lockwise`; `LOCKWISE_CACHE_DIR=off` turns caching off. A cache that cannot be read
or written (damaged file, read-only home, full disk) is simply skipped: the run computes
what it needs and never fails because of the cache.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import pickle
    from hashlib import blake2b as _Blake2b
    from pathlib import Path

#: Bump when a cached value changes shape: files written by another format are ignored.
#: (6: a stored file ends with the digest of its bytes, checked before it is unpickled.)
FORMAT = 6


def cache_root() -> Path | None:
    """The cache folder, or None when caching is off."""
    root = os.environ.get("LOCKWISE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lockwise")
    # No home directory to expand "~" into: no cache, rather than a "~" folder in the cwd.
    if root == "off" or root.startswith("~"):
        return None
    # Imported here: `import lockwise` runs before the command line defers what pathlib's
    # urllib.parse imports (`lockwise.cli.app`), and a lint has pathlib by now anyway.
    from pathlib import Path

    return Path(root)


#: Items pickled between two resets of the pickler's memo: sharing repeated objects (rule
#: texts, paths) within a batch keeps files small; resetting bounds the memo, which for a
#: 10,000-migration result would otherwise hold a million objects (~150 MB).
_MEMO_BATCH = 256


def load(name: str, shared: Sequence[object] = ()) -> tuple[object, list] | None:
    """The header and items stored under `name`, or None (missing, damaged or caching off).
    `shared` must be what `store` was given (equal objects, in the same order): the items
    refer to them instead of holding copies."""
    opened = open_stored(name, shared)
    if opened is None:
        return None
    header, _, items = opened
    try:
        return header, list(items)
    except BrokenStore:
        return None


class BrokenStore(Exception):  # noqa: N818 - what a stored file is, as OSError's kind
    """An item of a stored file could not be unpickled although the file's bytes are the
    ones written (its digest matched): no item is left to read, the rest must be computed."""


def open_stored(name: str, shared: Sequence[object] = ()
                ) -> tuple[object, int, Iterator[object]] | None:
    """The header stored under `name`, how many items it has, and the items, each unpickled
    only when the iterator is asked for it (one at a time can be held); None when the file is
    missing, damaged (its bytes are not the ones whose digest `store` wrote after them: cut
    short, changed, or written by a lockwise without digests), of another FORMAT, or caching
    is off. The bytes are read and hashed before anything is unpickled (without the objects:
    a tenth of the unpickling's time), so a damaged file is a miss before the caller uses any
    item. An item that fails to unpickle all the same (memory, an unpicklable class) raises
    `BrokenStore` from the iterator. `shared`: as for `load`."""
    try:
        # `pickle.Unpickler` itself, without `import pickle`: the module's Python half (the
        # pure-Python pickler, struct) costs 1.5 ms, 1-2% of a one-file `lockwise lint`.
        from _pickle import Unpickler
    except ImportError:  # pragma: no cover - a Python without the C unpickler
        from pickle import Unpickler

    root = cache_root()
    if root is None:
        return None
    global _loading
    try:
        handle = open(root / name, "rb")  # noqa: SIM115 - closed by the items' iterator
    except OSError:
        return None
    _loading = shared
    try:
        if not _intact(handle):
            handle.close()
            return None
        unpickler = Unpickler(handle)
        if unpickler.load() != FORMAT:
            handle.close()
            return None
        header, count = unpickler.load(), unpickler.load()
    except Exception:  # noqa: BLE001 - a damaged or foreign file is a miss, never an error
        handle.close()
        return None
    finally:
        _loading = ()
    items = _items(handle, Unpickler, count, shared)
    next(items)  # started: the file now closes with it, whether or not it is read
    return header, count, items


def _items(handle: BinaryIO, unpickler_type: Callable[[BinaryIO], pickle.Unpickler],
           count: int, shared: Sequence[object]) -> Iterator[object]:
    """The `count` items of `open_stored`'s open file, unpickled one by one as asked for,
    after a first None (`open_stored` takes it); the file is closed when they are all read
    or the iterator is dropped."""
    global _loading
    with handle:
        yield None
        unpickler = None
        for i in range(count):
            _loading = shared  # (the caller's code runs between two items: set for each)
            try:
                if i % _MEMO_BATCH == 0:
                    unpickler = unpickler_type(handle)  # as `store` did: a new memo
                item = unpickler.load()  # type: ignore[union-attr]
            except Exception as exc:  # noqa: BLE001 - said as what it is to the caller
                raise BrokenStore(handle.name) from exc
            finally:
                _loading = ()
            yield item


#: Bytes of the digest of a stored file's contents, written after them (`store`): their
#: CRC-32, which finds a file cut short or changed by accident (what a cache meets) at a
#: fifth of BLAKE2's cost; a cached lint of lemmy hashed 4.8 MB of stores at each run.
DIGEST_SIZE = 4

#: Bytes hashed at a time when a stored file is checked.
_CHECK_CHUNK = 1 << 20


def _intact(handle: BinaryIO) -> bool:
    """Whether the file open in `handle` ends with the digest of the bytes before it (see
    `_digested`); read through once, then back at its start."""
    from zlib import crc32

    left = os.fstat(handle.fileno()).st_size - DIGEST_SIZE
    if left < 0:
        return False
    digest = 0
    buffer = bytearray(min(left, _CHECK_CHUNK))
    view = memoryview(buffer)
    while left:
        got = handle.readinto(view[:min(left, _CHECK_CHUNK)])
        if not got:
            return False
        digest = crc32(view[:got], digest)
        left -= got
    intact = handle.read() == digest.to_bytes(DIGEST_SIZE, "big")
    handle.seek(0)
    return intact


class _Digesting:
    """A file to write to that hashes what it is given (`_digested`)."""

    __slots__ = ("crc32", "digest", "write_through")

    def __init__(self, handle: BinaryIO) -> None:
        from zlib import crc32

        self.crc32 = crc32
        self.digest = 0
        self.write_through = handle.write

    def write(self, data: bytes) -> int:
        self.digest = self.crc32(data, self.digest)
        return self.write_through(data)


def _digested(write: Callable[[BinaryIO], None]) -> Callable[[BinaryIO], None]:
    """`write`, followed by the digest of what it wrote: `open_stored` reads and checks it
    before it unpickles anything."""
    def write_digested(handle: BinaryIO) -> None:
        digesting = _Digesting(handle)
        write(digesting)  # type: ignore[arg-type]  # (it takes what pickle and shutil write)
        handle.write(digesting.digest.to_bytes(DIGEST_SIZE, "big"))

    return write_digested


#: The `shared` objects of the `load` in progress.
_loading: Sequence[object] = ()


def _shared(index: int) -> object:
    """Unpickles a reference to one of the caller's `shared` objects."""
    return _loading[index]


def store(name: str, header: object, items: Sequence[object], *, keep: int | None = None,
          shared: Sequence[object] = ()) -> None:
    """Keep `header` and `items` under `name`, atomically (a concurrent run reads the old
    file or the new one, never half of one). The objects of `shared` that they hold are
    stored as references (the caller has them again when it loads: lint's migrations, whose
    text is most of a result's size). With `keep`, only the `keep` most recently written files
    that share `name`'s prefix (up to its first `-`) stay."""
    import pickle

    root = cache_root()
    if root is None:
        return
    pickler_for = _picklers(shared)

    def write(handle: BinaryIO) -> None:
        pickler = pickler_for(handle)
        for part in (FORMAT, header, len(items)):
            pickler.dump(part)
        for i, item in enumerate(items):
            if i % _MEMO_BATCH == 0:
                pickler = pickler_for(handle)
            pickler.dump(item)

    with contextlib.suppress(OSError, pickle.PicklingError, RecursionError):  # no cache then
        _replace(root, name, _digested(write), keep)


def _picklers(shared: Sequence[object]) -> Callable[[BinaryIO], pickle.Pickler]:
    """What makes a pickler for `store` onto a file: the objects of `shared` are stored as
    references (see `store`)."""
    import copyreg
    import pickle

    # A reducer for the types of the shared objects only: the pickler looks types up in C, so
    # the millions of other objects cost nothing extra (a persistent_id hook is a Python call
    # per object: 15% of a 10,000-migration run).
    position = {id(o): i for i, o in enumerate(shared)}

    def reference(obj: object) -> object:
        at = position.get(id(obj))
        return (_shared, (at,)) if at is not None else obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)

    dispatch = dict(copyreg.dispatch_table)
    dispatch.update((type(o), reference) for o in shared)

    def pickler_for(handle: BinaryIO) -> pickle.Pickler:
        pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = dispatch
        return pickler

    return pickler_for


class StoreWriter:
    """`store` of items given one at a time (`add`), as they are made, then of the header
    (`finish`): the items need not be held until the header is known (lint's reports, until
    the conflicts are). Each is pickled at once into a temporary file (unnamed: a run that
    fails leaves nothing behind); `finish` writes the file `store` would have written,
    header first, and copies them after it. A cache that cannot be written is skipped."""

    def __init__(self, name: str, *, keep: int | None = None,
                 shared: Sequence[object] = ()) -> None:
        self.name, self.keep, self.count = name, keep, 0
        self._pickler_for = _picklers(shared)
        self._pickler: pickle.Pickler | None = None
        self._items: BinaryIO | None = None
        root = cache_root()
        if root is None:
            return
        import tempfile

        with contextlib.suppress(OSError):
            root.mkdir(parents=True, exist_ok=True)
            self._items = tempfile.TemporaryFile(dir=root, suffix=".tmp")  # noqa: SIM115

    def add(self, item: object) -> None:
        """Pickle the next item (a new memo every _MEMO_BATCH items, as `store` does: the
        items of the batch are held until it is full)."""
        items = self._items
        if items is None:
            return
        import pickle

        try:
            if self._pickler is None:
                self._pickler = self._pickler_for(items)
            self._pickler.dump(item)
        except (OSError, pickle.PicklingError, RecursionError):
            self.discard()
        self.count += 1
        if self.count % _MEMO_BATCH == 0:
            # Its memo holds every object of the batch (a report: its statements, findings):
            # dropped with it, as soon as the batch is full, at most _MEMO_BATCH are held.
            self._pickler = None

    def finish(self, header: object) -> None:
        """Store the header and the items added under the name (see `store`)."""
        items, root = self._items, cache_root()
        if items is None or root is None:
            return
        import pickle
        import shutil

        def write(handle: BinaryIO) -> None:
            pickler = self._pickler_for(handle)
            for part in (FORMAT, header, self.count):
                pickler.dump(part)
            items.seek(0)
            shutil.copyfileobj(items, handle, 1 << 20)

        with contextlib.suppress(OSError, pickle.PicklingError, RecursionError):
            _replace(root, self.name, _digested(write), self.keep)
        self.discard()

    def discard(self) -> None:
        """Store nothing (the temporary file goes)."""
        if self._items is not None:
            with contextlib.suppress(OSError):
                self._items.close()
            self._items = None


def _replace(root: Path, name: str, write: Callable[[BinaryIO], None],
             keep: int | None) -> None:
    """Write the file `name` through `write`, atomically (see `store`), then prune."""
    import tempfile

    root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, root / name)
    except BaseException:
        os.unlink(tmp)
        raise
    if keep is not None:
        _prune(root, name, keep)


def load_marshalled(name: str, *, shape: int | None = None) -> object | None:
    """The value `store_marshalled` stored under `name`, or None (missing, damaged, stored
    with another `shape`, or caching off). `shape` says what the value is made of; None:
    this version's `FORMAT` (a store whose contents do not follow the results' shape, such as
    the code stores, passes its own, and is then shared with versions of another FORMAT).
    For values of plain types only (bytes, str, numbers, tuples, lists, dicts, code):
    `marshal` needs no import, where the unpickler's extension module (with the
    `_compat_pickle` it imports) is loaded for nothing else by `lockwise lint --no-cache`."""
    import marshal

    root = cache_root()
    if root is None:
        return None
    try:
        with open(root / name, "rb") as handle:
            stored = marshal.loads(handle.read())
    except Exception:  # noqa: BLE001 - a damaged or foreign file is a miss, never an error
        return None
    if isinstance(stored, tuple) and len(stored) == 2 \
            and stored[0] == (FORMAT if shape is None else shape):
        return stored[1]
    return None


def store_marshalled(name: str, value: object, *, keep: int | None = None,
                     shape: int | None = None) -> None:
    """Keep `value` (plain types only, see `load_marshalled`) under `name`, with its `shape`
    (None: `FORMAT`), as `store` keeps its items: atomically, then only the `keep` newest
    files of `name`'s prefix."""
    import marshal

    root = cache_root()
    if root is None:
        return
    stamp = FORMAT if shape is None else shape

    def write(handle: BinaryIO) -> None:
        marshal.dump((stamp, value), handle)

    with contextlib.suppress(OSError, ValueError):  # run without the cache then
        _replace(root, name, write, keep)


def touch(*names: str) -> None:
    """Mark stored files as just used: pruning keeps the most recently written or used.
    Names with no file (or a cache that cannot be written) are skipped."""
    root = cache_root()
    for name in names if root is not None else ():
        with contextlib.suppress(OSError):
            os.utime(root / name)


def link(existing: str, name: str, *, keep: int | None = None) -> None:
    """Keep the stored file `existing` under `name` too, as `store` would (atomically, marked
    as just written, then only the `keep` newest files of `name`'s prefix): a hard link, or a
    copy where the folder takes none. Nothing when `existing` is missing or the cache cannot
    be written."""
    root = cache_root()
    if root is None:
        return
    tmp = root / f"{name}.{os.getpid()}.tmp"
    with contextlib.suppress(OSError):
        try:
            os.link(root / existing, tmp)
        except OSError:  # no hard links there (or `existing` is gone: the copy fails too)
            with open(root / existing, "rb") as handle:
                data = handle.read()
            _replace(root, name, lambda out: out.write(data), keep)
            return
        try:
            os.replace(tmp, root / name)
        except OSError:
            os.unlink(tmp)
            raise
        # The link shares `existing`'s time: an old one would be the first pruned.
        os.utime(root / name)
        if keep is not None:
            _prune(root, name, keep)


def _prune(root: Path, name: str, keep: int) -> None:
    # The files of `name`'s prefix (`rules-`, `lint-`, ...) compete for the `keep` places.
    prefix = name.split("-", 1)[0] + "-"
    entries = []
    with os.scandir(root) as it:
        for entry in it:
            if entry.name.startswith(prefix) and not entry.name.endswith(".tmp"):
                try:
                    entries.append((entry.stat().st_mtime_ns, entry.path))
                except OSError:
                    continue
    for _, path in sorted(entries, reverse=True)[keep:]:
        with contextlib.suppress(OSError):  # another run pruned it first
            os.unlink(path)


def blake2b(data: bytes = b"", *, digest_size: int) -> _Blake2b:
    """`hashlib.blake2b`, without importing hashlib: hashlib loads OpenSSL at import (~3 ms,
    a few percent of a cached `lockwise lint`) for digests lockwise never uses. BLAKE2 is
    CPython's own `_blake2` module, the very one hashlib re-exports."""
    return _blake2b()(data, digest_size=digest_size)


@functools.cache
def _blake2b() -> type[_Blake2b]:
    # Found once: a `from _blake2 import` run at every digest (each dataclass method and rule
    # matcher read from a code store is looked up by one) made the import system format and
    # drop an AttributeError for the module's `__path__` each time.
    try:
        from _blake2 import blake2b as new
    except ImportError:  # pragma: no cover - a Python without it: the public route
        from hashlib import blake2b as new
    return new


def code_fingerprint() -> str:
    """Identifies the lockwise code that computed a result: its version plus a stamp of every
    file of the package (`file_stamp`: a development checkout changes code without changing
    the version). About 100 `stat` calls."""
    import lockwise

    parts = [getattr(lockwise, "__version__", "")]
    _stamp_files(os.path.dirname(lockwise.__file__), parts)
    return "\n".join(parts)


def _stamp_files(folder: str, parts: list[str]) -> None:
    """Add `path:stamp` for the modules and data files of `folder`, then of its folders, by
    name, as `os.walk` top-down (not into linked folders) would list them. Read from scandir's
    entries, which carry their paths and stats: os.walk and a path joined per file were most
    of a cached lint's key."""
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    folders = []
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__" and not entry.is_symlink():
                folders.append(entry.path)
        elif entry.name.endswith((".py", ".json")):
            parts.append(f"{entry.path}:{file_stamp(entry.stat())}")
    for path in folders:
        _stamp_files(path, parts)


def file_stamp(st: os.stat_result) -> str:
    """What stands for one of lockwise's own files (a module, a shipped rule) in a cache key:
    its size and modification time, so that an edited checkout never reuses a stale result.

    Installing a wheel writes every file anew, so the times differ after each install of the
    same lockwise, and a CI job, which installs it each time, would never find the cache it
    kept. A file installed from a wheel and not changed since (not newer than the install's
    RECORD, written last) is therefore stamped with its size and that RECORD, which holds
    the sha256 of every file of the release."""
    record = _installed_record()
    if record is not None and st.st_mtime_ns <= record[1]:
        return f"{st.st_size}:{record[0]}"
    return f"{st.st_size}:{st.st_mtime_ns}"


@functools.cache
def _installed_record() -> tuple[str, int] | None:
    """The digest and modification time of the RECORD of lockwise's wheel install; None for
    a source checkout or an editable install (whose RECORD lists no module of the package)."""
    import lockwise

    package = os.path.dirname(os.path.abspath(lockwise.__file__))
    version = getattr(lockwise, "__version__", "")
    path = os.path.join(os.path.dirname(package), f"lockwise-{version}.dist-info", "RECORD")
    try:
        with open(path, "rb") as handle:
            text, mtime = handle.read(), os.fstat(handle.fileno()).st_mtime_ns
    except OSError:
        return None
    if b"lockwise/__init__.py," not in text:
        return None
    return blake2b(text, digest_size=16).hexdigest(), mtime
