"""Login throttling: failed logins per (address, typed login) and per address block further tries.

Counters live in a `limits` storage (`FISOKO_RATELIMIT_STORAGE`: memory:// in this process, or
redis://... shared by several processes). `limits` is the engine under Flask-Limiter; it is used
directly because Flask-Limiter counts requests to a route, while a login throttle must count only
failed password checks, block for a fixed time once the count is reached, and forget a pair's
failures after a success, which `limits`' public hit/test/clear calls express one to one.

- Failures are counted in a moving window (the last `window` seconds, not clock-aligned buckets).
- Reaching the threshold starts a block: a one-hit fixed window of `block` seconds, which both
  marks the block and says when it ends.
- A password check is reserved for the pair before it runs, so parallel requests cannot get more
  checks than the threshold allows; a success clears the reservation with the pair's count.
- The address is reserved too, in this process: checks running for an address count against what
  is left of its allowance, so 25 parallel tries against a limit of 10 run at most 10 checks.
  A running check is not a failure, so it is kept apart from the counter and freed by `release`.
- A browser with a valid device cookie (device.py) is checked against its own device count, with
  the pair's limit, instead of the blocks of its address and pair: failures of others behind its
  address do not stop it. Its own failures still count for the pair and the address as in v1, so
  once the device reaches its limit (and its cookie is no longer honoured) the pair is blocked too.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import Counter

from flask import Flask, current_app
from limits import RateLimitItemPerSecond
from limits.errors import ConfigurationError
from limits.storage import MovingWindowSupport, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from fisoko.settings import ConfigError

NAMESPACE = "FISOKO"
RUNNING_WAIT = 1  # seconds: the address's allowance is taken by checks still running


def _login_key(login: str) -> str:
    """A fixed-size key for any typed text, so a 10,000-character login stores 32 characters."""
    return hashlib.sha256(login.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Throttle:
    """The throttle's rules over one storage; every method is safe to call from many threads."""

    def __init__(
        self,
        storage: Storage,
        login_failures: int,
        address_failures: int,
        window_seconds: int,
        block_seconds: int,
    ) -> None:
        if not isinstance(storage, MovingWindowSupport):
            raise ConfigError(
                "FISOKO_RATELIMIT_STORAGE: это хранилище не поддерживает скользящие окна; "
                "укажите memory:// или redis://"
            )
        self.moving = MovingWindowRateLimiter(storage)
        self.fixed = FixedWindowRateLimiter(storage)
        self.storage = storage
        self.pair_limit = RateLimitItemPerSecond(login_failures, window_seconds, NAMESPACE)
        self.address_limit = RateLimitItemPerSecond(address_failures, window_seconds, NAMESPACE)
        self.block = RateLimitItemPerSecond(1, block_seconds, NAMESPACE)
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @staticmethod
    def _pair(address: str, login: str) -> tuple[str, ...]:
        return ("pair", address, _login_key(login))

    @staticmethod
    def _address(address: str) -> tuple[str, ...]:
        return ("address", address)

    def _blocked_for(self, key: tuple[str, ...]) -> int:
        if self.fixed.test(self.block, "block", *key):
            return 0
        reset = self.fixed.get_window_stats(self.block, "block", *key).reset_time
        return max(1, math.ceil(reset - time.time()))

    def _start_block(self, key: tuple[str, ...]) -> int:
        self.fixed.hit(self.block, "block", *key)
        return self._blocked_for(key)

    def wait_seconds(self, address: str, login: str) -> int:
        """Seconds until the address and the pair may try again; 0 when neither is blocked."""
        return max(
            self._blocked_for(self._address(address)),
            self._blocked_for(self._pair(address, login)),
        )

    def reserve(self, address: str, login: str) -> int:
        """Take one password check for the pair: 0 when allowed, else the seconds to wait."""
        wait = self.wait_seconds(address, login)
        if wait:
            return wait
        with self._lock:
            left = self.moving.get_window_stats(self.address_limit, *self._address(address))
            if self._running[address] >= left.remaining:
                return RUNNING_WAIT
            self._running[address] += 1
        pair = self._pair(address, login)
        if self.moving.hit(self.pair_limit, *pair):
            return 0
        self.release(address)
        return self._start_block(pair)

    def release(self, address: str) -> None:
        """Free the address's reservation of a check that `reserve` allowed, once it ended."""
        with self._lock:
            self._running[address] -= 1
            if self._running[address] <= 0:
                del self._running[address]

    def failed(self, address: str, login: str) -> None:
        """Count a failed check (its pair hit was reserved); block what reached its threshold."""
        pair = self._pair(address, login)
        if self.moving.get_window_stats(self.pair_limit, *pair).remaining <= 0:
            self._start_block(pair)
        where = self._address(address)
        counted = self.moving.hit(self.address_limit, *where)
        if not counted or self.moving.get_window_stats(self.address_limit, *where).remaining <= 0:
            self._start_block(where)

    def succeeded(self, address: str, login: str) -> None:
        """A good password clears the pair's count (the address keeps its failures)."""
        self.moving.clear(self.pair_limit, *self._pair(address, login))

    @staticmethod
    def _device(device: str) -> tuple[str, ...]:
        return ("device", _login_key(device))

    def device_locked(self, device: str) -> bool:
        """Whether a device cookie reached its failure limit: then it is not honoured."""
        return bool(self._blocked_for(self._device(device)))

    def reserve_device(self, device: str) -> int:
        """Take one password check for a trusted device, as `reserve` does for a pair."""
        key = self._device(device)
        wait = self._blocked_for(key)
        if wait:
            return wait
        if self.moving.hit(self.pair_limit, *key):
            return 0
        return self._start_block(key)

    def device_failed(self, device: str, address: str, login: str) -> None:
        """A trusted device's failure: against the device, and for the pair and address as in v1."""
        key = self._device(device)
        if self.moving.get_window_stats(self.pair_limit, *key).remaining <= 0:
            self._start_block(key)
        self.moving.hit(self.pair_limit, *self._pair(address, login))
        self.failed(address, login)

    def device_succeeded(self, device: str) -> None:
        self.moving.clear(self.pair_limit, *self._device(device))


def wait_text(seconds: int) -> str:
    """How long to wait, in Russian: whole minutes rounded up, or seconds under a minute."""
    if seconds >= 60:
        return f"{math.ceil(seconds / 60)} мин"
    return f"{max(1, seconds)} сек"


def current_throttle() -> Throttle:
    return current_app.extensions["fisoko.throttle"]


def init_app(app: Flask) -> None:
    """Make the app's throttle from its settings; a storage it cannot use is a ConfigError."""
    uri = app.config["RATELIMIT_STORAGE"]
    try:
        storage = storage_from_string(uri)
    except (ConfigurationError, ValueError) as exc:
        raise ConfigError(f"FISOKO_RATELIMIT_STORAGE {uri!r} нельзя использовать: {exc}") from None
    app.extensions["fisoko.throttle"] = Throttle(
        storage,
        login_failures=app.config["THROTTLE_LOGIN_FAILURES"],
        address_failures=app.config["THROTTLE_ADDRESS_FAILURES"],
        window_seconds=app.config["THROTTLE_WINDOW_MINUTES"] * 60,
        block_seconds=app.config["THROTTLE_BLOCK_MINUTES"] * 60,
    )
