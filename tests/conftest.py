"""Shared fixtures: an app on a temporary accounts file with cheap (cost 4) hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from fisoko import clock
from tests.helpers import AuthActions, accounts_yaml, pinned_clock


@pytest.fixture(autouse=True)
def pinned_day(request, monkeypatch):
    """Every in-process test runs on the same study day, whatever the system's date: the example
    round's windows close in 2027, and a test must not start failing then. `real_clock` opts out."""
    if request.node.get_closest_marker("real_clock") is None:
        monkeypatch.setattr(clock, "real_now", pinned_clock())


@pytest.fixture(scope="session")
def accounts_text() -> str:
    return accounts_yaml()


@pytest.fixture
def accounts_file(tmp_path: Path, accounts_text: str) -> Path:
    path = tmp_path / "accounts.yaml"
    path.write_text(accounts_text, encoding="utf-8")
    return path


@pytest.fixture
def app_config(tmp_path: Path, accounts_file: Path) -> dict:
    return {
        "TESTING": True,
        "ACCOUNTS": str(accounts_file),
        "INSTANCE": str(tmp_path / "instance"),
        "BCRYPT_COST": 4,
    }


@pytest.fixture
def app(app_config: dict):
    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(app):
    """Make a new test client logged in as the given account, with its own cookies."""

    def make(login: str):
        client = app.test_client()
        response = AuthActions(client).login(login)
        assert response.status_code == 302, f"{login} could not log in"
        return client

    return make
