"""Help: the public «Не удаётся войти?» page, the «Поддержка» tab, and its checked content file."""

from __future__ import annotations

import re
import textwrap

import pytest

from fisoko.files import disk_full
from fisoko.files.yaml_source import Invalid
from fisoko.niko.content.model import load_content
from fisoko.niko.content.support import load_support, parse_support
from fisoko.niko.exchange import upload_store, upload_views, uploads
from fisoko.niko.exchange.results_form import FormRefused
from fisoko.refused import Refused
from fisoko.settings import BASE_DIR
from tests.helpers import run_app

SHIPPED = BASE_DIR / "content" / "support.yaml"
TABS_RE = re.compile(r'<a class="tabs__tab[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>')


@pytest.mark.parametrize("login", [None, "edu770001", "niko__77"])
def test_help_is_public(login_as, client, login):
    response = (login_as(login) if login else client).get("/help")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 id="help-title">Не удаётся войти?</h1>' in page
    assert 'href="mailto:helpfisoko@fioco.ru"' in page
    for fact in ("edu770001", "niko__77", "Caps Lock", "раскладк", "Яндекс.Браузер", "cookie"):
        assert fact in page, fact
    assert "региональному координатору" in page and "федеральному организатору" in page


def test_the_login_form_links_to_help(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<a href="/help">Не удаётся войти?</a>' in page


def test_the_support_tab_needs_a_login(client):
    response = client.get("/cabinet/support")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fcabinet%2Fsupport"


@pytest.mark.parametrize("url", ["/cabinet", "/cabinet/niko", "/cabinet/support"])
def test_the_support_tab_sits_beside_home_and_niko(login_as, url):
    page = login_as("edu770001").get(url).get_data(as_text=True)
    assert TABS_RE.findall(page) == [
        ("/cabinet", "Главная"),
        ("/cabinet/niko", "НИКО"),
        ("/cabinet/support", "Поддержка"),
    ]
    assert page.count('aria-current="page"') == 1


@pytest.mark.parametrize(
    "login, own, other",
    [
        ("edu770001", "Загрузить заполненную форму", "Выгрузить таблицу в Excel"),
        ("niko__78", "Выгрузить таблицу в Excel", "Отметить выполненный шаг"),
    ],
)
def test_the_support_tab_explains_the_roles_tasks(login_as, login, own, other):
    response = login_as(login).get("/cabinet/support")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert re.search(r'href="/cabinet/support" aria-current="page">Поддержка<', page)
    assert own in page and other not in page
    assert "Что означают ошибки загрузки" in page and "Как выглядит логин" in page
    for error in load_support(SHIPPED).upload_errors:
        assert error.message in page


def _explained(message: str) -> bool:
    errors = load_support(SHIPPED).upload_errors
    return any(message.startswith(e.message.split("…")[0].strip()) for e in errors)


def test_every_upload_error_the_app_gives_is_explained():
    step = load_content(BASE_DIR / "content" / "niko.yaml").guide("school").step("upload-form")
    messages = [uploads.closed_message(step), upload_store.too_large_message(20 * 1024 * 1024)]
    for name in ("a.exe", "", "a\x01.pdf", "x" * 1001 + ".pdf"):
        with pytest.raises(Refused) as refused:
            upload_store.clean_name(name)
        messages.append(refused.value.message)
    messages += [
        "Выберите шаг, к которому относится файл, из списка.",
        "Файл пустой. Выберите заполненный файл.",
        disk_full.MESSAGE,
    ]
    messages.append(upload_views._form_refused(FormRefused([]), "").refusal.message)
    assert [m for m in messages if not _explained(m)] == []


def test_the_text_comes_from_the_content_file(app_config, tmp_path):
    from app import create_app

    text = SHIPPED.read_text(encoding="utf-8").replace(
        "address: helpfisoko@fioco.ru", "address: help@school.example"
    )
    text = text.replace("title: Какие браузеры подходят", "title: Браузеры нашей школы")
    path = tmp_path / "support.yaml"
    path.write_text(text, encoding="utf-8")
    page = create_app({**app_config, "SUPPORT": str(path)}).test_client().get("/help")
    body = page.get_data(as_text=True)
    assert "Браузеры нашей школы" in body and 'href="mailto:help@school.example"' in body


def problems_of(text: str) -> list[str]:
    with pytest.raises(Invalid) as caught:
        parse_support(textwrap.dedent(text).encode(), "support.yaml")
    return [str(p) for p in caught.value.problems]


def test_support_mistakes_are_reported_with_lines():
    assert problems_of(
        """\
        address: not an address
        login_help:
          - title: Логин
            text: ""
          - title: Пароль
        roles:
          school:
            - title: Шаг
              text: т
              extra: 1
        upload_errors: []
        """
    ) == [
        "support.yaml:1: address: «not an address» — не адрес почты",
        "support.yaml:4: text: не может быть пустым",
        "support.yaml:5: login_help: нет обязательного ключа «text»",
        "support.yaml:7: roles: нет обязательного ключа «coordinator»",
        "support.yaml:10: roles.school: неизвестный ключ «extra»: допустимы title, text",
        "support.yaml:11: upload_errors: нужен список, каждый пункт с новой строки и с «- »",
    ]
    assert problems_of("login_help: []\n") == [
        "support.yaml:1: support: нет обязательного ключа «address»",
        "support.yaml:1: support: нет обязательного ключа «roles»",
        "support.yaml:1: support: нет обязательного ключа «upload_errors»",
    ]


def test_the_app_does_not_start_with_a_broken_support_file(tmp_path, accounts_file):
    broken = tmp_path / "support.yaml"
    broken.write_text(SHIPPED.read_text(encoding="utf-8").replace("  - title: Куда", "  - titl: К"))
    env = {"FISOKO_INSTANCE": str(tmp_path / "i"), "FISOKO_SUPPORT": str(broken)}
    result = run_app("--accounts", str(accounts_file), env=env)
    assert result.returncode == 1
    assert re.search(
        rf"{re.escape(str(broken))}:\d+: login_help: неизвестный ключ «titl»", result.stderr
    )
    assert "Traceback" not in result.stderr
