"""The login lane: a bounded number of bcrypt checks at once, and shedding when the queue is long.

bcrypt takes a core for a few hundred milliseconds and releases the GIL, so checks beyond the
number of cores only slow each other down and, worse, hold waitress's worker threads while pages,
downloads and static files queue behind them. The lane lets `lanes` checks run at once; the rest
wait on a condition. A login that would take longer than `max_wait` seconds to be served (its
wait for a lane, judged from the logins already admitted and the measured time of a check, plus
its own check) is not admitted at all: the view answers it at once with 503 and `Retry-After`,
as a bounded queue should, instead of letting every client time out. `max_in_flight` also caps
the admitted logins, so waiting logins never hold more than that many server threads.

The clock is injected so the shedding decision is tested without sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
SMOOTHING = 0.2  # weight of the newest measured check in the running estimate


def shed_seconds(
    in_flight: int, lanes: int, check_seconds: float, max_wait: float, max_in_flight: int
) -> int:
    """0 when a new login may queue, else the seconds after which to try again (at least 1).

    Up to `max_in_flight`, a login is always admitted while each lane has at most one login
    waiting: a lane that finishes a check then starts the next at once instead of idling until a
    shed client comes back (on a busy machine, where one check alone is close to `max_wait`, the
    first benchmark served only 0.6 of the raw bcrypt rate without this). Beyond that it would be
    served once the work admitted before it is done over the lanes, plus its own check; when that
    is longer than `max_wait`, it is shed and told to come back when the queue has drained.
    """
    if in_flight >= max_in_flight:
        return max(1, math.ceil(in_flight / lanes * check_seconds))
    if in_flight < 2 * lanes:
        return 0
    ahead = in_flight / lanes * check_seconds
    if ahead + check_seconds <= max_wait:
        return 0
    return max(1, math.ceil(ahead))


class LoginLane:
    """At most `lanes` checks at once; admission refused beyond `max_wait` or `max_in_flight`."""

    def __init__(
        self,
        lanes: int,
        max_wait: float,
        max_in_flight: int,
        check_seconds: float = 0.3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lanes = max(1, lanes)
        self.max_wait = max_wait
        self.max_in_flight = max(1, max_in_flight)
        self.check_seconds = check_seconds
        self.clock = clock
        self.in_flight = 0  # admitted and not yet finished: waiting or running
        self.running = 0
        self._started: dict[int, float] = {}  # when each running check began, by thread
        self._promised = 0.0  # the clock time up to which shed logins have been given slots
        self._cond = threading.Condition()

    def estimate(self) -> float:
        """The seconds one check takes: the running average, or longer while checks run longer.

        The average only learns when a check ends; at the start of a storm on a busy machine
        a check may take five times the first guess, and counting the checks already running
        that long keeps the lane from admitting five times too many logins meanwhile.
        """
        if not self._started:
            return self.check_seconds
        return max(self.check_seconds, self.clock() - min(self._started.values()))

    def admit(self) -> Ticket:
        """A ticket for one check; its `retry_after` is non-zero when the login is shed."""
        with self._cond:
            check = self.estimate()
            wait = shed_seconds(
                self.in_flight, self.lanes, check, self.max_wait, self.max_in_flight
            )
            if not wait:
                self.in_flight += 1
                return Ticket(self, 0)
            return Ticket(self, self._slot(wait, check))

    def _slot(self, drained_in: int, check: float) -> int:
        """Seconds until a shed login's turn: after the queue and the logins shed before it.

        Telling every shed login the same "come back in N s" brings them all back at once, to
        be shed again in a burst that holds up pages; spacing the answers at the rate the lanes
        serve makes them return about when a place is free.
        """
        now = self.clock()
        self._promised = max(self._promised, now + drained_in)
        turn = self._promised - now
        self._promised += check / self.lanes
        return max(1, math.ceil(turn))

    def _run(self, work: Callable[..., T], *args) -> T:
        key = threading.get_ident()
        with self._cond:
            while self.running >= self.lanes:
                self._cond.wait()
            self.running += 1
            started = self._started[key] = self.clock()
        try:
            return work(*args)
        finally:
            took = self.clock() - started
            with self._cond:
                self.running -= 1
                del self._started[key]
                if took > 0:
                    self.check_seconds += SMOOTHING * (took - self.check_seconds)
                self._cond.notify()

    def _leave(self) -> None:
        with self._cond:
            self.in_flight -= 1


class Ticket:
    """An admitted login's place in the queue (or a refusal); leave it with `with`."""

    def __init__(self, lane: LoginLane, retry_after: int) -> None:
        self.lane = lane
        self.retry_after = retry_after
        self._open = not retry_after

    def run(self, work: Callable[..., T], *args) -> T:
        """Wait for a free lane and run `work` (the password check) in it."""
        if not self._open:
            raise RuntimeError("this login was not admitted")
        return self.lane._run(work, *args)

    def close(self) -> None:
        if self._open:
            self._open = False
            self.lane._leave()

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def current_lane() -> LoginLane:
    return current_app.extensions["fisoko.login_lane"]


def init_app(app) -> None:
    """The app's lane from LOGIN_LANES, LOGIN_QUEUE_SECONDS and the server's THREADS.

    Admitted logins may hold at most half the server's threads, so pages always find one.
    """
    app.extensions["fisoko.login_lane"] = LoginLane(
        lanes=app.config["LOGIN_LANES"],
        max_wait=app.config["LOGIN_QUEUE_SECONDS"],
        max_in_flight=max(1, app.config["THREADS"] // 2),
    )
