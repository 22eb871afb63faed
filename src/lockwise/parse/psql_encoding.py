"""psql's `\\encoding X`: the bytes of a file after it are meant in X.

psql sets client_encoding to X and sends the bytes that follow as they are; the server reads
them as X. So a file saved in LATIN1 under `\\encoding LATIN1` stores é, and one saved in
UTF-8 under it stores Ã© (checked with psql 15). lockwise reads each part of the file by the
encoding psql sends it in, so lint and apply see the characters the server gets (apply
sets client_encoding to X for the statements after it). A name PostgreSQL does not know is an
error psql prints and goes on from, keeping the encoding it had: lockwise stops there (exit
2, at the name), since the bytes after a misspelt name are read in an encoding not meant.

Only a meta-command at the start of a line (after blanks) counts: that is where migrations
write it, and where no byte of a multibyte character can fake one.
"""

from __future__ import annotations

import re

#: `\encoding NAME` or `\encoding 'NAME'`, at the start of a line (psql's names are
#: case-sensitive: `\ENCODING` is no meta-command).
_META = re.compile(rb"^[ \t]*\\encoding[ \t]+(?:'([^'\n]*)'|([^\s\\]+))", re.MULTILINE)

#: PostgreSQL's encoding names (and the aliases pg_char_to_encoding accepts, cleaned as it
#: cleans them: lower case, letters and digits only) -> (its name, Python's codec; None for
#: one Python cannot decode). SQL_ASCII sends the bytes unconverted: a UTF8 database takes
#: them as UTF-8.
_NAMES: dict[str, tuple[str, str | None]] = {}


def _add(name: str, codec: str | None, *aliases: str) -> None:
    for alias in (name, *aliases):
        _NAMES[_clean(alias)] = (name, codec)


def _clean(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


_add("UTF8", "utf-8", "unicode")
_add("SQL_ASCII", "utf-8")
_add("LATIN1", "latin-1", "iso88591")
for _n, _iso in ((2, 2), (3, 3), (4, 4), (5, 9), (6, 10), (7, 13), (8, 14), (9, 15), (10, 16)):
    _add(f"LATIN{_n}", f"iso8859-{_iso}", f"iso8859{_iso}")
for _n in (5, 6, 7, 8):
    _add(f"ISO_8859_{_n}", f"iso8859-{_n}")
for _n in (866, 874, 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258):
    _add(f"WIN{_n}", f"cp{_n}", f"windows{_n}")
_NAMES["win"] = ("WIN1251", "cp1251")
_NAMES["alt"] = ("WIN866", "cp866")
for _alias in ("abc", "tcvn", "tcvn5712", "vscii"):
    _NAMES[_alias] = ("WIN1258", "cp1258")
_add("KOI8R", "koi8-r", "koi8")
_add("KOI8U", "koi8-u")
_add("EUC_JP", "euc_jp")
_add("EUC_CN", "gb2312")
_add("EUC_KR", "euc_kr")
_add("EUC_JIS_2004", "euc_jis_2004")
_add("EUC_TW", None)
_add("MULE_INTERNAL", None)
_add("SJIS", "cp932", "mskanji", "shiftjis", "win932", "windows932")
_add("SHIFT_JIS_2004", "shift_jis_2004")
_add("BIG5", "cp950", "win950", "windows950")
_add("GBK", "gbk", "win936", "windows936")
_add("GB18030", "gb18030")
_add("UHC", "cp949", "win949", "windows949")
_add("JOHAB", "johab")


#: A name psql fills in before it runs the meta-command (a variable, a command's output):
#: lockwise cannot know it, and keeps the encoding before.
_FILLED_IN = (":", "`")


def server_name(written: str) -> str | None:
    """PostgreSQL's name of the encoding `\\encoding <written>` names (quotes around it
    allowed); None for a name it does not know, or one psql fills in."""
    found = _NAMES.get(_clean(written.strip("'")))
    return found[0] if found else None


class EncodingProblem(Exception):
    """A part of the file that cannot be read in the encoding it is meant in; `before`: the
    text up to the problem (where it is)."""

    def __init__(self, message: str, before: str) -> None:
        super().__init__(message)
        self.message = message
        self.before = before


def decode_parts(data: bytes) -> str:
    """`data` decoded as psql sends it: UTF-8 up to the first `\\encoding`, then each part in
    the encoding named before it. Raises UnicodeDecodeError for the UTF-8 part (the caller
    names it as it names any file that is not UTF-8) and EncodingProblem for the others."""
    text: list[str] = []
    start, name, codec = 0, "UTF8", "utf-8"
    for match in _META.finditer(data):
        end = match.end()
        before = "".join(text)
        text.append(_decode(data[start:end], name, codec, before))
        written = (match.group(1) if match.group(1) is not None else match.group(2)).decode(
            "ascii", "replace")
        at = match.start(1) - 1 if match.group(1) is not None else match.start(2)
        problem = _name_problem(written)
        if problem:
            raise EncodingProblem(
                f"`\\encoding {written}`: {problem[0]} (psql's words: it reads on in the "
                f"encoding before, {name}); {problem[1]}",
                before + data[start:at].decode(codec or "utf-8"))
        start = end
        name, codec = _NAMES.get(_clean(written), (name, codec))  # (a variable: kept)
        if codec is None:
            raise EncodingProblem(
                f"`\\encoding {written}`: lockwise cannot read {name} text; re-save the file "
                "as UTF-8 and remove the `\\encoding`", "".join(text))
    text.append(_decode(data[start:], name, codec, "".join(text)))
    return "".join(text)


def _name_problem(written: str) -> tuple[str, str] | None:
    """What psql says of `\\encoding <written>` when it keeps the encoding it had, and what
    to do; None for a name it takes (or one it fills in, which lockwise cannot know)."""
    if written.startswith("'"):  # (the regular expression took a quote left open)
        return "unterminated quoted string", "close the quote"
    if _clean(written) in _NAMES or written.startswith(_FILLED_IN):
        return None
    return (f"{written}: invalid encoding name or conversion procedure not found",
            "name one PostgreSQL knows (UTF8, LATIN1, WIN1252, ...)")


def _decode(part: bytes, name: str, codec: str, before: str) -> str:
    try:
        return part.decode(codec)
    except UnicodeDecodeError as exc:
        if codec == "utf-8" and not before:
            raise  # the file's own UTF-8, before any `\encoding`
        raise EncodingProblem(
            f"not valid {name} (byte 0x{part[exc.start]:02x}), the encoding `\\encoding "
            f"{name}` says the file is in from there; re-save it in {name}, or as UTF-8 "
            "without the `\\encoding`", before + part[:exc.start].decode(codec)) from None
