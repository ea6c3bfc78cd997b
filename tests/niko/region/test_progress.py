"""One truth for a step's being done: marks, the work the app sees, and everything that reads it."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from fisoko.niko.region.overview import overview
from tests.helpers import csrf_token

DAY = dt.date(2027, 3, 20)  # step 5 open (to 26.03 18:00), steps 1-4 past their deadlines


@pytest.fixture
def app_config(app_config):
    return {**app_config, "TODAY": DAY}


def send(client, step: str, name: str = "форма.pdf") -> None:
    response = client.post(
        "/cabinet/niko/uploads",
        data={
            "csrf_token": csrf_token(client, "/cabinet"),
            "step": step,
            "file": (io.BytesIO(b"%PDF-1.4 scan"), name),  # stored unchecked (not CSV/XLSX)
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def mark(client, step: str, done: str = "1"):
    token = csrf_token(client, "/cabinet")
    return client.post(f"/cabinet/niko/steps/{step}", data={"csrf_token": token, "done": done})


def row_of(page: str, step: str) -> str:
    return re.search(rf'<tr class="[^"]*" id="progress-{step}">.*?</tr>', page, re.S).group(0)


def tab(client) -> str:
    return client.get("/cabinet/niko").get_data(as_text=True)


def now_block(page: str) -> str:
    start = page.index("Что сделать сейчас")
    return page[start : page.index("</section>", start)]


def upload_ids(page: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'/cabinet/niko/uploads/([0-9a-f]{32})"', page)))


def test_a_schools_upload_does_its_step_and_shows_the_file(login_as):
    school = login_as("edu770001")
    assert "Загрузите заполненную форму" in now_block(tab(school))
    send(school, "upload-form", "форма 8А.pdf")
    page = tab(school)
    row = row_of(page, "upload-form")
    assert 'class="exchange-row--done"' in row
    assert "загружен файл «форма 8А.pdf» 20.03.2027 09:0" in row
    assert 'action="/cabinet/niko/steps/upload-form"' not in row  # nothing to click
    assert "Загрузите заполненную форму" not in now_block(page)


def test_a_returned_upload_undoes_the_step_until_a_new_one_is_in(login_as):
    school, coordinator = login_as("edu770001"), login_as("niko__77")
    send(school, "upload-form", "первая.pdf")
    (first,) = upload_ids(tab(school))
    token = csrf_token(coordinator, "/cabinet")
    coordinator.post(
        f"/cabinet/niko/uploads/{first}/review",
        data={"csrf_token": token, "status": "returned", "comment": "Нет класса"},
    )
    row = row_of(tab(school), "upload-form")
    assert "Выполнен</span>" not in row and "Отметить выполненным" in row
    send(school, "upload-form", "вторая.pdf")
    assert "загружен файл «вторая.pdf»" in row_of(tab(school), "upload-form")


def test_the_region_table_counts_an_uploaded_form_as_done_not_late(app, login_as):
    school = login_as("edu770001")
    for step in ("school-questionnaire", "class-lists", "get-materials", "run-study"):
        mark(school, step)
    send(school, "upload-form")
    app.config["TODAY"] = dt.date(2027, 3, 27)
    with app.app_context():
        rows = {row.account.login: row for row in overview("77").rows}
    assert "upload-form" in rows["edu770001"].done
    assert "upload-form" not in rows["edu770001"].overdue
    assert "upload-form" in rows["edu770002"].overdue
    page = tab(login_as("niko__77"))
    assert (
        "Действующих учётных записей школ региона 77: 2; с просроченными шагами: <strong>1</strong>"
        in page
    )


def test_a_coordinator_marks_and_unmarks_its_own_step(login_as):
    coordinator = login_as("niko__77")
    page = tab(coordinator)
    row = row_of(page, "prepare-study")
    assert 'action="/cabinet/niko/steps/prepare-study"' in row
    assert '<input type="hidden" name="done" value="1">' in row
    assert "Срок прошёл, шаг не выполнен" in row
    response = mark(coordinator, "prepare-study")
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko")
    page = tab(coordinator)
    assert "отмечен 20.03.2027 09:0" in row_of(page, "prepare-study")
    assert "Подготовьте проведение в регионе" not in now_block(page)
    assert mark(coordinator, "prepare-study", "0").status_code == 302
    assert "Срок прошёл, шаг не выполнен" in row_of(tab(coordinator), "prepare-study")


def test_every_markable_step_has_its_own_form(login_as):
    for login in ("edu770001", "niko__77"):
        page = tab(login_as(login))
        section = page[page.index('id="progress"') :]
        section = section[: section.index("</section>")]
        forms = re.findall(r'<form method="post" action="/cabinet/niko/steps/([\w-]+)"', section)
        assert len(forms) == len(set(forms)) >= 4
        assert section.count('name="done"') == len(forms)
        assert section.count('name="csrf_token"') == len(forms)


@pytest.mark.parametrize("login, step", [("edu770001", "prepare-study"), ("niko__77", "run-study")])
def test_marking_another_roles_step_is_404_and_changes_nothing(login_as, login, step):
    client = login_as(login)
    assert mark(client, step).status_code == 404
    assert "отмечен 20.03" not in tab(client)


def test_confirming_the_sample_does_the_sample_step(app, login_as):
    app.config["TODAY"] = dt.date(2026, 12, 5)
    coordinator = login_as("niko__77")
    assert "Подтвердите выборку школ региона" in now_block(tab(coordinator))
    token = csrf_token(coordinator, "/cabinet")
    assert (
        coordinator.post("/cabinet/niko/sample/confirm", data={"csrf_token": token}).status_code
        == 302
    )
    page = tab(coordinator)
    row = row_of(page, "confirm-sample")
    assert "выборка региона подтверждена 05.12.2026 09:0" in row
    assert 'action="/cabinet/niko/steps/confirm-sample"' not in row
    now = now_block(page)
    assert "Подтвердите выборку школ региона" not in now
    assert "Убедитесь, что в каждой школе назначен" in now
    home = login_as("niko__77").get("/cabinet").get_data(as_text=True)
    assert "Убедитесь, что в каждой школе назначен" in home


def test_the_region_report_is_done_when_every_active_school_has_its_form_in(login_as):
    coordinator = login_as("niko__77")
    send(login_as("edu770001"), "upload-form")
    row = row_of(tab(coordinator), "region-report")
    assert "Выполнен</span>" not in row
    send(login_as("edu770002"), "upload-form")  # edu770009 is disabled: not waited for
    row = row_of(tab(coordinator), "region-report")
    assert "формы загрузили все школы региона (2)" in row
    assert 'action="/cabinet/niko/steps/region-report"' not in row


def test_a_mark_alone_does_not_count_as_a_form_in(login_as):
    for login in ("edu770001", "edu770002"):
        assert mark(login_as(login), "upload-form").status_code == 302
    assert "Выполнен</span>" not in row_of(tab(login_as("niko__77")), "region-report")
