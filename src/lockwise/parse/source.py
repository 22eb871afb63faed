"""Reading migration files and mapping offsets to line and column."""

from __future__ import annotations

import bisect
import contextlib
import os
from itertools import accumulate
from pathlib import Path
from typing import BinaryIO

from lockwise.core.types import Span

#: Files larger than this are refused: a migration this big is a data dump, not a schema change.
MAX_FILE_BYTES = 20 * 1024 * 1024

#: n -> n + 1 as a C callable (for LineIndex.of).
_PLUS_ONE = (1).__add__


class InputError(Exception):
    """Bad input the user must fix: the message names the file and, when known, the position.
    A problem with a path itself (missing, refused, a folder where a file was expected) has
    no position (`line` None): there is no text in which to point."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = 1,
                 column: int = 1):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def path_error(message: str, path: Path | None) -> InputError:
    """The InputError about the path itself, not a place in its text: `PATH: message`, as
    compilers and linters name a file they cannot open."""
    return InputError(message, path, None)


def decode_sql(data: bytes, path: Path | None = None) -> str:
    """Decode a migration file: UTF-8 with or without BOM, CRLF folded; binary is an error."""
    # UTF-32's byte order marks start with UTF-16's: tested first.
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            raise InputError(f"the file looks like {encoding} (it starts with a {encoding} byte "
                             "order mark); re-save it as UTF-8", path)
    if b"\x00" in data[:8192]:
        if _utf16_without_bom(data[:8192]):
            raise InputError("the file looks like UTF-16 (a NUL byte beside each character, "
                             "no byte order mark); re-save it as UTF-8", path)
        raise InputError("binary file, not SQL text", path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = _decode(data, path)
    except UnicodeDecodeError as exc:
        # Everything before the bad byte decoded.
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save the file as UTF-8",
            path, *_end_position(data[: exc.start].decode("utf-8")),
        ) from None
    text = _fold_line_ends(text)
    nul = text.find("\x00")
    if nul >= 0:
        # Past the first block a NUL is no sign of a binary file, but the parser reads C
        # strings: the text would end there, and the statements after it go unlinted.
        raise InputError("NUL byte (0x00) in the text, where no SQL may have one; remove it",
                         path, *_end_position(text[:nul]))
    return text


def _decode(data: bytes, path: Path | None) -> str:
    """UTF-8, or as psql sends a file that says `\\encoding X` (parse/psql_encoding.py)."""
    if b"\\encoding" not in data:
        return data.decode("utf-8")
    from lockwise.parse.psql_encoding import EncodingProblem, decode_parts

    try:
        return decode_parts(data)
    except EncodingProblem as exc:
        raise InputError(exc.message, path, *_end_position(exc.before)) from None


def _end_position(before: str) -> tuple[int, int]:
    """The line and column (in characters, from 1) just after `before`, the start of a
    text, with its line ends folded as decode_sql folds them."""
    before = _fold_line_ends(before)
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


#: Byte order marks of the encodings an editor may save SQL in that are not UTF-8.
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
              (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def _utf16_without_bom(head: bytes) -> bool:
    """Whether `head` reads as UTF-16 text of mostly ASCII characters: a NUL at (nearly)
    every odd byte and text at the even ones (little-endian), or the other way round."""
    head = head[: len(head) - len(head) % 2]
    even, odd = head[0::2], head[1::2]
    return _beside_nuls(even, odd) or _beside_nuls(odd, even)


def _beside_nuls(text: bytes, nuls: bytes) -> bool:
    """Whether `text` (every other byte) holds characters, none a NUL or a control other
    than tab and line ends, and `nuls` (the bytes between) is nearly all NUL."""
    return bool(text) and nuls.count(0) >= 0.9 * len(nuls) and \
        all(b >= 0x20 or b in (0x09, 0x0A, 0x0D) for b in text)


def _fold_line_ends(text: str) -> str:
    if "\r" in text:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


_MIB = 1024 * 1024


def too_large(size: int | None, path: Path | None) -> InputError:
    """The error for input over MAX_FILE_BYTES; `size` None when it is not known (a stream
    is read only up to the limit)."""
    limit = f"the {MAX_FILE_BYTES // _MIB} MiB limit for a migration"
    if size is None:
        return path_error(f"input is over {limit}", path)
    shown = f"{size / _MIB:.1f} MiB"
    if float(shown.split()[0]) * _MIB <= MAX_FILE_BYTES:  # rounding would hide the excess
        shown = f"{size:,} bytes"
    return path_error(f"file is {shown}, over {limit}", path)


def read_limited(stream: BinaryIO, path: Path | None) -> bytes:
    """All of a stream (stdin), refused once it passes MAX_FILE_BYTES, as a file that size
    is: reading stops there, so an endless stream ends too."""
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise too_large(None, path)
    return data


def read_descriptor(descriptor: int, size: int, path: Path | None) -> bytes:
    """All of the open regular file `descriptor`, `size` bytes when fstat looked, refused
    once it passes MAX_FILE_BYTES as `read_limited` refuses a stream: read with os.read,
    asking for its size and a byte more (to see its end), then for what it grew by since.
    A first read that gives fewer bytes than asked has met the file's end: a read of a
    regular file stops short only there, so one read is enough for a file that did not grow
    (asking again for the empty read at the end read each migration twice: fix-speed89).

    Not a buffered reader's read(MAX_FILE_BYTES + 1): that makes a bytes object of the
    limit's 20 MiB for each file, then shrinks it (the 847 files of lemmy and documenso
    took 12 ms to read so, 2.6 ms now: fix-speed60)."""
    chunks: list[bytes] = []
    total = 0
    wanted = size + 1
    while total <= MAX_FILE_BYTES:
        asked = min(wanted, MAX_FILE_BYTES + 1 - total)
        chunk = os.read(descriptor, asked)
        if not chunk:
            break
        if not chunks and len(chunk) < asked:
            return chunk
        chunks.append(chunk)
        total += len(chunk)
        wanted = 65536
    if total > MAX_FILE_BYTES:
        raise too_large(None, path)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_sql_file(path: Path) -> str:
    """Read one SQL file, turning every OS or encoding problem into an InputError."""
    return decode_sql(read_regular_file(path), path)


def read_regular_file(path: Path, expected: str = "a SQL file") -> bytes:
    """The bytes of the regular file `path` (`expected`: what it should be, for messages),
    at most MAX_FILE_BYTES. Anything else is an InputError, before a byte is read: a
    device, FIFO or socket (a migration that is a link to /dev/zero or a FIFO never ends,
    and `--stats /dev/zero` waited forever), a folder, a file the system refuses. The
    opened file is checked, so one replaced after it was found is judged by what is read."""
    import errno
    import stat

    try:
        # Without O_NONBLOCK, opening a FIFO waits for a writer.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            status = os.fstat(descriptor)
            if stat.S_ISDIR(status.st_mode):
                raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
            if not stat.S_ISREG(status.st_mode):
                raise _not_regular(path, status.st_mode, expected)
            if status.st_size > MAX_FILE_BYTES:
                raise too_large(status.st_size, path)
            return read_descriptor(descriptor, status.st_size, path)
        finally:
            os.close(descriptor)
    except InputError:
        raise
    except OSError as exc:
        raise os_input_error(exc, path, expected) from None


def _not_regular(path: Path, mode: int, expected: str) -> InputError:
    """The InputError for a device, FIFO or socket where `expected` was: named, and the
    link's target when `path` is a symbolic link to it."""
    import stat

    kinds = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))
    kind = next((name for test, name in kinds if test(mode)), "an unknown kind of file")
    with contextlib.suppress(OSError):  # not a link: the kind alone
        kind = f"a symbolic link to {os.readlink(path)}, {kind}"
    return path_error(f"not a regular file ({kind}), expected {expected}", path)


def os_input_error(exc: OSError, path: Path, expected: str = "a SQL file") -> InputError:
    """The InputError for the system's refusal to read a file or list a folder: at the path
    the error names (a folder met below `path`), else at `path`. `expected` is what the file
    should have been, for a folder found in its place."""
    if isinstance(exc, IsADirectoryError):
        message = f"is a directory, expected {expected}"
    elif isinstance(exc, FileNotFoundError):
        return missing_path_error(Path(os.fsdecode(exc.filename)) if exc.filename else path)
    elif isinstance(exc, PermissionError):
        message = "permission denied"
        if exc.filename:  # at the folder that refused, not a file looked for inside it
            return path_error(message, _refusing_folder(Path(os.fsdecode(exc.filename))))
    else:
        message = f"cannot read: {exc.strerror or exc}"
    return path_error(message, Path(os.fsdecode(exc.filename)) if exc.filename else path)


def missing_path_error(path: Path) -> InputError:
    """The InputError for a path that is not there, or is a symbolic link to nothing."""
    try:
        dangling = f" (a symbolic link to {os.readlink(path)}, which does not exist)"
    except OSError:  # not a link: the plain message says it
        dangling = ""
    return path_error(f"no such file or directory{dangling}", path)


def _refusing_folder(path: Path) -> Path:
    """The first folder on the way to `path` that may not be searched (layout detection
    looks for `up.sql` in each folder: a folder it may not enter named as `folder/up.sql`
    pointed at a file that is not there); `path` itself when each may be."""
    for folder in reversed(path.parents):
        if not os.access(folder, os.X_OK):
            return folder
    return path


def read_text_file(path: Path, what: str) -> str:
    """The text of the UTF-8 file `path` (`what` it is, for messages: "stats file"): a file
    the system refuses to read, or one that is not UTF-8, is an InputError saying why."""
    try:
        return read_regular_file(path, f"a {what}").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text (byte {exc.start})", path) from None


def parse_json(text: str, path: Path, what: str) -> object:
    """The JSON document `text` of the file `path` (`what` it is, for messages: "stats
    file"); invalid JSON, JSON nested deeper than Python's parser recurses, or an integer
    longer than Python converts, is an InputError."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: {exc.msg}", path, exc.lineno,
                         exc.colno) from None
    except RecursionError:
        raise InputError(f"{what} is nested too deeply to read", path) from None
    except ValueError:  # an integer of more digits than Python converts
        raise overlong_number_error(text, path, f"{what}: ") from None


def parse_toml(text: str, path: Path, prefix: str = "") -> dict:
    """The TOML document `text` of the file `path`; invalid TOML, TOML nested deeper than
    Python's parser recurses, or an integer longer than Python converts, is an InputError
    (its message after `prefix`) at the position the parser names."""
    import re
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The position is only in the message before Python 3.14.
        at = re.search(r"line (\d+), column (\d+)", str(exc))
        line, column = (int(at.group(1)), int(at.group(2))) if at else (1, 1)
        raise InputError(f"{prefix}invalid TOML: {exc}", path, line, column) from None
    except RecursionError:
        raise InputError(f"{prefix}nested too deeply to read", path) from None
    except ValueError:  # an integer of more digits than Python converts
        raise overlong_number_error(text, path, prefix) from None


def overlong_number_error(text: str, path: Path, prefix: str = "") -> InputError:
    """The InputError for a JSON or TOML document holding an integer longer than Python
    converts (`sys.get_int_max_str_digits()`, 4,300 digits; its parsers raise a bare
    ValueError): at the first run of that many digits, saying how long it is."""
    import re
    import sys

    limit = sys.get_int_max_str_digits()
    run = re.search(rf"[0-9][0-9_]{{{limit},}}", text)
    if run is None:  # not found (a limit changed under us): the document as a whole
        return InputError(f"{prefix}holds a number too long to read", path)
    digits = len(run.group().replace("_", ""))
    line = text.count("\n", 0, run.start()) + 1
    column = run.start() - text.rfind("\n", 0, run.start())
    return InputError(f"{prefix}a number of {digits:,} digits, longer than lockwise reads "
                      f"(at most {limit:,})", path, line, column)


class LineIndex:
    """Maps character offsets of a text to 1-based line and column numbers. (Not a dataclass:
    one is made per file and read in place, and making a dataclass costs every lint about
    1 M instructions.)"""

    __slots__ = ("starts",)

    def __init__(self, starts: list[int]) -> None:
        self.starts = starts

    @classmethod
    def of(cls, text: str) -> LineIndex:
        # Each line starts one past the end of the previous one: running sums of the line
        # lengths plus one, all in C (a find() loop costs a Python step per line).
        starts = [0]
        starts.extend(accumulate(map(_PLUS_ONE, map(len, text.split("\n")[:-1]))))
        return cls(starts)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end - 1))
        return Span(line, column, end_line, end_column, start, end)
