"""Property tests: any login, password and `next` get no 5xx and no off-site redirect."""

from __future__ import annotations

import re
from urllib.parse import quote, quote_from_bytes, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import PASSWORDS, accounts_yaml, app_on, csrf_token

WRONG = "Неверный логин или пароль"
ORIGIN = "http://fisoko.test"

fuzz = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
odd_texts = st.sampled_from(
    [
        "\0",
        "\0" * 50,
        "edu770001\0",
        "\r\nSet-Cookie: x=1",
        "' OR '1'='1",
        "<script>alert(1)</script>",
        "%00%0a",
        "../../../etc/passwd",
        "\u202e\u2028\ufeff",
        "𝔢𝔡𝔲770001",
        "ｅｄｕ７７０００１",
    ]
)
long_texts = st.builds(
    lambda ch, n: ch * n, st.characters(exclude_categories=["Cs"]), st.integers(9_990, 10_000)
)
texts = st.one_of(st.text(max_size=80), odd_texts, long_texts)
invalid_utf8 = st.sampled_from(
    [b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\x80abc", b""]
)
raw_bytes = st.one_of(
    st.binary(max_size=120), st.builds(lambda a, b: a + b, st.binary(max_size=20), invalid_utf8)
)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for every example, with throttle thresholds out of the way of the fuzzing."""
    folder = tmp_path_factory.mktemp("hostile")
    accounts = folder / "accounts.yaml"
    accounts.write_text(accounts_yaml(), encoding="utf-8")
    return app_on(
        folder, accounts, THROTTLE_LOGIN_FAILURES=10_000, THROTTLE_ADDRESS_FAILURES=1_000_000
    )


@pytest.fixture(scope="module")
def form_client(app):
    """An anonymous client and its CSRF token (a failed login keeps both valid)."""
    client = app.test_client()
    return client, csrf_token(client)


@pytest.fixture(scope="module")
def logged_in(app):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"login": "edu770001", "password": PASSWORDS["edu770001"], "csrf_token": token},
    )
    assert response.status_code == 302
    return client


def assert_stays_on_site(location: str) -> None:
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location
    assert not any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in location)
    assert urlsplit(urljoin(ORIGIN + "/login", location)).netloc == "fisoko.test"


@fuzz
@given(login=texts, password=texts)
@example(login="x" * 10_000, password="я" * 10_000)
@example(login="edu770001\0", password=PASSWORDS["edu770001"])
@example(login="edu770001", password=PASSWORDS["edu770001"] + "\0")
@example(login="\0" * 10_000, password="\0")
def test_any_login_and_password_get_the_form_again(form_client, login, password):
    client, token = form_client
    response = client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert WRONG in page or "Введите логин" in page or "Введите пароль" in page
    field = re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    assert not re.search(r'value="[^"]', field)


@fuzz
@given(login=raw_bytes, password=raw_bytes, encode=st.booleans())
@example(login=b"edu770001\xff", password=b"\xc0\xaf\xed\xa0\x80", encode=False)
@example(login=b"\x00" * 10_000, password=b"\xff" * 10_000, encode=True)
def test_any_bytes_in_the_form_body_get_the_form_again(form_client, login, password, encode):
    client, token = form_client
    pack = quote_from_bytes if encode else (lambda b: b)
    body = b"csrf_token=%s&login=%s&password=%s" % (
        token.encode(),
        pack(login).encode() if encode else login,
        pack(password).encode() if encode else password,
    )
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert WRONG in page or "Введите логин" in page or "Введите пароль" in page


@fuzz
@given(target=st.one_of(texts, st.sampled_from(["//evil.test", "/\\evil.test", "/\t/evil.test"])))
def test_next_never_leads_off_site_when_logged_in(logged_in, target):
    response = logged_in.get("/login?next=" + quote(target, safe=""))
    assert response.status_code == 302
    assert_stays_on_site(response.headers["Location"])


@fuzz
@given(target=raw_bytes, encode=st.booleans())
@example(target=b"/\xff\xfe", encode=False)
def test_next_as_raw_bytes_never_leads_off_site(logged_in, target, encode):
    """Percent-encoded bytes, or raw ones as a server hands them over (PEP 3333: as latin-1)."""
    if encode:
        response = logged_in.get("/login?next=" + quote_from_bytes(target, safe=""))
    else:
        query = "next=" + target.replace(b"&", b"").replace(b"#", b"").decode("latin-1")
        response = logged_in.get("/login", environ_overrides={"QUERY_STRING": query})
    assert response.status_code == 302
    assert_stays_on_site(response.headers["Location"])


@fuzz
@given(target=texts)
def test_next_after_a_good_login_never_leads_off_site(app, target):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login?next=" + quote(target, safe=""),
        data={"login": "edu770002", "password": PASSWORDS["edu770002"], "csrf_token": token},
    )
    assert response.status_code == 302
    assert_stays_on_site(response.headers["Location"])


@fuzz
@given(path=st.text(max_size=60))
@example(path="/.")  # "//.": the test client's URL parser reads "." as a host and raises
@example(path="/x")
def test_any_path_gets_no_5xx(app, path):
    """Any path as the server hands it over (PATH_INFO: its UTF-8 bytes as latin-1, PEP 3333).

    The path goes straight into the WSGI environ, not through the test client's URL parsing,
    which would take a path starting with "//" for a host and fail before the app runs.
    """
    raw = ("/" + path).encode("utf-8").decode("latin-1")
    response = app.test_client().get("/", environ_overrides={"PATH_INFO": raw})
    assert response.status_code < 500


@pytest.mark.parametrize("path", ["//.", "//x", "//evil.example/login"])
def test_a_double_slash_path_reaches_the_app(app, path):
    response = app.test_client().get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code == 404
    assert "html" in response.content_type
