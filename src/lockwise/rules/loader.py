"""Loading rule files: the shipped catalog and a team's own `--rules-dir`."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.types import Safety, Strategy
from lockwise.options import DIALECT_CHOICES, dialect_named
from lockwise.parse.source import (
    InputError,
    missing_path_error,
    parse_toml,
    path_error,
    read_text_file,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from lockwise.config import Config

    # Imported where rules are built: a cached `lockwise lint` only needs rules_fingerprint.
    from lockwise.rules.example import Example
    from lockwise.rules.model import Rule

_KEYS = {"id", "title", "safety", "when", "message", "why", "instead", "strategy", "examples",
         "tags", "references", "dialects", "instead_outside_transaction",
         "instead_mysql", "message_mysql", "why_mysql", "superseded_by_alternatives",
         "one_set_covers", "once_per_transaction", "message_further"}
_EXAMPLE_KEYS = {"bad", "good", "setup", "pg_version", "in_transaction", "note", "stats",
                 "max_lock_seconds", "dialect", "server_version", "layout"}
#: Keys of `when` that are not equalities on facts.
VERSION_KEYS = {"pg_version_min", "pg_version_max"}


@lru_cache(maxsize=1)
def builtin_rules_dir() -> Path:
    """The catalog shipped with lockwise: inside the wheel, or the repository's `rules/`.
    Found once a process: resolving the module's path joins a path per folder of it."""
    packaged = Path(__file__).resolve().parent.parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def _example(raw: dict, path: Path) -> Example:
    from lockwise.rules.example import Example

    unknown = set(raw) - _EXAMPLE_KEYS
    if unknown or ("bad" in raw) == ("good" in raw):
        raise InputError(f"an example needs exactly one of bad/good (unknown keys: "
                         f"{', '.join(sorted(unknown)) or 'none'})", path)
    return Example(sql=raw.get("bad", raw.get("good", "")), bad="bad" in raw,
                   setup=raw.get("setup", ""), pg_version=raw.get("pg_version"),
                   in_transaction=raw.get("in_transaction"), note=raw.get("note", ""),
                   stats=raw.get("stats"), max_lock_seconds=raw.get("max_lock_seconds"),
                   dialect=raw.get("dialect"), server_version=raw.get("server_version"),
                   layout=raw.get("layout"))


def load_rule(path: Path) -> Rule:
    """Read and validate one rule file; a bad file is an InputError naming the key."""
    from lockwise.rules.engine import ON_DEMAND_FACTS, rule_reads
    from lockwise.rules.model import Rule

    text = read_text_file(path, "rule file")
    raw = parse_toml(text, path)
    unknown = set(raw) - _KEYS
    if unknown:
        raise InputError(f"unknown key(s) in rule file: {', '.join(sorted(unknown))}", path)
    for key in ("id", "title", "safety", "when", "message", "why", "instead"):
        if key not in raw:
            raise InputError(f"rule file is missing {key!r}", path)
    when = raw["when"]
    alternatives = tuple(when) if isinstance(when, list) else (when,)
    if not alternatives or not all(isinstance(w, dict) and w for w in alternatives):
        raise InputError("'when' must be a non-empty table or array of tables", path)
    written = raw.get("dialects", ("postgresql",))
    if not isinstance(written, list | tuple):
        written = [written]
    dialects = tuple(dict.fromkeys(dialect_named(d) for d in written))
    if None in dialects:
        unknown = [str(d) for d in written if dialect_named(d) is None]
        raise InputError(f"unknown dialect(s) {', '.join(unknown)} in 'dialects'; choose "
                         f"{DIALECT_CHOICES}", path)
    if not isinstance(raw.get("superseded_by_alternatives", False), bool):
        raise InputError("'superseded_by_alternatives' must be true or false", path)
    if not isinstance(raw.get("once_per_transaction", False), bool):
        raise InputError("'once_per_transaction' must be true or false", path)
    if not re.fullmatch(r"[a-z_]*", str(raw.get("one_set_covers", ""))):
        raise InputError("'one_set_covers' must name a setting, such as lock_timeout", path)
    try:
        safety = Safety.parse(raw["safety"])
        strategy = Strategy(raw["strategy"]) if raw.get("strategy") else None
    except ValueError as exc:
        raise InputError(str(exc), path) from None
    _check_names(raw, alternatives, path, text)
    rule = Rule(
        id=raw["id"], title=raw["title"], safety=safety, when=alternatives,
        message=raw["message"].strip(), why=raw["why"].strip(), instead=raw["instead"].strip(),
        strategy=strategy,
        examples=tuple(_example(e, path) for e in raw.get("examples", ())),
        path=str(path), tags=tuple(raw.get("tags", ())),
        references=tuple(raw.get("references", ())),
        dialects=tuple(d for d in dialects if d is not None),
        instead_outside_transaction=raw.get("instead_outside_transaction", "").strip(),
        instead_mysql=raw.get("instead_mysql", "").strip(),
        message_mysql=raw.get("message_mysql", "").strip(),
        message_further=raw.get("message_further", "").strip(),
        why_mysql=raw.get("why_mysql", "").strip(),
        superseded_by_alternatives=raw.get("superseded_by_alternatives", False),
        one_set_covers=raw.get("one_set_covers", ""),
        once_per_transaction=raw.get("once_per_transaction", False),
    )
    rule.reads_on_demand = tuple(fact for fact in ON_DEMAND_FACTS if rule_reads(rule, fact))
    return rule


#: The templates a rule fills with facts.
TEMPLATE_KEYS = ("message", "instead", "instead_outside_transaction", "instead_mysql",
                 "message_mysql", "message_further")


def _check_names(raw: dict, alternatives: tuple[dict, ...], path: Path, text: str) -> None:
    """A `when` that names a fact no statement has never matches, and a template field that
    names one prints `{name}`: both are input errors, pointing at the name in the file."""
    import string

    from lockwise.rules.fact_names import ACTION_KINDS, FACT_NAMES

    for when in alternatives:
        _check_actions(raw["id"], when.get("action"), path, text, ACTION_KINDS)
        for key in when:
            if key not in FACT_NAMES and key not in VERSION_KEYS:
                raise _unknown(f"rule {raw['id']!r}: `when` names {key!r}, a fact lockwise "
                               "does not have, so the rule would never match",
                               key, rf"\b{re.escape(key)}\s*=", text, path,
                               {*FACT_NAMES, *VERSION_KEYS})
    for field in TEMPLATE_KEYS:
        template = raw.get(field, "")
        if not isinstance(template, str):
            raise InputError(f"rule {raw['id']!r}: {field!r} must be a string", path)
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(template)
                      if name is not None]
        except ValueError as exc:
            raise InputError(f"rule {raw['id']!r}: {field!r} is not a valid template ({exc}); "
                             "write a literal brace as {{ or }}", path,
                             *_position(rf"(?m)^{field}\s*=", text)) from None
        for name in fields:
            if name in FACT_NAMES or (name.endswith("_sql") and name[:-4] in FACT_NAMES):
                continue
            what = f"{{{name}}}"
            raise _unknown(f"rule {raw['id']!r}: {field!r} uses the placeholder {what}, which "
                           "names no fact lockwise has (it would be printed as written)"
                           if name.isidentifier() else
                           f"rule {raw['id']!r}: {field!r} uses the placeholder {what}: a "
                           "placeholder is the name of a fact alone, such as {table}",
                           name, re.escape(what), text, path, FACT_NAMES)


def _check_actions(rule_id: str, action: object, path: Path, text: str,
                   known: frozenset[str]) -> None:
    """The `action` of a `when` (a kind, or a list of kinds) names kinds statements have: a
    misspelt one would match nothing, silently."""
    if action is None:
        return
    kinds = action if isinstance(action, list) else [action]
    if not kinds or not all(isinstance(k, str) for k in kinds):
        raise InputError(f"rule {rule_id!r}: `action` must be an action kind or a list of "
                         "action kinds, such as \"truncate\"", path,
                         *_position(r"\baction\s*=", text))
    for kind in kinds:
        if kind not in known:
            # At the kind itself, within the `action = ...` that names it.
            raise _unknown(f"rule {rule_id!r}: `when` matches action {kind!r}, which no "
                           "statement has, so the rule would never match",
                           kind, rf"\baction\s*=\s*(?:\[[^\]]*?)?(\"{re.escape(kind)}\")",
                           text, path, known, "action kinds")


def _unknown(message: str, name: str, pattern: str, text: str, path: Path,
             known: set[str] | frozenset[str], listed: str = "facts") -> InputError:
    """The error for an unknown `name`, at its first place in the rule file's `text` (the
    pattern's first group, if it has one), with the closest known name as a suggestion."""
    from difflib import get_close_matches

    close = get_close_matches(name, known, n=1) if name else []
    hint = f"; did you mean {close[0]!r}?" if close else \
        f"; lockwise/rules/fact_names.py lists the {listed}"
    return InputError(message + hint, path, *_position(pattern, text))


def _position(pattern: str, text: str) -> tuple[int, int]:
    """The line and column (from 1) where `pattern` first matches `text` (its first group,
    if it has one); 1, 1 if nowhere."""
    found = re.search(pattern, text)
    if found is None:
        return 1, 1
    start = found.start(1 if found.re.groups else 0)
    return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)


def check_rule_dir(directory: Path) -> None:
    """Raises the InputError of a rules folder that is missing or is not a folder."""
    if not directory.is_dir():
        raise missing_path_error(directory) if not directory.exists() else \
            path_error("not a directory: rules are read from a folder of rule files", directory)


def check_config_rule_names(config: Config, directories: tuple[Path, ...]) -> None:
    """Checks the config's `select` and `ignore` against the rules of `directories` (and the
    kinds of conflict `ignore` may name): a typo is the config's InputError, at its line."""
    from lockwise.graph.model import CONFLICT_TITLES

    ids, tags = rule_names(load_rules(directories))
    config.check_rule_names(ids, tags, CONFLICT_TITLES)


#: The rule files listed while `one_listing` is in force, by their folders; None outside.
_listed: dict[tuple[Path, ...], tuple[tuple[str, ...], str]] | None = None


@contextmanager
def one_listing() -> Iterator[None]:
    """Within it, the rule files of given folders are listed and stamped once: a lint that
    misses its result cache stamps them for its key, then reads the catalog (a listing and
    a stat of each of 140 files, about 1% of that run). Outside it each call lists them
    anew, so that a process sees a rule edited between two lints."""
    global _listed
    outer = _listed
    _listed = {} if outer is None else outer
    try:
        yield
    finally:
        _listed = outer


def _rule_files(directories: tuple[Path, ...]) -> tuple[tuple[str, ...], str]:
    """`_list_rule_files`, once per `one_listing`."""
    if _listed is None:
        return _list_rule_files(directories)
    listing = _listed.get(directories)
    if listing is None:
        listing = _listed[directories] = _list_rule_files(directories)
    return listing


def _list_rule_files(directories: tuple[Path, ...]) -> tuple[tuple[str, ...], str]:
    """The rule files of the shipped catalog and `directories`, and their fingerprint, which
    an edited rule changes: the shipped files' stamps (`cache.file_stamp`), and the content of
    a team's `--rules-dir` files (a fresh checkout, as in CI, gives them new times).

    Listed as strings with `os.scandir` (the files of `Path.glob("*.toml")`, in the same
    order): every `lockwise lint` asks for the fingerprint, and pathlib's glob and a Path per
    file cost 1 ms more; the files are read only when the parsed catalog is not cached."""
    from lockwise.cache import blake2b, file_stamp

    files: list[str] = []
    parts: list[str] = []
    shipped = builtin_rules_dir()
    for directory in (shipped, *directories):
        check_rule_dir(directory)
        # Each entry has its path already (`os.path.join` per file was a quarter of this).
        with os.scandir(str(directory)) as listing:
            entries = sorted((entry for entry in listing if entry.name.endswith(".toml")),
                             key=attrgetter("name"))
        for entry in entries:
            path = entry.path
            if directory is shipped:
                parts.append(f"{path}:{file_stamp(entry.stat())}")
            else:
                try:
                    with open(path, "rb") as handle:
                        digest = blake2b(handle.read(), digest_size=16).hexdigest()
                except OSError as exc:
                    raise InputError(f"cannot read rule file: {exc}", Path(path)) from None
                parts.append(f"{path}:{digest}")
            files.append(path)
    return tuple(files), "\0".join(parts)


def rules_fingerprint(directories: tuple[Path, ...] = ()) -> str:
    """Identifies the rules `load_rules(directories)` returns."""
    return _rule_files(directories)[1]


#: Changes when a stored `Rule` changes shape (2: its path a string; 3: marshalled as
#: `_stored_rule` writes it; 4: with `reads_on_demand`; 5: a shipped rule's path its file's
#: name alone, joined to this tree's `builtin_rules_dir` on load), so that a catalog another version
#: stored is not read back. `_rule_shape`, in the key too, does the same by itself for a field
#: added, removed or moved (a development checkout keeps its version). Not
#: `cache.FORMAT`: the code stores of two versions sharing a cache folder would then push each
#: other out at every run.
_STORED_SHAPE = 5


def _shipped_prefix() -> str:
    """The shipped catalog's folder with a separator after it: what a stored shipped rule's
    path leaves out, so that a catalog found by its files' content (`_content_digest`) names
    the files of the tree that reads it, not of the one that stored it."""
    return str(builtin_rules_dir()) + os.sep


def _stored_rule(rule: Rule, shipped: str) -> tuple:
    """A rule without its examples in `marshal`'s plain types: its fields in `__init__`'s
    order, its safety and strategy by their values, the path of a rule of the `shipped`
    folder (`_shipped_prefix`) its file's name alone (`_stored_rules` reads it back)."""
    from dataclasses import fields

    values = {f.name: getattr(rule, f.name) for f in fields(rule)}
    values["safety"] = rule.safety.value
    values["strategy"] = None if rule.strategy is None else rule.strategy.value
    name = rule.path[len(shipped):]
    if rule.path.startswith(shipped) and os.sep not in name:
        values["path"] = name
    return tuple(values.values())


def _rule_shape() -> str:
    """`Rule`'s field names in order: the values `_stored_rule` writes by position mean
    nothing to a `Rule` of another shape (a field with a default added among the others would
    take its neighbour's value, and fail only when a rule is judged)."""
    from dataclasses import fields

    from lockwise.rules.model import Rule

    return ",".join(f.name for f in fields(Rule))


def _stored_rules(stored: object, shipped: str) -> tuple[Rule, ...] | None:
    """The rules `_stored_rule` wrote, each shipped rule's file in the `shipped` folder, or
    None for anything else (a damaged file)."""
    from dataclasses import fields

    from lockwise.rules.model import Rule

    if not isinstance(stored, tuple):
        return None
    names = [f.name for f in fields(Rule)]
    safety_at, strategy_at = names.index("safety"), names.index("strategy")
    path_at, sep = names.index("path"), os.sep
    rules = []
    try:
        for values in stored:
            values = list(values)
            if len(values) != len(names):
                return None
            values[safety_at] = Safety(values[safety_at])
            if values[strategy_at] is not None:
                values[strategy_at] = Strategy(values[strategy_at])
            path = values[path_at]
            if sep not in path:  # a file's name alone: a shipped rule
                values[path_at] = shipped + path
            rules.append(Rule(*values))
    except (TypeError, ValueError, IndexError):
        return None
    return tuple(rules)


def rule_tags(rules: Iterable[Rule]) -> dict[str, tuple[str, ...]]:
    """Each rule's tags by its id: what a `select` (an override's too) may name besides ids."""
    return {r.id: tuple(r.tags) for r in rules}


def rule_names(rules: Iterable[Rule]) -> tuple[set[str], set[str]]:
    """The rule ids and the tags of `rules`: what a `select` or `ignore` may name."""
    rules = tuple(rules)
    return {r.id for r in rules}, {t for r in rules for t in r.tags}


@lru_cache(maxsize=8)
def load_rules(directories: tuple[Path, ...] = (), examples: bool = True) -> tuple[Rule, ...]:
    """The shipped catalog plus the rules in `directories`; a later rule with the same id wins.
    `examples=False`: each rule's `examples` left empty, for lint, which reads none of them."""
    from dataclasses import replace

    from lockwise.cache import blake2b, link, load, load_marshalled, store, store_marshalled, touch

    # Parsing ~70 TOML files costs about 30 ms, a sixth of a pre-commit run; reading them
    # back from one file costs 2. The examples are stored apart (pickled): they are half of
    # what is stored, and of the time a one-file lint took to read it. The rules themselves
    # are marshalled: lint then needs no unpickler (see `cache.load_marshalled`).
    files, fingerprint = _rule_files(directories)
    shape = f"{_STORED_SHAPE}\0{_rule_shape()}"
    digest = blake2b(f"{shape}\0{fingerprint}".encode(), digest_size=16).hexdigest()
    shipped = _shipped_prefix()
    cached = _stored_rules(load_marshalled(f"rules-{digest}"), shipped)
    # Missed by the files' paths and times (another worktree or install, a checkout that
    # rewrote the files): by their content, before parsing them all again (a second).
    content = None if cached is not None else _content_digest(shape, files, fingerprint)
    if content is not None:
        cached = _stored_rules(load_marshalled(f"rulescontent-{content}"), shipped)
        if cached is not None:  # found next time by paths and times, as before
            link(f"rulescontent-{content}", f"rules-{digest}", keep=8)
            link(f"examplescontent-{content}", f"examples-{digest}", keep=8)
    if cached is not None:
        # Marked as used: pruning (`keep=8` below) keeps the catalogs last written *or read*,
        # so more than 8 installs, versions or rule sets in turn do not evict one in use.
        touch(f"rules-{digest}")
        bare: tuple[Rule, ...] = cached
        if not examples:
            return bare
        from lockwise.rules.example import Example

        stored = load(f"examples-{digest}")
        if stored is not None and len(stored[1]) == len(bare) and all(
                isinstance(e, Example) for each in stored[1] for e in each):
            touch(f"examples-{digest}")
            return tuple(replace(rule, examples=each)
                         for rule, each in zip(bare, stored[1], strict=True))
    by_id: dict[str, Rule] = {}
    for path in files:
        rule = load_rule(Path(path))
        by_id[rule.id] = rule
    rules = tuple(by_id.values())
    bare = tuple(replace(rule, examples=()) for rule in rules)
    store_marshalled(f"rules-{digest}", tuple(_stored_rule(rule, shipped) for rule in bare),
                     keep=8)
    store(f"examples-{digest}", None, [rule.examples for rule in rules], keep=8)
    content = content or _content_digest(shape, files, fingerprint)
    if content is not None:
        link(f"rules-{digest}", f"rulescontent-{content}", keep=8)
        link(f"examples-{digest}", f"examplescontent-{content}", keep=8)
    return rules if examples else bare


def _content_digest(shape: str, files: tuple[str, ...], fingerprint: str) -> str | None:
    """What names a stored catalog by the content of its rule files (`load_rules` stores it
    under this and under its files' paths and times): the `shape` of a stored rule, the
    shipped files' names and bytes, and a `--rules-dir` file's part of the `fingerprint`
    (its path, whose rules are stored with it, and a digest of its bytes). None when a
    shipped file cannot be read (parsing it says why)."""
    from lockwise.cache import blake2b

    shipped = _shipped_prefix()
    digest = blake2b(shape.encode(), digest_size=16)
    for path, part in zip(files, fingerprint.split("\0") if files else (), strict=True):
        name = path[len(shipped):]
        if path.startswith(shipped) and os.sep not in name:
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                return None
            digest.update(f"\0{name}\0{len(data)}\0".encode())
            digest.update(data)
        else:
            digest.update(f"\0{part}\0".encode())
    return digest.hexdigest()
