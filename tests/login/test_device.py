"""Device cookies: a browser that logged in before is not blocked by failures from its address."""

from __future__ import annotations

import time

from flask import Response

from fisoko.accounts.store import AccountStore, current_store
from fisoko.login import device as devices
from tests.helpers import PASSWORDS, accounts_yaml, csrf_token
from tests.login.test_throttle import post_from

GOOD = PASSWORDS["edu770001"]


def _logged_in_browser(app, address: str = "10.0.0.1"):
    """A test client that logged in once from `address` and logged out: it holds a device cookie."""
    client = app.test_client()
    assert post_from(client, address, "edu770001", GOOD).status_code == 302
    token = csrf_token(client, "/cabinet")
    client.post("/logout", data={"csrf_token": token}, environ_base={"REMOTE_ADDR": address})
    return client


def test_a_successful_login_sets_a_signed_http_only_cookie_for_the_login_page(app):
    client = app.test_client()
    response = post_from(client, "10.0.0.1", "edu770001", GOOD)
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(devices.COOKIE + "=")
    )
    assert "HttpOnly" in header and "Path=/login" in header and "SameSite=Lax" in header
    assert f"Max-Age={90 * 24 * 3600}" in header
    value = header.split(";", 1)[0].split("=", 1)[1]
    with app.test_request_context(headers={"Cookie": f"{devices.COOKIE}={value}"}):
        assert devices.device_for("edu770001")
        assert devices.device_for("edu770002") is None  # bound to the login it was given for


def test_a_failed_login_sets_no_device_cookie(app):
    response = post_from(app.test_client(), "10.0.0.1", "edu770001", "wrong")
    assert response.status_code == 200
    assert not any(h.startswith(devices.COOKIE) for h in response.headers.getlist("Set-Cookie"))


def _cookie_value(app, login: str = "edu770001") -> str:
    with app.test_request_context():
        response = Response()
        devices.remember(response, current_store().get(login), None)
        return response.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]


def test_a_forged_or_tampered_cookie_is_ignored(app):
    value = _cookie_value(app)
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    for cookie in (tampered, "x" * 2000, "not-signed"):
        with app.test_request_context(headers={"Cookie": f"{devices.COOKIE}={cookie}"}):
            assert devices.device_for("edu770001") is None


def test_an_expired_cookie_is_ignored(app, monkeypatch):
    value = _cookie_value(app)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 91 * 24 * 3600)
    with app.test_request_context(headers={"Cookie": f"{devices.COOKIE}={value}"}):
        assert devices.device_for("edu770001") is None


def test_failures_from_its_address_do_not_block_a_known_browser(app):
    browser = _logged_in_browser(app)
    stranger = app.test_client()
    for number in range(50):
        post_from(stranger, "10.0.0.1", f"edu77{number:04d}", "guess")
    assert post_from(stranger, "10.0.0.1", "edu770002", "guess").status_code == 429
    assert post_from(stranger, "10.0.0.1", "edu770001", GOOD).status_code == 429
    assert post_from(browser, "10.0.0.1", "edu770001", GOOD).status_code == 302


def test_a_known_browser_is_not_blocked_by_a_pair_block_from_its_address(app):
    browser = _logged_in_browser(app)
    stranger = app.test_client()
    for number in range(5):
        assert post_from(stranger, "10.0.0.1", "edu770001", f"g{number}").status_code == 200
    assert post_from(stranger, "10.0.0.1", "edu770001", GOOD).status_code == 429
    assert post_from(browser, "10.0.0.1", "edu770001", GOOD).status_code == 302


def test_a_known_browser_guessing_is_locked_out_after_the_pair_limit(app):
    browser = _logged_in_browser(app)
    for number in range(5):
        assert post_from(browser, "10.0.0.1", "edu770001", f"g{number}").status_code == 200
    response = post_from(browser, "10.0.0.1", "edu770001", GOOD)
    assert response.status_code == 429
    assert "мин" in response.get_data(as_text=True)


def test_the_cookie_does_not_help_another_login(app):
    browser = _logged_in_browser(app)
    for number in range(5):
        assert post_from(browser, "10.0.0.1", "edu770002", f"g{number}").status_code == 200
    assert post_from(browser, "10.0.0.1", "edu770002", "again").status_code == 429


def _block_address(app, address: str = "10.0.0.1") -> None:
    """50 failures for other logins from `address`: the v1 throttle blocks the address."""
    stranger = app.test_client()
    for number in range(50):
        post_from(stranger, address, f"edu77{number:04d}", "guess")
    assert post_from(stranger, address, "edu770002", PASSWORDS["edu770002"]).status_code == 429


def test_the_cookie_gives_no_trust_for_another_account(app):
    browser = _logged_in_browser(app)
    _block_address(app)
    assert post_from(browser, "10.0.0.1", "edu770002", PASSWORDS["edu770002"]).status_code == 429
    assert post_from(browser, "10.0.0.1", "edu770001", GOOD).status_code == 302


def _change_password(app, tmp_path, login: str, password: str) -> None:
    path = tmp_path / "changed.yaml"
    path.write_text(accounts_yaml({**PASSWORDS, login: password}), encoding="utf-8")
    app.extensions["fisoko.accounts"] = AccountStore.open(path)


def test_a_password_change_ends_the_trust_of_old_cookies(app, tmp_path):
    browser = _logged_in_browser(app)
    value = browser.get_cookie(devices.COOKIE, path=devices.PATH).value
    _block_address(app)
    _change_password(app, tmp_path, "edu770001", "New-Password-1")
    with app.test_request_context(headers={"Cookie": f"{devices.COOKIE}={value}"}):
        assert devices.device_for("edu770001") is None
    assert post_from(browser, "10.0.0.1", "edu770001", "New-Password-1").status_code == 429
    # From an address that is not blocked the new password logs in and earns a new cookie.
    assert post_from(browser, "10.0.0.9", "edu770001", "New-Password-1").status_code == 302
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/cabinet")})
    assert post_from(browser, "10.0.0.1", "edu770001", "New-Password-1").status_code == 302


def test_the_same_password_hashed_again_also_ends_the_trust(app, tmp_path):
    """A new hash is a new password as far as the cookie knows: it never sees the password."""
    value = _cookie_value(app)
    _change_password(app, tmp_path, "edu770001", GOOD)
    with app.test_request_context(headers={"Cookie": f"{devices.COOKIE}={value}"}):
        assert devices.device_for("edu770001") is None
        assert devices.device_for("edu770002") is None


def test_a_cookie_for_a_disabled_account_gives_no_trust(app):
    value = _cookie_value(app, "edu770009")
    with app.test_request_context(headers={"Cookie": f"{devices.COOKIE}={value}"}):
        assert devices.device_for("edu770009") is None
