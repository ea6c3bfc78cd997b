"""Which connection gives way when the server or one address runs out of room.

Pure decisions over snapshots of the open connections (`Seen`), so they are tested with a fake
clock and fake connections; `fisoko.web.server` takes the snapshots from waitress's channels and
carries the decisions out.

- A connection past its deadline (mod_reqtimeout's `header=` and `body=…,MinRate=`): request
  headers not finished within `header_seconds`, or a body slower than `body_min_rate` bytes a
  second once `body_grace` seconds have passed (each byte buys 1/min_rate seconds more, as in
  mod_reqtimeout). Such a connection is dropped only near a limit — when the server holds at least
  half its connection limit or its address half its cap — so a client alone on a quiet server is
  never dropped.
- Making room for a new connection at the address's cap or at the server's limit: an idle
  keep-alive connection first (its browser simply opens a new one), then one that is not making
  progress (headers unfinished, or a body below the minimum rate), the oldest of the address
  holding the most connections, never of an address holding fewer than the newcomer's own
  (max-min fairness: a newcomer from a light address always finds room while a heavier one
  stalls, and a heavy address only trades its own connections). Only when nothing may give way
  is the newcomer refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

IDLE = "idle"  # served a request, waiting for the next one
BUSY = "busy"  # a request is being served or its answer sent: never interrupted
WAITING = "headers"  # the request's headers have not all arrived
BODY = "body"  # the headers are in, the body is still arriving

RATE_WINDOW = 1.0  # seconds: a body's rate is judged over at least this long


@dataclass(frozen=True)
class Rules:
    header_seconds: float = 10.0  # 0: no header deadline
    body_min_rate: float = 500.0  # bytes a second; 0: no minimum
    body_grace: float = 10.0


@dataclass
class Seen:
    """One open connection as the event loop sees it at one moment."""

    host: str
    state: str
    since: float  # when the state began: accepted or request begun, headers done, last served
    body_bytes: int = 0
    handle: object = None  # the connection itself, for the caller


def overdue(conn: Seen, now: float, rules: Rules) -> bool:
    """Past its deadline: headers too slow, or a body below the minimum rate after the grace."""
    waited = now - conn.since
    if conn.state == WAITING:
        return rules.header_seconds > 0 and waited > rules.header_seconds
    if conn.state == BODY and rules.body_min_rate > 0:
        return waited > rules.body_grace + conn.body_bytes / rules.body_min_rate
    return False


def stalled(conn: Seen, now: float, rules: Rules) -> bool:
    """Not making progress: its request's headers unfinished, or a body below the minimum rate.

    No age protects a connection whose headers are still missing: under an attacker who reopens
    what is closed, every stalled connection of the address would be young, and a newcomer
    would find nothing to replace. The oldest goes first instead, and a request that arrives
    with its connection (any browser's) is read in the next turn of the event loop.
    """
    if conn.state == WAITING:
        return True
    waited = max(now - conn.since, RATE_WINDOW)
    return conn.state == BODY and conn.body_bytes < rules.body_min_rate * waited


def _heaviest_oldest(candidates: list[Seen], counts: Counter) -> Seen | None:
    if not candidates:
        return None
    return max(candidates, key=lambda conn: (counts[conn.host], -conn.since))


@dataclass(frozen=True)
class Room:
    """The answer for a newcomer: admit it (after closing `victim`, if any) or refuse it."""

    admit: bool
    victim: Seen | None = None
    full: str = ""  # "address" or "server" when a limit was reached


def make_room(
    conns: Iterable[Seen], host: str, per_address: int, limit: int, now: float, rules: Rules
) -> Room:
    """Room for a new connection from `host` among the open `conns`."""
    conns = list(conns)
    counts = Counter(conn.host for conn in conns)
    if per_address and counts[host] >= per_address:
        full, allowed = "address", [conn for conn in conns if conn.host == host]
    elif len(conns) >= limit:
        full, allowed = "server", conns
    else:
        return Room(admit=True)
    idle = [conn for conn in allowed if conn.state == IDLE]
    victim = _heaviest_oldest(idle, counts) or _heaviest_oldest(
        [
            conn
            for conn in allowed
            if (conn.host == host or counts[conn.host] > counts[host]) and stalled(conn, now, rules)
        ],
        counts,
    )
    return Room(admit=victim is not None, victim=victim, full=full)


def to_drop(conns: Iterable[Seen], per_address: int, limit: int, now: float, rules: Rules):
    """The connections past their deadline that are dropped now: those near a limit."""
    conns = list(conns)
    counts = Counter(conn.host for conn in conns)
    server_near = 2 * len(conns) >= limit
    return [
        conn
        for conn in conns
        if overdue(conn, now, rules)
        and (server_near or (per_address and 2 * counts[conn.host] >= per_address))
    ]
