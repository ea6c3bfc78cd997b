"""Participant codes: issuing for a class, limits, the CSV protocol, the slips, who sees what."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from urllib.parse import quote

import pytest

from fisoko.db import database_path
from fisoko.niko.exchange import codes
from fisoko.refused import Refused
from tests.helpers import csrf_token

VIEWERS = ("edu770001", "edu770002", "niko__77", "niko__78", "edu780001", None)
SCHOOLS = ("edu770001", "edu770002", "edu780001")
CODE_RE = re.compile(r"<code>(\d{5})</code>")


def issue(client, school_class: str = "8А", count: str = "5", token: str | None = None):
    token = csrf_token(client, "/cabinet") if token is None else token
    return client.post(
        "/cabinet/niko/codes", data={"csrf_token": token, "class": school_class, "count": count}
    )


def stored(app) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(database_path(app))
    try:
        return conn.execute(
            "SELECT login, class, code FROM participant_codes ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.parametrize(
    "raw, shown",
    [("8А", "8А"), ("8а", "8А"), (" 10 б ", "10Б"), ("10-В", "10В"), ("8A", "8А"), ("08Ё", "8Ё")],
)
def test_classes_are_read_kindly(raw, shown):
    assert codes.parse_class(raw) == shown


@pytest.mark.parametrize("raw", ["", "8", "А", "9А", "11А", "8АБ", "8 класс", "8Q", "٨А", None])
def test_bad_classes_are_refused(raw):
    with pytest.raises(Refused):
        codes.parse_class(raw)


@pytest.mark.parametrize("raw", ["", "0", "41", "-1", "2.5", "１０", "abc", "99999999999"])
def test_bad_counts_are_refused(raw):
    with pytest.raises(Refused):
        codes.parse_count(raw)


def test_a_school_issues_codes_and_sees_them_by_class(login_as, app):
    school = login_as("edu770001")
    response = issue(school, "10б", "3")
    assert (response.status_code, response.headers["Location"]) == (302, "/cabinet/niko/codes")
    assert issue(school, "8А", "2").status_code == 302
    page = school.get("/cabinet/niko/codes").get_data(as_text=True)
    assert "Для 8А выдано кодов: 2." in page
    assert page.index("8А — кодов: 2") < page.index("10Б — кодов: 3")
    rows = stored(app)
    assert [(login, cls) for login, cls, _ in rows] == [("edu770001", "10Б")] * 3 + [
        ("edu770001", "8А")
    ] * 2
    assert sorted(CODE_RE.findall(page)) == sorted(code for *_, code in rows)
    assert all(len(code) == 5 and 10000 <= int(code) <= 99999 for *_, code in rows)


def test_adding_to_a_class_keeps_old_codes_and_never_repeats_one(login_as, app, monkeypatch):
    school = login_as("edu770001")
    issue(school, "8А", "3")
    first = [code for *_, code in stored(app)]
    # A generator that offers the taken codes first: the school must still get new ones.
    offers = iter([int(c) - codes.LOWEST for c in first] * 2 + list(range(90000)))
    monkeypatch.setattr(codes.secrets, "randbelow", lambda n: next(offers))
    assert issue(school, "8А", "4").status_code == 302
    after = [code for *_, code in stored(app)]
    assert after[:3] == first and len(after) == 7 and len(set(after)) == 7


def test_a_class_holds_at_most_40_codes(login_as, app):
    school = login_as("edu770001")
    assert issue(school, "8А", "38").status_code == 302
    response = issue(school, "8А", "3")
    assert response.status_code == 400
    assert "уже выдано 38, можно добавить ещё 2" in response.get_data(as_text=True)
    assert issue(school, "8А", "2").status_code == 302
    page = issue(school, "8а", "1").get_data(as_text=True)
    assert "больше добавить нельзя" in page
    assert len(stored(app)) == 40


@pytest.mark.parametrize(
    "school_class, count, message",
    [
        ("9А", "5", "только 8 и 10 классы"),
        ("8", "5", "например 8А или 10Б"),
        ("8А", "0", "от 1 до 40"),
        ("8А", "41", "от 1 до 40"),
        ("8А", "", "от 1 до 40"),
    ],
)
def test_bad_input_is_400_on_the_page_and_nothing_is_stored(
    login_as, app, school_class, count, message
):
    response = issue(login_as("edu770001"), school_class, count)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and 'role="alert"' in page
    assert f'value="{school_class}"' in page  # what was typed stays in the form
    assert stored(app) == []


def test_posting_without_the_token_changes_nothing(login_as, app):
    school = login_as("edu770001")
    response = school.post("/cabinet/niko/codes", data={"class": "8А", "count": "5"})
    assert response.status_code == 400
    assert "обновите страницу" in response.get_data(as_text=True)
    assert app.test_client().post("/cabinet/niko/codes").status_code == 400
    assert stored(app) == []


@pytest.mark.parametrize("coordinator", ["niko__77", "niko__78"])
def test_a_coordinator_cannot_issue_codes(login_as, app, coordinator):
    assert issue(login_as(coordinator)).status_code == 404
    assert stored(app) == []


def test_the_csv_is_a_protocol_with_an_empty_name_column(login_as):
    school = login_as("edu770001")
    issue(school, "10А", "2")
    issue(school, "8Б", "1")
    response = school.get("/cabinet/niko/codes.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="niko-codes-edu770001-'
    )
    rows = read_csv(response)
    assert rows[0] == ["class", "code", "name"]
    assert [r[0] for r in rows[1:]] == ["8Б", "10А", "10А"]
    assert all(re.fullmatch(r"\d{5}", r[1]) and r[2] == "" for r in rows[1:])


def test_the_print_page_has_a_slip_per_code_with_class_and_study(login_as):
    school = login_as("edu770001")
    issue(school, "8В", "3")
    page = school.get("/cabinet/niko/codes/print").get_data(as_text=True)
    slips = re.findall(r'<li class="slip">(.*?)</li>', page, re.S)
    assert len(slips) == 3
    for slip in slips:
        assert "НИКО-2027" in slip and "<strong>8В</strong>" in slip
        assert re.search(r"Код участника: <strong>\d{5}</strong>", slip)
    assert "page--slips" in page  # the print stylesheet keeps only the slips on paper


def test_each_class_gets_its_own_list_of_slips_in_class_order(login_as):
    school = login_as("edu770001")
    issue(school, "10А", "1")
    issue(school, "8В", "2")
    page = school.get("/cabinet/niko/codes/print").get_data(as_text=True)
    lists = re.findall(
        r'<ul class="slips" aria-label="Листки с кодами, (\w+)">(.*?)</ul>', page, re.S
    )
    assert [(name, body.count('class="slip"')) for name, body in lists] == [("8В", 2), ("10А", 1)]


def test_nothing_asks_for_a_pupil_name(login_as):
    school = login_as("edu770001")
    issue(school)
    for url in ("/cabinet/niko/codes", "/cabinet/niko/codes/print", "/cabinet/niko"):
        page = school.get(url).get_data(as_text=True)
        inputs = re.findall(r'<input[^>]*name="([^"]+)"', page)
        assert set(inputs) <= {"csrf_token", "class", "count", "done", "step", "file"}, url


# --- who sees what ------------------------------------------------------------------------------

URLS = ("/cabinet/niko/codes", "/cabinet/niko/codes.csv", "/cabinet/niko/codes/print")


@pytest.fixture
def issued(login_as) -> dict:
    """Codes of edu770001 and edu780001, and a client per viewer."""
    clients = {login: login_as(login) for login in VIEWERS if login}
    issue(clients["edu770001"], "8А", "4")
    issue(clients["edu780001"], "10А", "2")
    return clients


def codes_of(app, login: str) -> set[str]:
    return {code for who, _, code in stored(app) if who == login}


@pytest.mark.parametrize("url", URLS)
def test_access_matrix(issued, app, url):
    for viewer in VIEWERS:
        client = issued[viewer] if viewer else app.test_client()
        response = client.get(url)
        if viewer is None:
            assert response.status_code == 302
            assert response.headers["Location"] == f"/login?next={quote(url, safe='')}"
        elif viewer.startswith("niko"):
            assert response.status_code == 404
            assert "Страница не найдена" in response.get_data(as_text=True)
        else:
            assert response.status_code == 200
            seen = set(re.findall(r"\d{5}", response.get_data(as_text=True)))
            for school in SCHOOLS:
                mine = codes_of(app, school)
                assert (mine <= seen) if school == viewer else not (mine & seen), (viewer, school)


def test_the_tab_links_to_the_codes_and_counts_them(issued):
    page = issued["edu770001"].get("/cabinet/niko").get_data(as_text=True)
    assert 'href="/cabinet/niko/codes"' in page and "Выдано кодов: <strong>4</strong>" in page
    page = issued["edu770002"].get("/cabinet/niko").get_data(as_text=True)
    assert "Коды ещё не выдавались" in page
    assert 'href="/cabinet/niko/codes"' not in issued["niko__77"].get("/cabinet/niko").get_data(
        as_text=True
    )


def test_the_coordinator_sees_how_many_codes_each_school_issued(issued):
    rows = read_csv(issued["niko__77"].get("/cabinet/niko/progress.csv"))
    column = rows[0].index("codes")
    assert {r[0]: r[column] for r in rows[1:]} == {
        "edu770001": "4",
        "edu770002": "0",
        "edu770009": "0",
    }  # the disabled school keeps its row in the CSV
    rows = read_csv(issued["niko__78"].get("/cabinet/niko/progress.csv"))
    assert [(r[0], r[column]) for r in rows[1:]] == [("edu780001", "2")]


def test_an_anonymous_post_with_a_token_goes_to_the_login(app):
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/cabinet/niko/codes", data={"csrf_token": token, "class": "8А", "count": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert stored(app) == []


def test_two_requests_at_once_cannot_overfill_a_class(login_as, app):
    import threading

    clients = [login_as("edu770001"), login_as("edu770001")]
    tokens = [csrf_token(c, "/cabinet") for c in clients]
    barrier, answers = threading.Barrier(2), []

    def send(client, token):
        barrier.wait()
        answers.append(issue(client, "8А", "30", token).status_code)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [302, 400]
    codes_issued = [code for *_, code in stored(app)]
    assert len(codes_issued) == 30 == len(set(codes_issued))
