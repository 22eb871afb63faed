"""Globs over `/`-separated relative paths, matched in time linear in the path: `**/` any
number of folders (none too), each with its `/`; `**` any characters; `*` any but `/`; `?`
one such. Flyway's location wildcards (discover/spring_boot.py) and a config's override paths
(config/__init__.py) are both read so.

A regular expression of `*a*a*a*...b` tries each way of placing the `a`s (minutes for one
folder's name of forty `a`s); here a glob is read left to right with the set of places in
the path each token may end at (`glob_matches`). Many globs against many paths (a run of fifty
wildcard locations over a tree of ten thousand folders) go through one automaton of them all
(`GlobSet`), built as the paths ask for its states: each path is read once, whatever the
number of globs."""

from __future__ import annotations

from lockwise.core.lazy_re import lazy_compile

#: The wildcards: `**/`, `**`, `*`, `?`.
WILDCARDS = lazy_compile(r"\*\*/|\*\*|\*|\?")


def glob_tokens(glob: str) -> list[str]:
    """The relative path `glob` as its wildcards (`**/`, `**`, `*`, `?`) and the literal
    text between them."""
    out, at = [], 0
    for token in WILDCARDS.finditer(glob):
        out += [glob[at:token.start()], token.group()]
        at = token.end()
    return [*out, glob[at:]]


def glob_matches(tokens: list[str], path: str) -> bool:
    """Whether the relative `path` matches the glob of `tokens` (`glob_tokens`). Read left to
    right with the set of places in `path` each token may end at, so that the time grows
    with the glob's length times the path's."""
    at = {0}
    for token in tokens:
        if token == "?":
            at = {i + 1 for i in at if i < len(path) and path[i] != "/"}
        elif token in ("*", "**", "**/"):
            at = _spread(token, at, path)
        else:
            at = {i + len(token) for i in at if path.startswith(token, i)}
        if not at:
            return False
    return len(path) in at


def _spread(wildcard: str, at: set[int], path: str) -> set[int]:
    """The places in `path` that `wildcard` (`*`, `**` or `**/`) may end at when it starts
    at one of `at`; each place looked at once."""
    if wildcard == "**":
        return set(range(min(at), len(path) + 1))
    out: set[int] = set()
    for start in sorted(at):
        i = start
        # a place an earlier start reached: all that follows it is reached already
        while i not in out:
            out.add(i)
            if i >= len(path) or path[i] == "/":
                break
            if wildcard == "*":
                i += 1
            elif (slash := path.find("/", i + 1)) < 0:  # `**/`: a folder's name and its `/`
                break
            else:
                i = slash + 1
    return out


class Glob:
    """One glob, compiled to its tokens: `fullmatch(path)` as a pattern's (a bool)."""

    __slots__ = ("tokens",)

    def __init__(self, glob: str) -> None:
        self.tokens = glob_tokens(glob)

    def fullmatch(self, path: str) -> bool:
        """Whether all of `path` matches the glob."""
        return glob_matches(self.tokens, path)


# What a state of one glob's automaton does with a character (`_Nfa`): a literal character
# goes on when it is that one, `?` on any but `/`; `*` stays on any but `/`, `**` on any,
# and both may end without one; `**/` may end, or read a folder's name (`_NAME`, which stays
# on any but `/` and goes back on `/`).
_CHAR, _ONE, _STAR, _ANY, _FOLDERS, _NAME, _END = range(7)

#: A set of globs whose automaton grew past this many states is matched glob by glob.
MAX_STATES = 4096


class _TooMany(Exception):
    """The automaton of a `GlobSet` grew past `MAX_STATES`."""


class GlobSet:
    """Many globs matched together: `matching(path)` the indexes of those that match all of
    it, in one reading of the path, states of the automaton of all the globs made as they
    are reached and kept (`steps` counts the characters read, for the tests)."""

    def __init__(self, globs: list[str]) -> None:
        self.globs = [glob_tokens(g) for g in globs]
        self.steps = 0
        # one glob's states in a row: (what it does, its character, the glob it ends)
        self._kinds: list[tuple[int, str, int]] = []
        self._starts: list[int] = []
        for index, tokens in enumerate(self.globs):
            self._starts.append(len(self._kinds))
            for token in tokens:
                if token in ("*", "**", "**/", "?"):
                    kind = {"*": _STAR, "**": _ANY, "?": _ONE}.get(token, _FOLDERS)
                    self._kinds.append((kind, "", index))
                    if kind == _FOLDERS:
                        self._kinds.append((_NAME, "", index))
                else:
                    self._kinds += [(_CHAR, c, index) for c in token]
            self._kinds.append((_END, "", index))
        self._ids: dict[frozenset[int], int] = {}
        self._sets: list[frozenset[int]] = []
        self._moves: list[dict[str, int]] = []
        self._ends: list[tuple[int, ...]] = []
        try:
            self.start: int | None = self._state(self._closed(set(self._starts)))
        except _TooMany:
            self.start = None

    def _closed(self, states: set[int]) -> frozenset[int]:
        """`states` with those each may go on to without a character."""
        todo = list(states)
        while todo:
            s = todo.pop()
            if self._kinds[s][0] in (_STAR, _ANY, _FOLDERS):
                after = s + 2 if self._kinds[s][0] == _FOLDERS else s + 1
                if after not in states:
                    states.add(after)
                    todo.append(after)
        return frozenset(states)

    def _state(self, states: frozenset[int]) -> int:
        found = self._ids.get(states)
        if found is None:
            if len(self._sets) >= MAX_STATES:
                raise _TooMany
            found = self._ids[states] = len(self._sets)
            self._sets.append(states)
            self._moves.append({})
            self._ends.append(tuple(sorted(self._kinds[s][2] for s in states
                                           if self._kinds[s][0] == _END)))
        return found

    def _move(self, state: int, char: str) -> int:
        """The state after `char` read in `state`, made the first time it is asked."""
        after: set[int] = set()
        for s in self._sets[state]:
            kind, own, _ = self._kinds[s]
            if kind == _ANY:
                after.add(s)
            elif kind == _CHAR:
                if char == own:
                    after.add(s + 1)
            elif char == "/":
                if kind == _NAME:
                    after.add(s - 1)
            elif kind in (_ONE, _NAME):
                after.add(s + 1 if kind == _ONE else s)
            elif kind == _STAR:
                after.add(s)
            elif kind == _FOLDERS:
                after.add(s + 1)
        found = self._moves[state][char] = self._state(self._closed(after))
        return found

    def read(self, state: int | None, text: str) -> int | None:
        """The state after `text` is read from `state` (None: the automaton grew too big,
        `matching` goes glob by glob)."""
        if state is None:
            return None
        self.steps += len(text)
        try:
            for char in text:
                moves = self._moves[state]
                state = moves[char] if char in moves else self._move(state, char)
        except _TooMany:
            return None
        return state

    def ends(self, state: int | None, path: str) -> tuple[int, ...]:
        """The globs that match all of `path`, whose reading from the start ended in `state`
        (None: each glob tried in turn)."""
        if state is None:
            return tuple(i for i, tokens in enumerate(self.globs) if glob_matches(tokens, path))
        return self._ends[state]

    def matching(self, path: str) -> tuple[int, ...]:
        """The indexes of the globs that match all of `path`."""
        return self.ends(self.read(self.start, path), path)
