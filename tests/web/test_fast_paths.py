"""The fast paths (kept fragments, URLs, CSRF tokens, results listings) change nothing a user sees.

Each page is fetched from an app with all of them on and from one with all of them off; the
pages must be equal but for the session's own CSRF token.
"""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from app import create_app
from tests.helpers import AuthActions

OFF = {
    "FRAGMENT_CACHE": False,
    "URL_CACHE": False,
    "CSRF_TOKEN_CACHE": False,
    "SESSION_CACHE": False,
    "RESULTS_CACHE": False,
}
TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+|(value=")[^"]+("[^>]*name="csrf_token")')
PAGES = ["/cabinet", "/cabinet/niko", "/cabinet/niko?x=1"]


def _page(app, login: str, url: str, today) -> str:
    app.config["TODAY"] = today
    client = app.test_client()
    assert AuthActions(client).login(login).status_code == 302
    client.get(url)  # a second visit, so that what is kept is used
    text = client.get(url).get_data(as_text=True)
    return TOKEN.sub(lambda m: (m.group(1) or m.group(2)) + "TOKEN" + (m.group(3) or ""), text)


@pytest.mark.parametrize("login", ["edu770001", "niko__77"])
@pytest.mark.parametrize("url", PAGES)
def test_pages_are_the_same_with_the_fast_paths_off(app_config, tmp_path, login, url):
    import datetime as dt

    fast = create_app(app_config)
    plain = create_app({**app_config, "INSTANCE": str(tmp_path / "plain"), **OFF})
    for day in (dt.date(2026, 12, 1), dt.date(2027, 3, 20), dt.date(2027, 10, 1)):
        assert _page(fast, login, url, day) == _page(plain, login, url, day)


def _templates_get_flask_url_for(app) -> bool:
    """Whether a template rendered in a request calls Flask's own url_for."""
    source = "{{ url_for is sameas flask_url_for }}"
    with app.test_request_context("/"):
        flask_url_for = app.jinja_env.globals["url_for"]
        return render_template_string(source, flask_url_for=flask_url_for) == "True"


def test_switches_turn_each_fast_path_off(app_config):
    app = create_app({**app_config, **OFF})
    assert _templates_get_flask_url_for(app)
    assert not _templates_get_flask_url_for(create_app(app_config))
    assert "fisoko.csrf_tokens" not in app.extensions
    client = app.test_client()
    AuthActions(client).login()
    client.get("/cabinet/niko")
    assert "fisoko.fragments" not in app.extensions


def test_switches_are_read_from_the_environment(app_config, monkeypatch):
    monkeypatch.setenv("FISOKO_FRAGMENT_CACHE", "0")
    monkeypatch.setenv("FISOKO_URL_CACHE", "0")
    app = create_app(app_config)
    assert app.config["FRAGMENT_CACHE"] is False and app.config["URL_CACHE"] is False
    assert app.config["CSRF_TOKEN_CACHE"] is True
