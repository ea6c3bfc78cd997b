"""The login lane: a bounded number of bcrypt checks at once, shared fairly between sources.

bcrypt takes a core for a few hundred milliseconds and releases the GIL, so checks beyond the
number of cores only slow each other down and, worse, hold waitress's worker threads while pages,
downloads and static files queue behind them. The lane lets `lanes` checks run at once; the rest
wait. A login that would take longer than `max_wait` seconds to be served (its wait for a lane,
judged from the logins already admitted and the measured time of a check, plus its own check) is
not admitted at all: the view answers it at once with 503 and `Retry-After`, as a bounded queue
should, instead of letting every client time out. `max_in_flight` also caps the admitted logins,
so waiting logins never hold more than that many server threads.

Fairness (fair queuing over sources, with "drop from the heaviest" buffer management): every
login names its source (an address or a device cookie) and its account, and `usage.py` counts
what each source has asked for lately, shed attempts included. Waiting logins are served lightest
source first; when the queue is full, a login from a source much lighter than the heaviest waiting
one takes that one's place, and the displaced login is answered 503 like a shed one. A flood thus
fills the queue only while nobody else wants it: a real user's few attempts always weigh less
than a flood's many, so the user is admitted and served next. With free capacity nothing of this
applies, and a lone client is admitted exactly as before.

Lightest-first alone starves: a school that logs in often would wait behind every lighter login
until it gives up (seen in the storm as 10 s waits ending in 503). So a login that has waited
half of `max_wait` (the wait admission promised) is overdue: served before any other, oldest
first, and never displaced. No admitted login waits much past the promise, and a 503 for a
displaced login comes while it is still young. Half rather than all of `max_wait` because the
overdue still have their check and each other ahead of them: in the storm bench the whole
`max_wait` gave a login p99 of 3.0 s, half gave 2.1 s, with the floods' users in within 2.1 s.

`Retry-After` is the wait the queue holds now (the admitted logins over the lanes at the measured
time of a check), spread at random over up to half as much again (at least a second) so a class
shed together does not return in the same second, and capped at `MAX_RETRY_AFTER`.

The clock and the random source are injected so these decisions are tested without sleeping.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from fisoko.login.usage import Usage

T = TypeVar("T")
SMOOTHING = 0.2  # weight of the newest measured check in the running estimate
MAX_RETRY_AFTER = 60  # seconds, the contract's bound
EVICT_RATIO = 2  # a login displaces a waiting one whose source weighs more than twice its own
ACCOUNT = "account:"  # prefix of an account's successes in the usage counts


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


def retry_after(ahead: float, spread: float) -> int:
    """Whole seconds to tell a shed login: the wait `ahead` (at least a second, at most
    MAX_RETRY_AFTER) and up to half as much again, picked by `spread` (0..1) among whole seconds,
    so logins shed together come back in different seconds. Near the cap the range moves down
    instead of piling everyone on MAX_RETRY_AFTER."""
    base = min(MAX_RETRY_AFTER, max(1, math.ceil(ahead)))
    width = max(1, math.ceil(base / 2))
    top = min(MAX_RETRY_AFTER, base + width)
    low = min(base, top - width)
    return min(top, low + math.floor(spread * (top - low + 1)))


class Shed(Exception):
    """A waiting login displaced by a much lighter source, or passed over for too long."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class LoginLane:
    """At most `lanes` checks at once, lightest source first; a bounded, fairly shared queue."""

    def __init__(
        self,
        lanes: int,
        max_wait: float,
        max_in_flight: int,
        check_seconds: float = 0.3,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
        usage: Usage | None = None,
    ) -> None:
        self.lanes = max(1, lanes)
        self.max_wait = max_wait
        self.max_in_flight = max(1, max_in_flight)
        self.check_seconds = check_seconds
        self.clock = clock
        self.rng = rng
        self.usage = usage if usage is not None else Usage(clock=clock)
        self.in_flight = 0  # admitted and not yet finished: waiting or running
        self.running = 0
        self._started: dict[int, float] = {}  # when each running check began, by thread
        self._waiting: list[Ticket] = []  # admitted logins waiting in `run` for a lane
        self._order = itertools.count()
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

    def charge(self, source: str) -> None:
        """Count one login attempt against its source, before anything decides its fate."""
        self.usage.charge(source)

    def succeeded(self, account: str) -> None:
        """Count a successful login against its account: logging in over and over weighs too."""
        self.usage.charge(ACCOUNT + account)

    def weight(self, ticket: Ticket) -> float:
        """How much the ticket's source (or its account's successes) has asked for lately."""
        return max(self.usage.value(ticket.source), self.usage.value(ACCOUNT + ticket.account))

    def _overdue(self, ticket: Ticket) -> bool:
        """Waited half the promise of admission: served next, never displaced (see the module)."""
        return self.clock() - ticket.since > self.max_wait / 2

    def _rank(self, ticket: Ticket) -> tuple[int, float, int, int]:
        if self._overdue(ticket):
            return (0, 0.0, 0, ticket.order)
        return (1, self.weight(ticket), 0 if ticket.trusted else 1, ticket.order)

    def admit(self, source: str = "", account: str = "", trusted: bool = False) -> Ticket:
        """A ticket for one check; its `retry_after` is non-zero when the login is shed."""
        with self._cond:
            ticket = Ticket(self, source, account, trusted, next(self._order))
            check = self.estimate()
            if not shed_seconds(
                self.in_flight, self.lanes, check, self.max_wait, self.max_in_flight
            ):
                self.in_flight += 1
                ticket._open = True
                return ticket
            victim = self._displaceable_by(ticket)
            if victim is None:
                ticket.retry_after = self._told(check)
                return ticket
            victim.displaced = self._told(check)
            victim._open = False  # its place in the queue passes to the new login
            self._waiting.remove(victim)
            ticket._open = True
            self._cond.notify_all()
            return ticket

    def _displaceable_by(self, ticket: Ticket) -> Ticket | None:
        """The heaviest waiting login, when it weighs much more than `ticket` (see the module)."""
        young = [waiting for waiting in self._waiting if not self._overdue(waiting)]
        if not young:
            return None
        heaviest = max(young, key=self._rank)
        mine, theirs = self.weight(ticket), self.weight(heaviest)
        if theirs > EVICT_RATIO * mine + 1:
            return heaviest
        if ticket.trusted and not heaviest.trusted and theirs >= mine:
            return heaviest
        return None

    def _told(self, check: float) -> int:
        """The Retry-After for a login shed now: what the queue holds, spread at random."""
        return retry_after(self.in_flight / self.lanes * check, self.rng())

    def _run(self, ticket: Ticket, work: Callable[..., T], *args) -> T:
        key = threading.get_ident()
        give_up = max(10.0, 5 * self.max_wait)
        with self._cond:
            self._waiting.append(ticket)
            while True:
                if ticket.displaced:
                    raise Shed(ticket.displaced)
                if self.running < self.lanes and min(self._waiting, key=self._rank) is ticket:
                    break
                if self.clock() - ticket.since > give_up:
                    self._waiting.remove(ticket)
                    raise Shed(self._told(self.estimate()))
                self._cond.wait(0.25)
            self._waiting.remove(ticket)
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
                self._cond.notify_all()

    def _leave(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            if ticket._open:
                ticket._open = False
                self.in_flight -= 1
                self._cond.notify_all()


class Ticket:
    """An admitted login's place in the queue (or a refusal); leave it with `with`."""

    def __init__(
        self, lane: LoginLane, source: str, account: str, trusted: bool, order: int
    ) -> None:
        self.lane = lane
        self.source, self.account, self.trusted, self.order = source, account, trusted, order
        self.retry_after = 0  # non-zero: shed at admission
        self.displaced = 0  # non-zero: its place was given to a lighter source while it waited
        self.since = lane.clock()
        self._open = False

    def run(self, work: Callable[..., T], *args) -> T:
        """Wait for a free lane and run `work` (the password check) in it; raise Shed if the
        login loses its place meanwhile."""
        if self.retry_after or not self._open:
            raise RuntimeError("this login was not admitted")
        return self.lane._run(self, work, *args)

    def close(self) -> None:
        self.lane._leave(self)

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
