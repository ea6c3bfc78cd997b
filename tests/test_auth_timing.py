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

from app import create_app
from tests.helpers import csrf_token

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
    app = create_app(
        {
            "TESTING": True,
            "ACCOUNTS": str(accounts),
            "INSTANCE": str(tmp_path / "instance"),
            "THROTTLE_LOGIN_FAILURES": 1000,
        }
    )
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
