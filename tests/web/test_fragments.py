"""Fragments rendered once: keyed by exactly what they are given, refused if they read more."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from jinja2 import ChoiceLoader, DictLoader

from fisoko.web import fragments
from fisoko.web.fragments import FragmentError, render_once

FRAGMENT_TEMPLATES = (
    "cabinet/_study.html",
    "cabinet/_steps.html",
    "cabinet/_upload_fields.html",
    "cabinet/_publication.html",
    "cabinet/_materials.html",
)


@pytest.fixture
def extra_templates(app):
    """Let a test add templates of its own to the app's loader."""
    added: dict[str, str] = {}
    app.jinja_env.loader = ChoiceLoader([DictLoader(added), app.jinja_env.loader])
    return added


def test_a_fragment_is_kept_per_distinct_context(app, extra_templates):
    extra_templates["t.html"] = "{{ title }}/{{ owner.name }}"

    class Owner:
        name = "o"

    owner, other = Owner(), Owner()
    with app.test_request_context():
        first = render_once("t.html", title="T1", owner=owner)
        again = render_once("t.html", title="T1", owner=owner)
        retitled = render_once("t.html", title="T2", owner=owner)
        fresh = render_once("t.html", title="T1", owner=other)
    assert again is first and first == "T1/o"
    assert retitled == "T2/o"
    assert fresh == "T1/o" and fresh is not first


@pytest.mark.parametrize("name", ["current_user", "request", "session", "csrf_token", "g"])
def test_a_fragment_that_reads_what_it_was_not_given_is_refused(app, extra_templates, name):
    extra_templates["leaky.html"] = "{{ title }} {{ " + name + " }}"
    with app.test_request_context(), pytest.raises(FragmentError, match=name):
        render_once("leaky.html", title="x")


def test_names_read_through_included_templates_count(app, extra_templates):
    extra_templates["outer.html"] = "{{ title }}{% include 'inner.html' %}"
    extra_templates["inner.html"] = "{{ current_user.login }}"
    with app.test_request_context(), pytest.raises(FragmentError, match="current_user"):
        render_once("outer.html", title="x")


@pytest.mark.parametrize("template", FRAGMENT_TEMPLATES)
def test_the_cabinet_fragments_read_only_pure_globals_besides_their_context(app, template):
    with app.app_context():
        names = fragments.template_names(template) - fragments.PURE_GLOBALS
    leaks = names & {"current_user", "request", "session", "g", "csrf_token", "config"}
    assert not leaks


def test_the_key_follows_the_script_root(app, extra_templates):
    extra_templates["link.html"] = "{{ url_for('cabinet.niko') }}{{ x }}"
    with app.test_request_context("/"):
        plain = render_once("link.html", x=1)
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": "/lk"}):
        mounted = render_once("link.html", x=1)
    assert plain == "/cabinet/niko1" and mounted == "/lk/cabinet/niko1"


def test_kept_fragments_are_bounded(app, extra_templates, monkeypatch):
    monkeypatch.setattr(fragments, "MAX_KEPT", 3)
    extra_templates["n.html"] = "{{ n }}"
    with app.test_request_context():
        for n in range(10):
            assert render_once("n.html", n=n) == str(n)
    assert len(app.extensions["fisoko.fragments"]["kept"]) <= 3


def test_each_role_sees_its_own_steps_in_one_app(login_as):
    school = login_as("edu770001").get("/cabinet/niko").get_data(as_text=True)
    coordinator = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    school_again = login_as("edu770002").get("/cabinet/niko").get_data(as_text=True)
    assert "Ваши шаги: Ответственный организатор ОО" in school
    assert "Ваши шаги: Региональный координатор НИКО" in coordinator
    assert school_again.count('class="steps__item"') == school.count('class="steps__item"')
    assert "Ответственный организатор ОО" in school_again


def test_the_upload_form_selects_the_next_step_of_the_day(app, login_as):
    steps = app.extensions["fisoko.content"].guide("school").steps
    client = login_as("edu770001")

    def selected(day: dt.date) -> str:
        app.config["TODAY"] = day
        page = client.get("/cabinet/niko").get_data(as_text=True)
        return re.search(r'<option value="([^"]+)" selected>', page).group(1)

    first, second = steps[0], steps[1]
    assert selected(first.deadline) == first.id
    assert selected(first.deadline + dt.timedelta(days=1)) == second.id
    assert selected(first.deadline) == first.id


def test_a_name_given_but_never_read_is_no_part_of_the_key(app, extra_templates):
    extra_templates["t.html"] = "{{ title }}"
    with app.test_request_context():
        first = render_once("t.html", title="T", unused=object())
        assert render_once("t.html", title="T", unused=object()) is first


def test_a_publication_is_rendered_once_for_everyone_who_sees_it_alike(app, login_as):
    """Two schools, the same publications and open files: one kept fragment per publication."""
    app.config["TODAY"] = dt.date(2027, 3, 20)
    login_as("edu770001").get("/cabinet/niko")
    kept = dict(app.extensions["fisoko.fragments"]["kept"])
    publications = [key for key in kept if key[0] == "cabinet/_publication.html"]
    assert publications, "the demo content has publications by 20.03.2027"
    login_as("edu770002").get("/cabinet/niko")
    after = app.extensions["fisoko.fragments"]["kept"]
    assert [key for key in after if key[0] == "cabinet/_publication.html"] == publications
    for key in publications:
        assert after[key][1] is kept[key][1]
