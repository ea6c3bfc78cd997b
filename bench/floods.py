"""Login floods and the real users who log in meanwhile, each bound to its own loopback address.

    python bench/run.py --storm-only   # runs these after the storms (bench/run.py orchestrates)

Two parts, each run as its own process by bench/run.py, so the flood's threads do not slow the
clock of the users it is measured against:
- `flood`: from each of the given addresses, a few threads send login POSTs as fast as the server
  answers, never waiting what they are told: wrong passwords (`wrong`), or (`own`) a school that
  knows its password and logs in again and again, keeping the device cookie it was given. It
  stops when its standard input closes (or after its time bound) and prints what it was answered.
- `users`: real people, each on its own address and with its own account, who start after a
  delay, log in with the right password and, when told «Повторите вход через N с.» (503 with
  Retry-After), wait N seconds as a person would and try again. For each: the seconds from the
  first POST until it is in, the tries, and every Retry-After it was told.
Only 127.0.0.0/8 is used; every part is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import sys
import threading
import time
import urllib.parse

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DEVICE = "fisoko_device"


class Source:
    """One browser on one source address: a keep-alive connection and the cookies it was given."""

    def __init__(self, port: int, address: str) -> None:
        self.port, self.address = port, address
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
            )
        return self._conn

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, headers, text); a broken connection is dropped and raised as OSError."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = self._connection()
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise OSError(str(error)) from error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        if response.headers.get("Connection", "").lower() == "close":
            self.close()
        return response.status, response.headers, text

    def token(self) -> str:
        status, _, page = self.request("GET", "/login")
        match = CSRF_RE.search(page)
        if status != 200 or match is None:
            raise OSError(f"GET /login gave {status}")
        return match.group(1)

    def new_session(self) -> None:
        """Forget the session (a new browser tab after logging in), keep the device cookie."""
        self.cookies = {k: v for k, v in self.cookies.items() if k == DEVICE}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _flooder(port, address, mode, logins, password, stop: threading.Event, counts, lock):
    source = Source(port, address)
    token, number = None, 0
    while not stop.is_set():
        number += 1
        try:
            if token is None:
                token = source.token()
            login = random.choice(logins)
            guess = password if mode == "own" else f"guess-{address}-{number}"
            status = source.request(
                "POST", "/login", {"login": login, "password": guess, "csrf_token": token}
            )[0]
        except OSError:
            status, token = 0, None
            time.sleep(0.05)
        if status == 302:
            source.new_session()
            token = None
        with lock:
            counts[status] = counts.get(status, 0) + 1
    source.close()


def flood(port, addresses, per_address, mode, logins, password, max_seconds) -> dict:
    """Flood until standard input closes (or `max_seconds`); the answers by status."""
    stop, lock, counts = threading.Event(), threading.Lock(), {}
    threads = [
        threading.Thread(
            target=_flooder,
            args=(port, address, mode, logins, password, stop, counts, lock),
            daemon=True,
        )
        for address in addresses
        for _ in range(per_address)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    watcher = threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True)
    watcher.start()
    stop.wait(max_seconds)
    stop.set()
    seconds = time.monotonic() - began
    for thread in threads:
        thread.join(70)
    answers = sum(counts.values())
    return {
        "mode": mode,
        "addresses": len(addresses),
        "threads": len(threads),
        "seconds": round(seconds, 2),
        "answers": answers,
        "answers_per_s": round(answers / seconds, 1),
        "by_status": {str(k): v for k, v in sorted(counts.items())},
        "shed_share": round(counts.get(503, 0) / answers, 3) if answers else None,
    }


def _person(port, login, password, address, delay, limit, out: dict) -> None:
    time.sleep(delay)
    source = Source(port, address)
    told: list[int] = []
    tries, status, started = 0, None, None
    try:
        token = source.token()
        started = time.monotonic()
        while time.monotonic() - started < limit:
            tries += 1
            form = {"login": login, "password": password, "csrf_token": token}
            status, headers, _ = source.request("POST", "/login", form)
            if status != 503:
                break
            told.append(int(headers.get("Retry-After") or 0))
            time.sleep(max(1, told[-1]))
    except OSError as error:
        out["error"] = str(error)
    finally:
        source.close()
    took = time.monotonic() - started if started is not None else None
    out.update(
        login=login,
        address=address,
        status=status,
        seconds=round(took, 2) if took is not None else None,
        tries=tries,
        told=told,
        finished_at=time.monotonic(),
    )


def users(port: int, people: list, limit: float) -> dict:
    """Each person [login, password, address, delay] logs in as told; gives up after `limit`."""
    results: list[dict] = [{} for _ in people]
    threads = [
        threading.Thread(target=_person, args=(port, *person, limit, results[i]))
        for i, person in enumerate(people)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(limit + 120)
    done = [r for r in results if r.get("status") == 302]
    told = [seconds for r in results for seconds in r.get("told", [])]
    return {
        "people": len(people),
        "in": len(done),
        "max_seconds": max((r["seconds"] for r in done), default=None),
        "all_in_after_s": (
            round(max(r["finished_at"] for r in done) - began, 2)
            if len(done) == len(people)
            else None
        ),
        "max_told": max(told, default=0),
        "tries": sum(r.get("tries", 0) for r in results),
        "other": sorted({str(r.get("status")) for r in results} - {"302"}),
        "each": [
            {k: r.get(k) for k in ("login", "address", "status", "seconds", "tries", "told")}
            for r in results
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="login floods and real users on loopback")
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("flood")
    one.add_argument("port", type=int)
    one.add_argument("mode", choices=["wrong", "own"])
    one.add_argument("addresses", help='JSON: ["127.0.0.2", ...]')
    one.add_argument("logins", help='JSON: ["edu770001", ...] (the accounts it sends)')
    one.add_argument("--password", default="", help="the school's own password (own)")
    one.add_argument("--per-address", type=int, default=2)
    one.add_argument("--max-seconds", type=float, default=120)
    two = sub.add_parser("users")
    two.add_argument("port", type=int)
    two.add_argument("people", help='JSON: [["login", "password", "127.0.1.1", delay_s], ...]')
    two.add_argument("--limit", type=float, default=30)
    args = parser.parse_args()
    if args.what == "flood":
        result = flood(
            args.port,
            json.loads(args.addresses),
            args.per_address,
            args.mode,
            json.loads(args.logins),
            args.password,
            args.max_seconds,
        )
    else:
        result = users(args.port, json.loads(args.people), args.limit)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
