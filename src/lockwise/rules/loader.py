"""Loading rule files: the shipped catalog and a team's own `--rules-dir`."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from lockwise.core.types import Safety, Strategy
from lockwise.parse.source import InputError
from lockwise.rules.model import Example, Rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_KEYS = {"id", "title", "safety", "when", "message", "why", "instead", "strategy", "examples",
         "tags", "references", "dialects"}
_EXAMPLE_KEYS = {"bad", "good", "setup", "pg_version", "in_transaction", "note", "stats",
                 "max_lock_seconds", "dialect", "server_version"}
#: SQL dialects lockwise reads.
DIALECTS = ("postgresql", "mysql", "mariadb")
#: Keys of `when` that are not equalities on facts.
VERSION_KEYS = {"pg_version_min", "pg_version_max"}


def builtin_rules_dir() -> Path:
    """The catalog shipped with lockwise: inside the wheel, or the repository's `rules/`."""
    packaged = Path(__file__).resolve().parent.parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def _example(raw: dict, path: Path) -> Example:
    unknown = set(raw) - _EXAMPLE_KEYS
    if unknown or ("bad" in raw) == ("good" in raw):
        raise InputError(f"an example needs exactly one of bad/good (unknown keys: "
                         f"{', '.join(sorted(unknown)) or 'none'})", path)
    return Example(sql=raw.get("bad", raw.get("good", "")), bad="bad" in raw,
                   setup=raw.get("setup", ""), pg_version=raw.get("pg_version"),
                   in_transaction=raw.get("in_transaction"), note=raw.get("note", ""),
                   stats=raw.get("stats"), max_lock_seconds=raw.get("max_lock_seconds"),
                   dialect=raw.get("dialect"), server_version=raw.get("server_version"))


def load_rule(path: Path) -> Rule:
    """Read and validate one rule file; a bad file is an InputError naming the key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", path, getattr(exc, "lineno", 1) or 1,
                         getattr(exc, "colno", 1) or 1) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read rule file: {exc}", path) from None
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
    unknown_dialects = set(raw.get("dialects", ())) - set(DIALECTS)
    if unknown_dialects:
        raise InputError(f"unknown dialect(s) {', '.join(sorted(unknown_dialects))}; "
                         f"choose from {', '.join(DIALECTS)}", path)
    try:
        safety = Safety.parse(raw["safety"])
        strategy = Strategy(raw["strategy"]) if raw.get("strategy") else None
    except ValueError as exc:
        raise InputError(str(exc), path) from None
    return Rule(
        id=raw["id"], title=raw["title"], safety=safety, when=alternatives,
        message=raw["message"].strip(), why=raw["why"].strip(), instead=raw["instead"].strip(),
        strategy=strategy,
        examples=tuple(_example(e, path) for e in raw.get("examples", ())),
        path=path, tags=tuple(raw.get("tags", ())), references=tuple(raw.get("references", ())),
        dialects=tuple(raw.get("dialects", ("postgresql",))),
    )


#: Bump when Rule or Example change shape: a cache written by another version is ignored.
_CACHE_FORMAT = 1


def _cache_file(files: list[Path]) -> Path | None:
    """Where the parsed rules of exactly these files (names, sizes, mtimes) are kept.

    Parsing ~70 TOML files costs about 30 ms, a sixth of a pre-commit run; reading them back
    from one pickle costs 2. LOCKWISE_CACHE_DIR=off (or an unwritable directory) disables it.
    """
    import hashlib
    import os

    root = os.environ.get("LOCKWISE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lockwise")
    if root == "off":
        return None
    digest = hashlib.sha256(f"{_CACHE_FORMAT}".encode())
    for path in files:
        st = path.stat()
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return Path(root) / f"rules-{digest.hexdigest()[:32]}.pickle"


def _read_cache(cache: Path | None) -> tuple[Rule, ...] | None:
    import pickle

    if cache is None or not cache.is_file():
        return None
    try:
        with cache.open("rb") as handle:
            rules = pickle.load(handle)
    except Exception:  # a damaged or foreign cache is simply rebuilt
        return None
    return rules if isinstance(rules, tuple) and all(isinstance(r, Rule) for r in rules) \
        else None


def _write_cache(cache: Path | None, rules: tuple[Rule, ...]) -> None:
    import os
    import pickle
    import tempfile

    if cache is None:
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(rules, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)  # atomic: a concurrent run reads the old file or the new one
    except OSError:
        pass  # read-only home, full disk: lint without the cache


@lru_cache(maxsize=8)
def load_rules(directories: tuple[Path, ...] = ()) -> tuple[Rule, ...]:
    """The shipped catalog plus the rules in `directories`; a later rule with the same id wins."""
    files: list[Path] = []
    for directory in (builtin_rules_dir(), *directories):
        if not directory.is_dir():
            raise InputError("rules directory not found", directory)
        files.extend(sorted(directory.glob("*.toml")))
    cache = _cache_file(files)
    cached = _read_cache(cache)
    if cached is not None:
        return cached
    by_id: dict[str, Rule] = {}
    for path in files:
        rule = load_rule(path)
        by_id[rule.id] = rule
    rules = tuple(by_id.values())
    _write_cache(cache, rules)
    return rules
