"""bench/compare.py and bench/caches.py on tiny runs: every variant measured, the JSON complete."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import caches  # noqa: E402
import compare  # noqa: E402
import variants  # noqa: E402

TINY = ["--rounds=2", "--duration=0.2", "--accounts=60"]


def _in_git() -> bool:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=BENCH, capture_output=True)
    return done.returncode == 0


def test_a_change_in_per_cent():
    assert variants.change_pct(0.22, 0.20) == 10.0
    assert variants.change_pct(0.19, 0.20) == -5.0
    assert variants.cell({"ratio": 0.2154, "low": 0.2, "high": 0.23}) == "0.215 [0.200-0.230]"


def test_the_paired_change_is_the_median_of_each_rounds_own_change():
    old = {"ratios": [0.0383, 0.0496, 0.0352, 0.0538, 0.0507]}
    new = {"ratios": [0.0411, 0.0447, 0.0349, 0.0558, 0.0510]}  # one slow round for A only
    assert variants.change_pct(0.0447, 0.0496) == -9.9  # the medians of each variant's rounds
    assert variants.paired_change_pct(new, old) == 0.6
    assert variants.paired_change_pct({"ratios": []}, {"ratios": []}) == 0.0


def test_the_caches_summary_pools_both_on_servers_against_each_cache_off():
    def row(variant: str, ratios: list[float]) -> dict:
        ratio = sorted(ratios)[len(ratios) // 2]
        return {"page": "P", "variant": variant, "ratio": ratio, "ratios": ratios}

    result = {
        "mode": "servers",
        "pages": ["P"],
        "caches": ["x off"],
        "rows": [row("on", [0.20, 0.22, 0.21]), row("on again", [0.21, 0.23, 0.22])],
    }
    result["rows"].append(row("x off", [0.10, 0.11, 0.105]))
    (summary,) = caches.summarise(result)
    assert summary["on"] == 0.215  # the median of the six «on» rounds
    assert summary["on_vs_on_pct"] == 4.8  # 0.22 against 0.21
    assert summary["gains_pct"] == {"x off": 104.8}
    # Round by round against «on»: 0.20/0.10, 0.22/0.11, 0.21/0.105 are all twice as fast.
    assert summary["paired_pct"]["x off"] == {"median": 100.0, "low": 100.0, "high": 100.0}
    assert summary["paired_pct"]["on again"]["median"] == -4.5  # «on» was the slower one


def test_an_unknown_revision_is_refused():
    if not _in_git():
        pytest.skip("not a git checkout")
    with pytest.raises(SystemExit, match="unknown revision"):
        compare.resolve("no-such-revision-anywhere")


@pytest.mark.slow
def test_compare_measures_both_revisions_of_every_page(tmp_path):
    if not _in_git():
        pytest.skip("not a git checkout")
    out = tmp_path / "compare.json"
    command = [sys.executable, str(BENCH / "compare.py"), "HEAD~1", "HEAD", *TINY, f"--out={out}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["errors"] == 0 and result["a"]["commit"] != result["b"]["commit"]
    assert {(r["page"], r["variant"]) for r in result["rows"]} == {
        (page, variant) for page, *_ in variants.SCHOOL_PAGES for variant in "AB"
    }
    for row in result["rows"]:
        assert len(row["ratios"]) == 2 and row["low"] <= row["ratio"] <= row["high"]
        assert row["ratio"] > 0
    assert "B vs A" in done.stdout and "load average before" in done.stdout


@pytest.mark.slow
def test_caches_measures_each_switch_and_the_noise(tmp_path):
    out = tmp_path / "caches.json"
    command = [sys.executable, str(BENCH / "caches.py"), *TINY, f"--out={out}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["errors"] == 0
    assert result["caches"] == list(caches.CACHES)
    pages = [page for page, *_ in variants.SCHOOL_PAGES + variants.COORDINATOR_PAGES]
    assert [row["page"] for row in result["summary"]] == pages
    for row in result["summary"]:
        assert row["on"] > 0 and set(row["gains_pct"]) == set(caches.CACHES)
    assert "on vs on" in done.stdout


@pytest.mark.slow
def test_compare_in_process_measures_both_revisions(tmp_path):
    if not _in_git():
        pytest.skip("not a git checkout")
    out = tmp_path / "compare.json"
    command = [sys.executable, str(BENCH / "compare.py"), "HEAD~1", "HEAD", "--inprocess"]
    command += ["--rounds=2", "--requests=5", "--accounts=60", "--coordinator", f"--out={out}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["mode"] == "in process"
    pages = [page for page, *_ in variants.SCHOOL_PAGES + variants.COORDINATOR_PAGES]
    assert sorted({r["page"] for r in result["rows"]}) == sorted(pages)
    for row in result["rows"]:
        assert len(row["runs_us"]) == 2 and all(us > 0 for us in row["runs_us"])
        assert 0 < row["low"] <= row["ratio"] <= row["high"]


@pytest.mark.slow
def test_caches_in_process_gives_each_switch_a_gain(tmp_path):
    out = tmp_path / "caches.json"
    command = [sys.executable, str(BENCH / "caches.py"), "--inprocess", "--rounds=2"]
    command += ["--requests=5", "--accounts=60", f"--out={out}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["mode"] == "in process" and len(result["hello_us"]) == 2
    for row in result["summary"]:
        assert set(row["paired_pct"]) == {"on again", *caches.CACHES}
    assert "CPU µs per request" in done.stdout
