"""The servers under test: the real app (`python app.py`) and a Flask "hello" baseline.

Both are served by waitress with the app's default thread count, each in its own process
that can be pinned to one core. Run as a script this module serves the baseline.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREADS = 24  # FISOKO_THREADS' default, which app.main() gives waitress
LOGIN_CONNECTIONS = 8  # parallel logins of the login benchmark: fewer than the lane sheds
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def cpus() -> tuple[list[str], list[str]]:
    """Command prefixes that pin the server and the load generator to different cores, if we can."""
    taskset = shutil.which("taskset")
    try:
        usable = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = []
    if taskset is None or len(usable) < 2:
        return [], []
    return [taskset, "-c", str(usable[0])], [taskset, "-c", str(usable[1])]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: str = "", cookie: str = ""):
    """One request on a fresh connection: (status, headers, text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Cookie": cookie} if cookie else {}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@contextlib.contextmanager
def serve(
    kind: str,
    workdir: Path,
    prefix: list[str],
    env: dict[str, str],
    variant: tuple[str, ...] = (),
    root: Path = ROOT,
) -> Iterator[int]:
    """Start the app ('app', the one in `root`), the app with another login queue ('lane',
    bench/lane_variant.py with `variant` as its arguments) or the baseline ('hello') on a free
    port; yield the port."""
    port = free_port()
    if kind in ("app", "lane"):
        script = root / "app.py" if kind == "app" else ROOT / "bench" / "lane_variant.py"
        cmd = [sys.executable, str(script), *variant, "--host", "127.0.0.1", "--port", str(port)]
        probe = "/healthz"
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), str(port)]
        probe = "/"
    full_env = {**os.environ, "FISOKO_SECRET_KEY": secrets.token_hex(32), **env}
    log = open(workdir / f"{kind}-{port}.log", "wb")
    process = subprocess.Popen([*prefix, *cmd], cwd=root, env=full_env, stdout=log, stderr=log)
    try:
        _wait_ready(process, port, probe, workdir / f"{kind}-{port}.log")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(process: subprocess.Popen, port: int, probe: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text('utf-8', 'replace')[-2000:]}")
        try:
            if request(port, "GET", probe)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer on port {port} in 120 s")


def login_form(port: int) -> tuple[str, str]:
    """A fresh session cookie and the CSRF token of its login form."""
    status, headers, page = request(port, "GET", "/login")
    match = CSRF_RE.search(page)
    if status != 200 or match is None:
        raise RuntimeError(f"GET /login gave {status} without a CSRF token")
    return _cookie(headers), match.group(1) or match.group(2)


def login_body(token: str, login: str, password: str) -> str:
    return urllib.parse.urlencode({"csrf_token": token, "login": login, "password": password})


def log_in(port: int, login: str, password: str) -> str:
    """Log in through the real form; return the logged-in session cookie."""
    cookie, token = login_form(port)
    status, headers, _ = request(port, "POST", "/login", login_body(token, login, password), cookie)
    if status != 302 or not headers.get("Location", "").endswith("/cabinet"):
        raise RuntimeError(f"logging in as {login} gave {status}, not a redirect to /cabinet")
    return _cookie(headers)


def _cookie(headers) -> str:
    cookies = [v.split(";", 1)[0] for k, v in headers.items() if k.lower() == "set-cookie"]
    if not cookies:
        raise RuntimeError("the server set no cookie")
    return "; ".join(cookies)


def hello_app():
    """The smallest Flask app: the floor the real app is measured against."""
    from flask import Flask

    app = Flask("hello")

    @app.route("/")
    def hello():
        return "Hello, world!"

    return app


if __name__ == "__main__":
    from waitress import serve as waitress_serve

    waitress_serve(
        hello_app(), host="127.0.0.1", port=int(sys.argv[1]), ident="hello", threads=THREADS
    )
