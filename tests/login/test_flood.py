"""A wrong-password flood on a real server: a user elsewhere who waits as told gets in."""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse

import bcrypt
import pytest

from tests.helpers import NAMES, Server

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = {"edu770001": "Shkola-0001", "edu770002": "Shkola-0002"}
FLOOD_ADDRESSES = [f"127.0.0.{n}" for n in range(2, 8)]
THREADS_PER_ADDRESS = 4
FLOOD_SECONDS = 12


class Browser:
    """Requests from one loopback source address, keeping the cookies it was given."""

    def __init__(self, port: int, address: str) -> None:
        self.port, self.address = port, address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.headers, text
        finally:
            connection.close()

    def token(self) -> str:
        return TOKEN_RE.search(self.request("GET", "/login")[2])[1]


def _flood(port: int, address: str, own: bool, stop: threading.Event, answers: list) -> None:
    """Wrong passwords, or (`own`) a school logging in with its own password over and over."""
    browser = Browser(port, address)
    token = browser.token()
    number = 0
    while not stop.is_set():
        number += 1
        password = PASSWORD["edu770002"] if own else f"guess-{number}"
        form = {"login": "edu770002", "password": password, "csrf_token": token}
        try:
            answers.append(browser.request("POST", "/login", form)[0])
            if answers[-1] == 302:  # in: drop the session, keep the device cookie, log in again
                browser.cookies = {k: v for k, v in browser.cookies.items() if k == "fisoko_device"}
                token = browser.token()
        except OSError:
            answers.append(0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("own", "addresses"),
    [(False, FLOOD_ADDRESSES), (True, FLOOD_ADDRESSES[:3])],
    ids=["wrong", "own"],
)
def test_a_user_who_waits_as_told_gets_in_during_a_flood(tmp_path, own, addresses):
    lines = ["accounts:"]
    for login, password in PASSWORD.items():
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(10)).decode()
        lines += [f"  {login}:", f"    name: {NAMES[login]}", f"    password_hash: {hashed}"]
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # the v1 throttle lifted, so only the lane stands between the flood and the user
    env = {
        "FISOKO_LOGIN_LANES": "1",
        "FISOKO_THROTTLE_LOGIN_FAILURES": "10000",
        "FISOKO_THROTTLE_ADDRESS_FAILURES": "1000000",
    }
    server = Server(tmp_path, accounts, env=env)
    stop, answers = threading.Event(), []
    flood = [
        threading.Thread(
            target=_flood, args=(server.port, address, own, stop, answers), daemon=True
        )
        for address in addresses
        for _ in range(THREADS_PER_ADDRESS)
    ]
    try:
        for thread in flood:
            thread.start()
        time.sleep(2)  # the flood holds the queue
        user = Browser(server.port, "127.0.0.200")
        token = user.token()
        started, told, status = time.monotonic(), [], None
        while time.monotonic() - started < 20:
            form = {"login": "edu770001", "password": PASSWORD["edu770001"], "csrf_token": token}
            status, headers, page = user.request("POST", "/login", form)
            if status != 503:
                break
            told.append(int(headers["Retry-After"]))
            assert 'value="edu770001"' in page
            if not 1 <= told[-1] <= 30:
                break
            time.sleep(told[-1])
        took = time.monotonic() - started
        flooding = all(thread.is_alive() for thread in flood)
    finally:
        stop.set()
        for thread in flood:
            thread.join(10)
        server.stop()
    assert flooding, "the flood ended before the user was done"
    assert answers.count(503) > 0, "the flood never filled the queue: the test shows nothing"
    assert status == 302, f"not in after {took:.1f} s, told {told}"
    assert took < 20 and all(1 <= seconds <= 30 for seconds in told), told
    assert "Traceback" not in server.output
