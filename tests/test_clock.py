"""The clock at the bottom of the package: its zone named by the content, Moscow without one."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from fisoko import clock
from tests.helpers import PINNED_DAY


def test_without_a_named_zone_the_clock_keeps_moscow_time():
    app = Flask("bare")
    with app.app_context():
        assert clock.zone_name() == clock.MOSCOW
        assert clock.zone_label() == "МСК"
        assert clock.now().utcoffset() == dt.timedelta(hours=3)
        assert clock.local_text("2027-03-26T15:00:00+00:00") == "26.03.2027 18:00"


def test_the_zone_the_source_names_is_used_each_time():
    app = Flask("bare")
    named = ["Asia/Yekaterinburg"]
    clock.use_zone(app, lambda: named[0])
    with app.app_context():
        assert clock.local_text("2027-03-26T15:00:00+00:00") == "26.03.2027 20:00"
        assert clock.zone_label(dt.datetime(2027, 3, 26, 20, 0)) == "UTC+5"
        named[0] = "Europe/Moscow"
        assert clock.zone_label() == "МСК"


def test_the_app_names_the_content_zone(app):
    with app.app_context():
        assert clock.zone_name() == app.extensions["fisoko.content"].timezone


def test_one_request_reads_one_moment_and_the_next_request_a_later_one(app, monkeypatch):
    readings = iter([dt.datetime(2027, 3, 26, 17, 59, 59), dt.datetime(2027, 3, 26, 18, 0, 1)])
    monkeypatch.setattr(clock, "real_now", lambda zone: next(readings).replace(tzinfo=zone))
    with app.test_request_context("/"):
        first = clock.now()
        assert clock.now() is first and clock.wall() == dt.datetime(2027, 3, 26, 17, 59, 59)
    with app.test_request_context("/"):
        assert clock.wall() == dt.datetime(2027, 3, 26, 18, 0, 1)


@pytest.mark.real_clock
def test_without_a_rehearsal_the_clock_reads_the_system_date(app):
    with app.app_context():
        before = dt.datetime.now(dt.timezone.utc)
        moment = clock.now()
        assert before <= moment <= dt.datetime.now(dt.timezone.utc)
        assert moment.utcoffset() == clock.zone_of(clock.zone_name()).utcoffset(
            moment.replace(tzinfo=None)
        )


def test_the_suite_runs_on_its_pinned_day_whatever_the_system_date(app):
    with app.app_context():
        assert clock.today() == PINNED_DAY


def test_outside_a_request_every_reading_is_fresh(app):
    with app.app_context():
        first = clock.now()
        assert clock.now() > first


def test_deadline_texts_follow_the_zone_they_are_shown_in():
    app = Flask("bare")
    named = ["Europe/Moscow"]
    clock.use_zone(app, lambda: named[0])
    day, at = dt.date(2027, 3, 26), dt.time(18, 0)
    with app.app_context():
        assert clock.deadline_text(day, at) == "26.03.2027 18:00 (МСК)"
        named[0] = "Asia/Yekaterinburg"
        assert clock.deadline_text(day, at) == "26.03.2027 18:00 (UTC+5)"
        assert clock.deadline_text(day, None) == "26.03.2027"
