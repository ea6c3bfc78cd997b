"""waitress's settings and guards (fisoko/web/server.py) against slow and hostile clients.

The real-server tests run `python app.py` on loopback and are bounded in count and time. Attacks
come from 127.0.0.2 where the system allows binding it, so the per-address cap can tell the
attacker from the visitor at 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from pathlib import Path

import pytest

from fisoko.web import server
from fisoko.web.security import FORM_LIMIT
from tests.helpers import AuthActions, Server, app_on, csrf_token
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
    assert chosen["connection_limit"] == 200
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
def test_waitress_errors_are_russian_pages_with_security_headers(live, request_bytes, status):
    with connect(live.port) as sock:
        sock.sendall(request_bytes)
        answer = read_answer(sock).decode("utf-8", "replace")
    assert answer.split(" ", 2)[1] == status.decode(), answer[:200]
    assert "text/html; charset=utf-8" in answer and 'lang="ru"' in answer
    assert "X-Content-Type-Options: nosniff" in answer
    assert "generated by" not in answer


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
            with contextlib.suppress(BlockingIOError):
                if sock.recv(4096).startswith(b"HTTP/1.1 503"):
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
    assert refused >= 25, refused  # all but the 5 the address may hold


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
