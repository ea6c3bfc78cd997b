"""The round's phases, a step's window and the clock's moment, at the edges of each date."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app import create_app
from fisoko import clock
from fisoko.db import database_path
from fisoko.files.yaml_source import Invalid
from fisoko.niko.content import round
from fisoko.niko.content.model import Step, parse_content

BASE = """\
study:
  title: НИКО
  round: НИКО-2027
  about: Текст.
{study}
schedule:
  - event: Событие
    date: 2026-11-20
    responsible: ФИОКО
roles:
  coordinator:
    summary: Кратко.
    steps:
      - id: c1
        title: Шаг координатора
        deadline: 2026-12-11
        what: Сделать.
  school:
    summary: Кратко.
    steps:
      - id: s1
        title: Шаг школы
        deadline: 2027-03-26 18:00
        opens: 2027-03-16
        what: Сделать.
"""


def content(study: str = "  opens: 2026-11-20\n  ends: 2027-10-01"):
    return parse_content(BASE.format(study=study).encode(), "niko.yaml")


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 11, 19), round.BEFORE),
        (dt.date(2026, 11, 20), round.OPEN),
        (dt.date(2026, 11, 21), round.OPEN),
        (dt.date(2027, 9, 30), round.OPEN),
        (dt.date(2027, 10, 1), round.OVER),
        (dt.date(2027, 10, 2), round.OVER),
    ],
)
def test_the_phase_turns_on_the_opening_and_the_ending_day(day, expected):
    wall = dt.datetime.combine(day, dt.time(0, 0))
    assert round.phase(content(), wall) == expected


def test_without_opens_and_ends_the_study_is_always_open():
    assert round.phase(content(""), dt.datetime(2000, 1, 1)) == round.OPEN


@pytest.mark.parametrize(
    "wall, files",
    [
        (dt.datetime(2027, 3, 15, 23, 59), False),  # the day before the step opens
        (dt.datetime(2027, 3, 16, 0, 0), True),
        (dt.datetime(2027, 3, 26, 18, 0, 59), True),  # its minute included
        (dt.datetime(2027, 3, 26, 18, 1), False),
    ],
)
def test_a_step_takes_files_from_its_opens_day_to_its_deadline_minute(wall, files):
    found = content()
    step = found.guide("school").step("s1")
    assert step.deadline_time == dt.time(18, 0)
    assert round.takes_files(found, step, wall) is files
    assert round.takes_marks(found, step, wall) is (wall.date() >= dt.date(2027, 3, 16))


def test_nothing_is_taken_after_the_study_and_late_steps_stay_late():
    found = content()
    step = found.guide("coordinator").step("c1")
    after = dt.datetime(2027, 10, 1, 9, 0)
    assert not round.takes_marks(found, step, after)
    assert not round.takes_files(found, step, after)
    assert round.overdue(found, step, after)
    assert not round.overdue(found, step, dt.datetime(2026, 11, 19))


def test_a_day_without_a_time_ends_at_23_59():
    step = Step("x", "X", dt.date(2027, 3, 26), ("w",))
    assert step.due == dt.datetime(2027, 3, 26, 23, 59, 59, 999999)
    assert step.files_close == step.due


@pytest.mark.parametrize(
    "study, message",
    [
        (
            "  timezone: Mars/Olympus",
            "niko.yaml:5: timezone: неизвестный часовой пояс «Mars/Olympus»",
        ),
        (
            "  opens: 2027-10-01\n  ends: 2027-10-01",
            "niko.yaml:6: ends: исследование должно заканчиваться позже",
        ),
    ],
)
def test_study_mistakes_are_reported_with_their_line(study, message):
    with pytest.raises(Invalid) as caught:
        content(study)
    assert any(str(p).startswith(message) for p in caught.value.problems)


def test_a_deadline_time_is_shown_with_the_zone(app):
    with app.app_context():
        assert clock.deadline_text(dt.date(2027, 3, 26), dt.time(18, 0)) == "26.03.2027 18:00 (МСК)"
        assert clock.deadline_text(dt.date(2027, 3, 26), None) == "26.03.2027"


def test_another_zone_is_shown_by_its_utc_offset(app):
    app.extensions["fisoko.content"] = content("  timezone: Asia/Yekaterinburg")
    with app.app_context():
        assert clock.zone_label(dt.datetime(2027, 3, 26, 18, 0)) == "UTC+5"


def test_a_rehearsal_moment_with_a_time_is_read_in_the_study_zone(app_config, monkeypatch):
    monkeypatch.setenv("FISOKO_TODAY", "2027-03-26T17:58")
    app = create_app(app_config)
    with app.app_context():
        moment = clock.now()
        assert moment.utcoffset() == dt.timedelta(hours=3)
        assert moment.replace(tzinfo=None) - dt.datetime(2027, 3, 26, 17, 58) < dt.timedelta(
            minutes=1
        )
        assert clock.now_utc().startswith("2027-03-26T14:5")


def test_a_rehearsal_date_starts_at_nine(app):
    app.config["TODAY"] = dt.date(2027, 3, 17)
    with app.app_context():
        assert clock.local_text(clock.now_utc()).startswith("17.03.2027 09:0")


def test_a_rehearsal_leaves_no_trace_in_the_real_database(app, login_as, auth):
    real = database_path(app)
    app.config["TODAY"] = dt.date(2027, 3, 17)
    school = login_as("edu770001")
    token = school.get("/cabinet/niko").get_data(as_text=True).split('name="csrf_token" value="')[1]
    token = token.split('"')[0]
    assert (
        school.post(
            "/cabinet/niko/steps/run-study", data={"done": "1", "csrf_token": token}
        ).status_code
        == 302
    )
    rehearsal = database_path(app)
    assert rehearsal != real and "rehearsal" in rehearsal
    with sqlite3.connect(rehearsal) as conn:
        assert conn.execute("SELECT COUNT(*) FROM step_marks").fetchone()[0] == 1
    with sqlite3.connect(real) as conn:
        assert conn.execute("SELECT COUNT(*) FROM step_marks").fetchone()[0] == 0
    app.config["TODAY"] = None
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "Снять отметку: Проведите исследование" not in page


def test_the_shipped_round_keeps_a_step_of_each_role_open_on_every_day():
    """Whatever day of the demo round a rehearsal picks, each role can mark a step and upload."""
    from fisoko.settings import BASE_DIR

    shipped = parse_content((BASE_DIR / "content" / "niko.yaml").read_bytes(), "niko.yaml")
    assert (shipped.opens, shipped.ends) == (dt.date(2026, 11, 20), dt.date(2027, 10, 1))
    day = shipped.opens
    while day < shipped.ends:
        for at in (dt.time(0, 0), dt.time(18, 1), dt.time(23, 59)):
            wall = dt.datetime.combine(day, at)
            for role in ("school", "coordinator"):
                steps = shipped.guide(role).steps
                assert any(round.takes_files(shipped, s, wall) for s in steps), (role, wall)
        day += dt.timedelta(days=1)
    before = dt.datetime.combine(shipped.opens, dt.time()) - dt.timedelta(minutes=1)
    after = dt.datetime.combine(shipped.ends, dt.time())
    for role in ("school", "coordinator"):
        for wall in (before, after):
            assert not any(round.takes_marks(shipped, s, wall) for s in shipped.guide(role).steps)
