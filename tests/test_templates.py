"""The pages' markup: titles, labels, and nothing inline that a strict CSP would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)
SCRIPT_RE = re.compile(r"<script[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
TITLE_RE = re.compile(r"<title>([^<]*)</title>")


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.relative_to(TEMPLATES).as_posix()
)
def test_templates_have_no_inline_script_or_style(path):
    found = INLINE.findall(path.read_text(encoding="utf-8"))
    assert found == [], f"{path.name}: move {found} to static/ (the CSP forbids inline code)"


def test_static_files_are_all_local():
    css = (TEMPLATES.parent / "static" / "css" / "style.css").read_text(encoding="utf-8")
    assert "@import" not in css and "http" not in css and "//" not in css.replace("/*", "")
    for script in (TEMPLATES.parent / "static").rglob("*.js"):
        code = script.read_text(encoding="utf-8")
        assert "http" not in code and "import" not in code and "fetch(" not in code, script.name


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.relative_to(TEMPLATES).as_posix()
)
def test_scripts_are_empty_tags_loading_our_static_files(path):
    text = path.read_text(encoding="utf-8")
    for tag in re.findall(r"<script[^>]*>", text, re.IGNORECASE):
        assert "src=\"{{ url_for('static', filename='js/" in tag, tag
    assert all(body.strip() == "" for body in SCRIPT_RE.findall(text))


@pytest.mark.parametrize(
    "login, url, title",
    [
        (None, "/login", "Вход — ФИС ОКО"),
        ("edu770001", "/cabinet", "Главная — ФИС ОКО"),
        ("edu770001", "/cabinet/niko", "НИКО — ФИС ОКО"),
        ("niko__77", "/cabinet/niko", "НИКО — ФИС ОКО"),
        (None, "/no-such-page", "Страница не найдена — ФИС ОКО"),
    ],
)
def test_pages_have_titles_and_no_inline_code(auth, client, login, url, title):
    if login:
        auth.login(login)
    page = client.get(url).get_data(as_text=True)
    assert TITLE_RE.search(page).group(1) == title
    assert '<html lang="ru">' in page
    assert INLINE.findall(page) == []
    assert 'href="/static/css/style.css"' in page and 'href="/static/favicon.svg"' in page


def test_login_error_is_announced_and_fields_are_labelled(auth):
    page = auth.login("edu770001", "wrong-password").get_data(as_text=True)
    assert re.search(r'<div class="alert alert--error" role="alert">\s*<p><strong>Неверный', page)
    for field in ("login", "password"):
        assert f'<label class="field__label" for="{field}">' in page
        assert f'id="{field}"' in page


def test_empty_field_error_is_tied_to_its_input(client):
    from tests.helpers import csrf_token

    token = csrf_token(client)
    page = client.post("/login", data={"csrf_token": token, "login": "edu770001"}).get_data(
        as_text=True
    )
    assert 'aria-describedby="password-error"' in page
    assert '<p class="field__error" id="password-error" role="alert">Введите пароль</p>' in page


def test_active_tab_is_marked(auth, client):
    auth.login("edu770001")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert re.search(
        r'class="tabs__tab tabs__tab--active" href="/cabinet/niko" aria-current="page"', page
    )
    assert page.count('aria-current="page"') == 1


def test_tables_number_rows_and_label_cells_for_phones(auth, client):
    auth.login("niko__77")
    page = client.get("/cabinet/niko").get_data(as_text=True)
    assert '<td class="table__num" data-label="№">1</td>' in page
    assert '<td class="table__date" data-label="Срок">20.11.2026</td>' in page


def _input(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\sname="{name}"[^>]*>', page)
    assert match, f"no input {name}"
    return match.group(0)


def test_login_fields_carry_labels_and_attributes(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<label class="field__label" for="login">Логин</label>' in page
    assert '<label class="field__label" for="password">Пароль</label>' in page
    login, password = _input(page, "login"), _input(page, "password")
    for attr in ('id="login"', 'type="text"', "required", "autofocus", 'autocomplete="username"'):
        assert attr in login
    for attr in ('id="password"', 'type="password"', "required", 'value=""'):
        assert attr in password
    assert "autofocus" not in password and "aria-invalid" not in login
    token = _input(page, "csrf_token")
    assert 'type="hidden"' in token and re.search(r'value="[^"]{20,}"', token)
    assert 'type="submit" value="Войти"' in page


def test_login_errors_are_tied_to_their_fields_and_the_login_is_kept(client):
    from tests.helpers import csrf_token

    token = csrf_token(client)
    page = client.post("/login", data={"csrf_token": token, "login": "", "password": ""})
    text = page.get_data(as_text=True)
    for name in ("login", "password"):
        field = _input(text, name)
        assert 'aria-invalid="true"' in field and f'aria-describedby="{name}-error"' in field
        assert f'id="{name}-error" role="alert"' in text
    typed = 'edu7700"01<b>'
    page = client.post("/login", data={"csrf_token": token, "login": typed, "password": "x1"})
    login = _input(page.get_data(as_text=True), "login")
    assert 'value="edu7700&#34;01&lt;b&gt;"' in login
    assert 'value=""' in _input(page.get_data(as_text=True), "password")
