"""Failures cost the same time whether the login is unknown, disabled or has a wrong password.

Measured as ratios of the fastest of several interleaved tries within one run: a busy machine only
adds time, so the fastest try of each kind is the least disturbed. bcrypt cost 8 (a few ms a
check) makes the check dominate a request: a login path that skipped bcrypt would answer many
times faster and fail the bound.
"""

from __future__ import annotations

import time

import bcrypt
import pytest

from tests.helpers import app_on, csrf_token

ROUNDS = 9
COST = 8


@pytest.fixture
def timing_client(tmp_path):
    hashed = bcrypt.hashpw(b"Right-Password-1", bcrypt.gensalt(COST)).decode()
    disabled = bcrypt.hashpw(b"Right-Password-2", bcrypt.gensalt(COST)).decode()
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(
        "accounts:\n"
        f"  edu770001:\n    name: Школа\n    password_hash: {hashed}\n"
        f"  edu770009:\n    name: Закрыта\n    disabled: true\n    password_hash: {disabled}\n",
        encoding="utf-8",
    )
    app = app_on(tmp_path, accounts, THROTTLE_LOGIN_FAILURES=1000)
    client = app.test_client()
    return client, csrf_token(client)


def test_unknown_disabled_and_wrong_password_take_the_same_time(timing_client):
    client, token = timing_client
    tries = {
        "wrong": ("edu770001", "Wrong-Password-1"),
        "unknown": ("edu770099", "Wrong-Password-1"),
        "disabled": ("edu770009", "Right-Password-2"),
    }
    seconds: dict[str, list[float]] = {kind: [] for kind in tries}
    for _ in range(ROUNDS):
        for kind, (login, password) in tries.items():
            started = time.perf_counter()
            response = client.post(
                "/login", data={"login": login, "password": password, "csrf_token": token}
            )
            seconds[kind].append(time.perf_counter() - started)
            assert response.status_code == 200
    fastest = {kind: min(values) for kind, values in seconds.items()}
    for kind in ("unknown", "disabled"):
        ratio = fastest[kind] / fastest["wrong"]
        assert 0.5 < ratio < 2.0, f"{kind}/wrong = {ratio:.2f} ({fastest})"


def test_an_unknown_login_costs_as_much_as_the_slowest_account(tmp_path):
    """With most accounts at cost 4 and one at cost 9, an unknown login is checked at cost 9.

    Otherwise the one slow account would answer measurably slower than a login that does not exist.
    """
    cheap = [bcrypt.hashpw(b"Cheap-Password-1", bcrypt.gensalt(4)).decode() for _ in range(3)]
    slow = bcrypt.hashpw(b"Right-Password-1", bcrypt.gensalt(COST + 1)).decode()
    lines = ["accounts:"]
    for number, hashed in enumerate([*cheap, slow], start=1):
        lines += [f"  edu77000{number}:", "    name: Школа", f"    password_hash: {hashed}"]
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = app_on(tmp_path, accounts, THROTTLE_LOGIN_FAILURES=1000)
    client = app.test_client()
    token = csrf_token(client)
    seconds: dict[str, list[float]] = {"slow": [], "unknown": [], "cheap": []}
    for _ in range(ROUNDS):
        for kind, login in (
            ("slow", "edu770004"),
            ("unknown", "edu770099"),
            ("cheap", "edu770001"),
        ):
            started = time.perf_counter()
            response = client.post(
                "/login", data={"login": login, "password": "Wrong-Pass", "csrf_token": token}
            )
            seconds[kind].append(time.perf_counter() - started)
            assert response.status_code == 200
    fastest = {kind: min(values) for kind, values in seconds.items()}
    ratio = fastest["unknown"] / fastest["slow"]
    assert 0.6 < ratio < 1.7, f"unknown/slow = {ratio:.2f} ({fastest})"
    assert fastest["cheap"] < fastest["slow"] / 4, fastest  # the costs really differ
