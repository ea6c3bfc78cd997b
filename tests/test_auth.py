"""The login form, password checks, `next` handling, CSRF and logout."""

from __future__ import annotations

import pytest

from auth import is_safe_next
from tests.helpers import PASSWORDS, csrf_token

WRONG = "Неверный логин или пароль"


def test_login_page_has_the_contract_elements(client):
    response = client.get("/login")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ru">' in page
    assert "ФИС ОКО" in page
    assert "Федеральная информационная система оценки качества образования" in page
    assert 'method="post"' in page
    assert 'name="login"' in page and 'autocomplete="username"' in page
    assert 'type="password"' in page and 'autocomplete="current-password"' in page
    assert 'name="csrf_token"' in page
    assert "Войти" in page
    assert 'href="mailto:helpfisoko@fioco.ru"' in page
    assert "https://spo-fisoko.obrnadzor.gov.ru/" in page
    assert "не официальная система" in page
    assert "<label" in page and 'for="login"' in page and 'for="password"' in page
    assert "autofocus" in page
    assert "регистр" in page or "заглавные и строчные" in page


@pytest.mark.parametrize("login", sorted(set(PASSWORDS) - {"edu770009"}))
def test_good_login_opens_the_cabinet(auth, client, login):
    response = auth.login(login)
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"
    assert client.get("/cabinet").status_code == 200


@pytest.mark.parametrize(
    "login, password",
    [
        ("edu770001", "wrong-password"),
        ("edu770001", PASSWORDS["edu770001"].upper()),
        ("EDU770001", PASSWORDS["edu770001"]),
        ("edu770099", "whatever-123"),
        ("edu770009", PASSWORDS["edu770009"]),
        ("edu770001", "я" * 100),
        ("edu770001", PASSWORDS["edu770001"] + "\0"),
        ("x" * 10_000, "y" * 10_000),
        ("edu770001\x00", PASSWORDS["edu770001"]),
        ("'; DROP TABLE accounts; --", "<script>alert(1)</script>"),
    ],
)
def test_bad_login_shows_the_generic_error_and_keeps_the_login(auth, client, login, password):
    response = auth.login(login, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert WRONG in page
    assert "helpfisoko@fioco.ru" in page
    assert 'role="alert"' in page
    if len(login) < 100 and "\0" not in login:
        from markupsafe import escape

        assert f'value="{escape(login)}"' in page
    assert password not in page
    assert client.get("/cabinet").status_code == 302


def test_password_over_72_bytes_never_matches_its_truncation(app, tmp_path, client, auth):
    """bcrypt would ignore bytes past 72; a longer password must not log in as its prefix."""
    long_password = "a" * 72
    from tests.helpers import accounts_yaml

    path = tmp_path / "long.yaml"
    path.write_text(accounts_yaml({"edu770001": long_password}), encoding="utf-8")
    app.extensions["fisoko.accounts"] = type(app.extensions["fisoko.accounts"]).open(path)
    assert auth.login("edu770001", long_password + "b").status_code == 200
    assert auth.login("edu770001", long_password).status_code == 302


@pytest.mark.parametrize(
    "data, message",
    [
        ({"login": "", "password": "x"}, "Введите логин"),
        ({"login": "edu770001", "password": ""}, "Введите пароль"),
        ({}, "Введите логин"),
    ],
)
def test_empty_fields_get_their_own_message(client, data, message):
    token = csrf_token(client)
    response = client.post("/login", data={**data, "csrf_token": token})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_login_with_surrounding_spaces_is_accepted(auth):
    assert auth.login(" edu770001 ", PASSWORDS["edu770001"]).status_code == 302


@pytest.mark.parametrize("token", [None, "", "garbage", "IjEyMyI.abc.def"])
def test_post_without_valid_csrf_is_400_in_russian(client, token):
    client.get("/login")
    data = {"login": "edu770001", "password": PASSWORDS["edu770001"]}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert "обновите страницу" in response.get_data(as_text=True)
    assert client.get("/cabinet").status_code == 302


def test_csrf_token_of_another_session_is_refused(app):
    first, second = app.test_client(), app.test_client()
    token = csrf_token(first)
    second.get("/login")
    response = second.post(
        "/login",
        data={"login": "edu770001", "password": PASSWORDS["edu770001"], "csrf_token": token},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("target", ["/cabinet/niko", "/cabinet?x=1&y=%2F", "/healthz"])
def test_login_follows_a_local_next(auth, target):
    from urllib.parse import quote

    response = auth.login(next=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/cabinet\n",
        "/ /evil",
        "/\t/evil.example",
        "/cab\x7finet",
        "\\\\evil.example",
        "",
    ],
)
def test_login_refuses_an_offsite_next(auth, target):
    from urllib.parse import quote

    response = auth.login(next=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"


@pytest.mark.parametrize(
    "target, safe",
    [
        ("/cabinet", True),
        ("/", True),
        ("/a/b?c=d#e", True),
        ("/путь", True),
        (None, False),
        ("//x", False),
        ("/\\x", False),
        ("http:/x", False),
        ("/x\u2028y", False),
        ("/x\u200by", False),
        ("/x y", False),
        ("/" + "a" * 3000, False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_anonymous_cabinet_redirects_to_login_with_next(client):
    response = client.get("/cabinet")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fcabinet"


def test_logged_in_user_visiting_login_goes_to_cabinet(auth, client):
    auth.login()
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cabinet"


def test_logout_ends_the_session_and_a_replayed_cookie_opens_nothing(app, auth, client):
    auth.login()
    cookie = client.get_cookie("fisoko_session").value
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/cabinet").status_code == 302
    thief = app.test_client()
    thief.set_cookie("fisoko_session", cookie)
    assert thief.get("/cabinet").status_code == 302


def test_logout_by_get_is_405_and_the_session_stays(auth, client):
    auth.login()
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert client.get("/cabinet").status_code == 200


def test_logout_without_csrf_is_400_and_the_session_stays(auth, client):
    auth.login()
    assert client.post("/logout").status_code == 400
    assert client.get("/cabinet").status_code == 200


def test_session_cookie_flags(auth, client):
    response = auth.login()
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "fisoko_session" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookies_when_asked(app_config):
    from app import create_app

    app = create_app({**app_config, "SECURE_COOKIES": "1"})
    client = app.test_client()
    response = client.get("/login")
    assert "Secure" in response.headers["Set-Cookie"]


def test_session_expires_after_idle_minutes(app_config, monkeypatch):
    import time

    from app import create_app

    app = create_app({**app_config, "SESSION_MINUTES": 1})
    client = app.test_client()
    from tests.helpers import AuthActions

    AuthActions(client).login()
    assert client.get("/cabinet").status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert client.get("/cabinet").status_code == 302


def test_session_is_refreshed_by_each_request(app_config, monkeypatch):
    import time

    from app import create_app
    from tests.helpers import AuthActions

    app = create_app({**app_config, "SESSION_MINUTES": 1})
    client = app.test_client()
    AuthActions(client).login()
    start = time.time()
    for step in (40, 80, 120):
        monkeypatch.setattr(time, "time", lambda s=step: start + s)
        assert client.get("/cabinet").status_code == 200


def test_sessions_survive_a_restart_with_the_same_instance(app_config):
    from app import create_app
    from tests.helpers import AuthActions

    client = create_app(app_config).test_client()
    AuthActions(client).login()
    cookie = client.get_cookie("fisoko_session").value
    again = create_app(app_config).test_client()
    again.set_cookie("fisoko_session", cookie)
    assert again.get("/cabinet").status_code == 200


def test_changed_password_hash_ends_open_sessions(app, auth, client, tmp_path):
    from fisoko.accounts.store import AccountStore
    from tests.helpers import accounts_yaml

    auth.login()
    path = tmp_path / "changed.yaml"
    path.write_text(accounts_yaml({**PASSWORDS, "edu770001": "New-Password-1"}), encoding="utf-8")
    app.extensions["fisoko.accounts"] = AccountStore.open(path)
    assert client.get("/cabinet").status_code == 302


def test_login_attempts_are_logged_without_passwords(auth, caplog):
    caplog.set_level("INFO", logger="fisoko.audit")
    auth.login("edu770001", "Wrong-Pass-1")
    auth.login("nobody\nFAKE result=ok", "Wrong-Pass-2")
    auth.login("edu770009")
    auth.login("edu770001")
    lines = [r.getMessage() for r in caplog.records if r.name == "fisoko.audit"]
    assert len(lines) == 4
    assert "result=wrong" in lines[0] and "edu770001" in lines[0] and "127.0.0.1" in lines[0]
    assert "\n" not in lines[1] and lines[1].endswith("result=unknown")
    assert lines[2].endswith("result=disabled")
    assert lines[3].endswith("result=ok")
    assert not any("Wrong-Pass" in line or PASSWORDS["edu770001"] in line for line in lines)
