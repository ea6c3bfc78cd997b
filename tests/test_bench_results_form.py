"""A smoke run of bench/results_form.py: both sides measured on both formats, the figures sane."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "results_form.py"


def test_quick_results_form_run(tmp_path):
    out = tmp_path / "results_form.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["participants"] == 200
    for kind in ("csv", "xlsx"):
        row = result[kind]
        assert row["app"]["seconds"] > 0 and row["bare"]["seconds"] > 0
        assert row["app"]["peak_mb"] > 0 and row["bare"]["peak_mb"] > 0
        assert kind in done.stdout
