"""What several test modules share: the test accounts, forms, and a real server on loopback."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import bcrypt

from fisoko.settings import BASE_DIR

# Inside the example round's upload window (Moscow time, UTC+3 all year).
PINNED_MOMENT = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
PINNED_DAY = PINNED_MOMENT.date()


def pinned_clock():
    """A stand-in for `clock.real_now`: the pinned moment, running on with the monotonic clock."""
    began = time.monotonic()

    def real_now(zone: dt.tzinfo) -> dt.datetime:
        return (PINNED_MOMENT + dt.timedelta(seconds=time.monotonic() - began)).astimezone(zone)

    return real_now


PASSWORDS = {
    "niko__77": "Koord-77-Pass",
    "niko__78": "Koord-78-Pass",
    "edu770001": "Shkola-0001",
    "edu770002": "Shkola-0002",
    "edu780001": "Shkola-7801",
    "edu770009": "Disabled-09",
}
NAMES = {
    "niko__77": "Координатор НИКО, Москва",
    "niko__78": "Координатор НИКО, Санкт-Петербург",
    "edu770001": "ГБОУ «Школа № 1»",
    "edu770002": "ГБОУ «Школа № 2»",
    "edu780001": "ГБОУ «Школа № 101»",
    "edu770009": "ГБОУ «Закрытая школа»",
}
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE_RE = re.compile(r'value="([^"]+)"')


def make_hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


def accounts_yaml(passwords: dict[str, str] | None = None) -> str:
    """The text of a valid accounts file for the test accounts (edu770009 disabled)."""
    lines = ["# test accounts", "accounts:"]
    for login, password in (passwords or PASSWORDS).items():
        lines += [f"  {login}:  # {login}", f"    name: {NAMES.get(login, login)}"]
        if login == "edu770009":
            lines.append("    disabled: true")
        lines.append(f"    password_hash: {make_hash(password)}")
    return "\n".join(lines) + "\n"


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token of the form on a page (this also starts the client's session)."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return VALUE_RE.search(match.group(0)).group(1)


class AuthActions:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, login: str = "edu770001", password: str | None = None, next: str | None = None):
        token = csrf_token(self.client)
        url = "/login" if next is None else f"/login?next={next}"
        data = {
            "login": login,
            "password": PASSWORDS.get(login, "") if password is None else password,
        }
        return self.client.post(url, data={**data, "csrf_token": token})

    def logout(self):
        token = csrf_token(self.client, "/cabinet")
        return self.client.post("/logout", data={"csrf_token": token})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_app(
    *args: str, env: dict | None = None, timeout: float = 30
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "app.py", *args],
        cwd=BASE_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Server:
    """`python app.py` on a free loopback port, stopped at the end of the test."""

    def __init__(
        self, tmp_path: Path, accounts: Path, env: dict | None = None, follow: bool = False
    ) -> None:
        """`follow`: collect the output while it runs, as (monotonic time, line) in `lines`."""
        self.port = free_port()
        self.lines: list[tuple[float, str]] = []
        self._reader: threading.Thread | None = None
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(self.port), "--accounts", str(accounts)],
            cwd=BASE_DIR,
            env={**os.environ, "FISOKO_INSTANCE": str(tmp_path / "instance"), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if follow:
            self._reader = threading.Thread(target=self._follow, daemon=True)
            self._reader.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"server did not start: {self.output}")

    def _follow(self) -> None:
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line))

    def wait_for(self, text: str, since: float, seconds: float) -> float:
        """Seconds from `since` until a line with `text` came out; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for when, line in list(self.lines):
                if when >= since and text in line:
                    return when - since
            time.sleep(0.02)
        raise AssertionError(f"no {text!r} within {seconds} s: {self.lines}")

    def stop(self) -> None:
        self.process.terminate()
        if self._reader is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self._reader.join(10)
            self.process.stdout.close()
            self.output = "".join(line for _, line in self.lines)
            return
        try:
            self.output = self.process.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output = self.process.communicate()[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def windows_error(winerror: int, filename: str, strerror: str = "") -> PermissionError:
    """The PermissionError Windows raises when another program holds a file (emulated here:
    on Linux an OSError has no `winerror` unless given one)."""
    exc = PermissionError(13, strerror or f"[WinError {winerror}] held", str(filename))
    exc.winerror = winerror
    return exc


def replace_failing(times: int, winerror: int = 32):
    """An os.replace that fails `times` times as Windows does while a file is held, then works;
    `.calls` counts the tries."""
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        replace.calls += 1
        if replace.calls <= times:
            raise windows_error(
                winerror,
                src,
                "The process cannot access the file because it is being used by another process",
            )
        return real(src, dst, *args, **kwargs)

    replace.calls = 0
    return replace


def app_on(folder: Path, accounts: Path, **settings):
    """A test app on an accounts file, with its instance folder inside `folder`."""
    from app import create_app

    config = {"TESTING": True, "ACCOUNTS": str(accounts), "INSTANCE": str(folder / "instance")}
    return create_app({**config, **settings})


WRITER_SCRIPT = """
import sys
from pathlib import Path
from urllib.parse import quote
from fisoko.files import writer_lock
print(writer_lock.hold(Path(sys.argv[1])), flush=True)
sys.stdin.read()
"""


def writer_process(folder: Path) -> tuple[subprocess.Popen, str]:
    """Another process holding its writer lock in `folder` (files/writer_lock.py); its token."""
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(folder)],
        cwd=BASE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, process.stdout.readline().strip()


def kill_writer(process: subprocess.Popen) -> None:
    process.kill()
    process.communicate(timeout=10)  # waits and closes the pipes


def shipped(relative: str) -> bytes:
    """A file as the repository ships it (`git show HEAD:<path>`), not the user's edited copy.

    An admin edits accounts.yaml as the README says; tests of the shipped file must not fail
    then. Outside a git checkout (or without git) the test is skipped.
    """
    import pytest

    try:
        result = subprocess.run(
            ["git", "show", f"HEAD:{relative}"], cwd=BASE_DIR, capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("git is not available")
    if result.returncode != 0:
        pytest.skip(f"not a git checkout with {relative}")
    return result.stdout


def open_files_for(needed: int) -> None:
    """Raise this process's soft limit of open files to `needed` (a server started afterwards
    inherits it); skip the test where the hard limit or the platform does not allow it."""
    import pytest

    try:
        import resource
    except ImportError:
        pytest.skip("no resource module: the open-file limit cannot be checked")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"ulimit -n allows {hard} open files, the test needs {needed}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def loopback_sources(count: int, first: int) -> list[str]:
    """`count` source addresses 127.0.0.<first>…; skip where they cannot be bound."""
    import pytest

    sources = [f"127.0.0.{first + index}" for index in range(count)]
    for source in (sources[0], sources[-1]):
        try:
            with socket.socket() as probe:
                probe.bind((source, 0))
        except OSError:
            pytest.skip(f"{source} cannot be bound on this system")
    return sources


def without_results_forms(app) -> None:
    """Let no step of the app's content take a results form: for tests of the plain exchange,
    whose CSV and XLSX files are not results forms (exchange/results_form.py is tested apart)."""
    from dataclasses import replace

    content = app.extensions["fisoko.content"]
    guides = {
        role: replace(guide, steps=tuple(replace(s, results_form=None) for s in guide.steps))
        for role, guide in content.guides.items()
    }
    app.extensions["fisoko.content"] = replace(content, guides=guides)


def assert_refused_unless(response, url: str, viewer: str | None, allowed: bool) -> None:
    """The answer to a page meant for some accounts only: anonymous visitors are sent to the login
    with `next`, an account it is not meant for gets the Russian 404 page."""
    if viewer is None:
        assert response.status_code == 302
        assert response.headers["Location"] == f"/login?next={quote(url, safe='')}"
    elif allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        assert "Страница не найдена" in response.get_data(as_text=True)


def audit_events(caplog, action: str) -> list[str]:
    """The audit lines of `action` logged so far, without the client address (set `caplog` to
    INFO for fisoko.audit first)."""
    return [
        re.sub(r" addr=\S+", "", r.getMessage())
        for r in caplog.records
        if r.name == "fisoko.audit" and f"event action={action} " in r.getMessage()
    ]
