"""CPU time per request inside one process, without a server: where the app itself spends time.

    python bench/inprocess.py                  # µs per request for each page and the baseline
    python bench/inprocess.py --profile niko   # also a cProfile of one page, top functions

It builds the app on a generated accounts file (as bench/run.py serves it), logs a school in
through the real form, and times requests made with Flask's test client, which sends the same
cookie every time, as the load generator does. The baseline is a bare Flask "hello" app.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from probes import write_accounts  # noqa: E402
from servers import CSRF_RE  # noqa: E402

from app import create_app  # noqa: E402

SCHOOL, PASSWORD = "edu770001", "Bench-School-0001"
PATHS = {
    "hello": "/",
    "login": "/login",
    "cabinet": "/cabinet",
    "niko": "/cabinet/niko",
    "healthz": "/healthz",
}


def hello_app() -> Flask:
    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "Hello, World!")
    return app


def logged_in_cookie(client, login: str = SCHOOL, password: str = PASSWORD) -> str:
    """The Cookie header of a logged-in session: the session cookie and the device cookie."""
    page = client.get("/login")
    token = CSRF_RE.search(page.get_data(as_text=True))
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    form = {"csrf_token": token.group(1) or token.group(2), "login": login, "password": password}
    done = client.post("/login", data=form, headers={"Cookie": cookie})
    if done.status_code != 302:
        raise SystemExit(f"logging in as {login} gave {done.status_code}")
    return "; ".join(c.split(";", 1)[0] for c in done.headers.getlist("Set-Cookie"))


def timed(client, path: str, cookie: str, count: int) -> float:
    """Microseconds per request: the median of five batches of `count / 5`."""
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(200):
        client.get(path, headers=headers)
    batch = max(1, count // 5)
    results = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(batch):
            response = client.get(path, headers=headers)
        results.append((time.perf_counter() - start) / batch * 1e6)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return statistics.median(results)


def main() -> None:
    p = argparse.ArgumentParser(
        prog="python bench/inprocess.py", description=__doc__.split("\n")[0]
    )
    p.add_argument("--count", type=int, default=2000, help="timed requests per page (2000)")
    p.add_argument("--accounts", type=int, default=5000, help="accounts in the file (5000)")
    p.add_argument("--profile", choices=sorted(PATHS), help="profile this page too")
    p.add_argument("--top", type=int, default=30, help="functions shown in the profile (30)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        accounts = Path(work) / "accounts.yaml"
        school_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
        write_accounts(accounts, args.accounts, {SCHOOL: school_hash})
        app = create_app(
            {
                "ACCOUNTS": str(accounts),
                "INSTANCE": str(Path(work) / "instance"),
                "SECRET_KEY": secrets.token_hex(32),
            }
        )
        client = app.test_client(use_cookies=False)
        cookie = logged_in_cookie(client)
        hello = hello_app().test_client()
        for name, path in PATHS.items():
            target = hello if name == "hello" else client
            sent = cookie if name in ("cabinet", "niko") else ""
            print(f"{name:8} {path:14} {timed(target, path, sent, args.count):8.0f} µs")
        if args.profile:
            name = args.profile
            target = hello if name == "hello" else client
            headers = {"Cookie": cookie} if name in ("cabinet", "niko") else {}
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.count):
                target.get(PATHS[name], headers=headers)
            profiler.disable()
            stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
            stats.print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
