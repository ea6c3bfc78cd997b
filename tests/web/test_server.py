"""waitress's settings and guards (fisoko/web/server.py) against slow and hostile clients.

The real-server tests run `python app.py` on loopback and are bounded in count and time. Attacks
come from 127.0.0.2 where the system allows binding it, so the per-address cap can tell the
attacker from the visitor at 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from waitress.adjustments import Adjustments

from fisoko.settings import BASE_DIR, ConfigError, normalize
from fisoko.web import server
from fisoko.web.connections import Rules
from fisoko.web.security import FORM_LIMIT
from tests.helpers import (
    AuthActions,
    Server,
    app_on,
    csrf_token,
    free_port,
    loopback_sources,
    open_files_for,
)
from tests.niko.exchange.test_uploads import form, ids_on_page

ATTACKER = "127.0.0.2"
PROMPT = 1.0  # seconds: how soon another visitor's GET /login must be answered


def attacker_address() -> str:
    try:
        with socket.socket() as probe:
            probe.bind((ATTACKER, 0))
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound on this system")
    return ATTACKER


def connect(port: int, source: str = "127.0.0.1", buffer: int | None = None) -> socket.socket:
    sock = socket.socket()
    if buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)
    sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    return sock


def read_answer(sock: socket.socket, limit: int = 65536) -> bytes:
    data = b""
    with contextlib.suppress(OSError):
        while len(data) < limit:
            chunk = sock.recv(limit)
            if not chunk:
                break
            data += chunk
            if b"</html>" in data:
                break
    return data


def login_page_seconds(port: int) -> float:
    """How long another visitor waits for GET /login (a failure counts as forever)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        response.read()
        assert response.status == 200
    except OSError:
        return float("inf")
    finally:
        conn.close()
    return time.perf_counter() - started


def test_options_follow_the_settings(app):
    chosen = server.options(app.config)
    assert chosen["threads"] == app.config["THREADS"] == 24
    # waitress's own limit is a backstop above ours, so it never stops accepting: room is made
    assert chosen["connection_limit"] == 200 + server.BACKSTOP
    assert chosen["max_request_body_size"] == app.config["MAX_CONTENT_LENGTH"] + 1


def test_body_limits_by_route():
    assert server.body_limit("/cabinet/niko/uploads", 5_000_000) == 5_000_000
    assert server.body_limit("/login", 5_000_000) == FORM_LIMIT
    assert server.body_limit("/cabinet/niko/uploads/x/delete", 5_000_000) == FORM_LIMIT


def test_the_error_page_is_russian_and_escaped():
    page = server.error_page(413, "<Request Entity Too Large>").decode()
    assert 'lang="ru"' in page and "Слишком большой запрос" in page
    assert "&lt;Request Entity Too Large&gt;" in page


@pytest.fixture
def live(tmp_path, accounts_file):
    running = Server(
        tmp_path,
        accounts_file,
        env={"FISOKO_CONNECTIONS_PER_ADDRESS": "5", "FISOKO_CONNECTION_LIMIT": "20"},
    )
    yield running
    running.stop()


@pytest.mark.parametrize(
    ("path", "length"),
    [("/login", 500_000_000), ("/healthz", 30 * 2**20), ("/cabinet/niko/uploads", 30 * 2**20)],
)
@pytest.mark.slow
def test_a_huge_body_is_refused_from_its_length_before_it_is_read(live, path, length):
    with connect(live.port) as sock:
        started = time.perf_counter()
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded"
            f"\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        sock.sendall(b"x" * 1024)  # a start of the body, never the rest
        answer = read_answer(sock)
        took = time.perf_counter() - started
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert took < PROMPT
    text = answer.decode("utf-8", "replace")
    assert "Слишком большой запрос" in text
    assert "Content-Security-Policy: default-src 'self'" in text
    assert "X-Frame-Options: DENY" in text


@pytest.mark.slow
def test_a_form_just_over_the_limit_is_refused_and_one_under_is_read(live):
    for length, refused in ((FORM_LIMIT + 1, True), (FORM_LIMIT - 10, False)):
        with connect(live.port) as sock:
            sock.sendall(
                f"POST /login HTTP/1.1\r\nHost: t\r\nContent-Length: {length}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode()
            )
            if not refused:
                sock.sendall(b"a" * length)
            answer = read_answer(sock)
        # A full form under the limit reaches the app, which answers the missing CSRF token.
        assert answer.startswith(b"HTTP/1.1 413 " if refused else b"HTTP/1.1 400 "), answer[:80]


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", b"431"),
        (b"POST /login HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", b"501"),
    ],
)
@pytest.mark.slow
def test_waitress_errors_are_russian_pages_with_security_headers(live, request_bytes, status):
    with connect(live.port) as sock:
        sock.sendall(request_bytes)
        answer = read_answer(sock).decode("utf-8", "replace")
    assert answer.split(" ", 2)[1] == status.decode(), answer[:200]
    assert "text/html; charset=utf-8" in answer and 'lang="ru"' in answer
    assert "X-Content-Type-Options: nosniff" in answer
    assert "generated by" not in answer


@pytest.mark.slow
def test_trickling_connections_from_one_address_leave_the_server_to_others(live):
    source = attacker_address()
    held, refused = [], 0
    try:
        for _ in range(30):  # more than the whole connection limit (20)
            sock = connect(live.port, source)
            sock.sendall(b"POST /login HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n")
            held.append(sock)
        time.sleep(0.3)
        for sock in held:
            sock.setblocking(False)
            try:
                answer = sock.recv(4096)
            except BlockingIOError:
                continue  # still open
            except OSError:
                answer = b""  # closed to make room for a newer one
            if answer == b"" or answer.startswith(b"HTTP/1.1 503"):
                refused += 1
        deadline = time.monotonic() + 2.5
        waits = []
        while time.monotonic() < deadline:
            for sock in held:
                with contextlib.suppress(OSError):
                    sock.send(b"a")  # one byte a round: activity that resets the idle timer
            waits.append(login_page_seconds(live.port))
            time.sleep(0.2)
    finally:
        for sock in held:
            sock.close()
    assert max(waits) < PROMPT, waits
    assert refused >= 25, refused  # refused or closed: all but the 5 the address may hold


def _upload_as_school(tmp_path: Path, accounts_file: Path, size: int) -> tuple[str, str, bytes]:
    """Store one upload through the app in-process; its id, a session cookie and its bytes."""
    app = app_on(tmp_path, accounts_file, MAX_UPLOAD_MB=40)
    client = app.test_client()
    assert AuthActions(client).login("edu770001").status_code == 302
    data = bytes(range(256)) * (size // 256)
    token = csrf_token(client, "/cabinet")
    answer = client.post("/cabinet/niko/uploads", **form(token, "upload-form", "big.zip", data))
    assert answer.status_code == 302
    (upload_id,) = ids_on_page(client)
    cookie = client.get_cookie("fisoko_session")
    return upload_id, f"fisoko_session={cookie.value}", data


@pytest.mark.slow
def test_range_downloads_that_are_never_read_block_no_thread(tmp_path, accounts_file):
    upload_id, cookie, data = _upload_as_school(tmp_path, accounts_file, 24 * 2**20)
    live = Server(
        tmp_path, accounts_file, env={"FISOKO_THREADS": "4", "FISOKO_MAX_UPLOAD_MB": "40"}
    )
    source = attacker_address()
    readers = []
    try:
        path = f"/cabinet/niko/uploads/{upload_id}"
        for _ in range(8):  # twice the threads
            sock = connect(live.port, source, buffer=4096)
            sock.sendall(
                f"GET {path} HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\n"
                "Range: bytes=0-\r\n\r\n".encode()
            )
            readers.append(sock)
        time.sleep(0.5)
        waits = [login_page_seconds(live.port) for _ in range(5)]
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=5)
        conn.request("GET", path, headers={"Cookie": cookie, "Range": "bytes=1000-1999"})
        partial = conn.getresponse()
        body = partial.read()
        conn.close()
    finally:
        for sock in readers:
            sock.close()
        live.stop()
    assert max(waits) < PROMPT, waits
    assert partial.status == 206
    assert partial.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert body == data[1000:2000]


def _flood(port: int, stop: threading.Event, answers: list, lock: threading.Lock) -> None:
    """One client posting wrong logins as fast as it can, on its own session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    first = conn.getresponse()
    page = first.read().decode()
    cookie = first.headers["Set-Cookie"].split(";")[0]
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    body = f"login=edu770001&password=wrong&csrf_token={token}"
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    while not stop.is_set():
        conn.request("POST", "/login", body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        with lock:
            answers.append((response.status, response.headers.get("Retry-After"), text))
    conn.close()


@pytest.mark.slow
def test_a_login_flood_on_one_lane_is_shed_and_pages_stay_prompt(tmp_path, accounts_file):
    live = Server(
        tmp_path,
        accounts_file,
        env={
            "FISOKO_LOGIN_LANES": "1",
            "FISOKO_LOGIN_QUEUE_SECONDS": "0",
            "FISOKO_THREADS": "6",
            "FISOKO_THROTTLE_LOGIN_FAILURES": "10000",
            "FISOKO_THROTTLE_ADDRESS_FAILURES": "1000000",
        },
    )
    stop, lock, answers = threading.Event(), threading.Lock(), []
    flooders = [
        threading.Thread(target=_flood, args=(live.port, stop, answers, lock)) for _ in range(12)
    ]
    try:
        for thread in flooders:
            thread.start()
        time.sleep(0.3)
        waits = [login_page_seconds(live.port) for _ in range(10)]
    finally:
        stop.set()
        for thread in flooders:
            thread.join(10)
        live.stop()
    statuses = {status for status, _, _ in answers}
    shed = [a for a in answers if a[0] == 503]
    assert statuses <= {200, 503}, statuses
    assert shed, f"no login was shed in {len(answers)} answers"
    assert all(retry and int(retry) >= 1 for _, retry, _ in shed)
    assert "Сейчас входят очень многие." in shed[0][2]
    assert any(status == 200 for status, _, _ in answers)  # logins are still served
    assert max(waits) < PROMPT, waits


@pytest.mark.slow
def test_a_class_behind_one_address_loads_the_login_page_without_a_failure(live):
    """30 browsers x 3 keep-alive connections from one address, over a cap of 5 per address:
    the oldest idle connections make room, so no page load fails."""
    source = attacker_address()
    kept, failures = [], []
    try:
        for browser in range(30):
            for path in ("/login", "/static/css/style.css", "/login"):
                conn = http.client.HTTPConnection(
                    "127.0.0.1", live.port, timeout=5, source_address=(source, 0)
                )
                try:
                    conn.request("GET", path)
                    response = conn.getresponse()
                    response.read()
                    if response.status != 200:
                        failures.append((browser, path, response.status))
                except OSError as error:
                    failures.append((browser, path, repr(error)))
                kept.append(conn)  # left open, as a browser keeps it alive
    finally:
        for conn in kept:
            conn.close()
    assert failures == []


def test_on_windows_the_limit_stays_under_what_select_takes(app, monkeypatch):
    """waitress has no poll() on Windows; CPython's select() there takes at most 512 sockets."""
    monkeypatch.setattr(server, "on_windows", lambda: True)
    app.config["CONNECTION_LIMIT"] = 10_000
    chosen = server.options(app.config)
    assert server.connection_limit(10_000) == server.WINDOWS_SOCKETS == 500
    assert server.connection_limit(200) == 200
    assert chosen["asyncore_use_poll"] is False
    assert chosen["connection_limit"] < 512  # even waitress's backstop, listeners included


def test_elsewhere_waitress_polls_within_the_open_file_limit(app, monkeypatch):
    """select() on Linux fails on a descriptor over 1023, so waitress is told to poll."""
    monkeypatch.setattr(server, "on_windows", lambda: False)
    monkeypatch.setattr(server, "descriptor_budget", lambda: 1024)
    assert server.options(app.config)["asyncore_use_poll"] is True
    assert server.connection_limit(200) == 200
    assert server.connection_limit(10_000) == (1024 - server.FILES_KEPT) // 3
    monkeypatch.setattr(server, "descriptor_budget", lambda: None)
    assert server.connection_limit(10_000) == 10_000


WINDOWS_SERVER = """
import sys, threading, time
from fisoko.web import server
server.on_windows = lambda: True  # waitress then keeps select(), as on Windows
from app import create_app
app = create_app({"ACCOUNTS": sys.argv[1], "INSTANCE": sys.argv[2], "PORT": int(sys.argv[3]),
                  "CONNECTION_LIMIT": 10000})
running = server.make_server(app)
peak = [0]
def watch():
    while True:
        peak[0] = max(peak[0], len(running.guard.map))
        time.sleep(0.005)
def report():
    sys.stdin.readline()
    print(peak[0], flush=True)
threading.Thread(target=watch, daemon=True).start()
threading.Thread(target=report, daemon=True).start()
print("ready", flush=True)
running.run()
"""


@pytest.mark.slow
def test_with_windows_emulated_600_connections_never_give_select_more_than_512(
    tmp_path, accounts_file
):
    open_files_for(2048)
    attackers = loopback_sources(30, 50)
    (visitor,) = loopback_sources(1, 251)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", WINDOWS_SERVER, str(accounts_file), str(tmp_path), str(port)],
        cwd=BASE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    held = []
    try:
        assert process.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        for source in attackers * 20:  # 600 connections, 20 from each address
            sock = connect(port, source)
            sock.sendall(b"GET /login HTTP/1.1\r\nHost: t\r\nX-Slow: a")
            held.append(sock)
        time.sleep(1.5)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(visitor, 0))
        conn.request("GET", "/login")
        status = conn.getresponse().status
        conn.close()
        process.stdin.write("peak\n")
        process.stdin.flush()
        peak = int(process.stdout.readline())
    finally:
        for sock in held:
            sock.close()
        process.kill()
        process.communicate(timeout=10)
    assert status == 200
    assert peak < 512, peak  # the listener and waitress's trigger are in the map too


def test_the_deadlines_come_from_the_settings(app, tmp_path, accounts_file):
    assert server.rules(app.config) == Rules(header_seconds=10, body_min_rate=500, body_grace=10)
    tuned = app_on(tmp_path, accounts_file, HEADER_SECONDS="2.5", BODY_MIN_RATE="0")
    assert server.rules(tuned.config) == Rules(header_seconds=2.5, body_min_rate=0, body_grace=10)
    config = {**tuned.config, "BODY_MIN_RATE": "fast"}
    with pytest.raises(ConfigError, match="FISOKO_BODY_MIN_RATE"):
        normalize(config)


def test_a_channel_is_seen_in_the_phase_of_its_request(monkeypatch):
    """What the guard reads from waitress's channel and parser, on a fake clock."""
    now = [100.0]
    monkeypatch.setattr(server, "clock", lambda: now[0])

    class Listener:  # what a channel needs of its server
        active_channels: dict = {}

        def add_task(self, channel):
            pass

    mine, theirs = socket.socketpair()
    try:
        channel = server.GuardedChannel(Listener(), mine, ("127.0.0.9", 1), Adjustments(), map={})

        def phase():
            found = server.seen(channel)
            return found.state, found.since, found.body_bytes

        assert phase() == ("headers", 100.0, 0)  # accepted, nothing sent: counts from accept
        now[0] = 102.0
        channel.received(b"POST /login HTTP/1.1\r\nHost: t\r\n")
        assert phase() == ("headers", 100.0, 0)  # the first request's headers count from accept
        now[0] = 103.0
        channel.received(b"Content-Length: 10\r\n\r\nabc")
        assert phase() == ("body", 103.0, 3)
        channel.received(b"defghij")
        assert phase()[0] == "busy"  # complete: handed to a thread, never cut
        channel.requests.clear()  # what waitress does once the answer is written ...
        channel.served_at, channel.answered = 104.0, True  # ... and GuardedChannel.service()
        assert phase() == ("idle", 104.0, 0)
        now[0] = 110.0
        channel.received(b"GET /login HTTP/1.1\r\n")
        assert phase() == ("headers", 110.0, 0)  # a later request counts from its first byte
        channel.will_close = True
        assert phase()[0] == "busy"  # already closing: not a candidate twice
    finally:
        mine.close()
        theirs.close()
