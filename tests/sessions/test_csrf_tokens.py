"""Kept CSRF tokens: the same signed token for a session's pages, accepted like a fresh one."""

from __future__ import annotations

import re

from app import create_app
from tests.helpers import AuthActions, csrf_token


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


def test_kept_tokens_belong_to_their_app(app_config, tmp_path):
    one = create_app(app_config)
    two = create_app({**app_config, "INSTANCE": str(tmp_path / "two"), "SECRET_KEY": "other"})
    first, second = one.test_client(), two.test_client()
    AuthActions(first).login()
    AuthActions(second).login()
    csrf_token(first, "/cabinet")
    csrf_token(second, "/cabinet")
    assert one.extensions["fisoko.csrf_tokens"] is not two.extensions["fisoko.csrf_tokens"]
    assert len(one.extensions["fisoko.csrf_tokens"]) == 1
    assert len(two.extensions["fisoko.csrf_tokens"]) == 1
