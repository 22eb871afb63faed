"""A cache hit hands the stored reports to the printer one at a time, each unpickled as the
printer asks for it (issue 10, fix-speed83: a hit unpickled every report into one list first,
136 MB above the process at 10,000 generated files). A stored file is checked whole against
the digest written after it before any report is unpickled: a damaged or old file is a miss
found before anything is printed. A report that fails to unpickle all the same, after the
check, makes lint compute the result again and show the reports after those shown: the output
is a run's without the cache either way."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

import lockwise.cache as cache
import lockwise.lint
from lockwise.cli.inputs import collect
from lockwise.core.types import MigrationReport
from lockwise.report.github import GithubPrinter
from lockwise.report.json_report import JsonPrinter
from lockwise.report.markdown import MarkdownPrinter
from lockwise.report.sarif import SarifPrinter
from lockwise.report.text import TextPrinter
from test_ci_streamed import MIGRATIONS, _run
from test_json_streamed import _live_reports

PRINTERS = {"text": TextPrinter, "json": JsonPrinter, "markdown": MarkdownPrinter,
            "sarif": SarifPrinter, "github": GithubPrinter}


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture migrations, in a folder of their own, with a cache of their own."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    return folder


def _stored(target: Path) -> Path:
    (result,) = (target.parent / "cache").glob("lint-*")
    return result


def _events(monkeypatch: pytest.MonkeyPatch, fmt: str | None) -> list[str]:
    """What happens from now on: `lint NAME` for each migration lint analyzes, `show NAME`
    for each report the printer of `fmt` is given (None: lint's only)."""
    events: list[str] = []
    analyze = lockwise.lint.analyze_migration

    def analyzed(migration, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        events.append(f"lint {migration.path.name}")
        return analyze(migration, *args, **kwargs)

    def shown(self: object, report: MigrationReport) -> None:
        events.append(f"show {report.migration.path.name}")
        add(self, report)  # type: ignore[arg-type]

    monkeypatch.setattr(lockwise.lint, "analyze_migration", analyzed)
    if fmt is not None:
        add = PRINTERS[fmt].add
        monkeypatch.setattr(PRINTERS[fmt], "add", shown)
    return events


def _names(target: Path) -> list[str]:
    return sorted(p.name for p in target.glob("*.up.sql"))


@pytest.mark.parametrize("fmt", sorted(PRINTERS))
def test_a_hit_gives_the_printer_the_reports_of_one_memo_batch_at_most(
        fmt: str, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From the cache, when the printer takes a report, the only reports alive are those
    unpickled since the unpickler's memo was last dropped (every `_MEMO_BATCH`, as the file
    was written): all of them were, before. The output is the one without the cache."""
    monkeypatch.setattr(cache, "_MEMO_BATCH", 3)
    fresh = _run(fmt, "--no-cache", str(target))
    assert _run(fmt, str(target)) == fresh  # (stores the result)
    alive: list[int] = []
    add = PRINTERS[fmt].add

    def taken(self: object, report: MigrationReport) -> None:
        alive.append(_live_reports(target))
        add(self, report)  # type: ignore[arg-type]

    monkeypatch.setattr(PRINTERS[fmt], "add", taken)
    events = _events(monkeypatch, None)
    gc.collect()  # (what the runs before left)
    assert _run(fmt, str(target)) == fresh
    count = len(_names(target))
    assert events == [] and alive == [i % 3 + 1 for i in range(count)] and count > 3


def _old_format(stored: Path, monkeypatch: pytest.MonkeyPatch, migrations: list) -> None:
    """Write `stored` again as lockwise wrote it before fix-speed83: FORMAT 5, no digest."""
    header, items = cache.load(stored.name, shared=migrations)  # type: ignore[misc]
    with monkeypatch.context() as old:
        old.setattr(cache, "FORMAT", 5)
        old.setattr(cache, "_digested", lambda write: write)
        cache.store(stored.name, header, items, shared=migrations)


def _other_format(stored: Path, monkeypatch: pytest.MonkeyPatch, migrations: list) -> None:
    """Write `stored` again, with its digest, as a lockwise of another FORMAT would."""
    header, items = cache.load(stored.name, shared=migrations)  # type: ignore[misc]
    with monkeypatch.context() as other:
        other.setattr(cache, "FORMAT", cache.FORMAT + 1)
        cache.store(stored.name, header, items, shared=migrations)


def _truncated(stored: Path, monkeypatch: pytest.MonkeyPatch, migrations: list) -> None:
    data = stored.read_bytes()
    stored.write_bytes(data[:len(data) // 2])


def _flipped(stored: Path, monkeypatch: pytest.MonkeyPatch, migrations: list) -> None:
    """One bit of a byte in the middle of the reports changed (unpickled, such a change may
    raise, or give another text or number without a word)."""
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 1
    stored.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_truncated, _flipped, _old_format, _other_format],
                         ids=["truncated", "flipped", "old-format", "other-format"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_damaged_or_old_stored_file_is_a_miss_before_anything_is_shown(
        fmt: str, damage: object, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lint runs as without the cache, nothing shown before it, and the output is the same;
    the result it stores again is a hit for the next run."""
    fresh = _run(fmt, "--no-cache", str(target))
    _run(fmt, str(target))
    damage(_stored(target), monkeypatch, collect([target], None).migrations)  # type: ignore[operator]
    events = _events(monkeypatch, fmt)
    assert _run(fmt, str(target)) == fresh
    assert events == [e for name in _names(target) for e in (f"lint {name}", f"show {name}")]
    events.clear()
    assert _run(fmt, str(target)) == fresh
    assert events == [f"show {name}" for name in _names(target)]


class _Unreadable:
    """Pickled as a call that fails when it is unpickled: `int("unreadable")`."""

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return int, ("unreadable",)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_a_report_that_fails_to_unpickle_after_the_check_falls_back_to_lint(
        fmt: str, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stored file whose digest matches but whose fourth report cannot be unpickled: the
    three before it were shown; lint computes the result again and shows the reports after
    them, once each. The output is the one without the cache, and the result is stored
    again (the next run is a hit)."""
    fresh = _run(fmt, "--no-cache", str(target))
    _run(fmt, str(target))
    stored, migrations = _stored(target), collect([target], None).migrations
    header, items = cache.load(stored.name, shared=migrations)  # type: ignore[misc]
    items[3] = _Unreadable()
    cache.store(stored.name, header, items, shared=migrations)
    events = _events(monkeypatch, fmt)
    assert _run(fmt, str(target)) == fresh
    names = _names(target)
    assert events == [f"show {name}" for name in names[:3]] + \
        [f"lint {name}" for name in names[:3]] + \
        [e for name in names[3:] for e in (f"lint {name}", f"show {name}")]
    events.clear()
    assert _run(fmt, str(target)) == fresh
    assert events == [f"show {name}" for name in names]


def test_open_stored_reads_the_items_one_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`open_stored` checks the file and reads the header only; the items are unpickled as
    they are asked for (an unreadable one raises BrokenStore, the ones before it were
    given); a file shorter than its digest is a miss."""
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path))
    items: list[object] = [[i] * 3 for i in range(2 * cache._MEMO_BATCH + 3)]
    cache.store("test-items", "header", items)
    opened = cache.open_stored("test-items")
    assert opened is not None
    header, count, read = opened
    assert (header, count) == ("header", len(items))
    assert next(read) == items[0] and list(read) == items[1:]
    items[cache._MEMO_BATCH + 1] = _Unreadable()
    cache.store("test-broken", "header", items)
    opened = cache.open_stored("test-broken")
    assert opened is not None
    given = []
    with pytest.raises(cache.BrokenStore):
        for item in opened[2]:
            given.append(item)
    assert given == items[:cache._MEMO_BATCH + 1]
    assert cache.load("test-broken") is None
    (tmp_path / "test-short").write_bytes(b"\x00" * (cache.DIGEST_SIZE - 1))
    assert cache.open_stored("test-short") is None and cache.open_stored("test-none") is None
