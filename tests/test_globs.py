"""Globs over relative paths (core/globs.py): a config's override paths and Flyway's wildcard
locations are matched in time linear in the path, and many globs in one reading of it. The
tests count the characters read, never time."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from lockwise.config import glob_pattern
from lockwise.core.globs import GlobSet, glob_matches, glob_tokens


class Counted(str):
    """A path that counts the characters the matcher reads of it."""

    reads = 0

    def __getitem__(self, key: object) -> str:  # type: ignore[override]
        Counted.reads += 1
        return str.__getitem__(self, key)  # type: ignore[index]

    def startswith(self, *args: object) -> bool:  # type: ignore[override]
        Counted.reads += 1
        return str.startswith(self, *args)  # type: ignore[arg-type]

    def find(self, *args: object) -> int:  # type: ignore[override]
        Counted.reads += 1
        return str.find(self, *args)  # type: ignore[arg-type]


def _as_regex(glob: str) -> re.Pattern[str]:
    """An override's glob as the config read it before (a regular expression, the reference
    the matcher is checked against): `**/` none or more folders, `**` anything, `*` anything
    but `/`, `?` one such."""
    out = []
    for token in glob_tokens(glob.strip("/")):
        out.append({"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
            token, re.escape(token)))
    return re.compile("".join(out))


def test_a_location_glob_of_many_stars_is_matched_in_time_linear_in_the_name() -> None:
    """`db/*a*a*a...*ab` against a long folder name: each place of the name is looked at
    once per wildcard (a regular expression tried every way of placing the `a`s: 36 s for
    twelve stars and a 40-letter folder; moved here from the Flyway tests with the
    matcher). Counted, not timed: the characters read grow with the name's length, not
    faster."""
    tokens = glob_tokens("*a" * 12 + "b")
    reads = []
    for size in (100, 200, 400):
        Counted.reads = 0
        assert not glob_matches(tokens, Counted("a" * size))
        reads.append(Counted.reads)
    assert glob_matches(tokens, "a" * 40 + "b")
    assert reads[2] < 5 * reads[0], reads


def test_an_override_glob_of_many_stars_reads_a_long_path_in_linear_time() -> None:
    """`db/*a*a*a...*ab` against a long name that never matches: a regular expression tried
    each way of placing the `a`s; the override's glob reads each place a bounded number of
    times, so the characters read grow with the path, not faster."""
    glob = glob_pattern("db/" + "*a" * 12 + "b")
    reads = []
    for size in (100, 200, 400):
        Counted.reads = 0
        assert not glob.fullmatch(Counted("db/" + "a" * size))
        reads.append(Counted.reads)
    assert reads[0] > 0 and reads[2] < 5 * reads[0], reads
    assert glob.fullmatch("db/" + "a" * 40 + "b")
    assert not glob.fullmatch("db/" + "a" * 40 + "/b")


_PATHS = st.lists(st.sampled_from(["a", "b", "ab", "x.sql"]), max_size=5).map("/".join)
#: Globs of folders' names, `**` one of them (`**/` glued to a name, `a**/b`, reads as
#: folders each with a name now: `a/b` no longer matches it).
_GLOBS = st.lists(st.sampled_from(["a", "b", "*", "?", "**", "*a", "a*b", "?b", "*.sql"]),
                  max_size=5).map("/".join)
#: Any glob, for the set of globs against each alone.
_ANY_GLOBS = st.lists(st.sampled_from(["a", "b", "/", "*", "**", "**/", "?", ".sql"]),
                      max_size=7).map("".join)


@settings(max_examples=400, deadline=None)
@given(_GLOBS, _PATHS)
def test_an_override_glob_matches_as_its_regular_expression(glob: str, path: str) -> None:
    """On paths of folders with names (no empty one), the linear matcher says what the
    regular expression of the glob says."""
    assert glob_pattern(glob).fullmatch(path) == bool(_as_regex(glob).fullmatch(path))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ANY_GLOBS, min_size=1, max_size=5), st.lists(_PATHS, max_size=8))
def test_a_set_of_globs_matches_as_each_glob_alone(globs: list[str], paths: list[str]) -> None:
    """`GlobSet.matching` gives the globs that `glob_matches` says match, whatever the
    paths asked before (its states are made as they are reached, and kept)."""
    together = GlobSet(globs)
    for path in paths:
        alone = tuple(i for i, glob in enumerate(globs) if glob_matches(glob_tokens(glob), path))
        assert together.matching(path) == alone


def test_a_set_of_globs_reads_each_path_once_whatever_their_number() -> None:
    """Forty globs or four: each path is read once, a character a step (fifty locations
    matched against ten thousand folders one by one were half a million matches)."""
    paths = [f"g{a}/f{b}" for a in range(30) for b in range(30)]
    steps = []
    for count in (4, 40):
        globs = GlobSet([f"*/f{i}" for i in range(count)])
        found = [globs.matching(path) for path in paths]
        assert sum(map(len, found)) == 30 * min(count, 30)
        steps.append(globs.steps)
    assert steps[0] == steps[1] == sum(map(len, paths))


def test_a_set_of_globs_too_big_for_its_states_goes_glob_by_glob(monkeypatch) -> None:
    """Past `MAX_STATES` states, each glob is matched alone: the same answers."""
    from lockwise.core import globs as module

    monkeypatch.setattr(module, "MAX_STATES", 3)
    names = ["*a*b", "**/b", "a?", "ab"]
    together = GlobSet(names)
    for path in ["ab", "a/b", "aab", "x/y/b", "b", ""]:
        alone = tuple(i for i, glob in enumerate(names)
                      if glob_matches(glob_tokens(glob), path))
        assert together.matching(path) == alone
