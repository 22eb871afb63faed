"""bench/run_phases.py: both processes of one `lockwise lint` run timed, phase by phase (what
it writes, not how fast)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from gen_corpus import generate  # noqa: E402


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          check=False)


def test_both_processes_write_their_phases_and_the_report_is_unchanged(tmp_path: Path
                                                                        ) -> None:
    """Above the fork's threshold (200 kB of SQL) the conflict graph runs in a forked child:
    the child writes its phases and the size of its pickled result, the parent its own and
    how long it waited; the report printed is lockwise's own."""
    generate(tmp_path / "m", 320)
    timings = tmp_path / "timings.txt"
    lint = ("lint", str(tmp_path / "m"), "-f", "json", "--no-cache")
    timed = _run(str(REPO / "bench" / "run_phases.py"), "--out", str(timings), *lint)
    plain = _run("-m", "lockwise", *lint)
    assert (timed.stdout, timed.stderr, timed.returncode) == \
        (plain.stdout, plain.stderr, plain.returncode)
    lines = timings.read_text().splitlines()
    child = [line for line in lines if line.startswith("[child ")]
    parent = [line for line in lines if line.startswith("[parent]")]
    assert any(" graph effects " in line for line in child)
    assert any("child pickled (" in line and " bytes)" in line for line in child)
    for phase in ("parse", "effects", "rules", "catalog replay", "discovery",
                  "waiting for the child", "report (json)"):
        assert any(f"   {phase} " in line for line in parent), phase
    assert any(" ms  fork (CPU " in line for line in parent)
    assert " ms  end (CPU " in parent[-1]
