"""Kept CSRF tokens: the same signed token for a session's pages, accepted like a fresh one."""

from __future__ import annotations

import re

from app import create_app
from tests.conftest import AuthActions, csrf_token


def test_pages_of_one_session_share_a_token_that_logs_out(client, auth, monkeypatch):
    import time

    auth.login()
    first = csrf_token(client, "/cabinet")
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 5)
    assert csrf_token(client, "/cabinet/niko") == first
    response = client.post("/logout", data={"csrf_token": first})
    assert response.status_code == 302
    assert client.get("/cabinet").status_code == 302


def test_a_new_login_gets_a_new_token(client, auth, login_as):
    auth.login()
    before = csrf_token(client, "/cabinet")
    other = login_as("edu770002")
    assert csrf_token(other, "/cabinet") != before
    auth.logout()
    auth.login()
    assert csrf_token(client, "/cabinet") != before


def test_a_token_of_one_session_fails_in_another(login_as):
    one, two = login_as("edu770001"), login_as("edu770002")
    token = csrf_token(one, "/cabinet")
    assert two.post("/logout", data={"csrf_token": token}).status_code == 400
    assert two.get("/cabinet").status_code == 200


def test_with_a_time_limit_tokens_are_signed_afresh(app_config, monkeypatch):
    import time

    client = create_app({**app_config, "WTF_CSRF_TIME_LIMIT": 3600}).test_client()
    AuthActions(client).login()
    first = csrf_token(client, "/cabinet")
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 5)
    second = csrf_token(client, "/cabinet")
    assert first != second
    assert re.fullmatch(r"[\w.-]+", second)


def test_raw_tokens_are_unique_hex_like_flask_wtf_makes():
    import csrf_tokens

    made = {csrf_tokens.new_raw_token() for _ in range(1000)}
    assert len(made) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{40}", raw) for raw in made)


def test_tokens_pass_flask_wtf_own_check(app, client):
    from flask import session
    from flask_wtf.csrf import validate_csrf

    import csrf_tokens

    with app.test_request_context("/login"):
        token = csrf_tokens.csrf_token()
        validate_csrf(token)  # raises when not accepted
        assert not token.startswith(".")
        assert len(session["csrf_token"]) == 40
