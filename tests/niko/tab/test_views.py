"""The НИКО tab through the round: before study.opens, a step's opens and closing, study.ends.

The demo content opens the study on 20.11.2026 and ends it on 01.10.2027; step 5 of a school takes
files to 26.03.2027 18:00; step 6 of each role opens on 16.03.2027.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from tests.helpers import csrf_token

BEFORE_MESSAGE = "Исследование ещё не началось: оно откроется 20.11.2026."
OVER_MESSAGE = "Исследование завершено 01.10.2027"


def on(app, moment) -> None:
    app.config["TODAY"] = moment


def tab(client) -> str:
    return client.get("/cabinet/niko").get_data(as_text=True)


def send(client, step: str):
    return client.post(
        "/cabinet/niko/uploads",
        data={
            "csrf_token": csrf_token(client, "/cabinet"),
            "step": step,
            "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf"),
        },
    )


def mark(client, step: str, done: str = "1"):
    token = csrf_token(client, "/cabinet")
    return client.post(f"/cabinet/niko/steps/{step}", data={"csrf_token": token, "done": done})


def text(response) -> str:
    return response.get_data(as_text=True)


def steps_marked(page: str) -> list[str]:
    return re.findall(r'action="/cabinet/niko/steps/([\w-]+)"', page)


SCHOOL_STEP, COORDINATOR_STEP = "school-questionnaire", "confirm-sample"


@pytest.mark.parametrize(
    "day, before",
    [(dt.date(2026, 11, 19), True), (dt.date(2026, 11, 20), False), (dt.date(2026, 11, 21), False)],
)
def test_a_school_before_the_study_opens(app, login_as, day, before):
    on(app, day)
    school = login_as("edu770001")
    page = tab(school)
    assert ("Исследование начнётся 20.11.2026" in page) is before
    assert ("Что подготовить заранее" in page) is before
    assert ("в выборке" in page) is not before
    home = school.get("/cabinet").get_data(as_text=True)
    assert ("в выборке" in home) is not before
    assert ('action="/cabinet/niko/uploads' in page) is not before
    assert bool(steps_marked(page)) is not before
    upload, marked = send(school, SCHOOL_STEP), mark(school, SCHOOL_STEP)
    issue = school.post(
        "/cabinet/niko/codes",
        data={"csrf_token": csrf_token(school, "/cabinet"), "class": "8А", "count": "3"},
    )
    if before:
        for response in (upload, marked, issue):
            assert response.status_code == 400
            assert BEFORE_MESSAGE in text(response)
        assert "Приём файлов начнётся 20.11.2026" in page
        assert "Выдать коды</button>" not in school.get("/cabinet/niko/codes").get_data(True)
    else:
        assert [r.status_code for r in (upload, marked, issue)] == [302, 302, 302]


@pytest.mark.parametrize(
    "day, before",
    [(dt.date(2026, 11, 19), True), (dt.date(2026, 11, 20), False), (dt.date(2026, 11, 21), False)],
)
def test_a_coordinator_before_the_study_opens(app, login_as, day, before):
    on(app, day)
    coordinator = login_as("niko__77")
    page = tab(coordinator)
    assert ("Исследование начнётся 20.11.2026" in page) is before
    assert ("Подтвердить выборку региона</button>" in page) is not before
    assert ("можно будет с 20.11.2026" in page) is before
    assert "Срок подтверждения выборки прошёл" not in page
    home = coordinator.get("/cabinet").get_data(as_text=True)
    assert ("Исследование начнётся 20.11.2026" in home) is before
    assert ("Выборка региона 77 не подтверждена" in home) is not before
    token = csrf_token(coordinator, "/cabinet")
    replaced = coordinator.post(
        "/cabinet/niko/sample/edu770001",
        data={"csrf_token": token, "status": "replace", "reason": "Закрыта"},
    )
    confirmed = coordinator.post("/cabinet/niko/sample/confirm", data={"csrf_token": token})
    marked = mark(coordinator, "appoint-organizers")
    uploaded = send(coordinator, "region-report")
    if before:
        for response in (confirmed, replaced, marked, uploaded):
            assert response.status_code == 400
            assert BEFORE_MESSAGE in text(response)
    else:
        assert [r.status_code for r in (confirmed, replaced, marked, uploaded)] == [302] * 4


@pytest.mark.parametrize(
    "day, opened",
    [(dt.date(2027, 3, 15), False), (dt.date(2027, 3, 16), True), (dt.date(2027, 3, 17), True)],
)
@pytest.mark.parametrize(
    "login, step", [("edu770001", "send-remarks"), ("niko__77", "region-remarks")]
)
def test_a_step_before_its_opens_day_takes_nothing(app, login_as, day, opened, login, step):
    on(app, day)
    client = login_as(login)
    page = tab(client)
    assert (step in steps_marked(page)) is opened
    assert (f'<option value="{step}"' in page) is opened
    assert ("начнётся 16.03.2027" in page) is not opened
    marked, uploaded = mark(client, step), send(client, step)
    if opened:
        assert (marked.status_code, uploaded.status_code) == (302, 302)
    else:
        assert (marked.status_code, uploaded.status_code) == (400, 400)
        assert "откроется 16.03.2027" in text(marked)
        assert "начнётся 16.03.2027" in text(uploaded)


@pytest.mark.parametrize(
    "moment, taken",
    [
        (dt.datetime(2027, 3, 26, 17, 59), True),
        (dt.datetime(2027, 3, 26, 18, 0), True),  # the deadline's minute is included
        (dt.datetime(2027, 3, 26, 18, 1), False),
        (dt.date(2027, 3, 27), False),
    ],
)
def test_step_5_closes_at_its_minute_and_the_form_says_so(app, login_as, moment, taken):
    on(app, moment)
    school = login_as("edu770001")
    page = tab(school)
    closed = "Приём файлов по шагу 5 закончился 26.03.2027 18:00 (МСК)"
    assert (closed in page) is not taken
    assert ('<option value="upload-form"' in page) is taken
    response = send(school, "upload-form")
    assert response.status_code == (302 if taken else 400)
    if not taken:
        assert "файлы принимались до 26.03.2027 18:00 (МСК)" in text(response)
        # Step 6 still takes files, so the form stays.
        assert '<option value="send-remarks"' in page


def test_a_handed_in_file_cannot_be_deleted_once_its_step_closed(app, login_as):
    on(app, dt.datetime(2027, 3, 26, 17, 0))
    school = login_as("edu770001")
    assert send(school, "upload-form").status_code == 302
    (upload_id,) = set(re.findall(r'/cabinet/niko/uploads/([0-9a-f]{32})"', tab(school)))
    on(app, dt.date(2027, 3, 27))
    assert f"/cabinet/niko/uploads/{upload_id}/delete" not in tab(school)
    token = csrf_token(school, "/cabinet")
    response = school.post(f"/cabinet/niko/uploads/{upload_id}/delete", data={"csrf_token": token})
    assert response.status_code == 400 and "нельзя удалить" in text(response)
    assert upload_id in tab(school)


@pytest.mark.parametrize(
    "day, over",
    [(dt.date(2027, 9, 30), False), (dt.date(2027, 10, 1), True), (dt.date(2027, 10, 2), True)],
)
@pytest.mark.parametrize(
    "login, step", [("edu770001", "send-remarks"), ("niko__77", "region-remarks")]
)
def test_from_study_ends_the_tab_says_it_is_over_and_takes_nothing(
    app, login_as, day, over, login, step
):
    on(app, day)
    client = login_as(login)
    page = tab(client)
    assert ("Исследование завершено" in page) is over
    assert ('action="/cabinet/niko/uploads' in page) is not over
    assert bool(steps_marked(page)) is not over
    # Late steps: an alarm during the study, history after it.
    assert ("Срок прошёл, шаг не выполнен" in page) is not over
    assert ("exchange-row--overdue" in page) is not over
    assert ("Не выполнен в срок" in page) is over
    marked, uploaded = mark(client, step), send(client, step)
    if over:
        for response in (marked, uploaded):
            assert response.status_code == 400
            assert OVER_MESSAGE in text(response)
    else:
        assert (marked.status_code, uploaded.status_code) == (302, 302)


@pytest.mark.parametrize("day, over", [(dt.date(2027, 9, 30), False), (dt.date(2027, 10, 1), True)])
def test_after_the_study_an_unconfirmed_sample_is_not_still_awaited(app, login_as, day, over):
    on(app, day)
    school = login_as("edu770001")
    for page in (tab(school), school.get("/cabinet").get_data(as_text=True)):
        assert ("ещё не подтвердил выборку" in page) is not over
        assert ("ваша школа была в выборке НИКО" in page) is over


def test_after_the_study_the_school_cannot_issue_codes(app, login_as):
    on(app, dt.date(2027, 10, 1))
    school = login_as("edu770001")
    page = school.get("/cabinet/niko/codes").get_data(as_text=True)
    assert OVER_MESSAGE in page and "Выдать коды</button>" not in page
    response = school.post(
        "/cabinet/niko/codes",
        data={"csrf_token": csrf_token(school, "/cabinet"), "class": "8А", "count": "3"},
    )
    assert response.status_code == 400 and OVER_MESSAGE in text(response)


def test_deadlines_with_a_time_show_it_with_the_zone(app, login_as):
    on(app, dt.date(2027, 3, 20))
    page = tab(login_as("edu770001"))
    assert "Срок: до 26.03.2027 18:00 (МСК)" in page
    assert "до 26.03.2027 18:00 (МСК)</td>" in page
    assert "Срок: до 12.02.2027" in page


def test_in_another_zone_deadlines_show_its_utc_offset(app, login_as):
    from dataclasses import replace

    content = app.extensions["fisoko.content"]
    app.extensions["fisoko.content"] = replace(content, timezone="Asia/Yekaterinburg")
    on(app, dt.date(2027, 3, 20))
    page = tab(login_as("edu770001"))
    assert "Срок: до 26.03.2027 18:00 (UTC+5)" in page
    assert "до 26.03.2027 18:00 (UTC+5)</td>" in page
    assert "18:00 (МСК)</td>" not in page  # (the publication's own text still says МСК)
