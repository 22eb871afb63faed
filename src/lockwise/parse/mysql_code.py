"""The code of a MySQL / MariaDB statement's text, apart from its quoted strings and comments.

Text patterns that read a statement sqlglot cannot parse (an ALTER TABLE's clauses, table
options) must not find their words inside a string or a comment: `COMMENT = 'drop column x'`
drops no column, and `/* PAGE_COMPRESSED=1 */` compresses nothing.
"""

from __future__ import annotations


def after_quoted(text: str, start: int) -> int:
    """The offset after the quoted string or identifier opening at `start` (a doubled quote
    or, outside backquotes, a backslash escapes)."""
    quote, pos = text[start], start + 1
    while pos < len(text):
        if text[pos] == "\\" and quote != "`":
            pos += 2
        elif text[pos] == quote:
            if not text.startswith(quote * 2, pos):
                return pos + 1
            pos += 2
        else:
            pos += 1
    return pos


def code_only(text: str) -> str:
    """`text` with what its strings quote ('...', "...") and its comments (`-- `, `#`,
    `/* */`) blanked: the same length, so that an offset found in it is the text's; the
    quotes themselves and backquoted names are kept."""
    if "'" not in text and '"' not in text and "#" not in text and "--" not in text and \
            "/*" not in text:
        return text
    chars = list(text)
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char in "'\"`":
            end = min(after_quoted(text, pos), len(text))
            # (up to its closing quote, or to the end of a string left open)
            inner = end - 1 if end - 1 > pos and text[end - 1] == char else end
            if char != "`":
                chars[pos + 1:inner] = " " * (inner - pos - 1)
            pos = end
        elif char == "#" or (text.startswith("--", pos) and text[pos + 2:pos + 3] in
                             (" ", "\t", "\n", "\r", "")):
            end = text.find("\n", pos)
            end = len(text) if end == -1 else end
            chars[pos:end] = " " * (end - pos)
            pos = end
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            end = len(text) if end == -1 else end + 2
            chars[pos:end] = " " * (end - pos)
            pos = end
        else:
            pos += 1
    return "".join(chars)
