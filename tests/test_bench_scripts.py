"""The benchmark scripts stay runnable: each one starts and prints its usage.

They are not run in full here (figures come from running them by hand), but a broken
import or argument parser would otherwise only show up when someone needs a figure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def test_there_are_benchmarks() -> None:
    names = {p.name for p in SCRIPTS}
    assert {"bench_core.py", "bench_bot.py", "soak.py"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_starts(script: Path) -> None:
    if script.name in {"echo_bot.py", "our_bot.py"}:
        # Bot runners have no --help; importing them must still work.
        code = f"import runpy; runpy.run_path({str(script)!r}, run_name='bench_import')"
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
    else:
        proc = subprocess.run(
            [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60
        )
        assert "usage" in proc.stdout.lower()
    assert proc.returncode == 0, proc.stderr
