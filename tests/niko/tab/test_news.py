"""Publications on «Главная» and the НИКО tab: by date, role and region, and the «новое» mark."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from app import create_app
from fisoko.settings import BASE_DIR
from tests.helpers import AuthActions

SHIPPED = BASE_DIR / "content" / "niko.yaml"
PUBLICATIONS = """
publications:
  - date: 2027-03-10
    title: Всем участникам
    text: |
      Шаблон: [электронная форма](forma-sbora-rezultatov.csv).
  - date: 2027-03-12
    title: Только школам
    roles: [school]
    text: Для школ.
  - date: 2027-03-12
    title: Координаторам Петербурга
    roles: [coordinator]
    regions: ['78']
    text: Для координатора региона 78.
  - date: 2027-03-14
    title: Школам Москвы <b>важно</b>
    roles: [school]
    regions: ['77']
    text: Для школ региона 77.
  - date: 2027-03-16
    title: День проведения
    text: Сегодня пишут работу.
"""
NEW = '<span class="badge-new">новое</span>'
TITLE_RE = re.compile(
    r'class="publication__title">(?:<span class="badge-new">новое</span> )?([^<]+)'
)
LATER = dt.date(2027, 3, 20)


@pytest.fixture
def app_config(app_config, tmp_path: Path):
    text = SHIPPED.read_text(encoding="utf-8")
    content = tmp_path / "niko.yaml"
    content.write_text(text[: text.index("\npublications:")] + PUBLICATIONS, encoding="utf-8")
    return {**app_config, "CONTENT": str(content), "TODAY": LATER}


def titles(page: str) -> list[str]:
    return [t.strip() for t in TITLE_RE.findall(page)]


def niko(client) -> str:
    return client.get("/cabinet/niko").get_data(as_text=True)


@pytest.mark.parametrize(
    "login, expected",
    [
        (
            "edu770001",
            [
                "День проведения",
                "Школам Москвы &lt;b&gt;важно&lt;/b&gt;",
                "Только школам",
                "Всем участникам",
            ],
        ),
        ("edu780001", ["День проведения", "Только школам", "Всем участникам"]),
        ("niko__77", ["День проведения", "Всем участникам"]),
        ("niko__78", ["День проведения", "Координаторам Петербурга", "Всем участникам"]),
    ],
)
def test_each_account_sees_its_roles_and_regions_newest_first(login_as, login, expected):
    assert titles(niko(login_as(login))) == expected


@pytest.mark.parametrize(
    "today, shown",
    [(dt.date(2027, 3, 9), False), (dt.date(2027, 3, 10), True), (dt.date(2027, 3, 11), True)],
    ids=["day-before", "day-of", "day-after"],
)
@pytest.mark.parametrize("url", ["/cabinet", "/cabinet/niko"])
def test_a_publication_appears_on_its_date(app, login_as, today, shown, url):
    app.config["TODAY"] = today
    page = login_as("niko__77").get(url).get_data(as_text=True)
    assert ("Всем участникам" in page) is shown


def test_the_home_page_shows_the_latest_three_and_links_to_all(login_as):
    page = login_as("edu770001").get("/cabinet").get_data(as_text=True)
    assert titles(page) == [
        "День проведения",
        "Школам Москвы &lt;b&gt;важно&lt;/b&gt;",
        "Только школам",
    ]
    assert "Все публикации (4)" in page and 'href="/cabinet/niko#publications"' in page
    assert "(новых: 4)" in page


def test_new_marks_last_until_the_list_is_opened_across_sessions(app, app_config, login_as):
    first = login_as("edu770001")
    assert first.get("/cabinet").get_data(as_text=True).count(NEW) == 3
    assert first.get("/cabinet").get_data(as_text=True).count(NEW) == 3  # «Главная» keeps them
    opened = niko(first)
    assert opened.count(NEW) == 4 and "Новые публикации: 4" in opened
    assert niko(first).count(NEW) == 0
    AuthActions(first).logout()

    second = login_as("edu770001")  # a new session of the same account
    assert second.get("/cabinet").get_data(as_text=True).count(NEW) == 0
    page = niko(second)
    assert page.count(NEW) == 0 and "Новых публикаций нет." in page
    assert "Все публикации (4)" in page  # still listed, folded
    assert niko(login_as("edu770002")).count(NEW) == 4  # another school of the region

    app.config["TODAY"] = dt.date(2027, 3, 21)
    restarted = create_app(app_config)  # the marks are in the database, not in the process
    client = restarted.test_client()
    assert AuthActions(client).login("edu770001").status_code == 302
    assert niko(client).count(NEW) == 0


def test_a_later_publication_is_new_while_earlier_ones_stay_seen(app, login_as):
    app.config["TODAY"] = dt.date(2027, 3, 15)
    client = login_as("edu780001")
    assert niko(client).count(NEW) == 2
    app.config["TODAY"] = dt.date(2027, 3, 16)
    page = niko(client)
    assert page.count(NEW) == 1
    assert titles(page)[0] == "День проведения"


@pytest.mark.parametrize(
    "today, linked", [(dt.date(2027, 3, 15), False), (dt.date(2027, 3, 16), True)]
)
def test_links_go_only_to_materials_open_today(app, login_as, today, linked):
    app.config["TODAY"] = today
    page = niko(login_as("edu770001"))
    link = '<a href="/cabinet/niko/materials/forma-sbora-rezultatov.csv">электронная форма</a>'
    assert (link in page) is linked
    assert ('электронная форма <span class="hint">(файл сейчас недоступен)</span>' in page) is (
        not linked
    )


def test_no_publications_yet(app, login_as):
    app.config["TODAY"] = dt.date(2027, 1, 1)
    client = login_as("edu770001")
    assert "Публикаций для вас пока нет" in client.get("/cabinet").get_data(as_text=True)
    assert "Публикаций для вас пока нет" in niko(client)
