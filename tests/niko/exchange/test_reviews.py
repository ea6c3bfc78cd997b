"""Review of uploads: who may review, what the school sees, replacing a returned file."""

from __future__ import annotations

import io
import re
import sqlite3

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from fisoko.niko.exchange import reviews
from tests.helpers import csrf_token

VIEWERS = ("edu770001", "edu770002", "niko__77", "niko__78", "edu780001", None)
UPLOAD_LINK_RE = re.compile(r'href="/cabinet/niko/uploads/([0-9a-f]{32})"')
AUDIT_RE = re.compile(r"event action=(\S+) by='([^']*)'.*")


@pytest.fixture
def audit_file(tmp_path):
    return tmp_path / "audit.log"


@pytest.fixture
def app_config(app_config, audit_file):
    return {**app_config, "AUDIT_LOG": str(audit_file)}


def ids_on_page(client) -> list[str]:
    page = client.get("/cabinet/niko").get_data(as_text=True)
    return list(dict.fromkeys(UPLOAD_LINK_RE.findall(page)))


def upload(client, name="анкета ОО.pdf", step="upload-form") -> str:
    before = set(ids_on_page(client))
    fields = {
        "csrf_token": csrf_token(client, "/cabinet"),
        "step": step,
        "file": FileStorage(io.BytesIO(b"%PDF-1.4 demo"), name),
    }
    boundary, body = encode_multipart(fields)
    response = client.post(
        "/cabinet/niko/uploads",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    (new,) = set(ids_on_page(client)) - before
    return new


def review(client, upload_id: str, status="returned", comment="Нет подписи директора"):
    token = csrf_token(client, "/cabinet")
    return client.post(
        f"/cabinet/niko/uploads/{upload_id}/review",
        data={"csrf_token": token, "status": status, "comment": comment},
    )


def stored(app) -> list[tuple]:
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        return conn.execute("SELECT upload_id, status, comment FROM upload_reviews").fetchall()
    finally:
        conn.close()


@pytest.fixture
def exchange(login_as):
    clients = {login: login_as(login) for login in VIEWERS if login}
    school = upload(clients["edu770001"])
    region = upload(clients["niko__77"], name="Отчёт региона.docx", step="region-report")
    return {"school": school, "region": region, "clients": clients}


def test_the_region_coordinator_returns_an_upload_and_the_school_sees_why(exchange, app):
    coordinator, school = exchange["clients"]["niko__77"], exchange["clients"]["edu770001"]
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "На проверке" in page and "reviews/" not in page
    response = review(coordinator, exchange["school"])
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko")
    assert stored(app) == [(exchange["school"], "returned", "Нет подписи директора")]
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "На доработке" in page and "Нет подписи директора" in page
    assert f"/cabinet/niko/uploads/{exchange['school']}/review" not in page
    region_page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert f"/cabinet/niko/uploads/{exchange['school']}/review" in region_page


def test_accepting_needs_no_comment_and_a_later_review_replaces_the_first(exchange, app):
    coordinator = exchange["clients"]["niko__77"]
    assert review(coordinator, exchange["school"]).status_code == 302
    assert review(coordinator, exchange["school"], "accepted", "").status_code == 302
    assert stored(app) == [(exchange["school"], "accepted", "")]
    page = exchange["clients"]["edu770001"].get("/cabinet/niko").get_data(as_text=True)
    assert "Принято" in page and "Нет подписи директора" not in page


def test_every_review_is_an_audit_event(exchange, audit_file):
    review(exchange["clients"]["niko__77"], exchange["school"])
    lines = [
        m.group(0) for m in map(AUDIT_RE.search, audit_file.read_text("utf-8").splitlines()) if m
    ]
    (line,) = [x for x in lines if "upload.review" in x]
    assert "by='niko__77'" in line and exchange["school"] in line and "returned" in line


@pytest.mark.parametrize("viewer", ["edu770001", "edu770002", "niko__78", "edu780001", None])
def test_anyone_but_the_region_coordinator_gets_404_and_nothing_changes(exchange, app, viewer):
    client = exchange["clients"][viewer] if viewer else app.test_client()
    if viewer is None:
        token = csrf_token(client, "/login")
        response = client.post(
            f"/cabinet/niko/uploads/{exchange['school']}/review",
            data={"csrf_token": token, "status": "accepted"},
        )
        assert response.status_code == 302  # to the login page, nothing done
        assert response.headers["Location"].startswith("/login")
    else:
        assert review(client, exchange["school"]).status_code == 404
    assert stored(app) == []


def test_the_coordinator_cannot_review_its_own_upload_or_a_missing_one(exchange, app):
    coordinator = exchange["clients"]["niko__77"]
    assert review(coordinator, exchange["region"]).status_code == 404
    assert review(coordinator, "0" * 32).status_code == 404
    assert stored(app) == []


@pytest.mark.parametrize(
    "status,comment,says",
    [
        ("maybe", "x", "Выберите решение"),
        ("returned", "", "без комментария"),
        ("returned", "   ", "без комментария"),
        ("returned", "я" * 501, "длиннее 500"),
    ],
)
def test_bad_reviews_are_400_in_russian_and_nothing_changes(exchange, app, status, comment, says):
    response = review(exchange["clients"]["niko__77"], exchange["school"], status, comment)
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert stored(app) == []


def test_a_comment_of_exactly_500_characters_is_kept(exchange, app):
    assert (
        review(exchange["clients"]["niko__77"], exchange["school"], comment="я" * 500).status_code
        == 302
    )
    assert stored(app)[0][2] == "я" * 500


def test_after_the_study_ends_no_review_is_taken(exchange, app, monkeypatch):
    monkeypatch.setattr(reviews, "study_over", lambda today: True)
    response = review(exchange["clients"]["niko__77"], exchange["school"])
    assert response.status_code == 400
    assert "Исследование завершено" in response.get_data(as_text=True)
    assert stored(app) == []


def test_a_new_upload_for_the_step_puts_the_school_back_on_review(exchange, app):
    coordinator, school = exchange["clients"]["niko__77"], exchange["clients"]["edu770001"]
    review(coordinator, exchange["school"])
    with app.app_context():
        from fisoko.db import get_db

        assert [u.id for u, _ in reviews.returned_of(get_db(), "edu770001")] == [exchange["school"]]
        assert reviews.counts_by_school(get_db(), "77") == {"edu770001": (0, 1)}
    newer = upload(school, name="анкета ОО исправленная.pdf")
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "Заменён новым файлом" in page and "На проверке" in page
    with app.app_context():
        from fisoko.db import get_db

        assert reviews.returned_of(get_db(), "edu770001") == []
        assert reviews.counts_by_school(get_db(), "77") == {"edu770001": (1, 0)}
        states = reviews.states(get_db(), [reviews.upload_store.get(get_db(), newer)])
        assert states[newer][0] == reviews.PENDING


def test_deleting_an_upload_removes_its_review(exchange, app):
    review(exchange["clients"]["niko__77"], exchange["school"])
    school = exchange["clients"]["edu770001"]
    token = csrf_token(school, "/cabinet")
    url = f"/cabinet/niko/uploads/{exchange['school']}/delete"
    assert school.post(url, data={"csrf_token": token}).status_code == 302
    assert stored(app) == []


def test_a_review_without_a_csrf_token_is_refused(exchange, app):
    response = exchange["clients"]["niko__77"].post(
        f"/cabinet/niko/uploads/{exchange['school']}/review",
        data={"status": "accepted"},
    )
    assert response.status_code == 400
    assert stored(app) == []


def progress_rows(client) -> list[list[str]]:
    import csv

    body = client.get("/cabinet/niko/progress.csv").get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))


def test_the_region_table_and_progress_csv_show_waiting_and_returned(exchange):
    coordinator = exchange["clients"]["niko__77"]
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert "ждут проверки: 1" in page and "на доработке:" not in page
    rows = progress_rows(coordinator)
    column = rows[0].index("returned")
    assert rows[0][column - 1] == "sample"
    assert {r[0]: r[column] for r in rows[1:]}["edu770001"] == "0"
    review(coordinator, exchange["school"])
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert "на доработке: 1" in page and "ждут проверки:" not in page
    rows = progress_rows(coordinator)
    assert {r[0]: r[column] for r in rows[1:]}["edu770001"] == "1"


def test_a_returned_upload_is_in_what_to_do_now_until_replaced(exchange):
    coordinator, school = exchange["clients"]["niko__77"], exchange["clients"]["edu770001"]
    review(coordinator, exchange["school"])
    page = school.get("/cabinet/niko").get_data(as_text=True)
    now = page[page.index('id="now-title"') : page.index('id="uploads"')]
    assert "Файлы возвращены на доработку" in now and "Нет подписи директора" in now
    assert "срок до" in now
    other = exchange["clients"]["edu770002"].get("/cabinet/niko").get_data(as_text=True)
    assert "Нет подписи директора" not in other
    upload(school, name="исправлено.pdf")
    page = school.get("/cabinet/niko").get_data(as_text=True)
    assert "Файлы возвращены на доработку" not in page
