"""Login throttling: per (address, login) and per address, its windows, and what a block costs."""

from __future__ import annotations

import re
import time

import pytest
from limits.storage import storage_from_string

import auth as auth_module
from app import create_app
from fisoko.login.throttle import Throttle, wait_text
from tests.helpers import PASSWORDS, AuthActions, csrf_token

WRONG = "Неверный логин или пароль"
GOOD = PASSWORDS["edu770001"]


class Clock:
    """A settable time.time() for the throttle's windows (limits reads time.time too)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


@pytest.fixture
def checks(monkeypatch) -> list[str]:
    """Every password check the login view runs, in order (bcrypt runs once per entry)."""
    seen: list[str] = []
    real = auth_module.check_password

    def counting(password, password_hash, cost):
        seen.append(password)
        return real(password, password_hash, cost)

    monkeypatch.setattr(auth_module, "check_password", counting)
    return seen


def fail(auth: AuthActions, times: int, login: str = "edu770001") -> None:
    for number in range(times):
        response = auth.login(login, f"wrong-{number}")
        assert response.status_code == 200, f"failure {number + 1} of {login}"
        assert WRONG in response.get_data(as_text=True)


def post_from(client, address: str, login: str, password: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def test_the_sixth_try_is_429_with_the_wait_and_no_password_check(auth, checks):
    fail(auth, 5)
    assert len(checks) == 5
    response = auth.login("edu770001", GOOD)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Подождите 15 мин" in page
    assert '<html lang="ru">' in page
    assert response.headers["Retry-After"] == "900"
    assert len(checks) == 5
    for _ in range(20):
        assert auth.login("edu770001", GOOD).status_code == 429
    assert len(checks) == 5


def test_four_failures_do_not_block(auth):
    fail(auth, 4)
    assert auth.login("edu770001", GOOD).status_code == 302


def test_a_block_says_nothing_about_whether_the_login_exists(app):
    """The two pages differ only in the typed login they keep (and the form's token)."""
    pages = []
    for login in ("edu770001", "edu770099"):
        actions = AuthActions(app.test_client())
        fail(actions, 5, login)
        response = actions.login(login, "again")
        assert response.status_code == 429
        page = response.get_data(as_text=True)
        assert f'value="{login}"' in page
        page = page.replace(f'value="{login}"', 'value="LOGIN"')
        pages.append(re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "TOKEN", page))
    assert pages[0] == pages[1]


def test_the_429_is_the_login_form_with_the_typed_login_and_the_wait(auth, checks):
    """Not a separate page: the form again, its login kept, the password not, `next` kept."""
    fail(auth, 5)
    response = auth.login("edu770001", GOOD, next="/cabinet/niko")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert 'action="/login?next=/cabinet/niko"' in page
    assert re.search(r'<input[^>]*name="login"[^>]*value="edu770001"', page)
    assert GOOD not in page
    assert 'name="password"' in page and 'name="csrf_token"' in page
    alert = page.split('role="alert"')[1].split("</div>")[0]
    assert "Слишком много неудачных попыток входа. Подождите 15 мин" in alert
    assert "Ошибка 429" not in page and "Вернуться на главную страницу" not in page
    assert len(checks) == 5


def test_a_429_form_logs_in_once_the_wait_is_over(auth, clock):
    fail(auth, 5)
    response = auth.login("edu770001", GOOD)
    assert response.status_code == 429 and "Подождите 15 мин" in response.get_data(as_text=True)
    clock.advance(15 * 60 + 1)
    assert auth.login("edu770001", GOOD).status_code == 302


def test_a_success_clears_the_pair(auth, checks):
    fail(auth, 4)
    assert auth.login("edu770001", GOOD).status_code == 302
    auth.logout()
    fail(auth, 5)
    assert auth.login("edu770001", GOOD).status_code == 429
    assert len(checks) == 10


def test_a_block_holds_one_pair_only(app, checks):
    client = app.test_client()
    for number in range(5):
        assert post_from(client, "10.0.0.1", "edu770001", f"bad-{number}").status_code == 200
    assert post_from(client, "10.0.0.1", "edu770001", GOOD).status_code == 429
    assert post_from(client, "10.0.0.1", "edu770002", "bad").status_code == 200
    other = app.test_client()
    assert post_from(other, "10.0.0.2", "edu770001", GOOD).status_code == 302


def test_the_block_ends_after_its_minutes_and_the_page_counts_down(auth, clock, checks):
    fail(auth, 5)
    clock.advance(14 * 60)
    response = auth.login("edu770001", GOOD)
    assert response.status_code == 429
    assert "Подождите 1 мин" in response.get_data(as_text=True)
    clock.advance(30)
    response = auth.login("edu770001", GOOD)
    assert "Подождите 30 сек" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "30"
    clock.advance(29)
    assert auth.login("edu770001", GOOD).status_code == 429
    clock.advance(1.5)
    assert auth.login("edu770001", GOOD).status_code == 302
    assert len(checks) == 6


def test_failures_older_than_the_window_no_longer_count(auth, clock):
    fail(auth, 4)
    clock.advance(15 * 60 + 1)
    fail(auth, 4)
    clock.advance(60)
    fail(auth, 1)
    assert auth.login("edu770001", GOOD).status_code == 429


def test_failures_inside_the_window_add_up(auth, clock):
    fail(auth, 4)
    clock.advance(15 * 60 - 5)
    fail(auth, 1)
    assert auth.login("edu770001", GOOD).status_code == 429


def test_configured_thresholds_and_minutes(app_config, clock):
    app = create_app(
        {
            **app_config,
            "THROTTLE_LOGIN_FAILURES": "2",
            "THROTTLE_WINDOW_MINUTES": 1,
            "THROTTLE_BLOCK_MINUTES": 3,
        }
    )
    actions = AuthActions(app.test_client())
    fail(actions, 2)
    response = actions.login("edu770001", GOOD)
    assert response.status_code == 429
    assert "Подождите 3 мин" in response.get_data(as_text=True)
    clock.advance(3 * 60 + 1)
    assert actions.login("edu770001", GOOD).status_code == 302


def test_the_address_is_blocked_after_its_failures(app_config, checks):
    app = create_app({**app_config, "THROTTLE_ADDRESS_FAILURES": 7})
    client = app.test_client()
    for number in range(6):
        login = f"edu77{number:04d}"
        assert post_from(client, "10.0.0.9", login, "bad").status_code == 200
    assert post_from(client, "10.0.0.9", "edu780001", "bad").status_code == 200
    response = post_from(client, "10.0.0.9", "niko__77", PASSWORDS["niko__77"])
    assert response.status_code == 429
    assert len(checks) == 7
    assert post_from(client, "10.0.0.10", "niko__77", PASSWORDS["niko__77"]).status_code == 302


def test_empty_fields_are_not_counted(auth, checks):
    for _ in range(10):
        response = auth.login("edu770001", "")
        assert response.status_code == 200
        assert "Введите пароль" in response.get_data(as_text=True)
    assert checks == []
    assert auth.login("edu770001", GOOD).status_code == 302


def test_a_blocked_pair_gets_429_even_for_an_empty_password(auth, checks):
    fail(auth, 5)
    assert auth.login("edu770001", "").status_code == 429
    assert len(checks) == 5


def test_surrounding_spaces_do_not_make_a_new_pair(auth):
    fail(auth, 5)
    assert auth.login(" edu770001  ", GOOD).status_code == 429


def test_a_forged_forwarded_for_is_ignored_by_default(app, checks):
    client = app.test_client()
    for number in range(5):
        response = post_from(client, "127.0.0.1", "edu770001", "bad", f"203.0.113.{number}")
        assert response.status_code == 200
    assert post_from(client, "127.0.0.1", "edu770001", GOOD, "198.51.100.7").status_code == 429
    assert len(checks) == 5


def test_a_trusted_proxy_hands_over_the_client_address(app_config, caplog):
    caplog.set_level("INFO", logger="fisoko.audit")
    app = create_app({**app_config, "TRUSTED_PROXIES": "1"})
    client = app.test_client()
    for number in range(5):
        forged = f"203.0.113.{number}, 192.0.2.5"
        assert post_from(client, "127.0.0.1", "edu770001", "bad", forged).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "fisoko.audit"]
    assert len(lines) == 5 and all("addr=192.0.2.5 " in line for line in lines)
    assert post_from(client, "127.0.0.1", "edu770001", GOOD, "1.1.1.1, 192.0.2.5").status_code == (
        429
    )
    assert post_from(client, "127.0.0.1", "edu770001", GOOD, "192.0.2.6").status_code == 302


def test_throttled_attempts_are_audited(auth, caplog):
    caplog.set_level("INFO", logger="fisoko.audit")
    fail(auth, 5)
    auth.login("edu770001", GOOD)
    lines = [r.getMessage() for r in caplog.records if r.name == "fisoko.audit"]
    assert [line.rsplit("=", 1)[1] for line in lines] == ["wrong"] * 5 + ["throttled"]


def test_reservations_bound_parallel_checks():
    """Tries that start together each take a check first: the sixth is refused before bcrypt."""
    throttle = Throttle(storage_from_string("memory://"), 5, 50, 900, 900)
    assert [throttle.reserve("1.2.3.4", "edu770001") for _ in range(5)] == [0] * 5
    assert 890 < throttle.reserve("1.2.3.4", "edu770001") <= 900
    assert throttle.wait_seconds("1.2.3.4", "edu770001") > 0
    assert throttle.wait_seconds("1.2.3.4", "edu770002") == 0


def test_a_huge_login_is_kept_as_a_short_key():
    storage = storage_from_string("memory://")
    throttle = Throttle(storage, 5, 50, 900, 900)
    throttle.reserve("1.2.3.4", "x" * 10_000)
    assert all(len(key) < 200 for key in storage.events)


@pytest.mark.parametrize(
    "seconds, text", [(900, "15 мин"), (61, "2 мин"), (60, "1 мин"), (59, "59 сек"), (0, "1 сек")]
)
def test_wait_text(seconds, text):
    assert wait_text(seconds) == text


def test_throttle_settings_from_the_environment(app_config, monkeypatch):
    monkeypatch.setenv("FISOKO_THROTTLE_LOGIN_FAILURES", "3")
    monkeypatch.setenv("FISOKO_TRUSTED_PROXIES", "2")
    app = create_app(app_config)
    assert app.config["THROTTLE_LOGIN_FAILURES"] == 3
    assert app.config["TRUSTED_PROXIES"] == 2
    actions = AuthActions(app.test_client())
    fail(actions, 3)
    assert actions.login("edu770001", GOOD).status_code == 429


@pytest.mark.slow
def test_real_server_blocks_guesses_and_checks_no_password_while_blocked(tmp_path, accounts_file):
    """`python app.py` as users start it: guesses with a forged X-Forwarded-For each."""
    import re
    import urllib.error
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    from tests.helpers import NoRedirect, Server

    audit_log = tmp_path / "audit.log"
    server = Server(tmp_path, accounts_file, env={"FISOKO_AUDIT_LOG": str(audit_log)})
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect
        )
        with opener.open(server.base + "/login") as response:
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())
        statuses = []
        for number in range(12):
            form = {"login": "edu770001", "password": f"guess-{number}", "csrf_token": token[1]}
            request = urllib.request.Request(
                server.base + "/login",
                urllib.parse.urlencode(form).encode(),
                headers={"X-Forwarded-For": f"203.0.113.{number}"},
            )
            try:
                with opener.open(request) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
                assert "мин" in error.read().decode()
                assert error.headers["X-Frame-Options"] == "DENY"
                error.close()
        with opener.open(server.base + "/static/favicon.svg") as response:
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    finally:
        server.stop()
    assert statuses == [200] * 5 + [429] * 7
    lines = audit_log.read_text("utf-8").splitlines()
    results = [line.rsplit("result=", 1)[1] for line in lines if " login attempt " in line]
    # throttled attempts: the first of each minute in full, the rest summed up (audit.py); a
    # summary not yet due when the server is stopped is not written
    assert results[:6] == ["wrong"] * 5 + ["throttled"] and set(results[6:]) <= {"throttled"}
    summed = [int(line.split(" more=")[1].split()[0]) for line in lines if " summary " in line]
    assert len(results) - 5 + sum(summed) <= 7
    assert "addr=127.0.0.1 " in audit_log.read_text("utf-8")
    assert "Traceback" not in server.output


def test_a_failing_counter_store_refuses_the_login_without_a_check(app, auth, checks, monkeypatch):
    """Redis down: the attempt gets the Russian 500 page, and no password is checked."""

    def unreachable(self, address, login):
        raise ConnectionError("counter store unreachable")

    monkeypatch.setattr(Throttle, "wait_seconds", unreachable)
    response = auth.login("edu770001", GOOD)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Внутренняя ошибка" in page and "unreachable" not in page
    assert checks == []
