"""Usage counts that order the login queue: charged per attempt, halving with time."""

from __future__ import annotations

import pytest

from fisoko.login import usage as usage_module
from fisoko.login.usage import Usage


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_charges_add_up_and_halve_every_half_life():
    clock = FakeClock()
    counts = Usage(half_life=60, clock=clock)
    for _ in range(8):
        counts.charge("addr:10.0.0.1")
    assert counts.value("addr:10.0.0.1") == 8
    clock.now += 60
    assert counts.value("addr:10.0.0.1") == pytest.approx(4)
    clock.now += 120
    assert counts.charge("addr:10.0.0.1") == pytest.approx(2)
    assert counts.value("addr:10.0.0.2") == 0 and counts.value("") == 0


def test_an_endless_stream_of_sources_keeps_memory_bounded(monkeypatch):
    monkeypatch.setattr(usage_module, "MAX_KEYS", 100)
    counts = Usage(clock=FakeClock())
    for _ in range(5):
        counts.charge("addr:heavy")
    for number in range(1000):
        counts.charge(f"addr:10.1.{number // 256}.{number % 256}")
    assert len(counts) <= 101
    assert counts.value("addr:heavy") == 5  # the smallest counts go first
