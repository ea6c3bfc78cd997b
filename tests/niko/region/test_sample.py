"""The region's sample: replace and keep, confirm and take back, the deadline, the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from app import create_app
from fisoko.db import database_path
from fisoko.files.yaml_source import Invalid
from fisoko.niko.content.model import parse_content
from fisoko.settings import BASE_DIR
from tests.helpers import AuthActions, csrf_token

SHIPPED = (BASE_DIR / "content" / "niko.yaml").read_text(encoding="utf-8")
VIEWERS = ("edu770001", "edu770002", "niko__77", "niko__78", "edu780001", None)
BEFORE, LAST_DAY, AFTER = dt.date(2026, 12, 1), dt.date(2026, 12, 11), dt.date(2026, 12, 12)
AUDIT_RE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d event action=(\S+) by='([^']*)'"
)


@pytest.fixture
def audit_file(tmp_path):
    return tmp_path / "audit.log"


@pytest.fixture
def app_config(app_config, audit_file):
    """The shipped content, whose sample step ends on 11.12.2026; a day before it."""
    return {**app_config, "TODAY": BEFORE, "AUDIT_LOG": str(audit_file)}


def post(client, url: str, **data):
    token = csrf_token(client, "/cabinet")
    return client.post(url, data={"csrf_token": token, **data})


def replace(client, login="edu770001", reason="Школа закрыта на ремонт"):
    return post(client, f"/cabinet/niko/sample/{login}", status="replace", reason=reason)


def sample_column(client) -> dict[str, str]:
    body = client.get("/cabinet/niko/progress.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    column = rows[0].index("sample")
    assert rows[0][column - 1] == "codes" and rows[0][column - 2] == "last_activity"
    return {r[0]: r[column] for r in rows[1:]}


def events(audit_file) -> list[tuple[str, str]]:
    lines = audit_file.read_text(encoding="utf-8").splitlines()
    return [m.groups() for m in map(AUDIT_RE.match, lines) if m]


# --- the content key ----------------------------------------------------------------------------


def test_the_shipped_sample_step_is_the_confirmation_step():
    content = parse_content(SHIPPED.encode(), "niko.yaml")
    assert content.sample_step == "confirm-sample"
    assert content.sample_deadline() == LAST_DAY


@pytest.mark.parametrize(
    "value, message",
    [
        (
            "upload-form",
            "sample_step «upload-form»: это не id шага координатора (допустимы: confirm-",
        ),
        ("nope", "sample_step «nope»: это не id шага координатора"),
        ("[a, b]", "sample_step: нужен текст, а указано: список"),
    ],
)
def test_a_bad_sample_step_is_reported_with_its_line(value, message):
    text = SHIPPED.replace("sample_step: confirm-sample", f"sample_step: {value}")
    line = text[: text.index("sample_step:")].count("\n") + 1
    with pytest.raises(Invalid) as caught:
        parse_content(text.encode(), "niko.yaml")
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"niko.yaml:{line}: {message}")


def test_without_a_sample_step_there_is_no_deadline():
    text = SHIPPED.replace("sample_step: confirm-sample\n", "")
    assert parse_content(text.encode(), "niko.yaml").sample_deadline() is None


# --- the coordinator's changes ------------------------------------------------------------------


def test_every_school_is_in_the_sample_until_the_coordinator_says_otherwise(login_as):
    assert sample_column(login_as("niko__77")) == {
        "edu770001": "in",
        "edu770002": "in",
        "edu770009": "in",
    }  # the disabled school keeps its row in the CSV, counted nowhere on the page


def test_replace_keep_confirm_and_unconfirm(login_as, audit_file):
    coordinator = login_as("niko__77")
    response = replace(coordinator, reason="  Школа\nзакрыта  ")
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko")
    assert sample_column(coordinator)["edu770001"] == "replace"
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert "Школа закрыта" in page and "на замену: <strong>1</strong>" in page
    response = post(coordinator, "/cabinet/niko/sample/confirm")
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko")
    assert sample_column(coordinator) == {
        "edu770001": "replace",
        "edu770002": "confirmed",
        "edu770009": "confirmed",
    }
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert "Выборка подтверждена" in page and "Снять подтверждение" in page
    assert 'name="status"' not in page  # no changes offered while confirmed
    response = post(coordinator, "/cabinet/niko/sample/edu770001", status="keep")
    assert response.status_code == 400
    assert "сначала снимите подтверждение" in response.get_data(as_text=True)
    assert post(coordinator, "/cabinet/niko/sample/unconfirm").status_code == 302
    assert post(coordinator, "/cabinet/niko/sample/edu770001", status="keep").status_code == 302
    assert set(sample_column(coordinator).values()) == {"in"}
    assert events(audit_file) == [
        ("sample.replace", "niko__77"),
        ("sample.confirm", "niko__77"),
        ("sample.unconfirm", "niko__77"),
        ("sample.keep", "niko__77"),
    ]
    text = audit_file.read_text(encoding="utf-8")
    assert "school='edu770001' reason='Школа закрыта'" in text
    assert "region='77' to_replace='1'" in text


def test_confirming_twice_changes_and_logs_nothing_new(login_as, audit_file):
    coordinator = login_as("niko__77")
    post(coordinator, "/cabinet/niko/sample/confirm")
    response = post(coordinator, "/cabinet/niko/sample/confirm")
    assert response.status_code == 302
    assert "Выборка уже подтверждена" in coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert [e[0] for e in events(audit_file)] == ["sample.confirm"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"status": "replace"}, "Укажите причину замены"),
        ({"status": "replace", "reason": " \n\t "}, "Укажите причину замены"),
        ({"status": "replace", "reason": "x" * 501}, "длиннее 500 символов"),
        ({"status": "drop"}, "Не удалось понять действие"),
        ({}, "Не удалось понять действие"),
    ],
)
def test_bad_changes_are_400_and_change_nothing(login_as, audit_file, data, message):
    coordinator = login_as("niko__77")
    response = post(coordinator, "/cabinet/niko/sample/edu770001", **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert set(sample_column(coordinator).values()) == {"in"}
    assert events(audit_file) == []


@pytest.mark.parametrize("today", [LAST_DAY, AFTER])
def test_the_deadline_closes_every_change(login_as, app, audit_file, today):
    coordinator = login_as("niko__77")
    replace(coordinator)
    app.config["TODAY"] = today
    answers = [
        replace(coordinator, "edu770002"),
        post(coordinator, "/cabinet/niko/sample/confirm"),
        post(coordinator, "/cabinet/niko/sample/unconfirm"),
    ]
    if today == LAST_DAY:
        assert [r.status_code for r in answers] == [302, 302, 302]
        return
    assert [r.status_code for r in answers] == [400, 400, 400]
    assert "Срок подтверждения выборки истёк 11.12.2026" in answers[0].get_data(as_text=True)
    assert sample_column(coordinator)["edu770002"] == "in"
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert "Срок подтверждения выборки прошёл" in page and 'name="status"' not in page
    assert [e[0] for e in events(audit_file)] == ["sample.replace"]


def test_posts_without_the_token_change_nothing(login_as, app):
    coordinator = login_as("niko__77")
    for url in ("/cabinet/niko/sample/edu770001", "/cabinet/niko/sample/confirm"):
        response = coordinator.post(url, data={"status": "replace", "reason": "x"})
        assert response.status_code == 400
        assert "обновите страницу" in response.get_data(as_text=True)
        assert app.test_client().post(url).status_code == 400
    assert set(sample_column(coordinator).values()) == {"in"}


# --- who may change what, and who sees it -------------------------------------------------------


@pytest.mark.parametrize("target", ["edu770001", "edu780001", "niko__77", "edu779999", "x"])
def test_only_the_region_coordinator_may_mark_a_school(login_as, app, target):
    expected = {"edu770001": "niko__77", "edu780001": "niko__78"}.get(target)
    for viewer in VIEWERS:
        client = login_as(viewer) if viewer else app.test_client()
        if viewer is None:
            token = csrf_token(client, "/login")
            response = client.post(
                f"/cabinet/niko/sample/{target}",
                data={"csrf_token": token, "status": "replace", "reason": "r"},
            )
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login?next=")
            continue
        response = replace(client, target)
        assert response.status_code == (302 if viewer == expected else 404), (viewer, target)
        if response.status_code == 404:
            assert "Страница не найдена" in response.get_data(as_text=True)
    region = {"niko__77": "77", "niko__78": "78"}
    for coordinator in region:
        statuses = sample_column(login_as(coordinator))
        assert ("replace" in statuses.values()) == (expected == coordinator)


@pytest.mark.parametrize("action", ["confirm", "unconfirm"])
@pytest.mark.parametrize("school", ["edu770001", "edu780001"])
def test_schools_cannot_confirm(login_as, action, school):
    response = post(login_as(school), f"/cabinet/niko/sample/{action}")
    assert response.status_code == 404


def test_a_confirmation_stays_in_its_region(login_as):
    post(login_as("niko__78"), "/cabinet/niko/sample/confirm")
    assert set(sample_column(login_as("niko__77")).values()) == {"in"}
    assert set(sample_column(login_as("niko__78")).values()) == {"confirmed"}


def status_box(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'<div class="sample-status[^"]*" id="sample-status">(.*?)</div>', page, re.S)
    assert match, url
    return match.group(0)


def test_a_school_sees_its_own_status_on_both_tabs(login_as):
    coordinator, school, neighbour = (login_as(x) for x in ("niko__77", "edu770001", "edu770002"))
    for url in ("/cabinet", "/cabinet/niko"):
        assert "ещё не подтвердил" in status_box(school, url)
    replace(coordinator, reason="Нет 10 классов")
    post(coordinator, "/cabinet/niko/sample/confirm")
    for url in ("/cabinet", "/cabinet/niko"):
        mine = status_box(school, url)
        assert "sample-status--replace" in mine and "Нет 10 классов" in mine
        theirs = status_box(neighbour, url)
        assert "sample-status--confirmed" in theirs and "Нет 10 классов" not in theirs
        assert "edu770001" not in neighbour.get(url).get_data(as_text=True)
    for coordinator_url in ("/cabinet", "/cabinet/niko"):
        assert 'id="sample-status"' not in coordinator.get(coordinator_url).get_data(as_text=True)


def test_a_school_removed_from_the_accounts_file_is_not_counted(
    login_as, accounts_file, app_config
):
    replace(login_as("niko__77"), "edu770002")
    text = accounts_file.read_text(encoding="utf-8")
    start, end = text.index("  edu770002:"), text.index("  edu780001:")
    accounts_file.write_text(text[:start] + text[end:], encoding="utf-8")
    coordinator = create_app(app_config).test_client()  # the same database, the edited file
    AuthActions(coordinator).login("niko__77")
    page = coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert (
        "Школ в выборке: <strong>1</strong> из 1; на замену: <strong>0</strong>" in page
    )  # edu770009 disabled
    assert "edu770002" not in sample_column(coordinator)


def test_keeping_a_school_already_in_the_sample_logs_nothing(login_as, audit_file):
    coordinator = login_as("niko__77")
    response = post(coordinator, "/cabinet/niko/sample/edu770001", status="keep")
    assert response.status_code == 302
    assert "и так в выборке" in coordinator.get("/cabinet/niko").get_data(as_text=True)
    assert events(audit_file) == []


def test_a_change_by_another_process_reaches_the_school_within_the_keep_time(
    login_as, app, monkeypatch
):
    import sqlite3

    from fisoko.niko.region import sample

    school = login_as("edu770001")
    assert "ещё не подтвердил" in status_box(school, "/cabinet")
    conn = sqlite3.connect(database_path(app))  # as another process on the same folder would
    with conn:
        conn.execute("INSERT INTO sample_confirmations VALUES ('77', 'niko__77', 'now')")
    conn.close()
    assert "ещё не подтвердил" in status_box(school, "/cabinet")  # kept for a moment
    monkeypatch.setattr(sample, "KEEP_SECONDS", 0)
    assert "sample-status--confirmed" in status_box(school, "/cabinet")


def test_the_coordinators_home_says_where_the_sample_stands(login_as, app):
    app.config["TODAY"] = dt.date(2026, 12, 1)
    coordinator, school = login_as("niko__77"), login_as("edu770001")
    home = coordinator.get("/cabinet").get_data(as_text=True)
    assert "Выборка региона 77 не подтверждена." in home
    assert "Подтвердите её до 11.12.2026." in home
    assert 'href="/cabinet/niko#sample"' in home
    replace(coordinator)
    post(coordinator, "/cabinet/niko/sample/confirm")
    home = coordinator.get("/cabinet").get_data(as_text=True)
    assert "Выборка региона 77 подтверждена" in home and "на замену: 1" in home
    other = login_as("niko__78").get("/cabinet").get_data(as_text=True)
    assert "Выборка региона 78 не подтверждена." in other
    assert "Выборка региона" not in school.get("/cabinet").get_data(as_text=True)
