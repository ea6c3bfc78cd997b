"""Live reload under the real server: CLI and hand edits apply within 2 s, broken files ignored."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from fisoko.settings import BASE_DIR
from tests.helpers import PASSWORDS, NoRedirect, Server

pytestmark = pytest.mark.slow


class Browser:
    """One visitor with its own cookies; answers are (status, Location)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect
        )

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, "", response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.headers.get("Location", ""), ""

    def login(self, login: str, password: str) -> int:
        page = self.get("/login")[2]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": token})
        try:
            with self.opener.open(self.base + "/login", form.encode(), timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code


def cli(accounts, tmp_path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "FISOKO_INSTANCE": str(tmp_path / "cli"), "FISOKO_BCRYPT_COST": "4"}
    result = subprocess.run(
        [sys.executable, "app.py", "accounts", "--accounts", str(accounts), *args],
        cwd=BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def within(seconds: float, condition) -> float:
    """How long `condition()` took to become true; fails after `seconds`."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "not picked up in time"
        time.sleep(0.1)
    return time.monotonic() - start


def test_edits_while_the_server_runs(tmp_path, accounts_file):
    # The newcomer polls with its password until the reload lands: those failures must not
    # reach the login throttle's threshold.
    server = Server(tmp_path, accounts_file, env={"FISOKO_THROTTLE_LOGIN_FAILURES": "1000"})
    try:
        school = Browser(server.base)
        assert school.login("edu770001", PASSWORDS["edu770001"]) == 302
        assert school.get("/cabinet")[0] == 200

        cli(accounts_file, tmp_path, "add", "edu770050", "--name", "Новая школа",
            "--password-stdin", stdin="Novaya-Shkola-50\n")  # fmt: skip
        newcomer = Browser(server.base)
        within(2.0, lambda: newcomer.login("edu770050", "Novaya-Shkola-50") == 302)
        assert "Новая школа" in newcomer.get("/cabinet")[2]

        good = accounts_file.read_text(encoding="utf-8")
        accounts_file.write_text(
            good.replace("    name: ГБОУ «Школа № 2»", "    name: [x"), "utf-8"
        )
        time.sleep(1.6)  # past the settle time and a check interval
        other = Browser(server.base)
        assert other.login("edu770002", PASSWORDS["edu770002"]) == 302  # old accounts serve
        assert school.get("/cabinet")[0] == 200

        accounts_file.write_text(good, encoding="utf-8")
        cli(accounts_file, tmp_path, "disable", "edu770001")
        within(2.0, lambda: school.get("/cabinet")[:2] == (302, "/login?next=%2Fcabinet"))
        assert newcomer.get("/cabinet")[0] == 200
    finally:
        server.stop()
    log = server.output
    assert re.search(rf"^.*{re.escape(str(accounts_file))}:\d+: не закрыта скобка", log, re.M)
    assert "Файл учётных записей не перечитан" in log and "последние верные данные" in log
    assert log.count("Файл учётных записей перечитан") >= 2
    assert "Traceback" not in log
