"""Bounded HTTP load against a loopback server: `wrk` when installed, else plain Python threads.

Run as a script it is the Python load generator (one process, one keep-alive connection per
thread), so that the orchestrator can pin it to its own core like `wrk`. Every driver returns the
same summary: requests, seconds, requests/s, p50 and p99 latency in ms, and errors (a wrong status
or a failed connection count as errors).
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

MARK = "BENCH_JSON "
WRK_DONE = """
wrk.method = %(method)s
wrk.body = %(body)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def summary(requests: int, seconds: float, latencies_ms: list[float], errors: int) -> dict:
    """The common result of one load run."""
    ordered = sorted(latencies_ms)

    def pct(p: float) -> float:
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "rps": round(requests / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(pct(50), 3),
        "p99_ms": round(pct(99), 3),
        "errors": errors,
    }


def run_wrk(
    url: str,
    *,
    connections: int,
    duration: float,
    headers: dict[str, str],
    method: str = "GET",
    body: str = "",
    prefix: list[str],
    workdir: Path,
) -> dict:
    """One `wrk` run with a single thread (whole seconds); statuses of 400 and above are errors."""
    script = workdir / "bench.lua"
    script.write_text(
        WRK_DONE % {"method": _lua_string(method), "body": _lua_string(body), "mark": MARK},
        encoding="utf-8",
    )
    cmd = [*prefix, wrk_path() or "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    cmd += ["-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30, check=True)
    for line in out.stdout.splitlines():
        if line.startswith(MARK):
            raw = json.loads(line[len(MARK) :])
            seconds = raw["duration_us"] / 1e6
            result = summary(raw["requests"], seconds, [], raw["errors"])
            result.update(p50_ms=raw["p50_us"] / 1000, p99_ms=raw["p99_us"] / 1000)
            return result
    raise RuntimeError(f"wrk printed no result: {out.stdout}\n{out.stderr}")


def run_python(
    url: str,
    *,
    connections: int,
    duration: float | None = None,
    per_connection: int | None = None,
    headers: dict[str, str],
    method: str = "GET",
    body: str = "",
    expect: int = 200,
    prefix: list[str],
) -> dict:
    """This module as a separate (pinnable) process: time-bound, or a fixed count per connection."""
    cmd = [*prefix, sys.executable, str(Path(__file__).resolve()), url]
    cmd += ["--connections", str(connections), "--method", method, "--body", body]
    cmd += ["--expect", str(expect), "--headers", json.dumps(headers)]
    if per_connection is not None:
        cmd += ["--per-connection", str(per_connection)]
    else:
        cmd += ["--duration", str(duration)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _drive(args: argparse.Namespace) -> dict:
    host_port, _, path = args.url.split("://", 1)[1].partition("/")
    host, _, port = host_port.rpartition(":")
    headers = json.loads(args.headers)
    if args.body:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    body = args.body.encode() if args.body else None
    latencies: list[list[float]] = [[] for _ in range(args.connections)]
    errors = [0] * args.connections
    start = threading.Barrier(args.connections + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        start.wait()
        done = 0
        while True:
            if args.per_connection is not None and done >= args.per_connection:
                break
            if args.per_connection is None and time.perf_counter() >= deadline[0]:
                break
            began = time.perf_counter()
            try:
                conn.request(args.method, "/" + path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != args.expect:
                    errors[n] += 1
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
            latencies[n].append((time.perf_counter() - began) * 1000)
            done += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.connections)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + (args.duration or 0)
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [x for per in latencies for x in per]
    return summary(len(flat), elapsed, flat, sum(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description="Python HTTP load generator for bench/run.py")
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=float)
    parser.add_argument("--per-connection", type=int)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="")
    parser.add_argument("--expect", type=int, default=200)
    parser.add_argument("--headers", default="{}")
    print(json.dumps(_drive(parser.parse_args())))


if __name__ == "__main__":
    main()
