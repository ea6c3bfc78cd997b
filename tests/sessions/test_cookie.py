"""The session cookie: signed again only when changed or old; none for /healthz and static."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from app import create_app
from fisoko.sessions.cookie import refresh_after
from tests.helpers import AuthActions

COOKIE = "fisoko_session"


@pytest.fixture
def minute_app(app_config):
    """Sessions of one minute, so the refresh interval is 6 seconds."""
    return create_app({**app_config, "SESSION_MINUTES": 1})


def _sets_cookie(response) -> bool:
    return any(v.startswith(COOKIE + "=") for v in response.headers.getlist("Set-Cookie"))


def _at(monkeypatch, moment: float) -> None:
    monkeypatch.setattr(time, "time", lambda: moment)


def test_refresh_interval_is_a_tenth_of_the_lifetime_up_to_a_minute(app_config):
    assert refresh_after(create_app(app_config)) == 60
    assert refresh_after(create_app({**app_config, "SESSION_MINUTES": 5})) == 30
    bare = Flask(__name__)
    bare.permanent_session_lifetime = 60
    assert refresh_after(bare) == 6


def test_logged_in_pages_send_no_cookie_until_it_is_old(minute_app, monkeypatch):
    client = minute_app.test_client()
    assert _sets_cookie(AuthActions(client).login())
    start = time.time()
    for seconds in (0, 2, 5):
        _at(monkeypatch, start + seconds)
        response = client.get("/cabinet")
        assert response.status_code == 200
        assert not _sets_cookie(response)
    _at(monkeypatch, start + 7)
    assert _sets_cookie(client.get("/cabinet"))
    _at(monkeypatch, start + 8)
    assert not _sets_cookie(client.get("/cabinet/niko"))


def test_session_ends_within_the_refresh_interval_of_the_lifetime(minute_app, monkeypatch):
    """Not re-signed 5 s after login, so it ends 60 s after the login: 55 s after that request."""
    client = minute_app.test_client()
    AuthActions(client).login()
    start = time.time()
    _at(monkeypatch, start + 5)
    assert client.get("/cabinet").status_code == 200
    _at(monkeypatch, start + 61)
    assert client.get("/cabinet").status_code == 302


def test_session_lasts_the_lifetime_after_a_re_signing_request(minute_app, monkeypatch):
    client = minute_app.test_client()
    AuthActions(client).login()
    start = time.time()
    _at(monkeypatch, start + 7)
    assert client.get("/cabinet").status_code == 200
    _at(monkeypatch, start + 7 + 58)
    assert client.get("/cabinet").status_code == 200


def test_a_changed_session_is_signed_at_once(client, auth):
    auth.login()
    token_page = client.get("/cabinet")
    assert not _sets_cookie(token_page)
    assert _sets_cookie(auth.logout())


@pytest.mark.parametrize("url", ["/healthz", "/static/css/style.css"])
def test_health_and_static_neither_read_nor_write_the_session(minute_app, url, monkeypatch):
    client = minute_app.test_client()
    AuthActions(client).login()
    start = time.time()
    _at(monkeypatch, start + 50)
    response = client.get(url)
    response.close()
    assert response.status_code == 200
    assert not _sets_cookie(response)
    assert "Cookie" not in response.headers.get("Vary", "")
    _at(monkeypatch, start + 61)
    assert client.get("/cabinet").status_code == 302, "/healthz must not extend the session"


def test_health_ignores_a_broken_cookie(client):
    client.set_cookie(COOKIE, "not-a-signed-value")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert not _sets_cookie(response)


def test_cookie_is_not_compressed_and_old_compressed_cookies_still_open(app, client, auth):
    from itsdangerous import URLSafeTimedSerializer

    auth.login()
    cookie = client.get_cookie(COOKIE).value
    assert not cookie.startswith("."), "a leading dot marks a zlib-compressed payload"
    interface = app.session_interface
    data = interface.get_signing_serializer(app).loads(cookie)
    old_style = URLSafeTimedSerializer(
        app.secret_key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": interface.digest_method},
    ).dumps(data)
    assert old_style.startswith(".")
    other = app.test_client()
    other.set_cookie(COOKIE, old_style)
    assert other.get("/cabinet").status_code == 200


def _counting_loads(app, monkeypatch) -> list[str]:
    """Every cookie value the app's serializer verifies from now on."""
    serializer = app.session_interface.get_signing_serializer(app)
    calls: list[str] = []
    real = serializer.loads

    def loads(value, *args, **kwargs):
        calls.append(value)
        return real(value, *args, **kwargs)

    monkeypatch.setattr(serializer, "loads", loads)
    return calls


def test_a_cookie_sent_again_is_not_verified_again(app, client, auth, monkeypatch):
    auth.login()
    calls = _counting_loads(app, monkeypatch)
    for _ in range(3):
        assert client.get("/cabinet").status_code == 200
    assert len(calls) == 1, "verified once, then taken from the kept ones"


def test_a_kept_cookie_still_ends_with_its_lifetime(minute_app, monkeypatch):
    client = minute_app.test_client()
    AuthActions(client).login()
    assert client.get("/cabinet").status_code == 200
    start = time.time()
    _at(monkeypatch, start + 61)
    assert client.get("/cabinet").status_code == 302
    _at(monkeypatch, start - 3600)
    assert client.get("/cabinet").status_code == 302, "a signature from the future is refused"


def test_a_new_secret_key_verifies_kept_cookies_again(app, client, auth, monkeypatch):
    auth.login()
    assert client.get("/cabinet").status_code == 200
    app.secret_key = "another key, as after a restart with a new instance/secret_key"
    calls = _counting_loads(app, monkeypatch)
    assert client.get("/cabinet").status_code == 302
    assert len(calls) == 1


def test_a_request_cannot_change_the_kept_data(app):
    from fisoko.sessions.cookie import VerifiedCookies

    kept = VerifiedCookies()
    kept.keep("v", {"_flashes": [("message", "Файл загружен")], "sid": "s"}, time.time())
    data, _ = kept.get("v", 60)
    data["_flashes"].append(("message", "ещё"))
    data["sid"] = "other"
    assert kept.get("v", 60)[0] == {"_flashes": [("message", "Файл загружен")], "sid": "s"}


def test_with_the_cache_off_every_cookie_is_verified(app_config, monkeypatch):
    app = create_app({**app_config, "SESSION_CACHE": False})
    client = app.test_client()
    AuthActions(client).login()
    calls = _counting_loads(app, monkeypatch)
    for _ in range(3):
        assert client.get("/cabinet").status_code == 200
    assert len(calls) == 3
