"""A smoke run of bench/connections.py with small floods: every variant serves, figures sane."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import loopback_sources

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parent.parent / "bench" / "connections.py"


def test_quick_connections_run(tmp_path):
    loopback_sources(1, 251)
    out = tmp_path / "connections.json"
    command = [sys.executable, str(BENCH), "--quick", "--variants=backlog,chosen", f"--out={out}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["variants"]) == {"backlog", "chosen"}
    for figures in result["variants"].values():
        assert figures["flood"]["visitor"]["tries"] == 3
        assert figures["classroom"]["loads"]["tries"] == 25  # 5 browsers x 5 fetches
        # no pressure in a quick run: every variant answers everyone
        for part in (figures["flood"]["visitor"], figures["own_address"]["user"]):
            assert part["failed"] == 0 and 0 < part["p50_ms"] <= part["max_ms"]
