"""SQL with template placeholders: Go templates, Jinja and `${var}`.

Some projects render their migrations before running them (golang-migrate with Go templates,
dbt-style Jinja, Flyway or shell `${var}` substitution). PostgreSQL's grammar rejects the raw
placeholders, so lockwise handles them by mode (`--templates`):

* `substitute` (default): every value placeholder (`{{ ... }}`, `${...}`) is replaced by an
  identifier-safe token of exactly the same length, made from its text (`tpleb9672f7__`), and
  Jinja control tags (`{% ... %}`), comments (`{# ... #}`) and Go template actions
  (`{{ if ... }}`, `{{ end }}`, `{{ template "file" . }}`) by spaces. Offsets, lines and
  columns stay true, so every finding points at the real file. Reported SQL is the original text.
  Spellings the template engine reads as one value (`{{ .x }}`, `{{.x}}`, `{{- .x -}}`) are one
  name in the parse trees, `tpl` and 8 hex digits and `_` (`canonical_stand_in`): the catalog
  and the graph follow one object, whichever way each migration spells it.
* `skip`: statements containing a placeholder are dropped (not judged, not replayed into the
  catalog) and reported with the `template-placeholder` info finding.
* `error`: the first placeholder is an input error (exit 2) naming file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import Span, Statement, ToolPlaceholders
from lockwise.parse.postgres import (
    ParsedFile,
    ParseProblem,
    Skipped,
    client_side_stand_ins,
    near_text,
    parse_sql,
    quoting,
    string_constants,
)
from lockwise.parse.source import InputError, LineIndex
from lockwise.parse.trees import rebuilt

MODES = ("substitute", "skip", "error")

#: `{{ ... }}` on one line, without braces inside: Go templates and Jinja expressions. The inner
#: text must contain a letter, `.` or `$`, so a PostgreSQL 2-D array literal like '{{1,2}}' is
#: not taken for a placeholder (nor one of `_ARRAY_LITERAL`, such as '{{happy}}').
#: (The letter is looked for ahead, once: two lazy runs on an unclosed `{{aaa...` tried every
#: split of the line, time growing with its square.)
_VALUE = lazy_compile(r"\{\{-?(?=[^{}\n]*?[A-Za-z_.$])[^{}\n]*?-?\}\}|\$\{[A-Za-z_][^{}\n]*\}")
#: Jinja statements and comments, and Go template actions (`{{ if .x }}`, `{{ end }}`, tern's
#: `{{ template "shared/v1.sql" . }}`, which includes another file's SQL): control flow or
#: whole statements, not values; the Jinja ones may span lines, to the first `%}` / `#}` after
#: them (`_controls`: found with `str.find`, once for all the `{%` / `{#` of a file left open).
_CONTROL = lazy_compile(r"\{%|\{#|\{\{-?\s*(?:if|else|end|range|with|define|block|"
                        r"template|break|continue)\b[^{}\n]*?-?\}\}")
#: The end of a Jinja statement and of a comment, by its start.
_JINJA_ENDS = {"{%": "%}", "{#": "#}"}
_QUICK = ("{{", "{%", "{#", "${")
#: A `{{ ... }}` that is a whole string constant and reads as a PostgreSQL array literal of
#: two dimensions (`'{{happy}}'`, `'{{a,b}}'`): no space right inside the braces, no trim
#: marker, and no `.`, `$`, `|` or parentheses (Go fields and variables, Jinja attributes,
#: filters and calls). A Jinja `'{{name}}'` reads so too: left as the string it is, it
#: lints as one (taken for a placeholder, an array would be skipped or refused).
_ARRAY_LITERAL = lazy_compile(r"'\{\{[^\s{}.$|()'-](?:[^{}.$|()']*[^\s{}.$|()'])?\}\}'")


#: A bare name in tight braces (`{{parent_name}}`): in a string of several words, the variable
#: of a message template kept as data (mustache, handlebars), which no migration tool renders
#: (`_message_variable`).
_TIGHT_NAME = lazy_compile(r"\{\{[A-Za-z_][A-Za-z0-9_]*\}\}")
_SPACE = lazy_compile(r"\s")


def _message_variable(text: str, strings: list[tuple[int, int]], start: int, end: int,
                      spaced: dict[int, bool]) -> bool:
    """Whether the `{{name}}` at `start`..`end` of `text` sits in a string constant (of
    `strings`) that holds whitespace: words of a message, not a name's part
    (`'{{schema}}.notes_id_seq'`). `spaced` keeps the answer by string, for the next."""
    from bisect import bisect_right

    i = bisect_right(strings, (start, len(text))) - 1
    if i < 0:
        return False
    first, last = strings[i]
    if not (first < start and end <= last):
        return False
    if i not in spaced:
        spaced[i] = _SPACE.search(text, first, last) is not None
    return spaced[i]


class Placeholder:
    """A template placeholder (`{{ }}`, `{% %}`, `${}`) in a migration's text. (Not a
    dataclass: never compared or printed, and a dataclass costs about 1 M instructions to
    make at every start, most of which have no placeholder.)"""

    __slots__ = ("control", "end", "start", "text")

    def __init__(self, start: int, end: int, text: str, control: bool) -> None:
        self.start = start
        self.end = end
        self.text = text
        #: True for `{% %}` / `{# #}`: blanked, not replaced by an identifier.
        self.control = control


def find_placeholders(text: str) -> list[Placeholder]:
    """Every placeholder in `text`, in order, without overlaps."""
    # Every marker holds a `{`: most migrations have none, and one scan of the text tells.
    if "{" not in text or not any(marker in text for marker in _QUICK):
        return []
    from bisect import bisect_left

    found = _controls(text)
    control_starts = [p.start for p in found]
    strings: list[tuple[int, int]] | None = None  # (looked for at the first `{{name}}`)
    spaced: dict[int, bool] = {}  # (whether a string constant holds a space, by its index)
    for m in _VALUE.finditer(text):
        if _ARRAY_LITERAL.fullmatch(text, m.start() - 1, m.end() + 1):
            continue
        if _TIGHT_NAME.fullmatch(m.group(0)):
            strings = string_constants(text) if strings is None else strings
            if _message_variable(text, strings, m.start(), m.end(), spaced):
                continue
        # the controls do not overlap and are in order: only the last one starting before
        # the value's end may reach into it (the values do not overlap each other)
        before = bisect_left(control_starts, m.end()) - 1
        if before < 0 or found[before].end <= m.start():
            found.append(Placeholder(m.start(), m.end(), m.group(0), False))
    return sorted(found, key=lambda p: p.start)


def _controls(text: str) -> list[Placeholder]:
    """The control placeholders of `text` (`_CONTROL`), in order, without overlaps: a Jinja
    statement or comment runs to the first end after it; one left open is skipped, and each
    later one of its kind without a look (none of them has an end either)."""
    found: list[Placeholder] = []
    open_kinds: set[str] = set()
    at = 0
    while (m := _CONTROL.search(text, at)) is not None:
        start, end = m.start(), m.end()
        close = _JINJA_ENDS.get(m.group(0))
        if close is not None:
            end = -1 if close in open_kinds else text.find(close, start + 2)
            if end < 0:
                open_kinds.add(close)
                at = start + 1
                continue
            end += 2
        found.append(Placeholder(start, end, text[start:end], True))
        at = end
    return found


#: Placeholders shorter than this stand in as `tpl_` / `tpl__`: too short to tell apart.
_DISTINCT_FROM = 6
#: PostgreSQL keeps the first 63 characters of a longer identifier (NAMEDATALEN - 1).
_IDENTIFIER_KEPT = 63
#: The tokens of a `{{ ... }}` as Go templates and Jinja read it: string constants, names and
#: fields (`.Options`, `$x`, `a.b`), then any other character on its own.
_INNER_TOKEN = lazy_compile(r"""("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'|[\w.$]+|\S)""")


def placeholder_key(text: str) -> str:
    """What says which value placeholder `text` is: a `{{ ... }}` as its tokens one space
    apart, without the trim markers (`{{-`, `-}}`, which only trim the text around it), as
    both engines ignore the whitespace between tokens; a `${...}` as written."""
    if not text.startswith("{{"):
        return text
    inner = text[2:-2]
    inner = inner[1:] if inner.startswith("-") else inner
    inner = inner[:-1] if inner.endswith("-") else inner
    return "{{" + " ".join(_INNER_TOKEN.findall(inner)) + "}}"


def _digest(text: str) -> str:
    import zlib  # not hashlib, which loads OpenSSL: a tenth of a cold start

    return f"{zlib.crc32(placeholder_key(text).encode()):08x}"


def _token(text: str) -> str:
    """The stand-in of placeholder `text` in the text: an identifier of exactly its length
    (placeholders are at least 4 long). Made from `placeholder_key`, so one placeholder has
    one stand-in of each length in every file, and two of one length have two, unless they
    are shorter than `_DISTINCT_FROM`."""
    length = len(text)
    if length < _DISTINCT_FROM:
        return ("tpl" + "_" * length)[:length]
    # Underscores after the digest: a name the parser cuts at 63 characters still ends in
    # one, so it is a stand-in too (`stand_ins` maps it).
    return (("tpl" + _digest(text))[:length - 1] + "_").ljust(length, "_")


def canonical_stand_in(text: str) -> str | None:
    """The one name placeholder `text` has in the parse trees, whatever its spelling's length:
    `tpl`, the 8 hex digits of `placeholder_key`, `_`. None for one shorter than
    `_DISTINCT_FROM`, whose stand-in (`tpl_`) names no placeholder in particular."""
    return None if len(text) < _DISTINCT_FROM else f"tpl{_digest(text)}_"


def _tree_names(placeholders: list[Placeholder]) -> dict[str, str]:
    """Each stand-in of the text that the parse trees name otherwise: its canonical stand-in
    (also for its first 63 characters, where the parser cut it as a name). Not for one that
    stands for two placeholders (the digest cut short: it cannot be told which)."""
    keys: dict[str, set[str]] = {}
    for p in placeholders:
        if not p.control and len(p.text) >= _DISTINCT_FROM:
            keys.setdefault(_token(p.text), set()).add(placeholder_key(p.text))
    out: dict[str, str] = {}
    for token, found in keys.items():
        canonical = f"tpl{_digest(next(iter(found)))}_"
        if len(found) == 1 and token != canonical:
            out[token] = canonical
            out.setdefault(token[:_IDENTIFIER_KEPT], canonical)
    return out


def _renamed(node: object, pattern: re.Pattern, names: dict[str, str]) -> object:
    """A copy of parse tree `node` with each stand-in of `names` in its strings (names,
    constants, a function's body) written as `names` gives."""
    return rebuilt(node, lambda item: pattern.sub(lambda m: names[m.group(0)], item)
                   if type(item) is str and "tpl" in item else None)


def substitute(text: str, placeholders: list[Placeholder]) -> str:
    """`text` with each placeholder replaced by same-length text PostgreSQL can parse."""
    pieces, pos = [], 0
    for p in placeholders:
        pieces.append(text[pos:p.start])
        if p.control:
            pieces.append(re.sub(r"[^\n]", " ", p.text))
        else:
            pieces.append(_token(p.text))
        pos = p.end
    pieces.append(text[pos:])
    return "".join(pieces)


def stand_ins(placeholders: list[Placeholder]) -> dict[str, str]:
    """Each stand-in identifier, of the text and of the parse trees (`canonical_stand_in`),
    and the placeholder it replaced (as first written, of its spellings), for the stand-ins
    that replaced one placeholder only (two short ones of one length share a stand-in)."""
    texts: dict[str, dict[str, str]] = {}
    for p in placeholders:
        if not p.control:
            key = placeholder_key(p.text)
            for token in (_token(p.text), canonical_stand_in(p.text)):
                if token is not None:
                    texts.setdefault(token, {}).setdefault(key, p.text)
    out = {token: next(iter(found.values())) for token, found in texts.items()
           if len(found) == 1}
    for token, text in list(out.items()):
        if len(token) > _IDENTIFIER_KEPT:  # as the parse tree holds it
            out.setdefault(token[:_IDENTIFIER_KEPT], text)
    return out


def as_spelled_in(stand_ins: dict[str, str], sql: str) -> dict[str, str]:
    """`stand_ins` (of a file) with each canonical stand-in written back as statement `sql`
    spells its placeholder, where the file spells it in several ways."""
    own = {token: p.text for p in find_placeholders(sql) if not p.control
           and (token := canonical_stand_in(p.text)) is not None
           and stand_ins.get(token, p.text) != p.text}
    return {**stand_ins, **own} if own else stand_ins


#: A template placeholder's stand-in (`tpleb9672f7__`, `tpl_`) or a psql variable's (`_name`
#: for `:name`, `":name"` for `:"name"`, `':name'` for `:'name'`).
_STAND_IN = lazy_compile(r"\btpl[0-9a-f]*_+\b|\b_\w+|\":\w+\"|':\w+'")


def with_placeholders(text: str, stand_ins: dict[str, str]) -> str:
    """`text` (a message or suggested SQL) with its stand-in identifiers written back as the
    placeholders they replaced, so the suggestion reads as the user's template."""
    # Every stand-in has an underscore or (a psql variable's, quoted) a colon.
    if not stand_ins or ("_" not in text and ":" not in text):
        return text
    return _STAND_IN.sub(lambda m: stand_ins.get(m.group(0), m.group(0)), text)


def linted_text(sql: str) -> str:
    """A statement's text as it was linted: its placeholders and psql variables replaced by
    their stand-ins, its psql meta-commands blanked."""
    found = find_placeholders(sql)
    return client_side_stand_ins(substitute(sql, found) if found else sql)


def _restore(parsed: ParsedFile, original: str, placeholders: list[Placeholder],
             rename: bool = True) -> None:
    """Show the original text (with its placeholders) in statements and comments, and (with
    `rename`: PostgreSQL's parse trees) name each placeholder in the parse trees by its
    canonical stand-in (`_tree_names`)."""
    names = _tree_names(placeholders) if rename else {}
    pattern = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True)))) \
        if names else None
    parsed.statements = [
        Statement(s.index, original[s.span.start_offset:s.span.end_offset], s.span,
                  s.tree if pattern is None else _renamed(s.tree, pattern, names),
                  s.leading_comments, s.comment_spans)
        for s in parsed.statements
    ]


def parse_templated(text: str, mode: str = "substitute", path: Path | None = None, *,
                    comments: bool = True, tool: ToolPlaceholders | None = None,
                    parse: Callable[[str], ParsedFile] | None = None) -> ParsedFile:
    """Parse a migration that may contain template placeholders, following `mode`.

    Without placeholders this is exactly `parse_sql(text, comments=comments)`, or `parse`'s
    parse when given (MySQL's and MariaDB's, `parse_mysql`). Raises InputError in `error`
    mode. `tool`: how the migration's tool replaces placeholders (`parse_with_values`).
    """
    if tool is not None:
        return parse_with_values(text, tool, mode, path, comments=comments, parse=parse)
    if mode not in MODES:
        raise InputError(f"unknown templates mode {mode!r}; choose one of {', '.join(MODES)}")
    placeholders = find_placeholders(text)
    # (the canonical names in the trees are PostgreSQL's: not given another parser's)
    rename = parse is None
    read: Callable[[str], ParsedFile] = parse if parse is not None else \
        (lambda sql: parse_sql(sql, comments=comments))
    if not placeholders:
        return read(text)
    if mode == "error":
        first = placeholders[0]
        line, column = LineIndex.of(text).position(first.start)
        raise InputError(
            f"template placeholder {first.text!r}; render the template first, or use "
            "--templates substitute or --templates skip", path, line, column)
    parsed = read(substitute(text, placeholders))
    _restore(parsed, text, placeholders, rename)
    lines = LineIndex.of(text)
    if mode == "substitute":
        parsed.placeholders = {**parsed.placeholders, **stand_ins(placeholders)}
        # One info finding per file, where the first placeholder is: it explains the
        # `tpl...` identifiers that rule messages may show in place of the placeholders.
        first = placeholders[0]
        parsed.skipped.append(Skipped(
            "template-substituted",
            f"{len(placeholders)} placeholder(s) replaced by same-length identifiers "
            "(tpl...) for linting", lines.span(first.start, first.end)))
        return parsed
    kept, dropped = [], []
    for stmt in parsed.statements:
        inside = [p for p in placeholders
                  if p.start < stmt.span.end_offset and stmt.span.start_offset < p.end]
        (dropped if inside else kept).append(stmt)
    parsed.statements = [Statement(i, s.sql, s.span, s.tree, s.leading_comments,
                                   s.comment_spans)
                         for i, s in enumerate(kept)]
    for stmt in dropped:
        count = sum(1 for p in placeholders
                    if p.start < stmt.span.end_offset and stmt.span.start_offset < p.end)
        parsed.skipped.append(Skipped(
            "template-skipped", f"statement skipped, it contains {count} placeholder(s)",
            stmt.span))
    return parsed


def unrunnable_placeholder(text: str, tool: ToolPlaceholders | None = None
                           ) -> tuple[int, int, str] | None:
    """Line, column and message for the first value placeholder of `text`, which no server
    can run: lint judges templated SQL with stand-in names, running it needs the real ones
    (apply, verify, trace). `tool`: how the migration's tool replaces its own placeholders
    (Flyway's): one whose value it gives runs with it, one without a value stops the run as
    it stops the tool; with replacement off the text runs as written (what the server's
    parser says of it is the problem). None without one."""
    if tool is not None and not tool.replace:
        return None
    values = dict(tool.values) if tool is not None else {}
    own = tool_placeholder_names(text, tool.prefix, tool.suffix) if tool is not None else []
    lines = LineIndex.of(text)
    missing = next((item for item in own if item[2].lower() not in values), None)
    known = {start for start, _, name in own if name.lower() in values}
    found = next((p for p in find_placeholders(text) if not p.control
                  and p.start not in known), None)
    if missing is not None and (found is None or missing[0] <= found.start):
        start, end, name = missing
        line, column = lines.position(start)
        variable = "".join(c if c.isalnum() else "_" for c in name).upper()
        return line, column, (
            f"Flyway placeholder {text[start:end]} has no value lockwise knows, and Flyway "
            f"stops at it: give it one (flyway.placeholders.{name} in flyway.conf, "
            f"FLYWAY_PLACEHOLDERS_{variable}, or spring.flyway.placeholders.{name})")
    if found is None:
        return None
    line, column = lines.position(found.start)
    return line, column, (f"template placeholder {found.text} cannot be run: render the "
                          "migrations with their tool first")


# --- a tool's own placeholders, their values put in ---------------------------------------

def tool_placeholder_names(text: str, prefix: str, suffix: str) -> list[tuple[int, int, str]]:
    """Each placeholder of `text` in the syntax of a tool that replaces them (`prefix`, a
    name on one line, `suffix`: Flyway's `${name}`), in order: start, end and its name. As
    Flyway's PlaceholderReplacingReader scans: the name ends at the first `suffix` after the
    prefix, and may be empty (prefix and suffix both `%`: `%%a%%` is `%%`, `a`, `%%`)."""
    if prefix not in text:
        return []
    pattern = re.compile(re.escape(prefix) + r"([^\n]*?)" + re.escape(suffix))
    return [(m.start(), m.end(), m.group(1)) for m in pattern.finditer(text)]


def _put_in(text: str, tool: ToolPlaceholders, stand_ins: bool
            ) -> tuple[str, list[tuple[int, int, int, int]], list[Placeholder]]:
    """`text` with each placeholder `tool` knows the value of replaced by it, as the tool
    does; with `stand_ins`, one it does not know in the tool's own syntax (not `${}`) by a
    same-length stand-in. With where each value sits in the new text and in `text` (start,
    end, old start, old end), and the placeholders replaced."""
    values = dict(tool.values)
    own_syntax = stand_ins and (tool.prefix, tool.suffix) != ("${", "}")
    pieces: list[str] = []
    moves: list[tuple[int, int, int, int]] = []  # (start, end) in the new text, in the old
    stood: list[Placeholder] = []
    pos = at = 0
    for start, end, name in tool_placeholder_names(text, tool.prefix, tool.suffix):
        value = values.get(name.lower())
        if value is None and not own_syntax:
            continue  # (a template placeholder: read as --templates says)
        stood.append(Placeholder(start, end, text[start:end], False))
        if value is None:
            value = _token(text[start:end])
        pieces.append(text[pos:start])
        at += start - pos
        moves.append((at, at + len(value), start, end))
        pieces.append(value)
        at += len(value)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), moves, stood


def as_sent(text: str, tool: ToolPlaceholders | None) -> str:
    """`text` (a migration's, or a statement of it) as its tool sends it to the server: each
    placeholder whose value `tool` gives replaced by it (Flyway's), the others as written."""
    if tool is None or not tool.replace or not tool.values:
        return text
    return _put_in(text, tool, stand_ins=False)[0]


def parse_with_values(text: str, tool: ToolPlaceholders, mode: str | None = "substitute",
                      path: Path | None = None, *, comments: bool = True,
                      parse: Callable[[str], ParsedFile] | None = None) -> ParsedFile:
    """Parse a migration whose tool replaces its placeholders before it sends it (Flyway):
    each one `tool` knows the value of is replaced by that value, as the tool does; one it
    does not know keeps a same-length stand-in (in the tool's syntax when it is not `${}`;
    the template placeholders left are read as `parse_templated` reads them, by `mode`; None:
    as plain SQL, as a run sends them). `tool.replace` False: the text is parsed as written,
    as the tool sends it. Statements, comments and problems keep the places of the file as
    written (a value of another length moves nothing after it); a statement's text is the
    file's, placeholders and all (`as_sent` gives what runs). `parse`: as
    `parse_templated`'s."""
    def read(sql: str) -> ParsedFile:
        if mode is None or not tool.replace:
            return parse_sql(sql, comments=comments) if parse is None else parse(sql)
        return parse_templated(sql, mode, path, comments=comments, parse=parse)

    if not tool.replace:
        return read(text)
    replaced, moves, stood = _put_in(text, tool, stand_ins=True)
    if not moves:
        return read(text)
    try:
        parsed = read(replaced)
    except InputError as exc:  # (`error` mode: at its place in the file as written)
        if exc.line is None:
            raise
        offset = LineIndex.of(replaced).starts[exc.line - 1] + exc.column - 1
        line, column = LineIndex.of(text).position(_Moves(moves).start(offset))
        raise InputError(exc.message, exc.path, line, column) from None
    # Each named by its stand-in too: a suggestion written from the statement's text
    # (which keeps its placeholders) names it as the file does.
    parsed.placeholders = {**parsed.placeholders, **stand_ins(stood)}
    _moved_back(parsed, text, replaced, _Moves(moves))
    return parsed


class _Moves:
    """Offsets of a text whose placeholders were replaced by values, taken back to the text
    as written: an offset inside a value goes to its placeholder's start (a start) or end
    (an end); one after it, by the difference of their lengths."""

    __slots__ = ("moves", "starts")

    def __init__(self, moves: list[tuple[int, int, int, int]]) -> None:
        self.moves = moves
        self.starts = [move[0] for move in moves]

    def start(self, offset: int) -> int:
        from bisect import bisect_right

        i = bisect_right(self.starts, offset) - 1
        if i < 0:
            return offset
        new_start, new_end, old_start, old_end = self.moves[i]
        return old_start if offset < new_end else offset + old_end - new_end

    def end(self, offset: int) -> int:
        from bisect import bisect_left

        i = bisect_left(self.starts, offset) - 1
        if i < 0:
            return offset
        new_start, new_end, old_start, old_end = self.moves[i]
        return old_end if offset <= new_end else offset + old_end - new_end


def _moved_back(parsed: ParsedFile, text: str, replaced: str, moves: _Moves) -> None:
    """`parsed` (of `replaced`: `text` with values put in) with its places in `text` as
    written, and a problem's message quoting the file's own text where it quoted a value's
    (`at or near "cc$"` is `at or near "${a}${a}$"` in the file)."""
    from dataclasses import replace

    def own_words(item: ParseProblem) -> str:
        near, start = near_text(item.message), item.span.start_offset
        if not near or not replaced.startswith(near, start):
            return item.message  # (folded text, or quoted from elsewhere: as it is)
        return quoting(item.message,
                       text[moves.start(start):moves.end(start + len(near))])

    lines = LineIndex.of(text)

    def span(old: Span) -> Span:
        return lines.span(moves.start(old.start_offset), moves.end(old.end_offset))

    statements = []
    for s in parsed.statements:
        where = span(s.span)
        statements.append(Statement(s.index, text[where.start_offset:where.end_offset],
                                    where, s.tree, s.leading_comments,
                                    tuple(span(c) for c in s.comment_spans)))
    parsed.statements = statements
    parsed.comments = [(comment, span(where)) for comment, where in parsed.comments]
    parsed.skipped = [replace(item, span=span(item.span)) for item in parsed.skipped]
    parsed.problems = [replace(item, span=span(item.span), message=own_words(item))
                       for item in parsed.problems]
