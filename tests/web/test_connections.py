"""Which connection gives way (fisoko/web/connections.py), on fake connections and a fake clock."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time

import pytest

from fisoko.web import connections
from fisoko.web.connections import BODY, BUSY, IDLE, RATE_WINDOW, WAITING, Rules, Seen
from tests.helpers import Server, loopback_sources, open_files_for

RULES = Rules(header_seconds=10, body_min_rate=500, body_grace=10)
NOW = 1000.0


def conn(host: str, state: str, age: float, body_bytes: int = 0) -> Seen:
    """A connection from `host` in `state` for `age` seconds before NOW."""
    return Seen(host, state, NOW - age, body_bytes)


def room(conns, host, per_address=5, limit=20):
    return connections.make_room(conns, host, per_address, limit, NOW, RULES)


@pytest.mark.parametrize(
    ("state", "age", "body_bytes", "late"),
    [
        (WAITING, 9.9, 0, False),
        (WAITING, 10.1, 0, True),
        (BODY, 9.9, 0, False),  # within the grace
        (BODY, 10.1, 0, True),
        (BODY, 20.0, 500 * 10, False),  # 10 s of credit for 5 000 bytes
        (BODY, 20.5, 500 * 10, True),
        (IDLE, 3600, 0, False),  # idle keep-alive is the channel timeout's business
        (BUSY, 3600, 0, False),  # a request being answered is never cut
    ],
)
def test_deadlines_for_headers_and_the_body_rate(state, age, body_bytes, late):
    assert connections.overdue(conn("a", state, age, body_bytes), NOW, RULES) is late


def test_a_deadline_of_zero_is_off():
    off = Rules(header_seconds=0, body_min_rate=0, body_grace=0)
    assert not connections.overdue(conn("a", WAITING, 1e6), NOW, off)
    assert not connections.overdue(conn("a", BODY, 1e6), NOW, off)


@pytest.mark.parametrize(
    ("state", "age", "body_bytes", "stuck"),
    [
        (WAITING, 0.01, 0, True),  # any age: the oldest goes first, see make_room's tests
        (WAITING, 60, 0, True),
        (BODY, 3.0, 100, True),  # 33 bytes a second, under 500
        (BODY, 3.0, 3000, False),  # 1 000 bytes a second
        (BODY, RATE_WINDOW / 100, 400, True),  # judged over at least RATE_WINDOW: 400 < 500
        (BODY, RATE_WINDOW / 100, 600, False),
        (IDLE, 60, 0, False),
        (BUSY, 60, 0, False),
    ],
)
def test_stalled_means_no_progress(state, age, body_bytes, stuck):
    assert connections.stalled(conn("a", state, age, body_bytes), NOW, RULES) is stuck


def test_free_capacity_admits_without_closing_anything():
    held = [conn("a", WAITING, 100) for _ in range(4)] + [conn("b", BODY, 100) for _ in range(10)]
    assert room(held, "a") == connections.Room(admit=True)
    alone = [conn("a", WAITING, 1e6)]  # work-conserving: even a hopeless trickler stays
    assert connections.to_drop(alone, per_address=20, limit=200, now=NOW, rules=RULES) == []


def test_at_the_address_cap_its_oldest_idle_connection_goes_first():
    stuck, old_idle, new_idle = conn("a", WAITING, 50), conn("a", IDLE, 20), conn("a", IDLE, 5)
    busy = [conn("a", BUSY, 100), conn("a", BUSY, 100)]
    decided = room([stuck, new_idle, old_idle, *busy], "a")
    assert decided.admit and decided.victim is old_idle and decided.full == "address"


def test_at_the_address_cap_a_stalled_connection_goes_when_none_is_idle():
    """110 trickling bodies on a user's own address: the user's new connection still gets in."""
    tricklers = [conn("a", BODY, 30 - i * 0.1, body_bytes=40) for i in range(5)]
    decided = room(tricklers, "a")
    assert decided.admit and decided.victim is tricklers[0]  # the one stalled longest


def test_at_the_address_cap_the_newcomer_is_refused_when_everything_progresses():
    held = [conn("a", BUSY, 10), conn("a", BODY, 10, body_bytes=10**6)]
    held += [conn("a", BUSY, 0.1) for _ in range(3)]
    decided = room(held, "a")
    assert not decided.admit and decided.victim is None and decided.full == "address"


def test_at_the_server_limit_the_heaviest_address_gives_way_to_a_light_newcomer():
    heavy = [conn("heavy", WAITING, 5 + i) for i in range(5)]
    lighter = [conn(f"x{i}", WAITING, 100) for i in range(15)]  # older, but one per address
    decided = room(heavy + lighter, "newcomer", per_address=0)
    assert decided.admit and decided.full == "server"
    assert decided.victim is heavy[-1]  # the heaviest address's oldest stalled connection


def test_at_the_server_limit_idle_connections_go_before_stalled_ones():
    stalled = [conn("heavy", WAITING, 50) for _ in range(10)]
    idle = conn("light", IDLE, 1)
    busy = [conn(f"b{i}", BUSY, 1) for i in range(9)]
    decided = room([*stalled, idle, *busy], "newcomer", per_address=0)
    assert decided.victim is idle


def test_at_the_server_limit_a_heavy_newcomer_takes_from_no_lighter_address():
    """Max-min fairness: an address trades only its own connections or a heavier one's."""
    mine = [conn("attacker", BUSY, 1) for _ in range(10)]
    others = [conn(f"user{i}", WAITING, 60) for i in range(10)]  # slow, one per address
    decided = room(mine + others, "attacker", per_address=0)
    assert not decided.admit and decided.full == "server"
    mine[3] = conn("attacker", WAITING, 0.5)
    mine[4] = conn("attacker", WAITING, 0.2)
    decided = room(mine + others, "attacker", per_address=0)
    assert decided.victim is mine[3]  # its own oldest, never a user's


def test_under_churn_a_newcomer_replaces_the_oldest_and_outlives_the_next_ones():
    """An attacker reopening what is closed: every connection of the address is young."""
    held = [conn("a", WAITING, 0.05 * (5 - i)) for i in range(5)]  # 0.25 s old … 0.05 s old
    decided = room(held, "a")
    assert decided.victim is held[0]
    held[0] = newcomer = conn("a", WAITING, 0.02)
    for _ in range(len(held) - 1):  # the next arrivals, younger still, take the older ones first
        decided = room(held, "a")
        assert decided.victim is not newcomer
        held[held.index(decided.victim)] = conn("a", WAITING, 0.01)


def test_at_the_server_limit_nothing_to_close_refuses_the_newcomer():
    held = [conn(f"u{i}", BUSY, 10) for i in range(20)]
    assert room(held, "newcomer") == connections.Room(admit=False, full="server")


def test_past_their_deadline_connections_are_dropped_only_near_a_limit():
    late = conn("a", WAITING, 11)
    on_time = conn("b", WAITING, 9)
    fine = [conn(f"u{i}", IDLE, 1) for i in range(3)]
    # 5 of 20 connections, 1 of 5 on the address: nothing near a limit
    assert connections.to_drop([late, on_time, *fine], 5, 20, NOW, RULES) == []
    # the address holds half its cap
    twins = [late, conn("a", IDLE, 1), conn("a", IDLE, 1)]
    assert connections.to_drop([*twins, on_time], 5, 20, NOW, RULES) == [late]
    # the server holds half its limit
    crowd = [late, on_time, *(conn(f"u{i}", IDLE, 1) for i in range(8))]
    assert connections.to_drop(crowd, 0, 20, NOW, RULES) == [late]


# Real servers (python app.py on loopback, default limits unless said): the Targets of issue 17.

HEADER_START = b"GET /login HTTP/1.1\r\nHost: t\r\nX-Slow: "  # headers never finished
BODY_START = (
    b"POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 100000\r\n\r\n"
)  # a body that never ends
STATIC = ("/static/css/style.css", "/static/js/print-folds.js", "/static/favicon.svg")


class Trickle:
    """Connections from `sources` that send `start`, then one byte each every 0.5 s; with
    `reopen`, what the server closes is opened again (an attacker keeps up its pressure)."""

    def __init__(self, port: int, sources: list[str], start: bytes, reopen: bool = True) -> None:
        self.port, self.sources, self.start_bytes, self.reopen = port, sources, start, reopen
        self.socks: list[socket.socket | None] = [self._open(source) for source in sources]
        self.opened = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _open(self, source: str) -> socket.socket | None:
        sock = socket.socket()
        try:
            sock.bind((source, 0))
            sock.settimeout(5)
            sock.connect(("127.0.0.1", self.port))
            sock.sendall(self.start_bytes)
        except OSError:
            sock.close()
            return None
        sock.setblocking(False)
        return sock

    def _trickle(self) -> None:
        while not self.stop.wait(0.5):
            for index, sock in enumerate(self.socks):
                if sock is not None and self._still_open(sock):
                    with contextlib.suppress(OSError):
                        sock.send(b"a")
                elif self.reopen and not self.stop.is_set():
                    if sock is not None:
                        sock.close()
                    self.socks[index] = self._open(self.sources[index])

    @staticmethod
    def _still_open(sock: socket.socket) -> bool:
        """No answer, no end, no reset from the server's side."""
        try:
            sock.recv(4096)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return False

    def held(self) -> int:
        """Stop reopening, let the server deal with what is in flight, count what it holds."""
        self.stop.set()
        self.thread.join(10)
        time.sleep(0.5)
        return sum(1 for sock in self.socks if sock is not None and self._still_open(sock))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        for sock in self.socks:
            if sock is not None:
                sock.close()


def page_seconds(port: int, source: str, path: str = "/login") -> float:
    """How long a visitor from `source` waits for `path` (a failure counts as forever)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            return float("inf")
    except OSError:
        return float("inf")
    finally:
        conn.close()
    return time.perf_counter() - started


def page_samples(port: int, source: str, count: int, pause: float) -> list[float]:
    """GET /login `count` times, `pause` seconds apart: does it stay prompt?"""
    waits = []
    for _ in range(count):
        waits.append(page_seconds(port, source))
        time.sleep(pause)
    return waits


@pytest.fixture
def served(tmp_path, accounts_file):
    """Start `python app.py` with extra settings; every server started is stopped at the end."""
    started = []

    def start(**env):
        settings = {f"FISOKO_{key}": value for key, value in env.items()}
        started.append(Server(tmp_path, accounts_file, env=settings))
        return started[-1]

    yield start
    for live in started:
        if not hasattr(live, "output"):  # not stopped by the test itself
            live.stop()


@pytest.mark.slow
def test_400_trickling_connections_from_20_addresses_leave_the_login_page_to_others(served):
    open_files_for(2048)
    attackers = loopback_sources(20, 10)
    (visitor,) = loopback_sources(1, 250)
    live = served()
    flood = Trickle(live.port, attackers * 20, HEADER_START)
    try:
        time.sleep(max(0.0, flood.opened + 5 - time.monotonic()))
        waits = page_samples(live.port, visitor, 6, pause=0.5)
        held = flood.held()
    finally:
        flood.close()
        live.stop()
    assert max(waits) < 2.0, waits
    assert held <= 200, held  # the global limit holds: the rest were refused or made room
    assert live.output.count("Заняты все 200 соединений сервера") == 1  # once, not per accept


@pytest.mark.slow
def test_110_trickling_bodies_from_a_users_own_address_leave_the_user_the_login_page(served):
    open_files_for(1024)
    (school,) = loopback_sources(1, 31)
    live = served()
    flood = Trickle(live.port, [school] * 110, BODY_START)
    try:
        time.sleep(1.5)  # the bodies are known to crawl
        waits = page_samples(live.port, school, 5, pause=0.3)
        held = flood.held()
    finally:
        flood.close()
    assert max(waits) < 1.0, waits
    assert held <= 20, held  # the address keeps its cap


def _browser(port: int, source: str, failures: list, kept: list) -> None:
    """One browser: /login, then its static files over 3 keep-alive connections, then /login
    again on the first one, retrying once on a new connection when the kept one was closed (as
    browsers do for a reused connection)."""
    conns = [
        http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
        for _ in range(3)
    ]
    kept.extend(conns)

    def fetch(conn, path, reused):
        for attempt in (1, 2):
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append((source, path, response.status))
                return
            except (http.client.RemoteDisconnected, ConnectionError) as error:
                conn.close()
                if not reused or attempt == 2:
                    failures.append((source, path, repr(error)))
                    return
            except OSError as error:
                failures.append((source, path, repr(error)))
                return

    fetch(conns[0], "/login", reused=False)
    loads = [
        threading.Thread(target=fetch, args=(conn, path, index == 0))
        for index, (conn, path) in enumerate(zip(conns, STATIC, strict=True))
    ]
    for thread in loads:
        thread.start()
    for thread in loads:
        thread.join(10)
    fetch(conns[0], "/login", reused=True)


@pytest.mark.slow
def test_a_class_of_30_browsers_behind_one_address_loads_the_login_page_without_a_failure(served):
    """3 keep-alive connections each, 90 from one address over the default cap of 20."""
    (classroom,) = loopback_sources(1, 32)
    live = served()
    failures, kept, browsers = [], [], []
    try:
        for _ in range(30):
            browser = threading.Thread(target=_browser, args=(live.port, classroom, failures, kept))
            browser.start()
            browsers.append(browser)
            time.sleep(0.05)
        for browser in browsers:
            browser.join(30)
    finally:
        for conn in kept:
            conn.close()
    assert failures == []


def _closed(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(4096) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


@pytest.mark.slow
def test_past_the_deadlines_near_the_cap_connections_are_dropped_and_one_alone_stays(served):
    crowded, quiet = loopback_sources(2, 40)
    live = served(HEADER_SECONDS="1", BODY_GRACE_SECONDS="1", CONNECTIONS_PER_ADDRESS="4")
    heads = Trickle(live.port, [crowded, crowded], HEADER_START, reopen=False)
    bodies = Trickle(live.port, [crowded, crowded], BODY_START, reopen=False)
    alone = Trickle(live.port, [quiet], HEADER_START, reopen=False)
    try:
        time.sleep(3)
        dropped = [_closed(sock, 1) for sock in heads.socks + bodies.socks]
        alone.stop.set()
        alone.thread.join(5)
        (sock,) = alone.socks
        still = not _closed(sock, 0.2)
        sock.setblocking(True)
        sock.settimeout(5)
        sock.sendall(b"\r\n\r\n")  # the header trickled for 3 s, alone: it is still answered
        answer = sock.recv(200)
    finally:
        for flood in (heads, bodies, alone):
            flood.close()
    assert dropped == [True] * 4
    assert still and answer.startswith(b"HTTP/1.1 200 "), answer
