"""What each login source has asked for lately: decaying counts that order the login queue.

A source is a client address, or a device cookie (see device.py); an account's successful logins
are counted too. Every attempt is charged to its source when it arrives, whether it is then
checked, shed or throttled, so a client that sends many attempts sinks behind one that sends
few, and sending more never buys more. Counts halve every `half_life` seconds, so a source that
stops flooding is soon equal to anyone else. The counts only order and evict waiting logins
(lanes.py); they refuse nothing by themselves, so a client alone on an idle server is never held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

HALF_LIFE = 120.0  # seconds
MAX_KEYS = 50_000  # beyond this, the smallest counts are forgotten


class Usage:
    """Exponentially decaying counts by key; safe to call from many threads."""

    def __init__(
        self, half_life: float = HALF_LIFE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.half_life = half_life
        self.clock = clock
        self._counts: dict[str, tuple[float, float]] = {}  # key: (count, when it was counted)
        self._lock = threading.Lock()

    def _decayed(self, count: float, since: float, now: float) -> float:
        return count * 0.5 ** (max(0.0, now - since) / self.half_life)

    def value(self, key: str) -> float:
        """The key's count as of now (0 for a key never charged)."""
        if not key:
            return 0.0
        with self._lock:
            count, since = self._counts.get(key, (0.0, 0.0))
            return self._decayed(count, since, self.clock())

    def charge(self, key: str, amount: float = 1.0) -> float:
        """Add `amount` to the key's count; the new count."""
        if not key:
            return 0.0
        with self._lock:
            now = self.clock()
            count, since = self._counts.get(key, (0.0, now))
            count = self._decayed(count, since, now) + amount
            self._counts[key] = (count, now)
            if len(self._counts) > MAX_KEYS:
                self._forget(now)
            return count

    def _forget(self, now: float) -> None:
        """Drop the smaller half of the counts: an address flood cannot grow memory without end."""
        ranked = sorted(self._counts, key=lambda k: self._decayed(*self._counts[k], now))
        for key in ranked[: len(ranked) // 2]:
            del self._counts[key]

    def __len__(self) -> int:
        return len(self._counts)
