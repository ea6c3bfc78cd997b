"""A login storm: many schools logging in at once while a coordinator uses the cabinet.

    python bench/run.py --storm-only          # this part of the benchmark alone

The storm clients and the `/cabinet` probe each run as a separate process (so their own threads
do not disturb what they time), on loopback only, against `python app.py`:
- `drive`: C clients, each with its own school account, log in with the right password, again
  as soon as they are in (a fresh session each time, as a new browser would). A shed login (503)
  waits its Retry-After, as a person told «повторите через N с» would, then tries again. All
  from 127.0.0.1 (one source for the login queue, as in the first storms), or with `--spread`
  each from its own address (127.0.2.N), as schools come from their own networks: then the
  fair queue also orders the schools by how often each has logged in lately.
- `probe`: one logged-in coordinator (from 127.0.3.1) opens GET /cabinet 20 times a second; a
  keep-alive connection the server closed is opened again, as a browser does, and counted.
Figures: served logins a second, p50/p99 of a served login's POST, shed answers and their
slowest time, and the probe's p50/p99; the raw bcrypt rate at the same number of lanes is
measured by probes.py in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PROBE_ADDRESS = "127.0.3.1"


def percentile(values: list[float], share: float) -> float | None:
    """The value at `share` (0..1) of the sorted values, nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def _cookie(response: http.client.HTTPResponse) -> str:
    return "; ".join(
        value.split(";", 1)[0]
        for key, value in response.getheaders()
        if key.lower() == "set-cookie"
    )


class Client:
    """One school at its keyboard: logs in, and in again, until the storm ends."""

    def __init__(self, port: int, login: str, password: str, address: str = "127.0.0.1") -> None:
        self.port, self.login, self.password, self.address = port, login, password, address
        self.served: list[float] = []
        self.shed: list[float] = []
        self.other: dict[int, int] = {}

    def _form(self, conn: http.client.HTTPConnection) -> tuple[str, str]:
        conn.request("GET", "/login")
        response = conn.getresponse()
        page = response.read().decode("utf-8", "replace")
        match = CSRF_RE.search(page)
        if response.status != 200 or match is None:
            raise RuntimeError(f"GET /login gave {response.status}")
        return _cookie(response), match.group(1)

    def run(self, stop_at: float) -> None:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
        )
        try:
            while time.monotonic() < stop_at:
                cookie, token = self._form(conn)
                body = urllib.parse.urlencode(
                    {"csrf_token": token, "login": self.login, "password": self.password}
                )
                headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
                while time.monotonic() < stop_at:
                    started = time.perf_counter()
                    conn.request("POST", "/login", body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    took = (time.perf_counter() - started) * 1000
                    if response.status == 302:
                        self.served.append(took)
                        break
                    if response.status == 503:
                        self.shed.append(took)
                        wait = float(response.headers.get("Retry-After") or 1)
                        time.sleep(min(wait, max(0.0, stop_at - time.monotonic())))
                        continue
                    self.other[response.status] = self.other.get(response.status, 0) + 1
                    break
        finally:
            conn.close()


def drive(
    port: int, accounts: list[tuple[str, str]], duration: float, spread: bool = False
) -> dict:
    """The storm: one client per account for `duration` seconds."""
    clients = [
        Client(port, login, password, f"127.0.{2 + n // 250}.{1 + n % 250}")
        if spread
        else Client(port, login, password)
        for n, (login, password) in enumerate(accounts)
    ]
    stop_at = time.monotonic() + duration
    threads = [threading.Thread(target=c.run, args=(stop_at,)) for c in clients]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    served = [t for c in clients for t in c.served]
    shed = [t for c in clients for t in c.shed]
    other: dict[str, int] = {}
    for client in clients:
        for status, count in client.other.items():
            other[str(status)] = other.get(str(status), 0) + count
    return {
        "clients": len(clients),
        "spread": spread,
        "seconds": round(seconds, 2),
        "served": len(served),
        "served_per_s": round(len(served) / seconds, 3),
        "login_p50_ms": percentile(served, 0.5),
        "login_p99_ms": percentile(served, 0.99),
        "shed": len(shed),
        "shed_max_ms": round(max(shed), 2) if shed else None,
        "other": other,
    }


def probe(port: int, cookie: str, duration: float, rate: float) -> dict:
    """GET /cabinet `rate` times a second from one logged-in session; latencies in ms."""

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            "127.0.0.1", port, timeout=60, source_address=(PROBE_ADDRESS, 0)
        )

    conn = connect()
    latencies, errors, reconnects = [], 0, 0
    stop_at = time.monotonic() + duration
    next_at = time.monotonic()
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        try:
            conn.request("GET", "/cabinet", headers={"Cookie": cookie})
            response = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            conn, reconnects = connect(), reconnects + 1
            continue
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        errors += response.status != 200
        next_at += 1 / rate
        time.sleep(max(0.0, next_at - time.monotonic()))
    conn.close()
    return {
        "requests": len(latencies),
        "errors": errors,
        "reconnects": reconnects,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="storm driver and /cabinet probe")
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("drive")
    one.add_argument("port", type=int)
    one.add_argument("accounts", help='JSON: [["login", "password"], ...]')
    one.add_argument("duration", type=float)
    one.add_argument("--spread", action="store_true", help="each client from its own address")
    two = sub.add_parser("probe")
    two.add_argument("port", type=int)
    two.add_argument("cookie")
    two.add_argument("duration", type=float)
    two.add_argument("--rate", type=float, default=20)
    args = parser.parse_args()
    if args.what == "drive":
        accounts = [tuple(pair) for pair in json.loads(args.accounts)]
        result = drive(args.port, accounts, args.duration, args.spread)
    else:
        result = probe(args.port, args.cookie, args.duration, args.rate)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
