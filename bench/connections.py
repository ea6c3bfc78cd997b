"""Slow connections against the server: the chosen way of making room and its alternatives.

    python bench/connections.py             # every variant, every scenario (about 2 minutes)
    python bench/connections.py --quick     # seconds; only shows that everything works
    python bench/connections.py --markdown  # also the table for docs/performance.md

Each variant is the real app (`fisoko.web.server.make_server`) in its own process, with one
decision swapped (module attributes patched in that process only):

- backlog: waitress alone at its limit (it stops accepting, newcomers wait in the listen
  backlog), the cap per address refusing unless an idle connection can go, no deadlines: main
  before issue 17;
- deadline: the same, plus the header deadline and body rate (10 s, 500 bytes/s): what
  mod_reqtimeout alone would give;
- refuse: every connection accepted, at a limit only idle ones make room, else the newcomer is
  refused;
- oldest: the oldest stalled connection of any address makes room;
- chosen: the heaviest address's stalled connection, never a lighter address's (the default).

Scenarios, all on loopback with sources 127.0.0.N (the attackers reopen what is closed):
flood — 400 connections trickling headers from 20 addresses, a visitor from another address
asks GET /login every 0.5 s; slow visitor — during the same flood, a visitor whose headers take
1.2 s (a bad mobile link); own address — 110 trickling bodies from the user's own address, the
user asks GET /login; classroom — 30 browsers x 3 keep-alive connections behind one address.
Prints a table and writes JSON (bench/results/connections.json unless --out).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("backlog", "deadline", "refuse", "oldest", "chosen")
HEADER_START = b"GET /login HTTP/1.1\r\nHost: t\r\nX-Slow: "
BODY_START = (
    b"POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 100000\r\n\r\n"
)
STATIC = ("/static/css/style.css", "/static/js/print-folds.js", "/static/favicon.svg")
TIMEOUT = 5.0  # a visitor's patience; slower counts as a failure


def serve(variant: str, port: int, instance: str) -> None:
    """Run the app with `variant`'s decision swapped in (this process only)."""
    sys.path.insert(0, str(ROOT))
    from fisoko.web import connections, server

    chosen = connections.make_room

    def refuse(conns, host, per_address, limit, now, rules):
        room = chosen(conns, host, per_address, limit, now, rules)
        if room.victim is not None and room.victim.state != connections.IDLE:
            return connections.Room(admit=False, full=room.full)
        return room

    def oldest(conns, host, per_address, limit, now, rules):
        room = chosen(conns, host, per_address, limit, now, rules)
        if not room.full:
            return room
        allowed = [c for c in conns if room.full == "server" or c.host == host]
        idle = [c for c in allowed if c.state == connections.IDLE]
        stuck = [c for c in allowed if connections.stalled(c, now, rules)]
        victim = min(idle or stuck, key=lambda c: c.since, default=None)
        return connections.Room(admit=victim is not None, victim=victim, full=room.full)

    settings = {"PORT": port, "INSTANCE": instance}
    if variant in ("backlog", "deadline"):
        server.BACKSTOP = 0  # waitress's own limit: it stops accepting there
    if variant == "backlog":
        settings.update(HEADER_SECONDS=0, BODY_MIN_RATE=0)
    connections.make_room = {"oldest": oldest, "chosen": chosen}.get(variant, refuse)
    from app import create_app

    server.serve(create_app(settings))


def start(variant: str, work: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instance = tempfile.mkdtemp(dir=work)
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", variant, str(port), instance],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if get(port, "127.0.0.1", "/healthz") < TIMEOUT:
            return process, port
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"variant {variant} did not start")


def get(port: int, source: str, path: str = "/login") -> float:
    """Seconds for one GET on a new connection; inf when it fails or takes over TIMEOUT."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=TIMEOUT, source_address=(source, 0)
    )
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        ok = response.status == 200
    except OSError:
        ok = False
    finally:
        conn.close()
    return time.perf_counter() - started if ok else float("inf")


def slow_get(port: int, source: str) -> float:
    """GET /login whose headers arrive in three pieces 0.6 s apart."""
    started = time.perf_counter()
    pieces = [b"GET /login HTTP/1.1\r\n", b"Host: t\r\n", b"Connection: close\r\n\r\n"]
    try:
        with socket.create_connection(("127.0.0.1", port), TIMEOUT, (source, 0)) as sock:
            for index, piece in enumerate(pieces):
                if index:
                    time.sleep(0.6)
                sock.sendall(piece)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    except OSError:
        return float("inf")
    ok = answer.startswith(b"HTTP/1.1 200 ")
    return time.perf_counter() - started if ok else float("inf")


class Flood:
    """Connections from `sources` sending `start`, then a byte each every 0.5 s; reopened when
    the server closes them (an attacker keeps its pressure)."""

    def __init__(self, port: int, sources: list[str], start: bytes) -> None:
        self.port, self.start, self.stop = port, start, threading.Event()
        self.socks: list[socket.socket | None] = [None] * len(sources)
        self.sources, self.reopened = sources, 0
        for index in range(len(sources)):
            self._open(index)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _open(self, index: int) -> None:
        sock = socket.socket()
        try:
            sock.bind((self.sources[index], 0))
            sock.settimeout(2)
            sock.connect(("127.0.0.1", self.port))
            sock.sendall(self.start)
            sock.setblocking(False)
        except OSError:
            sock.close()
            sock = None
        self.socks[index] = sock

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            for index, sock in enumerate(self.socks):
                try:
                    if sock is None or sock.recv(4096) is not None:
                        raise OSError  # closed, or answered (503): open another
                except BlockingIOError:
                    with contextlib.suppress(OSError):
                        sock.send(b"a")
                    continue
                except OSError:
                    pass
                if sock is not None:
                    sock.close()
                if self.stop.is_set():
                    return
                self.reopened += 1
                self._open(index)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        for sock in self.socks:
            if sock is not None:
                sock.close()


def samples(take, count: int, pause: float) -> list[float]:
    found = []
    for _ in range(count):
        found.append(take())
        time.sleep(pause)
    return found


def summary(waits: list[float]) -> dict:
    answered = [wait for wait in waits if wait != float("inf")]
    return {
        "tries": len(waits),
        "failed": len(waits) - len(answered),
        "p50_ms": round(statistics.median(answered) * 1000, 1) if answered else None,
        "max_ms": round(max(answered) * 1000, 1) if answered else None,
    }


def flood_scenario(port: int, quick: bool) -> dict:
    attackers = [f"127.0.0.{10 + n}" for n in range(20)]
    flood = Flood(port, attackers * (2 if quick else 20), HEADER_START)
    try:
        time.sleep(1 if quick else 3)
        slow: list[float] = []
        slow_thread = threading.Thread(
            target=lambda: slow.extend(samples(lambda: slow_get(port, "127.0.0.251"), 4, 0.3))
        )
        slow_thread.start()
        visitor = samples(lambda: get(port, "127.0.0.250"), 3 if quick else 10, 0.5)
        slow_thread.join(60)
    finally:
        flood.close()
    return {"visitor": summary(visitor), "slow": summary(slow), "reopened": flood.reopened}


def own_address_scenario(port: int, quick: bool) -> dict:
    school = "127.0.0.31"
    flood = Flood(port, [school] * (10 if quick else 110), BODY_START)
    try:
        time.sleep(1.5)
        user = samples(lambda: get(port, school), 3 if quick else 10, 0.3)
    finally:
        flood.close()
    return {"user": summary(user), "reopened": flood.reopened}


def _browser(port: int, source: str, waits: list, kept: list) -> None:
    """/login, its static files over 3 keep-alive connections, /login again (a browser retries a
    request once on a new connection when a reused one was closed)."""
    conns = [
        http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT, source_address=(source, 0))
        for _ in range(3)
    ]
    kept.extend(conns)

    def fetch(conn, path, reused):
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                conn.close()
                ok = False
                if not reused or attempt == 2:
                    break
            except OSError:
                ok = False
                break
        waits.append(time.perf_counter() - started if ok else float("inf"))

    fetch(conns[0], "/login", False)
    loads = [
        threading.Thread(target=fetch, args=(conn, path, index == 0))
        for index, (conn, path) in enumerate(zip(conns, STATIC, strict=True))
    ]
    for thread in loads:
        thread.start()
    for thread in loads:
        thread.join(30)
    fetch(conns[0], "/login", True)


def classroom_scenario(port: int, quick: bool) -> dict:
    waits: list[float] = []
    kept: list = []
    browsers = []
    try:
        for _ in range(5 if quick else 30):
            browser = threading.Thread(target=_browser, args=(port, "127.0.0.32", waits, kept))
            browser.start()
            browsers.append(browser)
            time.sleep(0.05)
        for browser in browsers:
            browser.join(60)
    finally:
        for conn in kept:
            conn.close()
    return {"loads": summary(waits)}


def run_variant(variant: str, work: Path, quick: bool) -> dict:
    result = {"load_before": os.getloadavg()[0]}
    for name, scenario in (
        ("flood", flood_scenario),
        ("own_address", own_address_scenario),
        ("classroom", classroom_scenario),
    ):
        process, port = start(variant, work)
        try:
            result[name] = scenario(port, quick)
        finally:
            process.terminate()
            process.wait(10)
    result["load_after"] = os.getloadavg()[0]
    return result


def _cell(part: dict) -> str:
    if part["p50_ms"] is None:
        return f"{part['failed']}/{part['tries']} отказов"
    failed = f", отказов {part['failed']}/{part['tries']}" if part["failed"] else ""
    return f"{part['p50_ms']:g} / {part['max_ms']:g}{failed}"


def table(results: dict) -> str:
    lines = [
        "| Вариант | Поток: GET /login, p50 / max, мс | Медленный посетитель | "
        "Свой адрес: GET /login | Класс: загрузки | Нагрузка до–после |",
        "|---|---|---|---|---|---|",
    ]
    for variant, r in results["variants"].items():
        lines.append(
            f"| {variant} | {_cell(r['flood']['visitor'])} | {_cell(r['flood']['slow'])} | "
            f"{_cell(r['own_address']['user'])} | {_cell(r['classroom']['loads'])} | "
            f"{r['load_before']:.1f}–{r['load_after']:.1f} |"
        )
    return "\n".join(lines)


def raise_open_files(needed: int) -> None:
    """Room for the floods' sockets here and in the servers, which inherit the limit."""
    try:
        import resource
    except ImportError:  # Windows: no such limit on sockets
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed and (hard == resource.RLIM_INFINITY or hard >= needed):
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small floods, seconds")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "connections.json")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2])
        return
    raise_open_files(4096)
    results = {"quick": args.quick, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    results["variants"] = {}
    with tempfile.TemporaryDirectory() as folder:
        for variant in args.variants.split(","):
            results["variants"][variant] = run_variant(variant, Path(folder), args.quick)
            print(variant, json.dumps(results["variants"][variant], ensure_ascii=False), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(table(results) if args.markdown else f"JSON: {args.out}")


if __name__ == "__main__":
    main()
