"""Shared fixtures: an app on a temporary accounts file with cheap (cost 4) hashes."""

from __future__ import annotations

import re
from pathlib import Path

import bcrypt
import pytest

from app import create_app

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
