"""The clock at the bottom of the package: its zone named by the content, Moscow without one."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from fisoko import clock


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
