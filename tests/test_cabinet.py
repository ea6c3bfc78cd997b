"""The cabinet pages for each role, and what anonymous visitors get."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app import create_app
from tests.helpers import AuthActions, accounts_yaml, csrf_token


def test_root_redirects_by_login_state(client, auth):
    response = client.get("/")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    auth.login()
    response = client.get("/")
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet")


@pytest.mark.parametrize(
    "url, location",
    [("/cabinet", "/login?next=%2Fcabinet"), ("/cabinet/niko", "/login?next=%2Fcabinet%2Fniko")],
)
def test_cabinet_pages_need_a_login(client, url, location):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == location


@pytest.mark.parametrize(
    "login, name, role",
    [
        ("niko__77", "Координатор НИКО, Москва", "Региональный координатор НИКО"),
        ("edu780001", "ГБОУ «Школа № 101»", "Ответственный организатор ОО"),
    ],
)
def test_cabinet_shows_the_account(auth, client, login, name, role):
    auth.login(login)
    response = client.get("/cabinet")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert name.replace("«", "&#171;") in page or name in page
    assert login in page
    assert role in page
    assert f"Регион: {login[-2:] if login.startswith('niko') else login[3:5]}" in page
    assert 'href="/cabinet/niko"' in page and ">НИКО<" in page
    assert ">Главная<" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_niko_tab_for_a_school(auth, client, app):
    auth.login("edu770001")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    guide = app.extensions["fisoko.content"].guide("school")
    assert "Национальные исследования качества образования" in page
    for header in ("№", "Мероприятие", "Срок", "Ответственные"):
        assert f">{header}</th>" in page
    for step in guide.steps:
        assert step.title in page
        assert step.deadline.strftime("%d.%m.%Y") in page
    assert "Школы региона" not in page
    assert "Подтвердите выборку" not in page


def test_niko_tab_for_a_coordinator_lists_only_its_region(auth, client, app):
    auth.login("niko__77")
    response = client.get("/cabinet/niko")
    page = response.get_data(as_text=True)
    guide = app.extensions["fisoko.content"].guide("coordinator")
    for step in guide.steps:
        assert step.title in page
    assert "Ход работы школ региона 77" in page
    assert "edu770001" in page and "edu770002" in page
    assert "edu780001" not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_dates_are_shown_as_dd_mm_yyyy(auth, client):
    auth.login("edu770001")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert "16.03.2027" in page
    assert "2027-03-16" not in page


def test_names_from_the_file_are_escaped(app, auth, client, tmp_path):
    from fisoko.accounts.store import AccountStore
    from tests.helpers import make_hash

    path = tmp_path / "x.yaml"
    path.write_text(
        'accounts:\n  edu770001:\n    name: "<script>alert(1)</script>"\n'
        f"    password_hash: {make_hash('Shkola-0001')}\n",
        encoding="utf-8",
    )
    app.extensions["fisoko.accounts"] = AccountStore.open(path)
    auth.login("edu770001")
    page = client.get("/cabinet").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unknown_page_is_a_russian_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert "Страница не найдена" in response.get_data(as_text=True)


def positions(page: str, *markers: str) -> list[int]:
    found = [page.find(marker) for marker in markers]
    assert -1 not in found, [m for m, at in zip(markers, found, strict=True) if at == -1]
    return found


def test_a_schools_niko_tab_leads_with_what_to_do_now(app, login_as):
    app.config["TODAY"] = dt.date(2027, 3, 16)
    page = login_as("edu770001").get("/cabinet/niko").get_data(as_text=True)
    order = positions(
        page,
        "Что сделать сейчас",
        'action="/cabinet/niko/uploads#upload-error"',  # before the news (phone)
        "Публикации федерального организатора",
        "Отметки о выполнении шагов",
        "<summary>Все шаги с описанием и сроками</summary>",
        '<h3 id="schedule">График проведения</h3>',
    )
    assert order == sorted(order)
    assert "<summary>Об исследовании и полный график проведения</summary>" in page


def test_a_coordinators_niko_tab_leads_with_the_region(app, login_as):
    app.config["TODAY"] = dt.date(2027, 3, 16)
    page = login_as("niko__77").get("/cabinet/niko").get_data(as_text=True)
    order = positions(
        page,
        "Что сделать сейчас",
        "Ход работы школ региона 77",
        'id="region-table"',
        "Регион одним взглядом",  # the bars follow the table
        'action="/cabinet/niko/uploads#upload-error"',
        "Публикации федерального организатора",
        '<h3 id="schedule">График проведения</h3>',
    )
    assert order == sorted(order)
    assert "Действующих учётных записей школ региона 77: 2" in page  # edu770009 is disabled


@pytest.mark.parametrize(
    "today, next_title, late",
    [
        (dt.date(2027, 3, 4), "2. Подготовьте списки участников", False),
        (dt.date(2027, 3, 5), "2. Подготовьте списки участников", False),
        (dt.date(2027, 3, 6), "3. Получите и распечатайте материалы", True),
    ],
    ids=["day-before", "day-of", "day-after"],
)
def test_the_next_step_and_late_steps_follow_the_deadline(app, login_as, today, next_title, late):
    app.config["TODAY"] = today
    client = login_as("edu780001")
    token = csrf_token(client, "/cabinet")
    client.post("/cabinet/niko/steps/school-questionnaire", data={"done": "1", "csrf_token": token})
    page = client.get("/cabinet/niko").get_data(as_text=True)
    now = page[page.index("Что сделать сейчас") : page.index('id="publications"')]
    assert f"<strong>{next_title}</strong>" in now
    assert ('href="#progress-class-lists">Подготовьте списки участников</a>' in now) is late
    assert "Заполните анкету" not in now


def test_home_shows_the_next_step_with_days_left(app, login_as):
    app.config["TODAY"] = dt.date(2027, 3, 14)
    page = login_as("edu770001").get("/cabinet").get_data(as_text=True)
    assert "Получите и распечатайте материалы</strong> — срок до 15.03.2027" in page
    assert "остался 1 день: срок завтра" in page


def test_home_shows_a_coordinators_next_step(app, login_as):
    app.config["TODAY"] = dt.date(2026, 12, 12)
    page = login_as("niko__77").get("/cabinet").get_data(as_text=True)
    assert "Убедитесь, что в каждой школе назначен ответственный организатор</strong>" in page
    assert "осталось 6 дней" in page


def test_home_names_a_coordinator_once_and_ends_with_nothing_dangling(tmp_path, app_config):
    """A name that begins with the role («Региональный координатор НИКО, г. Москва») once."""
    accounts = tmp_path / "named.yaml"
    accounts.write_text(
        accounts_yaml().replace(
            "name: Координатор НИКО, Москва", "name: Региональный координатор НИКО, г. Москва"
        ),
        encoding="utf-8",
    )
    app = create_app({**app_config, "ACCOUNTS": str(accounts)})
    coordinator, school = app.test_client(), app.test_client()
    AuthActions(coordinator).login("niko__77")
    AuthActions(school).login("edu770001")
    page = coordinator.get("/cabinet").get_data(as_text=True)
    who = re.search(r"<p>Вы вошли как (.*?)</p>", page, re.S).group(1)
    assert who.startswith("<strong>Региональный координатор НИКО, г. Москва</strong>")
    assert who.count("Региональный координатор НИКО") == 1
    mine = school.get("/cabinet").get_data(as_text=True)
    assert "Вы вошли как <strong>Ответственный организатор ОО</strong> — ГБОУ «Школа № 1»" in mine
    for text in (page, mine):
        assert "Выполните шаги ниже" not in text
