"""Refused uploads answered in place: the НИКО tab again, the message beside the upload form, the
chosen step kept, the contract's status, and nothing stored."""

from __future__ import annotations

import datetime as dt
import errno
import http.client
import io
import os
import re
from urllib.parse import urlencode

import pytest

from fisoko.niko.exchange import upload_store
from tests.helpers import CSRF_RE, PASSWORDS, VALUE_RE, Server, csrf_token
from tests.niko.exchange.test_uploads import files_in, form, records, send
from tests.web.test_server import connect, read_answer

# On this day three school steps take files: get-materials (the one selected first), run-study
# and upload-form; the tests choose run-study so that keeping the choice shows.
DAY = dt.date(2027, 3, 10)
CHOSEN = "run-study"
ALERT_RE = re.compile(r'(<div [^>]*id="upload-error"[^>]*>)(.*?)</div>', re.S)


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "TODAY": DAY,
        "MAX_UPLOAD_MB": 1,
        "UPLOAD_MAX_FILES": 2,
    }


def alert_of(page: str) -> str:
    """The text of the refusal's message beside the upload form (it must be there once)."""
    found = ALERT_RE.findall(page)
    assert len(found) == 1, "no single refusal message beside the upload form"
    (tag, inner) = found[0]
    form_at = page.index('<form method="post" action="/cabinet/niko/uploads')
    assert 'role="alert"' in tag
    assert page.index(tag) < form_at  # just above the upload form, in its section
    assert page.index('id="uploads-title"') < page.index(tag)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner))


def selected_step(page: str) -> str:
    (chosen,) = re.findall(r'<option value="([^"]*)" selected>', page)
    return chosen


def assert_the_tab(page: str) -> None:
    """The answer is the НИКО tab of the logged-in school, upload form included."""
    assert 'aria-current="page">НИКО</a>' in page
    assert "Загрузка заполненных форм" in page and 'name="file"' in page
    assert "Вернуться на главную страницу" not in page


def assert_nothing_stored(app) -> None:
    assert records(app) == [] and files_in(app) == []


@pytest.mark.parametrize(
    "name, data, status, words, field",
    [
        ("program.exe", b"MZ", 400, "Этот тип файла загрузить нельзя", "file"),
        ("big.pdf", b"x" * (1024 * 1024 + 1), 413, "не больше 1 МБ", "file"),
        ("empty.pdf", b"", 400, "Файл пустой", "file"),
        ("bad\x07name.pdf", b"%PDF", 400, "недопустимые символы", "file"),
    ],
    ids=["type", "size", "empty", "name"],
)
def test_a_refused_file_gets_the_tab_with_why_and_the_step_kept(
    login_as, app, name, data, status, words, field
):
    school = login_as("edu770001")
    response = send(school, name=name, data=data, step=CHOSEN)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"
    assert_the_tab(page)
    assert words in alert_of(page)
    assert selected_step(page) == CHOSEN
    file_input = re.search(r'<input[^>]*id="upload-file"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in file_input
    assert 'aria-describedby="upload-error upload-hint"' in file_input
    assert_nothing_stored(app)


def test_the_same_tab_without_a_refusal_has_no_message(login_as):
    page = login_as("edu770001").get("/cabinet/niko").get_data(as_text=True)
    assert 'id="upload-error"' not in page and 'aria-invalid="true"' not in page
    assert selected_step(page) == "get-materials"
    assert 'action="/cabinet/niko/uploads#upload-error"' in page


def test_a_closed_step_points_its_message_at_the_step_list(login_as, app):
    school = login_as("edu770001")
    response = send(school, name="анкета.pdf", data=b"%PDF", step="school-questionnaire")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_the_tab(page)
    assert "Приём файлов для шага «Заполните анкету" in alert_of(page)
    assert "12.02.2027" in alert_of(page)
    select = re.search(r'<select[^>]*id="upload-step"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in select and 'aria-describedby="upload-error"' in select
    assert selected_step(page) == "get-materials"  # a closed step is no choice to keep
    assert_nothing_stored(app)


@pytest.mark.parametrize("step", ["nope", "region-report", ""])
def test_an_unknown_step_gets_the_tab(login_as, app, step):
    response = send(login_as("edu770001"), name="a.pdf", data=b"%PDF", step=step)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_the_tab(page)
    assert "Выберите шаг" in alert_of(page)
    assert_nothing_stored(app)


def test_the_quota_refusal_gets_the_tab_and_keeps_what_was_there(login_as, app):
    school = login_as("edu770001")
    for number in range(2):
        assert send(school, name=f"f{number}.pdf", data=b"%PDF x").status_code == 302
    before = (records(app), files_in(app))
    response = send(school, name="third.pdf", data=b"%PDF x", step=CHOSEN)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert_the_tab(page)
    assert "Загружено уже 2 файла" in alert_of(page)
    assert selected_step(page) == CHOSEN
    assert (records(app), files_in(app)) == before


@pytest.mark.parametrize(
    "code, status, words",
    [
        (errno.ENOSPC, 507, "На диске сервера закончилось место"),
        (errno.EIO, 500, "Не удалось сохранить файл"),
    ],
)
def test_a_full_disk_gets_the_tab_with_507_and_leaves_no_half_file(
    login_as, app, monkeypatch, code, status, words
):
    school = login_as("edu770001")

    def failing(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(upload_store.os, "fsync", failing)
    response = send(school, name="форма.pdf", data=b"%PDF" * 1000, step=CHOSEN)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert_the_tab(page)
    assert words in alert_of(page)
    assert selected_step(page) == CHOSEN
    assert_nothing_stored(app)
    assert not [p for p in upload_store.folder_in(app.instance_path).glob(".part-*")]


def test_a_body_over_the_apps_limit_gets_the_tab_with_413(login_as, app):
    """The body limit the app enforces itself (the form unread: no step is known to keep)."""
    school = login_as("edu770001")
    token = csrf_token(school, "/cabinet")
    body = form(token, CHOSEN, "huge.zip", b"z" * (3 * 1024 * 1024))
    response = school.post("/cabinet/niko/uploads", **body)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert response.headers["Cache-Control"] == "no-store"
    assert_the_tab(page)
    assert "не больше 1 МБ" in alert_of(page)
    assert selected_step(page) == "get-materials"
    assert_nothing_stored(app)


def test_an_anonymous_oversized_body_gets_the_plain_413(app):
    client = app.test_client()
    token = csrf_token(client)
    body = form(token, CHOSEN, "a.zip", b"z" * 3 * 2**20)
    response = client.post("/cabinet/niko/uploads", **body)
    assert response.status_code == 413
    assert 'id="upload-error"' not in response.get_data(as_text=True)


def test_a_coordinators_refusal_gets_the_coordinators_tab(login_as, app):
    coordinator = login_as("niko__77")
    response = send(coordinator, name="отчёт.exe", data=b"MZ", step="region-report")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Файлы школ региона и отчёты региона" in page and "Ход работы школ региона" in page
    assert "Этот тип файла загрузить нельзя" in alert_of(page)
    assert selected_step(page) == "region-report"
    assert_nothing_stored(app)


def test_a_refused_upload_does_not_clear_the_news_marks(login_as, app):
    """The refusal writes nothing, not even the «новое» marks a GET of the tab clears."""
    school = login_as("edu770001")
    send(school, name="program.exe", data=b"MZ", step=CHOSEN)
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "новое" in page


# --- who may post to the upload route: unchanged ---------------------------------------------


@pytest.mark.parametrize("login", ["edu770001", "edu770002", "edu780001", "niko__77", "niko__78"])
def test_every_account_uploads_only_its_own(login_as, app, login):
    step = "region-report" if login.startswith("niko") else "upload-form"
    client = login_as(login)
    response = send(client, name="файл.pdf", data=b"%PDF own", step=step)
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko")
    assert [(row[1], row[2]) for row in records(app)] == [(login, "файл.pdf")]


def test_an_anonymous_upload_is_sent_to_the_login_and_stores_nothing(app):
    client = app.test_client()
    token = csrf_token(client)
    body = form(token, "upload-form", "a.pdf", b"%PDF")
    response = client.post("/cabinet/niko/uploads", **body)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert_nothing_stored(app)


def test_a_post_without_the_token_is_the_csrf_page(login_as, app):
    school = login_as("edu770001")
    response = school.post(
        "/cabinet/niko/uploads", data={"step": "upload-form", "file": (io.BytesIO(b"x"), "a.pdf")}
    )
    assert response.status_code == 400
    assert "обновите страницу" in response.get_data(as_text=True)
    assert_nothing_stored(app)


# --- the real server: which 413 is the tab and which is waitress's own page ------------------


def _session(port: int) -> tuple[str, str]:
    """Log edu770001 in over HTTP: the session cookie and a CSRF token of the cabinet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    first = conn.getresponse()
    cookie = first.headers["Set-Cookie"].split(";")[0]
    token = VALUE_RE.search(CSRF_RE.search(first.read().decode()).group(0)).group(1)
    body = urlencode(
        {"login": "edu770001", "password": PASSWORDS["edu770001"], "csrf_token": token}
    )
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/login", body=body, headers=headers)
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 302
    (cookie,) = [
        c.split(";")[0] for c in answer.headers.get_all("Set-Cookie") if "fisoko_session" in c
    ]
    conn.request("GET", "/cabinet", headers={"Cookie": cookie})
    page = conn.getresponse().read().decode()
    conn.close()
    return cookie, VALUE_RE.search(CSRF_RE.search(page).group(0)).group(1)


def _post_upload(port: int, cookie: str, token: str, size: int) -> tuple[int, str]:
    body = form(token, CHOSEN, "big.zip", b"z" * size)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Content-Type": body["content_type"]}
    conn.request("POST", "/cabinet/niko/uploads", body=body["data"], headers=headers)
    answer = conn.getresponse()
    text = answer.read().decode("utf-8", "replace")
    conn.close()
    return answer.status, text


def _huge_upload_answer(port: int, cookie: str, length: int) -> str:
    """Announce a body of `length` bytes and send none of it: waitress answers from the length
    (no unread body, so its close is clean and the answer is not lost to a reset)."""
    with connect(port) as sock:
        sock.sendall(
            f"POST /cabinet/niko/uploads HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        return read_answer(sock).decode("utf-8", "replace")


@pytest.mark.slow
def test_over_the_real_server_a_file_just_over_is_the_tab_and_a_huge_body_the_servers_page(
    tmp_path, accounts_file
):
    live = Server(
        tmp_path, accounts_file, env={"FISOKO_MAX_UPLOAD_MB": "1", "FISOKO_TODAY": "2027-03-10"}
    )
    try:
        cookie, token = _session(live.port)
        status, page = _post_upload(live.port, cookie, token, 1024 * 1024 + 1000)
        assert status == 413
        assert_the_tab(page)
        assert "не больше 1 МБ" in alert_of(page) and selected_step(page) == CHOSEN
        answer = _huge_upload_answer(live.port, cookie, 3 * 1024 * 1024)
        assert answer.startswith("HTTP/1.1 413 "), answer[:100]
        assert "Слишком большой запрос" in answer and 'id="upload-error"' not in answer
    finally:
        live.stop()
    stored = [
        p
        for p in (tmp_path / "instance").rglob("*")
        if p.parent.name == "uploads" and not p.name.startswith(".writer-")
    ]
    assert stored == []  # no file, no half-written part
