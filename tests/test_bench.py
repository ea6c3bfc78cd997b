"""A smoke run of bench/run.py with tiny sizes: the JSON has every figure, all of them sane."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fisoko.accounts.store import load_accounts

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import attacks  # noqa: E402
import loadgen  # noqa: E402
import probes  # noqa: E402
import report  # noqa: E402
import storm  # noqa: E402

pytestmark = pytest.mark.slow


def test_generated_accounts_file_is_valid_and_sized(tmp_path):
    path = tmp_path / "a.yaml"
    known = {"edu770001": "$2b$04$" + "a" * 53}
    probes.write_accounts(path, 300, known)
    loaded = load_accounts(path)
    assert len(loaded) == 300
    assert loaded.get("edu770001").password_hash == known["edu770001"]
    assert loaded.get("niko__01").is_coordinator
    assert any(a.disabled for a in loaded.by_login.values())


def test_summary_percentiles():
    result = loadgen.summary(100, 2.0, [float(n) for n in range(1, 101)], 0)
    assert result["rps"] == 50.0
    assert result["p50_ms"] == 51.0
    assert result["p99_ms"] == 100.0


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and value > 0


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "result.json"
    command = [sys.executable, str(BENCH / "run.py"), "--quick", "--python-load"]
    command += ["--duration=0.3", "--page-accounts=20", "--sizes=10,30", "--cost=4"]
    command += ["--logins=1", "--import-count=8", "--import-cost=4", "--rounds=1"]
    command += [f"--out={out}", "--no-storm"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "x baseline" in done.stdout
    return json.loads(out.read_text(encoding="utf-8"))


def test_quick_run_pages_and_baseline(quick_run):
    assert quick_run["meta"]["load_generator"] == "python"
    assert _positive(quick_run["baseline"]["rps"])
    names = [p["name"] for p in quick_run["pages"]]
    assert names == ["GET /login", "GET /cabinet", "GET /cabinet/niko"]
    for page in quick_run["pages"]:
        assert page["errors"] == 0, page
        for key in ("rps", "p50_ms", "p99_ms", "ratio"):
            assert _positive(page[key]), (page["name"], key)
        assert page["p50_ms"] <= page["p99_ms"]


def test_quick_run_logins_and_loads(quick_run):
    login = quick_run["login"]
    assert login["errors"] == 0 and login["posts"] == login["threads"]
    for key in ("posts_per_s", "raw_checkpw_per_s", "ratio"):
        assert _positive(login[key]), key
    assert [row["accounts"] for row in quick_run["accounts_load"]] == [10, 30]
    for row in quick_run["accounts_load"]:
        for key in ("app_s", "yaml_s", "ratio", "app_peak_mb", "yaml_peak_mb", "memory_ratio"):
            assert _positive(row[key]), key


def test_quick_run_freshness_import_and_targets(quick_run):
    for part, keys in [
        ("freshness", ("rps_with", "rps_without")),
        ("bulk_import", ("single_s", "parallel_s", "speedup")),
    ]:
        assert all(_positive(quick_run[part][k]) for k in keys), part
    assert set(quick_run["targets"]) >= {"GET /cabinet", "login POST", "freshness check"}
    for target in quick_run["targets"].values():
        assert target["met"] in (True, False)


def test_storm_percentiles():
    assert storm.percentile([], 0.5) is None
    assert storm.percentile([float(n) for n in range(1, 101)], 0.99) == 100.0
    assert storm.percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_a_quick_storm_serves_logins_probes_the_cabinet_and_floods(tmp_path):
    out = tmp_path / "storm.json"
    command = [sys.executable, str(BENCH / "run.py"), "--storm-only", "--quick", "--cost=4"]
    command += ["--storm-clients=3", "--storm-seconds=0.5", f"--out={out}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))["storm"]
    assert [(row["clients"], row["spread"]) for row in result["storms"]] == [(3, False), (3, True)]
    for row in result["storms"]:
        assert row["served"] > 0 and row["other"] == {}
        assert row["login_p50_ms"] <= row["login_p99_ms"]
        assert row["cabinet"]["requests"] > 0 and row["cabinet"]["errors"] == 0
        assert _positive(row["ratio_to_raw"])
    assert len(result["raw_checkpw_per_s"]) == 3
    assert [row["name"] for row in result["floods"]] == ["wrong", "own", "after"]
    for row in result["floods"]:
        users = row["users"]
        assert users["in"] == users["people"] > 0, users
        assert row["flood"]["answers"] > 0 and row["cabinet"]["requests"] > 0
        assert {each["address"] for each in users["each"]}.isdisjoint(
            attacks.WRONG_ADDRESSES + attacks.OWN_ADDRESSES
        )
    assert "302" in result["floods"][1]["flood"]["by_status"]  # the school got in again and again
    targets = report.storm_targets(result) | report.flood_targets(result["floods"])
    assert set(targets) == {
        "GET /cabinet in the storm",
        "served logins",
        "served login p99",
        "shed answers",
        *report.FLOOD_NAMES.values(),
    }
    assert "login p99 ms" in done.stdout and "max Retry-After" in done.stdout


def test_the_fifo_variant_serves_in_arrival_order_and_never_displaces():
    import lane_variant

    from fisoko.login.usage import Usage

    lane = lane_variant.FifoLane(1, 2.0, 4, usage=Usage())
    heavy = lane.admit("addr:heavy", "a")
    for _ in range(50):
        lane.charge("addr:heavy")
    light = lane.admit("addr:light", "b")
    assert lane._rank(heavy) < lane._rank(light)
    assert lane._displaceable_by(light) is None
    heavy.close()
    light.close()
