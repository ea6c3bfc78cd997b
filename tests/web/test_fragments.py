"""Fragments rendered once: kept per owner object and key, never mixed between roles."""

from __future__ import annotations

from fisoko.web.fragments import render_once


def test_a_fragment_is_rendered_once_per_owner_and_key(app):
    owner, other = object(), object()
    with app.test_request_context():
        first = render_once("errors/error.html", owner, ("a",), code=404, title="T1", text="x")
        again = render_once("errors/error.html", owner, ("a",), code=404, title="T2", text="x")
        keyed = render_once("errors/error.html", owner, ("b",), code=404, title="T3", text="x")
        fresh = render_once("errors/error.html", other, ("a",), code=404, title="T4", text="x")
    assert again is first and "T1" in again
    assert "T3" in keyed
    assert "T4" in fresh


def test_each_role_sees_its_own_steps_in_one_app(login_as):
    school = login_as("edu770001").get("/cabinet/niko").get_data(as_text=True)
    coordinator = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    school_again = login_as("edu770002").get("/cabinet/niko").get_data(as_text=True)
    assert "Ваши шаги: Ответственный организатор ОО" in school
    assert "Ваши шаги: Региональный координатор НИКО" in coordinator
    assert school_again.count('class="steps__item"') == school.count('class="steps__item"')
    assert "Ответственный организатор ОО" in school_again


def test_the_upload_form_selects_the_next_step_of_the_day(app, login_as):
    import datetime as dt
    import re

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
