"""A smoke run of bench/results_scan.py with tiny sizes: every side measured, the figures sane."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parent.parent / "bench" / "results_scan.py"


def test_quick_results_scan_run(tmp_path):
    out = tmp_path / "results_scan.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", f"--out={out}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "as niko__77" in done.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["us_per_page"]) == {"with", "with-no-cache", "without"}
    for side in result["us_per_page"].values():
        assert set(side) == {"edu770001", "niko__77"}
        assert all(us > 0 for us in side.values())
    assert result["ratio_to_without"]["without"] == {"edu770001": 1.0, "niko__77": 1.0}
