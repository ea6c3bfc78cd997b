"""A smoke run of bench/archive.py with tiny sizes: both sides measured, the figures sane."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parent.parent / "bench" / "archive.py"


def test_quick_archive_run(tmp_path):
    out = tmp_path / "archive.json"
    command = [sys.executable, str(BENCH), "--quick", "--schools=2", "--files=2"]
    command += ["--size-mb=1", f"--out={out}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "speed ratio app / plain" in done.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    app, plain = result["app"], result["plain"]
    data = 2 * 2 * 2**20
    for side in (app, plain):
        assert side["mb_per_s"] > 0 and side["peak_mb"] > 0
        assert data < side["bytes"] < data + 4096  # stored entries: the data and the headers
    assert 0 < app["first_s"] <= app["seconds"]
    assert app["largest_chunk"] <= 256 * 1024 + 1024
    assert app["peak_mb"] < 3  # streamed: below the 4 MB archive it sends
