"""Kept template URLs: the same as url_for builds, per script root and per value."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string, url_for

from fisoko.web import url_cache


def test_kept_urls_follow_the_script_root(login_as, app):
    client = login_as("edu770001")
    plain = client.get("/cabinet/niko").get_data(as_text=True)
    mounted = client.get("/cabinet/niko", environ_overrides={"SCRIPT_NAME": "/lk"})
    text = mounted.get_data(as_text=True)
    assert 'href="/cabinet/niko"' in plain and 'href="/lk/cabinet/niko"' not in plain
    assert 'href="/lk/cabinet/niko"' in text and 'href="/lk/static/css/style.css"' in text
    assert 'action="/lk/cabinet/niko/uploads#upload-error"' in text
    assert re.search(r'<form method="post" action="/lk/cabinet/niko/steps/[\w-]+"', text)
    assert 'action="/cabinet/niko/steps/' not in text
    again = client.get("/cabinet/niko").get_data(as_text=True)
    assert 'href="/lk/' not in again


def in_template(endpoint: str, **values) -> str:
    """What `{{ url_for(endpoint, **values) }}` gives in a template rendered by Flask."""
    source = "{{ url_for(endpoint, **values) }}"
    return render_template_string(source, endpoint=endpoint, values=values)


def counting(app, calls: list):
    """The app's url_for, noting each URL it is asked to build."""

    def build(endpoint, **values):
        calls.append((endpoint, values))
        return app.url_for(endpoint, **values)

    return build


def test_kept_urls_equal_built_ones_for_every_value(app):
    with app.test_request_context("/cabinet"):
        for _ in range(2):
            for step in ("a", "b", "a", "два шага"):
                expected = url_for("progress.mark", step=step)
                assert in_template("progress.mark", step=step) == expected
            assert in_template("cabinet.niko", _anchor="uploads") == "/cabinet/niko#uploads"
            assert in_template("cabinet.niko", _external=True) == "http://localhost/cabinet/niko"
            assert in_template("auth.login", next=None) == url_for("auth.login")


def test_kept_urls_are_dropped_when_too_many(app, monkeypatch):
    monkeypatch.setattr(url_cache, "MAX_KEPT", 3)
    calls = []

    def build(endpoint, **values):
        calls.append(values)
        return f"/{values['n']}"

    kept = url_cache.kept_url_for(build)
    for n in (1, 2, 3, 4, 1):
        assert kept("", "x", n=n) == f"/{n}"
    assert len(calls) == 5, "after the fourth URL the kept ones were dropped, so 1 is built again"


def test_kept_urls_are_per_script_root_of_the_rendering_request(app):
    calls = []
    kept = url_cache.kept_url_for(counting(app, calls))
    for root in ("", "/lk", "", "/lk", "/other"):
        with app.test_request_context("/cabinet", environ_overrides={"SCRIPT_NAME": root}):
            assert kept(root, "cabinet.niko") == f"{root}/cabinet/niko"
            assert in_template("cabinet.niko") == f"{root}/cabinet/niko"
    assert len(calls) == 3, "one build per script root, the repeats were kept"


def test_values_that_are_not_keys_and_relative_endpoints_are_built(app):
    calls = []
    kept = url_cache.kept_url_for(counting(app, calls))
    with app.test_request_context("/cabinet"):
        for _ in range(2):
            assert kept("", "cabinet.niko", page=[1, 2]) == "/cabinet/niko?page=1&page=2"
            assert kept("", "cabinet.niko", _external=True) == "http://localhost/cabinet/niko"
    assert len(calls) == 4


def test_outside_a_request_urls_are_built_as_usual(app):
    app.config["SERVER_NAME"] = "cabinet.local"
    with app.app_context():
        assert in_template("cabinet.niko") == "http://cabinet.local/cabinet/niko"
        assert in_template("cabinet.niko") == url_for("cabinet.niko")
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": "/lk"}):
        assert in_template("cabinet.niko") == "/lk/cabinet/niko"


def test_a_template_rendered_without_flask_builds_with_flask_url_for(app):
    template = app.jinja_env.from_string("{{ url_for('cabinet.niko') }}")
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": "/lk"}):
        assert template.render() == "/lk/cabinet/niko"
    with app.test_request_context("/"):
        assert template.render() == "/cabinet/niko"


def test_an_app_with_url_defaults_gets_no_kept_urls():
    """A url_defaults function can give each request another URL, so nothing may be kept."""
    from flask import Blueprint, Flask, g

    app = Flask(__name__)
    app.config["URL_CACHE"] = True
    app.add_url_rule("/page", "page", lambda: "")
    bp = Blueprint("lang", __name__)
    bp.app_url_defaults(lambda endpoint, values: values.setdefault("lang", g.lang))
    app.register_blueprint(bp)
    url_cache.init_app(app)
    for lang in ("ru", "tt"):
        with app.test_request_context("/"):
            g.lang = lang
            assert render_template_string("{{ url_for('page') }}") == f"/page?lang={lang}"


def test_urls_with_an_anchor_are_kept_per_anchor(app):
    calls = []
    kept = url_cache.kept_url_for(counting(app, calls))
    with app.test_request_context("/cabinet"):
        for _ in range(2):
            assert kept("", "cabinet.niko", _anchor="uploads") == "/cabinet/niko#uploads"
            assert kept("", "cabinet.niko", _anchor="sample") == "/cabinet/niko#sample"
            assert kept("", "cabinet.niko") == "/cabinet/niko"
    assert len(calls) == 3


@pytest.mark.parametrize("kept", [True, False])
def test_urls_for_many_values_equal_url_for_each(app, kept):
    if not kept:
        app.extensions.pop(url_cache.EXTENSION)
    logins = ["edu770001", "edu770002", "niko__77"]
    for root in ("", "/lk"):
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
            found = url_cache.urls_for("sample.mark", "login", iter(logins))
            assert found == {login: url_for("sample.mark", login=login) for login in logins}
            assert found["edu770002"] == f"{root}/cabinet/niko/sample/edu770002"
