"""Security headers on every answer, no inline code in any page, no debug output ever."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app import create_app
from fisoko.settings import BASE_DIR
from tests.helpers import PASSWORDS, AuthActions, csrf_token

TEMPLATES = sorted((BASE_DIR / "templates").rglob("*.html"))


def assert_security_headers(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.fixture
def app(app_config):
    """The app with a test-only view that fails, to see what a crash shows."""
    app = create_app(app_config)

    @app.route("/test-crash")
    def crash():
        raise RuntimeError("secret-detail-of-the-crash")

    return app


@pytest.mark.parametrize(
    "method, url, status",
    [
        ("get", "/login", 200),
        ("get", "/", 302),
        ("get", "/cabinet", 302),
        ("get", "/healthz", 200),
        ("get", "/static/css/style.css", 200),
        ("get", "/static/favicon.svg", 200),
        ("get", "/static/../app.py", 404),
        ("get", "/no-such-page", 404),
        ("get", "/logout", 405),
        ("post", "/login", 400),
        ("post", "/logout", 400),
        ("get", "/test-crash", 500),
    ],
)
def test_every_answer_carries_the_security_headers(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert_security_headers(response)
    response.close()


def test_cabinet_429_and_413_answers_carry_the_headers_too(client, auth):
    for _ in range(6):
        response = auth.login("edu770001", "wrong")
    assert response.status_code == 429
    assert_security_headers(response)
    token = csrf_token(client)
    huge = client.post("/login", data={"csrf_token": token, "login": "x" * 1_000_000})
    assert huge.status_code == 413
    assert '<html lang="ru">' in huge.get_data(as_text=True)
    assert_security_headers(huge)
    auth.login("edu770002")
    for url in ("/cabinet", "/cabinet/niko"):
        page = client.get(url)
        assert page.status_code == 200
        assert_security_headers(page)
        assert page.headers["Cache-Control"] == "no-store"


def test_a_crash_shows_a_russian_page_and_nothing_of_the_error(client):
    response = client.get("/test-crash")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Внутренняя ошибка" in page
    for leak in ("Traceback", "secret-detail", "RuntimeError", 'File "', ".py"):
        assert leak not in page


def test_debug_stays_off_whatever_the_environment_says(app_config, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("FISOKO_DEBUG", "true")
    app = create_app({**app_config, "TESTING": False})

    @app.route("/test-crash")
    def crash():
        raise ValueError("secret-detail-of-the-crash")

    assert app.debug is False
    response = app.test_client().get("/test-crash")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret-detail" not in page and "Traceback" not in page
    assert "Werkzeug Debugger" not in page


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}=javascript:")
            if name in ("href", "src") and (value or "").startswith(("http://", "https://", "//")):
                if tag != "a":
                    self.found.append(f"{tag} {name} from the network")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    parser = InlineCode()
    parser.feed(text)
    assert parser.found == []
    assert "|safe" not in text.replace(" ", "")


def test_rendered_pages_have_no_inline_script_or_style(app, client):
    pages = [client.get("/login"), client.get("/no-such-page")]
    auth = AuthActions(client)
    pages.append(auth.login("edu770001", "wrong"))
    for login in ("edu770001", "niko__77"):
        auth.login(login, PASSWORDS[login])
        pages += [client.get("/cabinet"), client.get("/cabinet/niko")]
        auth.logout()
    for response in pages:
        parser = InlineCode()
        parser.feed(response.get_data(as_text=True))
        assert parser.found == [], response.request.path


def test_static_css_loads_nothing_from_the_network():
    for path in (BASE_DIR / "static").rglob("*.css"):
        text = path.read_text(encoding="utf-8").lower()
        assert "@import" not in text
        assert "url(http" not in text and "url(//" not in text and "url('http" not in text
