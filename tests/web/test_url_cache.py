"""Kept template URLs: the same as url_for builds, per script root and per value."""

from __future__ import annotations

from flask import url_for

from fisoko.web import url_cache


def test_kept_urls_follow_the_script_root(login_as, app):
    client = login_as("edu770001")
    plain = client.get("/cabinet/niko").get_data(as_text=True)
    mounted = client.get("/cabinet/niko", environ_overrides={"SCRIPT_NAME": "/lk"})
    text = mounted.get_data(as_text=True)
    assert 'href="/cabinet/niko"' in plain and 'href="/lk/cabinet/niko"' not in plain
    assert 'href="/lk/cabinet/niko"' in text and 'href="/lk/static/css/style.css"' in text
    assert 'action="/lk/cabinet/niko/uploads#upload-error"' in text
    again = client.get("/cabinet/niko").get_data(as_text=True)
    assert 'href="/lk/' not in again


def test_kept_urls_equal_built_ones_for_every_value(app):
    kept = url_cache.kept_url_for(app.url_for)
    with app.test_request_context("/cabinet"):
        for step in ("a", "b", "a", "два шага"):
            assert kept("progress.mark", step=step) == url_for("progress.mark", step=step)
        assert kept("cabinet.niko", _anchor="uploads") == "/cabinet/niko#uploads"
        assert kept("cabinet.niko", _external=True) == "http://localhost/cabinet/niko"
        assert kept("auth.login", next=None) == url_for("auth.login")


def test_kept_urls_are_dropped_when_too_many(app, monkeypatch):
    monkeypatch.setattr(url_cache, "MAX_KEPT", 3)
    calls = []

    def build(endpoint, **values):
        calls.append(values)
        return f"/{values['n']}"

    kept = url_cache.kept_url_for(build)
    with app.test_request_context("/"):
        for n in (1, 2, 3, 4, 1):
            assert kept("x", n=n) == f"/{n}"
    assert len(calls) == 5, "after the fourth URL the kept ones were dropped, so 1 is built again"


def test_outside_a_request_urls_are_built_as_usual(app):
    app.config["SERVER_NAME"] = "cabinet.local"
    kept = url_cache.kept_url_for(app.url_for)
    with app.app_context():
        assert kept("cabinet.niko") == "http://cabinet.local/cabinet/niko"
        assert kept("cabinet.niko") == url_for("cabinet.niko")
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": "/lk"}):
        assert kept("cabinet.niko") == "/lk/cabinet/niko"


def test_an_app_with_url_defaults_gets_no_kept_urls(app_config):
    from flask import Blueprint

    from app import create_app

    app = create_app(app_config)
    assert app.jinja_env.globals["url_for"] != app.url_for
    bp = Blueprint("lang", __name__)
    bp.app_url_defaults(lambda endpoint, values: None)
    app.register_blueprint(bp)
    app.jinja_env.globals["url_for"] = app.url_for
    url_cache.init_app(app)
    assert app.jinja_env.globals["url_for"] == app.url_for


def test_urls_with_an_anchor_are_kept_per_anchor(app):
    calls = []

    def build(endpoint, **values):
        calls.append(values)
        return app.url_for(endpoint, **values)

    kept = url_cache.kept_url_for(build)
    with app.test_request_context("/cabinet"):
        for _ in range(2):
            assert kept("cabinet.niko", _anchor="uploads") == "/cabinet/niko#uploads"
            assert kept("cabinet.niko", _anchor="sample") == "/cabinet/niko#sample"
            assert kept("cabinet.niko") == "/cabinet/niko"
    assert len(calls) == 3
