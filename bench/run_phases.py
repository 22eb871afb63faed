"""Where the wall time of one `lockwise` run goes: both processes of it, phase by phase.

    python bench/run_phases.py [--out FILE] lint DIR ... -f json --no-cache > /dev/null

runs the command line in this process as `python -m lockwise` would, with timers around its
phases (start-up imports, discovery, parse, effects, catalog replay, rules, report, fork,
waiting for the conflict graph's child, unpickling its result) and, in that forked child,
around its own (parse, effects, catalog replay, down checks, pickling its result back). Each
phase's time is its own (exclusive: what a phase nested in it took is that phase's), so the
phases of a process add up to its wall time. What the command prints goes where it goes; the
timings go to FILE (else stderr) when the command ends. The timers cost a few percent (about
a microsecond per call of a per-statement phase): compare runs of this tool with each other,
and wall times with a plain `python -m lockwise` run.

The timeline gives, in ms from this script's start (the interpreter's own start-up, about
15 ms, comes before it): the fork, the parent's end of lint, when it starts waiting for the
child, the child's end of its work and of pickling, the parent's return from the wait, and
the end of the run.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

T0 = time.perf_counter()
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

#: The phases timed: {module: {attribute: phase}}; "Class.method" for a method.
PHASES: dict[str, dict[str, str]] = {
    "lockwise.cli.inputs": {"collect": "discovery"},
    "lockwise.cli.lint_run": {"_computed": "lint (rest)", "_keys": "cache keys"},
    "lockwise.lint": {"_parse": "parse", "compute_effect": "effects",
                      "apply_statement": "catalog replay", "_judge_statement": "rules",
                      "Judge.judge": "rules", "analyze_migration": "lint (rest)"},
    "lockwise.lint_mysql": {"analyze_mysql_migration": "lint (mysql)"},
    "lockwise.parallel": {"Background.__init__": "fork"},
    "lockwise.config": {"apply_overrides": "report (overrides)"},
    "lockwise.report.text": {"render_text": "report (text)"},
    "lockwise.report.json_report": {"write_json_before_conflicts": "report (json)",
                                    "json_conflicts_tail": "report (json)"},
    "lockwise.graph.render": {"render_conflicts_text": "report (text)"},
    "lockwise.report.said_once": {"conflicts_not_said": "report (conflicts said)"},
    "lockwise.report.verdict": {"verdict_fails": "report (verdict)"},
    # the graph: in the forked child, or in this process below the fork's threshold
    "lockwise.graph.api": {"history_conflicts": "graph (rest)", "ConflictStream.add":
                           "graph (rest)"},
    "lockwise.graph.build": {"compute": "graph effects", "apply_statement": "graph replay",
                             "_Builder._parsed": "graph parse",
                             "_Builder._check_down": "graph down checks (rest)"},
}

#: When these return, a mark in the timeline: {module: {attribute: label}}.
MARKED = {"lockwise.lint": {"lint_migrations": "lint done"},
          "lockwise.cli.lint_run": {"lint_with_conflicts": "lint and graph done"}}

#: Per process: phase -> [seconds of its own, calls]; the stack of open phases' nested time.
totals: dict[str, list[float]] = {}
stack: list[float] = []
marks: list[tuple[str, float, float]] = []
side = "parent"


def _mark(label: str) -> None:
    """A point of the timeline: its wall time and the CPU time this process used so far (a
    forked child's starts at 0)."""
    marks.append((label, time.perf_counter(), time.process_time()))


def timed(fn: Callable[..., Any], phase: str) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        stack.append(0.0)
        try:
            return fn(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            nested = stack.pop()
            entry = totals.setdefault(phase, [0.0, 0])
            entry[0] += elapsed - nested
            entry[1] += 1
            if stack:
                stack[-1] += elapsed
    run.__wrapped__ = fn  # type: ignore[attr-defined]
    return run


def _marked(fn: Callable[..., Any], label: str) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            _mark(label)
    return run


def _patch(name: str, module: Any) -> None:
    for attribute, label in MARKED.get(name, {}).items():
        setattr(module, attribute, _marked(getattr(module, attribute), label))
    for attribute, phase in PHASES.get(name, {}).items():
        owner_name, _, method = attribute.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        if not hasattr(owner, method or attribute):
            continue
        key = method or attribute
        if name == "lockwise.parallel" and key == "__init__":
            setattr(owner, key, _forking(getattr(owner, key)))
            owner.result = _waited(owner.result)
        else:
            setattr(owner, key, timed(getattr(owner, key), phase))


class _TimedImports:
    """A finder timing every module's execution ("imports") and patching PHASES' modules."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if isinstance(loader, (importlib.machinery.SourceFileLoader,
                               importlib.machinery.SourcelessFileLoader,
                               importlib.machinery.ExtensionFileLoader)):
            execute = loader.exec_module

            def exec_module(module: Any) -> None:
                # (before the fork, the parent's imports are both sides')
                label = "imports" if not marks or side != "parent" else \
                    "imports after the fork"
                timed(execute, label)(module)
                _patch(name, module)
            loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _forking(init: Callable[..., None]) -> Callable[..., None]:
    """Background.__init__ with its `fn` and the pickling of its result timed in the child,
    which then writes its phases."""
    def fork(self: Any, fn: Callable[[], Any]) -> None:
        import pickle

        def child() -> Any:
            global totals, stack, side
            totals, stack, side = {}, [], f"child {os.getpid()}"
            marks.clear()
            _mark("child starts")
            result = timed(fn, "child (rest)")()
            _mark("child computed")
            return result

        def timed_dumps(obj: Any, *args: Any, **kwargs: Any) -> bytes:
            data = timed(dumps, "pickling the result")(obj, *args, **kwargs)
            _mark(f"child pickled ({len(data):,} bytes)")
            _write()
            return data

        # (Background looks `pickle.dumps` up before it calls `fn`: replaced for the fork)
        dumps, pickle.dumps = pickle.dumps, timed_dumps
        _mark("fork")
        try:
            timed(init, "fork")(self, child)
        finally:
            pickle.dumps = dumps
    return fork


def _waited(result: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def wait(self: Any) -> Any:
        import pickle

        _mark("parent waits")
        loads = pickle.loads

        def timed_loads(data: bytes) -> Any:
            _mark("parent has the result")
            return timed(loads, "unpickling the result")(data)
        pickle.loads = timed_loads
        try:
            return timed(result, "waiting for the child")(self)
        finally:
            pickle.loads = loads
            _mark("parent done waiting")
    return wait


def _write() -> None:
    out = open(OUT, "a") if OUT else sys.stderr  # noqa: SIM115
    try:
        end = time.perf_counter()
        out.write(f"[{side}] phases (ms of their own, calls):\n")
        for phase, (seconds, calls) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
            out.write(f"[{side}]   {phase:<28} {seconds * 1000:9.1f} {int(calls):7d}\n")
        own = sum(seconds for seconds, _ in totals.values())
        start = marks[0][1] if side != "parent" else T0
        out.write(f"[{side}]   {'(outside every phase)':<28} "
                  f"{(end - start - own) * 1000:9.1f}\n")
        for label, at, cpu in [*marks, ("end", end, time.process_time())]:
            out.write(f"[{side}] +{(at - T0) * 1000:8.1f} ms  {label}"
                      f" (CPU {cpu * 1000:.1f} ms)\n")
    finally:
        if out is sys.stderr:
            out.flush()  # (the child leaves by os._exit, flushing nothing)
        else:
            out.close()


OUT: str | None = None


def main() -> None:
    global OUT
    args = sys.argv[1:]
    if args[:1] == ["--out"]:
        OUT, args = args[1], args[2:]
    sys.meta_path.insert(0, _TimedImports())
    sys.argv = ["lockwise", *args]
    from lockwise.cli import app

    exit_status = app._flushed_exit_status

    def flushed(code: object) -> int:
        status = exit_status(code)
        _write()
        return status
    app._flushed_exit_status = flushed
    app.run()


if __name__ == "__main__":
    main()
